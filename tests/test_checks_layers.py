"""The ps06 checks both ways: bidirectional and stacked networks built from a student's own LSTM."""

from functools import partial

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import check_bidirectional_forward, check_stacked_forward
from autograder.reference import bidirectional_forward, stacked_forward
from helpers import failure_of


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def lstm(x, W_x, W_h, b):
    """A student's LSTM from zero states: (h_all, h_last, c_last)."""
    units = W_h.shape[0]
    h = c = np.zeros((x.shape[0], units))
    states = []
    for t in range(x.shape[1]):
        i, f, g, o = np.split(x[:, t] @ W_x + h @ W_h + b, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        states.append(h)
    return np.stack(states, axis=1), h, c


MERGES = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": np.add,
    "mul": np.multiply,
    "ave": lambda a, b: (a + b) / 2,
}


def student_bidirectional(
    x,
    forward_params,
    backward_params,
    merge="concat",
    *,
    swap=False,
    realign=True,
    reverse_input=True,
    backward_final_at_end=False,
):
    """A student's bidirectional LSTM; the keyword-only arguments plant one mistake each."""
    f_all, f_h, f_c = lstm(x, *forward_params)
    b_all, b_h, b_c = lstm(x[:, ::-1] if reverse_input else x, *backward_params)
    if realign and reverse_input:
        b_all = b_all[:, ::-1]
    if backward_final_at_end:
        b_h = b_all[:, -1]
    if swap:
        (f_all, f_h, f_c), (b_all, b_h, b_c) = (b_all, b_h, b_c), (f_all, f_h, f_c)
    return MERGES[merge](f_all, b_all), np.stack([f_h, b_h]), np.stack([f_c, b_c])


BROKEN_BIDIRECTIONAL = {
    m.HALVES_SWAPPED: partial(student_bidirectional, swap=True),
    m.BACKWARD_NOT_REALIGNED: partial(student_bidirectional, realign=False),
    m.BACKWARD_READ_FORWARDS: partial(student_bidirectional, reverse_input=False),
    m.BACKWARD_FINAL_FROM_LAST_STEP: partial(student_bidirectional, backward_final_at_end=True),
}


def student_stacked(
    x, layers, *, chain=True, direction_major=False, top_only=False, first_outputs=False
):
    """A student's stack of (bi)directional LSTM layers; keyword-only arguments plant mistakes."""
    inputs, h_n, c_n, outputs = x, [], [], []
    for layer in layers:
        source = inputs if chain else x
        if len(layer) == 1:
            out, h, c = lstm(source, *layer[0])
            h, c = h[None], c[None]
        else:
            out, h, c = student_bidirectional(source, *layer)
        outputs.append(out)
        h_n.append(h)
        c_n.append(c)
        inputs = out
    if top_only:
        h_n, c_n = h_n[-1:], c_n[-1:]
    h_n, c_n = np.concatenate(h_n), np.concatenate(c_n)
    if direction_major:  # rows ordered (direction, layer) instead of (layer, direction)
        directions = len(layers[0])
        order = [k * directions + d for d in range(directions) for k in range(len(layers))]
        h_n, c_n = h_n[order], c_n[order]
    return (outputs[0] if first_outputs else inputs), h_n, c_n


BROKEN_STACKS = {
    m.H_N_DIRECTION_MAJOR: partial(student_stacked, direction_major=True),
    m.LAYERS_NOT_CHAINED: partial(student_stacked, chain=False),
    m.FINAL_STATES_TOP_LAYER_ONLY: partial(student_stacked, top_only=True),
    m.OUTPUTS_FROM_FIRST_LAYER: partial(student_stacked, first_outputs=True),
}


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_functions_pass(capsys, hidden):
    check_bidirectional_forward(student_bidirectional, hidden=hidden)
    check_stacked_forward(student_stacked, hidden=hidden)
    assert capsys.readouterr().out.count("cases passed") == 2


@pytest.mark.parametrize("mistake", list(BROKEN_BIDIRECTIONAL), ids=lambda k: k.name)
@pytest.mark.parametrize("hidden", [False, True])
def test_each_bidirectional_mistake_is_named(mistake, hidden):
    message = failure_of(check_bidirectional_forward, BROKEN_BIDIRECTIONAL[mistake], hidden)
    assert message.startswith("bidirectional_forward: ")
    assert f"'{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize("mistake", list(BROKEN_STACKS), ids=lambda k: k.name)
def test_each_stack_mistake_is_named(mistake):
    message = failure_of(check_stacked_forward, BROKEN_STACKS[mistake])
    assert message.startswith("stacked_forward: ")
    assert f"'{mistake.name}'" in message.splitlines()[-1]


def test_the_cell_is_named_explicitly():
    with pytest.raises(ValueError, match="cell must be 'rnn', 'lstm' or 'gru'"):
        check_stacked_forward(student_stacked, cell="LSTM")


@pytest.mark.parametrize(
    "check, delegate",
    [
        (
            check_bidirectional_forward,
            lambda x, f, b, merge: bidirectional_forward("lstm", x, f, b, merge=merge),
        ),
        (check_stacked_forward, lambda x, layers: stacked_forward("lstm", x, layers)),
    ],
)
def test_calling_the_reference_does_not_pass(check, delegate):
    assert "called the course's reference" in failure_of(check, delegate)
