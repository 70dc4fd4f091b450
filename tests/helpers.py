"""Small helpers shared by tests: built pages, check failures, grading a folder."""

import csv
import html
import re
import subprocess
import sys

import pytest


def page_text(html_root, relative):
    """The visible text of a built page, tags removed and whitespace collapsed."""
    page = (html_root / relative).read_text()
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def failure_of(check, func, hidden=False):
    """The message of the AssertionError that ``check`` raises for ``func`` (fails if it passes)."""
    with pytest.raises(AssertionError) as caught:
        check(func, hidden=hidden)
    return str(caught.value)


def run_grade(assignment, submissions, out, *options, timeout=1200):
    """Run ``python -m autograder grade`` on ``submissions``; the finished process, whatever its
    exit code.
    """
    command = [sys.executable, "-m", "autograder", "grade", assignment, str(submissions)]
    return subprocess.run(
        [*command, "--out", str(out), *options], capture_output=True, text=True, timeout=timeout
    )


def grades_csv(out):
    """The rows of ``out``'s grades.csv, by student."""
    with open(out / "grades.csv", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def grade_folder(assignment, submissions, out, *options, timeout=1200):
    """Grade ``submissions`` with ``python -m autograder grade``; its grades.csv rows by student."""
    run = run_grade(assignment, submissions, out, *options, timeout=timeout)
    assert run.returncode == 0, run.stdout + run.stderr
    return grades_csv(out)
