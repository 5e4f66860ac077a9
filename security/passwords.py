"""Password rules for passwords that people set themselves (forms and API)."""
from flask_appbuilder.exceptions import PasswordComplexityValidationError

MIN_LENGTH = 10


def validate_password(password):
    """At least 10 characters with a letter and a digit; raises with a Russian message."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"не короче {MIN_LENGTH} символов")
    if not any(ch.isalpha() for ch in password):
        problems.append("хотя бы одна буква")
    if not any(ch.isdigit() for ch in password):
        problems.append("хотя бы одна цифра")
    if password.lower() in ("qwerty12345", "password123", "1234567890a"):
        problems.append("не из списка самых частых паролей")
    if problems:
        raise PasswordComplexityValidationError("Пароль слишком простой: нужно " + ", ".join(problems) + ".")
