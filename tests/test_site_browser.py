"""The built site as readers meet it, in a real browser (Debian's headless Chromium, served from
localhost).

Every page of `_toc.yml` is loaded once: no console errors, nothing fetched from another host, math
typeset by the site's own MathJax, every image loaded, figures with alt text, headings in order, the
Keras/PyTorch tabs switching, and a full-page screenshot saved under
`_build/test-artefacts/screenshots/` with each page's weight in
`_build/test-artefacts/page-weight.json`. The layout is measured on every page: no display equation
or code block wider than its box at 1280 px (with each framework's tabs showing), and no sideways
scrolling of the page at 390 px (a phone). Choosing PyTorch in one tab set switches every tab set on
the page and is remembered on the next page (sphinx-design's sync, kept in local storage). Search is
tried from the search page; internal links and cross-references are checked over every built HTML
file.

The site is the session's clean -W build (`fresh_build`). To check an existing build instead while
working on the site, set SITE_HTML (e.g. `SITE_HTML=_build/html pytest tests/test_site_browser.py`).
"""

import html
import json
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from helpers import page_text
from site_browser import (
    ARTEFACTS,
    chapter_of,
    chromium,
    console_errors,
    open_page,
    page_weight,
    resources,
    screenshot,
    serve,
    tell,
    toc_pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.book]

PAGES = toc_pages()
SCREENSHOTS = ARTEFACTS / "screenshots"
# A first visit to any page, uncompressed: theme (~2 MB, mostly the icon font), MathJax (~1.3 MB),
# figures.
PAGE_WEIGHT_BUDGET_BYTES = 8_000_000
# Words a tab's label names, and what the code shown in that tab must then use.
FRAMEWORK_CODE = {
    "keras": "keras",
    "pytorch": "torch",
    "torch": "torch",
    "numpy": "np",
    "tensorflow": "tf",
}
SEARCHES = ["forget gate", "hidden state"]
# Markup a reader should never see in a page's prose (code blocks and typeset math left out).
UNRENDERED = {
    "a Markdown table": r"\|\s*:?[-\u2013\u2014]+:?\s*\|",
    "a code fence or MyST directive": r"```|:::\{",
    "a MyST role": r"\{(glue|ref|doc|numref|eq|math|term)(:[a-z]+)?\}`",
    "$-delimited math": r"\$[A-Za-z\\][^$\n]{0,80}\$",
}


@pytest.fixture(scope="module")
def site_html(request):
    if os.environ.get("SITE_HTML"):
        return Path(os.environ["SITE_HTML"]).resolve()
    return request.getfixturevalue("fresh_build")


@pytest.fixture(scope="module")
def site(site_html):
    with serve(site_html) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


@dataclass
class Visit:
    """What one page load showed."""

    url: str
    mathjax: str
    errors: list
    loaded: list
    math: dict
    images: list
    headings: list
    weight: int
    screenshot: Path
    prose: str = ""
    tabs: list = field(default_factory=list)
    overflowing: list = field(default_factory=list)
    phone_width: dict = field(default_factory=dict)


_PAGE_FACTS = """
const article = document.querySelector('article.bd-article') || document.body;
const maths = Array.from(article.querySelectorAll('.math'));
const prose = article.cloneNode(true);
prose.querySelectorAll('pre, code, .highlight, mjx-container, script, style')
  .forEach(e => e.remove());
return {
  prose: prose.textContent,
  math: {elements: maths.length,
         typeset: maths.filter(m => m.querySelector('mjx-container')).length,
         errors: article.querySelectorAll('mjx-merror').length},
  images: Array.from(document.images).map(img => ({
      src: img.currentSrc || img.src, alt: img.getAttribute('alt'),
      inArticle: article.contains(img),
      loaded: img.complete && img.naturalWidth > 0})),
  headings: Array.from(article.querySelectorAll('h1, h2, h3, h4, h5, h6'))
      .map(h => [Number(h.tagName[1]), h.textContent.replace(/[\\s¶#]+$/, '').trim()]),
};
"""


# Display equations and code blocks (sources and outputs) wider than their own box, among those
# shown.
_OVERFLOWING = """
const article = document.querySelector('article.bd-article') || document.body;
const boxes = Array.from(article.querySelectorAll('div.math, mjx-container[display="true"], pre'));
return boxes.filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => ({kind: e.tagName.toLowerCase() === 'pre' ? 'code block' : 'display equation',
              by: e.scrollWidth - e.clientWidth, text: e.textContent.trim().slice(0, 70)}));
"""
DESKTOP_WIDTH, PHONE = 1280, {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}


def _select_framework(driver, key):
    """Click the first tab label with sync key `key`; returns whether the page has one."""
    return driver.execute_script(
        "const label ="
        " document.querySelector(`label.sd-tab-label[data-sync-id='${arguments[0]}']`);if (!label)"
        " return false; label.click(); return true;",
        key,
    )


def _overflowing(driver):
    """Overflowing boxes at the window's width, with the Keras tabs shown and with the PyTorch tabs
    shown.
    """
    found = driver.execute_script(_OVERFLOWING)
    for key in ("pytorch", "keras"):  # ends as a reader first sees the page
        if _select_framework(driver, key):
            found += [box for box in driver.execute_script(_OVERFLOWING) if box not in found]
    return found


def _phone_width(driver, url):
    """The page's scroll width against the viewport's, loaded on a 390 px wide phone screen."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        open_page(driver, url)
        return driver.execute_script(
            "return {page: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
            " viewport: document.documentElement.clientWidth};"
        )
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _check_tabs(driver):
    """Click every tab of every tab set; record what each shows. Returns one dict per tab."""
    from selenium.webdriver.common.by import By

    shown = []
    for number, tab_set in enumerate(driver.find_elements(By.CSS_SELECTOR, ".sd-tab-set")):
        labels = tab_set.find_elements(By.CSS_SELECTOR, ":scope > label.sd-tab-label")
        contents = tab_set.find_elements(By.CSS_SELECTOR, ":scope > .sd-tab-content")
        for index, label in enumerate(labels):
            driver.execute_script(
                "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", label
            )
            shown.append(
                {
                    "set": number,
                    "label": label.text.strip(),
                    "visible": [content.is_displayed() for content in contents],
                    "index": index,
                    "code": "\n".join(
                        pre.text for pre in contents[index].find_elements(By.TAG_NAME, "pre")
                    ),
                    "text": contents[index].text,
                }
            )
        if labels:  # leave the page as a reader first sees it
            driver.execute_script("arguments[0].click();", labels[0])
    return shown


@pytest.fixture(scope="module")
def visit(site, browser, pytestconfig):
    """Load a page once per session (cached) and return what it showed."""
    cache = {}
    console_errors(browser)  # start with an empty log

    def load(docname):
        if docname not in cache:
            url = site + docname + ".html"
            mathjax = open_page(browser, url)
            facts = browser.execute_script(_PAGE_FACTS)
            loaded = resources(browser)
            assert browser.execute_script("return window.innerWidth") == DESKTOP_WIDTH
            overflowing = _overflowing(browser)
            tabs = _check_tabs(browser)
            # no tab choice carried to the next page
            browser.execute_script("window.localStorage.clear()")
            errors = console_errors(browser)
            shot = screenshot(browser, SCREENSHOTS / (docname.replace("/", "__") + ".png"))
            phone = _phone_width(browser, url)
            errors += console_errors(browser)
            cache[docname] = Visit(
                url,
                mathjax,
                errors,
                loaded,
                facts["math"],
                facts["images"],
                facts["headings"],
                page_weight(loaded),
                shot,
                facts["prose"],
                tabs,
                overflowing,
                phone,
            )
        return cache[docname]

    yield load
    _write_page_weights(pytestconfig, cache)


def _write_page_weights(config, visits):
    if not visits:
        return
    chapters = {}
    for docname, v in visits.items():
        chapters.setdefault(chapter_of(docname), []).append(v.weight)
    report = {
        "pages": {name: v.weight for name, v in visits.items()},
        "chapters": {name: {"pages": len(ws), "bytes": sum(ws)} for name, ws in chapters.items()},
    }
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "page-weight.json").write_text(json.dumps(report, indent=2) + "\n")
    tell(
        config,
        "",
        f"site test: screenshots in {SCREENSHOTS}, page weights in"
        f" {ARTEFACTS / 'page-weight.json'}",
        *(f"  {name}: {v.weight / 1e6:.2f} MB on a first visit" for name, v in visits.items()),
    )


def test_toc_lists_pages():
    assert PAGES[0] == "book/index" and len(PAGES) >= 3


@pytest.mark.parametrize("docname", PAGES)
def test_page_loads_without_console_errors(visit, docname):
    v = visit(docname)
    assert not v.errors, f"{docname}: console errors:\n" + "\n".join(v.errors)


@pytest.mark.parametrize("docname", PAGES)
def test_page_loads_everything_from_the_site_itself(visit, site, docname):
    v = visit(docname)
    foreign = [r["url"] for r in v.loaded if not r["url"].startswith(site)]
    assert not foreign, f"{docname} loads from other hosts (the site must work offline): {foreign}"
    failed = [(r["url"], r["status"]) for r in v.loaded if r["status"] >= 400]
    assert not failed, f"{docname}: failed requests {failed}"


@pytest.mark.parametrize("docname", PAGES)
def test_page_shows_no_unrendered_markup(visit, docname):
    prose = visit(docname).prose
    for what, pattern in UNRENDERED.items():
        match = re.search(pattern, prose)
        assert not match, (
            f"{docname} shows {what} as raw text: "
            f"...{prose[max(0, match.start() - 60):match.end() + 60]!r}..."
        )


@pytest.mark.parametrize("docname", PAGES)
def test_math_is_typeset(visit, docname):
    v = visit(docname)
    if v.math["elements"] == 0:
        assert v.mathjax == "no math"
        return
    assert v.mathjax == "typeset", f"{docname}: MathJax {v.mathjax}"
    assert (
        v.math["typeset"] == v.math["elements"]
    ), f"{docname}: only {v.math['typeset']} of {v.math['elements']} formulas typeset"
    assert v.math["errors"] == 0, f"{docname}: {v.math['errors']} formulas MathJax could not parse"


def test_the_chapters_have_math(visit):
    chapters = [page for page in PAGES if chapter_of(page) != page]
    assert chapters and all(visit(page).math["elements"] > 0 for page in chapters[:1])


@pytest.mark.parametrize("docname", PAGES)
def test_every_image_loads_and_figures_have_alt_text(visit, docname):
    v = visit(docname)
    broken = [image["src"] for image in v.images if not image["loaded"]]
    assert not broken, f"{docname}: images that did not load: {broken}"
    for image in v.images:
        if image["inArticle"]:
            alt = (image["alt"] or "").strip()
            assert len(alt) >= 10 and not re.search(
                r"\.(png|svg|jpg)$", alt
            ), f"{docname}: figure {image['src']} has no descriptive alt text ({alt!r})"


@pytest.mark.parametrize("docname", PAGES)
def test_headings_are_in_order(visit, docname):
    headings = visit(docname).headings
    assert [level for level, _ in headings].count(
        1
    ) == 1, f"{docname}: needs exactly one title: {headings}"
    assert headings[0][0] == 1, f"{docname}: the first heading is not the title: {headings[0]}"
    for (before, _), (level, text) in zip(headings, headings[1:]):
        assert (
            level <= before + 1
        ), f"{docname}: heading {text!r} (h{level}) skips a level after h{before}"


@pytest.mark.parametrize("docname", PAGES)
def test_tabs_switch_and_show_their_own_code_and_values(visit, docname):
    for tab in visit(docname).tabs:
        where = f"{docname}, tab set {tab['set'] + 1}, tab {tab['label']!r}"
        assert tab["visible"][tab["index"]], f"{where}: clicking the tab does not show it"
        assert sum(tab["visible"]) == 1, f"{where}: other tabs still show ({tab['visible']})"
        assert tab["text"].strip(), f"{where}: the tab is empty"
        keyword = FRAMEWORK_CODE.get(tab["label"].lower())
        if keyword and tab["code"]:
            assert re.search(
                rf"\b{keyword}\b", tab["code"]
            ), f"{where}: its code does not use {keyword}"
            wrong = [
                k for k in {"keras", "torch"} - {keyword} if re.search(rf"\b{k}\.", tab["code"])
            ]
            assert not wrong, f"{where}: its code calls {wrong}"
        values = tab["text"].replace(tab["code"], "")
        assert not re.search(
            r"glue|\{[a-z_]+\}", values
        ), f"{where}: an unresolved value: {values!r}"


@pytest.mark.parametrize("docname", PAGES)
def test_no_equation_or_code_block_overflows_at_1280px(visit, docname):
    boxes = visit(docname).overflowing
    assert (
        not boxes
    ), f"{docname}: {len(boxes)} boxes overflow at {DESKTOP_WIDTH} px:\n" + "\n".join(
        f"  {box['kind']} by {box['by']} px: {box['text']!r}" for box in boxes[:10]
    )


@pytest.mark.parametrize("docname", PAGES)
def test_page_does_not_scroll_sideways_at_390px(visit, docname):
    width = visit(docname).phone_width
    assert width["viewport"] == PHONE["width"], width
    assert (
        max(width["page"], width["body"]) <= width["viewport"]
    ), f"{docname} scrolls sideways on a {PHONE['width']} px screen: {width}"


_TAB_STATE = """
return Array.from(document.querySelectorAll('.sd-tab-set')).map(set => {
  const checked = set.querySelector(':scope > input:checked');
  const label = checked && set.querySelector(`:scope > label[for="${checked.id}"]`);
  return {keys: Array.from(set.querySelectorAll(':scope > label[data-sync-id]'))
                     .map(l => l.dataset.syncId),
          selected: label ? label.dataset.syncId : null,
          shown: Array.from(set.querySelectorAll(':scope > .sd-tab-content'))
                      .filter(c => c.offsetParent !== null).length};
});
"""


def test_choosing_pytorch_switches_every_tab_set_and_is_remembered(site, browser, visit):
    """One click on PyTorch switches all of a page's tab sets and still holds on the next pages."""
    tabbed = [page for page in PAGES if any(tab["label"] == "PyTorch" for tab in visit(page).tabs)]
    assert len(tabbed) >= 2, tabbed
    first, others = tabbed[0], tabbed[1:]
    open_page(browser, site + first + ".html")
    browser.execute_script("window.localStorage.clear()")
    open_page(browser, site + first + ".html")
    before = browser.execute_script(_TAB_STATE)
    assert len(before) >= 2 and all(
        s["selected"] != "pytorch" or s["keys"][0] == "pytorch" for s in before
    )
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    assert _select_framework(browser, "pytorch")  # the first PyTorch tab of the page
    try:
        seen = [(first, browser.execute_script(_TAB_STATE))]
        for page in others:  # later pages start with the stored choice
            open_page(browser, site + page + ".html")
            seen.append((page, browser.execute_script(_TAB_STATE)))
        for page, states in seen:
            synced = [s for s in states if "pytorch" in s["keys"]]
            assert synced, page
            wrong = [
                n for n, s in enumerate(synced) if s["selected"] != "pytorch" or s["shown"] != 1
            ]
            assert (
                not wrong
            ), f"{page}: tab sets {wrong} of {len(synced)} do not show PyTorch: {states}"
    finally:
        browser.execute_script("window.localStorage.clear()")
    assert not console_errors(browser)


def test_some_page_has_framework_tabs(visit):
    labels = {tab["label"] for page in PAGES for tab in visit(page).tabs}
    assert {"Keras", "PyTorch"} <= labels, labels


def test_tabs_show_computed_values(visit):
    """The chapters' tabs print values computed at build time next to the code (chapter 1 has
    them).
    """
    page = next(page for page in PAGES if page.startswith("book/01-"))
    texts = {tab["label"]: tab["text"] for tab in visit(page).tabs if tab["set"] == 0}
    assert "states: [0.2913 0.5687 0.755 ]" in texts["Keras"], texts["Keras"]
    assert "states: [0.2913 0.5687 0.755 ]" in texts["PyTorch"], texts["PyTorch"]


@pytest.mark.parametrize("docname", PAGES)
def test_screenshot_is_saved(visit, docname):
    shot = visit(docname).screenshot
    assert (
        shot.exists()
        and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        and shot.stat().st_size > 20_000
    ), shot


@pytest.mark.parametrize("docname", PAGES)
def test_page_weight_within_budget(visit, docname):
    weight = visit(docname).weight
    assert (
        weight < PAGE_WEIGHT_BUDGET_BYTES
    ), f"{docname} weighs {weight / 1e6:.1f} MB on a first visit"


@pytest.mark.parametrize("phrase", SEARCHES)
def test_search_finds_every_page_that_mentions(phrase, site, site_html, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    expected = {
        page + ".html" for page in PAGES if phrase in page_text(site_html, page + ".html").lower()
    }
    if not expected:
        pytest.skip(f"no page mentions {phrase!r} yet")
    open_page(browser, site + "search.html?q=" + phrase.replace(" ", "+"))
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results .search-summary")
        and "finished" in d.find_element(
            By.CSS_SELECTOR, "#search-results .search-summary"
        ).text.lower()
    )
    found = {
        link.get_attribute("href").removeprefix(site).split("#")[0]
        for link in browser.find_elements(By.CSS_SELECTOR, "#search-results ul.search li > a")
    }
    assert expected <= found, f"search for {phrase!r} misses {sorted(expected - found)}"
    assert not console_errors(browser)


class _Links(HTMLParser):
    """The ids a page defines and the local links and assets it refers to."""

    def __init__(self):
        super().__init__()
        self.ids, self.refs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        ref = (
            attrs.get("href")
            if tag in ("a", "link")
            else attrs.get("src") if tag in ("img", "script") else None
        )
        if ref is not None:
            self.refs.append((tag, ref))


def test_internal_links_and_cross_references_resolve(site_html):
    parsed = {}

    def parse(path):
        if path not in parsed:
            parser = _Links()
            parser.feed(path.read_text(errors="replace"))
            parsed[path] = parser
        return parsed[path]

    broken = []
    for page in sorted(site_html.rglob("*.html")):
        if "_sources" in page.parts or "_static" in page.parts:
            continue
        for tag, ref in parse(page).refs:
            parts = urlsplit(html.unescape(ref))
            if parts.scheme or parts.netloc or ref.startswith(("javascript:", "data:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site_html)}: <{tag}> {ref}"
            if not target.exists():
                broken.append(f"{where} (no such file)")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in parse(target).ids
            ):
                broken.append(f"{where} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken)
