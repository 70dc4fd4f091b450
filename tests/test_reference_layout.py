"""Layouts, conventions and contracts of the reference package: counts, gate orders, guards,
errors.
"""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograder.convert as convert
import autograder.reference as reference
from autograder.checks._cases import gated_params
from autograder.conventions import (
    FRAMEWORK_GATES,
    GRU_GATES,
    KERAS_GRU_GATES,
    KERAS_LSTM_GATES,
    LSTM_GATES,
    TORCH_GRU_GATES,
    TORCH_LSTM_GATES,
    framework_gate_order,
)
from autograder.convert._shapes import reorder_gates
from autograder.frameworks import keras as load_keras
from autograder.frameworks import torch as load_torch
from autograder.reference import (
    GRUCell,
    LSTMCell,
    ReferenceUsedError,
    final_states,
    gate_history,
    gru_forward,
    lstm_cell_forward,
    lstm_forward,
    lstm_gate_history,
    lstm_param_count,
    make_windows,
    param_count,
    recurrent_forward,
    stacked_forward,
)
from autograder.reference._engine import reverse_within_lengths
from autograder.reference._guard import student_code_running

PROPERTY = dict(derandomize=True, deadline=None, database=None)


@pytest.fixture(scope="module")
def torch():
    return load_torch()


@pytest.fixture(scope="module")
def keras():
    return load_keras()


# --- one place for the gate orders -----------------------------------------------------------


def test_gate_orders_are_the_documented_ones():
    assert KERAS_LSTM_GATES == ("i", "f", "c", "o") and TORCH_LSTM_GATES == ("i", "f", "g", "o")
    assert KERAS_GRU_GATES == ("z", "r", "h") and TORCH_GRU_GATES == ("r", "z", "n")
    assert framework_gate_order("keras", "lstm") == LSTM_GATES == ("i", "f", "c_tilde", "o")
    assert framework_gate_order("keras", "gru") == GRU_GATES == ("z", "r", "h_tilde")
    assert framework_gate_order("torch", "lstm") == LSTM_GATES
    assert framework_gate_order("torch", "gru") == ("r", "z", "h_tilde")
    assert set(FRAMEWORK_GATES) == {(f, c) for f in ("keras", "torch") for c in ("lstm", "gru")}


def test_reordering_moves_whole_blocks_and_round_trips():
    blocks = np.concatenate([np.full((2, 3), k) for k in range(3)], axis=1)  # block k filled with k
    torch_order = reorder_gates(blocks, "gru", "reference", "torch")
    # r first, then z, then the candidate
    assert [torch_order[0, 3 * k] for k in range(3)] == [1, 0, 2]
    np.testing.assert_array_equal(reorder_gates(torch_order, "gru", "torch", "reference"), blocks)
    lstm = np.arange(8.0)
    # same order
    np.testing.assert_array_equal(reorder_gates(lstm, "lstm", "torch", "reference"), lstm)


# --- parameter counts ------------------------------------------------------------------------

KERAS_CLASSES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
TORCH_CLASSES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, True), (3, False)])
def test_param_counts_match_torch(torch, cell, layers, bidirectional):
    module = getattr(torch.nn, TORCH_CLASSES[cell])(
        5, 7, num_layers=layers, bidirectional=bidirectional
    )
    assert param_count(cell, 5, 7, "torch", layers, bidirectional) == sum(
        p.numel() for p in module.parameters()
    )


@pytest.mark.parametrize(
    "cell, reset_after", [("rnn", True), ("lstm", True), ("gru", True), ("gru", False)]
)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_param_counts_match_keras(keras, cell, reset_after, bidirectional):
    options = {"reset_after": reset_after} if cell == "gru" else {}
    layers = []
    for _ in range(2):
        layer = getattr(keras.layers, KERAS_CLASSES[cell])(7, return_sequences=True, **options)
        layers.append(keras.layers.Bidirectional(layer) if bidirectional else layer)
    model = keras.Sequential([keras.Input((None, 5))] + layers)
    assert param_count(cell, 5, 7, "keras", 2, bidirectional, reset_after) == model.count_params()


def test_the_notes_count_formulas():
    """The notes: LSTM 4h(d + h + 1) (one bias); table at d = h: RNN 2h^2 + h, LSTM 4(2h^2 + h), GRU
    3(2h^2 + h).
    """
    h = 64
    assert lstm_param_count(10, h, "keras") == 4 * h * (10 + h + 1)
    # PyTorch's second bias: 4h more
    assert lstm_param_count(10, h, "torch") == 4 * h * (10 + h + 2)
    assert param_count("rnn", h, h) == 2 * h * h + h
    assert param_count("lstm", h, h) == 4 * (2 * h * h + h)
    assert param_count("gru", h, h, reset_after=False) == 3 * (2 * h * h + h)
    assert param_count("gru", h, h) == param_count("gru", h, h, "torch") == 3 * (2 * h * h + 2 * h)


def test_count_rejects_what_a_framework_lacks():
    with pytest.raises(ValueError, match="always resets after"):
        param_count("gru", 3, 4, "torch", reset_after=False)
    with pytest.raises(ValueError, match="convention must be one of"):
        lstm_param_count(3, 4, "tensorflow")


# --- GRU conventions ---------------------------------------------------------------------------


@settings(max_examples=25, **PROPERTY)
@given(seed=st.integers(0, 2**32 - 1), reset_after=st.booleans())
def test_the_two_z_conventions_differ_by_negating_the_z_block(seed, reset_after):
    rng = np.random.default_rng(seed)
    x, h0 = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5))
    W_x, W_h, b = gated_params(rng, "gru", 3, 5, reset_after)
    negated = [p.copy() for p in (W_x, W_h, b)]
    for p in negated:
        p[..., :5] *= -1  # the z block: sigmoid(-a) = 1 - sigmoid(a)
    keep, _ = gru_forward(x, h0, W_x, W_h, b, reset_after, "keep")
    update, _ = gru_forward(x, h0, *negated, reset_after, "update")
    np.testing.assert_allclose(update, keep, rtol=1e-12, atol=1e-14)


def test_reset_placement_matters_only_through_the_recurrent_candidate():
    """With W_hh = 0 and no recurrent bias the reset gate has nothing to act on: both variants
    agree.
    """
    rng = np.random.default_rng(21)
    x, h0 = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3))
    W_x, W_h, b = gated_params(rng, "gru", 2, 3, reset_after=False)
    W_h[:, 6:] = 0
    after, _ = gru_forward(x, h0, W_x, W_h, np.stack([b, np.zeros(9)]), reset_after=True)
    before, _ = gru_forward(x, h0, W_x, W_h, b, reset_after=False)
    np.testing.assert_allclose(after, before, rtol=1e-12)


# --- gates exposed for teaching ----------------------------------------------------------------


def test_gate_history_is_the_cell_step_by_step():
    rng = np.random.default_rng(22)
    x, h0, c0 = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    params = gated_params(rng, "lstm", 3, 5)
    history = lstm_gate_history(x, h0, c0, *params)
    assert set(history) == {"i", "f", "c_tilde", "o", "h", "c"}
    h, c = h0, c0
    for t in range(4):
        h, c, gates = lstm_cell_forward(x[:, t], h, c, *params)
        for name, value in gates.items():
            np.testing.assert_allclose(history[name][:, t], value, rtol=1e-14)
        np.testing.assert_allclose(history["c"][:, t], c, rtol=1e-14)
    np.testing.assert_allclose(history["h"], lstm_forward(x, h0, c0, *params)[0])
    gru = gate_history(
        GRUCell(reset_after=False), x, gated_params(rng, "gru", 3, 5, reset_after=False)
    )
    assert set(gru) == {"z", "r", "h_tilde", "h"} and all(
        0 < v.min() for k, v in gru.items() if k in "zr"
    )


# --- sequences: padding, reversal, stacking ------------------------------------------------------


@settings(max_examples=25, **PROPERTY)
@given(seed=st.integers(0, 2**32 - 1), batch=st.integers(1, 4), time=st.integers(1, 6))
def test_reversal_within_lengths_is_an_involution_that_keeps_padding(seed, batch, time):
    rng = np.random.default_rng(seed)
    a, lengths = rng.normal(size=(batch, time, 2)), rng.integers(1, time + 1, batch)
    reversed_ = reverse_within_lengths(a, lengths)
    np.testing.assert_array_equal(reverse_within_lengths(reversed_, lengths), a)
    for n, length in enumerate(lengths):
        np.testing.assert_array_equal(reversed_[n, :length], a[n, :length][::-1])
        np.testing.assert_array_equal(reversed_[n, length:], a[n, length:])


def test_padding_does_not_change_the_real_steps():
    rng = np.random.default_rng(23)
    x, params = rng.normal(size=(2, 5, 3)), gated_params(rng, "lstm", 3, 4)
    lengths = np.array([3, 5])
    padded, (h_last, c_last) = recurrent_forward("lstm", x, params, lengths=lengths)
    alone, (h_alone, c_alone) = recurrent_forward("lstm", x[:1, :3], params)
    np.testing.assert_allclose(padded[:1, :3], alone)
    np.testing.assert_allclose(h_last[0], h_alone[0])
    np.testing.assert_allclose(c_last[0], c_alone[0])
    assert np.all(padded[0, 3:] == 0)
    np.testing.assert_array_equal(final_states(padded, lengths), h_last)


def test_a_stack_of_one_is_the_layer_itself():
    rng = np.random.default_rng(24)
    x, params = rng.normal(size=(3, 4, 2)), gated_params(rng, "gru", 2, 3)
    outputs, h_n = stacked_forward("gru", x, [[params]])
    expected, (h_last,) = recurrent_forward("gru", x, params)
    np.testing.assert_array_equal(outputs, expected)
    np.testing.assert_array_equal(h_n[0], h_last)


def test_make_windows_handles_the_shortest_series():
    X, y = make_windows(np.arange(10.0).reshape(5, 2), in_steps=3, out_steps=2, target_column=1)
    assert X.shape == (1, 3, 2) and y.tolist() == [[7.0, 9.0]]
    with pytest.raises(ValueError, match="too short"):
        make_windows(np.zeros((4, 2)), 3, 2, 0)


# --- every public function is guarded --------------------------------------------------------

HELPERS = {"relu", "sigmoid", "as_cell"}  # activation helpers and argument parsing, not answers


def public_functions(module):
    return [
        (name, value)
        for name, value in vars(module).items()
        if not name.startswith("_") and inspect.isfunction(value) and name not in HELPERS
    ]


@pytest.mark.parametrize("module", [reference, convert], ids=["reference", "convert"])
def test_every_public_function_refuses_to_run_inside_student_code(module):
    functions = public_functions(module)
    assert len(functions) > 10
    for name, function in functions:
        with student_code_running(), pytest.raises(ReferenceUsedError, match=name):
            function()


@pytest.mark.parametrize("cell", [reference.RNNCell(), LSTMCell(), GRUCell()])
def test_the_cells_steps_are_guarded_too(cell):
    with student_code_running(), pytest.raises(ReferenceUsedError):
        cell.step((), None, ())
    with student_code_running(), pytest.raises(ReferenceUsedError):
        cell.step_backward((), None, ())


# --- clear errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: lstm_forward(
                np.zeros((1, 2, 3)), None, None, np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(4)
            ),
            r"b has shape \(4,\); an LSTM with 2 units needs \(8,\)",
        ),
        (
            lambda: lstm_forward(
                np.zeros((1, 2, 3)), None, None, np.zeros((3, 4)), np.zeros((2, 4)), np.zeros(4)
            ),
            (
                r"W_x has shape \(3, 4\); an LSTM with 2 units needs \(3, 8\) \(gate blocks i, f,"
                r" c_tilde, o\)"
            ),
        ),
        (
            lambda: gru_forward(
                np.zeros((1, 2, 3)), None, np.zeros((3, 6)), np.zeros((2, 6)), np.zeros(6)
            ),
            r"b has shape \(6,\); a GRU with reset_after=True with 2 units needs \(2, 6\)",
        ),
        (
            lambda: gru_forward(
                np.zeros((1, 2, 3)),
                None,
                np.zeros((3, 6)),
                np.zeros((2, 6)),
                np.zeros((2, 6)),
                reset_after=False,
            ),
            r"b has shape \(2, 6\); a GRU with reset_after=False with 2 units needs \(6,\)",
        ),
        (
            lambda: gru_forward(
                np.zeros((1, 2, 3)),
                None,
                np.zeros((3, 6)),
                np.zeros((2, 6)),
                np.zeros((2, 6)),
                z_convention="flipped",
            ),
            "z_convention must be one of",
        ),
        (
            lambda: lstm_forward(
                np.zeros((1, 2, 3)),
                np.zeros((1, 2)),
                np.zeros((2, 2)),
                np.zeros((3, 8)),
                np.zeros((2, 8)),
                np.zeros(8),
            ),
            "inconsistent batch",
        ),
        (
            lambda: stacked_forward(
                "lstm", np.zeros((1, 2, 3)), [gated_params(np.random.default_rng(0), "lstm", 3, 2)]
            ),
            "per-layer lists holding one",
        ),
        (
            lambda: recurrent_forward("transformer", np.zeros((1, 2, 3)), ()),
            "unknown cell 'transformer'",
        ),
        (lambda: final_states(np.zeros((2, 3, 1)), np.array([0, 3])), r"lengths must lie in 1..3"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_converters_check_shapes_before_copying(torch, keras):
    module = torch.nn.GRU(3, 2)
    with pytest.raises(
        ValueError, match=r"needs b of shape \(2, 3\*units\)|reset_after=True layout"
    ):
        convert.to_torch_gru(module, np.zeros((3, 6)), np.zeros((2, 6)), np.zeros(6))
    with pytest.raises(ValueError, match=r"module weight_ih_l0 has shape \(6, 3\)"):
        convert.to_torch(module, np.zeros((4, 6)), np.zeros((2, 6)), np.zeros((2, 6)))
    with pytest.raises(TypeError, match="expected a PyTorch LSTM module"):
        convert.from_torch_lstm(module)
    layer = keras.layers.LSTM(2)
    layer.build((None, None, 3))
    with pytest.raises(ValueError, match=r"layer kernel has shape \(3, 8\), expected \(4, 8\)"):
        convert.to_keras_lstm(layer, np.zeros((4, 8)), np.zeros((2, 8)), np.zeros(8))
    before = [w.copy() for w in layer.get_weights()]
    for got, kept in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(got, kept)
