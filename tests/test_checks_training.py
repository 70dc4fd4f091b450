"""The ps07 training checks both ways: a right generator and a right model pass, each planted
mistake is named.

The model check judges answers only, so stand-ins built on the task's rule play the trained models
here (training real ones is the homework test's job); each stand-in reproduces what one kind of
failed training answers.
"""

from functools import partial
from pathlib import Path

import numpy as np
import pytest

from autograder.checks import CheckFailure, check_marked_sign_batch, check_marked_sign_model
from autograder.checks import training as t

ROOT = Path(__file__).resolve().parents[1]
STEPS, HALF = t.SEQ_STEPS, t.SEQ_STEPS // 2


def student_batch(
    n,
    seed,
    *,
    low=-1.0,
    swap=False,
    anywhere=False,
    fixed=False,
    label="rule",
    layout="batch",
    global_rng=False,
    ignore_seed=False,
):
    """A student's make_batch; the keyword arguments plant one mistake each."""
    rng = np.random.default_rng(0 if ignore_seed else seed)
    draw = np.random if global_rng else rng  # np.random.* is the global, unseeded stream
    integers = np.random.randint if global_rng else rng.integers
    values = draw.uniform(low, 1, size=(n, STEPS))
    markers = np.zeros((n, STEPS))
    rows = np.arange(n)
    if fixed:
        first, second = np.full(n, 3), np.full(n, 40)
    elif anywhere:
        first, second = integers(0, STEPS, size=n), integers(0, STEPS, size=n)
    else:
        first, second = integers(0, HALF, size=n), integers(HALF, STEPS, size=n)
    markers[rows, first] = 1
    markers[rows, second] = 1
    features = [markers, values] if swap else [values, markers]
    x = np.stack(features, axis=-1).astype(np.float32)
    marked_sum = (values * markers).sum(axis=1)
    y = {
        "rule": (marked_sum > 0).astype(np.int64),
        "inverted": (marked_sum <= 0).astype(np.int64),
        "all": (values.sum(axis=1) > 0).astype(np.int64),
        "sum": marked_sum,
    }[label]
    if layout == "time":
        x = np.swapaxes(x, 0, 1)
    return x, y


@pytest.mark.parametrize("hidden", [False, True])
def test_a_right_generator_passes(hidden, capsys):
    check_marked_sign_batch(student_batch, hidden=hidden)
    assert all(np.array_equal(a, b) for a, b in zip(t.marked_sign_batch(7, 3), student_batch(7, 3)))
    assert "make_batch: all" in capsys.readouterr().out


BROKEN_BATCHES = {
    t.VALUES_FROM_ZERO: partial(student_batch, low=0.0),
    t.FEATURES_SWAPPED: partial(student_batch, swap=True),
    t.MARKERS_NOT_ONE_PER_HALF: partial(student_batch, anywhere=True),
    t.MARKERS_FIXED: partial(student_batch, fixed=True),
    t.LABEL_INVERTED: partial(student_batch, label="inverted"),
    t.LABEL_FROM_ALL_VALUES: partial(student_batch, label="all"),
    t.LABEL_NOT_A_CLASS: partial(student_batch, label="sum"),
    t.NOT_REPRODUCIBLE: partial(student_batch, global_rng=True),
    t.SEED_IGNORED: partial(student_batch, ignore_seed=True),
}


@pytest.mark.parametrize("mistake", list(BROKEN_BATCHES), ids=lambda mistake: mistake.name)
@pytest.mark.parametrize("hidden", [False, True])
def test_each_generator_mistake_is_named(mistake, hidden):
    with pytest.raises(CheckFailure) as failure:
        check_marked_sign_batch(BROKEN_BATCHES[mistake], hidden=hidden)
    assert f"this looks like '{mistake.name}'" in str(failure.value)


def test_time_major_batch_and_stub_get_clear_messages():
    with pytest.raises(CheckFailure, match="batch first"):
        check_marked_sign_batch(partial(student_batch, layout="time"))

    def stub(n, seed):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check_marked_sign_batch(stub)


# --- the model check, with stand-ins for trained models ---------------------------------------


def rule(x):
    return t._labels(x)


def marked(x):
    return t._marked_values(x)


def noisy(x, share):
    """Right except on a fixed share of the sequences (chosen by their content, so repeatable)."""
    answers = rule(x)
    flip = (np.abs(x[:, 0, 0]) * 1e4 % 1) < share
    return np.where(flip, 1 - answers, answers)


STAND_INS = {
    t.RECENT_VALUE_ONLY: lambda x: (marked(x)[1] > 0).astype(np.int64),
    t.FIRST_VALUE_ONLY: lambda x: (marked(x)[0] > 0).astype(np.int64),
    t.CONSTANT_ANSWER: lambda x: np.ones(len(x), dtype=np.int64),
    t.ANSWERS_INVERTED: lambda x: 1 - rule(x),
    t.AT_CHANCE: lambda x: (np.abs(x[:, 0, 0]) * 1e4 % 1 < 0.5).astype(np.int64),
    t.NOT_ACCURATE_ENOUGH: lambda x: noisy(x, 0.12),
    t.ANSWERS_NOT_CLASSES: lambda x: np.stack([1 - rule(x), rule(x)], axis=1).astype(np.float32),
}


@pytest.mark.parametrize("hidden", [False, True])
def test_a_right_model_passes(hidden, capsys):
    check_marked_sign_model(lambda x: noisy(x, 0.02), 5.0, hidden=hidden)
    assert "accuracy" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", list(STAND_INS), ids=lambda mistake: mistake.name)
@pytest.mark.parametrize("hidden", [False, True])
def test_each_failed_training_is_named(mistake, hidden):
    with pytest.raises(CheckFailure) as failure:
        check_marked_sign_model(STAND_INS[mistake], 5.0, hidden=hidden)
    assert f"this looks like '{mistake.name}'" in str(failure.value)


def test_hidden_check_requires_stable_answers():
    rng = np.random.default_rng(0)

    def dropout_left_on(x):
        answers = rule(x)
        return np.where(rng.random(len(x)) < 0.01, 1 - answers, answers)

    def batch_statistics(x):
        return 1 - rule(x) if len(x) == 1 else rule(x)

    for stand_in, mistake in (
        (dropout_left_on, t.NOT_DETERMINISTIC),
        (batch_statistics, t.BATCH_DEPENDENT),
    ):
        check_marked_sign_model(stand_in, 5.0)  # the visible check does not look at stability
        with pytest.raises(CheckFailure) as failure:
            check_marked_sign_model(stand_in, 5.0, hidden=True)
        assert f"this looks like '{mistake.name}'" in str(failure.value)


def test_budget_and_untrained_model():
    with pytest.raises(CheckFailure) as failure:
        check_marked_sign_model(rule, t.CPU_BUDGET_SECONDS + 1)
    assert f"this looks like '{t.OVER_BUDGET.name}'" in str(failure.value)
    with pytest.raises(CheckFailure, match="not implemented yet"):
        check_marked_sign_model(rule, None)


def test_test_sets_differ_and_their_seeds_are_not_in_the_notebooks():
    visible, hidden = t.marked_sign_batch(**t.VISIBLE_TEST), t.marked_sign_batch(**t.hidden_test())
    assert t.VISIBLE_TEST["seed"] != t.hidden_test()["seed"]
    assert not np.array_equal(visible[0], hidden[0][: len(visible[0])])
    for folder in ("solutions", "exercises"):
        text = (ROOT / folder / "ps07-choosing-a-model" / "ps07-choosing-a-model.ipynb").read_text()
        assert "check_marked_sign_model" in text
        for test in (t.VISIBLE_TEST, t.hidden_test()):
            assert str(test["seed"]) not in text


def test_the_task_needs_both_values():
    """The requirement sits above what one marked value or a guess can reach."""
    x, y = t.marked_sign_batch(**t.hidden_test())
    first, second = t._marked_values(x)
    assert 0.7 < np.mean((second > 0) == y) < 0.8 and 0.7 < np.mean((first > 0) == y) < 0.8
    assert 0.45 < np.mean(y) < 0.55 and t.REQUIRED_ACCURACY > 0.9
