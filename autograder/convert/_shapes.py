"""Shape assertions and gate reordering shared by the converters."""

import numpy as np

from ..conventions import BLOCKS, framework_gate_order


def require_shape(name, array, shape):
    array = np.asarray(array, dtype=np.float64)
    if array.shape != tuple(shape):
        raise ValueError(f"{name} has shape {array.shape}, expected {tuple(shape)}")
    return array


def rnn_sizes(W_x, W_h, b):
    """(features, units) of reference RNN weights, after checking they fit together."""
    features, units = np.shape(W_x)
    require_shape("W_h", W_h, (units, units))
    require_shape("b", b, (units,))
    return features, units


def reference_sizes(cell, W_x, W_h, b, bias_shape):
    """(features, units) of reference weights for ``cell`` ("rnn", "lstm", "gru"), shapes checked.

    ``bias_shape(units)`` gives the bias shape the target expects.
    """
    if np.ndim(W_h) != 2 or np.ndim(W_x) != 2:
        raise ValueError(f"W_x and W_h must be 2-D, got shapes {np.shape(W_x)} and {np.shape(W_h)}")
    units = np.shape(W_h)[0]
    width = BLOCKS[cell] * units
    features = np.shape(W_x)[0]
    require_shape("W_x", W_x, (features, width))
    require_shape("W_h", W_h, (units, width))
    require_shape("b", b, bias_shape(units))
    return features, units


def reorder_gates(array, cell, source, target, axis=-1):
    """Rearrange the gate blocks along ``axis`` from ``source``'s order into ``target``'s.

    ``source`` and ``target`` are "reference", "keras" or "torch"; the orders themselves live in
    ``autograder.conventions`` (reference = Keras: i, f, c~, o and z, r, h~; PyTorch: i, f, g, o
    and r, z, n). The vanilla RNN has a single block, so nothing moves.
    """
    if cell == "rnn":
        return np.asarray(array, dtype=np.float64)
    order = {
        name: framework_gate_order("keras" if name == "reference" else name, cell)
        for name in (source, target)
    }
    blocks = dict(
        zip(order[source], np.split(np.asarray(array, dtype=np.float64), BLOCKS[cell], axis=axis))
    )
    return np.concatenate([blocks[gate] for gate in order[target]], axis=axis)
