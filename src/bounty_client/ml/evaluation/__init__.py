"""Score many submissions: in this process or in parallel worker processes, with a progress bar.

>>> result = evaluate(submissions, dataset, spec, seeds=[11, 12, 13], workers=2)
>>> result.leaderboard          # pandas DataFrame, best first, with per-seed scores and noise
>>> print(result.how_to_read()) # what the columns mean; whether the winner's lead is noise
>>> result.complete             # False if a run exceeded its time limit: scores() then refuses
>>> result.to_json("report.json")
>>> result.plot()               # matplotlib Figure

Layout: :mod:`.worker` (the pure, picklable function that scores ONE submission
from a plain payload), :mod:`.base` (:class:`EvaluationBackend`, the interface of where it
runs), :mod:`.backends` (in this process or a process pool; pluggable with
:func:`register_backend`), :mod:`.ray_backend` (a Ray cluster), :mod:`.result`
(leaderboard, report, plots), :mod:`.core` (:func:`evaluate`), :mod:`.status`
(:class:`SubmissionStatus`).
"""

from .backends import (
    BACKENDS,
    WorkerStartupError,
    get_backend,
    register_backend,
    run_processes,
    run_sequential,
    threads_per_worker,
)
from .base import EvaluationBackend
from .core import DEFAULT_METRIC, DEFAULT_TIMEOUT_S, Submission, aggregate_runs, evaluate
from .result import (
    EvaluationResult,
    IncompleteEvaluationError,
    Lead,
    SubmissionResult,
    environment,
    load_report,
    sampling_error_bps,
)
from .status import SubmissionStatus
from .worker import init_worker, score_submission

__all__ = [
    "BACKENDS",
    "DEFAULT_METRIC",
    "DEFAULT_TIMEOUT_S",
    "EvaluationBackend",
    "EvaluationResult",
    "IncompleteEvaluationError",
    "Lead",
    "Submission",
    "SubmissionResult",
    "SubmissionStatus",
    "WorkerStartupError",
    "aggregate_runs",
    "environment",
    "evaluate",
    "get_backend",
    "init_worker",
    "load_report",
    "register_backend",
    "run_processes",
    "run_sequential",
    "score_submission",
    "sampling_error_bps",
    "threads_per_worker",
]
