"""Staff and student registers (secretary), staff development (deputies), the class
teacher's class list, the family's own page, and the `staff` and `student` REST resources."""
from flask import abort
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import joinedload, selectinload
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from app import registers
from app.extensions import db
from app.people import (
    ATTESTATION_CATEGORIES, KINSHIP, Attestation, Guardian, Guardianship, Position, Staff, StaffAct,
    Student, StudentAct, TrainingCourse, check_attestation, check_guardianship, check_training_course,
)
from app.rules import RuleError, require
from app.structure import ClassGroup, SchoolYear
from security import policy
from security.roles import METHOD_PERMISSIONS
from views.base import (
    JournalModelView, JournalRestApi, LoadingInterface, acting_user, date_field, existing, visible,
)

# Views that must not offer a button for a route they do not have.
NO_ADDING = {**METHOD_PERMISSIONS, "add": "add"}
NO_EDITING = {**METHOD_PERMISSIONS, "edit": "edit"}
NAME_LABELS = {"last_name": "Фамилия", "first_name": "Имя", "middle_name": "Отчество", "full_name": "ФИО",
               "birth_date": "Дата рождения", "phone": "Телефон", "email": "Эл. почта", "address": "Адрес"}
ORDER_LABELS = {"effective_on": "С какой даты", "order_no": "Номер приказа", "order_date": "Дата приказа",
                "order_text": "Приказ", "note": "Примечание", "kind_text": "Действие", "created_by": "Внёс(ла)"}


def order_fields(effective_label="С какой даты"):
    return {
        "effective_on": date_field(effective_label, required=True),
        "order_no": StringField("Номер приказа", validators=[DataRequired("Укажите номер приказа.")]),
        "order_date": date_field("Дата приказа", required=True),
    }


def open_classes(user):
    """Classes of school years that are not closed, among those the user may see."""
    return ClassGroup.school_year_id.in_(db.select(SchoolYear.id).where(SchoolYear.closed.is_(False))) \
        & policy.visible_classes(user)


# ------------------------------------------------------------------ staff register


class StaffView(JournalModelView):
    datamodel = LoadingInterface(Staff, load=[selectinload(Staff.positions)])
    class_permission_name = "Staff"
    row_policy = policy.visible_staff
    list_title = "Реестр сотрудников"
    add_title = "Приём на работу"
    edit_title = "Личные данные сотрудника"
    show_title = "Сотрудник"
    list_columns = ["full_name", "positions_text", "birth_date", "phone", "email", "status_text"]
    show_columns = ["full_name", "positions_text", "birth_date", "phone", "email", "hired_on", "status_text"]
    add_columns = ["last_name", "first_name", "middle_name", "birth_date", "phone", "email", "positions",
                   "effective_on", "order_no", "order_date"]
    edit_columns = ["last_name", "first_name", "middle_name", "birth_date", "phone", "email"]
    search_columns = ["last_name", "first_name", "middle_name", "positions", "dismissed_on"]
    order_columns = ["birth_date"]
    base_order = ("last_name", "asc")
    label_columns = {**NAME_LABELS, "positions": "Должность", "positions_text": "Должность",
                     "hired_on": "Принят(а)", "dismissed_on": "Уволен(а)", "status_text": "Состояние",
                     **ORDER_LABELS, "effective_on": "Дата приёма"}
    add_form_extra_fields = {"birth_date": date_field("Дата рождения"), **order_fields("Дата приёма")}
    edit_form_extra_fields = {"birth_date": date_field("Дата рождения")}
    related_views = []

    def create(self, item):
        registers.hire_staff(db.session, item, positions=item.positions, effective_on=item.effective_on,
                             order_no=item.order_no, order_date=item.order_date, by_user=acting_user())

    def update(self, item):
        registers.check_person_name(item)


class StaffActView(JournalModelView):
    """Transfers and dismissals (and re-hiring) of staff already in the register."""

    datamodel = LoadingInterface(StaffAct, load=[joinedload(StaffAct.staff), selectinload(StaffAct.positions),
                                                 joinedload(StaffAct.created_by)])
    class_permission_name = "StaffAct"
    list_title = "Приказы по личному составу"
    add_title = "Перевод или увольнение сотрудника"
    show_title = "Приказ по личному составу"
    list_columns = ["staff", "kind_text", "positions_text", "effective_on", "order_text", "created_by"]
    show_columns = ["staff", "kind_text", "positions_text", "effective_on", "order_text", "note", "created_by",
                    "created_at"]
    add_columns = ["staff", "kind", "positions", "effective_on", "order_no", "order_date", "note"]
    search_columns = ["staff", "kind", "effective_on", "order_no"]
    base_order = ("effective_on", "desc")
    label_columns = {**ORDER_LABELS, "staff": "Сотрудник", "kind": "Действие", "positions": "Новая должность",
                     "positions_text": "Должность", "created_at": "Внесено"}
    add_form_extra_fields = {
        "kind": SelectField("Действие", choices=[("transfer", "перевод на другую должность"),
                                                 ("dismissal", "увольнение"), ("hire", "повторный приём")]),
        **order_fields(),
    }

    def create(self, act):
        staff = require(act.staff, "Выберите сотрудника.", "staff")
        common = dict(effective_on=act.effective_on, order_no=act.order_no, order_date=act.order_date,
                      by_user=acting_user(), note=act.note, act=act)
        if act.kind == "dismissal":
            registers.dismiss_staff(db.session, staff, **common)
        elif act.kind == "transfer":
            registers.transfer_staff(db.session, staff, positions=act.positions, **common)
        elif act.kind == "hire":
            registers.hire_staff(db.session, staff, positions=act.positions, **common)
        else:
            raise RuleError("Выберите действие.", "kind")

    method_permission_name = NO_EDITING

    def edit(self, pk):  # an order is never edited; a new order corrects it
        abort(404)


class PositionView(JournalModelView):
    datamodel = LoadingInterface(Position)
    class_permission_name = "Position"
    list_title = "Должности"
    add_title = edit_title = show_title = "Должность"
    list_columns = add_columns = edit_columns = show_columns = ["name"]
    search_columns = ["name"]
    label_columns = {"name": "Должность"}


class AttestationView(JournalModelView):
    datamodel = LoadingInterface(Attestation, load=[joinedload(Attestation.staff)])
    class_permission_name = "Attestation"
    related_policies = {"staff": lambda user: policy.active_staff()}
    list_title = "Аттестация сотрудников"
    add_title = edit_title = show_title = "Аттестация"
    list_columns = ["staff", "category", "decided_on", "valid_until", "order_no"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["staff", "category"]
    base_order = ("decided_on", "desc")
    label_columns = {"staff": "Сотрудник", "category": "Категория", "decided_on": "Дата решения",
                     "valid_until": "Действует до", "order_no": "Номер приказа"}
    add_form_extra_fields = edit_form_extra_fields = {
        "category": SelectField("Категория", choices=[(c, c) for c in ATTESTATION_CATEGORIES]),
        "decided_on": date_field("Дата решения", required=True),
        "valid_until": date_field("Действует до"),
    }

    def pre_add(self, item):
        check_attestation(item)

    pre_update = pre_add


class TrainingCourseView(JournalModelView):
    datamodel = LoadingInterface(TrainingCourse, load=[joinedload(TrainingCourse.staff)])
    class_permission_name = "TrainingCourse"
    related_policies = {"staff": lambda user: policy.active_staff()}
    list_title = "Курсы повышения квалификации"
    add_title = edit_title = show_title = "Курсы повышения квалификации"
    list_columns = ["staff", "title", "provider", "hours", "finished_on", "certificate_no"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["staff", "title", "provider"]
    base_order = ("finished_on", "desc")
    label_columns = {"staff": "Сотрудник", "title": "Программа", "provider": "Организация", "hours": "Часов",
                     "finished_on": "Окончены", "certificate_no": "Удостоверение №"}
    add_form_extra_fields = edit_form_extra_fields = {"finished_on": date_field("Окончены", required=True)}

    def pre_add(self, item):
        check_training_course(item)

    pre_update = pre_add


# ------------------------------------------------------------------ student register

STUDENT_PERSONAL = ["last_name", "first_name", "middle_name", "birth_date", "pd_consent", "pd_consent_on",
                    "phone", "email", "address"]
STUDENT_LABELS = {**NAME_LABELS, "pd_consent": "Согласие на обработку ПДн", "pd_consent_on": "Дата согласия",
                  "classgroup": "Класс", "classgroup_name": "Класс", "status_text": "Состояние",
                  "admitted_on": "Зачислен(а)", "withdrawn_on": "Выбыл(а)", "guardians_text": "Родители",
                  "confirm_duplicate": "Подтверждаю, это другой ученик", **ORDER_LABELS}
CONSENT = BooleanField("Согласие на обработку ПДн", validators=[Optional()])
CONFIRM = BooleanField("Подтверждаю, это другой ученик",
                       description="Отметьте, только если ученик с такими же ФИО и датой рождения — другой человек.")


class StudentView(JournalModelView):
    """The student register. Adding a student is their admission by an order."""

    datamodel = LoadingInterface(Student, load=[joinedload(Student.classgroup)])
    class_permission_name = "Student"
    row_policy = policy.visible_students
    related_policies = {"classgroup": open_classes}
    list_title = "Реестр учащихся"
    add_title = "Зачисление ученика"
    edit_title = "Личные данные ученика"
    show_title = "Ученик"
    list_columns = ["full_name", "birth_date", "classgroup_name", "status_text"]
    show_columns = ["full_name", "birth_date", "classgroup_name", "status_text", "admitted_on", "pd_consent",
                    "pd_consent_on", "phone", "email", "address"]
    add_columns = STUDENT_PERSONAL + ["classgroup", "effective_on", "order_no", "order_date", "confirm_duplicate"]
    edit_columns = STUDENT_PERSONAL + ["confirm_duplicate"]
    search_columns = ["last_name", "first_name", "classgroup", "birth_date", "withdrawn_on"]
    search_form_query_rel_fields = {}
    order_columns = ["birth_date"]
    base_order = ("last_name", "asc")
    label_columns = {**STUDENT_LABELS, "effective_on": "Дата зачисления"}
    add_form_extra_fields = {
        "birth_date": date_field("Дата рождения", required=True),
        "pd_consent_on": date_field("Дата согласия"),
        "confirm_duplicate": CONFIRM,
        "pd_consent": CONSENT,
        **order_fields("Дата зачисления"),
    }
    edit_form_extra_fields = {
        "birth_date": date_field("Дата рождения", required=True),
        "pd_consent_on": date_field("Дата согласия"),
        "confirm_duplicate": CONFIRM,
        "pd_consent": CONSENT,
    }

    def create(self, student):
        classgroup = student.classgroup
        student.classgroup = None
        registers.admit_student(db.session, student, classgroup=classgroup, effective_on=student.effective_on,
                                order_no=student.order_no, order_date=student.order_date,
                                by_user=acting_user(), confirm_duplicate=bool(student.confirm_duplicate))

    def update(self, student):
        registers.check_student_data(db.session, student, confirm_duplicate=bool(student.confirm_duplicate))


class StudentActView(JournalModelView):
    """Transfers to another class and withdrawals, each by an order."""

    datamodel = LoadingInterface(StudentAct, load=[joinedload(StudentAct.student), joinedload(StudentAct.from_class),
                                                   joinedload(StudentAct.to_class), joinedload(StudentAct.created_by)])
    class_permission_name = "StudentAct"
    related_policies = {"student": lambda user: policy.current_students() & policy.visible_students(user),
                        "to_class": open_classes}
    list_title = "Движение учащихся"
    add_title = "Перевод или выбытие ученика"
    show_title = "Приказ о движении учащихся"
    list_columns = ["student", "kind_text", "from_class", "to_class", "destination", "effective_on", "order_text"]
    show_columns = list_columns + ["note", "created_by", "created_at"]
    add_columns = ["student", "kind", "to_class", "destination", "effective_on", "order_no", "order_date", "note"]
    search_columns = ["student", "kind", "effective_on", "order_no"]
    base_order = ("effective_on", "desc")
    label_columns = {**ORDER_LABELS, "student": "Ученик", "kind": "Действие", "from_class": "Из класса",
                     "to_class": "В класс", "destination": "Куда выбыл(а)", "created_at": "Внесено"}
    description_columns = {"destination": "Для выбытия: школа и населённый пункт.",
                           "to_class": "Для перевода: класс того же учебного года."}
    add_form_extra_fields = {
        "kind": SelectField("Действие", choices=[("transfer", "перевод в другой класс"), ("withdrawal", "выбытие")]),
        **order_fields(),
    }

    def create(self, act):
        student = require(act.student, "Выберите ученика.", "student")
        common = dict(effective_on=act.effective_on, order_no=act.order_no, order_date=act.order_date,
                      by_user=acting_user(), note=act.note, act=act)
        if act.kind == "transfer":
            registers.transfer_student(db.session, student, to_class=act.to_class, **common)
        elif act.kind == "withdrawal":
            act.to_class = None
            registers.withdraw_student(db.session, student, destination=act.destination, **common)
        else:
            raise RuleError("Выберите действие.", "kind")

    method_permission_name = NO_EDITING

    def edit(self, pk):
        abort(404)


class GuardianView(JournalModelView):
    datamodel = LoadingInterface(Guardian, load=[
        selectinload(Guardian.guardianships).joinedload(Guardianship.student).joinedload(Student.classgroup)])
    class_permission_name = "Guardian"
    row_policy = policy.visible_guardians
    list_title = "Родители (законные представители)"
    add_title = edit_title = show_title = "Родитель (законный представитель)"
    list_columns = ["full_name", "children_text", "phone", "email"]
    show_columns = ["full_name", "children_text", "phone", "email", "address"]
    add_columns = edit_columns = ["last_name", "first_name", "middle_name", "phone", "email", "address"]
    search_columns = ["last_name", "first_name", "phone", "email"]
    base_order = ("last_name", "asc")
    label_columns = {**NAME_LABELS, "children_text": "Дети"}

    def pre_add(self, item):
        registers.check_person_name(item)

    pre_update = pre_add


class GuardianshipView(JournalModelView):
    datamodel = LoadingInterface(Guardianship, load=[joinedload(Guardianship.student),
                                                     joinedload(Guardianship.guardian)])
    class_permission_name = "Guardian"
    related_policies = {"student": policy.visible_students, "guardian": policy.visible_guardians}
    list_title = "Родители и дети"
    add_title = edit_title = show_title = "Связь родителя и ребёнка"
    list_columns = add_columns = edit_columns = show_columns = ["student", "guardian", "kinship"]
    search_columns = ["student", "guardian"]
    label_columns = {"student": "Ученик", "guardian": "Родитель", "kinship": "Кем приходится"}
    add_form_extra_fields = edit_form_extra_fields = {
        "kinship": SelectField("Кем приходится", choices=[(k, k) for k in KINSHIP]),
    }

    def pre_add(self, item):
        check_guardianship(item)

    pre_update = pre_add


# ------------------------------------------------------------------ class teacher and family


class MyClassView(JournalModelView):
    """The class teacher's class list: contact data kept current (001 3.5.2)."""

    datamodel = LoadingInterface(Student, load=[joinedload(Student.classgroup),
                                                selectinload(Student.guardianships).joinedload(Guardianship.guardian)])
    class_permission_name = "MyClass"
    row_policy = policy.led_students
    list_title = "Мой класс"
    edit_title = "Контакты ученика"
    show_title = "Ученик моего класса"
    list_columns = ["full_name", "classgroup_name", "birth_date", "phone", "email", "guardians_text"]
    show_columns = ["full_name", "classgroup_name", "birth_date", "phone", "email", "address", "guardians_text"]
    edit_columns = ["phone", "email", "address"]
    search_columns = ["last_name", "first_name"]
    base_order = ("last_name", "asc")
    label_columns = STUDENT_LABELS

    method_permission_name = NO_ADDING

    def add(self):
        abort(404)


class MyClassGuardianView(JournalModelView):
    datamodel = LoadingInterface(Guardian, load=[
        selectinload(Guardian.guardianships).joinedload(Guardianship.student).joinedload(Student.classgroup)])
    class_permission_name = "MyClassGuardian"
    row_policy = policy.led_guardians
    list_title = "Родители моего класса"
    edit_title = "Контакты родителя"
    show_title = "Родитель"
    list_columns = ["full_name", "children_text", "phone", "email"]
    show_columns = ["full_name", "children_text", "phone", "email", "address"]
    edit_columns = ["phone", "email", "address"]
    search_columns = ["last_name", "first_name"]
    base_order = ("last_name", "asc")
    label_columns = {**NAME_LABELS, "children_text": "Дети"}

    method_permission_name = NO_ADDING

    def add(self):
        abort(404)


class MyFamilyView(JournalModelView):
    """A parent's children (or a student's own card): read-only."""

    datamodel = LoadingInterface(Student, load=[joinedload(Student.classgroup).joinedload(ClassGroup.class_teacher)])
    class_permission_name = "MyFamily"
    row_policy = policy.family_students
    list_title = "Мои дети"
    show_title = "Ученик"
    list_columns = ["full_name", "classgroup_name", "class_teacher_name"]
    show_columns = ["full_name", "birth_date", "classgroup_name", "class_teacher_name"]
    search_columns = ["last_name"]
    label_columns = {**STUDENT_LABELS, "class_teacher_name": "Классный руководитель"}
    base_permissions = ["can_read"]


# ------------------------------------------------------------------ REST API


class StaffWriteSchema(Schema):
    last_name = fields.String(required=True, validate=validate.Length(1, 60))
    first_name = fields.String(required=True, validate=validate.Length(1, 60))
    middle_name = fields.String(allow_none=True, validate=validate.Length(0, 60))
    birth_date = fields.Date(allow_none=True)
    phone = fields.String(allow_none=True, validate=validate.Length(0, 40))
    email = fields.Email(allow_none=True)
    positions = fields.List(fields.Integer(), required=True)
    effective_on = fields.Date(required=True)
    order_no = fields.String(required=True)
    order_date = fields.Date(required=True)


PERSONAL_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "phone", "email", "address",
                   "pd_consent", "pd_consent_on")


class StaffApi(JournalRestApi):
    resource_name = "staff"
    datamodel = LoadingInterface(Staff)
    class_permission_name = "Staff"
    row_policy = policy.visible_staff
    list_columns = show_columns = ["id", "last_name", "first_name", "middle_name", "birth_date", "phone", "email",
                                   "hired_on", "dismissed_on", "positions.id", "positions.name"]
    add_columns = edit_columns = ["last_name", "first_name", "middle_name", "birth_date", "phone", "email"]
    search_columns = ["last_name", "first_name", "dismissed_on"]
    order_columns = ["last_name", "first_name"]
    write_schema = StaffWriteSchema()

    def create_from(self, data):
        positions = [existing(Position, pk, "positions", "Должность") for pk in data.pop("positions")]
        order = {k: data.pop(k) for k in ("effective_on", "order_no", "order_date")}
        staff = Staff(**data)
        registers.hire_staff(db.session, staff, positions=positions, by_user=acting_user(), **order)
        return staff

    def update_from(self, staff, data):
        for name in PERSONAL_FIELDS:
            if name in data:
                setattr(staff, name, data[name])
        if set(data) - set(PERSONAL_FIELDS):
            raise RuleError("Через PUT меняются только личные данные; перевод и увольнение — приказом.", "_")
        registers.check_person_name(staff)
        return staff


class StudentWriteSchema(Schema):
    last_name = fields.String(required=True, validate=validate.Length(1, 60))
    first_name = fields.String(required=True, validate=validate.Length(1, 60))
    middle_name = fields.String(allow_none=True, validate=validate.Length(0, 60))
    birth_date = fields.Date(required=True)
    pd_consent = fields.Boolean(load_default=False)
    pd_consent_on = fields.Date(allow_none=True)
    phone = fields.String(allow_none=True, validate=validate.Length(0, 40))
    email = fields.Email(allow_none=True)
    address = fields.String(allow_none=True, validate=validate.Length(0, 300))
    classgroup = fields.Integer(required=True)
    effective_on = fields.Date(required=True)
    order_no = fields.String(required=True)
    order_date = fields.Date(required=True)
    confirm_duplicate = fields.Boolean(load_default=False)


class StudentApi(JournalRestApi):
    resource_name = "student"
    datamodel = LoadingInterface(Student)
    class_permission_name = "Student"
    row_policy = policy.visible_students
    related_policies = {"classgroup": open_classes}
    list_columns = show_columns = ["id", "last_name", "first_name", "middle_name", "birth_date",
                                   "classgroup.id", "classgroup.grade", "classgroup.letter",
                                   "admitted_on", "withdrawn_on"]
    add_columns = edit_columns = ["last_name", "first_name", "middle_name", "birth_date", "classgroup"]
    search_columns = ["last_name", "first_name", "classgroup"]
    order_columns = ["last_name", "first_name", "birth_date"]
    write_schema = StudentWriteSchema()

    def create_from(self, data):
        classgroup = visible(ClassGroup, data.pop("classgroup"), "classgroup", "Класс", open_classes)
        order = {k: data.pop(k) for k in ("effective_on", "order_no", "order_date", "confirm_duplicate")}
        student = Student(**data)
        registers.admit_student(db.session, student, classgroup=classgroup, by_user=acting_user(), **order)
        return student

    def update_from(self, student, data):
        confirm = data.pop("confirm_duplicate", False)
        if set(data) - set(PERSONAL_FIELDS):
            raise RuleError("Через PUT меняются только личные данные; зачисление, перевод и выбытие — приказом.",
                            "_")
        for name, value in data.items():
            setattr(student, name, value)
        registers.check_student_data(db.session, student, confirm_duplicate=confirm)
        return student


def register(appbuilder):
    staff, students, mine = "Сотрудники", "Учащиеся", "Мой класс"
    for view, name, label, icon, category in (
        (StaffView, "StaffRegister", "Реестр сотрудников", "fa-id-card", staff),
        (StaffActView, "StaffActs", "Приказы по личному составу", "fa-file-text-o", staff),
        (AttestationView, "Attestations", "Аттестация", "fa-certificate", staff),
        (TrainingCourseView, "TrainingCourses", "Курсы повышения квалификации", "fa-graduation-cap", staff),
        (PositionView, "Positions", "Должности", "fa-list", staff),
        (StudentView, "StudentRegister", "Реестр учащихся", "fa-address-book", students),
        (StudentActView, "StudentActs", "Движение учащихся", "fa-exchange", students),
        (GuardianView, "Guardians", "Родители", "fa-user", students),
        (GuardianshipView, "Guardianships", "Родители и дети", "fa-link", students),
        (MyClassView, "MyClass", "Ученики моего класса", "fa-users", mine),
        (MyClassGuardianView, "MyClassGuardians", "Родители моего класса", "fa-user", mine),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, category=category, category_label=category)
    appbuilder.add_view(MyFamilyView, "MyFamily", label="Мои дети", icon="fa-child")
    appbuilder.add_api(StaffApi)
    appbuilder.add_api(StudentApi)
