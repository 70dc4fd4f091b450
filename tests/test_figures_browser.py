"""The interactive figures and the diagrams in a real browser (Debian's headless Chromium, from
localhost).

For every interactive figure of the built site: it draws on load, and moving each control from the
keyboard (arrow keys on a range slider or a select) changes the drawing and the readout, with no
console error and nothing fetched from another host. The figures and diagrams recolour in the
theme's dark mode, and the bytes they add to a chapter's first visit stay within the budget.

The site is the session's clean -W build (`fresh_build`); set SITE_HTML to check an existing build.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from site_browser import (
    ARTEFACTS,
    chapter_of,
    chromium,
    console_errors,
    open_page,
    resources,
    serve,
    tell,
    toc_pages,
)

pytestmark = pytest.mark.browser

# The figures' share of a chapter's first visit: their script, stylesheet, diagrams and embedded
# data.
FIGURE_BUDGET_BYTES = 1_500_000
FIGURE_ASSETS = ("interactive-figures.js", "figures.css")
EXPECTED_FIGURES = {
    "rnn-steps",
    "gradient-magnitude",
    "gate-dynamics",
    "hidden-state-evolution",
    "parameter-comparison",
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


def figure_pages(site_html):
    """Docnames of the pages whose HTML holds an interactive figure or a diagram."""
    return [
        doc
        for doc in toc_pages()
        if (site_html / f"{doc}.html").exists()
        and any(
            marker in (site_html / f"{doc}.html").read_text()
            for marker in ("data-interactive-figure", "rnn-diagram")
        )
    ]


def drawing(driver, figure):
    return driver.execute_script(
        "return [arguments[0].querySelector('svg.ifig-plot').innerHTML,"
        " arguments[0].querySelector('.ifig-readout').textContent]",
        figure,
    )


def move(driver, control):
    """Move one control by a step from the keyboard, the way a reader without a mouse would."""
    from selenium.webdriver.common.keys import Keys

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", control)
    at_end = driver.execute_script(
        "const c = arguments[0]; return c.tagName === 'SELECT' ? c.selectedIndex ==="
        " c.options.length - 1 : Number(c.value) === Number(c.max)",
        control,
    )
    before = control.get_attribute("value")
    driver.execute_script("arguments[0].focus()", control)
    control.send_keys(Keys.ARROW_LEFT if at_end else Keys.ARROW_RIGHT)
    if control.tag_name == "select" and control.get_attribute("value") == before:
        control.send_keys(Keys.ARROW_UP if at_end else Keys.ARROW_DOWN)
    return before, control.get_attribute("value")


def test_every_interactive_figure_responds_to_every_control(site_html, site, browser):
    seen = set()
    for doc in figure_pages(site_html):
        open_page(browser, site + doc + ".html")
        console_errors(browser)
        figures = browser.find_elements("css selector", "[data-interactive-figure]")
        for figure in figures:
            name = figure.get_attribute("data-interactive-figure")
            seen.add(name)
            svg, readout = drawing(browser, figure)
            assert svg.count("<") > 20 and readout, f"{doc}: {name} did not draw on load"
            for control in figure.find_elements("css selector", "[data-control]"):
                key = control.get_attribute("data-control")
                label = figure.find_elements(
                    "css selector", f"label[for='{control.get_attribute('id')}']"
                )
                assert label and label[0].text, f"{name}: control {key} has no visible label"
                before, after = move(browser, control)
                assert before != after, f"{name}: the keyboard did not move control {key}"
                new_svg, new_readout = drawing(browser, figure)
                assert new_svg != svg, f"{doc}: {name}'s drawing did not change when {key} moved"
                svg, readout = new_svg, new_readout
        errors = console_errors(browser)
        assert not errors, f"{doc}: console errors {errors}"
        foreign = [
            r["url"]
            for r in resources(browser)
            if urlsplit(r["url"]).hostname not in ("127.0.0.1", None)
        ]
        assert not foreign, f"{doc}: requests to other hosts {foreign}"
    assert (
        seen >= EXPECTED_FIGURES
    ), f"figures missing from the site: {sorted(EXPECTED_FIGURES - seen)}"


def test_figures_recolour_in_dark_mode(site_html, site, browser):
    pages = figure_pages(site_html)
    page = next(
        doc for doc in pages if "data-interactive-figure" in (site_html / f"{doc}.html").read_text()
    )
    open_page(browser, site + page + ".html")
    style = """
        const text = document.querySelector('[data-interactive-figure] svg text');
        const line = document.querySelector('[data-interactive-figure] .ifig-line.ifig-c1');
        const img = document.querySelector('figure.rnn-diagram img');
        return [getComputedStyle(text).fill, line ? getComputedStyle(line).stroke : '',
                img ? getComputedStyle(img).filter : 'no diagram'];
    """
    browser.execute_script("document.documentElement.dataset.theme = 'light'")
    light = browser.execute_script(style)
    browser.execute_script("document.documentElement.dataset.theme = 'dark'")
    dark = browser.execute_script(style)
    browser.execute_script("document.documentElement.dataset.theme = 'light'")
    assert light[0] != dark[0], "figure text keeps its colour in dark mode"
    assert light[1] != dark[1], "figure lines keep their colour in dark mode"
    if light[2] != "no diagram":
        assert (
            light[2] == "none" and "invert" in dark[2]
        ), f"diagram filter light {light[2]}, dark {dark[2]}"


def test_diagrams_load_with_alt_text(site_html, site, browser):
    placed = 0
    for doc in figure_pages(site_html):
        open_page(browser, site + doc + ".html")
        for img in browser.find_elements("css selector", "figure.rnn-diagram img"):
            loaded = browser.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth", img
            )
            assert loaded, f"{doc}: {img.get_attribute('src')} did not load"
            assert (
                len(img.get_attribute("alt") or "") > 80
            ), f"{doc}: {img.get_attribute('src')} lacks alt text"
            placed += 1
    assert placed >= 8


def test_figures_weigh_at_most_the_budget_per_chapter(site_html, site, browser, request):
    """Bytes the figures add to a chapter's first visit: their assets, diagrams and embedded
    HTML.
    """
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    added = {}
    try:
        for doc in figure_pages(site_html):
            open_page(browser, site + doc + ".html")
            assets = sum(
                r["bytes"]
                for r in resources(browser)
                if urlsplit(r["url"]).path.endswith(FIGURE_ASSETS)
                or (urlsplit(r["url"]).path.endswith(".svg") and "/_images/" in r["url"])
            )
            embedded = browser.execute_script(
                "return [...document.querySelectorAll('[data-interactive-figure]')]"
                ".reduce((n, f) => n + new Blob([f.outerHTML]).size, 0)"
            )
            chapter = chapter_of(doc)
            added[chapter] = added.get(chapter, 0) + assets + embedded
    finally:
        browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    tell(
        request.config,
        "bytes the figures add to each chapter's first visit: "
        + ", ".join(f"{c} {b / 1e3:.0f} kB" for c, b in added.items()),
    )
    (ARTEFACTS).mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "figure-weight.txt").write_text("".join(f"{c}\t{b}\n" for c, b in added.items()))
    assert added and max(added.values()) <= FIGURE_BUDGET_BYTES, added
