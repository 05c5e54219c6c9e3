"""Where submissions are trained: in this process, or in a pool of worker processes.

Both satisfy :class:`~.base.EvaluationBackend` (the signature and its contract are in :mod:`.base`).
Register more with :func:`register_backend`; an unknown name ``X`` is looked up by importing
``bounty_client.ml.evaluation.X_backend`` (which registers itself), so a Ray backend can live in its
own module.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_any
from typing import Any, Mapping, Sequence

import numpy as np

from ...errors import ArgumentError, EvaluationError
from .base import EvaluationBackend, ResultCallback, Worker
from .status import SubmissionStatus
from .worker import failure, init_worker

__all__ = [
    "Backend",
    "EvaluationBackend",
    "BACKENDS",
    "WorkerStartupError",
    "register_backend",
    "get_backend",
    "run_sequential",
    "run_processes",
    "threads_per_worker",
]

#: Tries a run gets when it exceeds its time limit (the first + one retry).
TIMEOUT_TRIES = 2
#: Tries a run gets when its worker process dies (the first + one retry alone).
CRASH_TRIES = 2

SPAWN_GUARD_HINT = (
    "a script that calls evaluate(..., workers=N) must do so under `if __name__ == \"__main__\":` "
    "(worker processes are spawned and re-import the main module; without the guard each worker "
    "re-runs the script and dies before it starts)"
)


class WorkerStartupError(EvaluationError):
    """Raised when evaluation worker processes die before they are ready (before any task runs).

    The usual cause is a script without an ``if __name__ == "__main__":`` guard; the message
    names it, the exit codes and the first lines the worker printed.
    """

#: The backend type (an alias kept for callers that name it).
Backend = EvaluationBackend
BACKENDS: dict[str, EvaluationBackend] = {}


def register_backend(name: str, backend: EvaluationBackend) -> None:
    """Make ``evaluate(..., backend=name)`` use ``backend``."""
    BACKENDS[name] = backend


def get_backend(name: str) -> EvaluationBackend:
    if name not in BACKENDS:
        try:
            importlib.import_module(f"{__package__}.{name}_backend")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}_backend":
                raise
    if name not in BACKENDS:
        raise ArgumentError(f"backend: unknown backend {name!r}; known: {sorted(BACKENDS)}")
    return BACKENDS[name]


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Intra-op threads for each of ``workers`` processes: ``max(1, cores // workers)``."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, workers))


class _RunTimeout(BaseException):
    """Raised in this thread by SIGALRM when a sequential run exceeds its time limit.

    A ``BaseException`` so that the worker's ``except Exception`` (which turns a
    submission's error into a ``failed`` result) does not swallow it.
    """


def _timeout_status(task: Mapping[str, Any], tries: int, seconds: float) -> dict[str, Any]:
    return failure(task["submission_id"], SubmissionStatus.TIMEOUT,
                   f"seed {task.get('seed')}: exceeded the run time limit of {task.get('timeout_s'):g}s on each of "
                   f"{tries} tries; this evaluation cannot be posted (raise timeout_s or use a faster machine)",
                   seconds, seed=task.get("seed"))


def _call_with_alarm(worker: Worker, payload: dict[str, Any],
                     timeout_s: float | None) -> dict[str, Any]:
    """``worker(payload)``, interrupted by SIGALRM after ``timeout_s`` seconds (main thread, POSIX)."""
    usable = (timeout_s is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        return worker(payload)

    def on_alarm(signum, frame):
        raise _RunTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(timeout_s))
    try:
        return worker(payload)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_sequential(
    tasks: Sequence[dict[str, Any]],
    dataset: Mapping[str, np.ndarray],
    *,
    workers: int = 1,
    worker: Worker,
    on_result: ResultCallback,
) -> None:
    """Train one run after the other in this process (TF uses every core).

    A run's ``timeout_s`` is enforced with ``SIGALRM`` (POSIX, main thread): Python code
    (Keras' training loop between batches) is interrupted; a single native call that
    hangs ends first.  Elsewhere (a non-main thread, Windows) use ``backend="processes"``
    for a hard limit.
    """
    for task in tasks:
        started = time.perf_counter()
        timeout_s = task.get("timeout_s")
        for attempt in range(1, TIMEOUT_TRIES + 1):
            try:
                result = _call_with_alarm(worker, dict(task, dataset=dataset), timeout_s)
            except _RunTimeout:
                if attempt < TIMEOUT_TRIES:
                    continue
                result = _timeout_status(task, TIMEOUT_TRIES, time.perf_counter() - started)
            except Exception as exc:  # a custom worker that raises still must not stop the others
                result = failure(task["submission_id"], SubmissionStatus.FAILED, f"{type(exc).__name__}: {exc}",
                                 time.perf_counter() - started, seed=task.get("seed"))
            break
        on_result(result)


# --------------------------------------------------------------------------- process pool
# Our own small pool rather than concurrent.futures.ProcessPoolExecutor or
# multiprocessing.Pool: neither can stop ONE running task (a run past its time limit
# must be killed and retried), neither says when a task really started (the clock
# must start then, not when it was queued), and with a missing __main__ guard
# ProcessPoolExecutor waits forever while multiprocessing.Pool respawns dying
# workers forever.  Each worker here owns one pipe; the parent waits on the pipes,
# the process sentinels and the next deadline, so it never blocks on a dead process.

def _worker_main(conn: Any, dataset: Mapping[str, np.ndarray], intra: int,
                 worker: Worker) -> None:
    """Entry point of a spawned worker process: initialize, say ready, then run tasks until told to stop."""
    init_worker(dataset, intra, 1)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent went away
            return
        if task is None:
            return
        try:
            conn.send(("result", worker(task)))
        except Exception as exc:  # a custom worker that raises (score_submission does not)
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


@dataclass
class _Slot:
    """One worker process and what it is doing."""

    process: Any
    conn: Any
    ready: bool = False
    task: dict[str, Any] | None = None
    started: float = 0.0
    #: Architectures this process has built (its compiled-model cache, see model.py).
    built: set[tuple] = field(default_factory=set)

    @property
    def deadline(self) -> float | None:
        if self.task is None or self.task.get("timeout_s") is None:
            return None
        return self.started + float(self.task["timeout_s"])


@dataclass
class _Pool:
    """Spawned worker processes, each running one task at a time (see the comment above)."""

    dataset: Mapping[str, np.ndarray]
    intra: int
    worker: Worker
    slots: list[_Slot] = field(default_factory=list)

    def start(self) -> _Slot:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(target=_worker_main, args=(child, dict(self.dataset), self.intra, self.worker),
                              daemon=True, name="bounty-eval-worker")
        process.start()
        child.close()
        slot = _Slot(process, parent)
        self.slots.append(slot)
        return slot

    def stop(self, slot: _Slot, *, kill: bool = False) -> None:
        """Stop ``slot``'s process (politely unless ``kill``) and forget it."""
        if slot in self.slots:
            self.slots.remove(slot)
        if not kill and slot.process.is_alive():
            try:
                slot.conn.send(None)
            except (OSError, BrokenPipeError):
                kill = True
            slot.process.join(timeout=10)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join(timeout=10)
        slot.conn.close()

    def close(self, *, kill: bool = False) -> None:
        for slot in list(self.slots):
            self.stop(slot, kill=kill)


def _startup_error(dead: Sequence[Any]) -> WorkerStartupError:
    codes = sorted({p.exitcode for p in dead}, key=str)
    return WorkerStartupError(
        f"evaluation worker processes exited before they started (exit code {', '.join(map(str, codes))}). "
        f"Most likely {SPAWN_GUARD_HINT}. Otherwise run with workers=1 to see the error in this process."
    )


def run_processes(
    tasks: Sequence[dict[str, Any]],
    dataset: Mapping[str, np.ndarray],
    *,
    workers: int = 2,
    worker: Worker,
    on_result: ResultCallback,
) -> None:
    """Train in ``workers`` spawned processes, each with ``cores // workers`` TF threads.

    * A worker process that dies while training (segfault, out of memory, ``os._exit``)
      loses only its run: the run is retried once after the others, alone, in a fresh
      process; if that process dies too the run is ``crashed``.  Finished results are kept.
    * A run past its ``timeout_s`` (from the moment its worker received it) is killed with
      its process and retried once, alone, after the others; a second overrun is ``timeout``.
    * Workers that die before they are ready (e.g. a script without an
      ``if __name__ == "__main__":`` guard) raise :class:`WorkerStartupError` at once.
    * Nothing waits forever on a dead process; Ctrl-C kills the workers at once.
    """
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # We are a spawned worker re-running the main script (no __main__ guard): say so in
        # one line and exit, instead of multiprocessing's long traceback; the parent then
        # raises WorkerStartupError.
        raise SystemExit(f"bounty_client: worker process stopped: {SPAWN_GUARD_HINT}")
    if not tasks:
        return
    workers = max(1, min(int(workers), len(tasks)))
    intra = threads_per_worker(workers)
    retry: list[tuple[dict[str, Any], str]] = []  # (task, "crash" | "timeout")
    _run_pool(list(tasks), dataset, workers, intra, worker, on_result, retry)
    # Retries run alone, one at a time, with the same thread count (same numerics).
    for task, why in retry:
        again: list[tuple[dict[str, Any], str]] = []
        _run_pool([task], dataset, 1, intra, worker, on_result, again)
        for task2, why2 in again:
            if why2 == "timeout":
                on_result(_timeout_status(task2, TIMEOUT_TRIES, 0.0))
            else:
                on_result(failure(task2["submission_id"], SubmissionStatus.CRASHED,
                                  "the worker process died while training this submission (also when re-run alone)",
                                  seed=task2.get("seed")))


def _architecture(task: Mapping[str, Any]) -> tuple:
    """What decides whether a process can re-use its compiled model for ``task``: every
    hyperparameter except the learning rate (see ``model.architecture_key``; all tasks of
    one evaluation share the window shape)."""
    hp = task.get("hyperparameters") or {}
    return tuple(sorted((k, str(v)) for k, v in hp.items() if k != "learning_rate"))


def _next_task(queue: list[dict[str, Any]], slot: _Slot, slots: Sequence[_Slot]) -> dict[str, Any]:
    """Take ``slot``'s next task from ``queue`` (next task last).

    Model re-use is per process (issue 13: a cold build costs 1-2.5 s, a re-used one about
    0.1 s), so a free process takes, in the queue's order (longest first): a task of an
    architecture it has already built; else one that no other process has built or is
    building; else the next one.  The seeds of one submission thus stay in one process
    while there is other work for the rest, instead of every process building every
    submission.  Scores do not depend on the process (bit-identical, tested).
    """
    others = set().union(*(s.built for s in slots if s is not slot))
    fallback = None
    for index in range(len(queue) - 1, -1, -1):
        arch = _architecture(queue[index])
        if arch in slot.built:
            return queue.pop(index)
        if fallback is None and arch not in others:
            fallback = index
    return queue.pop(fallback if fallback is not None else len(queue) - 1)


def _run_pool(
    tasks: list[dict[str, Any]],
    dataset: Mapping[str, np.ndarray],
    workers: int,
    intra: int,
    worker: Worker,
    on_result: ResultCallback,
    retry: list[tuple[dict[str, Any], str]],
) -> None:
    """Run ``tasks`` on ``workers`` processes; runs that crash or overrun go to ``retry``."""
    pool = _Pool(dataset, intra, worker)
    queue = list(reversed(tasks))  # pop() keeps the caller's order
    try:
        for _ in range(workers):
            pool.start()
        while queue or any(s.task is not None for s in pool.slots):
            for slot in pool.slots:  # hand out work
                if slot.ready and slot.task is None and queue:
                    slot.task = _next_task(queue, slot, pool.slots)
                    slot.built.add(_architecture(slot.task))
                    slot.started = time.monotonic()
                    slot.conn.send(slot.task)
            deadlines = [d for d in (s.deadline for s in pool.slots) if d is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            waitables = [s.conn for s in pool.slots] + [s.process.sentinel for s in pool.slots]
            wait_any(waitables, timeout=timeout)
            for slot in list(pool.slots):
                message = None
                try:
                    if slot.conn.poll():
                        message = slot.conn.recv()
                except (EOFError, OSError):
                    message = None
                if message is not None:
                    kind, value = message
                    if kind == "ready":
                        slot.ready = True
                    elif kind == "result":
                        slot.task = None
                        on_result(value)
                    else:  # "error": the worker function raised
                        task, slot.task = slot.task, None
                        on_result(failure(task["submission_id"], SubmissionStatus.FAILED, value,
                                          time.monotonic() - slot.started, seed=task.get("seed")))
                    continue
                if not slot.process.is_alive():
                    slot.process.join()
                    if not slot.ready:
                        dead = [s.process for s in pool.slots if not s.ready and not s.process.is_alive()]
                        raise _startup_error(dead or [slot.process])
                    if slot.task is not None:
                        retry.append((slot.task, "crash"))
                    pool.stop(slot, kill=True)
                    if queue:
                        pool.start()
                    continue
                if slot.deadline is not None and time.monotonic() >= slot.deadline:
                    retry.append((slot.task, "timeout"))
                    slot.task = None
                    pool.stop(slot, kill=True)
                    if queue:
                        pool.start()
    except BaseException:
        pool.close(kill=True)
        raise
    # Every task is done and the workers are idle: end them at once.  A polite stop waits for
    # each interpreter to tear TensorFlow down (about 1.5-3.5 s on 2 cores, measured), which the
    # caller would wait for with nothing left to gain.
    pool.close(kill=True)


register_backend("sequential", run_sequential)
register_backend("processes", run_processes)
