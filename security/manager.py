"""The journal's security manager: FAB's, with its unsafe defaults closed.

- a login whose person is dismissed or withdrawn stops working (form, session, JWT);
- sessions are permanent with an idle timeout (config.py sets the cookie flags);
- a student's account is read-only: every writing request is refused here, before
  any view runs, whatever permissions a role might be given by mistake.
"""
from flask import abort, g, request, session
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from flask_appbuilder.security.sqla.manager import SecurityManager

from app.rules import today
from security import policy
from security.roles import CLASS_TEACHER_MENUS

# Endpoints a read-only account may still POST to: its own login, logout and password.
ACCOUNT_ENDPOINTS = {
    "AuthDBView.login", "AuthDBView.logout", "ResetMyPasswordView.this_form_post",
    "SecurityApi.login", "SecurityApi.refresh",
    "NoticeView.mark_read",  # a student's own notices: reading them changes no school record
    "NotificationSettingsView.save",  # which letters a student gets: their own settings, no school record
    # Students write messages to their teachers (001 3.10.3): their own mailbox, not the journal.
    "MessageView.compose", "MessageView.reply", "MessageView.archive", "MessageApi.post", "MessageApi.put",
}
READING_METHODS = {"GET", "HEAD", "OPTIONS"}


class SchoolSecurityManager(SecurityManager):
    def load_user(self, pk):
        return self._open_or_none(super().load_user(pk))

    def get_user_by_id(self, pk):
        """The login with its roles in one statement (FAB loads the roles lazily, one more)."""
        return self.session.scalar(select(self.user_model).options(joinedload(self.user_model.roles))
                                   .where(self.user_model.id == pk))

    def load_user_jwt(self, _jwt_header, jwt_data):
        return self._open_or_none(super().load_user_jwt(_jwt_header, jwt_data))

    def auth_user_db(self, username, password):
        return self._open_or_none(super().auth_user_db(username, password))

    def has_access(self, permission_name, view_name):
        user = self.current_user
        if user is None or not user.is_authenticated:
            return super().has_access(permission_name, view_name)
        allowed = (permission_name, view_name) in self._permissions_of(user)
        if allowed and permission_name == "menu_access" and view_name in CLASS_TEACHER_MENUS:
            user = self.current_user
            return user is not None and policy.leads_a_class(user)
        return allowed

    def _permissions_of(self, user):
        """All (permission, view) pairs of the user's roles, read once per request:
        FAB asks once per menu item and button, one SQL statement each."""
        cache = g.setdefault("_permissions", {})
        if user.id not in cache:
            role_ids = [role.id for role in user.roles]
            rows = self.session.execute(
                select(self.permission_model.name, self.viewmenu_model.name)
                .select_from(self.role_model)
                .join(self.role_model.permissions)
                .join(self.permissionview_model.permission)
                .join(self.permissionview_model.view_menu)
                .where(self.role_model.id.in_(role_ids))
            ).all()
            cache[user.id] = {(perm, view) for perm, view in rows}
        return cache[user.id]

    @staticmethod
    def _open_or_none(user):
        if user is not None and not policy.account_is_open(user, today()):
            return None
        return user

    @staticmethod
    def before_request():
        SecurityManager.before_request()
        session.permanent = True
        _refuse_writes_by_students()


def _refuse_writes_by_students():
    from flask_login import current_user

    if request.method in READING_METHODS or request.endpoint in ACCOUNT_ENDPOINTS:
        return
    if current_user.is_authenticated and policy.is_student_account(current_user):
        abort(403)
