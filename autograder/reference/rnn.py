"""Vanilla (Elman) RNN in float64 numpy: the answer key for chapters 1-2, ps01 and ps02.

Shapes follow ``autograder.conventions``: x (batch, time, features), W_x (features, units),
W_h (units, units), b (units,), states (batch, units).
"""

from ._cell import Cell
from ._engine import jacobian_norms, sequence_gradients, unroll, validated_inputs
from ._guard import reference_function
from ._inputs import as_float_array, require_dims
from .activations import DERIVATIVES
from .activations import activation as activation_named


class RNNCell(Cell):
    """h_next = f(x_t @ W_x + h_prev @ W_h + b), f one of tanh (default), sigmoid, relu."""

    kind = "rnn"

    def __init__(self, activation="tanh"):
        activation_named(activation)  # fail early on an unknown name
        self.activation = activation

    @reference_function
    def step(self, params, x_t, state):
        W_x, W_h, b = params
        pre_activation = x_t @ W_x + state[0] @ W_h + b
        f = self.activation_for("h", activation_named(self.activation))
        return (f(pre_activation),), (x_t, state[0], pre_activation)

    @reference_function
    def step_backward(self, params, cache, d_state):
        W_x, W_h, _ = params
        x_t, h_prev, pre_activation = cache
        d_pre = d_state[0] * DERIVATIVES[self.activation](pre_activation)
        return d_pre @ W_x.T, (d_pre @ W_h.T,), (x_t.T @ d_pre, h_prev.T @ d_pre, d_pre.sum(axis=0))


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
    cell = RNNCell(activation)
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
    return cell.step(params, x_t, (h_prev,))[0][0]


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
    cell = RNNCell(activation)
    x, params, state = validated_inputs(cell, x, (W_x, W_h, b), (h0,))
    unrolled = unroll(cell, x, params, state, lengths)
    return unrolled.outputs, unrolled.final[0]


@reference_function
def rnn_backward(
    x, h0, W_x, W_h, b, dh_all, dh_last=None, activation="tanh", lengths=None, truncate=None
):
    """Backpropagation through time for the vanilla RNN (ps02's ``rnn_backward``).

    The loss is any function of the states; the caller gives its gradient with respect to
    every state (``dh_all``) and, optionally, to the final state returned separately.

    Args:
        x, h0, W_x, W_h, b, activation, lengths: as in ``rnn_forward`` (h0 None means zeros).
        dh_all: dL/dh_all, shape (batch, time, units).
        dh_last: optional dL/dh_last, shape (batch, units).
        truncate: None for full BPTT, or K to let each step's loss term reach back K steps.

    Returns:
        dict of gradients with the shapes of the arguments they belong to:
        {"x": (batch, time, features), "h0": (batch, units), "W_x": (features, units),
         "W_h": (units, units), "b": (units,)}.
    """
    cell = RNNCell(activation)
    return sequence_gradients(cell, x, (W_x, W_h, b), (h0,), dh_all, (dh_last,), lengths, truncate)


@reference_function
def gradient_norms_per_step(x, h0, W_x, W_h, b, activation="tanh", lengths=None):
    """||dh_T / dh_t|| for every step t: how strongly the final state depends on each state.

    Row-vector states make one step's Jacobian diag(f'(a_t)) @ W_h.T, so the product over
    steps shrinks or grows geometrically with the distance T - t (the seeds' vanishing-gradient
    theorem). The norm is Frobenius (``conventions.JACOBIAN_NORM``).

    Args:
        x, h0, W_x, W_h, b, activation, lengths: as in ``rnn_forward``.

    Returns:
        norms of shape (batch, time): norms[n, t] = ||d h_last[n] / d h_all[n, t]||, so the last
        column is ||I|| = sqrt(units).
    """
    cell = RNNCell(activation)
    x, params, state = validated_inputs(cell, x, (W_x, W_h, b), (h0,))
    return jacobian_norms(cell, x, params, state, lengths)
