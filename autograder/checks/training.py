"""Checks for ps07's training task: the student's data generator, and a trained model judged on data
it never saw.

The task is a cousin of chapter 7's adding problem, **the marked-sum sign problem**: each sequence
has ``SEQ_STEPS`` steps of two features, a value drawn uniformly from [-1, 1] and a marker that is 1
at exactly two steps, one drawn uniformly from the first half and one from the second half. The
label is 1 when the two marked values add up to more than 0, else 0. Knowing only the recent
(second) value gives about 75% accuracy, guessing 50%: ``REQUIRED_ACCURACY`` needs both values, so a
model must keep the first one for up to ``SEQ_STEPS`` steps.

``check_marked_sign_batch(make_batch)`` checks the student's ``make_batch(n, seed) -> (x, y)`` by
the properties that define the task (shapes, ranges, markers, the labelling rule, reproducibility),
not by comparing with one particular random stream. ``check_marked_sign_model(answer,
training_seconds)`` draws a test set with its own generator (``marked_sign_batch``) and a seed that
the student's notebook does not contain, calls ``answer(x) -> classes``, and requires
``REQUIRED_ACCURACY`` within ``CPU_BUDGET_SECONDS`` of training. The hidden test set's seed is
drawn from the course secret for the student graded (``case_rng``), so a regrade is identical and
the seed is in no file a student has. The visible check uses a fixed seed and a smaller set.
Only numpy is imported.
"""

import numpy as np

from ..mistakes import Mistake
from ..reference import marked_sign_batch as _reference_batch
from ._cases import case_rng
from ._report import CheckFailure, call_student
from ._runner import run_cases
from ._trained import fail, require_array, require_stable, require_training

SEQ_STEPS = 50
FEATURES = 2
REQUIRED_ACCURACY = 0.95
CPU_BUDGET_SECONDS = 30.0
VISIBLE_TEST = dict(n=1000, seed=7_2026)
HIDDEN_TEST_SIZE = 4000


def hidden_test():
    """The hidden test set's size and seed: the seed drawn from the course secret for the student
    graded.
    """
    return dict(
        n=HIDDEN_TEST_SIZE,
        seed=int(case_rng(None, True, "marked_sign_test", 0).integers(1, 2**31 - 1)),
    )


# --- mistakes in the generator ---------------------------------------------------------------
VALUES_FROM_ZERO = Mistake(
    "values drawn from [0, 1]",
    "this problem draws the values uniformly from [-1, 1] (rng.uniform(-1, 1, ...)); with the"
    " adding problem's [0, 1] every sum is positive and every label 1",
)
FEATURES_SWAPPED = Mistake(
    "value and marker features swapped",
    "feature 0 is the value and feature 1 the marker: x[..., 0], x[..., 1]",
)
MARKERS_NOT_ONE_PER_HALF = Mistake(
    "markers not one per half",
    f"one marker at a step drawn from the first half (0 .. {SEQ_STEPS // 2 - 1}) and one from the"
    f" second half ({SEQ_STEPS // 2} .. {SEQ_STEPS - 1}), so that the first marked value is far"
    " from the end",
)
MARKERS_FIXED = Mistake(
    "markers always at the same steps",
    f"draw each sequence's two marker steps at random, e.g. rng.integers(0, {SEQ_STEPS // 2},"
    f" size=n) and rng.integers({SEQ_STEPS // 2}, {SEQ_STEPS}, size=n)",
)
LABEL_FROM_ALL_VALUES = Mistake(
    "label from the sum of all values",
    "only the two marked values count: y = (x[..., 0] * x[..., 1]).sum(axis=1) > 0",
)
LABEL_INVERTED = Mistake(
    "labels inverted", "the label is 1 when the marked values add up to more than 0"
)
LABEL_NOT_A_CLASS = Mistake(
    "label is not a class",
    "y holds classes, 0 or 1, as integers (y.astype(np.int64)), not the sum itself",
)
SEED_IGNORED = Mistake(
    "seed ignored",
    "different seeds must give different batches: draw everything from rng ="
    " np.random.default_rng(seed)",
)
NOT_REPRODUCIBLE = Mistake(
    "batch not reproducible",
    "the same seed must give the same batch: draw from rng = np.random.default_rng(seed), not from"
    " np.random.*",
)

# --- mistakes a trained model's answers show -------------------------------------------------
ANSWERS_NOT_CLASSES = Mistake(
    "answers are not classes",
    "return one class per sequence, 0 or 1, e.g. logits.argmax(dim=-1).numpy(), not scores or"
    " probabilities",
)
CONSTANT_ANSWER = Mistake(
    "the same answer for every sequence",
    "training never left its starting point: check that your labels hold both classes and that the"
    " loss falls below ln 2 = 0.69 (learning rate, number of batches, the output read at the last"
    " step)",
)
RECENT_VALUE_ONLY = Mistake(
    "only the recent marked value used",
    "your model follows the second marked value and forgets the first, which lies up to"
    f" {SEQ_STEPS} steps back: the vanishing gradient of chapters 2 and 7. Use a gated cell (nn.GRU"
    " or nn.LSTM, its forget-gate bias started at 1), and train until your own validation accuracy"
    " passes 95%",
)
FIRST_VALUE_ONLY = Mistake(
    "only the first marked value used",
    "your model ignores the second marked value: read its output after the last step (output[:, -1]"
    " or h_n[-1]), when both values have been seen",
)
AT_CHANCE = Mistake(
    "answers at chance level",
    "your model's answers agree with the labels about as often as coin flips: it has learned"
    " neither marked value. Check the model on your own validation batch while training; a vanilla"
    " RNN typically stays here (chapter 7), a GRU or LSTM learns the task in a few hundred batches",
)
NOT_ACCURATE_ENOUGH = Mistake(
    "accuracy below the requirement",
    "your model has learned part of the task: train for more batches (measure accuracy on your own "
    "validation batch), or use more units, within the CPU budget",
)
ANSWERS_INVERTED = Mistake(
    "answers inverted", "class 1 means that the two marked values add up to more than 0"
)
NOT_DETERMINISTIC = Mistake(
    "answers change from call to call",
    "put the model in evaluation mode (model.eval()) and predict under torch.no_grad(): dropout, or"
    " anything random, must be off when answering",
)
BATCH_DEPENDENT = Mistake(
    "a sequence's answer depends on the rest of the batch",
    "each sequence must be answered on its own: no statistics over the batch (batch normalisation"
    " in training mode, normalising x by its batch mean) in the prediction",
)
OVER_BUDGET = Mistake(
    "training over the CPU budget",
    f"training may take at most {CPU_BUDGET_SECONDS:g} s of CPU time: fewer batches, fewer units,"
    " or stop as soon as your validation accuracy passes the requirement (on a CPU, PyTorch's"
    " nn.LSTM runs a step about twice as fast as nn.GRU)",
)


def marked_sign_batch(n, seed):
    """The grader's generator: ``n`` sequences of the marked-sum sign problem from ``seed``.

    The answer to make_batch, so it lives in the reference
    (``autograder.reference.marked_sign_batch``).

    Returns:
        (x, y): x float32 of shape (n, SEQ_STEPS, 2), feature 0 the value, feature 1 the marker;
        y int64 of shape (n,), 1 where the two marked values add up to more than 0.
    """
    return _reference_batch(n, seed, SEQ_STEPS)


def _labels(x):
    """The rule, applied to any batch in the task's layout: 1 where the marked values add up to >
    0.
    """
    x = np.asarray(x, dtype=np.float64)
    return ((x[..., 0] * x[..., 1]).sum(axis=1) > 0).astype(np.int64)


def _marked_values(x):
    """(first, second): each sequence's marked value in the first and in the second half."""
    half = SEQ_STEPS // 2
    x = np.asarray(x, dtype=np.float64)
    return (
        (x[:, :half, 0] * x[:, :half, 1]).sum(axis=1),
        (x[:, half:, 0] * x[:, half:, 1]).sum(axis=1),
    )


# --- the generator ---------------------------------------------------------------------------

_VISIBLE_BATCH_CASES = [(1000, 1), (1, 2), (7, 3)]
_LARGEST_SEED = 2**31 - 1


def batch_cases(hidden):
    """(n, seed) pairs for the generator check. Hidden: a large batch, a batch of two, a batch of
    one with seed 0 and a batch with the largest int32 seed, the other sizes and seeds drawn from
    the course secret for the student being graded.
    """
    if not hidden:
        return list(_VISIBLE_BATCH_CASES)
    draws = [case_rng(None, True, "marked_sign_batch", index) for index in range(4)]
    return [
        (int(draws[0].integers(3000, 5001)), int(draws[0].integers(1, _LARGEST_SEED))),
        (2, int(draws[1].integers(1, _LARGEST_SEED))),
        (1, 0),
        (int(draws[3].integers(300, 901)), _LARGEST_SEED),
    ]


def _checked_batch(name, value, n, case):
    """Validate the returned (x, y): a tuple of two numpy arrays of the task's shapes and kinds."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(name, f"should return a tuple (x, y), got {type(value).__name__}", case)
    x, y = value
    for label, array in (("x", x), ("y", y)):
        if array is None:
            fail(name, f"{label} is None", case)
        module = type(array).__module__
        if module.startswith(("torch", "tensorflow")):
            fail(name, f"{label} is a {module.split('.')[0]} tensor; return numpy arrays", case)
        if not isinstance(array, np.ndarray):
            fail(name, f"{label} should be a numpy array, got {type(array).__name__}", case)
    expected = (n, SEQ_STEPS, FEATURES)
    if x.shape != expected:
        hint = (
            "\n  hint: batch first: x[i, t] is step t of sequence i, shape (n, steps, features)"
            if sorted(x.shape) == sorted(expected)
            else ""
        )
        raise CheckFailure(f"{name}: x has shape {x.shape}, expected {expected} ({case}){hint}")
    if x.dtype not in (np.float32, np.float64):
        fail(
            name,
            f"x has dtype {x.dtype}; expected float32 (what PyTorch's layers compute in)",
            case,
        )
    if not np.all(np.isfinite(x)):
        fail(name, "x contains NaN or inf", case)
    if y.shape != (n,):
        fail(
            name,
            f"y has shape {y.shape}, expected {(n,)}: one class per sequence",
            case,
            LABEL_NOT_A_CLASS if y.size == n else None,
        )
    if not np.issubdtype(y.dtype, np.integer) or not np.all(np.isin(y, (0, 1))):
        shown = np.unique(y)[:4]
        fail(
            name,
            f"y has dtype {y.dtype} and values like {shown.tolist()}; expected the classes 0 and 1 "
            "as integers",
            case,
            LABEL_NOT_A_CLASS,
        )
    return x.astype(np.float64), y


def _check_markers(name, x, case):
    values, markers = x[..., 0], x[..., 1]
    half = SEQ_STEPS // 2
    if (
        np.all(np.isin(values, (0, 1)))
        and np.all(values.sum(axis=1) == 2)
        and not np.all(np.isin(markers, (0, 1)))
    ):
        fail(
            name,
            "feature 0 holds only 0s and 1s, two per sequence, like a marker",
            case,
            FEATURES_SWAPPED,
        )
    if not np.all(np.isin(markers, (0, 1))):
        bad = markers[~np.isin(markers, (0, 1))][0]
        fail(name, f"the marker feature x[..., 1] holds {bad:.4g}; it must be 0 or 1", case)
    counts = markers.sum(axis=1)
    if np.any(counts != 2):
        row = int(np.argmax(counts != 2))
        fail(
            name,
            f"sequence {row} has {int(counts[row])} marked steps, expected exactly 2",
            case,
            MARKERS_NOT_ONE_PER_HALF,
        )
    first, second = markers[:, :half].sum(axis=1), markers[:, half:].sum(axis=1)
    if np.any(first != 1) or np.any(second != 1):
        row = int(np.argmax((first != 1) | (second != 1)))
        fail(
            name,
            f"sequence {row} has {int(first[row])} marker(s) in the first half and"
            f" {int(second[row])} in the second",
            case,
            MARKERS_NOT_ONE_PER_HALF,
        )


def _check_values(name, x, case):
    values = x[..., 0]
    if values.min() < -1 or values.max() > 1:
        fail(
            name,
            f"values range from {values.min():.4g} to {values.max():.4g}; expected [-1, 1]",
            case,
        )
    if values.size >= 1000 and values.min() >= 0:
        fail(name, f"every value lies in [0, {values.max():.3g}]", case, VALUES_FROM_ZERO)


def _check_distribution(name, x, y, case):
    """On a large batch only: uniform values, random marker steps and balanced labels."""
    n = x.shape[0]
    if n < 500:
        return
    values = x[..., 0]
    negative = float(np.mean(values < 0))
    if (
        not 0.45 <= negative <= 0.55
        or abs(values.mean()) > 0.05
        or not 0.55 <= values.std() <= 0.60
    ):
        fail(
            name,
            f"the values do not look uniform on [-1, 1]: mean {values.mean():.3f} (expected 0), "
            f"standard deviation {values.std():.3f} (expected 1/sqrt(3) = 0.577)",
            case,
        )
    half = SEQ_STEPS // 2
    steps = np.argmax(x[:, :half, 1], axis=1), half + np.argmax(x[:, half:, 1], axis=1)
    for which, positions in zip(("first", "second"), steps):
        used = len(np.unique(positions))
        if used < half - 2:
            fail(
                name,
                f"the {which} marker sits on only {used} of the {half} steps of its half in {n} "
                "sequences",
                case,
                MARKERS_FIXED,
            )
    ones = float(np.mean(y))
    # the share of 1s in n fair labels has a standard error of 0.5 / sqrt(n): allow five of them,
    # and never less than 0.05 (at n = 514, 0.05 alone failed a correct generator 2-3% of the time)
    if abs(ones - 0.5) > max(0.05, 2.5 / np.sqrt(n)):
        fail(name, f"{ones:.1%} of the labels are 1; the rule gives about half", case)


def _check_labels(name, x, y, case):
    right = _labels(x)
    if np.array_equal(y, right):
        return
    wrong = int(np.argmax(y != right))
    first, second = _marked_values(x[wrong : wrong + 1])
    what = (
        f"y is wrong for {int(np.sum(y != right))} of {len(y)} sequences; sequence {wrong}: marked"
        f" values {first[0]:.4f} and {second[0]:.4f}, label {int(y[wrong])}, expected"
        f" {int(right[wrong])}"
    )
    mistake = None
    if np.array_equal(y, 1 - right):
        mistake = LABEL_INVERTED
    elif np.array_equal(y, (x[..., 0].sum(axis=1) > 0).astype(np.int64)):
        mistake = LABEL_FROM_ALL_VALUES
    fail(name, what, case, mistake)


def check_marked_sign_batch(make_batch, hidden=False):
    """Check ``make_batch(n, seed) -> (x, y)`` for the marked-sum sign problem.

    x: float32 (or float64) of shape (n, SEQ_STEPS, 2), feature 0 a value uniform on [-1, 1],
    feature 1 a marker at exactly one step of each half; y: integer classes of shape (n,),
    1 where the two marked values add up to more than 0. The same seed must give the same batch,
    another seed another batch.
    """
    name = "make_batch"
    cases = batch_cases(hidden)

    def run_one(index, spec):
        n, seed = spec
        case = f"case {index} of {len(cases)}: n={n}, seed={seed}"
        value = call_student(name, make_batch, (n, seed), case)
        x, y = _checked_batch(name, value, n, case)
        _check_markers(name, x, case)
        _check_values(name, x, case)
        _check_labels(name, x, y, case)
        _check_distribution(name, x, y, case)
        if n >= 7:
            again, _ = _checked_batch(
                name, call_student(name, make_batch, (n, seed), case), n, case
            )
            if not np.array_equal(x, again):
                fail(
                    name,
                    f"two calls with seed={seed} gave different batches",
                    case,
                    NOT_REPRODUCIBLE,
                )
            other, _ = _checked_batch(
                name, call_student(name, make_batch, (n, seed + 1), case), n, case
            )
            if np.array_equal(x, other):
                fail(
                    name, f"seed={seed} and seed={seed + 1} gave the same batch", case, SEED_IGNORED
                )

    run_cases(name, cases, run_one)


# --- the trained model -----------------------------------------------------------------------


def _answers(name, value, n, case):
    """Validate answer(x): a numpy array of n classes, 0 or 1 (ints, bools or whole floats)."""
    value = require_array(name, value, f"({n},)", case)
    if value.shape != (n,):
        fail(
            name,
            f"returned shape {value.shape}, expected ({n},): one class per sequence",
            case,
            ANSWERS_NOT_CLASSES if value.ndim == 2 and value.shape[0] == n else None,
        )
    if value.dtype == bool:
        value = value.astype(np.int64)
    if not np.issubdtype(value.dtype, np.number) or not np.all(np.isin(value, (0, 1))):
        shown = (
            np.unique(value)[:3].tolist() if np.issubdtype(value.dtype, np.number) else value.dtype
        )
        fail(
            name,
            f"returned values like {shown}; expected the classes 0 and 1",
            case,
            ANSWERS_NOT_CLASSES,
        )
    return value.astype(np.int64)


def _class_difference(first, second):
    """None when two calls gave the same classes, else how many differ."""
    differing = int(np.sum(first != second))
    return f"{differing} of {len(first)} classes differ" if differing else None


def _diagnosis(answers, x, y):
    """The mistake the answers show, judged by what they agree with."""
    if np.all(answers == answers[0]):
        return CONSTANT_ANSWER
    accuracy = float(np.mean(answers == y))
    if accuracy <= 0.1:
        return ANSWERS_INVERTED
    first, second = _marked_values(x)
    if np.mean(answers == (second > 0)) >= 0.9:
        return RECENT_VALUE_ONLY
    if np.mean(answers == (first > 0)) >= 0.9:
        return FIRST_VALUE_ONLY
    if accuracy < 0.6:
        return AT_CHANCE
    return NOT_ACCURATE_ENOUGH


def check_marked_sign_model(answer, training_seconds, hidden=False):
    """Check a trained model through ``answer(x) -> classes`` on a test set drawn here.

    Args:
        answer: the student's function, x float32 (n, SEQ_STEPS, 2) -> numpy classes (n,).
        training_seconds: the CPU time (time.process_time) the notebook's training took, or None
            if training did not run.
        hidden: grade on the hidden test set (4000 sequences, their seed drawn from the course
            secret) and also require that answers do not change between calls or with the batch
            around a sequence.
    """
    name = "answer"
    budget = CPU_BUDGET_SECONDS
    seconds = require_training(name, training_seconds, budget, OVER_BUDGET, "train_model")
    test = hidden_test() if hidden else VISIBLE_TEST
    label = "hidden test set" if hidden else "visible test set"
    case = f"{label}: {test['n']} sequences of {SEQ_STEPS} steps"
    x, y = marked_sign_batch(**test)

    def ask(inputs, case):
        return _answers(name, call_student(name, answer, (inputs,), case), len(inputs), case)

    answers = ask(x.copy(), case)
    accuracy = float(np.mean(answers == y))
    if accuracy < REQUIRED_ACCURACY:
        fail(
            name,
            f"accuracy {accuracy:.1%}, below the required {REQUIRED_ACCURACY:.0%}",
            case,
            _diagnosis(answers, x, y),
        )
    if hidden:
        mistakes = (NOT_DETERMINISTIC, BATCH_DEPENDENT)
        require_stable(name, ask, x, answers, _class_difference, label, mistakes, "sequence")
    print(
        f"{name}: accuracy {accuracy:.1%} on the {label} of {test['n']} sequences "
        f"(required {REQUIRED_ACCURACY:.0%}); training took {seconds:.1f} s of CPU "
        f"(budget {CPU_BUDGET_SECONDS:g} s)"
    )


__all__ = [
    "check_marked_sign_batch",
    "check_marked_sign_model",
    "marked_sign_batch",
    "SEQ_STEPS",
    "REQUIRED_ACCURACY",
    "CPU_BUDGET_SECONDS",
]
