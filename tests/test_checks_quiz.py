"""The quick-check check both ways: right answers pass, wrong ones name the question and a section
to re-read.
"""

import pytest

from autograder.checks import CheckFailure, check_quick_check, quiz

RIGHT = {"q1": "b", "q2": "b", "q3": "b"}  # the source notes' answers, as the chapters print them


@pytest.mark.parametrize("question", list(quiz.QUICK_CHECKS))
def test_right_answers_pass_in_any_spelling(question, capsys):
    for spelling in (
        RIGHT[question],
        RIGHT[question].upper(),
        f"({RIGHT[question]})",
        f" {RIGHT[question]}) ",
    ):
        check_quick_check(question, spelling, hidden=True)
    assert "right" in capsys.readouterr().out


@pytest.mark.parametrize("question", list(quiz.QUICK_CHECKS))
def test_wrong_answers_name_the_question_and_a_section_but_not_the_answer(question):
    number = question[1:]
    for letter in sorted(set(quiz.QUICK_CHECKS[question].options) - {RIGHT[question]}):
        check_quick_check(question, letter)  # the visible check only reads the answer
        with pytest.raises(CheckFailure) as failure:
            check_quick_check(question, letter, hidden=True)
        message = str(failure.value)
        assert message.startswith(
            f"quick check {number}: your answer ({letter}) is not the right one"
        )
        assert "hint: re-read chapter" in message
        assert f"({RIGHT[question]})" not in message and f"'{RIGHT[question]}'" not in message


def test_unanswered_and_unreadable_answers():
    with pytest.raises(CheckFailure, match="not answered yet"):
        check_quick_check("q1", None)
    with pytest.raises(CheckFailure, match="a letter in quotes"):
        check_quick_check("q2", 8)
    with pytest.raises(CheckFailure, match="is not one of"):
        check_quick_check("q3", "d")
    with pytest.raises(CheckFailure, match="is not one of"):
        check_quick_check("q3", "bc")
    with pytest.raises(CheckFailure, match="unknown question"):
        check_quick_check("q9", "a")


def test_the_answers_are_not_stored_in_plain_text():
    for question, item in quiz.QUICK_CHECKS.items():
        assert item.digest == quiz.answer_digest(question, RIGHT[question])
        assert len(item.digest) == 64


def test_every_section_a_hint_points_to_exists():
    """A wrong answer's hint names chapter sections; they must be headings of those chapters."""
    import re
    from pathlib import Path

    book = Path(__file__).resolve().parents[1] / "book"
    for item in quiz.QUICK_CHECKS.values():
        for chapter, sections in re.findall(
            r"chapter (\d+), sections? ((?:'[^']+'(?:,? and |, )?)+)", item.reread
        ):
            (page,) = book.glob(f"{int(chapter):02d}-*/index.md")
            headings = {
                line.lstrip("#").strip()
                for line in page.read_text().splitlines()
                if line.startswith("#")
            }
            for title in re.findall(r"'([^']+)'", sections):
                assert title.replace("`", "") in {h.replace("`", "") for h in headings}, (
                    chapter,
                    title,
                )
