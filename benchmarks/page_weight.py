"""Page weight of each chapter: the HTML and every asset a reader's browser downloads on a first
visit.

Usage: .venv/bin/python benchmarks/page_weight.py [HTML_DIR]
(HTML_DIR defaults to _build/html; run `make book` first)

Each page of `_toc.yml` is opened in headless Chromium (Debian's, as in tests/test_site_browser.py)
with its cache disabled, so each is measured as a first visit; the browser's own list of responses
(Performance API) gives what was loaded, MathJax's fonts and extensions included. Sizes are as
served (uncompressed) and gzipped (GitHub Pages compresses text). A chapter's weight is the sum of
its pages. Writes benchmarks/out/page-weight.json.
"""

import gzip
import json
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the site helpers shared with the browser test

from site_browser import chapter_of, chromium, open_page, resources, serve, toc_pages  # noqa: E402


def gzipped(html_dir, url):
    path = html_dir / unquote(urlsplit(url).path).lstrip("/")
    return len(gzip.compress(path.read_bytes(), 6)) if path.is_file() else 0


def measure(html_dir):
    pages = {}
    with serve(html_dir) as base, chromium() as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        for docname in toc_pages():
            if not (html_dir / f"{docname}.html").exists():
                print(f"{docname} is in _toc.yml but not in this build: skipped", file=sys.stderr)
                continue
            open_page(driver, base + docname + ".html")
            loaded = [r for r in resources(driver) if r["status"] < 400]
            pages[docname] = {
                "html": loaded[0]["bytes"],
                "assets": sum(r["bytes"] for r in loaded[1:]),
                "gzip": sum(gzipped(html_dir, r["url"]) for r in loaded),
                "requests": len(loaded),
                "largest": sorted(
                    ((r["bytes"], urlsplit(r["url"]).path) for r in loaded), reverse=True
                )[:3],
            }
    return pages


def main():
    html_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "_build" / "html").resolve()
    if not (html_dir / "index.html").exists():
        sys.exit(f"no built site in {html_dir}: run `make book` first")
    pages = measure(html_dir)
    chapters = {}
    for docname, page in pages.items():
        chapter = chapters.setdefault(
            chapter_of(docname), {"pages": 0, "html": 0, "assets": 0, "gzip": 0}
        )
        chapter["pages"] += 1
        for key in ("html", "assets", "gzip"):
            chapter[key] += page[key]
    print(f"{'chapter':<32} {'pages':>5} {'HTML':>9} {'assets':>9} {'total':>9} {'gzipped':>9}")
    for name, c in chapters.items():
        print(
            f"{name:<32} {c['pages']:>5} {c['html'] / 1e3:>7.0f}kB {c['assets'] / 1e6:>7.2f}MB "
            f"{(c['html'] + c['assets']) / 1e6:>7.2f}MB {c['gzip'] / 1e6:>7.2f}MB"
        )
    heaviest = max(pages.values(), key=lambda p: p["html"] + p["assets"])
    print(
        "largest files on the heaviest page: "
        + ", ".join(f"{path} ({size / 1e6:.2f} MB)" for size, path in heaviest["largest"])
    )
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "page-weight.json").write_text(
        json.dumps({"pages": pages, "chapters": chapters}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
