"""The sign-off in a real browser (headless Chromium driven by Playwright): the deputy prints 5А's
1st-quarter journal, deciding about the missing final marks and the copies the demo already has; the
teacher finds it waiting and signs her sheets; after the steps between (taken through the rules here)
the director finds it waiting and signs it, and the registered PDF carries the signatures."""
import io
import os
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from sqlalchemy import select

from app.extensions import db
from app.journal import FinalMark
from app.people import Student
from app.structure import Subject
from printouts import workflow
from printouts.models import Printout
from tests import test_browser as foundation
from tests.school import classgroup, person_of_login

live_url, browser, sign_in = foundation.live_url, foundation.browser, foundation.sign_in


def user(name):
    from flask import current_app

    return current_app.appbuilder.sm.find_user(username=name)


def steps_between(app, printout_id):
    """Signed on paper, certified by the class teacher and the deputy, registered by the secretary."""
    with app.app_context():
        printout = db.session.get(Printout, printout_id)
        workflow.record_paper_signature(db.session, user("deputy"), printout)
        workflow.sign_sheets(db.session, user("classteacher"), printout)
        workflow.certify_title(db.session, user("classteacher"), printout)
        workflow.certify_as_deputy(db.session, user("deputy"), printout)
        workflow.register(db.session, user("secretary"), printout, "ЭЖ-2026/101", sheet_count=printout.sheet_count)
        db.session.commit()
        return printout.register_number


def forget_a_maths_final_mark(class_name="5А"):
    """One student of the class is left without the quarter's mark in mathematics."""
    student_ids = select(Student.id).where(Student.classgroup_id == classgroup(class_name).id)
    mark = db.session.scalar(select(FinalMark).join(Subject, Subject.id == FinalMark.subject_id).where(
        Subject.name == "Математика", FinalMark.kind == "period", FinalMark.student_id.in_(student_ids))
        .order_by(FinalMark.id))
    db.session.delete(mark)
    db.session.commit()


def test_deputy_prints_teacher_signs_director_signs(app, live_url, browser):
    with app.app_context():
        forget_a_maths_final_mark()
        teacher = person_of_login("teacher")
        teacher_name, teacher_short = teacher.full_name, teacher.short_name

    deputy = browser.new_page()
    sign_in(deputy, live_url, "deputy")
    deputy.locator(".navbar").get_by_text("Печатные формы", exact=True).first.click()
    deputy.get_by_role("link", name="Печатные формы и подписи").click()
    deputy.get_by_role("link", name="Сформировать печатную форму").click()
    deputy.select_option("select[name=classgroup]", label="5А")
    deputy.select_option("select[name=period]", label="1 четверть (2–9 кл., 01.09.2026 – 24.10.2026)")
    deputy.get_by_role("button", name="Сформировать").click()
    question = deputy.locator(".printout-question")
    expect(question).to_contain_text("Итоговые отметки выставлены не всем")
    expect(question.locator("table.missing-final-marks")).to_contain_text("Математика")
    expect(question).to_contain_text("Копии этого класса за этот период уже есть")
    question.get_by_label("Сформировать, несмотря на пропуски итоговых отметок").check()
    question.get_by_label("Сформировать ещё одну копию").check()
    deputy.get_by_role("button", name="Сформировать").click()
    expect(deputy.locator(".alert-success")).to_contain_text("Сформирована: Классный журнал 5А, 1 четверть 2026/2027")
    expect(deputy.locator("h2")).to_have_text("Классный журнал 5А, 1 четверть 2026/2027")
    printout_id = int(re.search(r"/printouts/(\d+)$", deputy.url).group(1))

    teacher_page = browser.new_page()
    sign_in(teacher_page, live_url, "teacher")
    teacher_page.goto(f"{live_url}/printouts/")
    waiting = teacher_page.locator(f"table.printouts-waiting tr[data-printout='{printout_id}']")
    expect(waiting).to_contain_text("сформирована, ждёт подписей учителей")
    waiting.get_by_role("link").click()
    mine = teacher_page.locator("table.printout-sheets tr", has_text=teacher_name)
    expect(mine).to_have_count(2)
    teacher_page.get_by_role("button", name="Подписать все мои листы (2)").click()
    expect(teacher_page.locator(".alert-success")).to_contain_text("Подписано листов: 2")
    for row in range(2):
        expect(mine.nth(row).locator("td.signed")).to_contain_text("подписан 23.11.2026")
    expect(teacher_page.get_by_role("button", name=re.compile("Подписать все мои листы"))).to_have_count(0)

    number = steps_between(app, printout_id)

    director = browser.new_page()
    sign_in(director, live_url, "director")
    director.goto(f"{live_url}/printouts/")
    waiting = director.locator(f"table.printouts-waiting tr[data-printout='{printout_id}']")
    expect(waiting).to_contain_text("зарегистрирована секретарём")
    waiting.get_by_role("link").click()
    expect(director.locator("table.register-data")).to_contain_text(f"{number} от 23.11.2026")
    director.get_by_role("button", name="Подписать копию").click()
    expect(director.locator(".alert-success")).to_contain_text("Копия подписана директором")
    expect(director.locator(".printout-state")).to_contain_text("подписана директором")
    expect(director.locator("table.printout-history")).to_contain_text("подписал(а) копию как директор")

    pdf = director.request.get(live_url + director.locator("a.printout-pdf").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.body())).pages]
    assert f"Секретарь (рег. № {number})" in pages[0]
    assert any(f"Учитель ____________________ {teacher_short} Дата 23.11.2026" in page for page in pages)
    with app.app_context():
        assert db.session.get(Printout, printout_id).state == "director_signed"
    os.makedirs(foundation.ARTIFACTS, exist_ok=True)
    director.screenshot(path=os.path.join(foundation.ARTIFACTS, "printout-signed.png"), full_page=True)
