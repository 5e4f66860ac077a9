"""The demo school's journal: a timetable, the schemes of work and the year's lessons so far.

`create_demo_journal` gives the demo school (app/demo.py) what a real school has in its
journal on a given day of the year: a weekly timetable built from the teaching assignments,
the КТП of every subject and grade, the lessons from the first day of the year to the end of
this week with their topics, homework, marks and absences, and the final marks of every
period already over (so that the last quarter can be printed, signed and archived).

Lessons before today are complete; today's lessons have a topic only (the demo teacher
enters marks and attendance live); later lessons are planned topics. Written works of the
last three days are not marked yet (the teacher has five days to check them).

Everything is written with bulk inserts, with one audit row (path «demo») per mark and
absence. All chance comes from the `rng` given, so the demo is the same every time.
"""
from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import insert, select

from app.journal import Absence, FinalMark, Homework, JournalChange, Lesson, Mark, PlanTopic, WorkType
from app.journal_entry import weighted_average
from app.people import Enrollment
from app.structure import ClassGroup, Period, Subgroup, TeachingAssignment, subgroup_student

DAYS = 5  # Monday to Friday
MAX_LESSONS = 7  # lessons a day
WEEKS_IN_YEAR = 34  # a year's programme: weekly hours × 34
# When each lesson starts (08:00, 08:55, …): marks and absences get these times.
LESSON_STARTS = (time(8, 0), time(8, 55), time(9, 50), time(10, 55), time(11, 50), time(12, 45), time(13, 40))
# Public holidays (month, day) that fall on school days: no lessons. In 2026/27 also the days
# off moved to weekdays: 31.12.2026 (from 4 January, by the 2026 calendar) and 3 and 10 May 2027
# (1 and 9 May fall on a weekend, ТК РФ ст. 112). app/demo_timetable.py writes them to the calendar.
HOLIDAYS = {(1, d) for d in range(1, 9)} | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)} | \
    {(12, 31), (5, 3), (5, 10)}

ORAL = "Ответ на уроке"
HOMEWORK_CHECK = "Домашняя работа"
TEST = "Контрольная работа"
WRITTEN_EVERY = 6  # about every 6th lesson of an assignment is a written work
UNCHECKED_DAYS = 3  # written works of the last 3 days are not marked yet
ABSENCE_START = 0.02  # a student starts missing days with this chance on each school day …
ABSENCE_LENGTHS = (1, 1, 1, 2, 2, 3, 3, 4, 5)  # … for this many days (≈ 4 % of students a day)
LATE_SHARE = 0.005

KR = "Контрольная работа по теме «{section}»"


class Profile:
    """How a subject is taught in the demo: its checkpoints, written works, homework."""

    def __init__(self, written, homework, check=KR, check_type=TEST, practice=("Закрепление по теме «{topic}»",),
                 homework_share=0.9, pace=4):
        self.written = written  # work types of the written works, in turn
        self.homework = homework  # homework patterns (str.format with the fields of _homework)
        self.check = check  # the title of a section's last lesson (None: no such lesson)
        self.check_type = check_type  # its work type (None: an ordinary lesson)
        self.practice = practice  # titles of extra lessons on a topic when the plan is short
        self.homework_share = homework_share
        self.pace = pace  # exercises of the textbook per lesson


RUSSIAN_HW = ("§ {p}, упр. {n}", "§ {p}, упр. {n}, {n1}", "Выучить правило (§ {p}), упр. {n}",
              "Упр. {n}; словарные слова на стр. {s}", "§ {p}, упр. {n}–{n2}")
LITERATURE_HW = ("Прочитать стр. {s}–{s2}, ответить на вопросы 1–5", "Выразительное чтение, стр. {s}–{s2}",
                 "Подготовить пересказ эпизода (стр. {s}–{s2})", "Выучить наизусть отрывок на стр. {s}",
                 "Письменный ответ на вопрос {k} на стр. {s2}")
ENGLISH_HW = ("SB стр. {s}, упр. {k}", "WB стр. {w}, упр. {k}, {k1}", "Выучить слова по теме «{t}»",
              "SB стр. {s}, упр. {k}; выучить новые слова", "Написать 5 предложений по образцу, WB стр. {w}")
MATH_HW = ("П. {p}, № {n}, {n2}", "Стр. {s}, № {n}, {n1}, {n2}", "П. {p}, вопросы 1–4, № {n}", "№ {n}–{n2}",
           "Стр. {s}, № {n}, {n2}")
GEOMETRY_HW = ("П. {p}, задачи № {n}, {n1}", "П. {p}, выучить теорему, № {n}", "Задачи № {n}, {n1}, {n2}")
NARRATIVE_HW = ("§ {p}, вопросы 1–4 после параграфа", "§ {p}, пересказ", "§ {p}, задание {k} в рабочей тетради",
                "§ {p}, подготовить сообщение по теме «{t}»")
HISTORY_HW = NARRATIVE_HW + ("§ {p}, выучить даты", "§ {p}, составить план параграфа")
GEOGRAPHY_HW = NARRATIVE_HW + ("§ {p}, задания в контурной карте",)
SCIENCE_HW = ("§ {p}, упр. {k} (1–3)", "§ {p}, ответить на вопросы после параграфа", "§ {p}, задачи {k}, {k1}")
CHEMISTRY_HW = SCIENCE_HW + ("§ {p}, упр. {k}: составить уравнения реакций",)
INFORMATICS_HW = ("§ {p}, вопросы 1–5", "§ {p}, задание {k} в рабочей тетради", "§ {p}, закончить практическую работу")
ART_HW = ("Завершить рисунок", "Принести акварель и кисти", "Подобрать иллюстрации по теме «{t}»")
MUSIC_HW = ("Прослушать произведение, записать впечатления", "Подготовить сообщение о композиторе",
            "Выучить слова песни")
LABOUR_HW = ("Принести материалы для практической работы", "Завершить изделие", "Подготовить эскиз изделия")
PE_HW = ("Комплекс утренней зарядки", "Повторить правила игры", "Упражнения на гибкость, 10 минут ежедневно")

SELF, CHECK = "Самостоятельная работа", "Проверочная работа"
PRACTICAL, LAB = "Практическая работа", "Лабораторная работа"
PROFILES = {
    "Русский язык": Profile(("Диктант", SELF, CHECK), RUSSIAN_HW, practice=("Упражнения по теме «{topic}»",)),
    "Литература": Profile(("Сочинение", CHECK), LITERATURE_HW, check="Контрольная работа по разделу «{section}»",
                          practice=("Внеклассное чтение", "Развитие речи. Подготовка к сочинению")),
    "Иностранный язык (английский)": Profile((SELF, CHECK), ENGLISH_HW, practice=("Закрепление по теме «{topic}»",)),
    "Математика": Profile((SELF, CHECK), MATH_HW, practice=("Решение задач по теме «{topic}»",), pace=9),
    "Алгебра": Profile((SELF, CHECK), MATH_HW, practice=("Решение задач по теме «{topic}»",), pace=7),
    "Геометрия": Profile((SELF, CHECK), GEOMETRY_HW, practice=("Решение задач по теме «{topic}»",), pace=5),
    "Вероятность и статистика": Profile((SELF, PRACTICAL), MATH_HW, practice=("Решение задач по теме «{topic}»",)),
    "Информатика": Profile((PRACTICAL, SELF), INFORMATICS_HW, practice=("Практикум по теме «{topic}»",)),
    "История": Profile((CHECK, SELF), HISTORY_HW, practice=("Повторительно-обобщающий урок по теме «{section}»",)),
    "Обществознание": Profile((CHECK,), NARRATIVE_HW, practice=("Практикум по теме «{topic}»",)),
    "География": Profile((PRACTICAL, CHECK), GEOGRAPHY_HW, practice=("Практикум по теме «{topic}»",)),
    "Биология": Profile((LAB, CHECK), NARRATIVE_HW, practice=("Обобщение по теме «{topic}»",)),
    "Физика": Profile((LAB, SELF), SCIENCE_HW, practice=("Решение задач по теме «{topic}»",)),
    "Химия": Profile((PRACTICAL, LAB, SELF), CHEMISTRY_HW, practice=("Решение задач по теме «{topic}»",)),
    "Изобразительное искусство": Profile((PRACTICAL,), ART_HW, check="Выставка работ по разделу «{section}»",
                                         check_type=None, practice=("Творческая работа по теме «{topic}»",),
                                         homework_share=0.3),
    "Музыка": Profile((CHECK,), MUSIC_HW, check="Обобщающий урок по теме «{section}»", check_type=None,
                      practice=("Слушание музыки по теме «{topic}»",), homework_share=0.25),
    "Труд (технология)": Profile((PRACTICAL,), LABOUR_HW, check="Практическая работа по разделу «{section}»",
                                 check_type=PRACTICAL, practice=("Практическая работа по теме «{topic}»",),
                                 homework_share=0.3),
    "Физическая культура": Profile((PRACTICAL,), PE_HW, check="Контрольные нормативы по разделу «{section}»",
                                   check_type=PRACTICAL, practice=("{topic}: совершенствование техники",),
                                   homework_share=0.15),
    "Основы безопасности и защиты Родины": Profile((PRACTICAL, CHECK), NARRATIVE_HW,
                                                   practice=("Практическое занятие по теме «{topic}»",)),
    "Основы духовно-нравственной культуры народов России": Profile(
        (CHECK,), NARRATIVE_HW, check="Обобщающий урок по разделу «{section}»", check_type=None, homework_share=0.6),
}
DEFAULT_PROFILE = Profile((SELF,), NARRATIVE_HW)

GOOD_COMMENTS = ("Хорошая работа у доски", "Активная работа на уроке", "Отличный ответ",
                 "Работа выполнена аккуратно")
POOR_COMMENTS = ("Не выполнено домашнее задание", "Не выучено правило", "Невнимательно выполнена работа",
                 "Не готов к уроку")


def create_demo_journal(session, year, today, rng, teacher=None):
    """Give the demo school's `year` its timetable, КТП and the journal of the year up to `today`;
    return {"lessons": n, "marks": n, "absences": n, "final_marks": n, "pattern": the weekly timetable}
    (app/demo_timetable.py makes the pattern the school's timetable slots). `teacher` (the demo
    login) gets lessons on today's weekday. Nothing is committed: the caller commits."""
    counts = {"lessons": 0, "marks": 0, "absences": 0, "final_marks": 0, "pattern": {}}
    classes = session.scalars(select(ClassGroup).where(ClassGroup.school_year_id == year.id)
                              .order_by(ClassGroup.grade, ClassGroup.letter)).all()
    assignments = session.scalars(select(TeachingAssignment).where(
        TeachingAssignment.classgroup_id.in_([c.id for c in classes])).order_by(TeachingAssignment.id)).all()
    periods = session.scalars(select(Period).where(Period.school_year_id == year.id)
                              .order_by(Period.starts_on)).all()
    calendars = {c.id: _calendar(year, periods, c.grade, today) for c in classes}
    if not assignments:
        return counts
    focus_day = today.weekday() if today.weekday() < DAYS else 0
    # The timetable exists before the first lesson does (a school has it in August).
    timetable = counts["pattern"] = _timetable(classes, assignments, rng, teacher.id if teacher is not None else None,
                                               focus_day)
    if not any(cal.days for cal in calendars.values()):
        return counts
    grades = {c.id: c.grade for c in classes}
    plans = _create_plans(session, assignments, grades)
    lessons = _create_lessons(session, classes, calendars, timetable, plans, today, rng)
    counts["lessons"] = len(lessons)
    work_types = {w.name: w for w in session.scalars(select(WorkType))}
    _create_homework(session, lessons, today, rng)
    school = _School(session, classes, rng)
    counts["absences"], absent = _create_absences(session, lessons, school, today, rng)
    marks = _create_marks(session, lessons, school, absent, work_types, today, rng)
    counts["marks"] = len(marks)
    counts["final_marks"] = _create_final_marks(session, lessons, marks, school, calendars, work_types, rng)
    # The administration closed the periods that are over once their final marks were in: their
    # journal no longer changes, and their printed copies can be registered (printouts/workflow.py).
    for period in {p for cal in calendars.values() for p in cal.ended}:
        period.closed = True
    return counts


# ------------------------------------------------------------------ calendar


class _Calendar:
    """A grade's school days from the first day of the year through Friday of today's week (within
    the period today falls in, or in the holidays the last one begun), and its periods already over."""

    def __init__(self, period=None, days=(), ended=()):
        self.period, self.days, self.ended = period, list(days), list(ended)
        self.day_set = set(self.days)


def _school_days(first, last):
    day = first
    while day <= last:
        if day.weekday() < DAYS and (day.month, day.day) not in HOLIDAYS:
            yield day
        day += timedelta(days=1)


def _calendar(year, periods, grade, today):
    begun = [p for p in periods if p.grade_from <= grade <= p.grade_to and p.starts_on <= today]
    if not begun:
        return _Calendar()
    period = begun[-1]
    friday = today + timedelta(days=4 - today.weekday())
    last = min(period.ends_on, friday, year.ends_on)
    days = [day for p in begun for day in _school_days(p.starts_on, min(p.ends_on, last))]
    return _Calendar(period, days, [p for p in begun if p.ends_on < today])


def _hours(assignment):
    return max(1, int(Decimal(assignment.hours_per_week).to_integral_value(ROUND_HALF_UP)))


# ------------------------------------------------------------------ timetable


class _Unit:
    """What takes one slot of a class's week: an assignment, or the groups of a split subject
    (they learn at the same time with different teachers)."""

    def __init__(self, number, classgroup_id, assignments, focus):
        self.number, self.classgroup_id, self.assignments = number, classgroup_id, assignments
        self.hours = max(_hours(a) for a in assignments)
        self.teachers = {a.teacher_id for a in assignments}
        self.focus = focus in self.teachers


def _units(assignments, focus):
    units, split = [], defaultdict(list)
    for a in assignments:
        if a.subgroup_id is None:
            units.append([a])
        else:
            split[a.classgroup_id, a.subject_id].append(a)
    for groups in split.values():
        if len({a.teacher_id for a in groups}) == len(groups):
            units.append(groups)
        else:  # one teacher for two groups: they cannot learn at the same time
            units.extend([a] for a in groups)
    units.sort(key=lambda group: min(a.id for a in group))
    return [_Unit(n, group[0].classgroup_id, group, focus) for n, group in enumerate(units)]


def _week(total):
    """The class's slots: (weekday, number), the lessons spread evenly over the week with no
    gaps; longer days first on Tuesday and Wednesday."""
    base, extra = divmod(min(total, DAYS * MAX_LESSONS), DAYS)
    longer = (1, 2, 0, 3, 4)[:extra]
    return {(d, n) for d in range(DAYS) for n in range(1, base + (d in longer) + 1)}


def _timetable(classes, assignments, rng, focus, focus_day, steps=3000):
    """The weekly pattern: {class id: {weekday: [(number, assignment)]}}.

    Each class gets an even week with no gaps (_week). Greedy first, busiest teachers first;
    then a local search swaps two lessons of one class while that removes a teacher's clash,
    a subject twice on one day, or leaves the focus teacher without lessons on `focus_day`.
    """
    units = _units(assignments, focus)
    week = _Week(units, {c.id: _week(sum(u.hours for u in units if u.classgroup_id == c.id)) for c in classes},
                 focus_day)
    week.fill(rng)
    week.repair(rng, steps)
    week.settle()
    timetable = {c.id: defaultdict(list) for c in classes}
    for unit in units:
        slots = sorted(week.slots[unit])
        for a in unit.assignments:
            for d, n in slots[:_hours(a)]:
                timetable[unit.classgroup_id][d].append((n, a))
    for days in timetable.values():
        for lessons in days.values():
            lessons.sort(key=lambda item: (item[0], item[1].id))
    return timetable


def _twice(unit, days):
    """Second lessons of a subject on one day beyond what its hours force (6 hours: one)."""
    return max(0, sum(n - 1 for n in days.values()) - max(0, unit.hours - DAYS))


class _Week:
    """The weekly grid being built: which unit each class has in each slot."""

    CLASH, TWICE, NO_FOCUS = 1000, 10, 50

    def __init__(self, units, weeks, focus_day):
        self.units, self.weeks, self.focus_day = units, weeks, focus_day
        self.grid = {c: {} for c in weeks}  # class → slot → unit
        self.slots = defaultdict(list)  # unit → slots
        self.busy = Counter()  # (teacher, slot) → lessons
        load = Counter()
        for u in units:
            for t in u.teachers:
                load[t] += u.hours
        self.order = sorted(units, key=lambda u: (not u.focus, -max(load[t] for t in u.teachers), -u.hours, u.number))

    def put(self, unit, slot):
        self.grid[unit.classgroup_id][slot] = unit
        self.slots[unit].append(slot)
        for t in unit.teachers:
            self.busy[t, slot] += 1

    def take(self, unit, slot):
        del self.grid[unit.classgroup_id][slot]
        self.slots[unit].remove(slot)
        for t in unit.teachers:
            self.busy[t, slot] -= 1

    def fill(self, rng):
        """Greedy: each lesson to a free slot of its class where its teachers are free, on a day
        without that subject yet; when there is none, to any free slot of the class."""
        for unit in self.order:
            for _ in range(unit.hours):
                free = sorted(set(self.weeks[unit.classgroup_id]) - set(self.grid[unit.classgroup_id]))
                if not free:
                    break  # more hours than a week holds
                days = Counter(d for d, _ in self.slots[unit])
                costs = {slot: self._cost(unit, days, slot) + rng.random() for slot in free}
                self.put(unit, min(free, key=costs.get))

    def _cost(self, unit, days, slot):
        clash = sum(self.busy[t, slot] for t in unit.teachers)
        focus = unit.focus and slot[0] == self.focus_day and not days[slot[0]]
        return clash * self.CLASH + days[slot[0]] * self.TWICE - focus * self.NO_FOCUS

    def cost_of(self, units, slots):
        """The part of the week's badness that `units` and `slots` take part in."""
        teachers = {t for u in units for t in u.teachers}
        clashes = sum(max(0, self.busy[t, s] - 1) for t in teachers for s in slots)
        twice = focus = 0
        for unit in units:
            days = Counter(d for d, _ in self.slots[unit])
            twice += _twice(unit, days)
            focus += unit.focus and not days[self.focus_day]
        return clashes * self.CLASH + twice * self.TWICE + focus * self.NO_FOCUS

    def troubled(self):
        found = []
        for unit in self.units:
            days = Counter(d for d, _ in self.slots[unit])
            twice = _twice(unit, days)
            lacking = unit.focus and not days[self.focus_day]
            for slot in self.slots[unit]:
                if lacking or (twice and days[slot[0]] > 1) or any(self.busy[t, slot] > 1 for t in unit.teachers):
                    found.append((unit, slot))
        return found

    def swap(self, cls, a, b):
        ua, ub = self.grid[cls].get(a), self.grid[cls].get(b)
        for unit, slot in ((ua, a), (ub, b)):
            if unit is not None:
                self.take(unit, slot)
        for unit, slot in ((ua, b), (ub, a)):
            if unit is not None:
                self.put(unit, slot)

    def repair(self, rng, steps):
        """Min-conflicts: swap a troubled lesson with the lesson of its class (or the free slot)
        where that helps most."""
        for _ in range(steps):
            troubled = self.troubled()
            if not troubled:
                return
            unit, slot = rng.choice(troubled)
            cls = unit.classgroup_id
            best, moves = None, []
            for other in sorted(self.weeks[cls]):
                if other == slot:
                    continue
                partner = self.grid[cls].get(other)
                units = [u for u in (unit, partner) if u is not None]
                before = self.cost_of(units, (slot, other))
                self.swap(cls, slot, other)
                delta = self.cost_of(units, (slot, other)) - before
                self.swap(cls, slot, other)
                if best is None or delta < best:
                    best, moves = delta, [other]
                elif delta == best:
                    moves.append(other)
            # Sideways now and then, so that the search does not stall; never into a new clash.
            if best is not None and (best < 0 or (best == 0 and rng.random() < 0.7)
                                     or (best < self.CLASH // 2 and rng.random() < 0.02)):
                self.swap(cls, slot, rng.choice(moves))

    def settle(self):
        """A clash the search could not remove (an impossible load) moves to a longer day of
        the class, or is left out: a teacher is never in two places at once."""
        for unit in self.units:
            for slot in sorted(self.slots[unit]):
                if all(self.busy[t, slot] <= 1 for t in unit.teachers):
                    continue
                self.take(unit, slot)
                spare = [(d, n) for n in range(1, MAX_LESSONS + 1) for d in range(DAYS)
                         if (d, n) not in self.grid[unit.classgroup_id]
                         and not any(self.busy[t, (d, n)] for t in unit.teachers)]
                if spare:
                    self.put(unit, spare[0])


# ------------------------------------------------------------------ schemes of work (КТП)


class _Topic:
    """A КТП row: its title, kind (topic, practice, check, review), the textbook's paragraph,
    the topic it is about (for homework), its work type, and the lessons of the year it takes."""

    def __init__(self, title, kind, paragraph, about="", work_type=None):
        self.title, self.kind, self.paragraph, self.about, self.work_type = title, kind, paragraph, about, work_type
        self.id = self.span = self.first = None


def _sections(subject, grade):
    lists = TOPICS.get(subject)
    if not lists:
        return [("Основные темы курса", [f"{subject}. Тема {n}" for n in range(1, 16)])]
    text = lists.get(grade) or lists.get(0) or lists[min(lists, key=lambda g: abs(g - grade))]
    sections = []
    for line in text.strip().splitlines():
        line = line.strip()
        if line.startswith("#"):
            sections.append((line.lstrip("# "), []))
        elif line:
            if not sections:
                sections.append(("", []))
            sections[-1][1].append(line)
    return sections


def _plan(subject, grade, hours):
    """The year's topics of a subject in a grade, 20–35 of them, with how many lessons each
    takes: a checkpoint one, the others share the year's weekly hours × 34 lessons."""
    profile = PROFILES.get(subject, DEFAULT_PROFILE)
    sections = _sections(subject, grade)
    yearly = hours * WEEKS_IN_YEAR
    base = sum(len(topics) for _, topics in sections)
    checks = sum(1 for _, topics in sections if profile.check and len(topics) >= 3)
    finals = 2 if profile.check_type == TEST else 1
    target = min(35, max(20, 18 + 3 * hours), yearly)
    practice = max(0, target - base - checks - finals)
    extra = Counter(min(base - 1, int((k + 0.5) * base / practice)) for k in range(practice)) if practice else {}
    topics, number = [], 0
    for section, titles in sections:
        for title in titles:
            topics.append(_Topic(title, "topic", number + 1, title))
            for k in range(extra.get(number, 0)):
                pattern = profile.practice[(number + k) % len(profile.practice)]
                topics.append(_Topic(pattern.format(topic=title, section=section), "practice", number + 1, title))
            number += 1
        if profile.check and len(titles) >= 3:
            topics.append(_Topic(profile.check.format(section=section), "check", number, section, profile.check_type))
    if profile.check_type == TEST:
        topics.append(_Topic("Итоговая контрольная работа", "check", number, work_type=TEST))
    topics.append(_Topic("Повторение и обобщение изученного за год", "review", number))
    # Checkpoints and practice lessons take one lesson; the topics share the rest of the year.
    flexible = [t for t in topics if t.kind in ("topic", "review")]
    lessons = max(yearly - (len(topics) - len(flexible)), len(flexible))
    share, rest = divmod(lessons, len(flexible))
    first = 0
    for t in topics:
        t.span = share + (flexible.index(t) < rest) if t in flexible else 1
        t.first, first = first, first + t.span
    return topics


def _create_plans(session, assignments, grades):
    """КТП rows of every subject and grade taught; {(subject id, grade): [topics]}."""
    hours = {}
    names = {}
    for a in assignments:
        key = a.subject_id, grades[a.classgroup_id]
        hours[key] = max(hours.get(key, 0), _hours(a))
        names[a.subject_id] = a.subject.name
    plans = {key: _plan(names[key[0]], key[1], h) for key, h in sorted(hours.items())}
    rows = [{"subject_id": s, "grade": g, "number": n, "title": t.title}
            for (s, g), topics in plans.items() for n, t in enumerate(topics, 1)]
    ids = session.scalars(insert(PlanTopic).returning(PlanTopic.id, sort_by_parameter_order=True), rows).all()
    flat = [t for topics in plans.values() for t in topics]
    for t, id_ in zip(flat, ids):
        t.id = id_
    return plans


def _next_to_check(topics, index):
    """Whether the lesson before or after is a checkpoint: no second written work next to it."""
    return any(_topic_at(topics, i).kind == "check" for i in (index - 1, index + 1) if i >= 0)


def _topic_at(topics, index):
    """The topic of the year's `index`-th lesson (0-based); the last one past the plan's end."""
    for t in topics:
        if index < t.first + t.span:
            return t
    return topics[-1]


# ------------------------------------------------------------------ lessons and homework


class _Lesson:
    def __init__(self, row, assignment, topic, profile, index, grade):
        self.row, self.assignment, self.topic, self.profile, self.index, self.grade = (
            row, assignment, topic, profile, index, grade)
        self.id = self.next_date = None
        self.date, self.number, self.written = row["date"], row["number"], None


def _create_lessons(session, classes, calendars, timetable, plans, today, rng):
    rows, done = [], Counter()
    offsets = {}  # (class, subject) → which lessons of every WRITTEN_EVERY are written works
    work_type_ids = {w.name: w.id for w in session.scalars(select(WorkType))}
    lessons = []
    days = sorted({d for cal in calendars.values() for d in cal.days})
    by_id = {c.id: c for c in classes}
    for day in days:
        for cls in classes:
            cal = calendars[cls.id]
            if day not in cal.day_set:
                continue
            for number, a in timetable[cls.id].get(day.weekday(), ()):
                profile = PROFILES.get(a.subject.name, DEFAULT_PROFILE)
                index = done[a.id]
                done[a.id] += 1
                plan = plans[a.subject_id, cls.grade]
                topic = _topic_at(plan, index)
                written = None
                if topic.kind == "check" and index == topic.first:
                    written = topic.work_type
                else:
                    offset = offsets.setdefault((cls.id, a.subject_id), rng.randrange(WRITTEN_EVERY))
                    if (index + offset) % WRITTEN_EVERY == 0 and not _next_to_check(plan, index):
                        written = profile.written[(index // WRITTEN_EVERY) % len(profile.written)]
                row = {
                    "assignment_id": a.id, "classgroup_id": a.classgroup_id, "subgroup_id": a.subgroup_id,
                    "subject_id": a.subject_id, "teacher_id": a.teacher_id, "substitute_id": None,
                    "date": day, "number": number, "topic": topic.title, "plan_topic_id": topic.id,
                    "work_type_id": work_type_ids.get(written),
                    "created_at": datetime.combine(min(day, today), time(7, 30)),
                }
                lesson = _Lesson(row, a, topic, profile, index, by_id[a.classgroup_id].grade)
                lesson.written = written if row["work_type_id"] else None
                rows.append(row)
                lessons.append(lesson)
    if not rows:
        return []
    ids = session.scalars(insert(Lesson).returning(Lesson.id, sort_by_parameter_order=True), rows).all()
    dates = defaultdict(set)
    for lesson, id_ in zip(lessons, ids):
        lesson.id = id_
        dates[lesson.assignment.id].add(lesson.date)
    dates = {a: sorted(days) for a, days in dates.items()}
    for lesson in lessons:  # homework is due at the assignment's next lesson on a later day
        series = dates[lesson.assignment.id]
        later = bisect_right(series, lesson.date)
        lesson.next_date = series[later] if later < len(series) else None
    return lessons


def _create_homework(session, lessons, today, rng):
    rows = []
    for lesson in lessons:
        if lesson.date >= today or rng.random() >= lesson.profile.homework_share:
            continue
        rows.append({"lesson_id": lesson.id, "text": _homework(lesson, rng), "due_on": lesson.next_date,
                     "updated_at": datetime.combine(lesson.date, LESSON_STARTS[lesson.number - 1])
                     + timedelta(minutes=40), "updated_by_id": None})
    if rows:
        session.execute(insert(Homework), rows)


def _homework(lesson, rng):
    patterns = lesson.profile.homework
    title = lesson.topic.about
    if not title or _grammar(title):  # no «Выучить слова по теме «Past Simple»»
        patterns = [p for p in patterns if "«{t}»" not in p] or patterns
    p = lesson.topic.paragraph
    n = lesson.profile.pace * lesson.index + rng.randint(1, max(2, lesson.profile.pace))
    s = 4 + 5 * p + rng.randint(0, 3)
    k = rng.randint(1, 6)
    return rng.choice(patterns).format(p=p, n=n, n1=n + 1, n2=n + rng.randint(2, 4), s=s, s2=s + rng.randint(4, 9),
                                       w=2 + 3 * p + rng.randint(0, 2), k=k, k1=k + 1, t=title)


GRAMMAR_WORDS = ("падеж", "глагол", "предложени", "местоимени", "сравнени", "наречи", "существительн",
                 "залог", "речь", "инфинитив", "оборот", "конструкци", "алфавит", "ОГЭ", "письмо")


def _grammar(title):
    """A topic of grammar or exam practice rather than of words to learn."""
    return any("a" <= ch.lower() <= "z" for ch in title) or any(w.lower() in title.lower() for w in GRAMMAR_WORDS)


# ------------------------------------------------------------------ students, absences, marks


class _School:
    """Who learns where on which day, and how well."""

    def __init__(self, session, classes, rng):
        ids = [c.id for c in classes]
        self.enrollments = defaultdict(list)
        for student_id, class_id, starts_on, ends_on in session.execute(
                select(Enrollment.student_id, Enrollment.classgroup_id, Enrollment.starts_on, Enrollment.ends_on)
                .where(Enrollment.classgroup_id.in_(ids)).order_by(Enrollment.student_id, Enrollment.id)):
            self.enrollments[class_id].append((student_id, starts_on, ends_on))
        self.groups = defaultdict(set)
        for group_id, student_id in session.execute(
                select(subgroup_student.c.subgroup_id, subgroup_student.c.student_id)
                .join(Subgroup, Subgroup.id == subgroup_student.c.subgroup_id)
                .where(Subgroup.classgroup_id.in_(ids))):
            self.groups[group_id].add(student_id)
        self.students = sorted({s for rows in self.enrollments.values() for s, _, _ in rows})
        # Each student's mean mark, and how they do in each subject around it.
        self.ability = {s: 3.2 + 1.6 * rng.betavariate(2.2, 2.0) for s in self.students}
        self.talent = {}
        self._rosters = {}
        self.rng = rng

    def roster(self, lesson):
        """The students of the lesson: enrolled in the class that day, and in its group."""
        key = lesson.row["classgroup_id"], lesson.date
        if key not in self._rosters:
            self._rosters[key] = [s for s, starts_on, ends_on in self.enrollments[key[0]]
                                  if starts_on <= lesson.date and (ends_on is None or ends_on >= lesson.date)]
        group = lesson.row["subgroup_id"]
        return [s for s in self._rosters[key] if group is None or s in self.groups[group]]

    def mark(self, student, subject_id, written):
        key = student, subject_id
        if key not in self.talent:
            self.talent[key] = self.rng.gauss(0, 0.3)
        mean = self.ability[student] + self.talent[key] - (0.15 if written else 0)
        return str(min(5, max(2, round(self.rng.gauss(mean, 0.8 if written else 0.65)))))


def _absence_reason(rng, days):
    if days > 1:
        return "Б" if rng.random() < 0.85 else "У"
    return rng.choices(("Б", "У", "Н"), weights=(35, 45, 20))[0]


def _at(lesson, minutes):
    return datetime.combine(lesson.date, LESSON_STARTS[lesson.number - 1]) + timedelta(minutes=minutes)


def _create_absences(session, lessons, school, today, rng):
    """Whole days missed (mostly ill, some excused, a few not) and a few late arrivals.
    Returns the count and {(lesson id, student id)} of those absent."""
    past = [lesson for lesson in lessons if lesson.date < today]
    days = sorted({lesson.date for lesson in past})
    missed = {}
    for student in school.students:
        left = 0
        for day in days:
            if not left and rng.random() < ABSENCE_START:
                left = rng.choice(ABSENCE_LENGTHS)
                reason = _absence_reason(rng, left)
            if left:
                left -= 1
                # The class teacher has not yet learnt why for the last day.
                missed[student, day] = None if day == days[-1] and rng.random() < 0.5 else reason
    rows, absent = [], set()
    for lesson in past:
        for student in school.roster(lesson):
            if (student, lesson.date) in missed:
                reason = missed[student, lesson.date]
                absent.add((lesson.id, student))
            elif rng.random() < LATE_SHARE:
                reason = "О"
            else:
                continue
            at = _at(lesson, rng.randint(2, 10))
            rows.append({"lesson_id": lesson.id, "student_id": student, "reason": reason, "created_by_id": None,
                         "created_at": at, "updated_at": at, "version": 1, "retracted_at": None})
    _insert_with_audit(session, Absence, rows, "absence", lambda row: row["reason"] or "н")
    return len(rows), absent


def _create_marks(session, lessons, school, absent, work_types, today, rng):
    oral, checked = work_types[ORAL], work_types[HOMEWORK_CHECK]
    given = Counter()  # (assignment, student) → marks so far: the teacher asks those not asked yet
    rows = []
    for lesson in lessons:
        if lesson.date >= today:
            continue
        present = [s for s in school.roster(lesson) if (lesson.id, s) not in absent]
        subject = lesson.row["subject_id"]
        if lesson.written:
            if (today - lesson.date).days <= UNCHECKED_DAYS:
                continue  # the teacher is still checking the works
            work_type = work_types[lesson.written]
            for student in present:
                if rng.random() < 0.96:
                    at = datetime.combine(lesson.date + timedelta(days=rng.randint(1, UNCHECKED_DAYS)),
                                          time(rng.randint(15, 20), rng.randint(0, 59)))
                    rows.append(_mark_row(lesson, student, work_type, school.mark(student, subject, True), "", at))
            continue
        asked = sorted(present, key=lambda s: given[lesson.assignment.id, s] + 1.5 * rng.random())
        for student in asked[:rng.randint(3, 6)]:
            given[lesson.assignment.id, student] += 1
            work_type = checked if rng.random() < 0.2 else oral
            value = school.mark(student, subject, False)
            comment = ""
            if work_type is checked and value == "2" and rng.random() < 0.6:
                comment = POOR_COMMENTS[0]
            elif rng.random() < 0.04:
                comment = rng.choice(GOOD_COMMENTS if value in ("4", "5") else POOR_COMMENTS)
            rows.append(_mark_row(lesson, student, work_type, value, comment, _at(lesson, rng.randint(5, 40))))
    short = {w.id: w.short_name for w in work_types.values()}
    _insert_with_audit(session, Mark, rows, "mark", lambda row: f"{row['value']} ({short[row['work_type_id']]})")
    return rows


def _create_final_marks(session, lessons, marks, school, calendars, work_types, rng):
    """The period marks of every period already over, as its teachers gave them in its last week:
    the weighted average rounded half up, «н/а» for a student with no mark in the subject."""
    weights = {w.id: w.weight for w in work_types.values()}
    lesson_of = {lesson.id: lesson for lesson in lessons}
    given = defaultdict(list)  # (assignment, period, student) → [(value, weight)]
    roster = defaultdict(set)  # (assignment, period) → students taught in it
    ended = {cls_id: cal.ended for cls_id, cal in calendars.items()}
    for lesson in lessons:
        for period in ended[lesson.row["classgroup_id"]]:
            if period.starts_on <= lesson.date <= period.ends_on:
                roster[lesson.assignment, period].update(school.roster(lesson))
    for row in marks:
        lesson = lesson_of[row["lesson_id"]]
        for period in ended[lesson.row["classgroup_id"]]:
            if period.starts_on <= lesson.date <= period.ends_on:
                given[lesson.assignment.id, period.id, row["student_id"]].append(
                    (row["value"], weights[row["work_type_id"]]))
    rows = []
    for (assignment, period), students in sorted(roster.items(), key=lambda item: (item[0][0].id, item[0][1].id)):
        at = datetime.combine(period.ends_on - timedelta(days=rng.randint(1, 4)), time(rng.randint(15, 19), 0))
        for student in sorted(students):
            average = weighted_average(given[assignment.id, period.id, student])
            value = str(int(average.quantize(Decimal(1), rounding=ROUND_HALF_UP))) if average is not None else "н/а"
            rows.append({"student_id": student, "subject_id": assignment.subject_id,
                         "school_year_id": period.school_year_id, "kind": "period", "period_id": period.id,
                         "value": value, "comment": "", "created_by_id": None, "created_at": at, "updated_at": at,
                         "version": 1, "retracted_at": None})
    if rows:
        ids = session.scalars(insert(FinalMark).returning(FinalMark.id, sort_by_parameter_order=True), rows).all()
        session.execute(insert(JournalChange), [
            {"at": row["created_at"], "user_id": None, "record": "final_mark", "record_id": id_,
             "student_id": row["student_id"], "lesson_id": None, "field": "value", "old_value": "",
             "new_value": row["value"], "reason": "", "path": "demo", "correction_id": None}
            for row, id_ in zip(rows, ids)])
    return len(rows)


def _mark_row(lesson, student, work_type, value, comment, at):
    return {"lesson_id": lesson.id, "student_id": student, "work_type_id": work_type.id, "value": value,
            "comment": comment, "created_by_id": None, "created_at": at, "updated_at": at, "version": 1,
            "retracted_at": None}


def _insert_with_audit(session, model, rows, record, new_value):
    """Insert the records and one audit row each, as if entered through the journal."""
    if not rows:
        return
    ids = session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows).all()
    session.execute(insert(JournalChange), [
        {"at": row["created_at"], "user_id": None, "record": record, "record_id": id_,
         "student_id": row["student_id"], "lesson_id": row["lesson_id"], "field": "value", "old_value": "",
         "new_value": new_value(row), "reason": "", "path": "demo", "correction_id": None}
        for row, id_ in zip(rows, ids)])


# ------------------------------------------------------------------ the topics of the КТП

# The schemes of work (КТП): per subject and grade, sections («# …») and their topics in
# the order of the year. A section of three topics or more ends with its checkpoint
# (a «Контрольная работа по теме …» in the academic subjects, see PROFILES).
TOPICS = {
    "Русский язык": {
        5: """
# Повторение изученного в начальной школе
Звуки и буквы. Алфавит
Правописание проверяемых безударных гласных в корне слова
Правописание непроизносимых согласных в корне слова
Разделительные ъ и ь
Текст и его признаки. Тема и основная мысль текста
# Синтаксис и пунктуация
Словосочетание. Главное и зависимое слово
Простое предложение. Грамматическая основа предложения
Предложения с однородными членами
Знаки препинания при однородных членах
Обращение. Знаки препинания при обращении
Сложное предложение
Прямая речь. Диалог
# Фонетика. Орфоэпия. Графика
Гласные и согласные звуки
Слог и ударение
Орфоэпия. Произношение ударных и безударных гласных
# Лексикология
Лексическое значение слова
Однозначные и многозначные слова
Синонимы. Антонимы. Омонимы
# Морфемика. Орфография
Морфема — наименьшая значимая часть слова
Чередование гласных в корнях -лаг- — -лож-, -раст- — -ращ- — -рос-
Правописание приставок на з (с)
Буквы о — ё после шипящих в корне слова
# Морфология
Имя существительное как часть речи
Склонение имён существительных
Имя прилагательное как часть речи
Глагол. Спряжение глаголов
Правописание -тся и -ться в глаголах
""",
        6: """
# Повторение изученного в 5 классе
Части речи. Орфограммы в корне слова
Синтаксис и пунктуация. Сложное предложение
# Лексика и фразеология
Исконно русские и заимствованные слова
Общеупотребительные слова и слова ограниченного употребления
Фразеологизмы. Источники фразеологизмов
# Словообразование и орфография
Основные способы образования слов
Правописание корней -кас- — -кос-, -гар- — -гор-, -зар- — -зор-
Буквы ы и и после приставок
Гласные в приставках пре- и при-
Соединительные гласные о и е в сложных словах
# Имя существительное
Разносклоняемые имена существительные
Несклоняемые имена существительные
Род несклоняемых имён существительных
# Имя прилагательное
Степени сравнения имён прилагательных
Разряды имён прилагательных по значению
Буквы н и нн в суффиксах прилагательных
# Имя числительное
Простые, сложные и составные числительные
Склонение количественных числительных
Порядковые числительные
# Местоимение
Разряды местоимений. Личные местоимения
Возвратное местоимение себя
Неопределённые и отрицательные местоимения
# Глагол
Переходные и непереходные глаголы
Наклонение глагола
Безличные глаголы
""",
        7: """
# Повторение изученного в 5–6 классах
Морфология и орфография
Текст. Типы речи
# Причастие
Причастие как особая форма глагола
Причастный оборот. Выделение причастного оборота запятыми
Действительные и страдательные причастия
Буквы н и нн в суффиксах причастий
Слитное и раздельное написание не с причастиями
# Деепричастие
Деепричастие как особая форма глагола
Деепричастный оборот. Запятые при деепричастном обороте
Раздельное написание не с деепричастиями
# Наречие
Наречие как часть речи. Разряды наречий
Степени сравнения наречий
Слитное и раздельное написание не с наречиями на -о и -е
Буквы о и а на конце наречий
Дефис между частями слова в наречиях
# Служебные части речи
Предлог. Производные и непроизводные предлоги
Слитное и раздельное написание производных предлогов
Союз. Сочинительные и подчинительные союзы
Слитное написание союзов также, тоже, чтобы
Частица. Разряды частиц
Отрицательные частицы не и ни
Междометие. Дефис в междометиях
""",
        8: """
# Синтаксис. Словосочетание
Основные единицы синтаксиса
Виды связи в словосочетании
# Простое предложение
Грамматическая основа предложения. Порядок слов
Подлежащее. Сказуемое
Тире между подлежащим и сказуемым
Второстепенные члены предложения. Дополнение
Определение. Приложение
Обстоятельство
# Односоставные предложения
Определённо-личные предложения
Неопределённо-личные предложения
Безличные предложения
Назывные предложения
Неполные предложения
# Простое осложнённое предложение
Однородные члены предложения
Обобщающие слова при однородных членах
Обособленные определения
Обособленные обстоятельства
Уточняющие члены предложения
Обращение. Вводные слова и предложения
# Чужая речь
Прямая и косвенная речь
Цитата. Знаки препинания при цитировании
""",
        9: """
# Повторение изученного в 5–8 классах
Синтаксис простого предложения
Пунктуация простого осложнённого предложения
# Сложносочинённое предложение
Понятие о сложном предложении
Сложносочинённое предложение. Смысловые отношения
Знаки препинания в сложносочинённом предложении
# Сложноподчинённое предложение
Строение сложноподчинённого предложения
Сложноподчинённые предложения с придаточными определительными
Сложноподчинённые предложения с придаточными изъяснительными
Сложноподчинённые предложения с придаточными обстоятельственными
Сложноподчинённые предложения с несколькими придаточными
# Бессоюзное сложное предложение
Бессоюзное сложное предложение. Смысловые отношения
Запятая и точка с запятой в бессоюзном сложном предложении
Двоеточие в бессоюзном сложном предложении
Тире в бессоюзном сложном предложении
# Сложные предложения с разными видами связи
Сложные предложения с различными видами союзной и бессоюзной связи
Пунктуационный анализ сложного предложения
# Подготовка к ОГЭ
Сжатое изложение
Сочинение-рассуждение на лингвистическую тему
Функциональные разновидности языка
""",
    },
    "Литература": {
        5: """
# Мифология и фольклор
Мифы Древней Греции. Подвиги Геракла
Малые жанры фольклора: пословицы, поговорки, загадки
Русская народная сказка «Царевна-лягушка»
Русская народная сказка «Иван — крестьянский сын и чудо-юдо»
# Литература XIX века
И. А. Крылов. Басни «Волк на псарне», «Свинья под дубом»
А. С. Пушкин. «Сказка о мёртвой царевне и о семи богатырях»
А. С. Пушкин. Стихотворение «Зимнее утро»
М. Ю. Лермонтов. Стихотворение «Бородино»
Н. В. Гоголь. Повесть «Ночь перед Рождеством»
Н. А. Некрасов. Стихотворение «Крестьянские дети»
И. С. Тургенев. Рассказ «Муму»
Л. Н. Толстой. Рассказ «Кавказский пленник»
А. П. Чехов. Рассказ «Хирургия»
# Литература XX века
Стихотворения русских поэтов о природе
И. А. Бунин. Рассказ «Косцы»
В. Г. Короленко. Повесть «В дурном обществе»
К. Г. Паустовский. Сказка «Тёплый хлеб»
В. П. Астафьев. Рассказ «Васюткино озеро»
Произведения о Великой Отечественной войне
# Зарубежная литература
Х. К. Андерсен. Сказка «Снежная королева»
Марк Твен. «Приключения Тома Сойера» (главы)
""",
        6: """
# Фольклор и древнерусская литература
Былины. «Илья Муромец и Соловей-разбойник»
«Повесть временных лет». «Сказание о белгородском киселе»
# Литература XIX века
А. С. Пушкин. Роман «Дубровский»
Образ Владимира Дубровского
М. Ю. Лермонтов. Стихотворения «Три пальмы», «Утёс»
И. С. Тургенев. Рассказ «Бежин луг»
Ф. И. Тютчев и А. А. Фет. Стихотворения о природе
Н. А. Некрасов. Стихотворение «Железная дорога»
Н. С. Лесков. Сказ «Левша»
А. П. Чехов. Рассказ «Толстый и тонкий»
# Литература XX века
А. И. Куприн. Рассказ «Чудесный доктор»
А. С. Грин. Повесть «Алые паруса»
А. П. Платонов. Рассказ «Неизвестный цветок»
В. Г. Распутин. Рассказ «Уроки французского»
В. М. Шукшин. Рассказ «Срезал»
Ф. А. Искандер. Рассказ «Тринадцатый подвиг Геракла»
# Зарубежная литература
Гомер. Поэма «Одиссея» (фрагменты)
М. де Сервантес. Роман «Дон Кихот» (главы)
""",
        7: """
# Древнерусская литература и XVIII век
«Поучение» Владимира Мономаха
«Повесть о Петре и Февронии Муромских»
М. В. Ломоносов. «Ода на день восшествия на престол…» (отрывок)
# Литература первой половины XIX века
А. С. Пушкин. «Песнь о вещем Олеге»
А. С. Пушкин. Повесть «Станционный смотритель»
М. Ю. Лермонтов. «Песня про царя Ивана Васильевича, молодого опричника и удалого купца Калашникова»
Н. В. Гоголь. Повесть «Тарас Бульба»
Образы Остапа и Андрия
# Литература второй половины XIX века
И. С. Тургенев. Рассказ «Бирюк»
Н. А. Некрасов. Стихотворение «Размышления у парадного подъезда»
М. Е. Салтыков-Щедрин. «Повесть о том, как один мужик двух генералов прокормил»
Л. Н. Толстой. Повесть «Детство» (главы)
А. П. Чехов. Рассказ «Хамелеон»
# Литература XX века
М. Горький. Повесть «Детство» (главы)
В. В. Маяковский. «Необычайное приключение, бывшее с Владимиром Маяковским летом на даче»
А. П. Платонов. Рассказ «Юшка»
Е. И. Носов. Рассказ «Кукла»
# Зарубежная литература
О. Генри. Рассказ «Дары волхвов»
Р. Брэдбери. Рассказ «Каникулы»
""",
        8: """
# Древнерусская литература и XVIII век
«Житие Сергия Радонежского»
Д. И. Фонвизин. Комедия «Недоросль»
# Литература первой половины XIX века
А. С. Пушкин. Роман «Капитанская дочка»
Историческая основа романа «Капитанская дочка»
Образ Пугачёва в романе
М. Ю. Лермонтов. Поэма «Мцыри»
Н. В. Гоголь. Комедия «Ревизор»
Н. В. Гоголь. Повесть «Шинель»
# Литература второй половины XIX века
И. С. Тургенев. Повесть «Ася»
Л. Н. Толстой. Рассказ «После бала»
А. П. Чехов. Рассказ «О любви»
# Литература XX века
М. А. Булгаков. Повесть «Собачье сердце»
А. Т. Твардовский. Поэма «Василий Тёркин»
М. А. Шолохов. Рассказ «Судьба человека»
А. И. Солженицын. Рассказ «Матрёнин двор»
# Зарубежная литература
У. Шекспир. Трагедия «Ромео и Джульетта»
Ж.-Б. Мольер. Комедия «Мещанин во дворянстве»
""",
        9: """
# Древнерусская литература
«Слово о полку Игореве»
# Литература XVIII века
М. В. Ломоносов. Ода «Вечернее размышление о Божием величестве»
Г. Р. Державин. Стихотворения «Властителям и судиям», «Памятник»
Н. М. Карамзин. Повесть «Бедная Лиза»
# Литература первой половины XIX века
В. А. Жуковский. Баллада «Светлана»
А. С. Грибоедов. Комедия «Горе от ума»
Образ Чацкого. Фамусовское общество
А. С. Пушкин. Лирика
А. С. Пушкин. Роман в стихах «Евгений Онегин»
Образ Онегина. Татьяна Ларина — «милый идеал» автора
М. Ю. Лермонтов. Лирика
М. Ю. Лермонтов. Роман «Герой нашего времени»
Печорин в системе образов романа
Н. В. Гоголь. Поэма «Мёртвые души»
Образы помещиков в поэме. Образ Чичикова
# Зарубежная литература
Данте Алигьери. «Божественная комедия» (фрагменты)
У. Шекспир. Трагедия «Гамлет» (фрагменты)
""",
    },
    "Иностранный язык (английский)": {
        5: """
# Вводный модуль
Знакомство. Приветствие
Английский алфавит. Правила чтения
# Школа
Школьные предметы
Личные местоимения. Глагол to be
# Я и мои друзья
Мои друзья. Внешность
Притяжательный падеж существительных
Модальный глагол can
# Мой дом
Мой дом. Комнаты и мебель
Оборот there is / there are
# Моя семья
Моя семья. Члены семьи
Present Simple: утвердительные предложения
Present Simple: вопросы и отрицания
# Мой день
Распорядок дня. Который час?
Наречия частотности
Present Continuous
# Еда и покупки
Еда и напитки
Исчисляемые и неисчисляемые существительные
Покупки. Одежда
# Праздники и каникулы
Погода и времена года
Праздники: Christmas и Новый год
Страны изучаемого языка. Великобритания
""",
        6: """
# Я и мое окружение
Внешность и характер
Степени сравнения прилагательных
# Свободное время
Хобби и увлечения
Past Simple: правильные глаголы
Past Simple: неправильные глаголы
# Здоровый образ жизни
Здоровье. У врача
Модальные глаголы must / mustn't
# Покупки
Магазины и покупки
Местоимения some, any, no
# Мой город
Город и транспорт
Предлоги места и направления
Оборот be going to
Future Simple
# Досуг и праздники
Кино и театр
Спорт в нашей жизни
Праздники народов мира
Лондон. Достопримечательности
""",
        7: """
# Образ жизни
Город и деревня
Present Perfect
Present Perfect и Past Simple
# Время рассказов
Литературные герои
Past Continuous
# Люди и характеры
Внешность и характер
Относительные местоимения who, which, that
# Средства массовой информации
Телевидение и пресса
Безопасность в интернете
Модальные глаголы should / could
# Окружающая среда
Экология. Защита природы
Условные предложения нулевого и первого типа
Разделительные вопросы
# Досуг
Популярные виды спорта
Страны изучаемого языка. США
Косвенная речь
""",
        8: """
# Общение
Межличностные отношения
Present Perfect Continuous
Past Perfect
# Продукты и покупки
Продукты и покупки
Способы выражения будущего времени
# Великие умы
Изобретения и открытия
Конструкция used to
# Будь собой
Внешность. Мода
Страдательный залог: Present Simple и Past Simple
# Глобальные проблемы
Глобальные проблемы человечества
Условные предложения второго типа
# Культурные обмены
Путешествия и культурные обмены
Косвенная речь: утверждения
Косвенная речь: вопросы
# Образование
Школьное образование в России и за рубежом
Модальные глаголы must, have to, need
Знаменитые люди
Письмо другу
""",
        9: """
# Праздники
Праздники и традиции
Модальные глаголы для выражения предположения
# Образ жизни и среда обитания
Образ жизни и среда обитания
Инфинитив и -ing форма глагола
# Очевидное и невероятное
Страхи и фобии
Страдательный залог: все времена
# Технологии
Технологии будущего
Условные предложения третьего типа
# Литература и искусство
Искусство и литература
Косвенная речь: просьбы и приказания
# Город и горожане
Город и горожане
Сложное дополнение
# Выбор профессии
Выбор профессии
Путешествия
# Подготовка к ОГЭ
Подготовка к ОГЭ: аудирование
Подготовка к ОГЭ: письмо
Подготовка к ОГЭ: устная часть
""",
    },
    "Математика": {
        5: """
# Натуральные числа и шкалы
Обозначение натуральных чисел
Отрезок. Длина отрезка. Треугольник
Плоскость. Прямая. Луч
Шкалы и координаты
Меньше или больше
# Сложение и вычитание натуральных чисел
Сложение натуральных чисел и его свойства
Вычитание натуральных чисел
Числовые и буквенные выражения
Уравнение
# Умножение и деление натуральных чисел
Умножение натуральных чисел и его свойства
Деление натуральных чисел
Деление с остатком
Упрощение выражений
Порядок выполнения действий
Степень числа. Квадрат и куб числа
# Площади и объёмы
Формулы. Площадь прямоугольника
Прямоугольный параллелепипед. Объём
# Обыкновенные дроби
Окружность и круг
Доли. Обыкновенные дроби
Сравнение дробей. Правильные и неправильные дроби
Сложение и вычитание дробей с одинаковыми знаменателями
Смешанные числа
# Десятичные дроби
Десятичная запись дробных чисел
Сложение и вычитание десятичных дробей
Умножение и деление десятичных дробей
Среднее арифметическое
Проценты
""",
        6: """
# Делимость чисел
Делители и кратные
Признаки делимости на 10, на 5 и на 2
Признаки делимости на 9 и на 3
Простые и составные числа
Наибольший общий делитель
Наименьшее общее кратное
# Сложение и вычитание дробей с разными знаменателями
Основное свойство дроби. Сокращение дробей
Приведение дробей к общему знаменателю
Сложение и вычитание дробей с разными знаменателями
# Умножение и деление обыкновенных дробей
Умножение дробей
Нахождение дроби от числа
Деление дробей
Нахождение числа по его дроби
# Отношения и пропорции
Отношения. Пропорции
Прямая и обратная пропорциональность
Масштаб
Длина окружности и площадь круга
# Положительные и отрицательные числа
Координаты на прямой
Модуль числа
Сложение и вычитание положительных и отрицательных чисел
Умножение и деление положительных и отрицательных чисел
Рациональные числа
# Решение уравнений
Раскрытие скобок. Подобные слагаемые
Решение уравнений
Координатная плоскость
""",
    },
    "Алгебра": {
        7: """
# Выражения. Тождества. Уравнения
Числовые выражения и выражения с переменными
Тождества. Тождественные преобразования выражений
Линейное уравнение с одной переменной
Решение задач с помощью уравнений
# Функции
Функция. Вычисление значений функции по формуле
График функции
Линейная функция и её график
Прямая пропорциональность
# Степень с натуральным показателем
Определение степени с натуральным показателем
Свойства степени
Одночлен. Стандартный вид одночлена
# Многочлены
Многочлен и его стандартный вид
Сложение и вычитание многочленов
Умножение одночлена на многочлен
Вынесение общего множителя за скобки
Умножение многочлена на многочлен
Разложение многочлена на множители способом группировки
# Формулы сокращённого умножения
Квадрат суммы и квадрат разности
Разность квадратов
Сумма и разность кубов
# Системы линейных уравнений
Системы линейных уравнений с двумя переменными
Решение систем способом подстановки
Решение систем способом сложения
Решение задач с помощью систем уравнений
""",
        8: """
# Рациональные дроби
Рациональные выражения. Основное свойство дроби
Сложение и вычитание рациональных дробей
Умножение и деление рациональных дробей
Функция y = k/x и её график
# Квадратные корни
Рациональные и иррациональные числа
Арифметический квадратный корень
Уравнение x² = a
Свойства арифметического квадратного корня
Применение свойств арифметического квадратного корня
Функция y = √x и её график
# Квадратные уравнения
Определение квадратного уравнения. Неполные квадратные уравнения
Формула корней квадратного уравнения
Теорема Виета
Решение дробных рациональных уравнений
Решение задач с помощью рациональных уравнений
# Неравенства
Числовые неравенства и их свойства
Линейные неравенства с одной переменной
Системы неравенств с одной переменной
# Степень с целым показателем
Определение степени с целым отрицательным показателем
Стандартный вид числа
""",
        9: """
# Квадратичная функция
Функция. Область определения и область значений
Свойства функций
Квадратный трёхчлен и его корни
Разложение квадратного трёхчлена на множители
Функция y = ax² + bx + c и её график
Степенная функция. Корень n-й степени
# Уравнения и неравенства с одной переменной
Целое уравнение и его корни
Дробные рациональные уравнения
Решение неравенств второй степени
Решение неравенств методом интервалов
# Уравнения и неравенства с двумя переменными
Уравнение с двумя переменными и его график
Графический способ решения систем уравнений
Решение систем уравнений второй степени
Неравенства с двумя переменными
# Прогрессии
Арифметическая прогрессия. Формула n-го члена
Сумма n первых членов арифметической прогрессии
Геометрическая прогрессия. Формула n-го члена
Сумма n первых членов геометрической прогрессии
""",
    },
    "Геометрия": {
        7: """
# Начальные геометрические сведения
Прямая и отрезок. Луч и угол
Сравнение отрезков и углов
Измерение отрезков и углов
Смежные и вертикальные углы
Перпендикулярные прямые
# Треугольники
Первый признак равенства треугольников
Медианы, биссектрисы и высоты треугольника
Свойства равнобедренного треугольника
Второй и третий признаки равенства треугольников
Окружность. Задачи на построение
# Параллельные прямые
Признаки параллельности двух прямых
Аксиома параллельных прямых
Свойства параллельных прямых
# Соотношения между сторонами и углами треугольника
Сумма углов треугольника
Соотношения между сторонами и углами треугольника
Прямоугольные треугольники
Построение треугольника по трём элементам
""",
        8: """
# Четырёхугольники
Многоугольники
Параллелограмм и его свойства
Признаки параллелограмма
Трапеция
Прямоугольник, ромб, квадрат
Осевая и центральная симметрия
# Площадь
Площадь многоугольника
Площадь параллелограмма
Площадь треугольника
Площадь трапеции
Теорема Пифагора
# Подобные треугольники
Определение подобных треугольников
Признаки подобия треугольников
Средняя линия треугольника
Соотношения между сторонами и углами прямоугольного треугольника
# Окружность
Касательная к окружности
Центральные и вписанные углы
Вписанная и описанная окружности
""",
        9: """
# Векторы
Понятие вектора
Сложение и вычитание векторов
Умножение вектора на число
# Метод координат
Координаты вектора
Простейшие задачи в координатах
Уравнения окружности и прямой
# Соотношения между сторонами и углами треугольника
Синус, косинус и тангенс угла от 0° до 180°
Теорема синусов
Теорема косинусов
Решение треугольников
Скалярное произведение векторов
# Длина окружности и площадь круга
Правильные многоугольники
Длина окружности
Площадь круга и кругового сектора
# Движения
Отображение плоскости на себя. Осевая и центральная симметрия
Параллельный перенос и поворот
Начальные сведения из стереометрии
""",
    },
    "Вероятность и статистика": {
        7: """
# Представление данных
Таблицы. Чтение и построение таблиц
Столбиковые и круговые диаграммы
# Описательная статистика
Среднее арифметическое числового набора
Медиана числового набора
Наибольшее и наименьшее значения. Размах
# Случайная изменчивость
Случайная изменчивость. Частота значений
Группировка данных. Гистограммы
# Графы
Вершины и рёбра графа. Степень вершины
Пути в графе. Связность
# Вероятность
Случайные опыты и случайные события
Вероятность случайного события
Монета и игральная кость в теории вероятностей
""",
        8: """
# Описательная статистика
Дисперсия числового набора
Стандартное отклонение
Диаграммы рассеивания
# Множества
Множества. Операции над множествами
Диаграммы Эйлера
# Графы
Деревья. Свойства дерева
Правило умножения
# Случайные события
Элементарные события. Равновозможные события
Противоположное событие
Объединение и пересечение событий
Несовместные события. Правило сложения вероятностей
Условная вероятность. Правило умножения
Независимые события
""",
        9: """
# Элементы комбинаторики
Комбинаторное правило умножения
Перестановки. Факториал
Сочетания. Число сочетаний
Треугольник Паскаля
# Геометрическая вероятность
Выбор точки из фигуры на плоскости
Выбор точки из отрезка и дуги окружности
# Испытания Бернулли
Испытания до первого успеха
Испытания Бернулли. Успех и неудача
Число успехов в испытаниях Бернулли
# Случайная величина
Случайная величина и её распределение
Математическое ожидание случайной величины
Закон больших чисел
""",
    },
    "Информатика": {
        7: """
# Информация и информационные процессы
Информация и информационные процессы
Двоичный код. Единицы измерения информации
# Компьютер
Компьютер — универсальное устройство обработки данных
Программное обеспечение компьютера
Файлы и файловая система
# Компьютерные сети
Компьютерные сети. Интернет
Правила безопасного поведения в интернете
# Обработка информации
Текстовый редактор. Форматирование текста
Растровая и векторная графика
Мультимедийные презентации
""",
        8: """
# Системы счисления
Двоичная система счисления
Восьмеричная и шестнадцатеричная системы счисления
Арифметические операции в двоичной системе
# Элементы алгебры логики
Высказывания. Логические операции
Таблицы истинности
# Алгоритмы и программирование
Алгоритмы и исполнители
Линейные алгоритмы
Язык программирования Python. Переменные и типы данных
Ветвления. Условный оператор
Циклы с условием
Циклы с параметром
""",
        9: """
# Моделирование
Моделирование как метод познания
Графы и таблицы как информационные модели
# Электронные таблицы
Электронные таблицы. Формулы
Относительные и абсолютные ссылки
Встроенные функции электронных таблиц
Построение диаграмм
# Алгоритмы
Вспомогательные алгоритмы
Обработка одномерных массивов
Сортировка массива
# Информационные технологии в обществе
Роль информационных технологий в обществе
Информационная безопасность
""",
    },
    "История": {
        5: """
# Введение. Первобытность
Что изучает история. Историческая хронология
Древнейшие люди
Возникновение земледелия и скотоводства
# Древний Восток
Древний Египет. Природа и население
Религия и культура Древнего Египта
Древняя Месопотамия. Законы Хаммурапи
Финикия и Палестина
Ассирия и Персидская держава
Древняя Индия и Древний Китай
# Древняя Греция
Древнейшая Греция. Крит и Микены
Поэмы Гомера «Илиада» и «Одиссея»
Греческие полисы. Афины и Спарта
Греко-персидские войны
Культура Древней Греции
Македонские завоевания. Александр Македонский
# Древний Рим
Возникновение Рима. Римская республика
Пунические войны
Римская империя
Возникновение христианства
Падение Западной Римской империи
""",
        6: """
# Раннее Средневековье
Средние века: понятие и хронологические рамки
Королевство франков. Карл Великий
Византийская империя
Арабы в VI–XI веках
# Зрелое Средневековье
Феодальное общество Западной Европы
Крестовые походы
Средневековый город
Столетняя война
# Русь в IX — начале XII века
Народы и государства на территории нашей страны в древности
Восточные славяне и их соседи
Образование государства Русь. Первые князья
Крещение Руси. Князь Владимир
Русь при Ярославе Мудром
Культура Руси X — начала XII века
# Русские земли в XII–XV веках
Русские земли в период раздробленности
Монгольское нашествие на Русь
Борьба с агрессией с Запада. Александр Невский
Усиление Московского княжества
Дмитрий Донской. Куликовская битва
Образование единого Русского государства. Иван III
""",
        7: """
# Европа в начале Нового времени
Великие географические открытия
Возрождение. Гуманизм
Реформация в Европе
Абсолютизм в Европе
Английская революция XVII века
# Россия в XVI веке
Правление Василия III
Иван IV Грозный. Реформы Избранной рады
Опричнина
# Смутное время
Смутное время: причины и начало
Ополчение Минина и Пожарского
# Россия в XVII веке
Первые Романовы
Церковный раскол
Народные движения XVII века
Освоение Сибири и Дальнего Востока
Культура России XVI–XVII веков
""",
        8: """
# Европа и мир в XVIII веке
Эпоха Просвещения
Война за независимость в Северной Америке
Французская революция XVIII века
# Россия в эпоху преобразований Петра I
Россия в конце XVII века. Начало правления Петра I
Северная война
Реформы Петра I
# Россия после Петра I
Эпоха дворцовых переворотов
Россия при Елизавете Петровне
# Россия при Екатерине II и Павле I
Екатерина II. Просвещённый абсолютизм
Восстание под предводительством Е. И. Пугачёва
Внешняя политика России во второй половине XVIII века
Россия при Павле I
Культура России XVIII века
""",
        9: """
# Европа и мир в XIX веке
Промышленный переворот
Наполеоновские войны
# Россия в первой половине XIX века
Россия при Александре I
Отечественная война 1812 года
Движение декабристов
Николай I. Внутренняя политика
Крымская война
# Россия во второй половине XIX века
Отмена крепостного права
Великие реформы 1860–1870-х годов
Общественное движение при Александре II
Александр III. Внутренняя политика
Экономическое развитие России во второй половине XIX века
Культура России XIX века
# Россия в начале XX века
Россия на рубеже веков
Революция 1905–1907 годов
""",
    },
    "Обществознание": {
        6: """
# Человек и его деятельность
Человек — биосоциальное существо
Деятельность человека
Потребности человека
# Человек среди людей
Человек в малой группе
Общение
Семья и семейные отношения
Образование и его значение
# Общество
Общество — совместная жизнь людей
Общество и природа
Развитие общества
Россия — многонациональное государство
""",
        7: """
# Социальные нормы
Социальные нормы и их виды
Права и свободы человека и гражданина
Обязанности гражданина
# Правонарушения
Правонарушения и юридическая ответственность
Защита прав несовершеннолетних
# Экономика
Экономика и её основные участники
Производство. Труд
Деньги и их функции
Семейный бюджет
Предпринимательство
""",
        8: """
# Духовная культура
Духовная культура
Наука и образование
Религия
Мораль
# Экономика
Рынок и рыночный механизм
Конкуренция
Спрос и предложение
Роль государства в экономике. Налоги
# Социальная сфера
Социальная структура общества
Социальные статусы и роли
Межнациональные отношения
""",
        9: """
# Политика
Политика и власть
Государство. Формы государства
Политический режим. Демократия
Гражданское общество и правовое государство
# Конституция Российской Федерации
Основы конституционного строя
Федеративное устройство России
Президент Российской Федерации
Федеральное Собрание. Правительство
Судебная система
# Отрасли права
Гражданские правоотношения
Трудовые правоотношения
Семейные правоотношения
Административные правоотношения
Уголовное право
""",
    },
    "География": {
        5: """
# Развитие географических знаний
Что изучает география
Географические открытия древности и Средневековья
Великие географические открытия
# Изображение земной поверхности
План местности. Ориентирование
Географическая карта. Масштаб
Градусная сеть. Географические координаты
# Земля во Вселенной
Земля — планета Солнечной системы
Движения Земли
# Литосфера
Внутреннее строение Земли
Горные породы и минералы
Рельеф земной поверхности. Горы и равнины
""",
        6: """
# Гидросфера
Мировой океан и его части
Воды суши. Реки
Озёра и подземные воды
Ледники. Многолетняя мерзлота
# Атмосфера
Строение атмосферы
Температура воздуха
Атмосферное давление. Ветер
Облака и атмосферные осадки
Погода и климат
# Биосфера
Биосфера — оболочка жизни
Природные комплексы
""",
        7: """
# Главные закономерности природы Земли
Литосфера и рельеф Земли
Климаты Земли
Мировой океан
Природная зональность
Население Земли
# Южные материки
Африка. Географическое положение и природа
Население и страны Африки
Австралия
Антарктида
Южная Америка
# Северные материки
Северная Америка
Евразия. Природа
Страны Евразии
""",
        8: """
# Географическое пространство России
Географическое положение и границы России
Часовые пояса
История освоения территории России
# Природа России
Геологическое строение и рельеф
Минеральные ресурсы
Климат России. Климатообразующие факторы
Внутренние воды России
Почвы России
Растительный и животный мир
Природные зоны России
# Население России
Численность населения России
Народы и религии России
""",
        9: """
# Хозяйство России
Отраслевая структура хозяйства
Топливно-энергетический комплекс
Металлургический комплекс
Машиностроительный комплекс
Химико-лесной комплекс
Агропромышленный комплекс
Транспорт
# Регионы России
Европейский Север
Северо-Запад
Центральная Россия
Поволжье
Юг европейской части России
Урал
Сибирь
Дальний Восток
Россия в современном мире
""",
    },
    "Биология": {
        5: """
# Биология — наука о живой природе
Биология — наука о живой природе
Методы изучения живой природы
Увеличительные приборы. Микроскоп
Клетка — основа строения организмов
# Многообразие живой природы
Царства живой природы
Бактерии
Грибы
Растения
Животные
# Жизнь организмов на планете Земля
Среды жизни
Природные сообщества
Человек и природа
""",
        6: """
# Растительный организм
Клетки и ткани растений
Семя. Строение семени
Корень. Виды корней
Побег. Строение стебля
Лист. Внешнее и внутреннее строение
Цветок
Плоды и семена
# Жизнедеятельность растений
Минеральное питание растений
Фотосинтез
Дыхание растений
Транспорт веществ в растении
Размножение растений
""",
        7: """
# Систематика растений
Систематика растений
Водоросли
Мхи
Папоротники, хвощи, плауны
Голосеменные растения
Покрытосеменные растения
Класс Двудольные
Класс Однодольные
# Развитие растительного мира
Развитие растительного мира
Растения и человек
Грибы. Лишайники
Бактерии
""",
        8: """
# Беспозвоночные животные
Зоология — наука о животных
Одноклеточные животные
Кишечнополостные
Плоские и круглые черви
Кольчатые черви
Моллюски
Членистоногие. Ракообразные и паукообразные
Насекомые
# Хордовые животные
Хордовые. Рыбы
Земноводные
Пресмыкающиеся
Птицы
Млекопитающие
Эволюция животного мира
""",
        9: """
# Организм человека
Науки об организме человека
Клетки и ткани
# Регуляция функций организма
Нервная система
Эндокринная система
# Опора, движение, внутренняя среда
Опорно-двигательная система
Кровь и кровообращение
# Обмен веществ
Дыхательная система
Пищеварительная система
Обмен веществ и энергии
Выделительная система
Кожа
# Поведение и психика
Органы чувств. Анализаторы
Высшая нервная деятельность
Здоровый образ жизни
""",
    },
    "Физика": {
        7: """
# Физика и её роль в познании окружающего мира
Что изучает физика. Физические явления
Измерение физических величин
# Первоначальные сведения о строении вещества
Строение вещества. Молекулы
Диффузия
Взаимодействие молекул
Агрегатные состояния вещества
# Взаимодействие тел
Механическое движение
Скорость. Единицы скорости
Инерция. Масса тела
Плотность вещества
Сила. Сила тяжести
Сила упругости. Закон Гука
Вес тела
Сила трения
# Давление твёрдых тел, жидкостей и газов
Давление твёрдых тел
Давление газа. Закон Паскаля
Архимедова сила
# Работа и мощность
Механическая работа и мощность
Простые механизмы. Рычаг
""",
        8: """
# Тепловые явления
Тепловое движение. Температура
Внутренняя энергия
Виды теплопередачи
Количество теплоты. Удельная теплоёмкость
Энергия топлива
# Изменение агрегатных состояний вещества
Плавление и отвердевание
Испарение и конденсация
Кипение
Тепловые двигатели
# Электрические явления
Электризация тел
Электрическое поле
Электрический ток. Источники тока
Сила тока. Амперметр
Электрическое напряжение
Электрическое сопротивление
Закон Ома для участка цепи
Последовательное и параллельное соединение проводников
Работа и мощность электрического тока
# Электромагнитные и световые явления
Магнитное поле тока
Отражение света
""",
        9: """
# Законы движения и взаимодействия тел
Материальная точка. Система отсчёта
Перемещение
Прямолинейное равноускоренное движение
Ускорение
Законы Ньютона
Свободное падение тел
Закон всемирного тяготения
Движение тела по окружности
Импульс тела. Закон сохранения импульса
Реактивное движение
Закон сохранения механической энергии
# Механические колебания и волны
Механические колебания
Механические волны. Звук
# Электромагнитное поле
Электромагнитное поле
Электромагнитная индукция
Электромагнитные волны
# Строение атома и атомного ядра
Строение атома и атомного ядра
Радиоактивность
Ядерные реакции
""",
    },
    "Химия": {
        8: """
# Первоначальные химические понятия
Предмет химии. Вещества и их свойства
Чистые вещества и смеси
Атомы и молекулы. Химические элементы
Знаки химических элементов. Относительная атомная масса
Химические формулы. Валентность
Закон сохранения массы веществ
Химические уравнения
Типы химических реакций
# Важнейшие представители неорганических веществ
Кислород. Оксиды
Водород
Вода. Растворы
Количество вещества. Моль. Молярная масса
# Основные классы неорганических соединений
Кислоты
Основания
Соли
# Периодический закон и строение атома
Периодический закон Д. И. Менделеева
Строение атома
Химическая связь
""",
        9: """
# Химические реакции
Электролитическая диссоциация
Реакции ионного обмена
Окислительно-восстановительные реакции
Скорость химических реакций
# Неметаллы и их соединения
Галогены
Сера и её соединения
Азот и его соединения. Аммиак
Фосфор
Углерод и кремний
# Металлы и их соединения
Общие свойства металлов
Щелочные металлы
Кальций и магний
Алюминий
Железо
# Органические вещества
Первоначальные сведения об органических веществах
""",
    },
    "Изобразительное искусство": {
        5: """
# Древние корни народного искусства
Древние образы в народном искусстве
Убранство русской избы
Народный праздничный костюм
# Народные художественные промыслы
Гжель
Городецкая роспись
Хохлома
Жостово. Роспись по металлу
Дымковская игрушка
# Декор — человек, общество, время
Зачем людям украшения
Современное декоративное искусство
""",
        6: """
# Виды изобразительного искусства
Виды изобразительного искусства
Рисунок — основа изобразительного творчества
Линия и её выразительные возможности
Цвет. Основы цветоведения
# Натюрморт
Натюрморт. Изображение предметного мира
Геометрические тела. Понятие формы
Освещение. Свет и тень
# Пейзаж и портрет
Пейзаж. Правила построения перспективы
Портрет. Конструкция головы человека
Сатирические образы человека
""",
        7: """
# Архитектура и дизайн
Архитектура и дизайн — конструктивные виды искусства
Основы композиции в конструктивных искусствах
Буква — строка — текст. Искусство шрифта
Плакат и его композиция
Книга и журнал
# Художественный язык конструктивных искусств
Здание как сочетание объёмов
Эволюция архитектурных конструкций
Дизайн предметной среды
# Город и человек
Город сквозь времена и страны
Интерьер
Мода, культура и ты
""",
    },
    "Музыка": {
        5: """
# Музыка и литература
Что роднит музыку с литературой
Вокальная музыка
Фольклор в музыке русских композиторов
Жанры инструментальной и вокальной музыки
Опера. Балет
# Музыка и изобразительное искусство
Музыкальный портрет
Образы природы в музыке
Музыкальная живопись
""",
        6: """
# Мир образов вокальной и инструментальной музыки
Удивительный мир музыкальных образов
Образы романсов и песен русских композиторов
Народное искусство Древней Руси
Духовная музыка
# Мир образов камерной и симфонической музыки
Образы камерной музыки
Инструментальный концерт
Симфоническая музыка
Программная увертюра
Джаз
""",
        7: """
# Особенности драматургии сценической музыки
Опера М. И. Глинки «Иван Сусанин»
Опера А. П. Бородина «Князь Игорь»
Рок-опера
Музыка к драматическому спектаклю
# Особенности драматургии камерной и симфонической музыки
Музыкальная драматургия — развитие музыки
Соната
Симфония
Симфоническая картина
""",
        8: """
# Классика и современность
Музыкальный театр: опера и балет
Мюзикл
Музыка в кино
Симфония в наши дни
# Традиции и новаторство в музыке
Музыка народов мира
Джаз и блюз
Авторская песня
Популярная музыка
""",
    },
    "Труд (технология)": {
        5: """
# Производство и технологии
Технологии вокруг нас
Материалы и сырьё
# Компьютерная графика. Черчение
Графические изображения. Чертёж
# Технологии обработки материалов
Технология обработки древесины
Разметка заготовок
Пиление и строгание древесины
Текстильные материалы
Швейная машина. Виды машинных швов
# Технологии обработки пищевых продуктов
Рациональное питание
Блюда из яиц
# Робототехника
Знакомство с роботами
""",
        6: """
# Производство и технологии
Машины и механизмы
# Технологии обработки материалов
Технология обработки металлов
Разметка и резание тонколистового металла
Технология изготовления швейных изделий
# Технологии обработки пищевых продуктов
Молоко и молочные продукты
Блюда из круп и макаронных изделий
# Робототехника
Мобильная робототехника
Датчики и их применение
Основы проектной деятельности
""",
        7: """
# Производство и технологии
Профессии и технологии
Конструкторская документация
# Технологии обработки материалов
Обработка древесины и металлов на станках
Пластмассы
Конструирование одежды
# Технологии обработки пищевых продуктов
Обработка рыбы и мясных продуктов
# Моделирование и робототехника
3D-моделирование
Промышленные роботы
Программирование роботов
""",
        8: """
# Производство и технологии
Управление производством и технологии
Рынок труда. Профессии
# Компьютерная графика и моделирование
Компьютерная графика. Черчение
3D-моделирование и прототипирование
# Робототехника
Автоматизированные системы
Беспилотные летательные аппараты
Выполнение учебного проекта
""",
        9: """
# Производство и технологии
Предпринимательство. Бизнес-план
Технологическое предпринимательство
Технологии в энергетике
# Моделирование и робототехника
3D-моделирование и макетирование
Системы автоматического управления
# Профессиональное самоопределение
Профессиональное самоопределение
Защита проекта
""",
    },
    "Физическая культура": {
        0: """
# Лёгкая атлетика
Техника безопасности на уроках физической культуры
Бег на короткие дистанции
Прыжок в длину с разбега
Метание малого мяча
Бег на длинные дистанции
# Гимнастика
Строевые упражнения
Акробатические упражнения
Опорный прыжок
Упражнения на перекладине
Лазание по канату
# Спортивные игры
Баскетбол. Ведение мяча
Баскетбол. Передачи и броски мяча
Волейбол. Приём и передача мяча
Волейбол. Подача мяча
# Лыжная подготовка
Попеременный двухшажный ход
Одновременный бесшажный ход
Подъёмы и спуски на лыжах
# Подготовка к ГТО
Футбол. Удары по мячу
Подготовка к выполнению нормативов ГТО
""",
    },
    "Основы безопасности и защиты Родины": {
        8: """
# Безопасное и устойчивое развитие личности, общества, государства
Безопасность и защита человека в чрезвычайных ситуациях
# Основы военной подготовки
Строевая подготовка
Огневая подготовка. Автомат Калашникова
Тактическая подготовка
# Культура безопасности жизнедеятельности
Безопасность в быту
Пожарная безопасность
Безопасность на транспорте. Правила дорожного движения
Безопасность в общественных местах
Безопасность в природной среде
# Первая помощь
Оказание первой помощи
""",
        9: """
# Здоровье и первая помощь
Здоровье и как его сохранить
Первая помощь и её средства
# Безопасность в социуме
Безопасность в социуме
Безопасность в информационном пространстве
Основы противодействия экстремизму и терроризму
# Чрезвычайные ситуации
Чрезвычайные ситуации природного характера
Чрезвычайные ситуации техногенного характера
Гражданская оборона
Вооружённые Силы Российской Федерации
""",
    },
    "Основы духовно-нравственной культуры народов России": {
        5: """
# Россия — наш общий дом
Зачем изучать курс ОДНКНР
Наш дом — Россия
Язык и история
Русский язык — язык общения и язык возможностей
# Семья и духовно-нравственные ценности
Истоки родной культуры
Семья — хранитель духовных ценностей
Родина начинается с семьи
Традиции семейного воспитания в России
# Духовно-нравственное богатство личности
Культура и религия
Многообразие культур России
""",
        6: """
# Культура как социальность
Мир культуры: его структура
Культура России: многообразие регионов
История быта как история культуры
# Человек и его отражение в культуре
Образование в культуре народов России
Права и обязанности человека
Что значит быть человеком
# Человек как член общества
Гражданин и Родина
Патриотизм
Защита Родины: подвиг или долг?
""",
    },
}
