"""Grade a class: nbgrader's autograde and feedback underneath, a CSV and HTML files on top.

Every submission is copied into a temporary course directory before anything runs, so the
submitted files are never modified.
"""

import csv
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .course import COURSE_ROOT, find_assignment, nbgrader_api, nbgrader_config, require_success
from .feedback import HideTestSource, ShortenErrors
from .submissions import find_submissions


@dataclass
class Result:
    student_id: str
    score: float = 0.0
    max_score: float = 0.0
    cells: dict = field(default_factory=dict)  # grade cell id -> score
    problem: str = ""


def grade(assignment_name, submissions_path, out_dir, root=COURSE_ROOT):
    """Grade every submission of ``assignment_name`` under ``submissions_path`` into ``out_dir``.

    Writes ``out_dir/grades.csv`` and ``out_dir/feedback/<student_id>.html``; returns the results.
    """
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # raised inside nbgrader's own gradebook code
        return _grade_class(assignment_name, submissions_path, out_dir, root)


def _grade_class(assignment_name, submissions_path, out_dir, root):
    assignment = find_assignment(assignment_name, root)
    submissions = find_submissions(submissions_path, assignment.name)
    out = Path(out_dir)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="grade-") as work:
        work = Path(work)
        api = _prepared_course(work, assignment)
        notebook_name = assignment.notebooks[0].name
        for submission in submissions:
            target = work / "submitted" / submission.student_id / assignment.name / notebook_name
            target.parent.mkdir(parents=True)
            shutil.copyfile(submission.notebook, target)
        results = [_grade_one(api, work, assignment.name, s.student_id, out) for s in submissions]
        cell_ids = _grade_cell_ids(work, assignment.name)
    _write_csv(out / "grades.csv", assignment.name, cell_ids, results)
    return results


def _prepared_course(work, assignment):
    """A course directory in ``work`` whose gradebook knows the assignment and its hidden tests."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    shutil.copytree(assignment.source_dir, work / "source" / assignment.name)
    config = nbgrader_config(work, db_path=work / "gradebook.db")
    config.GenerateFeedback.preprocessors = [GetGrades, HideTestSource, ShortenErrors, CSSHTMLHeaderPreprocessor]
    api = nbgrader_api(config)
    require_success(api.generate_assignment(assignment.name, force=True), f"prepare {assignment.name}")
    return api


def _grade_one(api, work, assignment_name, student_id, out):
    result = Result(student_id)
    graded = api.autograde(assignment_name, student_id)
    if not graded.get("success"):
        result.problem = _last_line(graded.get("error") or graded.get("log"))
        return result
    feedback = api.generate_feedback(assignment_name, student_id)
    html = sorted((work / "feedback" / student_id / assignment_name).glob("*.html"))
    if feedback.get("success") and html:
        shutil.copyfile(html[0], out / "feedback" / f"{student_id}.html")
    else:
        result.problem = "feedback could not be generated: " + _last_line(feedback.get("error"))
    _read_scores(work, assignment_name, result)
    return result


def _read_scores(work, assignment_name, result):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment_name, result.student_id)
        result.score, result.max_score = submission.score, submission.max_score
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                result.cells[grade.name] = grade.score


def _grade_cell_ids(work, assignment_name):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gradebook:
        assignment = gradebook.find_assignment(assignment_name)
        return [(cell.name, cell.max_score) for nb in assignment.notebooks for cell in nb.grade_cells]


def _write_csv(path, assignment_name, cell_ids, results):
    max_total = sum(points for _, points in cell_ids)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "assignment", "score", "max_score", *[c for c, _ in cell_ids], "problem"])
        for r in results:
            writer.writerow([r.student_id, assignment_name, _number(r.score), _number(max_total),
                             *[_number(r.cells.get(c, 0.0)) for c, _ in cell_ids], r.problem])


def _number(value):
    return f"{value:g}"


def _last_line(text):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"
