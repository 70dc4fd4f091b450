"""``autograder.checks`` as a grading kernel sees it: every check runs in the grader.

While grading, a notebook runs in a sandboxed kernel that holds neither the real checks nor the
reference implementation (the sandbox installs this file as ``autograder/checks/__init__.py``).
A grade cell's ``check_rnn_forward(rnn_forward)`` sends a request over a unix socket; the grader
runs the real check in its own process and calls ``rnn_forward`` back here once per case; the
verdict comes back as text. Whatever a notebook does to this module, to numpy or to IPython can
change what its own functions return, never how the grader judges it.
"""

import os
import socket

from . import wire
from .numpy_only import numpy_task

GRADER_SOCKET = "AUTOGRADER_GRADER_SOCKET"
MAX_MESSAGE_CHARS = 2000


class CheckFailure(AssertionError):
    """A student's function gave a wrong or unusable result (the grader's message)."""


def __getattr__(name):
    if name.startswith("check_"):
        return _remote_check(name)
    raise AttributeError(f"module 'autograder.checks' has no attribute {name!r}")


def _remote_check(name):
    def check(*args, **kwargs):
        return run_check(name, args, kwargs)

    check.__name__ = check.__qualname__ = name
    check.__doc__ = f"Run the course's {name} in the grader."
    return check


def run_check(name, args, kwargs):
    """Ask the grader to run check ``name``; answer its calls; print or raise its verdict."""
    functions = []
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(os.environ[GRADER_SOCKET])
    except (KeyError, OSError) as error:
        raise CheckFailure(f"{name}: the grader could not be reached ({error})") from None
    with sock:
        wire.send(
            sock,
            {"op": "check", "name": name, "args": list(args), "kwargs": dict(kwargs)},
            functions,
        )
        while True:
            try:
                message = wire.receive(sock)
            except (EOFError, OSError, wire.WireError) as error:
                raise CheckFailure(f"{name}: the grader stopped answering ({error})") from None
            if message.get("op") == "call":
                # a numpy task's function may not run nn.RNN & co. here either
                with numpy_task(name):
                    _answer(sock, functions, message)
            elif message.get("op") == "verdict":
                if message.get("passed") or message.get("skipped") or message.get("go_on"):
                    # go_on: a failure the cell's next checks may add to
                    print(message.get("text", ""))
                    return None
                raise CheckFailure(message.get("text", f"{name} failed")) from None


def _answer(sock, functions, message):
    """Call the student's function as asked and send back what it returned or raised."""
    parent = os.getpid()
    try:
        result = functions[message["function"]](*message["args"], **message["kwargs"])
    # SystemExit and KeyboardInterrupt too: they are the student's code's
    except BaseException as error:
        _stay_in_parent(parent)
        reply = {"op": "raised", "type": type(error).__name__, "message": _text(error)}
    else:
        _stay_in_parent(parent)
        reply = {"op": "returned", "value": result}
    try:
        wire.send(sock, reply)
    except wire.WireError as error:
        wire.send(sock, {"op": "raised", "type": "WireError", "message": str(error)})


def _stay_in_parent(parent):
    """A child forked by the student's function must not answer for it: it leaves at once."""
    if os.getpid() != parent:
        os._exit(0)


def _text(error):
    try:
        return str(error)[:MAX_MESSAGE_CHARS]
    except Exception:  # an exception whose __str__ fails
        return "(the error's message could not be printed)"
