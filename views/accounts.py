"""Issuing logins (001 3.4.2): the administrator gives a person of the registers a login.

FAB's own «add user» form would create logins that belong to nobody; the role matrix
does not grant it, and this page is the only way in.
"""
from flask import flash, redirect, request
from flask_appbuilder import SimpleFormView, expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget, Select2Widget
from flask_appbuilder.validators import PasswordComplexityValidator
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired

from app.accounts import issue_login
from app.extensions import db
from app.people import Guardian, Staff, Student
from app.rules import RuleError
from security.roles import ROLE_TITLES

PEOPLE = {"staff": (Staff, "Сотрудник"), "student": (Student, "Ученик"), "guardian": (Guardian, "Родитель")}


class IssueLoginForm(DynamicForm):
    person = SelectField("Кому", validate_choice=False, widget=Select2Widget(),
                         validators=[DataRequired("Выберите человека.")])
    role = SelectField("Роль", choices=list(ROLE_TITLES.items()))
    username = StringField("Логин", widget=BS3TextFieldWidget(), validators=[DataRequired("Укажите логин.")])
    password = PasswordField("Пароль", widget=BS3PasswordFieldWidget(),
                             validators=[DataRequired("Укажите пароль."), PasswordComplexityValidator()])


def people_without_login():
    choices = [("", "—")]
    for key, (model, title) in PEOPLE.items():
        rows = db.session.scalars(db.select(model).where(model.user_id.is_(None))
                                  .order_by(model.last_name, model.first_name)).all()
        choices += [(f"{key}:{p.id}", f"{title}: {p.full_name}") for p in rows]
    return choices


class IssueLoginView(SimpleFormView):
    route_base = "/issuelogin"
    form = IssueLoginForm
    form_title = "Выдать логин"
    class_permission_name = "IssueLogin"
    method_permission_name = {"this_form_get": "write", "this_form_post": "write"}

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        self._init_vars()
        form = self.form.refresh()
        form.person.choices = people_without_login()
        if form.validate_on_submit():
            try:
                key, pk = form.person.data.split(":")
                person = db.session.get(PEOPLE[key][0], int(pk))
                if person is None:
                    raise RuleError("Такого человека нет в реестрах.", "person")
                issue_login(self.appbuilder.sm, person, username=form.username.data.strip(),
                            password=form.password.data, role_name=form.role.data)
                db.session.commit()
            except (RuleError, ValueError, KeyError) as err:
                db.session.rollback()
                message = getattr(err, "message", "Выберите человека из списка.")
                getattr(form, getattr(err, "field", None) or "person").errors.append(message)
                flash(message, "danger")
            else:
                flash(f"Логин {form.username.data} выдан: {person.full_name}.", "success")
                return redirect(request.url)
        widgets = self._get_edit_widget(form=form)
        return self.render_template(self.form_template, title=self.form_title, widgets=widgets,
                                    appbuilder=self.appbuilder)

    def form_get(self, form):
        form.person.choices = people_without_login()


def register(appbuilder):
    appbuilder.add_view(IssueLoginView, "IssueLogin", label="Выдать логин", icon="fa-key",
                        category="Security", category_label="Управление доступом")
