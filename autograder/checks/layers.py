"""Checks for the layers homework (ps06): a bidirectional wrapper and a stacked network.

The student builds both from their own cells (the LSTM unless the check is told otherwise) and
must reproduce PyTorch's layout: outputs (batch, time, units * directions) with the forward half
first, and final states (layers * directions, batch, units) indexed layer * directions + direction.
"""

import numpy as np

from .. import mistakes as m
from ..reference import as_cell, bidirectional_forward, recurrent_forward, stacked_forward
from ._cases import case_rng, gated_params, layer_cases
from ._outputs import checked_array, compare_outputs
from ._report import call_student, describe_case, unpack_outputs
from ._runner import run_cases

_BIDIRECTIONAL_SPECS = {
    False: [(2, 4, 3, 3, "concat", 141), (1, 3, 2, 4, "concat", 142), (3, 5, 4, 2, "sum", 143)],
    True: [(1, 1, 2, 3, "concat", 151), (2, 3, 3, 2, "ave", 152), (4, 4, 2, 2, "mul", 153)],
}


def _output_names(cell):
    return ("outputs",) + tuple(f"{name}_n" for name in as_cell(cell).state_names)


def _check_cell_name(cell):
    if cell not in ("rnn", "lstm", "gru"):
        raise ValueError(f"cell must be 'rnn', 'lstm' or 'gru', got {cell!r}")


def _bidirectional_variants(cell, x, forward_params, backward_params, merge, expected):
    """What (outputs, finals) a bidirectional layer gives under each catalogued mistake."""
    names = _output_names(cell)
    forward, forward_final = recurrent_forward(cell, x, forward_params)
    backward, backward_final = recurrent_forward(cell, x, backward_params, reverse=True)
    read_forwards, read_forwards_final = recurrent_forward(cell, x, backward_params)

    def merged(first, second, finals):
        combined = (
            np.concatenate([first, second], axis=-1)
            if merge == "concat"
            else expected_merge(first, second)
        )
        return dict(zip(names, (combined,) + tuple(np.stack(pair) for pair in finals)))

    def expected_merge(a, b):
        return {"sum": a + b, "mul": a * b, "ave": (a + b) / 2}[merge]

    swapped = merged(backward, forward, zip(backward_final, forward_final))
    at_last_step = dict(expected)
    at_last_step[names[1]] = np.stack([forward_final[0], backward[:, -1]])
    variants = [
        (
            m.BACKWARD_NOT_REALIGNED,
            merged(forward, backward[:, ::-1], zip(forward_final, backward_final)),
        ),
        (
            m.BACKWARD_READ_FORWARDS,
            merged(forward, read_forwards, zip(forward_final, read_forwards_final)),
        ),
        (m.BACKWARD_FINAL_FROM_LAST_STEP, {names[1]: at_last_step[names[1]]}),
    ]
    if merge == "concat":
        variants.insert(0, (m.HALVES_SWAPPED, swapped))
    else:  # the merged outputs are symmetric; only the final states show the swap
        variants.insert(0, (m.HALVES_SWAPPED, {key: swapped[key] for key in names[1:]}))
    return variants


def check_bidirectional_forward(bidirectional_forward_student, hidden=False, cell="lstm"):
    """Check ``bidirectional_forward(x, forward_params, backward_params, merge) -> (outputs, h_n[,
    c_n])``.

    forward_params and backward_params are (W_x, W_h, b) tuples for ``cell`` (default the LSTM);
    merge is "concat", "sum", "mul" or "ave". outputs is (batch, time, 2*units) for concat
    (forward half first) and (batch, time, units) otherwise; h_n (and c_n for the LSTM) is
    (2, batch, units), forward first: the layout of PyTorch and of Keras's returned states.
    """
    _check_cell_name(cell)
    name = "bidirectional_forward"
    specs = _BIDIRECTIONAL_SPECS[hidden]
    names = _output_names(cell)

    def run_one(index, spec):
        batch, time, features, units, merge, seed = spec
        rng = case_rng(seed, hidden, "bidirectional", index)  # hidden: drawn from the course secret
        x = rng.normal(0, 1, (batch, time, features))
        forward_params, backward_params = (
            gated_params(rng, cell, features, units) for _ in range(2)
        )
        case = describe_case(
            index,
            len(specs),
            dict(batch=batch, time=time, features=features, units=units, merge=merge),
        )
        value = call_student(
            name,
            bidirectional_forward_student,
            (x.copy(), _copied(forward_params), _copied(backward_params), merge),
            case,
        )
        outputs = unpack_outputs(name, value, names, case)
        width = 2 * units if merge == "concat" else units
        shapes = dict(zip(names, [(batch, time, width)] + [(2, batch, units)] * (len(names) - 1)))
        got = {
            key: checked_array(name, key, out, shapes[key], case)
            for key, out in zip(names, outputs)
        }
        expected = dict(
            zip(names, bidirectional_forward(cell, x, forward_params, backward_params, merge=merge))
        )
        compare_outputs(
            name,
            names,
            expected,
            got,
            case,
            _bidirectional_variants(cell, x, forward_params, backward_params, merge, expected),
        )

    run_cases(name, specs, run_one)


def _stacked_variants(cell, x, layers, expected, names):
    n_layers, directions = len(layers), len(layers[0])
    variants = []
    if n_layers > 1 and directions == 2:  # rows k*2 + d read as d*layers + k
        direction_major = [k * directions + d for d in range(directions) for k in range(n_layers)]
        variants.append(
            (m.H_N_DIRECTION_MAJOR, {key: expected[key][direction_major] for key in names[1:]})
        )
    if n_layers > 1:
        first = stacked_forward(cell, x, layers[:1])
        variants.append((m.OUTPUTS_FROM_FIRST_LAYER, {"outputs": first[0]}))
        # features == units: x fits every layer
        if directions == 1 and x.shape[2] == layers[0][0][1].shape[0]:
            separately = [stacked_forward(cell, x, [layer]) for layer in layers]
            variants.append(
                (
                    m.LAYERS_NOT_CHAINED,
                    dict(
                        zip(
                            names,
                            (separately[-1][0],)
                            + tuple(
                                np.concatenate([run[i] for run in separately])
                                for i in range(1, len(names))
                            ),
                        )
                    ),
                )
            )
    return variants


def check_stacked_forward(stacked_forward_student, hidden=False, cell="lstm"):
    """Check ``stacked_forward(x, layers) -> (outputs, h_n[, c_n])`` for a stack of ``cell`` layers.

    layers[k] is a list with one (W_x, W_h, b) per direction: one entry for a unidirectional
    stack, two (forward, backward) for a bidirectional one, whose directions are concatenated
    before the next layer. outputs are the top layer's; h_n (and c_n for the LSTM) has shape
    (layers * directions, batch, units), row k * directions + d -- PyTorch's h_n layout.
    """
    _check_cell_name(cell)
    name = "stacked_forward"
    cases = layer_cases(cell, hidden)
    names = _output_names(cell)

    def run_one(index, spec):
        sizes, x, layers = spec
        case = describe_case(index, len(cases), sizes)
        copied_layers = [[_copied(p) for p in layer] for layer in layers]
        value = call_student(name, stacked_forward_student, (x.copy(), copied_layers), case)
        outputs = unpack_outputs(name, value, names, case)
        rows, batch, units, directions = (
            sizes["layers"] * sizes["directions"],
            sizes["batch"],
            sizes["units"],
            sizes["directions"],
        )
        shapes = dict(
            zip(
                names,
                [x.shape[:2] + (units * directions,)] + [(rows, batch, units)] * (len(names) - 1),
            )
        )
        top_only = (
            [(m.FINAL_STATES_TOP_LAYER_ONLY, (directions, batch, units))]
            if sizes["layers"] > 1
            else []
        )
        got = {
            key: checked_array(
                name, key, out, shapes[key], case, top_only if key != "outputs" else []
            )
            for key, out in zip(names, outputs)
        }
        expected = dict(zip(names, stacked_forward(cell, x, layers)))
        compare_outputs(
            name, names, expected, got, case, _stacked_variants(cell, x, layers, expected, names)
        )

    run_cases(name, cases, run_one)


def _copied(params):
    return tuple(np.array(p, copy=True) for p in params)
