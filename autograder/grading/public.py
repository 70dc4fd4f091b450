"""The class edition: what students of a graded class get, built into ``_build/public/``.

``python -m autograder public`` (``make public``) writes

- ``site/``: the book with the class edition's answer blocks (``tools/answer_code.py``: the
  reference code of every graded task becomes a note) and ``site/dist/``, from where the homework's
  Colab cell installs the student wheel;
- ``exercises/``: the student notebooks;
- ``dist/``: the student wheel (``student_package.py``): visible checks, recorded answers.

It refuses to start without a usable course secret (the grader draws hidden cases from it, so a
class edition without one is a mistake), or when a solution cell lacks its BEGIN/END SOLUTION
markers (its answer would go to the students), naming the file. ``scan`` then looks for the answer
key in every file built: any solution-cell line, any line of ``autograder/reference/*.py``, the
hidden-case generator and the secret.
"""

import ast
import html
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .course import COURSE_ROOT, CourseError
from .secret import require_secret

SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
MIN_LINE_CHARS = 20  # shorter lines (`return h`, `h = h0`) occur in any code about RNNs
GENERATOR_MARKERS = ("HIDDEN_SPECS", "def hidden_seed", "def hidden_specs", "hidden_case_source")


def check_solution_markers(root=COURSE_ROOT):
    """Every solution cell of every homework holds a BEGIN/END SOLUTION region."""
    for path in sorted(Path(root, "solutions").glob("ps*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            info = cell.get("metadata", {}).get("nbgrader", {})
            source = "".join(cell.get("source", ""))
            if (
                info.get("solution")
                and cell.get("cell_type") == "code"
                and not SOLUTION_REGION.search(source)
            ):
                raise CourseError(
                    f"{path}: solution cell {info.get('grade_id')!r} has no ### BEGIN SOLUTION / "
                    "### END SOLUTION markers, so its answer would be released to students"
                )


def build_public(root=COURSE_ROOT, out=None, site=True, log=print, cache=None):
    """Build the class edition into ``out`` (default ``_build/public``); returns the output folder.

    ``cache``: a Jupyter cache of executed pages to reuse (default: the open edition's, if built).
    """
    from .release import release
    from .student_package import build_wheel

    root = Path(root)
    out = Path(out) if out else root / "_build" / "public"
    require_secret(root)
    check_solution_markers(root)
    for folder in ("site", "exercises", "dist"):
        shutil.rmtree(out / folder, ignore_errors=True)
    (out / "exercises").mkdir(parents=True)
    for assignment in sorted(p.name for p in (root / "solutions").glob("ps*") if p.is_dir()):
        release(assignment, root, exercises_dir=out / "exercises")
    log(f"wrote the student notebooks to {out / 'exercises'}")
    wheel, _, _ = build_wheel(out / "dist", root, log=log)
    log(f"wrote the student wheel {wheel}")
    if site:
        build_site(root, out, log, cache)
        shutil.copytree(out / "dist", out / "site" / "dist")
    return out


def build_site(root, out, log=print, cache=None):
    """The book in the class edition, reusing the open edition's executed cells when they are
    cached.
    """
    build = out / ".book"
    cache = Path(cache) if cache else root / "_build" / ".jupyter_cache"
    (build / "_build").mkdir(parents=True, exist_ok=True)
    link = build / "_build" / ".jupyter_cache"
    if cache.is_dir() and not link.exists():
        link.symlink_to(cache.resolve())  # the cells' outputs do not depend on the edition
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    log("building the class edition of the book")
    run = subprocess.run(
        [
            str(jupyter_book),
            "build",
            str(root),
            "--path-output",
            str(build),
            "-W",
            "-n",
            "--keep-going",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COURSE_EDITION": "class"},
    )
    if run.returncode:
        raise CourseError(
            "the class edition of the book did not build:\n" + (run.stdout + run.stderr)[-3000:]
        )
    shutil.copytree(build / "_build" / "html", out / "site")


# --- the scan
# --------------------------------------------------------------------------------------

# A line that only unpacks or renames (``batch, time, _ = x.shape``, ``W_x, W_h, b = params``).
PLAIN_UNPACKING = re.compile(r"^[\w, ]+ = [\w., ()\[\]]+$")
# A line any numpy or PyTorch code about sequences has.
COMMONPLACE = {"rng = np.random.default_rng(seed)", "torch.manual_seed(0)", "optimizer.zero_grad()"}


def _significant(line):
    """A line long and specific enough that finding it means finding the answer key's code.

    Left out: short lines, comments, imports, decorators, block headers (``for t in range(time):``,
    ``def f(x):``, ``with torch.no_grad():``), plain unpacking and a few commonplace lines.
    """
    line = line.strip()
    return (
        len(line) >= MIN_LINE_CHARS
        and not line.startswith(("#", "import ", "from ", "@", '"""', "'''"))
        and not line.endswith(":")
        and not PLAIN_UNPACKING.match(line)
        and line not in COMMONPLACE
    )


def _code_lines(path):
    """The significant lines of a Python file that are code (docstrings, comments and imports
    left out: a name listed in a wrapped import is no answer).
    """
    text = Path(path).read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            docstrings.update(range(node.lineno, node.end_lineno + 1))
            continue
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    return {
        line.strip()
        for number, line in enumerate(text.splitlines(), 1)
        if number not in docstrings and _significant(line)
    }


def answer_key_lines(root=COURSE_ROOT):
    """{line: where it comes from} for every significant line of the answer key."""
    root = Path(root)
    needles = {}
    for path in sorted(root.glob("solutions/ps*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            for region in SOLUTION_REGION.findall("".join(cell.get("source", ""))):
                for line in region.splitlines():
                    if _significant(line):
                        needles.setdefault(line.strip(), f"{path.relative_to(root)} (solution)")
    for path in sorted((root / "autograder" / "reference").glob("*.py")):
        for line in _code_lines(path):
            needles.setdefault(line, str(path.relative_to(root)))
    for line in _code_lines(root / "autograder" / "grading" / "secret.py"):
        needles.setdefault(line, "autograder/grading/secret.py (hidden-case generator)")
    # The code a homework gives (signatures, the parts around the solution) is public by design.
    for path in sorted(root.glob("exercises/ps*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell.get("cell_type") == "code":
                for line in "".join(cell.get("source", "")).splitlines():
                    needles.pop(line.strip(), None)
    return needles


@dataclass
class ScanReport:
    files: int = 0
    lines: int = 0
    needles: int = 0
    kinds: dict = field(default_factory=dict)  # "html", "ipynb", "wheel", ... -> files
    hits: list = field(default_factory=list)  # (file, what, line)


def _texts(path):
    """(name, text) of a built file's readable contents (an HTML page's text, a wheel's files)."""
    suffix = path.suffix
    if suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            for name in wheel.namelist():
                data = wheel.read(name)
                yield f"{path.name}!{name}", "wheel", data.decode("latin-1")
        return
    data = path.read_bytes()
    text = data.decode("utf-8", "replace")
    if suffix in (".html", ".htm"):
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
        yield str(path), "html", text
    elif suffix == ".ipynb":
        try:
            notebook = json.loads(text)
            parts = []
            for cell in notebook.get("cells", []):
                parts.append("".join(cell.get("source", "")))
                for output in cell.get("outputs", []):
                    parts.append("".join(output.get("text", "")))
                    parts.extend(
                        "".join(v) if isinstance(v, list) else str(v)
                        for v in output.get("data", {}).values()
                    )
            text = "\n".join(parts)
        except ValueError:
            pass
        yield str(path), "ipynb", text
    else:
        yield str(path), suffix.lstrip(".") or "other", text


def scan(folder, root=COURSE_ROOT, secret=None):
    """Look for the answer key, the hidden-case generator and the secret in every file under
    ``folder``.
    """
    needles = answer_key_lines(root)
    secret = secret if secret is not None else require_secret(root)
    report = ScanReport(needles=len(needles))
    for path in sorted(
        p for p in Path(folder).rglob("*") if p.is_file() and ".book" not in p.parts
    ):
        report.files += 1
        for name, kind, text in _texts(path):
            report.kinds[kind] = report.kinds.get(kind, 0) + 1
            lines = {line.strip() for line in text.splitlines()}
            report.lines += len(lines)
            for line in lines & needles.keys():
                report.hits.append((name, needles[line], line))
            for marker in GENERATOR_MARKERS:
                if marker in text:
                    report.hits.append((name, "the hidden-case generator", marker))
            if secret and secret in text:
                report.hits.append((name, "the course secret", "(the secret)"))
    return report
