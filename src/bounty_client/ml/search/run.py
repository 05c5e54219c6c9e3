"""The whole search in one call, :func:`run_search`: check the settings, open or resume the study, run
trials (here or in workers), then preflight and commit the best if asked (see the package docstring)."""

from __future__ import annotations

import math
import os
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from ...protocol.hyperparams import Hyperparameters
from .errors import SearchError
from .folds import Fold, _windows_digest, public_windows, walk_forward_folds
from .objective import METRICS, Objective
from .preflight import preflight, ranked_candidates
from .result import SearchResult, _ProgressBar
from .space import PARAM_NAMES
from .study import _quiet_optuna, check_settings, make_pruner, make_sampler, open_study
from .trials import Deadline, _run_workers, run_trials

if TYPE_CHECKING:  # pragma: no cover
    import optuna

    from ...protocol.spec import BountySpec

__all__ = ["run_search"]


def _seeds(seeds: "int | Sequence[int]") -> tuple[int, ...]:
    if isinstance(seeds, bool):
        raise SearchError(f"seeds: give a count or a list of seeds, got {seeds!r}")
    if isinstance(seeds, int):
        if seeds < 1:
            raise SearchError(f"seeds: must be >= 1, got {seeds}")
        return tuple(range(seeds))
    out = tuple(seeds)
    if not out or any(isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < 2**32 for s in out):
        raise SearchError(f"seeds: must be integers in [0, 2**32), got {list(out)!r}")
    return out


def run_search(
    spec: "BountySpec",
    dataset: Any,
    *,
    study_name: str,
    storage_path: "str | os.PathLike[str] | None",
    study: "optuna.Study | None" = None,
    n_trials: int | None = None,
    timeout: float | None = None,
    sampler: "str | optuna.samplers.BaseSampler" = "tpe",
    pruner: "str | None | optuna.pruners.BasePruner" = "median",
    seeds: "int | Sequence[int]" = 3,
    folds: int = 3,
    workers: int = 1,
    epochs: int | None = None,
    metric: str | None = None,
    candidates: Sequence[Hyperparameters] = (),
    deadline: Deadline | None = None,
    sampler_seed: int | None = None,
    progress: "bool | str" = True,
    commit: Callable[[Hyperparameters], Any] | None = None,
    plots_dir: "str | os.PathLike[str] | None" = None,
) -> SearchResult:
    """Search ``spec``'s space on ``dataset``'s published windows; see the module docstring.

    ``folds=1`` uses the spec's own train/validation split; ``>= 2`` walk-forward folds.
    ``epochs`` shortens the protocol for the search (the preflight uses the spec's).
    ``metric`` defaults to the spec's.  ``candidates`` are enqueued first (once per study).
    ``study`` (an ``optuna.Study``) replaces ``study_name``/``storage_path``.
    ``commit`` is called with the preflighted best; its return value is kept as
    ``submission_id``.  Raises :class:`SearchError` (bad settings, too little data, a study
    run with other settings, nothing survived the preflight) before any training where it can.
    """
    import dataclasses as dc

    for name, value, kind in (("n_trials", n_trials, Integral), ("timeout", timeout, Real), ("epochs", epochs, Integral)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind) or not 0 < value < math.inf):
            what = "a number of seconds" if name == "timeout" else "a whole number"
            raise SearchError(f"{name}: must be {what} > 0 (finite), got {value!r}")
    protocol = spec.protocol
    search_protocol = protocol if epochs is None else dc.replace(protocol, epochs=int(epochs))
    metric = metric or getattr(spec, "metric", "accuracy")
    if metric not in METRICS:
        raise SearchError(f"metric: {metric!r} is not supported; choose one of {list(METRICS)}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SearchError(f"workers: must be an integer >= 1, got {workers!r}")
    if workers > 1 and storage_path is None:
        raise SearchError("workers: parallel workers share the study through its journal file; give a storage path")
    seed_list = _seeds(seeds)
    candidates = [spec.hyperparameters(c) for c in candidates]
    windows = public_windows(dataset)
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 1:
        raise SearchError(f"folds: must be an integer >= 1, got {folds!r}")
    if folds == 1:
        n_train = int(windows["n_train"])
        if n_train == len(windows["y"]):
            raise SearchError("folds: the dataset has no validation windows; use folds >= 2")
        fold_list = [Fold(np.arange(n_train), np.arange(n_train, len(windows["y"])))]
        windows = {k: v for k, v in windows.items() if k not in ("scaler_mean", "scaler_std")}  # its own scaler
    else:
        fold_list = walk_forward_folds(len(windows["y"]), folds, spec.future_period)
    deadline = deadline or Deadline()
    # run_order: what each reported step means (Objective.run_order); a study whose steps meant
    # something else would have the pruner compare other folds' scores.  windows_sha256: the data
    # scored on (another bounty's, or other seq_len/future_period/target, is another problem).
    settings = {"folds": folds, "seeds": list(seed_list), "epochs": search_protocol.epochs, "metric": metric,
                "protocol": search_protocol.to_dict(), "bounds": spec.bounds.to_dict(),
                "run_order": "newest_fold_first", "windows_sha256": _windows_digest(windows)}
    settings["protocol"].pop("seed")
    pruner_obj = make_pruner(pruner)
    if study is None:
        study = open_study(study_name, storage_path, settings, sampler=make_sampler(sampler, sampler_seed),
                           pruner=pruner_obj)
    else:  # the caller's study keeps its own sampler and pruner
        _quiet_optuna()
        check_settings(study, settings)
        if workers > 1:
            raise SearchError("workers: give the study by name (journal storage) to run parallel workers")
    for hp in candidates:
        study.enqueue_trial({k: getattr(hp, k) for k in PARAM_NAMES}, skip_if_exists=True)
    if n_trials is None and timeout is None and deadline.at is None:
        n_trials = max(1, len(candidates))
    objective = Objective(windows, fold_list, search_protocol, seed_list, metric, spec.bounds, deadline.clock)

    # A string names the bar (`train` shows "train"); True shows "search".
    bar = _ProgressBar(study, n_trials, deadline, progress if isinstance(progress, str) else "search") \
        if progress else None
    try:
        if workers == 1:
            stopped = run_trials(study, objective, n_trials=n_trials, timeout=timeout, deadline=deadline,
                                 on_trial=bar.update if bar else None)
        else:
            stopped = _run_workers(study, Path(storage_path), objective, workers=workers, sampler=sampler,
                                   sampler_seed=sampler_seed, pruner=pruner_obj, n_trials=n_trials,
                                   timeout=timeout, deadline=deadline, on_poll=bar.update if bar else None)
    finally:
        if bar is not None:
            bar.close()
    result = SearchResult(study, spec.bounds, stopped, deadline.seconds_left())
    if commit is not None:
        result.preflight = preflight(ranked_candidates(study, spec.bounds), dataset, protocol, metric=metric)
        result.submission_id = commit(result.preflight.hyperparameters)
    if plots_dir is not None:
        result.save_plots(plots_dir)
    return result
