"""The student package: the visible checks, with the reference's answers recorded instead of
computed.

Students install a wheel that holds the checks but not the answer key. At release time every
visible check call of every homework's grade cells is run here on the solution notebook's
functions, and again with a function that is wrong at its k-th call (so that every failing
branch, and the outputs of every catalogued mistake it computes, runs). Every call those checks
make to ``autograder.reference`` or ``autograder.convert`` is recorded with its result, keyed by a
digest of its exact arguments. The wheel's ``autograder.reference`` and ``autograder.convert`` are
stand-ins that replay those calls; a call that was not recorded (inputs that depend on a wrong
answer in a way no run foresaw) fails with "this check needs the instructor's grader".

This does not depend on how a check is written, only on where it gets its answers from.
"""

import ast
import contextlib
import copy
import importlib
import json
import pickle
import pkgutil
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from .checks_service import plan_grade_cell
from .course import COURSE_ROOT, CourseError

PACKAGE = Path(__file__).resolve().parents[1]
RECORDING = "_recorded.pickle"
ANSWER_PACKAGES = ("autograder.reference", "autograder.convert")
HIDDEN_TESTS = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S | re.M
)
# What the wheel holds, by path inside the package; everything else (the reference, the
# converters, the grader, the secret module, other helpers' subpackages) stays out.
ALLOWLIST = (
    "__init__.py",
    "__main__.py",
    "conventions.py",
    "mistakes.py",
    "notation.py",
    "frameworks.py",
    "checks/*.py",
    "grading/__init__.py",
    "grading/course.py",
    "grading/selfcheck.py",
    "grading/numpy_only.py",
    # the homework's data generators (numpy only), which checks and notebooks import
    "training/__init__.py",
    "training/forecasting.py",
    "training/negation.py",
    "training/charlm.py",
    # the text ps07's task 4 trains on, with its source and licence
    "training/texts/genesis-kjv.txt",
    "training/texts/README.md",
)
# the held-out text the hidden check of ps07's task 4 scores on is in no pattern above (grading/);
# named here so that a wider pattern cannot let it in
LEFT_OUT = ("checks/_cases_hidden.py", "grading/heldout/exodus-1-20-kjv.txt")
FRAMEWORK_NAMES = {
    "torch": "PyTorch: pip install torch",
    "keras": "Keras: pip install tensorflow-cpu",
    "tensorflow": "TensorFlow: pip install tensorflow-cpu",
}


class NotRecorded(RuntimeError):
    pass


# --- a digest of a call's exact arguments (the wheel's stand-in has the same code) ----------------

DIGEST_SOURCE = r'''
def _feed(digest, value):
    import numpy as np

    kind = type(value)
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        value = np.asarray(value)
        digest.update(b"A" + str(value.dtype).encode() + str(value.shape).encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        digest.update(b"S" + kind.__name__.encode() + repr(value).encode())
    elif isinstance(value, (tuple, list)):
        digest.update(b"L" + kind.__name__.encode() + str(len(value)).encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        digest.update(b"D" + str(len(value)).encode())
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
    elif kind.__module__.startswith("torch") and hasattr(value, "detach"):
        _feed(digest, value.detach().cpu().numpy())
    elif hasattr(value, "state_dict") and kind.__module__.startswith("torch"):
        digest.update(b"M" + kind.__name__.encode() + repr(value).encode())
        _feed(digest, {k: v for k, v in value.state_dict().items()})
    else:
        raise TypeError(kind.__name__)


def call_digest(name, args, kwargs):
    """A digest of a call's name and exact arguments; TypeError if one cannot be digested."""
    import hashlib

    digest = hashlib.sha256(name.encode() + b"\0")
    _feed(digest, list(args))
    _feed(digest, dict(kwargs))
    return digest.hexdigest()
'''
_namespace = {}
exec(DIGEST_SOURCE, _namespace)
call_digest = _namespace["call_digest"]


# --- recording
# -------------------------------------------------------------------------------------


def _replayable(value):
    if (
        isinstance(value, (np.ndarray, np.generic))
        or value is None
        or isinstance(value, (bool, int, float, str))
    ):
        return True
    if isinstance(value, (tuple, list)):
        return all(_replayable(v) for v in value)
    if isinstance(value, dict):
        return all(_replayable(k) and _replayable(v) for k, v in value.items())
    return False


def _snapshot(value):
    """A SimpleNamespace of an object's public data attributes, or None if it has none."""
    import types

    if isinstance(value, type) or callable(value):
        return None
    attributes = {}
    for name in dir(value):
        if name.startswith("_"):
            continue
        with contextlib.suppress(Exception):
            attribute = getattr(value, name)
            if not callable(attribute) and _replayable(attribute):
                attributes[name] = copy.deepcopy(attribute)
    return types.SimpleNamespace(**attributes) if attributes else None


class Recorder:
    """Wraps every answer-key name the checks imported; records (name, digest) -> result."""

    def __init__(self):
        self.calls = {}
        self.unreplayable = set()
        self._saved = []

    def __enter__(self):
        # Patch the names the checks import where they import them from, then re-import the checks,
        # so that every reference they hold (default arguments too) is the recording one.
        for dotted, names in sorted(_stand_in_modules().items()):
            module = importlib.import_module(dotted)
            for attribute in sorted(names):
                value = getattr(module, attribute, None)
                if (
                    callable(value)
                    and not isinstance(value, type)
                    and getattr(value, "__module__", "") != "autograder.reference._guard"
                ):
                    self._saved.append((module, attribute, value))
                    setattr(
                        module,
                        attribute,
                        self._wrap(
                            f"{dotted.split('.')[0]}.{dotted.split('.')[1]}.{attribute}", value
                        ),
                    )
        _reload_checks()
        return self

    def __exit__(self, *exc):
        for module, attribute, value in reversed(self._saved):
            setattr(module, attribute, value)
        self._saved.clear()
        _reload_checks()

    def _wrap(self, name, function):
        def recording(*args, **kwargs):
            result = function(*args, **kwargs)
            try:
                key = call_digest(name, args, kwargs)
            except TypeError:
                self.unreplayable.add(name)
                return result
            if _replayable(result):
                self.calls[key] = copy.deepcopy(result)
            elif _snapshot(result) is not None:  # an object (a cell): its plain data attributes
                self.calls[key] = _snapshot(result)
            else:
                self.unreplayable.add(name)
            return result

        recording.__name__ = function.__name__
        return recording


def _reload_checks():
    """Re-import every module of ``autograder.checks`` (the package last), in place."""
    import autograder.checks as checks

    first = ["_report", "_cases", "_outputs"]  # what the others import from
    names = first + sorted(
        i.name for i in pkgutil.iter_modules(checks.__path__) if i.name not in first
    )
    for name in names:
        importlib.reload(importlib.import_module(f"autograder.checks.{name}"))
    importlib.reload(checks)


def _wrong_at(function, k, counter):
    """``function``, except that its k-th call (counted in ``counter``) returns a wrong value of the
    same shape.
    """

    def wrong(*args, **kwargs):
        counter[0] += 1
        value = function(*args, **kwargs)
        return _perturbed(value) if counter[0] == k else value

    wrong.__name__ = getattr(function, "__name__", "wrong")
    return wrong


def _perturbed(value):
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        return value * 1.37 + 0.11
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer):
        return value + 1
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, (int, float, np.number)):
        return value + 1
    if isinstance(value, tuple):
        return tuple(_perturbed(v) for v in value)
    if isinstance(value, list):
        return [_perturbed(v) for v in value]
    if isinstance(value, dict):
        return {k: _perturbed(v) for k, v in value.items()}
    return value


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def solution_namespace(notebook_path):
    """Run a solution notebook's non-grade code cells in-process; return their namespace."""
    notebook = json.loads(Path(notebook_path).read_text())
    namespace = {"__name__": "__solution__"}
    for cell in notebook["cells"]:
        info = cell.get("metadata", {}).get("nbgrader", {})
        if (
            cell["cell_type"] != "code"
            or info.get("grade")
            or info.get("grade_id") == "colab_install"
        ):
            continue
        source = "\n".join(
            line for line in _source(cell).splitlines() if not line.lstrip().startswith(("!", "%"))
        )
        with contextlib.redirect_stdout(None):
            try:
                exec(compile(source, f"<{info.get('grade_id')}>", "exec"), namespace)
            except Exception as error:  # a demonstration cell that fails is not a check
                print(
                    f"  (cell {info.get('grade_id')} raised {type(error).__name__}: {error})",
                    file=sys.stderr,
                )
    return namespace


def visible_calls(notebook_path):
    """(grade id, PlannedCall) of every visible check call in the notebook's grade cells."""
    notebook = json.loads(Path(notebook_path).read_text())
    calls = []
    for cell in notebook["cells"]:
        info = cell.get("metadata", {}).get("nbgrader", {})
        if info.get("grade"):
            plan = plan_grade_cell(HIDDEN_TESTS.sub("", _source(cell))) or []
            calls += [(info["grade_id"], call) for call in plan]
    return calls


def record_assignment(notebook_path, recorder, max_calls=40):
    """Run each visible check on the solution and on functions wrong at call 1, 2, ... Returns
    notes.
    """
    import autograder.checks as checks

    namespace = solution_namespace(notebook_path)
    notes = []
    for grade_id, call in visible_calls(notebook_path):
        check = getattr(checks, call.check)
        args = [namespace[v] if kind == "name" else v for kind, v in call.args]
        kwargs = {key: namespace[v] if kind == "name" else v for key, (kind, v) in call.kwargs}
        functions = [
            i
            for i, a in enumerate(args)
            if callable(a) and not isinstance(a, type) and not hasattr(a, "state_dict")
        ]
        runs = 0
        for k in range(0, max_calls + 1):
            counter = [0]
            tried = list(args)
            if k:
                if not functions:
                    break
                tried[functions[0]] = _wrong_at(args[functions[0]], k, counter)
            with contextlib.redirect_stdout(None):
                try:
                    check(*tried, **kwargs)
                    passed = True
                except AssertionError:
                    passed = False
                except Exception as error:
                    notes.append(f"{grade_id}: {call.check} raised {type(error).__name__}: {error}")
                    passed = None
            runs += 1
            if k == 0 and passed is not True:
                notes.append(f"{grade_id}: the solution does not pass {call.check}")
            # the k-th call never happened: every call has been tried wrong
            if k and counter[0] < k:
                break
        notes.append(f"{grade_id}: {call.check} run {runs} times")
    return notes


# --- the stand-ins
# ---------------------------------------------------------------------------------

STAND_IN = '''"""The course's {package} as the student package holds it: recorded answers, not code.

The checks call it for expected outputs and for the outputs of catalogued mistakes on the visible
cases. Those calls were recorded when the course was released; this module replays them. The
reference implementation itself is published after the homework is due.
"""

import copy as _copy
import pickle as _pickle
from pathlib import Path as _Path

{digest}

_RECORDED = None


class InstructorOnly(RuntimeError):
    """A check asked for an answer that only the instructor's grader can compute."""


class ReferenceUsedError(RuntimeError):
    """A graded function called the course's reference implementation."""


def _recorded():
    global _RECORDED
    if _RECORDED is None:
        with open(_Path(__file__).resolve().parents[1] / "checks" / "{recording}", "rb") as handle:
            _RECORDED = _pickle.load(handle)
    return _RECORDED


def _replayer(name):
    public = "{package}." + name

    def replay(*args, **kwargs):
        try:
            key = call_digest(public, args, kwargs)
        except TypeError:
            key = None
        answers = _recorded()
        if key not in answers:
            raise InstructorOnly(
                f"this check needs the instructor's grader: {{public}} was asked about inputs "
                "that the student package does not hold (the answer key stays with the "
                "instructor)")
        return _copy.deepcopy(answers[key])

    replay.__name__ = name
    return replay


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _replayer(name)
'''

GUARD = '''"""Kept for the checks' imports: the student package has no reference to guard."""

import contextlib

from . import ReferenceUsedError  # noqa: F401  (the checks import it from here)


@contextlib.contextmanager
def student_code_running():
    yield
'''

FRAMEWORK_HINT = """

# The student package: a framework task whose framework is missing says which one to install.
def _needs_framework(check):
    import functools

    @functools.wraps(check)
    def explained(*args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ModuleNotFoundError as error:
            top = (error.name or "").split(".")[0]
            needs = {needs!r}.get(top)
            if needs is None:
                raise
            raise CheckFailure(f"this task needs {{needs}}") from None

    return explained


for _name in [n for n in dir() if n.startswith("check_")]:
    globals()[_name] = _needs_framework(globals()[_name])
"""


def _stand_in_modules():
    """{dotted module: names} that the checks import from the answer packages."""
    wanted = {}
    for path in (PACKAGE / "checks").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                dotted = f"autograder.{node.module}"
                if dotted.startswith(ANSWER_PACKAGES):
                    wanted.setdefault(dotted, set()).update(a.name for a in node.names)
    for package in ANSWER_PACKAGES:
        wanted.setdefault(package, set())
    return wanted


def _write_stand_ins(package_dir):
    for dotted in sorted(_stand_in_modules()):
        parts = dotted.split(".")[1:]
        top = package_dir / parts[0]
        top.mkdir(exist_ok=True)
        if len(parts) == 1:
            (top / "__init__.py").write_text(
                STAND_IN.format(package=dotted, digest=DIGEST_SOURCE.strip(), recording=RECORDING)
            )
        else:
            # a submodule (convert._shapes): replay under the package's name
            (top / f"{parts[1]}.py").write_text(
                '"""Recorded answers, as in the package."""\n\nfrom . import __getattr__  # noqa:'
                " F401\n"
            )
    (package_dir / "reference" / "_guard.py").write_text(GUARD)


def record(root, path):
    """Record every homework's visible checks into the pickle ``path``; returns the notes."""
    recorder = Recorder()
    notes = []
    with recorder:
        for notebook in sorted(Path(root, "solutions").glob("ps*/*.ipynb")):
            print(f"recording the visible checks of {notebook.parent.name}", file=sys.stderr)
            notes += [f"{notebook.parent.name}: {n}" for n in record_assignment(notebook, recorder)]
    with open(path, "wb") as handle:
        pickle.dump(recorder.calls, handle, protocol=4)
    return notes, sorted(recorder.unreplayable)


def build_wheel(dist_dir, root=COURSE_ROOT, log=print):
    """Record every homework's visible checks and build the student wheel into ``dist_dir``.

    The recording runs in a child process: it executes the solution notebooks and re-imports the
    checks, neither of which should touch the caller.
    """
    with tempfile.TemporaryDirectory() as scratch:
        recording = Path(scratch) / RECORDING
        code = (
            "import json, sys; from autograder.grading.student_package import record; "
            f"print(json.dumps(record({str(root)!r}, {str(recording)!r})))"
        )
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if run.returncode:
            raise CourseError(f"recording the visible checks failed:\n{run.stderr[-3000:]}")
        notes, unreplayable = json.loads(run.stdout.strip().splitlines()[-1])
        with open(recording, "rb") as handle:
            calls = pickle.load(handle)
        wheel = _package(dist_dir, recording)
    log(
        f"recorded {len(calls)} reference calls; not replayable:"
        f" {', '.join(unreplayable) or 'none'}"
    )
    return wheel, calls, notes


def _package(dist_dir, recording):
    with tempfile.TemporaryDirectory() as work:
        project = Path(work)
        package_dir = project / "autograder"
        for pattern in ALLOWLIST:
            for path in sorted(PACKAGE.glob(pattern)):
                relative = path.relative_to(PACKAGE)
                if str(relative) in LEFT_OUT:
                    continue
                target = package_dir / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        checks_init = package_dir / "checks" / "__init__.py"
        checks_init.write_text(
            checks_init.read_text() + FRAMEWORK_HINT.format(needs=FRAMEWORK_NAMES)
        )
        _write_stand_ins(package_dir)
        shutil.copyfile(recording, package_dir / "checks" / RECORDING)
        version = _version()
        (project / "pyproject.toml").write_text(PYPROJECT.format(version=version))
        dist_dir = Path(dist_dir)
        dist_dir.mkdir(parents=True, exist_ok=True)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "-w",
                str(dist_dir),
                str(project),
            ],
            capture_output=True,
            text=True,
        )
        if run.returncode:
            raise CourseError(f"could not build the student wheel: {run.stderr.strip()[-1000:]}")
    return dist_dir / f"rnn_course_autograder-{version}-py3-none-any.whl"


def _version():
    import autograder

    return autograder.__version__


PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "rnn-course-autograder"
version = "{version}"
description = "The student package of 'Recurrent networks, hands-on': the homework's visible checks"
requires-python = ">=3.10"
dependencies = ["numpy>=1.24,<3"]

[project.optional-dependencies]
# `python -m autograder check NOTEBOOK`
check = ["nbclient>=0.10,<1", "nbformat>=5.9,<6", "ipykernel>=6.29,<8"]

[tool.setuptools.packages.find]
include = ["autograder*"]

[tool.setuptools.package-data]
"autograder.checks" = ["{recording}"]
"autograder.training" = ["texts/*.txt", "texts/*.md"]
""".replace("{recording}", RECORDING)
