"""The forecasting data, baselines and ps05's training check, both ways.

The check judges forecasts only, so stand-ins play the trained models: an "oracle" that knows the
series' structure well enough to pass (the generator's own smoother), and one stand-in per mistake,
each producing what that kind of failed training answers.
"""

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import CheckFailure, check_forecaster_model
from autograder.checks import forecast_training as ft
from autograder.training import forecasting as f


def test_series_shape_units_and_reproducibility():
    series = f.weather_series(10, seed=3)
    assert series.shape == (240, 5) and series.dtype == np.float32
    assert np.array_equal(series, f.weather_series(10, seed=3))
    assert not np.array_equal(series, f.weather_series(10, seed=4))
    assert series[:, 1].min() >= 5 and series[:, 1].max() <= 100  # humidity in %
    # no sun at night
    assert series[:, 4].min() >= 0 and np.all(series[np.arange(240) % 24 < 6, 4] == 0)
    assert 990 < series[:, 3].mean() < 1040  # pressure in hPa
    with pytest.raises(ValueError, match="days must be a whole number"):
        f.weather_series(1.5)


def test_features_are_related_and_cycle_daily():
    series = f.weather_series(120, seed=1).astype(np.float64)
    assert np.corrcoef(series[:, 0], series[:, 1])[0, 1] < -0.3  # warm hours are dry
    day = series[:, 0].reshape(-1, 24).mean(axis=0)
    assert 12 <= int(np.argmax(day)) <= 17 and int(np.argmin(day)) <= 6 or int(np.argmin(day)) >= 22


def test_split_and_windows_do_not_leak():
    series = f.weather_series(20, seed=0)
    train, val, test = f.split_in_time(series)
    assert np.array_equal(np.concatenate([train, val, test]), series)
    X, y = f.windows(val)
    assert X.shape == (len(val) - 35, 24, 5) and y.shape == (len(val) - 35, 12)
    assert np.array_equal(X[3], val[3:27]) and np.array_equal(y[3], val[27:39, 0])
    with pytest.raises(ValueError, match="three positive numbers"):
        f.split_in_time(series, (0.5, 0.5))
    with pytest.raises(ValueError, match="too short"):
        f.windows(series[:30])


def test_baselines():
    X, y = f.windows(f.weather_series(20, seed=2))
    last, seasonal = f.last_value_forecast(X), f.seasonal_naive_forecast(X)
    assert np.array_equal(last[:, 5], X[:, -1, 0]) and np.array_equal(seasonal[:, 5], X[:, 5, 0])
    assert f.mae(seasonal, y) < f.mae(last, y)  # the daily cycle makes yesterday the better guess
    with pytest.raises(ValueError, match="seasonal naive"):
        f.seasonal_naive_forecast(X[:, :10])


def test_scaler_round_trip_uses_training_statistics():
    series = f.weather_series(20, seed=2)
    scaler = f.Scaler(series[:300])
    assert np.allclose(scaler.inputs(series[:300]).mean(axis=0), 0, atol=1e-4)
    assert np.allclose(
        scaler.unscale_targets(scaler.targets(series[:, 0])), series[:, 0], atol=1e-4
    )


def _fit_linear():
    """Least squares on flattened training windows: a stand-in that forecasts as well as a trained
    LSTM.
    """
    X, y = f.windows(f.weather_series(240, seed=0))
    design = np.concatenate([X.reshape(len(X), -1), np.ones((len(X), 1))], axis=1).astype(
        np.float64
    )
    return np.linalg.solve(design.T @ design + 1e-3 * np.eye(design.shape[1]), design.T @ y)


WEIGHTS = _fit_linear()


def oracle(X):
    """A stand-in for a well-trained model: the linear forecaster above."""
    X = np.asarray(X, dtype=np.float64)
    return np.concatenate([X.reshape(len(X), -1), np.ones((len(X), 1))], axis=1) @ WEIGHTS


def test_the_oracle_passes_both_checks(capsys):
    check_forecaster_model(oracle, 5.0)
    check_forecaster_model(oracle, 5.0, hidden=True)
    out = capsys.readouterr().out
    assert "on the visible test windows" in out and "on the hidden test windows" in out
    assert "training took 5.0 s of CPU (budget 60 s)" in out


def standardised(X):
    mean, std = 14.0, 4.5
    return (oracle(X) - mean) / std


def other_column(X):
    return X[:, -1:, 1].repeat(12, axis=1) + 0.1 * oracle(X)


def noisy_oracle(X):
    return oracle(X) + np.where(np.arange(12) % 2, 1.6, -1.6)[None, :]


WRONG = {
    m.FORECAST_STANDARDISED: standardised,
    m.FORECAST_OTHER_COLUMN: other_column,
    m.FORECAST_LAST_VALUE: lambda X: f.last_value_forecast(X).astype(np.float64),
    m.FORECAST_SEASONAL_NAIVE: lambda X: f.seasonal_naive_forecast(X) + 0.05,
    m.FORECAST_CONSTANT: lambda X: np.full((len(X), 12), 14.0),
    m.FORECAST_STEPS_REVERSED: lambda X: oracle(X)[:, ::-1],
    m.FORECAST_NOT_ACCURATE_ENOUGH: noisy_oracle,
}


@pytest.mark.parametrize("mistake", list(WRONG), ids=lambda mistake: mistake.name)
def test_each_wrong_forecaster_is_named(mistake):
    with pytest.raises(CheckFailure) as failure:
        check_forecaster_model(WRONG[mistake], 5.0)
    message = str(failure.value)
    assert "mean absolute error" in message and "visible test windows" in message
    assert f"this looks like '{mistake.name}'" in message, message


def test_over_budget_and_missing_training():
    with pytest.raises(CheckFailure, match="the budget is 60 s") as failure:
        check_forecaster_model(oracle, 75.0)
    assert m.FORECAST_OVER_BUDGET.name in str(failure.value)
    with pytest.raises(CheckFailure, match="no trained model"):
        check_forecaster_model(oracle, None)


def test_answers_of_the_wrong_kind():
    torch = pytest.importorskip("torch")
    with pytest.raises(CheckFailure, match="returned a torch tensor"):
        check_forecaster_model(lambda X: torch.from_numpy(oracle(X)), 1.0)
    with pytest.raises(CheckFailure, match=r"returned shape \(500, 24\), expected \(500, 12\)"):
        check_forecaster_model(lambda X: X[..., 0], 1.0)
    check_forecaster_model(lambda X: oracle(X)[..., None], 1.0)  # (n, 12, 1) is accepted
    with pytest.raises(CheckFailure, match="NaN"):
        check_forecaster_model(lambda X: oracle(X) * np.nan, 1.0)


def test_hidden_check_needs_deterministic_batch_independent_forecasts():
    rng = np.random.default_rng(0)
    with pytest.raises(CheckFailure) as failure:
        check_forecaster_model(
            lambda X: oracle(X) + rng.normal(scale=0.05, size=(len(X), 12)), 1.0, hidden=True
        )
    assert m.FORECAST_NOT_DETERMINISTIC.name in str(failure.value)

    def batch_scaled(X):  # a correction by the batch's own mean temperature
        return oracle(X) + 0.1 * (X[..., 0].mean() - 14.0)

    with pytest.raises(CheckFailure) as failure:
        check_forecaster_model(batch_scaled, 1.0, hidden=True)
    assert m.FORECAST_BATCH_DEPENDENT.name in str(failure.value)


def test_hidden_windows_differ_from_visible_ones():
    visible, _ = f.draw_windows(**ft.VISIBLE_TEST)
    hidden, _ = f.draw_windows(**ft.hidden_test())
    assert visible.shape == (500, 24, 5) and hidden.shape == (2000, 24, 5)
    assert not np.isin(hidden[:, 0, 0], visible[:, 0, 0]).any()
