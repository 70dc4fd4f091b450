"""The ps05 model checks both ways: the chapter's forecaster passes in Keras and PyTorch, each planted mistake is named."""

import numpy as np
import pytest

from autograder.checks import check_keras_forecaster, check_torch_forecaster
from autograder.checks import models as checks
from autograder.frameworks import keras as load_keras, torch as load_torch
from autograder.reference import param_count

keras, torch = load_keras(), load_torch()
nn = torch.nn


def keras_builder(recurrent="LSTM", unit_count=None, return_sequences=False, flatten=False, dense=True,
                  hidden_dense=False, stacked=False, swapped_input=False):
    """A student's build_keras_forecaster; each argument away from its default plants one mistake."""
    def build(time_steps, features, horizon, units):
        shape = (features, time_steps) if swapped_input else (time_steps, features)
        layers = [keras.Input(shape)]
        if stacked:
            layers.append(keras.layers.LSTM(units, return_sequences=True))
        layers.append(getattr(keras.layers, recurrent)(unit_count or units, return_sequences=return_sequences))
        if flatten:
            layers.append(keras.layers.Flatten())
        if hidden_dense:
            layers.append(keras.layers.Dense(16, activation="relu"))
        if dense:
            layers.append(keras.layers.Dense(horizon))
        return keras.Sequential(layers)
    return build


def torch_builder(recurrent="LSTM", unit_count=None, batch_first=True, read="h_n", linear=True, hidden_linear=False,
                  num_layers=1, extra_output=False, dtype=torch.float32):
    """A student's TorchForecaster; each argument away from its default plants one mistake.

    ``read`` is what the output layer reads: "h_n" (h_n[-1]), "last" (output[:, -1]), "first"
    (output[:, 0]), "all" (output), "h_n_all" (h_n) or "flat" (output flattened).
    """
    class Forecaster(nn.Module):
        def __init__(self, time_steps, features, horizon, units):
            super().__init__()
            hidden = unit_count or units
            self.rnn = getattr(nn, recurrent)(features, hidden, num_layers=num_layers, batch_first=batch_first,
                                              dtype=dtype)
            inputs = time_steps * hidden if read == "flat" else hidden
            if hidden_linear:
                self.head = nn.Sequential(nn.Linear(inputs, 16, dtype=dtype), nn.ReLU(),
                                          nn.Linear(16, horizon, dtype=dtype))
            else:
                self.head = nn.Linear(inputs, horizon, dtype=dtype) if linear else nn.Identity()

        def forward(self, x):
            output, state = self.rnn(x)
            h_n = state[0] if isinstance(state, tuple) else state
            chosen = {"h_n": lambda: h_n[-1], "last": lambda: output[:, -1], "first": lambda: output[:, 0],
                      "all": lambda: output, "h_n_all": lambda: h_n,
                      "flat": lambda: output.reshape(len(x), -1)}[read]()
            forecast = self.head(chosen)
            return (forecast, h_n) if extra_output else forecast
    return Forecaster


BROKEN_KERAS = {
    checks.RETURN_SEQUENCES_NOT_FLATTENED: keras_builder(return_sequences=True),
    checks.DENSE_MISSING: keras_builder(dense=False),
    checks.WRONG_UNITS: keras_builder(unit_count=64),
    checks.WRONG_RECURRENT_LAYER: keras_builder(recurrent="GRU"),
    checks.EVERY_STATE_FLATTENED: keras_builder(return_sequences=True, flatten=True),
    checks.EXTRA_LAYER: keras_builder(hidden_dense=True),
    checks.EXTRA_RECURRENT: keras_builder(stacked=True),
    checks.INPUT_AXES_SWAPPED: keras_builder(swapped_input=True),
}
BROKEN_TORCH = {
    checks.BATCH_FIRST_MISSING: torch_builder(batch_first=False),
    checks.EXAMPLES_MIXED: torch_builder(batch_first=False, read="last"),
    checks.LINEAR_ON_EVERY_STEP: torch_builder(read="all"),
    checks.H_N_NOT_INDEXED: torch_builder(read="h_n_all"),
    checks.FORWARD_RETURNS_TUPLE: torch_builder(extra_output=True),
    checks.FORECAST_FROM_FIRST_STEP: torch_builder(read="first"),
    checks.WRONG_UNITS: torch_builder(unit_count=64),
    checks.WRONG_RECURRENT_LAYER: torch_builder(recurrent="GRU"),
    checks.EVERY_STATE_FLATTENED: torch_builder(read="flat"),
    checks.EXTRA_LAYER: torch_builder(hidden_linear=True),
    checks.EXTRA_RECURRENT: torch_builder(num_layers=2),
    checks.LINEAR_MISSING: torch_builder(linear=False),
}


def failure_of(check, func, hidden=False):
    with pytest.raises(AssertionError) as caught:
        check(func, hidden=hidden)
    return str(caught.value)


@pytest.mark.parametrize("hidden", [False, True])
def test_the_chapters_forecaster_passes(capsys, hidden):
    check_keras_forecaster(keras_builder(), hidden=hidden)
    check_torch_forecaster(torch_builder(), hidden=hidden)
    check_torch_forecaster(torch_builder(read="last"), hidden=hidden)  # output[:, -1] is h_n[-1]
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.endswith("cases passed") for line in lines)


def test_a_float64_module_is_fed_float64(capsys):
    check_torch_forecaster(torch_builder(dtype=torch.float64))
    assert capsys.readouterr().out.strip() == "Forecaster: all 2 cases passed"


def test_a_transpose_instead_of_batch_first_is_fine(capsys):
    class TimeMajor(nn.Module):
        def __init__(self, time_steps, features, horizon, units):
            super().__init__()
            self.rnn, self.head = nn.LSTM(features, units), nn.Linear(units, horizon)

        def forward(self, x):
            _, (h_n, _) = self.rnn(x.transpose(0, 1))  # time-major, as nn.LSTM expects by default
            return self.head(h_n[-1])
    check_torch_forecaster(TimeMajor)
    assert "all 2 cases passed" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", list(BROKEN_KERAS), ids=lambda k: k.name)
def test_each_keras_mistake_is_named(mistake):
    message = failure_of(check_keras_forecaster, BROKEN_KERAS[mistake])
    assert message.startswith("build:")  # the student's function name
    assert f"this looks like '{mistake.name}'" in message.splitlines()[-1], message


@pytest.mark.parametrize("mistake", list(BROKEN_TORCH), ids=lambda k: k.name)
def test_each_torch_mistake_is_named(mistake):
    message = failure_of(check_torch_forecaster, BROKEN_TORCH[mistake])
    assert message.startswith("Forecaster")  # the student's class name
    assert f"this looks like '{mistake.name}'" in message.splitlines()[-1], message


def test_missing_dense_with_units_equal_to_horizon_is_found_by_the_count():
    """Hidden case 2 has units == horizon: the shape is right, the count and the layers tell."""
    def dense_left_out_when_sizes_agree(time_steps, features, horizon, units):
        return keras_builder(dense=units != horizon)(time_steps, features, horizon, units)
    message = failure_of(check_keras_forecaster, dense_left_out_when_sizes_agree, hidden=True)
    assert "(case 2 of 3" in message and "parameters, expected" in message
    assert f"'{checks.DENSE_MISSING.name}'" in message


def test_wrong_return_values_are_told_apart():
    assert "should return a keras.Model" in failure_of(check_keras_forecaster, lambda *sizes: "model")
    assert "forget to return" in failure_of(check_keras_forecaster, lambda *sizes: None)
    assert "should return a torch.nn.Module" in failure_of(check_torch_forecaster, lambda *sizes: keras_builder()(*sizes))


def test_the_expected_counts_are_the_frameworks_counts():
    for spec in checks._SPECS[False] + checks._SPECS[True]:
        model = keras_builder()(*spec)
        module = torch_builder()(*spec)
        assert model.count_params() == checks.expected_count("keras", *spec)
        assert sum(p.numel() for p in module.parameters()) == checks.expected_count("torch", *spec)
    assert checks.expected_count("keras", 24, 5, 12, 32) == 5260 == param_count("lstm", 5, 32) + 32 * 12 + 12
    assert checks.expected_count("torch", 24, 5, 12, 32) == 5388


def test_the_notes_simple_rnn_with_the_same_count_is_not_an_lstm():
    """SimpleRNN(64) + Dense(12) has exactly LSTM(32) + Dense(12)'s 5260 parameters on 24 x 5 inputs."""
    assert keras_builder(recurrent="SimpleRNN", unit_count=64)(24, 5, 12, 32).count_params() == 5260
    message = failure_of(check_keras_forecaster, keras_builder(recurrent="SimpleRNN", unit_count=64))
    assert "(case 1 of 2" in message and "is SimpleRNN, not an LSTM" in message
    assert f"this looks like '{checks.WRONG_RECURRENT_LAYER.name}'" in message
