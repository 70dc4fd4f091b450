"""The reference with one or two deliberate mistakes: what a student's wrong code would return.

The checks name a student's mistake by comparing the student's output with the outputs of
the reference run wrongly in catalogued ways (``autograder.checks._catalogue``). A mistake is
a tuple of *edits*, each a small tuple of strings and numbers, so that a mistake is data: it
can be listed, combined with another (their edits concatenated) and recorded. Nothing here
re-implements a cell: the edits change the parameters, the cell's activations or options, or
the way the sequence is unrolled, and the reference's own cells do the arithmetic.

Edits on the parameters (W_x, W_h, b):
    ("transpose", "W_x" | "W_h" | "both")     a matrix used transposed (square ones only)
    ("swap_weights",)                          W_x and W_h exchanged
    ("blocks", order)                          gate block k read from block order[k]
    ("negate_block", k)                        gate block k of W_x, W_h and b negated
    ("bias", "omit")                           no bias at all
    ("bias", "double")                         the bias counted twice
    ("gru_bias", "recurrent_omitted")          reset_after GRU: row b[1] left out
    ("gru_bias", "recurrent_outside")          reset_after GRU: b[1]'s h~ block outside r * (...)
Edits on the cell:
    ("activation", part, name)                 part ("i", "f", "c_tilde", "o", "c", "z", "r",
                                               "h_tilde", "h") uses name (tanh, sigmoid, relu,
                                               identity)
    ("gru", "z_flipped") / ("gru", "reset_flipped")   the other z convention / reset placement
Edits on the unrolling:
    ("initial", "h" | "c" | "all")             that initial state replaced by zeros
    ("not_carried", "h" | "c" | "all")         that state restarts from its initial value each step
    ("c_from_h",)                              the LSTM's c_prev fed with h_prev
    ("inputs", "shifted" | "time_major" | "reshaped")   step t reads x[:, t-1] (x[:, -1] at t=0),
                                               x[t], or x.reshape(time, batch, features)[t]
    ("outputs", "late" | "reshaped")           h_all[:, t] holds the state before step t, or the
                                               (time, batch, units) stack reshaped, not transposed
"""

import numpy as np

from ._engine import validated_inputs
from ._guard import reference_function
from .gru import GRUCell, gru_bias_shape
from .lstm import LSTMCell
from .rnn import RNNCell, rnn_forward


@reference_function
def gru_bias_for(b, reset_after):
    """A GRU bias in the shape the variant ``reset_after`` needs, keeping the sum of its rows.

    (2, 3*units) -> (3*units,) adds the rows (what merging the two biases does); the other way
    puts b in row 0 and zeros in row 1.
    """
    b = np.asarray(b, dtype=np.float64)
    units = b.shape[-1] // 3
    if b.shape == gru_bias_shape(units, reset_after):
        return b
    return b.sum(axis=0) if b.ndim == 2 else np.stack([b, np.zeros_like(b)])


def _cell(kind, options):
    if kind == "rnn":
        return RNNCell()
    if kind == "lstm":
        return LSTMCell()
    return GRUCell(options.get("reset_after", True), options.get("z_convention", "keep"))


@reference_function
def reorder_blocks(a, order):
    """``a`` with its gate blocks (along the last axis) rearranged: block k of the result is block
    order[k].
    """
    parts = np.split(a, len(order), axis=-1)
    return np.concatenate([parts[k] for k in order], axis=-1)


def _edit_params(kind, params, options, edit):
    """(params, options) after one parameter or cell-option edit."""
    W_x, W_h, b = params
    what = edit[0]
    if what == "transpose":
        if edit[1] in ("W_x", "both"):
            W_x = W_x.T
        if edit[1] in ("W_h", "both"):
            W_h = W_h.T
    elif what == "swap_weights":
        W_x, W_h = W_h, W_x
    elif what == "blocks":
        W_x, W_h, b = (reorder_blocks(p, edit[1]) for p in (W_x, W_h, b))
    elif what == "negate_block":
        blocks = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
        sign = np.ones(blocks)
        sign[edit[1]] = -1
        W_x, W_h, b = (p * np.repeat(sign, p.shape[-1] // blocks) for p in (W_x, W_h, b))
    elif what == "bias":
        b = 0 * b if edit[1] == "omit" else 2 * b
    elif what == "gru_bias":
        if b.ndim != 2:
            return None
        b = b.copy()
        units = b.shape[1] // 3
        if edit[1] == "recurrent_outside":
            b[0, 2 * units :] += b[1, 2 * units :]
            b[1, 2 * units :] = 0
        else:
            b[1] = 0
    elif what == "gru":
        options = dict(options)
        if edit[1] == "z_flipped":
            options["z_convention"] = (
                "update" if options.get("z_convention", "keep") == "keep" else "keep"
            )
        else:
            options["reset_after"] = not options.get("reset_after", True)
            b = gru_bias_for(b, options["reset_after"])
    else:
        raise ValueError(f"unknown parameter edit {edit!r}")
    return (W_x, W_h, b), options


_UNROLL_EDITS = ("initial", "not_carried", "c_from_h", "inputs", "outputs")


def _mistaken(kind, x, initial_state, params, options, edits):
    """Outputs of the reference under ``edits``, or None when the edits cannot run on these
    shapes.
    """
    options = dict(options or {})
    activations = []
    unroll_edits = []
    for edit in edits:
        if edit[0] == "activation":
            activations.append((edit[1], edit[2]))
        elif edit[0] in _UNROLL_EDITS:
            unroll_edits.append(edit)
        else:
            edited = _edit_params(kind, params, options, edit)
            if edited is None:
                return None
            params, options = edited
    cell = _cell(kind, options)
    cell.replaced_activations = tuple(activations)
    try:
        x, params, state = validated_inputs(cell, x, params, initial_state)
    except ValueError:  # the mistake does not run on these shapes: a student's code would crash
        return None
    return _unrolled(cell, x, params, state, unroll_edits)


def _unrolled(cell, x, params, initial, edits):
    """Run ``cell`` over x with the unrolling edits; the first step's gates too (the cell checks'
    view).
    """
    edits = dict((e[0], e[1] if len(e) > 1 else True) for e in edits)
    batch, time, features = x.shape
    names = cell.state_names
    zeroed = edits.get("initial")
    start = tuple(np.zeros_like(s) if zeroed in (n, "all") else s for n, s in zip(names, initial))
    inputs = edits.get("inputs")
    if inputs == "shifted":
        x = np.roll(x, 1, axis=1)
    elif inputs == "time_major":
        if batch != time:
            return None
        x = np.swapaxes(x, 0, 1)
    elif inputs == "reshaped":
        x = x.reshape(time, batch, features).swapaxes(0, 1)
    restart = edits.get("not_carried")
    state, outputs, first = start, [], None
    for t in range(time):
        fed = tuple(s0 if restart in (n, "all") else s for n, s, s0 in zip(names, state, start))
        if edits.get("c_from_h"):
            fed = (fed[0], fed[0])
        before = state[0]
        state, cache = cell.step(params, x[:, t], fed)
        outputs.append(before if edits.get("outputs") == "late" else state[0])
        if first is None:
            first = {
                "h_next": state[0],
                **{f"gates[{k!r}]": v for k, v in cell.gates(cache).items()},
            }
            if len(state) > 1:
                first["c_next"] = state[1]
    h_all = np.stack(outputs, axis=1)
    if edits.get("outputs") == "reshaped":
        if batch == time:  # then reshape leaves the stack time-major: no different mistake
            return None
        h_all = np.stack(outputs, axis=0).reshape(h_all.shape)
    result = {"h_all": h_all, "h_last": state[0], **first}
    if len(state) > 1:
        result["c_last"] = state[1]
    return result


@reference_function
def mistaken_outputs(kind, x, initial_state, params, options, mistakes):
    """The outputs the reference gives under each mistake in ``mistakes`` (a list of edit tuples).

    Args:
        kind: "rnn", "lstm" or "gru".
        x: inputs (batch, time, features); initial_state: (h0,) or (h0, c0); params: (W_x, W_h, b)
        in the reference layout; options: the GRU's reset_after and z_convention ({} otherwise).
        mistakes: a list, each a tuple of edits (see the module docstring).

    Returns:
        a list with, for each mistake, None (it cannot run on these shapes) or a dict with
        "h_all", "h_last" (and "c_last") for the whole sequence, and "h_next" (and "c_next")
        and "gates['name']" for the first step, the view of the cell checks.
    """
    return [
        _mistaken(kind, x, tuple(initial_state), tuple(params), options, tuple(edits))
        for edits in mistakes
    ]


@reference_function
def mistaken_rnn_backward(
    x,
    h0,
    W_x,
    W_h,
    b,
    dh_all,
    accumulate=True,
    carry=True,
    derivative="own",
    transpose_dW=False,
    batch_mean=False,
):
    """BPTT for the tanh RNN with one step of the recipe optionally done wrong (what ps02's mistakes
    return).

    derivative: "own" (1 - h_t^2, right), "previous" (1 - h_{t-1}^2) or "none".
    """
    h_all, _ = rnn_forward(x, h0, W_x, W_h, b)
    grads = {
        "x": np.zeros_like(x),
        "W_x": np.zeros_like(W_x),
        "W_h": np.zeros_like(W_h),
        "b": np.zeros_like(b),
    }
    dh_next = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_t, h_prev = h_all[:, t], (h_all[:, t - 1] if t else h0)
        dh = dh_all[:, t] + (dh_next if carry else 0)
        slope = {"own": 1 - h_t**2, "previous": 1 - h_prev**2, "none": 1.0}[derivative]
        da = dh * slope
        step = {
            "W_x": x[:, t].T @ da,
            "W_h": da.T @ h_prev if transpose_dW else h_prev.T @ da,
            "b": da.mean(axis=0) if batch_mean else da.sum(axis=0),
        }
        for key, value in step.items():
            grads[key] = grads[key] + value if accumulate else value
        grads["x"][:, t] = da @ W_x.T
        dh_next = da @ W_h.T
    grads["h0"] = dh_next
    return grads
