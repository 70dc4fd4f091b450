"""What one shard of a large class needs: time per notebook, peak memory and disk.

A script, not a test. It grades a class of ps01 notebooks (the solution, the blank copy and the
plausible wrong submissions in turn) as one ``grade --workers W`` run and samples, every 0.2 s,
the resident memory of the whole process tree (the grader, its workers, their sandboxed kernels)
and the size of the temporary folder the workers use (their nbgrader course folders).

    .venv/bin/python benchmarks/grade_shard.py [--size 12] [--workers 1]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
KINDS = [
    ROOT / "solutions" / "ps01-rnn" / "ps01-rnn.ipynb",
    ROOT / "exercises" / "ps01-rnn" / "ps01-rnn.ipynb",
    *sorted((ROOT / "tests" / "submissions" / "ps01").glob("*.ipynb")),
]


def folder_size(folder):
    """Bytes in a folder that the workers change while it is walked (vanished files skipped)."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(parent, name)).st_size
            except OSError:
                pass
    return total


def tree_rss(process):
    total = 0
    try:
        for member in [process, *process.children(recursive=True)]:
            try:
                total += member.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=12)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        submissions, out, tmp = work / "class", work / "out", work / "tmp"
        submissions.mkdir()
        tmp.mkdir()
        for number in range(args.size):
            shutil.copyfile(KINDS[number % len(KINDS)], submissions / f"s{number:03d}.ipynb")
        peaks = {"rss": 0, "tmp": 0}
        start = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "autograder",
                "grade",
                "ps01",
                str(submissions),
                "--out",
                str(out),
                "--workers",
                str(args.workers),
            ],
            env={**os.environ, "TMPDIR": str(tmp)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        watched = psutil.Process(process.pid)

        def sample():
            while process.poll() is None:
                peaks["rss"] = max(peaks["rss"], tree_rss(watched))
                peaks["tmp"] = max(peaks["tmp"], folder_size(tmp))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample)
        sampler.start()
        code = process.wait()
        sampler.join()
        seconds = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"grading failed with exit code {code}")
        results = folder_size(out)
    print(
        f"{args.size} notebooks, --workers {args.workers}: {seconds:.1f} s "
        f"({seconds / args.size:.2f} s per notebook, {60 * args.size / seconds:.1f} per minute)"
    )
    print(f"peak memory of the process tree: {peaks['rss'] / 2**20:.0f} MB")
    print(
        f"peak temporary disk: {peaks['tmp'] / 2**20:.1f} MB; "
        f"output: {results / 2**10 / args.size:.0f} KB per student"
    )


if __name__ == "__main__":
    main()
