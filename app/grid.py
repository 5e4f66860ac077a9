"""The journal grid: one teaching assignment (class or group and subject) over one period.

Rows are the students enrolled on some lesson date of the period, alphabetically;
columns are the lessons by date and number; a cell holds the marks and the absence of
one student at one lesson. The whole grid is read with seven SQL statements whatever
the size of the class or of the database (tests count them), as plain rows rather
than ORM objects: a grid is a thousand cells, and the page has a time budget.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, and_, bindparam, cast, func, null, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.journal import Absence, FinalMark, Homework, HomeworkFile, Lesson, Mark, WorkType
from app.journal_entry import final_mark_window, last_entry_day
from app.people import Enrollment, Staff, Student, short_name_of
from app.rules import today
from app.structure import ClassGroup, Period, TeachingAssignment, subgroup_student

def alphabetical(student):
    """Sort key for Фамилия Имя Отчество in the Russian alphabet, whatever the database's
    collation: code points order Cyrillic alphabetically except «ё», which goes right after «е»."""
    return tuple((part or "").lower().replace("ё", "е\uffff")
                 for part in (student.last_name, student.first_name, student.middle_name))


class Pupil:
    """A student as the grid needs one: read as a plain row, not an ORM object."""

    __slots__ = ("id", "last_name", "first_name", "middle_name")

    def __init__(self, id, last_name, first_name, middle_name):
        self.id, self.last_name, self.first_name, self.middle_name = id, last_name, first_name, middle_name

    @property
    def full_name(self):
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class LessonColumn:
    """A lesson of the grid, read as a plain row. It carries the assignment and class loaded
    once for the whole grid, so the rules (last_entry_day, may_write_lesson) read it like a Lesson."""

    __slots__ = ("id", "date", "number", "topic", "work_type_id", "teacher_id", "substitute_id", "cancelled",
                 "substitute_name", "assignment", "classgroup")

    def __init__(self, row, assignment):
        (self.id, self.date, self.number, self.topic, self.work_type_id, self.teacher_id,
         self.substitute_id, self.cancelled) = row[:8]
        # Who covered the lesson, shown in its header (the journal shows who taught it).
        self.substitute_name = short_name_of(*row[10:13]) if row[10] else ""
        self.assignment, self.classgroup = assignment, assignment.classgroup


@dataclass
class Row:
    student: Pupil
    spans: list = field(default_factory=list)  # [(starts_on, ends_on or None)] in this class

    def enrolled_on(self, day):
        return any(start <= day and (end is None or day <= end) for start, end in self.spans)


class Cell:
    """What one student has at one lesson. Plain slots: a grid makes a thousand of them."""

    __slots__ = ("marks", "absence")

    def __init__(self):
        self.marks = []  # [(id, value, work_type_id, comment, version)]
        self.absence = None  # (id, code, version)

    @property
    def text(self):
        parts = [m[1] for m in self.marks]
        if self.absence is not None:
            parts.append(self.absence[1])
        return " ".join(parts)


@dataclass
class Grid:
    assignment: TeachingAssignment
    period: Period
    periods: list
    lessons: list
    rows: list
    cells: dict  # student_id -> {lesson_id: Cell}
    finals: dict  # (student_id, kind) -> (value, version)
    work_types: dict  # id -> a row with the WorkType's fields (all of them, retired ones too)
    homework: dict  # lesson_id -> homework text
    homework_files: dict  # lesson_id -> [{"id", "filename"}]

    def open_until(self, lesson, work_type_id=None):
        return last_entry_day(lesson, self.work_types.get(work_type_id or lesson.work_type_id))

    def final_window(self, kind):
        year = self.assignment.classgroup.school_year
        return final_mark_window(kind, self.period if kind == "period" else None, year, self.periods)

    @property
    def today(self):
        return today()


def _columns(model, *names):
    return [getattr(model, name) for name in names]


ASSIGNMENT_FIELDS = ("id", "teacher_id", "classgroup_id", "subgroup_id", "subject_id", "hours_per_week")
CLASS_FIELDS = ("id", "school_year_id", "grade", "letter", "class_teacher_id")
YEAR_FIELDS = ("id", "name", "starts_on", "ends_on", "is_current", "closed")
PERIOD_FIELDS = ("id", "school_year_id", "kind", "number", "starts_on", "ends_on", "grade_from", "grade_to", "closed")


def _assignment_statement():
    from app.people import Staff
    from app.structure import SchoolYear, Subgroup, Subject

    return (
        select(*_columns(TeachingAssignment, *ASSIGNMENT_FIELDS), *_columns(ClassGroup, *CLASS_FIELDS),
               *_columns(SchoolYear, *YEAR_FIELDS), Subject.name, Subject.short_name, Staff.last_name,
               Staff.first_name, Staff.middle_name, Subgroup.name, *_columns(Period, *PERIOD_FIELDS))
        .join(ClassGroup, ClassGroup.id == TeachingAssignment.classgroup_id)
        .join(SchoolYear, SchoolYear.id == ClassGroup.school_year_id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .join(Staff, Staff.id == TeachingAssignment.teacher_id)
        .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
        .outerjoin(Period, and_(Period.school_year_id == ClassGroup.school_year_id,
                                Period.grade_from <= ClassGroup.grade, Period.grade_to >= ClassGroup.grade))
        .where(TeachingAssignment.id == bindparam("assignment"))
        .order_by(Period.starts_on)
    )


def load_assignment(assignment_id):
    """The assignment with its class, year, group, subject, teacher and the periods of its grade,
    in one statement built once; None if there is no such assignment. Who may see it is the
    caller's question (security.policy.sees_assignment).

    The grid only reads them, so they are built as detached objects from plain rows: loading
    seven related entities through the ORM cost a tenth of the page's time budget."""
    from app.people import Staff
    from app.structure import SchoolYear, Subgroup, Subject

    found = db.session.connection().execute(STATEMENTS["assignment"], {"assignment": assignment_id}).all()
    if not found:
        return None, []
    row = iter(found[0])
    take = lambda names: dict(zip(names, (next(row) for _ in names)))  # noqa: E731
    assignment = TeachingAssignment(**take(ASSIGNMENT_FIELDS))
    classgroup = ClassGroup(**take(CLASS_FIELDS))
    year = SchoolYear(**take(YEAR_FIELDS))
    subject = Subject(id=assignment.subject_id, **take(("name", "short_name")))
    teacher = Staff(id=assignment.teacher_id, **take(("last_name", "first_name", "middle_name")))
    subgroup_name = next(row)
    classgroup.school_year, assignment.classgroup = year, classgroup
    assignment.subject, assignment.teacher = subject, teacher
    if assignment.subgroup_id is not None:
        assignment.subgroup = Subgroup(id=assignment.subgroup_id, classgroup_id=classgroup.id, name=subgroup_name)
    start = len(found[0]) - len(PERIOD_FIELDS)
    periods = [Period(**dict(zip(PERIOD_FIELDS, r[start:]))) for r in found if r[start] is not None]
    for period in periods:
        period.school_year = year
    return assignment, periods


def choose_period(periods, period_id=None, day=None):
    """The asked-for period, else the one covering the day, else the last one begun."""
    day = day or today()
    for period in periods:
        if period.id == period_id:
            return period
    current = [p for p in periods if p.starts_on <= day]
    return next((p for p in current if day <= p.ends_on), current[-1] if current else (periods or [None])[0])


def _statements():
    """The grid's statements, built once with parameters: building a statement costs more
    than running it on SQLite."""
    files = (select(func.aggregate_strings(cast(HomeworkFile.id, String) + ":" + HomeworkFile.filename, "\n"))
             .where(HomeworkFile.homework_id == Homework.id, HomeworkFile.retracted_at.is_(None))
             .scalar_subquery())
    in_period = (Lesson.assignment_id == bindparam("assignment")) & Lesson.date.between(
        bindparam("start"), bindparam("end"))
    # Homework and its files ride along with their lesson («id:name» lines).
    substitute = aliased(Staff)
    lessons = (select(Lesson.id, Lesson.date, Lesson.number, Lesson.topic, Lesson.work_type_id, Lesson.teacher_id,
                      Lesson.substitute_id, Lesson.cancelled, Homework.text, files, substitute.last_name,
                      substitute.first_name, substitute.middle_name)
               .outerjoin(Homework, Homework.lesson_id == Lesson.id)
               .outerjoin(substitute, substitute.id == Lesson.substitute_id).where(in_period)
               .order_by(Lesson.date, Lesson.number))
    lesson_ids = select(Lesson.id).where(in_period)
    marks = select(Mark.lesson_id, Mark.student_id, Mark.id, Mark.value, Mark.work_type_id, Mark.comment,
                   Mark.version).where(Mark.lesson_id.in_(lesson_ids), Mark.retracted_at.is_(None))
    absences = select(Absence.lesson_id, Absence.student_id, Absence.id, Absence.reason, null(), null(),
                      Absence.version).where(Absence.lesson_id.in_(lesson_ids), Absence.retracted_at.is_(None))
    in_class = ((Enrollment.classgroup_id == bindparam("classgroup")) & (Enrollment.starts_on <= bindparam("end"))
                & or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= bindparam("start")))
    roster = (select(Student.id, Student.last_name, Student.first_name, Student.middle_name,
                     Enrollment.starts_on, Enrollment.ends_on)
              .join(Enrollment, Enrollment.student_id == Student.id).where(in_class))
    in_group = Student.id.in_(select(subgroup_student.c.student_id)
                              .where(subgroup_student.c.subgroup_id == bindparam("subgroup")))
    finals = (select(FinalMark.student_id, FinalMark.kind, FinalMark.value, FinalMark.version)
              .where(FinalMark.subject_id == bindparam("subject"), FinalMark.school_year_id == bindparam("year"),
                     FinalMark.retracted_at.is_(None),
                     or_(FinalMark.kind != "period", FinalMark.period_id == bindparam("period")),
                     FinalMark.student_id.in_(select(Enrollment.student_id).where(in_class))))
    return {"lessons": lessons, "cells": marks.union_all(absences).order_by("id"), "roster": roster,
            "group_roster": roster.where(in_group), "finals": finals, "assignment": _assignment_statement(),
            "work_types": select(WorkType.id, WorkType.name, WorkType.short_name, WorkType.weight, WorkType.written,
                                 WorkType.active).order_by(WorkType.id)}




def load_grid(assignment, periods, period):
    """Everything the grid shows, in five statements on the session's connection (plain rows:
    the ORM's result machinery costs more than the queries themselves)."""
    start, end = (period.starts_on, period.ends_on) if period else (date.min, date.min)
    run = db.session.connection().execute
    values = {"assignment": assignment.id, "start": start, "end": end, "classgroup": assignment.classgroup_id,
              "subgroup": assignment.subgroup_id, "subject": assignment.subject_id,
              "year": assignment.classgroup.school_year_id, "period": period.id if period else None}
    lesson_rows = run(STATEMENTS["lessons"], values).all()
    lessons = [LessonColumn(row, assignment) for row in lesson_rows]
    rows = _roster(run(STATEMENTS["group_roster" if assignment.subgroup_id else "roster"], values).all())
    cells = _cells(run(STATEMENTS["cells"], values).all())
    finals = {(student_id, kind): (value, version)
              for student_id, kind, value, version in run(STATEMENTS["finals"], values)}
    # All work types (a school has a dozen): retired ones still weigh the marks given with them.
    work_types = {row.id: row for row in run(STATEMENTS["work_types"])}
    return Grid(assignment, period, periods, lessons, rows, cells, finals, work_types,
                {row[0]: row[8] for row in lesson_rows if row[8]},
                {row[0]: _files(row[9]) for row in lesson_rows if row[9]})


def _files(names):
    pairs = (line.split(":", 1) for line in names.split("\n") if ":" in line)
    return sorted(({"id": int(i), "filename": name} for i, name in pairs), key=lambda f: f["id"])


def _roster(found):
    rows = {}
    for student_id, last_name, first_name, middle_name, starts_on, ends_on in found:
        row = rows.get(student_id)
        if row is None:
            row = rows[student_id] = Row(Pupil(student_id, last_name, first_name, middle_name))
        row.spans.append((starts_on, ends_on))
    return sorted(rows.values(), key=lambda row: alphabetical(row.student))


def _cells(found):
    """{student id: {lesson id: Cell}}: the page walks a student's filled cells only."""
    cells = {}
    for lesson_id, student_id, item_id, value, work_type_id, comment, version in found:
        mine = cells.get(student_id)
        if mine is None:
            mine = cells[student_id] = {}
        cell = mine.get(lesson_id)
        if cell is None:
            cell = mine[lesson_id] = Cell()
        if work_type_id is None:
            cell.absence = (item_id, value or "н", version)
        else:
            cell.marks.append((item_id, value, work_type_id, comment, version))
    return cells


STATEMENTS = _statements()
