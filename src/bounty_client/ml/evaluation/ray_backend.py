"""Score submissions on a Ray cluster: ``evaluate(..., backend="ray")``.

Importing this module registers the ``"ray"`` backend (``get_backend("ray")``
imports it on first use, so ``import bounty_client`` never imports Ray)::

    from bounty_client.ml.evaluation import evaluate
    from bounty_client.ml.evaluation.ray_backend import connect

    connect("ray://head:10001")          # or "auto", or None for a local runtime
    result = evaluate(submissions, dataset, spec, backend="ray")

How a run works (:class:`RayBackend`):

* The six arrays are ``ray.put`` **once**; every task gets the reference, so
  each node fetches them once into its object store and the tasks on it read
  them there without copying.
* Each submission is **one Ray task** needing ``num_cpus`` CPUs (default 1);
  TensorFlow inside it uses ``num_cpus`` intra-op threads.  Tasks are scheduled
  with the ``SPREAD`` strategy so every node gets work, and are dispatched only
  while a CPU slot is free (``cluster CPUs // num_cpus`` in flight), largest
  first as ``evaluate`` orders them.
* Results come back with ``ray.wait`` **in completion order** and go straight to
  ``on_result``: the progress bar, leaderboard and report are the same as with
  the local backends.  Each result dict also carries ``node`` (the Ray node id
  that produced it); :attr:`RayBackend.nodes` keeps them after the run.
* **Fault tolerance.**  A task whose worker process or node dies (segfault,
  out-of-memory kill, lost node) is re-run up to ``max_retries`` times (default
  2); one that dies on every try is reported ``crashed`` with score 0 and the
  reason.  An exception raised by the worker function is not retried (training
  is deterministic: it would fail again) and is reported ``failed``.  A task
  without a result ``timeout_s`` seconds after it was dispatched is force-cancelled
  (its worker process is killed) and dispatched once more; a second overrun is
  reported ``timeout``, which is *not postable*: the evaluation is then incomplete
  and ``EvaluationResult.scores()`` refuses it (a score must never depend on how fast
  a machine is).  The loop always wakes up for the next deadline, so a run never
  hangs on a lost task.

Scores are bit-identical to the ``sequential`` and ``processes`` backends when
the Ray workers run on the same CPU model with the same software versions (the
same conditions as for separate local processes; see :mod:`bounty_client.ml.model`).
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ...errors import ArgumentError
from .backends import TIMEOUT_TRIES, register_backend
from .base import ResultCallback, Worker
from .status import SubmissionStatus
from .worker import failure

__all__ = ["RayBackend", "connect", "run_ray"]

#: Tries of ``ray.init`` for a Ray Client address (``ray://``); see :func:`connect`.
CLIENT_INIT_TRIES = 2
#: Longest a submission may take by default (seconds, dispatch to result, all tries).
DEFAULT_TIMEOUT_S = 3600.0


def connect(address: "str | None" = None, **init_kwargs: Any) -> dict[str, Any]:
    """Initialize Ray for this process once, and describe the cluster.

    ``address``: ``None`` = the cluster named by ``$RAY_ADDRESS`` if set, else a new
    local runtime with ``num_cpus = os.cpu_count()``; ``"auto"`` = the cluster
    already running on this machine (``ray start --head``); ``"local"`` = always a
    new local runtime; ``"ray://host:port"`` = a remote cluster through Ray Client;
    any other ``ray.init`` address (``"host:6379"``) works too.
    ``init_kwargs`` go to ``ray.init`` (e.g. ``num_cpus``, ``object_store_memory``,
    ``runtime_env``, ``log_to_driver``).  If Ray is already initialized in this
    process (by an earlier call, or by the caller's own ``ray.init``), it is reused
    as it is and ``address``/``init_kwargs`` are ignored.

    Returns ``{"address", "nodes", "cpus"}`` of the cluster in use.  A Ray Client init that
    fails with ``ConnectionAbortedError`` is tried :data:`CLIENT_INIT_TRIES` times in all (a
    race inside Ray's client proxier, see the comment below); other errors propagate at once.
    """
    if address is not None and (not isinstance(address, str) or not address.strip()):
        raise ArgumentError(f"address: must be None, 'auto', 'local' or a Ray address such as 'ray://host:10001', "
                         f"got {address!r}")
    from ...quiet import quiet

    quiet()  # usage stats and metrics collection off for runtimes started here
    import ray

    if not ray.is_initialized():
        if address is None:
            address = os.environ.get("RAY_ADDRESS") or "local"
        kwargs: dict[str, Any] = {}
        if address == "local":  # a runtime of our own: size it and keep it quiet
            kwargs.update(num_cpus=os.cpu_count() or 1, include_dashboard=False)
        kwargs.update(init_kwargs)
        for attempt in range(1, CLIENT_INIT_TRIES + 1):
            try:
                with warnings.catch_warnings():  # Ray 2.52's tip about GPU env vars (we train on CPUs)
                    warnings.filterwarnings("ignore", category=FutureWarning,
                                            message=".*accelerator visible devices.*")
                    ray.init(address=address, **kwargs)
                break
            except ConnectionAbortedError:
                # Ray Client's proxier (Ray 2.52, proxier.py start_specific_server) reads the
                # command line of the server process it has just started; when that process
                # is caught between exiting and being reaped, psutil raises ZombieProcess and
                # the whole init fails with "Initialization failure from server" (seen on a
                # busy 2-core machine).  A fresh init then succeeds.
                if attempt == CLIENT_INIT_TRIES or not str(address).startswith("ray://"):
                    raise
                ray.shutdown()
                time.sleep(1.0)
    return _cluster_info(ray)


def _cluster_info(ray: Any) -> dict[str, Any]:
    alive = [n for n in ray.nodes() if n.get("Alive")]
    return {
        "address": _address(ray),
        "nodes": len(alive),
        "cpus": sum(n.get("Resources", {}).get("CPU", 0.0) for n in alive),
    }


def _address(ray: Any) -> str | None:
    try:
        return ray.get_runtime_context().gcs_address
    except Exception:  # Ray Client has no GCS address on the driver side
        return None


def _score_in_worker(worker: Worker, task: Mapping[str, Any],
                     dataset: Mapping[str, np.ndarray], threads: int) -> dict[str, Any]:
    """Runs inside a Ray worker process: fix TF's threads, score one payload, tag the node.

    ``dataset`` arrives resolved from the object store (read-only, zero-copy views).
    """
    from ...quiet import quiet

    quiet()
    import ray

    from ..model import configure_threads  # imports TensorFlow through quiet.import_tensorflow

    configure_threads(threads, 1)  # the first task in a fresh worker process fixes the pools
    result = dict(worker(dict(task, dataset=dataset)))
    result["node"] = ray.get_runtime_context().get_node_id()
    return result


def _first_line(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).strip().splitlines()
    line = next((t.strip() for t in text if t.strip()), "")
    return f"{type(exc).__name__}: {line}"[:limit]


@dataclass
class RayBackend:
    """The ``"ray"`` backend: one Ray task per submission (see the module docstring).

    ``num_cpus``: CPUs each task reserves, also its TensorFlow intra-op threads.
    ``max_retries``: re-runs of a task whose worker process or node died.
    ``timeout_s``: seconds from dispatch to result before a task is cancelled and
    dispatched again (once); a second overrun is reported ``timeout`` (not postable).
    None (default) = the run's own limit from ``evaluate(..., timeout_s=...)``, else
    :data:`DEFAULT_TIMEOUT_S`.  ``max_in_flight``: tasks dispatched at once
    (default: the cluster's CPUs // ``num_cpus``).  ``nodes``: ``{submission_id:
    node_id}`` of the last run.

    Use another configuration with ``register_backend("ray", RayBackend(timeout_s=600))``
    or call an instance directly like any backend.
    """

    num_cpus: int = 1
    max_retries: int = 2
    timeout_s: float | None = None
    max_in_flight: int | None = None
    scheduling_strategy: str = "SPREAD"
    nodes: dict[Any, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("num_cpus", "max_retries"):
            value = getattr(self, name)
            least = 1 if name == "num_cpus" else 0
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ArgumentError(f"{name}: must be an integer >= {least}, got {value!r}")
        if self.timeout_s is not None and (isinstance(self.timeout_s, bool)
                                           or not isinstance(self.timeout_s, (int, float)) or not self.timeout_s > 0):
            raise ArgumentError(f"timeout_s: must be a number of seconds > 0, got {self.timeout_s!r}")
        if self.max_in_flight is not None and (isinstance(self.max_in_flight, bool)
                                               or not isinstance(self.max_in_flight, int) or self.max_in_flight < 1):
            raise ArgumentError(f"max_in_flight: must be None or an integer >= 1, got {self.max_in_flight!r}")

    # ------------------------------------------------------------------ helpers
    def _capacity(self, ray: Any) -> int:
        """Tasks to keep in flight; fails early if no node could ever run one."""
        if self.max_in_flight is not None:
            return self.max_in_flight
        alive = [n for n in ray.nodes() if n.get("Alive")]
        largest = max((n.get("Resources", {}).get("CPU", 0.0) for n in alive), default=0.0)
        if largest < self.num_cpus:
            raise ArgumentError(f"num_cpus: each task needs {self.num_cpus} CPUs but the largest Ray node has "
                             f"{largest:g}")
        total = sum(n.get("Resources", {}).get("CPU", 0.0) for n in alive)
        return max(1, int(total // self.num_cpus))

    def _result_of(self, ray: Any, ref: Any, task: Mapping[str, Any], seconds: float) -> dict[str, Any]:
        """The result dict for a finished task: its value, or a failure naming what went wrong."""
        from ray import exceptions as rx

        sid = task["submission_id"]
        try:
            return ray.get(ref)
        except rx.RayTaskError as exc:  # the worker function raised: deterministic, not retried
            cause = exc.cause if getattr(exc, "cause", None) is not None else exc
            return failure(sid, SubmissionStatus.FAILED, _first_line(cause, 1000), seconds, seed=task.get("seed"))
        except (rx.WorkerCrashedError, rx.NodeDiedError, rx.LocalRayletDiedError, rx.OutOfMemoryError,
                rx.ObjectLostError, rx.TaskCancelledError) as exc:
            tries = self.max_retries + 1
            return failure(sid, SubmissionStatus.CRASHED, f"the Ray worker died on every one of {tries} tries "
                           f"(max_retries={self.max_retries}): {_first_line(exc)}", seconds, seed=task.get("seed"))
        except rx.RayError as exc:
            return failure(sid, SubmissionStatus.CRASHED, f"Ray could not run this submission: {_first_line(exc)}",
                           seconds, seed=task.get("seed"))

    # ------------------------------------------------------------------ backend
    def __call__(
        self,
        tasks: Sequence[dict[str, Any]],
        dataset: Mapping[str, np.ndarray],
        *,
        workers: int = 1,
        worker: Worker,
        on_result: ResultCallback,
    ) -> None:
        """Run ``tasks`` as Ray tasks and report each result as it finishes.

        ``workers`` is ignored: concurrency is the cluster's (its CPUs // ``num_cpus``).
        Connects with :func:`connect` (a local runtime) if Ray is not initialized.
        """
        self.nodes = {}
        if not tasks:
            return
        connect()
        import ray

        capacity = self._capacity(ray)
        # Wrapped per run (cheap): a Ray Client connection needs a client-side remote function.
        remote = ray.remote(_score_in_worker).options(
            num_cpus=self.num_cpus,
            max_retries=self.max_retries,
            retry_exceptions=False,
            scheduling_strategy=self.scheduling_strategy,
        )
        data_ref = ray.put(dict(dataset))  # once; tasks get the reference
        worker_ref = ray.put(worker)
        queue = list(tasks)
        queue.reverse()  # pop() from the end keeps evaluate's order
        # ref -> (task, dispatched at, try number); a timed-out task goes back on the queue once.
        in_flight: dict[Any, tuple[dict[str, Any], float, int]] = {}
        tries: dict[int, int] = {}  # id(task) -> timeouts so far

        def limit(task: Mapping[str, Any]) -> float:
            if self.timeout_s is not None:
                return float(self.timeout_s)
            return float(task.get("timeout_s") or DEFAULT_TIMEOUT_S)

        try:
            while queue or in_flight:
                while queue and len(in_flight) < capacity:
                    task = queue.pop()
                    ref = remote.remote(worker_ref, task, data_ref, self.num_cpus)
                    in_flight[ref] = (task, time.monotonic(), tries.get(id(task), 0) + 1)
                next_deadline = min(t0 + limit(task) for task, t0, _ in in_flight.values())
                wait_s = max(0.0, next_deadline - time.monotonic())
                ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=wait_s)
                for ref in ready:
                    task, t0, _ = in_flight.pop(ref)
                    result = self._result_of(ray, ref, task, time.monotonic() - t0)
                    if result.get("node"):
                        self.nodes[task["submission_id"]] = result["node"]
                    on_result(result)
                now = time.monotonic()
                for ref, (task, t0, attempt) in list(in_flight.items()):
                    if now - t0 >= limit(task):
                        del in_flight[ref]
                        ray.cancel(ref, force=True)  # kills the worker process running it
                        tries[id(task)] = attempt
                        if attempt < TIMEOUT_TRIES:
                            queue.append(task)  # next to dispatch
                            continue
                        on_result(failure(task["submission_id"], SubmissionStatus.TIMEOUT,
                                          f"seed {task.get('seed')}: no result within timeout_s={limit(task):g}s on "
                                          f"each of {TIMEOUT_TRIES} tries (the Ray task was cancelled); this "
                                          "evaluation cannot be posted", now - t0, seed=task.get("seed")))
        finally:
            for ref in in_flight:  # interrupted (e.g. Ctrl-C in on_result): stop the work left on the cluster
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # pragma: no cover - best effort while unwinding
                    pass


#: The instance ``evaluate(..., backend="ray")`` uses (default settings).
run_ray = RayBackend()
register_backend("ray", run_ray)
