"""The small models the training pages build, each once in Keras and once in PyTorch.

The two versions of a model have the same layers and sizes; the pages train them on the same data.
Keras and PyTorch are imported when a builder is called, never when this module is imported.
"""

from ..frameworks import keras as _keras
from ..frameworks import torch as _torch


def keras_forecaster(kind, units=32, in_steps=24, features=5, horizon=12):
    """The lecture notes' two forecasters in Keras: (batch, in_steps, features) -> (batch, horizon).

    Args:
        kind: "last" reads the LSTM's last state (return_sequences=False); "sequence" flattens the
            states of every step (return_sequences=True, then Flatten) into the output layer.
    """
    keras = _keras()
    if kind not in ("last", "sequence"):
        raise ValueError(f'kind must be "last" or "sequence", got {kind!r}')
    layers = [keras.Input((in_steps, features))]
    if kind == "last":
        layers += [keras.layers.LSTM(units)]
    else:
        layers += [keras.layers.LSTM(units, return_sequences=True), keras.layers.Flatten()]
    return keras.Sequential(layers + [keras.layers.Dense(horizon)], name=f"forecaster_{kind}")


def torch_forecaster(kind, units=32, in_steps=24, features=5, horizon=12):
    """The same two forecasters as ``torch.nn.Module``s, batch first."""
    torch = _torch()
    if kind not in ("last", "sequence"):
        raise ValueError(f'kind must be "last" or "sequence", got {kind!r}')

    class Forecaster(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(features, units, batch_first=True)
            self.head = torch.nn.Linear(units * (in_steps if kind == "sequence" else 1), horizon)

        def forward(self, x):
            # output (batch, in_steps, units), h_n (1, batch, units)
            output, (h_n, _) = self.lstm(x)
            return self.head(output.flatten(1) if kind == "sequence" else h_n[-1])

    return Forecaster()


def parameter_count(model):
    """Trainable parameters of a Keras model or a PyTorch module."""
    if hasattr(model, "count_params"):
        return int(model.count_params())
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def keras_classifier(cell, bidirectional, vocabulary, embedding=16, units=16, classes=2):
    """Embedding (token 0 masked) -> SimpleRNN, LSTM or GRU ("rnn", "lstm", "gru"), optionally
    bidirectional -> Dense(classes) logits.

    ``mask_zero=True`` makes the embedding emit a mask that the recurrent layer follows: it stops
    updating each sentence's state at its last real word, and returns that state.
    """
    keras = _keras()
    layer = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[
        cell
    ](units)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)  # forward and backward final states, concatenated
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(
                vocabulary,
                embedding,
                mask_zero=True,
                embeddings_initializer=normal_embedding(keras),
            ),
            layer,
            keras.layers.Dense(classes),
        ],
        name=f"{'bi' if bidirectional else ''}{cell}",
    )


def normal_embedding(keras):
    """PyTorch's embedding initialisation, N(0, 1), for a Keras ``Embedding`` (Keras's default is
    U(-0.05, 0.05)).
    """
    return keras.initializers.RandomNormal(stddev=1.0)


def torch_classifier(cell, bidirectional, vocabulary, embedding=16, units=16, classes=2):
    """The same classifier in PyTorch: forward(tokens, lengths) packs the padded batch before the
    cell.
    """
    torch = _torch()
    from torch.nn.utils.rnn import pack_padded_sequence

    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(vocabulary, embedding, padding_idx=0)
            recurrent = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
            self.recurrent = recurrent(
                embedding, units, batch_first=True, bidirectional=bidirectional
            )
            self.head = torch.nn.Linear(units * (2 if bidirectional else 1), classes)

        def forward(self, tokens, lengths):
            packed = pack_padded_sequence(
                self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            _, state = self.recurrent(packed)
            h_n = state[0] if cell == "lstm" else state  # (directions, batch, units)
            # each direction's state after its own last real step: forward at t = length - 1,
            # backward at t = 0
            return self.head(torch.cat([h_n[-2], h_n[-1]], dim=1) if bidirectional else h_n[-1])

    return Classifier()
