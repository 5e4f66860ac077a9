"""The school journal application: create_app() builds it from config.py and the environment."""
import os

from flask import Flask
from werkzeug.routing import IntegerConverter

# Every area's models must be mapped before FAB builds forms.
from app import diary, journal, messages, notifications, parent_report, people, structure, timetable  # noqa: F401
from printouts import models as printout_models  # noqa: F401
from app import database
from app.extensions import csrf, db, mail, migrate

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(overrides=None):
    """Build the application. `overrides` (a dict) wins over config.py; tests use it."""
    from flask_appbuilder import AppBuilder

    app = Flask(
        __name__,
        template_folder=os.path.join(PROJECT_DIR, "views", "templates"),
        static_folder=os.path.join(PROJECT_DIR, "views", "static"),
        instance_path=os.environ.get("INSTANCE_DIR", os.path.join(PROJECT_DIR, "instance")),
    )
    app.config.from_object("config")
    app.config.update(overrides or {})
    # Before any route is added: an id in a URL that no column can hold (PostgreSQL's integer
    # ends at 2³¹−1) is no page, 404, instead of a database error (500).
    app.url_map.converters["int"] = RecordId
    os.makedirs(app.instance_path, exist_ok=True)
    compile_translations()

    db.init_app(app)
    database.init_app(app, db)  # PostgreSQL connections keep their prepared statements
    migrate.init_app(app, db, directory=os.path.join(PROJECT_DIR, "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    notifications.init_app(app)  # the mail queue's sender: a thread, or Celery with REDIS_URL

    with app.app_context():
        appbuilder = AppBuilder(update_perms=False)
        appbuilder.init_app(app, db.session)
        from views import register_views

        register_views(appbuilder)
        appbuilder.post_init()

    from app.cli import journal_cli
    from app.formatting import register_filters
    from views.errors import register_error_pages

    app.cli.add_command(journal_cli)
    register_filters(app)
    register_error_pages(app)
    return app


class RecordId(IntegerConverter):
    """Flask's <int:…>, bounded by the database's integer."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2 ** 31 - 1)
        super().__init__(url_map, *args, **kwargs)


def compile_translations():
    """Compile the project's .po catalogues when they are newer than their .mo files."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = os.path.join(PROJECT_DIR, "translations")
    for lang in os.listdir(root) if os.path.isdir(root) else ():
        po = os.path.join(root, lang, "LC_MESSAGES", "messages.po")
        mo = po[:-2] + "mo"
        if os.path.exists(po) and (not os.path.exists(mo) or os.path.getmtime(mo) < os.path.getmtime(po)):
            with open(po, "rb") as src:
                catalog = read_po(src, locale=lang)
            with open(mo, "wb") as dst:
                write_mo(dst, catalog)
