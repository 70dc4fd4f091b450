"""ps01 specifics of the grading and self-check commands; tests/test_homework.py covers every
homework.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import grades_csv, run_grade

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "ps01-rnn" / "ps01-rnn.ipynb"
STUDENT_COPY = ROOT / "exercises" / "ps01-rnn" / "ps01-rnn.ipynb"
WRONG = ROOT / "tests" / "submissions" / "ps01"


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """One grading run over a flat folder holding the solution and the blank copy."""
    submissions = tmp_path_factory.mktemp("submissions")
    shutil.copyfile(SOLUTION, submissions / "solution.ipynb")
    shutil.copyfile(STUDENT_COPY, submissions / "blank.ipynb")
    out = tmp_path_factory.mktemp("out")
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", "ps01", str(submissions), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    rows = grades_csv(out)
    return rows, run.stdout


@pytest.mark.e2e
def test_grades_csv_has_one_column_per_graded_cell(graded_class):
    rows, _ = graded_class
    assert list(rows["solution"]) == [
        "student_id",
        "assignment",
        "score",
        "max_score",
        "test_rnn_cell_forward",
        "test_rnn_forward",
        "test_make_torch_rnn",
        "problem",
        "flags",
    ]


@pytest.mark.e2e
def test_grading_prints_a_summary(graded_class):
    _, stdout = graded_class
    assert "solution: 10 / 10" in stdout and "blank: 0 / 10" in stdout
    assert "graded 2 submissions" in stdout


@pytest.mark.e2e
def test_nbgrader_submitted_layout_is_accepted(tmp_path):
    submitted = tmp_path / "submitted" / "alice" / "ps01-rnn"
    submitted.mkdir(parents=True)
    shutil.copyfile(SOLUTION, submitted / "ps01-rnn.ipynb")
    out = tmp_path / "out"
    run = run_grade("ps01", tmp_path / "submitted", out, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "alice: 10 / 10" in run.stdout
    assert (out / "feedback" / "alice.html").exists()


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda d: None, "no notebooks in"),
        (lambda d: (d / "bad name.ipynb").write_text("{}"), "is not a usable student id"),
    ],
)
def test_bad_submission_folders_are_explained(tmp_path, setup, message):
    setup(tmp_path)
    run = run_grade("ps01", tmp_path, tmp_path / "out", timeout=120)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


def test_unknown_assignment_is_explained(tmp_path):
    run = run_grade("ps99", tmp_path, tmp_path / "out", timeout=120)
    assert run.returncode == 2 and "no single assignment called 'ps99'" in run.stderr
    assert "known: ps01-rnn" in run.stderr


@pytest.mark.parametrize(
    "notebook, passed, score",
    [
        (SOLUTION, True, "10 / 10"),
        (WRONG / "state_not_carried.ipynb", False, "6 / 10"),
    ],
)
@pytest.mark.e2e
def test_self_check_reports_each_task(notebook, passed, score):
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(notebook)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == (0 if passed else 1), run.stderr
    assert f"score on the visible checks: {score}" in run.stdout
    assert "[PASS] test_rnn_cell_forward (3 points)" in run.stdout
    if not passed:
        assert "[FAIL] test_rnn_forward (4 points)" in run.stdout
        assert "state not carried between steps" in run.stdout


def test_self_check_explains_a_file_that_is_not_a_notebook(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and "is not a readable notebook" in run.stderr
