"""The demo school's mailbox (issue 5): a few threads among the demo logins, so that every one of
them opens «Сообщения» to something real — a parent and the class teacher about the child, the
subject teacher to all parents of 5А about a test (with a PDF) and a parent's answer, the deputy
and a teacher about the journal, a student's question. Some are read, some are not.

Every message goes through app/messages.send_message, so the demo obeys the mail's policy like
anybody; only the dates are moved back to the school's recent days. Neither notices nor letters
are written (the demo's addresses are invented): the unread messages speak for themselves.
"""
import io
from datetime import datetime, time, timedelta

from sqlalchemy import select, update

from app.messages import Message, MessageRecipient, send_message, send_to_class
from app.people import Staff, Student
from app.rules import fmt_date
from app.structure import ClassGroup


def create_demo_mailbox(session, logins, today):
    """`logins`: demo login name → its User. Nothing is committed: the caller commits."""
    student = session.scalar(select(Student).where(Student.user_id == logins["student"].id))
    cls = session.get(ClassGroup, student.classgroup_id)
    classteacher = session.scalar(select(Staff).where(Staff.user_id == logins["classteacher"].id))
    teacher = session.scalar(select(Staff).where(Staff.user_id == logins["teacher"].id))
    day = _Days(today)
    # In the order they were written, so that the newest message also has the largest id.
    _absence_thread(session, logins, day, student, classteacher)
    _journal_check_thread(session, logins, day, teacher)
    _test_thread(session, logins, day, cls, teacher)
    _progress_note(session, logins, day, student, classteacher)
    _student_question(session, logins, day, classteacher)
    return session.scalar(select(Message.id).order_by(Message.id.desc()).limit(1))


class _Days:
    """Moments of the school's recent days: `at(3, 9, 15)` is three days ago at 9:15."""

    def __init__(self, today):
        self.today = today

    def at(self, days_ago, hour, minute=0):
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour, minute))

    def date(self, days):
        return fmt_date(self.today + timedelta(days=days))


def _absence_thread(session, logins, day, student, classteacher):
    parent, teacher_login = logins["parent"], logins["classteacher"]
    asked = _send(session, parent, [teacher_login], f"{student.first_name} не будет на уроках {day.date(-4)}", (
        f"Здравствуйте, {_addressed(classteacher)}!\n\n{student.first_name} {day.date(-4)} пропустит уроки: "
        "у нас приём у врача-ортодонта в 10:30. Справку принесём на следующий день.\n"
        "Домашнее задание по русскому языку мы узнаем в дневнике.\n\nС уважением, "
        f"{_signature(parent)}"), day.at(6, 19, 40))
    _read(session, teacher_login, asked, day.at(5, 7, 55))
    answer = _send(session, teacher_login, [], "", (
        "Здравствуйте! Спасибо, что предупредили. Пропуск отмечу как уважительный, когда будет справка.\n"
        "Задание по русскому языку: упражнение 214 и словарные слова на с. 98."), day.at(5, 8, 5), reply_to=asked)
    _read(session, parent, answer, day.at(5, 12, 30))


def _progress_note(session, logins, day, student, classteacher):
    """The class teacher informs the parents (003 §4): this one the parent has not opened yet."""
    parent, teacher_login = logins["parent"], logins["classteacher"]
    _send(session, teacher_login, [parent], f"Успеваемость: {student.first_name}, середина четверти", (
        f"Здравствуйте!\n\nЗа первую половину четверти у {student.first_name} ровные отметки по русскому "
        "языку и литературе; по математике две тройки за самостоятельные работы — стоит повторить дроби.\n"
        "Отметки и пропуски видны в дневнике. Если будут вопросы, пишите.\n\n"
        f"Классный руководитель {classteacher.full_name}"), day.at(1, 16, 20))


def _test_thread(session, logins, day, cls, teacher):
    parent, teacher_login = logins["parent"], logins["teacher"]
    notice = send_to_class(session, teacher_login, cls, f"Контрольная работа по английскому языку {day.date(3)}", (
        f"Уважаемые родители учеников {cls.name}!\n\n{day.date(3)} — контрольная работа по английскому языку "
        "за раздел «My day»: лексика, Present Simple, чтение короткого текста.\n"
        "Памятка с примерами заданий — во вложении. Учебник и рабочую тетрадь приносить не нужно.\n\n"
        f"Учитель английского языка {teacher.full_name}"), parents=True, notices=False,
        attachments=[("Памятка к контрольной работе.pdf", reminder_pdf(cls.name, day.date(3)))])
    _dated(notice, day.at(3, 14, 10))
    _read(session, parent, notice, day.at(3, 20, 5))
    reply = _send(session, parent, [], "", (
        "Здравствуйте! Спасибо за памятку. Подскажите, пожалуйста, контрольная общая для обеих групп "
        "или у второй группы будет своя?"), day.at(3, 20, 15), reply_to=notice)
    _read(session, teacher_login, reply, day.at(2, 8, 0))
    _send(session, teacher_login, [], "", (
        "Здравствуйте! Контрольная одна для обеих групп, в один день; задания одинаковые, "
        "проверяют их учителя своих групп."), day.at(2, 8, 20), reply_to=reply)


def _journal_check_thread(session, logins, day, teacher):
    deputy, teacher_login = logins["deputy"], logins["teacher"]
    check = _send(session, deputy, [teacher_login], "Проверка электронного журнала за ноябрь", (
        f"{_addressed(teacher)}, добрый день!\n\nПри ежемесячной проверке журнала (003 п. 6.2) в вашей группе "
        "английского языка не заполнены темы двух уроков прошлой недели и домашнее задание к одному из них.\n"
        f"Прошу заполнить до {day.date(4)}.\n\nЗаместитель директора по УВР"), day.at(4, 11, 0))
    _read(session, teacher_login, check, day.at(4, 13, 45))
    _send(session, teacher_login, [], "", "Добрый день! Темы и задание внесу сегодня после уроков.",
          day.at(4, 13, 50), reply_to=check)  # the deputy has not read it yet


def _student_question(session, logins, day, classteacher):
    student, teacher_login = logins["student"], logins["classteacher"]
    _send(session, student, [teacher_login], "Вопрос по домашнему заданию", (
        f"{_addressed(classteacher)}, здравствуйте! В упражнении 214 нужно выписать все слова "
        "или только с безударными гласными?"), day.at(0, 7, 30))


# ------------------------------------------------------------------ helpers


def _send(session, author, to, subject, body, when, **options):
    message = send_message(session, author, [user.id for user in to], subject, body, notices=False, **options)
    return _dated(message, when)


def _dated(message, when):
    message.created_at = when
    return message


def _read(session, reader, message, when):
    """The read receipt of `reader` for `message`, at `when`."""
    session.execute(update(MessageRecipient).where(MessageRecipient.message_id == message.id,
                                                   MessageRecipient.recipient_id == reader.id).values(read_at=when),
                    execution_options={"synchronize_session": False})


def _addressed(staff):
    """How a parent addresses a teacher: by first name and patronymic."""
    return " ".join(p for p in (staff.first_name, staff.middle_name) if p)


def _signature(user):
    return f"{user.last_name} {user.first_name}"


def reminder_pdf(class_name, on):
    """A one-page PDF reminder, drawn by ReportLab with the printouts' DejaVu font (the PDF core
    fonts have no Cyrillic). Invariant: the same bytes every time the demo is built."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from printouts.pdf import font_url

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", font_url("DejaVuSans.ttf")))
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4, invariant=1)
    sheet.setTitle("Памятка к контрольной работе")
    lines = (f"Памятка к контрольной работе по английскому языку, {class_name}, {on}",
             "", "1. Лексика раздела «My day»: распорядок дня, время.",
             "2. Present Simple: утвердительные, отрицательные и вопросительные предложения.",
             "3. Чтение короткого текста и ответы на вопросы.",
             "", "Пример: She ___ (get) up at seven o'clock. — She gets up at seven o'clock.")
    y = A4[1] - 72
    for line in lines:
        sheet.setFont("DejaVuSans", 13 if y == A4[1] - 72 else 11)
        sheet.drawString(56, y, line)
        y -= 20
    sheet.showPage()
    sheet.save()
    return out.getvalue()
