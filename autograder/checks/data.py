"""Checks for the data homework (ps05): forecasting windows and final states of a padded batch."""

import numpy as np

from .. import mistakes as m
from ..reference import final_states, make_windows, window_mistakes
from ._cases import padded_cases, window_cases
from ._outputs import checked_array, compare_outputs
from ._report import call_student, compare, describe_case, unpack_outputs
from ._runner import run_cases


def _window_variants(series, in_steps, out_steps, target_column, samples):
    """Values and shapes that the catalogued windowing mistakes produce (``samples``: the right
    count).
    """
    time, features = series.shape
    wrong = window_mistakes(series, in_steps, out_steps, target_column)
    values = [(m.TARGET_OVERLAPS_INPUT, {"y": wrong["overlapping"]})]
    if wrong["wrong_column"] is not None:
        values.append((m.WRONG_TARGET_COLUMN, {"y": wrong["wrong_column"]}))
    shapes = {
        "X": [
            (m.LAST_WINDOW_MISSING, (samples - 1, in_steps, features)),
            (m.WINDOWS_NOT_OVERLAPPING, ((time - out_steps) // in_steps, in_steps, features)),
        ],
        "y": [
            (m.LAST_WINDOW_MISSING, (samples - 1, out_steps)),
            (m.WRONG_TARGET_COLUMN, (samples, out_steps, features)),
        ],
    }
    return values, shapes


def check_make_windows(make_windows_student, hidden=False):
    """Check ``make_windows(series, in_steps, out_steps, target_column) -> (X, y)``.

    series is (time, features); X must be (samples, in_steps, features) and y (samples, out_steps)
    with samples = time - in_steps - out_steps + 1, and y[s] = series[s + in_steps : s + in_steps
    + out_steps, target_column]: the targets start right after the input window, never inside it.
    """
    name = "make_windows"
    cases = window_cases(hidden)

    def run_one(index, spec):
        series, in_steps, out_steps, target_column = spec
        time, features = series.shape
        case = describe_case(
            index,
            len(cases),
            dict(
                time=time,
                features=features,
                in_steps=in_steps,
                out_steps=out_steps,
                target_column=target_column,
            ),
        )
        value = call_student(
            name, make_windows_student, (series.copy(), in_steps, out_steps, target_column), case
        )
        X, y = unpack_outputs(name, value, ("X", "y"), case)
        expected = dict(zip(("X", "y"), make_windows(series, in_steps, out_steps, target_column)))
        values, shapes = _window_variants(
            series, in_steps, out_steps, target_column, len(expected["X"])
        )
        got = {
            "X": checked_array(name, "X", X, expected["X"].shape, case, shapes["X"]),
            "y": checked_array(name, "y", y, expected["y"].shape, case, shapes["y"]),
        }
        compare_outputs(name, ["X", "y"], expected, got, case, values)

    run_cases(name, cases, run_one)


def check_final_states(final_states_student, hidden=False):
    """Check ``final_states(h_all, lengths) -> (batch, units)``: each sequence's state at its own
    last step.

    h_all is (batch, time, units), padded at the end; lengths holds integers in 1..time.
    """
    name = "final_states"
    cases = padded_cases(hidden)

    def run_one(index, spec):
        h_all, lengths = spec
        batch, time, units = h_all.shape
        case = describe_case(
            index, len(cases), dict(batch=batch, time=time, units=units, lengths=lengths.tolist())
        )
        value = call_student(name, final_states_student, (h_all.copy(), lengths.copy()), case)
        got = checked_array(name, "final states", value, (batch, units), case)
        rows = np.arange(batch)
        variants = [
            (m.LAST_OUTPUT_FROM_PADDING, h_all[:, -1]),
            (m.FINAL_STATE_OFF_BY_ONE, h_all[rows, np.minimum(lengths, time - 1)]),
            (m.FINAL_STATE_OFF_BY_ONE, h_all[rows, np.maximum(lengths - 2, 0)]),
        ]
        compare(name, "final states", final_states(h_all, lengths), got, case, variants)

    run_cases(name, cases, run_one)
