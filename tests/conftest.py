"""Fixtures shared across the suite."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


def pytest_collection_modifyitems(items):
    """Mark every test that needs the book build as `book`, so `make test-fast` leaves it out."""
    for item in items:
        if "fresh_build" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.book)


@pytest.fixture(autouse=True, scope="session")
def hidden_cases_of_a_test_student():
    """Checks called with hidden=True in tests draw the hidden cases of one made-up student."""
    from autograder.grading.secret import hidden_case_source

    with hidden_case_source("a test secret, not the course's", "tests", "test-student"):
        yield


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory):
    """A clean build of the whole book (no cache: every page executes), with warnings as errors.

    The pages execute in parallel, one process per core (tools/parallel_execution.py, loaded by
    _config.yml), as in `make book`. Returns the folder of the built HTML. Built once per test
    session and shared by every test, and by every process of a `pytest -n` run: the first to
    need it builds it, the others wait for that build and use it (or fail with its message). To
    test an existing build instead (one made with the same command), set SITE_HTML to its HTML
    folder, as for tests/test_site_browser.py.
    """
    if os.environ.get("SITE_HTML"):
        return Path(os.environ["SITE_HTML"]).resolve()
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each process's own
    out, outcome = shared / "book", shared / "book-build.json"
    with FileLock(shared / "book-build.lock"):
        if not outcome.exists():
            build = [str(JUPYTER_BOOK), "build", str(ROOT), "--path-output", str(out), "-W", "-n"]
            run = subprocess.run(
                [*build, "--keep-going"], capture_output=True, text=True, timeout=1800
            )
            log = run.stdout[-4000:] + run.stderr[-4000:]
            outcome.write_text(json.dumps({"returncode": run.returncode, "log": log}))
    built = json.loads(outcome.read_text())
    assert built["returncode"] == 0, built["log"]
    return out / "_build" / "html"
