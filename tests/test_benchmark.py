"""`flask journal benchmark` at a tiny scale: the grid reads a fixed number of SQL statements
(at most 10, the same for a class of 6 and a class of 30 in a bigger database), and the command
builds its school once, reuses it and prints its table. Times are reported, never asserted.

The schools go to scratch databases of the suite's kind: temporary SQLite files, or
<db>_bench_small_bench / <db>_bench_larger_bench beside the suite's PostgreSQL database."""
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

import config
from app.benchmark import GRID_STATEMENTS, Scale, Target, benchmark_command, measure, prepare
from app.extensions import db

SMALL = Scale(students=40, classes=3, marks=1500, grid_size=6, seed=1)
LARGER = Scale(students=90, classes=4, marks=8000, grid_size=30, seed=2)


def scratch_target(folder, name):
    url = config.SQLALCHEMY_DATABASE_URI
    if url.startswith("postgresql"):
        base = make_url(url)
        return Target.postgres(base.set(database=f"{base.database}_bench_{name}").render_as_string(hide_password=False))
    return Target.sqlite(str(folder / f"{name}.db"))


def scale_args(scale):
    return ["--students", str(scale.students), "--classes", str(scale.classes), "--marks", str(scale.marks),
            "--grid-size", str(scale.grid_size), "--seed", str(scale.seed)]


def target_args(target):
    return ["--sqlite", target.where] if target.kind == "SQLite" else ["--postgres", _server_url(target)]


def _server_url(target):
    """The URL whose database name the command turns into target.name (<db>_bench)."""
    url = make_url(target.url)
    return url.set(database=target.name[: -len("_bench")]).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def schools(tmp_path_factory):
    folder = tmp_path_factory.mktemp("benchmark")
    built = {"small": (scratch_target(folder, "small"), SMALL), "larger": (scratch_target(folder, "larger"), LARGER)}
    for target, scale in built.values():
        app, _ = prepare(target, scale, regenerate=True, echo=lambda *_: None)
        close(app)
    yield built
    for target, _ in built.values():
        target.drop()


def close(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def measured(target, scale):
    app, info = prepare(target, scale, echo=lambda *_: None)
    try:
        return measure(app, info, repeat=3, warmup=1, echo=lambda *_: None)
    finally:
        close(app)


def test_grid_statements_do_not_depend_on_class_or_database_size(schools):
    small, (small_rows, small_lessons) = measured(*schools["small"])
    larger, (larger_rows, larger_lessons) = measured(*schools["larger"])
    assert (small_rows, larger_rows) == (6, 30)
    assert small_lessons > 40 and larger_lessons > 40
    assert set(small["grid"].statements) == set(larger["grid"].statements), (small["grid"].statements,
                                                                              larger["grid"].statements)
    assert max(larger["grid"].statements) <= GRID_STATEMENTS, larger["grid"].statements
    # The references and the save ran through the real application (each asserts its own 200).
    for name in ("empty", "plain", "list", "save"):
        assert len(larger[name].times) == 3 and min(larger[name].statements) >= 1


def test_command_reuses_its_school_and_prints_the_table(schools):
    target, scale = schools["small"]
    result = CliRunner().invoke(benchmark_command, [*target_args(target), *scale_args(scale),
                                                    "--repeat", "2", "--warmup", "1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "взята готовая" in out and "Создаю школу" not in out
    for line in ("Пустая страница за входом", "Журнал 6×", "SQL + Jinja", "Список отметок FAB, 100 строк",
                 "Сохранение отметки", "p50, мс", "p95, мс", "журнал ≤ 10 SQL-запросов", "В базе: учеников 40"):
        assert line in out, out
    assert target.kind in out
