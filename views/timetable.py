"""Timetable pages: the deputy's editor (a class's week), a teacher's week, the morning page
of absences and substitutions, the changes sheet, lesson generation and the reports.

Thin, like every view: forms are read here and handed to the rules of app/timetable.py;
a refusal is shown beside the form with what was typed kept. Who may do what is
security/policy.py (may_keep_timetable and the visible_* conditions).
"""
from datetime import date, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField, StringField, TimeField
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget

from app import timetable as tt
from app.extensions import db
from app.journal import Lesson
from app.people import Staff
from app.rules import RuleError, today
from app.structure import ClassGroup, SchoolYear, Subject, TeachingAssignment
from security import policy
from views.base import CheckedModelView, JournalModelView, LoadingInterface, MAX_ID, acting_user, arg_day, date_field, form_date
from views.base import pdf_response

READ_PAGES = ("index", "class_week", "teacher_week", "my_week", "day", "sheet")
WRITE_PAGES = ("add_slot", "change_slot", "close_slot", "add_absence", "substitute", "generate")
PERMISSIONS = {**{name: "read" for name in READ_PAGES}, **{name: "write" for name in WRITE_PAGES}}


# ------------------------------------------------------------------ reading what a form sent


def form_int(name, label, low, high, required=True):
    text = (request.form.get(name) or "").strip()
    if not text and not required:
        return None
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        raise RuleError(f"{label}: число от {low} до {high}.", name)
    return int(text)


def form_row(model, name, label, required=True):
    """The row a select sent, or a RuleError naming the field (never a new row)."""
    text = (request.form.get(name) or "").strip()
    if not text and not required:
        return None
    row = db.session.get(model, int(text)) if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID else None
    if row is None:
        raise RuleError(f"{label}: выберите из списка.", name)
    return row


def _writer():
    return policy.journal_writer(acting_user())


def _commit(write, success):
    """Run a rule and commit; on a refusal roll back and say why. True when saved."""
    try:
        write()
        db.session.commit()
        flash(success, "success")
        return True
    except RuleError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return False


# ------------------------------------------------------------------ the pages


class TimetableView(BaseView):
    route_base = "/timetable"
    class_permission_name = "Timetable"
    method_permission_name = PERMISSIONS
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        classes = db.session.scalars(select(ClassGroup).join(ClassGroup.school_year)
                                     .where(SchoolYear.is_current.is_(True))
                                     .order_by(ClassGroup.grade, ClassGroup.letter)).all()
        teachers = db.session.scalars(select(Staff).where(policy.active_staff(), Staff.id.in_(
            select(TeachingAssignment.teacher_id))).order_by(Staff.last_name, Staff.first_name)).all()
        return self.render_template("timetable_index.html", classes=classes, teachers=teachers,
                                    keeps=policy.may_keep_timetable(_writer()), today=today())

    # ---- a class's week: the editor -------------------------------------------------

    @expose("/class/<int:classgroup_id>")
    @has_access
    def class_week(self, classgroup_id, typed=None):
        classgroup = db.session.get(ClassGroup, classgroup_id)
        if classgroup is None:
            abort(404)
        day = arg_day()
        week = tt.read_week(db.session, day, classgroup_id=classgroup_id)
        return self.render_template(
            "timetable_week.html", week=week, classgroup=classgroup, staff=None, day=day,
            keeps=policy.may_keep_timetable(_writer()), hours=tt.class_hours(db.session, classgroup_id, day),
            weekdays=tt.WEEKDAYS, typed=typed or {}, shift=classgroup.shift or 1)

    @expose("/class/<int:classgroup_id>/slot", methods=["POST"])
    @has_access
    def add_slot(self, classgroup_id):
        def write():
            assignment = form_row(TeachingAssignment, "assignment", "Предмет и учитель")
            if assignment.classgroup_id != classgroup_id:
                raise RuleError("Предмет и учитель: выберите из списка этого класса.", "assignment")
            return tt.add_slot(db.session, assignment, form_int("weekday", "День недели", 1, 6),
                               form_int("number", "Номер урока", 0, 12), form_date("valid_from", "дату начала"),
                               room=(request.form.get("room") or "").strip()[:20] or None)

        return self._edit_class(classgroup_id, write, "Урок поставлен в расписание.")

    @expose("/slot/<int:slot_id>/change", methods=["POST"])
    @has_access
    def change_slot(self, slot_id):
        slot = self._slot(slot_id)

        def write():
            changes = {"weekday": form_int("weekday", "День недели", 1, 6),
                       "number": form_int("number", "Номер урока", 0, 12),
                       "room": (request.form.get("room") or "").strip()[:20] or None}
            return tt.change_slot(db.session, slot, form_date("from_day", "дату, с которой урок меняется"), **changes)

        return self._edit_class(slot.assignment.classgroup_id, write, "Расписание изменено.")

    @expose("/slot/<int:slot_id>/close", methods=["POST"])
    @has_access
    def close_slot(self, slot_id):
        slot = self._slot(slot_id)
        return self._edit_class(slot.assignment.classgroup_id,
                                lambda: tt.close_slot(db.session, slot, form_date("last_day", "последний день")),
                                "Урок снят с расписания.")

    def _slot(self, slot_id):
        slot = db.session.get(tt.TimetableSlot, slot_id)
        if slot is None:
            abort(404)
        return slot

    def _edit_class(self, classgroup_id, write, success):
        """Only deputies and the director edit the timetable; a refused change keeps the form."""
        if not policy.may_keep_timetable(_writer()):
            abort(403)
        if _commit(write, success):
            return redirect(url_for("TimetableView.class_week", classgroup_id=classgroup_id,
                                    day=request.args.get("day", "")))
        return self.class_week(classgroup_id, typed=request.form), 422

    # ---- a teacher's week ------------------------------------------------------------

    @expose("/teacher/<int:staff_id>")
    @has_access
    def teacher_week(self, staff_id):
        staff = db.session.get(Staff, staff_id)
        if staff is None:
            abort(404)
        day = arg_day()
        week = tt.read_week(db.session, day, staff_id=staff_id)
        return self.render_template("timetable_week.html", week=week, classgroup=None, staff=staff, day=day,
                                    keeps=False, hours=None, weekdays=tt.WEEKDAYS, typed={}, shift=1)

    @expose("/my")
    @has_access
    def my_week(self):
        person = policy.person_of(acting_user())
        if person.staff is None:
            flash("Личное расписание есть у сотрудников школы.", "info")
            return redirect(url_for("TimetableView.index"))
        return redirect(url_for("TimetableView.teacher_week", staff_id=person.staff.id,
                                day=request.args.get("day", "")))

    # ---- the morning: absences and substitutions of a day ------------------------------

    @expose("/day")
    @has_access
    def day(self, typed=None):
        day = arg_day()
        keeps = policy.may_keep_timetable(_writer())
        uncovered = tt.uncovered_lessons(db.session, day).get(day, []) if keeps else []
        return self.render_template(
            "timetable_day.html", day=day, keeps=keeps, changes=tt.day_changes(db.session, day),
            uncovered=uncovered, offers={lesson.id: tt.offered_teachers(db.session, lesson) for lesson in uncovered},
            same_time=_same_time(uncovered), absences=_absences_on(day) if keeps else [],
            staff=_staff_choices() if keeps else [], subjects=_subjects() if keeps else [],
            kinds=tt.SUBSTITUTION_KINDS, absence_kinds=tt.ABSENCE_KINDS, school_day=tt.is_school_day(db.session, day),
            typed=typed or {}, versions={lesson.id: 0 for lesson in uncovered})

    @expose("/absence", methods=["POST"])
    @has_access
    def add_absence(self):
        def write():
            staff = form_row(Staff, "staff", "Учитель")
            tt.add_teacher_absence(db.session, _writer(), staff, form_date("starts_on", "первый день"),
                                   form_date("ends_on", "последний день"), kind=request.form.get("kind") or "",
                                   note=request.form.get("note") or "")

        return self._edit_day(write, "Отсутствие отмечено: уроки учителя — в списке «Не замещены».")

    @expose("/lesson/<int:lesson_id>/substitute", methods=["GET", "POST"])
    @has_access
    def substitute(self, lesson_id):
        lesson = db.session.scalar(select(Lesson).where(Lesson.id == lesson_id).options(*tt._LESSON_LOAD))
        if lesson is None:
            abort(404)
        if not policy.may_keep_timetable(_writer()):
            abort(403)
        if request.method == "POST":
            def write():
                kind = request.form.get("kind") or ""
                tt.substitute(db.session, _writer(), lesson_id, kind,
                              substitute=form_row(Staff, "substitute", "Кто заменяет", required=kind in ("teacher", "subject")),
                              subject=form_row(Subject, "subject", "Предмет", required=kind == "subject"),
                              merged_with=form_row(Lesson, "merged_with", "С каким уроком", required=kind == "merge"),
                              note=request.form.get("note") or "",
                              version=form_int("version", "Версия", 0, MAX_ID))

            if _commit(write, "Замена записана."):
                return redirect(url_for("TimetableView.day", day=lesson.date.isoformat()))
            status = 422
        else:
            status = 200
        current = tt.current_substitution(db.session, lesson.id)
        return self.render_template(
            "timetable_substitute.html", lesson=lesson, current=current,
            version=tt.substitution_version(db.session, lesson.id), offers=tt.offered_teachers(db.session, lesson),
            same_time=_same_time([lesson]).get(lesson.id, []), subjects=_subjects(), kinds=tt.SUBSTITUTION_KINDS,
            typed=request.form if request.method == "POST" else {}), status

    def _edit_day(self, write, success):
        if not policy.may_keep_timetable(_writer()):
            abort(403)
        if _commit(write, success):
            return redirect(url_for("TimetableView.day", day=request.args.get("day", "")))
        return self.day(typed=request.form), 422

    @expose("/day/sheet.pdf")
    @has_access
    def sheet(self):
        from printouts.changes_sheet import changes_sheet_pdf

        day = arg_day()
        pdf = changes_sheet_pdf(db.session, day, _school_name())
        return pdf_response(pdf, f"zameny-{day.isoformat()}")

    # ---- lessons from the timetable ---------------------------------------------------

    @expose("/generate", methods=["GET", "POST"])
    @has_access
    def generate(self):
        if not policy.may_keep_timetable(_writer()):
            abort(403)
        result, status = None, 200
        if request.method == "POST":
            holder = {}

            def write():
                holder["result"] = tt.generate_lessons(db.session, _writer(), form_date("start", "первый день"),
                                                       form_date("end", "последний день"))

            if _commit(write, "Уроки созданы по расписанию."):
                result = holder["result"]
            else:
                status = 422
        return self.render_template("timetable_generate.html", result=result, typed=request.form,
                                    today=today()), status


class TimetableReportView(BaseView):
    """Substitution hours per teacher per month (the basis of their pay) and uncovered lessons."""

    route_base = "/timetable/reports"
    class_permission_name = "TimetableReport"
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        first = _month_arg()
        last = _next_month(first) - timedelta(days=1)
        hours = tt.substitution_hours(db.session, first.year, first.month)
        uncovered = tt.uncovered_lessons(db.session, first, min(last, today()))
        return self.render_template("timetable_reports.html", month=first, hours=hours,
                                    total=sum(h.lessons for h in hours), uncovered=uncovered,
                                    months=_months_of_year(), month_names=MONTHS)


MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
          "ноябрь", "декабрь")


def _month_arg():
    text = request.args.get("month", "")
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return today().replace(day=1)


def _months_of_year():
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
    if year is None:
        return []
    months, day = [], year.starts_on.replace(day=1)
    while day <= year.ends_on:
        months.append(day)
        day = _next_month(day)
    return months


def _next_month(first):
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _school_name():
    from flask import current_app

    return current_app.config.get("SCHOOL_NAME") or current_app.config.get("APP_NAME", "")


def _absences_on(day):
    return db.session.scalars(select(tt.TeacherAbsence).where(
        tt.TeacherAbsence.starts_on <= day, tt.TeacherAbsence.ends_on >= day)
        .options(joinedload(tt.TeacherAbsence.staff)).order_by(tt.TeacherAbsence.starts_on)).all()


def _staff_choices():
    return db.session.scalars(select(Staff).where(policy.active_staff())
                              .order_by(Staff.last_name, Staff.first_name, Staff.middle_name)).all()


def _subjects():
    return db.session.scalars(select(Subject).order_by(Subject.name)).all()


def _same_time(lessons):
    """For each lesson, the other lessons held at the same date and number (merge targets),
    in one statement for the whole list."""
    if not lessons:
        return {}
    keys = {(lesson.date, lesson.number) for lesson in lessons}
    days = {d for d, _ in keys}
    others = db.session.scalars(select(Lesson).where(Lesson.date.in_(days), Lesson.cancelled.isnot(True))
                                .options(*tt._LESSON_LOAD).order_by(Lesson.number, Lesson.classgroup_id)).all()
    by_time = {}
    for other in others:
        if (other.date, other.number) in keys:
            by_time.setdefault((other.date, other.number), []).append(other)
    return {lesson.id: [o for o in by_time.get((lesson.date, lesson.number), []) if o.id != lesson.id]
            for lesson in lessons}


# ------------------------------------------------------------------ records pages (FAB)


def optional_note():
    """The note is optional (FAB would require it: the column is NOT NULL with an empty default)."""
    return StringField("Примечание", filters=[lambda v: (v or "").strip()])


LABELS = {
    "shift": "Смена", "number": "№ урока", "starts_at": "Начало", "ends_at": "Конец", "times_text": "Время",
    "date": "Дата", "kind": "Вид", "kind_text": "Вид", "as_weekday": "Занятия как в", "note": "Примечание",
    "staff": "Учитель", "starts_on": "С", "ends_on": "По", "lesson": "Урок", "substitute": "Кто заменяет",
    "subject": "Предмет", "merged_with": "Объединён с", "created_at": "Записано", "closed_at": "Заменено другой",
    "version": "Версия",
}


class BellView(CheckedModelView):
    datamodel = LoadingInterface(tt.Bell)
    rule = tt.check_bell
    class_permission_name = "Bell"
    list_title = "Расписание звонков"
    add_title = edit_title = "Звонок"
    list_columns = ["shift", "number", "times_text"]
    add_columns = edit_columns = ["shift", "number", "starts_at", "ends_at"]
    show_columns = ["shift", "number", "times_text"]
    base_order = ("number", "asc")
    label_columns = LABELS
    search_columns = ["shift", "number"]
    add_form_extra_fields = edit_form_extra_fields = {
        "shift": SelectField("Смена", choices=[(1, "первая"), (2, "вторая")], coerce=int),
        "starts_at": TimeField("Начало (ЧЧ:ММ)", widget=BS3TextFieldWidget(), render_kw={"placeholder": "08:30"}),
        "ends_at": TimeField("Конец (ЧЧ:ММ)", widget=BS3TextFieldWidget(), render_kw={"placeholder": "09:15"})}



class CalendarDayView(CheckedModelView):
    datamodel = LoadingInterface(tt.CalendarDay)
    rule = tt.check_calendar_day
    class_permission_name = "CalendarDay"
    list_title = "Календарь учебного года: каникулы, праздники, перенесённые дни"
    add_title = edit_title = "День календаря"
    list_columns = ["date", "kind_text", "as_weekday", "note"]
    add_columns = edit_columns = show_columns = ["date", "kind", "as_weekday", "note"]
    search_columns = ["date", "kind"]
    base_order = ("date", "asc")
    label_columns = LABELS
    add_form_extra_fields = edit_form_extra_fields = {
        "date": date_field("Дата", required=True),
        "kind": SelectField("Вид", choices=list(tt.CALENDAR_KINDS.items())),
        "as_weekday": SelectField("Занятия как в (для рабочего дня)", choices=[("", "—")] + [
            (str(k), v) for k, v in tt.WEEKDAYS.items()], coerce=lambda v: int(v) if v else None),
        "note": optional_note()}



class TeacherAbsenceView(JournalModelView):
    datamodel = LoadingInterface(tt.TeacherAbsence, load=[joinedload(tt.TeacherAbsence.staff)])
    class_permission_name = "TeacherAbsence"
    row_policy = policy.visible_teacher_absences
    related_policies = {"staff": lambda user: policy.active_staff()}
    list_title = "Отсутствие учителей"
    add_title = edit_title = "Отсутствие учителя"
    list_columns = ["staff", "kind_text", "starts_on", "ends_on", "note"]
    show_columns = list_columns + ["created_at"]
    add_columns = edit_columns = ["staff", "kind", "starts_on", "ends_on", "note"]
    search_columns = ["staff", "kind", "starts_on", "ends_on"]
    base_order = ("starts_on", "desc")
    label_columns = LABELS
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField("Причина", choices=list(tt.ABSENCE_KINDS.items())),
        "starts_on": date_field("Первый день", required=True), "ends_on": date_field("Последний день", required=True),
        "note": optional_note()}

    def create(self, item):
        absence = tt.add_teacher_absence(db.session, _writer(), item.staff, item.starts_on, item.ends_on,
                                         kind=item.kind, note=item.note or "")
        item.id = absence.id

    def update(self, item):
        if not policy.may_keep_timetable(_writer()):
            raise RuleError("Отсутствие учителей отмечает заместитель директора или директор.", "staff")
        tt.check_teacher_absence(db.session, item)


class SubstitutionView(JournalModelView):
    """The record of every substitution, replaced ones included: read-only (a change is a new one)."""

    datamodel = LoadingInterface(tt.Substitution, load=[
        joinedload(tt.Substitution.lesson).joinedload(Lesson.subject),
        joinedload(tt.Substitution.lesson).joinedload(Lesson.classgroup),
        joinedload(tt.Substitution.lesson).joinedload(Lesson.subgroup),
        joinedload(tt.Substitution.substitute), joinedload(tt.Substitution.subject),
        joinedload(tt.Substitution.merged_with).joinedload(Lesson.subject),
        joinedload(tt.Substitution.merged_with).joinedload(Lesson.classgroup),
        joinedload(tt.Substitution.merged_with).joinedload(Lesson.subgroup)])
    class_permission_name = "Substitution"
    row_policy = policy.visible_substitutions
    list_title = "Замены уроков"
    show_title = "Замена"
    list_columns = ["lesson", "kind_text", "substitute", "subject", "note", "created_at", "closed_at"]
    show_columns = list_columns + ["merged_with", "version"]
    search_columns = ["kind", "substitute", "created_at"]
    base_permissions = ["can_read"]
    base_order = ("id", "desc")
    label_columns = LABELS


def register(appbuilder):
    category = "Расписание"
    # The links lead into TimetableView: naming it as their view grants them with its permission.
    pages = appbuilder.add_view(TimetableView, "Timetable", label="Расписание классов и учителей", icon="fa-th",
                                category=category, category_label=category)
    appbuilder.add_link("MyTimetable", label="Моё расписание", href="/timetable/my", icon="fa-user",
                        category=category, category_label=category, baseview=pages)
    appbuilder.add_link("TimetableDay", label="Замены на день", href="/timetable/day", icon="fa-exchange",
                        category=category, category_label=category, baseview=pages)
    for view, name, label, icon in (
        (TeacherAbsenceView, "TeacherAbsences", "Отсутствие учителей", "fa-user-md"),
        (SubstitutionView, "Substitutions", "Журнал замен", "fa-history"),
        (BellView, "Bells", "Расписание звонков", "fa-bell"),
        (CalendarDayView, "CalendarDays", "Календарь", "fa-calendar-o"),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, category=category, category_label=category)
    appbuilder.add_view(TimetableReportView, "TimetableReports", label="Отчёт по заменам", icon="fa-table",
                        category=category, category_label=category)
