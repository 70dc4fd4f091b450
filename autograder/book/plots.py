"""The book's matplotlib figures, one function each, so that a page's figure cell is one or two
lines.

Each function draws with the reference package and returns the figure; the page's cell carries the
figure's caption and alt text. matplotlib is imported when a figure is drawn, not on import.
"""

import numpy as np

from autograder.reference import ACTIVATIONS, DERIVATIVES, rnn_forward


def _axes(*args, **kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def hidden_state_by_recurrent_weight(W_x, b, recurrent_weights, steps=20):
    """Chapter 1: a one-unit tanh RNN's state over the input 0.1, 0.2, ... (capped at 1), one line
    per U.

    Args:
        W_x: input weight of shape (1, 1); b: bias of shape (1,).
        recurrent_weights: the values of U to draw.
    """
    inputs = np.minimum(np.arange(1, steps + 1) * 0.1, 1.0).reshape(1, steps, 1)
    fig, ax = _axes(figsize=(6, 3.2))
    for recurrent in recurrent_weights:
        h_all, _ = rnn_forward(inputs, None, W_x, np.array([[recurrent]]), b)
        ax.plot(
            np.arange(1, steps + 1),
            h_all.ravel(),
            marker="o",
            markersize=3,
            label=f"U = {recurrent}",
        )
    ax.set_xlabel("time step t")
    ax.set_ylabel("hidden state $h_t$")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def activations(points):
    """Chapter 1: tanh, sigmoid and ReLU (left) and their derivatives (right), marked at
    `points`.
    """
    z = np.linspace(-4, 4, 401)
    fig, (left, right) = _axes(1, 2, figsize=(8, 3.2), sharex=True)
    for name in ACTIVATIONS:
        left.plot(z, ACTIVATIONS[name](z), label=name)
        right.plot(z, DERIVATIVES[name](z), label=name)
        left.scatter(points, ACTIVATIONS[name](points), s=15)
        right.scatter(points, DERIVATIVES[name](points), s=15)
    left.set_title("activation")
    right.set_title("derivative")
    for ax in (left, right):
        ax.set_xlabel("z")
        ax.axhline(0, color="grey", linewidth=0.5)
    left.set_ylim(-1.2, 2.2)
    left.legend(frameon=False)
    fig.tight_layout()
    return fig


def gradient_norms_by_scale(distance, norms_by_scale, units):
    """Chapter 2: ||dh_T/dh_t|| against the distance T - t, one line per recurrent scale s."""
    fig, ax = _axes(figsize=(6.5, 3.6))
    for s, norms in norms_by_scale.items():
        ax.semilogy(distance, norms, label=f"s = {s}")
    ax.semilogy(
        distance, np.sqrt(units) * 0.5**distance, "k--", linewidth=0.8, label="bound for s = 0.5"
    )
    ax.set_xlabel("distance T - t (steps back from the end)")
    ax.set_ylabel(r"$\|\partial h_T / \partial h_t\|$")
    ax.set_ylim(1e-50, 1e10)
    ax.legend(frameon=False, ncol=2, loc="lower left")
    fig.tight_layout()
    return fig


def rnn_against_lstm(distance, rnn_norms, lstm_norms):
    """Chapter 2: the vanilla RNN's ||dh_T/dh_t|| and the LSTM's ||dh_T/dc_t|| per forget bias."""
    fig, ax = _axes(figsize=(6.5, 3.6))
    ax.semilogy(
        distance[:-1],
        rnn_norms[:-1],
        color="black",
        label=r"vanilla RNN, $\|\partial h_T/\partial h_t\|$",
    )
    for fb, n in lstm_norms.items():
        label = rf"LSTM, forget bias {fb:g}" + (" (Keras default)" if fb == 1.0 else "")
        ax.semilogy(distance[:-1], n[:-1], label=label)
    ax.set_xlabel("distance T - t (steps back from the end)")
    ax.set_ylabel("gradient norm")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def remedies(distance, rnn_norms, skip_norms, irnn_norms):
    """Chapter 2: skip connections of D steps and the identity-initialised ReLU RNN against a plain
    RNN.
    """
    fig, ax = _axes(figsize=(6.5, 3.6))
    ax.semilogy(distance[:-1], rnn_norms[:-1], color="black", label="plain tanh RNN")
    for D, norms in skip_norms.items():
        reach = D * np.arange(len(norms) - 1, -1, -1)
        ax.semilogy(
            reach[:-1], norms[:-1], marker="o", markersize=3, label=f"skip connections, D = {D}"
        )
    ax.semilogy(distance[:-1], irnn_norms[:-1], label="identity-initialised ReLU RNN")
    ax.set_xlabel("distance T - t (steps back from the end)")
    ax.set_ylabel(r"$\|\partial h_T / \partial h_t\|$")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def memory_register(history, value, write, erase, read):
    """Chapter 3: the hand-designed LSTM memory register's input, gates and states over time.

    Args:
        history: `lstm_gate_history`'s dictionary for one sequence and one unit.
        value, write, erase, read: the input's value and its three flags, each of shape (time,).
    """
    steps = len(value)
    t = np.arange(1, steps + 1)
    fig, (top, middle, bottom) = _axes(
        3, 1, figsize=(7, 5.6), sharex=True, gridspec_kw={"height_ratios": [1.2, 0.9, 1.4]}
    )
    top.bar(t, value, color="lightgrey", label="value $v_t$")
    for flag, label, marker in ((write, "write", "v"), (erase, "erase", "x"), (read, "read", "o")):
        top.scatter(t[flag > 0], np.full(int(flag.sum()), 1.2), marker=marker, label=label)
    top.set_ylim(-1.75, 1.45)
    top.set_ylabel("input")
    top.legend(frameon=False, ncol=4, fontsize=8, loc="lower left")
    gate_rows = np.stack([history[g][0, :, 0] for g in ("i", "f", "o")])
    middle.imshow(
        gate_rows, aspect="auto", cmap="Greys", vmin=0, vmax=1, extent=(0.5, steps + 0.5, 2.5, -0.5)
    )
    middle.set_yticks([0, 1, 2], ["input $i_t$", "forget $f_t$", "output $o_t$"])
    middle.set_title("gates (black: open, 1; white: closed, 0)", fontsize=9)
    bottom.plot(t, history["c"][0, :, 0], marker="o", markersize=3, label="cell state $c_t$")
    bottom.plot(t, history["h"][0, :, 0], marker="s", markersize=3, label="hidden state $h_t$")
    bottom.axhline(0, color="grey", linewidth=0.5)
    bottom.set_xlabel("time step t")
    bottom.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def gru_holds_a_cue(inputs, cues, history, rnn_h):
    """Chapter 4: the cue input, a hand-set GRU's gates, and its state against a vanilla RNN's.

    Args:
        inputs: the input of shape (1, time, 2): cue flag, cue value.
        cues: {zero-based step: value} of the cues.
        history: `gru_gate_history`'s dictionary (z in the frameworks' convention, share kept).
        rnn_h: the vanilla RNN's states, shape (time,).
    """
    steps = inputs.shape[1]
    steps_axis = np.arange(1, steps + 1)
    fig, (top, middle, bottom) = _axes(3, 1, figsize=(7, 5.6), sharex=True)
    top.plot(steps_axis, inputs[0, :, 1], color="grey", marker="o", markersize=3)
    top.set_ylabel("input value")
    middle.plot(steps_axis, history["z"].ravel(), label="update gate z (share kept)")
    middle.plot(steps_axis, history["r"].ravel(), linestyle="--", label="reset gate r")
    middle.set_ylabel("gate")
    middle.legend(frameon=False, loc="center", bbox_to_anchor=(0.45, 0.5))
    bottom.plot(steps_axis, history["h"].ravel(), label="GRU state $h_t$")
    bottom.plot(steps_axis, rnn_h, label="vanilla RNN state $h_t$")
    bottom.set_ylabel("state")
    bottom.set_xlabel("time step t")
    bottom.legend(frameon=False, loc="lower left")
    for ax in (top, middle, bottom):
        ax.axhline(0, color="grey", linewidth=0.5)
        for step in cues:
            ax.axvline(step + 1, color="grey", linewidth=0.5, linestyle=":")
    fig.tight_layout()
    return fig


def forecasting_windows(temperature, targets, split, example, in_steps, out_steps):
    """Chapter 5: the temperature series split in time (top) and one window with its target
    (bottom).

    Args:
        temperature: the series' temperature column, shape (hours,).
        targets: the windows' targets, shape (windows, out_steps).
        split: the first validation hour; example: the window to zoom on.
    """
    hours = np.arange(len(temperature))
    fig, (whole, zoom) = _axes(2, 1, figsize=(8, 5))
    whole.plot(hours, temperature, color="grey", linewidth=0.7)
    whole.axvspan(example, example + in_steps + out_steps, color="tab:blue", alpha=0.3)
    whole.axvline(split - 0.5, color="black", linestyle="--", linewidth=1)
    for x, text, align in ((split - 15, "training", "right"), (split + 15, "validation", "left")):
        whole.text(x, 0.95, text, ha=align, va="top", transform=whole.get_xaxis_transform())
    whole.set_xlabel("hour")
    whole.set_ylabel("temperature")
    near = np.arange(example - 12, example + in_steps + out_steps + 12)
    zoom.plot(near, temperature[near], color="grey", linewidth=0.8, marker=".", markersize=3)
    inputs_hours = np.arange(example, example + in_steps)
    zoom.plot(
        inputs_hours,
        temperature[inputs_hours],
        "o",
        color="tab:blue",
        markersize=4,
        label=f"input window ({in_steps} h)",
    )
    zoom.plot(
        example + in_steps + np.arange(out_steps),
        targets[example],
        "s",
        color="tab:orange",
        markersize=4,
        label=f"target (next {out_steps} h)",
    )
    zoom.set_xlabel(f"hour (window s = {example})")
    zoom.set_ylabel("temperature")
    zoom.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    fig.tight_layout()
    return fig


def padding_drift(held, unaware, length):
    """Chapter 5: one sequence's state over a padded batch's steps, packed (held) and not packed.

    Args:
        held: the true state, held after the sequence's last real step, shape (time, units).
        unaware: the state when the padding is read as input, shape (time, units).
        length: the sequence's real length.
    """
    steps, units = held.shape
    t = np.arange(1, steps + 1)
    fig, ax = _axes(figsize=(7.5, 3.4))
    for unit in range(units):
        (line,) = ax.plot(t, held[:, unit], marker="o", label=f"unit {unit + 1}, packed")
        ax.plot(
            t,
            unaware[:, unit],
            linestyle="--",
            marker="x",
            color=line.get_color(),
            label=f"unit {unit + 1}, not packed",
        )
    ax.axvspan(length + 0.5, steps + 0.5, color="grey", alpha=0.15)
    ax.text(
        (length + 1 + steps) / 2,
        1.02,
        "padding",
        ha="center",
        va="bottom",
        transform=ax.get_xaxis_transform(),
    )
    ax.set_xlabel("time step")
    ax.set_ylabel("hidden state")
    ax.set_xticks(range(1, steps + 1))
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig


def influence_maps(influence):
    """Chapter 6: |change of output at step t| for a nudge of the input at step s, per direction.

    Args:
        influence: array of shape (2, time, time): direction, output step t, input step s.
    """
    steps = influence.shape[1]
    fig, axes = _axes(1, 3, figsize=(9, 3.2), sharey=True)
    panels = [
        ("forward half", influence[0]),
        ("backward half", influence[1]),
        ("concatenated output", influence.max(axis=0)),
    ]
    ticks = range(0, steps, 3)
    for ax, (title, grid) in zip(axes, panels):
        image = ax.imshow(
            np.ma.masked_equal(grid, 0.0),
            cmap="viridis",
            vmin=0,
            vmax=influence.max(),
            origin="upper",
        )
        ax.set_title(title)
        ax.set_xlabel("input step s")
        ax.set_xticks(ticks, [str(k + 1) for k in ticks])
        ax.set_yticks(ticks, [str(k + 1) for k in ticks])
    axes[0].set_ylabel("output step t")
    fig.colorbar(image, ax=axes, shrink=0.8, label="|change of output|")
    return fig


def streaming_output(received, forward_trace, backward_trace, watched_step):
    """Chapter 6: one step's output of a bidirectional RNN, recomputed as a stream arrives."""
    fig, ax = _axes(figsize=(6, 3.2))
    ax.plot(received, forward_trace, marker="o", label="forward half, unit 1")
    ax.plot(received, backward_trace, marker="s", label="backward half, unit 1")
    ax.set_xlabel("steps received so far")
    ax.set_ylabel(f"output at step {watched_step}")
    ax.set_xticks(received)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def training_losses(losses_by_name, window, references, target, batch):
    """Chapter 7: moving averages of training losses, with reference levels.

    Args:
        losses_by_name: {label: array of per-batch losses}.
        window: the moving average's width.
        references: {label: (level, linestyle)} drawn as grey horizontal lines.
        target: the stopping target, a thin black line. batch: sequences per batch (axis label).
    """
    fig, ax = _axes(figsize=(6.4, 3.4))
    for name, losses in losses_by_name.items():
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax.plot(np.arange(window, len(losses) + 1), smooth, label=name)
    for label, (level, style) in references.items():
        ax.axhline(level, color="grey", linestyle=style, linewidth=1, label=label)
    ax.axhline(target, color="black", linewidth=0.5)
    ax.set_yscale("log")
    ax.set_xlabel(f"batches of {batch} sequences")
    ax.set_ylabel("training MSE")
    ax.legend(frameon=False, loc="lower left")
    fig.tight_layout()
    return fig
