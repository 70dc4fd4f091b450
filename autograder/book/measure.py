"""Chapter 7's measurements: the best of several timings, and the memory autograd keeps."""

import time

TIME_REPEATS = 7


def best_time(run, repeats=TIME_REPEATS):
    """The shortest of `repeats` wall-clock times (seconds) of `run()`, after one warm-up call.

    The warm-up call builds or compiles what the first call of a framework layer builds; the
    minimum is the time least disturbed by other work on a shared machine.
    """
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def saved_for_backward(module, x):
    """Bytes autograd stores during `module(x)`, to be read again by the backward pass."""
    import torch

    total = 0

    def pack(tensor):
        nonlocal total
        total += tensor.numel() * tensor.element_size()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        module(x)
    return total
