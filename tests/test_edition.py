"""The class edition: answer blocks withheld, `make public`'s refusals, the answer-key scan of
everything built, and the student wheel in a fresh venv.
"""

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.grading import public
from autograder.grading.course import CourseError
from autograder.grading.secret import SECRET_ENV, SecretError
from site_browser import tell

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
SPHINX_BUILD = Path(sys.executable).parent / "sphinx-build"
ANSWER = "return x * 42 + 1234567  # the distinctive answer line"


@pytest.fixture
def sphinx_project(tmp_path):
    source = tmp_path / "src"
    (source / "autograder" / "reference").mkdir(parents=True)
    (source / "autograder" / "reference" / "demo.py").write_text(
        f'def answer(x):\n    """The answer."""\n    {ANSWER}\n'
    )
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(TOOLS)!r})\nextensions = ['answer_code']\n"
    )
    (source / "index.rst").write_text(
        "Demo\n====\n\n.. answer-code:: autograder/reference/demo.py\n"
        "   :language: python\n   :pyobject: answer\n"
    )
    return source


def sphinx(source, edition):
    out = source.parent / f"out-{edition}"
    run = subprocess.run(
        [str(SPHINX_BUILD), "-q", "-E", "-b", "html", str(source), str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "COURSE_EDITION": edition},
    )
    return run, out / "index.html"


def test_the_open_edition_shows_the_answer_and_the_class_edition_a_note(sphinx_project):
    run, page = sphinx(sphinx_project, "open")
    assert run.returncode == 0, run.stderr
    assert "1234567" in page.read_text()
    run, page = sphinx(sphinx_project, "class")
    assert run.returncode == 0, run.stderr
    text = page.read_text()
    assert "1234567" not in text
    assert (
        "The reference implementation of answer is a homework answer: it is published after the"
        " homework is due."
        in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))
    )


def test_a_plain_literalinclude_of_the_answer_key_stops_the_class_edition_naming_the_file(
    sphinx_project,
):
    index = sphinx_project / "index.rst"
    index.write_text(index.read_text() + "\n.. literalinclude:: autograder/reference/demo.py\n")
    assert sphinx(sphinx_project, "open")[0].returncode == 0
    run, _ = sphinx(sphinx_project, "class")
    assert run.returncode != 0
    assert (
        f"{index}, line 8: a literalinclude of autograder/reference/demo.py would show a graded"
        " answer"
        in run.stderr
    )


def test_an_unknown_edition_is_refused(sphinx_project):
    run, _ = sphinx(sphinx_project, "teachers")
    assert (
        run.returncode != 0
        and "course_edition is 'teachers'; it must be one of open, class" in run.stderr
    )


def test_the_chapters_include_no_graded_function_but_through_answer_code():
    for page in sorted(ROOT.glob("book/**/*.md")):
        for match in re.finditer(r"```\{literalinclude\} (\S+)", page.read_text()):
            assert not re.search(
                r"autograder/(reference|convert)/", match.group(1)
            ), f"{page}: {match.group(1)}"
    assert (
        len(
            re.findall(
                r"```\{answer-code\}", "".join(p.read_text() for p in ROOT.glob("book/**/*.md"))
            )
        )
        >= 9
    )


def test_make_public_needs_a_real_secret_and_names_its_file(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(SecretError, match=re.escape(str(tmp_path / ".course-secret"))):
        public.build_public(root=tmp_path, out=tmp_path / "public", site=False)
    (tmp_path / ".course-secret").write_text("secret\n")
    with pytest.raises(SecretError, match="placeholder"):
        public.build_public(root=tmp_path, out=tmp_path / "public", site=False)


def test_a_solution_cell_without_markers_is_refused_naming_the_file(tmp_path):
    notebook = tmp_path / "solutions" / "ps01-rnn" / "ps01-rnn.ipynb"
    notebook.parent.mkdir(parents=True)
    data = json.loads((ROOT / "solutions" / "ps01-rnn" / "ps01-rnn.ipynb").read_text())
    cell = next(
        c
        for c in data["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "rnn_forward"
    )
    cell["source"] = [line for line in cell["source"] if "### " not in line]
    notebook.write_text(json.dumps(data))
    with pytest.raises(
        CourseError, match=re.escape(f"{notebook}: solution cell 'rnn_forward' has no ### BEGIN")
    ):
        public.check_solution_markers(tmp_path)
    public.check_solution_markers(ROOT)  # the course's own solutions are fine


def test_the_scan_finds_an_answer_line_the_secret_and_the_generator(tmp_path):
    line = next(
        line.strip()
        for line in (ROOT / "autograder" / "reference" / "rnn.py").read_text().splitlines()
        if public._significant(line) and line.strip() in public.answer_key_lines(ROOT)
    )
    (tmp_path / "page.html").write_text(f"<pre><span>{line.replace('<', '&lt;')}</span></pre>")
    (tmp_path / "notes.txt").write_text(
        "the course secret is a-made-up-secret-for-the-scan\nHIDDEN_SPECS\n"
    )
    report = public.scan(tmp_path, ROOT, secret="a-made-up-secret-for-the-scan")
    assert sorted(what for _, what, _ in report.hits) == [
        "autograder/reference/rnn.py",
        "the course secret",
        "the hidden-case generator",
    ]


def test_the_checks_and_the_guide_hold_no_answer_line():
    """What the wheel ships (the checks) and what both editions publish (the adopter's guide) share
    no line with the answer key: the checks get every right and mistaken output from the reference.
    """
    needles = public.answer_key_lines(ROOT)
    found = [
        (path.name, line)
        for path in sorted((ROOT / "autograder" / "checks").glob("*.py"))
        for line in public._code_lines(path)
        if line in needles
    ]
    guide = (ROOT / "book" / "for-instructors.md").read_text().splitlines()
    found += [("for-instructors.md", line.strip()) for line in guide if line.strip() in needles]
    assert found == []


# --- the whole class edition
# -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def class_edition(tmp_path_factory, fresh_build):
    """`make public` into a temporary folder, reusing the open edition's executed pages."""
    out = tmp_path_factory.mktemp("public")
    secret = "a-test-secret-for-the-class-edition-scan"
    os.environ[SECRET_ENV] = secret
    try:
        public.build_public(
            ROOT, out, cache=fresh_build.parent / ".jupyter_cache", log=lambda *_: None
        )
        report = public.scan(out, ROOT, secret)
    finally:
        del os.environ[SECRET_ENV]
    return out, report


def _hits(report, wheel_checks):
    return [h for h in report.hits if ("!autograder/checks/" in h[0]) == wheel_checks]


@pytest.mark.book
def test_the_class_edition_shows_no_answer_key(class_edition, pytestconfig):
    out, report = class_edition
    assert {p.name for p in out.iterdir()} >= {"site", "exercises", "dist"}
    assert (out / "site" / "dist" / "rnn_course_autograder-0.1.0-py3-none-any.whl").exists()
    assert (
        report.kinds.get("html", 0) >= 10
        and report.kinds.get("ipynb", 0) >= 7
        and report.kinds.get("wheel")
    )
    tell(
        pytestconfig,
        "",
        f"class edition scan: {report.files} files ({report.kinds}), {report.lines} distinct "
        f"lines, {report.needles} answer-key lines looked for, {len(report.hits)} found "
        f"({len(_hits(report, True))} in the wheel's checks)",
    )
    assert _hits(report, False) == []
    chapter = (out / "site" / "book" / "01-rnn" / "index.html").read_text()
    assert "published after the homework is due" in chapter


@pytest.mark.book
def test_the_wheels_checks_hold_no_answer_code(class_edition):
    """The checks compute every right and every mistaken output through the reference, which the
    wheel replays.
    """
    assert _hits(class_edition[1], True) == []


# --- the student wheel in a fresh venv
# -------------------------------------------------------------

FRAMEWORK = {
    "torch": "this task needs PyTorch: pip install torch",
    "keras": "this task needs Keras",
}


@pytest.fixture(scope="module")
def student_venv(tmp_path_factory):
    from autograder.grading.student_package import build_wheel

    work = tmp_path_factory.mktemp("student")
    wheel, _, _ = build_wheel(work / "dist", ROOT, log=lambda *_: None)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv))
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
            f"{wheel}[check]",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return venv, env, wheel


def _tasks(notebook):
    """grade id -> the framework its task needs (None for a numpy task), from the task's own
    cells.
    """
    tasks, since = {}, ""
    for cell in json.loads(notebook.read_text())["cells"]:
        info = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] != "code" or info.get("grade_id") in ("colab_install", "setup"):
            continue
        if info.get("solution") or str(info.get("grade_id", "")).endswith("_setup"):
            since += "".join(cell["source"])  # the answer cells, and a task's own setup cell
        if info.get("grade"):
            found = re.findall(r"^\s*import (torch|keras)\b", since, re.M)
            tasks[info["grade_id"]] = found[0] if found else None
            since = ""
    return tasks


@pytest.mark.install
def test_the_student_wheel_holds_no_answer_key_and_installs_with_numpy_alone(
    student_venv, pytestconfig
):
    venv, env, wheel = student_venv
    names = zipfile.ZipFile(wheel).namelist()
    assert not [
        n
        for n in names
        if n.startswith(
            (
                "autograder/grading/secret",
                "autograder/grading/worker",
                "autograder/book/",
                "autograder/figures/",
                # the book's training code (the data generators stay: the checks draw from them)
                "autograder/training/models",
                "autograder/training/experiments",
            )
        )
    ]
    assert {"autograder/reference/__init__.py", "autograder/checks/_recorded.pickle"} <= set(names)
    metadata = next(n for n in names if n.endswith("METADATA"))
    requires = [
        line
        for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert requires == ["Requires-Dist: numpy<3,>=1.24"], requires
    code = (
        "import sys, autograder.checks, autograder.reference as r;"
        "assert not {'torch', 'keras', 'tensorflow'} & set(sys.modules);"
        "r.rnn_forward(1, 2)"
    )
    run = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=venv,
    )
    assert "this check needs the instructor's grader" in run.stderr, run.stderr
    size = sum(
        f.stat().st_size for f in venv.rglob("*") if f.is_file() and "__pycache__" not in f.parts
    )
    tell(
        pytestconfig,
        "",
        f"student venv (wheel + Jupyter kernel + nbclient): {size / 1e6:.0f} MB; "
        f"wheel {wheel.stat().st_size / 1e3:.0f} kB",
    )


@pytest.mark.install
@pytest.mark.parametrize(
    "solution", sorted((ROOT / "solutions").glob("ps*/*.ipynb")), ids=lambda p: p.parent.name
)
def test_the_student_wheel_checks_every_numpy_task(student_venv, solution):
    venv, env, _ = student_venv
    run = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "autograder", "check", str(solution)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=venv,
        env=env,
    )
    for grade_id, framework in _tasks(solution).items():
        match = re.search(rf"^\[(PASS|FAIL)\] {grade_id} \(.*\n((?:    .*\n?)*)", run.stdout, re.M)
        assert match, f"{grade_id}:\n{run.stdout}"
        if framework is None:
            assert match.group(1) == "PASS", f"{grade_id}:\n{run.stdout}"
        else:
            assert match.group(1) == "FAIL" and FRAMEWORK[framework] in match.group(
                2
            ), f"{grade_id}:\n{run.stdout}"
            assert "NameError" not in match.group(2)
