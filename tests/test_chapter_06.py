"""Chapter 6 (bidirectional and deep RNNs): its agreement cells ran and its glued numbers are on the
page.
"""

import re

from helpers import page_text

PAGE = "book/06-bidirectional-deep/index.html"


def test_agreement_cells_ran(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert (
        "bidirectional RNN: numpy, reference, Keras and PyTorch agree (largest difference" in text
    )
    assert (
        "2-layer bidirectional LSTM: reference, Keras and PyTorch agree (largest difference" in text
    )


def test_output_size_and_parameters_double(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "returns 128 values per step" in text
    assert "Input (8, 20, 10) → output (8, 20, 128); 38400 parameters" in text
    assert "twice the 19200 of one LSTM(64)" in text
    assert "h_n (2, 8, 64); 38912 parameters, twice the 19456" in text
    for row in ["| 1 | forward | 19,456 |", "| 2 | both | 138,240 |"]:
        assert row not in text, "the parameter table must render as a table, not as Markdown source"
    assert "138,240" in text and "52,736" in text
    assert "has 2.62 times the parameters" in text


def test_h_n_layout_and_the_last_step_mistake(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "h_n[-2] is the top forward state at t = T: True" in text
    assert "h_n[-1] is the top backward state at t = 1: True" in text
    assert "output[:, -1] holds h_n[-1]: False" in text
    assert re.search(r"differs from the backward final state h_n\[-1\] by up to 0\.\d{4}", text)


def test_streaming_revisions_and_quiz_answers(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "forward [0. 0. 0. 0. 0. 0. 0. 0. 0. 0.]" in text
    assert "output is (4, 20, 64) and h_n is (6, 4, 32)" in text
    assert "rows 4 and 5" in text
    assert "2816" in text and "6272" in text


def test_figures_have_alt_text(fresh_build):
    page = (fresh_build / PAGE).read_text()
    images = [tag for tag in re.findall(r"<img [^>]*>", page) if "_images/" in tag]
    assert len(images) >= 2
    assert all(re.search(r'alt="[^"]{20,}"', tag) for tag in images)
