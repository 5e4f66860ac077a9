"""Who may open what: every page and API resource of the foundation for every demo role,
and row-level policy that a parent or student cannot get around by any URL."""
import pytest

from app.extensions import db
from tests.conftest import DEMO_USERS, api_token, csrf_token, login, post_form
from tests.school import classgroup, person_of_login, students_of

STRUCTURE = ["schoolyearview", "periodview", "classgroupview", "subgroupview", "subjectview",
             "teachingassignmentview"]
REGISTERS = ["staffview", "staffactview", "attestationview", "trainingcourseview", "positionview", "studentview",
             "studentactview", "guardianview", "guardianshipview"]
OWN = ["myclassview", "myclassguardianview", "myfamilyview"]
ADMINISTRATION = set(STRUCTURE + REGISTERS)
READABLE = {
    "admin": ADMINISTRATION | set(OWN),
    "director": ADMINISTRATION, "deputy": ADMINISTRATION, "secretary": ADMINISTRATION,
    "teacher": {"classgroupview", "subgroupview", "subjectview", "teachingassignmentview", "studentview",
                "myclassview", "myclassguardianview"},
    "classteacher": {"classgroupview", "subgroupview", "subjectview", "teachingassignmentview", "studentview",
                     "myclassview", "myclassguardianview"},
    "parent": {"classgroupview", "subjectview", "studentview", "myfamilyview"},
    "student": {"classgroupview", "subjectview", "studentview", "myfamilyview"},
}
WRITABLE = {
    "admin": ADMINISTRATION, "director": ADMINISTRATION,
    "deputy": set(STRUCTURE) | {"attestationview", "trainingcourseview"},
    "secretary": {"staffview", "staffactview", "positionview", "studentview", "studentactview", "guardianview",
                  "guardianshipview"},
    "teacher": set(), "classteacher": set(), "parent": set(), "student": set(),
}
API_READ = {
    "staff": {"admin", "director", "deputy", "secretary"},
    "student": set(DEMO_USERS), "classgroup": set(DEMO_USERS), "subject": set(DEMO_USERS),
}


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_page_is_allowed_or_refused_by_role(client, user):
    login(client, user)
    for view in STRUCTURE + REGISTERS + OWN:
        status = client.get(f"/{view}/list/").status_code
        expected = 200 if view in READABLE[user] else 403
        assert status == expected, f"{user} {view}: {status}"


@pytest.mark.parametrize("user", DEMO_USERS)
def test_add_forms_are_offered_only_to_writers(client, user):
    login(client, user)
    for view in STRUCTURE + REGISTERS:
        status = client.get(f"/{view}/add").status_code
        expected = 200 if view in WRITABLE[user] else 403
        assert status == expected, f"{user} {view}/add: {status}"


@pytest.mark.parametrize("user", DEMO_USERS)
def test_api_resources_by_role(client, user):
    headers = api_token(client, user)
    for resource, readers in API_READ.items():
        status = client.get(f"/api/v1/{resource}/", headers=headers).status_code
        assert status == (200 if user in readers else 403), f"{user} {resource}: {status}"


def test_nothing_without_login(client):
    for view in STRUCTURE + REGISTERS + OWN:
        assert client.get(f"/{view}/list/").status_code == 302
    for resource in API_READ:
        assert client.get(f"/api/v1/{resource}/").status_code == 401


def test_nothing_can_be_deleted(client):
    login(client, "admin")
    with client.application.app_context():
        pk = students_of("5А")[0].id
    assert client.get(f"/studentview/delete/{pk}").status_code == 404
    assert client.delete(f"/api/v1/student/{pk}", headers=api_token(client, "admin")).status_code == 405


# ---------------------------------------------------------------- a family sees only itself


@pytest.fixture
def family(app):
    with app.app_context():
        child = person_of_login("student")
        siblings = sorted(g.student.id for g in person_of_login("parent").guardianships)
        classmate = next(s for s in students_of("5А") if s.id != child.id)
        other_class = students_of("6Б")[0]
        return {"child": child.id, "children": {"student": [child.id], "parent": siblings}, "child_name": child.full_name, "classmate": classmate.id,
                "classmate_name": classmate.full_name, "stranger": other_class.id,
                "class_5a": classgroup("5А").id, "class_6b": classgroup("6Б").id}


@pytest.mark.parametrize("user", ["parent", "student"])
def test_family_pages_show_only_their_own_child(client, family, user):
    login(client, user)
    page = client.get("/myfamilyview/list/").get_data(as_text=True)
    assert family["child_name"] in page and family["classmate_name"] not in page
    listing = client.get("/studentview/list/").get_data(as_text=True)
    assert family["child_name"] in listing and family["classmate_name"] not in listing
    for pk in (family["classmate"], family["stranger"]):
        assert client.get(f"/studentview/show/{pk}").status_code == 404
        assert client.get(f"/myfamilyview/show/{pk}").status_code == 404
        assert client.get(f"/studentview/edit/{pk}").status_code == 403  # no write permission at all


@pytest.mark.parametrize("user", ["parent", "student"])
def test_family_api_shows_only_their_own_child(client, family, user):
    headers = api_token(client, user)
    students = client.get("/api/v1/student/", headers=headers).json
    assert sorted(row["id"] for row in students["result"]) == family["children"][user]
    for pk in (family["classmate"], family["stranger"]):
        assert client.get(f"/api/v1/student/{pk}", headers=headers).status_code == 404
    classes = client.get("/api/v1/classgroup/", headers=headers).json
    assert family["class_5a"] in [row["id"] for row in classes["result"]]
    assert family["class_6b"] not in [row["id"] for row in classes["result"]]
    assert client.get(f"/api/v1/classgroup/{family['class_6b']}", headers=headers).status_code == 404
    # _info would list related rows of the whole school: not theirs to ask.
    for resource in ("student", "classgroup", "staff"):
        assert client.get(f"/api/v1/{resource}/_info", headers=headers).status_code == 403
    # A filter on another class does not widen what they see.
    q = f"(filters:!((col:classgroup,opr:rel_o_m,value:{family['class_6b']})))"
    assert client.get(f"/api/v1/student/?q={q}", headers=headers).json["count"] == 0


@pytest.mark.parametrize("user", ["parent", "student"])
def test_family_cannot_write_through_api(client, family, user):
    headers = api_token(client, user)
    assert client.put(f"/api/v1/student/{family['child']}", json={"phone": "1"}, headers=headers).status_code == 403
    assert client.post("/api/v1/student/", json={"last_name": "Х"}, headers=headers).status_code == 403


def test_student_account_is_read_only_even_for_own_account_data(client):
    login(client, "student")
    token = {"csrf_token": csrf_token(client, "/resetmypassword/form")}
    # Any writing request is refused before a view runs, whatever the URL.
    for url in ("/studentview/add", "/myfamilyview/edit/1", "/users/userinfoedit/form", "/classgroupview/add"):
        assert client.post(url, data=token).status_code == 403, url


def test_student_may_still_change_own_password(client):
    login(client, "student")
    page = post_form(client, "/resetmypassword/form", {"password": "Новый2026пароль", "conf_password": "Новый2026пароль"})
    assert page.status_code == 302
    client.get("/logout/")
    assert login(client, "student", "Новый2026пароль").status_code == 302


# ---------------------------------------------------------------- teachers


def test_teacher_sees_the_classes_they_teach_only(app, client):
    with app.app_context():
        from app.structure import TeachingAssignment

        teacher = person_of_login("teacher")
        taught = {a.classgroup.name for a in db.session.scalars(
            db.select(TeachingAssignment).where(TeachingAssignment.teacher_id == teacher.id))}
    headers = api_token(client, "teacher")
    names = {f"{r['grade']}{r['letter']}" for r in client.get("/api/v1/classgroup/", headers=headers).json["result"]}
    assert names == taught and "5А" in names and len(names) < 10
    students = client.get("/api/v1/student/?q=(page_size:100)", headers=headers).json
    assert {f"{r['classgroup']['grade']}{r['classgroup']['letter']}" for r in students["result"]} <= taught


def test_class_teacher_edits_contacts_of_own_class_only(app, client):
    with app.app_context():
        own, other = students_of("5А")[0].id, students_of("5Б")[0].id
    login(client, "classteacher")
    page = client.get("/myclassview/list/").get_data(as_text=True)
    with app.app_context():
        assert all(s.full_name in page for s in students_of("5А"))
        assert not any(s.full_name in page for s in students_of("5Б"))
    form = client.get(f"/myclassview/edit/{own}").get_data(as_text=True)
    assert 'name="phone"' in form and 'name="last_name"' not in form and 'name="birth_date"' not in form
    saved = post_form(client, f"/myclassview/edit/{own}", {"phone": "+7 (900) 000-00-01", "email": "", "address": ""})
    assert saved.status_code == 302
    with app.app_context():
        from app.people import Student

        assert db.session.get(Student, own).phone == "+7 (900) 000-00-01"
    assert client.get(f"/myclassview/edit/{other}").status_code == 404
    assert client.get("/myclassview/add").status_code == 404


def test_subject_teacher_has_no_class_list(client):
    login(client, "teacher")
    page = client.get("/myclassview/list/").get_data(as_text=True)
    assert "Записей не найдено" in page
    assert "Ученики моего класса" not in client.get("/").get_data(as_text=True)  # not in the menu either


def test_actions_recheck_the_policy(app, client):
    """FAB loads action rows by primary key, skipping base_filters: ours re-checks."""
    with app.app_context():
        other = students_of("5Б")[0].id
    login(client, "classteacher")
    token = csrf_token(client, "/resetmypassword/form")
    res = client.post("/myclassview/action_post",
                      data={"action": "anything", "rowid": [str(other)], "csrf_token": token})
    assert res.status_code == 404
