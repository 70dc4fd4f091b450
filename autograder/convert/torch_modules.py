"""Reference weights <-> PyTorch recurrent modules (nn.RNN/LSTM/GRU and their *Cell versions).

Layout PyTorch expects, for layer k and direction d (suffix ``_l{k}`` plus ``_reverse`` for the
backward direction; the *Cell modules have no suffix):

    weight_ih  (G*units, features)   the transpose of W_x: PyTorch computes x_t @ weight_ih.T
    weight_hh  (G*units, units)      the transpose of W_h
    bias_ih, bias_hh  (G*units,)     two biases; G = 1 RNN, 4 LSTM, 3 GRU

with the gate blocks in PyTorch's order (i, f, g, o for the LSTM, r, z, n for the GRU) rather than
the reference's (i, f, c~, o and z, r, h~). For the RNN and LSTM the two biases are simply added,
so only their sum matters: loading puts b in bias_ih and zeros in bias_hh. PyTorch's GRU multiplies
the candidate's bias_hh by r, so it is the reference GRU with reset_after=True, and its two biases
are the two rows of b (2, 3*units). Layer k > 0 reads units * directions features.
"""

from functools import partial

import numpy as np

from ..conventions import BLOCKS
from ..reference._guard import reference_function
from ._shapes import reference_sizes, reorder_gates


def _kind(module):
    import torch.nn as nn

    for kind, classes in (
        ("lstm", (nn.LSTM, nn.LSTMCell)),
        ("gru", (nn.GRU, nn.GRUCell)),
        ("rnn", (nn.RNN, nn.RNNCell)),
    ):
        if isinstance(module, classes):
            return kind
    raise TypeError(
        f"expected a torch.nn RNN, LSTM or GRU module (or *Cell), got {type(module).__name__}"
    )


def _parameter_names(module, layer, direction):
    """weight_ih, weight_hh, bias_ih, bias_hh names for one layer and direction of ``module``."""
    import torch.nn as nn

    if isinstance(module, nn.RNNCellBase):
        if layer or direction:
            raise ValueError(f"a {type(module).__name__} has one layer and one direction")
        suffix = ""
    else:
        if getattr(module, "proj_size", 0):
            raise ValueError("LSTMs with proj_size > 0 have no reference counterpart")
        if not 0 <= layer < module.num_layers:
            raise ValueError(f"layer must lie in 0..{module.num_layers - 1}, got {layer}")
        if direction not in ((0, 1) if module.bidirectional else (0,)):
            raise ValueError(
                f"direction {direction} does not exist in this module "
                f"(bidirectional={module.bidirectional})"
            )
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
    return [name + suffix for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def _bias_shape(kind, units):
    """The reference bias shape that matches a PyTorch module: PyTorch's GRU is reset_after=True."""
    return (2, 3 * units) if kind == "gru" else (BLOCKS[kind] * units,)


@reference_function
def reference_cell_for_torch(module):
    """The reference cell that computes what ``module`` computes (RNNCell, LSTMCell or GRUCell)."""
    from ..reference import GRUCell, LSTMCell, RNNCell

    kind = _kind(module)
    if kind == "rnn":
        return RNNCell(module.nonlinearity)
    return LSTMCell() if kind == "lstm" else GRUCell(reset_after=True, z_convention="keep")


@reference_function
def from_torch(module, layer=0, direction=0):
    """Return (W_x, W_h, b) in float64 reference layout from one layer and direction of ``module``.

    Args:
        module: nn.RNN, nn.LSTM, nn.GRU or their *Cell versions.
        layer: layer index k (0 for a *Cell).
        direction: 0 forward, 1 backward (``_reverse``) of a bidirectional module.

    Returns:
        W_x (features, G*units), W_h (units, G*units) and b: (G*units,) for the RNN and LSTM
        (bias_ih + bias_hh), (2, 3*units) for the GRU (rows bias_ih, bias_hh).
    """
    kind = _kind(module)
    names = _parameter_names(module, layer, direction)
    w_ih, w_hh, b_ih, b_hh = (_numpy(getattr(module, name, None)) for name in names)

    def to_reference(array):
        # PyTorch stacks gate blocks along axis 0 of (G*units, inputs); reorder, then transpose
        return reorder_gates(array, kind, "torch", "reference", axis=0)

    W_x, W_h = to_reference(w_ih).T.copy(), to_reference(w_hh).T.copy()
    if b_ih is None:  # bias=False
        b_ih = b_hh = np.zeros(w_ih.shape[0])
    if kind == "gru":
        return W_x, W_h, np.stack([to_reference(b_ih), to_reference(b_hh)])
    return W_x, W_h, to_reference(b_ih + b_hh)


@reference_function
def to_torch(module, W_x, W_h, b, layer=0, direction=0):
    """Copy reference weights into one layer and direction of ``module`` (in place); return it.

    Args:
        module: nn.RNN, nn.LSTM, nn.GRU or their *Cell versions, with bias=True.
        W_x: (features, G*units); W_h: (units, G*units), gate blocks in reference order.
        b: (G*units,) for the RNN and LSTM; (2, 3*units) for the GRU (reset_after=True layout).
        layer, direction: as in ``from_torch``.
    """
    import torch

    kind = _kind(module)
    features, units = reference_sizes(kind, W_x, W_h, b, partial(_bias_shape, kind))
    names = _parameter_names(module, layer, direction)
    targets = [getattr(module, name, None) for name in names]
    if targets[2] is None:
        raise ValueError("the module was built with bias=False; build it with bias=True to load b")

    def to_torch_layout(array):
        return reorder_gates(array, kind, "reference", "torch", axis=0)

    if kind == "gru":
        biases = (to_torch_layout(b[0]), to_torch_layout(b[1]))
    else:  # only the sum of the two biases matters
        biases = (to_torch_layout(b), np.zeros_like(b, dtype=np.float64))
    values = (to_torch_layout(np.asarray(W_x).T), to_torch_layout(np.asarray(W_h).T)) + biases
    for name, target, value in zip(names, targets, values):
        if tuple(target.shape) != value.shape:
            raise ValueError(
                f"module {name} has shape {tuple(target.shape)}; the reference weights "
                f"(features={features}, units={units}) need {value.shape}"
            )
    with torch.no_grad():
        for target, value in zip(targets, values):
            target.copy_(torch.as_tensor(np.ascontiguousarray(value), dtype=target.dtype))
    return module


@reference_function
def params_from_torch(module):
    """All weights of a (possibly multi-layer, bidirectional) module, in ``stacked_forward``'s
    layout.

    Returns:
        a list per layer of a list per direction of (W_x, W_h, b).
    """
    import torch.nn as nn

    if isinstance(module, nn.RNNCellBase):
        return [[from_torch(module)]]
    directions = 2 if module.bidirectional else 1
    return [[from_torch(module, k, d) for d in range(directions)] for k in range(module.num_layers)]


@reference_function
def params_to_torch(module, layers):
    """Copy ``stacked_forward``-layout weights (a list per layer of per-direction tuples) into
    ``module``.
    """
    import torch.nn as nn

    expected = (
        (1, 1)
        if isinstance(module, nn.RNNCellBase)
        else (module.num_layers, 2 if module.bidirectional else 1)
    )
    found = (len(layers), len(layers[0]) if layers else 0)
    if found != expected:
        raise ValueError(f"the module has (layers, directions) = {expected}, the weights {found}")
    for k, layer in enumerate(layers):
        for d, (W_x, W_h, b) in enumerate(layer):
            to_torch(module, W_x, W_h, b, k, d)
    return module


@reference_function
def to_torch_rnn(module, W_x, W_h, b, layer=0, direction=0):
    """Copy reference RNN weights W_x (features, units), W_h (units, units), b (units,) into an
    nn.RNN(Cell).

    The whole bias goes into ``bias_ih``; ``bias_hh`` is set to zero so that their sum is b.
    """
    _require_kind(module, "rnn")
    return to_torch(module, W_x, W_h, b, layer, direction)


@reference_function
def from_torch_rnn(module, layer=0, direction=0):
    """Return (W_x, W_h, b) in float64 from an nn.RNN(Cell); b = bias_ih + bias_hh."""
    _require_kind(module, "rnn")
    return from_torch(module, layer, direction)


@reference_function
def to_torch_lstm(module, W_x, W_h, b, layer=0, direction=0):
    """Copy reference LSTM weights W_x (features, 4u), W_h (u, 4u), b (4u,), gates i, f, c~, o, into
    an nn.LSTM.
    """
    _require_kind(module, "lstm")
    return to_torch(module, W_x, W_h, b, layer, direction)


@reference_function
def from_torch_lstm(module, layer=0, direction=0):
    """Return reference (W_x, W_h, b) from an nn.LSTM(Cell): transposed, b = bias_ih + bias_hh."""
    _require_kind(module, "lstm")
    return from_torch(module, layer, direction)


@reference_function
def to_torch_gru(module, W_x, W_h, b, layer=0, direction=0):
    """Copy reference GRU weights W_x (features, 3u), W_h (u, 3u), b (2, 3u), gates z, r, h~, into
    an nn.GRU(Cell).

    The blocks are reordered to PyTorch's r, z, n; b[0] becomes bias_ih and b[1] bias_hh.
    """
    _require_kind(module, "gru")
    if np.ndim(b) == 1:
        raise ValueError(
            "PyTorch's GRU resets after the recurrent matmul: it needs the reset_after=True "
            "layout, b of shape (2, 3*units), not a single bias (3*units,)"
        )
    return to_torch(module, W_x, W_h, b, layer, direction)


@reference_function
def from_torch_gru(module, layer=0, direction=0):
    """Return reference (W_x, W_h, b) from an nn.GRU(Cell), b (2, 3u); for ``reset_after=True``."""
    _require_kind(module, "gru")
    return from_torch(module, layer, direction)


def _require_kind(module, kind):
    if _kind(module) != kind:
        raise TypeError(f"expected a PyTorch {kind.upper()} module, got {type(module).__name__}")


def _numpy(parameter):
    return None if parameter is None else parameter.detach().cpu().double().numpy()
