"""A tiny class, as a Canvas download, graded once per test session and shared by the
instructor-side tests (test_report.py, test_lms.py, test_feedback_page.py).

Canvas user 101 (Ada) hands in the answer key with hostile content added: script in Markdown, raw
cells and HTML/JavaScript/SVG/Markdown outputs, math, and a long line. 102 (Bob, marked LATE) and
103 (Carol) hand in the same wrong notebook (bias omitted), each with one hand-written rnn_forward
that the other copied with new names. Two files are not submissions: one whose name Canvas did not
write, and a PDF.
"""

import atexit
import functools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "ps01-rnn" / "ps01-rnn.ipynb"
BIAS_OMITTED = ROOT / "tests" / "submissions" / "ps01" / "bias_omitted.ipynb"
DEADLINE = "2026-03-01T23:59+00:00"

HOSTILE_MARKDOWN = """## My notes

Math that must be typeset: $h_t = \\tanh(x_t W_x + h_{t-1} W_h + b)$ and
$$\\sum_{t=1}^{T} h_t$$

<script>window.pwned = "markdown script"</script>
<img src="x" onerror="window.pwned = 'markdown onerror'">
<a href="javascript:window.pwned = 'link'">a link</a>
<div onmouseover="window.pwned = 'hover'" style="position:fixed;inset:0">cover</div>
"""
HOSTILE_RAW = (
    '<script>window.pwned = "raw"</script><img src="x" onerror="window.pwned = \'raw onerror\'">'
)
HOSTILE_CODE = """from IPython.display import HTML, SVG, Javascript, Markdown, display

display(HTML('<script>window.pwned = "html output"</script>'
             '<img src="x" onerror="window.pwned = \\'html onerror\\'"><b>bold output</b>'))
display(Javascript('window.pwned = "javascript output"; alert("javascript output")'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" '
            'onload="window.pwned = \\'svg\\'">'
            '<script>window.pwned = "svg script"</script><circle cx="10" cy="10" r="5"/></svg>'))
display(Markdown('<img src="x" onerror="alert(\\'markdown output\\')">'))
print("a long line without spaces: " + "x" * 400)
"""

# One hand-written rnn_forward, and the same code with every name changed (what copying looks like).
OWN_FORWARD = """
    states = []
    state = h0
    for step in range(x.shape[1]):
        state = rnn_cell_forward(x[:, step, :], state, W_x, W_h, b)
        states.append(state * 1.0)
    stacked = np.stack(states, axis=1)
    if stacked.ndim != 3:
        raise ValueError("expected (batch, time, units)")
    return stacked, state
"""
COPIED_FORWARD = (
    OWN_FORWARD.replace("states", "history")
    .replace("state", "hidden")
    .replace("step", "k")
    .replace("stacked", "out")
)


def _cell(cell_type, source, **metadata):
    cell = {"cell_type": cell_type, "metadata": metadata, "source": source}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def hostile_notebook():
    notebook = json.loads(SOLUTION.read_text())
    notebook["cells"] += [
        _cell("markdown", HOSTILE_MARKDOWN, tags=['x" onmouseover="window.pwned=1']),
        _cell("raw", HOSTILE_RAW),
        _cell("code", HOSTILE_CODE),
    ]
    return notebook


def with_own_forward(body):
    notebook = json.loads(BIAS_OMITTED.read_text())
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "rnn_forward":
            source = "".join(cell["source"])
            cell["source"] = source[: source.rindex('"""') + 3] + "\n" + body.strip("\n") + "\n"
    return notebook


def _write(path, notebook):
    path.write_text(json.dumps(notebook, indent=1))


def run_grade(*args, timeout=900):
    return subprocess.run(
        [sys.executable, "-m", "autograder", "grade", "ps01", *map(str, args), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@functools.cache
def canvas_class():
    """Grade the class once: returns (download folder, OUT folder, the finished command)."""
    base = Path(tempfile.mkdtemp(prefix="instructor-class-"))
    atexit.register(shutil.rmtree, base, True)
    download = base / "submissions"
    download.mkdir()
    _write(download / "lovelaceada_101_9001_ps01-rnn.ipynb", hostile_notebook())
    _write(download / "smithbob_LATE_102_9002_ps01-rnn.ipynb", with_own_forward(OWN_FORWARD))
    _write(download / "kingcarol_103_9003_ps01-rnn-1.ipynb", with_own_forward(COPIED_FORWARD))
    shutil.copy(SOLUTION, download / "ps01-rnn.ipynb")  # renamed by hand: not a Canvas name
    (download / "kingcarol_103_9003_notes.pdf").write_bytes(b"%PDF-1.4")
    out = base / "out"
    run = run_grade(
        download,
        "--out",
        out,
        "--lms",
        "canvas",
        "--lms-column",
        "ps01 (4242)",
        "--deadline",
        DEADLINE,
        "--late-penalty",
        "10%/day",
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return download, out, run


def copy_of(out, target):
    """A copy of a graded OUT folder, to change without disturbing the shared one."""
    shutil.copytree(out, target)
    return Path(target)
