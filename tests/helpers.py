"""Small helpers for tests that read built pages."""

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


def grade_folder(assignment, submissions, out, *options, timeout=1200):
    """Grade ``submissions`` with ``python -m autograder grade``; its grades.csv rows by student."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            assignment,
            str(submissions),
            "--out",
            str(out),
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    with open(out / "grades.csv", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}
