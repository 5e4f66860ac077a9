"""Row-level policy: which rows each person may see or change.

Every list, show, edit, related-field choice, `_info` and API call of the
journal filters through one of these functions (views/base.py wires them in).
Each returns a SQLAlchemy condition for the given user; hiding a menu item is
not access control.

Who a user *is* (a staff member, a student, a guardian) comes from the person
record that names the login; it is looked up once per request.
"""
from flask import g, has_request_context
from sqlalchemy import false, or_, select, true

from app.extensions import db
from app.rules import today
from app.people import Guardian, Guardianship, Staff, Student
from app.structure import ClassGroup, Subgroup, TeachingAssignment
from security.roles import STUDENT, WHOLE_SCHOOL


class Person:
    """The staff member, student or guardian behind a login (any may be None)."""

    def __init__(self, staff=None, student=None, guardian=None):
        self.staff, self.student, self.guardian = staff, student, guardian

    @property
    def staff_id(self):
        return self.staff.id if self.staff else None


def person_of(user):
    """The person record(s) of a login, cached for the request."""
    if user is None or not getattr(user, "id", None):
        return Person()
    cache = g.setdefault("_people", {}) if has_request_context() else {}
    if user.id not in cache:
        session = db.session
        cache[user.id] = Person(
            staff=session.scalar(select(Staff).where(Staff.user_id == user.id)),
            student=session.scalar(select(Student).where(Student.user_id == user.id)),
            guardian=session.scalar(select(Guardian).where(Guardian.user_id == user.id)),
        )
    return cache[user.id]


def role_names(user):
    return {r.name for r in getattr(user, "roles", None) or ()}


def sees_whole_school(user):
    return bool(role_names(user) & WHOLE_SCHOOL)


def is_student_account(user):
    """A student's login is read-only everywhere (004, last line)."""
    return STUDENT in role_names(user) or person_of(user).student is not None


def account_is_open(user, day):
    """False once the person behind the login is dismissed or withdrawn (from that date)."""
    person = person_of(user)
    if person.staff is not None and person.staff.dismissed_on is not None and person.staff.dismissed_on <= day:
        return False
    if person.student is not None and person.student.withdrawn_on is not None and person.student.withdrawn_on <= day:
        return False
    return True


# ------------------------------------------------------------------ classes


def _taught_class_ids(staff_id):
    return select(TeachingAssignment.classgroup_id).where(TeachingAssignment.teacher_id == staff_id)


def _led_class_ids(staff_id):
    return select(ClassGroup.id).where(ClassGroup.class_teacher_id == staff_id)


def _children_ids(guardian_id):
    return select(Guardianship.student_id).where(Guardianship.guardian_id == guardian_id)


def visible_classes(user):
    """Classes a person may see: all for the administration, taught or led ones for a
    teacher, the children's own classes for a family."""
    if sees_whole_school(user):
        return true()
    person = person_of(user)
    conditions = []
    if person.staff is not None:
        conditions += [ClassGroup.id.in_(_taught_class_ids(person.staff.id)),
                       ClassGroup.id.in_(_led_class_ids(person.staff.id))]
    if person.guardian is not None:
        conditions.append(ClassGroup.id.in_(
            select(Student.classgroup_id).where(Student.id.in_(_children_ids(person.guardian.id)))))
    if person.student is not None and person.student.classgroup_id:
        conditions.append(ClassGroup.id == person.student.classgroup_id)
    return or_(*conditions) if conditions else false()


def visible_subgroups(user):
    return Subgroup.classgroup_id.in_(select(ClassGroup.id).where(visible_classes(user)))


def visible_assignments(user):
    if sees_whole_school(user):
        return true()
    person = person_of(user)
    if person.staff is None:
        return false()
    return or_(TeachingAssignment.teacher_id == person.staff.id,
               TeachingAssignment.classgroup_id.in_(_led_class_ids(person.staff.id)))


# ------------------------------------------------------------------ students


def visible_students(user):
    """Students a person may see: everyone for the administration; for a teacher the
    students of the classes and groups they teach or lead; a parent their children;
    a student themselves."""
    if sees_whole_school(user):
        return true()
    person = person_of(user)
    conditions = []
    if person.staff is not None:
        staff_id = person.staff.id
        conditions += [
            Student.classgroup_id.in_(_taught_class_ids(staff_id)),
            Student.classgroup_id.in_(_led_class_ids(staff_id)),
        ]
    if person.guardian is not None:
        conditions.append(Student.id.in_(_children_ids(person.guardian.id)))
    if person.student is not None:
        conditions.append(Student.id == person.student.id)
    return or_(*conditions) if conditions else false()


def leads_a_class(user):
    person = person_of(user)
    if person.staff is None:
        return False
    if not hasattr(person, "leads"):
        person.leads = db.session.scalar(
            select(ClassGroup.id).where(ClassGroup.class_teacher_id == person.staff.id).limit(1)) is not None
    return person.leads


def led_students(user):
    """Students of the classes this person leads as class teacher (001 3.5.2)."""
    person = person_of(user)
    if person.staff is None:
        return false()
    return Student.classgroup_id.in_(_led_class_ids(person.staff.id))


def led_guardians(user):
    """Guardians of the students of the classes this person leads."""
    person = person_of(user)
    if person.staff is None:
        return false()
    return Guardian.id.in_(
        select(Guardianship.guardian_id).join(Student, Student.id == Guardianship.student_id)
        .where(Student.classgroup_id.in_(_led_class_ids(person.staff.id)))
    )


def family_students(user):
    """A parent's children, or a student themself."""
    person = person_of(user)
    conditions = []
    if person.guardian is not None:
        conditions.append(Student.id.in_(_children_ids(person.guardian.id)))
    if person.student is not None:
        conditions.append(Student.id == person.student.id)
    return or_(*conditions) if conditions else false()


def visible_guardians(user):
    if sees_whole_school(user):
        return true()
    return led_guardians(user)


# ------------------------------------------------------------------ staff


def visible_staff(user):
    """Staff personal data is for the administration and the secretary only (001 3.8.2)."""
    return true() if sees_whole_school(user) else false()


def active_staff():
    day = today()
    return (Staff.hired_on.isnot(None)) & (Staff.hired_on <= day) & (
        Staff.dismissed_on.is_(None) | (Staff.dismissed_on > day))


def current_students():
    return Student.classgroup_id.isnot(None)
