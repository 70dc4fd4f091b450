"""Benchmark: grading a synthetic ps01 class with ``--workers 2`` against nbgrader and bare
nbclient.

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

Two more measurements (issue 11), each on its own:

    .venv/bin/python benchmarks/grade_class.py --neighbour [--honest 6]
    .venv/bin/python benchmarks/grade_class.py --load [--size 200]

``--neighbour``: the seconds an honest notebook takes in its worker, graded with ``--workers 2``
beside other honest notebooks ("solo"), beside a hog whose 50 children call ``setsid()`` and spin
for 60 s, and beside the same hog with the cgroups switched off (``AUTOGRADER_CGROUPS=0``, the
fallback). Goal: beside the hog within 1.5 times solo.

``--load``: a class of ``--size`` ps01 submissions, 10% hostile (every graded red-team kind in
turn), graded with ``--workers 2``, and the same class without its hostile notebooks. It checks
0 crashes and every honest score, and reports the honest notebooks' time per notebook in both
runs (goal: within 1.5 times) and the grading workers' peak memory (resident set).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from redteam.kinds import KINDS, Targets, setsid_hog  # noqa: E402
from redteam.notebooks import STUDENT_COPY, Submission  # noqa: E402

BIN = Path(sys.executable).parent
WRONG = ROOT / "tests" / "submissions" / "ps01"
# Attacks that do no harm when nbgrader runs them without a sandbox.
# The red-team run's short limits, so that the hostile notebooks' time limits cost minutes, not
# hours.
LIMITS = ["--cell-timeout", "40", "--notebook-timeout", "240"]
HARMLESS_ATTACKS = [
    "monkeypatches_checks",
    "calls_reference",
    "hijacks_cell_execution",
    "fake_all_passed",
    "sys_exit",
    "edited_test_cell",
    "deleted_test_cell",
    "other_kernel",
    "monkeypatches_numpy",
]


def synthetic_class(folder, size):
    """``size`` submissions: 40% correct, 20% blank, 25% partly wrong, 15% hostile."""
    targets = Targets(str(ROOT), str(folder), str(folder))
    wrong = sorted(WRONG.glob("*.ipynb"))
    attacks = [k for k in KINDS if k.name in HARMLESS_ATTACKS]
    makers = (
        [lambda i: Submission().bytes()] * 8
        + [lambda i: STUDENT_COPY.read_bytes()] * 4
        + [lambda i: wrong[i % len(wrong)].read_bytes()] * 5
        + [lambda i: attacks[i % len(attacks)].build(targets)] * 3
    )
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
    """Execute each notebook once with nbclient, serially, in one process (its start-up
    excluded).
    """
    script = work / "bare.py"
    script.write_text(
        "import sys, time, nbformat\nfrom nbclient import NotebookClient\nstarted ="
        " time.monotonic()\nfor path in sys.argv[1:]:\n    nb = nbformat.read(path, as_version=4)\n"
        "    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name='python3',\n           "
        "        resources={'metadata': {'path': sys.argv[0].rsplit('/',"
        " 1)[0]}}).execute()\nprint(time.monotonic() - started)\n"
    )
    run = subprocess.run(
        [sys.executable, str(script), *map(str, notebooks)], capture_output=True, text=True
    )
    return float(run.stdout.strip().splitlines()[-1])


def plain_nbgrader(submissions, work):
    """``nbgrader autograde`` over the class in a course folder of its own (set-up not timed)."""
    course = work / "nbgrader-course"
    shutil.copytree(ROOT / "solutions" / "ps01-rnn", course / "source" / "ps01-rnn")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.ExecutePreprocessor.timeout = 120\n"
    )
    for path in submissions:
        target = course / "submitted" / path.stem / "ps01-rnn" / "ps01-rnn.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
    env_path = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    timed(
        [str(BIN / "nbgrader"), "generate_assignment", "ps01-rnn", "--force"],
        cwd=course,
        env=env_path,
    )
    return timed(
        [str(BIN / "nbgrader"), "autograde", "ps01-rnn", "--force"], cwd=course, env=env_path
    )


def ours(submissions_folder, out, workers):
    seconds = timed(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            "ps01",
            str(submissions_folder),
            "--out",
            str(out),
            "--workers",
            str(workers),
            "--force",
        ],
        cwd=ROOT,
    )
    inside = [
        json.loads(p.read_text())["result"]["seconds"]
        for p in (out / ".grading" / "results").glob("*.json")
    ]
    return seconds, sum(inside) / len(inside)


class WorkerMemory:
    """Samples the resident memory of the grading workers (the pool's spawned processes) once a
    second.
    """

    def __init__(self):
        self.peak = {}
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        while self.running:
            for proc in Path("/proc").glob("[0-9]*"):
                try:
                    if b"multiprocessing.spawn" not in (proc / "cmdline").read_bytes():
                        continue
                    status = (proc / "status").read_text()
                except OSError:
                    continue
                rss = next(
                    (
                        int(line.split()[1])
                        for line in status.splitlines()
                        if line.startswith("VmRSS:")
                    ),
                    0,
                )
                self.peak[proc.name] = max(self.peak.get(proc.name, 0), rss >> 10)
            time.sleep(1)

    def stop(self):
        self.running = False
        self.thread.join()
        return max(self.peak.values(), default=0)


def grade_run(submissions_folder, out, env=None):
    """Grade with --workers 2 and the short limits; the results by student, the wall time, the peak
    worker MB.
    """
    memory = WorkerMemory()
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            "ps01",
            str(submissions_folder),
            "--out",
            str(out),
            "--workers",
            "2",
            "--force",
            *LIMITS,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    seconds = time.monotonic() - started
    peak = memory.stop()
    if run.returncode != 0:
        raise SystemExit(f"grading failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    results = {
        p.stem: json.loads(p.read_text())["result"]
        for p in (out / ".grading" / "results").glob("*.json")
    }
    return results, seconds, peak


def honest_class(folder, size):
    """``size`` honest submissions with known scores: solution, blank and the plausible wrong
    ones.
    """
    expected = json.loads((WRONG / "expected.json").read_text())
    makers = [
        ("solution", lambda: Submission().bytes(), 10),
        ("blank", lambda: STUDENT_COPY.read_bytes(), 0),
    ]
    makers += [
        (name, lambda name=name: (WRONG / f"{name}.ipynb").read_bytes(), spec["score"])
        for name, spec in expected.items()
        if not name.startswith("_")
    ]
    scores = {}
    for i in range(size):
        name, make, score = makers[i % len(makers)]
        student = f"honest{i:03d}-{name}"
        (folder / f"{student}.ipynb").write_bytes(make())
        scores[student] = score
    return scores


def per_notebook(results, students):
    return statistics.mean(results[s]["seconds"] for s in students)


def neighbour(work, honest):
    """An honest notebook's time beside honest ones, beside a setsid() hog, and beside it without
    cgroups.
    """
    solo, beside = work / "solo", work / "beside-hog"
    solo.mkdir(parents=True)
    students = [f"honest{i}" for i in range(honest)]
    for student in students:
        (solo / f"{student}.ipynb").write_bytes(Submission().bytes())
    shutil.copytree(solo, beside)
    hog = setsid_hog(children=50, seconds=60, linger=60)(None)
    (beside / "aaa-hog.ipynb").write_bytes(hog)  # sorted first: a worker takes it at once
    (solo / "aaa-honest.ipynb").write_bytes(Submission().bytes())  # the same number of notebooks
    times = {}
    for label, folder, env in [
        ("solo", solo, None),
        ("beside the hog", beside, None),
        ("beside the hog, no cgroups", beside, {"AUTOGRADER_CGROUPS": "0"}),
    ]:
        results, _, _ = grade_run(
            folder, work / f"out-{label.replace(' ', '-').replace(',', '')}", env
        )
        assert all(results[s]["score"] == 10 for s in students), {
            s: results[s]["score"] for s in students
        }
        times[label] = per_notebook(results, students)
        print(
            f"honest notebook {label:28s} {times[label]:6.2f} s per notebook "
            f"({times[label] / times['solo']:.2f}x solo)",
            flush=True,
        )
    print(
        f"ratio beside the hog / solo: {times['beside the hog'] / times['solo']:.2f} (goal <= 1.5);"
        f" without cgroups: {times['beside the hog, no cgroups'] / times['solo']:.2f}"
    )


def load(work, size):
    """A class with 10% hostile notebooks against the same class without them."""
    clean, mixed = work / "clean", work / "mixed"
    clean.mkdir(parents=True)
    hostile_count = size // 10
    scores = honest_class(clean, size - hostile_count)
    shutil.copytree(clean, mixed)
    targets = Targets(str(ROOT), str(mixed), str(work / "out-mixed"))
    # The kinds of issue 11 first (the bounds it asks for), then the older ones, each once in turn.
    newest = [k.name for k in KINDS].index("display_update_flood")
    kinds = [k for k in KINDS[newest:] + KINDS[:newest] if k.graded]
    for i in range(hostile_count):
        kind = kinds[i % len(kinds)]
        (mixed / f"hostile{i:03d}-{kind.name}.ipynb").write_bytes(kind.build(targets))
    print(
        f"class of {size} ps01 submissions, {hostile_count} hostile ({len(kinds)} kinds),"
        " --workers 2",
        flush=True,
    )
    figures = {}
    for label, folder in [("clean", clean), ("with hostile", mixed)]:
        results, seconds, peak = grade_run(folder, work / f"out-{label.replace(' ', '-')}")
        crashes = [
            s
            for s, r in results.items()
            if "grader failed" in r["problem"] or "stopped while" in r["problem"]
        ]
        wrong = {
            s: results[s]["score"]
            for s in scores
            if results[s]["score"] != scores[s] or results[s]["problem"]
        }
        figures[label] = per_notebook(results, scores)
        print(
            f"{label:13s}: {len(results)} graded in {seconds:6.0f} s; honest {figures[label]:5.2f}"
            f" s per notebook; crashes {len(crashes)} {crashes[:5]}; honest scores wrong:"
            f" {len(wrong)} {dict(list(wrong.items())[:5])}; peak worker memory {peak} MB",
            flush=True,
        )
    print(
        "honest time per notebook, with hostile / clean:"
        f" {figures['with hostile'] / figures['clean']:.2f} (goal <= 1.5)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size",
        type=int,
        default=None,
        help="submissions in the synthetic class (40; 200 for --load)",
    )
    parser.add_argument("--keep", help="keep the class and the outputs in this folder")
    parser.add_argument(
        "--neighbour", action="store_true", help="an honest notebook's time beside a setsid() hog"
    )
    parser.add_argument(
        "--honest", type=int, default=6, help="honest notebooks in the --neighbour runs"
    )
    parser.add_argument(
        "--load",
        action="store_true",
        help="a class with 10%% hostile notebooks against a clean one",
    )
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="grade-benchmark-"))
    try:
        if args.neighbour:
            return neighbour(work, args.honest)
        if args.load:
            return load(work, args.size or 200)
        compare_with_nbgrader(work, args.size or 40)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def compare_with_nbgrader(work, size):
    submissions = work / "class"
    submissions.mkdir(parents=True, exist_ok=True)
    synthetic_class(submissions, size)
    notebooks = sorted(submissions.glob("*.ipynb"))
    n = len(notebooks)
    print(f"class of {n} ps01 submissions in {submissions}")
    bare = bare_nbclient(notebooks, work)
    print(f"bare nbclient, serial:        {bare:7.1f} s  ({bare / n:5.2f} s per notebook)")
    nbgrader = plain_nbgrader(notebooks, work)
    print(
        f"nbgrader autograde, serial:   {nbgrader:7.1f} s  ({60 * n / nbgrader:5.1f} notebooks/min)"
    )
    two, two_inside = ours(submissions, work / "out-2", 2)
    print(f"autograder grade --workers 2: {two:7.1f} s  ({60 * n / two:5.1f} notebooks/min)")
    one, one_inside = ours(submissions, work / "out-1", 1)
    print(
        f"autograder grade --workers 1: {one:7.1f} s  ({one / n:5.2f} s per notebook, "
        f"{one_inside:.2f} s inside the worker)"
    )
    print(f"throughput, --workers 2 vs nbgrader autograde: {nbgrader / two:.2f}x (goal >= 1.7)")
    print(f"time per notebook, grading vs bare nbclient:  {one / bare:.2f}x (goal <= 1.5)")


if __name__ == "__main__":
    main()
