"""The diary (issue 5): what parents and students read of their own child, and when they
last opened it (001 3.5.5). Rules only, no HTTP; who sees which child is security/policy.py.

The diary is read-only (001 3.10, 004 3.6): a week day by day (lesson times, subject, teacher
or substitute, room, topic, homework with its files, the child's marks with work type and
weight, absences and lateness, approved corrections), and a period subject by subject (marks,
the weighted average as the journal computes it, final marks, attendance totals, corrections
as «было → стало»). Each page reads a fixed number of SQL statements whatever the size of the
school, as plain rows with statements built once (like app/grid.py): parents open the diary
far more often than teachers open the journal.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import (Column, DateTime, ForeignKey, Integer, String, and_, bindparam, cast, func, literal, or_,
                        select, true)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from flask_appbuilder import Model

from app.extensions import db
from app.formatting import average_text
from app.grid import PERIOD_FIELDS, alphabetical, choose_period
from app.journal import FINAL_KINDS, LATE, Absence, Correction, FinalMark, Homework, HomeworkFile
from app.journal import Lesson, Mark, WorkType
from app.journal_entry import weighted_average
from app.messages import Message, MessageRecipient
from app.people import Enrollment, Guardian, Guardianship, Staff, Student
from app.rules import fmt_date, today
from app.structure import ClassGroup, Period, SchoolYear, Subject, subgroup_student
from app.timetable import SUBSTITUTION_KINDS, Bell, CalendarDay, Substitution, TimetableSlot, WeekPaging, week_of


def _now():
    return datetime.now()


class DiaryVisit(Model):
    """When a parent or student last opened the diary (001 3.5.5: the class teacher sees whether
    parents read it). One row per login, updated on each opening."""

    __tablename__ = "diary_visit"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, unique=True)
    first_opened_at = Column(DateTime, nullable=False, default=_now)
    last_opened_at = Column(DateTime, nullable=False, default=_now)
    visits = Column(Integer, nullable=False, default=1)


WEEKDAY_NAMES = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
ILL = "Б"
# What a parent reads for each attendance code of the journal (None: absent, reason not known yet).
ABSENCE_TEXT = {None: "отсутствовал(а), причина пока не указана", "Б": "отсутствовал(а): болеет",
                "У": "отсутствовал(а) по уважительной причине", "Н": "отсутствовал(а) по неуважительной причине",
                LATE: "опоздал(а) на урок"}
UNREAD_SHOWN = 3  # the reading page lists this many of a person's latest unread messages


def full_name_of(last_name, first_name, middle_name):
    return " ".join(p for p in (last_name, first_name, middle_name) if p)


def weight_text(weight):
    """1, 1,5, 2: a work type's weight as the school writes it."""
    return f"{weight.normalize():f}".replace(".", ",") if weight is not None else ""


def clock_text(moment):
    return f"{moment.hour:02d}:{moment.minute:02d}"


def datetime_text(moment):
    """ДД.ММ.ГГГГ ЧЧ:ММ."""
    return f"{fmt_date(moment)} {clock_text(moment)}" if moment else ""


# ------------------------------------------------------------------ whose diary


@dataclass(slots=True)
class Child:
    """A student as the diary's header and switcher need them: a plain row."""

    id: int
    last_name: str
    first_name: str
    middle_name: str
    classgroup_id: int
    grade: int
    letter: str
    school_year_id: int

    @property
    def full_name(self):
        return full_name_of(self.last_name, self.first_name, self.middle_name)

    @property
    def class_name(self):
        return f"{self.grade}{self.letter}" if self.grade else ""


def children(condition):
    """The students matching a condition of security/policy.py, alphabetically, in one statement."""
    rows = db.session.execute(
        select(Student.id, Student.last_name, Student.first_name, Student.middle_name, Student.classgroup_id,
               ClassGroup.grade, ClassGroup.letter, ClassGroup.school_year_id)
        .outerjoin(ClassGroup, ClassGroup.id == Student.classgroup_id).where(condition)).all()
    return sorted((Child(*row) for row in rows), key=alphabetical)


# ------------------------------------------------------------------ a week, day by day


@dataclass(slots=True)
class DiaryMark:
    id: int
    value: str
    comment: str
    entered_at: datetime
    work_type: str
    short_name: str
    weight: object
    written: bool
    teacher: str
    date: object = None
    subject: str = ""

    @property
    def weight_text(self):
        return weight_text(self.weight)

    @property
    def date_text(self):
        return fmt_date(self.date)

    @property
    def entered_text(self):
        return datetime_text(self.entered_at)


@dataclass(slots=True)
class DiaryLesson:
    id: int
    date: object
    number: int
    times: str
    subject: str
    teacher: str
    substitute: str
    change: str  # «замена учителя», «урок отменён», … or empty
    cancelled: bool
    room: str
    topic: str
    homework: str
    due_on: object
    files: list
    marks: list = field(default_factory=list)
    absence: object = None  # the journal's code: «н», Б, У, Н, О
    absence_text: str = ""
    corrections: list = field(default_factory=list)

    @property
    def room_text(self):
        """«каб. 204», but «Спортзал» as it is."""
        return f"каб. {self.room}" if self.room[:1].isdigit() else self.room

    @property
    def who_teaches(self):
        """Who stands in front of the class: the substitute when there is one."""
        return self.substitute or self.teacher


@dataclass(slots=True)
class DiaryDay:
    date: object
    lessons: list
    holiday: str  # the calendar's note of a day off, else empty
    is_today: bool

    @property
    def weekday(self):
        return WEEKDAY_NAMES[self.date.weekday()]

    @property
    def date_text(self):
        return fmt_date(self.date)


@dataclass
class DiaryWeek(WeekPaging):
    child: Child
    monday: object
    last_day: object
    days: list
    today: object

    @property
    def is_current(self):
        return self.monday <= self.today <= self.monday + timedelta(days=6)


def _in_groups(student):
    """A lesson of the whole class, or of a group the student learns in."""
    return or_(Lesson.subgroup_id.is_(None), Lesson.subgroup_id.in_(
        select(subgroup_student.c.subgroup_id).where(subgroup_student.c.student_id == student)))


def _lessons_of(student):
    """FROM enrollment JOIN lesson: the student's lessons in the classes they were in on each
    lesson's date. Starting from the student's few enrollments lets the database reach the
    lessons by (class, date) instead of scanning a year of the school's lessons."""
    in_class = and_(Lesson.classgroup_id == Enrollment.classgroup_id, Lesson.date >= Enrollment.starts_on,
                    or_(Enrollment.ends_on.is_(None), Lesson.date <= Enrollment.ends_on))
    return select().select_from(Enrollment).join(Lesson, in_class).where(
        Enrollment.student_id == student, _in_groups(student))


MARK_COLUMNS = (Mark.lesson_id, Mark.id, Mark.value, Mark.comment, Mark.created_at, WorkType.name,
                WorkType.short_name, WorkType.weight, WorkType.written)
# A row of the week begins with the child's absence at the lesson and one of their marks there;
# the lesson's own columns follow.
CHILD_COLUMNS = (Absence.id, Absence.reason, *MARK_COLUMNS[1:])


def _week_statements():
    """Built once with parameters: building a statement costs more than running it on SQLite.
    The week is three statements: the lessons with the child's absence and marks, the approved
    corrections, the calendar. Marks and absences had statements of their own, each a round trip
    and a pass through SQLAlchemy (0.2–0.4 ms on PostgreSQL) for a dozen rows; folding the
    corrections and the calendar in as well saved nothing measurable, so they stay plain."""
    student = bindparam("student")
    teacher, substitute, other_subject = aliased(Staff), aliased(Staff), aliased(Subject)
    files = (select(func.aggregate_strings(cast(HomeworkFile.id, String) + ":" + HomeworkFile.filename, "\n"))
             .where(HomeworkFile.homework_id == Homework.id, HomeworkFile.retracted_at.is_(None)).scalar_subquery())
    # One row per lesson and each of the child's marks at it (a lesson without marks: one row
    # with empty mark columns). A student has at most one absence a lesson (uq_absence_active),
    # so joining it repeats nothing. Marks and absences are reached by (lesson, student), as
    # ix_mark_lesson_student and uq_absence_active are keyed.
    week = (_lessons_of(student).add_columns(
                *CHILD_COLUMNS,
                Lesson.id, Lesson.date, Lesson.number, Lesson.topic, Lesson.cancelled, Subject.name,
                teacher.last_name, teacher.first_name, teacher.middle_name,
                substitute.last_name, substitute.first_name, substitute.middle_name,
                Bell.starts_at, Bell.ends_at, TimetableSlot.room, Homework.text, Homework.due_on, files,
                Substitution.kind, other_subject.name)
            .join(ClassGroup, ClassGroup.id == Lesson.classgroup_id)
            .join(Subject, Subject.id == Lesson.subject_id)
            .join(teacher, teacher.id == Lesson.teacher_id)
            .outerjoin(substitute, substitute.id == Lesson.substitute_id)
            .outerjoin(Bell, and_(Bell.shift == ClassGroup.shift, Bell.number == Lesson.number))
            .outerjoin(TimetableSlot, TimetableSlot.id == Lesson.slot_id)
            .outerjoin(Homework, Homework.lesson_id == Lesson.id)
            .outerjoin(Substitution, and_(Substitution.lesson_id == Lesson.id, Substitution.closed_at.is_(None)))
            .outerjoin(other_subject, other_subject.id == Substitution.subject_id)
            .outerjoin(Absence, and_(Absence.lesson_id == Lesson.id, Absence.student_id == student,
                                     Absence.retracted_at.is_(None)))
            .outerjoin(Mark, and_(Mark.lesson_id == Lesson.id, Mark.student_id == student,
                                  Mark.retracted_at.is_(None)))
            .outerjoin(WorkType, WorkType.id == Mark.work_type_id)
            .where(Lesson.date.between(bindparam("start"), bindparam("end")))
            .order_by(Lesson.date, Lesson.number, Lesson.id, Mark.id))
    # By the lessons' dates rather than a list of their ids: the same SQL text every week, which
    # PostgreSQL prepares once, and no wait for the first statement's answer to build it.
    corrections = (select(Correction.lesson_id, Correction.old_value, Correction.new_value, Correction.decided_at,
                          Correction.reason)
                   .join(Lesson, Lesson.id == Correction.lesson_id)
                   .where(Correction.student_id == student, Correction.status == "approved",
                          Lesson.date.between(bindparam("start"), bindparam("end")))
                   .order_by(Correction.decided_at, Correction.id))
    calendar = select(CalendarDay.date, CalendarDay.kind, CalendarDay.note).where(
        CalendarDay.date.between(bindparam("start"), bindparam("end")))
    return {"week": week, "corrections": corrections, "calendar": calendar}


def read_week(child, day):
    """The child's school week around `day` (Monday to the last school day, and a weekend day
    made a working day), in three statements."""
    monday, last_day = week_of(day)
    values = {"student": child.id, "start": monday, "end": monday + timedelta(days=6)}
    run = db.session.connection().execute
    by_id, width = {}, len(CHILD_COLUMNS)
    for row in run(WEEK["week"], values):  # by date and number, a lesson's marks in the order given
        lesson = by_id.get(row[width])
        if lesson is None:
            lesson = by_id[row[width]] = _lesson(row[width:])
            absence_id, reason = row[0], row[1]
            if absence_id is not None:
                lesson.absence, lesson.absence_text = reason or "н", ABSENCE_TEXT.get(reason, "")
        if row[2] is not None:  # a mark
            lesson.marks.append(_mark(row[2:width], lesson.who_teaches, lesson.date, lesson.subject))
    for lesson_id, old, new, decided_at, reason in run(WEEK["corrections"], values):
        if lesson_id in by_id:  # a lesson of the week the child is not in has no place on the page
            by_id[lesson_id].corrections.append(DiaryCorrection(decided_at, "", old, new, reason))
    calendar = run(WEEK["calendar"], values).all()
    return DiaryWeek(child, monday, last_day, _days(monday, last_day, list(by_id.values()), calendar), today())


def _lesson(row):
    (lesson_id, day, number, topic, cancelled, subject, t_last, t_first, t_middle, s_last, s_first, s_middle,
     starts_at, ends_at, room, homework, due_on, files, kind, other_subject) = row
    return DiaryLesson(
        lesson_id, day, number, f"{clock_text(starts_at)}–{clock_text(ends_at)}" if starts_at else "", subject,
        full_name_of(t_last, t_first, t_middle), full_name_of(s_last, s_first, s_middle) if s_last else "",
        _change(cancelled, kind, other_subject, s_last), bool(cancelled), room or "", topic or "",
        homework or "", due_on, _files(files))


def _change(cancelled, kind, other_subject, substitute):
    """What the timetable changed about a lesson, in the words of the staff room's sheet."""
    if cancelled or kind == "cancel":
        return SUBSTITUTION_KINDS["cancel"]
    if kind == "subject" and other_subject:
        return f"{SUBSTITUTION_KINDS['subject']}: {other_subject}"
    if kind:
        return SUBSTITUTION_KINDS.get(kind, kind)
    return SUBSTITUTION_KINDS["teacher"] if substitute else ""


def _files(names):
    """Homework files from «id:name» lines (app/grid.py reads them the same way)."""
    if not names:
        return []
    pairs = (line.split(":", 1) for line in names.split("\n") if ":" in line)
    return sorted(({"id": int(i), "filename": name} for i, name in pairs), key=lambda f: f["id"])


def _mark(row, teacher, day=None, subject=""):
    mark_id, value, comment, entered_at, work_type, short_name, weight, written = row
    return DiaryMark(mark_id, value, comment or "", entered_at, work_type, short_name, weight, bool(written), teacher,
                     day, subject)


def _days(monday, last_day, lessons, calendar):
    """Monday to the last school day, plus a weekend day that holds lessons (a moved working day)."""
    holidays = {day: note or "выходной день" for day, kind, note in calendar if kind == "holiday"}
    extra = {day for day, kind, _ in calendar if kind == "workday"} | {lesson.date for lesson in lessons}
    by_day = {}
    for lesson in lessons:
        by_day.setdefault(lesson.date, []).append(lesson)
    dates = sorted({monday + timedelta(days=i) for i in range((last_day - monday).days + 1)}
                   | {d for d in extra if d > last_day})
    now = today()
    return [DiaryDay(d, by_day.get(d, []), holidays.get(d, ""), d == now) for d in dates]


WEEK = _week_statements()


# ------------------------------------------------------------------ a period, subject by subject


@dataclass(slots=True)
class SubjectLine:
    subject: str
    lessons: int = 0  # held so far in the period (cancelled ones are not)
    marks: list = field(default_factory=list)
    missed: int = 0
    late: int = 0
    finals: list = field(default_factory=list)  # [(what, value)]

    @property
    def average(self):
        """The journal's weighted average (app/journal_entry.py), over the period's marks."""
        return weighted_average((m.value, m.weight) for m in self.marks)

    @property
    def average_text(self):
        return average_text(self.average)


@dataclass(slots=True)
class Attendance:
    """Attendance totals of a period: lessons missed (by reason) and late arrivals."""

    missed: int = 0
    ill: int = 0
    excused: int = 0
    unexcused: int = 0
    unknown: int = 0
    late: int = 0

    def add(self, reason):
        if reason == LATE:
            self.late += 1
            return
        self.missed += 1
        if reason == ILL:
            self.ill += 1
        elif reason == "У":
            self.excused += 1
        elif reason == "Н":
            self.unexcused += 1
        else:
            self.unknown += 1


@dataclass(slots=True)
class DiaryCorrection:
    decided_at: datetime
    what: str
    old_value: str
    new_value: str
    reason: str

    @property
    def change_text(self):
        """«было → стало», as the journal writes a correction."""
        return f"{self.old_value or '—'} → {self.new_value or '—'}"

    @property
    def date_text(self):
        return fmt_date(self.decided_at)


@dataclass
class DiaryPeriod:
    child: Child
    period: object  # a Period, or None when the child's grade has none
    periods: list
    subjects: list
    attendance: Attendance
    corrections: list

    @property
    def average_note(self):
        return "Средний балл — взвешенный по видам работ, как в журнале; подсказка учителю, а не отметка."


def _period_statements():
    student = bindparam("student")
    start, end = bindparam("start"), bindparam("end")
    teacher = aliased(Staff)
    periods = (select(*(getattr(Period, name) for name in PERIOD_FIELDS))
               .where(Period.school_year_id == bindparam("year"), Period.grade_from <= bindparam("grade"),
                      Period.grade_to >= bindparam("grade")).order_by(Period.starts_on))
    held = (_lessons_of(student).add_columns(Subject.name, func.count())
            .join(Subject, Subject.id == Lesson.subject_id)
            .where(Lesson.date.between(start, bindparam("held_until")), Lesson.cancelled.is_not(True))
            .group_by(Subject.name))
    # From the period's lessons to their marks by (lesson, student): a few hundred probes, where
    # the student's marks of the whole year would be read and most of them thrown away.
    marks = (_lessons_of(student).add_columns(*MARK_COLUMNS, Lesson.date, Subject.name, teacher.last_name,
                                              teacher.first_name, teacher.middle_name)
             .join(Mark, and_(Mark.lesson_id == Lesson.id, Mark.student_id == student, Mark.retracted_at.is_(None)))
             .join(WorkType, WorkType.id == Mark.work_type_id).join(Subject, Subject.id == Lesson.subject_id)
             .join(teacher, teacher.id == func.coalesce(Lesson.substitute_id, Lesson.teacher_id))
             .where(Lesson.date.between(start, end))
             .order_by(Lesson.date, Lesson.number, Mark.id))
    absences = (select(Subject.name, Absence.reason).join(Lesson, Lesson.id == Absence.lesson_id)
                .join(Subject, Subject.id == Lesson.subject_id)
                .where(Absence.student_id == student, Absence.retracted_at.is_(None), Lesson.date.between(start, end)))
    finals = (select(Subject.name, FinalMark.kind, FinalMark.period_id, FinalMark.value)
              .join(Subject, Subject.id == FinalMark.subject_id)
              .where(FinalMark.student_id == student, FinalMark.school_year_id == bindparam("year"),
                     FinalMark.retracted_at.is_(None),
                     or_(FinalMark.kind != "period", FinalMark.period_id == bindparam("period")))
              .order_by(FinalMark.id))
    corrections = _correction_statement(student, start, end)
    return {"periods": periods, "held": held, "marks": marks, "absences": absences, "finals": finals,
            "corrections": corrections}


def _correction_statement(student, start, end):
    """Approved corrections of the period: of its lessons, of its final marks, and of the year's
    final marks (which belong to no period)."""
    lesson_subject, final_subject, final_period = aliased(Subject), aliased(Subject), aliased(Period)
    of_period = or_(Lesson.date.between(start, end), Correction.period_id == bindparam("period"),
                    and_(Correction.lesson_id.is_(None), Correction.period_id.is_(None)))
    return (select(Correction.decided_at, Correction.old_value, Correction.new_value, Correction.reason,
                   Correction.record, Correction.final_kind, Lesson.date, Lesson.number, lesson_subject.name,
                   final_subject.name, final_period.number, final_period.kind)
            .outerjoin(Lesson, Lesson.id == Correction.lesson_id)
            .outerjoin(lesson_subject, lesson_subject.id == Lesson.subject_id)
            .outerjoin(final_subject, final_subject.id == Correction.subject_id)
            .outerjoin(final_period, final_period.id == Correction.period_id)
            .where(Correction.student_id == student, Correction.status == "approved", of_period)
            .order_by(Correction.decided_at.desc(), Correction.id.desc()))


def read_period(child, period_id=None):
    """The child's marks, averages, final marks, attendance and corrections of a period (the
    current one unless asked), in six statements."""
    run = db.session.connection().execute
    periods = [Period(**dict(zip(PERIOD_FIELDS, row))) for row in run(
        PERIOD["periods"], {"year": child.school_year_id, "grade": child.grade})] if child.grade else []
    period = choose_period(periods, period_id) if periods else None
    if period is None:
        return DiaryPeriod(child, None, periods, [], Attendance(), [])
    values = {"student": child.id, "start": period.starts_on, "end": period.ends_on, "period": period.id,
              "held_until": min(period.ends_on, today()), "year": child.school_year_id}
    lines = {}

    def line(subject):
        found = lines.get(subject)
        if found is None:
            found = lines[subject] = SubjectLine(subject)
        return found

    for subject, count in run(PERIOD["held"], values):
        line(subject).lessons = count
    for row in run(PERIOD["marks"], values):
        day, subject = row[9], row[10]
        line(subject).marks.append(_mark(row[1:9], full_name_of(*row[11:14]), day, subject))
    attendance = Attendance()
    for subject, reason in run(PERIOD["absences"], values):
        attendance.add(reason)
        if reason == LATE:
            line(subject).late += 1
        else:
            line(subject).missed += 1
    for subject, kind, final_period, value in run(PERIOD["finals"], values):
        line(subject).finals.append((period.title if kind == "period" else FINAL_KINDS.get(kind, kind), value))
    corrections = [_correction(row) for row in run(PERIOD["corrections"], values)]
    subjects = sorted(lines.values(), key=lambda item: item.subject.lower().replace("ё", "е\uffff"))
    return DiaryPeriod(child, period, periods, subjects, attendance, corrections)


def _correction(row):
    (decided_at, old, new, reason, record, final_kind, day, number, lesson_subject, final_subject,
     period_number, period_kind) = row
    if day is not None:
        what = f"{lesson_subject}, урок {fmt_date(day)}" + (", пропуск" if record == "absence" else "")
    else:
        kind = (Period(number=period_number, kind=period_kind).title if final_kind == "period" and period_number
                else FINAL_KINDS.get(final_kind, final_kind or ""))
        what = f"{final_subject}, итоговая отметка: {kind}"
    return DiaryCorrection(decided_at, what, old, new, reason)


PERIOD = _period_statements()


# ------------------------------------------------------------------ opening the diary


def _visit_statements():
    """INSERT … ON CONFLICT DO UPDATE for each dialect, built once (building it cost more than
    running it). inline(): the row's id is not wanted back, so PostgreSQL is not asked for it.

    On PostgreSQL the row comes FROM set_config('synchronous_commit', 'off', true), SET LOCAL
    as a function: one round trip to the server instead of two."""
    table, at, user = DiaryVisit.__table__, bindparam("at", type_=DateTime), bindparam("user", type_=Integer)
    columns = ("user_id", "first_opened_at", "last_opened_at", "visits")
    no_wait_for_disk = select(func.set_config("synchronous_commit", "off", true()).label("setting")).subquery()
    rows = {"postgresql": select(user, at, at, literal(1)).select_from(no_wait_for_disk),
            "sqlite": select(user, at, at, literal(1)).where(true())}  # WHERE: SQLite's upsert after a SELECT
    built = {}
    for dialect, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert)):
        statement = insert(table).from_select(columns, rows[dialect]).inline()
        built[dialect] = statement.on_conflict_do_update(
            index_elements=[table.c.user_id],
            set_={"last_opened_at": statement.excluded.last_opened_at, "visits": table.c.visits + 1})
    return built


VISIT = _visit_statements()


def record_visit(session, user_id, at=None):
    """One more opening of the diary by this login: one INSERT … ON CONFLICT DO UPDATE, so two
    openings at once both count (a read-then-write would lose one, or fail on the unique key).

    A visit is a note about reading, not journal data: on PostgreSQL its transaction's commit
    does not wait for the write-ahead log to reach the disk (set_config(…, true) is SET LOCAL:
    this transaction only, so call it where the transaction holds reads and the visit, nothing
    of the journal). A crash of the database server may lose the last fraction of a second of
    visits, never anything else; with other databases of the server writing, the commit's wait
    was most of the visit's cost."""
    connection = session.connection()
    connection.execute(VISIT[connection.dialect.name], {"user": user_id, "at": at or _now()})


# ------------------------------------------------------------------ who reads the diary (001 3.5.5)


@dataclass(slots=True)
class ClassChoice:
    id: int
    grade: int
    letter: str
    teacher_user_id: int
    teacher: str

    @property
    def name(self):
        return f"{self.grade}{self.letter}"


def current_classes(condition):
    """Classes of the current year matching a condition of security/policy.py, with the user of
    their class teacher (whose messages the page counts)."""
    rows = db.session.execute(
        select(ClassGroup.id, ClassGroup.grade, ClassGroup.letter, Staff.user_id,
               Staff.last_name, Staff.first_name, Staff.middle_name)
        .join(SchoolYear, SchoolYear.id == ClassGroup.school_year_id)
        .outerjoin(Staff, Staff.id == ClassGroup.class_teacher_id)
        .where(SchoolYear.is_current.is_(True), condition)
        .order_by(ClassGroup.grade, ClassGroup.letter)).all()
    return [ClassChoice(r[0], r[1], r[2], r[3], full_name_of(*r[4:7]) if r[4] else "") for r in rows]


@dataclass(slots=True)
class Reader:
    """A student or a parent of the class: their diary openings and the class teacher's letters."""

    name: str
    role: str  # «ученик» or the kinship: «мать», «отец», …
    user_id: int
    last_opened_at: datetime
    visits: int
    sent: int = 0
    read: int = 0
    unread: list = field(default_factory=list)  # [(subject, sent at)], newest first

    @property
    def last_opened_text(self):
        return datetime_text(self.last_opened_at) if self.last_opened_at else "ни разу"


@dataclass(slots=True)
class ReaderGroup:
    student: str
    readers: list


def reading_summary(groups):
    """(opened the diary at least once, have a login, everybody): the class's share of
    parents and students using the diary (001 3.4.6, 004 3.5)."""
    readers = [reader for group in groups for reader in group.readers]
    with_login = [reader for reader in readers if reader.user_id is not None]
    return sum(1 for reader in with_login if reader.last_opened_at), len(with_login), len(readers)


def _reading_statements():
    cls, users, author = bindparam("classgroup"), bindparam("users", expanding=True), bindparam("author")
    students = (select(Student.last_name, Student.first_name, Student.middle_name, Student.user_id,
                       DiaryVisit.last_opened_at, DiaryVisit.visits, Student.id)
                .outerjoin(DiaryVisit, DiaryVisit.user_id == Student.user_id).where(Student.classgroup_id == cls))
    guardians = (select(Guardian.last_name, Guardian.first_name, Guardian.middle_name, Guardian.user_id,
                        DiaryVisit.last_opened_at, DiaryVisit.visits, Guardianship.student_id, Guardianship.kinship)
                 .join(Guardianship, Guardianship.guardian_id == Guardian.id)
                 .join(Student, Student.id == Guardianship.student_id)
                 .outerjoin(DiaryVisit, DiaryVisit.user_id == Guardian.user_id)
                 .where(Student.classgroup_id == cls).order_by(Guardianship.id))
    from_author = and_(Message.author_id == author, MessageRecipient.recipient_id.in_(users))
    counts = (select(MessageRecipient.recipient_id, func.count(), func.count(MessageRecipient.read_at))
              .join(Message, Message.id == MessageRecipient.message_id).where(from_author)
              .group_by(MessageRecipient.recipient_id))
    ranked = (select(MessageRecipient.recipient_id, Message.subject, Message.created_at,
                     func.row_number().over(partition_by=MessageRecipient.recipient_id,
                                            order_by=Message.id.desc()).label("n"))
              .join(Message, Message.id == MessageRecipient.message_id)
              .where(from_author, MessageRecipient.read_at.is_(None)).subquery())
    unread = (select(ranked.c.recipient_id, ranked.c.subject, ranked.c.created_at)
              .where(ranked.c.n <= UNREAD_SHOWN).order_by(ranked.c.recipient_id, ranked.c.n))
    return {"students": students, "guardians": guardians, "counts": counts, "unread": unread}


def reading_activity(classgroup):
    """Per student of the class and each of their parents: the last opening of the diary and the
    class teacher's messages to them (read of sent, the latest unread). Four statements."""
    run = db.session.connection().execute
    values = {"classgroup": classgroup.id, "author": classgroup.teacher_user_id}
    students = run(READING["students"], values).all()
    guardians = run(READING["guardians"], values).all()
    groups, by_user = {}, {}
    for last, first, middle, user_id, opened, visits, student_id in sorted(students, key=alphabetical):
        groups[student_id] = ReaderGroup(full_name_of(last, first, middle),
                                         [Reader(full_name_of(last, first, middle), "ученик(ца)", user_id, opened,
                                                 visits or 0)])
    for last, first, middle, user_id, opened, visits, student_id, kinship in guardians:
        groups[student_id].readers.append(Reader(full_name_of(last, first, middle), kinship, user_id, opened,
                                                 visits or 0))
    for group in groups.values():
        for reader in group.readers:
            if reader.user_id is not None:
                by_user.setdefault(reader.user_id, []).append(reader)
    values["users"] = list(by_user)
    for user_id, sent, read in run(READING["counts"], values):
        for reader in by_user[user_id]:
            reader.sent, reader.read = sent, read
    for user_id, subject, sent_at in run(READING["unread"], values):
        for reader in by_user[user_id]:
            reader.unread.append((subject, sent_at))
    return list(groups.values())


READING = _reading_statements()


def homework_file(child, file_id):
    """A homework file of one of the child's own lessons (not retracted), or None: a family
    downloads only what its child's diary shows."""
    of_child = _lessons_of(bindparam("student")).add_columns(Lesson.id)
    return db.session.scalar(
        select(HomeworkFile).join(Homework, Homework.id == HomeworkFile.homework_id)
        .where(HomeworkFile.id == file_id, HomeworkFile.retracted_at.is_(None),
               Homework.lesson_id.in_(of_child)), {"student": child.id})
