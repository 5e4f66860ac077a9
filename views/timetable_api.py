"""REST resources of the timetable (issue 4): `substitution` — who covers which lesson, read by
everyone it concerns and recorded by a deputy through app/timetable.substitute — and
`timetable`, the weekly slots with their bell times, read-only (the diary reads it).

Both answer only the rows of security/policy.py (visible_substitutions,
visible_timetable_slots) and read a page in a fixed number of SQL statements.
"""
import operator
from datetime import date

from flask import g, request
from flask_appbuilder.api import expose, permission_name, protect, safe
from flask_appbuilder.exceptions import FABException
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import timetable as tt
from app.extensions import db
from app.journal import Lesson
from app.people import Staff
from app.rules import today
from app.structure import Subject, TeachingAssignment
from security import policy
from security.roles import METHOD_PERMISSIONS
from views.base import MAX_ID, LoadingInterface, PolicyFilter, acting_user, existing, is_id, visible
from views.journal import LABELS, JournalApi, writer


class BadListParameter(FABException):
    """A query-string filter that cannot be read: FAB answers it with 400 and this message."""


def arg_date(name):
    text = request.args.get(name)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadListParameter(f"Параметр {name}: дата пишется как ГГГГ-ММ-ДД, например 2026-11-23.") from None


def arg_id(name, label):
    text = request.args.get(name)
    if text is None:
        return None
    if not is_id(text):
        raise BadListParameter(f"Параметр {name} ({label}): номер записи, целое число от 1 до {MAX_ID}.")
    return int(text)


def arg_flag(name):
    text = request.args.get(name, "false").strip().lower()
    if text not in ("true", "false", "1", "0"):
        raise BadListParameter(f"Параметр {name}: true или false.")
    return text in ("true", "1")


def query_parameter(name, description, kind="string", fmt=None):
    schema = {"type": kind, **({"format": fmt} if fmt else {})}
    return {"in": "query", "name": name, "required": False, "description": description, "schema": schema}


# FAB's own `q` (rison: paging, order, filters on search_columns), kept beside ours.
RISON_PARAMETER = {"in": "query", "name": "q",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/get_list_schema"}}}}


class QueryFilterApi(JournalApi):
    """A resource whose list also takes plain query-string filters (`?on=2026-11-23`), applied
    like base filters: to the count and to the page alike."""

    def list_conditions(self):  # pragma: no cover - each resource overrides
        return []

    def _handle_filters_args(self, rison_args):
        filters = super()._handle_filters_args(rison_args)
        # PolicyFilter wants user → condition; these conditions are the same for every user.
        return filters.add_filter_list([["id", PolicyFilter, lambda _user, c=c: c] for c in self.list_conditions()])


# ------------------------------------------------------------------ substitution


def id_field(label, required=False):
    """A row's id: a JSON integer a column can hold, refused in Russian naming the field
    (journal.ID_RANGE says only «Нет такой записи.», and a string gets marshmallow's English)."""
    return fields.Integer(
        required=required, allow_none=not required, strict=True,
        validate=validate.Range(1, MAX_ID, error=f"{label}: записи с таким номером нет."),
        error_messages={"required": f"{label}: поле обязательно.", "null": f"{label}: поле обязательно.",
                        "invalid": f"{label}: номер записи — целое число."})


class SubstitutionWriteSchema(Schema):
    error_messages = {"unknown": "Такого поля у замены нет.", "type": "Ожидается JSON-объект."}
    lesson = id_field("Урок", required=True)
    kind = fields.String(required=True, validate=validate.Length(max=20, error="Вид замены: не длиннее 20 знаков."),
                         error_messages={"required": "Вид замены: поле обязательно.",
                                         "invalid": "Вид замены: строка (teacher, subject, merge, cancel)."})
    substitute = id_field("Замещающий учитель")
    subject = id_field("Предмет")
    merged_with = id_field("Урок, с которым объединяют")
    note = fields.String(load_default="", validate=validate.Length(max=500, error="Примечание: не длиннее 500 знаков."),
                         error_messages={"invalid": "Примечание: строка."})
    version = fields.Integer(
        required=True, strict=True,
        validate=validate.Range(0, MAX_ID, error="Версия: целое число от 0 (урок ещё не замещали)."),
        error_messages={"required": "Версия: поле обязательно (0, если урок ещё не замещали).",
                        "null": "Версия: поле обязательно.", "invalid": "Версия: целое число."})


class SubstitutionReadSchema(Schema):
    id = fields.Integer()
    lesson = fields.Integer(attribute="lesson_id")
    kind = fields.String()
    kind_text = fields.String()
    substitute = fields.Integer(attribute="substitute_id", allow_none=True)
    substitute_name = fields.Function(lambda s: s.substitute.short_name if s.substitute is not None else None)
    subject = fields.Integer(attribute="subject_id", allow_none=True)
    subject_name = fields.Function(lambda s: s.subject.name if s.subject is not None else None)
    merged_with = fields.Integer(attribute="merged_with_id", allow_none=True)
    note = fields.String()
    version = fields.Integer()
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    date = fields.Date(attribute="lesson.date")
    number = fields.Integer(attribute="lesson.number")
    group = fields.String(attribute="lesson.group_name")
    teacher = fields.Integer(attribute="lesson.teacher_id")
    teacher_name = fields.Function(lambda s: s.lesson.teacher.short_name)


def lessons_to_cover(user):
    """Lesson choices of `_info`: lessons the user may write from today on (a substitution is
    for today or the days ahead; the whole year would be thousands)."""
    return policy.writable_lessons(user) & (Lesson.date >= today())


def staff_at_work(user):
    return policy.visible_staff(user) & policy.active_staff()


class SubstitutionApi(QueryFilterApi):
    resource_name = "substitution"
    datamodel = LoadingInterface(tt.Substitution, load=[
        joinedload(tt.Substitution.lesson).joinedload(Lesson.classgroup),
        joinedload(tt.Substitution.lesson).joinedload(Lesson.subgroup),
        joinedload(tt.Substitution.lesson).joinedload(Lesson.teacher),
        joinedload(tt.Substitution.substitute), joinedload(tt.Substitution.subject)])
    class_permission_name = "Substitution"
    method_permission_name = {**METHOD_PERMISSIONS, "free_teachers": "write"}
    # No PUT, no DELETE: a replacement is a new POST with the current version (history kept).
    include_route_methods = {"get", "get_list", "post", "info", "free_teachers"}
    row_policy = policy.visible_substitutions
    related_policies = {"lesson": lessons_to_cover, "merged_with": lessons_to_cover, "substitute": staff_at_work}
    add_columns = edit_columns = ["lesson", "kind", "substitute", "subject", "merged_with", "note", "version"]
    list_columns = show_columns = ["id", "lesson_id", "kind", "substitute_id", "subject_id", "merged_with_id",
                                   "note", "version", "created_at", "closed_at"]
    search_columns = ["lesson_id", "substitute_id", "kind"]
    order_columns = ["id", "created_at"]
    base_order = ("id", "desc")
    label_columns = {**LABELS, "lesson_id": "Урок", "substitute_id": "Замещает", "subject_id": "Предмет",
                     "merged_with": "Объединён с уроком", "merged_with_id": "Объединён с уроком",
                     "note": "Примечание", "version": "Версия", "closed_at": "Заменена другой"}
    read_schema = SubstitutionReadSchema()
    write_schema = SubstitutionWriteSchema()
    openapi_spec_methods = {"get_list": {"get": {
        "description": "Замены уроков, которые видит пользователь; по умолчанию только действующие.",
        "parameters": [
            RISON_PARAMETER,
            query_parameter("date", "Дата урока (ГГГГ-ММ-ДД).", fmt="date"),
            query_parameter("from", "Уроки с этой даты.", fmt="date"),
            query_parameter("to", "Уроки по эту дату.", fmt="date"),
            query_parameter("substitute", "Замещающий сотрудник (id).", "integer"),
            query_parameter("lesson", "Урок (id).", "integer"),
            query_parameter("include_closed", "true — и заменённые позже (история).", "boolean"),
        ]}}}

    def list_conditions(self):
        sub = tt.Substitution
        conditions = [] if arg_flag("include_closed") else [sub.closed_at.is_(None)]
        for name, compare in (("date", operator.eq), ("from", operator.ge), ("to", operator.le)):
            day = arg_date(name)
            if day is not None:
                conditions.append(sub.lesson.has(compare(Lesson.date, day)))  # few substitutions, many lessons
        substitute, lesson = arg_id("substitute", "сотрудник"), arg_id("lesson", "урок")
        if substitute is not None:
            conditions.append(sub.substitute_id == substitute)
        if lesson is not None:
            conditions.append(sub.lesson_id == lesson)
        return conditions

    def create_from(self, data):
        lesson = visible(Lesson, data["lesson"], "lesson", "Урок", policy.visible_lessons)
        person = visible(Staff, data.get("substitute"), "substitute", "Сотрудник", policy.visible_staff)
        subject = existing(Subject, data.get("subject"), "subject", "Предмет")
        merged = visible(Lesson, data.get("merged_with"), "merged_with", "Урок", policy.visible_lessons)
        return tt.substitute(db.session, writer(), lesson, data["kind"], substitute=person, subject=subject,
                             merged_with=merged, note=data["note"], version=data["version"])

    @expose("/free_teachers/<lesson_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("free_teachers")
    def free_teachers(self, lesson_id):
        """Who could cover a lesson, as the deputy's substitution form offers them
        ---
        get:
          description: >-
            Сотрудники, свободные в это время: сначала учителя того же предмета, затем другие
            учителя, затем прочие сотрудники. `version` — текущая версия замен урока, её
            передают в POST /api/v1/substitution/.
          parameters:
          - in: path
            name: lesson_id
            required: true
            schema:
              type: integer
          responses:
            200:
              description: Свободные сотрудники
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      lesson:
                        type: integer
                      version:
                        type: integer
                      count:
                        type: integer
                      result:
                        type: array
                        items:
                          type: object
                          properties:
                            id:
                              type: integer
                            name:
                              type: string
                            teaches_subject:
                              type: boolean
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        if not policy.may_keep_timetable(writer()):
            return self.response_403()
        lesson = db.session.scalar(select(Lesson).where(
            Lesson.id == int(lesson_id), policy.visible_lessons(acting_user()))) if is_id(lesson_id) else None
        if lesson is None:
            return self.response_404()
        offered = [{"id": staff.id, "name": staff.short_name, "teaches_subject": same}
                   for staff, same in tt.offered_teachers(db.session, lesson)]
        return self.response(200, lesson=lesson.id, version=tt.substitution_version(db.session, lesson.id),
                             count=len(offered), result=offered)


# ------------------------------------------------------------------ timetable


def bell_of(slot):
    """The bell of the slot's lesson in its class's shift; the school's few dozen bells are
    read once a request rather than once a row."""
    if "timetable_api_bells" not in g:
        g.timetable_api_bells = {(bell.shift, bell.number): bell for bell in db.session.scalars(select(tt.Bell))}
    return g.timetable_api_bells.get((slot.assignment.classgroup.shift or 1, slot.number))


def bell_time(slot, name):
    bell = bell_of(slot)
    return f"{getattr(bell, name):%H:%M}" if bell is not None else None


class NamedSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class TeacherSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="short_name")


class SlotReadSchema(Schema):
    id = fields.Integer()
    assignment = fields.Integer(attribute="assignment_id")
    weekday = fields.Integer()
    number = fields.Integer()
    starts_at = fields.Function(lambda slot: bell_time(slot, "starts_at"))
    ends_at = fields.Function(lambda slot: bell_time(slot, "ends_at"))
    room = fields.String(allow_none=True)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    subject = fields.Nested(NamedSchema, attribute="assignment.subject")
    teacher = fields.Nested(TeacherSchema, attribute="assignment.teacher")
    classgroup = fields.Nested(NamedSchema, attribute="assignment.classgroup", data_key="class")
    group = fields.Nested(NamedSchema, attribute="assignment.subgroup", allow_none=True)


class OrderedInterface(LoadingInterface):
    """LoadingInterface with a default order of several columns (FAB's base_order takes one,
    and a page without an order is whatever the database returns)."""

    def __init__(self, obj, load=(), order=()):
        super().__init__(obj, load)
        self.default_order = tuple(order)

    def apply_order_by(self, query, order_column, order_direction, **kwargs):
        if not order_column and self.default_order:
            return query.order_by(*self.default_order)
        return super().apply_order_by(query, order_column, order_direction, **kwargs)


def slots_of(**where):
    """Slots of the assignments with these columns (classgroup_id=…, teacher_id=…)."""
    return tt.TimetableSlot.assignment_id.in_(select(TeachingAssignment.id).where(
        *(getattr(TeachingAssignment, name) == value for name, value in where.items())))


class TimetableApi(QueryFilterApi):
    resource_name = "timetable"
    datamodel = OrderedInterface(tt.TimetableSlot, load=[
        joinedload(tt.TimetableSlot.assignment).joinedload(TeachingAssignment.subject),
        joinedload(tt.TimetableSlot.assignment).joinedload(TeachingAssignment.teacher),
        joinedload(tt.TimetableSlot.assignment).joinedload(TeachingAssignment.classgroup),
        joinedload(tt.TimetableSlot.assignment).joinedload(TeachingAssignment.subgroup),
    ], order=(tt.TimetableSlot.weekday, tt.TimetableSlot.number, tt.TimetableSlot.id))
    class_permission_name = "TimetableSlot"
    include_route_methods = {"get", "get_list"}
    row_policy = policy.visible_timetable_slots
    list_columns = show_columns = ["id", "assignment_id", "weekday", "number", "room", "valid_from", "valid_to"]
    search_columns = ["weekday", "number", "assignment_id", "room"]
    order_columns = ["weekday", "number", "valid_from", "id"]
    label_columns = {"id": "№", "assignment_id": "Нагрузка", "weekday": "День недели", "number": "№ урока",
                     "room": "Кабинет", "valid_from": "Действует с", "valid_to": "Действует по"}
    read_schema = SlotReadSchema()
    openapi_spec_methods = {"get_list": {"get": {
        "description": "Уроки недельного расписания, которые видит пользователь, со временем по звонкам смены класса.",
        "parameters": [
            RISON_PARAMETER,
            query_parameter("on", "Только уроки, действующие в этот день (ГГГГ-ММ-ДД).", fmt="date"),
            query_parameter("class", "Класс (id).", "integer"),
            query_parameter("teacher", "Учитель (id).", "integer"),
        ]}}}

    def list_conditions(self):
        slot, conditions = tt.TimetableSlot, []
        day = arg_date("on")
        if day is not None:
            conditions += [slot.valid_from <= day, slot.valid_to.is_(None) | (slot.valid_to >= day)]
        classgroup, teacher = arg_id("class", "класс"), arg_id("teacher", "учитель")
        if classgroup is not None:
            conditions.append(slots_of(classgroup_id=classgroup))
        if teacher is not None:
            conditions.append(slots_of(teacher_id=teacher))
        return conditions


def register(appbuilder):
    appbuilder.add_api(SubstitutionApi)
    appbuilder.add_api(TimetableApi)
