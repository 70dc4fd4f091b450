"""Homework code written the way three other courses teach it, for testing the checks' hints.

Written for this test suite in the styles of CS231n's ``rnn_layers.py`` (row vectors, a cache
returned for the backward pass, LSTM blocks i, f, o, g, c0 fixed at zero), deeplearning.ai's
"step by step" notebooks (column vectors (features, batch), a parameters dict, states stacked as
(units, batch, time), a concatenation [a_prev; x_t]) and d2l's from-scratch cells (time-major
loops over ``inputs``, one weight matrix per gate, a GRU that resets before the matmul and keeps
the old state with z). Each style's code is correct in its own course; an adapter fits it to the
course's signatures, and the variants in ``VARIANTS`` plant one (or two) realistic slips each.
"""

from functools import partial

import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# --- CS231n style: row vectors, (value, cache) pairs ------------------------------------------


def cs_rnn_step_forward(x, prev_h, Wx, Wh, b, transpose_wh=False, act=np.tanh):
    Wh = Wh.T if transpose_wh else Wh
    next_h = act(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def cs_rnn_forward(x, h0, Wx, Wh, b, step=cs_rnn_step_forward, shift=0, use_h0=True):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    prev_h, cache = (h0 if use_h0 else np.zeros_like(h0)), []
    for t in range(T):
        prev_h, step_cache = step(x[:, t - shift, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache


def cs_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, g_act=np.tanh, c_from_h=False):
    """CS231n's blocks: i, f, o, g (the candidate last)."""
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), sigmoid(a[:, 2 * H : 3 * H])
    g = g_act(a[:, 3 * H :])
    next_c = f * (prev_h if c_from_h else prev_c) + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (i, f, o, g)


def cs_lstm_forward(x, h0, Wx, Wh, b, **step_options):
    """CS231n's lstm_forward: no c0 argument, the cell state starts at zero."""
    N, T, _ = x.shape
    H = h0.shape[1]
    h, prev_h, prev_c = np.zeros((N, T, H)), h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, _ = cs_lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b, **step_options)
        h[:, t] = prev_h
    return h, (prev_c,)


def ifco_to_ifog(W):
    """The course's blocks i, f, c~, o reordered as CS231n's i, f, o, g."""
    i, f, c, o = np.split(W, 4, axis=-1)
    return np.concatenate([i, f, o, c], axis=-1)


# --- deeplearning.ai style: column vectors, a parameters dict ---------------------------------


def dl_rnn_cell_forward(xt, a_prev, parameters):
    a_next = np.tanh(parameters["Wax"] @ xt + parameters["Waa"] @ a_prev + parameters["ba"])
    return a_next, None, (a_next, a_prev, xt, parameters)


def dl_rnn_forward(x, a0, parameters):
    """x: (n_x, m, T_x); returns a: (n_a, m, T_x)."""
    n_x, m, T_x = x.shape
    a = np.zeros((parameters["Waa"].shape[0], m, T_x))
    a_next = a0
    for t in range(T_x):
        a_next, _, _ = dl_rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
    return a, None, []


def dl_rnn_parameters(W_x, W_h, b, transpose_waa=True):
    return {"Wax": W_x.T, "Waa": W_h.T if transpose_waa else W_h, "ba": b[:, None]}


def dl_lstm_cell_forward(xt, a_prev, c_prev, parameters, concat_order="a_first"):
    """deeplearning.ai's LSTM step: gates from one concatenation [a_prev; xt]."""
    concat = np.concatenate([a_prev, xt] if concat_order == "a_first" else [xt, a_prev], axis=0)
    ft = sigmoid(parameters["Wf"] @ concat + parameters["bf"])
    it = sigmoid(parameters["Wi"] @ concat + parameters["bi"])
    cct = np.tanh(parameters["Wc"] @ concat + parameters["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(parameters["Wo"] @ concat + parameters["bo"])
    a_next = ot * np.tanh(c_next)
    return a_next, c_next, (ft, it, cct, ot)


def dl_lstm_parameters(W_x, W_h, b, stacked="a_first"):
    """One (n_a, n_a + n_x) matrix per gate; its columns follow the concatenation's rows."""
    params = {}
    for name, Wx_g, Wh_g, b_g in zip("ifco", *(np.split(p, 4, axis=-1) for p in (W_x, W_h, b))):
        rows = [Wh_g, Wx_g] if stacked == "a_first" else [Wx_g, Wh_g]
        params[f"W{name}"] = np.vstack(rows).T
        params[f"b{name}"] = b_g[:, None]
    return params


# --- d2l style: time-major loops, a weight matrix per gate ------------------------------------


def d2l_gru(inputs, state, params, keep_with_z=True):
    """d2l's GRU: the reset gate before the matmul, z keeping the old state."""
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h = params
    (H,) = state
    outputs = []
    for X in inputs:
        Z = sigmoid(X @ W_xz + H @ W_hz + b_z)
        R = sigmoid(X @ W_xr + H @ W_hr + b_r)
        H_tilde = np.tanh(X @ W_xh + (R * H) @ W_hh + b_h)
        H = Z * H + (1 - Z) * H_tilde if keep_with_z else (1 - Z) * H + Z * H_tilde
        outputs.append(H)
    return outputs, (H,)


def d2l_gru_params(W_x, W_h, b):
    """The course's (z, r, h~) blocks as d2l's nine arrays; a two-row bias summed into one."""
    b = b.sum(axis=0) if np.ndim(b) == 2 else b
    blocks = [np.split(p, 3, axis=-1) for p in (W_x, W_h, b)]
    return [blocks[k][g] for g in range(3) for k in range(3)]


def d2l_lstm(inputs, state, params, forget_tanh=False):
    W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c = params
    H, C = state
    outputs = []
    for X in inputs:
        I_gate = sigmoid(X @ W_xi + H @ W_hi + b_i)
        F = (np.tanh if forget_tanh else sigmoid)(X @ W_xf + H @ W_hf + b_f)
        O_gate = sigmoid(X @ W_xo + H @ W_ho + b_o)
        C_tilde = np.tanh(X @ W_xc + H @ W_hc + b_c)
        C = F * C + I_gate * C_tilde
        H = O_gate * np.tanh(C)
        outputs.append(H)
    return outputs, (H, C)


def d2l_lstm_params(W_x, W_h, b, order="ifoc"):
    blocks = dict(zip("ifco", zip(*(np.split(p, 4, axis=-1) for p in (W_x, W_h, b)))))
    return [array for gate in order for array in blocks[gate]]


# --- adapters to the course's signatures ------------------------------------------------------


def cs_rnn_cell_adapter(**options):
    def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):
        return cs_rnn_step_forward(x_t, h_prev, W_x, W_h, b, **options)[0]

    return rnn_cell_forward


def cs_rnn_forward_adapter(last=lambda h: h[:, -1], **options):
    def rnn_forward(x, h0, W_x, W_h, b):
        h, _ = cs_rnn_forward(x, h0, W_x, W_h, b, **options)
        return h, last(h)

    return rnn_forward


def dl_rnn_cell_adapter(transpose_back=True, transpose_waa=True):
    def rnn_cell_forward(x_t, h_prev, W_x, W_h, b):
        a_next, _, _ = dl_rnn_cell_forward(
            x_t.T, h_prev.T, dl_rnn_parameters(W_x, W_h, b, transpose_waa)
        )
        return a_next.T if transpose_back else a_next

    return rnn_cell_forward


def dl_rnn_forward_adapter(transpose_back=True):
    def rnn_forward(x, h0, W_x, W_h, b):
        a, _, _ = dl_rnn_forward(x.transpose(2, 0, 1), h0.T, dl_rnn_parameters(W_x, W_h, b))
        h_all = a.transpose(1, 2, 0) if transpose_back else a
        return h_all, a[:, :, -1].T

    return rnn_forward


def cs_lstm_cell_adapter(reorder=True, **options):
    def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):
        params = [ifco_to_ifog(p) for p in (W_x, W_h, b)] if reorder else [W_x, W_h, b]
        h, c, (i, f, o, g) = cs_lstm_step_forward(x_t, h_prev, c_prev, *params, **options)
        return h, c, {"i": i, "f": f, "c_tilde": g, "o": o}

    return lstm_cell_forward


def cs_lstm_forward_adapter(reorder=True, pass_c0=False):
    """CS231n's lstm_forward has no c0: the faithful adapter must start it from c0 itself."""

    def lstm_forward(x, h0, c0, W_x, W_h, b):
        params = [ifco_to_ifog(p) for p in (W_x, W_h, b)] if reorder else [W_x, W_h, b]
        if not pass_c0:
            h, (c,) = cs_lstm_forward(x, h0, *params)
            return h, h[:, -1], c
        N, T, _ = x.shape
        h_all, h, c = np.zeros((N, T, h0.shape[1])), h0, c0
        for t in range(T):
            h, c, _ = cs_lstm_step_forward(x[:, t], h, c, *params)
            h_all[:, t] = h
        return h_all, h, c

    return lstm_forward


def dl_lstm_cell_adapter(stacked="a_first", concat_order="a_first", transpose_back=True):
    def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):
        a, c, (ft, it, cct, ot) = dl_lstm_cell_forward(
            x_t.T, h_prev.T, c_prev.T, dl_lstm_parameters(W_x, W_h, b, stacked), concat_order
        )
        back = (lambda v: v.T) if transpose_back else (lambda v: v)
        return back(a), back(c), {"i": back(it), "f": back(ft), "c_tilde": back(cct), "o": back(ot)}

    return lstm_cell_forward


def d2l_lstm_forward_adapter(order="ifoc", **options):
    def lstm_forward(x, h0, c0, W_x, W_h, b):
        outputs, (h, c) = d2l_lstm(
            np.swapaxes(x, 0, 1), (h0, c0), d2l_lstm_params(W_x, W_h, b, order), **options
        )
        return np.stack(outputs, axis=1), h, c

    return lstm_forward


def d2l_gru_forward_adapter(handle_variants=False):
    """d2l's GRU as gru_forward; it ignores the variant unless told to convert."""

    def gru_forward(x, h0, W_x, W_h, b, reset_after=True, z_convention="keep"):
        outputs, (h,) = d2l_gru(
            np.swapaxes(x, 0, 1),
            (h0,),
            d2l_gru_params(W_x, W_h, b),
            keep_with_z=(z_convention == "keep") if handle_variants else True,
        )
        return np.stack(outputs, axis=1), h

    return gru_forward


def d2l_gru_cell_adapter():
    def gru_cell_forward(x_t, h_prev, W_x, W_h, b, reset_after=True, z_convention="keep"):
        outputs, (h,) = d2l_gru(x_t[None], (h_prev,), d2l_gru_params(W_x, W_h, b))
        W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h = d2l_gru_params(W_x, W_h, b)
        z = sigmoid(x_t @ W_xz + h_prev @ W_hz + b_z)
        r = sigmoid(x_t @ W_xr + h_prev @ W_hr + b_r)
        return h, {"z": z, "r": r, "h_tilde": np.tanh(x_t @ W_xh + (r * h_prev) @ W_hh + b_h)}

    return gru_cell_forward


def starter_rnn_forward(x, h0, W_x, W_h, b):
    """A deeplearning.ai-style starter left unfinished: the placeholders are still None."""
    h_all = None
    h_last = None
    return h_all, h_last


def py2_rnn_forward(x, h0, W_x, W_h, b):
    h, states = h0, []
    for t in xrange(x.shape[1]):  # noqa: F821 -- Python 2 code, on purpose
        h = np.tanh(x[:, t] @ W_x + h @ W_h + b)
        states.append(h)
    return np.stack(states, axis=1), h


def _cs_lstm_with(x, h0, c0, W_x, W_h, b, **options):
    N, T, _ = x.shape
    params = [ifco_to_ifog(p) for p in (W_x, W_h, b)]
    h_all, h, c = np.zeros((N, T, h0.shape[1])), h0, c0
    for t in range(T):
        h, c, _ = cs_lstm_step_forward(x[:, t], h, c, *params, **options)
        h_all[:, t] = h
    return h_all, h, c


# (check name, function, what the message must name: a Mistake's name, a phrase, or None to pass)
VARIANTS = {
    "cs231n rnn cell": ("check_rnn_cell_forward", cs_rnn_cell_adapter(), None),
    "cs231n rnn cell, W_h transposed": (
        "check_rnn_cell_forward",
        cs_rnn_cell_adapter(transpose_wh=True),
        "'W_h used transposed'",
    ),
    "cs231n rnn cell returning its cache": (
        "check_rnn_cell_forward",
        lambda *a: cs_rnn_step_forward(*a),
        "(value, cache) pair",
    ),
    "cs231n rnn cell, sigmoid": (
        "check_rnn_cell_forward",
        cs_rnn_cell_adapter(act=sigmoid),
        "'sigmoid where tanh belongs'",
    ),
    "cs231n rnn forward": ("check_rnn_forward", cs_rnn_forward_adapter(), None),
    "cs231n rnn forward returning its cache": (
        "check_rnn_forward",
        lambda *a: cs_rnn_forward(*a),
        "(outputs, cache) pair",
    ),
    "cs231n rnn forward, inputs shifted": (
        "check_rnn_forward",
        cs_rnn_forward_adapter(shift=1),
        "'inputs shifted by one step'",
    ),
    "cs231n rnn forward, h0 ignored": (
        "check_rnn_forward",
        cs_rnn_forward_adapter(use_h0=False),
        "'initial state ignored'",
    ),
    "cs231n rnn forward, last from first step": (
        "check_rnn_forward",
        cs_rnn_forward_adapter(last=lambda h: h[:, 0]),
        "'last state taken from the first step'",
    ),
    "cs231n rnn forward, W_h transposed and shifted": (
        "check_rnn_forward",
        cs_rnn_forward_adapter(shift=1, step=lambda *a: cs_rnn_step_forward(*a, transpose_wh=True)),
        "'W_h used transposed' and 'inputs shifted by one step'",
    ),
    "dlai rnn cell": ("check_rnn_cell_forward", dl_rnn_cell_adapter(), None),
    "dlai rnn cell, column vector returned": (
        "check_rnn_cell_forward",
        dl_rnn_cell_adapter(transpose_back=False),
        "column-vector layout",
    ),
    "dlai rnn cell, Waa not transposed": (
        "check_rnn_cell_forward",
        dl_rnn_cell_adapter(transpose_waa=False),
        "'W_h used transposed'",
    ),
    "dlai rnn forward": ("check_rnn_forward", dl_rnn_forward_adapter(), None),
    "dlai rnn forward, (n_a, m, T_x) returned": (
        "check_rnn_forward",
        dl_rnn_forward_adapter(transpose_back=False),
        "column-vector layout",
    ),
    "dlai starter left unfinished": (
        "check_rnn_forward",
        starter_rnn_forward,
        "computes nothing yet",
    ),
    "python 2 loop": ("check_rnn_forward", py2_rnn_forward, "xrange is Python 2"),
    "cs231n lstm cell": ("check_lstm_cell_forward", cs_lstm_cell_adapter(), None),
    "cs231n lstm cell, blocks not reordered": (
        "check_lstm_cell_forward",
        cs_lstm_cell_adapter(reorder=False),
        "'gate blocks read in the order i, f, o, g'",
    ),
    "cs231n lstm cell, h_prev for c_prev": (
        "check_lstm_cell_forward",
        cs_lstm_cell_adapter(c_from_h=True),
        "'h_prev used where c_prev belongs'",
    ),
    "cs231n lstm forward pasted as is": (
        "check_lstm_forward",
        cs_lstm_forward,
        "the check calls lstm_forward(x, h0, c0, W_x, W_h, b)",
    ),
    "cs231n lstm forward, c0 ignored": (
        "check_lstm_forward",
        cs_lstm_forward_adapter(),
        "'c0 ignored while h0 is used'",
    ),
    "cs231n lstm forward, c0 passed": (
        "check_lstm_forward",
        cs_lstm_forward_adapter(pass_c0=True),
        None,
    ),
    "cs231n lstm forward, c0 ignored and blocks not reordered": (
        "check_lstm_forward",
        cs_lstm_forward_adapter(reorder=False),
        "'gate blocks read in the order i, f, o, g' and 'c0 ignored while h0 is used'",
    ),
    "cs231n lstm forward, sigmoid candidate": (
        "check_lstm_forward",
        partial(_cs_lstm_with, g_act=sigmoid),
        "'sigmoid where tanh belongs in the candidate'",
    ),
    "dlai lstm cell": ("check_lstm_cell_forward", dl_lstm_cell_adapter(), None),
    "dlai lstm cell, concatenation reversed": (
        "check_lstm_cell_forward",
        dl_lstm_cell_adapter(concat_order="x_first"),
        "'input and recurrent weights swapped'",
    ),
    "dlai lstm cell, column vectors returned": (
        "check_lstm_cell_forward",
        dl_lstm_cell_adapter(transpose_back=False),
        "column-vector layout",
    ),
    "d2l lstm forward": ("check_lstm_forward", d2l_lstm_forward_adapter(), None),
    "d2l lstm forward, forget gate tanh": (
        "check_lstm_forward",
        d2l_lstm_forward_adapter(forget_tanh=True),
        "'tanh where the sigmoid belongs in the forget gate'",
    ),
    "d2l lstm forward, blocks i, f, c, o read as i, f, o, c": (
        "check_lstm_forward",
        d2l_lstm_forward_adapter(order="ifco"),
        "'gate blocks read in the order i, f, o, g'",
    ),
    "d2l gru forward, variants ignored": (
        "check_gru_forward",
        d2l_gru_forward_adapter(),
        "'reset applied before the matmul instead of after' and 'z convention flipped'",
    ),
    "d2l gru forward, z handled, reset not": (
        "check_gru_forward",
        d2l_gru_forward_adapter(handle_variants=True),
        "'reset applied before the matmul instead of after'",
    ),
    "d2l gru cell, variants ignored": (
        "check_gru_cell_forward",
        d2l_gru_cell_adapter(),
        "'reset applied before the matmul instead of after' and 'z convention flipped'",
    ),
}
