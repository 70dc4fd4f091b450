"""Small helpers for tests that read built pages."""

import html
import re

import pytest


def page_text(html_root, relative):
    """The visible text of a built page, tags removed and whitespace collapsed."""
    page = (html_root / relative).read_text()
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def failure_of(check, func, hidden=False):
    """The message of the AssertionError that ``check`` raises for ``func`` (fails if it passes)."""
    with pytest.raises(AssertionError) as caught:
        check(func, hidden=hidden)
    return str(caught.value)
