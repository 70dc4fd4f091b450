"""Helpers for the character language model: encoding a text, and cutting it for truncated BPTT.

Truncated backpropagation through time reads a long text as ``batch`` parallel streams: the text is
cut into ``batch`` equal, contiguous pieces, one per row, and each training batch is the next
``steps`` characters of every row. Row ``b`` of batch ``k + 1`` continues exactly where row ``b`` of
batch ``k`` stopped, which is what makes carrying the state from one batch to the next correct.
Only numpy is imported.
"""

import numpy as np


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
