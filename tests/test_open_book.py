"""An open book: the reader sees the code that ran (few hidden cells, short lines, no static
copies).
"""

import re
from pathlib import Path

import pytest

from autograder.book.sources import code_cells, hidden_lines
from site_browser import toc_pages

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / f"{page}.md" for page in toc_pages() if (ROOT / f"{page}.md").exists()]
CHAPTERS = [page for page in PAGES if re.match(r"\d\d-", page.parent.name)]
MAX_HIDDEN_SHARE = 0.20
MAX_LINE = 88


def test_code_cells_are_read_with_their_tags():
    text = (
        "```{code-cell} ipython3\n:tags: [remove-cell]\nx = 1\n\ny = 2\n```\n"
        "```{code-cell} ipython3\n---\ntags: [tab-keras]\n---\nprint(1)\n```\n"
        "```{code-cell} ipython3\nz = 3\n```\n"
    )
    assert list(code_cells(text)) == [
        (["remove-cell"], ["x = 1", "y = 2"]),
        (["tab-keras"], ["print(1)"]),
        ([], ["z = 3"]),
    ]


def test_at_most_a_fifth_of_the_code_is_hidden():
    hidden, total = hidden_lines(PAGES)
    assert total > 500, total
    share = hidden / total
    print(f"hidden code-cell lines: {hidden} of {total} ({share:.1%})")
    assert (
        share <= MAX_HIDDEN_SHARE
    ), f"{hidden} of {total} code-cell lines are hidden ({share:.1%})"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT / "book")))
def test_code_lines_fit_the_page(page):
    """Shown code lines are at most 88 characters, so a code block does not overflow at 1280 px."""
    long = [
        line
        for tags, lines in code_cells(page.read_text())
        for line in lines
        if len(line) > MAX_LINE and not {"remove-cell", "remove-input"} & set(tags)
    ]
    assert not long, f"{page.name}: {len(long)} code lines longer than {MAX_LINE}:\n" + "\n".join(
        long[:5]
    )


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.parent.name)
def test_no_static_copies_of_code_in_tabs(page):
    """Framework code is shown by executed tab cells, not by a tab-set of static code blocks."""
    tabs = re.findall(r":::\{tab-item\}.*?\n(.*?)\n:::", page.read_text(), re.S)
    assert not [tab for tab in tabs if "```python" in tab], f"{page.name} has static code in tabs"
