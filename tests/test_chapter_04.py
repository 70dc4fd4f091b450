"""Chapter 4 (GRU): the worked examples, the framework agreement and the notes' corrections are on
the page.
"""

import re

from helpers import page_text

PAGE = "book/04-gru/index.html"


def test_chapter_four_agreement_cells_ran(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "numpy, reference, Keras and PyTorch agree: h_t = 0.6740" in text
    assert "both GRU variants: reference, Keras and PyTorch agree" in text
    assert "Keras's h_t: 0.6740" in text
    assert "PyTorch's h_t: 0.6740" in text


def test_chapter_four_reproduces_the_worked_examples(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "h_t = (1 - 0.4) * 0.9 + 0.4 * 0.2 = 0.54 + 0.08 = 0.6200" in text  # update gate, 0.62
    assert "which comes out at 0.3095" in text  # reset gate, 0.309
    assert "h_t = 0.7 * 0.8 + 0.3 * 0.3799 = 0.6740" in text  # full step, 0.674


def test_chapter_four_notes_the_lecture_discrepancies(fresh_build):
    text = page_text(fresh_build, PAGE)
    assert "What the lecture notes say about z, and one rounding" in text
    assert "gives 0.5060 instead of 0.6740" in text
    assert "0.379 ; rounded to three decimals it is 0.380" in text
    assert "Which GRU the notes count" in text
    assert "here 192 parameters more" in text


def test_chapter_four_parameter_counts(fresh_build):
    text = page_text(fresh_build, PAGE)
    for count in ["24768", "24960", "33024", "33280", "8256", "8320"]:
        assert count in text, count


def test_chapter_four_figure_has_alt_text(fresh_build):
    page = (fresh_build / PAGE).read_text()
    images = [
        tag for tag in re.findall(r"<img [^>]*>", page) if re.search(r'src="[./]*_images/', tag)
    ]  # generated figures
    assert images
    assert all(re.search(r'alt="[^"]{20,}"', tag) for tag in images)
