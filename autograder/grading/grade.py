"""Grade a class: parallel, isolated, resumable; a CSV, feedback pages and a log on top.

Each submission is graded by a worker process (``pool.py``, ``worker.py``) with nbgrader's
autograde and feedback underneath, its notebook running in a sandboxed kernel (``sandbox.py``)
whose checks are judged in the grader (``checks_service.py``). Submitted files are only read:
each is hashed before grading and again after, and a worker grades a copy of exactly the bytes
that were hashed.

``OUT`` receives ``grades.csv``, ``feedback/<student_id>.html``, ``grading.log`` (every problem
and anything unusual a submission did), ``grading.json`` (what was graded, for ``merge``) and
``report.html`` (the class report, ``report.py``); with ``lms``, the LMS's gradebook import file
too.
"""

import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .course import COURSE_ROOT, CourseError, find_assignment
from .feedback import install_page_assets
from .gradesheet import write_grades
from .results import (
    CSV_NAME,
    LOG_NAME,
    MANIFEST_NAME,
    STATE_DIR,
    Result,
    ResultStore,
    fingerprint,
    write_atomically,
)
from .sandbox import Limits, Sandbox, build_kernel_package
from .secret import ensure_secret
from .submissions import opened_submissions, student_file_digest


@dataclass
class ClassReport:
    """What a grading run produced, for the command's summary."""

    assignment: str
    cells: list  # (grade cell id, points)
    results: list  # Result, by student id
    rejected: list  # submissions.Rejected
    out: Path
    shard: tuple = None
    log_lines: int = 0
    seconds: float = 0.0
    changed: list = field(default_factory=list)  # students whose file changed during the run
    # about the run as a whole (late penalty, assets), for the log
    notes: list = field(default_factory=list)
    late: dict = None  # student id -> lms.LateCharge, when a late penalty applies
    gradebook: Path = None  # the LMS import file written, if any
    page: Path = None  # report.html

    @property
    def failed(self):
        return [r for r in self.results if r.problem]

    @property
    def graded(self):
        return [r for r in self.results if not r.problem]

    @property
    def unchanged(self):
        return [r for r in self.results if r.unchanged]

    def pass_rates(self):
        """Per graded cell: how many graded submissions earned all its points."""
        graded = self.graded
        return [
            (cell, sum(r.cells.get(cell, 0) >= points for r in graded), len(graded))
            for cell, points in self.cells
        ]


def grade(
    assignment_name,
    submissions_path,
    out_dir,
    root=COURSE_ROOT,
    *,
    workers=None,
    shard=None,
    limits=None,
    force=False,
    progress=None,
    lms=None,
    late_penalty=None,
    lms_column=None,
    notes=(),
):
    """Grade every submission of ``assignment_name`` under ``submissions_path`` into ``out_dir``.

    ``workers``: processes grading at once (default: one per core); ``shard``: ``(i, n)`` to grade
    only the i-th of n slices of the class; ``limits``: a ``sandbox.Limits``; ``force``: regrade
    even unchanged submissions; ``progress``: given the number of submissions, returns a callable
    that is called with each Result as it is settled (e.g. ``Progress``); ``lms``: "canvas" or
    "moodle" to read that LMS's download and write its gradebook file (``lms_column``: the Canvas
    assignment column's title); ``late_penalty``: an ``lms.LatePenalty``; ``notes``: lines for the
    log.
    """
    started = time.monotonic()
    limits = limits or Limits()
    assignment = find_assignment(assignment_name, root)
    # hidden cases are drawn from it
    secret = ensure_secret(root, announce=lambda text: print(text, file=sys.stderr))
    cells = grade_cells(assignment)
    out = Path(out_dir)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    run_notes = list(notes)
    missing_assets = install_page_assets(out / "feedback")
    if missing_assets:
        run_notes.append(missing_assets)
    with opened_submissions(submissions_path, assignment.name, lms) as found:
        run_notes += _lms_hint(found, lms)
        submissions = [
            s for s in found.submissions if shard is None or in_shard(s.student_id, shard)
        ]
        digests = {s.student_id: student_file_digest(s.notebook) for s in submissions}
        store = ResultStore(out, fingerprint(assignment, limits, secret))
        results = {}
        progress = progress(len(submissions)) if progress else None
        for submission in submissions:
            reused = (
                None
                if force
                else store.reusable(submission.student_id, digests[submission.student_id])
            )
            if reused is not None:
                results[reused.student_id] = reused
                if progress:
                    progress(reused)
        todo = [s for s in submissions if s.student_id not in results]
        if todo:
            job = {
                "assignment": assignment.name,
                "root": str(root),
                "limits": limits.as_dict(),
                "cells": cells,
                "out": str(out),
                "worker_log": str(out / STATE_DIR / "workers.log"),
                "hidden": [
                    str(root),
                    str(Path(__file__).resolve().parents[1]),
                    str(submissions_path),
                    str(out),
                ],
            }
            tasks = [
                {
                    "student_id": s.student_id,
                    "notebook": str(s.notebook),
                    "sha256": digests[s.student_id],
                }
                for s in todo
            ]

            def settle(payload):
                result = Result.from_dict(payload)
                result.max_score = sum(points for _, points in cells)
                store.save(result)
                results[result.student_id] = result
                if progress:
                    progress(result)

            _grade_in_pool(job, tasks, workers or default_workers(), limits, settle)
        changed = sorted(
            s.student_id
            for s in submissions
            if student_file_digest(s.notebook) != digests[s.student_id]
        )
        report = ClassReport(
            assignment.name,
            cells,
            [results[s.student_id] for s in submissions],
            found.rejected,
            out,
            shard,
            changed=changed,
            notes=run_notes,
        )
        _finish(report, assignment, submissions, store, root, lms, late_penalty, lms_column)
    report.seconds = time.monotonic() - started
    return report


def _finish(report, assignment, submissions, store, root, lms, late_penalty, lms_column):
    """Everything written from the results: grades.csv, the LMS file, the log, the manifest, the
    report.
    """
    from . import lms as lms_files
    from .report import build_report, save_rejected, save_solutions

    out, max_score = report.out, sum(points for _, points in report.cells)
    if late_penalty is not None:
        report.late, late_notes = lms_files.late_charges(
            late_penalty, submissions, report.results, max_score
        )
        report.notes.append(
            f"late penalty {late_penalty.describe()} after {late_penalty.deadline.isoformat()}"
        )
        report.notes += late_notes
    write_grades(out / CSV_NAME, assignment.name, report.cells, report.results, late=report.late)
    if lms:
        report.gradebook = lms_files.write_gradebook(
            lms,
            out,
            assignment.name,
            report.results,
            submissions,
            max_score,
            late=report.late,
            column=lms_column,
        )
    save_rejected(out, report.rejected)
    save_solutions(out, assignment, submissions)
    _write_manifest(out / MANIFEST_NAME, report, store.fingerprint)
    try:
        report.page = build_report(out, root)
    except (
        Exception
    ) as error:  # noqa: BLE001 (the grades are written; a report fault must not hide them)
        report.notes.append(
            f"the class report could not be written: {type(error).__name__}: {error}"
        )
    report.log_lines = _write_log(out / LOG_NAME, report)


def _lms_hint(found, lms):
    """A note when a folder read without ``--lms`` is plainly a Canvas download."""
    from .lms import CANVAS_NAME

    if (
        lms
        or not found.submissions
        or not all(CANVAS_NAME.fullmatch(s.notebook.name) for s in found.submissions)
    ):
        return []
    return [
        "these file names look like a Canvas download: with --lms canvas the student ids are the"
        " Canvas user ids (here they are the whole file names)"
    ]


def _grade_in_pool(job, tasks, workers, limits, settle):
    from .pool import run_pool

    with tempfile.TemporaryDirectory(prefix="autograder-") as scratch:
        os.chmod(scratch, 0o700)  # other students' copies and the gradebooks live here
        Sandbox(limits, build_kernel_package(Path(scratch) / "probe-package")).verify(scratch)
        job["scratch"] = scratch
        # nbgrader and feedback too
        deadline = limits.notebook_timeout + max(180, 2 * limits.cell_timeout)
        run_pool(job, tasks, workers, deadline, settle)


def grade_cells(assignment):
    """(grade cell id, points) of the assignment's notebook, in notebook order."""
    notebook = json.loads(assignment.notebooks[0].read_text())
    return [
        (c["metadata"]["nbgrader"]["grade_id"], float(c["metadata"]["nbgrader"].get("points", 0)))
        for c in notebook["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
    ]


def default_workers():
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def parse_shard(text):
    """``"2/8"`` -> (2, 8)."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise CourseError(f"--shard takes i/N, e.g. 2/8, not {text!r}") from None
    if not 1 <= index <= count:
        raise CourseError(f"--shard {text}: i must be between 1 and N")
    return index, count


def in_shard(student_id, shard):
    """Whether a student falls in shard (i, n): a stable hash of the id, so slices never overlap
    and a student stays in the same slice when others are added."""
    index, count = shard
    return int(hashlib.sha256(student_id.encode()).hexdigest(), 16) % count == index - 1


def _write_log(path, report):
    """grading.log: every rejected file, every failed submission and every note. Returns its line
    count.
    """
    lines = []
    lines += report.notes
    for rejected in report.rejected:
        lines.append(f"rejected {rejected.path}: {rejected.reason}")
    for student in report.changed:
        lines.append(
            f"{student}: the submitted file changed while the class was being graded; grade again"
        )
    for result in report.results:
        if result.problem:
            lines.append(f"{result.student_id}: not graded: {result.problem}")
        lines += [
            f"{result.student_id}: {line}"
            for note in result.notes
            for line in [note.replace("\n", "\n    ")]
        ]
    graded, failed = len(report.graded), len(report.failed)
    header = (
        f"# {report.assignment}: {len(report.results)} submissions, {graded} graded, {failed} not"
        f" graded, {len(report.rejected)} files rejected"
        + (f"; shard {report.shard[0]}/{report.shard[1]}" if report.shard else "")
    )
    write_atomically(path, "\n".join([header, *lines]) + "\n")
    return len(lines)


def _write_manifest(path, report, fingerprint):
    manifest = {
        "assignment": report.assignment,
        "shard": list(report.shard) if report.shard else None,
        "fingerprint": fingerprint,
        "students": [r.student_id for r in report.results],
        "cells": report.cells,
    }
    write_atomically(path, json.dumps(manifest, indent=1) + "\n")


class Progress:
    """A one-line progress bar on a terminal; one line per submission otherwise (logs, CI)."""

    def __init__(self, total, stream=None):
        self.total, self.done, self.failed = total, 0, 0
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.bar = self.stream.isatty()

    def __call__(self, result):
        self.done += 1
        self.failed += bool(result.problem)
        elapsed = time.monotonic() - self.started
        if self.bar:
            filled = int(30 * self.done / max(1, self.total))
            left = elapsed / self.done * (self.total - self.done)
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}  "
                f"{self.failed} not graded  {_clock(elapsed)} elapsed, ~{_clock(left)} left "
            )
            if self.done == self.total:
                self.stream.write("\n")
        else:
            state = (
                "unchanged" if result.unchanged else ("not graded" if result.problem else "graded")
            )
            self.stream.write(
                f"[{self.done}/{self.total}] {result.student_id}: {state} ({_clock(elapsed)})\n"
            )
        self.stream.flush()


def _clock(seconds):
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"
