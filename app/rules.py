"""What every domain rule shares: the error it raises and the clock it reads."""
from datetime import date

from flask import current_app, has_app_context


class RuleError(ValueError):
    """A rule of the school refused the change. The message is for the user, in Russian.

    `field` names the form field at fault, when there is one, so that the form can
    show the message beside it.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class NeedsConfirmation(RuleError):
    """A warning the user may override by confirming (e.g. a probable duplicate)."""


class Conflict(RuleError):
    """Somebody saved the record after the writer loaded it: nothing is overwritten (HTTP 409)."""


def today():
    """The school's date. Tests and the demo may pin it with JOURNAL_TODAY (YYYY-MM-DD)."""
    if has_app_context():
        pinned = current_app.config.get("JOURNAL_TODAY")
        if pinned:
            return pinned if isinstance(pinned, date) else date.fromisoformat(pinned)
    return date.today()


def fmt_date(value):
    """ДД.ММ.ГГГГ, the one date format of the school's papers."""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}" if value else ""  # strftime is 4× slower


def require(value, message, field=None):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RuleError(message, field)
    return value
