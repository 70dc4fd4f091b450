"""Reference weights <-> Keras 3 recurrent layers.

Keras stores ``kernel`` (features, units), ``recurrent_kernel`` (units, units) and one ``bias``
(units,), and computes ``x_t @ kernel + h @ recurrent_kernel + bias``: the reference layout
itself, so no transpose is needed for the vanilla RNN.
"""

import numpy as np

from ._shapes import require_shape, rnn_sizes


def to_keras_simple_rnn(layer, W_x, W_h, b):
    """Copy reference weights into a built ``keras.layers.SimpleRNN``.

    Args:
        layer: a SimpleRNN whose weights exist (call it once, or ``layer.build``).
        W_x: (features, units); W_h: (units, units); b: (units,).
    """
    features, units = rnn_sizes(W_x, W_h, b)
    kernel, recurrent, bias = (w.shape for w in layer.get_weights())
    require_shape("layer kernel", np.zeros(kernel), (features, units))
    require_shape("layer recurrent_kernel", np.zeros(recurrent), (units, units))
    require_shape("layer bias", np.zeros(bias), (units,))
    layer.set_weights([np.asarray(W_x), np.asarray(W_h), np.asarray(b)])
    return layer


def from_keras_simple_rnn(layer):
    """Return (W_x, W_h, b) in float64 from a built ``keras.layers.SimpleRNN``."""
    kernel, recurrent, bias = layer.get_weights()
    return kernel.astype(np.float64), recurrent.astype(np.float64), bias.astype(np.float64)
