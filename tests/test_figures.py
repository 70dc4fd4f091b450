"""The book's figures: the interactive figures' data against the reference, and the SVG diagrams'
sources.

The interactive figures embed data computed at build time; these tests read it back out of the HTML
a chapter cell returns and compare grid points with the reference package and closed-form values.
The diagrams in book/diagrams/ must be exactly what autograder/figures/diagrams.py draws, carry a
title and a description, and be placed in a chapter with alt text.
"""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from autograder import reference
from autograder.figures import diagrams, interactive

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]-*/index.md"))
DIGITS_RTOL = 10 ** -(interactive.DIGITS - 1)  # the data keeps DIGITS significant digits


class _FigureParser(HTMLParser):
    """The containers, labels, controls and JSON payload of an interactive figure's HTML."""

    def __init__(self):
        super().__init__()
        self.containers, self.labels, self.controls, self.data, self._in_data = (
            [],
            [],
            [],
            [],
            False,
        )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-interactive-figure" in attrs:
            self.containers.append(attrs["data-interactive-figure"])
        if tag == "label":
            self.labels.append(attrs.get("for"))
        if tag in ("input", "select"):
            self.controls.append((tag, attrs))
        self._in_data = tag == "script" and attrs.get("type") == "application/json"

    def handle_data(self, data):
        if self._in_data:
            self.data.append(data)

    def handle_endtag(self, tag):
        self._in_data = False


def parsed(figure):
    parser = _FigureParser()
    parser.feed(figure._repr_html_())
    return parser


@pytest.fixture(scope="module")
def payloads():
    """Each figure's embedded JSON, read back from its HTML."""
    out = {}
    for name, make in interactive.FIGURES.items():
        parser = parsed(make())
        assert len(parser.data) == 1, f"{name}: expected one JSON payload"
        out[name] = json.loads(parser.data[0].replace("<\\/", "</"))
    return out


def index(payload, key, value):
    return next(c for c in payload["controls"] if c["key"] == key)["values"].index(value)


# --- interactive figures: structure
# -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(interactive.FIGURES))
def test_figure_html_is_a_labelled_form(name):
    parser = parsed(interactive.FIGURES[name]())
    assert parser.containers == [name]
    ids = [attrs["id"] for _, attrs in parser.controls]
    assert ids and sorted(ids) == sorted(parser.labels), "every control needs a <label for=...>"
    for tag, attrs in parser.controls:
        if tag == "input":
            assert attrs["type"] == "range" and int(attrs["min"]) == 0 and int(attrs["max"]) >= 1
            assert 0 <= int(attrs["value"]) <= int(attrs["max"])


def test_controls_cover_their_grids(payloads):
    for name, payload in payloads.items():
        for control in payload["controls"]:
            assert len(control["values"]) == len(control["labels"]) >= 2, (name, control["key"])


def test_bad_figure_definitions_are_refused():
    with pytest.raises(ValueError, match="kind must be 'range' or 'select'"):
        interactive.InteractiveFigure(
            "x",
            "t",
            "d",
            [{"key": "a", "label": "a", "kind": "checkbox", "values": [0, 1], "default": 0}],
            {},
        )
    with pytest.raises(ValueError, match="default index out of range"):
        interactive.InteractiveFigure(
            "x",
            "t",
            "d",
            [{"key": "a", "label": "a", "kind": "range", "values": [0, 1], "default": 2}],
            {},
        )
    with pytest.raises(ValueError, match="finite"):
        interactive._rounded([1.0, float("nan")])
    with pytest.raises(ValueError, match="input must be one of"):
        interactive.evolution_input("square")


def test_json_cannot_close_its_script_tag():
    figure = interactive.InteractiveFigure(
        "x",
        "t",
        "d",
        [{"key": "a", "label": "a", "kind": "select", "values": ["</script>", "b"], "default": 0}],
        {},
    )
    html = figure._repr_html_()
    assert html.count("</script>") == 1 and "<\\/script>" in html


# --- interactive figures: the data is the reference's
# ---------------------------------------------------------


def test_rnn_steps_data(payloads):
    p = payloads["rnn-steps"]
    h = p["data"]["h"][index(p, "W", 2.0)][index(p, "U", 0.5)][index(p, "b", 0.1)]
    # the notes' worked example: h_1 = tanh(0.3), h_2 = tanh(0.4 + 0.5 h_1 + 0.1)
    np.testing.assert_allclose(
        h[:2], [np.tanh(0.3), np.tanh(0.5 + 0.5 * np.tanh(0.3))], rtol=DIGITS_RTOL
    )
    for W, U, b in ((-3.0, 1.5, -0.5), (0.0, -1.0, 0.25), (1.0, 0.0, 0.0)):
        expected, _ = reference.rnn_forward(
            interactive.RNN_SERIES.reshape(1, -1, 1),
            None,
            np.array([[W]]),
            np.array([[U]]),
            np.array([b]),
        )
        got = p["data"]["h"][index(p, "W", W)][index(p, "U", U)][index(p, "b", b)]
        np.testing.assert_allclose(got, expected[0, :, 0], rtol=DIGITS_RTOL, atol=1e-12)


def test_gradient_magnitude_data(payloads):
    p = payloads["gradient-magnitude"]
    x, W_x, Q, (lstm_W_x, lstm_W_h) = interactive.gradient_setup()
    units = interactive.GRADIENT_UNITS
    # every singular value of s Q is s
    np.testing.assert_allclose(Q @ Q.T, np.eye(units), atol=1e-12)
    # Keras's orthogonal init
    np.testing.assert_allclose(lstm_W_h @ lstm_W_h.T, np.eye(units), atol=1e-12)
    for s in (0.5, 1.0, 3.0):
        norms = reference.gradient_norms_per_step(x, None, W_x, s * Q, np.zeros(units))[0]
        got = p["data"]["rnn"][index(p, "s", s)]
        assert len(got) == interactive.GRADIENT_STEPS - 1
        np.testing.assert_allclose(got[0], np.log10(norms[-2]), rtol=DIGITS_RTOL)  # distance 1
        np.testing.assert_allclose(got[-1], np.log10(norms[0]), rtol=DIGITS_RTOL)  # distance 99
    b = np.zeros(4 * units)
    b[units : 2 * units] = 3.0
    norms = reference.lstm_gradient_norms_per_step(x, None, None, lstm_W_x, lstm_W_h, b, wrt="c")[0]
    got = p["data"]["lstm"][index(p, "bf", 3.0)]
    np.testing.assert_allclose(
        got[::10], np.log10(norms[:-1][::-1][::10]), rtol=DIGITS_RTOL, atol=1e-3
    )
    # the lesson the figure teaches: at 99 steps the LSTM with forget bias 3 keeps far more than the
    # RNN
    assert got[-1] - p["data"]["rnn"][index(p, "s", 1.0)][-1] > 3


def test_gate_dynamics_data(payloads):
    p = payloads["gate-dynamics"]
    keys = p["data"]["keys"]
    grid = p["data"]["grid"][index(p, "bf", 6.0)][index(p, "gain", 12.0)]
    history = reference.lstm_gate_history(
        interactive.register_inputs(), None, None, *interactive.register_weights(6.0, 12.0)
    )
    for key in ("i", "f", "o", "c", "h"):
        np.testing.assert_allclose(
            grid[keys.index(key)], history[key][0, :, 0], rtol=DIGITS_RTOL, atol=1e-12
        )
    f = grid[keys.index("f")]
    # at rest the forget gate is sigma(6)
    np.testing.assert_allclose(f[0], 1 / (1 + np.exp(-6)), rtol=DIGITS_RTOL)
    assert p["data"]["write"] == [int(k in (3, 14)) for k in range(30)]
    leaky = p["data"]["grid"][index(p, "bf", 0.0)][index(p, "gain", 12.0)][keys.index("c")]
    # bias 0: the memory is gone by step 14
    assert abs(leaky[13]) < 0.01 < abs(grid[keys.index("c")][13])
    soft = p["data"]["grid"][index(p, "bf", 6.0)][index(p, "gain", 2.0)][keys.index("i")]
    # gain 2: the input gate neither closes nor opens fully
    assert 0.2 < min(soft) and max(soft) < 0.8


def test_hidden_state_evolution_data(payloads):
    p = payloads["hidden-state-evolution"]
    for kind, fb in (("pulse", 1.0), ("noise", 4.0)):
        x = interactive.evolution_input(kind).reshape(1, -1, 1)
        h_all, h_last, c_last = reference.lstm_forward(
            x, None, None, *interactive.evolution_weights(fb)
        )
        h, c = p["data"]["grid"][index(p, "input", kind)][index(p, "bf", fb)]
        assert np.shape(h) == (interactive.EVOLUTION_STEPS, interactive.EVOLUTION_UNITS)
        np.testing.assert_allclose(h, h_all[0], rtol=DIGITS_RTOL, atol=1e-12)
        np.testing.assert_allclose(c[-1], c_last[0], rtol=DIGITS_RTOL, atol=1e-12)
    np.testing.assert_allclose(p["data"]["x"][index(p, "input", "pulse")], np.eye(30)[4])
    # what chapter 3 says of it: with forget bias -2 the pulse is gone within a few steps, with 2 it
    # is kept
    c_low = np.array(p["data"]["grid"][index(p, "input", "pulse")][index(p, "bf", -2.0)][1])
    c_high = np.array(p["data"]["grid"][index(p, "input", "pulse")][index(p, "bf", 2.0)][1])
    assert np.abs(c_low[10:]).max() < 0.01 and np.abs(c_high[10:]).min(axis=0).max() > 0.5


def test_parameter_comparison_data(payloads):
    p = payloads["parameter-comparison"]
    units = p["data"]["units"]
    cells = p["data"]["cells"]
    for d, convention, layers, bidirectional in (
        (8, "keras", 1, False),
        (64, "torch", 2, True),
        (1, "keras", 3, True),
    ):
        counts = p["data"]["grid"][index(p, "d", d)][index(p, "convention", convention)][
            index(p, "layers", layers)
        ][index(p, "bidirectional", bidirectional)]
        for cell, row in zip(cells, counts):
            assert row == [
                reference.param_count(cell, d, h, convention, layers, bidirectional) for h in units
            ]
    one_layer = p["data"]["grid"][index(p, "d", 8)]
    h = 64
    k = units.index(h)
    keras_counts = one_layer[index(p, "convention", "keras")][0][0]
    torch_counts = one_layer[index(p, "convention", "torch")][0][0]
    assert keras_counts[cells.index("lstm")][k] == 4 * h * (8 + h + 1)
    assert torch_counts[cells.index("lstm")][k] == 4 * h * (8 + h + 2)
    assert (
        keras_counts[cells.index("gru")][k]
        == torch_counts[cells.index("gru")][k]
        == 3 * h * (8 + h + 2)
    )
    assert keras_counts[cells.index("rnn")][k] == h * (8 + h + 1)


# --- SVG diagrams
# ------------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("name", list(diagrams.DIAGRAMS))
def test_committed_diagram_is_what_the_module_draws(name):
    path = diagrams.OUT / f"{name}.svg"
    assert path.read_text() == diagrams.render(name), (
        f"{path} differs from autograder/figures/diagrams.py: run `python -m"
        " autograder.figures.diagrams` and review the diff"
    )


@pytest.mark.parametrize("name", list(diagrams.DIAGRAMS))
def test_diagram_is_accessible_self_contained_svg(name):
    text = (diagrams.OUT / f"{name}.svg").read_text()
    root = ET.fromstring(text)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    assert len(root.findtext(SVG + "title")) > 10 and len(root.findtext(SVG + "desc")) > 80
    assert not re.search(r"(href|src)=\"(https?:)?//", text), "a diagram must not load anything"
    assert "\x00" not in text


def test_every_diagram_is_placed_in_a_chapter_with_alt_text():
    placed = {}
    for chapter in CHAPTERS:
        for match in re.finditer(
            r"```\{figure\} \.\./diagrams/([a-z0-9-]+)\.svg\n((?::[a-z]+:.*\n)*)",
            chapter.read_text(),
        ):
            options = dict(re.findall(r":([a-z]+): (.*)", match.group(2)))
            assert options.get("alt") == diagrams.DIAGRAMS[match.group(1)]().desc.replace(
                '"', "'"
            ), f"{chapter}: the alt text of {match.group(1)} should be the diagram's <desc>"
            assert (
                options.get("figclass") == "rnn-diagram"
            ), "the dark-mode stylesheet keys on rnn-diagram"
            placed[match.group(1)] = chapter.parent.name
    assert sorted(placed) == sorted(diagrams.DIAGRAMS)


def test_symbols_renders_the_notation():
    assert diagrams.symbols("h_{t-1}") == 'h<tspan baseline-shift="sub" font-size="75%">t−1</tspan>'
    assert diagrams.symbols("~c_t").startswith("c̃<tspan")
    assert diagrams.symbols("h\\_n[-1]") == "h_n[-1]"
    assert diagrams.symbols("a < b") == "a &lt; b"
