"""The sign-off of the printed copy (issue 6; 004 §4, 001 3.9.6 and §5), through its rules, its pages
and its REST resource, on the demo school: 5А's journal of the 1st quarter (01.09–24.10.2026, over
by today, Monday 23.11.2026) in every state of the sign-off, made by app/demo_printouts.py.

Copies are drawn by the real renderer (printouts/class_journal.py) and read back with pypdf."""
import hashlib
import io
import threading
import time
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from app import journal_entry as entry
from app.extensions import db
from app.journal import FinalMark
from app.rules import Conflict, RuleError
from app.structure import Period, TeachingAssignment, check_period
from printouts import archive, jobs, workflow
from printouts.models import STATES, ArchiveRecord, PrintJob, Printout, PrintoutSheet, PrintoutStep
from printouts.pdf import PrintoutError
from tests.conftest import api_token, csrf_token, login
from tests.school import (
    assignment_of, classgroup, clear_final_marks, deputy_writer, lesson_on, person_of_login, reopen_directly, roster,
)

LOGINS = ("admin", "director", "deputy", "secretary", "teacher", "classteacher", "parent", "student")
Q1_DAY = date(2026, 10, 14)  # a Wednesday of the 1st quarter


# ------------------------------------------------------------------ look-ups


def user(name):
    from flask import current_app

    return current_app.appbuilder.sm.find_user(username=name)


def q1():
    return db.session.scalar(select(Period).where(Period.number == 1, Period.kind == "quarter"))


def q2():
    return db.session.scalar(select(Period).where(Period.number == 2, Period.kind == "quarter"))


def demo(state):
    """The demo's copy of 5А in this state."""
    return db.session.scalar(select(Printout).where(Printout.state == state, Printout.retracted_at.is_(None))
                             .order_by(Printout.id))


def fresh_copy(class_name="5А", kind="journal"):
    """A new copy made by the deputy, committed."""
    printout = workflow.generate(db.session, user("deputy"), classgroup(class_name), q1(), kind, incomplete_ok=True,
                                 duplicate_ok=True)
    db.session.commit()
    return printout


def sheet(printout, key):
    return next(s for s in printout.sheets if s.key == key)


def teacher_keys(printout, login_name):
    staff_id = person_of_login(login_name).id
    return [s.key for s in workflow.signable(printout) if s.teacher_id == staff_id]


def to_teachers_signed(printout):
    """Every sheet signed: by the two teachers with logins, and on paper by those without."""
    for name in ("teacher", "classteacher"):
        if workflow.actions_for(printout, user(name))["sign"]:
            workflow.sign_sheets(db.session, user(name), printout)
    workflow.record_paper_signature(db.session, user("deputy"), printout)
    db.session.commit()
    assert printout.state == "teachers_signed"


def refused(call, *words):
    """The rule refuses, in Russian, saying `words`; nothing it did stays."""
    with pytest.raises(RuleError) as caught:
        call()
    db.session.rollback()
    for word in words:
        assert word in caught.value.message, caught.value.message
    return caught.value


def text_of(pdf):
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def steps_of(printout, step):
    return db.session.scalars(select(PrintoutStep).where(PrintoutStep.printout_id == printout.id,
                                                         PrintoutStep.step == step).order_by(PrintoutStep.id)).all()


# ------------------------------------------------------------------ the demo


def test_demo_has_5a_first_quarter_in_every_state(ctx):
    copies = db.session.scalars(select(Printout).order_by(Printout.id)).all()
    assert [p.state for p in copies] == list(STATES)
    assert {(p.classgroup.name, p.period.title, p.kind) for p in copies} == {("5А", "1 четверть", "journal")}
    for p in copies[:4]:
        assert p.register_number is None and p.frozen_pdf is None
    for p in copies[4:]:
        assert p.register_number.startswith("ЭЖ-2026/") and p.sha256 == hashlib.sha256(p.frozen_pdf).hexdigest()
    record = db.session.scalar(select(ArchiveRecord))
    assert record.printout_id == copies[-1].id and record.keep_until == date(2032, 5, 31)
    # Each step by its own person, in order, in the history.
    who = {s.step: s.user_id for s in copies[-1].steps}
    assert who["generated"] == who["deputy_certified"] == user("deputy").id
    assert who["class_teacher_certified"] == user("classteacher").id
    assert who["registered"] == who["sealed"] == who["archived"] == user("secretary").id
    assert who["director_signed"] == user("director").id


# ------------------------------------------------------------------ generating


@pytest.mark.parametrize("login_name", ["teacher", "classteacher", "secretary", "director", "admin"])
def test_only_a_deputy_generates(ctx, login_name):
    refused(lambda: workflow.generate(db.session, user(login_name), classgroup("5Б"), q1(), incomplete_ok=True),
            "заместитель директора")


def test_a_period_not_yet_over_is_not_printed(ctx):
    refused(lambda: workflow.generate(db.session, user("deputy"), classgroup("5Б"), q2(), incomplete_ok=True),
            "после окончания периода", "28.12.2026")
    refused(lambda: workflow.generate(db.session, user("deputy"), classgroup("5Б"), None, incomplete_ok=True),
            "после его окончания")


def test_missing_final_marks_are_listed_and_the_deputy_decides(ctx):
    cls = classgroup("5Б")
    clear_final_marks(q1(), "5Б")
    students = sorted(roster_of(cls), key=lambda s: (s.last_name, s.first_name, s.middle_name or ""))
    subjects = {a.subject_id for a in db.session.scalars(select(TeachingAssignment)
                                                         .where(TeachingAssignment.classgroup_id == cls.id))}
    # Every final mark of the quarter but one student's mathematics.
    maths = db.session.scalar(select(TeachingAssignment).where(
        TeachingAssignment.classgroup_id == cls.id, TeachingAssignment.subject.has(name="Математика")))
    for student in students:
        for subject_id in subjects:
            if (student.id, subject_id) != (students[3].id, maths.subject_id):
                db.session.add(FinalMark(student_id=student.id, subject_id=subject_id, kind="period", value="4",
                                         school_year_id=cls.school_year_id, period_id=q1().id))
    db.session.commit()
    question = refused(lambda: workflow.generate(db.session, user("deputy"), cls, q1()), "не всем")
    assert isinstance(question, workflow.IncompleteFinalMarks)
    assert [(m.subject, m.students) for m in question.missing] == [("Математика", [students[3].full_name])]
    printout = workflow.generate(db.session, user("deputy"), cls, q1(), incomplete_ok=True)
    db.session.commit()
    assert printout.state == "generated" and "итоговых отметок: 1" in steps_of(printout, "generated")[0].reason


def roster_of(cls):
    from app.people import Student

    return db.session.scalars(select(Student).where(Student.classgroup_id == cls.id)).all()


def test_generated_copy_has_its_sheets_and_prints_names(ctx):
    printout = fresh_copy("5Б")
    assert printout.state == "generated" and printout.sheet_count == len(PdfReader(io.BytesIO(printout.pdf)).pages)
    keys = [s.key for s in printout.sheets]
    assert keys[0] == "title" and keys[-1] == "attendance" and any(k.startswith("subject:") for k in keys)
    cls = classgroup("5Б")
    assert sheet(printout, "title").teacher_id == sheet(printout, "attendance").teacher_id == cls.class_teacher_id
    pages = text_of(printout.pdf)
    assert "КЛАССНЫЙ ЖУРНАЛ" in pages[0] and f"Лист 1 из {printout.sheet_count}" in pages[0]
    assert roster_of(cls)[0].full_name in " ".join(pages)


def test_a_second_copy_is_asked_about_and_replacing_keeps_the_old_on_record(ctx):
    first = fresh_copy("5Б")
    question = refused(lambda: workflow.generate(db.session, user("deputy"), classgroup("5Б"), q1(),
                                                 incomplete_ok=True), "уже есть")
    assert isinstance(question, workflow.DuplicatePrintout)
    second = workflow.generate(db.session, user("deputy"), classgroup("5Б"), q1(), incomplete_ok=True, replace=True)
    db.session.commit()
    db.session.refresh(first)
    assert first.retracted_at is not None and second.retracted_at is None
    assert [s.step for s in first.steps] == ["generated", "retracted"]
    refused(lambda: workflow.sign_sheets(db.session, user("teacher"), first), "заменена")
    # Registered copies of 5А are documents: replacing retracts only those still in the sign-off.
    workflow.generate(db.session, user("deputy"), classgroup("5А"), q1(), incomplete_ok=True, replace=True)
    db.session.commit()
    kept = db.session.scalars(select(Printout.state).where(Printout.classgroup_id == classgroup("5А").id,
                                                           Printout.retracted_at.is_(None))).all()
    assert sorted(kept) == sorted(["generated", "registered", "director_signed", "sealed", "archived"])


# ------------------------------------------------------------------ the teachers' sheets


def test_a_teacher_signs_only_the_sheets_of_their_subject(ctx):
    printout = fresh_copy()
    mine, theirs = teacher_keys(printout, "teacher"), teacher_keys(printout, "classteacher")
    assert mine and theirs
    refused(lambda: workflow.sign_sheets(db.session, user("teacher"), printout, [theirs[0]]),
            "подписывает", "только листы своих предметов")
    refused(lambda: workflow.sign_sheets(db.session, user("teacher"), printout, ["title"]), "классный руководитель")
    for name in ("deputy", "secretary", "director", "parent"):
        refused(lambda: workflow.sign_sheets(db.session, user(name), printout))
    signed = workflow.sign_sheets(db.session, user("teacher"), printout)
    db.session.commit()
    assert [s.key for s in signed] == mine
    for s in signed:
        assert s.signed_by_id == user("teacher").id and s.signed_fingerprint == s.fingerprint
    refused(lambda: workflow.sign_sheets(db.session, user("teacher"), printout, [mine[0]]), "уже подписан")
    assert printout.state == "generated" and steps_of(printout, "signed")[0].sheet_key == mine[0]


def test_class_teacher_certifies_only_after_every_sheet_is_signed(ctx):
    printout = fresh_copy()
    workflow.sign_sheets(db.session, user("teacher"), printout)
    db.session.commit()
    error = refused(lambda: workflow.certify_title(db.session, user("classteacher"), printout),
                    "после того, как учителя подпишут все листы", "Не подписаны")
    assert "Математика" in error.message
    own = teacher_keys(printout, "classteacher")[:1]
    refused(lambda: workflow.record_paper_signature(db.session, user("deputy"), printout, own),
            "подписывает лист", "сам")
    refused(lambda: workflow.record_paper_signature(db.session, user("teacher"), printout), "заместитель директора")
    to_teachers_signed(printout)
    paper = steps_of(printout, "paper_signed")
    assert paper and {s.user_id for s in paper} == {user("deputy").id}
    # The pages show each teacher's own name and the date under the signature line.
    pdf = workflow.current_pdf(db.session, printout)
    db.session.commit()
    maths = sheet(printout, next(k for k in teacher_keys(printout, "classteacher") if k.endswith(":1")))
    page = text_of(pdf)[maths.first_page - 1]
    assert "Учитель ____________________ Яковлева Н.Ю. Дата 23.11.2026" in page


def test_only_the_class_teacher_of_the_class_certifies_the_title(ctx):
    printout = fresh_copy()
    to_teachers_signed(printout)
    for name in ("teacher", "deputy", "secretary", "director"):
        refused(lambda: workflow.certify_title(db.session, user(name), printout), "классный руководитель")
    workflow.certify_title(db.session, user("classteacher"), printout)
    db.session.commit()
    assert printout.state == "class_teacher_certified"
    assert sheet(printout, "title").signed_by_id == user("classteacher").id


# ------------------------------------------------------------------ every step: allowed, refused, out of order

STEP_RULES = {
    "deputy_certified": (lambda p, u: workflow.certify_as_deputy(db.session, u, p), "deputy"),
    "registered": (lambda p, u: workflow.register(db.session, u, p, "Т-1", sheet_count=p.sheet_count), "secretary"),
    "director_signed": (lambda p, u: workflow.director_sign(db.session, u, p), "director"),
    "sealed": (lambda p, u: workflow.seal(db.session, u, p), "secretary"),
    "archived": (lambda p, u: workflow.archive(db.session, u, p), "secretary"),
}


@pytest.mark.parametrize("step", list(STEP_RULES))
def test_each_step_by_its_person_in_its_order(ctx, step):
    take, right = STEP_RULES[step]
    before = workflow.TRANSITIONS[step][0]
    printout = demo(before)
    for name in ("teacher", "classteacher", "deputy", "secretary", "director", "admin"):
        if name != right:
            refused(lambda: take(printout, user(name)))
    earlier = demo(workflow.ORDER[workflow.index_of(before) - 1])
    refused(lambda: take(earlier, user(right)), workflow.TOO_EARLY[step].split(":")[0][:30])
    take(printout, user(right))
    db.session.commit()
    assert printout.state == step and steps_of(printout, step)[-1].user_id == user(right).id
    refused(lambda: take(printout, user(right)), "уже")


def test_refusals_send_the_copy_one_step_back_with_a_reason(ctx):
    certified = demo("class_teacher_certified")
    refused(lambda: workflow.refuse(db.session, user("deputy"), certified, "  "), "причину")
    refused(lambda: workflow.refuse(db.session, user("secretary"), certified, "нет подписи"), "заместитель директора")
    workflow.refuse(db.session, user("deputy"), certified, "Титульный лист заполнен не полностью")
    db.session.commit()
    assert certified.state == "teachers_signed" and sheet(certified, "title").signed_by_id is None
    step = certified.steps[-1]
    assert step.refused and step.user_id == user("deputy").id and step.reason == "Титульный лист заполнен не полностью"

    to_secretary = demo("deputy_certified")
    workflow.refuse(db.session, user("secretary"), to_secretary, "Не хватает листа 7")
    db.session.commit()
    assert to_secretary.state == "class_teacher_certified"

    # The class teacher returns one sheet to its teacher: only that sheet loses its signature.
    signed = demo("teachers_signed")
    key = teacher_keys(signed, "teacher")[0]
    refused(lambda: workflow.refuse(db.session, user("classteacher"), signed, "Ошибка"), "Укажите лист")
    workflow.refuse(db.session, user("classteacher"), signed, "Не та тема урока 14.10", sheet_key=key)
    db.session.commit()
    assert signed.state == "generated" and sheet(signed, key).signed_by_id is None
    assert all(s.signed_by_id for s in workflow.signable(signed) if s.key != key)

    # A teacher declines a sheet of their own, never another's.
    printout = fresh_copy()
    theirs = teacher_keys(printout, "classteacher")[0]
    refused(lambda: workflow.refuse(db.session, user("teacher"), printout, "чужой", theirs), "вернуть его может")
    workflow.refuse(db.session, user("teacher"), printout, "Не все отметки", teacher_keys(printout, "teacher")[0])
    db.session.commit()
    assert printout.steps[-1].refused and printout.steps[-1].step == "signed"

    refused(lambda: workflow.refuse(db.session, user("secretary"), demo("sealed"), "поздно"), "не возвращают")


def test_the_directors_refusal_annuls_a_registered_copy_and_leaves_its_pdf(ctx):
    printout = demo("registered")
    frozen, digest = printout.frozen_pdf, printout.sha256
    refused(lambda: workflow.refuse(db.session, user("secretary"), printout, "нет"), "директор")
    workflow.refuse(db.session, user("director"), printout, "Нет подписи классного руководителя на листе 3")
    db.session.commit()
    db.session.refresh(printout)
    assert printout.retracted_at is not None and printout.frozen_pdf == frozen and printout.sha256 == digest
    refused(lambda: workflow.director_sign(db.session, user("director"), printout), "аннулирована")
    # Its number stays taken in the register.
    refused(lambda: workflow.register(db.session, user("secretary"), demo("deputy_certified"),
                                      printout.register_number), "уже есть в реестре")


def test_two_people_taking_one_step_at_once_one_wins(ctx, app):
    printout_id = demo("class_teacher_certified").id
    seen = demo("class_teacher_certified").version
    outcomes, barrier = [], threading.Barrier(2)

    def certify():
        with app.app_context():
            printout = db.session.get(Printout, printout_id)
            barrier.wait()
            try:
                workflow.certify_as_deputy(db.session, user("deputy"), printout, version=seen)
                db.session.commit()
                outcomes.append("ok")
            except RuleError as err:
                db.session.rollback()
                outcomes.append(err)
            finally:
                db.session.remove()

    if db.engine.dialect.name == "postgresql":  # row locks: really at the same time
        threads = [threading.Thread(target=certify) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    else:  # SQLite serialises writers: one after the other, with the version both saw
        barrier = threading.Barrier(1)
        certify()
        certify()
    assert outcomes.count("ok") == 1, outcomes
    [lost] = [o for o in outcomes if o != "ok"]
    assert isinstance(lost, Conflict) and "другой пользователь" in lost.message
    assert len(steps_of(db.session.get(Printout, printout_id), "deputy_certified")) == 1


# ------------------------------------------------------------------ registration and the frozen PDF


def test_registration_freezes_the_pdf_with_every_signature_and_its_number(ctx):
    printout = demo("deputy_certified")
    taken = demo("registered").register_number
    refused(lambda: workflow.register(db.session, user("secretary"), printout, taken), "уже есть в реестре")
    refused(lambda: workflow.register(db.session, user("secretary"), printout, "Т-1", date(2026, 11, 24)),
            "позже сегодняшнего")
    wrong_count = printout.sheet_count + 1
    refused(lambda: workflow.register(db.session, user("secretary"), printout, "Т-1", sheet_count=wrong_count),
            "пересчитайте листы")
    refused(lambda: workflow.register(db.session, user("secretary"), printout, ""), "регистрационный номер")
    workflow.register(db.session, user("secretary"), printout, "Т-1", sheet_count=printout.sheet_count)
    db.session.commit()
    assert printout.state == "registered" and printout.registered_on == date(2026, 11, 23)
    assert printout.sha256 == hashlib.sha256(printout.frozen_pdf).hexdigest()
    title = text_of(printout.frozen_pdf)[0]
    assert "Классный руководитель ____________________ Яковлева Н.Ю. Дата" in title
    assert "Заместитель директора ____________________" in title and "Секретарь (рег. № Т-1)" in title
    refused(lambda: workflow.register(db.session, user("secretary"), printout, "Т-2"), "уже зарегистрирована", "Т-1")


def test_the_hash_is_stable_and_the_frozen_pdf_never_changes(ctx):
    printout = demo("registered")
    frozen, digest = printout.frozen_pdf, printout.sha256
    # The same data and signatures draw the same bytes: the copy can be drawn again and checked.
    from printouts.class_journal import build_class_journal

    signed = workflow.signatures(db.session, printout)
    again = build_class_journal(db.session, printout.classgroup_id, printout.period_id,
                                school_name=workflow.school_name(), signatures=signed)
    assert hashlib.sha256(again.pdf).hexdigest() == digest
    # After registration the journal of the closed period refuses a change, and the period stays closed.
    refused(lambda: add_q1_mark("teacher", "5"), "закрыт")
    period = q1()
    period.closed = False
    refused(lambda: check_period(db.session, period), "не открывается", printout.register_number)
    # The steps after registration change nothing frozen.
    workflow.director_sign(db.session, user("director"), printout)
    workflow.seal(db.session, user("secretary"), printout)
    db.session.commit()
    db.session.refresh(printout)
    assert not printout.stale and printout.frozen_pdf == frozen and printout.sha256 == digest
    assert workflow.current_pdf(db.session, printout) == frozen


def registered_copy_of_a_class_not_taught_by(login_name):
    """A copy entered in the register (set directly: the sign-off is tested elsewhere) of a class whose
    sheets none are the teacher's and which they do not lead."""
    staff_id = person_of_login(login_name).id
    taught = set(db.session.scalars(select(TeachingAssignment.classgroup_id).where(
        TeachingAssignment.teacher_id == staff_id)))
    name = next(c for c in ("9Б", "9А", "8Б", "8А", "7Б") if classgroup(c).id not in taught
                and classgroup(c).class_teacher_id != staff_id)
    printout = fresh_copy(name)
    assert not any(s.teacher_id == staff_id for s in printout.sheets)
    db.session.execute(update(Printout).where(Printout.id == printout.id).values(
        state="registered", register_number="ЭЖ-2026/050", registered_on=date(2026, 11, 20),
        frozen_pdf=printout.pdf, sha256=hashlib.sha256(printout.pdf).hexdigest()))
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Printout, printout.id)


def test_checking_a_copy_one_may_not_open_says_only_whether_it_matches(ctx):
    printout = registered_copy_of_a_class_not_taught_by("teacher")
    teacher = user("teacher")
    by_number = workflow.verify(db.session, number="ЭЖ-2026/050", user=teacher)
    assert by_number.matches and by_number.printout is None and by_number.message == "Номер есть в реестре."
    by_file = workflow.verify(db.session, pdf=printout.frozen_pdf, user=teacher)
    assert by_file.matches and by_file.printout is None
    wrong = workflow.verify(db.session, number="ЭЖ-2026/050", pdf=b"%PDF-1.4 other", user=teacher)
    assert not wrong.matches and wrong.printout is None
    for result in (by_number, by_file, wrong):
        assert printout.classgroup.name not in result.message and "листов" not in result.message
    # The class's own teachers and the administration see the register's entry.
    shown = workflow.verify(db.session, number="ЭЖ-2026/050", user=user("deputy"))
    assert shown.printout.id == printout.id and printout.classgroup.name in shown.message


def test_a_paper_copy_is_checked_by_its_number_or_its_file(ctx):
    printout = demo("sealed")
    by_number = workflow.verify(db.session, number=printout.register_number)
    assert by_number.matches and by_number.printout.id == printout.id and "Совпадает" in by_number.message
    assert workflow.verify(db.session, pdf=printout.frozen_pdf).printout.id == printout.id
    assert workflow.verify(db.session, number=printout.register_number, sha256=printout.sha256.upper()).matches
    other = workflow.verify(db.session, number=printout.register_number, pdf=demo("registered").frozen_pdf)
    assert not other.matches and "не совпадает" in other.message
    assert not workflow.verify(db.session, number="НЕТ-1").matches
    assert not workflow.verify(db.session, pdf=b"%PDF-1.4 forged").matches
    refused(lambda: workflow.verify(db.session), "регистрационный номер")
    db.session.execute(update(Printout).where(Printout.id == printout.id).values(frozen_pdf=b"%PDF tampered"))
    db.session.commit()
    db.session.expire_all()
    damaged = workflow.verify(db.session, number=printout.register_number)
    assert not damaged.matches and "повреждён" in damaged.message


# ------------------------------------------------------------------ stale copies


def add_q1_mark(login_name, value, day=Q1_DAY):
    """A mark the deputy puts with a reason at a 1st-quarter lesson of the teacher's 5А group
    (refused while the quarter is closed)."""
    assignment = assignment_of(login_name)
    lesson = lesson_on(assignment, day)
    student = roster(assignment)[0]
    entry.add_mark(deputy_writer(), lesson, student, value, "form", reason="Оценка за контрольную по акту проверки")
    db.session.commit()
    return assignment


def test_a_mark_change_under_a_signed_sheet_sends_only_that_sheet_back(ctx):
    reopen_directly(q1())
    assignment = assignment_of("teacher")
    lesson_on(assignment, Q1_DAY)  # the lesson first: it changes the sheet of topics too
    printout = fresh_copy()
    to_teachers_signed(printout)
    workflow.certify_title(db.session, user("classteacher"), printout)
    db.session.commit()
    registered = demo("registered")
    add_q1_mark("teacher", "5")
    db.session.expire_all()
    assert printout.stale and not registered.stale  # flagged by the journal's write, in one UPDATE
    grid = f"subject:{assignment.id}:1"
    lost = workflow.refresh(db.session, printout)
    db.session.commit()
    assert lost == [grid]
    assert printout.state == "generated" and not printout.stale
    assert sheet(printout, grid).signed_by_id is None and sheet(printout, "title").signed_by_id is None
    assert all(s.signed_by_id for s in workflow.signable(printout) if s.key != grid)
    assert steps_of(printout, "stale")[-1].sheet_key == grid
    # The class teacher's certification went with it, and the history says so (by the journal, no person).
    voided = steps_of(printout, "uncertified")
    assert len(voided) == 1 and voided[0].sheet_key == "title" and voided[0].user_id is None
    assert voided[0].reason.startswith("заверение снято: данные листов изменились")
    assert "титульный лист заверен классным руководителем" in voided[0].reason
    # The teacher signs the sheet again, now showing the mark.
    workflow.sign_sheets(db.session, user("teacher"), printout)
    db.session.commit()
    assert printout.state == "teachers_signed"
    page = text_of(workflow.current_pdf(db.session, printout))[sheet(printout, grid).first_page - 1]
    assert "5" in page.split("Фамилия, имя, отчество")[1]


def test_a_step_on_a_copy_whose_data_changed_is_not_taken(ctx):
    reopen_directly(q1())
    printout = demo("class_teacher_certified")
    add_q1_mark("teacher", "4")
    error = refused(lambda: workflow.certify_as_deputy(db.session, user("deputy"), printout), "изменились")
    assert isinstance(error, workflow.StaleCopy)


def test_once_the_period_is_closed_the_journal_refuses_the_change(ctx):
    assignment = assignment_of("teacher")
    lesson = lesson_on(assignment, Q1_DAY)
    printout = fresh_copy()  # printed with the lesson
    period = q1()
    period.closed = True
    db.session.commit()
    refused(lambda: entry.add_mark(deputy_writer(), lesson, roster(assignment)[0], "5", "form", reason="поздно"),
            "закрыт")
    db.session.expire_all()
    assert not printout.stale and workflow.refresh(db.session, printout) == []


# ------------------------------------------------------------------ the archive register


def test_retention_runs_from_the_end_of_the_school_year(ctx):
    year = q1().school_year
    assert archive.keep_until("journal", year) == date(2032, 5, 31)
    assert archive.keep_until("final_marks", year) == date(2052, 5, 31)
    assert archive.add_years(date(2028, 2, 29), 5) == date(2033, 2, 28)


def test_summary_sheet_of_final_marks_goes_through_and_is_kept_25_years(ctx):
    printout = fresh_copy(kind="final_marks")
    assert [s.key for s in printout.sheets] == ["final_marks"] and printout.state == "teachers_signed"
    refused(lambda: workflow.certify_title(db.session, user("teacher"), printout), "классный руководитель")
    workflow.certify_title(db.session, user("classteacher"), printout)
    workflow.certify_as_deputy(db.session, user("deputy"), printout)
    workflow.register(db.session, user("secretary"), printout, "СВ-1", sheet_count=printout.sheet_count)
    workflow.director_sign(db.session, user("director"), printout)
    workflow.seal(db.session, user("secretary"), printout)
    record = workflow.archive(db.session, user("secretary"), printout)
    db.session.commit()
    assert record.keep_until == date(2052, 5, 31) and record.kind == "final_marks"
    assert "Сводная ведомость итоговых отметок 5А" in record.title
    assert "Секретарь (рег. № СВ-1)" in text_of(printout.frozen_pdf)[-1]


def test_disposal_only_after_retention_by_an_act_and_the_record_stays(ctx, pinned_day):
    record = db.session.scalar(select(ArchiveRecord))
    refused(lambda: archive.dispose(db.session, user("secretary"), record, "Акт 1", "Приказ 5"),
            "до 31.05.2032 включительно", "01.06.2032")
    pinned_day(date(2032, 6, 1))
    refused(lambda: archive.dispose(db.session, user("deputy"), record, "Акт 1", "Приказ 5"), "секретарь или директор")
    refused(lambda: archive.dispose(db.session, user("secretary"), record, "", "Приказ 5"), "акта")
    refused(lambda: archive.dispose(db.session, user("secretary"), record, "Акт 1", " "), "приказ")
    archive.dispose(db.session, user("secretary"), record, "Акт № 3 от 01.06.2032", "Приказ № 41 от 25.05.2032")
    db.session.commit()
    db.session.expire_all()
    record = db.session.scalar(select(ArchiveRecord))
    assert record.disposed_on == date(2032, 6, 1) and record.disposed_by_id == user("secretary").id
    assert record.printout.frozen_pdf is None and record.printout.sha256  # the hash stays to check a copy by
    assert workflow.verify(db.session, number=record.register_number).printout.id == record.printout_id
    refused(lambda: archive.dispose(db.session, user("director"), record, "Акт 4", "Приказ 42"), "уже уничтожен")
    found = archive.Search(class_name="5 а", kind="journal", disposed=True).run(db.session)
    assert [r.id for r in found] == [record.id]
    assert archive.Search(year_id=record.school_year_id, disposed=False).run(db.session) == []


# ------------------------------------------------------------------ a batch with its progress


def wait_for_job(job_id, seconds=240):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(PrintJob, job_id)
        if job.state in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"print job {job_id} did not finish in {seconds} s")


def test_batch_of_a_period_runs_in_the_background_to_the_end(app, ctx, caplog):
    refused(lambda: jobs.start_batch(db.session, user("teacher"), q1()), "заместитель директора")
    refused(lambda: jobs.start_batch(db.session, user("deputy"), q2()), "после окончания")
    saved = app.config.get("PRINTOUT_WORKERS")
    app.config["PRINTOUT_WORKERS"] = 2  # the renderer's process pool, as on a school's server
    try:
        job = jobs.start_batch(db.session, user("deputy"), q1(), incomplete_ok=True)
        assert job.state == "pending" and job.total == 10
        db.session.commit()  # the commit starts it
        done = wait_for_job(job.id)
    finally:
        app.config["PRINTOUT_WORKERS"] = saved
    assert (done.state, done.done, done.total) == ("done", 10, 10), done.error
    assert done.error.startswith("5А: уже есть печатная форма")
    made = db.session.scalars(select(Printout).where(Printout.period_id == q1().id, Printout.retracted_at.is_(None),
                                                     Printout.generated_at >= done.created_at)).all()
    assert sorted(p.classgroup.name for p in made) == ["5Б", "6А", "6Б", "7А", "7Б", "8А", "8Б", "9А", "9Б"]
    assert all(p.state == "generated" and p.sheet_count > 1 and p.pdf for p in made)
    assert jobs.progress(done)["percent"] == 100
    assert "Пул печати" not in caplog.text  # drawn by the worker processes, not in this one after a failure


def test_batch_leaves_out_classes_without_final_marks_unless_told(app, ctx):
    clear_final_marks(q1())
    job = jobs.start_batch(db.session, user("deputy"), q1(), kind="final_marks")
    db.session.commit()
    done = wait_for_job(job.id)
    assert (done.state, done.done) == ("done", 10)
    assert done.error.count("не выставлено итоговых отметок") == 10
    assert db.session.scalar(select(Printout).where(Printout.kind == "final_marks")) is None


def a_job(state="running", total=10, created_at=None):
    job = PrintJob(period_id=q1().id, school_year_id=q1().school_year_id, kind="journal", state=state, total=total,
                   done=0, created_at=created_at or workflow.now())
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_that_died_does_not_block_the_next_batch(app, ctx):
    alive = a_job()  # started a moment ago: still running, still refusing a second batch
    refused(lambda: jobs.start_batch(db.session, user("deputy"), q1(), incomplete_ok=True), "уже выполняется")
    db.session.delete(db.session.get(PrintJob, alive.id))
    dead = a_job(created_at=workflow.now() - timedelta(days=2))
    dead_id = dead.id
    clear_final_marks(q1())  # every class is left out: the new job is over at once
    job = jobs.start_batch(db.session, user("deputy"), q1())
    db.session.commit()
    assert wait_for_job(job.id).state == "done"
    dead = db.session.get(PrintJob, dead_id)
    assert dead.state == "failed" and dead.finished_at is not None
    assert "задание прервалось" in dead.error and "запустите его ещё раз" in dead.error


def test_an_unexpected_error_in_one_class_is_noted_and_the_job_goes_on(ctx, monkeypatch):
    job = a_job(total=2)
    job_id = job.id

    def broken(*_args, **_kwargs):
        raise ValueError("connection reset")

    monkeypatch.setattr(workflow, "generate", broken)
    jobs._print_class(db.session, job_id, user("deputy"), classgroup("5Б"), q1(), "journal")
    db.session.expire_all()
    job = db.session.get(PrintJob, job_id)
    assert (job.state, job.done) == ("running", 1) and job.error == "5Б: ошибка: connection reset"
    jobs._print_class(db.session, job_id, user("deputy"), classgroup("6А"), q1(), "journal")
    db.session.expire_all()
    job = db.session.get(PrintJob, job_id)
    assert (job.state, job.done) == ("done", 2) and job.error.splitlines()[-1] == "6А: ошибка: connection reset"


def test_job_notes_keep_their_latest_lines(ctx):
    job_id = a_job().id
    for number in range(1, 61):
        jobs._note(db.session, job_id, f"строка {number:02d}: " + "х" * 30)
    jobs._note(db.session, job_id, "ошибка: последняя")
    db.session.expire_all()
    notes = db.session.get(PrintJob, job_id).error
    lines = notes.split("\n")
    assert len(notes) <= jobs.NOTES_MAX and lines[0] == "…" and lines[-1] == "ошибка: последняя"
    assert lines[-2] == "строка 60: " + "х" * 30 and "строка 01" not in notes
    assert all(line == "…" or line.startswith(("строка", "ошибка")) and len(line) in (41, 17) for line in lines)
    # A single line longer than the column keeps its beginning, within it.
    jobs._note(db.session, job_id, "9Б: " + "очень длинная ошибка " * 100)
    db.session.expire_all()
    notes = db.session.get(PrintJob, job_id).error
    assert len(notes) <= jobs.NOTES_MAX and notes.split("\n")[-1].startswith("9Б: очень длинная ошибка")


def test_batch_with_redis_runs_as_celery_tasks(databases):
    import redis
    from celery.contrib.testing.worker import start_worker

    from app import create_app
    from tests.conftest import settings_for

    url = "redis://127.0.0.1:6379/13"
    broker = redis.Redis.from_url(url)
    broker.flushdb()
    databases.restore()
    web = create_app(settings_for(databases.work_url, REDIS_URL=url))
    try:
        assert jobs.TASK in web.extensions["celery"].tasks
        with web.app_context():
            period = q1()
            job = jobs.start_batch(db.session, user("deputy"), period, incomplete_ok=True)
            db.session.commit()
            job_id = job.id
        with start_worker(web.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
            with web.app_context():
                done = wait_for_job(job_id)
        assert (done.state, done.done, done.total) == ("done", 10, 10)
        with web.app_context():
            assert db.session.scalar(select(db.func.count()).select_from(Printout).where(
                Printout.generated_at >= done.created_at)) == 9
    finally:
        with web.app_context():
            db.session.remove()
            db.engine.dispose()
        broker.flushdb()


# ------------------------------------------------------------------ the pages


def test_the_list_shows_each_person_what_awaits_them(client, app):
    with app.app_context():
        ids = {state: demo(state).id for state in STATES}
    expected = {
        "teacher": {"generated"}, "classteacher": {"generated", "teachers_signed"},
        "deputy": {"class_teacher_certified"}, "secretary": {"deputy_certified", "director_signed", "sealed"},
        "director": {"registered"},
    }
    for name, states in expected.items():
        client.get("/logout/")
        login(client, name)
        page = client.get("/printouts/").get_data(as_text=True)
        waiting = page.split("Все печатные формы")[0]
        shown = {state for state, pid in ids.items() if f'data-printout="{pid}"' in waiting}
        assert shown == states, (name, shown)


def test_families_have_no_printouts(client):
    for name in ("parent", "student"):
        client.get("/logout/")
        login(client, name)
        assert client.get("/printouts/").status_code in (302, 403)
        assert client.get("/printouts/archive/").status_code in (302, 403)


def test_a_teacher_sees_only_copies_with_their_sheets_or_of_their_class(client, app):
    with app.app_context():
        other = fresh_copy("9Б")
        staff = person_of_login("teacher").id
        teaches = any(s.teacher_id == staff for s in other.sheets)
        other_id, own_id = other.id, demo("generated").id
    login(client, "teacher")
    assert client.get(f"/printouts/{own_id}").status_code == 200
    assert client.get(f"/printouts/{other_id}").status_code == (200 if teaches else 404)
    assert client.get(f"/printouts/{other_id}/pdf").status_code == (200 if teaches else 404)


def whole_and_teachers_pages(printout_id, login_name):
    """The copy's pages as text, and the numbers (from 1) of the title's and this teacher's sheets."""
    printout = db.session.get(Printout, printout_id)
    whole = text_of(workflow.current_pdf(db.session, printout))
    db.session.commit()
    staff_id = person_of_login(login_name).id
    pages = sorted({page for s in printout.sheets if s.key == "title" or s.teacher_id == staff_id
                    for page in range(s.first_page, s.last_page + 1)})
    return whole, pages


def downloads(client, printout_id, login_name):
    """The PDF of the page and of the REST resource, as this person gets them."""
    client.get("/logout/")
    login(client, login_name)
    page = client.get(f"/printouts/{printout_id}/pdf")
    rest = client.get(f"/api/v1/printout/{printout_id}/pdf", headers=api_token(client, login_name))
    assert page.status_code == rest.status_code == 200 and page.mimetype == rest.mimetype == "application/pdf"
    return page.data, rest.data


def test_no_cache_keeps_a_printout_pdf(client, app):
    with app.app_context():
        printout_id = demo("archived").id
    login(client, "deputy")
    for res in (client.get(f"/printouts/{printout_id}/pdf"),
                client.get(f"/api/v1/printout/{printout_id}/pdf", headers=api_token(client, "deputy"))):
        assert res.status_code == 200 and res.headers.get("Cache-Control") == "private, no-store"


@pytest.mark.parametrize("state", ["generated", "archived"])
def test_a_subject_teacher_downloads_the_title_and_their_own_sheets(client, app, state):
    with app.app_context():
        printout = demo(state)
        printout_id, digest = printout.id, printout.sha256
        whole, mine = whole_and_teachers_pages(printout_id, "teacher")
        math = [number for number, text in enumerate(whole, start=1) if "Математика" in text]
        title_pages = range(sheet(printout, "title").first_page, sheet(printout, "title").last_page + 1)
    assert mine[0] == 1 and len(mine) < len(whole) and set(math) - set(title_pages)  # other subjects' sheets exist
    for data in downloads(client, printout_id, "teacher"):
        got = text_of(data)
        assert got == [whole[number - 1] for number in mine]  # each page as in the copy, «Лист N из M» too
        assert all("английский" in text.lower() for text in got[len(title_pages):])
        assert not any("Математика" in text for text in got[len(title_pages):])  # only the contents name it
        assert data == workflow.pages_of(workflow_pdf(app, printout_id), mine)  # the same bytes every time
    for name in ("classteacher", "deputy"):
        for data in downloads(client, printout_id, name):
            assert text_of(data) == whole
            if digest is not None:
                assert hashlib.sha256(data).hexdigest() == digest  # the register's hash is the whole copy's
    # The page says so beside the download.
    client.get("/logout/")
    login(client, "teacher")
    assert "титульный лист и ваши листы" in client.get(f"/printouts/{printout_id}").get_data(as_text=True)
    client.get("/logout/")
    login(client, "classteacher")
    assert "титульный лист и ваши листы" not in client.get(f"/printouts/{printout_id}").get_data(as_text=True)


def workflow_pdf(app, printout_id):
    with app.app_context():
        pdf = workflow.current_pdf(db.session, db.session.get(Printout, printout_id))
        db.session.commit()
        return pdf


def test_a_failed_drawing_is_said_in_russian_on_the_page_and_in_the_api(client, app, monkeypatch):
    with app.app_context():
        reopen_directly(q1())
        add_q1_mark("teacher", "5")  # the copy is drawn again when next opened
        printout_id = demo("generated").id

    def broken(*_args, **_kwargs):
        raise PrintoutError("Не удалось построить PDF (классный журнал): нет места на диске")

    monkeypatch.setattr(workflow, "_render", broken)
    login(client, "deputy")
    page = client.get(f"/printouts/{printout_id}")
    assert page.status_code == 200 and "нет места на диске" in page.get_data(as_text=True)
    pdf = client.get(f"/printouts/{printout_id}/pdf")
    assert pdf.status_code == 500 and pdf.mimetype == "text/html" and "нет места на диске" in pdf.get_data(as_text=True)
    rest = client.get(f"/api/v1/printout/{printout_id}/pdf", headers=api_token(client, "deputy"))
    assert rest.status_code == 500 and rest.json["message"].endswith("нет места на диске")


def test_a_period_that_does_not_exist_is_not_printed_as_the_year(client, app):
    with app.app_context():
        class_id = classgroup("5Б").id
        before = db.session.scalar(select(db.func.count()).select_from(Printout))
    login(client, "deputy")
    token = csrf_token(client, "/printouts/new")
    for period in ("999999", "", "abc"):
        res = client.post("/printouts/new", data={"classgroup": str(class_id), "period": period, "kind": "journal",
                                                  "incomplete_ok": "1", "csrf_token": token})
        assert res.status_code == 422 and "Выберите период." in res.get_data(as_text=True), period
    res = client.post("/printouts/new", data={"classgroup": str(class_id), "period": "year", "kind": "journal",
                                              "incomplete_ok": "1", "csrf_token": token})
    text = res.get_data(as_text=True)
    assert res.status_code == 422 and "за учебный год делается после его окончания" in text
    assert '<option value="year" selected' in text
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Printout)) == before


def test_signing_on_the_page_needs_the_csrf_token(client, app):
    with app.app_context():
        printout_id = demo("generated").id
    login(client, "teacher")
    url = f"/printouts/{printout_id}"
    assert client.post(f"{url}/step", data={"step": "sign"}).status_code == 400
    token = csrf_token(client, url)
    res = client.post(f"{url}/step", data={"step": "sign", "csrf_token": token}, follow_redirects=True)
    assert res.status_code == 200 and "Подписано листов: 2" in res.get_data(as_text=True)
    res = client.post(f"{url}/step", data={"step": "deputy", "csrf_token": token})
    assert res.status_code == 422 and "заместитель директора" in res.get_data(as_text=True)


def test_secretary_registers_on_the_page_and_a_refusal_keeps_what_was_typed(client, app):
    with app.app_context():
        printout = demo("deputy_certified")
        printout_id, sheets_count, taken = printout.id, printout.sheet_count, demo("registered").register_number
    login(client, "secretary")
    url = f"/printouts/{printout_id}"
    token = csrf_token(client, url)
    form = {"step": "register", "number": taken, "registered_on": "23.11.2026", "sheet_count": str(sheets_count),
            "csrf_token": token}
    res = client.post(f"{url}/step", data=form)
    text = res.get_data(as_text=True)
    assert res.status_code == 422 and "уже есть в реестре" in text and f'value="{taken}"' in text
    res = client.post(f"{url}/step", data={**form, "number": "ЭЖ-2026/777", "registered_on": "31.11.2026"})
    text = res.get_data(as_text=True)
    assert res.status_code == 422 and "Не удалось прочитать дату регистрации «31.11.2026»: дата пишется как ДД.ММ.ГГГГ" in text
    assert 'value="ЭЖ-2026/777"' in text and 'value="31.11.2026"' in text
    res = client.post(f"{url}/step", data={**form, "number": "ЭЖ-2026/777"}, follow_redirects=True)
    assert "Копия зарегистрирована: № ЭЖ-2026/777 от 23.11.2026" in res.get_data(as_text=True)
    pdf = client.get(f"{url}/pdf")
    assert pdf.mimetype == "application/pdf"
    with app.app_context():
        assert hashlib.sha256(pdf.data).hexdigest() == db.session.get(Printout, printout_id).sha256


def test_a_copy_is_registered_only_once_its_period_is_closed(client, app):
    with app.app_context():
        printout = demo("deputy_certified")
        printout_id, sheets_count = printout.id, printout.sheet_count
        reopen_directly(q1())
        refused(lambda: workflow.register(db.session, user("secretary"), printout, "ЭЖ-2026/900"),
                "«1 четверть» ещё не закрыт", "Закройте период")
    login(client, "secretary")
    url = f"/printouts/{printout_id}"
    page = client.get(url).get_data(as_text=True)
    assert "Период ещё не закрыт: копию регистрируют после закрытия" in page
    form = {"step": "register", "number": "ЭЖ-2026/900", "registered_on": "23.11.2026",
            "sheet_count": str(sheets_count), "csrf_token": csrf_token(client, url)}
    res = client.post(f"{url}/step", data=form)
    assert res.status_code == 422 and "ещё не закрыт" in res.get_data(as_text=True)
    with app.app_context():
        printout = db.session.get(Printout, printout_id)
        assert printout.register_number is None and printout.frozen_pdf is None
        # Closed by the administration, the same copy is registered.
        q1().closed = True
        db.session.commit()
    res = client.post(f"{url}/step", data=form, follow_redirects=True)
    assert "Копия зарегистрирована: № ЭЖ-2026/900" in res.get_data(as_text=True)


def test_a_period_with_a_registered_copy_does_not_reopen_on_its_form(client, app):
    with app.app_context():
        period_id, number = q1().id, demo("registered").register_number
    login(client, "deputy")
    url = f"/periodview/edit/{period_id}"
    form = {"school_year": "1", "kind": "quarter", "number": "1", "starts_on": "01.09.2026",
            "ends_on": "24.10.2026", "grade_from": "2", "grade_to": "9", "csrf_token": csrf_token(client, url)}
    text = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "Период не открывается" in text and number in text
    # The 2nd quarter, with nothing registered, is saved open: the box «Закрыт» left unticked.
    with app.app_context():
        assert db.session.get(Period, period_id).closed
        q2_id = q2().id
    url = f"/periodview/edit/{q2_id}"
    res = client.post(url, data={**form, "number": "2", "starts_on": "05.11.2026", "ends_on": "28.12.2026",
                                 "csrf_token": csrf_token(client, url)})
    assert res.status_code == 302
    with app.app_context():
        assert not db.session.get(Period, q2_id).closed


def test_verification_page_checks_an_uploaded_copy(client, app):
    with app.app_context():
        printout = demo("archived")
        number, frozen = printout.register_number, printout.frozen_pdf
    login(client, "teacher")
    token = csrf_token(client, "/printouts/verify")
    res = client.post("/printouts/verify", data={"number": number, "csrf_token": token,
                                                 "pdf": (io.BytesIO(frozen), "copy.pdf")},
                      content_type="multipart/form-data")
    text = res.get_data(as_text=True)
    assert res.status_code == 200 and "Совпадает" in text and number in text and "Не совпадает" not in text
    res = client.post("/printouts/verify", data={"number": number, "csrf_token": token,
                                                 "pdf": (io.BytesIO(frozen + b" "), "copy.pdf")},
                      content_type="multipart/form-data")
    assert "Не совпадает" in res.get_data(as_text=True)


def test_verification_page_hides_the_register_of_copies_one_may_not_open(client, app):
    with app.app_context():
        printout = registered_copy_of_a_class_not_taught_by("teacher")
        frozen, digest, name = printout.frozen_pdf, printout.sha256, printout.classgroup.name
    login(client, "teacher")
    token = csrf_token(client, "/printouts/verify")
    text = client.post("/printouts/verify", data={"number": "ЭЖ-2026/050", "csrf_token": token}).get_data(as_text=True)
    assert "Совпадает" in text and "register-data" not in text and digest not in text
    assert f"{name}," not in text and "Открыть печатную форму" not in text
    res = client.post("/printouts/verify", data={"number": "ЭЖ-2026/050", "csrf_token": token,
                                                 "pdf": (io.BytesIO(frozen + b" "), "copy.pdf")},
                      content_type="multipart/form-data")
    text = res.get_data(as_text=True)
    assert "Не совпадает" in text and "register-data" not in text and digest not in text
    client.get("/logout/")
    login(client, "deputy")
    token = csrf_token(client, "/printouts/verify")
    text = client.post("/printouts/verify", data={"number": "ЭЖ-2026/050", "csrf_token": token}).get_data(as_text=True)
    assert "register-data" in text and digest in text and "Открыть печатную форму" in text


def test_archive_register_page_searches_and_shows_retention(client, app):
    login(client, "deputy")
    page = client.get("/printouts/archive/?classgroup=5А&kind=journal").get_data(as_text=True)
    assert "Классный журнал 5А, 1 четверть 2026/2027" in page and "31.05.2032" in page
    assert "Записать уничтожение" not in page  # deputies read the register; its keepers write it
    assert "Классный журнал 5А" not in client.get("/printouts/archive/?classgroup=6Б").get_data(as_text=True)
    client.get("/logout/")
    login(client, "secretary")
    token = csrf_token(client, "/printouts/verify")  # nothing is disposable yet: the page has no form
    with app.app_context():
        record_id = db.session.scalar(select(ArchiveRecord.id))
    res = client.post(f"/printouts/archive/{record_id}/dispose", data={"act": "1", "order": "2", "csrf_token": token})
    assert res.status_code == 422 and "01.06.2032" in res.get_data(as_text=True)


def test_batch_page_polls_its_progress(client, app):
    login(client, "deputy")
    page = client.get("/printouts/batch/").get_data(as_text=True)
    assert "1 четверть" in page and "Сформировать для всех классов" in page
    with app.app_context():
        job = PrintJob(period_id=q1().id, school_year_id=q1().school_year_id, kind="journal", state="running",
                       total=10, done=4)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    assert client.get(f"/printouts/batch/?job={job_id}").status_code == 200
    progress = client.get(f"/printouts/batch/{job_id}.json").get_json()
    assert progress["done"] == 4 and progress["percent"] == 40 and progress["state_text"] == "идёт"
    client.get("/logout/")
    login(client, "director")  # reads the batches, starts none
    assert "Сформировать для всех классов" not in client.get("/printouts/batch/").get_data(as_text=True)
    token = csrf_token(client, "/printouts/verify")
    assert client.post("/printouts/batch/", data={"period": "1", "csrf_token": token}).status_code in (302, 403)


# ------------------------------------------------------------------ REST


@pytest.mark.parametrize("login_name, visible", [
    ("director", 8), ("deputy", 8), ("secretary", 8), ("admin", 8), ("teacher", 8), ("classteacher", 8),
])
def test_rest_lists_what_each_role_may_see(client, login_name, visible):
    res = client.get("/api/v1/printout/", headers=api_token(client, login_name))
    assert res.status_code == 200 and res.json["count"] == visible
    item = res.json["result"][0]
    assert set(item) >= {"id", "kind", "class", "period", "year", "state", "state_text", "stale", "sheet_count",
                         "register_number", "registered_on", "sha256", "sheets"}


@pytest.mark.parametrize("login_name", ["parent", "student"])
def test_rest_is_closed_to_families(client, login_name):
    assert client.get("/api/v1/printout/", headers=api_token(client, login_name)).status_code == 403


def test_rest_shows_signers_and_serves_the_frozen_pdf(client, app):
    with app.app_context():
        archived, generated = demo("archived"), demo("generated")
        archived_id, generated_id, digest = archived.id, generated.id, archived.sha256
        other_id = fresh_copy("9Б").id
        teaches = db.session.scalar(select(PrintoutSheet.id).where(
            PrintoutSheet.printout_id == other_id, PrintoutSheet.teacher_id == person_of_login("classteacher").id))
    headers = api_token(client, "classteacher")
    one = client.get(f"/api/v1/printout/{archived_id}", headers=headers).json["result"]
    assert one["class"]["name"] == "5А" and one["period"]["name"] == "1 четверть" and one["sha256"] == digest
    title = next(s for s in one["sheets"] if s["key"] == "title")
    assert title["signed_by"] == "Яковлева Наталья Юрьевна" or title["signed_by"].startswith("Яковлева")
    pdf = client.get(f"/api/v1/printout/{archived_id}/pdf", headers=headers)
    assert pdf.mimetype == "application/pdf" and hashlib.sha256(pdf.data).hexdigest() == digest
    current = client.get(f"/api/v1/printout/{generated_id}/pdf", headers=headers)
    assert current.status_code == 200 and current.data.startswith(b"%PDF")
    assert client.get(f"/api/v1/printout/{other_id}", headers=headers).status_code == (200 if teaches else 404)
    login(client, "classteacher")  # a browser session is not enough: the API wants its token
    assert client.get("/api/v1/printout/").status_code == 401


def test_openapi_spec_lists_the_printout_resource(client):
    spec = client.get("/api/v1/_openapi", headers=api_token(client, "admin")).get_json()
    paths = spec["paths"]
    assert set(paths["/api/v1/printout/"]) == {"get"}  # read-only: the steps are taken on the pages
    assert set(paths["/api/v1/printout/{pk}"]) == {"get"} and set(paths["/api/v1/printout/{pk}/pdf"]) == {"get"}
