"""The data helpers of the negation classifier and the character language model."""

import numpy as np
import pytest

from autograder.training import charlm, negation


def test_negation_sentences_follow_the_rule():
    tokens, lengths, labels = negation.negation_dataset(3000, seed=1)
    assert tokens.shape == (3000, 16) and lengths.min() >= 5 and lengths.max() <= 16
    # padding after the end only
    assert np.all(tokens[np.arange(16)[None, :] >= lengths[:, None]] == 0)
    assert np.all(tokens[np.arange(16)[None, :] < lengths[:, None]] != 0)
    positive = {negation.INDEX[w] for w in negation.POSITIVE}
    sentiment = {negation.INDEX[w] for w in negation.POSITIVE + negation.NEGATIVE}
    not_, very = negation.INDEX["not"], negation.INDEX["very"]
    for row in range(3000):
        words = list(tokens[row, : lengths[row]])
        (where,) = [i for i, w in enumerate(words) if w in sentiment]
        negated = (where >= 1 and words[where - 1] == not_) or (
            where >= 2 and words[where - 1] == very and words[where - 2] == not_
        )
        assert labels[row] == int((words[where] in positive) != negated), negation.decode(words)
    assert 0.45 < labels.mean() < 0.55
    assert np.array_equal(tokens, negation.negation_dataset(3000, seed=1)[0])


def test_bag_of_words_cannot_see_order():
    train, test = negation.negation_dataset(3000, seed=2), negation.negation_dataset(2000, seed=3)
    accuracy = np.mean(negation.bag_of_words_baseline(train[0], train[2], test[0]) == test[2])
    assert 0.65 < accuracy < 0.82


def test_decode_and_bad_lengths():
    assert negation.decode([negation.INDEX["not"], negation.INDEX["good"], 0, 0]) == "not good"
    with pytest.raises(ValueError, match="min_length"):
        negation.negation_dataset(3, seed=0, min_length=3)


def test_codec_round_trip_and_unknown_characters():
    codec = charlm.CharCodec("hello world")
    assert len(codec) == 8 and codec.decode(codec.encode("hello")) == "hello"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        codec.encode("xyz")


def test_stream_batches_continue_each_row():
    codes = np.arange(1000)
    inputs, targets = charlm.stream_batches(codes, batch=4, steps=10)
    per_row = 999 // 4
    assert inputs.shape == targets.shape == (per_row // 10, 4, 10)
    assert np.array_equal(inputs[1, 2], codes[2 * per_row + 10 : 2 * per_row + 20])
    assert np.array_equal(targets, inputs + 1)
    with pytest.raises(ValueError, match="too few"):
        charlm.stream_batches(codes[:20], batch=4, steps=10)
