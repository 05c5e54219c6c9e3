"""The one interface of an evaluation backend: :class:`EvaluationBackend` (where submissions are trained).

A backend is called as ``backend(tasks, dataset, *, workers, worker, on_result)``:

* ``tasks``: payload dicts (see :mod:`.worker`) without the dataset; one per
  (submission, seed) run.  ``task["timeout_s"]`` (seconds, or None) is the run's time
  limit: a run past it is stopped and retried once; a second overrun is reported with
  status ``timeout`` (never postable, see :class:`.status.SubmissionStatus`);
* ``dataset``: the six arrays, to ship to wherever ``worker`` runs;
* ``worker``: a picklable, module-level function ``payload -> result dict``
  (normally :func:`.worker.score_submission`);
* ``on_result``: called in *this* process once per finished task with its result dict.

A backend should call ``on_result`` for every task; ``evaluate`` marks any task it never reported
as ``crashed``.  :func:`.backends.run_sequential`, :func:`.backends.run_processes` and
:class:`.ray_backend.RayBackend` satisfy it; a new backend is one callable with this signature,
registered with :func:`.backends.register_backend`.  A structural type (``typing.Protocol``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Protocol, Sequence

import numpy as np

__all__ = ["EvaluationBackend", "ResultCallback", "Worker"]

#: ``payload -> result dict``: scores one (submission, seed) run; picklable (module level).
Worker = Callable[[Mapping[str, Any]], dict[str, Any]]
#: Called in the evaluating process once per finished run, with its result dict.
ResultCallback = Callable[[dict[str, Any]], None]


class EvaluationBackend(Protocol):
    """Where the runs of an evaluation are trained (see the module docstring for the contract)."""

    def __call__(
        self,
        tasks: Sequence[dict[str, Any]],
        dataset: Mapping[str, np.ndarray],
        *,
        workers: int = ...,
        worker: Worker,
        on_result: ResultCallback,
    ) -> None:
        ...
