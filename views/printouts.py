"""«Печатные формы»: the printed copies and their sign-off, the batch of a period with its progress,
checking a paper copy against the register, the archive register; and the REST resource `printout`.

Thin, like every view: forms are read here and handed to the rules of printouts/workflow.py,
printouts/archive.py and printouts/jobs.py; a refusal is shown on the page with what was typed kept.
Which printouts a person sees is security.policy.visible_printouts; which step is theirs, the rules.
"""

from flask import abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import permission_name, protect, safe
from marshmallow import Schema, fields
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload, selectinload

from app.extensions import db
from app.rules import Conflict, NeedsConfirmation, RuleError, fmt_date, today
from app.structure import ClassGroup, Period, SchoolYear
from printouts import archive, jobs, workflow
from printouts.models import KINDS, STATES, ArchiveRecord, PrintJob, Printout, PrintoutSheet
from printouts.pdf import PrintoutError
from security import policy
from security.roles import DEPUTY, DIRECTOR, METHOD_PERMISSIONS, SECRETARY
from views.base import JournalRestApi, LoadingInterface, acting_user, form_date, is_id, pdf_response

PAGE_SIZE = 50
LIST_LOAD = (joinedload(Printout.classgroup), joinedload(Printout.period), joinedload(Printout.school_year),
             defer(Printout.pdf), defer(Printout.frozen_pdf))


# ------------------------------------------------------------------ reading what a form sent


def form_count(name, label):
    text = (request.form.get(name) or "").strip()
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= 100000):
        raise RuleError(f"{label}: целое число больше нуля.", name)
    return int(text)


def form_version():
    text = (request.form.get("version") or "").strip()
    return int(text) if is_id(text) else None


def arg_id(source, name):
    text = (source.get(name) or "").strip()
    return int(text) if is_id(text) else None


def asks_for_year():
    """The form's period is «весь учебный год»: said explicitly, never guessed from a missing id."""
    return request.form.get("period") == workflow.WHOLE_YEAR


def form_flag(name):
    return request.form.get(name) in ("1", "on", "true", "yes")


def run_rule(write, success):
    """Run a rule and commit; on a refusal roll back and say why. (ok, RuleError or None)."""
    try:
        result = write()
        db.session.commit()
    except NeedsConfirmation as err:
        db.session.rollback()
        return False, err
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "warning")
        return False, err
    except (RuleError, PrintoutError) as err:
        db.session.rollback()
        flash(err.message, "danger")
        return False, err
    except IntegrityError:
        db.session.rollback()
        err = RuleError("Такой регистрационный номер уже есть в реестре. Укажите другой.", "number")
        flash(err.message, "danger")
        return False, err
    flash(success(result) if callable(success) else success, "success")
    return True, None


def current_year():
    return db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))


def period_choices(year):
    if year is None:
        return []
    return db.session.scalars(select(Period).where(Period.school_year_id == year.id)
                              .order_by(Period.starts_on, Period.grade_from)).all()


def class_choices(year):
    if year is None:
        return []
    return db.session.scalars(select(ClassGroup).where(ClassGroup.school_year_id == year.id)
                              .order_by(ClassGroup.grade, ClassGroup.letter)).all()


def pdf_name(printout, download):
    """printout-7, the registered copy printout-7-reg, the pages of it one teacher may see printout-7-part."""
    suffix = "-reg" if printout.frozen_pdf is not None and download.whole else ""
    return f"printout-{printout.id}{suffix}{'' if download.whole else '-part'}"


# ------------------------------------------------------------------ the printouts and their steps


class PrintoutView(BaseView):
    route_base = "/printouts"
    class_permission_name = "Printout"
    method_permission_name = {"index": "read", "show": "read", "pdf": "read", "verify": "read",
                              "step": "write", "generate": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        user = acting_user()
        filters = {name: request.args.get(name, "") for name in ("year", "classgroup", "period", "state", "kind")}
        statement = self._listed(user, filters)
        page = arg_id(request.args, "page") or 1
        total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
        items = db.session.scalars(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
        waiting = db.session.scalars(select(Printout).where(workflow.awaiting(user), policy.visible_printouts(user))
                                     .options(*LIST_LOAD).order_by(Printout.id.desc()).limit(200)).all()
        year = current_year()
        return self.render_template(
            "printout_list.html", items=items, waiting=waiting, filters=filters, page=page, total=total,
            pages=max(1, -(-total // PAGE_SIZE)), years=db.session.scalars(select(SchoolYear).order_by(
                SchoolYear.starts_on.desc())).all(), classes=class_choices(year), periods=period_choices(year),
            states=STATES, kinds=KINDS, may_generate=workflow.actor_of(user).has(DEPUTY))

    def _listed(self, user, filters):
        statement = select(Printout).where(policy.visible_printouts(user)).options(*LIST_LOAD)
        for name, column in (("year", Printout.school_year_id), ("classgroup", Printout.classgroup_id),
                             ("period", Printout.period_id)):
            if is_id(filters[name]):
                statement = statement.where(column == int(filters[name]))
        if filters["state"] == "retracted":
            statement = statement.where(Printout.retracted_at.isnot(None))
        elif filters["state"] in STATES:
            statement = statement.where(Printout.state == filters["state"], Printout.retracted_at.is_(None))
        if filters["kind"] in KINDS:
            statement = statement.where(Printout.kind == filters["kind"])
        return statement.order_by(Printout.id.desc())

    def _printout(self, printout_id):
        printout = workflow.load(db.session, printout_id, acting_user())
        if printout is None:
            abort(404)
        return printout

    @expose("/<int:printout_id>")
    @has_access
    def show(self, printout_id, typed=None, status=200):
        printout = self._printout(printout_id)
        if typed is None:  # opening the page compares the sheets with the journal as it is now
            self._refresh(printout)
        user = acting_user()
        names = workflow.names_of(db.session, [s.signed_by_id for s in printout.sheets]
                                  + [s.user_id for s in printout.steps])
        return self.render_template(
            "printout_show.html", printout=printout, title=workflow.title_of(printout), names=names,
            actions=workflow.actions_for(printout, user), typed=typed or {}, step_text=workflow.STEP_TEXT,
            refused_text=workflow.REFUSED_TEXT, cover_key=workflow.cover_key(printout),
            suggested=workflow.suggest_register_number(db.session, printout) if not printout.register_number else "",
            period_open=not (printout.period or printout.school_year).closed,
            whole_copy=workflow.sees_whole_copy(db.session, printout, user),
            today=today(), record=db.session.scalar(select(ArchiveRecord).where(
                ArchiveRecord.printout_id == printout.id))), status

    def _refresh(self, printout):
        """Compare and draw again; a failed drawing is said on the page, which still opens."""
        try:
            lost = workflow.refresh(db.session, printout)
            db.session.commit()
        except PrintoutError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return
        if lost:
            flash("Данные журнала изменились после подписи: листы снова ждут подписи — "
                  + ", ".join(f"«{s.title}»" for s in printout.sheets if s.key in lost) + ".", "warning")

    @expose("/<int:printout_id>/pdf")
    @has_access
    def pdf(self, printout_id):
        printout = self._printout(printout_id)
        try:
            download = workflow.pdf_for(db.session, printout, acting_user())
            db.session.commit()
        except PrintoutError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return self.show(printout_id, typed={}, status=500)  # typed: not drawn again on the page
        if download.pdf is None:
            flash("Копия уничтожена по акту: в реестре хранится только её SHA-256.", "warning")
            return redirect(url_for("PrintoutView.show", printout_id=printout_id))
        return pdf_response(download.pdf, pdf_name(printout, download))

    @expose("/<int:printout_id>/step", methods=["POST"])
    @has_access
    def step(self, printout_id):
        printout = self._printout(printout_id)
        lost = workflow.refresh(db.session, printout)
        db.session.commit()
        if lost:
            flash("Данные журнала изменились после подписи: шаг не сделан, листы снова ждут подписи учителей.",
                  "warning")
            return redirect(url_for("PrintoutView.show", printout_id=printout_id))
        action = STEPS.get(request.form.get("step", ""))
        if action is None:
            abort(400)
        ok, _err = run_rule(lambda: action(printout), lambda message: message)
        if ok:
            return redirect(url_for("PrintoutView.show", printout_id=printout_id))
        return self.show(printout_id, typed=request.form, status=422)

    # ---- a new printout

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def generate(self):
        user = acting_user()
        if not workflow.actor_of(user).has(DEPUTY):
            flash("Печатные формы формирует заместитель директора.", "warning")
            return redirect(url_for("PrintoutView.index"))
        year = current_year()
        missing, question, existing, status = [], None, [], 200
        if request.method == "POST":
            holder = {}

            def write():
                classgroup = db.session.get(ClassGroup, arg_id(request.form, "classgroup") or 0)
                if classgroup is None:
                    raise RuleError("Выберите класс.", "classgroup")
                period = workflow.chosen_period(db.session, arg_id(request.form, "period"), asks_for_year())
                holder["printout"] = workflow.generate(
                    db.session, user, classgroup, period, request.form.get("kind") or "journal",
                    incomplete_ok=form_flag("incomplete_ok"), replace=form_flag("replace"),
                    duplicate_ok=form_flag("duplicate_ok"))
                return holder["printout"]

            ok, err = run_rule(write, lambda p: f"Сформирована: {workflow.title_of(p)}, листов: {p.sheet_count}.")
            if ok:
                return redirect(url_for("PrintoutView.show", printout_id=holder["printout"].id))
            status = 422
            if isinstance(err, NeedsConfirmation):
                question, missing, existing = err, *self._questions()
        return self.render_template("printout_new.html", classes=class_choices(year), periods=period_choices(year),
                                    kinds=KINDS, typed=request.form, missing=missing, question=question,
                                    existing=existing, today=today()), status

    def _questions(self):
        """Everything the deputy decides at once: missing final marks and copies that already exist."""
        classgroup = db.session.get(ClassGroup, arg_id(request.form, "classgroup") or 0)
        period = None if asks_for_year() else db.session.get(Period, arg_id(request.form, "period") or 0)
        kind = request.form.get("kind") if request.form.get("kind") in KINDS else "journal"
        return (workflow.missing_final_marks(db.session, classgroup, period),
                workflow.active_printouts(db.session, classgroup.id, period.id if period else None, kind))

    # ---- checking a paper copy

    @expose("/verify", methods=["GET", "POST"])
    @has_access
    def verify(self):
        result, status = None, 200
        if request.method == "POST":
            upload = request.files.get("pdf")
            try:
                result = workflow.verify(db.session, request.form.get("number"),
                                         pdf=upload.read() if upload and upload.filename else None,
                                         sha256=request.form.get("sha256"), user=acting_user())
            except RuleError as err:
                flash(err.message, "danger")
                status = 422
        # The register's details come only with a copy this person may open (workflow.verify).
        return self.render_template("printout_verify.html", result=result, typed=request.form,
                                    may_open=result is not None and result.printout is not None), status


def _user():
    return acting_user()


def _sign(printout):
    keys = request.form.getlist("key") or None
    signed = workflow.sign_sheets(db.session, _user(), printout, keys)
    return f"Подписано листов: {len(signed)}."


def _paper(printout):
    signed = workflow.record_paper_signature(db.session, _user(), printout, request.form.getlist("key") or None)
    return f"Внесено подписей с бумажной копии: {len(signed)}."


def _register(printout):
    registration = workflow.Registration(
        db.session, _user(), printout, request.form.get("number", ""),
        form_date("registered_on", "дату регистрации", required=False), form_count("sheet_count", "Число листов"),
        form_version())
    registration.validate().run()
    return f"Копия зарегистрирована: № {printout.register_number} от {fmt_date(printout.registered_on)}. PDF заморожен."


def _archive(printout):
    record = workflow.archive(db.session, _user(), printout, form_version())
    return f"Копия сдана в архив; хранить до {fmt_date(record.keep_until)}."


def _refuse(printout):
    workflow.refuse(db.session, _user(), printout, request.form.get("reason", ""),
                    sheet_key=request.form.get("key") or None, version=form_version())
    return "Копия возвращена с указанием причины." if printout.retracted_at is None else \
        "Зарегистрированная копия аннулирована: заместитель директора формирует новую."


def _simple(rule, message):
    def take(printout):
        rule(db.session, _user(), printout, form_version())
        return message
    return take


# The step buttons of the printout page: form value → the rule's call, which answers the flash.
STEPS = {
    "sign": _sign,
    "paper": _paper,
    "certify": _simple(workflow.certify_title, "Заверено классным руководителем."),
    "deputy": _simple(workflow.certify_as_deputy, "Копия заверена и передана секретарю."),
    "register": _register,
    "director": _simple(workflow.director_sign, "Копия подписана директором."),
    "seal": _simple(workflow.seal, "Копия заверена печатью."),
    "archive": _archive,
    "refuse": _refuse,
}


# ------------------------------------------------------------------ the batch of a period


class PrintJobView(BaseView):
    route_base = "/printouts/batch"
    class_permission_name = "PrintJob"
    method_permission_name = {"index": "read", "progress": "read", "start": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self, status=200):
        year = current_year()
        periods = [p for p in period_choices(year) if p.ends_on < today()]
        period = db.session.get(Period, arg_id(request.values, "period") or 0) or (periods[-1] if periods else None)
        kind = request.values.get("kind") if request.values.get("kind") in KINDS else "journal"
        recent = db.session.scalars(select(PrintJob).order_by(PrintJob.id.desc()).limit(10)).all()
        watched = db.session.get(PrintJob, arg_id(request.args, "job") or 0)
        return self.render_template(
            "printout_batch.html", periods=periods, period=period, kind=kind, kinds=KINDS,
            rows=jobs.preview(db.session, period, kind) if period is not None else [], recent=recent,
            watched=watched, may_start=workflow.actor_of(acting_user()).has(DEPUTY), states=jobs.STATES,
            periods_by_id={p.id: p for p in period_choices(year)}), status

    @expose("/", methods=["POST"])
    @has_access
    def start(self):
        holder = {}

        def write():
            period = db.session.get(Period, arg_id(request.form, "period") or 0)
            holder["job"] = jobs.start_batch(db.session, acting_user(), period, request.form.get("kind") or "journal",
                                             incomplete_ok=form_flag("incomplete_ok"))
            return holder["job"]

        ok, _err = run_rule(write, lambda job: f"Задание запущено: классов — {job.total}.")
        if ok:
            return redirect(url_for("PrintJobView.index", job=holder["job"].id, period=holder["job"].period_id,
                                    kind=holder["job"].kind))
        return self.index(status=422)

    @expose("/<int:job_id>.json")
    @has_access
    def progress(self, job_id):
        job = db.session.scalar(select(PrintJob).where(PrintJob.id == job_id,
                                                       policy.visible_print_jobs(acting_user())))
        if job is None:
            abort(404)
        return jsonify(jobs.progress(job))


# ------------------------------------------------------------------ the archive register


class ArchiveView(BaseView):
    route_base = "/printouts/archive"
    class_permission_name = "ArchiveRecord"
    method_permission_name = {"index": "read", "dispose": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self, typed=None, status=200):
        args = request.args
        disposed = {"kept": False, "disposed": True}.get(args.get("status", ""))
        search = archive.Search(year_id=arg_id(args, "year"), class_name=args.get("classgroup", ""),
                                kind=args.get("kind") if args.get("kind") in KINDS else "", disposed=disposed)
        records = db.session.scalars(search.statement().where(policy.visible_archive_records(acting_user()))) \
            .unique().all()
        actor = workflow.actor_of(acting_user())
        names = workflow.names_of(db.session, [r.disposed_by_id for r in records])
        return self.render_template(
            "printout_archive.html", records=records, args=args, kinds=KINDS, names=names, typed=typed or {},
            years=db.session.scalars(select(SchoolYear).order_by(SchoolYear.starts_on.desc())).all(),
            may_dispose=actor.has(SECRETARY) or actor.has(DIRECTOR), today=today(),
            disposable=archive.disposable), status

    @expose("/<int:record_id>/dispose", methods=["POST"])
    @has_access
    def dispose(self, record_id):
        record = db.session.scalar(select(ArchiveRecord).where(ArchiveRecord.id == record_id,
                                                               policy.visible_archive_records(acting_user())))
        if record is None:
            abort(404)
        ok, _err = run_rule(lambda: archive.dispose(db.session, acting_user(), record, request.form.get("act"),
                                                    request.form.get("order")),
                            lambda r: f"Уничтожение записано: {r.title}, акт {r.disposal_act}.")
        if ok:
            return redirect(url_for("ArchiveView.index"))
        return self.index(typed={**request.form, "record": record_id}, status=422)


# ------------------------------------------------------------------ REST: /api/v1/printout/


def signer_name(user_id):
    """Names of the people who signed sheets, read once a request for every signer there is."""
    if user_id is None:
        return None
    if "printout_signers" not in g:
        g.printout_signers = workflow.names_of(db.session, db.session.scalars(
            select(PrintoutSheet.signed_by_id).where(PrintoutSheet.signed_by_id.isnot(None)).distinct()))
    return g.printout_signers.get(user_id)


class SheetSchema(Schema):
    key = fields.String()
    title = fields.String()
    first_page = fields.Integer()
    last_page = fields.Integer()
    teacher_id = fields.Integer(allow_none=True)
    teacher = fields.Function(lambda s: s.teacher.full_name if s.teacher is not None else None)
    signed = fields.Function(lambda s: s.signed_by_id is not None)
    signed_by = fields.Function(lambda s: signer_name(s.signed_by_id))
    signed_at = fields.DateTime(allow_none=True)


class PrintoutReadSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_text = fields.String()
    classgroup = fields.Function(lambda p: {"id": p.classgroup_id, "name": p.classgroup.name}, data_key="class")
    period = fields.Function(lambda p: {"id": p.period_id, "name": p.period.title} if p.period is not None else None)
    year = fields.Function(lambda p: {"id": p.school_year_id, "name": p.school_year.name})
    state = fields.String()
    state_text = fields.String()
    stale = fields.Boolean()
    sheet_count = fields.Integer()
    register_number = fields.String(allow_none=True)
    registered_on = fields.Date(allow_none=True)
    sha256 = fields.String(allow_none=True)
    generated_at = fields.DateTime()
    retracted_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    sheets = fields.Nested(SheetSchema, many=True)


class PrintoutApi(JournalRestApi):
    resource_name = "printout"
    datamodel = LoadingInterface(Printout, load=[
        joinedload(Printout.classgroup), joinedload(Printout.period), joinedload(Printout.school_year),
        selectinload(Printout.sheets).selectinload(PrintoutSheet.teacher)])
    class_permission_name = "Printout"
    method_permission_name = {**METHOD_PERMISSIONS, "pdf": "read"}
    include_route_methods = {"get", "get_list", "pdf"}
    row_policy = policy.visible_printouts
    list_columns = show_columns = ["id", "kind", "classgroup_id", "period_id", "school_year_id", "state", "stale",
                                   "sheet_count", "register_number", "registered_on", "sha256", "generated_at",
                                   "retracted_at", "version"]
    search_columns = ["kind", "state", "classgroup_id", "period_id", "school_year_id", "register_number"]
    order_columns = ["id", "generated_at", "registered_on"]
    base_order = ("id", "desc")
    label_columns = {"id": "№", "kind": "Вид", "classgroup_id": "Класс", "period_id": "Период",
                     "school_year_id": "Учебный год", "state": "Состояние", "stale": "Данные изменились",
                     "sheet_count": "Листов", "register_number": "Рег. №", "registered_on": "Дата регистрации",
                     "sha256": "SHA-256", "generated_at": "Сформирована", "retracted_at": "Заменена",
                     "version": "Версия"}

    def __init__(self):
        super().__init__()
        self.list_model_schema = self.show_model_schema = PrintoutReadSchema()

    @expose("/<pk>/pdf", methods=["GET"])
    @protect()
    @safe
    @permission_name("pdf")
    def pdf(self, pk):
        """The printout's PDF: the frozen copy once registered, else the current one
        ---
        get:
          description: >-
            Зарегистрированная копия (замороженный PDF, его SHA-256 — в поле sha256) или, до
            регистрации, текущая копия с подписями, поставленными на сейчас. Администрация и
            классный руководитель получают всю копию, другой учитель — титульный лист и листы
            своих предметов (SHA-256 в реестре — всей копии).
          parameters:
          - in: path
            name: pk
            required: true
            schema:
              type: integer
          responses:
            200:
              description: PDF
              content:
                application/pdf: {}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            500:
              $ref: '#/components/responses/500'
        """
        printout = workflow.load(db.session, int(pk), acting_user()) if is_id(pk) else None
        if printout is None:
            return self.response_404()
        try:
            download = workflow.pdf_for(db.session, printout, acting_user())
            db.session.commit()
        except PrintoutError as err:
            db.session.rollback()
            return self.response_500(message=err.message)
        if download.pdf is None:
            return self.response_404()
        return pdf_response(download.pdf, pdf_name(printout, download))


def register(appbuilder):
    category = "Печатные формы"
    pages = appbuilder.add_view(PrintoutView, "Printouts", label="Печатные формы и подписи", icon="fa-print",
                                category=category, category_label=category)
    appbuilder.add_view(PrintJobView, "PrintJobs", label="Все классы за период", icon="fa-tasks",
                        category=category, category_label=category)
    appbuilder.add_link("PrintoutVerify", label="Проверить бумажную копию", href="/printouts/verify",
                        icon="fa-check-square-o", category=category, category_label=category, baseview=pages)
    appbuilder.add_view(ArchiveView, "ArchiveRecords", label="Архив: реестр документов", icon="fa-archive",
                        category=category, category_label=category)
    appbuilder.add_api(PrintoutApi)
    jobs.init_app(current_app._get_current_object())  # register() runs inside create_app's context
