"""The grader's side of every check: real checks, run outside the student's reach.

A grade cell such as ``check_rnn_forward(rnn_forward)`` runs in the sandboxed kernel, where
``check_rnn_forward`` only sends a request here (``kernel_checks.py``). This service runs the real
check in the grader's process with a stand-in for ``rnn_forward`` that calls the student's
function back in the kernel over the socket, case by case. The verdict is decided here, with the
grader's own numpy, checks and reference, and recorded here; the kernel only hears it.

So monkeypatching ``numpy.allclose``, the check functions or IPython's error display changes
nothing: the graded notebook's grade-cell outputs are replaced by the verdicts recorded here
(``GradingExecute``), and nbgrader scores those. To keep the service from becoming an oracle,
it serves only the check calls written in the grade cell being executed (parsed from the
instructor's source, which nbgrader restores), each at most once.

A grade cell whose checks have variants (``run_cases(..., variant_of=...)``) earns partial credit:
its calls all run even after one fails, and when some variants are right the cell shows the
messages and then, as its result, the score (``partial_score``), which nbgrader's autograde
records as the cell's points. Any other failing cell ends with an error, worth nothing.
"""

import ast
import builtins
import contextlib
import io
import os
import socket
import threading
from dataclasses import dataclass, field

from nbformat.v4 import new_output

from ..checks._runner import partial_score, recording_variants, variants_line
from . import wire
from .results import BoundedLog, printable


@dataclass(frozen=True)
class PlannedCall:
    """One check call written in a grade cell: its name and its arguments' shapes."""

    check: str
    args: tuple  # each ("name", identifier) or ("value", constant)
    kwargs: tuple  # sorted (keyword, ("name" | "value", ...)) pairs


@dataclass
class Verdict:
    check: str
    passed: bool
    text: str
    variants: dict = None  # {variant: right} for a check with variants, else None


class StudentCodeStopped(BaseException):
    """The student's function did not return (time limit, exit, dead kernel, memory), or returned
    something the grader refuses to judge (complex numbers, an unreadable value).

    A BaseException, so that the check's own handling of a student's exceptions lets it through
    and the verdict names what happened instead of a shape hint.
    """


LOW_PRECISION_DIGITS = {"float32": 7, "float16": 3, "bfloat16": 2}


@dataclass
class _Returned:
    """What the student's functions returned during one check: enough to explain a failure."""

    calls: int = 0
    low_precision: set = field(default_factory=set)  # e.g. {"float32"}


def plan_grade_cell(source):
    """The check calls a grade cell makes, or None if the cell does anything else.

    Accepted: an optional docstring, then statements that are each one call ``check_*(...)``
    whose arguments are names or literals. Such a cell is judged by this service; any other
    grade cell is judged in the kernel, as nbgrader does.
    """
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return None
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    calls = []
    for statement in body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id.startswith("check_")
        ):
            return None
        args = tuple(_argument(node) for node in call.args)
        kwargs = tuple(
            sorted((k.arg, _argument(k.value)) for k in call.keywords if k.arg is not None)
        )
        if (
            None in args
            or any(shape is None for _, shape in kwargs)
            or len(kwargs) != len(call.keywords)
        ):
            return None
        calls.append(PlannedCall(call.func.id, args, kwargs))
    return calls or None


def _argument(node):
    if isinstance(node, ast.Name):
        return ("name", node.id)
    try:
        return ("value", ast.literal_eval(node))
    except (ValueError, SyntaxError):
        return None


@dataclass
class _Cell:
    grade_id: str
    plan: list
    served: set = field(default_factory=set)


class CheckService:
    """Listens on a unix socket for one submission's check requests, one connection at a time."""

    def __init__(self, socket_path, call_timeout, memory_mb):
        self.socket_path = str(socket_path)
        self.call_timeout = call_timeout
        self.memory_mb = memory_mb
        self.verdicts = {}  # grade id -> {planned call index: Verdict}
        self.log = BoundedLog()  # refused requests and the checks' own faults, for the grading log
        self.returned = _Returned()
        self._cell = None
        self._lock = threading.Lock()
        self._connection = None
        self._closing = False
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.socket_path)
        self._listener.listen(4)
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, name="check-service", daemon=True)
        self._thread.start()

    # --- called by the executing preprocessor

    def begin_cell(self, grade_id, plan):
        with self._lock:
            self._cell = _Cell(grade_id, plan) if grade_id and plan else None

    def end_cell(self):
        with self._lock:
            self._cell = None

    def close(self):
        self._closing = True
        connection = self._connection
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=self.call_timeout + 5)
        self._listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)

    def outputs_for(self, grade_id, plan, kernel_outputs, not_run_reason=None, points=None):
        """The grade cell's outputs as the recorded verdicts say, whatever the kernel showed.

        With ``points`` given, a cell whose variants are partly right gets its messages as text
        and its partial score as the cell's result (see ``partial_outputs``).
        """
        recorded = self.verdicts.get(grade_id, {})
        partial = partial_outputs([recorded.get(index) for index in range(len(plan))], points)
        if partial:
            return partial
        outputs = []
        for index, call in enumerate(plan):
            verdict = recorded.get(index)
            if verdict is None:
                outputs.append(_error(_not_run_message(call.check, kernel_outputs, not_run_reason)))
                break
            if not verdict.passed:
                outputs.append(_error(verdict.text))
                break
            outputs.append(new_output("stream", name="stdout", text=verdict.text + "\n"))
        return outputs

    @property
    def refused(self):
        """The grading log's lines from this service: escaped, truncated, repeats summarised."""
        return self.log.lines()

    # --- the socket side

    def _serve(self):
        while not self._closing:
            try:
                connection, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._connection = connection
            try:
                with connection:
                    connection.settimeout(self.call_timeout)
                    self._handle(connection)
            # the kernel went away or sent garbage: nothing is recorded for it
            except Exception as error:
                self.log.add(
                    f"a check request failed: {type(error).__name__}: {printable(error, 200)}"
                )
            finally:
                self._connection = None

    def _handle(self, connection):
        request = wire.receive(
            connection, function=lambda id_, name: _RemoteFunction(self, connection, id_, name)
        )
        name = request.get("name")
        args, kwargs = request.get("args"), request.get("kwargs")
        if (
            request.get("op") != "check"
            or not isinstance(name, str)
            or not isinstance(args, list)
            or not isinstance(kwargs, dict)
            or not all(isinstance(k, str) for k in kwargs)
        ):
            raise wire.WireError("not a check request")
        with self._lock:
            cell = self._cell
            index = _match(cell, name, args, kwargs) if cell else None
            if index is not None:
                cell.served.add(index)
        if index is None:
            if cell is not None:
                self.log.add(
                    f"{cell.grade_id}: {printable(name, 80)} was not expected there (or already"
                    " ran)"
                )
            text = (
                f"{printable(name, 80)}: checks run only where the graded cells call them while"
                " grading; not run here"
            )
            wire.send(
                connection,
                {"op": "verdict", "passed": False, "skipped": cell is None, "text": text},
            )
            return
        verdict = self._run_check(name, args, kwargs, cell.grade_id)
        self.verdicts.setdefault(cell.grade_id, {})[index] = verdict
        # a failed check with variants lets the cell's later calls run: they may add right variants
        go_on = (
            not verdict.passed
            and verdict.variants is not None
            and len(cell.served) < len(cell.plan)
        )
        wire.send(
            connection,
            {"op": "verdict", "passed": verdict.passed, "text": verdict.text, "go_on": go_on},
        )

    def _run_check(self, name, args, kwargs, grade_id=""):
        import autograder.checks as checks

        check = getattr(checks, name, None)
        if not callable(check):
            return Verdict(name, False, f"{printable(name, 80)} is not one of the course's checks")
        # the student's objects passed to the check directly
        for value in [*args, *kwargs.values()]:
            problem = _refused_value(value, "the value passed to the check")
            if problem:
                return Verdict(name, False, f"{name}: {problem}")
        self.returned = _Returned()
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed), recording_variants() as variants:
                check(*args, **kwargs)
        except AssertionError as failure:
            return Verdict(
                name, False, str(failure) + self._precision_note(str(failure)), variants or None
            )
        except StudentCodeStopped as stop:
            return Verdict(name, False, str(stop))
        except Exception as error:
            return Verdict(name, False, self._fault(name, args, kwargs, error, grade_id))
        return Verdict(name, True, printed.getvalue().strip(), variants or None)

    def _precision_note(self, text):
        """Say when low precision is the likely cause of a numeric mismatch."""
        if not self.returned.low_precision or " is wrong" not in text:
            return ""
        kinds = sorted(self.returned.low_precision)
        digits = min(LOW_PRECISION_DIGITS[kind] for kind in kinds)
        return (
            f"\n  note: your function returned {' and '.join(kinds)} numbers, which keep about"
            f" {digits} significant digits; the check compares more digits than that, so compute in"
            " float64 (e.g. np.asarray(x, dtype=np.float64) or tensor.double())"
        )

    def _fault(self, name, args, kwargs, error, grade_id):
        """A check that raised something other than a verdict: whose problem is it?

        When the check had the student's values in hand (a function's return value or an object
        passed to it), the student's object is what it could not handle: the verdict says so in
        the student's terms, and the log keeps the detail for the instructor. Only a check that
        failed before any student value reached it is the course's fault.
        """
        detail = f"{type(error).__name__}: {printable(error, 300)}"
        student_values = self.returned.calls or any(
            not callable(v) and not _plain(v) for v in [*args, *kwargs.values()]
        )
        self.log.add(
            f"{grade_id}: {name} raised {detail}"
            + (" on the student's value" if student_values else "")
        )
        if student_values:
            return (
                f"{name} could not use what your code gave it ({detail}); check that your function "
                "returns what the task asks for: its type, dtype and shape"
            )
        return f"{name} could not finish ({detail}); please tell your instructor"


def _plain(value):
    return value is None or type(value) in (bool, int, float, str)


def _refused_value(value, what, depth=0):
    """Why the grader will not judge ``value`` (complex numbers), or None."""
    if depth > 8:
        return None
    if (
        isinstance(value, complex)
        or type(value).__name__ == "complex"
        and isinstance(value, wire.Opaque)
    ):
        return f"{what} is a complex number; the task asks for real numbers"
    dtype = getattr(value, "dtype", None)
    if dtype is not None and (
        getattr(dtype, "kind", "") == "c" or getattr(value, "is_complex", lambda: False)()
    ):
        return (
            f"{what} holds complex numbers ({dtype}); the task asks for real numbers "
            "(complex values would lose their imaginary part in the comparison)"
        )
    if isinstance(value, (list, tuple)):
        items = value
    elif isinstance(value, dict):
        items = list(value.values())
    else:
        return None
    for item in items[:1000]:
        problem = _refused_value(item, what, depth + 1)
        if problem:
            return problem
    return None


def _low_precision(value, found, depth=0):
    dtype = str(getattr(value, "dtype", ""))
    for name in LOW_PRECISION_DIGITS:
        if dtype.endswith(name):
            found.add(name)
    if depth < 8 and isinstance(value, (list, tuple, dict)):
        for item in list(value.values() if isinstance(value, dict) else value)[:1000]:
            _low_precision(item, found, depth + 1)


class _RemoteFunction:
    """Stands for a student's function in the grader: each call runs in the kernel."""

    def __init__(self, service, connection, function_id, name):
        self.service, self.connection, self.function_id, self.__name__ = (
            service,
            connection,
            function_id,
            name,
        )

    def __call__(self, *args, **kwargs):
        name = self.__name__
        try:
            wire.send(
                self.connection,
                {"op": "call", "function": self.function_id, "args": list(args), "kwargs": kwargs},
            )
            reply = wire.receive(self.connection)
        except socket.timeout:
            raise StudentCodeStopped(
                f"{name} did not return within {self.service.call_timeout:g} s"
            ) from None
        except (EOFError, OSError):
            raise StudentCodeStopped(
                f"the kernel stopped while {name} was running "
                "(it exited, was killed, or ran out of memory)"
            ) from None
        except wire.WireError as error:
            raise StudentCodeStopped(
                f"{name} returned something the grader cannot read: {error}"
            ) from None
        if reply.get("op") == "returned":
            value = reply.get("value")
            problem = _refused_value(value, f"the value {name} returned")
            if problem:
                raise StudentCodeStopped(problem)
            returned = self.service.returned
            returned.calls += 1
            _low_precision(value, returned.low_precision)
            return value
        if reply.get("op") == "raised":
            raise self._rebuilt(
                str(reply.get("type"))[:100], printable(reply.get("message"), 2000, newlines=True)
            )
        raise StudentCodeStopped(f"{name}: the kernel sent an unexpected reply")

    def _rebuilt(self, type_name, message):
        """The student's exception, as a grader-side exception of the same name."""
        name = self.__name__
        if type_name == "KeyboardInterrupt":
            return StudentCodeStopped(f"{name} was stopped: it ran past the time limit")
        if type_name == "SystemExit":
            return StudentCodeStopped(
                f"{name} tried to exit the kernel (SystemExit); a graded function "
                "must return its result"
            )
        if type_name == "MemoryError":
            return StudentCodeStopped(
                f"{name} ran out of memory (the limit is {self.service.memory_mb} MB per process)"
            )
        if type_name == "ReferenceUsedError":
            from ..reference import ReferenceUsedError

            return ReferenceUsedError(message)
        known = getattr(builtins, type_name, None)
        if isinstance(known, type) and issubclass(known, Exception):
            with contextlib.suppress(Exception):
                return known(message)
        return _exception_type(type_name)(message)


def _exception_type(name):
    """An Exception subclass named like the student's, so messages name the student's error.

    A new class each time, never cached: the names come from the kernel.
    """
    name = name if name.isidentifier() else "Exception"
    return type(name, (Exception,), {"__module__": "student"})


def _match(cell, name, args, kwargs):
    """The index of the first unserved planned call this request fits, or None."""
    for index, call in enumerate(cell.plan):
        if index in cell.served or call.check != name or len(call.args) != len(args):
            continue
        if dict(call.kwargs).keys() != kwargs.keys():
            continue
        pairs = list(zip(call.args, args)) + [(shape, kwargs[key]) for key, shape in call.kwargs]
        if all(kind == "name" or _same(expected, got) for (kind, expected), got in pairs):
            return index
    return None


def _same(expected, got):
    try:
        return type(expected) is type(got) and bool(expected == got)
    except Exception:  # comparing arrays or odd objects
        return False


def partial_outputs(verdicts, points):
    """A partly right cell's outputs: every message as text, then the score as the cell's result.

    None unless every planned call ran, some failed, all of them have variants and the score
    (``partial_score`` over the variants of all the calls) is above zero.
    """
    if (
        points is None
        or not verdicts
        or any(v is None or v.variants is None for v in verdicts)
        or all(v.passed for v in verdicts)
    ):
        return None
    variants = {}
    for verdict in verdicts:
        for variant, right in verdict.variants.items():
            variants[variant] = variants.get(variant, True) and right
    right = sum(variants.values())
    score = partial_score(points, right, len(variants))
    if score <= 0:
        return None
    failed = [verdict for verdict in verdicts if not verdict.passed]
    texts = [verdict.text for verdict in verdicts if verdict.passed] + [failed[0].text]
    # the first failure says it all
    texts += [verdict.text.splitlines()[0] for verdict in failed[1:]]
    texts.append(
        f"partial credit: {score:g} of {float(points):g} points,{variants_line(variants)[1:]}"
    )
    return [
        new_output("stream", name="stdout", text="\n".join(texts) + "\n"),
        new_output("execute_result", data={"text/plain": f"{score:g}"}, execution_count=None),
    ]


def _not_run_message(check, kernel_outputs, not_run_reason):
    if not_run_reason:
        return f"not graded: {not_run_reason}"
    errors = [o for o in kernel_outputs or [] if o.get("output_type") == "error"]
    if errors:
        return (
            f"{check} did not run: {printable(errors[0].get('ename'), 100)}:"
            f" {printable(errors[0].get('evalue'), 500)}"
        )
    return f"{check} did not run: the notebook's code replaced or bypassed it"


def _error(text):
    return new_output(
        "error", ename="CheckFailure", evalue=text, traceback=[f"CheckFailure: {text}"]
    )
