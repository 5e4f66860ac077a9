"""How the journal writes dates and names on every page: ДД.ММ.ГГГГ, Фамилия Имя Отчество."""
from datetime import date, datetime

from app.rules import fmt_date


def register_filters(app):
    app.jinja_env.filters["ru_date"] = fmt_date
    app.jinja_env.filters["ru_datetime"] = lambda v: v.strftime("%d.%m.%Y %H:%M") if v else ""


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
