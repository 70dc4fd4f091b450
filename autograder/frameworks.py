"""Import TensorFlow/Keras and PyTorch on demand, TensorFlow without its C++ log lines."""

import os


def keras():
    """Return the ``keras`` module, silencing TensorFlow's C++ logging first."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras as keras_module

    return keras_module


def torch():
    import torch as torch_module

    return torch_module
