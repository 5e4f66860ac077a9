"""The journal grid: one teaching assignment (class or group and subject) over one period.

Rows are the students enrolled on some lesson date of the period, alphabetically;
columns are the lessons by date and number; a cell holds the marks and the absence of
one student at one lesson. The whole grid is read with six SQL statements whatever the
size of the class or of the database (tests count them), and turned into plain data
that the page template and the JSON of the grid share.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, and_, bindparam, cast, func, null, or_, select
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.journal import Absence, FinalMark, Homework, HomeworkFile, Lesson, Mark, WorkType
from app.journal_entry import final_mark_window, last_entry_day, weighted_average
from app.people import Enrollment, Student
from app.rules import today
from app.structure import ClassGroup, Period, TeachingAssignment, subgroup_student

# Cyrillic in alphabetical order, «ё» right after «е» (byte order would put it last).
_ALPHABET = {ch: i for i, ch in enumerate("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")}


def alphabetical(student):
    """Sort key for Фамилия Имя Отчество in the Russian alphabet, whatever the database's collation."""
    return tuple(tuple(_ALPHABET.get(ch, 100 + ord(ch)) for ch in (part or "").lower())
                 for part in (student.last_name, student.first_name, student.middle_name))


@dataclass
class Row:
    student: Student
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
    cells: dict  # (lesson_id, student_id) -> Cell
    finals: dict  # (student_id, kind) -> FinalMark
    work_types: dict  # id -> WorkType (active and those used in the grid)
    homework: dict  # lesson_id -> homework text
    homework_files: dict  # lesson_id -> [{"id", "filename"}]

    def cell(self, lesson, row):
        return self.cells.get((lesson.id, row.student.id)) or Cell()

    def average(self, row):
        weights = self.work_types
        return weighted_average(
            (m[1], weights[m[2]].weight) for lesson in self.lessons
            for m in self.cell(lesson, row).marks if m[2] in weights)

    def open_until(self, lesson, work_type_id=None):
        return last_entry_day(lesson, self.work_types.get(work_type_id or lesson.work_type_id))

    def final_window(self, kind):
        year = self.assignment.classgroup.school_year
        return final_mark_window(kind, self.period if kind == "period" else None, year, self.periods)

    @property
    def today(self):
        return today()


def load_assignment(assignment_id, visible_condition):
    """The assignment with its class, year, group, subject, teacher and the periods of its grade:
    one statement. None if it does not exist or the user may not see it."""
    rows = db.session.execute(
        select(TeachingAssignment, Period)
        .join(TeachingAssignment.classgroup)
        .outerjoin(Period, and_(Period.school_year_id == ClassGroup.school_year_id,
                                Period.grade_from <= ClassGroup.grade, Period.grade_to >= ClassGroup.grade))
        .options(contains_eager(TeachingAssignment.classgroup).joinedload(ClassGroup.school_year),
                 joinedload(TeachingAssignment.subject), joinedload(TeachingAssignment.subgroup),
                 joinedload(TeachingAssignment.teacher))
        .where(TeachingAssignment.id == assignment_id, visible_condition)
        .order_by(Period.starts_on)
    ).unique().all()
    if not rows:
        return None, []
    return rows[0][0], [period for _, period in rows if period is not None]


def choose_period(periods, period_id=None, day=None):
    """The asked-for period, else the one covering the day, else the last one begun."""
    day = day or today()
    for period in periods:
        if period.id == period_id:
            return period
    current = [p for p in periods if p.starts_on <= day]
    return next((p for p in current if day <= p.ends_on), current[-1] if current else (periods or [None])[0])


def load_grid(assignment, periods, period):
    start, end = (period.starts_on, period.ends_on) if period else (date.min, date.min)
    # Homework files ride along as one string per lesson («id:name» lines), so that the
    # grid stays at a fixed number of statements.
    files = (select(func.aggregate_strings(cast(HomeworkFile.id, String) + ":" + HomeworkFile.filename, "\n"))
             .where(HomeworkFile.homework_id == Homework.id, HomeworkFile.retracted_at.is_(None))
             .scalar_subquery())
    lessons_rows = db.session.execute(
        select(Lesson, Homework.text, files).outerjoin(Homework, Homework.lesson_id == Lesson.id)
        .where(Lesson.assignment_id == assignment.id, Lesson.date.between(start, end))
        .order_by(Lesson.date, Lesson.number)
    ).all()
    lessons = [lesson for lesson, _, _ in lessons_rows]
    for lesson in lessons:  # the grid's lessons all share the assignment loaded above
        set_committed_value(lesson, "assignment", assignment)
        set_committed_value(lesson, "classgroup", assignment.classgroup)
    rows = _roster(assignment, start, end)
    cells = _cells(assignment.id, start, end)
    finals = _finals(assignment, period, [row.student.id for row in rows])
    used = {m[2] for cell in cells.values() for m in cell.marks} | {l.work_type_id for l in lessons}
    work_types = {wt.id: wt for wt in db.session.scalars(
        select(WorkType).where(or_(WorkType.active.is_(True), WorkType.id.in_(used))).order_by(WorkType.id))}
    return Grid(assignment, period, periods, lessons, rows, cells, finals, work_types,
                {lesson.id: text for lesson, text, _ in lessons_rows if text},
                {lesson.id: _files(names) for lesson, _, names in lessons_rows if names})


def _files(names):
    pairs = (line.split(":", 1) for line in names.split("\n") if ":" in line)
    return sorted(({"id": int(i), "filename": name} for i, name in pairs), key=lambda f: f["id"])


def _roster(assignment, start, end):
    query = (
        select(Student, Enrollment.starts_on, Enrollment.ends_on)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.classgroup_id == assignment.classgroup_id, Enrollment.starts_on <= end,
               or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= start))
    )
    if assignment.subgroup_id is not None:
        query = query.where(Student.id.in_(select(subgroup_student.c.student_id)
                                           .where(subgroup_student.c.subgroup_id == assignment.subgroup_id)))
    rows = {}
    for student, starts_on, ends_on in db.session.execute(query):
        rows.setdefault(student.id, Row(student)).spans.append((starts_on, ends_on))
    return sorted(rows.values(), key=lambda row: alphabetical(row.student))


def _cells_statement():
    in_period = select(Lesson.id).where(Lesson.assignment_id == bindparam("assignment"),
                                        Lesson.date.between(bindparam("start"), bindparam("end")))
    marks = select(Mark.lesson_id, Mark.student_id, Mark.id, Mark.value, Mark.work_type_id, Mark.comment,
                   Mark.version).where(Mark.lesson_id.in_(in_period), Mark.retracted_at.is_(None))
    absences = select(Absence.lesson_id, Absence.student_id, Absence.id, Absence.reason, null(), null(),
                      Absence.version).where(Absence.lesson_id.in_(in_period), Absence.retracted_at.is_(None))
    return marks.union_all(absences).order_by("id")


# Built once: constructing a statement costs more than running this one on SQLite.
CELLS = _cells_statement()


def _cells(assignment_id, start, end):
    """Marks and absences of the period's lessons, in one statement (a UNION of both)."""
    cells = {}
    # Plain rows on the session's connection: the ORM's result machinery costs more than the query.
    rows = db.session.connection().execute(CELLS, {"assignment": assignment_id, "start": start, "end": end}).all()
    for lesson_id, student_id, item_id, value, work_type_id, comment, version in rows:
        cell = cells.get((lesson_id, student_id))
        if cell is None:
            cell = cells[lesson_id, student_id] = Cell()
        if work_type_id is None:
            cell.absence = (item_id, value or "н", version)
        else:
            cell.marks.append((item_id, value, work_type_id, comment, version))
    return cells


def _finals(assignment, period, student_ids):
    if not student_ids:
        return {}
    kinds = or_(FinalMark.kind != "period", FinalMark.period_id == (period.id if period else None))
    finals = db.session.scalars(select(FinalMark).where(
        FinalMark.subject_id == assignment.subject_id,
        FinalMark.school_year_id == assignment.classgroup.school_year_id,
        FinalMark.student_id.in_(student_ids), FinalMark.retracted_at.is_(None), kinds))
    return {(f.student_id, f.kind): f for f in finals}
