"""Generate the student copies in ``exercises/`` from the nbgrader sources in ``solutions/``."""

import shutil
import tempfile
from pathlib import Path

from .course import COURSE_ROOT, find_assignment, nbgrader_api, nbgrader_config, require_success


def release(name, root=COURSE_ROOT, exercises_dir=None):
    """Write the student version of assignment ``name`` into ``exercises/<assignment>/``.

    The gradebook that nbgrader needs for this lives in a temporary folder and is discarded.
    ``exercises_dir`` redirects the output (the tests use it to compare with the committed copy).
    """
    assignment = find_assignment(name, root)
    target_root = Path(exercises_dir) if exercises_dir else Path(root) / "exercises"
    with tempfile.TemporaryDirectory() as work:
        config = nbgrader_config(
            root,
            source="solutions",
            release=str(Path(work) / "release"),
            db_path=Path(work) / "gradebook.db",
        )
        require_success(
            nbgrader_api(config).generate_assignment(assignment.name, force=True),
            f"generate the student copy of {assignment.name}",
        )
        target = target_root / assignment.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(Path(work) / "release" / assignment.name, target)
    return target


def release_all(root=COURSE_ROOT):
    return [
        release(p.name, root) for p in sorted((Path(root) / "solutions").glob("ps*")) if p.is_dir()
    ]
