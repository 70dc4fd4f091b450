"""Self-study: run a homework notebook's visible checks and report each task, no gradebook."""

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..checks._runner import partial_score, variants_in
from ..checks._undefined import why_not_defined
from .course import CELL_TIMEOUT_SECONDS, CourseError

# as feedback.py's, which needs nbgrader; the student package has none
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")

# Hidden tests exist only in the instructor's grader (they need the course secret); a self-check
# of an instructor's notebook runs its visible checks only.
HIDDEN_TESTS = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S | re.M
)


@dataclass
class TaskVerdict:
    grade_id: str
    points: float
    passed: bool
    message: str
    score: float = None  # the points earned; partial when some variants are right

    def __post_init__(self):
        if self.score is None:
            self.score = self.points if self.passed else 0.0


def check_notebook(path):
    """Execute a copy of the notebook at ``path`` and return one verdict per graded cell."""
    from nbclient import NotebookClient

    path = Path(path)
    try:
        notebook = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise CourseError(f"{path} does not exist") from None
    except Exception as error:  # nbformat raises several kinds for a damaged file
        raise CourseError(f"{path} is not a readable notebook: {error}") from None
    graded = [c for c in notebook.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    if not graded:
        raise CourseError(f"{path} has no graded cells: is it a course homework notebook?")
    for cell in graded:
        cell.source = HIDDEN_TESTS.sub("", cell.source)
    with tempfile.TemporaryDirectory() as work:
        client = NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT_SECONDS,
            allow_errors=True,
            kernel_name="python3",
            kernel_manager_class=_ipc_kernel_manager(Path(work)),
            resources={"metadata": {"path": work}},
        )
        client.execute()
    return [
        _verdict(cell, notebook.cells[:index])
        for index, cell in enumerate(notebook.cells)
        if cell in graded
    ]


def _ipc_kernel_manager(folder):
    """A kernel manager class whose kernel listens on ipc sockets in ``folder``, not on TCP.

    Nothing else can reach the kernel, and Jupyter's warning about unencrypted TCP no longer
    opens the report.
    """
    from jupyter_client.manager import AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", str(folder / "kernel"))
            kwargs.setdefault("connection_file", str(folder / "kernel.json"))
            super().__init__(**kwargs)

    return IpcKernelManager


FRAMEWORKS = {
    "torch": "PyTorch: pip install torch",
    "keras": "Keras: pip install tensorflow-cpu",
    "tensorflow": "TensorFlow: pip install tensorflow-cpu",
}


def _missing_frameworks(cells, before):
    """The frameworks that this task's cells (since the previous graded cell) could not import."""
    missing = []
    for cell in reversed(cells[: cells.index(before)]):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            break
        for output in cell.get("outputs", []):
            if (
                output.get("output_type") == "error"
                and output.get("ename") == "ModuleNotFoundError"
            ):
                named = re.search(r"No module named '(\w+)", str(output.get("evalue", "")))
                if (
                    named
                    and named.group(1) in FRAMEWORKS
                    and FRAMEWORKS[named.group(1)] not in missing
                ):
                    missing.append(FRAMEWORKS[named.group(1)])
    return missing


def _verdict(cell, earlier_cells=()):
    missing = _missing_frameworks(list(earlier_cells) + [cell], cell)
    info = cell.metadata["nbgrader"]
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    points, score = float(info.get("points", 0)), None
    named = (
        re.search(r"No module named '(\w+)", str(errors[0].get("evalue", ""))) if errors else None
    )
    # the task's code or its check imports a missing framework
    if named and named.group(1) in FRAMEWORKS:
        message = f"this task needs {FRAMEWORKS[named.group(1)]}"
    elif errors and missing:  # the task's own cell could not import its framework
        message = f"this task needs {' and '.join(missing)}"
    elif errors:
        message = f"{errors[0]['ename']}: {ANSI_ESCAPE.sub('', errors[0]['evalue'])}"
        variants = variants_in(message)  # a check with variants, some of them right: partial credit
        score = partial_score(points, *variants) if variants else 0.0
        reason = why_not_defined(errors[0], earlier_cells)
        if reason:
            message += f"\n  because {reason}"
    else:
        message = "".join(
            o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"
        )
    return TaskVerdict(info["grade_id"], points, not errors, message.strip(), score)


def report(verdicts):
    """Text for the terminal: each task's verdict and message, then the score."""
    lines = []
    for v in verdicts:
        if v.passed or not v.score:
            lines.append(f"[{'PASS' if v.passed else 'FAIL'}] {v.grade_id} ({v.points:g} points)")
        else:
            lines.append(f"[PART] {v.grade_id} ({v.score:g}/{v.points:g} points)")
        lines.extend(f"    {line}" for line in v.message.splitlines())
    score = sum(v.score for v in verdicts)
    lines.append(
        f"score on the visible checks: {score:g} / {sum(v.points for v in verdicts):g} "
        "(grading also runs hidden checks)"
    )
    return "\n".join(lines)
