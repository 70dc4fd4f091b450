"""Check for ps02's PyTorch task: the BPTT gradients of a tanh RNN, computed by autograd.

The student's function has the signature of ``rnn_backward`` (see ``bptt.py``):

    rnn_backward_torch(x, h0, W_x, W_h, b, dh_all) -> {"x", "h0", "W_x", "W_h", "b"}

but builds the forward pass in PyTorch (its own recurrence or an ``nn.RNN``) and lets autograd
do the backward pass. The cases are those of ``check_rnn_backward``; the mistakes are the ones a
practitioner makes with autograd, not with the chain rule.
"""

import numpy as np

from .. import mistakes as m
from ..reference import rnn_backward
from ._cases import rnn_sequence_cases, upstream_gradient
from ._outputs import checked_dict, compare_outputs
from ._report import CheckFailure, call_student, describe_case
from ._runner import run_cases

GRADIENT_NAMES = ("x", "h0", "W_x", "W_h", "b")

UNWEIGHTED_BACKWARD = m.UNWEIGHTED_BACKWARD
LAST_STATE_ONLY = m.LAST_STATE_ONLY
TORCH_BIAS_GRADIENTS_ADDED = m.TORCH_BIAS_GRADIENTS_ADDED
TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED = m.TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED
FLOAT32_TENSORS = m.FLOAT32_TENSORS
GRAD_NOT_TRACKED = m.GRAD_NOT_TRACKED


def _named(mistake):
    return f"this looks like '{mistake.name}': {mistake.hint}"


def _variants(args):
    """(Mistake, gradients) for every catalogued autograd mistake on this case."""
    x, h0, W_x, W_h, b, dh_all = args
    last_only = np.zeros_like(dh_all)
    last_only[:, -1] = dh_all[:, -1]
    right = rnn_backward(*args)
    variants = [
        (UNWEIGHTED_BACKWARD, rnn_backward(x, h0, W_x, W_h, b, np.ones_like(dh_all))),
        (LAST_STATE_ONLY, rnn_backward(x, h0, W_x, W_h, b, last_only)),
        (TORCH_BIAS_GRADIENTS_ADDED, {**right, "b": 2 * right["b"]}),
    ]
    if W_x.shape[0] == W_x.shape[1]:  # only then does a transposed gradient have the right shape
        variants.append(
            (
                TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED,
                {**right, "W_x": right["W_x"].T, "W_h": right["W_h"].T},
            )
        )
    else:
        variants.append((TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED, {**right, "W_h": right["W_h"].T}))
    return [
        (mistake, {f"grads[{k!r}]": v for k, v in grads.items()}) for mistake, grads in variants
    ]


def _screen(name, value, shapes, case):
    """Name the autograd mistakes that show before any number is compared: None, float32, a
    transpose.
    """
    if not isinstance(value, dict):
        return
    for key, shape in shapes.items():
        item = value.get(key)
        if item is None and key in value:
            raise CheckFailure(
                f"{name}: grads[{key!r}] is None ({case})\n  hint: {_named(GRAD_NOT_TRACKED)}"
            )
        if isinstance(item, np.ndarray) and item.dtype == np.float32:
            raise CheckFailure(
                f"{name}: grads[{key!r}] has dtype float32 ({case})\n  hint:"
                f" {_named(FLOAT32_TENSORS)}"
            )
        if (
            key in ("W_x", "W_h")
            and isinstance(item, np.ndarray)
            and item.shape == shape[::-1] != shape
        ):
            raise CheckFailure(
                f"{name}: grads[{key!r}] has shape {item.shape}, expected {shape} ({case})\n"
                f"  hint: {_named(TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED)}"
            )


def check_rnn_backward_autograd(rnn_backward_torch, hidden=False):
    """Check ``rnn_backward_torch(x, h0, W_x, W_h, b, dh_all) -> dict`` of gradients from autograd.

    The same cases and the same dict as ``check_rnn_backward``: "x", "h0", "W_x", "W_h" and "b",
    each a float64 numpy array shaped like that argument.
    """
    name = "rnn_backward_torch"
    cases = rnn_sequence_cases(hidden)

    def run_one(index, spec):
        sizes, x, h0, W_x, W_h, b = spec
        case = describe_case(index, len(cases), sizes)
        dh_all = upstream_gradient(sizes, index, hidden)
        args = (x, h0, W_x, W_h, b, dh_all)
        value = call_student(name, rnn_backward_torch, tuple(a.copy() for a in args), case)
        shapes = dict(zip(GRADIENT_NAMES, (x.shape, h0.shape, W_x.shape, W_h.shape, b.shape)))
        _screen(name, value, shapes, case)
        got = checked_dict(name, "grads", value, shapes, case)
        expected = rnn_backward(*args)
        labels = [f"grads[{key!r}]" for key in GRADIENT_NAMES]
        compare_outputs(
            name,
            labels,
            dict(zip(labels, (expected[k] for k in GRADIENT_NAMES))),
            dict(zip(labels, (got[k] for k in GRADIENT_NAMES))),
            case,
            _variants(args),
        )

    run_cases(name, cases, run_one)


__all__ = ["check_rnn_backward_autograd"]
