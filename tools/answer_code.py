"""Sphinx extension: answer code that the open edition shows and the class edition withholds.

A chapter shows a graded reference function with

    ```{answer-code} ../../autograder/reference/rnn.py
    :language: python
    :pyobject: rnn_forward
    ```

which takes every option of ``literalinclude``. The configuration value ``course_edition`` (set in
``_config.yml`` under ``sphinx: config:``, or overridden by the environment variable
``COURSE_EDITION``) decides what it becomes:

- ``open`` (self-study, ``make book``): the code, exactly as ``literalinclude`` would show it;
- ``class`` (a graded class, ``make public``): a short note that the reference implementation is
  published after the homework is due.

In the class edition a plain ``literalinclude`` of the answer key (``autograder/reference/`` or
``autograder/convert/``) stops the build with an error naming the chapter, so that no answer is
shown by accident.
"""

import os
from pathlib import Path

from docutils import nodes
from sphinx.directives.code import LiteralInclude
from sphinx.errors import ExtensionError

EDITIONS = ("open", "class")
ANSWER_KEY = ("autograder/reference/", "autograder/convert/")
NOTE = (
    "The reference implementation of {what} is a homework answer: it is published after the "
    "homework is due."
)


def edition(config):
    value = os.environ.get("COURSE_EDITION") or config.course_edition
    if value not in EDITIONS:
        raise ExtensionError(
            f"course_edition is {value!r}; it must be one of {', '.join(EDITIONS)} "
            "(_config.yml, sphinx: config: course_edition, or COURSE_EDITION)"
        )
    return value


def _is_answer_key(directive):
    """Whether the included file is part of the reference package or the converters."""
    _, path = directive.env.relfn2path(directive.arguments[0])
    try:
        relative = Path(path).resolve().relative_to(Path(directive.env.srcdir).resolve()).as_posix()
    except ValueError:
        return False
    return relative.startswith(ANSWER_KEY)


class AnswerCode(LiteralInclude):
    """``literalinclude`` in the open edition; a note in the class edition."""

    def run(self):
        if edition(self.config) == "open":
            return super().run()
        what = self.options.get("pyobject") or Path(self.arguments[0]).name
        note = nodes.note(classes=["answer-withheld"])
        note += nodes.paragraph(text=NOTE.format(what=what))
        return [note]


class GuardedLiteralInclude(LiteralInclude):
    """``literalinclude`` that refuses the answer key in the class edition."""

    def run(self):
        if edition(self.config) == "class" and _is_answer_key(self):
            raise ExtensionError(
                f"{self.env.doc2path(self.env.docname)}, line {self.lineno}: a literalinclude of "
                f"{self.arguments[0]} would show a graded answer in the class edition; use the "
                "answer-code directive (tools/answer_code.py) instead"
            )
        return super().run()


def setup(app):
    app.add_config_value("course_edition", "open", "env", [str])
    app.add_directive("answer-code", AnswerCode)
    app.add_directive("literalinclude", GuardedLiteralInclude, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
