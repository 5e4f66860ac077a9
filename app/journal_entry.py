"""Writing to the journal: the one place where marks, attendance, final marks, topics
and homework change (DESIGN.md: one rule, one place, one test).

Every function here takes the `writer` (security.policy.JournalWriter) and the `path`
the change came by (grid, form, api, import, correction), checks the rules in this
order, and writes the audit row of each change:

1. who may write (security/policy.py): the lesson's teacher or substitute, the
   class teacher for absence reasons, deputies and the director; never a family;
2. the value: the school's scale, a student of the class on the lesson's date;
3. time: no future lessons, nothing in a closed period, and the entry window
   (lesson day; written works 5 or 7 days; final marks in the period's last week).

Past its window a change is a *correction*: a teacher asks with a reason and a deputy
approves it; a deputy's or the director's own change there needs a reason and is
recorded as an approved correction (004 «Учитель» ж, 000 4.4).
Callers commit; on RuleError they roll back, so a refused change stores nothing.
"""
import os
from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

from app import notifications
from app.extensions import db
from app.journal import (
    ABSENCE_REASONS, FINAL_KINDS, LATE, Absence, Correction, FinalMark, Homework,
    HomeworkFile, JournalChange, Lesson, Mark, WorkType,
)
from app.people import Enrollment, Student
from app.rules import Conflict, RuleError, fmt_date, require, today  # noqa: F401 (Conflict: callers catch entry.Conflict)
from app.structure import ClassGroup, Period, SchoolYear, Subject, subgroup_student
from security import policy

COMMENT_MAX = 500
TOPIC_MAX = 500
HOMEWORK_MAX = 5000
REASON_MAX = 1000
IMPORT_MAX_BYTES = 256 * 1024
NUMERIC_MARKS = ("1", "2", "3", "4", "5")


# The correction being applied, if any: its audit rows point at it (a context variable,
# so that concurrent requests of a threaded server never see each other's).
_applying = ContextVar("applying_correction", default=None)


class OutsideWindow(RuleError):
    """The entry window has passed: the change is possible only as a correction."""

    correctable = True


# ------------------------------------------------------------------ values


def mark_scale():
    scale = list(current_app.config["JOURNAL_MARK_SCALE"])
    if current_app.config.get("JOURNAL_MARK_ONE") and "1" not in scale:
        scale.insert(0, "1")
    return scale


def check_mark_value(value, field="value"):
    """The value as the scale spells it, or a RuleError naming what is allowed."""
    text = (value or "").strip().lower()
    if not text:
        raise RuleError("Отметка не указана.", field)
    for allowed in mark_scale():
        if text == allowed.lower():
            return allowed
    raise RuleError(f"«{value.strip()[:20]}» — не отметка. Допустимо: {', '.join(mark_scale())}.", field)


NUMBERS = {value: int(value) for value in NUMERIC_MARKS}


def numeric(value):
    return NUMBERS.get(value)


def weighted_average(marks):
    """Σ(value × weight) / Σ weight over numeric marks, rounded half up to hundredths, or None.
    A suggestion shown beside the final mark, never the mark itself. Weights have one
    decimal place, so the sums are kept in exact integers (tenths) until the one division."""
    total = weights = 0
    for value, weight in marks:
        number = NUMBERS.get(value)
        if number is not None:
            tenths = int(weight * 10)
            total += number * tenths
            weights += tenths
    return average_of_sums(total, weights)


def average_of_sums(total, weights):
    """The last step of weighted_average, for callers that keep the sums themselves (the grid)."""
    if not weights:
        return None
    return (Decimal(total) / Decimal(weights)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _text(value, limit, what, field):
    text = (value or "").strip()
    if len(text) > limit:
        raise RuleError(f"{what} длиннее {limit} знаков ({len(text)}). Сократите.", field)
    return text


# ------------------------------------------------------------------ time


def period_of(grade, year_id, day):
    return db.session.scalar(select(Period).where(
        Period.school_year_id == year_id, Period.grade_from <= grade, Period.grade_to >= grade,
        Period.starts_on <= day, Period.ends_on >= day))


def check_lesson_time(lesson):
    """No entries for a lesson that has not happened yet, or in a closed period."""
    cls = lesson.classgroup
    if getattr(lesson, "cancelled", None):
        raise RuleError(f"Урок {fmt_date(lesson.date)} отменён: отметки и пропуски в нём не ставятся.", "lesson")
    if lesson.date > today():
        raise RuleError(f"Урок {fmt_date(lesson.date)} ещё не прошёл: отметки и пропуски ставятся "
                        "в день урока или позже.", "lesson")
    if cls.school_year.closed:
        raise RuleError(f"{cls.school_year} закрыт: изменения невозможны.", "lesson")
    period = period_of(cls.grade, cls.school_year_id, lesson.date)
    if period is not None and period.closed:
        raise RuleError(f"Период «{period.title}» закрыт: изменения невозможны.", "lesson")


def written_days(grade):
    key = "JOURNAL_WRITTEN_DAYS_SENIOR" if grade >= 10 else "JOURNAL_WRITTEN_DAYS"
    return current_app.config[key]


def last_entry_day(lesson, work_type=None):
    """The last day a mark (of this work type) or an absence may be entered directly."""
    days = current_app.config["JOURNAL_ENTRY_DAYS"]
    if work_type is not None and work_type.written:
        days = max(days, written_days(lesson.classgroup.grade))
    return lesson.date + timedelta(days=days)


def _within_window(writer, last_day, reason, what):
    """True inside the window. Outside it the administration writes with a reason (the
    change is recorded as an approved correction); a teacher must ask for a correction."""
    if today() <= last_day:
        return True
    if writer.administration:
        require(reason, f"Срок ввода истёк {fmt_date(last_day)}: укажите причину исправления.", "reason")
        _text(reason, REASON_MAX, "Причина", "reason")
        return False
    raise OutsideWindow(
        f"Срок ввода {what} истёк {fmt_date(last_day)}. Изменить можно только исправлением "
        "с указанием причины, которое утверждает заместитель директора.", "value")


# ------------------------------------------------------------------ audit


def _audit(writer, record, item, old, new, path, reason="", field="value", lesson_id=None, correction=None):
    db.session.add(JournalChange(
        user_id=writer.user_id, record=record, record_id=item.id, field=field,
        student_id=getattr(item, "student_id", None),
        lesson_id=lesson_id if lesson_id is not None else getattr(item, "lesson_id", None),
        old_value=old or "", new_value=new or "", reason=reason or "", path=path,
        correction_id=(correction or _applying.get() or _NoCorrection).id,
    ))
    from printouts.workflow import flag_stale  # printed copies of this data await signing again

    flag_stale(db.session, lesson_id if lesson_id is not None else getattr(item, "lesson_id", None), item)


class _NoCorrection:
    id = None


def audit_lesson_changes(writer, path, changes, field="lesson", session=None):
    """One audit row per lesson change, all in one bulk INSERT: the timetable creates and
    removes lessons by the thousand. `changes`: (lesson id, lesson id to link or None for a
    removed lesson, old text, new text). `session`: the caller's, when not db.session."""
    rows = [{"at": datetime.now(), "user_id": writer.user_id, "record": "lesson", "record_id": record_id,
             "lesson_id": lesson_id, "field": field, "old_value": old or "", "new_value": new or "",
             "reason": "", "path": path} for record_id, lesson_id, old, new in changes]
    if rows:
        (session or db.session).execute(insert(JournalChange.__table__), rows)


def _approved_correction(writer, record, item_id, student_id, old, new, reason, **where):
    """The administration's own change after the window, kept as an approved correction
    (or, while a requested correction is applied, that correction)."""
    if _applying.get() is not None:
        return _applying.get()
    correction = Correction(
        record=record, record_id=item_id, student_id=student_id, old_value=old or "", new_value=new or "",
        reason=reason, status="approved", requested_by_id=writer.user_id, decided_by_id=writer.user_id,
        decided_at=datetime.now(), **where)
    db.session.add(correction)
    db.session.flush()
    return correction


def _touch(item):
    item.version = (item.version or 0) + 1
    item.updated_at = datetime.now()


# ------------------------------------------------------------------ who and whom


def lesson_for_writing(writer, lesson_id, field="lesson"):
    """The lesson, locked for this transaction (PostgreSQL) so that two saves of one
    lesson's cells queue instead of both reading the old state."""
    lesson = db.session.scalar(
        select(Lesson).where(Lesson.id == lesson_id).with_for_update(of=Lesson)
        .options(joinedload(Lesson.assignment), joinedload(Lesson.work_type),
                 joinedload(Lesson.classgroup).joinedload(ClassGroup.school_year)))
    if lesson is None:
        raise RuleError(f"Урок с номером {lesson_id} не найден.", field)
    check_may_write(writer, lesson)
    return lesson


def check_may_write(writer, lesson):
    if writer.staff_id is None and not writer.administration:
        raise RuleError("Журнал ведут учителя, заместители директора и директор: у вашей учётной записи "
                        "нет права вносить записи.", "lesson")
    if not policy.may_write_lesson(writer, lesson):
        raise RuleError("Это урок другого учителя: вносить в него записи может только его учитель, "
                        "замещающий учитель или администрация.", "lesson")


def check_student_at(lesson, student):
    """The student learns in the lesson's class (and group) on the lesson's date."""
    enrolled = db.session.scalar(select(Enrollment.id).where(
        Enrollment.student_id == student.id, Enrollment.classgroup_id == lesson.classgroup_id,
        Enrollment.starts_on <= lesson.date,
        (Enrollment.ends_on.is_(None)) | (Enrollment.ends_on >= lesson.date)))
    in_group = lesson.subgroup_id is None or db.session.scalar(select(subgroup_student.c.student_id).where(
        subgroup_student.c.subgroup_id == lesson.subgroup_id, subgroup_student.c.student_id == student.id))
    if not enrolled or not in_group:
        raise RuleError(f"{student.full_name} не учится в {lesson.group_name} на {fmt_date(lesson.date)}.",
                        "student")


def check_student_of_assignment(assignment, student):
    """Final marks and their corrections: the student learns in the assignment's class, and
    in its group when the subject is taught in groups."""
    found = db.session.scalar(select(Enrollment.id).where(
        Enrollment.student_id == student.id, Enrollment.classgroup_id == assignment.classgroup_id))
    in_group = assignment.subgroup_id is None or db.session.scalar(select(subgroup_student.c.student_id).where(
        subgroup_student.c.subgroup_id == assignment.subgroup_id, subgroup_student.c.student_id == student.id))
    if found is None or not in_group:
        where = assignment.subgroup.name if assignment.subgroup_id else assignment.classgroup.name
        raise RuleError(f"{student.full_name} не учится в {where}.", "student")


def _work_type(lesson, work_type):
    work_type = work_type or lesson.work_type or db.session.scalar(
        select(WorkType).where(WorkType.active.is_(True)).order_by(WorkType.id))
    require(work_type, "Укажите вид работы.", "work_type")
    if not work_type.active:
        raise RuleError(f"Вид работы «{work_type.name}» больше не используется.", "work_type")
    return work_type


# ------------------------------------------------------------------ marks


def add_mark(writer, lesson, student, value, path, work_type=None, comment="", reason="", dedupe=True):
    """A new mark. A repeat of the same mark by the same person within a few seconds (a
    double click, a resent request) returns the first one instead of adding a twin, unless
    the caller knows it wants two equal marks (`dedupe=False`: a cell typed as «5 5»)."""
    check_may_write(writer, lesson)
    value = check_mark_value(value)
    comment = _text(comment, COMMENT_MAX, "Комментарий", "comment")
    work_type = _work_type(lesson, work_type)
    check_student_at(lesson, student)
    check_lesson_time(lesson)
    twin = _recent_twin(writer, lesson, student, work_type, value) if dedupe else None
    if twin is not None:
        return twin
    direct = _within_window(writer, last_entry_day(lesson, work_type), reason, "отметки")
    mark = Mark(lesson_id=lesson.id, student_id=student.id, work_type_id=work_type.id, value=value,
                comment=comment, created_by_id=writer.user_id)
    db.session.add(mark)
    db.session.flush()
    correction = None if direct else _approved_correction(
        writer, "mark", mark.id, student.id, "", value, reason, lesson_id=lesson.id, work_type_id=work_type.id)
    _audit(writer, "mark", mark, "", _mark_text(value, work_type), path, reason, correction=correction)
    notifications.journal_changed(db.session, "mark", student.id, "", _mark_text(value, work_type), lesson=lesson,
                                  correction=correction or _applying.get())
    return mark


def _recent_twin(writer, lesson, student, work_type, value):
    since = datetime.now() - timedelta(seconds=current_app.config["JOURNAL_REPEAT_SECONDS"])
    return db.session.scalar(select(Mark).where(
        Mark.lesson_id == lesson.id, Mark.student_id == student.id, Mark.work_type_id == work_type.id,
        Mark.value == value, Mark.created_by_id == writer.user_id, Mark.created_at >= since,
        Mark.retracted_at.is_(None)))


def _mark_text(value, work_type):
    return f"{value} ({work_type.short_name})" if value else ""


def change_mark(writer, mark, path, value=None, work_type=None, comment=None, reason="", version=None):
    """Change a mark's value, work type or comment; `version` guards against a lost update."""
    lesson = mark.lesson
    check_may_write(writer, lesson)
    _check_version(mark, version)
    if not mark.is_active:
        raise RuleError("Эта отметка уже удалена.", "value")
    new_value = check_mark_value(value) if value is not None else mark.value
    new_type = _work_type(lesson, work_type) if work_type is not None else mark.work_type
    new_comment = _text(comment, COMMENT_MAX, "Комментарий", "comment") if comment is not None else mark.comment
    if (new_value, new_type.id, new_comment) == (mark.value, mark.work_type_id, mark.comment):
        return mark
    check_lesson_time(lesson)
    # The shorter window of the two: switching an oral mark to a written type reopens nothing.
    last_day = min(last_entry_day(lesson, mark.work_type), last_entry_day(lesson, new_type))
    direct = _within_window(writer, last_day, reason, "отметки")
    old = _mark_text(mark.value, mark.work_type)
    correction = None if direct else _approved_correction(
        writer, "mark", mark.id, mark.student_id, mark.value, new_value, reason,
        lesson_id=lesson.id, work_type_id=new_type.id)
    if new_comment != mark.comment:
        _audit(writer, "mark", mark, mark.comment, new_comment, path, reason, "comment", correction=correction)
    mark.value, mark.work_type_id, mark.work_type, mark.comment = new_value, new_type.id, new_type, new_comment
    _touch(mark)
    new = _mark_text(new_value, new_type)
    if new != old:
        _audit(writer, "mark", mark, old, new, path, reason, correction=correction)
        notifications.journal_changed(db.session, "mark", mark.student_id, old, new, lesson=lesson,
                                      correction=correction or _applying.get())
    return mark


def retract_mark(writer, mark, path, reason="", version=None):
    """Take a mark back. The row stays, with who and when (nothing is hard-deleted)."""
    lesson = mark.lesson
    check_may_write(writer, lesson)
    _check_version(mark, version)
    if not mark.is_active:
        return mark
    check_lesson_time(lesson)
    direct = _within_window(writer, last_entry_day(lesson, mark.work_type), reason, "отметки")
    correction = None if direct else _approved_correction(
        writer, "mark", mark.id, mark.student_id, mark.value, "", reason,
        lesson_id=lesson.id, work_type_id=mark.work_type_id)
    mark.retracted_at = datetime.now()
    _touch(mark)
    _audit(writer, "mark", mark, _mark_text(mark.value, mark.work_type), "", path, reason, correction=correction)
    notifications.journal_changed(db.session, "mark", mark.student_id, _mark_text(mark.value, mark.work_type), "",
                                  lesson=lesson, correction=correction or _applying.get())
    return mark


def _check_version(item, version):
    """`version` is what the writer saw: None when they don't say, 0 when they saw no record."""
    if version is None:
        return
    if isinstance(version, bool) or not isinstance(version, int):
        raise RuleError("Версия записи — целое число.", "version")
    if item is None:
        if version != 0:
            raise Conflict("Эту запись уже удалили. Обновите страницу и проверьте.", "version")
        return
    if version != item.version:
        raise Conflict("Эту запись уже изменил другой пользователь. Обновите страницу и проверьте.", "version")


# ------------------------------------------------------------------ attendance


def set_attendance(writer, lesson, student, code, path, reason=""):
    """Mark a student absent («н»), late («О»), or present again (code None).
    Returns the active Absence or None."""
    check_may_write(writer, lesson)
    check_student_at(lesson, student)
    check_lesson_time(lesson)
    absence = _active_absence(lesson.id, student.id)
    current = absence.code if absence else ""
    wanted = {"н": "н", LATE: LATE, None: "", "": ""}.get(code)
    if wanted is None:
        raise RuleError("Посещаемость: «н» — отсутствовал, «О» — опоздал.", "reason")
    if wanted == current or (wanted == "н" and absence is not None and absence.reason != LATE):
        return absence  # a reason already given by the class teacher stays
    direct = _within_window(writer, last_entry_day(lesson), reason, "пропусков")
    correction = None
    if not direct:
        correction = _approved_correction(writer, "absence", absence.id if absence else None, student.id,
                                          current, wanted, reason, lesson_id=lesson.id)
    if absence is not None:
        absence.retracted_at = datetime.now()
        _touch(absence)
        _audit(writer, "absence", absence, current, "", path, reason, correction=correction)
    notifications.journal_changed(db.session, "absence", student.id, current, wanted, lesson=lesson,
                                  correction=correction or _applying.get())
    if not wanted:
        return None
    fresh = Absence(lesson_id=lesson.id, student_id=student.id, reason=LATE if wanted == LATE else None,
                    created_by_id=writer.user_id)
    db.session.add(fresh)
    db.session.flush()
    _audit(writer, "absence", fresh, "", fresh.code, path, reason, correction=correction)
    return fresh


def _active_absence(lesson_id, student_id):
    return db.session.scalar(select(Absence).where(
        Absence.lesson_id == lesson_id, Absence.student_id == student_id, Absence.retracted_at.is_(None)))


def set_absence_reason(writer, absence, reason_code, path, version=None, reason=""):
    """The class teacher records why a student missed a lesson (Б/У/Н/О). Reasons come
    with notes days later, so there is no day window, only the closed period. Turning an
    absence into «late» or back is attendance, though: it keeps attendance's window."""
    lesson = absence.lesson
    code = (reason_code or "").strip().upper() or None
    if code is not None and code not in ABSENCE_REASONS:
        raise RuleError("Причина пропуска: Б — болеет, У — уважительная, Н — неуважительная, О — опоздал.",
                        "reason")
    if not policy.may_set_absence_reason(writer, lesson, code):
        raise RuleError("Причину пропуска указывает классный руководитель (опоздание — и учитель урока).",
                        "reason")
    _check_version(absence, version)
    if not absence.is_active:
        raise RuleError("Этот пропуск уже снят.", "reason")
    check_lesson_time(lesson)
    if code == absence.reason:
        return absence
    correction = None
    if (code == LATE) != (absence.reason == LATE):
        if not _within_window(writer, last_entry_day(lesson), reason, "пропусков"):
            correction = _approved_correction(writer, "absence", absence.id, absence.student_id, absence.code,
                                              code or "н", reason, lesson_id=lesson.id)
    old = absence.code
    absence.reason = code
    _touch(absence)
    _audit(writer, "absence", absence, old, absence.code, path, reason, field="reason", correction=correction)
    notifications.journal_changed(db.session, "absence", absence.student_id, old, absence.code, lesson=lesson,
                                  correction=correction or _applying.get())
    return absence


# ------------------------------------------------------------------ the grid's cell


def parse_cell(text):
    """A cell as typed: marks of the scale and «н» (absent) or «О»/«оп» (late), separated
    by spaces or commas. Returns (marks, attendance code or None)."""
    marks, attendance = [], None
    for token in (text or "").replace(",", " ").replace(";", " ").split():
        low = token.lower()
        if low in ("н", "нб", "отс"):
            code = "н"
        elif low in ("о", "оп"):
            code = LATE
        elif low.upper() in ABSENCE_REASONS:
            code = "н"  # Б/У: the cell records the absence; its reason is the class teacher's
        else:
            marks.append(check_mark_value(token, "cell"))
            continue
        if attendance is not None and attendance != code:
            raise RuleError("В одной клетке — либо «н», либо «О».", "cell")
        attendance = code
    if attendance == "н" and marks:
        raise RuleError("Отсутствовавшему на уроке нельзя поставить отметку в этой клетке.", "cell")
    return marks, attendance


def cell_state(lesson_id, student_id):
    """What a cell holds now, as the grid shows it: («5 4», «н»)."""
    # With their work types: a change of a mark reads its type, and the statement saved here pays
    # for the one that finds the child's family to tell (app/notifications.py).
    marks = db.session.scalars(select(Mark).where(
        Mark.lesson_id == lesson_id, Mark.student_id == student_id, Mark.retracted_at.is_(None)
    ).options(joinedload(Mark.work_type)).order_by(Mark.id)).all()
    absence = _active_absence(lesson_id, student_id)
    return marks, absence


def cell_text(marks, absence):
    parts = [m.value for m in marks]
    if absence is not None:
        parts.append(absence.code)
    return " ".join(parts)


def save_cell(writer, lesson, student, text, expected, path="grid", work_type=None, reason=""):
    """Make the cell (lesson, student) hold `text`. `expected` is what the writer saw in it;
    if somebody changed the cell since, nothing is written and Conflict says what is there.
    Saving what the cell already holds is a no-op (a double click stores one mark)."""
    check_may_write(writer, lesson)
    wanted_marks, wanted_attendance = parse_cell(text)
    marks, absence = cell_state(lesson.id, student.id)
    now_text = cell_text(marks, absence)
    wanted_text = " ".join(wanted_marks + ([wanted_attendance] if wanted_attendance else []))
    if _same_cell(now_text, wanted_text):
        return marks, absence
    if expected is not None and not _same_cell(now_text, expected):
        raise Conflict(f"Клетку уже изменили: сейчас в ней «{now_text or 'пусто'}». "
                       "Проверьте и введите заново.", "cell")
    kept = marks[:len(wanted_marks)]
    for mark, value in zip(kept, wanted_marks):
        if mark.value != value:
            change_mark(writer, mark, path, value=value, reason=reason)
    for mark in marks[len(wanted_marks):]:
        retract_mark(writer, mark, path, reason=reason)
    # The cell's own checks above make a resent save a no-op: every new value here is meant.
    kept += [add_mark(writer, lesson, student, value, path, work_type=work_type, reason=reason, dedupe=False)
             for value in wanted_marks[len(marks):]]
    current_attendance = absence.code if absence else None
    if (wanted_attendance or None) != (LATE if current_attendance == LATE else
                                       ("н" if current_attendance else None)):
        absence = set_attendance(writer, lesson, student, wanted_attendance, path, reason=reason)
    return kept, absence


def _same_cell(a, b):
    def norm(text):
        return sorted(t.lower() for t in (text or "").split())
    return norm(a) == norm(b) or norm(_absent_as_n(a)) == norm(_absent_as_n(b))


def _absent_as_n(text):
    """Б/У/Н given by the class teacher read as «н» when comparing what a teacher typed."""
    return " ".join("н" if t.upper() in ("Б", "У", "Н") else t for t in (text or "").split())


# ------------------------------------------------------------------ lessons, topics, homework


def create_lesson(writer, assignment, day, number, path, topic="", work_type=None):
    lesson = Lesson(assignment=assignment, assignment_id=assignment.id, classgroup_id=assignment.classgroup_id,
                    subgroup_id=assignment.subgroup_id, subject_id=assignment.subject_id,
                    teacher_id=assignment.teacher_id, date=day, number=number,
                    topic=_text(topic, TOPIC_MAX, "Тема урока", "topic"),
                    work_type_id=work_type.id if work_type else None)
    lesson.classgroup = assignment.classgroup
    check_may_write(writer, lesson)
    require(day, "Укажите дату урока.", "date")
    if number is None or not 0 <= int(number) <= 12:
        raise RuleError("Номер урока — от 0 до 12.", "number")
    year = assignment.classgroup.school_year
    if not year.covers(day):
        raise RuleError(f"Дата {fmt_date(day)} вне учебного года {year.name}.", "date")
    if year.closed:
        raise RuleError(f"{year} закрыт: изменения невозможны.", "date")
    period = period_of(assignment.classgroup.grade, year.id, day)
    if period is not None and period.closed:
        raise RuleError(f"Период «{period.title}» закрыт: изменения невозможны.", "date")
    if day < today() and not writer.administration:
        # A lesson that nobody entered on its day is backdating (004 «Учитель» ж).
        raise OutsideWindow("Урок прошедшего дня добавляет заместитель директора: задним числом "
                            "учитель уроки не заводит.", "date")
    twin = db.session.scalar(select(Lesson.id).where(
        Lesson.assignment_id == assignment.id, Lesson.date == day, Lesson.number == number))
    if twin:
        raise RuleError(f"{number}-й урок {fmt_date(day)} по этой нагрузке уже есть.", "number")
    db.session.add(lesson)
    db.session.flush()
    _audit(writer, "lesson", lesson, "", str(lesson), path, field="lesson", lesson_id=lesson.id)
    return lesson


def check_lesson_editable(writer, lesson):
    check_may_write(writer, lesson)
    cls = lesson.classgroup
    period = period_of(cls.grade, cls.school_year_id, lesson.date)
    if cls.school_year.closed or (period is not None and period.closed):
        raise RuleError("Период закрыт: изменения невозможны.", "topic")
    if today() > last_entry_day(lesson) and not writer.administration:
        raise OutsideWindow(f"Тему и задание урока {fmt_date(lesson.date)} можно было изменить "
                            f"до {fmt_date(last_entry_day(lesson))}. Обратитесь к заместителю директора.",
                            "topic")


def edit_lesson(writer, lesson, path, topic=None, homework=None, plan_topic=None, work_type=None, due_on=None):
    """Topic, homework and the column's work type. Planned ahead freely; after the lesson's
    entry window only the administration changes them (the journal is kept on the day)."""
    check_lesson_editable(writer, lesson)
    if topic is not None:
        new = _text(topic, TOPIC_MAX, "Тема урока", "topic")
        if new != lesson.topic:
            _audit(writer, "lesson", lesson, lesson.topic, new, path, field="topic", lesson_id=lesson.id)
            lesson.topic = new
    if plan_topic is not None:
        lesson.plan_topic_id = plan_topic.id
    if work_type is not None:
        lesson.work_type_id = _work_type(lesson, work_type).id
    if homework is not None or due_on is not None:
        set_homework(writer, lesson, homework, path, due_on=due_on)
    return lesson


def set_homework(writer, lesson, text, path, due_on=None):
    item = lesson.homework
    new = _text(text, HOMEWORK_MAX, "Домашнее задание", "homework") if text is not None else None
    if due_on is not None and due_on < lesson.date:
        raise RuleError("Задание не может быть сдано раньше урока, на котором задано.", "due_on")
    if item is None:
        item = Homework(lesson_id=lesson.id, lesson=lesson, text="")
        db.session.add(item)
        db.session.flush()
    if new is not None and new != item.text:
        _audit(writer, "homework", item, item.text, new, path, field="homework", lesson_id=lesson.id)
        item.text = new
    if due_on is not None:
        item.due_on = due_on
    item.updated_by_id = writer.user_id
    return item


def attach_homework_file(writer, lesson, filename, content_type, data, path):
    check_lesson_editable(writer, lesson)
    limit = current_app.config["HOMEWORK_FILE_MAX_BYTES"]
    require(filename, "Выберите файл.", "file")
    if not data:
        raise RuleError("Файл пустой.", "file")
    if len(data) > limit:
        raise RuleError(f"Файл больше {limit // (1024 * 1024)} МБ.", "file")
    name = "".join(ch for ch in os.path.basename(filename.replace("\\", "/")) if ch.isprintable()).strip()
    require(name, "У файла нет имени.", "file")
    item = set_homework(writer, lesson, None, path)
    attached = HomeworkFile(homework_id=item.id, filename=name[-255:], size=len(data), data=data,
                            content_type=(content_type or "application/octet-stream")[:100],
                            uploaded_by_id=writer.user_id)
    db.session.add(attached)
    db.session.flush()
    _audit(writer, "homework", item, "", f"файл {attached.filename}", path, field="file", lesson_id=lesson.id)
    return attached


# ------------------------------------------------------------------ final marks


def final_mark_window(kind, period, year, periods=None):
    """(first day, last day) in which a final mark of this kind is entered directly.
    Year, exam and final marks: from the last week of the year's last period to its end."""
    days = current_app.config["JOURNAL_FINAL_DAYS"]
    if kind == "period":
        return period.ends_on - timedelta(days=days - 1), period.ends_on
    last = max((p.ends_on for p in (year.periods if periods is None else periods)), default=year.ends_on)
    return last - timedelta(days=days - 1), year.ends_on


def set_final_mark(writer, student, subject, year, kind, value, path, period=None, teaches=False,
                   reason="", version=None):
    """Put, change or (value empty) retract the final mark of a student in a subject.
    `teaches` is whether the writer teaches that subject to that student (views look it up
    through the policy)."""
    if kind not in FINAL_KINDS:
        raise RuleError("Вид итоговой отметки: за период, годовая, экзаменационная, итоговая.", "kind")
    if kind == "period":
        require(period, "Укажите период.", "period")
        if period.school_year_id != year.id:
            raise RuleError("Период из другого учебного года.", "period")
        grade = student.classgroup.grade if student.classgroup is not None else None
        if grade is None or not period.grade_from <= grade <= period.grade_to:
            raise RuleError("Этот период не относится к классу ученика.", "period")
    else:
        period = None
    if not (writer.administration or teaches):
        raise RuleError("Итоговые отметки ставит учитель этого предмета в этом классе.", "subject")
    value = check_mark_value(value) if (value or "").strip() else ""
    if year.closed or (period is not None and period.closed):
        raise RuleError("Период закрыт: итоговые отметки не меняются.", "value")
    first, last = final_mark_window(kind, period, year)
    if today() < first:
        raise RuleError(f"Итоговые отметки ставятся в последнюю неделю периода: с {fmt_date(first)}.", "value")
    current = db.session.scalar(select(FinalMark).where(
        FinalMark.student_id == student.id, FinalMark.subject_id == subject.id,
        FinalMark.school_year_id == year.id, FinalMark.kind == kind,
        _same_period(period), FinalMark.retracted_at.is_(None)).with_for_update())
    _check_version(current, version)
    old = current.value if current else ""
    if old == value:
        return current
    direct = _within_window(writer, last, reason, "итоговых отметок")
    correction = None if direct else _approved_correction(
        writer, "final_mark", current.id if current else None, student.id, old, value, reason,
        subject_id=subject.id, period_id=period.id if period else None, final_kind=kind)
    notifications.journal_changed(db.session, "final_mark", student.id, old, value, subject_id=subject.id,
                                  label=period.title if period else FINAL_KINDS[kind],
                                  correction=correction or _applying.get())
    if current is not None:
        current.retracted_at = datetime.now()
        _touch(current)
        if not value:
            _audit(writer, "final_mark", current, old, "", path, reason, correction=correction)
            return None
    fresh = FinalMark(student_id=student.id, subject_id=subject.id, school_year_id=year.id, kind=kind,
                      period_id=period.id if period else None, value=value, created_by_id=writer.user_id,
                      version=(current.version + 1) if current else 1)
    db.session.add(fresh)
    db.session.flush()
    _audit(writer, "final_mark", fresh, old, value, path, reason, correction=correction)
    return fresh


def _same_period(period):
    return FinalMark.period_id == period.id if period is not None else FinalMark.period_id.is_(None)


# ------------------------------------------------------------------ corrections


def request_correction(writer, path, reason, student, new_value, mark=None, absence=None, lesson=None,
                       work_type=None, final=None):
    """A teacher asks to change a record after its window. `final` is a dict
    (subject, year, kind, period) for a final mark. Nothing changes until approved."""
    reason = _text(reason, REASON_MAX, "Причина", "reason")
    require(reason, "Укажите причину исправления.", "reason")
    if writer.user_id is None:
        raise RuleError("Исправления запрашивает учитель.", "reason")
    fields = dict(student_id=student.id, reason=reason, requested_by_id=writer.user_id, status="pending")
    new_value = (new_value or "").strip()
    if final is not None:
        if new_value:
            new_value = check_mark_value(new_value)
        current = db.session.scalar(select(FinalMark).where(
            FinalMark.student_id == student.id, FinalMark.subject_id == final["subject"].id,
            FinalMark.school_year_id == final["year"].id, FinalMark.kind == final["kind"],
            _same_period(final.get("period")), FinalMark.retracted_at.is_(None)))
        if not (writer.administration or final.get("teaches")):
            raise RuleError("Итоговые отметки ставит учитель этого предмета в этом классе.", "subject")
        correction = Correction(record="final_mark", record_id=current.id if current else None,
                                subject_id=final["subject"].id, final_kind=final["kind"],
                                period_id=final["period"].id if final.get("period") else None,
                                old_value=current.value if current else "", new_value=new_value, **fields)
    else:
        lesson = mark.lesson if mark is not None else (absence.lesson if absence is not None else lesson)
        require(lesson, "Укажите урок.", "lesson")
        check_may_write(writer, lesson)
        check_student_at(lesson, student)
        check_lesson_time(lesson)
        if absence is not None or new_value.lower() in ("н", "о", "оп"):
            record, old = "absence", (absence.code if absence else "")
            new_value = {"н": "н", "о": LATE, "оп": LATE}.get(new_value.lower(), "")
        else:
            record, old = "mark", (mark.value if mark else "")
            new_value = check_mark_value(new_value) if new_value else ""
        if mark is None and absence is None and not new_value:
            raise RuleError("Укажите новое значение.", "value")
        correction = Correction(record=record, record_id=(mark or absence).id if (mark or absence) else None,
                                lesson_id=lesson.id, old_value=old, new_value=new_value,
                                work_type_id=(work_type or (mark.work_type if mark else None) or
                                              _work_type(lesson, None)).id, **fields)
    if correction.old_value == correction.new_value:
        raise RuleError("Новое значение совпадает с нынешним.", "value")
    same = [getattr(Correction, name) == getattr(correction, name) if getattr(correction, name) is not None
            else getattr(Correction, name).is_(None)
            for name in ("record", "record_id", "lesson_id", "student_id", "subject_id", "period_id",
                         "final_kind", "new_value")]
    if db.session.scalar(select(Correction.id).where(Correction.status == "pending", *same)):
        raise RuleError("Такое исправление уже ждёт решения заместителя директора.", "value")
    db.session.add(correction)
    db.session.flush()
    return correction


def decide_correction(writer, correction, approve, note=""):
    """A deputy or the director approves (the change applies, audited with the teacher's
    reason) or rejects a correction."""
    if not policy.may_decide_corrections(writer):
        raise RuleError("Исправления утверждает заместитель директора или директор.", "status")
    if correction.status != "pending":
        raise RuleError("По этому исправлению уже принято решение.", "status")
    correction.decision_note = _text(note, 500, "Примечание", "decision_note")
    correction.decided_by_id, correction.decided_at = writer.user_id, datetime.now()
    if not approve:
        correction.status = "rejected"
        return correction
    correction.status = "approved"
    _apply(writer, correction)
    return correction


def _apply(approver, correction):
    """Apply an approved correction through the same rules, with the window lifted."""
    applier = policy.JournalWriter(approver.user_id, approver.staff_id, administration=True)
    student = db.session.get(Student, correction.student_id)
    token = _applying.set(correction)
    try:
        _apply_record(applier, correction, student)
    finally:
        _applying.reset(token)


def _apply_record(applier, correction, student):
    if correction.record == "final_mark":

        period = db.session.get(Period, correction.period_id) if correction.period_id else None
        year = period.school_year if period else db.session.scalar(
            select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        set_final_mark(applier, student, db.session.get(Subject, correction.subject_id), year,
                       correction.final_kind, correction.new_value, "correction", period=period,
                       reason=correction.reason)
        return
    lesson = correction.lesson
    if correction.record == "absence":
        set_attendance(applier, lesson, student, correction.new_value or None, "correction",
                       reason=correction.reason)
        return
    mark = db.session.get(Mark, correction.record_id) if correction.record_id else None
    if mark is not None and mark.is_active and correction.new_value:
        change_mark(applier, mark, "correction", value=correction.new_value, reason=correction.reason)
    elif mark is not None and mark.is_active:
        retract_mark(applier, mark, "correction", reason=correction.reason)
    elif correction.new_value:
        add_mark(applier, lesson, student, correction.new_value, "correction",
                 work_type=correction.work_type, reason=correction.reason)
    else:
        raise RuleError("Исправляемой отметки уже нет.", "status")
