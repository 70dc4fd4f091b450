"""The catalogue of common mistakes that the checks recognise and name in their hints."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    name: str
    hint: str


BIAS_OMITTED = Mistake("bias omitted", "add the bias b before the activation: f(x_t @ W_x + h @ W_h + b)")
WEIGHTS_SWAPPED = Mistake(
    "input and recurrent weights swapped",
    "W_x multiplies the input x_t and W_h multiplies the previous state h")
WEIGHTS_TRANSPOSED = Mistake(
    "weight matrices transposed",
    "with row-vector states the product is x_t @ W_x, W_x of shape (features, units); "
    "PyTorch stores the transpose (units, features)")
SIGMOID_FOR_TANH = Mistake("sigmoid where tanh belongs", "the hidden state uses tanh, not the sigmoid")
RELU_FOR_TANH = Mistake("ReLU where tanh belongs", "the hidden state uses tanh, not ReLU")
ACTIVATION_MISSING = Mistake("activation missing", "apply tanh to the pre-activation x_t @ W_x + h @ W_h + b")
STATE_NOT_CARRIED = Mistake(
    "state not carried between steps",
    "each step must use the state computed at the previous step, not h0 (or zeros) again")
INITIAL_STATE_IGNORED = Mistake(
    "initial state ignored", "start from the given h0, not from zeros")
TIME_MAJOR_INPUT = Mistake(
    "batch-major vs time-major input",
    "x has shape (batch, time, features): step t is x[:, t], not x[t]")
LAST_STATE_FROM_FIRST_STEP = Mistake(
    "last state taken from the first step", "h_last is the state after the final step, h_all[:, -1]")
BIAS_COUNTED_ONCE = Mistake(
    "bias counted once instead of twice",
    "PyTorch adds two biases, bias_ih and bias_hh; put b in one and zeros in the other "
    "(or split it), so that their sum is b")
BIAS_COUNTED_TWICE = Mistake(
    "bias added twice", "PyTorch adds bias_ih and bias_hh together: their sum must be b, not 2b")
