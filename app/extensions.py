"""The application's extensions, created once and bound in create_app()."""
from flask_appbuilder import AppBuilder
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_mail import Mail
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = get_sqla_class()()
appbuilder = AppBuilder(update_perms=False)
migrate = Migrate()
# Reads MAIL_* once, at init_app; letters are sent off the request path (app/notifications.py).
mail = Mail()
# FAB never initialises CSRF protection for its form views; we do. Its API
# blueprints are exempted (they authenticate by JWT only, see security/manager.py).
csrf = CSRFProtect()
