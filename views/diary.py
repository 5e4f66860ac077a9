"""The diary pages: a child's week and period for parents and students, read-only (001 3.10,
004 3.6), and «Кто читает дневник» for the class teacher (001 3.5.5).

Thin: the reads are app/diary.py, who sees whom is security/policy.py (diary_students,
reading_classes). Every URL names the child; a child the login may not open answers 404,
whatever the page, so guessing ids tells nothing. No page writes anything but the visit.
"""
from flask import Response, abort, request
from flask_appbuilder import BaseView, expose, has_access

from app import diary
from app.extensions import db
from app.people import Student
from security import policy
from views.base import acting_user, arg_day, is_id
from views.journal_grid import _attachment_header


def _int_arg(name):
    value = request.args.get(name, "")
    return int(value) if is_id(value) else None


def _opened(page):
    """The login opened the diary: counted in one statement, committed once the page is
    rendered (a commit expires the login, which the menu would read again)."""
    diary.record_visit(db.session, acting_user().id)
    db.session.commit()
    return page


class DiaryView(BaseView):
    route_base = "/diary"
    class_permission_name = "Diary"
    method_permission_name = {"index": "read", "week": "read", "marks": "read", "homework_file": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        """A family's first child's week; the administration picks a class and a student."""
        user = acting_user()
        if policy.sees_whole_school(user):
            return self._class_choice()
        kids = diary.children(policy.diary_students(user))
        if not kids:
            return self.render_template("diary_index.html", classes=[], chosen=None, students=[])
        return self._week(kids, kids[0])

    @expose("/<student_id>/")
    @has_access
    def week(self, student_id):
        kids, child = self._child(student_id)
        return self._week(kids, child)

    @expose("/<student_id>/marks")
    @has_access
    def marks(self, student_id):
        kids, child = self._child(student_id)
        data = diary.read_period(child, _int_arg("period"))
        return _opened(self.render_template("diary_marks.html", data=data, kids=kids, child=child))

    @expose("/<student_id>/file/<file_id>")
    @has_access
    def homework_file(self, student_id, file_id):
        _, child = self._child(student_id)
        attached = diary.homework_file(child, int(file_id)) if is_id(file_id) else None
        if attached is None:
            abort(404)
        return Response(attached.data, mimetype="application/octet-stream", headers={
            "Content-Disposition": _attachment_header(attached.filename), "X-Content-Type-Options": "nosniff"})

    # ---- helpers of these pages ------------------------------------------------------

    def _week(self, kids, child):
        week = diary.read_week(child, arg_day())
        return _opened(self.render_template("diary_week.html", week=week, kids=kids, child=child))

    @staticmethod
    def _child(student_id):
        """The children the login may open and the one asked for; 404 for anybody else's."""
        if not is_id(student_id):
            abort(404)
        user, wanted = acting_user(), int(student_id)
        condition = policy.diary_students(user)
        if policy.sees_whole_school(user):  # every student is visible: read only the one asked for
            condition = condition & (Student.id == wanted)
        kids = diary.children(condition)
        child = next((kid for kid in kids if kid.id == wanted), None)
        if child is None:
            abort(404)
        return kids, child

    def _class_choice(self):
        classes = diary.current_classes(policy.visible_classes(acting_user()))
        chosen = next((c for c in classes if c.id == _int_arg("class")), None)
        students = diary.children(Student.classgroup_id == chosen.id) if chosen else []
        return self.render_template("diary_index.html", classes=classes, chosen=chosen, students=students)


class ReadingActivityView(BaseView):
    """«Кто читает дневник»: per student and parent of a class, their last opening of the diary
    and the class teacher's messages they have read (001 3.5.5)."""

    route_base = "/diary/reading"
    class_permission_name = "ReadingActivity"
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        classes = diary.current_classes(policy.reading_classes(acting_user()))
        wanted = request.args.get("class")
        chosen = next((c for c in classes if str(c.id) == wanted), None) if wanted else (classes or [None])[0]
        if wanted and chosen is None:
            abort(404)
        groups = diary.reading_activity(chosen) if chosen else []
        return self.render_template("diary_reading.html", classes=classes, chosen=chosen, groups=groups,
                                    summary=diary.reading_summary(groups))


def register(appbuilder):
    appbuilder.add_view(DiaryView, "Diary", label="Дневник", icon="fa-calendar-check-o")
    # First in the menu: it is what parents and students come for.
    menu = appbuilder.menu.get_list()
    menu.insert(0, menu.pop())
    appbuilder.add_view(ReadingActivityView, "ReadingActivity", label="Кто читает дневник", icon="fa-eye",
                        category="Мой класс", category_label="Мой класс")
