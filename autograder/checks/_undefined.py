"""Why a graded function is not defined: usually because the cell that defines it did not run.

A grade cell such as ``check_rnn_forward(rnn_forward)`` fails with ``NameError: name
'rnn_forward' is not defined`` when the answer cell raised a SyntaxError or IndentationError:
Python compiles a whole cell before running any of it, so nothing in it was defined. The
executed notebook still holds that cell's error, so the reason can be told here. Used by the
self-check and by the grader, which both see the executed cells.
"""

import re

_NOT_DEFINED = re.compile(r"name '(\w+)' is not defined")
_COMPILE_ERRORS = ("SyntaxError", "IndentationError", "TabError")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _defines(source, name):
    return (
        re.search(rf"^(?:async\s+)?(?:def|class)\s+{name}\b|^{name}\s*=", source, re.M) is not None
    )


def _article(word):
    return f"an {word}" if word[0] in "AEIOU" else f"a {word}"


def _where(error):
    """'line 3' from IPython's rendering of a SyntaxError, when it shows one."""
    text = _ANSI.sub(
        "", "\n".join(error.get("traceback") or []) + " " + str(error.get("evalue", ""))
    )
    line = re.search(r"line (\d+)", text)
    return f" on line {line.group(1)} of that cell" if line else ""


def why_not_defined(error, earlier_cells):
    """A sentence explaining a NameError output ``error``, from the executed cells before it, or "".

    ``error`` is an nbformat error output; ``earlier_cells`` are the notebook's cells before the
    failing one, with their outputs.
    """
    if error.get("ename") != "NameError":
        return ""
    found = _NOT_DEFINED.search(_ANSI.sub("", str(error.get("evalue", ""))))
    if not found:
        return ""
    name = found.group(1)
    defining = [
        cell
        for cell in earlier_cells
        if cell.get("cell_type") == "code" and _defines("".join(cell.get("source", "")), name)
    ]
    if not defining:
        return (
            f"no cell above defines {name}: keep the function's name as the task gives it "
            f"(def {name}(...))"
        )
    cell = defining[-1]
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if errors and errors[0].get("ename") in _COMPILE_ERRORS:
        first = errors[0]
        message = _ANSI.sub("", str(first.get("evalue", ""))).split(" (")[0]
        return (
            f"the cell that defines {name} did not run: Python stopped at"
            f" {_article(first['ename'])} ({message}){_where(first)}, so nothing in that cell was"
            " defined; fix it and run the cell again"
        )
    if errors:
        return (
            f"the cell that defines {name} stopped with {errors[0].get('ename')} before "
            f"{name} was defined"
        )
    if cell.get("execution_count") is None:
        return f"the cell that defines {name} has not been run"
    return ""


def explained_outputs(outputs, earlier_cells):
    """A grade cell's outputs with a NameError's message extended by ``why_not_defined``.

    The grader words a check that did not run from these outputs; the copy leaves the executed
    notebook's own outputs alone.
    """
    explained = []
    for output in outputs or []:
        reason = (
            why_not_defined(output, earlier_cells) if output.get("output_type") == "error" else ""
        )
        if reason:
            output = {**output, "evalue": f"{output.get('evalue', '')}: {reason}"}
        explained.append(output)
    return explained
