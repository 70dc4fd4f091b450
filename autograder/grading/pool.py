"""Run grading workers in parallel and survive any one of them dying or hanging.

A ``concurrent.futures`` pool fails every pending task when one worker dies, so this is a small
pool of its own: each worker process takes one submission at a time over a pipe. A worker that
dies is replaced and its submission tried once more (a crash of the grader's own process is
rarely the submission's doing); one that overruns its deadline is killed, and that submission
fails with the reason. Either way the rest of the class is graded as if nothing happened.
"""

import functools
import multiprocessing
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait

from .course import CourseError
from .worker import worker_main

ATTEMPTS = 2


@dataclass
class _Slot:
    process: object
    connection: object
    ready: bool = False
    task: dict = None
    started: float = 0.0


def run_pool(job, tasks, workers, deadline, on_result, target=worker_main):
    """Grade ``tasks`` on ``workers`` processes; call ``on_result(result dict)`` as each finishes.

    ``deadline``: seconds one submission may take in a worker before the worker is killed;
    ``target(connection, job)``: the worker's main function (tests give a stand-in).
    """
    # a clean interpreter: no state forked from the caller
    context = multiprocessing.get_context("spawn")
    pending, attempts = deque(tasks), {}
    start = functools.partial(_start, context, job, target)
    slots = [start() for _ in range(min(workers, len(pending)))]
    try:
        while pending or any(slot.task for slot in slots):
            ready = wait(
                [s.connection for s in slots] + [s.process.sentinel for s in slots], timeout=1
            )
            for slot in list(slots):
                if slot.connection in ready and _receive(slot, on_result):
                    _assign(slot, pending)
                elif slot.process.sentinel in ready or _overran(slot, deadline):
                    _replace(slot, slots, start, job, pending, attempts, deadline, on_result)
    finally:
        for slot in slots:
            _stop(slot)


def _start(context, job, target):
    here, there = context.Pipe()
    process = context.Process(target=target, args=(there, job), daemon=True, name="grading-worker")
    process.start()
    there.close()
    return _Slot(process, here)


def _receive(slot, on_result):
    """Handle one message; True when the slot can take another task."""
    try:
        kind, payload = slot.connection.recv()
    except (EOFError, OSError):
        return False  # the worker died: its sentinel says so next
    if kind == "failed":
        raise CourseError(f"a grading worker could not start: {payload}")
    if kind == "done":
        slot.task = None
        on_result(payload)
    slot.ready = True
    return True


def _assign(slot, pending):
    if pending and slot.task is None:
        slot.task, slot.started = pending.popleft(), time.monotonic()
        slot.connection.send(slot.task)


def _overran(slot, deadline):
    return slot.task is not None and time.monotonic() - slot.started > deadline


def _replace(slot, slots, start, job, pending, attempts, deadline, on_result):
    """A worker died or overran: settle its submission, then start a fresh worker if needed."""
    overran = _overran(slot, deadline)
    _stop(slot)
    slots.remove(slot)
    if not slot.ready and slot.task is None:
        raise CourseError(
            f"a grading worker stopped while starting (exit code {slot.process.exitcode}); "
            f"see {job['worker_log']}"
        )
    task = slot.task
    if task is not None:
        student = task["student_id"]
        attempts[student] = attempts.get(student, 0) + 1
        if overran:
            on_result(
                _failed(
                    task,
                    f"grading took longer than {deadline:g} s; the grading process was stopped",
                )
            )
        elif attempts[student] < ATTEMPTS:
            pending.appendleft(task)
        else:
            on_result(
                _failed(
                    task,
                    "the grading process stopped while grading this submission "
                    f"(exit code {slot.process.exitcode})",
                )
            )
    if pending:
        slots.append(start())


def _failed(task, problem):
    return {
        "student_id": task["student_id"],
        "sha256": task["sha256"],
        "score": 0.0,
        "cells": {},
        "messages": {},
        "problem": problem,
        "notes": [],
        "seconds": 0.0,
    }


def _stop(slot):
    """Ask a worker to finish; kill it if it does not (its sandboxed kernel dies with it)."""
    if slot.process.is_alive():
        try:
            if slot.task is None:
                slot.connection.send(None)
                slot.process.join(timeout=10)
        except (OSError, BrokenPipeError):
            pass
        if slot.process.is_alive():
            slot.process.kill()
    slot.process.join(timeout=10)
    slot.connection.close()
