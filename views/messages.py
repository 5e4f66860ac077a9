"""«Сообщения»: the internal mail's pages (inbox, sent, archive, compose, a thread with its reply,
attachments) and the REST resource `message`. Thin: the rules are app/messages.py, who may
write to whom and who reads what is security/policy.py (mail_recipients, visible_messages).

Another person's message or attachment answers 404 whatever the URL or the API call: every
look-up goes through the policy with the signed-in login.
"""
import base64
import binascii

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import permission_name, protect, safe
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from app import messages as mail
from app.extensions import db
from app.messages import Message, MessageAttachment, MessageRecipient
from app.rules import RuleError
from app.structure import ClassGroup
from security import policy
from security.roles import METHOD_PERMISSIONS
from views.base import LoadingInterface, acting_user, is_id
from views.errors import TOO_LARGE
from views.journal_grid import _attachment_header
from views.timetable_api import RISON_PARAMETER, BadListParameter, QueryFilterApi, arg_id, id_field, query_parameter

PAGES = {"index": "read", "archived": "read", "sent": "read", "thread": "read", "download": "read",
         "compose": "write", "reply": "write", "archive": "write"}


def read_unread_counts():
    """The signed-in person's unread notices and messages, both in one statement, once per request
    (the menu, views/notifications.py and these pages share them)."""
    user = acting_user()
    g._unread_notices, g._unread_messages = \
        mail.unread_counts(db.session, user.id) if getattr(user, "id", None) else (0, 0)


def unread_messages():
    if "_unread_messages" not in g:
        read_unread_counts()
    return g._unread_messages


def _page_args():
    before, after = request.args.get("before", ""), request.args.get("after", "")
    return int(before) if is_id(before) else None, int(after) if is_id(after) else None


def _uploads():
    """The files of a form as (name, bytes); an empty file input sends a nameless part."""
    return [(upload.filename, upload.read()) for upload in request.files.getlist("files") if upload and upload.filename]


def file_response(attached):
    """An attachment as a download, never shown inline: its type was checked on the way in,
    and nosniff keeps a browser from guessing another."""
    return Response(attached.data, content_type=attached.content_type, headers={
        "Content-Disposition": _attachment_header(attached.filename),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


# ------------------------------------------------------------------ the pages


class MessageView(BaseView):
    route_base = "/messages"
    class_permission_name = "Message"
    method_permission_name = PAGES
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        listing = mail.inbox_page(db.session, acting_user().id, *_page_args())
        return self.render_template("messages_list.html", box="inbox", listing=listing, unread=unread_messages())

    @expose("/archive")
    @has_access
    def archived(self):
        listing = mail.inbox_page(db.session, acting_user().id, *_page_args(), archived=True)
        return self.render_template("messages_list.html", box="archive", listing=listing, unread=unread_messages())

    @expose("/sent")
    @has_access
    def sent(self):
        listing = mail.sent_page(db.session, acting_user().id, *_page_args())
        return self.render_template("messages_list.html", box="sent", listing=listing, unread=unread_messages())

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def compose(self):
        user = acting_user()
        if request.method == "GET":
            wanted = [value if ":" in value else f"user:{value}" for value in request.args.getlist("to")]
            return self._compose_page(user, {"to": wanted, "subject": request.args.get("subject", ""), "body": ""})
        typed = {"to": request.form.getlist("to"), "subject": request.form.get("subject", ""),
                 "body": request.form.get("body", "")}
        try:
            recipients, classgroup = mail.resolve_recipients(db.session, user, typed["to"])
            message = mail.send_message(db.session, user, recipients, typed["subject"], typed["body"],
                                        attachments=_uploads(), classgroup=classgroup)
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            return self._compose_page(user, typed, err), 422
        flash(f"Сообщение отправлено (адресатов: {len(recipients)}).", "success")
        return redirect(url_for("MessageView.thread", message_id=message.id))

    def _compose_page(self, user, typed, error=None):
        if error is not None:
            flash(error.message, "danger")
        return self.render_template("messages_compose.html", groups=mail.recipient_choices(db.session, user),
                                    typed=typed, error=error, limits=_limits(), unread=unread_messages())

    @expose("/<message_id>")
    @has_access
    def thread(self, message_id):
        user = acting_user()
        found = mail.thread_of(db.session, user, int(message_id)) if is_id(message_id) else None
        if found is None:
            abort(404)
        unread = found.unread_ids()
        if unread:  # opening the thread is reading it: the authors see the receipts
            mail.mark_read(db.session, user.id, unread)
            db.session.commit()
        return self._thread_page(user, found, request.args.get("reply", ""))

    def _thread_page(self, user, found, reply_id, typed=None, error=None):
        if error is not None:
            flash(error.message, "danger")
        items = {item.message.id: item for item in found.messages}
        target = items.get(int(reply_id)) if is_id(reply_id) else None
        if target is None:  # by default the latest message somebody else wrote, else the latest
            others = [item for item in found.messages if not item.mine]
            target = (others or found.messages)[-1]
        answered = mail.reply_candidates(db.session, user, target.message)
        names = mail.people_named(db.session, answered)
        return self.render_template("messages_thread.html", thread=found, target=target, viewer=user.id,
                                    answered=[names[uid] for uid in answered], typed=typed or {}, error=error,
                                    limits=_limits(), unread=unread_messages())

    @expose("/<message_id>/reply", methods=["POST"])
    @has_access
    def reply(self, message_id):
        user = acting_user()
        replied = mail.own_message(db.session, user, int(message_id)) if is_id(message_id) else None
        if replied is None:
            abort(404)
        typed = {"subject": request.form.get("subject", ""), "body": request.form.get("body", "")}
        try:
            message = mail.send_message(db.session, user, None, typed["subject"], typed["body"],
                                        attachments=_uploads(), reply_to=replied.id)
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            found = mail.thread_of(db.session, user, int(message_id))
            return self._thread_page(user, found, message_id, typed, err), 422
        flash("Ответ отправлен.", "success")
        return redirect(url_for("MessageView.thread", message_id=message.id, _anchor=f"m{message.id}"))

    @expose("/<message_id>/archive", methods=["POST"])
    @has_access
    def archive(self, message_id):
        """The thread's received messages to the archive, or back to the inbox (`back=1`)."""
        user = acting_user()
        found = mail.thread_of(db.session, user, int(message_id)) if is_id(message_id) else None
        if found is None:
            abort(404)
        back = request.form.get("back") == "1"
        ids = found.received_ids(archived=back)
        if not ids:
            flash("Переписка уже во входящих." if back else "В архив убираются полученные сообщения; "
                  "в этой переписке их нет или они уже в архиве.", "info")
            return redirect(url_for("MessageView.thread", message_id=message_id))
        mail.archive(db.session, user.id, ids, archived=not back)
        db.session.commit()
        if back:
            flash("Переписка возвращена во входящие.", "success")
            return redirect(url_for("MessageView.thread", message_id=message_id))
        flash("Переписка убрана в архив.", "success")
        return redirect(url_for("MessageView.index"))

    @expose("/file/<attachment_id>")
    @has_access
    def download(self, attachment_id):
        attached = mail.attachment_for(db.session, acting_user(), int(attachment_id)) if is_id(attachment_id) else None
        if attached is None:
            abort(404)
        return file_response(attached)


def _limits():
    return {"file": mail.megabytes(mail.setting("MESSAGE_ATTACHMENT_MAX_BYTES")),
            "total": mail.megabytes(mail.setting("MESSAGE_ATTACHMENTS_MAX_BYTES")),
            "count": mail.setting("MESSAGE_ATTACHMENTS_MAX_COUNT"), "types": mail.ALLOWED_TEXT,
            "file_bytes": mail.setting("MESSAGE_ATTACHMENT_MAX_BYTES"),
            "total_bytes": mail.setting("MESSAGE_ATTACHMENTS_MAX_BYTES"),
            "accept": ",".join(f".{extension}" for extension in mail.FILE_TYPES)}


# ------------------------------------------------------------------ the REST resource


def _viewer_id():
    return acting_user().id


def _iso(value):
    return value.isoformat() if value is not None else None


def _own_read_at(message):
    viewer = _viewer_id()
    return next((_iso(r.read_at) for r in message.recipients if r.recipient_id == viewer), None)


def _receipts(message):
    viewer = acting_user()
    return [{"recipient": r.recipient_id, "read_at": _iso(r.read_at)} for r in message.recipients
            if policy.sees_receipt(viewer, message.author_id, r.recipient_id)]


def _attachments(message):
    return [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments]


class MessageReadSchema(Schema):
    id = fields.Integer()
    thread = fields.Integer(attribute="thread_id")
    reply_to = fields.Integer(attribute="reply_to_id", allow_none=True)
    author = fields.Integer(attribute="author_id")
    subject = fields.String()
    body = fields.String()
    kind = fields.String()
    classgroup = fields.Integer(attribute="classgroup_id", allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.Function(_own_read_at)
    recipients = fields.Function(_receipts)
    attachments = fields.Function(_attachments)


def text_field(label, required=False, default=""):
    messages = {"required": f"{label}: поле обязательно.", "null": f"{label}: поле обязательно.",
                "invalid": f"{label}: строка."}
    if required:
        return fields.String(required=True, error_messages=messages)
    return fields.String(load_default=default, error_messages=messages)


def flag_field(label, default=None):
    messages = {"invalid": f"{label}: true или false.", "null": f"{label}: true или false."}
    return fields.Boolean(error_messages=messages, **({} if default is None else {"load_default": default}))


class AttachmentWriteSchema(Schema):
    error_messages = {"unknown": "Такого поля у вложения нет.", "type": "Вложение — JSON-объект."}
    filename = text_field("Имя файла", required=True)
    content_base64 = text_field("Содержимое файла (base64)", required=True)


class MessageWriteSchema(Schema):
    """POST sends (to: logins, and/or classgroup: a whole class); PUT only marks read or archives."""

    error_messages = {"unknown": "Такого поля у сообщения нет.", "type": "Ожидается JSON-объект."}
    to = fields.List(id_field("Адресат"), load_default=list,
                     error_messages={"invalid": "Адресаты (to): список номеров учётных записей."})
    classgroup = id_field("Класс")
    class_parents = flag_field("Родителям класса (class_parents)", default=True)
    class_students = flag_field("Ученикам класса (class_students)", default=False)
    subject = text_field("Тема")
    body = text_field("Текст", required=True)
    reply_to = id_field("Ответ на сообщение")
    attachments = fields.List(fields.Nested(AttachmentWriteSchema), load_default=list,
                              validate=validate.Length(max=20, error="Вложений слишком много."),
                              error_messages={"invalid": "Вложения: список объектов {filename, content_base64}."})
    read = flag_field("Прочитано (read)")
    archived = flag_field("В архиве (archived)")


def decoded(attachment):
    try:
        return base64.b64decode(attachment["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise RuleError(f"Вложение «{mail.clean_filename(attachment['filename'])}»: content_base64 — не base64.",
                        "attachments") from None


class MailboxInterface(LoadingInterface):
    """Counts a list by message id alone: FAB's count wraps the whole row, bodies included, in a
    subquery, twice the work of a plain count on a large mailbox."""

    def query_count(self, query, filters=None, select_columns=None):
        inner = self._apply_inner_all(query, filters, select_columns=select_columns, aliases_mapping={})
        return inner.with_entities(func.count(Message.id)).order_by(None).scalar()


class MessageApi(QueryFilterApi):
    resource_name = "message"
    datamodel = MailboxInterface(Message, load=[
        selectinload(Message.recipients),
        selectinload(Message.attachments).load_only(MessageAttachment.id, MessageAttachment.message_id,
                                                    MessageAttachment.filename, MessageAttachment.content_type,
                                                    MessageAttachment.size)])
    class_permission_name = "Message"
    method_permission_name = {**METHOD_PERMISSIONS, "attachment": "read"}
    # No DELETE and no _info (its related lists would name other people); PUT marks read or archives.
    include_route_methods = {"get", "get_list", "post", "put", "attachment"}
    row_policy = policy.visible_messages
    add_columns = edit_columns = ["subject", "body"]
    list_columns = show_columns = ["id", "thread_id", "reply_to_id", "author_id", "subject", "body", "kind",
                                   "classgroup_id", "created_at"]
    search_columns = ["thread_id", "author_id", "kind"]
    order_columns = ["id", "created_at"]
    base_order = ("id", "desc")
    list_title, show_title = "Сообщения", "Сообщение"
    label_columns = {"id": "№", "thread_id": "Переписка", "reply_to_id": "Ответ на", "author_id": "Автор",
                     "subject": "Тема", "body": "Текст", "kind": "Вид", "classgroup_id": "Класс",
                     "created_at": "Отправлено"}
    read_schema = MessageReadSchema()
    write_schema = MessageWriteSchema()
    openapi_spec_methods = {"get_list": {"get": {
        "description": "Свои сообщения: по умолчанию входящие (без архива), box=sent — отправленные.",
        "parameters": [
            RISON_PARAMETER,
            query_parameter("box", "inbox (входящие), archive (архив), sent (отправленные) или all (все свои)."),
            query_parameter("thread", "Только сообщения этой переписки (id).", "integer"),
        ]}}}

    def list_conditions(self):
        user_id = _viewer_id()
        received = select(MessageRecipient.message_id).where(MessageRecipient.recipient_id == user_id)
        box = request.args.get("box", "inbox")
        conditions = {
            "inbox": [Message.id.in_(received.where(MessageRecipient.archived_at.is_(None)))],
            "archive": [Message.id.in_(received.where(MessageRecipient.archived_at.isnot(None)))],
            "sent": [Message.author_id == user_id],
            "all": [],
        }.get(box)
        if conditions is None:
            raise BadListParameter("Параметр box: inbox, archive, sent или all.")
        thread = arg_id("thread", "переписка")
        return conditions + ([Message.thread_id == thread] if thread is not None else [])

    def pre_get_list(self, data):
        self._name_people(data.get("result", []))

    def pre_get(self, data):
        self._name_people([data.get("result", {})])

    @staticmethod
    def _name_people(results):
        """Names beside the ids, for the whole page in one statement."""
        ids = [r.get("author") for r in results] + [x["recipient"] for r in results for x in r.get("recipients", [])]
        names = mail.people_named(db.session, [i for i in ids if i])
        for result in results:
            if result.get("author") in names:
                result["author_name"] = names[result["author"]].name
            for receipt in result.get("recipients", []):
                receipt["name"] = str(names[receipt["recipient"]])

    def _load_write(self, partial):
        # Unlike the journal's resources, a student's account writes here (001 3.10.3): no refusal.
        try:
            body = request.get_json(silent=True) if request.is_json else None
        except RequestEntityTooLarge:  # FAB's @safe would make it a 500
            return None, self.response(413, message=TOO_LARGE)
        if not isinstance(body, dict):
            return None, self.response_400(message="Ожидается JSON-объект.")
        try:
            return self.write_schema.load(body, partial=partial), None
        except ValidationError as err:
            return None, self.response_422(message=err.messages)

    def create_from(self, data):
        if "read" in data or "archived" in data:
            raise RuleError("Поля read и archived меняют через PUT у полученного сообщения.", "read")
        user = acting_user()
        recipients, classgroup = list(data["to"]), None
        if data.get("classgroup") is not None:
            classgroup = db.session.get(ClassGroup, data["classgroup"])
            if classgroup is None:
                raise RuleError(f"Класс № {data['classgroup']} не найден.", "classgroup")
            recipients += mail.class_recipient_ids(db.session, user, classgroup, data["class_parents"],
                                                   data["class_students"])
        files = [(item["filename"], decoded(item)) for item in data["attachments"]]
        return mail.send_message(db.session, user, recipients, data["subject"], data["body"], attachments=files,
                                 reply_to=data.get("reply_to"), classgroup=classgroup)

    def update_from(self, message, data):
        other = sorted(set(data) - {"read", "archived"})
        if other or not data:
            raise RuleError("Отправленное сообщение не меняют: можно только отметить полученное прочитанным "
                            "(read: true) или убрать в архив (archived: true/false).", other[0] if other else "read")
        return mail.set_received_state(db.session, _viewer_id(), message, data.get("read"), data.get("archived"))

    @api_expose("/attachment/<attachment_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("attachment")
    def attachment(self, attachment_id):
        """An attachment of one's own message, as a download
        ---
        get:
          description: >-
            Файл, приложенный к сообщению, которое пользователь написал или получил; чужое
            вложение отвечает 404.
          parameters:
          - in: path
            name: attachment_id
            required: true
            schema:
              type: integer
          responses:
            200:
              description: Файл
              content:
                application/octet-stream:
                  schema:
                    type: string
                    format: binary
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        attached = mail.attachment_for(db.session, acting_user(), int(attachment_id)) if is_id(attachment_id) else None
        if attached is None:
            return self.response_404()
        return file_response(attached)


def register(appbuilder):
    appbuilder.add_view(MessageView, "Messages", label="Сообщения", icon="fa-envelope")
    appbuilder.add_api(MessageApi)
    # views/templates/appbuilder/navbar_menu.html shows the count beside «Сообщения».
    current_app.context_processor(lambda: {"unread_messages": unread_messages})
