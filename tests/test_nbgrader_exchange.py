"""The shipped nbgrader_config.py lets nbgrader's own exchange commands run out of the box:
release_assignment, a student's fetch_assignment and submit, and the instructor's collect."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NBGRADER = Path(sys.executable).parent / "nbgrader"


def nbgrader(*args, cwd, env=None):
    run = subprocess.run(
        [str(NBGRADER), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return run.stdout + run.stderr


@pytest.mark.e2e
def test_release_fetch_submit_collect(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder / "ps01-rnn", course / folder / "ps01-rnn")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBGRADER_")}
    # nbgrader runs alembic from the venv
    env["PATH"] = f"{NBGRADER.parent}{os.pathsep}{env.get('PATH', '')}"
    nbgrader("generate_assignment", "ps01-rnn", "--force", cwd=course, env=env)
    released = nbgrader("release_assignment", "ps01-rnn", "--force", cwd=course, env=env)
    exchange = course / "exchange"  # the default: beside nbgrader_config.py
    assert "Released as: rnn-course ps01-rnn" in released
    assert (exchange / "rnn-course" / "outbound" / "ps01-rnn" / "ps01-rnn.ipynb").is_file()

    student = tmp_path / "student"
    student.mkdir()
    where = ["--course", "rnn-course", f"--Exchange.root={exchange}"]
    nbgrader("fetch_assignment", "ps01-rnn", *where, cwd=student, env=env)
    assert (student / "ps01-rnn" / "ps01-rnn.ipynb").is_file()
    nbgrader("submit", "ps01-rnn", *where, cwd=student, env=env)

    collected = nbgrader("collect", "ps01-rnn", cwd=course, env=env)
    assert "Processing 1 submissions of 'ps01-rnn' for course 'rnn-course'" in collected
    submitted = list((course / "submitted").glob("*/ps01-rnn/ps01-rnn.ipynb"))
    assert len(submitted) == 1 and (submitted[0].parent / "timestamp.txt").is_file()


def test_student_data_is_ignored_by_git():
    """nbgrader's student folders and the exchange never show up in `git status`."""
    paths = [
        "submitted/ada/ps01-rnn/ps01-rnn.ipynb",
        "autograded/ada/x.ipynb",
        "feedback/ada/x.html",
        "grades.csv",
        "exchange/rnn-course/inbound/x",
    ]
    run = subprocess.run(
        ["git", "check-ignore", "--no-index", *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert sorted(run.stdout.split()) == sorted(paths)


def test_the_version_has_one_source():
    import tomllib

    import autograder

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and project["dynamic"] == ["version"]
    assert f"## [{autograder.__version__}]" in (ROOT / "CHANGELOG.md").read_text()
