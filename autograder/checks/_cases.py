"""Test cases shared by the checks: visible ones from fixed seeds, hidden ones from the course
secret.

Visible cases are the same everywhere (students learn from them). Hidden cases exist only in the
instructor's grader: their sizes and seeds come from ``autograder.grading.secret``, which draws
every random value from the course secret, the assignment and the student being graded. Without
that module (the student package) or without a secret (no grader), asking for them raises.
"""

import numpy as np


def _hidden_specs(label):
    """The hidden specs of ``label`` (each ending in its seed), from the grader's secret module."""
    try:
        from ..grading.secret import hidden_specs
    except ImportError:
        raise RuntimeError(
            "hidden checks run only in the instructor's grader (python -m autograder "
            "grade); this copy of the course package has no hidden cases"
        ) from None
    return hidden_specs(label)


def case_rng(seed, hidden, label, index):
    """The generator of case ``index`` of a case set ``label``: from ``seed`` when visible, from the
    course secret when hidden (for checks whose case tables live outside this module)."""
    if not hidden:
        return np.random.default_rng(seed)
    try:
        from ..grading.secret import hidden_seed
    except ImportError:
        raise RuntimeError(
            "hidden checks run only in the instructor's grader (python -m autograder "
            "grade); this copy of the course package has no hidden cases"
        ) from None
    return np.random.default_rng(hidden_seed(label, index))


def _gru_variants(hidden):
    if not hidden:
        return _GRU_VARIANTS
    from ..grading.secret import HIDDEN_GRU_VARIANTS

    return HIDDEN_GRU_VARIANTS


def rnn_params(rng, features, units, scale=0.5):
    """Random W_x (features, units), W_h (units, units) and b (units,), drawn from ``rng``."""
    return (
        rng.normal(0, scale, (features, units)),
        rng.normal(0, scale, (units, units)),
        rng.normal(0, scale, units),
    )


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
    specs = (
        [(1, 3, 1, 1, "worked", None), (3, 3, 4, 4, "random", 12), (2, 5, 3, 4, "random", 11)]
        if not hidden
        else _hidden_specs("rnn_sequence")
    )
    cases = []
    for batch, time, features, units, kind, seed in specs:
        if kind == "worked":
            x, h0, W_x, W_h, b = worked_example()
        else:
            rng = np.random.default_rng(seed)
            x = rng.normal(0, 1, (batch, time, features))
            h0 = rng.normal(0, 0.5, (batch, units))
            if kind == "zeros":
                W_x, W_h, b = np.zeros((features, units)), np.zeros((units, units)), np.zeros(units)
            else:
                W_x, W_h, b = rnn_params(rng, features, units)
        sizes = dict(batch=batch, time=time, features=features, units=units)
        cases.append((sizes, x, h0, W_x, W_h, b))
    return cases


# --- cases for the gated cells, BPTT, data and layer checks (ps02-ps06) ------------------------


def gated_params(rng, kind, features, units, reset_after=True, scale=0.5):
    """Random reference-layout (W_x, W_h, b) for "rnn", "lstm" or "gru", drawn from ``rng``."""
    from ..conventions import BLOCKS

    width = BLOCKS[kind] * units
    bias_shape = (2, width) if kind == "gru" and reset_after else (width,)
    return (
        rng.normal(0, scale, (features, width)),
        rng.normal(0, scale, (units, width)),
        rng.normal(0, scale, bias_shape),
    )


# (batch, time, features, units, kind, seed); kind "zeros" makes every weight zero. The first case
# has batch == time and features == units, so that time-major indexing and swapped weights still
# run and can be named; the hidden ones add a batch of one, a single step and one unit.
_GATED_SPECS = [(3, 3, 4, 4, "random", 32), (2, 4, 3, 4, "random", 31), (1, 5, 2, 3, "random", 33)]
# GRU variants (reset_after, z_convention), one per case, so that every check meets each variant.
_GRU_VARIANTS = [(True, "keep"), (False, "keep"), (True, "update")]


def gated_sequence_cases(kind, hidden):
    """Cases (sizes, x, initial_state, params, options) for the LSTM or GRU checks.

    ``initial_state`` is (h0, c0) for the LSTM and (h0,) for the GRU; ``options`` holds the GRU's
    reset_after and z_convention (empty for the LSTM) and is also shown in ``sizes``.
    """
    cases = []
    specs = _GATED_SPECS if not hidden else _hidden_specs("gated_sequence")
    for index, (batch, time, features, units, spec_kind, seed) in enumerate(specs):
        options = {}
        if kind == "gru":
            reset_after, z_convention = _gru_variants(hidden)[index]
            options = dict(reset_after=reset_after, z_convention=z_convention)
        rng = np.random.default_rng(seed)
        x = rng.normal(0, 1, (batch, time, features))
        state = tuple(rng.normal(0, 0.5, (batch, units)) for _ in range(2 if kind == "lstm" else 1))
        params = gated_params(rng, kind, features, units, options.get("reset_after", True))
        if spec_kind == "zeros":
            params = tuple(np.zeros_like(p) for p in params)
        sizes = dict(batch=batch, time=time, features=features, units=units, **options)
        cases.append((sizes, x, state, params, options))
    return cases


def upstream_gradient(sizes, index, hidden=False):
    """A random dL/dh_all of shape (batch, time, units) for case ``index`` of the backward checks:
    fixed when visible, drawn from the course secret when hidden."""
    rng = case_rng(1000 + index, hidden, "upstream_gradient", index)
    return rng.normal(0, 1, (sizes["batch"], sizes["time"], sizes["units"]))


def clipping_cases(hidden):
    """Cases (description, grads, max_norm): above the limit, below it, one array dominating."""
    # (scale, max_norm, one array dominating, seed)
    specs = (
        [(1.0, 1.0, False, 51), (0.2, 50.0, False, 52), (3.0, 2.0, True, 53)]
        if not hidden
        else _hidden_specs("clipping")
    )
    cases = []
    for scale, max_norm, dominated, seed in specs:
        rng = np.random.default_rng(seed)
        grads = {
            "W_x": rng.normal(0, scale, (3, 4)),
            "W_h": rng.normal(0, scale, (4, 4)),
            "b": rng.normal(0, scale, 4),
        }
        if dominated:  # one array much larger than the others
            grads["W_h"] *= 10
        cases.append(({"arrays": len(grads), "max_norm": max_norm}, grads, max_norm))
    return cases


def param_count_cases(hidden):
    """(features, units, convention) triples; the first is the notes' nn.LSTM(10, 64)."""
    if not hidden:
        return [(10, 64, "torch"), (10, 64, "keras"), (3, 5, "torch")]
    cases = []
    for convention, rule, seed in _hidden_specs("param_count"):
        rng = np.random.default_rng(seed)
        small, large = sorted(int(n) for n in rng.choice(np.arange(2, 65), size=2, replace=False))
        features, units = {
            "one": (1, 1),
            "square": (small, small),
            "wide": (large, small),
            "tall": (small, large),
        }[rule]
        cases.append((features, units, convention))
    return cases


def window_cases(hidden):
    """(series, in_steps, out_steps, target_column): the notes' 24 -> 12 over 5 features, and small
    ones.
    """
    specs = (
        [(60, 5, 24, 12, 0, 71), (10, 3, 3, 2, 2, 72), (9, 2, 4, 2, 1, 73)]
        if not hidden
        else _hidden_specs("window")
    )
    cases = []
    for time, features, in_steps, out_steps, target, seed in specs:
        series = np.random.default_rng(seed).normal(0, 1, (time, features)).cumsum(axis=0)
        cases.append((series, in_steps, out_steps, target))
    return cases


def padded_cases(hidden):
    """(h_all, lengths) padded batches: padding rows are non-zero so that reading them shows."""
    specs = (
        [(3, 5, 2, [5, 2, 3], 91), (2, 4, 3, [1, 4], 92), (4, 3, 1, [2, 3, 1, 2], 93)]
        if not hidden
        else _hidden_specs("padded")
    )
    cases = []
    for batch, time, units, lengths, seed in specs:
        h_all = np.random.default_rng(seed).normal(0, 1, (batch, time, units))
        cases.append((h_all, np.array(lengths)))
    return cases


def layer_cases(kind, hidden):
    """Cases (sizes, x, layers) for the stacked/bidirectional checks, in ``stacked_forward`` layout.

    Each spec is (batch, time, features, units, layers, directions, seed); layer k > 0 reads
    units * directions features. features == units in one unidirectional case so that a layer
    wrongly reading x still runs and can be named.
    """
    specs = (
        [(2, 4, 3, 3, 2, 1, 101), (3, 3, 2, 4, 2, 2, 102), (1, 5, 3, 2, 1, 2, 103)]
        if not hidden
        else _hidden_specs("layer")
    )
    cases = []
    for batch, time, features, units, n_layers, directions, seed in specs:
        rng = np.random.default_rng(seed)
        x = rng.normal(0, 1, (batch, time, features))
        layers = [
            [
                gated_params(rng, kind, features if k == 0 else units * directions, units)
                for _ in range(directions)
            ]
            for k in range(n_layers)
        ]
        sizes = dict(
            batch=batch,
            time=time,
            features=features,
            units=units,
            layers=n_layers,
            directions=directions,
        )
        cases.append((sizes, x, layers))
    return cases
