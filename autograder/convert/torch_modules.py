"""Reference weights <-> PyTorch recurrent modules.

PyTorch stores ``weight_ih_l{k}`` (units, features) and ``weight_hh_l{k}`` (units, units), the
transposes of the reference's W_x and W_h because it computes ``x_t @ weight_ih.T``, and two
biases ``bias_ih_l{k}`` and ``bias_hh_l{k}`` that are simply added: only their sum matters.
"""

import numpy as np

from ._shapes import require_shape, rnn_sizes


def to_torch_rnn(module, W_x, W_h, b, layer=0):
    """Copy reference weights into layer ``layer`` of a ``torch.nn.RNN``.

    The whole bias goes into ``bias_ih``; ``bias_hh`` is set to zero so that their sum is b.
    """
    import torch

    features, units = rnn_sizes(W_x, W_h, b)
    params = {name: getattr(module, f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    require_shape(f"module weight_ih_l{layer}", np.zeros(tuple(params["weight_ih"].shape)), (units, features))
    with torch.no_grad():
        for name, value in (("weight_ih", np.asarray(W_x).T), ("weight_hh", np.asarray(W_h).T),
                            ("bias_ih", np.asarray(b)), ("bias_hh", np.zeros(units))):
            params[name].copy_(torch.as_tensor(np.ascontiguousarray(value), dtype=params[name].dtype))
    return module


def from_torch_rnn(module, layer=0):
    """Return (W_x, W_h, b) in float64 from layer ``layer`` of a ``torch.nn.RNN``; b = bias_ih + bias_hh."""
    def weight(name):
        return getattr(module, f"{name}_l{layer}").detach().double().numpy()

    return weight("weight_ih").T.copy(), weight("weight_hh").T.copy(), weight("bias_ih") + weight("bias_hh")
