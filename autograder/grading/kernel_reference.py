"""``autograder.reference`` as a grading kernel sees it: present, but every function refuses.

The sandbox installs this file as ``autograder/reference/__init__.py``. The real reference never
enters the kernel, so a graded function cannot call it by any route (``__wrapped__``, resetting a
guard, reading the source); importing a name still works, so the refusal names what was called.
"""


class ReferenceUsedError(RuntimeError):
    """A graded function called the course's reference implementation."""


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)

    def unavailable(*args, **kwargs):
        raise ReferenceUsedError(
            f"your function called the course's reference autograder.reference.{name}; "
            "graded functions must compute the answer themselves"
        )

    unavailable.__name__ = name
    # the real reference's guard can be bypassed this way; not here
    unavailable.__wrapped__ = unavailable
    return unavailable
