"""Hidden cases come from the course secret: per student, reproducible, and out of a lookup table's
reach.
"""

import ast
import hashlib
import json

import numpy as np
import pytest

from autograder.checks import _cases, check_rnn_cell_forward, check_rnn_forward
from autograder.grading import secret as s
from autograder.reference import rnn_forward
from helpers import grade_folder
from redteam.notebooks import ROOT, Submission

SECRET = "0123456789abcdef-a-secret-for-these-tests"
CASE_FUNCTIONS = {
    "rnn_sequence": lambda hidden: _cases.rnn_sequence_cases(hidden),
    "lstm": lambda hidden: _cases.gated_sequence_cases("lstm", hidden),
    "gru": lambda hidden: _cases.gated_sequence_cases("gru", hidden),
    "clipping": _cases.clipping_cases,
    "param_count": _cases.param_count_cases,
    "window": _cases.window_cases,
    "padded": _cases.padded_cases,
    "layer": lambda hidden: _cases.layer_cases("lstm", hidden),
}


def fingerprint(cases):
    """A digest of every number and size in a list of cases."""
    digest = hashlib.sha256()

    def feed(value):
        if isinstance(value, np.ndarray):
            digest.update(
                str(value.shape).encode() + np.ascontiguousarray(value, dtype=float).tobytes()
            )
        elif isinstance(value, dict):
            for key in sorted(value):
                digest.update(str(key).encode())
                feed(value[key])
        elif isinstance(value, (list, tuple)):
            for item in value:
                feed(item)
        else:
            digest.update(repr(value).encode())

    feed(cases)
    return digest.hexdigest()


def cases_of(kind, student, assignment="ps01-rnn", secret=SECRET):
    with s.hidden_case_source(secret, assignment, student):
        return CASE_FUNCTIONS[kind](True)


@pytest.mark.parametrize("kind", CASE_FUNCTIONS)
def test_a_regrade_draws_the_same_cases_and_another_student_other_ones(kind):
    alice = fingerprint(cases_of(kind, "alice"))
    assert fingerprint(cases_of(kind, "alice")) == alice
    assert fingerprint(cases_of(kind, "bob")) != alice
    assert fingerprint(cases_of(kind, "alice", assignment="ps02-bptt")) != alice
    assert fingerprint(cases_of(kind, "alice", secret=SECRET + "x")) != alice
    assert fingerprint(CASE_FUNCTIONS[kind](False)) != alice  # the visible cases are not among them


def test_hidden_cases_keep_their_structure():
    """Only the values vary: a batch of one, one step, zero weights and square weights stay."""
    for student in ("alice", "bob"):
        cases = cases_of("rnn_sequence", student)
        sizes = [c[0] for c in cases]
        assert sizes == [
            dict(batch=1, time=1, features=2, units=3),
            dict(batch=4, time=6, features=5, units=5),
            dict(batch=2, time=4, features=3, units=2),
            dict(batch=5, time=5, features=2, units=3),
        ]
        _, x, h0, W_x, W_h, b = cases[2]
        assert not W_x.any() and not W_h.any() and not b.any() and x.any()
        counts = cases_of("param_count", student)
        assert counts[0][:2] == (1, 1) and counts[1][0] == counts[1][1]
        assert counts[2][0] > counts[2][1] and counts[3][0] < counts[3][1]


def test_the_visible_cases_stay_fixed():
    first = fingerprint(_cases.rnn_sequence_cases(False))
    with s.hidden_case_source(SECRET, "ps01-rnn", "alice"):
        assert fingerprint(_cases.rnn_sequence_cases(False)) == first


def test_without_a_secret_hidden_checks_refuse(monkeypatch):
    monkeypatch.setattr(s, "_source", None)
    with pytest.raises(s.HiddenCasesUnavailable, match="only in the instructor's grader"):
        _cases.rnn_sequence_cases(True)
    with pytest.raises(s.HiddenCasesUnavailable):
        check_rnn_forward(lambda *a: rnn_forward(*a), hidden=True)


def test_the_secret_is_created_once_and_said_where(tmp_path, monkeypatch):
    monkeypatch.delenv(s.SECRET_ENV, raising=False)
    said = []
    first = s.ensure_secret(tmp_path, announce=said.append)
    assert len(said) == 1 and str(tmp_path / ".course-secret") in said[0]
    assert (tmp_path / ".course-secret").stat().st_mode & 0o077 == 0
    assert s.ensure_secret(tmp_path, announce=said.append) == first and len(said) == 1
    monkeypatch.setenv(s.SECRET_ENV, "an-environment-secret-long-enough")
    assert s.ensure_secret(tmp_path) == "an-environment-secret-long-enough"


def test_a_missing_or_placeholder_secret_is_refused_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv(s.SECRET_ENV, raising=False)
    with pytest.raises(s.SecretError, match=str(tmp_path / ".course-secret")):
        s.require_secret(tmp_path)
    (tmp_path / ".course-secret").write_text("changeme\n")
    with pytest.raises(s.SecretError, match="placeholder") as caught:
        s.require_secret(tmp_path)
    assert str(tmp_path / ".course-secret") in str(caught.value)


# --- the lookup-table attack --------------------------------------------------------------------


def _key(*arrays):
    return hashlib.sha256(
        b"".join(np.ascontiguousarray(a, dtype=float).tobytes() for a in arrays)
    ).hexdigest()


def lookup_table_functions():
    """rnn_cell_forward and rnn_forward that return stored outputs for the visible cases, zeros
    otherwise.
    """
    cell, sequence = {}, {}
    for _, x, h0, W_x, W_h, b in _cases.rnn_sequence_cases(False):
        cell[_key(x[:, 0], h0, W_x, W_h, b)] = np.tanh(x[:, 0] @ W_x + h0 @ W_h + b).tolist()
        h_all, h_last = rnn_forward(x, h0, W_x, W_h, b)
        sequence[_key(x, h0, W_x, W_h, b)] = (h_all.tolist(), h_last.tolist())
    return cell, sequence


def lookup_table_source():
    cell, sequence = lookup_table_functions()
    return {
        "rnn_cell_forward": (
            "    import hashlib\n"
            f"    table = {json.dumps(cell)}\n"
            "    key = hashlib.sha256(b''.join(np.ascontiguousarray(a, dtype=float).tobytes()\n"
            "                                  for a in (x_t, h_prev, W_x, W_h, b))).hexdigest()\n"
            "    return np.array(table[key]) if key in table else np.zeros_like(h_prev)"
        ),
        "rnn_forward": (
            "    import hashlib\n"
            f"    table = {json.dumps(sequence)}\n"
            "    key = hashlib.sha256(b''.join(np.ascontiguousarray(a, dtype=float).tobytes()\n"
            "                                  for a in (x, h0, W_x, W_h, b))).hexdigest()\n"
            "    if key in table:\n"
            "        return np.array(table[key][0]), np.array(table[key][1])\n"
            "    return np.zeros(x.shape[:2] + h0.shape[1:]), np.zeros_like(h0)"
        ),
    }


def test_a_lookup_table_passes_the_visible_cases_and_fails_the_hidden_ones():
    namespace = {"np": np}
    for name, body in lookup_table_source().items():
        args = "x_t, h_prev, W_x, W_h, b" if name == "rnn_cell_forward" else "x, h0, W_x, W_h, b"
        exec(f"def {name}({args}):\n{body}\n", namespace)
    for check, name in [
        (check_rnn_cell_forward, "rnn_cell_forward"),
        (check_rnn_forward, "rnn_forward"),
    ]:
        check(namespace[name])  # the visible cases pass: the attack is real
        with s.hidden_case_source(SECRET, "ps01-rnn", "mallory"):
            with pytest.raises(AssertionError, match="is wrong"):
                check(namespace[name], hidden=True)


@pytest.mark.e2e
def test_the_grader_gives_a_lookup_table_only_its_honest_task(tmp_path):
    """Graded by `python -m autograder grade`, the table earns task 3's 3 points (solved honestly),
    not 10.
    """
    submissions, out = tmp_path / "class", tmp_path / "out"
    submissions.mkdir()
    attack = Submission(lookup_table_source()).bytes()
    for student in ("mallory", "eve"):
        (submissions / f"{student}.ipynb").write_bytes(attack)
    rows = grade_folder("ps01", submissions, out, "--workers", "1", "--cell-timeout", "60")
    for student in ("mallory", "eve"):
        row = rows[student]
        assert (
            row["score"],
            row["test_rnn_cell_forward"],
            row["test_rnn_forward"],
            row["test_make_torch_rnn"],
        ) == ("3", "0", "0", "3"), row
    assert (ROOT / ".course-secret").exists() or s.SECRET_ENV in __import__("os").environ


def test_case_rng_is_fixed_when_visible_and_secret_when_hidden():
    visible = _cases.case_rng(121, False, "torch_modules", 0).normal(size=3)
    assert np.array_equal(visible, np.random.default_rng(121).normal(size=3))
    with s.hidden_case_source(SECRET, "ps03-lstm", "alice"):
        alice = _cases.case_rng(131, True, "torch_modules", 0).normal(size=3)
        assert not np.array_equal(alice, np.random.default_rng(131).normal(size=3))
    with s.hidden_case_source(SECRET, "ps03-lstm", "bob"):
        assert not np.array_equal(
            alice, _cases.case_rng(131, True, "torch_modules", 0).normal(size=3)
        )


# --- every hidden case set, not only those of _cases.py -----------------------------------------


def _module_arrays(module):
    return [p.detach().double().numpy() for p in module.parameters()]


def _torch_case_sets():
    from autograder.checks import gru_frameworks, lstm, stacks

    return {
        "torch_gru": lambda: [
            (_module_arrays(module), x)
            for module, x in (
                gru_frameworks._torch_case(*spec, hidden=True, index=i)
                for i, spec in enumerate(gru_frameworks._TORCH_SPECS[True])
            )
        ],
        "torch_stack": lambda: [
            _module_arrays(stacks._module(*spec, hidden=True, index=i))
            for i, spec in enumerate(stacks._SPECS[True])
        ],
        "torch_modules": lambda: [
            (sizes, _module_arrays(module))
            for kind in ("lstm", "gru")
            for sizes, module in lstm.torch_module_cases(kind, True)
        ],
    }


def _numpy_case_sets():
    from autograder.checks import (
        charlm_training,
        forecast_training,
        gru_frameworks,
        layers,
        models,
        training,
    )

    sets = {name: lambda name=name: CASE_FUNCTIONS[name](True) for name in CASE_FUNCTIONS}
    sets.update(
        {
            "upstream_gradient": lambda: [
                _cases.upstream_gradient(dict(batch=2, time=3, units=4), i, True) for i in range(4)
            ],
            "keras_gru": lambda: [
                gru_frameworks._keras_case(*spec, hidden=True, index=i)
                for i, spec in enumerate(gru_frameworks._KERAS_SPECS[True])
            ],
            "probe_batch": lambda: [
                models.probe_batch(spec, True, i) for i, spec in enumerate(models._SPECS[True])
            ],
            "marked_sign_batch": lambda: training.batch_cases(True),
            "marked_sign_test": lambda: training.hidden_test(),
            "forecast_test": lambda: forecast_training.hidden_test(),
            "char_lm_passages": lambda: charlm_training.scored_passages(True),
            "bidirectional": lambda: [
                _cases.case_rng(spec[-1], True, "bidirectional", i).normal(size=3)
                for i, spec in enumerate(layers._BIDIRECTIONAL_SPECS[True])
            ],
        }
    )
    return sets


def _all_case_sets():
    sets = _numpy_case_sets()
    try:
        import torch  # noqa: F401
    except ImportError:
        return sets
    return {**sets, **_torch_case_sets()}


ASSIGNMENTS = [path.parent.name for path in sorted((ROOT / "solutions").glob("ps*/*.ipynb"))]


@pytest.mark.parametrize("name", sorted(_all_case_sets()))
def test_every_hidden_case_set_is_per_student_and_reproducible(name):
    """For every assignment, two students meet different hidden inputs and a regrade meets the
    same.
    """
    build = _all_case_sets()[name]
    for assignment in ASSIGNMENTS:
        with s.hidden_case_source(SECRET, assignment, "alice"):
            alice = fingerprint(build())
        with s.hidden_case_source(SECRET, assignment, "alice"):
            assert (
                fingerprint(build()) == alice
            ), f"{name}: a regrade of {assignment} drew other cases"
        with s.hidden_case_source(SECRET, assignment, "bob"):
            assert (
                fingerprint(build()) != alice
            ), f"{name}: two students of {assignment} drew the same cases"


def _calls(tree, name):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == name) or (
                isinstance(func, ast.Name) and func.id == name
            ):
                yield node


def _constant(node):
    """Whether an expression is made of literals only (a fixed seed)."""
    return all(
        isinstance(
            n,
            (
                ast.Constant,
                ast.BinOp,
                ast.UnaryOp,
                ast.operator,
                ast.unaryop,
                ast.Tuple,
                ast.List,
                ast.Load,
            ),
        )
        for n in ast.walk(node)
    )


def test_no_check_draws_from_a_fixed_seed_but_through_case_rng():
    """A new case function cannot slip through on a fixed seed: outside _cases.py the checks draw
    only through case_rng (which takes the course secret when hidden); inside it, default_rng never
    gets a literal; and no case_rng call pins hidden to False."""
    checks = ROOT / "autograder" / "checks"
    for path in sorted(checks.glob("*.py")):
        tree = ast.parse(path.read_text())
        for call in _calls(tree, "default_rng"):
            where = f"{path.name}:{call.lineno}"
            assert (
                path.name == "_cases.py"
            ), f"{where}: draw cases through _cases.case_rng, not default_rng"
            assert call.args and not _constant(
                call.args[0]
            ), f"{where}: default_rng on a fixed seed"
        assert path.name == "quiz.py" or "hashlib" not in path.read_text(), (
            f"{path.name}: a seed hashed from a fixed phrase is the same for every student; use"
            " case_rng"
        )
        for name in ("RandomState", "seed"):
            assert not [
                c for c in _calls(tree, name) if "random" in ast.unparse(c.func)
            ], f"{path.name}: numpy's global or legacy generator"
        for call in _calls(tree, "case_rng"):
            hidden = call.args[1] if len(call.args) > 1 else None
            assert not (
                isinstance(hidden, ast.Constant) and hidden.value is False
            ), f"{path.name}:{call.lineno}: case_rng with hidden=False"


# --- the results fingerprint: a new secret or template regrades -----------------------------------


def test_the_results_fingerprint_follows_the_secret_and_the_templates_without_holding_the_secret(
    tmp_path,
):
    from types import SimpleNamespace

    from autograder.grading.results import fingerprint
    from autograder.grading.sandbox import Limits

    package, source = tmp_path / "autograder", tmp_path / "source"
    (package / "grading" / "templates").mkdir(parents=True)
    source.mkdir()
    (package / "checks.py").write_text("def check(): pass\n")
    template = package / "grading" / "templates" / "feedback.html.j2"
    template.write_text("<p>{{ score }}</p>\n")
    (source / "ps01.ipynb").write_text("{}")
    assignment, limits = SimpleNamespace(source_dir=source), Limits()

    def current(secret=SECRET):
        return fingerprint(assignment, limits, secret, package=package)

    first = current()
    assert current() == first  # nothing changed: results are reused
    assert current(SECRET + "x") != first  # a new secret: every hidden case changes
    assert SECRET not in first
    template.write_text("<p>score {{ score }}</p>\n")
    assert current() != first  # a template changed: feedback must be rewritten
    changed = current()
    (package / "README.md").write_text("notes\n")
    assert current() == changed  # documentation is not read while grading
    (package / "grading" / "__pycache__").mkdir()
    (package / "grading" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert current() == changed
