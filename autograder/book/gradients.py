"""Chapter 2's framework measurements: ||dh_T/ds_t|| for every step t, read from autograd.

The reference computes these norms analytically (`gradient_norms_per_step`,
`lstm_gradient_norms_per_step`); the functions here ask Keras's and PyTorch's autograd for the same
numbers, so that the page can show that the three agree. To get every row of each Jacobian from one
backward pass, the sequence is copied `units` times along the batch axis and copy j backpropagates
unit j of its final state (the trace of the batch of final states).
"""

import numpy as np

from autograder.frameworks import keras as load_keras
from autograder.frameworks import torch as load_torch


def keras_state_gradient_norms(layer, x, wrt=0):
    """||dh_T/ds_t|| for t = 1..T from a built Keras `SimpleRNN` or `LSTM`, one step at a time.

    Args:
        layer: a built float64 Keras layer; its cell is stepped by hand.
        x: one sequence of shape (1, time, features).
        wrt: 0 for s = h, 1 for the LSTM's cell state c.
    Returns:
        array of shape (time,); 0.0 where the final state does not depend on s_t.
    """
    keras = load_keras()
    import tensorflow as tf  # Keras runs on TensorFlow here; tf.GradientTape records the steps

    units = layer.units
    tiled = np.repeat(x, units, axis=0)  # copy j of the sequence backpropagates unit j
    states = 2 if isinstance(layer, keras.layers.LSTM) else 1
    state = [tf.zeros((units, units), dtype=tf.float64)] * states
    kept = []
    with tf.GradientTape() as tape:
        for t in range(tiled.shape[1]):
            _, state = layer.cell(tiled[:, t], state)  # the layer's own cell
            # a copy only the next step reads: h_t and c_t count as separate outputs of a step,
            # as in the reference
            state[wrt] = tf.identity(state[wrt])
            kept.append(state[wrt])
        target = tf.linalg.trace(state[0])
    grads = tape.gradient(target, kept)
    return np.array([0.0 if g is None else np.linalg.norm(g) for g in grads])


def torch_state_gradient_norms(module, x, wrt=0):
    """||dh_T/ds_t|| for t = 1..T from a float64 `nn.RNN` or `nn.LSTM` run on one-step sequences.

    Args:
        module: a float64 module with batch_first=True.
        x: one sequence of shape (1, time, features).
        wrt: 0 for s = h, 1 for the LSTM's cell state c.
    """
    torch = load_torch()
    units, is_lstm = module.hidden_size, isinstance(module, torch.nn.LSTM)
    tiled = torch.from_numpy(np.repeat(x, units, axis=0))  # copy j backpropagates unit j
    zeros = torch.zeros(1, units, units, dtype=torch.float64)
    state, kept = ((zeros, zeros.clone()) if is_lstm else zeros), []
    for t in range(tiled.shape[1]):
        _, state = module(tiled[:, t : t + 1], state)  # one step at a time
        kept.append(state[wrt] if is_lstm else state)
        kept[-1].retain_grad()
    h_T = state[0] if is_lstm else state
    torch.diagonal(h_T[0]).sum().backward()
    return np.array([0.0 if s.grad is None else np.linalg.norm(s.grad.numpy()) for s in kept])


def softmax_loss_gradient(h, y, V):
    """dJ/dh for J = cross-entropy of softmax(h @ V), averaged over the batch and the time steps.

    Args:
        h: states of shape (batch, time, units); y: class labels of shape (batch, time);
        V: output weights of shape (units, classes).
    """
    logits = h @ V
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return ((p - np.eye(V.shape[1])[y]) / y.size) @ V.T
