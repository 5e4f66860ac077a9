"""`flask journal benchmark` at a tiny scale: the grid reads a fixed number of SQL statements
(at most 10, the same for a class of 6 and a class of 30 in a bigger database), a student's diary
week the same number in both schools, the school's
timetable has no teacher in two places and makes exactly its lessons, the year's generation runs
in a copy and leaves the school as it was, and the command builds its school once, reuses it and
prints its table. Times are reported, never asserted.

The schools go to scratch databases of the suite's kind: temporary SQLite files, or
<db>_bench_small_bench / <db>_bench_larger_bench beside the suite's PostgreSQL database."""
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import config
from app.benchmark import (
    GENERATION_COPY, GRID_STATEMENTS, YEAR_DATES, Scale, Target, benchmark_command, measure, measure_generation,
    prepare, school_days,
)
from app.extensions import db

SMALL = Scale(students=40, classes=3, marks=1500, grid_size=6, seed=1)
# Dense enough for a diary week of many marks (SMALL's student has a few at most).
LARGER = Scale(students=90, classes=4, marks=60000, grid_size=30, seed=2)


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


@pytest.fixture(scope="module")
def measurements(schools):
    return {name: measured(*school) for name, school in schools.items()}


def test_grid_statements_do_not_depend_on_class_or_database_size(measurements):
    small, (small_rows, small_lessons) = measurements["small"]
    larger, (larger_rows, larger_lessons) = measurements["larger"]
    assert (small_rows, larger_rows) == (6, 30)
    assert small_lessons > 40 and larger_lessons > 40
    assert set(small["grid"].statements) == set(larger["grid"].statements), (small["grid"].statements,
                                                                              larger["grid"].statements)
    assert max(larger["grid"].statements) <= GRID_STATEMENTS, larger["grid"].statements
    # The references and the save ran through the real application (each asserts its own 200).
    for name in ("empty", "plain", "list", "save", "diary", "diary_empty"):
        assert len(larger[name].times) == 3 and min(larger[name].statements) >= 1


def diary_marks(measurement):
    found = re.search(r"^Дневник ученика \S+, неделя [\d.–]+: \d+ урок\S*, отметок (\d+)$", measurement.label)
    assert found, measurement.label
    return int(found.group(1))


def test_diary_week_statements_do_not_depend_on_database_size(measurements):
    """A student with few marks in a small school, one with many more in a bigger one: the same
    number of statements, in every request."""
    small, larger = measurements["small"][0]["diary"], measurements["larger"][0]["diary"]
    assert diary_marks(small) <= 3 and diary_marks(larger) >= 10, (small.label, larger.label)
    assert len(set(small.statements)) == 1, small.statements
    assert set(small.statements) == set(larger.statements), (small.statements, larger.statements)


def test_command_reuses_its_school_and_prints_the_table(schools):
    target, scale = schools["small"]
    result = CliRunner().invoke(benchmark_command, [*target_args(target), *scale_args(scale),
                                                    "--repeat", "2", "--warmup", "1", "--workers", "1",
                                                    "--profile"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "взята готовая" in out and "Создаю школу" not in out
    for line in ("Пустая страница за входом", "Журнал 6×", "SQL + Jinja", "Список отметок FAB, 100 строк",
                 "Сохранение отметки", "p50, мс", "p95, мс", "журнал ≤ 10 SQL-запросов", "В базе: учеников 40",
                 "Дневник ученика", "пустая страница за входом тому же ученику", "Дневник сам по себе",
                 "cProfile одного запроса журнала", "cProfile одного запроса дневника",
                 "дневник p50 ≤ 20 мс", "дневник p50 ≤ 3× пустой страницы",
                 "дневник: SQL-запросов одно и то же число",
                 "Уроки на учебный год по расписанию (generate_lessons", "год уроков по расписанию ≤ 10 с"):
        assert line in out, out
    assert target.kind in out
    lessons = re.search(r"уроков ([\d ]+), отметок", out).group(1)
    assert f"создание: {lessons} урок" in out and f"(в школе {lessons})" in out, out
    assert f"повторно: создано 0, на месте {lessons} за" in out, out
    # Then the printouts, on the same school: a sheet, a class, the whole school in a worker process.
    printouts = out.split("=== Печатные формы: замер")[1]
    for line in ("Лист журнала 30 учеников × 40 уроков", "цель ≤ 0,100 с", "Журнал класса", "листы из кэша",
                 "1 процесс:", "цель ≤ 300 МиБ"):
        assert line in printouts, printouts


def test_the_timetable_has_no_clash_and_makes_exactly_the_schools_lessons(schools):
    from app import timetable as tt
    from app.journal import Lesson
    from app.structure import ClassGroup, TeachingAssignment

    target, scale = schools["larger"]
    app, _ = prepare(target, scale, echo=lambda *_: None)
    try:
        with app.app_context():
            slot = tt.TimetableSlot
            twice = select(slot.weekday, slot.number, TeachingAssignment.teacher_id).join(slot.assignment).group_by(
                slot.weekday, slot.number, TeachingAssignment.teacher_id).having(func.count() > 1)
            assert db.session.execute(twice).all() == []
            assert tt.hours_mismatch(db.session, db.session.scalar(select(ClassGroup)).school_year) == []
            assert set(tt.school_days(db.session, *YEAR_DATES)) == set(school_days())
            linked = select(func.count()).select_from(Lesson).join(slot, slot.id == Lesson.slot_id).where(
                slot.assignment_id == Lesson.assignment_id, slot.number == Lesson.number)
            assert db.session.scalar(linked) == db.session.scalar(select(func.count()).select_from(Lesson)) > 0
    finally:
        close(app)


def test_the_years_generation_runs_in_a_copy_and_leaves_the_school_alone(schools):
    from app.journal import Lesson, Mark

    target, scale = schools["small"]

    def counts():
        app, info = prepare(target, scale, echo=lambda *_: None)
        try:
            with app.app_context():
                return info, [db.session.scalar(select(func.count()).select_from(model)) for model in (Lesson, Mark)]
        finally:
            close(app)

    info, before = counts()
    passes, expected = measure_generation(target, info)
    assert passes["first"].created == expected == before[0]
    assert (passes["again"].created, passes["again"].kept) == (0, expected)
    assert passes["first"].statements < 20, "bulk statements, never one per lesson"
    assert counts()[1] == before
    assert target.beside(GENERATION_COPY).read_marker() is None, "the copy is dropped after the measurement"


def test_the_benchmark_starts_no_mail_sender_that_would_hold_its_database(schools):
    """The measured mark saves write letters; a sender thread would send them while pages are
    timed, and reconnect to the school after the benchmark closed its connections to copy it."""
    from app.notifications import DISPATCHER, Notice

    target, scale = schools["small"]
    app, info = prepare(target, scale, echo=lambda *_: None)
    try:
        measure(app, info, repeat=1, warmup=0, echo=lambda *_: None)
        assert DISPATCHER not in app.extensions
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Notice)) > 0, "the saves did notify"
    finally:
        close(app)
