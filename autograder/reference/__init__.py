"""Float64 numpy reference implementations: the single source of truth for every formula.

See ``autograder/README.md`` for the table of functions and shapes.
"""

from ._guard import ReferenceUsedError
from .activations import ACTIVATIONS, DERIVATIVES, relu, sigmoid
from .clipping import clip_by_global_norm, clip_by_norm, clip_by_value, global_norm
from .counting import lstm_param_count, param_count
from .data import final_states, make_windows, marked_sign_batch, window_mistakes
from .gru import (
    GRUCell,
    gru_backward,
    gru_bias_shape,
    gru_cell_forward,
    gru_forward,
    gru_gate_history,
    gru_gradient_norms_per_step,
)
from .layers import (
    as_cell,
    bidirectional_forward,
    gate_history,
    merge_directions,
    recurrent_backward,
    recurrent_forward,
    stacked_forward,
    state_gradient_norms,
)
from .lstm import (
    LSTMCell,
    lstm_backward,
    lstm_cell_forward,
    lstm_forward,
    lstm_gate_history,
    lstm_gradient_norms_per_step,
)
from .perturbed import gru_bias_for, mistaken_outputs, mistaken_rnn_backward, reorder_blocks
from .rnn import RNNCell, gradient_norms_per_step, rnn_backward, rnn_cell_forward, rnn_forward
