"""Conventions shared by the book, the homework and the grader: one place for each.

Layout of the reference implementations (the course's notation page repeats this table):

    x      inputs            (batch, time, features)
    x_t    one time step     (batch, features)
    h      hidden state      (batch, units)
    W_x    input weights     (features, units)    -- seeds' W, PyTorch weight_ih.T, Keras kernel
    W_h    recurrent weights (units, units)       -- seeds' U, PyTorch weight_hh.T, Keras recurrent_kernel
    b      bias              (units,)             -- PyTorch bias_ih + bias_hh, Keras bias

States are row vectors, so a step is ``h_t = f(x_t @ W_x + h_{t-1} @ W_h + b)``: the seeds'
column-vector ``W x_t + U h_{t-1}`` written for a batch.
"""

# Gate order inside the stacked weight matrices of each framework.
KERAS_LSTM_GATES = ("i", "f", "c", "o")
TORCH_LSTM_GATES = ("i", "f", "g", "o")  # g is PyTorch's name for the candidate c~
KERAS_GRU_GATES = ("z", "r", "h")
TORCH_GRU_GATES = ("r", "z", "n")  # n is PyTorch's name for the candidate h~

# Relative error allowed between a student's float64 result and the reference.
CHECK_TOLERANCE = 1e-6
# Agreement between the float64 reference and a framework running float32 / float64.
FLOAT32_TOLERANCE = 1e-5
# Below this magnitude a float32 result is compared absolutely (its rounding error is absolute).
FLOAT32_FLOOR = 1e-2
FLOAT64_TOLERANCE = 1e-9
