"""Preparing sequence data: forecasting windows and final states of a padded batch (ps05)."""

import numpy as np

from ._guard import reference_function
from ._inputs import as_float_array, as_lengths


@reference_function
def make_windows(series, in_steps=24, out_steps=12, target_column=0):
    """Cut a multivariate series into (input window, future target) pairs without leakage.

    Window s reads steps s .. s + in_steps - 1 of every feature and predicts the target column at
    the next out_steps steps, s + in_steps .. s + in_steps + out_steps - 1: no target step is
    ever inside its own input window.

    Args:
        series: shape (time, features), time >= in_steps + out_steps.
        in_steps: length of each input window (24 in the seeds' example).
        out_steps: number of future steps to predict (12 in the seeds' example).
        target_column: index of the feature to predict.

    Returns:
        (X, y): X of shape (samples, in_steps, features), y of shape (samples, out_steps), with
        samples = time - in_steps - out_steps + 1.
    """
    series = as_float_array("series", series, 2)
    time, features = series.shape
    if not 0 <= target_column < features:
        raise ValueError(f"target_column must lie in 0..{features - 1}, got {target_column}")
    samples = time - in_steps - out_steps + 1
    if in_steps < 1 or out_steps < 1 or samples < 1:
        raise ValueError(
            f"a series of {time} steps is too short for windows of {in_steps} + {out_steps} steps"
        )
    starts = np.arange(samples)[:, None]
    X = series[starts + np.arange(in_steps)]
    y = series[starts + in_steps + np.arange(out_steps), target_column]
    return X, y


@reference_function
def final_states(h_all, lengths):
    """Each sequence's state at its own last step, from a padded batch.

    ``h_all[:, -1]`` is padding for every sequence shorter than the batch; what PyTorch's h_n
    holds for packed sequences is h_all[n, lengths[n] - 1].

    Args:
        h_all: states of shape (batch, time, units), padded at the end.
        lengths: integer lengths, shape (batch,), each in 1..time.

    Returns:
        array (batch, units).
    """
    h_all = as_float_array("h_all", h_all, 3)
    batch, time, _ = h_all.shape
    lengths = as_lengths(lengths, batch, time)
    return h_all[np.arange(batch), lengths - 1]
