"""Marks of one lesson from a file (CSV from a spreadsheet or another journal).

Each row is «Фамилия Имя Отчество;отметка[;вид работы]». Every mark goes through
journal_entry.add_mark with the path "import", so an import obeys the same rules as
the grid. All or nothing: the first bad row raises a RuleError naming the row, and the
caller rolls the whole file back.
"""
import csv
import io

from sqlalchemy import or_, select

from app.extensions import db
from app.journal import WorkType
from app.journal_entry import add_mark, check_student_at
from app.people import Enrollment, Student
from app.rules import RuleError

MAX_ROWS = 200


def read_rows(data):
    """The file's rows: UTF-8 (with or without BOM) or Windows-1251, «;» or «,» between fields."""
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RuleError("Файл не похож на текст (CSV в UTF-8 или Windows-1251).", "file")
    first_line = text.split("\n", 1)[0]
    delimiter = next((d for d in (";", "\t") if d in first_line), ",")
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in row)]
    if not rows:
        raise RuleError("Файл пустой.", "file")
    if len(rows) > MAX_ROWS:
        raise RuleError(f"В файле больше {MAX_ROWS} строк: это не отметки одного урока.", "file")
    return rows


def import_marks(writer, lesson, data):
    """Add the file's marks to the lesson; returns how many. Raises RuleError on the first bad row."""
    rows = read_rows(data)
    if rows[0] and rows[0][0].strip().lower() in ("фио", "ученик", "фамилия имя отчество"):
        rows = rows[1:]
    students = _students_by_name(lesson)
    work_types = {key: wt for wt in db.session.scalars(select(WorkType).where(WorkType.active.is_(True)))
                  for key in (wt.name.lower(), wt.short_name.lower())}
    added = set()  # a row repeating a mark just given (or a file sent twice) adds nothing: count what is new
    for number, row in enumerate(rows, 1):
        try:
            added.add(_import_row(writer, lesson, row, students, work_types).id)
        except RuleError as err:
            raise RuleError(f"Строка {number}: {err.message} Ничего не загружено.", "file") from err
    return len(added)


def _import_row(writer, lesson, row, students, work_types):
    cells = [cell.strip() for cell in row] + ["", ""]
    name, value, work_type_name = cells[0], cells[1], cells[2]
    student = students.get(" ".join(name.lower().replace("ё", "е").split()))
    if student is None:
        raise RuleError(f"«{name[:80]}» не найден(а) среди учеников {lesson.group_name}.")
    check_student_at(lesson, student)
    work_type = None
    if work_type_name:
        work_type = work_types.get(work_type_name.lower())
        if work_type is None:
            raise RuleError(f"Вида работы «{work_type_name[:60]}» нет в списке школы.")
    return add_mark(writer, lesson, student, value, "import", work_type=work_type)


def _students_by_name(lesson):
    students = db.session.scalars(select(Student).join(Enrollment, Enrollment.student_id == Student.id).where(
        Enrollment.classgroup_id == lesson.classgroup_id, Enrollment.starts_on <= lesson.date,
        or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= lesson.date)))
    return {" ".join(s.full_name.lower().replace("ё", "е").split()): s for s in students}
