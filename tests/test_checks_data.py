"""The ps05 checks both ways: windows and final states from a padded batch; planted mistakes are
named.
"""

from functools import partial

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import check_final_states, check_make_windows
from autograder.reference import final_states, make_windows
from helpers import failure_of


def student_windows(
    series,
    in_steps,
    out_steps,
    target_column,
    *,
    target_start=0,
    column=None,
    count_less=0,
    stride=1,
    all_columns=False,
):
    """A student's windowing; the keyword-only arguments plant one mistake each."""
    column = target_column if column is None else column
    X, y = [], []
    for s in range(0, len(series) - in_steps - out_steps + 1 - count_less, stride):
        X.append(series[s : s + in_steps])
        future = series[s + in_steps + target_start : s + in_steps + target_start + out_steps]
        y.append(future if all_columns else future[:, column])
    return np.array(X), np.array(y)


BROKEN_WINDOWS = {
    m.TARGET_OVERLAPS_INPUT: partial(student_windows, target_start=-1),
    m.WRONG_TARGET_COLUMN: partial(student_windows, column=0),
    m.LAST_WINDOW_MISSING: partial(student_windows, count_less=1),
    m.WINDOWS_NOT_OVERLAPPING: lambda series, i, o, c: student_windows(series, i, o, c, stride=i),
}


def student_final_states(h_all, lengths, *, offset=-1, from_padding=False):
    if from_padding:
        return h_all[:, -1]
    index = np.clip(lengths + offset, 0, h_all.shape[1] - 1)
    return h_all[np.arange(len(lengths)), index]


BROKEN_FINALS = {
    m.LAST_OUTPUT_FROM_PADDING: partial(student_final_states, from_padding=True),
    m.FINAL_STATE_OFF_BY_ONE: partial(student_final_states, offset=0),
}


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_functions_pass(capsys, hidden):
    check_make_windows(student_windows, hidden=hidden)
    check_final_states(student_final_states, hidden=hidden)
    assert capsys.readouterr().out.count("cases passed") == 2


def test_the_notes_forecasting_shapes():
    """24 steps of 5 features in, 12 target steps out: (samples, 24, 5) and (samples, 12)."""
    X, y = make_windows(np.zeros((60, 5)), 24, 12, 0)
    assert X.shape == (25, 24, 5) and y.shape == (25, 12)


def test_windows_do_not_leak():
    series = np.arange(40.0)[:, None] * [1.0, 100.0]
    X, y = make_windows(series, 5, 3, 1)
    # the first target is the step right after the window
    assert np.all(y[:, 0] == X[:, -1, 1] + 100)


@pytest.mark.parametrize("mistake", list(BROKEN_WINDOWS), ids=lambda k: k.name)
def test_each_window_mistake_is_named(mistake):
    message = failure_of(check_make_windows, BROKEN_WINDOWS[mistake])
    assert message.startswith("make_windows: ")
    assert f"'{mistake.name}'" in message.splitlines()[-1]


def test_targets_from_every_column_are_named_by_their_shape():
    message = failure_of(check_make_windows, partial(student_windows, all_columns=True))
    assert "y has shape (25, 12, 5), expected (25, 12)" in message
    assert f"'{m.WRONG_TARGET_COLUMN.name}'" in message


@pytest.mark.parametrize("mistake", list(BROKEN_FINALS), ids=lambda k: k.name)
def test_each_final_state_mistake_is_named(mistake):
    message = failure_of(check_final_states, BROKEN_FINALS[mistake])
    assert message.startswith(
        "final_states: final states is wrong (case 1 of 3: batch=3, time=5, units=2, "
        "lengths=[5, 2, 3])"
    )
    assert f"'{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize(
    "check, delegate", [(check_make_windows, make_windows), (check_final_states, final_states)]
)
def test_calling_the_reference_does_not_pass(check, delegate):
    assert "called the course's reference" in failure_of(check, delegate)
