"""The shared machinery of the checks: the case runner, mistakes as perturbations, classified
errors.
"""

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import (
    CheckFailure,
    check_gru_cell_forward,
    check_gru_forward,
    check_lstm_forward,
    check_rnn_cell_forward,
    check_rnn_forward,
)
from autograder.checks._catalogue import mistake_pairs, single_mistakes
from autograder.checks._runner import (
    consensus,
    partial_score,
    recording_variants,
    recurrent_cases,
    variants_in,
)
from autograder.checks._undefined import explained_outputs, why_not_defined
from autograder.reference import (
    gru_bias_for,
    gru_bias_shape,
    gru_cell_forward,
    gru_forward,
    lstm_cell_forward,
    lstm_forward,
    mistaken_outputs,
    rnn_cell_forward,
    rnn_forward,
)
from helpers import failure_of

FORWARD = {
    "rnn": (rnn_forward, rnn_cell_forward),
    "lstm": (lstm_forward, lstm_cell_forward),
    "gru": (gru_forward, gru_cell_forward),
}


def good_rnn_forward(x, h0, W_x, W_h, b):
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W_x + h @ W_h + b)
        states.append(h)
    return np.stack(states, axis=1), h


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("hidden", [False, True])
def test_no_edit_reproduces_the_reference(kind, hidden):
    """The perturbation machinery with no mistake is the reference itself, sequence and first
    step.
    """
    forward, cell = FORWARD[kind]
    for _sizes, x, state, params, options in recurrent_cases(kind, hidden):
        (result,) = mistaken_outputs(kind, x, state, params, options, [()])
        expected = forward(x, *state, *params, **options)
        assert np.array_equal(result["h_all"], expected[0]) and np.array_equal(
            result["h_last"], expected[1]
        )
        first = cell(x[:, 0], *state, *params, **options)
        assert np.array_equal(result["h_next"], first[0] if isinstance(first, tuple) else first)


def test_every_catalogued_mistake_changes_some_visible_case():
    """A mistake that never changes an output could never be named: each one must show somewhere."""
    for kind in ("rnn", "lstm", "gru"):
        seen = set()
        for _sizes, x, state, params, options in recurrent_cases(kind, False) + recurrent_cases(
            kind, True
        ):
            singles = single_mistakes(kind, "sequence", options)
            results = mistaken_outputs(
                kind, x, state, params, options, [edits for _, edits, _ in singles]
            )
            expected = FORWARD[kind][0](x, *state, *params, **options)[0]
            seen |= {
                mistake
                for (mistake, _, _), result in zip(singles, results)
                if result is not None and not np.allclose(result["h_all"], expected)
            }
        every = {
            mistake
            for options in ({"reset_after": True}, {"reset_after": False})
            for mistake, _, _ in single_mistakes(kind, "sequence", options)
        }
        assert every <= seen, (kind, every - seen)


def test_pairs_combine_only_different_families():
    singles = single_mistakes("gru", "sequence", {"reset_after": True})
    pairs = mistake_pairs(singles)
    assert (m.Z_CONVENTION_FLIPPED, m.RESET_BEFORE_MATMUL) in [pair for pair, _ in pairs] or (
        m.RESET_BEFORE_MATMUL,
        m.Z_CONVENTION_FLIPPED,
    ) in [pair for pair, _ in pairs]
    assert all(a is not b for (a, b), _ in pairs)
    assert (m.STATE_NOT_CARRIED, m.CELL_STATE_NOT_CARRIED) not in [
        p for p, _ in mistake_pairs(single_mistakes("lstm", "sequence"))
    ]


def test_the_gru_bias_shape_rule_lives_in_one_function():
    assert gru_bias_shape(4, True) == (2, 12) and gru_bias_shape(4, False) == (12,)
    b = np.arange(24.0).reshape(2, 12)
    assert np.array_equal(gru_bias_for(b, False), b[0] + b[1])
    assert np.array_equal(gru_bias_for(b[0], True), np.stack([b[0], np.zeros(12)]))


def test_consensus_finds_the_two_mistakes_that_explain_every_case():
    a, b, c = m.Z_CONVENTION_FLIPPED, m.RESET_BEFORE_MATMUL, m.RECURRENT_BIAS_OUTSIDE_RESET
    assert consensus([[(a,)], [(b,)], [(a, b), (a, c)]]) == [(a, b)]
    assert consensus([[(a,)], [(a,)]]) == [(a,)]
    assert consensus([[(a,)], None]) is None


def test_two_mistakes_together_are_named_together():
    def two_slips(x, h0, W_x, W_h, b):  # W_h transposed and each step reading x[:, t - 1]
        h, states = h0, []
        for t in range(x.shape[1]):
            h = np.tanh(x[:, t - 1] @ W_x + h @ W_h.T + b)
            states.append(h)
        return np.stack(states, axis=1), h

    hint = failure_of(check_rnn_forward, two_slips).splitlines()[-1]
    assert hint.startswith("  hint: this looks like two mistakes together, ")
    assert (
        f"'{m.RECURRENT_WEIGHTS_TRANSPOSED.name}'" in hint and f"'{m.INPUTS_SHIFTED.name}'" in hint
    )


def test_all_failing_cases_are_summarised_in_one_message():
    def wrong_on_large_batches(x, h0, W_x, W_h, b):
        h_all, h = good_rnn_forward(x, h0, W_x, W_h, b)
        return (h_all, h) if x.shape[0] < 3 else (h_all, h_all[:, 0])

    message = failure_of(check_rnn_forward, wrong_on_large_batches)
    assert message.splitlines() == [
        "rnn_forward: h_last is wrong (case 2 of 3: batch=3, time=3, features=4, units=4)",
        message.splitlines()[1],
        "  2 of 3 cases pass",
        (
            f"  hint: this looks like '{m.LAST_STATE_FROM_FIRST_STEP.name}':"
            f" {m.LAST_STATE_FROM_FIRST_STEP.hint}"
        ),
    ]


@pytest.mark.parametrize(
    "func, expected",
    [
        (
            lambda x, h0, W_x, W_h: None,
            "the check calls rnn_forward(x, h0, W_x, W_h, b); define your function",
        ),
        (
            lambda x, h0, W_x, W_h, b: [i for i in xrange(3)],  # noqa: F821
            "hint: xrange is Python 2; in Python 3 use range",
        ),
        (
            lambda x, h0, W_x, W_h, b: {}.iteritems(),
            "hint: .iteritems is Python 2; in Python 3 use items()",
        ),
        (lambda x, h0, W_x, W_h, b: np.zeros(3, dtype=np.float), "numpy 1.24 removed np.float"),
        (
            lambda x, h0, W_x, W_h, b: undefined_helper(x),  # noqa: F821
            "your code uses the name 'undefined_helper'",
        ),
        (lambda x, h0, W_x, W_h, b: None, "it returned None (case 1 of 3"),
        (lambda x, h0, W_x, W_h, b: (None, None), "your function computes nothing yet"),
        (
            lambda x, h0, W_x, W_h, b: (good_rnn_forward(x, h0, W_x, W_h, b)[0], [(x, h0)]),
            "CS231n's (outputs, cache) pair",
        ),
    ],
)
def test_exceptions_and_empty_results_are_classified(func, expected):
    assert expected in failure_of(check_rnn_forward, func)


def test_a_call_inside_with_wrong_arguments_is_not_blamed_on_the_signature():
    def helper(a, b):
        return a

    message = failure_of(check_rnn_forward, lambda x, h0, W_x, W_h, b: helper(x, h0, W_x))
    assert "a call of helper() passes the wrong arguments" in message


def test_float32_results_pass_within_float32_rounding(capsys):
    def float32_forward(x, h0, W_x, W_h, b):
        h_all, h = good_rnn_forward(*(a.astype(np.float32) for a in (x, h0, W_x, W_h, b)))
        return h_all, h

    check_rnn_forward(float32_forward)
    check_rnn_forward(float32_forward, hidden=True)
    assert "all 4 cases passed" in capsys.readouterr().out


def test_float64_results_off_by_float32_rounding_say_precision_is_the_cause():
    def rounded(x, h0, W_x, W_h, b):  # as if computed in float32 and returned as float64
        return tuple(v * (1 + 3e-6) for v in good_rnn_forward(x, h0, W_x, W_h, b))

    assert "right to float32 precision only" in failure_of(check_rnn_forward, rounded)


def test_column_vector_layouts_are_named_in_deeplearning_ai_terms():
    message = failure_of(
        check_rnn_cell_forward, lambda x_t, h, W_x, W_h, b: np.tanh(x_t @ W_x + h @ W_h + b).T
    )
    assert "deeplearning.ai's column-vector layout: return h_next.T" in message


def test_a_failure_shows_no_traceback_in_a_notebook():
    failure = CheckFailure("rnn_forward: h_all is wrong (case 1 of 3)\n  hint: ...")
    assert failure._render_traceback_() == ["\x1b[0;31mCheckFailure\x1b[0m: " + str(failure)]


def test_sequence_forms_of_cell_mistakes_are_named():
    def sigmoid_candidate(x, h0, c0, W_x, W_h, b):
        h, c, states = h0, c0, []
        for t in range(x.shape[1]):
            a_i, a_f, a_c, a_o = np.split(x[:, t] @ W_x + h @ W_h + b, 4, axis=1)
            s = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
            c = s(a_f) * c + s(a_i) * s(a_c)
            h = s(a_o) * np.tanh(c)
            states.append(h)
        return np.stack(states, axis=1), h, c

    assert (
        f"'{m.CANDIDATE_SIGMOID.name}'"
        in failure_of(check_lstm_forward, sigmoid_candidate).splitlines()[-1]
    )


def test_gru_variants_right_for_one_variant_say_which_cases_pass():
    def reset_before_always(x, h0, W_x, W_h, b, reset_after=True, z_convention="keep"):
        return gru_like(x, h0, W_x, W_h, b, z_convention)

    message = failure_of(check_gru_forward, reset_before_always)
    assert "1 of 3 cases pass" in message
    assert f"'{m.RESET_BEFORE_MATMUL.name}'" in message.splitlines()[-1]


@pytest.mark.parametrize(
    "points, right, total, score",
    [
        (4, 1, 4, 1.0),
        (4, 3, 4, 3.0),
        (4, 1, 3, 1.0),
        (2, 1, 4, 0.5),
        (3, 1, 2, 1.5),
        (3, 2, 3, 2.0),
        (1, 1, 3, 0.0),
        (4, 0, 4, 0.0),
        (4, 4, 4, 4.0),
        (0.5, 3, 4, 0.0),
    ],
)
def test_partial_score_is_the_share_of_right_variants_rounded_down_to_half_points(
    points, right, total, score
):
    assert partial_score(points, right, total) == score


def test_a_gru_right_for_one_variant_says_so_and_is_recorded_across_calls():
    def d2l_like(x, h0, W_x, W_h, b, reset_after=True, z_convention="keep"):  # ignores the variant
        return gru_like(x, h0, W_x, W_h, b, "keep")

    with recording_variants() as record:
        visible = failure_of(check_gru_forward, d2l_like)
        hidden = failure_of(check_gru_forward, d2l_like, hidden=True)
    assert "right for 1 of 3 variants (reset_after=False, z_convention='keep')" in visible
    assert variants_in(visible) == (1, 3)
    # its (False, "keep") case has zero weights, which tell no variant
    assert variants_in(hidden) is None
    assert record == {
        (("reset_after", r), ("z_convention", z)): (r, z) == (False, "keep")
        for r in (True, False)
        for z in ("keep", "update")
    }


def test_a_gru_cell_that_fits_only_the_zero_weights_case_earns_no_variant():
    def constant(x_t, h_prev, W_x, W_h, b, reset_after=True, z_convention="keep"):
        half = np.full_like(h_prev, 0.5)
        return h_prev / 2, {"z": half, "r": half, "h_tilde": np.zeros_like(h_prev)}

    with recording_variants() as record:
        message = failure_of(check_gru_cell_forward, constant, hidden=True)
    assert "1 of 4 cases pass" in message  # the zero-weights case
    assert variants_in(message) is None and not any(record.values())


def test_checks_without_variants_and_wrong_gru_cells_give_no_partial_credit():
    def zeros(x, h0, W_x, W_h, b, reset_after=True, z_convention="keep"):
        return np.zeros(x.shape[:2] + h0.shape[1:]), np.zeros_like(h0)

    with recording_variants() as record:
        message = failure_of(check_gru_forward, zeros, hidden=True)
    assert variants_in(message) is None and not any(record.values())  # no variant right: no line
    with recording_variants() as record:
        message = failure_of(
            check_rnn_forward,
            lambda x, h0, W_x, W_h, b: (np.zeros(x.shape[:2] + h0.shape[1:]), np.zeros_like(h0)),
            hidden=True,
        )
    assert "1 of 4 cases pass" in message and variants_in(message) is None and record == {}


def gru_like(x, h0, W_x, W_h, b, z_convention):
    """A GRU that always resets before the matmul (d2l's form), summing a two-row bias."""
    b = b.sum(axis=0) if b.ndim == 2 else b
    u = h0.shape[1]
    s = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    h, states = h0, []
    for t in range(x.shape[1]):
        a = x[:, t] @ W_x + b
        z = s(a[:, :u] + h @ W_h[:, :u])
        r = s(a[:, u : 2 * u] + h @ W_h[:, u : 2 * u])
        n = np.tanh(a[:, 2 * u :] + (r * h) @ W_h[:, 2 * u :])
        keep = z if z_convention == "keep" else 1 - z
        h = keep * h + (1 - keep) * n
        states.append(h)
    return np.stack(states, axis=1), h


def _cell(source, outputs, count=1):
    return {"cell_type": "code", "source": source, "outputs": outputs, "execution_count": count}


def test_an_undefined_function_is_explained_by_its_cell_s_syntax_error():
    name_error = {
        "output_type": "error",
        "ename": "NameError",
        "evalue": "name 'rnn_forward' is not defined",
        "traceback": [],
    }
    broken = _cell(
        "def rnn_forward(x, h0, W_x, W_h, b):\n    h = h0\n      return h\n",
        [
            {
                "output_type": "error",
                "ename": "IndentationError",
                "evalue": "unexpected indent",
                "traceback": ["  Cell In[4], line 3", "IndentationError: unexpected indent"],
            }
        ],
    )
    reason = why_not_defined(name_error, [_cell("import numpy as np", []), broken])
    assert (
        reason
        == "the cell that defines rnn_forward did not run: Python stopped at an IndentationError "
        "(unexpected indent) on line 3 of that cell, so nothing in that cell was defined; "
        "fix it and run the cell again"
    )
    (explained,) = explained_outputs([name_error], [broken])
    assert explained["evalue"].startswith(
        "name 'rnn_forward' is not defined: the cell that defines"
    )
    assert why_not_defined(
        name_error, [_cell("def rnn_forward_v2(x):\n    pass\n", [])]
    ).startswith("no cell above defines rnn_forward")
    assert (
        why_not_defined(name_error, [_cell("def rnn_forward(x):\n    pass\n", [], None)])
        == "the cell that defines rnn_forward has not been run"
    )
