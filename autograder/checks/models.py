"""Checks for the model-building half of the dimensions homework (ps05): forecasters in Keras and PyTorch.

The student builds a real model: ``build_keras_forecaster(time_steps, features, horizon, units)``
returns a ``keras.Model`` and ``TorchForecaster(time_steps, features, horizon, units)`` (any
callable with that signature) an ``nn.Module``. Both must read windows of shape
``(batch, time_steps, features)`` with one LSTM of ``units`` units and forecast ``horizon``
values from its last state through one output layer: chapter 5's first model with an LSTM.

Each check runs the model on a probe batch (whose size differs from every other size, so that
an axis mix-up shows in the output's shape), compares the parameter count with the one that
architecture must have, checks that the recurrent layer is an LSTM (a SimpleRNN of twice the
units has the same count when horizon = 2 * features + 2, as in the notes' 24 x 5 -> 12), and
perturbs the last time step of one example: only that example's forecast may change. A wrong
shape or count is explained by what the model's layers reveal: return_sequences=True without
Flatten, a missing output layer, the wrong number of units, the wrong recurrent layer, every
state flattened, an extra layer, batch_first missing.

The frameworks are imported when a check runs, never when this module is imported.
"""

import numpy as np

from .. import mistakes as m
from ..reference import param_count
from ._report import CheckFailure, call_student, describe_case, passed

# Mistakes that only these checks name, in the form of ``autograder.mistakes``.
RETURN_SEQUENCES_NOT_FLATTENED = m.Mistake(
    "return_sequences=True without Flatten",
    "with return_sequences=True the LSTM returns every state, (batch, time, units), and Dense then "
    "forecasts at every step; forecast from the last state (return_sequences=False, the default)")
DENSE_MISSING = m.Mistake(
    "missing Dense output layer",
    "the LSTM returns units values per example; add Dense(horizon) after it to map them to the "
    "horizon values")
LINEAR_MISSING = m.Mistake(
    "missing Linear output layer",
    "the LSTM's state has units values per example; apply nn.Linear(units, horizon) to the last state")
WRONG_UNITS = m.Mistake(
    "wrong number of units",
    "the LSTM must have the given number of units: keras.layers.LSTM(units), nn.LSTM(features, units)")
WRONG_RECURRENT_LAYER = m.Mistake(
    "wrong recurrent layer",
    "the task asks for an LSTM (4 gate blocks); SimpleRNN/nn.RNN has 1 block and GRU 3, hence another count")
EVERY_STATE_FLATTENED = m.Mistake(
    "every state flattened into the output layer",
    "this model forecasts from the last state only, so its output layer reads units values, not "
    "time_steps * units: no return_sequences=True + Flatten (PyTorch: h_n[-1], not output.reshape)")
EXTRA_LAYER = m.Mistake(
    "extra layer",
    "the task's model is one LSTM and one output layer, Dense(horizon) / nn.Linear(units, horizon), "
    "nothing else with weights")
EXTRA_RECURRENT = m.Mistake(
    "more than one LSTM layer or direction",
    "the task's model has a single LSTM layer that reads forwards: no stacking, no Bidirectional, "
    "num_layers=1, bidirectional=False")
NO_RECURRENT_LAYER = m.Mistake(
    "no recurrent layer", "the model must read the window with an LSTM layer before its output layer")
INPUT_AXES_SWAPPED = m.Mistake(
    "time and features swapped in the input shape",
    "keras.Input((time_steps, features)): the batch axis is left out, and time comes before features")
BATCH_FIRST_MISSING = m.Mistake(
    "batch_first=True missing",
    "nn.LSTM reads (time, batch, features) unless it is built with batch_first=True; without it the "
    "model runs along the batch and mixes the examples")
LINEAR_ON_EVERY_STEP = m.Mistake(
    "output layer applied to every step",
    "nn.LSTM's output is (batch, time, units); apply nn.Linear to the last state, h_n[-1] or output[:, -1]")
H_N_NOT_INDEXED = m.Mistake(
    "h_n used without [-1]",
    "h_n has shape (layers * directions, batch, units); the top layer's final state is h_n[-1], (batch, units)")
FORWARD_RETURNS_TUPLE = m.Mistake(
    "forward returned more than the forecast",
    "return only the forecast tensor (batch, horizon); nn.LSTM returns (output, (h_n, c_n)): take the "
    "part you need from it")
FORECAST_FROM_FIRST_STEP = m.Mistake(
    "forecast taken from the first step",
    "the forecast must read the last state, after every step: h_n[-1] or output[:, -1] in PyTorch, "
    "return_sequences=False in Keras; output[:, 0] is the state after the first step")
EXAMPLES_MIXED = m.Mistake(
    "examples of the batch mixed",
    "one example's forecast changed when another example's input changed: the model reads along the "
    "wrong axis (PyTorch: batch_first=True; or a transpose/reshape that moves the batch axis)")

# (time_steps, features, horizon, units): the notes' 24 -> 12 over 5 features first.
_SPECS = {False: [(24, 5, 12, 32), (10, 3, 4, 8)],
          True: [(48, 7, 24, 16), (6, 2, 3, 3), (1, 1, 1, 1)]}
_CHANGE = 1e-5  # a forecast moved by less than this (absolute) did not react to the perturbation


def expected_count(framework, time_steps, features, horizon, units):
    """Parameters of an LSTM(units) on ``features`` inputs followed by a dense layer to ``horizon`` outputs."""
    return param_count("lstm", features, units, framework) + units * horizon + horizon


def _probe_batch(sizes):
    """A batch size of at least 3 that equals no other size, so that every axis is recognisable."""
    batch = 3
    while batch in sizes:
        batch += 1
    return batch


def _probe(spec):
    time_steps, features, _, _ = spec
    batch = _probe_batch(spec)
    x = np.random.default_rng(500 + sum(spec)).normal(0, 1, (batch, time_steps, features)).astype(np.float32)
    moved = x.copy()
    moved[0, -1] += 1.0  # only the last step of the first example
    return x, moved


def _name_of(func, default):
    """The student's own name for the builder (a class such as TorchForecaster), for the messages."""
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() and name != "<lambda>" else default


def _describe(spec):
    time_steps, features, horizon, units = spec
    return dict(time_steps=time_steps, features=features, horizon=horizon, units=units)


def _fail(message, mistakes):
    """Raise with a hint naming the mistake (or the several that fit)."""
    if len(mistakes) == 1:
        message += f"\n  hint: this looks like '{mistakes[0].name}': {mistakes[0].hint}"
    elif mistakes:
        message += "\n  hint: this could be any of: " + "; ".join(f"'{k.name}' ({k.hint})" for k in mistakes)
    raise CheckFailure(message)


def _check_shape(name, out, spec, case, shape_mistakes):
    time_steps, _, horizon, units = spec
    batch = _probe_batch(spec)
    expected = (batch, horizon)
    if out.shape == expected:
        return
    named = [mistake for mistake, shape in shape_mistakes(time_steps, horizon, units, batch)
             if tuple(shape) == out.shape]
    _fail(f"{name}: the forecast has shape {out.shape}, expected {expected} for a probe batch of {batch} "
          f"windows ({case})", named[:1] if named else [])


def _check_count(name, got, expected, case, structural_mistakes):
    if got == expected:
        return
    _fail(f"{name}: the model has {got} parameters, expected {expected} ({case})", structural_mistakes)


def _check_lstm(name, kinds, case):
    """The count can agree by coincidence (SimpleRNN(2u) has LSTM(u)'s count when horizon = 2 * features + 2)."""
    others = sorted({kind for kind in kinds if kind != "LSTM"})
    if others:
        _fail(f"{name}: the model's recurrent layer is {', '.join(others)}, not an LSTM ({case})",
              [WRONG_RECURRENT_LAYER])


def _check_behaviour(name, forecast, probe, moved, case):
    """Only the perturbed example's forecast may change, and it must change."""
    before, after = forecast(probe), forecast(moved)
    change = np.abs(after - before).max(axis=1)
    if np.any(change[1:] > _CHANGE + 1e-4 * np.abs(before[1:]).max()):
        _fail(f"{name}: changing the last step of example 0 changed the forecast of example "
              f"{int(np.argmax(change[1:])) + 1} too ({case})", [EXAMPLES_MIXED])
    if change[0] <= _CHANGE:
        _fail(f"{name}: changing the last step of example 0 left its forecast unchanged (largest change "
              f"{change[0]:.1e}) ({case})", [FORECAST_FROM_FIRST_STEP])


# ----------------------------------------------------------------------------------- Keras

def _keras_layers(model):
    """Every layer inside ``model``, nested models and Bidirectional wrappers opened."""
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _keras_layers(layer)


def _keras_shape_mistakes(time_steps, horizon, units, batch):
    return [(RETURN_SEQUENCES_NOT_FLATTENED, (batch, time_steps, horizon)),
            (DENSE_MISSING, (batch, units)),
            (RETURN_SEQUENCES_NOT_FLATTENED, (batch, time_steps, units))]


def _keras_structure(keras, model, spec):
    """Catalogued mistakes that the layers of a Keras model show, for an unexpected count."""
    time_steps, features, horizon, units = spec
    layers = list(_keras_layers(model))
    recurrent = [layer for layer in layers if isinstance(layer, keras.layers.RNN)]
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    found = []
    if not recurrent:
        return [NO_RECURRENT_LAYER]
    if any(isinstance(layer, keras.layers.Bidirectional) for layer in layers) or len(recurrent) > 1:
        found.append(EXTRA_RECURRENT)
    if any(not isinstance(layer, keras.layers.LSTM) for layer in recurrent):
        found.append(WRONG_RECURRENT_LAYER)
    if any(getattr(layer, "units", units) != units for layer in recurrent):
        found.append(WRONG_UNITS)
    flattened = [layer for layer in dense if layer.kernel.shape[0] == time_steps * units and time_steps > 1]
    if flattened:
        found.append(EVERY_STATE_FLATTENED)
    if not dense:
        found.append(DENSE_MISSING)
    elif len(dense) > 1 or any(layer.weights for layer in layers
                               if not isinstance(layer, (keras.layers.RNN, keras.layers.Dense,
                                                         keras.layers.Bidirectional))
                               and not hasattr(layer, "layers")):
        found.append(EXTRA_LAYER)
    return found


def check_keras_forecaster(build_keras_forecaster, hidden=False):
    """Check ``build_keras_forecaster(time_steps, features, horizon, units) -> keras.Model``.

    The model must map (batch, time_steps, features) to (batch, horizon) with one LSTM(units) and
    one Dense(horizon) on its last state: LSTM parameters 4u(f + u + 1) plus u*h + h.
    """
    from ..frameworks import keras as load_keras

    keras = load_keras()
    name = _name_of(build_keras_forecaster, "build_keras_forecaster")
    cases = _SPECS[hidden]
    for index, spec in enumerate(cases, 1):
        time_steps, features, horizon, units = spec
        case = describe_case(index, len(cases), _describe(spec))
        model = call_student(name, build_keras_forecaster, spec, case)
        if model is None:
            raise CheckFailure(f"{name} returned None ({case})\n  hint: did you forget to return the model?")
        if not isinstance(model, keras.Model):
            raise CheckFailure(f"{name} should return a keras.Model (keras.Sequential or keras.Model(inputs, "
                               f"outputs)), got {type(model).__name__} ({case})")
        inputs = getattr(model, "inputs", None) or []
        if len(inputs) == 1:
            shape = tuple(inputs[0].shape)[1:]
            if shape == (features, time_steps) and features != time_steps:
                _fail(f"{name}: the model's input shape is {shape}, expected ({time_steps}, {features}) "
                      f"({case})", [INPUT_AXES_SWAPPED])
        probe, moved = _probe(spec)

        def forecast(x):
            out = call_student(f"{name}: the model", model, (x,), case)
            if isinstance(out, (list, tuple)):
                raise CheckFailure(f"{name}: the model returns {len(out)} outputs; it should return the "
                                   f"forecast only ({case})\n  hint: no return_state=True in the model's output")
            return np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64)

        _check_shape(name, forecast(probe), spec, case, _keras_shape_mistakes)
        _check_count(name, int(model.count_params()), expected_count("keras", *spec), case,
                     _keras_structure(keras, model, spec))
        _check_lstm(name, [type(layer).__name__ for layer in _keras_layers(model)
                           if isinstance(layer, keras.layers.RNN)], case)
        _check_behaviour(name, forecast, probe, moved, case)
    passed(name, len(cases))


# --------------------------------------------------------------------------------- PyTorch

def _torch_shape_mistakes(time_steps, horizon, units, batch):
    return [(BATCH_FIRST_MISSING, (time_steps, horizon)),
            (LINEAR_ON_EVERY_STEP, (batch, time_steps, horizon)),
            (H_N_NOT_INDEXED, (1, batch, horizon)),
            (LINEAR_MISSING, (batch, units)),
            (LINEAR_MISSING, (batch, time_steps, units)),
            (BATCH_FIRST_MISSING, (time_steps, units))]


def _torch_structure(torch, module, spec):
    """Catalogued mistakes that the submodules of an nn.Module show, for an unexpected count."""
    time_steps, features, horizon, units = spec
    recurrent = [mod for mod in module.modules() if isinstance(mod, torch.nn.RNNBase)]
    linear = [mod for mod in module.modules() if isinstance(mod, torch.nn.Linear)]
    if not recurrent:
        return [NO_RECURRENT_LAYER]
    found = []
    if len(recurrent) > 1 or any(mod.num_layers > 1 or mod.bidirectional for mod in recurrent):
        found.append(EXTRA_RECURRENT)
    if any(mod.mode != "LSTM" for mod in recurrent):
        found.append(WRONG_RECURRENT_LAYER)
    if any(mod.hidden_size != units for mod in recurrent):
        found.append(WRONG_UNITS)
    if any(mod.in_features == time_steps * units and time_steps > 1 for mod in linear):
        found.append(EVERY_STATE_FLATTENED)
    if not linear:
        found.append(LINEAR_MISSING)
    else:
        known = sum(p.numel() for mod in recurrent + linear for p in mod.parameters())
        if len(linear) > 1 or sum(p.numel() for p in module.parameters()) > known:
            found.append(EXTRA_LAYER)
    return found


def check_torch_forecaster(build_torch_forecaster, hidden=False):
    """Check ``build_torch_forecaster(time_steps, features, horizon, units) -> nn.Module`` (a class will do).

    ``module(x)`` must map a float tensor (batch, time_steps, features) to (batch, horizon) with one
    nn.LSTM(features, units) and one nn.Linear(units, horizon) on its last state: LSTM parameters
    4u(f + u + 2) plus u*h + h. The probe is cast to the dtype of the module's parameters.
    """
    from ..frameworks import torch as load_torch

    torch = load_torch()
    name = _name_of(build_torch_forecaster, "build_torch_forecaster")
    cases = _SPECS[hidden]
    for index, spec in enumerate(cases, 1):
        case = describe_case(index, len(cases), _describe(spec))
        module = call_student(name, build_torch_forecaster, spec, case)
        if module is None:
            raise CheckFailure(f"{name} returned None ({case})\n  hint: did you forget to return the module?")
        if not isinstance(module, torch.nn.Module):
            raise CheckFailure(f"{name} should return a torch.nn.Module, got {type(module).__name__} ({case})")
        parameters = list(module.parameters())
        dtype = parameters[0].dtype if parameters and parameters[0].is_floating_point() else torch.float32
        probe, moved = _probe(spec)

        def forecast(x):
            with torch.no_grad():
                out = call_student(f"{name}: the module", module, (torch.from_numpy(x).to(dtype),), case)
            if isinstance(out, (tuple, list)):
                _fail(f"{name}: forward returned a {type(out).__name__} of {len(out)} values, expected one "
                      f"tensor ({case})", [FORWARD_RETURNS_TUPLE])
            if not isinstance(out, torch.Tensor):
                raise CheckFailure(f"{name}: forward should return a tensor, got {type(out).__name__} ({case})")
            return out.detach().double().numpy()

        _check_shape(name, forecast(probe), spec, case, _torch_shape_mistakes)
        _check_count(name, sum(p.numel() for p in parameters), expected_count("torch", *spec), case,
                     _torch_structure(torch, module, spec))
        _check_lstm(name, [mod.mode for mod in module.modules() if isinstance(mod, torch.nn.RNNBase)], case)
        _check_behaviour(name, forecast, probe, moved, case)
    passed(name, len(cases))


__all__ = ["check_keras_forecaster", "check_torch_forecaster", "expected_count", "CheckFailure"]
