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
- The journal's changes reach the child's family through `journal_changed()`, which
  app/journal_entry.py calls at each write; marks and absences come at once or in the daily
  digest (`send_digests()`, `flask journal digest`), as each person chose (NotificationSetting).
"""
import logging
import smtplib
import threading
from base64 import b64encode
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.charset import BASE64, Charset
from email.mime.text import MIMEText
from email.policy import compat32
from functools import cache
from math import ceil

import click
from flask import current_app, has_app_context
from flask.cli import with_appcontext
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_mail import Connection, Message
from sqlalchemy import (
    Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String, Text, bindparam, event, func,
    insert, or_, select, union, update,
)
from sqlalchemy.orm import Session

from app.extensions import db
from app.journal import ABSENCE_REASONS, LATE, Absence, Lesson, Mark, WorkType
from app.people import Guardian, Guardianship, Student
from app.rules import RuleError, fmt_date
from app.structure import ClassGroup, Subject

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
SEND_JOB, SEND_DUE, SEND_DIGESTS = "journal.send_email_job", "journal.send_due_emails", "journal.send_digests"
PARENT_REPORT = "journal.parent_report"  # app/parent_report.py's job, when Celery runs the jobs
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


INSTANT, DIGEST = "instant", "digest"
# What a person without a settings row gets (the row's defaults say the same).
DEFAULT_SETTING = {"new_message": True, "marks": DIGEST, "corrections": True}


def email_wanted(session, user_id, kind):
    """Whether the person wants a letter for a notice of this kind (the notice itself is always
    kept). Without settings: messages and corrections at once, marks and absences as a digest."""
    setting = session.scalar(select(NotificationSetting).where(NotificationSetting.user_id == user_id))
    if setting is None:
        return letter_wanted(kind, **DEFAULT_SETTING)
    return letter_wanted(kind, setting.new_message, setting.marks, setting.corrections)


def letter_wanted(kind, new_message, marks, corrections):
    """email_wanted() for settings already read (None: the default)."""
    if kind == "message":
        return DEFAULT_SETTING["new_message"] if new_message is None else new_message
    if kind in ("mark", "absence"):
        return (marks or DEFAULT_SETTING["marks"]) == INSTANT
    if kind == "correction":
        return DEFAULT_SETTING["corrections"] if corrections is None else corrections
    return True


def settings_of(session, user_id):
    """The person's settings row, or an unsaved one with the defaults."""
    setting = session.scalar(select(NotificationSetting).where(NotificationSetting.user_id == user_id))
    return setting or NotificationSetting(user_id=user_id, **DEFAULT_SETTING)


def save_settings(session, user_id, new_message, marks, corrections):
    """Change the person's own settings (nobody else's: the caller passes the signed-in login).
    Switching marks to the digest starts it from now, so that it repeats no letter already sent.
    The caller commits."""
    if marks not in MARK_CHOICES:
        raise RuleError(f"Письма об отметках: {', '.join(MARK_CHOICES.values())}.", "marks")
    _ensure_settings(session, [user_id])
    setting = session.scalar(select(NotificationSetting).where(NotificationSetting.user_id == user_id))
    if marks == DIGEST and setting.marks != DIGEST:
        setting.last_digest_at = _now()
    setting.new_message, setting.marks, setting.corrections = bool(new_message), marks, bool(corrections)
    return setting


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
    _hand_on_after_commit(session, [job.id])
    return job


def _hand_on_after_commit(session, job_ids):
    if has_app_context() and job_ids:  # without an application the periodic pass or `send-mail` finds them
        queued = session.info.setdefault(QUEUED, {"app": current_app._get_current_object(), "ids": []})
        queued["ids"].extend(job_ids)


def _job_row(to_address, subject, body, notice_id=None, due=None):
    """An email_job row for a bulk INSERT, as queue_email() would write it."""
    now = _now()
    return {"to_address": to_address.strip(), "subject": _clip(" ".join(subject.split()), SUBJECT_MAX),
            "body": body, "state": PENDING, "attempts": 0, "next_attempt_at": due or now, "created_at": now,
            "notice_id": notice_id}


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
        session.info.pop(JOURNAL_EVENTS, None)


@event.listens_for(Session, "before_commit")
def _tell_families_before_commit(session):
    events = session.info.pop(JOURNAL_EVENTS, None)
    if events:
        tell_families(session, events)


# ------------------------------------------------------------------ the journal, told to families
#
# app/journal_entry.py reports each change of a mark, an absence or a final mark here as it
# audits it, and nothing is written then: at the commit the transaction's changes become
# notices for the child's family (every guardian with a login, and the child's own login), one
# per child and lesson however many marks the save made (a cell «5 4», a file of marks), in a
# few bulk statements. A refused save rolls back and tells nobody.
#
# A teacher who fixes a typo a minute later must not send a second letter: a notice about the
# same child's lesson that is still unread takes the new change in for NOTICE_MERGE_SECONDS,
# and an instant letter about marks waits that long before it goes, so that it carries them all.

JOURNAL_EVENTS = "notifications.journal_events"  # Session.info key: this transaction's changes
KIND_TITLES = {"mark": "Отметки", "absence": "Посещаемость", "correction": "Исправление в журнале"}
ATTENDANCE_TEXT = {"absent": "отсутствовал(а) на уроке", "late": "опоздал(а) на урок"}
ATTENDANCE_SHORT = {"absent": "отсутствовал(а)", "late": "опоздал(а)"}
# A merge never touches a letter the sender may be about to claim.
MERGE_MARGIN = timedelta(seconds=2)


def family_link(student_id=None, day=None):
    """Where a family reads what a notice is about: the diary's week of that day, the child's
    marks (a final mark), or the diary itself (a digest of several children)."""
    if student_id is None:
        return "/diary/"
    if day is None:
        return f"/diary/{student_id}/marks"
    return f"/diary/{student_id}/?day={day.isoformat()}"


@dataclass
class JournalEvent:
    """One audited change, as the family will read it."""

    kind: str  # mark / absence / correction
    student_id: int
    subject_id: int
    day: object  # the lesson's date; None for a final mark
    place: object  # the lesson's number, or the final mark's period
    phrase: str

    @property
    def key(self):
        return self.kind, self.student_id, self.subject_id, self.day, self.place


def journal_changed(session, record, student_id, old, new, lesson=None, subject_id=None, label="",
                    correction=None):
    """Called by app/journal_entry.py for each audited change. `record`: mark, absence or
    final_mark; `old` and `new` as the audit writes them («5 (КР)», «н», «О», empty for none); a
    lesson's record names its lesson, a final mark its subject and `label` (its period).
    `correction`: the approved correction this change is, if any. Kept until the commit."""
    phrase = change_phrase(record, old or "", new or "", label, correction)
    if phrase is None:
        return
    kind = "correction" if correction is not None else ("absence" if record == "absence" else "mark")
    where = (lesson.subject_id, lesson.date, lesson.number) if lesson is not None else (subject_id, None, label)
    session.info.setdefault(JOURNAL_EVENTS, []).append(JournalEvent(kind, student_id, *where, phrase))


def change_phrase(record, old, new, label="", correction=None):
    """How a change reads in a notice, or None when it is no news for a family."""
    if old == new:
        return None
    if record == "absence":
        phrase = _attendance_phrase(old, new)
        if phrase is None:
            if correction is None:
                return None  # the reason of an absence given later (н → Б) is no news
            phrase = f"{old or '—'} → {new or '—'}"
    else:
        phrase = _value_phrase(record, label, old, new)
    if correction is not None:
        reason = _clip(" ".join((correction.reason or "").split()), 300)
        phrase = f"исправление: {phrase}" + (f" (причина: {reason})" if reason else "")
    return phrase


def _value_phrase(record, label, old, new):
    if record == "final_mark":
        what = f"итоговая отметка ({label})" if label else "итоговая отметка"
        if not old:
            return f"{what}: {new}"
    else:
        what = "отметка"
        if not old:
            return f"новая отметка {new}"
    if not new:
        return f"{what} {old} снята"
    return f"{what} изменена: {old} → {new}"


def _attendance(code):
    """None, "late" or "absent" (н, or an absence's reason Б/У/Н)."""
    if not code:
        return None
    return "late" if code == LATE else "absent"


def _attendance_phrase(old, new):
    was, now = _attendance(old), _attendance(new)
    if was == now:
        return None
    if was is None:
        return ATTENDANCE_TEXT[now]
    if now is None:
        return f"снята отметка «{ATTENDANCE_TEXT[was]}»"
    return f"{ATTENDANCE_TEXT[now]}, а не {ATTENDANCE_SHORT[was]}"


@dataclass
class FamilyLogin:
    """A login that hears about a child: a guardian's or the child's own, with its settings."""

    student_id: int
    user_id: int
    email: str
    marks: object  # the setting, None without a settings row
    corrections: object
    child: str  # the child's Фамилия Имя Отчество


@dataclass
class _Told:
    """One notice to write (or to merge into a recent one): a group of changes for one login."""

    login: FamilyLogin
    kind: str
    head: str  # who and which lesson: the part a later change of the same lesson shares
    phrases: list
    link: str

    @property
    def text(self):
        return _clip(f"{self.head}: {'; '.join(self.phrases)}.", TEXT_MAX)

    @property
    def subject(self):
        return f"{KIND_TITLES[self.kind]}: {self.head}"

    @property
    def wants_letter(self):
        return has_mailbox(self.login.email) and letter_wanted(self.kind, None, self.login.marks,
                                                               self.login.corrections)


def tell_families(session, events):
    """Notices (and letters, as each person wants them) for a transaction's journal changes:
    one statement when the children have no family logins, a few bulk ones when they do."""
    groups = {}
    for journal_event in events:
        groups.setdefault(journal_event.key, []).append(journal_event.phrase)
    logins = family_logins(session, {key[1] for key in groups})
    if not logins:
        return
    subjects = dict(session.execute(_subject_names(), {"ids": sorted({key[2] for key in groups})}).all())
    told = [_Told(login, kind, _head(login.child, subjects.get(subject_id, ""), day, place), phrases,
                  family_link(student_id, day))
            for (kind, student_id, subject_id, day, place), phrases in groups.items()
            for login in logins.get(student_id, ())]
    now = _now()
    merged = _merge_into_recent(session, told, now)
    _write_notices(session, [item for index, item in enumerate(told) if index not in merged], now)


def _head(child, subject, day, place):
    if day is None:  # a final mark: its period is in the phrase
        return f"{child} — {subject}"
    return f"{child} — {subject}, {fmt_date(day)}, {place}-й урок"


# The save path's statements are built once: building one costs more than running it.


@cache
def _family_statement():
    ids = bindparam("ids", expanding=True)
    guardians = (select(Guardianship.student_id.label("student_id"), Guardian.user_id.label("user_id"))
                 .join(Guardian, Guardian.id == Guardianship.guardian_id)
                 .where(Guardianship.student_id.in_(ids), Guardian.user_id.isnot(None)))
    own = (select(Student.id.label("student_id"), Student.user_id.label("user_id"))
           .where(Student.id.in_(ids), Student.user_id.isnot(None)))
    family = union(guardians, own).subquery()
    return (select(family.c.student_id, family.c.user_id, User.email, NotificationSetting.marks,
                   NotificationSetting.corrections, Student.last_name, Student.first_name, Student.middle_name)
            .join(User, User.id == family.c.user_id).join(Student, Student.id == family.c.student_id)
            .outerjoin(NotificationSetting, NotificationSetting.user_id == family.c.user_id)
            .where(User.active.is_(True)).order_by(family.c.student_id, family.c.user_id))


@cache
def _subject_names():
    return select(Subject.id, Subject.name).where(Subject.id.in_(bindparam("ids", expanding=True)))


@cache
def _recent_notices():
    return (select(Notice.id, Notice.recipient_id, Notice.kind, Notice.text, EmailJob.id, EmailJob.state,
                   EmailJob.attempts, EmailJob.next_attempt_at)
            .outerjoin(EmailJob, EmailJob.notice_id == Notice.id)
            .where(Notice.recipient_id.in_(bindparam("recipients", expanding=True)),
                   Notice.kind.in_(bindparam("kinds", expanding=True)), Notice.read_at.is_(None),
                   Notice.created_at >= bindparam("since"))
            .order_by(Notice.id.desc()))


@cache
def _merge_statements():
    notice, job = Notice.__table__, EmailJob.__table__
    return (update(notice).where(notice.c.id == bindparam("n_id")).values(text=bindparam("n_text")),
            update(job).where(job.c.id == bindparam("j_id"), job.c.state == PENDING, job.c.attempts == 0)
            .values(body=bindparam("j_body")))


@cache
def _insert_statements():
    return (insert(Notice).returning(Notice.id, sort_by_parameter_order=True),
            insert(EmailJob).returning(EmailJob.id, sort_by_parameter_order=True))


def family_logins(session, student_ids):
    """{student id: [FamilyLogin]} of every guardian with a login and the student's own login,
    with their settings and the child's name, in one statement. Only the child's own family."""
    rows = session.execute(_family_statement(), {"ids": sorted(student_ids)})
    logins = {}
    for student_id, user_id, email, marks, corrections, *name in rows:
        logins.setdefault(student_id, []).append(
            FamilyLogin(student_id, user_id, email, marks, corrections, " ".join(p for p in name if p)))
    return logins


def _merge_seconds():
    return float(current_app.config.get("NOTICE_MERGE_SECONDS", 0)) if has_app_context() else 0.0


def _letter_delay(kind):
    # Corrections are one act each: only marks and attendance come in bursts worth waiting for.
    return timedelta(seconds=_merge_seconds() if kind in ("mark", "absence") else 0)


def _merge_into_recent(session, told, now):
    """Take changes into a recent unread notice about the same lesson whose letter (if the
    person wants one) has not gone yet. Returns the indexes of `told` merged so."""
    window = _merge_seconds()
    if window <= 0 or not told:
        return set()
    recent = session.execute(_recent_notices(), {
        "recipients": sorted({item.login.user_id for item in told}), "kinds": sorted({item.kind for item in told}),
        "since": now - timedelta(seconds=window)}).all()
    merged, notices, letters, used = set(), [], [], set()
    for index, item in enumerate(told):
        for notice_id, recipient_id, kind, text, job_id, state, attempts, due in recent:
            if (notice_id in used or recipient_id != item.login.user_id or kind != item.kind
                    or not text.startswith(item.head + ": ")):
                continue
            if item.wants_letter != (job_id is not None):
                break  # the setting changed since: a fresh notice with its own letter, or none
            if job_id is not None and not (state == PENDING and attempts == 0 and due > now + MERGE_MARGIN):
                break  # that letter has gone (or is going): the change gets its own
            text = f"{text.removesuffix('.')}; {'; '.join(item.phrases)}."
            if len(text) > TEXT_MAX:
                break  # full: the change starts a notice of its own rather than be cut off
            notices.append({"n_id": notice_id, "n_text": text})
            if job_id is not None:
                letters.append({"j_id": job_id, "j_body": letter_body(text, item.link)})
            merged.add(index)
            used.add(notice_id)
            break
    update_notices, update_letters = _merge_statements()
    if notices:
        session.execute(update_notices, notices)
    if letters:
        session.execute(update_letters, letters)
    return merged


def _write_notices(session, told, now):
    """The notices in one INSERT, their letters in another."""
    if not told:
        return
    insert_notices, insert_letters = _insert_statements()
    notice_ids = session.scalars(insert_notices, [
        {"recipient_id": item.login.user_id, "kind": item.kind, "text": item.text, "link": item.link,
         "created_at": now} for item in told]).all()
    rows = [_job_row(item.login.email, item.subject, letter_body(item.text, item.link), notice_id,
                     due=now + _letter_delay(item.kind))
            for item, notice_id in zip(told, notice_ids) if item.wants_letter]
    if rows:
        job_ids = session.scalars(insert_letters, rows).all()
        _hand_on_after_commit(session, job_ids)


# ------------------------------------------------------------------ the daily digest
#
# A person whose setting for marks is «digest» (the default) gets one letter a day with their
# children's marks and absences since their last digest. `last_digest_at` is claimed in the
# database before the letter is queued, so the command run twice, or by two processes at once,
# never sends the same news twice. The sender thread (or, with REDIS_URL, a Celery task it
# publishes) runs it when MAIL_DIGEST_HOUR o'clock passes.

DIGEST_FIRST_SPAN = timedelta(days=1)  # what a first digest looks back over


def digest_moment(now, hour):
    """The latest `hour` o'clock not after `now`: the digest due by then."""
    moment = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment if moment <= now else moment - timedelta(days=1)


@dataclass
class _DigestReader:
    user_id: int
    email: str
    since: datetime
    children: list


def send_digests(session, now=None, due_before=None):
    """Queue a digest letter for each person who wants marks as a digest and has news since
    their last one (everyone's last one is moved to `now`, news or not). `due_before`: only
    people whose last digest is older (the daily run). Returns how many letters; the caller commits."""
    now = now or _now()
    due_before = due_before or now
    readers = _digest_readers(session, due_before, now)
    if not readers:
        return 0
    _ensure_settings(session, [reader.user_id for reader in readers])
    last = NotificationSetting.last_digest_at
    claimed = set(session.scalars(
        update(NotificationSetting)
        .where(NotificationSetting.user_id.in_([reader.user_id for reader in readers]),
               NotificationSetting.marks == DIGEST, or_(last.is_(None), last < due_before))
        .values(last_digest_at=now).returning(NotificationSetting.user_id),
        execution_options={"synchronize_session": False}).all())
    readers = [reader for reader in readers if reader.user_id in claimed]
    news = _digest_news(session, {child for reader in readers for child in reader.children},
                        min((reader.since for reader in readers), default=now), now)
    sent = 0
    for reader in readers:
        body = digest_body(reader, news, now)
        if body:
            queue_email(session, reader.email, digest_subject(reader.since, now), body)
            sent += 1
    return sent


def _digest_readers(session, due_before, now):
    """Family logins with a mailbox whose marks come as a digest that is due."""
    guardians = (select(Guardian.user_id.label("user_id"), Guardianship.student_id.label("student_id"))
                 .join(Guardianship, Guardianship.guardian_id == Guardian.id).where(Guardian.user_id.isnot(None)))
    own = select(Student.user_id.label("user_id"), Student.id.label("student_id")).where(Student.user_id.isnot(None))
    family = union(guardians, own).subquery()
    rows = session.execute(
        select(family.c.user_id, family.c.student_id, User.email, NotificationSetting.last_digest_at)
        .join(User, User.id == family.c.user_id)
        .outerjoin(NotificationSetting, NotificationSetting.user_id == family.c.user_id)
        .where(User.active.is_(True),
               or_(NotificationSetting.id.is_(None), NotificationSetting.marks == DIGEST),
               or_(NotificationSetting.last_digest_at.is_(None), NotificationSetting.last_digest_at < due_before))
        .order_by(family.c.user_id, family.c.student_id)).all()
    readers = {}
    for user_id, student_id, email, last in rows:
        if has_mailbox(email):
            reader = readers.setdefault(user_id, _DigestReader(user_id, email, last or now - DIGEST_FIRST_SPAN, []))
            reader.children.append(student_id)
    return list(readers.values())


def _ensure_settings(session, user_ids):
    """A settings row (with the defaults) for each of these logins that has none."""
    having = set(session.scalars(select(NotificationSetting.user_id).where(NotificationSetting.user_id.in_(user_ids))))
    missing = [{"user_id": user_id, **DEFAULT_SETTING} for user_id in user_ids if user_id not in having]
    if missing:
        # Another process may add the same row meanwhile: the unique user_id keeps one.
        session.execute(_insert_ignoring_twins(session, NotificationSetting), missing)


def _insert_ignoring_twins(session, model):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(model).on_conflict_do_nothing(index_elements=["user_id"])


@dataclass
class _ChildNews:
    name: str
    classgroup: str
    marks: list  # (changed at, date, subject, value, work type, changed later)
    absences: list  # (changed at, date, number, subject, code)


def _digest_news(session, student_ids, since, now):
    """{student id: _ChildNews} of marks and absences (still standing) changed in (since, now]."""
    if not student_ids:
        return {}
    ids = sorted(student_ids)
    news = {student_id: _ChildNews(" ".join(p for p in (last, first, middle) if p),
                                   f"{grade}{letter}" if grade else "", [], [])
            for student_id, last, first, middle, grade, letter in session.execute(
                select(Student.id, Student.last_name, Student.first_name, Student.middle_name,
                       ClassGroup.grade, ClassGroup.letter)
                .outerjoin(ClassGroup, ClassGroup.id == Student.classgroup_id).where(Student.id.in_(ids)))}
    marks = session.execute(
        select(Mark.student_id, Mark.updated_at, Lesson.date, Subject.name, Mark.value, WorkType.name,
               Mark.version > 1)
        .join(Lesson, Lesson.id == Mark.lesson_id).join(Subject, Subject.id == Lesson.subject_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(Mark.student_id.in_(ids), Mark.retracted_at.is_(None), Mark.updated_at > since, Mark.updated_at <= now)
        .order_by(Lesson.date, Subject.name, Lesson.number, Mark.id))
    for student_id, *row in marks:
        news[student_id].marks.append(tuple(row))
    absences = session.execute(
        select(Absence.student_id, Absence.updated_at, Lesson.date, Lesson.number, Subject.name, Absence.reason)
        .join(Lesson, Lesson.id == Absence.lesson_id).join(Subject, Subject.id == Lesson.subject_id)
        .where(Absence.student_id.in_(ids), Absence.retracted_at.is_(None), Absence.updated_at > since,
               Absence.updated_at <= now)
        .order_by(Lesson.date, Lesson.number))
    for student_id, *row in absences:
        news[student_id].absences.append(tuple(row))
    return news


def digest_subject(since, now):
    if since.date() >= now.date() - timedelta(days=1):
        return f"Сводка электронного журнала за {fmt_date(now.date())}"
    return f"Сводка электронного журнала с {fmt_date(since.date())} по {fmt_date(now.date())}"


def digest_body(reader, news, now):
    """The digest letter's text, or "" when none of the children has news since the last one."""
    parts = []
    for student_id in reader.children:
        child = news.get(student_id)
        if child is None:
            continue
        marks = [row for row in child.marks if row[0] > reader.since]
        absences = [row for row in child.absences if row[0] > reader.since]
        if marks or absences:
            parts.append(_child_digest(child, marks, absences))
    if not parts:
        return ""
    lines = [f"Отметки и пропуски с {_moment_text(reader.since)} по {_moment_text(now)}.", ""]
    for part in parts:
        lines += part + [""]
    site = current_app.config.get("MAIL_SITE_URL") if has_app_context() else ""
    if site:
        lines += [f"Открыть в журнале: {site.rstrip('/')}{family_link()}", ""]
    lines += ["Сводка приходит раз в день; настроить письма можно в разделе «Уведомления по почте».",
              "Письмо отправлено автоматически, отвечать на него не нужно."]
    return "\n".join(lines)


def _child_digest(child, marks, absences):
    lines = [f"{child.name}{', ' + child.classgroup if child.classgroup else ''}"]
    if marks:
        lines.append("Отметки:")
        by_lesson = {}
        for _at, day, subject, value, work_type, changed in marks:
            by_lesson.setdefault((day, subject), []).append(f"{value} ({work_type}{', изменена' if changed else ''})")
        lines += [f"  {fmt_date(day)}, {subject}: {', '.join(values)}" for (day, subject), values in by_lesson.items()]
    if absences:
        lines.append("Пропуски и опоздания:")
        lines += [f"  {fmt_date(day)}, {subject}, {number}-й урок: {_absence_text(code)}"
                  for _at, day, number, subject, code in absences]
    return lines


def _absence_text(reason):
    if reason == LATE:
        return "опоздание"
    why = ABSENCE_REASONS.get(reason or "")
    return f"отсутствие ({why})" if why else "отсутствие, причина не указана"


def _moment_text(moment):
    return f"{fmt_date(moment.date())} {moment:%H:%M}"


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

    def _message(self):
        # Flask-Mail encodes a Cyrillic subject in words that its SMTP policy then folds anew at
        # their spaces, and a reader joins the words without them («ТроицкаяЕсения»): the subject
        # is written here in short encoded words with its spaces inside them, and the headers go
        # out as they are stored.
        msg = super()._message()
        msg.policy = compat32.clone(linesep="\r\n")
        if self.subject and not self.subject.isascii():
            msg.replace_header("Subject", encoded_words(self.subject))
        return msg


def encoded_words(text, most=39):
    """RFC 2047 words of at most `most` bytes each (so that the first fits beside «Subject: »),
    cut between characters and never at a space, one a line."""
    words, word = [], b""
    for char in text:
        data = char.encode("utf-8")
        if word and len(word) + len(data) > most:
            words.append(word)
            word = b""
        word += data
    words.append(word)
    return "\n ".join(f"=?utf-8?b?{b64encode(word).decode('ascii')}?=" for word in words)


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
        self._digest_moment = None

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
            self._digest_when_due()
        except Exception:  # a digest that fails (or a wrong MAIL_DIGEST_HOUR) never stops the letters
            log.exception("Сводка отметок: не отправлена, попытка при следующем проходе")
        try:
            if "celery" in self.app.extensions:
                return _publish(self.app, job_ids)
            return _send_in_process(self.app)
        except Exception:  # a database or broker hiccup: try again later
            log.exception("Очередь писем: проход не удался")
            return self.app.config["MAIL_POLL_SECONDS"]

    def _digest_when_due(self):
        """The daily digest, once MAIL_DIGEST_HOUR o'clock has passed since the last one this
        thread ran; the first is the first such hour after the process started (a start sends
        nothing by itself; news of a day missed while it was down goes with the next digest).
        A pass at least every MAIL_POLL_SECONDS sees the hour come; people are claimed in the
        database, so other processes or the command never send anyone the same news twice."""
        hour = self.app.config.get("MAIL_DIGEST_HOUR")
        if hour is None or hour == "":
            return
        moment = digest_moment(_now(), int(hour))
        if self._digest_moment is None:
            self._digest_moment = moment
        if moment == self._digest_moment:
            return
        if "celery" in self.app.extensions:
            self.app.extensions["celery"].tasks[SEND_DIGESTS].delay(moment.isoformat())
        else:
            run_digests(self.app, due_before=moment)
        self._digest_moment = moment


def run_digests(app, due_before=None, wake_sender=True):
    """send_digests() in a transaction of its own; returns how many letters. Without
    `wake_sender` the letters wait in the queue for whoever sends next."""
    with app.app_context():
        try:
            count = send_digests(db.session, due_before=due_before)
            if not wake_sender:
                db.session.info.pop(QUEUED, None)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    log.info("Сводки отметок: писем %s", count)
    return count


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

    # Not shared (Celery's default): each task closes over this application, and a shared one would
    # be copied into every Celery made later in the process, whose worker would then run it with
    # the first application's database, mail server and broker.
    @worker.task(name=SEND_JOB, bind=True, shared=False)
    def send_email_job(task, job_id):
        send_due_emails(app, limit=1, job_ids=[job_id])
        retry_at = db.session.scalar(select(EmailJob.next_attempt_at)
                                     .where(EmailJob.id == job_id, EmailJob.state == PENDING))
        if retry_at is not None:  # not sent yet: once more when it is due
            task.apply_async((job_id,), countdown=max((retry_at - _now()).total_seconds(), 0))

    @worker.task(name=SEND_DUE, shared=False)
    def send_due():
        drain(app)

    @worker.task(name=SEND_DIGESTS, shared=False)
    def send_digests_task(due_before=None):
        run_digests(app, due_before=datetime.fromisoformat(due_before) if due_before else None)

    @worker.task(name=PARENT_REPORT, shared=False)
    def parent_report(report_id):
        from app.parent_report import run_report

        run_report(app, report_id)

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


@click.command("digest", help="Отправить сводку отметок и пропусков тем, кто выбрал письма раз в день.")
@with_appcontext
def digest_command():
    # Sent here and now, like `send-mail`: a thread of this short-lived process could die mid-letter.
    app = current_app._get_current_object()
    count = run_digests(app, wake_sender=False)
    outcome = drain(app)
    click.echo(f"Сводок: {count}. Отправлено писем: {outcome.sent}; отложено до следующей попытки: "
               f"{outcome.retried}; не удалось отправить: {outcome.failed}.")
    if outcome.server_down:
        raise click.ClickException("Почтовый сервер недоступен: письма остались в очереди.")
