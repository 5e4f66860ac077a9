"""The summary sheet of final marks of a class (сводная ведомость итоговых отметок, 001 5.3).

A document of its own, kept 25 years as a strict-accountability document, so it names
everything it needs to be read alone: the school, the class, the year, the period, the class
teacher, the abbreviations it uses, and the signature lines of the class teacher, the deputy
and the director with the seal's place. Students × subjects: for a period, that period's marks
(and the year's after the last period); for the year, every period's, the year's, and the exam
and final marks where the class has them. Rendered by xhtml2pdf from final_marks.html (one
table per group of subjects, so a subject's columns never split over two pages).

One sheet, key `final_marks`, spanning the document; its fingerprint covers the data shown.
"""
from sqlalchemy import or_, select

from app.grid import Pupil, alphabetical
from app.people import Enrollment, Student
from app.rules import fmt_date
from app.structure import Subject, TeachingAssignment
from printouts import sheets
from printouts.class_journal import administration, class_of, default_school_name, final_marks_of, periods_of
from printouts.pdf import PrintoutError, render_pdf
from printouts.sheets import RenderedPrintout, Sheet, Signature

MAX_COLUMNS = 25  # mark columns a table holds on A4 landscape
SHORT_KIND = {"quarter": "ч.", "half": "п/г"}


def build_final_marks(session, classgroup_id, period_id=None, school_name=None, signatures=None):
    """The summary sheet of final marks of a class for a period (or, with None, the school year),
    as a RenderedPrintout with one sheet, `final_marks`. `signatures` as for the class journal:
    {"final_marks": [(role, name, date)]}. Raises PrintoutError."""
    school = school_name or default_school_name()
    model, signers, teacher_id = final_marks_model(session, classgroup_id, period_id, school)
    lines = sheets.signature_lines(signers, (signatures or {}).get("final_marks"))
    with sheets.invariant_pdf():
        pdf = render_pdf("final_marks.html", **model, signatures=lines)
    title = f"Сводная ведомость итоговых отметок {model['class_name']}, {model['period']}, {model['year']}"
    digest = sheets.fingerprint(model, signers)
    sheet = Sheet("final_marks", "Сводная ведомость итоговых отметок", digest, 1, sheets.page_count(pdf), teacher_id)
    return RenderedPrintout("final_marks", title, classgroup_id, model["year_id"], period_id, pdf, [sheet],
                            ["final_marks"])


def final_marks_model(session, classgroup_id, period_id, school):
    classgroup, year, teacher = class_of(session, classgroup_id)
    periods = periods_of(session, classgroup)
    period = None
    if period_id is not None:
        period = next((p for p in periods if p.id == period_id), None)
        if period is None:
            raise PrintoutError(f"Период не относится к {classgroup.name} классу этого учебного года.")
    start, end = (period.starts_on, period.ends_on) if period else (year.starts_on, year.ends_on)
    finals = final_marks_of(session, classgroup_id, year.id)
    kinds = kind_columns(period, periods, finals)
    subjects = subjects_of(session, classgroup_id)
    students = students_of(session, classgroup_id, start, end)
    director, deputy = administration(session)
    model = {
        "school": school, "class_name": classgroup.name, "year": year.name, "year_id": year.id,
        "period": period.title if period else "учебный год", "period_dates": f"{fmt_date(start)} – {fmt_date(end)}",
        "class_teacher": teacher.full_name if teacher else "",
        "tables": [table(chunk, kinds, students, finals)
                   for chunk in chunks(subjects, max(1, MAX_COLUMNS // len(kinds)))],
        "abbreviations": [f"{short} — {name}" for _id, name, short in subjects if short != name]
        + [f"{label} — {title}" for label, title, _kind, _period in kinds if label != title],
    }
    signers = [Signature("Классный руководитель", teacher.short_name if teacher else ""),
               Signature("Заместитель директора", deputy), Signature("Директор", director)]
    return model, signers, teacher.id if teacher else None


def kind_columns(period, periods, finals):
    """[(label, title, kind, period id)] of the marks a subject shows."""
    def of(p):
        return (f"{p.number} {SHORT_KIND.get(p.kind, p.kind)}", p.title, "period", p.id)

    if period is not None:
        columns = [of(period)]
        if periods and period.id == periods[-1].id:
            columns.append(("Год", "годовая", "year", None))
        return columns
    present = {key[2] for key in finals}
    columns = [of(p) for p in periods] + [("Год", "годовая", "year", None)]
    return columns + [(label, title, kind, None) for kind, label, title in
                      (("exam", "Экз.", "экзаменационная"), ("final", "Итог", "итоговая")) if kind in present]


def subjects_of(session, classgroup_id):
    """[(id, name, short name)] of the subjects taught in the class, in the curriculum's order."""
    rows = session.execute(select(Subject.id, Subject.name, Subject.short_name).where(Subject.id.in_(
        select(TeachingAssignment.subject_id).where(TeachingAssignment.classgroup_id == classgroup_id)))
        .order_by(Subject.id)).all()
    return [(subject_id, name, short or name) for subject_id, name, short in rows]


def students_of(session, classgroup_id, start, end):
    """[(id, full name, note)] of the students in the class at some time between the dates."""
    rows = session.execute(
        select(Student.id, Student.last_name, Student.first_name, Student.middle_name, Enrollment.starts_on,
               Enrollment.ends_on)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.classgroup_id == classgroup_id, Enrollment.starts_on <= end,
               or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= start))).all()
    found = {}
    for student_id, last, first, middle, starts_on, ends_on in rows:
        entry = found.setdefault(student_id, {"student": Pupil(student_id, last, first, middle), "ends": []})
        entry["ends"].append(ends_on)
    out = []
    for entry in sorted(found.values(), key=lambda e: alphabetical(e["student"])):
        ends = entry["ends"]
        left = None if any(e is None for e in ends) else max(ends)
        note = f"выбыл(а) {fmt_date(left)}" if left is not None and left < end else ""
        out.append((entry["student"].id, entry["student"].full_name, note))
    return out


def table(subjects, kinds, students, finals):
    rows = []
    for number, (student_id, name, note) in enumerate(students, start=1):
        marks = [finals.get((student_id, subject_id, kind, period_id), "")
                 for subject_id, _name, _short in subjects for _label, _title, kind, period_id in kinds]
        rows.append({"number": number, "name": name, "note": note, "marks": marks})
    return {"subjects": [short for _id, _name, short in subjects], "kinds": [k[0] for k in kinds], "rows": rows}


def chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]
