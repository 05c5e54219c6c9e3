"""Running trials: one at a time in this process or in worker processes sharing the study, until the
trial count, the timeout or the submission deadline (less a margin) says stop."""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .errors import SearchError
from .objective import Objective
from .study import _study_settings_from, make_sampler, open_study

if TYPE_CHECKING:  # pragma: no cover
    import optuna

__all__ = ["DEFAULT_MARGIN_S", "MAX_CONSECUTIVE_FAILURES", "Deadline", "run_trials", "trial_seconds_estimate"]

#: Seconds kept free before the submission deadline by default: preflight plus the commit transaction.
DEFAULT_MARGIN_S = 300.0
#: Consecutive failed trials after which the search stops and re-raises (a bug, not a bad configuration).
MAX_CONSECUTIVE_FAILURES = 3


@dataclass
class Deadline:
    """The submission deadline (unix seconds, on ``clock``) less a ``margin`` kept for preflight and commit."""

    at: float | None = None
    margin: float = DEFAULT_MARGIN_S
    clock: Callable[[], float] = time.time

    def seconds_left(self) -> float:
        """Seconds until ``at - margin`` (``inf`` without a deadline)."""
        return math.inf if self.at is None else self.at - self.margin - self.clock()

    def allows(self, seconds: float) -> bool:
        """Whether work of ``seconds`` started now ends by ``at - margin``."""
        return self.seconds_left() >= seconds


def trial_seconds_estimate(study: "optuna.Study") -> float | None:
    """The longest trial measured so far (``user_attrs["seconds"]``), or None before any."""
    measured = [t.user_attrs["seconds"] for t in study.get_trials(deepcopy=False)
                if t.state.is_finished() and "seconds" in t.user_attrs]
    return max(measured) if measured else None


def _started_trials(study: "optuna.Study") -> int:
    """Trials started or finished, by any worker (enqueued candidates still waiting do not count)."""
    import optuna

    return sum(t.state != optuna.trial.TrialState.WAITING for t in study.get_trials(deepcopy=False))


def run_trials(study: "optuna.Study", objective: Callable[[Any], float], *, n_trials: int | None = None,
               timeout: float | None = None, deadline: Deadline | None = None,
               on_trial: Callable[["optuna.Study"], None] | None = None, until_trials: int | None = None) -> str:
    """Run trials one at a time until ``n_trials`` more exist in the study (counting other
    workers'), ``timeout`` seconds have passed, or the next trial could not end before the
    deadline; returns why it stopped: ``"n_trials"``, ``"timeout"`` or ``"deadline"``.

    ``until_trials`` (instead of ``n_trials``) is an absolute count, as workers sharing a study
    need.  Time is read from ``deadline.clock``.  A trial that raises is recorded as failed and the
    search goes on, unless :data:`MAX_CONSECUTIVE_FAILURES` fail in a row (then it re-raises).
    """
    import optuna

    deadline = deadline or Deadline()
    clock = deadline.clock
    if n_trials is None and until_trials is None and timeout is None and deadline.at is None:
        raise SearchError("n_trials: give n_trials, a timeout or a deadline, or the search never ends")
    target = until_trials if n_trials is None else _started_trials(study) + int(n_trials)
    started = clock()
    failures = 0
    while True:
        if target is not None and _started_trials(study) >= target:
            return "n_trials"
        if timeout is not None and clock() - started >= timeout:
            return "timeout"
        if not deadline.allows(trial_seconds_estimate(study) or 0.0):
            return "deadline"
        try:
            study.optimize(objective, n_trials=1, catch=(), gc_after_trial=False, show_progress_bar=False)
            failures = 0
        except optuna.exceptions.OptunaError:
            raise
        except Exception:
            failures += 1
            if failures >= MAX_CONSECUTIVE_FAILURES:
                raise
        if on_trial is not None:
            on_trial(study)


def _worker_main(path: str, name: str, objective: Callable[[Any], float], sampler: Any, pruner: Any,
                 until_trials: int | None,
                 timeout: float | None, deadline_at: float | None, margin: float, intra_op: int) -> None:
    """One search worker process: fix TF's threads first, then run trials on the shared journal."""
    from ..evaluation.worker import init_worker

    init_worker(None, intra_op, 1)
    study = open_study(name, path, _study_settings_from(path, name), sampler=sampler, pruner=pruner)
    run_trials(study, objective, until_trials=until_trials, timeout=timeout,
               deadline=Deadline(deadline_at, margin))


def _run_workers(study: "optuna.Study", path: Path, objective: Callable[[Any], float], *, workers: int, sampler: Any,
                 sampler_seed: int | None, pruner: Any, n_trials: int | None, timeout: float | None,
                 deadline: Deadline, on_poll: Callable[["optuna.Study"], None] | None) -> str:
    from ..evaluation.backends import threads_per_worker

    intra = threads_per_worker(workers)
    ctx = multiprocessing.get_context("spawn")
    target = None if n_trials is None else _started_trials(study) + int(n_trials)
    if isinstance(objective, Objective):  # a fake clock cannot cross processes: workers read the real one
        objective = dataclasses.replace(objective, clock=time.time)
    procs = []
    for i in range(workers):
        # Workers with one seed would propose the same points: offset a named sampler's seed.
        wsampler = make_sampler(sampler, None if sampler_seed is None else sampler_seed + i) \
            if isinstance(sampler, str) else sampler
        procs.append(ctx.Process(
            target=_worker_main, name=f"search-worker-{i}",
            args=(str(path), study.study_name, objective, wsampler, pruner, target, timeout,
                  deadline.at, deadline.margin, intra),
        ))
    try:
        for p in procs:
            p.start()
        while any(p.is_alive() for p in procs):
            for p in procs:
                p.join(timeout=1.0)
            if on_poll is not None:
                on_poll(study)
    except BaseException:  # Ctrl-C: stop our workers now; their running trials stay RUNNING in the journal
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
        raise
    bad = [p.exitcode for p in procs if p.exitcode]
    if bad:
        raise SearchError(f"workers: {len(bad)} search worker(s) exited with codes {bad}")
    if target is not None and _started_trials(study) >= target:
        return "n_trials"
    return "deadline" if not deadline.allows(trial_seconds_estimate(study) or 0.0) else "timeout"
