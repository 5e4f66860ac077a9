"""The timetable's pages (issue 4): who may open them, the deputy's morning (a teacher ill
tomorrow, the uncovered lessons, a substitute from the offered free teachers), the class's
week editor with its conflicts, the substitute's access to the covered lesson's journal
only, the pay report against a hand count, and fixed SQL statement counts per page.

Today is Monday 23.11.2026 (conftest.TODAY); tomorrow's lessons are the demo's."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import timetable as tt
from app.extensions import db
from app.journal import Lesson
from app.people import Staff
from app.structure import ClassGroup
from tests.conftest import DEMO_USERS, TODAY, csrf_token, login
from tests.school import classgroup, grid_csrf, person_of_login, roster, save_cell

TOMORROW = TODAY + timedelta(days=1)
ADMINISTRATION = {"director", "deputy"}
STAFF_READERS = {"admin", "director", "deputy", "secretary", "teacher", "classteacher"}


def tomorrow_lesson_covered_by(*logins):
    """One of tomorrow's 5А lessons that one of the demo logins (in order of preference) is
    free to cover: (lesson, that login). The ill teacher is the lesson's teacher."""
    lessons = db.session.scalars(select(Lesson).where(Lesson.date == TOMORROW,
                                                      Lesson.classgroup_id == classgroup("5А").id)
                                 .order_by(Lesson.number, Lesson.id)).all()
    for name in logins:
        staff_id = person_of_login(name).id
        for lesson in lessons:
            if lesson.teacher_id != staff_id and staff_id in {s.id for s in tt.free_teachers(db.session, lesson)}:
                return lesson, name
    raise AssertionError(f"none of {logins} is free for a 5А lesson tomorrow")


def free_cell(assignment):
    """A weekday and lesson number within the bell schedule where neither the class nor the
    teacher has a slot or a lesson this week and next."""
    numbers = sorted({b.number for b in db.session.scalars(select(tt.Bell).where(tt.Bell.shift == 1))}) or \
        list(range(1, 8))
    taken = set()
    for slot in db.session.scalars(select(tt.TimetableSlot).join(tt.TimetableSlot.assignment)):
        if slot.assignment.classgroup_id == assignment.classgroup_id or slot.assignment.teacher_id == \
                assignment.teacher_id:
            taken.add((slot.weekday, slot.number))
    for lesson in db.session.scalars(select(Lesson).where(
            Lesson.date >= TODAY, Lesson.date < TODAY + timedelta(days=14),
            (Lesson.classgroup_id == assignment.classgroup_id) | (Lesson.teacher_id == assignment.teacher_id))):
        taken.add((lesson.date.isoweekday(), lesson.number))
    return next((d, n) for n in reversed(numbers) for d in range(1, 6) if (d, n) not in taken)


ACCOUNT_FORM = "/resetmypassword/form"  # a form every login may open: its CSRF token serves any POST


def post(client, url, data, form_url=None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)})


def absence_count():
    return db.session.scalar(select(func.count()).select_from(tt.TeacherAbsence))


def substitution_count():
    return db.session.scalar(select(func.count()).select_from(tt.Substitution))


# ------------------------------------------------------------------ who may open what


READ_PAGES = ["/timetable/", "/timetable/day", "/timetable/my", "/calendardayview/list/",
              "/teacherabsenceview/list/"]


@pytest.mark.parametrize("user", DEMO_USERS)
def test_timetable_pages_by_role(app, client, user):
    with app.app_context():
        class_id = classgroup("5А").id
        teacher_id = person_of_login("teacher").id
    login(client, user)
    for url in READ_PAGES + [f"/timetable/class/{class_id}", f"/timetable/teacher/{teacher_id}"]:
        status = client.get(url, follow_redirects=True).status_code
        assert status == (200 if user in STAFF_READERS else 403), f"{user} {url}: {status}"
    # The bell times are everybody's; a family reads who taught its child's lessons (policy-filtered).
    assert client.get("/bellview/list/").status_code == 200
    assert client.get("/substitutionview/list/").status_code == 200
    # The administrator holds every permission but does not keep the timetable (a rule of the
    # policy): the pages open, generating lessons does not.
    for url in ["/timetable/reports/", "/teacherabsenceview/add", "/bellview/add"]:
        status = client.get(url).status_code
        assert status == (200 if user in ADMINISTRATION | {"admin"} else 403), f"{user} {url}: {status}"
    status = client.get("/timetable/generate").status_code
    assert status == (200 if user in ADMINISTRATION else 403), f"{user} generate: {status}"


def test_teacher_sees_the_changes_but_no_forms_and_cannot_post(app, client):
    with app.app_context():
        staff_id = person_of_login("classteacher").id
        before = absence_count()
    login(client, "teacher")
    page = client.get(f"/timetable/day?day={TOMORROW.isoformat()}").get_data(as_text=True)
    assert "Изменения в расписании" in page and "Отметить отсутствие учителя" not in page
    res = post(client, "/timetable/absence", {"staff": staff_id, "starts_on": "24.11.2026",
                                              "ends_on": "24.11.2026", "kind": "illness"}, ACCOUNT_FORM)
    assert res.status_code == 403
    with app.app_context():
        assert absence_count() == before


# ------------------------------------------------------------------ the deputy's morning


def test_deputy_marks_a_teacher_ill_tomorrow_and_assigns_an_offered_substitute(app, client):
    with app.app_context():
        lesson, substitute_login = tomorrow_lesson_covered_by("classteacher", "teacher")
        lesson_id, assignment_id, ill_id = lesson.id, lesson.assignment_id, lesson.teacher_id
        substitute_id = person_of_login(substitute_login).id
        others = db.session.scalars(select(Lesson.id).where(Lesson.teacher_id == ill_id,
                                                            Lesson.date == TOMORROW)).all()
    login(client, "deputy")
    day_url = f"/timetable/day?day={TOMORROW.isoformat()}"
    res = post(client, f"/timetable/absence?day={TOMORROW.isoformat()}",
               {"staff": ill_id, "kind": "illness", "starts_on": "24.11.2026", "ends_on": "24.11.2026",
                "note": "больничный"}, day_url)
    assert res.status_code == 302
    page = client.get(day_url).get_data(as_text=True)
    assert "Не замещены" in page
    for other in others:  # every lesson of the ill teacher tomorrow waits for a substitute
        assert f'data-lesson="{other}"' in page
    form = re.search(rf'data-lesson="{lesson_id}".*?</tr>', page, re.S).group(0)
    offered = re.findall(r'<option value="(\d+)">', form)
    assert str(substitute_id) in offered and str(ill_id) not in offered

    res = post(client, f"/timetable/lesson/{lesson_id}/substitute",
               {"kind": "teacher", "substitute": substitute_id, "version": 0}, day_url)
    assert res.status_code == 302
    page = client.get(day_url).get_data(as_text=True)
    assert f'data-lesson="{lesson_id}"' not in page  # covered now
    with app.app_context():
        substitute = db.session.get(Staff, substitute_id)
        assert substitute.short_name in page
        assert db.session.get(Lesson, lesson_id).substitute_id == substitute_id

    # The substitute opens that lesson's journal from their week and fills it in; no other of the class.
    client.get("/logout/")
    login(client, substitute_login)
    week = client.get(f"/timetable/my?day={TOMORROW.isoformat()}", follow_redirects=True).get_data(as_text=True)
    assert "вы замещаете" in week
    assert f"/journal/{assignment_id}?lesson={lesson_id}" in week


def test_substitute_writes_the_covered_lesson_only(app, client, pinned_day):
    with app.app_context():
        lesson, substitute_login = tomorrow_lesson_covered_by("teacher", "classteacher")
        tt.substitute(db.session, _deputy(app), lesson, "teacher", substitute=person_of_login(substitute_login))
        db.session.commit()
        lesson_id, assignment_id = lesson.id, lesson.assignment_id
        substitute_short = person_of_login(substitute_login).short_name
        other = db.session.scalar(select(Lesson).where(Lesson.assignment_id == assignment_id,
                                                       Lesson.id != lesson_id, Lesson.date <= TOMORROW)
                                  .order_by(Lesson.date.desc()))
        other_id, student_id = other.id, roster(lesson.assignment)[0].id
    pinned_day(TOMORROW)  # marks go in on the lesson day
    login(client, substitute_login)
    page = client.get(f"/journal/{assignment_id}?lesson={lesson_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    body = json.loads(re.search(r'<script id="journal-body" type="application/json">(.*?)</script>', html,
                                re.S).group(1))
    assert [c["id"] for c in body["columns"]] == [lesson_id], "the substitute sees only the covered lesson"
    assert f"замена: {substitute_short}" in body["columns"][0]["label"]  # the journal shows who taught it
    assert body["finals"] == [] and all(row["average"] == "" for row in body["rows"])
    headers = grid_csrf(client, assignment_id)
    assert save_cell(client, headers, assignment_id, lesson_id, student_id, "5").status_code == 200
    refused = save_cell(client, headers, assignment_id, other_id, student_id, "5")
    assert refused.status_code in (403, 404, 422)
    with app.app_context():
        from app.journal import Mark

        assert db.session.scalar(select(func.count()).select_from(Mark).where(
            Mark.lesson_id == other_id, Mark.student_id == student_id, Mark.value == "5",
            Mark.created_by_id == app.appbuilder.sm.find_user(username=substitute_login).id)) == 0


# ------------------------------------------------------------------ bad input on the morning page


def test_absence_ending_before_it_starts_is_refused_and_the_form_keeps_what_was_typed(app, client):
    with app.app_context():
        staff_id = person_of_login("teacher").id
        before = absence_count()
    login(client, "deputy")
    res = post(client, "/timetable/absence", {"staff": staff_id, "kind": "course", "starts_on": "26.11.2026",
                                              "ends_on": "25.11.2026", "note": "курсы ПК"}, "/timetable/day")
    assert res.status_code == 422
    page = res.get_data(as_text=True)
    assert "не может закончиться (25.11.2026) раньше, чем начнётся (26.11.2026)" in page
    assert 'value="26.11.2026"' in page and 'value="курсы ПК"' in page
    assert re.search(rf'<option value="{staff_id}" selected>', page)
    res = post(client, "/timetable/absence", {"staff": staff_id, "kind": "illness", "starts_on": "31.02.2026",
                                              "ends_on": "01.03.2026"}, "/timetable/day")
    assert res.status_code == 422 and "ДД.ММ.ГГГГ" in res.get_data(as_text=True)
    res = post(client, "/timetable/absence", {"staff": "999999999999", "kind": "illness",
                                              "starts_on": "24.11.2026", "ends_on": "24.11.2026"}, "/timetable/day")
    assert res.status_code == 422 and "выберите из списка" in res.get_data(as_text=True)
    with app.app_context():
        assert absence_count() == before


def test_busy_substitute_holiday_stale_version_and_unknown_lesson(app, client):
    with app.app_context():
        lesson, free_login = tomorrow_lesson_covered_by("classteacher", "teacher")
        busy = db.session.scalar(select(Lesson).where(Lesson.date == lesson.date, Lesson.number == lesson.number,
                                                      Lesson.teacher_id != lesson.teacher_id,
                                                      Lesson.cancelled.isnot(True)))
        lesson_id, busy_id = lesson.id, busy.teacher_id
        free_id = person_of_login(free_login).id
        before = substitution_count()
    login(client, "deputy")
    url = f"/timetable/lesson/{lesson_id}/substitute"
    res = post(client, url, {"kind": "teacher", "substitute": busy_id, "version": 0, "note": "typed note"})
    assert res.status_code == 422
    page = res.get_data(as_text=True)
    assert "уже ведёт урок" in page and 'value="typed note"' in page
    # Another deputy substituted meanwhile: this one's version 0 is stale; one wins, the other is told.
    with app.app_context():
        tt.substitute(db.session, _deputy(app), lesson_id, "cancel")
        db.session.commit()
    res = post(client, url, {"kind": "teacher", "substitute": free_id, "version": 0})
    assert res.status_code == 422 and "Пока вы заполняли форму" in res.get_data(as_text=True)
    assert client.get("/timetable/lesson/999999/substitute").status_code == 404
    with app.app_context():
        assert substitution_count() == before + 1  # only the cancellation
        db.session.add(tt.CalendarDay(date=TOMORROW, kind="holiday", note="карантин"))
        db.session.commit()
    res = post(client, url, {"kind": "teacher", "substitute": free_id, "version": 1})
    assert res.status_code == 422 and "выходной или каникулы" in res.get_data(as_text=True)


# ------------------------------------------------------------------ the class's week: the editor


def test_editor_reports_a_conflict_as_it_is_made_and_keeps_the_form(app, client):
    with app.app_context():
        cls = classgroup("5А")
        first, second = sorted((a for a in cls_assignments(cls.id) if a.subgroup_id is None), key=lambda a: a.id)[:2]
        weekday, number = free_cell(first)
        tt.add_slot(db.session, first, weekday, number, TODAY, room="999")
        db.session.commit()
        class_id, second_id = cls.id, second.id
    login(client, "deputy")
    url = f"/timetable/class/{class_id}"
    res = post(client, f"{url}/slot", {"assignment": second_id, "weekday": weekday, "number": number, "room": "998",
                                       "valid_from": "23.11.2026"}, url)
    assert res.status_code == 422
    page = res.get_data(as_text=True)
    assert "уже стоит" in page and 'value="998"' in page
    res = post(client, f"{url}/slot", {"assignment": second_id, "weekday": weekday, "number": 13, "room": "",
                                       "valid_from": "23.11.2026"}, url)
    assert res.status_code == 422 and "Номер урока: число от 0 до 12" in res.get_data(as_text=True)


def test_editor_adds_changes_and_closes_a_slot_keeping_history(app, client):
    with app.app_context():
        cls = classgroup("5А")
        assignment = next(a for a in cls_assignments(cls.id) if a.subgroup_id is None)
        class_id, assignment_id = cls.id, assignment.id
        weekday, number = free_cell(assignment)
        before = db.session.scalar(select(func.count()).select_from(tt.TimetableSlot))
    login(client, "deputy")
    url = f"/timetable/class/{class_id}"
    res = post(client, f"{url}/slot", {"assignment": assignment_id, "weekday": weekday, "number": number, "room": "К-1",
                                       "valid_from": "23.11.2026"}, url)
    assert res.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "каб. К-1" in page
    with app.app_context():
        slot = db.session.scalar(select(tt.TimetableSlot).where(tt.TimetableSlot.room == "К-1"))
        slot_id = slot.id
    res = post(client, f"/timetable/slot/{slot_id}/change", {"from_day": "30.11.2026", "weekday": weekday,
                                                              "number": number, "room": "К-2"}, url)
    assert res.status_code == 302
    with app.app_context():
        old = db.session.get(tt.TimetableSlot, slot_id)
        assert old.valid_to == TODAY + timedelta(days=6)  # closed the day before the change
        new = db.session.scalar(select(tt.TimetableSlot).where(tt.TimetableSlot.room == "К-2"))
        assert (new.weekday, new.number, new.valid_from) == (weekday, number, TODAY + timedelta(days=7))
        new_id = new.id
    res = post(client, f"/timetable/slot/{new_id}/close", {"last_day": "20.11.2026"}, url)
    assert res.status_code == 422 and "закрыть его раньше нельзя" in res.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(tt.TimetableSlot)) == before + 2


def test_teacher_cannot_edit_the_timetable(app, client):
    with app.app_context():
        cls = classgroup("5А")
        assignment = next(a for a in cls_assignments(cls.id) if a.subgroup_id is None)
        class_id, assignment_id = cls.id, assignment.id
    login(client, "teacher")
    url = f"/timetable/class/{class_id}"
    page = client.get(url).get_data(as_text=True)
    assert "Поставить урок в расписание" not in page
    res = post(client, f"{url}/slot", {"assignment": assignment_id, "weekday": 1, "number": 1,
                                       "valid_from": "23.11.2026"}, ACCOUNT_FORM)
    assert res.status_code == 403


def cls_assignments(class_id):
    from app.structure import TeachingAssignment

    return db.session.scalars(select(TeachingAssignment).where(TeachingAssignment.classgroup_id == class_id)
                              .order_by(TeachingAssignment.id)).all()


# ------------------------------------------------------------------ fixed statement counts


def test_week_pages_cost_the_same_statements_whatever_they_hold(app, client, count_statements):
    """A class of 5А and of 11А, a teacher with a few or many lessons: the same count."""
    with app.app_context():
        small = classgroup("5А")
        large = db.session.get(ClassGroup, db.session.execute(
            select(Lesson.classgroup_id, func.count()).group_by(Lesson.classgroup_id)
            .order_by(func.count().desc())).first()[0])
        busy = db.session.execute(select(Lesson.teacher_id, func.count()).group_by(Lesson.teacher_id)
                                  .order_by(func.count().desc())).first()[0]
        light = person_of_login("teacher").id
        ids = (small.id, large.id)
    login(client, "deputy")
    counts = []
    for url in [f"/timetable/class/{ids[0]}", f"/timetable/class/{ids[1]}?day=2026-12-01",
                f"/timetable/teacher/{busy}", f"/timetable/teacher/{light}?day=2026-11-30"]:
        client.get(url)  # warm FAB's caches
        with count_statements() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[2] == counts[3], counts


# ------------------------------------------------------------------ generation and reports


def test_generation_page_creates_lessons_and_is_idempotent(app, client):
    with app.app_context():
        cls = classgroup("5А")
        assignment = next(a for a in cls_assignments(cls.id) if a.subgroup_id is None)
        weekday, number = free_cell(assignment)
        tt.add_slot(db.session, assignment, weekday, number, TODAY)
        db.session.commit()
        assignment_id = assignment.id
        days = [TODAY + timedelta(days=i) for i in range(14)]
        expected = [d for d in days if d.isoweekday() == weekday and tt.is_school_day(db.session, d)]
    login(client, "deputy")
    data = {"start": "23.11.2026", "end": "06.12.2026"}
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Lesson))
    page = post(client, "/timetable/generate", data).get_data(as_text=True)
    created = int(re.search(r"Создано уроков: <strong>(\d+)</strong>", page).group(1))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Lesson)) == before + created
        made = db.session.scalars(select(Lesson.date).where(
            Lesson.assignment_id == assignment_id, Lesson.number == number, Lesson.date.in_(days))).all()
        assert sorted(made) == expected and created >= len(expected)
    again = post(client, "/timetable/generate", data).get_data(as_text=True)
    assert "Создано уроков: <strong>0</strong>" in again
    bad = post(client, "/timetable/generate", {"start": "06.12.2026", "end": "23.11.2026"})
    assert bad.status_code == 422 and "Конец периода раньше начала" in bad.get_data(as_text=True)


def test_pay_report_sums_match_a_hand_count(app, client):
    with app.app_context():
        deputy = _deputy(app)
        lessons = db.session.scalars(select(Lesson).where(Lesson.date >= TODAY, Lesson.date <= TODAY + timedelta(4),
                                                          Lesson.substitute_id.is_(None),
                                                          Lesson.cancelled.isnot(True))
                                     .order_by(Lesson.date, Lesson.number, Lesson.id)).all()
        counts, done = {}, 0
        for lesson in lessons:
            if done == 5:
                break
            offered = tt.free_teachers(db.session, lesson)
            if not offered:
                continue
            person = offered[0]
            kind = "teacher" if done % 2 == 0 else "subject"
            other_subject = next(s for s in _subjects() if s.id != lesson.subject_id)
            tt.substitute(db.session, deputy, lesson, kind, substitute=person,
                          subject=other_subject if kind == "subject" else None,
                          version=tt.substitution_version(db.session, lesson.id))
            counts[person.short_name] = counts.get(person.short_name, 0) + 1
            done += 1
        cancelled = next(lesson for lesson in lessons if lesson.substitute_id is None and not lesson.cancelled)
        tt.substitute(db.session, deputy, cancelled, "cancel", version=tt.substitution_version(db.session, cancelled.id))
        db.session.commit()
        demo = {h.staff.short_name: h.lessons for h in tt.substitution_hours(db.session, 2026, 11)}
    login(client, "deputy")
    page = client.get("/timetable/reports/?month=2026-11").get_data(as_text=True)
    assert "Замены за ноябрь 2026" in page
    for name, lessons_covered in demo.items():
        assert re.search(rf"<td>[^<]*</td><td>{lessons_covered}</td>", page)
    total = re.search(r"<th>Всего</th><th>(\d+)</th>", page).group(1)
    assert int(total) == sum(demo.values())
    assert sum(demo.values()) >= sum(counts.values()) == 5


def _subjects():
    from app.structure import Subject

    return db.session.scalars(select(Subject).order_by(Subject.id)).all()


def _deputy(app):
    from security.policy import JournalWriter

    user = app.appbuilder.sm.find_user(username="deputy")
    return JournalWriter(user.id, person_of_login("deputy").id, administration=True)


# ------------------------------------------------------------------ bells and the calendar by form


def test_bell_and_calendar_forms_go_through_the_rules(app, client):
    login(client, "deputy")
    bad = post(client, "/bellview/add", {"shift": "2", "number": "11", "starts_at": "18:00", "ends_at": "17:15"})
    page = bad.get_data(as_text=True)
    assert "заканчиваться позже" in page and 'value="18:00"' in page
    good = post(client, "/bellview/add", {"shift": "2", "number": "11", "starts_at": "18:00", "ends_at": "18:45"})
    assert good.status_code == 302
    holiday = post(client, "/calendardayview/add", {"date": "25.11.2026", "kind": "holiday", "as_weekday": "",
                                                      "note": "день здоровья"})
    assert holiday.status_code == 302
    again = post(client, "/calendardayview/add", {"date": "25.11.2026", "kind": "holiday", "as_weekday": "",
                                                    "note": ""})
    assert "уже есть в календаре" in again.get_data(as_text=True)
    with app.app_context():
        staff_id = person_of_login("teacher").id
    absence = post(client, "/teacherabsenceview/add", {"staff": staff_id, "kind": "trip", "starts_on": "07.12.2026",
                                                       "ends_on": "08.12.2026", "note": ""})
    assert absence.status_code == 302  # the note may stay empty
    with app.app_context():
        bell = db.session.scalar(select(tt.Bell).where(tt.Bell.shift == 2, tt.Bell.number == 11))
        assert bell.times_text == "18:00–18:45"
        assert not tt.is_school_day(db.session, TODAY + timedelta(days=2))
        assert db.session.scalar(select(func.count()).select_from(tt.CalendarDay).where(
            tt.CalendarDay.date == TODAY + timedelta(days=2))) == 1
