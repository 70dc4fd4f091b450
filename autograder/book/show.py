"""Numbers as a reader reads them, and the glue that puts them in a page's prose."""

import numpy as np


def tidy(value, digits=4):
    """`value` (a float or an array) rounded to `digits` decimals, with -0.0 turned into 0.0.

    Printing a float64 shows its rounding noise (0.1 + 0.2 prints 0.30000000000000004) and a tiny
    negative number rounds to -0.0; neither is something a reader should have to read past.

    >>> tidy(0.1 + 0.2), tidy(-1e-9), tidy(np.array([0.5 - 1e-12, -0.0]))
    (0.3, 0.0, array([0.5, 0. ]))
    """
    rounded = np.round(np.asarray(value, dtype=float), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return float(rounded) if rounded.ndim == 0 else rounded


def glue_values(**values):
    """Glue each keyword's value under its name for `{glue:text}` roles, without displaying it."""
    from myst_nb import glue

    for name, value in values.items():
        if isinstance(value, np.generic):
            value = value.item()
        glue(name, value, display=False)


def markdown_table(header, rows):
    """A GitHub-flavoured Markdown table: `header` a list of column titles, `rows` lists of
    cells.
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
