"""The notation table shared by the book, the homework and the package, rendered for the book."""

from . import conventions

# (symbol, code name, shape, meaning, PyTorch, Keras) for the vanilla RNN's quantities.
SYMBOLS = (
    (
        "x",
        "x",
        "(batch, time, features)",
        "a batch of input sequences",
        "input (batch_first=True)",
        "inputs",
    ),
    ("x_t", "x_t", "(batch, features)", "the inputs at step t", "input[:, t]", "inputs[:, t]"),
    (
        "h_t",
        "h, h_prev, h_next",
        "(batch, units)",
        "hidden state after step t",
        "output[:, t]",
        "output[:, t]",
    ),
    ("h_0", "h0", "(batch, units)", "initial state (zeros unless given)", "h_0", "initial_state"),
    ("W_x", "W_x", "(features, units)", "input weights", "weight_ih_l0.T", "kernel"),
    ("W_h", "W_h", "(units, units)", "recurrent weights", "weight_hh_l0.T", "recurrent_kernel"),
    ("b", "b", "(units,)", "bias", "bias_ih_l0 + bias_hh_l0", "bias"),
)


def symbols_markdown():
    """The symbol table as Markdown."""
    header = "| symbol | in code | shape | meaning | PyTorch | Keras |\n|---|---|---|---|---|---|\n"
    rows = "".join(
        f"| ${symbol}$ | `{code}` | `{shape}` | {meaning} | `{torch}` | `{keras}` |\n"
        for symbol, code, shape, meaning, torch, keras in SYMBOLS
    )
    return header + rows


def gate_orders_markdown():
    """How each framework stacks the gate blocks of its weight matrices, and the reference's
    order.
    """
    header = "| cell | reference | Keras | PyTorch |\n|---|---|---|---|\n"
    rows = "".join(
        f"| {cell.upper()} | {', '.join(conventions.GATES[cell])} | "
        f"{', '.join(conventions.FRAMEWORK_GATES['keras', cell])} | "
        f"{', '.join(conventions.FRAMEWORK_GATES['torch', cell])} |\n"
        for cell in ("lstm", "gru")
    )
    return header + rows
