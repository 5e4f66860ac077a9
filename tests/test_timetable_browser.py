"""The deputy's morning in a real browser (headless Chromium driven by Playwright): a teacher
falls ill for tomorrow, the deputy records it, picks a substitute from the offered free
teachers, and prints the changes sheet; the substitute then finds the lesson in their week."""
import io
from datetime import timedelta

from playwright.sync_api import expect
from pypdf import PdfReader

from app.extensions import db
from app.people import Staff
from tests import test_browser as foundation
from tests.conftest import TODAY
from tests.school import person_of_login
from tests.test_timetable_pages import tomorrow_lesson_covered_by

live_url, browser, sign_in = foundation.live_url, foundation.browser, foundation.sign_in
TOMORROW = TODAY + timedelta(days=1)


def test_deputy_records_an_absence_and_assigns_an_offered_substitute(app, live_url, browser):
    with app.app_context():
        lesson, substitute_login = tomorrow_lesson_covered_by("classteacher", "teacher")
        ill = db.session.get(Staff, lesson.teacher_id)
        substitute = person_of_login(substitute_login)
        ill_name, ill_short, ill_id = ill.full_name, ill.short_name, ill.id
        substitute_id, substitute_short = substitute.id, substitute.short_name
        lesson_id, group, subject = lesson.id, lesson.group_name, lesson.subject.name

    page = browser.new_page()
    sign_in(page, live_url, "deputy")
    page.get_by_role("link", name="Расписание").first.click()
    page.get_by_role("link", name="Замены на день").click()
    page.fill("input[name=day]", TOMORROW.strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("h2")).to_have_text(f"Замены на {TOMORROW:%d.%m.%Y}")

    absence = page.locator("form.teacher-absence")
    absence.locator("select[name=staff]").select_option(str(ill_id))
    absence.locator("select[name=kind]").select_option(label="болезнь")
    expect(absence.locator("input[name=starts_on]")).to_have_value(TOMORROW.strftime("%d.%m.%Y"))
    absence.get_by_role("button", name="Отметить").click()
    expect(page.locator(".alert-success")).to_contain_text("Отсутствие отмечено")
    expect(page.locator("ul.teacher-absences")).to_contain_text(f"{ill_name} — болезнь")

    row = page.locator(f"tr[data-lesson='{lesson_id}']")
    expect(row).to_contain_text(group)
    offered = row.locator("select[name=substitute] option")
    expect(offered.first).to_have_text("— свободные учителя —")
    assert str(ill_id) not in offered.evaluate_all("options => options.map(o => o.value)")
    row.locator("select[name=substitute]").select_option(str(substitute_id))
    row.get_by_role("button", name="Назначить").click()
    expect(page.locator(".alert-success")).to_contain_text("Замена записана")
    expect(page.locator(f"tr[data-lesson='{lesson_id}']")).to_have_count(0)
    changes = page.locator("table.day-changes")
    expect(changes).to_contain_text(substitute_short)
    expect(changes).to_contain_text(ill_short)

    sheet = page.request.get(live_url + page.get_by_role("link", name="Лист замен (PDF)").get_attribute("href"))
    assert sheet.ok and sheet.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet.body())).pages)
    assert f"{TOMORROW:%d.%m.%Y}" in text and substitute_short in text and subject in text

    other = browser.new_page()
    sign_in(other, live_url, substitute_login)
    other.goto(f"{live_url}/timetable/my?day={TOMORROW.isoformat()}")
    covered = other.locator(".timetable-lesson", has=other.locator(f"a[href$='lesson={lesson_id}']"))
    expect(covered).to_contain_text(f"{group} — {subject}")
    expect(covered).to_contain_text(f"вы замещаете: {ill_short}")
    covered.get_by_role("link", name="журнал урока").click()
    expect(other.locator("h2, h1").first).to_contain_text(subject)
