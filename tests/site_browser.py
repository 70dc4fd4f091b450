"""Helpers for reading the built site as a reader does: the pages of `_toc.yml`, a local web server,
and Debian's headless Chromium driven by Selenium through Debian's chromedriver (nothing is
downloaded).

Used by tests/test_site_browser.py and benchmarks/page_weight.py.
"""

import base64
import contextlib
import functools
import http.server
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
# Test artefacts (screenshots, page weights) live under _build/, which git ignores.
ARTEFACTS = Path(os.environ.get("SITE_TEST_ARTEFACTS", ROOT / "_build" / "test-artefacts"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
    "--hide-scrollbars",
]
MATHJAX_TIMEOUT_SECONDS = 20
# The tallest full-page screenshot kept; a longer page is cut there.
SCREENSHOT_MAX_HEIGHT = 16000


def toc_pages(root=ROOT):
    """Docnames of every page in `_toc.yml`, in reading order (root first)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", page) for page in pages]


def chapter_of(docname):
    """The chapter folder a page belongs to (`book/03-lstm/gates` -> `03-lstm`), or the page
    itself.
    """
    parts = Path(docname).parts
    return parts[1] if len(parts) > 2 and re.match(r"\d\d-", parts[1]) else docname


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(html_dir):
    """Serve `html_dir` on a free localhost port from a background thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium():
    """One headless Chromium with a fresh profile, its console log kept for `console_errors`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


_WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1], limit = Date.now() + arguments[0] * 1000;
(function wait() {
  if (!document.querySelector('.math')) { done('no math'); return; }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done('typeset'), (error) => done('failed: ' + error));
  } else if (Date.now() > limit) { done('MathJax never loaded'); } else { setTimeout(wait, 50); }
})();
"""


def open_page(driver, url):
    """Load `url`, wait for the page and for MathJax (bounded); returns MathJax's status."""
    driver.get(url)
    driver.set_script_timeout(MATHJAX_TIMEOUT_SECONDS + 5)
    return driver.execute_async_script(_WAIT_FOR_MATHJAX, MATHJAX_TIMEOUT_SECONDS)


def console_errors(driver):
    """Console errors (uncaught exceptions, console.error, failed loads) since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def resources(driver):
    """Every response the current page loaded: the page itself first, then its assets."""
    return driver.execute_script("""
        return performance.getEntriesByType('navigation')
          .concat(performance.getEntriesByType('resource'))
          .map(e => ({url: e.name, kind: e.initiatorType, bytes: e.decodedBodySize,
                      status: e.responseStatus || 0}));
    """)


def page_weight(entries):
    """Bytes of HTML and assets a first visit downloads (uncompressed, as served)."""
    return sum(entry["bytes"] for entry in entries)


def screenshot(driver, path):
    """Save a full-page PNG of the current page (cut at SCREENSHOT_MAX_HEIGHT px).

    The window is made as tall as the page for the shot (capturing beyond the viewport instead
    lays the theme's sticky sidebar out wrongly), then restored.
    """
    width = driver.execute_script("return window.innerWidth")
    height = min(
        driver.execute_script("return document.documentElement.scrollHeight"), SCREENSHOT_MAX_HEIGHT
    )
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        driver.execute_async_script(
            "requestAnimationFrame(() => requestAnimationFrame(arguments[0]))"
        )
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def tell(config, *lines):
    """Show lines in pytest's terminal output, even when output is captured (artefact paths,
    sizes).
    """
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for line in lines:
        if reporter is not None:
            reporter.write_line(line)
        else:
            print(line)
