"""Before a commit: the study's configurations best first, and a re-training of the best under the full
protocol (a non-finite loss or output rejects it and the next best is tried)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from ...protocol.hyperparams import CHAIN_LIMITS, HyperparameterBounds, Hyperparameters
from .errors import SearchError
from .folds import Fold, _fold_arrays, public_windows
from .objective import _epoch_callback
from .space import PARAM_NAMES

if TYPE_CHECKING:  # pragma: no cover
    import optuna

    from ...protocol.spec import TrainingProtocol

__all__ = ["Preflight", "preflight", "ranked_candidates"]


def ranked_candidates(study: "optuna.Study", bounds: HyperparameterBounds = CHAIN_LIMITS) -> list[Hyperparameters]:
    """Distinct configurations of the study's complete trials, best mean score first (ties: earlier trial)."""
    import optuna

    done = [t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))]
    done.sort(key=lambda t: (-t.value, t.number))
    out: list[Hyperparameters] = []
    for t in done:
        hp = Hyperparameters.from_dict({k: t.params[k] for k in PARAM_NAMES}, bounds=bounds)
        if hp not in out:
            out.append(hp)
    return out


@dataclass
class Preflight:
    """The configuration that passed the preflight, its training result and those rejected (with why)."""

    hyperparameters: Hyperparameters
    score_bps: int
    loss: list[float]
    rejected: list[tuple[Hyperparameters, str]] = field(default_factory=list)


def preflight(candidates: Iterable[Hyperparameters], dataset: Any, protocol: "TrainingProtocol", *,
              metric: str = "accuracy", limit: int = 5) -> Preflight:
    """Re-train candidates in order under the full ``protocol`` on the spec's own train/validation
    split until one ends with a finite loss and finite outputs (at most ``limit`` tried).

    Raises :class:`SearchError` when none does.  Why: the organizer scores a non-finite
    run 0 (issue 11); a search on fewer epochs cannot show a configuration that diverges later.
    """
    from ..model import train_and_score

    arrays = public_windows(dataset)
    n_train = int(arrays["n_train"])
    split = Fold(np.arange(n_train), np.arange(n_train, len(arrays["y"])))
    if len(split.val) == 0:
        raise SearchError("dataset: no validation windows for the preflight")
    data = _fold_arrays({k: v for k, v in arrays.items() if k not in ("scaler_mean", "scaler_std")}, split)
    rejected: list[tuple[Hyperparameters, str]] = []
    for i, hp in enumerate(candidates):
        if i >= limit:
            break
        callback = _epoch_callback(None, data["x_val"], data["y_val"], hp.loss, metric, 0)
        result = train_and_score(hp, data, protocol, callbacks=[callback])
        losses = result.history.get("loss", [])
        if callback.diverged or not all(math.isfinite(v) for v in losses):
            rejected.append((hp, "non-finite loss or outputs under the full protocol"))
            continue
        return Preflight(hp, callback.score_bps, losses, rejected)
    if not rejected:
        raise SearchError("preflight: no trial has completed, so there is nothing to commit; run more trials")
    raise SearchError(f"preflight: none of the {len(rejected)} best configurations trains to a finite loss "
                      f"under the full protocol; search longer or narrow the learning rate")
