"""The ps06 stacked-loader check both ways: a student-style loader passes, each planted mistake is
named.
"""

from functools import partial

import numpy as np
import pytest

from autograder import mistakes as m
from autograder.checks import check_stack_params_from_torch
from autograder.checks import stacks as checks
from autograder.convert import params_from_torch
from autograder.reference import stacked_forward


def loader(
    module, *, swap_directions=False, layer_zero=False, biases="both", transpose=True, reorder=False
):
    """A student's nn.LSTM -> stacked_forward-layout loader; the keyword-only arguments plant one
    mistake each.
    """
    directions = 2 if module.bidirectional else 1

    def read(k, d):
        suffix = f"_l{0 if layer_zero else k}" + ("_reverse" if d else "")
        w_ih, w_hh, b_ih, b_hh = (
            getattr(module, n + suffix).detach().numpy()
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )
        W_x, W_h = (w.T if transpose else w.reshape(w.shape[1], w.shape[0]) for w in (w_ih, w_hh))
        b = {"both": b_ih + b_hh, "ih": b_ih, "hh": b_hh}[biases]
        if reorder:
            W_x, W_h, b = (
                np.concatenate(
                    [
                        a[..., : 2 * (a.shape[-1] // 4)],
                        a[..., 3 * (a.shape[-1] // 4) :],
                        a[..., 2 * (a.shape[-1] // 4) : 3 * (a.shape[-1] // 4)],
                    ],
                    axis=-1,
                )
                for a in (W_x, W_h, b)
            )
        return W_x, W_h, b

    order = [1, 0] if swap_directions and directions == 2 else list(range(directions))
    return [[read(k, d) for d in order] for k in range(module.num_layers)]


BROKEN = {
    checks.DIRECTIONS_SWAPPED: partial(loader, swap_directions=True),
    checks.LAYER_ZERO_REUSED: partial(loader, layer_zero=True),
    checks.LSTM_GATES_REORDERED: partial(loader, reorder=True),
    m.ONE_TORCH_BIAS_READ: partial(loader, biases="ih"),
    m.RESHAPED_NOT_TRANSPOSED: partial(loader, transpose=False),
}


def failure_of(func, hidden=False):
    with pytest.raises(AssertionError) as caught:
        check_stack_params_from_torch(func, hidden=hidden)
    return str(caught.value)


@pytest.mark.parametrize("hidden", [False, True])
def test_a_correct_loader_passes(capsys, hidden):
    check_stack_params_from_torch(loader, hidden=hidden)
    assert capsys.readouterr().out.strip().endswith("cases passed")


@pytest.mark.parametrize("mistake", list(BROKEN), ids=lambda k: k.name)
def test_each_mistake_is_named(mistake):
    message = failure_of(BROKEN[mistake])
    assert message.startswith("stack_params_from_torch: layers[")
    assert f"this looks like '{mistake.name}'" in message.splitlines()[-1], message


def test_layer_zero_reused_is_named_by_its_shape_when_the_sizes_differ():
    message = failure_of(partial(loader, layer_zero=True), hidden=True)
    assert "layers[1][0] W_x has shape (5, 8), expected (4, 8)" in message
    assert f"'{checks.LAYER_ZERO_REUSED.name}'" in message


def test_wrong_nesting_is_explained():
    assert "one entry per layer" in failure_of(lambda module: loader(module)[0][0])
    assert "returned 1 layers" in failure_of(lambda module: loader(module)[:1])
    assert "should be a list of 2" in failure_of(
        lambda module: [layer[:1] for layer in loader(module)]
    )


def test_calling_the_converter_does_not_pass():
    assert "called the course's reference" in failure_of(params_from_torch)


@pytest.mark.parametrize("hidden", [False, True])
def test_the_answer_key_reproduces_the_module(hidden):
    """stacked_forward with the expected weights gives the module's output, h_n and c_n."""
    import torch

    for index, spec in enumerate(checks._SPECS[hidden]):
        module = checks._module(*spec, hidden=hidden, index=index).double()
        x = np.random.default_rng(7).normal(size=(2, 5, spec[0]))
        with torch.no_grad():
            output, (h_n, c_n) = module(torch.from_numpy(x))
        ours = stacked_forward("lstm", x, params_from_torch(module))
        for got, expected in zip(ours, (output, h_n, c_n)):
            np.testing.assert_allclose(got, expected.numpy(), atol=1e-12)
