"""The ps04 framework checks both ways: a student-style answer passes, each planted mistake is
named.

A student's GRU reads PyTorch's and Keras's weights and reproduces their states; another converts
weights between the two z conventions. Each broken variant below makes one catalogued mistake.
"""

from functools import partial

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import (
    check_flip_z_convention,
    check_keras_gru_states,
    check_torch_gru_states,
)
from autograder.checks import gru_frameworks as checks
from autograder.convert import from_torch
from autograder.reference import gru_forward as reference_forward
from helpers import failure_of


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def student_forward(x, W_x, W_h, b, reset_after=True, z_convention="keep"):
    """A student's GRU over a sequence from h0 = 0; b is indexed b[0], b[1] when reset_after, as
    students do.
    """
    u = W_h.shape[0]
    h, states = np.zeros((x.shape[0], u), dtype=x.dtype), []
    for t in range(x.shape[1]):
        if reset_after:
            a_x, a_h = x[:, t] @ W_x + b[0], h @ W_h + b[1]
            z, r = sigmoid(a_x[:, :u] + a_h[:, :u]), sigmoid(a_x[:, u : 2 * u] + a_h[:, u : 2 * u])
            n = np.tanh(a_x[:, 2 * u :] + r * a_h[:, 2 * u :])
        else:
            a_x, a_h = x[:, t] @ W_x + b, h @ W_h[:, : 2 * u]
            z, r = sigmoid(a_x[:, :u] + a_h[:, :u]), sigmoid(a_x[:, u : 2 * u] + a_h[:, u:])
            n = np.tanh(a_x[:, 2 * u :] + (r * h) @ W_h[:, 2 * u :])
        h = z * h + (1 - z) * n if z_convention == "keep" else (1 - z) * h + z * n
        states.append(h)
    return np.stack(states, axis=1)


def torch_states(
    module,
    x,
    *,
    reorder=True,
    transpose=True,
    biases=2,
    merge_biases=False,
    z_convention="keep",
    run_module=False,
    in_float32=False,
):
    """A student's nn.GRU reader; the keyword-only arguments plant one mistake each."""
    if in_float32:  # everything in float32, as the module itself computes
        return torch_states(module, x.astype(np.float32)).astype(np.float64)
    if run_module:
        import torch

        return module(torch.from_numpy(x).float())[0].detach().numpy().astype(np.float64)

    def rows(name):
        # float32, as students read them
        r, z, n = np.split(getattr(module, name).detach().numpy(), 3, axis=0)
        return np.concatenate([z, r, n] if reorder else [r, z, n], axis=0)

    def weight(name):
        w = rows(name)
        return w.T if transpose else w.reshape(w.shape[1], w.shape[0])

    b = np.stack(
        [rows("bias_ih_l0"), rows("bias_hh_l0") if biases == 2 else 0 * rows("bias_hh_l0")]
    )
    if merge_biases:
        return student_forward(
            x, weight("weight_ih_l0"), weight("weight_hh_l0"), b[0] + b[1], reset_after=False
        )
    return student_forward(
        x, weight("weight_ih_l0"), weight("weight_hh_l0"), b, z_convention=z_convention
    )


def keras_states(
    weights,
    reset_after,
    x,
    *,
    variant=None,
    z_convention="keep",
    swap_z_r=False,
    sum_rows=False,
    first_row_only=False,
    run_layer=False,
):
    """A student's reader of a Keras GRU's weights; the keyword-only arguments plant one mistake
    each.
    """
    if run_layer:
        from autograder.frameworks import keras

        layer = keras().layers.GRU(
            weights[1].shape[0], reset_after=reset_after, return_sequences=True
        )
        layer.build((None, None, weights[0].shape[0]))
        layer.set_weights(weights)
        return np.asarray(layer(x.astype(np.float32))).astype(np.float64)
    W_x, W_h, b = (np.asarray(w, dtype=np.float64) for w in weights)
    if swap_z_r:
        W_x, W_h, b = (
            np.concatenate(
                [
                    a[..., a.shape[-1] // 3 : 2 * a.shape[-1] // 3],
                    a[..., : a.shape[-1] // 3],
                    a[..., 2 * a.shape[-1] // 3 :],
                ],
                axis=-1,
            )
            for a in (W_x, W_h, b)
        )
    variant = reset_after if variant is None else variant
    if sum_rows and b.ndim == 2:
        b, variant = b.sum(axis=0), False
    if first_row_only and b.ndim == 2:
        b = b * [[1], [0]]
    return student_forward(x, W_x, W_h, b, reset_after=variant, z_convention=z_convention)


def flip(W_x, W_h, b, *, blocks=(0,), arrays=(0, 1, 2), change=np.negative, rows=None):
    """A student's z-convention converter; the keyword-only arguments plant one mistake each."""
    out = [np.array(a, dtype=np.float64) for a in (W_x, W_h, b)]
    u = W_h.shape[0]
    for position in arrays:
        for block in blocks:
            cols = slice(block * u, (block + 1) * u)
            if rows is not None and out[position].ndim == 2 and position == 2:
                for row in rows:
                    out[position][row, cols] = change(out[position][row, cols])
            else:
                out[position][..., cols] = change(out[position][..., cols])
    return tuple(out)


BROKEN_TORCH = {
    m.GRU_TORCH_ORDER: partial(torch_states, reorder=False),
    m.ONE_TORCH_BIAS_READ: partial(torch_states, biases=1),
    m.RESHAPED_NOT_TRANSPOSED: partial(torch_states, transpose=False),
    m.RESET_BEFORE_MATMUL: partial(torch_states, merge_biases=True),
    m.Z_CONVENTION_FLIPPED: partial(torch_states, z_convention="update"),
    checks.RAN_THE_LAYER: partial(torch_states, run_module=True),
    checks.FLOAT32_ONLY: partial(torch_states, in_float32=True),
}
BROKEN_KERAS = {
    m.Z_CONVENTION_FLIPPED: partial(keras_states, z_convention="update"),
    m.GRU_TORCH_ORDER: partial(keras_states, swap_z_r=True),
    m.RESET_BEFORE_MATMUL: partial(keras_states, sum_rows=True),
    m.RECURRENT_BIAS_OMITTED: partial(keras_states, first_row_only=True),
    m.RESET_AFTER_MATMUL: partial(keras_states, variant=True),
    checks.FLOAT32_ONLY: partial(keras_states, run_layer=True),
}
BROKEN_FLIPS = {
    checks.FLIP_EVERY_BLOCK: partial(flip, blocks=(0, 1, 2)),
    checks.FLIP_BIAS_ONLY: partial(flip, arrays=(2,)),
    checks.FLIP_WEIGHTS_ONLY: partial(flip, arrays=(0, 1)),
    checks.FLIP_RECURRENT_LEFT: partial(flip, arrays=(0, 2)),
    checks.FLIP_WRONG_BLOCK: partial(flip, blocks=(1,)),
    checks.FLIP_ONE_MINUS: partial(flip, change=lambda a: 1 - a),
    checks.FLIP_ONE_BIAS_ROW: partial(flip, rows=(1,)),
}


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_functions_pass(capsys, hidden):
    check_torch_gru_states(torch_states, hidden=hidden)
    check_keras_gru_states(keras_states, hidden=hidden)
    check_flip_z_convention(flip, hidden=hidden)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.endswith("cases passed") for line in lines)


@pytest.mark.parametrize("mistake", list(BROKEN_TORCH), ids=lambda k: k.name)
def test_each_torch_mistake_is_named(mistake):
    message = failure_of(check_torch_gru_states, BROKEN_TORCH[mistake])
    assert message.startswith("torch_gru_states: ")
    assert f"this looks like '{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize("mistake", list(BROKEN_KERAS), ids=lambda k: k.name)
def test_each_keras_mistake_is_named(mistake):
    message = failure_of(check_keras_gru_states, BROKEN_KERAS[mistake])
    assert message.startswith("keras_gru_states: ") and "reset_after=" in message.splitlines()[0]
    assert f"this looks like '{mistake.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize("mistake", list(BROKEN_FLIPS), ids=lambda k: k.name)
def test_each_flip_mistake_is_named(mistake):
    message = failure_of(check_flip_z_convention, BROKEN_FLIPS[mistake])
    assert message.startswith("flip_z_convention: h_all of a z_convention=")
    assert f"this looks like '{mistake.name}'" in message.splitlines()[-1]


def test_any_equivalent_flip_passes(capsys):
    """Moving the whole negated z bias into one row of b is as good as negating both rows."""

    def one_row(W_x, W_h, b):
        W_x, W_h, b = flip(W_x, W_h, b, arrays=(0, 1))
        if b.ndim == 2:
            u = W_h.shape[0]
            b = b.copy()
            b[0, :u], b[1, :u] = -(b[0, :u] + b[1, :u]), 0
        else:
            b = flip(W_x, W_h, b, arrays=(2,))[2]
        return W_x, W_h, b

    check_flip_z_convention(one_row, hidden=True)
    assert capsys.readouterr().out.strip() == "flip_z_convention: all 4 cases passed"


def test_tensors_and_wrong_shapes_are_told_apart():
    import torch

    message = failure_of(
        check_torch_gru_states, lambda module, x: torch.from_numpy(torch_states(module, x))
    )
    assert "is a torch tensor" in message
    message = failure_of(
        check_keras_gru_states, lambda weights, variant, x: keras_states(weights, variant, x)[:, -1]
    )
    assert "h_all has shape" in message


def test_calling_the_converters_does_not_pass():
    def via_reference(module, x):
        return reference_forward(x, None, *from_torch(module))[0]

    assert "called the course's reference" in failure_of(check_torch_gru_states, via_reference)


@pytest.mark.parametrize("hidden", [False, True])
def test_the_answer_key_is_what_the_frameworks_compute(hidden):
    """The reference on the converted weights equals the layers' own outputs on every case."""
    import torch

    for index, spec in enumerate(checks._TORCH_SPECS[hidden]):
        module, x = checks._torch_case(*spec, hidden=hidden, index=index)
        with torch.no_grad():
            framework = module.double()(torch.from_numpy(x))[0].numpy()
        np.testing.assert_allclose(
            reference_forward(x, None, *from_torch(module))[0], framework, atol=1e-12
        )
    from autograder.frameworks import keras

    for index, spec in enumerate(checks._KERAS_SPECS[hidden]):
        weights, x = checks._keras_case(*spec, hidden=hidden, index=index)
        layer = keras().layers.GRU(spec[3], reset_after=spec[4], return_sequences=True)
        layer.build((None, None, spec[2]))
        layer.set_weights(weights)
        framework = np.asarray(layer(x.astype(np.float32)), dtype=np.float64)
        reference = reference_forward(x.astype(np.float32), None, *weights, reset_after=spec[4])[0]
        np.testing.assert_allclose(reference, framework, atol=2e-6)
