"""The background jobs of issue 5 run by a real Celery worker (REDIS_URL set): the daily digest of
marks and absences, and the class teacher's report to parents. The web process only publishes
each job to Redis; a worker (celery.contrib.testing, pool «solo», in this process) runs it, and
the letters it writes go out through a real SMTP server (aiosmtpd on 127.0.0.1) as Celery tasks
of their own. What is checked is what people notice: the letter in the mailbox, once; the
report's state, progress and messages with their PDFs.

Today is Monday 23.11.2026; `classteacher` leads 5А, where the demo's `student` (Троицкая Есения)
learns; her mother is `parent`."""
from datetime import datetime, timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun
from flask import appcontext_pushed
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import func, select

from app import create_app
from app import journal_entry as entry
from app.extensions import db
from app.messages import Message
from app.notifications import (
    PARENT_REPORT, SEND_DIGESTS, SEND_DUE, SEND_JOB, SENT, EmailJob, NotificationSetting, _Dispatcher, has_mailbox,
    notify, stop_dispatcher,
)
from app.parent_report import ParentReport
from tests import test_notifications as mail
from tests.conftest import login, settings_for
from tests.school import deputy_writer, work_type_named
from tests.test_notification_settings import esenia, lesson_today, setting
from tests.test_parent_report import (  # noqa: F401 (esenias_day is a fixture)
    TODAY_TEXT, assert_the_bar_reached_the_end, esenias_day, families_of_5a, pdf_text, send_report_of_today,
    wait_for_the_end,
)

mail_server, smtp, quiet_sender, wait_until = mail.mail_server, mail.smtp, mail.quiet_sender, mail.wait_until
user_id, email_of = mail.user_id, mail.email_of
REDIS_URL = "redis://127.0.0.1:6379/7"  # 13: the printouts' batch, 14: the letters, 15: the rate limit


@pytest.fixture(scope="module")
def app(databases, mail_server):
    """The web process and the worker's application: Celery with Redis, letters to the test server."""
    application = create_app(settings_for(databases.work_url, REDIS_URL=REDIS_URL,
                                          **mail.mail_settings(mail_server.port)))
    yield application
    stop_dispatcher(application)


@pytest.fixture
def broker():
    """This module's Redis database, empty before and after each test."""
    queue = redis.Redis.from_url(REDIS_URL)
    queue.flushdb()
    yield queue
    queue.flushdb()


@pytest.fixture
def finished():
    """The names of the tasks the worker has run, in order."""
    names = []

    def record(sender=None, **_kwargs):
        names.append(sender.name)

    task_postrun.connect(record, weak=False)
    yield names
    task_postrun.disconnect(record)


def worker(app):
    return start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30)


def letters():
    return db.session.scalars(select(EmailJob).order_by(EmailJob.id)).all()


def email_of_id(uid):
    return db.session.scalar(select(User.email).where(User.id == uid))


# ---------------------------------------------------------------- the daily digest


def test_the_worker_sends_the_daily_digest_once_though_two_processes_publish_it(app, smtp, broker, finished):
    started = datetime.now()
    with app.app_context():
        setting("parent", marks="digest", last_digest_at=started - timedelta(days=2))
        entry.add_mark(deputy_writer(), lesson_today(esenia(), "Математика"), esenia(), "4", "form",
                       work_type=work_type_named("Самостоятельная работа"))
        db.session.commit()
        parent_email = email_of("parent")
        assert letters() == []  # marks as a digest: no letter at once
    # MAIL_DIGEST_HOUR o'clock comes while two web processes run: each one's sender publishes the digest.
    for _process in range(2):
        sender = _Dispatcher(app)  # not started: its pass is called here, as its thread would
        sender._digest_when_due()
        sender._digest_moment -= timedelta(days=1)
        sender._digest_when_due()
    assert broker.llen("celery") == 2
    with app.app_context():  # published, not run: the web processes make no digest themselves
        assert letters() == []
        assert db.session.scalar(select(NotificationSetting.last_digest_at).where(
            NotificationSetting.user_id == user_id("parent"))) < started
    with worker(app):
        wait_until(lambda: finished.count(SEND_DIGESTS) == 2, seconds=30, what="both digest tasks")
        with app.app_context():
            queued = len(letters())
        wait_until(lambda: finished.count(SEND_JOB) >= queued > 0, seconds=30, what="every letter's task")
        [letter] = smtp.wait_for(1)
    assert letter["To"] == parent_email
    assert letter["Subject"] == (f"Сводка электронного журнала с {started - timedelta(days=2):%d.%m.%Y} "
                                 f"по {datetime.now():%d.%m.%Y}")
    body = letter.get_content()
    assert body.startswith(f"Отметки и пропуски с {started - timedelta(days=2):%d.%m.%Y} "), body
    assert "Троицкая Есения Анатольевна, 5А\nОтметки:\n" in body, body
    assert f"  {TODAY_TEXT}, Математика: 4 (Самостоятельная работа)" in body, body
    assert "Сводка приходит раз в день" in body
    with app.app_context():
        [job] = letters()  # the second digest task found the news already sent: no second letter
        assert (job.state, job.attempts, job.to_address) == (SENT, 1, parent_email)
    assert len(smtp.messages) == 1


# ---------------------------------------------------------------- the report to parents


def test_the_worker_sends_the_report_to_parents_and_the_bar_reaches_the_end(app, client, smtp, broker, finished,
                                                                            esenias_day):
    family = families_of_5a(app)
    with_login, pupils = family.with_login, family.pupils
    class_id, parent_id, father_id = family.class_id, family.parent_id, family.father_id
    login(client, "classteacher")
    show = send_report_of_today(client, class_id)
    progress = show + "/progress"
    report_id = int(show.rstrip("/").rsplit("/", 1)[1])
    # The page's thread only hands the job to Redis: without a worker it waits at 0 %.
    wait_until(lambda: broker.llen("celery") >= 1, seconds=10, what="the report's task in Redis")
    waiting = client.get(progress).get_json()
    assert (waiting["state"], waiting["done"], waiting["percent"]) == ("pending", 0, 0), waiting
    with worker(app):
        answer, seen = wait_for_the_end(client, progress)
        assert answer["state"] == "done", answer
        with app.app_context():  # each parent with a mailbox gets a letter about the new message
            reached = db.session.scalars(select(Message).where(Message.kind == "report")).all()
            addresses = {email_of_id(m.recipients[0].recipient_id) for m in reached}
        addresses = {address for address in addresses if has_mailbox(address)}
        smtp.wait_for(len(addresses), seconds=30)
        wait_until(lambda: finished.count(SEND_JOB) >= len(addresses), what="the letters' tasks")
    assert finished[0] == PARENT_REPORT
    assert_the_bar_reached_the_end(answer, seen, family)
    with app.app_context():
        report = db.session.get(ParentReport, report_id)
        assert (report.state, report.done, report.total, report.percent) == ("done", pupils, pupils, 100)
        assert report.finished_at is not None and report.error is None
        messages = db.session.scalars(select(Message).where(Message.kind == "report")).all()
        assert len(messages) == with_login  # one per parent with a login
        assert all(len(m.recipients) == 1 and len(m.attachments) == 1 for m in messages)
        mine = {m.recipients[0].recipient_id: m for m in messages
                if m.recipients[0].recipient_id in (parent_id, father_id)}
        assert set(mine) == {parent_id, father_id}
        subject = f"Отчёт об успеваемости и посещаемости: Троицкая Е.А., {TODAY_TEXT}–{TODAY_TEXT}"
        for message in mine.values():
            [attached] = message.attachments
            assert attached.content_type == "application/pdf"
            assert attached.filename == f"Отчёт Троицкая Е.А. {TODAY_TEXT}-{TODAY_TEXT}.pdf"
            text = pdf_text(attached.data)
            assert "Троицкая Есения Анатольевна, класс 5А" in text and "3,67" in text, text
            assert message.subject == subject
        assert mine[father_id].body.startswith("Здравствуйте, Анатолий Петрович!")
        # The letters went once each, as the worker's tasks: to the mother and the father among them.
        assert {"troitsky.a@mail.example", email_of("parent")} <= addresses
        assert db.session.scalar(select(func.count()).select_from(EmailJob)) == len(addresses)
        assert all(job.state == SENT for job in letters())
    assert sorted(letter["To"] for letter in smtp.messages) == sorted(addresses)
    assert {letter["Subject"] for letter in smtp.messages} == {f"Сообщение в журнале: {subject}"}


# ---------------------------------------------------------------- one process, two applications


def test_a_worker_runs_its_own_applications_tasks_not_an_earlier_ones(app, databases, smtp, broker, finished):
    """Celery copies each task into every Celery made later in the process unless told not to, and
    which copy a task name then reaches is chance. The tasks close over their application, so a
    worker of a later application ran some of them in an earlier one: with its mail server (here
    ports where nothing listens, so the letter never came), its settings and its broker."""
    earlier = [create_app(settings_for(databases.work_url, REDIS_URL=REDIS_URL,
                                       **mail.mail_settings(mail.free_port()))) for _ in range(3)]
    later = create_app(settings_for(databases.work_url, REDIS_URL=REDIS_URL, **mail.mail_settings(smtp.port)))
    ran_in, running = [], []

    def record(sender, **_kwargs):
        if running:  # every task body enters the application it works for
            ran_in.append(sender)

    def starts(**_kwargs):
        running.append(True)

    def ends(**_kwargs):
        running.clear()

    appcontext_pushed.connect(record)
    task_prerun.connect(starts, weak=False)
    task_postrun.connect(ends, weak=False)
    try:
        with later.app_context():
            notify(db.session, user_id("teacher"), "substitution", "Замена через Celery",
                   email_subject=mail.SUBJECT, email_body=mail.BODY)
            db.session.commit()
            teacher_email = email_of("teacher")
        tasks = later.extensions["celery"].tasks
        tasks[SEND_DUE].delay()
        tasks[SEND_DIGESTS].delay(datetime(2000, 1, 1).isoformat())  # nobody's digest is that old: no letter
        tasks[PARENT_REPORT].delay(0)  # no such report: nothing to do
        with worker(later):
            [letter] = smtp.wait_for(1)
            wait_until(lambda: {SEND_JOB, SEND_DUE, SEND_DIGESTS, PARENT_REPORT} <= set(finished), what="the tasks")
        assert ran_in and [application for application in ran_in if application is not later] == []
        assert (letter["To"], letter["Subject"]) == (teacher_email, mail.SUBJECT)
        assert letter.get_content().rstrip("\n") == mail.BODY
        with later.app_context():
            [job] = letters()
            assert (job.state, job.attempts, job.last_error) == (SENT, 1, None)
    finally:
        appcontext_pushed.disconnect(record)
        task_prerun.disconnect(starts)
        task_postrun.disconnect(ends)
        for application in (later, *earlier):
            stop_dispatcher(application)
            with application.app_context():
                db.session.remove()
                db.engine.dispose()
