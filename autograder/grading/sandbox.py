"""The sandbox a student's notebook runs in while it is graded: bubblewrap around the kernel only.

Design. nbgrader runs in the grader's (trusted) worker process and starts one Jupyter kernel per
submission; only that kernel runs student code, so only the kernel is sandboxed. Its command is
wrapped in ``bwrap`` (Debian's bubblewrap, installed by ``tools/install-system-deps``):

- a new, empty root: system folders and the Python installation read-only, nothing else of the
  host. The course root (``solutions/``, the package, the tests), the submissions, the output
  folder and the grader's temporary course folders (other students' copies, the gradebook) are
  simply not there;
- the kernel's working folder and ``/tmp`` are private, size-capped tmpfs: what the notebook
  writes disappears with the kernel, and nothing the kernel leaves behind is read by the grader;
- new network, PID, IPC and UTS namespaces: no network at all, no view of other processes, and
  every process the notebook starts dies with its kernel (``--die-with-parent``);
- limits set inside the sandbox before the kernel starts: address space (memory), number of
  processes (so a fork bomb stops at the limit), file size and no core dumps; and the
  out-of-memory killer is told to pick the sandbox's processes first.

With ``--unshare-net`` the kernel cannot reach the grader over TCP, so the kernel talks to the
grader over jupyter_client's ``ipc`` transport: unix sockets in a folder bound into the sandbox.
The checks reach the grader the same way (see ``kernel_checks.py`` and ``checks_service.py``).

A process limit counts processes per user, so the kernel must run as a user of its own: when the
grader runs as root, the launcher drops to a uid derived from the worker's PID (unique among live
workers); otherwise bubblewrap's user namespace gives the sandbox a count of its own.
"""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .course import CELL_TIMEOUT_SECONDS, CourseError

SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SANDBOX_UID_BASE = 3_000_000_000  # far above any real account; plus a PID (at most 2**22)
INTERRUPT_GRACE_SECONDS = 5  # after a timeout, how long an interrupted cell gets to stop
INSTALL_HINT = "run tools/install-system-deps (it installs Debian's bubblewrap)"


@dataclass(frozen=True)
class Limits:
    """What one submission may use. The defaults suit the course's homework on a laptop or server."""

    cell_timeout: float = CELL_TIMEOUT_SECONDS  # seconds per cell, as for the self-check
    notebook_timeout: float = 600  # seconds for the whole notebook, kernel start included
    memory_mb: int = 4096  # address space of each process in the sandbox (TensorFlow reserves ~2 GB)
    processes: int = 128  # processes and threads in the sandbox
    output_kb: int = 1024  # output of one cell kept in the graded notebook
    disk_mb: int = 64  # each writable folder (working folder, /tmp) and any single file

    def as_dict(self):
        return dict(self.__dict__)


# Runs inside the sandbox before the kernel: limits first, then the uid drop, then exec.
_LAUNCHER = """
import json, os, resource, sys
limits, uid, argv = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
for name, value in limits.items():
    resource.setrlimit(getattr(resource, name), (value, value))
with open("/proc/self/oom_score_adj", "w") as handle:
    handle.write("1000")
if os.getuid() == 0:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
os.execv(argv[0], argv)
"""


class Sandbox:
    """Builds bubblewrap command lines for kernels of one grading worker."""

    def __init__(self, limits, kernel_package, hidden=()):
        """``kernel_package``: the folder holding the kernel's stand-in ``autograder`` package.

        ``hidden``: host paths that must never be visible, even if they lie inside a folder the
        sandbox shows (e.g. the course package installed into site-packages).
        """
        self.limits = limits
        self.kernel_package = Path(kernel_package)
        self.hidden = [Path(p).resolve() for p in hidden]
        self.root = os.getuid() == 0
        self.uid = SANDBOX_UID_BASE + os.getpid() if self.root else os.getuid()

    def hand_over(self, path, mode):
        """Make ``path`` (a file or folder the grader created) usable by the kernel's user."""
        if self.root:
            os.chown(path, self.uid, self.uid)
        os.chmod(path, mode)

    def command(self, argv, *, workdir, readonly=(), writable=(), workdir_files=(), env=None):
        """The command that runs ``argv`` in the sandbox, in a fresh tmpfs at ``workdir``.

        ``readonly``/``writable``: host folders shown at the same path; ``workdir_files``: files
        copied read-only into the working folder; ``env``: the kernel's whole environment.
        """
        limits = self.limits
        disk = str(limits.disk_mb << 20)
        workdir = Path(workdir)
        readonly = _outermost(p.resolve() for p in [Path(sys.base_prefix), Path(sys.prefix), self.kernel_package,
                                                    *map(Path, readonly)])
        writable = [Path(p).resolve() for p in writable]
        args = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                "--unshare-uts", "--hostname", "grading"]
        if not self.root:
            args += ["--unshare-user", "--disable-userns"]
        args += _system_binds()
        args += ["--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--size", disk, "--tmpfs", "/tmp"]
        args += _parents([*readonly, *writable, workdir])
        for path in readonly:
            args += ["--ro-bind", str(path), str(path)]
        for path in writable:
            args += ["--bind", str(path), str(path)]
        args += ["--perms", "1777", "--size", disk, "--tmpfs", str(workdir)]
        for file in workdir_files:
            args += ["--ro-bind", str(file), str(workdir / Path(file).name)]
        shown = readonly + [Path(d) for d in SYSTEM_DIRS if Path(d).is_dir() and not Path(d).is_symlink()]
        for path in self.hidden:  # e.g. the course package inside a site-packages the sandbox shows
            if any(_inside(path, folder) and path != folder for folder in shown):
                args += ["--tmpfs", str(path)]
        args += ["--chdir", str(workdir), "--clearenv"]
        for key, value in (env or {}).items():
            args += ["--setenv", key, str(value)]
        rlimits = {"RLIMIT_AS": limits.memory_mb << 20, "RLIMIT_NPROC": limits.processes,
                   "RLIMIT_FSIZE": limits.disk_mb << 20, "RLIMIT_CORE": 0}
        launcher = [sys.executable, "-I", "-S", "-c", _LAUNCHER, json.dumps(rlimits), str(self.uid)]
        return args + ["--", *launcher, *argv]

    def kernel_env(self, grader_socket):
        """The kernel's environment: nothing inherited from the grader."""
        return {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
            "PYTHONPATH": str(self.kernel_package), "PYTHONDONTWRITEBYTECODE": "1",
            "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.matplotlib", "MPLBACKEND": "Agg",
            # one thread per library: two cores serve several kernels, and threads count as processes
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "AUTOGRADER_GRADER_SOCKET": str(grader_socket),
        }

    def verify(self, scratch):
        """Run a trivial command in the sandbox; raise CourseError with the reason if it fails."""
        if shutil.which("bwrap") is None:
            raise CourseError(f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}")
        workdir = Path(scratch) / "sandbox-check"
        workdir.mkdir(parents=True, exist_ok=True)
        probe = ("import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), 1)\n"
                 "except OSError:\n    print('ok')")
        argv = [sys.executable, "-I", "-c", probe]
        run = subprocess.run(self.command(argv, workdir=workdir, env=self.kernel_env("none")),
                             capture_output=True, text=True, timeout=60)
        if run.returncode != 0 or run.stdout.strip() != "ok":
            detail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no output"]
            raise CourseError(f"the grading sandbox does not work here ({detail[0]}); {INSTALL_HINT}, "
                              "and allow user namespaces if bwrap says 'Operation not permitted'")


KERNEL_TRAINING_MODULES = ("__init__.py", "forecasting.py", "negation.py")


def build_kernel_package(target):
    """Write the ``autograder`` package a grading kernel imports: remote checks, refusing reference."""
    here = Path(__file__).resolve().parent
    package = Path(target) / "autograder"
    (package / "checks").mkdir(parents=True, exist_ok=True)
    (package / "reference").mkdir(exist_ok=True)
    (package / "__init__.py").write_text('"""The course package as a grading kernel sees it."""\n')
    shutil.copyfile(here / "kernel_checks.py", package / "checks" / "__init__.py")
    shutil.copyfile(here / "wire.py", package / "checks" / "wire.py")
    shutil.copyfile(here / "kernel_reference.py", package / "reference" / "__init__.py")
    # the homework's data generators (numpy only, no answers in them): a notebook trains on their data
    (package / "training").mkdir(exist_ok=True)
    for name in KERNEL_TRAINING_MODULES:
        shutil.copyfile(here.parent / "training" / name, package / "training" / name)
    for path in [Path(target), *Path(target).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return Path(target)


def _system_binds():
    args = []
    for top in SYSTEM_DIRS:
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    return args


def _outermost(paths):
    """Drop paths that lie inside another one of them (binding the outer one shows them already)."""
    paths = sorted(set(paths), key=lambda p: len(p.parts))
    kept = []
    for path in paths:
        if not any(_inside(path, outer) for outer in kept):
            kept.append(path)
    return kept


def _parents(paths):
    """``--dir`` for each ancestor the sandbox lacks, world-readable (bwrap would make them 0700)."""
    args, seen = [], set()
    for path in paths:
        for parent in reversed(Path(path).parents):
            if parent in seen or parent in (Path("/"), Path("/tmp")) or \
                    any(_inside(parent, Path(d)) for d in SYSTEM_DIRS):
                continue
            seen.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _inside(path, folder):
    return path == folder or folder in path.parents
