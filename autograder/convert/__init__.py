"""Converters between the reference layout (``autograder.conventions``) and Keras / PyTorch.

Each converter states the layout it expects, transposes and reorders explicitly, and checks
shapes before copying anything.
"""

from .keras_layers import from_keras_simple_rnn, to_keras_simple_rnn
from .torch_modules import from_torch_rnn, to_torch_rnn
