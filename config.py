"""Every setting of the journal, read from the environment with embedded defaults.

The defaults give a working demo on SQLite under instance/; production sets
DATABASE_URL, SECRET_KEY, REDIS_URL and the MAIL_* variables.
"""
import os
from datetime import timedelta

from flask_appbuilder.security.manager import AUTH_DB

from security.passwords import validate_password

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.environ.get("INSTANCE_DIR", os.path.join(BASE_DIR, "instance"))


def _flag(name, default):
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


def _secret_key():
    """A fixed secret from the environment, or one generated once per instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    os.makedirs(INSTANCE_DIR, exist_ok=True)
    path = os.path.join(INSTANCE_DIR, "secret_key")
    if not os.path.exists(path):
        with open(path, "w", encoding="ascii") as f:
            f.write(os.urandom(32).hex())
    with open(path, encoding="ascii") as f:
        return f.read().strip()


def _database_url():
    url = os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(INSTANCE_DIR, "journal.db")
    # psycopg 3 is the driver we ship; plain postgresql:// URLs would ask for psycopg2.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = _database_url()
SQLALCHEMY_TRACK_MODIFICATIONS = False

APP_NAME = os.environ.get("SCHOOL_NAME", "Электронный журнал")
SCHOOL_NAME = os.environ.get("SCHOOL_NAME", "МАОУ «Средняя общеобразовательная школа № 2»")
APP_THEME = ""
FAB_INDEX_VIEW = "views.home.HomeView"
FAB_SECURITY_MANAGER_CLASS = "security.manager.SchoolSecurityManager"
FAB_BASE_TEMPLATE = "journal_base.html"

# Alembic owns the schema and `flask journal sync-roles` owns permissions:
# FAB must not create tables or permissions behind their back.
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = False
FAB_ADD_SECURITY_API = False
FAB_API_SWAGGER_UI = False
FAB_API_MAX_PAGE_SIZE = 100

# --- Authentication -------------------------------------------------------
AUTH_TYPE = AUTH_DB
AUTH_USER_REGISTRATION = False
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
FAB_PASSWORD_COMPLEXITY_ENABLED = True
FAB_PASSWORD_COMPLEXITY_VALIDATOR = validate_password

# Login rate limiting needs both flags; storage is per process unless Redis is set.
AUTH_RATE_LIMITED = _flag("AUTH_RATE_LIMITED", True)
AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "5 per minute")
RATELIMIT_ENABLED = AUTH_RATE_LIMITED
REDIS_URL = os.environ.get("REDIS_URL", "")
RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
RATELIMIT_HEADERS_ENABLED = True

# Sessions: permanent with an idle timeout, cookies not readable by scripts or other sites.
PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("SESSION_MINUTES", "60")))
SESSION_REFRESH_EACH_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)  # set true behind HTTPS
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=int(os.environ.get("JWT_MINUTES", "30")))

WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token

# --- Languages -----------------------------------------------------------------
BABEL_DEFAULT_LOCALE = "ru"
BABEL_DEFAULT_TIMEZONE = os.environ.get("TZ_NAME", "Europe/Moscow")
BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "translations")
LANGUAGES = {
    "ru": {"flag": "ru", "name": "Русский"},
    "en": {"flag": "gb", "name": "English"},
}

# --- Mail (used from the diary issue on) -------------------------------------------
MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
MAIL_USE_TLS = _flag("MAIL_USE_TLS", False)
MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Электронный журнал <journal@school.local>")
# Off, letters really go out even under TESTING (Flask-Mail would otherwise suppress them there).
MAIL_SUPPRESS_SEND = _flag("MAIL_SUPPRESS_SEND", False)
# smtplib waits forever by default: a dead server must not hang the sender (seconds).
MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
# A failed letter is retried after MAIL_RETRY_SECONDS, doubling up to MAIL_RETRY_MAX_SECONDS,
# and given up (state «failed», the notice in the application stays) after MAIL_MAX_ATTEMPTS.
MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))
MAIL_RETRY_SECONDS = float(os.environ.get("MAIL_RETRY_SECONDS", "120"))
MAIL_RETRY_MAX_SECONDS = float(os.environ.get("MAIL_RETRY_MAX_SECONDS", "3600"))
# How often the sender looks for letters that are due anyway (seconds).
MAIL_POLL_SECONDS = float(os.environ.get("MAIL_POLL_SECONDS", "60"))
# Whether this process sends letters itself (a thread, or Celery tasks with REDIS_URL). Off, the
# letters wait in the email_job table for `flask journal send-mail` (the test suite turns it off).
MAIL_SEND_IN_BACKGROUND = _flag("MAIL_SEND_IN_BACKGROUND", True)
# The journal's public address, for links in letters (none when empty).
MAIL_SITE_URL = os.environ.get("MAIL_SITE_URL", "")
# The daily digest of marks and absences goes out once this hour has come (0–23; empty: never
# by itself, only by `flask journal digest`).
MAIL_DIGEST_HOUR = os.environ.get("MAIL_DIGEST_HOUR", "18").strip()
MAIL_DIGEST_HOUR = int(MAIL_DIGEST_HOUR) if MAIL_DIGEST_HOUR else None
# Changes of one child's lesson within this many seconds make one notice, and an instant letter
# about marks or absences waits this long so that it carries them all (a teacher fixing a typo).
NOTICE_MERGE_SECONDS = float(os.environ.get("NOTICE_MERGE_SECONDS", "300"))

# --- Journal rules -------------------------------------------------------------------
# The school's mark scale (space-separated); «1» joins it when JOURNAL_MARK_ONE is on.
JOURNAL_MARK_SCALE = os.environ.get("JOURNAL_MARK_SCALE", "2 3 4 5 н/а зач незач").split()
JOURNAL_MARK_ONE = _flag("JOURNAL_MARK_ONE", False)
# Entry windows in days after the lesson (0: the lesson day only; 001 3.6.3, 004 «Учитель» а, г, ж).
JOURNAL_ENTRY_DAYS = int(os.environ.get("JOURNAL_ENTRY_DAYS", "0"))
JOURNAL_WRITTEN_DAYS = int(os.environ.get("JOURNAL_WRITTEN_DAYS", "5"))  # grades 2–9
JOURNAL_WRITTEN_DAYS_SENIOR = int(os.environ.get("JOURNAL_WRITTEN_DAYS_SENIOR", "7"))  # grades 10–11
# Final marks: in the last days of the period, before the holidays (001 3.6.5).
JOURNAL_FINAL_DAYS = int(os.environ.get("JOURNAL_FINAL_DAYS", "7"))
# The same mark sent again by the same person within this many seconds is one mark (a double click).
JOURNAL_REPEAT_SECONDS = int(os.environ.get("JOURNAL_REPEAT_SECONDS", "10"))
HOMEWORK_FILE_MAX_BYTES = int(os.environ.get("HOMEWORK_FILE_MAX_BYTES", str(10 * 1024 * 1024)))
# Internal mail (app/messages.py): attachments per file, per message in all, how many; recipients.
MESSAGE_ATTACHMENT_MAX_BYTES = int(os.environ.get("MESSAGE_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024)))
MESSAGE_ATTACHMENTS_MAX_BYTES = int(os.environ.get("MESSAGE_ATTACHMENTS_MAX_BYTES", str(10 * 1024 * 1024)))
MESSAGE_ATTACHMENTS_MAX_COUNT = int(os.environ.get("MESSAGE_ATTACHMENTS_MAX_COUNT", "5"))
MESSAGE_RECIPIENTS_MAX = int(os.environ.get("MESSAGE_RECIPIENTS_MAX", "300"))
# The largest request: a homework file, or a message's attachments as the REST API carries them
# (base64: 4 bytes for every 3), with a megabyte for the rest of the form.
MAX_CONTENT_LENGTH = max(HOMEWORK_FILE_MAX_BYTES, -(-MESSAGE_ATTACHMENTS_MAX_BYTES * 4 // 3)) + 1024 * 1024
# Printouts (printouts/jobs.py): worker processes that draw a batch of class journals in parallel
# (xhtml2pdf and ReportLab hold one process-wide lock). Empty: as many as cores, at most 4.
PRINTOUT_WORKERS = int(os.environ["PRINTOUT_WORKERS"]) if os.environ.get("PRINTOUT_WORKERS", "").strip() else None
# Whether demo logins may exist: only `flask journal demo` turns the demo on.
DEMO_PASSWORD = "demo"
