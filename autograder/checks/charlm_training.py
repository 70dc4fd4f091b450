"""Check for ps07's task 4: a character language model trained within a CPU budget, scored by its
perplexity on passages drawn here.

The student trains on Genesis (``autograder.training.charlm.genesis_text()``, shipped in the student
package) with truncated BPTT and provides ``answer(codes) -> log_probs``: for passages ``codes`` of
shape (n, T) in the course's coding (``genesis_codec()``), ``log_probs[i, t]`` is the
log-probability of every character being character t + 1 of passage i, given characters 0 .. t, each
passage read from a zero state. ``check_char_lm(answer, training_seconds)`` draws passages at
positions it picks itself, scores the mean cross-entropy of each passage's next characters (the last
position has no next character and is only checked to be a distribution), and requires a perplexity
of at most ``REQUIRED_RATIO`` times that of a bigram model counted on the training part of Genesis,
on the same passages: comparing with a baseline on the same passages keeps the bar fair wherever
they fall.

**What is scored, and why a student cannot train on it.** The visible check scores passages of the
last 10% of Genesis, which the notebook keeps for validation: useful feedback, but a student holds
that text. The grade comes from the hidden check, which scores passages of a text the student never
has: Exodus 1–20 in the same translation (``autograder/grading/heldout/``, the same source and
licence, left out of the student package and of the grading kernel). Same spelling, names and
phrasing, so a model that learned the language of Genesis rather than its verses scores as well
there; one that memorised Genesis gains nothing. Passages that would hold one of Exodus's two
characters that Genesis lacks (``-`` and ``V``) are never drawn. The hidden positions are drawn
from the course secret for the student graded (``case_rng``), so a regrade is identical and they
are in no file a student has. Nor can a student train on Exodus quietly: the grader re-runs the
notebook in its sandbox, without network, so any text but the shipped Genesis would have to be
pasted into the notebook itself, in plain view.

Besides the perplexity, the answers must be log-probabilities (not probabilities or logits), must
use the passage's earlier characters (a state reset inside a passage is named), and, when graded,
must repeat on a second call and not depend on the batch around a passage. A failing perplexity is
explained by what the answers fit best: the current character instead of the next, the characters'
frequencies under another coding, or log-probabilities that a temperature would bring under the
bar. Only numpy is imported.
"""

import functools
from pathlib import Path

import numpy as np

from .. import mistakes as m
from ..training.charlm import (
    bigram_log_probs,
    genesis_codec,
    genesis_split,
    next_char_cross_entropy,
)
from ._cases import case_rng
from ._report import call_student
from ._trained import fail, require_array, require_stable, require_training

PASSAGE_LENGTH = 128
VISIBLE_PASSAGES = 32
HIDDEN_PASSAGES = 128
VISIBLE_SEED = 4_2027
REQUIRED_RATIO = 0.55
CPU_BUDGET_SECONDS = 60.0
HELD_OUT = Path(__file__).resolve().parents[1] / "grading" / "heldout" / "exodus-1-20-kjv.txt"
# where the context probe cuts a passage: a model that uses the characters before these positions
# answers differently with and without them
PROBE_STARTS = (PASSAGE_LENGTH // 4, PASSAGE_LENGTH // 2)
NORMALISED = 1e-3  # how far from 1 a row's probabilities may add up (float32 log_softmax: ~1e-6)
STABLE = 1e-3  # log-probabilities of two calls (or batch shapes) may differ by this much (float32)
TEMPERATURES = np.geomspace(0.25, 4.0, 13)


@functools.lru_cache(maxsize=1)
def _codec():
    return genesis_codec()


@functools.lru_cache(maxsize=1)
def _genesis_validation():
    return genesis_split()[1]


@functools.lru_cache(maxsize=1)
def _baseline_table():
    """The bigram baseline, counted on the training part of Genesis."""
    train, _ = genesis_split()
    return bigram_log_probs(train, len(_codec()))


def draw_passages(codes, n, length, rng):
    """``n`` passages of ``length`` codes at distinct positions of ``codes`` drawn from ``rng``,
    in text order; windows holding a negative code (a character outside the coding) are never drawn.

    Returns:
        int64 array of shape (n, length).
    """
    codes = np.asarray(codes, dtype=np.int64)
    outside = np.concatenate([[0], np.cumsum(codes < 0)])
    starts = np.flatnonzero(outside[length:] == outside[: len(outside) - length])
    picked = np.sort(rng.choice(starts, size=n, replace=False))
    return codes[picked[:, None] + np.arange(length)]


def scored_passages(hidden):
    """The passages the check scores: visible, from Genesis's validation part on a fixed seed;
    hidden, from the held-out Exodus 1-20 at positions drawn from the course secret.
    """
    if hidden:
        index = _codec().index
        text = HELD_OUT.read_text(encoding="ascii")
        codes, n = np.array([index.get(char, -1) for char in text]), HIDDEN_PASSAGES
    else:
        codes, n = _genesis_validation(), VISIBLE_PASSAGES
    rng = case_rng(VISIBLE_SEED if not hidden else None, hidden, "char_lm_passages", 0)
    return draw_passages(codes, n, PASSAGE_LENGTH, rng)


def _log_probs(name, value, shape, case):
    """Validate answer(codes): finite-or--inf float numpy log-probabilities of shape (n, T,
    vocab)."""
    n, steps = shape
    vocab = len(_codec())
    expected = (n, steps, vocab)
    value = require_array(name, value, f"{expected}", case)
    if value.ndim != 3 or value.shape[:2] != (n, steps):
        why = "one row of log-probabilities per passage and position"
        if value.shape == (n, steps - 1, vocab):
            why = "a row for every position, the last one included: row t predicts character t + 1"
        elif value.shape == (n * steps, vocab):
            why = "reshape the flattened rows to (passages, positions, vocab)"
        elif value.shape == (steps, n, vocab):
            why = "passages first: log_probs[i, t] is passage i's position t (batch_first=True)"
        fail(name, f"returned shape {value.shape}, expected {expected}: {why}", case)
    if value.shape[2] != vocab:
        fail(
            name,
            f"returned {value.shape[2]} log-probabilities per position, expected {vocab}: one"
            " per character of genesis_codec()",
            case,
            m.CHARLM_OTHER_CODING,
        )
    if not np.issubdtype(value.dtype, np.floating):
        fail(name, f"returned dtype {value.dtype}; expected float log-probabilities", case)
    for bad, what in ((np.isnan(value), "NaN"), (np.isposinf(value), "+inf")):
        if bad.any():
            i, t, c = (int(k) for k in np.argwhere(bad)[0])
            fail(name, f"returned {what} (passage {i}, position {t}, character {c})", case)
    return value.astype(np.float64)


def _logsumexp(values):
    top = values.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return (top + np.log(np.exp(values - top).sum(axis=-1, keepdims=True)))[..., 0]


def _check_normalised(name, log_probs, case):
    if (
        log_probs.min() >= 0
        and log_probs.max() <= 1
        and np.allclose(log_probs.sum(axis=-1), 1, atol=NORMALISED)
    ):
        fail(
            name,
            "every row lies in [0, 1] and adds up to 1: these are probabilities",
            case,
            m.CHARLM_PROBABILITIES,
        )
    totals = _logsumexp(log_probs)
    gap = np.abs(totals)
    if not np.all(gap <= NORMALISED):
        worst = np.argmax(np.where(np.isnan(gap), np.inf, gap))
        i, t = (int(k) for k in np.unravel_index(worst, gap.shape))
        fail(
            name,
            f"the probabilities of passage {i}, position {t} add up to {np.exp(totals[i, t]):.4g},"
            " not 1: these are not log-probabilities",
            case,
            m.CHARLM_LOGITS,
        )


def _cross_entropy_at_temperature(log_probs, codes, scale):
    scaled = scale * log_probs
    return next_char_cross_entropy(scaled - _logsumexp(scaled)[..., None], codes)


def _best_temperature(log_probs, codes):
    """(scale, cross-entropy): the factor on the log-probabilities that would score best."""
    scores = [_cross_entropy_at_temperature(log_probs, codes, s) for s in TEMPERATURES]
    best = int(np.argmin(scores))
    return float(TEMPERATURES[best]), scores[best]


def _other_coding(log_probs, codes):
    """Whether the mean predicted distribution is the characters' frequencies, permuted."""
    vocab = log_probs.shape[2]
    predicted = np.exp(log_probs[:, :-1]).mean(axis=(0, 1))
    frequencies = np.bincount(codes[:, 1:].ravel(), minlength=vocab) / codes[:, 1:].size
    apart = 0.5 * np.abs(predicted - frequencies).sum()
    sorted_apart = 0.5 * np.abs(np.sort(predicted) - np.sort(frequencies)).sum()
    return apart > 0.4 and sorted_apart < 0.25


def _log_probs_difference(first, second):
    """None when two calls' log-probabilities agree to STABLE, else the largest difference."""
    gap = float(np.max(np.abs(np.nan_to_num(first - second, nan=np.inf))))
    return f"log-probabilities up to {gap:.3g} apart" if gap > STABLE else None


def check_char_lm(answer, training_seconds, hidden=False):
    """Check a trained character language model through ``answer(codes) -> log_probs``.

    Args:
        answer: the student's function: codes int64 (n, T) in genesis_codec()'s coding -> numpy
            (n, T, vocab), log P(character t + 1 | characters 0 .. t of the same passage).
        training_seconds: the CPU time (time.process_time) the notebook's training took, or None if
            training did not run.
        hidden: grade on passages of the held-out text (Exodus 1-20) at positions drawn from the
            course secret, and also require answers that repeat and do not depend on the batch.
    """
    name = "answer"
    seconds = require_training(
        name, training_seconds, CPU_BUDGET_SECONDS, m.CHARLM_OVER_BUDGET, "train_char_lm"
    )
    codes = scored_passages(hidden)
    label = "hidden passages of Exodus 1-20" if hidden else "visible passages of Genesis"
    case = f"{label}: {len(codes)} passages of {PASSAGE_LENGTH} characters"

    def ask(inputs, case):
        value = call_student(name, answer, (inputs,), case)
        return _log_probs(name, value, inputs.shape, case)

    log_probs = ask(codes.copy(), case)
    _check_normalised(name, log_probs, case)
    picked = np.take_along_axis(log_probs[:, :-1], codes[:, 1:, None], axis=2)[..., 0]
    if np.isneginf(picked).any():
        i, t = (int(k) for k in np.argwhere(np.isneginf(picked))[0])
        char = _codec().chars[codes[i, t + 1]]
        fail(
            name,
            f"passage {i}: character {t + 1} ({char!r}) gets probability 0 (log-probability"
            " -inf), so the cross-entropy is infinite",
            case,
        )
    entropy = next_char_cross_entropy(log_probs, codes)
    perplexity = float(np.exp(entropy))
    baseline = float(np.exp(next_char_cross_entropy(_baseline_table()[codes], codes)))
    required = REQUIRED_RATIO * baseline
    score = (
        f"perplexity {perplexity:.2f}; required at most {required:.2f}, {REQUIRED_RATIO:g} times"
        f" the bigram baseline's {baseline:.2f}"
    )
    if perplexity > required:
        current = -float(np.mean(np.take_along_axis(log_probs, codes[..., None], axis=2)))
        if current < 0.8 * entropy:
            fail(name, score, case, m.CHARLM_NOT_SHIFTED)
        if _other_coding(log_probs, codes):
            fail(name, score, case, m.CHARLM_OTHER_CODING)
        scale, best = _best_temperature(log_probs, codes)
        if not 0.75 <= scale <= 1.34 and np.exp(best) <= required:
            fail(
                name,
                f"{score}; your log-probabilities multiplied by {scale:.2g} and normalised again"
                " would pass: they are sharpened or flattened",
                case,
                m.CHARLM_TEMPERATURE,
            )
    for start in PROBE_STARTS:
        probe = f"{label}: the same passages from character {start} on"
        alone = ask(codes[:, start:].copy(), probe)
        gap = float(np.max(np.abs(alone[:, 0] - log_probs[:, start])))
        if gap <= STABLE:
            fail(
                name,
                f"position {start}'s log-probabilities are the same with and without the"
                f" passage's first {start} characters before it (largest difference {gap:.2g})",
                probe,
                m.CHARLM_CONTEXT_LOST,
            )
    if perplexity > required:
        mistake = (
            m.CHARLM_NO_BETTER_THAN_BIGRAM
            if perplexity > 0.9 * baseline
            else m.CHARLM_NOT_GOOD_ENOUGH
        )
        fail(name, score, case, mistake)
    if hidden:
        mistakes = (m.CHARLM_NOT_DETERMINISTIC, m.CHARLM_BATCH_DEPENDENT)
        difference = _log_probs_difference
        require_stable(name, ask, codes, log_probs, difference, label, mistakes, "passage")
    print(
        f"{name}: perplexity {perplexity:.2f} on the {label} ({len(codes)} of {PASSAGE_LENGTH}"
        f" characters), {perplexity / baseline:.2f} times the bigram baseline's {baseline:.2f}"
        f" (required {REQUIRED_RATIO:g}); training took {seconds:.1f} s of CPU (budget"
        f" {CPU_BUDGET_SECONDS:g} s)"
    )


__all__ = [
    "check_char_lm",
    "draw_passages",
    "scored_passages",
    "PASSAGE_LENGTH",
    "REQUIRED_RATIO",
    "CPU_BUDGET_SECONDS",
]
