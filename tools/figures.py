"""Sphinx extension: the interactive figures' script and the figures' stylesheet on every page.

The interactive figures (autograder/figures/interactive.py) are HTML outputs of chapter cells that
hold their data as JSON; book/_static/interactive-figures.js draws them, book/_static/figures.css
styles them and recolours the SVG diagrams (book/diagrams/) in the theme's dark mode. Both files are
served from the site itself (no CDN); the script is deferred and does nothing on a page without a
figure.
"""

from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "book" / "_static"
SCRIPT, STYLESHEET = "interactive-figures.js", "figures.css"


def add_static_path(app, config):
    if str(STATIC) not in map(str, config.html_static_path):
        config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("config-inited", add_static_path)
    app.add_js_file(SCRIPT, loading_method="defer")
    app.add_css_file(STYLESHEET)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
