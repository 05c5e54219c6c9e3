"""The pure worker: score ONE submission from a plain, picklable payload.

Every backend (in-process, process pool, and later Ray) calls :func:`score_submission`.
A payload is a plain dict::

    {
        "submission_id": 3,
        "submitter": "0xAbc...",
        "hyperparameters": {"lstm_layers": 2, ...},   # Hyperparameters.to_dict() form
        "bounds": {...} | None,                        # HyperparameterBounds.to_dict(); None = chain limits
        "protocol": {...},                             # TrainingProtocol.to_dict()
        "seed": 0,                                     # this run's seed (overrides protocol["seed"])
        "metric": "balanced_accuracy",                 # the score's metric (model.train_and_score)
        "timeout_s": 3600.0 | None,                    # the run's time limit (enforced by the backend)
        "dataset": None | {"x_train": ndarray, ...} | "/path/arrays.npz",
    }

``dataset`` is the six arrays, a reference to them (an ``.npz`` path, loaded once
per process), or ``None`` for "the dataset this worker process was initialized
with" (:func:`init_worker`; the process pool ships the data once per worker, not
once per task).  The result is a plain dict (:data:`RESULT_KEYS`) whatever happens:
invalid hyperparameters give status ``"invalid"``, an exception during training
status ``"failed"``, a run whose loss or outputs became non-finite ``"diverged"``,
all with score 0 and the reason (see :class:`.status.SubmissionStatus`).  One payload
is one *run*: one submission under one seed; ``evaluate`` aggregates the runs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .status import SubmissionStatus

__all__ = ["RESULT_KEYS", "score_submission", "init_worker", "failure", "resolve_dataset"]

RESULT_KEYS = (
    "submission_id",
    "seed",
    "status",
    "reason",
    "score_bps",
    "val_accuracy",
    "train_seconds",
    "seconds",
    "n_params",
    "epochs_run",
    "history",
    "threads",
    "pid",
    "metric",
    "val_score_bps",
)

#: The arrays this worker process was initialized with (set by ``init_worker``).
_WORKER_DATASET: dict[str, np.ndarray] | None = None
#: ``.npz`` references already loaded in this process.
_NPZ_CACHE: dict[str, dict[str, np.ndarray]] = {}


def failure(submission_id: Any, status: "SubmissionStatus | str", reason: str, seconds: float = 0.0, *,
            seed: int | None = None) -> dict[str, Any]:
    """A score-0 result with the reason (``status``: a :class:`SubmissionStatus` other than ``scored``)."""
    return {
        "submission_id": submission_id,
        "seed": seed,
        "status": SubmissionStatus.coerce(status).value,
        "reason": reason,
        "score_bps": 0,
        "val_accuracy": None,
        "train_seconds": 0.0,
        "seconds": seconds,
        "n_params": None,
        "epochs_run": 0,
        "history": {},
        "threads": None,
        "pid": os.getpid(),
        "metric": None,
        "val_score_bps": None,
    }


def init_worker(dataset: Any, intra_op: int | None = None, inter_op: int | None = 1) -> None:
    """Process-pool initializer: keep the dataset for every task and fix TF's thread pools.

    Runs once per worker process, before any task, so the thread pool sizes can
    still be set (``intra_op`` = cores // workers keeps N workers from
    oversubscribing the cores).
    """
    global _WORKER_DATASET
    from ...quiet import quiet

    quiet()
    if intra_op:
        # oneDNN's OpenMP pool sizes itself from this when TensorFlow loads; without it each
        # worker starts one OpenMP thread per core and N workers oversubscribe the machine.
        os.environ["OMP_NUM_THREADS"] = str(intra_op)
    from ..model import as_arrays, configure_threads

    _WORKER_DATASET = as_arrays(dataset) if dataset is not None else None
    configure_threads(intra_op, inter_op)


def resolve_dataset(ref: Any) -> dict[str, np.ndarray]:
    """The arrays a payload's ``dataset`` stands for (see the module docstring)."""
    from ..model import as_arrays

    if ref is None:
        if _WORKER_DATASET is None:
            raise ValueError("dataset: the payload has none and this worker was not initialized with one")
        return _WORKER_DATASET
    if isinstance(ref, (str, Path)):
        key = str(Path(ref).resolve())
        if key not in _NPZ_CACHE:
            with np.load(key) as npz:
                _NPZ_CACHE[key] = as_arrays({k: npz[k] for k in npz.files})
        return _NPZ_CACHE[key]
    return as_arrays(ref)


def score_submission(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Validate, train and score one submission; never raises for a bad submission.

    Pure apart from TensorFlow's global state (which ``train_and_score`` resets and
    seeds): the same payload gives the same result dict (timings and pid aside).
    """
    started = time.perf_counter()
    sid = payload.get("submission_id")
    seed = payload.get("seed")
    from ...protocol.hyperparams import CHAIN_LIMITS, HyperparameterBounds, Hyperparameters
    from ...protocol.spec import SpecError, TrainingProtocol

    try:
        bounds = payload.get("bounds")
        bounds = HyperparameterBounds.from_dict(bounds) if bounds is not None else CHAIN_LIMITS
        values = payload.get("hyperparameters")
        if not isinstance(values, Mapping):
            raise TypeError(f"hyperparameters: must be a mapping, got {type(values).__name__}")
        hp = Hyperparameters.from_dict(values, bounds=bounds)
    except (ValueError, TypeError) as exc:
        return failure(sid, SubmissionStatus.INVALID, str(exc), time.perf_counter() - started, seed=seed)

    try:
        protocol_dict = dict(payload["protocol"])
        if seed is not None:
            protocol_dict["seed"] = seed
        protocol = TrainingProtocol.from_dict(protocol_dict)
        seed = protocol.seed
    except (KeyError, SpecError, TypeError) as exc:
        return failure(sid, SubmissionStatus.FAILED, f"protocol: {exc}", time.perf_counter() - started, seed=seed)

    try:
        from ..model import train_and_score

        arrays = resolve_dataset(payload.get("dataset"))
        result = train_and_score(hp, arrays, protocol, seed=seed, metric=payload.get("metric") or "balanced_accuracy")
    except Exception as exc:  # a submission's failure must never stop the others
        reason = f"training failed: {type(exc).__name__}: {exc}"
        return failure(sid, SubmissionStatus.FAILED, reason[:1000], time.perf_counter() - started, seed=seed)

    val = result.val_accuracy
    status = SubmissionStatus.coerce(getattr(result, "status", SubmissionStatus.SCORED))
    diverged = status is SubmissionStatus.DIVERGED
    val_bps = getattr(result, "val_score_bps", None)
    return {
        "submission_id": sid,
        "seed": seed,
        "status": status.value,
        "reason": "loss or outputs became non-finite" if diverged else None,
        "score_bps": 0 if diverged else int(result.score_bps),
        "val_accuracy": None if val != val else float(val),
        "train_seconds": float(result.train_seconds),
        "seconds": time.perf_counter() - started,
        "n_params": int(result.n_params),
        "epochs_run": int(result.epochs_run),
        "history": {k: [float(v) for v in vs] for k, vs in result.history.items()},
        "threads": list(result.threads),
        "pid": os.getpid(),
        "metric": getattr(result, "metric", payload.get("metric")),
        "val_score_bps": None if val_bps is None else int(val_bps),
    }
