"""The printed class journal of a class for a period or the whole school year (004 §4; 001 5.2).

The document, in this order:
- `title`: the title page (journal_title.html, xhtml2pdf): school, class, year, period, class
  teacher, contents with the sheet numbers of each subject, the number of sheets, the class
  teacher's, deputy's and director's signature lines;
- per teaching assignment (a group's subject is its own), `subject:<assignment id>:<part>`:
  students × lesson dates with marks and absences as the journal shows them, at most MAX_DATES
  dates a part, the last part ending with the lessons missed and the final marks; then
  `subject:<assignment id>:topics`: the lessons with their topics, homework and who taught them;
- `attendance`: lessons missed per student over all subjects, of which for illness, and late arrivals.
Every page carries its signers' lines and «Лист N из M».

Each sheet has a fingerprint: the SHA-256 of the data it shows (the model its drawing reads, and
its default signers), not of the PDF. Page numbers are stamped when the document is assembled and
are not part of a subject's fingerprint; the title page shows the contents, so its fingerprint
covers them. Signatures passed in (`signatures`) are shown but not fingerprinted: signing a sheet
does not make its data "changed". A sheet is drawn again only when its fingerprint or its
signature lines changed (sheets.SheetCache).

The grids are read with app.grid (load_assignment, load_grid), which work on `db.session`: call
these functions inside the application's context with that session.
"""
import gc
import hashlib
import json
import os
import resource
import time
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import or_, select

from app.grid import Row, alphabetical, load_assignment, load_grid
from app.journal import LATE, FinalMark
from app.people import Enrollment, Position, Staff, short_name_of, staff_position
from app.rules import fmt_date, today
from app.structure import ClassGroup, Period, SchoolYear, Subgroup, Subject, TeachingAssignment
from printouts import sheets
from printouts.pdf import PrintoutError, render_pdf
from printouts.sheets import LANDSCAPE, PORTRAIT, RenderedPrintout, Sheet, SheetCache, Signature

MAX_DATES = 26  # date columns a grid part holds: marks stay legible on A4 landscape
LAYOUT = 1  # bump when a sheet draws the same data differently: cached drawings are then not reused
CACHE = SheetCache()  # this process's rendered sheets
ABSENCE_COLUMNS = ("Б", "У", "Н", "н")  # the attendance sheet's «of which» columns, in order
DIRECTOR, DEPUTY = "директор", "заместитель директора"
# The lessons-missed column's header: no longer than a date, so the header row stays low.
MISSED = "Пропущено"


# ------------------------------------------------------------------ what the class's journal holds


@dataclass
class ClassJournal:
    """Everything the printout shows, read in a few statements per assignment."""

    classgroup: ClassGroup
    year: SchoolYear
    class_teacher: Staff | None
    periods: list
    period: Period | None  # None: the whole school year
    until: date  # the last day shown: lessons still to come are not printed
    grids: list = field(default_factory=list)
    finals: dict = field(default_factory=dict)  # (student id, subject id, kind, period id) -> value
    teachers: dict = field(default_factory=dict)  # staff id -> Фамилия И.О. (lessons given by another teacher)
    director: str = ""
    deputy: str = ""

    @property
    def span(self):
        if self.period is not None:
            return self.period.starts_on, self.period.ends_on
        return self.year.starts_on, self.year.ends_on

    @property
    def period_title(self):
        return self.period.title if self.period is not None else "учебный год"

    @property
    def period_text(self):
        start, end = self.span
        return f"{self.period_title} ({fmt_date(start)} – {fmt_date(end)})"


def read_class_journal(session, classgroup_id, period_id=None):
    classgroup, year, class_teacher = class_of(session, classgroup_id)
    periods = periods_of(session, classgroup)
    period = None
    if period_id is not None:
        period = next((p for p in periods if p.id == period_id), None)
        if period is None:
            raise PrintoutError(f"Период не относится к {classgroup.name} классу этого учебного года: "
                                "выберите четверть или полугодие его параллели.")
    end = period.ends_on if period is not None else year.ends_on
    journal = ClassJournal(classgroup, year, class_teacher, periods, period, min(end, today()))
    span = period or Period(id=None, school_year_id=year.id, starts_on=year.starts_on, ends_on=year.ends_on)
    for assignment_id in _assignment_ids(session, classgroup_id):
        assignment, grade_periods = load_assignment(assignment_id)
        journal.grids.append(load_grid(assignment, grade_periods, span))
    journal.finals = final_marks_of(session, classgroup_id, year.id)
    journal.teachers = _other_teachers(session, journal.grids)
    journal.director, journal.deputy = administration(session)
    return journal


def class_of(session, classgroup_id):
    found = session.execute(
        select(ClassGroup, SchoolYear, Staff).join(SchoolYear, SchoolYear.id == ClassGroup.school_year_id)
        .outerjoin(Staff, Staff.id == ClassGroup.class_teacher_id).where(ClassGroup.id == classgroup_id)).first()
    if found is None:
        raise PrintoutError("Такого класса нет: печатать нечего.")
    return found


def periods_of(session, classgroup):
    return session.scalars(select(Period).where(
        Period.school_year_id == classgroup.school_year_id, Period.grade_from <= classgroup.grade,
        Period.grade_to >= classgroup.grade).order_by(Period.starts_on)).all()


def _assignment_ids(session, classgroup_id):
    """In the curriculum's order of subjects (the order they were entered), a group after its class."""
    return session.scalars(
        select(TeachingAssignment.id).join(Subject, Subject.id == TeachingAssignment.subject_id)
        .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
        .where(TeachingAssignment.classgroup_id == classgroup_id)
        .order_by(Subject.id, Subgroup.name.nulls_first(), TeachingAssignment.id)).all()


def final_marks_of(session, classgroup_id, year_id):
    students = select(Enrollment.student_id).where(Enrollment.classgroup_id == classgroup_id)
    rows = session.execute(select(FinalMark.student_id, FinalMark.subject_id, FinalMark.kind, FinalMark.period_id,
                                  FinalMark.value)
                           .where(FinalMark.school_year_id == year_id, FinalMark.retracted_at.is_(None),
                                  FinalMark.student_id.in_(students)))
    return {(student, subject, kind, period): value for student, subject, kind, period, value in rows}


def _other_teachers(session, grids):
    """Names of the teachers who gave a lesson of an assignment that is not theirs."""
    ids = {lesson.teacher_id for grid in grids for lesson in grid.lessons
           if lesson.teacher_id != grid.assignment.teacher_id}
    if not ids:
        return {}
    rows = session.execute(select(Staff.id, Staff.last_name, Staff.first_name, Staff.middle_name)
                           .where(Staff.id.in_(ids)))
    return {row[0]: short_name_of(*row[1:]) for row in rows}


def administration(session):
    """(director, deputy) as Фамилия И.О. of those working today; the deputy's name only when the
    school has one (with several, the deputy who certifies writes it, or the sign-off passes it)."""
    day = today()
    rows = session.execute(
        select(Position.name, Staff.last_name, Staff.first_name, Staff.middle_name)
        .join(staff_position, staff_position.c.staff_id == Staff.id)
        .join(Position, Position.id == staff_position.c.position_id)
        .where(or_(Position.name == DIRECTOR, Position.name.startswith(DEPUTY)),
               Staff.hired_on.is_not(None), or_(Staff.dismissed_on.is_(None), Staff.dismissed_on > day))
        .order_by(Staff.last_name, Staff.id)).all()
    directors = [short_name_of(*row[1:]) for row in rows if row[0] == DIRECTOR]
    deputies = list(dict.fromkeys(short_name_of(*row[1:]) for row in rows if row[0] != DIRECTOR))
    return (directors[0] if len(directors) == 1 else ""), (deputies[0] if len(deputies) == 1 else "")


# ------------------------------------------------------------------ the sheets' data


@dataclass
class Plan:
    """A sheet before drawing: its data (`model`), default signers and how it is drawn."""

    key: str
    title: str
    kind: str  # title, grid, topics, attendance
    model: dict
    signers: list
    teacher_id: int | None = None
    section: str = ""  # the contents row the sheet belongs to

    @cached_property
    def fingerprint(self):
        return sheets.fingerprint(self.model, self.signers)


def journal_plans(journal, school):
    plans = []
    for grid in journal.grids:
        plans += subject_plans(journal, grid, school)
    plans.append(attendance_plan(journal, school))
    return plans


def _heading(journal, school, grid=None, part=1, parts=1):
    heading = {"school": school, "class_name": journal.classgroup.name, "year": journal.year.name,
               "period": journal.period_text, "part": part, "parts": parts}
    if grid is None:
        teacher = journal.class_teacher
        return {**heading, "subject": "", "group": "", "teacher": teacher.full_name if teacher else "не назначен"}
    assignment = grid.assignment
    return {**heading, "subject": assignment.subject.name,
            "group": assignment.subgroup.name if assignment.subgroup_id else "",
            "teacher": assignment.teacher.full_name}


def section_title(grid):
    assignment = grid.assignment
    return assignment.subject.name + (f", {assignment.subgroup.name}" if assignment.subgroup_id else "")


def subject_plans(journal, grid, school):
    assignment = grid.assignment
    shown = [lesson for lesson in grid.lessons if lesson.date <= journal.until]
    columns = [lesson for lesson in shown if not lesson.cancelled]
    chunks = split_evenly(columns, MAX_DATES)
    signers = [Signature("Учитель", assignment.teacher.short_name)]
    section = section_title(grid)
    plans = []
    for part, chunk in enumerate(chunks, start=1):
        model = grid_part_model(journal, grid, chunk, part == len(chunks))
        model["heading"] = _heading(journal, school, grid, part, len(chunks))
        suffix = f", часть {part} из {len(chunks)}" if len(chunks) > 1 else ""
        plans.append(Plan(f"subject:{assignment.id}:{part}", f"{section}: отметки и посещаемость{suffix}", "grid",
                          model, signers, assignment.teacher_id, section))
    topics = {"heading": _heading(journal, school, grid), "lessons": [lesson_row(journal, grid, l) for l in shown]}
    plans.append(Plan(f"subject:{assignment.id}:topics", f"{section}: темы уроков и домашние задания", "topics",
                      topics, signers, assignment.teacher_id, section))
    return plans


def split_evenly(items, most):
    """Parts of at most `most` items, as even as possible (90 dates: 23, 23, 22, 22), never none."""
    parts = max(1, -(-len(items) // most))
    size, extra = divmod(len(items), parts)
    out, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def grid_part_model(journal, grid, lessons, last):
    labels, kinds = final_columns(journal) if last else ([], [])
    rows = []
    for row in grid.rows:
        cells = grid.cells.get(row.student.id, {})
        away = [index for index, lesson in enumerate(lessons) if not row.enrolled_on(lesson.date)]
        tokens = [[] if index in away else _cell_tokens(cells.get(lesson.id))
                  for index, lesson in enumerate(lessons)]
        summary = []
        if last:
            missed = _missed(journal, grid, row)
            summary = [str(missed) if missed else ""] + [
                journal.finals.get((row.student.id, grid.assignment.subject_id, kind, period_id), "")
                for kind, period_id in kinds]
        rows.append({"name": row.student.full_name, "note": membership_note(row, journal), "cells": tokens,
                     "away": _ranges(away), "summary": summary})
    return {"dates": [fmt_date(lesson.date) for lesson in lessons],
            "summary": ([MISSED] + labels) if last else [], "rows": rows}


def _cell_tokens(cell):
    if cell is None:
        return []
    tokens = [mark[1] for mark in cell.marks]
    if cell.absence is not None:
        tokens.append(cell.absence[1])
    return tokens


def _ranges(indexes):
    """[3, 4, 5, 9] → [[3, 5], [9, 9]]: one shading command per run of columns."""
    ranges = []
    for index in indexes:
        if ranges and ranges[-1][1] == index - 1:
            ranges[-1][1] = index
        else:
            ranges.append([index, index])
    return ranges


def final_columns(journal):
    """(labels, [(kind, period id)]) of the final marks a subject's last part shows: the period's
    (and the year's after the last period); for the whole year every period's, the year's, and the
    exam and final marks where the class has them."""
    if journal.period is not None:
        columns = [(journal.period.title, "period", journal.period.id)]
        if journal.periods and journal.period.id == journal.periods[-1].id:
            columns.append(("Годовая", "year", None))
    else:
        columns = [(p.title, "period", p.id) for p in journal.periods] + [("Годовая", "year", None)]
        present = {key[2] for key in journal.finals}
        columns += [(label, kind, None) for kind, label in (("exam", "Экзаменационная"), ("final", "Итоговая"))
                    if kind in present]
    return [c[0] for c in columns], [(c[1], c[2]) for c in columns]


def membership_note(row: Row, journal):
    """«в классе с 10.11.2026» when the student was not in the class the whole time printed."""
    start, end = journal.span[0], journal.until
    starts = min(s for s, _e in row.spans)
    ends = [e for _s, e in row.spans]
    last = None if any(e is None for e in ends) else max(ends)
    parts = []
    if starts > start:
        parts.append(f"с {fmt_date(starts)}")
    if last is not None and last < end:
        parts.append(f"по {fmt_date(last)}")
    return f"в классе {' '.join(parts)}" if parts else ""


def _missed(journal, grid, row):
    return sum(1 for lesson, code in _absences(journal, grid, row) if code != LATE)


def _absences(journal, grid, row):
    """(lesson, code) of a student's absences at the lessons printed, while in the class."""
    cells = grid.cells.get(row.student.id, {})
    by_id = {lesson.id: lesson for lesson in grid.lessons}
    for lesson_id, cell in cells.items():
        lesson = by_id.get(lesson_id)
        if (cell.absence is not None and lesson is not None and not lesson.cancelled
                and lesson.date <= journal.until and row.enrolled_on(lesson.date)):
            yield lesson, cell.absence[1]


def lesson_row(journal, grid, lesson):
    assignment = grid.assignment
    if lesson.cancelled:
        teacher = "урок отменён"
    elif lesson.substitute_name:
        teacher = f"{lesson.substitute_name} (замена)"
    elif lesson.teacher_id != assignment.teacher_id:
        teacher = journal.teachers.get(lesson.teacher_id, "")
    else:
        teacher = assignment.teacher.short_name
    homework = grid.homework.get(lesson.id, "")
    files = grid.homework_files.get(lesson.id)
    if files:
        homework = (homework + " " if homework else "") + "(файлы: " + ", ".join(f["filename"] for f in files) + ")"
    work_type = grid.work_types.get(lesson.work_type_id)
    return {"date": fmt_date(lesson.date), "number": str(lesson.number), "topic": lesson.topic or "",
            "homework": homework, "work_type": work_type.name if work_type else "", "teacher": teacher}


def attendance_plan(journal, school):
    rows = {}
    for grid in journal.grids:
        for row in grid.rows:
            entry = rows.setdefault(row.student.id, {"row": row, "codes": []})
            entry["codes"] += [code for _lesson, code in _absences(journal, grid, row)]
    out, totals = [], [0] * (len(ABSENCE_COLUMNS) + 2)
    for entry in sorted(rows.values(), key=lambda e: alphabetical(e["row"].student)):
        codes = entry["codes"]
        counts = [sum(1 for c in codes if c != LATE)] + [codes.count(c) for c in ABSENCE_COLUMNS] + [codes.count(LATE)]
        totals = [a + b for a, b in zip(totals, counts)]
        name = entry["row"].student.full_name
        note = membership_note(entry["row"], journal)
        out.append({"name": f"{name} ({note})" if note else name, "counts": counts})
    teacher = journal.class_teacher
    model = {"heading": _heading(journal, school), "rows": out, "totals": totals}
    return Plan("attendance", "Итоги посещаемости", "attendance", model,
                [Signature("Классный руководитель", teacher.short_name if teacher else "")],
                teacher.id if teacher else None, "Итоги посещаемости")


def title_plan(journal, school, contents, total_pages):
    teacher = journal.class_teacher
    start, end = journal.span
    model = {"school": school, "class_name": journal.classgroup.name, "year": journal.year.name,
             "period": journal.period_title, "period_dates": f"{fmt_date(start)} – {fmt_date(end)}",
             "class_teacher": teacher.full_name if teacher else "", "contents": contents, "total_pages": total_pages}
    signers = [Signature("Классный руководитель", teacher.short_name if teacher else ""),
               Signature("Заместитель директора", journal.deputy), Signature("Директор", journal.director)]
    return Plan("title", "Титульный лист", "title", model, signers, teacher.id if teacher else None, "Титульный лист")


# ------------------------------------------------------------------ drawing and assembling


def draw(plan, lines):
    """PDF bytes of one sheet."""
    if plan.kind == "title":
        with sheets.invariant_pdf():
            return render_pdf("journal_title.html", **plan.model, signatures=lines)
    heading = sheets.macro("journal_headings.html", plan.kind, plan.model["heading"])
    if plan.kind == "grid":
        return sheets.draw_sheet(LANDSCAPE, heading, lines, sheets.grid_story(plan.model))
    if plan.kind == "topics":
        return sheets.draw_sheet(LANDSCAPE, heading, lines, sheets.topics_story(plan.model))
    return sheets.draw_sheet(PORTRAIT, heading, lines, sheets.attendance_story(plan.model))


class Renderer:
    """Draws sheets, or takes them from the cache when their data and signature lines are unchanged."""

    def __init__(self, signatures=None, cache=None):
        self.signatures = signatures or {}
        self.cache = CACHE if cache is None else cache
        self.rendered = []

    def __call__(self, plan):
        """(pdf, pages) of the plan's sheet."""
        lines = sheets.signature_lines(plan.signers, self.signatures.get(plan.key))
        key = render_key(plan, lines)
        found = self.cache.get(key)
        if found is None:
            pdf = draw(plan, lines)
            found = (pdf, sheets.page_count(pdf))
            self.cache.put(key, found)
            self.rendered.append(plan.key)
        return found


def render_key(plan, lines):
    data = json.dumps([LAYOUT, plan.kind, plan.fingerprint, [s.as_data() for s in lines]], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def build_class_journal(session, classgroup_id, period_id=None, school_name=None, signatures=None, cache=None):
    """The class journal of a class for a period (or, with period_id None, the whole school year)
    as a RenderedPrintout: the PDF and its sheets (key, title, fingerprint, pages, who signs).

    `signatures`: {sheet key: [(role, name, date)]}: signatures recorded by the sign-off, shown
    on the line of the same role («Учитель», «Классный руководитель», «Заместитель директора»,
    «Директор»). `cache`: a SheetCache (default: this process's). Raises PrintoutError."""
    school = school_name or default_school_name()
    journal = read_class_journal(session, classgroup_id, period_id)
    return render_journal(journal, school, signatures, cache)


def render_journal(journal, school, signatures=None, cache=None):
    render = Renderer(signatures, cache)
    plans = journal_plans(journal, school)
    bodies = [render(plan) for plan in plans]
    title_pages = 1
    for _attempt in range(3):  # the contents are numbered after the title page, which they may lengthen
        ranges = _ranges_after(title_pages, [pages for _pdf, pages in bodies])
        total = ranges[-1][1] if ranges else title_pages
        title = title_plan(journal, school, contents_of(plans, ranges, title_pages), total)
        title_pdf, pages = render(title)
        if pages == title_pages:
            break
        title_pages = pages
    else:
        raise PrintoutError("Титульный лист не удалось уложить: число его страниц меняется вместе с содержанием.")
    document_title = f"Классный журнал {journal.classgroup.name}, {journal.period_title}, {journal.year.name}"
    pdf = sheets.assemble([(title_pdf, False)] + [(body, True) for body, _pages in bodies], document_title)
    found = [Sheet(title.key, title.title, title.fingerprint, 1, title_pages, title.teacher_id)]
    found += [Sheet(plan.key, plan.title, plan.fingerprint, first, last, plan.teacher_id)
              for plan, (first, last) in zip(plans, ranges)]
    return RenderedPrintout("journal", document_title, journal.classgroup.id, journal.year.id,
                            journal.period.id if journal.period else None, pdf, found, render.rendered)


def _ranges_after(start, page_counts):
    ranges, last = [], start
    for pages in page_counts:
        ranges.append((last + 1, last + pages))
        last += pages
    return ranges


def contents_of(plans, ranges, title_pages):
    """The title page's contents: one row per subject (all its sheets) and the attendance totals."""
    rows = [{"title": "Титульный лист", "teacher": "", "first": 1, "last": title_pages}]
    for plan, (first, last) in zip(plans, ranges):
        if rows[-1]["title"] == plan.section:
            rows[-1]["last"] = last
            continue
        rows.append({"title": plan.section, "teacher": plan.signers[0].name, "first": first, "last": last})
    return [{"number": index, "title": row["title"], "teacher": row["teacher"],
             "pages": str(row["first"]) if row["first"] == row["last"] else f"{row['first']}–{row['last']}"}
            for index, row in enumerate(rows, start=1)]


def default_school_name():
    """The school named on every printout: config SCHOOL_NAME."""
    if has_app_context():
        return current_app.config.get("SCHOOL_NAME", "")
    raise PrintoutError("Не указано название школы для печатной формы.")


# ------------------------------------------------------------------ many classes in parallel processes

_worker = {}


def build_many(settings, requests, workers=1, school_name=None):
    """Build the journals of many classes in `workers` processes (xhtml2pdf holds a process-wide
    lock, and drawing is CPU-bound: threads would take turns). `settings` are create_app()
    overrides (at least SQLALCHEMY_DATABASE_URI); each process opens its own database session.
    `requests`: [(classgroup id, period id or None)]. Yields (request, Built) in the order of
    `requests`."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # a fork would share the parent's database connections
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=start_worker,
                             initargs=(settings,)) as pool:
        jobs = [pool.submit(build_in_worker, classgroup_id, period_id, school_name)
                for classgroup_id, period_id in requests]
        for request, job in zip(requests, jobs):
            yield request, job.result()


def start_worker(settings):
    from app import create_app

    app = create_app({"MAIL_SEND_IN_BACKGROUND": False, **settings})
    context = app.app_context()
    context.push()
    _worker["context"] = context
    sheets.fonts()
    gc.freeze()  # the application's objects live as long as the worker: full collections need not walk them


class Built(NamedTuple):
    """A printout built in a worker process, with what it cost there."""

    printout: RenderedPrintout
    pid: int
    peak_rss: int  # the worker's peak resident memory so far, bytes
    seconds: float
    cpu_seconds: float


def build_in_worker(classgroup_id, period_id, school_name):
    from app.extensions import db

    started, cpu = time.perf_counter(), time.process_time()
    try:  # a batch draws each class once: keeping its sheets would only hold memory
        printout = build_class_journal(db.session, classgroup_id, period_id, school_name, cache=SheetCache(0))
    finally:
        db.session.remove()
    return Built(printout, os.getpid(), peak_rss(), time.perf_counter() - started, time.process_time() - cpu)


def peak_rss():
    """This process's peak resident memory, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def requests_for_period(session, school_year_id, day=None):
    """[(classgroup id, period id)] of every class of a year, with the period of its grade that
    covers `day` (else the last one begun; a grade without periods prints the whole year)."""
    from app.grid import choose_period

    classes = session.execute(select(ClassGroup.id, ClassGroup.grade).where(ClassGroup.school_year_id == school_year_id)
                              .order_by(ClassGroup.grade, ClassGroup.letter)).all()
    periods = session.scalars(select(Period).where(Period.school_year_id == school_year_id)
                              .order_by(Period.starts_on)).all()
    out = []
    for classgroup_id, grade in classes:
        mine = [p for p in periods if p.grade_from <= grade <= p.grade_to]
        chosen = choose_period(mine, day=day) if mine else None
        out.append((classgroup_id, chosen.id if chosen else None))
    return out
