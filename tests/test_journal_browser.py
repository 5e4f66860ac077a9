"""The journal grid in a real browser (headless Chromium driven by Playwright, as in
tests/test_browser.py): a teacher keeps today's lesson from the keyboard, asks for a
correction of last week's, and a parent is not let into the grid at all."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import grid as journal_grid
from app import journal_entry as entry
from app.extensions import db
from app.journal import Absence, Correction, Lesson, Mark
from app.people import Student
from app.structure import TeachingAssignment
from security import policy
from tests import test_browser as foundation
from tests.conftest import TODAY
from tests.school import person_of_login

# The foundation's browser tests' live server and headless Chromium, shared as they are.
live_url, browser, sign_in = foundation.live_url, foundation.browser, foundation.sign_in
LAST_WEEK = TODAY - timedelta(days=7)
CORRECTION_REASON = "Ответ был пересдан на уроке, отметка перенесена из черновика."


def _is_cell_save(response):
    return response.request.method == "POST" and response.url.endswith("/cell")


def _is_cell_post(request):
    return request.method == "POST" and request.url.endswith("/cell")


def _is_correction(response):
    return response.request.method == "POST" and response.url.endswith("/correction")


@pytest.fixture
def journal(app):
    """The demo teacher's first assignment (5А, an English group) with a lesson today and
    one a week ago. The demo may have made them (then they are used as they are); what the
    test needs is added here: the lessons, and for the first student a mark last week,
    entered by a deputy with a reason, since that lesson's entry window has closed."""
    with app.app_context():
        teacher = person_of_login("teacher")
        assignment = db.session.scalars(
            select(TeachingAssignment).where(TeachingAssignment.teacher_id == teacher.id)
            .order_by(TeachingAssignment.id)).first()
        assert assignment is not None, "у демо-учителя нет нагрузки"
        assert (assignment.classgroup.name, assignment.subgroup is not None) == ("5А", True)
        assert "английск" in assignment.subject.name.lower()
        setup = policy.JournalWriter(None, None, True)
        lessons = {}
        for day, topic in ((TODAY, "Present Simple: утвердительные предложения"),
                           (LAST_WEEK, "Числительные от 1 до 100")):
            lesson = db.session.scalars(select(Lesson).where(
                Lesson.assignment_id == assignment.id, Lesson.date == day).order_by(Lesson.number)).first()
            if lesson is None:
                lesson = entry.create_lesson(setup, assignment, day, 2, "demo", topic=topic)
            lessons[day] = lesson
        db.session.commit()

        assignment, periods = journal_grid.load_assignment(assignment.id)
        data = journal_grid.load_grid(assignment, periods, journal_grid.choose_period(periods))
        today_rows = [row.student.id for row in data.rows if row.enrolled_on(TODAY)]
        assert len(today_rows) >= 5, "для проверки нужна группа хотя бы из пяти учеников"
        for student_id in today_rows[:5]:
            assert entry.cell_state(lessons[TODAY].id, student_id) == ([], None), \
                "клетки сегодняшнего урока должны быть пустыми до ввода"

        first = data.rows[0].student
        assert data.rows[0].enrolled_on(LAST_WEEK) and data.rows[0].enrolled_on(TODAY)
        marks, _absence = entry.cell_state(lessons[LAST_WEEK].id, first.id)
        if not marks:
            entry.add_mark(_deputy(app), lessons[LAST_WEEK], first, "5", "demo",
                           reason="Перенесено из бумажного журнала.")
            db.session.commit()
        marks, absence = entry.cell_state(lessons[LAST_WEEK].id, first.id)
        info = {
            "assignment": assignment.id, "title": f"{assignment.subject.name} — {assignment.classgroup.name}",
            "today": lessons[TODAY].id, "last_week": lessons[LAST_WEEK].id,
            "rows": [row.student.id for row in data.rows], "today_rows": today_rows, "first": first.id,
            "old_mark": (marks[0].id, marks[0].value), "old_text": entry.cell_text(marks, absence),
            "columns": len(data.lessons), "teacher_user": app.appbuilder.sm.find_user(username="teacher").id,
        }
        db.session.remove()
    return info


def _deputy(app):
    """A deputy as the entry rules see them: the administration, who may write after the window."""
    login = app.appbuilder.sm.find_user(username="deputy")
    return policy.JournalWriter(login.id, person_of_login("deputy").id, administration=True)


def _open_grid(page, live_url, journal):
    sign_in(page, live_url, "teacher")
    page.goto(f"{live_url}/journal/{journal['assignment']}")
    expect(page.locator("#journal-grid")).to_be_visible()
    rows = page.locator("#journal-grid tbody tr")
    assert [int(s) for s in rows.evaluate_all("rs => rs.map(r => r.dataset.s)")] == journal["rows"]
    return rows


def _row(page, student_id):
    return page.locator(f"#journal-grid tbody tr[data-s='{student_id}']")


def _today_cell(page, journal, student_id):
    return _row(page, student_id).locator(f"input.cell[data-l='{journal['today']}']")


def test_teacher_enters_todays_marks_from_the_keyboard(app, browser, live_url, journal):
    page = browser.new_page()
    _open_grid(page, live_url, journal)
    expect(page.locator("h2")).to_contain_text(journal["title"])
    status = page.locator("#journal-status")
    posts = []
    page.on("request", lambda r: posts.append(r.post_data_json)
            if r.method == "POST" and r.url.endswith("/cell") else None)

    students = journal["today_rows"][:5]
    typed = ["5", "4", "н", "6", "3"]
    _today_cell(page, journal, students[0]).focus()
    for number, (student, value) in enumerate(zip(students, typed)):
        cell = _today_cell(page, journal, student)
        expect(cell).to_be_focused()
        page.keyboard.type(value)
        last = number == len(typed) - 1
        with page.expect_response(_is_cell_save) as answer:
            page.keyboard.press("Enter" if last else "ArrowDown")  # down the column, to the next student
        if value == "6":
            assert answer.value.status == 422
            expect(status).to_contain_text("не отметка")
            expect(status).to_have_class("journal-status error")
            expect(cell).to_have_value("")  # back to what it held before
        else:
            assert answer.value.status == 200, answer.value.text()
            expect(status).to_have_text(f"Сохранено: {_name(page, student)} — {value}.")
            expect(cell).to_have_value(value)
        if not last:
            expect(_today_cell(page, journal, students[number + 1])).to_be_focused()

    # One request per cell: neither the change on blur nor Enter saved anything twice.
    assert [(p["student"], p["text"]) for p in posts] == list(zip(students, typed))

    page.reload()
    for student, value in zip(students, ["5", "4", "н", "", "3"]):
        expect(_today_cell(page, journal, student)).to_have_value(value)

    with app.app_context():
        marks = db.session.execute(select(Mark.student_id, Mark.value, Mark.retracted_at).where(
            Mark.lesson_id == journal["today"]).order_by(Mark.id)).all()
        absences = db.session.execute(select(Absence.student_id, Absence.reason, Absence.retracted_at).where(
            Absence.lesson_id == journal["today"])).all()
    assert [tuple(m) for m in marks] == [(students[0], "5", None), (students[1], "4", None),
                                         (students[4], "3", None)]
    assert [tuple(a) for a in absences] == [(students[2], None, None)]


def _name(page, student_id):
    return _row(page, student_id).locator("th.name").inner_text()


def test_last_weeks_cell_is_read_only_and_asks_for_a_correction(app, browser, live_url, journal):
    page = browser.new_page()
    _open_grid(page, live_url, journal)
    first = journal["first"]
    mark_id, old_value = journal["old_mark"]
    new_value = "4" if old_value != "4" else "3"
    old_cell = _row(page, first).locator(f"td:has(> .cell[data-l='{journal['last_week']}'])")
    old_span = old_cell.locator("span.cell")
    expect(old_cell).to_have_class(re.compile(r"\bro\b"))
    expect(old_cell.locator("input")).to_have_count(0)
    expect(old_span).to_have_text(journal["old_text"])

    # From today's cell leftwards along the row, with the arrow keys, to last week's lesson.
    _today_cell(page, journal, first).focus()
    for _ in range(journal["columns"]):
        if old_span.evaluate("el => el === document.activeElement"):
            break
        before = page.evaluate("() => document.activeElement.outerHTML")
        page.keyboard.press("ArrowLeft")
        assert page.evaluate("() => document.activeElement.outerHTML") != before, "стрелка влево не сдвинула фокус"
    expect(old_span).to_be_focused()
    panel = page.locator("#correction-panel")
    expect(panel).to_be_hidden()
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    expect(page.locator("#correction-what")).to_contain_text(f"сейчас «{journal['old_text']}»")
    expect(page.locator("#correction-value")).to_be_focused()
    page.keyboard.type(new_value)
    page.keyboard.press("Tab")
    expect(page.locator("#correction-reason")).to_be_focused()
    page.keyboard.type(CORRECTION_REASON)
    page.keyboard.press("Tab")
    with page.expect_response(_is_correction) as answer:
        page.keyboard.press("Enter")  # on «Отправить на утверждение»
    assert answer.value.status == 201, answer.value.text()
    expect(page.locator("#journal-status")).to_contain_text("Исправление отправлено")
    expect(panel).to_be_hidden()
    expect(old_span).to_be_focused()
    expect(old_span).to_have_text(journal["old_text"])  # nothing changes until a deputy approves

    with app.app_context():
        pending = db.session.scalars(select(Correction).where(
            Correction.status == "pending", Correction.lesson_id == journal["last_week"])).all()
        assert [(c.record, c.record_id, c.student_id, c.old_value, c.new_value, c.reason, c.requested_by_id)
                for c in pending] == [
            ("mark", mark_id, first, old_value, new_value, CORRECTION_REASON, journal["teacher_user"])]
        assert db.session.scalar(select(Mark.value).where(Mark.id == mark_id)) == old_value


def test_parent_does_not_get_the_grid(browser, live_url, journal):
    page = browser.new_page()
    sign_in(page, live_url, "parent")
    answer = page.goto(f"{live_url}/journal/{journal['assignment']}")
    assert answer.status == 403
    expect(page.get_by_text("Доступ запрещён")).to_be_visible()
    expect(page.locator("#journal-grid")).to_have_count(0)
    expect(page.locator("input.cell")).to_have_count(0)


# ---- bugs found by these tests, kept as regressions


def test_a_value_retyped_while_the_cell_is_saving_is_saved_too(app, browser, live_url, journal):
    page = browser.new_page()
    _open_grid(page, live_url, journal)
    held, released = [], []
    page.route("**/cell", lambda route: route.continue_() if released else held.append(route))
    student = journal["today_rows"][0]
    cell = _today_cell(page, journal, student)
    cell.focus()
    page.keyboard.type("5")
    with page.expect_request(_is_cell_post):
        page.keyboard.press("ArrowDown")  # «5» is on its way: a slow network holds it
    page.keyboard.press("ArrowUp")
    expect(cell).to_be_focused()
    page.keyboard.type("4")  # the teacher corrects themselves at once
    page.keyboard.press("ArrowDown")
    for _ in range(100):  # the route handler runs while Playwright waits on the page
        if held:
            break
        page.wait_for_timeout(20)
    released.append(True)
    with page.expect_response(_is_cell_save):
        held.pop().continue_()
    expect(cell).to_have_value("4")
    expect(page.locator("#journal-status")).to_contain_text("— 4.")
    with app.app_context():
        values = db.session.scalars(select(Mark.value).where(
            Mark.lesson_id == journal["today"], Mark.student_id == student, Mark.retracted_at.is_(None))).all()
    assert values == ["4"]


def test_a_wrong_absence_of_a_closed_lesson_can_be_corrected_away(app, browser, live_url, journal):
    with app.app_context():
        assignment = db.session.get(TeachingAssignment, journal["assignment"])
        day = LAST_WEEK + timedelta(days=1)
        taken = set(db.session.scalars(select(Lesson.number).where(
            Lesson.assignment_id == assignment.id, Lesson.date == day)))
        number = next(n for n in range(1, 13) if n not in taken)
        lesson = entry.create_lesson(policy.JournalWriter(None, None, True), assignment, day, number, "demo",
                                     topic="Урок, на котором отсутствие отмечено по ошибке")
        student = db.session.get(Student, journal["first"])
        entry.set_attendance(_deputy(app), lesson, student, "н", "demo", reason="Перенесено из бумажного журнала.")
        db.session.commit()
        lesson_id = lesson.id
        db.session.remove()
    page = browser.new_page()
    _open_grid(page, live_url, journal)
    span = _row(page, journal["first"]).locator(f"td.ro > span.cell[data-l='{lesson_id}']")
    expect(span).to_have_text("н")
    span.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#correction-panel")).to_be_visible()
    page.keyboard.press("Tab")  # the new value stays empty: «пусто — удалить»
    page.keyboard.type("Был на уроке: отметили по ошибке.")
    page.keyboard.press("Tab")
    with page.expect_response(_is_correction) as answer:
        page.keyboard.press("Enter")
    expect(page.locator("#journal-status")).to_contain_text("Исправление отправлено")
    assert answer.value.status == 201
    with app.app_context():
        pending = db.session.execute(select(Correction.record, Correction.old_value, Correction.new_value).where(
            Correction.status == "pending", Correction.lesson_id == lesson_id)).all()
    assert [tuple(c) for c in pending] == [("absence", "н", "")]
