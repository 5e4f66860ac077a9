"""Row-level policy: which rows each person may see or change.

Every list, show, edit, related-field choice, `_info` and API call of the
journal filters through one of these functions (views/base.py wires them in).
Each returns a SQLAlchemy condition for the given user; hiding a menu item is
not access control.

Who a user *is* (a staff member, a student, a guardian) comes from the person
record that names the login; it is looked up once per request.
"""
from datetime import timedelta

from flask import g, has_request_context
from sqlalchemy import exists, false, or_, select, true
from sqlalchemy.orm import aliased

from app.extensions import db
from app.rules import today
from app.journal import LATE, Absence, Correction, FinalMark, Homework, JournalChange, Lesson, Mark
from app.people import Enrollment, Guardian, Guardianship, Staff, Student
from app.structure import ClassGroup, Subgroup, TeachingAssignment, subgroup_student
from app.timetable import Substitution, TeacherAbsence, TimetableSlot
from security.roles import JOURNAL_ADMINISTRATION, STUDENT, WHOLE_SCHOOL


class Person:
    """The staff member, student or guardian behind a login (any may be None)."""

    def __init__(self, staff=None, student=None, guardian=None):
        self.staff, self.student, self.guardian = staff, student, guardian

    @property
    def staff_id(self):
        return self.staff.id if self.staff else None


def person_columns(login):
    """The person records of a login and whether it leads a class, as columns to add to a
    SELECT FROM the login table (the security manager reads them with the login itself)."""
    leads = exists(select(ClassGroup.id).where(ClassGroup.class_teacher_id == Staff.id))
    return (select(Staff, Student, Guardian, leads).select_from(login)
            .outerjoin(Staff, Staff.user_id == login.id).outerjoin(Student, Student.user_id == login.id)
            .outerjoin(Guardian, Guardian.user_id == login.id))


def remember_person(user_id, staff, student, guardian, leads_a_class):
    """Keep the person records read for a login for the rest of the request."""
    person = Person(staff=staff, student=student, guardian=guardian)
    person.leads = bool(leads_a_class and staff is not None)
    if has_request_context():
        g.setdefault("_people", {})[user_id] = person
    return person


def person_of(user):
    """The person record(s) of a login, read in one statement and cached for the request
    (usually read already with the login: security/manager.py)."""
    if user is None or not getattr(user, "id", None):
        return Person()
    known = g.get("_people", {}) if has_request_context() else {}
    if user.id in known:
        return known[user.id]
    login = type(user)
    row = db.session.execute(person_columns(login).where(login.id == user.id)).first()
    return remember_person(user.id, *(row or (None, None, None, False)))


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


def sees_assignment(user, assignment):
    """visible_assignments for one assignment already loaded (with its class): the grid
    checks it in Python rather than building the condition into its prepared statement."""
    if sees_whole_school(user):
        return True
    person = person_of(user)
    if person.staff is None:
        return False
    return person.staff.id in (assignment.teacher_id, assignment.classgroup.class_teacher_id)


def covered_lessons(user, assignment_id):
    """{lesson id: date} of the assignment's lessons this user covers as a substitute."""
    person = person_of(user)
    if person.staff is None:
        return {}
    return dict(db.session.execute(select(Lesson.id, Lesson.date).where(
        Lesson.assignment_id == assignment_id, Lesson.substitute_id == person.staff.id)).all())


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
    return person.leads  # read with the person (person_of) unless the person was built by hand


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


# ------------------------------------------------------------------ the journal


class JournalWriter:
    """Who is writing to the journal, as the rules of app/journal_entry.py need it."""

    def __init__(self, user_id, staff_id=None, administration=False):
        self.user_id, self.staff_id, self.administration = user_id, staff_id, administration


def journal_writer(user):
    if user is None or not getattr(user, "id", None) or is_student_account(user):
        return JournalWriter(None)
    person = person_of(user)
    return JournalWriter(user.id, person.staff_id, bool(role_names(user) & JOURNAL_ADMINISTRATION))


def teaches_lesson(writer, lesson):
    """The teacher of the lesson, its substitute, or the teacher the assignment has now."""
    if writer.staff_id is None:
        return False
    return writer.staff_id in (lesson.teacher_id, lesson.substitute_id, lesson.assignment.teacher_id)


def may_write_lesson(writer, lesson):
    """Marks, attendance, topic and homework: the lesson's teachers, deputies, the director
    (001 3.6.1, 3.7, 3.9; 004 «Учитель» б). Parents and students never."""
    return writer.administration or teaches_lesson(writer, lesson)


def may_set_absence_reason(writer, lesson, reason):
    """Б/У/Н are the class teacher's (004 «Классный руководитель» а); «О» (late) is
    also the lesson's teacher's, who sees the student come in."""
    if writer.administration:
        return True
    if reason == LATE and teaches_lesson(writer, lesson):
        return True
    return writer.staff_id is not None and lesson.classgroup.class_teacher_id == writer.staff_id


def may_decide_corrections(writer):
    return writer.administration


def writable_lessons(user):
    """Lessons a user may write to: all for deputies and the director, their own (or
    covered) lessons for a teacher, none for anybody else."""
    writer = journal_writer(user)
    if writer.administration:
        return true()
    if writer.staff_id is None:
        return false()
    return or_(Lesson.teacher_id == writer.staff_id, Lesson.substitute_id == writer.staff_id,
               Lesson.assignment_id.in_(select(TeachingAssignment.id)
                                        .where(TeachingAssignment.teacher_id == writer.staff_id)))


def recent_writable_lessons(user):
    """Lesson choices of a form or `_info`: the user's writable lessons of the last two weeks
    up to today (a whole year would be thousands; older ones need a correction anyway)."""
    return writable_lessons(user) & Lesson.date.between(today() - timedelta(days=14), today())


def _family_lessons(person):
    """Lessons of the classes (and groups) of a family's children, any date."""
    ids = [s.id for s in (person.student,) if s is not None]
    children = select(Student.id).where(or_(
        Student.id.in_(_children_ids(person.guardian.id)) if person.guardian is not None else false(),
        Student.id.in_(ids) if ids else false()))
    classes = select(Enrollment.classgroup_id).where(Enrollment.student_id.in_(children))
    groups = select(subgroup_student.c.subgroup_id).where(subgroup_student.c.student_id.in_(children))
    return Lesson.classgroup_id.in_(classes) & (Lesson.subgroup_id.is_(None) | Lesson.subgroup_id.in_(groups))


def visible_lessons(user):
    """The administration sees every lesson; a teacher the lessons they teach or cover
    and every lesson of the class they lead; a family the lessons of its children."""
    if sees_whole_school(user):
        return true()
    person = person_of(user)
    conditions = []
    if person.staff is not None:
        conditions += [writable_lessons(user), Lesson.classgroup_id.in_(_led_class_ids(person.staff.id))]
    if person.guardian is not None or person.student is not None:
        conditions.append(_family_lessons(person))
    return or_(*conditions) if conditions else false()


def _records_of_visible_lessons(model, user):
    """Marks or absences: on lessons the user sees, and for a family only their own."""
    if sees_whole_school(user):
        return true()
    person = person_of(user)
    conditions = []
    if person.staff is not None:
        conditions.append(model.lesson_id.in_(select(Lesson.id).where(visible_lessons(user))))
    if person.guardian is not None or person.student is not None:
        conditions.append(model.student_id.in_(select(Student.id).where(family_students(user))))
    return or_(*conditions) if conditions else false()


def visible_marks(user):
    return _records_of_visible_lessons(Mark, user) & Mark.retracted_at.is_(None)


def visible_absences(user):
    return _records_of_visible_lessons(Absence, user) & Absence.retracted_at.is_(None)


def visible_homework(user):
    return Homework.lesson_id.in_(select(Lesson.id).where(visible_lessons(user)))


def visible_final_marks(user):
    """Final marks: the administration all; a teacher those of the subjects and classes
    they teach and of the class they lead; a family its own."""
    if sees_whole_school(user):
        return FinalMark.retracted_at.is_(None)
    person = person_of(user)
    conditions = []
    if person.staff is not None:
        taught = select(Enrollment.student_id).join(
            TeachingAssignment, TeachingAssignment.classgroup_id == Enrollment.classgroup_id
        ).where(TeachingAssignment.teacher_id == person.staff.id,
                TeachingAssignment.subject_id == FinalMark.subject_id)
        conditions += [FinalMark.student_id.in_(taught), FinalMark.student_id.in_(
            select(Enrollment.student_id).where(Enrollment.classgroup_id.in_(_led_class_ids(person.staff.id))))]
    if person.guardian is not None or person.student is not None:
        conditions.append(FinalMark.student_id.in_(select(Student.id).where(family_students(user))))
    return (or_(*conditions) if conditions else false()) & FinalMark.retracted_at.is_(None)


def visible_corrections(user):
    """Deputies and the director decide every correction; a teacher sees the ones they asked for."""
    writer = journal_writer(user)
    if sees_whole_school(user):
        return true()
    return Correction.requested_by_id == writer.user_id if writer.user_id else false()


def visible_journal_changes(user):
    """The audit trail: the administration all of it; a teacher the changes on their lessons."""
    if sees_whole_school(user):
        return true()
    if person_of(user).staff is None:
        return false()
    return JournalChange.lesson_id.in_(select(Lesson.id).where(visible_lessons(user)))


def visible_work_types(user):
    return true()


def lesson_teachers(user):
    """Staff a user may pick in a lesson filter: the teachers of the lessons they see."""
    return Staff.id.in_(select(Lesson.teacher_id).where(visible_lessons(user)))


def may_write_assignment(writer, assignment):
    """Whether the grid of this assignment opens for entry at all (a substitute's single
    lesson opens by may_write_lesson)."""
    return writer.administration or (writer.staff_id is not None and writer.staff_id == assignment.teacher_id)


def may_give_final_marks(writer, assignment):
    """Final marks are the subject teacher's (001 3.6.5), and the administration's."""
    return may_write_assignment(writer, assignment)


def teaches_subject_to(user, student, subject):
    """Whether the user teaches this subject in the student's current class (final marks, 001 3.6.5)."""
    writer = journal_writer(user)
    if writer.staff_id is None or student is None or subject is None:
        return False
    groups = select(subgroup_student.c.subgroup_id).where(subgroup_student.c.student_id == student.id)
    return db.session.scalar(select(TeachingAssignment.id).where(
        TeachingAssignment.teacher_id == writer.staff_id, TeachingAssignment.subject_id == subject.id,
        TeachingAssignment.classgroup_id == student.classgroup_id,
        TeachingAssignment.subgroup_id.is_(None) | TeachingAssignment.subgroup_id.in_(groups)).limit(1)) is not None


# ------------------------------------------------------------------ mail

# Here rather than at the top: app/messages.py imports this module after defining its models.
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role  # noqa: E402

from app.messages import Message, MessageAttachment, MessageRecipient  # noqa: E402
from app.structure import SchoolYear  # noqa: E402


def pupils_at_school():
    """Students in a class today: a withdrawn one receives nothing new and has no teachers."""
    day = today()
    return current_students() & (Student.withdrawn_on.is_(None) | (Student.withdrawn_on > day))


def receives_mail():
    """Logins that may get new messages (a condition on ab_user): active, and not of a dismissed
    staff member or a withdrawn student. Correlated NOT EXISTS: a NOT IN over a column with NULLs
    would exclude everybody."""
    day = today()
    dismissed = select(Staff.id).where(Staff.user_id == User.id, Staff.dismissed_on <= day)
    withdrawn = select(Student.id).where(Student.user_id == User.id, Student.withdrawn_on <= day)
    return User.active.is_(True) & ~dismissed.exists() & ~withdrawn.exists()


def mail_classes(user):
    """Classes of this school year whose families a teacher writes to: taught or led ones; the
    director and the deputies write to the families of every class (001 3.9, 3.7: they answer for
    the whole school, and a parent is called in by them, not only by the class teacher)."""
    person = person_of(user)
    if person.staff is None:
        return false()
    current_year = select(SchoolYear.id).where(SchoolYear.is_current.is_(True))
    if role_names(user) & JOURNAL_ADMINISTRATION:
        return ClassGroup.school_year_id.in_(current_year)
    return ClassGroup.school_year_id.in_(current_year) & or_(
        ClassGroup.id.in_(_taught_class_ids(person.staff.id)), ClassGroup.class_teacher_id == person.staff.id)


def class_family_logins(class_ids, parents=True, students=True):
    """Logins of the students of these classes (a select of ids) and/or of their guardians."""
    pupils = select(Student.id).where(Student.classgroup_id.in_(class_ids), pupils_at_school())
    conditions = []
    if students:
        conditions.append(User.id.in_(select(Student.user_id).where(Student.id.in_(pupils))))
    if parents:
        conditions.append(User.id.in_(select(Guardian.user_id).join(Guardianship, Guardianship.guardian_id == Guardian.id)
                                      .where(Guardianship.student_id.in_(pupils))))
    return or_(*conditions) if conditions else false()


def administration_logins():
    """The director's and deputies' logins: families write to them (001 3.10.5)."""
    return select(assoc_user_role.c.user_id).join(Role, Role.id == assoc_user_role.c.role_id) \
        .where(Role.name.in_(JOURNAL_ADMINISTRATION))


def teachers_of(children):
    """Staff teaching these students (a select of ids): an assignment of their class for the
    whole class or for a group they are in, or the class teacher of their class."""
    classes = select(Student.classgroup_id).where(Student.id.in_(children))
    groups = select(subgroup_student.c.subgroup_id).where(subgroup_student.c.student_id.in_(children))
    taught = select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.classgroup_id.in_(classes),
        TeachingAssignment.subgroup_id.is_(None) | TeachingAssignment.subgroup_id.in_(groups))
    return Staff.id.in_(taught) | Staff.id.in_(select(ClassGroup.class_teacher_id).where(ClassGroup.id.in_(classes)))


def mail_recipients(user):
    """The logins `user` may start a message to (a condition on ab_user), the one rule of the
    internal mail (003 §4, 001 3.10.3): staff write to each other, and a teacher to the students
    and parents of the classes they teach or lead; a parent or student to the teachers of that
    child, the class teacher and the administration. Nobody writes to themself, nobody to a
    dismissed or withdrawn person, a family never to another family."""
    if user is None or not getattr(user, "id", None):
        return false()
    person = person_of(user)
    working = select(Staff.user_id).where(active_staff(), Staff.user_id.isnot(None))
    conditions = []
    if person.staff is not None:
        conditions += [User.id.in_(working), class_family_logins(select(ClassGroup.id).where(mail_classes(user)))]
    if person.guardian is not None or person.student is not None:
        children = select(Student.id).where(family_students(user), pupils_at_school())
        conditions += [User.id.in_(working.where(teachers_of(children))),
                       User.id.in_(working.where(Staff.user_id.in_(administration_logins())))]
    if not conditions:
        return false()
    return or_(*conditions) & (User.id != user.id) & receives_mail()


def reply_recipients(user, thread_id):
    """Whom a reply in a thread may go to: anyone `user` may write to, and anyone who wrote to
    `user` in this thread (the director answers a parent she could not have written to first)."""
    wrote_to_me = select(Message.author_id).join(MessageRecipient, MessageRecipient.message_id == Message.id) \
        .where(Message.thread_id == thread_id, MessageRecipient.recipient_id == user.id)
    return (mail_recipients(user) | (User.id.in_(wrote_to_me) & (User.id != user.id) & receives_mail())) \
        if getattr(user, "id", None) else false()


def may_write_to(author, recipient):
    """Whether `author` may start a message to `recipient` (a login or its id)."""
    recipient_id = getattr(recipient, "id", recipient)
    if not recipient_id:
        return False
    return db.session.scalar(select(User.id).where(User.id == recipient_id, mail_recipients(author))) is not None


def may_write_to_class(author, classgroup_id):
    """A whole class at once: its teachers and its class teacher, this school year."""
    return db.session.scalar(select(ClassGroup.id).where(ClassGroup.id == classgroup_id,
                                                         mail_classes(author))) is not None


def mail_rule_text(author):
    """The rule, as a refused writer reads it."""
    person = person_of(author)
    if person.staff is not None:
        return ("Сотрудники пишут друг другу, учитель — ещё ученикам и родителям классов, в которых ведёт уроки "
                "или классное руководство, а директор и его заместители — семьям всех классов. Уволенным "
                "сотрудникам и выбывшим ученикам новые сообщения не приходят.")
    if person.guardian is not None:
        return ("Родитель пишет учителям своего ребёнка, его классному руководителю и администрации школы "
                "(директору, заместителям директора); другим семьям писать нельзя.")
    if person.student is not None:
        return ("Ученик пишет своим учителям, классному руководителю и администрации школы "
                "(директору, заместителям директора); другим ученикам писать нельзя.")
    return "Сообщения пишут сотрудники школы, родители и ученики."


def sees_receipt(viewer, author_id, recipient_id):
    """Whose receipt of a message (read or not, when) the viewer sees, on the page and in the API: the
    author every one; staff every recipient of a message they got; a family only its own, like a blind
    copy, so that a letter to a whole class does not tell one family who the others are."""
    return author_id == viewer.id or recipient_id == viewer.id or person_of(viewer).staff is not None


def visible_messages(user):
    """Only one's own messages: those one wrote or received. Nobody else's, whatever the role."""
    if user is None or not getattr(user, "id", None):
        return false()
    return (Message.author_id == user.id) | Message.id.in_(
        select(MessageRecipient.message_id).where(MessageRecipient.recipient_id == user.id))


def visible_attachments(user):
    return MessageAttachment.message_id.in_(select(Message.id).where(visible_messages(user)))


# ------------------------------------------------------------------ timetable and substitutions


def may_keep_timetable(writer):
    """The timetable, teacher absences and substitutions are the deputies' (001 3.7.3)."""
    return writer.administration


def visible_timetable_slots(user):
    """The whole timetable for the administration and every teacher (rooms and colleagues'
    lessons are staff-room knowledge); a family the lessons of its children's classes and groups."""
    person = person_of(user)
    if sees_whole_school(user) or person.staff is not None:
        return true()
    if person.guardian is None and person.student is None:
        return false()
    children = select(Student.id).where(family_students(user))
    classes = select(Enrollment.classgroup_id).where(Enrollment.student_id.in_(children))
    groups = select(subgroup_student.c.subgroup_id).where(subgroup_student.c.student_id.in_(children))
    return TimetableSlot.assignment_id.in_(select(TeachingAssignment.id).where(
        TeachingAssignment.classgroup_id.in_(classes),
        TeachingAssignment.subgroup_id.is_(None) | TeachingAssignment.subgroup_id.in_(groups)))


def visible_substitutions(user):
    """Substitutions of the lessons a user sees: a teacher those they gave up or cover, a
    family those of its children's lessons (the diary shows who taught)."""
    if sees_whole_school(user):
        return true()
    person = person_of(user)
    conditions = [Substitution.lesson_id.in_(select(Lesson.id).where(visible_lessons(user)))]
    if person.staff is not None:
        conditions.append(Substitution.substitute_id == person.staff.id)
    return or_(*conditions)


def visible_teacher_absences(user):
    """Who is away and why is for the administration; a teacher sees their own."""
    if sees_whole_school(user):
        return true()
    person = person_of(user)
    return TeacherAbsence.staff_id == person.staff.id if person.staff is not None else false()


# ------------------------------------------------------------------ the diary


def diary_students(user):
    """Whose diary a login opens: a parent their children, a student themself (001 3.10.1,
    002 1.13); the administration any student (001 3.7, 3.9: they see every page)."""
    if sees_whole_school(user):
        return true()
    return family_students(user)


def reading_classes(user):
    """Classes whose diary reading a person sees: the class teacher their own classes (001 3.5.5),
    the administration every class."""
    if sees_whole_school(user):
        return true()
    person = person_of(user)
    return ClassGroup.id.in_(_led_class_ids(person.staff.id)) if person.staff is not None else false()


def led_current_classes(user):
    """This school year's classes the login is the class teacher of: the only ones whose families
    it sends the report to parents (004 «Классный руководитель» в)."""
    person = person_of(user)
    if person.staff is None:
        return false()
    return ClassGroup.id.in_(_led_class_ids(person.staff.id)) & ClassGroup.school_year_id.in_(
        select(SchoolYear.id).where(SchoolYear.is_current.is_(True)))


def visible_parent_reports(user):
    """Reports to parents a person sees (their progress, who was not reached): the one who sent it,
    the class teacher of its class, the administration."""
    if sees_whole_school(user):
        return true()
    if not getattr(user, "id", None):
        return false()
    from app.parent_report import ParentReport

    led = select(ClassGroup.id).where(led_current_classes(user))
    return (ParentReport.author_id == user.id) | ParentReport.classgroup_id.in_(led)


# ------------------------------------------------------------------ printouts and the archive

from printouts.models import TITLE_SHEET, Printout, PrintoutSheet  # noqa: E402


def visible_printouts(user):
    """Printed copies: the administration and the secretary every one (they print, certify,
    register and sign them: 004 §4); a teacher those with sheets of theirs to check and those of
    the class they lead; nobody else."""
    if sees_whole_school(user):
        return true()
    person = person_of(user)
    if person.staff is None:
        return false()
    return Printout.classgroup_id.in_(_led_class_ids(person.staff.id)) | Printout.id.in_(
        select(PrintoutSheet.printout_id).where(PrintoutSheet.teacher_id == person.staff.id))


def visible_printout_sheets(user):
    """Sheets of a printed copy whose pages a person may download (the PDF is cut to them): the
    administration and the class teacher the whole copy; any other teacher the title page and the
    sheets they sign, since a teacher sees only the marks of their own lessons (visible_marks)."""
    if sees_whole_school(user):
        return true()
    person = person_of(user)
    if person.staff is None:
        return false()
    staff_id = person.staff.id
    own = aliased(PrintoutSheet)
    led = select(Printout.id).where(Printout.classgroup_id.in_(_led_class_ids(staff_id)))
    with_own_sheets = select(own.printout_id).where(own.teacher_id == staff_id)
    return PrintoutSheet.printout_id.in_(led) | (PrintoutSheet.teacher_id == staff_id) | (
        (PrintoutSheet.key == TITLE_SHEET) & PrintoutSheet.printout_id.in_(with_own_sheets))


def visible_archive_records(user):
    """The archive register is the school office's (001 3.9.7, 004 «Секретарь» г)."""
    return true() if sees_whole_school(user) else false()


def visible_print_jobs(user):
    return true() if sees_whole_school(user) else false()
