"""Error pages a person can read: in Russian, with what to do next."""
from flask import render_template_string, request
from flask_wtf.csrf import CSRFError

PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em;">
<h1 style="font-size: 1.4em;">{{ title }}</h1><p>{{ text }}</p><p><a href="/">На главную</a></p></body></html>"""


TOO_LARGE = ("Запрос больше, чем принимает журнал: уменьшите или разделите файлы "
             "(ограничения написаны под полем «Файлы»).")


def _page(status, title, text):
    if request.path.startswith("/api/"):
        return {"message": f"{title}. {text}"}, status
    return render_template_string(PAGE, title=title, text=text), status


def register_error_pages(app):
    @app.errorhandler(CSRFError)
    def csrf_error(_err):
        return _page(400, "Форма устарела",
                     "Страница была открыта слишком давно или из другого окна. Обновите страницу и отправьте форму ещё раз.")

    @app.errorhandler(429)
    def too_many(_err):
        return _page(429, "Слишком много попыток входа",
                     "Подождите минуту и попробуйте снова. Если забыли пароль, обратитесь к администратору журнала.")

    @app.errorhandler(413)
    def too_large(_err):
        return _page(413, "Слишком большой запрос", TOO_LARGE)

    @app.errorhandler(404)
    def not_found(_err):
        return _page(404, "Страница не найдена", "Такой страницы нет, или она вам недоступна.")

    @app.errorhandler(403)
    def forbidden(_err):
        return _page(403, "Доступ запрещён", "У вашей учётной записи нет прав на это действие.")
