"""LSTM in float64 numpy: the answer key for chapter 3 and ps03.

Reference layout (``autograder.conventions``): the four gate blocks sit side by side in Keras's
order i, f, c~, o, so W_x is (features, 4*units), W_h (units, 4*units) and b (4*units,).
One step, with row-vector states:

    a = x_t @ W_x + h_prev @ W_h + b            split into a_i, a_f, a_c, a_o
    i = sigmoid(a_i)   f = sigmoid(a_f)   c~ = tanh(a_c)   o = sigmoid(a_o)
    c_next = f * c_prev + i * c~
    h_next = o * tanh(c_next)
"""

import numpy as np

from ..conventions import LSTM_GATES
from ._cell import Cell, split_blocks
from ._engine import gate_history, jacobian_norms, sequence_gradients, unroll, validated_inputs
from ._guard import reference_function
from ._inputs import as_float_array, require_dims
from .activations import sigmoid


class LSTMCell(Cell):
    kind = "lstm"
    state_names = ("h", "c")

    @reference_function
    def step(self, params, x_t, state):
        W_x, W_h, b = params
        h_prev, c_prev = state
        a_i, a_f, a_c, a_o = split_blocks(x_t @ W_x + h_prev @ W_h + b, 4)
        act = self.activation_for
        i, f = act("i", sigmoid)(a_i), act("f", sigmoid)(a_f)
        c_tilde, o = act("c_tilde", np.tanh)(a_c), act("o", sigmoid)(a_o)
        c_next = f * c_prev + i * c_tilde
        tanh_c = act("c", np.tanh)(c_next)
        cache = (x_t, h_prev, c_prev, i, f, c_tilde, o, tanh_c)
        return (o * tanh_c, c_next), cache

    @reference_function
    def step_backward(self, params, cache, d_state):
        W_x, W_h, _ = params
        x_t, h_prev, c_prev, i, f, c_tilde, o, tanh_c = cache
        dh, dc = d_state
        dc = dc + dh * o * (1 - tanh_c**2)  # c_next reaches the loss directly and through h_next
        d_pre = np.concatenate(
            [
                dc * c_tilde * i * (1 - i),  # a_i
                dc * c_prev * f * (1 - f),  # a_f
                dc * i * (1 - c_tilde**2),  # a_c
                dh * tanh_c * o * (1 - o),
            ],  # a_o
            axis=1,
        )
        d_params = (x_t.T @ d_pre, h_prev.T @ d_pre, d_pre.sum(axis=0))
        return d_pre @ W_x.T, (d_pre @ W_h.T, dc * f), d_params

    def gates(self, cache):
        return dict(zip(LSTM_GATES, cache[3:7]))


@reference_function
def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):
    """One LSTM step.

    Args:
        x_t: inputs at this step, shape (batch, features).
        h_prev, c_prev: previous hidden and cell states, each (batch, units).
        W_x: input weights, shape (features, 4*units), gate blocks i, f, c~, o.
        W_h: recurrent weights, shape (units, 4*units), same block order.
        b: bias, shape (4*units,), same block order.

    Returns:
        (h_next, c_next, gates): the new states, each (batch, units), and a dict of the gate
        values {"i", "f", "c_tilde", "o"}, each (batch, units).
    """
    cell = LSTMCell()
    params = cell.validated_params(W_x, W_h, b)
    x_t = as_float_array("x_t", x_t, 2)
    h_prev = as_float_array("h_prev", h_prev, 2)
    c_prev = as_float_array("c_prev", c_prev, 2)
    require_dims(
        {
            "features": [("x_t", 1, x_t.shape[1]), ("W_x", 0, params[0].shape[0])],
            "units": [
                ("h_prev", 1, h_prev.shape[1]),
                ("c_prev", 1, c_prev.shape[1]),
                ("W_h", 0, params[1].shape[0]),
            ],
            "batch": [
                ("x_t", 0, x_t.shape[0]),
                ("h_prev", 0, h_prev.shape[0]),
                ("c_prev", 0, c_prev.shape[0]),
            ],
        }
    )
    (h_next, c_next), cache = cell.step(params, x_t, (h_prev, c_prev))
    return h_next, c_next, cell.gates(cache)


@reference_function
def lstm_forward(x, h0, c0, W_x, W_h, b, lengths=None):
    """Run the LSTM over a batch of sequences.

    Args:
        x: inputs, shape (batch, time, features).
        h0, c0: initial states, each (batch, units), or None for zeros.
        W_x, W_h, b: as in ``lstm_cell_forward``.
        lengths: optional per-example lengths (batch,); see ``rnn_forward``.

    Returns:
        (h_all, h_last, c_last): shapes (batch, time, units), (batch, units), (batch, units).
    """
    cell = LSTMCell()
    x, params, state = validated_inputs(cell, x, (W_x, W_h, b), (h0, c0))
    unrolled = unroll(cell, x, params, state, lengths)
    return (unrolled.outputs,) + unrolled.final


@reference_function
def lstm_backward(
    x, h0, c0, W_x, W_h, b, dh_all, dh_last=None, dc_last=None, lengths=None, truncate=None
):
    """Backpropagation through time for the LSTM.

    Args:
        x, h0, c0, W_x, W_h, b, lengths: as in ``lstm_forward``.
        dh_all: dL/dh_all, shape (batch, time, units).
        dh_last, dc_last: optional dL/dh_last and dL/dc_last, each (batch, units).
        truncate: None for full BPTT, or K (see ``rnn_backward``).

    Returns:
        dict {"x", "h0", "c0", "W_x", "W_h", "b"} of gradients shaped like those arguments.
    """
    return sequence_gradients(
        LSTMCell(), x, (W_x, W_h, b), (h0, c0), dh_all, (dh_last, dc_last), lengths, truncate
    )


@reference_function
def lstm_gate_history(x, h0, c0, W_x, W_h, b, lengths=None):
    """Every gate at every step, for plotting gate dynamics.

    Returns:
        dict {"i", "f", "c_tilde", "o", "c", "h"} of arrays (batch, time, units): the gates, the
        cell state after each step and the hidden state after each step (0 on padding).
    """
    return gate_history(LSTMCell(), x, (W_x, W_h, b), (h0, c0), lengths)


@reference_function
def lstm_gradient_norms_per_step(x, h0, c0, W_x, W_h, b, wrt="c", lengths=None):
    """||dh_T / dc_t|| (wrt="c", the cell-state highway) or ||dh_T / dh_t|| (wrt="h"), shape (batch,
    time).
    """
    cell = LSTMCell()
    x, params, state = validated_inputs(cell, x, (W_x, W_h, b), (h0, c0))
    return jacobian_norms(cell, x, params, state, lengths, wrt=cell.state_names.index(wrt))
