"""GRU in float64 numpy, both variants in use: the answer key for chapter 4 and ps04.

Reference layout (``autograder.conventions``): gate blocks in Keras's order z, r, h~, so W_x is
(features, 3*units) and W_h (units, 3*units). One step, with row-vector states:

    z = sigmoid(x_t @ W_xz + h_prev @ W_hz + biases)      update gate
    r = sigmoid(x_t @ W_xr + h_prev @ W_hr + biases)      reset gate
    reset_after=True  (PyTorch, cuDNN, Keras's default):
        h~ = tanh(x_t @ W_xh + b_xh + r * (h_prev @ W_hh + b_hh))      b has shape (2, 3*units)
    reset_after=False (Cho et al. 2014, the course's source notes, Keras reset_after=False):
        h~ = tanh(x_t @ W_xh + b_h + (r * h_prev) @ W_hh)               b has shape (3*units,)
    z_convention="keep"   (PyTorch, Keras):  h_next = z * h_prev + (1 - z) * h~
    z_convention="update" (the notes):       h_next = (1 - z) * h_prev + z * h~

With reset_after=True the recurrent bias of the candidate is multiplied by r, so it cannot be
merged into the input bias: that is why Keras keeps two bias rows and PyTorch two bias vectors.
The two z conventions describe the same family of cells: negating the z block of W_x, W_h and
b turns z into 1 - z and one convention into the other.
"""

import numpy as np

from ..conventions import GRU_GATES, Z_CONVENTIONS
from ._cell import Cell, split_blocks
from ._engine import gate_history, jacobian_norms, sequence_gradients, unroll, validated_inputs
from ._guard import reference_function
from ._inputs import as_float_array, require_dims
from .activations import sigmoid


@reference_function
def gru_bias_shape(units, reset_after):
    """The GRU's bias shape: (2, 3*units) when reset_after (input and recurrent rows), else
    (3*units,).

    The one place this rule lives; the checks, the converters and the cases ask here.
    """
    return (2, 3 * units) if reset_after else (3 * units,)


class GRUCell(Cell):
    kind = "gru"

    def __init__(self, reset_after=True, z_convention="keep"):
        if z_convention not in Z_CONVENTIONS:
            raise ValueError(
                f"z_convention must be one of {sorted(Z_CONVENTIONS)}, got {z_convention!r}"
            )
        self.reset_after = bool(reset_after)
        self.z_convention = z_convention

    def bias_shape(self, units):
        return gru_bias_shape(units, self.reset_after)

    def describe(self):
        return f"a GRU with reset_after={self.reset_after}"

    def _kept(self, z):
        """The share of the previous state that survives the step."""
        return z if self.z_convention == "keep" else 1.0 - z

    @reference_function
    def step(self, params, x_t, state):
        W_x, W_h, b = params
        (h_prev,) = state
        units = h_prev.shape[1]
        act = self.activation_for
        if self.reset_after:
            x_z, x_r, x_h = split_blocks(x_t @ W_x + b[0], 3)
            h_z, h_r, h_h = split_blocks(h_prev @ W_h + b[1], 3)
            z, r = act("z", sigmoid)(x_z + h_z), act("r", sigmoid)(x_r + h_r)
            h_tilde = act("h_tilde", np.tanh)(x_h + r * h_h)
            reset_term = h_h  # what r multiplied
        else:
            x_z, x_r, x_h = split_blocks(x_t @ W_x + b, 3)
            h_z, h_r = split_blocks(h_prev @ W_h[:, : 2 * units], 2)
            z, r = act("z", sigmoid)(x_z + h_z), act("r", sigmoid)(x_r + h_r)
            reset_term = r * h_prev  # what W_hh multiplied
            h_tilde = act("h_tilde", np.tanh)(x_h + reset_term @ W_h[:, 2 * units :])
        kept = self._kept(z)
        h_next = kept * h_prev + (1.0 - kept) * h_tilde
        return (h_next,), (x_t, h_prev, z, r, h_tilde, reset_term)

    @reference_function
    def step_backward(self, params, cache, d_state):
        W_x, W_h, _ = params
        x_t, h_prev, z, r, h_tilde, reset_term = cache
        units = h_prev.shape[1]
        (dh,) = d_state
        kept = self._kept(z)
        d_kept = dh * (h_prev - h_tilde)
        dz = d_kept if self.z_convention == "keep" else -d_kept
        d_candidate = dh * (1.0 - kept) * (1.0 - h_tilde**2)  # gradient of h~'s pre-activation
        dh_prev = dh * kept
        if self.reset_after:
            dr = d_candidate * reset_term
            d_z, d_r = dz * z * (1 - z), dr * r * (1 - r)
            d_from_x = np.concatenate([d_z, d_r, d_candidate], axis=1)
            d_from_h = np.concatenate([d_z, d_r, d_candidate * r], axis=1)
            dh_prev = dh_prev + d_from_h @ W_h.T
            d_params = (
                x_t.T @ d_from_x,
                h_prev.T @ d_from_h,
                np.stack([d_from_x.sum(axis=0), d_from_h.sum(axis=0)]),
            )
        else:
            d_reset_term = d_candidate @ W_h[:, 2 * units :].T
            dr = d_reset_term * h_prev
            d_z, d_r = dz * z * (1 - z), dr * r * (1 - r)
            d_gates = np.concatenate([d_z, d_r], axis=1)
            d_from_x = np.concatenate([d_gates, d_candidate], axis=1)
            dh_prev = dh_prev + d_reset_term * r + d_gates @ W_h[:, : 2 * units].T
            d_params = (
                x_t.T @ d_from_x,
                np.concatenate([h_prev.T @ d_gates, reset_term.T @ d_candidate], axis=1),
                d_from_x.sum(axis=0),
            )
        return d_from_x @ W_x.T, (dh_prev,), d_params

    def gates(self, cache):
        return dict(zip(GRU_GATES, cache[2:5]))


@reference_function
def gru_cell_forward(x_t, h_prev, W_x, W_h, b, reset_after=True, z_convention="keep"):
    """One GRU step.

    Args:
        x_t: inputs at this step, shape (batch, features).
        h_prev: previous hidden state, shape (batch, units).
        W_x: input weights, shape (features, 3*units), gate blocks z, r, h~.
        W_h: recurrent weights, shape (units, 3*units), same block order.
        b: bias, (2, 3*units) when reset_after (row 0 input, row 1 recurrent bias), else (3*units,).
        reset_after: apply the reset gate after the recurrent matmul (PyTorch, Keras default).
        z_convention: "keep" (z keeps the old state, frameworks) or "update" (the notes).

    Returns:
        (h_next, gates): the new state (batch, units) and {"z", "r", "h_tilde"}, each (batch,
        units).
    """
    cell = GRUCell(reset_after, z_convention)
    params = cell.validated_params(W_x, W_h, b)
    x_t = as_float_array("x_t", x_t, 2)
    h_prev = as_float_array("h_prev", h_prev, 2)
    require_dims(
        {
            "features": [("x_t", 1, x_t.shape[1]), ("W_x", 0, params[0].shape[0])],
            "units": [("h_prev", 1, h_prev.shape[1]), ("W_h", 0, params[1].shape[0])],
            "batch": [("x_t", 0, x_t.shape[0]), ("h_prev", 0, h_prev.shape[0])],
        }
    )
    (h_next,), cache = cell.step(params, x_t, (h_prev,))
    return h_next, cell.gates(cache)


@reference_function
def gru_forward(x, h0, W_x, W_h, b, reset_after=True, z_convention="keep", lengths=None):
    """Run the GRU over a batch of sequences.

    Args:
        x: inputs, shape (batch, time, features).
        h0: initial state (batch, units), or None for zeros.
        W_x, W_h, b, reset_after, z_convention: as in ``gru_cell_forward``.
        lengths: optional per-example lengths (batch,); see ``rnn_forward``.

    Returns:
        (h_all, h_last): shapes (batch, time, units) and (batch, units).
    """
    cell = GRUCell(reset_after, z_convention)
    x, params, state = validated_inputs(cell, x, (W_x, W_h, b), (h0,))
    unrolled = unroll(cell, x, params, state, lengths)
    return unrolled.outputs, unrolled.final[0]


@reference_function
def gru_backward(
    x,
    h0,
    W_x,
    W_h,
    b,
    dh_all,
    dh_last=None,
    reset_after=True,
    z_convention="keep",
    lengths=None,
    truncate=None,
):
    """Backpropagation through time for the GRU.

    Returns:
        dict {"x", "h0", "W_x", "W_h", "b"} of gradients shaped like those arguments.
    """
    return sequence_gradients(
        GRUCell(reset_after, z_convention),
        x,
        (W_x, W_h, b),
        (h0,),
        dh_all,
        (dh_last,),
        lengths,
        truncate,
    )


@reference_function
def gru_gate_history(x, h0, W_x, W_h, b, reset_after=True, z_convention="keep", lengths=None):
    """Every gate at every step: dict {"z", "r", "h_tilde", "h"} of arrays (batch, time, units)."""
    return gate_history(GRUCell(reset_after, z_convention), x, (W_x, W_h, b), (h0,), lengths)


@reference_function
def gru_gradient_norms_per_step(
    x, h0, W_x, W_h, b, reset_after=True, z_convention="keep", lengths=None
):
    """||dh_T / dh_t|| for every step, shape (batch, time); see ``gradient_norms_per_step``."""
    cell = GRUCell(reset_after, z_convention)
    x, params, state = validated_inputs(cell, x, (W_x, W_h, b), (h0,))
    return jacobian_norms(cell, x, params, state, lengths)
