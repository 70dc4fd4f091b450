"""Checks for the vanilla-RNN homework (ps01): cell, sequence, and loading weights into PyTorch."""

from .. import mistakes as m
from ..conventions import FLOAT32_FLOOR, FLOAT32_TOLERANCE
from ..reference import rnn_forward
from ._cases import rnn_sequence_cases
from ._report import CheckFailure, as_checked_array, call_student, compare, describe_case
from ._runner import recurrent_check, run_cases


def check_rnn_cell_forward(rnn_cell_forward, hidden=False):
    """Check ``rnn_cell_forward(x_t, h_prev, W_x, W_h, b) -> h_next`` on fixed cases.

    The cases are the first step of each sequence case, starting from a non-zero state.
    """
    recurrent_check("rnn", "cell", "rnn_cell_forward", rnn_cell_forward, hidden)


def check_rnn_forward(rnn_forward_student, hidden=False):
    """Check ``rnn_forward(x, h0, W_x, W_h, b) -> (h_all, h_last)`` on fixed cases."""
    recurrent_check("rnn", "sequence", "rnn_forward", rnn_forward_student, hidden)


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

    def run_one(index, spec):
        sizes, x, _, W_x, W_h, b = spec
        case = describe_case(index, len(cases), sizes)
        module = call_student(name, make_torch_rnn, (W_x.copy(), W_h.copy(), b.copy()), case)
        _require_torch_rnn(name, module, sizes, case)
        with torch.no_grad():
            output, _ = module.double()(torch.from_numpy(x))
        got = as_checked_array(name, "output", output.numpy(), x.shape[:2] + (W_h.shape[0],), case)
        compare(
            name,
            "output",
            rnn_forward(x, None, W_x, W_h, b)[0],
            got,
            case,
            _torch_mistakes(x, W_x, W_h, b),
            tolerance=FLOAT32_TOLERANCE,
            floor=FLOAT32_FLOOR,
        )

    run_cases(name, cases, run_one)


def _require_torch_rnn(name, module, sizes, case):
    import torch

    if not isinstance(module, torch.nn.RNN):
        raise CheckFailure(
            f"{name} should return a torch.nn.RNN, got {type(module).__name__} ({case})"
        )
    expected = dict(
        input_size=sizes["features"],
        hidden_size=sizes["units"],
        num_layers=1,
        batch_first=True,
        bidirectional=False,
        nonlinearity="tanh",
    )
    for attribute, value in expected.items():
        if getattr(module, attribute) != value:
            raise CheckFailure(
                f"{name}: the nn.RNN has {attribute}={getattr(module, attribute)!r}, "
                f"expected {value!r} ({case})"
            )
