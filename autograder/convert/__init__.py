"""Converters between the reference layout (``autograder.conventions``) and Keras / PyTorch.

Each converter states the layout it expects, transposes and reorders explicitly, and checks
shapes before copying anything. Importing this package imports neither framework; the
converters import them when called.
"""

from .keras_layers import (
    from_keras,
    from_keras_bidirectional,
    from_keras_gru,
    from_keras_lstm,
    from_keras_simple_rnn,
    params_from_keras,
    params_to_keras,
    reference_cell_for_keras,
    to_keras,
    to_keras_bidirectional,
    to_keras_gru,
    to_keras_lstm,
    to_keras_simple_rnn,
)
from .torch_modules import (
    from_torch,
    from_torch_gru,
    from_torch_lstm,
    from_torch_rnn,
    params_from_torch,
    params_to_torch,
    reference_cell_for_torch,
    to_torch,
    to_torch_gru,
    to_torch_lstm,
    to_torch_rnn,
)
