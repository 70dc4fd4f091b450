"""Time the book's build against running the same chapters' code as plain Python scripts.

Usage: .venv/bin/python benchmarks/book_build.py
Reports, from one run: a clean build (every page executed, in parallel into the execution cache
by tools/parallel_execution.py), the same clean build with the pages executed one after another
(BOOK_EXECUTION_WORKERS=1, as myst-nb alone does), a no-change rebuild (served from the execution
cache), each chapter's code run as a plain script, and the ratios clean build / scripts and
clean build / serial clean build.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "MPLBACKEND": "Agg"}
CODE_CELL = re.compile(r"```\{code-cell\}[^\n]*\n(?:---\n.*?\n---\n)?(.*?)```", re.S)


def timed(command, env=None, **kwargs):
    start = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        env={**ENV, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **kwargs,
    )
    return time.perf_counter() - start


def chapter_script(page):
    """The page's code cells as one script (cell options such as ``:tags:`` lines dropped)."""
    cells = CODE_CELL.findall(page.read_text())
    lines = [line for cell in cells for line in cell.splitlines() if not line.startswith(":")]
    return "\n".join(lines) + "\n"


def main():
    # each chapter's index and its section pages
    pages = sorted((ROOT / "book").glob("[0-9][0-9]-*/*.md"))
    with tempfile.TemporaryDirectory() as out:
        build = [
            str(JUPYTER_BOOK),
            "build",
            str(ROOT),
            "--path-output",
            out,
            "-W",
            "-n",
            "--keep-going",
        ]
        clean = timed(build)
        rebuild = timed(build)
    with tempfile.TemporaryDirectory() as out:
        build = [
            str(JUPYTER_BOOK),
            "build",
            str(ROOT),
            "--path-output",
            out,
            "-W",
            "-n",
            "--keep-going",
        ]
        serial = timed(build, env={"BOOK_EXECUTION_WORKERS": "1"})
        scripts = {}
        for page in pages:
            name = page.parent.name if page.stem == "index" else f"{page.parent.name}/{page.stem}"
            script = Path(out) / f"{name.replace('/', '--')}.py"
            script.write_text(chapter_script(page))
            scripts[name] = timed([sys.executable, str(script)], cwd=page.parent)
    total = sum(scripts.values())
    print(f"clean build:        {clean:7.1f} s")
    print(f"serial clean build: {serial:7.1f} s")
    print(f"no-change rebuild:  {rebuild:7.1f} s")
    for name, seconds in scripts.items():
        print(f"  script {name:28s} {seconds:6.1f} s")
    print(f"chapters as scripts:{total:7.1f} s")
    print(
        f"clean build / scripts = {clean / total:.2f}; "
        f"clean / serial clean = {clean / serial:.2f}; rebuild / clean = {rebuild / clean:.3f}"
    )


if __name__ == "__main__":
    main()
