"""The vanilla-RNN reference against Keras SimpleRNN and PyTorch nn.RNN, through the converters."""

import numpy as np
import pytest

from autograder.conventions import FLOAT32_TOLERANCE
from autograder.convert import (
    from_keras_simple_rnn,
    from_torch_rnn,
    to_keras_simple_rnn,
    to_torch_rnn,
)
from autograder.frameworks import keras as load_keras
from autograder.frameworks import torch as load_torch
from autograder.reference import rnn_cell_forward, rnn_forward

FLOAT64_TOLERANCE = 1e-9  # issue #2 asks for 1e-6; float64 frameworks do far better
# batch, time, features, units
SHAPES = [(1, 1, 1, 1), (2, 5, 3, 4), (4, 8, 5, 6), (3, 1, 2, 2), (1, 7, 4, 1)]


def random_case(batch, time, features, units, seed):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(batch, time, features)),
        rng.normal(0, 0.6, (features, units)),
        rng.normal(0, 0.6, (units, units)),
        rng.normal(0, 0.6, units),
    )


@pytest.fixture(scope="module")
def keras():
    return load_keras()


@pytest.fixture(scope="module")
def torch():
    return load_torch()


def keras_states(keras, x, W_x, W_h, b, dtype):
    layer = keras.layers.SimpleRNN(
        W_h.shape[0], return_sequences=True, return_state=True, dtype=dtype
    )
    layer.build(x.shape)
    to_keras_simple_rnn(layer, W_x, W_h, b)
    states, last = layer(x.astype(dtype))
    return np.asarray(states, dtype=np.float64), np.asarray(last, dtype=np.float64), layer


def torch_states(torch, x, W_x, W_h, b, dtype):
    module = torch.nn.RNN(W_x.shape[0], W_h.shape[0], batch_first=True, dtype=dtype)
    to_torch_rnn(module, W_x, W_h, b)
    with torch.no_grad():
        output, h_n = module(torch.from_numpy(x).to(dtype))
    return output.double().numpy(), h_n[0].double().numpy(), module


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_reference_matches_keras(keras, shape, precision):
    x, W_x, W_h, b = random_case(*shape, seed=sum(shape))
    expected_all, expected_last = rnn_forward(x, None, W_x, W_h, b)
    got_all, got_last, layer = keras_states(keras, x, W_x, W_h, b, precision)
    tolerance = FLOAT64_TOLERANCE if precision == "float64" else FLOAT32_TOLERANCE
    np.testing.assert_allclose(got_all, expected_all, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(got_last, expected_last, rtol=tolerance, atol=tolerance)
    for original, back in zip((W_x, W_h, b), from_keras_simple_rnn(layer)):
        np.testing.assert_allclose(back, original, rtol=tolerance)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_reference_matches_torch(torch, shape, precision):
    x, W_x, W_h, b = random_case(*shape, seed=100 + sum(shape))
    expected_all, expected_last = rnn_forward(x, None, W_x, W_h, b)
    dtype = getattr(torch, precision)
    got_all, got_last, module = torch_states(torch, x, W_x, W_h, b, dtype)
    tolerance = FLOAT64_TOLERANCE if precision == "float64" else FLOAT32_TOLERANCE
    np.testing.assert_allclose(got_all, expected_all, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(got_last, expected_last, rtol=tolerance, atol=tolerance)
    for original, back in zip((W_x, W_h, b), from_torch_rnn(module)):
        np.testing.assert_allclose(back, original, rtol=tolerance, atol=tolerance)


def test_torch_two_biases_fold_into_one(torch):
    module = torch.nn.RNN(2, 3, batch_first=True, dtype=torch.float64)
    _, _, b_sum = from_torch_rnn(module)
    expected = (module.bias_ih_l0 + module.bias_hh_l0).detach().numpy()
    np.testing.assert_allclose(b_sum, expected)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_activations_match_torch(torch, activation):
    """PyTorch offers tanh and relu; the sigmoid is checked against its closed form."""
    x, W_x, W_h, b = random_case(2, 4, 3, 2, seed=7)
    got, _ = rnn_forward(x, None, W_x, W_h, b, activation=activation)
    if activation == "sigmoid":
        h, expected = np.zeros((2, 2)), []
        for t in range(4):
            h = 1 / (1 + np.exp(-(x[:, t] @ W_x + h @ W_h + b)))
            expected.append(h)
        expected = np.stack(expected, axis=1)
    else:
        module = torch.nn.RNN(3, 2, nonlinearity=activation, batch_first=True, dtype=torch.float64)
        to_torch_rnn(module, W_x, W_h, b)
        expected = module(torch.from_numpy(x))[0].detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_worked_example_from_chapter_one():
    x = np.array([0.1, 0.2, 0.3]).reshape(1, 3, 1)
    states, last = rnn_forward(x, None, [[2.0]], [[0.5]], [0.1])
    np.testing.assert_allclose(
        states.ravel(), [np.tanh(0.3), np.tanh(0.4 + 0.5 * np.tanh(0.3) + 0.1), 0.75495], atol=1e-5
    )
    assert last.shape == (1, 1)


def test_cell_is_one_step_of_the_sequence():
    x, W_x, W_h, b = random_case(3, 2, 4, 5, seed=3)
    h0 = np.random.default_rng(4).normal(size=(3, 5))
    states, _ = rnn_forward(x, h0, W_x, W_h, b)
    np.testing.assert_allclose(rnn_cell_forward(x[:, 0], h0, W_x, W_h, b), states[:, 0])


def test_ragged_lengths_keep_each_sequence_own_last_state(torch):
    x, W_x, W_h, b = random_case(3, 5, 2, 3, seed=9)
    lengths = np.array([5, 2, 3])
    states, last = rnn_forward(x, None, W_x, W_h, b, lengths=lengths)
    module = to_torch_rnn(torch.nn.RNN(2, 3, batch_first=True, dtype=torch.float64), W_x, W_h, b)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        torch.from_numpy(x), torch.tensor(lengths), batch_first=True, enforce_sorted=False
    )
    output, h_n = module(packed)
    padded, _ = torch.nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=5)
    np.testing.assert_allclose(last, h_n[0].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(states, padded.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: rnn_forward(
                np.zeros((2, 3)), None, np.zeros((1, 2)), np.zeros((2, 2)), np.zeros(2)
            ),
            "x must have 3 dimensions",
        ),
        (
            lambda: rnn_forward(
                np.zeros((2, 3, 4)), None, np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2)
            ),
            "inconsistent features: x axis 2 = 4, W_x axis 0 = 3",
        ),
        (
            lambda: rnn_cell_forward(
                np.zeros((2, 1)), np.zeros((3, 2)), np.zeros((1, 2)), np.zeros((2, 2)), np.zeros(2)
            ),
            "inconsistent batch",
        ),
        (
            lambda: rnn_forward(
                np.zeros((1, 2, 1)), None, [[1.0]], [[1.0]], [0.0], activation="softmax"
            ),
            "unknown activation 'softmax'",
        ),
        (
            lambda: rnn_forward(
                np.zeros((2, 3, 1)), None, [[1.0]], [[1.0]], [0.0], lengths=[3.0, 2.0]
            ),
            "lengths must be integers",
        ),
        (
            lambda: rnn_forward(
                np.zeros((2, 3, 1)), None, [[1.0]], [[1.0]], [0.0], lengths=np.array([3, 4])
            ),
            "lengths must lie in 1..3",
        ),
        (lambda: rnn_forward([["a"]], None, [[1.0]], [[1.0]], [0.0]), "x must be numeric"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(
        (ValueError, TypeError), match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        call()


def test_torch_tensor_input_is_named(torch):
    with pytest.raises(TypeError, match="x is a framework tensor"):
        rnn_forward(torch.zeros(1, 2, 1), None, [[1.0]], [[1.0]], [0.0])


def test_converter_refuses_mismatched_shapes(torch):
    module = torch.nn.RNN(3, 2, batch_first=True)
    with pytest.raises(ValueError, match="weight_ih_l0 has shape"):
        to_torch_rnn(module, np.zeros((4, 2)), np.zeros((2, 2)), np.zeros(2))
