"""The issue's «done when», read off the paper: the demo's archived copy of 5А's 1st-quarter journal
(signed step by step by the demo logins, registered, sealed and filed by the secretary) holds every
student's name and every mark, absence and final mark of every subject, as its frozen PDF says, and
the archive register keeps it for five years from the end of the school year."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.journal import FinalMark
from app.people import Student
from app.structure import TeachingAssignment
from printouts.models import ArchiveRecord, Printout
from tests.school import classgroup
from tests.test_class_journal_printout import (
    alphabetical, column_dates, pages_text, printed_lessons, quarter, row_tokens,
)


def archived_copy():
    return db.session.scalar(select(Printout).where(Printout.state == "archived", Printout.retracted_at.is_(None)))


def sheet_pages(printout, key, pages):
    sheet = next(s for s in printout.sheets if s.key == key)
    return pages[sheet.first_page - 1:sheet.last_page]


def grid_rows(parts, students):
    """Each student's cells over every part of a subject's grid, and the lesson dates of the columns."""
    dates, rows = [], {student.id: [] for student in students}
    for text in parts:
        dates += column_dates(text)
        body = text.split("Фамилия, имя, отчество", 1)[1]
        for number, student in enumerate(students, start=1):
            start = body.index(f"{number} {student.full_name}") + len(f"{number} {student.full_name}")
            following = f"{number + 1} {students[number].full_name}" if number < len(students) else "Лист "
            rows[student.id].append(body[start:body.index(following, start)].split())
    return dates, rows


def test_archived_copy_holds_every_name_mark_and_final_mark_of_the_quarter(ctx):
    printout = archived_copy()
    q1, five_a = quarter(1), classgroup("5А")
    assert (printout.classgroup_id, printout.period_id, printout.register_number) == (five_a.id, q1.id, "ЭЖ-2026/004")
    pages = pages_text(printout.frozen_pdf)
    assert len(pages) == printout.sheet_count and pages[-1].endswith(f"Лист {len(pages)} из {len(pages)}")
    assert "Секретарь (рег. № ЭЖ-2026/004)" in pages[0]
    students = sorted(db.session.scalars(select(Student).where(Student.classgroup_id == five_a.id)), key=alphabetical)
    assignments = db.session.scalars(select(TeachingAssignment).where(
        TeachingAssignment.classgroup_id == five_a.id).order_by(TeachingAssignment.id)).all()
    checked_marks = 0
    for assignment in assignments:
        keys = sorted((s.key for s in printout.sheets if s.key.startswith(f"subject:{assignment.id}:")
                       and s.key != f"subject:{assignment.id}:topics"), key=lambda key: int(key.rsplit(":", 1)[1]))
        parts = [" ".join(sheet_pages(printout, key, pages)) for key in keys]
        roster = [s for s in students if assignment.subgroup_id is None or s in assignment.subgroup.students]
        lessons = printed_lessons(assignment.id, q1.starts_on, q1.ends_on)
        dates, rows = grid_rows(parts, roster)
        assert dates == [lesson.date.strftime("%d.%m.%Y") for lesson in lessons], assignment
        for student in roster:
            cells = [token for part in rows[student.id] for token in part]
            expected = row_tokens(student.id, lessons)
            final = db.session.scalar(select(FinalMark.value).where(
                FinalMark.student_id == student.id, FinalMark.subject_id == assignment.subject_id,
                FinalMark.period_id == q1.id, FinalMark.retracted_at.is_(None)))
            assert cells[:len(expected)] == expected, (assignment.subject.name, student.full_name)
            assert final is not None and cells[-1] == final, (assignment.subject.name, student.full_name, cells)
            checked_marks += sum(token.isdigit() for token in expected)
    assert checked_marks > 1000  # a quarter of marks, not an empty grid
    attendance = " ".join(sheet_pages(printout, "attendance", pages))
    assert all(attendance.count(student.full_name) == 1 for student in students)
    record = db.session.scalar(select(ArchiveRecord).where(ArchiveRecord.printout_id == printout.id))
    assert record.keep_until == date(2032, 5, 31)
