"""Checks for ps05's last task: a forecaster trained within a CPU budget, judged on windows drawn
here.

The task is chapter 5's: read 24 hours of the 5 features of ``autograder.training.forecasting``'s
weather-like series, forecast the next 12 hours of the temperature (column 0). The student trains on
series of their choice from ``weather_series``; ``check_forecaster_model(answer, training_seconds)``
draws test windows at random positions of a series made from a seed the notebook does not contain,
calls ``answer(X) -> forecasts`` and requires a mean absolute error of at most ``REQUIRED_RATIO``
times that of the better naive baseline (last value, or the value 24 hours earlier) on the same
windows, within ``CPU_BUDGET_SECONDS`` of training. Comparing with the baselines on the same windows
keeps the requirement fair whatever the drawn series' weather. The hidden seed is drawn from the
course secret for the student graded (``case_rng``), so a regrade is identical and the seed is in no
file a student has. Only numpy is imported.
"""

import numpy as np

from .. import mistakes as m
from ..training.forecasting import (
    IN_STEPS,
    OUT_STEPS,
    TARGET,
    draw_windows,
    last_value_forecast,
    mae,
    seasonal_naive_forecast,
)
from ._cases import case_rng
from ._report import call_student
from ._trained import fail, require_array, require_stable, require_training

FEATURE_COUNT = 5
REQUIRED_RATIO = 0.75
CPU_BUDGET_SECONDS = 60.0
VISIBLE_TEST = dict(n=500, seed=5_2026)
HIDDEN_TEST_SIZE = 2000


def hidden_test():
    """The hidden test windows' count and seed, the seed drawn from the course secret for the
    student graded.
    """
    return dict(
        n=HIDDEN_TEST_SIZE,
        seed=int(case_rng(None, True, "forecast_test", 0).integers(1, 2**31 - 1)),
    )


def _forecast_difference(first, second):
    """None when two calls' forecasts agree to 1e-3 °C, else the largest difference."""
    gap = float(np.max(np.abs(first - second)))
    return f"forecasts up to {gap:.3g} °C apart" if gap > 1e-3 else None


def _forecasts(name, value, n, case):
    """Validate answer(X): a finite numpy array of shape (n, OUT_STEPS)."""
    value = require_array(name, value, f"({n}, {OUT_STEPS})", case)
    if value.shape == (n, OUT_STEPS, 1):
        value = value[..., 0]
    if value.shape != (n, OUT_STEPS):
        fail(
            name,
            f"returned shape {value.shape}, expected ({n}, {OUT_STEPS}): {OUT_STEPS} forecast hours"
            " per window",
            case,
        )
    if not np.issubdtype(value.dtype, np.number) or not np.all(np.isfinite(value)):
        fail(name, "returned NaN, inf or non-numbers; expected temperatures in °C", case)
    return value.astype(np.float64)


def _diagnosis(forecasts, X, y, required):
    """The mistake the forecasts show, judged by what they agree with."""
    X = X.astype(np.float64)
    spread = float(np.std(y))
    if np.mean(np.std(forecasts, axis=0)) < 0.05 * spread:
        return m.FORECAST_CONSTANT
    means = X.mean(axis=(0, 1))
    closest = int(np.argmin(np.abs(means - forecasts.mean())))
    if (
        closest != TARGET
        and abs(forecasts.mean() - means[closest]) < abs(forecasts.mean() - means[TARGET]) / 4
    ):
        return m.FORECAST_OTHER_COLUMN
    # standardised forecasts: an affine rescaling of them would pass, and they are far from °C
    design = np.stack([forecasts.ravel(), np.ones(forecasts.size)], axis=1)
    (slope, offset), *_ = np.linalg.lstsq(design, y.ravel(), rcond=None)
    if abs(slope) > 2 and mae(slope * forecasts + offset, y) <= required:
        return m.FORECAST_STANDARDISED
    if mae(forecasts[:, ::-1], y) <= required:
        return m.FORECAST_STEPS_REVERSED
    for mistake, baseline in (
        (m.FORECAST_LAST_VALUE, last_value_forecast(X)),
        (m.FORECAST_SEASONAL_NAIVE, seasonal_naive_forecast(X)),
    ):
        if mae(forecasts, baseline) < 0.25 * mae(baseline, y):
            return mistake
    return m.FORECAST_NOT_ACCURATE_ENOUGH


def check_forecaster_model(answer, training_seconds, hidden=False):
    """Check a trained forecaster through ``answer(X) -> forecasts`` on test windows drawn here.

    Args:
        answer: the student's function, X float32 (n, 24, 5) in the series' units -> numpy (n, 12),
            the temperature (°C) at the 12 hours after each window.
        training_seconds: the CPU time (time.process_time) the notebook's training took, or None if
            training did not run.
        hidden: grade on the hidden windows (another series, 2000 windows) and also require that
            forecasts do not change between calls or with the batch around a window.
    """
    name = "answer"
    seconds = require_training(
        name, training_seconds, CPU_BUDGET_SECONDS, m.FORECAST_OVER_BUDGET, "train_forecaster"
    )
    test = hidden_test() if hidden else VISIBLE_TEST
    label = "hidden test windows" if hidden else "visible test windows"
    case = f"{label}: {test['n']} windows of {IN_STEPS} hours × {FEATURE_COUNT} features"
    X, y = draw_windows(**test)

    def ask(windows, case):
        return _forecasts(name, call_student(name, answer, (windows,), case), len(windows), case)

    forecasts = ask(X.copy(), case)
    baseline = min(mae(last_value_forecast(X), y), mae(seasonal_naive_forecast(X), y))
    required = REQUIRED_RATIO * baseline
    error = mae(forecasts, y)
    if error > required:
        fail(
            name,
            f"mean absolute error {error:.2f} °C; required at most {required:.2f} °C,"
            f" {REQUIRED_RATIO:g} times the better naive baseline's {baseline:.2f} °C",
            case,
            _diagnosis(forecasts, X, y, required),
        )
    if hidden:
        mistakes = (m.FORECAST_NOT_DETERMINISTIC, m.FORECAST_BATCH_DEPENDENT)
        require_stable(name, ask, X, forecasts, _forecast_difference, label, mistakes, "window")
    print(
        f"{name}: mean absolute error {error:.2f} °C on the {label} ({error / baseline:.2f} × the"
        f" better baseline's {baseline:.2f} °C, required at most {REQUIRED_RATIO:g} ×); training"
        f" took {seconds:.1f} s of CPU (budget {CPU_BUDGET_SECONDS:g} s)"
    )


__all__ = ["check_forecaster_model", "REQUIRED_RATIO", "CPU_BUDGET_SECONDS"]
