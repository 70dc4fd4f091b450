"""Feedback pages: student content is sanitised so that no student script or event handler runs,
math is typeset by the MathJax copied beside the pages (no CDN), and nothing scrolls sideways on a
phone.
"""

import json
import re

import nbformat
import pytest
from traitlets.config import Config

from autograder.grading.feedback import (
    MATHJAX_DIR,
    clean_html,
    configure_feedback_page,
    install_page_assets,
)
from instructor_class import canvas_class, hostile_notebook

OWN_SCRIPTS = ['<script src="mathjax/config.js">', '<script defer="" src="mathjax/tex-svg.js">']


def test_clean_html_removes_scripts_handlers_and_script_links():
    dirty = (
        '<p class="x" onclick="steal()">text <script>steal()</script><img'
        ' src="https://tracker.example/p.png" onerror="steal()"><a'
        ' href="javascript:steal()">a</a><a href="https://example.org">b</a></p><svg'
        ' onload="steal()"></svg><style>body{display:none}</style><h2 id="MathJax">t</h2>'
    )
    clean = clean_html(dirty)
    assert "steal" not in clean and "<style" not in clean and "tracker" not in clean
    assert '<p class="x">text ' in clean and 'href="https://example.org"' in clean
    assert 'id="student-MathJax"' in clean  # no element may shadow a global of the page


def render(notebook):
    """Render a notebook with the course's feedback exporter, in-process (no grading)."""
    from nbconvert import HTMLExporter
    from nbgrader.converters import GenerateFeedback

    converter = GenerateFeedback(config=configure_feedback_page(Config()))
    exporter = HTMLExporter(parent=converter, config=converter.config)
    resources = {
        "nbgrader": {"notebook": "ps01-rnn", "score": 1, "max_score": 10, "late_penalty": 0}
    }
    for cell in notebook["cells"]:
        cell["metadata"].pop("nbgrader", None)  # grading would have added each cell's score
    html, _ = exporter.from_notebook_node(
        nbformat.reads(json.dumps(notebook), as_version=4), resources=resources
    )
    return html


def with_outputs(notebook):
    """The hostile notebook's last code cell as if it had run: the outputs a kernel would record."""
    notebook["cells"][-1]["outputs"] = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {
                "text/html": (
                    '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'
                )
            },
        },
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"application/javascript": "window.pwned = 3"},
        },
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {
                "image/svg+xml": (
                    '<svg xmlns="http://www.w3.org/2000/svg" onload="window.pwned = 4"/>'
                )
            },
        },
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"text/markdown": '<img src="x" onerror="window.pwned = 5">'},
        },
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/png": 'AAAA" onerror="window.pwned = 6', "text/plain": "<Figure>"},
        },
    ]
    return notebook


def handlers(page):
    """Every event-handler attribute (on…=) of every tag, as a browser's parser would see them."""
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(f"{tag} {name}" for name, _ in attrs if name.lower().startswith("on"))

    Collect().feed(page)
    return found


def test_a_hostile_notebook_renders_without_student_script():
    html = render(with_outputs(hostile_notebook()))
    assert re.findall(r"<script[^>]*>", html) == OWN_SCRIPTS
    assert handlers(html) == []
    assert "javascript:" not in html.split("</head>")[1]
    assert "Content-Security-Policy" in html and "cdn" not in html.lower()
    assert "$h_t = \\tanh(x_t W_x + h_{t-1} W_h + b)$" in html  # left for MathJax


def test_page_assets_are_copied_beside_the_pages(tmp_path):
    assert install_page_assets(tmp_path) is None
    for name in ("config.js", "tex-svg.js", "ui/safe.js"):
        assert (tmp_path / MATHJAX_DIR / name).stat().st_size > 0


def outside(driver, out):
    """Addresses the open page refers to (scripts, images, links) outside the OUT folder."""
    urls = driver.execute_script(
        "return Array.from(document.querySelectorAll('[src], [href]')).map(e => e.src || e.href)"
    )
    return [
        url for url in urls if not (url.startswith(out.as_uri() + "/") or url.startswith("data:"))
    ]


@pytest.mark.e2e
@pytest.mark.browser
def test_the_hostile_feedback_page_in_a_browser():
    """Open the graded hostile submission's feedback page from a file at phone width: no student
    script ran, no alert, no console error (a script the sanitiser missed would show as a CSP
    refusal), the math is typeset, and the page is no wider than the screen.
    """
    from selenium.common.exceptions import NoAlertPresentException

    from site_browser import chromium, console_errors

    _, out, _ = canvas_class()
    page = out / "feedback" / "101.html"
    with chromium() as driver:
        driver.set_window_size(390, 900)
        driver.get(page.as_uri())
        driver.set_script_timeout(30)
        typeset = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const wait = () => window.MathJax && MathJax.startup && MathJax.startup.promise
                ? MathJax.startup.promise.then(
                    () => done(document.querySelectorAll('mjx-container svg').length))
                : setTimeout(wait, 50);
            wait();""")
        driver.execute_script(
            "document.querySelectorAll('*').forEach(e => e.dispatchEvent(new MouseEvent("
            "'mouseover', {bubbles: true})))"
        )
        assert driver.execute_script("return typeof window.pwned") == "undefined"
        with pytest.raises(NoAlertPresentException):
            _ = driver.switch_to.alert.text
        assert console_errors(driver) == []
        assert outside(driver, out) == []
        # the inline and the display formula of the student's notes, and the task text
        assert typeset >= 2
        width = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert width[0] <= width[1], width
