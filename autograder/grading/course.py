"""Where the course's homework lives and how nbgrader is configured to see it."""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config

COURSE_ROOT = Path(__file__).resolve().parents[2]
# ExecutePreprocessor.timeout is per cell: long enough for importing a framework and training
# the small models of the homework, short enough that an infinite loop ends.
CELL_TIMEOUT_SECONDS = 120


class CourseError(Exception):
    """A problem with the command's input, reported to the user without a traceback."""


@dataclass(frozen=True)
class Assignment:
    """One homework: ``ps01-rnn`` with its nbgrader source notebook(s) in ``solutions/ps01-rnn``."""

    name: str
    source_dir: Path

    @property
    def notebooks(self):
        return sorted(self.source_dir.glob("*.ipynb"))


def find_assignment(name, root=COURSE_ROOT):
    """Resolve ``ps01`` or ``ps01-rnn`` to the assignment folder under ``solutions/``."""
    solutions = Path(root) / "solutions"
    matches = sorted(
        p
        for p in solutions.glob(f"{name}*")
        if p.is_dir() and (p.name == name or p.name.startswith(f"{name}-"))
    )
    if len(matches) != 1:
        known = ", ".join(sorted(p.name for p in solutions.glob("ps*") if p.is_dir())) or "none"
        raise CourseError(f"no single assignment called {name!r} in {solutions} (known: {known})")
    assignment = Assignment(matches[0].name, matches[0])
    if len(assignment.notebooks) != 1:
        raise CourseError(f"{assignment.source_dir} should hold exactly one notebook")
    return assignment


def nbgrader_config(root, source="source", release="release", db_path=None):
    """An nbgrader configuration for a course directory at ``root``."""
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.source_directory = source
    config.CourseDirectory.release_directory = release
    if db_path is not None:
        config.CourseDirectory.db_url = f"sqlite:///{db_path}"
    config.ExecutePreprocessor.timeout = CELL_TIMEOUT_SECONDS
    config.Execute.timeout = CELL_TIMEOUT_SECONDS
    config.Application.log_level = "WARN"
    return config


def nbgrader_api(config):
    """An in-process nbgrader API: one start-up instead of one per command."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    _put_interpreter_tools_on_path()
    _read_gradebook_schema_in_process()
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _read_gradebook_schema_in_process():
    """A new gradebook records nbgrader's schema version, which nbgrader asks a subprocess
    (``alembic heads``) for: seconds per new gradebook, and each grading worker makes one. The
    same answer comes from alembic's API in a fraction of a second."""
    import nbgrader
    from nbgrader import api

    def schema_version():
        from alembic.config import Config as AlembicConfig
        from alembic.script import ScriptDirectory

        settings = AlembicConfig()
        settings.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
        return ScriptDirectory.from_config(settings).get_current_head()

    api.get_alembic_version = schema_version


def _put_interpreter_tools_on_path():
    """nbgrader runs the ``alembic`` command, which sits beside this interpreter in a venv."""
    tools = str(Path(sys.executable).parent)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")


def require_success(result, what):
    if not result.get("success"):
        detail = result.get("error") or result.get("log") or "no details"
        raise CourseError(f"nbgrader failed to {what}:\n{detail}")
