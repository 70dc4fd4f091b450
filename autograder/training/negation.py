"""A synthetic sentiment task where word order matters: "not good" is negative, "good ... not" is
not.

Each sentence holds filler words, exactly one sentiment word (positive or negative) and up to two
copies of the negator "not". A "not" flips the sentiment only when it comes **right before** the
sentiment word, or before "very" right before it ("not very good"); half of the sentences also hold
a distractor "not" at least two words after the sentiment word, which flips nothing. A bag of words
sees the same words in "not good ... " and "good ... not" and so stays near 75% accuracy; a model
that reads the words in order can reach 100%.

Token 0 is padding: sentences are padded at the end to a common length, and their real lengths are
returned so that Keras can mask and PyTorch can pack the padded steps. Only numpy is imported.
"""

import numpy as np

PAD = "<pad>"
NEGATOR, INTENSIFIER = "not", "very"
POSITIVE = ("good", "great", "fine", "lovely", "superb", "pleasant")
NEGATIVE = ("bad", "awful", "poor", "dull", "boring", "terrible")
FILLERS = (
    "the",
    "a",
    "film",
    "plot",
    "was",
    "is",
    "acting",
    "music",
    "and",
    "it",
    "quite",
    "story",
    "really",
    "ending",
    "this",
    "cast",
    "of",
    "so",
    "with",
    "scenes",
)
VOCABULARY = (PAD, NEGATOR, INTENSIFIER) + POSITIVE + NEGATIVE + FILLERS
INDEX = {word: index for index, word in enumerate(VOCABULARY)}


def negation_dataset(n, seed, min_length=5, max_length=16):
    """``n`` sentences of the negation task.

    Args:
        n: number of sentences.
        seed: an int for np.random.default_rng.
        min_length, max_length: the range of real lengths (padding fills up to max_length).

    Returns:
        (tokens, lengths, labels): tokens int64 (n, max_length), 0 after each sentence's end;
        lengths int64 (n,); labels int64 (n,), 1 for a positive sentence.
    """
    if not 5 <= min_length <= max_length:
        raise ValueError(f"need 5 <= min_length <= max_length, got {min_length}, {max_length}")
    rng = np.random.default_rng(seed)
    tokens = np.zeros((n, max_length), dtype=np.int64)
    lengths = rng.integers(min_length, max_length + 1, size=n)
    labels = np.empty(n, dtype=np.int64)
    fillers = np.array([INDEX[w] for w in FILLERS])
    for row, length in enumerate(lengths):
        words = list(rng.choice(fillers, size=length))
        positive = rng.random() < 0.5
        sentiment = INDEX[str(rng.choice(POSITIVE if positive else NEGATIVE))]
        negated, distractor, very = rng.random(3) < (0.5, 0.5, 0.3)
        # where the sentiment word goes: room before it for "not (very)", after it for a distractor
        before = 1 + int(very) if negated else 0
        after = 2 if distractor else 0
        position = int(rng.integers(before, length - after))
        words[position] = sentiment
        if negated:
            words[position - 1] = INDEX[INTENSIFIER] if very else INDEX[NEGATOR]
            if very:
                words[position - 2] = INDEX[NEGATOR]
        elif very:
            if position >= 1:
                words[position - 1] = INDEX[INTENSIFIER]  # "very good", not negated
        if distractor:
            words[int(rng.integers(position + 2, length))] = INDEX[NEGATOR]
        tokens[row, :length] = words
        labels[row] = int(positive != negated)
    return tokens, lengths.astype(np.int64), labels


def decode(tokens, length=None):
    """The words of one sentence, padding left out."""
    tokens = np.asarray(tokens)[:length]
    return " ".join(VOCABULARY[t] for t in tokens if t != 0)


def bag_of_words_baseline(train_tokens, train_labels, test_tokens):
    """Logistic regression on word counts (order thrown away), trained by least squares on ±1
    targets.

    Returns the predicted classes for ``test_tokens``.
    """

    def counts(tokens):
        table = np.zeros((len(tokens), len(VOCABULARY) + 1))
        np.add.at(table, (np.arange(len(tokens))[:, None].repeat(tokens.shape[1], 1), tokens), 1)
        table[:, 0] = 1.0  # the padding column becomes the bias
        # the interaction that a bag of words can still see: a sentiment word's sign times "not"'s
        # count
        sign = np.isin(tokens, [INDEX[w] for w in POSITIVE]).sum(1) - np.isin(
            tokens, [INDEX[w] for w in NEGATIVE]
        ).sum(1)
        table[:, -1] = sign * table[:, INDEX[NEGATOR]]
        return table

    design = counts(train_tokens)
    weights = np.linalg.lstsq(design, 2.0 * train_labels - 1.0, rcond=None)[0]
    return (counts(test_tokens) @ weights > 0).astype(np.int64)
