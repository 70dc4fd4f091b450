"""Feedback a student can read: the check's message, not the hidden test code or a traceback."""

import re
import shutil
from pathlib import Path

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class RedactHiddenTests(NbGraderPreprocessor):
    """Blank out hidden-test code wherever it appears in outputs.

    The kernel executes grade cells with their hidden tests, so a notebook can capture that source
    (an IPython hook, ``In``) and print it in a later cell; the feedback must not pass it on. Runs
    before ``HideTestSource``, while the grade cells still hold their hidden regions.
    """

    def preprocess(self, nb, resources):
        lines = set()
        for cell in nb.cells:
            for region in HIDDEN_REGION.findall(cell.source if cell.cell_type == "code" else ""):
                lines.update(line.strip() for line in region.splitlines() if len(line.strip()) > 3)
        if lines:
            lines.update(("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
            pattern = re.compile(
                "|".join(re.escape(line) for line in sorted(lines, key=len, reverse=True))
            )
            for cell in nb.cells:
                for output in cell.get("outputs", []):
                    _redact(output, pattern)
        return nb, resources


HIDDEN_REGION = re.compile(r"BEGIN HIDDEN TESTS.*?\n(.*?)[^\n]*END HIDDEN TESTS", re.S)


def _redact(output, pattern):
    hidden = "[hidden test]"
    if isinstance(output.get("text"), str):
        output["text"] = pattern.sub(hidden, output["text"])
    for key, value in output.get("data", {}).items():
        if isinstance(value, str):
            output["data"][key] = pattern.sub(hidden, value)
        elif isinstance(value, list):
            output["data"][key] = [
                pattern.sub(hidden, v) if isinstance(v, str) else v for v in value
            ]
    if output.get("output_type") == "error":
        output["evalue"] = pattern.sub(hidden, str(output.get("evalue", "")))
        output["traceback"] = [
            pattern.sub(hidden, str(line)) for line in output.get("traceback", [])
        ]


class HideTestSource(ClearHiddenTests):
    """Remove hidden-test regions from grade cells, as in the student copy."""

    enforce_metadata = False


class ShortenErrors(NbGraderPreprocessor):
    """Replace each error's traceback (which quotes test code) by its final line: the message."""

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [
                    f"{output['ename']}: {ANSI_ESCAPE.sub('', output['evalue'])}"
                ]
        return cell, resources


# --- The page itself: student content sanitised, math typeset from a local MathJax, no sideways
# scroll.
#
# A feedback page shows what the student wrote (Markdown and raw cells) and what their code
# displayed (HTML, Markdown, SVG, JavaScript outputs): content the instructor's browser would
# otherwise run. nbconvert's ``sanitize_html`` drops JavaScript and widget outputs, encodes SVG as
# an image, and passes raw cells and HTML outputs through its ``clean_html`` filter, replaced here
# by nh3 (a binding of the Rust sanitiser ammonia); Markdown is cleaned the same way as it is
# rendered (``markdown2html``). Every tag, attribute and URL scheme outside the allow-list is
# removed, so no ``<script>``, no ``on*=`` handler, no ``javascript:`` link survives. The page's
# Content-Security-Policy then forbids inline scripts altogether, as a second wall.

TEMPLATES = Path(__file__).resolve().parent / "templates"
# templates/feedback/course-feedback.html.j2 extends nbgrader's feedback/index.html.j2 (found next
# in the path)
FEEDBACK_TEMPLATE = "course-feedback.html.j2"
MATHJAX_DIR = "mathjax"  # beside the feedback pages: OUT/feedback/mathjax/
MATHJAX_FILES = ("tex-svg.js", "ui/safe.js")  # SVG output needs no font files
MATHJAX_CONFIG = """\
// MathJax 3 for the feedback pages: the same delimiters as Jupyter; links filtered by ui/safe.
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],
        displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
        processEscapes: true, processEnvironments: true},
  loader: {load: ['ui/safe']},
  svg: {fontCache: 'global'},
  options: {enableMenu: false}
};
"""


def clean_html(element):
    """Sanitise an HTML fragment written by a student; nbconvert's ``clean_html`` filter.

    nh3's allow-list of tags and attributes, plus ``class`` (nbconvert's own markup uses it) and
    ``id`` (prefixed, so that no element can shadow a global such as ``window.MathJax``). Links keep
    only http, https and mailto targets; images lose their source (a remote image would tell a third
    party that the page was opened, and a relative one points nowhere in the feedback folder).
    """
    import nh3

    element = element.decode() if isinstance(element, bytes) else str(element)
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = {"class", "id", "title", "lang"}
    attributes["img"] = attributes.get("img", set()) - {"src"}
    return nh3.clean(
        element,
        attributes=attributes,
        clean_content_tags={"script", "style"},
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",
        id_prefix="student-",
    )


def markdown2html(source):
    """Markdown (math kept for MathJax) to sanitised HTML: nbgrader's feedback template renders
    Markdown cells without nbconvert's sanitising step, so the renderer itself cleans."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return clean_html(markdown2html_mistune(str(source)))


def configure_feedback_page(config):
    """Make nbgrader's GenerateFeedback render pages with the course's template and sanitiser."""
    from nbgrader import __file__ as nbgrader_file

    nbgrader_templates = (
        Path(nbgrader_file).parent / "server_extensions" / "formgrader" / "templates"
    )
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.template_file = FEEDBACK_TEMPLATE
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates)]
    config.HTMLExporter.sanitize_html = True
    config.HTMLExporter.filters = {"clean_html": clean_html, "markdown2html": markdown2html}
    return config


def mathjax_source():
    """The folder of MathJax 3 that the book ships (sphinx-mathjax-offline), or None."""
    from importlib import metadata

    try:
        folder = Path(
            metadata.distribution("sphinx-mathjax-offline").locate_file(
                "sphinx-mathjax-offline/static/mathjax"
            )
        )
    except metadata.PackageNotFoundError:
        return None
    return folder if (folder / MATHJAX_FILES[0]).is_file() else None


def install_page_assets(feedback_dir):
    """Put the MathJax the pages load beside them (``feedback/mathjax/``). Returns a note for the
    log when MathJax is not installed (the pages then show math as TeX source), else None."""
    source = mathjax_source()
    target = Path(feedback_dir) / MATHJAX_DIR
    target.mkdir(parents=True, exist_ok=True)
    (target / "config.js").write_text(MATHJAX_CONFIG)
    if source is None:
        return "sphinx-mathjax-offline is not installed: the feedback pages show math as TeX source"
    for name in MATHJAX_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if (
            not (target / name).exists()
            or (target / name).stat().st_size != (source / name).stat().st_size
        ):
            shutil.copyfile(source / name, target / name)
    return None
