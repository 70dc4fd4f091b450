"""Checks for the framework half of the layers homework (ps06): every weight of a deep,
bidirectional nn.LSTM.

``check_stack_params_from_torch`` hands the student's function a ``torch.nn.LSTM`` with several
layers, one or two directions and random float32 weights, and expects its weights in
``stacked_forward``'s layout: a list with one entry per layer, each a list with one (W_x, W_h, b)
per direction, forward first. Layer k's parameters are ``weight_ih_l{k}``, ``weight_hh_l{k}``,
``bias_ih_l{k}``, ``bias_hh_l{k}``, and the backward direction's end in ``_reverse``. With these
weights, ``stacked_forward`` reproduces the module's output and its h_n and c_n, row
layer * directions + direction.

PyTorch is imported when the check runs, never when this module is imported.
"""

import numpy as np

from .. import mistakes as m
from ..convert import params_from_torch
from ._cases import case_rng
from ._outputs import checked_array
from ._report import CheckFailure, call_student, compare, describe_case
from ._runner import run_cases

# Mistakes that only this check names, in the form of ``autograder.mistakes``.
DIRECTIONS_SWAPPED = m.DIRECTIONS_SWAPPED
LAYER_ZERO_REUSED = m.LAYER_ZERO_REUSED
LSTM_GATES_REORDERED = m.LSTM_GATES_REORDERED

# (features, units, layers, bidirectional, seed); hidden cases draw from the course secret instead.
# features == units * directions in one case of each set, so that layer 0's weights fit every layer
# and reading them can be named by value.
_SPECS = {
    False: [(3, 4, 2, True, 201), (4, 4, 2, False, 202), (2, 3, 1, True, 203)],
    True: [(1, 1, 1, False, None), (5, 2, 3, True, None), (6, 3, 2, True, None)],
}


def _module(features, units, layers, bidirectional, seed, hidden=False, index=0):
    """An nn.LSTM(batch_first=True) with random weights: from ``seed`` when visible, from the course
    secret when hidden (case ``index``)."""
    import torch

    module = torch.nn.LSTM(
        features, units, num_layers=layers, bidirectional=bidirectional, batch_first=True
    )
    rng = case_rng(seed, hidden, "torch_stack", index)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(torch.from_numpy(rng.normal(0, 0.5, tuple(parameter.shape))))
    return module


def _raw(module, k, d):
    suffix = f"_l{k}" + ("_reverse" if d else "")
    return [
        getattr(module, name + suffix).detach().double().numpy()
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    ]


def _variants(module, right, k, d):
    """(Mistake, {"W_x", "W_h", "b"}) for layer k, direction d, under each catalogued mistake."""
    directions = len(right[0])
    w_ih, w_hh, b_ih, b_hh = _raw(module, k, d)

    def reordered(a):  # blocks i, f, g, o read as i, f, o, g
        i, f, g, o = np.split(a, 4, axis=-1)
        return np.concatenate([i, f, o, g], axis=-1)

    named = lambda params: dict(zip(("W_x", "W_h", "b"), params))  # noqa: E731
    variants = [
        (
            m.RESHAPED_NOT_TRANSPOSED,
            {
                "W_x": w_ih.reshape(w_ih.shape[1], w_ih.shape[0]),
                "W_h": w_hh.reshape(w_hh.shape[1], w_hh.shape[0]),
            },
        ),
        (m.ONE_TORCH_BIAS_READ, {"b": b_ih}),
        (m.ONE_TORCH_BIAS_READ, {"b": b_hh}),
        (LSTM_GATES_REORDERED, named(reordered(p) for p in right[k][d])),
    ]
    if directions == 2:
        variants.append((DIRECTIONS_SWAPPED, named(right[k][1 - d])))
    if k > 0:
        variants.append((LAYER_ZERO_REUSED, named(right[0][d])))
    return variants


def _structure(name, value, layers, directions, case):
    """Check the nesting: a list per layer of a list per direction of (W_x, W_h, b)."""
    if not isinstance(value, (list, tuple)):
        raise CheckFailure(
            f"{name} should return a list with one entry per layer, got {type(value).__name__} "
            f"({case})"
        )
    if len(value) != layers:
        raise CheckFailure(
            f"{name} returned {len(value)} layers, the module has num_layers={layers} ({case})\n"
            "  hint: one entry per layer, each a list of one (W_x, W_h, b) per direction"
        )
    for k, layer in enumerate(value):
        if not isinstance(layer, (list, tuple)) or len(layer) != directions:
            got = (
                f"{len(layer)} entries"
                if isinstance(layer, (list, tuple))
                else type(layer).__name__
            )
            raise CheckFailure(
                f"{name}: layers[{k}] should be a list of {directions} (W_x, W_h, b) "
                f"({'forward, backward' if directions == 2 else 'one direction'}), got {got} "
                f"({case})"
            )
        for d, params in enumerate(layer):
            if not isinstance(params, (list, tuple)) or len(params) != 3:
                raise CheckFailure(
                    f"{name}: layers[{k}][{d}] should be a tuple (W_x, W_h, b) ({case})"
                )


def check_stack_params_from_torch(stack_params_from_torch, hidden=False):
    """Check ``stack_params_from_torch(module) -> layers`` for a multi-layer, possibly bidirectional
    ``nn.LSTM``.

    layers[k][d] = (W_x, W_h, b) of layer k and direction d (0 forward, 1 backward): W_x
    (inputs_k, 4*units) with inputs_0 = features and inputs_k = units * directions above,
    W_h (units, 4*units), b (4*units,) = bias_ih + bias_hh, blocks i, f, c~, o.
    """
    name = "stack_params_from_torch"
    cases = _SPECS[hidden]

    def run_one(index, spec):
        features, units, layers, bidirectional, seed = spec
        module = _module(*spec, hidden=hidden, index=index)
        directions = 2 if bidirectional else 1
        case = describe_case(
            index,
            len(cases),
            dict(features=features, units=units, num_layers=layers, bidirectional=bidirectional),
        )
        value = call_student(name, stack_params_from_torch, (module,), case)
        _structure(name, value, layers, directions, case)
        right = params_from_torch(module)
        for k in range(layers):
            shapes = dict(zip(("W_x", "W_h", "b"), (np.shape(p) for p in right[k][0])))
            for d in range(directions):
                variants = _variants(module, right, k, d)
                for (key, shape), got, expected in zip(shapes.items(), value[k][d], right[k][d]):
                    where = f"layers[{k}][{d}] {key}"
                    shape_mistakes = (
                        [(LAYER_ZERO_REUSED, (features, 4 * units))] if key == "W_x" and k else []
                    )
                    got = checked_array(name, where, got, shape, case, shape_mistakes)
                    compare(
                        name,
                        where,
                        expected,
                        got,
                        case,
                        [(mistake, values.get(key)) for mistake, values in variants],
                    )

    run_cases(name, cases, run_one)


__all__ = ["check_stack_params_from_torch", "CheckFailure"]
