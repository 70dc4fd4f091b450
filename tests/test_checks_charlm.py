"""ps07 task 4's character language model check, both ways, without training anything.

The check judges log-probabilities only, so counting models play the trained ones: an interpolated
4-gram model counted on Genesis's training part (what a trained LSTM does, and better) passes, and
each perturbation of it gives what one kind of failed training answers.
"""

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import CheckFailure, check_char_lm
from autograder.checks import charlm_training as ct
from autograder.grading import student_package
from autograder.training import charlm


class NGram:
    """An interpolated n-gram model: each order's counts smoothed towards the next lower order's
    distribution (a Dirichlet prior of weight ``beta``); it reads only the passage it is given.
    """

    def __init__(self, codes, vocab, order, beta=3.0):
        self.vocab, self.beta = vocab, beta
        codes = np.asarray(codes, dtype=np.int64)
        self.unigram = (np.bincount(codes, minlength=vocab) + 1.0) / (len(codes) + vocab)
        self.tables = []
        for k in range(1, order + 1):
            contexts = self._ids(np.lib.stride_tricks.sliding_window_view(codes[:-1], k))
            keys, inverse = np.unique(contexts, return_inverse=True)
            counts = np.zeros((len(keys), vocab))
            np.add.at(counts, (inverse, codes[k:]), 1.0)
            self.tables.append((keys, counts))

    def _ids(self, windows):
        return (windows * self.vocab ** np.arange(windows.shape[-1])[::-1]).sum(axis=-1)

    def __call__(self, codes):
        codes = np.asarray(codes, dtype=np.int64)
        n, steps = codes.shape
        p = np.broadcast_to(self.unigram, (n, steps, self.vocab)).copy()
        for k, (keys, counts) in enumerate(self.tables, start=1):
            if steps < k:
                break
            ids = self._ids(np.lib.stride_tricks.sliding_window_view(codes, k, axis=1))
            row = np.clip(np.searchsorted(keys, ids), 0, len(keys) - 1)
            seen = np.where((keys[row] == ids)[..., None], counts[row], 0.0)
            p[:, k - 1 :] = (seen + self.beta * p[:, k - 1 :]) / (
                seen.sum(axis=-1, keepdims=True) + self.beta
            )
        return np.log(p)


TRAIN, _ = charlm.genesis_split()
VOCAB = len(charlm.genesis_codec())
oracle = NGram(TRAIN, VOCAB, 4)
PERMUTATION = np.random.default_rng(0).permutation(VOCAB)
other_coding_model = NGram(PERMUTATION[TRAIN], VOCAB, 4)  # trained on codes of its own


def log_softmax(values):
    values = values - values.max(axis=-1, keepdims=True)
    return values - np.log(np.exp(values).sum(axis=-1, keepdims=True))


def test_texts_codec_and_baseline():
    text = charlm.genesis_text()
    assert len(text) == 196_818 and text.startswith("In the beginning God created")
    train, validation = charlm.genesis_split()
    assert len(train) == int(0.9 * len(text)) and len(train) + len(validation) == len(text)
    assert VOCAB == 60 and charlm.genesis_codec().decode(train[:2]) == "In"
    table = charlm.bigram_log_probs(train, VOCAB)
    assert table.shape == (60, 60) and np.allclose(np.exp(table).sum(axis=1), 1)
    space, t = charlm.genesis_codec().encode(" t")
    assert np.argmax(table[t]) == charlm.genesis_codec().index["h"]  # "th"
    assert space != t


def test_passages_are_drawn_from_the_right_text():
    visible = ct.scored_passages(False)
    assert visible.shape == (32, 128) and np.array_equal(visible, ct.scored_passages(False))
    validation = charlm.genesis_codec().decode(charlm.genesis_split()[1])
    assert charlm.genesis_codec().decode(visible[5]) in validation
    hidden = ct.scored_passages(True)
    exodus = ct.HELD_OUT.read_text(encoding="ascii")
    assert hidden.shape == (128, 128) and charlm.genesis_codec().decode(hidden[0]) in exodus
    with pytest.raises(ValueError):  # too few windows without an outside character
        ct.draw_passages(np.array([0, 1, -1, 2, 3]), 2, 3, np.random.default_rng(1))
    drawn = ct.draw_passages(np.array([0, 1, -1, 2, 3, 4, 5]), 2, 3, np.random.default_rng(1))
    assert drawn.tolist() == [[2, 3, 4], [3, 4, 5]]


def test_the_held_out_text_stays_out_of_the_student_package():
    held_out = str(ct.HELD_OUT.relative_to(student_package.PACKAGE))
    assert held_out in student_package.LEFT_OUT
    assert not [p for p in student_package.ALLOWLIST if ct.HELD_OUT.match(p)]


def test_the_oracle_passes_both_checks(capsys):
    check_char_lm(oracle, 5.0)
    check_char_lm(oracle, 5.0, hidden=True)
    out = capsys.readouterr().out
    assert "on the visible passages of Genesis" in out and "hidden passages of Exodus" in out
    assert "training took 5.0 s of CPU (budget 60 s)" in out


def shifted_right(codes):
    """Row t predicts character t (from characters before it): the answer one position late."""
    lp = oracle(codes)
    first = np.broadcast_to(np.log(oracle.unigram), (len(codes), 1, VOCAB))
    return np.concatenate([first, lp[:, :-1]], axis=1)


def reset_every_32(codes):
    return np.concatenate([oracle(codes[:, k : k + 32]) for k in range(0, codes.shape[1], 32)], 1)


def weak(codes):
    """Context used, but little learned: the oracle mixed with the unigram frequencies."""
    return np.log(0.15 * np.exp(oracle(codes)) + 0.85 * oracle.unigram)


half_learned = NGram(TRAIN, VOCAB, 2, beta=100.0)  # two characters of context, smoothed hard


WRONG = {
    m.CHARLM_PROBABILITIES: lambda codes: np.exp(oracle(codes)),
    m.CHARLM_LOGITS: lambda codes: 2.0 * oracle(codes) + 1.0,
    m.CHARLM_NOT_SHIFTED: shifted_right,
    m.CHARLM_CONTEXT_LOST: reset_every_32,
    m.CHARLM_OTHER_CODING: other_coding_model,
    m.CHARLM_TEMPERATURE: lambda codes: log_softmax(oracle(codes) / 0.3),
    m.CHARLM_NO_BETTER_THAN_BIGRAM: weak,
    m.CHARLM_NOT_GOOD_ENOUGH: half_learned,
}


@pytest.mark.parametrize("mistake", list(WRONG), ids=lambda mistake: mistake.name)
def test_each_wrong_model_is_named(mistake):
    with pytest.raises(CheckFailure) as failure:
        check_char_lm(WRONG[mistake], 5.0)
    message = str(failure.value)
    assert "visible passages of Genesis" in message
    assert f"this looks like '{mistake.name}'" in message, message


def test_a_model_without_context_is_named_by_the_probe():
    bigram = charlm.bigram_log_probs(TRAIN, VOCAB)
    with pytest.raises(CheckFailure, match="the same with and without") as failure:
        check_char_lm(lambda codes: bigram[codes], 5.0)
    assert m.CHARLM_CONTEXT_LOST.name in str(failure.value)


def test_over_budget_and_missing_training():
    with pytest.raises(CheckFailure, match="the budget is 60 s") as failure:
        check_char_lm(oracle, 61.0)
    assert m.CHARLM_OVER_BUDGET.name in str(failure.value)
    with pytest.raises(CheckFailure, match="no trained model: train_char_lm"):
        check_char_lm(oracle, None)


def raising(codes):
    raise NotImplementedError


@pytest.mark.parametrize(
    "answer, message",
    [
        (lambda codes: None, "returned None"),
        (lambda codes: oracle(codes).tolist(), "should return a numpy array of shape"),
        (lambda codes: oracle(codes)[:, :-1], r"the last one included"),
        (lambda codes: oracle(codes).transpose(1, 0, 2), "passages first"),
        (lambda codes: oracle(codes).reshape(-1, VOCAB), "reshape the flattened rows"),
        (lambda codes: oracle(codes)[..., :59], "returned 59 log-probabilities per position"),
        (lambda codes: codes[..., None].repeat(VOCAB, axis=2), "returned dtype int64"),
        (lambda codes: np.where(codes[..., None] == 3, np.nan, oracle(codes)), "returned NaN"),
        (lambda codes: np.full((*codes.shape, VOCAB), np.inf), r"returned \+inf"),
        (
            lambda codes: log_softmax(np.where(np.arange(VOCAB) == 1, -np.inf, oracle(codes))),
            "gets probability 0",
        ),
        (raising, "not implemented yet"),
    ],
)
def test_bad_outputs_get_clear_messages(answer, message):
    with pytest.raises(CheckFailure, match=message):
        check_char_lm(answer, 5.0)


def test_tensors_are_refused_with_the_conversion_to_use():
    torch = pytest.importorskip("torch")
    with pytest.raises(CheckFailure, match=r"returned a torch tensor.*detach\(\).numpy\(\)"):
        check_char_lm(lambda codes: torch.from_numpy(oracle(codes)), 5.0)


def test_hidden_check_needs_deterministic_batch_independent_answers():
    rng = np.random.default_rng(0)
    with pytest.raises(CheckFailure) as failure:
        check_char_lm(
            lambda codes: log_softmax(oracle(codes) + rng.normal(0, 0.01, (*codes.shape, VOCAB))),
            5.0,
            hidden=True,
        )
    assert m.CHARLM_NOT_DETERMINISTIC.name in str(failure.value)

    def one_stream(codes):  # the passages read as one text: each row's state from the row before
        return oracle(codes.reshape(1, -1)).reshape(*codes.shape, VOCAB)

    with pytest.raises(CheckFailure) as failure:
        check_char_lm(one_stream, 5.0, hidden=True)
    assert m.CHARLM_BATCH_DEPENDENT.name in str(failure.value)


def test_the_grading_kernel_gets_the_training_text_but_not_the_held_out_one(tmp_path):
    from autograder.grading.sandbox import build_kernel_package

    package = build_kernel_package(tmp_path) / "autograder"
    shipped = package / "training" / "texts" / "genesis-kjv.txt"
    assert shipped.read_text(encoding="ascii") == charlm.genesis_text()
    assert (package / "training" / "charlm.py").is_file()
    assert not [p for p in tmp_path.rglob("*") if p.name == ct.HELD_OUT.name]
