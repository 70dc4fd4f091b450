"""Checks that test a student's function and explain what is wrong.

Each ``check_*`` raises ``AssertionError`` with a message naming the output, the case, the
largest error and a hint, or prints one line when every case passes. Importing this module
imports numpy only.
"""

from ._report import CheckFailure
from .rnn import check_rnn_cell_forward, check_rnn_forward, check_torch_rnn_loader
