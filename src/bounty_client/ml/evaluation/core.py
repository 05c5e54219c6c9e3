"""``evaluate``: score many submissions under one protocol, with a progress bar."""

from __future__ import annotations

import dataclasses
import numbers
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
import math
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ...errors import ArgumentError
from ...protocol.hyperparams import CHAIN_LIMITS, HyperparameterBounds, Hyperparameters
from .backends import get_backend
from .result import EvaluationResult, SubmissionResult
from .status import SEVERITY, SubmissionStatus
from .worker import failure, score_submission

__all__ = ["DEFAULT_METRIC", "DEFAULT_TIMEOUT_S", "Submission", "aggregate_runs", "evaluate"]

#: Metric when neither ``metric`` nor a spec names one (a constant predictor scores 5000).
DEFAULT_METRIC = "balanced_accuracy"
#: Longest one run (one submission, one seed) may take, in seconds, before it is stopped and retried.
DEFAULT_TIMEOUT_S = 3600.0


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
                raise ArgumentError(f"submissions[{index}].{missing[0]}: is required")
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
        from ...quiet import in_notebook

        notebook = in_notebook()
        if notebook or sys.stderr.isatty():
            if notebook:
                from tqdm.auto import tqdm
            else:
                from tqdm import tqdm
            self.bar = tqdm(total=total, desc="evaluating", unit="run")
        else:
            self.plain = True

    def update(self, result: dict[str, Any]) -> None:
        self.done += 1
        if not self.enabled:
            return
        seed = f" seed {result['seed']}" if result.get("seed") is not None else ""
        text = f"#{result['submission_id']}{seed} {result['status']} {result['score_bps']} bps"
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


def aggregate_runs(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One submission's outcome from its seed runs (result dicts of :mod:`.worker`, in seed order).

    Rule (documented in the README's "how to read" and tested):

    * every run trained (``scored`` or ``diverged``): the score is ``floor(mean)`` of the
      per-run scores, where a diverged run counts 0; the status is ``diverged`` if every
      run diverged, else ``scored``;
    * otherwise the submission takes the most severe other status among its runs
      (``timeout`` > ``crashed`` > ``failed``), score 0, with that run's reason.

    Returns ``status``, ``score_bps``, ``seed_scores`` (one per run, 0 unless scored),
    ``score_se_bps`` (standard error of the mean over seeds, ``stdev / sqrt(k)`` with
    ``k - 1`` degrees of freedom; None for one seed) and ``reason``.
    """
    if not runs:
        raise ArgumentError("runs: a submission needs at least one run")
    statuses = [SubmissionStatus.coerce(r["status"]) for r in runs]
    seed_scores = [int(r["score_bps"]) if s is SubmissionStatus.SCORED else 0 for r, s in zip(runs, statuses)]
    if all(s.trained for s in statuses):
        k = len(seed_scores)
        mean = sum(seed_scores) / k
        se = None
        if k > 1:
            var = sum((x - mean) ** 2 for x in seed_scores) / (k - 1)
            se = math.sqrt(var / k)
        status = SubmissionStatus.DIVERGED if all(s is SubmissionStatus.DIVERGED for s in statuses) \
            else SubmissionStatus.SCORED
        diverged = [r.get("seed") for r, s in zip(runs, statuses) if s is SubmissionStatus.DIVERGED]
        reason = None
        if diverged:
            reason = f"diverged (loss or outputs non-finite) with seed(s) {diverged}: counted as 0"
        return {"status": status, "score_bps": sum(seed_scores) // k, "seed_scores": seed_scores,
                "score_se_bps": se, "reason": reason}
    worst = next(s for s in SEVERITY if s in statuses)
    bad = runs[statuses.index(worst)]
    return {"status": worst, "score_bps": 0, "seed_scores": seed_scores, "score_se_bps": None,
            "reason": bad.get("reason")}


def _seeds(seeds: Sequence[int] | None, protocol: Any) -> list[int]:
    if seeds is None:
        return [int(protocol.seed)]
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise TypeError(f"seeds: must be a sequence of integers, got {type(seeds).__name__}")
    out = []
    for i, seed in enumerate(seeds):
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**32:
            raise ArgumentError(f"seeds[{i}]: must be an integer in [0, 2**32), got {seed!r}")
        out.append(int(seed))
    if not out:
        raise ArgumentError("seeds: give at least one seed")
    if len(set(out)) != len(out):
        raise ArgumentError(f"seeds: duplicate seeds in {out}")
    return out


def evaluate(
    submissions: Iterable["Submission | Mapping[str, Any]"],
    dataset: Any,
    protocol: Any = None,
    *,
    seeds: Sequence[int] | None = None,
    metric: str | None = None,
    spec: Any = None,
    bounds: HyperparameterBounds | None = None,
    workers: int = 1,
    backend: str = "auto",
    progress: bool = True,
    worker: Callable[[Mapping[str, Any]], dict[str, Any]] = score_submission,
    test_cid: str | None = None,
    data_cids: Mapping[str, str] | None = None,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
) -> EvaluationResult:
    """Train and score every submission under every seed; returns an :class:`EvaluationResult`.

    ``dataset`` is a ``bounty_client.data.Dataset`` (with the test part) or any
    object/mapping with the six arrays.  ``protocol`` is a ``TrainingProtocol`` or a
    ``BountySpec`` (whose protocol and bounds are then used and recorded); ``spec``
    may also be given on its own.

    ``seeds``: one run per (submission, seed); None = ``[protocol.seed]`` (one run, as
    for callers that pass only a protocol).  A submission's score is ``floor(mean)``
    of its runs' scores (see :func:`aggregate_runs`).  ``metric``: ``"balanced_accuracy"``
    or ``"accuracy"``; None = the spec's metric, else :data:`DEFAULT_METRIC`.

    ``backend``: ``"sequential"`` (this process), ``"processes"`` (``workers`` spawned
    processes, each with cores // workers TensorFlow threads), ``"auto"`` (sequential
    for one worker, else processes) or a registered name such as ``"ray"``.
    ``timeout_s``: seconds one run may take (None: no limit for the local backends; the
    Ray backend then keeps its own default); a run past it is stopped
    and retried once, then reported ``timeout``: the result is then not
    :attr:`~EvaluationResult.complete` and :meth:`~EvaluationResult.scores` refuses it,
    so no score that depends on the clock can be posted.

    Bad submissions (invalid values, training errors, a worker process that dies) get
    score 0 with the reason and never stop the others.

    Raises ``ValueError``/``TypeError`` naming the argument for bad arguments, and
    :class:`~.backends.WorkerStartupError` when worker processes die before they start.
    Worker processes are *spawned*: a script that calls ``evaluate`` with workers must
    do so under ``if __name__ == "__main__":`` (notebooks need nothing).
    """
    from ..model import as_arrays, majority_baseline_bps
    from ...quiet import quiet
    from ...protocol.spec import BountySpec, TrainingProtocol

    quiet()
    if isinstance(protocol, BountySpec):
        spec, protocol = protocol, None
    if spec is not None and not isinstance(spec, BountySpec):
        raise TypeError(f"spec: must be a BountySpec, got {type(spec).__name__}")
    if protocol is None:
        if spec is None:
            raise ArgumentError("protocol: give a TrainingProtocol or a BountySpec")
        protocol = spec.protocol
    if not isinstance(protocol, TrainingProtocol):
        raise TypeError(f"protocol: must be a TrainingProtocol or a BountySpec, got {type(protocol).__name__}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ArgumentError(f"workers: must be an integer >= 1, got {workers!r}")
    if timeout_s is not None and (isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float))
                                  or not timeout_s > 0 or not math.isfinite(timeout_s)):
        raise ArgumentError(f"timeout_s: must be None or a number of seconds > 0, got {timeout_s!r}")
    if metric is None:
        metric = getattr(spec, "metric", None) or DEFAULT_METRIC
    if metric not in ("balanced_accuracy", "accuracy"):
        raise ArgumentError(f"metric: must be 'balanced_accuracy' or 'accuracy', got {metric!r}")
    run_seeds = _seeds(seeds, protocol)
    if bounds is None:
        bounds = spec.bounds if spec is not None else CHAIN_LIMITS
    name = ("sequential" if workers == 1 else "processes") if backend == "auto" else backend
    run_backend = get_backend(name)

    subs = [Submission.coerce(item, i) for i, item in enumerate(submissions)]
    seen: set[int] = set()
    for i, sub in enumerate(subs):
        if isinstance(sub.id, bool) or not isinstance(sub.id, numbers.Integral) or sub.id < 0:
            raise ArgumentError(f"submissions[{i}].id: must be an integer >= 0, got {sub.id!r}")
        if type(sub.id) is not int:  # e.g. numpy.int64 from a DataFrame
            sub = subs[i] = dataclasses.replace(sub, id=int(sub.id))
        if sub.id in seen:
            raise ArgumentError(f"submissions[{i}].id: duplicate submission id {sub.id}")
        seen.add(sub.id)
    arrays = as_arrays(dataset)  # bad data fails here, before any training
    y_test = arrays["y_test"]
    n1 = int(np.count_nonzero(y_test == 1))

    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    tasks = []
    settled: dict[int, dict[str, Any]] = {}  # submissions decided before training (skipped, invalid)
    bounds_dict = bounds.to_dict()
    for sub in subs:
        if sub.status != "revealed":
            settled[sub.id] = failure(sub.id, SubmissionStatus.SKIPPED,
                                      f"status is {sub.status!r}; only revealed submissions are scored")
            continue
        try:
            # Reject before spending a worker on it; ship the normalized values.
            values = Hyperparameters.from_dict(sub.hyperparameters_dict, bounds=bounds).to_dict()
        except (ValueError, TypeError) as exc:
            settled[sub.id] = failure(sub.id, SubmissionStatus.INVALID, str(exc))
            continue
        for seed in run_seeds:
            tasks.append({
                "submission_id": sub.id,
                "submitter": sub.submitter,
                "hyperparameters": values,
                "bounds": bounds_dict,
                "protocol": protocol.to_dict(),
                "seed": seed,
                "metric": metric,
                "timeout_s": None if timeout_s is None else float(timeout_s),
                "dataset": None,
            })
    bar = _Progress(len(settled) + len(tasks), progress)
    runs: dict[tuple[int, int], dict[str, Any]] = {}
    expected = {(t["submission_id"], t["seed"]) for t in tasks}

    def on_result(result: dict[str, Any]) -> None:
        key = (result.get("submission_id"), result.get("seed"))
        if key in expected and key not in runs:
            runs[key] = result
            bar.update(result)

    for sub in subs:
        if sub.id in settled:
            bar.update(settled[sub.id])
    # Largest first (longest-processing-time rule): the last tasks to start are small,
    # so parallel workers finish together.  Results are keyed by (id, seed); order is irrelevant.
    tasks.sort(key=lambda t: (-_cost(t["hyperparameters"]), t["submission_id"], run_seeds.index(t["seed"])))
    try:
        if tasks:
            run_backend(tasks, arrays, workers=workers, worker=worker, on_result=on_result)
        for task in tasks:  # anything a backend never reported
            if (task["submission_id"], task["seed"]) not in runs:
                on_result(failure(task["submission_id"], SubmissionStatus.CRASHED,
                                  f"the {name!r} backend returned no result", seed=task["seed"]))
    finally:  # also on KeyboardInterrupt (the process backend has stopped its workers by then)
        bar.close()
    wall = time.perf_counter() - t0

    results = []
    for sub in subs:
        try:
            hp_values = sub.hyperparameters_dict
        except (TypeError, ValueError):
            hp_values = {}
        if sub.id in settled:
            r = settled[sub.id]
            results.append(SubmissionResult(
                submission_id=sub.id, submitter=str(sub.submitter), hyperparameters=hp_values,
                status=SubmissionStatus.coerce(r["status"]), score_bps=0, reason=r.get("reason"),
                seeds=list(run_seeds), seed_scores=[0] * len(run_seeds)))
            continue
        sub_runs = [runs[(sub.id, seed)] for seed in run_seeds]
        agg = aggregate_runs(sub_runs)
        trained = [r for r in sub_runs if SubmissionStatus.coerce(r["status"]).trained]
        vals = [r["val_accuracy"] for r in trained if r.get("val_accuracy") is not None]
        first = sub_runs[0]
        results.append(
            SubmissionResult(
                submission_id=sub.id,
                submitter=str(sub.submitter),
                hyperparameters=hp_values,
                status=agg["status"],
                score_bps=int(agg["score_bps"]),
                reason=agg["reason"],
                val_accuracy=sum(vals) / len(vals) if vals else None,
                train_seconds=sum(float(r.get("train_seconds") or 0.0) for r in sub_runs),
                seconds=sum(float(r.get("seconds") or 0.0) for r in sub_runs),
                n_params=first.get("n_params"),
                epochs_run=int(first.get("epochs_run") or 0),
                history=dict(first.get("history") or {}),
                seeds=list(run_seeds),
                seed_scores=agg["seed_scores"],
                score_se_bps=agg["score_se_bps"],
                runs=[_run_summary(r) for r in sub_runs],
            )
        )
    data: dict[str, Any] = {
        "files": [f.to_dict() for f in spec.data_files] if spec is not None else [],
        "cids": dict(data_cids or (spec.data_cids if spec is not None else {})),
        "test_cid": test_cid,
        "dataset": _dataset_info(dataset, arrays),
    }
    run = {"backend": name, "workers": workers, "wall_seconds": round(wall, 3), "started_at": started_at,
           "timeout_s": timeout_s}
    return EvaluationResult(results=results, protocol=protocol, spec=spec, data=data, run=run, metric=metric,
                            seeds=list(run_seeds), baseline_bps=int(majority_baseline_bps(y_test, metric)),
                            test_classes=[int(y_test.size) - n1, n1])


def _run_summary(r: Mapping[str, Any]) -> dict[str, Any]:
    """The per-run part of the report (learning curves only for the first run, in ``history``)."""
    return {k: r.get(k) for k in ("seed", "status", "score_bps", "val_score_bps", "val_accuracy", "reason",
                                  "train_seconds", "epochs_run")}
