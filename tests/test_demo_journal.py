"""The demo school's journal (app/demo_journal.py): a timetable without clashes, the year's
lessons up to the end of this week, marks and absences only where they can be, and the final
marks of the 1st quarter, which is over and closed."""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from app.demo_journal import _calendar
from app.extensions import db
from app.journal import Absence, Homework, JournalChange, Lesson, Mark, PlanTopic, WorkType
from app.people import Enrollment, Student
from app.structure import ClassGroup, Period, SchoolYear, TeachingAssignment, subgroup_student
from tests.conftest import TODAY
from tests.school import classgroup, person_of_login

SO_FAR = (date(2026, 9, 1), date(2026, 11, 27))  # from the 1st quarter's first day to Friday of TODAY's week
AUTUMN_HOLIDAYS = (date(2026, 10, 25), date(2026, 11, 4))


def count(query):
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_every_assignment_has_lessons_on_school_days_of_the_year_so_far(ctx):
    dates = db.session.execute(select(func.min(Lesson.date), func.max(Lesson.date))).one()
    assert tuple(dates) == SO_FAR
    assert all(d.weekday() < 5 for d in db.session.scalars(select(Lesson.date).distinct()))
    assert count(select(Lesson.id).where(Lesson.date.between(*AUTUMN_HOLIDAYS))) == 0
    for a in db.session.scalars(select(TeachingAssignment)):
        past = count(select(Lesson.id).where(Lesson.assignment_id == a.id, Lesson.date < TODAY))
        assert past >= 2 * round(a.hours_per_week), f"{a}: {past} lessons"
        group = Lesson.subgroup_id.is_(None) if a.subgroup_id is None else Lesson.subgroup_id == a.subgroup_id
        copied = count(select(Lesson.id).where(
            Lesson.assignment_id == a.id, Lesson.classgroup_id == a.classgroup_id, Lesson.teacher_id == a.teacher_id,
            Lesson.subject_id == a.subject_id, group))
        assert copied == count(select(Lesson.id).where(Lesson.assignment_id == a.id))


def test_no_class_or_teacher_is_in_two_places_at_once(ctx):
    teacher_twice = select(Lesson.teacher_id, Lesson.date, Lesson.number).group_by(
        Lesson.teacher_id, Lesson.date, Lesson.number).having(func.count() > 1)
    assert count(teacher_twice) == 0
    other = aliased(Lesson)
    # A class lesson shares its slot with nothing; the groups of a split subject learn together.
    clash = select(Lesson.id).join(other, and_(
        other.classgroup_id == Lesson.classgroup_id, other.date == Lesson.date, other.number == Lesson.number,
        other.id != Lesson.id)).where(or_(Lesson.subgroup_id.is_(None), other.subject_id != Lesson.subject_id))
    assert count(clash) == 0
    alone = select(Lesson.id).where(Lesson.subgroup_id.is_not(None), ~exists().where(
        other.classgroup_id == Lesson.classgroup_id, other.date == Lesson.date, other.number == Lesson.number,
        other.subject_id == Lesson.subject_id, other.subgroup_id != Lesson.subgroup_id))
    assert count(alone) == 0
    longest = select(func.count()).select_from(Lesson).group_by(Lesson.classgroup_id, Lesson.date, Lesson.subgroup_id)
    assert max(db.session.scalars(longest)) <= 7


def test_lessons_of_today_and_later_have_a_topic_and_nothing_else(ctx):
    ahead = select(Lesson.id).where(Lesson.date >= TODAY)
    assert count(ahead.where(Lesson.date == TODAY)) > 0
    assert count(ahead.where(or_(Lesson.topic == "", Lesson.plan_topic_id.is_(None)))) == 0
    assert count(select(Mark.id).where(Mark.lesson_id.in_(ahead))) == 0
    assert count(select(Absence.id).where(Absence.lesson_id.in_(ahead))) == 0
    assert count(select(Homework.id).where(Homework.lesson_id.in_(ahead))) == 0
    past = count(select(Lesson.id).where(Lesson.date < TODAY))
    with_homework = count(select(Homework.id).join(Lesson).where(Lesson.date < TODAY))
    assert 0.6 < with_homework / past < 0.9
    late_due = select(Homework.id).join(Lesson).where(Homework.due_on <= Lesson.date)
    assert count(late_due) == 0


def test_lesson_topics_follow_the_scheme_of_work(ctx):
    sizes = db.session.execute(select(func.count()).select_from(PlanTopic).group_by(
        PlanTopic.subject_id, PlanTopic.grade)).scalars().all()
    assert sizes and min(sizes) >= 20 and max(sizes) <= 35
    off_plan = select(Lesson.id).join(PlanTopic, PlanTopic.id == Lesson.plan_topic_id).where(
        PlanTopic.title != Lesson.topic)
    assert count(off_plan) == 0
    # The year starts at the first topic, and the 2nd quarter goes on from where the 1st stopped.
    numbers = select(func.min(PlanTopic.number)).join(Lesson, Lesson.plan_topic_id == PlanTopic.id)
    assert db.session.scalar(numbers) == 1
    assert db.session.scalar(numbers.where(Lesson.date > AUTUMN_HOLIDAYS[1])) > 1
    tests = select(Lesson.id).join(WorkType).where(WorkType.name == "Контрольная работа",
                                                   Lesson.topic.like("Контрольная работа%"))
    assert count(tests) > 0


def test_every_student_has_marks_and_attendance_is_kept(ctx):
    for student in db.session.scalars(select(Student).where(Student.classgroup_id.is_not(None))):
        marks = count(select(Mark.id).where(Mark.student_id == student.id))
        assert marks >= 5, f"{student.full_name}: {marks} marks"
    values = set(db.session.scalars(select(Mark.value).distinct()))
    assert values == {"2", "3", "4", "5"}
    reasons = set(db.session.scalars(select(Absence.reason).distinct()))
    assert {"Б", "У", "О", None} <= reasons


def test_marks_and_absences_only_for_students_of_the_lesson(ctx):
    for model in (Mark, Absence):
        stranger = select(model.id).join(Lesson, Lesson.id == model.lesson_id).where(
            ~exists().where(Enrollment.student_id == model.student_id,
                            Enrollment.classgroup_id == Lesson.classgroup_id, Enrollment.starts_on <= Lesson.date,
                            or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= Lesson.date)),
        )
        outsider = select(model.id).join(Lesson, Lesson.id == model.lesson_id).where(
            Lesson.subgroup_id.is_not(None), ~exists().where(
                subgroup_student.c.subgroup_id == Lesson.subgroup_id,
                subgroup_student.c.student_id == model.student_id))
        assert count(stranger) == 0 and count(outsider) == 0, model
    absent_but_marked = select(Mark.id).join(Absence, and_(
        Absence.lesson_id == Mark.lesson_id, Absence.student_id == Mark.student_id)).where(
        or_(Absence.reason.is_(None), Absence.reason != "О"))
    assert count(absent_but_marked) == 0


def test_written_works_of_the_last_three_days_are_not_marked_yet(ctx):
    written = select(Lesson.id).join(WorkType).where(WorkType.written.is_(True), Lesson.date < TODAY)
    recent = written.where(Lesson.date >= TODAY - timedelta(days=3))
    assert count(select(Mark.id).where(Mark.lesson_id.in_(recent))) == 0
    older = db.session.scalars(written.where(Lesson.date < TODAY - timedelta(days=3))).all()
    assert older
    unmarked = [lesson for lesson in older if not count(select(Mark.id).where(Mark.lesson_id == lesson))]
    assert not unmarked


def test_every_mark_and_absence_has_its_audit_row(ctx):
    for model, record in ((Mark, "mark"), (Absence, "absence")):
        records = count(select(model.id))
        audited = count(select(JournalChange.id).join(model, and_(
            JournalChange.record == record, JournalChange.record_id == model.id,
            JournalChange.student_id == model.student_id, JournalChange.lesson_id == model.lesson_id,
            JournalChange.at == model.created_at, JournalChange.path == "demo")))
        assert records and audited == records
    sample = db.session.execute(select(Mark.value, WorkType.short_name, JournalChange.new_value).join(
        WorkType, WorkType.id == Mark.work_type_id).join(JournalChange, and_(
            JournalChange.record == "mark", JournalChange.record_id == Mark.id)).limit(50)).all()
    assert all(new == f"{value} ({short})" for value, short, new in sample)


def test_demo_teacher_has_lessons_in_5a_today(ctx):
    teacher = person_of_login("teacher")
    lessons = db.session.scalars(select(Lesson).where(
        Lesson.teacher_id == teacher.id, Lesson.date == TODAY, Lesson.classgroup_id == classgroup("5А").id)).all()
    assert lessons and all(1 <= lesson.number <= 7 for lesson in lessons)


def test_the_current_period_is_the_one_begun_last():
    year = SchoolYear(name="2026/2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31))
    periods = [Period(number=1, starts_on=date(2026, 9, 1), ends_on=date(2026, 10, 24), grade_from=2, grade_to=9),
               Period(number=2, starts_on=date(2026, 11, 5), ends_on=date(2026, 12, 28), grade_from=2, grade_to=9)]
    sunday = _calendar(year, periods, 5, date(2026, 11, 22))
    assert sunday.period.number == 2 and sunday.days[-1] == date(2026, 11, 20)
    assert sunday.days[0] == date(2026, 9, 1) and [p.number for p in sunday.ended] == [1]
    holidays = _calendar(year, periods, 5, date(2026, 10, 30))
    assert holidays.period.number == 1 and holidays.days[-1] == date(2026, 10, 23)
    assert [p.number for p in holidays.ended] == [1]
    assert _calendar(year, periods, 5, date(2026, 10, 21)).ended == []
    assert _calendar(year, periods, 5, date(2026, 8, 25)).days == []
    assert _calendar(year, periods, 10, date(2026, 11, 23)).days == []  # no period of grade 10
    assert date(2026, 11, 4) not in _calendar(year, periods, 5, date(2026, 11, 6)).days


def test_first_quarter_is_closed_with_every_final_mark_its_marks_suggest(ctx):
    from app.journal import FinalMark
    from app.journal_entry import weighted_average
    from printouts.workflow import missing_final_marks

    q1, q2 = (db.session.scalar(select(Period).where(Period.number == n)) for n in (1, 2))
    assert q1.closed and not q2.closed
    for cls in db.session.scalars(select(ClassGroup)):
        assert missing_final_marks(db.session, cls, q1) == [], cls.name
    assert count(select(FinalMark.id).where(FinalMark.period_id != q1.id)) == 0
    audited = select(JournalChange.id).where(JournalChange.record == "final_mark", JournalChange.path == "demo")
    assert count(audited) == count(select(FinalMark.id)) > 0
    # Each mark is the student's weighted average of the quarter, rounded half up.
    student = db.session.scalar(select(Student).where(Student.classgroup_id == classgroup("5А").id)
                                .order_by(Student.id))
    for final in db.session.scalars(select(FinalMark).where(FinalMark.student_id == student.id)):
        marks = db.session.execute(select(Mark.value, WorkType.weight).join(
            WorkType, WorkType.id == Mark.work_type_id).join(Lesson, Lesson.id == Mark.lesson_id).where(
            Mark.student_id == student.id, Lesson.subject_id == final.subject_id,
            Lesson.date.between(q1.starts_on, q1.ends_on))).all()
        average = weighted_average(marks)
        expected = str(int(average + Decimal("0.5"))) if average is not None else "н/а"
        assert final.value == expected, (final.subject.name, marks)
