"""Checks for the LSTM homework (ps03): cell with its gates, sequence, PyTorch loader, parameter
count.

The cell and the sequence are checked by the shared runner (``_runner.recurrent_check``), which
names mistakes as perturbations of the reference (``_catalogue``).
"""

import numpy as np

from .. import mistakes as m
from ..convert import from_torch
from ..convert._shapes import reorder_gates
from ..reference import gru_bias_shape, lstm_param_count, reorder_blocks
from ._cases import case_rng, param_count_cases
from ._outputs import checked_array, checked_number, compare_exact, compare_outputs
from ._report import call_student, describe_case, unpack_outputs
from ._runner import recurrent_check, run_cases


def check_lstm_cell_forward(lstm_cell_forward_student, hidden=False):
    """Check ``lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b) -> (h_next, c_next, gates)``.

    ``gates`` is a dict {"i", "f", "c_tilde", "o"} of (batch, units) arrays. The gates are
    compared first, so that a wrong gate is named before the states it spoils.
    """
    recurrent_check("lstm", "cell", "lstm_cell_forward", lstm_cell_forward_student, hidden)


def check_lstm_forward(lstm_forward_student, hidden=False):
    """Check ``lstm_forward(x, h0, c0, W_x, W_h, b) -> (h_all, h_last, c_last)`` on fixed cases."""
    recurrent_check("lstm", "sequence", "lstm_forward", lstm_forward_student, hidden)


def torch_module_cases(kind, hidden):
    """Single-layer nn.LSTM / nn.GRU modules filled with fixed random float32 weights (both biases
    non-zero).
    """
    import torch

    specs = (
        [(3, 4, 121), (4, 4, 122), (1, 2, 123)]
        if not hidden
        else [(2, 1, 131), (5, 3, 132), (6, 6, 133)]
    )
    cases = []
    for index, (features, units, seed) in enumerate(specs):
        module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](
            features, units, batch_first=True
        )
        # hidden: drawn from the course secret
        rng = case_rng(seed, hidden, f"torch_{kind}_module", index)
        with torch.no_grad():
            for parameter in module.parameters():
                parameter.copy_(torch.from_numpy(rng.normal(0, 0.5, tuple(parameter.shape))))
        cases.append((dict(features=features, units=units), module))
    return cases


def torch_loader_variants(kind, module):
    """The right (W_x, W_h, b) for ``module`` and what a loader would return under each mistake."""
    right = dict(zip(("W_x", "W_h", "b"), from_torch(module)))
    raw = {
        n: getattr(module, f"{n}_l0").detach().double().numpy()
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    }

    def with_blocks(order):
        """The right weights with their gate blocks rearranged: block k of the result is block
        order[k].
        """
        return {key: reorder_blocks(value, order) for key, value in right.items()}

    def reshaped(weight):
        rows_in_reference_order = reorder_gates(weight, kind, "torch", "reference", axis=0)
        return rows_in_reference_order.reshape(weight.shape[1], weight.shape[0])

    def biases(b_ih, b_hh):
        rows = [reorder_gates(bias, kind, "torch", "reference") for bias in (b_ih, b_hh)]
        return np.stack(rows) if kind == "gru" else rows[0] + rows[1]

    variants = [
        (
            m.RESHAPED_NOT_TRANSPOSED,
            {"W_x": reshaped(raw["weight_ih"]), "W_h": reshaped(raw["weight_hh"])},
        ),
        (m.ONE_TORCH_BIAS_READ, {"b": biases(raw["bias_ih"], 0 * raw["bias_hh"])}),
        (m.ONE_TORCH_BIAS_READ, {"b": biases(0 * raw["bias_ih"], raw["bias_hh"])}),
    ]
    if kind == "lstm":
        variants += [
            (m.GATES_I_F_SWAPPED, with_blocks((1, 0, 2, 3))),
            (m.GATES_IFOG_ORDER, with_blocks((0, 1, 3, 2))),
        ]
    else:  # left in PyTorch's r, z, n order
        variants.append(
            (
                m.GRU_TORCH_ORDER,
                {
                    key: reorder_gates(value, "gru", "reference", "torch")
                    for key, value in right.items()
                },
            )
        )
    return right, variants


def check_params_from_torch(kind, func_name, func, hidden):
    """Shared body of the LSTM and GRU loader checks: ``func(module) -> (W_x, W_h, b)``."""
    cases = torch_module_cases(kind, hidden)
    blocks = {"lstm": 4, "gru": 3}[kind]

    def run_one(index, spec):
        sizes, module = spec
        case = describe_case(index, len(cases), sizes)
        value = call_student(func_name, func, (module,), case)
        features, units = sizes["features"], sizes["units"]
        bias_shape = gru_bias_shape(units, reset_after=True) if kind == "gru" else (blocks * units,)
        shapes = {
            "W_x": (features, blocks * units),
            "W_h": (units, blocks * units),
            "b": bias_shape,
        }
        outputs = unpack_outputs(func_name, value, tuple(shapes), case)
        got = {
            key: checked_array(
                func_name, key, out, shapes[key], case, _loader_shape_mistakes(kind, key, units)
            )
            for key, out in zip(shapes, outputs)
        }
        expected, variants = torch_loader_variants(kind, module)
        compare_outputs(func_name, list(shapes), expected, got, case, variants)

    run_cases(func_name, cases, run_one)


def _loader_shape_mistakes(kind, key, units):
    if kind == "gru" and key == "b":
        return [(m.ONE_TORCH_BIAS_READ, (3 * units,))]
    return []


def check_lstm_params_from_torch(lstm_params_from_torch, hidden=False):
    """Check ``lstm_params_from_torch(module) -> (W_x, W_h, b)`` for a one-layer ``nn.LSTM``.

    Expected layout: W_x (features, 4*units), W_h (units, 4*units), b (4*units,) = bias_ih +
    bias_hh, gate blocks i, f, c~, o (PyTorch's i, f, g, o: the same order).
    """
    check_params_from_torch("lstm", "lstm_params_from_torch", lstm_params_from_torch, hidden)


def _count_variants(features, units, convention):
    d, h = features, units
    variants = [
        (m.COUNT_WITHOUT_BIAS, 4 * h * (d + h)),
        (m.COUNT_INPUT_AS_UNITS, lstm_param_count(h, h, convention)),
    ]
    if convention == "torch":
        variants += [
            (m.TORCH_COUNTED_ONE_BIAS, 4 * h * (d + h + 1)),
            (m.COUNT_ONE_GATE, h * (d + h + 2)),
        ]
    else:
        variants += [
            (m.KERAS_COUNTED_TWO_BIASES, 4 * h * (d + h + 2)),
            (m.COUNT_ONE_GATE, h * (d + h + 1)),
        ]
    return [
        (mistake, count)
        for mistake, count in variants
        if d != h or mistake is not m.COUNT_INPUT_AS_UNITS
    ]


def check_lstm_param_count(lstm_param_count_student, hidden=False):
    """Check ``lstm_param_count(features, units, convention) -> int``, convention "keras" or
    "torch".
    """
    name = "lstm_param_count"
    cases = param_count_cases(hidden)

    def run_one(index, spec):
        features, units, convention = spec
        case = describe_case(
            index, len(cases), dict(features=features, units=units, convention=convention)
        )
        value = call_student(name, lstm_param_count_student, (features, units, convention), case)
        got = checked_number(name, "count", value, case, integer=True)
        compare_exact(
            name,
            "count",
            lstm_param_count(features, units, convention),
            got,
            case,
            _count_variants(features, units, convention),
        )

    run_cases(name, cases, run_one)
