"""The grid's columns and rows as plain data; the page's script draws the table.

A class of 35 × 60 lessons is 2,100 cells: rendered one by one on the server, in
Jinja or even in Python, they cost more than the whole page may (the benchmark's
target is three times an empty page). So the server sends only what the cells hold,
as JSON, and grid.js builds the rows. Everything a column shares is worked out
once per column, everything a row shares once per row.
"""
from app.formatting import average_text
from app.journal_entry import NUMBERS, average_of_sums
from app.rules import fmt_date
from security import policy


def columns_of(data, writer):
    """One column per lesson, with what the page needs to know about entering into it."""
    today = data.today
    columns = []
    for lesson in data.lessons:
        work_type = data.work_types.get(lesson.work_type_id)
        until = data.open_until(lesson)  # by the column's work type: written works stay open longer
        writable = policy.may_write_lesson(writer, lesson)
        future = lesson.date > today
        mode = "view" if not writable or future or lesson.cancelled else ("edit" if today <= until else "fix")
        label = f"{fmt_date(lesson.date)}, {lesson.number}-й урок"
        if lesson.cancelled:
            label += ", отменён"
        elif lesson.substitute_name:
            label += f", замена: {lesson.substitute_name}"
        columns.append({
            "lesson": lesson, "id": lesson.id, "date": lesson.date, "day": fmt_date(lesson.date)[:5],
            "future": future, "today": lesson.date == today, "writable": writable, "until": until, "mode": mode,
            "work_type": work_type.short_name if work_type else "", "label": label,
            "title": f"{label}: {lesson.topic or 'тема не записана'}" + (
                f". Срок ввода истёк {fmt_date(until)}: Enter на клетке — исправление" if mode == "fix" else ""),
        })
    return columns


def body_model(data, columns, writer):
    """The rows as plain data for the page's script to draw: per student the name, the cells
    that hold something ({column index: [text, mark id, work type id, comment, …]}), the
    columns where the student was not in the class, the average and the final marks."""
    tenths = {wt_id: int(wt.weight * 10) for wt_id, wt in data.work_types.items()}
    finals = _final_columns(data, writer)
    whole_period = (data.period.starts_on, data.period.ends_on)
    index_of = {c["id"]: index for index, c in enumerate(columns)}
    rows = []
    for row in data.rows:
        student_id = row.student.id
        away = [] if _enrolled_all_period(row.spans, whole_period) else [
            index for index, c in enumerate(columns) if not row.enrolled_on(c["date"])]
        filled, total, weights = {}, 0, 0
        for lesson_id, cell in data.cells.get(student_id, {}).items():
            index = index_of.get(lesson_id)
            if index is None or (away and index in away):
                continue
            marks = cell.marks
            flat = [cell.text]  # then id, work type id, comment of each mark, flat: JSON is per element
            for mark_id, value, work_type_id, comment, _version in marks:
                flat += (mark_id, work_type_id, comment)
                number = NUMBERS.get(value)  # weighted_average, summed in place
                if number is not None and work_type_id in tenths:
                    total += number * tenths[work_type_id]
                    weights += tenths[work_type_id]
            filled[index] = flat
        rows.append({
            "id": student_id, "name": row.student.full_name, "cells": filled, "away": away,
            "average": average_text(average_of_sums(total, weights)),
            "finals": [_final(data.finals.get((student_id, kind)), kind, editable, fixable)
                       for kind, editable, fixable in finals],
        })
    return {"rows": rows, "columns": [_column(data, c) for c in columns],
            "work_types": {str(wt_id): [wt.name, wt.short_name, wt.written] for wt_id, wt in data.work_types.items()},
            "finals": [{"kind": kind, "label": label} for kind, label in _final_labels(data)]}


def without_summaries(body):
    """A substitute's grid: the averages and final marks belong to the subject's teacher,
    and an average of the covered lessons alone would mislead."""
    body["finals"] = []
    for row in body["rows"]:
        row["average"], row["finals"] = "", []


def _column(data, column):
    """A lesson's header and what its panel shows: topic, homework, files, the column's work type."""
    lesson = column["lesson"]
    return {"id": column["id"], "mode": column["mode"], "label": column["label"], "future": column["future"],
            "today": column["today"], "day": column["day"], "number": lesson.number, "title": column["title"],
            "work_type_short": column["work_type"], "work_type": lesson.work_type_id, "topic": lesson.topic,
            "homework": data.homework.get(lesson.id, ""), "files": data.homework_files.get(lesson.id, []),
            # Topic and homework are planned ahead and kept on the lesson day (app/journal_entry.py).
            "writable": column["writable"] and (column["future"] or data.today <= column["until"])}


def _final_labels(data):
    return (("period", data.period.title), ("year", "годовая"))


def _final_columns(data, writer):
    today = data.today
    may_finals = policy.may_give_final_marks(writer, data.assignment)
    result = []
    for kind, _label in _final_labels(data):
        first, last = data.final_window(kind)
        result.append((kind, may_finals and first <= today <= last, may_finals and today > last))
    return result


def _final(mark, kind, editable, fixable):
    value, version = mark if mark is not None else ("", None)
    return {"value": value, "version": version, "editable": editable, "fixable": fixable}


def _enrolled_all_period(spans, period):
    start, end = period
    return any(s <= start and (e is None or e >= end) for s, e in spans)


