"""The ps05 model checks both ways: the chapter's forecaster passes in Keras and PyTorch, each
planted mistake is named.

A student's builder (a function returning a keras.Model, a class deriving from nn.Module) is
wrapped in the notebook's report function, which is what the checks call.
"""

import numpy as np
import pytest

from autograder.checks import check_keras_forecaster, check_torch_forecaster
from autograder.checks import models as checks
from autograder.frameworks import keras as load_keras
from autograder.frameworks import torch as load_torch
from autograder.reference import param_count
from helpers import failure_of

keras, torch = load_keras(), load_torch()
nn = torch.nn


def keras_report(build):
    """The notebook's report for a Keras builder: forecasts as numpy and model.count_params()."""

    def keras_forecaster_report(time_steps, features, horizon, units, x):
        model = build(time_steps, features, horizon, units)
        return keras.ops.convert_to_numpy(model(x)), model.count_params()

    return keras_forecaster_report


def torch_report(module_class):
    """The notebook's report for a PyTorch class: forecasts as a tensor and the number of
    parameters.
    """

    def torch_forecaster_report(time_steps, features, horizon, units, x):
        module = module_class(time_steps, features, horizon, units)
        with torch.no_grad():
            forecasts = module(torch.from_numpy(x))
        return forecasts, sum(p.numel() for p in module.parameters())

    return torch_forecaster_report


def keras_builder(
    recurrent="LSTM",
    unit_count=None,
    return_sequences=False,
    flatten=False,
    dense=True,
    hidden_dense=False,
    stacked=False,
    bidirectional=False,
):
    """A student's build_keras_forecaster; each argument away from its default plants one
    mistake.
    """

    def build(time_steps, features, horizon, units):
        layers = [keras.Input((time_steps, features))]
        if stacked:
            layers.append(keras.layers.LSTM(units, return_sequences=True))
        layer = getattr(keras.layers, recurrent)(
            unit_count or units, return_sequences=return_sequences
        )
        layers.append(keras.layers.Bidirectional(layer) if bidirectional else layer)
        if flatten:
            layers.append(keras.layers.Flatten())
        if hidden_dense:
            layers.append(keras.layers.Dense(16, activation="relu"))
        if dense:
            layers.append(keras.layers.Dense(horizon))
        return keras.Sequential(layers)

    return build


def torch_builder(
    recurrent="LSTM",
    unit_count=None,
    batch_first=True,
    read="h_n",
    linear=True,
    hidden_linear=False,
    num_layers=1,
    extra_output=False,
):
    """A student's TorchForecaster; each argument away from its default plants one mistake.

    ``read`` is what the output layer reads: "h_n" (h_n[-1]), "last" (output[:, -1]), "first"
    (output[:, 0]), "all" (output), "h_n_all" (h_n) or "flat" (output flattened).
    """

    class TorchForecaster(nn.Module):
        def __init__(self, time_steps, features, horizon, units):
            super().__init__()
            hidden = unit_count or units
            self.rnn = getattr(nn, recurrent)(
                features, hidden, num_layers=num_layers, batch_first=batch_first
            )
            inputs = time_steps * hidden if read == "flat" else hidden
            if hidden_linear:
                self.head = nn.Sequential(nn.Linear(inputs, 16), nn.ReLU(), nn.Linear(16, horizon))
            else:
                self.head = nn.Linear(inputs, horizon) if linear else nn.Identity()

        def forward(self, x):
            output, state = self.rnn(x)
            h_n = state[0] if isinstance(state, tuple) else state
            chosen = {
                "h_n": lambda: h_n[-1],
                "last": lambda: output[:, -1],
                "first": lambda: output[:, 0],
                "all": lambda: output,
                "h_n_all": lambda: h_n,
                "flat": lambda: output.reshape(len(x), -1),
            }[read]()
            forecast = self.head(chosen)
            return (forecast, h_n) if extra_output else forecast

    return TorchForecaster


BROKEN_KERAS = {
    checks.RETURN_SEQUENCES_NOT_FLATTENED: keras_builder(return_sequences=True),
    checks.DENSE_MISSING: keras_builder(dense=False),
    checks.WRONG_UNITS: keras_builder(unit_count=64),
    checks.WRONG_RECURRENT_LAYER: keras_builder(recurrent="GRU"),
    checks.EVERY_STATE_FLATTENED: keras_builder(return_sequences=True, flatten=True),
    checks.EXTRA_LAYER: keras_builder(hidden_dense=True),
    checks.EXTRA_RECURRENT: keras_builder(stacked=True),
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


@pytest.mark.parametrize("hidden", [False, True])
def test_the_chapters_forecaster_passes(capsys, hidden):
    check_keras_forecaster(keras_report(keras_builder()), hidden=hidden)
    check_torch_forecaster(torch_report(torch_builder()), hidden=hidden)
    # output[:, -1] is h_n[-1]
    check_torch_forecaster(torch_report(torch_builder(read="last")), hidden=hidden)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.endswith("cases passed") for line in lines)


def test_a_transpose_instead_of_batch_first_is_fine(capsys):
    class TimeMajor(nn.Module):
        def __init__(self, time_steps, features, horizon, units):
            super().__init__()
            self.rnn, self.head = nn.LSTM(features, units), nn.Linear(units, horizon)

        def forward(self, x):
            _, (h_n, _) = self.rnn(x.transpose(0, 1))  # time-major, as nn.LSTM expects by default
            return self.head(h_n[-1])

    check_torch_forecaster(torch_report(TimeMajor))
    assert "all 2 cases passed" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", list(BROKEN_KERAS), ids=lambda k: k.name)
def test_each_keras_mistake_is_named(mistake):
    message = failure_of(check_keras_forecaster, keras_report(BROKEN_KERAS[mistake]))
    assert message.startswith("keras_forecaster_report: ")
    assert f"this looks like '{mistake.name}'" in message.splitlines()[-1], message


@pytest.mark.parametrize("mistake", list(BROKEN_TORCH), ids=lambda k: k.name)
def test_each_torch_mistake_is_named(mistake):
    message = failure_of(check_torch_forecaster, torch_report(BROKEN_TORCH[mistake]))
    assert message.startswith("torch_forecaster_report: ")
    assert f"this looks like '{mistake.name}'" in message.splitlines()[-1], message


def test_a_bidirectional_layer_is_named_by_its_count():
    message = failure_of(check_keras_forecaster, keras_report(keras_builder(bidirectional=True)))
    assert f"this looks like '{checks.EXTRA_RECURRENT.name}'" in message


def test_missing_dense_with_units_equal_to_horizon_is_found_by_the_count():
    """Hidden case 2 has units == horizon: the shape is right, the count tells."""

    def dense_left_out_when_sizes_agree(time_steps, features, horizon, units):
        return keras_builder(dense=units != horizon)(time_steps, features, horizon, units)

    message = failure_of(
        check_keras_forecaster, keras_report(dense_left_out_when_sizes_agree), hidden=True
    )
    assert "(case 2 of 3" in message and "parameters, expected" in message
    assert f"'{checks.DENSE_MISSING.name}'" in message


def test_the_notes_simple_rnn_shares_the_count_of_case_1_but_not_of_case_2():
    """SimpleRNN(64) + Dense(12) has exactly LSTM(32) + Dense(12)'s 5260 parameters on 24 x 5
    inputs.
    """

    def notes_model(time_steps, features, horizon, units):
        return keras_builder(recurrent="SimpleRNN", unit_count=64)(
            time_steps, features, horizon, units
        )

    assert (
        notes_model(24, 5, 12, 32).count_params()
        == 5260
        == checks.expected_count("keras", 24, 5, 12, 32)
    )
    message = failure_of(check_keras_forecaster, keras_report(notes_model))
    assert "(case 2 of 2" in message and "the model has 4612 parameters, expected 420" in message


def test_wrong_return_values_are_told_apart():
    report = keras_report(keras_builder())
    assert "should return a tuple (forecasts, parameter_count)" in failure_of(
        check_keras_forecaster, lambda *args: report(*args)[0]
    )
    assert "is a tensorflow tensor" in failure_of(
        check_keras_forecaster, lambda *args: (keras_builder()(*args[:4])(args[4]), 1)
    )
    assert "should be a whole number" in failure_of(
        check_keras_forecaster, lambda *args: (report(*args)[0], "5260")
    )
    assert "not implemented yet" in failure_of(check_torch_forecaster, torch_report(_Unfinished))


class _Unfinished(nn.Module):
    def __init__(self, time_steps, features, horizon, units):
        super().__init__()
        raise NotImplementedError()


def test_the_expected_counts_are_the_frameworks_counts():
    for spec in checks._SPECS[False] + checks._SPECS[True]:
        assert keras_builder()(*spec).count_params() == checks.expected_count("keras", *spec)
        module = torch_builder()(*spec)
        assert sum(p.numel() for p in module.parameters()) == checks.expected_count("torch", *spec)
    assert (
        checks.expected_count("keras", 24, 5, 12, 32)
        == 5260
        == param_count("lstm", 5, 32) + 32 * 12 + 12
    )
    assert checks.expected_count("torch", 24, 5, 12, 32) == 5388


def test_every_count_mistake_is_what_the_framework_counts():
    """The counts the checks attribute to mistakes are those of the mistaken models themselves."""
    spec = (24, 5, 12, 32)
    for builder, mistake in [
        (keras_builder(recurrent="GRU"), checks.WRONG_RECURRENT_LAYER),
        (keras_builder(recurrent="SimpleRNN"), checks.WRONG_RECURRENT_LAYER),
        (keras_builder(return_sequences=True, flatten=True), checks.EVERY_STATE_FLATTENED),
        (keras_builder(stacked=True), checks.EXTRA_RECURRENT),
        (keras_builder(bidirectional=True), checks.EXTRA_RECURRENT),
    ]:
        assert mistake in checks._explain_count("keras", spec, builder(*spec).count_params())
    for builder, mistake in [
        (torch_builder(recurrent="GRU"), checks.WRONG_RECURRENT_LAYER),
        (torch_builder(recurrent="RNN"), checks.WRONG_RECURRENT_LAYER),
        (torch_builder(num_layers=2), checks.EXTRA_RECURRENT),
    ]:
        count = sum(p.numel() for p in builder(*spec).parameters())
        assert mistake in checks._explain_count("torch", spec, count)


def test_the_probe_batch_holds_its_two_pairs():
    for spec in checks._SPECS[False] + checks._SPECS[True]:
        x = checks.probe_batch(spec)
        assert x.shape[0] not in spec and x.shape[0] >= 4 and x.dtype == np.float32
        assert (
            np.array_equal(x[0], x[1])
            and np.array_equal(x[2, :-1], x[3, :-1])
            and not np.array_equal(x[2], x[3])
        )
