"""School structure pages and the `classgroup` and `subject` REST resources (deputies, director)."""
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import joinedload, selectinload
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange

from app.extensions import db
from app.people import Staff
from app.structure import (
    PERIOD_KINDS, ClassGroup, Period, SchoolYear, Subgroup, Subject, TeachingAssignment,
    check_assignment, check_classgroup, check_period, check_school_year, check_subgroup, check_subject,
)
from security import policy
from views.base import (
    JournalModelView, JournalRestApi, LoadingInterface, date_field, existing,
)


class SchoolYearView(JournalModelView):
    datamodel = LoadingInterface(SchoolYear)
    class_permission_name = "SchoolYear"
    list_title = "Учебные годы"
    add_title = "Новый учебный год"
    edit_title = "Учебный год"
    show_title = "Учебный год"
    list_columns = ["name", "starts_on", "ends_on", "is_current", "closed"]
    add_columns = edit_columns = ["name", "starts_on", "ends_on", "is_current"]
    show_columns = ["name", "starts_on", "ends_on", "is_current", "closed"]
    search_columns = ["name"]
    order_columns = ["name", "starts_on"]
    base_order = ("starts_on", "desc")
    label_columns = {"name": "Учебный год", "starts_on": "Начало", "ends_on": "Окончание",
                     "is_current": "Текущий", "closed": "Закрыт"}
    add_form_extra_fields = edit_form_extra_fields = {
        "starts_on": date_field("Начало", required=True),
        "ends_on": date_field("Окончание", required=True),
    }

    def pre_add(self, item):
        check_school_year(item)
        _make_only_current(item)

    pre_update = pre_add


def _make_only_current(year):
    if year.is_current:
        db.session.execute(
            db.update(SchoolYear).where(SchoolYear.id != (year.id or 0)).values(is_current=False)
        )


class PeriodView(JournalModelView):
    datamodel = LoadingInterface(Period, load=[joinedload(Period.school_year)])
    class_permission_name = "Period"
    list_title = "Учебные периоды"
    add_title = edit_title = show_title = "Учебный период"
    list_columns = ["school_year", "title", "dates", "grades", "closed"]
    add_columns = edit_columns = ["school_year", "kind", "number", "starts_on", "ends_on",
                                  "grade_from", "grade_to", "closed"]
    show_columns = list_columns
    search_columns = ["school_year", "kind", "closed"]
    order_columns = ["school_year"]
    base_order = ("starts_on", "asc")
    label_columns = {"school_year": "Учебный год", "title": "Период", "dates": "Даты", "grades": "Классы",
                     "kind": "Вид", "number": "Номер", "starts_on": "Начало", "ends_on": "Окончание",
                     "grade_from": "С класса", "grade_to": "По класс", "closed": "Закрыт"}
    description_columns = {"kind": "Четверти — для 2–9 классов, полугодия — для 10–11 (004 §4)."}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField("Вид", choices=list(PERIOD_KINDS.items())),
        "starts_on": date_field("Начало", required=True),
        "ends_on": date_field("Окончание", required=True),
        "number": IntegerField("Номер", validators=[DataRequired("Укажите номер."), NumberRange(1, 4)]),
    }

    def pre_add(self, item):
        check_period(db.session, item)

    pre_update = pre_add


class ClassGroupView(JournalModelView):
    datamodel = LoadingInterface(ClassGroup, load=[joinedload(ClassGroup.school_year),
                                                   joinedload(ClassGroup.class_teacher)])
    class_permission_name = "ClassGroup"
    row_policy = policy.visible_classes
    related_policies = {"class_teacher": lambda user: policy.active_staff()}
    list_title = "Классы"
    add_title = edit_title = show_title = "Класс"
    list_columns = ["name", "school_year", "class_teacher"]
    add_columns = edit_columns = ["school_year", "grade", "letter", "class_teacher", "shift"]
    show_columns = ["name", "school_year", "class_teacher", "shift"]
    search_columns = ["school_year", "grade", "letter", "class_teacher"]
    order_columns = ["school_year"]
    base_order = ("grade", "asc")
    label_columns = {"name": "Класс", "school_year": "Учебный год", "grade": "Параллель",
                     "letter": "Литера", "class_teacher": "Классный руководитель", "shift": "Смена"}
    add_form_extra_fields = edit_form_extra_fields = {
        "grade": IntegerField("Параллель", validators=[DataRequired("Укажите параллель."), NumberRange(1, 11)]),
        # The shift decides the class's lesson times (the bell schedule of that shift).
        "shift": SelectField("Смена", choices=[(1, "первая"), (2, "вторая")], coerce=int, default=1),
    }

    def pre_add(self, item):
        check_classgroup(db.session, item)

    pre_update = pre_add


class SubgroupView(JournalModelView):
    datamodel = LoadingInterface(Subgroup, load=[joinedload(Subgroup.classgroup), joinedload(Subgroup.subject),
                                                 selectinload(Subgroup.students)])
    class_permission_name = "Subgroup"
    row_policy = policy.visible_subgroups
    related_policies = {"classgroup": policy.visible_classes,
                        "students": lambda user: policy.current_students() & policy.visible_students(user)}
    list_title = "Группы внутри классов"
    add_title = edit_title = show_title = "Группа"
    list_columns = ["classgroup", "name", "subject", "size"]
    add_columns = edit_columns = ["classgroup", "name", "subject", "students"]
    show_columns = ["classgroup", "name", "subject", "students"]
    search_columns = ["classgroup", "subject", "name"]
    label_columns = {"classgroup": "Класс", "name": "Группа", "subject": "Предмет", "students": "Ученики",
                     "size": "Учеников"}

    def pre_add(self, item):
        check_subgroup(item)

    pre_update = pre_add



class SubjectView(JournalModelView):
    datamodel = LoadingInterface(Subject)
    class_permission_name = "Subject"
    list_title = "Предметы"
    add_title = edit_title = show_title = "Предмет"
    list_columns = ["name", "short_name"]
    add_columns = edit_columns = show_columns = ["name", "short_name"]
    search_columns = ["name"]
    order_columns = ["name"]
    base_order = ("name", "asc")
    label_columns = {"name": "Предмет", "short_name": "Сокращение"}

    def pre_add(self, item):
        check_subject(item)

    pre_update = pre_add


class TeachingAssignmentView(JournalModelView):
    datamodel = LoadingInterface(TeachingAssignment, load=[
        joinedload(TeachingAssignment.teacher), joinedload(TeachingAssignment.classgroup),
        joinedload(TeachingAssignment.subgroup), joinedload(TeachingAssignment.subject)])
    class_permission_name = "TeachingAssignment"
    row_policy = policy.visible_assignments
    related_policies = {"teacher": lambda user: policy.active_staff(), "classgroup": policy.visible_classes}
    list_title = "Учебная нагрузка"
    add_title = edit_title = show_title = "Нагрузка учителя"
    list_columns = ["teacher", "subject", "classgroup", "subgroup", "hours_per_week"]
    add_columns = edit_columns = show_columns = ["teacher", "subject", "classgroup", "subgroup", "hours_per_week"]
    search_columns = ["teacher", "subject", "classgroup"]
    label_columns = {"teacher": "Учитель", "subject": "Предмет", "classgroup": "Класс", "subgroup": "Группа",
                     "hours_per_week": "Часов в неделю"}

    def pre_add(self, item):
        check_assignment(item)

    pre_update = pre_add


# ---------------------------------------------------------------- REST API


class ClassGroupWriteSchema(Schema):
    school_year = fields.Integer(required=True)
    grade = fields.Integer(required=True, validate=validate.Range(1, 11, error="Параллель — от 1 до 11."))
    letter = fields.String(required=True, validate=validate.Length(1, 2))
    class_teacher = fields.Integer(allow_none=True)


class ClassGroupApi(JournalRestApi):
    resource_name = "classgroup"
    datamodel = LoadingInterface(ClassGroup)
    class_permission_name = "ClassGroup"
    row_policy = policy.visible_classes
    related_policies = {"class_teacher": lambda user: policy.active_staff()}
    list_columns = ["id", "name", "grade", "letter", "school_year.id", "school_year.name",
                    "class_teacher.id", "class_teacher.last_name", "class_teacher.first_name",
                    "class_teacher.middle_name"]
    show_columns = list_columns
    add_columns = edit_columns = ["school_year", "grade", "letter", "class_teacher"]
    search_columns = ["grade", "letter", "school_year"]
    order_columns = ["grade", "letter"]
    write_schema = ClassGroupWriteSchema()

    def create_from(self, data):
        return self._apply(ClassGroup(), data, new=True)

    def update_from(self, item, data):
        return self._apply(item, data, new=False)

    def _apply(self, cls, data, new):
        if "school_year" in data:
            cls.school_year = existing(SchoolYear, data["school_year"], "school_year", "Учебный год")
        if "class_teacher" in data:
            cls.class_teacher = existing(Staff, data["class_teacher"], "class_teacher", "Сотрудник")
        for name in ("grade", "letter"):
            if name in data:
                setattr(cls, name, data[name])
        check_classgroup(db.session, cls)
        if new:
            db.session.add(cls)
        return cls


class SubjectWriteSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 150))
    short_name = fields.String(allow_none=True, validate=validate.Length(0, 30))


class SubjectApi(JournalRestApi):
    resource_name = "subject"
    datamodel = LoadingInterface(Subject)
    class_permission_name = "Subject"
    list_columns = show_columns = ["id", "name", "short_name"]
    add_columns = edit_columns = ["name", "short_name"]
    search_columns = ["name"]
    order_columns = ["name"]
    write_schema = SubjectWriteSchema()

    def create_from(self, data):
        subject = Subject(**data)
        check_subject(subject)
        db.session.add(subject)
        return subject

    def update_from(self, item, data):
        for name, value in data.items():
            setattr(item, name, value)
        check_subject(item)
        return item


def register(appbuilder):
    category = "Структура школы"
    for view, name, label, icon in (
        (SchoolYearView, "SchoolYears", "Учебные годы", "fa-calendar"),
        (PeriodView, "Periods", "Учебные периоды", "fa-calendar-o"),
        (ClassGroupView, "Classes", "Классы", "fa-users"),
        (SubgroupView, "Subgroups", "Группы", "fa-object-group"),
        (SubjectView, "Subjects", "Предметы", "fa-book"),
        (TeachingAssignmentView, "Assignments", "Учебная нагрузка", "fa-briefcase"),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, category=category,
                            category_label=category, category_icon="fa-sitemap")
    appbuilder.add_api(ClassGroupApi)
    appbuilder.add_api(SubjectApi)
