"""What every view and API of the journal shares: the row-level policy wired into
FAB, forms that keep what was typed when a rule refuses, Russian dates, no deletes.

Views stay thin: they gather what the form or the JSON says and call a rule in
app/; a RuleError becomes a message beside the field (forms) or a 422 (API).
"""
from datetime import datetime

from flask import Response, abort, current_app, flash, request
from flask_appbuilder import ModelRestApi, ModelView, expose
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_filter_args
from marshmallow import ValidationError
from sqlalchemy import Boolean
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DataError, IntegrityError
from wtforms import BooleanField, DateField
from wtforms.validators import DataRequired, Optional

from app.extensions import db
from app.formatting import value_text
from app.rules import Conflict, RuleError, fmt_date, today
from security import policy
from security.roles import METHOD_PERMISSIONS

INTEGRITY_MESSAGE = "Такая запись уже есть или ссылается на несуществующие данные. Ничего не сохранено."


def acting_user():
    """The signed-in person, by session cookie or by JWT."""
    return current_app.appbuilder.sm.current_user


class PolicyFilter(BaseFilter):
    """A base filter whose value is a policy function: user → SQL condition."""

    name = "Правило доступа"
    arg_name = "policy"

    def apply(self, query, policy_function):
        return query.filter(policy_function(acting_user()))


def policy_filter(policy_function):
    """FAB filter spec limiting rows (or related choices) to what the user may see."""
    return [["id", PolicyFilter, policy_function]]


class LoadingInterface(SQLAInterface):
    """SQLAInterface that eager-loads what a list shows, so a page costs a fixed
    number of SQL statements however many rows it has."""

    def __init__(self, obj, load=()):
        super().__init__(obj, db.session)
        self.load_options = tuple(load)

    def apply_all(self, query, *args, **kwargs):
        query = super().apply_all(query, *args, **kwargs)
        return query.options(*self.load_options) if self.load_options else query


class RuDateField(DateField):
    """A date typed as ДД.ММ.ГГГГ (the browser's date picker may fill it too)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%d.%m.%Y", "%Y-%m-%d"])
        kwargs.setdefault("widget", BS3TextFieldWidget())
        kwargs.setdefault("render_kw", {"placeholder": "ДД.ММ.ГГГГ", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d.%m.%Y") if self.data else ""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Дата пишется как ДД.ММ.ГГГГ, например 01.09.2026.")


def date_field(label, required=False):
    return RuDateField(label, validators=[DataRequired("Укажите дату.")] if required else [Optional()])


class JournalModelView(ModelView):
    """Base of every page of the journal.

    Subclasses set `class_permission_name`, `row_policy` (a security.policy function)
    and, for relations in forms, `related_policies` {column: policy function}.
    """

    row_policy = None
    related_policies = {}
    method_permission_name = METHOD_PERMISSIONS
    page_size = 50

    def __init__(self, **kwargs):
        if self.row_policy is not None:
            self.base_filters = policy_filter(type(self).row_policy)
        rel = {col: policy_filter(fn) for col, fn in self.related_policies.items()}
        self.add_form_query_rel_fields = {**rel, **(self.add_form_query_rel_fields or {})}
        self.edit_form_query_rel_fields = {**rel, **(self.edit_form_query_rel_fields or {})}
        self.search_form_query_rel_fields = {**rel, **(self.search_form_query_rel_fields or {})}
        self._optional_checkboxes()
        super().__init__(**kwargs)
        for col in list(self.list_columns) + list(self.show_columns):
            self.formatters_columns.setdefault(col, value_text)

    def _optional_checkboxes(self):
        """FAB gives a NOT NULL boolean column an InputRequired checkbox, so an unticked box («Закрыт»,
        «Текущий») could never be saved: such columns get a plain, optional checkbox."""
        columns = {c.key: c for c in self.datamodel.obj.__table__.columns}
        for extra, shown in (("add_form_extra_fields", self.add_columns), ("edit_form_extra_fields", self.edit_columns)):
            fields = dict(getattr(self, extra) or {})
            for name in shown or ():
                column = columns.get(name)
                if column is not None and isinstance(column.type, Boolean) and name not in fields:
                    fields[name] = BooleanField(self.label_columns.get(name, name), validators=[Optional()])
            setattr(self, extra, fields)

    # FAB offers deletion; the journal never deletes register data.
    def delete(self, pk):  # pragma: no cover - not exposed: no route, no permission
        abort(404)

    # ---- forms that survive a refusal ------------------------------------------------

    def create(self, item):
        """Check the rules and write a new item; subclasses call a rule of app/ here."""
        self.pre_add(item)
        db.session.add(item)

    def update(self, item):
        self.pre_update(item)

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                if self._save(form, lambda: (form.populate_obj(item), self.create(item))):
                    self.post_add(item)
                    flash(self.add_row_message, "success")
                    return None
            else:
                flash("Проверьте поля, отмеченные красным.", "danger")
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                self.process_form(form, False)
                if self._save(form, lambda: (form.populate_obj(item), self.update(item))):
                    self.post_update(item)
                    flash(self.edit_row_message, "success")
                    return None
            else:
                flash("Проверьте поля, отмеченные красным.", "danger")
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        widgets = self._get_related_views_widgets(
            item, filters={}, orders={}, pages={}, page_sizes={}, widgets=widgets
        )
        self.update_redirect()
        return widgets

    def _save(self, form, write):
        """Run `write` and commit; on a refusal roll everything back and keep the form."""
        try:
            write()
            db.session.commit()
            return True
        except RuleError as err:
            db.session.rollback()
            field = getattr(form, err.field, None) if err.field else None
            if field is not None:
                field.errors = list(field.errors or []) + [err.message]
            flash(err.message, "danger")
        except IntegrityError:
            db.session.rollback()
            flash(INTEGRITY_MESSAGE, "danger")
        return False

    # ---- actions skip base_filters in FAB: re-check every pk ------------------------

    # Overrides must be exposed again: FAB builds routes from the decorated attributes.
    @expose("/action_post", methods=["POST"])
    def action_post(self):
        for pk in request.form.getlist("rowid"):
            if not is_id(pk) or self.datamodel.get(pk, self._base_filters) is None:
                abort(404)
        return super().action_post()

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if not is_id(pk) or self.datamodel.get(pk, self._base_filters) is None:
            abort(404)
        return super().action(name, pk)


class CheckedModelView(JournalModelView):
    """A records page whose rule is one check of app/, `rule(session, item)`, raising RuleError."""

    rule = None

    def create(self, item):
        type(self).rule(db.session, item)
        db.session.add(item)

    def update(self, item):
        type(self).rule(db.session, item)


class JournalRestApi(ModelRestApi):
    """Base of every REST resource: filtered by policy on every read, and written only
    through the rules of app/ (FAB's own POST/PUT skip base_filters and would create
    rows for unknown foreign keys)."""

    row_policy = None
    related_policies = {}
    method_permission_name = METHOD_PERMISSIONS
    include_route_methods = {"get", "get_list", "post", "put", "info"}
    allow_browser_login = False  # API blueprints are CSRF-exempt: JWT only
    write_schema = None  # a plain marshmallow Schema with ids for relations

    def __init__(self):
        if self.row_policy is not None:
            self.base_filters = policy_filter(type(self).row_policy)
        rel = {col: policy_filter(fn) for col, fn in self.related_policies.items()}
        self.add_query_rel_fields = {**rel, **(self.add_query_rel_fields or {})}
        self.edit_query_rel_fields = {**rel, **(self.edit_query_rel_fields or {})}
        super().__init__()
        # FAB's _info passes a missing description through gettext(""), which answers
        # the catalogue's header: every field gets its own name as description instead.
        for column in set(self.add_columns or []) | set(self.edit_columns or []):
            self.description_columns.setdefault(column, self.label_columns.get(column, column))

    def create_from(self, data):  # pragma: no cover - each writable resource overrides
        raise RuleError("Этот ресурс нельзя создавать через API.")

    def update_from(self, item, data):  # pragma: no cover
        raise RuleError("Этот ресурс нельзя изменять через API.")

    def post_headless(self):
        data, error = self._load_write(partial=False)
        if error is not None:
            return error
        return self._write(lambda: self.create_from(data), 201)

    def get_headless(self, pk, **kwargs):
        if not is_id(pk):
            return self.response_404()
        return super().get_headless(pk, **kwargs)

    def get_list_headless(self, **kwargs):
        try:
            return super().get_list_headless(**kwargs)
        except (OverflowError, DataError):  # a filter value no column can hold
            db.session.rollback()
            return self.response_400(message="Неверное значение в фильтре.")

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters) if is_id(pk) else None
        if item is None:
            return self.response_404()
        # Locked until the commit (PostgreSQL): two writers of one record queue, and the
        # second compares its `version` with what the first wrote.
        db.session.refresh(item, with_for_update=True)
        data, error = self._load_write(partial=True)
        if error is not None:
            return error
        return self._write(lambda: self.update_from(item, data), 200)

    def _load_write(self, partial):
        if not request.is_json or not isinstance(request.json, dict):
            return None, self.response_400(message="Ожидается JSON-объект.")
        if policy.is_student_account(acting_user()):
            return None, self.response_403()
        try:
            return self.write_schema.load(request.json, partial=partial), None
        except ValidationError as err:
            return None, self.response_422(message=err.messages)

    def _write(self, write, status):
        try:
            item = write()
            db.session.commit()
        except Conflict as err:  # somebody wrote first: the caller reloads and decides
            db.session.rollback()
            return self.response(409, message={err.field or "_": [err.message]})
        except RuleError as err:
            db.session.rollback()
            return self.response_422(message={err.field or "_": [err.message]})
        except IntegrityError:
            db.session.rollback()
            return self.response_422(message={"_": [INTEGRITY_MESSAGE]})
        return self.response(status, id=item.id, result=self.show_model_schema.dump(item))


MAX_ID = 2 ** 31 - 1


def pdf_response(data, name):
    """Every PDF the journal serves (printouts, reports, the changes sheet): marks and personal data,
    so no shared or browser cache keeps it (as views/messages.py file_response)."""
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}.pdf"', "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})


DATE_LAYOUTS = ("%d.%m.%Y", "%Y-%m-%d")  # as a person types it, and as a date picker sends it


def read_date(text):
    """A date as a person types it (ДД.ММ.ГГГГ) or a date picker sends it (ГГГГ-ММ-ДД); None
    when it is neither."""
    for layout in DATE_LAYOUTS:
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


def typed_date(text, field, label=None, required=False):
    """A form's or a page's date (read_date); None when left empty and not required. Empty but
    required, or unreadable: a RuleError on the field, in Russian."""
    text = (text or "").strip()
    if not text:
        if required:
            raise RuleError(f"Укажите {label}.", field)
        return None
    day = read_date(text)
    if day is None:
        raise RuleError(f"Не удалось прочитать {label or 'дату'} «{text}»: дата пишется как ДД.ММ.ГГГГ, "
                        f"например {fmt_date(today())}.", field)
    return day


def form_date(name, label, required=True):
    return typed_date(request.form.get(name), name, label, required)


def arg_day():
    """?day=ГГГГ-ММ-ДД or ДД.ММ.ГГГГ of a week page; today when absent, unreadable or no school's
    date (the pages step a week back and forth from it, which year 1 or 9999 cannot)."""
    day = read_date(request.args.get("day", ""))
    return day if day is not None and 1900 <= day.year <= 2100 else today()


def is_id(value):
    """A primary key as a URL or form gives it: digits that a database column can hold."""
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


def existing(model, pk, field, label):
    """The row `pk` of `model`, or a RuleError naming the field (no row is ever created)."""
    if pk is None:
        return None
    row = db.session.get(model, pk)
    if row is None:
        raise RuleError(f"{label} с номером {pk} не найден(а).", field)
    return row


def visible(model, pk, field, label, policy_function):
    """Like existing(), but a row the user may not see is reported as not found."""
    row = existing(model, pk, field, label)
    if row is None:
        return None
    pk_col = sa_inspect(model).primary_key[0]
    allowed = db.session.scalar(
        db.select(pk_col).where(pk_col == pk, policy_function(acting_user()))
    )
    if allowed is None:
        raise RuleError(f"{label} с номером {pk} не найден(а).", field)
    return row
