"""Dense sheets drawn with ReportLab's platypus directly, and documents assembled from sheets.

Why not xhtml2pdf for the grids: it lays out an HTML table at 0.38–0.44 s for one sheet of
30 students × 40 lessons (0.24 s with empty cells) and holds a process-wide lock, while
ReportLab's own `Table` (the engine under xhtml2pdf) draws the same grid in a few hundredths
of a second (`flask journal bench-printouts` prints both). The texts a school may restyle stay
templates: the headings (journal_headings.html) and signature lines (signature_block.html)
are Jinja macros producing the small markup ReportLab's Paragraph and xhtml2pdf both read; the
title page and the summary sheet of final marks are whole xhtml2pdf templates.

Every sheet is its own small PDF, without page numbers: a sheet is drawn again only when what
it shows changed (SheetCache), and `assemble` joins the sheets with pypdf and stamps «Лист N
из M» on each page afterwards, because a page's number depends on every sheet before it.

Two details keep the assembled document small, quick to join and byte-for-byte reproducible:
- each sheet's canvas is invariant (no creation date or random document ID);
- each sheet's first font subsets are filled with the same 256 characters in the same order
  before anything is drawn (SeededCanvas), so they are the same font objects in every sheet:
  `assemble` embeds them once and points every sheet at them instead of copying (and parsing)
  each sheet's own. Copying them cost 10 ms a page and 40 KB a page; characters outside the
  seed (a Greek letter in a topic) go to a second subset, which is copied as usual.
"""
import hashlib
import io
import json
import re
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from threading import Lock
from typing import ClassVar

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle

from printouts.pdf import FONTS_DIR, PrintoutError, environment

FONT, BOLD = "JournalSans", "JournalSans-Bold"
LANDSCAPE, PORTRAIT = landscape(A4), A4
MARGIN = 1.5 * cm
NUMBER_Y = 0.8 * cm  # where «Лист N из M» is stamped, as base.html's footer puts it
PRODUCER = "Электронный журнал: печатные формы"
GRID_SIZE = 7  # pt: a mark or a name in the grid
HYPHENATED = re.compile(r"[^-]+-?|-")  # a word's parts, each with the hyphen it ends with
SMALLEST = 5  # pt: a long name shrinks down to this before it breaks inside a word
AWAY = colors.Color(0.85, 0.85, 0.85)  # a lesson before the student came or after they left
HEADER = colors.Color(0.9, 0.9, 0.9)

# The characters every sheet's first font subsets are filled with, in this order (see the
# module's docstring): ASCII is there already; these fill the remaining 159 codes.
SEED = ("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ–—№«»§…·×±°„“”‘’‚‹›€"
        "іїєґўІЇЄҐЎ©®™†‡•‰′″¹²³¼½¾÷√∞≈≠≤≥←→↑↓àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝß"
        "œŒšŠžŽčČřŘěĚůŮłŁńŃśŚźŹżŻąĄęĘőŐűŰğĞıİşŞ"
        "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρστυφχψω")
SUBSET = 256  # codes in a font subset of ReportLab


@cache
def fonts():
    """Register the embedded DejaVu faces with ReportLab once per process."""
    for name, filename in ((FONT, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        path = FONTS_DIR / filename
        if not path.is_file():
            raise PrintoutError(f"Нет файла шрифта {filename} в {FONTS_DIR}: без него кириллица "
                                "напечатается квадратиками.")
        font = TTFont(name, str(path))
        # Every sheet embeds the same seeded subset: cut it out of the font once, not once a sheet
        # (15 ms a sheet). Other subsets vary; a few are kept.
        font.face.makeSubset = _remembered(font.face.makeSubset)
        pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
    # ASCII85 on top of Flate makes streams a quarter larger and cost 6 ms a page in pure Python;
    # no reader needs it. (Process-wide: every ReportLab and xhtml2pdf PDF here is then plain Flate.)
    rl_config.useA85 = 0
    return FONT, BOLD


def _remembered(make_subset):
    @lru_cache(maxsize=8)
    def by_glyphs(glyphs):
        return make_subset(list(glyphs))

    return lambda subset: by_glyphs(tuple(subset))


_INVARIANT = Lock()


@contextmanager
def invariant_pdf():
    """xhtml2pdf makes its own canvas, which reads ReportLab's global switch: set it for this
    render only (under a lock, so that two threads never restore it out of order). fonts() first:
    it sets how streams are encoded, which must not depend on what this process drew before."""
    fonts()
    with _INVARIANT:
        saved = rl_config.invariant
        rl_config.invariant = 1
        try:
            yield
        finally:
            rl_config.invariant = saved


class SeededCanvas(Canvas):
    """An invariant canvas whose fonts' first subsets hold SEED, under fixed names (NAMES)."""

    NAMES: ClassVar[dict] = {}  # font -> the internal name of its first subset, the same in every sheet

    def __init__(self, *args, **kwargs):
        kwargs["invariant"] = 1
        kwargs["initialFontName"] = fonts()[0]  # not Helvetica: a sheet names no font it does not embed
        super().__init__(*args, **kwargs)
        for name in fonts():
            font = pdfmetrics.getFont(name)
            internal = font.getSubsetInternalName(0, self._doc)  # names are given in order of asking
            if SeededCanvas.NAMES.setdefault(name, internal) != internal:
                raise PrintoutError(f"Шрифт {name} получил в листе имя {internal} вместо "
                                    f"{SeededCanvas.NAMES[name]}: листы не собрать в один документ.")
            _fill_first_subset(font, self._doc)


def _fill_first_subset(font, doc):
    state = font.state[doc]
    for char in SEED:
        if state.nextCode >= SUBSET:
            return
        font.splitString(char, doc)
    if state.nextCode < SUBSET:
        raise PrintoutError(f"Шрифт {font.fontName}: не хватило символов, чтобы заполнить первый набор глифов.")


# ------------------------------------------------------------------ texts from the templates


@cache
def _macros(template_name):
    return environment().get_template(template_name).module


def macro(template_name, name, *args):
    """Markup from a macro of printouts/templates (escaped by Jinja: names with «<» or «&» print as text)."""
    return str(getattr(_macros(template_name), name)(*args)).strip()


def signature_markup(line):
    return macro("signature_block.html", "line", line)


@dataclass(frozen=True)
class Signature:
    """One line of a signature block: who signs (role, and the name as Фамилия И.О.; empty: a line
    to write it on) and, once the sign-off recorded the signature, its date."""

    role: str
    name: str = ""
    signed_on: object = None  # a date, once signed

    def as_data(self):
        return [self.role, self.name, self.signed_on.isoformat() if self.signed_on else None]


def fingerprint(model, signers):
    """SHA-256 of what a sheet shows: its data (`model`, plain strings and numbers as printed)
    and its default signers (role and name), as canonical JSON. Not of the PDF: the same data
    give the same fingerprint whatever the drawing, and a signature does not change it."""
    data = json.dumps([model, [[s.role, s.name] for s in signers]], ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def signature_lines(defaults, given=()):
    """The lines a sheet prints: its default signers, with what the workflow passed
    ([(role, name, date)]) put on the line of the same role, or added below."""
    lines = list(defaults)
    for role, name, signed_on in given or ():
        for index, line in enumerate(lines):
            if line.role == role:
                lines[index] = Signature(role, name or line.name, signed_on)
                break
        else:
            lines.append(Signature(role, name or "", signed_on))
    return lines


# ------------------------------------------------------------------ fitting text into a cell


def fit_lines(text, width, size=GRID_SIZE, font=FONT):
    """(lines, size): `text` broken into lines no wider than `width` points, between words or
    after a hyphen («Петрова-|Водкина»). A part wider than the cell first shrinks the whole text
    down to SMALLEST, then is broken between letters: a very long surname never runs into the
    next column."""
    if not text:
        return [], size
    while True:
        lines = wrap(text, width, font, size)
        if all(pdfmetrics.stringWidth(line, font, size) <= width for line in lines):
            return lines, size
        if size <= SMALLEST:
            return _break_words(lines, width, font, size), size
        size = max(SMALLEST, size - 0.5)


def wrap(text, width, font, size):
    lines, line = [], ""
    for word in text.split():
        for index, part in enumerate(HYPHENATED.findall(word)):
            candidate = (line + ("" if index else " ") + part) if line else part
            if line and pdfmetrics.stringWidth(candidate, font, size) > width:
                lines.append(line)
                line = part
            else:
                line = candidate
    return lines + [line] if line else lines


def _break_words(lines, width, font, size):
    broken = []
    for line in lines:
        current = ""
        for char in line:
            if current and pdfmetrics.stringWidth(current + char, font, size) > width:
                broken.append(current)
                current = char.lstrip()
            else:
                current += char
        broken.append(current)
    return broken


EMPTY = ()  # an empty cell: ReportLab's Table draws no text for it (an empty string costs a text object)


def cell_text(tokens, width, size=GRID_SIZE):
    """A grid cell's marks and absence («5 4 н»): as many tokens a line as fit the column."""
    if not tokens:
        return EMPTY
    text = " ".join(tokens)
    if len(tokens) < 2 or pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    return "\n".join(fit_lines(text, width, size)[0])


class Vertical(Flowable):
    """Text turned 90°, bottom to top: a lesson date over a narrow column."""

    def __init__(self, text, size=6.5, font=FONT):
        super().__init__()
        self.text, self.size, self.font = text, size, font
        self.length = pdfmetrics.stringWidth(text, font, size)

    def wrap(self, available_width, _available_height):
        self.width = available_width
        return available_width, self.length + 2

    def draw(self):
        canvas = self.canv
        canvas.saveState()
        canvas.setFont(self.font, self.size)
        canvas.rotate(90)
        canvas.drawString(1, -(self.width + self.size * 0.7) / 2, self.text)
        canvas.restoreState()


# ------------------------------------------------------------------ one sheet as a PDF


def styles():
    fonts()
    return {
        "heading": ParagraphStyle("heading", fontName=FONT, fontSize=9, leading=11.5),
        "signature": ParagraphStyle("signature", fontName=FONT, fontSize=8.5, leading=11),
    }


class SheetDocument(BaseDocTemplate):
    """A sheet's pages: the heading at the top of every page, the table in between, the
    signature lines at the foot of every page (each page is signed: 004 §4.2), room at the
    bottom right for the number stamped later."""

    def __init__(self, out, pagesize, heading, signatures):
        style = styles()
        width = pagesize[0] - 2 * MARGIN
        self.heading = Paragraph(heading, style["heading"])
        self.heading_height = self.heading.wrap(width, pagesize[1])[1]
        self.signatures = [Paragraph(signature_markup(line), style["signature"]) for line in signatures]
        self.signature_width = width - 4 * cm  # the page number's corner stays free
        heights = [p.wrap(self.signature_width, pagesize[1])[1] for p in self.signatures]
        self.signature_heights = heights
        bottom = NUMBER_Y + 0.5 * cm + sum(h + 8 for h in heights)
        top = 1.2 * cm + self.heading_height + 6
        super().__init__(out, pagesize=pagesize, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=top,
                         bottomMargin=bottom, invariant=1, title="", author="", creator=PRODUCER, producer=PRODUCER)
        frame = Frame(MARGIN, bottom, width, pagesize[1] - top - bottom, id="sheet",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate("sheet", [frame], onPage=self.decorate, pagesize=pagesize)])

    def decorate(self, canvas, _doc):
        height = self.pagesize[1]
        self.heading.drawOn(canvas, MARGIN, height - 1.2 * cm - self.heading_height)
        y = NUMBER_Y + 0.3 * cm
        for paragraph, line_height in reversed(list(zip(self.signatures, self.signature_heights))):
            paragraph.drawOn(canvas, MARGIN, y)
            y += line_height + 8


def draw_sheet(pagesize, heading, signatures, story):
    """PDF bytes of one sheet (any number of pages, no page numbers)."""
    out = io.BytesIO()
    try:
        SheetDocument(out, pagesize, heading, signatures).build(story, canvasmaker=SeededCanvas)
    except Exception as exc:  # ReportLab raises LayoutError, ValueError…; the user needs one message
        raise PrintoutError(f"Не удалось нарисовать лист печатной формы: {exc}") from exc
    return out.getvalue()


def ruled_table(rows, widths, commands=(), header_rows=1, size=GRID_SIZE):
    """A ruled table whose header rows repeat on every page it continues to."""
    table = Table(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, size, size + 1.5),
        ("FONT", (0, 0), (-1, header_rows - 1), BOLD, size, size + 1.5),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        *commands,
    ]))
    return table


# ------------------------------------------------------------------ the journal's dense sheets

NUMBER_WIDTH, NAME_WIDTH, SUMMARY_WIDTH = 16, 150, 20
MAX_DATE_WIDTH = 26


def grid_story(model):
    """The table of a grid part: students × lesson dates, then the part's summary columns.
    `model` is the part's data (class_journal.grid_part_model), exactly what the fingerprint covers."""
    fonts()
    dates, summary, rows = model["dates"], model["summary"], model["rows"]
    width = LANDSCAPE[0] - 2 * MARGIN
    date_width = min(MAX_DATE_WIDTH, (width - NUMBER_WIDTH - NAME_WIDTH - SUMMARY_WIDTH * len(summary))
                     / max(1, len(dates)))
    widths = [NUMBER_WIDTH, NAME_WIDTH] + [date_width] * len(dates) + [SUMMARY_WIDTH] * len(summary)
    header = ["№", "Фамилия, имя, отчество"] + [Vertical(d) for d in dates] + [Vertical(s, font=BOLD) for s in summary]
    table_rows, commands = [header], [("ALIGN", (2, 0), (-1, -1), "CENTER")]
    inner = date_width - 4
    for number, row in enumerate(rows, start=1):
        y = number
        name_lines, size = fit_lines(row["name"], NAME_WIDTH - 4)
        if row["note"]:
            name_lines.append(row["note"])
        if size != GRID_SIZE:
            commands.append(("FONT", (1, y), (1, y), FONT, size, size + 1.5))
        table_rows.append([str(number), "\n".join(name_lines)]
                          + [cell_text(tokens, inner) for tokens in row["cells"]]
                          + [value or EMPTY for value in row["summary"]])
        for start, end in row["away"]:
            commands.append(("BACKGROUND", (2 + start, y), (2 + end, y), AWAY))
    return [ruled_table(table_rows, widths, commands)]


TOPIC_WIDTHS = (20, 52, 24, 258, 236, 66, 101)
TOPIC_SIZE = 7.5


def topics_story(model):
    """Lesson by lesson: date, number, topic, homework, work type and who taught it."""
    fonts()
    rows, commands = [], [("VALIGN", (0, 0), (-1, -1), "TOP")]
    header = ("№", "Дата", "Урок", "Тема урока", "Домашнее задание", "Вид работы", "Учитель")
    rows += fit_rows(header, TOPIC_WIDTHS, 0, commands, TOPIC_SIZE, BOLD)
    for number, lesson in enumerate(model["lessons"], start=1):
        cells = (str(number), lesson["date"], lesson["number"], lesson["topic"], lesson["homework"],
                 lesson["work_type"], lesson["teacher"])
        rows += fit_rows(cells, TOPIC_WIDTHS, len(rows), commands, TOPIC_SIZE)
    if len(rows) == 1:
        rows.append(["", "", "", "Уроков в этом периоде не было.", "", "", ""])
    return [ruled_table(rows, list(TOPIC_WIDTHS), commands, size=TOPIC_SIZE)]


ATTENDANCE_HEADER = ("№", "Фамилия, имя, отчество", "Пропущено уроков, всего", "в т. ч. по болезни (Б)",
                     "по уважительной причине (У)", "без уважительной причины (Н)", "причина не указана (н)",
                     "Опозданий (О)")
ATTENDANCE_WIDTHS = (20, 190, 50, 50, 50, 50, 50, 50)
ATTENDANCE_SIZE = 8


def attendance_story(model):
    fonts()
    commands = [("ALIGN", (2, 0), (-1, -1), "CENTER")]
    rows = fit_rows(ATTENDANCE_HEADER, ATTENDANCE_WIDTHS, 0, commands, ATTENDANCE_SIZE, BOLD)
    for number, row in enumerate(model["rows"], start=1):
        cells = (str(number), row["name"], *(str(v) for v in row["counts"]))
        rows += fit_rows(cells, ATTENDANCE_WIDTHS, len(rows), commands, ATTENDANCE_SIZE)
    rows.append(["", "Итого по классу"] + [str(v) for v in model["totals"]])
    last = len(rows) - 1
    commands.append(("FONT", (0, last), (-1, last), BOLD, ATTENDANCE_SIZE, ATTENDANCE_SIZE + 1.5))
    return [ruled_table(rows, list(ATTENDANCE_WIDTHS), commands, size=ATTENDANCE_SIZE)]


ROW_LINES = 30  # lines a table row holds: a longer text goes on in the rows below it


def fit_rows(cells, widths, y, commands, size, font=FONT):
    """The table rows of one record (`y`: the first one's index): its texts broken into lines that
    fit their columns, a cell whose longest word had to shrink with its own font size. A text
    longer than ROW_LINES lines (a homework may have 5,000 characters) goes on in rows below:
    ReportLab splits a table between rows only, and a row taller than the page would not print."""
    fitted = [fit_lines(str(text), width - 4, size, font) if text else ([], size) for text, width in zip(cells, widths)]
    height = max(len(lines) for lines, _size in fitted)
    rows = []
    for start in range(0, max(height, 1), ROW_LINES):
        row = []
        for x, (lines, cell_size) in enumerate(fitted):
            chunk = lines[start:start + ROW_LINES]
            if chunk and cell_size != size:
                commands.append(("FONT", (x, y + len(rows)), (x, y + len(rows)), font, cell_size, cell_size + 1.5))
            row.append("\n".join(chunk) if chunk else EMPTY)
        rows.append(row)
    return rows


# ------------------------------------------------------------------ documents from sheets


@dataclass(frozen=True)
class Sheet:
    """A sheet of a printout: what the later sign-off stores (printout_sheet) and signs.
    `fingerprint` is the SHA-256 of the data the sheet shows, not of its PDF; the pages are
    1-based and inclusive."""

    key: str
    title: str
    fingerprint: str
    first_page: int
    last_page: int
    teacher_id: int | None = None

    @property
    def pages(self):
        return self.last_page - self.first_page + 1


@dataclass
class RenderedPrintout:
    """A printed document: its PDF and its sheets (in page order)."""

    kind: str  # "journal" or "final_marks" (printouts.models.KINDS)
    title: str
    classgroup_id: int
    school_year_id: int
    period_id: int | None
    pdf: bytes
    sheets: list
    rendered: list = field(default_factory=list)  # keys of the sheets drawn anew (not from the cache)

    @property
    def sheet_count(self):
        """Pages of the document: the «M» of «Лист N из M» and the number of sheets to bind."""
        return self.sheets[-1].last_page if self.sheets else 0

    def sheet(self, key):
        return next(s for s in self.sheets if s.key == key)

    @property
    def sha256(self):
        return hashlib.sha256(self.pdf).hexdigest()


class SheetCache:
    """Rendered sheets by their render key (fingerprint plus the signature lines shown), least
    recently used first out beyond `max_bytes`. A sheet whose data did not change is not drawn
    again. Any object with the same get/put works (a database table, for instance)."""

    def __init__(self, max_bytes=64 * 2 ** 20):
        self.max_bytes, self.size = max_bytes, 0
        self.items = OrderedDict()
        self.lock = Lock()

    def get(self, key):
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key, value):
        pdf, _pages = value
        with self.lock:
            if key in self.items or len(pdf) > self.max_bytes:
                return
            self.items[key] = value
            self.size += len(pdf)
            while self.size > self.max_bytes and self.items:
                _key, (old, _p) = self.items.popitem(last=False)
                self.size -= len(old)

    def clear(self):
        with self.lock:
            self.items.clear()
            self.size = 0


def page_count(pdf):
    return len(PdfReader(io.BytesIO(pdf)).pages)


def assemble(bodies, title, numbered=True):
    """One PDF from the sheets' PDFs in order; with `numbered`, «Лист N из M» at the foot of every
    page. `bodies`: PDF bytes, or (PDF bytes, seeded) where seeded says the sheet was drawn on a
    SeededCanvas (its first font subsets are then the shared ones)."""
    writer = PdfWriter()
    shared = _shared_fonts(writer)
    for body in bodies:
        pdf, seeded = body if isinstance(body, tuple) else (body, False)
        reader = PdfReader(io.BytesIO(pdf))
        if seeded:
            _share_fonts(reader, shared)
        for page in reader.pages:
            writer.add_page(page)
    if numbered:
        _stamp_numbers(writer, shared[FONT])
    writer.add_metadata({"/Title": title, "/Producer": PRODUCER, "/Creator": PRODUCER})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def _font_carrier():
    """A blank seeded page: its first font subsets are the ones every seeded sheet uses."""
    out = io.BytesIO()
    canvas = SeededCanvas(out, pagesize=PORTRAIT)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _shared_fonts(writer):
    """{font: the writer's copy of its seeded first subset}."""
    page = PdfReader(io.BytesIO(_font_carrier())).pages[0]
    fonts_of_page = page["/Resources"]["/Font"]
    return {name: fonts_of_page.raw_get(NameObject(internal)).clone(writer)
            for name, internal in SeededCanvas.NAMES.items()}


def _share_fonts(reader, shared):
    """Point a seeded sheet's first subsets at the writer's shared copies: pypdf then neither
    parses nor copies them (IndirectObject.clone keeps a reference already in the writer)."""
    seen = set()
    for page in reader.pages:
        fonts_of_page = page["/Resources"].raw_get("/Font")
        if id(fonts_of_page) in seen:
            continue
        seen.add(id(fonts_of_page))
        fonts_of_page = fonts_of_page.get_object()
        for name, internal in SeededCanvas.NAMES.items():
            if NameObject(internal) in fonts_of_page:
                fonts_of_page[NameObject(internal)] = shared[name]


NUMBER_FONT = "/JournalNumber"  # a name no sheet uses for its own fonts


def _stamp_numbers(writer, font_ref):
    """«Лист N из M» on every page, as a content stream of its own appended to the page's: the
    page's own (large) content is neither parsed nor rewritten, and is wrapped in q … Q so that
    whatever state it leaves does not move the number."""
    total = len(writer.pages)
    save = writer._add_object(_stream(b"q\n"))
    restore = writer._add_object(_stream(b"\nQ\n"))
    for number, page in enumerate(writer.pages, start=1):
        resources = page[NameObject("/Resources")].get_object()
        if "/Font" not in resources:
            resources[NameObject("/Font")] = DictionaryObject()
        resources["/Font"].get_object()[NameObject(NUMBER_FONT)] = font_ref
        text = f"Лист {number} из {total}"
        stamp = writer._add_object(_stream(_number_content(text, float(page.mediabox.width))))
        contents = page.raw_get("/Contents")
        own = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([save, *own, restore, stamp])


def _stream(data):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


@cache
def _seed_codes():
    """Character → code in the seeded first subset of FONT (the stamp's text is encoded with it)."""
    canvas = SeededCanvas(io.BytesIO(), pagesize=PORTRAIT)
    font = pdfmetrics.getFont(FONT)
    codes = {chr(char): code for char, code in font.state[canvas._doc].assignments.items() if code < SUBSET}
    del font.state[canvas._doc]
    return codes


def _number_content(text, page_width):
    codes = _seed_codes()
    encoded = bytearray()
    for char in text:
        code = codes[char]
        encoded += b"\\" + bytes([code]) if code in b"()\\" else (
            bytes([code]) if 32 <= code < 127 else b"\\%03o" % code)
    x = page_width - MARGIN - pdfmetrics.stringWidth(text, FONT, 8)
    return (b"0.27 0.27 0.27 rg BT %s 8 Tf 1 0 0 1 %.2f %.2f Tm (%s) Tj ET"
            % (NUMBER_FONT.encode(), x, NUMBER_Y, bytes(encoded)))
