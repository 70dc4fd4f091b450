"""The code cells of the book's MyST Markdown pages, read without executing them."""

import re
from pathlib import Path

import yaml

#: Tags that hide a cell's source from the reader (myst-nb's removal and hiding tags).
HIDING_TAGS = frozenset(
    {
        "remove-cell",
        "remove-input",
        "remove_cell",
        "remove_input",
        "hide-cell",
        "hide-input",
        "hide-output",
    }
)

_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)


def code_cells(text):
    """Yield (tags, source lines) of each `{code-cell}` block of a MyST page's text.

    Options are read from either a `:tags: [...]` line or a `---` YAML block; blank lines are not
    counted as source lines.
    """
    for match in _CELL.finditer(text):
        body = match.group(1).splitlines()
        tags = []
        if body and body[0].strip() == "---":
            end = body.index("---", 1)
            tags = (yaml.safe_load("\n".join(body[1:end])) or {}).get("tags", [])
            body = body[end + 1 :]
        else:
            while body and body[0].startswith(":"):
                key, _, value = body[0][1:].partition(":")
                if key.strip() == "tags":
                    tags = yaml.safe_load(value) or []
                body = body[1:]
        yield list(tags), [line for line in body if line.strip()]


def hidden_lines(paths):
    """(hidden code-cell lines, all code-cell lines) over the MyST pages `paths`."""
    hidden = total = 0
    for path in paths:
        for tags, lines in code_cells(Path(path).read_text()):
            total += len(lines)
            if HIDING_TAGS.intersection(tags):
                hidden += len(lines)
    return hidden, total
