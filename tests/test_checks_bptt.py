"""The ps02 checks both ways: student-style BPTT, gradient norms and clipping pass; planted mistakes
are named.
"""

from functools import partial

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import (
    check_clip_by_global_norm,
    check_gradient_norms_per_step,
    check_rnn_backward,
)
from autograder.reference import clip_by_global_norm, gradient_norms_per_step, rnn_backward
from helpers import failure_of


def states_of(x, h0, W_x, W_h, b):
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W_x + h @ W_h + b)
        states.append(h)
    return states


def student_backward(
    x,
    h0,
    W_x,
    W_h,
    b,
    dh_all,
    *,
    accumulate=True,
    carry=True,
    slope_at="h_t",
    transpose_dW=False,
    db_reduce=np.sum,
):
    """A student's BPTT; the keyword-only arguments plant one mistake each."""
    states = states_of(x, h0, W_x, W_h, b)
    grads = {
        "x": np.zeros_like(x),
        "W_x": np.zeros_like(W_x),
        "W_h": np.zeros_like(W_h),
        "b": np.zeros_like(b),
    }
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev = states[t - 1] if t else h0
        slope = {"h_t": 1 - states[t] ** 2, "h_prev": 1 - h_prev**2, "none": 1}[slope_at]
        da = (dh_all[:, t] + (dh_next if carry else 0)) * slope
        step = {
            "W_x": x[:, t].T @ da,
            "W_h": (da.T @ h_prev) if transpose_dW else h_prev.T @ da,
            "b": db_reduce(da, axis=0),
        }
        for key in step:
            grads[key] = grads[key] + step[key] if accumulate else step[key]
        grads["x"][:, t] = da @ W_x.T
        dh_next = da @ W_h.T
    grads["h0"] = dh_next
    return grads


BROKEN_BACKWARDS = {
    m.GRADIENT_NOT_ACCUMULATED: partial(student_backward, accumulate=False),
    m.STATE_GRADIENT_NOT_CARRIED: partial(student_backward, carry=False),
    m.TANH_DERIVATIVE_MISSING: partial(student_backward, slope_at="none"),
    m.TANH_DERIVATIVE_AT_PREVIOUS_STATE: partial(student_backward, slope_at="h_prev"),
    m.WEIGHT_GRADIENT_TRANSPOSED: partial(student_backward, transpose_dW=True),
    m.BATCH_AVERAGED: partial(student_backward, db_reduce=np.mean),
}


def student_norms(
    x, h0, W_x, W_h, b, *, ord="fro", with_slope=True, include_h0=False, reverse=False
):
    """A student's ||dh_T/dh_t|| from products of step Jacobians; keyword-only arguments plant
    mistakes.
    """
    states = [h0] + states_of(x, h0, W_x, W_h, b)
    batch, time, units = x.shape[0], x.shape[1], W_h.shape[0]
    norms = np.zeros((batch, time + 1))
    for n in range(batch):
        jacobian = np.eye(units)
        norms[n, time] = np.linalg.norm(jacobian, ord)
        for k in range(time, 0, -1):
            slope = 1 - states[k][n] ** 2 if with_slope else np.ones(units)
            jacobian = jacobian @ np.diag(slope) @ W_h.T
            norms[n, k - 1] = np.linalg.norm(jacobian, ord)
    result = norms[:, :-1] if include_h0 else norms[:, 1:]
    return result[:, ::-1] if reverse else result


BROKEN_NORMS = {
    m.NORMS_REVERSED: partial(student_norms, reverse=True),
    m.NORMS_SHIFTED: partial(student_norms, include_h0=True),
    m.SPECTRAL_NOT_FROBENIUS: partial(student_norms, ord=2),
    m.JACOBIAN_DERIVATIVE_MISSING: partial(student_norms, with_slope=False),
}


def student_clip(
    grads, max_norm, *, norm_of=None, always=False, per_array=False, report_after=False
):
    """A student's clip_by_global_norm; the keyword-only arguments plant mistakes."""
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    used = norm if norm_of is None else norm_of(grads)
    if per_array:
        clipped = {k: g * min(1, max_norm / np.linalg.norm(g)) for k, g in grads.items()}
    else:
        scale = max_norm / used if always else min(1, max_norm / used)
        clipped = {k: g * scale for k, g in grads.items()}
    reported = np.sqrt(sum(np.sum(g**2) for g in clipped.values())) if report_after else used
    return clipped, float(reported)


BROKEN_CLIPS = {
    m.CLIPPED_PER_ARRAY: partial(student_clip, per_array=True),
    m.ALWAYS_RESCALED: partial(student_clip, always=True),
    m.SQUARED_NORM: partial(
        student_clip, norm_of=lambda grads: sum(np.sum(g**2) for g in grads.values())
    ),
    m.SUM_OF_NORMS: partial(
        student_clip, norm_of=lambda grads: sum(np.linalg.norm(g) for g in grads.values())
    ),
    m.NORM_AFTER_CLIPPING: partial(student_clip, report_after=True),
    m.CLIPPED_BY_VALUE: lambda grads, max_norm: (
        {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()},
        float(np.sqrt(sum(np.sum(g**2) for g in grads.values()))),
    ),
}


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_functions_pass(capsys, hidden):
    check_rnn_backward(student_backward, hidden=hidden)
    check_gradient_norms_per_step(student_norms, hidden=hidden)
    check_clip_by_global_norm(student_clip, hidden=hidden)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.endswith("cases passed") for line in lines)


def test_pytorch_clipping_semantics_also_pass():
    """clip_grad_norm_ divides by norm + 1e-6: within tolerance on every case."""
    check_clip_by_global_norm(
        lambda grads, max_norm: clip_by_global_norm_torch_style(grads, max_norm)
    )
    check_clip_by_global_norm(
        lambda grads, max_norm: clip_by_global_norm_torch_style(grads, max_norm), hidden=True
    )


def clip_by_global_norm_torch_style(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    return {k: g * min(1.0, max_norm / (norm + 1e-6)) for k, g in grads.items()}, norm


@pytest.mark.parametrize("mistake", list(BROKEN_BACKWARDS), ids=lambda k: k.name)
def test_each_backward_mistake_is_named(mistake):
    message = failure_of(check_rnn_backward, BROKEN_BACKWARDS[mistake])
    assert message.startswith("rnn_backward: grads[")
    assert f"'{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize("mistake", list(BROKEN_NORMS), ids=lambda k: k.name)
def test_each_norm_mistake_is_named(mistake):
    message = failure_of(check_gradient_norms_per_step, BROKEN_NORMS[mistake])
    assert f"'{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize("mistake", list(BROKEN_CLIPS), ids=lambda k: k.name)
def test_each_clipping_mistake_is_named(mistake):
    message = failure_of(check_clip_by_global_norm, BROKEN_CLIPS[mistake])
    assert f"'{mistake.name}'" in message.splitlines()[-1]


def test_missing_gradient_keys_are_listed():
    def without_h0(*args):
        grads = student_backward(*args)
        del grads["h0"]
        return grads

    assert "grads lacks the key(s) ['h0']" in failure_of(check_rnn_backward, without_h0)


def test_norm_returned_as_an_array_is_explained():
    message = failure_of(
        check_clip_by_global_norm, lambda g, n: (student_clip(g, n)[0], np.array([1.0, 2.0]))
    )
    assert "norm should be a number, got ndarray" in message


@pytest.mark.parametrize(
    "check, delegate",
    [
        (check_rnn_backward, rnn_backward),
        (check_gradient_norms_per_step, gradient_norms_per_step),
        (check_clip_by_global_norm, clip_by_global_norm),
    ],
)
def test_calling_the_reference_does_not_pass(check, delegate):
    assert "called the course's reference" in failure_of(check, delegate)
