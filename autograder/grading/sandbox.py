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

Bounds in total, not only per process or per file:

- CPU, memory and processes: each kernel runs in a cgroup of its own (``ResourceGroup``) with a
  CPU quota (``Limits.cpus``) and an equal CPU weight, a memory limit for the whole sandbox (tmpfs
  pages included) and a process limit. So a notebook whose children call ``setsid()`` (leaving
  the session's autogroup) still gets one sandbox's share, and its neighbours keep theirs. cgroup
  v2 is used where its cpu, memory and pids controllers are delegated to us, cgroup v1's
  hierarchies where they are writable (as root in most containers). Where neither is (an
  unprivileged grader without a delegated cgroup), the fallback is the per-process limits above
  plus a lower CPU priority (nice 10) for the kernel: the grader's own processes keep theirs, but
  a hog's processes then compete one by one with a neighbour's; the workers' log says which applies.
- Writable folders: the working folder and ``/tmp`` are tmpfs of ``disk_mb`` each. The folder the
  kernel's sockets live in must be shared with the grader, so it cannot be a tmpfs of the sandbox:
  each grading worker runs in a private mount namespace (``private_mounts``; as an unprivileged
  user, inside a user namespace of its own) and mounts a small tmpfs (``Limits.room_kb``) for
  each kernel's room: sockets, connection file and the kernel's log. Where that is not possible,
  only the per-file limit applies there (the workers' log says so).
"""

import ctypes
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .course import CELL_TIMEOUT_SECONDS, CourseError

SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SANDBOX_UID_BASE = 3_000_000_000  # far above any real account; plus a PID (at most 2**22)
INTERRUPT_GRACE_SECONDS = 5  # after a timeout, how long an interrupted cell gets to stop
INSTALL_HINT = "run tools/install-system-deps (it installs Debian's bubblewrap)"
FALLBACK_NICE = 10  # the kernel's CPU priority when no cgroup bounds its share


@dataclass(frozen=True)
class Limits:
    """What one submission may use. The defaults suit the course's homework on a laptop or
    server.
    """

    cell_timeout: float = CELL_TIMEOUT_SECONDS  # seconds per cell, as for the self-check
    notebook_timeout: float = 600  # seconds for the whole notebook, kernel start included
    # address space of each process in the sandbox (TensorFlow reserves ~2 GB)
    memory_mb: int = 4096
    processes: int = 128  # processes and threads in the sandbox
    output_kb: int = 1024  # output of one cell kept in the graded notebook
    notebook_output_kb: int = 8192  # output of all cells together
    disk_mb: int = 64  # each writable folder (working folder, /tmp) and any single file
    cpus: float = 1.0  # CPU time of the whole sandbox, in cores (a cgroup quota)
    room_kb: int = 4096  # the kernel's room shared with the grader: sockets and the kernel's log

    def as_dict(self):
        return dict(self.__dict__)


# Runs inside the sandbox before the kernel: limits first, then the uid drop, then exec.
_LAUNCHER = """
import json, os, resource, sys
limits, uid, nice, argv = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
for name, value in limits.items():
    resource.setrlimit(getattr(resource, name), (value, value))
os.nice(nice)
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

    def __init__(self, limits, kernel_package, hidden=(), groups=False, mounts=False):
        """``kernel_package``: the folder holding the kernel's stand-in ``autograder`` package.

        ``hidden``: host paths that must never be visible, even if they lie inside a folder the
        sandbox shows (e.g. the course package installed into site-packages). ``groups``: put
        each kernel in a cgroup of its own where possible; ``mounts``: this process may mount
        (``private_mounts()`` succeeded), so each room gets a size-capped tmpfs.
        """
        self.limits = limits
        self.kernel_package = Path(kernel_package)
        self.hidden = [Path(p).resolve() for p in hidden]
        self.root = os.getuid() == 0
        self.uid = SANDBOX_UID_BASE + os.getpid() if self.root else os.getuid()
        self.groups, self.groups_problem = cgroup_layout() if groups else (None, "switched off")
        if self.groups:
            _remove_stale_groups(self.groups)
        self.mounts = mounts
        self._count = 0

    def new_group(self):
        """A cgroup for the next kernel, or None (the fallback: see the module's docstring)."""
        if self.groups is None:
            return None
        self._count += 1
        try:
            return ResourceGroup.create(
                self.groups, f"autograder-{os.getpid()}-{self._count}", self.limits
            )
        except OSError as error:
            self.groups, self.groups_problem = None, f"cannot create a cgroup ({error})"
            return None

    def room_folder(self, path):
        """Create the folder shared by a kernel and the grader; a size-capped tmpfs where possible.
        Returns True when it is bounded in total."""
        path = Path(path)
        path.mkdir(parents=True)
        return self.mounts and mount_tmpfs(path, self.limits.room_kb)

    def release_folder(self, path):
        if self.mounts:
            unmount(path)

    def hand_over(self, path, mode):
        """Make ``path`` (a file or folder the grader created) usable by the kernel's user."""
        if self.root:
            os.chown(path, self.uid, self.uid)
        os.chmod(path, mode)

    def command(
        self, argv, *, workdir, readonly=(), writable=(), workdir_files=(), env=None, group=None
    ):
        """The command that runs ``argv`` in the sandbox, in a fresh tmpfs at ``workdir``.

        ``readonly``/``writable``: host folders shown at the same path; ``workdir_files``: files
        copied read-only into the working folder; ``env``: the kernel's whole environment;
        ``group``: a ``ResourceGroup`` the whole sandbox starts in.
        """
        limits = self.limits
        disk = str(limits.disk_mb << 20)
        workdir = Path(workdir)
        readonly = _outermost(
            p.resolve()
            for p in [
                Path(sys.base_prefix),
                Path(sys.prefix),
                self.kernel_package,
                *map(Path, readonly),
            ]
        )
        writable = [Path(p).resolve() for p in writable]
        args = [
            "bwrap",
            "--die-with-parent",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--hostname",
            "grading",
        ]
        if not self.root:
            args += ["--unshare-user", "--disable-userns"]
        args += _system_binds()
        # /dev is a tmpfs bubblewrap makes without a size: read-only, with a sized /dev/shm in it.
        args += [
            "--dev",
            "/dev",
            "--perms",
            "1777",
            "--size",
            disk,
            "--tmpfs",
            "/dev/shm",
            "--remount-ro",
            "/dev",
            "--proc",
            "/proc",
            "--perms",
            "1777",
            "--size",
            disk,
            "--tmpfs",
            "/tmp",
        ]
        args += _parents([*readonly, *writable, workdir])
        for path in readonly:
            args += ["--ro-bind", str(path), str(path)]
        for path in writable:
            args += ["--bind", str(path), str(path)]
        args += ["--perms", "1777", "--size", disk, "--tmpfs", str(workdir)]
        for file in workdir_files:
            args += ["--ro-bind", str(file), str(workdir / Path(file).name)]
        shown = readonly + [
            Path(d) for d in SYSTEM_DIRS if Path(d).is_dir() and not Path(d).is_symlink()
        ]
        for path in self.hidden:  # e.g. the course package inside a site-packages the sandbox shows
            if path.exists() and any(_inside(path, folder) and path != folder for folder in shown):
                args += ["--size", "4096", "--tmpfs", str(path), "--remount-ro", str(path)]
        # The sandbox's root (and the folders made in it for the binds) is a tmpfs without a size
        # that the kernel's user owns when bubblewrap runs unprivileged: read-only, like everything
        # not sized.
        args += ["--remount-ro", "/", "--chdir", str(workdir), "--clearenv"]
        for key, value in (env or {}).items():
            args += ["--setenv", key, str(value)]
        rlimits = {
            "RLIMIT_AS": limits.memory_mb << 20,
            "RLIMIT_NPROC": limits.processes,
            "RLIMIT_FSIZE": limits.disk_mb << 20,
            "RLIMIT_CORE": 0,
        }
        nice = 0 if group is not None else FALLBACK_NICE
        launcher = [
            sys.executable,
            "-I",
            "-S",
            "-c",
            _LAUNCHER,
            json.dumps(rlimits),
            str(self.uid),
            str(nice),
        ]
        prefix = group.enter_command() if group is not None else []
        return prefix + args + ["--", *launcher, *argv]

    def kernel_env(self, grader_socket):
        """The kernel's environment: nothing inherited from the grader."""
        return {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(self.kernel_package),
            "PYTHONDONTWRITEBYTECODE": "1",
            "IPYTHONDIR": "/tmp/.ipython",
            "MPLCONFIGDIR": "/tmp/.matplotlib",
            "MPLBACKEND": "Agg",
            # one thread per library: two cores serve several kernels, and threads count as
            # processes
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "AUTOGRADER_GRADER_SOCKET": str(grader_socket),
        }

    def verify(self, scratch):
        """Run a trivial command in the sandbox; raise CourseError with the reason if it fails."""
        if shutil.which("bwrap") is None:
            raise CourseError(f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}")
        workdir = Path(scratch) / "sandbox-check"
        workdir.mkdir(parents=True, exist_ok=True)
        probe = (
            "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), 1)\n"
            "except OSError:\n    print('ok')"
        )
        argv = [sys.executable, "-I", "-c", probe]
        run = subprocess.run(
            self.command(argv, workdir=workdir, env=self.kernel_env("none")),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if run.returncode != 0 or run.stdout.strip() != "ok":
            detail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no output"]
            raise CourseError(
                f"the grading sandbox does not work here ({detail[0]}); {INSTALL_HINT}, "
                "and allow user namespaces if bwrap says 'Operation not permitted'"
            )


KERNEL_TRAINING_MODULES = ("__init__.py", "forecasting.py", "negation.py", "charlm.py")
# the texts they read (ps07 task 4 trains on Genesis; the held-out text stays with the grader)
KERNEL_TRAINING_DATA = ("texts/genesis-kjv.txt", "texts/README.md")


def build_kernel_package(target):
    """Write the ``autograder`` package a grading kernel imports: remote checks, refusing
    reference.
    """
    here = Path(__file__).resolve().parent
    package = Path(target) / "autograder"
    (package / "checks").mkdir(parents=True, exist_ok=True)
    (package / "reference").mkdir(exist_ok=True)
    (package / "__init__.py").write_text('"""The course package as a grading kernel sees it."""\n')
    shutil.copyfile(here / "kernel_checks.py", package / "checks" / "__init__.py")
    shutil.copyfile(here / "wire.py", package / "checks" / "wire.py")
    shutil.copyfile(here / "numpy_only.py", package / "checks" / "numpy_only.py")
    shutil.copyfile(here / "kernel_reference.py", package / "reference" / "__init__.py")
    # the homework's data generators (numpy only, no answers in them): a notebook trains on their
    # data
    (package / "training").mkdir(exist_ok=True)
    for name in KERNEL_TRAINING_MODULES + KERNEL_TRAINING_DATA:
        (package / "training" / name).parent.mkdir(parents=True, exist_ok=True)
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
    """``--dir`` for each ancestor the sandbox lacks, world-readable (bwrap would make them
    0700).
    """
    args, seen = [], set()
    for path in paths:
        for parent in reversed(Path(path).parents):
            if (
                parent in seen
                or parent in (Path("/"), Path("/tmp"))
                or any(_inside(parent, Path(d)) for d in SYSTEM_DIRS)
            ):
                continue
            seen.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _inside(path, folder):
    return path == folder or folder in path.parents


# ----------------------------------------------------------------------------- cgroups


CGROUP_CONTROLLERS = ("cpu", "memory", "pids")
CPU_PERIOD_US = 100_000


def cgroup_layout():
    """Where this process may create cgroups: ``({"v2": folder} | {controller: folder}, "")`` for
    cgroup v2 or v1, or ``(None, reason)``."""
    try:
        mounts = [line.split() for line in Path("/proc/self/mountinfo").read_text().splitlines()]
        own = [
            line.strip().split(":", 2)
            for line in Path("/proc/self/cgroup").read_text().splitlines()
        ]
    except OSError as error:
        return None, f"cgroups cannot be read ({error})"
    for fields in mounts:
        fstype = fields[fields.index("-") + 1]
        if fstype == "cgroup2":
            path = next((p for h, c, p in own if h == "0"), None)
            folder = Path(fields[4]) / (path or "/").lstrip("/")
            if path is not None and _v2_usable(folder):
                return {"v2": folder}, ""
    found = {}
    for fields in mounts:
        fstype, options = fields[fields.index("-") + 1], fields[-1].split(",")
        for controller in CGROUP_CONTROLLERS:
            if fstype == "cgroup" and controller in options and controller not in found:
                path = next((p for h, c, p in own if controller in c.split(",")), None)
                folder = Path(fields[4]) / (path or "/").lstrip("/")
                if path is not None and os.access(folder, os.W_OK):
                    found[controller] = folder
    if set(found) == set(CGROUP_CONTROLLERS):
        return found, ""
    return (
        None,
        (
            "no writable cgroup with the cpu, memory and pids controllers (cgroup v2 delegated to "
            "this user, or cgroup v1 as root)"
        ),
    )


def _remove_stale_groups(layout):
    """Delete the empty groups of grading workers that were killed before they could (their PID is
    gone).
    """
    for folder in layout.values():
        for group in folder.glob("autograder-*-*"):
            pid = group.name.split("-")[1]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                try:
                    group.rmdir()
                except OSError:
                    pass


def _v2_usable(folder):
    """cgroup v2 with cpu, memory and pids available to children of ``folder``."""
    try:
        enabled = (folder / "cgroup.subtree_control").read_text().split()
        if not set(CGROUP_CONTROLLERS) <= set(enabled):
            if not set(CGROUP_CONTROLLERS) <= set(
                (folder / "cgroup.controllers").read_text().split()
            ):
                return False
            # Only a cgroup without processes of its own (or the root) may enable controllers below
            # it.
            (folder / "cgroup.subtree_control").write_text(
                " ".join(f"+{c}" for c in CGROUP_CONTROLLERS)
            )
        return os.access(folder, os.W_OK)
    except OSError:
        return False


@dataclass
class ResourceGroup:
    """One sandbox's cgroup (v2) or cgroups (v1: one per controller): CPU, memory, processes."""

    folders: list

    @classmethod
    def create(cls, layout, name, limits):
        quota = max(1000, int(limits.cpus * CPU_PERIOD_US))
        if "v2" in layout:
            folder = layout["v2"] / name
            folder.mkdir()
            group = cls([folder])
            settings = {
                "cpu.max": f"{quota} {CPU_PERIOD_US}",
                "cpu.weight": "100",
                "memory.max": str(limits.memory_mb << 20),
                "memory.swap.max": "0",
                "pids.max": str(limits.processes),
            }
        else:
            group = cls([])
            for controller in CGROUP_CONTROLLERS:
                folder = layout[controller] / name
                folder.mkdir()
                group.folders.append(folder)
            settings = {
                "cpu.cfs_period_us": str(CPU_PERIOD_US),
                "cpu.cfs_quota_us": str(quota),
                "cpu.shares": "1024",
                "memory.limit_in_bytes": str(limits.memory_mb << 20),
                "memory.memsw.limit_in_bytes": str(limits.memory_mb << 20),
                "pids.max": str(limits.processes),
            }
        # absent without swap accounting
        optional = ("memory.swap.max", "memory.memsw.limit_in_bytes")
        try:
            for key, value in settings.items():
                files = [f / key for f in group.folders if (f / key).exists()]
                if not files and key not in optional:
                    raise OSError(errno.ENOENT, f"no {key} in the cgroup")
                for file in files:
                    try:
                        file.write_text(value)
                    except OSError:
                        if key not in optional:
                            raise
        except OSError:
            group.remove()
            raise
        return group

    def enter_command(self):
        """A prefix that moves the command into this group, then runs it (all its children
        follow).
        """
        script = (
            'for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; shift; done;'
            ' shift; exec "$@"'
        )
        return [
            "/bin/sh",
            "-c",
            script,
            "sh",
            *[str(f / "cgroup.procs") for f in self.folders],
            "--",
        ]

    def processes(self):
        pids = set()
        for folder in self.folders:
            try:
                pids |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except OSError:
                pass
        return pids

    def remove(self):
        """Kill whatever is left in the group, then delete it."""
        for _ in range(50):
            for pid in self.processes():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            for folder in list(self.folders):
                try:
                    folder.rmdir()
                    self.folders.remove(folder)
                except FileNotFoundError:
                    self.folders.remove(folder)
                except OSError:
                    pass
            if not self.folders:
                return
            time.sleep(0.1)


# ----------------------------------------------------------------------------- private mounts


CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 1 << 14, 1 << 18
MNT_DETACH = 2


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def private_mounts():
    """Give this (single-threaded) process a mount namespace of its own, so that it may mount
    size-capped tmpfs folders that no other process sees. As an unprivileged user, the namespace
    sits in a user namespace of its own that maps only the user's own uid and gid, so files it
    writes keep their owner. Returns "" on success, else the reason it is not possible."""
    uid, gid = os.getuid(), os.getgid()
    libc = _libc()
    if libc.unshare(CLONE_NEWNS | (CLONE_NEWUSER if uid else 0)) != 0:
        return f"no private mount namespace ({os.strerror(ctypes.get_errno())})"
    try:
        if uid:
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
            Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError as error:
        return f"no user namespace for private mounts ({error})"
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return f"mounts cannot be made private ({os.strerror(ctypes.get_errno())})"
    return ""


def mount_tmpfs(path, size_kb):
    """Mount a tmpfs of ``size_kb`` at ``path`` (in this process's private mount namespace)."""
    options = f"size={size_kb}k,mode=0755".encode()
    return _libc().mount(b"tmpfs", str(path).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) == 0


def unmount(path):
    _libc().umount2(str(path).encode(), MNT_DETACH)
