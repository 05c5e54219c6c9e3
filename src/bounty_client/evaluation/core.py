"""``evaluate``: score many submissions under one protocol, with a progress bar."""

from __future__ import annotations

import dataclasses
import numbers
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from ..hyperparams import CHAIN_LIMITS, HyperparameterBounds, Hyperparameters
from .backends import get_backend
from .result import EvaluationResult, SubmissionResult
from .worker import failure, score_submission

__all__ = ["Submission", "evaluate"]


@dataclass(frozen=True)
class Submission:
    """One submission to score (the shape of a Keras Tuner ``Trial``).

    ``id`` is the on-chain submission index (ties go to the lower id = earlier
    commit), ``hyperparameters`` a :class:`Hyperparameters` or its dict form (it
    is validated against the spec's bounds at evaluation, so an out-of-range
    reveal is scored 0 with the reason instead of raising), ``status`` one of
    ``"revealed"`` (scored) or anything else such as ``"committed"`` (skipped, score 0).
    """

    id: int
    submitter: str
    hyperparameters: "Hyperparameters | Mapping[str, Any]"
    status: str = "revealed"

    @property
    def hyperparameters_dict(self) -> dict[str, Any]:
        hp = self.hyperparameters
        return hp.to_dict() if isinstance(hp, Hyperparameters) else dict(hp)

    @classmethod
    def coerce(cls, item: "Submission | Mapping[str, Any]", index: int) -> "Submission":
        if isinstance(item, Submission):
            return item
        if isinstance(item, Mapping):
            missing = [k for k in ("id", "submitter", "hyperparameters") if k not in item]
            if missing:
                raise ValueError(f"submissions[{index}].{missing[0]}: is required")
            return cls(item["id"], item["submitter"], item["hyperparameters"], item.get("status", "revealed"))
        raise TypeError(f"submissions[{index}]: must be a Submission or a mapping, got {type(item).__name__}")


class _Progress:
    """tqdm bar in a terminal or notebook; one plain line per finished submission otherwise."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.bar = total, 0, None
        self.enabled = enabled and total > 0
        self.plain = False
        if not self.enabled:
            return
        in_notebook = "ipykernel" in sys.modules
        if in_notebook or sys.stderr.isatty():
            if in_notebook:
                from tqdm.auto import tqdm
            else:
                from tqdm import tqdm
            self.bar = tqdm(total=total, desc="evaluating", unit="submission")
        else:
            self.plain = True

    def update(self, result: dict[str, Any]) -> None:
        self.done += 1
        if not self.enabled:
            return
        text = f"#{result['submission_id']} {result['status']} {result['score_bps']} bps"
        if self.bar is not None:
            self.bar.set_postfix_str(text)
            self.bar.update(1)
        else:
            reason = f" ({result['reason']})" if result.get("reason") else ""
            print(f"[{self.done}/{self.total}] submission {text} in {result.get('seconds', 0.0):.1f}s{reason}",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _dataset_info(dataset: Any, arrays: Mapping[str, np.ndarray]) -> dict[str, Any]:
    if hasattr(dataset, "metadata"):
        try:
            return dict(dataset.metadata())
        except Exception:  # an odd Dataset-like object: fall back to shapes
            pass
    import hashlib

    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return {"shapes": {k: list(v.shape) for k, v in arrays.items()}, "arrays_sha256": h.hexdigest()}


def _cost(values: Mapping[str, Any]) -> float:
    """Rough relative training time (measured on CPU: each LSTM layer costs a fixed
    per-step overhead plus a part growing with its width)."""
    return values["lstm_layers"] * (1.0 + values["lstm_units"] / 48.0) + 0.1 * values["dense_layers"]


def evaluate(
    submissions: Iterable["Submission | Mapping[str, Any]"],
    dataset: Any,
    protocol: Any = None,
    *,
    spec: Any = None,
    bounds: HyperparameterBounds | None = None,
    workers: int = 1,
    backend: str = "auto",
    progress: bool = True,
    worker: Callable[[Mapping[str, Any]], dict[str, Any]] = score_submission,
    test_cid: str | None = None,
    data_cids: Mapping[str, str] | None = None,
) -> EvaluationResult:
    """Train and score every submission; returns an :class:`EvaluationResult`.

    ``dataset`` is a ``bounty_client.data.Dataset`` (with the test part) or any
    object/mapping with the six arrays.  ``protocol`` is a ``TrainingProtocol`` or a
    ``BountySpec`` (whose protocol and bounds are then used and recorded); ``spec``
    may also be given on its own.  ``backend``: ``"sequential"`` (this process),
    ``"processes"`` (``workers`` spawned processes, each with cores // workers
    TensorFlow threads), ``"auto"`` (sequential for one worker, else processes) or
    a registered name.  Bad submissions (invalid values, training errors, a worker
    process that dies) get score 0 with the reason and never stop the others.

    Worker processes are *spawned*: a script that calls ``evaluate`` with workers
    must do so under ``if __name__ == "__main__":`` (notebooks need nothing).
    """
    from ..model import as_arrays
    from ..spec import BountySpec, TrainingProtocol

    if isinstance(protocol, BountySpec):
        spec, protocol = protocol, None
    if spec is not None and not isinstance(spec, BountySpec):
        raise TypeError(f"spec: must be a BountySpec, got {type(spec).__name__}")
    if protocol is None:
        if spec is None:
            raise ValueError("protocol: give a TrainingProtocol or a BountySpec")
        protocol = spec.protocol
    if not isinstance(protocol, TrainingProtocol):
        raise TypeError(f"protocol: must be a TrainingProtocol or a BountySpec, got {type(protocol).__name__}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers: must be an integer >= 1, got {workers!r}")
    if bounds is None:
        bounds = spec.bounds if spec is not None else CHAIN_LIMITS
    name = ("sequential" if workers == 1 else "processes") if backend == "auto" else backend
    run_backend = get_backend(name)

    subs = [Submission.coerce(item, i) for i, item in enumerate(submissions)]
    seen: set[int] = set()
    for i, sub in enumerate(subs):
        if isinstance(sub.id, bool) or not isinstance(sub.id, numbers.Integral) or sub.id < 0:
            raise ValueError(f"submissions[{i}].id: must be an integer >= 0, got {sub.id!r}")
        if type(sub.id) is not int:  # e.g. numpy.int64 from a DataFrame
            sub = subs[i] = dataclasses.replace(sub, id=int(sub.id))
        if sub.id in seen:
            raise ValueError(f"submissions[{i}].id: duplicate submission id {sub.id}")
        seen.add(sub.id)
    arrays = as_arrays(dataset)  # bad data fails here, before any training

    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    bar = _Progress(len(subs), progress)
    raw: dict[int, dict[str, Any]] = {}

    def on_result(result: dict[str, Any]) -> None:
        sid = result.get("submission_id")
        if sid in seen and sid not in raw:
            raw[sid] = result
            bar.update(result)

    tasks = []
    bounds_dict = bounds.to_dict()
    for sub in subs:
        if sub.status != "revealed":
            on_result(failure(sub.id, "skipped", f"status is {sub.status!r}; only revealed submissions are scored"))
            continue
        try:
            # Reject before spending a worker on it; ship the normalized values.
            values = Hyperparameters.from_dict(sub.hyperparameters_dict, bounds=bounds).to_dict()
        except (ValueError, TypeError) as exc:
            on_result(failure(sub.id, "invalid", str(exc)))
            continue
        tasks.append(
            {
                "submission_id": sub.id,
                "submitter": sub.submitter,
                "hyperparameters": values,
                "bounds": bounds_dict,
                "protocol": protocol.to_dict(),
                "seed": protocol.seed,
                "dataset": None,
            }
        )
    # Largest first (longest-processing-time rule): the last tasks to start are small,
    # so parallel workers finish together.  Results are keyed by id; order is irrelevant.
    tasks.sort(key=lambda t: (-_cost(t["hyperparameters"]), t["submission_id"]))
    try:
        if tasks:
            run_backend(tasks, arrays, workers=workers, worker=worker, on_result=on_result)
        for task in tasks:  # anything a backend never reported
            if task["submission_id"] not in raw:
                on_result(failure(task["submission_id"], "crashed", f"the {name!r} backend returned no result"))
    finally:  # also on KeyboardInterrupt (the process backend has stopped its workers by then)
        bar.close()
    wall = time.perf_counter() - t0

    results = []
    for sub in subs:
        r = raw[sub.id]
        try:
            hp_values = sub.hyperparameters_dict
        except (TypeError, ValueError):
            hp_values = {}
        results.append(
            SubmissionResult(
                submission_id=sub.id,
                submitter=str(sub.submitter),
                hyperparameters=hp_values,
                status=r["status"],
                score_bps=int(r["score_bps"]),
                reason=r.get("reason"),
                val_accuracy=r.get("val_accuracy"),
                train_seconds=float(r.get("train_seconds") or 0.0),
                seconds=float(r.get("seconds") or 0.0),
                n_params=r.get("n_params"),
                epochs_run=int(r.get("epochs_run") or 0),
                history=dict(r.get("history") or {}),
            )
        )
    data: dict[str, Any] = {
        "files": [f.to_dict() for f in spec.data_files] if spec is not None else [],
        "cids": dict(data_cids or (spec.data_cids if spec is not None else {})),
        "test_cid": test_cid,
        "dataset": _dataset_info(dataset, arrays),
    }
    run = {"backend": name, "workers": workers, "wall_seconds": round(wall, 3), "started_at": started_at}
    return EvaluationResult(results=results, protocol=protocol, spec=spec, data=data, run=run)
