"""Sphinx extension: executed code cells shown as synced framework tabs and "How we know" dropdowns.

A chapter writes the Keras and the PyTorch version of a step as two ordinary executed cells, one
after the other, tagged ``tab-keras`` and ``tab-pytorch`` (and optionally a ``tab-numpy`` cell). The
cells run like any other (myst-nb executes only top-level ``{code-cell}`` blocks: a code cell
written inside a ``{tab-item}`` directive renders empty, myst-nb issue #723), so the grouping
happens afterwards: a post-transform over the executed doctree moves each run of consecutive tagged
cells, source and outputs, into one sphinx-design tab set. Every tab carries a sync key (``keras``,
``pytorch``, ``numpy``) in sphinx-design's default ``tab`` group, so choosing PyTorch in one tab set
switches every tab set on the page, and sphinx-design's script keeps the choice in the browser's
local storage for the next page.

A cell tagged ``how-we-know`` (an agreement or verification cell: the frameworks agree, a note's
number is checked) is moved into a collapsed sphinx-design dropdown titled "How we know", so that
the page reads on without it and a reader can open it to see the evidence.

The transform runs before sphinx-design's own HTML transforms (priority 199/200), which then turn
the tab-set and dropdown components into their HTML structure.
"""

from pathlib import Path

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx_design.shared import create_component

# tag -> (sync key, tab label); the order is the order of the tabs in a set.
FRAMEWORKS = {
    "tab-keras": ("keras", "Keras"),
    "tab-pytorch": ("pytorch", "PyTorch"),
    "tab-numpy": ("numpy", "numpy"),
}
HOW_WE_KNOW = "how-we-know"
HOW_WE_KNOW_TITLE = "How we know"
SYNC_GROUP = "tab"  # sphinx-design's default group for `:sync:` keys of hand-written tab items


def cell_tags(node):
    """The tags of a myst-nb code cell container, or None if `node` is not one."""
    if isinstance(node, nodes.container) and node.get("nb_element") == "cell_code":
        return list((node.get("cell_metadata") or {}).get("tags", []))
    return None


def framework_of(node):
    """The framework tag of a code cell (`tab-keras` ...), or None."""
    tags = cell_tags(node) or []
    found = [tag for tag in tags if tag in FRAMEWORKS]
    return found[0] if found else None


def tab_set(cells):
    """A sphinx-design tab-set component holding `cells` (code cell containers), one tab each."""
    tabs = create_component("tab-set", classes=["sd-tab-set", "framework-tabs"])
    tabs.source, tabs.line = cells[0].source, cells[0].line
    for cell in cells:
        key, label = FRAMEWORKS[framework_of(cell)]
        item = create_component("tab-item", classes=["sd-tab-item"], selected=False)
        title = nodes.rubric(label, label, classes=["sd-tab-label"])
        title["sync_id"], title["sync_group"] = key, SYNC_GROUP
        content = create_component("tab-content", classes=["sd-tab-content"])
        content += cell
        item += title
        item += content
        item.source, item.line = cell.source, cell.line
        tabs += item
    return tabs


def how_we_know(cell):
    """A collapsed sphinx-design dropdown titled "How we know" holding `cell`."""
    box = create_component(
        "dropdown",
        opened=False,
        type="dropdown",
        has_title=True,
        icon=None,
        chevron=None,
        container_classes=["sd-mb-3", "how-we-know"],
        title_classes=[],
        body_classes=[],
    )
    box.source, box.line = cell.source, cell.line
    box += nodes.rubric(HOW_WE_KNOW_TITLE, HOW_WE_KNOW_TITLE)
    box += cell
    return box


def group_children(parent):
    """Rebuild `parent`'s children: runs of framework cells become tab sets; how-we-know cells
    dropdowns.

    A run is a sequence of adjacent framework cells in which no framework repeats (a second Keras
    cell starts a new tab set). Returns the number of tab sets made.
    """
    made = 0
    children, run = [], []

    def flush():
        nonlocal made, run
        if run:
            children.append(tab_set(run))
            made += 1
        run = []

    for child in list(parent.children):
        framework = framework_of(child)
        if framework is not None:
            if any(framework_of(cell) == framework for cell in run):
                flush()
            run.append(child)
            continue
        flush()
        if HOW_WE_KNOW in (cell_tags(child) or []):
            children.append(how_we_know(child))
        else:
            children.append(child)
    flush()
    for child in parent.children:
        child.parent = None
    parent.children = []
    parent.extend(children)
    return made


class FrameworkTabs(SphinxPostTransform):
    """Group tagged executed cells into synced tab sets and "How we know" dropdowns."""

    default_priority = 150  # before sphinx-design's TabSetHtmlTransform (200) and dropdowns (199)

    def run(self, **kwargs):
        parents = []
        for node in self.document.findall(nodes.container):
            tags = cell_tags(node)
            if tags and (HOW_WE_KNOW in tags or any(tag in FRAMEWORKS for tag in tags)):
                if node.parent is not None and all(node.parent is not p for p in parents):
                    parents.append(node.parent)
        for parent in parents:
            group_children(parent)


STATIC = Path(__file__).parent / "static"
LAYOUT_CSS = "book-layout.css"  # code and equations fit their column; tables scroll on a phone


def add_static_path(app, config):
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def setup(app):
    app.setup_extension("sphinx_design")
    app.add_post_transform(FrameworkTabs)
    app.connect("config-inited", add_static_path)
    app.add_css_file(LAYOUT_CSS)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
