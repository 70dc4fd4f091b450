"""Self-study on every homework: `python -m autograder check NOTEBOOK` prints each task's verdict
with its feedback and a score out of the visible points, for the instructor's solution (everything
passes) and for the untouched student copy (everything fails, saying what is not done).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = sorted(p.parent.name for p in (ROOT / "solutions").glob("ps*/*.ipynb"))


def graded_cells(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    return {
        c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"].get("points", 0)
        for c in cells
        if c["metadata"].get("nbgrader", {}).get("grade")
    }


def check(notebook):
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(notebook)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert "Traceback" not in run.stdout, run.stdout
    return run


def task_report(stdout, grade_id):
    """The verdict line of one task and its indented feedback lines."""
    match = re.search(
        rf"^\[(PASS|FAIL)\] {grade_id} \((\S+) points?\)\n((?:    .*\n?)*)", stdout, re.M
    )
    assert match, f"no verdict for {grade_id}:\n{stdout}"
    return match.group(1), float(match.group(2)), match.group(3)


@pytest.mark.parametrize("name", HOMEWORK)
def test_solution_passes_every_visible_check(name):
    notebook = next((ROOT / "solutions" / name).glob("*.ipynb"))
    cells = graded_cells(notebook)
    run = check(notebook)
    assert run.returncode == 0, run.stdout + run.stderr
    for grade_id, points in cells.items():
        verdict, shown, feedback = task_report(run.stdout, grade_id)
        assert (verdict, shown) == ("PASS", points) and feedback.strip(), (grade_id, run.stdout)
    total = sum(cells.values())
    assert f"score on the visible checks: {total:g} / {total:g}" in run.stdout
    assert "without encryption" not in run.stdout + run.stderr  # the kernel is reached over ipc


@pytest.mark.parametrize("name", HOMEWORK)
def test_blank_student_copy_fails_every_task_with_feedback(name):
    notebook = next((ROOT / "exercises" / name).glob("*.ipynb"))
    cells = graded_cells(notebook)
    run = check(notebook)
    assert run.returncode == 1, run.stdout + run.stderr
    for grade_id in cells:
        verdict, _, feedback = task_report(run.stdout, grade_id)
        assert verdict == "FAIL" and feedback.strip(), (grade_id, run.stdout)
    assert f"score on the visible checks: 0 / {sum(cells.values()):g}" in run.stdout
