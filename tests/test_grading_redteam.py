"""Hostile submissions, graded in one run beside honest ones: each gets its score and reason.

One ``grade --workers 2`` run covers every kind in ``tests/redteam/kinds.py``, the solution, the
blank student copy, the plausible wrong submissions and two files that are not notebooks. The
run must finish, every honest submission must keep its score, no submitted file may change, and
nothing outside a kernel's sandbox may be read or written.
"""

import hashlib
import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from helpers import grades_csv, run_grade
from redteam.kinds import KINDS, Targets

pytestmark = pytest.mark.e2e  # every test here grades notebooks through the sandbox

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "ps01-rnn" / "ps01-rnn.ipynb"
STUDENT_COPY = ROOT / "exercises" / "ps01-rnn" / "ps01-rnn.ipynb"
WRONG = ROOT / "tests" / "submissions" / "ps01"
HONEST = {
    "solution": 10,
    "blank": 0,
    **{
        name: spec["score"]
        for name, spec in json.loads((WRONG / "expected.json").read_text()).items()
        if not name.startswith("_")
    },
}
NOT_NOTEBOOKS = {"report.pdf": b"%PDF-1.4", "notes.txt": b"my notes"}
# Short limits keep the run quick; the slow but correct kind still fits in them.
LIMITS = ["--cell-timeout", "15", "--notebook-timeout", "240"]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_digest(folder):
    return {
        str(p.relative_to(folder)): digest(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    submissions = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("out")
    targets = Targets(str(ROOT), str(submissions), str(out))
    shutil.copyfile(SOLUTION, submissions / "solution.ipynb")
    shutil.copyfile(STUDENT_COPY, submissions / "blank.ipynb")
    for name in HONEST:
        if (WRONG / f"{name}.ipynb").exists():
            shutil.copyfile(WRONG / f"{name}.ipynb", submissions / f"{name}.ipynb")
    for kind in KINDS:
        (submissions / kind.file).write_bytes(kind.build(targets))
    for name, data in NOT_NOTEBOOKS.items():
        (submissions / name).write_bytes(data)
    before = tree_digest(submissions)
    solutions_before = tree_digest(ROOT / "solutions")
    run = run_grade("ps01", submissions, out, "--workers", "2", *LIMITS, timeout=1500)
    rows = grades_csv(out)
    results = {
        p.stem: json.loads(p.read_text())["result"]
        for p in (out / ".grading" / "results").glob("*.json")
    }
    return {
        "run": run,
        "rows": rows,
        "results": results,
        "out": out,
        "targets": targets,
        "unchanged": before == tree_digest(submissions),
        "solutions_unchanged": solutions_before == tree_digest(ROOT / "solutions"),
    }


def log_lines(graded, student):
    text = (graded["out"] / "grading.log").read_text()
    return [line for line in text.splitlines() if line.startswith(f"{student}: ")]


def feedback_text(out, student):
    page = (out / "feedback" / f"{student}.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_the_grader_survives_the_whole_class(graded):
    run = graded["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    expected = set(HONEST) | {k.name for k in KINDS if k.graded}
    assert set(graded["rows"]) == expected


@pytest.mark.parametrize("student", sorted(HONEST))
def test_honest_submissions_keep_their_scores(graded, student):
    row = graded["rows"][student]
    assert float(row["score"]) == HONEST[student] and row["problem"] == "", row


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_each_attack_gets_its_score_and_reason(graded, kind):
    if not kind.graded:
        log = (graded["out"] / "grading.log").read_text().splitlines()
        assert kind.name not in graded["rows"]
        for _, text in kind.reasons:
            assert any(text in line for line in log), log[:20]
        return
    row, result = graded["rows"][kind.name], graded["results"][kind.name]
    scores = kind.score if isinstance(kind.score, tuple) else (kind.score,)
    assert float(row["score"]) in scores, (row, result["messages"], result["notes"])
    assert float(row["max_score"]) == 10
    for place, text in kind.reasons:
        if place == "problem":
            assert text in row["problem"], row["problem"]
        elif place == "log":
            assert any(text in line for line in log_lines(graded, kind.name)), log_lines(
                graded, kind.name
            )
        else:
            # A tuple lists reasons that are all right; which one a run gives depends on which timer
            # fires first on a loaded machine (the check's call limit or the kernel's cell limit).
            options = text if isinstance(text, tuple) else (text,)
            assert any(option in result["messages"][place] for option in options), result[
                "messages"
            ]
            assert any(option in feedback_text(graded["out"], kind.name) for option in options)


def test_files_that_are_not_notebooks_are_rejected_with_a_reason(graded):
    log = (graded["out"] / "grading.log").read_text()
    assert "rejected report.pdf: not a notebook (.pdf)" in log
    assert "rejected notes.txt: not a notebook (.txt)" in log
    rejected = len(NOT_NOTEBOOKS) + sum(not k.graded for k in KINDS)
    assert f"rejected {rejected} files" in graded["run"].stdout


def test_the_log_is_bounded_and_holds_no_control_characters(graded):
    text = (graded["out"] / "grading.log").read_text()
    assert len(text) < 1 << 20, len(text)
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", text)
    for student in graded["rows"]:
        assert len(log_lines(graded, student)) <= 60, student


def test_every_output_is_bounded(graded):
    """Each feedback page and each result stays small whatever the notebook printed."""
    for page in (graded["out"] / "feedback").glob("*.html"):
        assert page.stat().st_size < 12 << 20, page.name
    for path in (graded["out"] / ".grading" / "results").glob("*.json"):
        assert path.stat().st_size < 256 << 10, path.name


def test_no_submitted_file_changes(graded):
    assert graded["unchanged"]


def test_nothing_outside_the_sandbox_is_written(graded):
    assert graded["solutions_unchanged"]
    targets = graded["targets"]
    assert not Path(targets.root, "solutions", "pwned.txt").exists()
    assert not Path(targets.submissions, "pwned.ipynb").exists()
    assert "pwned" not in Path(targets.out, "grades.csv").read_text()
    assert not Path("/tmp/pwned.txt").exists()


def test_feedback_never_shows_hidden_tests(graded):
    for student in graded["rows"]:
        text = feedback_text(graded["out"], student)
        assert "hidden=True" not in text and "HIDDEN TESTS" not in text, student


def test_the_summary_gives_pass_rates_per_task(graded):
    stdout = graded["run"].stdout
    assert re.search(
        r"full marks per task: test_rnn_cell_forward \d+/\d+, test_rnn_forward \d+/\d+, "
        r"test_make_torch_rnn \d+/\d+",
        stdout,
    )
    failed = sum(1 for k in KINDS if any(place == "problem" for place, _ in k.reasons))
    assert f"{failed} not graded" in stdout


# ----------------------------------------------------------------------------- grading without root

GRADING_USER = "autograder-test"


def _as_user_command(command, user, visible=()):
    """``command`` run as ``user`` in a private mount namespace, where any folder on the way to the
    Python installation or to a folder of ``visible`` that ``user`` may not enter (e.g. /root
    holding pyenv, a 0700 temporary folder holding the course) shows only what lies on that way:
    what a shared server with a readable interpreter and the instructor's own course looks like."""
    blocked = {}  # a folder the user cannot enter -> its children on the way to a target
    for target in (Path(sys.base_prefix), *map(Path, visible)):
        for folder in [*reversed(target.parents), target][1:]:
            if not os.stat(folder.parent).st_mode & 0o001:
                blocked.setdefault(folder.parent, set()).add(folder)
    steps = []
    for parent in sorted(blocked, key=lambda p: len(p.parts)):  # outer folders first
        views = []
        for folder in sorted(blocked[parent]):
            view = tempfile.mkdtemp(prefix="view-")
            steps.append(f"mount --bind {shlex.quote(str(folder))} {view}")
            views.append((folder, view))
        steps.append(f"mount -t tmpfs -o mode=0755,size=1m tmpfs {shlex.quote(str(parent))}")
        for folder, view in views:
            steps += [
                f"mkdir -p {shlex.quote(str(folder))}",
                f"mount --bind {view} {shlex.quote(str(folder))}",
            ]
    steps.append(f"exec su {user} -s /bin/sh -c {shlex.quote(command)}")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-ec", "\n".join(steps)]


@pytest.mark.e2e
@pytest.mark.skipif(
    os.getuid() != 0 or not all(shutil.which(t) for t in ("unshare", "su", "useradd")),
    reason="needs root to create the unprivileged grading user",
)
def test_an_unprivileged_user_grades_in_bubblewraps_user_namespace():
    """As a user without privileges: the sandbox is bubblewrap's user namespace, the rooms are tmpfs
    in the worker's own user and mount namespace, and CPU falls back to per-process limits."""
    if subprocess.run(["id", GRADING_USER], capture_output=True).returncode != 0:
        subprocess.run(
            ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", GRADING_USER],
            check=True,
        )
    work = Path(tempfile.mkdtemp(prefix="unprivileged-grading-"))
    try:
        submissions, out = work / "class", work / "out"
        submissions.mkdir()
        shutil.copyfile(SOLUTION, submissions / "solution.ipynb")
        fills = next(k for k in KINDS if k.name == "fills_ipc_folder")
        (submissions / "fills_ipc_folder.ipynb").write_bytes(
            fills.build(Targets(str(ROOT), str(submissions), str(out)))
        )
        subprocess.run(["chown", "-R", GRADING_USER, str(work)], check=True)
        env = (
            f"HOME={work} PYTHONPATH={shlex.quote(os.environ.get('PYTHONPATH', str(ROOT)))} "
            "TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0 "
            # root's .course-secret is not theirs to read: an instructor passes their own secret
            "RNN_COURSE_SECRET=an-unprivileged-instructors-secret"
        )
        command = (
            f"cd {shlex.quote(str(ROOT))} && env {env} {shlex.quote(sys.executable)} -m autograder"
            f" grade ps01 {submissions} --out {out} --workers 2 {' '.join(LIMITS)}"
        )
        run = subprocess.run(
            _as_user_command(command, GRADING_USER, visible=[ROOT, Path(sys.executable).parent]),
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
        rows = grades_csv(out)
        assert (
            float(rows["solution"]["score"]) == 10 and float(rows["fills_ipc_folder"]["score"]) == 7
        ), rows
        result = json.loads((out / ".grading" / "results" / "fills_ipc_folder.json").read_text())[
            "result"
        ]
        assert "RuntimeError: bounded" in result["messages"]["test_make_torch_rnn"]
        workers = (out / ".grading" / "workers.log").read_text()
        assert "kernel rooms: tmpfs of 4096 KB" in workers, workers[-2000:]
        assert "per-process limits and nice 10 only" in workers
        assert (out / "grades.csv").stat().st_uid != 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
