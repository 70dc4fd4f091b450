"""Reference weights <-> Keras 3 recurrent layers (SimpleRNN, LSTM, GRU, their cells,
Bidirectional).

Layout Keras expects (``layer.get_weights()``):

    kernel            (features, G*units)   x_t @ kernel: the reference W_x as it is
    recurrent_kernel  (units, G*units)      the reference W_h as it is
    bias              (G*units,)            one bias; G = 1 SimpleRNN, 4 LSTM, 3 GRU
                      (2, 3*units)          GRU with reset_after=True: input row, recurrent row

with the gate blocks in Keras's order (i, f, c, o and z, r, h), which the reference adopted, so
converting only checks shapes and casts: the reordering call is kept, as an identity, so that the
order is stated in one place (``autograder.conventions``). A Bidirectional layer holds two such
layers, ``forward_layer`` and ``backward_layer``; a stack is a list of layers, each but the last
with ``return_sequences=True``.
"""

import numpy as np

from ..conventions import BLOCKS
from ..reference._guard import reference_function
from ._shapes import reference_sizes, reorder_gates, require_shape


def _cell_of(layer):
    """The layer's cell (a keras RNN layer wraps one), or the layer itself when it is a cell."""
    return getattr(layer, "cell", layer)


def _kind(layer):
    name = type(_cell_of(layer)).__name__
    kinds = {"SimpleRNNCell": "rnn", "LSTMCell": "lstm", "GRUCell": "gru"}
    if name not in kinds:
        raise TypeError(
            f"expected a Keras SimpleRNN, LSTM or GRU layer or cell, got {type(layer).__name__}"
        )
    return kinds[name]


def _activation_name(function):
    return getattr(function, "__name__", str(function))


def _bias_shape(layer, units):
    cell = _cell_of(layer)
    if _kind(layer) == "gru" and cell.reset_after:
        return (2, 3 * units)
    return (BLOCKS[_kind(layer)] * units,)


@reference_function
def reference_cell_for_keras(layer):
    """The reference cell that computes what a Keras SimpleRNN/LSTM/GRU layer (or cell) computes."""
    from ..reference import GRUCell, LSTMCell, RNNCell

    cell, kind = _cell_of(layer), _kind(layer)
    if kind == "rnn":
        return RNNCell(_activation_name(cell.activation))
    gate_functions = (
        _activation_name(cell.activation),
        _activation_name(cell.recurrent_activation),
    )
    if gate_functions != ("tanh", "sigmoid"):
        raise ValueError(
            f"the reference {kind.upper()} uses tanh and sigmoid, this layer {gate_functions}"
        )
    return (
        LSTMCell() if kind == "lstm" else GRUCell(reset_after=cell.reset_after, z_convention="keep")
    )


@reference_function
def from_keras(layer):
    """Return (W_x, W_h, b) in float64 reference layout from a built SimpleRNN/LSTM/GRU layer or
    cell.

    b is (G*units,), or (2, 3*units) for a GRU with reset_after=True; zeros if use_bias=False.
    """
    kind = _kind(layer)
    weights = [np.asarray(w, dtype=np.float64) for w in _cell_of(layer).get_weights()]
    if not weights:
        raise ValueError(
            "the layer has no weights yet: call it on an input once (or build it) first"
        )
    kernel, recurrent = weights[:2]
    bias = weights[2] if len(weights) > 2 else np.zeros(_bias_shape(layer, recurrent.shape[0]))
    return tuple(reorder_gates(w, kind, "keras", "reference") for w in (kernel, recurrent, bias))


@reference_function
def to_keras(layer, W_x, W_h, b):
    """Copy reference weights into a built SimpleRNN/LSTM/GRU layer or cell (in place); return it.

    Args:
        layer: the Keras layer or cell, weights built, use_bias=True.
        W_x: (features, G*units); W_h: (units, G*units), gate blocks in reference order.
        b: (G*units,), or (2, 3*units) for a GRU with reset_after=True.
    """
    kind = _kind(layer)
    cell = _cell_of(layer)
    features, units = reference_sizes(kind, W_x, W_h, b, lambda u: _bias_shape(layer, u))
    current = cell.get_weights()
    if len(current) != 3:
        raise ValueError("the layer must be built and have use_bias=True")
    values = [reorder_gates(w, kind, "reference", "keras") for w in (W_x, W_h, b)]
    for name, old, new in zip(("kernel", "recurrent_kernel", "bias"), current, values):
        require_shape(f"layer {name}", np.zeros(old.shape), new.shape)
    cell.set_weights([v.astype(old.dtype) for v, old in zip(values, current)])
    return layer


@reference_function
def from_keras_bidirectional(layer):
    """Return (forward_params, backward_params), each (W_x, W_h, b), from a built Bidirectional
    layer.
    """
    return from_keras(layer.forward_layer), from_keras(layer.backward_layer)


@reference_function
def to_keras_bidirectional(layer, forward_params, backward_params):
    """Copy (W_x, W_h, b) for each direction into a built Bidirectional layer; return it."""
    to_keras(layer.forward_layer, *forward_params)
    to_keras(layer.backward_layer, *backward_params)
    return layer


@reference_function
def params_from_keras(layers):
    """Weights of a list of stacked layers in ``stacked_forward``'s layout (per layer, per
    direction).
    """
    return [
        (
            list(from_keras_bidirectional(layer))
            if hasattr(layer, "forward_layer")
            else [from_keras(layer)]
        )
        for layer in layers
    ]


@reference_function
def params_to_keras(layers, params):
    """Copy ``stacked_forward``-layout weights into a list of built stacked layers; return the
    list.
    """
    if len(layers) != len(params):
        raise ValueError(f"{len(layers)} Keras layers but weights for {len(params)}")
    for layer, directions in zip(layers, params):
        if hasattr(layer, "forward_layer"):
            to_keras_bidirectional(layer, *directions)
        else:
            (single,) = directions
            to_keras(layer, *single)
    return layers


@reference_function
def to_keras_simple_rnn(layer, W_x, W_h, b):
    """Copy reference weights W_x (features, units), W_h (units, units), b (units,) into a built
    SimpleRNN.
    """
    _require_kind(layer, "rnn")
    return to_keras(layer, W_x, W_h, b)


@reference_function
def from_keras_simple_rnn(layer):
    """Return (W_x, W_h, b) in float64 from a built ``keras.layers.SimpleRNN``."""
    _require_kind(layer, "rnn")
    return from_keras(layer)


@reference_function
def to_keras_lstm(layer, W_x, W_h, b):
    """Copy reference LSTM weights (features, 4u), (u, 4u), (4u,) -- gates i, f, c~, o -- into a
    built LSTM.
    """
    _require_kind(layer, "lstm")
    return to_keras(layer, W_x, W_h, b)


@reference_function
def from_keras_lstm(layer):
    """Return reference (W_x, W_h, b) from a built ``keras.layers.LSTM`` (or LSTMCell)."""
    _require_kind(layer, "lstm")
    return from_keras(layer)


@reference_function
def to_keras_gru(layer, W_x, W_h, b):
    """Copy reference GRU weights into a built GRU: b (2, 3u) if ``reset_after`` else (3u,); gates
    z, r, h~.
    """
    _require_kind(layer, "gru")
    return to_keras(layer, W_x, W_h, b)


@reference_function
def from_keras_gru(layer):
    """Return reference (W_x, W_h, b) from a built ``keras.layers.GRU``; b's shape follows
    ``reset_after``.
    """
    _require_kind(layer, "gru")
    return from_keras(layer)


def _require_kind(layer, kind):
    if _kind(layer) != kind:
        raise TypeError(f"expected a Keras {kind.upper()} layer, got {type(layer).__name__}")
