"""The role → permission matrix, as data.

Each view and API declares a `class_permission_name` (a *resource* below) and maps
its methods to two permissions: `can_read` (list, show, get) and `can_write`
(add, edit, post, put, _info). Deletion is never offered: registers keep history.
Row-level limits (whose students, which classes) are in security/policy.py.
`flask journal sync-roles` (and the first start) applies this matrix.
"""

READ = ("can_read",)
WRITE = ("can_read", "can_write")

# Roles as FAB names them; class teachers are teachers whose class names them (not a role).
ADMIN, DIRECTOR, DEPUTY, SECRETARY, TEACHER, PARENT, STUDENT = (
    "Admin", "Director", "Deputy", "Secretary", "Teacher", "Parent", "Student",
)
SCHOOL_ROLES = (ADMIN, DIRECTOR, DEPUTY, SECRETARY, TEACHER, PARENT, STUDENT)
ROLE_TITLES = {
    TEACHER: "учитель", PARENT: "родитель", STUDENT: "ученик", SECRETARY: "секретарь",
    DEPUTY: "заместитель директора", DIRECTOR: "директор", ADMIN: "администратор журнала",
}
# Roles that see the whole school's registers (001 3.4, 3.7, 3.8, 3.9).
WHOLE_SCHOOL = frozenset({ADMIN, DIRECTOR, DEPUTY, SECRETARY})
# Roles that may write anywhere in the journal, every change audited (001 3.7, 3.9; 004).
# The administrator and the secretary read the journal but do not keep it.
JOURNAL_ADMINISTRATION = frozenset({DIRECTOR, DEPUTY})

STRUCTURE = ("SchoolYear", "Period", "ClassGroup", "Subgroup", "Subject", "TeachingAssignment")
STAFF_REGISTER = ("Staff", "StaffAct", "Position")
STAFF_DEVELOPMENT = ("Attestation", "TrainingCourse")
STUDENT_REGISTER = ("Student", "StudentAct", "Guardian")
# The journal: the grid page, its records and their REST resources.
JOURNAL_RECORDS = ("Journal", "Lesson", "Mark", "Absence", "FinalMark", "Homework")
JOURNAL_SETUP = ("WorkType", "PlanTopic")
DECIDE = ("can_read", "can_decide")
# The timetable (issue 4): deputies keep it; everyone on the staff reads it.
TIMETABLE = ("Timetable", "Bell", "CalendarDay", "TimetableSlot", "TeacherAbsence", "Substitution",
             "TimetableReport")
STAFF_TIMETABLE = ("Timetable", "Bell", "CalendarDay", "TimetableSlot", "TeacherAbsence", "Substitution")
# The diary reads the timetable and who taught each lesson.
FAMILY_TIMETABLE = ("TimetableSlot", "Substitution", "Bell")
# Each person's own notices, mailbox and notification settings (security/policy.py keeps them
# to their owner and says who may write to whom).
OWN_NOTICES = {"Notice": ("can_read", "can_write"), "Message": ("can_read", "can_write"),
               "NotificationSetting": ("can_read", "can_write")}
# The diary of one's own child (parents, students); the class teacher's view of who reads it.
FAMILY_DIARY = {"Diary": ("can_read",)}
CLASS_TEACHING = {"ParentReport": ("can_read", "can_write"), "ReadingActivity": ("can_read",)}
# The printed copy (004 §4): each role takes its own step; security/policy.py says which printouts
# a teacher sees (those with their sheets or of the class they lead).
PRINTOUT_STEPS = {"Printout": ("can_read", "can_write")}


def _grant(resources, perms):
    return {resource: perms for resource in resources}


MATRIX = {
    # The director sees every page and may edit it (001 3.9.1–3.9.2).
    DIRECTOR: {
        **_grant(STRUCTURE, WRITE), **_grant(STAFF_REGISTER, WRITE),
        **_grant(STAFF_DEVELOPMENT, WRITE), **_grant(STUDENT_REGISTER, WRITE),
        **_grant(JOURNAL_RECORDS, WRITE), **_grant(JOURNAL_SETUP, WRITE),
        "Correction": DECIDE, "JournalChange": READ, **_grant(TIMETABLE, WRITE), **OWN_NOTICES,
        **_grant(("ParentReport", "ReadingActivity", "Diary"), READ),
        **PRINTOUT_STEPS, "ArchiveRecord": WRITE, "PrintJob": READ,
    },
    # Deputies keep the structure and staff development, and see everything else (001 3.7, 004).
    DEPUTY: {
        **_grant(STRUCTURE, WRITE), **_grant(STAFF_REGISTER, READ),
        **_grant(STAFF_DEVELOPMENT, WRITE), **_grant(STUDENT_REGISTER, READ),
        **_grant(JOURNAL_RECORDS, WRITE), **_grant(JOURNAL_SETUP, WRITE),
        "Correction": DECIDE, "JournalChange": READ, **_grant(TIMETABLE, WRITE), **OWN_NOTICES,
        **_grant(("ParentReport", "ReadingActivity", "Diary"), READ),
        **PRINTOUT_STEPS, "ArchiveRecord": READ, "PrintJob": WRITE,
    },
    # The secretary keeps both registers by orders (001 3.8).
    SECRETARY: {
        **_grant(STRUCTURE, READ), **_grant(STAFF_REGISTER, WRITE),
        **_grant(STAFF_DEVELOPMENT, READ), **_grant(STUDENT_REGISTER, WRITE),
        **_grant(STAFF_TIMETABLE, READ), **OWN_NOTICES, **PRINTOUT_STEPS, "ArchiveRecord": WRITE,
    },
    # Teachers see the classes they teach; a class teacher edits contacts of their class (001 3.5.2).
    TEACHER: {
        "ClassGroup": READ, "Subgroup": READ, "Subject": READ, "TeachingAssignment": READ,
        "Student": READ, "MyClass": WRITE, "MyClassGuardian": WRITE,
        **_grant(JOURNAL_RECORDS, WRITE), **_grant(JOURNAL_SETUP, READ),
        "Correction": READ, "JournalChange": READ, **_grant(STAFF_TIMETABLE, READ), **OWN_NOTICES,
        **CLASS_TEACHING, **PRINTOUT_STEPS,
    },
    # Parents and students read their own family's data only (001 3.10, 004 3.6).
    PARENT: {"ClassGroup": READ, "Subject": READ, "Student": READ, "MyFamily": READ,
             **_grant(("Lesson", "Mark", "Absence", "FinalMark", "Homework", "FamilyMarks"), READ),
             **_grant(FAMILY_TIMETABLE, READ), **OWN_NOTICES, **FAMILY_DIARY},
    STUDENT: {"ClassGroup": READ, "Subject": READ, "Student": READ, "MyFamily": READ,
              **_grant(("Lesson", "Mark", "Absence", "FinalMark", "Homework", "FamilyMarks"), READ),
              **_grant(FAMILY_TIMETABLE, READ), **OWN_NOTICES, **FAMILY_DIARY},
}
# Menu entries per role, where a role reads more than its menu should offer (a parent
# reads their child through the Student resource, but the register is not their page).
MENUS = {
    TEACHER: {"Classes", "Subgroups", "Subjects", "Assignments", "MyClass", "MyClassGuardians",
              "Journal", "Lessons", "Marks", "Absences", "FinalMarks", "Corrections", "WorkTypes",
              "Timetable", "MyTimetable", "TimetableDay", "Substitutions", "Notices", "Messages",
              "NotificationSettings", "ParentReports", "ReadingActivity", "Printouts"},
    PARENT: {"MyFamily", "FamilyMarks", "Notices", "Diary", "Messages", "NotificationSettings"},
    STUDENT: {"MyFamily", "FamilyMarks", "Notices", "Diary", "Messages", "NotificationSettings"},
}

# Menu entries shown only to class teachers (the class teacher is not a role: it
# follows from the class, so this is decided per request in security/manager.py).
CLASS_TEACHER_MENUS = frozenset({"Мой класс", "MyClass", "MyClassGuardians", "ParentReports", "ReadingActivity"})

# The journal administrator issues logins and watches the system (001 3.4): FAB's
# Admin role gets every permission, including its own security views.

# What every signed-in person may do with their own account.
OWN_ACCOUNT = (
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
)

# FAB's own ways to create a login with no person behind it.
ORPHAN_LOGINS = {("can_add", "UserDBModelView"), ("can_post", "UserApi")}

# Views' methods → the two permissions above. `info` is a write permission because
# FAB's _info lists related rows for forms: only people who fill in forms need it.
METHOD_PERMISSIONS = {
    "list": "read", "show": "read", "download": "read",
    "add": "write", "edit": "write",
    "delete": "delete",  # no view exposes deletion; the name only answers FAB's templates
    "get": "read", "get_list": "read",
    "post": "write", "put": "write", "info": "write",
    "api_read": "read", "api_get": "read", "api_column_add": "write", "api_column_edit": "write",
    "api_create": "write", "api_update": "write",
    "approve": "decide", "reject": "decide", "retract": "write",
}


def apply_matrix(appbuilder):
    """Create every permission, then give each role exactly what the matrix says."""
    sm = appbuilder.sm
    for role_name in SCHOOL_ROLES + (sm.auth_role_public,):
        sm.add_role(role_name)
    appbuilder.add_permissions(update_perms=True)
    menu_grants = _menu_resources(appbuilder)
    for role_name, resources in MATRIX.items():
        role = sm.find_role(role_name)
        wanted = []
        for resource, perms in resources.items():
            wanted += [sm.add_permission_view_menu(perm, resource) for perm in perms]
            for item, category in menu_grants.get(resource, ()):
                if role_name in MENUS and item not in MENUS[role_name]:
                    continue
                wanted += [sm.add_permission_view_menu("menu_access", name) for name in (item, category) if name]
        wanted += [sm.add_permission_view_menu(perm, view) for perm, view in OWN_ACCOUNT]
        role.permissions = [pv for pv in dict.fromkeys(wanted) if pv is not None]
    # The administrator holds every permission there is, FAB's security views included,
    # except adding logins that belong to nobody: logins are issued from the registers.
    sm.find_role(ADMIN).permissions = [
        pv for pv in sm.session.query(sm.permissionview_model).all()
        if (pv.permission.name, pv.view_menu.name) not in ORPHAN_LOGINS]
    sm.session.commit()


def _menu_resources(appbuilder):
    """resource → [(menu item name, its category name or None)] of the items leading to it."""
    grants = {}
    for category in appbuilder.menu.get_list():
        for item in category.childs or [category]:
            resource = getattr(getattr(item, "baseview", None), "class_permission_name", None)
            if resource:
                grants.setdefault(resource, []).append((item.name, category.name if category.childs else None))
    return grants
