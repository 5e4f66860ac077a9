"""Notices in the application and the letters that go with them.

Issue 4 tells a substitute about the lesson they cover; issue 5 adds new messages, new marks (at
once or as a daily digest) and corrections. Rules only, no HTTP.

- `notify()` writes a notice and, for a person with an email address, a letter (`EmailJob`) in the
  caller's transaction: a rollback leaves neither, and the letter is handed on only after the commit.
- Letters leave the request path: a thread of this process sends them, or Celery workers do when
  REDIS_URL is set. Either way the letter's state lives in the `email_job` table, so a failed send
  is retried with a growing delay and nothing is lost while the mail server is down; the notice in
  the application never depends on the letter.
- `send_due_emails()` claims a letter before sending it (FOR UPDATE SKIP LOCKED and a lease on
  PostgreSQL, one sender at a time on SQLite), so two senders at once never send a letter twice.
"""
import logging
import smtplib
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.charset import BASE64, Charset
from email.mime.text import MIMEText
from math import ceil

import click
from flask import current_app, has_app_context
from flask.cli import with_appcontext
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_mail import Connection, Message
from sqlalchemy import (
    Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String, Text, event, func, select,
    update,
)
from sqlalchemy.orm import Session

from app.extensions import db

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"
STATES = {PENDING: "ждёт отправки", SENT: "отправлено", FAILED: "не отправлено"}
# What each kind of notice is called on the page; a kind not listed shows as it is.
KINDS = {"substitution": "Замена урока", "message": "Сообщение", "mark": "Отметка", "digest": "Сводка",
         "correction": "Исправление"}
TEXT_MAX, LINK_MAX, KIND_MAX, SUBJECT_MAX, ERROR_MAX = 1000, 500, 32, 255, 1000
# app/accounts.py gives a login whose person has no address `<username>@users.invalid`:
# the reserved .invalid domain never receives mail.
NO_MAILBOX = ".invalid"
SEND_JOB, SEND_DUE = "journal.send_email_job", "journal.send_due_emails"
QUEUED = "notifications.queued"  # Session.info key: letters waiting for their transaction's commit
DISPATCHER = "notifications.dispatcher"  # app.extensions key: this process's sender thread


def _now():
    return datetime.now()


# ------------------------------------------------------------------ models


class Notice(Model):
    """A notice in the application for one login; read_at is set once its owner has seen it."""

    __tablename__ = "notice"
    __table_args__ = (
        Index("ix_notice_recipient", "recipient_id", "id"),  # one person's page, newest first
        Index("ix_notice_unread", "recipient_id", "read_at"),  # the unread count on every page
    )
    id = Column(Integer, primary_key=True)
    recipient_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    kind = Column(String(KIND_MAX), nullable=False)
    text = Column(String(TEXT_MAX), nullable=False)
    link = Column(String(LINK_MAX))
    created_at = Column(DateTime, nullable=False, default=_now)
    read_at = Column(DateTime)

    @property
    def kind_text(self):
        return KINDS.get(self.kind, self.kind)

    def __str__(self):
        return self.text


class EmailJob(Model):
    """A letter to send, with its delivery state: the queue itself, whoever sends it."""

    __tablename__ = "email_job"
    __table_args__ = (
        Index("ix_email_job_due", "state", "next_attempt_at"),
        CheckConstraint("state IN ('pending', 'sent', 'failed')", name="ck_email_job_state"),
    )
    id = Column(Integer, primary_key=True)
    to_address = Column(String(254), nullable=False)  # the longest address SMTP carries (RFC 5321)
    subject = Column(String(SUBJECT_MAX), nullable=False)
    body = Column(Text, nullable=False)
    state = Column(String(10), nullable=False, default=PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(ERROR_MAX))
    next_attempt_at = Column(DateTime, nullable=False, default=_now)
    created_at = Column(DateTime, nullable=False, default=_now)
    sent_at = Column(DateTime)
    notice_id = Column(Integer, ForeignKey("notice.id"))

    @property
    def state_text(self):
        return STATES.get(self.state, self.state)


class NotificationSetting(Model):
    """What a person wants to be told by email (in the application every notice is kept anyway):
    new messages; new marks and absences at once, as a daily digest or not at all; corrections."""

    __tablename__ = "notification_setting"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, unique=True)
    new_message = Column(Boolean, nullable=False, default=True)
    marks = Column(String(10), nullable=False, default="digest")  # off / instant / digest
    corrections = Column(Boolean, nullable=False, default=True)
    last_digest_at = Column(DateTime)


# ------------------------------------------------------------------ writing notices


MARK_CHOICES = {"off": "не присылать", "instant": "сразу", "digest": "раз в день, сводкой"}


def email_wanted(session, user_id, kind):
    """Whether the person wants a letter for a notice of this kind (the notice itself is always
    kept). Without settings: messages and corrections at once, marks and absences as a digest."""
    setting = session.scalar(select(NotificationSetting).where(NotificationSetting.user_id == user_id))
    if kind == "message":
        return setting.new_message if setting else True
    if kind in ("mark", "absence"):
        return (setting.marks if setting else "digest") == "instant"
    if kind == "correction":
        return setting.corrections if setting else True
    return True


def notify(session, user_id, kind, text, link=None, email_subject=None, email_body=None):
    """A notice for the login `user_id` and, when `email_subject` is given and the login has a
    real address, a letter. Nothing is committed here: the caller's commit keeps both and hands
    the letter to the sender; its rollback drops both."""
    if link is not None and not is_app_link(link):
        raise ValueError(f"Ссылка уведомления должна вести на страницу журнала: {link!r}")
    login = session.execute(select(User.id, User.email).where(User.id == user_id)).first()
    if login is None:
        raise ValueError(f"Нет пользователя с номером {user_id}.")
    notice = Notice(recipient_id=user_id, kind=kind[:KIND_MAX], text=_clip(text, TEXT_MAX), link=link,
                    created_at=_now())
    session.add(notice)
    session.flush()  # the letter points at the notice
    if email_subject and has_mailbox(login.email):
        queue_email(session, login.email, email_subject, email_body or letter_body(text, link),
                    notice_id=notice.id)
    return notice


def queue_email(session, to_address, subject, body, notice_id=None):
    """A letter sent after the caller's commit (a digest of several notices has no notice_id)."""
    now = _now()
    job = EmailJob(to_address=to_address.strip(), subject=_clip(" ".join(subject.split()), SUBJECT_MAX),
                   body=body, state=PENDING, attempts=0, next_attempt_at=now, created_at=now, notice_id=notice_id)
    session.add(job)
    session.flush()
    if has_app_context():  # without an application the periodic pass or `send-mail` finds it
        queued = session.info.setdefault(QUEUED, {"app": current_app._get_current_object(), "ids": []})
        queued["ids"].append(job.id)
    return job


def has_mailbox(address):
    address = (address or "").strip().lower()
    return "@" in address and not address.endswith(NO_MAILBOX)


def is_app_link(link):
    """A path inside the journal: never another site (`//host`, `http:`), so never an open redirect."""
    return (isinstance(link, str) and 0 < len(link) <= LINK_MAX and link.startswith("/")
            and not link.startswith("//") and "\\" not in link and link.isprintable() and " " not in link)


def letter_body(text, link=None):
    """A letter that says what the notice says, with a link when the journal's address is known."""
    lines = [(text or "").strip()]
    site = current_app.config.get("MAIL_SITE_URL") if has_app_context() else ""
    if link and site:
        lines += ["", f"Открыть в журнале: {site.rstrip('/')}{link}"]
    lines += ["", "Уведомление сохранено в разделе «Уведомления» электронного журнала.",
              "Письмо отправлено автоматически, отвечать на него не нужно."]
    return "\n".join(lines)


def _clip(text, limit):
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


@event.listens_for(Session, "after_commit")
def _send_after_commit(session):
    queued = session.info.pop(QUEUED, None)
    if queued:
        dispatch(queued["app"], queued["ids"])


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session, transaction):
    # The outermost transaction has ended: after a commit the letters were already handed on
    # (after_commit runs first); after a rollback or close they no longer exist.
    if transaction.parent is None:
        session.info.pop(QUEUED, None)


# ------------------------------------------------------------------ reading notices


@dataclass
class NoticePage:
    items: list
    total: int
    page: int
    pages: int
    per_page: int


def notice_page(session, user_id, page=1, per_page=50):
    """One page of a person's notices, newest first: two statements however many there are."""
    mine = Notice.recipient_id == user_id
    total = session.scalar(select(func.count()).select_from(Notice).where(mine))
    pages = max(1, ceil(total / per_page))
    page = min(max(1, page), pages)
    items = session.scalars(select(Notice).where(mine).order_by(Notice.id.desc())
                            .limit(per_page).offset((page - 1) * per_page)).all()
    return NoticePage(items=items, total=total, page=page, pages=pages, per_page=per_page)


def own_notice(session, user_id, notice_id):
    """The notice if it is this person's, else None: nobody reads another's notice."""
    return session.scalar(select(Notice).where(Notice.id == notice_id, Notice.recipient_id == user_id))


def foreign_ids(session, user_id, notice_ids):
    """Those of `notice_ids` that are not this person's notices (or do not exist)."""
    wanted = set(notice_ids)
    own = session.scalars(select(Notice.id).where(Notice.id.in_(wanted), Notice.recipient_id == user_id)) \
        if wanted else ()
    return wanted - set(own)


def unread_count(session, user_id):
    return session.scalar(select(func.count()).select_from(Notice)
                          .where(Notice.recipient_id == user_id, Notice.read_at.is_(None)))


def mark_read(session, user_id, notice_ids=None):
    """Mark this person's unread notices read (those of `notice_ids`, or all of them when None);
    another person's ids change nothing. Returns how many changed; the caller commits."""
    statement = update(Notice).where(Notice.recipient_id == user_id, Notice.read_at.is_(None))
    if notice_ids is not None:
        ids = list(notice_ids)
        if not ids:
            return 0
        statement = statement.where(Notice.id.in_(ids))
    return session.execute(statement.values(read_at=_now()), execution_options={"synchronize_session": False}).rowcount


# ------------------------------------------------------------------ sending letters


@dataclass
class Outcome:
    """What one pass of the sender did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    server_down: bool = False

    @property
    def claimed(self):
        return self.sent + self.retried + self.failed

    def add(self, other):
        self.sent, self.retried, self.failed = (self.sent + other.sent, self.retried + other.retried,
                                                self.failed + other.failed)
        self.server_down = other.server_down


@dataclass
class Letter:
    """A claimed letter, read out of its row so that no transaction stays open while sending."""

    id: int
    to_address: str
    subject: str
    body: str
    attempts: int


def send_due_emails(app, limit=50, job_ids=None):
    """Send up to `limit` pending letters whose time has come (only those of `job_ids`, if given).

    Each letter is claimed before it is sent, so a sender running at the same time skips it.
    A failure is written on the letter and retried later; a server that does not answer ends the
    pass (the other letters wait for the next one instead of each waiting for the timeout)."""
    outcome = Outcome()
    with app.app_context(), _one_sender_on_sqlite():
        smtp = _Smtp(app)
        try:
            while outcome.claimed < limit and not outcome.server_down:
                letter = _claim(db.session, app.config, job_ids)
                if letter is None:
                    break
                _deliver(app.config, db.session, smtp, letter, outcome)
        finally:
            smtp.close()
    return outcome


def drain(app, limit=50):
    """Passes of send_due_emails until nothing is due or the server is down."""
    total = Outcome()
    while True:
        outcome = send_due_emails(app, limit=limit)
        total.add(outcome)
        if outcome.server_down or outcome.claimed < limit:
            return total


def requeue_failed(session):
    """Give letters that were given up a fresh set of attempts (after the server is mended)."""
    return session.execute(update(EmailJob).where(EmailJob.state == FAILED)
                           .values(state=PENDING, attempts=0, next_attempt_at=_now())).rowcount


def retry_delay(config, attempts):
    """Seconds before the next attempt: doubling from MAIL_RETRY_SECONDS up to the maximum."""
    return min(config["MAIL_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0), config["MAIL_RETRY_MAX_SECONDS"])


def _lease_seconds(config):
    # Longer than one letter can take (each SMTP step waits at most MAIL_TIMEOUT): a sender that
    # dies mid-letter gives it back when the lease ends, and a live one is never overtaken.
    return 60 + 8 * config["MAIL_TIMEOUT"]


_SQLITE_SENDER = threading.Lock()


@contextmanager
def _one_sender_on_sqlite():
    # SQLite has no row locks: one sender of this process at a time; the claim's conditional
    # UPDATE still keeps a sender of another process from taking the same letter.
    with _SQLITE_SENDER if db.engine.dialect.name == "sqlite" else nullcontext():
        yield


def _claim(session, config, job_ids):
    """The next due letter, taken out of the queue for a lease (its attempt counted), or None."""
    while True:
        now = _now()
        due = (select(EmailJob.id).where(EmailJob.state == PENDING, EmailJob.next_attempt_at <= now)
               .order_by(EmailJob.next_attempt_at, EmailJob.id).limit(1).with_for_update(skip_locked=True))
        if job_ids is not None:
            due = due.where(EmailJob.id.in_(list(job_ids)))
        job_id = session.scalar(due)
        if job_id is None:
            session.rollback()
            return None
        lease = now + timedelta(seconds=_lease_seconds(config))
        claimed = session.execute(
            update(EmailJob).where(EmailJob.id == job_id, EmailJob.state == PENDING, EmailJob.next_attempt_at <= now)
            .values(attempts=EmailJob.attempts + 1, next_attempt_at=lease),
            execution_options={"synchronize_session": False}).rowcount
        session.commit()
        if claimed:
            row = session.execute(select(EmailJob.id, EmailJob.to_address, EmailJob.subject, EmailJob.body,
                                         EmailJob.attempts).where(EmailJob.id == job_id)).one()
            session.rollback()  # no transaction stays open while the server is talked to
            return Letter(*row)


def _deliver(config, session, smtp, letter, outcome):
    try:
        smtp.send(letter)
    except Exception as exc:  # whatever went wrong is written on the letter
        _record_failure(config, session, letter, exc, outcome)
    else:
        _finish(session, letter, state=SENT, sent_at=_now(), last_error=None)
        outcome.sent += 1


def _record_failure(config, session, letter, exc, outcome):
    given_up = _is_permanent(exc) or letter.attempts >= config["MAIL_MAX_ATTEMPTS"]
    values = {"last_error": _clip(error_text(exc, config["MAIL_TIMEOUT"]), ERROR_MAX)}
    if given_up:
        values["state"] = FAILED
        outcome.failed += 1
    else:
        values["next_attempt_at"] = _now() + timedelta(seconds=retry_delay(config, letter.attempts))
        outcome.retried += 1
    outcome.server_down = _server_is_down(exc)
    _finish(session, letter, **values)
    log.warning("Письмо %s (%s), попытка %s: %s", letter.id, letter.to_address, letter.attempts, values["last_error"])


def _finish(session, letter, **values):
    # Only while the claim is still ours (same attempt, still pending).
    session.execute(update(EmailJob).where(EmailJob.id == letter.id, EmailJob.attempts == letter.attempts,
                                           EmailJob.state == PENDING).values(**values),
                    execution_options={"synchronize_session": False})
    session.commit()


def error_text(exc, timeout):
    """Why a letter did not go, for the administrator: in Russian, with the server's own words."""
    detail = str(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        why = "Почтовый сервер отклонил адрес получателя"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        why = "Почтовый сервер не принял логин и пароль (MAIL_USERNAME, MAIL_PASSWORD)"
    elif isinstance(exc, TimeoutError) or "timed out" in detail:
        why = f"Почтовый сервер не ответил за {timeout:g} с"
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        why = "Почтовый сервер разорвал соединение"
    elif isinstance(exc, smtplib.SMTPException):
        why = "Почтовый сервер отказал"
    elif isinstance(exc, OSError):
        why = "Почтовый сервер недоступен"
    else:
        why = "Письмо не удалось отправить"
    return f"{why}: {detail}" if detail else why


def _is_permanent(exc):
    # A 5xx reply about this letter (its address, its content) will be the same next time.
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


# The trouble is the server or the journal's account there, not the letter: the pass stops.
SERVER_TROUBLE = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError,
                  smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused, smtplib.SMTPNotSupportedError)


def _server_is_down(exc):
    if isinstance(exc, SERVER_TROUBLE):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


# Flask-Mail sends UTF-8 bodies as 8-bit text with lines as long as the paragraph, and servers
# refuse lines over 998 bytes ("500 Line too long"): base64 has short lines and suits Cyrillic.
_BODY_CHARSET = Charset("utf-8")
_BODY_CHARSET.body_encoding = BASE64


class _Letter(Message):
    def _mimetext(self, text, subtype="plain"):
        return MIMEText(text, _subtype=subtype, _charset=_BODY_CHARSET)


class _TimedConnection(Connection):
    """Flask-Mail's connection with a timeout: its own calls smtplib without one (DESIGN.md)."""

    def __init__(self, state, timeout):
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self):
        factory = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = factory(self.mail.server, self.mail.port, timeout=self.timeout)
        try:
            host.set_debuglevel(int(self.mail.debug))
            if self.mail.use_tls:
                host.starttls()
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
        except BaseException:
            host.close()
            raise
        return host


class _Smtp:
    """One SMTP connection for a pass, opened by its first letter and dropped after any error."""

    def __init__(self, app):
        self.state = app.extensions["mail"]
        self.timeout = app.config["MAIL_TIMEOUT"]
        self.connection = None

    def send(self, letter):
        if self.connection is None:
            connection = _TimedConnection(self.state, self.timeout)
            connection.host = None if self.state.suppress else connection.configure_host()
            self.connection = connection
        try:
            self.connection.send(_Letter(subject=letter.subject, recipients=[letter.to_address], body=letter.body))
        except BaseException:
            self.close()
            raise

    def close(self):
        connection, self.connection = self.connection, None
        host = connection.host if connection is not None else None
        if host is None:
            return
        try:
            host.quit()
        except (smtplib.SMTPException, OSError):
            host.close()


# ------------------------------------------------------------------ the sender: thread or Celery


def init_app(app):
    """Celery when REDIS_URL is set; otherwise this process's thread, started by the first request
    (letters left by an earlier run of the process go out without waiting for a new one) or the
    first letter."""
    if app.config.get("REDIS_URL"):
        app.extensions["celery"] = make_celery(app)
    if not app.config.get("MAIL_SEND_IN_BACKGROUND", True):
        return

    @app.before_request
    def _start_sender():
        if DISPATCHER not in app.extensions:
            _dispatcher(app)


def dispatch(app, job_ids=()):
    """Tell the sender there are new letters. Never blocks: it runs right after a commit."""
    if not app.config.get("MAIL_SEND_IN_BACKGROUND", True):
        return  # the letters wait in the table for `flask journal send-mail`
    try:
        _dispatcher(app).wake(job_ids)
    except Exception:  # the letters are in the database; the next pass finds them
        log.exception("Очередь писем: отправитель не запущен")


_DISPATCHER_LOCK = threading.Lock()


def _dispatcher(app):
    with _DISPATCHER_LOCK:
        sender = app.extensions.get(DISPATCHER)
        if sender is None or not sender.is_alive():
            sender = app.extensions[DISPATCHER] = _Dispatcher(app)
            sender.start()
        return sender


def stop_dispatcher(app, timeout=30):
    """Stop this process's sender thread (tests, an orderly shutdown); a later letter starts it again."""
    with _DISPATCHER_LOCK:
        sender = app.extensions.pop(DISPATCHER, None)
    if sender is not None:
        sender.stop()
        sender.join(timeout)


class _Dispatcher(threading.Thread):
    """Wakes on a dispatch and on a timer. Without Celery it sends what is due and sleeps until
    the next letter is due; with Celery it only publishes tasks, so that a broker that is slow
    to answer holds up this thread and never a request."""

    def __init__(self, app):
        super().__init__(name="journal-mail", daemon=True)
        self.app = app
        self._wakeup, self._stopping = threading.Event(), threading.Event()
        self._lock = threading.Lock()
        self._ids = []

    def wake(self, job_ids=()):
        with self._lock:
            self._ids.extend(job_ids)
        self._wakeup.set()

    def stop(self):
        self._stopping.set()
        self._wakeup.set()

    def run(self):
        # Without Celery the first pass sends what an earlier run of the process left; with it,
        # the dispatch that started the thread is published at once and leftovers wait for the timer.
        pause = self.app.config["MAIL_POLL_SECONDS"] if "celery" in self.app.extensions else 0.0
        while True:
            self._wakeup.wait(pause)
            if self._stopping.is_set():
                return
            self._wakeup.clear()
            with self._lock:
                job_ids, self._ids = self._ids, []
            pause = self._pass(job_ids)

    def _pass(self, job_ids):
        try:
            if "celery" in self.app.extensions:
                return _publish(self.app, job_ids)
            return _send_in_process(self.app)
        except Exception:  # a database or broker hiccup: try again later
            log.exception("Очередь писем: проход не удался")
            return self.app.config["MAIL_POLL_SECONDS"]


def _send_in_process(app):
    """Send what is due; the pause until the next letter is due (a down server: the retry delay)."""
    config = app.config
    outcome = drain(app)
    if outcome.server_down:
        return config["MAIL_RETRY_SECONDS"]
    with app.app_context():
        next_due = db.session.scalar(select(func.min(EmailJob.next_attempt_at)).where(EmailJob.state == PENDING))
    if next_due is None:
        return config["MAIL_POLL_SECONDS"]
    return min(max((next_due - _now()).total_seconds(), 0.05), config["MAIL_POLL_SECONDS"])


def _publish(app, job_ids):
    tasks = app.extensions["celery"].tasks
    if job_ids:
        for job_id in job_ids:
            tasks[SEND_JOB].delay(job_id)
    else:  # the timer: letters whose retry is due, or whose task was lost with the broker
        tasks[SEND_DUE].delay()
    return app.config["MAIL_POLL_SECONDS"]


def make_celery(app):
    """Celery for this application (broker REDIS_URL); every task runs in its app context."""
    from celery import Celery, Task
    from celery.signals import worker_process_init

    class AppTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    worker = Celery(app.import_name, broker=app.config["REDIS_URL"], task_cls=AppTask, set_as_current=False)
    worker.conf.update(
        task_ignore_result=True,  # the outcome is in email_job
        broker_connection_retry_on_startup=True,
        broker_transport_options={"socket_connect_timeout": app.config["MAIL_TIMEOUT"]},
    )

    @worker.task(name=SEND_JOB, bind=True)
    def send_email_job(task, job_id):
        send_due_emails(app, limit=1, job_ids=[job_id])
        retry_at = db.session.scalar(select(EmailJob.next_attempt_at)
                                     .where(EmailJob.id == job_id, EmailJob.state == PENDING))
        if retry_at is not None:  # not sent yet: once more when it is due
            task.apply_async((job_id,), countdown=max((retry_at - _now()).total_seconds(), 0))

    @worker.task(name=SEND_DUE)
    def send_due():
        drain(app)

    @worker_process_init.connect(weak=False)
    def _fresh_connections(**_kwargs):
        # A forked worker process must not share the parent's database connections.
        with app.app_context():
            db.engine.dispose(close=False)

    return worker


def __getattr__(name):
    # `celery -A app.notifications worker` looks for `celery` here: it builds the Flask application.
    if name == "celery":
        from app import create_app

        flask_app = create_app()
        if "celery" not in flask_app.extensions:
            raise RuntimeError("REDIS_URL не задан: письма отправляет само приложение, Celery не нужен.")
        return flask_app.extensions["celery"]
    raise AttributeError(name)


# ------------------------------------------------------------------ command line


@click.command("send-mail", help="Отправить письма из очереди, срок которых подошёл.")
@click.option("--retry-failed", is_flag=True, help="Сначала вернуть в очередь письма, которые не удалось отправить.")
@with_appcontext
def send_mail_command(retry_failed):
    if retry_failed:
        count = requeue_failed(db.session)
        db.session.commit()
        click.echo(f"Возвращено в очередь писем: {count}.")
    outcome = drain(current_app._get_current_object())
    click.echo(f"Отправлено писем: {outcome.sent}; отложено до следующей попытки: {outcome.retried}; "
               f"не удалось отправить: {outcome.failed}.")
    if outcome.server_down:
        raise click.ClickException("Почтовый сервер недоступен: письма остались в очереди.")
