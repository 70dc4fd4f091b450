"""Benchmark: grading a synthetic ps01 class with ``--workers 2`` against nbgrader and bare nbclient.

A script, not a test: it prints what it measured, all in one run on the same class, so that
machine load affects every contestant alike as far as possible.

    .venv/bin/python benchmarks/grade_class.py [--size 40] [--keep DIR]

The class mixes correct, blank, partially wrong and hostile (but harmless outside a sandbox,
since nbgrader runs them unsandboxed) submissions. Four timings:

1. bare: each notebook executed once, serially, by nbclient (no grading at all);
2. nbgrader: plain ``nbgrader autograde`` over the class (one command, serial, unsandboxed);
3. ours x2: ``python -m autograder grade --workers 2`` (sandbox, checks in the grader, feedback);
4. ours x1: the same with ``--workers 1``.

It reports notebooks per minute for 2 and 3 (goal: 3 at least 1.7 times 2) and seconds per
notebook for 4 against 1 (goal: at most 1.5 times).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from redteam.kinds import KINDS, Targets  # noqa: E402
from redteam.notebooks import STUDENT_COPY, Submission  # noqa: E402

BIN = Path(sys.executable).parent
WRONG = ROOT / "tests" / "submissions" / "ps01"
# Attacks that do no harm when nbgrader runs them without a sandbox.
HARMLESS_ATTACKS = ["monkeypatches_checks", "calls_reference", "hijacks_cell_execution", "fake_all_passed",
                    "sys_exit", "edited_test_cell", "deleted_test_cell", "other_kernel", "monkeypatches_numpy"]


def synthetic_class(folder, size):
    """``size`` submissions: 40% correct, 20% blank, 25% partly wrong, 15% hostile."""
    targets = Targets(str(ROOT), str(folder), str(folder))
    wrong = sorted(WRONG.glob("*.ipynb"))
    attacks = [k for k in KINDS if k.name in HARMLESS_ATTACKS]
    makers = ([lambda i: Submission().bytes()] * 8 + [lambda i: STUDENT_COPY.read_bytes()] * 4
              + [lambda i: wrong[i % len(wrong)].read_bytes()] * 5
              + [lambda i: attacks[i % len(attacks)].build(targets)] * 3)
    for i in range(size):
        (folder / f"student{i:03d}.ipynb").write_bytes(makers[i % len(makers)](i))


def timed(command, **kwargs):
    started = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, **kwargs)
    seconds = time.monotonic() - started
    if run.returncode != 0:
        raise SystemExit(f"{command[:4]} failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    return seconds


def bare_nbclient(notebooks, work):
    """Execute each notebook once with nbclient, serially, in one process (its start-up excluded)."""
    script = work / "bare.py"
    script.write_text(
        "import sys, time, nbformat\nfrom nbclient import NotebookClient\nstarted = time.monotonic()\n"
        "for path in sys.argv[1:]:\n"
        "    nb = nbformat.read(path, as_version=4)\n"
        "    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name='python3',\n"
        "                   resources={'metadata': {'path': sys.argv[0].rsplit('/', 1)[0]}}).execute()\n"
        "print(time.monotonic() - started)\n")
    run = subprocess.run([sys.executable, str(script), *map(str, notebooks)], capture_output=True, text=True)
    return float(run.stdout.strip().splitlines()[-1])


def plain_nbgrader(submissions, work):
    """``nbgrader autograde`` over the class in a course folder of its own (set-up not timed)."""
    course = work / "nbgrader-course"
    shutil.copytree(ROOT / "solutions" / "ps01-rnn", course / "source" / "ps01-rnn")
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.ExecutePreprocessor.timeout = 120\n")
    for path in submissions:
        target = course / "submitted" / path.stem / "ps01-rnn" / "ps01-rnn.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
    env_path = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    timed([str(BIN / "nbgrader"), "generate_assignment", "ps01-rnn", "--force"], cwd=course, env=env_path)
    return timed([str(BIN / "nbgrader"), "autograde", "ps01-rnn", "--force"], cwd=course, env=env_path)


def ours(submissions_folder, out, workers):
    seconds = timed([sys.executable, "-m", "autograder", "grade", "ps01", str(submissions_folder), "--out", str(out),
                     "--workers", str(workers), "--force"], cwd=ROOT)
    inside = [json.loads(p.read_text())["result"]["seconds"] for p in (out / ".grading" / "results").glob("*.json")]
    return seconds, sum(inside) / len(inside)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40, help="submissions in the synthetic class")
    parser.add_argument("--keep", help="keep the class and the outputs in this folder")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="grade-benchmark-"))
    submissions = work / "class"
    submissions.mkdir(parents=True, exist_ok=True)
    synthetic_class(submissions, args.size)
    notebooks = sorted(submissions.glob("*.ipynb"))
    n = len(notebooks)
    print(f"class of {n} ps01 submissions in {submissions}")
    bare = bare_nbclient(notebooks, work)
    print(f"bare nbclient, serial:        {bare:7.1f} s  ({bare / n:5.2f} s per notebook)")
    nbgrader = plain_nbgrader(notebooks, work)
    print(f"nbgrader autograde, serial:   {nbgrader:7.1f} s  ({60 * n / nbgrader:5.1f} notebooks/min)")
    two, two_inside = ours(submissions, work / "out-2", 2)
    print(f"autograder grade --workers 2: {two:7.1f} s  ({60 * n / two:5.1f} notebooks/min)")
    one, one_inside = ours(submissions, work / "out-1", 1)
    print(f"autograder grade --workers 1: {one:7.1f} s  ({one / n:5.2f} s per notebook, "
          f"{one_inside:.2f} s inside the worker)")
    print(f"throughput, --workers 2 vs nbgrader autograde: {nbgrader / two:.2f}x (goal >= 1.7)")
    print(f"time per notebook, grading vs bare nbclient:  {one / bare:.2f}x (goal <= 1.5)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
