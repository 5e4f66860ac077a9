"""The staff room's daily changes sheet (issue 4): the day's substitutions, cancellations,
merged groups and lessons still without a substitute, printed by a deputy every morning."""
from app.rules import today
from app.timetable import day_changes
from printouts.pdf import render_pdf


def changes_sheet_pdf(session, day, school_name, printed_on=None) -> bytes:
    """The changes sheet of `day` as PDF. `printed_on` (the date under the signature line)
    is the school's today unless given."""
    return render_changes_sheet(day_changes(session, day), day, school_name, printed_on)


def render_changes_sheet(changes, day, school_name, printed_on=None) -> bytes:
    """The sheet from a ready list of app.timetable.DayChange, sorted as it should print."""
    return render_pdf("changes_sheet.html", day=day, school_name=school_name, changes=list(changes),
                      printed_on=printed_on or today())
