"""Every section of every source document is mapped to a heading of the book that exists."""

import re
from pathlib import Path

import pytest
import yaml
from docutils.nodes import make_id

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
COVERAGE = yaml.safe_load((ROOT / "book" / "seed_coverage.yml").read_text())
ROWS = [(document, row) for document, rows in COVERAGE.items() for row in rows]

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"source documents not found at {SEEDS}")


def page_source(page):
    """A page's Markdown without its code cells (whose comments would look like headings)."""
    folder = ROOT / "book" / page
    source = (folder / "index.md" if folder.is_dir() else ROOT / "book" / f"{page}.md").read_text()
    return re.sub(r"^```\{code-cell\}.*?^```$", "", source, flags=re.M | re.S)


def headings(source):
    return {match.group(1).strip() for match in re.finditer(r"^#{1,4} (.+)$", source, re.M)}


def section_text(source, heading):
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}$", source, re.M)
    level = len(match.group(1))
    end = re.search(rf"^#{{1,{level}}} ", source[match.end():], re.M)
    return source[match.end(): match.end() + end.start() if end else len(source)]


@needs_seeds
def test_every_seed_document_is_mapped():
    assert sorted(COVERAGE) == sorted(p.name for p in SEEDS.glob("*.txt"))


@needs_seeds
@pytest.mark.parametrize("document, row", ROWS, ids=lambda v: v if isinstance(v, str) else v["marker"][:40])
def test_marker_is_in_the_seed_and_target_in_the_book(document, row):
    assert row["marker"] in (SEEDS / document).read_text(), row["marker"]
    source = page_source(row["page"])
    if "section" in row:
        assert row["section"] in headings(source), f"{row['page']} has no heading {row['section']!r}"
        text = section_text(source, row["section"]).lower()
        for word in row.get("mentions", []):
            assert word.lower() in text, f"{row['page']} / {row['section']} does not mention {word!r}"


@needs_seeds
def test_every_heading_of_the_gradients_lecture_is_mapped():
    text = (SEEDS / "004_9494245b3d568425.txt").read_text()
    mapped = {row["marker"].strip() for row in COVERAGE["004_9494245b3d568425.txt"]}
    missing = {line for line in re.findall(r"^# .+$", text, re.M) if line.strip() not in mapped}
    assert not missing


@needs_seeds
def test_every_titled_item_of_the_pytorch_notes_is_mapped():
    text = (SEEDS / "003_c0e192004b4532a4.txt").read_text()
    titles = re.findall(r"^(?:Theorem|Example|Common Mistake|Historical Note|Why This Matters): (.+)$", text, re.M)
    mapped = " ".join(row["marker"] for row in COVERAGE["003_c0e192004b4532a4.txt"])
    assert titles and not [title for title in titles if title not in mapped]


def test_coverage_page_links_resolve(fresh_build):
    page = (fresh_build / "book" / "seed-coverage.html").read_text()
    links = re.findall(r'href="([^"#]+\.html)#([^"]+)"', page)
    assert len(links) >= 100
    for target, anchor in set(links):
        html = (fresh_build / "book" / target).read_text()
        assert f'id="{anchor}"' in html, (target, anchor)


def test_anchor_ids_follow_docutils():
    assert make_id("Stacking layers: deep RNNs") == "stacking-layers-deep-rnns"
