"""Build ps01 submissions the way a student would: the student copy with the function cells filled
in.
"""

import copy
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "ps01-rnn" / "ps01-rnn.ipynb"
STUDENT_COPY = ROOT / "exercises" / "ps01-rnn" / "ps01-rnn.ipynb"
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION\n?", re.S)
PLACEHOLDER = "# YOUR CODE HERE\n    raise NotImplementedError()"


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solution_bodies():
    """Each function cell's solution code (indented as in the function), by cell id."""
    notebook = json.loads(SOLUTION.read_text())
    return {
        _grade_id(c): SOLUTION_REGION.search(_source(c)).group(1).rstrip("\n")
        for c in notebook["cells"]
        if SOLUTION_REGION.search(_source(c))
    }


class Submission:
    """A student's notebook under construction."""

    def __init__(self, bodies=None):
        """``bodies``: function cell id -> code replacing the placeholder (default: the
        solution).
        """
        self.notebook = json.loads(STUDENT_COPY.read_text())
        chosen = solution_bodies()
        chosen.update(bodies or {})
        for cell in self.notebook["cells"]:
            body = chosen.get(_grade_id(cell))
            if body is not None and PLACEHOLDER in _source(cell):
                cell["source"] = _source(cell).replace(PLACEHOLDER, body.strip("\n").lstrip())

    def cell(self, grade_id):
        return next(c for c in self.notebook["cells"] if _grade_id(c) == grade_id)

    def index(self, grade_id):
        return self.notebook["cells"].index(self.cell(grade_id))

    def prepend_to(self, grade_id, code):
        """Put code at the top of a function cell (module level, before the def)."""
        cell = self.cell(grade_id)
        cell["source"] = code.rstrip("\n") + "\n\n\n" + _source(cell)
        return self

    def set_source(self, grade_id, source):
        self.cell(grade_id)["source"] = source
        return self

    def insert_after(self, grade_id, source, nbgrader=None):
        cell = {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": source,
        }
        if nbgrader:
            cell["metadata"]["nbgrader"] = nbgrader
        self.notebook["cells"].insert(self.index(grade_id) + 1, cell)
        return self

    def delete(self, grade_id):
        self.notebook["cells"].remove(self.cell(grade_id))
        return self

    def bytes(self):
        return json.dumps(self.notebook, indent=1).encode()

    def copy(self):
        return copy.deepcopy(self)
