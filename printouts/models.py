"""The printed copy and its sign-off (issue 6; 004 §4, 001 3.9.6 and §5), as records.

A printout is one document (a class's journal for a period or the year, or its summary sheet
of final marks) made of sheets. Each step of the sign-off is a row of `printout_step`; the
state of the printout is where those steps have brought it. At registration the PDF bytes are
frozen with their SHA-256 and never change again; the archive register keeps the document's
record after disposal.
"""
from datetime import datetime

from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from flask_appbuilder import Model

KINDS = {"journal": "классный журнал", "final_marks": "сводная ведомость итоговых отметок"}
# The key of the journal's title page (PrintoutSheet.key): security/policy.py gives it to every
# teacher who may open a part of the copy, so it is named here, below both.
TITLE_SHEET = "title"
# The sign-off, in order (DOMAIN.md «The printed copy and its sign-off»).
STATES = {
    "generated": "сформирована, ждёт подписей учителей",
    "teachers_signed": "листы подписаны учителями",
    "class_teacher_certified": "титульный лист заверен классным руководителем",
    "deputy_certified": "заверена заместителем директора",
    "registered": "зарегистрирована секретарём",
    "director_signed": "подписана директором",
    "sealed": "заверена печатью",
    "archived": "в архиве",
}


def _now():
    return datetime.now()


class Printout(Model):
    __tablename__ = "printout"
    __table_args__ = (
        CheckConstraint("kind IN ('journal', 'final_marks')", name="ck_printout_kind"),
        Index("ix_printout_class", "classgroup_id", "period_id"),
    )
    id = Column(Integer, primary_key=True)
    kind = Column(String(12), nullable=False, default="journal")
    classgroup_id = Column(Integer, ForeignKey("classgroup.id"), nullable=False)
    school_year_id = Column(Integer, ForeignKey("school_year.id"), nullable=False, index=True)
    period_id = Column(Integer, ForeignKey("period.id"))  # NULL: the whole school year
    state = Column(String(24), nullable=False, default="generated")
    # Journal data under a signed sheet changed since: the affected sheets await signing again.
    stale = Column(Boolean, nullable=False, default=False)
    version = Column(Integer, nullable=False, default=1)  # two people taking one step: one wins
    pdf = Column(LargeBinary)  # the current rendering, with the signatures so far
    sheet_count = Column(Integer, nullable=False, default=0)
    generated_by_id = Column(Integer, ForeignKey("ab_user.id"))
    generated_at = Column(DateTime, nullable=False, default=_now)
    # Frozen at registration (the register of strict-accountability documents), never changed.
    register_number = Column(String(30), unique=True)
    registered_on = Column(Date)
    frozen_pdf = Column(LargeBinary)
    sha256 = Column(String(64))
    retracted_at = Column(DateTime)  # a superseded printout (regenerated) stays on record

    sheets = relationship("PrintoutSheet", back_populates="printout", order_by="PrintoutSheet.first_page")
    steps = relationship("PrintoutStep", back_populates="printout", order_by="PrintoutStep.id")
    classgroup = relationship("ClassGroup")
    school_year = relationship("SchoolYear")
    period = relationship("Period")

    @property
    def state_text(self):
        return STATES.get(self.state, self.state)

    @property
    def kind_text(self):
        return KINDS.get(self.kind, self.kind)


class PrintoutSheet(Model):
    """A sheet (or a run of pages) of one subject, the title page or the attendance totals, with
    the fingerprint of the data it shows and who signed it against which fingerprint."""

    __tablename__ = "printout_sheet"
    __table_args__ = (UniqueConstraint("printout_id", "key", name="uq_printout_sheet_key"),)
    id = Column(Integer, primary_key=True)
    printout_id = Column(Integer, ForeignKey("printout.id"), nullable=False, index=True)
    key = Column(String(60), nullable=False)
    title = Column(String(300), nullable=False, default="")
    teacher_id = Column(Integer, ForeignKey("staff.id"), index=True)  # who checks and signs it
    fingerprint = Column(String(64), nullable=False)
    first_page = Column(Integer, nullable=False)
    last_page = Column(Integer, nullable=False)
    signed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    signed_at = Column(DateTime)
    signed_fingerprint = Column(String(64))

    printout = relationship("Printout", back_populates="sheets")
    teacher = relationship("Staff")


class PrintoutStep(Model):
    """One step taken, or refused with a reason (who, when): the printout's history."""

    __tablename__ = "printout_step"
    id = Column(Integer, primary_key=True)
    printout_id = Column(Integer, ForeignKey("printout.id"), nullable=False, index=True)
    step = Column(String(24), nullable=False)
    sheet_key = Column(String(60))
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    at = Column(DateTime, nullable=False, default=_now)
    refused = Column(Boolean, nullable=False, default=False)
    reason = Column(Text, nullable=False, default="")

    printout = relationship("Printout", back_populates="steps")


class ArchiveRecord(Model):
    """The archive register: a kept document, how long it is kept (class journals 5 years,
    summary sheets 25, from the end of the school year: 001 5.2–5.3) and its disposal, if any."""

    __tablename__ = "archive_record"
    id = Column(Integer, primary_key=True)
    printout_id = Column(Integer, ForeignKey("printout.id"), nullable=False, unique=True)
    register_number = Column(String(30), nullable=False)
    kind = Column(String(12), nullable=False)
    title = Column(String(300), nullable=False)
    school_year_id = Column(Integer, ForeignKey("school_year.id"), nullable=False, index=True)
    classgroup_id = Column(Integer, ForeignKey("classgroup.id"), nullable=False, index=True)
    sheet_count = Column(Integer, nullable=False)
    archived_on = Column(Date, nullable=False)
    keep_until = Column(Date, nullable=False)
    disposed_on = Column(Date)
    disposal_act = Column(String(100))  # the act of disposal and the director's order it follows
    disposal_order = Column(String(100))
    disposed_by_id = Column(Integer, ForeignKey("ab_user.id"))

    printout = relationship("Printout")


class PrintJob(Model):
    """A batch (all classes of a period) made in the background: `done` of `total` drives the
    progress bar; the state lives here whoever runs the job (a thread or Celery workers)."""

    __tablename__ = "print_job"
    id = Column(Integer, primary_key=True)
    period_id = Column(Integer, ForeignKey("period.id"))
    school_year_id = Column(Integer, ForeignKey("school_year.id"), nullable=False)
    kind = Column(String(12), nullable=False, default="journal")
    requested_by_id = Column(Integer, ForeignKey("ab_user.id"))
    state = Column(String(10), nullable=False, default="pending")  # pending / running / done / failed
    total = Column(Integer, nullable=False, default=0)
    done = Column(Integer, nullable=False, default=0)
    error = Column(String(1000))
    created_at = Column(DateTime, nullable=False, default=_now)
    finished_at = Column(DateTime)
