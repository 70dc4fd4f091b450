"""Integrity: a numpy task computed by a framework's recurrent layer earns 0 with a reason, and the
grader flags notebooks that shadow a check, use the reference or edit a locked cell."""

import json

import numpy as np
import pytest

from autograder.checks import check_rnn_forward, check_torch_rnn_loader
from autograder.grading.integrity import flag_submission
from autograder.grading.numpy_only import numpy_task
from helpers import failure_of, grade_folder
from redteam.notebooks import STUDENT_COPY, Submission


def torch_rnn_forward(x, h0, W_x, W_h, b):
    """rnn_forward computed with torch.nn.RNN: right numbers, wrong tool."""
    import torch

    module = torch.nn.RNN(W_x.shape[0], W_h.shape[0], batch_first=True).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(W_x.T.copy()))
        module.weight_hh_l0.copy_(torch.from_numpy(W_h.T.copy()))
        module.bias_ih_l0.copy_(torch.from_numpy(b))
        module.bias_hh_l0.zero_()
        h_all, h_n = module(torch.from_numpy(x), torch.from_numpy(h0)[None])
    return h_all.numpy(), h_n[0].numpy()


def test_a_numpy_task_computed_with_nn_rnn_fails_naming_it():
    torch = pytest.importorskip("torch")
    x, h0 = np.ones((2, 3, 2)), np.zeros((2, 4))
    assert torch_rnn_forward(x, h0, np.ones((2, 4)), np.ones((4, 4)), np.ones(4))[0].shape == (
        2,
        3,
        4,
    )  # it works
    message = failure_of(check_rnn_forward, torch_rnn_forward)
    assert message.startswith(
        "rnn_forward: the task says 'in numpy', but rnn_forward ran torch.nn.RNN"
    ), message
    assert "case 1 of" in message
    # outside the numpy task nn.RNN runs again, and the framework task may use it
    assert torch.nn.RNN(2, 3)(torch.zeros(1, 2, 2))[0].shape == (1, 2, 3)

    def make_torch_rnn(W_x, W_h, b):
        module = torch.nn.RNN(W_x.shape[0], W_h.shape[0], batch_first=True)
        with torch.no_grad():
            module.weight_ih_l0.copy_(torch.from_numpy(W_x.T.copy()))
            module.weight_hh_l0.copy_(torch.from_numpy(W_h.T.copy()))
            module.bias_ih_l0.copy_(torch.from_numpy(b))
            module.bias_hh_l0.zero_()
        return module

    check_torch_rnn_loader(make_torch_rnn)


def test_keras_recurrent_layers_refuse_inside_a_numpy_task():
    keras = pytest.importorskip("keras")
    layer = keras.layers.LSTM(2)
    with pytest.raises(RuntimeError, match=r"lstm_forward ran keras.layers.LSTM"):
        with numpy_task("check_lstm_forward"):
            layer(np.zeros((1, 3, 2), dtype="float32"))
    assert layer(np.zeros((1, 3, 2), dtype="float32")).shape == (1, 2)
    with numpy_task("keras_gru_states"):  # a framework task: untouched
        assert keras.layers.GRU(2)(np.zeros((1, 3, 2), dtype="float32")).shape == (1, 2)


def student_copy():
    return json.loads(STUDENT_COPY.read_text())


def released_cells():
    cells = student_copy()["cells"]
    return {
        c["metadata"]["nbgrader"]["grade_id"]: c for c in cells if c["metadata"].get("nbgrader")
    }


def flags_of(submission):
    return flag_submission(submission.notebook, released_cells())


def test_an_honest_notebook_raises_no_flag():
    assert flags_of(Submission()) == []


@pytest.mark.parametrize(
    "code, expected",
    [
        (
            "def check_rnn_forward(*args, **kwargs):\n    print('all cases passed')",
            "redefines the check name check_rnn_forward",
        ),
        ("check_rnn_cell_forward = print", "redefines the check name check_rnn_cell_forward"),
        (
            "import autograder.checks\nautograder.checks.check_rnn_forward = len",
            "check_rnn_forward",
        ),
        (
            "from autograder.checks import check_rnn_forward as check_rnn_cell_forward",
            "check_rnn_cell_forward",
        ),
        (
            "from autograder.reference import rnn_forward as answer",
            "uses the reference implementation",
        ),
        (
            "import importlib\nref = importlib.import_module('autograder.reference')",
            "uses the reference implementation",
        ),
        ("import torch", "names torch in the numpy task rnn_forward"),
    ],
)
def test_the_grader_flags_what_a_notebook_tries(code, expected):
    flags = flags_of(Submission().prepend_to("rnn_forward", code))
    assert len(flags) == 1 and expected in flags[0] and "cell rnn_forward" in flags[0], flags


def test_an_edited_locked_cell_is_flagged():
    submission = Submission()
    submission.cell("test_rnn_forward")["source"] = "print('fine')"
    assert flags_of(submission) == ["edits the read-only cell test_rnn_forward"]


@pytest.mark.e2e
def test_grades_csv_and_log_carry_the_flags(tmp_path):
    submissions, out = tmp_path / "class", tmp_path / "out"
    submissions.mkdir()
    (submissions / "honest.ipynb").write_bytes(Submission().bytes())
    shadow = "def check_rnn_forward(*args, **kwargs):\n    print('rnn_forward: all 3 cases passed')"
    (submissions / "shadow.ipynb").write_bytes(
        Submission().prepend_to("rnn_forward", shadow).bytes()
    )
    (submissions / "torch.ipynb").write_bytes(
        Submission(
            {
                "rnn_forward": (
                    "    import torch\n    module = torch.nn.RNN(W_x.shape[0], W_h.shape[0],"
                    " batch_first=True).double()\n    with torch.no_grad():\n       "
                    " module.weight_ih_l0.copy_(torch.from_numpy(W_x.T.copy()))\n       "
                    " module.weight_hh_l0.copy_(torch.from_numpy(W_h.T.copy()))\n       "
                    " module.bias_ih_l0.copy_(torch.from_numpy(b))\n       "
                    " module.bias_hh_l0.zero_()\n        h_all, h_n = module(torch.from_numpy(x),"
                    " torch.from_numpy(h0)[None])\n    return h_all.numpy(), h_n[0].numpy()"
                )
            }
        ).bytes()
    )
    rows = grade_folder("ps01", submissions, out, "--workers", "1")
    assert rows["honest"]["score"] == "10" and rows["honest"]["flags"] == ""
    # the replaced check never asked the grader, so its task earns nothing; the flag says why
    assert rows["shadow"]["score"] == "6" and rows["shadow"]["test_rnn_forward"] == "0"
    assert (
        rows["shadow"]["flags"] == "redefines the check name check_rnn_forward in cell rnn_forward"
    )
    assert rows["torch"]["test_rnn_forward"] == "0" and rows["torch"]["score"] == "6", rows["torch"]
    assert "names torch in the numpy task rnn_forward" in rows["torch"]["flags"]
    results = json.loads((out / ".grading" / "results" / "torch.json").read_text())["result"]
    assert "ran torch.nn.RNN" in results["messages"]["test_rnn_forward"], results["messages"]
    log = (out / "grading.log").read_text()
    assert "shadow: flagged: redefines the check name check_rnn_forward" in log
