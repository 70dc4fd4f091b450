"""Feedback a student can read: the check's message, not the hidden test code or a traceback."""

import re

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class HideTestSource(ClearHiddenTests):
    """Remove hidden-test regions from grade cells, as in the student copy."""

    enforce_metadata = False


class ShortenErrors(NbGraderPreprocessor):
    """Replace each error's traceback (which quotes test code) by its final line: the message."""

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output['ename']}: {ANSI_ESCAPE.sub('', output['evalue'])}"]
        return cell, resources
