"""Whole recurrent layers for any cell: one direction, both directions, and stacks of layers.

``cell`` is an ``RNNCell``, ``LSTMCell`` or ``GRUCell`` (or the name "rnn", "lstm", "gru" for
the default options). ``params`` is the tuple (W_x, W_h, b) in the cell's reference layout and
an initial state is a tuple of arrays, (h0,) or (h0, c0), or None for zeros.

Multi-layer and bidirectional results use PyTorch's layout: outputs (batch, time, units * 2)
with the forward half first when the directions are concatenated, and final states of shape
(layers * directions, batch, units), index ``layer * directions + direction``.
"""

import numpy as np

from ..conventions import MERGE_MODES
from . import _engine
from ._guard import reference_function
from ._inputs import as_float_array
from .gru import GRUCell
from .lstm import LSTMCell
from .rnn import RNNCell

_CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}


def as_cell(cell):
    """A cell object from a cell object or one of the names "rnn", "lstm", "gru"."""
    if isinstance(cell, str):
        try:
            return _CELLS[cell]()
        except KeyError:
            raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(_CELLS)}") from None
    if not isinstance(cell, tuple(_CELLS.values())):
        raise TypeError(f"cell must be an RNNCell, LSTMCell or GRUCell, got {type(cell).__name__}")
    return cell


@reference_function
def recurrent_forward(cell, x, params, initial_state=None, lengths=None, reverse=False):
    """One recurrent layer over a batch of sequences.

    Args:
        cell: the cell (see the module docstring).
        x: inputs (batch, time, features).
        params: (W_x, W_h, b) in the cell's reference layout.
        initial_state: (h0,) or (h0, c0), each (batch, units), or None for zeros.
        lengths: optional per-example lengths (batch,).
        reverse: read each sequence backwards (within its own length), as the backward half of
            a bidirectional layer does; the outputs are put back in the original time order.

    Returns:
        (outputs, final_state): outputs (batch, time, units), 0 on padding; final_state a tuple
        like the initial state, taken at each example's own last step.
    """
    cell = as_cell(cell)
    x, params, state = _engine.validated_inputs(cell, x, params, initial_state)
    if reverse:
        x = _engine.reverse_within_lengths(x, lengths)
    unrolled = _engine.unroll(cell, x, params, state, lengths)
    outputs = (
        _engine.reverse_within_lengths(unrolled.outputs, lengths) if reverse else unrolled.outputs
    )
    return outputs, unrolled.final


@reference_function
def recurrent_backward(
    cell, x, params, d_outputs, initial_state=None, d_final=None, lengths=None, truncate=None
):
    """BPTT through one recurrent layer (forward direction).

    Args:
        d_outputs: dL/d outputs, (batch, time, units).
        d_final: optional gradients with respect to the final states, a tuple like the state.
        truncate: None for full BPTT, or K: each step's loss term reaches back K steps at most.
        The other arguments are those of ``recurrent_forward``.

    Returns:
        dict of gradients: "x", "h0" (and "c0" for the LSTM), "W_x", "W_h", "b".
    """
    cell = as_cell(cell)
    initial_state = (None,) * len(cell.state_names) if initial_state is None else initial_state
    d_final = (None,) * len(cell.state_names) if d_final is None else d_final
    return _engine.sequence_gradients(
        cell, x, params, initial_state, d_outputs, d_final, lengths, truncate
    )


@reference_function
def gate_history(cell, x, params, initial_state=None, lengths=None):
    """Gates and states at every step, dict name -> (batch, time, units); see
    ``lstm_gate_history``.
    """
    return _engine.gate_history(as_cell(cell), x, params, initial_state, lengths)


@reference_function
def state_gradient_norms(cell, x, params, initial_state=None, lengths=None, wrt="h"):
    """||d h_T / d s_t|| for every step t, s = h or (LSTM only) c; shape (batch, time)."""
    cell = as_cell(cell)
    x, params, state = _engine.validated_inputs(cell, x, params, initial_state)
    if wrt not in cell.state_names:
        raise ValueError(
            f"wrt must be one of {cell.state_names} for {cell.describe()}, got {wrt!r}"
        )
    return _engine.jacobian_norms(cell, x, params, state, lengths, wrt=cell.state_names.index(wrt))


@reference_function
def merge_directions(forward, backward, merge="concat"):
    """Combine the two directions' outputs as Keras's Bidirectional does (PyTorch: concat)."""
    if merge == "concat":
        return np.concatenate([forward, backward], axis=-1)
    if merge == "sum":
        return forward + backward
    if merge == "mul":
        return forward * backward
    if merge == "ave":
        return (forward + backward) / 2
    raise ValueError(f"merge must be one of {MERGE_MODES}, got {merge!r}")


@reference_function
def bidirectional_forward(
    cell, x, forward_params, backward_params, initial_state=None, lengths=None, merge="concat"
):
    """A bidirectional layer: one pass forwards, one backwards, outputs merged per step.

    Args:
        forward_params, backward_params: (W_x, W_h, b) of each direction.
        initial_state: (h0,) or (h0, c0), each (2, batch, units) -- forward first -- or None.
        merge: "concat" (forward half first), "sum", "mul" or "ave".
        The other arguments are those of ``recurrent_forward``.

    Returns:
        (outputs, h_n) or, for the LSTM, (outputs, h_n, c_n): outputs (batch, time, 2*units) for
        concat and (batch, time, units) otherwise; each final state (2, batch, units).
    """
    return stacked_forward(
        cell, x, [(forward_params, backward_params)], initial_state, lengths, merge
    )


@reference_function
def stacked_forward(cell, x, layers, initial_state=None, lengths=None, merge="concat"):
    """A stack of recurrent layers, each reading the (merged) outputs of the one below.

    Args:
        cell: the cell, shared by every layer.
        x: inputs (batch, time, features).
        layers: a list with one entry per layer, each a list of one (W_x, W_h, b) per direction:
            ``[[p]]`` for one unidirectional layer, ``[[p_fwd, p_bwd], ...]`` for bidirectional
            ones (PyTorch's weight_ih_l{k} and weight_ih_l{k}_reverse). Layer k > 0 reads
            units * 2 features when the layer below concatenates two directions.
        initial_state: (h0,) or (h0, c0), each (layers * directions, batch, units), or None.
        lengths: optional per-example lengths (batch,).
        merge: how a bidirectional layer combines its directions (see ``merge_directions``).

    Returns:
        (outputs, h_n) or, for the LSTM, (outputs, h_n, c_n): the top layer's outputs and the
        final states of every layer and direction, each (layers * directions, batch, units).
    """
    cell = as_cell(cell)
    directions = _directions(layers)
    if initial_state is not None:
        initial_state = tuple(
            as_float_array(f"{name}0", s, 3) for name, s in zip(cell.state_names, initial_state)
        )
        for name, s in zip(cell.state_names, initial_state):
            if s.shape[0] != len(layers) * directions:
                raise ValueError(
                    f"{name}0 has {s.shape[0]} rows on axis 0, expected layers * directions = "
                    f"{len(layers) * directions}"
                )
    finals = []
    inputs = x
    for k, layer in enumerate(layers):
        outputs = []
        for d, params in enumerate(layer):
            row = k * directions + d
            state = None if initial_state is None else tuple(s[row] for s in initial_state)
            out, final = recurrent_forward(cell, inputs, params, state, lengths, reverse=d == 1)
            outputs.append(out)
            finals.append(final)
        inputs = outputs[0] if directions == 1 else merge_directions(*outputs, merge)
    return (inputs,) + tuple(np.stack(states) for states in zip(*finals))


def _directions(layers):
    counts = {len(layer) for layer in layers}
    if not layers or len(counts) != 1 or not counts <= {1, 2}:
        raise ValueError(
            "layers must be a non-empty list of per-layer lists holding one (forward) or two "
            f"(forward, backward) parameter tuples each, got directions {sorted(counts)}"
        )
    return counts.pop()
