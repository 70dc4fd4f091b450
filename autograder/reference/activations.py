"""Hidden-state activations and their derivatives, as used by the vanilla RNN."""

import numpy as np


def sigmoid(z):
    """Logistic function, computed without overflow for large negative z."""
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))


def relu(z):
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def tanh_derivative(z):
    return 1.0 - np.tanh(z) ** 2


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def relu_derivative(z):
    """1 for z > 0 and 0 otherwise (the subgradient frameworks use at 0)."""
    return (np.asarray(z) > 0).astype(np.float64)


ACTIVATIONS = {"tanh": np.tanh, "sigmoid": sigmoid, "relu": relu}
DERIVATIVES = {"tanh": tanh_derivative, "sigmoid": sigmoid_derivative, "relu": relu_derivative}


def activation(name):
    """Return the activation function called ``name`` (tanh, sigmoid or relu)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}"
        ) from None
