"""The ps01 checks, both ways: correct code passes, each broken variant fails with its message."""

import subprocess
import sys

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import check_rnn_cell_forward, check_rnn_forward, check_torch_rnn_loader
from autograder.reference import (
    rnn_cell_forward as reference_cell,
)
from autograder.reference import (
    rnn_forward as reference_forward,
)
from helpers import failure_of


def good_cell(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x + h_prev @ W_h + b)


def forward_with(cell, pick_state=lambda h, h0: h, pick_input=lambda x, t: x[:, t]):
    """A sequence function built on ``cell``, with hooks to plant sequence-level mistakes."""

    def rnn_forward(x, h0, W_x, W_h, b):
        h, states = h0, []
        for t in range(x.shape[1]):
            h = cell(pick_input(x, t), pick_state(h, h0), W_x, W_h, b)
            states.append(h)
        return np.stack(states, axis=1), h

    return rnn_forward


BROKEN_CELLS = {
    m.BIAS_OMITTED: lambda x, h, W_x, W_h, b: np.tanh(x @ W_x + h @ W_h),
    m.WEIGHTS_SWAPPED: lambda x, h, W_x, W_h, b: np.tanh(x @ W_h + h @ W_x + b),
    m.WEIGHTS_TRANSPOSED: lambda x, h, W_x, W_h, b: np.tanh(x @ W_x.T + h @ W_h.T + b),
    m.SIGMOID_FOR_TANH: lambda x, h, W_x, W_h, b: 1 / (1 + np.exp(-(x @ W_x + h @ W_h + b))),
    m.RELU_FOR_TANH: lambda x, h, W_x, W_h, b: np.maximum(0, x @ W_x + h @ W_h + b),
    m.ACTIVATION_MISSING: lambda x, h, W_x, W_h, b: x @ W_x + h @ W_h + b,
    m.INITIAL_STATE_IGNORED: lambda x, h, W_x, W_h, b: np.tanh(x @ W_x + b),
}

BROKEN_SEQUENCES = {
    m.STATE_NOT_CARRIED: forward_with(good_cell, pick_state=lambda h, h0: h0),
    m.INITIAL_STATE_IGNORED: forward_with(
        good_cell, pick_state=lambda h, h0: h if h is not h0 else 0 * h0
    ),
    m.BIAS_OMITTED: forward_with(BROKEN_CELLS[m.BIAS_OMITTED]),
    m.WEIGHTS_SWAPPED: forward_with(BROKEN_CELLS[m.WEIGHTS_SWAPPED]),
}


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_functions_pass(capsys, hidden):
    check_rnn_cell_forward(good_cell, hidden=hidden)
    check_rnn_forward(forward_with(good_cell), hidden=hidden)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"rnn_cell_forward: all {3 if not hidden else 4} cases passed",
        f"rnn_forward: all {3 if not hidden else 4} cases passed",
    ]


@pytest.mark.parametrize("mistake", list(BROKEN_CELLS), ids=lambda k: k.name)
def test_each_cell_mistake_is_named(mistake):
    message = failure_of(check_rnn_cell_forward, BROKEN_CELLS[mistake])
    assert message.startswith("rnn_cell_forward: h_next is wrong (case ")
    assert "largest relative error" in message and "expected" in message and "got" in message
    assert f"'{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize("mistake", list(BROKEN_SEQUENCES), ids=lambda k: k.name)
def test_each_sequence_mistake_is_named(mistake):
    message = failure_of(check_rnn_forward, BROKEN_SEQUENCES[mistake])
    assert message.startswith("rnn_forward: h_all is wrong (case ")
    assert f"'{mistake.name}'" in message.splitlines()[-1]


def test_time_major_input_is_named_by_a_hidden_case():
    """x[t] instead of x[:, t] only runs when batch == time, which a hidden case provides."""

    def time_major(x, h0, W_x, W_h, b):
        if x.shape[0] != x.shape[1]:
            return forward_with(good_cell)(x, h0, W_x, W_h, b)
        return forward_with(good_cell, pick_input=lambda x, t: x[t])(x, h0, W_x, W_h, b)

    message = failure_of(check_rnn_forward, time_major, hidden=True)
    assert "batch=5, time=5" in message
    assert f"'{m.TIME_MAJOR_INPUT.name}'" in message


def test_last_state_from_first_step_is_named():
    def first_state(x, h0, W_x, W_h, b):
        states, _ = forward_with(good_cell)(x, h0, W_x, W_h, b)
        return states, states[:, 0]

    message = failure_of(check_rnn_forward, first_state)
    assert "h_last is wrong" in message and f"'{m.LAST_STATE_FROM_FIRST_STEP.name}'" in message


def test_the_message_has_the_documented_form():
    message = failure_of(check_rnn_cell_forward, BROKEN_CELLS[m.BIAS_OMITTED])
    assert message.splitlines() == [
        "rnn_cell_forward: h_next is wrong (case 1 of 3: batch=1, features=1, units=1)",
        "  largest relative error 1.9e-01 (tolerance 1e-06) at [0, 0]: expected 0.2913, got 0.1974",
        "  also the same on cases 2, 3 of 3",
        f"  hint: this looks like 'bias omitted': {m.BIAS_OMITTED.hint}",
    ]


@pytest.mark.parametrize(
    "func, expected",
    [
        (
            lambda *a: None,
            (
                "it returned None (case 1 of 3: batch=1, features=1, units=1)\n  also the same on"
                " cases 2, 3 of 3\n  hint: your function computes nothing yet"
            ),
        ),
        (lambda *a: [[0.5]], "h_next should be a numpy array, got list"),
        (
            lambda x, h, *a: np.zeros((h.shape[1], h.shape[0] + 1)),
            "h_next has shape (1, 2), expected (1, 1)",
        ),
        (lambda x, h, *a: np.full(h.shape, np.nan), "h_next contains nan at [0, 0]"),
        (
            lambda *a: 1 / 0,
            "rnn_cell_forward raised ZeroDivisionError: division by zero (case 1 of 3",
        ),
        (
            lambda *a: (_ for _ in ()).throw(NotImplementedError()),
            "rnn_cell_forward: not implemented yet",
        ),
        ("not a function", "rnn_cell_forward: expected a function, got str"),
        (
            lambda *a: reference_cell(*a),
            "called the course's reference autograder.reference.rnn_cell_forward",
        ),
        (lambda x, h, *a: np.array([["a"] * h.shape[1]] * h.shape[0]), "h_next has dtype <U1"),
    ],
)
def test_unusable_results_are_explained(func, expected):
    assert expected in failure_of(check_rnn_cell_forward, func)


def test_transposed_output_gets_a_layout_hint():
    def transposed(x, h0, W_x, W_h, b):
        states, last = forward_with(good_cell)(x, h0, W_x, W_h, b)
        return np.swapaxes(states, 0, 1), last

    message = failure_of(check_rnn_forward, transposed)
    assert "h_all has shape (3, 1, 1), expected (1, 3, 1)" in message
    assert (
        "right numbers in the layout (time, batch, units), time-major where the check wants"
        " batch-major"
        in message
    )
    assert "return h_all.transpose(1, 0, 2)" in message


def test_torch_tensor_result_is_named():
    torch = pytest.importorskip("torch")
    message = failure_of(check_rnn_cell_forward, lambda x, h, *a: torch.zeros(h.shape))
    assert "h_next is a torch tensor" in message and ".detach().numpy()" in message


def test_sequence_must_return_a_pair():
    assert "should return a tuple (h_all, h_last), got a ndarray" in failure_of(
        check_rnn_forward, lambda x, h0, *a: np.zeros((x.shape[0], x.shape[1], h0.shape[1]))
    )


def test_delegating_to_the_reference_fails_and_the_guard_is_released():
    assert "graded functions must compute the answer themselves" in failure_of(
        check_rnn_forward, lambda *a: reference_forward(*a)
    )
    reference_forward(np.zeros((1, 1, 1)), None, [[1.0]], [[1.0]], [0.0])  # usable again afterwards


# PyTorch loader ------------------------------------------------------------------------------


def torch_loader(bias_hh="zero", transpose=True, batch_first=True):
    torch = pytest.importorskip("torch")

    def make_torch_rnn(W_x, W_h, b):
        module = torch.nn.RNN(W_x.shape[0], W_h.shape[0], batch_first=batch_first)
        with torch.no_grad():
            module.weight_ih_l0.copy_(torch.from_numpy((W_x.T if transpose else W_x).copy()))
            module.weight_hh_l0.copy_(torch.from_numpy((W_h.T if transpose else W_h).copy()))
            module.bias_ih_l0.copy_(torch.from_numpy(b))
            module.bias_hh_l0.copy_(torch.from_numpy(b if bias_hh == "b" else 0 * b))
        return module

    return make_torch_rnn


def test_torch_loader_passes_when_right(capsys):
    check_torch_rnn_loader(torch_loader())
    check_torch_rnn_loader(torch_loader(), hidden=True)
    assert capsys.readouterr().out.count("make_torch_rnn: all") == 2


@pytest.mark.parametrize(
    "loader, expected",
    [
        (dict(bias_hh="b"), f"'{m.BIAS_COUNTED_TWICE.name}'"),
        (dict(batch_first=False), "the nn.RNN has batch_first=False, expected True"),
    ],
)
def test_torch_loader_mistakes(loader, expected):
    assert expected in failure_of(check_torch_rnn_loader, torch_loader(**loader))


def test_torch_loader_without_transpose_is_named_on_square_weights():
    """A missing transpose is invisible with 1 x 1 weights; the square second case names it."""
    message = failure_of(check_torch_rnn_loader, torch_loader(transpose=False))
    assert "case 2 of 3: batch=3, time=3, features=4, units=4" in message
    assert f"'{m.WEIGHTS_TRANSPOSED.name}'" in message


def test_torch_loader_with_wrong_sizes_reports_the_error():
    """Sizes taken the wrong way round go unnoticed until features != units (visible case 3)."""
    correct = torch_loader()

    def sizes_swapped(W_x, W_h, b):
        module = correct(W_x, W_h, b)
        if W_x.shape != W_h.shape:
            module.input_size, module.hidden_size = module.hidden_size, module.input_size
        return module

    message = failure_of(check_torch_rnn_loader, sizes_swapped)
    assert "case 3 of 3" in message and "input_size=4, expected 3" in message


def test_torch_loader_must_return_a_module():
    assert "should return a torch.nn.RNN, got ndarray" in failure_of(
        check_torch_rnn_loader, lambda *a: np.zeros(3)
    )


def test_importing_the_checks_loads_no_framework():
    code = (
        "import sys, autograder.checks; "
        "assert 'torch' not in sys.modules and 'tensorflow' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
