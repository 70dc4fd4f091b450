"""Round trips with a learning management system: its submission download in, its gradebook file
out.

**Canvas** ("Download Submissions" on an assignment) gives one flat folder, or a zip, of files named
``<name>_<user id>_<submission id>_<file>``, with ``LATE`` after the name when Canvas marked the
submission late (``smithjohn_LATE_12345_678901_ps01-rnn.ipynb``). The Canvas user id becomes the
student id; ``canvas-grades.csv`` is a gradebook import file (Grades → Import) with Canvas's columns
Student, ID, SIS User ID, SIS Login ID, Section and one for the assignment, matched on ID.

**Moodle** ("Download all submissions" on an assignment) gives a zip with one folder per student,
``<Full Name>_<participant id>_assignsubmission_file_/<file>`` (or, with "download submissions in
folders" off, files ``<Full Name>_<participant id>_assignsubmission_file_<file>``). The participant
id becomes the student id; ``moodle-grades.csv`` is the assignment's grading worksheet (View all
submissions → Upload grading worksheet), matched on its Identifier column, ``Participant <id>``.

**Late penalties** (``--late-penalty`` with ``--deadline``) use the time nbgrader's ``collect``
records (``timestamp.txt`` beside each submitted notebook) or, for Canvas, its LATE marker (which
counts as one day late: Canvas's file names carry no time). Moodle's download says neither.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .course import CourseError
from .gradesheet import Row, csv_text, final_score, number
from .results import write_atomically
from .submissions import JUNK, Found, Rejected, Submission

KINDS = ("canvas", "moodle")
CANVAS_NAME = re.compile(
    r"(?P<name>[^_]+)_(?:(?P<late>late)_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)",
    re.IGNORECASE,
)
MOODLE_NAME = re.compile(
    r"(?P<name>.+)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)", re.S
)
CANVAS_FORMAT = (
    "<name>_<user id>_<submission id>_<file>, or <name>_LATE_<user id>_<submission id>_<file>"
)
GRADEBOOK_NAMES = {"canvas": "canvas-grades.csv", "moodle": "moodle-grades.csv"}


@dataclass(frozen=True)
class LmsSubmission(Submission):
    """A submission from an LMS download: the LMS's id as the student id, and what else it told."""

    name: str = ""  # the student's name as the LMS wrote it
    late: bool = False  # the LMS marked the submission late
    lms: str = ""


def find_lms_submissions(kind, path, assignment_name):
    """The submissions in an LMS download folder (see the module's docstring), and the files
    rejected.
    """
    if kind not in KINDS:
        raise CourseError(f"--lms takes one of {', '.join(KINDS)}, not {kind!r}")
    pattern = CANVAS_NAME if kind == "canvas" else MOODLE_NAME
    path = _unwrapped(Path(path), pattern)
    entries = [p for p in sorted(Path(path).iterdir()) if not JUNK.match(p.name)]
    found = _canvas(entries) if kind == "canvas" else _moodle(entries)
    if not found.submissions:
        reasons = "".join(f"\n  {r.path}: {r.reason}" for r in found.rejected)
        raise CourseError(f"no {kind.capitalize()} submissions in {path}{reasons}")
    return found


def _unwrapped(path, pattern):
    """Step into folders that only wrap the download (a zip's top folder)."""
    while True:
        entries = [p for p in path.iterdir() if not JUNK.match(p.name)]
        if len(entries) != 1 or not entries[0].is_dir() or pattern.fullmatch(entries[0].name):
            return path
        path = entries[0]


def _canvas(entries):
    found, notebooks = Found(), {}
    for entry in entries:
        match = CANVAS_NAME.fullmatch(entry.name)
        if entry.is_dir():
            found.rejected.append(
                Rejected(entry.name + "/", "a folder in a Canvas download (expected files)")
            )
        elif not match:
            found.rejected.append(
                Rejected(entry.name, f"not a Canvas download name ({CANVAS_FORMAT})")
            )
        elif entry.suffix != ".ipynb":
            found.rejected.append(
                Rejected(entry.name, f"not a notebook ({entry.suffix or 'no extension'})")
            )
        else:
            notebooks.setdefault(match["user"], []).append((entry, match))
    for user, files in notebooks.items():
        if len(files) > 1:
            names = ", ".join(entry.name for entry, _ in files)
            found.rejected += [
                Rejected(
                    entry.name,
                    f"Canvas user {user} has {len(files)} notebooks in the "
                    f"download ({names}); expected one, none was graded",
                )
                for entry, _ in files
            ]
            continue
        ((entry, match),) = files
        found.submissions.append(
            LmsSubmission(user, entry, name=match["name"], late=bool(match["late"]), lms="canvas")
        )
    found.submissions.sort(key=lambda s: s.student_id)
    return found


def _moodle(entries):
    found, files = Found(), {}
    for entry in entries:
        match = MOODLE_NAME.fullmatch(entry.name)
        if not match:
            found.rejected.append(
                Rejected(
                    entry.name + ("/" if entry.is_dir() else ""),
                    "not a Moodle download name (<Full Name>_<id>_assignsubmission_file_)",
                )
            )
            continue
        if match["plugin"] != "file":
            found.rejected.append(
                Rejected(entry.name, f"Moodle {match['plugin']} submission, not a file")
            )
            continue
        inside = (
            [
                p
                for p in sorted(entry.rglob("*"))
                if p.is_file() and not any(JUNK.match(part) for part in p.relative_to(entry).parts)
            ]
            if entry.is_dir()
            else [entry]
        )
        student = files.setdefault(match["user"], {"name": match["name"], "files": []})
        student["files"] += inside
    for user, student in files.items():
        notebooks = [p for p in student["files"] if p.suffix == ".ipynb"]
        for other in student["files"]:
            if other.suffix != ".ipynb":
                found.rejected.append(
                    Rejected(
                        _shown(other, entries), f"not a notebook ({other.suffix or 'no extension'})"
                    )
                )
        if len(notebooks) != 1:
            names = ", ".join(_shown(p, entries) for p in notebooks)
            found.rejected.append(
                Rejected(
                    f"{student['name']} (participant {user})",
                    f"{len(notebooks)} notebooks in the download ({names or 'none'}); "
                    "expected one, none was graded",
                )
            )
            continue
        found.submissions.append(
            LmsSubmission(user, notebooks[0], name=student["name"], lms="moodle")
        )
    found.submissions.sort(key=lambda s: s.student_id)
    return found


def _shown(path, entries):
    root = entries[0].parent if entries else path.parent
    return str(path.relative_to(root))


# --- Late penalties

PENALTY = re.compile(r"(?P<amount>\d+(?:\.\d+)?)(?P<percent>%)?(?P<per_day>/day)?")


@dataclass(frozen=True)
class LatePenalty:
    """``amount`` points, or percent of the maximum score, once or per day (or part of a day)
    late.
    """

    amount: float
    percent: bool
    per_day: bool
    deadline: datetime

    def describe(self):
        unit = "% of the maximum" if self.percent else " points"
        return f"{number(self.amount)}{unit}{' per day late' if self.per_day else ' if late'}"


@dataclass(frozen=True)
class LateCharge:
    days: int
    points: float
    score: float  # after the penalty


def parse_late_penalty(spec, deadline):
    """``--late-penalty`` and ``--deadline`` as given -> (LatePenalty or None, a note or None).

    A penalty without a deadline is not applied (the class is graded without one) and the note says
    so.
    """
    if spec is None:
        return None, (
            "--deadline was given without --late-penalty: no penalty applied" if deadline else None
        )
    match = PENALTY.fullmatch(spec.strip().replace(" ", ""))
    if not match:
        raise CourseError(
            "--late-penalty takes points or a percentage, once or per day (2, 10%, 1/day, "
            f"10%/day), not {spec!r}"
        )
    if not deadline:
        return (
            None,
            (
                f"--late-penalty {spec} needs --deadline (e.g. --deadline 2026-03-01T23:59+01:00); "
                "graded without a late penalty"
            ),
        )
    return (
        LatePenalty(
            float(match["amount"]),
            bool(match["percent"]),
            bool(match["per_day"]),
            parse_deadline(deadline),
        ),
        None,
    )


def parse_deadline(text):
    """An ISO 8601 date and time; one without a time zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CourseError(
            "--deadline takes an ISO 8601 date and time such as 2026-03-01T23:59+01:00, "
            f"not {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def submitted_at(submission):
    """When nbgrader's ``collect`` says the notebook was submitted (its timestamp.txt), or None."""
    from nbgrader.utils import parse_utc

    stamp = Path(submission.notebook).parent / "timestamp.txt"
    try:
        text = stamp.read_text()[:100].strip()
        return parse_utc(text).replace(tzinfo=timezone.utc) if text else None
    except (OSError, ValueError, TypeError, OverflowError):
        return None


def late_charges(penalty, submissions, results, max_score):
    """student id -> LateCharge for every graded student (zero days when on time), and notes for the
    log.
    """
    charges, notes, undated = {}, [], []
    by_id = {s.student_id: s for s in submissions}
    for result in results:
        submission = by_id.get(result.student_id)
        if result.problem or submission is None:
            continue
        days = 0
        moment = submitted_at(submission)
        if moment is not None:
            late_by = moment - penalty.deadline
            days = math.ceil(late_by / timedelta(days=1)) if late_by > timedelta(0) else 0
        elif getattr(submission, "late", False):
            days = 1
            notes.append(
                f"{result.student_id}: marked LATE by Canvas; counted as 1 day late (the download"
                " has no submission times)"
            )
        elif getattr(submission, "lms", "") != "canvas":
            undated.append(result.student_id)
        charges[result.student_id] = charge(penalty, days, result.score, max_score)
    if undated:
        notes.append(
            f"no submission time for {len(undated)} submissions"
            f" ({', '.join(undated[:5])}{', …' if len(undated) > 5 else ''}): no late penalty for"
            " them (only nbgrader's collect and Canvas's LATE marker say when a notebook came in)"
        )
    return charges, notes


def charge(penalty, days, score, max_score):
    """The penalty for ``days`` late on ``score`` out of ``max_score``; the score never goes below
    zero.
    """
    if days <= 0:
        return LateCharge(0, 0.0, score)
    unit = penalty.amount / 100 * max_score if penalty.percent else penalty.amount
    points = min(score, unit * (days if penalty.per_day else 1))
    return LateCharge(days, round(points, 6), round(score - points, 6))


# --- Gradebook files


def write_gradebook(
    kind, out, assignment_name, results, submissions, max_score, *, late=None, column=None
):
    """Write the LMS's import file into ``out``; returns its path. Submissions that were not graded
    are left blank, so the gradebook keeps what it had for them (the class report lists them).
    """
    by_id = {s.student_id: s for s in submissions}
    late = late or {}
    rows = []
    if kind == "canvas":
        rows.append(
            ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column or assignment_name]
        )
        rows.append(["Points Possible", "", "", "", "", number(max_score)])
    else:
        rows.append(["Identifier", "Full name", "Grade", "Maximum Grade", "Feedback comments"])
    for result in sorted(results, key=lambda r: (len(r.student_id), r.student_id)):
        submission = by_id.get(result.student_id)
        name = getattr(submission, "name", "") or result.student_id
        grade = (
            ""
            if result.problem
            else number(
                final_score(Row(result, assignment_name, max_score, late.get(result.student_id)))
            )
        )
        charge_ = late.get(result.student_id)
        comment = (
            f"late by {charge_.days} day(s): {number(charge_.points)} points deducted from "
            f"{number(result.score)}"
            if charge_ and charge_.days
            else ""
        )
        if kind == "canvas":
            rows.append([name, result.student_id, "", "", "", grade])
        else:
            rows.append(
                [f"Participant {result.student_id}", name, grade, number(max_score), comment]
            )
    path = Path(out) / GRADEBOOK_NAMES[kind]
    write_atomically(path, csv_text(rows))
    return path
