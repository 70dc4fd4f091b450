"""The sequence machinery every cell shares: unrolling, padding, reversal and backpropagation.

A cell (``RNNCell``, ``LSTMCell``, ``GRUCell``) knows one step forward and one step backward;
everything about time -- initial states, per-example lengths, running backwards, BPTT and its
truncation -- lives here once, so the three cells cannot drift apart.

States travel as tuples: (h,) for the RNN and GRU, (h, c) for the LSTM. The output of a step
is always the first state, h.
"""

from dataclasses import dataclass

import numpy as np

from ._inputs import as_float_array, as_lengths, require_dims


@dataclass
class Unrolled:
    """Everything a forward pass leaves behind for the backward pass and for plotting."""

    outputs: np.ndarray  # (batch, time, units): h at each step, 0 on padding
    final: tuple  # final states, each (batch, units), taken at each example's own last step
    caches: list  # one per time step, whatever the cell's step_backward needs
    active: np.ndarray  # (batch, time) bool: False on padding
    states: tuple  # every state after every step, each (batch, time, units), 0 on padding


def active_steps(lengths, batch, time):
    """Boolean mask (batch, time): True where a step belongs to the example, not its padding."""
    if lengths is None:
        return np.ones((batch, time), dtype=bool)
    lengths = as_lengths(lengths, batch, time)
    return np.arange(time)[None, :] < lengths[:, None]


def validated_inputs(cell, x, params, initial_state):
    """Check x, the parameters and the initial state against each other; zeros for a missing state.

    Returns (x, params, initial_state) as float64 arrays, the state as a tuple.
    """
    params = cell.validated_params(*params)
    x = as_float_array("x", x, 3)
    features, units = cell.sizes(params)
    batch = x.shape[0]
    if initial_state is None:
        initial_state = (None,) * len(cell.state_names)
    if len(initial_state) != len(cell.state_names):
        raise ValueError(
            f"{cell.kind} needs {len(cell.state_names)} initial state(s) "
            f"({', '.join(cell.state_names)}), got {len(initial_state)}"
        )
    state = []
    for name, value in zip(cell.state_names, initial_state):
        value = np.zeros((batch, units)) if value is None else as_float_array(f"{name}0", value, 2)
        require_dims(
            {
                "batch": [("x", 0, batch), (f"{name}0", 0, value.shape[0])],
                "units": [(f"{name}0", 1, value.shape[1]), ("W_h", 0, units)],
            }
        )
        state.append(value)
    require_dims({"features": [("x", 2, x.shape[2]), ("W_x", 0, features)]})
    return x, params, tuple(state)


def unroll(cell, x, params, initial_state, lengths=None):
    """Run ``cell`` over every step of x (already validated). Padding steps carry the state."""
    batch, time, _ = x.shape
    active = active_steps(lengths, batch, time)
    state = initial_state
    states = tuple(np.zeros((batch, time, s.shape[1])) for s in state)
    caches = []
    for t in range(time):
        new_state, cache = cell.step(params, x[:, t], state)
        keep = active[:, t, None]
        state = tuple(np.where(keep, new, old) for new, old in zip(new_state, state))
        for history, s in zip(states, state):
            history[:, t] = np.where(keep, s, 0.0)
        caches.append(cache)
    return Unrolled(states[0], state, caches, active, states)


def backpropagate(
    cell, params, unrolled, x_shape, d_outputs, d_final=None, truncate=None, record=False
):
    """Backpropagation through time over an ``Unrolled`` forward pass.

    Args:
        d_outputs: gradient of the loss with respect to the outputs, (batch, time, units).
        d_final: gradients with respect to the final states (a tuple like the state; None
            entries, or None for all, mean zero).
        truncate: None for full BPTT, or K: every loss term reaches back through at most its
            own last K steps (the notes' truncated sum over k = t-K+1 .. t).
        record: also return, for each step t, the gradient with respect to the state after t.

    Returns:
        (dx, d_initial_state, d_params[, recorded]).
    """
    time = x_shape[1]
    zero_state = tuple(np.zeros_like(s) for s in unrolled.final)
    d_final = (
        zero_state
        if d_final is None
        else tuple(
            z if d is None else np.asarray(d, dtype=np.float64) for z, d in zip(zero_state, d_final)
        )
    )
    totals = _Totals(x_shape, params)
    if truncate is None:
        d_initial, recorded = _backward_window(
            cell, params, unrolled, d_outputs, d_final, time - 1, 0, totals, record
        )
        return (totals.dx, d_initial, totals.d_params) + ((recorded,) if record else ())
    if not unrolled.active.all():
        raise ValueError("truncated BPTT with per-example lengths is not supported")
    if int(truncate) != truncate or truncate < 1:
        raise ValueError(f"truncate must be a whole number of steps >= 1, got {truncate!r}")
    d_initial = zero_state
    for source in range(time):  # each loss term on its own, reaching back K steps at most
        only_here = np.zeros_like(d_outputs)
        only_here[:, source] = d_outputs[:, source]
        d_end = d_final if source == time - 1 else zero_state
        first = source - int(truncate) + 1
        d_reached, _ = _backward_window(
            cell, params, unrolled, only_here, d_end, source, max(first, 0), totals, False
        )
        if first <= 0:
            d_initial = tuple(a + b for a, b in zip(d_initial, d_reached))
    return totals.dx, d_initial, totals.d_params


class _Totals:
    """Gradients accumulated over the steps (and over the windows of truncated BPTT)."""

    def __init__(self, x_shape, params):
        self.dx = np.zeros(x_shape)
        self.d_params = tuple(np.zeros_like(p) for p in params)

    def add(self, t, dx_t, d_params):
        self.dx[:, t] += dx_t
        self.d_params = tuple(total + d for total, d in zip(self.d_params, d_params))


def _backward_window(cell, params, unrolled, d_outputs, d_state, last, first, totals, record):
    """Backpropagate from step ``last`` down to step ``first``; return d(state before ``first``)."""
    recorded = [None] * (last + 1)
    for t in range(last, first - 1, -1):
        keep = unrolled.active[:, t, None]
        # the output at t is the first state where the step is real, and 0 on padding
        d_state = (d_state[0] + d_outputs[:, t] * keep,) + tuple(d_state[1:])
        if record:
            recorded[t] = d_state
        dx_t, d_previous, d_params = cell.step_backward(
            params, unrolled.caches[t], tuple(d * keep for d in d_state)
        )
        totals.add(t, dx_t, d_params)
        # on padding the state was carried unchanged, so its gradient passes straight through
        d_state = tuple(dp + d * ~keep for dp, d in zip(d_previous, d_state))
    return d_state, recorded


def reverse_within_lengths(a, lengths):
    """Reverse axis 1 of ``a`` (batch, time, ...) within each example's own length.

    Padding stays where it is (at the end), which is how PyTorch's packed sequences and Keras's
    masked ``go_backwards`` read a padded batch backwards. Applying it twice restores ``a``.
    """
    batch, time = a.shape[:2]
    if lengths is None:
        return a[:, ::-1].copy()
    lengths = np.asarray(lengths)
    steps = np.arange(time)[None, :]
    source = np.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
    return a[np.arange(batch)[:, None], source]


def jacobian_norms(cell, x, params, initial_state, lengths=None, wrt=0, norm="fro"):
    """||d h_final / d state_t|| per example and step, shape (batch, time).

    ``wrt`` indexes the state (0 for h, 1 for the LSTM's c). The Jacobian is built one row at a
    time by backpropagating a unit vector from the final h, all rows at once: the batch is
    repeated ``units`` times and copy j starts from the j-th unit vector.
    """
    batch, time, _ = x.shape
    units = initial_state[0].shape[1]
    tiled = np.tile(x, (units, 1, 1))
    unrolled = unroll(
        cell,
        tiled,
        params,
        tuple(np.tile(s, (units, 1)) for s in initial_state),
        None if lengths is None else np.tile(np.asarray(lengths), units),
    )
    unit_rows = np.repeat(np.eye(units), batch, axis=0)  # copy j of every example gets e_j
    d_final = (unit_rows,) + (None,) * (len(initial_state) - 1)
    *_, recorded = backpropagate(
        cell, params, unrolled, tiled.shape, np.zeros_like(unrolled.outputs), d_final, record=True
    )
    norms = np.zeros((batch, time))
    for t, d_state in enumerate(recorded):
        # (batch, row j, column)
        jacobians = d_state[wrt].reshape(units, batch, -1).transpose(1, 0, 2)
        norms[:, t] = [np.linalg.norm(jacobian, norm) for jacobian in jacobians]
    return norms


def sequence_gradients(cell, x, params, initial_state, d_outputs, d_final, lengths, truncate):
    """The shared body of rnn_, lstm_ and gru_backward: validate, unroll, backpropagate, name the
    results.
    """
    x, params, state = validated_inputs(cell, x, params, initial_state)
    unrolled = unroll(cell, x, params, state, lengths)
    d_outputs = as_float_array("dh_all", d_outputs, 3)
    if d_outputs.shape != unrolled.outputs.shape:
        raise ValueError(
            f"dh_all has shape {d_outputs.shape}, expected {unrolled.outputs.shape} (the shape of"
            " h_all)"
        )
    for name, d in zip(cell.state_names, d_final):
        if d is not None and np.shape(d) != state[0].shape:
            raise ValueError(f"d{name}_last has shape {np.shape(d)}, expected {state[0].shape}")
    dx, d_initial, d_params = backpropagate(
        cell, params, unrolled, x.shape, d_outputs, d_final, truncate
    )
    grads = {"x": dx}
    grads.update({f"{name}0": d for name, d in zip(cell.state_names, d_initial)})
    grads.update(zip(("W_x", "W_h", "b"), d_params))
    return grads


def gate_history(cell, x, params, initial_state, lengths=None):
    """Gates and states at every step: dict name -> (batch, time, units), 0 on padding."""
    x, params, state = validated_inputs(cell, x, params, initial_state)
    unrolled = unroll(cell, x, params, state, lengths)
    per_step = [cell.gates(cache) for cache in unrolled.caches]
    mask = unrolled.active[:, :, None]
    history = {
        name: np.where(mask, np.stack([g[name] for g in per_step], axis=1), 0.0)
        for name in per_step[0]
    }
    history.update(zip(cell.state_names, unrolled.states))
    return history
