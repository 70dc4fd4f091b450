"""Vanilla (Elman) RNN in float64 numpy: the answer key for chapter 1 and ps01.

Shapes follow ``autograder.conventions``: x (batch, time, features), W_x (features, units),
W_h (units, units), b (units,), states (batch, units).
"""

import numpy as np

from ._guard import reference_function
from ._inputs import as_float_array, require_dims
from .activations import activation as activation_named


def _validated_params(W_x, W_h, b):
    W_x = as_float_array("W_x", W_x, 2)
    W_h = as_float_array("W_h", W_h, 2)
    b = as_float_array("b", b, 1)
    require_dims({"units": [("W_x", 1, W_x.shape[1]), ("W_h", 0, W_h.shape[0]),
                            ("W_h", 1, W_h.shape[1]), ("b", 0, b.shape[0])]})
    return W_x, W_h, b


def _step(x_t, h_prev, W_x, W_h, b, f):
    return f(x_t @ W_x + h_prev @ W_h + b)


@reference_function
def rnn_cell_forward(x_t, h_prev, W_x, W_h, b, activation="tanh"):
    """One step: h_next = f(x_t @ W_x + h_prev @ W_h + b).

    Args:
        x_t: inputs at this step, shape (batch, features).
        h_prev: previous hidden state, shape (batch, units).
        W_x: input weights, shape (features, units).
        W_h: recurrent weights, shape (units, units).
        b: bias, shape (units,).
        activation: "tanh" (default), "sigmoid" or "relu".

    Returns:
        h_next of shape (batch, units).
    """
    W_x, W_h, b = _validated_params(W_x, W_h, b)
    x_t = as_float_array("x_t", x_t, 2)
    h_prev = as_float_array("h_prev", h_prev, 2)
    require_dims({"features": [("x_t", 1, x_t.shape[1]), ("W_x", 0, W_x.shape[0])],
                  "units": [("h_prev", 1, h_prev.shape[1]), ("W_h", 0, W_h.shape[0])],
                  "batch": [("x_t", 0, x_t.shape[0]), ("h_prev", 0, h_prev.shape[0])]})
    return _step(x_t, h_prev, W_x, W_h, b, activation_named(activation))


@reference_function
def rnn_forward(x, h0, W_x, W_h, b, activation="tanh", lengths=None):
    """Run the RNN over a whole batch of sequences.

    Args:
        x: inputs, shape (batch, time, features).
        h0: initial state, shape (batch, units), or None for zeros.
        W_x, W_h, b: as in ``rnn_cell_forward``.
        activation: "tanh" (default), "sigmoid" or "relu".
        lengths: optional per-example lengths, shape (batch,). Steps at or beyond an example's
            length are padding: its state stops updating, its output there is 0, and its final
            state is the one at its own last step (what PyTorch's packed sequences return).

    Returns:
        (h_all, h_last): every step's state, shape (batch, time, units), and the final state,
        shape (batch, units).
    """
    W_x, W_h, b = _validated_params(W_x, W_h, b)
    x = as_float_array("x", x, 3)
    batch, time, _ = x.shape
    units = W_h.shape[0]
    h = np.zeros((batch, units)) if h0 is None else as_float_array("h0", h0, 2)
    require_dims({"features": [("x", 2, x.shape[2]), ("W_x", 0, W_x.shape[0])],
                  "units": [("h0", 1, h.shape[1]), ("W_h", 0, units)],
                  "batch": [("x", 0, batch), ("h0", 0, h.shape[0])]})
    active = _active_steps(lengths, batch, time)
    f = activation_named(activation)
    h_all = np.zeros((batch, time, units))
    for t in range(time):
        h_new = _step(x[:, t], h, W_x, W_h, b, f)
        h = np.where(active[:, t, None], h_new, h)
        h_all[:, t] = np.where(active[:, t, None], h, 0.0)
    return h_all, h


def _active_steps(lengths, batch, time):
    """Boolean mask (batch, time): True where a step belongs to the example, not its padding."""
    if lengths is None:
        return np.ones((batch, time), dtype=bool)
    lengths = np.asarray(lengths)
    if lengths.shape != (batch,) or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(f"lengths must be integers of shape ({batch},), got {lengths.dtype} {lengths.shape}")
    if lengths.min() < 1 or lengths.max() > time:
        raise ValueError(f"lengths must lie in 1..{time}, got {lengths.tolist()}")
    return np.arange(time)[None, :] < lengths[:, None]
