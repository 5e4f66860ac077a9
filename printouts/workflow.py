"""The sign-off of a printed copy (004 §4 and «Права, ответственность»; 001 3.9.6, §5): rules, no HTTP.

A printout moves through printouts.models.STATES in order, each step by its own person:

    generated                 a deputy prints the class's journal (or summary sheet) of a period
      → teachers_signed         each subject teacher has signed every sheet of their subject
      → class_teacher_certified the class teacher has certified the title page
      → deputy_certified        a deputy has certified the copy and handed it to the secretary
      → registered              the secretary entered it in the register of strict-accountability
                                documents (number, date, sheets): the PDF is frozen with its SHA-256
      → director_signed         the director signed it
      → sealed                  the secretary put the school's seal on it
      → archived                the secretary filed it: an entry of the archive register (archive.py)

Every step and every refusal is a PrintoutStep row (who, when, why). A refusal sends the copy one
step back; after registration nothing goes back (the frozen PDF never changes), so the director's
refusal annuls the registered copy and a new one is printed.

Stale copies: a journal write flags the unregistered printouts of its class and period (`flag_stale`,
called from app/journal_entry.py's single audit point); the fingerprints of the sheets are compared
with the renderer's when the printout is opened or a step is taken (`refresh`), and a sheet whose data
changed loses its signature and waits to be signed again.

Callers commit; on RuleError they roll back, so a refused step stores nothing.
"""
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import event, false, or_, select, update
from sqlalchemy.orm import Session, defer, selectinload

from app.journal import FinalMark, Lesson
from app.people import Enrollment, Staff, Student
from app.rules import Conflict, NeedsConfirmation, RuleError, fmt_date, today
from app.structure import ClassGroup, Period, SchoolYear, TeachingAssignment, subgroup_student
from printouts.models import KINDS, STATES, TITLE_SHEET, Printout, PrintoutSheet, PrintoutStep
from security import policy
from security.roles import DEPUTY, DIRECTOR, SECRETARY

ORDER = tuple(STATES)
OPEN_STATES = ORDER[:ORDER.index("registered")]  # before the PDF is frozen
TITLE = TITLE_SHEET
# The sheet the class teacher certifies and the deputy's and secretary's lines are on: the journal's
# title page; the summary sheet of final marks is one sheet and certified as a whole.
COVER = {"journal": TITLE, "final_marks": "final_marks"}
REASON_MAX = 1000
NUMBER_MAX = 30

# What the history says of each step (PrintoutStep.step), taken and refused.
STEP_TEXT = {
    "generated": "сформировал(а) печатную форму",
    "signed": "подписал(а) лист",
    "paper_signed": "внёс(ла) подпись учителя с бумажной копии",
    "class_teacher_certified": "заверил(а) титульный лист как классный руководитель",
    "deputy_certified": "заверил(а) копию как заместитель директора",
    "registered": "зарегистрировал(а) копию в реестре",
    "director_signed": "подписал(а) копию как директор",
    "sealed": "заверил(а) копию печатью",
    "archived": "сдал(а) копию в архив",
    "stale": "данные листа изменились после подписи: лист ждёт подписи снова",
    "retracted": "печатная форма заменена новой",
    "disposed": "копия уничтожена по акту",
    "uncertified": "заверение снято",
}
REFUSED_TEXT = {
    "signed": "не подписал(а) лист",
    "class_teacher_certified": "вернул(а) лист учителю",
    "deputy_certified": "вернул(а) копию классному руководителю",
    "registered": "вернул(а) копию заместителю директора",
    "director_signed": "не подписал(а) копию: зарегистрированная копия аннулирована",
}

# The signature lines of the printed copy, as the renderer names their roles.
TEACHER_ROLE = "Учитель"
CLASS_TEACHER_ROLE = "Классный руководитель"
DEPUTY_ROLE = "Заместитель директора"
SECRETARY_ROLE = "Секретарь"
SHEET_ROLES = {"attendance": CLASS_TEACHER_ROLE}  # sheets a class teacher signs; others are a subject's

# Steps that move the whole printout: step → (the state it needs, the state it leaves); WHO says by whom.
TRANSITIONS = {
    "class_teacher_certified": ("teachers_signed", "class_teacher_certified"),
    "deputy_certified": ("class_teacher_certified", "deputy_certified"),
    "registered": ("deputy_certified", "registered"),
    "director_signed": ("registered", "director_signed"),
    "sealed": ("director_signed", "sealed"),
    "archived": ("sealed", "archived"),
}
TOO_EARLY = {
    "class_teacher_certified": "Титульный лист заверяют после того, как учителя подпишут все листы своих предметов.",
    "deputy_certified": "Заместитель директора заверяет копию после того, как классный руководитель заверит "
                        "титульный лист.",
    "registered": "Секретарь регистрирует копию после того, как её заверит заместитель директора.",
    "director_signed": "Директор подписывает копию после её регистрации в реестре.",
    "sealed": "Печать ставят после подписи директора.",
    "archived": "В архив сдаётся копия, заверенная печатью.",
}
ALREADY = {
    "class_teacher_certified": "Титульный лист уже заверен классным руководителем.",
    "deputy_certified": "Копия уже заверена заместителем директора.",
    "registered": "Копия уже зарегистрирована в реестре.",
    "director_signed": "Директор уже подписал копию.",
    "sealed": "Копия уже заверена печатью.",
    "archived": "Копия уже в архиве.",
}


class StaleCopy(RuleError):
    """The journal changed under signed sheets: the step is not taken, the sheets wait for signing."""


class IncompleteFinalMarks(NeedsConfirmation):
    """Some students lack a final mark of the period: listed in `missing`, the deputy decides."""

    def __init__(self, message, missing):
        super().__init__(message, "incomplete_ok")
        self.missing = missing


class DuplicatePrintout(NeedsConfirmation):
    """The class already has a printout of this kind and period in the sign-off."""


def now():
    """The school's clock: today() (pinned by JOURNAL_TODAY in tests and the demo) at this time
    of day, so that the dates under the signatures and in the register agree with each other."""
    return datetime.combine(today(), datetime.now().time())


# ------------------------------------------------------------------ who is acting


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    staff_id: int | None
    roles: frozenset

    def has(self, role):
        return role in self.roles


def actor_of(user):
    if user is None or not getattr(user, "id", None) or policy.is_student_account(user):
        return Actor(None, None, frozenset())
    return Actor(user.id, policy.person_of(user).staff_id, frozenset(policy.role_names(user)))


def _require_role(actor, role, message):
    if not actor.has(role):
        raise RuleError(message, "step")


def _require_class_teacher(actor, printout):
    teacher = printout.classgroup.class_teacher
    if teacher is None:
        raise RuleError(f"У класса {printout.classgroup.name} нет классного руководителя: назначьте его, "
                        "чтобы заверить титульный лист.", "step")
    if actor.staff_id != teacher.id:
        raise RuleError(f"Титульный лист {printout.classgroup.name} заверяет его классный руководитель — "
                        f"{teacher.full_name}.", "step")


WHO = {
    "class_teacher_certified": _require_class_teacher,
    "deputy_certified": lambda actor, _p: _require_role(
        actor, DEPUTY, "Бумажную копию заверяет заместитель директора (004 §4.4)."),
    "registered": lambda actor, _p: _require_role(
        actor, SECRETARY, "Копию регистрирует в реестре документов строгой отчётности секретарь."),
    "director_signed": lambda actor, _p: _require_role(
        actor, DIRECTOR, "Бумажную копию подписывает директор школы (001 3.9.6)."),
    "sealed": lambda actor, _p: _require_role(actor, SECRETARY, "Печатью копию заверяет секретарь."),
    "archived": lambda actor, _p: _require_role(actor, SECRETARY, "В архив копию сдаёт секретарь."),
}


# ------------------------------------------------------------------ reading a printout


def index_of(state):
    return ORDER.index(state)


def is_frozen(printout):
    return printout.register_number is not None or index_of(printout.state) >= index_of("registered")


def load(session, printout_id, user=None):
    """The printout with its sheets and history, or None (also when `user` may not see it)."""
    # The PDFs are read only to be downloaded: a page of the sign-off does not carry them.
    statement = select(Printout).where(Printout.id == printout_id).options(
        defer(Printout.pdf), defer(Printout.frozen_pdf),
        selectinload(Printout.sheets).selectinload(PrintoutSheet.teacher), selectinload(Printout.steps),
        selectinload(Printout.classgroup).selectinload(ClassGroup.class_teacher),
        selectinload(Printout.period), selectinload(Printout.school_year))
    if user is not None:
        statement = statement.where(policy.visible_printouts(user))
    return session.scalar(statement)


def title_of(printout):
    """«Классный журнал 5А, 1 четверть 2026/2027 учебного года»."""
    what = KINDS.get(printout.kind, printout.kind)
    when = printout.period.title if printout.period is not None else "учебный год"
    return f"{what[0].upper()}{what[1:]} {printout.classgroup.name}, {when} {printout.school_year.name}"


def cover_key(printout):
    return COVER.get(printout.kind, TITLE)


def cover(printout):
    return next((s for s in printout.sheets if s.key == cover_key(printout)), None)


def signable(printout):
    """The sheets teachers sign: every sheet but the cover, which the class teacher certifies."""
    return [sheet for sheet in printout.sheets if sheet.key != cover_key(printout)]


def unsigned(printout):
    return [sheet for sheet in signable(printout) if sheet.signed_by_id is None]


def names_of(session, user_ids):
    """{login id: Фамилия Имя Отчество} of the people behind these logins, in one statement."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.first_name, User.last_name, Staff.last_name, Staff.first_name,
                                  Staff.middle_name).outerjoin(Staff, Staff.user_id == User.id)
                           .where(User.id.in_(ids))).all()
    return {row[0]: " ".join(p for p in row[3:] if p) if row[3] else f"{row[2]} {row[1]}".strip() for row in rows}


def short_names_of(session, user_ids):
    """{login id: Фамилия И.О.}: the name under a signature line."""
    names = {}
    for user_id, full in names_of(session, user_ids).items():
        last, *rest = full.split()
        names[user_id] = f"{last} {''.join(p[0] + '.' for p in rest)}".strip()
    return names


# ------------------------------------------------------------------ final marks a period lacks


@dataclass
class MissingMarks:
    subject: str
    teacher: str
    students: list  # Фамилия Имя Отчество, in class-list order


def missing_final_marks(session, classgroup, period=None):
    """Which students lack which subject's final mark of the period (of the year when `period` is
    None): students of the class on the period's last day, in the groups a subject is taught in."""
    year = classgroup.school_year
    students = _students_on(session, classgroup, period.ends_on if period is not None else year.ends_on)
    ids = [s.id for s in students]
    given = _final_marks_given(session, ids, year, period)
    members = _group_members(session, ids)
    missing = []
    assignments = session.scalars(select(TeachingAssignment).where(TeachingAssignment.classgroup_id == classgroup.id)
                                  .options(selectinload(TeachingAssignment.subject),
                                           selectinload(TeachingAssignment.teacher)).order_by(TeachingAssignment.id))
    for assignment in assignments:
        group = assignment.subgroup_id
        taught = [s for s in students if group is None or s.id in members.get(group, ())]
        lacking = [s.full_name for s in taught if (s.id, assignment.subject_id) not in given]
        if lacking:
            missing.append(MissingMarks(assignment.subject.name, assignment.teacher.full_name, lacking))
    return missing


def _students_on(session, classgroup, day):
    return session.scalars(select(Student).join(Enrollment, Enrollment.student_id == Student.id).where(
        Enrollment.classgroup_id == classgroup.id, Enrollment.starts_on <= day,
        Enrollment.ends_on.is_(None) | (Enrollment.ends_on >= day))
        .order_by(Student.last_name, Student.first_name, Student.middle_name)).all()


def _final_marks_given(session, student_ids, year, period):
    """{(student id, subject id)} with a final mark of the period (of the year: kind «year»)."""
    if not student_ids:
        return set()
    same_period = FinalMark.period_id == period.id if period is not None else FinalMark.period_id.is_(None)
    return set(session.execute(select(FinalMark.student_id, FinalMark.subject_id).where(
        FinalMark.student_id.in_(student_ids), FinalMark.school_year_id == year.id, same_period,
        FinalMark.kind == ("period" if period is not None else "year"), FinalMark.retracted_at.is_(None))).all())


def _group_members(session, student_ids):
    members = {}
    if student_ids:
        rows = session.execute(select(subgroup_student.c.subgroup_id, subgroup_student.c.student_id)
                               .where(subgroup_student.c.student_id.in_(student_ids)))
        for group_id, student_id in rows:
            members.setdefault(group_id, set()).add(student_id)
    return members


def missing_text(missing):
    count = sum(len(m.students) for m in missing)
    return f"не выставлено итоговых отметок: {count} (предметов: {len({m.subject for m in missing})})"


# ------------------------------------------------------------------ generating


def check_period(classgroup, period):
    """A printout is made after the period (or the school year) has ended (004 §4: on the holidays)."""
    year = classgroup.school_year
    if period is None:
        if year.ends_on >= today():
            raise RuleError(f"Печатная форма за учебный год делается после его окончания "
                            f"({fmt_date(year.ends_on)}).", "period")
        return
    if period.school_year_id != year.id:
        raise RuleError("Период из другого учебного года, чем класс.", "period")
    if not period.grade_from <= classgroup.grade <= period.grade_to:
        raise RuleError(f"Период «{period.title}» не относится к {classgroup.grade}-м классам.", "period")
    if period.ends_on >= today():
        raise RuleError(f"Печатная форма за {period.title} делается после окончания периода "
                        f"({fmt_date(period.ends_on)}), в каникулы.", "period")


WHOLE_YEAR = "year"  # the form's value for a copy of the whole school year


def chosen_period(session, period_id, whole_year=False):
    """The period a copy is asked for; None (the school year) only when the year is asked for
    explicitly: a period id that names nothing is refused, not printed as the whole year."""
    if whole_year:
        return None
    period = session.get(Period, period_id) if period_id else None
    if period is None:
        raise RuleError("Выберите период.", "period")
    return period


def active_printouts(session, classgroup_id, period_id, kind):
    return session.scalars(select(Printout).where(
        Printout.classgroup_id == classgroup_id, Printout.kind == kind, Printout.retracted_at.is_(None),
        Printout.period_id == period_id if period_id is not None else Printout.period_id.is_(None))
        .order_by(Printout.id)).all()


def generate(session, user, classgroup, period=None, kind="journal", incomplete_ok=False, duplicate_ok=False,
             replace=False, rendered=None):
    """A deputy prints a class's journal (or summary sheet of final marks) for a period, or the year.

    Missing final marks raise IncompleteFinalMarks (with the list) unless `incomplete_ok`: the
    deputy decides. A printout already in the sign-off raises DuplicatePrintout unless `replace`
    (the old one is retracted and stays on record) or `duplicate_ok`. `rendered`: the copy
    already drawn by the renderer (a batch draws in parallel processes)."""
    actor = actor_of(user)
    _require_role(actor, DEPUTY, "Печатные формы журнала формирует заместитель директора (004 §4, 2-й день каникул).")
    if kind not in KINDS:
        raise RuleError("Вид печатной формы: классный журнал или сводная ведомость итоговых отметок.", "kind")
    check_period(classgroup, period)
    missing = missing_final_marks(session, classgroup, period)
    if missing and not incomplete_ok:
        raise IncompleteFinalMarks(
            f"Итоговые отметки {classgroup.name} за {period.title if period else 'учебный год'} выставлены не всем: "
            f"{missing_text(missing)}. Проверьте список; сформировать копию всё равно можно.", missing)
    _supersede(session, actor, classgroup, period, kind, replace, duplicate_ok)
    printout = Printout(kind=kind, classgroup=classgroup, school_year=classgroup.school_year, period=period,
                        state="generated", stale=False, version=1, sheet_count=0, generated_by_id=actor.user_id,
                        generated_at=now())
    session.add(printout)
    session.flush()
    _render_into(session, printout, rendered)
    _step(session, printout, actor, "generated", reason=missing_text(missing) if missing else "")
    _settle_teachers(printout)
    return printout


def _supersede(session, actor, classgroup, period, kind, replace, duplicate_ok):
    """Another copy of the same class, period and kind: asked about unless the deputy said
    «ещё одну» (`duplicate_ok`) or «взамен» (`replace`: the copies still in the sign-off are
    retracted and stay on record; registered ones are documents and stay as they are)."""
    existing = active_printouts(session, classgroup.id, period.id if period else None, kind)
    in_work = [p for p in existing if not is_frozen(p)]
    if replace:
        for old in in_work:
            old.retracted_at = now()
            old.version += 1
            _step(session, old, actor, "retracted")
        return
    if existing and not duplicate_ok:
        first = existing[-1]
        raise DuplicatePrintout(
            f"{title_of(first)} уже есть: копий — {len(existing)}, последняя сформирована "
            f"{fmt_date(first.generated_at)} (сейчас: {first.state_text}). Откройте её или сформируйте ещё одну "
            "копию.", "duplicate_ok")


# ------------------------------------------------------------------ rendering (the renderer's interface)


def school_name():
    if has_app_context():
        return current_app.config.get("SCHOOL_NAME") or current_app.config.get("APP_NAME", "")
    return ""


def _builder(kind):
    """The renderer of a kind of printout (printouts/class_journal.py, printouts/final_marks.py)."""
    if kind == "final_marks":
        from printouts.final_marks import build_final_marks

        return build_final_marks
    from printouts.class_journal import build_class_journal

    return build_class_journal


def _render(session, printout, signatures=None):
    """The renderer's document of this printout: `.pdf` and `.sheets` [Sheet(key, title,
    fingerprint, first_page, last_page, teacher_id)], with `signatures` {sheet key: [(role, name,
    date)]} printed in the signature blocks."""
    return _builder(printout.kind)(session, printout.classgroup_id, printout.period_id, school_name=school_name(),
                                   signatures=signatures or {})


def fingerprints(session, printout):
    """{sheet key: fingerprint} of the data the sheets would show now, read with the renderer's own
    functions without drawing anything. The journal's title page is left out: its contents depend
    on the drawing (the registration, which draws the whole copy, compares it too).

    Read once a transaction for a class, period and kind: this transaction's own journal writes
    forget them (flag_stale), and the transaction sees nothing else change that it would not
    anyway see only after its end."""
    known = session.info.setdefault(_FINGERPRINTS, {})
    key = (printout.kind, printout.classgroup_id, printout.period_id)
    if key not in known:
        known[key] = _read_fingerprints(session, printout)
    return known[key]


def _read_fingerprints(session, printout):
    school = school_name()
    if printout.kind == "final_marks":
        from printouts import final_marks, sheets

        model, signers, _teacher = final_marks.final_marks_model(session, printout.classgroup_id,
                                                                 printout.period_id, school)
        return {"final_marks": sheets.fingerprint(model, signers)}  # as build_final_marks computes it
    from printouts import class_journal

    journal = class_journal.read_class_journal(session, printout.classgroup_id, printout.period_id)
    return {plan.key: plan.fingerprint for plan in class_journal.journal_plans(journal, school)}


def changed_sheets(session, printout):
    """Keys of the sheets whose data is not what the stored copy shows (or that came or went)."""
    now = fingerprints(session, printout)
    stored = {sheet.key: sheet.fingerprint for sheet in printout.sheets if sheet.key != TITLE}
    return sorted(key for key in now.keys() | stored.keys() if now.get(key) != stored.get(key))


def _render_into(session, printout, rendered=None):
    """Render with the signatures so far and keep the result as the current PDF. A sheet whose data
    changed loses its signature; then it is drawn again without it. Returns the keys that lost one."""
    lost = []
    for _attempt in range(2):
        result = rendered or _render(session, printout, signatures(session, printout))
        rendered = None
        changed = _sync_sheets(session, printout, result.sheets)
        lost += changed
        if not changed:
            break
    printout.pdf = result.pdf
    printout.sheet_count = _page_count(result)
    printout.stale = False
    return lost, result


def _page_count(result):
    count = getattr(result, "sheet_count", None)
    if count:
        return count
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(result.pdf)).pages)


def _sync_sheets(session, printout, built):
    """Make the stored sheets the renderer's: pages, titles, fingerprints. A signed sheet whose
    fingerprint changed (or that is gone) loses its signature, and the history says so."""
    stored = {sheet.key: sheet for sheet in printout.sheets}
    class_teacher_id = printout.classgroup.class_teacher_id
    teacher_ids = {sheet.teacher_id or class_teacher_id for sheet in built} - {None}
    teachers = {s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_(teacher_ids)))} if teacher_ids else {}
    lost = []
    for sheet in built:
        row = stored.pop(sheet.key, None)
        if row is None:
            row = PrintoutSheet(key=sheet.key, printout=printout)
            session.add(row)
        elif row.fingerprint != sheet.fingerprint and row.signed_by_id is not None:
            _unsign(session, printout, row, "stale", None, "")
            lost.append(row.key)
        row.title = sheet.title[:300]
        row.fingerprint = sheet.fingerprint
        row.first_page, row.last_page = sheet.first_page, sheet.last_page
        # Sheets of no subject teacher (attendance, the summary sheet, the title) are the class teacher's.
        row.teacher = teachers.get(sheet.teacher_id or class_teacher_id)
    for row in stored.values():
        if row.signed_by_id is not None:
            lost.append(row.key)
            _step(session, printout, None, "stale", sheet_key=row.key, reason="лист больше не входит в копию")
        printout.sheets.remove(row)
        session.delete(row)
    if lost:
        _fall_back(session, printout, lost)
    return lost


def _unsign(session, printout, sheet, step, actor, reason, refused=False):
    sheet.signed_by_id = sheet.signed_at = sheet.signed_fingerprint = None
    _step(session, printout, actor, step, sheet_key=sheet.key, reason=reason, refused=refused)


def _fall_back(session, printout, lost_keys):
    """Sheets lost their signatures: the copy goes back to where they are signed again, and every
    certification made above them is void. The history says so: a certification never disappears
    without a trace (the sheets' own «stale» steps tell only which signatures went)."""
    before, title = printout.state, cover(printout)
    certified = title is not None and title.signed_by_id is not None
    if certified:
        title.signed_by_id = title.signed_at = title.signed_fingerprint = None
    if any(key != cover_key(printout) for key in lost_keys):
        printout.state = "generated"
    elif index_of(printout.state) > index_of("teachers_signed"):
        printout.state = "teachers_signed"
    printout.pdf = None
    if certified or index_of(before) > index_of("teachers_signed"):
        _step(session, printout, None, "uncertified", sheet_key=title.key if certified else None,
              reason=f"заверение снято: данные листов изменились (было: {STATES[before]}; "
                     f"стало: {printout.state_text})")


def signatures(session, printout):
    """{sheet key: [(role, Фамилия И.О., date)]} of the signatures given so far, for the renderer."""
    steps = {step.step: step for step in printout.steps if not step.refused}  # the latest of each
    users = [s.signed_by_id for s in printout.sheets] + [s.user_id for s in steps.values()]
    names = short_names_of(session, users)
    given, first = {}, cover_key(printout)
    for sheet in printout.sheets:
        if sheet.signed_by_id is None:
            continue
        if sheet.key == first:
            given.setdefault(first, []).append((CLASS_TEACHER_ROLE, names.get(sheet.signed_by_id, ""),
                                                sheet.signed_at.date()))
        else:
            # The teacher's own name, also when a deputy recorded a paper signature for them.
            name = sheet.teacher.short_name if sheet.teacher is not None else names.get(sheet.signed_by_id, "")
            role = SHEET_ROLES.get(sheet.key, TEACHER_ROLE)
            given.setdefault(sheet.key, []).append((role, name, sheet.signed_at.date()))
    if index_of(printout.state) >= index_of("deputy_certified") and "deputy_certified" in steps:
        step = steps["deputy_certified"]
        given.setdefault(first, []).append((DEPUTY_ROLE, names.get(step.user_id, ""), step.at.date()))
    if printout.register_number is not None and "registered" in steps:
        # The register number on the paper is what a copy is later checked by (verify()).
        given.setdefault(first, []).append((f"{SECRETARY_ROLE} (рег. № {printout.register_number})",
                                            names.get(steps["registered"].user_id, ""), printout.registered_on))
    return given


# ------------------------------------------------------------------ stale detection


def flag_stale(session, lesson_id=None, item=None):
    """Called from the journal's single audit point for every write: flag the printouts in the
    sign-off that show this lesson (or this final mark) as stale, in one UPDATE.

    Nothing is run for data of a day not yet past: printouts are made only after their period
    has ended, so today's lessons and this period's final marks are on none of them."""
    if lesson_id is not None:
        lesson = session.get(Lesson, lesson_id)  # in the session already: the writer loaded it
        if lesson is None or lesson.date >= today():
            return
        # Every period containing the day (quarters and half-years overlap): the class's is among them.
        periods = select(Period.id).where(Period.starts_on <= lesson.date, Period.ends_on >= lesson.date)
        which = (Printout.classgroup_id == lesson.classgroup_id) & (
            Printout.period_id.is_(None) | Printout.period_id.in_(periods))
    elif isinstance(item, FinalMark):
        period = session.get(Period, item.period_id) if item.period_id else None
        year = session.get(SchoolYear, item.school_year_id)
        if (period.ends_on if period is not None else year.ends_on) >= today():
            return
        classes = select(Enrollment.classgroup_id).where(Enrollment.student_id == item.student_id)
        shown_in = (Printout.period_id.is_(None) | (Printout.period_id == item.period_id)) if period is not None \
            else Printout.period_id.is_(None)
        which = Printout.classgroup_id.in_(classes) & (Printout.school_year_id == item.school_year_id) & shown_in
    else:
        return
    session.info.pop(_FINGERPRINTS, None)
    session.execute(update(Printout).where(which, Printout.state.in_(OPEN_STATES), Printout.retracted_at.is_(None),
                                           Printout.stale.is_(False)).values(stale=True),
                    execution_options={"synchronize_session": False})


def refresh(session, printout):
    """Compare the sheets with the journal as it is now (done when the printout is opened and
    before every step): the copy is drawn again, and a signed sheet whose data changed loses its
    signature. A frozen printout never changes. Returns the keys of the sheets that lost their
    signatures; the caller commits."""
    if printout.retracted_at is not None or is_frozen(printout):
        return []
    changed = changed_sheets(session, printout)
    if not changed and not printout.stale:
        return []
    if not _hold(session, printout):
        return []  # somebody is taking a step on it: that step compares the sheets itself
    if not changed:
        printout.stale = False  # written to and back, or nothing printed changed
        return []
    lost, _result = _render_into(session, printout)
    return lost


def _hold(session, printout):
    """Claim the printout for this transaction unless it already is; False if another just did."""
    if printout.id in session.info.get(_CLAIMED, ()):
        return True
    try:
        _claim(session, printout, None)
    except Conflict:
        return False
    return True


# ------------------------------------------------------------------ taking a step


def _claim(session, printout, version):
    """Take the printout for this step. `version` is what the person saw (None: what was read
    now): two people taking one step at once, the second finds the version moved on."""
    seen = printout.version if version is None else version
    if isinstance(seen, bool) or not isinstance(seen, int):
        raise RuleError("Версия печатной формы — целое число.", "version")
    claimed = session.execute(update(Printout).where(Printout.id == printout.id, Printout.version == seen)
                              .values(version=seen + 1), execution_options={"synchronize_session": False}).rowcount
    if not claimed:
        raise Conflict("Печатную форму только что изменил другой пользователь (подписал лист или сделал шаг). "
                       "Обновите страницу и проверьте, что осталось сделать.", "version")
    # The state as it is now that the row is ours (locked until the commit); the PDFs when next read.
    session.refresh(printout, attribute_names=list(_CHECKED))
    session.expire(printout, ["pdf", "frozen_pdf", "sheets", "steps"])
    session.info.setdefault(_CLAIMED, set()).add(printout.id)


_CLAIMED = "printouts.claimed"  # Session.info: printouts this transaction holds
_FINGERPRINTS = "printouts.fingerprints"  # Session.info: fingerprints read in this transaction
_CHECKED = ("state", "stale", "version", "register_number", "registered_on", "sha256", "retracted_at", "sheet_count")


@event.listens_for(Session, "after_transaction_end")
def _forget_claims(session, transaction):
    if transaction.parent is None:
        session.info.pop(_CLAIMED, None)
        session.info.pop(_FINGERPRINTS, None)


def _check_open(printout):
    if printout.retracted_at is not None:
        raise RuleError(f"Эта печатная форма заменена или аннулирована {fmt_date(printout.retracted_at)}: "
                        "шаги по ней больше не делают.", "step")


def _check_fresh(session, printout):
    """Before a step on an unregistered copy: the journal still shows what was signed."""
    lost = refresh(session, printout)
    if lost:
        titles = [s.title for s in printout.sheets if s.key in lost]
        raise StaleCopy("Данные журнала изменились после подписи: листы «" + "», «".join(titles) + "» снова ждут "
                        "подписи учителей. Шаг не сделан.", "step")


def _step(session, printout, actor, step, sheet_key=None, reason="", refused=False):
    row = PrintoutStep(printout=printout, step=step, sheet_key=sheet_key, user_id=actor.user_id if actor else None,
                       at=now(), refused=refused, reason=reason or "")
    session.add(row)
    return row


def _transition(session, user, printout, step, version=None, check_fresh=True):
    """A step that moves the whole printout one state on, by its person and in its order."""
    actor = actor_of(user)
    _claim(session, printout, version)
    _check_open(printout)
    WHO[step](actor, printout)
    needs, leaves = TRANSITIONS[step]
    _check_order(printout, step, needs)
    if check_fresh and printout.state in OPEN_STATES:
        _check_fresh(session, printout)
    printout.state = leaves
    return actor


def _check_order(printout, step, needs):
    if printout.state == needs:
        return
    if index_of(printout.state) > index_of(needs):
        raise RuleError(f"{ALREADY[step]} Сейчас: {printout.state_text}.", "step")
    message = TOO_EARLY[step]
    if step == "class_teacher_certified":
        message += " Не подписаны: " + "; ".join(f"«{s.title}» ({s.teacher.full_name if s.teacher else '—'})"
                                                 for s in unsigned(printout)) + "."
    raise RuleError(f"{message} Сейчас: {printout.state_text}.", "step")


def _settle_teachers(printout):
    """Every sheet signed (or none to sign): the teachers' step is done."""
    if printout.state == "generated" and not unsigned(printout):
        printout.state = "teachers_signed"


# ---- the teachers


def sign_sheets(session, user, printout, keys=None, version=None):
    """A subject teacher signs sheets of their subjects (`keys`; None: all of theirs still unsigned),
    against the fingerprint of the data each shows. Returns the sheets signed."""
    actor = actor_of(user)
    _claim(session, printout, version)
    _check_open(printout)
    if actor.staff_id is None:
        raise RuleError("Листы подписывают учителя: у вашей учётной записи нет карточки сотрудника.", "step")
    _check_signing_time(printout)
    _check_fresh(session, printout)
    mine = [s for s in signable(printout) if s.teacher_id == actor.staff_id]
    if keys is None:
        wanted = [s for s in mine if s.signed_by_id is None]
        if not wanted:
            raise RuleError("Ваших неподписанных листов в этой копии нет.", "step")
    else:
        wanted = [_own_sheet(printout, actor, key) for key in keys]
    signed_at = now()
    for sheet in wanted:
        _put_signature(session, printout, sheet, actor, signed_at, "signed")
    _settle_teachers(printout)
    return wanted


def record_paper_signature(session, user, printout, keys=None, version=None):
    """A deputy records the signatures that teachers without a login to the journal put on the paper
    copy (`keys`; None: every unsigned sheet of such teachers): each sheet shows its teacher's name,
    the history who recorded it. A teacher with a login signs in the journal themself."""
    actor = actor_of(user)
    _claim(session, printout, version)
    _check_open(printout)
    _require_role(actor, DEPUTY, "Подпись с бумажной копии вносит заместитель директора.")
    _check_signing_time(printout)
    _check_fresh(session, printout)
    if keys is None:
        wanted = [s for s in unsigned(printout) if not _signs_in_journal(s.teacher)]
        if not wanted:
            raise RuleError("Неподписанных листов учителей без учётной записи нет.", "sheet")
    else:
        wanted = [_paper_sheet(printout, key) for key in keys]
    signed_at = now()
    for sheet in wanted:
        _put_signature(session, printout, sheet, actor, signed_at, "paper_signed")
    _settle_teachers(printout)
    return wanted


def _signs_in_journal(teacher):
    return teacher is not None and teacher.user_id is not None and teacher.is_active


def _paper_sheet(printout, key):
    sheet = _sheet(printout, key)
    if sheet.key == cover_key(printout):
        raise RuleError("Титульный лист (и сводную ведомость) заверяет классный руководитель сам.", "sheet")
    if _signs_in_journal(sheet.teacher):
        raise RuleError(f"{sheet.teacher.full_name} подписывает лист «{sheet.title}» в журнале сам: у учителя есть "
                        "учётная запись.", "sheet")
    if sheet.signed_by_id is not None:
        raise RuleError(f"Лист «{sheet.title}» уже подписан.", "sheet")
    return sheet


def _check_signing_time(printout):
    if printout.state in ("generated", "teachers_signed"):
        return
    raise RuleError(f"Листы уже подписаны и копия передана дальше (сейчас: {printout.state_text}). Чтобы исправить "
                    "лист, копию возвращают с указанием причины.", "step")


def _sheet(printout, key):
    sheet = next((s for s in printout.sheets if s.key == key), None)
    if sheet is None:
        raise RuleError("В этой копии нет такого листа.", "sheet")
    return sheet


def _own_sheet(printout, actor, key):
    sheet = _sheet(printout, key)
    if sheet.key == cover_key(printout):
        raise RuleError("Титульный лист (и сводную ведомость) заверяет классный руководитель: это следующий шаг.",
                        "sheet")
    if sheet.teacher_id != actor.staff_id:
        owner = sheet.teacher.full_name if sheet.teacher is not None else "учитель предмета"
        raise RuleError(f"Лист «{sheet.title}» подписывает {owner}: учитель подписывает только листы своих "
                        "предметов.", "sheet")
    if sheet.signed_by_id is not None:
        raise RuleError(f"Лист «{sheet.title}» уже подписан {fmt_date(sheet.signed_at)}.", "sheet")
    return sheet


def _put_signature(session, printout, sheet, actor, signed_at, step):
    sheet.signed_by_id, sheet.signed_at, sheet.signed_fingerprint = actor.user_id, signed_at, sheet.fingerprint
    _step(session, printout, actor, step, sheet_key=sheet.key)
    printout.pdf = None  # drawn again with the signature when next downloaded


# ---- the class teacher, the deputy, the secretary, the director


def certify_title(session, user, printout, version=None):
    """The class teacher certifies the title page (004 §4.3), after every sheet is signed."""
    actor = _transition(session, user, printout, "class_teacher_certified", version)
    title = cover(printout)
    if title is not None:
        title.signed_by_id, title.signed_at, title.signed_fingerprint = actor.user_id, now(), title.fingerprint
    _step(session, printout, actor, "class_teacher_certified", sheet_key=title.key if title is not None else None)
    printout.pdf = None
    return printout


def certify_as_deputy(session, user, printout, version=None):
    """A deputy certifies the checked copy and hands it to the secretary (004 §4.4)."""
    actor = _transition(session, user, printout, "deputy_certified", version)
    _step(session, printout, actor, "deputy_certified")
    printout.pdf = None
    return printout


@dataclass
class Registration:
    """What the secretary enters in the register: validate() checks it, run() registers and freezes."""

    session: object
    user: object
    printout: Printout
    number: str
    registered_on: object = None
    sheet_count: int | None = None
    version: int | None = None

    def validate(self):
        self.number = " ".join((self.number or "").split())
        if not self.number:
            raise RuleError("Укажите регистрационный номер.", "number")
        if len(self.number) > NUMBER_MAX:
            raise RuleError(f"Регистрационный номер — не длиннее {NUMBER_MAX} знаков.", "number")
        self.registered_on = self.registered_on or today()
        if self.registered_on > today():
            raise RuleError("Дата регистрации не может быть позже сегодняшнего дня.", "registered_on")
        if self.registered_on < self.printout.generated_at.date():
            raise RuleError("Дата регистрации не может быть раньше, чем копия сформирована "
                            f"({fmt_date(self.printout.generated_at)}).", "registered_on")
        if self.sheet_count is not None and (isinstance(self.sheet_count, bool) or not isinstance(self.sheet_count, int)
                                             or self.sheet_count < 1):
            raise RuleError("Число листов — целое число больше нуля.", "sheet_count")
        taken = self.session.scalar(select(Printout).where(Printout.register_number == self.number,
                                                           Printout.id != self.printout.id))
        if taken is not None:
            raise RuleError(f"Номер {self.number} уже есть в реестре: {title_of(taken)}, "
                            f"от {fmt_date(taken.registered_on)}. Укажите другой номер.", "number")
        return self

    def run(self):
        printout, session = self.printout, self.session
        if printout.register_number is not None:
            raise RuleError(f"Копия уже зарегистрирована: № {printout.register_number} от "
                            f"{fmt_date(printout.registered_on)}.", "number")
        # The drawing below compares the sheets with the journal itself.
        actor = _transition(session, self.user, printout, "registered", self.version, check_fresh=False)
        _check_closed(printout)
        printout.register_number, printout.registered_on = self.number, self.registered_on
        step = _step(session, printout, actor, "registered")
        result = _render(session, printout, signatures(session, printout))
        if _sync_sheets(session, printout, result.sheets):  # the journal changed under the signatures
            raise StaleCopy("Данные журнала изменились после подписи: листы снова ждут подписи. Копия не "
                            "зарегистрирована.", "step")
        pages = _page_count(result)
        if self.sheet_count is not None and self.sheet_count != pages:
            raise RuleError(f"В копии {pages} лист(ов), а указано {self.sheet_count}: пересчитайте листы.",
                            "sheet_count")
        printout.pdf = printout.frozen_pdf = result.pdf
        printout.sha256 = hashlib.sha256(result.pdf).hexdigest()
        printout.sheet_count, printout.stale = pages, False
        step.reason = f"№ {self.number} от {fmt_date(self.registered_on)}, листов: {pages}"
        return printout


def _check_closed(printout):
    """The frozen copy has to stay the journal's true copy: its period (or year) is closed first, and
    the journal refuses every write in a closed period, corrections included (app/journal_entry.py)."""
    period, year = printout.period, printout.school_year
    if period is not None and not period.closed:
        raise RuleError(f"Период «{period.title}» ещё не закрыт: пока он открыт, отметки под подписями могут "
                        "измениться. Закройте период («Структура школы → Учебные периоды»), затем "
                        "зарегистрируйте копию.", "step")
    if period is None and not year.closed:
        raise RuleError(f"{year} ещё не закрыт: копию за год регистрируют после закрытия года.", "step")


def register(session, user, printout, number, registered_on=None, sheet_count=None, version=None):
    """The secretary registers the copy (number, date, number of sheets) and its PDF is frozen:
    drawn once more with every signature so far and the register number, kept with its SHA-256."""
    return Registration(session, user, printout, number, registered_on, sheet_count, version).validate().run()


def suggest_register_number(session, printout):
    """The next free number of the form «ЭЖ-2026/007» (the secretary may type another)."""
    prefix = f"ЭЖ-{printout.school_year.starts_on.year}/"
    taken = set(session.scalars(select(Printout.register_number).where(Printout.register_number.startswith(prefix))))
    number = len(taken) + 1
    while f"{prefix}{number:03d}" in taken:
        number += 1
    return f"{prefix}{number:03d}"


def director_sign(session, user, printout, version=None):
    """The director signs the registered copy (001 3.9.6; 004 «Права, ответственность», Директор б)."""
    actor = _transition(session, user, printout, "director_signed", version)
    _step(session, printout, actor, "director_signed")
    return printout


def seal(session, user, printout, version=None):
    actor = _transition(session, user, printout, "sealed", version)
    _step(session, printout, actor, "sealed")
    return printout


def archive(session, user, printout, version=None):
    """The secretary files the sealed copy: an entry of the archive register with its retention."""
    from printouts.archive import file_record

    actor = _transition(session, user, printout, "archived", version)
    _step(session, printout, actor, "archived")
    return file_record(session, printout)


# ---- sending it back

# Where a refusal sends the copy. A registered copy goes nowhere: its PDF is frozen, so the
# director's refusal annuls it instead.
BACK = {"class_teacher_certified": "teachers_signed", "deputy_certified": "class_teacher_certified"}


def refuse(session, user, printout, reason, sheet_key=None, version=None):
    """The person whose step is due sends the copy one step back, with a reason:
    a teacher does not sign their sheet; the class teacher returns a sheet to its teacher; a deputy
    returns the copy to the class teacher, the secretary to the deputy. The director's refusal of a
    registered copy annuls it (its frozen PDF stays as it is): a new copy is printed."""
    actor = actor_of(user)
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleError("Укажите причину возврата.", "reason")
    if len(reason) > REASON_MAX:
        raise RuleError(f"Причина — не длиннее {REASON_MAX} знаков.", "reason")
    _claim(session, printout, version)
    _check_open(printout)
    state = printout.state
    if state in ("generated", "teachers_signed"):
        if sheet_key is None:
            raise RuleError("Укажите лист, который нужно исправить.", "sheet")
        return _refuse_sheet(session, actor, printout, sheet_key, reason)
    if state not in BACK and state != "registered":
        raise RuleError(f"На этом этапе ({printout.state_text}) копию не возвращают.", "step")
    step = ORDER[index_of(state) + 1]
    WHO[step](actor, printout)
    if state == "registered":
        printout.retracted_at = now()
    else:
        printout.state = BACK[state]
        if state == "class_teacher_certified":
            title = cover(printout)
            if title is not None:
                title.signed_by_id = title.signed_at = title.signed_fingerprint = None
        printout.pdf = None
    _step(session, printout, actor, step, reason=reason, refused=True)
    return printout


def _refuse_sheet(session, actor, printout, key, reason):
    """A teacher declines their own sheet, or the class teacher returns one to its teacher."""
    sheet = _sheet(printout, key)
    if sheet.key == cover_key(printout):
        raise RuleError("Титульный лист (и сводную ведомость) не возвращают учителю: их заверяет классный "
                        "руководитель.", "sheet")
    class_teacher = printout.classgroup.class_teacher_id
    by_class_teacher = printout.state == "teachers_signed" and actor.staff_id is not None and \
        actor.staff_id == class_teacher
    if not by_class_teacher and sheet.teacher_id != actor.staff_id:
        who = sheet.teacher.full_name if sheet.teacher is not None else "учитель предмета"
        raise RuleError(f"Лист «{sheet.title}» проверяет {who}; вернуть его может он сам или классный "
                        "руководитель, когда все листы подписаны.", "sheet")
    step = "class_teacher_certified" if by_class_teacher and sheet.teacher_id != actor.staff_id else "signed"
    _unsign(session, printout, sheet, step, actor, reason, refused=True)
    printout.state = "generated"
    printout.pdf = None
    return printout


# ------------------------------------------------------------------ what awaits whom


def awaiting(user):
    """Printouts whose next step is this person's (a condition on Printout)."""
    actor = actor_of(user)
    conditions = []
    if actor.staff_id is not None:
        conditions.append((Printout.state == "generated") & Printout.sheets.any(
            (PrintoutSheet.teacher_id == actor.staff_id) & PrintoutSheet.key.notin_(list(COVER.values()))
            & PrintoutSheet.signed_by_id.is_(None)))
        conditions.append((Printout.state == "teachers_signed") & Printout.classgroup_id.in_(
            select(ClassGroup.id).where(ClassGroup.class_teacher_id == actor.staff_id)))
    if actor.has(DEPUTY):
        conditions.append(Printout.state == "class_teacher_certified")
    if actor.has(SECRETARY):
        conditions.append(Printout.state.in_(("deputy_certified", "director_signed", "sealed")))
    if actor.has(DIRECTOR):
        conditions.append(Printout.state == "registered")
    if not conditions:
        return false()
    return Printout.retracted_at.is_(None) & or_(*conditions)


def actions_for(printout, user):
    """What this person may do with the printout now: {"sign": [sheet keys], "paper": [...],
    "step": step name or None, "refuse": bool, "replace": bool}."""
    actor = actor_of(user)
    result = {"sign": [], "paper": [], "step": None, "refuse": False, "refuse_sheets": [], "replace": False}
    if printout.retracted_at is not None:
        return result
    state = printout.state
    if state in ("generated", "teachers_signed"):
        mine = [s for s in signable(printout) if actor.staff_id and s.teacher_id == actor.staff_id]
        result["sign"] = [s.key for s in mine if s.signed_by_id is None]
        result["refuse_sheets"] = [s.key for s in mine]
        if actor.has(DEPUTY):
            result["paper"] = [s.key for s in unsigned(printout) if not _signs_in_journal(s.teacher)]
        if state == "teachers_signed" and actor.staff_id and actor.staff_id == printout.classgroup.class_teacher_id:
            result["refuse_sheets"] = [s.key for s in signable(printout)]
    if state in OPEN_STATES and actor.has(DEPUTY):
        result["replace"] = True
    following = ORDER[index_of(state) + 1] if state != ORDER[-1] else None
    if following in WHO:
        try:
            WHO[following](actor, printout)
        except RuleError:
            return result
        result["step"] = following
        result["refuse"] = state in ("class_teacher_certified", "deputy_certified", "registered")
    return result


# ------------------------------------------------------------------ the current PDF


def current_pdf(session, printout):
    """The PDF to download: the frozen one once registered; before, the current rendering with the
    signatures so far (drawn again when a signature or the data changed since)."""
    if printout.frozen_pdf is not None:
        return printout.frozen_pdf
    if is_frozen(printout):
        return None  # disposed of: the register keeps its hash, not its bytes
    refresh(session, printout)
    if printout.pdf is None and _hold(session, printout):
        _render_into(session, printout)
    return printout.pdf if printout.pdf is not None else _render(session, printout, signatures(session, printout)).pdf


@dataclass
class Download:
    """The PDF a person downloads: `whole` says it is the copy itself (whose SHA-256 the register
    keeps), not the pages of it this person may see."""

    pdf: bytes | None
    whole: bool = True


def sees_whole_copy(session, printout, user):
    """Whether this person downloads the whole copy, not only the title and their own sheets."""
    return session.scalar(select(PrintoutSheet.id).where(
        PrintoutSheet.printout_id == printout.id, ~policy.visible_printout_sheets(user)).limit(1)) is None


def pdf_for(session, printout, user):
    """The current PDF (current_pdf) cut to the sheets this person may see (policy.
    visible_printout_sheets): a subject teacher gets the title page and their own sheets, not the
    other subjects' marks. The cut pages keep their «Лист N из M» of the whole copy."""
    data = current_pdf(session, printout)
    if data is None:
        return Download(None)
    # Read after current_pdf: drawing the copy again may have moved the sheets' pages.
    ranges = session.execute(select(PrintoutSheet.id, PrintoutSheet.first_page, PrintoutSheet.last_page)
                             .where(PrintoutSheet.printout_id == printout.id)).all()
    shown = set(session.scalars(select(PrintoutSheet.id).where(PrintoutSheet.printout_id == printout.id,
                                                               policy.visible_printout_sheets(user))))
    if shown >= {sheet_id for sheet_id, _first, _last in ranges}:
        return Download(data)
    pages = sorted({page for sheet_id, first, last in ranges if sheet_id in shown for page in range(first, last + 1)})
    return Download(pages_of(data, pages), whole=False)


def pages_of(pdf, pages):
    """A PDF of these pages (numbered from 1) of `pdf`, in order. Deterministic: pypdf writes no
    date and no random file identifier, so the same pages give the same bytes."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for page in pages:
        if 1 <= page <= len(reader.pages):
            writer.add_page(reader.pages[page - 1])
    kept = ("/Title", "/Producer", "/Creator")
    writer.add_metadata({key: value for key, value in (reader.metadata or {}).items() if key in kept})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ------------------------------------------------------------------ checking a paper copy


@dataclass
class Verification:
    matches: bool
    message: str
    printout: Printout | None = None
    sha256: str | None = None  # of the uploaded file or typed


def verify(session, number=None, pdf=None, sha256=None, user=None):
    """Check a copy against the register: by its number (and the PDF file or its SHA-256, when
    given), or by the PDF file alone. «совпадает» means the register has this document and its
    stored hash is what the copy hashes to. With `user`, the register's details (class, period,
    sheets, state, hash) come only with a copy this person may open (policy.visible_printouts);
    for any other the answer is only «совпадает» or «не совпадает»."""
    result = _verify(session, number, pdf, sha256)
    if user is None or result.printout is None or _may_open(session, user, result.printout):
        return result
    return _undisclosed(result)


def _may_open(session, user, printout):
    return session.scalar(select(Printout.id).where(Printout.id == printout.id,
                                                    policy.visible_printouts(user))) is not None


def _undisclosed(result):
    """The same answer without the register's details (numbers can be tried one by one)."""
    if result.matches:
        message = "файл совпадает с зарегистрированной копией." if result.sha256 else "номер есть в реестре."
    else:
        message = "документ не совпадает с записанным в реестре."
    return Verification(result.matches, message.capitalize(), None, result.sha256)


def _verify(session, number, pdf, sha256):
    number = " ".join((number or "").split()) or None
    digest = hashlib.sha256(pdf).hexdigest() if pdf else (sha256 or "").strip().lower() or None
    if number is None and digest is None:
        raise RuleError("Введите регистрационный номер или выберите файл PDF копии.", "number")
    if number is not None:
        printout = session.scalar(select(Printout).where(Printout.register_number == number))
        if printout is None:
            return Verification(False, f"Номера {number} в реестре нет.", None, digest)
    else:
        printout = session.scalar(select(Printout).where(Printout.sha256 == digest))
        if printout is None:
            return Verification(False, "Такого документа в реестре нет: файл не совпадает ни с одной "
                                       "зарегистрированной копией.", None, digest)
    if digest is not None and digest != printout.sha256:
        return Verification(False, f"Файл не совпадает с документом № {printout.register_number}: его SHA-256 "
                                   "другой.", printout, digest)
    if printout.frozen_pdf is not None and hashlib.sha256(printout.frozen_pdf).hexdigest() != printout.sha256:
        return Verification(False, "Хранимый PDF повреждён: его SHA-256 не совпадает с записанным при регистрации.",
                            printout, digest)
    what = "файл совпадает с" if digest is not None else "номер есть в реестре:"
    return Verification(True, f"Совпадает: {what} {title_of(printout)}, № {printout.register_number} от "
                              f"{fmt_date(printout.registered_on)}, листов: {printout.sheet_count}.", printout, digest)
