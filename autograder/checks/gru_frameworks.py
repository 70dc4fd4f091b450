"""Checks for the framework half of the GRU homework (ps04): PyTorch's and Keras's GRUs, the z
conventions.

``check_torch_gru_states`` hands the student's function a one-layer ``nn.GRU`` with random float32
weights and a float64 batch ``x``; ``check_keras_gru_states`` hands it the weights of a Keras GRU as
``layer.get_weights()`` returns them, with the layer's ``reset_after``. Either function must
return the states the layer computes from a zero initial state, worked out with the student's
own GRU. The answer is the reference GRU run on the converters' reading of the weights (the test
suite checks it against both frameworks). A numpy GRU reading float32 weights computes in float64
and matches the answer to float64 precision; running the framework's layer (or computing in
float32) matches only to float32 precision, which the checks report as such. Running the given
module is also caught directly when the module is the check's own object.

``check_flip_z_convention`` checks the conversion between the two readings of z. The frameworks
are imported when a check runs, never when this module is imported.
"""

import numpy as np

from .. import mistakes as m
from ..conventions import FLOAT32_FLOOR, FLOAT32_TOLERANCE, FLOAT64_TOLERANCE
from ..convert import from_torch
from ..convert._shapes import reorder_gates
from ..reference import gru_forward
from ._cases import case_rng, gated_sequence_cases
from ._outputs import checked_array
from ._report import CheckFailure, call_student, compare, describe_case, rel_error, unpack_outputs
from ._runner import run_cases
from .lstm import torch_loader_variants

# Mistakes that only these checks name, in the form of ``autograder.mistakes``.
FLIP_EVERY_BLOCK = m.FLIP_EVERY_BLOCK
FLIP_BIAS_ONLY = m.FLIP_BIAS_ONLY
FLIP_WEIGHTS_ONLY = m.FLIP_WEIGHTS_ONLY
FLIP_RECURRENT_LEFT = m.FLIP_RECURRENT_LEFT
FLIP_WRONG_BLOCK = m.FLIP_WRONG_BLOCK
FLIP_ONE_MINUS = m.FLIP_ONE_MINUS
FLIP_ONE_BIAS_ROW = m.FLIP_ONE_BIAS_ROW
RAN_THE_LAYER = m.RAN_THE_LAYER
FLOAT32_ONLY = m.FLOAT32_ONLY

# A float64 computation from the same float32 weights agrees with the answer to rounding; relative
# errors are measured with this floor, below which a difference counts as absolute.
FLOAT64_FLOOR = 1e-6

# (batch, time, features, units, seed) for PyTorch; Keras adds reset_after. Hidden cases have no
# seed: their values come from the course secret (``case_rng``). The first visible case
# is square (features == units) so that untransposed weights run and can be named.
_TORCH_SPECS = {
    False: [(3, 3, 4, 4, 161), (2, 5, 3, 4, 162), (1, 6, 1, 2, 163)],
    True: [(1, 1, 2, 3, None), (4, 7, 5, 5, None), (2, 4, 6, 1, None)],
}
_KERAS_SPECS = {
    False: [(2, 5, 3, 4, True, 181), (3, 3, 4, 4, False, 182), (1, 4, 2, 3, False, 183)],
    True: [
        (1, 1, 2, 3, False, None),
        (4, 6, 5, 5, True, None),
        (2, 3, 1, 1, False, None),
        (3, 2, 3, 2, True, None),
    ],
}


def _torch_case(batch, time, features, units, seed, hidden=False, index=0):
    """A one-layer nn.GRU(batch_first=True) with random float32 weights, and a float64 batch.

    Visible cases draw from ``seed``; hidden case ``index`` from the course secret (``case_rng``).
    """
    import torch

    rng = case_rng(seed, hidden, "torch_gru", index)
    module = torch.nn.GRU(features, units, batch_first=True)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(torch.from_numpy(rng.normal(0, 0.5, tuple(parameter.shape))))
    return module, rng.normal(0, 1, (batch, time, features))


def _keras_case(batch, time, features, units, reset_after, seed, hidden=False, index=0):
    """Float32 weights as a built keras.layers.GRU(units, reset_after=...) returns them, and a
    float64 batch.

    ``layer.get_weights()`` is [kernel (features, 3u), recurrent_kernel (u, 3u), bias], the bias
    (2, 3u) when reset_after else (3u,), blocks z, r, h~: the reference layout, in float32.
    """
    rng = case_rng(seed, hidden, "keras_gru", index)
    bias_shape = (2, 3 * units) if reset_after else (3 * units,)
    weights = [
        rng.normal(0, 0.5, shape).astype(np.float32)
        for shape in ((features, 3 * units), (units, 3 * units), bias_shape)
    ]
    return weights, rng.normal(0, 1, (batch, time, features))


def _states(x, params, reset_after=True, z_convention="keep"):
    return gru_forward(x, None, *params, reset_after=reset_after, z_convention=z_convention)[0]


def _swap_z_r(params):
    return tuple(reorder_gates(p, "gru", "reference", "torch") for p in params)


def _torch_variants(module, x, right):
    """(Mistake, h_all) for each catalogued way of misreading an nn.GRU."""
    _, loader_variants = torch_loader_variants("gru", module)
    variants = []
    for mistake, changed in loader_variants:
        params = tuple(changed.get(key, value) for key, value in zip(("W_x", "W_h", "b"), right))
        variants.append((mistake, _states(x, params)))
    W_x, W_h, b = right
    variants += [
        (m.RESET_BEFORE_MATMUL, _states(x, (W_x, W_h, b[0] + b[1]), reset_after=False)),
        (m.Z_CONVENTION_FLIPPED, _states(x, right, z_convention="update")),
    ]
    return variants


def _keras_variants(reset_after, x, right):
    """(Mistake, h_all) for each catalogued way of misreading a keras.layers.GRU's weights."""
    W_x, W_h, b = right
    variants = [
        (m.Z_CONVENTION_FLIPPED, _states(x, right, reset_after, "update")),
        (m.GRU_TORCH_ORDER, _states(x, _swap_z_r(right), reset_after)),
    ]
    if reset_after:
        variants += [
            (m.RESET_BEFORE_MATMUL, _states(x, (W_x, W_h, b[0] + b[1]), reset_after=False)),
            (m.RECURRENT_BIAS_OMITTED, _states(x, (W_x, W_h, b * [[1], [0]]))),
        ]
    else:
        # reset_after=True with the single bias row as the input row, or broadcast as b[0] and b[1]
        variants += [
            (m.RESET_AFTER_MATMUL, _states(x, (W_x, W_h, np.stack([b, 0 * b])))),
            (m.RESET_AFTER_MATMUL, _states(x, (W_x, W_h, np.stack([0 * b + b[0], 0 * b + b[1]])))),
        ]
    return variants


def _judge(name, expected, got, case, variants):
    """Pass float64 agreement; name float32-only agreement; otherwise compare, naming a mistake."""
    close_in_float32 = np.all(rel_error(expected, got, FLOAT32_FLOOR) <= FLOAT32_TOLERANCE)
    close_in_float64 = np.all(rel_error(expected, got, FLOAT64_FLOOR) <= FLOAT64_TOLERANCE)
    if close_in_float32 and not close_in_float64:
        error = float(np.max(np.abs(expected - got)))
        raise CheckFailure(
            f"{name}: h_all agrees with the layer only to float32 precision ({case})\n"
            f"  largest difference {error:.1e}; a float64 computation from the same weights "
            "agrees to about 1e-15\n"
            f"  hint: this looks like '{FLOAT32_ONLY.name}': {FLOAT32_ONLY.hint}"
        )
    # wrong even in float32: a mistake computed from float32 weights matches loosely
    if not close_in_float64:
        compare(
            name,
            "h_all",
            expected,
            got,
            case,
            variants,
            tolerance=FLOAT32_TOLERANCE,
            floor=FLOAT32_FLOOR,
        )


class _TorchSpy:
    """Context manager: records whether the module's forward ran (a forward pre-hook)."""

    def __init__(self, module):
        self.module, self.calls = module, []

    def __enter__(self):
        self.handle = self.module.register_forward_pre_hook(lambda *_: self.calls.append(1))
        return self.calls

    def __exit__(self, *exc):
        self.handle.remove()
        return False


def check_torch_gru_states(torch_gru_states, hidden=False):
    """Check ``torch_gru_states(module, x) -> h_all``: the states of a one-layer ``nn.GRU``,
    computed by hand.

    module is a ``torch.nn.GRU(features, units, batch_first=True)`` with float32 weights; x is a
    float64 numpy array (batch, time, features). h_all must be the numpy array (batch, time, units)
    that ``module(torch.from_numpy(x).float())[0]`` holds, computed in float64 with the student's
    GRU from the module's weights (reordered r, z, n -> z, r, h~, transposed, both biases), from h0
    = 0.
    """
    name = "torch_gru_states"
    cases = _TORCH_SPECS[hidden]

    def run_one(index, spec):
        batch, time, features, units, seed = spec
        module, x = _torch_case(*spec, hidden=hidden, index=index)
        case = describe_case(
            index, len(cases), dict(batch=batch, time=time, features=features, units=units)
        )
        with _TorchSpy(module) as ran:
            value = call_student(name, torch_gru_states, (module, x.copy()), case)
        if ran:
            raise CheckFailure(
                f"{name}: it ran the PyTorch module itself ({case})\n"
                f"  hint: this looks like '{RAN_THE_LAYER.name}': {RAN_THE_LAYER.hint}"
            )
        got = checked_array(name, "h_all", value, (batch, time, units), case)
        right = from_torch(module)
        _judge(name, _states(x, right), got, case, _torch_variants(module, x, right))

    run_cases(name, cases, run_one)


def check_keras_gru_states(keras_gru_states, hidden=False):
    """Check ``keras_gru_states(weights, reset_after, x) -> h_all``: a Keras GRU's states, computed
    by hand.

    weights is what a built ``keras.layers.GRU(units, reset_after=reset_after)`` returns from
    ``get_weights()``: [kernel (features, 3u), recurrent_kernel (u, 3u), bias ((2, 3u) when
    reset_after, else (3u,))], float32, blocks z, r, h~. x is a float64 numpy array (batch, time,
    features). h_all must be the numpy array (batch, time, units) that the layer returns with
    return_sequences=True, computed in float64 with the student's GRU, from h0 = 0.
    """
    name = "keras_gru_states"
    cases = _KERAS_SPECS[hidden]

    def run_one(index, spec):
        batch, time, features, units, reset_after, seed = spec
        weights, x = _keras_case(*spec, hidden=hidden, index=index)
        case = describe_case(
            index,
            len(cases),
            dict(batch=batch, time=time, features=features, units=units, reset_after=reset_after),
        )
        value = call_student(
            name, keras_gru_states, ([w.copy() for w in weights], reset_after, x.copy()), case
        )
        got = checked_array(name, "h_all", value, (batch, time, units), case)
        right = tuple(w.astype(np.float64) for w in weights)
        _judge(
            name, _states(x, right, reset_after), got, case, _keras_variants(reset_after, x, right)
        )

    run_cases(name, cases, run_one)


def _with_z_blocks(params, change, blocks=(0,), arrays=(0, 1, 2), bias_rows=None):
    """The parameters with ``change`` applied to the given gate blocks of the given arrays."""
    result = []
    for position, array in enumerate(params):
        array = np.array(array, dtype=np.float64, copy=True)
        if position in arrays:
            units = array.shape[-1] // 3
            for block in blocks:
                columns = slice(block * units, (block + 1) * units)
                if array.ndim == 2 and position == 2 and bias_rows is not None:
                    for row in bias_rows:
                        array[row, columns] = change(array[row, columns])
                else:
                    array[..., columns] = change(array[..., columns])
        result.append(array)
    return tuple(result)


def _flip_variants(params):
    """(Mistake, flipped params) for each catalogued way of converting the z convention wrongly."""
    negate = np.negative
    variants = [
        (FLIP_EVERY_BLOCK, _with_z_blocks(params, negate, blocks=(0, 1, 2))),
        (FLIP_BIAS_ONLY, _with_z_blocks(params, negate, arrays=(2,))),
        (FLIP_WEIGHTS_ONLY, _with_z_blocks(params, negate, arrays=(0, 1))),
        (FLIP_RECURRENT_LEFT, _with_z_blocks(params, negate, arrays=(0, 2))),
        (FLIP_WRONG_BLOCK, _with_z_blocks(params, negate, blocks=(1,))),
        (FLIP_ONE_MINUS, _with_z_blocks(params, lambda a: 1 - a)),
    ]
    if np.ndim(params[2]) == 2:
        variants += [
            (FLIP_ONE_BIAS_ROW, _with_z_blocks(params, negate, bias_rows=(0,))),
            (FLIP_ONE_BIAS_ROW, _with_z_blocks(params, negate, bias_rows=(1,))),
        ]
    return variants


def check_flip_z_convention(flip_z_convention, hidden=False):
    """Check ``flip_z_convention(W_x, W_h, b) -> (W_x, W_h, b)``: weights for the other reading of
    z.

    The returned weights, run with the other z_convention (and the same reset_after), must give the
    states the given weights give with the original convention, for either variant of b. They are
    compared through those states, so any equivalent answer passes.
    """
    name = "flip_z_convention"
    cases = gated_sequence_cases("gru", hidden)

    def run_one(index, spec):
        sizes, x, (h0,), params, options = spec
        case = describe_case(index, len(cases), sizes)
        value = call_student(name, flip_z_convention, tuple(p.copy() for p in params), case)
        returned = unpack_outputs(name, value, ("W_x", "W_h", "b"), case)
        got = tuple(
            checked_array(name, key, array, p.shape, case)
            for key, array, p in zip(("W_x", "W_h", "b"), returned, params)
        )
        reset_after, convention = options["reset_after"], options["z_convention"]
        other = "update" if convention == "keep" else "keep"

        def states(weights, z_convention=other):
            return gru_forward(x, h0, *weights, reset_after=reset_after, z_convention=z_convention)[
                0
            ]

        mistakes = [(mistake, states(weights)) for mistake, weights in _flip_variants(params)]
        compare(
            name,
            f"h_all of a z_convention={other!r} GRU with the returned weights",
            states(params, convention),
            states(got),
            case,
            mistakes,
        )

    run_cases(name, cases, run_one)


__all__ = [
    "check_torch_gru_states",
    "check_keras_gru_states",
    "check_flip_z_convention",
    "CheckFailure",
]
