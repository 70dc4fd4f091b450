"""Gradient clipping, with the frameworks' semantics stated exactly.

``grads`` is a dict name -> array or a list/tuple of arrays; the result has the same form.

    clip_by_value       every entry into [-limit, limit]
                        (torch.nn.utils.clip_grad_value_, Keras clipvalue)
    clip_by_norm        each array on its own: g * max_norm / max(||g||, max_norm)
                        (Keras clipnorm, which clips every weight's gradient separately)
    clip_by_global_norm all arrays together: g * min(1, max_norm / (N + eps)),
                        N = sqrt(sum of every squared entry of every array)
                        (Keras global_clipnorm and tf.clip_by_global_norm: eps = 0;
                         torch.nn.utils.clip_grad_norm_: eps = 1e-6)
"""

import numpy as np

from ..conventions import KERAS_CLIP_EPS
from ._guard import reference_function


def _arrays(grads):
    if isinstance(grads, dict):
        items = list(grads.items())
    elif isinstance(grads, (list, tuple)):
        items = list(enumerate(grads))
    else:
        raise TypeError(f"grads must be a dict or a list of arrays, got {type(grads).__name__}")
    return [(key, np.asarray(value, dtype=np.float64)) for key, value in items]


def _same_form(grads, items):
    if isinstance(grads, dict):
        return dict(items)
    return type(grads)(value for _, value in items)


@reference_function
def global_norm(grads):
    """sqrt of the sum of squares of every entry of every array."""
    return float(np.sqrt(sum(np.sum(g**2) for _, g in _arrays(grads))))


@reference_function
def clip_by_global_norm(grads, max_norm, eps=KERAS_CLIP_EPS):
    """Scale all gradients together so that their global norm is at most ``max_norm``.

    Args:
        grads: dict or list of arrays.
        max_norm: the largest global norm allowed (> 0).
        eps: added to the norm in the scale; 0 for Keras/TensorFlow, 1e-6 for PyTorch.

    Returns:
        (clipped, norm): the gradients in the same form, and their global norm before clipping
        (what clip_grad_norm_ returns).
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    items = _arrays(grads)
    norm = float(np.sqrt(sum(np.sum(g**2) for _, g in items)))
    scale = min(1.0, max_norm / (norm + eps)) if norm + eps > 0 else 1.0
    return _same_form(grads, [(key, g * scale) for key, g in items]), norm


@reference_function
def clip_by_norm(grads, max_norm):
    """Clip each array separately to norm ``max_norm`` (Keras ``clipnorm``)."""
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    return _same_form(
        grads, [(key, g * max_norm / max(np.linalg.norm(g), max_norm)) for key, g in _arrays(grads)]
    )


@reference_function
def clip_by_value(grads, limit):
    """Clip every entry into [-limit, limit] (``clip_grad_value_``, Keras ``clipvalue``)."""
    if not limit > 0:
        raise ValueError(f"limit must be positive, got {limit!r}")
    return _same_form(grads, [(key, np.clip(g, -limit, limit)) for key, g in _arrays(grads)])
