"""Interactive figures that work on the static site: no kernel, no network.

Each function computes its figure's data with the reference package over every point of the
controls' grid, and returns an ``InteractiveFigure``: an HTML object (``_repr_html_``) holding the
labelled form controls, an empty SVG and the data as JSON. ``book/_static/interactive-figures.js``
draws the SVG in the reader's browser and redraws it when a control moves. A chapter cell is one
line, for example ``interactive.gate_dynamics()``.

The figures:

    rnn_steps               chapter 1  a one-unit tanh RNN's state for chosen W, U, b (000's
                                       example)
    gradient_magnitude      chapter 2  ||dh_T/dh_t|| of a vanilla RNN against ||dh_T/dc_t|| of an
                                       LSTM
    gate_dynamics           chapter 3  the gates of the hand-built LSTM memory register
    hidden_state_evolution  chapter 3  every unit of a small LSTM's h_t and c_t over a sequence
    parameter_comparison    chapter 4  parameter counts of RNN, LSTM and GRU against units and
                                       features
"""

import html
import json

import numpy as np

from .. import reference

# Significant digits kept in the embedded data: more than a reader can see, few enough to stay
# small.
DIGITS = 4


class InteractiveFigure:
    """One interactive figure: its name, title, controls and precomputed data, rendered as HTML.

    Args:
        name: the figure's name, the value of its container's ``data-interactive-figure``.
        title: a one-line title shown above the figure.
        description: what the figure shows, read by screen readers (the SVG's label).
        controls: list of control dicts, each {"key", "label", "kind" ("range" or "select"),
            "values" (the grid), "default" (an index into values)}; optionally "labels" (text shown
            for each value) and "unit" (text after the shown value).
        data: JSON-serialisable data the figure's JavaScript draws from.
    """

    def __init__(self, name, title, description, controls, data):
        for control in controls:
            if control["kind"] not in ("range", "select"):
                raise ValueError(f"control {control['key']!r}: kind must be 'range' or 'select'")
            if not 0 <= control["default"] < len(control["values"]):
                raise ValueError(f"control {control['key']!r}: default index out of range")
        self.name, self.title, self.description = name, title, description
        self.controls, self.data = controls, data

    def payload(self):
        """The JSON object embedded in the page: the controls' grids and the figure's data."""
        return {
            "controls": [
                {
                    "key": c["key"],
                    "values": c["values"],
                    "labels": c.get("labels", [_shown(v) for v in c["values"]]),
                }
                for c in self.controls
            ],
            "data": self.data,
        }

    def _control_html(self, control):
        ident = f"ifig-{self.name}-{control['key']}"
        labels = control.get("labels", [_shown(v) for v in control["values"]])
        unit = html.escape(control.get("unit", ""))
        label = f'<label for="{ident}">{html.escape(control["label"])}</label>'
        if control["kind"] == "range":
            widget = (
                f'<input type="range" id="{ident}" data-control="{control["key"]}" min="0" '
                f'max="{len(control["values"]) - 1}" step="1" value="{control["default"]}" '
                f'aria-valuetext="{html.escape(labels[control["default"]])}">'
                f'<output for="{ident}">{html.escape(labels[control["default"]])}{unit}</output>'
            )
        else:
            options = "".join(
                f'<option value="{k}"{" selected" if k == control["default"] else ""}>'
                f"{html.escape(text)}</option>"
                for k, text in enumerate(labels)
            )
            widget = f'<select id="{ident}" data-control="{control["key"]}">{options}</select>'
        return f'<div class="ifig-control">{label}{widget}</div>'

    def _repr_html_(self):
        data = json.dumps(self.payload(), separators=(",", ":")).replace("</", "<\\/")
        controls = "".join(self._control_html(c) for c in self.controls)
        return (
            f'<figure class="ifig" data-interactive-figure="{self.name}">'
            f'<figcaption class="ifig-title">{html.escape(self.title)}</figcaption>'
            f'<div class="ifig-controls">{controls}</div>'
            '<svg class="ifig-plot" viewBox="0 0 640 360" role="img" '
            f'aria-label="{html.escape(self.description)}"></svg>'
            '<p class="ifig-readout" aria-live="polite"></p>'
            "<noscript>This figure is drawn by JavaScript, which is turned off.</noscript>"
            f'<script type="application/json" class="ifig-data">{data}</script></figure>'
        )


def _shown(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def _rounded(values):
    """Nested lists of floats with DIGITS significant digits (NaN and inf are not allowed)."""
    array = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(array)):
        raise ValueError("figure data must be finite")
    return (
        [float(f"{v:.{DIGITS}g}") for v in array.ravel()]
        if array.ndim == 1
        else [_rounded(row) for row in array]
    )


# --- chapter 1: the notes' one-unit RNN, with the weights under the reader's control
# -----------------

# 0.1, 0.2, ... capped at 1: chapter 1's series
RNN_SERIES = np.minimum(np.arange(1, 21) * 0.1, 1.0)
RNN_W = [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
RNN_U = [-1.5, -1.25, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]
RNN_B = [-0.5, -0.25, 0.0, 0.1, 0.25, 0.5]


def rnn_states(W, U, b, series=RNN_SERIES):
    """h_1..h_T of the one-unit tanh RNN h_t = tanh(W x_t + U h_{t-1} + b), h_0 = 0, by the
    reference.
    """
    h_all, _ = reference.rnn_forward(
        np.asarray(series, float).reshape(1, -1, 1),
        None,
        np.array([[W]]),
        np.array([[U]]),
        np.array([b]),
    )
    return h_all[0, :, 0]


def rnn_steps():
    """Chapter 1 (the notes' "interactive example"): h_t of a one-unit RNN for chosen W, U and b."""
    states = [[[rnn_states(W, U, b) for b in RNN_B] for U in RNN_U] for W in RNN_W]
    return InteractiveFigure(
        "rnn-steps",
        "A one-unit RNN: move the weights, watch the state",
        "Line plot of the input x_t, a slowly rising series, and the hidden state h_t of a one-unit"
        " tanh RNN over 20 steps, for the chosen input weight W, recurrent weight U and bias b.",
        [
            {
                "key": "W",
                "label": "input weight W",
                "kind": "range",
                "values": RNN_W,
                "default": RNN_W.index(2.0),
            },
            {
                "key": "U",
                "label": "recurrent weight U",
                "kind": "range",
                "values": RNN_U,
                "default": RNN_U.index(0.5),
            },
            {
                "key": "b",
                "label": "bias b",
                "kind": "range",
                "values": RNN_B,
                "default": RNN_B.index(0.1),
            },
        ],
        {"x": _rounded(RNN_SERIES), "h": _rounded(states)},
    )


# --- chapter 2: gradient magnitude over time, vanilla RNN against LSTM
# --------------------------------

GRADIENT_STEPS, GRADIENT_FEATURES, GRADIENT_UNITS = 100, 4, 16
RNN_SCALES = [0.5, 0.75, 0.9, 1.0, 1.25, 1.5, 2.0, 3.0]
FORGET_BIASES = [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def gradient_setup():
    """Chapter 2's sequence and weights: 100 steps, 4 features, 16 units; W_h = s Q, Q orthogonal.

    Returns (x, W_x, Q, lstm_params): the RNN's input weights and orthogonal Q drawn as chapter 2
    draws them (seed 0), and an LSTM initialised as Keras does by default, drawn with seed 1
    (Glorot-uniform W_x, a W_h with orthonormal rows, zero biases; the forget block's bias is set
    per curve).
    """
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, GRADIENT_STEPS, GRADIENT_FEATURES))
    W_x = rng.normal(size=(GRADIENT_FEATURES, GRADIENT_UNITS)) / np.sqrt(GRADIENT_FEATURES)
    Q, _ = np.linalg.qr(rng.normal(size=(GRADIENT_UNITS, GRADIENT_UNITS)))
    lstm_rng = np.random.default_rng(1)
    limit = np.sqrt(6 / (GRADIENT_FEATURES + 4 * GRADIENT_UNITS))
    lstm_W_x = lstm_rng.uniform(-limit, limit, size=(GRADIENT_FEATURES, 4 * GRADIENT_UNITS))
    # Keras's orthogonal initializer on the (units, 4 units) recurrent kernel: orthonormal rows
    lstm_W_h = np.linalg.qr(lstm_rng.normal(size=(4 * GRADIENT_UNITS, GRADIENT_UNITS)))[0].T
    return x, W_x, Q, (lstm_W_x, lstm_W_h)


def rnn_gradient_norms(scale):
    """||dh_T/dh_t|| for t = 1..T of the vanilla RNN with W_h = scale * Q (reference)."""
    x, W_x, Q, _ = gradient_setup()
    return reference.gradient_norms_per_step(x, None, W_x, scale * Q, np.zeros(GRADIENT_UNITS))[0]


def lstm_gradient_norms(forget_bias):
    """||dh_T/dc_t|| for t = 1..T of the LSTM with every forget-gate bias set to forget_bias
    (reference).
    """
    x, _, _, (W_x, W_h) = gradient_setup()
    b = np.zeros(4 * GRADIENT_UNITS)
    b[GRADIENT_UNITS : 2 * GRADIENT_UNITS] = forget_bias  # blocks i, f, c~, o: the f block
    return reference.lstm_gradient_norms_per_step(x, None, None, W_x, W_h, b, wrt="c")[0]


def gradient_magnitude():
    """Chapter 2: log10 of the gradient norm against the distance T - t, RNN and LSTM, by the
    reference.

    The last step (distance 0) is left out: there the RNN's norm is ||I|| and the LSTM's is 0 by
    definition (h_T and c_T are two outputs of the last step).
    """
    rnn = [np.log10(rnn_gradient_norms(s)[:-1][::-1]) for s in RNN_SCALES]
    lstm = [np.log10(lstm_gradient_norms(fb)[:-1][::-1]) for fb in FORGET_BIASES]
    return InteractiveFigure(
        "gradient-magnitude",
        "Gradient magnitude over time steps: vanilla RNN against LSTM",
        "Log-scale line plot of the gradient norm against the distance T - t from 1 to 99 steps:"
        " the vanilla RNN's norm of dh_T/dh_t for the chosen singular value s of W_h, and the"
        " LSTM's norm of dh_T/dc_t along its cell state for the chosen forget-gate bias.",
        [
            {
                "key": "s",
                "label": "RNN: singular value s of W_h",
                "kind": "range",
                "values": RNN_SCALES,
                "default": RNN_SCALES.index(1.0),
            },
            {
                "key": "bf",
                "label": "LSTM: forget-gate bias",
                "kind": "range",
                "values": FORGET_BIASES,
                "default": FORGET_BIASES.index(1.0),
            },
        ],
        {"rnn": _rounded(rnn), "lstm": _rounded(lstm)},
    )


# --- chapter 3: gate dynamics of the hand-built memory register
# ---------------------------------------

REGISTER_STEPS = 30
REGISTER_FORGET_BIASES = [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
REGISTER_GAINS = [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]


def register_inputs():
    """Chapter 3's memory-register sequence: (1, 30, 4) with features value, write, erase, read."""
    rng = np.random.default_rng(4)
    value = rng.uniform(-1, 1, size=REGISTER_STEPS)
    write, erase, read = (
        np.zeros(REGISTER_STEPS),
        np.zeros(REGISTER_STEPS),
        np.zeros(REGISTER_STEPS),
    )
    write[[3, 14]] = 1
    erase[24] = 1
    read[[9, 19, 21, 28]] = 1
    return np.stack([value, write, erase, read], axis=-1)[None]


def register_weights(forget_bias=6.0, gain=12.0):
    """The register's one-unit LSTM (blocks i, f, c~, o). Chapter 3's weights are forget_bias=6,
    gain=12.

    The input gate opens on write (gain * write - gain/2), the forget gate closes on write or erase
    (forget_bias - gain * (write + erase)), the candidate is tanh(2 v), the output gate opens on
    read.
    """
    W_x = np.array(
        [
            [0, 0, 2, 0],  # value -> candidate
            [gain, -gain, 0, 0],  # write: open the input gate, close the forget gate
            [0, -gain, 0, 0],  # erase: close the forget gate
            [0, 0, 0, gain],
        ],
        float,
    )  # read: open the output gate
    return W_x, np.zeros((1, 4)), np.array([-gain / 2, forget_bias, 0, -gain / 2])


def register_history(forget_bias=6.0, gain=12.0):
    """Every gate and state of the register at every step (reference ``lstm_gate_history``)."""
    return reference.lstm_gate_history(
        register_inputs(), None, None, *register_weights(forget_bias, gain)
    )


def gate_dynamics():
    """Chapter 3: the register's gates i, f, o and states c, h for chosen forget bias and gate
    gain.
    """
    keys = ("i", "f", "o", "c", "h")
    grid = [
        [[register_history(fb, g)[key][0, :, 0] for key in keys] for g in REGISTER_GAINS]
        for fb in REGISTER_FORGET_BIASES
    ]
    x = register_inputs()[0]
    return InteractiveFigure(
        "gate-dynamics",
        "LSTM gate dynamics: a one-unit memory register",
        "Three panels over 30 steps: the input value with the write, erase and read steps marked;"
        " the input, forget and output gates as shaded strips from closed (0) to open (1); the cell"
        " state c_t and the hidden state h_t, for the chosen forget-gate bias and gate gain.",
        [
            {
                "key": "bf",
                "label": "forget-gate bias",
                "kind": "range",
                "values": REGISTER_FORGET_BIASES,
                "default": REGISTER_FORGET_BIASES.index(6.0),
            },
            {
                "key": "gain",
                "label": "gate gain (weight of each flag)",
                "kind": "range",
                "values": REGISTER_GAINS,
                "default": REGISTER_GAINS.index(12.0),
            },
        ],
        {
            "value": _rounded(x[:, 0]),
            "write": x[:, 1].astype(int).tolist(),
            "erase": x[:, 2].astype(int).tolist(),
            "read": x[:, 3].astype(int).tolist(),
            "keys": list(keys),
            "grid": _rounded(grid),
        },
    )


# --- chapter 3: hidden-state evolution of a small LSTM
# ------------------------------------------------

EVOLUTION_STEPS, EVOLUTION_UNITS = 30, 6
EVOLUTION_INPUTS = ("pulse", "step", "sine", "noise")
EVOLUTION_FORGET_BIASES = [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0]


def evolution_input(kind):
    """One-feature input sequences of 30 steps: a pulse at step 5, a step at step 10, a sine,
    noise.
    """
    t = np.arange(EVOLUTION_STEPS)
    if kind == "pulse":
        return (t == 4).astype(float)
    if kind == "step":
        return (t >= 9).astype(float)
    if kind == "sine":
        return np.sin(2 * np.pi * t / 12)
    if kind == "noise":
        return np.random.default_rng(7).normal(size=EVOLUTION_STEPS)
    raise ValueError(f"input must be one of {EVOLUTION_INPUTS}, got {kind!r}")


def evolution_weights(forget_bias):
    """A 6-unit LSTM on one feature, weights drawn with seed 3 (scaled normal W_x, orthogonal
    W_h).
    """
    rng = np.random.default_rng(3)
    W_x = rng.normal(size=(1, 4 * EVOLUTION_UNITS)) * 2.5
    W_h = np.concatenate(
        [np.linalg.qr(rng.normal(size=(EVOLUTION_UNITS, EVOLUTION_UNITS)))[0] for _ in range(4)],
        axis=1,
    )
    b = np.zeros(4 * EVOLUTION_UNITS)
    b[EVOLUTION_UNITS : 2 * EVOLUTION_UNITS] = forget_bias
    return W_x, W_h, b


def evolution_states(kind, forget_bias):
    """(h, c), each (time, units), of the 6-unit LSTM on the chosen input (reference
    ``lstm_forward``).
    """
    x = evolution_input(kind).reshape(1, -1, 1)
    history = reference.lstm_gate_history(x, None, None, *evolution_weights(forget_bias))
    return history["h"][0], history["c"][0]


def hidden_state_evolution():
    """Chapter 3: each unit's h_t and c_t of a 6-unit LSTM over 30 steps, for chosen input and
    forget bias.
    """
    grid = [
        [list(evolution_states(kind, fb)) for fb in EVOLUTION_FORGET_BIASES]
        for kind in EVOLUTION_INPUTS
    ]
    return InteractiveFigure(
        "hidden-state-evolution",
        "Hidden-state evolution of an LSTM",
        "The input sequence as a line, and two heat maps over 30 steps, one row per unit of a"
        " 6-unit LSTM: the hidden state h_t and the cell state c_t, coloured by sign and size, for"
        " the chosen input and forget-gate bias.",
        [
            {
                "key": "input",
                "label": "input sequence",
                "kind": "select",
                "values": list(EVOLUTION_INPUTS),
                "labels": ["a pulse at step 5", "a step at step 10", "a sine (period 12)", "noise"],
                "default": 0,
            },
            {
                "key": "bf",
                "label": "forget-gate bias",
                "kind": "range",
                "values": EVOLUTION_FORGET_BIASES,
                "default": EVOLUTION_FORGET_BIASES.index(1.0),
            },
        ],
        {
            "x": [_rounded(evolution_input(kind)) for kind in EVOLUTION_INPUTS],
            "grid": _rounded(grid),
        },
    )


# --- chapter 4: parameter counts
# ------------------------------------------------------------------------

COUNT_FEATURES = [1, 2, 4, 8, 16, 32, 64, 128]
COUNT_UNITS = [1, 2, 4, 8, 16, 32, 64, 128, 256]
COUNT_LAYERS = [1, 2, 3]
COUNT_CONVENTIONS = ["keras", "torch"]
CELLS = ("rnn", "lstm", "gru")


def parameter_comparison():
    """Chapter 4: parameters of RNN, LSTM and GRU layers against units (reference ``param_count``).

    Keras's GRU is its default, reset_after=True (PyTorch's nn.GRU has no other).
    """
    # grid[features][convention][layers][directions][cell][units]
    grid = [
        [
            [
                [
                    [
                        [
                            reference.param_count(cell, d, h, convention, layers, bidirectional)
                            for h in COUNT_UNITS
                        ]
                        for cell in CELLS
                    ]
                    for bidirectional in (False, True)
                ]
                for layers in COUNT_LAYERS
            ]
            for convention in COUNT_CONVENTIONS
        ]
        for d in COUNT_FEATURES
    ]
    return InteractiveFigure(
        "parameter-comparison",
        "Parameters of RNN, LSTM and GRU layers",
        "Log-log line plot of the number of trainable parameters against the number of units, one"
        " line each for the vanilla RNN, the LSTM and the GRU, for the chosen input features,"
        " framework, layers and directions; the chosen number of units is marked and its counts are"
        " printed below.",
        [
            {
                "key": "d",
                "label": "input features d",
                "kind": "range",
                "values": COUNT_FEATURES,
                "default": COUNT_FEATURES.index(8),
            },
            {
                "key": "h",
                "label": "units h (marked)",
                "kind": "range",
                "values": COUNT_UNITS,
                "default": COUNT_UNITS.index(64),
            },
            {
                "key": "convention",
                "label": "framework",
                "kind": "select",
                "values": COUNT_CONVENTIONS,
                "labels": ["Keras (GRU reset_after=True)", "PyTorch (two biases per block)"],
                "default": 0,
            },
            {
                "key": "layers",
                "label": "stacked layers",
                "kind": "select",
                "values": COUNT_LAYERS,
                "default": 0,
            },
            {
                "key": "bidirectional",
                "label": "directions",
                "kind": "select",
                "values": [False, True],
                "labels": ["one direction", "bidirectional"],
                "default": 0,
            },
        ],
        {"units": COUNT_UNITS, "cells": list(CELLS), "grid": grid},
    )


FIGURES = {
    "rnn-steps": rnn_steps,
    "gradient-magnitude": gradient_magnitude,
    "gate-dynamics": gate_dynamics,
    "hidden-state-evolution": hidden_state_evolution,
    "parameter-comparison": parameter_comparison,
}
