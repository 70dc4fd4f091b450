"""Parameter counts of recurrent layers in each framework's convention.

With d input features, h units and G gate blocks (1 RNN, 4 LSTM, 3 GRU), one layer and direction has
G*(d*h + h*h) weights plus its biases:

    keras   one bias per block, G*h                         ->  G*h*(d + h + 1)
            GRU with reset_after=True (Keras's default): two bias rows, 2*G*h  ->  G*h*(d + h + 2)
    torch   bias_ih and bias_hh, 2*G*h                      ->  G*h*(d + h + 2)

The source notes' LSTM formula 4h(d + h + 1) is the one-bias (Keras) count; PyTorch's nn.LSTM
has 4h more. Their comparison table (d = h) gives RNN 2h^2 + h, LSTM 4(2h^2 + h) and GRU
3(2h^2 + h): one-bias counts, which for the GRU is Keras with reset_after=False only; Keras's
default GRU and PyTorch's nn.GRU have 3(2h^2 + 2h).
A bidirectional layer doubles the count, and layer k > 0 of a stack reads h * directions
features (PyTorch always concatenates the directions).
"""

from ..conventions import BLOCKS
from ._guard import reference_function

CONVENTIONS = ("keras", "torch")


def _biases_per_block(cell, convention, reset_after):
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    if convention == "torch":
        if cell == "gru" and not reset_after:
            raise ValueError("PyTorch's nn.GRU always resets after the matmul (reset_after=True)")
        return 2
    return 2 if cell == "gru" and reset_after else 1


@reference_function
def param_count(
    cell, features, units, convention="keras", layers=1, bidirectional=False, reset_after=True
):
    """Trainable parameters of a recurrent layer (or stack), as ``count_params``/``numel`` report.

    Args:
        cell: "rnn", "lstm" or "gru".
        features: input features d of the first layer.
        units: hidden units h.
        convention: "keras" or "torch".
        layers: number of stacked layers.
        bidirectional: two directions per layer, concatenated between layers.
        reset_after: for the GRU in Keras; PyTorch only has reset_after=True.
    """
    if cell not in BLOCKS:
        raise ValueError(f"cell must be one of {sorted(BLOCKS)}, got {cell!r}")
    for name, value in (("features", features), ("units", units), ("layers", layers)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    blocks, biases = BLOCKS[cell], _biases_per_block(cell, convention, reset_after)
    directions = 2 if bidirectional else 1
    total = 0
    for k in range(layers):
        inputs = features if k == 0 else units * directions
        total += directions * blocks * units * (inputs + units + biases)
    return int(total)


@reference_function
def lstm_param_count(features, units, convention="keras"):
    """Parameters of one LSTM layer: 4h(d + h + 1) in Keras, 4h(d + h + 2) in PyTorch."""
    return param_count("lstm", features, units, convention)
