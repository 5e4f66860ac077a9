"""Internal mail (issue 5): messages between the school's people, in threads, with
attachments and read receipts. Class teachers inform parents through it (003 §4, 004
«Классный руководитель» в); who may write to whom is security/policy.py.

Rules only, no HTTP. Nothing is deleted: a recipient may archive a message from their inbox,
the message and its receipts stay.
"""
from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import relationship

from flask_appbuilder import Model

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
