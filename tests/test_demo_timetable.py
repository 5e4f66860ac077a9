"""The demo school's timetable (app/demo_timetable.py): the bells, the 2026/27 calendar, the
weekly slots the demo lessons were laid out by, and this week's absent teachers with their
substitutions. Today is Monday 23.11.2026 (conftest.TODAY)."""
from datetime import date, timedelta

from sqlalchemy import func, select

from app import timetable as tt
from app.demo_journal import HOLIDAYS
from app.demo_timetable import remove_demo_timetable
from app.extensions import db
from app.journal import JournalChange, Lesson
from app.structure import Period, SchoolYear, Subject, TeachingAssignment
from security.policy import journal_writer, may_write_lesson
from tests.conftest import TODAY, login
from tests.school import deputy_writer, person_of_login

TOMORROW = TODAY + timedelta(days=1)
FRIDAY = TODAY + timedelta(days=4)
QUARTER_START = date(2026, 11, 5)
YEAR_START = date(2026, 9, 1)


def year():
    return db.session.scalar(select(SchoolYear).where(SchoolYear.name == "2026/2027"))


def slots():
    return db.session.scalars(select(tt.TimetableSlot).order_by(tt.TimetableSlot.id)).all()


def lesson_count():
    return db.session.scalar(select(func.count()).select_from(Lesson))


def substitutions():
    return db.session.scalars(select(tt.Substitution).where(tt.Substitution.closed_at.is_(None))
                              .order_by(tt.Substitution.id)).all()


def login_ids():
    return {person_of_login("teacher").id, person_of_login("classteacher").id}


# ------------------------------------------------------------------ bells and calendar


def test_bells_of_the_first_shift_ring_as_the_journal_times_lessons(ctx):
    bells = db.session.scalars(select(tt.Bell).order_by(tt.Bell.shift, tt.Bell.number)).all()
    assert [(b.shift, b.number, b.times_text) for b in bells] == [
        (1, 1, "08:00–08:45"), (1, 2, "08:55–09:40"), (1, 3, "09:50–10:35"), (1, 4, "10:55–11:40"),
        (1, 5, "11:50–12:35"), (1, 6, "12:45–13:30"), (1, 7, "13:40–14:25")]
    for bell in bells:
        tt.check_bell(db.session, bell)  # the rules a deputy's form applies accept every row


def test_holidays_and_public_holidays_are_not_school_days(ctx):
    off = {date(2026, 10, 26): "Осенние каникулы", date(2026, 11, 2): "Осенние каникулы",
           date(2026, 11, 4): "День народного единства", date(2026, 12, 29): "Зимние каникулы",
           date(2026, 12, 31): "перенесён с 04.01.2026", date(2027, 1, 1): "Новогодние праздники",
           date(2027, 1, 7): "Рождество Христово", date(2027, 1, 11): "Зимние каникулы",
           date(2027, 2, 23): "День защитника Отечества", date(2027, 3, 8): "Международный женский день",
           date(2027, 3, 24): "Весенние каникулы", date(2027, 5, 3): "перенесён с 01.05.2027",
           date(2027, 5, 10): "перенесён с 09.05.2027", date(2027, 5, 27): "Летние каникулы"}
    notes = dict(db.session.execute(select(tt.CalendarDay.date, tt.CalendarDay.note)).all())
    for day, note in off.items():
        assert not tt.is_school_day(db.session, day), day
        assert note in notes[day], (day, notes[day])
    for day in (date(2026, 9, 1), date(2026, 10, 23), QUARTER_START, TODAY, date(2027, 1, 12), date(2027, 4, 1),
                date(2027, 5, 26)):
        assert tt.is_school_day(db.session, day), day
    # 2026/27 moves no working day to a Saturday (the 2027 calendar's draft names only 13.11.2027).
    assert not db.session.scalar(select(func.count()).select_from(tt.CalendarDay)
                                 .where(tt.CalendarDay.kind == "workday"))


def test_calendar_agrees_with_the_days_the_journal_teaches_on(ctx):
    """A school day in the calendar is exactly a weekday inside a period that is no public holiday."""
    y = year()
    periods = db.session.scalars(select(Period).where(Period.school_year_id == y.id)).all()
    days = tt.school_days(db.session, y.starts_on, y.ends_on)
    day, expected = y.starts_on, set()
    while day <= y.ends_on:
        if day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS and any(
                p.starts_on <= day <= p.ends_on for p in periods):
            expected.add(day)
        day += timedelta(days=1)
    assert set(days) == expected
    assert all(weekday == day.isoweekday() for day, weekday in days.items())
    lesson_days = set(db.session.scalars(select(Lesson.date).distinct()))
    assert lesson_days and lesson_days <= set(days)


# ------------------------------------------------------------------ the weekly timetable


def test_every_assignment_has_as_many_weekly_slots_as_hours(ctx):
    assert tt.hours_mismatch(db.session, year(), TODAY) == []
    counts = dict(db.session.execute(select(tt.TimetableSlot.assignment_id, func.count())
                                     .group_by(tt.TimetableSlot.assignment_id)).all())
    for a in db.session.scalars(select(TeachingAssignment)):
        assert counts.get(a.id) == a.hours_per_week, f"{a}: {counts.get(a.id)} slots"
    assert all(s.valid_from == date(2026, 9, 1) and s.valid_to is None for s in slots())


def test_no_teacher_class_or_room_is_in_two_places_at_once(ctx):
    every = slots()
    assert len(every) > 300
    for slot in every:
        tt.check_slot(db.session, slot)  # raises RuleError on a teacher's, a class's or a room's clash
    rooms = select(tt.TimetableSlot.weekday, tt.TimetableSlot.number, tt.TimetableSlot.room).group_by(
        tt.TimetableSlot.weekday, tt.TimetableSlot.number, tt.TimetableSlot.room).having(func.count() > 1)
    assert db.session.execute(rooms).all() == []


def test_classes_learn_in_their_own_room_pe_in_the_gym_informatics_with_computers(ctx):
    rooms = {}
    for slot in slots():
        a = slot.assignment
        rooms.setdefault((a.classgroup.name, a.subject.name, a.subgroup_id is not None), set()).add(slot.room)
    assert rooms["5А", "Русский язык", False] == {"101"} and rooms["9Б", "Алгебра", False] == {"302"}
    assert rooms["5А", "Физическая культура", False] == {"Спортзал"}
    assert rooms["7А", "Информатика", False] == {"Компьютерный класс"}
    assert len(rooms["5А", "Иностранный язык (английский)", True]) == 2  # two groups, two rooms at once
    assert all(slot.room for slot in slots())


def test_the_demo_lessons_point_at_the_slots_they_came_from(ctx):
    unlinked = select(func.count()).select_from(Lesson).where(Lesson.slot_id.is_(None))
    assert db.session.scalar(unlinked) == 0
    by_id = {s.id: s for s in slots()}
    for lesson in db.session.scalars(select(Lesson)):
        slot = by_id[lesson.slot_id]
        assert (slot.assignment_id, slot.weekday, slot.number) == (
            lesson.assignment_id, lesson.date.isoweekday(), lesson.number), lesson


def test_generating_lessons_over_the_demo_range_changes_nothing(ctx):
    before = lesson_count()
    first, last = db.session.execute(select(func.min(Lesson.date), func.max(Lesson.date))).one()
    assert (first, last) == (YEAR_START, FRIDAY)  # the demo's journal runs from the year's first day
    for include_past in (True, False):
        result = tt.generate_lessons(db.session, deputy_writer(), first, last, include_past=include_past)
        assert (result.created, result.removed, result.conflicts) == (0, 0, []), include_past
    assert result.kept > 0 and lesson_count() == before
    # The timetable goes on after the demo's lessons: next week (no holiday) gets one lesson a slot.
    monday = FRIDAY + timedelta(days=3)
    made = tt.generate_lessons(db.session, deputy_writer(), monday, monday + timedelta(days=4))
    assert made.created == len(slots())


# ------------------------------------------------------------------ this week's absences and cover


def test_two_teachers_are_away_this_week_and_their_lessons_are_covered_in_every_way(ctx):
    absences = db.session.scalars(select(tt.TeacherAbsence).order_by(tt.TeacherAbsence.starts_on)).all()
    assert [(a.kind, a.starts_on, a.ends_on) for a in absences] == [
        ("illness", TODAY, TOMORROW), ("course", TODAY + timedelta(days=3), FRIDAY)]
    assert not {a.staff_id for a in absences} & login_ids()
    subs = substitutions()
    assert {s.kind for s in subs} == set(tt.SUBSTITUTION_KINDS)
    assert all(TODAY <= s.lesson.date <= FRIDAY and s.lesson.teacher_id in {a.staff_id for a in absences}
               for s in subs)
    same_subject = next(s for s in subs if s.kind == "teacher")
    assert db.session.scalar(select(TeachingAssignment.id).where(
        TeachingAssignment.teacher_id == same_subject.substitute_id,
        TeachingAssignment.subject_id == same_subject.lesson.subject_id).limit(1))
    merged = next(s for s in subs if s.kind == "merge")
    other = merged.merged_with
    assert (other.date, other.number, other.classgroup_id, other.subject_id) == (
        merged.lesson.date, merged.lesson.number, merged.lesson.classgroup_id, merged.lesson.subject_id)
    cancelled = next(s for s in subs if s.kind == "cancel").lesson
    assert cancelled.cancelled is True
    # Every substitution went through the rules: one audit row each, by the timetable.
    audited = db.session.scalar(select(func.count()).select_from(JournalChange).where(
        JournalChange.path == tt.PATH, JournalChange.field == "substitution"))
    assert audited == len(subs)


def test_the_demo_teachers_lessons_today_are_left_as_they_are(ctx):
    teacher = person_of_login("teacher").id
    today = db.session.scalars(select(Lesson).where(Lesson.date == TODAY, Lesson.teacher_id == teacher)).all()
    assert today and all(lesson.substitute_id is None and not lesson.cancelled for lesson in today)
    assert not db.session.scalar(select(func.count()).select_from(Lesson).where(Lesson.substitute_id == teacher))


def test_the_substitute_may_write_the_lesson_they_cover_and_no_other(app, ctx):
    class_teacher = person_of_login("classteacher")
    covered = next(s for s in substitutions() if s.substitute_id == class_teacher.id)
    assert covered.kind == "subject" and covered.lesson.classgroup.name == "5А"
    assert db.session.get(Subject, covered.subject_id).name != covered.lesson.subject.name
    writer = journal_writer(app.appbuilder.sm.find_user(username="classteacher"))
    assert may_write_lesson(writer, covered.lesson)
    another = db.session.scalar(select(Lesson).where(Lesson.assignment_id == covered.lesson.assignment_id,
                                                     Lesson.id != covered.lesson.id).limit(1))
    assert not may_write_lesson(writer, another)


def test_one_lesson_of_the_ill_teacher_tomorrow_waits_for_a_substitute(ctx):
    ill = db.session.scalar(select(tt.TeacherAbsence).where(tt.TeacherAbsence.kind == "illness"))
    uncovered = tt.uncovered_lessons(db.session, TODAY, FRIDAY)
    assert list(uncovered) == [TOMORROW] and len(uncovered[TOMORROW]) == 1
    lesson = uncovered[TOMORROW][0]
    assert lesson.teacher_id == ill.staff_id
    sheet = tt.day_changes(db.session, TOMORROW)
    waiting = [row for row in sheet if row.change == "замена не назначена"]
    assert [row.lesson_id for row in waiting] == [lesson.id] and waiting[0].times and waiting[0].room
    assert tt.free_teachers(db.session, lesson), "somebody could still take it"


def test_the_deputy_sees_todays_changes_on_the_day_page(app, client):
    with app.app_context():
        today = tt.day_changes(db.session, TODAY)
        ill = db.session.scalar(select(tt.TeacherAbsence).where(tt.TeacherAbsence.kind == "illness")).staff.short_name
    assert today and {row.change for row in today} >= {"объединение с другой группой"}
    login(client, "deputy")
    page = client.get(f"/timetable/day?day={TODAY.isoformat()}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert ill in text and "объединение с другой группой" in text


def test_removing_the_demo_timetable_leaves_the_journal_as_it_was(ctx):
    lessons = lesson_count()
    remove_demo_timetable(db.session)
    db.session.commit()
    for model in (tt.Bell, tt.CalendarDay, tt.TimetableSlot, tt.TeacherAbsence, tt.Substitution):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    held = select(func.count()).select_from(Lesson).where(
        Lesson.slot_id.is_(None), Lesson.substitute_id.is_(None), Lesson.cancelled.is_(None))
    assert db.session.scalar(held) == lessons == lesson_count()
