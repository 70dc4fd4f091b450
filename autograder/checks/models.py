"""Checks for the model-building half of the dimensions homework (ps05): forecasters in Keras and
PyTorch.

The student builds real models, a ``keras.Model`` and an ``nn.Module``, that read windows of
shape ``(batch, time_steps, features)`` with one LSTM of ``units`` units and forecast ``horizon``
values from its last state through one output layer: chapter 5's first model with an LSTM.
Each check calls a report function of the notebook,
``report(time_steps, features, horizon, units, x) -> (forecasts, parameter_count)``, which
builds the student's model for those sizes, runs it on ``x`` and counts its parameters. Only
these numbers reach the check, so it works the same whether the notebook runs next to it or in
the grading sandbox, where a model cannot leave the student's kernel.

The batch ``x`` has a size that equals no other size (an axis mix-up shows in the forecasts'
shape); rows 0 and 1 are the same window, and rows 2 and 3 the same window but for its last step.
The check then verifies the forecasts' shape, the parameter count, that equal windows get equal
forecasts (the examples are not mixed) and that changing the last step changes the forecast
(the last state is read). A wrong shape or count is explained by the mistakes that produce it:
return_sequences=True without Flatten, a missing output layer, batch_first missing, the wrong
number of units, the wrong recurrent layer, every state flattened, an extra layer or LSTM.

Only numpy is imported; a forecast that arrives as a torch tensor is converted without torch.
"""

import numbers

import numpy as np

from .. import mistakes as m
from ..reference import param_count
from ._cases import case_rng
from ._report import CheckFailure, as_checked_array, call_student, describe_case
from ._runner import run_cases

# Mistakes that only these checks name, in the form of ``autograder.mistakes``.
RETURN_SEQUENCES_NOT_FLATTENED = m.RETURN_SEQUENCES_NOT_FLATTENED
DENSE_MISSING = m.DENSE_MISSING
LINEAR_MISSING = m.LINEAR_MISSING
WRONG_UNITS = m.WRONG_UNITS
WRONG_RECURRENT_LAYER = m.WRONG_RECURRENT_LAYER
EVERY_STATE_FLATTENED = m.EVERY_STATE_FLATTENED
EXTRA_LAYER = m.EXTRA_LAYER
EXTRA_RECURRENT = m.EXTRA_RECURRENT
BATCH_FIRST_MISSING = m.BATCH_FIRST_MISSING
LINEAR_ON_EVERY_STEP = m.LINEAR_ON_EVERY_STEP
H_N_NOT_INDEXED = m.H_N_NOT_INDEXED
FORWARD_RETURNS_TUPLE = m.FORWARD_RETURNS_TUPLE
FORECAST_FROM_FIRST_STEP = m.FORECAST_FROM_FIRST_STEP
EXAMPLES_MIXED = m.EXAMPLES_MIXED

# (time_steps, features, horizon, units): the notes' 24 -> 12 over 5 features first.
_SPECS = {
    False: [(24, 5, 12, 32), (10, 3, 4, 8)],
    True: [(48, 7, 24, 16), (6, 2, 3, 3), (1, 1, 1, 1)],
}
_SAME = 1e-5  # forecasts of identical windows may differ by rounding only (float32)
_MOVED = 1e-6  # a forecast that moved by less than this did not react to the last step
_MAX_SCANNED_WIDTH = 4096  # largest number of units or hidden neurons tried when explaining a count


def expected_count(framework, time_steps, features, horizon, units):
    """Parameters of an LSTM(units) on ``features`` inputs followed by a dense layer to ``horizon``
    outputs.
    """
    return param_count("lstm", features, units, framework) + units * horizon + horizon


def _dense(inputs, outputs):
    return inputs * outputs + outputs


def _count_mistakes(framework, spec):
    """(Mistake, count) for every catalogued architecture mistake that changes the parameter
    count.
    """
    time_steps, features, horizon, units = spec
    lstm = param_count("lstm", features, units, framework)
    cells = [("rnn", True), ("gru", True)] + ([("gru", False)] if framework == "keras" else [])
    counts = [
        (
            WRONG_RECURRENT_LAYER,
            param_count(cell, features, units, framework, reset_after=after)
            + _dense(units, horizon),
        )
        for cell, after in cells
    ]
    counts += [
        (EVERY_STATE_FLATTENED, lstm + _dense(time_steps * units, horizon)),
        (DENSE_MISSING if framework == "keras" else LINEAR_MISSING, lstm),
        (
            EXTRA_RECURRENT,
            lstm + param_count("lstm", units, units, framework) + _dense(units, horizon),
        ),
        (EXTRA_RECURRENT, 2 * lstm + _dense(2 * units, horizon)),
    ]
    return [
        (mistake, count) for mistake, count in counts if count != expected_count(framework, *spec)
    ]


def _explain_count(framework, spec, got):
    """The catalogued mistakes whose architecture has exactly ``got`` parameters.

    The fixed architectures come first; only if none fits are other widths tried (an LSTM of
    another size, a hidden layer of any size), since with thousands of widths one fits by chance.
    """
    time_steps, features, horizon, units = spec
    found = [mistake for mistake, count in _count_mistakes(framework, spec) if count == got]
    if found:
        return list(dict.fromkeys(found))
    lstm = param_count("lstm", features, units, framework)
    for width in range(1, _MAX_SCANNED_WIDTH + 1):
        if (
            width != units
            and param_count("lstm", features, width, framework) + _dense(width, horizon) == got
        ):
            found.append(WRONG_UNITS)
        if lstm + _dense(units, width) + _dense(width, horizon) == got:
            found.append(EXTRA_LAYER)
    return list(dict.fromkeys(found))


def _batch_size(spec):
    """At least 4 rows (two pairs), and a size that equals no other, so that every axis is
    recognisable.
    """
    batch = 4
    while batch in spec:
        batch += 1
    return batch


def probe_batch(spec, hidden=False, index=0):
    """The batch a check sends: rows 0 and 1 equal; rows 2 and 3 equal but for the last step.

    Visible batches are fixed by ``spec``; hidden ones come from the course secret (``case_rng``).
    """
    time_steps, features, _, _ = spec
    rng = case_rng(500 + sum(spec), hidden, "probe_batch", index)
    x = rng.normal(0, 1, (_batch_size(spec), time_steps, features)).astype(np.float32)
    x[1] = x[0]
    x[3] = x[2]
    x[3, -1] += 1.0
    return x


def _as_numpy(name, value, case):
    """The forecasts as float64 numpy: a torch tensor is converted (without importing torch)."""
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        value = value.astype(np.float64)
    return value


def _fail(message, mistakes):
    """Raise with a hint naming the mistake (or the several that fit)."""
    if len(mistakes) == 1:
        message += f"\n  hint: this looks like '{mistakes[0].name}': {mistakes[0].hint}"
    elif mistakes:
        message += "\n  hint: this could be any of: " + "; ".join(
            f"'{k.name}' ({k.hint})" for k in mistakes
        )
    raise CheckFailure(message)


def _shape_mistakes(framework, spec, batch):
    time_steps, _, horizon, units = spec
    if framework == "keras":
        return [
            (RETURN_SEQUENCES_NOT_FLATTENED, (batch, time_steps, horizon)),
            (DENSE_MISSING, (batch, units)),
            (RETURN_SEQUENCES_NOT_FLATTENED, (batch, time_steps, units)),
        ]
    return [
        (BATCH_FIRST_MISSING, (time_steps, horizon)),
        (LINEAR_ON_EVERY_STEP, (batch, time_steps, horizon)),
        (H_N_NOT_INDEXED, (1, batch, horizon)),
        (LINEAR_MISSING, (batch, units)),
        (LINEAR_MISSING, (batch, time_steps, units)),
        (BATCH_FIRST_MISSING, (time_steps, units)),
    ]


def _check_report(name, framework, report, hidden):
    cases = _SPECS[hidden]

    def run_one(index, spec):
        spec = spec
        time_steps, features, horizon, units = spec
        case = describe_case(
            index,
            len(cases),
            dict(time_steps=time_steps, features=features, horizon=horizon, units=units),
        )
        x = probe_batch(spec, hidden, index)
        batch = x.shape[0]
        value = call_student(name, report, (time_steps, features, horizon, units, x.copy()), case)
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise CheckFailure(
                f"{name} should return a tuple (forecasts, parameter_count), got "
                f"{type(value).__name__} ({case})"
            )
        forecasts, count = value
        if isinstance(forecasts, (tuple, list)):
            _fail(
                f"{name}: the model returned a {type(forecasts).__name__} of {len(forecasts)}"
                f" values, expected one array of forecasts ({case})",
                [FORWARD_RETURNS_TUPLE],
            )
        forecasts = _as_numpy(name, forecasts, case)
        if isinstance(forecasts, np.ndarray) and forecasts.shape != (batch, horizon):
            named = [
                mistake
                for mistake, shape in _shape_mistakes(framework, spec, batch)
                if tuple(shape) == forecasts.shape
            ]
            _fail(
                f"{name}: the forecasts have shape {forecasts.shape}, expected ({batch}, {horizon})"
                f" for a batch of {batch} windows ({case})",
                named[:1],
            )
        forecasts = as_checked_array(name, "forecasts", forecasts, (batch, horizon), case)
        if isinstance(count, np.integer):
            count = int(count)
        if isinstance(count, bool) or not isinstance(count, numbers.Integral):
            raise CheckFailure(
                f"{name}: the parameter count should be a whole number, got "
                f"{type(count).__name__} {count!r} ({case})"
            )
        expected = expected_count(framework, *spec)
        if count != expected:
            _fail(
                f"{name}: the model has {count} parameters, expected {expected} ({case})",
                _explain_count(framework, spec, count),
            )
        scale = 1.0 + np.abs(forecasts).max()
        if np.abs(forecasts[0] - forecasts[1]).max() > _SAME * scale:
            _fail(
                f"{name}: rows 0 and 1 of x are the same window but got different forecasts"
                f" ({case})",
                [EXAMPLES_MIXED],
            )
        if np.abs(forecasts[2] - forecasts[3]).max() <= _MOVED * scale:
            _fail(
                f"{name}: rows 2 and 3 of x differ in their last step but got the same forecast"
                f" ({case})",
                [FORECAST_FROM_FIRST_STEP],
            )

    run_cases(name, cases, run_one)


def check_keras_forecaster(keras_forecaster_report, hidden=False):
    """Check ``keras_forecaster_report(time_steps, features, horizon, units, x) -> (forecasts,
    count)``.

    The report builds the student's Keras model for the given sizes and returns its forecasts for
    the float32 batch x, as numpy (batch, horizon), and ``model.count_params()``: one LSTM(units)
    and one Dense(horizon) on its last state have 4u(f + u + 1) + u*h + h parameters.
    """
    _check_report(
        _name_of(keras_forecaster_report, "keras_forecaster_report"),
        "keras",
        keras_forecaster_report,
        hidden,
    )


def check_torch_forecaster(torch_forecaster_report, hidden=False):
    """Check ``torch_forecaster_report(time_steps, features, horizon, units, x) -> (forecasts,
    count)``.

    The report builds the student's nn.Module for the given sizes and returns its forecasts for the
    float32 batch x (a tensor or numpy, (batch, horizon)) and the number of its parameters: one
    nn.LSTM(features, units) and one nn.Linear(units, horizon) have 4u(f + u + 2) + u*h + h.
    """
    _check_report(
        _name_of(torch_forecaster_report, "torch_forecaster_report"),
        "torch",
        torch_forecaster_report,
        hidden,
    )


def _name_of(func, default):
    """The student's own name for the report function, for the messages."""
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() and name != "<lambda>" else default


__all__ = [
    "check_keras_forecaster",
    "check_torch_forecaster",
    "expected_count",
    "probe_batch",
    "CheckFailure",
]
