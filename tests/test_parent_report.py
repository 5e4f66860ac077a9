"""The class teacher's report to parents (issue 5, item 4; 004 «Классный руководитель» в): per
student a PDF of marks by subject with dates, work types and the weighted average, absences with
their reasons and lateness; sent to each parent with a login through the internal mail by a job
off the request path whose progress the page follows.

PDFs are read back with pypdf. Today is Monday 23.11.2026; `classteacher` leads 5А, where the
demo's `student` (Троицкая Есения) learns; her mother is `parent`."""
import io
import re
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import current_app
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import journal_entry as entry
from app import parent_report as reports
from app.accounts import issue_login
from app.extensions import db
from app.journal import Absence, Lesson, Mark, WorkType
from app.messages import Message, MessageRecipient
from app.parent_report import ParentReport, class_sheets, run_report, start_report
from app.people import Guardian, Guardianship, Student
from app.rules import RuleError
from printouts.parent_report import student_report_pdf
from security.policy import JournalWriter
from tests.conftest import TODAY, csrf_token, login
from tests.school import classgroup, deputy_writer, person_of_login, students_of, work_type_named
from tests.test_browser import browser, live_url, sign_in  # noqa: F401 (browser and live_url are fixtures)
from tests.test_printouts import text_fonts

TODAY_TEXT = "23.11.2026"
A4_PORTRAIT = (595, 842)  # points, rounded


def pdf_text(data):
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def user_of(username):
    return current_app.appbuilder.sm.find_user(username=username)


def esenia():
    return person_of_login("student")


def todays_lessons(student):
    """Her class's whole-class lessons today, by number, with every mark and absence of hers
    today taken away (group lessons too): the day is then exactly what a test writes."""
    for model in (Mark, Absence):
        for item in db.session.scalars(select(model).join(Lesson, Lesson.id == model.lesson_id).where(
                model.student_id == student.id, Lesson.date == TODAY)):
            db.session.delete(item)
    db.session.commit()
    return db.session.scalars(select(Lesson).where(
        Lesson.classgroup_id == student.classgroup_id, Lesson.date == TODAY, Lesson.subgroup_id.is_(None))
        .order_by(Lesson.number)).all()


def lesson_of(lessons, subject):
    return next(lesson for lesson in lessons if lesson.subject.name == subject)


@pytest.fixture
def esenias_day(app):
    """Today for Есения: Russian 5 (answer, weight 1) and 3 (test, weight 2), maths 4 (independent
    work, weight 1.5), absent from literature (ill), late for PE."""
    with app.app_context():
        student, deputy = esenia(), deputy_writer()
        lessons = todays_lessons(student)
        russian, maths = lesson_of(lessons, "Русский язык"), lesson_of(lessons, "Математика")
        entry.add_mark(deputy, russian, student, "5", "form", work_type=work_type_named("Ответ на уроке"))
        entry.add_mark(deputy, russian, student, "3", "form", work_type=work_type_named("Контрольная работа"))
        entry.add_mark(deputy, maths, student, "4", "form", work_type=work_type_named("Самостоятельная работа"))
        absence = entry.set_attendance(deputy, lesson_of(lessons, "Литература"), student, "н", "form")
        entry.set_attendance(deputy, lesson_of(lessons, "Физическая культура"), student, "О", "form")
        classteacher = JournalWriter(user_of("classteacher").id, person_of_login("classteacher").id)
        entry.set_absence_reason(classteacher, absence, "Б", "form")
        db.session.commit()
        return student.id


# ---------------------------------------------------------------- the PDF of one student


def test_one_students_pdf_shows_her_marks_averages_and_absences(app, esenias_day):
    with app.app_context():
        [sheet] = class_sheets(db.session, classgroup("5А"), TODAY, TODAY, student_id=esenias_day)
        data = student_report_pdf(sheet, "МАОУ «Средняя общеобразовательная школа № 2»")
    reader = PdfReader(io.BytesIO(data))
    assert [round(float(x)) for x in reader.pages[0].mediabox.upper_right] == list(A4_PORTRAIT)
    text = pdf_text(data)
    assert "Отчёт об успеваемости и посещаемости" in text
    assert "Ученик (ученица): Троицкая Есения Анатольевна, класс 5А" in text
    assert f"Период: с {TODAY_TEXT} по {TODAY_TEXT}" in text
    # By hand: Russian (5·1 + 3·2) / (1 + 2) = 11/3 = 3,67; maths 4·1,5 / 1,5 = 4,00.
    assert (f"Математика {TODAY_TEXT} — 4 (Самостоятельная работа) 4,00 Русский язык {TODAY_TEXT} — 5 (Ответ на "
            f"уроке) {TODAY_TEXT} — 3 (Контрольная работа) 3,67") in text
    assert "Литература" not in text.split("Посещаемость")[0]  # no marks there: no line
    assert "Пропущено уроков: 1 (болеет — 1). Опозданий: 1." in text
    assert f"{TODAY_TEXT} 4-й Литература пропуск: болеет" in text
    assert f"{TODAY_TEXT} 5-й Физическая культура опоздание" in text
    assert "Классный руководитель: Яковлева Надежда Юрьевна" in text and f"Дата: {TODAY_TEXT}" in text
    drawn = {base.split("+")[-1] for base, _font, _text in text_fonts(data)}
    assert drawn == {"DejaVuSans", "DejaVuSans-Bold"}, drawn  # Cyrillic in the embedded font, no boxes


def test_a_fortnights_averages_match_a_count_from_the_journal(app):
    with app.app_context():
        starts_on, ends_on = reports.default_range()
        assert (starts_on, ends_on) == (TODAY - timedelta(days=13), TODAY)
        [sheet] = class_sheets(db.session, classgroup("5А"), starts_on, ends_on, student_id=esenia().id)
        rows = db.session.execute(select(Lesson.subject_id, Mark.value, Mark.work_type_id).join(Mark.lesson).where(
            Mark.student_id == esenia().id, Mark.retracted_at.is_(None), Lesson.date.between(starts_on, ends_on))).all()
        weights = {wt.id: float(wt.weight) for wt in db.session.scalars(select(WorkType))}
        by_subject = {}
        for subject_id, value, work_type_id in rows:
            if value.isdigit():
                by_subject.setdefault(subject_id, []).append((int(value), weights[work_type_id]))
        expected = sorted(round(sum(v * w for v, w in pairs) / sum(w for _, w in pairs) + 1e-9, 2)
                          for pairs in by_subject.values())
        assert sorted(float(line.average) for line in sheet.subjects) == expected
        assert sum(len(line.marks) for line in sheet.subjects) == len(rows)
        text = pdf_text(student_report_pdf(sheet, "Школа"))
        for line in sheet.subjects:
            assert f"{line.average:.2f}".replace(".", ",") in text


# ---------------------------------------------------------------- the job, through the page


def second_parent_and_one_without_login():
    """Есения's father gets a login; another 5А child's parent has none (as in the demo)."""
    father = Guardian(last_name="Троицкий", first_name="Анатолий", middle_name="Петрович",
                      email="troitsky.a@mail.example")
    db.session.add(father)
    db.session.add(Guardianship(student=esenia(), guardian=father, kinship="отец"))
    db.session.flush()
    issue_login(current_app.appbuilder.sm, father, username="father", password="Password-123", role_name="Parent")
    db.session.commit()
    return father


def class_parents():
    """(with a login, without one) among the guardians of 5А's students."""
    rows = db.session.execute(select(Guardian.user_id).join(Guardianship, Guardianship.guardian_id == Guardian.id)
                              .join(Student, Student.id == Guardianship.student_id)
                              .where(Student.classgroup_id == classgroup("5А").id)).scalars().all()
    return sum(1 for r in rows if r is not None), sum(1 for r in rows if r is None)


def wait_for_the_end(client, url, seconds=120):
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = client.get(url).get_json()
        seen.append(answer["done"])
        if answer["state"] in ("done", "failed"):
            return answer, seen
        time.sleep(0.2)
    raise AssertionError(f"the report did not end in {seconds} s: {seen[-5:]}")


def families_of_5a(app):
    """5А with a second parent of Есения's and a parent without a login: who the report reaches."""
    with app.app_context():
        second_parent_and_one_without_login()
        with_login, without_login = class_parents()
        family = SimpleNamespace(with_login=with_login, without_login=without_login, pupils=len(students_of("5А")),
                                 class_id=classgroup("5А").id, parent_id=user_of("parent").id,
                                 father_id=user_of("father").id)
    assert with_login >= 2 and without_login >= 1
    return family


def send_report_of_today(client, class_id):
    """The class teacher sends today's report on the page; returns the report's address."""
    res = client.post("/parent-reports/", data={"csrf_token": csrf_token(client, "/parent-reports/"),
                                                "classgroup": class_id, "starts_on": TODAY_TEXT, "ends_on": TODAY_TEXT})
    assert res.status_code == 302
    return res.headers["Location"]


def assert_the_bar_reached_the_end(answer, seen, family):
    """The progress as the page last read it: every pupil done, the bar never going back, the parents
    with a login reached and those without listed as not reached."""
    assert (answer["done"], answer["total"], answer["percent"]) == (family.pupils, family.pupils, 100)
    assert seen == sorted(seen)  # the bar only goes forward
    assert answer["sent"] == family.with_login
    assert len(answer["not_reached"]) == family.without_login
    assert {item["why"] for item in answer["not_reached"]} == {"нет логина в журнале"}


def test_the_job_sends_each_parent_their_childs_pdf_and_reaches_the_end(app, client, esenias_day):
    family = families_of_5a(app)
    with_login = family.with_login
    class_id, parent_id, father_id = family.class_id, family.parent_id, family.father_id
    login(client, "classteacher")
    page = client.get("/parent-reports/").get_data(as_text=True)
    assert f'value="{(TODAY - timedelta(days=13)):%d.%m.%Y}"' in page and f'value="{TODAY_TEXT}"' in page
    show = send_report_of_today(client, class_id)
    assert "Отчёт родителям 5А" in client.get(show).get_data(as_text=True)
    answer, seen = wait_for_the_end(client, show + "/progress")
    assert answer["state"] == "done", answer
    assert_the_bar_reached_the_end(answer, seen, family)
    with app.app_context():
        messages = db.session.scalars(select(Message).where(Message.kind == "report")).all()
        assert len(messages) == with_login  # one per parent with a login
        assert all(len(m.recipients) == 1 and len(m.attachments) == 1 for m in messages)
        assert all(m.author_id == user_of("classteacher").id and m.classgroup_id == class_id for m in messages)
        mine = {m.recipients[0].recipient_id: m for m in messages if m.recipients[0].recipient_id in (parent_id,
                                                                                                       father_id)}
        assert set(mine) == {parent_id, father_id}
        for message in mine.values():
            [attached] = message.attachments
            assert attached.content_type == "application/pdf" and attached.data.startswith(b"%PDF")
            assert attached.filename == f"Отчёт Троицкая Е.А. {TODAY_TEXT}-{TODAY_TEXT}.pdf"
            text = pdf_text(attached.data)
            assert "Троицкая Есения Анатольевна, класс 5А" in text and "3,67" in text
            assert message.subject == f"Отчёт об успеваемости и посещаемости: Троицкая Е.А., {TODAY_TEXT}–{TODAY_TEXT}"
        assert mine[father_id].body.startswith("Здравствуйте, Анатолий Петрович!")
        # No parent gets another child's report.
        children = {}
        for link in db.session.scalars(select(Guardianship).join(Guardian).where(Guardian.user_id.isnot(None))):
            children.setdefault(link.guardian.user_id, set()).add(link.student.full_name)
        for message in messages:
            child = pdf_text(message.attachments[0].data).split("Ученик (ученица): ")[1].split(", класс")[0]
            assert child in children[message.recipients[0].recipient_id], child
    done_page = client.get(show).get_data(as_text=True)
    assert f"Отправлено родителям:\n    <strong class=\"sent\">{with_login}</strong>" in done_page
    assert "нет логина в журнале" in done_page
    # Parents read it in their mailbox.
    client.get("/logout/")
    login(client, "parent")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MessageRecipient).where(
            MessageRecipient.recipient_id == parent_id)) >= 1


def test_the_job_runs_once_and_the_class_has_one_report_going_at_a_time(app):
    with app.app_context():
        teacher = user_of("classteacher")
        report = start_report(db.session, teacher, classgroup("5А"), TODAY, TODAY)
        db.session.commit()
        with pytest.raises(RuleError, match="ещё отправляется"):
            start_report(db.session, teacher, classgroup("5А"), TODAY - timedelta(days=7), TODAY)
        db.session.rollback()
        report_id = report.id
    run_report(app, report_id)
    run_report(app, report_id)  # a second worker given the same report: nothing more
    with app.app_context():
        report = db.session.get(ParentReport, report_id)
        assert report.state == "done" and report.done == report.total
        sent = db.session.scalar(select(func.count()).select_from(Message).where(Message.kind == "report"))
        assert sent == reports.outcome(db.session, report).sent == 1  # the demo's one parent with a login
        again = start_report(db.session, user_of("classteacher"), classgroup("5А"), TODAY, TODAY)
        assert again.id != report_id  # the class is free again
        db.session.rollback()


def test_two_requests_at_once_start_one_report(app):
    """The check and the insert are two statements: the database's unique index keeps the second
    of two simultaneous requests out, and the class teacher reads why."""
    import threading

    outcomes, barrier = [], threading.Barrier(2)

    def request():
        with app.app_context():
            barrier.wait()
            try:
                start_report(db.session, user_of("classteacher"), classgroup("5А"), TODAY, TODAY)
                db.session.commit()
                outcomes.append("started")
            except RuleError as err:
                db.session.rollback()
                outcomes.append(err.message)

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    refused = [outcome for outcome in outcomes if outcome != "started"]
    assert outcomes.count("started") == 1 and len(refused) == 1 and "ещё отправляется" in refused[0], outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ParentReport)) == 1
        # The database itself refuses a second report being sent, whatever the code before it.
        db.session.add(ParentReport(classgroup_id=classgroup("5А").id, author_id=user_of("classteacher").id,
                                    starts_on=TODAY, ends_on=TODAY, state="pending", total=1, done=0))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_parent_without_a_login_is_counted_as_not_reached(app):
    with app.app_context():
        other = db.session.scalar(select(Student).where(Student.classgroup_id == classgroup("5А").id,
                                                        Student.id != esenia().id).order_by(Student.last_name))
        lonely = Guardian(last_name="Бабушкина", first_name="Вера", middle_name="Ивановна")
        db.session.add(lonely)
        db.session.add(Guardianship(student=other, guardian=lonely, kinship="бабушка"))
        db.session.commit()
        report = start_report(db.session, user_of("classteacher"), classgroup("5А"), TODAY, TODAY)
        db.session.commit()
        report_id, other_name = report.id, other.full_name
    run_report(app, report_id)
    with app.app_context():
        result = reports.outcome(db.session, db.session.get(ParentReport, report_id))
        assert ("Бабушкина Вера Ивановна", other_name, "нет логина в журнале") in result.not_reached
        assert result.sent == 1 and all(why == "нет логина в журнале" for _p, _c, why in result.not_reached)


# ---------------------------------------------------------------- who may


def test_a_teacher_who_does_not_lead_the_class_is_refused(app, client):
    with app.app_context():
        class_id, other_id = classgroup("5А").id, classgroup("8Б").id
        student_id = esenia().id
        report = start_report(db.session, user_of("classteacher"), classgroup("5А"), TODAY, TODAY)
        db.session.commit()
        report_id = report.id
    run_report(app, report_id)
    login(client, "teacher")  # teaches 5А, leads no class
    assert "отправляет классный руководитель" in client.get("/parent-reports/").get_data(as_text=True)
    token = csrf_token(client, "/notification-settings/")
    assert client.post("/parent-reports/", data={"csrf_token": token, "classgroup": class_id,
                                                 "starts_on": TODAY_TEXT, "ends_on": TODAY_TEXT}).status_code == 404
    assert client.get(f"/parent-reports/{report_id}").status_code == 404
    assert client.get(f"/parent-reports/{report_id}/progress").status_code == 404
    assert client.get(f"/parent-reports/preview?student={student_id}").status_code == 404
    client.get("/logout/")
    login(client, "classteacher")  # another class than their own
    token = csrf_token(client, "/parent-reports/")
    assert client.post("/parent-reports/", data={"csrf_token": token, "classgroup": other_id,
                                                 "starts_on": TODAY_TEXT, "ends_on": TODAY_TEXT}).status_code == 404
    client.get("/logout/")
    login(client, "parent")
    assert client.get(f"/parent-reports/{report_id}/progress").status_code in (302, 403)
    client.get("/logout/")
    login(client, "deputy")  # the administration reads every report
    assert client.get(f"/parent-reports/{report_id}/progress").get_json()["state"] == "done"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ParentReport)) == 1


def test_the_range_is_checked_and_needs_the_csrf_token(app, client):
    with app.app_context():
        class_id = classgroup("5А").id
    login(client, "classteacher")
    token = csrf_token(client, "/parent-reports/")
    tomorrow = (TODAY + timedelta(days=1)).strftime("%d.%m.%Y")
    for starts_on, ends_on, message in ((TODAY_TEXT, tomorrow, "за прошедшие дни"),
                                        (TODAY_TEXT, "20.11.2026", "позже последнего"),
                                        ("2026-11-30", TODAY_TEXT, "позже последнего"),
                                        ("32.11.2026", TODAY_TEXT, "ДД.ММ.ГГГГ")):
        res = client.post("/parent-reports/", data={"csrf_token": token, "classgroup": class_id,
                                                    "starts_on": starts_on, "ends_on": ends_on})
        assert res.status_code == 422 and message in res.get_data(as_text=True), (starts_on, ends_on)
    assert client.post("/parent-reports/", data={"classgroup": class_id, "starts_on": TODAY_TEXT,
                                                 "ends_on": TODAY_TEXT}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ParentReport)) == 0


def test_the_class_teacher_previews_a_students_pdf(app, client, esenias_day):
    login(client, "classteacher")
    res = client.get(f"/parent-reports/preview?student={esenias_day}&starts_on={TODAY_TEXT}&ends_on={TODAY_TEXT}")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    assert "Троицкая Есения Анатольевна" in pdf_text(res.data) and "3,67" in pdf_text(res.data)
    assert client.get("/parent-reports/preview?student=999999").status_code == 404


# ---------------------------------------------------------------- in a real browser


def test_the_class_teacher_sends_the_report_and_watches_the_bar_fill(app, browser, live_url):  # noqa: F811
    page = browser.new_page()
    sign_in(page, live_url, "classteacher")
    page.locator(".navbar").get_by_text("Мой класс", exact=True).first.click()
    page.locator(".navbar").get_by_text("Отчёт родителям", exact=True).click()
    expect(page.locator("input[name=ends_on]")).to_have_value(TODAY_TEXT)
    page.fill("input[name=starts_on]", TODAY_TEXT)
    # The preview follows the dates typed: what it shows is what would be sent.
    expect(page.locator("#preview-link")).to_have_attribute("href", re.compile(r"starts_on=23\.11\.2026&"))
    page.get_by_role("button", name="Отправить родителям").click()
    expect(page.get_by_role("heading", name=f"Отчёт родителям 5А за {TODAY_TEXT} – {TODAY_TEXT}")).to_be_visible()
    expect(page.locator(".report-sent")).to_contain_text("Отправлено родителям: 1", timeout=60_000)
    expect(page.locator(".progress-bar")).to_have_text("100%")
    expect(page.locator(".report-missed li").first).to_contain_text("нет логина в журнале")
    with app.app_context():
        assert db.session.scalar(select(ParentReport.state)) == "done"

