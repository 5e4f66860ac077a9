"""How the journal writes dates and names on every page: ДД.ММ.ГГГГ, Фамилия Имя Отчество."""
import json
from datetime import date, datetime

from markupsafe import Markup

from app.rules import fmt_date


def register_filters(app):
    app.jinja_env.filters["ru_date"] = fmt_date
    app.jinja_env.filters["ru_datetime"] = lambda v: v.strftime("%d.%m.%Y %H:%M") if v else ""
    app.jinja_env.filters["json_script"] = json_script


# Characters that could end a <script> element or start an entity, as JSON escapes
# (chained replace: str.translate with a dict is ten times slower on a 100 KB page).
_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"))


def json_script(value):
    """Data for a <script type="application/json"> block: compact JSON, safe inside the
    element (Flask's `tojson` also sorts every key, which the grid's page cannot afford)."""
    text = json.dumps(value, separators=(",", ":"))
    for char, escaped in _SCRIPT_SAFE:
        text = text.replace(char, escaped)
    return Markup(text)


def average_text(value, empty=""):
    """A weighted average as the journal, the diary and the reports print it: 4,25."""
    return f"{value:.2f}".replace(".", ",") if value is not None else empty


def value_text(value):
    """A cell's value as a person reads it (used by list formatters)."""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return fmt_date(value)
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)
