"""Data-only messages between the grader and a sandboxed grading kernel.

The grader runs each check in its own process and calls the student's functions in the kernel
through a unix socket. Everything that crosses the socket is plain data: JSON for structure and
raw bytes for arrays, never pickle, so a hostile kernel can send wrong numbers but no code.

This module is also copied into the grading kernel (see ``kernel_checks.py``), so it imports only
the standard library and numpy; torch is imported when a torch value has to be rebuilt.

A frame is ``u32 header length | header JSON | the buffers it lists``. A value is a JSON scalar
(None, bool, int, float, str) or an object tagged with ``kind``:

=========== ===================================================================
kind        fields
=========== ===================================================================
list, tuple ``items``: values
dict        ``items``: [key, value] pairs
ndarray     ``dtype``, ``shape``, ``buffer`` (index); ``scalar`` for numpy scalars
tensor      ``array``: an ndarray value (a torch tensor's data)
torch_rnn   ``class`` (RNN, LSTM or GRU), ``config``, ``state``: [name, ndarray] pairs
function    ``id``, ``name``: a function the other side may call back (requests only)
opaque      ``type``, ``module``: anything else, reduced to its type's name
=========== ===================================================================
"""

import json
import math
import struct

import numpy as np

MAX_HEADER_BYTES = 4 << 20
MAX_MESSAGE_BYTES = 256 << 20  # generous for the homework's arrays, small enough to hold in memory
MAX_DEPTH = 32
MAX_ITEMS = 100_000
ARRAY_KINDS = "biufc"  # booleans and numbers; no objects, strings or records
TORCH_RNN_CONFIG = (
    "input_size",
    "hidden_size",
    "num_layers",
    "bias",
    "batch_first",
    "dropout",
    "bidirectional",
)
TORCH_RNN_CLASSES = ("RNN", "LSTM", "GRU")
TORCH_RNN_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
# The largest torch RNN the grader rebuilds: far above the homework's, far below a size that
# costs the grader seconds or gigabytes (the module's weights must also fit in one message).
MAX_RNN_LAYERS = 8
MAX_RNN_SIZE = 4096


class WireError(ValueError):
    """A message that is malformed, too large, or holds a value that cannot be rebuilt."""


class Opaque:
    """Stands for a value that cannot cross the socket; its class is named after the original
    type.
    """


def opaque_type(name, module):
    """A stand-in class named like the original type, so messages about it name what was sent.

    A new class each time, never cached: the names come from the kernel, and a cache keyed by
    them would let a notebook grow the grader's memory one type name at a time.
    """
    name, module = str(name)[:100], str(module)[:100]
    return type(name if name.isidentifier() else "object", (Opaque,), {"__module__": module})


# ----------------------------------------------------------------------------- encoding


class _Encoder:
    def __init__(self, functions=None):
        self.buffers = []
        self.size = 0
        self.items = 0
        self.functions = functions  # a list to register callables in, or None

    def value(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("the value is nested too deeply")
        self.items += 1
        if self.items > MAX_ITEMS:
            raise WireError("the value holds too many items")
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and type(value) in (int, float):
            return value
        if isinstance(value, (np.ndarray, np.generic)):
            return self.array(value)
        if isinstance(value, (list, tuple)):
            kind = "tuple" if isinstance(value, tuple) else "list"
            return {"kind": kind, "items": [self.value(item, depth + 1) for item in value]}
        if isinstance(value, dict):
            return {
                "kind": "dict",
                "items": [
                    [self.value(k, depth + 1), self.value(v, depth + 1)] for k, v in value.items()
                ],
            }
        torch_value = self.torch_value(value)
        if torch_value is not None:
            return torch_value
        if callable(value) and self.functions is not None:
            self.functions.append(value)
            return {
                "kind": "function",
                "id": len(self.functions) - 1,
                "name": str(getattr(value, "__name__", "?")),
            }
        return {"kind": "opaque", "type": type(value).__name__, "module": type(value).__module__}

    def array(self, value):
        scalar = isinstance(value, np.generic)
        array = np.asarray(value)
        if array.dtype.kind not in ARRAY_KINDS:
            return {
                "kind": "opaque",
                "type": type(value).__name__,
                "module": type(value).__module__,
            }
        data = array.tobytes()
        self.size += len(data)
        if self.size > MAX_MESSAGE_BYTES:
            raise WireError(f"the value is larger than {MAX_MESSAGE_BYTES >> 20} MB")
        self.buffers.append(data)
        encoded = {
            "kind": "ndarray",
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "buffer": len(self.buffers) - 1,
        }
        if scalar:
            encoded["scalar"] = True
        return encoded

    def torch_value(self, value):
        """Tensors and RNN modules, recognised without importing torch into a process that lacks
        it.
        """
        module = type(value).__module__ or ""
        if not module.startswith("torch"):
            return None
        import torch

        if isinstance(value, torch.Tensor):
            try:
                data = value.detach().cpu().numpy()
            except (TypeError, RuntimeError):  # e.g. bfloat16, which numpy lacks
                return None
            return {"kind": "tensor", "array": self.array(data)}
        if isinstance(value, torch.nn.RNNBase):
            base = next(
                (name for name in TORCH_RNN_CLASSES if isinstance(value, getattr(torch.nn, name))),
                None,
            )
            if base is None:
                return None
            config = {key: getattr(value, key) for key in TORCH_RNN_CONFIG}
            if base == "RNN":
                config["nonlinearity"] = value.nonlinearity
            if base == "LSTM":
                config["proj_size"] = value.proj_size
            for _key, item in config.items():
                if type(item) not in (int, float, bool, str):
                    return None  # a property that lies about its type: send the module as opaque
            state = [
                [name, self.array(tensor.detach().cpu().numpy())]
                for name, tensor in value.state_dict().items()
            ]
            return {
                "kind": "torch_rnn",
                "class": base,
                "config": config,
                "training": bool(value.training),
                "state": state,
            }
        return None


def encode(message, functions=None):
    """Encode a message (a dict of values) into one frame. Callables go into ``functions`` if
    given.
    """
    encoder = _Encoder(functions)
    header = {
        "message": {str(key): encoder.value(value) for key, value in message.items()},
        "buffers": [len(b) for b in encoder.buffers],
    }
    text = json.dumps(header, allow_nan=True).encode()
    if len(text) > MAX_HEADER_BYTES:
        raise WireError("the message header is too large")
    return b"".join([struct.pack(">I", len(text)), text, *encoder.buffers])


# ----------------------------------------------------------------------------- decoding


class _Decoder:
    def __init__(self, buffers, function=None):
        self.buffers = buffers
        self.function = function  # builds a callable stand-in from (id, name), or None

    def value(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("the value is nested too deeply")
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
            raise WireError("a value without a kind")
        kind = value["kind"]
        if kind in ("list", "tuple"):
            items = [self.value(item, depth + 1) for item in _list(value, "items")]
            return tuple(items) if kind == "tuple" else items
        if kind == "dict":
            pairs = [_pair(item) for item in _list(value, "items")]
            return {_hashable(self.value(k, depth + 1)): self.value(v, depth + 1) for k, v in pairs}
        if kind == "ndarray":
            return self.array(value)
        if kind == "tensor":
            import torch

            return torch.from_numpy(self.array(value.get("array")))
        if kind == "torch_rnn":
            return self.torch_rnn(value)
        if kind == "function" and self.function is not None:
            return self.function(_int(value, "id"), str(value.get("name", "?"))[:100])
        if kind == "opaque":
            return opaque_type(value.get("type", "object"), value.get("module", "builtins"))()
        raise WireError(f"unknown value kind {kind!r}")

    def array(self, value):
        if not isinstance(value, dict) or value.get("kind") != "ndarray":
            raise WireError("expected an array")
        try:
            dtype = np.dtype(str(value["dtype"]))
        except Exception:  # numpy raises several kinds for a bad dtype string
            raise WireError("an array with an unusable dtype") from None
        if dtype.kind not in ARRAY_KINDS:
            raise WireError(f"arrays of dtype {dtype} are not accepted")
        shape = tuple(_int(dim) for dim in _list(value, "shape"))
        if any(dim < 0 for dim in shape) or len(shape) > 32:
            raise WireError("an array with an impossible shape")
        index = _int(value, "buffer")
        if not 0 <= index < len(self.buffers):
            raise WireError("an array refers to a missing buffer")
        data = self.buffers[index]
        if math.prod(shape) * dtype.itemsize != len(data):
            raise WireError("an array's size does not match its shape")
        array = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
        return array[()] if value.get("scalar") else array

    def torch_rnn(self, value):
        """Rebuild a torch RNN module, after checking its configuration against its weights.

        The configuration comes from the kernel, so it is checked before anything is built: each
        setting's type and range, and the exact names and shapes of the weights it implies. A
        module is then only as large as the weights that were actually sent.
        """
        import torch

        name = value.get("class")
        if name not in TORCH_RNN_CLASSES:
            raise WireError(f"unknown torch module {name!r}")
        config = value.get("config")
        allowed = set(TORCH_RNN_CONFIG) | {"nonlinearity", "proj_size"}
        if not isinstance(config, dict) or not set(config) <= allowed:
            raise WireError("a torch module with an unusable configuration")
        _check_rnn_config(name, config)
        pairs = [_pair(p) for p in _list(value, "state")]
        if len(pairs) > 6 * MAX_RNN_LAYERS:
            raise WireError(f"the {name} module has too many weights")
        arrays = {str(k): self.array(v) for k, v in pairs}
        expected = rnn_weight_shapes(name, config)
        shapes = {k: tuple(a.shape) for k, a in arrays.items()}
        if shapes != expected:
            wrong = sorted(set(shapes) ^ set(expected)) or sorted(
                k for k in shapes if shapes[k] != expected[k]
            )
            raise WireError(
                f"the {name} module's weights do not match its configuration"
                f" ({', '.join(wrong[:4])})"
            )
        dtypes = {a.dtype for a in arrays.values()}
        if len(dtypes) > 1 or any(d.kind != "f" for d in dtypes):
            raise WireError(
                f"the {name} module's weights are {', '.join(sorted(map(str, dtypes)))}; "
                "a torch RNN's weights are real floating-point numbers of one dtype"
            )
        state = {k: torch.from_numpy(a) for k, a in arrays.items()}
        try:
            module = getattr(torch.nn, name)(**config)
            if state:
                module.to(next(iter(state.values())).dtype)
            module.load_state_dict(state)
        # torch rejects the sizes or names: the sender's module was unusual
        except Exception as error:
            raise WireError(f"the {name} module could not be rebuilt: {str(error)[:300]}") from None
        module.train(bool(value.get("training", True)))
        return module


def _check_rnn_config(name, config):
    """Types and ranges of a torch RNN's settings, checked before torch sees them."""
    for key in ("input_size", "hidden_size", "num_layers"):
        item = config.get(key)
        if type(item) is not int or not 1 <= item <= (
            MAX_RNN_LAYERS if key == "num_layers" else MAX_RNN_SIZE
        ):
            limit = MAX_RNN_LAYERS if key == "num_layers" else MAX_RNN_SIZE
            raise WireError(
                f"the {name} module's {key} must be an integer from 1 to {limit}, not"
                f" {_short(item)}"
            )
    for key in ("bias", "batch_first", "bidirectional"):
        if type(config.get(key)) is not bool:
            raise WireError(
                f"the {name} module's {key} must be True or False, not {_short(config.get(key))}"
            )
    dropout = config.get("dropout")
    if type(dropout) not in (int, float) or not 0 <= dropout <= 1:
        raise WireError(
            f"the {name} module's dropout must be a number from 0 to 1, not {_short(dropout)}"
        )
    if "nonlinearity" in config and config["nonlinearity"] not in ("tanh", "relu"):
        raise WireError(f"the {name} module's nonlinearity must be 'tanh' or 'relu'")
    proj = config.get("proj_size", 0)
    if type(proj) is not int or not 0 <= proj < config["hidden_size"]:
        raise WireError(
            f"the {name} module's proj_size must be an integer from 0 to hidden_size - 1"
        )


def rnn_weight_shapes(name, config):
    """The state_dict names and shapes of a torch RNN/LSTM/GRU with this configuration."""
    gates, hidden = TORCH_RNN_GATES[name], config["hidden_size"]
    proj = config.get("proj_size", 0)
    out = proj or hidden
    directions = 2 if config["bidirectional"] else 1
    shapes = {}
    for layer in range(config["num_layers"]):
        for direction in range(directions):
            suffix = f"l{layer}" + ("_reverse" if direction else "")
            inputs = config["input_size"] if layer == 0 else out * directions
            shapes[f"weight_ih_{suffix}"] = (gates * hidden, inputs)
            shapes[f"weight_hh_{suffix}"] = (gates * hidden, out)
            if config["bias"]:
                shapes[f"bias_ih_{suffix}"] = (gates * hidden,)
                shapes[f"bias_hh_{suffix}"] = (gates * hidden,)
            if proj:
                shapes[f"weight_hr_{suffix}"] = (proj, hidden)
    return shapes


def _short(value):
    return repr(value)[:40]


def _list(value, key):
    items = value.get(key) if isinstance(value, dict) else None
    if not isinstance(items, list):
        raise WireError(f"expected a list in {key!r}")
    return items


def _pair(item):
    if not isinstance(item, list) or len(item) != 2:
        raise WireError("expected a pair")
    return item


def _int(value, key=None):
    item = value.get(key) if key is not None else value
    if type(item) is not int:
        raise WireError("expected an integer")
    return item


def _hashable(key):
    try:
        hash(key)
    except TypeError:
        raise WireError("a dict key that is not hashable") from None
    return key


def decode(header, buffers, function=None):
    """Rebuild a message from its header and buffers; ``function(id, name)`` rebuilds callables."""
    if not isinstance(header, dict) or not isinstance(header.get("message"), dict):
        raise WireError("a message without a body")
    decoder = _Decoder(buffers, function)
    try:
        return {key: decoder.value(value) for key, value in header["message"].items()}
    # numpy or torch refusing odd input
    except (TypeError, ValueError, OverflowError, MemoryError) as error:
        if isinstance(error, WireError):
            raise
        raise WireError(
            f"a value that cannot be rebuilt ({type(error).__name__}: {error})"
        ) from None


# ----------------------------------------------------------------------------- sockets


def send(sock, message, functions=None):
    sock.sendall(encode(message, functions))


def receive(sock, function=None):
    """Read one frame from ``sock`` and decode it. Raises EOFError when the peer has gone."""
    (length,) = struct.unpack(">I", _read_exactly(sock, 4))
    if length > MAX_HEADER_BYTES:
        raise WireError("the message header is too large")
    try:
        header = json.loads(_read_exactly(sock, length))
        sizes = [_int(size) for size in _list(header, "buffers")]
    except (ValueError, RecursionError) as error:  # bad JSON, or nested deeper than Python recurses
        raise WireError(f"an unreadable message header: {type(error).__name__}") from None
    if any(size < 0 for size in sizes) or sum(sizes) > MAX_MESSAGE_BYTES:
        raise WireError(f"the message is larger than {MAX_MESSAGE_BYTES >> 20} MB")
    buffers = [_read_exactly(sock, size) for size in sizes]
    return decode(header, buffers, function)


def _read_exactly(sock, size):
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
