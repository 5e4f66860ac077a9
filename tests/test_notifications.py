"""Notices and the letters that go with them: written in the caller's transaction, sent after
its commit off the request path (a thread, or Celery with Redis), retried while the mail server
is down, never twice; and the page «Уведомления», where each person sees only their own.

A real SMTP server (aiosmtpd on 127.0.0.1) receives the letters and Redis carries Celery's tasks."""
import asyncio
import socket
import threading
import time
from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest
import redis
from aiosmtpd.controller import Controller
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import func, insert, select, update

from app import create_app
from app.extensions import db
from app.notifications import (
    FAILED, PENDING, QUEUED, SEND_JOB, SENT, EmailJob, Notice, drain, mark_read, notify, send_due_emails,
    send_mail_command, stop_dispatcher, unread_count,
)
from tests.conftest import DEMO_USERS, csrf_token, login, settings_for

SUBJECT = "Замена урока: 5А, английский язык, 3-й урок"
BODY = "Здравствуйте! 24.11.2026 вы замещаете 3-й урок в 5А (английский язык, группа 1).\nКабинет 21."
REDIS_URL = "redis://127.0.0.1:6379/14"  # db 15 is the rate-limit test's


# ---------------------------------------------------------------- a real SMTP server


class MailServer:
    """aiosmtpd on 127.0.0.1 keeping what it receives; stop() and start() play a server going down."""

    def __init__(self, port):
        self.port, self.controller = port, None
        self.reset()

    def reset(self):
        self.messages, self.delay, self.refused = [], 0.0, set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow server keeps two senders busy at the same time
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def start(self):
        if self.controller is None:
            self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count, seconds=15):
        wait_until(lambda: len(self.messages) >= count, seconds, f"{count} letter(s) at the SMTP server")
        return self.messages


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, seconds=15, what="the condition"):
    """Poll briefly until `condition()` is true; fail after `seconds` (no fixed long sleeps)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {what}")


@pytest.fixture(scope="module")
def mail_server():
    server = MailServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(mail_server):
    mail_server.reset()
    mail_server.start()
    return mail_server


def mail_settings(port, **extra):
    # Short timeout and retry delay, so that a test sees a retry without a long wait.
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT": 1, "MAIL_RETRY_SECONDS": 1,
            "MAIL_RETRY_MAX_SECONDS": 4, "MAIL_MAX_ATTEMPTS": 4, "MAIL_POLL_SECONDS": 5,
            "MAIL_SUPPRESS_SEND": False, "MAIL_SITE_URL": "https://journal.school.example",
            "MAIL_SEND_IN_BACKGROUND": True, **extra}


@pytest.fixture(scope="module")
def app(databases, mail_server):
    """This module's application: Flask-Mail reads its settings once, so the test server's port
    is given at creation."""
    application = create_app(settings_for(databases.work_url, **mail_settings(mail_server.port)))
    yield application
    stop_dispatcher(application)


@pytest.fixture(autouse=True)
def quiet_sender(request):
    """No sender thread outlives its test (the next test's database is copied in underneath)."""
    yield
    if "app" in request.fixturenames:
        stop_dispatcher(request.getfixturevalue("app"))


def user_id(username):
    return db.session.scalar(select(User.id).where(User.username == username))


def email_of(username):
    return db.session.scalar(select(User.email).where(User.username == username))


def jobs(app):
    with app.app_context():
        return db.session.scalars(select(EmailJob).order_by(EmailJob.id)).all()


def add_jobs(app, count, to="a.ivanova@school.example", subject="Письмо"):
    """Letters written straight into the queue, with no dispatch: the test runs the sender itself."""
    with app.app_context():
        now = datetime.now()
        db.session.execute(insert(EmailJob), [
            {"to_address": to, "subject": f"{subject} {i}", "body": "Текст письма", "state": PENDING, "attempts": 0,
             "next_attempt_at": now, "created_at": now} for i in range(count)])
        db.session.commit()


def make_due(app):
    with app.app_context():
        db.session.execute(update(EmailJob).where(EmailJob.state == PENDING).values(next_attempt_at=datetime.now()))
        db.session.commit()


# ---------------------------------------------------------------- notify(): after the commit only


def test_letter_goes_only_after_the_commit_with_russian_intact(app, smtp):
    with app.app_context():
        teacher, address = user_id("teacher"), email_of("teacher")
        notice = notify(db.session, teacher, "substitution", "Вы замещаете 3-й урок в 5А 24.11.2026.",
                        link="/notices/", email_subject=SUBJECT, email_body=BODY)
        # Written in the open transaction, invisible to any sender until the commit.
        assert notice.id is not None and len(db.session.info[QUEUED]["ids"]) == 1
        assert send_due_emails(app).claimed == 0
        assert smtp.messages == []
        db.session.commit()
        notice_id = notice.id
    letter = smtp.wait_for(1)[0]
    assert letter["Subject"] == SUBJECT
    assert letter.get_content() == BODY
    assert letter["To"] == address
    assert letter["From"].addresses[0].display_name == "Электронный журнал"
    wait_until(lambda: jobs(app)[0].state == SENT, what="the letter marked sent")
    [job] = jobs(app)
    assert (job.attempts, job.notice_id, job.last_error) == (1, notice_id, None) and job.sent_at is not None
    assert len(smtp.messages) == 1


def test_rollback_leaves_no_notice_and_no_letter(app, smtp):
    with app.app_context():
        teacher = user_id("teacher")
        notify(db.session, teacher, "substitution", "Замена, которая не состоялась", email_subject=SUBJECT)
        db.session.rollback()
        assert QUEUED not in db.session.info
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
        assert db.session.scalar(select(func.count()).select_from(EmailJob)) == 0
    assert drain(app).claimed == 0
    assert smtp.messages == []


def test_a_login_without_a_mailbox_gets_the_notice_only(app, smtp):
    with app.app_context():
        assert email_of("student").endswith(".invalid")  # app/accounts.py: the person had no address
        notify(db.session, user_id("student"), "mark", "Новая отметка по математике: 5", email_subject="Отметка")
        notify(db.session, user_id("teacher"), "message", "Без письма: тема не задана")
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 2
        assert db.session.scalar(select(func.count()).select_from(EmailJob)) == 0


def test_a_letter_without_its_own_body_tells_the_notice_and_links_to_the_journal(app, smtp):
    with app.app_context():
        long_text = "Замена урока. " * 100
        notify(db.session, user_id("teacher"), "substitution", long_text, link="/notices/", email_subject=SUBJECT)
        db.session.commit()
        notice = db.session.scalars(select(Notice)).one()
        assert len(notice.text) == 1000 and notice.text.endswith("…")
    body = smtp.wait_for(1)[0].get_content()
    assert body.startswith(long_text.strip() + "\n")  # a line of 1,400 characters arrives whole
    assert "Открыть в журнале: https://journal.school.example/notices/" in body


def test_a_link_outside_the_journal_is_refused(app):
    with app.app_context():
        for link in ("https://example.org/", "//example.org/", "javascript:alert(1)"):
            with pytest.raises(ValueError):
                notify(db.session, user_id("teacher"), "message", "Ссылка наружу", link=link)


# ---------------------------------------------------------------- a mail server that is down


def test_server_down_keeps_notice_and_retries_once_it_is_back(app, smtp):
    smtp.stop()
    with app.app_context():
        notify(db.session, user_id("teacher"), "substitution", "Замена 3-го урока", email_subject=SUBJECT,
               email_body=BODY)
        db.session.commit()
    wait_until(lambda: jobs(app)[0].last_error, what="the first attempt's failure")  # not just its claim
    [job] = jobs(app)
    assert (job.state, job.attempts) == (PENDING, 1)
    assert job.last_error.startswith("Почтовый сервер недоступен")
    with app.app_context():
        assert unread_count(db.session, user_id("teacher")) == 1  # the notice does not wait for the letter
    smtp.start()
    smtp.wait_for(1)
    wait_until(lambda: jobs(app)[0].state == SENT, what="the letter marked sent")
    assert drain(app).claimed == 0  # nothing left to send again
    assert len(smtp.messages) == 1 and smtp.messages[0]["Subject"] == SUBJECT
    assert jobs(app)[0].attempts >= 2


def test_a_server_that_never_answers_does_not_hang_anything(app, smtp):
    smtp.stop()
    black_hole = socket.socket()  # accepts connections (the kernel's backlog) and never says a word
    black_hole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    black_hole.bind(("127.0.0.1", smtp.port))
    black_hole.listen(8)
    try:
        with app.app_context():
            notify(db.session, user_id("teacher"), "substitution", "Замена", email_subject=SUBJECT)
            started = time.monotonic()
            db.session.commit()
            assert time.monotonic() - started < 0.5  # the request's commit does not wait for the mail
        wait_until(lambda: jobs(app)[0].last_error, seconds=10, what="an attempt ended by the timeout")
        assert time.monotonic() - started < 5
        job = jobs(app)[0]
        assert job.state == PENDING and job.last_error.startswith("Почтовый сервер не ответил за 1 с")
    finally:
        black_hole.close()


def test_given_up_after_the_last_attempt_and_sent_again_by_the_command(app, smtp):
    add_jobs(app, 1)
    smtp.stop()
    for attempt in range(1, app.config["MAIL_MAX_ATTEMPTS"] + 1):
        make_due(app)
        assert send_due_emails(app).server_down
        assert jobs(app)[0].attempts == attempt
    job = jobs(app)[0]
    assert job.state == FAILED and job.last_error
    runner = app.test_cli_runner()
    refused = runner.invoke(send_mail_command, ["--retry-failed"])
    assert refused.exit_code == 1 and "недоступен" in refused.output
    smtp.start()
    make_due(app)
    result = runner.invoke(send_mail_command)
    assert result.exit_code == 0 and "Отправлено писем: 1" in result.output, result.output
    assert jobs(app)[0].state == SENT and len(smtp.messages) == 1


def test_an_address_the_server_refuses_is_given_up_at_once(app, smtp):
    smtp.refused.add("nobody@school.example")
    add_jobs(app, 1, to="nobody@school.example")
    outcome = send_due_emails(app)
    assert (outcome.failed, outcome.server_down) == (1, False)
    job = jobs(app)[0]
    assert (job.state, job.attempts) == (FAILED, 1)
    assert job.last_error.startswith("Почтовый сервер отклонил адрес получателя")


# ---------------------------------------------------------------- two senders at once


def test_two_senders_at_once_send_each_letter_once(app, smtp):
    count = 20
    add_jobs(app, count)
    smtp.delay = 0.05
    start = threading.Barrier(2)
    outcomes = []

    def sender():
        start.wait()
        outcomes.append(send_due_emails(app, limit=count))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    subjects = sorted(message["Subject"] for message in smtp.messages)
    assert subjects == sorted(f"Письмо {i}" for i in range(count))
    assert sum(outcome.sent for outcome in outcomes) == count
    assert all(job.state == SENT and job.attempts == 1 for job in jobs(app))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":  # SKIP LOCKED: both really worked at the same time
            assert all(outcome.sent > 0 for outcome in outcomes), outcomes


# ---------------------------------------------------------------- Celery with Redis


def test_celery_worker_sends_the_letter(app, databases, smtp):
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    web = create_app(settings_for(databases.work_url, REDIS_URL=REDIS_URL, **mail_settings(smtp.port)))
    done = []

    def record(sender=None, **_kwargs):
        done.append(sender.name)

    task_postrun.connect(record, weak=False)
    try:
        with web.app_context():
            notify(db.session, user_id("teacher"), "substitution", "Замена через Celery", email_subject=SUBJECT)
            db.session.commit()
        # The web process only publishes the task: without a worker nothing is sent.
        wait_until(lambda: broker.llen("celery") >= 1, seconds=10, what="the task in Redis")
        assert smtp.messages == []
        with start_worker(web.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=10):
            wait_until(lambda: SEND_JOB in done, what="the worker's task")
        assert jobs(web)[0].state == SENT
        assert len(smtp.messages) == 1 and smtp.messages[0]["Subject"] == SUBJECT
    finally:
        task_postrun.disconnect(record)
        stop_dispatcher(web)
        with web.app_context():
            db.engine.dispose()
        broker.flushdb()


# ---------------------------------------------------------------- the page «Уведомления»


@pytest.fixture
def notices(app):
    """Two unread notices and one read for the parent; one for the teacher."""
    with app.app_context():
        parent, teacher = user_id("parent"), user_id("teacher")
        ids = {
            "linked": notify(db.session, parent, "mark", "Новая отметка: 5 по математике", link="/family/marks/").id,
            "plain": notify(db.session, parent, "message", "Родительское собрание в четверг").id,
            "old": notify(db.session, parent, "message", "Прочитанное давно уведомление").id,
            "teachers": notify(db.session, teacher, "substitution", "Чужая замена учителя").id,
        }
        mark_read(db.session, parent, [ids["old"]])
        db.session.commit()
        return ids


def unread_of(app, username):
    with app.app_context():
        return unread_count(db.session, user_id(username))


def test_page_shows_only_ones_own_notices_and_the_unread_count(client, notices):
    login(client, "parent")
    page = client.get("/notices/").get_data(as_text=True)
    assert "Новая отметка: 5 по математике" in page and "Родительское собрание" in page
    assert "Прочитанное давно уведомление" in page and "Чужая замена" not in page
    assert page.count('class="notice-unread"') == 2 and page.count('class="notice-read"') == 1
    assert 'title="Непрочитанные уведомления">2</span>' in page  # beside «Уведомления» in the menu
    assert page.index("Новая отметка") > page.index("Прочитанное давно")  # newest first


def test_another_persons_notice_is_not_found_through_any_url(client, app, notices):
    login(client, "parent")
    foreign = notices["teachers"]
    assert client.get(f"/notices/{foreign}").status_code == 404
    token = csrf_token(client, "/notices/")
    for ids in (foreign, [notices["plain"], foreign]):  # one foreign id spoils the whole request
        assert client.post("/notices/read", data={"id": ids, "csrf_token": token}).status_code == 404
    assert client.get("/notices/999999").status_code == 404
    assert unread_of(app, "teacher") == 1 and unread_of(app, "parent") == 2


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, app, notices):
    login(client, "parent")
    opened = client.get(f"/notices/{notices['linked']}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/family/marks/")
    assert unread_of(app, "parent") == 1


def test_a_student_whose_account_may_not_post_still_opens_a_notice(client, app):
    with app.app_context():
        notice = notify(db.session, user_id("student"), "mark", "Новая отметка: 4 по истории", link="/family/marks/")
        db.session.commit()
        notice_id = notice.id
    login(client, "student")
    assert client.get(f"/notices/{notice_id}").status_code == 302
    assert unread_of(app, "student") == 0


def test_marking_read_needs_the_csrf_token(client, app, notices):
    login(client, "parent")
    assert client.post("/notices/read", data={"id": notices["plain"]}).status_code == 400
    assert unread_of(app, "parent") == 2
    token = csrf_token(client, "/notices/")
    assert client.post("/notices/read", data={"id": notices["plain"], "csrf_token": token}).status_code == 302
    assert unread_of(app, "parent") == 1
    client.post("/notices/read", data={"csrf_token": token})  # nothing ticked: all of them
    assert unread_of(app, "parent") == 0 and unread_of(app, "teacher") == 1
    assert 'class="notice-unread"' not in client.get("/notices/").get_data(as_text=True)


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_role_has_its_notices_page(client, user):
    login(client, user)
    assert client.get("/notices/").status_code == 200


def test_nothing_without_login(client, notices):
    assert client.get("/notices/").status_code == 302
    assert client.get(f"/notices/{notices['plain']}").status_code == 302


def test_ten_thousand_notices_page_in_a_fixed_number_of_statements(client, app, count_statements):
    with app.app_context():
        parent = user_id("parent")
        start = datetime(2026, 9, 1, 8, 0)
        db.session.execute(insert(Notice), [
            {"recipient_id": parent, "kind": "mark", "text": f"Отметка № {i}",
             "created_at": start + timedelta(minutes=i)} for i in range(10_000)])
        db.session.commit()
    login(client, "parent")
    counts = []
    for page_number, newest in ((1, 9_999), (120, 4_049), (200, 49)):
        with count_statements() as counter:
            started = time.monotonic()
            page = client.get(f"/notices/?page={page_number}").get_data(as_text=True)
            elapsed = time.monotonic() - started
        counts.append(counter.count)
        assert f"Отметка № {newest}\n" in page and f"Страница {page_number} из 200" in page
        assert page.count('class="notice-unread"') == 50
        assert elapsed < 2, elapsed
    assert len(set(counts)) == 1 and counts[0] <= 12, counts
