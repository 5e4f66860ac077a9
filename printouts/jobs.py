"""Batch printing: a deputy prints every class's copy of a period at once, in the background.

The job's state lives in `print_job` whoever runs it, and `done` of `total` drives the progress
bar. Like the mail sender (app/notifications.py):
- with REDIS_URL set, the web process only publishes one Celery task per class; the workers
  (separate processes) draw the classes in parallel and count themselves done in the table;
- without it, a thread of this process runs the job after the commit that created it, and draws
  the class journals in parallel processes with the renderer's pool (printouts.class_journal
  .build_many: xhtml2pdf holds a process-wide lock and drawing is CPU-bound, so threads would only
  take turns) when there is more than one CPU to use.

A class that already has a copy of this kind in the sign-off, or (unless the deputy decided
otherwise) lacks final marks, is skipped and named in the job's notes. Rules only, no HTTP.
"""
import logging
import os
import threading
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.rules import RuleError, fmt_date, today
from app.structure import ClassGroup, Period
from printouts.models import KINDS, PrintJob
from printouts.pdf import PrintoutError
from printouts import workflow
from security.roles import DEPUTY

log = logging.getLogger(__name__)

TASK = "journal.print_class"
QUEUED = "printouts.jobs.queued"  # Session.info: jobs to start once their transaction commits
NOTES_MAX = 1000  # the length of print_job.error
CUT = "…"  # the first line of notes whose oldest lines were dropped
NOTE_ATTEMPTS = 5
# A job unfinished this long after it was asked for died with its process (a restart, a killed
# worker), as app/parent_report.py's STALE_AFTER says of its jobs; a batch draws class by class,
# so each class adds its own time to the wait.
STALE_AFTER = timedelta(minutes=30)
STALE_PER_CLASS = timedelta(minutes=2)
STALE_NOTE = ("задание прервалось и не закончилось (сервер перезапускали?): запустите его ещё раз; "
              "уже сформированные печатные формы сохранены, новое задание их пропустит")
STATES = {"pending": "ждёт запуска", "running": "идёт", "done": "готово", "failed": "не удалось"}


# ------------------------------------------------------------------ what a batch will print


def classes_of(session, period):
    """The classes a period applies to: its school year's classes of its grades."""
    return session.scalars(select(ClassGroup).where(
        ClassGroup.school_year_id == period.school_year_id, ClassGroup.grade >= period.grade_from,
        ClassGroup.grade <= period.grade_to).order_by(ClassGroup.grade, ClassGroup.letter)).all()


@dataclass
class Preview:
    classgroup: ClassGroup
    missing: int  # final marks not given
    existing: list  # printouts of this kind and period in the sign-off


def preview(session, period, kind="journal"):
    """What the batch would find, class by class (the page shows it before the deputy starts)."""
    rows = []
    for classgroup in classes_of(session, period):
        missing = workflow.missing_final_marks(session, classgroup, period)
        rows.append(Preview(classgroup, sum(len(m.students) for m in missing),
                            workflow.active_printouts(session, classgroup.id, period.id, kind)))
    return rows


def skip_reason(session, classgroup, period, kind, incomplete_ok):
    """Why the batch leaves a class out, or None."""
    existing = workflow.active_printouts(session, classgroup.id, period.id, kind)
    if existing:
        return f"уже есть печатная форма (сейчас: {existing[0].state_text})"
    if not incomplete_ok:
        missing = workflow.missing_final_marks(session, classgroup, period)
        if missing:
            return workflow.missing_text(missing)
    return None


# ------------------------------------------------------------------ starting


def start_batch(session, user, period, kind="journal", incomplete_ok=False):
    """A deputy asks for every class's copy of a period. The job starts once the caller commits."""
    actor = workflow.actor_of(user)
    if not actor.has(DEPUTY):
        raise RuleError("Печатные формы всех классов формирует заместитель директора.", "period")
    if period is None:
        raise RuleError("Выберите четверть или полугодие.", "period")
    if kind not in KINDS:
        raise RuleError("Вид печатной формы: классный журнал или сводная ведомость итоговых отметок.", "kind")
    if period.ends_on >= today():
        raise RuleError(f"Печатные формы за {period.title} делаются после окончания периода "
                        f"({fmt_date(period.ends_on)}).", "period")
    classes = classes_of(session, period)
    if not classes:
        raise RuleError(f"Нет классов, к которым относится период «{period.title}».", "period")
    _close_stale(session, period.id, kind)
    running = session.scalar(select(PrintJob.id).where(PrintJob.period_id == period.id, PrintJob.kind == kind,
                                                       PrintJob.state.in_(("pending", "running"))))
    if running:
        raise RuleError("Такое задание уже выполняется: дождитесь его окончания.", "period")
    job = PrintJob(period_id=period.id, school_year_id=period.school_year_id, kind=kind, requested_by_id=actor.user_id,
                   state="pending", total=len(classes), done=0, created_at=workflow.now())
    session.add(job)
    session.flush()
    queued = session.info.setdefault(QUEUED, {"app": current_app._get_current_object(), "jobs": []})
    queued["jobs"].append((job.id, bool(incomplete_ok)))
    return job


def _close_stale(session, period_id, kind):
    """Fail the jobs of this period and kind that died unfinished, with a note saying so: a job
    left «running» by a dead process would otherwise refuse every new batch of the period.
    Like app/parent_report.py's _close_stale; the caller commits."""
    now = workflow.now()
    unfinished = session.scalars(select(PrintJob).where(PrintJob.period_id == period_id, PrintJob.kind == kind,
                                                        PrintJob.state.in_(("pending", "running"))))
    for job in unfinished:
        if job.created_at < now - STALE_AFTER - STALE_PER_CLASS * (job.total or 0):
            # Only if still unfinished: a job that finished meanwhile keeps its own end.
            session.execute(update(PrintJob).where(PrintJob.id == job.id, PrintJob.state.in_(("pending", "running")))
                            .values(state="failed", finished_at=now, error=_tail(job.error, STALE_NOTE)))


@event.listens_for(Session, "after_commit")
def _start_after_commit(session):
    queued = session.info.pop(QUEUED, None)
    if queued:
        for job_id, incomplete_ok in queued["jobs"]:
            launch(queued["app"], job_id, incomplete_ok)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session, transaction):
    if transaction.parent is None:
        session.info.pop(QUEUED, None)


def launch(app, job_id, incomplete_ok=False):
    """Run the job off the request path: a thread that runs it here, or that publishes its
    Celery tasks (a slow broker then holds up that thread, never a request)."""
    target = _publish if "celery" in app.extensions else run_job
    thread = threading.Thread(target=target, args=(app, job_id, incomplete_ok), name=f"print-job-{job_id}",
                              daemon=True)
    thread.start()
    return thread


# ------------------------------------------------------------------ running in this process


def run_job(app, job_id, incomplete_ok=False):
    """The whole job in this process; the class journals drawn by the renderer's process pool."""
    with app.app_context():
        try:
            job, user, period, todo = _begin(db.session, job_id, incomplete_ok)
            if job is None:
                return
            for classgroup, rendered in _drawn(app, todo, period, job.kind):
                _print_class(db.session, job_id, user, classgroup, period, job.kind, rendered)
        except Exception as exc:  # the job must not stay «running» for ever
            db.session.rollback()
            log.exception("Задание печати %s не выполнено", job_id)
            _note(db.session, job_id, f"ошибка: {exc}")
            _finish(db.session, job_id, failed=True)
        finally:
            db.session.remove()


def _begin(session, job_id, incomplete_ok):
    """Mark the job running; skip the classes it leaves out. (job, user, period, classes to draw)."""
    started = session.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.state == "pending")
                              .values(state="running")).rowcount
    session.commit()
    if not started:
        return None, None, None, []
    job = session.get(PrintJob, job_id)
    user, period = session.get(User, job.requested_by_id), session.get(Period, job.period_id)
    todo = []
    for classgroup in classes_of(session, period):
        reason = skip_reason(session, classgroup, period, job.kind, incomplete_ok)
        if reason:
            _note(session, job_id, f"{classgroup.name}: {reason}")
            _advance(session, job_id)
        else:
            todo.append(classgroup)
    return job, user, period, todo


def _drawn(app, classes, period, kind):
    """(class, its drawn copy or None to draw it here) in order; in parallel processes when the
    renderer's pool is there and more than one worker is worth starting."""
    workers = min(len(classes), _workers(app))
    if kind != "journal" or workers < 2:
        for classgroup in classes:
            yield classgroup, None
        return
    from printouts.class_journal import build_many

    pending = list(classes)
    try:
        for _request, built in build_many(_worker_settings(app), [(c.id, period.id) for c in classes],
                                          workers=workers, school_name=workflow.school_name()):
            yield pending.pop(0), built.printout  # Built: the copy, with what it cost the worker
    except Exception:  # a worker failed: this class and the rest are drawn here, one by one
        log.exception("Пул печати: рисую оставшиеся классы в этом процессе")
    for classgroup in pending:
        yield classgroup, None


def _workers(app):
    configured = app.config.get("PRINTOUT_WORKERS")
    return int(configured) if configured else min(4, os.cpu_count() or 1)


def _worker_settings(app):
    """What a worker process needs to open the same database on the same school day."""
    keys = ("SQLALCHEMY_DATABASE_URI", "JOURNAL_TODAY", "SCHOOL_NAME", "SECRET_KEY", "TESTING",
            "AUTH_RATE_LIMITED", "RATELIMIT_ENABLED")
    return {**{key: app.config[key] for key in keys if key in app.config}, "REDIS_URL": "",
            "MAIL_SEND_IN_BACKGROUND": False}


def _print_class(session, job_id, user, classgroup, period, kind, rendered=None, incomplete_ok=True):
    """One class's copy, committed on its own: a failure is noted and the job goes on."""
    try:
        workflow.generate(session, user, classgroup, period, kind, incomplete_ok=incomplete_ok, rendered=rendered)
        session.commit()
    except (RuleError, PrintoutError) as exc:
        session.rollback()
        _note(session, job_id, f"{classgroup.name}: {exc.message}")
    except Exception as exc:  # a bug or a lost connection: the class is noted, the job goes on and ends
        session.rollback()
        log.exception("Задание печати %s: класс %s не напечатан", job_id, classgroup.name)
        _note(session, job_id, f"{classgroup.name}: ошибка: {exc}")
    _advance(session, job_id)


# ------------------------------------------------------------------ Celery: a task per class


def init_app(app):
    """Give the application's Celery (app/notifications.py makes it when REDIS_URL is set) the task
    that prints one class of a job."""
    worker = app.extensions.get("celery")
    if worker is None or TASK in worker.tasks:
        return

    @worker.task(name=TASK)
    def print_class(job_id, classgroup_id, incomplete_ok):
        run_class(job_id, classgroup_id, incomplete_ok)


def _publish(app, job_id, incomplete_ok):
    with app.app_context():
        try:
            job, _user, _period, todo = _begin(db.session, job_id, incomplete_ok)
            task = app.extensions["celery"].tasks[TASK]
            for classgroup in todo:
                task.delay(job_id, classgroup.id, True)  # the missing marks were checked in _begin
            if job is not None and not todo:
                _finish(db.session, job_id)
        except Exception as exc:
            db.session.rollback()
            log.exception("Задание печати %s не передано исполнителям", job_id)
            _note(db.session, job_id, f"ошибка: {exc}")
            _finish(db.session, job_id, failed=True)
        finally:
            db.session.remove()


def run_class(job_id, classgroup_id, incomplete_ok=True):
    """A Celery worker prints one class of the job (inside the application's context)."""
    session = db.session
    try:
        job = session.get(PrintJob, job_id)
        if job is None or job.state != "running":
            return
        user, period = session.get(User, job.requested_by_id), session.get(Period, job.period_id)
        _print_class(session, job_id, user, session.get(ClassGroup, classgroup_id), period, job.kind,
                     incomplete_ok=incomplete_ok)
    finally:
        session.remove()


# ------------------------------------------------------------------ counting


def _advance(session, job_id):
    """One class more done; the last one finishes the job. Atomic: workers count at the same time."""
    session.execute(update(PrintJob).where(PrintJob.id == job_id).values(done=PrintJob.done + 1))
    session.commit()
    job = session.get(PrintJob, job_id)
    session.refresh(job)
    if job.done >= job.total:
        _finish(session, job_id)


def _finish(session, job_id, failed=False):
    session.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.state.in_(("pending", "running")))
                    .values(state="failed" if failed else "done", finished_at=workflow.now()))
    session.commit()


def _note(session, job_id, text):
    """Add a line to the job's notes (skipped classes, errors) and commit. Workers note at the same
    time: the notes are written only if they are still what was read, else read again."""
    line = " ".join(text.splitlines())
    for _attempt in range(NOTE_ATTEMPTS):
        notes = session.scalar(select(PrintJob.error).where(PrintJob.id == job_id))
        same = PrintJob.error.is_(None) if notes is None else PrintJob.error == notes
        written = session.execute(update(PrintJob).where(PrintJob.id == job_id, same)
                                  .values(error=_tail(notes, line))).rowcount
        session.commit()
        if written:
            return


def _tail(notes, line, limit=NOTES_MAX):
    """`notes` with `line` added, within `limit` characters: the oldest lines go first (marked by
    «…»), since the latest ones say how the job ended and why."""
    old = (notes or "").split("\n")
    lines = [item for item in old if item and item != CUT] + [line[:limit - len(CUT) - 1]]
    joined = "\n".join(lines)
    if old[0] != CUT and len(joined) <= limit:  # nothing dropped yet, nor now
        return joined
    kept, room = [], limit - len(CUT) - 1
    for item in reversed(lines):
        room -= len(item) + (1 if kept else 0)
        if room < 0:
            break
        kept.insert(0, item)
    return "\n".join([CUT, *kept])


def progress(job):
    """The progress endpoint's answer."""
    percent = round(100 * job.done / job.total) if job.total else 100
    return {"id": job.id, "state": job.state, "state_text": STATES.get(job.state, job.state), "total": job.total,
            "done": job.done, "percent": percent, "notes": (job.error or "").splitlines(),
            "finished": job.state in ("done", "failed")}
