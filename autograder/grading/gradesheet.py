"""grades.csv: one row per student, its columns listed in one place (``columns``).

The columns are: student_id, assignment, score, max_score, one per graded cell, problem, flags; with
a late penalty also raw_score (before the penalty), late_days and late_penalty right after score.
Another column is added by passing ``extra`` to ``columns`` / ``write_grades``: a list of
``Column(header, value)`` where ``value(row)`` returns the cell text for a ``Row``.
"""

import csv
import io
from dataclasses import dataclass
from typing import Callable

from .results import write_atomically


@dataclass(frozen=True)
class Row:
    """What one row of the sheet is computed from."""

    result: object  # results.Result
    assignment: str
    max_score: float
    late: object = None  # lms.LateCharge for this student, or None


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Row], str]


def number(value):
    return f"{value:g}"


def final_score(row):
    """The score that counts: the graded score less any late penalty (never below zero)."""
    return row.late.score if row.late is not None else row.result.score


def columns(cells, *, late=False, extra=()):
    """The sheet's columns, in order. ``cells``: (grade cell id, points); ``late``: whether a late
    penalty applies (adds raw_score, late_days and late_penalty)."""
    listed = [
        Column("student_id", lambda row: row.result.student_id),
        Column("assignment", lambda row: row.assignment),
        Column("score", lambda row: number(final_score(row))),
    ]
    if late:
        listed += [
            Column("raw_score", lambda row: number(row.result.score)),
            Column("late_days", lambda row: number(row.late.days) if row.late else "0"),
            Column("late_penalty", lambda row: number(row.late.points) if row.late else "0"),
        ]
    listed.append(Column("max_score", lambda row: number(row.max_score)))
    listed += [
        Column(cell, lambda row, cell=cell: number(row.result.cells.get(cell, 0.0)))
        for cell, _ in cells
    ]
    listed.append(Column("problem", lambda row: row.result.problem))
    # integrity.py
    listed.append(Column("flags", lambda row: "; ".join(getattr(row.result, "flags", []))))
    return listed + list(extra)


def write_grades(path, assignment_name, cells, results, *, late=None, extra=()):
    """Write grades.csv. ``late``: student id -> lms.LateCharge when a late penalty applies, else
    None.
    """
    max_score = sum(points for _, points in cells)
    listed = columns(cells, late=late is not None, extra=extra)
    rows = [[column.header for column in listed]]
    for result in sorted(results, key=lambda r: r.student_id):
        row = Row(result, assignment_name, max_score, (late or {}).get(result.student_id))
        rows.append([column.value(row) for column in listed])
    write_atomically(path, csv_text(rows))


def csv_text(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()
