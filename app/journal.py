"""The class journal's records: lessons, marks, attendance, homework, final marks,
the corrections that change them after their window, and the audit trail.

Journal rows are keyed to a lesson instance (date + lesson number + class or group),
so two lessons of one subject on one day are two lessons. Nothing here is ever
deleted: a removed mark or absence is *retracted* (it keeps its row, with who and
when), and every change is a `JournalChange` row: who, when, old → new, why, and
through which path (grid, form, API, import, correction).

The rules that write these records are in app/journal_entry.py; nothing else
writes them.
"""
from datetime import datetime

from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer,
    LargeBinary, Numeric, String, Text, UniqueConstraint, func,
)
from sqlalchemy.orm import relationship

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User  # noqa: F401  (mapped before "User" is named below)

from app.rules import fmt_date

ABSENCE_REASONS = {"Б": "болеет", "У": "по уважительной причине", "Н": "по неуважительной причине", "О": "опоздал"}
LATE = "О"
FINAL_KINDS = {"period": "за период", "year": "годовая", "exam": "экзаменационная", "final": "итоговая"}
CORRECTION_STATES = {"pending": "ждёт решения", "approved": "утверждено", "rejected": "отклонено"}
CHANGE_PATHS = {
    "grid": "журнал", "form": "форма", "api": "REST API", "import": "импорт",
    "correction": "исправление", "demo": "демо-данные", "timetable": "расписание",
}

# The work types every new school starts with (deputies edit them): name, short name,
# weight in the average, written (marked within 5 or 7 days, 004 «Учитель» г).
DEFAULT_WORK_TYPES = (
    ("Ответ на уроке", "Отв", 1, False),
    ("Домашняя работа", "ДР", 1, False),
    ("Самостоятельная работа", "СР", 1.5, True),
    ("Проверочная работа", "ПР", 1.5, True),
    ("Практическая работа", "Пр", 1.5, True),
    ("Лабораторная работа", "ЛР", 1.5, True),
    ("Диктант", "Дикт", 2, True),
    ("Сочинение", "Соч", 2, True),
    ("Контрольная работа", "КР", 2, True),
)


def _now():
    return datetime.now()


class WorkType(Model):
    """Вид работы: what a mark was given for, with its weight in the average."""

    __tablename__ = "work_type"
    __table_args__ = (CheckConstraint("weight > 0 AND weight <= 10", name="ck_work_type_weight"),)
    id = Column(Integer, primary_key=True)
    name = Column(String(100), unique=True, nullable=False)
    short_name = Column(String(10), nullable=False)
    weight = Column(Numeric(3, 1), nullable=False, default=1)
    written = Column(Boolean, nullable=False, default=False)
    active = Column(Boolean, nullable=False, default=True)

    def __str__(self):
        return self.name


class PlanTopic(Model):
    """A topic of the scheme of work (КТП) of a subject in a grade."""

    __tablename__ = "plan_topic"
    __table_args__ = (UniqueConstraint("subject_id", "grade", "number", name="uq_plan_topic"),)
    id = Column(Integer, primary_key=True)
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=False)
    grade = Column(Integer, nullable=False)
    number = Column(Integer, nullable=False)
    title = Column(String(300), nullable=False)

    subject = relationship("Subject")

    def __str__(self):
        return f"{self.number}. {self.title}"


class Lesson(Model):
    """One lesson that took place (or will): the unit every journal record hangs on."""

    __tablename__ = "lesson"
    __table_args__ = (
        UniqueConstraint("assignment_id", "date", "number", name="uq_lesson_slot"),
        CheckConstraint("number BETWEEN 0 AND 12", name="ck_lesson_number"),
        Index("ix_lesson_class_date", "classgroup_id", "date"),
    )
    id = Column(Integer, primary_key=True)
    assignment_id = Column(Integer, ForeignKey("teaching_assignment.id"), nullable=False, index=True)
    # Copied from the assignment so that lists and the diary filter without joins.
    classgroup_id = Column(Integer, ForeignKey("classgroup.id"), nullable=False)
    subgroup_id = Column(Integer, ForeignKey("subgroup.id"))
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=False)
    teacher_id = Column(Integer, ForeignKey("staff.id"), nullable=False, index=True)
    # The colleague who covers this one lesson (004 «Учитель» б); set by the timetable.
    substitute_id = Column(Integer, ForeignKey("staff.id"), index=True)
    # True when a deputy cancelled the lesson (app/timetable.py, a «cancel» substitution);
    # NULL for a lesson held as planned, so the column came without rewriting old rows.
    cancelled = Column(Boolean)
    # The timetable slot that made this lesson (app/timetable.py); NULL for a lesson added by
    # hand, which regenerating the timetable therefore never removes.
    slot_id = Column(Integer, ForeignKey("timetable_slot.id", name="fk_lesson_slot"))
    date = Column(Date, nullable=False)
    number = Column(Integer, nullable=False)
    topic = Column(String(500), nullable=False, default="")
    plan_topic_id = Column(Integer, ForeignKey("plan_topic.id"))
    # The work type new marks of this lesson get unless the teacher picks another.
    work_type_id = Column(Integer, ForeignKey("work_type.id"))
    created_at = Column(DateTime, nullable=False, default=_now)

    assignment = relationship("TeachingAssignment")
    classgroup = relationship("ClassGroup")
    subgroup = relationship("Subgroup")
    subject = relationship("Subject")
    teacher = relationship("Staff", foreign_keys=[teacher_id])
    substitute = relationship("Staff", foreign_keys=[substitute_id])
    plan_topic = relationship("PlanTopic")
    work_type = relationship("WorkType")
    homework = relationship("Homework", back_populates="lesson", uselist=False)

    @property
    def group_name(self):
        if self.subgroup is not None:
            return f"{self.classgroup.name}, {self.subgroup.name}"
        return self.classgroup.name if self.classgroup else ""

    @property
    def date_text(self):
        return fmt_date(self.date)

    def __str__(self):
        return f"{self.subject} — {self.group_name}, {fmt_date(self.date)}, {self.number}-й урок"


class Homework(Model):
    """Домашнее задание given at a lesson; files are kept in the database so that every
    application server behind a balancer serves them."""

    __tablename__ = "homework"
    id = Column(Integer, primary_key=True)
    lesson_id = Column(Integer, ForeignKey("lesson.id"), nullable=False, unique=True)
    text = Column(Text, nullable=False, default="")
    due_on = Column(Date)
    updated_at = Column(DateTime, nullable=False, default=_now, onupdate=_now)
    updated_by_id = Column(Integer, ForeignKey("ab_user.id"))

    lesson = relationship("Lesson", back_populates="homework")
    files = relationship("HomeworkFile", back_populates="homework", order_by="HomeworkFile.id")

    def __str__(self):
        return self.text


class HomeworkFile(Model):
    __tablename__ = "homework_file"
    id = Column(Integer, primary_key=True)
    homework_id = Column(Integer, ForeignKey("homework.id"), nullable=False, index=True)
    filename = Column(String(255), nullable=False)
    content_type = Column(String(100), nullable=False)
    size = Column(Integer, nullable=False)
    data = Column(LargeBinary, nullable=False)
    uploaded_at = Column(DateTime, nullable=False, default=_now)
    uploaded_by_id = Column(Integer, ForeignKey("ab_user.id"))
    retracted_at = Column(DateTime)

    homework = relationship("Homework", back_populates="files")


class JournalRecord:
    """What marks, absences and final marks share: who made them, a version for
    conflicting saves, and retraction instead of deletion."""

    created_at = Column(DateTime, nullable=False, default=_now)
    updated_at = Column(DateTime, nullable=False, default=_now)
    version = Column(Integer, nullable=False, default=1)
    retracted_at = Column(DateTime)

    @property
    def is_active(self):
        return self.retracted_at is None


class Mark(JournalRecord, Model):
    """Отметка: a value of the school's scale for one student's work at one lesson."""

    __tablename__ = "mark"
    __table_args__ = (Index("ix_mark_lesson_student", "lesson_id", "student_id"),
                      Index("ix_mark_student", "student_id"))
    id = Column(Integer, primary_key=True)
    lesson_id = Column(Integer, ForeignKey("lesson.id"), nullable=False)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    work_type_id = Column(Integer, ForeignKey("work_type.id"), nullable=False)
    value = Column(String(6), nullable=False)
    comment = Column(String(500), nullable=False, default="")
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))

    lesson = relationship("Lesson")
    student = relationship("Student")
    work_type = relationship("WorkType")

    def __str__(self):
        return self.value


class Absence(JournalRecord, Model):
    """A student missing (or late for) one lesson. `reason` is Б/У/Н/О, or empty
    until the class teacher learns why."""

    __tablename__ = "absence"
    __table_args__ = (
        Index("uq_absence_active", "lesson_id", "student_id", unique=True,
              sqlite_where=Column("retracted_at").is_(None),
              postgresql_where=Column("retracted_at").is_(None)),
        Index("ix_absence_student", "student_id"),
    )
    id = Column(Integer, primary_key=True)
    lesson_id = Column(Integer, ForeignKey("lesson.id"), nullable=False)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    reason = Column(String(1))
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))

    lesson = relationship("Lesson")
    student = relationship("Student")

    @property
    def code(self):
        """What the journal cell shows: «н» until a reason is known, else the reason."""
        return self.reason or "н"

    def __str__(self):
        return self.code


class FinalMark(JournalRecord, Model):
    """Итоговая отметка: for a period, the year, the exam, or the final one."""

    __tablename__ = "final_mark"
    __table_args__ = (
        Index("uq_final_mark_active", "student_id", "subject_id", "school_year_id", "kind",
              func.coalesce(Column("period_id"), 0), unique=True,
              sqlite_where=Column("retracted_at").is_(None),
              postgresql_where=Column("retracted_at").is_(None)),
        Index("ix_final_mark_subject", "subject_id", "school_year_id"),
    )
    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=False)
    school_year_id = Column(Integer, ForeignKey("school_year.id"), nullable=False)
    kind = Column(String(10), nullable=False)
    period_id = Column(Integer, ForeignKey("period.id"))
    value = Column(String(6), nullable=False)
    comment = Column(String(500), nullable=False, default="")
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))

    student = relationship("Student")
    subject = relationship("Subject")
    school_year = relationship("SchoolYear")
    period = relationship("Period")

    @property
    def kind_text(self):
        if self.kind == "period" and self.period is not None:
            return self.period.title
        return FINAL_KINDS.get(self.kind, self.kind)

    def __str__(self):
        return self.value


class Correction(Model):
    """Исправление: a change asked for after its entry window, with a reason; it applies
    only when a deputy or the director approves it (004 ж, 000 4.4)."""

    __tablename__ = "correction"
    id = Column(Integer, primary_key=True)
    record = Column(String(12), nullable=False)  # mark, absence, final_mark
    record_id = Column(Integer)  # None: a mark (absence, final mark) that was never entered
    lesson_id = Column(Integer, ForeignKey("lesson.id"))
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    work_type_id = Column(Integer, ForeignKey("work_type.id"))
    subject_id = Column(Integer, ForeignKey("subject.id"))
    period_id = Column(Integer, ForeignKey("period.id"))
    final_kind = Column(String(10))
    old_value = Column(String(20), nullable=False, default="")
    new_value = Column(String(20), nullable=False, default="")  # empty: remove the record
    reason = Column(Text, nullable=False)
    status = Column(String(10), nullable=False, default="pending")
    requested_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    requested_at = Column(DateTime, nullable=False, default=_now)
    decided_by_id = Column(Integer, ForeignKey("ab_user.id"))
    decided_at = Column(DateTime)
    decision_note = Column(String(500), nullable=False, default="")

    lesson = relationship("Lesson")
    student = relationship("Student")
    work_type = relationship("WorkType")
    subject = relationship("Subject")
    period = relationship("Period")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def status_text(self):
        return CORRECTION_STATES.get(self.status, self.status)

    @property
    def change_text(self):
        return f"{self.old_value or '—'} → {self.new_value or '—'}"

    @property
    def what_text(self):
        if self.lesson is not None:
            return str(self.lesson)
        return f"{self.subject}, {FINAL_KINDS.get(self.final_kind, '')} {self.period.title if self.period else ''}".strip()

    def __str__(self):
        return f"{self.student}: {self.change_text}"


class JournalChange(Model):
    """The audit trail: one row for every change of a mark, absence, final mark or lesson."""

    __tablename__ = "journal_change"
    __table_args__ = (Index("ix_journal_change_student", "student_id", "at"),
                      Index("ix_journal_change_lesson", "lesson_id"))
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=_now)
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    record = Column(String(12), nullable=False)
    record_id = Column(Integer, nullable=False)
    student_id = Column(Integer, ForeignKey("student.id"))
    lesson_id = Column(Integer, ForeignKey("lesson.id"))
    field = Column(String(20), nullable=False, default="value")
    old_value = Column(Text, nullable=False, default="")
    new_value = Column(Text, nullable=False, default="")
    reason = Column(Text, nullable=False, default="")
    path = Column(String(12), nullable=False)
    correction_id = Column(Integer, ForeignKey("correction.id"))

    user = relationship("User")
    student = relationship("Student")
    lesson = relationship("Lesson")

    @property
    def change_text(self):
        return f"{self.old_value or '—'} → {self.new_value or '—'}"

    @property
    def path_text(self):
        return CHANGE_PATHS.get(self.path, self.path)


def ensure_work_types(session):
    """Give a school without work types the default list; an existing list is left alone."""
    if session.query(WorkType.id).first() is None:
        session.add_all(WorkType(name=n, short_name=s, weight=w, written=wr) for n, s, w, wr in DEFAULT_WORK_TYPES)
        session.flush()


def check_work_type(session, work_type):
    from app.rules import RuleError, require

    require(work_type.name, "Укажите название вида работы.", "name")
    require(work_type.short_name, "Укажите сокращение, например «КР».", "short_name")
    work_type.name, work_type.short_name = work_type.name.strip(), work_type.short_name.strip()
    if work_type.weight is None or not 0 < float(work_type.weight) <= 10:
        raise RuleError("Вес — число больше 0 и не больше 10.", "weight")
    twin = session.query(WorkType.id).filter(WorkType.name == work_type.name,
                                             WorkType.id != (work_type.id or 0)).first()
    if twin:
        raise RuleError("Такой вид работы уже есть.", "name")
