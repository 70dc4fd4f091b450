"""The grading command's parts, each on its own and quickly: no notebook is executed here.

The socket codec and the check service (the anti-monkeypatch defence), the sandbox's isolation
and limits, submission discovery (flat, nbgrader, zip), shards and merging, and the pool's
handling of workers that crash or hang.
"""

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder.grading import kernel_checks, wire
from autograder.grading.checks_service import CheckService, plan_grade_cell
from autograder.grading.course import CourseError
from autograder.grading.grade import in_shard, parse_shard
from autograder.grading.merge import merge
from autograder.grading.pool import run_pool
from autograder.grading.results import MANIFEST_NAME
from autograder.grading.sandbox import Limits, Sandbox, build_kernel_package
from autograder.grading.submissions import find_submissions, opened_submissions

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- the codec


def round_trip(message):
    functions = []
    frame = wire.encode(message, functions)
    a, b = socket.socketpair()
    with a, b:
        a.sendall(frame)
        return wire.receive(b, function=lambda id_, name: ("function", id_, name)), functions


def test_values_cross_the_socket_as_data():
    value = {
        "x": np.arange(6.0).reshape(2, 3),
        "n": np.int64(3),
        "pair": (1.5, None),
        "flags": [True, "a"],
        "nested": {"k": np.zeros((0, 2), dtype=np.float32)},
    }
    got, _ = round_trip({"value": value})
    got = got["value"]
    assert np.array_equal(got["x"], value["x"]) and got["x"].flags.writeable
    assert got["n"] == 3 and isinstance(got["n"], np.int64)
    assert got["pair"] == (1.5, None) and got["flags"] == [True, "a"]
    assert got["nested"]["k"].shape == (0, 2) and got["nested"]["k"].dtype == np.float32


def test_functions_travel_as_handles_and_objects_as_their_type_name():
    class Gadget:
        pass

    got, functions = round_trip({"args": [len, Gadget()]})
    assert got["args"][0] == ("function", 0, "len") and functions == [len]
    assert type(got["args"][1]).__name__ == "Gadget" and isinstance(got["args"][1], wire.Opaque)


def test_torch_rnn_modules_are_rebuilt_with_their_weights():
    torch = pytest.importorskip("torch")
    module = torch.nn.RNN(3, 4, batch_first=True).double()
    got, _ = round_trip({"m": module})
    rebuilt = got["m"]
    assert type(rebuilt) is torch.nn.RNN and rebuilt.batch_first and rebuilt.hidden_size == 4
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    assert torch.allclose(rebuilt(x)[0], module(x)[0])


@pytest.mark.parametrize(
    "header",
    [
        {
            "message": {"v": {"kind": "ndarray", "dtype": "O", "shape": [1], "buffer": 0}},
            "buffers": [8],
        },
        {
            "message": {
                "v": {"kind": "ndarray", "dtype": "<f8", "shape": [10**9, 10**9], "buffer": 0}
            },
            "buffers": [8],
        },
        {
            "message": {"v": {"kind": "ndarray", "dtype": "<f8", "shape": [1], "buffer": 5}},
            "buffers": [8],
        },
        {"message": {"v": {"kind": "pickle", "data": "..."}}, "buffers": []},
        {
            "message": {"v": {"kind": "torch_rnn", "class": "Module", "config": {}, "state": []}},
            "buffers": [],
        },
        {
            "message": {"v": {"kind": "dict", "items": [[{"kind": "list", "items": []}, 1]]}},
            "buffers": [],
        },
    ],
)
def test_hostile_frames_are_refused(header):
    text = json.dumps(header).encode()
    a, b = socket.socketpair()
    with a, b:
        a.sendall(len(text).to_bytes(4, "big") + text + b"\0" * sum(header["buffers"]))
        with pytest.raises(wire.WireError):
            wire.receive(b)


def test_a_header_nested_beyond_recursion_is_refused():
    text = ('{"message": {"v": ' + "[" * 100_000 + "]" * 100_000 + '}, "buffers": []}').encode()
    a, b = socket.socketpair()
    with a, b:
        a.sendall(len(text).to_bytes(4, "big") + text)
        with pytest.raises(wire.WireError):
            wire.receive(b)


def test_a_frame_larger_than_the_limit_is_refused_before_it_is_read():
    text = json.dumps({"message": {}, "buffers": [wire.MAX_MESSAGE_BYTES + 1]}).encode()
    a, b = socket.socketpair()
    with a, b:
        a.sendall(len(text).to_bytes(4, "big") + text)
        with pytest.raises(wire.WireError, match="larger than"):
            wire.receive(b)


def tampered_frame(message, change):
    """Encode ``message``, let ``change(header)`` edit the header as a hostile kernel would,
    re-frame it.
    """
    frame = wire.encode(message)
    length = int.from_bytes(frame[:4], "big")
    header = json.loads(frame[4 : 4 + length])
    change(header)
    text = json.dumps(header).encode()
    return len(text).to_bytes(4, "big") + text + frame[4 + length :]


def receive_frame(frame):
    a, b = socket.socketpair()
    with a, b:
        a.sendall(frame)
        return wire.receive(b)


def set_config(**changes):
    return lambda header: header["message"]["m"]["config"].update(changes)


@pytest.mark.parametrize(
    "change, message",
    [
        (set_config(num_layers=15000), "num_layers must be an integer from 1 to 8, not 15000"),
        (set_config(hidden_size=20000), "hidden_size must be an integer from 1 to 4096, not 20000"),
        (set_config(hidden_size=5), "weights do not match its configuration"),
        (set_config(bidirectional=True), "weights do not match its configuration"),
        (set_config(num_layers=1.5), "num_layers must be an integer"),
        (set_config(bias="yes"), "bias must be True or False"),
        (set_config(dropout=float("nan")), "dropout must be a number from 0 to 1"),
        (set_config(nonlinearity="exp"), "nonlinearity must be 'tanh' or 'relu'"),
    ],
)
def test_a_torch_module_is_checked_against_its_weights_before_it_is_built(change, message):
    torch = pytest.importorskip("torch")
    frame = tampered_frame({"m": torch.nn.RNN(3, 4, batch_first=True).double()}, change)
    started = time.monotonic()
    with pytest.raises(wire.WireError, match=message):
        receive_frame(frame)
    assert time.monotonic() - started < 1


def test_a_torch_module_with_complex_weights_is_refused():
    torch = pytest.importorskip("torch")
    module = torch.nn.RNN(2, 3)
    config = {k: getattr(module, k) for k in wire.TORCH_RNN_CONFIG} | {"nonlinearity": "tanh"}
    state, buffers = [], []
    # what a kernel sends for an RNN with complex weights
    for name, tensor in module.state_dict().items():
        state.append(
            [
                name,
                {
                    "kind": "ndarray",
                    "dtype": "<c16",
                    "shape": list(tensor.shape),
                    "buffer": len(buffers),
                },
            ]
        )
        buffers.append(tensor.to(torch.complex128).numpy().tobytes())
    header = {
        "message": {"m": {"kind": "torch_rnn", "class": "RNN", "config": config, "state": state}},
        "buffers": [len(b) for b in buffers],
    }
    text = json.dumps(header).encode()
    with pytest.raises(
        wire.WireError, match="weights are complex128; a torch RNN's weights are real"
    ):
        receive_frame(len(text).to_bytes(4, "big") + text + b"".join(buffers))


def test_type_names_from_the_kernel_are_not_kept():
    import gc
    import weakref

    stand_in = type(receive_frame(wire.encode({"v": type("Gadget1234", (), {})()}))["v"])
    assert stand_in.__name__ == "Gadget1234"
    ref = weakref.ref(stand_in)
    del stand_in
    gc.collect()
    assert ref() is None


# ----------------------------------------------------------------------------- log lines


def test_log_lines_are_escaped_truncated_and_summarised():
    from autograder.grading.results import BoundedLog, printable

    assert printable("ok\r\x1b[2Kforged line") == "ok\\r\\x1b[2Kforged line"
    assert printable("x" * 5000, 100) == "x" * 100 + "… (4900 more characters)"
    log = BoundedLog(limit=3)
    for _ in range(20_000):
        log.add("refused\r")
    for index in range(10):
        log.add(f"other {index}")
    assert log.lines() == [
        "refused\\r (repeated 20000 times)",
        "other 0",
        "other 1",
        "... and 8 more lines like these, left out",
    ]


# ----------------------------------------------------------------------------- plans of grade cells


def test_a_grade_cell_of_check_calls_has_a_plan():
    plan = plan_grade_cell(
        '"""doc."""\ncheck_rnn_forward(rnn_forward)\n### BEGIN HIDDEN TESTS\n'
        "check_rnn_forward(rnn_forward, hidden=True)\n### END HIDDEN TESTS\n"
    )
    assert [(c.check, c.args, c.kwargs) for c in plan] == [
        ("check_rnn_forward", (("name", "rnn_forward"),), ()),
        ("check_rnn_forward", (("name", "rnn_forward"),), (("hidden", ("value", True)),)),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "assert rnn_forward(1) == 2",
        "x = check_rnn_forward(f)",
        "check_rnn_forward(f(1))",
        "check_x(**options)",
        "",
        "def (:",
    ],
)
def test_any_other_grade_cell_is_left_to_the_kernel(source):
    assert plan_grade_cell(source) is None


# ----------------------------------------------------------------------------- the check service


@pytest.fixture
def service(tmp_path, monkeypatch):
    path = tmp_path / "checks.sock"
    monkeypatch.setenv(kernel_checks.GRADER_SOCKET, str(path))
    running = CheckService(path, call_timeout=20, memory_mb=2048)
    yield running
    running.close()


def cell_plan(hidden=False):
    return plan_grade_cell(
        f"check_rnn_cell_forward(rnn_cell_forward{', hidden=True' if hidden else ''})"
    )


def student_cell(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x + h_prev @ W_h + b)


def test_a_check_runs_in_the_grader_and_calls_the_function_back(service, capsys):
    plan = cell_plan()
    service.begin_cell("test_cell", plan)
    kernel_checks.run_check("check_rnn_cell_forward", (student_cell,), {})
    service.end_cell()
    assert "rnn_cell_forward: all 3 cases passed" in capsys.readouterr().out
    outputs = service.outputs_for("test_cell", plan, [])
    assert outputs[0]["output_type"] == "stream" and "all 3 cases passed" in outputs[0]["text"]


def test_the_verdict_is_the_graders_whatever_the_kernel_shows(service):
    plan = cell_plan()
    service.begin_cell("test_cell", plan)
    with pytest.raises(kernel_checks.CheckFailure, match="h_next is wrong"):
        kernel_checks.run_check("check_rnn_cell_forward", (lambda *a: np.zeros_like(a[1]),), {})
    service.end_cell()
    # the kernel's own outputs (a fake pass) are replaced by the recorded verdict
    fake = [
        {"output_type": "stream", "name": "stdout", "text": "rnn_cell_forward: all 3 cases passed"}
    ]
    (output,) = service.outputs_for("test_cell", plan, fake)
    assert output["output_type"] == "error" and "h_next is wrong" in output["evalue"]


def wrong_cell(x_t, h_prev, W_x, W_h, b):
    return np.zeros_like(h_prev)


def test_each_planned_check_is_served_once_and_only_in_its_cell(service, capsys):
    plan = cell_plan()
    kernel_checks.run_check("check_rnn_cell_forward", (student_cell,), {})  # outside a graded cell
    assert "not run here" in capsys.readouterr().out
    service.begin_cell("test_cell", plan)
    with pytest.raises(kernel_checks.CheckFailure, match="h_next is wrong"):
        kernel_checks.run_check("check_rnn_cell_forward", (wrong_cell,), {})
    # a second try, hoping for luck
    with pytest.raises(kernel_checks.CheckFailure, match="not run here"):
        kernel_checks.run_check("check_rnn_cell_forward", (student_cell,), {})
    # a call the cell does not make
    with pytest.raises(kernel_checks.CheckFailure, match="not run here"):
        kernel_checks.run_check("check_rnn_cell_forward", (student_cell,), {"hidden": True})
    service.end_cell()
    (output,) = service.outputs_for("test_cell", plan, [])
    assert output["output_type"] == "error" and "h_next is wrong" in output["evalue"]
    assert service.refused == [
        "test_cell: check_rnn_cell_forward was not expected there (or already ran) "
        "(repeated 2 times)"
    ]


def d2l_gru_cell(x_t, h_prev, W_x, W_h, b, reset_after=True, z_convention="keep"):
    """Right for one variant only: reset before the matmul, z keeping the old state, whatever is
    asked.
    """
    b = b.sum(axis=0) if b.ndim == 2 else b
    u = h_prev.shape[1]
    a = x_t @ W_x + b
    z = 1 / (1 + np.exp(-(a[:, :u] + h_prev @ W_h[:, :u])))
    r = 1 / (1 + np.exp(-(a[:, u : 2 * u] + h_prev @ W_h[:, u : 2 * u])))
    n = np.tanh(a[:, 2 * u :] + (r * h_prev) @ W_h[:, 2 * u :])
    return z * h_prev + (1 - z) * n, {"z": z, "r": r, "h_tilde": n}


GRU_CELL = plan_grade_cell(
    "check_gru_cell_forward(gru_cell_forward)\n"
    "check_gru_cell_forward(gru_cell_forward, hidden=True)"
)


def test_a_cell_right_for_some_variants_shows_its_messages_and_its_partial_score(service, capsys):
    service.begin_cell("test_gru_cell_forward", GRU_CELL)
    # goes on to the hidden call
    kernel_checks.run_check("check_gru_cell_forward", (d2l_gru_cell,), {})
    with pytest.raises(
        kernel_checks.CheckFailure, match="z_convention flipped|two mistakes together"
    ):
        kernel_checks.run_check("check_gru_cell_forward", (d2l_gru_cell,), {"hidden": True})
    service.end_cell()
    assert "right for 1 of 3 variants" in capsys.readouterr().out
    text, result = service.outputs_for("test_gru_cell_forward", GRU_CELL, [], points=4)
    assert text["output_type"] == "stream" and "two mistakes together" in text["text"]
    assert text["text"].endswith(
        "partial credit: 1 of 4 points, right for 1 of 4 variants "
        "(reset_after=False, z_convention='keep')\n"
    )
    assert text["text"].count("hint:") == 1  # the hidden call's failure in one line
    assert result["output_type"] == "execute_result" and result["data"] == {"text/plain": "1"}
    # nbgrader's autograde reads the points from the result
    from nbformat.v4 import new_code_cell
    from nbgrader.utils import determine_grade

    cell = new_code_cell(
        "", outputs=[text, result], metadata={"nbgrader": {"grade": True, "points": 4}}
    )
    assert determine_grade(cell) == (1.0, 4.0)
    # without a score the cell fails as before; a point is too little for a quarter of one variant
    (error,) = service.outputs_for("test_gru_cell_forward", GRU_CELL, [])
    assert error["output_type"] == "error" and "right for 1 of 3 variants" in error["evalue"]
    (error,) = service.outputs_for("test_gru_cell_forward", GRU_CELL, [], points=1)
    assert error["output_type"] == "error"


def test_a_cell_without_variants_stays_all_or_nothing(service):
    plan = cell_plan()
    service.begin_cell("test_cell", plan)
    with pytest.raises(kernel_checks.CheckFailure):
        kernel_checks.run_check("check_rnn_cell_forward", (wrong_cell,), {})
    service.end_cell()
    (output,) = service.outputs_for("test_cell", plan, [], points=3)
    assert output["output_type"] == "error"


def test_the_students_exceptions_keep_their_names(service):
    def stops(*args):
        raise SystemExit(0)

    def not_done(*args):
        raise NotImplementedError()

    def homemade(*args):
        raise type("ShapeTrouble", (Exception,), {})("bad shapes")

    expected = {
        stops: "tried to exit the kernel",
        not_done: "not implemented yet",
        homemade: "raised ShapeTrouble: bad shapes",
    }
    for function, message in expected.items():
        service.begin_cell("test_cell", cell_plan())
        with pytest.raises(kernel_checks.CheckFailure, match=message):
            kernel_checks.run_check("check_rnn_cell_forward", (function,), {})
        service.end_cell()


def test_complex_results_are_refused_with_a_reason(service):
    service.begin_cell("test_cell", cell_plan())
    with pytest.raises(
        kernel_checks.CheckFailure, match=r"returned holds complex numbers \(complex128\)"
    ):
        kernel_checks.run_check("check_rnn_cell_forward", (lambda *a: student_cell(*a) + 0j,), {})
    service.end_cell()


def test_a_low_precision_result_is_named_as_the_likely_cause(service):
    service.begin_cell("test_cell", cell_plan())
    with pytest.raises(kernel_checks.CheckFailure, match="h_next is wrong") as failure:
        kernel_checks.run_check(
            "check_rnn_cell_forward", (lambda *a: student_cell(*a).astype(np.float16),), {}
        )
    service.end_cell()
    assert "your function returned float16 numbers" in str(failure.value)
    assert "compute in float64" in str(failure.value)


def test_a_check_that_chokes_on_the_students_value_blames_the_value(service, monkeypatch):
    import autograder.checks as checks

    def check_fragile(function):
        return function() + 1  # an opaque object from the kernel cannot be added to

    def check_broken(function):
        raise KeyError("the check itself is broken")

    monkeypatch.setattr(checks, "check_fragile", check_fragile, raising=False)
    monkeypatch.setattr(checks, "check_broken", check_broken, raising=False)
    gadget = type("Gadget", (), {})
    service.begin_cell("test_cell", plan_grade_cell("check_fragile(f)\ncheck_broken(f)"))
    with pytest.raises(
        kernel_checks.CheckFailure,
        match=r"check_fragile could not use what your code gave it " r"\(TypeError: .*Gadget",
    ):
        kernel_checks.run_check("check_fragile", (lambda: gadget(),), {})
    with pytest.raises(
        kernel_checks.CheckFailure,
        match="check_broken could not finish .*please tell your instructor",
    ):
        kernel_checks.run_check("check_broken", (lambda: 1,), {})
    service.end_cell()
    assert any(
        "check_fragile raised TypeError" in line and "on the student's value" in line
        for line in service.refused
    )


def test_the_kernels_reference_refuses_to_answer(tmp_path):
    package = build_kernel_package(tmp_path / "package")
    run = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            (
                f"import sys; sys.path.insert(0, {str(package)!r})\nimport autograder.reference as"
                " r\nfor call in (lambda: r.rnn_forward(1), lambda:"
                " r.rnn_forward.__wrapped__(1)):\n    try:\n        call()\n    except"
                " r.ReferenceUsedError as e:\n        print(e)\n"
            ),
        ],
        capture_output=True,
        text=True,
    )
    assert (
        run.stdout.count(
            "your function called the course's reference autograder.reference.rnn_forward"
        )
        == 2
    )


def test_the_kernel_package_holds_the_data_generators_only(tmp_path):
    """A homework trains on the course's generators and text: the kernel package has them, numpy
    only, and no models.
    """
    package = build_kernel_package(tmp_path / "package")
    assert sorted(p.name for p in (package / "autograder" / "training").iterdir()) == [
        "__init__.py",
        "charlm.py",
        "forecasting.py",
        "negation.py",
        "texts",
    ]
    run = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            (
                f"import sys; sys.path.insert(0, {str(package)!r})\n"
                "from autograder.training.forecasting import weather_series\n"
                "from autograder.training.negation import negation_dataset\n"
                "from autograder.training.charlm import genesis_codec\n"
                "print(weather_series(3, seed=1).shape, negation_dataset(2, seed=1)[0].shape,\n"
                "      len(genesis_codec()),\n"
                "      sorted(m for m in ('torch', 'keras', 'tensorflow') if m in sys.modules))\n"
            ),
        ],
        capture_output=True,
        text=True,
    )
    assert run.stdout.strip() == "(72, 5) (2, 16) 60 []", run.stdout + run.stderr


# ----------------------------------------------------------------------------- the sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sandbox")
    limits = Limits(memory_mb=512, processes=32, disk_mb=8)
    return Sandbox(limits, build_kernel_package(folder / "package"), hidden=[ROOT]), folder


def in_sandbox(sandbox, code):
    box, folder = sandbox
    workdir = folder / "work"
    workdir.mkdir(exist_ok=True)
    command = box.command([sys.executable, "-c", code], workdir=workdir, env=box.kernel_env("none"))
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "attempt, outcomes",
    [
        (
            f"open({str(ROOT / 'solutions' / 'ps01-rnn' / 'ps01-rnn.ipynb')!r})",
            ["FileNotFoundError"],
        ),
        (f"import os; print(os.listdir({str(ROOT)!r}))", ["['.venv']", "FileNotFoundError"]),
        ("import socket; socket.create_connection(('1.1.1.1', 53), 2)", ["Network is unreachable"]),
        ("import numpy; numpy.ones(2**27)", ["MemoryError"]),
        (
            (
                "import os, time\nfor _ in range(100):\n    if os.fork() == 0:\n       "
                " time.sleep(5)\n        os._exit(0)"
            ),
            ["BlockingIOError"],
        ),
        (
            "open('big', 'wb').write(b'x' * (16 << 20))",
            ["File too large", "No space left on device"],
        ),
        ("import os; os.setuid(0)", ["PermissionError"]),
    ],
)
def test_the_sandbox_holds(sandbox, attempt, outcomes):
    run = in_sandbox(sandbox, attempt)
    assert any(outcome in run.stdout + run.stderr for outcome in outcomes), run.stdout + run.stderr


def test_the_sandbox_runs_as_a_user_of_its_own(sandbox):
    box, _ = sandbox
    run = in_sandbox(sandbox, "import os; print(os.getuid())")
    assert run.stdout.strip() == str(box.uid)
    if os.getuid() == 0:
        assert box.uid != 0


def test_every_folder_the_kernel_can_write_to_is_bounded_in_total(sandbox):
    """Several files per folder (each under the file size limit), until the folder is full or
    refuses.
    """
    probe = (
        "import os\nfor folder in ['/', '/dev', '/dev/shm', '/tmp', '.',"
        " os.path.dirname(os.getcwd()), '/proc', '/sys']:\n    written = 0\n    try:\n        for i"
        " in range(6):\n            with open(os.path.join(folder, f'probe-{i}'), 'wb') as"
        " handle:\n                for _ in range(4):\n                    written +="
        " handle.write(b'x' * (1 << 20))\n    except OSError:\n        pass\n    print(folder,"
        " written >> 20)\n"
    )
    run = in_sandbox(sandbox, probe)
    written = dict(line.rsplit(" ", 1) for line in run.stdout.strip().splitlines())
    assert len(written) == 8, run.stdout + run.stderr
    box, _ = sandbox
    assert all(int(mb) <= box.limits.disk_mb for mb in written.values()), written
    assert written["/"] == written["/dev"] == "0"


def test_writes_in_the_sandbox_vanish_with_it(sandbox):
    in_sandbox(sandbox, "open('/tmp/left-behind', 'w').write('x'); open('here', 'w').write('x')")
    _, folder = sandbox
    assert not Path("/tmp/left-behind").exists() and not (folder / "work" / "here").exists()


# ----------------------------------------------------------------------------- submissions


def write(path, data=b"{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_flat_folder_keeps_what_it_can_and_says_why_it_rejects_the_rest(tmp_path):
    write(tmp_path / "alice.ipynb")
    write(tmp_path / "bob smith.ipynb")
    write(tmp_path / "carol.pdf")
    write(tmp_path / ".DS_Store")
    found = find_submissions(tmp_path, "ps01-rnn")
    assert [s.student_id for s in found.submissions] == ["alice"]
    assert {(r.path, r.reason.split(" (")[0]) for r in found.rejected} == {
        ("bob smith.ipynb", "'bob smith' is not a usable student id"),
        ("carol.pdf", "not a notebook"),
    }


def test_nbgrader_layout_rejects_a_student_with_two_notebooks(tmp_path):
    write(tmp_path / "submitted" / "alice" / "ps01-rnn" / "ps01-rnn.ipynb")
    write(tmp_path / "submitted" / "bob" / "ps01-rnn" / "a.ipynb")
    write(tmp_path / "submitted" / "bob" / "ps01-rnn" / "b.ipynb")
    found = find_submissions(tmp_path / "submitted", "ps01-rnn")
    assert [s.student_id for s in found.submissions] == ["alice"]
    assert "submitted 2 notebooks" in found.rejected[0].reason


def test_a_zip_export_is_unpacked_safely(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ps01 submissions/alice.ipynb", "{}")
        zipped.writestr("ps01 submissions/bob.ipynb", "{}")
        zipped.writestr("ps01 submissions/readme.txt", "hello")
        zipped.writestr("__MACOSX/._alice.ipynb", "junk")
        zipped.writestr("../escape.ipynb", "{}")
    with opened_submissions(archive, "ps01-rnn") as found:
        assert [s.student_id for s in found.submissions] == ["alice", "bob"]
        reasons = {r.path: r.reason for r in found.rejected}
    assert reasons == {
        "../escape.ipynb": "a path outside the archive's folder",
        "readme.txt": "not a notebook (.txt)",
    }
    assert not (tmp_path / "escape.ipynb").exists()


def test_student_ids_are_matched_whole_and_kept_short(tmp_path):
    write(tmp_path / "honest.ipynb")
    write(tmp_path / "honest\n.ipynb")  # "$" alone would match before the newline
    write(tmp_path / ("a" * 101 + ".ipynb"))
    write(tmp_path / "ok\x1b[2K.ipynb")
    found = find_submissions(tmp_path, "ps01-rnn")
    assert [s.student_id for s in found.submissions] == ["honest"]
    assert sorted(r.path for r in found.rejected) == sorted(
        ["honest\\n.ipynb", "a" * 101 + ".ipynb", "ok\\x1b[2K.ipynb"]
    )
    assert all("at most 100 characters" in r.reason for r in found.rejected)


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("order", ["file first", "folder first"])
def test_a_zip_with_a_file_and_a_folder_of_one_name_keeps_the_rest(tmp_path, order):
    archive = tmp_path / "export.zip"
    members = [("notes", "a file"), ("notes/readme.ipynb", "{}")]
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, text in members if order == "file first" else members[::-1]:
            zipped.writestr(name, text)
        zipped.writestr("alice.ipynb", "{}")
        zipped.writestr("alice.ipynb", "{}")  # a second member of the same name
    with opened_submissions(archive, "ps01-rnn") as found:
        assert [s.student_id for s in found.submissions] == ["alice"]
        reasons = {(r.path, r.reason) for r in found.rejected}
    assert ("alice.ipynb", "appears twice in the archive; the first copy is kept") in reasons
    second = members[1 if order == "file first" else 0][0]
    assert (second, "a file and a folder of the same name in the archive") in reasons


def test_a_folder_with_nothing_to_grade_is_an_error_that_gives_the_reasons(tmp_path):
    write(tmp_path / "bad name.ipynb")
    with pytest.raises(CourseError, match="is not a usable student id"):
        find_submissions(tmp_path, "ps01-rnn")


# ----------------------------------------------------------------------------- shards and merging


def test_shards_split_a_class_without_overlap():
    students = [f"student{i}" for i in range(200)]
    slices = [[s for s in students if in_shard(s, (i, 4))] for i in range(1, 5)]
    assert sorted(sum(slices, [])) == sorted(students) and all(slices)
    assert parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "2", "a/b"):
        with pytest.raises(CourseError):
            parse_shard(bad)


def shard_output(folder, index, count, students, fingerprint="f"):
    folder.mkdir(parents=True)
    header = "student_id,assignment,score,max_score,test_a,problem\n"
    (folder / "grades.csv").write_text(header + "".join(f"{s},ps01-rnn,1,1,1,\n" for s in students))
    (folder / MANIFEST_NAME).write_text(
        json.dumps(
            {
                "assignment": "ps01-rnn",
                "shard": [index, count],
                "fingerprint": fingerprint,
                "students": students,
            }
        )
    )
    write(folder / "feedback" / f"{students[0]}.html", b"<p>ok</p>")
    (folder / "grading.log").write_text(f"# shard {index}\n")
    return folder


def test_merge_combines_complete_shards(tmp_path):
    a = shard_output(tmp_path / "a", 1, 2, ["bob", "alice"])
    b = shard_output(tmp_path / "b", 2, 2, ["carol"])
    assert merge([a, b], tmp_path / "all") == 3
    lines = (tmp_path / "all" / "grades.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines] == ["student_id", "alice", "bob", "carol"]
    assert sorted(p.name for p in (tmp_path / "all" / "feedback").iterdir()) == [
        "bob.html",
        "carol.html",
    ]


@pytest.mark.parametrize(
    "shards, message",
    [
        ([(1, 3, ["a"]), (2, 3, ["b"])], "missing 3"),
        ([(1, 2, ["a"]), (2, 2, ["a"])], "student a is in both"),
        ([(1, 2, ["a"]), (2, 2, ["b"], "other grader")], "differ in fingerprint"),
    ],
)
def test_merge_refuses_shards_that_do_not_belong_together(tmp_path, shards, message):
    folders = [
        shard_output(tmp_path / f"s{i}", *spec[:3], *spec[3:]) for i, spec in enumerate(shards)
    ]
    with pytest.raises(CourseError, match=message):
        merge(folders, tmp_path / "all")


# ----------------------------------------------------------------------------- the pool


def fake_worker(connection, job):
    """Stands in for worker_main: grades instantly, except the students named to crash or hang."""
    connection.send(("ready", None))
    while (task := connection.recv()) is not None:
        if task["student_id"] == "crashes":
            os._exit(9)
        if task["student_id"] == "hangs":
            time.sleep(600)
        connection.send(("done", {"student_id": task["student_id"], "score": 1.0, "problem": ""}))


def test_a_worker_that_crashes_or_hangs_costs_only_its_own_submission():
    tasks = [{"student_id": s, "sha256": ""} for s in ["a", "crashes", "b", "hangs", "c", "d"]]
    results = {}
    started = time.monotonic()
    run_pool(
        {"worker_log": "none"},
        tasks,
        2,
        deadline=5,
        on_result=lambda r: results.update({r["student_id"]: r}),
        target=fake_worker,
    )
    assert time.monotonic() - started < 240  # spawned workers start slowly on a busy machine
    assert {s: r["score"] for s, r in results.items() if not r["problem"]} == {
        "a": 1,
        "b": 1,
        "c": 1,
        "d": 1,
    }
    assert "stopped while grading this submission (exit code 9)" in results["crashes"]["problem"]
    assert "took longer than 5 s" in results["hangs"]["problem"]


def test_threads_are_not_left_behind_by_the_service(tmp_path):
    before = threading.active_count()
    CheckService(tmp_path / "s.sock", call_timeout=5, memory_mb=1).close()
    assert threading.active_count() == before


# ----------------------------------------------------------------------------- progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere():
    from autograder.grading.grade import Progress
    from autograder.grading.results import Result

    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        progress = Progress(2, stream)
        progress(Result("ada", score=10))
        progress(Result("grace", problem="the file is empty"))
    assert "\r[###############...............] 1/2  0 not graded" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n") and "2/2  1 not graded" in terminal.getvalue()
    assert log.getvalue().splitlines()[0].startswith("[1/2] ada: graded")
    assert log.getvalue().splitlines()[1].startswith("[2/2] grace: not graded")
