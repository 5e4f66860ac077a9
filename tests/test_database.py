"""The application's connections (app/database.py): a rollback undoes what it must and the
connection goes on working; on PostgreSQL the statements a connection has prepared outlive the
rollback that ends every request that wrote nothing, so pages are not planned anew each time."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.diary import DiaryVisit
from app.extensions import db
from app.structure import Subject
from tests.conftest import login


def subject_names():
    return set(db.session.scalars(select(Subject.name)))


def test_a_rollback_undoes_the_write_and_the_connection_goes_on(ctx):
    before = subject_names()
    db.session.add(Subject(name="Астрономия"))
    db.session.flush()
    assert "Астрономия" in subject_names()
    db.session.rollback()
    assert subject_names() == before

    with pytest.raises(DBAPIError):
        db.session.execute(text("SELECT * FROM no_such_table"))
    db.session.rollback()  # out of the failed transaction
    assert subject_names() == before


def prepared_statements():
    return db.session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()


def test_pages_keep_their_prepared_statements_on_postgresql(app, client):
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        db.session.remove()
        db.engine.dispose()  # fresh connections: nothing prepared yet
    login(client, "parent")
    for _ in range(8):  # psycopg prepares a statement at its sixth run on a connection
        assert client.get("/diary/").status_code == 200  # ends with a COMMIT (the visit)
        assert client.get("/messages/").status_code == 200  # ends with a ROLLBACK
    with app.app_context():
        user_id = app.appbuilder.sm.find_user(username="parent").id
        assert db.session.scalar(select(DiaryVisit.visits).where(DiaryVisit.user_id == user_id)) == 8
        if postgres:
            kept = prepared_statements()
            # the login's statement (with its roles' permissions) and the diary's week
            assert any("ab_permission" in statement for statement in kept), kept
            assert any("FROM enrollment JOIN lesson" in statement for statement in kept), kept
