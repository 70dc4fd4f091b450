"""Conventions shared by the book, the homework and the grader: one place for each.

Layout of the reference implementations (the course's notation page repeats this table):

    x      inputs            (batch, time, features)
    x_t    one time step     (batch, features)
    h, c   hidden/cell state (batch, units)
    W_x    input weights     (features, G*units)  -- seeds' W, PyTorch weight_ih.T, Keras kernel
    W_h    recurrent weights (units, G*units)     -- seeds' U, PyTorch weight_hh.T,
                                                     Keras recurrent_kernel
    b      bias              (G*units,)           -- PyTorch bias_ih + bias_hh, Keras bias

G is the number of gate blocks stacked side by side: 1 for the vanilla RNN, 4 for the LSTM, 3 for
the GRU. The blocks follow ``GATES[cell]`` below, which is Keras's order. The one exception to
the bias shape is the GRU that resets after the recurrent matmul (``reset_after=True``): its
recurrent bias sits inside the reset product, so it cannot be folded into b, and b has shape
(2, 3*units) -- row 0 the input bias, row 1 the recurrent bias, as Keras stores it.

States are row vectors, so a step is ``h_t = f(x_t @ W_x + h_{t-1} @ W_h + b)``: the seeds'
column-vector ``W x_t + U h_{t-1}`` written for a batch.

Final states of a multi-layer or bidirectional network use PyTorch's ``h_n`` layout,
(layers * directions, batch, units), with index ``layer * directions + direction`` and
direction 0 the forward pass.
"""

# Gate order inside the stacked weight matrices of each framework.
KERAS_LSTM_GATES = ("i", "f", "c", "o")
TORCH_LSTM_GATES = ("i", "f", "g", "o")  # g is PyTorch's name for the candidate c~
KERAS_GRU_GATES = ("z", "r", "h")
TORCH_GRU_GATES = ("r", "z", "n")  # n is PyTorch's name for the candidate h~

# The reference's own gate names, in the order of its weight blocks (Keras's order). They are
# also the keys of the gate dictionaries the reference returns for plotting.
LSTM_GATES = ("i", "f", "c_tilde", "o")
GRU_GATES = ("z", "r", "h_tilde")
GATES = {"lstm": LSTM_GATES, "gru": GRU_GATES}
# Number of weight blocks stacked side by side in W_x, W_h and b.
BLOCKS = {"rnn": 1, "lstm": len(LSTM_GATES), "gru": len(GRU_GATES)}

# Each framework's name for a reference gate (the candidate is the only one that differs).
_FRAMEWORK_NAMES = {"c": "c_tilde", "g": "c_tilde", "h": "h_tilde", "n": "h_tilde"}
FRAMEWORK_GATES = {
    ("keras", "lstm"): KERAS_LSTM_GATES,
    ("torch", "lstm"): TORCH_LSTM_GATES,
    ("keras", "gru"): KERAS_GRU_GATES,
    ("torch", "gru"): TORCH_GRU_GATES,
}


def framework_gate_order(framework, cell):
    """The reference gate names in the order ``framework`` stacks them, e.g. ('r', 'z',
    'h_tilde').
    """
    return tuple(_FRAMEWORK_NAMES.get(name, name) for name in FRAMEWORK_GATES[framework, cell])


# A GRU step mixes the previous state and the candidate with the update gate z. PyTorch, Keras
# and Cho et al. (2014) let z keep the old state; the course's source notes (like Chung et al.,
# 2014) let z admit the new one. Both are supported; "keep" is the default.
Z_CONVENTIONS = {
    "keep": "h_t = z * h_{t-1} + (1 - z) * h~_t   (PyTorch, Keras, Cho et al. 2014)",
    "update": "h_t = (1 - z) * h_{t-1} + z * h~_t   (the course's source notes, Chung et al. 2014)",
}

# How Keras's Bidirectional merges the two directions' outputs (PyTorch always concatenates,
# forward half first).
MERGE_MODES = ("concat", "sum", "mul", "ave")

# Norm used for ||dh_T / dh_t||: the Frobenius norm of the Jacobian (numpy's default).
JACOBIAN_NORM = "fro"

# Gradient clipping by global norm: scale = min(1, max_norm / (norm + eps)). Keras's
# global_clipnorm (and tf.clip_by_global_norm) use eps = 0; torch.nn.utils.clip_grad_norm_
# adds eps = 1e-6 to the norm.
KERAS_CLIP_EPS = 0.0
TORCH_CLIP_EPS = 1e-6

# Relative error allowed between a student's float64 result and the reference.
CHECK_TOLERANCE = 1e-6
# Agreement between the float64 reference and a framework running float32 / float64.
FLOAT32_TOLERANCE = 1e-5
# Below this magnitude a float32 result is compared absolutely: its rounding error, accumulated
# over the steps of a sequence, is absolute, not relative.
FLOAT32_FLOOR = 1e-1  # so a near-zero float32 value may be off by about 1e-6, a few roundings
FLOAT64_TOLERANCE = 1e-9
# Finite-difference gradient checks in float64 (central differences).
NUMERIC_GRADIENT_TOLERANCE = 1e-7

# The book's agreement checks ("How we know" cells): the same float64 computation done by hand in
# numpy, by the reference, by Keras and by PyTorch agrees to rounding (a few ulps of sums of ~10
# terms); a chain of many steps (gradients through time, a trained model's predictions) to 1e-8.
AGREEMENT_TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}
LONG_CHAIN_TOLERANCE = {"rtol": 1e-8, "atol": 1e-10}
