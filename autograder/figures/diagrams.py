"""The book's SVG diagrams, drawn from a few primitives in the notation page's symbols.

The committed files in ``book/diagrams/`` are the reviewed sources that the chapters include; this
module is how they were drawn. ``python -m autograder.figures.diagrams`` rewrites them, and a test
fails if a committed file differs from what this module draws.

The drawings use dark ink on a transparent background with three accents: blue for weights, orange
for gradients, green for the LSTM's cell-state path. ``book/_static/figures.css`` inverts them in
the theme's dark mode. Each file carries a ``<title>`` and ``<desc>``; each chapter's figure
directive has alt text.
"""

import html
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "book" / "diagrams"

INK, WEIGHT, GRADIENT, CELL, MUTED, PAD = (
    "#1f2328",
    "#1f6fc5",
    "#c2410c",
    "#15803d",
    "#6e7781",
    "#d0d7de",
)

STYLE = f"""
text {{ font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 14px; \
fill: {INK}; }}
.small {{ font-size: 12px; }} .title {{ font-size: 15px; font-weight: bold; }}
.muted {{ fill: {MUTED}; }} .weight {{ fill: {WEIGHT}; }} .gradient {{ fill: {GRADIENT}; }} \
.cellc {{ fill: {CELL}; }}
.box {{ fill: none; stroke: {INK}; stroke-width: 1.5; }}
.gate {{ fill: #eef3fb; stroke: {WEIGHT}; stroke-width: 1.5; }}
.pad {{ fill: {PAD}; stroke: {MUTED}; stroke-width: 1; }}
.real {{ fill: #eef3fb; stroke: {INK}; stroke-width: 1; }}
.op {{ fill: none; stroke: {INK}; stroke-width: 1.5; }}
.wire {{ fill: none; stroke: {INK}; stroke-width: 1.5; }}
.wire-w {{ fill: none; stroke: {WEIGHT}; stroke-width: 1.5; }}
.wire-g {{ fill: none; stroke: {GRADIENT}; stroke-width: 1.8; stroke-dasharray: 6 3; }}
.wire-c {{ fill: none; stroke: {CELL}; stroke-width: 3; }}
.wire-m {{ fill: none; stroke: {MUTED}; stroke-width: 1.2; stroke-dasharray: 3 3; }}
"""

MARKERS = {"wire": INK, "wire-w": WEIGHT, "wire-g": GRADIENT, "wire-c": CELL, "wire-m": MUTED}


class Drawing:
    """An SVG document built element by element (coordinates in px, text in the notation's
    symbols).
    """

    def __init__(self, width, height, title, desc):
        self.width, self.height, self.title, self.desc = width, height, title, desc
        self.parts = []

    def add(self, element):
        self.parts.append(element)

    def text(self, x, y, s, cls="", anchor="middle"):
        klass = f' class="{cls}"' if cls else ""
        self.add(f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}"{klass}>{symbols(s)}</text>')

    def box(self, x, y, w, h, label="", cls="box", label_cls=""):
        self.add(f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="6" class="{cls}"/>')
        if label:
            self.text(x + w / 2, y + h / 2 + 5, label, label_cls)

    def op(self, x, y, symbol, r=11):
        """A pointwise operation: a circle with ×, +, tanh or 1−."""
        self.add(f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" class="op"/>')
        self.text(
            x, y + 5 if len(symbol) == 1 else y + 4, symbol, "" if len(symbol) == 1 else "small"
        )

    def line(self, points, cls="wire", arrow=True):
        d = "M" + " L".join(f"{x:g},{y:g}" for x, y in points)
        end = f' marker-end="url(#arrow-{cls})"' if arrow else ""
        self.add(f'<path d="{d}" class="{cls}"{end}/>')

    def arrow(self, x1, y1, x2, y2, cls="wire"):
        self.line([(x1, y1), (x2, y2)], cls)

    def svg(self):
        markers = "".join(
            f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
            ' markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"'
            f' fill="{colour}"/></marker>'
            for name, colour in MARKERS.items()
        )
        body = "\n  ".join(self.parts)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}" role="img" aria-labelledby="title desc">\n'
            f'  <title id="title">{html.escape(self.title)}</title>\n'
            f'  <desc id="desc">{html.escape(self.desc)}</desc>\n'
            f"  <defs>{markers}<style>{STYLE}</style></defs>\n  {body}\n</svg>\n"
        )


def symbols(s):
    """Text in the notation's symbols: "h_{t-1}", "W_x" subscripts, "h^{[1]}" a superscript, "~c" is
    c̃.

    A literal underscore is written "\\_" (for code such as h_n).
    """
    s = html.escape(s, quote=False).replace("~c", "c̃").replace("~h", "h̃").replace("\\_", "\x00")

    def sub(match):
        text = (match.group(1) or match.group(2)).replace("-", "−")
        return f'<tspan baseline-shift="sub" font-size="75%">{text}</tspan>'

    def sup(match):
        return f'<tspan baseline-shift="super" font-size="70%">{match.group(1)}</tspan>'

    s = re.sub(r"\^\{([^}]*)\}", sup, s)
    return re.sub(r"_\{([^}]*)\}|_([A-Za-z0-9]+)", sub, s).replace("\x00", "_")


# --- 1. the unrolled RNN
# -----------------------------------------------------------------------------------


def unrolled_rnn():
    d = Drawing(
        800,
        280,
        "A recurrent network unrolled in time",
        "Left, one RNN cell with a loop from its output back to its input through W_h. Right, the"
        " same cell drawn once per time step: x_1, x_2, x_3, ..., x_T enter from below through W_x,"
        " the state h_0, h_1, h_2, ... passes from each copy to the next through W_h, and every"
        " copy uses the same W_x, W_h and b.",
    )
    # folded
    d.box(40, 110, 90, 50, "RNN cell")
    d.arrow(85, 225, 85, 162, "wire-w")
    d.text(85, 245, "x_t")
    d.text(100, 195, "W_x", "weight small", "start")
    d.arrow(85, 110, 85, 45)
    d.text(85, 35, "h_t")
    d.line([(85, 80), (160, 80), (160, 135), (132, 135)], "wire-w")
    d.text(168, 112, "W_h", "weight small", "start")
    d.text(205, 142, "=", "title")
    # unrolled
    xs = [270, 410, 550, 710]
    labels = ["1", "2", "3", "T"]
    d.text(230, 140, "h_0", "", "middle")
    d.arrow(243, 135, 268, 135, "wire-w")
    for k, (x, t) in enumerate(zip(xs, labels)):
        d.box(x, 110, 70, 50, "cell")
        d.arrow(x + 35, 225, x + 35, 162, "wire-w")
        d.text(x + 35, 245, f"x_{t}")
        d.text(x + 45, 200, "W_x", "weight small", "start")
        d.arrow(x + 35, 110, x + 35, 45)
        d.text(x + 35, 35, f"h_{t}")
        if k < len(xs) - 1:
            end = xs[k + 1] - 2
            if k == 2:
                d.line([(x + 70, 135), (x + 95, 135)], "wire-w", arrow=False)
                d.text(x + 110, 140, "…")
                d.arrow(x + 125, 135, end, 135, "wire-w")
            else:
                d.arrow(x + 70, 135, end, 135, "wire-w")
                d.text(x + 105, 127, "W_h", "weight small")
                d.text(x + 105, 153, f"h_{t}", "small")
    d.text(
        400,
        272,
        "the same W_x, W_h and b at every step: h_t = tanh(x_t W_x + h_{t-1} W_h + b)",
        "small muted",
    )
    return d


# --- 2. the sequence patterns
# ------------------------------------------------------------------------------


def sequence_patterns():
    d = Drawing(
        900,
        250,
        "Sequence patterns: one-to-one, one-to-many, many-to-one, many-to-many",
        "Five small networks, inputs at the bottom, recurrent states in the middle, outputs at the"
        " top. One-to-one: one input, one state, one output (no recurrence). One-to-many: one"
        " input, then a state and an output at every step. Many-to-one: an input at every step and"
        " one output after the last state. Many-to-many, synced: an output for every input."
        " Many-to-many, encoder-decoder: inputs at the first steps and outputs at the later steps,"
        " of another length.",
    )
    panels = [
        ("one-to-one", "", "an image → a label", [1], [1]),
        ("one-to-many", "", "an image → a caption", [1, 0, 0], [1, 1, 1]),
        ("many-to-one", "", "a sentence → its sentiment", [1, 1, 1], [0, 0, 1]),
        ("many-to-many", "synced", "a tag for each word", [1, 1, 1], [1, 1, 1]),
        (
            "many-to-many",
            "encoder–decoder",
            "a sentence → a translation",
            [1, 1, 1, 0, 0],
            [0, 0, 0, 1, 1],
        ),
    ]
    x0 = 10
    widths = [110, 160, 160, 160, 250]
    for (name, kind, example, ins, outs), w in zip(panels, widths):
        steps = len(ins)
        gap = 45
        left = x0 + (w - gap * (steps - 1) - 30) / 2
        d.text(x0 + w / 2, 18, name, "title")
        d.text(x0 + w / 2, 33, kind, "small muted")
        for k in range(steps):
            cx = left + gap * k
            d.box(cx, 105, 30, 30, "", "box")
            if ins[k]:
                d.box(cx + 3, 185, 24, 24, "", "real")
                d.arrow(cx + 15, 184, cx + 15, 137, "wire-w")
            if outs[k]:
                d.box(cx + 3, 40, 24, 24, "", "gate")
                d.arrow(cx + 15, 104, cx + 15, 66)
            if k < steps - 1:
                d.arrow(cx + 31, 120, cx + gap - 1, 120, "wire-w")
        d.text(x0 + w / 2, 235, example, "small muted")
        x0 += w + 10
    d.text(20, 57, "y", "small muted", "start")
    d.text(20, 125, "h", "small muted", "start")
    d.text(20, 202, "x", "small muted", "start")
    return d


# --- 3. the LSTM cell
# ----------------------------------------------------------------------------------------


def lstm_cell():
    d = Drawing(
        760,
        380,
        "The LSTM cell: four gates and the cell-state path",
        "The cell state c_{t-1} runs along the top, in green, through a multiplication by the"
        " forget gate f_t and an addition of i_t times the candidate c~_t, and leaves as c_t."
        " Below, h_{t-1} and x_t feed four blocks: the forget gate f_t (sigmoid), the input gate"
        " i_t (sigmoid), the candidate c~_t (tanh) and the output gate o_t (sigmoid). The new"
        " hidden state h_t is o_t times tanh(c_t).",
    )
    top, gate_y = 70, 225
    d.text(40, top + 5, "c_{t-1}", "cellc")
    d.line([(75, top), (232, top)], "wire-c", arrow=False)
    d.op(245, top, "×")
    d.line([(256, top), (402, top)], "wire-c", arrow=False)
    d.op(415, top, "+")
    d.line([(426, top), (680, top)], "wire-c")
    d.text(710, top + 5, "c_t", "cellc")
    # inputs
    d.text(40, 345, "h_{t-1}")
    d.text(150, 372, "x_t")
    d.line([(70, 340), (150, 340), (150, 300)], "wire", arrow=False)
    d.line([(150, 362), (150, 300)], "wire", arrow=False)
    d.line([(150, 300), (560, 300)], "wire", arrow=False)
    gates = [
        (220, "f_t", "σ", 245),
        (300, "i_t", "σ", 335),
        (380, "~c_t", "tanh", 335),
        (520, "o_t", "σ", 560),
    ]
    for x, name, fn, _ in gates:
        d.line([(x + 25, 300), (x + 25, gate_y + 32)], "wire-w")
        d.box(x, gate_y - 2, 50, 32, fn, "gate")
        d.text(x + 30, gate_y - 10, name, "small", "start")
    d.text(
        165,
        318,
        "x_t W_x + h_{t-1} W_h + b, four blocks side by side: i, f, ~c, o",
        "small weight",
        "start",
    )
    # forget gate into ×
    d.line([(245, gate_y - 2), (245, top + 12)])
    # input gate × candidate
    d.op(365, 150, "×")
    d.line([(325, gate_y - 2), (325, 150), (353, 150)])
    d.line([(405, gate_y - 2), (405, 150), (377, 150)])
    d.line([(365, 139), (365, 110), (415, 110), (415, top + 12)])
    d.text(440, 128, "i_t ⊙ ~c_t", "small", "start")
    d.text(262, 115, "f_t ⊙ c_{t-1}", "small", "start")
    # output path
    d.line([(600, top), (600, 118)])
    d.op(600, 130, "tanh", 16)
    d.line([(600, 146), (600, 178)])
    d.op(600, 190, "×")
    d.line([(545, gate_y - 2), (545, 190), (588, 190)])
    d.line([(611, 190), (680, 190)])
    d.text(710, 195, "h_t")
    d.line([(650, 190), (650, 250), (680, 250)])
    d.text(712, 255, "output", "small muted")
    d.text(250, 22, "c_t = f_t ⊙ c_{t-1} + i_t ⊙ ~c_t", "small")
    d.text(560, 22, "h_t = o_t ⊙ tanh(c_t)", "small")
    return d


# --- 4. the GRU cell, both reset placements
# ------------------------------------------------------------------


def _gru_panel(d, x0, reset_after):
    title, who = (
        ("reset after the product", "Keras's default, PyTorch, cuDNN")
        if reset_after
        else ("reset before the product", "the notes, Cho et al., Keras reset\\_after=False")
    )
    d.text(x0 + 210, 20, title, "title")
    d.text(x0 + 210, 36, who, "small muted")
    d.text(x0 + 8, 285, "h_{t-1}", "", "start")
    d.text(x0 + 8, 355, "x_t", "", "start")
    # h_{t-1} up the left side to the mix at the top
    d.line([(x0 + 60, 280), (x0 + 60, 60), (x0 + 288, 60)], "wire", arrow=False)
    d.op(x0 + 300, 60, "×")
    d.line([(x0 + 311, 60), (x0 + 338, 60)], "wire", arrow=False)
    d.op(x0 + 350, 60, "+")
    d.line([(x0 + 361, 60), (x0 + 378, 60)])
    d.text(x0 + 395, 65, "h_t")
    # the two gates read h_{t-1} (bus at y = 280) and x_t (bus at y = 350)
    d.line([(x0 + 50, 350), (x0 + 330, 350), (x0 + 330, 297)], "wire-w")
    d.text(
        x0 + 250, 368, "x_t W_{xh} + b_{xh}" if reset_after else "x_t W_{xh} + b_h", "small weight"
    )
    for x, name in ((x0 + 80, "z_t"), (x0 + 140, "r_t")):
        d.box(x, 200, 44, 30, "σ", "gate")
        d.text(x + 22, 193, name, "small")
        d.line([(x + 22, 350), (x + 22, 232)], "wire-w")
    # z to the mix: z keeps the old state, 1 - z admits the candidate
    d.line([(x0 + 102, 200), (x0 + 102, 110), (x0 + 300, 110), (x0 + 300, 72)])
    d.text(x0 + 200, 104, "z_t keeps h_{t-1}", "small")
    d.op(x0 + 350, 150, "1−", 13)
    d.line([(x0 + 300, 110), (x0 + 300, 150), (x0 + 336, 150)])
    d.op(x0 + 350, 200, "×")
    d.line([(x0 + 350, 164), (x0 + 350, 188)])
    d.line([(x0 + 362, 200), (x0 + 380, 200), (x0 + 380, 90), (x0 + 358, 69)])
    # the candidate
    d.box(x0 + 310, 265, 80, 30, "tanh", "gate")
    d.text(x0 + 405, 258, "~h_t", "small")
    d.line([(x0 + 350, 265), (x0 + 350, 212)])
    if reset_after:
        d.line([(x0 + 60, 280), (x0 + 198, 280)], "wire-w")
        d.box(x0 + 200, 267, 56, 26, "W_{hh}", "box", "small weight")
        d.op(x0 + 285, 280, "×")
        d.line([(x0 + 256, 280), (x0 + 272, 280)])
        d.line([(x0 + 184, 215), (x0 + 285, 215), (x0 + 285, 268)])
        d.line([(x0 + 296, 280), (x0 + 308, 280)])
        d.text(x0 + 200, 320, "r_t ⊙ (h_{t-1} W_{hh} + b_{hh})", "small", "start")
    else:
        d.line([(x0 + 60, 280), (x0 + 198, 280)])
        d.op(x0 + 210, 280, "×")
        d.line([(x0 + 184, 215), (x0 + 210, 215), (x0 + 210, 268)])
        d.box(x0 + 236, 267, 56, 26, "W_{hh}", "box", "small weight")
        d.line([(x0 + 221, 280), (x0 + 234, 280)])
        d.line([(x0 + 292, 280), (x0 + 308, 280)], "wire-w")
        d.text(x0 + 200, 320, "(r_t ⊙ h_{t-1}) W_{hh}", "small", "start")


def gru_cell():
    d = Drawing(
        900,
        405,
        "The GRU cell, with the reset gate applied before or after the recurrent product",
        "Two GRU cells side by side. In both, h_{t-1} and x_t feed the update gate z_t and the"
        " reset gate r_t (sigmoids); the new state is h_t = z_t times h_{t-1} plus (1 - z_t) times"
        " the candidate h~_t. Left, reset after: the candidate adds r_t times (h_{t-1} W_hh + b_hh)"
        " to x_t W_xh + b_xh. Right, reset before: the candidate multiplies r_t times h_{t-1} by"
        " W_hh.",
    )
    _gru_panel(d, 10, reset_after=True)
    _gru_panel(d, 460, reset_after=False)
    d.add(f'<line x1="450" y1="10" x2="450" y2="375" stroke="{PAD}" stroke-width="1"/>')
    d.text(
        450,
        395,
        "both: h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ ~h_t, the frameworks' reading of z",
        "small muted",
    )
    return d


# --- 5. the BPTT graph
# ---------------------------------------------------------------------------------------


def bptt_graph():
    d = Drawing(
        840,
        330,
        "Backpropagation through time: the gradient's path",
        "The unrolled network h_0 to h_3, each state h_t producing a loss ℓ_t, the losses summed"
        " into L. Forward arrows in black run from x_t and h_{t-1} to h_t and up to ℓ_t. Dashed"
        " orange arrows run the other way: from each ℓ_t down to h_t, and from h_t back to h_{t-1},"
        " each backward step multiplying by the Jacobian dh_t/dh_{t-1} = diag(tanh'(a_t)) W_h"
        " transposed; the gradient of W_h adds up one contribution from every step.",
    )
    xs = [60, 230, 400, 570]
    for k, x in enumerate(xs):
        d.box(x, 150, 80, 44, f"h_{k}")
        if k:
            d.arrow(xs[k - 1] + 80, 164, x - 2, 164, "wire")
            d.line([(x, 182), (xs[k - 1] + 82, 182)], "wire-g")
            d.text((x + xs[k - 1] + 80) / 2, 214, f"∂h_{k}/∂h_{k - 1}", "small gradient")
            d.box(x + 15, 270, 50, 30, f"x_{k}", "real")
            d.arrow(x + 40, 268, x + 40, 196, "wire-w")
            d.box(x + 15, 60, 50, 30, f"ℓ_{k}", "box")
            d.arrow(x + 30, 148, x + 30, 92)
            d.line([(x + 52, 92), (x + 52, 148)], "wire-g")
            d.line([(x + 40, 60), (x + 40, 40), (728, 40)], "wire", arrow=False)
    d.box(730, 25, 80, 30, "L = Σ ℓ_t", "box", "small")
    d.text(150, 240, "one backward step:", "small gradient", "start")
    d.text(150, 256, "∂h_t/∂h_{t-1} = diag(tanh′(a_t)) W_hᵀ", "small gradient", "start")
    d.text(665, 150, "∂L/∂W_h sums one term", "small gradient", "start")
    d.text(665, 166, "per step: one W_h,", "small gradient", "start")
    d.text(665, 182, "used at every step", "small gradient", "start")
    d.text(
        420,
        322,
        "forward: solid black; backward (the gradient): dashed orange, a product of Jacobians from"
        " ℓ_t back to h_k",
        "small muted",
    )
    return d


# --- 6. a bidirectional layer
# ------------------------------------------------------------------------------


def bidirectional():
    d = Drawing(
        760,
        330,
        "A bidirectional layer",
        "Inputs x_1 to x_4 at the bottom feed two recurrent rows. The forward row runs left to"
        " right from its zero initial state, the backward row right to left. At each step the two"
        " states are concatenated into an output of 2 * units: the forward state first, then the"
        " backward one. So output_t sees x_1..x_t through the forward half and x_t..x_T through the"
        " backward half.",
    )
    xs = [120, 270, 420, 570]
    for k, x in enumerate(xs, start=1):
        d.box(x + 5, 275, 50, 30, f"x_{k}", "real")
        d.box(x - 25, 190, 55, 36, f"→h_{k}")
        d.box(x + 35, 125, 55, 36, f"←h_{k}")
        d.line([(x + 20, 273), (x + 20, 250), (x + 2, 250), (x + 2, 228)], "wire-w")
        d.line([(x + 40, 273), (x + 40, 250), (x + 62, 250), (x + 62, 163)], "wire-w")
        d.box(x - 25, 40, 115, 34, "", "box")
        d.text(x + 32, 62, f"[→h_{k}, ←h_{k}]", "small")
        d.line([(x + 2, 188), (x + 2, 76)], "wire")
        d.line([(x + 62, 123), (x + 62, 76)], "wire")
        if k < 4:
            d.arrow(x + 30, 208, xs[k] - 27, 208, "wire-w")
            d.arrow(xs[k] + 33, 143, x + 92, 143, "wire-w")
    d.text(90, 213, "0 →", "small", "end")
    d.text(665, 148, "← 0", "small", "start")
    d.text(40, 213, "forward", "small weight", "middle")
    d.text(40, 148, "backward", "small weight", "middle")
    d.text(40, 62, "output", "small", "middle")
    d.text(
        380,
        22,
        "output[:, t] = [forward h_t, backward h_t]: 2 · units features (forward half first)",
        "small",
    )
    return d


# --- 7. a stacked network and PyTorch's h_n rows
# ------------------------------------------------------------


def stacked_h_n():
    d = Drawing(
        930,
        400,
        "A stacked bidirectional network and the rows of PyTorch's h_n",
        "Two bidirectional layers over three steps. Layer 1 (PyTorch's l0) reads x_1 to x_3; layer"
        " 2 (l1) reads layer 1's concatenated outputs. Each layer has a forward row, whose final"
        " state is at the last step, and a backward row, whose final state is at the first step."
        " The four final states are the rows of h_n in the order l * 2 + direction: h_n[0] l0"
        " forward, h_n[1] l0 backward, h_n[2] l1 forward, h_n[3] l1 backward. h_n[-1] is therefore"
        " the top layer's backward state at step 1, which output[:, -1] does not hold.",
    )
    xs = [150, 300, 450]
    rows = {(0, 0): 290, (0, 1): 240, (1, 0): 160, (1, 1): 110}
    for k, x in enumerate(xs, start=1):
        d.box(x + 10, 350, 50, 28, f"x_{k}", "real")
        d.line([(x + 25, 348), (x + 25, 335), (x + 5, 335), (x + 5, 322)], "wire-w")
        d.line([(x + 45, 348), (x + 45, 335), (x + 65, 335), (x + 65, 272)], "wire-w")
        for (layer, direction), y in rows.items():
            arrow = "→" if direction == 0 else "←"
            d.box(
                x - 10 if direction == 0 else x + 25,
                y,
                55,
                30,
                f"{arrow}h^{{[{layer + 1}]}}_{k}",
                "box",
                "small",
            )
        # layer 1 reads layer 0's two directions, concatenated
        d.line([(x + 5, 288), (x + 5, 215), (x + 65, 215)], "wire", arrow=False)
        d.line([(x + 65, 238), (x + 65, 215)], "wire", arrow=False)
        d.line([(x + 5, 215), (x + 5, 192)], "wire-w")
        d.line([(x + 65, 215), (x + 65, 142)], "wire-w")
        d.line([(x + 5, 158), (x + 5, 80)], "wire", arrow=False)
        d.line([(x + 65, 108), (x + 65, 80), (x + 5, 80)], "wire", arrow=False)
        d.line([(x + 35, 80), (x + 35, 70)])
        d.text(x + 35, 60, f"output[:, {k - 1 if k < 3 else -1}]", "small")
    for (_layer, direction), y in rows.items():
        for k in range(2):
            if direction == 0:
                d.arrow(xs[k] + 45, y + 15, xs[k + 1] - 12, y + 15, "wire-w")
            else:
                d.arrow(xs[k + 1] + 25, y + 15, xs[k] + 82, y + 15, "wire-w")
    d.text(60, 300, "layer 1", "small", "middle")
    d.text(60, 316, "(PyTorch l0)", "small muted", "middle")
    d.text(60, 170, "layer 2", "small", "middle")
    d.text(60, 186, "(PyTorch l1)", "small muted", "middle")
    labels = {
        (0, 0): "h\\_n[0]: l0, forward (t = T)",
        (0, 1): "h\\_n[1]: l0, backward (t = 1)",
        (1, 0): "h\\_n[2] = h\\_n[-2]: l1, forward (t = T)",
        (1, 1): "h\\_n[3] = h\\_n[-1]: l1, backward (t = 1)",
    }
    for (layer, direction), y in rows.items():
        if direction == 0:
            d.line([(xs[-1] + 45, y + 15), (628, y + 15)], "wire-g")
        else:
            d.line(
                [
                    (xs[0] + 25, y + 15),
                    (120, y + 15),
                    (120, y - 6),
                    (620, y - 6),
                    (620, y + 10),
                    (628, y + 10),
                ],
                "wire-g",
            )
        d.text(
            636, y + 20 if direction == 0 else y + 14, labels[layer, direction], "small", "start"
        )
    d.text(
        420,
        22,
        "h\\_n: (layers · directions, batch, units); row = l · 2 + direction, "
        "with l counted from 0 as in weight\\_ih\\_l0",
        "small",
    )
    d.text(
        420,
        394,
        "h\\_n[-2] is in output[:, -1, :units]; h\\_n[-1] is in output[:, 0, units:], not in"
        " output[:, -1]",
        "small muted",
    )
    return d


# --- 8. padding, packing, masking
# ---------------------------------------------------------------------------


def padding_packing_masking():
    d = Drawing(
        900,
        300,
        "Padding, packing and masking a batch of sequences of lengths 5, 3 and 2",
        "Three panels. Padding: a grid of 3 sequences by 5 steps, the steps after each sequence's"
        " end filled with zeros (grey); a plain RNN reads them, and the short sequences' states"
        " drift. Packing (PyTorch): only the real steps are stored, time-major, with batch_sizes 3,"
        " 3, 2, 1, 1, so the layer never reads a padding step. Masking (Keras): the padded grid"
        " with a mask of 1 on real steps and 0 on padding; at a masked step the layer carries the"
        " state over unchanged.",
    )
    lengths, cell = (5, 3, 2), 30
    titles = [
        ("padding", "zeros after the end; the state runs on"),
        ("packing (PyTorch)", "only real steps, time-major"),
        ("masking (Keras)", "mask 0: the state is carried over"),
    ]
    for p, (title, note) in enumerate(titles):
        x0 = 20 + 300 * p
        d.text(x0 + 130, 24, title, "title")
        d.text(x0 + 130, 285, note, "small muted")
    # padding
    for row, length in enumerate(lengths):
        y = 60 + 45 * row
        d.text(40, y + 20, f"seq {row + 1}", "small", "end")
        for t in range(5):
            x = 50 + 40 * t
            d.box(
                x,
                y,
                cell,
                cell,
                "x" if t < length else "0",
                "real" if t < length else "pad",
                "small",
            )
        d.arrow(50 + 40 * 5 - 5, y + 15, 270, y + 15, "wire-m" if length < 5 else "wire")
    d.text(150, 220, "every row is read for 5 steps", "small")
    # packing
    offsets = 0
    x_step = 40
    for t in range(5):
        size = sum(length > t for length in lengths)
        x = 340 + x_step * t
        for row in range(size):
            d.box(x, 60 + 45 * row, cell, cell, f"{row + 1}", "real", "small")
        d.text(x + 15, 210, str(size), "small weight")
        offsets += size
    d.text(330, 210, "batch\\_sizes", "small weight", "end")
    d.text(440, 240, "data holds 10 steps, not 15", "small")
    # masking
    for row, length in enumerate(lengths):
        y = 60 + 45 * row
        for t in range(5):
            x = 640 + 40 * t
            real = t < length
            d.box(x, y, cell, cell, "1" if real else "0", "real" if real else "pad", "small")
            if t == length - 1 and length < 5:
                d.line([(x + 30, y + 15), (640 + 40 * 5 - 5, y + 15)], "wire-m")
        d.text(880, y + 20, f"h_{lengths[row]}", "small", "start")
    d.text(750, 220, "outputs at masked steps repeat h_{length}", "small")
    return d


DIAGRAMS = {
    "unrolled-rnn": unrolled_rnn,
    "sequence-patterns": sequence_patterns,
    "lstm-cell": lstm_cell,
    "gru-cell": gru_cell,
    "bptt-graph": bptt_graph,
    "bidirectional": bidirectional,
    "stacked-h-n": stacked_h_n,
    "padding-packing-masking": padding_packing_masking,
}


def render(name):
    """The SVG text of one diagram."""
    return DIAGRAMS[name]().svg()


def write(out=OUT):
    """Write every diagram to ``out`` (``book/diagrams/`` by default); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in DIAGRAMS:
        path = out / f"{name}.svg"
        path.write_text(render(name))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path)
