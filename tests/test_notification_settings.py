"""Families told of the journal (issue 5, item 3): a new, changed or retracted mark, an absence or
lateness and an approved correction become a notice for every guardian with a login and for the
child's own login, and a letter as each person chose on «Уведомления по почте»: marks at once,
as a daily digest or not at all; corrections yes or no.

Letters go through a real SMTP server on 127.0.0.1 (tests/test_notifications.py). This module's
application sends only when a test says so (drain), except where a test follows a teacher's
save through the background sender. Today is Monday 23.11.2026; the demo's `parent` has two
children, Есения in 5А (whose own login is `student`) and Анна in 8Б."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app import create_app
from app import journal_entry as entry
from app.accounts import issue_login
from app.extensions import db
from app.journal import Absence, Correction, Lesson, Mark
from app.notifications import (
    EmailJob, Notice, NotificationSetting, _Dispatcher, digest_command, digest_moment, drain, send_digests,
    stop_dispatcher,
)
from app.people import Guardian, Guardianship, Student
from app.rules import RuleError
from security.policy import JournalWriter
from tests import test_notifications as mail
from tests.conftest import TODAY, csrf_token, login, settings_for
from tests.school import deputy_writer, grid_csrf, person_of_login, save_cell, work_type_named

mail_server, smtp, quiet_sender, wait_until = mail.mail_server, mail.smtp, mail.quiet_sender, mail.wait_until
user_id, email_of = mail.user_id, mail.email_of
TODAY_TEXT = "23.11.2026"


@pytest.fixture(scope="module")
def app(databases, mail_server):
    """Letters at once (no merge window) and only when a test sends them."""
    application = create_app(settings_for(databases.work_url, **mail.mail_settings(
        mail_server.port, MAIL_SEND_IN_BACKGROUND=False, NOTICE_MERGE_SECONDS=0)))
    yield application
    stop_dispatcher(application)


# ---------------------------------------------------------------- the demo family and its lessons


def setting(username, **values):
    """Give the login these settings (its row created with the defaults first)."""
    uid = user_id(username)
    if db.session.scalar(select(NotificationSetting).where(NotificationSetting.user_id == uid)) is None:
        db.session.add(NotificationSetting(user_id=uid, new_message=True, marks="digest", corrections=True))
        db.session.flush()
    db.session.execute(update(NotificationSetting).where(NotificationSetting.user_id == uid).values(**values))
    db.session.commit()


def esenia():
    return person_of_login("student")


def anna():
    return next(g.student for g in person_of_login("parent").guardianships if g.student.id != esenia().id)


def lesson_today(student, subject):
    """The student's class's whole-class lesson of `subject` today, their cell emptied."""
    lesson = db.session.scalar(select(Lesson).join(Lesson.subject).where(
        Lesson.classgroup_id == student.classgroup_id, Lesson.date == TODAY, Lesson.subgroup_id.is_(None),
        Lesson.subject.has(name=subject)))
    assert lesson is not None, subject
    for model in (Mark, Absence):
        for item in db.session.scalars(select(model).where(model.lesson_id == lesson.id,
                                                           model.student_id == student.id)):
            db.session.delete(item)
    db.session.commit()
    return lesson


def lessons_today(student):
    """The student's class's whole-class lessons today, by number, their cells emptied."""
    lessons = db.session.scalars(select(Lesson).where(
        Lesson.classgroup_id == student.classgroup_id, Lesson.date == TODAY, Lesson.subgroup_id.is_(None))
        .order_by(Lesson.number)).all()
    return [lesson_today(student, lesson.subject.name) for lesson in lessons]


def short_type(lesson):
    """The work type a new mark of this lesson gets, as the audit and the notice write it."""
    return (lesson.work_type or work_type_named("Ответ на уроке")).short_name


def notices_of(username):
    return db.session.scalars(select(Notice).where(Notice.recipient_id == user_id(username)).order_by(Notice.id)).all()


def letters():
    return db.session.scalars(select(EmailJob).order_by(EmailJob.id)).all()


def a_new_parent(student, username, email):
    """A second guardian of `student`, with a login and a mailbox."""
    guardian = Guardian(last_name="Новиков", first_name="Игорь", middle_name="Петрович", email=email)
    db.session.add(guardian)
    db.session.add(Guardianship(student=student, guardian=guardian, kinship="отец"))
    db.session.flush()
    from flask import current_app

    issue_login(current_app.appbuilder.sm, guardian, username=username, password="Password-123", role_name="Parent")
    db.session.commit()
    return guardian


# ---------------------------------------------------------------- a mark, at once


def test_an_instant_mark_letter_reaches_the_parent_after_the_teachers_save(app, client, smtp):
    with app.app_context():
        setting("parent", marks="instant")
        lesson = lesson_today(esenia(), "Русский язык")
        lesson_id, student_id, assignment_id = lesson.id, esenia().id, lesson.assignment_id
        work_type = short_type(lesson)
        before = len(notices_of("student"))
    app.config["MAIL_SEND_IN_BACKGROUND"] = True  # this once, the way a server sends: after the answer
    try:
        login(client, "classteacher")
        assert save_cell(client, grid_csrf(client, assignment_id), assignment_id, lesson_id, student_id,
                         "5").status_code == 200
        letter = smtp.wait_for(1)[0]
    finally:
        app.config["MAIL_SEND_IN_BACKGROUND"] = False
        stop_dispatcher(app)
    subject = f"Отметки: Троицкая Есения Анатольевна — Русский язык, {TODAY_TEXT}, 2-й урок"
    assert letter["Subject"] == subject  # the Cyrillic subject arrives intact
    with app.app_context():
        assert letter["To"] == email_of("parent")
        body = letter.get_content()
        assert body.startswith(f"{subject[len('Отметки: '):]}: новая отметка 5 ({work_type}).")
        assert f"Открыть в журнале: https://journal.school.example/diary/{student_id}/?day=2026-11-23" in body
        [notice] = notices_of("parent")
        assert (notice.kind, notice.link) == ("mark", f"/diary/{student_id}/?day=2026-11-23")
        [own] = notices_of("student")[before:]  # the child's own login: a notice, no mailbox, no letter
        assert own.text == notice.text
        assert [job.to_address for job in letters()] == [email_of("parent")]


def test_a_cell_of_two_marks_and_a_file_of_marks_make_one_notice_per_child(app, smtp):
    with app.app_context():
        setting("parent", marks="instant")
        lesson = lesson_today(esenia(), "Математика")
        writer = deputy_writer()
        entry.save_cell(writer, lesson, esenia(), "5 4", "", "grid")
        db.session.commit()
        kind = short_type(lesson)
        [notice] = notices_of("parent")
        assert notice.text.endswith(f"1-й урок: новая отметка 5 ({kind}); новая отметка 4 ({kind}).")
        # Two rows for the same child in a file of marks: one notice too, and none for other families.
        from app.journal_import import import_marks

        rows = "ФИО;отметка\nТроицкая Есения Анатольевна;3\nТроицкая Есения Анатольевна;2\n".encode()
        assert import_marks(writer, lesson, rows) == 2
        db.session.commit()
        assert len(notices_of("parent")) == 2 and notices_of("parent")[1].text.count("новая отметка") == 2
    assert drain(app).sent == 2
    assert [m["Subject"] for m in smtp.messages] == [f"Отметки: Троицкая Есения Анатольевна — Математика, "
                                                     f"{TODAY_TEXT}, 1-й урок"] * 2


def test_changed_and_retracted_marks_are_told_too(app, smtp):
    with app.app_context():
        setting("parent", marks="instant")
        lesson = lesson_today(esenia(), "Литература")
        writer = deputy_writer()
        mark = entry.add_mark(writer, lesson, esenia(), "3", "form")
        db.session.commit()
        entry.change_mark(writer, mark, "form", value="4")
        db.session.commit()
        entry.change_mark(writer, mark, "form", comment="Хороший ответ")  # a comment only: no news
        db.session.commit()
        entry.retract_mark(writer, mark, "form")
        db.session.commit()
        kind = short_type(lesson)
        texts = [notice.text.split(": ", 1)[1] for notice in notices_of("parent")]
        assert texts == [f"новая отметка 3 ({kind}).", f"отметка изменена: 3 ({kind}) → 4 ({kind}).",
                         f"отметка 4 ({kind}) снята."]
    assert drain(app).sent == 3


def test_an_absence_and_a_lateness_letter(app, smtp):
    with app.app_context():
        setting("parent", marks="instant")
        first, second = lesson_today(esenia(), "Математика"), lesson_today(esenia(), "Литература")
        writer = deputy_writer()
        entry.set_attendance(writer, first, esenia(), "н", "form")
        db.session.commit()
        entry.set_attendance(writer, second, esenia(), "О", "form")
        db.session.commit()
        absence = db.session.scalar(select(Absence).where(Absence.lesson_id == first.id,
                                                          Absence.student_id == esenia().id))
        classteacher = JournalWriter(user_id("classteacher"), person_of_login("classteacher").id)
        entry.set_absence_reason(classteacher, absence, "Б", "form")  # why, days later: no news
        db.session.commit()
        kinds = [(n.kind, n.text.split(": ", 1)[1]) for n in notices_of("parent")]
        assert kinds == [("absence", "отсутствовал(а) на уроке."), ("absence", "опоздал(а) на урок.")]
    assert drain(app).sent == 2
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects == [f"Посещаемость: Троицкая Есения Анатольевна — Математика, {TODAY_TEXT}, 1-й урок",
                        f"Посещаемость: Троицкая Есения Анатольевна — Литература, {TODAY_TEXT}, 4-й урок"]
    assert "опоздал(а) на урок" in smtp.messages[1].get_content()


# ---------------------------------------------------------------- corrections


def last_weeks_russian_mark():
    """Есения's mark in last Monday's Russian lesson (the demo's), past its window."""
    return db.session.scalar(select(Mark).join(Mark.lesson).where(
        Mark.student_id == esenia().id, Mark.retracted_at.is_(None), Lesson.date == TODAY - timedelta(days=7),
        Lesson.subject.has(name="Русский язык")))


@pytest.mark.parametrize("corrections", [True, False])
def test_an_approved_correction_is_told_and_mailed_when_asked_for(app, smtp, corrections):
    with app.app_context():
        setting("parent", marks="off", corrections=corrections)
        mark = last_weeks_russian_mark()
        old = mark.value
        new = "5" if old != "5" else "4"
        classteacher = JournalWriter(user_id("classteacher"), person_of_login("classteacher").id)
        with pytest.raises(entry.OutsideWindow):
            entry.change_mark(classteacher, mark, "grid", value=new)
        db.session.rollback()
        assert notices_of("parent") == []  # a refused change tells nobody
        correction = entry.request_correction(classteacher, "grid", "Ошибка при вводе", esenia(), new,
                                              mark=db.session.get(Mark, mark.id))
        db.session.commit()
        assert notices_of("parent") == []  # asked for, not yet approved
        entry.decide_correction(deputy_writer(), db.session.get(Correction, correction.id), True)
        db.session.commit()
        [notice] = notices_of("parent")
        assert notice.kind == "correction"
        day = (TODAY - timedelta(days=7)).strftime("%d.%m.%Y")
        assert notice.text.startswith(f"Троицкая Есения Анатольевна — Русский язык, {day}")
        assert f"исправление: отметка изменена: {old} (" in notice.text and "(причина: Ошибка при вводе)" in notice.text
    assert drain(app).sent == (1 if corrections else 0)
    if corrections:
        assert smtp.messages[0]["Subject"].startswith("Исправление в журнале: Троицкая Есения Анатольевна — ")


# ---------------------------------------------------------------- off, and only one's own family


def test_nothing_by_email_for_off(app, smtp):
    with app.app_context():
        setting("parent", marks="off")
        entry.add_mark(deputy_writer(), lesson_today(esenia(), "Математика"), esenia(), "5", "form")
        db.session.commit()
        assert len(notices_of("parent")) == 1 and letters() == []
        assert send_digests(db.session) == 0
        db.session.commit()
    assert drain(app).sent == 0 and smtp.messages == []


def test_notices_reach_only_the_childs_own_family(app, smtp):
    with app.app_context():
        other = next(s for s in db.session.scalars(select(Student).where(
            Student.classgroup_id == esenia().classgroup_id, Student.id != esenia().id)
            .order_by(Student.last_name)) if s.guardianships)
        other_parent = other.guardianships[0].guardian
        from flask import current_app

        issue_login(current_app.appbuilder.sm, other_parent, username="other.parent", password="Password-123",
                    role_name="Parent")
        db.session.commit()
        for username in ("parent", "other.parent"):
            setting(username, marks="instant")
        before_student = len(notices_of("student"))
        writer = deputy_writer()
        lesson = lesson_today(esenia(), "Математика")
        entry.save_cell(writer, lesson, db.session.get(Student, other.id), "4", None, "grid")
        db.session.commit()
        assert notices_of("parent") == [] and len(notices_of("student")) == before_student
        [theirs] = notices_of("other.parent")
        assert theirs.text.startswith(other.full_name)
        entry.save_cell(writer, lesson, esenia(), "5", None, "grid")
        db.session.commit()
        assert len(notices_of("other.parent")) == 1 and len(notices_of("parent")) == 1
        assert {notice.recipient_id for notice in db.session.scalars(select(Notice))} == {
            user_id("parent"), user_id("student"), user_id("other.parent")}
    drain(app)
    assert sorted(m["To"] for m in smtp.messages) == sorted([email_of_app(app, "parent"),
                                                             email_of_app(app, "other.parent")])
    assert all(("Троицкая" in m["Subject"]) == (m["To"] == email_of_app(app, "parent")) for m in smtp.messages)


def email_of_app(app, username):
    with app.app_context():
        return email_of(username)


def test_a_teachers_typo_fixed_within_minutes_is_one_notice_and_one_letter(app, smtp):
    app.config["NOTICE_MERGE_SECONDS"] = 60
    try:
        with app.app_context():
            setting("parent", marks="instant")
            lesson = lesson_today(esenia(), "Математика")
            writer = deputy_writer()
            entry.save_cell(writer, lesson, esenia(), "3", "", "grid")
            db.session.commit()
            entry.save_cell(writer, lesson, esenia(), "5", "3", "grid")
            db.session.commit()
            kind = short_type(lesson)
            [notice] = notices_of("parent")
            assert notice.text.endswith(f"новая отметка 3 ({kind}); отметка изменена: 3 ({kind}) → 5 ({kind}).")
            [job] = letters()
            assert job.next_attempt_at > datetime.now() + timedelta(seconds=50)  # waits for more changes
        assert drain(app).sent == 0
        mail.make_due(app)
        assert drain(app).sent == 1
        assert f"отметка изменена: 3 ({kind}) → 5 ({kind})" in smtp.messages[0].get_content()
        with app.app_context():  # once the letter has gone, a later change gets its own
            entry.save_cell(writer, db.session.get(Lesson, lesson.id), esenia(), "4", "5", "grid")
            db.session.commit()
            assert len(notices_of("parent")) == 2 and len(letters()) == 2
    finally:
        app.config["NOTICE_MERGE_SECONDS"] = 0


def test_a_final_mark_is_told_with_its_period(app, pinned_day):
    from datetime import date

    from app.structure import Period, SchoolYear, Subject

    pinned_day(date(2026, 12, 23))  # the quarter's last week
    with app.app_context():
        setting("parent", marks="instant")
        period = db.session.scalar(select(Period).where(Period.number == 2))
        year = db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        maths = db.session.scalar(select(Subject).where(Subject.name == "Математика"))
        entry.set_final_mark(deputy_writer(), esenia(), maths, year, "period", "5", "form", period=period)
        db.session.commit()
        [notice] = notices_of("parent")
        assert notice.text == "Троицкая Есения Анатольевна — Математика: итоговая отметка (2 четверть): 5."
        assert (notice.kind, notice.link) == ("mark", f"/diary/{esenia().id}/marks")
    assert drain(app).sent == 1
    assert smtp_subjects(app) == ["Отметки: Троицкая Есения Анатольевна — Математика"]


def smtp_subjects(app):
    with app.app_context():
        return [job.subject for job in letters()]


def test_a_refused_save_stores_no_notice(app):
    with app.app_context():
        lesson = lesson_today(esenia(), "Математика")
        with pytest.raises(RuleError):
            entry.save_cell(deputy_writer(), lesson, esenia(), "5 н", "", "grid")
        db.session.rollback()
        assert notices_of("parent") == [] and notices_of("student") == []


# ---------------------------------------------------------------- the daily digest


def test_digest_of_two_children_once_and_the_command_is_idempotent(app, smtp):
    with app.app_context():
        setting("parent", marks="digest", last_digest_at=datetime.now() - timedelta(seconds=1))
        writer = deputy_writer()
        entry.add_mark(writer, lesson_today(esenia(), "Русский язык"), esenia(), "5", "form",
                       work_type=work_type_named("Контрольная работа"))
        db.session.commit()
        marked, missed = lessons_today(anna())[:2]
        entry.add_mark(writer, marked, anna(), "4", "form", work_type=work_type_named("Ответ на уроке"))
        db.session.commit()
        entry.set_attendance(writer, missed, anna(), "н", "form")
        db.session.commit()
        marked_subject, missed_subject = marked.subject.name, missed.subject.name
        assert len(notices_of("parent")) == 3 and letters() == []  # notices now, the letter later
    runner = app.test_cli_runner()
    result = runner.invoke(digest_command)
    assert result.exit_code == 0 and "Сводок: 1. Отправлено писем: 1" in result.output, result.output
    [letter] = smtp.messages
    assert letter["Subject"] == f"Сводка электронного журнала за {datetime.now():%d.%m.%Y}"
    body = letter.get_content()
    assert "Троицкая Есения Анатольевна, 5А\nОтметки:\n" in body
    assert f"  {TODAY_TEXT}, Русский язык: 5 (Контрольная работа)" in body, body
    assert "Троицкая Анна Анатольевна, 8Б\nОтметки:\n" in body
    assert f"  {TODAY_TEXT}, {marked_subject}: 4 (Ответ на уроке)" in body
    assert f"Пропуски и опоздания:\n  {TODAY_TEXT}, {missed_subject}," in body
    assert "отсутствие, причина не указана" in body
    assert body.index("Есения") < body.index("Анна")
    again = runner.invoke(digest_command)
    assert again.exit_code == 0 and "Сводок: 0" in again.output
    assert len(smtp.messages) == 1
    with app.app_context():
        last = db.session.scalar(select(NotificationSetting.last_digest_at)
                                 .where(NotificationSetting.user_id == user_id("parent")))
        assert datetime.now() - last < timedelta(minutes=1)


def test_the_daily_digest_runs_once_when_its_hour_has_come(app, smtp):
    with app.app_context():
        setting("parent", marks="digest", last_digest_at=datetime.now() - timedelta(days=2))
        entry.add_mark(deputy_writer(), lesson_today(esenia(), "Математика"), esenia(), "4", "form")
        db.session.commit()
    sender = _Dispatcher(app)  # not started: its pass is called here, as its thread would
    sender._digest_when_due()
    assert sender._digest_moment == digest_moment(datetime.now(), app.config["MAIL_DIGEST_HOUR"])
    with app.app_context():
        assert letters() == []  # the process has only just started: its first digest is the next hour's
    sender._digest_moment -= timedelta(days=1)  # as if the hour came while it ran
    sender._digest_when_due()
    sender._digest_when_due()
    with app.app_context():
        [job] = letters()
        assert job.to_address == email_of("parent") and "Математика: 4" in job.body
        assert send_digests(db.session, due_before=sender._digest_moment) == 0  # another process: nothing
        db.session.commit()


def test_digest_moment_is_the_last_hour_passed():
    assert digest_moment(datetime(2026, 11, 23, 18, 30), 18) == datetime(2026, 11, 23, 18, 0)
    assert digest_moment(datetime(2026, 11, 23, 9, 0), 18) == datetime(2026, 11, 22, 18, 0)
    assert digest_moment(datetime(2026, 11, 23, 18, 0), 18) == datetime(2026, 11, 23, 18, 0)


# ---------------------------------------------------------------- the page «Уведомления по почте»


def saved(app, username):
    with app.app_context():
        row = db.session.scalar(select(NotificationSetting).where(NotificationSetting.user_id == user_id(username)))
        return (row.new_message, row.marks, row.corrections) if row else None


URL = "/notification-settings/"


def test_the_page_shows_the_defaults_and_ones_own_address(app, client):
    login(client, "parent")
    page = client.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Уведомления по почте" in html and email_of_app(app, "parent") in html
    assert 'name="marks" value="digest"\n      checked' in html
    assert saved(app, "parent") is None  # reading the page writes nothing


def test_saving_changes_only_ones_own_row(app, client):
    with app.app_context():
        teacher = user_id("teacher")
        setting("teacher", marks="digest")
        rows = db.session.scalar(select(func.count()).select_from(NotificationSetting))
    login(client, "parent")
    token = csrf_token(client, URL)
    res = client.post(URL, data={"csrf_token": token, "marks": "instant", "corrections": "on",
                                 "user_id": teacher, "id": teacher})  # naming another person changes nothing
    assert res.status_code == 302
    assert saved(app, "parent") == (False, "instant", True)
    assert saved(app, "teacher") == (True, "digest", True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NotificationSetting)) == rows + 1
    assert client.post("/notification-settings/" + str(teacher), data={"csrf_token": token}).status_code == 404


def test_saving_needs_the_csrf_token_and_a_known_choice(app, client):
    login(client, "parent")
    assert client.post(URL, data={"marks": "off"}).status_code == 400
    assert saved(app, "parent") is None
    token = csrf_token(client, URL)
    refused = client.post(URL, data={"csrf_token": token, "marks": "hourly", "new_message": "on"})
    assert refused.status_code == 422 and "Письма об отметках" in refused.get_data(as_text=True)
    assert saved(app, "parent") is None


def test_a_student_changes_their_own_settings(app, client):
    login(client, "student")
    res = client.post(URL, data={"csrf_token": csrf_token(client, URL), "marks": "off", "new_message": "on"})
    assert res.status_code == 302
    assert saved(app, "student") == (True, "off", False)


def test_switching_to_the_digest_starts_it_from_now(app, client):
    login(client, "parent")
    client.post(URL, data={"csrf_token": csrf_token(client, URL), "marks": "instant"})
    client.post(URL, data={"csrf_token": csrf_token(client, URL), "marks": "digest"})
    with app.app_context():
        last = db.session.scalar(select(NotificationSetting.last_digest_at)
                                 .where(NotificationSetting.user_id == user_id("parent")))
        assert last is not None and datetime.now() - last < timedelta(minutes=1)


def test_the_page_needs_a_login(client):
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize("username", ["admin", "director", "teacher", "classteacher", "parent", "student"])
def test_everyone_has_the_page(client, username):
    login(client, username)
    assert client.get(URL).status_code == 200
