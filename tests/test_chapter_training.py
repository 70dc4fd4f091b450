"""The training pages (chapters 5, 6 and 7): their verification cells ran and their measured numbers
are on the page.

The numbers change with the machine and, slightly, with library versions; the tests read them back
and check the margins the pages claim, never exact values.
"""

import re

import pytest

from helpers import page_text

pytestmark = pytest.mark.book

FORECAST = "book/05-dimensions/training.html"
CLASSIFIER = "book/06-bidirectional-deep/classifier.html"
CHAR_LM = "book/07-choosing-a-model/char-lm.html"
CHAPTER_7 = "book/07-choosing-a-model/index.html"


def test_forecaster_page_beats_both_baselines_in_both_frameworks(fresh_build):
    text = page_text(fresh_build, FORECAST)
    assert (
        "each part is windowed on its own: the last training target is hour 4030 and the first"
        " validation input is hour 4031"
        in text
    )
    ratio = re.search(
        r"all four models beat the best baseline \((\d\.\d\d) °C\); worst ratio (0\.\d\d)", text
    )
    assert ratio and float(ratio.group(2)) <= 0.75
    for row in (
        "Keras, last state 5,260",
        "Keras, every state, flattened 14,092",
        "PyTorch, last state 5,388",
        "PyTorch, every state, flattened 14,220",
    ):
        assert row in text, row
    baseline = re.search(r"seasonal naive \(24 h earlier\) – – – (\d\.\d\d) 1\.00", text)
    assert baseline, "the seasonal naive baseline is the better one and heads the ratios"
    assert "linear least squares on the flattened window" in text
    page = (fresh_build / FORECAST).read_text()
    assert (
        page.count('alt="Five stacked line plots') == 1
        and page.count('alt="Two panels, Keras and PyTorch') == 2
    )


def test_classifier_page_masks_packs_and_beats_the_bag_of_words(fresh_build):
    text = page_text(fresh_build, CLASSIFIER)
    assert "padding to 30 steps instead of 16 changes no logit" in text
    found = re.search(
        r"all eight models reach at least (\d+\.\d)%; the bag of words (\d+\.\d)%", text
    )
    assert found and float(found.group(1)) >= 95 and float(found.group(2)) < 80
    for row in (
        "LSTM 2,706 / 2,770",
        "bidirectional LSTM 4,850 / 4,978",
        "GRU 2,226 / 2,226",
        "bidirectional GRU 3,890 / 3,890",
    ):
        assert row in text, row
    assert re.search(r"P\(positive\) = 0\.\d\d the film was not good", text)


def test_char_lm_page_measures_the_reset_state_mistake(fresh_build):
    text = page_text(fresh_build, CHAR_LM)
    assert "196,818 characters, 60 distinct; training on 177,136, validating on 19,682" in text
    assert "RuntimeError: Trying to backward through the graph a second time" in text
    found = re.search(
        r"state carried: (\d+\.\d\d); reset every chunk: (\d+\.\d\d); unigram: (\d+\.\d\d)", text
    )
    assert found
    carried, reset, unigram = map(float, found.groups())
    assert carried < 0.4 * unigram and reset > 1.03 * carried
    assert text.count("temperature 0.5:") == 1 and text.count("temperature 1.0:") == 1


def test_chapter_seven_table_is_measured(fresh_build):
    text = page_text(fresh_build, CHAPTER_7)
    gated = re.search(
        r"gated cells: LSTM (\d+\.\d)%, bidirectional LSTM (\d+\.\d)%, GRU (\d+\.\d)%, "
        r"bidirectional GRU (\d+\.\d)%",
        text,
    )
    assert gated and all(float(value) >= 95 for value in gated.groups())
    assert re.search(r"vanilla RNN 1,138 \d\.\d\d s \d+\.\d%", text)
