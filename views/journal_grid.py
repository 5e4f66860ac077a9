"""The journal grid: the page a teacher lives in, and the JSON its cells save through.

Thin, like every view: it reads the grid (app/grid.py), hands each save to a rule of
app/journal_entry.py and answers what the rule said. Refusals are 422 with the Russian
message (and whether a correction is possible), conflicting saves 409 with what the
cell holds now. CSRF protects every POST (the page sends its token in X-CSRFToken).
"""
from datetime import date

from flask import Response, abort, jsonify, request
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import grid as journal_grid
from app import journal_entry as entry
from app import journal_import
from app.extensions import db
from app.journal import Absence, HomeworkFile, Lesson, Mark, WorkType
from app.people import Student
from app.rules import RuleError
from app.structure import ClassGroup, Period, TeachingAssignment
from security import policy
from views import grid_table
from views.base import MAX_ID, acting_user

PERMISSIONS = {
    "index": "read", "grid": "read", "homework_file": "read",
    "cell": "write", "lesson": "write", "new_lesson": "write", "final": "write", "correction": "write",
    "attach": "write", "import_marks": "write",
}


class JournalView(BaseView):
    route_base = "/journal"
    class_permission_name = "Journal"
    method_permission_name = PERMISSIONS
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        """The classes, groups and subjects the user may open, by class."""
        assignments = db.session.scalars(
            select(TeachingAssignment).join(TeachingAssignment.classgroup)
            .options(joinedload(TeachingAssignment.classgroup), joinedload(TeachingAssignment.subject),
                     joinedload(TeachingAssignment.subgroup), joinedload(TeachingAssignment.teacher))
            .where(policy.visible_assignments(acting_user()), _current_year())
            .order_by(ClassGroup.grade, ClassGroup.letter, TeachingAssignment.subject_id,
                      TeachingAssignment.subgroup_id)
        ).all()
        writer = policy.journal_writer(acting_user())
        own = [a for a in assignments if writer.staff_id == a.teacher_id]
        return self.render_template("journal_index.html", assignments=assignments, own=own)

    @expose("/<int:assignment_id>")
    @has_access
    def grid(self, assignment_id):
        assignment, periods = journal_grid.load_assignment(assignment_id)
        if assignment is None:
            abort(404)
        covered = None  # a substitute sees only the lessons they cover (004 «Учитель» б)
        if not policy.sees_assignment(acting_user(), assignment):
            covered = policy.covered_lessons(acting_user(), assignment_id)
            if not covered:
                abort(404)
        period = journal_grid.choose_period(periods, request.args.get("period", type=int),
                                            day=covered.get(request.args.get("lesson", type=int)) if covered else None)
        data = journal_grid.load_grid(assignment, periods, period)
        if covered is not None:
            data.lessons = [lesson for lesson in data.lessons if lesson.id in covered]
        writer = policy.journal_writer(acting_user())
        columns = grid_table.columns_of(data, writer)
        body = grid_table.body_model(data, columns, writer) if data.period else None
        if covered is not None and body is not None:
            grid_table.without_summaries(body)
        return self.render_template(
            "journal_grid.html", grid=data, columns=columns, body=body,
            may_write=any(c["writable"] for c in columns), scale=entry.mark_scale(),
            may_add_lessons=policy.may_write_assignment(writer, assignment),
        )

    # ---- saving ---------------------------------------------------------------------

    @expose("/<int:assignment_id>/cell", methods=["POST"])
    @has_access
    def cell(self, assignment_id):
        def save(writer, data):
            lesson = _lesson(writer, assignment_id, data.get("lesson"))
            student = _student(data.get("student"))
            work_type = _work_type(data.get("work_type"))
            try:
                marks, absence = entry.save_cell(writer, lesson, student, _str(data.get("text"), "cell") or "",
                                                 _str(data.get("expected"), "cell"), "grid", work_type=work_type)
            except entry.Conflict as err:
                db.session.rollback()
                marks, absence = entry.cell_state(lesson.id, student.id)
                return {"error": err.message, "text": entry.cell_text(marks, absence)}, 409
            return {"text": entry.cell_text(marks, absence), "marks": [_mark_json(m) for m in marks]}, 200

        return _answer(save)

    @expose("/<int:assignment_id>/lesson/<int:lesson_id>", methods=["POST"])
    @has_access
    def lesson(self, assignment_id, lesson_id):
        def save(writer, data):
            lesson = _lesson(writer, assignment_id, lesson_id)
            entry.edit_lesson(writer, lesson, "grid", topic=_str(data.get("topic"), "topic"),
                              homework=_str(data.get("homework"), "homework"),
                              work_type=_work_type(data.get("work_type")), due_on=_date(data.get("due_on")))
            return {"topic": lesson.topic, "homework": lesson.homework.text if lesson.homework else ""}, 200

        return _answer(save)

    @expose("/<int:assignment_id>/lessons", methods=["POST"])
    @has_access
    def new_lesson(self, assignment_id):
        def save(writer, data):
            assignment = _assignment(assignment_id)
            day = _date(data.get("date"))
            number = data.get("number")
            number = int(number) if str(number).isascii() and str(number).isdigit() else None
            lesson = entry.create_lesson(writer, assignment, day, number, "grid",
                                         topic=_str(data.get("topic"), "topic") or "")
            return {"id": lesson.id}, 201

        return _answer(save)

    @expose("/<int:assignment_id>/final", methods=["POST"])
    @has_access
    def final(self, assignment_id):
        def save(writer, data):
            assignment = _assignment(assignment_id)
            student = _student(data.get("student"))
            period = _period(data.get("period"))
            entry.check_student_of_assignment(assignment, student)
            mark = entry.set_final_mark(
                writer, student, assignment.subject, assignment.classgroup.school_year,
                _str(data.get("kind"), "kind"), _str(data.get("value"), "value") or "", "grid", period=period,
                teaches=policy.may_give_final_marks(writer, assignment),
                reason=_str(data.get("reason"), "reason") or "", version=_version(data))
            return {"value": mark.value if mark else "", "version": mark.version if mark else None}, 200

        return _answer(save)

    @expose("/<int:assignment_id>/correction", methods=["POST"])
    @has_access
    def correction(self, assignment_id):
        def save(writer, data):
            assignment = _assignment(assignment_id)
            student = _student(data.get("student"))
            reason = _str(data.get("reason"), "reason")
            if data.get("kind"):
                entry.check_student_of_assignment(assignment, student)
                period = _period(data.get("period"))
                final = {"subject": assignment.subject, "year": assignment.classgroup.school_year,
                         "kind": _str(data["kind"], "kind"), "period": period,
                         "teaches": policy.may_give_final_marks(writer, assignment)}
                item = entry.request_correction(writer, "grid", reason, student,
                                                _str(data.get("value"), "value") or "", final=final)
            else:
                lesson = _lesson(writer, assignment_id, data.get("lesson"))
                value = (_str(data.get("value"), "value") or "").strip()
                attendance = value.lower() in ("н", "о", "оп")
                mark_id = _id(data.get("mark"), "mark", "Отметка", required=False)
                mark = db.session.scalar(select(Mark).where(
                    Mark.id == mark_id, Mark.lesson_id == lesson.id,
                    Mark.student_id == student.id)) if mark_id and not attendance else None
                # «н»/«О», or emptying a cell with no mark chosen: the correction is of the absence.
                absence = db.session.scalar(select(Absence).where(
                    Absence.lesson_id == lesson.id, Absence.student_id == student.id,
                    Absence.retracted_at.is_(None))) if attendance or (mark is None and not value) else None
                item = entry.request_correction(writer, "grid", reason, student, value,
                                                mark=mark, lesson=lesson, absence=absence)
            return {"id": item.id, "message": "Исправление отправлено заместителю директора на утверждение."}, 201

        return _answer(save)

    @expose("/<int:assignment_id>/lesson/<int:lesson_id>/files", methods=["POST"])
    @has_access
    def attach(self, assignment_id, lesson_id):
        def save(writer, _data):
            lesson = _lesson(writer, assignment_id, lesson_id)
            upload = request.files.get("file")
            if upload is None:
                raise RuleError("Выберите файл.", "file")
            attached = entry.attach_homework_file(writer, lesson, upload.filename, upload.mimetype,
                                                  upload.read(), "grid")
            return {"id": attached.id, "filename": attached.filename}, 201

        return _answer(save, json_body=False)

    @expose("/<int:assignment_id>/lesson/<int:lesson_id>/import", methods=["POST"])
    @has_access
    def import_marks(self, assignment_id, lesson_id):
        def save(writer, _data):
            lesson = _lesson(writer, assignment_id, lesson_id)
            upload = request.files.get("file")
            if upload is None:
                raise RuleError("Выберите файл с отметками.", "file")
            count = journal_import.import_marks(writer, lesson, upload.read(entry.IMPORT_MAX_BYTES))
            return {"count": count, "message": f"Загружено отметок: {count}."}, 201

        return _answer(save, json_body=False)

    @expose("/file/<int:file_id>")
    @has_access
    def homework_file(self, file_id):
        attached = db.session.get(HomeworkFile, file_id)
        if attached is None or attached.retracted_at is not None:
            abort(404)
        visible = db.session.scalar(select(Lesson.id).where(
            Lesson.id == attached.homework.lesson_id, policy.visible_lessons(acting_user())))
        if visible is None:
            abort(404)
        return Response(attached.data, mimetype="application/octet-stream", headers={
            "Content-Disposition": _attachment_header(attached.filename),
            "X-Content-Type-Options": "nosniff"})


# ------------------------------------------------------------------ the page's layout


# ------------------------------------------------------------------ helpers of this page


def _current_year():
    from app.structure import SchoolYear

    return ClassGroup.school_year_id.in_(select(SchoolYear.id).where(SchoolYear.is_current.is_(True)))


def _answer(save, json_body=True):
    """Run a save; commit it, or roll back and answer the rule's message (409 for a conflict)."""
    data = request.get_json(silent=True) if json_body else {}
    if json_body and not isinstance(data, dict):
        return jsonify(error="Ожидается JSON-объект."), 400
    writer = policy.journal_writer(acting_user())
    try:
        body, status = save(writer, data)
        if status < 300:
            db.session.commit()
        return jsonify(body), status
    except RuleError as err:
        db.session.rollback()
        return jsonify(error=err.message, field=err.field,
                       correctable=bool(getattr(err, "correctable", False))), \
            409 if isinstance(err, entry.Conflict) else 422


def _id(value, field, what, required=True):
    """An id from the JSON: a whole number (or its digits) that a database column can hold."""
    if value in (None, "") and not required:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise RuleError(f"{what} не найден(а).", field)
    return value


def _str(value, field):
    """A text from the JSON: a string (or nothing), never a list or a number."""
    if value is None or isinstance(value, str):
        return value
    raise RuleError("Ожидается текст.", field)


def _version(data):
    """The version the writer saw; the grid sends nothing for an empty cell, which means 0."""
    version = data.get("version")
    return 0 if version in (None, "") else version


def _assignment(assignment_id):
    assignment = db.session.scalar(select(TeachingAssignment).where(
        TeachingAssignment.id == assignment_id, policy.visible_assignments(acting_user())))
    if assignment is None:
        abort(404)
    return assignment


def _lesson(writer, assignment_id, lesson_id):
    lesson = entry.lesson_for_writing(writer, _id(lesson_id, "lesson", "Урок"))
    if lesson.assignment_id != assignment_id:
        raise RuleError("Урок из другого журнала.", "lesson")
    return lesson


def _student(student_id):
    student = db.session.get(Student, _id(student_id, "student", "Ученик"))
    if student is None:
        raise RuleError("Ученик не найден.", "student")
    return student


def _period(period_id):
    period_id = _id(period_id, "period", "Учебный период", required=False)
    period = db.session.get(Period, period_id) if period_id else None
    if period_id and period is None:
        raise RuleError("Такого учебного периода нет.", "period")
    return period


def _work_type(work_type_id):
    work_type_id = _id(work_type_id, "work_type", "Вид работы", required=False)
    if work_type_id is None:
        return None
    work_type = db.session.get(WorkType, work_type_id)
    if work_type is None:
        raise RuleError("Такого вида работы нет.", "work_type")
    return work_type


def _date(value):
    if not value:
        return None
    try:
        return date.fromisoformat(_str(value, "date"))
    except (ValueError, RuleError):
        raise RuleError("Дата пишется как ДД.ММ.ГГГГ.", "date")


def _mark_json(mark):
    return {"id": mark.id, "value": mark.value, "work_type": mark.work_type_id, "version": mark.version}


def _attachment_header(filename):
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


def register(appbuilder):
    appbuilder.add_view(JournalView, "Journal", label="Журнал", icon="fa-book", category="Журнал",
                        category_label="Журнал")
