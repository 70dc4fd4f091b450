"""The light install for self-study (`pip install ".[light]"`), made in a fresh venv: no TensorFlow,
no PyTorch, and `python -m autograder check` still grades the numpy tasks of every homework.

Its size is compared with the full install (light plus the `frameworks` extra, measured on the
course's own .venv, where the CPU builds of torch and tensorflow-cpu are installed) and written to
`_build/test-artefacts/install-size.json`.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from site_browser import ARTEFACTS, tell

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
FRAMEWORK_DISTRIBUTIONS = {"torch", "tensorflow", "tensorflow-cpu", "keras", "jax", "tf-keras"}
# code, not the word
FRAMEWORK_CODE = re.compile(r"\b(torch|keras|tensorflow|tf)\.|\bimport (torch|keras|tensorflow)\b")
SOLUTIONS = sorted((ROOT / "solutions").glob("ps*/*.ipynb"))
# Sizes of installed distributions, bytecode caches left out; run inside the venv being measured.
SIZES = r"""
import importlib.metadata as md, json, re
def size(dist):
    return sum(f.locate().stat().st_size for f in dist.files or []
               if "__pycache__" not in f.parts and f.locate().is_file())
print(json.dumps({re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): size(d)
                  for d in md.distributions()}))
"""
# The distributions a requirement pulls in, by name, in the venv this runs in.
CLOSURE = r"""
import importlib.metadata as md, json, sys
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
seen, todo = set(), [Requirement(r) for r in sys.argv[1:]]
while todo:
    req = todo.pop()
    if canonicalize_name(req.name) in seen:
        continue
    seen.add(canonicalize_name(req.name))
    for sub in map(Requirement, md.distribution(req.name).requires or []):
        if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in req.extras or {""}):
            todo.append(sub)
print(json.dumps(sorted(seen)))
"""


def venv_env(venv):
    """Environment that runs the venv's own python, and its kernels, first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


@pytest.fixture(scope="module")
def light_venv(tmp_path_factory):
    """A fresh venv with the package's light extra, installed from a copy of this working tree."""
    work = tmp_path_factory.mktemp("light")
    source = work / "src"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copytree(
        ROOT / "autograder", source / "autograder", ignore=shutil.ignore_patterns("__pycache__")
    )
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The toolchain's pins (constraints.txt) keep the versions the same as the course's .venv.
    run = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-compile",
            "-c",
            str(ROOT / "constraints.txt"),
            f"{source}[light]",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        env=venv_env(venv),
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return venv


def installed(venv):
    run = subprocess.run(
        [str(venv / "bin" / "python"), "-c", SIZES],
        capture_output=True,
        text=True,
        check=True,
        env=venv_env(venv),
    )
    return json.loads(run.stdout)


def test_the_base_package_depends_on_numpy_only():
    assert [re.split(r"[<>=!~ ]", d)[0] for d in PROJECT["dependencies"]] == ["numpy"]
    light = " ".join(PROJECT["optional-dependencies"]["light"]).lower()
    assert "frameworks" not in light and not any(name in light for name in FRAMEWORK_DISTRIBUTIONS)


def test_light_install_pulls_neither_tensorflow_nor_pytorch(light_venv):
    names = set(installed(light_venv))
    assert {"numpy", "nbgrader", "ipykernel", PROJECT["name"]} <= names
    assert not names & FRAMEWORK_DISTRIBUTIONS, names & FRAMEWORK_DISTRIBUTIONS
    assert not any(name.startswith("nvidia-") for name in names)


def test_checks_import_without_the_frameworks(light_venv):
    code = (
        "import sys, autograder.checks, autograder.reference;"
        "assert not {'torch', 'tensorflow', 'keras'} & set(sys.modules), 'a framework was imported'"
    )
    run = subprocess.run(
        [str(light_venv / "bin" / "python"), "-c", code],
        capture_output=True,
        text=True,
        cwd=light_venv,
        env=venv_env(light_venv),
    )
    assert run.returncode == 0, run.stderr


def framework_tasks(notebook):
    """Each graded cell of a homework, and whether its task needs a framework: its own code
    (solution cells) or its check uses one, or the setup cells before the first task do (then no
    task runs without it).
    """
    tasks, since_last, setup = {}, "", None
    for cell in json.loads(notebook.read_text())["cells"]:
        info = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] != "code" or info.get("grade_id") == "colab_install":
            continue
        text = "".join(cell["source"])
        if setup is None and info.get("solution"):
            setup = since_last
        # a demonstration cell is no task's code
        if setup is None or info.get("solution") or info.get("grade"):
            since_last += text + "\n"
        if info.get("grade"):
            tasks[info["grade_id"]] = bool(
                FRAMEWORK_CODE.search(since_last) or FRAMEWORK_CODE.search(setup or "")
            )
            since_last = ""
    return tasks


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.parent.name)
def test_self_check_in_the_light_install(light_venv, solution):
    """Numpy tasks pass; a task that needs a framework fails with its import error, not a crashed
    check.
    """
    tasks = framework_tasks(solution)
    run = subprocess.run(
        [str(light_venv / "bin" / "python"), "-m", "autograder", "check", str(solution)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=light_venv,
        env=venv_env(light_venv),
    )
    assert run.returncode == (1 if any(tasks.values()) else 0), run.stdout + run.stderr
    for grade_id, needs_framework in tasks.items():
        verdict = "FAIL" if needs_framework else "PASS"
        assert re.search(
            rf"^\[{verdict}\] {grade_id} \(", run.stdout, re.M
        ), f"{grade_id}:\n{run.stdout}"
    assert "score on the visible checks:" in run.stdout and "Traceback" not in run.stderr


def test_some_homework_has_numpy_tasks_for_the_light_install():
    assert any(not needs for s in SOLUTIONS for needs in framework_tasks(s).values())


def test_light_install_size_against_the_full_install(light_venv, pytestconfig):
    light = installed(light_venv)
    light_bytes = sum(size for name, size in light.items() if name not in ("pip", "setuptools"))
    frameworks = [
        re.split(r"[<>=!~ ]", d)[0] for d in PROJECT["optional-dependencies"]["frameworks"]
    ]
    closure = subprocess.run(
        [sys.executable, "-c", CLOSURE, *frameworks], capture_output=True, text=True, check=True
    )
    course_venv = installed(Path(sys.prefix))
    extra = {name: course_venv[name] for name in json.loads(closure.stdout) if name not in light}
    full_bytes = light_bytes + sum(extra.values())
    report = {
        "light_bytes": light_bytes,
        "full_bytes": full_bytes,
        "ratio": light_bytes / full_bytes,
        "light_distributions": len(light) - 2,
        "frameworks_adds": sorted(extra),
    }
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "install-size.json").write_text(json.dumps(report, indent=2) + "\n")
    tell(
        pytestconfig,
        "",
        f"light install {light_bytes / 1e6:.0f} MB, full install {full_bytes / 1e6:.0f} MB "
        f"(light is {light_bytes / full_bytes:.0%} of full); {ARTEFACTS / 'install-size.json'}",
    )
    assert "torch" in extra and "tensorflow-cpu" in extra
    assert light_bytes < 0.25 * full_bytes
