"""Checks that test a student's function and explain what is wrong.

Each ``check_*`` raises ``AssertionError`` with a message naming the output, the case, the
largest error and a hint, or prints one line when every case passes. Importing this module
imports numpy only.
"""

from ._report import CheckFailure
from .autograd import check_rnn_backward_autograd
from .bptt import check_clip_by_global_norm, check_gradient_norms_per_step, check_rnn_backward
from .charlm_training import check_char_lm
from .data import check_final_states, check_make_windows
from .forecast_training import check_forecaster_model
from .gru import check_gru_cell_forward, check_gru_forward, check_gru_params_from_torch
from .gru_frameworks import check_flip_z_convention, check_keras_gru_states, check_torch_gru_states
from .layers import check_bidirectional_forward, check_stacked_forward
from .lstm import (
    check_lstm_cell_forward,
    check_lstm_forward,
    check_lstm_param_count,
    check_lstm_params_from_torch,
)
from .models import check_keras_forecaster, check_torch_forecaster
from .negation_training import check_negation_classifier
from .quiz import check_quick_check
from .rnn import check_rnn_cell_forward, check_rnn_forward, check_torch_rnn_loader
from .stacks import check_stack_params_from_torch
from .training import check_marked_sign_batch, check_marked_sign_model
