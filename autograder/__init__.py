"""Recurrent networks, hands-on: reference implementations, framework converters and checks.

Importing this package (or ``autograder.checks``) imports numpy only; TensorFlow and PyTorch
are imported by the converters and framework checks that need them, when they are called.
"""

__version__ = "0.1.0"
