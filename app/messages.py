"""Internal mail (issue 5): messages between the school's people, in threads, with
attachments and read receipts. Class teachers inform parents through it (003 §4, 004
«Классный руководитель» в); who may write to whom is security/policy.py.

Rules only, no HTTP. Nothing is deleted: a recipient may archive a message from their inbox,
the message and its receipts stay.

- `send_message()` is the one way a message is written: the policy for every recipient, the
  subject, body and attachment limits, the thread of a reply, a notice (and a letter, if the
  person wants one) for every recipient.
- The mailboxes page by keyset (`before`/`after` a message id): a page costs the same few
  statements in an inbox of 10 or of 10,000.
- Attachments are checked by extension and by content (an .exe renamed .pdf is refused) and
  their names are cleaned; their bytes are never loaded with a list or a thread.
"""
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, has_app_context
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, bindparam, func, select, update
from sqlalchemy.orm import relationship, selectinload

from app.notifications import Notice, email_wanted, letter_body, notify
from app.people import Guardian, Guardianship, Staff, Student, short_name_of
from app.rules import RuleError, today
from app.structure import ClassGroup, Subject, TeachingAssignment, subgroup_student
from security.roles import JOURNAL_ADMINISTRATION, ROLE_TITLES

SUBJECT_MAX, BODY_MAX = 200, 20000

def _now():
    return datetime.now()


class Message(Model):
    """One letter of a thread. `thread_id` is the first message of the thread (its own id for
    a new one); `classgroup_id` names the class a teacher wrote to as a whole, if so."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_author", "author_id", "id"), Index("ix_message_thread", "thread_id", "id"))
    id = Column(Integer, primary_key=True)
    thread_id = Column(Integer, ForeignKey("message.id", name="fk_message_thread"))
    reply_to_id = Column(Integer, ForeignKey("message.id", name="fk_message_reply_to"))
    author_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    subject = Column(String(SUBJECT_MAX), nullable=False)
    body = Column(Text, nullable=False, default="")
    # «message», or «report» for the class teacher's report to parents (its PDF attached).
    kind = Column(String(10), nullable=False, default="message")
    classgroup_id = Column(Integer, ForeignKey("classgroup.id"))
    created_at = Column(DateTime, nullable=False, default=_now)

    recipients = relationship("MessageRecipient", back_populates="message", order_by="MessageRecipient.id")
    attachments = relationship("MessageAttachment", back_populates="message", order_by="MessageAttachment.id")


class MessageRecipient(Model):
    """A message in one person's inbox: read_at is the read receipt the author sees."""

    __tablename__ = "message_recipient"
    __table_args__ = (
        Index("ix_message_recipient_inbox", "recipient_id", "message_id"),  # the inbox, newest first
        Index("ix_message_recipient_unread", "recipient_id", "read_at"),  # the unread count on every page
    )
    id = Column(Integer, primary_key=True)
    message_id = Column(Integer, ForeignKey("message.id"), nullable=False, index=True)
    recipient_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    read_at = Column(DateTime)
    archived_at = Column(DateTime)

    message = relationship("Message", back_populates="recipients")


class MessageAttachment(Model):
    """A file sent with a message, kept in the database like homework files."""

    __tablename__ = "message_attachment"
    id = Column(Integer, primary_key=True)
    message_id = Column(Integer, ForeignKey("message.id"), nullable=False, index=True)
    filename = Column(String(255), nullable=False)
    content_type = Column(String(100), nullable=False)
    size = Column(Integer, nullable=False)
    data = Column(LargeBinary, nullable=False)

    message = relationship("Message", back_populates="attachments")


# After the models: security/policy.py imports them (and this module imports the policy).
from security import policy  # noqa: E402

PER_PAGE = 30
MESSAGE_LINK = "/messages/{id}"  # views/messages.py answers it: the thread, at this message
EMAIL_BODY_MAX = 3000
# Used where the application's config is not at hand; config.py sets the real values.
DEFAULTS = {
    "MESSAGE_ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "MESSAGE_ATTACHMENTS_MAX_BYTES": 10 * 1024 * 1024,
    "MESSAGE_ATTACHMENTS_MAX_COUNT": 5,
    "MESSAGE_RECIPIENTS_MAX": 300,
}
# Extension → (what its content must be, the type the file is served with).
FILE_TYPES = {
    "pdf": ("pdf", "application/pdf"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "png": ("png", "image/png"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "odt": ("odt", "application/vnd.oasis.opendocument.text"),
    "txt": ("txt", "text/plain"),
}
KIND_NAMES = {"pdf": "документ PDF", "jpeg": "изображение JPEG", "png": "изображение PNG",
              "docx": "документ Word (DOCX)", "xlsx": "таблица Excel (XLSX)", "odt": "документ ODT",
              "txt": "текстовый файл"}
ALLOWED_TEXT = "PDF, JPG, PNG, DOCX, XLSX, ODT или TXT"
FILENAME_MAX = 150
# Control characters other than tab, line and page breaks: not in a text file people wrote.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_FORBIDDEN_IN_NAMES = set('<>:"|?*')


def setting(name):
    if has_app_context():
        return current_app.config.get(name, DEFAULTS[name])
    return DEFAULTS[name]


def megabytes(size):
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",") + " МБ"


# ------------------------------------------------------------------ who is who


@dataclass(frozen=True)
class Who:
    """A login as a letter names it: Фамилия Имя Отчество, and for a family who they are."""

    user_id: int
    name: str
    note: str = ""
    short: str = ""

    def __str__(self):
        return f"{self.name} ({self.note})" if self.note else self.name


def people_named(session, user_ids):
    """{login id: Who} for these logins, in one statement whatever their number."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.first_name, User.last_name, Staff.last_name, Staff.first_name, Staff.middle_name,
               Student.last_name, Student.first_name, Student.middle_name, ClassGroup.grade, ClassGroup.letter,
               Guardian.last_name, Guardian.first_name, Guardian.middle_name)
        .select_from(User).outerjoin(Staff, Staff.user_id == User.id).outerjoin(Student, Student.user_id == User.id)
        .outerjoin(ClassGroup, ClassGroup.id == Student.classgroup_id).outerjoin(Guardian, Guardian.user_id == User.id)
        .where(User.id.in_(ids))).all()
    named = {row[0]: _who(row) for row in rows}
    return {i: named.get(i) or Who(i, f"пользователь № {i}", short=f"№ {i}") for i in ids}


def _who(row):
    user_id, login_first, login_last = row[:3]
    staff, student, guardian = row[3:6], row[6:9], row[11:14]
    if staff[0]:
        return Who(user_id, _full(staff), short=short_name_of(*staff))
    if student[0]:
        note = f"ученик, {row[9]}{row[10]}" if row[9] else "ученик"
        return Who(user_id, _full(student), note, short_name_of(*student))
    if guardian[0]:
        return Who(user_id, _full(guardian), "родитель", short_name_of(*guardian))
    name = " ".join(p for p in (login_last, login_first) if p) or f"пользователь № {user_id}"
    return Who(user_id, name, short=name)


def _full(parts):
    return " ".join(p for p in parts if p)


def name_of(session, user):
    return people_named(session, [user.id])[user.id]


# ------------------------------------------------------------------ attachments


def clean_filename(name):
    """A file's name as it is kept and offered back: no folders, no control or invisible
    characters (a right-to-left mark can make «fdp.exe» read «exe.pdf»), none of the characters
    Windows refuses, not too long, the extension kept."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in _FORBIDDEN_IN_NAMES)
    name = " ".join(name.split()).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension[:10]
    stem = stem.strip(" .")[:FILENAME_MAX - len(extension) - 1].rstrip(" .") or "файл"
    return f"{stem}.{extension}" if extension else stem


def extension_of(filename):
    stem, dot, extension = filename.rpartition(".")
    return extension.lower() if dot and stem else ""


def sniffed_kind(data):
    """What the bytes are, whatever the name says: pdf, jpeg, png, docx, xlsx, odt, txt or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    return "txt" if text_charset(data) else None


def _office_kind(data):
    """DOCX, XLSX and ODT are ZIP archives; what is inside tells which (or that it is none)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100 \
                    and archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                return "odt"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, EOFError,
            OSError, zlib.error):  # damaged, encrypted or oddly packed: no document we take
        return None
    return None


def text_charset(data):
    """UTF-8 or Windows-1251 text without control characters, or None (a program is not text)."""
    if b"\x00" in data:
        return None
    for charset, name in (("utf-8-sig", "utf-8"), ("cp1251", "windows-1251")):
        try:
            text = data.decode(charset)
        except UnicodeDecodeError:
            continue
        return name if not _CONTROL.search(text) else None
    return None


def attachment_type(filename, data):
    """The type a file is kept and served with, or a RuleError: the extension must be allowed
    and the content must be what the extension says."""
    extension = extension_of(filename)
    if extension not in FILE_TYPES:
        what = f"Файлы «.{extension}»" if extension else f"Файл «{filename}» без расширения"
        raise RuleError(f"{what} прикладывать нельзя: можно {ALLOWED_TEXT}.", "files")
    kind, content_type = FILE_TYPES[extension]
    if sniffed_kind(data) != kind:
        raise RuleError(f"Файл «{filename}» — не {KIND_NAMES[kind]}: его содержимое не совпадает с расширением "
                        f"«.{extension}». Можно прикладывать {ALLOWED_TEXT}.", "files")
    return f"text/plain; charset={text_charset(data)}" if kind == "txt" else content_type


def checked_attachments(attachments):
    """MessageAttachment rows (not yet added) for (filename, bytes) pairs, or a RuleError:
    limits per file, in number and in total, and the type of each. A (filename, content type,
    bytes) triple is taken too; the type it states is not trusted, the content decides."""
    files = [(item[0], item[-1]) if isinstance(item, tuple) else (item.filename, item.data)
             for item in attachments or ()]
    most = setting("MESSAGE_ATTACHMENTS_MAX_COUNT")
    if len(files) > most:
        raise RuleError(f"К сообщению можно приложить не больше {most} файлов.", "files")
    per_file, total_limit = setting("MESSAGE_ATTACHMENT_MAX_BYTES"), setting("MESSAGE_ATTACHMENTS_MAX_BYTES")
    rows, total = [], 0
    for raw_name, data in files:
        filename = clean_filename(raw_name)
        data = bytes(data or b"")
        if not data:
            raise RuleError(f"Файл «{filename}» пустой.", "files")
        if len(data) > per_file:
            raise RuleError(f"Файл «{filename}» ({megabytes(len(data))}) больше допустимых {megabytes(per_file)}.",
                            "files")
        total += len(data)
        rows.append(MessageAttachment(filename=filename, content_type=attachment_type(filename, data),
                                      size=len(data), data=data))
    if total > total_limit:
        raise RuleError(f"Файлы вместе ({megabytes(total)}) больше допустимых {megabytes(total_limit)}.", "files")
    return rows


# ------------------------------------------------------------------ sending


def send_message(session, author_user, recipient_user_ids, subject, body, attachments=(), reply_to=None,
                 classgroup=None, kind="message", letters=True, notices=True):
    """Write a message and tell its recipients; the caller commits (a rollback leaves nothing).

    `recipient_user_ids`: logins, each checked against the policy. For a reply (`reply_to`, a
    Message or its id, one the author may read) they may be left empty: the reply goes to the
    replied message's author and other recipients whom the author may answer, and joins its
    thread. `classgroup`: the class a teacher writes to as a whole (see send_to_class).
    `attachments`: (filename, bytes) pairs. `letters=False` writes the notices without letters,
    `notices=False` neither (the demo school's old mail). Refusals are RuleError in Russian."""
    if not policy.account_is_open(author_user, today()):
        raise RuleError("Ваша учётная запись закрыта: писать сообщения нельзя.")
    replied = _replied(session, author_user, reply_to) if reply_to is not None else None
    subject, body = _subject(subject, replied), _body(body)
    files = checked_attachments(attachments)
    if classgroup is not None and not policy.may_write_to_class(author_user, classgroup.id):
        raise RuleError(f"Писать всему классу {classgroup.name} может только учитель этого класса.", "to")
    recipients = (_reply_recipients(session, author_user, replied, recipient_user_ids) if replied is not None
                  else _recipients(session, author_user, recipient_user_ids))
    message = Message(author_id=author_user.id, subject=subject, body=body, kind=kind, created_at=_now(),
                      classgroup_id=classgroup.id if classgroup is not None else None,
                      reply_to_id=replied.id if replied is not None else None,
                      thread_id=replied.thread_id if replied is not None else None)
    message.attachments = files
    session.add(message)
    session.flush()
    if message.thread_id is None:  # a new thread is named after its first message
        message.thread_id = message.id
    session.add_all(MessageRecipient(message_id=message.id, recipient_id=uid) for uid in recipients)
    if notices:
        _tell(session, message, recipients, name_of(session, author_user), letters)
    session.flush()
    return message


def send_to_class(session, author_user, classgroup, subject, body, parents=True, students=False, **options):
    """One message to a whole class's parents and/or students (004 «Классный руководитель» в)."""
    recipients = class_recipient_ids(session, author_user, classgroup, parents=parents, students=students)
    return send_message(session, author_user, recipients, subject, body, classgroup=classgroup, **options)


def class_recipient_ids(session, author_user, classgroup, parents=True, students=False):
    """The logins of a class's parents and/or students that `author_user` may write to."""
    if not policy.may_write_to_class(author_user, classgroup.id):
        raise RuleError(f"Писать всему классу {classgroup.name} может только учитель этого класса.", "to")
    whose = "родителей" if parents and not students else "учеников" if students and not parents else "учеников и родителей"
    ids = list(session.scalars(select(User.id).where(
        policy.class_family_logins(select(ClassGroup.id).where(ClassGroup.id == classgroup.id), parents, students),
        policy.mail_recipients(author_user)).order_by(User.id)))
    if not ids:
        raise RuleError(f"В классе {classgroup.name} нет {whose} с учётной записью в журнале.", "to")
    return ids


def resolve_recipients(session, author_user, values):
    """Recipients chosen on a form or in the API: «user:N», «class:N:parents», «class:N:students».
    Returns (login ids, the class when exactly one class was chosen as a whole)."""
    ids, classes = [], {}
    for value in values:
        parts = str(value).strip().split(":")
        if len(parts) == 2 and parts[0] == "user" and _is_id(parts[1]):
            ids.append(int(parts[1]))
        elif len(parts) == 3 and parts[0] == "class" and _is_id(parts[1]) and parts[2] in ("parents", "students"):
            classes.setdefault(int(parts[1]), set()).add(parts[2])
        else:
            raise RuleError("Выберите адресатов из списка.", "to")
    for class_id, whom in classes.items():
        classgroup = session.get(ClassGroup, class_id)
        if classgroup is None:
            raise RuleError("Выберите адресатов из списка.", "to")
        ids += class_recipient_ids(session, author_user, classgroup, "parents" in whom, "students" in whom)
    only = session.get(ClassGroup, next(iter(classes))) if len(classes) == 1 else None
    return list(dict.fromkeys(ids)), only


def _is_id(text):
    return text.isascii() and text.isdigit() and 0 < int(text) < 2 ** 31


def _subject(subject, replied):
    subject = " ".join(str(subject or "").split())
    if not subject and replied is not None:
        subject = replied.subject if replied.subject.startswith("Re: ") else f"Re: {replied.subject}"
    if not subject:
        raise RuleError("Укажите тему сообщения.", "subject")
    if len(subject) > SUBJECT_MAX:
        raise RuleError(f"Тема — не длиннее {SUBJECT_MAX} знаков (сейчас {len(subject)}).", "subject")
    return subject


def _body(body):
    body = str(body or "").replace("\r\n", "\n").strip()
    if not body:
        raise RuleError("Напишите текст сообщения.", "body")
    if len(body) > BODY_MAX:
        raise RuleError(f"Текст — не длиннее {BODY_MAX} знаков (сейчас {len(body)}).", "body")
    return body


def _recipients(session, author_user, recipient_user_ids):
    ids = _ids(recipient_user_ids)
    if author_user.id in ids:
        raise RuleError("Себе сообщение отправить нельзя.", "to")
    allowed = set(session.scalars(select(User.id).where(User.id.in_(ids), policy.mail_recipients(author_user))))
    refused = [uid for uid in ids if uid not in allowed]
    if refused:
        raise RuleError(_refusal(session, author_user, refused[0]), "to")
    return ids


def _ids(values):
    try:
        ids = list(dict.fromkeys(int(v) for v in values or ()))
    except (TypeError, ValueError):
        raise RuleError("Выберите адресатов из списка.", "to") from None
    if not ids:
        raise RuleError("Выберите, кому отправить сообщение.", "to")
    most = setting("MESSAGE_RECIPIENTS_MAX")
    if len(ids) > most:
        raise RuleError(f"Адресатов — не больше {most} в одном сообщении.", "to")
    return ids


def _refusal(session, author_user, user_id):
    """Why a recipient is refused; the refused person is not named (a guessed number must not
    tell a parent who another family is)."""
    if session.scalar(select(User.id).where(User.id == user_id)) is None:
        return f"Адресата № {user_id} нет в журнале."
    if session.scalar(select(User.id).where(User.id == user_id, policy.receives_mail())) is None:
        return f"Адресат № {user_id} больше не получает сообщений: сотрудник уволен или ученик выбыл из школы."
    return f"Этому адресату (№ {user_id}) писать вам нельзя. {policy.mail_rule_text(author_user)}"


def _replied(session, user, reply_to):
    replied_id = getattr(reply_to, "id", reply_to)
    replied = own_message(session, user, replied_id) if isinstance(replied_id, int) else None
    if replied is None:
        raise RuleError("Сообщение, на которое вы отвечаете, не найдено.", "reply_to")
    return replied


def reply_candidates(session, user, replied):
    """Who gets a reply to `replied`: its author and other recipients, but for the one replying,
    those `user` may write to or who wrote to `user` in the thread (a parent answering a letter
    to the whole class answers the teacher, never the other families)."""
    participants = {replied.author_id, *session.scalars(
        select(MessageRecipient.recipient_id).where(MessageRecipient.message_id == replied.id))}
    participants.discard(user.id)
    if not participants:
        return []
    return list(session.scalars(select(User.id).where(
        User.id.in_(participants), policy.reply_recipients(user, replied.thread_id)).order_by(User.id)))


def _reply_recipients(session, author_user, replied, recipient_user_ids):
    candidates = reply_candidates(session, author_user, replied)
    if recipient_user_ids:
        chosen = _ids(recipient_user_ids)
        if any(uid not in candidates for uid in chosen):
            raise RuleError("Ответ уходит только участникам переписки, которым вы можете писать.", "to")
        return chosen
    if not candidates:
        raise RuleError("Ответить некому: участники переписки больше не получают сообщений от вас.", "to")
    return candidates


def _tell(session, message, recipients, author, letters):
    """A notice for every recipient and, for those who want one, a letter (sent after the commit)."""
    link = MESSAGE_LINK.format(id=message.id)
    text = f"{author.name}: новое сообщение «{message.subject}»"
    excerpt = message.body if len(message.body) <= EMAIL_BODY_MAX else message.body[:EMAIL_BODY_MAX] + "…"
    files = f"\n\nВложения ({len(message.attachments)}) — в журнале." if message.attachments else ""
    letter = f"{author.name} пишет вам в электронном журнале.\n\nТема: {message.subject}\n\n{excerpt}{files}"
    for user_id in recipients:
        wanted = letters and email_wanted(session, user_id, "message")
        notify(session, user_id, "message", text, link=link,
               email_subject=f"Сообщение в журнале: {message.subject}" if wanted else None,
               email_body=letter_body(letter, link) if wanted else None)


# ------------------------------------------------------------------ mailboxes


@dataclass
class MailRow:
    """A line of a mailbox: a message with what the list shows of it."""

    id: int
    thread_id: int
    subject: str
    created_at: datetime
    author: Who = None
    read_at: datetime = None  # the reader's own receipt (inbox)
    files: int = 0
    class_name: str = ""
    recipients: list = field(default_factory=list)  # Receipt, when the message has few recipients
    total: int = 0  # recipients in all (sent)
    read: int = 0  # of them, who has read it (sent)


@dataclass
class Receipt:
    who: Who
    read_at: datetime = None


@dataclass
class MailPage:
    rows: list
    newer: int = None  # `after` for the link to newer messages, None on the first page
    older: int = None  # `before` for the link to older ones, None on the last page


# How many recipients a sent list names; more are counted (the thread lists every receipt).
NAMED_RECIPIENTS = 3


def _files_count():
    return select(func.count(MessageAttachment.id)).where(MessageAttachment.message_id == Message.id) \
        .correlate(Message).scalar_subquery()


def _keyset(session, query, key, before, after, per_page):
    """A page of `query` by `key`, newest first, `before` or `after` a key: an index range scan,
    as fast on the last page of a large mailbox as on the first of a small one."""
    if after is not None:
        rows = session.execute(query.where(key > after).order_by(key.asc()).limit(per_page + 1)).all()
        if len(rows) > per_page:
            rows = list(reversed(rows[:per_page]))
            return rows, rows[0][0].id, rows[-1][0].id
        before = None  # back at the newest messages: the first page, full
    if before is not None:
        query = query.where(key < before)
    rows = session.execute(query.order_by(key.desc()).limit(per_page + 1)).all()
    more_older = len(rows) > per_page
    rows = rows[:per_page]
    return rows, (rows[0][0].id if before is not None and rows else None), (rows[-1][0].id if more_older else None)


def inbox_page(session, user_id, before=None, after=None, archived=False, per_page=PER_PAGE):
    """Received messages, newest first (or the archived ones): two statements per page."""
    mine = (MessageRecipient.recipient_id == user_id) & (
        MessageRecipient.archived_at.isnot(None) if archived else MessageRecipient.archived_at.is_(None))
    query = select(Message, MessageRecipient.read_at, _files_count(), ClassGroup.grade, ClassGroup.letter) \
        .join(MessageRecipient, MessageRecipient.message_id == Message.id) \
        .outerjoin(ClassGroup, ClassGroup.id == Message.classgroup_id).where(mine)
    rows, newer, older = _keyset(session, query, MessageRecipient.message_id, before, after, per_page)
    names = people_named(session, [message.author_id for message, *_ in rows])
    return MailPage([MailRow(message.id, message.thread_id, message.subject, message.created_at,
                             author=names[message.author_id], read_at=read_at, files=files,
                             class_name=f"{grade}{letter}" if grade else "")
                     for message, read_at, files, grade, letter in rows], newer, older)


def sent_page(session, user_id, before=None, after=None, per_page=PER_PAGE):
    """Sent messages, newest first, with who has read them: three statements per page."""
    total = select(func.count(MessageRecipient.id)).where(MessageRecipient.message_id == Message.id) \
        .correlate(Message).scalar_subquery()
    read = select(func.count(MessageRecipient.read_at)).where(MessageRecipient.message_id == Message.id) \
        .correlate(Message).scalar_subquery()
    query = select(Message, total, read, _files_count(), ClassGroup.grade, ClassGroup.letter) \
        .outerjoin(ClassGroup, ClassGroup.id == Message.classgroup_id).where(Message.author_id == user_id)
    rows, newer, older = _keyset(session, query, Message.id, before, after, per_page)
    few = [message.id for message, count, *_ in rows if count <= NAMED_RECIPIENTS]
    receipts = session.execute(select(MessageRecipient.message_id, MessageRecipient.recipient_id,
                                      MessageRecipient.read_at).where(MessageRecipient.message_id.in_(few))
                               .order_by(MessageRecipient.id)).all() if few else []
    names = people_named(session, [r.recipient_id for r in receipts])
    named = {}
    for message_id, recipient_id, read_at in receipts:
        named.setdefault(message_id, []).append(Receipt(names[recipient_id], read_at))
    return MailPage([MailRow(message.id, message.thread_id, message.subject, message.created_at, files=files,
                             class_name=f"{grade}{letter}" if grade else "", recipients=named.get(message.id, []),
                             total=count, read=read_count)
                     for message, count, read_count, files, grade, letter in rows], newer, older)


def _unread(user_id):
    return select(func.count()).select_from(MessageRecipient).where(
        MessageRecipient.recipient_id == user_id, MessageRecipient.read_at.is_(None),
        MessageRecipient.archived_at.is_(None))


def unread_count(session, user_id):
    """Unread messages in the inbox (the archive does not count)."""
    return session.scalar(_unread(user_id))


def _unread_counts_statement():
    reader = bindparam("reader")
    notices = select(func.count()).select_from(Notice).where(Notice.recipient_id == reader, Notice.read_at.is_(None))
    return select(notices.scalar_subquery(), _unread(reader).scalar_subquery())


UNREAD_COUNTS = _unread_counts_statement()  # built once: the menu reads it on every page


def unread_counts(session, user_id):
    """(unread notices, unread messages) in one statement: the menu shows both on every page, and
    a page's statements are counted (the journal grid's at most 10). Notices are counted as
    app/notifications.unread_count counts them."""
    return tuple(session.execute(UNREAD_COUNTS, {"reader": user_id}).one())


# ------------------------------------------------------------------ a thread


@dataclass
class AttachmentInfo:
    id: int
    message_id: int
    filename: str
    content_type: str
    size: int

    @property
    def size_text(self):
        return megabytes(self.size) if self.size >= 100 * 1024 else f"{max(1, round(self.size / 1024))} КБ"


@dataclass
class ThreadMessage:
    message: Message
    author: Who
    mine: bool
    read_at: datetime = None  # the reader's own receipt, before this opening
    archived_at: datetime = None  # when the reader put it in the archive
    recipients: list = field(default_factory=list)  # Receipt; the author sees every one
    total: int = 0
    class_name: str = ""
    attachments: list = field(default_factory=list)

    received: bool = False  # the reader is among the recipients

    @property
    def read(self):
        return sum(1 for r in self.recipients if r.read_at)


@dataclass
class Thread:
    id: int
    subject: str
    messages: list
    opened: int  # the message the link pointed at

    def unread_ids(self):
        return [m.message.id for m in self.messages if m.received and m.read_at is None]

    def received_ids(self, archived):
        return [m.message.id for m in self.messages if m.received and (m.archived_at is not None) == archived]


def thread_of(session, user, message_id):
    """The thread holding `message_id`, as `user` may read it: only the messages they wrote or
    received. None when `user` is no participant of that message (a page answers 404)."""
    thread_id = session.scalar(select(Message.thread_id).where(Message.id == message_id,
                                                               policy.visible_messages(user)))
    if thread_id is None:
        return None
    rows = session.execute(
        select(Message, ClassGroup.grade, ClassGroup.letter).outerjoin(ClassGroup, ClassGroup.id == Message.classgroup_id)
        .where(Message.thread_id == thread_id, policy.visible_messages(user)).order_by(Message.id)).all()
    ids = [message.id for message, *_ in rows]
    receipts = session.execute(select(MessageRecipient.message_id, MessageRecipient.recipient_id,
                                      MessageRecipient.read_at, MessageRecipient.archived_at)
                               .where(MessageRecipient.message_id.in_(ids)).order_by(MessageRecipient.id)).all()
    names = people_named(session, [m.author_id for m, *_ in rows] + [r.recipient_id for r in receipts])
    files = session.execute(select(MessageAttachment.id, MessageAttachment.message_id, MessageAttachment.filename,
                                   MessageAttachment.content_type, MessageAttachment.size)
                            .where(MessageAttachment.message_id.in_(ids)).order_by(MessageAttachment.id)).all()
    items = {message.id: ThreadMessage(message, names[message.author_id], message.author_id == user.id,
                                       class_name=f"{grade}{letter}" if grade else "")
             for message, grade, letter in rows}
    for message_id_, recipient_id, read_at, archived_at in receipts:
        item = items[message_id_]
        item.total += 1
        if recipient_id == user.id:
            item.received, item.read_at, item.archived_at = True, read_at, archived_at
        if policy.sees_receipt(user, item.message.author_id, recipient_id):
            item.recipients.append(Receipt(names[recipient_id], read_at))
    for row in files:
        items[row.message_id].attachments.append(AttachmentInfo(*row))
    first = rows[0][0]
    return Thread(thread_id, first.subject, list(items.values()), message_id)


def mark_read(session, user_id, message_ids):
    """Read receipts: these messages of the user's inbox are read now (those already read keep
    their first time), and their notices with them. Returns how many; the caller commits."""
    ids = list(message_ids)
    if not ids:
        return 0
    now = _now()
    count = session.execute(
        update(MessageRecipient).where(MessageRecipient.recipient_id == user_id, MessageRecipient.read_at.is_(None),
                                       MessageRecipient.message_id.in_(ids)).values(read_at=now),
        execution_options={"synchronize_session": False}).rowcount
    links = [MESSAGE_LINK.format(id=i) for i in ids]
    session.execute(update(Notice).where(Notice.recipient_id == user_id, Notice.kind == "message",
                                         Notice.read_at.is_(None), Notice.link.in_(links)).values(read_at=now),
                    execution_options={"synchronize_session": False})
    return count


def archive(session, user_id, message_ids, archived=True):
    """Move received messages to the archive (or back to the inbox); another person's ids change
    nothing. Returns how many moved; the caller commits."""
    ids = list(message_ids)
    if not ids:
        return 0
    moved = MessageRecipient.archived_at.is_(None) if archived else MessageRecipient.archived_at.isnot(None)
    return session.execute(
        update(MessageRecipient).where(MessageRecipient.recipient_id == user_id,
                                       MessageRecipient.message_id.in_(ids), moved)
        .values(archived_at=_now() if archived else None), execution_options={"synchronize_session": False}).rowcount


def own_message(session, user, message_id):
    """The message if `user` wrote or received it, else None (a page answers 404)."""
    return session.scalar(select(Message).where(Message.id == message_id, policy.visible_messages(user)))


def set_received_state(session, user_id, message, read=None, archived=None):
    """What a recipient changes of a message they got: read (once read, it stays read: the author
    already sees the receipt) and the archive. Nothing else of a sent message changes."""
    if not any(r.recipient_id == user_id for r in message.recipients):
        raise RuleError("Отмечать прочитанным и убирать в архив можно только полученные сообщения.", "read")
    if read is False:
        raise RuleError("Прочитанное сообщение не становится непрочитанным: автор уже видит отметку.", "read")
    if read:
        mark_read(session, user_id, [message.id])
    if archived is not None:
        archive(session, user_id, [message.id], archived=archived)
    return message


def attachment_for(session, user, attachment_id):
    """An attachment with its bytes, if `user` is a participant of its message; else None."""
    return session.scalar(select(MessageAttachment).where(MessageAttachment.id == attachment_id,
                                                          policy.visible_attachments(user)))


# ------------------------------------------------------------------ whom one may pick


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class ChoiceGroup:
    title: str
    options: list = field(default_factory=list)
    whole: list = field(default_factory=list)  # «all the parents of 5А» and the like


def recipient_choices(session, user):
    """The recipients `user` may pick, grouped as people think of them: for a family, each child's
    teachers and class teacher, then the administration; for staff, the colleagues, then each
    class taught with its parents and students, as a whole or one by one. Only logins of
    policy.mail_recipients are offered."""
    allowed = set(session.scalars(select(User.id).where(policy.mail_recipients(user))))
    if not allowed:
        return []
    person = policy.person_of(user)
    groups = []
    if person.guardian is not None or person.student is not None:
        groups += _family_choices(session, user, allowed)
    if person.staff is not None:
        groups += _staff_choices(session, user, allowed)
    return [group for group in groups if group.options or group.whole]


def _family_choices(session, user, allowed):
    children = session.scalars(select(Student).where(policy.family_students(user), policy.pupils_at_school())
                               .order_by(Student.last_name, Student.first_name)).all()
    in_child_groups = TeachingAssignment.subgroup_id.is_(None) | TeachingAssignment.subgroup_id.in_(
        select(subgroup_student.c.subgroup_id).where(subgroup_student.c.student_id == Student.id))
    taught = session.execute(
        select(Student.id, Staff.user_id, Subject.name).select_from(Student)
        .join(TeachingAssignment, TeachingAssignment.classgroup_id == Student.classgroup_id)
        .join(Staff, Staff.id == TeachingAssignment.teacher_id).join(Subject, Subject.id == TeachingAssignment.subject_id)
        .where(Student.id.in_([c.id for c in children]), in_child_groups, Staff.user_id.in_(allowed))
        .order_by(Subject.name)).all()
    leaders = dict(session.execute(select(ClassGroup.id, Staff.user_id).join(Staff, Staff.id == ClassGroup.class_teacher_id)
                                   .where(ClassGroup.id.in_([c.classgroup_id for c in children]))).all())
    heads = session.execute(select(assoc_user_role.c.user_id, Role.name).join(Role, Role.id == assoc_user_role.c.role_id)
                            .where(Role.name.in_(JOURNAL_ADMINISTRATION), assoc_user_role.c.user_id.in_(allowed))).all()
    names = people_named(session, [r.user_id for r in taught] + list(leaders.values()) + [h.user_id for h in heads])
    groups = []
    for child in children:
        subjects = {}
        for student_id, user_id, subject in taught:
            if student_id == child.id:
                subjects.setdefault(user_id, []).append(subject)
        options = []
        leader = leaders.get(child.classgroup_id)
        if leader in allowed:
            options.append(Choice(f"user:{leader}", f"{names[leader].name} — классный руководитель"))
        options += [Choice(f"user:{uid}", f"{names[uid].name} — {', '.join(dict.fromkeys(subjects[uid]))}")
                    for uid in sorted(subjects, key=lambda u: names[u].name) if uid != leader]
        title = "Учителя" if child.user_id == user.id else f"Учителя: {child.short_name}"
        groups.append(ChoiceGroup(f"{title} ({child.classgroup_name})", options))
    titles = {}
    for user_id, role in heads:
        titles.setdefault(user_id, []).append(ROLE_TITLES.get(role, role))
    groups.append(ChoiceGroup("Администрация школы", [
        Choice(f"user:{uid}", f"{names[uid].name} — {', '.join(titles[uid])}")
        for uid in sorted(titles, key=lambda u: names[u].name)]))
    return groups


def _staff_choices(session, user, allowed):
    colleagues = session.scalars(select(Staff).options(selectinload(Staff.positions))
                                 .where(Staff.user_id.in_(allowed)).order_by(Staff.last_name, Staff.first_name)).all()
    groups = [ChoiceGroup("Сотрудники школы", [
        Choice(f"user:{s.user_id}", f"{s.full_name} — {s.positions_text}" if s.positions else s.full_name)
        for s in colleagues])]
    classes = session.scalars(select(ClassGroup).where(policy.mail_classes(user))
                              .order_by(ClassGroup.grade, ClassGroup.letter)).all()
    class_ids = [c.id for c in classes]
    pupils = session.scalars(select(Student).where(Student.classgroup_id.in_(class_ids), policy.pupils_at_school(),
                                                   Student.user_id.in_(allowed))
                             .order_by(Student.last_name, Student.first_name)).all()
    parents = session.execute(
        select(Guardian, Guardianship.kinship, Student).join(Guardianship, Guardianship.guardian_id == Guardian.id)
        .join(Student, Student.id == Guardianship.student_id)
        .where(Student.classgroup_id.in_(class_ids), policy.pupils_at_school(), Guardian.user_id.in_(allowed))
        .order_by(Student.last_name, Student.first_name, Guardian.last_name)).all()
    for cls in classes:
        groups.append(_class_group(cls, [p for p in pupils if p.classgroup_id == cls.id],
                                   [row for row in parents if row[2].classgroup_id == cls.id]))
    return groups


def _class_group(cls, pupils, parents):
    by_parent = {}
    for guardian, kinship, child in parents:
        by_parent.setdefault(guardian.user_id, (guardian, []))[1].append(f"{kinship}: {child.short_name}")
    options = [Choice(f"user:{uid}", f"{guardian.full_name} — {'; '.join(kids)}")
               for uid, (guardian, kids) in by_parent.items()]
    options += [Choice(f"user:{p.user_id}", f"{p.full_name} — ученик") for p in pupils]
    whole = []
    if by_parent:
        whole.append(Choice(f"class:{cls.id}:parents", f"Всем родителям {cls.name} ({len(by_parent)})"))
    if pupils:
        whole.append(Choice(f"class:{cls.id}:students", f"Всем ученикам {cls.name} ({len(pupils)})"))
    return ChoiceGroup(f"Класс {cls.name}", options, whole)
