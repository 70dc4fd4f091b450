"""Float64 numpy reference implementations: the single source of truth for every formula."""

from ._guard import ReferenceUsedError
from .activations import ACTIVATIONS, DERIVATIVES, relu, sigmoid
from .rnn import rnn_cell_forward, rnn_forward
