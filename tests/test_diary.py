"""The diary (issue 5) as parents and students read it: this week of the demo child (marks with
work types and weights, homework and its file, absences with reasons, a substituted and a
cancelled lesson), a period's weighted averages against a hand count, attendance totals, a
correction as «было → стало»; nobody else's child by any URL; nothing writable; every opening
recorded and shown to the class teacher; statement counts that do not grow with the data."""
import re
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text

from app import journal_entry as entry
from app.diary import DiaryVisit, record_visit
from app.extensions import db
from app.journal import Absence, FinalMark, HomeworkFile, Lesson, Mark
from app.messages import Message, MessageRecipient
from app.people import Guardianship, Student
from app.structure import Period, Subgroup, Subject, subgroup_student
from app.rules import fmt_date
from security import policy
from tests.conftest import TODAY, login
from tests.school import classgroup, deputy_writer, person_of_login, students_of, work_type_named

FILE_BYTES = "Правило: однородные члены предложения.\n".encode()
LAST_MONDAY = TODAY - timedelta(days=7)
LITERATURE, RUSSIAN, MATHS, PE = "Литература", "Русский язык", "Математика", "Физическая культура"


def writer_of(username):
    from flask import current_app

    return policy.journal_writer(current_app.appbuilder.sm.find_user(username=username))


def child():
    """The demo parent's child in 5А, who is also the demo `student`."""
    return person_of_login("student")


def todays(subject, student=None):
    """The 5А lesson of a subject today (of the student's group where the class is split)."""
    student = student or child()
    groups = select(subgroup_student.c.subgroup_id).where(subgroup_student.c.student_id == student.id)
    return db.session.scalar(select(Lesson).join(Lesson.subject).where(
        Lesson.classgroup_id == student.classgroup_id, Lesson.date == TODAY,
        Lesson.subgroup_id.is_(None) | Lesson.subgroup_id.in_(groups),
        Lesson.subject.has(name=subject)).order_by(Lesson.number))


def second_quarter():
    return db.session.scalar(select(Period).where(Period.kind == "quarter", Period.number == 2))


def quarter_lessons(subject=None):
    quarter = second_quarter()
    lessons = select(Lesson.id).where(Lesson.date.between(quarter.starts_on, quarter.ends_on))
    return lessons.where(Lesson.subject.has(name=subject)) if subject else lessons


def clear_quarter(student, model, subject=None):
    """Start from a quarter with none of the child's absences (or marks of a subject)."""
    db.session.execute(delete(model).where(model.student_id == student.id,
                                           model.lesson_id.in_(quarter_lessons(subject))))
    db.session.commit()


def fill_this_week():
    """Today's entries of the demo child, made through the journal's rules as the teachers would:
    two marks with a comment at Russian, homework with a file, Literature missed for illness,
    PE with a late arrival, Maths missed with the reason not known yet."""
    student = child()
    clear_quarter(student, Absence)
    teacher, deputy = writer_of("classteacher"), deputy_writer()
    russian, literature = todays(RUSSIAN), todays(LITERATURE)
    entry.add_mark(teacher, russian, student, "5", "grid", work_type=work_type_named("Диктант"),
                   comment="Без единой ошибки, молодец")
    entry.add_mark(teacher, russian, student, "4", "grid", work_type=work_type_named("Ответ на уроке"))
    entry.set_homework(teacher, russian, "Упр. 210, выучить правило § 9", "grid", due_on=TODAY + timedelta(days=2))
    attached = entry.attach_homework_file(teacher, russian, "правило.txt", "text/plain", FILE_BYTES, "grid")
    absence = entry.set_attendance(teacher, literature, student, "н", "grid")
    entry.set_absence_reason(teacher, absence, "Б", "grid")
    entry.set_attendance(deputy, todays(PE), student, "О", "grid")
    entry.set_attendance(deputy, todays(MATHS), student, "н", "grid")
    db.session.commit()
    return {"student": student.id, "russian": russian.id, "literature": literature.id, "pe": todays(PE).id,
            "maths": todays(MATHS).id, "file": attached.id}


@pytest.fixture
def week(app):
    with app.app_context():
        return fill_this_week()


def lesson_block(page, lesson_id):
    found = re.search(r'<li class="diary-lesson[^"]*" data-lesson="%d">(.*?)</li>\s*(?=<li class="diary-lesson|</ol>)'
                      % lesson_id, page, re.S)
    assert found, f"lesson {lesson_id} is not on the page"
    return found.group(1)


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ------------------------------------------------------------------ what the parent reads


def test_parent_reads_this_week_of_the_child(app, client, week):
    login(client, "parent")
    page = client.get(f"/diary/{week['student']}/").get_data(as_text=True)
    assert "Дневник: Троицкая Есения Анатольевна, 5А класс" in page
    assert re.search(r'class="diary-day diary-today"\s+id="day-2026-11-23"', page), "today is highlighted"
    assert "23.11.2026 – 27.11.2026" in page

    russian = lesson_block(page, week["russian"])
    assert 'data-value="5" data-subject="Русский язык" data-work-type="Диктант"' in russian
    assert 'data-weight="2"' in russian and "Дикт ×2" in russian and "Отв ×1" in russian
    assert 'data-comment="Без единой ошибки, молодец"' in russian
    assert 'data-teacher="Яковлева Надежда Юрьевна"' in russian
    assert 'data-date="23.11.2026"' in russian
    assert "Учитель об отметке 5: Без единой ошибки, молодец" in text_of(russian)
    assert "Домашнее задание к 25.11.2026: Упр. 210, выучить правило § 9" in text_of(russian)
    assert f'href="/diary/{week["student"]}/file/{week["file"]}"' in russian and "правило.txt" in russian
    assert "2 08:55–09:40" in text_of(russian)  # the lesson's number and the first shift's bells

    assert "Б отсутствовал(а): болеет" in text_of(lesson_block(page, week["literature"]))
    assert "О опоздал(а) на урок" in text_of(lesson_block(page, week["pe"]))
    assert "н отсутствовал(а), причина пока не указана" in text_of(lesson_block(page, week["maths"]))


def test_the_week_shows_substitutions_cancellations_and_only_the_childs_group(app, client, week):
    with app.app_context():
        student = db.session.get(Student, week["student"])
        this_week = select(Lesson).where(Lesson.classgroup_id == student.classgroup_id,
                                         Lesson.date.between(TODAY, TODAY + timedelta(days=6)))
        substituted = db.session.scalars(this_week.where(Lesson.substitute_id.isnot(None))).first()
        cancelled = db.session.scalars(this_week.where(Lesson.cancelled.is_(True))).first()
        assert substituted is not None and cancelled is not None, "the demo covers and cancels lessons this week"
        substitute, teacher = substituted.substitute.full_name, substituted.teacher.full_name
        other_group = db.session.scalars(this_week.join(Subgroup, Subgroup.id == Lesson.subgroup_id).where(
            Lesson.subgroup_id.not_in(select(subgroup_student.c.subgroup_id)
                                      .where(subgroup_student.c.student_id == student.id)))).all()
        ids = substituted.id, cancelled.id, [lesson.id for lesson in other_group]
    login(client, "parent")
    page = client.get(f"/diary/{week['student']}/").get_data(as_text=True)
    covered = text_of(lesson_block(page, ids[0]))
    assert f"Заменяет: {substitute} (по расписанию — {teacher})" in covered and "замена" in covered
    assert "урок отменён" in text_of(lesson_block(page, ids[1]))
    assert 'class="diary-lesson diary-cancelled"' in page
    assert ids[2] and not any(f'data-lesson="{lesson_id}"' in page for lesson_id in ids[2])


def test_earlier_and_later_weeks(app, client, week):
    login(client, "parent")
    last = client.get(f"/diary/{week['student']}/?day={LAST_MONDAY.isoformat()}").get_data(as_text=True)
    assert "16.11.2026 – 20.11.2026" in last and "diary-today" not in last and "Эта неделя" in last
    assert 'data-value="' in last, "last week's marks"
    later = client.get(f"/diary/{week['student']}/?day=2026-12-30").get_data(as_text=True)
    assert "Каникулы" in later or "каникулы" in later, "the winter holidays come from the calendar"
    for unreadable in ("garbage", "0001-01-03", "9999-12-31"):  # read as this week, never a 500
        page = client.get(f"/diary/{week['student']}/?day={unreadable}")
        assert page.status_code == 200 and "23.11.2026 – 27.11.2026" in page.get_data(as_text=True), unreadable


def test_homework_file_downloads_for_the_family_only(app, client, week):
    login(client, "parent")
    res = client.get(f"/diary/{week['student']}/file/{week['file']}")
    assert res.status_code == 200 and res.data == FILE_BYTES
    assert "attachment" in res.headers["Content-Disposition"]
    sibling = sibling_of(app, week)
    # The file is the 5А child's: the 8Б sibling's diary does not serve it.
    assert client.get(f"/diary/{sibling}/file/{week['file']}").status_code == 404
    client.get("/logout/")
    login(client, "student")
    assert client.get(f"/diary/{week['student']}/file/{week['file']}").status_code == 200


def test_period_view_weighted_average_against_a_hand_count(app, client, week):
    with app.app_context():
        student = db.session.get(Student, week["student"])
        clear_quarter(student, Mark, LITERATURE)
        teacher, literature = writer_of("classteacher"), todays(LITERATURE)
        for value, work_type in (("5", "Сочинение"), ("3", "Ответ на уроке"), ("4", "Самостоятельная работа"),
                                 ("зач", "Ответ на уроке")):
            entry.add_mark(teacher, literature, student, value, "grid", work_type=work_type_named(work_type))
        db.session.commit()
        period_id = second_quarter().id
    # (5×2 + 3×1 + 4×1,5) / (2 + 1 + 1,5) = 19 / 4,5 = 4,222…; «зач» counts in no average.
    login(client, "parent")
    page = client.get(f"/diary/{week['student']}/marks?period={period_id}").get_data(as_text=True)
    line = re.search(r'data-subject="Литература">(.*?)</section>', page, re.S).group(1)
    assert '<span class="diary-average" title="Средний балл">4,22</span>' in line
    assert len(re.findall(r'class="diary-mark ', line)) == 4 and "Соч ×2" in line and "СР ×1,5" in line
    assert "пропусков: 1" in text_of(line)  # today's Literature, missed for illness
    russian = re.search(r'data-subject="Русский язык">(.*?)</section>', page, re.S).group(1)
    assert 'data-work-type="Диктант"' in russian
    assert "2 четверть: 05.11.2026 – 28.12.2026" in page


def test_attendance_totals_of_the_period(app, client, week):
    login(client, "parent")
    page = client.get(f"/diary/{week['student']}/marks").get_data(as_text=True)
    # Literature (Б) and Maths (reason unknown) missed, PE late: the fixture's three, nothing else.
    assert '<span data-total="missed">2</span>' in page
    assert '<span data-total="ill">1</span>' in page
    assert '<span data-total="late">1</span>' in page
    assert "причина не указана — 1" in text_of(page)


def test_final_marks_of_the_period_are_shown(app, client, week):
    with app.app_context():
        student = db.session.get(Student, week["student"])
        quarter = second_quarter()
        subject = db.session.scalar(select(Subject).where(Subject.name == RUSSIAN))
        db.session.add(FinalMark(student_id=student.id, subject_id=subject.id, kind="period", period_id=quarter.id,
                                 school_year_id=quarter.school_year_id, value="4"))
        db.session.commit()
    login(client, "parent")
    page = client.get(f"/diary/{week['student']}/marks").get_data(as_text=True)
    russian = re.search(r'data-subject="Русский язык">(.*?)</section>', page, re.S).group(1)
    assert "Итоговая (2 четверть): 4" in text_of(russian)


def test_a_correction_is_shown_as_before_and_after_with_its_date(app, client, week):
    with app.app_context():
        student = db.session.get(Student, week["student"])
        mark = db.session.scalars(select(Mark).join(Lesson).where(
            Mark.student_id == student.id, Mark.retracted_at.is_(None), Lesson.subject.has(name=RUSSIAN),
            Lesson.date.between(LAST_MONDAY, LAST_MONDAY + timedelta(days=4)))).first()
        old, new = mark.value, "4" if mark.value != "4" else "5"
        correction = entry.request_correction(writer_of("classteacher"), "grid", "Ошибка при вводе: в тетради иначе",
                                              student, new, mark=mark)
        entry.decide_correction(deputy_writer(), correction, True)
        db.session.commit()
        decided, lesson_id, lesson_day = fmt_date(correction.decided_at), mark.lesson_id, mark.lesson.date
    login(client, "parent")
    page = text_of(client.get(f"/diary/{week['student']}/marks").get_data(as_text=True))
    assert (f"{decided}: Русский язык, урок {fmt_date(lesson_day)} — было «{old}» → стало «{new}». "
            "Причина: Ошибка при вводе: в тетради иначе") in page
    week_page = client.get(f"/diary/{week['student']}/?day={LAST_MONDAY.isoformat()}").get_data(as_text=True)
    assert f"Исправлено {decided}: было «{old}» → стало «{new}»" in text_of(lesson_block(week_page, lesson_id))


# ------------------------------------------------------------------ nobody else's child


def other_family_child(app, week):
    with app.app_context():
        parent = person_of_login("parent")
        mine = set(db.session.scalars(select(Guardianship.student_id).where(Guardianship.guardian_id == parent.id)))
        return next(s.id for s in students_of("5А") if s.id not in mine)


def sibling_of(app, week):
    """The demo parent's other child (in 8Б)."""
    with app.app_context():
        return db.session.scalar(select(Guardianship.student_id).where(
            Guardianship.guardian_id == person_of_login("parent").id, Guardianship.student_id != week["student"]))


def diary_urls(student_id, file_id):
    return [f"/diary/{student_id}/", f"/diary/{student_id}/?day=2026-11-16", f"/diary/{student_id}/marks",
            f"/diary/{student_id}/marks?period=1", f"/diary/{student_id}/file/{file_id}"]


@pytest.mark.parametrize("username", ["parent", "student"])
def test_another_familys_child_is_not_found_on_every_url(app, client, week, username):
    stranger = other_family_child(app, week)
    login(client, username)
    for url in diary_urls(stranger, week["file"]) + ["/diary/abc/", "/diary/99999999999/marks",
                                                     f"/diary/{week['student']}/file/999999"]:
        assert client.get(url).status_code == 404, url


def test_a_student_sees_only_themself(app, client, week):
    sibling = sibling_of(app, week)
    login(client, "student")
    page = client.get("/diary/").get_data(as_text=True)
    assert "Дневник: Троицкая Есения Анатольевна" in page and "diary-children" not in page
    for url in diary_urls(sibling, week["file"]):
        assert client.get(url).status_code == 404, url
    client.get("/logout/")
    login(client, "parent")
    both = client.get("/diary/").get_data(as_text=True)
    assert 'class="diary-children"' in both and f'href="/diary/{sibling}/"' in both


def test_the_administration_opens_any_childs_diary_and_teachers_none(app, client, week):
    login(client, "deputy")
    assert client.get(f"/diary/{week['student']}/").status_code == 200
    chooser = client.get(f"/diary/?class={classgroup_id(app)}").get_data(as_text=True)
    assert f'href="/diary/{week["student"]}/"' in chooser
    client.get("/logout/")
    login(client, "classteacher")  # a teacher has no diary: the journal is theirs
    assert client.get(f"/diary/{week['student']}/").status_code in (302, 403)


def classgroup_id(app, name="5А"):
    with app.app_context():
        return classgroup(name).id


@pytest.mark.parametrize("username", ["parent", "student"])
def test_nothing_in_the_diary_is_writable(app, client, week, username):
    def state():
        with app.app_context():
            return [db.session.scalar(select(func.count()).select_from(model)) for model in (Mark, Absence,
                                                                                            HomeworkFile, DiaryVisit)]

    before = state()
    login(client, username)
    for url in diary_urls(week["student"], week["file"]) + ["/diary/", "/diary/reading/"]:
        for send in (client.post, client.put, client.delete):
            assert send(url, data={"value": "5"}).status_code in (400, 403, 405), url
    assert state() == before


# ------------------------------------------------------------------ who reads the diary


def send_from_classteacher(app, subjects, to=("parent", "student"), read=()):
    """Messages from the class teacher (rows as the mail writes them); the parent has read the
    subjects in `read`, nobody else has read anything."""
    with app.app_context():
        sm = app.appbuilder.sm
        author = sm.find_user(username="classteacher").id
        for n, subject in enumerate(subjects):
            message = Message(author_id=author, subject=subject, body="…", created_at=datetime(2026, 11, 16 + n, 15))
            db.session.add(message)
            db.session.flush()
            message.thread_id = message.id
            for username in to:
                was_read = subject in read and username == "parent"
                db.session.add(MessageRecipient(message_id=message.id, recipient_id=sm.find_user(username=username).id,
                                                read_at=datetime(2026, 11, 20, 18) if was_read else None))
        db.session.commit()


def reader_row(page, name):
    found = re.search(r"<tr data-user=\"\d*\">\s*<td>[^<]*(?:<strong>)?" + re.escape(name) + r".*?</tr>", page, re.S)
    assert found, f"{name} is not on the page"
    return text_of(found.group(0))


def letters_from_classteacher(app, username):
    """(read, sent) of the class teacher's messages to a login so far (the demo's mailbox has some)."""
    with app.app_context():
        sm = app.appbuilder.sm
        return tuple(db.session.execute(
            select(func.count(MessageRecipient.read_at), func.count()).join(Message)
            .where(Message.author_id == sm.find_user(username="classteacher").id,
                   MessageRecipient.recipient_id == sm.find_user(username=username).id)).one())


def test_diary_visits_are_recorded_and_shown_to_the_class_teacher(app, client, week):
    parent_read, parent_sent = letters_from_classteacher(app, "parent")
    child_read, child_sent = letters_from_classteacher(app, "student")
    send_from_classteacher(app, ["Родительское собрание 27.11", "Итоги контрольной", "Экскурсия в музей"],
                           read=("Родительское собрание 27.11",))
    login(client, "parent")
    client.get("/diary/")
    client.get(f"/diary/{week['student']}/marks")
    with app.app_context():
        parent = person_of_login("parent")
        visit = db.session.scalar(select(DiaryVisit).where(DiaryVisit.user_id == parent.user_id))
        assert visit.visits == 2 and visit.first_opened_at <= visit.last_opened_at
        opened = f"{fmt_date(visit.last_opened_at)} {visit.last_opened_at:%H:%M}"
        parent_name, child_name = parent.full_name, person_of_login("student").full_name
    client.get("/logout/")
    login(client, "classteacher")
    page = client.get("/diary/reading/").get_data(as_text=True)
    assert "Кто читает дневник: 5А класс" in page
    row = reader_row(page, parent_name)
    assert opened in row and "2" in row.split(opened)[1]
    assert f"{parent_read + 1} из {parent_sent + 3}" in row
    assert "«Экскурсия в музей» (18.11.2026); «Итоги контрольной» (17.11.2026)" in row  # the latest unread first
    assert "Родительское собрание" not in row
    child_row = reader_row(page, child_name)
    assert "ни разу" in child_row and f"{child_read} из {child_sent + 3}" in child_row
    assert client.get(f"/diary/reading/?class={classgroup_id(app)}").status_code == 200
    assert client.get(f"/diary/reading/?class={classgroup_id(app, '8Б')}").status_code == 404
    client.get("/logout/")
    login(client, "teacher")  # teaches 5А, leads no class
    assert client.get(f"/diary/reading/?class={classgroup_id(app)}").status_code == 404
    assert parent_name not in client.get("/diary/reading/").get_data(as_text=True)
    client.get("/logout/")
    login(client, "deputy")  # the administration: any class
    assert parent_name in client.get(f"/diary/reading/?class={classgroup_id(app)}").get_data(as_text=True)


def test_a_visit_is_one_write_and_concurrent_openings_all_count(app, count_statements):
    with app.app_context():
        user_id = app.appbuilder.sm.find_user(username="parent").id
        postgres = db.engine.dialect.name == "postgresql"
        usual = db.session.scalar(text("SHOW synchronous_commit")) if postgres else None
        db.session.rollback()
        with count_statements() as counter:
            record_visit(db.session, user_id)
        # One INSERT … ON CONFLICT; on PostgreSQL the same statement sets, for this transaction
        # only, that its commit does not wait for the disk.
        assert counter.count == 1
        if postgres:
            assert db.session.scalar(text("SHOW synchronous_commit")) == "off"
        db.session.commit()
        if postgres:
            assert db.session.scalar(text("SHOW synchronous_commit")) == usual, "the next transaction waits again"
            db.session.rollback()

    def open_diary():
        with app.app_context():
            for _ in range(5):
                record_visit(db.session, user_id)
                db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=open_diary) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert db.session.scalar(select(DiaryVisit.visits).where(DiaryVisit.user_id == user_id)) == 21


# ------------------------------------------------------------------ statements


def statements_of(client, counter, url):
    with counter() as counted:
        assert client.get(url).status_code == 200, url
    return counted.count


def pile_up(app, week):
    """The same child with many more records this week and in the quarter: marks at every
    lesson held, absences, homework files and corrections."""
    with app.app_context():
        student = db.session.get(Student, week["student"])
        deputy = deputy_writer()
        lessons = db.session.scalars(select(Lesson).where(
            Lesson.classgroup_id == student.classgroup_id, Lesson.date.between(TODAY - timedelta(days=14), TODAY),
            Lesson.subgroup_id.is_(None), Lesson.cancelled.is_not(True))).all()
        for lesson in lessons:
            for value in ("2", "3", "4", "5"):
                db.session.add(Mark(lesson_id=lesson.id, student_id=student.id, value=value, comment="ещё",
                                    work_type_id=work_type_named("Ответ на уроке").id))
            entry.attach_homework_file(deputy, lesson, f"задание {lesson.id}.txt", "text/plain", b"x", "grid")
        db.session.commit()
        return len(lessons)


def test_diary_pages_read_a_fixed_number_of_statements(app, client, week, count_statements):
    urls = [f"/diary/{week['student']}/", f"/diary/{week['student']}/marks", "/diary/"]
    login(client, "parent")
    for url in urls:
        client.get(url)  # warm up: per-process caches are not what we measure
    few = {url: statements_of(client, count_statements, url) for url in urls}
    assert pile_up(app, week) > 10
    many = {url: statements_of(client, count_statements, url) for url in urls}
    assert many == few and max(few.values()) <= 14, few
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Mark).where(Mark.student_id == week["student"])) > 100


def test_a_lesson_is_shown_once_with_every_mark_in_order_its_absence_and_files(app, client, week):
    """The week reads a lesson, the child's absence and marks in one statement, a row per mark:
    however many marks, the lesson is on the page once, its absence once, its marks as entered."""
    pile_up(app, week)
    login(client, "parent")
    page = client.get(f"/diary/{week['student']}/").get_data(as_text=True)
    russian, literature = lesson_block(page, week["russian"]), lesson_block(page, week["literature"])
    for lesson_id in (week["russian"], week["literature"]):
        assert page.count(f'data-lesson="{lesson_id}"') == 1
    assert re.findall(r'data-value="([^"]*)"', russian) == ["5", "4", "2", "3", "4", "5"]
    assert russian.count("правило.txt") == 1 and russian.count(f"задание {week['russian']}.txt") == 1
    assert re.findall(r'data-value="([^"]*)"', literature) == ["2", "3", "4", "5"]
    assert text_of(literature).count("отсутствовал(а): болеет") == 1


def test_reading_page_reads_a_fixed_number_of_statements(app, client, week, count_statements):
    login(client, "classteacher")
    client.get("/diary/reading/")
    few = statements_of(client, count_statements, "/diary/reading/")
    send_from_classteacher(app, [f"Сообщение {n}" for n in range(8)], read=("Сообщение 1",))
    with app.app_context():
        for student in students_of("5А")[:10]:
            if student.user_id is None:
                from app.accounts import issue_login

                issue_login(app.appbuilder.sm, student, username=f"pupil{student.id}", password="Pupil-2026!",
                            role_name="Student")
        db.session.commit()
    client.get("/logout/")
    login(client, "parent")
    client.get("/diary/")
    client.get("/logout/")
    login(client, "classteacher")
    assert statements_of(client, count_statements, "/diary/reading/") == few
