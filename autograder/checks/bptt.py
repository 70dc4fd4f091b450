"""Checks for the backpropagation homework (ps02): RNN backward, gradient norms per step, clipping.

``rnn_backward`` takes everything it needs (no cache object), so that a student's forward pass
and backward pass are checked separately:

    rnn_backward(x, h0, W_x, W_h, b, dh_all) -> {"x", "h0", "W_x", "W_h", "b"}

for the tanh RNN and a loss whose gradient with respect to every state h_all is dh_all.
"""

import numpy as np

from .. import mistakes as m
from ..reference import (
    clip_by_global_norm,
    gradient_norms_per_step,
    mistaken_rnn_backward,
    rnn_backward,
    rnn_forward,
)
from ._cases import clipping_cases, rnn_sequence_cases, upstream_gradient
from ._outputs import checked_array, checked_dict, checked_number, compare_number, compare_outputs
from ._report import call_student, compare, describe_case, unpack_outputs
from ._runner import run_cases

GRADIENT_NAMES = ("x", "h0", "W_x", "W_h", "b")


def _backward_variants(args):
    return [
        (m.GRADIENT_NOT_ACCUMULATED, mistaken_rnn_backward(*args, accumulate=False)),
        (m.STATE_GRADIENT_NOT_CARRIED, mistaken_rnn_backward(*args, carry=False)),
        (m.TANH_DERIVATIVE_MISSING, mistaken_rnn_backward(*args, derivative="none")),
        (m.TANH_DERIVATIVE_AT_PREVIOUS_STATE, mistaken_rnn_backward(*args, derivative="previous")),
        (m.WEIGHT_GRADIENT_TRANSPOSED, mistaken_rnn_backward(*args, transpose_dW=True)),
        (m.BATCH_AVERAGED, mistaken_rnn_backward(*args, batch_mean=True)),
    ]


def check_rnn_backward(rnn_backward_student, hidden=False):
    """Check ``rnn_backward(x, h0, W_x, W_h, b, dh_all) -> dict`` of gradients on fixed cases.

    The dict must hold "x", "h0", "W_x", "W_h" and "b", each shaped like that argument. Each
    case uses a fixed random dh_all; the gradient with respect to x is compared first, the
    parameters last, so that a mistake in the recursion is named before its consequences.
    """
    name = "rnn_backward"
    cases = rnn_sequence_cases(hidden)

    def run_one(index, spec):
        sizes, x, h0, W_x, W_h, b = spec
        case = describe_case(index, len(cases), sizes)
        dh_all = upstream_gradient(sizes, index, hidden)
        args = (x, h0, W_x, W_h, b, dh_all)
        value = call_student(name, rnn_backward_student, tuple(a.copy() for a in args), case)
        shapes = dict(zip(GRADIENT_NAMES, (x.shape, h0.shape, W_x.shape, W_h.shape, b.shape)))
        got = checked_dict(name, "grads", value, shapes, case)
        expected = rnn_backward(*args)
        compare_outputs(
            name,
            [f"grads[{key!r}]" for key in GRADIENT_NAMES],
            _labelled(expected),
            _labelled(got),
            case,
            [(mistake, _labelled(grads)) for mistake, grads in _backward_variants(args)],
        )

    run_cases(name, cases, run_one)


def _labelled(grads):
    """Output names as the student sees them in a message: grads['W_x'] and so on."""
    return {f"grads[{key!r}]": grads[key] for key in GRADIENT_NAMES}


def _jacobian_norms_as(x, h0, W_x, W_h, b, ord="fro", derivative=True):
    """||dh_T/dh_k|| for k = 0 (h0) .. T, built by multiplying step Jacobians; shape (batch, time +
    1).
    """
    h_all, _ = rnn_forward(x, h0, W_x, W_h, b)
    batch, time, units = h_all.shape
    norms = np.zeros((batch, time + 1))
    for n in range(batch):
        product = np.eye(units)  # dh_T / dh_k, grown from k = T downwards
        norms[n, time] = np.linalg.norm(product, ord)
        for k in range(time, 0, -1):  # step k maps h_{k-1} to h_k
            slope = 1 - h_all[n, k - 1] ** 2 if derivative else np.ones(units)
            product = product @ (slope[:, None] * W_h.T)
            norms[n, k - 1] = np.linalg.norm(product, ord)
    return norms


def check_gradient_norms_per_step(gradient_norms_per_step_student, hidden=False):
    """Check ``gradient_norms_per_step(x, h0, W_x, W_h, b) -> norms`` of shape (batch, time).

    norms[n, t] = ||d h_last[n] / d h_all[n, t]||, the Frobenius norm of that Jacobian, so the last
    column is sqrt(units).
    """
    name = "gradient_norms_per_step"
    cases = rnn_sequence_cases(hidden)

    def run_one(index, spec):
        sizes, x, h0, W_x, W_h, b = spec
        case = describe_case(index, len(cases), sizes)
        value = call_student(
            name,
            gradient_norms_per_step_student,
            (x.copy(), h0.copy(), W_x.copy(), W_h.copy(), b.copy()),
            case,
        )
        got = checked_array(
            name,
            "norms",
            value,
            x.shape[:2],
            case,
            [(m.NORMS_SHIFTED, (x.shape[0], x.shape[1] + 1))],
        )
        expected = gradient_norms_per_step(x, h0, W_x, W_h, b)
        with_h0 = _jacobian_norms_as(x, h0, W_x, W_h, b)
        variants = [
            (m.NORMS_REVERSED, expected[:, ::-1]),
            (m.NORMS_SHIFTED, with_h0[:, :-1]),
            (m.SPECTRAL_NOT_FROBENIUS, _jacobian_norms_as(x, h0, W_x, W_h, b, ord=2)[:, 1:]),
            (
                m.JACOBIAN_DERIVATIVE_MISSING,
                _jacobian_norms_as(x, h0, W_x, W_h, b, derivative=False)[:, 1:],
            ),
        ]
        compare(name, "norms", expected, got, case, variants)

    run_cases(name, cases, run_one)


def _clipping_variants(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    sum_of_norms = sum(np.linalg.norm(g) for g in grads.values())

    def scaled(by):
        return {key: g * min(1.0, max_norm / by) for key, g in grads.items()}

    arrays = [
        (
            m.CLIPPED_PER_ARRAY,
            {k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()},
        ),
        (m.ALWAYS_RESCALED, {k: g * max_norm / norm for k, g in grads.items()}),
        (m.CLIPPED_BY_VALUE, {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}),
        (m.SQUARED_NORM, scaled(norm**2)),
        (m.SUM_OF_NORMS, scaled(sum_of_norms)),
    ]
    norms = [
        (m.SQUARED_NORM, norm**2),
        (m.SUM_OF_NORMS, sum_of_norms),
        (m.NORM_AFTER_CLIPPING, min(norm, max_norm)),
    ]
    return [
        (mistake, {f"clipped[{k!r}]": v for k, v in out.items()}) for mistake, out in arrays
    ], norms


def check_clip_by_global_norm(clip_by_global_norm_student, hidden=False):
    """Check ``clip_by_global_norm(grads, max_norm) -> (clipped, norm)``.

    grads is a dict of arrays; clipped must be a dict with the same keys and shapes, and norm the
    global norm before clipping (a float), as torch.nn.utils.clip_grad_norm_ returns. The scale is
    min(1, max_norm / norm): Keras's global_clipnorm; PyTorch's extra 1e-6 in the denominator is
    within the tolerance on these cases.
    """
    name = "clip_by_global_norm"
    cases = clipping_cases(hidden)

    def run_one(index, spec):
        sizes, grads, max_norm = spec
        case = describe_case(index, len(cases), sizes)
        value = call_student(
            name,
            clip_by_global_norm_student,
            ({k: g.copy() for k, g in grads.items()}, max_norm),
            case,
        )
        clipped, norm = unpack_outputs(name, value, ("clipped", "norm"), case)
        clipped = checked_dict(
            name, "clipped", clipped, {k: g.shape for k, g in grads.items()}, case
        )
        norm = checked_number(name, "norm", norm, case)
        right_clipped, right_norm = clip_by_global_norm(grads, max_norm)
        array_variants, norm_variants = _clipping_variants(grads, max_norm)
        compare_number(name, "norm", right_norm, norm, case, norm_variants)
        labelled = {f"clipped[{k!r}]": k for k in grads}
        compare_outputs(
            name,
            list(labelled),
            {label: right_clipped[k] for label, k in labelled.items()},
            {label: clipped[k] for label, k in labelled.items()},
            case,
            array_variants,
        )

    run_cases(name, cases, run_one)
