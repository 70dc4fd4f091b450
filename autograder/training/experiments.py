"""Measured comparisons that a page reports as a table: each run seeded, timed and scored.

``negation_comparison`` trains chapter 6's negation classifier (PyTorch, packed sequences, the same
loop as that page) once per cell type and direction, and returns what chapter 7's comparison table
shows: parameters, wall time per epoch and test accuracy.
"""

import time

from ..frameworks import torch as _torch
from . import negation
from .models import parameter_count, torch_classifier

NAMES = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}


def negation_comparison(
    cells=("rnn", "lstm", "gru"),
    directions=(False, True),
    train=2000,
    test=2000,
    epochs=6,
    batch=64,
    learning_rate=1e-2,
    seed=6,
):
    """Train one classifier per (cell, bidirectional) pair on the negation task.

    Returns:
        a list of dicts with keys cell, bidirectional, name, parameters, seconds_per_epoch,
        accuracy.
    """
    torch = _torch()
    from torch.utils.data import DataLoader, TensorDataset

    train_set = negation.negation_dataset(train, seed=seed)
    test_set = [torch.from_numpy(a) for a in negation.negation_dataset(test, seed=seed * 10)]
    vocabulary = len(negation.VOCABULARY)
    rows = []
    for cell in cells:
        for bidirectional in directions:
            torch.manual_seed(seed)
            module = torch_classifier(cell, bidirectional, vocabulary)
            optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate)
            loader = DataLoader(
                TensorDataset(*(torch.from_numpy(a) for a in train_set)),
                batch_size=batch,
                shuffle=True,
            )
            start = time.perf_counter()
            for _ in range(epochs):
                module.train()
                for x, length, y in loader:
                    loss = torch.nn.functional.cross_entropy(module(x, length), y)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
            seconds = (time.perf_counter() - start) / epochs
            module.eval()
            with torch.no_grad():
                accuracy = float(
                    (module(test_set[0], test_set[1]).argmax(dim=1) == test_set[2]).float().mean()
                )
            rows.append(
                dict(
                    cell=cell,
                    bidirectional=bidirectional,
                    name=("bidirectional " if bidirectional else "") + NAMES[cell],
                    parameters=parameter_count(module),
                    seconds_per_epoch=seconds,
                    accuracy=accuracy,
                )
            )
    return rows


def comparison_table(rows):
    """The rows as a Markdown table."""
    lines = ["| model | parameters | time per epoch | test accuracy |", "|---|---|---|---|"]
    lines += [
        f"| {r['name']} | {r['parameters']:,} | {r['seconds_per_epoch']:.2f} s |"
        f" {r['accuracy']:.1%} |"
        for r in rows
    ]
    return "\n".join(lines)
