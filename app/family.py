"""What a family reads about one child: marks by subject in the current period, the
weighted averages, final marks, absences, and every correction as old → new (000 4.4).

A fixed number of SQL statements per child, whatever the number of marks.
"""
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.journal import Absence, Correction, FinalMark, Lesson, Mark
from app.journal_entry import period_of, weighted_average
from app.rules import today


@dataclass
class SubjectLine:
    subject: object
    marks: list = field(default_factory=list)  # Mark, with lesson and work type loaded
    absences: int = 0
    finals: list = field(default_factory=list)

    @property
    def average(self):
        return weighted_average((m.value, m.work_type.weight) for m in self.marks)


@dataclass
class ChildMarks:
    student: object
    period: object
    subjects: list
    corrections: list


def family_marks(student):
    cls = student.classgroup
    period = period_of(cls.grade, cls.school_year_id, today()) if cls else None
    if period is None:
        return ChildMarks(student, None, [], [])
    in_period = Lesson.date.between(period.starts_on, period.ends_on)
    marks = db.session.scalars(
        select(Mark).join(Mark.lesson).where(Mark.student_id == student.id, Mark.retracted_at.is_(None), in_period)
        .options(joinedload(Mark.lesson).joinedload(Lesson.subject), joinedload(Mark.work_type))
        .order_by(Lesson.date, Lesson.number, Mark.id)).all()
    absences = db.session.execute(
        select(Lesson.subject_id).join(Absence, Absence.lesson_id == Lesson.id)
        .where(Absence.student_id == student.id, Absence.retracted_at.is_(None), in_period)).scalars().all()
    finals = db.session.scalars(select(FinalMark).options(joinedload(FinalMark.subject), joinedload(FinalMark.period))
                                .where(FinalMark.student_id == student.id, FinalMark.retracted_at.is_(None),
                                       FinalMark.school_year_id == cls.school_year_id)).all()
    corrections = db.session.scalars(
        select(Correction).where(Correction.student_id == student.id, Correction.status == "approved")
        .options(joinedload(Correction.lesson).joinedload(Lesson.subject), joinedload(Correction.subject),
                 joinedload(Correction.lesson).joinedload(Lesson.classgroup),
                 joinedload(Correction.lesson).joinedload(Lesson.subgroup), joinedload(Correction.period))
        .order_by(Correction.decided_at.desc())).all()
    lines = {}
    for mark in marks:
        lines.setdefault(mark.lesson.subject_id, SubjectLine(mark.lesson.subject)).marks.append(mark)
    for final in finals:
        lines.setdefault(final.subject_id, SubjectLine(final.subject)).finals.append(final)
    for subject_id in absences:
        if subject_id in lines:
            lines[subject_id].absences += 1
    ordered = sorted(lines.values(), key=lambda line: line.subject.name)
    return ChildMarks(student, period, ordered, corrections)
