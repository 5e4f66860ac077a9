"""The class teacher's report to parents (issue 5): per student, marks and attendance for a
chosen range as a PDF (printouts/), sent to every parent of the class through the internal
mail. Rules only, no HTTP."""
from datetime import datetime

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String

from flask_appbuilder import Model


def _now():
    return datetime.now()


class ParentReport(Model):
    """The class teacher's report to parents for a date range, sent to every parent of the class
    at once; `done` of `total` drives the progress bar while it is being made and sent."""

    __tablename__ = "parent_report"
    id = Column(Integer, primary_key=True)
    classgroup_id = Column(Integer, ForeignKey("classgroup.id"), nullable=False, index=True)
    author_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    state = Column(String(10), nullable=False, default="pending")  # pending / running / done / failed
    total = Column(Integer, nullable=False, default=0)
    done = Column(Integer, nullable=False, default=0)
    error = Column(String(1000))
    created_at = Column(DateTime, nullable=False, default=_now)
    finished_at = Column(DateTime)
