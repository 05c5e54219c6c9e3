"""Score many submissions: in this process or in parallel worker processes, with a progress bar.

>>> result = evaluate(submissions, dataset, spec, workers=2)
>>> result.leaderboard          # pandas DataFrame, best first
>>> result.to_json("report.json")
>>> result.plot()               # matplotlib Figure

Layout: :mod:`.worker` (the pure, picklable function that scores ONE submission
from a plain payload), :mod:`.backends` (where it runs; pluggable with
:func:`register_backend`), :mod:`.result` (leaderboard, report, plots),
:mod:`.core` (:func:`evaluate`).
"""

from .backends import BACKENDS, get_backend, register_backend, run_processes, run_sequential, threads_per_worker
from .core import Submission, evaluate
from .result import EvaluationResult, SubmissionResult, environment, load_report
from .worker import init_worker, score_submission

__all__ = [
    "BACKENDS",
    "EvaluationResult",
    "Submission",
    "SubmissionResult",
    "environment",
    "evaluate",
    "get_backend",
    "init_worker",
    "load_report",
    "register_backend",
    "run_processes",
    "run_sequential",
    "score_submission",
    "threads_per_worker",
]
