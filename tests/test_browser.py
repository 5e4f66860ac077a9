"""A person's view of the foundation, in headless Chromium (Debian's package) driven by Playwright."""
import os
import socket
import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from waitress.server import create_server

from tests.school import classgroup

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "test-artifacts")


@pytest.fixture
def live_url(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.close()


@pytest.fixture
def browser():
    assert os.path.exists(CHROMIUM), "нужен пакет chromium (./journal test ставит его сам)"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def sign_in(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("input[type=submit], button[type=submit]")
    expect(page.locator("a[href='/logout/']")).to_be_attached()


MENUS = {
    "secretary": ("Учащиеся", "Сотрудники"),
    "deputy": ("Структура школы", "Учащиеся"),
    "classteacher": ("Мой класс",),
    "parent": ("Мои дети",),
}
HIDDEN = {
    "secretary": ("Мой класс",), "deputy": ("Мой класс", "Мои дети"),
    "classteacher": ("Сотрудники",), "parent": ("Учащиеся", "Сотрудники", "Структура школы"),
}


@pytest.mark.parametrize("username", sorted(MENUS))
def test_each_role_sees_its_own_russian_menu(browser, live_url, username):
    page = browser.new_page()
    sign_in(page, live_url, username)
    navbar = page.locator(".navbar")
    for item in MENUS[username]:
        expect(navbar.get_by_text(item, exact=True).first).to_be_visible()
    for item in HIDDEN[username]:
        expect(navbar.get_by_text(item, exact=True)).to_have_count(0)


def test_parent_sees_only_their_children(app, browser, live_url):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    sign_in(page, live_url, "parent")
    page.goto(f"{live_url}/myfamilyview/list/")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("Троицкая Есения Анатольевна")).to_be_visible()


def test_secretary_admits_a_student_after_a_refusal(app, browser, live_url):
    with app.app_context():
        class_id = str(classgroup("5А").id)
    page = browser.new_page()
    sign_in(page, live_url, "secretary")
    page.goto(f"{live_url}/studentview/add")
    page.fill("input[name=last_name]", "Соколова")
    page.fill("input[name=first_name]", "Мария")
    page.fill("input[name=middle_name]", "Андреевна")
    page.fill("input[name=birth_date]", "14.03.2015")
    page.eval_on_selector("select[name=classgroup]", "(el, v) => { el.value = v; }", class_id)
    page.fill("input[name=effective_on]", "23.11.2026")
    page.fill("input[name=order_no]", "45-у")
    page.fill("input[name=order_date]", "01.12.2026")  # an order from the future
    page.click("button[type=submit], input[type=submit]")
    expect(page.get_by_text("Дата приказа не может быть позже сегодняшнего дня.").first).to_be_visible()
    expect(page.locator("input[name=last_name]")).to_have_value("Соколова")
    expect(page.locator("input[name=birth_date]")).to_have_value("14.03.2015")
    page.fill("input[name=order_date]", "20.11.2026")
    page.click("button[type=submit], input[type=submit]")
    expect(page.get_by_text("Запись добавлена").first).to_be_visible()
    page.goto(f"{live_url}/studentview/list/?_flt_0_last_name=Соколова")
    expect(page.get_by_text("Соколова Мария Андреевна")).to_be_visible()
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "student-register.png"), full_page=True)
