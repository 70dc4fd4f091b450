"""Small helpers for tests that read built pages."""

import html
import re


def page_text(html_root, relative):
    """The visible text of a built page, tags removed and whitespace collapsed."""
    page = (html_root / relative).read_text()
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
