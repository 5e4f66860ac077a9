"""Pages cost a fixed number of SQL statements whatever the number of rows; the schema
comes from the migrations; the demo school is what DESIGN.md promises; Russian first."""
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from app import registers
from app.extensions import db
from app.people import Guardian, Guardianship, Student
from tests.conftest import DEMO_USERS, StatementCounter, api_token, login
from tests.school import classgroup

LISTS = {
    "secretary": ["/studentview/list/", "/staffview/list/", "/staffactview/list/", "/studentactview/list/",
                  "/guardianview/list/", "/guardianshipview/list/"],
    "deputy": ["/classgroupview/list/", "/subgroupview/list/", "/teachingassignmentview/list/",
               "/periodview/list/"],
    "classteacher": ["/myclassview/list/", "/myclassguardianview/list/"],
    "parent": ["/myfamilyview/list/"],
}


def enlarge_5a(app, how_many):
    """Admit `how_many` more students into 5А, each with a guardian."""
    with app.app_context():
        cls = classgroup("5А")
        for n in range(how_many):
            student = Student(last_name="Новикова", first_name=f"Ученица{n}", middle_name="Ивановна",
                              birth_date=date(2015, 1, 1 + n % 28))
            registers.admit_student(db.session, student, classgroup=cls, effective_on=date(2026, 11, 23),
                                    order_no="99-у", order_date=date(2026, 11, 20), confirm_duplicate=True)
            db.session.add(Guardianship(student=student, kinship="мать",
                                        guardian=Guardian(last_name="Новикова", first_name="Мать", phone="1")))
        db.session.commit()


def statements(app, client, url):
    from app.extensions import db as database

    with app.app_context():
        engine = database.engine
    with StatementCounter(engine) as counter:
        assert client.get(url).status_code == 200, url
    return counter.count


@pytest.mark.parametrize("user", sorted(LISTS))
def test_list_pages_run_a_fixed_number_of_statements(app, client, user):
    login(client, user)
    for url in LISTS[user]:
        client.get(url)  # warm up: per-process caches are not what we measure
    before = {url: statements(app, client, url) for url in LISTS[user]}
    enlarge_5a(app, 12)
    after = {url: statements(app, client, url) for url in LISTS[user]}
    assert after == before
    assert max(before.values()) <= 16, before


def test_api_lists_run_a_fixed_number_of_statements(app, client):
    headers = api_token(client, "secretary")
    urls = ["/api/v1/student/?q=(page_size:100)", "/api/v1/staff/", "/api/v1/classgroup/", "/api/v1/subject/"]
    for url in urls:
        client.get(url, headers=headers)

    def count(url):
        with app.app_context():
            engine = db.engine
        with StatementCounter(engine) as counter:
            assert client.get(url, headers=headers).status_code == 200
        return counter.count

    before = {url: count(url) for url in urls}
    enlarge_5a(app, 12)
    assert {url: count(url) for url in urls} == before


def test_migrations_build_exactly_the_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Model.metadata)
    assert diff == []


def test_demo_school_is_as_promised(app):
    with app.app_context():
        from app.structure import ClassGroup, Period, Subgroup, TeachingAssignment

        classes = db.session.scalars(db.select(ClassGroup).order_by(ClassGroup.grade, ClassGroup.letter)).all()
        assert [c.name for c in classes] == [f"{g}{l}" for g in range(5, 10) for l in "АБ"]
        sizes = [db.session.scalar(db.select(db.func.count()).where(Student.classgroup_id == c.id)) for c in classes]
        assert all(20 <= n <= 28 for n in sizes), sizes
        assert [p.title for p in db.session.scalars(db.select(Period).order_by(Period.starts_on))] == [
            "1 четверть", "2 четверть", "3 четверть", "4 четверть"]
        assert db.session.scalar(db.select(db.func.count()).select_from(Subgroup)) >= len(classes) * 2
        assert db.session.scalar(db.select(db.func.count()).select_from(TeachingAssignment)) > 100
        student = db.session.scalars(db.select(Student)).first()
        assert len(student.full_name.split()) == 3  # Фамилия Имя Отчество


def test_demo_logins_exist_only_in_the_demo(tmp_path):
    """`flask journal setup --no-demo` on an empty database creates no demo login."""
    from app import create_app
    from tests.conftest import settings_for

    url = "sqlite:///" + str(tmp_path / "empty.db")
    app = create_app(settings_for(url))
    result = app.test_cli_runner().invoke(args=["journal", "setup", "--no-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        sm = app.appbuilder.sm
        assert all(sm.find_user(username=u) is None for u in DEMO_USERS)
        assert sm.find_role("Teacher") is not None and len(sm.find_role("Admin").permissions) > 50
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_demo_user_gets_a_russian_start_page(client, user):
    assert login(client, user).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Электронный классный журнал" in page and "Выйти" in page
    for english in (">Logout<", ">Security<", "List Users", ">Add<"):
        assert english not in page


def test_list_page_reads_in_russian_with_russian_dates(client):
    login(client, "secretary")
    page = client.get("/staffview/list/").get_data(as_text=True)
    assert "Реестр сотрудников" in page and "Всего записей" in page and "Дата рождения" in page
    import re

    assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", page)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", page)


def test_english_is_the_second_locale(client):
    login(client, "secretary")
    client.get("/lang/en")
    page = client.get("/staffview/list/").get_data(as_text=True)
    assert "Record Count" in page
    client.get("/lang/ru")
    assert "Всего записей" in client.get("/staffview/list/").get_data(as_text=True)
