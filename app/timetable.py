"""Timetable and substitutions (issue 4): the bell schedule, the school calendar, the weekly
timetable with its history, lessons generated from it, teacher absences and substitutions.

Deputies form the timetable and record substitutions (001 3.7.3); a substitute fills in the
journal of the one lesson they cover (004 «Учитель» б): `substitute()` sets
`Lesson.substitute_id`, and security/policy.py already lets that person write that lesson.

Rules only, no HTTP. Every function takes the session, raises RuleError with a Russian
message and stores nothing on refusal (callers roll back). Callers commit.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import (
    CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, String, Time,
    UniqueConstraint, and_, bindparam, delete, func, insert, or_, select, update,
)
from sqlalchemy.orm import joinedload, relationship

from flask_appbuilder import Model

from app.journal import Absence, Correction, Homework, JournalChange, Lesson, Mark
from app.people import Staff
from app.rules import Conflict, RuleError, fmt_date, require, today
from app.structure import ClassGroup, Period, TeachingAssignment

SHIFTS = (1, 2)
CALENDAR_KINDS = {"holiday": "каникулы / праздник", "workday": "перенесённый рабочий день"}
ABSENCE_KINDS = {"illness": "болезнь", "course": "курсы", "trip": "командировка", "other": "другое"}
SUBSTITUTION_KINDS = {"teacher": "замена учителя", "subject": "замена предмета",
                      "merge": "объединение с другой группой", "cancel": "урок отменён"}
# Kinds that put a colleague in front of the class: these are the pay basis.
PAID_KINDS = ("teacher", "subject")
WEEKDAYS = {1: "понедельник", 2: "вторник", 3: "среда", 4: "четверг", 5: "пятница", 6: "суббота"}
WEEKDAYS_ON = {1: "в понедельник", 2: "во вторник", 3: "в среду", 4: "в четверг", 5: "в пятницу",
               6: "в субботу"}
PATH = "timetable"  # journal_change.path of what the timetable writes


def _now():
    return datetime.now()


def week_days():
    """School days of an ordinary week: 5 (Mon–Fri), or 6 where TIMETABLE_WEEK_DAYS says so."""
    return current_app.config.get("TIMETABLE_WEEK_DAYS", 5) if has_app_context() else 5


# ------------------------------------------------------------------ models


class Bell(Model):
    """Расписание звонков: when lesson N of a shift starts and ends."""

    __tablename__ = "bell"
    __table_args__ = (
        UniqueConstraint("shift", "number", name="uq_bell_number"),
        CheckConstraint("shift IN (1, 2)", name="ck_bell_shift"),
        CheckConstraint("number BETWEEN 0 AND 12", name="ck_bell_number"),
        CheckConstraint("ends_at > starts_at", name="ck_bell_times"),
    )
    id = Column(Integer, primary_key=True)
    shift = Column(Integer, nullable=False, default=1)
    number = Column(Integer, nullable=False)
    starts_at = Column(Time, nullable=False)
    ends_at = Column(Time, nullable=False)

    @property
    def times_text(self):
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def __str__(self):
        return f"{self.shift} смена, {self.number}-й урок {self.times_text}"


class CalendarDay(Model):
    """A day that differs from the ordinary week: a holiday (no lessons), or a working day
    moved to a weekend that follows the timetable of `as_weekday`."""

    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("as_weekday IS NULL OR as_weekday BETWEEN 1 AND 6", name="ck_calendar_weekday"),)
    id = Column(Integer, primary_key=True)
    date = Column(Date, nullable=False, unique=True)
    kind = Column(String(10), nullable=False, default="holiday")
    as_weekday = Column(Integer)
    note = Column(String(300), nullable=False, default="")

    @property
    def kind_text(self):
        return CALENDAR_KINDS.get(self.kind, self.kind)

    def __str__(self):
        return f"{fmt_date(self.date)}: {self.kind_text}"


class TimetableSlot(Model):
    """One weekly lesson of an assignment: weekday × lesson number, in a room, valid from a
    date to a date (open-ended). A change closes the slot and opens a new one, so the
    timetable of any past day can be read back."""

    __tablename__ = "timetable_slot"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 6", name="ck_slot_weekday"),
        CheckConstraint("number BETWEEN 0 AND 12", name="ck_slot_number"),
        Index("ix_timetable_slot_time", "weekday", "number"),
    )
    id = Column(Integer, primary_key=True)
    assignment_id = Column(Integer, ForeignKey("teaching_assignment.id"), nullable=False, index=True)
    weekday = Column(Integer, nullable=False)
    number = Column(Integer, nullable=False)
    room = Column(String(20))
    valid_from = Column(Date, nullable=False)
    valid_to = Column(Date)
    created_at = Column(DateTime, nullable=False, default=_now)

    assignment = relationship("TeachingAssignment")

    def valid_on(self, day):
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def when_text(self):
        return f"{WEEKDAYS_ON.get(self.weekday, self.weekday)} {self.number}-м уроком"

    def __str__(self):
        a = self.assignment
        return f"{a.subject} — {_group_name(a)}, {a.teacher.short_name}, {self.when_text}"


class TeacherAbsence(Model):
    """A teacher away (ill, at a course, on a business trip), entered by a deputy."""

    __tablename__ = "teacher_absence"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ck_teacher_absence_dates"),
                      Index("ix_teacher_absence_dates", "starts_on", "ends_on"))
    id = Column(Integer, primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff.id"), nullable=False, index=True)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    kind = Column(String(10), nullable=False, default="illness")
    note = Column(String(500), nullable=False, default="")
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_at = Column(DateTime, nullable=False, default=_now)

    staff = relationship("Staff")

    @property
    def kind_text(self):
        return ABSENCE_KINDS.get(self.kind, self.kind)

    def __str__(self):
        return f"{self.staff.short_name}: {self.kind_text}, {fmt_date(self.starts_on)} – {fmt_date(self.ends_on)}"


class Substitution(Model):
    """Замена урока. One open substitution per lesson; replacing it closes the old one
    (closed_at), so who covered a lesson is never lost. `version` counts the lesson's
    substitutions: a deputy saves against the version they saw."""

    __tablename__ = "substitution"
    __table_args__ = (
        Index("uq_substitution_open", "lesson_id", unique=True,
              sqlite_where=Column("closed_at").is_(None), postgresql_where=Column("closed_at").is_(None)),
        Index("ix_substitution_substitute", "substitute_id"),
    )
    id = Column(Integer, primary_key=True)
    lesson_id = Column(Integer, ForeignKey("lesson.id"), nullable=False, index=True)
    kind = Column(String(10), nullable=False)
    substitute_id = Column(Integer, ForeignKey("staff.id"))
    subject_id = Column(Integer, ForeignKey("subject.id"))
    merged_with_id = Column(Integer, ForeignKey("lesson.id"))
    note = Column(String(500), nullable=False, default="")
    version = Column(Integer, nullable=False, default=1)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_at = Column(DateTime, nullable=False, default=_now)
    closed_at = Column(DateTime)
    closed_by_id = Column(Integer, ForeignKey("ab_user.id"))

    lesson = relationship("Lesson", foreign_keys=[lesson_id])
    substitute = relationship("Staff")
    subject = relationship("Subject")
    merged_with = relationship("Lesson", foreign_keys=[merged_with_id])

    @property
    def kind_text(self):
        return SUBSTITUTION_KINDS.get(self.kind, self.kind)

    def __str__(self):
        if self.kind == "cancel":
            return self.kind_text
        if self.kind == "merge":
            return f"{self.kind_text}: {self.merged_with}"
        subject = f", {self.subject}" if self.subject is not None else ""
        return f"{self.kind_text}: {self.substitute.short_name}{subject}"


# ------------------------------------------------------------------ bells and calendar


def check_bell(session, bell):
    if bell.shift not in SHIFTS:
        raise RuleError("Смена — первая или вторая.", "shift")
    if bell.number is None or not 0 <= bell.number <= 12:
        raise RuleError("Номер урока — от 0 до 12.", "number")
    require(bell.starts_at, "Укажите время начала урока.", "starts_at")
    require(bell.ends_at, "Укажите время окончания урока.", "ends_at")
    if bell.ends_at <= bell.starts_at:
        raise RuleError("Урок должен заканчиваться позже, чем начинается.", "ends_at")
    others = session.scalars(select(Bell).where(Bell.shift == bell.shift, Bell.id != (bell.id or 0))).all()
    for other in others:
        if other.number == bell.number:
            raise RuleError(f"{bell.number}-й урок {bell.shift} смены уже есть в расписании звонков.", "number")
        before, after = other.number < bell.number, other.number > bell.number
        if (before and other.ends_at > bell.starts_at) or (after and other.starts_at < bell.ends_at):
            raise RuleError(f"Время пересекается с {other.number}-м уроком ({other.times_text}).", "starts_at")


def check_calendar_day(session, day):
    require(day.date, "Укажите дату.", "date")
    if day.kind not in CALENDAR_KINDS:
        raise RuleError("Вид дня — каникулы/праздник или перенесённый рабочий день.", "kind")
    if day.kind == "workday":
        if day.date.isoweekday() <= week_days():
            raise RuleError(f"{fmt_date(day.date)} — и так учебный день: перенести рабочий день можно "
                            "только на выходной.", "date")
        if day.as_weekday is None or not 1 <= day.as_weekday <= week_days():
            raise RuleError("Укажите, по расписанию какого дня недели работает перенесённый день.", "as_weekday")
    else:
        day.as_weekday = None
    twin = session.scalar(select(CalendarDay.id).where(CalendarDay.date == day.date,
                                                       CalendarDay.id != (day.id or 0)))
    if twin:
        raise RuleError(f"{fmt_date(day.date)} уже есть в календаре.", "date")


def school_days(session, start, end):
    """{date: weekday whose timetable it follows} for every school day from start to end:
    the ordinary week minus holidays, plus working days moved to a weekend. One query."""
    special = {d.date: d for d in session.scalars(
        select(CalendarDay).where(CalendarDay.date >= start, CalendarDay.date <= end))}
    days, day, last_weekday = {}, start, week_days()
    while day <= end:
        mark = special.get(day)
        if mark is not None and mark.kind == "workday":
            days[day] = mark.as_weekday
        elif mark is None and day.isoweekday() <= last_weekday:
            days[day] = day.isoweekday()
        day += timedelta(days=1)
    return days


def is_school_day(session, day):
    return day in school_days(session, day, day)


# ------------------------------------------------------------------ the timetable


def _group_name(assignment):
    cls = assignment.classgroup
    return f"{cls.name}, {assignment.subgroup.name}" if assignment.subgroup is not None else cls.name


def _slot_text(slot):
    a = slot.assignment
    since = f"с {fmt_date(slot.valid_from)}" + (f" по {fmt_date(slot.valid_to)}" if slot.valid_to else "")
    return f"«{a.subject}» в {_group_name(a)} (учитель {a.teacher.short_name}, {since})"


def check_slot(session, slot):
    """The slot's own values, then conflicts with slots at the same time whose validity overlaps."""
    assignment = require(slot.assignment, "Укажите нагрузку: класс, предмет и учителя.", "assignment")
    if slot.weekday is None or not 1 <= slot.weekday <= max(week_days(), 5):
        raise RuleError("День недели — с понедельника по пятницу (или субботу при шестидневке).", "weekday")
    if slot.number is None or not 0 <= slot.number <= 12:
        raise RuleError("Номер урока — от 0 до 12.", "number")
    bells = set(session.scalars(select(Bell.number)))
    if bells and slot.number not in bells:
        raise RuleError(f"{slot.number}-го урока нет в расписании звонков (есть уроки "
                        f"{', '.join(str(n) for n in sorted(bells))}).", "number")
    slot.room = (slot.room or "").strip() or None
    _check_validity(slot, assignment.classgroup.school_year)
    for other in _overlapping(session, slot):
        _check_conflict(slot, other)


def _check_validity(slot, year):
    require(slot.valid_from, "Укажите, с какой даты действует урок в расписании.", "valid_from")
    if slot.valid_to is not None and slot.valid_to < slot.valid_from:
        raise RuleError("Дата окончания действия раньше даты начала.", "valid_to")
    if not year.covers(slot.valid_from) or (slot.valid_to is not None and not year.covers(slot.valid_to)):
        raise RuleError(f"Расписание действует внутри учебного года {year.name} "
                        f"({fmt_date(year.starts_on)} – {fmt_date(year.ends_on)}).", "valid_from")


def _overlapping(session, slot):
    """Other slots at the same weekday and number whose validity overlaps this one's."""
    conditions = [TimetableSlot.weekday == slot.weekday, TimetableSlot.number == slot.number,
                  TimetableSlot.id != (slot.id or 0),
                  TimetableSlot.valid_to.is_(None) | (TimetableSlot.valid_to >= slot.valid_from)]
    if slot.valid_to is not None:
        conditions.append(TimetableSlot.valid_from <= slot.valid_to)
    return session.scalars(select(TimetableSlot).where(*conditions).options(
        joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.teacher),
        joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.classgroup),
        joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.subgroup),
        joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.subject),
    ).order_by(TimetableSlot.valid_from, TimetableSlot.id)).all()


def _check_conflict(slot, other):
    mine, theirs = slot.assignment, other.assignment
    when = slot.when_text
    if mine.teacher_id == theirs.teacher_id:
        raise RuleError(f"У учителя {mine.teacher.short_name} {when} уже стоит {_slot_text(other)}.", "number")
    if slot.room and other.room and slot.room.casefold() == other.room.casefold():
        raise RuleError(f"Кабинет {slot.room} {when} уже занят: {_slot_text(other)}.", "room")
    if mine.classgroup_id == theirs.classgroup_id and (
            mine.subgroup_id is None or theirs.subgroup_id is None or mine.subgroup_id == theirs.subgroup_id):
        raise RuleError(f"У {_group_name(mine)} {when} уже стоит {_slot_text(other)}.", "number")


def add_slot(session, assignment, weekday, number, valid_from, valid_to=None, room=None):
    slot = TimetableSlot(assignment=assignment, assignment_id=assignment.id if assignment else None,
                         weekday=weekday, number=number, room=room, valid_from=valid_from, valid_to=valid_to)
    check_slot(session, slot)
    session.add(slot)
    session.flush()
    return slot


def change_slot(session, slot, from_day, **changes):
    """The timetable changes from `from_day`: the slot is closed the day before and a new
    one (with `changes`: assignment, weekday, number, room, valid_to) opens, so the old
    timetable stays readable. A slot that starts on or after `from_day` is edited in place."""
    if from_day <= slot.valid_from:
        for name, value in changes.items():
            setattr(slot, name, value)
        slot.assignment_id = slot.assignment.id if slot.assignment else None
        check_slot(session, slot)
        session.flush()
        return slot
    values = {name: getattr(slot, name) for name in ("assignment", "weekday", "number", "room", "valid_to")}
    values.update(changes)
    new = TimetableSlot(valid_from=from_day, **values)
    new.assignment_id = new.assignment.id if new.assignment else None
    close_slot(session, slot, from_day - timedelta(days=1))
    check_slot(session, new)
    session.add(new)
    session.flush()
    return new


def close_slot(session, slot, last_day):
    """The slot ends with `last_day` (the lesson leaves the timetable from the next day)."""
    if last_day < slot.valid_from:
        raise RuleError(f"Урок стоит в расписании с {fmt_date(slot.valid_from)}: закрыть его раньше нельзя.",
                        "valid_to")
    slot.valid_to = last_day if slot.valid_to is None else min(slot.valid_to, last_day)
    session.flush()
    return slot


def slots_on(session, day, **where):
    """The slots in force on a day, filtered by columns of the assignment (classgroup_id=…, teacher_id=…)."""
    query = select(TimetableSlot).join(TimetableSlot.assignment).where(
        TimetableSlot.valid_from <= day, TimetableSlot.valid_to.is_(None) | (TimetableSlot.valid_to >= day),
        *(getattr(TeachingAssignment, name) == value for name, value in where.items()))
    return session.scalars(query.order_by(TimetableSlot.weekday, TimetableSlot.number, TimetableSlot.id)).all()


@dataclass
class HoursMismatch:
    assignment: TeachingAssignment
    slots: int

    @property
    def hours(self):
        return self.assignment.hours_per_week

    @property
    def hours_text(self):
        return _hours_text(self.hours)

    @property
    def matches(self):
        return Decimal(self.slots) == Decimal(self.hours)

    def __str__(self):
        return (f"{self.assignment.subject} — {_group_name(self.assignment)}: в расписании {self.slots} ч "
                f"в неделю, по нагрузке {_hours_text(self.hours)} ч")


def _hours_text(hours):
    return f"{Decimal(hours).normalize():f}".replace(".", ",")


def hours_mismatch(session, year, day=None):
    """Assignments of the year whose weekly slots (in force on `day`, by default today inside
    the year, else its first day) differ from their hours a week. A report, not an error."""
    day = day or (today() if year.covers(today()) else year.starts_on)
    counts = dict(session.execute(
        select(TimetableSlot.assignment_id, func.count()).where(
            TimetableSlot.valid_from <= day,
            TimetableSlot.valid_to.is_(None) | (TimetableSlot.valid_to >= day))
        .group_by(TimetableSlot.assignment_id)).all())
    assignments = session.scalars(
        select(TeachingAssignment).join(TeachingAssignment.classgroup)
        .where(ClassGroup.school_year_id == year.id)
        .options(joinedload(TeachingAssignment.classgroup), joinedload(TeachingAssignment.subgroup),
                 joinedload(TeachingAssignment.subject))
        .order_by(ClassGroup.grade, ClassGroup.letter, TeachingAssignment.id)).all()
    return [HoursMismatch(a, counts.get(a.id, 0)) for a in assignments
            if Decimal(counts.get(a.id, 0)) != Decimal(a.hours_per_week)]


# ------------------------------------------------------------------ lessons from the timetable


@dataclass
class Generation:
    """What generate_lessons did. `conflicts`: future lessons the timetable no longer has but
    that hold records (marks, attendance, topic, homework, a substitution): a deputy decides."""

    created: int = 0
    removed: int = 0
    kept: int = 0
    conflicts: list = field(default_factory=list)


def generate_lessons(session, writer, start, end, include_past=False):
    """Make the lessons of the school days from start to end from the slots in force on each
    day, idempotently. Future lessons (after today) that no slot makes any more are removed
    when empty and listed as conflicts otherwise. Days before today are the journal's record:
    they are skipped unless `include_past` (then missing lessons are added, none removed).
    Bulk statements per range, never per day or lesson (a year of a large school in seconds)."""
    from app.journal_entry import audit_lesson_changes

    if not writer.administration:
        raise RuleError("Уроки по расписанию создаёт заместитель директора или директор.", "start")
    require(start, "Укажите начало периода.", "start")
    require(end, "Укажите конец периода.", "end")
    if end < start:
        raise RuleError("Конец периода раньше начала.", "end")
    if not include_past:
        start = max(start, today())
    result = Generation()
    if end < start:
        return result
    wanted, assignments = _wanted_lessons(session, start, end)
    existing = {(a, d, n): (i, slot_id) for i, a, d, n, slot_id in session.execute(
        select(Lesson.id, Lesson.assignment_id, Lesson.date, Lesson.number, Lesson.slot_id)
        .where(Lesson.date >= start, Lesson.date <= end))}
    kept = wanted.keys() & existing.keys()
    result.kept = len(kept)
    _adopt(session, [(existing[k][0], wanted[k].id) for k in kept if existing[k][1] != wanted[k].id])
    new_keys = sorted(wanted.keys() - existing.keys(), key=lambda k: (k[1], k[2], k[0]))
    created = _insert_lessons(session, [(k, wanted[k].id) for k in new_keys], assignments)
    audit_lesson_changes(writer, PATH, [(i, i, "", _lesson_text(assignments[a], d, n)) for i, a, d, n in created],
                         session=session)
    result.created = len(created)
    # Only lessons the timetable made are its to remove: a lesson added by hand stays.
    stale = [i for k, (i, slot_id) in existing.items() if k not in wanted and k[1] > today() and slot_id]
    _remove_or_report(session, writer, stale, result)
    return result


def _adopt(session, pairs):
    """Point matching lessons at the slot in force now (one executemany): lessons made by
    hand or by an earlier slot of the same time become the timetable's."""
    if pairs:
        table = Lesson.__table__
        session.execute(update(table).where(table.c.id == bindparam("lesson")).values(slot_id=bindparam("slot")),
                        [{"lesson": i, "slot": s} for i, s in pairs])


def _wanted_lessons(session, start, end):
    """{(assignment id, date, number): slot} for the range, and the assignments by id."""
    days = school_days(session, start, end)
    slots = session.scalars(select(TimetableSlot).where(
        TimetableSlot.valid_from <= end, TimetableSlot.valid_to.is_(None) | (TimetableSlot.valid_to >= start))
        .options(joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.classgroup)
                 .joinedload(ClassGroup.school_year),
                 joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.subgroup),
                 joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.subject))).all()
    closed = _closed_days(session, start, end)
    by_weekday = defaultdict(list)
    for slot in slots:
        by_weekday[slot.weekday].append(slot)
    wanted, assignments = {}, {}
    for day, weekday in days.items():
        for slot in by_weekday.get(weekday, ()):
            a = slot.assignment
            year = a.classgroup.school_year
            if not slot.valid_on(day) or not year.covers(day) or year.closed or \
                    _in_closed_period(closed, year.id, a.classgroup.grade, day):
                continue
            wanted[a.id, day, slot.number] = slot
            assignments[a.id] = a
    return wanted, assignments


def _closed_days(session, start, end):
    """Closed periods overlapping the range: nothing is generated or removed inside them."""
    return session.scalars(select(Period).where(Period.closed.is_(True), Period.starts_on <= end,
                                                Period.ends_on >= start)).all()


def _in_closed_period(closed, year_id, grade, day):
    return any(p.school_year_id == year_id and p.grade_from <= grade <= p.grade_to
               and p.starts_on <= day <= p.ends_on for p in closed)


def _insert_lessons(session, keys, assignments):
    """All new lessons, from [((assignment id, date, number), slot id)], in one executemany;
    returns [(id, assignment id, date, number)]. The ids are read back with one query rather
    than INSERT … RETURNING: psycopg parses a 1,000-row RETURNING statement for seconds."""
    if not keys:
        return []
    now = _now()
    rows = [{"assignment_id": a, "classgroup_id": assignments[a].classgroup_id,
             "subgroup_id": assignments[a].subgroup_id, "subject_id": assignments[a].subject_id,
             "teacher_id": assignments[a].teacher_id, "date": d, "number": n, "topic": "", "created_at": now,
             "slot_id": slot_id}
            for (a, d, n), slot_id in keys]
    session.execute(insert(Lesson.__table__), rows)
    wanted = {k for k, _ in keys}
    first, last = min(k[1] for k in wanted), max(k[1] for k in wanted)
    made = session.execute(select(Lesson.id, Lesson.assignment_id, Lesson.date, Lesson.number).where(
        Lesson.date >= first, Lesson.date <= last, Lesson.created_at == now))
    return sorted((tuple(r) for r in made if (r[1], r[2], r[3]) in wanted), key=lambda r: r[0])


def _lesson_text(assignment, day, number):
    """str(Lesson) without loading it: «Предмет — класс, ДД.ММ.ГГГГ, N-й урок»."""
    return f"{assignment.subject} — {_group_name(assignment)}, {fmt_date(day)}, {number}-й урок"


def _lessons_with_records(session, ids):
    """Of these lesson ids, those with anything recorded on them (in chunks: SQLite's limit on parameters)."""
    ids, found = list(ids), set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for model in (Mark, Absence, Homework, Correction):
            found.update(session.scalars(select(model.lesson_id).where(model.lesson_id.in_(chunk))))
        found.update(session.scalars(select(Substitution.lesson_id).where(Substitution.lesson_id.in_(chunk))))
        found.update(session.scalars(select(Substitution.merged_with_id).where(
            Substitution.merged_with_id.in_(chunk))))
        found.update(session.scalars(select(Lesson.id).where(Lesson.id.in_(chunk), or_(
            Lesson.topic != "", Lesson.plan_topic_id.isnot(None), Lesson.work_type_id.isnot(None),
            Lesson.substitute_id.isnot(None), Lesson.cancelled.is_(True)))))
    return found


def _remove_or_report(session, writer, stale, result):
    from app.journal_entry import audit_lesson_changes

    if not stale:
        return
    recorded = _lessons_with_records(session, stale)
    result.conflicts = session.scalars(select(Lesson).where(Lesson.id.in_(recorded)).order_by(
        Lesson.date, Lesson.number, Lesson.classgroup_id)).all() if recorded else []
    doomed = [i for i in stale if i not in recorded]
    if not doomed:
        return
    texts = {l.id: str(l) for l in session.scalars(select(Lesson).where(Lesson.id.in_(doomed)).options(
        joinedload(Lesson.subject), joinedload(Lesson.classgroup), joinedload(Lesson.subgroup)))}
    for i in range(0, len(doomed), 500):
        chunk = doomed[i:i + 500]
        # The audit rows of a removed lesson stay (record_id keeps its id); only their link goes.
        session.execute(update(JournalChange).where(JournalChange.lesson_id.in_(chunk)).values(lesson_id=None))
        session.execute(delete(Lesson).where(Lesson.id.in_(chunk)))
    audit_lesson_changes(writer, PATH, [(i, None, texts[i], "") for i in doomed], session=session)
    result.removed = len(doomed)
    session.expire_all()


# ------------------------------------------------------------------ teacher absences


def check_teacher_absence(session, absence):
    require(absence.staff, "Укажите учителя.", "staff")
    require(absence.starts_on, "Укажите первый день отсутствия.", "starts_on")
    require(absence.ends_on, "Укажите последний день отсутствия.", "ends_on")
    if absence.ends_on < absence.starts_on:
        raise RuleError(f"Отсутствие не может закончиться ({fmt_date(absence.ends_on)}) раньше, чем начнётся "
                        f"({fmt_date(absence.starts_on)}).", "ends_on")
    if absence.kind not in ABSENCE_KINDS:
        raise RuleError(f"Причина — {', '.join(ABSENCE_KINDS.values())}.", "kind")
    other = session.scalar(select(TeacherAbsence).where(
        TeacherAbsence.staff_id == absence.staff.id, TeacherAbsence.id != (absence.id or 0),
        TeacherAbsence.starts_on <= absence.ends_on, TeacherAbsence.ends_on >= absence.starts_on))
    if other is not None:
        raise RuleError(f"У {absence.staff.short_name} уже отмечено отсутствие "
                        f"{fmt_date(other.starts_on)} – {fmt_date(other.ends_on)} ({other.kind_text}).", "starts_on")


def add_teacher_absence(session, writer, staff, starts_on, ends_on, kind="illness", note=""):
    if not writer.administration:
        raise RuleError("Отсутствие учителей отмечает заместитель директора или директор.", "staff")
    absence = TeacherAbsence(staff=staff, staff_id=staff.id if staff else None, starts_on=starts_on,
                             ends_on=ends_on, kind=kind, note=(note or "").strip()[:500],
                             created_by_id=writer.user_id)
    check_teacher_absence(session, absence)
    session.add(absence)
    session.flush()
    return absence


def _absent(staff_id, day):
    return select(TeacherAbsence.id).where(TeacherAbsence.staff_id == staff_id, TeacherAbsence.starts_on <= day,
                                           TeacherAbsence.ends_on >= day).exists()


def uncovered_lessons(session, start, end=None):
    """{date: [lessons]}: lessons of absent teachers on school days with no substitution
    (none open, not cancelled), by day, lesson number and class. One query for the range."""
    end = end or start
    days = school_days(session, start, end)
    absent = and_(TeacherAbsence.staff_id == Lesson.teacher_id, TeacherAbsence.starts_on <= Lesson.date,
                  TeacherAbsence.ends_on >= Lesson.date)
    lessons = session.scalars(
        select(Lesson).where(Lesson.date >= start, Lesson.date <= end, Lesson.substitute_id.is_(None),
                             Lesson.cancelled.isnot(True), select(TeacherAbsence.id).where(absent).exists(),
                             ~select(Substitution.id).where(Substitution.lesson_id == Lesson.id,
                                                            Substitution.closed_at.is_(None)).exists())
        .options(joinedload(Lesson.classgroup), joinedload(Lesson.subgroup), joinedload(Lesson.subject),
                 joinedload(Lesson.teacher))
        .join(ClassGroup, ClassGroup.id == Lesson.classgroup_id)
        .order_by(Lesson.date, Lesson.number, ClassGroup.grade, ClassGroup.letter, Lesson.id)).all()
    grouped = defaultdict(list)
    for lesson in lessons:
        if lesson.date in days:
            grouped[lesson.date].append(lesson)
    return dict(grouped)


# ------------------------------------------------------------------ substitutions


def _busy(staff_id, lesson):
    """The person teaches another lesson at that date and number: their own (not handed to
    somebody else, not cancelled) or one they cover."""
    return select(Lesson.id).where(
        Lesson.date == lesson.date, Lesson.number == lesson.number, Lesson.id != lesson.id,
        Lesson.cancelled.isnot(True), func.coalesce(Lesson.substitute_id, Lesson.teacher_id) == staff_id).exists()


def _working_on(day):
    return and_(Staff.hired_on.isnot(None), Staff.hired_on <= day,
                Staff.dismissed_on.is_(None) | (Staff.dismissed_on > day))


def free_teachers(session, lesson):
    """Who could cover the lesson: working that day, not absent, not teaching at that time;
    teachers of the lesson's subject first, then other teachers, then other staff, by name."""
    return [staff for staff, _ in offered_teachers(session, lesson)]


def offered_teachers(session, lesson):
    """free_teachers as (staff, teaches the lesson's subject) pairs, for pages that mark them."""
    subject_id = lesson.subject_id
    same_subject = select(TeachingAssignment.id).where(TeachingAssignment.teacher_id == Staff.id,
                                                       TeachingAssignment.subject_id == subject_id).exists()
    teaches = select(TeachingAssignment.id).where(TeachingAssignment.teacher_id == Staff.id).exists()
    rows = session.execute(
        select(Staff, same_subject, teaches).where(
            _working_on(lesson.date), Staff.id != lesson.teacher_id, ~_absent(Staff.id, lesson.date),
            ~_busy(Staff.id, lesson))).all()
    rows.sort(key=lambda r: (not r[1], not r[2], r[0].last_name, r[0].first_name, r[0].middle_name or ""))
    return [(r[0], bool(r[1])) for r in rows]


def current_substitution(session, lesson_id):
    return session.scalar(select(Substitution).where(Substitution.lesson_id == lesson_id,
                                                     Substitution.closed_at.is_(None)))


def substitution_version(session, lesson_id):
    """The version a deputy saw: how many substitutions the lesson has had (0: none)."""
    return session.scalar(select(func.coalesce(func.max(Substitution.version), 0))
                          .where(Substitution.lesson_id == lesson_id))


def substitute(session, writer, lesson, kind, substitute=None, subject=None, merged_with=None, note="",
               version=0):
    """Record a substitution for a lesson (a Lesson or its id). `version` is what the deputy
    saw (substitution_version): if somebody substituted the lesson since, nothing is stored
    and the deputy is told. The lesson row is locked while it is checked and written."""
    if not writer.administration:
        raise RuleError("Замены уроков записывает заместитель директора или директор.", "lesson")
    lesson = _locked_lesson(session, lesson)
    if kind not in SUBSTITUTION_KINDS:
        raise RuleError(f"Вид замены — {', '.join(SUBSTITUTION_KINDS.values())}.", "kind")
    _check_kind_fields(kind, substitute=substitute, subject=subject, merged_with=merged_with)
    if not is_school_day(session, lesson.date):
        raise RuleError(f"{fmt_date(lesson.date)} — выходной или каникулы: уроков нет, замена невозможна.", "lesson")
    previous = current_substitution(session, lesson.id)
    _check_version(session, lesson, previous, version)
    new = Substitution(lesson_id=lesson.id, kind=kind, note=(note or "").strip()[:500],
                       created_by_id=writer.user_id, version=substitution_version(session, lesson.id) + 1)
    _fill(session, new, lesson, substitute, subject, merged_with)
    if previous is not None:
        previous.closed_at, previous.closed_by_id = _now(), writer.user_id
        session.flush()  # the open one is closed before the new one opens (one open per lesson)
    old_text = str(previous) if previous is not None else ""
    lesson.substitute_id = new.substitute_id
    lesson.cancelled = kind == "cancel" or None
    session.add(new)
    session.flush()
    from app.journal_entry import audit_lesson_changes

    audit_lesson_changes(writer, PATH, [(lesson.id, lesson.id, old_text, str(new))], field="substitution",
                         session=session)
    _tell_substitutes(session, lesson, previous, new)
    return new


def _tell_substitutes(session, lesson, previous, new):
    """The colleague who now covers the lesson is told in the application and by email; one who
    covered it before and no longer does is told too. Sent after the deputy's commit."""
    from app.notifications import notify

    lesson_text = f"{lesson.subject} — {lesson.group_name}, {fmt_date(lesson.date)}, {lesson.number}-й урок"
    link = f"/timetable/my?day={lesson.date.isoformat()}"
    told = set()
    if new.substitute_id is not None:
        person = new.substitute or session.get(Staff, new.substitute_id)
        instead = f" вместо {lesson.teacher.short_name}" if lesson.teacher is not None else ""
        what = f" (вместо урока — {new.subject})" if new.kind == "subject" and new.subject is not None else ""
        if new.kind == "merge":
            what = f" (группа присоединяется к вашему уроку {new.merged_with.group_name})"
        if person is not None and person.user_id is not None:
            notify(session, person.user_id, "substitution",
                   f"Замена: вы проводите урок {lesson_text}{instead}{what}. Журнал этого урока открыт вам.",
                   link=link, email_subject=f"Замена урока {fmt_date(lesson.date)}: {lesson.group_name}, {lesson.subject}")
            told.add(person.id)
    if previous is not None and previous.substitute_id not in (None, new.substitute_id, *told):
        person = session.get(Staff, previous.substitute_id)
        if person is not None and person.user_id is not None:
            notify(session, person.user_id, "substitution",
                   f"Замена отменена: урок {lesson_text} проводите не вы ({new}).",
                   link=link, email_subject=f"Замена урока {fmt_date(lesson.date)} отменена")


# Which of the optional fields each kind takes (_fill); anything else is refused rather than
# dropped without a word.
KIND_FIELDS = {"teacher": {"substitute"}, "subject": {"substitute", "subject"}, "merge": {"merged_with"},
               "cancel": set()}
KIND_FIELD_LABELS = {"substitute": "замещающий учитель", "subject": "предмет",
                     "merged_with": "урок, с которым объединяют"}


def _check_kind_fields(kind, **given):
    for name, value in given.items():
        if value is not None and name not in KIND_FIELDS[kind]:
            raise RuleError(f"Для вида «{SUBSTITUTION_KINDS[kind]}» {KIND_FIELD_LABELS[name]} не указывается.", name)


def _locked_lesson(session, lesson):
    lesson_id = lesson.id if isinstance(lesson, Lesson) else lesson
    try:
        lesson_id = int(lesson_id)
    except (TypeError, ValueError):
        raise RuleError("Укажите урок.", "lesson") from None
    # FOR NO KEY UPDATE: two substitutions of the lesson queue, while marks and audit rows
    # that only reference the lesson are not blocked.
    found = session.scalar(select(Lesson).where(Lesson.id == lesson_id).with_for_update(of=Lesson, key_share=True)
                           .execution_options(populate_existing=True))
    if found is None:
        raise RuleError(f"Урок № {lesson_id} не найден: возможно, его уже убрали из расписания.", "lesson")
    return found


class SubstitutionConflict(Conflict):
    """Another deputy substituted the lesson after this one loaded it: nothing is stored."""


def _check_version(session, lesson, previous, version):
    seen = substitution_version(session, lesson.id)
    if int(version or 0) == seen:
        return
    what = f"«{previous}»" if previous is not None else "отмену замены"
    raise SubstitutionConflict(f"Пока вы заполняли форму, для урока {lesson} уже записали {what}. "
                    "Обновите страницу и проверьте замену.", "lesson")


def _fill(session, new, lesson, substitute, subject, merged_with):
    """Kind-specific fields and their rules."""
    if new.kind in ("teacher", "subject"):
        _check_substitute(session, lesson, substitute)
        new.substitute_id = substitute.id
        new.substitute = substitute
    if new.kind == "subject":
        require(subject, "Укажите предмет, который проведут вместо урока.", "subject")
        if subject.id == lesson.subject_id:
            raise RuleError("Предмет тот же: это замена учителя, а не предмета.", "subject")
        new.subject_id, new.subject = subject.id, subject
    if new.kind == "merge":
        other = _merge_target(session, lesson, merged_with)
        new.merged_with_id, new.merged_with = other.id, other
        # The teacher of the merged lesson has this group in front of them: they keep its journal.
        new.substitute_id = other.substitute_id or other.teacher_id


def _check_substitute(session, lesson, person):
    require(person, "Укажите замещающего учителя.", "substitute")
    if person.id == lesson.teacher_id:
        raise RuleError("Это учитель самого урока: выберите другого.", "substitute")
    if person.hired_on is None or person.hired_on > lesson.date or (
            person.dismissed_on is not None and person.dismissed_on <= lesson.date):
        raise RuleError(f"{person.short_name} не работает в школе {fmt_date(lesson.date)}.", "substitute")
    absence = session.scalar(select(TeacherAbsence).where(
        TeacherAbsence.staff_id == person.id, TeacherAbsence.starts_on <= lesson.date,
        TeacherAbsence.ends_on >= lesson.date))
    if absence is not None:
        raise RuleError(f"{person.short_name} отсутствует {fmt_date(lesson.date)} ({absence.kind_text}).",
                        "substitute")
    busy = session.scalar(select(Lesson).where(
        Lesson.date == lesson.date, Lesson.number == lesson.number, Lesson.id != lesson.id,
        Lesson.cancelled.isnot(True),
        func.coalesce(Lesson.substitute_id, Lesson.teacher_id) == person.id).limit(1))
    if busy is not None:
        raise RuleError(f"{person.short_name} {fmt_date(lesson.date)} {lesson.number}-м уроком уже ведёт "
                        f"урок: {busy.subject} — {busy.group_name}.", "substitute")


def _merge_target(session, lesson, merged_with):
    require(merged_with, "Укажите урок, с которым объединяют группу.", "merged_with")
    other_id = merged_with.id if isinstance(merged_with, Lesson) else merged_with
    other = session.get(Lesson, other_id)
    if other is None:
        raise RuleError(f"Урок № {other_id} не найден.", "merged_with")
    if other.id == lesson.id:
        raise RuleError("Урок нельзя объединить с самим собой.", "merged_with")
    if (other.date, other.number) != (lesson.date, lesson.number) or other.cancelled:
        raise RuleError("Объединить можно только с уроком, который идёт в то же время.", "merged_with")
    return other


# ------------------------------------------------------------------ reports


@dataclass
class SubstitutionHours:
    staff: Staff
    lessons: int


def substitution_hours(session, year, month):
    """Lessons covered per teacher in a calendar month (the basis of their pay): open
    substitutions of a teacher or a subject (a merge or a cancellation adds no lesson)."""
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    rows = session.execute(
        select(Staff, func.count(Substitution.id)).join(Substitution, Substitution.substitute_id == Staff.id)
        .join(Lesson, Lesson.id == Substitution.lesson_id)
        .where(Substitution.closed_at.is_(None), Substitution.kind.in_(PAID_KINDS),
               Lesson.date >= first, Lesson.date <= last)
        .group_by(Staff.id).order_by(Staff.last_name, Staff.first_name, Staff.middle_name)).all()
    return [SubstitutionHours(staff, count) for staff, count in rows]


@dataclass
class DayChange:
    """One line of the staff room's changes sheet: a lesson of the day that is not held as
    the timetable says (substituted, merged, cancelled) or still has nobody to teach it."""

    lesson_id: int
    number: int
    times: str
    group: str
    subject: str
    teacher: str
    change: str
    replacement: str
    room: str
    note: str
    shift: int = 1

    @property
    def uncovered(self):
        return self.change == UNCOVERED


# The change of a lesson of an absent teacher that nobody covers yet.
UNCOVERED = "замена не назначена"


def _bell_times(session):
    return {(b.shift, b.number): b.times_text for b in session.scalars(select(Bell))}


def day_changes(session, day):
    """The changes sheet of a day, ordered by lesson number and class: open substitutions and
    lessons of absent teachers that nobody covers yet («замена не назначена»)."""
    subs = session.scalars(
        select(Substitution).join(Lesson, Lesson.id == Substitution.lesson_id)
        .where(Lesson.date == day, Substitution.closed_at.is_(None))
        .options(joinedload(Substitution.lesson).joinedload(Lesson.classgroup),
                 joinedload(Substitution.lesson).joinedload(Lesson.subgroup),
                 joinedload(Substitution.lesson).joinedload(Lesson.subject),
                 joinedload(Substitution.lesson).joinedload(Lesson.teacher),
                 joinedload(Substitution.substitute), joinedload(Substitution.subject),
                 joinedload(Substitution.merged_with).joinedload(Lesson.classgroup),
                 joinedload(Substitution.merged_with).joinedload(Lesson.subgroup),
                 joinedload(Substitution.merged_with).joinedload(Lesson.subject))).all()
    uncovered = uncovered_lessons(session, day).get(day, [])
    lessons = [s.lesson for s in subs] + uncovered
    rooms = _rooms_of(session, lessons)
    bells = _bell_times(session)
    rows = [_change_row(s.lesson, s, rooms, bells) for s in subs]
    rows += [_change_row(lesson, None, rooms, bells) for lesson in uncovered]
    return sorted(rows, key=lambda r: (r.shift, r.number, r.group, r.subject))


def _rooms_of(session, lessons):
    slot_ids = {lesson.slot_id for lesson in lessons if lesson.slot_id}
    if not slot_ids:
        return {}
    return dict(session.execute(select(TimetableSlot.id, TimetableSlot.room)
                                .where(TimetableSlot.id.in_(slot_ids))).all())


def _change_row(lesson, sub, rooms, bells):
    shift = getattr(lesson.classgroup, "shift", 1) or 1
    if sub is None:
        change, replacement = UNCOVERED, "—"
    elif sub.kind == "cancel":
        change, replacement = SUBSTITUTION_KINDS["cancel"], "—"
    elif sub.kind == "merge":
        other = sub.merged_with
        change, replacement = SUBSTITUTION_KINDS["merge"], f"{other.subject} — {other.group_name}"
    else:
        subject = f", {sub.subject}" if sub.kind == "subject" and sub.subject is not None else ""
        change, replacement = sub.kind_text, f"{sub.substitute.short_name}{subject}"
    return DayChange(lesson_id=lesson.id, number=lesson.number, times=bells.get((shift, lesson.number), ""),
                     group=lesson.group_name, subject=str(lesson.subject), teacher=lesson.teacher.short_name,
                     change=change, replacement=replacement, room=rooms.get(lesson.slot_id) or "",
                     note=sub.note if sub is not None else "", shift=shift)


# ------------------------------------------------------------------ weeks as pages show them


def week_of(day):
    """Monday and the last school day (Friday, or Saturday in a six-day week) of the week of `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=week_days() - 1)


class WeekPaging:
    """The weeks before and after one beginning on `monday` (the timetable's and the diary's pages)."""

    @property
    def previous(self):
        return self.monday - timedelta(days=7)

    @property
    def following(self):
        return self.monday + timedelta(days=7)


@dataclass
class Week(WeekPaging):
    """A week of a class or a teacher: the slots in force during it and the lessons it holds,
    each lesson with its open substitution. Cells are keyed (weekday, lesson number)."""

    monday: date
    last_day: date
    slots: dict = field(default_factory=dict)    # (weekday, number) → [TimetableSlot]
    lessons: dict = field(default_factory=dict)  # (weekday, number) → [Lesson]
    substitutions: dict = field(default_factory=dict)  # lesson id → Substitution
    bells: dict = field(default_factory=dict)    # (shift, number) → "08:00–08:45"
    holidays: dict = field(default_factory=dict)  # date → note

    @property
    def days(self):
        return [self.monday + timedelta(days=i) for i in range((self.last_day - self.monday).days + 1)]

    @property
    def numbers(self):
        used = {n for _, n in self.slots} | {n for _, n in self.lessons} | {n for _, n in self.bells}
        return sorted(used) or list(range(1, 8))


_LESSON_LOAD = (joinedload(Lesson.classgroup), joinedload(Lesson.subgroup), joinedload(Lesson.subject),
                joinedload(Lesson.teacher), joinedload(Lesson.substitute))
_SLOT_LOAD = (joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.subject),
              joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.teacher),
              joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.subgroup),
              joinedload(TimetableSlot.assignment).joinedload(TeachingAssignment.classgroup))


def _in_week(monday, last_day):
    return and_(TimetableSlot.valid_from <= last_day,
                TimetableSlot.valid_to.is_(None) | (TimetableSlot.valid_to >= monday))


def read_week(session, day, classgroup_id=None, staff_id=None):
    """The week of a class (classgroup_id) or of a teacher (staff_id: lessons they teach or
    cover, slots they teach), read in five statements whatever the school's size."""
    monday, last_day = week_of(day)
    week = Week(monday, last_day, bells=_bell_times(session))
    mine = (TeachingAssignment.classgroup_id == classgroup_id) if classgroup_id else (
        TeachingAssignment.teacher_id == staff_id)
    for slot in session.scalars(select(TimetableSlot).join(TimetableSlot.assignment)
                                .where(mine, _in_week(monday, last_day)).options(*_SLOT_LOAD)
                                .order_by(TimetableSlot.valid_from, TimetableSlot.id)):
        week.slots.setdefault((slot.weekday, slot.number), []).append(slot)
    lessons_of = (Lesson.classgroup_id == classgroup_id) if classgroup_id else or_(
        Lesson.teacher_id == staff_id, Lesson.substitute_id == staff_id)
    lessons = session.scalars(select(Lesson).where(lessons_of, Lesson.date >= monday, Lesson.date <= last_day)
                              .options(*_LESSON_LOAD).order_by(Lesson.date, Lesson.number, Lesson.id)).all()
    for lesson in lessons:
        week.lessons.setdefault((lesson.date.isoweekday(), lesson.number), []).append(lesson)
    week.substitutions = {s.lesson_id: s for s in session.scalars(
        select(Substitution).join(Lesson, Lesson.id == Substitution.lesson_id)
        .where(lessons_of, Lesson.date >= monday, Lesson.date <= last_day, Substitution.closed_at.is_(None))
        .options(joinedload(Substitution.substitute), joinedload(Substitution.subject)))}
    week.holidays = {d.date: d.note or d.kind_text for d in session.scalars(
        select(CalendarDay).where(CalendarDay.date >= monday, CalendarDay.date <= last_day,
                                  CalendarDay.kind == "holiday"))}
    return week


def class_hours(session, classgroup_id, day):
    """The class's assignments with their weekly slots in force on `day` and their hours a week."""
    counts = dict(session.execute(
        select(TimetableSlot.assignment_id, func.count()).join(TimetableSlot.assignment)
        .where(TeachingAssignment.classgroup_id == classgroup_id, TimetableSlot.valid_from <= day,
               TimetableSlot.valid_to.is_(None) | (TimetableSlot.valid_to >= day))
        .group_by(TimetableSlot.assignment_id)).all())
    assignments = session.scalars(
        select(TeachingAssignment).where(TeachingAssignment.classgroup_id == classgroup_id)
        .options(joinedload(TeachingAssignment.subject), joinedload(TeachingAssignment.subgroup),
                 joinedload(TeachingAssignment.teacher), joinedload(TeachingAssignment.classgroup))
        .order_by(TeachingAssignment.subject_id, TeachingAssignment.subgroup_id)).all()
    return [HoursMismatch(a, counts.get(a.id, 0)) for a in assignments]
