"""Look-ups into the demo school for tests, by the names people use."""
import re
from datetime import date, timedelta

from app.extensions import db
from app.journal import Absence, Lesson, Mark, WorkType
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


# ------------------------------------------------------------------ the journal

def assignment_of(login_name, class_name="5А"):
    from app.structure import TeachingAssignment

    staff = person_of_login(login_name)
    return db.session.scalars(db.select(TeachingAssignment).where(
        TeachingAssignment.teacher_id == staff.id,
        TeachingAssignment.classgroup_id == classgroup(class_name).id).order_by(TeachingAssignment.id)).first()


def lesson_on(assignment, day, number=7, work_type=None):
    """The assignment's lesson on that day (the demo's, or one made by the administration)."""
    from app.journal_entry import create_lesson
    from security.policy import JournalWriter

    found = db.session.scalar(db.select(Lesson).where(Lesson.assignment_id == assignment.id, Lesson.date == day)
                              .order_by(Lesson.number))
    if found is None:
        found = create_lesson(JournalWriter(None, None, True), assignment, day, number, "demo")
    if work_type is not None:
        found.work_type_id = work_type_named(work_type).id
    db.session.commit()
    return found


def work_type_named(name):
    return db.session.scalar(db.select(WorkType).where(WorkType.name == name))


def roster(assignment):
    if assignment.subgroup is not None:
        return sorted(assignment.subgroup.students, key=lambda s: s.last_name)
    return students_of(assignment.classgroup.name)


def clear_cell(lesson, student):
    """Start a test from an empty cell, whatever the demo put there."""
    for model in (Mark, Absence):
        for item in db.session.scalars(db.select(model).where(model.lesson_id == lesson.id,
                                                              model.student_id == student.id)):
            db.session.delete(item)
    db.session.commit()


def grid_csrf(client, assignment_id):
    page = client.get(f"/journal/{assignment_id}")
    assert page.status_code == 200, page.status_code
    return {"X-CSRFToken": re.search(r'data-csrf="([^"]+)"', page.get_data(as_text=True)).group(1)}


def save_cell(client, headers, assignment_id, lesson_id, student_id, text, expected=""):
    return client.post(f"/journal/{assignment_id}/cell", headers=headers, json={
        "lesson": lesson_id, "student": student_id, "text": text, "expected": expected})


def marks_count():
    return db.session.scalar(db.select(db.func.count()).select_from(Mark))


def teachers_cell(days_ago, index, work_type=None):
    """An emptied cell of the demo teacher's 5А group: (assignment, lesson, student) for the
    `index`-th student at the group's lesson `days_ago` days before today."""
    from tests.conftest import TODAY

    assignment = assignment_of("teacher")
    lesson = lesson_on(assignment, TODAY - timedelta(days=days_ago), work_type=work_type)
    student = roster(assignment)[index]
    clear_cell(lesson, student)
    return assignment, lesson, student


def deputy_writer():
    """The demo deputy as the journal's rules see them: writes anywhere, with a reason."""
    from flask import current_app

    from security.policy import JournalWriter

    user = current_app.appbuilder.sm.find_user(username="deputy")
    return JournalWriter(user.id, person_of_login("deputy").id, True)


# ------------------------------------------------------------------ the timetable

def without_demo_timetable():
    """Start from a school with no timetable (tests of the timetable's own rules build exactly
    what they need): the demo's lessons stay, unlinked and uncovered."""
    from app.demo_timetable import remove_demo_timetable

    remove_demo_timetable(db.session)
    db.session.commit()


def clear_final_marks(period, class_name=None):
    """Take the demo's final marks of a period away (of one class, or of all): a test that sets its
    own pattern of final marks, or a school whose teachers have not given them yet."""
    from app.journal import FinalMark
    from app.people import Enrollment

    where = [FinalMark.period_id == period.id]
    if class_name is not None:
        where.append(FinalMark.student_id.in_(db.select(Enrollment.student_id).where(
            Enrollment.classgroup_id == classgroup(class_name).id)))
    db.session.execute(db.delete(FinalMark).where(*where))
    db.session.commit()


def reopen_directly(period):
    """The period as it was before the administration closed it. Set directly: the rule
    (app/structure.check_reopening) keeps a period closed once a copy of it is registered, and
    the demo's 1st quarter has registered copies."""
    period.closed = False
    db.session.commit()
