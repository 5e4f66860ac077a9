"""Register acts (001 3.8): the only way the staff and student registers change.

Each act checks every rule before it writes anything, then records itself with
the director's order and changes the person's current state in the same
transaction. The caller commits; on RuleError nothing has been written.
"""
from datetime import timedelta

from sqlalchemy import func, select

from app.people import Enrollment, StaffAct, Student, StudentAct
from app.rules import NeedsConfirmation, RuleError, fmt_date, require, today


def check_order(order_no, order_date):
    """Every act rests on a director's order that already exists."""
    require(order_no, "Укажите номер приказа.", "order_no")
    require(order_date, "Укажите дату приказа.", "order_date")
    if order_date > today():
        raise RuleError("Дата приказа не может быть позже сегодняшнего дня.", "order_date")
    return str(order_no).strip()


def check_person_name(person):
    for field, label in (("last_name", "фамилию"), ("first_name", "имя")):
        value = (getattr(person, field) or "").strip()
        if not value:
            raise RuleError(f"Укажите {label}.", field)
        setattr(person, field, value)
    person.middle_name = (person.middle_name or "").strip() or None


# ------------------------------------------------------------------ staff


def hire_staff(session, staff, *, positions, effective_on, order_no, order_date, by_user=None, note=None, act=None):
    check_person_name(staff)
    order_no = check_order(order_no, order_date)
    require(effective_on, "Укажите дату приёма на работу.", "effective_on")
    if not positions:
        raise RuleError("Укажите должность.", "positions")
    if staff.hired_on and (staff.dismissed_on is None or staff.dismissed_on >= effective_on):
        raise RuleError("Сотрудник уже работает в школе.", "effective_on")
    staff.hired_on = effective_on
    staff.dismissed_on = None
    staff.positions = list(positions)
    if staff.user is not None:
        staff.user.active = True
    return _record(session, act or StaffAct(), staff=staff, kind="hire", positions=list(positions), effective_on=effective_on,
                                     order_no=order_no, order_date=order_date, note=note, created_by=by_user)


def transfer_staff(session, staff, *, positions, effective_on, order_no, order_date, by_user=None, note=None, act=None):
    order_no = check_order(order_no, order_date)
    _check_working(staff, effective_on)
    if not positions:
        raise RuleError("Укажите новую должность.", "positions")
    if set(positions) == set(staff.positions):
        raise RuleError("Новая должность совпадает с нынешней.", "positions")
    staff.positions = list(positions)
    return _record(session, act or StaffAct(), staff=staff, kind="transfer", positions=list(positions),
                                     effective_on=effective_on, order_no=order_no, order_date=order_date,
                                     note=note, created_by=by_user)


def dismiss_staff(session, staff, *, effective_on, order_no, order_date, by_user=None, note=None, act=None):
    """The person leaves active lists and, from effective_on, their login stops working."""
    order_no = check_order(order_no, order_date)
    _check_working(staff, effective_on)
    staff.dismissed_on = effective_on
    if staff.user is not None and effective_on <= today():
        staff.user.active = False
    return _record(session, act or StaffAct(), staff=staff, kind="dismissal", effective_on=effective_on, order_no=order_no,
                                     order_date=order_date, note=note, created_by=by_user)


def _check_working(staff, effective_on):
    require(effective_on, "Укажите дату, с которой действует приказ.", "effective_on")
    if staff.hired_on is None or staff.dismissed_on is not None:
        raise RuleError(f"{staff.full_name} не работает в школе.", "staff")
    if effective_on < staff.hired_on:
        raise RuleError(f"Дата раньше приёма на работу ({fmt_date(staff.hired_on)}).", "effective_on")


# ------------------------------------------------------------------ students


def find_duplicates(session, student):
    """Students already registered with the same ФИО and birth date."""
    return session.scalars(
        select(Student).where(
            # Exact match: SQLite's lower() does not fold Cyrillic; names are stored trimmed.
            Student.last_name == student.last_name,
            Student.first_name == student.first_name,
            func.coalesce(Student.middle_name, "") == (student.middle_name or ""),
            Student.birth_date == student.birth_date,
            Student.id != (student.id or 0),
        )
    ).all()


def check_student_data(session, student, *, confirm_duplicate=False):
    check_person_name(student)
    require(student.birth_date, "Укажите дату рождения.", "birth_date")
    if student.birth_date >= today():
        raise RuleError("Дата рождения должна быть в прошлом.", "birth_date")
    twins = find_duplicates(session, student)
    if twins and not confirm_duplicate:
        twin = twins[0]
        raise NeedsConfirmation(
            f"Ученик {twin.full_name}, {fmt_date(twin.birth_date)} г. р., уже есть в реестре "
            f"({twin.classgroup_name}, {twin.status_text}). Если это другой человек, "
            "отметьте «Подтверждаю, это другой ученик» и сохраните снова.",
            "confirm_duplicate",
        )


def admit_student(session, student, *, classgroup, effective_on, order_no, order_date, by_user=None,
                  confirm_duplicate=False, note=None, act=None):
    check_student_data(session, student, confirm_duplicate=confirm_duplicate)
    order_no = check_order(order_no, order_date)
    require(classgroup, "Укажите класс, в который зачисляется ученик.", "classgroup")
    require(effective_on, "Укажите дату зачисления.", "effective_on")
    _check_class_year(classgroup, effective_on)
    if student.id is not None:
        if _open_enrollment(session, student) is not None:
            raise RuleError(f"{student.full_name} уже учится в классе {student.classgroup_name}.", "classgroup")
        last_end = session.scalar(select(func.max(Enrollment.ends_on)).where(Enrollment.student_id == student.id))
        if last_end is not None and effective_on <= last_end:
            raise RuleError(f"Дата зачисления должна быть позже выбытия ({fmt_date(last_end)}).", "effective_on")
    session.add(student)
    session.add(Enrollment(student=student, classgroup=classgroup, starts_on=effective_on))
    student.classgroup = classgroup
    student.admitted_on = effective_on
    student.withdrawn_on = None
    if student.user is not None:
        student.user.active = True
    return _record(session, act or StudentAct(), student=student, kind="admission", effective_on=effective_on,
                                       order_no=order_no, order_date=order_date, to_class=classgroup,
                                       note=note, created_by=by_user)


def transfer_student(session, student, *, to_class, effective_on, order_no, order_date, by_user=None, note=None, act=None):
    """From effective_on the student is in to_class; lessons before it keep the old class."""
    order_no = check_order(order_no, order_date)
    require(to_class, "Укажите класс, в который переводится ученик.", "to_class")
    current = _current_enrollment(session, student, effective_on)
    if effective_on <= current.starts_on:
        raise RuleError(
            f"Перевод возможен не раньше следующего дня после зачисления в класс {current.classgroup.name} "
            f"({fmt_date(current.starts_on)}).",
            "effective_on",
        )
    if to_class.id == current.classgroup_id:
        raise RuleError(f"{student.full_name} уже учится в классе {to_class.name}.", "to_class")
    if to_class.school_year_id != current.classgroup.school_year_id:
        raise RuleError(
            f"Класс {to_class.name} относится к другому учебному году ({to_class.school_year.name}). "
            "Перевод в следующий год делается при закрытии учебного года.",
            "to_class",
        )
    _check_class_year(to_class, effective_on)
    current.ends_on = effective_on - timedelta(days=1)
    session.add(Enrollment(student=student, classgroup=to_class, starts_on=effective_on))
    student.classgroup = to_class
    # The old class's groups are no longer the student's.
    for sub in list(current.classgroup.subgroups):
        if student in sub.students:
            sub.students.remove(student)
    return _record(session, act or StudentAct(), student=student, kind="transfer", effective_on=effective_on,
                                       order_no=order_no, order_date=order_date, from_class=current.classgroup,
                                       to_class=to_class, note=note, created_by=by_user)


def withdraw_student(session, student, *, effective_on, order_no, order_date, destination, by_user=None, note=None, act=None):
    order_no = check_order(order_no, order_date)
    require(destination, "Укажите, куда выбывает ученик (школа, город).", "destination")
    current = _current_enrollment(session, student, effective_on)
    current.ends_on = effective_on
    student.classgroup = None
    student.withdrawn_on = effective_on
    if student.user is not None and effective_on <= today():
        student.user.active = False
    return _record(session, act or StudentAct(), student=student, kind="withdrawal", effective_on=effective_on,
                                       order_no=order_no, order_date=order_date, from_class=current.classgroup,
                                       destination=destination.strip(), note=note, created_by=by_user)


def _open_enrollment(session, student):
    return session.scalar(
        select(Enrollment).where(Enrollment.student_id == student.id, Enrollment.ends_on.is_(None))
    )


def _current_enrollment(session, student, effective_on):
    require(effective_on, "Укажите дату, с которой действует приказ.", "effective_on")
    current = _open_enrollment(session, student) if student.id else None
    if current is None:
        raise RuleError(f"{student.full_name} сейчас не числится ни в одном классе.", "student")
    if effective_on < current.starts_on:
        raise RuleError(
            f"Дата не может быть раньше зачисления в класс {current.classgroup.name} "
            f"({fmt_date(current.starts_on)}).",
            "effective_on",
        )
    return current


def _check_class_year(classgroup, day):
    year = classgroup.school_year
    if not year.covers(day):
        raise RuleError(
            f"Дата {fmt_date(day)} вне учебного года класса {classgroup.name} ({year.name}).", "effective_on"
        )
    if year.closed:
        raise RuleError(f"Учебный год {year.name} закрыт.", "effective_on")


def _record(session, act, **fields):
    """Write the act. A form may hand in its own (unsaved) act object to be filled."""
    for name, value in fields.items():
        setattr(act, name, value)
    session.add(act)
    session.flush()
    return act
