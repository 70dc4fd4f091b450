"""Chapter 2 (BPTT, vanishing and exploding gradients): its agreement cells ran and its glued
numbers are on the page.
"""

import re

from helpers import page_text

PAGE = "book/02-bptt/index.html"


def _number(pattern, text):
    match = re.search(pattern, text)
    assert match, pattern
    return float(match.group(1))


def test_agreement_cells_ran(fresh_build):
    text = page_text(fresh_build, PAGE)
    for line in [
        "BPTT: reference, Keras and PyTorch gradients agree (largest difference",
        (
            "||dh_T/dh_t||: numpy by hand, reference, Keras and PyTorch agree (largest relative"
            " difference"
        ),
        "LSTM ||dh_T/dc_t||: reference, Keras and PyTorch agree (largest relative difference",
        "clipping by global norm: reference, Keras and PyTorch agree (largest difference",
        "truncated BPTT in chunks of 8: reference, Keras and PyTorch agree (largest difference",
        "IRNN states: reference, Keras and PyTorch agree (largest difference",
    ]:
        assert _number(re.escape(line) + r" ([0-9.e+-]+)\)", text) < 1e-8, line


def test_loss_averaged_over_time_is_the_same_in_all_three(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "averaged loss: 1.209326" in text
    assert text.count("Loss: 1.209326; first row of dJ/dW_h: [ 0.1592 0.0388 -0.0109 0.0097]") == 2
    assert "All three give the averaged loss 1.209326" in text


def test_jacobian_norms_and_the_two_corrections(fresh_build):
    text = page_text(fresh_build, PAGE)
    norms = "At distances 99, 50, 10, 1, 0: [6.811e-07 4.670e-04 1.654e+00 3.812e+00 4.000e+00]"
    assert text.count(norms) == 2
    assert "A correction to the lecture notes: which gradient the product is" in text
    assert (
        _number(
            r"reference’s \\\(\\partial \\mathcal L / \\partial h_0\\\) to a relative ([0-9.e+-]+)",
            text,
        )
        < 1e-8
    )
    assert "A correction to the lecture notes: a norm above 1 does not mean explosion" in text
    assert "still vanishes, to 6.8e-07 over 99 steps" in text
    assert _number(r"For \\\(s = 3\\\) it is ([0-9.e+-]+)", text) > 1e3


def test_lstm_highway_depends_on_the_forget_bias(fresh_build):
    text = page_text(fresh_build, PAGE)
    rnn = _number(r"the vanilla RNN’s norm is ([0-9.e+-]+)", text)
    keras_default = _number(r"forget bias 1 keeps ([0-9.e+-]+) along its cell state", text)
    open_gate = _number(r"at the start of training, ([0-9.e+-]+) \.", text)
    assert rnn < keras_default < open_gate


def test_clipping_counts_pytorchs_second_bias(fresh_build):
    text = page_text(fresh_build, PAGE)
    match = re.search(
        r"The norm PyTorch reports, ([0-9.e+]+) , is not the reference’s ([0-9.e+]+) \.", text
    )
    assert match
    assert float(match.group(1)) > float(match.group(2)) > 1e6
    assert "Its global norm: 1.000000" in text and "After: 1.000000" in text


def test_truncation_table_and_remedies(fresh_build):
    text = page_text(fresh_build, PAGE)
    row = re.search(r"\b8 (0\.\d{4}) (0\.\d{3}) 16 ", text)
    assert row and float(row.group(1)) < float(row.group(2))
    assert text.count("Relative error of dJ/dW_h against full BPTT: " + row.group(2)) == 2
    # sqrt(active units), not vanishing
    assert _number(r"distance 99: (\d\.\d{3})\s+PyTorch", text) >= 1.0
    assert "at distance 96 with \\(D = 4\\)" in text


def test_figures_have_alt_text(fresh_build):
    page = (fresh_build / PAGE).read_text()
    images = [tag for tag in re.findall(r"<img [^>]*>", page) if "_images/" in tag]
    assert len(images) >= 3
    assert all(re.search(r'alt="[^"]{20,}"', tag) for tag in images)
