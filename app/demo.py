"""The demo school: МАОУ СОШ № 2 in the 2026/2027 school year, the same every time it is built.

It gives every role something to look at: ten classes of grades 5–9 with their
students and parents, the administration and the teachers, the ФГОС ООО
curriculum and who teaches what, the quarter's journal (app/demo_journal.py) and the
timetable it follows with this week's substitutions (app/demo_timetable.py). All chance
comes from one random.Random(2026), so screenshots, manuals and bug reports always show
the same people.

Staff and students enter the registers the only way the school allows: by an
act with the director's order (app/registers.py).
"""
import random
from datetime import date, timedelta

from app.demo_journal import create_demo_journal
from app.demo_timetable import create_demo_timetable
from app.people import Guardian, Guardianship, Position, Staff, Student
from app.registers import admit_student, hire_staff
from app.structure import ClassGroup, Period, SchoolYear, Subgroup, Subject, TeachingAssignment

SEED = 2026
YEAR_NAME = "2026/2027"
YEAR_DATES = (date(2026, 9, 1), date(2027, 5, 31))
QUARTERS = (
    (date(2026, 9, 1), date(2026, 10, 24)),
    (date(2026, 11, 5), date(2026, 12, 28)),
    (date(2027, 1, 12), date(2027, 3, 21)),
    (date(2027, 4, 1), date(2027, 5, 26)),
)
GRADES = (5, 6, 7, 8, 9)
LETTERS = ("А", "Б")
CLASS_SIZES = (20, 27)  # one more may join as a sibling of a younger student
SCHOOL_MAIL = "school2.example"
ADMISSION_ORDER = ("64-уч", date(2026, 8, 28))

# Subject, short name, weekly hours by grade: the ФГОС ООО curriculum for a five-day week.
CURRICULUM = (
    ("Русский язык", "Рус. яз.", {5: 5, 6: 6, 7: 4, 8: 3, 9: 3}),
    ("Литература", "Лит.", {5: 3, 6: 3, 7: 2, 8: 2, 9: 3}),
    ("Иностранный язык (английский)", "Англ. яз.", {5: 3, 6: 3, 7: 3, 8: 3, 9: 3}),
    ("Математика", "Матем.", {5: 5, 6: 5}),
    ("Алгебра", "Алгебра", {7: 3, 8: 3, 9: 3}),
    ("Геометрия", "Геом.", {7: 2, 8: 2, 9: 2}),
    ("Вероятность и статистика", "Вер. и стат.", {7: 1, 8: 1, 9: 1}),
    ("Информатика", "Информ.", {7: 1, 8: 1, 9: 1}),
    ("История", "История", {5: 2, 6: 2, 7: 2, 8: 2, 9: 2}),
    ("Обществознание", "Обществ.", {6: 1, 7: 1, 8: 1, 9: 1}),
    ("География", "Геогр.", {5: 1, 6: 1, 7: 2, 8: 2, 9: 2}),
    ("Биология", "Биол.", {5: 1, 6: 1, 7: 1, 8: 2, 9: 2}),
    ("Физика", "Физика", {7: 2, 8: 2, 9: 3}),
    ("Химия", "Химия", {8: 2, 9: 2}),
    ("Изобразительное искусство", "ИЗО", {5: 1, 6: 1, 7: 1}),
    ("Музыка", "Музыка", {5: 1, 6: 1, 7: 1, 8: 1}),
    ("Труд (технология)", "Труд", {5: 2, 6: 2, 7: 2, 8: 1, 9: 1}),
    ("Физическая культура", "Физ-ра", {5: 2, 6: 2, 7: 2, 8: 2, 9: 2}),
    ("Основы безопасности и защиты Родины", "ОБЗР", {8: 1, 9: 1}),
    ("Основы духовно-нравственной культуры народов России", "ОДНКНР", {5: 1, 6: 1}),
)

# Subjects taught in two groups in every class, and how the groups are called. Since 2024
# «Труд (технология)» is one programme for boys and girls, so it splits like a language.
SPLIT_SUBJECTS = (
    ("Иностранный язык (английский)", "Английский язык"),
    ("Труд (технология)", "Труд (технология)"),
)

# What one teacher covers, and the teachers of that kind by gender (ж/м).
TEACHING_POSTS = (
    (("Русский язык", "Литература"), "жжжж"),
    (("Математика", "Алгебра", "Геометрия", "Вероятность и статистика"), "жжм"),
    (("Иностранный язык (английский)",), "жжжж"),
    (("Физика", "Информатика"), "м"),
    (("История", "Обществознание", "Основы духовно-нравственной культуры народов России"), "жм"),
    (("География",), "ж"),
    (("Биология", "Химия"), "ж"),
    (("Изобразительное искусство", "Музыка"), "ж"),
    (("Труд (технология)",), "мж"),
    (("Физическая культура", "Основы безопасности и защиты Родины"), "м"),
)
TEACHER = "учитель"
ORGANISER = "педагог-организатор"
ORGANISER_SUBJECT = "Музыка"  # the music teacher also runs the school's events
# The administration: summary key, position, gender. None of them teaches in the demo.
ADMINISTRATION = (
    ("director", "директор", "ж"),
    ("deputy", "заместитель директора по УВР", "ж"),
    ("secretary", "секретарь-делопроизводитель", "ж"),
    ("admin", "системный администратор", "м"),
)
POSITIONS = tuple(p for _, p, _ in ADMINISTRATION) + (TEACHER, ORGANISER)

# Families with children in two classes (younger, older): the parents see both in the diary.
# Two grades apart at least, so that the children's birth dates are plausible.
SIBLING_CLASSES = (("5А", "8Б"), ("5Б", "7А"), ("6А", "9А"), ("6Б", "8А"), ("7Б", "9Б"))

SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
    "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
    "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
    "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
    "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин",
    "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов",
    "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов",
    "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов",
    "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов",
    "Мартынов", "Ефимов", "Щербаков", "Назаров", "Калинин", "Исаев", "Быков", "Маслов", "Родионов",
    "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов", "Пономарёв", "Голубев", "Кудрявцев",
    "Прохоров", "Наумов", "Журавлёв", "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников",
    "Гончаров", "Емельянов", "Никифоров", "Котов", "Громов", "Кириллов", "Малышев", "Панов", "Румянцев",
    "Горбунов", "Галкин", "Скворцов", "Белоусов", "Нестеров", "Симонов", "Цветков", "Шестаков",
    "Островский", "Покровский", "Вишневский", "Троицкий", "Белецкий", "Лесной", "Шевченко", "Коваленко",
)
# Men's names with the patronymics they give a son and a daughter.
MEN = (
    ("Александр", "Александрович", "Александровна"), ("Алексей", "Алексеевич", "Алексеевна"),
    ("Андрей", "Андреевич", "Андреевна"), ("Антон", "Антонович", "Антоновна"),
    ("Артём", "Артёмович", "Артёмовна"), ("Борис", "Борисович", "Борисовна"),
    ("Вадим", "Вадимович", "Вадимовна"), ("Валерий", "Валерьевич", "Валерьевна"),
    ("Василий", "Васильевич", "Васильевна"), ("Виктор", "Викторович", "Викторовна"),
    ("Виталий", "Витальевич", "Витальевна"), ("Владимир", "Владимирович", "Владимировна"),
    ("Вячеслав", "Вячеславович", "Вячеславовна"), ("Геннадий", "Геннадьевич", "Геннадьевна"),
    ("Григорий", "Григорьевич", "Григорьевна"), ("Денис", "Денисович", "Денисовна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"), ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Иван", "Иванович", "Ивановна"), ("Игорь", "Игоревич", "Игоревна"),
    ("Илья", "Ильич", "Ильинична"), ("Кирилл", "Кириллович", "Кирилловна"),
    ("Константин", "Константинович", "Константиновна"), ("Максим", "Максимович", "Максимовна"),
    ("Михаил", "Михайлович", "Михайловна"), ("Николай", "Николаевич", "Николаевна"),
    ("Олег", "Олегович", "Олеговна"), ("Павел", "Павлович", "Павловна"),
    ("Пётр", "Петрович", "Петровна"), ("Роман", "Романович", "Романовна"),
    ("Руслан", "Русланович", "Руслановна"), ("Сергей", "Сергеевич", "Сергеевна"),
    ("Станислав", "Станиславович", "Станиславовна"), ("Юрий", "Юрьевич", "Юрьевна"),
    ("Анатолий", "Анатольевич", "Анатольевна"),
)
PATRONYMICS = {name: (son, daughter) for name, son, daughter in MEN}
WOMEN = (
    "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана", "Екатерина", "Юлия", "Анна", "Мария",
    "Марина", "Оксана", "Надежда", "Людмила", "Галина", "Евгения", "Анастасия", "Ксения", "Виктория",
    "Валентина", "Вера", "Любовь", "Дарья", "Алла", "Лариса", "Жанна", "Кристина", "Яна",
)
BOYS = (
    "Александр", "Максим", "Артём", "Михаил", "Иван", "Дмитрий", "Даниил", "Кирилл", "Матвей", "Егор",
    "Никита", "Андрей", "Илья", "Алексей", "Роман", "Сергей", "Тимофей", "Марк", "Владислав", "Ярослав",
    "Фёдор", "Лев", "Степан", "Глеб", "Павел", "Денис", "Арсений", "Георгий", "Константин", "Тимур",
)
GIRLS = (
    "Анна", "Мария", "София", "Виктория", "Анастасия", "Дарья", "Полина", "Алиса", "Ксения", "Елизавета",
    "Варвара", "Вероника", "Алёна", "Маргарита", "Милана", "Ева", "Арина", "Кира", "Василиса", "Ульяна",
    "Валерия", "Александра", "Екатерина", "Таисия", "Злата", "Ольга", "Диана", "Яна", "Есения", "Мирослава",
)
STREETS = (
    "ул. Ленина", "ул. Советская", "ул. Мира", "ул. Гагарина", "ул. Школьная", "ул. Молодёжная",
    "ул. Садовая", "пр. Победы", "ул. Пушкина", "ул. Заводская", "ул. Набережная", "ул. Строителей",
)
TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"),
))


def create_demo_school(session, today):
    """Fill an empty database with the demo school; return counts and the people demo logins need.

    `today` picks the current quarter. Nothing is committed: the caller commits.
    """
    rng = random.Random(SEED)
    year = _open_year(session)
    subjects = _create_subjects(session)
    classes = _open_classes(session, year)
    positions = _create_positions(session)
    staff_surnames = iter(rng.sample(SURNAMES, len(ADMINISTRATION) + _teacher_count()))
    emails = set()
    administration = _hire_administration(session, rng, positions, staff_surnames, emails)
    posts = _hire_teachers(session, rng, positions, staff_surnames, emails)
    pupils, families = _admit_students(session, rng, classes)
    groups = _form_groups(session, classes, pupils, subjects)
    assignments = _assign_teaching(session, classes, subjects, groups, posts)
    _appoint_class_teachers(classes, assignments)
    session.flush()

    first = classes[0]  # 5А
    teacher = _subject_teacher(first, classes, assignments)
    # The quarter's journal so far; the demo teacher has lessons on today's weekday.
    journal = create_demo_journal(session, year, today, random.Random(SEED + 1), teacher=teacher)
    # The timetable the journal was laid out by, and this week's absent teachers and their cover.
    journal.update(create_demo_timetable(session, year, journal.pop("pattern"), today, administration["deputy"],
                                         teacher=teacher, class_teacher=first.class_teacher))
    student = next(s for s in pupils[first] if len(families[id(s)].children) > 1)
    teachers = [t for _, staff in posts for t in staff]
    return {
        **administration,
        "classteacher": first.class_teacher,
        "teacher": teacher,
        "student": student,
        "parent": families[id(student)].guardians[0][0],
        "year": year,
        "period": next((p for p in year.periods if p.starts_on <= today <= p.ends_on), None),
        "classes": len(classes),
        "students": sum(len(p) for p in pupils.values()),
        "guardians": len({id(g) for f in families.values() for g, _ in f.guardians}),
        "staff": len(administration) + len(teachers),
        "teachers": len(teachers),
        "subjects": len(subjects),
        "assignments": len(assignments),
        **journal,
    }


# ------------------------------------------------------------------ structure


def _open_year(session):
    year = SchoolYear(name=YEAR_NAME, starts_on=YEAR_DATES[0], ends_on=YEAR_DATES[1], is_current=True)
    session.add(year)
    for number, (starts_on, ends_on) in enumerate(QUARTERS, 1):
        session.add(Period(school_year=year, kind="quarter", number=number, starts_on=starts_on,
                           ends_on=ends_on, grade_from=2, grade_to=9))
    session.flush()
    return year


def _create_subjects(session):
    subjects = {name: Subject(name=name, short_name=short) for name, short, _ in CURRICULUM}
    session.add_all(subjects.values())
    return subjects


def _open_classes(session, year):
    classes = [ClassGroup(school_year=year, grade=g, letter=letter) for g in GRADES for letter in LETTERS]
    session.add_all(classes)
    return classes


def _create_positions(session):
    positions = {name: Position(name=name) for name in POSITIONS}
    session.add_all(positions.values())
    return positions


# ------------------------------------------------------------------ names


def _feminine(surname):
    """Смирнов → Смирнова, Островский → Островская; Шевченко stays Шевченко."""
    for male, female in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая")):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    return surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин", "ын")) else surname


def _surname(surname, gender):
    return _feminine(surname) if gender == "ж" else surname


def _patronymic(father, gender):
    son, daughter = PATRONYMICS[father]
    return daughter if gender == "ж" else son


def _adult_name(rng, gender, surname):
    """Фамилия, имя, отчество of a grown-up."""
    first = rng.choice(MEN)[0] if gender == "м" else rng.choice(WOMEN)
    return _surname(surname, gender), first, _patronymic(rng.choice(MEN)[0], gender)


def _latin(text):
    return "".join(TRANSLIT.get(ch, ch) for ch in text.lower())


def _phone(rng):
    return (f"+7 (9{rng.randint(0, 99):02d}) {rng.randint(0, 999):03d}-"
            f"{rng.randint(0, 99):02d}-{rng.randint(0, 99):02d}")


def _address(rng):
    return f"{rng.choice(STREETS)}, д. {rng.randint(1, 60)}, кв. {rng.randint(1, 120)}"


# ------------------------------------------------------------------ staff


def _teacher_count():
    return sum(len(genders) for _, genders in TEACHING_POSTS)


def _new_staff(rng, gender, surname, emails):
    last, first, middle = _adult_name(rng, gender, surname)
    email = f"{_latin(first)[0]}.{_latin(last)}"
    while email in emails:  # namesakes get the first letter of the patronymic too
        email += _latin(middle)[0]
    emails.add(email)
    return Staff(last_name=last, first_name=first, middle_name=middle, phone=_phone(rng),
                 email=f"{email}@{SCHOOL_MAIL}",
                 birth_date=date(rng.randint(1962, 1998), rng.randint(1, 12), rng.randint(1, 28)))


def _hire(session, rng, staff, positions):
    """Hire by a staff order (№ …-к) of a late August, the usual time to take on teachers."""
    year = rng.randint(max(2010, staff.birth_date.year + 23), 2026)
    effective_on = date(year, 8, rng.randint(20, 31))
    hire_staff(session, staff, positions=positions, effective_on=effective_on,
               order_no=f"{rng.randint(20, 140)}-к", order_date=effective_on - timedelta(days=rng.randint(1, 7)))
    return staff


def _hire_administration(session, rng, positions, surnames, emails):
    return {
        key: _hire(session, rng, _new_staff(rng, gender, next(surnames), emails), [positions[post]])
        for key, post, gender in ADMINISTRATION
    }


def _hire_teachers(session, rng, positions, surnames, emails):
    """Hire the teachers of each post; returns [(subjects of the post, [teachers])]."""
    posts = []
    for subjects, genders in TEACHING_POSTS:
        duties = [positions[TEACHER]] + ([positions[ORGANISER]] if ORGANISER_SUBJECT in subjects else [])
        staff = [_hire(session, rng, _new_staff(rng, g, next(surnames), emails), duties) for g in genders]
        posts.append((subjects, staff))
    return posts


# ------------------------------------------------------------------ students and parents


class _Family:
    """Parents of one or more students: the children take the surname and the father's name."""

    def __init__(self, rng):
        self.surname = rng.choice(SURNAMES)
        self.father = rng.choice(MEN)[0]
        self.has_father = rng.random() < 0.75  # the patronymic stays even when the father does not
        self.address = _address(rng)
        self.guardians = []  # (guardian, kinship), made with the first child, shared by the others
        self.children = []


def _admit_students(session, rng, classes):
    """Admit every class, then the younger brothers' and sisters' older siblings."""
    pupils = {cls: [] for cls in classes}
    families = {}  # id(student) → family
    taken = set()

    def admit(cls, family):
        student = _new_child(rng, family, cls.grade, taken)
        admit_student(session, student, classgroup=cls, effective_on=YEAR_DATES[0],
                      order_no=ADMISSION_ORDER[0], order_date=ADMISSION_ORDER[1])
        _link_guardians(session, rng, family, student)
        pupils[cls].append(student)
        families[id(student)] = family

    for cls in classes:
        for _ in range(rng.randint(*CLASS_SIZES)):
            admit(cls, _Family(rng))
    by_name = {cls.name: cls for cls in classes}
    for younger, older in SIBLING_CLASSES:
        admit(by_name[older], families[id(rng.choice(pupils[by_name[younger]]))])
    return pupils, families


def _new_child(rng, family, grade, taken):
    """A student of `grade` on 1 September 2026: born between September and August of the cohort."""
    while True:  # no two students share a ФИО in the demo, so the duplicate check never asks
        gender = rng.choice("мж")
        name = (_surname(family.surname, gender), rng.choice(BOYS if gender == "м" else GIRLS),
                _patronymic(family.father, gender))
        if name not in taken:
            break
    taken.add(name)
    consent = rng.random() < 0.8
    student = Student(
        last_name=name[0], first_name=name[1], middle_name=name[2], address=family.address,
        birth_date=date(2026 - grade - 7, 9, 1) + timedelta(days=rng.randrange(365)),
        pd_consent=consent, pd_consent_on=date(2026, 8, rng.randint(20, 31)) if consent else None,
        phone=_phone(rng) if grade >= 7 and rng.random() < 0.5 else None,
    )
    family.children.append(student)
    return student


def _link_guardians(session, rng, family, student):
    if not family.guardians:
        family.guardians = [(_new_guardian(rng, family, "ж"), "мать")]
        if family.has_father:
            family.guardians.append((_new_guardian(rng, family, "м"), "отец"))
    for guardian, kinship in family.guardians:
        session.add(Guardianship(student=student, guardian=guardian, kinship=kinship))


def _new_guardian(rng, family, gender):
    if gender == "м":  # the father's name is fixed: the children's patronymic comes from it
        last, first, middle = family.surname, family.father, _patronymic(rng.choice(MEN)[0], "м")
    else:
        last, first, middle = _adult_name(rng, gender, family.surname)
    email = f"{_latin(last)}.{_latin(first)[0]}{rng.randint(70, 99)}@mail.example" if rng.random() < 0.85 else None
    return Guardian(last_name=last, first_name=first, middle_name=middle, phone=_phone(rng), email=email,
                    address=family.address)


# ------------------------------------------------------------------ groups and teaching


def _alphabetical(student):
    return student.full_name.replace("ё", "е").replace("Ё", "Е")


def _form_groups(session, classes, pupils, subjects):
    """Two groups per split subject in every class, the class list cut in half alphabetically."""
    groups = {}
    for cls in classes:
        roll = sorted(pupils[cls], key=_alphabetical)
        halves = (roll[: (len(roll) + 1) // 2], roll[(len(roll) + 1) // 2:])
        for subject, label in SPLIT_SUBJECTS:
            groups[cls, subject] = [
                Subgroup(classgroup=cls, subject=subjects[subject], name=f"{label}, группа {n}", students=half)
                for n, half in enumerate(halves, 1)
            ]
            session.add_all(groups[cls, subject])
    return groups


def _lessons(cls, post_subjects, groups):
    """What one teacher would take in a class: (subgroup or None, [(subject, hours)])."""
    hours = {name: by_grade.get(cls.grade, 0) for name, _, by_grade in CURRICULUM}
    whole = [(s, hours[s]) for s in post_subjects if hours[s] and (cls, s) not in groups]
    units = [(None, whole)] if whole else []
    for s in post_subjects:
        if hours[s] and (cls, s) in groups:
            units += [(sub, [(s, hours[s])]) for sub in groups[cls, s]]
    return units


def _assign_teaching(session, classes, subjects, groups, posts):
    """Each class (or group) goes to the least loaded teacher of the post.

    The two groups of one class learn at the same time, so they get different teachers.
    """
    load = {}
    assignments = []
    for post_subjects, teachers in posts:
        load.update({id(t): 0 for t in teachers})
        for cls in classes:
            in_this_class = []
            for subgroup, lessons in _lessons(cls, post_subjects, groups):
                free = [t for t in teachers if subgroup is None or t not in in_this_class] or teachers
                teacher = min(free, key=lambda t: load[id(t)])
                in_this_class.append(teacher)
                for subject, hours in lessons:
                    assignments.append(TeachingAssignment(teacher=teacher, classgroup=cls, subgroup=subgroup,
                                                          subject=subjects[subject], hours_per_week=hours))
                    load[id(teacher)] += hours
    session.add_all(assignments)
    return assignments


def _hours_in(cls, assignments):
    """Teachers of a class, the one with most hours first (ties: in order of assignment)."""
    hours = {}
    for a in assignments:
        if a.classgroup is cls:
            hours[a.teacher] = hours.get(a.teacher, 0) + a.hours_per_week
    return sorted(hours, key=lambda t: -hours[t])


def _appoint_class_teachers(classes, assignments):
    """The class teacher is the one who spends most hours with the class, one class each."""
    appointed = []
    for cls in classes:
        cls.class_teacher = next(t for t in _hours_in(cls, assignments) if t not in appointed)
        appointed.append(cls.class_teacher)


def _subject_teacher(cls, classes, assignments):
    """A teacher of the class with no class of their own, so the demo login shows a plain subject teacher."""
    class_teachers = [c.class_teacher for c in classes]
    teachers = [t for t in _hours_in(cls, assignments) if t is not cls.class_teacher]
    return next((t for t in teachers if t not in class_teachers), teachers[0])
