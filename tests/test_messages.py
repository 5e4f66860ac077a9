"""The internal mail (issue 5): who may write to whom for every pair of demo roles, nobody reading
another's message or attachment by any URL or the API, attachment limits and types, script in a
subject shown as text in a real browser, letters through a real SMTP server (aiosmtpd on
127.0.0.1), a whole class at once, read receipts, an inbox of 10,000 paged in the same statements
as one of 10, and a parent answering a teacher on a phone-sized screen."""
import base64
import io
import os
import time
import zipfile
from datetime import datetime

import pytest
from flask_appbuilder.security.sqla.models import User
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import func, insert, literal, select, text, update

from app import messages as mail
from app.accounts import issue_login
from app.extensions import db
from app.messages import Message, MessageAttachment, MessageRecipient
from app.notifications import EmailJob, Notice, NotificationSetting
from app.people import Guardian, Guardianship, Student
from app.registers import dismiss_staff, withdraw_student
from app.rules import RuleError
from app.structure import ClassGroup, TeachingAssignment, subgroup_student
from security import policy
from tests import test_browser as foundation
from tests import test_notifications as mail_tests
from tests.conftest import DEMO_USERS, TODAY, api_token, csrf_token, login
from tests.school import assignment_of, classgroup, person_of_login, students_of

# The mail tests' application (its Flask-Mail points at their SMTP server), that server, and the
# foundation's live server and headless Chromium.
app, mail_server, smtp, quiet_sender = mail_tests.app, mail_tests.mail_server, mail_tests.smtp, mail_tests.quiet_sender
live_url, browser, sign_in = foundation.live_url, foundation.browser, foundation.sign_in

STAFF = {"admin", "director", "deputy", "secretary", "teacher", "classteacher"}
# Who may start a message to whom among the demo logins. The demo `teacher` teaches 5А's first
# English group and the demo student is in the second: the family may not write to her first
# (she is not that child's teacher), though she may write to them (she teaches their class).
MAY_WRITE = {
    **{name: STAFF - {name} for name in ("admin", "secretary")},
    # The director and the deputies write to the families of every class.
    **{name: STAFF - {name} | {"parent", "student"} for name in ("director", "deputy")},
    "teacher": STAFF - {"teacher"} | {"parent", "student"},
    "classteacher": STAFF - {"classteacher"} | {"parent", "student"},
    "parent": {"director", "deputy", "classteacher"},
    "student": {"director", "deputy", "classteacher"},
}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32)


def user(name):
    from flask import current_app

    return current_app.appbuilder.sm.find_user(username=name)


def uid(name):
    return user(name).id


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def new_login(person, username, role):
    """A login for a person of the demo school who has none (the demo issues eight)."""
    from flask import current_app

    login_user = issue_login(current_app.appbuilder.sm, person, username=username, password="demo", role_name=role)
    db.session.commit()
    return login_user


def other_family_parent(class_name="5А"):
    """A guardian of `class_name` from another family than the demo parent's."""
    own = {g.student_id for g in person_of_login("parent").guardianships}
    for student in students_of(class_name):
        if student.id not in own and student.guardianships:
            return student.guardianships[0].guardian
    raise LookupError(class_name)


def class_not_taught_by(login_name):
    staff = person_of_login(login_name)
    taught = set(db.session.scalars(select(TeachingAssignment.classgroup_id)
                                    .where(TeachingAssignment.teacher_id == staff.id)))
    return db.session.scalars(select(ClassGroup).where(ClassGroup.id.notin_(taught),
                                                       ClassGroup.class_teacher_id != staff.id)
                              .order_by(ClassGroup.grade.desc())).first()


def guardian_only_in(cls):
    """A guardian all of whose children are in `cls` (no sibling in a class the teacher teaches)."""
    for student in students_of(cls.name):
        for link in student.guardianships:
            if all(other.student.classgroup_id == cls.id for other in link.guardian.guardianships):
                return link.guardian
    raise LookupError(cls.name)


def zipfile_bytes(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for entry, text in entries.items():
            archive.writestr(entry, text)
    return out.getvalue()


def send(author, to, subject="Вопрос", body="Текст сообщения", **options):
    message = mail.send_message(db.session, user(author), [uid(name) for name in to], subject, body, **options)
    db.session.commit()
    return message


def refusal(author, to, **options):
    with pytest.raises(RuleError) as refused:
        send(author, to, **options)
    db.session.rollback()
    return refused.value.message


def sign(client, username):
    """Sign in as `username` (signing out whoever was in: the login page redirects a signed-in one)."""
    client.get("/logout/")
    return login(client, username)


def page(client, url):
    res = client.get(url)
    return res.status_code, res.get_data(as_text=True)


def post_page(client, url, data, form_url="/messages/new", files=None):
    payload = {**data, "csrf_token": csrf_token(client, form_url)}
    if files:
        payload["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=payload, content_type="multipart/form-data")


# ---------------------------------------------------------------- the policy, every pair of roles


@pytest.mark.parametrize("author", DEMO_USERS)
def test_policy_for_every_pair_of_demo_roles(app, author):
    with app.app_context():
        before = count(Message)
        allowed = {name for name in DEMO_USERS if policy.may_write_to(user(author), user(name))}
        assert allowed == MAY_WRITE[author]
        listed = set(db.session.scalars(select(User.username).where(policy.mail_recipients(user(author)))))
        assert listed == MAY_WRITE[author]  # the list of logins one may pick says the same
        offered = {c.value for g in mail.recipient_choices(db.session, user(author)) for c in g.options}
        assert offered == {f"user:{uid(name)}" for name in MAY_WRITE[author]}
        for name in set(DEMO_USERS) - MAY_WRITE[author] - {author}:
            assert "писать вам нельзя" in refusal(author, [name]), (author, name)
        assert count(Message) == before  # nothing refused was written


def test_a_family_writes_to_the_teachers_of_its_own_child_only(app):
    with app.app_context():
        group = assignment_of("teacher").subgroup
        child = person_of_login("student")
        assert child not in group.students  # the demo: the child is in the other English group
        message = refusal("parent", ["teacher"])
        assert message.startswith("Этому адресату") and "учителям своего ребёнка" in message
        db.session.execute(insert(subgroup_student).values(subgroup_id=group.id, student_id=child.id))
        db.session.commit()
        assert policy.may_write_to(user("parent"), user("teacher"))
        assert policy.may_write_to(user("student"), user("teacher"))


def test_another_family_and_another_class_are_refused_in_russian(app):
    with app.app_context():
        new_login(other_family_parent(), "parent2", "Parent")
        other_class = class_not_taught_by("teacher")
        new_login(guardian_only_in(other_class), "parent9", "Parent")
        classmate = next(s for s in students_of("5А") if s.user_id is None)
        new_login(classmate, "student2", "Student")
        before = count(Message)

        assert "другим семьям писать нельзя" in refusal("parent", ["parent2"])
        assert "другим ученикам писать нельзя" in refusal("student", ["student2"])
        assert "ученикам и родителям классов, в которых ведёт уроки" in refusal("teacher", ["parent9"])
        with pytest.raises(RuleError) as whole:
            mail.send_to_class(db.session, user("teacher"), other_class, "Собрание", "Текст")
        assert whole.value.message == f"Писать всему классу {other_class.name} может только учитель этого класса."
        db.session.rollback()
        send("teacher", ["parent2"])  # 5А is the teacher's class: any of its families
        assert "Себе сообщение отправить нельзя" in refusal("teacher", ["teacher"])
        assert refusal("teacher", []) == "Выберите, кому отправить сообщение."
        assert count(Message) == before + 1


def test_dismissed_staff_and_withdrawn_students_receive_nothing_new(app):
    with app.app_context():
        dismiss_staff(db.session, person_of_login("secretary"), effective_on=TODAY, order_no="12-к", order_date=TODAY)
        withdraw_student(db.session, person_of_login("student"), effective_on=TODAY, order_no="80-уч",
                         order_date=TODAY, destination="МАОУ СОШ № 5, г. Тверь")
        db.session.commit()
        assert "больше не получает сообщений" in refusal("teacher", ["secretary"])
        assert "больше не получает сообщений" in refusal("classteacher", ["student"])


def test_a_reply_goes_to_the_thread_never_to_another_family(app):
    with app.app_context():
        new_login(other_family_parent(), "parent2", "Parent")
        notice = mail.send_to_class(db.session, user("teacher"), classgroup("5А"), "Экскурсия", "В пятницу.")
        db.session.commit()
        assert {r.recipient_id for r in notice.recipients} == {uid("parent"), uid("parent2")}
        reply = mail.send_message(db.session, user("parent2"), None, "", "Мы поедем.", reply_to=notice.id)
        db.session.commit()
        assert [r.recipient_id for r in reply.recipients] == [uid("teacher")]
        assert (reply.thread_id, reply.reply_to_id, reply.subject) == (notice.id, notice.id, "Re: Экскурсия")
        seen_by_parent = [m.message.id for m in mail.thread_of(db.session, user("parent"), notice.id).messages]
        seen_by_teacher = [m.message.id for m in mail.thread_of(db.session, user("teacher"), notice.id).messages]
        assert seen_by_parent == [notice.id] and seen_by_teacher == [notice.id, reply.id]
        with pytest.raises(RuleError):  # a family cannot choose another family as a reply's recipient
            mail.send_message(db.session, user("parent2"), [uid("parent")], "", "Привет", reply_to=notice.id)
        db.session.rollback()


def test_the_director_answers_a_parents_question_in_its_thread(app):
    with app.app_context():
        assert "писать вам нельзя" in refusal("secretary", ["parent"])
        question = send("parent", ["director"], "Ошибка в журнале", "У дочери не та отметка за 12.11.2026.")
        answer = mail.send_message(db.session, user("director"), None, "", "Проверим.", reply_to=question)
        db.session.commit()
        assert [r.recipient_id for r in answer.recipients] == [uid("parent")]


def test_the_director_writes_to_any_family_of_the_school(app):
    with app.app_context():
        new_login(other_family_parent(), "parent2", "Parent")
        message = send("director", ["parent2"], "Приглашение", "Приглашаю вас на беседу в четверг.")
        assert [r.recipient_id for r in message.recipients] == [uid("parent2")]


# ---------------------------------------------------------------- nobody reads another's message


@pytest.fixture
def foreign_message(app):
    """A message between the teacher and another family, with a file: none of the demo parent's."""
    with app.app_context():
        new_login(other_family_parent(), "parent2", "Parent")
        message = send("teacher", ["parent2"], "Личное", "Только для семьи.", attachments=[("справка.pdf", PDF)])
        return {"id": message.id, "file": message.attachments[0].id, "messages": count(Message)}


@pytest.mark.parametrize("username", ["parent", "student", "director", "admin"])
def test_guessing_another_familys_message_or_file_answers_404_everywhere(app, client, foreign_message, username):
    pk, file_id = foreign_message["id"], foreign_message["file"]
    sign(client, username)
    for url in (f"/messages/{pk}", f"/messages/{pk}?reply={pk}", f"/messages/file/{file_id}",
                "/messages/99999999999", "/messages/file/abc"):
        assert client.get(url).status_code == 404, url
    for url in (f"/messages/{pk}/reply", f"/messages/{pk}/archive"):
        assert post_page(client, url, {"body": "Ответ"}).status_code == 404, url
    headers = api_token(client, username)
    assert client.get(f"/api/v1/message/{pk}", headers=headers).status_code == 404
    assert client.put(f"/api/v1/message/{pk}", json={"read": True}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/message/attachment/{file_id}", headers=headers).status_code == 404
    listed = client.get(f"/api/v1/message/?box=all&thread={pk}", headers=headers).json
    assert listed["count"] == 0
    res = client.post("/api/v1/message/", json={"reply_to": pk, "body": "Ответ"}, headers=headers)
    assert res.status_code == 422 and res.json["message"] == {"reply_to": ["Сообщение, на которое вы отвечаете, не найдено."]}
    with app.app_context():
        recipient = db.session.scalar(select(MessageRecipient).where(MessageRecipient.message_id == pk))
        assert recipient.read_at is None and recipient.archived_at is None
        assert count(Message) == foreign_message["messages"]


def test_participants_do_read_it(app, client, foreign_message):
    sign(client, "parent2")
    status, html = page(client, f"/messages/{foreign_message['id']}")
    assert status == 200 and "Только для семьи." in html
    assert client.get(f"/messages/file/{foreign_message['file']}").data == PDF


# ---------------------------------------------------------------- attachments


def compose(client, to, subject="Памятка", body="Во вложении.", files=None):
    return post_page(client, "/messages/new", {"to": to, "subject": subject, "body": body}, files=files)


@pytest.mark.parametrize("name, content, expected", [
    ("большой.pdf", b"%PDF-1.4\n" + bytes(5 * 1024 * 1024), "больше допустимых 5 МБ"),
    ("справка.pdf", EXE, "Файл «справка.pdf» — не документ PDF: его содержимое не совпадает с расширением «.pdf»"),
    ("setup.exe", EXE, "Файлы «.exe» прикладывать нельзя: можно PDF, JPG, PNG, DOCX, XLSX, ODT или TXT."),
    ("письмо.docx", zipfile_bytes({"readme.txt": "не документ"}), "не документ Word (DOCX)"),
    ("таблица.xlsx", b"PK\x03\x04 damaged", "не таблица Excel (XLSX)"),
    ("пусто.txt", b"", "Файл «пусто.txt» пустой."),
])
def test_a_refused_attachment_keeps_the_form_and_stores_nothing(app, client, name, content, expected):
    with app.app_context():
        before = (count(Message), count(MessageAttachment), count(Notice))
        parent = uid("parent")
    sign(client, "teacher")
    res = compose(client, f"user:{parent}", subject="Памятка к контрольной", files=[(name, content)])
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and expected in html
    assert 'value="Памятка к контрольной"' in html and f'value="user:{parent}" checked' in html
    with app.app_context():
        assert (count(Message), count(MessageAttachment), count(Notice)) == before


def test_the_api_refuses_a_renamed_program_too(app, client):
    with app.app_context():
        parent, before = uid("parent"), count(MessageAttachment)
    res = client.post("/api/v1/message/", headers=api_token(client, "teacher"), json={
        "to": [parent], "subject": "Файл", "body": "См. вложение",
        "attachments": [{"filename": "отчёт.pdf", "content_base64": base64.b64encode(EXE).decode()}]})
    assert res.status_code == 422 and "не документ PDF" in res.json["message"]["files"][0]
    res = client.post("/api/v1/message/", headers=api_token(client, "teacher"), json={
        "to": [parent], "subject": "Файл", "body": "x", "attachments": [{"filename": "a.pdf", "content_base64": "%%%"}]})
    assert res.status_code == 422 and "не base64" in res.json["message"]["attachments"][0]
    with app.app_context():
        assert count(MessageAttachment) == before


def big_pdf(megabytes):
    return PDF + b"%" + b"0" * (megabytes * 1024 * 1024 - len(PDF) - 1)


def test_the_api_takes_attachments_up_to_their_limit_and_refuses_a_larger_request_in_russian(app, client):
    with app.app_context():
        parent, before = uid("parent"), count(MessageAttachment)
    headers = api_token(client, "teacher")
    files = [{"filename": f"часть {n}.pdf", "content_base64": base64.b64encode(big_pdf(3)).decode()} for n in (1, 2, 3)]
    res = client.post("/api/v1/message/", headers=headers, json={
        "to": [parent], "subject": "Материалы", "body": "Три части", "attachments": files})
    assert res.status_code == 201, res.get_data(as_text=True)[:300]  # 9 MB of files, 12 MB as base64
    files.append({"filename": "ещё.pdf", "content_base64": base64.b64encode(big_pdf(4)).decode()})
    res = client.post("/api/v1/message/", headers=headers, json={
        "to": [parent], "subject": "Материалы", "body": "Четыре части", "attachments": files})
    assert res.status_code == 413 and "уменьшите или разделите файлы" in res.json["message"]
    with app.app_context():
        assert count(MessageAttachment) == before + 3


def test_a_file_over_the_limit_is_refused_in_the_browser_and_the_text_stays(app, browser, live_url, tmp_path):
    big = tmp_path / "скан.pdf"
    big.write_bytes(big_pdf(6))
    page_ = browser.new_page()
    sign_in(page_, live_url, "teacher")
    page_.goto(f"{live_url}/messages/new")
    page_.fill("input[name=subject]", "Справка")
    page_.fill("textarea[name=body]", "Текст, который нельзя потерять")
    page_.set_input_files("#files", str(big))
    expect(page_.locator(".files-refused")).to_have_text("Файл «скан.pdf» больше 5 МБ.")
    page_.locator("form button[type=submit]").first.click()
    expect(page_.locator(".files-refused")).to_be_visible()
    assert page_.url.endswith("/messages/new")
    expect(page_.locator("textarea[name=body]")).to_have_value("Текст, который нельзя потерять")


def test_allowed_files_are_kept_by_content_and_downloaded_with_a_safe_name(app, client):
    docx = zipfile_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    odt = zipfile_bytes({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office/>"})
    files = [("Справка об уважительной причине.pdf", PDF), ("../../фото класса.PNG", PNG),
             ("план урока.docx", docx), ("отчёт.odt", odt), ("список.txt", "Иванов\r\nПетров".encode("cp1251"))]
    with app.app_context():
        message = send("teacher", ["parent"], attachments=files)
        kept = [(a.id, a.filename, a.content_type) for a in message.attachments]
    assert [k[1:] for k in kept] == [
        ("Справка об уважительной причине.pdf", "application/pdf"), ("фото класса.PNG", "image/png"),
        ("план урока.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("отчёт.odt", "application/vnd.oasis.opendocument.text"), ("список.txt", "text/plain; charset=windows-1251")]
    sign(client, "parent")
    res = client.get(f"/messages/file/{kept[0][0]}")
    assert res.status_code == 200 and res.data == PDF
    assert res.headers["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%D0%A1%D0%BF%D1%80%D0%B0%D0%B2%D0%BA%D0%B0%20%D0%BE%D0%B1%20%D1%83%D0%B2%D0%B0"
        "%D0%B6%D0%B8%D1%82%D0%B5%D0%BB%D1%8C%D0%BD%D0%BE%D0%B9%20%D0%BF%D1%80%D0%B8%D1%87%D0%B8%D0%BD%D0%B5.pdf")
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    api = client.get(f"/api/v1/message/attachment/{kept[1][0]}", headers=api_token(client, "parent"))
    assert api.status_code == 200 and api.data == PNG and api.headers["Content-Type"] == "image/png"


def test_file_names_are_cleaned():
    assert mail.clean_filename("C:\\Users\\Мама\\Справка <1>.pdf") == "Справка 1.pdf"
    assert mail.clean_filename("../../etc/passwd") == "passwd"
    assert mail.clean_filename("фото\u202egnp.exe") == "фотоgnp.exe"  # no right-to-left trick
    assert mail.clean_filename("отчёт\x00\n.pdf ") == "отчёт.pdf"
    assert mail.clean_filename("   ...   ") == "файл"
    assert len(mail.clean_filename("а" * 400 + ".pdf")) == 150 and mail.clean_filename("а" * 400 + ".pdf").endswith(".pdf")


def test_too_many_files_are_refused(app):
    with app.app_context():
        with pytest.raises(RuleError) as refused:
            send("teacher", ["parent"], attachments=[(f"{i}.pdf", PDF) for i in range(6)])
        assert refused.value.message == "К сообщению можно приложить не больше 5 файлов."


# ---------------------------------------------------------------- script in a subject is text


SCRIPT_SUBJECT = "<script>window.__xss = 1</script><b>Жирный</b>"
HTML_BODY = '<img src="x" onerror="window.__xss = 2"><a href="javascript:window.__xss=3">ссылка</a>'


def test_script_and_html_are_shown_as_text_in_a_real_browser(app, browser, live_url):
    with app.app_context():
        message_id = send("teacher", ["parent"], SCRIPT_SUBJECT, HTML_BODY).id
    page_ = browser.new_page()
    sign_in(page_, live_url, "parent")
    page_.goto(f"{live_url}/messages/")
    row = page_.locator(f"tr[data-message='{message_id}']")
    expect(row.locator(".message-subject a")).to_have_text(SCRIPT_SUBJECT)
    row.locator(".message-subject a").click()
    expect(page_.locator(f"#m{message_id} .message-text")).to_have_text(HTML_BODY)
    expect(page_.locator("h3.message-subject")).to_have_text(SCRIPT_SUBJECT)
    assert page_.locator(".mailbox img, .mailbox b, .message-text a").count() == 0
    assert page_.evaluate("window.__xss") is None
    teacher = browser.new_page()
    sign_in(teacher, live_url, "teacher")
    teacher.goto(f"{live_url}/messages/sent")
    expect(teacher.locator(f"tr[data-message='{message_id}'] .message-subject a")).to_have_text(SCRIPT_SUBJECT)
    assert teacher.evaluate("window.__xss") is None


# ---------------------------------------------------------------- letters


def test_the_recipient_gets_a_notice_and_a_letter_with_the_cyrillic_subject_intact(app, client, smtp):
    with app.app_context():
        parent, address = uid("parent"), user("parent").email
    sign(client, "teacher")
    res = compose(client, f"user:{parent}", subject="Контрольная работа — повторение", body="Повторите дроби.\nСпасибо!")
    assert res.status_code == 302
    message_id = int(res.headers["Location"].rsplit("/", 1)[1])
    letter = smtp.wait_for(1)[0]
    assert letter["To"] == address
    assert letter["Subject"] == "Сообщение в журнале: Контрольная работа — повторение"
    text = letter.get_content()
    assert "Афанасьева Татьяна Александровна пишет вам в электронном журнале." in text
    assert "Повторите дроби.\nСпасибо!" in text
    assert f"Открыть в журнале: https://journal.school.example/messages/{message_id}" in text
    with app.app_context():
        notice = db.session.scalars(select(Notice).where(Notice.recipient_id == parent).order_by(Notice.id.desc())).first()
        assert (notice.kind, notice.link) == ("message", f"/messages/{message_id}")
        assert notice.text == "Афанасьева Татьяна Александровна: новое сообщение «Контрольная работа — повторение»"
    sign(client, "parent")
    client.get(f"/messages/{message_id}")
    with app.app_context():
        assert db.session.get(Notice, notice.id).read_at is not None  # read with the message


def test_no_letter_for_who_does_not_want_one(app, smtp):
    with app.app_context():
        db.session.add(NotificationSetting(user_id=uid("parent"), new_message=False, marks="off", corrections=True))
        db.session.commit()
        send("teacher", ["parent"])
        assert count(EmailJob) == 0
        assert db.session.scalar(select(func.count()).select_from(Notice).where(Notice.recipient_id == uid("parent"))) == 1


# ---------------------------------------------------------------- a whole class, read receipts


def give_logins(class_name, parents, pupils):
    own = {g.student_id for g in person_of_login("parent").guardianships}
    made = 0
    for student in students_of(class_name):
        if student.id in own:
            continue
        if made < parents:
            new_login(student.guardianships[0].guardian, f"parent-{student.id}", "Parent")
        if made < pupils:
            new_login(student, f"pupil-{student.id}", "Student")
        made += 1


def test_a_teacher_writes_to_a_whole_class_at_once(app, client):
    with app.app_context():
        give_logins("5А", parents=3, pupils=2)
        cls = classgroup("5А")
        class_id = cls.id
        parents = set(db.session.scalars(select(Guardian.user_id).join(Guardianship).join(Student).where(
            Student.classgroup_id == class_id, Guardian.user_id.isnot(None))))
        pupils = set(db.session.scalars(select(Student.user_id).where(Student.classgroup_id == class_id,
                                                                      Student.user_id.isnot(None))))
        assert len(parents) == 4 and len(pupils) == 3
        before = count(Message)
    sign(client, "teacher")
    res = compose(client, f"class:{class_id}:parents", subject="Родительское собрание 27.11.2026", body="В 18:00.")
    assert res.status_code == 302
    with app.app_context():
        assert count(Message) == before + 1
        message = db.session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert message.classgroup_id == class_id
        assert {r.recipient_id for r in message.recipients} == parents
        assert db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.link == f"/messages/{message.id}")) == len(parents)
    res = client.post("/api/v1/message/", headers=api_token(client, "classteacher"), json={
        "classgroup": class_id, "class_parents": True, "class_students": True, "subject": "Субботник",
        "body": "В субботу в 10:00."})
    assert res.status_code == 201, res.json
    assert {r["recipient"] for r in res.json["result"]["recipients"]} == parents | pupils
    assert res.json["result"]["classgroup"] == class_id


def test_read_receipts_for_the_author(app, client):
    with app.app_context():
        new_login(other_family_parent(), "parent2", "Parent")
        message_id = send("teacher", ["parent", "parent2", "classteacher"], "Экскурсия в музей").id
        second, colleague = other_family_parent().full_name, person_of_login("classteacher").full_name
    sign(client, "teacher")
    assert page(client, "/messages/sent")[1].count("не прочитано") >= 2
    sign(client, "parent")
    assert client.get(f"/messages/{message_id}").status_code == 200
    with app.app_context():
        receipt = db.session.scalar(select(MessageRecipient).where(MessageRecipient.message_id == message_id,
                                                                   MessageRecipient.recipient_id == uid("parent")))
        first_read = receipt.read_at
        assert first_read is not None
    client.get(f"/messages/{message_id}")  # opened again: the first reading stays
    with app.app_context():
        assert db.session.get(MessageRecipient, receipt.id).read_at == first_read
    sign(client, "teacher")
    assert f"прочитано {first_read:%d.%m.%Y %H:%M}" in page(client, "/messages/sent")[1]
    api = client.get(f"/api/v1/message/{message_id}", headers=api_token(client, "teacher")).json["result"]
    assert {r["name"]: r["read_at"] is not None for r in api["recipients"]} == {
        "Троицкая Алла Олеговна (родитель)": True, f"{second} (родитель)": False, colleague: False}
    own = client.get(f"/api/v1/message/{message_id}", headers=api_token(client, "parent2")).json["result"]
    assert len(own["recipients"]) == 1 and own["read_at"] is None  # a family sees only its own receipt
    # A colleague among the recipients sees them all, on the page and in the API alike.
    staff = client.get(f"/api/v1/message/{message_id}", headers=api_token(client, "classteacher")).json["result"]
    assert len(staff["recipients"]) == 3
    sign(client, "classteacher")
    thread = page(client, f"/messages/{message_id}")[1]
    assert second in thread and "Троицкая Алла Олеговна" in thread
    sign(client, "parent2")
    assert "Троицкая Алла Олеговна" not in page(client, f"/messages/{message_id}")[1]


def test_the_api_marks_read_and_archives_received_messages_only(app, client):
    with app.app_context():
        message_id = send("teacher", ["parent"], "Оценки за четверть").id
    parent = api_token(client, "parent")
    assert client.put(f"/api/v1/message/{message_id}", json={"subject": "Иное"}, headers=parent).status_code == 422
    res = client.put(f"/api/v1/message/{message_id}", json={"read": True, "archived": True}, headers=parent)
    assert res.status_code == 200 and res.json["result"]["read_at"] is not None
    assert message_id not in client.get("/api/v1/message/", headers=parent).json["ids"]
    assert message_id in client.get("/api/v1/message/?box=archive", headers=parent).json["ids"]
    res = client.put(f"/api/v1/message/{message_id}", json={"read": True}, headers=api_token(client, "teacher"))
    assert res.status_code == 422 and "только полученные" in res.json["message"]["read"][0]
    sent = client.get("/api/v1/message/?box=sent", headers=api_token(client, "teacher")).json
    assert sent["ids"][0] == message_id and sent["result"][0]["author_name"] == "Афанасьева Татьяна Александровна"
    assert client.get("/api/v1/message/?box=чужие", headers=parent).status_code == 400


def test_archive_and_back_from_the_thread_page(app, client):
    with app.app_context():
        message_id = send("teacher", ["parent"], "Архивная тема").id
    sign(client, "parent")
    res = post_page(client, f"/messages/{message_id}/archive", {}, form_url=f"/messages/{message_id}")
    assert res.status_code == 302
    assert "Архивная тема" not in page(client, "/messages/")[1] and "Архивная тема" in page(client, "/messages/archive")[1]
    post_page(client, f"/messages/{message_id}/archive", {"back": "1"}, form_url=f"/messages/{message_id}")
    assert "Архивная тема" in page(client, "/messages/")[1]


# ---------------------------------------------------------------- pages people use


def test_compose_keeps_what_was_typed_when_refused(app, client):
    with app.app_context():
        classteacher = uid("classteacher")
    sign(client, "parent")
    res = compose(client, f"user:{classteacher}", subject="  ", body="Текст, который нельзя потерять")
    html = res.get_data(as_text=True)
    assert res.status_code == 422 and "Укажите тему сообщения." in html
    assert "Текст, который нельзя потерять</textarea>" in html and f'value="user:{classteacher}" checked' in html
    res = compose(client, f"user:{classteacher}", subject="Справка", body="Принесём завтра.")
    assert res.status_code == 302


def test_a_student_writes_to_the_class_teacher(app, client):
    with app.app_context():
        classteacher = uid("classteacher")
    sign(client, "student")
    assert compose(client, f"user:{classteacher}", subject="Вопрос", body="Когда сдавать?").status_code == 302
    res = client.post("/api/v1/message/", headers=api_token(client, "student"),
                      json={"to": [classteacher], "subject": "Ещё вопрос", "body": "А проект?"})
    assert res.status_code == 201, res.json
    # Their account stays read-only everywhere else (004, last line).
    assert client.post("/api/v1/mark/", headers=api_token(client, "student"), json={}).status_code == 403


def test_the_menu_shows_the_unread_count(app, client):
    with app.app_context():
        unread = mail.unread_count(db.session, uid("parent"))
        assert unread >= 2  # the demo's: the class teacher's note and the teacher's answer
    sign(client, "parent")
    html = client.get("/messages/").get_data(as_text=True)
    assert f'Сообщения <span class="badge" title="Непрочитанные сообщения">{unread}</span>' in html


def test_the_demo_mailbox(app):
    with app.app_context():
        letters = Message.kind == "message"  # the class teacher's reports (kind «report») are not this demo's
        unread = {name: db.session.scalar(select(func.count()).select_from(MessageRecipient).join(Message).where(
            letters, MessageRecipient.recipient_id == uid(name), MessageRecipient.read_at.is_(None)))
            for name in DEMO_USERS}
        assert unread == {"admin": 0, "director": 0, "deputy": 1, "secretary": 0, "teacher": 0, "classteacher": 1,
                          "parent": 2, "student": 0}
        notice = db.session.scalar(select(Message).where(letters, Message.classgroup_id.isnot(None)))
        assert (notice.author_id, notice.classgroup_id) == (uid("teacher"), classgroup("5А").id)
        [reminder] = notice.attachments
        text = PdfReader(io.BytesIO(reminder.data)).pages[0].extract_text()
        assert "Памятка к контрольной работе по английскому языку, 5А" in text
        threads = db.session.scalar(select(func.count(func.distinct(Message.thread_id))).where(letters))
        assert threads == 5
        assert db.session.scalar(select(func.count()).select_from(Notice).where(Notice.kind == "message")) == 0
        dates = db.session.execute(select(Message.id, Message.created_at).where(letters).order_by(Message.id)).all()
        assert [d for _, d in dates] == sorted(d for _, d in dates)  # the newest is also the last written


# ---------------------------------------------------------------- an inbox of 10,000


def fill_inbox(app, username, total):
    """Messages to `username` straight into the tables until the inbox holds `total`."""
    with app.app_context():
        recipient, author = uid(username), uid("classteacher")
        have = mail_count(recipient)
        stamp = datetime(2026, 11, 2, 9, 0)
        db.session.execute(insert(Message), [
            {"author_id": author, "subject": f"Пачка {i}", "body": "Текст", "kind": "message", "created_at": stamp}
            for i in range(total - have)])
        db.session.execute(update(Message).where(Message.thread_id.is_(None)).values(thread_id=Message.id))
        fresh = select(Message.id, literal(recipient)).where(Message.subject.like("Пачка %"), Message.id.notin_(
            select(MessageRecipient.message_id).where(MessageRecipient.recipient_id == recipient)))
        db.session.execute(insert(MessageRecipient).from_select(["message_id", "recipient_id"], fresh))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # what autovacuum does to a real mailbox after a bulk load
            db.session.execute(text("ANALYZE message, message_recipient"))
            db.session.commit()
        assert mail_count(recipient) == total


def mail_count(recipient):
    return db.session.scalar(select(func.count()).select_from(MessageRecipient)
                             .where(MessageRecipient.recipient_id == recipient))


def measure(client, count_statements, url, headers=None):
    client.get(url, headers=headers)  # warm: templates compiled, connections open
    with count_statements() as counter:
        res = client.get(url, headers=headers)
    assert res.status_code == 200, url
    started = time.perf_counter()
    for _ in range(5):
        client.get(url, headers=headers)
    return counter.count, (time.perf_counter() - started) / 5


def test_an_inbox_of_10000_pages_in_the_same_statements_as_one_of_10(app, client, count_statements):
    sign(client, "parent")
    headers = api_token(client, "parent")
    figures = {}
    for size in (10, 10_000):
        fill_inbox(app, "parent", size)
        with app.app_context():
            oldest_page_start = db.session.scalar(select(func.min(MessageRecipient.message_id)).where(
                MessageRecipient.recipient_id == uid("parent"))) + 5
        figures[size] = [measure(client, count_statements, url, h) for url, h in (
            ("/messages/", None), (f"/messages/?before={oldest_page_start}", None),
            ("/api/v1/message/", headers))]
    print("\nstatements and seconds, inbox of 10 vs 10,000:", figures)
    assert [n for n, _ in figures[10]] == [n for n, _ in figures[10_000]]
    for (_, small), (_, large) in zip(figures[10], figures[10_000]):
        assert large < small * 3 + 0.05, figures
    html = client.get("/messages/").get_data(as_text=True)
    assert html.count("data-message=") == mail.PER_PAGE and "Старше" in html


# ---------------------------------------------------------------- on a phone


def test_parent_opens_a_teachers_message_and_answers_it_on_a_phone(app, browser, live_url):
    with app.app_context():
        answer = db.session.scalar(select(Message).join(MessageRecipient).where(
            Message.author_id == uid("teacher"), Message.reply_to_id.isnot(None),
            MessageRecipient.recipient_id == uid("parent")))
        answer_id, thread_id = answer.id, answer.thread_id
        unread = {name: mail.unread_count(db.session, uid(name)) for name in ("parent", "teacher")}
    phone = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in(phone, live_url, "parent")
    phone.locator(".navbar-toggle").click()
    menu = phone.locator(".navbar a[href='/messages/']")
    expect(menu).to_contain_text("Сообщения")
    expect(menu.locator(".badge")).to_have_text(str(unread["parent"]))
    menu.click()
    row = phone.locator(f"tr[data-message='{answer_id}']")
    expect(row).to_have_class("message-unread")
    expect(row.locator("td").first).to_have_css("font-weight", "700")
    row.locator(".message-subject a").click()
    expect(phone.locator(f"#m{answer_id} .message-text")).to_contain_text("Контрольная одна для обеих групп")
    expect(phone.locator("form.reply")).to_contain_text("Получат: Афанасьева Татьяна Александровна")
    phone.fill("form.reply textarea[name=body]", "Спасибо, всё понятно! Будем готовиться.")
    phone.get_by_role("button", name="Отправить ответ").click()
    expect(phone.locator(".alert-success")).to_contain_text("Ответ отправлен.")
    expect(phone.locator(".message").last).to_contain_text("Спасибо, всё понятно! Будем готовиться.")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    os.makedirs(foundation.ARTIFACTS, exist_ok=True)
    phone.screenshot(path=os.path.join(foundation.ARTIFACTS, "messages-phone.png"), full_page=True)
    with app.app_context():
        reply = db.session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert (reply.author_id, reply.reply_to_id, reply.thread_id) == (uid("parent"), answer_id, thread_id)
        assert [r.recipient_id for r in reply.recipients] == [uid("teacher")]
        assert mail.unread_count(db.session, uid("teacher")) == unread["teacher"] + 1
        assert mail.unread_count(db.session, uid("parent")) == unread["parent"] - 1  # the answer, now read


def test_the_api_refuses_bad_recipients_in_russian(app, client):
    headers = api_token(client, "teacher")
    for payload, field, expected in (
            ({"to": [None], "subject": "Тема", "body": "Текст"}, "to", "Выберите адресатов из списка."),
            ({"to": [2_000_000_000], "subject": "Тема", "body": "Текст"}, "to", "Адресата № 2000000000 нет в журнале."),
            ({"to": ["7"], "subject": "Тема", "body": "Текст"}, "to", "Адресат: номер записи — целое число."),
            ({"to": [], "subject": "Тема"}, "body", "Текст: поле обязательно."),
            ({"to": [], "subject": "Тема", "body": "Текст", "read": True}, "read", "PUT")):
        res = client.post("/api/v1/message/", json=payload, headers=headers)
        assert res.status_code == 422, payload
        assert expected in str(res.json["message"][field]), res.json
