"""The PDF pipeline (printouts/) and the staff room's daily changes sheet (issue 4).

PDFs are read back as a person reads them: the text pypdf extracts, page by page, and the
font each piece of text is drawn in. Today is Monday 23.11.2026 (conftest.TODAY)."""
import io
import shutil
from datetime import date, time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select, update

from app import timetable as tt
from app.extensions import db
from app.journal import Lesson
from app.timetable import UNCOVERED, DayChange
from printouts.changes_sheet import changes_sheet_pdf, render_changes_sheet
from printouts.pdf import FONTS_DIR, PrintoutError, html_to_pdf, render_html, render_pdf
from tests.conftest import TODAY
from tests.school import deputy_writer, person_of_login

SCHOOL = "МАОУ «Средняя общеобразовательная школа № 2»"
WEDNESDAY = date(2026, 11, 25)
HEADER = ("Урок", "Класс", "Предмет", "Учитель по", "Изменение", "Кто проводит", "Кабинет", "Примечание")
A4_LANDSCAPE = (842, 595)  # points, rounded


def pages_text(data):
    """Each page's text with runs of whitespace as one space: a cell's text wraps where its
    column ends, which these tests do not pin."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def text_fonts(data):
    """[(base font, font dictionary, text)] for every piece of text drawn, on all pages."""
    drawn = []
    for page in PdfReader(io.BytesIO(data)).pages:
        def visit(text, _cm, _tm, font, _size):
            if text.strip():
                drawn.append((str(font["/BaseFont"]) if font else None, font, text.strip()))
        page.extract_text(visitor_text=visit)
    return drawn


def fonts_of(data, words):
    """The fonts (without the subset tag) the pieces of text containing `words` are drawn in."""
    return {base.split("+")[-1] for base, _font, text in text_fonts(data) if words in text}


def change(i, **values):
    row = dict(lesson_id=i, number=i // 12 + 1, times="08:00–08:45", group=f"{5 + i % 7}А", subject="Математика",
               teacher="Кузнецова А.Б.", change="замена учителя", replacement="Смирнов В.Г.", room="201",
               note=f"запись {i:02d}")
    return DayChange(**{**row, **values})


# ------------------------------------------------------------------ layout, from a list of changes


def test_sheet_prints_cyrillic_in_embedded_dejavu_on_a4_landscape():
    rows = [change(1), change(2, change=UNCOVERED, replacement="—", teacher="Петрова Е.Н.")]
    data = render_changes_sheet(rows, WEDNESDAY, SCHOOL, printed_on=TODAY)
    [text] = pages_text(data)
    assert "Изменения в расписании на среду 25.11.2026" in text
    assert SCHOOL in text and "Кузнецова А.Б." in text and "Петрова Е.Н." in text
    assert "Лист 1 из 1" in text
    assert "Заместитель директора ____" in text and "Дата печати: 23.11.2026" in text
    assert all(name in text for name in HEADER)
    drawn = text_fonts(data)
    assert drawn and {base.split("+")[-1] for base, _f, _t in drawn} == {"DejaVuSans", "DejaVuSans-Bold"}
    for _base, font, _text in drawn:
        assert "/FontFile2" in font["/FontDescriptor"]  # the TrueType program is inside the PDF
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4_LANDSCAPE


def test_lesson_without_a_substitute_stands_out_in_bold():
    rows = [change(1, teacher="Орлова И.К."), change(2, change=UNCOVERED, replacement="—", teacher="Петрова Е.Н.")]
    data = render_changes_sheet(rows, WEDNESDAY, SCHOOL, printed_on=TODAY)
    assert fonts_of(data, "Петрова Е.Н.") == {"DejaVuSans-Bold"}
    assert fonts_of(data, "Орлова И.К.") == {"DejaVuSans"}


def test_markup_in_a_note_is_printed_as_text():
    note = "<b>x</b><script>"
    rows = [change(1, note=note), change(2, teacher="Орлова И.К.", note="после <script>alert(1)</script>")]
    html = render_html("changes_sheet.html", day=WEDNESDAY, school_name=SCHOOL, changes=rows, printed_on=TODAY)
    assert "<script>" not in html and "&lt;b&gt;x&lt;/b&gt;&lt;script&gt;" in html
    data = render_changes_sheet(rows, WEDNESDAY, SCHOOL, printed_on=TODAY)
    [text] = pages_text(data)
    assert note in text and "Орлова И.К." in text and "Дата печати" in text
    assert fonts_of(data, note) == {"DejaVuSans"}  # <b> did not make it bold


def test_long_day_spans_pages_with_the_header_row_and_sheet_number_on_each():
    rows = [change(i) for i in range(80)]
    pages = pages_text(render_changes_sheet(rows, WEDNESDAY, SCHOOL, printed_on=TODAY))
    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Лист {number} из {total}" in text
        assert all(name in text for name in HEADER), f"page {number} has no header row"
    assert "Изменения в расписании" in pages[0] and "Изменения в расписании" not in pages[1]
    assert "Дата печати: 23.11.2026" in pages[-1]
    # Every row printed once, in order, none lost at a page break.
    whole = "\n".join(pages)
    places = [whole.find(f"запись {i:02d}") for i in range(80)]
    assert -1 not in places and places == sorted(places)
    assert all(whole.count(f"запись {i:02d}") == 1 for i in range(80))


def test_render_errors_are_reported_in_russian(tmp_path):
    with pytest.raises(PrintoutError, match="Шаблон печатной формы changes_sheet.html не заполнился: .*changes"):
        render_pdf("changes_sheet.html", day=WEDNESDAY, school_name=SCHOOL, printed_on=TODAY)
    # The same font outside printouts/fonts is refused by the resource policy, and a PDF that
    # would print boxes for letters is refused with it.
    outside = tmp_path / "Copy.ttf"
    shutil.copyfile(FONTS_DIR / "DejaVuSans.ttf", outside)
    page = ('<style>@font-face {{ font-family: Other; src: url("{}"); }} body {{ font-family: Other; }}</style>'
            "<p>Привет</p>")
    with pytest.raises(PrintoutError, match=r"Не удалось построить PDF \(проба\): .*font-face"):
        html_to_pdf(page.format(outside.as_posix()), "проба")
    data = html_to_pdf(page.format((FONTS_DIR / "DejaVuSans.ttf").as_posix()), "проба")
    assert pages_text(data) == ["Привет"]


# ------------------------------------------------------------------ from the database


def clear_changes(*days):
    """Start from days without changes, whatever the demo recorded on them (written directly:
    the demo's absences and substitutions are not what these tests are about)."""
    for day in days:
        lessons = select(Lesson.id).where(Lesson.date == day)
        db.session.execute(delete(tt.Substitution).where(tt.Substitution.lesson_id.in_(lessons)))
        db.session.execute(update(Lesson).where(Lesson.date == day).values(substitute_id=None, cancelled=None))
        db.session.execute(delete(tt.TeacherAbsence).where(tt.TeacherAbsence.starts_on <= day,
                                                          tt.TeacherAbsence.ends_on >= day))
    db.session.commit()


def ring_bells(shift):
    """The bells of one shift from 08:00, 45-minute lessons and 10-minute breaks, instead of the demo's."""
    db.session.execute(delete(tt.Bell))
    for n in range(0, 11):
        start = 8 * 60 + n * 55
        db.session.add(tt.Bell(shift=shift, number=n, starts_at=time(start // 60, start % 60),
                               ends_at=time((start + 45) // 60, (start + 45) % 60)))
    db.session.flush()


def bell_text(number):
    start, end = 8 * 60 + number * 55, 8 * 60 + number * 55 + 45
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"


def test_empty_day_says_there_are_no_changes(ctx):
    clear_changes(TODAY)
    assert tt.day_changes(db.session, TODAY) == []
    [text] = pages_text(changes_sheet_pdf(db.session, TODAY, SCHOOL))
    assert "Изменения в расписании на понедельник 23.11.2026" in text
    assert "Изменений нет" in text and "Кто проводит" not in text
    assert "Лист 1 из 1" in text and "Дата печати: 23.11.2026" in text


def test_sheet_from_real_substitutions(ctx):
    clear_changes(TODAY)
    deputy = deputy_writer()
    teacher = person_of_login("teacher")
    tt.add_teacher_absence(db.session, deputy, teacher, TODAY, TODAY, "illness")
    uncovered = tt.uncovered_lessons(db.session, TODAY)[TODAY]
    assert len(uncovered) >= 2, "the demo teacher needs two lessons on Monday for this test"
    covered, left = uncovered[0], uncovered[1]
    ring_bells(left.classgroup.shift or 1)
    substitute = tt.free_teachers(db.session, covered)[0]
    tt.substitute(db.session, deputy, covered, "teacher", substitute=substitute, note="по болезни <b>Ф.</b>")
    cancelled = db.session.scalars(select(Lesson).where(
        Lesson.date == TODAY, Lesson.teacher_id != teacher.id).order_by(Lesson.number, Lesson.id)).first()
    tt.substitute(db.session, deputy, cancelled, "cancel", note="экскурсия")
    db.session.commit()

    data = changes_sheet_pdf(db.session, TODAY, SCHOOL)
    [text] = pages_text(data)
    assert "Изменения в расписании на понедельник 23.11.2026" in text and SCHOOL in text
    assert teacher.last_name in text and substitute.last_name in text and cancelled.teacher.last_name in text
    assert "замена учителя" in text and "по болезни <b>Ф.</b>" in text
    assert "урок отменён" in text and "экскурсия" in text
    assert fonts_of(data, "назначена") == {"DejaVuSans-Bold"}  # «замена не назначена»
    assert fonts_of(data, "экскурсия") == {"DejaVuSans"}
    assert bell_text(left.number) in text
    assert "Лист 1 из 1" in text and "Дата печати: 23.11.2026" in text
    # One row per change, in lesson order: as many bold rows as lessons still uncovered.
    assert text.count("назначена") == len(uncovered) - 1


def test_sheet_of_another_day_leaves_todays_changes_out(ctx, pinned_day):
    tomorrow = TODAY + timedelta(days=1)
    clear_changes(TODAY, tomorrow)
    lesson = db.session.scalars(select(Lesson).where(Lesson.date == TODAY).order_by(Lesson.number)).first()
    tt.substitute(db.session, deputy_writer(), lesson, "cancel", note="экскурсия")
    db.session.commit()
    pinned_day(tomorrow)
    [text] = pages_text(changes_sheet_pdf(db.session, tomorrow, SCHOOL))
    assert "на вторник 24.11.2026" in text and "Изменений нет" in text and "экскурсия" not in text
    assert "Дата печати: 24.11.2026" in text
    [today_text] = pages_text(changes_sheet_pdf(db.session, TODAY, SCHOOL))
    assert "экскурсия" in today_text and "урок отменён" in today_text
