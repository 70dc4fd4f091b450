"""Keeps graded student functions from delegating to the reference implementation.

The checks run a student's function inside ``student_code_running()``; a reference function
called during that time raises ``ReferenceUsedError`` instead of returning the answer.
"""

import functools
from contextlib import contextmanager

_student_depth = 0


class ReferenceUsedError(RuntimeError):
    """A graded function called the course's reference implementation."""


def reference_function(fn):
    """Mark ``fn`` as part of the reference answer key."""

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        if _student_depth:
            raise ReferenceUsedError(
                f"your function called the course's reference autograder.reference.{fn.__name__}; "
                "graded functions must compute the answer themselves"
            )
        return fn(*args, **kwargs)

    return guarded


@contextmanager
def student_code_running():
    global _student_depth
    _student_depth += 1
    try:
        yield
    finally:
        _student_depth -= 1
