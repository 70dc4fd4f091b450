"""ps01 end to end: the committed student copy, grading a class, feedback, and the self-check."""

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading.release import release

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "ps01-rnn" / "ps01-rnn.ipynb"
STUDENT_COPY = ROOT / "exercises" / "ps01-rnn" / "ps01-rnn.ipynb"
WRONG = ROOT / "tests" / "submissions" / "ps01"
# Each plausible wrong submission: its expected score out of 10 and the hint its feedback must show.
EXPECTED_WRONG = {
    "swapped_weights": (3, "input and recurrent weights swapped"),
    "bias_omitted": (3, "bias omitted"),
    "state_not_carried": (6, "state not carried between steps"),
    "torch_bias_twice": (7, "bias added twice"),
}


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_student_copy_is_what_nbgrader_generates(tmp_path):
    generated = release("ps01", exercises_dir=tmp_path) / "ps01-rnn.ipynb"
    assert generated.read_text() == STUDENT_COPY.read_text(), \
        "exercises/ is stale: run `make exercises` and commit the result"


def test_student_copy_holds_no_solution_and_no_hidden_test():
    text = STUDENT_COPY.read_text()
    for leak in ["BEGIN SOLUTION", "np.tanh(x_t @ W_x", "bias_hh_l0.zero_()", "HIDDEN TESTS", "hidden=True"]:
        assert leak not in text
    code = "".join("".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "code")
    assert code.count("raise NotImplementedError()") == 3


def test_solution_notebook_is_committed_without_outputs():
    for path in [SOLUTION, STUDENT_COPY]:
        notebook = json.loads(path.read_text())
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), path


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """One grading run over a flat folder: the solution, the blank copy and the wrong submissions."""
    submissions = tmp_path_factory.mktemp("submissions")
    shutil.copyfile(SOLUTION, submissions / "solution.ipynb")
    shutil.copyfile(STUDENT_COPY, submissions / "blank.ipynb")
    for name in EXPECTED_WRONG:
        shutil.copyfile(WRONG / f"{name}.ipynb", submissions / f"{name}.ipynb")
    before = {p.name: digest(p) for p in submissions.iterdir()}
    out = tmp_path_factory.mktemp("out")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "ps01", str(submissions), "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    after = {p.name: digest(p) for p in submissions.iterdir()}
    return rows, out, before, after, run.stdout


def feedback_text(out, student):
    import html
    import re

    page = (out / "feedback" / f"{student}.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_grades_csv_has_one_column_per_graded_cell(graded_class):
    rows, *_ = graded_class
    assert list(rows["solution"]) == ["student_id", "assignment", "score", "max_score", "test_rnn_cell_forward",
                                      "test_rnn_forward", "test_make_torch_rnn", "problem"]


def test_solution_gets_full_marks(graded_class):
    rows, *_ = graded_class
    assert rows["solution"]["score"] == "10" and rows["solution"]["max_score"] == "10"
    assert (rows["solution"]["test_rnn_cell_forward"], rows["solution"]["test_rnn_forward"],
            rows["solution"]["test_make_torch_rnn"]) == ("3", "4", "3")


def test_blank_copy_gets_zero_without_crashing(graded_class):
    rows, out, *_ = graded_class
    assert rows["blank"]["score"] == "0" and rows["blank"]["problem"] == ""
    assert "not implemented yet" in feedback_text(out, "blank")


@pytest.mark.parametrize("name", list(EXPECTED_WRONG))
def test_wrong_submission_gets_partial_marks_and_its_hint(graded_class, name):
    rows, out, *_ = graded_class
    score, hint = EXPECTED_WRONG[name]
    assert rows[name]["score"] == str(score)
    assert f"this looks like '{hint}'" in feedback_text(out, name)


def test_feedback_shows_messages_but_no_hidden_test_source(graded_class):
    rows, out, *_ = graded_class
    for student in rows:
        text = feedback_text(out, student)
        assert "hidden=True" not in text and "HIDDEN TESTS" not in text
        assert "most recent call last" not in text and "---->" not in text


def test_submissions_are_never_modified(graded_class):
    _, _, before, after, _ = graded_class
    assert before == after


def test_grading_prints_a_summary(graded_class):
    *_, stdout = graded_class
    assert "solution: 10 / 10" in stdout and "blank: 0 / 10" in stdout
    assert "graded 6 submissions" in stdout


def test_nbgrader_submitted_layout_is_accepted(tmp_path):
    submitted = tmp_path / "submitted" / "alice" / "ps01-rnn"
    submitted.mkdir(parents=True)
    shutil.copyfile(SOLUTION, submitted / "ps01-rnn.ipynb")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "ps01", str(tmp_path / "submitted"),
                          "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "alice: 10 / 10" in run.stdout
    assert (out / "feedback" / "alice.html").exists()


@pytest.mark.parametrize("setup, message", [
    (lambda d: None, "no notebooks in"),
    (lambda d: (d / "bad name.ipynb").write_text("{}"), "is not a usable student id"),
])
def test_bad_submission_folders_are_explained(tmp_path, setup, message):
    setup(tmp_path)
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "ps01", str(tmp_path), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


def test_unknown_assignment_is_explained(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "ps99", str(tmp_path), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "no single assignment called 'ps99'" in run.stderr
    assert "known: ps01-rnn" in run.stderr


@pytest.mark.parametrize("notebook, passed, score", [
    (SOLUTION, True, "10 / 10"),
    (WRONG / "state_not_carried.ipynb", False, "6 / 10"),
])
def test_self_check_reports_each_task(notebook, passed, score):
    run = subprocess.run([sys.executable, "-m", "autograder", "check", str(notebook)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == (0 if passed else 1), run.stderr
    assert f"score on the visible checks: {score}" in run.stdout
    assert "[PASS] test_rnn_cell_forward (3 points)" in run.stdout
    if not passed:
        assert "[FAIL] test_rnn_forward (4 points)" in run.stdout
        assert "state not carried between steps" in run.stdout


def test_self_check_explains_a_file_that_is_not_a_notebook(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    run = subprocess.run([sys.executable, "-m", "autograder", "check", str(broken)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "is not a readable notebook" in run.stderr
