"""Timetable and substitutions (issue 4), the rules of app/timetable.py: bells, the calendar,
slots and their conflicts, lessons generated from the timetable, teacher absences,
substitutions and the substitute's journal access, the pay report.

Today is Monday 23.11.2026 (conftest.TODAY). Each test starts with the demo's timetable
removed and builds the slots it needs, some from the demo's own lessons of this week."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from app import timetable as tt
from app.extensions import db
from app.journal import JournalChange, Lesson, Mark
from app.journal_entry import add_mark
from app.rules import RuleError
from app.structure import Subgroup, Subject, TeachingAssignment
from security.policy import JournalWriter
from tests.conftest import TODAY
from tests.school import assignment_of, classgroup, lesson_on, person_of_login, roster, without_demo_timetable

MONDAY = TODAY
NEXT_MONDAY = TODAY + timedelta(days=7)
YEAR_START = date(2026, 9, 1)


@pytest.fixture(autouse=True)
def empty_timetable(app):
    with app.app_context():
        without_demo_timetable()


@pytest.fixture
def deputy(app):
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="deputy")
        return JournalWriter(user.id, person_of_login("deputy").id, administration=True)


def as_teacher(login_name):
    from flask import current_app

    user = current_app.appbuilder.sm.find_user(username=login_name)
    return JournalWriter(user.id, person_of_login(login_name).id, administration=False)


def bells(numbers=range(1, 8), shift=1):
    for n in numbers:
        start = 8 * 60 + (n - 1) * 55
        db.session.add(tt.Bell(shift=shift, number=n, starts_at=time(start // 60, start % 60),
                               ends_at=time((start + 45) // 60, (start + 45) % 60)))
    db.session.flush()


def class_assignments(name, subgroups=None):
    query = select(TeachingAssignment).where(TeachingAssignment.classgroup_id == classgroup(name).id)
    if subgroups is not None:
        query = query.where(TeachingAssignment.subgroup_id.isnot(None) if subgroups
                            else TeachingAssignment.subgroup_id.is_(None))
    return db.session.scalars(query.order_by(TeachingAssignment.id)).all()


def other_teacher_assignment(name, *avoid):
    """A whole-class assignment of the class whose teacher is none of `avoid`'s."""
    teachers = {a.teacher_id for a in avoid}
    return next(a for a in class_assignments(name, subgroups=False) if a.teacher_id not in teachers)


def slots_from_week(monday=MONDAY):
    """The demo's timetable as slots: every lesson of the week beginning `monday` becomes a
    weekly slot from the first day of the year (written directly: the demo's week is the pattern)."""
    lessons = db.session.scalars(select(Lesson).where(Lesson.date >= monday,
                                                      Lesson.date <= monday + timedelta(days=4))).all()
    seen = set()
    for lesson in lessons:
        key = (lesson.assignment_id, lesson.date.isoweekday(), lesson.number)
        if key not in seen:
            seen.add(key)
            db.session.add(tt.TimetableSlot(assignment_id=lesson.assignment_id, weekday=key[1], number=key[2],
                                            valid_from=YEAR_START))
    db.session.flush()
    return len(seen)


def lesson_count(start, end):
    return db.session.scalar(select(func.count()).select_from(Lesson).where(Lesson.date >= start,
                                                                            Lesson.date <= end))


# ------------------------------------------------------------------ bells and the calendar


def test_bell_schedule_rules(ctx):
    bells(range(1, 4))
    with pytest.raises(RuleError, match="заканчиваться позже"):
        tt.check_bell(db.session, tt.Bell(shift=1, number=4, starts_at=time(11, 0), ends_at=time(10, 30)))
    with pytest.raises(RuleError, match="пересекается с 3-м уроком"):
        tt.check_bell(db.session, tt.Bell(shift=1, number=4, starts_at=time(9, 55), ends_at=time(10, 40)))
    with pytest.raises(RuleError, match="уже есть"):
        tt.check_bell(db.session, tt.Bell(shift=1, number=2, starts_at=time(8, 55), ends_at=time(9, 40)))
    with pytest.raises(RuleError, match="Смена"):
        tt.check_bell(db.session, tt.Bell(shift=3, number=1, starts_at=time(8, 0), ends_at=time(8, 45)))
    tt.check_bell(db.session, tt.Bell(shift=1, number=4, starts_at=time(10, 55), ends_at=time(11, 40)))
    tt.check_bell(db.session, tt.Bell(shift=2, number=1, starts_at=time(8, 30), ends_at=time(9, 15)))


def test_school_days_skip_holidays_and_add_transferred_working_days(ctx, count_statements):
    wednesday, saturday = MONDAY + timedelta(days=2), MONDAY + timedelta(days=5)
    db.session.add_all([tt.CalendarDay(date=wednesday, kind="holiday", note="праздник"),
                        tt.CalendarDay(date=saturday, kind="workday", as_weekday=1, note="перенос")])
    db.session.commit()
    with count_statements() as counter:
        days = tt.school_days(db.session, MONDAY, MONDAY + timedelta(days=6))
    assert counter.count == 1
    assert days == {MONDAY: 1, MONDAY + timedelta(days=1): 2, MONDAY + timedelta(days=3): 4,
                    MONDAY + timedelta(days=4): 5, saturday: 1}
    assert not tt.is_school_day(db.session, wednesday) and tt.is_school_day(db.session, saturday)
    assert not tt.is_school_day(db.session, MONDAY + timedelta(days=6))


def test_calendar_day_rules(ctx):
    db.session.add(tt.CalendarDay(date=MONDAY, kind="holiday"))
    db.session.flush()
    with pytest.raises(RuleError, match="уже есть в календаре"):
        tt.check_calendar_day(db.session, tt.CalendarDay(date=MONDAY, kind="holiday"))
    with pytest.raises(RuleError, match="только на выходной"):
        tt.check_calendar_day(db.session, tt.CalendarDay(date=MONDAY + timedelta(days=1), kind="workday",
                                                         as_weekday=1))
    with pytest.raises(RuleError, match="по расписанию какого дня"):
        tt.check_calendar_day(db.session, tt.CalendarDay(date=MONDAY + timedelta(days=5), kind="workday"))


# ------------------------------------------------------------------ slots and conflicts


def test_slot_beyond_the_bell_schedule_is_refused(ctx):
    a = class_assignments("5А", subgroups=False)[0]
    tt.add_slot(db.session, a, 1, 8, YEAR_START)  # no bell schedule yet: any number 0..12
    bells(range(1, 8))
    with pytest.raises(RuleError, match="8-го урока нет в расписании звонков"):
        tt.add_slot(db.session, a, 2, 8, YEAR_START)
    with pytest.raises(RuleError, match="от 0 до 12"):
        tt.add_slot(db.session, a, 2, 13, YEAR_START)
    with pytest.raises(RuleError, match="День недели"):
        tt.add_slot(db.session, a, 7, 1, YEAR_START)


def test_two_slots_of_one_class_with_overlapping_validity_are_refused(ctx):
    first = class_assignments("5А", subgroups=False)[0]
    second = other_teacher_assignment("5А", first)
    tt.add_slot(db.session, first, 1, 1, YEAR_START, date(2026, 12, 31))
    with pytest.raises(RuleError) as refused:
        tt.add_slot(db.session, second, 1, 1, date(2026, 12, 1))
    message = refused.value.message
    assert "У 5А в понедельник 1-м уроком уже стоит" in message
    assert str(first.subject) in message and first.teacher.short_name in message and "01.09.2026" in message
    assert db.session.scalar(select(func.count()).select_from(tt.TimetableSlot)) == 1
    tt.add_slot(db.session, second, 1, 1, date(2027, 1, 1))  # after the first one ends: fine


def test_validity_must_be_ordered_and_inside_the_year(ctx):
    a = class_assignments("5А", subgroups=False)[0]
    with pytest.raises(RuleError, match="раньше даты начала"):
        tt.add_slot(db.session, a, 1, 1, date(2026, 12, 1), date(2026, 11, 1))
    with pytest.raises(RuleError, match="внутри учебного года 2026/2027"):
        tt.add_slot(db.session, a, 1, 1, date(2026, 8, 1))
    with pytest.raises(RuleError, match="внутри учебного года"):
        tt.add_slot(db.session, a, 1, 1, YEAR_START, date(2027, 8, 1))


def test_teacher_and_room_conflicts(ctx):
    a = class_assignments("5А", subgroups=False)[0]
    twin = db.session.scalar(select(TeachingAssignment).where(
        TeachingAssignment.teacher_id == a.teacher_id, TeachingAssignment.classgroup_id != a.classgroup_id))
    assert twin is not None, "the demo teacher teaches in one class only"
    tt.add_slot(db.session, a, 2, 3, YEAR_START, room="12")
    with pytest.raises(RuleError, match=f"У учителя {a.teacher.short_name} во вторник 3-м уроком уже стоит"):
        tt.add_slot(db.session, twin, 2, 3, YEAR_START)
    stranger = other_teacher_assignment("6А", a)
    with pytest.raises(RuleError, match="Кабинет 12 во вторник 3-м уроком уже занят: «"):
        tt.add_slot(db.session, stranger, 2, 3, YEAR_START, room=" 12 ")
    tt.add_slot(db.session, stranger, 2, 3, YEAR_START, room="14")


def test_subgroups_share_a_slot_but_not_with_the_whole_class(ctx):
    groups = class_assignments("5А", subgroups=True)
    pair = next((x, y) for x in groups for y in groups
                if x.subgroup_id != y.subgroup_id and x.teacher_id != y.teacher_id)
    tt.add_slot(db.session, pair[0], 3, 2, YEAR_START, room="21")
    tt.add_slot(db.session, pair[1], 3, 2, YEAR_START, room="22")  # the other group, another teacher: fine
    again = next((g for g in groups if g.subgroup_id == pair[0].subgroup_id and g.id != pair[0].id), None)
    if again is not None and again.teacher_id != pair[0].teacher_id:
        with pytest.raises(RuleError, match=f"У 5А, {pair[0].subgroup.name} в среду 2-м уроком"):
            tt.add_slot(db.session, again, 3, 2, YEAR_START)
    whole = other_teacher_assignment("5А", *pair)
    with pytest.raises(RuleError, match="У 5А в среду 2-м уроком уже стоит"):
        tt.add_slot(db.session, whole, 3, 2, YEAR_START)


def test_the_same_subgroup_twice_at_once_is_refused(ctx):
    group = db.session.scalars(select(Subgroup).where(Subgroup.classgroup_id == classgroup("5А").id)).first()
    a = class_assignments("5А", subgroups=False)[0]
    other = other_teacher_assignment("5А", a)
    # Two assignments of one group with different teachers (a group's second subject).
    one = TeachingAssignment(teacher_id=a.teacher_id, classgroup_id=a.classgroup_id, subgroup_id=group.id,
                             subject_id=a.subject_id, hours_per_week=1)
    two = TeachingAssignment(teacher_id=other.teacher_id, classgroup_id=a.classgroup_id, subgroup_id=group.id,
                             subject_id=other.subject_id, hours_per_week=1)
    db.session.add_all([one, two])
    db.session.flush()
    tt.add_slot(db.session, one, 4, 6, YEAR_START)
    with pytest.raises(RuleError, match=f"У 5А, {group.name} в четверг 6-м уроком уже стоит"):
        tt.add_slot(db.session, two, 4, 6, YEAR_START)


def test_a_change_closes_the_old_slot_and_keeps_its_history(ctx):
    a = class_assignments("5А", subgroups=False)[0]
    slot = tt.add_slot(db.session, a, 1, 1, YEAR_START, room="10")
    new = tt.change_slot(db.session, slot, date(2026, 12, 1), number=2, room="11")
    assert (slot.valid_from, slot.valid_to, slot.number) == (YEAR_START, date(2026, 11, 30), 1)
    assert (new.valid_from, new.valid_to, new.number, new.room) == (date(2026, 12, 1), None, 2, "11")
    assert [s.number for s in tt.slots_on(db.session, date(2026, 11, 30), classgroup_id=a.classgroup_id)] == [1]
    assert [s.number for s in tt.slots_on(db.session, date(2026, 12, 1), classgroup_id=a.classgroup_id)] == [2]
    with pytest.raises(RuleError, match="закрыть его раньше нельзя"):
        tt.close_slot(db.session, new, date(2026, 11, 1))


def test_hours_that_differ_from_the_assignment_are_reported(ctx):
    slots_from_week()
    year = classgroup("5А").school_year
    assert all(m.slots != m.hours for m in tt.hours_mismatch(db.session, year))
    before = {m.assignment.id for m in tt.hours_mismatch(db.session, year)}
    a = next(a for a in class_assignments("5А", subgroups=False) if a.id not in before)
    victim = db.session.scalars(select(tt.TimetableSlot).where(tt.TimetableSlot.assignment_id == a.id)).first()
    db.session.delete(victim)
    db.session.flush()
    found = {m.assignment.id: m for m in tt.hours_mismatch(db.session, year)}
    assert a.id in found and found[a.id].slots == int(a.hours_per_week) - 1
    assert "в расписании" in str(found[a.id]) and "по нагрузке" in str(found[a.id])


# ------------------------------------------------------------------ lessons from the timetable


def test_generation_is_idempotent_skips_holidays_and_audits(ctx, deputy):
    slots_from_week()
    week = lesson_count(MONDAY, MONDAY + timedelta(days=4))
    db.session.add(tt.CalendarDay(date=NEXT_MONDAY + timedelta(days=2), kind="holiday"))
    db.session.commit()
    end = NEXT_MONDAY + timedelta(days=4)
    result = tt.generate_lessons(db.session, deputy, NEXT_MONDAY, end)
    db.session.commit()
    wednesday = lesson_count(MONDAY + timedelta(days=2), MONDAY + timedelta(days=2))
    assert result.created == week - wednesday and result.removed == 0 and result.conflicts == []
    assert lesson_count(NEXT_MONDAY + timedelta(days=2), NEXT_MONDAY + timedelta(days=2)) == 0
    audits = db.session.scalar(select(func.count()).select_from(JournalChange).where(
        JournalChange.path == "timetable", JournalChange.record == "lesson",
        JournalChange.lesson_id.in_(select(Lesson.id).where(Lesson.date >= NEXT_MONDAY, Lesson.date <= end))))
    assert audits == result.created
    again = tt.generate_lessons(db.session, deputy, NEXT_MONDAY, end)
    assert (again.created, again.removed, again.kept) == (0, 0, result.created)
    # This week: every demo lesson matches its slot and stays; nothing before today is looked at.
    this_week = tt.generate_lessons(db.session, deputy, MONDAY - timedelta(days=7), MONDAY + timedelta(days=4))
    assert (this_week.created, this_week.removed) == (0, 0)
    assert this_week.kept == lesson_count(MONDAY, MONDAY + timedelta(days=4))


def test_only_the_administration_generates(ctx):
    with pytest.raises(RuleError, match="заместитель директора"):
        tt.generate_lessons(db.session, as_teacher("teacher"), NEXT_MONDAY, NEXT_MONDAY)


def test_regeneration_removes_empty_future_lessons_and_reports_recorded_ones(ctx, deputy):
    a = class_assignments("5А", subgroups=False)[0]
    slot = tt.add_slot(db.session, a, 2, 8, YEAR_START)  # Tuesdays, 8th lesson: free in the demo
    first = tt.generate_lessons(db.session, deputy, MONDAY, date(2026, 12, 22))
    assert first.created == 5  # 24.11, 01.12, 08.12, 15.12, 22.12
    lessons = db.session.scalars(select(Lesson).where(Lesson.assignment_id == a.id, Lesson.number == 8)
                                 .order_by(Lesson.date)).all()
    with_topic, with_mark = lessons[1], lessons[2]
    with_topic.topic = "Повторение"
    student = roster(a)[0]
    db.session.add(Mark(lesson_id=with_mark.id, student_id=student.id, work_type_id=1, value="5"))
    db.session.commit()
    tt.change_slot(db.session, slot, date(2026, 12, 1), weekday=3)  # from December on Wednesdays
    result = tt.generate_lessons(db.session, deputy, MONDAY, date(2026, 12, 22))
    db.session.commit()
    assert result.created == 3 and result.removed == 2  # 02.12, 09.12, 16.12; 15.12 and 22.12
    # The demo's own lessons of this week were not made by the timetable: never the timetable's to remove.
    assert [c.id for c in result.conflicts] == [with_topic.id, with_mark.id]
    left = db.session.scalars(select(Lesson.date).where(Lesson.assignment_id == a.id, Lesson.number == 8)
                              .order_by(Lesson.date)).all()
    assert left == [date(2026, 11, 24), date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 8),
                    date(2026, 12, 9), date(2026, 12, 16)]
    assert lesson_count(MONDAY + timedelta(days=1), MONDAY + timedelta(days=4)) > 100  # the demo's week stays
    removed = db.session.scalars(select(JournalChange).where(JournalChange.path == "timetable",
                                                             JournalChange.new_value == "")).all()
    assert len(removed) == 2 and all(c.lesson_id is None and c.old_value for c in removed)


def test_past_lessons_are_never_touched(ctx, deputy, pinned_day):
    a = class_assignments("5А", subgroups=False)[0]
    slot = tt.add_slot(db.session, a, 2, 8, YEAR_START)
    tt.generate_lessons(db.session, deputy, MONDAY, date(2026, 12, 8))
    tt.close_slot(db.session, slot, date(2026, 11, 30))
    db.session.commit()
    pinned_day(date(2026, 12, 2))  # 24.11 and 01.12 are past now
    result = tt.generate_lessons(db.session, deputy, MONDAY, date(2026, 12, 8), include_past=True)
    assert (result.created, result.removed) == (0, 1)
    assert db.session.scalars(select(Lesson.date).where(Lesson.assignment_id == a.id, Lesson.number == 8)
                              .order_by(Lesson.date)).all() == [date(2026, 11, 24), date(2026, 12, 1)]


# ------------------------------------------------------------------ teacher absences


def test_an_absence_ending_before_it_starts_is_refused(ctx, deputy):
    teacher = person_of_login("teacher")
    with pytest.raises(RuleError, match=r"не может закончиться \(20\.11\.2026\) раньше, чем начнётся"):
        tt.add_teacher_absence(db.session, deputy, teacher, MONDAY, date(2026, 11, 20))
    assert db.session.scalar(select(func.count()).select_from(tt.TeacherAbsence)) == 0
    tt.add_teacher_absence(db.session, deputy, teacher, MONDAY, MONDAY, "course")
    with pytest.raises(RuleError, match="уже отмечено отсутствие"):
        tt.add_teacher_absence(db.session, deputy, teacher, MONDAY - timedelta(days=1), MONDAY + timedelta(days=1))
    with pytest.raises(RuleError, match="Причина"):
        tt.add_teacher_absence(db.session, deputy, teacher, NEXT_MONDAY, NEXT_MONDAY, "отпуск")
    with pytest.raises(RuleError, match="заместитель директора"):
        tt.add_teacher_absence(db.session, as_teacher("classteacher"), teacher, NEXT_MONDAY, NEXT_MONDAY)


def test_uncovered_lessons_by_day(ctx, deputy):
    teacher = person_of_login("teacher")
    tt.add_teacher_absence(db.session, deputy, teacher, MONDAY, MONDAY + timedelta(days=1))
    own = db.session.scalars(select(Lesson).where(
        Lesson.teacher_id == teacher.id, Lesson.date >= MONDAY, Lesson.date <= MONDAY + timedelta(days=4))
        .order_by(Lesson.date, Lesson.number)).all()
    found = tt.uncovered_lessons(db.session, MONDAY, MONDAY + timedelta(days=4))
    expected = {}
    for lesson in own:
        if lesson.date <= MONDAY + timedelta(days=1):
            expected.setdefault(lesson.date, []).append(lesson.id)
    assert {d: [l.id for l in ls] for d, ls in found.items()} == expected and expected
    lesson = found[MONDAY][0]
    tt.substitute(db.session, deputy, lesson, "teacher", substitute=tt.free_teachers(db.session, lesson)[0])
    assert lesson.id not in [l.id for l in tt.uncovered_lessons(db.session, MONDAY).get(MONDAY, [])]


# ------------------------------------------------------------------ substitutions


def todays_lesson():
    a = assignment_of("teacher")
    return db.session.scalars(select(Lesson).where(Lesson.assignment_id == a.id, Lesson.date == TODAY)
                              .order_by(Lesson.number)).first()


def busy_teacher(lesson):
    """Somebody who teaches another lesson at the same time."""
    other = db.session.scalars(select(Lesson).where(Lesson.date == lesson.date, Lesson.number == lesson.number,
                                                    Lesson.teacher_id != lesson.teacher_id)).first()
    return other.teacher


def test_substitution_gives_the_substitute_that_lesson_only(ctx, deputy):
    lesson = todays_lesson()
    substitute = tt.free_teachers(db.session, lesson)[0]
    sub = tt.substitute(db.session, deputy, lesson, "teacher", substitute=substitute, note="болезнь")
    db.session.commit()
    assert lesson.substitute_id == substitute.id and sub.version == 1
    change = db.session.scalar(select(JournalChange).where(JournalChange.field == "substitution",
                                                           JournalChange.lesson_id == lesson.id))
    assert change.lesson_id == lesson.id and substitute.short_name in change.new_value
    writer = JournalWriter(substitute.user_id, substitute.id, administration=False)
    student = roster(lesson.assignment)[0]
    mark = add_mark(writer, lesson, student, "5", "form")
    assert mark.value == "5"
    other = db.session.scalars(select(Lesson).where(
        Lesson.classgroup_id == lesson.classgroup_id, Lesson.date == TODAY, Lesson.id != lesson.id,
        Lesson.teacher_id != substitute.id)).first()
    with pytest.raises(RuleError, match="Это урок другого учителя"):
        add_mark(writer, other, roster(other.assignment)[0], "5", "form")


def test_substitute_already_teaching_in_that_slot_is_refused(ctx, deputy):
    lesson = todays_lesson()
    busy = busy_teacher(lesson)
    with pytest.raises(RuleError, match=f"{busy.short_name} 23.11.2026 {lesson.number}-м уроком уже ведёт урок"):
        tt.substitute(db.session, deputy, lesson, "teacher", substitute=busy)
    assert db.session.scalar(select(func.count()).select_from(tt.Substitution)) == 0
    # Covering another lesson at that time makes a free teacher busy too.
    free = tt.free_teachers(db.session, lesson)[0]
    other = db.session.scalars(select(Lesson).where(
        Lesson.date == lesson.date, Lesson.number == lesson.number, Lesson.id != lesson.id)).first()
    tt.substitute(db.session, deputy, other, "teacher", substitute=free)
    with pytest.raises(RuleError, match="уже ведёт урок"):
        tt.substitute(db.session, deputy, lesson, "teacher", substitute=free)


def test_substitution_for_a_missing_lesson_or_on_a_holiday_is_refused(ctx, deputy):
    with pytest.raises(RuleError, match="Урок № 999999 не найден"):
        tt.substitute(db.session, deputy, 999999, "cancel")
    lesson = todays_lesson()
    db.session.add(tt.CalendarDay(date=TODAY, kind="holiday", note="карантин"))
    db.session.flush()
    with pytest.raises(RuleError, match="23.11.2026 — выходной или каникулы"):
        tt.substitute(db.session, deputy, lesson, "teacher", substitute=tt.free_teachers(db.session, lesson)[0])


def test_absent_dismissed_or_own_teacher_cannot_substitute(ctx, deputy):
    lesson = todays_lesson()
    free = tt.free_teachers(db.session, lesson)
    absent, dismissed = free[0], free[1]
    tt.add_teacher_absence(db.session, deputy, absent, TODAY, TODAY, "trip")
    with pytest.raises(RuleError, match="отсутствует 23.11.2026 \\(командировка\\)"):
        tt.substitute(db.session, deputy, lesson, "teacher", substitute=absent)
    dismissed.dismissed_on = TODAY
    with pytest.raises(RuleError, match="не работает в школе 23.11.2026"):
        tt.substitute(db.session, deputy, lesson, "teacher", substitute=dismissed)
    with pytest.raises(RuleError, match="учитель самого урока"):
        tt.substitute(db.session, deputy, lesson, "teacher", substitute=lesson.teacher)
    with pytest.raises(RuleError, match="заместитель директора"):
        tt.substitute(db.session, as_teacher("classteacher"), lesson, "cancel")


def test_two_deputies_substituting_one_lesson_the_second_is_told(ctx, deputy):
    lesson = todays_lesson()
    seen = tt.substitution_version(db.session, lesson.id)  # both deputies open the form: version 0
    first, second = tt.free_teachers(db.session, lesson)[:2]
    tt.substitute(db.session, deputy, lesson, "teacher", substitute=first, version=seen)
    db.session.commit()
    with pytest.raises(RuleError, match="уже записали «замена учителя: " + first.short_name):
        tt.substitute(db.session, deputy, lesson.id, "teacher", substitute=second, version=seen)
    db.session.rollback()
    assert db.session.get(Lesson, lesson.id).substitute_id == first.id
    # With the version they see now, the replacement closes the first substitution (history kept).
    tt.substitute(db.session, deputy, lesson.id, "teacher", substitute=second, version=1)
    rows = db.session.scalars(select(tt.Substitution).order_by(tt.Substitution.version)).all()
    assert [(r.substitute_id, r.closed_at is None) for r in rows] == [(first.id, False), (second.id, True)]


def test_cancel_subject_and_merge(ctx, deputy):
    lesson = todays_lesson()
    tt.substitute(db.session, deputy, lesson, "cancel")
    assert lesson.cancelled is True and lesson.substitute_id is None
    other_subject = db.session.scalar(select(Subject).where(Subject.id != lesson.subject_id))
    free = tt.free_teachers(db.session, lesson)[0]
    with pytest.raises(RuleError, match="Предмет тот же"):
        tt.substitute(db.session, deputy, lesson, "subject", substitute=free, subject=lesson.subject, version=1)
    sub = tt.substitute(db.session, deputy, lesson, "subject", substitute=free, subject=other_subject, version=1)
    assert lesson.cancelled is None and sub.subject_id == other_subject.id
    partner = db.session.scalars(select(Lesson).where(Lesson.date == lesson.date, Lesson.number == lesson.number,
                                                      Lesson.id != lesson.id)).first()
    merged = tt.substitute(db.session, deputy, lesson, "merge", merged_with=partner, version=2)
    assert lesson.substitute_id == partner.teacher_id and merged.merged_with_id == partner.id
    with pytest.raises(RuleError, match="в то же время"):
        tt.substitute(db.session, deputy, lesson, "merge",
                      merged_with=db.session.scalars(select(Lesson).where(Lesson.date != lesson.date)).first(),
                      version=3)


def test_free_teachers_same_subject_first_then_alphabetical(ctx, deputy):
    lesson = todays_lesson()
    free = tt.free_teachers(db.session, lesson)
    ids = {s.id for s in free}
    assert lesson.teacher_id not in ids and busy_teacher(lesson).id not in ids
    same = set(db.session.scalars(select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.subject_id == lesson.subject_id)))
    teaching = set(db.session.scalars(select(TeachingAssignment.teacher_id)))
    tiers = [0 if s.id in same else 1 if s.id in teaching else 2 for s in free]
    assert tiers == sorted(tiers) and 0 in tiers
    for tier in set(tiers):
        names = [(s.last_name, s.first_name) for s, t in zip(free, tiers) if t == tier]
        assert names == sorted(names)
    tt.add_teacher_absence(db.session, deputy, free[0], TODAY, TODAY)
    assert free[0].id not in {s.id for s in tt.free_teachers(db.session, lesson)}


def test_substitution_hours_match_a_hand_count(ctx, deputy):
    teacher = person_of_login("teacher")
    lessons = db.session.scalars(select(Lesson).where(
        Lesson.teacher_id == teacher.id, Lesson.date >= TODAY, Lesson.date <= TODAY + timedelta(days=4))
        .order_by(Lesson.date, Lesson.number)).all()
    assert len(lessons) >= 3
    hand = {}
    for i, lesson in enumerate(lessons):
        kind = ("teacher", "subject", "cancel")[i % 3]
        free = tt.free_teachers(db.session, lesson)[i % 2]
        other_subject = db.session.scalar(select(Subject).where(Subject.id != lesson.subject_id))
        tt.substitute(db.session, deputy, lesson, kind, substitute=free if kind != "cancel" else None,
                      subject=other_subject if kind == "subject" else None)
        if kind != "cancel":
            hand[free.id] = hand.get(free.id, 0) + 1
    # A replaced substitution no longer counts: the first one goes over to the second teacher.
    first = lessons[0]
    replacement = tt.free_teachers(db.session, first)[1]
    previous = first.substitute_id
    tt.substitute(db.session, deputy, first, "teacher", substitute=replacement, version=1)
    hand[previous] -= 1
    hand[replacement.id] = hand.get(replacement.id, 0) + 1
    db.session.commit()
    report = tt.substitution_hours(db.session, 2026, 11)
    assert {r.staff.id: r.lessons for r in report} == {k: v for k, v in hand.items() if v}
    assert [r.staff.last_name for r in report] == sorted(r.staff.last_name for r in report)
    assert tt.substitution_hours(db.session, 2026, 12) == []


def db_dialect(app):
    with app.app_context():
        return db.engine.dialect.name


def test_two_deputies_at_once_the_second_waits_and_is_told(app, deputy):
    """Two real transactions: on PostgreSQL the first holds the lesson's row lock until it
    commits and the second waits for it; on either database the second then sees the first
    substitution and is refused."""
    import threading

    from sqlalchemy.orm import Session

    with app.app_context():
        lesson = todays_lesson()
        lesson_id = lesson.id
        first_id, second_id = [s.id for s in tt.free_teachers(db.session, lesson)[:2]]
        db.session.remove()
    locked, outcome = threading.Event(), {}

    def deputy_a():
        with app.app_context(), Session(db.engine) as session:
            try:
                tt.substitute(session, deputy, lesson_id, "teacher", substitute=session.get(tt.Staff, first_id))
            finally:
                locked.set()
            if db_dialect(app) == "postgresql":
                threading.Event().wait(0.5)  # hold the lock while the other deputy tries
            session.commit()
            outcome["a"] = "stored"

    def deputy_b():
        locked.wait(5)
        with app.app_context(), Session(db.engine) as session:
            try:
                tt.substitute(session, deputy, lesson_id, "teacher", substitute=session.get(tt.Staff, second_id))
                session.commit()
                outcome["b"] = "stored"
            except RuleError as error:
                session.rollback()
                outcome["b"] = error.message

    if db_dialect(app) == "postgresql":
        threads = [threading.Thread(target=deputy_a), threading.Thread(target=deputy_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    else:  # SQLite has no row locks (it serialises writers): the same two deputies, one after the other
        deputy_a()
        deputy_b()
    assert outcome.get("a") == "stored" and "уже записали" in outcome.get("b", "")
    with app.app_context():
        rows = db.session.scalars(select(tt.Substitution).where(tt.Substitution.lesson_id == lesson_id)).all()
        assert [(r.substitute_id, r.closed_at) for r in rows] == [(first_id, None)]
        db.session.remove()


def test_a_cancelled_lesson_takes_no_marks(ctx):
    assignment = assignment_of("teacher")
    lesson = lesson_on(assignment, TODAY)
    student = roster(assignment)[0]
    lesson.cancelled = True
    db.session.commit()
    with pytest.raises(RuleError, match="отменён"):
        add_mark(JournalWriter(None, person_of_login("teacher").id, False), lesson, student, "5", "grid")
