"""People of the school: staff, students and their guardians, and the register acts that move them.

Registers keep history (001 3.8): a hire, transfer or dismissal of staff and an
admission, transfer or withdrawal of a student is an act with the director's
order number and date. The current state (position, class, dismissed_on) is kept
on the person for fast lists and is only ever changed by an act (app/registers.py).
"""
from datetime import datetime

from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from flask_appbuilder import Model

from app.rules import RuleError, fmt_date, today

STAFF_ACTS = {"hire": "приём на работу", "transfer": "перевод", "dismissal": "увольнение"}
STUDENT_ACTS = {"admission": "зачисление", "transfer": "перевод в другой класс", "withdrawal": "выбытие"}
ATTESTATION_CATEGORIES = (
    "соответствие занимаемой должности",
    "первая квалификационная категория",
    "высшая квалификационная категория",
)
KINSHIP = ("мать", "отец", "опекун", "попечитель", "бабушка", "дедушка", "другой законный представитель")


def short_name_of(last_name, first_name, middle_name):
    """Фамилия И.О., for a name read as plain columns rather than a person object."""
    initials = "".join(f"{p[0]}." for p in (first_name, middle_name) if p)
    return f"{last_name} {initials}".strip()


class PersonName:
    """Фамилия Имя Отчество, as every paper of the school writes it."""

    @property
    def full_name(self):
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self):
        return short_name_of(self.last_name, self.first_name, self.middle_name)

    @property
    def birth_date_text(self):
        return fmt_date(self.birth_date)

    def __str__(self):
        return self.full_name


staff_position = Table(
    "staff_position",
    Model.metadata,
    Column("staff_id", Integer, ForeignKey("staff.id"), primary_key=True),
    Column("position_id", Integer, ForeignKey("position.id"), primary_key=True),
)
staff_act_position = Table(
    "staff_act_position",
    Model.metadata,
    Column("staff_act_id", Integer, ForeignKey("staff_act.id"), primary_key=True),
    Column("position_id", Integer, ForeignKey("position.id"), primary_key=True),
)


class Position(Model):
    """A post on the staff list: учитель, заместитель директора по УВР, …"""

    __tablename__ = "position"
    id = Column(Integer, primary_key=True)
    name = Column(String(120), unique=True, nullable=False)

    def __str__(self):
        return self.name


class Staff(PersonName, Model):
    __tablename__ = "staff"
    id = Column(Integer, primary_key=True)
    last_name = Column(String(60), nullable=False)
    first_name = Column(String(60), nullable=False)
    middle_name = Column(String(60))
    birth_date = Column(Date)
    phone = Column(String(40))
    email = Column(String(120))
    user_id = Column(Integer, ForeignKey("ab_user.id"), unique=True)
    hired_on = Column(Date)
    dismissed_on = Column(Date)

    user = relationship("User")
    positions = relationship("Position", secondary=staff_position, order_by="Position.name")
    acts = relationship("StaffAct", back_populates="staff", order_by="StaffAct.effective_on")
    attestations = relationship("Attestation", back_populates="staff", order_by="Attestation.decided_on")
    courses = relationship("TrainingCourse", back_populates="staff", order_by="TrainingCourse.finished_on")

    @property
    def is_active(self):
        """Working today: hired, and not dismissed (or dismissed from a later date)."""
        return self.hired_on is not None and (self.dismissed_on is None or self.dismissed_on > today())

    @property
    def positions_text(self):
        return ", ".join(p.name for p in self.positions)

    @property
    def status_text(self):
        if self.dismissed_on and self.dismissed_on <= today():
            return f"уволен(а) с {fmt_date(self.dismissed_on)}"
        if self.dismissed_on:
            return f"работает, увольнение с {fmt_date(self.dismissed_on)}"
        return "работает"


class StaffAct(Model):
    """A hire, transfer or dismissal by the director's order; never edited, never deleted."""

    __tablename__ = "staff_act"
    id = Column(Integer, primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff.id"), nullable=False, index=True)
    kind = Column(String(12), nullable=False)
    effective_on = Column(Date, nullable=False)
    order_no = Column(String(30), nullable=False)
    order_date = Column(Date, nullable=False)
    note = Column(Text)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)

    staff = relationship("Staff", back_populates="acts")
    positions = relationship("Position", secondary=staff_act_position)
    created_by = relationship("User")

    @property
    def kind_text(self):
        return STAFF_ACTS.get(self.kind, self.kind)

    @property
    def order_text(self):
        return f"приказ № {self.order_no} от {fmt_date(self.order_date)}"

    @property
    def positions_text(self):
        return ", ".join(p.name for p in self.positions)


class Attestation(Model):
    """Staff attestation, entered by deputies (001 3.7.8)."""

    __tablename__ = "attestation"
    id = Column(Integer, primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff.id"), nullable=False, index=True)
    category = Column(String(60), nullable=False)
    decided_on = Column(Date, nullable=False)
    valid_until = Column(Date)
    order_no = Column(String(30))
    staff = relationship("Staff", back_populates="attestations")


class TrainingCourse(Model):
    """A completed course of professional development (курсы повышения квалификации)."""

    __tablename__ = "training_course"
    id = Column(Integer, primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff.id"), nullable=False, index=True)
    title = Column(String(300), nullable=False)
    provider = Column(String(200))
    hours = Column(Integer)
    finished_on = Column(Date, nullable=False)
    certificate_no = Column(String(60))
    staff = relationship("Staff", back_populates="courses")


class Student(PersonName, Model):
    __tablename__ = "student"
    id = Column(Integer, primary_key=True)
    last_name = Column(String(60), nullable=False)
    first_name = Column(String(60), nullable=False)
    middle_name = Column(String(60))
    birth_date = Column(Date, nullable=False)
    pd_consent = Column(Boolean, nullable=False, default=False)
    pd_consent_on = Column(Date)
    phone = Column(String(40))
    email = Column(String(120))
    address = Column(String(300))
    user_id = Column(Integer, ForeignKey("ab_user.id"), unique=True)
    # The current class (kept in step with the open enrollment by app/registers.py).
    classgroup_id = Column(Integer, ForeignKey("classgroup.id"), index=True)
    admitted_on = Column(Date)
    withdrawn_on = Column(Date)

    user = relationship("User")
    classgroup = relationship("ClassGroup")
    enrollments = relationship("Enrollment", back_populates="student", order_by="Enrollment.starts_on")
    acts = relationship("StudentAct", back_populates="student", order_by="StudentAct.effective_on")
    guardianships = relationship("Guardianship", back_populates="student")

    @property
    def classgroup_name(self):
        return self.classgroup.name if self.classgroup else "—"

    @property
    def status_text(self):
        if self.withdrawn_on:
            return f"выбыл(а) {fmt_date(self.withdrawn_on)}"
        return "обучается"

    @property
    def guardians_text(self):
        return "; ".join(f"{g.guardian.full_name} ({g.kinship}), {g.guardian.phone or 'нет телефона'}"
                         for g in self.guardianships)

    @property
    def class_teacher_name(self):
        teacher = self.classgroup.class_teacher if self.classgroup else None
        return teacher.full_name if teacher else "—"

    def classes_ever(self):
        return [e.classgroup for e in self.enrollments]

    def enrollment_on(self, day):
        for e in self.enrollments:
            if e.starts_on <= day and (e.ends_on is None or day <= e.ends_on):
                return e
        return None


class Enrollment(Model):
    """Membership of a class from one date to another. Past lessons keep the old class."""

    __tablename__ = "enrollment"
    __table_args__ = (
        # One open enrollment per student: a second active class is impossible.
        Index(
            "uq_enrollment_open", "student_id", unique=True,
            sqlite_where=Column("ends_on").is_(None), postgresql_where=Column("ends_on").is_(None),
        ),
    )
    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    classgroup_id = Column(Integer, ForeignKey("classgroup.id"), nullable=False, index=True)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date)

    student = relationship("Student", back_populates="enrollments")
    classgroup = relationship("ClassGroup")


class StudentAct(Model):
    """An admission, transfer or withdrawal by the director's order; never edited, never deleted."""

    __tablename__ = "student_act"
    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    kind = Column(String(12), nullable=False)
    effective_on = Column(Date, nullable=False)
    order_no = Column(String(30), nullable=False)
    order_date = Column(Date, nullable=False)
    from_class_id = Column(Integer, ForeignKey("classgroup.id"))
    to_class_id = Column(Integer, ForeignKey("classgroup.id"))
    destination = Column(String(300))
    note = Column(Text)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)

    student = relationship("Student", back_populates="acts")
    from_class = relationship("ClassGroup", foreign_keys=[from_class_id])
    to_class = relationship("ClassGroup", foreign_keys=[to_class_id])
    created_by = relationship("User")

    @property
    def kind_text(self):
        return STUDENT_ACTS.get(self.kind, self.kind)

    @property
    def order_text(self):
        return f"приказ № {self.order_no} от {fmt_date(self.order_date)}"


class Guardian(PersonName, Model):
    """A parent or other legal representative (законный представитель)."""

    __tablename__ = "guardian"
    id = Column(Integer, primary_key=True)
    last_name = Column(String(60), nullable=False)
    first_name = Column(String(60), nullable=False)
    middle_name = Column(String(60))
    phone = Column(String(40))
    email = Column(String(120))
    address = Column(String(300))
    user_id = Column(Integer, ForeignKey("ab_user.id"), unique=True)

    user = relationship("User")
    guardianships = relationship("Guardianship", back_populates="guardian")

    @property
    def children_text(self):
        return ", ".join(f"{g.student.short_name} ({g.student.classgroup_name})" for g in self.guardianships)


class Guardianship(Model):
    __tablename__ = "guardianship"
    __table_args__ = (UniqueConstraint("student_id", "guardian_id", name="uq_guardianship"),)
    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    guardian_id = Column(Integer, ForeignKey("guardian.id"), nullable=False, index=True)
    kinship = Column(String(40), nullable=False, default="мать")

    student = relationship("Student", back_populates="guardianships")
    guardian = relationship("Guardian", back_populates="guardianships")

    def __str__(self):
        return f"{self.guardian} — {self.kinship} — {self.student}"


# ---------------------------------------------------------------- rules of staff development


def check_attestation(attestation):
    if attestation.staff is None:
        raise RuleError("Выберите сотрудника.", "staff")
    if attestation.valid_until and attestation.valid_until <= attestation.decided_on:
        raise RuleError("Срок действия должен заканчиваться позже даты решения.", "valid_until")


def check_training_course(course):
    if course.staff is None:
        raise RuleError("Выберите сотрудника.", "staff")
    if course.hours is not None and not 0 < course.hours <= 2000:
        raise RuleError("Часов — от 1 до 2000.", "hours")


def check_guardianship(link):
    if link.student is None:
        raise RuleError("Выберите ученика.", "student")
    if link.guardian is None:
        raise RuleError("Выберите родителя.", "guardian")
