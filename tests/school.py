"""Look-ups into the demo school for tests, by the names people use."""
from datetime import date

from app.extensions import db
from app.people import Guardian, Position, Staff, Student
from app.structure import ClassGroup, SchoolYear


def classgroup(name, year="2026/2027"):
    grade, letter = int(name[:-1]), name[-1]
    return db.session.scalar(
        db.select(ClassGroup).join(SchoolYear).where(
            ClassGroup.grade == grade, ClassGroup.letter == letter, SchoolYear.name == year))


def person_of_login(username):
    from flask import current_app

    user = current_app.appbuilder.sm.find_user(username=username)
    for model in (Staff, Student, Guardian):
        found = db.session.scalar(db.select(model).where(model.user_id == user.id))
        if found is not None:
            return found
    raise LookupError(username)


def students_of(name):
    return db.session.scalars(
        db.select(Student).where(Student.classgroup_id == classgroup(name).id).order_by(Student.last_name)).all()


def position(name):
    return db.session.scalar(db.select(Position).where(Position.name == name))


def new_year(name="2027/2028"):
    year = SchoolYear(name=name, starts_on=date(int(name[:4]), 9, 1), ends_on=date(int(name[5:]), 5, 31))
    db.session.add(year)
    db.session.flush()
    return year
