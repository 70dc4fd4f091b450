"""Chapter 7 (choosing a model): its experiment, agreement cell and glued numbers are on the
page.
"""

import re

from helpers import page_text

PAGE = "book/07-choosing-a-model/index.html"


def test_agreement_cell_ran(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert (
        "trained RNN, LSTM and GRU: reference, Keras and PyTorch predictions agree on 2000 test"
        " sequences"
        in text
    )
    assert re.search(
        r"largest difference per cell: vanilla RNN \d\.\de-\d+, LSTM \d\.\de-\d+, GRU \d\.\de-\d+",
        text,
    )


def test_parameter_table_and_gru_correction(fresh_build):
    text = page_text(fresh_build, PAGE)
    for row in [
        "parameters, notes’ formula 32,896 131,584 98,688",
        "parameters, Keras ( count_params ) 32,896 131,584 99,072",
        "parameters, PyTorch ( numel ) 33,024 132,096 99,072",
    ]:
        assert row in text, row
    assert "has exactly 4 times the vanilla RNN’s parameters and the GRU 3 times" in text
    assert "25% fewer than the LSTM in PyTorch and 24.7% fewer in Keras" in text
    assert "98688 for \\(h =\\) 128" in text
    assert "99072 in PyTorch and 99072 in Keras, 384 more" in text


def test_the_adding_problem_separates_the_cells(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "The vanilla RNN used its whole budget of 600 batches" in text
    rnn = re.search(
        r"ends with a test MSE of (0\.\d{3}) , (\d\.\d{2}) times that of always answering the mean",
        text,
    )
    assert rnn and float(rnn.group(1)) > 0.1
    gated = re.search(
        r"The LSTM reached the target after (\d+) batches \(test MSE (0\.\d{4}) .*? the GRU after"
        r" (\d+) "
        r"\(test MSE (0\.\d{4})",
        text,
    )
    assert gated, "the LSTM/GRU sentence is missing"
    lstm_batches, lstm_mse, gru_batches, gru_mse = gated.groups()
    assert int(lstm_batches) < 600 and int(gru_batches) < 600
    assert float(lstm_mse) < 0.01 and float(gru_mse) < 0.01
    assert re.search(r"always answers the mean scores 0\.1\d\d", text)


def test_streaming_memory_correction(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert (
        "n = 200: scores for the whole sequence (1, 200, 200), for the newest token (1, 1, 200)"
        in text
    )
    assert "1,000,000 7,812.50 MiB 8 KiB" in text
    assert "streaming memory is linear, not quadratic" in text


def test_quiz_answers_references_and_figure(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "3600 , 14400 and 10800" in text
    assert "The GRU has 25% fewer than the LSTM" in text
    assert "Attention is all you need" in text and "Long short-term memory" in text
    page = (fresh_build / PAGE).read_text()
    images = [tag for tag in re.findall(r"<img [^>]*>", page) if "_images/" in tag]
    assert images and all(re.search(r'alt="[^"]{20,}"', tag) for tag in images)
