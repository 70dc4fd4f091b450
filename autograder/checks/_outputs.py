"""Validating the richer return values of ps02-ps06 (dicts, integers, several arrays) before
comparing.

Every helper raises ``CheckFailure`` with the same wording as ``_report``: the function, the
output, the case, and a hint where one is known.
"""

import numbers

import numpy as np

from ..conventions import CHECK_TOLERANCE
from ._report import CheckFailure, _pair, as_checked_array, call_student, compare, rel_error


def call_with_options(func_name, func, args, options, case):
    """``call_student`` with keyword options (e.g. reset_after=True) after the positional
    arguments.
    """
    if not callable(func):
        raise CheckFailure(f"{func_name}: expected a function, got {type(func).__name__}")
    return call_student(func_name, lambda *a: func(*a, **options), args, case)


def checked_array(func_name, output_name, value, expected_shape, case, shape_mistakes=()):
    """``as_checked_array``, naming a catalogued mistake when the shape itself gives it away.

    ``shape_mistakes`` holds (Mistake, wrong_shape) pairs: the shape a mistake would produce.
    """
    for mistake, wrong_shape in shape_mistakes:
        if isinstance(value, np.ndarray) and value.shape == tuple(wrong_shape) != tuple(
            expected_shape
        ):
            raise CheckFailure(
                f"{func_name}: {output_name} has shape {value.shape}, expected "
                f"{tuple(expected_shape)} ({case})\n"
                f"  hint: this looks like '{mistake.name}': {mistake.hint}"
            )
    return as_checked_array(func_name, output_name, value, tuple(expected_shape), case)


def checked_dict(func_name, output_name, value, expected_shapes, case):
    """Validate a returned dict: exactly the expected keys, each an array of the expected shape."""
    if not isinstance(value, dict):
        raise CheckFailure(
            f"{func_name}: {output_name} should be a dict with keys {sorted(expected_shapes)}, "
            f"got {type(value).__name__} ({case})"
        )
    missing = [key for key in expected_shapes if key not in value]
    if missing:
        raise CheckFailure(
            f"{func_name}: {output_name} lacks the key(s) {missing}; expected exactly "
            f"{list(expected_shapes)}, got {list(value)} ({case})"
        )
    return {
        key: as_checked_array(func_name, f"{output_name}[{key!r}]", value[key], shape, case)
        for key, shape in expected_shapes.items()
    }


def checked_number(func_name, output_name, value, case, integer=False):
    """Validate a returned scalar: a real number (a whole one if ``integer``), not an array or
    None.
    """
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if value is None:
        raise CheckFailure(
            f"{func_name}: {output_name} is None ({case})\n  hint: did you forget a return"
            " statement?"
        )
    wanted = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, wanted):
        kind = "a whole number (int)" if integer else "a number"
        raise CheckFailure(
            f"{func_name}: {output_name} should be {kind}, got {type(value).__name__} "
            f"{value!r} ({case})"
        )
    return int(value) if integer else float(value)


def compare_exact(func_name, output_name, expected, got, case, mistakes=()):
    """Raise unless the whole number ``got`` equals ``expected``; name the mistake whose count it
    is.
    """
    if got == expected:
        return
    lines = [f"{func_name}: {output_name} is wrong ({case})", f"  expected {expected}, got {got}"]
    named = [mistake for mistake, wrong in mistakes if wrong == got]
    if len(named) == 1:
        lines.append(f"  hint: this looks like '{named[0].name}': {named[0].hint}")
    elif named:
        lines.append(
            "  hint: that could be any of: " + "; ".join(f"'{m.name}' ({m.hint})" for m in named)
        )
    raise CheckFailure("\n".join(lines))


def compare_outputs(func_name, names, expected, got, case, variants, **tolerances):
    """Compare several named outputs in order, each with the outputs every mistake would give.

    ``expected`` and ``got`` map output names to arrays; ``variants`` is a list of
    (Mistake, outputs) pairs where outputs maps the same names to what that mistake produces
    (a missing name or None means the mistake cannot be told apart on that output).
    """
    for name in names:
        mistakes = [(mistake, outputs.get(name)) for mistake, outputs in variants]
        compare(func_name, name, expected[name], got[name], case, mistakes, **tolerances)


def compare_number(
    func_name, output_name, expected, got, case, mistakes=(), tolerance=CHECK_TOLERANCE
):
    """``compare`` for a single float: the same message without an index."""
    error = float(rel_error(np.float64(expected), np.float64(got)))
    if error <= tolerance:
        return
    shown_expected, shown_got = _pair(expected, got)
    lines = [
        f"{func_name}: {output_name} is wrong ({case})",
        (
            f"  relative error {error:.1e} (tolerance {tolerance:.0e}): expected {shown_expected},"
            f" got {shown_got}"
        ),
    ]
    named = [
        mistake
        for mistake, wrong in mistakes
        if wrong is not None and rel_error(wrong, got) <= tolerance
    ]
    if len(named) == 1:
        lines.append(f"  hint: this looks like '{named[0].name}': {named[0].hint}")
    elif named:
        lines.append(
            "  hint: on this case that could be any of: "
            + "; ".join(f"'{m.name}' ({m.hint})" for m in named)
        )
    raise CheckFailure("\n".join(lines))
