"""One grading process: its own temporary course folder and gradebook, one submission at a time.

nbgrader's gradebook is SQLite, so workers never share one: each prepares a course folder of its
own (the assignment generated once) and grades the submissions the pool hands it. Every result is
plain data sent back to the pool; nothing a submission does reaches another submission's result.
"""

import hashlib
import html
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .course import find_assignment, nbgrader_api, nbgrader_config, require_success
from .integrity import flag_submission
from .results import BoundedLog, printable
from .sandbox import (
    FALLBACK_NICE,
    INTERRUPT_GRACE_SECONDS,
    Limits,
    Sandbox,
    build_kernel_package,
    private_mounts,
)
from .secret import ensure_secret, hidden_case_source

MAX_NOTEBOOK_BYTES = 50 << 20
MAX_MESSAGE_CHARS = 5000  # a grade cell's message in the results
CGROUPS_SWITCH = "AUTOGRADER_CGROUPS"  # "0": no cgroup per sandbox (to measure the fallback)
# the nbgrader metadata that decides a grade
GRADING_FIELDS = ("grade", "solution", "locked", "task", "points")
# nbgrader's warnings, in words for the grading log (the patterns match its log lines).
NBGRADER_NOTES = [
    (
        re.compile(r"Attribute 'cell_type' for cell (\S+) has changed"),
        "the type of cell {0} was changed; the original was restored",
    ),
    (
        re.compile(r"Missing grade cell (\S+) encountered"),
        "the graded cell {0} was deleted; the original was put back and run",
    ),
]


class Grader:
    """Grades submissions of one assignment in this process."""

    def __init__(self, job, mounts=False):
        """``mounts``: this process has a private mount namespace (``sandbox.private_mounts``)."""
        self.job = job
        self.limits = Limits(**job["limits"])
        self.assignment = find_assignment(job["assignment"], job["root"])
        self.notebook_name = self.assignment.notebooks[0].name
        self.work = Path(tempfile.mkdtemp(prefix="worker-", dir=job["scratch"]))
        self.sandbox = Sandbox(
            self.limits,
            build_kernel_package(self.work / "kernel-package"),
            job["hidden"],
            groups=os.environ.get(CGROUPS_SWITCH, "1") != "0",
            mounts=mounts,
        )
        self.api = self._prepared_course()
        source = json.loads(self.assignment.notebooks[0].read_text())
        self.kernel_name = source.get("metadata", {}).get("kernelspec", {}).get("name")
        released = self.work / "release" / self.assignment.name / self.notebook_name
        released_cells = json.loads(released.read_text())["cells"]
        # the student copy's cells
        self.released = {_cell_id(c): c for c in released_cells if _cell_id(c)}
        self.others = _other_assignments(job["root"], self.assignment.name)
        self.max_score = sum(points for _, points in job["cells"])
        self.count = 0
        # grade() created it if it was missing
        self.secret = ensure_secret(job["root"], announce=None)
        _warm_up()

    def _prepared_course(self):
        from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
        from nbgrader.preprocessors import GetGrades

        from .feedback import (
            HideTestSource,
            RedactHiddenTests,
            ShortenErrors,
            configure_feedback_page,
        )

        shutil.copytree(self.assignment.source_dir, self.work / "source" / self.assignment.name)
        config = nbgrader_config(self.work, db_path=self.work / "gradebook.db")
        config.Execute.timeout = int(self.limits.cell_timeout)
        # trailing output after a stop is not worth failing on
        config.Execute.raise_on_iopub_timeout = False
        config.Execute.iopub_timeout = 5
        # the sandbox is discarded: no need to wait for a goodbye
        config.Execute.shutdown_kernel = "immediate"
        config.OverwriteCells.add_missing_cells = True
        config.GenerateFeedback.preprocessors = [
            GetGrades,
            RedactHiddenTests,
            HideTestSource,
            ShortenErrors,
            CSSHTMLHeaderPreprocessor,
        ]
        configure_feedback_page(config)  # sanitised student content, local MathJax (feedback.py)
        api = nbgrader_api(config)
        require_success(
            api.generate_assignment(self.assignment.name, force=True),
            f"prepare {self.assignment.name}",
        )
        return api

    def close(self):
        shutil.rmtree(self.work, ignore_errors=True)

    # --- one submission

    def grade(self, task):
        """Grade one submission; always returns a result, whatever the notebook does."""
        started = time.monotonic()
        result = {
            "student_id": task["student_id"],
            "sha256": task["sha256"],
            "score": 0.0,
            "max_score": self.max_score,
            "cells": {},
            "messages": {},
            "problem": "",
            "notes": [],
        }
        try:
            self._grade(task, result)
        except Exception:  # a fault of the grader: record it and keep going with the class
            result["problem"] = "the grader failed on this submission (see grading.log)"
            result["notes"].append(traceback.format_exc(limit=5).strip())
        finally:
            self._clean_up(task["student_id"])
        # Notes and messages quote what the notebook sent: keep them short and printable.
        result["notes"] = BoundedLog().extend(result["notes"]).lines()
        result["messages"] = {
            k: printable(v, MAX_MESSAGE_CHARS, newlines=True) for k, v in result["messages"].items()
        }
        result["problem"] = printable(result["problem"], 500)
        if result["problem"]:
            result["score"] = 0.0
            _write_problem_page(
                Path(self.job["out"]) / "feedback" / f"{task['student_id']}.html",
                task["student_id"],
                self.assignment.name,
                result["problem"],
            )
        result["seconds"] = round(time.monotonic() - started, 2)
        return result

    def _grade(self, task, result):
        import nbformat

        student = task["student_id"]
        data = Path(task["notebook"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != task["sha256"]:
            result["problem"] = "the file changed while the class was being graded; grade again"
            return
        notebook, result["problem"] = self._readable(data)
        if result["problem"]:
            return
        result["flags"] = flag_submission(notebook, self.released)  # integrity.py: read, never run
        result["notes"] += [
            f"flagged: {flag}" for flag in result["flags"]
        ] + self._restore_cell_metadata(notebook)
        kernelspec = notebook.metadata.get("kernelspec")
        kernel = kernelspec.get("name") if isinstance(kernelspec, dict) else None
        if kernel != self.kernel_name:
            result["notes"].append(
                f"the notebook asks for kernel {kernel!r}; it ran in the course's "
                f"{self.kernel_name!r} kernel"
            )
        submitted = self.work / "submitted" / student / self.assignment.name / self.notebook_name
        submitted.parent.mkdir(parents=True)
        submitted.write_text(nbformat.writes(notebook))
        graded = self._autograde(student, result)
        if not graded.get("success"):
            result["problem"] = "could not be graded: " + _last_line(
                graded.get("error") or graded.get("log")
            )
            return
        self._read_scores(student, result)
        self._copy_feedback(student, result)

    def _readable(self, data):
        """The notebook, or the reason it cannot be graded."""
        import nbformat

        if not data.strip():
            return None, "the file is empty"
        if len(data) > MAX_NOTEBOOK_BYTES:
            return (
                None,
                (
                    f"the file is {len(data) >> 20} MB; notebooks over {MAX_NOTEBOOK_BYTES >> 20}"
                    " MB are not graded"
                ),
            )
        try:
            notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
        except Exception as error:  # nbformat and json raise several kinds for a damaged file
            return None, f"not a readable notebook ({_last_line(str(error))[:200]})"
        cells = notebook.get("cells")
        if (
            not isinstance(notebook.get("metadata"), dict)
            or not isinstance(cells, list)
            or not all(
                isinstance(c, dict) and isinstance(c.get("metadata", {}), dict) for c in cells
            )
        ):
            return (
                None,
                "not a readable notebook (its cells or metadata are not what a notebook holds)",
            )
        bad = next(
            (
                i
                for i, c in enumerate(cells, 1)
                if c.get("cell_type") not in ("code", "markdown", "raw")
                or not _is_source(c.get("source", ""))
                or c.get("cell_type") == "code"
                and not isinstance(c.get("outputs", []), list)
            ),
            None,
        )
        if bad is not None:
            return (
                None,
                (
                    f"not a readable notebook (cell {bad} is not a code, markdown or raw cell with"
                    " text)"
                ),
            )
        ids = {_cell_id(c) for c in cells} - {None}
        ours = len(ids & set(self.released))
        theirs = max(
            ((len(ids & other), name) for name, other in self.others.items()), default=(0, "")
        )
        if theirs[0] > ours:
            return (
                None,
                (
                    f"this notebook belongs to {theirs[1]}: it has {theirs[1]}'s cells, not "
                    f"{self.assignment.name}'s; grade it with that assignment"
                ),
            )
        if not ours:
            return (
                None,
                (
                    f"the notebook has none of {self.assignment.name}'s cells: "
                    "is it the notebook of another assignment?"
                ),
            )
        return notebook, ""

    def _restore_cell_metadata(self, notebook):
        """Give every cell of the assignment its released nbgrader metadata; strip it from others.

        nbgrader stops with an error on an unknown or repeated cell id or on a solution cell
        turned into a grade cell, which would cost a student who merely copied a cell everything.
        Returns notes on what was edited.
        """
        notes, seen = [], set()
        # the last copy of a cell is the one graded, as in nbgrader
        for cell in reversed(notebook.cells):
            if "nbgrader" not in cell.get("metadata", {}):
                continue
            info = cell.metadata["nbgrader"]
            cell_id = info.get("grade_id") if isinstance(info, dict) else None
            if not isinstance(cell_id, str):  # null metadata, a list as the id...: not one of ours
                del cell.metadata["nbgrader"]
                what = (
                    f"grade_id {printable(repr(cell_id), 60)}"
                    if isinstance(info, dict)
                    else f"{printable(repr(info), 60)} instead of a dict"
                )
                notes.append(
                    f"a cell's nbgrader metadata is not usable ({what}); the cell earns nothing"
                )
                continue
            original = self.released.get(cell_id)
            if original is None or cell_id in seen:
                del cell.metadata["nbgrader"]
                cell_id = printable(cell_id, 80)
                notes.append(
                    f"cell {cell_id} is not part of the assignment (an added graded cell?); it"
                    " earns nothing"
                    if original is None
                    else f"cell {cell_id} appears more than once; only its last copy is graded"
                )
                continue
            seen.add(cell_id)
            released = original["metadata"]["nbgrader"]
            if any(_field(info, key) != _field(released, key) for key in GRADING_FIELDS):
                notes.append(
                    f"the nbgrader metadata of cell {cell_id} was edited; the original was restored"
                )
            cell.metadata["nbgrader"] = _notebook_node(released)
            if original["metadata"]["nbgrader"].get("locked") and _text(
                cell.get("source", "")
            ) != _text(original["source"]):
                notes.append(f"the read-only cell {cell_id} was edited; the original was run")
        return notes[::-1]

    def _autograde(self, student, result):
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.preprocessors import (
            AssignLatePenalties,
            CheckCellMetadata,
            IgnorePattern,
            LimitOutput,
            SaveAutoGrades,
        )

        from .checks_service import CheckService
        from .execute import GradingExecute, KernelRoom

        self.count += 1
        base = self.work / f"room-{self.count}"
        # a small tmpfs where possible: the kernel can write its sockets there
        self.sandbox.room_folder(base)
        room = KernelRoom(
            sandbox=self.sandbox,
            service=None,
            grader_dir=base / "grader",
            ipc_dir=base / "ipc",
            workdir=self.work / "autograded" / student / self.assignment.name,
            workdir_files=[
                p
                for p in self.assignment.source_dir.iterdir()
                if p.is_file() and p.suffix != ".ipynb"
            ],
            kernel_log=base / "kernel.log",
            output_bytes=self.limits.output_kb << 10,
            group=self.sandbox.new_group(),
        )
        room.grader_dir.mkdir()
        room.ipc_dir.mkdir()
        self.sandbox.hand_over(room.ipc_dir, 0o700)
        socket_path = room.grader_dir / "checks.sock"
        # The kernel's own time limit (interrupt, grace, kill) should end a runaway call first; the
        # service waits longer so that its timeout is only the backstop.
        call_timeout = self.limits.cell_timeout + 2 * INTERRUPT_GRACE_SECONDS + 10
        room.service = CheckService(socket_path, call_timeout, self.limits.memory_mb)
        self.sandbox.hand_over(socket_path, 0o600)
        execute = GradingExecute.for_room(room, self.limits)
        self.api.config.Autograde.autograde_preprocessors = [
            execute,
            IgnorePattern,
            ClearMetadataPreprocessor,
            LimitOutput,
            SaveAutoGrades,
            AssignLatePenalties,
            CheckCellMetadata,
        ]
        try:
            # this student's hidden cases
            with hidden_case_source(self.secret, self.assignment.name, student):
                graded = self.api.autograde(self.assignment.name, student)
        finally:
            room.service.close()
            if room.group is not None:
                room.group.remove()
        result["notes"] += (
            _nbgrader_notes(graded.get("log", "")) + room.notes + room.service.refused
        )
        if not graded.get("success") and room.kernel_log.exists():
            tail = room.kernel_log.read_bytes()[-2000:].decode("utf-8", "replace").strip()
            if tail:
                result["notes"].append("kernel output: " + printable(tail.splitlines()[-1], 300))
        return graded

    def _read_scores(self, student, result):
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.work / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission(self.assignment.name, student)
            result["score"], result["max_score"] = submission.score, submission.max_score
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    result["cells"][grade.name] = grade.score
        autograded = self.work / "autograded" / student / self.assignment.name / self.notebook_name
        for cell in json.loads(autograded.read_text())["cells"]:
            grade_id = _cell_id(cell)
            if grade_id in result["cells"]:
                result["messages"][grade_id] = _cell_message(cell)

    def _copy_feedback(self, student, result):
        feedback = self.api.generate_feedback(self.assignment.name, student)
        pages = sorted((self.work / "feedback" / student / self.assignment.name).glob("*.html"))
        if feedback.get("success") and pages:
            _atomic_copy(pages[0], Path(self.job["out"]) / "feedback" / f"{student}.html")
        else:
            result["problem"] = "feedback could not be generated: " + _last_line(
                feedback.get("error")
            )

    def _clean_up(self, student):
        for folder in ("submitted", "autograded", "feedback"):
            shutil.rmtree(self.work / folder / student, ignore_errors=True)
        for room in self.work.glob("room-*"):
            self.sandbox.release_folder(room)
            shutil.rmtree(room, ignore_errors=True)


def _warm_up():
    """Import what the checks need once per worker, not inside the first student's time limit."""
    import autograder.checks  # noqa: F401

    try:
        import torch  # noqa: F401
    except ImportError:
        pass


def _nbgrader_notes(log):
    notes = []
    for line in log.splitlines():
        for pattern, words in NBGRADER_NOTES:
            match = pattern.search(line)
            if match:
                notes.append(words.format(*match.groups()))
    return notes


def _cell_message(cell):
    """What a grade cell says: the check's failure message, or what it printed when it passed."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"
    streams = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
    return "".join(_text(o.get("text", "")) for o in streams).strip()


def _cell_id(cell):
    """A cell's nbgrader id, or None when it has none that can be one (a list, a number...)."""
    info = cell.get("metadata", {}).get("nbgrader")
    grade_id = info.get("grade_id") if isinstance(info, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _is_source(source):
    return (
        isinstance(source, str)
        or isinstance(source, list)
        and all(isinstance(line, str) for line in source)
    )


def _other_assignments(root, name):
    """The cell ids of every other assignment of the course, to name the one a stray notebook
    belongs to.
    """
    others = {}
    for folder in sorted(Path(root, "solutions").glob("ps*")):
        notebooks = sorted(folder.glob("*.ipynb"))
        if folder.name == name or len(notebooks) != 1:
            continue
        try:
            cells = json.loads(notebooks[0].read_text())["cells"]
        except (OSError, ValueError, KeyError):
            continue
        others[folder.name] = {_cell_id(c) for c in cells} - {None}
    return others


def _field(info, key):
    value = info.get(key, 0 if key == "points" else False)
    return float(value) if key == "points" and isinstance(value, (int, float)) else value


def _notebook_node(value):
    from nbformat import from_dict

    return from_dict(value)


def _text(source):
    return "".join(source) if isinstance(source, list) else source


def _last_line(text):
    """The line of an error that says most: nbgrader ends with "see the above traceback"."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    telling = [line for line in lines if "see the above traceback" not in line]
    return printable((telling or lines or ["unknown error"])[-1], 300)


def _atomic_copy(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def _write_problem_page(path, student, assignment, problem):
    """Feedback for a submission that could not be graded: the reason, in a plain page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page = (
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(assignment)}"
        f" feedback: {html.escape(student)}</title></head>\n<body><h1>{html.escape(assignment)}:"
        f" {html.escape(student)}</h1>\n<p>Your submission could not be graded:"
        f" {html.escape(problem)}.</p>\n<p>Score: 0</p></body></html>\n"
    )
    partial = path.with_name(path.name + ".partial")
    partial.write_text(page)
    os.replace(partial, path)


def worker_main(connection, job):
    """Entry point of a pool process: prepare, say ready, then grade each task it is sent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the pool's to handle
    mounts_problem = private_mounts()  # first: it needs a process with a single thread
    # jsonschema (under nbformat) builds an IRI grammar when rfc3987_syntax is importable, which
    # takes seconds per worker; notebook validation never uses those formats.
    sys.modules.setdefault("rfc3987_syntax", None)
    log = open(job["worker_log"], "a", buffering=1)
    # nbgrader's and the kernels' chatter goes to the log, not the terminal
    os.dup2(log.fileno(), 2)
    sys.stderr = log
    try:
        import warnings

        from sqlalchemy.exc import SAWarning

        warnings.simplefilter("ignore", SAWarning)  # raised inside nbgrader's own gradebook code
        grader = Grader(job, mounts=not mounts_problem)
        sandbox = grader.sandbox
        print(
            f"grading worker {os.getpid()}: per-sandbox CPU, memory and processes: "
            + (
                f"cgroup {'v2' if 'v2' in sandbox.groups else 'v1'}"
                if sandbox.groups
                else f"per-process limits and nice {FALLBACK_NICE} only ({sandbox.groups_problem})"
            )
            + "; kernel rooms: "
            + (
                f"tmpfs of {grader.limits.room_kb} KB"
                if not mounts_problem
                else f"per-file limit only ({mounts_problem})"
            ),
            file=log,
        )
    except Exception as error:  # the class cannot be graded at all here: say why, once
        connection.send(("failed", f"{type(error).__name__}: {error}"))
        return
    connection.send(("ready", None))
    try:
        while True:
            task = connection.recv()
            if task is None:
                break
            connection.send(("done", grader.grade(task)))
    except (EOFError, OSError):
        pass  # the pool has gone
    finally:
        grader.close()
