"""School structure: years, periods, classes, groups, subjects and teaching assignments.

Maintained by deputies and the director. Quarters apply to grades 2–9 and
half-years to grades 10–11 (004 §4); each period records the grades it covers.
"""
from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, Numeric, String,
    Table, UniqueConstraint, select,
)
from sqlalchemy.orm import relationship

from flask_appbuilder import Model

from app.rules import RuleError, fmt_date, require

PERIOD_KINDS = {"quarter": "четверть", "half": "полугодие"}
CLASS_LETTERS = "АБВГДЕЖЗИКЛМН"


class SchoolYear(Model):
    __tablename__ = "school_year"
    id = Column(Integer, primary_key=True)
    name = Column(String(9), unique=True, nullable=False)  # «2026/2027»
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    is_current = Column(Boolean, nullable=False, default=False)
    closed = Column(Boolean, nullable=False, default=False)

    periods = relationship("Period", back_populates="school_year", order_by="Period.starts_on")

    def __str__(self):
        return f"{self.name} учебный год"

    def covers(self, day):
        return self.starts_on <= day <= self.ends_on


class Period(Model):
    __tablename__ = "period"
    __table_args__ = (
        UniqueConstraint("school_year_id", "kind", "number", name="uq_period_number"),
        CheckConstraint("grade_from <= grade_to", name="ck_period_grades"),
    )
    id = Column(Integer, primary_key=True)
    school_year_id = Column(Integer, ForeignKey("school_year.id"), nullable=False, index=True)
    kind = Column(String(10), nullable=False, default="quarter")
    number = Column(Integer, nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    grade_from = Column(Integer, nullable=False, default=2)
    grade_to = Column(Integer, nullable=False, default=9)
    closed = Column(Boolean, nullable=False, default=False)

    school_year = relationship("SchoolYear", back_populates="periods")

    @property
    def title(self):
        return f"{self.number} {PERIOD_KINDS.get(self.kind, self.kind)}"

    @property
    def dates(self):
        return f"{fmt_date(self.starts_on)} – {fmt_date(self.ends_on)}"

    @property
    def grades(self):
        return f"{self.grade_from}–{self.grade_to}"

    def __str__(self):
        return f"{self.title} ({self.school_year.name if self.school_year else ''})"


subgroup_student = Table(
    "subgroup_student",
    Model.metadata,
    Column("subgroup_id", Integer, ForeignKey("subgroup.id"), primary_key=True),
    Column("student_id", Integer, ForeignKey("student.id"), primary_key=True),
    Index("ix_subgroup_student_student", "student_id"),  # a student's groups: the diary reads them every week
)


class ClassGroup(Model):
    """A class of the school in one school year: 5А of 2026/2027."""

    __tablename__ = "classgroup"
    __table_args__ = (
        UniqueConstraint("school_year_id", "grade", "letter", name="uq_class_letter"),
        CheckConstraint("grade BETWEEN 1 AND 11", name="ck_class_grade"),
    )
    id = Column(Integer, primary_key=True)
    school_year_id = Column(Integer, ForeignKey("school_year.id"), nullable=False, index=True)
    grade = Column(Integer, nullable=False)
    letter = Column(String(2), nullable=False)
    class_teacher_id = Column(Integer, ForeignKey("staff.id"), index=True)
    # The shift the class learns in: its lesson times come from that shift's bells (app/timetable.py).
    shift = Column(Integer, nullable=False, default=1, server_default="1")

    school_year = relationship("SchoolYear")
    class_teacher = relationship("Staff")
    subgroups = relationship("Subgroup", back_populates="classgroup", order_by="Subgroup.name")

    @property
    def name(self):
        return f"{self.grade}{self.letter}"

    def __str__(self):
        return self.name


class Subgroup(Model):
    """A group inside a class, for languages or labour lessons, with its own students."""

    __tablename__ = "subgroup"
    __table_args__ = (UniqueConstraint("classgroup_id", "name", name="uq_subgroup_name"),)
    id = Column(Integer, primary_key=True)
    classgroup_id = Column(Integer, ForeignKey("classgroup.id"), nullable=False, index=True)
    name = Column(String(100), nullable=False)
    subject_id = Column(Integer, ForeignKey("subject.id"))

    classgroup = relationship("ClassGroup", back_populates="subgroups")
    subject = relationship("Subject")
    students = relationship("Student", secondary=subgroup_student, order_by="Student.last_name")

    @property
    def size(self):
        return len(self.students)

    def __str__(self):
        return f"{self.classgroup.name if self.classgroup else ''}: {self.name}"


class Subject(Model):
    __tablename__ = "subject"
    id = Column(Integer, primary_key=True)
    name = Column(String(150), unique=True, nullable=False)
    short_name = Column(String(30))

    def __str__(self):
        return self.name


class TeachingAssignment(Model):
    """Who teaches what to whom, and for how many hours a week (нагрузка)."""

    __tablename__ = "teaching_assignment"
    __table_args__ = (
        CheckConstraint("hours_per_week > 0 AND hours_per_week <= 12", name="ck_assignment_hours"),
    )
    id = Column(Integer, primary_key=True)
    teacher_id = Column(Integer, ForeignKey("staff.id"), nullable=False, index=True)
    classgroup_id = Column(Integer, ForeignKey("classgroup.id"), nullable=False, index=True)
    subgroup_id = Column(Integer, ForeignKey("subgroup.id"))
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=False)
    hours_per_week = Column(Numeric(4, 1), nullable=False)

    teacher = relationship("Staff")
    classgroup = relationship("ClassGroup")
    subgroup = relationship("Subgroup")
    subject = relationship("Subject")

    @property
    def school_year(self):
        return self.classgroup.school_year if self.classgroup else None

    def __str__(self):
        who = self.subgroup.name if self.subgroup else (self.classgroup.name if self.classgroup else "")
        return f"{self.subject} — {who}"


# ---------------------------------------------------------------- rules


def check_school_year(year):
    require(year.name, "Укажите название учебного года, например 2026/2027.", "name")
    require(year.starts_on, "Укажите дату начала учебного года.", "starts_on")
    require(year.ends_on, "Укажите дату окончания учебного года.", "ends_on")
    if year.ends_on <= year.starts_on:
        raise RuleError("Учебный год должен заканчиваться позже, чем начинается.", "ends_on")


def check_period(session, period):
    year = period.school_year
    require(year, "Укажите учебный год.", "school_year")
    require(period.starts_on, "Укажите дату начала периода.", "starts_on")
    require(period.ends_on, "Укажите дату окончания периода.", "ends_on")
    if period.kind not in PERIOD_KINDS:
        raise RuleError("Вид периода — четверть или полугодие.", "kind")
    if period.ends_on < period.starts_on:
        raise RuleError("Период не может заканчиваться раньше, чем начинается.", "ends_on")
    if not (year.covers(period.starts_on) and year.covers(period.ends_on)):
        raise RuleError(
            f"Период должен лежать внутри учебного года ({fmt_date(year.starts_on)} – {fmt_date(year.ends_on)}).",
            "starts_on",
        )
    if not 1 <= (period.grade_from or 0) <= (period.grade_to or 0) <= 11:
        raise RuleError("Классы периода — от 1 до 11, «с» не больше «по».", "grade_from")
    others = session.scalars(
        select(Period).where(
            Period.school_year_id == year.id,
            Period.id != (period.id or 0),
            Period.grade_from <= period.grade_to,
            Period.grade_to >= period.grade_from,
            Period.starts_on <= period.ends_on,
            Period.ends_on >= period.starts_on,
        )
    ).all()
    if others:
        raise RuleError(f"Даты пересекаются с периодом «{others[0]}» для тех же классов.", "starts_on")
    check_reopening(session, period)


def check_reopening(session, period):
    """A period whose printed copy is in the register stays closed: the registered PDF must stay the
    journal's true copy (001 §5), so its marks may not change any more. (A state, not a change: the
    old value is gone once the session has flushed.)"""
    if period.id is None or period.closed:
        return
    from printouts.models import Printout

    with session.no_autoflush:
        numbers = session.scalars(select(Printout.register_number).where(
            Printout.period_id == period.id, Printout.register_number.is_not(None), Printout.retracted_at.is_(None))
            .order_by(Printout.register_number)).all()
    if numbers:
        raise RuleError(f"Период не открывается: его печатные копии зарегистрированы (№ {', '.join(numbers)}) "
                        "и должны совпадать с журналом.", "closed")


def check_classgroup(session, cls):
    require(cls.school_year, "Укажите учебный год класса.", "school_year")
    if not cls.grade or not 1 <= cls.grade <= 11:
        raise RuleError("Параллель класса — число от 1 до 11.", "grade")
    letter = (cls.letter or "").strip().upper()
    if not letter or len(letter) > 2 or not all(ch.isalpha() for ch in letter):
        raise RuleError("Литера класса — одна-две буквы, например «А».", "letter")
    cls.letter = letter
    twin = session.scalar(
        select(ClassGroup.id).where(
            ClassGroup.school_year_id == cls.school_year.id,
            ClassGroup.grade == cls.grade,
            ClassGroup.letter == letter,
            ClassGroup.id != (cls.id or 0),
        )
    )
    if twin:
        raise RuleError(f"Класс {cls.grade}{letter} в этом учебном году уже есть.", "letter")
    if cls.class_teacher is not None and not cls.class_teacher.is_active:
        raise RuleError("Классным руководителем может быть только работающий сотрудник.", "class_teacher")


def check_subgroup(sub):
    require(sub.classgroup, "Укажите класс группы.", "classgroup")
    require(sub.name, "Укажите название группы.", "name")
    strangers = [s for s in sub.students if sub.classgroup not in s.classes_ever()]
    if strangers:
        raise RuleError(f"{strangers[0].full_name} не учится в классе {sub.classgroup.name}.", "students")


def check_subject(subject):
    require(subject.name, "Укажите название предмета.", "name")
    subject.name = subject.name.strip()


def check_assignment(assignment):
    require(assignment.teacher, "Укажите учителя.", "teacher")
    require(assignment.classgroup, "Укажите класс.", "classgroup")
    require(assignment.subject, "Укажите предмет.", "subject")
    if not assignment.teacher.is_active:
        raise RuleError("Нагрузку можно дать только работающему сотруднику.", "teacher")
    if assignment.subgroup is not None and assignment.subgroup.classgroup_id != assignment.classgroup.id:
        raise RuleError("Группа должна быть из того же класса.", "subgroup")
    hours = assignment.hours_per_week
    if hours is None or not 0 < float(hours) <= 12:
        raise RuleError("Часов в неделю — от 0,5 до 12.", "hours_per_week")
