"""Grading a class end to end: a zip export, re-runs that regrade only what changed, shards and
merge.
"""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.grading.grade import in_shard
from helpers import grades_csv, run_grade

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "ps01-rnn" / "ps01-rnn.ipynb"
STUDENT_COPY = ROOT / "exercises" / "ps01-rnn" / "ps01-rnn.ipynb"
WRONG = ROOT / "tests" / "submissions" / "ps01"


def grade(submissions, out, *options):
    run = run_grade("ps01", submissions, out, "--workers", "2", *options, timeout=900)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return run


def scores(out):
    return {student: row["score"] for student, row in grades_csv(out).items()}


def stored_results(out):
    return {p.stem: p.stat().st_mtime_ns for p in (out / ".grading" / "results").glob("*.json")}


def grader_fingerprint(out):
    return json.loads((out / "grading.json").read_text())["fingerprint"]


def skip_if_the_grader_changed(out, before):
    """A re-run rightly regrades everything when the grading code changed in between (someone edited
    the package while the test ran); that says nothing about unchanged submissions."""
    if grader_fingerprint(out) != before:
        pytest.skip("the autograder package changed between the two runs")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A class exported as a zip with a wrapping folder, a stray PDF and archiver junk, graded
    once.
    """
    folder = tmp_path_factory.mktemp("export")
    archive = folder / "ps01-export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(SOLUTION, "ps01 (all sections)/ada.ipynb")
        zipped.write(STUDENT_COPY, "ps01 (all sections)/grace.ipynb")
        zipped.writestr("ps01 (all sections)/grace-report.pdf", b"%PDF-1.4")
        zipped.writestr("__MACOSX/ps01 (all sections)/._ada.ipynb", b"junk")
    out = folder / "out"
    first = grade(archive, out)
    return archive, out, first


def test_a_zip_export_is_graded(exported):
    _, out, first = exported
    assert scores(out) == {"ada": "10", "grace": "0"}
    assert "rejected grace-report.pdf: not a notebook (.pdf)" in (out / "grading.log").read_text()
    assert "graded 2 submissions, 0 not graded, 0 unchanged" in first.stdout


def test_a_rerun_regrades_nothing_unchanged(exported):
    archive, out, _ = exported
    before, fingerprint = stored_results(out), grader_fingerprint(out)
    again = grade(archive, out)
    skip_if_the_grader_changed(out, fingerprint)
    assert "graded 2 submissions, 0 not graded, 2 unchanged" in again.stdout
    assert stored_results(out) == before and scores(out) == {"ada": "10", "grace": "0"}


def test_a_rerun_regrades_only_the_changed_submission(exported, tmp_path):
    _, out, _ = exported
    archive = tmp_path / "resubmitted.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(SOLUTION, "ada.ipynb")
        zipped.write(WRONG / "state_not_carried.ipynb", "grace.ipynb")  # grace resubmitted
    before, fingerprint = stored_results(out), grader_fingerprint(out)
    again = grade(archive, out)
    skip_if_the_grader_changed(out, fingerprint)
    after = stored_results(out)
    assert "1 unchanged" in again.stdout
    assert after["ada"] == before["ada"] and after["grace"] != before["grace"]
    assert scores(out) == {"ada": "10", "grace": "6"}
    assert (
        json.loads((out / ".grading" / "results" / "grace.json").read_text())["result"]["score"]
        == 6
    )


def test_shards_graded_apart_merge_into_the_whole(tmp_path):
    students = ["ada", "grace", "alan", "edsger", "barbara"]
    first = next(s for s in students if in_shard(s, (1, 2)))
    second = next(s for s in students if in_shard(s, (2, 2)))
    submissions = tmp_path / "class"
    submissions.mkdir()
    shutil.copyfile(SOLUTION, submissions / f"{first}.ipynb")
    shutil.copyfile(WRONG / "torch_bias_twice.ipynb", submissions / f"{second}.ipynb")
    grade(submissions, tmp_path / "shard-1", "--shard", "1/2")
    grade(submissions, tmp_path / "shard-2", "--shard", "2/2")
    assert scores(tmp_path / "shard-1") == {first: "10"} and scores(tmp_path / "shard-2") == {
        second: "7"
    }
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "merge",
            str(tmp_path / "shard-1"),
            "--out",
            str(tmp_path / "all"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "missing 2" in missing.stderr
    merged = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "merge",
            str(tmp_path / "shard-1"),
            str(tmp_path / "shard-2"),
            "--out",
            str(tmp_path / "all"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert merged.returncode == 0, merged.stderr
    assert scores(tmp_path / "all") == {first: "10", second: "7"}
    assert sorted(p.name for p in (tmp_path / "all" / "feedback").iterdir()) == sorted(
        [f"{first}.html", f"{second}.html"]
    )
