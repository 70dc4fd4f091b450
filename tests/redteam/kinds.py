"""Hostile ps01 submissions: what each does, the score it must get, and where its reason shows.

ps01 has three tasks: ``test_rnn_cell_forward`` (3 points), ``test_rnn_forward`` (4 points, and
the solution's ``rnn_forward`` calls the student's ``rnn_cell_forward``) and
``test_make_torch_rnn`` (3 points). Most attacks sit in one task of an otherwise correct
notebook, so the other tasks show that the attack harmed nothing else.

Each kind gives ``expect``: the total score, and reasons as ``(place, text)`` where place is a
grade cell id (its message in the results and the feedback), ``"problem"`` (the CSV's problem
column), ``"log"`` (the submission's lines in grading.log) or ``"rejected"`` (a file rejected
before grading: its line in grading.log); a tuple of texts means any one of them, a tuple of
scores any one of those.

The kinds after ``# --- issue 11`` close the attack classes of that issue: output caps that
update_display_data, metadata or errors bypassed (2), writable folders without a total bound (3),
CPU taken from neighbours by setsid() children (4), the grader's own memory and CPU on the
kernel's say-so (5), logs flooded or forged (6), input edges (7), blame for a student's object (8)
and float32 precision (9).
"""

import json
from dataclasses import dataclass, field

from .notebooks import Submission


@dataclass
class Targets:
    """Host paths a hostile notebook aims at; none of them may be readable or writable."""

    root: str  # the course root, with solutions/
    submissions: str  # the class's submissions folder
    out: str  # the grading output folder

    @property
    def written(self):
        """Files the writing attacks try to create or overwrite."""
        return [
            f"{self.root}/solutions/pwned.txt",
            f"{self.submissions}/solution.ipynb",
            f"{self.out}/grades.csv",
            f"{self.submissions}/pwned.ipynb",
        ]


@dataclass
class Kind:
    name: str
    what: str
    build: object  # Targets -> bytes
    score: float
    reasons: list = field(default_factory=list)
    graded: bool = True  # False: a file that is rejected before grading (no row in grades.csv)
    filename: str = None  # the submitted file's name, if not "<name>.ipynb"

    @property
    def file(self):
        return self.filename or f"{self.name}.ipynb"


def _function(body):
    """A function body, indented for the function cell."""
    return "\n".join("    " + line if line else "" for line in body.strip("\n").splitlines())


def _blank():
    return Submission(
        {
            "rnn_cell_forward": _function("raise NotImplementedError()"),
            "rnn_forward": _function("raise NotImplementedError()"),
            "make_torch_rnn": _function("raise NotImplementedError()"),
        }
    )


def _zeros():
    """Wrong answers of the right shapes for tasks 1 and 2; task 3 correct."""
    return Submission(
        {
            "rnn_cell_forward": _function("return np.zeros_like(h_prev)"),
            "rnn_forward": _function(
                "return np.zeros(x.shape[:2] + h0.shape[1:]), np.zeros_like(h0)"
            ),
        }
    )


def _in_task3(body):
    """A correct notebook whose make_torch_rnn runs ``body`` first."""
    return Submission(
        {"make_torch_rnn": _function(body + "\nraise AssertionError('unreachable')")}
    ).bytes()


def _infinite_loop(t):
    return Submission({"rnn_forward": _function("while True:\n    pass")}).bytes()


def _loop_ignoring_interrupts(t):
    loop = (
        "import time\nwhile True:\n    try:\n        time.sleep(0.5)\n    except BaseException:\n  "
        "      pass"
    )
    return Submission({"rnn_forward": _function(loop)}).bytes()


def _edited_metadata(t):
    tampered = Submission()
    tampered.cell("rnn_cell_forward")["metadata"]["nbgrader"].update(grade=True, points=50)
    tampered.cell("test_rnn_forward")["metadata"]["nbgrader"]["points"] = 100
    return tampered.bytes()


def _kills_own_kernel(t):
    kill = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
    return Submission().insert_after("test_rnn_cell_forward", kill).bytes()


def _edited_test_cell(t):
    wrong = _zeros()
    wrong.set_source(
        "test_rnn_forward", '"""rnn_forward passes."""\nprint("rnn_forward: all 3 cases passed")'
    )
    return wrong.bytes()


def _fake_test_cells(t):
    blank = _blank()
    fake = {
        "grade": True,
        "grade_id": "test_bonus",
        "points": 100,
        "locked": True,
        "solution": False,
        "schema_version": 3,
        "task": False,
    }
    blank.insert_after("test_make_torch_rnn", 'print("all tests passed")', fake)
    twin = dict(blank.cell("test_rnn_forward")["metadata"]["nbgrader"])
    blank.insert_after("test_rnn_forward", "pass", twin)  # a second cell with the real test's id
    return blank.bytes()


def _monkeypatches_numpy(t):
    return (
        _zeros()
        .prepend_to(
            "rnn_cell_forward",
            "np.allclose = lambda *a, **k: True\n"
            "np.testing.assert_allclose = lambda *a, **k: None\n"
            "np.abs = lambda x: x * 0\n"
            "np.max = np.amax = lambda *a, **k: 0.0",
        )
        .bytes()
    )


def _monkeypatches_checks(t):
    return (
        _zeros()
        .prepend_to(
            "rnn_cell_forward",
            "import autograder.checks as checks\n"
            "def check_rnn_cell_forward(*args, **kwargs):\n"
            "    print('rnn_cell_forward: all 3 cases passed')\n"
            "check_rnn_forward = checks.check_rnn_forward = check_rnn_cell_forward\n"
            "checks.check_rnn_cell_forward = check_rnn_cell_forward",
        )
        .bytes()
    )


def _hijacks_cell_execution(t):
    return (
        _zeros()
        .prepend_to(
            "rnn_cell_forward",
            "def _skip_checks(lines):\n"
            "    return ['pass\\n'] if any('check_' in line for line in lines) else lines\n"
            "get_ipython().input_transformers_cleanup.append(_skip_checks)\n"
            "get_ipython().showtraceback = lambda *a, **k: None",
        )
        .bytes()
    )


def _calls_reference(t):
    return Submission(
        {
            "rnn_cell_forward": _function(
                "from autograder.reference import rnn_cell_forward as ref\n"
                "return ref(x_t, h_prev, W_x, W_h, b)"
            ),
            "rnn_forward": _function(
                "import autograder.reference as r\n"
                "return r.rnn_forward.__wrapped__(x, h0, W_x, W_h, b)"
            ),
        }
    ).bytes()


def _reads_solutions(t):
    return _in_task3(
        "import json, re\nsource ="
        f" json.load(open({t.root + '/solutions/ps01-rnn/ps01-rnn.ipynb'!r}))\ncode ="
        " ''.join(''.join(c['source']) for c in source['cells'] if c['cell_type'] =="
        " 'code')\nexec(code)\nreturn make_torch_rnn(W_x, W_h, b)"
    )


def _reads_other_students(t):
    return _in_task3(
        "import glob\nfound = glob.glob('/tmp/**/gradebook.db', recursive=True) +"
        " glob.glob('/tmp/**/submitted/*', recursive=True)\nassert not found,"
        f" found\nopen({t.submissions + '/solution.ipynb'!r}).read()"
    )


def _writes_outside(t):
    return _in_task3(
        f"import os\nwritten = []\nfor path in {t.written!r} + ['/tmp/pwned.txt', 'pwned.txt',"
        " os.path.expanduser('~/pwned.txt')]:\n    try:\n        with open(path, 'w') as handle:\n"
        "            handle.write('pwned')\n        written.append(path)\n    except OSError:\n   "
        "     pass\nos.symlink('/', 'root-link')\nraise RuntimeError(f'wrote only {written}')"
    )


def _opens_socket(t):
    return _in_task3("import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=5)")


def _exfiltrates_hidden_tests(t):
    spy = Submission().prepend_to(
        "rnn_cell_forward",
        "_seen = []\n"
        "get_ipython().events.register('pre_run_cell', lambda info: _seen.append(info.raw_cell))",
    )
    return spy.insert_after("test_make_torch_rnn", "print('\\n'.join(_seen))").bytes()


def _fake_all_passed(t):
    blank = _blank()
    for task in ("rnn_cell_forward", "rnn_forward", "make_torch_rnn"):
        blank.prepend_to(task, f"print('{task}: all 3 cases passed')")
    return blank.insert_after(
        "test_make_torch_rnn", "print('All tests passed! Score: 10 / 10')"
    ).bytes()


def _other_kernel(t):
    notebook = json.loads(Submission().bytes())
    notebook["metadata"]["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    notebook["metadata"]["language_info"] = {"name": "R"}
    return json.dumps(notebook).encode()


def _other_assignment(t):
    notebook = json.loads(_blank().bytes())
    for cell in notebook["cells"]:
        info = cell.get("metadata", {}).get("nbgrader")
        if info:
            info["grade_id"] = "ps03_" + info["grade_id"]
    return json.dumps(notebook).encode()


def _slow_correct(t):
    body = "import time\ntime.sleep(0.1)\nreturn np.tanh(x_t @ W_x + h_prev @ W_h + b)"
    return Submission({"rnn_cell_forward": _function(body)}).bytes()


def _bytes(data):
    return lambda t: data


# --- issue 11


def _display_update_flood(t):
    """300 outputs share one display id; each update would copy 1 MB into all of them (300 MB)."""
    flood = (
        "from IPython.display import display, update_display\n"
        "for i in range(300):\n    display({'text/plain': 'x'}, raw=True, display_id='d')\n"
        "for i in range(3):\n"
        "    update_display({'text/plain': 'y' * 1_000_000}, raw=True, display_id='d')"
    )
    later = (
        "from IPython.display import update_display\nupdate_display({'text/plain': 'z' *"
        " 1_000_000}, raw=True, display_id='d')"
    )
    return (
        Submission()
        .insert_after("test_rnn_cell_forward", flood)
        .insert_after("test_rnn_forward", later)
        .bytes()
    )


def _metadata_and_errors(t):
    """Outputs whose size is in their metadata, and an error whose size is in its evalue."""
    metadata = (
        "from IPython.display import display\nfor i in range(6):\n"
        "    display({'text/plain': 'x'}, metadata={'m': 'y' * 2_000_000}, raw=True)"
    )
    error = "raise ValueError('e' * 3_000_000)"
    return (
        Submission()
        .insert_after("test_rnn_cell_forward", metadata)
        .insert_after("test_rnn_forward", error)
        .bytes()
    )


def _many_small_cells(t):
    """Forty cells of 900 KB each: under the cap of one cell, over the notebook's."""
    notebook = Submission()
    for _ in range(40):
        notebook.insert_after("test_rnn_cell_forward", "print('x' * 900_000)")
    return notebook.bytes()


def _fills_ipc_folder(t):
    """Writes into the folder of the kernel's own sockets (shared with the grader) until it is
    full.
    """
    return _in_task3(
        "import json, os, sys\n"
        "folder = os.path.dirname(json.load(open(sys.argv[sys.argv.index('-f') + 1]))['ip'])\n"
        "written = 0\n"
        "for i in range(100):\n"
        "    try:\n"
        "        with open(os.path.join(folder, f'fill-{i}'), 'wb') as handle:\n"
        "            for _ in range(64):\n"
        "                written += handle.write(b'x' * (1 << 20))\n"
        "    except OSError:\n"
        "        break\n"
        "for name in ('/dev/shm/fill', '/dev/fill'):\n"
        "    try:\n"
        "        with open(name, 'wb') as handle:\n"
        "            for _ in range(100):\n"
        "                written += handle.write(b'x' * (1 << 20))\n"
        "    except OSError:\n"
        "        pass\n"
        "raise RuntimeError('bounded' if written < 200 << 20 else f'wrote {written >> 20} MB')"
    )


def setsid_hog(children=40, seconds=20, linger=0):
    """A correct notebook whose first cell forks ``children`` that leave the session (setsid) and
    spin for ``seconds``; its last cell then sleeps ``linger`` seconds (so the spinning outlasts
    it)."""
    hog = (
        "import os, time\n"
        f"for _ in range({children}):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        f"        end = time.monotonic() + {seconds}\n"
        "        while time.monotonic() < end:\n"
        "            pass\n"
        "        os._exit(0)"
    )
    notebook = Submission().insert_after("test_rnn_cell_forward", hog)
    if linger:
        notebook.insert_after("test_make_torch_rnn", f"import time\ntime.sleep({linger})")
    return lambda t: notebook.bytes()


def _module_setting(setting):
    """A correct nn.RNN whose attribute ``setting`` is then overwritten (what the grader is
    told).
    """
    solution = (
        "features, units = W_x.shape\nmodule = torch.nn.RNN(features, units, batch_first=True)\n"
    )
    return lambda t: Submission(
        {"make_torch_rnn": _function(solution + f"module.{setting}\nreturn module")}
    ).bytes()


def _many_type_names(t):
    return _in_task3("return [type(f'Gadget{i}', (), {})() for i in range(50_000)]")


def _log_flood(t):
    """A hook that, in the first grade cell, asks for a check 3000 times under a name forging a log
    line.
    """
    hook = (
        "import autograder.checks as _checks\n"
        "_forged = 'check_x\\r\\x1b[2Ktest_rnn_forward: all tests passed' + 'A' * 5000\n"
        "_done = []\n"
        "def _flood(info):\n"
        "    if _done or 'check_' not in (info.raw_cell or ''):\n"
        "        return\n"
        "    _done.append(1)\n"
        "    for _ in range(3000):\n"
        "        try:\n"
        "            getattr(_checks, _forged)(1)\n"
        "        except Exception:\n"
        "            pass\n"
        "get_ipython().events.register('pre_run_cell', _flood)"
    )
    return Submission().prepend_to("rnn_cell_forward", hook).bytes()


def _odd_metadata(t):
    """``"nbgrader": null`` on a markdown cell and a list as the grade id of a test cell."""
    notebook = json.loads(Submission().bytes())
    for cell in notebook["cells"]:
        info = cell.get("metadata", {}).get("nbgrader") or {}
        if info.get("grade_id") == "intro":
            cell["metadata"]["nbgrader"] = None
        elif info.get("grade_id") == "test_rnn_forward":
            info["grade_id"] = ["test_rnn_forward"]
    return json.dumps(notebook).encode()


def _complex_outputs(t):
    return Submission(
        {
            "rnn_forward": _function(
                "h, states = h0, []\nfor step in range(x.shape[1]):\n"
                "    h = rnn_cell_forward(x[:, step], h, W_x, W_h, b)\n    states.append(h)\n"
                "return np.stack(states, axis=1) + 1e-3j, h"
            )
        }
    ).bytes()


def _other_homework(t):
    from .notebooks import ROOT

    return (ROOT / "exercises" / "ps02-bptt" / "ps02-bptt.ipynb").read_bytes()


def _complex_module(t):
    solution = _function(
        "features, units = W_x.shape\nmodule = torch.nn.RNN(features, units, batch_first=True)\n"
        "return module.to(torch.complex128)"
    )
    return Submission({"make_torch_rnn": solution}).bytes()


def _float32_correct(t):
    f32 = _function(
        "f = np.float32\nreturn np.tanh(x_t.astype(f) @ W_x.astype(f) + h_prev.astype(f) @"
        " W_h.astype(f) + b.astype(f))"
    )
    sequence = _function(
        "h, states = h0, []\nfor step in range(x.shape[1]):\n"
        "    h = rnn_cell_forward(x[:, step], h, W_x, W_h, b)\n    states.append(h)\n"
        "return np.stack(states, axis=1), h"
    )
    return Submission({"rnn_cell_forward": f32, "rnn_forward": sequence}).bytes()


KINDS = [
    Kind(
        "infinite_loop",
        "rnn_forward never returns",
        _infinite_loop,
        6,
        [("test_rnn_forward", "rnn_forward was stopped: it ran past the time limit")],
    ),
    Kind(
        "loop_ignoring_interrupts",
        "rnn_forward swallows the interrupt",
        _loop_ignoring_interrupts,
        3,
        [
            (
                "test_rnn_forward",
                (
                    "the kernel stopped while rnn_forward was running",
                    "rnn_forward did not return within",
                ),
            ),
            ("test_make_torch_rnn", "not graded: cell"),
            ("test_make_torch_rnn", "ran past the time limit"),
            ("log", "did not stop when interrupted"),
        ],
    ),
    Kind(
        "memory_bomb",
        "make_torch_rnn allocates until memory runs out",
        lambda t: _in_task3("hog = []\nwhile True:\n    hog.append(np.ones(10**7))"),
        7,
        [("test_make_torch_rnn", "make_torch_rnn ran out of memory")],
    ),
    Kind(
        "sys_exit",
        "make_torch_rnn calls sys.exit()",
        lambda t: _in_task3("import sys\nsys.exit(0)"),
        7,
        [("test_make_torch_rnn", "tried to exit the kernel")],
    ),
    Kind(
        "os_exit",
        "make_torch_rnn calls os._exit()",
        lambda t: _in_task3("import os\nos._exit(3)"),
        7,
        [("test_make_torch_rnn", "the kernel stopped while make_torch_rnn was running")],
    ),
    Kind(
        "kills_own_kernel",
        "a cell SIGKILLs the kernel after task 1",
        _kills_own_kernel,
        3,
        [
            ("test_rnn_forward", "not graded: the kernel stopped during cell"),
            ("log", "later cells were not run"),
        ],
    ),
    Kind(
        "fork_bomb",
        "make_torch_rnn forks until the process limit",
        lambda t: _in_task3("import os\nwhile True:\n    os.fork()"),
        7,
        [("test_make_torch_rnn", "Resource temporarily unavailable")],
    ),
    Kind(
        "huge_output",
        "a cell prints 30 MB",
        lambda t: Submission()
        .insert_after("test_rnn_cell_forward", "for i in range(300_000):\n    print('x' * 100)")
        .bytes(),
        10,
        [("log", "output truncated")],
    ),
    Kind(
        "one_huge_print",
        "a cell prints one 100 MB string",
        lambda t: Submission()
        .insert_after("test_rnn_cell_forward", "print('x' * 100_000_000)")
        .bytes(),
        10,
        [("log", "output truncated")],
    ),
    Kind(
        "oversized_message",
        "the last cell prints 300 MB at once, more than the grader reads",
        lambda t: Submission()
        .insert_after("test_make_torch_rnn", "print('x' * 300_000_000)")
        .bytes(),
        10,
    ),
    Kind(
        "edited_test_cell",
        "the read-only test of task 2 prints a pass; rnn_forward is wrong",
        _edited_test_cell,
        3,
        [
            ("test_rnn_forward", "h_all is wrong"),
            ("log", "the read-only cell test_rnn_forward was edited"),
        ],
    ),
    Kind(
        "deleted_test_cell",
        "the test of task 2 is deleted; the code is right",
        lambda t: Submission().delete("test_rnn_forward").bytes(),
        10,
        [("log", "the graded cell test_rnn_forward was deleted")],
    ),
    Kind(
        "edited_metadata",
        "a solution cell turned into a 50-point grade cell, a test worth 100",
        _edited_metadata,
        10,
        [("log", "the nbgrader metadata of cell rnn_cell_forward was edited")],
    ),
    Kind(
        "fake_test_cells",
        "an added 100-point grade cell and a second copy of a real one",
        _fake_test_cells,
        0,
        [
            ("log", "cell test_bonus is not part of the assignment"),
            ("log", "cell test_rnn_forward appears more than once"),
        ],
    ),
    Kind(
        "monkeypatches_numpy",
        "numpy.allclose, abs and max patched; tasks 1-2 wrong",
        _monkeypatches_numpy,
        3,
        [("test_rnn_cell_forward", "h_next is wrong")],
    ),
    Kind(
        "monkeypatches_checks",
        "the check functions replaced by fakes that print a pass",
        _monkeypatches_checks,
        3,
        [("test_rnn_cell_forward", "the notebook's code replaced or bypassed it")],
    ),
    Kind(
        "hijacks_cell_execution",
        "an input transformer turns every check cell into `pass`",
        _hijacks_cell_execution,
        0,
        [("test_rnn_forward", "the notebook's code replaced or bypassed it")],
    ),
    Kind(
        "calls_reference",
        "tasks 1-2 call the reference (task 2 through __wrapped__)",
        _calls_reference,
        3,
        [
            ("test_rnn_cell_forward", "called the course's reference"),
            ("test_rnn_forward", "called the course's reference"),
        ],
    ),
    Kind(
        "reads_solutions",
        "make_torch_rnn execs the instructor's notebook",
        _reads_solutions,
        7,
        [("test_make_torch_rnn", "FileNotFoundError")],
    ),
    Kind(
        "reads_other_students",
        "make_torch_rnn looks for gradebooks and other submissions",
        _reads_other_students,
        7,
        [("test_make_torch_rnn", "FileNotFoundError")],
    ),
    Kind(
        "writes_outside",
        "make_torch_rnn writes into solutions/, the submissions and the output",
        _writes_outside,
        7,
        [("test_make_torch_rnn", "wrote only ['/tmp/pwned.txt', 'pwned.txt', '/tmp/pwned.txt']")],
    ),
    Kind(
        "opens_socket",
        "make_torch_rnn connects to the internet",
        _opens_socket,
        7,
        [("test_make_torch_rnn", "Network is unreachable")],
    ),
    Kind(
        "exfiltrates_hidden_tests",
        "an IPython hook records every cell's source; the last cell prints it",
        _exfiltrates_hidden_tests,
        10,
    ),
    Kind(
        "fake_all_passed",
        "blank tasks that print passing lines",
        _fake_all_passed,
        0,
        [("test_rnn_cell_forward", "not implemented yet")],
    ),
    Kind(
        "corrupt_json",
        "not JSON",
        _bytes(b'{"cells": [{"cell_type": "code", '),
        0,
        [("problem", "not a readable notebook")],
    ),
    Kind("empty_file", "zero bytes", _bytes(b""), 0, [("problem", "the file is empty")]),
    Kind(
        "malformed_cells",
        "valid JSON whose cells are not cells",
        _bytes(
            b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": "python3"}, "cells":'
            b' {"a": 1}}'
        ),
        0,
        [("problem", "not a readable notebook")],
    ),
    Kind(
        "other_assignment",
        "another homework's notebook",
        _other_assignment,
        0,
        [("problem", "is it the notebook of another assignment?")],
    ),
    Kind(
        "other_kernel",
        "a correct notebook that names the R kernel",
        _other_kernel,
        10,
        [("log", "asks for kernel 'ir'")],
    ),
    Kind("slow_correct", "correct, but each step sleeps 0.1 s", _slow_correct, 10),
    # --- issue 11
    Kind(
        "display_update_flood",
        "update_display_data copies 1 MB into 300 outputs",
        _display_update_flood,
        10,
        [("log", "output truncated: this cell printed more than")],
    ),
    Kind(
        "metadata_and_errors",
        "12 MB in output metadata, 3 MB in an error's evalue",
        _metadata_and_errors,
        10,
        [("log", "output truncated: this cell printed more than 1024 KB")],
    ),
    Kind(
        "many_small_cells",
        "40 cells of 900 KB each",
        _many_small_cells,
        10,
        [("log", "the notebook printed more than 8192 KB in all")],
    ),
    Kind(
        "fills_ipc_folder",
        "make_torch_rnn fills its socket folder, /dev/shm and /dev",
        _fills_ipc_folder,
        7,
        [("test_make_torch_rnn", "RuntimeError: bounded")],
    ),
    Kind(
        "setsid_hog",
        "40 children call setsid() and spin for 8 s; the code is right",
        setsid_hog(seconds=8),
        10,
    ),
    Kind(
        "rnn_layers_15000",
        "an nn.RNN that says num_layers=15000",
        _module_setting("num_layers = 15000"),
        7,
        [("test_make_torch_rnn", "num_layers must be an integer from 1 to 8, not 15000")],
    ),
    Kind(
        "rnn_hidden_20000",
        "an nn.RNN that says hidden_size=20000",
        _module_setting("hidden_size = 20000"),
        7,
        [("test_make_torch_rnn", "hidden_size must be an integer from 1 to 4096, not 20000")],
    ),
    Kind(
        "many_type_names",
        "make_torch_rnn returns 50,000 objects of distinct classes",
        _many_type_names,
        7,
        [("test_make_torch_rnn", "make_torch_rnn")],
    ),
    Kind(
        "log_flood",
        "a hook asks 3000 times for a check whose name forges a log line",
        _log_flood,
        10,
        [("log", "was not expected there (or already ran) (repeated 3000 times)")],
    ),
    Kind(
        "odd_metadata",
        "nbgrader metadata null on one cell, a list as a test cell's id",
        _odd_metadata,
        10,
        [("log", "nbgrader metadata is not usable")],
    ),
    Kind(
        "newline_in_id",
        "a correct notebook named 'honest\\n.ipynb'",
        lambda t: Submission().bytes(),
        0,
        [("rejected", "rejected honest\\n.ipynb: 'honest\\n' is not a usable student id")],
        graded=False,
        filename="honest\n.ipynb",
    ),
    Kind(
        "complex_outputs",
        "rnn_forward returns complex states",
        _complex_outputs,
        6,
        [("test_rnn_forward", "holds complex numbers (complex128)")],
    ),
    Kind(
        "other_homework",
        "the ps02 student copy graded as ps01",
        _other_homework,
        0,
        [("problem", "this notebook belongs to ps02-bptt")],
    ),
    Kind(
        "complex_module",
        "make_torch_rnn returns an nn.RNN with complex weights",
        _complex_module,
        7,
        [("test_make_torch_rnn", "weights are complex128; a torch RNN's weights are real")],
    ),
    Kind(
        "float32_correct",
        "a correct rnn_cell_forward computed in float32",
        _float32_correct,
        (6, 10),
        [("test_rnn_forward", ("your function returned float32 numbers", "all 4 cases passed"))],
    ),
]
