"""Fixed-seed test cases shared by the checks: the same seeds give the same cases everywhere."""

import numpy as np


def rnn_params(rng, features, units, scale=0.5):
    """Random W_x (features, units), W_h (units, units) and b (units,), drawn from ``rng``."""
    return (rng.normal(0, scale, (features, units)), rng.normal(0, scale, (units, units)),
            rng.normal(0, scale, units))


def worked_example():
    """The seeds' series [0.1, 0.2, 0.3] with W=2.0, U=0.5, b=0.1 and h0=0, as a batch of one."""
    x = np.array([0.1, 0.2, 0.3]).reshape(1, 3, 1)
    return x, np.zeros((1, 1)), np.array([[2.0]]), np.array([[0.5]]), np.array([0.1])


def rnn_sequence_cases(hidden):
    """Cases (sizes, x, h0, W_x, W_h, b) for a sequence-level RNN check.

    Visible cases teach; hidden ones add the edge cases grading needs: batch 1, one time step,
    zero weights, and square weights (features == units) so that a swap or a transpose runs
    and can be recognised instead of crashing.
    """
    specs = ([(1, 3, 1, 1, None), (3, 3, 4, 4, 12), (2, 5, 3, 4, 11)] if not hidden else
             [(1, 1, 2, 3, 21), (4, 6, 5, 5, 22), (2, 4, 3, 2, "zeros"), (5, 5, 2, 3, 23)])
    cases = []
    for batch, time, features, units, seed in specs:
        if seed is None:
            x, h0, W_x, W_h, b = worked_example()
        else:
            rng = np.random.default_rng(seed if seed != "zeros" else 0)
            x = rng.normal(0, 1, (batch, time, features))
            h0 = rng.normal(0, 0.5, (batch, units))
            if seed == "zeros":
                W_x, W_h, b = np.zeros((features, units)), np.zeros((units, units)), np.zeros(units)
            else:
                W_x, W_h, b = rnn_params(rng, features, units)
        sizes = dict(batch=batch, time=time, features=features, units=units)
        cases.append((sizes, x, h0, W_x, W_h, b))
    return cases
