"""Input validation for the reference functions: a clear message instead of a numpy traceback."""

import numpy as np


def as_float_array(name, value, ndim):
    """Return ``value`` as a float64 array with ``ndim`` dimensions, or raise ValueError."""
    if hasattr(value, "detach") or type(value).__module__.startswith("tensorflow"):
        raise TypeError(
            f"{name} is a framework tensor; pass a numpy array (e.g. t.detach().numpy())"
        )
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be numeric array-like, got {type(value).__name__}") from error
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}")
    return array


def require_dims(named_dims):
    """Check that every named size agrees, e.g. {"units": [("W_h", 0, 3), ("b", 0, 3)]}."""
    for size_name, sightings in named_dims.items():
        sizes = {size for _, _, size in sightings}
        if len(sizes) > 1:
            seen = ", ".join(f"{array} axis {axis} = {size}" for array, axis, size in sightings)
            raise ValueError(f"inconsistent {size_name}: {seen}")


def as_lengths(lengths, batch, time):
    """Per-example lengths as an integer array (batch,), each in 1..time, or raise ValueError."""
    lengths = np.asarray(lengths)
    if lengths.shape != (batch,) or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(
            f"lengths must be integers of shape ({batch},), got {lengths.dtype} {lengths.shape}"
        )
    if lengths.min() < 1 or lengths.max() > time:
        raise ValueError(f"lengths must lie in 1..{time}, got {lengths.tolist()}")
    return lengths
