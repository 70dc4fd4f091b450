"""Executing a submission for nbgrader: a sandboxed kernel, time and output limits, trusted
verdicts.

``GradingExecute`` replaces nbgrader's ``Execute`` preprocessor in autograde. It starts the kernel
through ``SandboxedKernelManager`` (bubblewrap, ipc sockets), keeps each cell and the whole
notebook within their time limits, keeps at most ``Limits.output_kb`` of each cell's output, and
carries on after a crash or exit: the cells already run keep their verdicts, later ones are marked
as not run. Finally each grade cell's outputs become the verdicts the check service recorded, so
the scores nbgrader saves are the grader's, not what the kernel printed.
"""

import asyncio
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import zmq
import zmq.asyncio
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.utils import ensure_async
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade

from ..checks._undefined import explained_outputs
from .checks_service import plan_grade_cell
from .sandbox import INTERRUPT_GRACE_SECONDS

# larger messages end the client's channel: only hostile ones are
MAX_KERNEL_MESSAGE_BYTES = 128 << 20


@dataclass
class KernelRoom:
    """Everything one submission's kernel is given, and what its execution reports back."""

    sandbox: object  # sandbox.Sandbox
    service: object  # checks_service.CheckService
    grader_dir: Path  # read-only in the sandbox: connection file and the check service's socket
    ipc_dir: Path  # writable in the sandbox: the kernel's own sockets
    workdir: Path  # where the kernel starts (a private tmpfs at this path)
    workdir_files: list = field(default_factory=list)  # assignment files copied into it
    # the kernel's stderr (capped by the file size limit and the room's tmpfs)
    kernel_log: Path = None
    group: object = None  # sandbox.ResourceGroup the kernel runs in, or None
    output_bytes: int = 1 << 20  # output kept per cell
    notes: list = field(default_factory=list)  # what went wrong, for the grading log


class SandboxedKernelManager(AsyncKernelManager):
    """A Python kernel started inside the sandbox, reached over unix sockets.

    Whatever kernel the notebook names, this starts the course's Python kernel (nbgrader also
    restores the source's kernelspec). Interrupts are sent as messages: a signal to bubblewrap
    would end the sandbox rather than interrupt the cell.
    """

    def __init__(self, room, **kwargs):
        super().__init__(
            transport="ipc",
            ip=str(room.ipc_dir / "kernel"),
            connection_file=str(room.grader_dir / "kernel.json"),
            kernel_name="python3",
            **kwargs,
        )
        self.room = room

    @property
    def kernel_spec(self):
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            name="python3",
            display_name="Python 3 (grading sandbox)",
            language="python",
            interrupt_mode="message",
        )

    def format_kernel_cmd(self, extra_arguments=None):
        room = self.room
        return room.sandbox.command(
            super().format_kernel_cmd(extra_arguments),
            workdir=room.workdir,
            readonly=[room.grader_dir],
            writable=[room.ipc_dir],
            workdir_files=room.workdir_files,
            group=room.group,
            env=room.sandbox.kernel_env(room.service.socket_path),
        )

    def client(self, **kwargs):
        """A client on a zmq context of its own, whose sockets drop any oversized message.

        Output beyond ``Limits.output_kb`` is dropped as it arrives, but one enormous message
        would first be read whole into the grader's memory; zmq refuses it at the socket instead.
        zmq then drops that connection for good, so the notebook's later output is lost and each
        later cell waits out ``iopub_timeout``; its grade is unaffected (verdicts travel apart).
        """
        self.client_context = zmq.asyncio.Context()
        self.client_context.setsockopt(
            zmq.MAXMSGSIZE, max(MAX_KERNEL_MESSAGE_BYTES, 4 * self.room.output_bytes)
        )
        return super().client(context=self.client_context, **kwargs)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        self.room.sandbox.hand_over(self.connection_file, 0o600)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["stdin"] = kw["stdout"] = subprocess.DEVNULL
        with open(self.room.kernel_log, "ab") as log:  # the child keeps its own descriptor
            kw["stderr"] = log
            await super()._async_launch_kernel(kernel_cmd, **kw)


class GradingExecute(Execute):
    """nbgrader's Execute, sandboxed and limited; grade cells end with the grader's verdicts."""

    room = None  # a KernelRoom and sandbox.Limits, set on a class made for one submission
    limits = None

    @classmethod
    def for_room(cls, room, limits):
        """A subclass bound to one submission's kernel room.

        nbgrader builds its preprocessors from classes in its configuration (and traitlets copies
        configuration values), so the per-submission state travels as class attributes.
        """
        return type(cls.__name__, (cls,), {"room": room, "limits": limits})

    # --- the kernel

    def create_kernel_manager(self):
        self.kernel_name = "python3"
        self.km = SandboxedKernelManager(self.room, config=self.config)
        return self.km

    async def _async_cleanup_kernel(self):
        manager = self.km
        try:
            await super()._async_cleanup_kernel()
        finally:  # the client's channels are stopped by now: its context can go
            context = getattr(manager, "client_context", None)
            if context is not None:
                context.destroy(linger=0)

    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    # --- the notebook and its cells

    def preprocess(self, nb, resources=None, km=None):
        self.deadline = time.monotonic() + self.limits.notebook_timeout
        self.stopped = None  # why the remaining cells are not run
        self.not_run = {}  # cell index -> reason
        self.output_bytes = {}
        self.total_output_bytes = 0
        self.notebook_cut = False
        self.cell_number = 0
        nb, resources = super().preprocess(nb, resources, km)
        self._apply_verdicts(nb)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self.stopped is None and time.monotonic() >= self.deadline:
            self._stop(
                f"the notebook's time limit of {self.limits.notebook_timeout:g} s was reached"
            )
        if self.stopped is not None:
            cell.outputs = []
            self.not_run[index] = self.stopped
            return cell, resources
        self.cell_number = index + 1
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id") if is_grade(cell) else None
        self.room.service.begin_cell(grade_id, plan_grade_cell(cell.source) if grade_id else None)
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stop(
                f"the kernel stopped during cell {index + 1} (it exited, was killed, or ran out of"
                " memory)"
            )
            cell.outputs.append(_error_output("DeadKernelError", self.stopped))
        except Exception as error:  # lost contact with the kernel in some other way
            self._stop(
                f"the grader lost contact with the kernel during cell {index + 1} "
                f"({type(error).__name__}: {error})"
            )
            cell.outputs.append(_error_output(type(error).__name__, self.stopped))
        finally:
            self.room.service.end_cell()
        return cell, resources

    def _stop(self, reason):
        if self.stopped is None:
            self.stopped = reason
            self.room.notes.append(reason + "; later cells were not run")

    def _get_timeout(self, cell):
        remaining = self.deadline - time.monotonic()
        return max(1, int(min(self.limits.cell_timeout, remaining) + 0.999))

    async def _async_handle_timeout(self, timeout, cell=None):
        """Interrupt the cell; if it does not stop within a grace period, stop the kernel."""
        whole_notebook = time.monotonic() >= self.deadline - 1
        limit = (
            f"the notebook's time limit of {self.limits.notebook_timeout:g} s"
            if whole_notebook
            else f"the time limit of {self.limits.cell_timeout:g} s per cell"
        )
        await ensure_async(self.km.interrupt_kernel())
        if whole_notebook or not await self._replied_within(INTERRUPT_GRACE_SECONDS):
            message = f"this cell ran past {limit} and did not stop when interrupted"
            self._stop(
                f"cell {self.cell_number} ran past {limit} and did not stop when interrupted"
            )
            await self._kill_kernel()
        else:
            message = f"this cell ran past {limit} and was interrupted"
            self.room.notes.append(f"cell {self.cell_number} ran past {limit} and was interrupted")
        return {
            "content": {
                "status": "error",
                "ename": "CellTimeoutError",
                "evalue": message,
                "traceback": [f"CellTimeoutError: {message}"],
            }
        }

    async def _replied_within(self, seconds):
        """Wait for the interrupted cell's reply (the only request outstanding)."""
        try:
            await ensure_async(self.kc.shell_channel.get_msg(timeout=seconds))
        except Exception:  # queue.Empty: no reply in time
            return False
        return True

    async def _kill_kernel(self):
        try:
            await ensure_async(self.km.signal_kernel(signal.SIGKILL))
        except Exception:  # already gone
            pass
        await asyncio.sleep(0.1)

    # --- outputs

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most ``output_kb`` of one cell's output; drop the rest as it arrives."""
        if not self._within_cap(cell_index, _content_size(msg.get("content", {})), outs):
            return None
        return super().output(outs, msg, display_id, cell_index)

    def on_cell_executed(self, **kwargs):
        """nbgrader adds the execute reply's error to the cell when no output shows it (a timeout,
        or an error output that was cut): that error counts against the caps too, and is shortened
        when it does not fit."""
        reply, cell = kwargs.get("execute_reply") or {}, kwargs.get("cell")
        content = reply.get("content", {})
        if (
            content.get("status") == "error"
            and cell is not None
            and not any(
                o.get("output_type") == "error" and o.get("ename") == content.get("ename")
                for o in cell.outputs
            )
        ):
            error = {key: content.get(key) for key in ("ename", "evalue", "traceback")}
            if not self._within_cap(
                kwargs.get("cell_index", self.cell_number - 1), _content_size(error), cell.outputs
            ):
                ename, evalue = str(content.get("ename"))[:100], str(content.get("evalue"))[:1000]
                short = {
                    **content,
                    "ename": ename,
                    "evalue": evalue + " [cut]",
                    "traceback": [f"{ename}: {evalue} [cut]"],
                }
                kwargs["execute_reply"] = {**reply, "content": short}
        return super().on_cell_executed(**kwargs)

    def _update_display_id(self, display_id, msg):
        """``update_display_data`` rewrites every earlier output shown with ``display_id``.

        nbclient applies it without passing through ``output``; here it counts against the cap of
        the cell that sends it once for each output it would rewrite, so it cannot grow a notebook
        beyond what printing the same data would.
        """
        places = sum(len(indices) for indices in self._display_id_map.get(display_id, {}).values())
        index = self.cell_number - 1
        if places and self._within_cap(
            index, places * _content_size(msg.get("content", {})), self.nb.cells[index].outputs
        ):
            super()._update_display_id(display_id, msg)

    def _within_cap(self, cell_index, size, outs):
        """Count ``size`` bytes of output for a cell and the notebook; False once either cap is
        passed (output that is cut does not count against the notebook's total).
        """
        used = self.output_bytes.get(cell_index, 0)
        self.output_bytes[cell_index] = used + size
        cap, total_cap = self.limits.output_kb << 10, self.limits.notebook_output_kb << 10
        total = self.total_output_bytes
        if used + size <= cap and total + size <= total_cap:
            self.total_output_bytes = total + size
            return True
        # the first output cut in this cell: say so in the cell, and once in the log
        if used <= cap:
            whole = used + size <= cap
            what = (
                f"the notebook printed more than {self.limits.notebook_output_kb} KB in all"
                if whole
                else f"this cell printed more than {self.limits.output_kb} KB"
            )
            note = f"\n[output truncated: {what}]\n"
            outs.append(new_output("stream", name="stdout", text=note))
            if not (whole and self.notebook_cut):
                self.room.notes.append(
                    f"cell {cell_index + 1}: {note.strip()[1:-1]}"
                    + ("; later cells' output is cut too" if whole else "")
                )
            self.notebook_cut = self.notebook_cut or whole
            # later outputs of the cell are cut without another note
            self.output_bytes[cell_index] = cap + 1
        return False

    def handle_comm_msg(self, outs, msg, cell_index):
        """Widgets are not part of grading; their messages are ignored (and cannot fill memory)."""
        return None

    def _apply_verdicts(self, nb):
        service = self.room.service
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not is_grade(cell):
                continue
            grade_id = cell.metadata.nbgrader.get("grade_id")
            plan = plan_grade_cell(cell.source)
            if plan is None:
                self.room.notes.append(
                    f"{grade_id}: judged in the kernel (the cell does more than call checks)"
                )
                continue
            # why a name is undefined
            kernel_outputs = explained_outputs(cell.get("outputs"), nb.cells[:index])
            cell.outputs = service.outputs_for(
                grade_id,
                plan,
                kernel_outputs,
                self.not_run.get(index),
                cell.metadata.nbgrader.get("points"),
            )


def _content_size(value, budget=1 << 40):
    """Roughly how many bytes an output message adds to the notebook: every string in it
    (text, data, metadata, ename, evalue, traceback), keys included."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(len(str(k)) + _content_size(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return sum(_content_size(v) for v in value) + len(value)
    return 8


def _error_output(ename, text):
    return new_output("error", ename=ename, evalue=text, traceback=[f"{ename}: {text}"])
