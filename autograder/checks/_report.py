"""How a check judges a student's return value and words its verdict.

Every failure is an ``AssertionError`` (so nbgrader scores the cell) whose message names the
function, the output, the case, the largest error with expected vs got, and a hint.
"""

import numpy as np

from ..conventions import CHECK_TOLERANCE
from ..grading.numpy_only import numpy_task
from ..reference._guard import ReferenceUsedError, student_code_running


class CheckFailure(AssertionError):
    """A student's function gave a wrong or unusable result."""


def rel_error(expected, got, floor=1e-8):
    """Elementwise |x - y| / max(floor, |x| + |y|): relative, yet finite near zero.

    A float32 framework result needs a larger floor: near zero its rounding error is absolute.
    """
    return np.abs(expected - got) / np.maximum(floor, np.abs(expected) + np.abs(got))


def _pair(expected, got):
    """Format two numbers with just enough digits to show that they differ."""
    for digits in range(4, 12):
        a, b = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if a != b:
            return a, b
    return a, b


def describe_case(index, total, sizes):
    dims = ", ".join(f"{name}={value}" for name, value in sizes.items())
    return f"case {index} of {total}: {dims}"


def call_student(func_name, func, args, case):
    """Call the student's function; turn any exception into a readable failure."""
    if not callable(func):
        raise CheckFailure(f"{func_name}: expected a function, got {type(func).__name__}")
    try:
        with student_code_running(), numpy_task(func_name, ReferenceUsedError):  # "in numpy" tasks: no nn.RNN
            return func(*args)
    except ReferenceUsedError as error:
        raise CheckFailure(f"{func_name}: {error} ({case})") from None
    except NotImplementedError:
        raise CheckFailure(f"{func_name}: not implemented yet (it raised NotImplementedError)") from None
    except Exception as error:  # the student's bug, reported rather than re-raised
        raise CheckFailure(
            f"{func_name} raised {type(error).__name__}: {error} ({case})\n"
            "  hint: compare the shapes in the docstring with the shapes your code multiplies"
        ) from None


def as_checked_array(func_name, output_name, value, expected_shape, case):
    """Validate one returned array: type, finiteness and shape, before any comparison."""
    prefix = f"{func_name}: {output_name}"
    if value is None:
        raise CheckFailure(f"{prefix} is None ({case})\n  hint: did you forget a return statement?")
    module = type(value).__module__
    if module.startswith("torch") or module.startswith("tensorflow"):
        raise CheckFailure(f"{prefix} is a {module.split('.')[0]} tensor ({case}); return a numpy array "
                           "(torch: t.detach().numpy(), TensorFlow: t.numpy())")
    if not isinstance(value, np.ndarray):
        raise CheckFailure(f"{prefix} should be a numpy array, got {type(value).__name__} ({case})")
    if not np.issubdtype(value.dtype, np.number):
        raise CheckFailure(f"{prefix} has dtype {value.dtype}; expected floating-point numbers ({case})")
    if value.shape != expected_shape:
        raise CheckFailure(f"{prefix} has shape {value.shape}, expected {expected_shape} ({case})"
                           f"{_shape_hint(value.shape, expected_shape)}")
    if not np.all(np.isfinite(value)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(value))[0])
        raise CheckFailure(f"{prefix} contains {value[where]} at {list(where)} ({case})\n"
                           "  hint: NaN or inf usually means an uninitialised array (np.empty) or an overflow")
    return value.astype(np.float64)


def _shape_hint(got, expected):
    if sorted(got) == sorted(expected):
        return "\n  hint: the right sizes in the wrong order: batch-major vs time-major, or a transpose"
    return ""


def unpack_outputs(func_name, value, output_names, case):
    """Check that a function meant to return a tuple of len(output_names) did so."""
    if len(output_names) == 1:
        return (value,)
    if not isinstance(value, (tuple, list)) or len(value) != len(output_names):
        what = f"a {type(value).__name__}" if not isinstance(value, (tuple, list)) else f"{len(value)} values"
        raise CheckFailure(f"{func_name} should return a tuple ({', '.join(output_names)}), "
                           f"got {what} ({case})")
    return tuple(value)


def compare(func_name, output_name, expected, got, case, mistakes=(), tolerance=CHECK_TOLERANCE, floor=1e-8):
    """Raise CheckFailure unless ``got`` matches ``expected``; name a catalogued mistake if one fits.

    ``mistakes`` is a sequence of (Mistake, wrong_output) pairs: what the output would be had the
    student made that mistake. The first whose wrong output matches ``got`` supplies the hint.
    """
    errors = rel_error(expected, got, floor)
    worst = np.unravel_index(np.argmax(errors), errors.shape) if errors.size else ()
    if not errors.size or errors[worst] <= tolerance:
        return
    index = [int(i) for i in worst]
    shown_expected, shown_got = _pair(expected[worst], got[worst])
    lines = [
        f"{func_name}: {output_name} is wrong ({case})",
        f"  largest relative error {errors[worst]:.1e} (tolerance {tolerance:.0e}) at {index}: "
        f"expected {shown_expected}, got {shown_got}",
    ]
    matches = recognise(got, mistakes, tolerance, floor)
    if len(matches) == 1:
        lines.append(f"  hint: this looks like '{matches[0].name}': {matches[0].hint}")
    elif matches:
        options = "; ".join(f"'{mistake.name}' ({mistake.hint})" for mistake in matches)
        lines.append(f"  hint: on this case that could be any of: {options}")
    raise CheckFailure("\n".join(lines))


def recognise(got, mistakes, tolerance=CHECK_TOLERANCE, floor=1e-8):
    """Every catalogued mistake whose output equals ``got`` on this case, in catalogue order."""
    return [mistake for mistake, wrong in mistakes
            if wrong is not None and wrong.shape == got.shape
            and np.all(rel_error(wrong, got, floor) <= tolerance)]


def passed(func_name, cases):
    print(f"{func_name}: all {cases} cases passed")
