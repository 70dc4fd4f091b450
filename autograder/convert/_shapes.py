"""Shape assertions shared by the converters."""

import numpy as np


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
