"""`flask journal benchmark`: a large generated school, and what the journal's busiest pages cost in it.

The issue's targets: the grid of a class of 30 students × 50 lessons p50 ≤ 20 ms and ≤ 3× the
framework's empty page, ≤ 10 SQL statements whatever the class or database size; saving one mark
p50 ≤ 15 ms; a student's diary week (issue 5) p50 ≤ 20 ms and ≤ 3× the empty page, in a number of
SQL statements that does not depend on the database's size; a whole year of lessons made from the
timetable by app.timetable.generate_lessons ≤ 10 s (about 56,000 lessons), and the same year again
creating nothing. Every figure is printed beside references measured in the same run: an empty
page of the application behind login (the framework's own cost; once more for the diary's student,
whose menu is smaller than a teacher's), the same marks listed by a plain FAB list view, and the
grid's data read with plain SQL and rendered by bare Jinja.

The school is generated once per database and kept (a marker row names the parameters it was built
with): 1,500 students in 60 classes of grades 1–11, their timetable (bells, the calendar, one slot
per weekly lesson, no teacher in two places at once), a full year of lessons made by that
timetable, about a million marks.
Requests go through the real application in-process (Flask's test client, logged in as a teacher
with the role "Teacher", and for the diary as a student of the grid's class with the role "Student"),
so login, permission checks and row-level policy are all measured.
The command reports; it never fails because a target is missed (tests assert statement counts).
"""
import cProfile
import gc
import io
import json
import math
import os
import pstats
import random
import re
import shutil
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time as clock, timedelta

import click
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import Column, MetaData, String, Table, Text, create_engine, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

GENERATOR_VERSION = 4  # bump when the generator's output changes: kept schools are rebuilt
CHUNK = 50_000
USERNAME, PASSWORD = "bench.teacher", "bench-2026"
STUDENT_USERNAME = "bench.student"  # the grid class's first student, who reads their diary
DEFAULT_SQLITE_NAME = "benchmark.db"

# The targets of the issue.
GRID_P50_MS, GRID_TIMES_EMPTY, GRID_STATEMENTS, SAVE_P50_MS = 20, 3, 10, 15
DIARY_P50_MS, DIARY_TIMES_EMPTY = 20, 3
YEAR_OF_LESSONS_SECONDS = 10  # generate_lessons: a whole year of the large school's lessons
GENERATION_COPY = "timetable"  # the copy of the database the year's lessons are generated in

# ------------------------------------------------------------------ the calendar of 2026/2027

YEAR_NAME = "2026/2027"
YEAR_DATES = (date(2026, 9, 1), date(2027, 5, 31))
QUARTERS = (  # grades 2–9 (and the school-wide holidays between them)
    (date(2026, 9, 1), date(2026, 10, 24)),
    (date(2026, 11, 5), date(2026, 12, 28)),
    (date(2027, 1, 12), date(2027, 3, 21)),
    (date(2027, 4, 1), date(2027, 5, 26)),
)
HALVES = ((date(2026, 9, 1), date(2026, 12, 28)), (date(2027, 1, 12), date(2027, 5, 26)))  # grades 10–11
# Public holidays that fall on school weekdays (Defender's Day, 8 March, the May days moved to Monday).
HOLIDAYS = frozenset({date(2027, 2, 23), date(2027, 3, 8), date(2027, 5, 3), date(2027, 5, 10)})
GRADES_BY_PRIORITY = (6, 5, 1, 7, 2, 8, 3, 9, 4, 10, 11)  # who gets a class first when there are few
MAX_NUMBER = 9  # the latest lesson of a day in the generated timetable: a class waiting for a teacher ends later
GRID_GRADE, GRID_SUBJECT, GRID_LESSONS = 6, "Русский язык", 50

# Subject, short name, weekly hours by grade (ФГОС НОО, ООО, СОО for a five-day week).
_ALL = range(1, 12)
CURRICULUM = (
    ("Русский язык", "Рус. яз.", {1: 5, 2: 5, 3: 5, 4: 5, 5: 5, 6: 6, 7: 4, 8: 3, 9: 3, 10: 2, 11: 2}),
    ("Литературное чтение", "Лит. чт.", {1: 4, 2: 4, 3: 4, 4: 3}),
    ("Литература", "Лит.", {5: 3, 6: 3, 7: 2, 8: 2, 9: 3, 10: 3, 11: 3}),
    ("Иностранный язык (английский)", "Англ. яз.", {g: 2 if g <= 4 else 3 for g in range(2, 12)}),
    ("Математика", "Матем.", {1: 4, 2: 4, 3: 4, 4: 4, 5: 5, 6: 5}),
    ("Алгебра", "Алгебра", {g: 3 for g in range(7, 12)}),
    ("Геометрия", "Геом.", {g: 2 for g in range(7, 12)}),
    ("Вероятность и статистика", "Вер. и стат.", {g: 1 for g in range(7, 12)}),
    ("Информатика", "Информ.", {g: 1 for g in range(7, 12)}),
    ("Окружающий мир", "Окр. мир", {g: 2 for g in range(1, 5)}),
    ("Основы религиозных культур и светской этики", "ОРКСЭ", {4: 1}),
    ("История", "История", {g: 2 for g in range(5, 12)}),
    ("Обществознание", "Обществ.", {6: 1, 7: 1, 8: 1, 9: 1, 10: 2, 11: 2}),
    ("География", "Геогр.", {5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 1, 11: 1}),
    ("Биология", "Биол.", {5: 1, 6: 1, 7: 1, 8: 2, 9: 2, 10: 1, 11: 1}),
    ("Физика", "Физика", {7: 2, 8: 2, 9: 3, 10: 2, 11: 2}),
    ("Химия", "Химия", {8: 2, 9: 2, 10: 1, 11: 1}),
    ("Изобразительное искусство", "ИЗО", {g: 1 for g in range(1, 8)}),
    ("Музыка", "Музыка", {g: 1 for g in range(1, 9)}),
    ("Труд (технология)", "Труд", {1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 7: 2, 8: 1, 9: 1}),
    ("Физическая культура", "Физ-ра", {g: 2 for g in _ALL}),
    ("Основы безопасности и защиты Родины", "ОБЗР", {g: 1 for g in range(8, 12)}),
    ("Основы духовно-нравственной культуры народов России", "ОДНКНР", {5: 1, 6: 1}),
    ("Индивидуальный проект", "Инд. проект", {10: 1}),
)
ENGLISH = "Иностранный язык (английский)"  # taught in two groups from grade 2
# Grades 1–4: the class's own teacher takes these; specialists the rest.
PRIMARY_OWN = {"Русский язык", "Литературное чтение", "Математика", "Окружающий мир",
               "Изобразительное искусство", "Труд (технология)", "Основы религиозных культур и светской этики"}
# What one subject teacher covers (grades 5–11; English, music and PE from grade 1).
POSTS = (
    ("Русский язык", "Литература"),
    ("Математика", "Алгебра", "Геометрия", "Вероятность и статистика"),
    (ENGLISH,),
    ("Физика", "Информатика", "Индивидуальный проект"),
    ("История", "Обществознание", "Основы духовно-нравственной культуры народов России"),
    ("География", "Биология", "Химия"),
    ("Изобразительное искусство", "Музыка", "Труд (технология)"),
    ("Физическая культура", "Основы безопасности и защиты Родины"),
)
MAX_LOAD = 27  # hours a week a teacher takes before the school hires another
TEACHER, PRIMARY = "учитель", "учитель начальных классов"
ADMINISTRATION = ("директор", "заместитель директора по УВР", "заместитель директора по УВР",
                  "секретарь-делопроизводитель")
ABSENT_SHARE = 0.025  # of the cells of past lessons
ABSENCE_REASONS = (None, "Б", "У", "Н", "О")  # «О» (late) keeps the student's marks
ABSENCE_WEIGHTS = (3, 4, 2, 1, 1)


@dataclass(frozen=True)
class Scale:
    """What the generated school looks like; a kept school is reused only for the same values."""

    students: int = 1500
    classes: int = 60
    marks: int = 1_000_000
    grid_size: int = 30
    seed: int = 2027

    def check(self):
        if not 1 <= self.classes <= 11 * 13:
            raise click.BadParameter("классов — от 1 до 143 (11 параллелей по 13 литер).", param_hint="--classes")
        if self.grid_size < 1 or self.students < self.grid_size + (self.classes - 1):
            raise click.BadParameter("учеников должно хватить на класс журнала и хотя бы по одному в остальные.",
                                     param_hint="--students")
        if self.marks < 0:
            raise click.BadParameter("число отметок не может быть отрицательным.", param_hint="--marks")

    def key(self):
        return {"version": GENERATOR_VERSION, **asdict(self)}


# ------------------------------------------------------------------ where the school is kept

MARKER = Table("benchmark_marker", MetaData(), Column("name", String(40), primary_key=True),
               Column("value", Text, nullable=False))


@dataclass
class Target:
    """One benchmark database: its kind («SQLite»/«PostgreSQL»), its URL and how to remake it empty."""

    kind: str
    url: str
    where: str
    admin_url: object = None  # PostgreSQL: the server's maintenance database
    name: str = ""

    @classmethod
    def sqlite(cls, path):
        path = os.path.abspath(path)
        return cls("SQLite", "sqlite:///" + path, path)

    @classmethod
    def postgres(cls, url):
        """`postgresql://…/test` → the database `test_bench` on the same server."""
        base = make_url(url)
        if base.drivername in ("postgres", "postgresql"):
            base = base.set(drivername="postgresql+psycopg")
        name = f"{base.database or 'journal'}_bench"
        bench = base.set(database=name)
        return cls("PostgreSQL", bench.render_as_string(hide_password=False),
                   bench.render_as_string(hide_password=True), base.set(database="postgres"), name)

    def read_marker(self):
        if self.kind == "SQLite" and not os.path.exists(self.where):
            return None
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                if not inspect(conn).has_table(MARKER.name):
                    return None
                value = conn.scalar(select(MARKER.c.value).where(MARKER.c.name == "school"))
                return json.loads(value) if value else None
        except OperationalError:
            return None  # no such database yet
        finally:
            engine.dispose()

    def recreate(self):
        """Drop whatever is there and start from an empty database."""
        self.drop()
        if self.kind == "SQLite":
            os.makedirs(os.path.dirname(self.where), exist_ok=True)
            return
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        finally:
            admin.dispose()

    def drop(self):
        """Remove the database (tests clean up after themselves)."""
        if self.kind == "SQLite":
            for suffix in ("", "-journal", "-wal", "-shm"):
                if os.path.exists(self.where + suffix):
                    os.remove(self.where + suffix)
            return
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        finally:
            admin.dispose()

    def beside(self, suffix):
        """The database of a copy: <file>-<suffix>.db, or <name>_<suffix> on the same server."""
        if self.kind == "SQLite":
            return Target.sqlite(f"{os.path.splitext(self.where)[0]}-{suffix}.db")
        url = make_url(self.url).set(database=f"{self.name}_{suffix}")
        return Target("PostgreSQL", url.render_as_string(hide_password=False), url.render_as_string(hide_password=True),
                      self.admin_url, url.database)

    def copy(self, suffix):
        """A copy of the database made anew beside it. PostgreSQL copies by template: nobody may
        be connected to this database meanwhile."""
        copy = self.beside(suffix)
        copy.drop()
        if self.kind == "SQLite":
            shutil.copyfile(self.where, copy.where)
            return copy
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{copy.name}" TEMPLATE "{self.name}"'))
        finally:
            admin.dispose()
        return copy

    def size_text(self, conn):
        if self.kind == "SQLite":
            return _mib(os.path.getsize(self.where))
        return _mib(conn.scalar(text("SELECT pg_database_size(current_database())")))


def _mib(size):
    return f"{size / 1024 / 1024:,.0f} МиБ".replace(",", " ")


# ------------------------------------------------------------------ the generator


class Loader:
    """Bulk inserts in chunks: executemany of Core inserts on SQLite, COPY on PostgreSQL
    (several times faster there than executemany for a million rows). Ids are given by the
    generator, so nothing needs RETURNING; PostgreSQL's sequences are moved past them at the end."""

    def __init__(self, conn):
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.counts = Counter()

    def load(self, table, columns, rows):
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                self._write(table, columns, batch)
                batch = []
        if batch:
            self._write(table, columns, batch)

    def _write(self, table, columns, batch):
        self.counts[table.name] += len(batch)
        if self.postgres:
            raw = self.conn.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            self.conn.execute(table.insert(), [dict(zip(columns, row)) for row in batch])

    def finish(self):
        if self.postgres:
            for name in self.counts:
                columns = {c["name"] for c in inspect(self.conn).get_columns(name)}
                if "id" in columns:
                    self.conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {name}))")
        # Planner statistics, as a school's database has them after a day of autovacuum.
        self.conn.exec_driver_sql("ANALYZE")


@dataclass(eq=False)  # compared by identity
class _Class:
    id: int
    grade: int
    letter: str
    size: int
    members: list = field(default_factory=list)  # [(student_id, starts_on, ends_on)]
    teacher: object = None  # the primary teacher of grades 1–4
    pattern: list = field(default_factory=list)  # per weekday: [(number, (assignment ids))]

    @property
    def name(self):
        return f"{self.grade}{self.letter}"


@dataclass(eq=False)  # compared by identity
class _Teacher:
    id: int
    load: int = 0
    hours: Counter = field(default_factory=Counter)  # class id → hours


@dataclass(eq=False)  # compared by identity
class _Assignment:
    id: int
    teacher: _Teacher
    cls: _Class
    subject_id: int
    subgroup_id: int
    hours: int


def _feminine(surname):
    """Смирнов → Смирнова, Островский → Островская; Шевченко stays Шевченко."""
    for male, female in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая")):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    return surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин", "ын")) else surname


def _person(rng, names, gender, grown_up):
    """Фамилия, имя, отчество from the demo's name lists (a grown-up or a child)."""
    surname = rng.choice(names.SURNAMES)
    father = rng.choice(names.MEN)[0]
    son, daughter = names.PATRONYMICS[father]
    if grown_up:
        first = rng.choice(names.MEN)[0] if gender == "м" else rng.choice(names.WOMEN)
    else:
        first = rng.choice(names.BOYS if gender == "м" else names.GIRLS)
    return (_feminine(surname) if gender == "ж" else surname), first, (daughter if gender == "ж" else son)


def school_days():
    days = []
    for start, end in QUARTERS:
        day = start
        while day <= end:
            if day.weekday() < 5 and day not in HOLIDAYS:
                days.append(day)
            day += timedelta(days=1)
    return days


def _ids(conn, table):
    return (conn.scalar(select(func.max(table.c.id))) or 0) + 1


def generate(session, scale, echo=click.echo):
    """Fill a freshly migrated database with the benchmark school. Returns what the
    measurement needs (ids, the pinned date) and the counts. The caller commits.

    People, classes and acts are inserted directly, not through app/registers.py: the register
    rules add one flush and several look-ups per person, which is minutes for this school, and
    the rows written here are what those rules would write (a hire or admission act by order,
    an open enrollment, the current class on the student). Generated history has no audit
    rows (journal_change): the audit trail records changes made through app/journal_entry.py,
    none of the measured pages reads it, and a million audit rows would double the time.
    """
    from app import demo as names  # the demo's lists of surnames and names
    from app.journal import Absence, FinalMark, Homework, Lesson, Mark, WorkType
    from app.people import Enrollment, Position, Staff, StaffAct, Student, StudentAct, staff_act_position
    from app.people import staff_position
    from app.structure import (
        CLASS_LETTERS, ClassGroup, Period, SchoolYear, Subgroup, Subject, TeachingAssignment, subgroup_student,
    )
    from app.timetable import Bell, CalendarDay, TimetableSlot

    scale.check()
    rng = random.Random(scale.seed)
    conn = session.connection()
    loader = Loader(conn)
    T = {m: m.__table__ for m in (Absence, Bell, CalendarDay, ClassGroup, Enrollment, FinalMark, Homework, Lesson,
                                  Mark, Period, Position, SchoolYear, Staff, StaffAct, Student, StudentAct, Subgroup,
                                  Subject, TeachingAssignment, TimetableSlot)}
    work_types = dict(conn.execute(select(WorkType.name, WorkType.id)).all())
    answer, test_work, exam = (work_types["Ответ на уроке"], work_types["Самостоятельная работа"],
                               work_types["Контрольная работа"])
    started = time.perf_counter()

    # --- the year, its periods, subjects, positions
    year_id = _ids(conn, T[SchoolYear])
    loader.load(T[SchoolYear], ("id", "name", "starts_on", "ends_on", "is_current", "closed"),
                [(year_id, YEAR_NAME, *YEAR_DATES, True, False)])
    periods = []  # (id, kind, number, starts_on, ends_on, grade_from, grade_to)
    next_id = _ids(conn, T[Period])
    for kind, spans, grades in (("quarter", QUARTERS, (2, 9)), ("half", HALVES, (10, 11))):
        for number, (start, end) in enumerate(spans, 1):
            periods.append((next_id, kind, number, start, end, *grades))
            next_id += 1
    loader.load(T[Period], ("id", "school_year_id", "kind", "number", "starts_on", "ends_on", "grade_from",
                            "grade_to", "closed"), [(p[0], year_id, *p[1:], False) for p in periods])
    next_id = _ids(conn, T[Subject])
    subjects = {}
    for offset, (name, short, _) in enumerate(CURRICULUM):
        subjects[name] = next_id + offset
    loader.load(T[Subject], ("id", "name", "short_name"),
                [(subjects[name], name, short) for name, short, _ in CURRICULUM])
    next_id = _ids(conn, T[Position])
    positions = {name: next_id + i for i, name in enumerate(dict.fromkeys((TEACHER, PRIMARY) + ADMINISTRATION))}
    loader.load(T[Position], ("id", "name"), [(pid, name) for name, pid in positions.items()])

    # --- classes: the grid's class (exactly grid_size students) first, the rest share what is left
    grades = [GRADES_BY_PRIORITY[i % 11] for i in range(scale.classes)]
    sizes = _sizes(scale.students - scale.grid_size, scale.classes - 1, rng)
    letters = Counter()
    classes = []
    next_id = _ids(conn, T[ClassGroup])
    for i, grade in enumerate(sorted(grades, key=lambda g: (g != GRID_GRADE, g))):
        size = scale.grid_size if i == 0 else sizes[i - 1]
        classes.append(_Class(next_id + i, grade, CLASS_LETTERS[letters[grade]], size))
        letters[grade] += 1
    grid_class = classes[0]

    # --- staff: the administration, then teachers hired as the timetable needs them
    staff_rows, staff_positions = [], []
    staff_next = [_ids(conn, T[Staff])]

    def hire(position):
        gender = "ж" if rng.random() < 0.8 else "м"
        last, first, middle = _person(rng, names, gender, grown_up=True)
        staff_id = staff_next[0]
        staff_next[0] += 1
        born = date(rng.randint(1962, 2002), rng.randint(1, 12), rng.randint(1, 28))
        hired = date(rng.randint(max(1995, born.year + 22), 2026), 8, rng.randint(20, 31))
        staff_rows.append((staff_id, last, first, middle, born, hired))
        staff_positions.append((staff_id, positions[position], hired))
        return _Teacher(staff_id)

    for post in ADMINISTRATION:
        hire(post)
    for cls in classes:
        if cls.grade <= 4:
            cls.teacher = hire(PRIMARY)

    # --- students, enrollments, English groups
    student_rows, enrollment_rows, act_rows, group_rows, subgroup_rows = [], [], [], [], []
    ability = {}  # student id → their usual mark
    taken = set()
    student_id, enrollment_id = _ids(conn, T[Student]), _ids(conn, T[Enrollment])
    act_id, subgroup_id = _ids(conn, T[StudentAct]), _ids(conn, T[Subgroup])
    admission = date(2026, 8, 28)
    groups = {}  # class id → (group 1 id, group 2 id)
    for cls in classes:
        roll = []
        for _ in range(cls.size):
            while True:
                person = (*_person(rng, names, rng.choice("мж"), grown_up=False),
                          date(2026 - cls.grade - 7, 9, 1) + timedelta(days=rng.randrange(365)))
                if person not in taken:
                    taken.add(person)
                    break
            student_rows.append([student_id, *person, rng.random() < 0.8, cls.id, YEAR_DATES[0]])
            enrollment_rows.append([enrollment_id, student_id, cls.id, YEAR_DATES[0], None])
            act_rows.append((act_id, student_id, "admission", YEAR_DATES[0], "64-уч", admission, None, cls.id))
            ability[student_id] = min(4.9, max(2.6, rng.gauss(3.9, 0.5)))
            cls.members.append([student_id, YEAR_DATES[0], None])
            roll.append((person, student_id))
            student_id, enrollment_id, act_id = student_id + 1, enrollment_id + 1, act_id + 1
        if cls.grade >= 2:
            roll.sort()
            half = (len(roll) + 1) // 2
            groups[cls.id] = (subgroup_id, subgroup_id + 1)
            for n in (1, 2):
                subgroup_rows.append((subgroup_id, cls.id, f"Английский язык, группа {n}", subjects[ENGLISH]))
                part = roll[:half] if n == 1 else roll[half:]
                group_rows += [(subgroup_id, sid) for _, sid in part]
                subgroup_id += 1

    # A few students move to a parallel class in the autumn (never into or out of the grid's class):
    # their rows show «not in the class that day» cells on either side of the date.
    by_grade = {}
    for cls in classes[1:]:
        by_grade.setdefault(cls.grade, []).append(cls)
    movers, moved = 0, set()
    group_of = {sid: gid for gid, sid in group_rows}
    for cls in classes[1:]:
        parallels = [c for c in by_grade[cls.grade] if c is not cls]
        for member in list(cls.members):
            if not parallels or member[0] in moved or rng.random() >= 0.005:
                continue
            target = rng.choice(parallels)
            day = date(2026, 10, 1) + timedelta(days=rng.randrange(60))
            if day.weekday() >= 5:
                day += timedelta(days=7 - day.weekday())
            sid = member[0]
            moved.add(sid)
            member[2] = day - timedelta(days=1)
            target.members.append([sid, day, None])
            row = next(r for r in enrollment_rows if r[1] == sid)
            row[4] = day - timedelta(days=1)
            enrollment_rows.append([enrollment_id, sid, target.id, day, None])
            enrollment_id += 1
            act_rows.append((act_id, sid, "transfer", day, f"{70 + movers}-уч", day - timedelta(days=2),
                             cls.id, target.id))
            act_id += 1
            movers += 1
            student_rows[sid - student_rows[0][0]][6] = target.id
            if sid in group_of:
                del group_of[sid]
            if target.id in groups:
                group_of[sid] = groups[target.id][movers % 2]
    group_rows = sorted((gid, sid) for sid, gid in group_of.items())
    group_members = {}
    for gid, sid in group_rows:
        group_members.setdefault(gid, set()).add(sid)

    # --- who teaches what: the class's own teacher in grades 1–4, the least loaded specialist otherwise
    post_of = {s: post for post in POSTS for s in post}
    teachers = {post: [] for post in POSTS}
    assignments = []
    assignment_id = _ids(conn, T[TeachingAssignment])

    def specialist(post, hours, busy=()):
        free = [t for t in teachers[post] if t.load + hours <= MAX_LOAD and t not in busy]
        if not free:
            free = [hire(TEACHER)]
            teachers[post].append(free[0])
        return min(free, key=lambda t: t.load)

    def assign(teacher, cls, subject, hours, group=None):
        nonlocal assignment_id
        teacher.load += hours
        teacher.hours[cls.id] += hours
        assignments.append(_Assignment(assignment_id, teacher, cls, subjects[subject], group, hours))
        assignment_id += 1
        return assignments[-1]

    for cls in classes:
        by_post = {}
        for subject, _, hours_by_grade in CURRICULUM:
            hours = hours_by_grade.get(cls.grade, 0)
            if not hours:
                continue
            if cls.grade <= 4 and subject in PRIMARY_OWN:
                assign(cls.teacher, cls, subject, hours)
            elif subject == ENGLISH:
                first = specialist(post_of[subject], hours)
                assign(first, cls, subject, hours, groups[cls.id][0])
                assign(specialist(post_of[subject], hours, busy=(first,)), cls, subject, hours, groups[cls.id][1])
            else:
                by_post.setdefault(post_of[subject], []).append((subject, hours))
        for post, taught in by_post.items():
            teacher = specialist(post, sum(h for _, h in taught))
            for subject, hours in taught:
                assign(teacher, cls, subject, hours)
    grid_assignment = next(a for a in assignments if a.cls is grid_class and a.subject_id == subjects[GRID_SUBJECT])

    # Class teachers: the primary teacher, else whoever spends most hours with the class; never the
    # measured teacher, who is a plain subject teacher like the demo's `teacher`.
    appointed = {grid_assignment.teacher.id}
    class_teacher = {}
    everyone = [t for post in POSTS for t in teachers[post]]
    for cls in classes:
        if cls.teacher is not None:
            class_teacher[cls.id] = cls.teacher.id
            continue
        candidates = sorted((t for t in everyone if t.hours[cls.id] and t.id not in appointed),
                            key=lambda t: (-t.hours[cls.id], t.id))
        if candidates:
            class_teacher[cls.id] = candidates[0].id
            appointed.add(candidates[0].id)

    # --- write the registers and the structure
    loader.load(T[Staff], ("id", "last_name", "first_name", "middle_name", "birth_date", "hired_on"), staff_rows)
    loader.load(staff_position, ("staff_id", "position_id"), [(s, p) for s, p, _ in staff_positions])
    staff_act_id = _ids(conn, T[StaffAct])
    loader.load(T[StaffAct], ("id", "staff_id", "kind", "effective_on", "order_no", "order_date", "created_at"),
                [(staff_act_id + i, s, "hire", hired, f"{20 + i % 100}-к", hired - timedelta(days=3),
                  datetime.combine(hired, clock(10))) for i, (s, _, hired) in enumerate(staff_positions)])
    loader.load(staff_act_position, ("staff_act_id", "position_id"),
                [(staff_act_id + i, p) for i, (_, p, _) in enumerate(staff_positions)])
    loader.load(T[ClassGroup], ("id", "school_year_id", "grade", "letter", "class_teacher_id"),
                [(c.id, year_id, c.grade, c.letter, class_teacher.get(c.id)) for c in classes])
    loader.load(T[Subgroup], ("id", "classgroup_id", "name", "subject_id"), subgroup_rows)
    loader.load(T[Student], ("id", "last_name", "first_name", "middle_name", "birth_date", "pd_consent",
                             "classgroup_id", "admitted_on"), student_rows)
    loader.load(T[Enrollment], ("id", "student_id", "classgroup_id", "starts_on", "ends_on"), enrollment_rows)
    loader.load(T[StudentAct], ("id", "student_id", "kind", "effective_on", "order_no", "order_date",
                                "from_class_id", "to_class_id", "created_at"),
                [(*row, datetime.combine(row[5], clock(10))) for row in act_rows])
    loader.load(subgroup_student, ("subgroup_id", "student_id"), group_rows)
    loader.load(T[TeachingAssignment], ("id", "teacher_id", "classgroup_id", "subgroup_id", "subject_id",
                                        "hours_per_week"),
                [(a.id, a.teacher.id, a.cls.id, a.subgroup_id, a.subject_id, a.hours) for a in assignments])
    echo(f"  структура: классов {len(classes)}, учеников {len(student_rows)}, сотрудников {len(staff_rows)}, "
         f"нагрузок {len(assignments)} ({time.perf_counter() - started:.1f} с)")

    # --- the weekly timetable and every lesson of the year
    units = {}
    for a in assignments:
        units.setdefault(a.cls.id, {}).setdefault((a.subject_id, a.hours), []).append(a)
    _weekly_pattern(classes, {cls_id: list(by_subject.values()) for cls_id, by_subject in units.items()}, rng)
    slot_of = _load_timetable(conn, loader, T[Bell], T[CalendarDay], T[TimetableSlot], classes)
    calendar = school_days()
    grid_dates = [day for day in calendar for _, unit in grid_class.pattern[day.weekday()]
                  if any(a is grid_assignment for a in unit)]
    # The grid's quarter: the one (after the first) whose lesson count is nearest to 50;
    # "today" is its last day with a lesson of the grid's subject, so a mark can be saved.
    quarter = min(periods[1:4], key=lambda p: (abs(sum(p[3] <= d <= p[4] for d in grid_dates) - GRID_LESSONS),
                                               -p[2]))
    today = max(d for d in grid_dates if quarter[3] <= d <= quarter[4])

    lesson_id = _ids(conn, T[Lesson])
    lessons = []  # (id, class, subgroup id, date, number, work type id) of past lessons
    counters = Counter()

    def lesson_rows():
        nonlocal lesson_id
        for day in calendar:
            for cls in classes:
                for number, unit in cls.pattern[day.weekday()]:
                    for a in unit:
                        k = counters[a.id]
                        counters[a.id] += 1
                        kind = None
                        if cls.grade >= 2:
                            kind = exam if k % 16 == 15 else test_work if k % 6 == 5 else None
                        if day < today:
                            lessons.append((lesson_id, cls, a.subgroup_id, day, number, kind or answer))
                        yield (lesson_id, a.id, cls.id, a.subgroup_id, a.subject_id, a.teacher.id, day, number,
                               f"Тема урока № {k + 1}", kind, datetime.combine(day - timedelta(days=7), clock(16)),
                               slot_of[a.id, day.weekday(), number])
                        lesson_id += 1

    loader.load(T[Lesson], ("id", "assignment_id", "classgroup_id", "subgroup_id", "subject_id", "teacher_id",
                            "date", "number", "topic", "work_type_id", "created_at", "slot_id"), lesson_rows())
    loader.load(T[Homework], ("id", "lesson_id", "text", "due_on", "updated_at"),
                ((lid, lid, f"§ {lid % 40 + 1}, упр. {lid % 300 + 1}", None, datetime.combine(day, clock(15)))
                 for lid, cls, _, day, _, _ in lessons if lid % 2 == 0 and cls.grade >= 2))
    echo(f"  уроки: {loader.counts['lesson']}, до «сегодня» {len(lessons)} "
         f"({time.perf_counter() - started:.1f} с)")

    # --- marks and absences of the lessons before today (grade 1 is taught without marks)
    rosters = {}

    def roster(cls, group, day):
        key = (cls.id, group, day)
        if key not in rosters:
            members = group_members.get(group) if group else None
            rosters[key] = [sid for sid, start, end in cls.members if start <= day and (end is None or day <= end)
                            and (members is None or sid in members)]
        return rosters[key]

    cells = sum(len(roster(cls, group, day)) for _, cls, group, day, _, _ in lessons if cls.grade >= 2)
    per_cell = scale.marks / (cells * (1 - ABSENT_SHARE)) if cells else 0
    whole, part = int(per_cell), per_cell - int(per_cell)
    mark_id, absence_id = _ids(conn, T[Mark]), _ids(conn, T[Absence])
    absences = []

    def mark_rows():
        nonlocal mark_id, absence_id
        gauss, chance = rng.gauss, rng.random
        for lid, cls, group, day, number, kind in lessons:
            at = datetime.combine(day, clock(8)) + timedelta(minutes=50 * number)
            for sid in roster(cls, group, day):
                if chance() < ABSENT_SHARE:
                    reason = rng.choices(ABSENCE_REASONS, ABSENCE_WEIGHTS)[0]
                    absences.append((absence_id, lid, sid, reason, at, at, 1))
                    absence_id += 1
                    if reason != "О":
                        continue
                if cls.grade < 2:
                    continue
                for _ in range(whole + (chance() < part)):
                    value = min(5, max(2, round(gauss(ability[sid], 0.75))))
                    yield (mark_id, lid, sid, kind, str(value), "", at, at, 1)
                    mark_id += 1

    loader.load(T[Mark], ("id", "lesson_id", "student_id", "work_type_id", "value", "comment", "created_at",
                          "updated_at", "version"), mark_rows())
    loader.load(T[Absence], ("id", "lesson_id", "student_id", "reason", "created_at", "updated_at", "version"),
                absences)
    echo(f"  отметки: {loader.counts['mark']}, пропуски: {loader.counts['absence']} "
         f"({time.perf_counter() - started:.1f} с)")

    # --- final marks of the periods already over
    final_id = _ids(conn, T[FinalMark])
    class_subjects = {}
    for a in assignments:
        class_subjects.setdefault(a.cls.id, set()).add(a.subject_id)

    def final_rows():
        nonlocal final_id
        for pid, kind, _, start, end, grade_from, grade_to in periods:
            if end >= today:
                continue
            at = datetime.combine(end, clock(14))
            for cls in classes:
                if not grade_from <= cls.grade <= grade_to:
                    continue
                for sid, starts, ends in cls.members:
                    if starts <= end and (ends is None or end <= ends):
                        for subject_id in sorted(class_subjects[cls.id]):
                            value = min(5, max(2, round(ability[sid] + rng.gauss(0, 0.3))))
                            yield (final_id, sid, subject_id, year_id, "period", pid, str(value), "", at, at, 1)
                            final_id += 1

    loader.load(T[FinalMark], ("id", "student_id", "subject_id", "school_year_id", "kind", "period_id", "value",
                               "comment", "created_at", "updated_at", "version"), final_rows())
    loader.finish()
    echo(f"  итоговые: {loader.counts['final_mark']}; индексы и статистика ({time.perf_counter() - started:.1f} с)")

    grid_lesson = session.scalar(select(Lesson.id).where(Lesson.assignment_id == grid_assignment.id,
                                                         Lesson.date == today).order_by(Lesson.number))
    grid_student = min(sid for sid, _, _ in grid_class.members)
    return {
        "today": today.isoformat(), "assignment": grid_assignment.id, "period": quarter[0],
        "lesson": grid_lesson, "student": grid_student, "staff": grid_assignment.teacher.id,
        "class": grid_class.name, "subject": GRID_SUBJECT, "period_title": f"{quarter[2]} четверть",
        "counts": dict(loader.counts),
    }


def _days_off():
    """{date: note}: the weekdays of the year between the quarters (everybody's holidays: the
    lessons above follow the quarters in every grade) and the public holidays inside them."""
    days, day = {}, YEAR_DATES[0]
    while day <= YEAR_DATES[1]:
        if day in HOLIDAYS:
            days[day] = "Праздничный день"
        elif day.weekday() < 5 and not any(start <= day <= end for start, end in QUARTERS):
            days[day] = "Каникулы"
        day += timedelta(days=1)
    return days


def _load_timetable(conn, loader, bells, calendar, slots, classes):
    """The bells, the calendar of days off and one open slot per weekly lesson of the pattern,
    without rooms. Returns {(assignment id, weekday 0–4, number): slot id} for the lessons."""
    first = _ids(conn, bells)
    loader.load(bells, ("id", "shift", "number", "starts_at", "ends_at"), [
        (first + n - 1, 1, n, _clock(8 * 60 + (n - 1) * 55), _clock(8 * 60 + (n - 1) * 55 + 45))
        for n in range(1, MAX_NUMBER + 1)])
    first = _ids(conn, calendar)
    loader.load(calendar, ("id", "date", "kind", "note"),
                [(first + i, day, "holiday", note) for i, (day, note) in enumerate(sorted(_days_off().items()))])
    slot_of, rows, next_id = {}, [], _ids(conn, slots)
    created = datetime.combine(YEAR_DATES[0] - timedelta(days=7), clock(12))
    for cls in classes:
        for day, lessons in enumerate(cls.pattern):
            for number, unit in lessons:
                for a in unit:
                    slot_of[a.id, day, number] = next_id
                    rows.append((next_id, a.id, day + 1, number, YEAR_DATES[0], created))
                    next_id += 1
    loader.load(slots, ("id", "assignment_id", "weekday", "number", "valid_from", "created_at"), rows)
    return slot_of


def _clock(minutes):
    return clock(minutes // 60, minutes % 60)


def _weekly_pattern(classes, units, rng):
    """Every class's week, cls.pattern[weekday] = [(number, unit)], with no teacher in two places
    at once (a unit: what a class learns at one time, e.g. its two English groups); `units`:
    {class id: [units]}. Simple rather than optimal: a class may wait a lesson (a gap)."""
    week = _WeekBuilder(classes, units, rng)
    for day in range(5):
        week.fill(day)
    week.place_leftovers()
    for cls in classes:
        for lessons in cls.pattern:
            lessons.sort(key=lambda item: item[0])


class _WeekBuilder:
    """Fills the week lesson number by lesson number across the school: at each number every
    class still short of its share of the day takes a unit whose teachers are free then, a
    subject not yet on that day first, then one that must come every remaining day, then the
    busiest teacher's; a class with nothing free waits for the next number."""

    def __init__(self, classes, units, rng):
        self.classes, self.rng = classes, rng
        self.teachers = {id(u): {a.teacher.id for a in u} for c in classes for u in units.get(c.id, ())}
        self.need = {c.id: {id(u): [u, u[0].hours] for u in units.get(c.id, ())} for c in classes}
        self.load = Counter()  # teacher → lessons not placed yet
        for cls in classes:
            cls.pattern = [[] for _ in range(5)]
            for u in units.get(cls.id, ()):
                for t in self.teachers[id(u)]:
                    self.load[t] += u[0].hours
        self.busy = {}  # (weekday, number) → teachers

    def fill(self, day):
        left = 5 - day
        share = {c.id: -(-sum(h for _, h in self.need[c.id].values()) // left) for c in self.classes}
        for number in range(1, MAX_NUMBER + 1):
            order = sorted(self.classes, key=lambda c: (len(c.pattern[day]) - share[c.id], self.rng.random()))
            for cls in order:
                if len(cls.pattern[day]) < share[cls.id]:
                    key = self._best(cls, day, number, left)
                    if key is not None:
                        self._place(cls, key, day, number)

    def _best(self, cls, day, number, days_left):
        taken = self.busy.get((day, number), set())
        on_day = {id(u) for _, u in cls.pattern[day]}
        free = [(key in on_day, hours < days_left, -max(self.load[t] for t in self.teachers[key]), self.rng.random(),
                 key) for key, (_, hours) in self.need[cls.id].items() if hours and not self.teachers[key] & taken]
        return min(free)[-1] if free else None

    def _place(self, cls, key, day, number):
        unit = self.need[cls.id][key][0]
        cls.pattern[day].append((number, unit))
        self.need[cls.id][key][1] -= 1
        self.busy.setdefault((day, number), set()).update(self.teachers[key])
        for t in self.teachers[key]:
            self.load[t] -= 1

    def place_leftovers(self):
        """What found no place in its day goes wherever the class and its teachers are free
        (none: the unit keeps fewer lessons a week than its hours)."""
        for cls in self.classes:
            for key, (_, hours) in self.need[cls.id].items():
                for _ in range(hours):
                    spot = next(((day, number) for number in range(1, MAX_NUMBER + 1) for day in range(5)
                                 if number not in {n for n, _ in cls.pattern[day]}
                                 and not self.teachers[key] & self.busy.get((day, number), set())), None)
                    if spot is None:
                        break
                    self._place(cls, key, *spot)


def _sizes(total, count, rng):
    """`total` students over `count` classes, as evenly as it goes, in a shuffled order."""
    if count <= 0:
        return []
    base, extra = divmod(total, count)
    sizes = [base + (1 if i < extra else 0) for i in range(count)]
    rng.shuffle(sizes)
    return sizes


# ------------------------------------------------------------------ building or reusing the database


def bench_app(target, today=None):
    from app import create_app

    overrides = {
        "SQLALCHEMY_DATABASE_URI": target.url, "AUTH_RATE_LIMITED": False, "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None, "JOURNAL_TODAY": today,
        # No mail thread: the letters of the measured mark saves wait in the table. A sender would
        # compete for the CPU during the measurement, and reconnect to the database after the
        # benchmark has closed its connections to copy it (PostgreSQL copies nobody's database).
        "MAIL_SEND_IN_BACKGROUND": False,
    }
    app = create_app(overrides)
    return app


def prepare(target, scale, regenerate=False, echo=click.echo):
    """The benchmark app on a database holding the school of `scale`: reused when its marker
    says it was built with the same parameters, otherwise built anew. Returns (app, info)."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.journal import ensure_work_types
    from security.roles import apply_matrix

    marker = None if regenerate else target.read_marker()
    if marker is not None and marker.get("scale") == scale.key():
        info = marker["info"]
        app = bench_app(target, date.fromisoformat(info["today"]))
        with app.app_context():
            upgrade()  # a kept school follows the schema of later migrations and the role matrix
            apply_matrix(app.appbuilder)
        _issue_student_login(app, info)
        echo(f"База {target.kind} взята готовая ({target.where}), создана за {_seconds(info['seconds'])}.")
        return app, info

    scale.check()
    echo(f"Создаю школу в {target.kind} ({target.where}): учеников {_n(scale.students)}, классов {scale.classes}, "
         f"отметок ~{_n(scale.marks)}…")
    target.recreate()
    started = time.perf_counter()
    app = bench_app(target)
    with app.app_context():
        upgrade()
        apply_matrix(app.appbuilder)
        ensure_work_types(db.session)
        db.session.commit()
        echo(f"  схема и роли ({time.perf_counter() - started:.1f} с)")
        info = generate(db.session, scale, echo)
        db.session.commit()
        _issue_login(app, info)
        _issue_student_login(app, info)
        info["seconds"] = round(time.perf_counter() - started, 1)
        conn = db.session.connection()
        MARKER.create(conn, checkfirst=True)
        conn.execute(MARKER.insert(), {"name": "school", "value": json.dumps({"scale": scale.key(), "info": info})})
        db.session.commit()
    app.config["JOURNAL_TODAY"] = date.fromisoformat(info["today"])
    echo(f"Школа создана за {_seconds(info['seconds'])}.")
    return app, info


def _issue_login(app, info):
    from app.accounts import issue_login
    from app.extensions import db
    from app.people import Staff

    staff = db.session.get(Staff, info["staff"])
    issue_login(app.appbuilder.sm, staff, username=USERNAME, password=PASSWORD, role_name="Teacher")
    db.session.commit()


def _issue_student_login(app, info):
    """The diary's reader: a login for the grid class's first student (a kept school built before
    the diary was measured gets it on its next run)."""
    from app.accounts import issue_login
    from app.extensions import db
    from app.people import Student

    with app.app_context():
        student = db.session.get(Student, info["student"])
        if student.user_id is None:
            issue_login(app.appbuilder.sm, student, username=STUDENT_USERNAME, password=PASSWORD, role_name="Student")
            db.session.commit()
        db.session.remove()


def _seconds(value):
    return f"{value:.1f} с".replace(".", ",")


# ------------------------------------------------------------------ measuring


class EmptyPageView(BaseView):
    """The framework's own cost, registered only in the benchmark app: FAB's login and
    permission check (the very permission the grid asks for: can_read on Journal), the
    session, the user, the menu and the application's base template, with no content.
    A bare Flask route would skip the decorator and the menu every real page pays for."""

    route_base = "/benchmark-empty"
    class_permission_name = "Journal"
    method_permission_name = {"empty": "read"}
    default_view = "empty"

    @expose("/")
    @has_access
    def empty(self):
        return self.render_template(self.appbuilder.base_template)


class FamilyEmptyPageView(EmptyPageView):
    """The same empty page behind the diary's own permission (can_read on Diary), opened by the
    diary's student: the framework's cost for that login, whose menu is a family's, not a
    teacher's. The diary's row minus this one is what the diary itself costs."""

    route_base = "/benchmark-empty-diary"
    class_permission_name = "Diary"


PLAIN_GRID = (
    "<table>{% for s in students %}<tr><th>{{ s.last_name }} {{ s.first_name }} {{ s.middle_name }}</th>"
    "{% for l in lessons %}<td>{{ cells.get((l.id, s.id), '') }}</td>{% endfor %}</tr>{% endfor %}</table>"
)


def plain_grid(app, info, period):
    """The grid's data read with three plain statements and put into a bare Jinja table:
    the floor under the grid page (no login, no framework, no rules)."""
    from app.extensions import db
    from app.journal import Lesson, Mark
    from app.people import Enrollment, Student
    from app.structure import TeachingAssignment

    template = app.jinja_env.from_string(PLAIN_GRID)

    def run():
        with db.engine.connect() as conn:
            in_period = (Lesson.assignment_id == info["assignment"]) & Lesson.date.between(*period)
            lessons = conn.execute(select(Lesson.id, Lesson.date, Lesson.number).where(in_period)
                                   .order_by(Lesson.date, Lesson.number)).all()
            students = conn.execute(
                select(Student.id, Student.last_name, Student.first_name, Student.middle_name)
                .join(Enrollment, Enrollment.student_id == Student.id)
                .where(Enrollment.classgroup_id == select(TeachingAssignment.classgroup_id)
                       .where(TeachingAssignment.id == info["assignment"]).scalar_subquery())
                .order_by(Student.last_name, Student.first_name)).all()
            cells = {}
            for lesson_id, student_id, value in conn.execute(
                    select(Mark.lesson_id, Mark.student_id, Mark.value).join(Lesson, Lesson.id == Mark.lesson_id)
                    .where(in_period, Mark.retracted_at.is_(None))):
                key = (lesson_id, student_id)
                cells[key] = f"{cells[key]} {value}" if key in cells else value
        return template.render(students=students, lessons=lessons, cells=cells)

    return run


@dataclass
class Measurement:
    label: str
    times: list = field(default_factory=list)  # seconds
    statements: list = field(default_factory=list)

    @property
    def p50(self):
        return statistics.median(self.times) * 1000

    @property
    def p95(self):
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000

    @property
    def sql(self):
        low, high = min(self.statements), max(self.statements)
        return str(low) if low == high else f"{low}–{high}"


class Counting:
    """SQL statements sent to the database, counted (and kept, when asked) per request."""

    def __init__(self, engine):
        self.engine, self.count, self.keep, self.texts = engine, 0, False, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *args):
        self.count += 1
        if self.keep:
            self.texts.append(" ".join(statement.split()))


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
CSRF_GRID = re.compile(r'data-csrf="([^"]+)"')


def measure(app, info, repeat=50, warmup=5, profile=False, show_sql=False, gc_freeze=False, echo=click.echo):
    """Time and count the statements of each request, interleaved so that all of them see the
    same machine. Returns {name: Measurement} and the grid's size."""
    from flask import url_for

    from app import journal_entry as entry
    from app.extensions import db
    from app.journal import Lesson
    from app.people import Enrollment
    from app.structure import Period

    with app.app_context():
        app.appbuilder.add_view_no_menu(EmptyPageView())
        app.appbuilder.add_view_no_menu(FamilyEmptyPageView())
        engine = db.engine
        period = db.session.get(Period, info["period"])
        span = (period.starts_on, period.ends_on)
        lessons = db.session.scalar(select(func.count()).select_from(Lesson).where(
            Lesson.assignment_id == info["assignment"], Lesson.date.between(*span)))
        rows = db.session.scalar(select(func.count(func.distinct(Enrollment.student_id))).where(
            Enrollment.classgroup_id == select(Lesson.classgroup_id).where(Lesson.id == info["lesson"])
            .scalar_subquery(), Enrollment.starts_on <= span[1]))
        current = entry.cell_text(*entry.cell_state(info["lesson"], info["student"]))
        diary_label = _diary_label(info)
        db.session.remove()
        plain = plain_grid(app, info, span)
    with app.test_request_context():
        list_url = url_for("MarkView.list") + "?psize_MarkView=100"
    grid_url = f"/journal/{info['assignment']}?period={info['period']}"
    cell_url = f"/journal/{info['assignment']}/cell"
    diary_url = f"/diary/{info['student']}/?day={info['today']}"

    client = _signed_in(app, USERNAME)
    student = _signed_in(app, STUDENT_USERNAME)
    page = client.get(grid_url)
    found = CSRF_GRID.search(page.get_data(as_text=True))
    if page.status_code != 200 or not found:
        raise click.ClickException(f"Журнал {grid_url} не открылся учителю {USERNAME}: {page.status_code}.")
    token = found.group(1)
    state = {"expected": current}
    if gc_freeze:
        # What a server could do once started: move the application's ~200,000 long-lived objects
        # out of the collector's sight, so that a full collection no longer walks them all.
        gc.collect()
        gc.freeze()

    def get(url, by=client):
        def run():
            response = by.get(url)
            if response.status_code != 200:
                raise click.ClickException(f"{url}: ответ {response.status_code}")
        return run

    def save():
        wanted = "4" if state["expected"] == "5" else "5"
        response = client.post(cell_url, headers={"X-CSRFToken": token}, json={
            "lesson": info["lesson"], "student": info["student"], "text": wanted, "expected": state["expected"]})
        if response.status_code != 200:
            raise click.ClickException(f"Сохранение отметки: ответ {response.status_code}: "
                                       f"{response.get_data(as_text=True)[:300]}")
        state["expected"] = response.get_json()["text"]

    def plain_run():
        with app.app_context():
            plain()

    cases = {
        "empty": ("Пустая страница за входом (FAB)", get("/benchmark-empty/")),
        "grid": (f"Журнал {rows}×{lessons} ({info['class']}, {info['subject']}, {info['period_title']})",
                 get(grid_url)),
        "plain": ("  те же данные: SQL + Jinja без фреймворка", plain_run),
        "list": ("Список отметок FAB, 100 строк", get(list_url)),
        "save": ("Сохранение отметки", save),
        "diary": (diary_label, get(diary_url, by=student)),
        "diary_empty": ("  пустая страница за входом тому же ученику (FAB без дневника)",
                        get("/benchmark-empty-diary/", by=student)),
    }
    results = {name: Measurement(label) for name, (label, _) in cases.items()}
    with Counting(engine) as counting:
        for round_no in range(warmup + repeat):
            for name, (_, run) in cases.items():
                counting.count = 0
                started = time.perf_counter()
                run()
                elapsed = time.perf_counter() - started
                if round_no >= warmup:
                    results[name].times.append(elapsed)
                    results[name].statements.append(counting.count)
        if show_sql:
            for name in ("grid", "list", "save", "diary"):
                counting.keep, counting.texts = True, []
                cases[name][1]()
                counting.keep = False
                echo(f"\nSQL одного запроса «{cases[name][0].strip()}» ({len(counting.texts)}):")
                for n, statement in enumerate(counting.texts, 1):
                    echo(f"  {n}. {statement[:600]}")
    if gc_freeze:
        gc.unfreeze()
    if profile:
        for name, what in (("grid", "журнала"), ("diary", "дневника")):
            _profile(cases[name][1], what, echo)
    return results, (rows, lessons)


def _profile(run, what, echo):
    """cProfile of one request, printed by cumulative and by own time."""
    # The profiler's own allocations set off garbage collections that it then charges to
    # whatever line runs (Jinja's getattr, typically): profile with the collector paused.
    gc.collect()
    gc.disable()
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        run()
        profiler.disable()
    finally:
        gc.enable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(25)
        echo(f"\ncProfile одного запроса {what} (по {order}, 25 строк, сборщик мусора на время "
             f"замера выключен):\n{out.getvalue()}")


def _signed_in(app, username):
    """A test client logged in through the login form, as a person signs in."""
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    found = CSRF_FIELD.search(page)
    client.post("/login/", data={"username": username, "password": PASSWORD,
                                 "csrf_token": found.group(1) or found.group(2)})
    return client


def _diary_label(info):
    """«Дневник ученика 6А, неделя 15.03–19.03.2027: 27 уроков, 56 отметок», read as the page reads it."""
    from app import diary
    from app.people import Student

    child = diary.children(Student.id == info["student"])[0]
    week = diary.read_week(child, date.fromisoformat(info["today"]))
    lessons = [lesson for day in week.days for lesson in day.lessons]
    return (f"Дневник ученика {info['class']}, неделя {week.monday:%d.%m}–{week.last_day:%d.%m.%Y}: "
            f"{_lessons(len(lessons))}, отметок {sum(len(lesson.marks) for lesson in lessons)}")


# ------------------------------------------------------------------ a year of lessons from the timetable


@dataclass
class Generated:
    """One generate_lessons pass over the year, committed."""

    created: int
    kept: int
    seconds: float
    statements: int


def measure_generation(target, info):
    """generate_lessons over the whole school year, then over it again (the idempotent pass).

    It runs in a copy of the benchmark's database emptied of lessons: the school's own lessons,
    marks and the measured pages stay as they are, and every run generates the same year from
    nothing. Nobody may be connected to the database meanwhile (PostgreSQL copies by template).
    Returns ({"first": Generated, "again": Generated}, lessons the school itself has)."""
    from app.extensions import db
    from app.timetable import generate_lessons
    from security.policy import JournalWriter

    copy = target.copy(GENERATION_COPY)
    app = bench_app(copy, date.fromisoformat(info["today"]))
    try:
        with app.app_context():
            expected = _remove_lessons(db.session)
            db.session.commit()
            passes = {}
            for name in ("first", "again"):
                with Counting(db.engine) as counting:
                    started = time.perf_counter()
                    done = generate_lessons(db.session, JournalWriter(None, None, administration=True),
                                            *YEAR_DATES, include_past=True)
                    db.session.commit()
                    passes[name] = Generated(done.created, done.kept, time.perf_counter() - started, counting.count)
            db.session.remove()
            db.engine.dispose()
    finally:
        copy.drop()
    return passes, expected


def _remove_lessons(session):
    """Delete every lesson and every row that refers to one, however indirectly (marks,
    absences, homework, audit rows…); returns how many lessons there were."""
    conn = session.connection()
    found = conn.scalar(text("SELECT count(*) FROM lesson"))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("TRUNCATE lesson CASCADE")
        return found
    schema = inspect(conn)
    refers = {name: {fk["referred_table"] for fk in schema.get_foreign_keys(name)} for name in schema.get_table_names()}
    doomed, order = {"lesson"}, ["lesson"]
    while True:
        more = [name for name, targets in refers.items() if name not in doomed and targets & doomed]
        if not more:
            break
        doomed.update(more)
        order += sorted(more)
    for name in reversed(order):  # those referring first
        conn.exec_driver_sql(f'DELETE FROM "{name}"')
    return found


def report(target, info, results, echo=click.echo, app=None, generation=None):
    """The table and the targets, in Russian."""
    from app.extensions import db

    if app is not None:
        with app.app_context():
            conn = db.session.connection()
            counts = {name: conn.scalar(text(f"SELECT count(*) FROM {name}"))
                      for name in ("student", "classgroup", "lesson", "mark", "absence")}
            size = target.size_text(conn)
            db.session.remove()
        echo(f"В базе: учеников {_n(counts['student'])}, классов {_n(counts['classgroup'])}, "
             f"уроков {_n(counts['lesson'])}, отметок {_n(counts['mark'])}, пропусков {_n(counts['absence'])}; "
             f"{size}. «Сегодня» — {date.fromisoformat(info['today']).strftime('%d.%m.%Y')}.")
    width = max(len(m.label) for m in results.values()) + 2
    echo(f"\n{'Запрос':<{width}}{'p50, мс':>9}{'p95, мс':>9}{'SQL':>7}")
    for m in results.values():
        echo(f"{m.label:<{width}}{_ms(m.p50):>9}{_ms(m.p95):>9}{m.sql:>7}")
    echo(f"Дневник сам по себе (его p50 минус пустая страница того же ученика): "
         f"{_ms(results['diary'].p50 - results['diary_empty'].p50)} мс.")
    grid, empty, save, diary = results["grid"], results["empty"], results["save"], results["diary"]
    checks = (
        (f"журнал p50 ≤ {GRID_P50_MS} мс", grid.p50 <= GRID_P50_MS, f"{_ms(grid.p50)} мс"),
        (f"журнал p50 ≤ {GRID_TIMES_EMPTY}× пустой страницы ({_ms(GRID_TIMES_EMPTY * empty.p50)} мс)",
         grid.p50 <= GRID_TIMES_EMPTY * empty.p50, f"{_ms(grid.p50)} мс, {_ms(grid.p50 / empty.p50)}×"),
        (f"журнал ≤ {GRID_STATEMENTS} SQL-запросов", max(grid.statements) <= GRID_STATEMENTS, grid.sql),
        (f"сохранение отметки p50 ≤ {SAVE_P50_MS} мс", save.p50 <= SAVE_P50_MS, f"{_ms(save.p50)} мс"),
        (f"дневник p50 ≤ {DIARY_P50_MS} мс", diary.p50 <= DIARY_P50_MS, f"{_ms(diary.p50)} мс"),
        (f"дневник p50 ≤ {DIARY_TIMES_EMPTY}× пустой страницы ({_ms(DIARY_TIMES_EMPTY * empty.p50)} мс)",
         diary.p50 <= DIARY_TIMES_EMPTY * empty.p50, f"{_ms(diary.p50)} мс, {_ms(diary.p50 / empty.p50)}×"),
        ("дневник: SQL-запросов одно и то же число в каждом запросе", len(set(diary.statements)) == 1, diary.sql),
    )
    if generation is not None:
        passes, expected = generation
        checks += _report_generation(info, passes, expected, echo)
    echo("\nЦели:")
    for title, ok, value in checks:
        echo(f"  [{'да ' if ok else 'НЕТ'}] {title}: {value}")
    return all(ok for _, ok, _ in checks)


def _report_generation(info, passes, expected, echo):
    """The lines of the year's generation, and its target."""
    counts = info.get("counts", {})
    first, again = passes["first"], passes["again"]
    echo(f"\nРасписание школы: уроков в неделю (слотов) {_n(counts.get('timetable_slot', 0))}, "
         f"звонков {counts.get('bell', 0)}, дней каникул и праздников {counts.get('calendar_day', 0)}.")
    echo(f"Уроки на учебный год по расписанию (generate_lessons, в копии базы без уроков), "
         f"{YEAR_DATES[0]:%d.%m.%Y}–{YEAR_DATES[1]:%d.%m.%Y}:")
    echo(f"  создание: {_lessons(first.created)} (в школе {_n(expected)}) за {_seconds_precise(first.seconds)}, "
         f"SQL-запросов {first.statements}")
    echo(f"  повторно: создано {_n(again.created)}, на месте {_n(again.kept)} за {_seconds_precise(again.seconds)}, "
         f"SQL-запросов {again.statements}")
    return ((f"год уроков по расписанию ≤ {YEAR_OF_LESSONS_SECONDS} с", first.seconds <= YEAR_OF_LESSONS_SECONDS,
             f"{_seconds_precise(first.seconds)}, {_lessons(first.created)}"),)


def _lessons(count):
    """«1 урок», «3 урока», «55 694 урока», «11 уроков»."""
    tail = count % 100
    word = "уроков" if 11 <= tail <= 14 else {1: "урок", 2: "урока", 3: "урока", 4: "урока"}.get(count % 10, "уроков")
    return f"{_n(count)} {word}"


def _seconds_precise(value):
    return f"{value:.2f} с".replace(".", ",")


def _ms(value):
    return f"{value:.1f}".replace(".", ",")


def _n(value):
    return f"{value:,}".replace(",", " ")


def run_benchmark(target, scale, repeat=50, warmup=5, regenerate=False, profile=False, show_sql=False,
                  gc_freeze=False, echo=click.echo):
    """Prepare the database, measure, print. Returns (results, info)."""
    from app.extensions import db

    echo(f"\n=== {target.kind}")
    app, info = prepare(target, scale, regenerate, echo)
    try:
        results, _ = measure(app, info, repeat, warmup, profile, show_sql, gc_freeze, echo)
        echo(f"Замер: {repeat} запросов каждого вида после {warmup} разогревочных, учитель {USERNAME} "
             f"(роль «Teacher»), дневник — ученик {STUDENT_USERNAME} (роль «Student»), время — весь запрос "
             "через WSGI-приложение"
             + (", gc.freeze() после запуска." if gc_freeze else "."))
        with app.app_context():  # the copy for the generation is made with nobody connected
            db.session.remove()
            db.engine.dispose()
        generation = measure_generation(target, info)
        report(target, info, results, echo, app, generation)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return results, info


@click.command("benchmark", help="Замер скорости журнала на большой сгенерированной школе (SQLite и PostgreSQL).")
@click.option("--postgres", "postgres_url", metavar="URL",
              help="PostgreSQL: postgresql://user@host:5432/db — замер в базе <db>_bench.")
@click.option("--both", is_flag=True, help="SQLite, затем PostgreSQL (URL из --postgres или DATABASE_URL).")
@click.option("--sqlite", "sqlite_path", metavar="FILE", help="Файл SQLite (по умолчанию instance/benchmark.db).")
@click.option("--repeat", default=50, show_default=True, help="Запросов каждого вида.")
@click.option("--warmup", default=5, show_default=True, help="Разогревочных запросов (не считаются).")
@click.option("--students", default=Scale.students, show_default=True)
@click.option("--classes", default=Scale.classes, show_default=True)
@click.option("--marks", default=Scale.marks, show_default=True)
@click.option("--grid-size", default=Scale.grid_size, show_default=True, help="Учеников в классе журнала.")
@click.option("--seed", default=Scale.seed, show_default=True)
@click.option("--regenerate", is_flag=True, help="Создать школу заново, даже если она уже есть.")
@click.option("--profile", is_flag=True, help="Напечатать cProfile одного запроса журнала и одного — дневника.")
@click.option("--gc-freeze/--no-gc-freeze", default=True, show_default=True,
              help="gc.freeze() перед замером, как делает run.py: полная сборка мусора не обходит объекты приложения.")
@click.option("--sql", "show_sql", is_flag=True,
              help="Напечатать SQL одного запроса журнала, списка, сохранения и дневника.")
@click.option("--printouts/--no-printouts", default=True, show_default=True,
              help="Затем замер печатных форм (printouts/benchmark.py): лист, класс, вся школа в процессах.")
@click.option("--workers", default="1,2", show_default=True, help="Числа процессов печати всей школы.")
def benchmark_command(postgres_url, both, sqlite_path, repeat, warmup, students, classes, marks, grid_size, seed,
                      regenerate, profile, gc_freeze, show_sql, printouts, workers):
    import config

    scale = Scale(students=students, classes=classes, marks=marks, grid_size=grid_size, seed=seed)
    scale.check()
    if repeat < 1:
        raise click.BadParameter("хотя бы один запрос.", param_hint="--repeat")
    targets = []
    if both or not postgres_url:
        targets.append(Target.sqlite(sqlite_path or os.path.join(config.INSTANCE_DIR, DEFAULT_SQLITE_NAME)))
    url = postgres_url or (os.environ.get("DATABASE_URL") if both else None)
    if url:
        targets.append(Target.postgres(url))
    elif both:
        click.echo("PostgreSQL пропущен: укажите --postgres URL или DATABASE_URL.")
    for target in targets:
        run_benchmark(target, scale, repeat, warmup, regenerate, profile, show_sql, gc_freeze)
        if printouts:
            from printouts.benchmark import measure_printouts

            measure_printouts(target, scale, repeat=min(repeat, 9), workers=workers)
