"""The demo school's timetable (issue 4): bells, the 2026/27 calendar, the weekly timetable as
slots, and this week's teacher absences with their substitutions.

The weekly pattern is the one app/demo_journal.py laid the quarter's lessons out by, so the
slots and the lessons agree: every demo lesson points at its slot, and regenerating the
lessons from the slots over the demo's range changes nothing. The calendar is read from the
year's periods (holidays between them) and from demo_journal.HOLIDAYS, the days the journal
already skipped.

The official production calendar of 2027 is not adopted yet (it is due at the end of 2026);
the only working Saturday its draft names, 13.11.2027, is after this school year, so the
demo has no transferred working day. The days off moved by law (ТК РФ ст. 112) from 1 and
9 May 2027 (weekend days) to the Mondays after them are holidays here and in the journal.

Everything goes in with bulk inserts; the absences and substitutions go through the rules
of app/timetable.py, as a deputy would record them. Nothing is committed: the caller commits.
"""
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, delete, insert, or_, select, update

from app.demo_journal import DAYS, HOLIDAYS, LESSON_STARTS
from app.journal import JournalChange, Lesson
from app.structure import ClassGroup, Period, Subject, TeachingAssignment
from app.timetable import (
    PATH, SUBSTITUTION_KINDS, Bell, CalendarDay, Substitution, TeacherAbsence, TimetableSlot, add_teacher_absence,
    free_teachers, generate_lessons, substitute,
)
from security.policy import JournalWriter

LESSON_MINUTES = 45
SECOND_SHIFT_FROM = time(14, 0)  # bells of a second shift, should a class learn in it (none does yet)
SECOND_SHIFT_LESSONS = 6

HOLIDAY_NAMES = {
    (11, 4): "День народного единства",
    (12, 31): "Выходной день (перенесён с 04.01.2026)",
    **{(1, d): "Новогодние праздники" for d in (1, 2, 3, 4, 5, 6, 8)},
    (1, 7): "Рождество Христово",
    (2, 23): "День защитника Отечества",
    (3, 8): "Международный женский день",
    (5, 1): "Праздник Весны и Труда",
    (5, 3): "Выходной день (перенесён с 01.05.2027)",
    (5, 9): "День Победы",
    (5, 10): "Выходной день (перенесён с 09.05.2027)",
    (6, 12): "День России",
}
BREAKS = {10: "Осенние каникулы", 11: "Осенние каникулы", 12: "Зимние каникулы", 1: "Зимние каникулы",
          2: "Дополнительные каникулы", 3: "Весенние каникулы", 4: "Весенние каникулы"}
SUMMER = "Летние каникулы"

GYM, COMPUTERS = "Спортзал", "Компьютерный класс"
SUBJECT_ROOMS = {"Физическая культура": GYM, "Информатика": COMPUTERS}
# A class split into groups learns in its teachers' rooms: the languages on the third floor,
# «Труд» in the workshops.
GROUP_ROOMS = {"Иностранный язык (английский)": "31{n}", "Труд (технология)": "Мастерская {n}"}
ROOMS_A_FLOOR = 4

ILLNESS_NOTE = "Больничный лист"
COURSE_NOTE = "Курсы повышения квалификации в институте развития образования"


def create_demo_timetable(session, year, pattern, today, deputy, teacher=None, class_teacher=None):
    """Bells, calendar, slots (with the demo lessons linked to them) and this week's cover.

    `pattern`: demo_journal's weekly timetable {class id: {weekday 0–4: [(number, assignment)]}}.
    `deputy` records the absences and substitutions. The demo logins' teachers (`teacher`,
    `class_teacher`) are never absent; `teacher` never covers, and `class_teacher` covers one
    lesson of her own class, so that the demo shows a substitute's journal."""
    classes = session.scalars(select(ClassGroup).where(ClassGroup.school_year_id == year.id)
                              .order_by(ClassGroup.grade, ClassGroup.letter)).all()
    counts = {"bells": _create_bells(session, {c.shift or 1 for c in classes}),
              "calendar_days": _create_calendar(session, year)}
    slot_ids = _create_slots(session, year, classes, pattern or {})
    counts["slots"] = len(slot_ids)
    counts["linked_lessons"] = _link_lessons(session, slot_ids)
    writer = JournalWriter(None, deputy.id, administration=True)
    week_start = _school_week_start(today)
    # On a weekend the demo's lessons end with the past week: the coming week's lessons are
    # made from the timetable (empty), so the deputy has tomorrow's lessons to cover.
    counts["generated_lessons"] = generate_lessons(session, writer, today, week_start + timedelta(days=DAYS - 1)).created
    absences, substitutions = _cover_the_week(session, writer, week_start, teacher, class_teacher)
    counts.update(teacher_absences=absences, substitutions=substitutions)
    return counts


def _school_week_start(today):
    """Today on a school day; the next Monday on a weekend."""
    return today if today.weekday() < DAYS else today + timedelta(days=7 - today.weekday())


# ------------------------------------------------------------------ bells and calendar


def _bell_times(shift):
    if shift == 1:
        return LESSON_STARTS
    first = datetime.combine(date.min, SECOND_SHIFT_FROM)
    step = datetime.combine(date.min, LESSON_STARTS[1]) - datetime.combine(date.min, LESSON_STARTS[0])
    return tuple((first + n * step).time() for n in range(SECOND_SHIFT_LESSONS))


def _create_bells(session, shifts):
    rows = []
    for shift in sorted(shifts):
        for number, start in enumerate(_bell_times(shift), 1):
            end = (datetime.combine(date.min, start) + timedelta(minutes=LESSON_MINUTES)).time()
            rows.append({"shift": shift, "number": number, "starts_at": start, "ends_at": end})
    session.execute(insert(Bell), rows)
    return len(rows)


def _days_off(periods, starts_on, ends_on):
    """{date: note} of the year's days off: weekdays between the periods (no grade learns),
    the summer holidays after the last one, and demo_journal's public holidays."""
    days = {}
    day = starts_on
    while day <= ends_on:
        learning = any(p.starts_on <= day <= p.ends_on for p in periods)
        notes = []
        if not learning and day.weekday() < DAYS:
            after_all = all(p.ends_on < day for p in periods)
            notes.append(SUMMER if after_all else BREAKS.get(day.month, "Каникулы"))
        if (day.month, day.day) in HOLIDAYS:
            notes.append(HOLIDAY_NAMES.get((day.month, day.day), "Праздничный день"))
        if notes:
            days[day] = "; ".join(notes)
        day += timedelta(days=1)
    return days


def _create_calendar(session, year):
    periods = session.scalars(select(Period).where(Period.school_year_id == year.id)).all()
    days = _days_off(periods, year.starts_on, year.ends_on)
    if days:
        session.execute(insert(CalendarDay), [{"date": d, "kind": "holiday", "as_weekday": None, "note": note}
                                              for d, note in sorted(days.items())])
    return len(days)


# ------------------------------------------------------------------ slots


class _Rooms:
    """Where each lesson is: the class's own room, the gym, the computer room, or (for a
    class learning in groups) the group teacher's room. A shared room that is taken at that
    time falls back to the class's own room, which a class lesson always has free."""

    def __init__(self, classes, assignments):
        self.home = {c.id: f"{1 + i // ROOMS_A_FLOOR}{i % ROOMS_A_FLOOR + 1:02d}" for i, c in enumerate(classes)}
        teachers = defaultdict(list)
        for a in sorted(assignments, key=lambda a: a.teacher_id):
            if a.subgroup_id is not None and a.teacher_id not in teachers[a.subject.name]:
                teachers[a.subject.name].append(a.teacher_id)
        self.group_rooms = {(name, t): GROUP_ROOMS.get(name, "Кабинет {n}").format(n=n)
                            for name, ids in teachers.items() for n, t in enumerate(ids, 1)}
        self.taken = set()

    def of(self, assignment, weekday, number):
        name = assignment.subject.name
        if assignment.subgroup_id is not None:
            room = self.group_rooms[name, assignment.teacher_id]
        else:
            room = SUBJECT_ROOMS.get(name, self.home[assignment.classgroup_id])
            if (weekday, number, room) in self.taken:
                room = self.home[assignment.classgroup_id]
        self.taken.add((weekday, number, room))
        return room


def _create_slots(session, year, classes, pattern):
    """One open-ended slot per lesson of the pattern, valid from the year's first day.
    Returns {(assignment id, ISO weekday, number): slot id}."""
    entries = [(a, d + 1, n) for c in classes for d, lessons in sorted(pattern.get(c.id, {}).items())
               for n, a in lessons]
    if not entries:
        return {}
    rooms = _Rooms(classes, [a for a, _, _ in entries])
    now = datetime.now()
    rows = [{"assignment_id": a.id, "weekday": d, "number": n, "room": rooms.of(a, d, n),
             "valid_from": year.starts_on, "valid_to": None, "created_at": now} for a, d, n in entries]
    ids = session.scalars(insert(TimetableSlot).returning(TimetableSlot.id, sort_by_parameter_order=True), rows)
    return {(a.id, d, n): i for (a, d, n), i in zip(entries, ids)}


def _link_lessons(session, slot_ids):
    """Every demo lesson points at the slot it came from: one executemany UPDATE."""
    if not slot_ids:
        return 0
    assignments = sorted({a for a, _, _ in slot_ids})
    pairs = []
    for i, a, day, number in session.execute(select(Lesson.id, Lesson.assignment_id, Lesson.date, Lesson.number)
                                             .where(Lesson.assignment_id.in_(assignments))):
        slot = slot_ids.get((a, day.isoweekday(), number))
        if slot is not None:
            pairs.append({"lesson": i, "slot": slot})
    if pairs:
        table = Lesson.__table__
        session.execute(update(table).where(table.c.id == bindparam("lesson")).values(slot_id=bindparam("slot")),
                        pairs)
    return len(pairs)


# ------------------------------------------------------------------ this week's absences and cover


class _Week:
    """The lessons of the demo's week (the one demo_journal filled up to Friday), by teacher
    and by time, and who is busy when."""

    def __init__(self, session, today):
        self.friday = today + timedelta(days=DAYS - 1 - today.weekday())
        self.monday = self.friday - timedelta(days=DAYS - 1)
        self.lessons = session.scalars(select(Lesson).where(Lesson.date >= self.monday, Lesson.date <= self.friday)
                                       .order_by(Lesson.date, Lesson.number, Lesson.id)).all()
        self.by_teacher = defaultdict(list)
        self.at = defaultdict(list)
        self.last = Counter()  # (class, date) → its last lesson number
        self.subject_teachers = defaultdict(set)
        for lesson in self.lessons:
            self.subject_teachers[lesson.subject_id].add(lesson.teacher_id)
            self.by_teacher[lesson.teacher_id].append(lesson)
            self.at[lesson.date, lesson.number].append(lesson)
            key = lesson.classgroup_id, lesson.date
            self.last[key] = max(self.last[key], lesson.number)
        self.days = sorted({lesson.date for lesson in self.lessons})

    def day(self, n):
        """The week's n-th day with lessons (holidays have none)."""
        return self.days[n]

    def of(self, staff_id, first, last):
        return [lesson for lesson in self.by_teacher[staff_id] if first <= lesson.date <= last]

    def parallel(self, lesson):
        """The other group of the class learning the same subject at the same time."""
        return next((other for other in self.at[lesson.date, lesson.number] if other.id != lesson.id
                     and other.classgroup_id == lesson.classgroup_id and other.subject_id == lesson.subject_id), None)

    def colleagues(self, lesson):
        """Teachers of the lesson's subject free at its time (by this week's lessons)."""
        busy = {other.teacher_id for other in self.at[lesson.date, lesson.number]}
        return self.subject_teachers[lesson.subject_id] - busy

    def busy(self, staff_id, lesson):
        return any(staff_id in (other.teacher_id, other.substitute_id)
                   for other in self.at[lesson.date, lesson.number] if other.id != lesson.id)


def _cover_the_week(session, writer, today, teacher, class_teacher):
    """Two absences of this week and their substitutions, of every kind: a teacher of the same
    subject, another subject (the class teacher of 5А in her class), a group merged with its
    parallel group, a cancelled last lesson; one lesson of the ill teacher tomorrow stays
    uncovered. Returns (absences, substitutions)."""
    week = _Week(session, today)
    logins = {s.id for s in (teacher, class_teacher) if s is not None}
    ill = _pick_ill(week, logins) if len(week.days) >= 2 else None
    if ill is None:
        return 0, 0
    away = [add_teacher_absence(session, writer, ill, week.day(0), week.day(1), "illness", ILLNESS_NOTE)]
    course = _pick_course(session, week, logins | {ill.id}, class_teacher)
    if course is not None:
        staff, first = course
        away.append(add_teacher_absence(session, writer, staff, first, week.days[-1], "course", COURSE_NOTE))
    uncovered = max(week.of(ill.id, week.day(1), week.day(1)), key=lambda lesson: lesson.number)
    done = Counter()
    for absence in away:
        for lesson in week.of(absence.staff_id, absence.starts_on, absence.ends_on):
            if lesson is not uncovered:
                kind, fields = _choose_cover(session, week, lesson, absence, away, done, logins, class_teacher)
                substitute(session, writer, lesson, kind, **fields)
                done[kind] += 1
    return len(away), sum(done[kind] for kind in SUBSTITUTION_KINDS)


def _pick_ill(week, logins):
    """A teacher (not a demo login) with lessons on the week's first two school days, one a group
    whose parallel group's teacher could take both groups: of those, the one whose lessons
    colleagues of the same subject can cover most often (a deputy's first choice of cover)."""
    candidates = []
    for staff_id, lessons in week.by_teacher.items():
        mine = [lesson for lesson in lessons if lesson.date <= week.day(1)]
        if staff_id in logins or {lesson.date for lesson in mine} != {week.day(0), week.day(1)}:
            continue
        if any(lesson.subgroup_id is not None and week.parallel(lesson) is not None
               and week.parallel(lesson).teacher_id not in logins for lesson in mine):
            coverable = sum(bool(week.colleagues(lesson) - logins) for lesson in mine)
            candidates.append((-coverable, -len(mine), staff_id, mine[0].teacher))
    return min(candidates, key=lambda c: c[:3])[3] if candidates else None


def _pick_course(session, week, excluded, class_teacher):
    """A teacher of the class teacher's class away from the fourth (or third) school day on,
    with a class lesson there at a time the class teacher is free. Returns (staff, first day)."""
    if class_teacher is None:
        return None
    led = session.scalar(select(ClassGroup.id).where(ClassGroup.class_teacher_id == class_teacher.id))
    for first in week.days[3:4] + week.days[2:3]:
        for staff_id, lessons in sorted(week.by_teacher.items()):
            mine = [lesson for lesson in lessons if lesson.date >= first]
            if staff_id not in excluded and any(
                    lesson.classgroup_id == led and lesson.subgroup_id is None
                    and not week.busy(class_teacher.id, lesson) for lesson in mine):
                return mine[0].teacher, first
    return None


def _choose_cover(session, week, lesson, absence, away, done, logins, class_teacher):
    """(kind, fields) for `substitute`. The first lesson that can show a kind gets it: during the
    course the class teacher gives her own subject in her class and a last lesson of the day
    is dropped; while one is ill a group joins its parallel group. The rest go to a free
    colleague of the same subject, else join the parallel group (a group) or get a free
    teacher of the class and their subject (a class), else are cancelled."""
    absent = {a.staff_id for a in away if a.starts_on <= lesson.date <= a.ends_on}
    whole = lesson.subgroup_id is None
    other = None if whole else week.parallel(lesson)
    mergeable = other is not None and other.teacher_id not in logins | absent
    if absence.kind == "course" and whole:
        if not done["class teacher"] and class_teacher is not None \
                and lesson.classgroup.class_teacher_id == class_teacher.id and not week.busy(class_teacher.id, lesson):
            subject = _main_subject(session, class_teacher, lesson)
            if subject is not None:
                done["class teacher"] += 1
                return "subject", {"substitute": class_teacher, "subject": subject,
                                   "note": "Урок ведёт классный руководитель"}
        if not done["cancel"] and week.last[lesson.classgroup_id, lesson.date] == lesson.number:
            return "cancel", {"note": "Последний урок дня: класс отпущен домой"}
    if absence.kind == "illness" and not done["merge"] and mergeable:
        return "merge", {"merged_with": other, "note": "Группы объединены на один урок"}
    colleague = _free_colleague(session, week, lesson, logins | absent)
    if colleague is not None:
        return "teacher", {"substitute": colleague, "note": "Замена по предмету"}
    if mergeable:
        return "merge", {"merged_with": other, "note": "Группы объединены на один урок"}
    stand_in = _free_class_teacher(session, week, lesson, logins | absent) if whole else None
    if stand_in is not None:
        staff, subject = stand_in
        return "subject", {"substitute": staff, "subject": subject, "note": "Урок по своему предмету в этом классе"}
    return "cancel", {"note": "Свободного учителя нет: урок отменён"}


def _main_subject(session, staff, lesson):
    """The subject the staff member teaches most in the lesson's class, other than the lesson's."""
    subject_id = session.scalar(select(TeachingAssignment.subject_id).where(
        TeachingAssignment.teacher_id == staff.id, TeachingAssignment.classgroup_id == lesson.classgroup_id,
        TeachingAssignment.subject_id != lesson.subject_id)
        .order_by(TeachingAssignment.hours_per_week.desc(), TeachingAssignment.id))
    return session.get(Subject, subject_id) if subject_id is not None else None


def _free_class_teacher(session, week, lesson, excluded):
    """A free teacher of the lesson's class (or group) and their subject there: (staff, subject)."""
    rows = session.execute(select(TeachingAssignment.teacher_id, TeachingAssignment.subject_id).where(
        TeachingAssignment.classgroup_id == lesson.classgroup_id, TeachingAssignment.subject_id != lesson.subject_id,
        TeachingAssignment.subgroup_id.is_(None)).order_by(TeachingAssignment.hours_per_week.desc(),
                                                           TeachingAssignment.id)).all()
    free = {s.id: s for s in free_teachers(session, lesson)}
    for staff_id, subject_id in rows:
        if staff_id in free and staff_id not in excluded and not week.busy(staff_id, lesson):
            return free[staff_id], session.get(Subject, subject_id)
    return None


def _free_colleague(session, week, lesson, excluded):
    same = set(session.scalars(select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.subject_id == lesson.subject_id)))
    return next((s for s in free_teachers(session, lesson)
                 if s.id in same and s.id not in excluded and not week.busy(s.id, lesson)), None)


def sign_as_deputy(session, user_id):
    """The demo's timetable records were written before the logins existed: the deputy's login
    becomes their author, as if she had entered them herself."""
    for model, column in ((TeacherAbsence, "created_by_id"), (Substitution, "created_by_id")):
        session.execute(update(model).where(getattr(model, column).is_(None)).values({column: user_id}))
    session.execute(update(JournalChange).where(JournalChange.path == PATH, JournalChange.user_id.is_(None))
                    .values(user_id=user_id))


# ------------------------------------------------------------------ for tests of the rules


def remove_demo_timetable(session):
    """The demo school as it was before it had a timetable: no bells, calendar, slots,
    absences or substitutions, lessons unlinked and held as planned. For tests of the
    timetable rules that build their own timetable; never for a real school's data."""
    lessons = Lesson.__table__
    session.execute(delete(JournalChange).where(JournalChange.path == PATH))
    session.execute(delete(Substitution))
    session.execute(update(lessons).where(or_(lessons.c.slot_id.isnot(None), lessons.c.substitute_id.isnot(None),
                                              lessons.c.cancelled.isnot(None)))
                    .values(slot_id=None, substitute_id=None, cancelled=None))
    for model in (TeacherAbsence, TimetableSlot, CalendarDay, Bell):
        session.execute(delete(model))
    session.expire_all()
