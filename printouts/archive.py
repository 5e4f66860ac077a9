"""The archive register: every archived paper copy with how long it is kept, and its disposal.

Retention runs from the end of the school year (001 5.2–5.3): a class's journal 5 years, the
summary sheet of final marks 25 years (a document of strict accountability). A copy is disposed
of only after its retention has passed, by an act that follows the director's order; the record
of the document stays in the register for good.

At disposal the PDF bytes (the frozen copy and the working one) are dropped and the SHA-256 is
kept: the copy holds children's personal data, which is not kept once the purpose of keeping it
has passed (152-ФЗ, ст. 5 ч. 7), while the hash still lets a paper copy that turns up later be
checked against the register. Rules only, no HTTP; callers commit.
"""
import re
from calendar import isleap
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.rules import RuleError, fmt_date, today
from app.structure import ClassGroup, SchoolYear
from printouts.models import ArchiveRecord, Printout, PrintoutStep
from printouts.workflow import actor_of, now, title_of
from security.roles import DIRECTOR, SECRETARY

RETENTION_YEARS = {"journal": 5, "final_marks": 25}
ACT_MAX = 100


def add_years(day, years):
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    if day.month == 2 and day.day == 29 and not isleap(day.year + years):
        return date(day.year + years, 2, 28)
    return day.replace(year=day.year + years)


def keep_until(kind, school_year):
    """The last day a copy of this kind is kept: the end of its school year plus the retention."""
    return add_years(school_year.ends_on, RETENTION_YEARS[kind])


def file_record(session, printout, on=None):
    """The archive register's entry of a copy the secretary files (workflow.archive)."""
    record = ArchiveRecord(
        printout_id=printout.id, register_number=printout.register_number, kind=printout.kind,
        title=title_of(printout)[:300], school_year_id=printout.school_year_id,
        classgroup_id=printout.classgroup_id, sheet_count=printout.sheet_count, archived_on=on or today(),
        keep_until=keep_until(printout.kind, printout.school_year))
    session.add(record)
    session.flush()
    return record


def dispose(session, user, record, act, order, on=None):
    """Record the disposal of an archived copy after its retention: the act and the director's
    order it follows. The register's entry stays; the PDF bytes go (see the module's docstring)."""
    actor = actor_of(user)
    if not (actor.has(SECRETARY) or actor.has(DIRECTOR)):
        raise RuleError("Уничтожение документов архива оформляет секретарь или директор.", "act")
    on = on or today()
    if record.disposed_on is not None:
        raise RuleError(f"Документ уже уничтожен {fmt_date(record.disposed_on)} (акт {record.disposal_act}).", "act")
    if on <= record.keep_until:
        raise RuleError(f"Срок хранения документа — до {fmt_date(record.keep_until)} включительно: уничтожить его "
                        f"можно не раньше {fmt_date(date.fromordinal(record.keep_until.toordinal() + 1))}.", "act")
    if on > today():
        raise RuleError("Дата уничтожения не может быть позже сегодняшнего дня.", "disposed_on")
    record.disposal_act = _required(act, "Укажите номер и дату акта об уничтожении.", "act")
    record.disposal_order = _required(order, "Укажите приказ директора, по которому документ уничтожен.", "order")
    record.disposed_on, record.disposed_by_id = on, actor.user_id
    printout = record.printout
    printout.frozen_pdf = printout.pdf = None
    session.add(PrintoutStep(printout_id=printout.id, step="disposed", user_id=actor.user_id, at=now(),
                             reason=f"акт {record.disposal_act}, приказ {record.disposal_order}"))
    return record


def _required(text, message, field):
    text = " ".join((text or "").split())
    if not text:
        raise RuleError(message, field)
    if len(text) > ACT_MAX:
        raise RuleError(f"Не длиннее {ACT_MAX} знаков.", field)
    return text


@dataclass
class Search:
    """The register's search: by school year, class (its name, e.g. «5А»), kind, and whether disposed."""

    year_id: int | None = None
    class_name: str = ""
    kind: str = ""
    disposed: bool | None = None  # None: both kept and disposed

    def statement(self):
        printout = joinedload(ArchiveRecord.printout)
        query = select(ArchiveRecord).options(
            printout.joinedload(Printout.period), printout.joinedload(Printout.classgroup),
            printout.joinedload(Printout.school_year)).join(
            ClassGroup, ClassGroup.id == ArchiveRecord.classgroup_id).join(
            SchoolYear, SchoolYear.id == ArchiveRecord.school_year_id)
        if self.year_id:
            query = query.where(ArchiveRecord.school_year_id == self.year_id)
        grade, letter = re.fullmatch(r"(\d*)(.*)", "".join((self.class_name or "").split()).upper()).groups()
        if grade:
            query = query.where(ClassGroup.grade == int(grade[:2]))
        if letter:
            query = query.where(ClassGroup.letter == letter[:2])
        if self.kind:
            query = query.where(ArchiveRecord.kind == self.kind)
        if self.disposed is not None:
            query = query.where(ArchiveRecord.disposed_on.isnot(None) if self.disposed
                                else ArchiveRecord.disposed_on.is_(None))
        return query.order_by(SchoolYear.starts_on.desc(), ClassGroup.grade, ClassGroup.letter, ArchiveRecord.id)

    def run(self, session):
        return session.scalars(self.statement()).unique().all()


def disposable(record, on=None):
    """Whether the retention of a kept record has passed (the page offers disposal then)."""
    return record.disposed_on is None and (on or today()) > record.keep_until
