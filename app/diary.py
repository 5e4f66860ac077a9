"""The diary (issue 5): what parents and students read of their own child, and when they
last opened it (001 3.5.5). Rules only, no HTTP; who sees which child is security/policy.py."""
from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer

from flask_appbuilder import Model


def _now():
    return datetime.now()


class DiaryVisit(Model):
    """When a parent or student last opened the diary (001 3.5.5: the class teacher sees whether
    parents read it). One row per login, updated on each opening."""

    __tablename__ = "diary_visit"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, unique=True)
    first_opened_at = Column(DateTime, nullable=False, default=_now)
    last_opened_at = Column(DateTime, nullable=False, default=_now)
    visits = Column(Integer, nullable=False, default=1)
