"""The page «Уведомления»: a person's own notices, newest first, and their unread count beside
the menu item on every page. Thin: the rules are app/notifications.py.

Only the owner ever sees a notice: every query here is limited to the signed-in login, and
another person's notice number answers 404 whatever the URL.
"""
from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app import notifications as rules
from app.extensions import db
from views.base import acting_user, is_id

PER_PAGE = 50


def unread_notices():
    """The signed-in person's unread count, read once per request (the menu and the page share it)
    with the unread messages, in one statement (views/messages.py)."""
    if "_unread_notices" not in g:
        from views.messages import read_unread_counts

        read_unread_counts()
    return g._unread_notices


class NoticeView(BaseView):
    route_base = "/notices"
    class_permission_name = "Notice"
    method_permission_name = {"index": "read", "open": "read", "mark_read": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        page = request.args.get("page", "1")
        listing = rules.notice_page(db.session, acting_user().id, int(page) if is_id(page) else 1, PER_PAGE)
        return self.render_template("notices.html", listing=listing, unread=unread_notices())

    # A GET, so that a student (whose account may not POST) can open a notice too.
    @expose("/<notice_id>")
    @has_access
    def open(self, notice_id):
        user_id = acting_user().id
        notice = rules.own_notice(db.session, user_id, int(notice_id)) if is_id(notice_id) else None
        if notice is None:
            abort(404)
        rules.mark_read(db.session, user_id, [notice.id])
        link = notice.link
        db.session.commit()
        return redirect(link if rules.is_app_link(link) else url_for("NoticeView.index"))

    @expose("/read", methods=["POST"])
    @has_access
    def mark_read(self):
        """The ticked notices, or all of them when none is ticked."""
        user_id = acting_user().id
        raw = request.form.getlist("id")
        if not all(is_id(value) for value in raw):
            abort(404)
        ids = [int(value) for value in raw]
        if rules.foreign_ids(db.session, user_id, ids):
            abort(404)
        count = rules.mark_read(db.session, user_id, ids or None)
        db.session.commit()
        flash(f"Отмечено прочитанными: {count}." if count else "Непрочитанных уведомлений нет.", "success")
        page = request.form.get("page", "1")
        return redirect(url_for("NoticeView.index", page=page if is_id(page) else None))


def register(appbuilder):
    appbuilder.add_view(NoticeView, "Notices", label="Уведомления", icon="fa-bell")
    # views/templates/appbuilder/navbar_menu.html shows the count beside «Уведомления».
    current_app.context_processor(lambda: {"unread_notices": unread_notices})
