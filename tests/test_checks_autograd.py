"""The ps02 autograd check both ways: a PyTorch student passes, each planted autograd mistake is
named.
"""

from functools import partial

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from autograder.checks import CheckFailure, check_rnn_backward_autograd  # noqa: E402
from autograder.checks import autograd as a  # noqa: E402

NAMES = ("x", "h0", "W_x", "W_h", "b")


def student_by_hand(
    x, h0, W_x, W_h, b, dh_all, *, dtype=torch.float64, upstream="dh_all", track_x=True
):
    """A student's autograd version written with torch operations; keyword arguments plant
    mistakes.
    """
    tensors = {
        name: torch.tensor(value, dtype=dtype, requires_grad=(name != "x" or track_x))
        for name, value in zip(NAMES, (x, h0, W_x, W_h, b))
    }
    h, states = tensors["h0"], []
    for t in range(x.shape[1]):
        h = torch.tanh(tensors["x"][:, t] @ tensors["W_x"] + h @ tensors["W_h"] + tensors["b"])
        states.append(h)
    h_all = torch.stack(states, dim=1)
    if upstream == "dh_all":
        h_all.backward(torch.from_numpy(dh_all).to(dtype))
    elif upstream == "sum":
        h_all.sum().backward()
    else:  # the final state only
        h_all[:, -1].backward(torch.from_numpy(dh_all[:, -1]).to(dtype))
    return {name: None if t.grad is None else t.grad.numpy() for name, t in tensors.items()}


def student_nn_rnn(x, h0, W_x, W_h, b, dh_all, *, add_biases=False, transpose_back=True):
    """A student's autograd version with nn.RNN, the weights loaded as in problem set 1."""
    features, units = W_x.shape
    module = torch.nn.RNN(features, units, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(W_x.T))
        module.weight_hh_l0.copy_(torch.from_numpy(W_h.T))
        module.bias_ih_l0.copy_(torch.from_numpy(b))
        module.bias_hh_l0.zero_()
    x_t = torch.tensor(x, requires_grad=True)
    h0_t = torch.tensor(h0[None], requires_grad=True)
    h_all, _ = module(x_t, h0_t)
    h_all.backward(torch.from_numpy(dh_all))
    db = module.bias_ih_l0.grad + (module.bias_hh_l0.grad if add_biases else 0)
    W_x_grad, W_h_grad = module.weight_ih_l0.grad, module.weight_hh_l0.grad
    if transpose_back:
        W_x_grad, W_h_grad = W_x_grad.T, W_h_grad.T
    return {
        "x": x_t.grad.numpy(),
        "h0": h0_t.grad[0].numpy(),
        "W_x": W_x_grad.numpy(),
        "W_h": W_h_grad.numpy(),
        "b": db.numpy(),
    }


@pytest.mark.parametrize("student", [student_by_hand, student_nn_rnn], ids=["torch-ops", "nn.RNN"])
@pytest.mark.parametrize("hidden", [False, True])
def test_correct_autograd_passes(student, hidden, capsys):
    check_rnn_backward_autograd(student, hidden=hidden)
    assert "rnn_backward_torch: all" in capsys.readouterr().out


BROKEN = {
    a.UNWEIGHTED_BACKWARD: partial(student_by_hand, upstream="sum"),
    a.LAST_STATE_ONLY: partial(student_by_hand, upstream="last"),
    a.FLOAT32_TENSORS: partial(student_by_hand, dtype=torch.float32),
    a.GRAD_NOT_TRACKED: partial(student_by_hand, track_x=False),
    a.TORCH_BIAS_GRADIENTS_ADDED: partial(student_nn_rnn, add_biases=True),
    a.TORCH_WEIGHT_GRADIENTS_NOT_TRANSPOSED: partial(student_nn_rnn, transpose_back=False),
}


@pytest.mark.parametrize("mistake", list(BROKEN), ids=lambda mistake: mistake.name)
@pytest.mark.parametrize("hidden", [False, True])
def test_each_autograd_mistake_is_named(mistake, hidden):
    with pytest.raises(CheckFailure) as failure:
        check_rnn_backward_autograd(BROKEN[mistake], hidden=hidden)
    assert f"this looks like '{mistake.name}'" in str(failure.value)
    assert "could be any of" not in str(failure.value)


def test_delegating_to_the_reference_fails():
    from autograder.reference import rnn_backward

    with pytest.raises(CheckFailure, match="called the course's reference"):
        check_rnn_backward_autograd(rnn_backward)


def test_stub_and_torch_tensors_get_clear_messages():
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check_rnn_backward_autograd(stub)

    def tensors(*args):
        return {k: torch.from_numpy(np.asarray(v)) for k, v in student_by_hand(*args).items()}

    with pytest.raises(CheckFailure, match="torch tensor"):
        check_rnn_backward_autograd(tensors)
