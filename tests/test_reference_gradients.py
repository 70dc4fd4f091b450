"""BPTT beyond the frameworks' forward pass: finite differences, truncation, Jacobian norms,
clipping.

* every cell and variant (including the GRU's z_convention="update", which no framework has)
  against central finite differences in float64;
* truncated BPTT against PyTorch with the state detached K steps before each loss term;
* ||dh_T/dh_t|| against torch.autograd.functional.jacobian;
* clipping against torch.nn.utils.clip_grad_norm_/clip_grad_value_ and Keras's optimizer options.
"""

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.checks._cases import gated_params
from autograder.conventions import KERAS_CLIP_EPS, NUMERIC_GRADIENT_TOLERANCE, TORCH_CLIP_EPS
from autograder.convert import params_to_torch
from autograder.convert._shapes import reorder_gates
from autograder.frameworks import keras as load_keras
from autograder.frameworks import torch as load_torch
from autograder.reference import (
    GRUCell,
    LSTMCell,
    RNNCell,
    clip_by_global_norm,
    clip_by_norm,
    clip_by_value,
    gradient_norms_per_step,
    lstm_gradient_norms_per_step,
    recurrent_backward,
    recurrent_forward,
    rnn_backward,
    state_gradient_norms,
)

PROPERTY = dict(
    derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

CELLS = [
    RNNCell("tanh"),
    RNNCell("sigmoid"),
    RNNCell("relu"),
    LSTMCell(),
    GRUCell(True, "keep"),
    GRUCell(True, "update"),
    GRUCell(False, "keep"),
    GRUCell(False, "update"),
]


@pytest.fixture(scope="module")
def torch():
    return load_torch()


@st.composite
def problems(draw, cells=CELLS, max_time=5, ragged=True):
    """A cell, its weights, inputs, initial state, lengths and upstream gradients, all float64."""
    cell = draw(st.sampled_from(cells))
    batch, time = draw(st.integers(1, 3)), draw(st.integers(1, max_time))
    features, units = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = gated_params(
        rng, cell.kind, features, units, getattr(cell, "reset_after", True), scale=0.8
    )
    x = rng.normal(size=(batch, time, features))
    state = tuple(rng.normal(0, 0.5, (batch, units)) for _ in cell.state_names)
    lengths = rng.integers(1, time + 1, batch) if ragged and draw(st.booleans()) else None
    d_outputs = rng.normal(size=(batch, time, units))
    d_final = tuple(rng.normal(size=(batch, units)) for _ in cell.state_names)
    return cell, params, x, state, lengths, d_outputs, d_final


def loss(cell, params, x, state, lengths, d_outputs, d_final):
    outputs, final = recurrent_forward(cell, x, params, state, lengths)
    return np.sum(outputs * d_outputs) + sum(np.sum(f * d) for f, d in zip(final, d_final))


def numeric_gradient(f, array, step=1e-6):
    """Central differences of the scalar f() with respect to every entry of ``array`` (changed in
    place).
    """
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        kept = array[index]
        array[index] = kept + step
        above = f()
        array[index] = kept - step
        below = f()
        array[index] = kept
        grad[index] = (above - below) / (2 * step)
    return grad


def relative_error(numeric, analytic):
    """||numeric - analytic|| / (||numeric|| + ||analytic||): one number per array, safe near
    zero.
    """
    scale = np.linalg.norm(numeric) + np.linalg.norm(analytic)
    return 0.0 if scale == 0 else np.linalg.norm(numeric - analytic) / scale


FINITE_DIFFERENCES = {"configurations": 0, "largest_error": {"float64": 0.0}}


@pytest.fixture(scope="module", autouse=True)
def agreement_report():
    """With AGREEMENT_REPORT=path, add the finite-difference count and largest error to that JSON
    file.
    """
    yield
    path = os.environ.get("AGREEMENT_REPORT")
    if path:
        existing = json.load(open(path)) if os.path.exists(path) else {}
        existing["finite differences"] = FINITE_DIFFERENCES
        with open(path, "w") as out:
            json.dump(existing, out, indent=2, sort_keys=True)


@settings(max_examples=80, **PROPERTY)
@given(problem=problems())
def test_backward_matches_finite_differences(problem):
    cell, params, x, state, lengths, d_outputs, d_final = problem
    params = tuple(p.copy() for p in params)
    state = tuple(s.copy() for s in state)
    grads = recurrent_backward(cell, x, params, d_outputs, state, d_final, lengths)
    FINITE_DIFFERENCES["configurations"] += 1
    targets = {
        "x": x,
        **{f"{n}0": s for n, s in zip(cell.state_names, state)},
        **dict(zip(("W_x", "W_h", "b"), params)),
    }
    for name, array in targets.items():
        numeric = numeric_gradient(
            lambda: loss(cell, params, x, state, lengths, d_outputs, d_final), array
        )
        error = relative_error(numeric, grads[name])
        largest = FINITE_DIFFERENCES["largest_error"]
        largest["float64"] = max(largest["float64"], float(error))
        assert error <= NUMERIC_GRADIENT_TOLERANCE, f"{cell} d{name}: relative error {error:.1e}"


def test_rnn_backward_is_the_generic_backward_of_the_tanh_rnn():
    rng = np.random.default_rng(3)
    x, h0 = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5))
    params = gated_params(rng, "rnn", 3, 5)
    dh_all = rng.normal(size=(2, 4, 5))
    flat = rnn_backward(x, h0, *params, dh_all)
    generic = recurrent_backward("rnn", x, params, dh_all, (h0,))
    assert flat.keys() == generic.keys() == {"x", "h0", "W_x", "W_h", "b"}
    for key in flat:
        np.testing.assert_array_equal(flat[key], generic[key])


# --- truncated BPTT ---------------------------------------------------------------------------

TORCH_CELLS = {"rnn": "RNNCell", "lstm": "LSTMCell", "gru": "GRUCell"}


def torch_cell(torch, cell, features, params):
    options = {"nonlinearity": cell.activation} if cell.kind == "rnn" else {}
    module = getattr(torch.nn, TORCH_CELLS[cell.kind])(
        features, params[1].shape[0], dtype=torch.float64, **options
    )
    return params_to_torch(module, [[params]])


def torch_truncated_gradients(torch, cell, params, x, state, d_outputs, d_final, truncate):
    """Gradients of sum_s <dL/dh_s, h_s> where each h_s is recomputed from the state K steps back,
    detached.
    """
    module = torch_cell(torch, cell, x.shape[2], params)
    x_t = torch.from_numpy(x).requires_grad_()
    initial = tuple(torch.from_numpy(s).clone().requires_grad_() for s in state)

    def step(t, s):
        out = module(x_t[:, t], s if cell.kind == "lstm" else s[0])
        return out if isinstance(out, tuple) else (out,)

    with torch.no_grad():  # the states of the full forward pass, to restart from
        after = [initial]
        for t in range(x.shape[1]):
            after.append(step(t, after[-1]))
    total = 0
    time = x.shape[1]
    for source in range(time):
        first = max(source - truncate + 1, 0)
        s = initial if first == 0 else tuple(v.detach() for v in after[first])
        for t in range(first, source + 1):
            s = step(t, s)
        total = total + (s[0] * torch.from_numpy(d_outputs[:, source])).sum()
        if source == time - 1:
            total = total + sum((v * torch.from_numpy(d)).sum() for v, d in zip(s, d_final))
    total.backward()
    grads = {
        "x": x_t.grad.numpy(),
        **{f"{n}0": s.grad.numpy() for n, s in zip(cell.state_names, initial)},
    }
    grads.update(torch_cell_gradients(module, cell.kind))
    return grads


def torch_cell_gradients(module, kind):
    grad = {
        name: reorder_gates(getattr(module, name).grad.numpy(), kind, "torch", "reference", axis=0)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    }
    bias = np.stack([grad["bias_ih"], grad["bias_hh"]]) if kind == "gru" else grad["bias_ih"]
    return {"W_x": grad["weight_ih"].T, "W_h": grad["weight_hh"].T, "b": bias}


TORCH_REFERENCE_CELLS = [RNNCell("tanh"), RNNCell("relu"), LSTMCell(), GRUCell(True, "keep")]


@settings(max_examples=30, **PROPERTY)
@given(
    problem=problems(cells=TORCH_REFERENCE_CELLS, max_time=6, ragged=False),
    truncate=st.integers(1, 7),
)
def test_truncated_bptt_matches_detached_pytorch(torch, problem, truncate):
    cell, params, x, state, _, d_outputs, d_final = problem
    expected = torch_truncated_gradients(
        torch, cell, params, x, state, d_outputs, d_final, truncate
    )
    got = recurrent_backward(cell, x, params, d_outputs, state, d_final, truncate=truncate)
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_truncation_longer_than_the_sequence_is_full_bptt():
    rng = np.random.default_rng(11)
    x, state = rng.normal(size=(2, 5, 3)), (rng.normal(size=(2, 4)), rng.normal(size=(2, 4)))
    params, d_outputs = gated_params(rng, "lstm", 3, 4), rng.normal(size=(2, 5, 4))
    full = recurrent_backward("lstm", x, params, d_outputs, state)
    for truncate in (5, 9):
        cut = recurrent_backward("lstm", x, params, d_outputs, state, truncate=truncate)
        for name in full:
            np.testing.assert_allclose(cut[name], full[name], rtol=1e-12, atol=1e-14)
    one_step = recurrent_backward("lstm", x, params, d_outputs, state, truncate=1)
    assert not np.allclose(one_step["W_h"], full["W_h"])


def test_truncation_with_lengths_is_refused():
    x = np.zeros((2, 3, 1))
    with pytest.raises(ValueError, match="truncated BPTT with per-example lengths"):
        recurrent_backward(
            "rnn",
            x,
            ([[1.0]], [[1.0]], [0.0]),
            np.ones((2, 3, 1)),
            lengths=np.array([3, 2]),
            truncate=2,
        )


# --- ||dh_T / dh_t|| -------------------------------------------------------------------------


def torch_jacobian_norms(torch, cell, params, x, state, wrt):
    """Frobenius norms of d h_T / d state_t from torch.autograd.functional.jacobian, (batch,
    time).
    """
    module = torch_cell(torch, cell, x.shape[2], params)
    x_t = torch.from_numpy(x)
    index = cell.state_names.index(wrt)

    def run(t_start, s):
        for t in range(t_start, x.shape[1]):
            out = module(x_t[:, t], s if cell.kind == "lstm" else s[0])
            s = out if isinstance(out, tuple) else (out,)
        return s[0]

    states = [tuple(torch.from_numpy(v) for v in state)]
    with torch.no_grad():
        for t in range(x.shape[1]):
            states.append(
                (lambda out: out if isinstance(out, tuple) else (out,))(
                    module(x_t[:, t], states[-1] if cell.kind == "lstm" else states[-1][0])
                )
            )
    batch, time = x.shape[:2]
    norms = np.zeros((batch, time))
    for t in range(time):
        after = states[t + 1]

        def final_from(v, after=after, t=t):
            s = tuple(v if k == index else after[k] for k in range(len(after)))
            return run(t + 1, s)

        # (batch, u, batch, u)
        jacobian = torch.autograd.functional.jacobian(final_from, after[index]).numpy()
        norms[:, t] = [np.linalg.norm(jacobian[n, :, n, :]) for n in range(batch)]
    return norms


@settings(max_examples=20, **PROPERTY)
@given(
    problem=problems(cells=TORCH_REFERENCE_CELLS, max_time=6, ragged=False),
    wrt_cell_state=st.booleans(),
)
def test_gradient_norms_match_torch_jacobians(torch, problem, wrt_cell_state):
    cell, params, x, state, *_ = problem
    wrt = "c" if wrt_cell_state and cell.kind == "lstm" else "h"
    expected = torch_jacobian_norms(torch, cell, params, x, state, wrt)
    np.testing.assert_allclose(
        state_gradient_norms(cell, x, params, state, wrt=wrt), expected, rtol=1e-10
    )


def test_flat_norm_functions_agree_with_the_generic_one():
    rng = np.random.default_rng(12)
    x, h0, c0 = rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    rnn, lstm = gated_params(rng, "rnn", 3, 4), gated_params(rng, "lstm", 3, 4)
    np.testing.assert_array_equal(
        gradient_norms_per_step(x, h0, *rnn), state_gradient_norms("rnn", x, rnn, (h0,))
    )
    np.testing.assert_array_equal(
        lstm_gradient_norms_per_step(x, h0, c0, *lstm),
        state_gradient_norms("lstm", x, lstm, (h0, c0), wrt="c"),
    )
    assert np.allclose(gradient_norms_per_step(x, h0, *rnn)[:, -1], 2.0)  # ||I_4||_F


def test_small_recurrent_weights_make_gradients_vanish():
    """The notes' theorem: with ||W_h|| < 1 and tanh, ||dh_T/dh_t|| shrinks geometrically with T -
    t.
    """
    rng = np.random.default_rng(13)
    W_x, W_h, b = rng.normal(size=(1, 3)), 0.3 * np.eye(3), np.zeros(3)
    norms = gradient_norms_per_step(rng.normal(size=(1, 20, 1)), None, W_x, W_h, b)[0]
    assert np.all(np.diff(norms) > 0) and norms[0] < 1e-9


# --- clipping -------------------------------------------------------------------------------


@st.composite
def gradient_sets(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shapes = draw(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=4))
    scale = draw(st.sampled_from([0.01, 1.0, 30.0]))
    return [rng.normal(0, scale, shape) for shape in shapes], draw(st.sampled_from([0.1, 1.0, 5.0]))


@settings(max_examples=30, **PROPERTY)
@given(case=gradient_sets())
def test_clipping_matches_torch(torch, case):
    grads, limit = case
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g.copy())
    total = torch.nn.utils.clip_grad_norm_(params, limit)
    clipped, norm = clip_by_global_norm(grads, limit, eps=TORCH_CLIP_EPS)
    assert norm == pytest.approx(float(total), rel=1e-12)
    for p, want in zip(params, clipped):
        np.testing.assert_allclose(p.grad.numpy(), want, rtol=1e-12, atol=1e-300)
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_value_(params, limit)
    for p, want in zip(params, clip_by_value(grads, limit)):
        np.testing.assert_array_equal(p.grad.numpy(), want)


@pytest.fixture(scope="module")
def keras():
    return load_keras()


@pytest.mark.parametrize("option", ["global_clipnorm", "clipnorm", "clipvalue"])
def test_clipping_matches_keras_optimizer_options(keras, option):
    """One SGD step with learning rate 1 from zero weights leaves minus the clipped gradient."""
    rng = np.random.default_rng(14)
    for scale, limit in ((3.0, 1.0), (0.01, 1.0), (1.0, 0.5)):
        grads = [rng.normal(0, scale, shape) for shape in ((3, 4), (4,), (2, 2))]
        weights = [keras.Variable(np.zeros(g.shape), dtype="float64") for g in grads]
        keras.optimizers.SGD(learning_rate=1.0, **{option: limit}).apply_gradients(
            [(keras.ops.convert_to_tensor(g), w) for g, w in zip(grads, weights)]
        )
        expected = {
            "global_clipnorm": lambda grads=grads, limit=limit: clip_by_global_norm(
                grads, limit, eps=KERAS_CLIP_EPS
            )[0],
            "clipnorm": lambda grads=grads, limit=limit: clip_by_norm(grads, limit),
            "clipvalue": lambda grads=grads, limit=limit: clip_by_value(grads, limit),
        }[option]()
        for w, want in zip(weights, expected):
            np.testing.assert_allclose(-np.asarray(w), want, rtol=1e-12, atol=1e-15)


def test_clipping_keeps_the_container_and_reports_the_norm_before():
    grads = {"W": np.full((2, 2), 3.0), "b": np.array([4.0])}
    clipped, norm = clip_by_global_norm(grads, 2.5)
    assert norm == pytest.approx(np.sqrt(4 * 9 + 16)) and set(clipped) == {"W", "b"}
    assert np.sqrt(sum(np.sum(g**2) for g in clipped.values())) == pytest.approx(2.5)
    unchanged, _ = clip_by_global_norm(grads, 100.0)
    np.testing.assert_array_equal(unchanged["W"], grads["W"])
    with pytest.raises(ValueError, match="max_norm must be positive"):
        clip_by_global_norm(grads, 0)
