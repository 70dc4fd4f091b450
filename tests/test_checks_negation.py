"""ps06's negation-classifier check, both ways, with numpy stand-ins for trained models.

The check judges answers only, so stand-ins play the models: the generator's own rule read off the
tokens (what a packed or masked model learns), and one stand-in per mistake, each answering what
that kind of failed training answers. They run in milliseconds.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import CheckFailure, check_negation_classifier
from autograder.checks import negation_training as nt
from autograder.training import negation

ROOT = Path(__file__).resolve().parents[1]
NOT, VERY = negation.INDEX[negation.NEGATOR], negation.INDEX[negation.INTENSIFIER]
POSITIVE = [negation.INDEX[w] for w in negation.POSITIVE]
NEGATIVE = [negation.INDEX[w] for w in negation.NEGATIVE]


def rule(tokens, lengths):
    """The generator's rule: the sentiment word, flipped by "not" or "not very" right before it."""
    tokens = np.asarray(tokens)
    answers = np.zeros(len(tokens), dtype=np.int64)
    for row, (sentence, length) in enumerate(zip(tokens, lengths)):
        words = list(sentence[:length])
        where = next(i for i, w in enumerate(words) if w in POSITIVE or w in NEGATIVE)
        negated = (where >= 1 and words[where - 1] == NOT) or (
            where >= 2 and words[where - 1] == VERY and words[where - 2] == NOT
        )
        answers[row] = int((words[where] in POSITIVE) != negated)
    return answers


def test_the_rule_is_the_generators():
    tokens, lengths, labels = negation.negation_dataset(500, seed=1)
    assert np.array_equal(rule(tokens, lengths), labels)


def test_the_rule_passes_both_checks(capsys):
    check_negation_classifier(rule, 5.0)
    check_negation_classifier(rule, 5.0, hidden=True)
    out = capsys.readouterr().out
    assert "accuracy 100.0% on the visible test sentences" in out
    assert "on the hidden test sentences" in out and "padded to 24, 64 steps" in out
    assert "training took 5.0 s of CPU (budget 40 s)" in out


def test_classes_of_other_kinds_that_mean_the_same_pass():
    check_negation_classifier(lambda t, n: rule(t, n).astype(bool), 1.0)
    check_negation_classifier(lambda t, n: rule(t, n).astype(np.float32)[:, None], 1.0)


def reads_padding(tokens, lengths):
    """A model without a mask: right at width 16, but a few zeros more flip some answers."""
    answers = rule(tokens, lengths)
    width = np.asarray(tokens).shape[1]
    flipped = (np.arange(len(answers)) % 97 == 0) & (width > 16)
    return np.where(flipped, 1 - answers, answers)


def last_padded_step(tokens, lengths):
    """output[:, -1] of a padded batch: zeros for every sentence shorter than the batch."""
    answers = rule(tokens, lengths)
    return np.where(np.asarray(lengths) == np.asarray(tokens).shape[1], answers, 1)


def bag_of_words(tokens, lengths):
    train = negation.negation_dataset(2000, seed=3)
    return negation.bag_of_words_baseline(train[0], train[2], np.asarray(tokens))


def order_free(tokens, lengths):
    """A mean of embeddings: the sentiment word's sign, flipped if any "not" is in the sentence."""
    tokens = np.asarray(tokens)
    sign = np.isin(tokens, POSITIVE).any(1)
    return (sign != (tokens == NOT).any(1)).astype(np.int64)


def sorted_order(tokens, lengths):
    order = np.argsort(-np.asarray(lengths), kind="stable")
    return rule(np.asarray(tokens)[order], np.asarray(lengths)[order])


def partly_right(tokens, lengths):
    """Wrong on the sentences that start with one of a few words (about 12% of them)."""
    answers = rule(tokens, lengths)
    return np.where(np.asarray(tokens)[:, 0] % 8 == 0, 1 - answers, answers)


def at_chance(tokens, lengths):
    return (np.asarray(tokens)[:, 0] % 2).astype(np.int64)


def position_dependent(tokens, lengths):
    """Sorts for packing and restores the order wrongly when the batch came sorted already."""
    answers = rule(tokens, lengths)
    lengths = np.asarray(lengths)
    if len(np.unique(lengths)) > 1 and np.all(np.diff(lengths) >= 0):
        answers[0] = 1 - answers[0]
    return answers


WRONG = {
    m.NEGATION_PADDING_READ: reads_padding,
    m.NEGATION_LAST_PADDED_STEP: last_padded_step,
    m.NEGATION_ORDER_IGNORED: bag_of_words,
    m.NEGATION_LABELS_INVERTED: lambda t, n: 1 - rule(t, n),
    m.NEGATION_CONSTANT: lambda t, n: np.ones(len(t), dtype=np.int64),
    m.NEGATION_SORTED_ORDER: sorted_order,
    m.NEGATION_NOT_ACCURATE_ENOUGH: partly_right,
    m.NEGATION_AT_CHANCE: at_chance,
    m.NEGATION_POSITION_DEPENDENT: position_dependent,
}


@pytest.mark.parametrize("mistake", list(WRONG), ids=lambda mistake: mistake.name)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_each_wrong_classifier_is_named(mistake, hidden):
    with pytest.raises(CheckFailure) as failure:
        check_negation_classifier(WRONG[mistake], 5.0, hidden=hidden)
    message = str(failure.value)
    assert "hidden test sentences" in message if hidden else "visible test sentences" in message
    assert f"this looks like '{mistake.name}'" in message, message


def test_a_mean_of_embeddings_is_named_by_the_shuffled_sentences():
    with pytest.raises(CheckFailure) as failure:
        check_negation_classifier(order_free, 5.0)
    assert f"this looks like '{m.NEGATION_ORDER_IGNORED.name}'" in str(failure.value)


def test_a_changed_padding_answer_says_what_was_asked():
    with pytest.raises(CheckFailure) as failure:
        check_negation_classifier(reads_padding, 5.0)
    message = str(failure.value)
    assert "answers changed when the same sentences were asked padded to 24 steps" in message


@pytest.mark.parametrize(
    "returned, message, mistake",
    [
        (lambda t, n: None, "returned None", None),
        (
            lambda t, n: list(rule(t, n)),
            "should return a numpy array of shape (1000,), got list",
            None,
        ),
        (lambda t, n: rule(t, n)[:-1], r"returned shape (999,), expected (1000,)", None),
        (lambda t, n: np.eye(2)[rule(t, n)], "returned shape (1000, 2)", m.NEGATION_NOT_CLASSES),
        (
            lambda t, n: 0.3 + 0.4 * rule(t, n),
            "returned values such as 0.3, 0.7",
            m.NEGATION_NOT_CLASSES,
        ),
        (lambda t, n: rule(t, n) * np.nan, "returned NaN or inf", None),
        (lambda t, n: np.array(["positive"] * len(t)), "returned values of dtype <U8", None),
        (lambda t, n: np.ones((len(t), 3)), "returned shape (1000, 3)", None),
    ],
    ids=["none", "list", "short", "scores", "probabilities", "nan", "strings", "3d"],
)
def test_answers_of_the_wrong_kind(returned, message, mistake):
    with pytest.raises(CheckFailure) as failure:
        check_negation_classifier(returned, 1.0)
    assert message in str(failure.value)
    if mistake:
        assert f"this looks like '{mistake.name}'" in str(failure.value)
    assert "Traceback" not in str(failure.value)


def test_tensors_are_refused_with_the_conversion():
    torch = pytest.importorskip("torch")
    with pytest.raises(CheckFailure, match=r"returned a torch tensor.*\.detach\(\)\.numpy\(\)"):
        check_negation_classifier(lambda t, n: torch.from_numpy(rule(t, n)), 1.0)


def test_a_tensorflow_tensor_is_refused_without_importing_tensorflow():
    EagerTensor = type("EagerTensor", (), {"__module__": "tensorflow.python.framework.ops"})
    with pytest.raises(CheckFailure, match=r"returned a tensorflow tensor.*convert_to_numpy"):
        check_negation_classifier(lambda t, n: EagerTensor(), 1.0)


def test_an_error_in_answer_is_reported_without_our_traceback():
    def broken(tokens, lengths):
        return rule(tokens, lengths) + np.zeros(3)

    with pytest.raises(CheckFailure) as failure:
        check_negation_classifier(broken, 1.0)
    assert str(failure.value).startswith(
        "answer raised ValueError: operands could not be broadcast"
    )


def test_budget_and_untrained_model():
    with pytest.raises(CheckFailure) as failure:
        check_negation_classifier(rule, nt.CPU_BUDGET_SECONDS + 1)
    assert "the budget is 40 s" in str(failure.value)
    assert f"this looks like '{m.NEGATION_OVER_BUDGET.name}'" in str(failure.value)
    with pytest.raises(CheckFailure, match="train_classifier is not implemented yet"):
        check_negation_classifier(rule, None)


def test_the_hidden_check_needs_stable_batch_independent_answers():
    rng = np.random.default_rng(0)

    def noisy(tokens, lengths):
        answers = rule(tokens, lengths)
        return np.where(rng.random(len(answers)) < 0.01, 1 - answers, answers)

    with pytest.raises(CheckFailure) as failure:
        check_negation_classifier(noisy, 1.0, hidden=True)
    assert f"this looks like '{m.NEGATION_NOT_DETERMINISTIC.name}'" in str(failure.value)

    def alone_differs(tokens, lengths):
        answers = rule(tokens, lengths)
        return 1 - answers if len(answers) == 1 else answers

    with pytest.raises(CheckFailure) as failure:
        check_negation_classifier(alone_differs, 1.0, hidden=True)
    assert f"this looks like '{m.NEGATION_BATCH_DEPENDENT.name}'" in str(failure.value)


def test_the_requirement_sits_above_the_bag_of_words():
    tokens, lengths, labels = negation.negation_dataset(**nt.hidden_test())
    train = negation.negation_dataset(2000, seed=11)
    bag = np.mean(negation.bag_of_words_baseline(train[0], train[2], tokens) == labels)
    assert 0.7 < bag < 0.8 < nt.REQUIRED_ACCURACY
    assert 0.45 < np.mean(labels) < 0.55


def test_test_sets_differ_and_their_seeds_are_not_in_the_notebooks():
    assert nt.VISIBLE_TEST["seed"] != nt.hidden_test()["seed"]
    visible = negation.negation_dataset(**nt.VISIBLE_TEST)[0]
    hidden = negation.negation_dataset(**nt.hidden_test())[0]
    assert not np.array_equal(visible, hidden[: len(visible)])
    for folder in ("solutions", "exercises"):
        path = ROOT / folder / "ps06-bidirectional-deep" / "ps06-bidirectional-deep.ipynb"
        text = path.read_text()
        assert "check_negation_classifier" in text
        sources = "".join("".join(c["source"]) for c in json.loads(text)["cells"])
        for test in (nt.VISIBLE_TEST, nt.hidden_test()):
            assert str(test["seed"]) not in sources
