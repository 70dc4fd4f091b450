"""Checks for the GRU homework (ps04): the cell in both variants and z conventions, the sequence, the loader.

Every case names its variant (reset_after, z_convention), and the student's function receives
them as keyword arguments, so one function must handle all four combinations.
"""

import numpy as np

from .. import mistakes as m
from ..conventions import GRU_GATES
from ..reference import gru_cell_forward, gru_forward, sigmoid
from ._cases import gated_sequence_cases
from ._outputs import call_with_options, checked_array, checked_dict, compare_outputs
from ._report import describe_case, passed, unpack_outputs
from .lstm import check_params_from_torch


def _mistaken_step(x_t, h, W_x, W_h, b, reset_after, z_convention, candidate=np.tanh, recurrent_bias="inside"):
    """One GRU step (blocks z, r, h~) with the candidate function and the recurrent bias's place given.

    ``recurrent_bias`` is "inside" (the right place), "outside" (added next to the input bias,
    outside r's product) or "omitted".
    """
    units = h.shape[1]
    b_in, b_rec = (b[0], b[1]) if np.ndim(b) == 2 else (b, np.zeros_like(b))
    if recurrent_bias == "omitted":
        b_rec = np.zeros_like(b_rec)
    x_z, x_r, x_h = np.split(x_t @ W_x + b_in, 3, axis=1)
    h_z, h_r, h_h = np.split(h @ W_h, 3, axis=1)
    b_z, b_r, b_h = np.split(b_rec, 3)
    z, r = sigmoid(x_z + h_z + b_z), sigmoid(x_r + h_r + b_r)
    inside = recurrent_bias == "inside"
    if reset_after:
        h_tilde = candidate(x_h + (0 if inside else b_h) + r * (h_h + (b_h if inside else 0)))
    else:
        h_tilde = candidate(x_h + b_h + (r * h) @ W_h[:, 2 * units:])
    kept = z if z_convention == "keep" else 1 - z
    return kept * h + (1 - kept) * h_tilde, dict(zip(GRU_GATES, (z, r, h_tilde)))


def _swap_z_r(params):
    """The parameters with their z and r blocks exchanged: what reading PyTorch's order amounts to."""
    def swap(a):
        z, r, h = np.split(a, 3, axis=-1)
        return np.concatenate([r, z, h], axis=-1)
    return tuple(swap(p) for p in params)


def _variant_steps(params, options, square):
    """(Mistake, step(x_t, h) -> (h_next, gates)) for every catalogued single-step mistake."""
    W_x, W_h, b = params
    reset_after, z_convention = options["reset_after"], options["z_convention"]
    flipped = "update" if z_convention == "keep" else "keep"

    def step(W_x=W_x, W_h=W_h, b=b, reset_after=reset_after, z_convention=z_convention, **kwargs):
        return lambda x_t, h: _mistaken_step(x_t, h, W_x, W_h, b, reset_after, z_convention, **kwargs)

    variants = [
        (m.GRU_TORCH_ORDER, step(*_swap_z_r(params))),
        (m.Z_CONVENTION_FLIPPED, step(z_convention=flipped)),
        (m.CANDIDATE_SIGMOID, step(candidate=sigmoid)),
        (m.BIAS_OMITTED, step(b=0 * b)),
    ]
    if reset_after:
        variants += [(m.RESET_BEFORE_MATMUL, step(reset_after=False)),
                     (m.RECURRENT_BIAS_OMITTED, step(recurrent_bias="omitted")),
                     (m.RECURRENT_BIAS_OUTSIDE_RESET, step(recurrent_bias="outside"))]
    else:
        variants.append((m.RESET_AFTER_MATMUL, step(reset_after=True)))
    if square:
        variants.append((m.WEIGHTS_SWAPPED, step(W_x=W_h, W_h=W_x)))
    return variants


def _named(h_next, gates):
    return {"h_next": h_next, **{f"gates[{k!r}]": v for k, v in gates.items()}}


def check_gru_cell_forward(gru_cell_forward_student, hidden=False):
    """Check ``gru_cell_forward(x_t, h_prev, W_x, W_h, b, reset_after=..., z_convention=...) -> (h_next, gates)``.

    ``gates`` is a dict {"z", "r", "h_tilde"} of (batch, units) arrays; b is (2, 3*units) when
    reset_after is True and (3*units,) otherwise. Each case uses a different variant.
    """
    name = "gru_cell_forward"
    cases = gated_sequence_cases("gru", hidden)
    for index, (sizes, x, (h0,), params, options) in enumerate(cases, 1):
        sizes = {k: v for k, v in sizes.items() if k != "time"}
        case = describe_case(index, len(cases), sizes)
        x_t = x[:, 0]
        args = (x_t.copy(), h0.copy()) + tuple(p.copy() for p in params)
        value = call_with_options(name, gru_cell_forward_student, args, options, case)
        h_next, gates = unpack_outputs(name, value, ("h_next", "gates"), case)
        gates = checked_dict(name, "gates", gates, {g: h0.shape for g in GRU_GATES}, case)
        got = _named(checked_array(name, "h_next", h_next, h0.shape, case), gates)
        expected = _named(*gru_cell_forward(x_t, h0, *params, **options))
        variants = [(mistake, _named(*step(x_t, h0)))
                    for mistake, step in _variant_steps(params, options, params[0].shape == params[1].shape)]
        variants.append((m.INITIAL_STATE_IGNORED, _named(*gru_cell_forward(x_t, 0 * h0, *params, **options))))
        compare_outputs(name, [f"gates[{g!r}]" for g in GRU_GATES] + ["h_next"], expected, got, case, variants)
    passed(name, len(cases))


def _unrolled(x, h0, step, carry=True):
    h, states = h0, []
    for t in range(x.shape[1]):
        h, _ = step(x[:, t], h if carry else h0)
        states.append(h)
    return {"h_all": np.stack(states, axis=1), "h_last": h}


def check_gru_forward(gru_forward_student, hidden=False):
    """Check ``gru_forward(x, h0, W_x, W_h, b, reset_after=..., z_convention=...) -> (h_all, h_last)``."""
    name = "gru_forward"
    cases = gated_sequence_cases("gru", hidden)
    for index, (sizes, x, (h0,), params, options) in enumerate(cases, 1):
        case = describe_case(index, len(cases), sizes)
        value = call_with_options(name, gru_forward_student, (x.copy(), h0.copy()) + tuple(p.copy() for p in params),
                                  options, case)
        h_all, h_last = unpack_outputs(name, value, ("h_all", "h_last"), case)
        got = {"h_all": checked_array(name, "h_all", h_all, x.shape[:2] + h0.shape[1:], case),
               "h_last": checked_array(name, "h_last", h_last, h0.shape, case)}
        expected = dict(zip(("h_all", "h_last"), gru_forward(x, h0, *params, **options)))

        def correct(x_t, h):
            return _mistaken_step(x_t, h, *params, **options)

        variants = [(m.STATE_NOT_CARRIED, _unrolled(x, h0, correct, carry=False)),
                    (m.INITIAL_STATE_IGNORED, _unrolled(x, 0 * h0, correct)),
                    (m.LAST_STATE_FROM_FIRST_STEP, {"h_last": expected["h_all"][:, 0]})]
        if x.shape[0] == x.shape[1]:
            variants.append((m.TIME_MAJOR_INPUT, _unrolled(np.swapaxes(x, 0, 1), h0, correct)))
        variants += [(mistake, _unrolled(x, h0, step)) for mistake, step in _variant_steps(params, options, False)]
        compare_outputs(name, ["h_all", "h_last"], expected, got, case, variants)
    passed(name, len(cases))


def check_gru_params_from_torch(gru_params_from_torch, hidden=False):
    """Check ``gru_params_from_torch(module) -> (W_x, W_h, b)`` for a one-layer ``nn.GRU``.

    Expected layout (reset_after=True): W_x (features, 3*units), W_h (units, 3*units), gate blocks
    z, r, h~ (PyTorch stores r, z, n), and b (2, 3*units) with rows bias_ih and bias_hh.
    """
    check_params_from_torch("gru", "gru_params_from_torch", gru_params_from_torch, hidden)
