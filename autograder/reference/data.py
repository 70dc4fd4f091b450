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


@reference_function
def marked_sign_batch(n, seed, steps=50):
    """``n`` sequences of the marked-sum sign problem (ps07), drawn from
    ``np.random.default_rng(seed)``.

    Args:
        n: number of sequences.
        seed: an int for np.random.default_rng.
        steps: sequence length; one marker falls in each half.

    Returns:
        (x, y): x float32 of shape (n, steps, 2), feature 0 a value uniform on [-1, 1], feature 1
        the marker; y int64 of shape (n,), 1 where the two marked values add up to more than 0.
    """
    rng = np.random.default_rng(seed)
    half = steps // 2
    values = rng.uniform(-1, 1, size=(n, steps))
    markers = np.zeros((n, steps))
    rows = np.arange(n)
    markers[rows, rng.integers(0, half, size=n)] = 1
    markers[rows, rng.integers(half, steps, size=n)] = 1
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    return x, ((x[..., 0].astype(np.float64) * x[..., 1]).sum(axis=1) > 0).astype(np.int64)


@reference_function
def window_mistakes(series, in_steps, out_steps, target_column):
    """The targets two catalogued windowing mistakes produce (the checks name them by value).

    Returns:
        {"overlapping": y whose window starts at the input window's last step,
         "wrong_column": y read from column 0 (None when target_column is 0)}.
    """
    series = as_float_array("series", series, 2)
    count = series.shape[0] - in_steps - out_steps + 1
    first = np.arange(count)[:, None]
    return {
        "overlapping": series[first + in_steps - 1 + np.arange(out_steps), target_column],
        "wrong_column": (
            series[first + in_steps + np.arange(out_steps), 0] if target_column != 0 else None
        ),
    }
