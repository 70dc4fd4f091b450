"""Chapter 5 (input and output dimensions): agreement cells, parameter counts and the mistakes'
wrong values.
"""

import re

from helpers import page_text

PAGE = "book/05-dimensions/index.html"


def test_chapter_five_agreement_cells_ran(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert (
        "forecasts (4, 12): numpy, Keras and PyTorch agree for both models (largest difference"
        in text
    )
    assert (
        "padded batch: reference, Keras (masking) and PyTorch (packing) agree (largest difference"
        in text
    )


def test_chapter_five_windows_and_leakage(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "all windows: X (925, 24, 5), y (925, 12)" in text
    assert re.search(r"shuffled 9\d\.\d%, split in time 0\.0%", text)
    assert "gives 960 \\(- 24 - 12 + 1 =\\) 925 windows" in text


def test_chapter_five_parameter_counts(fresh_build):
    text = page_text(fresh_build, PAGE)
    for count in ["4,480", "4,544", "5,260", "5,324", "196,736", "1,548", "202,764", "202,828"]:
        assert count in text, count
    # Keras's own summaries
    assert "Total params: 5,260" in text and "Total params: 202,764" in text


def test_chapter_five_shapes_and_notes(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "h_n shapes: (1, 8, 64) (1, 24, 64)" in text  # the batch_first mistake
    assert "input_shape in the notes’ Keras code" in text
    assert "Unpacking an LSTM’s result" in text
    assert "(32, 50, 16), (2, 32, 16) and (2, 32, 16)" in text


def test_chapter_five_common_mistakes_show_wrong_values(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "Keras unmasked = PyTorch unpacked = reference without lengths: True" in text
    assert re.search(r"error in each final state, lengths 5, 3, 2: \[0\. +0\.\d+ +0\.\d+\]", text)
    assert re.search(r"PyTorch, state carried over, error at steps 1-5: \[0\.\d+", text)
    assert "Keras stateful after reset_states(): error 0.0e+00" in text
    assert "reference final_states(output, lengths) equals h_n[-1]: True" in text


def test_chapter_five_figures_have_alt_text(fresh_build):
    page = (fresh_build / PAGE).read_text()
    images = [
        tag for tag in re.findall(r"<img [^>]*>", page) if re.search(r'src="[./]*_images/', tag)
    ]  # generated figures
    assert len(images) >= 2
    assert all(re.search(r'alt="[^"]{20,}"', tag) for tag in images)
