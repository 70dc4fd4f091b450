"""A task that says "in numpy" is computed in numpy: framework recurrent layers refuse inside it.

While the function of a numpy task runs (``with numpy_task("rnn_forward"): ...``), the recurrent
layers of PyTorch (``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and their cells) and of Keras
(``SimpleRNN``, ``LSTM``, ``GRU``, their cells, ``RNN`` and ``Bidirectional``) raise
``FrameworkUsedError`` instead of running; the check turns that into a failure that names the
layer, so the task earns 0. Only frameworks that are already imported are touched, and everything
works again when the function returns. Framework tasks (``make_torch_rnn`` ...) are not affected.

The checks enter it where they call student code (``autograder/checks/_report.py``,
``call_student``); a grading kernel enters it where it answers the grader's call
(``kernel_checks._answer``), because there the student's function runs in the kernel.
This module imports nothing but the standard library.
"""

import contextlib
import functools
import sys
import threading

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


# The numpy tasks running now, innermost last. A count, not a patch per block: the grader's service
# thread and a test's own thread may enter and leave blocks in any order, and a patch restored out
# of order would leave a layer refusing for good. Threads the student starts are covered too.
_running = []
_lock = threading.Lock()
_guarded = set()  # (class, method) pairs already wrapped


def _refusing(layer, method, shown):
    """Wrap ``layer.method`` so that it refuses while a numpy task runs and works otherwise."""
    original = getattr(layer, method)

    @functools.wraps(original)
    def guarded(self, *args, **kwargs):
        if _running:
            raise FrameworkUsedError(
                f"the task says 'in numpy', but {_running[-1]} ran {shown}; compute the recurrence "
                "with numpy arrays yourself (frameworks are for the framework tasks)"
            )
        return original(self, *args, **kwargs)

    return guarded


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
    with _lock:
        for layer, method, shown in _targets():
            if (layer, method) not in _guarded:  # wrapped once; the wrapper checks _running
                setattr(layer, method, _refusing(layer, method, shown))
                _guarded.add((layer, method))
        _running.append(task)
    try:
        yield
    except Exception as error:
        if reraise_as is not None and type(error).__name__ == "FrameworkUsedError":
            raise reraise_as(str(error)) from None
        raise
    finally:
        with _lock:
            _running.remove(task)
