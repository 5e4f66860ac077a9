"""The class teacher's report to parents (issue 5): one student's marks by subject with their
dates, work types and weighted average, and their absences and lateness for a range of days,
on A4 (004 «Классный руководитель» в). The data come from app/parent_report.py."""
from app.rules import today
from printouts.pdf import render_pdf


def student_report_pdf(sheet, school_name, printed_on=None) -> bytes:
    """The PDF of one app.parent_report.StudentSheet; `printed_on` (the date beside the class
    teacher's name) is the school's today unless given."""
    return render_pdf("parent_report.html", sheet=sheet, school_name=school_name, printed_on=printed_on or today())
