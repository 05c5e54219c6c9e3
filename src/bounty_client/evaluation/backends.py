"""Where submissions are trained: in this process, or in a pool of worker processes.

A backend is a function ``backend(tasks, dataset, *, workers, worker, on_result)``:

* ``tasks``: payload dicts (see :mod:`.worker`) without the dataset;
* ``dataset``: the six arrays, to ship to wherever ``worker`` runs;
* ``worker``: a picklable, module-level function ``payload -> result dict``
  (normally :func:`.worker.score_submission`);
* ``on_result``: called in *this* process once per finished task with its result dict.

A backend should call ``on_result`` for every task; ``evaluate`` marks any task it
never reported as ``crashed``.  Register more with :func:`register_backend`; an
unknown name ``X`` is looked up by importing ``bounty_client.evaluation.X_backend``
(which registers itself), so a Ray backend can live in its own module.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .worker import failure, init_worker

__all__ = ["Backend", "BACKENDS", "register_backend", "get_backend", "run_sequential", "run_processes", "threads_per_worker"]

Backend = Callable[..., None]
BACKENDS: dict[str, Backend] = {}


def register_backend(name: str, backend: Backend) -> None:
    """Make ``evaluate(..., backend=name)`` use ``backend``."""
    BACKENDS[name] = backend


def get_backend(name: str) -> Backend:
    if name not in BACKENDS:
        try:
            importlib.import_module(f"{__package__}.{name}_backend")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}_backend":
                raise
    if name not in BACKENDS:
        raise ValueError(f"backend: unknown backend {name!r}; known: {sorted(BACKENDS)}")
    return BACKENDS[name]


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Intra-op threads for each of ``workers`` processes: ``max(1, cores // workers)``."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, workers))


def run_sequential(
    tasks: Sequence[dict[str, Any]],
    dataset: Mapping[str, np.ndarray],
    *,
    workers: int = 1,
    worker: Callable[[Mapping[str, Any]], dict[str, Any]],
    on_result: Callable[[dict[str, Any]], None],
) -> None:
    """Train one submission after the other in this process (TF uses every core)."""
    for task in tasks:
        started = time.perf_counter()
        try:
            result = worker(dict(task, dataset=dataset))
        except Exception as exc:  # a custom worker that raises still must not stop the others
            result = failure(task["submission_id"], "failed", f"{type(exc).__name__}: {exc}",
                             time.perf_counter() - started)
        on_result(result)


def _pool(workers: int, dataset: Mapping[str, np.ndarray], intra: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(dict(dataset), intra, 1),  # pickled once per worker process, not per task
    )


def run_processes(
    tasks: Sequence[dict[str, Any]],
    dataset: Mapping[str, np.ndarray],
    *,
    workers: int = 2,
    worker: Callable[[Mapping[str, Any]], dict[str, Any]],
    on_result: Callable[[dict[str, Any]], None],
) -> None:
    """Train in ``workers`` spawned processes, each with ``cores // workers`` TF threads.

    A worker process that dies (segfault, out of memory, ``os._exit``) breaks the
    pool; results already finished are kept, and every task that had not finished
    is re-run alone in a fresh single-worker process, one at a time, so the task
    that kills its process is identified (status ``crashed``) and the others are
    still scored.  Nothing waits forever on a dead process.
    """
    if not tasks:
        return
    workers = max(1, min(int(workers), len(tasks)))
    intra = threads_per_worker(workers)
    unfinished: list[dict[str, Any]] = []
    pool = _pool(workers, dataset, intra)
    try:
        futures: dict[Future, dict[str, Any]] = {pool.submit(worker, task): task for task in tasks}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                exc = fut.exception()
                if exc is None:
                    on_result(fut.result())
                elif isinstance(exc, BrokenProcessPool):
                    unfinished.append(futures[fut])
                else:  # the worker raised (a custom worker; score_submission does not)
                    on_result(failure(futures[fut]["submission_id"], "failed", f"{type(exc).__name__}: {exc}"))
    except BaseException:  # KeyboardInterrupt in a notebook: stop our workers now, not after their tasks
        _terminate(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if unfinished:
        _run_isolated(unfinished, dataset, worker=worker, on_result=on_result, intra=threads_per_worker(1))


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Terminate the worker processes this pool started (and only those)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.join(timeout=5)


def _run_isolated(
    tasks: Sequence[dict[str, Any]],
    dataset: Mapping[str, np.ndarray],
    *,
    worker: Callable[[Mapping[str, Any]], dict[str, Any]],
    on_result: Callable[[dict[str, Any]], None],
    intra: int,
) -> None:
    """Re-run tasks one at a time in a single-worker pool; a task that breaks it is ``crashed``."""
    pool: ProcessPoolExecutor | None = None
    try:
        for task in tasks:
            if pool is None:
                pool = _pool(1, dataset, intra)
            started = time.perf_counter()
            fut = pool.submit(worker, task)
            try:
                on_result(fut.result())
            except BrokenProcessPool:
                on_result(
                    failure(
                        task["submission_id"],
                        "crashed",
                        "the worker process died while training this submission (also when re-run alone)",
                        time.perf_counter() - started,
                    )
                )
                pool.shutdown(wait=True, cancel_futures=True)
                pool = None
            except Exception as exc:
                on_result(failure(task["submission_id"], "failed", f"{type(exc).__name__}: {exc}"))
    except BaseException:
        if pool is not None:
            _terminate(pool)
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


register_backend("sequential", run_sequential)
register_backend("processes", run_processes)
