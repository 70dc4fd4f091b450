"""The reference against PyTorch and Keras on random configurations (hypothesis), forward and
backward.

Each example draws a cell and variant, sizes (batch 1-4, time 1-8, features 1-5, units 1-6),
layers 1-3, one or two directions, ragged or full lengths, given or zero initial states, a
precision and, for PyTorch, batch_first and which side the weights start from; it builds the
framework's layers through the converters and compares every output and final state. Gradients
are compared on single layers in float64 with torch.autograd and tf.GradientTape. Set
AGREEMENT_REPORT=path to write how many configurations each test compared and the largest
error it saw.
"""

import json
import os
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.checks._cases import gated_params
from autograder.conventions import FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, MERGE_MODES
from autograder.convert import (
    params_from_keras,
    params_from_torch,
    params_to_keras,
    params_to_torch,
    reference_cell_for_keras,
    reference_cell_for_torch,
)
from autograder.convert._shapes import reorder_gates
from autograder.frameworks import keras as load_keras
from autograder.frameworks import torch as load_torch
from autograder.reference import GRUCell, LSTMCell, RNNCell, recurrent_backward, stacked_forward

# Deterministic in CI, no deadline (the first call of a framework layer is slow), bounded run time.
PROPERTY = dict(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CELLS = {  # name -> (kind, reference cell, frameworks that have it)
    "rnn-tanh": ("rnn", RNNCell("tanh"), {"torch", "keras"}),
    "rnn-relu": ("rnn", RNNCell("relu"), {"torch", "keras"}),
    "rnn-sigmoid": ("rnn", RNNCell("sigmoid"), {"keras"}),
    "lstm": ("lstm", LSTMCell(), {"torch", "keras"}),
    "gru-reset-after": ("gru", GRUCell(reset_after=True), {"torch", "keras"}),
    "gru-reset-before": ("gru", GRUCell(reset_after=False), {"keras"}),
}


@dataclass
class Config:
    cell: str
    batch: int
    time: int
    features: int
    units: int
    layers: int
    directions: int
    ragged: bool
    initial: bool
    precision: str
    merge: str
    seed: int
    weights_from_framework: bool
    batch_first: bool = True

    @property
    def kind(self):
        return CELLS[self.cell][0]

    @property
    def reference_cell(self):
        return CELLS[self.cell][1]

    def arrays(self):
        """x, lengths (or None), initial state tuple (or None) and reference weights, from the seed.

        Everything is rounded to the precision under test first, so that the comparison measures
        the computation and not the rounding of its inputs.
        """
        rng = np.random.default_rng(self.seed)
        rounded = (
            (lambda a: a.astype(np.float32).astype(np.float64))
            if self.precision == "float32"
            else (lambda a: a)
        )
        x = rounded(rng.normal(0, 1, (self.batch, self.time, self.features)))
        lengths = rng.integers(1, self.time + 1, self.batch) if self.ragged else None
        rows = self.layers * self.directions
        states = 2 if self.kind == "lstm" else 1
        initial = (
            tuple(
                rounded(rng.normal(0, 0.5, (rows, self.batch, self.units))) for _ in range(states)
            )
            if self.initial
            else None
        )
        reset_after = getattr(self.reference_cell, "reset_after", True)
        width = self.units * (self.directions if self.merge == "concat" else 1)
        # PyTorch's default range is +-1/sqrt(units): trained-like sizes
        scale = 1 / np.sqrt(self.units)
        layers = [
            [
                tuple(
                    rounded(p)
                    for p in gated_params(
                        rng,
                        self.kind,
                        self.features if k == 0 else width,
                        self.units,
                        reset_after,
                        scale,
                    )
                )
                for _ in range(self.directions)
            ]
            for k in range(self.layers)
        ]
        return x, lengths, initial, layers


@st.composite
def configs(draw, framework, single_layer=False, precisions=("float32", "float64")):
    cell = draw(
        st.sampled_from([name for name, (_, _, where) in CELLS.items() if framework in where])
    )
    directions = 1 if single_layer else draw(st.sampled_from([1, 2]))
    merge = (
        draw(st.sampled_from(MERGE_MODES)) if framework == "keras" and directions == 2 else "concat"
    )
    return Config(
        cell=cell,
        batch=draw(st.integers(1, 4)),
        time=draw(st.integers(1, 8)),
        features=draw(st.integers(1, 5)),
        units=draw(st.integers(1, 6)),
        layers=1 if single_layer else draw(st.integers(1, 3)),
        directions=directions,
        ragged=draw(st.booleans()),
        initial=draw(st.booleans()),
        precision=draw(st.sampled_from(precisions)),
        merge=merge,
        seed=draw(st.integers(0, 2**32 - 1)),
        weights_from_framework=framework == "torch" and draw(st.booleans()),
        batch_first=framework != "torch" or draw(st.booleans()),
    )


@dataclass
class Agreement:
    """How many configurations a test compared and the largest error it met, per precision."""

    configurations: int = 0
    largest_error: dict = field(default_factory=dict)

    def record(self, precision, error):
        self.largest_error[precision] = max(self.largest_error.get(precision, 0.0), float(error))


AGREEMENT = {}


@pytest.fixture(scope="module", autouse=True)
def agreement_report():
    yield
    path = os.environ.get("AGREEMENT_REPORT")
    if path:
        existing = json.load(open(path)) if os.path.exists(path) else {}
        existing.update({name: vars(a) for name, a in AGREEMENT.items()})
        with open(path, "w") as out:
            json.dump(existing, out, indent=2, sort_keys=True)


def agreement_error(expected, got):
    """|got - expected| / (1 + |expected|): relative for large values, absolute below 1.

    A framework's rounding error is absolute near zero, so a purely relative measure would judge
    its noise; this is the test ``assert_allclose(got, expected, rtol=tol, atol=tol)`` makes.
    """
    return np.abs(got - expected) / (1.0 + np.abs(expected))


def assert_agrees(test, name, expected, got, precision, mask=None):
    """Agreement within the precision's tolerance, counted in the test's agreement record."""
    tolerance = FLOAT32_TOLERANCE if precision == "float32" else FLOAT64_TOLERANCE
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == expected.shape, f"{name}: shape {got.shape}, expected {expected.shape}"
    errors = agreement_error(expected, got)
    if mask is not None:
        errors = np.where(mask, errors, 0.0)
    worst = float(errors.max()) if errors.size else 0.0
    AGREEMENT.setdefault(test, Agreement()).record(precision, worst)
    assert worst <= tolerance, f"{name}: largest relative error {worst:.2e} > {tolerance:.0e}"


def counted(test):
    AGREEMENT.setdefault(test, Agreement()).configurations += 1


@pytest.fixture(scope="module")
def torch():
    return load_torch()


@pytest.fixture(scope="module")
def keras():
    return load_keras()


# --- PyTorch -----------------------------------------------------------------------------------

TORCH_MODULES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def torch_module(torch, config):
    options = {"nonlinearity": config.cell.split("-")[1]} if config.kind == "rnn" else {}
    module = getattr(torch.nn, TORCH_MODULES[config.kind])(
        config.features,
        config.units,
        num_layers=config.layers,
        bidirectional=config.directions == 2,
        batch_first=config.batch_first,
        dtype=getattr(torch, config.precision),
        **options,
    )
    return module


def run_torch(torch, module, x, lengths, initial, precision):
    """Outputs (batch, time, units) and final states of ``module`` on batch-major x, packed if
    ragged.
    """
    dtype = getattr(torch, precision)

    # numpy for forward tests, leaf tensors that collect gradients for backward tests
    def tensor(a):
        return (a if torch.is_tensor(a) else torch.from_numpy(a)).to(dtype)

    # time-major: (time, batch, ...)
    inputs = tensor(x) if module.batch_first else tensor(x).transpose(0, 1)
    if lengths is not None:
        inputs = torch.nn.utils.rnn.pack_padded_sequence(
            inputs, torch.from_numpy(lengths), batch_first=module.batch_first, enforce_sorted=False
        )
    state = None
    if initial is not None:
        state = tuple(tensor(s) for s in initial)
        state = state if len(state) == 2 else state[0]
    outputs, finals = module(inputs, state)
    if lengths is not None:
        outputs, _ = torch.nn.utils.rnn.pad_packed_sequence(
            outputs, batch_first=module.batch_first, total_length=x.shape[1]
        )
    if not module.batch_first:
        outputs = outputs.transpose(0, 1)
    finals = finals if isinstance(finals, tuple) else (finals,)
    return outputs, finals


@settings(max_examples=300, **PROPERTY)
@given(config=configs("torch"))
def test_forward_matches_torch(torch, config):
    x, lengths, initial, layers = config.arrays()
    module = torch_module(torch, config)
    # weights written in PyTorch's layout, two non-zero biases, read back
    if config.weights_from_framework:
        fill_torch_parameters(torch, module, config)
        layers = params_from_torch(module)
    else:
        params_to_torch(module, layers)
        for original, loaded in zip(_flat(layers), _flat(params_from_torch(module))):
            assert_agrees("torch forward", "weights", original, loaded, config.precision)
    assert reference_cell_for_torch(module) == config.reference_cell
    expected = stacked_forward(config.reference_cell, x, layers, initial, lengths)
    with torch.no_grad():
        outputs, finals = run_torch(torch, module, x, lengths, initial, config.precision)
    test = "torch forward"
    counted(test)
    assert_agrees(test, "outputs", expected[0], outputs.double().numpy(), config.precision)
    for name, want, got in zip(("h_n", "c_n"), expected[1:], finals):
        assert_agrees(test, name, want, got.double().numpy(), config.precision)


def fill_torch_parameters(torch, module, config):
    """Overwrite every parameter with seeded values, as a trained module would hold (bias_hh
    too).
    """
    rng = np.random.default_rng(config.seed + 2)
    with torch.no_grad():
        for parameter in module.parameters():
            values = rng.normal(0, 1 / np.sqrt(config.units), tuple(parameter.shape)).astype(
                config.precision
            )
            parameter.copy_(torch.from_numpy(values))


def _flat(layers):
    return [array for layer in layers for params in layer for array in params]


@settings(max_examples=150, **PROPERTY)
@given(config=configs("torch", single_layer=True, precisions=("float64",)))
def test_gradients_match_torch_autograd(torch, config):
    x, lengths, initial, layers = config.arrays()
    params = layers[0][0]
    cell = config.reference_cell
    module = params_to_torch(torch_module(torch, config), layers)
    rng = np.random.default_rng(config.seed + 1)
    d_outputs = rng.normal(size=(config.batch, config.time, config.units))
    d_final = tuple(rng.normal(size=(config.batch, config.units)) for _ in cell.state_names)
    x_t = torch.from_numpy(x).requires_grad_()
    initial_t = (
        tuple(torch.from_numpy(s).clone().requires_grad_() for s in initial) if initial else None
    )
    outputs, finals = run_torch(torch, module, x_t, lengths, initial_t, "float64")
    loss = (outputs * torch.from_numpy(d_outputs)).sum() + sum(
        (f[0] * torch.from_numpy(d)).sum() for f, d in zip(finals, d_final)
    )
    loss.backward()
    state = None if initial is None else tuple(s[0] for s in initial)
    grads = recurrent_backward(cell, x, params, d_outputs, state, d_final, lengths)
    test = "torch gradients"
    counted(test)
    assert_agrees(test, "dx", grads["x"], x_t.grad.numpy(), "float64")
    for name, tensor in zip(cell.state_names, initial_t or ()):
        assert_agrees(test, f"d{name}0", grads[f"{name}0"], tensor.grad[0].numpy(), "float64")
    for name, got in torch_gradients_in_reference_layout(module, config.kind).items():
        assert_agrees(test, f"d{name}", grads[name], got, "float64")


def torch_gradients_in_reference_layout(module, kind):
    """Layer 0's parameter gradients, reordered and transposed like ``from_torch`` does for
    weights.
    """
    grad = {
        name: getattr(module, f"{name}_l0").grad.numpy()
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    }
    in_reference = {
        name: reorder_gates(value, kind, "torch", "reference", axis=0)
        for name, value in grad.items()
    }
    # b feeds bias_ih and bias_hh alike (b went into one, zeros into the other), except in the GRU
    bias = (
        np.stack([in_reference["bias_ih"], in_reference["bias_hh"]])
        if kind == "gru"
        else in_reference["bias_ih"]
    )
    return {"W_x": in_reference["weight_ih"].T, "W_h": in_reference["weight_hh"].T, "b": bias}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_torch_cells_match_one_reference_step(torch, kind):
    """nn.RNNCell / LSTMCell / GRUCell, both conversion directions."""
    rng = np.random.default_rng(5)
    module = getattr(torch.nn, f"{TORCH_MODULES[kind]}Cell")(3, 4, dtype=torch.float64)
    x, state = rng.normal(size=(2, 1, 3)), tuple(
        rng.normal(size=(1, 2, 4)) for _ in range(2 if kind == "lstm" else 1)
    )
    layers = params_from_torch(module)
    expected = stacked_forward(reference_cell_for_torch(module), x, layers, state)
    with torch.no_grad():
        args = tuple(torch.from_numpy(s[0]) for s in state)
        got = module(torch.from_numpy(x[:, 0]), args if kind == "lstm" else args[0])
    got = got if isinstance(got, tuple) else (got,)
    for want, have in zip(expected[1:], got):
        np.testing.assert_allclose(have.numpy(), want[0], rtol=1e-12, atol=1e-12)
    counted("torch forward")
    fresh = getattr(torch.nn, f"{TORCH_MODULES[kind]}Cell")(3, 4, dtype=torch.float64)
    for original, back in zip(
        _flat(layers), _flat(params_from_torch(params_to_torch(fresh, layers)))
    ):
        np.testing.assert_array_equal(original, back)


# --- Keras -------------------------------------------------------------------------------------

_KERAS_LAYERS = {}  # built layers, keyed by structure: building is the slow part of a Keras call


def keras_layers(keras, config):
    """Built Keras layers for ``config`` (cached by structure), one per stacked layer."""
    key = (
        config.cell,
        config.features,
        config.units,
        config.layers,
        config.directions,
        config.merge,
        config.precision,
    )
    if key not in _KERAS_LAYERS:
        built, features = [], config.features
        for _ in range(config.layers):
            layer = _keras_rnn(keras, config)
            if config.directions == 2:
                layer = keras.layers.Bidirectional(
                    layer, merge_mode=config.merge, dtype=config.precision
                )
            layer.build((None, None, features))
            built.append(layer)
            features = config.units * (
                2 if config.directions == 2 and config.merge == "concat" else 1
            )
        _KERAS_LAYERS[key] = built
    return _KERAS_LAYERS[key]


def _keras_rnn(keras, config):
    common = dict(return_sequences=True, return_state=True, dtype=config.precision)
    if config.kind == "rnn":
        return keras.layers.SimpleRNN(config.units, activation=config.cell.split("-")[1], **common)
    if config.kind == "lstm":
        return keras.layers.LSTM(config.units, **common)
    return keras.layers.GRU(config.units, reset_after=config.cell == "gru-reset-after", **common)


def run_keras(layers, x, lengths, initial, config):
    """Top outputs and PyTorch-layout final states from a stack of Keras layers."""
    mask = None if lengths is None else np.arange(x.shape[1])[None, :] < lengths[:, None]
    inputs, finals = x.astype(config.precision), []
    states_per_direction = 2 if config.kind == "lstm" else 1
    for k, layer in enumerate(layers):
        state = None
        if initial is not None:  # Keras wants [h, c] per direction, forward direction first
            rows = range(k * config.directions, (k + 1) * config.directions)
            state = [
                initial[s][row].astype(config.precision)
                for row in rows
                for s in range(states_per_direction)
            ]
        result = layer(inputs, initial_state=state, mask=mask)
        inputs = result[0]
        for d in range(config.directions):
            finals.append(result[1 + d * states_per_direction : 1 + (d + 1) * states_per_direction])
    stacked = [np.stack([np.asarray(f[s]) for f in finals]) for s in range(states_per_direction)]
    return np.asarray(inputs), stacked


@settings(max_examples=80, **PROPERTY)
@given(config=configs("keras"))
def test_forward_matches_keras(keras, config):
    x, lengths, initial, layers = config.arrays()
    built = params_to_keras(keras_layers(keras, config), layers)
    for original, loaded in zip(_flat(layers), _flat(params_from_keras(built))):
        assert_agrees("keras forward", "weights", original, loaded, config.precision)
    first = built[0].forward_layer if config.directions == 2 else built[0]
    assert reference_cell_for_keras(first) == config.reference_cell
    expected = stacked_forward(
        config.reference_cell, x, layers, initial, lengths, merge=config.merge
    )
    outputs, finals = run_keras(built, x, lengths, initial, config)
    test = "keras forward"
    counted(test)
    # Keras leaves a unidirectional layer's padded outputs undefined (it repeats the last one);
    # compare real steps
    mask = (
        None
        if lengths is None
        else (np.arange(config.time)[None, :] < lengths[:, None])[:, :, None]
    )
    assert_agrees(test, "outputs", expected[0], outputs, config.precision, mask)
    for name, want, got in zip(("h_n", "c_n"), expected[1:], finals):
        assert_agrees(test, name, want, got, config.precision)


@settings(max_examples=40, **PROPERTY)
@given(config=configs("keras", single_layer=True, precisions=("float64",)))
def test_gradients_match_keras_gradient_tape(keras, config):
    import tensorflow as tf

    x, lengths, initial, layers = config.arrays()
    (layer,) = params_to_keras(keras_layers(keras, config), layers)
    cell = config.reference_cell
    rng = np.random.default_rng(config.seed + 1)
    d_outputs = rng.normal(size=(config.batch, config.time, config.units))
    d_final = tuple(rng.normal(size=(config.batch, config.units)) for _ in cell.state_names)
    mask = None if lengths is None else np.arange(config.time)[None, :] < lengths[:, None]
    x_t = tf.constant(x)
    initial_t = [tf.constant(s[0]) for s in initial] if initial else None
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        for s in initial_t or ():
            tape.watch(s)
        result = layer(x_t, initial_state=initial_t, mask=mask)
        outputs = result[0] if mask is None else result[0] * mask[:, :, None]
        loss = tf.reduce_sum(outputs * d_outputs) + sum(
            tf.reduce_sum(f * d) for f, d in zip(result[1:], d_final)
        )
    got = tape.gradient(loss, [x_t] + list(initial_t or []) + layer.trainable_weights)
    state = None if initial is None else tuple(s[0] for s in initial)
    grads = recurrent_backward(cell, x, layers[0][0], d_outputs, state, d_final, lengths)
    names = ["x"] + ([f"{n}0" for n in cell.state_names] if initial else []) + ["W_x", "W_h", "b"]
    test = "keras gradients"
    counted(test)
    for name, value in zip(names, got):
        assert_agrees(test, f"d{name}", grads[name], np.asarray(value), "float64")


def test_keras_cells_convert_like_their_layers(keras):
    """keras.layers.LSTMCell etc. hold the same weights as the layers that wrap them."""
    from autograder.convert import from_keras, to_keras

    rng = np.random.default_rng(8)
    for cell in (
        keras.layers.SimpleRNNCell(3),
        keras.layers.LSTMCell(3),
        keras.layers.GRUCell(3),
        keras.layers.GRUCell(3, reset_after=False),
    ):
        cell.build((None, 2))
        reference = reference_cell_for_keras(cell)
        params = gated_params(rng, reference.kind, 2, 3, getattr(reference, "reset_after", True))
        to_keras(cell, *params)
        for original, back in zip(params, from_keras(cell)):
            np.testing.assert_allclose(back, original, rtol=1e-6)
