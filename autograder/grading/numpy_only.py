"""A task that says "in numpy" is computed in numpy: framework recurrent layers refuse inside it.

While the function of a numpy task runs (``with numpy_task("rnn_forward"): ...``), the recurrent
layers of PyTorch (``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and their cells) and of Keras
(``SimpleRNN``, ``LSTM``, ``GRU``, their cells, ``RNN`` and ``Bidirectional``) raise
``FrameworkUsedError`` instead of running; the check turns that into a failure that names the
layer, so the task earns 0. Only frameworks that are already imported are touched, and everything
is restored when the function returns. Framework tasks (``make_torch_rnn`` ...) are not affected.

The checks enter it where they call student code (``autograder/checks/_report.py``,
``call_student``); a grading kernel enters it where it answers the grader's call
(``kernel_checks._answer``), because there the student's function runs in the kernel.
This module imports nothing but the standard library.
"""

import contextlib
import sys

# The graded functions of the numpy tasks of ps01-ps07 (a check named check_<name> grades <name>).
NUMPY_TASKS = frozenset(
    {
        "rnn_cell_forward",
        "rnn_forward",  # ps01
        "rnn_backward",
        "gradient_norms_per_step",
        "clip_by_global_norm",  # ps02
        "lstm_cell_forward",
        "lstm_forward",
        "lstm_param_count",  # ps03
        "gru_cell_forward",
        "gru_forward",
        "flip_z_convention",  # ps04
        "make_windows",
        "final_states",  # ps05
        "bidirectional_forward",
        "stacked_forward",  # ps06
        "marked_sign_batch",
        "make_batch",  # ps07
    }
)
TORCH_LAYERS = ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")
KERAS_LAYERS = (
    "SimpleRNN",
    "LSTM",
    "GRU",
    "SimpleRNNCell",
    "LSTMCell",
    "GRUCell",
    "RNN",
    "Bidirectional",
)


class FrameworkUsedError(RuntimeError):
    """A numpy task's function ran a framework's recurrent layer."""


def is_numpy_task(name):
    name = str(name or "")
    return (name[len("check_") :] if name.startswith("check_") else name) in NUMPY_TASKS


def _refusing(layer, task):
    def refuse(self, *args, **kwargs):
        raise FrameworkUsedError(
            f"the task says 'in numpy', but {task} ran {layer}; compute the recurrence "
            "with numpy arrays yourself (frameworks are for the framework tasks)"
        )

    return refuse


def _targets():
    """(class, method name, shown name) of every recurrent layer of an imported framework."""
    targets = []
    torch = sys.modules.get("torch")
    nn = getattr(torch, "nn", None)
    for name in TORCH_LAYERS:
        layer = getattr(nn, name, None)
        if isinstance(layer, type):
            targets.append((layer, "forward", f"torch.nn.{name}"))
    for module_name in ("keras", "tf_keras"):
        layers = getattr(sys.modules.get(module_name), "layers", None)
        for name in KERAS_LAYERS:
            layer = getattr(layers, name, None)
            if isinstance(layer, type):
                targets.append((layer, "call", f"keras.layers.{name}"))
    return targets


@contextlib.contextmanager
def numpy_task(name, reraise_as=None):
    """Within this block, if ``name`` is a numpy task, framework recurrent layers refuse to run.

    ``reraise_as``: an exception class; a ``FrameworkUsedError`` raised inside (here, or rebuilt by
    the grader from the kernel's reply, which keeps only its type's name) leaves the block as one
    (the checks pass ``ReferenceUsedError``, which they report as the task's failure).
    """
    if not is_numpy_task(name):
        yield
        return
    task = name[len("check_") :] if name.startswith("check_") else name
    saved = []
    for layer, method, shown in _targets():
        saved.append((layer, method, layer.__dict__.get(method)))
        setattr(layer, method, _refusing(shown, task))
    try:
        yield
    except Exception as error:
        if reraise_as is not None and type(error).__name__ == "FrameworkUsedError":
            raise reraise_as(str(error)) from None
        raise
    finally:
        for layer, method, original in reversed(saved):
            if original is None:
                delattr(layer, method)
            else:
                setattr(layer, method, original)
