"""Which mistakes the recurrent checks look for: each one a perturbation of the reference, as data.

A row is (Mistake, edits, level, family). ``edits`` are understood by
``autograder.reference.mistaken_outputs``; ``level`` is "cell" for a mistake a single step can
make (the cell checks and the sequence checks look for it) or "sequence" for one only a loop
over time can make; ``family`` says which part of the computation it changes, so that two
mistakes of different families can be combined into one (d2l's GRU, say, with both the reset
placement and the z convention the other way round). A new mistake is one row here.
"""

from itertools import combinations

from .. import mistakes as m

_ANY = ("rnn", "lstm", "gru")

# (kinds, Mistake, edits, level, family)
CATALOGUE = [
    (_ANY, m.BIAS_OMITTED, (("bias", "omit"),), "cell", "bias"),
    (("rnn",), m.BIAS_DOUBLED, (("bias", "double"),), "cell", "bias"),
    (_ANY, m.WEIGHTS_SWAPPED, (("swap_weights",),), "cell", "weights"),
    (("rnn",), m.WEIGHTS_TRANSPOSED, (("transpose", "both"),), "cell", "weights"),
    (("rnn",), m.RECURRENT_WEIGHTS_TRANSPOSED, (("transpose", "W_h"),), "cell", "weights"),
    (("rnn",), m.INPUT_WEIGHTS_TRANSPOSED, (("transpose", "W_x"),), "cell", "weights"),
    (("rnn",), m.SIGMOID_FOR_TANH, (("activation", "h", "sigmoid"),), "cell", "activation"),
    (("rnn",), m.RELU_FOR_TANH, (("activation", "h", "relu"),), "cell", "activation"),
    (("rnn",), m.ACTIVATION_MISSING, (("activation", "h", "identity"),), "cell", "activation"),
    (_ANY, m.INITIAL_STATE_IGNORED, (("initial", "all"),), "cell", "initial"),
    # the LSTM
    (("lstm",), m.GATES_I_F_SWAPPED, (("blocks", (1, 0, 2, 3)),), "cell", "blocks"),
    (("lstm",), m.GATES_IFOG_ORDER, (("blocks", (0, 1, 3, 2)),), "cell", "blocks"),
    (("lstm",), m.GATE_BLOCKS_FOGI, (("blocks", (1, 0, 3, 2)),), "cell", "blocks"),
    (("lstm",), m.CELL_TANH_MISSING, (("activation", "c", "identity"),), "cell", "squash"),
    (("lstm",), m.CANDIDATE_SIGMOID, (("activation", "c_tilde", "sigmoid"),), "cell", "candidate"),
    (("lstm",), m.GATE_TANH, tuple(("activation", g, "tanh") for g in "ifo"), "cell", "gates"),
    (("lstm",), m.GATE_TANH_ONE["i"], (("activation", "i", "tanh"),), "cell", "gates"),
    (("lstm",), m.GATE_TANH_ONE["f"], (("activation", "f", "tanh"),), "cell", "gates"),
    (("lstm",), m.GATE_TANH_ONE["o"], (("activation", "o", "tanh"),), "cell", "gates"),
    (("lstm",), m.CELL_INITIAL_STATE_IGNORED, (("initial", "c"),), "cell", "initial"),
    (("lstm",), m.HIDDEN_INITIAL_STATE_IGNORED, (("initial", "h"),), "cell", "initial"),
    (("lstm",), m.HIDDEN_STATE_FOR_CELL_STATE, (("c_from_h",),), "cell", "cell_state"),
    # the GRU
    (("gru",), m.GRU_TORCH_ORDER, (("blocks", (1, 0, 2)),), "cell", "blocks"),
    (("gru",), m.Z_CONVENTION_FLIPPED, (("gru", "z_flipped"),), "cell", "z"),
    (("gru",), m.CANDIDATE_SIGMOID, (("activation", "h_tilde", "sigmoid"),), "cell", "candidate"),
    (("gru",), m.GATE_TANH, tuple(("activation", g, "tanh") for g in "zr"), "cell", "gates"),
    (("gru",), m.GATE_TANH_ONE["z"], (("activation", "z", "tanh"),), "cell", "gates"),
    (("gru",), m.GATE_TANH_ONE["r"], (("activation", "r", "tanh"),), "cell", "gates"),
    (("gru",), m.FLIP_EVERY_BLOCK, tuple(("negate_block", k) for k in range(3)), "cell", "blocks"),
    # sequence-level: the loop over time
    (_ANY, m.STATE_NOT_CARRIED, (("not_carried", "all"),), "sequence", "carry"),
    (("lstm",), m.CELL_STATE_NOT_CARRIED, (("not_carried", "c"),), "sequence", "carry"),
    (("lstm",), m.HIDDEN_STATE_NOT_CARRIED, (("not_carried", "h"),), "sequence", "carry"),
    (_ANY, m.TIME_MAJOR_INPUT, (("inputs", "time_major"),), "sequence", "inputs"),
    (_ANY, m.INPUTS_SHIFTED, (("inputs", "shifted"),), "sequence", "inputs"),
    (_ANY, m.INPUTS_RESHAPED, (("inputs", "reshaped"),), "sequence", "inputs"),
    (_ANY, m.OUTPUTS_RESHAPED, (("outputs", "reshaped"),), "sequence", "outputs"),
    (_ANY, m.OUTPUTS_ONE_STEP_LATE, (("outputs", "late"),), "sequence", "outputs"),
]


def _gru_rows(options):
    """The GRU mistakes that depend on the variant: reset placement and the recurrent bias row."""
    if options.get("reset_after", True):
        return [
            (m.RESET_BEFORE_MATMUL, (("gru", "reset_flipped"),), "cell", "reset"),
            (m.RECURRENT_BIAS_OMITTED, (("gru_bias", "recurrent_omitted"),), "cell", "gru_bias"),
            (
                m.RECURRENT_BIAS_OUTSIDE_RESET,
                (("gru_bias", "recurrent_outside"),),
                "cell",
                "gru_bias",
            ),
        ]
    return [(m.RESET_AFTER_MATMUL, (("gru", "reset_flipped"),), "cell", "reset")]


def single_mistakes(kind, level, options=None):
    """[(Mistake, edits, family)] a check of ``level`` ("cell" or "sequence") looks for."""
    levels = ("cell",) if level == "cell" else ("cell", "sequence")
    rows = [
        (mistake, edits, lvl, family)
        for kinds, mistake, edits, lvl, family in CATALOGUE
        if kind in kinds
    ]
    if kind == "gru":
        rows += _gru_rows(options or {})
    return [(mistake, edits, family) for mistake, edits, lvl, family in rows if lvl in levels]


def mistake_pairs(singles):
    """[((Mistake, Mistake), edits)] for every two single mistakes of different families."""
    return [
        ((a, b), edits_a + edits_b)
        for (a, edits_a, family_a), (b, edits_b, family_b) in combinations(singles, 2)
        if family_a != family_b
    ]
