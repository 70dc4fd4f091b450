"""tools/framework_tabs.py on a tiny Sphinx project: executed tagged cells become one synced tab
set.

The project is a MyST notebook of a few cells, executed by myst-nb in a real kernel (a few seconds).
"""

import sys
import textwrap
from pathlib import Path

import pytest
from docutils import nodes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import framework_tabs  # noqa: E402

PAGE = textwrap.dedent("""\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---

    # Tiny

    ```{code-cell} ipython3
    x = 6
    ```

    ```{code-cell} ipython3
    :tags: [tab-keras]
    print("keras says", x * 7)
    ```

    ```{code-cell} ipython3
    :tags: [tab-pytorch]
    print("torch says", x * 7 + 1)
    ```

    Between the two sets.

    ```{code-cell} ipython3
    :tags: [tab-keras]
    print("second keras", x)
    ```

    ```{code-cell} ipython3
    :tags: [tab-pytorch]
    print("second torch", x)
    ```

    ```{code-cell} ipython3
    :tags: [tab-numpy]
    print("second numpy", x)
    ```

    ```{code-cell} ipython3
    :tags: [how-we-know]
    assert x == 6
    print("checked x")
    ```

    ```{code-cell} ipython3
    print("plain cell", x)
    ```
    """)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(doctree of the page after post-transforms, HTML of the page) of a fresh build."""
    from sphinx.application import Sphinx

    src = tmp_path_factory.mktemp("tiny")
    (src / "conf.py").write_text(textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(ROOT / "tools")!r})
        extensions = ["myst_nb", "sphinx_design", "framework_tabs"]
        nb_execution_mode = "force"
        exclude_patterns = ["_build"]
        """))
    (src / "index.md").write_text(PAGE)
    out = src / "_build"
    app = Sphinx(
        str(src),
        str(src),
        str(out / "html"),
        str(out / "doctrees"),
        "html",
        status=None,
        warning=None,
        freshenv=True,
        warningiserror=True,
    )
    app.build()
    doctree = app.env.get_and_resolve_doctree("index", app.builder)
    return doctree, (out / "html" / "index.html").read_text()


def tab_sets(doctree):
    return list(
        doctree.findall(
            lambda n: isinstance(n, nodes.container) and n.get("design_component") == "tab-set"
        )
    )


def cells_in(node):
    return [n for n in node.findall(nodes.container) if n.get("nb_element") == "cell_code"]


def test_consecutive_tagged_cells_form_one_tab_set_each(built):
    doctree, _ = built
    sets = tab_sets(doctree)
    assert len(sets) == 2
    first, second = sets
    assert ["keras says 42", "torch says 43"] == [
        "".join(
            c.astext()
            for c in cell.findall(nodes.literal_block)
            if "output" in " ".join(c.get("classes", []))
        ).strip()
        for cell in cells_in(first)
    ]
    assert len(cells_in(second)) == 3


def test_each_tab_holds_its_cell_source_and_output(built):
    doctree, _ = built
    first = tab_sets(doctree)[0]
    text = first.astext()
    for shown in [
        'print("keras says", x * 7)',
        "keras says 42",
        'print("torch says", x * 7 + 1)',
        "torch says 43",
    ]:
        assert shown in text
    # the plain cells and the paragraph between the sets stay outside any tab set
    assert "x = 6" not in text and "Between the two sets." not in text


def test_tabs_carry_sync_keys_in_one_group(built):
    _, html = built
    assert html.count('data-sync-id="keras"') == 2
    assert html.count('data-sync-id="pytorch"') == 2
    assert html.count('data-sync-id="numpy"') == 1
    assert 'data-sync-group="tab"' in html
    assert (
        html.index('data-sync-id="keras"')
        < html.index("keras says 42")
        < html.index('data-sync-id="pytorch"')
        < html.index("torch says 43")
    )


def test_how_we_know_cell_is_a_collapsed_dropdown(built):
    doctree, html = built
    boxes = [n for n in doctree.findall(nodes.Element) if "how-we-know" in n.get("classes", [])]
    assert len(boxes) == 1 and "checked x" in boxes[0].astext()
    start = html.index("How we know")
    details = html.rindex("<details", 0, start)
    assert " open" not in html[details:start].split(">")[0]
    assert html.index("checked x") > start
    assert "plain cell 6" in html and html.index("plain cell 6") > html.index("checked x")


def test_a_repeated_framework_starts_a_new_set():
    def cell(tag):
        return nodes.container(nb_element="cell_code", cell_metadata={"tags": [tag]})

    parent = nodes.section()
    parent.extend([cell("tab-keras"), cell("tab-pytorch"), cell("tab-keras"), nodes.paragraph()])
    assert framework_tabs.group_children(parent) == 2
    assert [c.get("design_component") for c in parent.children] == ["tab-set", "tab-set", None]
