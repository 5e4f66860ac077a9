"""The diary on a phone (375×740) in a real browser (headless Chromium driven by Playwright): the
demo parent opens «Дневник» from the menu, reads this week of the 5А child, taps a mark for its
details and closes them; no page of the diary scrolls sideways. The desktop layout is shot too."""
import os

from playwright.sync_api import expect

from tests import test_browser as foundation
from tests.test_diary import fill_this_week

live_url, browser, sign_in = foundation.live_url, foundation.browser, foundation.sign_in
PHONE = {"width": 375, "height": 740}
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


def shoot(page, name, full_page=True):
    os.makedirs(foundation.ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(foundation.ARTIFACTS, name), full_page=full_page)


def test_parent_reads_the_week_on_a_phone_and_opens_a_marks_details(app, browser, live_url):
    with app.app_context():
        week = fill_this_week()
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_url, "parent")
    page.locator(".navbar-toggle").click()  # the phone's collapsed menu
    first_item = page.locator(".navbar-collapse .navbar-nav > li").first
    expect(first_item).to_have_text("Дневник")
    first_item.get_by_role("link", name="Дневник").click()
    page.get_by_role("link", name="Троицкая Есения Анатольевна, 5А").click()
    expect(page.locator("h2")).to_have_text("Дневник: Троицкая Есения Анатольевна, 5А класс")

    today = page.locator("section.diary-today")
    expect(today.locator("h3")).to_contain_text("Понедельник, 23.11.2026")
    expect(today.locator("h3")).to_contain_text("сегодня")
    russian = page.locator(f"li[data-lesson='{week['russian']}']")
    expect(russian).to_contain_text("Упр. 210, выучить правило § 9")
    expect(russian.get_by_role("link", name="правило.txt")).to_be_visible()
    expect(page.locator(f"li[data-lesson='{week['literature']}']")).to_contain_text("отсутствовал(а): болеет")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.scrollingElement.scrollWidth")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    shoot(page, "diary-week-phone.png")

    mark = russian.locator("button.diary-mark", has_text="5")
    expect(mark).to_contain_text("Дикт ×2")
    mark.click()
    details = page.locator("#diary-mark-dialog")
    expect(details).to_be_visible()
    expect(details.locator("[data-field=work-type]")).to_have_text("Диктант")
    expect(details.locator("[data-field=weight]")).to_have_text("2")
    expect(details.locator("[data-field=date]")).to_have_text("23.11.2026")
    expect(details.locator("[data-field=teacher]")).to_have_text("Яковлева Надежда Юрьевна")
    expect(details.locator("[data-field=comment]")).to_have_text("Без единой ошибки, молодец")
    box = details.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    shoot(page, "diary-mark-phone.png", full_page=False)
    details.get_by_role("button", name="Закрыть").click()
    expect(details).to_be_hidden()

    page.get_by_role("link", name="Оценки за период").click()
    expect(page.locator(".diary-attendance")).to_contain_text("Пропущено уроков: 2")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.locator(".diary-subject-line[data-subject='Русский язык'] button.diary-mark").first.click()
    expect(page.locator("#diary-mark-dialog [data-field=subject]")).to_have_text("Русский язык")
    shoot(page, "diary-marks-phone.png")


def test_the_week_on_a_desktop_and_a_comment_shown_as_text(app, browser, live_url):
    from app import journal_entry as entry
    from app.extensions import db
    from tests.school import work_type_named
    from tests.test_diary import child, todays, writer_of

    with app.app_context():
        week = fill_this_week()
        entry.add_mark(writer_of("classteacher"), todays("Литература"), child(), "3", "grid",
                       work_type=work_type_named("Ответ на уроке"), comment="<script>alert(1)</script> <b>учить</b>")
        db.session.commit()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    sign_in(page, live_url, "parent")
    page.goto(f"{live_url}/diary/{week['student']}/")
    literature = page.locator(f"li[data-lesson='{week['literature']}']")
    expect(literature.locator(".diary-remark")).to_contain_text("<script>alert(1)</script> <b>учить</b>")
    literature.locator("button.diary-mark").click()
    expect(page.locator("#diary-mark-dialog [data-field=comment]")).to_have_text(
        "<script>alert(1)</script> <b>учить</b>")
    assert dialogs == []
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.keyboard.press("Escape")
    shoot(page, "diary-week-desktop.png")
