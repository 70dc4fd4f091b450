"""Code written the way CS231n, deeplearning.ai and d2l teach: the checks name the real mistake.

``other_courses.VARIANTS`` holds correct adapters (they must pass) and realistic slips, each with
what its message must name. The share of slips named correctly is measured on the whole set
(the goal is at least 90%, and no message may name a mistake that was not made).
"""

import pytest

import autograder.checks as checks
from autograder import mistakes as m
from other_courses import VARIANTS

ALL_NAMES = {value.name for value in vars(m).values() if isinstance(value, m.Mistake)} | {
    mistake.name for mistake in m.GATE_TANH_ONE.values()
}


def verdict(check_name, func, hidden=False):
    """The failure message, or None if the check passes."""
    try:
        getattr(checks, check_name)(func, hidden=hidden)
    except AssertionError as failure:
        return str(failure)
    return None


def named_mistakes(message):
    """The catalogued mistake names the message's hint line mentions."""
    hint = "\n".join(line for line in message.splitlines() if line.startswith("  hint:"))
    return {name for name in ALL_NAMES if f"'{name}'" in hint}


def names_it(message, expected):
    """Whether the message names what ``expected`` says: every mistake it quotes, or its phrase."""
    wanted = {name for name in ALL_NAMES if f"'{name}'" in expected}
    return wanted <= named_mistakes(message) if wanted else expected in message


@pytest.mark.parametrize("label", list(VARIANTS))
@pytest.mark.parametrize("hidden", [False, True])
def test_other_course_code_gets_the_right_verdict_and_hint(label, hidden, capsys):
    check_name, func, expected = VARIANTS[label]
    message = verdict(check_name, func, hidden)
    if expected is None:
        assert message is None, message
        return
    assert message is not None, f"{label} passed"
    assert names_it(message, expected), message
    wanted = {name for name in ALL_NAMES if f"'{name}'" in expected}
    assert named_mistakes(message) <= wanted | {m.LAST_STATE_FROM_FIRST_STEP.name}, message


def test_share_of_slips_named_correctly(capsys):
    """Measured over the visible and the hidden cases: named / wrong tasks, and misleading ones."""
    named = misleading = total = 0
    for check_name, func, expected in VARIANTS.values():
        if expected is None:
            continue
        for hidden in (False, True):
            message = verdict(check_name, func, hidden) or ""
            total += 1
            wanted = {name for name in ALL_NAMES if f"'{name}'" in expected}
            named += names_it(message, expected)
            misleading += bool(
                named_mistakes(message) - wanted - {m.LAST_STATE_FROM_FIRST_STEP.name}
            )
    with capsys.disabled():
        print(
            f"\nother-course slips named correctly: {named}/{total}; misleading:"
            f" {misleading}/{total}"
        )
    assert named / total >= 0.9 and misleading == 0
