"""Data, models and baselines for the chapters that train real models (chapters 5, 6 and 7).

Each module holds what a page would otherwise paste into hidden cells: data generators (numpy only),
the naive baselines a trained model must beat, and the small models built the same way in Keras and
in PyTorch. The training loops themselves are on the pages, where the reader sees them run.
Importing this package imports nothing; ``forecasting`` and ``negation`` need only numpy, ``models``
imports Keras and PyTorch when called.
"""
