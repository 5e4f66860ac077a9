"""«Отчёт родителям»: the class teacher chooses a range of days for a class they lead, the job
sends each student's PDF to their parents through the internal mail, and the page follows its
progress. Thin: the rules are app/parent_report.py, the PDF printouts/parent_report.py.

Another class's report, or a class the login does not lead, answers 404 whatever the URL.
"""

from flask import Response, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select

from app import parent_report as rules
from app.extensions import db
from app.parent_report import ParentReport
from app.people import Student
from app.rules import RuleError, fmt_date
from app.structure import ClassGroup
from printouts.parent_report import student_report_pdf
from printouts.pdf import PrintoutError
from security import policy
from views.base import acting_user, is_id, pdf_response, typed_date

RECENT = 20  # reports listed on the page


class ParentReportView(BaseView):
    route_base = "/parent-reports"
    class_permission_name = "ParentReport"
    method_permission_name = {"index": "read", "start": "write", "show": "read", "progress": "read",
                              "preview": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        starts_on, ends_on = rules.default_range()
        return self._index_page({"starts_on": fmt_date(starts_on), "ends_on": fmt_date(ends_on)})

    @expose("/", methods=["POST"])
    @has_access
    def start(self):
        user, form = acting_user(), request.form
        classgroup = self._led_class(form.get("classgroup"))
        try:
            report = rules.start_report(db.session, user, classgroup, typed_date(form.get("starts_on"), "starts_on"),
                                        typed_date(form.get("ends_on"), "ends_on"))
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return self._index_page(form), 422
        rules.launch(current_app._get_current_object(), report.id)
        return redirect(url_for("ParentReportView.show", report_id=report.id))

    @expose("/<report_id>")
    @has_access
    def show(self, report_id):
        report = self._report(report_id)
        result = rules.outcome(db.session, report) if report.finished else None
        return self.render_template("parent_report_progress.html", report=report, result=result,
                                    classgroup=db.session.get(ClassGroup, report.classgroup_id))

    @expose("/<report_id>/progress")
    @has_access
    def progress(self, report_id):
        """The progress bar's JSON, polled while the job runs; at the end whom it reached."""
        report = self._report(report_id)
        answer = {"state": report.state, "state_text": report.state_text, "total": report.total,
                  "done": report.done, "percent": report.percent, "error": report.error or ""}
        if report.finished:
            result = rules.outcome(db.session, report)
            answer.update(sent=result.sent, not_reached=[{"parent": parent, "child": child, "why": why}
                                                          for parent, child, why in result.not_reached])
        return jsonify(answer)

    @expose("/preview")
    @has_access
    def preview(self):
        """One student's PDF of a class the login leads, as the parents will get it, before
        anything is sent."""
        student_id = request.args.get("student", "")
        student = db.session.get(Student, int(student_id)) if is_id(student_id) else None
        classgroup = self._led_class(student.classgroup_id if student is not None else None)
        defaults = rules.default_range()
        try:
            starts_on = typed_date(request.args.get("starts_on"), "starts_on") or defaults[0]
            ends_on = typed_date(request.args.get("ends_on"), "ends_on") or defaults[1]
            rules.check_range(starts_on, ends_on)
        except RuleError as err:
            return Response(err.message, status=422, mimetype="text/plain")
        sheets = rules.class_sheets(db.session, classgroup, starts_on, ends_on, student_id=student.id)
        if not sheets:
            abort(404)
        try:
            pdf = student_report_pdf(sheets[0], current_app.config["SCHOOL_NAME"])
        except PrintoutError as err:
            return Response(err.message, status=500, mimetype="text/plain")
        return pdf_response(pdf, f"report-{student.id}")

    # ---- helpers ----------------------------------------------------------------------

    @staticmethod
    def _led_class(value):
        classgroup = rules.led_class(db.session, acting_user(), int(value)) if is_id(value) else None
        if classgroup is None:
            abort(404)
        return classgroup

    @staticmethod
    def _report(report_id):
        report = rules.visible_report(db.session, acting_user(), int(report_id)) if is_id(report_id) else None
        if report is None:
            abort(404)
        return report

    def _index_page(self, form):
        user = acting_user()
        classes = rules.led_classes(db.session, user)
        recent = select(ParentReport).where(policy.visible_parent_reports(user)) \
            .order_by(ParentReport.id.desc()).limit(RECENT)
        reports = db.session.scalars(recent).all()
        names = {pk: f"{grade}{letter}" for pk, grade, letter in db.session.execute(
            select(ClassGroup.id, ClassGroup.grade, ClassGroup.letter)
            .where(ClassGroup.id.in_({report.classgroup_id for report in reports})))} if reports else {}
        students = {}
        for student in db.session.scalars(select(Student).where(Student.classgroup_id.in_([c.id for c in classes]))
                                          .order_by(Student.last_name, Student.first_name)) if classes else ():
            students.setdefault(student.classgroup_id, []).append(student)
        return self.render_template("parent_report.html", classes=classes, form=form, reports=reports,
                                    class_names=names, students=students)


def register(appbuilder):
    appbuilder.add_view(ParentReportView, "ParentReports", label="Отчёт родителям", icon="fa-paper-plane",
                        category="Мой класс", category_label="Мой класс")
