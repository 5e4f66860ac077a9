"""The page «Уведомления по почте»: which letters a person gets (new messages; marks and absences
at once, as a daily digest or not at all; corrections). Thin: the rules are app/notifications.py.

Only one's own settings: the signed-in login is the only row the page reads or writes, and
nothing a form sends can name another person's.
"""
from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app import notifications as rules
from app.extensions import db
from app.rules import RuleError
from views.base import acting_user

CHECKED = ("on", "1", "true", "yes")


class NotificationSettingsView(BaseView):
    route_base = "/notification-settings"
    class_permission_name = "NotificationSetting"
    method_permission_name = {"index": "read", "save": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        user = acting_user()
        return self._page(rules.settings_of(db.session, user.id), user)

    @expose("/", methods=["POST"])
    @has_access
    def save(self):
        user = acting_user()
        form = request.form
        try:
            rules.save_settings(db.session, user.id, new_message=form.get("new_message") in CHECKED,
                                marks=form.get("marks", ""), corrections=form.get("corrections") in CHECKED)
            db.session.commit()
        except RuleError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return self._page(rules.settings_of(db.session, user.id), user), 422
        flash("Настройки писем сохранены.", "success")
        return redirect(url_for("NotificationSettingsView.index"))

    def _page(self, setting, user):
        return self.render_template("notification_settings.html", setting=setting, choices=rules.MARK_CHOICES,
                                    address=user.email if rules.has_mailbox(user.email) else None)


def register(appbuilder):
    appbuilder.add_view(NotificationSettingsView, "NotificationSettings", label="Уведомления по почте",
                        icon="fa-envelope-o")
