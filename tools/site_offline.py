"""Sphinx extension: a site that runs in the reader's browser without console errors or CDN
requests.

Jupyter Book always loads sphinx-thebe, which adds its configuration script twice to every page (the
second copy raises "Identifier 'THEBE_JS_URL' has already been declared") and names a CDN copy of
thebe. The course launches notebooks on Binder instead of running cells in the page, so thebe's
scripts and stylesheet are dropped from every page. The theme's colour mode defaults to "auto" (the
reader's system setting), since an empty default makes the theme log an error on a reader's first
visit.
"""

THEBE_FILES = ("sphinx-thebe.js", "sphinx-thebe.css")


def _is_thebe(asset):
    body = asset.attributes.get("body", "") if hasattr(asset, "attributes") else ""
    name = getattr(asset, "filename", asset) or ""
    return str(name).split("?")[0].endswith(THEBE_FILES) or "THEBE_JS_URL" in body


def drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def default_colour_mode(app, config):
    # pydata-sphinx-theme reads the default colour mode from html_context, not the theme options.
    config.html_context.setdefault("default_mode", "auto")


def setup(app):
    app.connect("config-inited", default_colour_mode)
    app.connect("html-page-context", drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
