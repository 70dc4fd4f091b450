"""How a check judges a student's return value and words its verdict.

Every failure is an ``AssertionError`` (so nbgrader scores the cell) whose message names the
function, the output, the case, the largest error with expected vs got, and a hint. Every call
of a student's function goes through ``call_student``; every hint sentence is worded by
``hint_line``.
"""

import re

import numpy as np

from ..conventions import CHECK_TOLERANCE, FLOAT32_FLOOR, FLOAT32_TOLERANCE
from ..grading.numpy_only import numpy_task
from ..reference._guard import ReferenceUsedError, student_code_running


class CheckFailure(AssertionError):
    """A student's function gave a wrong or unusable result.

    In a notebook, IPython shows only the message (``_render_traceback_``): the frames inside
    the course's package would say nothing to the student.
    """

    def _render_traceback_(self):
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


def rel_error(expected, got, floor=1e-8):
    """Elementwise |x - y| / max(floor, |x| + |y|): relative, yet finite near zero.

    A float32 framework result needs a larger floor: near zero its rounding error is absolute.
    """
    expected, got = np.asarray(expected, dtype=np.float64), np.asarray(got, dtype=np.float64)
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


def hint_line(matches):
    """The one sentence that names the mistakes found, or "" when none was.

    ``matches`` holds Mistakes, or tuples of two Mistakes made together.
    """

    def named(match):
        if isinstance(match, tuple):
            return " and ".join(f"'{mistake.name}'" for mistake in match)
        return f"'{match.name}'"

    def advice(match):
        return (
            "; ".join(mistake.hint for mistake in match) if isinstance(match, tuple) else match.hint
        )

    if not matches:
        return ""
    if len(matches) == 1:
        (match,) = matches
        if isinstance(match, tuple):
            return f"  hint: this looks like two mistakes together, {named(match)}: {advice(match)}"
        return f"  hint: this looks like {named(match)}: {advice(match)}"
    options = "; ".join(f"{named(match)} ({advice(match)})" for match in matches)
    return f"  hint: on this case that could be any of: {options}"


# --- calling the student's function ----------------------------------------------------------

# The calls the checks make, to quote when a student's function takes other arguments.
SIGNATURES = {
    "rnn_cell_forward": "rnn_cell_forward(x_t, h_prev, W_x, W_h, b)",
    "rnn_forward": "rnn_forward(x, h0, W_x, W_h, b)",
    "make_torch_rnn": "make_torch_rnn(W_x, W_h, b)",
    "lstm_cell_forward": "lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b)",
    "lstm_forward": "lstm_forward(x, h0, c0, W_x, W_h, b)",
    "gru_cell_forward": (
        "gru_cell_forward(x_t, h_prev, W_x, W_h, b, reset_after=..., z_convention=...)"
    ),
    "gru_forward": "gru_forward(x, h0, W_x, W_h, b, reset_after=..., z_convention=...)",
    "rnn_backward": "rnn_backward(x, h0, W_x, W_h, b, dh_all)",
    "lstm_param_count": "lstm_param_count(features, units, convention)",
}

# Names Python 2 had and Python 3 does not, with what replaces them.
PYTHON2_NAMES = {
    "xrange": "range",
    "raw_input": "input",
    "unicode": "str",
    "basestring": "str",
    "long": "int",
    "unichr": "chr",
    "reduce": "functools.reduce",
    "izip": "zip",
    "imap": "map",
    "iteritems": "items()",
    "itervalues": "values()",
    "iterkeys": "keys()",
    "has_key": "the `in` operator",
    "file": "open",
    "execfile": "exec(open(path).read())",
    "cmp": "(a > b) - (a < b)",
}
# Aliases numpy 1.24 removed, with what replaces them.
NUMPY_REMOVED = {
    "float": "float or np.float64",
    "int": "int or np.int64",
    "bool": "bool",
    "object": "object",
    "complex": "complex",
    "str": "str",
    "asscalar": "a.item()",
}

_ARITY = re.compile(
    r"([\w.<>]+)\(\) (takes|missing|got an unexpected keyword argument|got multiple values)"
)
_NAME = re.compile(r"name '(\w+)' is not defined")
_ATTRIBUTE = re.compile(r"(?:module )?'([\w.]+)'(?: object)? has no attribute '(\w+)'")


def _classified(func_name, error, args, case):
    """The message for an exception the student's function raised, naming its likely cause."""
    kind, text = type(error).__name__, str(error)
    lines = [f"{func_name} raised {kind}: {text} ({case})"]
    arity = _ARITY.match(text) if isinstance(error, TypeError) else None
    name = _NAME.search(text) if isinstance(error, NameError) else None
    attribute = _ATTRIBUTE.search(text) if isinstance(error, AttributeError) else None
    at_call = error.__traceback__ is not None and error.__traceback__.tb_next is None
    called = arity.group(1).split(".")[-1] if arity else ""
    if arity and (called == func_name.split(".")[-1] or at_call):
        expected = SIGNATURES.get(func_name, f"{func_name} with {len(args)} positional arguments")
        lines.append(
            f"  hint: the check calls {expected}; define your function with exactly these "
            "arguments (write an adapter if your code comes from another course)"
        )
    elif arity:
        lines.append(
            f"  hint: inside your function, a call of {called}() passes the wrong arguments: "
            f"compare it with how {called} is defined"
        )
    elif name and name.group(1) in PYTHON2_NAMES:
        lines.append(
            f"  hint: {name.group(1)} is Python 2; in Python 3 use {PYTHON2_NAMES[name.group(1)]}"
        )
    elif name:
        lines.append(
            f"  hint: your code uses the name '{name.group(1)}', which is not defined when it runs:"
            " define or import it (is it defined in a cell you have not run, or misspelt?)"
        )
    elif attribute and attribute.group(2) in PYTHON2_NAMES:
        lines.append(
            f"  hint: .{attribute.group(2)} is Python 2; in Python 3 use"
            f" {PYTHON2_NAMES[attribute.group(2)]}"
        )
    elif attribute and attribute.group(1) == "numpy" and attribute.group(2) in NUMPY_REMOVED:
        lines.append(
            f"  hint: numpy 1.24 removed np.{attribute.group(2)}; use"
            f" {NUMPY_REMOVED[attribute.group(2)]}"
        )
    elif attribute:
        lines.append(
            f"  hint: '{attribute.group(1)}' has no attribute '{attribute.group(2)}': check the "
            "spelling, and what type that value really is"
        )
    elif kind in ("ValueError", "IndexError", "TypeError") and (
        "shape" in text or "broadcast" in text or "index" in text or "dimension" in text
    ):
        lines.append(
            "  hint: compare the shapes in the docstring with the shapes your code multiplies"
        )
    return "\n".join(lines)


def call_student(func_name, func, args, case, kwargs=None):
    """Call the student's function; turn any exception into a readable, classified failure.

    Every check calls student code through here (one place to hook a guard around it).
    """
    if not callable(func):
        raise CheckFailure(f"{func_name}: expected a function, got {type(func).__name__}")
    try:
        # "in numpy" tasks: no nn.RNN
        with student_code_running(), numpy_task(func_name, ReferenceUsedError):
            return func(*args, **(kwargs or {}))
    except ReferenceUsedError as error:
        raise CheckFailure(f"{func_name}: {error} ({case})") from None
    except NotImplementedError:
        raise CheckFailure(
            f"{func_name}: not implemented yet (it raised NotImplementedError)"
        ) from None
    except Exception as error:  # the student's bug, reported rather than re-raised
        raise CheckFailure(_classified(func_name, error, args, case)) from None


def nothing_computed(func_name, case, what="it returned None"):
    return CheckFailure(
        f"{func_name}: {what} ({case})\n  hint: your function computes nothing yet: "
        "finish its body (a placeholder such as `h = None` left in, or a missing return?)"
    )


# --- judging what it returned ----------------------------------------------------------------


def as_checked_array(func_name, output_name, value, expected_shape, case):
    """Validate one returned array: type, finiteness and shape, before any comparison.

    Float32 arrays stay float32 (``compare`` then allows float32 rounding); others become float64.
    """
    prefix = f"{func_name}: {output_name}"
    if value is None:
        raise nothing_computed(func_name, case, f"{output_name} is None")
    module = type(value).__module__
    if module.startswith("torch") or module.startswith("tensorflow"):
        raise CheckFailure(
            f"{prefix} is a {module.split('.')[0]} tensor ({case}); return a numpy array "
            "(torch: t.detach().numpy(), TensorFlow: t.numpy())"
        )
    if (
        isinstance(value, (tuple, list))
        and value
        and isinstance(value[0], np.ndarray)
        and value[0].shape == tuple(expected_shape)
    ):
        raise CheckFailure(
            f"{prefix} is a {type(value).__name__} of {len(value)} values whose first is the "
            f"array expected ({case})\n  hint: this looks like a (value, cache) pair, as "
            "CS231n's step functions return for their backward pass: return the array alone"
        )
    if _looks_like_cache(value):
        raise CheckFailure(
            f"{prefix} should be a numpy array, got a {type(value).__name__} of "
            f"{type(next(iter(value.values() if isinstance(value, dict) else value))).__name__}s "
            f"({case})\n  hint: this looks like CS231n's (outputs, cache) pair, a cache kept for "
            "the backward pass: return the outputs the docstring names and no cache"
        )
    if not isinstance(value, np.ndarray):
        raise CheckFailure(f"{prefix} should be a numpy array, got {type(value).__name__} ({case})")
    if not np.issubdtype(value.dtype, np.number):
        raise CheckFailure(
            f"{prefix} has dtype {value.dtype}; expected floating-point numbers ({case})"
        )
    if value.shape != tuple(expected_shape):
        raise CheckFailure(
            f"{prefix} has shape {value.shape}, expected {tuple(expected_shape)} ({case})"
            f"{_shape_hint(value.shape, tuple(expected_shape))}"
        )
    if not np.all(np.isfinite(value)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(value))[0])
        raise CheckFailure(
            f"{prefix} contains {value[where]} at {list(where)} ({case})\n"
            "  hint: NaN or inf usually means an uninitialised array (np.empty) or an overflow"
        )
    return value if value.dtype == np.float32 else value.astype(np.float64)


def _looks_like_cache(value):
    """A CS231n-style cache: a list, tuple or dict holding tuples, dicts or arrays, not numbers."""
    if not isinstance(value, (tuple, list, dict)) or not value:
        return False
    items = list(value.values() if isinstance(value, dict) else value)
    return any(
        isinstance(v, (tuple, dict))
        or (isinstance(v, list) and any(isinstance(w, np.ndarray) for w in v))
        for v in items
    )


def _shape_hint(got, expected):
    if sorted(got) == sorted(expected):
        return (
            "\n  hint: the right sizes in the wrong order: batch-major vs time-major, or a"
            " transpose"
        )
    return ""


def unpack_outputs(func_name, value, output_names, case):
    """Check that a function meant to return a tuple of len(output_names) did so."""
    if value is None:
        raise nothing_computed(func_name, case)
    if len(output_names) == 1:
        return (value,)
    if isinstance(value, (tuple, list)) and value and all(v is None for v in value):
        raise nothing_computed(func_name, case, f"it returned {len(value)} times None")
    if not isinstance(value, (tuple, list)) or len(value) != len(output_names):
        what = (
            f"a {type(value).__name__}"
            if not isinstance(value, (tuple, list))
            else f"{len(value)} values"
        )
        hint = ""
        if (
            isinstance(value, (tuple, list))
            and len(value) == 2
            and isinstance(value[0], np.ndarray)
            and not isinstance(value[1], np.ndarray)
        ):
            hint = (
                "\n  hint: this looks like CS231n's (outputs, cache) pair: here return "
                f"({', '.join(output_names)}) and no cache"
            )
        raise CheckFailure(
            f"{func_name} should return a tuple ({', '.join(output_names)}), "
            f"got {what} ({case}){hint}"
        )
    return tuple(value)


def tolerances_for(got, tolerance=CHECK_TOLERANCE, floor=1e-8):
    """A float32 result is judged to float32 precision; anything else as asked."""
    if getattr(got, "dtype", None) == np.float32:
        return max(tolerance, FLOAT32_TOLERANCE), max(floor, FLOAT32_FLOOR)
    return tolerance, floor


def compare(
    func_name, output_name, expected, got, case, mistakes=(), tolerance=CHECK_TOLERANCE, floor=1e-8
):
    """Raise CheckFailure unless ``got`` matches ``expected``; name a catalogued mistake if one
    fits.

    ``mistakes`` is a sequence of (Mistake, wrong_output) pairs: what the output would be had the
    student made that mistake. Every one whose wrong output matches ``got`` is named.
    """
    tolerance, floor = tolerances_for(got, tolerance, floor)
    errors = rel_error(expected, got, floor)
    worst = np.unravel_index(np.argmax(errors), errors.shape) if errors.size else ()
    if not errors.size or errors[worst] <= tolerance:
        return
    raise CheckFailure(
        "\n".join(
            mismatch_lines(
                func_name,
                output_name,
                expected,
                got,
                case,
                errors,
                worst,
                tolerance,
                recognise(got, mistakes, tolerance, floor),
            )
        )
    )


def mismatch_lines(func_name, output_name, expected, got, case, errors, worst, tolerance, matches):
    index = [int(i) for i in worst]
    shown_expected, shown_got = _pair(float(expected[worst]), float(got[worst]))
    lines = [
        f"{func_name}: {output_name} is wrong ({case})",
        (
            f"  largest relative error {errors[worst]:.1e} (tolerance {tolerance:.0e}) at {index}: "
            f"expected {shown_expected}, got {shown_got}"
        ),
    ]
    hint = layout_hint(output_name, expected, got) or hint_line(matches)
    if not hint and np.all(rel_error(expected, got, FLOAT32_FLOOR) <= FLOAT32_TOLERANCE):
        hint = (
            "  hint: right to float32 precision only: your code computes in float32 somewhere "
            "(np.float32, a framework layer); compute in float64"
        )
    if hint:
        lines.append(hint)
    return lines


_AXIS_NAMES = {2: ("batch", "units"), 3: ("batch", "time", "units")}


def layout_hint(output_name, expected, got):
    """Name another course's layout when ``got`` holds the right numbers arranged another way.

    deeplearning.ai's "step by step" RNN keeps column vectors: a state is (units, batch) and a
    sequence (units, batch, time); a time-major loop gives (time, batch, units).
    """
    from itertools import permutations

    expected, got = np.asarray(expected), np.asarray(got)
    # states only: a gradient's axes are others
    if not re.match(r"(h_|c_|gates|output)", output_name):
        return ""
    if expected.ndim not in _AXIS_NAMES or got.ndim != expected.ndim:
        return ""
    names = _AXIS_NAMES[expected.ndim]
    known = [(1, 0)] if expected.ndim == 2 else [(2, 0, 1), (1, 0, 2)]
    others = [order for order in permutations(range(expected.ndim)) if order not in known]
    for order in known + others:  # got axis k is expected axis order[k]
        if list(order) == sorted(order):
            continue
        arranged = expected.transpose(order)
        if arranged.shape != got.shape or not np.allclose(arranged, got, rtol=1e-6, atol=1e-9):
            continue
        layout = "(" + ", ".join(names[k] for k in order) + ")"
        if order[0] == len(order) - 1:
            layout += ", deeplearning.ai's column-vector layout"
        elif expected.ndim == 3 and order[0] == 1:
            layout += ", time-major where the check wants batch-major"
        back = tuple(int(i) for i in np.argsort(order))
        fix = f"{output_name}.T" if expected.ndim == 2 else f"{output_name}.transpose{back}"
        return (
            f"  hint: these are the right numbers in the layout {layout}: return {fix}, "
            f"shape ({', '.join(names)})"
        )
    return ""


def recognise(got, mistakes, tolerance=CHECK_TOLERANCE, floor=1e-8):
    """Every catalogued mistake whose output equals ``got`` on this case, in catalogue order."""
    tolerance, floor = tolerances_for(got, tolerance, floor)
    return [
        mistake
        for mistake, wrong in mistakes
        if wrong is not None
        and np.shape(wrong) == got.shape
        and np.all(rel_error(wrong, got, floor) <= tolerance)
    ]


def passed(func_name, cases):
    print(f"{func_name}: all {cases} cases passed")
