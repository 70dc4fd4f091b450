"""The adopter's guide's recipe for a new exercise and its check (book/for-instructors.md), followed
step by step in a copy of the course: its code blocks are written and run as the page shows them,
the new check's own tests pass, the homework is released, and a tiny class is graded."""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "book" / "for-instructors.md"
BLOCK = re.compile(r"```python\n# (?P<kind>file|run): (?P<what>[^\n]*)\n(?P<code>.*?)```", re.S)


def recipe_blocks():
    return [(m["kind"], m["what"].strip(), m["code"]) for m in BLOCK.finditer(GUIDE.read_text())]


def test_the_recipe_has_its_steps():
    kinds = [(kind, what) for kind, what, _ in recipe_blocks()]
    assert kinds == [
        ("file", "autograder/mistakes.py (append)"),
        ("file", "autograder/checks/last_state.py"),
        ("file", "autograder/checks/__init__.py (append)"),
        ("file", "tests/test_checks_last_state.py"),
        ("run", "from the repository root"),
    ]
    page = GUIDE.read_text()
    for command in (
        "python -m autograder release ps08",
        "python -m autograder grade ps08 SUBMISSIONS",
    ):
        assert command in page


def run(*args, course, timeout=900):
    env = {**os.environ, "PYTHONPATH": str(course)}
    done = subprocess.run(
        [sys.executable, *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course's package with the recipe applied, and the new homework released."""
    course = tmp_path_factory.mktemp("adopter") / "course"
    shutil.copytree(
        ROOT / "autograder", course / "autograder", ignore=shutil.ignore_patterns("__pycache__")
    )
    (course / "tests").mkdir()
    for kind, what, code in recipe_blocks():
        if kind == "file":
            path = course / what.replace(" (append)", "")
            if what.endswith("(append)"):
                path.write_text(path.read_text() + code)
            else:
                path.write_text(code)
        else:
            done = run("-c", code, course=course)
            assert done.returncode == 0, done.stderr
    released = run("-m", "autograder", "release", "ps08", course=course)
    assert released.returncode == 0, released.stderr
    return course


@pytest.mark.e2e
def test_the_new_checks_own_tests_pass(course):
    done = run(
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_checks_last_state.py",
        course=course,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "3 passed" in done.stdout


def student(course, answer):
    """The released student copy with ``answer`` in place of ``raise NotImplementedError()``."""
    notebook = json.loads(
        (course / "exercises" / "ps08-last-state" / "ps08-last-state.ipynb").read_text()
    )
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if answer and "raise NotImplementedError()" in source:
            cell["source"] = source.replace("raise NotImplementedError()", answer)
    return json.dumps(notebook)


@pytest.mark.e2e
def test_the_new_exercise_is_graded_with_its_mistakes_named(course, tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "ada.ipynb").write_text(student(course, "return h_all[:, -1]"))
    (submissions / "bob.ipynb").write_text(student(course, "return h_all[:, 0]"))
    (submissions / "cy.ipynb").write_text(student(course, None))
    checked = run(
        "-m", "autograder", "check", str(submissions / "bob.ipynb"), course=course, timeout=300
    )
    assert checked.returncode == 1
    assert "hint: this looks like 'last state taken from the first step'" in checked.stdout
    out = tmp_path / "out"
    graded = run(
        "-m",
        "autograder",
        "grade",
        "ps08",
        str(submissions),
        "--out",
        str(out),
        "--workers",
        "2",
        course=course,
    )
    assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-2000:]
    with open(out / "grades.csv", newline="") as handle:
        scores = {row["student_id"]: row["score"] for row in csv.DictReader(handle)}
    assert scores == {"ada": "2", "bob": "0", "cy": "0"}
    assert (
        "this looks like 'last state taken from the first step'" in (
            out / "feedback" / "bob.html"
        ).read_text()
    )
    report = (out / "report.html").read_text()
    assert '<td>last state taken from the first step</td><td class="number">1</td>' in report
    assert '<td>not attempted</td><td class="number">1</td>' in report
