"""The journal's records as lists, forms and REST resources: lessons, marks, absences,
final marks, homework, work types, corrections and the audit trail.

Every write goes through app/journal_entry.py with the path it came by ("form" or
"api"), so a form, a list action and the API refuse exactly what the grid refuses.
"""
from flask import flash, redirect
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app import journal_entry as entry
from app.extensions import db
from app.journal import (
    ABSENCE_REASONS, FINAL_KINDS, Absence, Correction, FinalMark, Homework, JournalChange, Lesson, Mark,
    PlanTopic, WorkType, check_work_type,
)
from app.people import Student
from app.rules import RuleError
from app.structure import SchoolYear, TeachingAssignment
from security import policy
from views.base import (
    CheckedModelView, JournalModelView, JournalRestApi, LoadingInterface, acting_user, date_field, visible,
)

READ_ONLY = ["can_read"]
ID_RANGE = validate.Range(1, 2 ** 31 - 1, error="Нет такой записи.")
LESSON_LOAD = (joinedload(Lesson.subject), joinedload(Lesson.classgroup), joinedload(Lesson.subgroup))
LABELS = {
    "lesson": "Урок", "student": "Ученик", "work_type": "Вид работы", "value": "Отметка",
    "comment": "Комментарий", "reason": "Причина", "created_at": "Внесена", "date": "Дата",
    "date_text": "Дата", "number": "№ урока", "subject": "Предмет", "group_name": "Класс (группа)",
    "teacher": "Учитель", "substitute": "Замещает", "topic": "Тема урока", "plan_topic": "Тема по КТП",
    "assignment": "Нагрузка (класс, предмет)", "homework_text": "Домашнее задание", "kind": "Вид",
    "kind_text": "Вид", "period": "Период", "school_year": "Учебный год", "code": "Пропуск",
    "text": "Текст задания", "due_on": "Сдать к",
}


def writer():
    return policy.journal_writer(acting_user())


def comment_field():
    return StringField("Комментарий", validators=[Optional()])


def form_reason():
    return TextAreaField("Причина исправления", validators=[Optional()],
                         description="Нужна, если срок ввода уже прошёл.")


def restore_form_values(item, names):
    """FAB's edit form has already written the typed values onto the item; put the stored
    ones back and return the typed ones, so that the rule sees old → new."""
    from sqlalchemy import inspect

    state = inspect(item)
    typed = {}
    for name in names:
        typed[name] = getattr(item, name)
        history = state.attrs[name].history
        if history.deleted:
            setattr(item, name, history.deleted[0])
    return typed


# ------------------------------------------------------------------ lessons


class LessonView(JournalModelView):
    datamodel = LoadingInterface(Lesson, load=[*LESSON_LOAD, joinedload(Lesson.teacher),
                                               joinedload(Lesson.homework)])
    class_permission_name = "Lesson"
    row_policy = policy.visible_lessons
    related_policies = {"assignment": policy.visible_assignments, "classgroup": policy.visible_classes,
                        "teacher": policy.lesson_teachers}
    list_title = "Уроки"
    add_title = "Новый урок"
    edit_title = "Урок: тема и задание"
    show_title = "Урок"
    list_columns = ["date", "number", "subject", "group_name", "teacher", "topic"]
    show_columns = ["date", "number", "subject", "group_name", "teacher", "substitute", "topic", "homework_text"]
    add_columns = ["assignment", "date", "number", "topic"]
    edit_columns = ["topic", "plan_topic", "work_type", "homework_text"]
    search_columns = ["date", "subject", "classgroup", "teacher"]
    base_order = ("date", "desc")
    label_columns = {**LABELS, "classgroup": "Класс"}
    add_form_extra_fields = {"date": date_field("Дата", required=True)}
    edit_form_extra_fields = {"homework_text": TextAreaField("Домашнее задание", validators=[Optional()])}

    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk)
        form.homework_text.data = item.homework.text if item and item.homework else ""

    def create(self, item):
        assignment = item.assignment
        if assignment is None:
            raise RuleError("Укажите нагрузку: класс и предмет.", "assignment")
        lesson = entry.create_lesson(writer(), assignment, item.date, item.number, "form", topic=item.topic)
        item.id = lesson.id

    def update(self, item):
        typed = restore_form_values(item, ["topic", "plan_topic", "work_type"])
        entry.edit_lesson(writer(), item, "form", topic=typed["topic"] or "", plan_topic=typed["plan_topic"],
                          work_type=typed["work_type"], homework=getattr(item, "homework_text", None))


# ------------------------------------------------------------------ marks


class MarkView(JournalModelView):
    datamodel = LoadingInterface(Mark, load=[
        joinedload(Mark.lesson).joinedload(Lesson.subject), joinedload(Mark.lesson).joinedload(Lesson.classgroup),
        joinedload(Mark.lesson).joinedload(Lesson.subgroup), joinedload(Mark.student), joinedload(Mark.work_type)])
    class_permission_name = "Mark"
    row_policy = policy.visible_marks
    related_policies = {"lesson": policy.recent_writable_lessons, "student": policy.visible_students}
    list_title = "Отметки"
    add_title = "Новая отметка"
    edit_title = "Изменить отметку"
    show_title = "Отметка"
    list_columns = ["lesson", "student", "work_type", "value", "comment"]
    show_columns = ["lesson", "student", "work_type", "value", "comment", "created_at"]
    add_columns = ["lesson", "student", "work_type", "value", "comment", "reason"]
    edit_columns = ["work_type", "value", "comment", "reason"]
    search_columns = ["student", "work_type", "value"]
    base_order = ("id", "desc")
    label_columns = LABELS
    add_form_extra_fields = {"value": StringField("Отметка"), "comment": comment_field(), "reason": form_reason()}
    edit_form_extra_fields = {"value": StringField("Отметка"), "comment": comment_field(), "reason": form_reason()}

    def create(self, item):
        require_related(item, ("lesson", "Укажите урок."), ("student", "Укажите ученика."))
        mark = entry.add_mark(writer(), item.lesson, item.student, item.value, "form",
                              work_type=item.work_type, comment=item.comment or "", reason=item.reason or "")
        item.id = mark.id

    def update(self, item):
        typed = restore_form_values(item, ["value", "work_type", "comment"])
        entry.change_mark(writer(), item, "form", value=typed["value"], work_type=typed["work_type"],
                          comment=typed["comment"] or "", reason=getattr(item, "reason", "") or "")

    @action("retract", "Удалить отметку", "Удалить выбранные отметки? Запись об удалении сохранится.",
            "fa-eraser", single=False)
    def retract(self, items):
        try:
            for mark in items if isinstance(items, list) else [items]:
                entry.retract_mark(writer(), mark, "form")
            db.session.commit()
            flash("Отметки удалены; в журнале изменений остались записи о них.", "success")
        except RuleError as err:
            db.session.rollback()
            flash(err.message, "danger")
        return redirect(self.get_redirect())


def require_related(item, *pairs):
    for name, message in pairs:
        if getattr(item, name) is None:
            raise RuleError(message, name)


# ------------------------------------------------------------------ absences


class AbsenceView(JournalModelView):
    datamodel = LoadingInterface(Absence, load=[
        joinedload(Absence.lesson).joinedload(Lesson.subject), joinedload(Absence.lesson).joinedload(Lesson.classgroup),
        joinedload(Absence.lesson).joinedload(Lesson.subgroup), joinedload(Absence.student)])
    class_permission_name = "Absence"
    row_policy = policy.visible_absences
    related_policies = {"lesson": policy.recent_writable_lessons, "student": policy.visible_students}
    list_title = "Пропуски уроков"
    add_title = "Отметить отсутствие"
    edit_title = "Причина пропуска"
    list_columns = ["lesson", "student", "code"]
    show_columns = ["lesson", "student", "code", "created_at"]
    add_columns = ["lesson", "student"]
    edit_columns = ["reason"]
    search_columns = ["student", "reason"]
    base_order = ("id", "desc")
    label_columns = LABELS
    edit_form_extra_fields = {"reason": SelectField(
        "Причина", choices=[("", "не указана")] + [(k, f"{k} — {v}") for k, v in ABSENCE_REASONS.items()])}

    def create(self, item):
        require_related(item, ("lesson", "Укажите урок."), ("student", "Укажите ученика."))
        absence = entry.set_attendance(writer(), item.lesson, item.student, "н", "form")
        item.id = absence.id if absence else None

    def update(self, item):
        typed = restore_form_values(item, ["reason"])
        entry.set_absence_reason(writer(), item, typed["reason"], "form")


# ------------------------------------------------------------------ final marks


class FinalMarkView(JournalModelView):
    datamodel = LoadingInterface(FinalMark, load=[joinedload(FinalMark.student), joinedload(FinalMark.subject),
                                                  joinedload(FinalMark.period)])
    class_permission_name = "FinalMark"
    row_policy = policy.visible_final_marks
    related_policies = {"student": policy.visible_students}
    list_title = "Итоговые отметки"
    add_title = "Итоговая отметка"
    edit_title = "Изменить итоговую отметку"
    list_columns = ["student", "subject", "kind_text", "value"]
    show_columns = ["student", "subject", "kind_text", "value", "created_at"]
    add_columns = ["student", "subject", "kind", "period", "value", "reason"]
    edit_columns = ["value", "reason"]
    search_columns = ["student", "subject", "kind", "period"]
    base_order = ("id", "desc")
    label_columns = LABELS
    add_form_extra_fields = {"kind": SelectField("Вид", choices=list(FINAL_KINDS.items())),
                             "value": StringField("Отметка"), "reason": form_reason()}
    edit_form_extra_fields = {"value": StringField("Отметка (пусто — снять)"), "reason": form_reason()}

    def create(self, item):
        require_related(item, ("student", "Укажите ученика."), ("subject", "Укажите предмет."))
        year = item.period.school_year if item.period else db.session.scalar(
            select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        mark = entry.set_final_mark(writer(), item.student, item.subject, year, item.kind, item.value, "form",
                                    period=item.period, reason=item.reason or "", version=0,
                                    teaches=policy.teaches_subject_to(acting_user(), item.student, item.subject))
        item.id = mark.id if mark else None

    def update(self, item):
        typed = restore_form_values(item, ["value"])
        item_id = item.id
        entry.set_final_mark(writer(), item.student, item.subject, item.school_year, item.kind, typed["value"],
                             "form", period=item.period, reason=getattr(item, "reason", "") or "",
                             teaches=policy.teaches_subject_to(acting_user(), item.student, item.subject))
        item.id = item_id


# ------------------------------------------------------------------ setup: work types, plan


class WorkTypeView(CheckedModelView):
    datamodel = LoadingInterface(WorkType)
    rule = check_work_type
    class_permission_name = "WorkType"
    row_policy = policy.visible_work_types
    list_title = "Виды работ"
    add_title = edit_title = "Вид работы"
    list_columns = ["name", "short_name", "weight", "written", "active"]
    add_columns = edit_columns = show_columns = list_columns
    base_order = ("id", "asc")
    label_columns = {"name": "Название", "short_name": "Сокращение", "weight": "Вес в среднем",
                     "written": "Письменная (срок проверки 5–7 дней)", "active": "Используется"}


class PlanTopicView(JournalModelView):
    datamodel = LoadingInterface(PlanTopic, load=[joinedload(PlanTopic.subject)])
    class_permission_name = "PlanTopic"
    list_title = "Тематическое планирование (КТП)"
    add_title = edit_title = "Тема КТП"
    list_columns = ["subject", "grade", "number", "title"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["subject", "grade", "title"]
    base_order = ("number", "asc")
    label_columns = {"subject": "Предмет", "grade": "Параллель", "number": "№", "title": "Тема"}

    def create(self, item):
        check_plan_topic(item)
        db.session.add(item)

    def update(self, item):
        check_plan_topic(item)


def check_plan_topic(item):
    if item.subject is None:
        raise RuleError("Укажите предмет.", "subject")
    if not item.grade or not 1 <= item.grade <= 11:
        raise RuleError("Параллель — от 1 до 11.", "grade")
    if not (item.title or "").strip():
        raise RuleError("Укажите тему.", "title")


# ------------------------------------------------------------------ corrections and audit


class CorrectionView(JournalModelView):
    datamodel = LoadingInterface(Correction, load=[
        joinedload(Correction.student), joinedload(Correction.requested_by),
        joinedload(Correction.lesson).joinedload(Lesson.subject), joinedload(Correction.lesson).joinedload(Lesson.classgroup),
        joinedload(Correction.lesson).joinedload(Lesson.subgroup), joinedload(Correction.subject),
        joinedload(Correction.period)])
    class_permission_name = "Correction"
    row_policy = policy.visible_corrections
    related_policies = {"student": policy.visible_students}
    list_title = "Исправления"
    show_title = "Исправление"
    list_columns = ["requested_at", "student", "what_text", "change_text", "reason", "requested_by", "status_text"]
    show_columns = list_columns + ["decided_by", "decided_at", "decision_note"]
    search_columns = ["status", "student"]
    base_order = ("id", "desc")
    base_permissions = ["can_read", "can_decide"]
    label_columns = {"requested_at": "Запрошено", "student": "Ученик", "what_text": "Что",
                     "change_text": "Было → стало", "reason": "Причина", "requested_by": "Кто просит",
                     "status_text": "Решение", "status": "Решение", "decided_by": "Решил(а)",
                     "decided_at": "Когда", "decision_note": "Примечание"}

    @action("approve", "Утвердить", "Утвердить выбранные исправления? Изменения вступят в силу.", "fa-check")
    def approve(self, items):
        return self._decide(items, True)

    @action("reject", "Отклонить", "Отклонить выбранные исправления?", "fa-times")
    def reject(self, items):
        return self._decide(items, False)

    def _decide(self, items, approve):
        try:
            for correction in items if isinstance(items, list) else [items]:
                entry.decide_correction(writer(), correction, approve)
            db.session.commit()
            flash("Исправления утверждены и внесены в журнал." if approve else "Исправления отклонены.", "success")
        except RuleError as err:
            db.session.rollback()
            flash(err.message, "danger")
        return redirect(self.get_redirect())


class JournalChangeView(JournalModelView):
    datamodel = LoadingInterface(JournalChange, load=[
        joinedload(JournalChange.user), joinedload(JournalChange.student),
        joinedload(JournalChange.lesson).joinedload(Lesson.subject),
        joinedload(JournalChange.lesson).joinedload(Lesson.classgroup),
        joinedload(JournalChange.lesson).joinedload(Lesson.subgroup)])
    class_permission_name = "JournalChange"
    row_policy = policy.visible_journal_changes
    related_policies = {"student": policy.visible_students}
    list_title = "Журнал изменений"
    list_columns = ["at", "user", "record", "student", "lesson", "change_text", "reason", "path_text"]
    show_columns = list_columns
    search_columns = ["record", "student", "path", "at"]
    base_order = ("id", "desc")
    base_permissions = READ_ONLY
    label_columns = {"at": "Когда", "user": "Кто", "record": "Запись", "student": "Ученик", "lesson": "Урок",
                     "change_text": "Было → стало", "reason": "Причина", "path_text": "Откуда", "path": "Откуда"}


# ------------------------------------------------------------------ the family's marks


class FamilyMarksView(BaseView):
    """A parent's (or student's) marks page: each child's marks by subject in the current
    period with the average, final marks, and every correction shown as old → new (000 4.4)."""

    route_base = "/family/marks"
    class_permission_name = "FamilyMarks"
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        from app.family import family_marks

        children = db.session.scalars(select(Student).where(policy.family_students(acting_user()))
                                      .order_by(Student.last_name, Student.first_name)).all()
        pages = [family_marks(child) for child in children]
        return self.render_template("family_marks.html", pages=pages)


# ------------------------------------------------------------------ REST API


class MarkReadSchema(Schema):
    id = fields.Integer()
    lesson = fields.Integer(attribute="lesson_id")
    student = fields.Integer(attribute="student_id")
    work_type = fields.Integer(attribute="work_type_id")
    value = fields.String()
    comment = fields.String()
    version = fields.Integer()


class MarkWriteSchema(Schema):
    lesson = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    student = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    work_type = fields.Integer(allow_none=True, strict=True, validate=ID_RANGE)
    value = fields.String(required=True, validate=validate.Length(max=20))
    comment = fields.String(load_default="", validate=validate.Length(max=5000))
    reason = fields.String(load_default="", validate=validate.Length(max=5000))
    version = fields.Integer(allow_none=True, strict=True, validate=ID_RANGE)
    retract = fields.Boolean(load_default=False)


class JournalApi(JournalRestApi):
    """Read schemas with plain ids for relations, as the journal's API documents them."""

    read_schema = None
    label_columns = LABELS

    def __init__(self):
        super().__init__()
        self.list_model_schema = self.show_model_schema = self.read_schema


class MarkApi(JournalApi):
    resource_name = "mark"
    datamodel = LoadingInterface(Mark)
    class_permission_name = "Mark"
    row_policy = policy.visible_marks
    related_policies = {"lesson": policy.recent_writable_lessons, "student": policy.visible_students}
    add_columns = edit_columns = ["lesson", "student", "work_type", "value", "comment"]
    list_columns = show_columns = ["id", "lesson_id", "student_id", "work_type_id", "value", "comment", "version"]
    search_columns = ["lesson_id", "student_id", "value"]
    order_columns = ["id"]
    read_schema = MarkReadSchema()
    write_schema = MarkWriteSchema()

    def create_from(self, data):
        visible(Lesson, data["lesson"], "lesson", "Урок", policy.visible_lessons)
        lesson = entry.lesson_for_writing(writer(), data["lesson"])  # locked: parallel posts queue
        student = visible(Student, data["student"], "student", "Ученик", policy.visible_students)
        work_type = visible(WorkType, data.get("work_type"), "work_type", "Вид работы", policy.visible_work_types)
        return entry.add_mark(writer(), lesson, student, data["value"], "api", work_type=work_type,
                              comment=data["comment"], reason=data["reason"])

    def update_from(self, mark, data):
        if set(data) & {"lesson", "student"}:
            raise RuleError("Урок и ученика у отметки не меняют: удалите её и поставьте новую.", "lesson")
        if data.get("retract"):
            return entry.retract_mark(writer(), mark, "api", reason=data.get("reason", ""),
                                      version=data.get("version"))
        work_type = visible(WorkType, data.get("work_type"), "work_type", "Вид работы", policy.visible_work_types)
        return entry.change_mark(writer(), mark, "api", value=data.get("value"), work_type=work_type,
                                 comment=data.get("comment"), reason=data.get("reason", ""),
                                 version=data.get("version"))


class AbsenceReadSchema(Schema):
    id = fields.Integer()
    lesson = fields.Integer(attribute="lesson_id")
    student = fields.Integer(attribute="student_id")
    reason = fields.String(allow_none=True)
    code = fields.String()
    version = fields.Integer()


class AbsenceWriteSchema(Schema):
    lesson = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    student = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    late = fields.Boolean(load_default=False)
    present = fields.Boolean(load_default=False)
    reason = fields.String(allow_none=True, validate=validate.Length(max=5))
    correction_reason = fields.String(load_default="", validate=validate.Length(max=5000))
    version = fields.Integer(allow_none=True, strict=True, validate=ID_RANGE)


class AbsenceApi(JournalApi):
    resource_name = "absence"
    datamodel = LoadingInterface(Absence)
    class_permission_name = "Absence"
    row_policy = policy.visible_absences
    related_policies = {"lesson": policy.recent_writable_lessons, "student": policy.visible_students}
    add_columns = ["lesson", "student"]
    edit_columns = ["reason"]
    list_columns = show_columns = ["id", "lesson_id", "student_id", "reason", "version"]
    search_columns = ["lesson_id", "student_id", "reason"]
    order_columns = ["id"]
    read_schema = AbsenceReadSchema()
    write_schema = AbsenceWriteSchema()

    def create_from(self, data):
        lesson = visible(Lesson, data["lesson"], "lesson", "Урок", policy.visible_lessons)
        student = visible(Student, data["student"], "student", "Ученик", policy.visible_students)
        absence = entry.set_attendance(writer(), lesson, student, entry.LATE if data["late"] else "н", "api",
                                       reason=data["correction_reason"])
        return absence

    def update_from(self, absence, data):
        if data.get("present"):
            entry.set_attendance(writer(), absence.lesson, absence.student, None, "api",
                                 reason=data.get("correction_reason", ""))
            return absence
        if "reason" not in data:
            raise RuleError("Укажите причину пропуска (Б, У, Н, О) или present: true.", "reason")
        return entry.set_absence_reason(writer(), absence, data["reason"], "api", version=data.get("version"))


class LessonReadSchema(Schema):
    id = fields.Integer()
    assignment = fields.Integer(attribute="assignment_id")
    classgroup = fields.Integer(attribute="classgroup_id")
    subgroup = fields.Integer(attribute="subgroup_id", allow_none=True)
    subject = fields.Integer(attribute="subject_id")
    teacher = fields.Integer(attribute="teacher_id")
    substitute = fields.Integer(attribute="substitute_id", allow_none=True)
    date = fields.Date()
    number = fields.Integer()
    topic = fields.String()
    work_type = fields.Integer(attribute="work_type_id", allow_none=True)


class LessonWriteSchema(Schema):
    assignment = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    date = fields.Date(required=True)
    number = fields.Integer(required=True, strict=True, validate=validate.Range(0, 12, error="Номер урока — от 0 до 12."))
    topic = fields.String(load_default="", validate=validate.Length(max=5000))
    work_type = fields.Integer(allow_none=True, strict=True, validate=ID_RANGE)


class LessonApi(JournalApi):
    resource_name = "lesson"
    datamodel = LoadingInterface(Lesson)
    class_permission_name = "Lesson"
    row_policy = policy.visible_lessons
    related_policies = {"assignment": policy.visible_assignments}
    add_columns = ["assignment", "date", "number", "topic", "work_type"]
    edit_columns = ["topic", "work_type"]
    list_columns = show_columns = ["id", "assignment_id", "classgroup_id", "subgroup_id", "subject_id",
                                   "teacher_id", "substitute_id", "date", "number", "topic", "work_type_id"]
    search_columns = ["date", "classgroup_id", "subject_id", "assignment_id"]
    order_columns = ["date", "number", "id"]
    read_schema = LessonReadSchema()
    write_schema = LessonWriteSchema()

    def create_from(self, data):
        assignment = visible(TeachingAssignment, data["assignment"], "assignment", "Нагрузка",
                             policy.visible_assignments)
        work_type = visible(WorkType, data.get("work_type"), "work_type", "Вид работы", policy.visible_work_types)
        return entry.create_lesson(writer(), assignment, data["date"], data["number"], "api", topic=data["topic"],
                                   work_type=work_type)

    def update_from(self, lesson, data):
        if set(data) - {"topic", "work_type"}:
            raise RuleError("У проведённого урока меняются только тема и вид работы.", "_")
        work_type = visible(WorkType, data.get("work_type"), "work_type", "Вид работы", policy.visible_work_types)
        return entry.edit_lesson(writer(), lesson, "api", topic=data.get("topic"), work_type=work_type)


class HomeworkReadSchema(Schema):
    id = fields.Integer()
    lesson = fields.Integer(attribute="lesson_id")
    text = fields.String()
    due_on = fields.Date(allow_none=True)


class HomeworkWriteSchema(Schema):
    lesson = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    text = fields.String(required=True, validate=validate.Length(max=20000))
    due_on = fields.Date(allow_none=True)


class HomeworkApi(JournalApi):
    resource_name = "homework"
    datamodel = LoadingInterface(Homework)
    class_permission_name = "Homework"
    row_policy = policy.visible_homework
    related_policies = {"lesson": policy.recent_writable_lessons}
    add_columns = ["lesson", "text", "due_on"]
    edit_columns = ["text", "due_on"]
    list_columns = show_columns = ["id", "lesson_id", "text", "due_on"]
    search_columns = ["lesson_id", "due_on"]
    order_columns = ["id", "due_on"]
    read_schema = HomeworkReadSchema()
    write_schema = HomeworkWriteSchema()

    def create_from(self, data):
        lesson = visible(Lesson, data["lesson"], "lesson", "Урок", policy.visible_lessons)
        entry.edit_lesson(writer(), lesson, "api", homework=data["text"], due_on=data.get("due_on"))
        return lesson.homework

    def update_from(self, homework, data):
        if "lesson" in data and data["lesson"] != homework.lesson_id:
            raise RuleError("Задание не переносится на другой урок.", "lesson")
        entry.edit_lesson(writer(), homework.lesson, "api", homework=data.get("text"), due_on=data.get("due_on"))
        return homework


def register(appbuilder):
    category = "Журнал"
    for view, name, label, icon in (
        (LessonView, "Lessons", "Уроки", "fa-calendar"),
        (MarkView, "Marks", "Отметки", "fa-pencil"),
        (AbsenceView, "Absences", "Пропуски", "fa-user-times"),
        (FinalMarkView, "FinalMarks", "Итоговые отметки", "fa-flag-checkered"),
        (CorrectionView, "Corrections", "Исправления", "fa-exclamation-circle"),
        (JournalChangeView, "JournalChanges", "Журнал изменений", "fa-history"),
        (WorkTypeView, "WorkTypes", "Виды работ", "fa-list-ol"),
        (PlanTopicView, "PlanTopics", "КТП", "fa-list"),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, category=category, category_label=category)
    appbuilder.add_view(FamilyMarksView, "FamilyMarks", label="Оценки", icon="fa-star")
    for api in (LessonApi, MarkApi, AbsenceApi, HomeworkApi):
        appbuilder.add_api(api)
