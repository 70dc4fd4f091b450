"""The ps04 checks both ways: a student-style GRU passes in every variant, each planted mistake is
named.
"""

from functools import partial

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import check_gru_cell_forward, check_gru_forward, check_gru_params_from_torch
from autograder.convert import from_torch_gru
from autograder.reference import (
    gru_cell_forward as reference_cell,
)
from autograder.reference import (
    gru_forward as reference_forward,
)
from helpers import failure_of


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def student_cell(
    x_t,
    h_prev,
    W_x,
    W_h,
    b,
    reset_after=True,
    z_convention="keep",
    *,
    read_torch_order=False,
    flip_z=False,
    force_reset=None,
    candidate=np.tanh,
    recurrent_bias="inside",
    use_bias=True,
    swap_weights=False,
    zero_start=False,
):
    """A student's GRU step; the keyword-only arguments plant one mistake each."""
    if swap_weights:
        W_x, W_h = W_h, W_x
    if zero_start:
        h_prev = 0 * h_prev
    u = h_prev.shape[1]
    b_x, b_h = (b[0], b[1]) if np.ndim(b) == 2 else (b, np.zeros_like(b))
    if not use_bias:
        b_x, b_h = 0 * b_x, 0 * b_h
    if recurrent_bias == "omitted":
        b_h = 0 * b_h
    x_part, h_part = x_t @ W_x + b_x, h_prev @ W_h
    z_block, r_block = (1, 0) if read_torch_order else (0, 1)
    z = sigmoid(
        x_part[:, z_block * u : (z_block + 1) * u]
        + h_part[:, z_block * u : (z_block + 1) * u]
        + b_h[z_block * u : (z_block + 1) * u]
    )
    r = sigmoid(
        x_part[:, r_block * u : (r_block + 1) * u]
        + h_part[:, r_block * u : (r_block + 1) * u]
        + b_h[r_block * u : (r_block + 1) * u]
    )
    reset_after = reset_after if force_reset is None else force_reset == "after"
    if reset_after and recurrent_bias == "outside":
        n = candidate(x_part[:, 2 * u :] + b_h[2 * u :] + r * h_part[:, 2 * u :])
    elif reset_after:
        n = candidate(x_part[:, 2 * u :] + r * (h_part[:, 2 * u :] + b_h[2 * u :]))
    else:
        n = candidate(x_part[:, 2 * u :] + b_h[2 * u :] + (r * h_prev) @ W_h[:, 2 * u :])
    keep = (z_convention == "keep") != flip_z
    h = z * h_prev + (1 - z) * n if keep else (1 - z) * h_prev + z * n
    return h, {"z": z, "r": r, "h_tilde": n}


def student_forward(
    x,
    h0,
    W_x,
    W_h,
    b,
    reset_after=True,
    z_convention="keep",
    *,
    cell=student_cell,
    restart=False,
    time_major=False,
    zero_start=False,
):
    h0 = 0 * h0 if zero_start else h0
    h, states = h0, []
    for t in range(x.shape[1]):
        h, _ = cell(
            x[t] if time_major else x[:, t],
            h0 if restart else h,
            W_x,
            W_h,
            b,
            reset_after,
            z_convention,
        )
        states.append(h)
    return np.stack(states, axis=1), h


BROKEN_CELLS = {
    m.GRU_TORCH_ORDER: partial(student_cell, read_torch_order=True),
    m.Z_CONVENTION_FLIPPED: partial(student_cell, flip_z=True),
    m.RESET_BEFORE_MATMUL: partial(student_cell, force_reset="before"),
    m.RESET_AFTER_MATMUL: partial(student_cell, force_reset="after"),
    m.RECURRENT_BIAS_OMITTED: partial(student_cell, recurrent_bias="omitted"),
    m.RECURRENT_BIAS_OUTSIDE_RESET: partial(student_cell, recurrent_bias="outside"),
    m.CANDIDATE_SIGMOID: partial(student_cell, candidate=sigmoid),
    m.BIAS_OMITTED: partial(student_cell, use_bias=False),
    m.WEIGHTS_SWAPPED: partial(student_cell, swap_weights=True),
    m.INITIAL_STATE_IGNORED: partial(student_cell, zero_start=True),
}

BROKEN_SEQUENCES = {
    m.STATE_NOT_CARRIED: partial(student_forward, restart=True),
    m.TIME_MAJOR_INPUT: partial(student_forward, time_major=True),
    m.Z_CONVENTION_FLIPPED: partial(student_forward, cell=BROKEN_CELLS[m.Z_CONVENTION_FLIPPED]),
    m.RESET_BEFORE_MATMUL: partial(student_forward, cell=BROKEN_CELLS[m.RESET_BEFORE_MATMUL]),
    m.RESET_AFTER_MATMUL: partial(student_forward, cell=BROKEN_CELLS[m.RESET_AFTER_MATMUL]),
    m.GRU_TORCH_ORDER: partial(student_forward, cell=BROKEN_CELLS[m.GRU_TORCH_ORDER]),
    m.INITIAL_STATE_IGNORED: partial(student_forward, zero_start=True),
}


def student_loader(module, reorder=True, biases=2):
    """A student's nn.GRU -> reference loader: PyTorch's r, z, n rows become z, r, h~ columns."""

    def blocks(a):
        r, z, n = np.split(a.detach().numpy().astype(np.float64), 3, axis=0)
        return np.concatenate([z, r, n] if reorder else [r, z, n], axis=0)

    b_hh = blocks(module.bias_hh_l0) if biases == 2 else np.zeros(module.bias_hh_l0.shape)
    return (
        blocks(module.weight_ih_l0).T,
        blocks(module.weight_hh_l0).T,
        np.stack([blocks(module.bias_ih_l0), b_hh]),
    )


BROKEN_LOADERS = {
    m.GRU_TORCH_ORDER: partial(student_loader, reorder=False),
    m.ONE_TORCH_BIAS_READ: partial(student_loader, biases=1),
}


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_functions_pass(capsys, hidden):
    check_gru_cell_forward(student_cell, hidden=hidden)
    check_gru_forward(student_forward, hidden=hidden)
    check_gru_params_from_torch(student_loader, hidden=hidden)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.endswith("cases passed") for line in lines)


@pytest.mark.parametrize("mistake", list(BROKEN_CELLS), ids=lambda k: k.name)
def test_each_cell_mistake_is_named(mistake):
    message = failure_of(check_gru_cell_forward, BROKEN_CELLS[mistake])
    assert message.startswith("gru_cell_forward: ") and "reset_after=" in message.splitlines()[0]
    assert f"'{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize("mistake", list(BROKEN_SEQUENCES), ids=lambda k: k.name)
def test_each_sequence_mistake_is_named(mistake):
    message = failure_of(check_gru_forward, BROKEN_SEQUENCES[mistake])
    assert f"'{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize("mistake", list(BROKEN_LOADERS), ids=lambda k: k.name)
def test_each_loader_mistake_is_named(mistake):
    message = failure_of(check_gru_params_from_torch, BROKEN_LOADERS[mistake])
    assert f"'{mistake.name}'" in message.splitlines()[-1]


def test_a_single_bias_for_pytorch_gru_is_named_by_its_shape():
    def summed_biases(module):
        W_x, W_h, b = student_loader(module)
        return W_x, W_h, b.sum(axis=0)

    message = failure_of(check_gru_params_from_torch, summed_biases)
    assert (
        "b has shape (12,), expected (2, 12)" in message
        and "'one of PyTorch's two biases left out'" in message
    )


def test_a_cell_without_the_variant_arguments_is_told_so():
    message = failure_of(
        check_gru_cell_forward, lambda x_t, h, W_x, W_h, b: student_cell(x_t, h, W_x, W_h, b)
    )
    assert "raised TypeError" in message and "reset_after" in message


@pytest.mark.parametrize(
    "check, delegate",
    [
        (check_gru_cell_forward, reference_cell),
        (check_gru_forward, reference_forward),
        (check_gru_params_from_torch, from_torch_gru),
    ],
)
def test_calling_the_reference_does_not_pass(check, delegate):
    assert "called the course's reference" in failure_of(check, delegate)
