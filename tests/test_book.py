"""The book builds from scratch with warnings as errors, and its pages show what they claim."""

import re
from pathlib import Path

import pytest

from autograder.book.sources import code_cells
from helpers import page_text

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p for p in (ROOT / "book").glob("[0-9][0-9]-*/*.md"))


def test_every_chapter_page_is_built(fresh_build):
    for chapter in CHAPTERS:
        assert (fresh_build / chapter.relative_to(ROOT).with_suffix(".html")).exists(), chapter


def test_chapter_one_agreement_cell_ran(fresh_build):
    text = page_text(fresh_build, "book/01-rnn/index.html")
    assert "numpy, reference, Keras and PyTorch agree: [0.2913 0.5687 0.755 ]" in text
    assert "Keras's states: [0.2913 0.5687 0.755 ]" in text
    assert "PyTorch's states: [0.2913 0.5687 0.755 ]" in text


def test_chapter_one_notes_the_lecture_discrepancy(fresh_build):
    text = page_text(fresh_build, "book/01-rnn/index.html")
    assert "pre-activations of steps 2 and 3 as 0.748 and 1.217" in text
    assert "is 0.6457" in text


def test_no_framework_log_lines_reach_the_pages(fresh_build):
    for page in fresh_build.rglob("*.html"):
        text = page.read_text()
        for noise in ["oneDNN", "TF_ENABLE_ONEDNN_OPTS", "cuda", "E0000", "W0000"]:
            assert noise not in text, (page, noise)


def test_figures_are_generated_with_alt_text(fresh_build):
    page = (fresh_build / "book/01-rnn/index.html").read_text()
    # made at build time
    images = [tag for tag in re.findall(r"<img [^>]*>", page) if "_images/" in tag]
    assert len(images) >= 2
    assert all(re.search(r'alt="[^"]{20,}"', tag) for tag in images)


def _tagged_cells(chapter, tag):
    return [tags for tags, _ in code_cells(chapter.read_text()) if tag in tags]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.parent.name)
def test_code_shown_in_tabs_is_code_that_runs(chapter):
    """The framework code a chapter shows is in executed cells tagged tab-keras / tab-pytorch."""
    assert _tagged_cells(chapter, "tab-keras"), f"{chapter} has no Keras tab cell"
    assert _tagged_cells(chapter, "tab-pytorch"), f"{chapter} has no PyTorch tab cell"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.parent.name)
def test_every_tab_cell_is_a_synced_tab(fresh_build, chapter):
    """Each executed tab cell became a tab with its sync key; How-we-know cells became dropdowns."""
    page = (fresh_build / chapter.relative_to(ROOT).with_suffix(".html")).read_text()
    for tag, key in (("tab-keras", "keras"), ("tab-pytorch", "pytorch"), ("tab-numpy", "numpy")):
        assert page.count(f'data-sync-id="{key}"') == len(_tagged_cells(chapter, tag)), (
            chapter,
            key,
        )
    assert page.count("how-we-know") >= len(_tagged_cells(chapter, "how-we-know"))
