"""Helpers for the character language model: encoding a text, and cutting it for truncated BPTT.

Truncated backpropagation through time reads a long text as ``batch`` parallel streams: the text is
cut into ``batch`` equal, contiguous pieces, one per row, and each training batch is the next
``steps`` characters of every row. Row ``b`` of batch ``k + 1`` continues exactly where row ``b`` of
batch ``k`` stopped, which is what makes carrying the state from one batch to the next correct.

The text is the Book of Genesis (King James Version, public domain), shipped in ``texts/`` with its
source and licence: ``genesis_text()`` is the one copy that chapter 7's page and ps07's task 4 read.
``bigram_log_probs`` is the baseline a trained model must beat. Only numpy is imported.
"""

from pathlib import Path

import numpy as np

TEXTS = Path(__file__).resolve().parent / "texts"
TRAIN_FRACTION = 0.9  # the first 90% of Genesis train, the last 10% validate


def genesis_text():
    """The Book of Genesis, KJV: 1533 verses, one per line (196,818 ASCII characters)."""
    return (TEXTS / "genesis-kjv.txt").read_text(encoding="ascii")


def genesis_codec():
    """The course's coding of characters: CharCodec of all of Genesis (60 characters)."""
    return CharCodec(genesis_text())


def genesis_split():
    """(training codes, validation codes): Genesis in genesis_codec()'s coding, cut at 90%."""
    codes = genesis_codec().encode(genesis_text())
    split = int(TRAIN_FRACTION * len(codes))
    return codes[:split], codes[split:]


class CharCodec:
    """The characters of a text, each mapped to an integer in order of their code points."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.index = {char: i for i, char in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        missing = sorted(set(text) - set(self.index))
        if missing:
            raise ValueError(f"characters not in the vocabulary: {missing[:5]}")
        return np.array([self.index[char] for char in text], dtype=np.int64)

    def decode(self, codes):
        return "".join(self.chars[int(code)] for code in codes)


def stream_batches(codes, batch, steps):
    """Cut a code sequence into truncated-BPTT batches.

    Args:
        codes: int array of shape (length,).
        batch: number of parallel streams.
        steps: characters per batch and stream (the truncation length).

    Returns:
        (inputs, targets): int64 arrays of shape (batches, batch, steps); targets are the inputs
        shifted by one character, and inputs[k + 1, b] continues inputs[k, b].
    """
    codes = np.asarray(codes, dtype=np.int64)
    per_row = (len(codes) - 1) // batch
    batches = per_row // steps
    if batches < 1:
        raise ValueError(
            f"{len(codes)} characters are too few for {batch} streams of {steps} steps"
        )
    usable = batches * steps
    # (batch, usable + 1)
    rows = np.stack([codes[b * per_row : b * per_row + usable + 1] for b in range(batch)])
    inputs = rows[:, :-1].reshape(batch, batches, steps).transpose(1, 0, 2)
    targets = rows[:, 1:].reshape(batch, batches, steps).transpose(1, 0, 2)
    return np.ascontiguousarray(inputs), np.ascontiguousarray(targets)


def bigram_log_probs(codes, vocab, alpha=0.1):
    """A bigram model counted on a text: the baseline a language model must beat.

    Args:
        codes: int array of shape (length,), the text it is fitted on.
        vocab: the number of characters.
        alpha: add-alpha smoothing, so that no pair has probability 0.

    Returns:
        float64 array of shape (vocab, vocab): row i holds log P(next character | character i).
    """
    codes = np.asarray(codes, dtype=np.int64)
    counts = np.full((vocab, vocab), float(alpha))
    np.add.at(counts, (codes[:-1], codes[1:]), 1.0)
    return np.log(counts / counts.sum(axis=1, keepdims=True))


def next_char_cross_entropy(log_probs, codes):
    """Mean cross-entropy in nats of each passage's next characters.

    Args:
        log_probs: (n, T, vocab); log_probs[i, t] = log P(character t + 1 | characters 0 .. t).
        codes: int (n, T), the passages.

    Returns:
        the mean of -log_probs[i, t, codes[i, t + 1]] over t < T - 1 (the last position has no
        next character in the passage); its exponential is the perplexity.
    """
    picked = np.take_along_axis(log_probs[:, :-1], np.asarray(codes)[:, 1:, None], axis=2)
    return float(-np.mean(picked))
