"""Check for ps02's PyTorch task: the BPTT gradients of a tanh RNN, computed by autograd.

The student's function has the signature of ``rnn_backward`` (see ``bptt.py``):

    rnn_backward_torch(x, h0, W_x, W_h, b, dh_all) -> {"x", "h0", "W_x", "W_h", "b"}

but builds the forward pass in PyTorch (its own recurrence or an ``nn.RNN``) and lets autograd
do the backward pass. The cases are those of ``check_rnn_backward``; the mistakes are the ones a
practitioner makes with autograd, not with the chain rule.
"""

import numpy as np

from ..mistakes import Mistake
from ..reference import rnn_backward
from ._cases import rnn_sequence_cases, upstream_gradient
from ._outputs import checked_dict, compare_outputs
from ._report import CheckFailure, call_student, describe_case, passed

GRADIENT_NAMES = ("x", "h0", "W_x", "W_h", "b")

UNWEIGHTED_BACKWARD = Mistake(
    "backward without the upstream gradient",
    "h_all.sum().backward() gives every state the gradient 1; here state t receives dh_all[:, t]: "
    "call h_all.backward(dh_all) or (h_all * dh_all).sum().backward()")
LAST_STATE_ONLY = Mistake(
    "only the final state back-propagated",
    "the loss reaches every state, not only h_last: back-propagate from h_all (all steps) with dh_all")
TORCH_BIAS_GRADIENTS_ADDED = Mistake(
    "gradients of bias_ih and bias_hh added",
    "nn.RNN adds its two biases, so each receives the whole gradient; the reference b stands for their "
    "sum, and its gradient is that of either one (bias_ih_l0.grad), not the sum of both")
TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED = Mistake(
    "PyTorch weight gradients not transposed back",
    "weight_ih_l0 and weight_hh_l0 (and their .grad) have shape (units, features) and (units, units): "
    "the reference W_x and W_h are their transposes")
FLOAT32_TENSORS = Mistake(
    "float32 tensors",
    "float32 carries about 7 significant digits, too few for this check: create every tensor with "
    "dtype=torch.float64 (torch.from_numpy keeps numpy's float64; .float() and a default nn.RNN do not)")
GRAD_NOT_TRACKED = Mistake(
    "gradient not tracked",
    "a tensor's .grad stays None unless it was created with requires_grad=True (x and h0 included) "
    "and is a leaf of the graph: call .requires_grad_() on the tensor you pass in, not on a copy")


def _named(mistake):
    return f"this looks like '{mistake.name}': {mistake.hint}"


def _variants(args):
    """(Mistake, gradients) for every catalogued autograd mistake on this case."""
    x, h0, W_x, W_h, b, dh_all = args
    last_only = np.zeros_like(dh_all)
    last_only[:, -1] = dh_all[:, -1]
    right = rnn_backward(*args)
    variants = [(UNWEIGHTED_BACKWARD, rnn_backward(x, h0, W_x, W_h, b, np.ones_like(dh_all))),
                (LAST_STATE_ONLY, rnn_backward(x, h0, W_x, W_h, b, last_only)),
                (TORCH_BIAS_GRADIENTS_ADDED, {**right, "b": 2 * right["b"]})]
    if W_x.shape[0] == W_x.shape[1]:  # only then does a transposed gradient have the right shape
        variants.append((TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED, {**right, "W_x": right["W_x"].T, "W_h": right["W_h"].T}))
    else:
        variants.append((TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED, {**right, "W_h": right["W_h"].T}))
    return [(mistake, {f"grads[{k!r}]": v for k, v in grads.items()}) for mistake, grads in variants]


def _screen(name, value, shapes, case):
    """Name the autograd mistakes that show before any number is compared: None, float32, a transpose."""
    if not isinstance(value, dict):
        return
    for key, shape in shapes.items():
        item = value.get(key)
        if item is None and key in value:
            raise CheckFailure(f"{name}: grads[{key!r}] is None ({case})\n  hint: {_named(GRAD_NOT_TRACKED)}")
        if isinstance(item, np.ndarray) and item.dtype == np.float32:
            raise CheckFailure(f"{name}: grads[{key!r}] has dtype float32 ({case})\n  hint: {_named(FLOAT32_TENSORS)}")
        if key in ("W_x", "W_h") and isinstance(item, np.ndarray) and item.shape == shape[::-1] != shape:
            raise CheckFailure(f"{name}: grads[{key!r}] has shape {item.shape}, expected {shape} ({case})\n"
                               f"  hint: {_named(TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED)}")


def check_rnn_backward_autograd(rnn_backward_torch, hidden=False):
    """Check ``rnn_backward_torch(x, h0, W_x, W_h, b, dh_all) -> dict`` of gradients from autograd.

    The same cases and the same dict as ``check_rnn_backward``: "x", "h0", "W_x", "W_h" and "b",
    each a float64 numpy array shaped like that argument.
    """
    name = "rnn_backward_torch"
    cases = rnn_sequence_cases(hidden)
    for index, (sizes, x, h0, W_x, W_h, b) in enumerate(cases, 1):
        case = describe_case(index, len(cases), sizes)
        dh_all = upstream_gradient(sizes, index)
        args = (x, h0, W_x, W_h, b, dh_all)
        value = call_student(name, rnn_backward_torch, tuple(a.copy() for a in args), case)
        shapes = dict(zip(GRADIENT_NAMES, (x.shape, h0.shape, W_x.shape, W_h.shape, b.shape)))
        _screen(name, value, shapes, case)
        got = checked_dict(name, "grads", value, shapes, case)
        expected = rnn_backward(*args)
        labels = [f"grads[{key!r}]" for key in GRADIENT_NAMES]
        compare_outputs(name, labels, dict(zip(labels, (expected[k] for k in GRADIENT_NAMES))),
                        dict(zip(labels, (got[k] for k in GRADIENT_NAMES))), case, _variants(args))
    passed(name, len(cases))


__all__ = ["check_rnn_backward_autograd"]
