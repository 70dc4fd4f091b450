"""Feedback a student can read: the check's message, not the hidden test code or a traceback."""

import re

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class RedactHiddenTests(NbGraderPreprocessor):
    """Blank out hidden-test code wherever it appears in outputs.

    The kernel executes grade cells with their hidden tests, so a notebook can capture that source
    (an IPython hook, ``In``) and print it in a later cell; the feedback must not pass it on. Runs
    before ``HideTestSource``, while the grade cells still hold their hidden regions.
    """

    def preprocess(self, nb, resources):
        lines = set()
        for cell in nb.cells:
            for region in HIDDEN_REGION.findall(cell.source if cell.cell_type == "code" else ""):
                lines.update(line.strip() for line in region.splitlines() if len(line.strip()) > 3)
        if lines:
            lines.update(("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
            pattern = re.compile("|".join(re.escape(line) for line in sorted(lines, key=len, reverse=True)))
            for cell in nb.cells:
                for output in cell.get("outputs", []):
                    _redact(output, pattern)
        return nb, resources


HIDDEN_REGION = re.compile(r"BEGIN HIDDEN TESTS.*?\n(.*?)[^\n]*END HIDDEN TESTS", re.S)


def _redact(output, pattern):
    hidden = "[hidden test]"
    if isinstance(output.get("text"), str):
        output["text"] = pattern.sub(hidden, output["text"])
    for key, value in output.get("data", {}).items():
        if isinstance(value, str):
            output["data"][key] = pattern.sub(hidden, value)
        elif isinstance(value, list):
            output["data"][key] = [pattern.sub(hidden, v) if isinstance(v, str) else v for v in value]
    if output.get("output_type") == "error":
        output["evalue"] = pattern.sub(hidden, str(output.get("evalue", "")))
        output["traceback"] = [pattern.sub(hidden, str(line)) for line in output.get("traceback", [])]


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
