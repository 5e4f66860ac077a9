"""What the printed class journal costs, in time and memory: the last part of `./journal bench`
(`flask journal benchmark`), or alone as `flask journal bench-printouts`.

The issue's targets: ≤ 0.1 s for a grid sheet of 30 students × 40 lesson columns in one
process; ≤ 300 MiB peak memory per worker; the whole large school's period printout (60
classes) scaling about linearly with worker processes; a sheet drawn again only when its data
changed. Printed beside them: the same 30 × 40 sheet laid out by xhtml2pdf, the engine the
grids do not use (the reason they are drawn with ReportLab's Table directly).

The school is app/benchmark.py's (1,500 students in 60 classes, a year of lessons, about a
million marks), built once and kept in instance/benchmark.db (or <db>_bench on PostgreSQL).
Like `flask journal benchmark`, the command reports; it never fails because a target is missed.
"""
import gc
import os
import random
import statistics
import time
from collections import defaultdict
from datetime import date

import click

SHEET_P50_SECONDS, WORKER_MIB = 0.1, 300
STUDENTS, LESSONS = 30, 40


def _seconds(value):
    return f"{value:.3f} с".replace(".", ",")


def _mib(size):
    return f"{size / 2 ** 20:.0f} МиБ"


def _verdict(ok):
    return "выполнено" if ok else "НЕ выполнено"


def _p50(run, repeat):
    """(wall, CPU) medians: other processes on the machine slow the wall clock, not this process's CPU time."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return statistics.median(wall), statistics.median(cpu)


def _loadavg():
    return f"{os.getloadavg()[0]:.1f}".replace(".", ",")


def _load():
    return f"нагрузка машины (loadavg за 1 мин) {_loadavg()}"


# ------------------------------------------------------------------ one synthetic sheet


def synthetic_grid(students=STUDENTS, lessons=LESSONS, seed=2026):
    """The parts of one subject's grid as the journal splits it: `students` rows, `lessons` dates,
    about as full as the benchmark school's journal (several marks in some cells, absences)."""
    from printouts.class_journal import MAX_DATES, split_evenly

    rng = random.Random(seed)
    dates = [f"{day:02d}.{month:02d}.2027" for month in (1, 2, 3) for day in range(10, 28)][:lessons]
    names = [f"Фамилия{n:02d} Имя Отчество" for n in range(students)]
    cells = [[rng.choices([[], [str(rng.randint(2, 5))], [str(rng.randint(2, 5)), str(rng.randint(2, 5))],
                           [rng.choice("нБУНО")]], weights=(45, 35, 12, 8))[0] for _ in dates] for _ in names]
    parts = split_evenly(list(range(lessons)), MAX_DATES)
    models = []
    for number, columns in enumerate(parts, start=1):
        last = number == len(parts)
        rows = [{"name": name, "note": "", "cells": [cells[r][c] for c in columns], "away": [],
                 "summary": [str(rng.randint(0, 9)), str(rng.randint(3, 5))] if last else []}
                for r, name in enumerate(names)]
        models.append({"dates": [dates[c] for c in columns], "rows": rows,
                       "summary": ["Пропущено", "3 четверть"] if last else [],
                       "heading": {"school": "Школа", "class_name": "6А", "year": "2026/2027",
                                   "period": "3 четверть (12.01.2027 – 21.03.2027)", "subject": "Русский язык",
                                   "group": "", "teacher": "Фамилия Имя Отчество", "part": number,
                                   "parts": len(parts)}})
    return models, dates, names, cells


def draw_synthetic(models):
    from printouts.class_journal import Plan, draw
    from printouts.sheets import Signature

    signers = [Signature("Учитель", "Фамилия И.О.")]
    return [draw(Plan(f"subject:0:{n}", "", "grid", model, signers), signers) for n, model in enumerate(models, 1)]


XHTML_SHEET = """{% extends "base.html" %}{% block page_size %}a4 landscape{% endblock %}
{% block style %}table.grid td, table.grid th { font-size: 6pt; padding: 1pt; }{% endblock %}
{% block content %}<table class="grid" repeat="1"><thead><tr><th>№</th><th>Фамилия, имя, отчество</th>
{% for d in dates %}<th>{{ d[:5] }}</th>{% endfor %}</tr></thead><tbody>
{% for name in names %}<tr><td>{{ loop.index }}</td><td>{{ name }}</td>
{% for cell in cells[loop.index0] %}<td>{{ cell|join(" ") }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>{% endblock %}"""


def xhtml_sheet(dates, names, cells):
    """The same 30 × 40 grid as one HTML table through xhtml2pdf: the reference it is measured against."""
    from printouts.pdf import environment, html_to_pdf

    return html_to_pdf(environment().from_string(XHTML_SHEET).render(dates=dates, names=names, cells=cells),
                       "замер xhtml2pdf")


def measure_sheet(repeat, echo):
    from printouts.sheets import page_count

    models, dates, names, cells = synthetic_grid()
    pages = sum(page_count(pdf) for pdf in draw_synthetic(models))
    wall, cpu = _p50(lambda: draw_synthetic(models), repeat)
    echo(f"Лист журнала {STUDENTS} учеников × {LESSONS} уроков (ReportLab Table; {pages} стр. по ≤ "
         f"{len(models[0]['dates'])} дат): p50 {_seconds(wall)} (ЦП {_seconds(cpu)}) из {repeat}, "
         f"{_seconds(wall / pages)} за страницу; цель ≤ {_seconds(SHEET_P50_SECONDS)} — "
         f"{_verdict(wall <= SHEET_P50_SECONDS)}; {_load()}")
    reference, reference_cpu = _p50(lambda: xhtml_sheet(dates, names, cells), min(repeat, 3))
    echo(f"  тот же лист через xhtml2pdf (одна HTML-таблица): p50 {_seconds(reference)} (ЦП {_seconds(reference_cpu)}) "
         f"из {min(repeat, 3)} — в {reference_cpu / cpu:.0f} раз дольше по ЦП")
    return wall


# ------------------------------------------------------------------ one class, then the whole school


def measure_class(app, info, repeat, echo):
    """The benchmark's grid class for its period: drawn from scratch, then from the cache of sheets,
    then after one mark changed (one sheet drawn again)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.structure import TeachingAssignment
    from printouts.class_journal import build_class_journal
    from printouts.sheets import SheetCache

    with app.app_context():
        classgroup_id = db.session.scalar(select(TeachingAssignment.classgroup_id)
                                          .where(TeachingAssignment.id == info["assignment"]))
        period_id = info["period"]
        printout = build_class_journal(db.session, classgroup_id, period_id, cache=SheetCache())
        cold, cold_cpu = _p50(lambda: build_class_journal(db.session, classgroup_id, period_id, cache=SheetCache()),
                              repeat)
        cache = SheetCache()
        build_class_journal(db.session, classgroup_id, period_id, cache=cache)
        warm, warm_cpu = _p50(lambda: build_class_journal(db.session, classgroup_id, period_id, cache=cache), repeat)
        changed, again, again_cpu = _one_mark_changed(db, info, classgroup_id, period_id, cache)
        db.session.remove()
    grids = sum(1 for s in printout.sheets if s.key.startswith("subject:") and not s.key.endswith(":topics"))
    echo(f"Журнал класса {info['class']} за {info['period_title']}: {_sheets(printout.sheet_count)} "
         f"(из них с отметками {grids}), {len(printout.pdf) / 1024:.0f} КиБ")
    echo(f"  с нуля: p50 {_seconds(cold)} (ЦП {_seconds(cold_cpu)}) из {repeat}, "
         f"{_seconds(cold / printout.sheet_count)} за лист, с чтением базы, титулом через xhtml2pdf и сборкой; "
         f"{_load()}")
    echo(f"  те же данные, листы из кэша: p50 {_seconds(warm)} (ЦП {_seconds(warm_cpu)})")
    echo(f"  изменена одна отметка: перерисованы листы {', '.join(changed) or '—'} за {_seconds(again)} "
         f"(ЦП {_seconds(again_cpu)}), остальные из кэша")
    return printout


def _one_mark_changed(db, info, classgroup_id, period_id, cache):
    """Change one mark in a transaction rolled back afterwards: the kept school stays as built."""
    from sqlalchemy import select

    from app.journal import Lesson, Mark
    from printouts.class_journal import build_class_journal

    mark = db.session.scalar(select(Mark).join(Lesson, Lesson.id == Mark.lesson_id).where(
        Lesson.assignment_id == info["assignment"], Lesson.date <= date.fromisoformat(info["today"]),
        Mark.retracted_at.is_(None)).order_by(Lesson.date.desc(), Mark.id).limit(1))
    mark.value = "2" if mark.value != "2" else "3"
    db.session.flush()
    started, used = time.perf_counter(), time.process_time()
    printout = build_class_journal(db.session, classgroup_id, period_id, cache=cache)
    seconds, cpu = time.perf_counter() - started, time.process_time() - used
    db.session.rollback()
    return printout.rendered, seconds, cpu


def measure_school(target, info, worker_counts, echo):
    from sqlalchemy import select

    from app.benchmark import bench_app
    from app.extensions import db
    from app.structure import SchoolYear
    from printouts.class_journal import build_many, requests_for_period

    today = date.fromisoformat(info["today"])
    app = bench_app(target, today)
    with app.app_context():
        year_id = db.session.scalar(select(SchoolYear.id).where(SchoolYear.is_current.is_(True)))
        requests = requests_for_period(db.session, year_id, today)
        db.session.remove()
        db.engine.dispose()
    settings = {"SQLALCHEMY_DATABASE_URI": target.url, "JOURNAL_TODAY": today, "AUTH_RATE_LIMITED": False,
                "RATELIMIT_ENABLED": False, "SERVER_NAME": None}
    echo(f"Школа: {len(requests)} классов, каждый за свой период на {today.strftime('%d.%m.%Y')} "
         "(процессы ProcessPoolExecutor, у каждого своё соединение с базой; время — с запуском процессов)")
    first = first_cpu = None
    for workers in worker_counts:
        started, load = time.perf_counter(), _loadavg()
        pages, size, rss, busy, cpu = 0, 0, defaultdict(int), 0.0, defaultdict(float)
        for _request, built in build_many(settings, requests, workers):
            pages += built.printout.sheet_count
            size += len(built.printout.pdf)
            rss[built.pid] = max(rss[built.pid], built.peak_rss)
            busy += built.seconds
            cpu[built.pid] += built.cpu_seconds
        wall = time.perf_counter() - started
        # The busiest worker's CPU time is how long the batch takes with a free core for each worker
        # (and for the database): the wall clock also counts waiting for cores other work holds.
        slowest = max(cpu.values())
        first, first_cpu = first or wall, first_cpu or slowest
        worst = max(rss.values())
        echo(f"  {workers} {_processes(workers)}: {_seconds(wall)} ({_sheets(pages)}, {pages / wall:.0f} листов/с, "
             f"{size / 2 ** 20:.0f} МиБ PDF); ускорение {first / wall:.2f} по часам, {first_cpu / slowest:.2f} по ЦП "
             f"самого занятого процесса; построение в процессах {_seconds(busy)}, "
             f"ЦП по процессам {' / '.join(_seconds(v) for v in cpu.values())}; пик памяти процесса "
             f"{' / '.join(_mib(v) for v in rss.values())} — цель ≤ {WORKER_MIB} МиБ: "
             f"{_verdict(worst <= WORKER_MIB * 2 ** 20)}; loadavg {load} в начале, {_loadavg()} в конце")


def _plural(n, one, few, many):
    if n % 10 == 1 and n % 100 != 11:
        return one
    return few if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else many


def _processes(n):
    return _plural(n, "процесс", "процесса", "процессов")


def _sheets(n):
    return f"{n} {_plural(n, 'лист', 'листа', 'листов')}"


def _worker_counts(text, echo):
    wanted = sorted({int(part) for part in text.split(",") if part.strip()})
    cores = os.cpu_count() or 1
    kept = [n for n in wanted if 1 <= n <= cores] or [1]
    skipped = [n for n in wanted if n not in kept]
    if skipped:
        echo(f"Ядер процессора {cores}: замер с {', '.join(map(str, skipped))} процессами пропущен "
             "(процессов больше, чем ядер, — это замер ожидания, а не масштабирования).")
    return kept


def measure_printouts(target, scale, repeat=9, workers="1,2", regenerate=False, echo=click.echo):
    """Every figure of the printouts on one database: one synthetic sheet, the benchmark's class
    (drawn whole, then again from the cache of sheets), the whole school in worker processes."""
    from app.benchmark import prepare
    from app.extensions import db
    from printouts.class_journal import peak_rss

    echo(f"=== Печатные формы: замер ({target.kind}, {target.where}); ядер процессора: {os.cpu_count()}, {_load()}")
    counts = _worker_counts(workers, echo)
    measure_sheet(repeat, echo)
    app, info = prepare(target, scale, regenerate, echo)
    gc.freeze()  # as run.py does: full collections no longer walk the application's objects mid-measurement
    try:
        measure_class(app, info, max(3, repeat // 3), echo)
        echo(f"  пик памяти этого процесса (с подготовкой школы): {_mib(peak_rss())}")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    measure_school(target, info, counts, echo)


@click.command("bench-printouts", help="Замер печатных форм: лист журнала, журнал класса, вся школа в процессах.")
@click.option("--postgres", "postgres_url", metavar="URL",
              help="PostgreSQL: postgresql://user@host:5432/db — школа в базе <db>_bench.")
@click.option("--sqlite", "sqlite_path", metavar="FILE", help="Файл SQLite (по умолчанию instance/benchmark.db).")
@click.option("--repeat", default=9, show_default=True, help="Повторов каждого замера одного листа и класса.")
@click.option("--workers", default="1,2,4", show_default=True, help="Числа процессов для всей школы.")
@click.option("--regenerate", is_flag=True, help="Создать школу заново, даже если она уже есть.")
def bench_printouts_command(postgres_url, sqlite_path, repeat, workers, regenerate):
    """The printouts alone; `flask journal benchmark` (./journal bench) runs them after the pages."""
    import config
    from app.benchmark import DEFAULT_SQLITE_NAME, Scale, Target

    target = (Target.postgres(postgres_url) if postgres_url
              else Target.sqlite(sqlite_path or os.path.join(config.INSTANCE_DIR, DEFAULT_SQLITE_NAME)))
    measure_printouts(target, Scale(), repeat, workers, regenerate)
