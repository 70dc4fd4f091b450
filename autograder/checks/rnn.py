"""Checks for the vanilla-RNN homework (ps01): cell, sequence, and loading weights into PyTorch."""

import numpy as np

from .. import mistakes as m
from ..conventions import FLOAT32_FLOOR, FLOAT32_TOLERANCE
from ..reference import relu, rnn_forward, sigmoid
from ._cases import rnn_sequence_cases
from ._report import (as_checked_array, call_student, compare, describe_case, passed,
                      unpack_outputs, CheckFailure)


def _cell_mistakes(x_t, h, W_x, W_h, b):
    """What h_next would be under each catalogued mistake (None where the shapes forbid it)."""
    square = W_x.shape == W_h.shape
    return [
        (m.BIAS_OMITTED, np.tanh(x_t @ W_x + h @ W_h)),
        (m.WEIGHTS_SWAPPED, np.tanh(x_t @ W_h + h @ W_x + b) if square else None),
        (m.WEIGHTS_TRANSPOSED, np.tanh(x_t @ W_x.T + h @ W_h.T + b) if square else None),
        (m.SIGMOID_FOR_TANH, sigmoid(x_t @ W_x + h @ W_h + b)),
        (m.RELU_FOR_TANH, relu(x_t @ W_x + h @ W_h + b)),
        (m.ACTIVATION_MISSING, x_t @ W_x + h @ W_h + b),
        (m.INITIAL_STATE_IGNORED, np.tanh(x_t @ W_x + b)),
    ]


def check_rnn_cell_forward(rnn_cell_forward, hidden=False):
    """Check ``rnn_cell_forward(x_t, h_prev, W_x, W_h, b) -> h_next`` on fixed cases.

    The cases are the first step of each sequence case, starting from a non-zero state.
    """
    name = "rnn_cell_forward"
    cases = rnn_sequence_cases(hidden)
    for index, (sizes, x, h0, W_x, W_h, b) in enumerate(cases, 1):
        sizes = {k: v for k, v in sizes.items() if k != "time"}
        case = describe_case(index, len(cases), sizes)
        x_t = x[:, 0]
        got = call_student(name, rnn_cell_forward, (x_t.copy(), h0.copy(), W_x.copy(), W_h.copy(), b.copy()), case)
        got = as_checked_array(name, "h_next", got, h0.shape, case)
        expected = np.tanh(x_t @ W_x + h0 @ W_h + b)
        compare(name, "h_next", expected, got, case, _cell_mistakes(x_t, h0, W_x, W_h, b))
    passed(name, len(cases))


def _unrolled(x, h0, W_x, W_h, b, step_state):
    """States of an RNN where ``step_state(h_prev_carried, t)`` picks the state fed to step t."""
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W_x + step_state(h, t) @ W_h + b)
        states.append(h)
    return np.stack(states, axis=1)


def _sequence_mistakes(x, h0, W_x, W_h, b):
    """What (h_all, h_last) would be under each catalogued mistake, as a list per output."""
    not_carried = _unrolled(x, h0, W_x, W_h, b, lambda h, t: h0)
    zero_start = _unrolled(x, np.zeros_like(h0), W_x, W_h, b, lambda h, t: h)
    no_bias = rnn_forward(x, h0, W_x, W_h, np.zeros_like(b))[0]
    all_states = [(m.STATE_NOT_CARRIED, not_carried), (m.INITIAL_STATE_IGNORED, zero_start),
                  (m.BIAS_OMITTED, no_bias)]
    if W_x.shape == W_h.shape:  # only then do swapped or transposed weights run at all
        all_states += [(m.WEIGHTS_SWAPPED, rnn_forward(x, h0, W_h, W_x, b)[0]),
                       (m.WEIGHTS_TRANSPOSED, rnn_forward(x, h0, W_x.T, W_h.T, b)[0])]
    if x.shape[0] == x.shape[1]:  # only then does x[t] have the shape of x[:, t]
        time_major = np.swapaxes(x, 0, 1)
        all_states.append((m.TIME_MAJOR_INPUT, _unrolled(time_major, h0, W_x, W_h, b, lambda h, t: h)))
    last_states = [(mistake, states[:, -1]) for mistake, states in all_states]
    return all_states, last_states


def check_rnn_forward(rnn_forward_student, hidden=False):
    """Check ``rnn_forward(x, h0, W_x, W_h, b) -> (h_all, h_last)`` on fixed cases."""
    name = "rnn_forward"
    cases = rnn_sequence_cases(hidden)
    for index, (sizes, x, h0, W_x, W_h, b) in enumerate(cases, 1):
        case = describe_case(index, len(cases), sizes)
        value = call_student(name, rnn_forward_student, (x.copy(), h0.copy(), W_x.copy(), W_h.copy(), b.copy()), case)
        h_all, h_last = unpack_outputs(name, value, ("h_all", "h_last"), case)
        batch, time, _ = x.shape
        h_all = as_checked_array(name, "h_all", h_all, (batch, time, W_h.shape[0]), case)
        h_last = as_checked_array(name, "h_last", h_last, h0.shape, case)
        expected_all, expected_last = rnn_forward(x, h0, W_x, W_h, b)
        wrong_all, wrong_last = _sequence_mistakes(x, h0, W_x, W_h, b)
        compare(name, "h_all", expected_all, h_all, case, wrong_all)
        wrong_last.append((m.LAST_STATE_FROM_FIRST_STEP, expected_all[:, 0]))
        compare(name, "h_last", expected_last, h_last, case, wrong_last)
    passed(name, len(cases))


def _torch_mistakes(x, W_x, W_h, b):
    square = W_x.shape == W_h.shape
    return [
        (m.BIAS_COUNTED_TWICE, rnn_forward(x, None, W_x, W_h, 2 * b)[0]),
        (m.BIAS_OMITTED, rnn_forward(x, None, W_x, W_h, 0 * b)[0]),
        (m.WEIGHTS_SWAPPED, rnn_forward(x, None, W_h, W_x, b)[0] if square else None),
        (m.WEIGHTS_TRANSPOSED, rnn_forward(x, None, W_x.T, W_h.T, b)[0] if square else None),
    ]


def check_torch_rnn_loader(make_torch_rnn, hidden=False):
    """Check ``make_torch_rnn(W_x, W_h, b) -> torch.nn.RNN`` reproduces the reference outputs.

    The returned module must be a one-layer ``nn.RNN`` with ``batch_first=True``; it is run in
    float64 on each case's inputs from a zero initial state. Its weights may have been stored in
    float32, so the comparison allows float32 rounding.
    """
    import torch

    name = "make_torch_rnn"
    cases = rnn_sequence_cases(hidden)
    for index, (sizes, x, _, W_x, W_h, b) in enumerate(cases, 1):
        case = describe_case(index, len(cases), sizes)
        module = call_student(name, make_torch_rnn, (W_x.copy(), W_h.copy(), b.copy()), case)
        _require_torch_rnn(name, module, sizes, case)
        with torch.no_grad():
            output, _ = module.double()(torch.from_numpy(x))
        got = as_checked_array(name, "output", output.numpy(), x.shape[:2] + (W_h.shape[0],), case)
        compare(name, "output", rnn_forward(x, None, W_x, W_h, b)[0], got, case, _torch_mistakes(x, W_x, W_h, b),
                tolerance=FLOAT32_TOLERANCE, floor=FLOAT32_FLOOR)
    passed(name, len(cases))


def _require_torch_rnn(name, module, sizes, case):
    import torch

    if not isinstance(module, torch.nn.RNN):
        raise CheckFailure(f"{name} should return a torch.nn.RNN, got {type(module).__name__} ({case})")
    expected = dict(input_size=sizes["features"], hidden_size=sizes["units"], num_layers=1,
                    batch_first=True, bidirectional=False, nonlinearity="tanh")
    for attribute, value in expected.items():
        if getattr(module, attribute) != value:
            raise CheckFailure(f"{name}: the nn.RNN has {attribute}={getattr(module, attribute)!r}, "
                               f"expected {value!r} ({case})")
