"""The REST resources `substitution` and `timetable` (views/timetable_api.py): who reads which
rows, a deputy's substitution through the rules of app/timetable.py with every refusal a 4xx
and nothing stored, the stale version as a conflict, the filters and the statement counts.

Today is Monday 23.11.2026 (conftest.TODAY). The tests make their own substitutions and their
own timetable (bells and slots) through the rules; nothing relies on the demo having them."""
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from app import timetable as tt
from app.extensions import db
from app.journal import Lesson, Mark
from app.people import Staff, Student
from app.structure import Subject, TeachingAssignment
from security import policy
from tests.conftest import DEMO_USERS, TODAY, api_token
from tests.school import assignment_of, classgroup, deputy_writer, person_of_login

SUBSTITUTIONS = "/api/v1/substitution/"
TIMETABLE = "/api/v1/timetable/"
WHOLE_SCHOOL = {"admin", "director", "deputy", "secretary"}
ADMINISTRATION = {"director", "deputy"}
YEAR_START = date(2026, 9, 1)


def rows(model):
    return db.session.scalar(select(func.count()).select_from(model))


def stored_rows():
    """Everything a bad POST could leave behind (marshmallow-sqlalchemy would insert a row)."""
    return {model.__name__: rows(model) for model in (tt.Substitution, Lesson, Staff, Subject)}


def staff_id(login_name):
    return person_of_login(login_name).id


def lessons_today(*where):
    """Today's lessons held as planned: none substituted (the demo may have substituted some)."""
    substituted = select(tt.Substitution.id).where(tt.Substitution.lesson_id == Lesson.id).exists()
    return db.session.scalars(select(Lesson).where(Lesson.date == TODAY, Lesson.substitute_id.is_(None),
                                                   Lesson.cancelled.isnot(True), ~substituted, *where)
                              .order_by(Lesson.number, Lesson.id)).all()


def free_for(lesson, *avoid):
    return next(s for s in tt.free_teachers(db.session, lesson) if s.id not in avoid)


def elsewhere(*avoid):
    """Today's whole-class lessons outside 5А and 8Б (the parent's children's classes), taught
    by none of `avoid` in a class none of them leads."""
    families = [classgroup("5А").id, classgroup("8Б").id]
    return [lesson for lesson in lessons_today(Lesson.classgroup_id.notin_(families), Lesson.subgroup_id.is_(None),
                                               Lesson.teacher_id.notin_(avoid))
            if lesson.classgroup.class_teacher_id not in avoid]


def lesson_the_teacher_may_cover():
    """A lesson of another class at an hour the demo teacher is free."""
    avoid = (staff_id("teacher"), staff_id("classteacher"))
    return next(lesson for lesson in elsewhere(*avoid)
                if avoid[0] in {s.id for s in tt.free_teachers(db.session, lesson)})


@pytest.fixture
def subs(app):
    """Four open substitutions today: A the demo teacher's 5А group lesson (they give it up),
    B a whole-class 5А lesson, C a lesson of another class the demo teacher covers, D another
    class's lesson cancelled; and one closed: B's first substitute, replaced."""
    with app.app_context():
        deputy = deputy_writer()
        teacher, class_teacher = staff_id("teacher"), staff_id("classteacher")
        lesson_a = lessons_today(Lesson.assignment_id == assignment_of("teacher").id)[0]
        lesson_b = lessons_today(Lesson.classgroup_id == classgroup("5А").id, Lesson.subgroup_id.is_(None),
                                 Lesson.teacher_id.notin_((teacher, class_teacher)))[0]
        lesson_c = lesson_the_teacher_may_cover()
        lesson_d = next(lesson for lesson in elsewhere(teacher, class_teacher) if lesson.id != lesson_c.id)
        a = tt.substitute(db.session, deputy, lesson_a, "teacher",
                          substitute=free_for(lesson_a, teacher, class_teacher))
        first_b = free_for(lesson_b, teacher, class_teacher)
        closed = tt.substitute(db.session, deputy, lesson_b, "teacher", substitute=first_b)
        b = tt.substitute(db.session, deputy, lesson_b, "teacher", version=1,
                          substitute=free_for(lesson_b, teacher, class_teacher, first_b.id))
        c = tt.substitute(db.session, deputy, lesson_c, "teacher", substitute=db.session.get(Staff, teacher),
                          note="курсы")
        d = tt.substitute(db.session, deputy, lesson_d, "cancel")
        db.session.commit()
        return {"A": a.id, "B": b.id, "C": c.id, "D": d.id, "closed": closed.id}


def sees(login_name, sub):
    """visible_substitutions written out for one row, to check the API against."""
    if login_name in WHOLE_SCHOOL:
        return True
    lesson = sub.lesson
    if login_name in ("teacher", "classteacher"):
        me = staff_id(login_name)
        return me in (lesson.teacher_id, lesson.substitute_id, sub.substitute_id, lesson.assignment.teacher_id,
                      lesson.classgroup.class_teacher_id)
    children = [person_of_login("student")] if login_name == "student" else \
        [g.student for g in person_of_login("parent").guardianships]
    return any(child.classgroup_id == lesson.classgroup_id and (
        lesson.subgroup is None or child in lesson.subgroup.students) for child in children)


def listed(client, user, query=""):
    res = client.get(f"{SUBSTITUTIONS}?q=(page_size:100){query}", headers=api_token(client, user))
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def post(client, user, body):
    return client.post(SUBSTITUTIONS, headers=api_token(client, user), json=body)


# ------------------------------------------------------------------ substitution: reading


@pytest.mark.parametrize("user", DEMO_USERS)
def test_each_role_lists_the_substitutions_it_may_see(client, app, subs, user):
    result = listed(client, user)["result"]
    seen = {row["id"] for row in result}
    mine = {subs[k] for k in "ABCD"}
    with app.app_context():
        expected = {pk for pk in mine if sees(user, db.session.get(tt.Substitution, pk))}
        others = [db.session.get(tt.Substitution, row["id"]) for row in result if row["id"] not in mine]
        assert all(sees(user, sub) for sub in others)
    assert seen & mine == expected
    assert subs["closed"] not in seen  # replaced: history, not listed by default
    named = {"admin": "ABCD", "director": "ABCD", "deputy": "ABCD", "secretary": "ABCD",
             "teacher": "AC", "classteacher": "AB", "student": "B", "parent": "B"}[user]
    assert {k for k in "ABCD" if subs[k] in seen} == set(named)


@pytest.mark.parametrize("user", DEMO_USERS)
def test_show_one_follows_the_same_rows(client, subs, user):
    headers = api_token(client, user)
    for key in "ABCD":
        status = client.get(f"{SUBSTITUTIONS}{subs[key]}", headers=headers).status_code
        visible = user in WHOLE_SCHOOL or key in {"teacher": "AC", "classteacher": "AB"}.get(user, "B")
        assert status == (200 if visible else 404), (user, key, status)
    for pk in ("abc", "0", str(10 ** 20), "999999"):
        assert client.get(f"{SUBSTITUTIONS}{pk}", headers=headers).status_code == 404


def test_fields_of_a_substitution(client, app, subs):
    shown = client.get(f"{SUBSTITUTIONS}{subs['C']}", headers=api_token(client, "teacher")).get_json()["result"]
    with app.app_context():
        sub = db.session.get(tt.Substitution, subs["C"])
        lesson = sub.lesson
        expected = {
            "id": sub.id, "lesson": lesson.id, "kind": "teacher", "kind_text": "замена учителя",
            "substitute": staff_id("teacher"), "substitute_name": person_of_login("teacher").short_name,
            "subject": None, "subject_name": None, "merged_with": None, "note": "курсы", "version": 1,
            "closed_at": None,
            "date": "2026-11-23", "number": lesson.number, "group": lesson.classgroup.name,
            "teacher": lesson.teacher_id, "teacher_name": lesson.teacher.short_name,
        }
    assert {k: shown[k] for k in expected} == expected
    assert shown["created_at"].startswith("20")
    assert re.fullmatch(r"\w+ \w\.\w\.", shown["substitute_name"]), shown["substitute_name"]  # Фамилия И.О.
    cancelled = client.get(f"{SUBSTITUTIONS}{subs['D']}", headers=api_token(client, "deputy")).get_json()["result"]
    assert cancelled["kind"] == "cancel" and cancelled["substitute"] is None and cancelled["substitute_name"] is None


def test_closed_substitutions_are_history_on_request(client, app, subs):
    default = {row["id"] for row in listed(client, "deputy")["result"]}
    history = listed(client, "deputy", "&include_closed=true")
    assert subs["closed"] not in default and subs["closed"] in {row["id"] for row in history["result"]}
    assert history["count"] == len(default) + 1
    old = client.get(f"{SUBSTITUTIONS}{subs['closed']}", headers=api_token(client, "deputy")).get_json()["result"]
    assert old["closed_at"] is not None and old["version"] == 1
    assert client.get(f"{SUBSTITUTIONS}?include_closed=maybe", headers=api_token(client, "deputy")).status_code == 400


def test_filters_by_date_substitute_and_lesson(client, app, subs):
    with app.app_context():
        teacher = staff_id("teacher")
        lesson_c = db.session.get(tt.Substitution, subs["C"]).lesson_id
    today = {row["id"] for row in listed(client, "deputy", f"&date={TODAY.isoformat()}")["result"]}
    assert {subs[k] for k in "ABCD"} <= today
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    mine = {subs[k] for k in "ABCD"}
    assert not mine & {row["id"] for row in listed(client, "deputy", f"&date={tomorrow}")["result"]}
    ranged = listed(client, "deputy", f"&from={TODAY.isoformat()}&to={tomorrow}")["result"]
    assert {subs[k] for k in "ABCD"} <= {row["id"] for row in ranged}
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert not {subs[k] for k in "ABCD"} & {row["id"] for row in listed(client, "deputy", f"&to={yesterday}")["result"]}
    covered = listed(client, "deputy", f"&substitute={teacher}")
    assert [row["id"] for row in covered["result"]] == [subs["C"]] and covered["count"] == 1
    assert [row["id"] for row in listed(client, "deputy", f"&lesson={lesson_c}")["result"]] == [subs["C"]]
    # A filter never widens what a parent sees.
    assert listed(client, "parent", f"&substitute={teacher}")["count"] == 0


@pytest.mark.parametrize("query, fragment", [
    ("date=23.11.2026", "Параметр date: дата пишется как ГГГГ-ММ-ДД"),
    ("from=2026-02-30", "Параметр from"),
    ("substitute=abc", "Параметр substitute"),
    (f"substitute={10 ** 20}", "Параметр substitute"),
    ("lesson=-1", "Параметр lesson"),
])
def test_a_bad_filter_is_a_400_in_russian(client, subs, query, fragment):
    res = client.get(f"{SUBSTITUTIONS}?{query}", headers=api_token(client, "deputy"))
    assert res.status_code == 400 and fragment in res.get_json()["message"]


def test_listing_substitutions_costs_a_fixed_number_of_statements(client, subs, count_statements):
    headers = api_token(client, "deputy")
    counts = []
    for size in (1, 100):
        url = f"{SUBSTITUTIONS}?q=(page_size:{size})&include_closed=true"
        client.get(url, headers=headers)  # warm caches of the app, not of the request
        with count_statements() as counter:
            res = client.get(url, headers=headers)
        body = res.get_json()
        assert res.status_code == 200 and body["count"] >= 5 and len(body["result"]) == min(size, body["count"])
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 8, counts


# ------------------------------------------------------------------ substitution: writing


@pytest.fixture
def lesson_ids(app):
    """Today's lesson of the demo teacher's 5А group, who could cover it, who could not."""
    with app.app_context():
        lesson = lessons_today(Lesson.assignment_id == assignment_of("teacher").id)[0]
        free = tt.free_teachers(db.session, lesson)
        busy = lessons_today(Lesson.number == lesson.number, Lesson.teacher_id != lesson.teacher_id)[0].teacher_id
        other_subject = db.session.scalar(select(Subject.id).where(Subject.id != lesson.subject_id))
        partner = lessons_today(Lesson.number == lesson.number, Lesson.id != lesson.id)[0].id
        return {"lesson": lesson.id, "free": free[0].id, "busy": busy, "subject": lesson.subject_id,
                "other_subject": other_subject, "partner": partner}


@pytest.mark.parametrize("user", DEMO_USERS)
def test_only_the_administration_records_substitutions(client, app, lesson_ids, user):
    with app.app_context():
        before = rows(tt.Substitution)
    res = post(client, user, {"lesson": lesson_ids["lesson"], "kind": "cancel", "version": 0})
    expected = 201 if user in ADMINISTRATION else 422 if user == "admin" else 403
    assert res.status_code == expected, res.get_json()
    if user == "admin":  # FAB grants the journal administrator everything; the rule refuses
        assert "заместитель директора или директор" in str(res.get_json()["message"])
    with app.app_context():
        assert rows(tt.Substitution) == before + (1 if expected == 201 else 0)


def test_a_teacher_given_the_permission_is_still_refused_by_the_rule(client, app, lesson_ids):
    with app.app_context():
        sm = app.appbuilder.sm
        sm.add_permission_role(sm.find_role("Teacher"), sm.find_permission_view_menu("can_write", "Substitution"))
        before = stored_rows()
    # Their own lesson: the rule answers. A colleague's id: staff records are not a teacher's to read.
    res = post(client, "teacher", {"lesson": lesson_ids["lesson"], "kind": "cancel", "version": 0})
    assert res.status_code == 422 and "заместитель директора или директор" in res.get_json()["message"]["lesson"][0]
    res = post(client, "teacher", {"lesson": lesson_ids["lesson"], "kind": "teacher",
                                   "substitute": lesson_ids["free"], "version": 0})
    assert res.status_code == 422 and "не найден" in res.get_json()["message"]["substitute"][0]
    with app.app_context():
        assert stored_rows() == before


def test_the_substitute_then_keeps_that_lessons_journal(client, app):
    with app.app_context():
        lesson = lesson_the_teacher_may_cover()
        lesson_id, teacher = lesson.id, staff_id("teacher")
        student = db.session.scalars(select(Student).where(Student.classgroup_id == lesson.classgroup_id)
                                     .order_by(Student.last_name)).first().id
        user = app.appbuilder.sm.find_user(username="teacher")
        assert not policy.may_write_lesson(policy.journal_writer(user), lesson)
    marks = api_token(client, "teacher")
    refused = client.post("/api/v1/mark/", headers=marks, json={"lesson": lesson_id, "student": student, "value": "5"})
    assert refused.status_code == 422
    res = post(client, "deputy", {"lesson": lesson_id, "kind": "teacher", "substitute": teacher,
                                  "note": "курсы повышения квалификации", "version": 0})
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["result"] == client.get(f"{SUBSTITUTIONS}{body['id']}", headers=marks).get_json()["result"]
    assert body["result"]["substitute"] == teacher and body["result"]["version"] == 1
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_id)
        assert lesson.substitute_id == teacher
        user = app.appbuilder.sm.find_user(username="teacher")
        assert policy.may_write_lesson(policy.journal_writer(user), lesson)
    written = client.post("/api/v1/mark/", headers=marks, json={"lesson": lesson_id, "student": student, "value": "5"})
    assert written.status_code == 201, written.get_json()
    with app.app_context():
        assert db.session.get(Mark, written.get_json()["id"]).lesson_id == lesson_id


def busy_substitute(ids):
    return {"lesson": ids["lesson"], "kind": "teacher", "substitute": ids["busy"], "version": 0}


BAD_BODIES = [
    (lambda ids: {"lesson": 999999, "kind": "cancel", "version": 0}, "lesson", "Урок с номером 999999 не найден"),
    (lambda ids: {"lesson": 10 ** 20, "kind": "cancel", "version": 0}, "lesson", "Урок: записи с таким номером нет"),
    (lambda ids: {"lesson": str(ids["lesson"]), "kind": "cancel", "version": 0}, "lesson", "Урок: номер записи"),
    (lambda ids: {"kind": "cancel", "version": 0}, "lesson", "Урок: поле обязательно"),
    (lambda ids: {"lesson": None, "kind": "cancel", "version": 0}, "lesson", "Урок: поле обязательно"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "cancel"}, "version", "Версия: поле обязательно"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "cancel", "version": -1}, "version", "Версия"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "vacation", "version": 0}, "kind", "Вид замены — замена учителя"),
    (lambda ids: {"lesson": ids["lesson"], "kind": 1, "version": 0}, "kind", "Вид замены: строка"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "teacher", "substitute": 999999, "version": 0},
     "substitute", "Сотрудник с номером 999999 не найден"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "teacher", "substitute": 10 ** 20, "version": 0},
     "substitute", "Замещающий учитель: записи с таким номером нет"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "teacher", "version": 0}, "substitute",
     "Укажите замещающего учителя"),
    (busy_substitute, "substitute", "уже ведёт урок"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "cancel", "substitute": ids["free"], "version": 0},
     "substitute", "Для вида «урок отменён» замещающий учитель не указывается"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "teacher", "substitute": ids["free"],
                  "subject": ids["other_subject"], "version": 0}, "subject", "предмет не указывается"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "subject", "substitute": ids["free"], "subject": ids["subject"],
                  "version": 0}, "subject", "Предмет тот же"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "subject", "substitute": ids["free"], "subject": 999999,
                  "version": 0}, "subject", "Предмет с номером 999999 не найден"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "merge", "merged_with": 999999, "version": 0},
     "merged_with", "Урок с номером 999999 не найден"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "merge", "merged_with": ids["lesson"], "version": 0},
     "merged_with", "с самим собой"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "cancel", "note": "x" * 501, "version": 0},
     "note", "не длиннее 500"),
    (lambda ids: {"lesson": ids["lesson"], "kind": "cancel", "version": 0, "closed_at": None},
     "closed_at", "Такого поля у замены нет"),
]


@pytest.mark.parametrize("make_body, field, fragment", BAD_BODIES)
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(client, app, lesson_ids, make_body, field, fragment):
    with app.app_context():
        before = stored_rows()
    res = post(client, "deputy", make_body(lesson_ids))
    assert res.status_code == 422, res.get_json()
    message = res.get_json()["message"]
    assert field in message and fragment in " ".join(message[field]), message
    with app.app_context():
        assert stored_rows() == before
        assert db.session.get(Lesson, lesson_ids["lesson"]).substitute_id is None


def test_a_substitute_on_a_holiday_or_absent_is_refused(client, app, lesson_ids):
    with app.app_context():
        absent = db.session.get(Staff, lesson_ids["free"])
        tt.add_teacher_absence(db.session, deputy_writer(), absent, TODAY, TODAY, "course")
        db.session.commit()
        before = stored_rows()
    res = post(client, "deputy", {"lesson": lesson_ids["lesson"], "kind": "teacher",
                                  "substitute": lesson_ids["free"], "version": 0})
    assert res.status_code == 422 and "отсутствует 23.11.2026 (курсы)" in str(res.get_json()["message"]["substitute"])
    with app.app_context():
        db.session.add(tt.CalendarDay(date=TODAY, kind="holiday", note="карантин"))
        db.session.commit()
    res = post(client, "deputy", {"lesson": lesson_ids["lesson"], "kind": "cancel", "version": 0})
    assert res.status_code == 422
    assert "23.11.2026 — выходной или каникулы" in res.get_json()["message"]["lesson"][0]
    with app.app_context():
        assert stored_rows() == before


def test_a_body_that_is_not_a_json_object_is_a_400(client, lesson_ids):
    headers = api_token(client, "deputy")
    assert client.post(SUBSTITUTIONS, headers=headers, data="lesson=1").status_code == 400
    assert client.post(SUBSTITUTIONS, headers=headers, json=[1, 2]).status_code == 400


def test_a_stale_version_is_a_409_and_a_replacement_keeps_the_history(client, app, lesson_ids):
    seen = client.get(f"{SUBSTITUTIONS}free_teachers/{lesson_ids['lesson']}", headers=api_token(client, "director"))
    assert seen.get_json()["version"] == 0
    first = post(client, "deputy", {"lesson": lesson_ids["lesson"], "kind": "teacher",
                                    "substitute": lesson_ids["free"], "version": 0})
    assert first.status_code == 201
    with app.app_context():
        before = stored_rows()
    # The director opened the form before the deputy saved: version 0.
    stale = post(client, "director", {"lesson": lesson_ids["lesson"], "kind": "cancel", "version": 0})
    assert stale.status_code == 409
    assert "уже записали «замена учителя: " in stale.get_json()["message"]["lesson"][0]
    with app.app_context():
        assert stored_rows() == before
        lesson = db.session.get(Lesson, lesson_ids["lesson"])
        assert lesson.substitute_id == lesson_ids["free"] and not lesson.cancelled
    again = post(client, "director", {"lesson": lesson_ids["lesson"], "kind": "cancel", "version": 1})
    assert again.status_code == 201 and again.get_json()["result"]["version"] == 2
    history = listed(client, "deputy", f"&lesson={lesson_ids['lesson']}&include_closed=true")["result"]
    assert [(row["kind"], row["closed_at"] is None) for row in sorted(history, key=lambda r: r["version"])] == [
        ("teacher", False), ("cancel", True)]
    assert [row["kind"] for row in listed(client, "deputy", f"&lesson={lesson_ids['lesson']}")["result"]] == ["cancel"]


def test_no_put_and_no_delete(client, subs):
    headers = api_token(client, "deputy")
    url = f"{SUBSTITUTIONS}{subs['A']}"
    assert client.put(url, headers=headers, json={"note": "x"}).status_code == 405
    assert client.delete(url, headers=headers).status_code == 405


def test_info_offers_only_what_the_deputy_may_pick(client, app):
    res = client.get(f"{SUBSTITUTIONS}_info", headers=api_token(client, "deputy"))
    assert res.status_code == 200
    columns = {c["name"]: c for c in res.get_json()["add_columns"]}
    assert columns["lesson"]["label"] == "Урок"
    with app.app_context():
        from_today = set(db.session.scalars(select(Lesson.id).where(Lesson.date >= TODAY)))
        at_work = set(db.session.scalars(select(Staff.id).where(policy.active_staff())))
    assert columns["lesson"]["values"] and {v["id"] for v in columns["lesson"]["values"]} <= from_today
    assert {v["id"] for v in columns["merged_with"]["values"]} <= from_today
    assert columns["substitute"]["values"] and {v["id"] for v in columns["substitute"]["values"]} <= at_work
    for user in ("secretary", "teacher", "classteacher", "parent", "student"):
        assert client.get(f"{SUBSTITUTIONS}_info", headers=api_token(client, user)).status_code == 403, user


# ------------------------------------------------------------------ free teachers


@pytest.mark.parametrize("user", DEMO_USERS)
def test_free_teachers_are_for_the_administration(client, app, lesson_ids, user):
    res = client.get(f"{SUBSTITUTIONS}free_teachers/{lesson_ids['lesson']}", headers=api_token(client, user))
    assert res.status_code == (200 if user in ADMINISTRATION else 403), res.get_json()


def test_free_teachers_in_the_rules_order(client, app, lesson_ids):
    headers = api_token(client, "deputy")
    body = client.get(f"{SUBSTITUTIONS}free_teachers/{lesson_ids['lesson']}", headers=headers).get_json()
    with app.app_context():
        lesson = db.session.get(Lesson, lesson_ids["lesson"])
        free = tt.free_teachers(db.session, lesson)
        same = set(db.session.scalars(select(TeachingAssignment.teacher_id).where(
            TeachingAssignment.subject_id == lesson.subject_id)))
        expected = [{"id": s.id, "name": s.short_name, "teaches_subject": s.id in same} for s in free]
    assert body["result"] == expected and body["count"] == len(expected) and body["lesson"] == lesson_ids["lesson"]
    assert body["result"][0]["teaches_subject"] and not body["result"][-1]["teaches_subject"]
    assert lesson_ids["busy"] not in {row["id"] for row in body["result"]}
    for pk in ("999999", "abc", str(10 ** 20), "0"):
        assert client.get(f"{SUBSTITUTIONS}free_teachers/{pk}", headers=headers).status_code == 404


# ------------------------------------------------------------------ nobody without a JWT


def test_nothing_without_a_token(client, app, subs, timetable):
    with app.app_context():
        before = rows(tt.Substitution)
    for url in (SUBSTITUTIONS, f"{SUBSTITUTIONS}{subs['A']}", f"{SUBSTITUTIONS}_info",
                f"{SUBSTITUTIONS}free_teachers/1", TIMETABLE, f"{TIMETABLE}{timetable['s1']}"):
        assert client.get(url).status_code == 401, url
    assert client.post(SUBSTITUTIONS, json={"lesson": 1, "kind": "cancel", "version": 0}).status_code == 401
    with app.app_context():
        assert rows(tt.Substitution) == before


def test_a_browser_session_is_not_enough(client, subs):
    from tests.conftest import login

    login(client, "deputy")
    assert client.get(SUBSTITUTIONS).status_code == 401
    assert client.get(TIMETABLE).status_code == 401


# ------------------------------------------------------------------ timetable


def make_bells(shift, first_hour):
    for n in range(1, 8):
        start = first_hour * 60 + (n - 1) * 55
        db.session.add(tt.Bell(shift=shift, number=n, starts_at=time(start // 60, start % 60),
                               ends_at=time((start + 45) // 60, (start + 45) % 60)))


def whole_class(name, subject):
    return db.session.scalar(select(TeachingAssignment).join(Subject).where(
        TeachingAssignment.classgroup_id == classgroup(name).id, TeachingAssignment.subgroup_id.is_(None),
        Subject.name == subject))


@pytest.fixture
def timetable(app):
    """A timetable of five slots made through the rules: in 5А mathematics on Monday 1st,
    the two English groups on Tuesday 2nd; in 6Б (second shift) Russian on Monday 1st until
    31.10 and literature on Wednesday 2nd from 01.12. Whatever the demo has is cleared first."""
    with app.app_context():
        db.session.execute(update(Lesson).values(slot_id=None))
        db.session.execute(delete(tt.TimetableSlot))
        db.session.execute(delete(tt.Bell))
        make_bells(1, 8)
        make_bells(2, 13)
        classgroup("6Б").shift = 2
        db.session.flush()
        own = assignment_of("teacher")
        other_group = db.session.scalar(select(TeachingAssignment).where(
            TeachingAssignment.classgroup_id == own.classgroup_id, TeachingAssignment.subject_id == own.subject_id,
            TeachingAssignment.subgroup_id != own.subgroup_id))
        slots = {
            "s1": tt.add_slot(db.session, whole_class("5А", "Математика"), 1, 1, YEAR_START, room="12"),
            "s2": tt.add_slot(db.session, own, 2, 2, YEAR_START, room="21"),
            "s3": tt.add_slot(db.session, other_group, 2, 2, YEAR_START, room="22"),
            "s4": tt.add_slot(db.session, whole_class("6Б", "Русский язык"), 1, 1, YEAR_START, date(2026, 10, 31),
                              room="31"),
            "s5": tt.add_slot(db.session, whole_class("6Б", "Литература"), 3, 2, date(2026, 12, 1), room="31"),
        }
        db.session.commit()
        return {name: slot.id for name, slot in slots.items()}


def slot_ids(client, user, query=""):
    res = client.get(f"{TIMETABLE}?q=(page_size:100){query}", headers=api_token(client, user))
    assert res.status_code == 200, res.get_json()
    return [row["id"] for row in res.get_json()["result"]]


@pytest.mark.parametrize("user", DEMO_USERS)
def test_each_role_reads_its_timetable(client, timetable, user):
    # The student and the parent's 5А child are in the second English group; the parent's other
    # child's class (8Б) has no slots here.
    family = {"s1", "s3"}
    expected = family if user in ("parent", "student") else set(timetable)
    assert set(slot_ids(client, user)) == {timetable[k] for k in expected}
    headers = api_token(client, user)
    for key, pk in timetable.items():
        assert client.get(f"{TIMETABLE}{pk}", headers=headers).status_code == (200 if key in expected else 404)


def test_fields_of_a_slot(client, app, timetable):
    headers = api_token(client, "parent")
    maths = client.get(f"{TIMETABLE}{timetable['s1']}", headers=headers).get_json()["result"]
    group = client.get(f"{TIMETABLE}{timetable['s3']}", headers=headers).get_json()["result"]
    with app.app_context():
        a = whole_class("5А", "Математика")
        expected = {"id": timetable["s1"], "assignment": a.id, "weekday": 1, "number": 1, "starts_at": "08:00",
                    "ends_at": "08:45", "room": "12", "valid_from": "2026-09-01", "valid_to": None,
                    "subject": {"id": a.subject_id, "name": "Математика"},
                    "teacher": {"id": a.teacher_id, "name": a.teacher.short_name},
                    "class": {"id": a.classgroup_id, "name": "5А"}, "group": None}
        slot = db.session.get(tt.TimetableSlot, timetable["s3"])
        subgroup = {"id": slot.assignment.subgroup_id, "name": slot.assignment.subgroup.name}
    assert maths == expected
    assert group["group"] == subgroup and group["group"]["name"].endswith("группа 2")
    assert (group["starts_at"], group["ends_at"]) == ("08:55", "09:40")
    second_shift = client.get(f"{TIMETABLE}{timetable['s4']}", headers=api_token(client, "teacher")).get_json()
    assert second_shift["result"]["starts_at"] == "13:00" and second_shift["result"]["valid_to"] == "2026-10-31"


def test_a_slot_without_a_bell_has_no_times(client, app, timetable):
    with app.app_context():
        db.session.execute(delete(tt.Bell).where(tt.Bell.shift == 2))
        db.session.commit()
    row = client.get(f"{TIMETABLE}{timetable['s4']}", headers=api_token(client, "deputy")).get_json()["result"]
    assert row["starts_at"] is None and row["ends_at"] is None


def test_timetable_filters(client, app, timetable):
    with app.app_context():
        class_6b = classgroup("6Б").id
        teacher = staff_id("teacher")
    by_day = {day: {k for k, pk in timetable.items() if pk in slot_ids(client, "deputy", f"&on={day}")}
              for day in ("2026-10-01", "2026-11-23", "2026-12-01")}
    assert by_day == {"2026-10-01": {"s1", "s2", "s3", "s4"}, "2026-11-23": {"s1", "s2", "s3"},
                      "2026-12-01": {"s1", "s2", "s3", "s5"}}
    assert set(slot_ids(client, "deputy", f"&class={class_6b}")) == {timetable["s4"], timetable["s5"]}
    assert slot_ids(client, "deputy", f"&teacher={teacher}") == [timetable["s2"]]
    assert slot_ids(client, "deputy", f"&class={class_6b}&on=2026-11-23") == []
    # Ordered by weekday and lesson number unless the request says otherwise.
    assert slot_ids(client, "deputy") == [timetable[k] for k in ("s1", "s4", "s2", "s3", "s5")]
    # A filter never widens what a family sees.
    assert slot_ids(client, "parent", f"&class={class_6b}") == []


@pytest.mark.parametrize("query, fragment", [
    ("on=23.11.2026", "Параметр on: дата пишется как ГГГГ-ММ-ДД"),
    ("on=2026-02-30", "Параметр on"),
    ("on=", "Параметр on"),
    ("class=5А", "Параметр class"),
    (f"teacher={10 ** 20}", "Параметр teacher"),
])
def test_a_bad_timetable_filter_is_a_400_in_russian(client, timetable, query, fragment):
    res = client.get(f"{TIMETABLE}?{query}", headers=api_token(client, "parent"))
    assert res.status_code == 400 and fragment in res.get_json()["message"]


def test_the_timetable_is_read_only(client, timetable):
    headers = api_token(client, "deputy")
    assert client.post(TIMETABLE, headers=headers, json={"weekday": 1}).status_code == 405
    assert client.put(f"{TIMETABLE}{timetable['s1']}", headers=headers, json={"room": "1"}).status_code == 405
    assert client.delete(f"{TIMETABLE}{timetable['s1']}", headers=headers).status_code == 405
    assert client.get(f"{TIMETABLE}_info", headers=headers).status_code == 404  # no _info: nothing to fill in


def test_reading_the_timetable_costs_a_fixed_number_of_statements(client, timetable, count_statements):
    headers = api_token(client, "parent")  # the family's condition is the longest
    counts = []
    for user, size in (("parent", 1), ("parent", 100), ("teacher", 1), ("teacher", 100)):
        headers = api_token(client, user)
        url = f"{TIMETABLE}?q=(page_size:{size})"
        client.get(url, headers=headers)
        with count_statements() as counter:
            res = client.get(url, headers=headers)
        assert len(res.get_json()["result"]) == min(size, 2 if user == "parent" else 5)
        counts.append(counter.count)
    assert counts[0] == counts[1] and counts[2] == counts[3] and max(counts) <= 8, counts


# ------------------------------------------------------------------ the OpenAPI spec


def test_openapi_spec_lists_both_resources(client):
    spec = client.get("/api/v1/_openapi", headers=api_token(client, "admin")).get_json()
    paths = spec["paths"]
    for path in (SUBSTITUTIONS, "/api/v1/substitution/{pk}", "/api/v1/substitution/free_teachers/{lesson_id}",
                 TIMETABLE, "/api/v1/timetable/{pk}"):
        assert path in paths, path
    assert set(paths[SUBSTITUTIONS]) == {"get", "post"} and set(paths["/api/v1/substitution/{pk}"]) == {"get"}
    assert set(paths[TIMETABLE]) == {"get"}
    assert {p["name"] for p in paths[TIMETABLE]["get"]["parameters"]} == {"q", "on", "class", "teacher"}
    assert {"date", "substitute", "include_closed"} <= {p["name"] for p in paths[SUBSTITUTIONS]["get"]["parameters"]}
