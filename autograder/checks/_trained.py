"""What every check of a trained model shares: the training ran, within its CPU budget, the answer
is a numpy array, and the model's answers neither change from call to call nor depend on the batch
around an example.

The task's own check validates and scores the answers; these helpers hold the parts that would
otherwise be copied into each of them. Only numpy is imported.
"""

import numpy as np

from ._outputs import checked_number
from ._report import CheckFailure


def fail(name, what, case, mistake=None):
    """Raise a check failure naming the case, with the mistake's hint when one is known."""
    hint = f"\n  hint: this looks like '{mistake.name}': {mistake.hint}" if mistake else ""
    raise CheckFailure(f"{name}: {what} ({case}){hint}")


def require_array(name, value, shape, case):
    """``value`` itself, after checking that it is a numpy array (not None, a list or a tensor).

    Args:
        shape: the expected shape, as the message should show it, e.g. "(1000,)".
    """
    if value is None:
        fail(name, f"returned None; return a numpy array of shape {shape}", case)
    module = type(value).__module__
    if module.startswith(("torch", "tensorflow", "keras")):
        fail(
            name,
            f"returned a {module.split('.')[0]} tensor; return a numpy array (torch:"
            " t.detach().numpy(), Keras: keras.ops.convert_to_numpy(t))",
            case,
        )
    if not isinstance(value, np.ndarray):
        got = type(value).__name__
        fail(name, f"should return a numpy array of shape {shape}, got {got}", case)
    return value


def require_training(name, training_seconds, budget, over_budget, train_function):
    """The CPU seconds the training took, after checking that it ran and kept within ``budget``.

    Args:
        name: the graded function's name, for the messages.
        training_seconds: what the notebook measured (time.process_time), None if training did
            not run.
        budget: the CPU seconds allowed.
        over_budget: the Mistake to name when the training took longer.
        train_function: the name of the notebook's training function, for the message.
    """
    if training_seconds is None:
        raise CheckFailure(
            f"{name}: no trained model: {train_function} is not implemented yet, or the training"
            " cell above stopped with an error (run it and read its message)"
        )
    seconds = checked_number(name, "training_seconds", training_seconds, "the training cell")
    if seconds > budget:
        fail(
            name,
            f"training took {seconds:.1f} s of CPU time; the budget is {budget:g} s",
            "the training cell",
            over_budget,
        )
    return seconds


def require_stable(name, ask, inputs, answers, difference, label, mistakes, item, rows=3):
    """Check that answers repeat on a second call and do not depend on the batch around an input.

    Args:
        name: the graded function's name.
        ask: ``ask(inputs, case) -> answers``, the student's function called and its output
            validated by the task's check.
        inputs: the inputs the answers were given for (first axis: examples).
        answers: ``ask(inputs, ...)``'s first result.
        difference: ``difference(first, second) -> None`` when two answers agree closely enough,
            else a phrase saying by how much they differ.
        label: the test set's name, for the cases.
        mistakes: ``(not_deterministic, batch_dependent)``, the Mistakes to name.
        item: what one input is called ("sequence", "window").
        rows: how many inputs to ask about on their own.
    """
    not_deterministic, batch_dependent = mistakes
    case = f"{label}: {len(inputs)} {item}s asked twice"
    gap = difference(answers, ask(inputs.copy(), case))
    if gap is not None:
        fail(name, f"two calls on the same {item}s differ: {gap}", case, not_deterministic)
    for row in range(min(rows, len(inputs))):
        alone = ask(inputs[row : row + 1].copy(), f"{label}: {item} {row} alone")
        gap = difference(answers[row : row + 1], alone)
        if gap is not None:
            fail(
                name,
                f"{item} {row} alone gets another answer than in the batch: {gap}",
                f"{label}: a batch of one",
                batch_dependent,
            )


__all__ = ["fail", "require_array", "require_training", "require_stable"]
