"""What the three cells share: parameter validation and splitting the stacked gate blocks."""

import numpy as np

from ..conventions import BLOCKS, GATES
from ._inputs import as_float_array
from .activations import ACTIVATIONS

PERTURBED_ACTIVATIONS = {**ACTIVATIONS, "identity": lambda z: z}


def split_blocks(a, blocks):
    """Split the last axis of ``a`` into ``blocks`` equal gate blocks (reference gate order)."""
    return np.split(a, blocks, axis=-1)


class Cell:
    """One recurrent step, forward and backward. Subclasses set the class attributes below."""

    kind = ""  # "rnn", "lstm" or "gru"
    state_names = ("h",)
    # ((part, activation name), ...): a forward-only perturbation that the checks use to model
    # a student's wrong activation (``reference.perturbed``); empty in every real cell.
    replaced_activations = ()

    def activation_for(self, part, default):
        """The function applied to ``part`` ("i", "f", "c_tilde", "o", "c", "z", "r", "h_tilde",
        "h").
        """
        for name, replacement in self.replaced_activations:
            if name == part:
                return PERTURBED_ACTIVATIONS[replacement]
        return default

    @property
    def blocks(self):
        return BLOCKS[self.kind]

    def bias_shape(self, units):
        return (self.blocks * units,)

    def validated_params(self, W_x, W_h, b):
        """Return (W_x, W_h, b) as float64 arrays, or raise ValueError naming the wrong shape."""
        W_x = as_float_array("W_x", W_x, 2)
        W_h = as_float_array("W_h", W_h, 2)
        units = W_h.shape[0]
        b = as_float_array("b", b, np.ndim(b))  # its shape is judged below, with the variant named
        width = self.blocks * units
        gates = f" (gate blocks {', '.join(GATES[self.kind])})" if self.kind in GATES else ""
        for name, array, expected in (
            ("W_x", W_x, (W_x.shape[0], width)),
            ("W_h", W_h, (units, width)),
            ("b", b, self.bias_shape(units)),
        ):
            if array.shape != expected:
                raise ValueError(
                    f"{name} has shape {array.shape}; {self.describe()} with {units} units "
                    f"needs {expected}{gates}"
                )
        return W_x, W_h, b

    @staticmethod
    def sizes(params):
        """(features, units) of validated parameters."""
        return params[0].shape[0], params[1].shape[0]

    def describe(self):
        return f"a{'n' if self.kind in ('rnn', 'lstm') else ''} {self.kind.upper()}"

    def gates(self, cache):
        """Gate values of one step, each (batch, units), keyed by the reference gate names."""
        return {}

    def __repr__(self):
        options = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({options})"

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash((type(self), tuple(sorted(vars(self).items()))))
