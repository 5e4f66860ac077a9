"""The class teacher's report to parents (issue 5): per student, marks and attendance for a
chosen range as a PDF (printouts/), sent to every parent of the class through the internal
mail. Rules only, no HTTP.

The class teacher informs parents of progress and attendance at least every two weeks through
reports made from the journal (004 «Классный руководитель» в, 003 §4). The job renders one PDF
per student and sends it to each parent with a login as a message of kind «report»; it runs off
the request path (a thread of this process, or a Celery task with REDIS_URL) and moves `done`
towards `total` student by student, which the page's progress bar reads.
"""
import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, func, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.formatting import average_text
from app.journal import ABSENCE_REASONS, LATE, Absence, Lesson, Mark, WorkType
from app.journal_entry import weighted_average
from app.people import Guardian, Guardianship, Student, short_name_of
from app.rules import RuleError, fmt_date, require, today
from app.structure import ClassGroup, Subject

log = logging.getLogger(__name__)

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
STATES = {PENDING: "ждёт запуска", RUNNING: "отправляется", DONE: "отправлен", FAILED: "не отправлен"}
RANGE_DAYS = 14  # 004 «Классный руководитель» в: not less often than once in two weeks
RANGE_MAX_DAYS = 366
# A job unfinished this long after it was started died with its process: the class may start anew.
STALE_AFTER = timedelta(minutes=30)
ERROR_MAX = 1000


def _now():
    return datetime.now()


class ParentReport(Model):
    """The class teacher's report to parents for a date range, sent to every parent of the class
    at once; `done` of `total` drives the progress bar while it is being made and sent."""

    __tablename__ = "parent_report"
    # One report of a class being sent at a time, even when two requests start one at once.
    __table_args__ = (Index("uq_parent_report_sending", "classgroup_id", unique=True,
                            sqlite_where=Column("state").in_(("pending", "running")),
                            postgresql_where=Column("state").in_(("pending", "running"))),)
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

    @property
    def state_text(self):
        return STATES.get(self.state, self.state)

    @property
    def percent(self):
        return 100 if self.state == DONE else (100 * self.done // self.total if self.total else 0)

    @property
    def finished(self):
        return self.state in (DONE, FAILED)

    @property
    def range_text(self):
        return f"{fmt_date(self.starts_on)} – {fmt_date(self.ends_on)}"


# ------------------------------------------------------------------ who, which class, which days


def default_range(day=None):
    """The last two weeks up to `day` (the school's today)."""
    day = day or today()
    return day - timedelta(days=RANGE_DAYS - 1), day


def led_classes(session, user):
    """This school year's classes whose class teacher the login is: the only ones it reports on."""
    from security import policy

    return session.scalars(select(ClassGroup).where(policy.led_current_classes(user))
                           .order_by(ClassGroup.grade, ClassGroup.letter)).all()


def led_class(session, user, classgroup_id):
    """The class if the login leads it this year, else None (the page answers 404)."""
    from security import policy

    return session.scalar(select(ClassGroup).where(ClassGroup.id == classgroup_id, policy.led_current_classes(user)))


def visible_report(session, user, report_id):
    """The report if the login may see it (policy.visible_parent_reports), else None."""
    from security import policy

    return session.scalar(select(ParentReport).where(ParentReport.id == report_id,
                                                     policy.visible_parent_reports(user)))


def check_range(starts_on, ends_on):
    require(starts_on, "Укажите первый день отчёта.", "starts_on")
    require(ends_on, "Укажите последний день отчёта.", "ends_on")
    if starts_on > ends_on:
        raise RuleError("Первый день отчёта позже последнего.", "starts_on")
    if ends_on > today():
        raise RuleError(f"Отчёт составляется за прошедшие дни: последний день — не позже {fmt_date(today())}.",
                        "ends_on")
    if (ends_on - starts_on).days >= RANGE_MAX_DAYS:
        raise RuleError("Отчёт — не больше чем за год.", "starts_on")


# ------------------------------------------------------------------ starting the job


def start_report(session, user, classgroup, starts_on, ends_on):
    """A report of `classgroup` waiting for its job; the caller commits, then launch()es it.
    Only the class teacher of the class starts it: the reports go out as their messages."""
    if led_class(session, user, classgroup.id) is None:
        raise RuleError(f"Отчёт родителям {classgroup.name} отправляет классный руководитель этого класса.",
                        "classgroup")
    check_range(starts_on, ends_on)
    _close_stale(session, classgroup.id)
    busy = _sending(session, classgroup.id)
    if busy is not None:
        raise _busy(classgroup, busy)
    total = session.scalar(select(func.count()).select_from(Student).where(*_in_class(classgroup.id)))
    if not total:
        raise RuleError(f"В {classgroup.name} нет учеников: отчёт отправлять некому.", "classgroup")
    report = ParentReport(classgroup_id=classgroup.id, author_id=user.id, starts_on=starts_on, ends_on=ends_on,
                          state=PENDING, total=total, done=0, created_at=_now())
    try:
        with session.begin_nested():  # uq_parent_report_sending: a second click at the same moment
            session.add(report)
    except IntegrityError:
        raise _busy(classgroup, _sending(session, classgroup.id)) from None
    return report


def _sending(session, classgroup_id):
    return session.scalar(select(ParentReport).where(ParentReport.classgroup_id == classgroup_id,
                                                     ParentReport.state.in_((PENDING, RUNNING))))


def _busy(classgroup, report):
    when = f" за {report.range_text}" if report is not None else ""
    return RuleError(f"Отчёт родителям {classgroup.name}{when} ещё отправляется: дождитесь его окончания.",
                     "classgroup")


def _in_class(classgroup_id):
    from security.policy import pupils_at_school

    return Student.classgroup_id == classgroup_id, pupils_at_school()


def _close_stale(session, classgroup_id):
    session.execute(update(ParentReport).where(
        ParentReport.classgroup_id == classgroup_id, ParentReport.state.in_((PENDING, RUNNING)),
        ParentReport.created_at < _now() - STALE_AFTER,
    ).values(state=FAILED, finished_at=_now(), error="Отправка прервалась (сервер перезапускали?): "
                                                     "отправьте отчёт ещё раз."),
        execution_options={"synchronize_session": False})


def launch(app, report_id):
    """Run the report's job off the request path. Even handing it to Celery waits for the broker,
    so a short thread of this process does that too; returns the thread."""
    worker = threading.Thread(target=_run_or_publish, args=(app, report_id), name=f"parent-report-{report_id}",
                              daemon=True)
    worker.start()
    return worker


def _run_or_publish(app, report_id):
    from app.notifications import PARENT_REPORT

    if "celery" not in app.extensions:
        run_report(app, report_id)
        return
    try:
        app.extensions["celery"].tasks[PARENT_REPORT].delay(report_id)
    except Exception as exc:  # the broker is down: say so on the report rather than wait forever
        log.exception("Отчёт родителям %s: задание не передано", report_id)
        with app.app_context():
            _fail(db.session, report_id, f"Задание не удалось передать обработчику (Redis): {exc}")


# ------------------------------------------------------------------ the job


def run_report(app, report_id):
    """Make and send the report, committing student by student so that the page sees the
    progress. Runs once per report: a second worker given the same report does nothing."""
    with app.app_context():
        session = db.session
        claimed = session.execute(update(ParentReport).where(ParentReport.id == report_id,
                                                             ParentReport.state == PENDING)
                                  .values(state=RUNNING), execution_options={"synchronize_session": False}).rowcount
        session.commit()
        if not claimed:
            return
        try:
            problems = _send_all(session, session.get(ParentReport, report_id), app.config["SCHOOL_NAME"])
        except Exception as exc:  # the message is for the class teacher; the trace for the log
            session.rollback()
            log.exception("Отчёт родителям %s не отправлен", report_id)
            _fail(session, report_id, str(getattr(exc, "message", exc)) or type(exc).__name__)
            return
        session.execute(update(ParentReport).where(ParentReport.id == report_id).values(
            state=DONE, finished_at=_now(), error=_clip("; ".join(problems)) if problems else None))
        session.commit()


def _fail(session, report_id, text):
    session.execute(update(ParentReport).where(ParentReport.id == report_id)
                    .values(state=FAILED, finished_at=_now(), error=_clip(f"Отчёт не отправлен: {text}")))
    session.commit()


def _send_all(session, report, school_name):
    """Each student's PDF to each of their parents with a login, one message each (separated
    parents do not see each other among the recipients). Returns why some were not reached."""
    from app.messages import send_message
    from printouts.parent_report import student_report_pdf

    author = session.get(User, report.author_id)
    classgroup = session.get(ClassGroup, report.classgroup_id)
    problems = []
    for sheet in class_sheets(session, classgroup, report.starts_on, report.ends_on):
        pdf = student_report_pdf(sheet, school_name)
        for parent in sheet.parents:
            if parent.user_id is None:
                continue  # listed as not reached on the page
            try:
                send_message(session, author, [parent.user_id], message_subject(sheet), message_body(sheet, parent),
                             attachments=[(sheet.filename, "application/pdf", pdf)], classgroup=classgroup,
                             kind="report")
            except RuleError as err:  # refused by the mail's policy (a closed login): the others still go
                problems.append(f"{parent.name}: {err.message}")
        session.execute(update(ParentReport).where(ParentReport.id == report.id)
                        .values(done=ParentReport.done + 1), execution_options={"synchronize_session": False})
        session.commit()
    return problems


def message_subject(sheet):
    return f"Отчёт об успеваемости и посещаемости: {sheet.short_name}, {sheet.range_text}"


def message_body(sheet, parent):
    return "\n".join([
        f"Здравствуйте, {parent.address}!",
        "",
        f"Во вложении — отчёт об успеваемости и посещаемости: {sheet.name}, {sheet.classgroup}, "
        f"с {fmt_date(sheet.starts_on)} по {fmt_date(sheet.ends_on)}. В нём отметки по предметам с датами "
        "и видами работ, средний балл по каждому предмету, пропуски уроков с причинами и опоздания.",
        "",
        f"Классный руководитель {sheet.class_teacher}",
    ])


def _clip(text):
    return text if len(text) <= ERROR_MAX else text[:ERROR_MAX - 1] + "…"


# ------------------------------------------------------------------ what a sheet says


@dataclass
class ReportMark:
    day: date
    value: str
    work_type: str
    weight: object


@dataclass
class SubjectMarks:
    subject: str
    marks: list = field(default_factory=list)  # ReportMark, by date

    @property
    def average(self):
        return weighted_average((mark.value, mark.weight) for mark in self.marks)

    @property
    def average_text(self):
        return average_text(self.average, empty="—")


@dataclass
class Missed:
    day: date
    number: int
    subject: str
    reason: object  # Б / У / Н / О, or None until the class teacher learns why

    @property
    def reason_text(self):
        return ABSENCE_REASONS.get(self.reason or "", "причина не указана")


@dataclass
class Parent:
    name: str  # Фамилия Имя Отчество
    address: str  # Имя Отчество, as a letter greets
    user_id: object  # None: no login, so the report cannot reach them


@dataclass
class StudentSheet:
    """One student's report: who, which days, marks by subject, absences and lateness."""

    student_id: int
    name: str
    short_name: str
    classgroup: str
    starts_on: date
    ends_on: date
    class_teacher: str
    subjects: list = field(default_factory=list)  # SubjectMarks, by subject name
    absences: list = field(default_factory=list)  # Missed, not late
    late: list = field(default_factory=list)  # Missed, late
    parents: list = field(default_factory=list)  # Parent

    @property
    def range_text(self):
        return f"{fmt_date(self.starts_on)}–{fmt_date(self.ends_on)}"

    @property
    def filename(self):
        return f"Отчёт {self.short_name} {fmt_date(self.starts_on)}-{fmt_date(self.ends_on)}.pdf"

    @property
    def absence_counts(self):
        """[(reason text, lessons missed)] in the order of the reasons, then those without one."""
        counts = {}
        for missed in self.absences:
            counts[missed.reason or ""] = counts.get(missed.reason or "", 0) + 1
        order = [code for code in ABSENCE_REASONS if code != LATE] + [""]
        return [(ABSENCE_REASONS.get(code, "причина не указана"), counts[code]) for code in order if code in counts]


def class_sheets(session, classgroup, starts_on, ends_on, student_id=None):
    """The sheets of the class's students (or of one of them), by name: five statements
    whatever the size of the class."""
    students = session.execute(
        select(Student.id, Student.last_name, Student.first_name, Student.middle_name)
        .where(*_in_class(classgroup.id), *((Student.id == student_id,) if student_id is not None else ()))
        .order_by(Student.last_name, Student.first_name, Student.middle_name)).all()
    teacher = classgroup.class_teacher.full_name if classgroup.class_teacher is not None else "—"
    sheets = {row[0]: StudentSheet(row[0], _full(*row[1:]), short_name_of(*row[1:]), classgroup.name, starts_on,
                                   ends_on, teacher) for row in students}
    if sheets:
        _add_marks(session, sheets, starts_on, ends_on)
        _add_absences(session, sheets, starts_on, ends_on)
        _add_parents(session, sheets)
    return list(sheets.values())


def _full(last, first, middle):
    return " ".join(part for part in (last, first, middle) if part)


def _add_marks(session, sheets, starts_on, ends_on):
    rows = session.execute(
        select(Mark.student_id, Subject.name, Lesson.date, Mark.value, WorkType.name, WorkType.weight)
        .join(Lesson, Lesson.id == Mark.lesson_id).join(Subject, Subject.id == Lesson.subject_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(Mark.student_id.in_(list(sheets)), Mark.retracted_at.is_(None), Lesson.date.between(starts_on, ends_on))
        .order_by(Mark.student_id, Subject.name, Lesson.date, Lesson.number, Mark.id))
    for student_id, subject, day, value, work_type, weight in rows:
        lines = sheets[student_id].subjects
        if not lines or lines[-1].subject != subject:
            lines.append(SubjectMarks(subject))
        lines[-1].marks.append(ReportMark(day, value, work_type, weight))


def _add_absences(session, sheets, starts_on, ends_on):
    rows = session.execute(
        select(Absence.student_id, Lesson.date, Lesson.number, Subject.name, Absence.reason)
        .join(Lesson, Lesson.id == Absence.lesson_id).join(Subject, Subject.id == Lesson.subject_id)
        .where(Absence.student_id.in_(list(sheets)), Absence.retracted_at.is_(None),
               Lesson.date.between(starts_on, ends_on))
        .order_by(Absence.student_id, Lesson.date, Lesson.number))
    for student_id, day, number, subject, reason in rows:
        sheet = sheets[student_id]
        (sheet.late if reason == LATE else sheet.absences).append(Missed(day, number, subject, reason))


def _add_parents(session, sheets):
    rows = session.execute(
        select(Guardianship.student_id, Guardian.last_name, Guardian.first_name, Guardian.middle_name, Guardian.user_id)
        .join(Guardian, Guardian.id == Guardianship.guardian_id)
        .where(Guardianship.student_id.in_(list(sheets)))
        .order_by(Guardianship.student_id, Guardian.last_name, Guardian.first_name, Guardian.id))
    for student_id, last, first, middle, user_id in rows:
        sheets[student_id].parents.append(
            Parent(_full(last, first, middle), " ".join(p for p in (first, middle) if p), user_id))


# ------------------------------------------------------------------ what the page shows at the end


@dataclass
class Outcome:
    sent: int  # parents the report reached
    not_reached: list  # (parent's name, child's name, why)


def outcome(session, report):
    """Whom the finished report reached: its messages (a class has one report going at a time,
    so the messages of its author to that class between its start and its end are its own) and
    the parents of the class whom none of them reached."""
    from app.messages import Message, MessageRecipient

    ended = report.finished_at or _now()
    reached = set(session.scalars(
        select(MessageRecipient.recipient_id).join(Message, Message.id == MessageRecipient.message_id)
        .where(Message.kind == "report", Message.author_id == report.author_id,
               Message.classgroup_id == report.classgroup_id, Message.created_at >= report.created_at,
               Message.created_at <= ended)))
    missed = session.execute(
        select(Guardian.last_name, Guardian.first_name, Guardian.middle_name, Guardian.user_id,
               Student.last_name, Student.first_name, Student.middle_name)
        .join(Guardianship, Guardianship.guardian_id == Guardian.id)
        .join(Student, Student.id == Guardianship.student_id)
        .where(*_in_class(report.classgroup_id))
        .order_by(Guardian.last_name, Guardian.first_name, Student.last_name)).all()
    not_reached = [(_full(*row[:3]), _full(*row[4:]), "нет логина в журнале" if row[3] is None else "не доставлено")
                   for row in missed if row[3] is None or row[3] not in reached]
    return Outcome(len(reached), not_reached)
