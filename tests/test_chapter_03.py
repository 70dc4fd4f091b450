"""Chapter 3 (LSTM gates): its agreement cells ran and its glued numbers are on the page."""

import re

from helpers import page_text

PAGE = "book/03-lstm/index.html"


def test_agreement_cells_ran(fresh_build):
    text = page_text(fresh_build, PAGE)
    for line in [
        "six worked examples: by hand, reference, Keras and PyTorch agree (largest difference",
        "memory register over 30 steps: reference, Keras and PyTorch agree (largest difference",
        (
            "converted weights: Keras, PyTorch and reference outputs agree both ways (largest"
            " difference"
        ),
    ]:
        match = re.search(re.escape(line) + r" ([0-9.e+-]+)\)", text)
        assert match and float(match.group(1)) < 1e-10, line


def test_every_worked_example_of_the_notes_is_reproduced(fresh_build):
    text = page_text(fresh_build, PAGE)
    for row in [
        "partial retention 0.9 0.4 0.5 0.3 0.5 0.5100 ( 0.51 )",
        "forget gate 1.2 0.4 0.5 0.0 0.5 0.4800 ( 0.48 )",
        "input gate 0.9 0.5 0.3 0.6 0.5 0.6300 ( 0.63 )",
        "output gate 1.6 0.5 0.5 0.0 0.5 0.8000 ( 0.8 ) 0.3320 ( 0.332 )",
        "full update 1.0 0.4 0.6 0.5 0.7 0.7000 ( 0.7 ) 0.4231 ( 0.423 )",
        "long vs short 2.2 0.5 0.5 0.0 0.5 1.1000 ( 1.1 ) 0.4002 ( 0.400 )",
    ]:
        assert row in text, row
    # the frameworks print the same six cell states
    assert text.count("c_t: [0.51 0.48 0.63 0.8 0.7 1.1 ]") == 2


def test_gate_dynamics_and_the_memory_register(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert text.count("h_t at the four read steps: [-0.721 0.736 0.736 0.003]") == 2
    assert "At the first write (step 4) the cell stores -0.930" in text
    assert "After the erase the cell holds 0.0023" in text


def test_parameter_counts_and_the_pytorch_correction(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "d = 10, h = 64: Keras 19200, PyTorch 19456, vanilla RNN (Keras) 4800" in text
    assert "A correction to the lecture notes: the count is Keras’s" in text
    assert (
        "PyTorch reports 19456 , not 19200 : the second bias adds \\(4h =\\) 256 parameters" in text
    )
    assert "17920 in Keras and 18176 in PyTorch" in text


def test_weight_layouts(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert (
        "kernel (2, 12), recurrent_kernel (3, 12), bias (12,) blocks along the columns, gate order"
        " i, f, c, o"
        in text
    )
    assert (
        "weight_ih_l0 (12, 2), weight_hh_l0 (12, 3), bias_ih_l0 (12,), bias_hh_l0 (12,) blocks"
        " along the rows, gate order i, f, g, o"
        in text
    )
    assert (
        "PyTorch bias_ih_l0 + bias_hh_l0, f block: [1. 1. 1.] Keras bias, f block: [1. 1. 1.]"
        in text
    )
    assert "8 blocks of weights" in text and "2 arrays" in text


def test_figure_has_alt_text(fresh_build):
    page = (fresh_build / PAGE).read_text()
    images = [tag for tag in re.findall(r"<img [^>]*>", page) if "_images/" in tag]
    assert len(images) >= 1
    assert all(re.search(r'alt="[^"]{20,}"', tag) for tag in images)
