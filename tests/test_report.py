"""The class report: mistakes read from the checks' messages, near-identical solution cells, the
page written by grading and rebuilt by `python -m autograder report OUT`, and the page in a browser.
"""

import csv
import subprocess
import sys

import pytest

from autograder.grading.report import (
    REPORT_NAME,
    build_report,
    histogram_svg,
    mistake_of,
    pass_rate_svg,
    similar_pairs,
)
from instructor_class import canvas_class, copy_of

NAMED = (
    "CheckFailure: rnn_cell_forward: h_next is wrong (case 1 of 3: batch=1, features=1, units=1)\n"
    "  largest relative error 1.9e-01 (tolerance 1e-06) at [0, 0]: expected 0.2913, got 0.1974\n"
    "  hint: this looks like 'bias omitted': add the bias b before the activation"
)
AMBIGUOUS = (
    "CheckFailure: lstm_forward: h is wrong (case 2 of 3: batch=2)\n  largest relative error"
    " 3e-01\n  hint: on this case that could be any of: 'gates swapped' (i, f, o, g order); 'bias"
    " omitted' (add b)"
)


@pytest.mark.parametrize(
    "message, mistake",
    [
        (NAMED, "bias omitted"),
        (AMBIGUOUS, "gates swapped or bias omitted"),
        (
            (
                "CheckFailure: rnn_forward: h_all is wrong (cases 1, 2 of 3)\n  hint: this looks"
                " like two mistakes together, 'bias omitted' and 'weight matrices transposed': add"
                " b; W_x has shape (features, units)"
            ),
            "bias omitted and weight matrices transposed",
        ),
        (
            (
                "CheckFailure: gru: h wrong\n  hint: on this case that could be any of: 'z flipped'"
                " and 'bias omitted' (use 1 - z; add b); 'gates swapped' (z, r, n order)"
            ),
            "z flipped and bias omitted or gates swapped",
        ),
        (
            (
                "CheckFailure: rnn_forward: h_all has shape (3, 2), expected (2, 3)\n  hint: the"
                " right sizes in the wrong order: batch-major vs time-major, or a transpose"
            ),
            "the right sizes in the wrong order: batch-major vs time-major, or a transpose",
        ),
        (
            (
                "CheckFailure: rnn_forward: h_all is wrong (case 1 of 3: batch=1, time=3)\n "
                " largest relative error 2e-01"
            ),
            "h_all is wrong",
        ),
        ("NotImplementedError: ", "not attempted"),
        (
            "CheckFailure: rnn_forward: not implemented yet (it raised NotImplementedError)",
            "not attempted",
        ),
        ("", "no message"),
    ],
)
def test_the_mistake_is_read_from_the_message(message, mistake):
    assert mistake_of(message) == mistake


FORWARD = """def rnn_forward(x, h0, W_x, W_h, b):
    \"\"\"Run the RNN.\"\"\"
    # YOUR CODE HERE
    raise NotImplementedError()
"""
OWN = """def rnn_forward(x, h0, W_x, W_h, b):
    \"\"\"Run the RNN.\"\"\"
    states, state = [], h0
    for step in range(x.shape[1]):
        state = np.tanh(x[:, step] @ W_x + state @ W_h + b)
        states.append(state.copy())
    return np.stack(states, axis=1), state
"""
COPIED = (
    OWN.replace("states", "memo").replace("state", "hid").replace("step", "j")
    + "    # checked twice\n"
)
OTHER = """def rnn_forward(x, h0, W_x, W_h, b):
    \"\"\"Run the RNN.\"\"\"
    batch, time, _ = x.shape
    out = np.zeros((batch, time, W_h.shape[0]))
    h = h0
    t = 0
    while t < time:
        h = np.tanh(np.dot(x[:, t], W_x) + np.dot(h, W_h) + b)
        out[:, t] = h
        t += 1
    return out, h
"""


def test_near_identical_cells_are_paired_and_distinct_ones_are_not():
    solutions = {
        "a": {"rnn_forward": OWN},
        "b": {"rnn_forward": COPIED},
        "c": {"rnn_forward": OTHER},
        "d": {"rnn_forward": FORWARD},
    }  # d handed in the starter code: not compared
    pairs = similar_pairs(solutions, {"rnn_forward": FORWARD})
    assert [(p.cell, p.first, p.second) for p in pairs] == [("rnn_forward", "a", "b")]
    assert pairs[0].similarity >= 0.8


def test_code_most_of_the_class_wrote_alike_is_not_flagged():
    """Eight students with the same obvious solution are no evidence of copying."""
    solutions = {f"s{i}": {"rnn_forward": OTHER} for i in range(8)}
    solutions["s8"] = {"rnn_forward": OWN}
    assert similar_pairs(solutions, {"rnn_forward": FORWARD}) == []


def test_figures_are_inline_svg_with_a_bar_per_score_and_per_task():
    histogram = histogram_svg([0, 3, 3, 10], 10)
    assert histogram.startswith("<svg") and histogram.count('class="bar"') == 11
    assert "<title>2 students scored 3</title>" in histogram
    rates = pass_rate_svg([("test_a", 1, 4), ("test_b", 4, 4)])
    assert rates.count('class="bar"') == 2 and ">25%<" in rates and ">100%<" in rates


@pytest.mark.e2e
def test_grading_writes_the_report():
    _, out, run = canvas_class()
    page = (out / REPORT_NAME).read_text()
    assert f"class report: {out / REPORT_NAME}" in run.stdout
    assert (
        "most common mistakes (students):\n  test_rnn_cell_forward: bias omitted (2)\n"
        in run.stdout
    )
    assert "3 submissions, 3 graded, 0 not graded, 2 files rejected." in page
    assert page.count("<svg") == 2 and "<script" not in page
    # 102 and 103 both omitted the bias: the named mistake, counted, with an example message.
    section = page[page.index("<h3>test_rnn_cell_forward") : page.index("<h3>test_rnn_forward")]
    assert '<td>bias omitted</td><td class="number">2</td>' in section
    assert "hint: this looks like &#39;bias omitted&#39;" in section
    # The file Canvas did not name is listed with the reason.
    assert "<td>ps01-rnn.ipynb</td><td>not a Canvas download name" in page
    # 103 copied 102's own rnn_forward with new names: that pair, and only that pair, for
    # rnn_forward.
    rows = [row for row in page.split("<tr>") if row.startswith("<td>rnn_forward</td>")]
    assert len(rows) == 1 and "<td>102 and 103</td>" in rows[0]
    assert "nothing here changes a grade" in page


@pytest.mark.e2e
def test_the_report_command_rebuilds_the_page_and_shows_integrity_flags(tmp_path):
    _, shared, _ = canvas_class()
    out = copy_of(shared, tmp_path / "out")
    (out / REPORT_NAME).unlink()
    with open(out / "grades.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[0].append("integrity_flag")
    for row in rows[1:]:
        row.append("output of another student's kernel" if row[0] == "103" else "")
    with open(out / "grades.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "report", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    page = (out / REPORT_NAME).read_text()
    assert "<th>integrity_flag</th>" in page
    assert "<tr><td>103</td><td>output of another student&#39;s kernel</td></tr>" in page


def test_the_report_command_says_what_is_missing(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "report", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "holds no graded class" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.e2e
@pytest.mark.browser
def test_the_report_in_a_browser():
    """Opened from a file, offline: no console error, both figures drawn, nothing loaded from
    anywhere.
    """
    from site_browser import chromium, console_errors

    _, out, _ = canvas_class()
    with chromium() as driver:
        driver.get((out / REPORT_NAME).as_uri())
        sizes = driver.execute_script(
            "return Array.from(document.querySelectorAll('figure svg'))"
            ".map(s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height])"
        )
        bars = driver.execute_script("return document.querySelectorAll('svg rect.bar').length")
        assert len(sizes) == 2 and all(w > 200 and h > 50 for w, h in sizes), sizes
        assert bars == 11 + 3  # scores 0..10, three graded cells
        assert console_errors(driver) == []
        assert (
            driver.execute_script("return document.querySelectorAll('[src], link[href]').length")
            == 0
        )
        driver.set_window_size(390, 900)
        width = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert width[0] <= width[1], width


def test_build_report_refuses_an_empty_folder(tmp_path):
    from autograder.grading.course import CourseError

    with pytest.raises(CourseError, match="no grading.json and grades.csv"):
        build_report(tmp_path)
