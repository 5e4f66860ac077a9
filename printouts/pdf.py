"""The rendering core: HTML from this package's Jinja2 templates, PDF from xhtml2pdf.

Templates extend `base.html`, which embeds the DejaVu fonts (the PDF core fonts have no
Cyrillic: without an embedded TTF every letter prints as a box), chooses the page size and
puts «Лист N из M» at the foot of every page. The environment is the package's own, not
Flask's: a PDF is rendered the same from a view, a CLI command or a background job.
"""
import io
import logging
import re
import threading
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from app.rules import fmt_date

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
FONTS_DIR = PACKAGE_DIR / "fonts"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

# Accusative, as in «на среду 25.11.2026».
WEEKDAYS_ACC = ("понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье")
WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")

# The templates are ours and fetch nothing but the fonts: no network, no reads outside the
# fonts folder (xhtml2pdf 0.2.28 otherwise confines reads to the working directory, which
# is wherever the process was started).
POLICY = ResourceAccessPolicy(allow_remote=False, base_dir=None, extra_roots=(FONTS_DIR,))


class PrintoutError(RuntimeError):
    """A printout could not be rendered. The message is for the user, in Russian."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def ru_datetime(value):
    return value.strftime("%d.%m.%Y %H:%M") if value else ""


def weekday(value, accusative=False):
    names = WEEKDAYS_ACC if accusative else WEEKDAYS
    return names[value.isoweekday() - 1] if value else ""


def font_url(name):
    """An embedded font's file for @font-face: only the package's fonts exist for a template."""
    if name not in FONT_FILES:
        raise PrintoutError(f"Шрифта {name} нет среди шрифтов печатных форм ({', '.join(FONT_FILES)}).")
    return (FONTS_DIR / name).as_posix()


@cache
def environment():
    # StrictUndefined: a misspelt variable must fail the render, not print an empty cell.
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(ru_date=fmt_date, ru_datetime=ru_datetime, weekday=weekday)
    env.globals.update(font_url=font_url)
    return env


def render_html(template_name, **context):
    """The printout's HTML, as xhtml2pdf will read it (for debugging a layout in a browser)."""
    try:
        return environment().get_template(template_name).render(**context)
    except TemplateError as exc:
        raise PrintoutError(f"Шаблон печатной формы {template_name} не заполнился: {exc}") from exc


def render_pdf(template_name, **context) -> bytes:
    """Render a template of printouts/templates to PDF bytes. Raises PrintoutError (with a
    Russian message) if a font is missing or xhtml2pdf reports an error: a PDF with holes
    or boxes instead of letters is worse than none."""
    return html_to_pdf(render_html(template_name, **context), template_name)


def html_to_pdf(html, source="печатная форма") -> bytes:
    """PDF bytes from ready HTML, under the package's resource policy; `source` names the
    document in error messages."""
    _check_fonts()
    out = io.BytesIO()
    with _Logged() as logged:
        try:
            result = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=POLICY)
        except Exception as exc:  # ReportLab and xhtml2pdf raise many kinds; the user needs one message
            raise PrintoutError(f"Не удалось построить PDF ({source}): {exc}") from exc
    problems = _problems(result, logged.found)
    if problems:
        raise PrintoutError(f"Не удалось построить PDF ({source}): {'; '.join(problems)}")
    return out.getvalue()


def _check_fonts():
    missing = [name for name in FONT_FILES if not (FONTS_DIR / name).is_file()]
    if missing:
        raise PrintoutError(f"Нет файлов шрифтов {', '.join(missing)} в {FONTS_DIR}: без них кириллица "
                            "напечатается квадратиками.")


# xhtml2pdf goes on after these, with Helvetica (no Cyrillic: boxes) or a hole where the
# resource was; our templates name only what exists, so any of them is a bug to show.
_FATAL = re.compile(r"font|resource policy|could not|cannot", re.IGNORECASE)


def _problems(result, logged):
    """What went wrong, if anything did. Decided from the document's own log, which nothing
    can switch off (Alembic's fileConfig disables the xhtml2pdf loggers created before it);
    worded from the logger's formatted messages when they got through (the document's log
    keeps only the unformatted ones)."""
    bad = [message for level, _line, message, _fragment in result.log if level == "error" or _FATAL.search(message)]
    if not bad and not result.err:
        return []
    unformatted = [message.replace("%r", "…").replace("%s", "…") for message in bad]
    return logged or unformatted or [f"xhtml2pdf насчитал ошибок: {result.err}"]


class _Logged(logging.Handler):
    """The messages xhtml2pdf logs during this thread's render that tell what went wrong."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread, self.found = threading.get_ident(), []

    def emit(self, record):
        message = record.getMessage().strip()
        if record.thread == self.thread and (record.levelno >= logging.ERROR or _FATAL.search(message)):
            self.found.append(message.splitlines()[0])

    def __enter__(self):
        logging.getLogger("xhtml2pdf").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("xhtml2pdf").removeHandler(self)
