"""Checks for the GRU homework (ps04): the cell in both variants and z conventions, the sequence,
the loader.

Every case names its variant (reset_after, z_convention), and the student's function receives
them as keyword arguments, so one function must handle all four combinations.
"""

from ._runner import recurrent_check
from .lstm import check_params_from_torch


def check_gru_cell_forward(gru_cell_forward_student, hidden=False):
    """Check ``gru_cell_forward(x_t, h_prev, W_x, W_h, b, reset_after=..., z_convention=...) ->
    (h_next, gates)``.

    ``gates`` is a dict {"z", "r", "h_tilde"} of (batch, units) arrays; b is (2, 3*units) when
    reset_after is True and (3*units,) otherwise. Each case uses a different variant.
    """
    recurrent_check("gru", "cell", "gru_cell_forward", gru_cell_forward_student, hidden)


def check_gru_forward(gru_forward_student, hidden=False):
    """Check ``gru_forward(x, h0, W_x, W_h, b, reset_after=..., z_convention=...) -> (h_all,
    h_last)``.
    """
    recurrent_check("gru", "sequence", "gru_forward", gru_forward_student, hidden)


def check_gru_params_from_torch(gru_params_from_torch, hidden=False):
    """Check ``gru_params_from_torch(module) -> (W_x, W_h, b)`` for a one-layer ``nn.GRU``.

    Expected layout (reset_after=True): W_x (features, 3*units), W_h (units, 3*units), gate blocks
    z, r, h~ (PyTorch stores r, z, n), and b (2, 3*units) with rows bias_ih and bias_hh.
    """
    check_params_from_torch("gru", "gru_params_from_torch", gru_params_from_torch, hidden)
