"""Logins: every login belongs to one staff member, student or guardian (001 3.4.2)."""
import re

from app.rules import RuleError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def issue_login(sm, person, *, username, password, role_name):
    """Create the login of `person` (a Staff, Student or Guardian) with one role."""
    if person.user is not None:
        raise RuleError(f"У {person.full_name} уже есть логин {person.user.username}.", "username")
    if not USERNAME.match(username or ""):
        raise RuleError("Логин — латинские буквы, цифры, точка, дефис; от 3 до 64 символов.", "username")
    if sm.find_user(username=username) is not None:
        raise RuleError(f"Логин {username} уже занят.", "username")
    role = sm.find_role(role_name)
    if role is None:
        raise RuleError(f"Нет роли {role_name}: выполните flask journal sync-roles.", "role")
    # FAB wants a unique e-mail; a person without one gets a placeholder that never receives mail.
    email = (getattr(person, "email", None) or "").strip()
    if not email or sm.find_user(email=email) is not None:
        email = f"{username}@users.invalid"
    user = sm.add_user(username, person.first_name, person.last_name, email, role, password)
    if not user:
        raise RuleError(f"Не удалось создать логин {username}.", "username")
    person.user = user
    return user
