"""The demo school's printed copies: 5А's journal for the last finished quarter in every state of
the sign-off (printouts/workflow.py), so that each demo login finds a step of its own waiting and
the archive register has an entry to show.

Every copy is made and moved on by the rules themselves, step by step, by the demo login whose step
it is: the history of each copy is what the school would see. The teachers of 5А who have no demo
login signed «on paper»: a deputy records their signatures (workflow.record_paper_signature).
Nothing is committed: the caller commits.
"""
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.people import Staff
from app.rules import today
from app.structure import ClassGroup, Period
from printouts import workflow
from printouts.class_journal import build_class_journal


def create_demo_printouts(session, logins):
    """`logins`: {demo login name: its User}. Returns how many copies were made (none when no
    quarter of 5А has ended yet)."""
    classgroup = _class_of(session, logins["classteacher"])
    period = _last_finished_period(session, classgroup) if classgroup is not None else None
    if period is None:
        return 0
    # The eight copies are made of the same data: drawn once, like a deputy's batch.
    drawn = build_class_journal(session, classgroup.id, period.id, school_name=workflow.school_name())
    for state in workflow.ORDER:
        with _on(_holiday_days(period)[1]):  # day 2 of the holidays: the deputy prints
            printout = workflow.generate(session, logins["deputy"], classgroup, period, incomplete_ok=True,
                                         duplicate_ok=True, rendered=drawn)
        _move_to(session, printout, state, logins)
    session.flush()
    return len(workflow.ORDER)


def _class_of(session, class_teacher_login):
    staff = session.scalar(select(Staff).where(Staff.user_id == class_teacher_login.id))
    return session.scalar(select(ClassGroup).where(ClassGroup.class_teacher_id == staff.id)
                          .order_by(ClassGroup.id)) if staff is not None else None


def _last_finished_period(session, classgroup):
    return session.scalar(select(Period).where(
        Period.school_year_id == classgroup.school_year_id, Period.grade_from <= classgroup.grade,
        Period.grade_to >= classgroup.grade, Period.ends_on < today()).order_by(Period.ends_on.desc()))


def _holiday_days(period, count=7):
    """The school's days after the period, as 004 §4 lays the sign-off out over the holidays (day 2
    the deputy prints, day 3 the teachers sign, …): weekdays, never later than today."""
    days, day = [], period.ends_on
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(min(day, today()))
    return days


@contextmanager
def _on(day):
    """The school's clock (app.rules.today) pinned to `day` while a step is taken, so that the dates
    under the signatures and in the register are those of the holidays, not of the demo's creation."""
    config = current_app.config
    kept = config.get("JOURNAL_TODAY")
    config["JOURNAL_TODAY"] = day
    try:
        yield
    finally:
        config["JOURNAL_TODAY"] = kept


def _move_to(session, printout, state, logins):
    """Take the steps that bring a fresh copy to `state`, each by its own person on its own day."""
    steps = [lambda: _teachers_sign(session, printout, logins),
             lambda: workflow.certify_title(session, logins["classteacher"], printout),
             lambda: workflow.certify_as_deputy(session, logins["deputy"], printout),
             lambda: workflow.register(session, logins["secretary"], printout,
                                       workflow.suggest_register_number(session, printout),
                                       sheet_count=printout.sheet_count),
             lambda: workflow.director_sign(session, logins["director"], printout),
             lambda: workflow.seal(session, logins["secretary"], printout),
             lambda: workflow.archive(session, logins["secretary"], printout)]
    days = _holiday_days(printout.period)
    # Day 3 the teachers, day 4 the class teacher, day 5 the deputy; then the office.
    on = [days[2], days[3], days[4], days[5], days[6], days[6], days[6]]
    for step, day in zip(steps[:workflow.index_of(state)], on):
        with _on(day):
            step()
        session.flush()


def _teachers_sign(session, printout, logins):
    for login in ("teacher", "classteacher"):
        workflow.sign_sheets(session, logins[login], printout)
    workflow.record_paper_signature(session, logins["deputy"], printout)
