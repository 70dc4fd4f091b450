"""The course secret and the hidden cases drawn from it: the part of the checks students never get.

Visible cases use fixed seeds (students learn from them). Hidden cases keep their structure (a
batch of one, a single step, zero weights, square weights: the sizes below) but draw every random
value from a hash of (course secret, assignment, student id, case). So two students meet different
hidden inputs, a regrade of one student meets the same ones, and a notebook that stores the visible
cases' outputs learns nothing about the hidden ones.

The grader sets the source while it grades one notebook::

    with hidden_case_source(secret, "ps01-rnn", "alice"):
        ...  # every check called with hidden=True draws alice's cases

Without a source, a hidden check refuses (``HiddenCasesUnavailable``); it never falls back to
fixed seeds. The secret lives in the environment variable ``RNN_COURSE_SECRET`` or in the
git-ignored file ``.course-secret`` at the course root, created on first use.

This module is instructor-side only: the student wheel leaves it out (``release.py``).
"""

import contextlib
import hashlib
import os
import secrets as _secrets
import threading
from pathlib import Path

from .course import CourseError

SECRET_ENV = "RNN_COURSE_SECRET"
SECRET_FILE = ".course-secret"
# Values a hand-edited secret must not have: anyone could guess them.
PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "change_me",
    "secret",
    "placeholder",
    "todo",
    "xxx",
    "course-secret",
    "your-secret-here",
}
MIN_SECRET_CHARS = 16


class SecretError(CourseError):
    """The course secret is missing or unusable (reported without a traceback)."""


class HiddenCasesUnavailable(RuntimeError):
    """A hidden check ran where no course secret was given: only the instructor's grader has one."""


# --- the secret ------------------------------------------------------------------------------


def secret_path(root):
    return Path(root) / SECRET_FILE


def find_secret(root):
    """(secret, where) from the environment or the course root's file, or (None, file path)."""
    value = os.environ.get(SECRET_ENV)
    if value is not None:
        return value.strip(), f"the environment variable {SECRET_ENV}"
    path = secret_path(root)
    try:
        return path.read_text().strip(), str(path)
    except FileNotFoundError:
        return None, str(path)
    except OSError as error:  # another user's file, a folder in its place...
        raise SecretError(
            f"cannot read the course secret {path} ({error.strerror}); make it readable by you "
            f"or set {SECRET_ENV}"
        ) from None


def ensure_secret(root, announce=print):
    """The course secret, creating ``.course-secret`` at ``root`` on first use (and saying
    where).
    """
    value, where = find_secret(root)
    if value is None:
        path = secret_path(root)
        value = _secrets.token_hex(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(value + "\n")
        if announce:
            announce(
                f"created the course secret in {path} (git-ignored; keep it: it decides every "
                "student's hidden cases, and a new one changes them)"
            )
        return value
    return require_usable(value, where)


def require_secret(root):
    """The course secret for a build that must not create one silently (``make public``)."""
    value, where = find_secret(root)
    if value is None:
        raise SecretError(
            f"no course secret: {where} does not exist and {SECRET_ENV} is not set "
            "(run `python -m autograder secret` to create one)"
        )
    return require_usable(value, where)


def require_usable(value, where):
    if value.lower() in PLACEHOLDERS or len(value) < MIN_SECRET_CHARS:
        raise SecretError(
            f"the course secret in {where} is a placeholder or too short "
            f"(at least {MIN_SECRET_CHARS} characters); replace it with a random one, e.g. "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`"
        )
    return value


# --- the source of hidden cases while one notebook is graded ---------------------------------

_lock = threading.Lock()
# (secret, assignment, student); process-wide: the check service runs checks in its own thread
_source = None


@contextlib.contextmanager
def hidden_case_source(secret, assignment, student):
    """Within this block, hidden cases are drawn for ``student`` of ``assignment``."""
    global _source
    if not secret:
        raise SecretError("hidden_case_source needs the course secret")
    with _lock:
        previous, _source = _source, (str(secret), str(assignment), str(student))
    try:
        yield
    finally:
        with _lock:
            _source = previous


def hidden_seed(label, index):
    """The seed of hidden case ``index`` of ``label`` for the student being graded."""
    with _lock:
        source = _source
    if source is None:
        raise HiddenCasesUnavailable(
            "hidden checks run only in the instructor's grader (python -m autograder grade), which"
            " holds the course secret; this copy has no secret, so the hidden cases do not exist"
            " here"
        )
    digest = hashlib.sha256("\0".join([*source, label, str(index)]).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def hidden_specs(label):
    """The hidden cases' structure for ``label``, each spec followed by a seed drawn from the
    secret.
    """
    specs = []
    for index, spec in enumerate(HIDDEN_SPECS[label]):
        seed = hidden_seed(label, index)
        specs.append((*spec, seed))
    return specs


# The hidden cases' structure (sizes and kinds), without seeds; _cases.py documents each field.
HIDDEN_SPECS = {
    # (batch, time, features, units, kind): one step, square weights, zero weights, batch 1
    "rnn_sequence": [
        (1, 1, 2, 3, "random"),
        (4, 6, 5, 5, "random"),
        (2, 4, 3, 2, "zeros"),
        (5, 5, 2, 3, "random"),
    ],
    # (batch, time, features, units, kind): batch == time and square, a single step, zeros, one unit
    "gated_sequence": [
        (4, 4, 5, 5, "random"),
        (1, 1, 2, 3, "random"),
        (2, 6, 3, 2, "zeros"),
        (3, 2, 1, 1, "random"),
    ],
    # (scale, max_norm, dominated): far above the limit, far below, one array dominating
    "clipping": [(5.0, 0.5, False), (0.1, 100.0, False), (1.0, 4.0, True), (20.0, 3.0, False)],
    # (convention, size rule): a one-unit layer, a square one, wide and tall ones
    "param_count": [("keras", "one"), ("torch", "square"), ("keras", "wide"), ("torch", "tall")],
    # (time, features, in_steps, out_steps, target_column)
    "window": [(36, 5, 24, 12, 4), (6, 1, 1, 1, 0), (30, 4, 5, 7, 3)],
    # (batch, time, units, lengths)
    "padded": [(1, 1, 2, [1]), (5, 6, 3, [6, 1, 3, 5, 2]), (2, 2, 4, [2, 2])],
    # (batch, time, features, units, layers, directions)
    "layer": [(2, 3, 4, 4, 3, 1), (1, 1, 2, 3, 2, 2), (4, 4, 3, 2, 3, 2)],
}
# The GRU variant (reset_after, z_convention) of each hidden gated case.
HIDDEN_GRU_VARIANTS = [(False, "update"), (True, "keep"), (False, "keep"), (True, "update")]
