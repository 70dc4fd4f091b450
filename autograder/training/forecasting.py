"""Chapter 5's forecasting problem: an hourly, weather-like series of 5 related features.

The series is generated in code, so the book needs no download and the grader can draw fresh series
from seeds the student never sees. Each feature mixes a daily cycle, a weekly cycle, a slow trend,
two slowly varying "weather regimes" shared between the features (so the features are related), and
noise. The task of the lecture notes: read 24 hours of all 5 features, forecast the next 12 hours of
the temperature (column 0).

Only numpy is imported: the homework's grader uses ``weather_series`` and the baselines too.
"""

import numpy as np

from .. import reference

FEATURES = ("temperature", "humidity", "wind speed", "pressure", "solar radiation")
UNITS = ("°C", "%", "m/s", "hPa", "W/m²")
IN_STEPS, OUT_STEPS, TARGET = 24, 12, 0
DAY, WEEK = 24, 168


def _regime(rng, hours, phi, scale):
    """An AR(1) process with coefficient phi per hour and stationary standard deviation
    ``scale``.
    """
    shocks = rng.normal(scale=scale * np.sqrt(1 - phi**2), size=hours)
    values = np.empty(hours)
    values[0] = rng.normal(scale=scale)
    for t in range(1, hours):
        values[t] = phi * values[t - 1] + shocks[t]
    return values


def weather_series(days=120, seed=0):
    """An hourly series of the 5 ``FEATURES``, shape (days * 24, 5), float32.

    Args:
        days: length of the series in days (at least 2).
        seed: an int for np.random.default_rng; the same seed gives the same series.

    Returns:
        array of shape (days * 24, 5): temperature (°C), relative humidity (%), wind speed (m/s),
        pressure (hPa) and solar radiation (W/m²), one row per hour.
    """
    if int(days) != days or days < 2:
        raise ValueError(f"days must be a whole number of at least 2, got {days!r}")
    hours = int(days) * DAY
    rng = np.random.default_rng(seed)
    t = np.arange(hours, dtype=np.float64)
    daily = np.sin(2 * np.pi * (t % DAY - 9) / DAY)  # peaks at 15:00
    weekly = np.sin(2 * np.pi * t / WEEK + rng.uniform(0, 2 * np.pi))
    warm = _regime(rng, hours, 0.97, 1.0)  # warm/cold spells, hours to days
    front = _regime(rng, hours, 0.99, 1.0)  # pressure systems, a few days
    sun = np.clip(np.sin(2 * np.pi * (t % DAY - 6) / DAY), 0, None)  # daylight 06:00 - 18:00
    clouds = 1 / (1 + np.exp(2 * front))  # low pressure, more clouds
    trend = rng.uniform(1, 3) * t / hours  # a slow warming over the series
    temperature = (
        10
        + trend
        + 5 * daily * (1 - 0.4 * clouds)
        + 1.5 * weekly
        + 3 * warm
        + rng.normal(scale=0.4, size=hours)
    )
    humidity = np.clip(
        70 - 12 * daily - 5 * warm + 10 * clouds + rng.normal(scale=2.5, size=hours), 5, 100
    )
    wind = np.abs(4 + 1.5 * daily + 0.8 * weekly - 1.5 * front + rng.normal(scale=0.8, size=hours))
    pressure = (
        1013 + 8 * front + 0.6 * np.sin(4 * np.pi * t / DAY) + rng.normal(scale=0.3, size=hours)
    )
    solar = np.clip(
        800 * sun * (1 - 0.6 * clouds) + rng.normal(scale=15, size=hours) * (sun > 0), 0, None
    )
    return np.stack([temperature, humidity, wind, pressure, solar], axis=1).astype(np.float32)


def split_in_time(series, fractions=(0.7, 0.15, 0.15)):
    """Split a series into consecutive training, validation and test parts (no shuffling).

    Windows are cut from each part separately, so no window of one part reads a step of another:
    the validation and test windows lie entirely in the future of every training window.
    """
    fractions = np.asarray(fractions, dtype=float)
    if fractions.shape != (3,) or np.any(fractions <= 0) or not np.isclose(fractions.sum(), 1):
        raise ValueError(
            f"fractions must be three positive numbers adding up to 1, got {fractions.tolist()}"
        )
    first, second = (np.cumsum(fractions[:2]) * len(series)).astype(int)
    return series[:first], series[first:second], series[second:]


def windows(series, in_steps=IN_STEPS, out_steps=OUT_STEPS, target=TARGET, stride=1):
    """(X, y): input windows (samples, in_steps, features) and targets (samples, out_steps),
    float32.

    Window s reads steps s .. s + in_steps - 1 and its targets are column ``target`` at the next
    out_steps steps: the same rule as ``autograder.reference.make_windows``, with a stride.
    """
    # The windowing rule is the ps05 answer: it lives in the reference alone (guarded, and
    # replayed rather than shipped in the student package).
    # Looked up at call time, so that the student package's recording sees the call.
    X, y = reference.make_windows(np.asarray(series, dtype=np.float64), in_steps, out_steps, target)
    return X[::stride].astype(np.float32), y[::stride].astype(np.float32)


class Scaler:
    """Standardise each feature with the training part's mean and standard deviation.

    The statistics come from the training part only: computing them on the whole series would let
    the test period's level leak into training.
    """

    def __init__(self, train_series):
        train_series = np.asarray(train_series, dtype=np.float64)
        self.mean = train_series.mean(axis=0).astype(np.float32)
        self.std = train_series.std(axis=0).astype(np.float32)

    def inputs(self, X):
        """Scale input windows (..., features)."""
        return (np.asarray(X, dtype=np.float32) - self.mean) / self.std

    def targets(self, y, column=TARGET):
        """Scale targets of one column."""
        return (np.asarray(y, dtype=np.float32) - self.mean[column]) / self.std[column]

    def unscale_targets(self, y, column=TARGET):
        """Undo ``targets``: forecasts back in the column's units."""
        return np.asarray(y, dtype=np.float32) * self.std[column] + self.mean[column]


def last_value_forecast(X, out_steps=OUT_STEPS, target=TARGET):
    """The persistence baseline: every future step equals the last observed value. X: (n, in_steps,
    features).
    """
    X = np.asarray(X)
    return np.repeat(X[:, -1:, target], out_steps, axis=1)


def seasonal_naive_forecast(X, out_steps=OUT_STEPS, target=TARGET, season=DAY):
    """The seasonal naive baseline: each future step equals the value one ``season`` (24 hours)
    earlier.

    Target step in_steps + k of a window is forecast by input step in_steps + k - season, which lies
    in the window as long as out_steps <= season <= in_steps.
    """
    X = np.asarray(X)
    in_steps = X.shape[1]
    if not out_steps <= season <= in_steps:
        raise ValueError(
            "the seasonal naive forecast needs out_steps <= season <= in_steps, got "
            f"{out_steps}, {season}, {in_steps}"
        )
    start = in_steps - season
    return X[:, start : start + out_steps, target].copy()


def mae(forecast, truth):
    """Mean absolute error over every window and step, in the target's units."""
    return float(
        np.mean(
            np.abs(np.asarray(forecast, dtype=np.float64) - np.asarray(truth, dtype=np.float64))
        )
    )


def draw_windows(n, seed, days=120):
    """``n`` test windows at random positions of a fresh series: what the homework's grader draws.

    Returns:
        (X, y) float32 of shapes (n, IN_STEPS, 5) and (n, OUT_STEPS), in physical units.
    """
    rng = np.random.default_rng(seed)
    series = weather_series(days, seed=int(rng.integers(2**31)))
    X, y = windows(series)
    rows = np.sort(rng.choice(len(X), size=n, replace=False))
    return X[rows], y[rows]
