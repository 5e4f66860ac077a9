"""The substitute is told (issue 4): a notice in the application and a letter through a real
SMTP server on 127.0.0.1, sent after the deputy's page has answered; a colleague whose
substitution is replaced is told too."""
from datetime import timedelta

from sqlalchemy import select

from app import timetable as tt
from app.extensions import db
from app.notifications import Notice
from tests.conftest import TODAY, csrf_token, login
from tests.school import deputy_writer, person_of_login
from tests import test_notifications as mail
from tests.test_timetable_pages import tomorrow_lesson_covered_by

# The mail tests' application (its Flask-Mail points at their SMTP server) and that server.
app, mail_server, smtp, quiet_sender = mail.app, mail.mail_server, mail.smtp, mail.quiet_sender
user_id, email_of = mail.user_id, mail.email_of
TOMORROW = TODAY + timedelta(days=1)


def notices_of(username):
    return db.session.scalars(select(Notice).where(Notice.recipient_id == user_id(username))
                              .order_by(Notice.id)).all()


def test_substitute_gets_a_notice_and_a_letter_after_the_deputy_assigns_them(app, client, smtp):
    with app.app_context():
        lesson, substitute_login = tomorrow_lesson_covered_by("classteacher", "teacher")
        lesson_id, group, subject = lesson.id, lesson.group_name, lesson.subject.name
        substitute_id, address = person_of_login(substitute_login).id, email_of(substitute_login)
        ill = lesson.teacher.short_name
        before = len(notices_of(substitute_login))
    login(client, "deputy")
    url = f"/timetable/lesson/{lesson_id}/substitute"
    res = client.post(url, data={"kind": "teacher", "substitute": substitute_id, "version": 0,
                                 "csrf_token": csrf_token(client, url)})
    assert res.status_code == 302
    with app.app_context():
        notice = notices_of(substitute_login)[before:]
        assert len(notice) == 1 and notice[0].kind == "substitution"
        assert f"{subject} — {group}, {TOMORROW:%d.%m.%Y}" in notice[0].text and f"вместо {ill}" in notice[0].text
        assert notice[0].link == f"/timetable/my?day={TOMORROW.isoformat()}"
    letter = smtp.wait_for(1)[0]
    assert letter["To"] == address
    assert letter["Subject"] == f"Замена урока {TOMORROW:%d.%m.%Y}: {group}, {subject}"
    assert "Журнал этого урока открыт вам" in letter.get_content()


def test_a_replaced_substitute_is_told_the_substitution_is_off(app, smtp):
    with app.app_context():
        lesson, first_login = tomorrow_lesson_covered_by("classteacher", "teacher")
        deputy = deputy_writer()
        tt.substitute(db.session, deputy, lesson, "teacher", substitute=person_of_login(first_login),
                      version=tt.substitution_version(db.session, lesson.id))
        db.session.commit()
        smtp.wait_for(1)
        before = len(notices_of(first_login))
        tt.substitute(db.session, deputy, lesson.id, "cancel", version=tt.substitution_version(db.session, lesson.id))
        db.session.commit()
        [off] = notices_of(first_login)[before:]
        assert off.text.startswith("Замена отменена") and "урок отменён" in off.text
    letters = smtp.wait_for(2)
    assert letters[1]["Subject"] == f"Замена урока {TOMORROW:%d.%m.%Y} отменена"


def test_nothing_is_told_when_the_substitution_is_refused(app, smtp):
    with app.app_context():
        lesson, free_login = tomorrow_lesson_covered_by("classteacher", "teacher")
        before = len(notices_of(free_login))
        try:
            tt.substitute(db.session, deputy_writer(), lesson, "teacher", substitute=person_of_login(free_login),
                          version=99)
        except tt.SubstitutionConflict:
            db.session.rollback()
        assert len(notices_of(free_login)) == before
    assert smtp.messages == []
