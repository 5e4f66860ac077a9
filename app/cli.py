"""`flask journal …`: set up the database, apply the role matrix, create the demo school."""
import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from app.extensions import db


@click.group("journal", help="Команды электронного журнала.")
def journal_cli():
    pass


@journal_cli.command("sync-roles", help="Создать права и применить матрицу ролей (security/roles.py).")
@with_appcontext
def sync_roles_command():
    from security.roles import apply_matrix

    apply_matrix(current_app.appbuilder)
    click.echo("Роли и права обновлены.")


@journal_cli.command("setup", help="Миграции, роли и (для пустой базы) демо-школа.")
@click.option("--demo/--no-demo", default=True, help="Создать демо-школу, если база пуста.")
@with_appcontext
def setup_command(demo):
    from security.roles import apply_matrix

    from app.journal import ensure_work_types

    upgrade()
    apply_matrix(current_app.appbuilder)
    ensure_work_types(db.session)
    db.session.commit()
    if demo and database_is_empty():
        summary = create_demo()
        click.echo(f"Создана демо-школа: {summary}")
    click.echo("База данных готова.")


@journal_cli.command("demo", help="Создать демо-школу с логинами admin, director, … (пароль demo).")
@with_appcontext
def demo_command():
    if not database_is_empty():
        raise click.ClickException("В базе уже есть данные: демо-школа создаётся только в пустой базе.")
    click.echo(f"Создана демо-школа: {create_demo()}")


# Demo logins (password `demo`) and their roles; they exist only in the demo school.
DEMO_LOGINS = {
    "admin": "Admin", "director": "Director", "deputy": "Deputy", "secretary": "Secretary",
    "teacher": "Teacher", "classteacher": "Teacher", "parent": "Parent", "student": "Student",
}


def database_is_empty():
    from app.people import Staff, Student

    return not db.session.scalar(select(func.count()).select_from(Staff)) and \
        not db.session.scalar(select(func.count()).select_from(Student))


def create_demo():
    """The demo school and its logins; logins exist only here (DESIGN.md)."""
    from app.accounts import issue_login
    from app.demo import create_demo_school
    from app.rules import today

    from app.journal import ensure_work_types

    ensure_work_types(db.session)
    summary = create_demo_school(db.session, today())
    sm = current_app.appbuilder.sm
    password = current_app.config["DEMO_PASSWORD"]
    for username, role in DEMO_LOGINS.items():
        issue_login(sm, summary[username], username=username, password=password, role_name=role)
    from app.demo_timetable import sign_as_deputy

    sign_as_deputy(db.session, summary["deputy"].user.id)
    from app.demo_messages import create_demo_mailbox

    create_demo_mailbox(db.session, {name: summary[name].user for name in DEMO_LOGINS}, today())
    from app.demo_printouts import create_demo_printouts; create_demo_printouts(db.session, {name: summary[name].user for name in DEMO_LOGINS})  # noqa: E702,E501
    db.session.commit()
    return {k: v for k, v in summary.items() if isinstance(v, int)}


# `flask journal benchmark` (app/benchmark.py): a large generated school and the grid's figures.
from app.benchmark import benchmark_command  # noqa: E402

journal_cli.add_command(benchmark_command)

# `flask journal send-mail`: the letter queue of app/notifications.py, drained once.
from app.notifications import send_mail_command  # noqa: E402

journal_cli.add_command(send_mail_command)

# `flask journal digest`: the daily digest of marks and absences (the mail sender also sends it
# at MAIL_DIGEST_HOUR by itself).
from app.notifications import digest_command  # noqa: E402

journal_cli.add_command(digest_command)

# `flask journal bench-printouts` (printouts/benchmark.py): the printed journal's speed and memory.
from printouts.benchmark import bench_printouts_command  # noqa: E402

journal_cli.add_command(bench_printouts_command)
