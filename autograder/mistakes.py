"""The catalogue of common mistakes that the checks recognise and name in their hints."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    name: str
    hint: str


BIAS_OMITTED = Mistake(
    "bias omitted", "add the bias b before the activation: f(x_t @ W_x + h @ W_h + b)"
)
WEIGHTS_SWAPPED = Mistake(
    "input and recurrent weights swapped",
    "W_x multiplies the input x_t and W_h multiplies the previous state h (if you concatenate, "
    "[x_t, h_prev] goes with the rows of np.vstack([W_x, W_h]), in the same order)",
)
WEIGHTS_TRANSPOSED = Mistake(
    "weight matrices transposed",
    "with row-vector states the product is x_t @ W_x, W_x of shape (features, units); "
    "PyTorch stores the transpose (units, features)",
)
SIGMOID_FOR_TANH = Mistake(
    "sigmoid where tanh belongs", "the hidden state uses tanh, not the sigmoid"
)
RELU_FOR_TANH = Mistake("ReLU where tanh belongs", "the hidden state uses tanh, not ReLU")
ACTIVATION_MISSING = Mistake(
    "activation missing", "apply tanh to the pre-activation x_t @ W_x + h @ W_h + b"
)
STATE_NOT_CARRIED = Mistake(
    "state not carried between steps",
    "each step must use the state computed at the previous step, not h0 (or zeros) again",
)
INITIAL_STATE_IGNORED = Mistake("initial state ignored", "start from the given h0, not from zeros")
TIME_MAJOR_INPUT = Mistake(
    "batch-major vs time-major input",
    "x has shape (batch, time, features): step t is x[:, t], not x[t]",
)
LAST_STATE_FROM_FIRST_STEP = Mistake(
    "last state taken from the first step", "h_last is the state after the final step, h_all[:, -1]"
)
BIAS_COUNTED_ONCE = Mistake(
    "bias counted once instead of twice",
    "PyTorch adds two biases, bias_ih and bias_hh; put b in one and zeros in the other "
    "(or split it), so that their sum is b",
)
BIAS_COUNTED_TWICE = Mistake(
    "bias added twice", "PyTorch adds bias_ih and bias_hh together: their sum must be b, not 2b"
)

# --- gated cells (ps03 LSTM, ps04 GRU) ---------------------------------------------------------
GATES_I_F_SWAPPED = Mistake(
    "input and forget gates swapped",
    "the blocks are i, f, c~, o: block 0 is the input gate, block 1 the forget gate, and "
    "c_next = f * c_prev + i * c~",
)
GATES_IFOG_ORDER = Mistake(
    "gate blocks read in the order i, f, o, g",
    "the reference (and Keras, and PyTorch) stack the blocks i, f, c~, o: the candidate is block 2,"
    " the output gate block 3",
)
CELL_TANH_MISSING = Mistake(
    "missing tanh on the cell state", "h_next = o * tanh(c_next), not o * c_next"
)
CANDIDATE_SIGMOID = Mistake(
    "sigmoid where tanh belongs in the candidate",
    "the gates use the sigmoid, but the candidate (c~ in the LSTM, h~ in the GRU) uses tanh",
)
GATE_TANH = Mistake(
    "tanh where the sigmoid belongs in a gate",
    "gates are sigmoids, so that they lie between 0 and 1; only the candidate uses tanh",
)
CELL_STATE_NOT_CARRIED = Mistake(
    "cell state not carried between steps",
    "each step must start from the c computed at the previous step, not from c0 again",
)
GRU_TORCH_ORDER = Mistake(
    "Keras vs PyTorch GRU gate order",
    "the reference stacks the GRU blocks like Keras, z, r, h~; PyTorch stacks r, z, n, "
    "so its first two blocks are swapped",
)
Z_CONVENTION_FLIPPED = Mistake(
    "z convention flipped",
    "with z_convention='keep' (PyTorch, Keras) h_next = z * h_prev + (1 - z) * h~; with 'update' "
    "(the notes) h_next = (1 - z) * h_prev + z * h~",
)
RESET_BEFORE_MATMUL = Mistake(
    "reset applied before the matmul instead of after",
    "with reset_after=True the candidate is tanh(x_t @ W_xh + b[0, h] + r * (h_prev @ W_hh + b[1,"
    " h])): r multiplies the product, not h_prev",
)
RESET_AFTER_MATMUL = Mistake(
    "reset applied after the matmul instead of before",
    "with reset_after=False the candidate is tanh(x_t @ W_xh + b_h + (r * h_prev) @ W_hh): "
    "r multiplies h_prev before the product",
)
RECURRENT_BIAS_OMITTED = Mistake(
    "recurrent bias row left out",
    "with reset_after=True b has two rows: add b[0] to x_t @ W_x and b[1] to h_prev @ W_h",
)
RECURRENT_BIAS_OUTSIDE_RESET = Mistake(
    "recurrent bias added outside the reset product",
    "the candidate's recurrent bias sits inside: r * (h_prev @ W_hh + b[1, h~ block])",
)

# --- converters from PyTorch -------------------------------------------------------------------
RESHAPED_NOT_TRANSPOSED = Mistake(
    "weights reshaped instead of transposed",
    "weight_ih has shape (G*units, features): W_x is its transpose, weight_ih.T, "
    "which reshape does not compute",
)
ONE_TORCH_BIAS_READ = Mistake(
    "one of PyTorch's two biases left out",
    "PyTorch adds bias_ih and bias_hh; the reference b is their sum (for the GRU, its two rows)",
)

# --- backpropagation through time (ps02) -------------------------------------------------------
GRADIENT_NOT_ACCUMULATED = Mistake(
    "parameter gradients not summed over time",
    "the same weights act at every step, so dW_x, dW_h and db add up the contributions of all "
    "steps (+=), not only one step's",
)
STATE_GRADIENT_NOT_CARRIED = Mistake(
    "state gradient not carried back through time",
    "the gradient reaching h_t is dh_all[:, t] plus what flows back from step t+1, "
    "dh_next = da_{t+1} @ W_h.T",
)
TANH_DERIVATIVE_MISSING = Mistake(
    "tanh derivative missing", "da_t = dh_t * (1 - h_t**2) before any product with the weights"
)
TANH_DERIVATIVE_AT_PREVIOUS_STATE = Mistake(
    "tanh derivative taken at the previous state",
    "the step that made h_t has derivative 1 - h_t**2, with its own output h_t, not h_{t-1}",
)
WEIGHT_GRADIENT_TRANSPOSED = Mistake(
    "weight gradient transposed",
    "with row-vector states dW_h = h_prev.T @ da, shape (units, units), not da.T @ h_prev",
)
BATCH_AVERAGED = Mistake(
    "gradient averaged over the batch instead of summed",
    "the loss adds up the examples, so every gradient sums over the batch (axis 0)",
)
NORMS_REVERSED = Mistake(
    "norms in reverse time order",
    "norms[:, t] belongs to h_all[:, t]: the last column is dh_T/dh_T",
)
NORMS_SHIFTED = Mistake(
    "norms shifted by one step",
    "norms[:, t] is ||dh_T / dh_all[:, t]||, so the last column is ||I|| = sqrt(units)",
)
SPECTRAL_NOT_FROBENIUS = Mistake(
    "spectral norm instead of Frobenius",
    "use the Frobenius norm, np.linalg.norm(J) (numpy's default for a matrix), not ord=2",
)
JACOBIAN_DERIVATIVE_MISSING = Mistake(
    "activation derivative left out of the Jacobian",
    "each step's Jacobian is diag(1 - h_k**2) @ W_h.T, not W_h.T alone",
)

# --- gradient clipping ------------------------------------------------------------------------
CLIPPED_PER_ARRAY = Mistake(
    "each gradient clipped on its own",
    "clipping by global norm scales every array by the same factor, from the norm of all of them "
    "together (that per-array rule is Keras's clipnorm)",
)
ALWAYS_RESCALED = Mistake(
    "rescaled even when under the limit",
    "when the global norm is at most max_norm, return the gradients unchanged: scale = min(1,"
    " max_norm / norm)",
)
SQUARED_NORM = Mistake(
    "squared norm instead of norm", "the global norm is the square root of the sum of squares"
)
SUM_OF_NORMS = Mistake(
    "sum of the arrays' norms instead of the global norm",
    "the global norm is sqrt(sum over arrays of ||g||^2), not the sum of the ||g||",
)
NORM_AFTER_CLIPPING = Mistake(
    "norm returned after clipping",
    "return the global norm measured before clipping, as torch.nn.utils.clip_grad_norm_ does",
)
CLIPPED_BY_VALUE = Mistake(
    "clipped by value instead of by norm",
    "np.clip bounds each entry; clipping by norm rescales whole arrays and keeps their direction",
)

# --- parameter counts -------------------------------------------------------------------------
TORCH_COUNTED_ONE_BIAS = Mistake(
    "one bias counted for PyTorch",
    "PyTorch has two bias vectors, bias_ih and bias_hh: 4h(d + h + 2)",
)
KERAS_COUNTED_TWO_BIASES = Mistake(
    "two biases counted for Keras", "Keras's LSTM has a single bias of 4h entries: 4h(d + h + 1)"
)
COUNT_WITHOUT_BIAS = Mistake(
    "biases left out of the count", "every gate block has a bias vector of h entries"
)
COUNT_ONE_GATE = Mistake(
    "one gate counted instead of four",
    "an LSTM has four gate blocks, each with its own weights and bias",
)
COUNT_INPUT_AS_UNITS = Mistake(
    "input size taken equal to the units",
    "the input weights are d x h per gate, with d = features, which need not equal h",
)

# --- sequence data (ps05) ---------------------------------------------------------------------
TARGET_OVERLAPS_INPUT = Mistake(
    "target window overlaps the input window",
    "window s reads steps s .. s+in_steps-1; its targets start at step s + in_steps, right after",
)
WRONG_TARGET_COLUMN = Mistake(
    "target taken from the wrong column", "y comes from series[:, target_column]"
)
LAST_WINDOW_MISSING = Mistake(
    "last window missing",
    "there are time - in_steps - out_steps + 1 windows: the last one ends at the final step",
)
WINDOWS_NOT_OVERLAPPING = Mistake(
    "windows do not overlap", "consecutive windows start one step apart, not in_steps apart"
)
LAST_OUTPUT_FROM_PADDING = Mistake(
    "last output taken from padding",
    "a sequence of length L ends at index L - 1; h_all[:, -1] is padding for every shorter one",
)
FINAL_STATE_OFF_BY_ONE = Mistake(
    "final state one step off",
    "the state after the last real step of a sequence of length L is h_all[n, L - 1]",
)

# --- bidirectional and stacked networks (ps06) ------------------------------------------------
HALVES_SWAPPED = Mistake(
    "bidirectional halves concatenated in the wrong order",
    "the forward direction comes first: concatenate [forward, backward] (and h_n[0] is the forward"
    " state)",
)
BACKWARD_NOT_REALIGNED = Mistake(
    "backward outputs not flipped back",
    "the backward pass produces its outputs from the last step to the first; reverse them again so "
    "that index t is the state after reading x_t",
)
BACKWARD_READ_FORWARDS = Mistake(
    "backward direction read the sequence forwards", "run the second direction on x[:, ::-1]"
)
BACKWARD_FINAL_FROM_LAST_STEP = Mistake(
    "backward final state taken at the last time step",
    "the backward direction finishes at t = 0: its final state is its output at step 0, not at step"
    " T-1 (the notes' output[:, -1] vs h_n[-1] mistake)",
)
H_N_DIRECTION_MAJOR = Mistake(
    "final states ordered by direction, then layer",
    "PyTorch's h_n index is layer * directions + direction: l0 forward, l0 backward, l1"
    " forward, ...",
)
LAYERS_NOT_CHAINED = Mistake(
    "every layer read the input x", "layer k > 0 reads the outputs of layer k - 1, not x"
)
OUTPUTS_FROM_FIRST_LAYER = Mistake(
    "outputs taken from the first layer", "the network's outputs are the top layer's"
)
FINAL_STATES_TOP_LAYER_ONLY = Mistake(
    "final states of the top layer only",
    "h_n holds the final state of every layer and direction: shape (layers * directions, batch,"
    " units)",
)

# --- added with the perturbation catalogue (``autograder.checks._catalogue``) ---------------------
RECURRENT_WEIGHTS_TRANSPOSED = Mistake(
    "W_h used transposed",
    "with row-vector states the recurrent product is h_prev @ W_h, W_h as given; W_h.T is the "
    "column-vector form W_h h (deeplearning.ai) or PyTorch's weight_hh",
)
INPUT_WEIGHTS_TRANSPOSED = Mistake(
    "W_x used transposed",
    "with row-vector states the input product is x_t @ W_x, W_x of shape (features, units) as"
    " given",
)
INPUTS_SHIFTED = Mistake(
    "inputs shifted by one step",
    "step t reads x[:, t]; your steps read x[:, t - 1], so the first step reads x[:, -1], the last"
    " input",
)
INPUTS_RESHAPED = Mistake(
    "x reshaped instead of transposed",
    "x.reshape(time, batch, features) keeps numpy's memory order and mixes examples; step t is "
    "x[:, t] (or x.transpose(1, 0, 2)[t] if you want time first)",
)
OUTPUTS_RESHAPED = Mistake(
    "states reshaped instead of transposed",
    "a (time, batch, units) stack becomes (batch, time, units) with .transpose(1, 0, 2) (or "
    "np.stack(states, axis=1)); reshape mixes examples and steps",
)
OUTPUTS_ONE_STEP_LATE = Mistake(
    "each state stored before its step",
    "h_all[:, t] is the state after reading x[:, t]: store h after computing it, so h_all[:, 0] is "
    "not h0",
)
CELL_INITIAL_STATE_IGNORED = Mistake(
    "c0 ignored while h0 is used",
    "start the cell state from the given c0, not from zeros (CS231n and deeplearning.ai fix c0 = 0;"
    " here c0 is an argument)",
)
HIDDEN_INITIAL_STATE_IGNORED = Mistake(
    "h0 ignored while c0 is used", "start the hidden state from the given h0, not from zeros"
)
HIDDEN_STATE_FOR_CELL_STATE = Mistake(
    "h_prev used where c_prev belongs",
    "the forget gate scales the previous cell state: c_next = f * c_prev + i * c~, not f * h_prev",
)
HIDDEN_STATE_NOT_CARRIED = Mistake(
    "hidden state not carried between steps",
    "each step must start from the h computed at the previous step, not from h0 again",
)
GATE_TANH_ONE = {
    gate: Mistake(
        f"tanh where the sigmoid belongs in the {label}",
        f"the {label} {symbol} is a sigmoid, so that it lies between 0 and 1; only the candidate"
        " uses tanh",
    )
    for gate, label, symbol in (
        ("i", "input gate", "i"),
        ("f", "forget gate", "f"),
        ("o", "output gate", "o"),
        ("z", "update gate", "z"),
        ("r", "reset gate", "r"),
    )
}
BIAS_DOUBLED = Mistake("bias added twice", "add b once: f(x_t @ W_x + h @ W_h + b)")
GATE_BLOCKS_FOGI = Mistake(
    "gate blocks read in the order f, i, o, g",
    "the reference stacks the blocks i, f, c~, o (Keras's and PyTorch's order); check which slice "
    "of the pre-activation each gate reads",
)
# Moved here from ``checks.gru_frameworks`` so that every mistake lives in this catalogue.
FLIP_EVERY_BLOCK = Mistake(
    "every gate block negated",
    "only the update gate changes meaning: negate the z block (the first units columns of W_x, W_h "
    "and b) and leave the r and h~ blocks as they are",
)


# Moved here from ``checks.gru_frameworks``.
FLIP_BIAS_ONLY = Mistake(
    "only the bias of z negated",
    "1 - sigmoid(a) = sigmoid(-a) for the whole pre-activation a = x_t @ W_xz + h_prev @ W_hz +"
    " b_z: negate the z block of W_x and W_h too",
)
FLIP_WEIGHTS_ONLY = Mistake(
    "z weights negated but not its bias",
    "the bias b_z is part of z's pre-activation: negate the z block of b as well (of both rows when"
    " b has two)",
)
FLIP_RECURRENT_LEFT = Mistake(
    "recurrent weights of z left unchanged",
    "h_prev @ W_hz is part of z's pre-activation: negate the z block of W_h as well",
)
FLIP_WRONG_BLOCK = Mistake(
    "reset gate negated instead of the update gate",
    "the blocks are z, r, h~ (Keras's order): z is the first block, columns 0 .. units-1",
)
FLIP_ONE_MINUS = Mistake(
    "z block replaced by 1 - W",
    "z -> 1 - z does not carry over to the weights as 1 - W: since 1 - sigmoid(a) = sigmoid(-a), "
    "negate the z block's weights and bias",
)
FLIP_ONE_BIAS_ROW = Mistake(
    "one bias row of z negated",
    "with reset_after=True both rows of b add to z's pre-activation: negate the z block of b[0] and"
    " of b[1]",
)
RAN_THE_LAYER = Mistake(
    "the framework's layer was run",
    "read the layer's weights (and its variant) and compute the states with your own gru_forward",
)
FLOAT32_ONLY = Mistake(
    "float32 precision: the layer run, or the GRU computed in float32",
    "a numpy GRU given the float32 weights and the float64 x computes in float64 and matches to"
    " about 1e-15; convert the weights with .double() / np.asarray(w, dtype=np.float64), keep x in"
    " float64, and do not run the framework's layer",
)

# Moved here from ``checks.models``.
RETURN_SEQUENCES_NOT_FLATTENED = Mistake(
    "return_sequences=True without Flatten",
    "with return_sequences=True the LSTM returns every state, (batch, time, units), and Dense then "
    "forecasts at every step; forecast from the last state (return_sequences=False, the default)",
)
DENSE_MISSING = Mistake(
    "missing Dense output layer",
    "the LSTM returns units values per example; add Dense(horizon) after it to map them to the "
    "horizon values",
)
LINEAR_MISSING = Mistake(
    "missing Linear output layer",
    "the LSTM's state has units values per example; apply nn.Linear(units, horizon) to the last"
    " state",
)
WRONG_UNITS = Mistake(
    "wrong number of units",
    "the LSTM must have the given number of units: keras.layers.LSTM(units), nn.LSTM(features,"
    " units)",
)
WRONG_RECURRENT_LAYER = Mistake(
    "wrong recurrent layer",
    "the task asks for an LSTM (4 gate blocks); SimpleRNN/nn.RNN has 1 block and GRU 3, hence"
    " another count",
)
EVERY_STATE_FLATTENED = Mistake(
    "every state flattened into the output layer",
    "this model forecasts from the last state only, so its output layer reads units values, not "
    "time_steps * units: no return_sequences=True + Flatten (PyTorch: h_n[-1], not output.reshape)",
)
EXTRA_LAYER = Mistake(
    "extra hidden layer",
    "the task's model is one LSTM and one output layer, Dense(horizon) / nn.Linear(units, horizon),"
    " with no hidden dense layer between them",
)
EXTRA_RECURRENT = Mistake(
    "more than one LSTM layer or direction",
    "the task's model has a single LSTM layer that reads forwards: no stacking, no Bidirectional, "
    "num_layers=1, bidirectional=False",
)
BATCH_FIRST_MISSING = Mistake(
    "batch_first=True missing",
    "nn.LSTM reads (time, batch, features) unless it is built with batch_first=True; without it the"
    " model runs along the batch and mixes the examples",
)
LINEAR_ON_EVERY_STEP = Mistake(
    "output layer applied to every step",
    "nn.LSTM's output is (batch, time, units); apply nn.Linear to the last state, h_n[-1] or"
    " output[:, -1]",
)
H_N_NOT_INDEXED = Mistake(
    "h_n used without [-1]",
    "h_n has shape (layers * directions, batch, units); the top layer's final state is h_n[-1],"
    " (batch, units)",
)
FORWARD_RETURNS_TUPLE = Mistake(
    "forward returned more than the forecast",
    "return only the forecast tensor (batch, horizon); nn.LSTM returns (output, (h_n, c_n)): take"
    " the part you need from it",
)
FORECAST_FROM_FIRST_STEP = Mistake(
    "forecast taken from the first step",
    "the forecast must read the last state, after every step: h_n[-1] or output[:, -1] in PyTorch, "
    "return_sequences=False in Keras; output[:, 0] is the state after the first step",
)
EXAMPLES_MIXED = Mistake(
    "examples of the batch mixed",
    "two identical windows in one batch got different forecasts: the model reads along the wrong"
    " axis (PyTorch: batch_first=True; or a transpose/reshape that moves the batch axis)",
)

# Moved here from ``checks.stacks``.
DIRECTIONS_SWAPPED = Mistake(
    "forward and backward weights swapped",
    "the parameters without a suffix (weight_ih_l{k}) are layer k's forward direction, those ending"
    " in _reverse its backward direction: layers[k] = [forward, backward]",
)
LAYER_ZERO_REUSED = Mistake(
    "layer 0's weights read for every layer",
    "layer k's weights are weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}: the number"
    " in the name is the layer",
)
LSTM_GATES_REORDERED = Mistake(
    "LSTM gate blocks reordered",
    "PyTorch's LSTM blocks i, f, g, o are already the course's order i, f, c~, o: transpose, but do"
    " not reorder (only the GRU's blocks differ)",
)

# Moved here from ``checks.autograd``.
UNWEIGHTED_BACKWARD = Mistake(
    "backward without the upstream gradient",
    "h_all.sum().backward() gives every state the gradient 1; here state t receives dh_all[:, t]: "
    "call h_all.backward(dh_all) or (h_all * dh_all).sum().backward()",
)
LAST_STATE_ONLY = Mistake(
    "only the final state back-propagated",
    "the loss reaches every state, not only h_last: back-propagate from h_all (all steps) with"
    " dh_all",
)
TORCH_BIAS_GRADIENTS_ADDED = Mistake(
    "gradients of bias_ih and bias_hh added",
    "nn.RNN adds its two biases, so each receives the whole gradient; the reference b stands for"
    " their sum, and its gradient is that of either one (bias_ih_l0.grad), not the sum of both",
)
TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED = Mistake(
    "PyTorch weight gradients not transposed back",
    "weight_ih_l0 and weight_hh_l0 (and their .grad) have shape (units, features) and (units,"
    " units): the reference W_x and W_h are their transposes",
)
FLOAT32_TENSORS = Mistake(
    "float32 tensors",
    "float32 carries about 7 significant digits, too few for this check: create every tensor with"
    " dtype=torch.float64 (torch.from_numpy keeps numpy's float64; .float() and a default nn.RNN do"
    " not)",
)
GRAD_NOT_TRACKED = Mistake(
    "gradient not tracked",
    "a tensor's .grad stays None unless it was created with requires_grad=True (x and h0 included) "
    "and is a leaf of the graph: call .requires_grad_() on the tensor you pass in, not on a copy",
)

# --- training the forecaster within a budget (ps05, task 5) ------------------------------------
FORECAST_STANDARDISED = Mistake(
    "forecasts left in standardised units",
    "the model was trained on standardised targets, so its outputs are in standard deviations: undo"
    " the scaling before returning, forecast * std + mean, with the training part's mean and std of"
    " column 0",
)
FORECAST_OTHER_COLUMN = Mistake(
    "another feature forecast",
    "the forecasts look like another column than the temperature: cut the targets from column 0 "
    "(make_windows(part, 24, 12, 0)), and unscale them with column 0's mean and std",
)
FORECAST_LAST_VALUE = Mistake(
    "forecasts repeat the last observed value",
    "your forecasts follow the persistence baseline: the model has not learned the daily cycle."
    " Train longer, on standardised inputs, and watch your validation error fall below the"
    " baselines'",
)
FORECAST_SEASONAL_NAIVE = Mistake(
    "forecasts repeat the day before",
    "your forecasts follow the seasonal naive baseline (the value 24 hours earlier): the model must"
    " learn more than the daily cycle; train longer and check its validation error against the"
    " baseline's",
)
FORECAST_CONSTANT = Mistake(
    "the same forecast for every window",
    "training never left its starting point, or the forecast ignores its input: check that the loss"
    " falls, that inputs and targets are standardised, and that forecast(model, X) runs the model"
    " on X",
)
FORECAST_STEPS_REVERSED = Mistake(
    "forecast steps in reverse order",
    "column k of a forecast is the hour k + 1 after the window, so column 0 is the next hour",
)
FORECAST_NOT_ACCURATE_ENOUGH = Mistake(
    "forecast error above the requirement",
    "your model beats the baselines, but not by enough: train for more epochs with early stopping"
    " on a validation part, standardise inputs and targets with the training part's statistics, or"
    " use more units, within the CPU budget",
)
FORECAST_NOT_DETERMINISTIC = Mistake(
    "forecasts change from call to call",
    "predict in evaluation mode (module.eval(), torch.no_grad(); in Keras model.predict or"
    " training=False): dropout, or anything random, must be off when forecasting",
)
FORECAST_BATCH_DEPENDENT = Mistake(
    "a window's forecast depends on the rest of the batch",
    "standardise with the training part's fixed mean and std, never with statistics of the batch X"
    " you are given",
)
FORECAST_OVER_BUDGET = Mistake(
    "training over the CPU budget",
    "fewer epochs (stop early once the validation error stops falling), fewer units, or a larger"
    " batch; in PyTorch torch.set_num_threads(1) avoids paying for idle threads",
)

# ps06 task 5 · negation classifier ----------------------------------------------------------
NEGATION_PADDING_READ = Mistake(
    "padding read as words",
    "a sentence's answer must not change with the zeros after its end: in Keras give the"
    " Embedding mask_zero=True (or put a Masking layer before the recurrent layer); in PyTorch"
    " pack the batch with pack_padded_sequence(x, lengths, batch_first=True,"
    " enforce_sorted=False) and read h_n, whose backward half then starts at the last real word"
    " too",
)
NEGATION_LAST_PADDED_STEP = Mistake(
    "output read at the last padded step",
    "output[:, -1] of a padded batch is a padding step for every sentence shorter than the batch"
    " (pad_packed_sequence fills it with zeros): read h_n[-1] after packing (torch.cat([h_n[-2],"
    " h_n[-1]], 1) when bidirectional), or let Keras's masked layer return its last real state",
)
NEGATION_ORDER_IGNORED = Mistake(
    "word order thrown away",
    "your answers do not change when the words of a sentence are shuffled, or follow the"
    ' bag-of-words baseline (about 75%): "not good" and "good ... not" hold the same words.'
    " Classify from the recurrent layer's last state, not from a mean or sum of the embeddings",
)
NEGATION_LABELS_INVERTED = Mistake(
    "labels inverted",
    "class 1 is a positive sentence: train on the labels negation_dataset returns, and answer"
    " argmax over the two logits (not argmin, not 1 - class)",
)
NEGATION_CONSTANT = Mistake(
    "the same answer for every sentence",
    "training never left its starting point: check that the loss falls below ln 2 = 0.69, that"
    " the labels hold both classes, and that answer() runs the model on the tokens it is given",
)
NEGATION_NOT_CLASSES = Mistake(
    "probabilities or logits instead of classes",
    "return one class per sentence, 0 or 1: logits.argmax(dim=1).numpy() in PyTorch,"
    " model.predict(tokens).argmax(axis=1) in Keras",
)
NEGATION_SORTED_ORDER = Mistake(
    "answers returned in length-sorted order",
    "you sorted the batch by length for packing and returned the answers in that order: put them"
    " back in the order of the tokens you were given (or pack with enforce_sorted=False)",
)
NEGATION_AT_CHANCE = Mistake(
    "answers at chance level",
    "your answers agree with the labels about as often as coin flips: check on a validation set of"
    " your own while training that the accuracy rises, and that answer() feeds the tokens and"
    " lengths to the model you trained",
)
NEGATION_NOT_ACCURATE_ENOUGH = Mistake(
    "accuracy below the requirement",
    "your model has learned part of the task: train for more epochs (watch your own validation"
    " accuracy), or use a GRU or LSTM of 16 units or more, within the CPU budget",
)
NEGATION_POSITION_DEPENDENT = Mistake(
    "a sentence's answer depends on its place in the batch",
    "each sentence must be answered by itself: if you sort the batch for packing, put the answers"
    " back in the original order, and use no statistics over the batch",
)
NEGATION_NOT_DETERMINISTIC = Mistake(
    "answers change from call to call",
    "predict in evaluation mode (module.eval() and torch.no_grad(); in Keras model.predict):"
    " dropout, or anything random, must be off when answering",
)
NEGATION_BATCH_DEPENDENT = Mistake(
    "a sentence's answer depends on the rest of the batch",
    "each sentence must be answered on its own: no batch statistics, and a sentence alone (padded"
    " to its own length) must get the answer it gets in a batch",
)
NEGATION_OVER_BUDGET = Mistake(
    "training over the CPU budget",
    "fewer epochs (stop once your validation accuracy passes 98%), fewer sentences or units, or a"
    " larger batch; in PyTorch torch.set_num_threads(1) avoids paying for idle threads",
)

# ps07 task 4 · character language model
CHARLM_PROBABILITIES = Mistake(
    "probabilities instead of log-probabilities",
    "return log-probabilities, e.g. torch.log_softmax(logits, dim=-1), not softmax(logits): each"
    " row's exponentials add up to 1, the values themselves are at most 0",
)
CHARLM_LOGITS = Mistake(
    "unnormalised logits",
    "the model's raw outputs (logits) are not log-probabilities: normalise them with"
    " torch.log_softmax(logits, dim=-1), so that each row's exponentials add up to 1",
)
CHARLM_NOT_SHIFTED = Mistake(
    "off by one: the current character scored, not the next",
    "row t must predict character t + 1 from characters 0 .. t: train on targets shifted by one"
    " (stream_batches' targets, or codes[:, 1:] for inputs codes[:, :-1]) and answer with the"
    " output at t, not at t - 1",
)
CHARLM_CONTEXT_LOST = Mistake(
    "context lost inside a passage",
    "from some position on, your answers are the same whether or not the passage's earlier"
    " characters come before it: the state is reset inside the passage (cutting it into chunks"
    " that each start from zeros) or the model reads only the current character. Run the whole"
    " passage through the recurrent layer in one call, starting from a zero state",
)
CHARLM_OTHER_CODING = Mistake(
    "another character coding than CharCodec's",
    "code characters with the course's genesis_codec() (CharCodec of all of Genesis, characters"
    " in code-point order), not your own vocabulary: the grader's codes and your model's columns"
    " must mean the same characters",
)
CHARLM_TEMPERATURE = Mistake(
    "temperature applied when scoring",
    "a temperature is for sampling; score with log_softmax(logits) itself (temperature 1), or"
    " the probabilities are sharper or flatter than what the model learned",
)
CHARLM_NOT_GOOD_ENOUGH = Mistake(
    "perplexity above the requirement",
    "your model has learned something, but not enough: train for more batches (watch the"
    " perplexity on your own validation part of Genesis), use more units, or a larger learning"
    " rate, within the CPU budget; carry the state between batches (detached)",
)
CHARLM_NO_BETTER_THAN_BIGRAM = Mistake(
    "no better than counting character pairs",
    "your model predicts about as well as a table of which character follows which: it uses"
    " little context. Check that the state is carried between batches (detached), and train"
    " longer or with more units",
)
CHARLM_NOT_DETERMINISTIC = Mistake(
    "log-probabilities change from call to call",
    "answer in evaluation mode (model.eval(), torch.no_grad()) and start every call from a zero"
    " state: no dropout, and no state kept from an earlier call",
)
CHARLM_BATCH_DEPENDENT = Mistake(
    "a passage's log-probabilities depend on the rest of the batch",
    "each passage starts from a zero state of its own: do not join the passages into one stream"
    " or carry the state from one row to another",
)
CHARLM_OVER_BUDGET = Mistake(
    "training over the CPU budget",
    "fewer batches, fewer units or a shorter truncation length; torch.set_num_threads(1) avoids"
    " paying for idle threads (the budget counts every thread)",
)
