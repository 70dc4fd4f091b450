"""The ps03 checks both ways: a student-style LSTM passes, each planted mistake fails with its
name.
"""

from functools import partial

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import (
    check_lstm_cell_forward,
    check_lstm_forward,
    check_lstm_param_count,
    check_lstm_params_from_torch,
)
from autograder.convert import from_torch_lstm
from autograder.reference import (
    lstm_cell_forward as reference_cell,
)
from autograder.reference import (
    lstm_forward as reference_forward,
)
from autograder.reference import lstm_param_count as reference_count
from helpers import failure_of


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def student_cell(
    x_t,
    h_prev,
    c_prev,
    W_x,
    W_h,
    b,
    blocks=(0, 1, 2, 3),
    gate=sigmoid,
    candidate=np.tanh,
    squash=np.tanh,
    use_bias=True,
    swap_weights=False,
):
    """A student's LSTM step; the keyword arguments plant one mistake each."""
    if swap_weights:
        W_x, W_h = W_h, W_x
    a = np.split(x_t @ W_x + h_prev @ W_h + (b if use_bias else 0), 4, axis=1)
    i, f, g, o = gate(a[blocks[0]]), gate(a[blocks[1]]), candidate(a[blocks[2]]), gate(a[blocks[3]])
    c_next = f * c_prev + i * g
    return o * squash(c_next), c_next, {"i": i, "f": f, "c_tilde": g, "o": o}


def student_forward(
    x,
    h0,
    c0,
    W_x,
    W_h,
    b,
    cell=student_cell,
    restart_h=False,
    restart_c=False,
    zero_start=False,
    time_major=False,
):
    """A student's LSTM over a sequence, built on ``cell``; the flags plant sequence-level
    mistakes.
    """
    if zero_start:
        h0, c0 = 0 * h0, 0 * c0
    h, c, states = h0, c0, []
    for t in range(x.shape[1]):
        x_t = x[t] if time_major else x[:, t]
        h, c, _ = cell(x_t, h0 if restart_h else h, c0 if restart_c else c, W_x, W_h, b)
        states.append(h)
    return np.stack(states, axis=1), h, c


BROKEN_CELLS = {
    m.GATES_I_F_SWAPPED: partial(student_cell, blocks=(1, 0, 2, 3)),
    m.GATES_IFOG_ORDER: partial(student_cell, blocks=(0, 1, 3, 2)),
    m.CELL_TANH_MISSING: partial(student_cell, squash=lambda v: v),
    m.CANDIDATE_SIGMOID: partial(student_cell, candidate=sigmoid),
    m.GATE_TANH: partial(student_cell, gate=np.tanh),
    m.BIAS_OMITTED: partial(student_cell, use_bias=False),
    m.WEIGHTS_SWAPPED: partial(student_cell, swap_weights=True),
    m.INITIAL_STATE_IGNORED: lambda x_t, h, c, *params: student_cell(x_t, 0 * h, 0 * c, *params),
}

BROKEN_SEQUENCES = {
    m.STATE_NOT_CARRIED: partial(student_forward, restart_h=True, restart_c=True),
    m.CELL_STATE_NOT_CARRIED: partial(student_forward, restart_c=True),
    m.INITIAL_STATE_IGNORED: partial(student_forward, zero_start=True),
    m.TIME_MAJOR_INPUT: partial(student_forward, time_major=True),
    m.GATES_I_F_SWAPPED: partial(student_forward, cell=BROKEN_CELLS[m.GATES_I_F_SWAPPED]),
    m.GATES_IFOG_ORDER: partial(student_forward, cell=BROKEN_CELLS[m.GATES_IFOG_ORDER]),
    m.CELL_TANH_MISSING: partial(student_forward, cell=BROKEN_CELLS[m.CELL_TANH_MISSING]),
    m.LAST_STATE_FROM_FIRST_STEP: lambda *args: (lambda h_all, h, c: (h_all, h_all[:, 0], c))(
        *student_forward(*args)
    ),
}


def student_loader(module, order=(0, 1, 2, 3), transpose=True, biases=("bias_ih_l0", "bias_hh_l0")):
    """A student's nn.LSTM -> reference loader; the keyword arguments plant mistakes."""

    def blocks(a, axis):
        parts = np.split(a, 4, axis=axis)
        return np.concatenate([parts[k] for k in order], axis=axis)

    def numpy(name):
        return getattr(module, name).detach().numpy().astype(np.float64)

    weights = [blocks(numpy(name), 0) for name in ("weight_ih_l0", "weight_hh_l0")]
    W_x, W_h = (w.T if transpose else w.reshape(w.shape[1], w.shape[0]) for w in weights)
    return W_x, W_h, blocks(sum(numpy(name) for name in biases), 0)


BROKEN_LOADERS = {
    m.RESHAPED_NOT_TRANSPOSED: partial(student_loader, transpose=False),
    m.ONE_TORCH_BIAS_READ: partial(student_loader, biases=("bias_ih_l0",)),
    m.GATES_I_F_SWAPPED: partial(student_loader, order=(1, 0, 2, 3)),
    m.GATES_IFOG_ORDER: partial(student_loader, order=(0, 1, 3, 2)),
}


def student_count(features, units, convention):
    return 4 * units * (features + units + (2 if convention == "torch" else 1))


BROKEN_COUNTS = {
    m.TORCH_COUNTED_ONE_BIAS: lambda d, h, convention: 4 * h * (d + h + 1),
    m.KERAS_COUNTED_TWO_BIASES: lambda d, h, convention: 4 * h * (d + h + 2),
    m.COUNT_WITHOUT_BIAS: lambda d, h, convention: 4 * h * (d + h),
    m.COUNT_ONE_GATE: lambda d, h, convention: h * (d + h + (2 if convention == "torch" else 1)),
    m.COUNT_INPUT_AS_UNITS: lambda d, h, convention: student_count(h, h, convention),
}


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_functions_pass(capsys, hidden):
    check_lstm_cell_forward(student_cell, hidden=hidden)
    check_lstm_forward(student_forward, hidden=hidden)
    check_lstm_param_count(student_count, hidden=hidden)
    check_lstm_params_from_torch(student_loader, hidden=hidden)
    lines = capsys.readouterr().out.splitlines()
    assert all(line.endswith("cases passed") for line in lines) and len(lines) == 4


@pytest.mark.parametrize("mistake", list(BROKEN_CELLS), ids=lambda k: k.name)
def test_each_cell_mistake_is_named(mistake):
    message = failure_of(check_lstm_cell_forward, BROKEN_CELLS[mistake])
    assert message.startswith("lstm_cell_forward: ") and " is wrong (case 1 of 3: " in message
    assert "largest relative error" in message
    assert f"'{mistake.name}'" in message.splitlines()[-1]


def test_a_wrong_gate_is_named_before_the_states():
    message = failure_of(check_lstm_cell_forward, BROKEN_CELLS[m.GATES_I_F_SWAPPED])
    assert message.startswith("lstm_cell_forward: gates['i'] is wrong")


@pytest.mark.parametrize("mistake", list(BROKEN_SEQUENCES), ids=lambda k: k.name)
def test_each_sequence_mistake_is_named(mistake):
    message = failure_of(check_lstm_forward, BROKEN_SEQUENCES[mistake])
    assert message.startswith("lstm_forward: ")
    assert f"'{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize("mistake", list(BROKEN_LOADERS), ids=lambda k: k.name)
def test_each_loader_mistake_is_named(mistake):
    message = failure_of(check_lstm_params_from_torch, BROKEN_LOADERS[mistake])
    assert f"'{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize("mistake", list(BROKEN_COUNTS), ids=lambda k: k.name)
def test_each_count_mistake_is_named(mistake):
    message = failure_of(check_lstm_param_count, BROKEN_COUNTS[mistake], hidden=True)
    assert message.startswith("lstm_param_count: count is wrong (case ")
    assert f"'{mistake.name}'" in message.splitlines()[-1]


def test_the_notes_example_is_the_first_count_case():
    """nn.LSTM(10, 64): the notes' formula 4h(d + h + 1) gives 19,200; PyTorch counts 19,456."""
    assert reference_count(10, 64, "keras") == 4 * 64 * (10 + 64 + 1) == 19200
    message = failure_of(check_lstm_param_count, BROKEN_COUNTS[m.TORCH_COUNTED_ONE_BIAS])
    assert "expected 19456, got 19200" in message


@pytest.mark.parametrize(
    "check, delegate",
    [
        (check_lstm_cell_forward, reference_cell),
        (
            check_lstm_forward,
            lambda x, h0, c0, W_x, W_h, b: reference_forward(x, h0, c0, W_x, W_h, b),
        ),
        (check_lstm_param_count, reference_count),
        (check_lstm_params_from_torch, from_torch_lstm),
    ],
)
def test_calling_the_reference_does_not_pass(check, delegate):
    assert "called the course's reference" in failure_of(check, delegate)


@pytest.mark.parametrize(
    "returned, message",
    [
        (lambda *a: None, "it returned None (case 1 of 3"),
        (lambda *a: student_cell(*a)[:2], "should return a tuple (h_next, c_next, gates)"),
        (lambda *a: student_cell(*a)[:2] + ([1, 2, 3, 4],), "gates should be a dict with keys"),
        (
            lambda *a: student_cell(*a)[:2] + ({"i": 0},),
            "gates lacks the key(s) ['f', 'c_tilde', 'o']",
        ),
        (lambda *a: (student_cell(*a)[0].T,) + student_cell(*a)[1:], "h_next has shape"),
    ],
)
def test_malformed_returns_are_explained(returned, message):
    assert message in failure_of(check_lstm_cell_forward, returned)


def test_count_must_be_a_whole_number():
    assert "count should be a whole number (int), got float" in failure_of(
        check_lstm_param_count, lambda d, h, convention: float(student_count(d, h, convention))
    )
