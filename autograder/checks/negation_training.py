"""Checks for ps06's last task: the negation classifier trained within a CPU budget, judged on
sentences drawn here, and on the same sentences padded differently.

The task is chapter 6's (``autograder.training.negation``): a sentence of 5 to 16 words holds one
sentiment word, which a "not" right before it (or before "very" right before it) flips; another
"not" after it flips nothing. The student trains on sentences of their choice from
``negation_dataset``; ``check_negation_classifier(answer, training_seconds)`` draws test sentences
from a seed the notebook does not contain, calls ``answer(tokens, lengths) -> classes`` and
requires ``REQUIRED_ACCURACY`` (a bag of words gets about 75%) within ``CPU_BUDGET_SECONDS`` of
training.

Padding is the point of the task, so the same sentences are asked again, padded differently:
without any padding (the sentences of one length together, as wide as they are long), with
``EXTRA_PADDING`` more zeros at the end, and in another order (shortest first). A masked (Keras)
or packed (PyTorch) model gives the very same answers; any answer that changes names the mistake.
A model trained without masking learns to carry its state through the zeros it saw, so only some
of its answers change (a GRU, four training seeds: 12 to 51 of 2000, first when given no padding):
the check therefore requires none to change, on many sentences. A bidirectional GRU without
packing changed none in our runs (its forward half decides, and carries its state through the
zeros): what the answers cannot show, this check cannot name.

The hidden seed is drawn from the course secret for the student graded (``case_rng``), so a
regrade is identical and the seed is in no file a student has. Only numpy is imported.
"""

import numpy as np

from .. import mistakes as m
from ..training.negation import bag_of_words_baseline, negation_dataset
from ._cases import case_rng
from ._report import call_student
from ._trained import fail, require_array, require_stable, require_training

REQUIRED_ACCURACY = 0.95
CPU_BUDGET_SECONDS = 40.0
VISIBLE_TEST = dict(n=1000, seed=6_2026)
HIDDEN_TEST_SIZE = 2000
EXTRA_PADDING = {False: (8,), True: (8, 48)}  # zeros added after the width of 16, per check
BASELINE_TRAINING = 2000  # sentences the bag-of-words baseline is fitted on


def _seed(hidden, label):
    return int(case_rng(VISIBLE_TEST["seed"], hidden, label, 0).integers(1, 2**31 - 1))


def hidden_test():
    """The hidden test sentences' count and seed, the seed drawn from the course secret for the
    student graded.
    """
    return dict(n=HIDDEN_TEST_SIZE, seed=_seed(True, "negation_test"))


def _classes(name, value, n, case):
    """Validate answer(tokens, lengths): a numpy array of n classes, 0 or 1."""
    value = require_array(name, value, f"({n},)", case)
    if value.shape == (n, 1):
        value = value[:, 0]
    if value.shape == (n, 2):
        fail(
            name,
            f"returned shape {value.shape}, expected ({n},): one class per sentence, not a score"
            " per class",
            case,
            m.NEGATION_NOT_CLASSES,
        )
    if value.shape != (n,):
        fail(name, f"returned shape {value.shape}, expected ({n},): one class per sentence", case)
    if value.dtype == bool:
        value = value.astype(np.int64)
    if not np.issubdtype(value.dtype, np.number):
        fail(name, f"returned values of dtype {value.dtype}; expected the classes 0 and 1", case)
    if not np.all(np.isfinite(value)):
        fail(name, "returned NaN or inf; expected the classes 0 and 1", case)
    if not np.all(np.isin(value, (0, 1))):
        shown = ", ".join(f"{v:.3g}" for v in np.unique(value)[:4])
        fail(
            name,
            f"returned values such as {shown}; expected the classes 0 and 1",
            case,
            m.NEGATION_NOT_CLASSES,
        )
    return value.astype(np.int64)


def _shuffled_words(tokens, lengths, seed, hidden):
    """Each sentence's words in a random order, its padding left where it is."""
    rng = case_rng(seed, hidden, "negation_shuffle", 0)
    shuffled = tokens.copy()
    for row, length in enumerate(lengths):
        shuffled[row, :length] = tokens[row, rng.permutation(length)]
    return shuffled


def _tight_answers(ask, tokens, lengths, label):
    """The answers for sentences given without padding: each length's sentences in one batch."""
    answers = np.empty(len(tokens), dtype=np.int64)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        answers[rows] = ask(
            tokens[rows, :length].copy(),
            lengths[rows].copy(),
            f"{label}: the {len(rows)} sentences of {length} words, without padding",
        )
    return answers


def _padding_probes(ask, tokens, lengths, label, hidden):
    """(what was asked, answers) for the same sentences padded otherwise, in the tokens' order."""
    yield "without padding", _tight_answers(ask, tokens, lengths, label)
    for extra in EXTRA_PADDING[hidden]:
        width = tokens.shape[1] + extra
        wider = np.concatenate([tokens, np.zeros((len(tokens), extra), tokens.dtype)], axis=1)
        case = f"{label}: the same sentences padded to {width} steps"
        yield f"padded to {width} steps", ask(wider, lengths.copy(), case)


def _diagnosis(ask, answers, tokens, lengths, labels, label, seed, hidden):
    """The mistake inaccurate answers show, judged by what they agree with."""
    if len(np.unique(answers)) == 1:
        return m.NEGATION_CONSTANT
    accuracy = float(np.mean(answers == labels))
    if accuracy <= 1 - REQUIRED_ACCURACY:
        return m.NEGATION_LABELS_INVERTED
    order = np.argsort(-lengths, kind="stable")
    if np.mean(answers == labels[order]) >= REQUIRED_ACCURACY:
        return m.NEGATION_SORTED_ORDER
    # output[:, -1] of a padded batch: a constant for every sentence shorter than the batch, other
    # answers only for those as long as it (the answers are not all equal, as tested above)
    full = lengths == tokens.shape[1]
    if (~full).any() and max(np.mean(answers[~full] == 0), np.mean(answers[~full] == 1)) >= 0.95:
        return m.NEGATION_LAST_PADDED_STEP
    shuffled = ask(
        _shuffled_words(tokens, lengths, seed, hidden),
        lengths.copy(),
        f"{label}: the same sentences with their words shuffled",
    )
    train = negation_dataset(BASELINE_TRAINING, _seed(hidden, "negation_baseline"))
    baseline = bag_of_words_baseline(train[0], train[2], tokens)
    if np.mean(shuffled == answers) >= 0.98 or np.mean(baseline == answers) >= 0.9:
        return m.NEGATION_ORDER_IGNORED
    for _, padded in _padding_probes(ask, tokens, lengths, label, hidden):
        if np.mean(padded != answers) > 0.02:
            return m.NEGATION_PADDING_READ
    return m.NEGATION_AT_CHANCE if accuracy < 0.6 else m.NEGATION_NOT_ACCURATE_ENOUGH


def _agreement(first, second):
    """None when two calls' classes agree everywhere, else how many differ."""
    changed = int(np.sum(first != second))
    return f"{changed} of {len(first)} answers differ" if changed else None


def check_negation_classifier(answer, training_seconds, hidden=False):
    """Check a trained negation classifier through ``answer(tokens, lengths) -> classes``.

    Args:
        answer: the student's function. tokens: int64 (n, width), each sentence's word indices
            followed by zeros; lengths: int64 (n,), the real lengths. Returns numpy (n,), 1 for a
            positive sentence.
        training_seconds: the CPU time (time.process_time) the notebook's training took, or None if
            training did not run.
        hidden: grade on the hidden sentences (2000, from the course secret), padded in more
            ways, and also require that answers do not change between calls or with the batch
            around a sentence.
    """
    name = "answer"
    seconds = require_training(
        name, training_seconds, CPU_BUDGET_SECONDS, m.NEGATION_OVER_BUDGET, "train_classifier"
    )
    test = hidden_test() if hidden else VISIBLE_TEST
    label = "hidden test sentences" if hidden else "visible test sentences"
    tokens, lengths, labels = negation_dataset(**test)
    case = f"{label}: {test['n']} sentences of 5 to 16 words, padded to {tokens.shape[1]} steps"

    def ask(tokens, lengths, case):
        value = call_student(name, answer, (tokens, lengths), case)
        return _classes(name, value, len(tokens), case)

    answers = ask(tokens.copy(), lengths.copy(), case)
    accuracy = float(np.mean(answers == labels))
    if accuracy < REQUIRED_ACCURACY:
        fail(
            name,
            f"accuracy {accuracy:.1%}; required at least {REQUIRED_ACCURACY:.0%} (a bag of words"
            " gets about 75%)",
            case,
            _diagnosis(ask, answers, tokens, lengths, labels, label, test["seed"], hidden),
        )
    if hidden:
        combined = np.concatenate([tokens, lengths[:, None]], axis=1)

        def ask_combined(rows, case):
            return ask(rows[:, :-1], rows[:, -1], case)

        mistakes = (m.NEGATION_NOT_DETERMINISTIC, m.NEGATION_BATCH_DEPENDENT)
        require_stable(
            name, ask_combined, combined, answers, _agreement, label, mistakes, "sentence"
        )
    for how, padded in _padding_probes(ask, tokens, lengths, label, hidden):
        changed = np.flatnonzero(padded != answers)
        if changed.size:
            fail(
                name,
                f"{changed.size} of {len(answers)} answers changed when the same sentences were"
                f" asked {how} (first: sentence {changed[0]}, {lengths[changed[0]]} words,"
                f" answer {answers[changed[0]]} then {padded[changed[0]]})",
                f"{label}: {how}",
                m.NEGATION_PADDING_READ,
            )
    order = np.argsort(lengths, kind="stable")  # shortest first
    moved = np.empty_like(answers)
    moved[order] = ask(tokens[order], lengths[order], f"{label}: shortest sentences first")
    gap = _agreement(answers, moved)
    if gap is not None:
        fail(
            name,
            f"asked in another order (shortest sentences first), {gap}",
            f"{label}: the same sentences reordered",
            m.NEGATION_POSITION_DEPENDENT,
        )
    extra = ", ".join(str(tokens.shape[1] + e) for e in EXTRA_PADDING[hidden])
    print(
        f"{name}: accuracy {accuracy:.1%} on the {label} (required {REQUIRED_ACCURACY:.0%}), the"
        f" same answers without padding, padded to {extra} steps and reordered; training took"
        f" {seconds:.1f} s of CPU (budget {CPU_BUDGET_SECONDS:g} s)"
    )


__all__ = ["check_negation_classifier", "REQUIRED_ACCURACY", "CPU_BUDGET_SECONDS"]
