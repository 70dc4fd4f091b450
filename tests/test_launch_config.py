"""Launching and downloading: every chapter page offers its notebook and a Binder launch, every
homework opens on Colab with an optional first cell that installs the course package, and nothing is
fetched from model or data hubs.
"""

import json
import re
import subprocess
import sys
import types
from pathlib import Path
from urllib.parse import urljoin

import pytest
import tomllib
import yaml

from site_browser import toc_pages

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO_URL = CONFIG["repository"]["url"].rstrip("/")
BRANCH = CONFIG["repository"]["branch"]
PACKAGE = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
VERSION = re.search(
    r'^__version__ = "([^"]+)"', (ROOT / "autograder" / "__init__.py").read_text(), re.M
).group(1)
# The class edition publishes the student wheel with the site (`make public`): GitHub Pages of the
# repository.
_OWNER, _NAME = REPO_URL.split("/")[-2:]
WHEEL_URL = (
    f"https://{_OWNER}.github.io/{_NAME}/dist/"
    f"{PACKAGE.replace('-', '_')}-{VERSION}-py3-none-any.whl"
)
PAGES = toc_pages()
HOMEWORK = sorted((ROOT / "solutions").glob("ps*/*.ipynb")) + sorted(
    (ROOT / "exercises").glob("ps*/*.ipynb")
)
COLAB_CELL_ID = "colab_install"
# What a homework must not do: fetch weights or data from a hub or the web at run time.
HUB_FETCHES = [
    r"from_pretrained",
    r"\bhf_hub",
    r"huggingface",
    r"torch\.hub",
    r"tensorflow_datasets",
    r"\btfds\.",
    r"keras\.datasets",
    r"torchvision\.datasets",
    r"load_dataset\(",
    r"urlretrieve",
    r"urlopen",
    r"requests\.get",
    r"\bwget\b",
    r"\bcurl\b",
    r"get_file\(",
]


def is_notebook_page(docname):
    """A MyST notebook (a page with a kernel) as opposed to a plain Markdown page."""
    return "kernelspec:" in (ROOT / f"{docname}.md").read_text().split("\n---", 1)[0]


def page_links(html_root, docname):
    page = (html_root / f"{docname}.html").read_text()
    return [link.replace("&amp;", "&") for link in re.findall(r'<a [^>]*href="([^"]+)"', page)]


def test_config_names_a_github_repository_and_binder():
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", REPO_URL), REPO_URL
    assert CONFIG["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert CONFIG["html"]["use_repository_button"] is True


@pytest.mark.parametrize("docname", PAGES)
def test_every_page_offers_its_source_for_download(fresh_build, docname):
    source = f"_sources/{docname}.md"
    links = [urljoin(f"/{docname}.html", link) for link in page_links(fresh_build, docname)]
    assert f"/{source}" in links, f"{docname} offers no download of its source"
    assert (fresh_build / source).exists()


@pytest.mark.parametrize("docname", [page for page in PAGES if is_notebook_page(page)])
def test_every_notebook_page_offers_the_notebook_and_a_binder_launch(fresh_build, docname):
    links = page_links(fresh_build, docname)
    notebook = f"_sources/{docname}.ipynb"
    assert f"/{notebook}" in [
        urljoin(f"/{docname}.html", link) for link in links
    ], f"{docname} offers no .ipynb download"
    executed = json.loads((fresh_build / notebook).read_text())
    assert any(
        cell.get("outputs") for cell in executed["cells"] if cell["cell_type"] == "code"
    ), f"{notebook} is not the executed notebook"
    org_repo = REPO_URL.removeprefix("https://github.com/")
    binder = f"https://mybinder.org/v2/gh/{org_repo}/{BRANCH}?urlpath=lab/tree/{docname}.md"
    assert binder in links, f"{docname}: no Binder launch to {binder}"
    assert (ROOT / f"{docname}.md").exists()


def test_binder_environment_opens_myst_chapters_as_notebooks():
    requirements = (ROOT / "binder" / "requirements.txt").read_text()
    for included in re.findall(r"^-[rc] (\S+)", requirements, re.M):
        assert (ROOT / "binder" / included).resolve().exists(), included
    assert re.search(r"^jupytext==", requirements, re.M)
    post_build = ROOT / "binder" / "postBuild"
    assert post_build.stat().st_mode & 0o111 and "pip install --no-deps" in post_build.read_text()
    viewers = json.loads((ROOT / "binder" / "overrides.json").read_text())
    assert (
        viewers["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["markdown"]
        == "Jupytext Notebook"
    )


def test_every_homework_has_a_solution_and_a_student_copy():
    assert HOMEWORK
    solutions = {
        p.relative_to(ROOT / "solutions") for p in HOMEWORK if p.is_relative_to(ROOT / "solutions")
    }
    exercises = {
        p.relative_to(ROOT / "exercises") for p in HOMEWORK if p.is_relative_to(ROOT / "exercises")
    }
    assert solutions == exercises


def code_cells(path):
    return [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]


def source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("notebook", HOMEWORK, ids=lambda p: str(p.relative_to(ROOT)))
def test_homework_opens_with_an_optional_colab_install_cell(notebook):
    first = code_cells(notebook)[0]
    info = first["metadata"].get("nbgrader", {})
    assert (
        info.get("grade_id") == COLAB_CELL_ID
    ), f"{notebook.name}: the first code cell is not the Colab cell"
    assert info.get("locked") is True and not info.get("grade") and not info.get("solution"), info
    text = source(first)
    assert text.startswith("# Optional") and "Colab" in text.splitlines()[0]
    assert 'if "google.colab" in sys.modules:' in text
    assert f'"{WHEEL_URL}"' in text, (
        f"{notebook.name}: the Colab cell must install the student wheel pinned to {VERSION} from"
        f" {WHEEL_URL}"
    )


@pytest.mark.parametrize("on_colab", [False, True], ids=["elsewhere", "on-colab"])
@pytest.mark.parametrize("notebook", HOMEWORK[:1], ids=lambda p: p.parent.name)
def test_colab_cell_installs_only_on_colab(notebook, on_colab, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(source(code_cells(notebook)[0]), "colab cell", "exec"), {})
    if not on_colab:
        assert calls == []
        return
    (command,), kwargs = calls[0]
    assert command[:4] == [sys.executable, "-m", "pip", "install"] and kwargs.get("check") is True
    assert command[-1] == WHEEL_URL


@pytest.mark.parametrize("notebook", HOMEWORK, ids=lambda p: str(p.relative_to(ROOT)))
def test_homework_fetches_nothing_from_hubs(notebook):
    for cell in code_cells(notebook):
        text = source(cell)
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == COLAB_CELL_ID:
            text = text.replace(WHEEL_URL, "")
        for pattern in HUB_FETCHES + [r"https?://"]:
            assert not re.search(
                pattern, text, re.I
            ), f"{notebook.name}: a cell fetches from outside ({pattern})"


def test_readme_gives_the_colab_address_of_the_homework():
    readme = (ROOT / "README.md").read_text()
    org_repo = REPO_URL.removeprefix("https://github.com/")
    assert f"https://colab.research.google.com/github/{org_repo}/blob/{BRANCH}/exercises/" in readme
