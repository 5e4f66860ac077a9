"""The printed class journal and the summary sheet of final marks (issue 6, item 1; 004 §4, 001 5.2–5.3).

PDFs are read back as a person reads them: the text pypdf extracts, page by page. Expected
values come from the database by queries of their own, not from the printout's code. Today is
Monday 23.11.2026 (conftest.TODAY): 5А's second quarter has lessons from 05.11.2026 on.
"""
import io
import re
from datetime import date, timedelta

import pytest
from flask import current_app
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from sqlalchemy import delete, select

from app.extensions import db
from app.grid import alphabetical  # the school's order of names (ё after е), as every list prints it
from app.journal import Absence, FinalMark, Homework, Lesson, Mark
from app.people import Enrollment, Staff, Student
from app.structure import Period, Subject, TeachingAssignment
from printouts import sheets
from printouts.class_journal import MAX_DATES, build_class_journal, build_many
from printouts.final_marks import build_final_marks
from printouts.pdf import PrintoutError
from printouts.sheets import SheetCache
from tests.conftest import TODAY
from tests.school import assignment_of, classgroup, clear_final_marks, students_of, work_type_named

SIGNED = date(2026, 12, 30)


# ------------------------------------------------------------------ reading the PDF


def pages_text(data):
    """Each page's text with runs of whitespace as one space (a cell's text wraps where its column ends)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def sheet_pages(printout, key, pages=None):
    pages = pages or pages_text(printout.pdf)
    sheet = printout.sheet(key)
    return pages[sheet.first_page - 1:sheet.last_page]


def column_dates(text):
    """The dates over a grid page's columns (the heading's period dates come before the header row)."""
    return re.findall(r"\d\d\.\d\d\.\d{4}", text.split("Фамилия, имя, отчество", 1)[1])


def pieces(data, page_index):
    """[(x, x_end, text)] of the text drawn on a page, in points from the page's left edge."""
    found = []

    def visit(text, cm, tm, font, size):
        text = text.strip()
        if not text or not font:
            return
        scale = tm[0] * cm[0]
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        bold = "Bold" in str(font["/BaseFont"])
        width = pdfmetrics.stringWidth(text, sheets.BOLD if bold else sheets.FONT, size * scale)
        found.append((x, x + width, text))

    sheets.fonts()
    PdfReader(io.BytesIO(data)).pages[page_index].extract_text(visitor_text=visit)
    return found


# ------------------------------------------------------------------ the school's data, by its own queries


def quarter(number, year="2026/2027"):
    return db.session.scalar(select(Period).join(Period.school_year).where(
        Period.number == number, Period.kind == "quarter", Period.school_year.has(name=year)))


def printed_lessons(assignment_id, start, end):
    return db.session.scalars(select(Lesson).where(
        Lesson.assignment_id == assignment_id, Lesson.date.between(start, end), Lesson.cancelled.is_not(True))
        .order_by(Lesson.date, Lesson.number)).all()


def row_tokens(student_id, lessons):
    """What the student's row shows, cell by cell: marks in the order given, then the absence."""
    tokens = []
    for lesson in lessons:
        marks = db.session.scalars(select(Mark.value).where(
            Mark.lesson_id == lesson.id, Mark.student_id == student_id, Mark.retracted_at.is_(None))
            .order_by(Mark.id)).all()
        absence = db.session.scalar(select(Absence).where(
            Absence.lesson_id == lesson.id, Absence.student_id == student_id, Absence.retracted_at.is_(None)))
        tokens += marks + ([absence.reason or "н"] if absence else [])
    return tokens


def row_text(text, number, name, next_name=None):
    """The text of one grid row: from «N Name» to the next row's number and name (or the page's end)."""
    start = text.index(f"{number} {name}") + len(f"{number} {name}")
    end = text.index(f"{number + 1} {next_name}", start) if next_name else len(text)
    return text[start:end].split()


def put_marks(lesson, student, *values, absence=None):
    """A cell as the test wants it, whatever the demo put there."""
    for model in (Mark, Absence):
        db.session.execute(delete(model).where(model.lesson_id == lesson.id, model.student_id == student.id))
    work_type = work_type_named("Ответ на уроке")
    for value in values:
        db.session.add(Mark(lesson_id=lesson.id, student_id=student.id, work_type_id=work_type.id, value=value))
    if absence is not None:
        db.session.add(Absence(lesson_id=lesson.id, student_id=student.id, reason=absence))
    db.session.commit()


def new_subject(name, teacher, classgroup_id, lessons, start, numbers=(6, 7, 8)):
    """A subject of 5А with `lessons` lessons on school days from `start`, several a day."""
    subject = Subject(name=name, short_name=name[:20])
    db.session.add(subject)
    db.session.flush()
    assignment = TeachingAssignment(teacher_id=teacher.id, classgroup_id=classgroup_id, subject_id=subject.id,
                                    hours_per_week=3)
    db.session.add(assignment)
    db.session.flush()
    day, made = start, []
    while len(made) < lessons:
        if day.weekday() < 5:
            for number in numbers[:lessons - len(made)]:
                made.append(Lesson(assignment_id=assignment.id, classgroup_id=classgroup_id, subject_id=subject.id,
                                   teacher_id=teacher.id, date=day, number=number, topic=f"Тема {len(made) + 1:02d}"))
        day += timedelta(days=1)
    db.session.add_all(made)
    db.session.commit()
    return assignment, made


def add_students(classgroup_id, count, last_name="Новиков"):
    added = []
    for index in range(count):
        student = Student(last_name=f"{last_name}{chr(ord('а') + index)}", first_name="Пётр", middle_name="Ильич",
                          birth_date=date(2015, 1, 1), classgroup_id=classgroup_id, admitted_on=date(2026, 9, 1))
        db.session.add(student)
        db.session.flush()
        db.session.add(Enrollment(student_id=student.id, classgroup_id=classgroup_id, starts_on=date(2026, 9, 1)))
        added.append(student)
    db.session.commit()
    return added


# ------------------------------------------------------------------ 5А's quarter


def test_quarter_printout_of_5a_holds_the_journal(ctx):
    five_a = classgroup("5А")
    russian = assignment_of("classteacher")  # the class teacher's first subject: Русский язык
    q2 = quarter(2)
    lessons = printed_lessons(russian.id, q2.starts_on, TODAY)
    students = sorted(students_of("5А"), key=alphabetical)
    known, known_lesson = students[3], lessons[5]
    put_marks(known_lesson, known, "5", "4", absence="О")

    printout = build_class_journal(db.session, five_a.id, q2.id)
    pages = pages_text(printout.pdf)
    total = len(pages)
    assert printout.sheet_count == total and printout.kind == "journal" and printout.period_id == q2.id

    title = sheet_pages(printout, "title", pages)[0]
    assert current_app.config["SCHOOL_NAME"] in title and "КЛАССНЫЙ ЖУРНАЛ" in title
    assert "Класс 5А" in title and "Учебный год 2026/2027" in title
    assert "Период 2 четверть (05.11.2026 – 28.12.2026)" in title
    assert f"Классный руководитель {five_a.class_teacher.full_name}" in title
    assert f"Всего в журнале листов: {total}." in title
    for role in ("Классный руководитель ____", "Заместитель директора ____", "Директор ____"):
        assert role in title
    assert "М.П." in title

    for number, text in enumerate(pages, start=1):
        assert text.endswith(f"Лист {number} из {total}"), f"page {number}: {text[-40:]}"

    grid = " ".join(sheet_pages(printout, f"subject:{russian.id}:1", pages))
    assert "5А класс · Русский язык — отметки и посещаемость" in grid
    assert f"Учитель: {russian.teacher.full_name}" in grid
    assert f"Учитель ____________________ {russian.teacher.short_name} Дата ____" in grid
    for student in students:
        assert grid.count(student.full_name) == 1, student.full_name
    assert column_dates(grid) == [
        lesson.date.strftime("%d.%m.%Y") for lesson in lessons], "one column per lesson held, in order"
    index = students.index(known)
    row = row_tokens(known.id, lessons)
    assert row_text(grid, index + 1, known.full_name, students[index + 1].full_name)[:len(row)] == row
    assert "5 4 О" in " ".join(row)

    topics = " ".join(sheet_pages(printout, f"subject:{russian.id}:topics", pages))
    for lesson in lessons:
        assert f"{lesson.date.strftime('%d.%m.%Y')} {lesson.number} {lesson.topic}" in topics
    assert "24.11.2026" not in grid + topics, "lessons still to come are not printed"

    attendance = " ".join(sheet_pages(printout, "attendance", pages))
    assert "5А класс — итоги посещаемости" in attendance and "Итого по классу" in attendance
    assert all(attendance.count(student.full_name) == 1 for student in students)


def test_attendance_totals_count_every_subject(ctx):
    """Missed lessons per student over all subjects, of which for illness; late arrivals apart."""
    five_a = classgroup("5А")
    q2 = quarter(2)
    student = min(students_of("5А"), key=alphabetical)
    absences = db.session.execute(select(Absence.reason).join(Lesson, Lesson.id == Absence.lesson_id).where(
        Absence.student_id == student.id, Absence.retracted_at.is_(None), Lesson.cancelled.is_not(True),
        Lesson.date.between(q2.starts_on, TODAY))).scalars().all()
    codes = [reason or "н" for reason in absences]
    missed = [c for c in codes if c != "О"]
    expected = [len(missed), codes.count("Б"), codes.count("У"), codes.count("Н"), codes.count("н"), codes.count("О")]

    printout = build_class_journal(db.session, five_a.id, q2.id)
    text = " ".join(sheet_pages(printout, "attendance"))
    found = re.search(rf"1 {student.full_name} ((?:\d+ ){{6}})", text + " ")
    assert found, text[:300]
    assert [int(n) for n in found.group(1).split()] == expected
    assert f"Классный руководитель ____________________ {five_a.class_teacher.short_name}" in text


def test_contents_on_the_title_page_match_the_sheets(ctx):
    five_a = classgroup("5А")
    printout = build_class_journal(db.session, five_a.id, quarter(2).id)
    pages = pages_text(printout.pdf)
    title = pages[0]
    sections = {}
    for sheet in printout.sheets[1:]:
        section = sheet.title.split(":")[0]
        first, last = sections.get(section, (sheet.first_page, sheet.last_page))
        sections[section] = (min(first, sheet.first_page), max(last, sheet.last_page))
        assert sheet.first_page <= sheet.last_page
    assert sections["Итоги посещаемости"][1] == len(pages)
    pages_of = [p for sheet in printout.sheets for p in range(sheet.first_page, sheet.last_page + 1)]
    assert pages_of == list(range(1, len(pages) + 1)), "the sheets cover every page once, in order"
    for section, (first, last) in sections.items():
        shown = str(first) if first == last else f"{first}–{last}"
        assert re.search(re.escape(section) + r" [^0-9]*" + re.escape(shown) + r"( |$)", title), (section, shown)
    for assignment in db.session.scalars(select(TeachingAssignment).where(
            TeachingAssignment.classgroup_id == five_a.id)):
        grid = printout.sheet(f"subject:{assignment.id}:1")
        topics = printout.sheet(f"subject:{assignment.id}:topics")
        assert grid.teacher_id == topics.teacher_id == assignment.teacher_id
        assert f"· {assignment.subject.name}" in pages[grid.first_page - 1]
        assert "отметки и посещаемость" in pages[grid.first_page - 1]
        assert "даты, темы уроков и домашние задания" in pages[topics.first_page - 1]
    assert printout.sheet("title").teacher_id == five_a.class_teacher_id


def test_substitute_and_cancelled_lessons_by_their_dates(ctx, pinned_day):
    """This week the demo's mathematics of 5А is covered on Thursday and cancelled on Friday."""
    pinned_day(date(2026, 11, 27))
    covered = db.session.scalar(select(Lesson).where(Lesson.substitute_id.is_not(None),
                                                     Lesson.classgroup_id == classgroup("5А").id))
    cancelled = db.session.scalar(select(Lesson).where(Lesson.cancelled.is_(True),
                                                       Lesson.classgroup_id == classgroup("5А").id))
    assert covered is not None and cancelled is not None and covered.assignment_id == cancelled.assignment_id
    printout = build_class_journal(db.session, classgroup("5А").id, quarter(2).id)
    topics = " ".join(sheet_pages(printout, f"subject:{covered.assignment_id}:topics"))
    substitute = db.session.get(Staff, covered.substitute_id)
    assert f"{covered.date.strftime('%d.%m.%Y')} {covered.number} " in topics
    assert f"{substitute.short_name} (замена)" in topics
    assert f"{cancelled.date.strftime('%d.%m.%Y')} {cancelled.number} " in topics and "урок отменён" in topics
    grid = " ".join(sheet_pages(printout, f"subject:{covered.assignment_id}:1"))
    assert covered.date.strftime("%d.%m.%Y") in grid
    assert cancelled.date.strftime("%d.%m.%Y") not in grid, "a cancelled lesson has no column"


# ------------------------------------------------------------------ large and awkward data


def test_ninety_lessons_split_into_sheets_with_every_date_once(ctx):
    five_a = classgroup("5А")
    q1 = quarter(1)
    teacher = assignment_of("classteacher").teacher
    assignment, lessons = new_subject("Проектная деятельность", teacher, five_a.id, 90, q1.starts_on)
    students = sorted(students_of("5А"), key=alphabetical)
    marked = students[0]
    for index, lesson in enumerate(lessons[::7]):
        put_marks(lesson, marked, str(2 + index % 4))

    printout = build_class_journal(db.session, five_a.id, q1.id)
    pages = pages_text(printout.pdf)
    parts = [s for s in printout.sheets if re.fullmatch(rf"subject:{assignment.id}:\d+", s.key)]
    assert len(parts) == -(-90 // MAX_DATES) == 4
    assert [s.key for s in parts] == [f"subject:{assignment.id}:{n}" for n in range(1, 5)]
    dates, marks = [], []
    for number, part in enumerate(parts, start=1):
        text = " ".join(sheet_pages(printout, part.key, pages))
        assert f"отметки и посещаемость, часть {number} из 4" in text
        shown = column_dates(text)
        assert 0 < len(shown) <= MAX_DATES
        dates += shown
        assert all(text.count(student.full_name) == 1 for student in students), "names repeat on every part"
        marks += row_text(text, 1, marked.full_name, students[1].full_name)
        assert ("Пропущено" in text) == (number == 4), "the summary columns close the last part"
    assert dates == [lesson.date.strftime("%d.%m.%Y") for lesson in lessons], "every lesson's date once, in order"
    assert marks == row_tokens(marked.id, lessons)
    topics = " ".join(sheet_pages(printout, f"subject:{assignment.id}:topics", pages))
    assert all(f"Тема {n:02d}" in topics for n in range(1, 91))
    assert "Проектная деятельность" in pages[0]


def test_forty_students_fit_or_split_by_rows_with_the_header_repeated(ctx):
    five_a = classgroup("5А")
    add_students(five_a.id, 40 - len(students_of("5А")))
    students = students_of("5А")
    assert len(students) == 40
    russian = assignment_of("classteacher")
    printout = build_class_journal(db.session, five_a.id, quarter(2).id)
    for key in (f"subject:{russian.id}:1", "attendance"):
        texts = sheet_pages(printout, key)
        for text in texts:
            assert "Фамилия, имя, отчество" in text, "the header row repeats on every page"
        whole = " ".join(texts)
        assert all(whole.count(student.full_name) == 1 for student in students), key


def test_very_long_names_wrap_or_shrink_inside_their_cells(ctx):
    five_a = classgroup("5А")
    q2 = quarter(2)
    [student] = add_students(five_a.id, 1, last_name="Преображенская-Константинопольская-Верхнеднепровская")
    student.first_name, student.middle_name = "Александра-Виктория", "Константиновна-Вторая"
    long_word = "Наивысочайшепревосходительнейшийпредмет"
    subject_name = (f"Индивидуальный проект {long_word}: основы исследовательской и проектной деятельности "
                    "в области естественных наук")
    assert len(subject_name) <= 150  # Subject.name
    teacher = assignment_of("classteacher").teacher
    assignment, lessons = new_subject(subject_name, teacher, five_a.id, 3, date(2026, 11, 16))
    put_marks(lessons[0], student, "5", "4", "3", "5", absence="О")
    lessons[1].topic = "Письменность соседей: Աբգ"  # letters beyond the fonts' shared first subset
    db.session.commit()

    printout = build_class_journal(db.session, five_a.id, q2.id)
    sheet = printout.sheet(f"subject:{assignment.id}:1")
    edge = sheets.MARGIN + sheets.NUMBER_WIDTH + sheets.NAME_WIDTH
    drawn = pieces(printout.pdf, sheet.first_page - 1)
    name_parts = [p for p in drawn if "Верхнеднепровская" in p[2] or "Преображенская" in p[2]
                  or "Константинопольская" in p[2]]
    assert name_parts, "the long name is printed"
    assert all(sheets.MARGIN < x and x_end <= edge + 0.5 for x, x_end, _t in name_parts), name_parts
    text = " ".join(sheet_pages(printout, sheet.key))
    for word in ("Александра-Виктория", "Константиновна-Вторая", "5 4 3 5 О"):
        assert word in text.replace("- ", "-"), word
    width = sheets.LANDSCAPE[0] - sheets.MARGIN
    assert all(x_end <= width + 0.5 for _x, x_end, _t in drawn), "nothing runs off the page"
    title = pages_text(printout.pdf)[0]
    assert "Индивидуальный проект" in title and "в области естественных наук" in title
    assert "Письменность соседей: Աբգ" in " ".join(sheet_pages(printout, f"subject:{assignment.id}:topics"))


def test_a_homework_longer_than_a_page_goes_on_over_the_page(ctx):
    """A homework may hold 5,000 characters: its row goes on in the rows below, over the page break."""
    russian = assignment_of("classteacher")
    q2 = quarter(2)
    lesson = printed_lessons(russian.id, q2.starts_on, TODAY)[4]
    words = [f"упр{n:04d}" for n in range(1, 10_000)]
    text = " ".join(words)[:5000].rsplit(" ", 1)[0]
    homework = db.session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
    if homework is None:
        homework = Homework(lesson_id=lesson.id)
        db.session.add(homework)
    homework.text = text
    db.session.commit()

    printout = build_class_journal(db.session, classgroup("5А").id, q2.id)
    pages = sheet_pages(printout, f"subject:{russian.id}:topics")
    assert len(pages) >= 2
    assert all("Тема урока" in page and "Домашнее задание" in page for page in pages), "the header row repeats"
    shown = re.findall(r"упр\d{4}", " ".join(pages))
    assert shown == text.split(), "every word of the homework, once, in order"


# ------------------------------------------------------------------ the summary sheet of final marks


def test_summary_sheet_of_final_marks_against_the_database(ctx):
    five_a = classgroup("5А")
    q1, q4 = quarter(1), quarter(4)
    clear_final_marks(q1, "5А")  # the test's own pattern, with gaps
    students = sorted(students_of("5А"), key=alphabetical)
    subjects = db.session.scalars(select(Subject).where(Subject.id.in_(select(TeachingAssignment.subject_id).where(
        TeachingAssignment.classgroup_id == five_a.id))).order_by(Subject.id)).all()
    for i, student in enumerate(students):
        for j, subject in enumerate(subjects):
            if (i + j) % 5:
                db.session.add(FinalMark(student_id=student.id, subject_id=subject.id, school_year_id=q1.school_year_id,
                                         kind="period", period_id=q1.id, value=str(2 + (i * 3 + j) % 4)))
            db.session.add(FinalMark(student_id=student.id, subject_id=subject.id, school_year_id=q1.school_year_id,
                                     kind="year", value=str(3 + (i + j) % 3)))
    db.session.commit()

    printout = build_final_marks(db.session, five_a.id, q1.id)
    pages = pages_text(printout.pdf)
    text = " ".join(pages)
    assert printout.kind == "final_marks" and [s.key for s in printout.sheets] == ["final_marks"]
    assert printout.sheets[0].last_page == len(pages) and printout.sheets[0].teacher_id == five_a.class_teacher_id
    assert current_app.config["SCHOOL_NAME"] in pages[0]
    assert "Сводная ведомость итоговых отметок обучающихся 5А класса" in pages[0]
    assert "Учебный год: 2026/2027 · период: 1 четверть (01.09.2026 – 24.10.2026)" in pages[0]
    for role in ("Классный руководитель ____", "Заместитель директора ____", "Директор ____", "М.П."):
        assert role in pages[-1]
    assert all(f"Лист {n} из {len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert "Рус. яз. — Русский язык" in text, "the abbreviations are explained"
    assert "Год" not in text.split("Сокращения")[0], "the year's column waits for the last quarter"
    for i, student in enumerate(students):
        expected = [db.session.scalar(select(FinalMark.value).where(
            FinalMark.student_id == student.id, FinalMark.subject_id == subject.id, FinalMark.period_id == q1.id))
            for subject in subjects]
        shown = row_text(text, i + 1, student.full_name,
                         students[i + 1].full_name if i + 1 < len(students) else None)
        assert shown[:len([e for e in expected if e])] == [e for e in expected if e], student.full_name

    year = build_final_marks(db.session, five_a.id, None)
    year_text = " ".join(pages_text(year.pdf))
    assert "период: учебный год (01.09.2026 – 31.05.2027)" in year_text
    assert "1 ч. 2 ч. 3 ч. 4 ч. Год" in year_text
    last = build_final_marks(db.session, five_a.id, q4.id)
    assert "4 ч. Год" in " ".join(pages_text(last.pdf))


# ------------------------------------------------------------------ identity: fingerprints, bytes, cache


def fingerprints(printout):
    return {sheet.key: sheet.fingerprint for sheet in printout.sheets}


def test_fingerprints_are_stable_and_follow_one_changed_mark(ctx):
    five_a = classgroup("5А")
    q2 = quarter(2)
    russian = assignment_of("classteacher")
    first = build_class_journal(db.session, five_a.id, q2.id, cache=SheetCache())
    second = build_class_journal(db.session, five_a.id, q2.id, cache=SheetCache())
    assert fingerprints(first) == fingerprints(second)
    assert all(re.fullmatch(r"[0-9a-f]{64}", f) for f in fingerprints(first).values())
    assert len(set(fingerprints(first).values())) == len(first.sheets), "each sheet its own fingerprint"
    assert first.pdf == second.pdf, "the same data print the same bytes"

    cache = SheetCache()
    build_class_journal(db.session, five_a.id, q2.id, cache=cache)
    lesson = printed_lessons(russian.id, q2.starts_on, TODAY)[2]
    student = students_of("5А")[0]
    put_marks(lesson, student, "2")
    changed = build_class_journal(db.session, five_a.id, q2.id, cache=cache)
    differ = {k for k in fingerprints(first) if fingerprints(first)[k] != fingerprints(changed)[k]}
    assert differ == {f"subject:{russian.id}:1"}
    assert changed.rendered == [f"subject:{russian.id}:1"], "only the changed sheet is drawn again"
    assert changed.pdf != first.pdf and len(pages_text(changed.pdf)) == len(pages_text(first.pdf))

    put_marks(lesson, student, "2", absence="Б")
    absent = build_class_journal(db.session, five_a.id, q2.id, cache=cache)
    differ = {k for k in fingerprints(changed) if fingerprints(changed)[k] != fingerprints(absent)[k]}
    assert differ == {f"subject:{russian.id}:1", "attendance"}
    assert sorted(absent.rendered) == sorted(differ)


def test_signatures_print_name_and_date_without_changing_fingerprints(ctx):
    five_a = classgroup("5А")
    q2 = quarter(2)
    russian = assignment_of("classteacher")
    key = f"subject:{russian.id}:topics"
    cache = SheetCache()
    unsigned = build_class_journal(db.session, five_a.id, q2.id, cache=cache)
    signed = build_class_journal(db.session, five_a.id, q2.id, cache=cache, signatures={
        key: [("Учитель", "Яковлева Н.Ю.", SIGNED)],
        "title": [("Классный руководитель", "", SIGNED), ("Заместитель директора", "Петрова А.А.", SIGNED)],
    })
    assert fingerprints(signed) == fingerprints(unsigned)
    assert sorted(signed.rendered) == sorted([key, "title"])
    pages = pages_text(signed.pdf)
    assert "Учитель ____________________ Яковлева Н.Ю. Дата 30.12.2026" in " ".join(sheet_pages(signed, key, pages))
    title = pages[0]
    assert f"Классный руководитель ____________________ {five_a.class_teacher.short_name} Дата 30.12.2026" in title
    assert "Заместитель директора ____________________ Петрова А.А. Дата 30.12.2026" in title
    assert "Директор ____________________" in title and "Дата ________________" in title
    assert "Дата 30.12.2026" not in " ".join(sheet_pages(signed, f"subject:{russian.id}:1", pages))

    marks = build_final_marks(db.session, five_a.id, q2.id, signatures={"final_marks": [("Директор", "", SIGNED)]})
    again = build_final_marks(db.session, five_a.id, q2.id, signatures={"final_marks": [("Директор", "", SIGNED)]})
    assert marks.pdf == again.pdf, "the summary sheet prints the same bytes too"
    assert "Директор" in pages_text(marks.pdf)[-1] and "Дата 30.12.2026" in pages_text(marks.pdf)[-1]
    assert marks.sheets[0].fingerprint == build_final_marks(db.session, five_a.id, q2.id).sheets[0].fingerprint


def test_whole_year_printout_shows_every_period_and_the_year(ctx):
    five_a = classgroup("5А")
    printout = build_class_journal(db.session, five_a.id, None)
    pages = pages_text(printout.pdf)
    assert printout.period_id is None
    assert "Период учебный год (01.09.2026 – 31.05.2027)" in pages[0]
    russian = assignment_of("classteacher")
    last = [s for s in printout.sheets if re.fullmatch(rf"subject:{russian.id}:\d+", s.key)][-1]
    text = " ".join(sheet_pages(printout, last.key, pages))
    for column in ("Пропущено", "1 четверть", "2 четверть", "3 четверть", "4 четверть", "Годовая"):
        assert column in text


def test_refusals_are_in_russian(ctx):
    with pytest.raises(PrintoutError, match="Такого класса нет"):
        build_class_journal(db.session, 999_999, None)
    half = Period(school_year_id=quarter(1).school_year_id, kind="half", number=1, starts_on=date(2026, 9, 1),
                  ends_on=date(2026, 12, 28), grade_from=10, grade_to=11)
    db.session.add(half)
    db.session.commit()
    with pytest.raises(PrintoutError, match="Период не относится к 5А классу"):
        build_class_journal(db.session, classgroup("5А").id, half.id)
    with pytest.raises(PrintoutError, match="Период не относится к 5А классу"):
        build_final_marks(db.session, classgroup("5А").id, half.id)


def test_parallel_processes_print_the_same_bytes(app, ctx):
    """Two worker processes, each with its own database session, print what this process prints."""
    five_a, five_b = classgroup("5А"), classgroup("5Б")
    q2 = quarter(2)
    requests = [(five_a.id, q2.id), (five_b.id, q2.id)]
    here = {r: build_class_journal(db.session, *r, cache=SheetCache()).pdf for r in requests}
    db.session.remove()
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "JOURNAL_TODAY": TODAY,
                "TESTING": True}
    results = list(build_many(settings, requests, workers=2))
    assert [r[0] for r in results] == requests
    for request, built in results:
        assert built.printout.pdf == here[request]
        assert built.peak_rss > 0 and built.seconds > 0 and built.cpu_seconds > 0


def test_the_benchmarks_sheet_is_a_real_30_by_40_grid():
    """`flask journal bench-printouts` times this sheet against the 0.1 s target: it must be the
    grid a class of 30 with 40 lessons prints, split as the journal splits it."""
    from printouts.benchmark import draw_synthetic, synthetic_grid

    models, dates, names, cells = synthetic_grid()
    parts = draw_synthetic(models)
    assert len(parts) == 2 and [len(m["dates"]) for m in models] == [20, 20]
    texts = [" ".join(pages_text(pdf)) for pdf in parts]
    assert [d for text in texts for d in column_dates(text)] == dates
    assert all(text.count(name) == 1 for text in texts for name in names)
    filled = sum(1 for row in cells for cell in row if cell)
    assert filled > 0.5 * len(names) * len(dates), "about as full as a real journal"
