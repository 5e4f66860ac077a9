"""Test fixtures: a real database (SQLite file, or PostgreSQL when DATABASE_URL says so),
built once with migrations, the role matrix and the demo school, then restored before
every test so that tests never see each other's changes."""
import os
import re
import shutil
from datetime import date

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

os.environ.setdefault("INSTANCE_DIR", os.path.join(os.path.dirname(__file__), "..", "instance", "test"))

import config  # noqa: E402
from app import create_app  # noqa: E402

# A Monday in the second quarter of 2026/27: every rule that reads the date reads this.
TODAY = date(2026, 11, 23)
DEMO_USERS = ("admin", "director", "deputy", "secretary", "teacher", "classteacher", "parent", "student")


class SqliteDatabases:
    def __init__(self, folder):
        self.template = os.path.join(folder, "template.db")
        self.work = os.path.join(folder, "work.db")
        self.template_url = "sqlite:///" + self.template
        self.work_url = "sqlite:///" + self.work

    def prepare(self):
        for path in (self.template, self.work):
            if os.path.exists(path):
                os.remove(path)

    def restore(self):
        shutil.copyfile(self.template, self.work)


class PostgresDatabases:
    """<name>_template holds the built school; <name>_work is copied from it per test."""

    def __init__(self, url):
        base = make_url(config._database_url() if url is None else url)
        self.admin_url = base.set(database="postgres")
        self.template_name, self.work_name = f"{base.database}_template", f"{base.database}_work"
        self.template_url = base.set(database=self.template_name).render_as_string(hide_password=False)
        self.work_url = base.set(database=self.work_name).render_as_string(hide_password=False)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")

    def _recreate(self, name, template=None):
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))

    def prepare(self):
        self._recreate(self.template_name)

    def restore(self):
        self._recreate(self.work_name, template=self.template_name)


def _databases(tmp_path_factory):
    url = config.SQLALCHEMY_DATABASE_URI
    if url.startswith("postgresql"):
        return PostgresDatabases(url)
    return SqliteDatabases(str(tmp_path_factory.mktemp("db")))


def settings_for(url, **extra):
    return {
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url, "JOURNAL_TODAY": TODAY,
        "AUTH_RATE_LIMITED": False, "RATELIMIT_ENABLED": False, "SERVER_NAME": None,
        # No sender thread between tests' databases: tests/test_notifications.py turns it on.
        "MAIL_SEND_IN_BACKGROUND": False, **extra,
    }


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    dbs = _databases(tmp_path_factory)
    dbs.prepare()
    builder = create_app(settings_for(dbs.template_url))
    with builder.app_context():
        from flask_migrate import upgrade

        from app.cli import create_demo
        from app.extensions import db
        from security.roles import apply_matrix

        upgrade()
        apply_matrix(builder.appbuilder)
        create_demo()
        db.session.remove()
        db.engine.dispose()
    return dbs


@pytest.fixture(scope="session")
def app(databases):
    return create_app(settings_for(databases.work_url))


@pytest.fixture(autouse=True)
def fresh_school(request, databases):
    """Every test starts from the freshly built demo school."""
    if "app" not in request.fixturenames and "client" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
    databases.restore()
    yield
    with application.app_context():
        from app.extensions import db

        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An application context for tests that call rules directly."""
    with app.app_context():
        yield


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client, url):
    page = client.get(url)
    found = CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {url} (status {page.status_code})"
    return found.group(1) or found.group(2)


def login(client, username, password="demo"):
    token = csrf_token(client, "/login/")
    return client.post("/login/", data={"username": username, "password": password, "csrf_token": token})


def post_form(client, url, data):
    """Submit a form the way a browser does: fetch it for its CSRF token first."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def api_token(client, username, password="demo"):
    res = client.post("/api/v1/security/login",
                      json={"username": username, "password": password, "provider": "db"})
    assert res.status_code == 200, res.get_data(as_text=True)
    return {"Authorization": f"Bearer {res.json['access_token']}"}


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


@pytest.fixture
def count_statements(app):
    from app.extensions import db

    def counter():
        with app.app_context():
            return StatementCounter(db.engine)

    return counter


@pytest.fixture
def today_lesson(app):
    """Today's lesson of the demo teacher's 5А English group, with its first student's cell empty."""
    with app.app_context():
        from tests.school import assignment_of, clear_cell, lesson_on, roster

        assignment = assignment_of("teacher")
        lesson = lesson_on(assignment, TODAY)
        student = roster(assignment)[0]
        clear_cell(lesson, student)
        return {"assignment": assignment.id, "lesson": lesson.id, "student": student.id,
                "students": [s.id for s in roster(assignment)]}


@pytest.fixture
def pinned_day(app):
    saved = app.config["JOURNAL_TODAY"]

    def pin(day):
        app.config["JOURNAL_TODAY"] = day

    yield pin
    app.config["JOURNAL_TODAY"] = saved
