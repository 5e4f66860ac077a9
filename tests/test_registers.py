"""Register acts (001 3.8): every act by an order, history kept, bad input refused with nothing changed."""
from datetime import date

import pytest

from app import registers
from app.extensions import db
from app.people import Enrollment, Staff, StaffAct, Student, StudentAct
from app.rules import NeedsConfirmation, RuleError
from tests.conftest import api_token, login, post_form
from tests.school import classgroup, new_year, person_of_login, position, students_of

ORDER = dict(order_no="45-у", order_date=date(2026, 11, 20))


def new_student(**extra):
    return Student(last_name="Соколова", first_name="Мария", middle_name="Андреевна",
                   birth_date=date(2015, 3, 14), **extra)


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_admission_creates_enrollment_and_act(ctx):
    student = new_student()
    act = registers.admit_student(db.session, student, classgroup=classgroup("5А"),
                                  effective_on=date(2026, 11, 23), **ORDER)
    db.session.commit()
    assert student.classgroup.name == "5А"
    assert [(e.classgroup.name, e.starts_on, e.ends_on) for e in student.enrollments] == [
        ("5А", date(2026, 11, 23), None)]
    assert act.kind == "admission" and act.order_text == "приказ № 45-у от 20.11.2026"


def test_withdrawal_before_admission_is_refused_and_changes_nothing(ctx):
    student = students_of("5А")[0]
    admitted = student.enrollments[-1].starts_on
    acts_before = count(StudentAct)
    with pytest.raises(RuleError) as refused:
        registers.withdraw_student(db.session, student, effective_on=date(2026, 8, 1), destination="МБОУ СОШ № 5",
                                   **ORDER)
    db.session.rollback()
    assert "раньше зачисления" in refused.value.message
    assert count(StudentAct) == acts_before
    assert db.session.get(Student, student.id).withdrawn_on is None
    assert student.enrollments[-1].starts_on == admitted


def test_transfer_into_a_class_of_another_year_is_refused(ctx):
    year = new_year()
    next_5a = classgroup("5А")
    other = type(next_5a)(school_year=year, grade=6, letter="А")
    db.session.add(other)
    db.session.flush()
    student = students_of("5А")[0]
    with pytest.raises(RuleError) as refused:
        registers.transfer_student(db.session, student, to_class=other, effective_on=date(2026, 11, 23), **ORDER)
    assert "другому учебному году" in refused.value.message


@pytest.mark.parametrize("order_no", ["", "   ", None])
def test_missing_order_number_is_refused(ctx, order_no):
    with pytest.raises(RuleError) as refused:
        registers.admit_student(db.session, new_student(), classgroup=classgroup("5А"),
                                effective_on=date(2026, 11, 23), order_no=order_no, order_date=date(2026, 11, 20))
    assert refused.value.message == "Укажите номер приказа." and refused.value.field == "order_no"


def test_order_dated_in_the_future_is_refused(ctx):
    with pytest.raises(RuleError, match="позже сегодняшнего"):
        registers.admit_student(db.session, new_student(), classgroup=classgroup("5А"),
                                effective_on=date(2026, 11, 23), order_no="1", order_date=date(2026, 12, 1))


def test_second_active_class_is_refused_by_the_rule_and_by_the_database(ctx):
    student = students_of("5А")[0]
    with pytest.raises(RuleError, match="уже учится"):
        registers.admit_student(db.session, student, classgroup=classgroup("5Б"),
                                effective_on=date(2026, 11, 23), **ORDER)
    db.session.rollback()
    # Even a write that bypasses the rules cannot give a student two open enrollments.
    db.session.add(Enrollment(student_id=student.id, classgroup_id=classgroup("5Б").id, starts_on=date(2026, 11, 23)))
    with pytest.raises(Exception):
        db.session.flush()
    db.session.rollback()


def test_duplicate_student_is_a_warning_the_secretary_may_confirm(ctx):
    twin = students_of("6Б")[3]
    copy = Student(last_name=twin.last_name, first_name=twin.first_name, middle_name=twin.middle_name,
                   birth_date=twin.birth_date)
    with pytest.raises(NeedsConfirmation) as warned:
        registers.admit_student(db.session, copy, classgroup=classgroup("5А"), effective_on=date(2026, 11, 23),
                                **ORDER)
    assert twin.full_name in warned.value.message and "6Б" in warned.value.message
    db.session.rollback()
    copy = Student(last_name=twin.last_name, first_name=twin.first_name, middle_name=twin.middle_name,
                   birth_date=twin.birth_date)
    registers.admit_student(db.session, copy, classgroup=classgroup("5А"), effective_on=date(2026, 11, 23),
                            confirm_duplicate=True, **ORDER)
    db.session.commit()
    assert copy.id is not None and copy.classgroup.name == "5А"


def test_transfer_keeps_the_old_class_for_past_dates(ctx):
    student = students_of("5А")[0]
    registers.transfer_student(db.session, student, to_class=classgroup("5Б"), effective_on=date(2026, 11, 23),
                               **ORDER)
    db.session.commit()
    assert student.enrollment_on(date(2026, 11, 20)).classgroup.name == "5А"
    assert student.enrollment_on(date(2026, 11, 23)).classgroup.name == "5Б"
    assert [a.kind for a in student.acts] == ["admission", "transfer"]
    assert student.acts[-1].from_class.name == "5А" and student.acts[-1].to_class.name == "5Б"


def test_withdrawal_keeps_history_and_closes_the_students_login(ctx, app):
    student = person_of_login("student")
    registers.withdraw_student(db.session, student, effective_on=date(2026, 11, 23), destination="Гимназия № 1, Пермь",
                               **ORDER)
    db.session.commit()
    assert student.classgroup is None and student.withdrawn_on == date(2026, 11, 23)
    assert student.enrollments[-1].ends_on == date(2026, 11, 23)
    assert student.user.active is False
    assert student.acts[-1].destination == "Гимназия № 1, Пермь"


def test_staff_hire_transfer_dismissal_keep_history(ctx):
    staff = Staff(last_name="Кузнецов", first_name="Андрей", middle_name="Павлович")
    registers.hire_staff(db.session, staff, positions=[position("учитель")], effective_on=date(2026, 11, 2),
                         **ORDER)
    registers.transfer_staff(db.session, staff, positions=[position("заместитель директора по УВР")],
                             effective_on=date(2026, 11, 16), **ORDER)
    registers.dismiss_staff(db.session, staff, effective_on=date(2026, 11, 23), **ORDER)
    db.session.commit()
    assert [a.kind for a in staff.acts] == ["hire", "transfer", "dismissal"]
    assert staff.acts[0].positions_text == "учитель"
    assert staff.is_active is False and staff.status_text == "уволен(а) с 23.11.2026"


def test_dismissal_needs_a_working_person(ctx):
    staff = Staff(last_name="Кузнецов", first_name="Андрей")
    with pytest.raises(RuleError, match="не работает"):
        registers.dismiss_staff(db.session, staff, effective_on=date(2026, 11, 23), **ORDER)


# ---------------------------------------------------------------- through the forms


def test_admission_form_refusal_keeps_what_was_typed(client):
    login(client, "secretary")
    cls = None
    with client.application.app_context():
        cls = classgroup("5А").id
        before = count(Student)
    page = post_form(client, "/studentview/add", {
        "last_name": "Соколова", "first_name": "Мария", "middle_name": "Андреевна", "birth_date": "14.03.2015",
        "classgroup": str(cls), "effective_on": "23.11.2026", "order_no": "", "order_date": "20.11.2026",
    })
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Укажите номер приказа." in html
    assert 'value="Соколова"' in html and 'value="14.03.2015"' in html
    with client.application.app_context():
        assert count(Student) == before


def test_admission_form_accepts_a_complete_order(client):
    login(client, "secretary")
    with client.application.app_context():
        cls = classgroup("5А").id
    page = post_form(client, "/studentview/add", {
        "last_name": "Соколова", "first_name": "Мария", "middle_name": "Андреевна", "birth_date": "14.03.2015",
        "classgroup": str(cls), "effective_on": "23.11.2026", "order_no": "45-у", "order_date": "20.11.2026",
    })
    assert page.status_code == 302
    with client.application.app_context():
        student = db.session.scalar(db.select(Student).where(Student.last_name == "Соколова"))
        assert student.classgroup.name == "5А" and student.acts[0].order_no == "45-у"


def test_withdrawal_form_before_admission_shows_why_and_changes_nothing(client):
    login(client, "secretary")
    with client.application.app_context():
        student = students_of("5А")[0].id
        before = count(StudentAct)
    page = post_form(client, "/studentactview/add", {
        "student": str(student), "kind": "withdrawal", "destination": "СОШ № 5", "effective_on": "01.08.2026",
        "order_no": "50-у", "order_date": "20.11.2026",
    })
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "раньше зачисления" in html and 'value="СОШ № 5"' in html
    with client.application.app_context():
        assert count(StudentAct) == before


def test_dismissed_person_leaves_active_lists_and_their_login_stops(client, app):
    teacher_client = app.test_client()
    assert login(teacher_client, "teacher").status_code == 302
    assert teacher_client.get("/myclassview/list/").status_code in (200, 302)
    token = api_token(app.test_client(), "teacher")

    login(client, "secretary")
    with app.app_context():
        teacher = person_of_login("teacher")
        teacher_id = teacher.id
    page = post_form(client, "/staffactview/add", {
        "staff": str(teacher_id), "kind": "dismissal", "effective_on": "23.11.2026", "order_no": "77-к",
        "order_date": "20.11.2026",
    })
    assert page.status_code == 302, page.get_data(as_text=True)
    with app.app_context():
        acts = db.session.scalars(db.select(StaffAct).where(StaffAct.staff_id == teacher_id)).all()
        assert [a.kind for a in acts] == ["hire", "dismissal"]  # history kept
    # The open session, the JWT and a new login all stop working.
    assert teacher_client.get("/myclassview/list/").status_code == 302
    assert app.test_client().get("/api/v1/classgroup/", headers=token).status_code == 401
    again = app.test_client()
    login(again, "teacher")
    assert again.get("/myclassview/list/").status_code == 302  # back to the login page
    # …and is no longer offered as a class teacher.
    deputy = app.test_client()
    login(deputy, "deputy")
    form = deputy.get("/classgroupview/add").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Staff, teacher_id).full_name not in form


# ---------------------------------------------------------------- logins belong to people


def test_admin_issues_a_login_to_a_person_of_the_registers(app, client):
    with app.app_context():
        staff = db.session.scalar(db.select(Staff).where(Staff.user_id.is_(None)))
        pk, name = staff.id, staff.full_name
    login(client, "admin")
    assert client.get("/users/add").status_code == 403  # no logins that belong to nobody
    weak = post_form(client, "/issuelogin/form", {"person": f"staff:{pk}", "role": "Teacher",
                                                 "username": "new.teacher", "password": "123"})
    assert "Пароль слишком простой" in weak.get_data(as_text=True)
    res = post_form(client, "/issuelogin/form", {"person": f"staff:{pk}", "role": "Teacher",
                                                "username": "new.teacher", "password": "Учитель2026года"})
    assert res.status_code == 302
    with app.app_context():
        assert db.session.get(Staff, pk).user.username == "new.teacher"
    taken = post_form(client, "/issuelogin/form", {"person": f"staff:{pk}", "role": "Teacher",
                                                  "username": "other.login", "password": "Учитель2026года"})
    assert f"У {name} уже есть логин" in taken.get_data(as_text=True)
    fresh = app.test_client()
    assert login(fresh, "new.teacher", "Учитель2026года").status_code == 302
    assert fresh.get("/teachingassignmentview/list/").status_code == 200


def test_only_the_administrator_issues_logins(client):
    for user in ("director", "secretary", "teacher", "parent"):
        fresh = client.application.test_client()
        login(fresh, user)
        assert fresh.get("/issuelogin/form").status_code == 403, user


def test_attestation_validity_must_end_after_the_decision(app, client):
    with app.app_context():
        staff = person_of_login("teacher").id
    login(client, "deputy")
    page = post_form(client, "/attestationview/add", {
        "staff": str(staff), "category": "первая квалификационная категория", "decided_on": "20.11.2026",
        "valid_until": "01.01.2020", "order_no": "5"})
    assert "Срок действия должен заканчиваться позже даты решения." in page.get_data(as_text=True)
    ok = post_form(client, "/attestationview/add", {
        "staff": str(staff), "category": "первая квалификационная категория", "decided_on": "20.11.2026",
        "valid_until": "20.11.2031", "order_no": "5"})
    assert ok.status_code == 302
    with app.app_context():
        assert [a.valid_until for a in person_of_login("teacher").attestations] == [date(2031, 11, 20)]
