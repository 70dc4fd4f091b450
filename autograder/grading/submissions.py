"""Find the submissions of a class in the layouts instructors have: flat or nbgrader's."""

from dataclasses import dataclass
from pathlib import Path
import re

from .course import CourseError

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")


@dataclass(frozen=True)
class Submission:
    student_id: str
    notebook: Path


def find_submissions(path, assignment_name):
    """List the submissions under ``path``.

    Two layouts are accepted: a flat folder of ``<student_id>.ipynb`` files (an LMS download), or
    nbgrader's ``submitted/<student_id>/<assignment>/<notebook>.ipynb``.
    """
    path = Path(path)
    if not path.is_dir():
        raise CourseError(f"submissions folder {path} does not exist")
    flat = sorted(p for p in path.glob("*.ipynb") if p.is_file())
    nested = sorted(path.glob(f"*/{assignment_name}/*.ipynb"))
    if flat and nested:
        raise CourseError(f"{path} mixes a flat folder of notebooks with nbgrader's submitted/ layout")
    found = [Submission(p.stem, p) for p in flat] or _nbgrader_layout(nested)
    if not found:
        raise CourseError(f"no notebooks in {path}: expected <student_id>.ipynb files or "
                          f"<student_id>/{assignment_name}/*.ipynb")
    for submission in found:
        if not STUDENT_ID.match(submission.student_id):
            raise CourseError(f"{submission.notebook}: {submission.student_id!r} is not a usable student id "
                              "(letters, digits, and . _ @ - only)")
    return found


def _nbgrader_layout(notebooks):
    by_student = {}
    for notebook in notebooks:
        by_student.setdefault(notebook.parent.parent.name, []).append(notebook)
    for student, books in by_student.items():
        if len(books) != 1:
            raise CourseError(f"student {student} submitted {len(books)} notebooks; expected one")
    return [Submission(student, books[0]) for student, books in sorted(by_student.items())]
