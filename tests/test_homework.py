"""Every homework end to end: committed student copy, full marks, zero, and named mistakes.

Each assignment ``solutions/psNN-*`` needs ``tests/submissions/psNN/expected.json`` mapping each
wrong submission ``<name>.ipynb`` in that folder to its expected score and a hint that its
feedback must contain. One grading run per assignment covers the solution, the blank student
copy and every wrong submission.
"""

import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading.release import release
from helpers import grade_folder

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").glob("ps*") if p.is_dir())
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def notebook_path(folder, assignment):
    (path,) = sorted((ROOT / folder / assignment).glob("*.ipynb"))
    return path


def short_id(assignment):
    return assignment.split("-")[0]


def expected_wrong(assignment):
    path = ROOT / "tests" / "submissions" / short_id(assignment) / "expected.json"
    return {
        name: spec
        for name, spec in json.loads(path.read_text()).items()
        if not name.startswith("_")
    }


def cell_sources(path):
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_copy_is_what_nbgrader_generates(tmp_path, assignment):
    generated = (
        release(assignment, exercises_dir=tmp_path) / notebook_path("solutions", assignment).name
    )
    assert (
        generated.read_text() == notebook_path("exercises", assignment).read_text()
    ), "exercises/ is stale: run `make exercises` and commit the result"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_copy_holds_no_solution_and_no_hidden_test(assignment):
    student = "\n".join(cell_sources(notebook_path("exercises", assignment)))
    assert (
        "BEGIN SOLUTION" not in student
        and "HIDDEN TESTS" not in student
        and "hidden=True" not in student
    )
    solution_lines = {
        line.strip()
        for source in cell_sources(notebook_path("solutions", assignment))
        for region in SOLUTION_REGION.findall(source)
        for line in region.splitlines()
    }
    leaked = [line for line in solution_lines if len(line) > 12 and line in student]
    assert not leaked, f"solution code in the student copy: {leaked}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebooks_are_committed_without_outputs(assignment):
    for folder in ("solutions", "exercises"):
        notebook = json.loads(notebook_path(folder, assignment).read_text())
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), folder


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_cell_has_points_and_a_docstring(assignment):
    notebook = json.loads(notebook_path("solutions", assignment).read_text())
    graded = [c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert graded
    for cell in graded:
        assert cell["metadata"]["nbgrader"]["points"] > 0
        assert "".join(cell["source"]).startswith('"""'), cell["metadata"]["nbgrader"]["grade_id"]


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """Grade the solution, the blank copy and every wrong submission of one assignment, in one
    run.
    """
    assignment = request.param
    submissions = tmp_path_factory.mktemp(f"{short_id(assignment)}-submissions")
    shutil.copyfile(notebook_path("solutions", assignment), submissions / "solution.ipynb")
    shutil.copyfile(notebook_path("exercises", assignment), submissions / "blank.ipynb")
    for name in expected_wrong(assignment):
        shutil.copyfile(
            ROOT / "tests" / "submissions" / short_id(assignment) / f"{name}.ipynb",
            submissions / f"{name}.ipynb",
        )
    before = {p.name: digest(p) for p in submissions.iterdir()}
    out = tmp_path_factory.mktemp(f"{short_id(assignment)}-out")
    rows = grade_folder(short_id(assignment), submissions, out, timeout=1800)
    after = {p.name: digest(p) for p in submissions.iterdir()}
    return assignment, rows, out, before == after


def feedback_text(out, student):
    page = (out / "feedback" / f"{student}.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.e2e
def test_solution_gets_full_marks(graded):
    _, rows, _, _ = graded
    assert float(rows["solution"]["score"]) == float(rows["solution"]["max_score"]) > 0, rows[
        "solution"
    ]


@pytest.mark.e2e
def test_blank_copy_gets_zero_without_crashing(graded):
    _, rows, out, _ = graded
    assert float(rows["blank"]["score"]) == 0 and rows["blank"]["problem"] == ""
    assert "not implemented yet" in feedback_text(out, "blank")


@pytest.mark.e2e
def test_wrong_submissions_get_their_score_and_hint(graded):
    assignment, rows, out, _ = graded
    wrong = expected_wrong(assignment)
    assert len(wrong) >= 3, "each homework keeps at least three plausible wrong submissions"
    for name, spec in wrong.items():
        assert float(rows[name]["score"]) == spec["score"], (name, rows[name])
        assert spec["hint"] in feedback_text(out, name), name
        for cell, points in spec.get("cells", {}).items():  # partial credit, per grade cell
            assert float(rows[name][cell]) == points, (name, cell, rows[name])
        assert spec.get("feedback", "") in feedback_text(out, name), name


@pytest.mark.e2e
def test_feedback_shows_messages_but_no_hidden_test_source(graded):
    _, rows, out, _ = graded
    for student in rows:
        text = feedback_text(out, student)
        assert "hidden=True" not in text and "HIDDEN TESTS" not in text
        assert "most recent call last" not in text and "---->" not in text


@pytest.mark.e2e
def test_submissions_are_never_modified(graded):
    assert graded[3]


@pytest.mark.e2e
def test_self_check_reports_partial_credit_for_a_gru_right_in_one_variant():
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "check",
            str(ROOT / "tests" / "submissions" / "ps04" / "d2l_style_cell.ipynb"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 1, run.stdout + run.stderr  # not every task passes
    assert "[PART] test_gru_cell_forward (1/4 points)" in run.stdout
    assert "right for 1 of 3 variants (reset_after=False, z_convention='keep')" in run.stdout
    assert "[FAIL] test_torch_gru_states (2 points)" in run.stdout  # no variants: all or nothing
    assert "score on the visible checks: 6.5 / 15" in run.stdout
