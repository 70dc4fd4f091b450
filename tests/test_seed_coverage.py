"""Every section of every source document is mapped to a place in the book that covers its content.

A mapped item names its key terms (checked in the target section's prose and code) and, where it
computes something, the numbers the built section must show; an item the book does not cover is
marked `covered: false` and listed on the coverage page as not covered.
"""

import os
import re
from pathlib import Path

import pytest
import yaml
from docutils.nodes import make_id

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("SEED_DOCUMENTS", ROOT.parent / "shared" / "seeds"))
COVERAGE = yaml.safe_load((ROOT / "book" / "seed_coverage.yml").read_text())
ROWS = [(document, row) for document, rows in COVERAGE.items() for row in rows]

needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"source documents not found at {SEEDS}"
)


COVERED = [(document, row) for document, row in ROWS if row.get("covered", True)]
UNCOVERED = [(document, row) for document, row in ROWS if not row.get("covered", True)]
CODE_CELL = re.compile(r"^```\{code-cell\}.*?^```$", re.M | re.S)


def full_source(page):
    folder = ROOT / "book" / page
    return (folder / "index.md" if folder.is_dir() else ROOT / "book" / f"{page}.md").read_text()


def page_source(page):
    """A page's Markdown without its code cells (whose comments would look like headings)."""
    return CODE_CELL.sub("", full_source(page))


def target_text(row):
    """The prose and code of the row's section (or of its whole page), lower-cased.

    Headings are found with the code cells masked (a comment line would look like a heading), and
    the section's span is then read from the full source, code included.
    """
    source = full_source(row["page"])
    if "section" not in row:
        return source.lower()
    masked = CODE_CELL.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    match = re.search(rf"^(#+) {re.escape(row['section'])}$", masked, re.M)
    level = len(match.group(1))
    end = re.search(rf"^#{{1,{level}}} ", masked[match.end() :], re.M)
    return source[match.end() : match.end() + end.start() if end else len(source)].lower()


def headings(source):
    return {match.group(1).strip() for match in re.finditer(r"^#{1,4} (.+)$", source, re.M)}


def section_text(source, heading):
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}$", source, re.M)
    level = len(match.group(1))
    end = re.search(rf"^#{{1,{level}}} ", source[match.end() :], re.M)
    return source[match.end() : match.end() + end.start() if end else len(source)]


@needs_seeds
def test_every_seed_document_is_mapped():
    assert sorted(COVERAGE) == sorted(p.name for p in SEEDS.glob("*.txt"))


@needs_seeds
@pytest.mark.parametrize(
    "document, row", ROWS, ids=lambda v: v if isinstance(v, str) else v["marker"][:40]
)
def test_marker_is_in_the_seed_and_target_in_the_book(document, row):
    assert row["marker"] in (SEEDS / document).read_text(), row["marker"]
    source = page_source(row["page"])
    if "section" in row:
        assert row["section"] in headings(
            source
        ), f"{row['page']} has no heading {row['section']!r}"


@pytest.mark.parametrize(
    "document, row", COVERED, ids=lambda v: v if isinstance(v, str) else v["marker"][:40]
)
def test_covered_item_has_its_key_terms_in_the_target(document, row):
    """A claim of coverage names the item's key terms, and the target's prose and code contain
    them.
    """
    assert row.get("terms"), f"{row['marker']!r} claims coverage without naming its key terms"
    text = target_text(row)
    missing = [term for term in row["terms"] if term.lower() not in text]
    where = f"{row['page']} / {row.get('section', '(whole page)')}"
    assert not missing, f"{row['marker']!r}: {where} lacks {missing}"


@pytest.mark.parametrize(
    "document, row", UNCOVERED, ids=lambda v: v if isinstance(v, str) else v["marker"][:40]
)
def test_uncovered_item_says_why_and_claims_no_section(document, row):
    assert row.get("note") and "section" not in row and "terms" not in row, row


def test_rows_use_only_known_keys():
    known = {"marker", "page", "section", "terms", "numbers", "covered", "note"}
    assert all(set(row) <= known for _, row in ROWS), [set(row) - known for _, row in ROWS]


@needs_seeds
def test_every_heading_of_the_gradients_lecture_is_mapped():
    text = (SEEDS / "004_9494245b3d568425.txt").read_text()
    mapped = {row["marker"].strip() for row in COVERAGE["004_9494245b3d568425.txt"]}
    missing = {line for line in re.findall(r"^# .+$", text, re.M) if line.strip() not in mapped}
    assert not missing


@needs_seeds
def test_every_titled_item_of_the_pytorch_notes_is_mapped():
    text = (SEEDS / "003_c0e192004b4532a4.txt").read_text()
    titles = re.findall(
        r"^(?:Theorem|Example|Common Mistake|Historical Note|Why This Matters): (.+)$", text, re.M
    )
    mapped = " ".join(row["marker"] for row in COVERAGE["003_c0e192004b4532a4.txt"])
    assert titles and not [title for title in titles if title not in mapped]


def _built_section_text(fresh_build, row):
    from bs4 import BeautifulSoup

    folder = ROOT / "book" / row["page"]
    page = (
        fresh_build
        / "book"
        / (f"{row['page']}/index.html" if folder.is_dir() else f"{row['page']}.html")
    )
    soup = BeautifulSoup(page.read_text(), "html.parser")
    element = soup.find(id=make_id(row["section"])) if "section" in row else soup.find("article")
    return re.sub(r"\s+", " ", element.get_text(" "))


@pytest.mark.book
@pytest.mark.parametrize(
    "document, row",
    [(d, r) for d, r in COVERED if r.get("numbers")],
    ids=lambda v: v if isinstance(v, str) else v["marker"][:40],
)
def test_covered_item_shows_its_numbers(fresh_build, document, row):
    """The values an item computes (a worked example's results) are on the built section."""
    text = _built_section_text(fresh_build, row)
    missing = [number for number in row["numbers"] if number not in text]
    assert (
        not missing
    ), f"{row['marker']!r}: {row['page']} / {row.get('section')} does not show {missing}"


@pytest.mark.book
def test_coverage_page_lists_uncovered_items_as_such(fresh_build):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((fresh_build / "book" / "seed-coverage.html").read_text(), "html.parser")
    cells = {}
    for tr in soup.find_all("tr"):
        tds = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        if len(tds) == 2:
            cells.setdefault(tds[0], []).append(tds[1])
    summary = re.search(
        r"(\d+) of the (\d+) sections are covered; (\d+) are not yet", soup.get_text(" ")
    )
    assert summary and summary.groups() == (str(len(COVERED)), str(len(ROWS)), str(len(UNCOVERED)))
    for _, row in UNCOVERED:
        marker = row["marker"].strip().lstrip("#").strip()
        assert any(where.startswith("not covered") for where in cells[marker]), (
            marker,
            cells[marker],
        )
    covered_rows = [where for wheres in cells.values() for where in wheres]
    assert sum(where.startswith("not covered") for where in covered_rows) == len(UNCOVERED)


def test_coverage_page_links_resolve(fresh_build):
    page = (fresh_build / "book" / "seed-coverage.html").read_text()
    links = re.findall(r'href="([^"#]+\.html)#([^"]+)"', page)
    assert len(links) >= 100
    for target, anchor in set(links):
        html = (fresh_build / "book" / target).read_text()
        assert f'id="{anchor}"' in html, (target, anchor)


def test_anchor_ids_follow_docutils():
    assert make_id("Stacking layers: deep RNNs") == "stacking-layers-deep-rnns"
