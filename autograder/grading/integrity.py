"""What a submission's code tries that the grader should tell the instructor about.

``flag_submission(notebook, released)`` reads (never runs) the submitted cells and returns one line
per finding, for ``grading.log`` and the ``flags`` column of ``grades.csv``:

- a name the checks use (``check_*`` or a name the setup cell imports from ``autograder.checks``)
  is defined, assigned, imported under that name or deleted outside the locked cells: under plain
  ``nbgrader autograde`` that replaces the check (here the grader's check runs regardless);
- the course's reference implementation (``autograder.reference``) is imported or named;
- a read-only (locked) cell's source was edited (the grader runs the original);
- the function of a task that says "in numpy" names a framework (torch, keras, tensorflow); at run
  time ``numpy_only.py`` makes the framework's recurrent layers refuse inside such a function.

A flag is information: the score comes from the checks. A flag on an honest notebook is possible
(a student's own helper named ``check_shapes``); the instructor reads the notebook.
"""

import ast

from .numpy_only import is_numpy_task

FRAMEWORKS = ("torch", "keras", "tensorflow", "tf", "tf_keras")


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _grade_id(cell):
    metadata = cell.get("metadata")
    info = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    grade_id = info.get("grade_id") if isinstance(info, dict) else None
    return grade_id if isinstance(grade_id, str) else None  # a hostile notebook may put a list here


def check_names(released_cells):
    """The names the assignment's locked cells import from ``autograder.checks`` or call as
    check_*.
    """
    names = set()
    for cell in released_cells:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse(_source(cell))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "autograder.checks"
            ):
                names.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.Name) and node.id.startswith("check_"):
                names.add(node.id)
    return names


def _bound_names(tree):
    """(name, line) of every name a piece of code binds or deletes at any level."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name, node.lineno
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node.id, node.lineno
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                yield (alias.asname or alias.name).split(".")[0], node.lineno
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, (ast.Store, ast.Del))
            and node.attr.startswith("check_")
        ):
            yield node.attr, node.lineno  # autograder.checks.check_x = ...
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("setattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and str(node.args[1].value).startswith("check_")
        ):
            yield str(node.args[1].value), node.lineno


def _mentions_reference(tree):
    """Lines that import or name ``autograder.reference``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.startswith("autograder.reference") or (
                module == "autograder" and any(a.name == "reference" for a in node.names)
            ):
                lines.append(node.lineno)
        elif isinstance(node, ast.Import) and any(
            a.name.startswith("autograder.reference") for a in node.names
        ):
            lines.append(node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "reference"
            and isinstance(node.value, ast.Name)
            and node.value.id == "autograder"
        ):
            lines.append(node.lineno)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "autograder.reference" in node.value
        ):
            lines.append(node.lineno)
    return sorted(set(lines))


def _framework_names(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in FRAMEWORKS:
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            names.update(m.split(".")[0] for m in modules if m.split(".")[0] in FRAMEWORKS)
    return sorted(names)


def flag_submission(notebook, released):
    """Findings about a submitted notebook; ``released``: grade id -> the student copy's cell."""
    flags = []
    guarded = check_names(released.values())
    for index, cell in enumerate(notebook.get("cells", []), 1):
        if cell.get("cell_type") != "code":
            continue
        grade_id = _grade_id(cell)
        original = released.get(grade_id)
        locked = bool(original and original.get("metadata", {}).get("nbgrader", {}).get("locked"))
        where = f"cell {grade_id}" if grade_id else f"cell {index} (added)"
        if locked:
            if _source(cell).strip() != _source(original).strip():
                flags.append(f"edits the read-only {where}")
            continue
        try:
            tree = ast.parse(_source(cell))
        except SyntaxError:
            continue  # the run will say so
        shadowed = sorted(
            {name for name, _ in _bound_names(tree) if name in guarded or name.startswith("check_")}
        )
        if shadowed:
            flags.append(
                f"redefines the check name{'s' if len(shadowed) > 1 else ''} {', '.join(shadowed)}"
                f" in {where}"
            )
        if _mentions_reference(tree):
            flags.append(f"uses the reference implementation (autograder.reference) in {where}")
        if grade_id and is_numpy_task(grade_id):
            frameworks = _framework_names(tree)
            if frameworks:
                flags.append(
                    f"names {', '.join(frameworks)} in the numpy task {grade_id} (cell {grade_id})"
                )
    return flags
