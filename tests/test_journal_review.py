"""Holes found by reviewing the journal, each kept closed by a test: equal marks in one
cell, attendance after its window, a work type switched to reopen a window, final marks for
another group or through another grades' period, lost final marks, repeated corrections,
filters that listed the whole school, wrong JSON types and ids no column can hold."""
from datetime import date

import pytest

from app.extensions import db
from app.journal import Absence, Correction, FinalMark, Mark, WorkType
from tests.conftest import api_token, login
from tests.school import (
    deputy_writer, grid_csrf, save_cell, students_of, teachers_cell,
)


def test_a_cell_typed_with_two_equal_marks_keeps_both(client, app, today_lesson):
    login(client, "teacher")
    res = save_cell(client, grid_csrf(client, today_lesson["assignment"]), today_lesson["assignment"],
                    today_lesson["lesson"], today_lesson["student"], "5 5")
    assert res.status_code == 200 and res.get_json()["text"] == "5 5"
    with app.app_context():
        assert [m.value for m in db.session.scalars(db.select(Mark).where(
            Mark.lesson_id == today_lesson["lesson"], Mark.student_id == today_lesson["student"],
            Mark.retracted_at.is_(None)))] == ["5", "5"]


def old_absence(app, days=10):
    from app.journal_entry import set_attendance

    with app.app_context():
        _assignment, lesson, student = teachers_cell(days, 4)
        absence = set_attendance(deputy_writer(), lesson, student, "н", "demo",
                                 reason="Перенос с бумажного журнала")
        db.session.commit()
        return absence.id


def test_teacher_cannot_turn_an_old_absence_into_late(client, app):
    absence_id = old_absence(app)
    res = client.put(f"/api/v1/absence/{absence_id}", headers=api_token(client, "teacher"), json={"reason": "О"})
    assert res.status_code == 422 and "Срок ввода" in str(res.get_json())
    with app.app_context():
        assert db.session.get(Absence, absence_id).reason is None


def test_switching_an_oral_mark_to_a_written_type_does_not_reopen_it(client, app):
    from app.journal_entry import add_mark

    with app.app_context():
        _assignment, lesson, student = teachers_cell(3, 5)
        mark = add_mark(deputy_writer(), lesson, student, "2", "demo",
                        work_type=db.session.scalar(db.select(WorkType).where(WorkType.name == "Ответ на уроке")),
                        reason="Перенос")
        written = db.session.scalar(db.select(WorkType.id).where(WorkType.name == "Контрольная работа"))
        db.session.commit()
        mark_id = mark.id
    res = client.put(f"/api/v1/mark/{mark_id}", headers=api_token(client, "teacher"),
                     json={"value": "5", "work_type": written})
    assert res.status_code == 422 and "Срок ввода" in str(res.get_json())
    with app.app_context():
        assert db.session.get(Mark, mark_id).value == "2"


def second_quarter():
    from app.structure import Period

    return db.session.scalar(db.select(Period).where(Period.number == 2, Period.grade_from <= 5))


def test_final_marks_only_for_the_teachers_own_group(client, app, today_lesson, pinned_day):
    with app.app_context():
        other_group = [s.id for s in students_of("5А") if s.id not in today_lesson["students"]][0]
        period_id = second_quarter().id
    pinned_day(date(2026, 12, 23))
    login(client, "teacher")
    headers = grid_csrf(client, today_lesson["assignment"])
    res = client.post(f"/journal/{today_lesson['assignment']}/final", headers=headers,
                      json={"student": other_group, "kind": "period", "period": period_id, "value": "2"})
    assert res.status_code == 422 and "не учится" in res.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(db.select(FinalMark.id).where(FinalMark.student_id == other_group,
                                                               FinalMark.period_id == period_id)) is None


def test_a_final_mark_through_a_period_of_other_grades_is_refused(client, app, today_lesson, pinned_day):
    from app.structure import Period, SchoolYear

    with app.app_context():
        year = db.session.scalar(db.select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        half = Period(school_year=year, kind="half", number=1, starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 28),
                      grade_from=10, grade_to=11)
        db.session.add(half)
        second_quarter().closed = True
        db.session.commit()
        half_id = half.id
    pinned_day(date(2026, 12, 23))
    login(client, "deputy")
    res = client.post(f"/journal/{today_lesson['assignment']}/final", headers=grid_csrf(client, today_lesson["assignment"]),
                      json={"student": today_lesson["student"], "kind": "period", "period": half_id, "value": "5"})
    assert res.status_code == 422 and "не относится к классу" in res.get_json()["error"]


def test_two_people_filling_one_empty_final_mark_see_the_conflict(client, app, today_lesson, pinned_day):
    with app.app_context():
        period_id = second_quarter().id
    pinned_day(date(2026, 12, 23))
    body = {"student": today_lesson["student"], "kind": "period", "period": period_id, "version": None}
    deputy = app.test_client()
    login(deputy, "deputy")
    deputy_headers = grid_csrf(deputy, today_lesson["assignment"])
    login(client, "teacher")
    headers = grid_csrf(client, today_lesson["assignment"])
    assert client.post(f"/journal/{today_lesson['assignment']}/final", headers=headers,
                       json={**body, "value": "5"}).status_code == 200
    late = deputy.post(f"/journal/{today_lesson['assignment']}/final", headers=deputy_headers, json={**body, "value": "3"})
    assert late.status_code == 409
    with app.app_context():
        assert [f.value for f in db.session.scalars(db.select(FinalMark).where(
            FinalMark.student_id == today_lesson["student"], FinalMark.period_id == period_id,
            FinalMark.retracted_at.is_(None)))] == ["5"]


def test_the_same_correction_is_not_asked_for_twice(client, app):
    with app.app_context():
        assignment, lesson, student = teachers_cell(7, 6)
        ids = assignment.id, lesson.id, student.id
    login(client, "teacher")
    headers = grid_csrf(client, ids[0])
    body = {"lesson": ids[1], "student": ids[2], "value": "5", "reason": "Забыл поставить"}
    assert client.post(f"/journal/{ids[0]}/correction", headers=headers, json=body).status_code == 201
    again = client.post(f"/journal/{ids[0]}/correction", headers=headers, json=body)
    assert again.status_code == 422 and "уже ждёт" in again.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Correction).where(
            Correction.student_id == ids[2], Correction.status == "pending")) == 1


@pytest.mark.parametrize("view", ["journalchangeview", "correctionview"])
def test_filters_offer_a_teacher_only_the_students_they_see(client, app, view):
    with app.app_context():
        stranger = students_of("9Б")[0].full_name
    login(client, "teacher")
    page = client.get(f"/{view}/list/").get_data(as_text=True)
    encoded = stranger.encode("unicode_escape").decode()
    assert stranger not in page and encoded not in page and encoded.lower() not in page.lower()


def test_teacher_retracts_todays_mark_from_the_list(client, app, today_lesson):
    login(client, "teacher")
    save_cell(client, grid_csrf(client, today_lesson["assignment"]), today_lesson["assignment"],
              today_lesson["lesson"], today_lesson["student"], "3")
    with app.app_context():
        mark_id = db.session.scalar(db.select(Mark.id).where(Mark.lesson_id == today_lesson["lesson"],
                                                             Mark.student_id == today_lesson["student"]))
    from tests.conftest import csrf_token

    res = client.post("/markview/action_post", data={"action": "retract", "rowid": mark_id,
                                                      "csrf_token": csrf_token(client, "/markview/list/")})
    assert res.status_code == 302
    with app.app_context():
        assert db.session.get(Mark, mark_id).retracted_at is not None


def test_a_reason_has_a_length_limit(client, app):
    with app.app_context():
        assignment, lesson, student = teachers_cell(7, 7)
        ids = lesson.id, student.id
    res = client.post("/api/v1/mark/", headers=api_token(client, "deputy"),
                      json={"lesson": ids[0], "student": ids[1], "value": "5", "reason": "ы" * 4000})
    assert res.status_code == 422 and "длиннее" in str(res.get_json())


BAD_GRID_BODIES = [
    ("cell", {"lesson": "L", "student": "S", "text": "5", "expected": 5}),
    ("cell", {"lesson": 10 ** 30, "student": "S", "text": "5"}),
    ("cell", {"lesson": "L", "student": 10 ** 30, "text": "5"}),
    ("cell", {"lesson": "L", "student": "S", "text": ["5"]}),
    ("cell", {"lesson": "L", "student": "S", "text": "5", "work_type": 10 ** 30}),
    ("final", {"student": "S", "kind": ["period"], "period": 1, "value": "5"}),
    ("final", {"student": "S", "kind": "period", "period": 10 ** 30, "value": "5"}),
    ("final", {"student": "S", "kind": "period", "period": "P", "value": "5", "version": "abc"}),
    ("correction", {"lesson": "L", "student": "S", "value": "5", "reason": ["x"]}),
    ("correction", {"lesson": "L", "student": "S", "value": "5", "reason": "x", "mark": [1]}),
    ("lessons", {"date": "2026-11-23", "number": "²"}),
    ("lessons", {"date": "2026-11-23", "number": 9, "topic": ["x"]}),
    ("lesson/L", {"topic": ["x"]}),
    ("lesson/L", {"homework": 5}),
]


@pytest.mark.parametrize("endpoint, body", BAD_GRID_BODIES)
def test_wrong_json_types_get_a_russian_refusal(client, app, today_lesson, endpoint, body, pinned_day):
    from app.structure import Period

    with app.app_context():
        period_id = db.session.scalar(db.select(Period.id).where(Period.number == 2))
    pinned_day(date(2026, 12, 23))
    values = {"L": today_lesson["lesson"], "S": today_lesson["student"], "P": period_id}
    body = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    endpoint = endpoint.replace("L", str(today_lesson["lesson"]))
    login(client, "teacher")
    res = client.post(f"/journal/{today_lesson['assignment']}/{endpoint}",
                      headers=grid_csrf(client, today_lesson["assignment"]), json=body)
    assert res.status_code in (409, 422), (res.status_code, res.get_data(as_text=True)[:300])
    assert res.get_json()["error"]


@pytest.mark.parametrize("method, url, body", [
    ("post", "/api/v1/mark/", {"lesson": 10 ** 30, "student": 1, "value": "5"}),
    ("post", "/api/v1/mark/", {"lesson": "1", "student": 1, "value": "5"}),
    ("post", "/api/v1/lesson/", {"assignment": 10 ** 30, "date": "2026-11-23", "number": 1}),
    ("post", "/api/v1/homework/", {"lesson": 10 ** 30, "text": "x"}),
    ("get", "/api/v1/mark/99999999999999999999999999", None),
    ("put", "/api/v1/mark/99999999999999999999999999", {"value": "5"}),
    ("get", "/api/v1/mark/?q=(filters:!((col:lesson_id,opr:eq,value:99999999999999999999999999)))", None),
])
def test_api_ids_no_column_can_hold_are_refused(client, method, url, body):
    headers = api_token(client, "teacher")
    res = getattr(client, method)(url, headers=headers, **({"json": body} if body is not None else {}))
    assert res.status_code in (400, 404, 422), (res.status_code, res.get_data(as_text=True)[:300])


def test_a_single_row_action_checks_the_row(client, app):
    login(client, "deputy")
    from tests.conftest import csrf_token

    token = csrf_token(client, "/markview/add")
    assert client.post("/correctionview/action/approve/99999999", data={"csrf_token": token}).status_code == 404
    assert client.post("/correctionview/action/approve/1e9", data={"csrf_token": token}).status_code == 404


def test_api_labels_are_russian(client):
    res = client.get("/api/v1/homework/_info", headers=api_token(client, "teacher"))
    labels = {c["name"]: c["label"] for c in res.get_json()["add_columns"]}
    assert labels["text"] == "Текст задания" and labels["due_on"] == "Сдать к"
