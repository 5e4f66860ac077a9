"""FAB's unsafe defaults, closed (DESIGN.md): CSRF, login rate limits (in memory and in
Redis), password complexity, session cookies, and writes through the API."""
import redis
import pytest

from app import create_app
from app.extensions import db
from app.people import Student
from tests.conftest import api_token, csrf_token, login, post_form, settings_for
from tests.school import classgroup

REDIS = "redis://127.0.0.1:6379/15"


def student_count(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Student))


def test_forms_refuse_posts_without_csrf_token(app, client):
    login(client, "secretary")
    before = student_count(app)
    res = client.post("/studentview/add", data={"last_name": "Соколова", "first_name": "Мария"})
    assert res.status_code == 400
    assert student_count(app) == before


def test_login_needs_csrf_token_too(client):
    res = client.post("/login/", data={"username": "admin", "password": "demo"})
    assert res.status_code == 400


def test_session_cookie_is_permanent_httponly_and_samesite(client):
    res = login(client, "teacher")
    cookie = res.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


@pytest.fixture
def limited_app(databases):
    return create_app(settings_for(databases.work_url, AUTH_RATE_LIMITED=True, RATELIMIT_ENABLED=True,
                                   AUTH_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI="memory://"))


def wrong_logins(client, times):
    token = csrf_token(client, "/login/")
    return [client.post("/login/", data={"username": "teacher", "password": "не тот", "csrf_token": token}).status_code
            for _ in range(times)]


def test_wrong_passwords_are_rate_limited(limited_app):
    client = limited_app.test_client()
    assert wrong_logins(client, 4) == [302, 302, 302, 429]


def test_wrong_password_says_so_in_russian(client):
    client.get(login(client, "teacher", "не тот").headers["Location"])
    client.get("/login/")
    assert login(client, "teacher", "не тот").status_code == 302
    html = client.get("/login/").get_data(as_text=True)
    assert "Неверный логин или пароль" in html or "Неверное" in html, html[:3000]


def test_rate_limit_is_shared_through_redis(databases):
    redis.Redis.from_url(REDIS).flushdb()
    settings = settings_for(databases.work_url, AUTH_RATE_LIMITED=True, RATELIMIT_ENABLED=True,
                            AUTH_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI=REDIS)
    first, second = create_app(settings).test_client(), create_app(settings).test_client()
    assert wrong_logins(first, 3) == [302, 302, 302]
    assert wrong_logins(second, 1) == [429]  # another server process, same counter
    redis.Redis.from_url(REDIS).flushdb()


def test_weak_password_is_refused_in_russian(client):
    login(client, "parent")
    page = post_form(client, "/resetmypassword/form", {"password": "12345", "conf_password": "12345"})
    assert page.status_code == 200 and "Пароль слишком простой" in page.get_data(as_text=True)
    client.get("/logout/")
    assert login(client, "parent", "demo").status_code == 302  # unchanged


# ---------------------------------------------------------------- writes through the API


def admission(**extra):
    return {"last_name": "Соколова", "first_name": "Мария", "middle_name": "Андреевна", "birth_date": "2015-03-14",
            "effective_on": "2026-11-23", "order_no": "45-у", "order_date": "2026-11-20", **extra}


def test_api_admission_by_the_secretary(app, client):
    with app.app_context():
        cls = classgroup("5А").id
    res = client.post("/api/v1/student/", json=admission(classgroup=cls), headers=api_token(client, "secretary"))
    assert res.status_code == 201, res.json
    with app.app_context():
        student = db.session.get(Student, res.json["id"])
        assert student.classgroup.name == "5А" and student.acts[0].kind == "admission"


def test_api_unknown_ids_are_refused_and_create_nothing(app, client):
    headers = api_token(client, "secretary")
    before = student_count(app)
    res = client.post("/api/v1/student/", json=admission(classgroup=999999), headers=headers)
    assert res.status_code == 422 and "не найден" in str(res.json)
    assert student_count(app) == before
    res = client.post("/api/v1/classgroup/", json={"school_year": 999, "grade": 5, "letter": "В"},
                      headers=api_token(client, "deputy"))
    assert res.status_code == 422
    res = client.post("/api/v1/staff/", json={"last_name": "Х", "first_name": "Y", "positions": [9999],
                                               "effective_on": "2026-11-23", "order_no": "1",
                                               "order_date": "2026-11-20"}, headers=headers)
    assert res.status_code == 422
    assert client.put("/api/v1/student/999999", json={"phone": "1"}, headers=headers).status_code == 404


def test_api_missing_order_number_is_refused_in_russian(app, client):
    with app.app_context():
        cls = classgroup("5А").id
    before = student_count(app)
    res = client.post("/api/v1/student/", json=admission(classgroup=cls, order_no=" "),
                      headers=api_token(client, "secretary"))
    assert res.status_code == 422 and res.json["message"] == {"order_no": ["Укажите номер приказа."]}
    assert student_count(app) == before


def test_api_refuses_what_the_role_may_not_write(app, client):
    with app.app_context():
        cls = classgroup("5А").id
    for user in ("teacher", "classteacher", "deputy"):
        res = client.post("/api/v1/student/", json=admission(classgroup=cls), headers=api_token(client, user))
        assert res.status_code == 403, user


def test_api_put_changes_personal_data_only(app, client):
    headers = api_token(client, "secretary")
    with app.app_context():
        pk = classgroup("5А").id
        student = db.session.scalar(db.select(Student).where(Student.classgroup_id == pk))
        sid = student.id
    assert client.put(f"/api/v1/student/{sid}", json={"phone": "+7 900 1"}, headers=headers).status_code == 200
    res = client.put(f"/api/v1/student/{sid}", json={"classgroup": 1}, headers=headers)
    assert res.status_code == 422


def test_api_is_jwt_only(client):
    login(client, "secretary")  # a browser session is not enough to write through the API
    res = client.post("/api/v1/subject/", json={"name": "Астрономия"})
    assert res.status_code == 401


@pytest.mark.parametrize("url", ["/printouts/3000000000", "/printouts/99999999999999999999/pdf",
                                 "/printouts/batch/3000000000.json", "/timetable/class/3000000000"])
def test_an_id_no_column_can_hold_is_no_page(client, url):
    login(client, "deputy")
    res = client.get(url)
    assert res.status_code == 404 and "Страница не найдена" in res.get_data(as_text=True)


@pytest.mark.parametrize("day", ["0001-01-03", "9999-12-31", "01.01.0001", "2026-02-30"])
def test_a_week_page_of_a_date_no_school_has_shows_this_week(client, day):
    login(client, "teacher")
    res = client.get(f"/timetable/my?day={day}", follow_redirects=True)
    assert res.status_code == 200 and "23.11.2026" in res.get_data(as_text=True)


def test_a_login_is_read_in_one_statement_and_a_revoked_permission_holds_from_the_next_page(app, client):
    """Every page reads the login, its person and its roles' permissions in one statement (three
    round trips were most of an empty page on PostgreSQL); they are read anew on each page, so a
    permission taken from a role holds from the teacher's very next page."""
    from sqlalchemy import event

    login(client, "teacher")
    assert client.get("/messages/").status_code == 200
    read = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *rest: read.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/messages/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    of_permissions = [s for s in read if "ab_permission" in s]
    assert len(of_permissions) == 1, of_permissions
    assert all(table in of_permissions[0] for table in ("FROM ab_user", "staff", "student", "guardian", "ab_role"))

    with app.app_context():
        sm = app.appbuilder.sm
        sm.del_permission_role(sm.find_role("Teacher"), sm.find_permission_view_menu("can_read", "Message"))
    res = client.get("/messages/")
    assert res.status_code in (302, 403) and "/messages/" not in res.headers.get("Location", "")
