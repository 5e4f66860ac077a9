"""The journal's security manager: FAB's, with its unsafe defaults closed.

- a login whose person is dismissed or withdrawn stops working (form, session, JWT);
- sessions are permanent with an idle timeout (config.py sets the cookie flags);
- a student's account is read-only: every writing request is refused here, before
  any view runs, whatever permissions a role might be given by mistake.
"""
from functools import cached_property

from flask import abort, g, has_request_context, request, session
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role, assoc_user_role

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
PAIR, PAIRS = "\t", "\n"  # how a role's permissions are read as one text: «permission<TAB>view» lines


def _pairs_from_text(text):
    return {tuple(line.split(PAIR, 1)) for line in (text or "").split(PAIRS) if PAIR in line}


class SchoolSecurityManager(SecurityManager):
    def load_user(self, pk):
        return self._open_or_none(super().load_user(pk))

    def get_user_by_id(self, pk):
        """The login of a request in one statement: its roles, its person (staff member,
        student, guardian) and its roles' permissions. Every page needs all three; read apart,
        they were three round trips to the database before any of the page's own."""
        row = self.session.execute(self._login_statement, {"login": pk}).unique().first()
        if row is None:
            return None
        staff, student, guardian, leads, user, pairs = row
        policy.remember_person(user.id, staff, student, guardian, leads)
        if has_request_context():
            g.setdefault("_permissions", {})[user.id] = _pairs_from_text(pairs)
        return user

    @cached_property
    def _login_statement(self):
        """Built once: building it costs about as much as running it."""
        login = self.user_model
        return (policy.person_columns(login).add_columns(login, self._permission_pairs(login))
                .options(joinedload(login.roles)).where(login.id == bindparam("login")))

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
        """All (permission, view) pairs of the user's roles, read once per request (with the
        login, as a rule): FAB asks once per menu item and button, one SQL statement each."""
        cache = g.setdefault("_permissions", {})
        if user.id not in cache:
            login = self.user_model
            cache[user.id] = _pairs_from_text(
                self.session.scalar(select(self._permission_pairs(login)).where(login.id == user.id)))
        return cache[user.id]

    def _permission_pairs(self, login):
        """«permission<TAB>view» lines of every role of the login, as one text column."""
        pair = self.permission_model.name + PAIR + self.viewmenu_model.name
        return (select(func.aggregate_strings(pair, PAIRS))
                .select_from(assoc_user_role)
                .join(assoc_permissionview_role, assoc_permissionview_role.c.role_id == assoc_user_role.c.role_id)
                .join(self.permissionview_model,
                      self.permissionview_model.id == assoc_permissionview_role.c.permission_view_id)
                .join(self.permission_model, self.permission_model.id == self.permissionview_model.permission_id)
                .join(self.viewmenu_model, self.viewmenu_model.id == self.permissionview_model.view_menu_id)
                .where(assoc_user_role.c.user_id == login.id)
                .scalar_subquery())

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
