"""Quick-check questions graded automatically: a multiple-choice answer per variable.

A notebook sets ``answer_q1 = "b"`` and a grade cell calls ``check_quick_check("q1", answer_q1)``.
The visible check only reads the answer (one of the question's letters), so that a typo does not
cost the point; whether it is right is decided by the hidden check, ``hidden=True``, whose message
names the question and the chapter section to re-read, never the right letter.

The right letters are stored as salted SHA-256 digests, so that neither the notebook nor this file
shows them in plain text. With three options that hides nothing from someone determined to read the
grader (and the chapters print their answers anyway); it keeps the answers out of sight of a student
skimming the package, which is all a self-study course needs.
"""

import hashlib
from dataclasses import dataclass

from ._report import CheckFailure

_SALT = "rnn-course quick checks v1"


@dataclass(frozen=True)
class QuickCheck:
    """One multiple-choice question: its options, the digest of the right letter, where to read
    up.
    """

    topic: str
    options: str
    digest: str
    reread: str


def answer_digest(question, letter):
    """The salted digest of ``letter`` as the answer to ``question`` (e.g. "q1")."""
    return hashlib.sha256(f"{_SALT}|{question}|{letter}".encode()).hexdigest()


# The quick-check questions of the PyTorch-centred source notes (seed 003), asked in ps07.
QUICK_CHECKS = {
    "q1": QuickCheck(
        "what the LSTM solves that a vanilla RNN cannot",
        "abc",
        "4ee1f5802b02793836b66c079e5f284d21f283fd22b63e7395abf730bbd232a6",
        "chapter 2, section 'LSTM against vanilla RNN', and chapter 7, section 'A long-range"
        " experiment: the adding problem'",
    ),
    "q2": QuickCheck(
        "how many weight matrices an LSTM cell has",
        "abc",
        "22708c55be8336b1bbd59dd262f5189091e5b97b6dd9e466e4bbec150843c314",
        "chapter 4, section 'Counting parameters' (what each gate block holds), and the parameter"
        " formula 4h(d + h + 1): which two products does each block compute?",
    ),
    "q3": QuickCheck(
        "what bidirectional=True does",
        "abc",
        "cb57de8017ef7433e6791dcc8c0e3ecba9e27c6c8ceff12a47ca9090d2650f47",
        "chapter 6, sections 'Two passes, from first principles' and 'The output doubles, and so do"
        " the weights'",
    ),
}


def _letter(question, answer):
    """The answer as a lower-case letter: 'b', 'B', '(b)' and 'b)' all read as 'b'."""
    name = f"quick check {question[1:]}"
    variable = f"answer_{question}"
    if answer is None:
        raise CheckFailure(
            f"{name}: not answered yet ({variable} is None)\n"
            f"  hint: set {variable} to one of {_choices(question)}"
        )
    if not isinstance(answer, str):
        raise CheckFailure(
            f"{name}: {variable} should be a letter in quotes, one of {_choices(question)}; "
            f"got {type(answer).__name__} {answer!r}"
        )
    letter = answer.strip().strip("()").strip().lower()
    if letter not in QUICK_CHECKS[question].options or len(letter) != 1:
        raise CheckFailure(f"{name}: {variable} = {answer!r} is not one of {_choices(question)}")
    return letter


def _choices(question):
    return ", ".join(f'"{letter}"' for letter in QUICK_CHECKS[question].options)


def check_quick_check(question, answer, hidden=False):
    """Check the answer to a quick-check question.

    Args:
        question: the question's key, "q1", "q2" or "q3".
        answer: the student's answer, a letter such as "b".
        hidden: False only reads the answer; True also marks it, naming the section to re-read if
        wrong.
    """
    if question not in QUICK_CHECKS:
        raise CheckFailure(
            f"quick check: unknown question {question!r} (known: {', '.join(QUICK_CHECKS)})"
        )
    item = QUICK_CHECKS[question]
    name = f"quick check {question[1:]}"
    letter = _letter(question, answer)
    if not hidden:
        print(
            f"{name}: your answer ({letter}) is recorded; it is marked when the notebook is graded"
        )
        return
    if answer_digest(question, letter) != item.digest:
        raise CheckFailure(
            f"{name}: your answer ({letter}) is not the right one ({item.topic})\n"
            f"  hint: re-read {item.reread}"
        )
    print(f"{name}: right")


__all__ = ["check_quick_check", "QUICK_CHECKS", "answer_digest"]
