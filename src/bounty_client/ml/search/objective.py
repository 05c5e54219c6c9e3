"""The objective a trial is scored by: the spec's protocol and metric over folds x seeds, with pruning.

:class:`Objective` trains the newest fold first, every seed of a fold in turn, reports the spec's
metric on the fold's validation windows after every epoch at a global step, and lets Optuna's
pruner stop the trial; a run whose loss or outputs become non-finite scores 0, as the organizer
scores a diverged run.  :func:`metric_bps` is the organizer's scoring rule on a trial's predictions.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from ...protocol.hyperparams import CHAIN_LIMITS, HyperparameterBounds
from .errors import SearchError
from .folds import Fold, _fold_arrays
from .space import suggest

if TYPE_CHECKING:  # pragma: no cover
    import optuna

    from ...protocol.spec import TrainingProtocol

__all__ = ["METRICS", "Objective", "metric_bps"]

#: Metrics the objective can compute (the spec names one; issue 11 makes balanced accuracy the default).
METRICS: tuple[str, ...] = ("accuracy", "balanced_accuracy")


def metric_bps(metric: str, y_true: np.ndarray, y_pred: np.ndarray) -> int:
    """``metric`` in integer basis points: the organizer's own rule (:func:`bounty_client.ml.model.score_bps`),
    so a trial's predictions are scored by the same rule as the evaluation's."""
    from ..model import score_bps

    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise SearchError(f"metric: {y_true.size} labels and {y_pred.size} predictions")
    if metric not in METRICS:
        raise SearchError(f"metric: {metric!r} is not supported; choose one of {list(METRICS)}")
    return score_bps(y_true, y_pred, metric)


def _epoch_callback(trial: "optuna.trial.Trial | None", x_val: np.ndarray, y_val: np.ndarray, loss: str,
                    metric: str, first_step: int) -> Any:
    """A Keras callback: score the validation windows after each epoch, report, stop on prune or divergence."""
    from ..model import PREDICT_CHUNK, _import_tf, predict_classes

    _, keras = _import_tf()  # through bounty_client.quiet: no TensorFlow start-up noise

    class EpochScore(keras.callbacks.Callback):
        pruned = False
        diverged = False
        score_bps = 0

        def _score(self) -> int | None:
            # Keras' traced predict function (traced once per compiled model and kept with it
            # across re-used runs) instead of the eager calls the organizer's scoring makes: this
            # runs after every epoch of every fold and seed (6-8 % of bench-search's wall time).
            # Graph and eager outputs may differ in the last float bits, which can move only a
            # window sitting exactly at the class threshold; search scores are estimates that
            # nothing on chain is derived from (the preflight and the organizer use
            # train_and_score).  In chunks of PREDICT_CHUNK windows, as the organizer's.
            chunks = [np.asarray(self.model.predict_on_batch(x_val[i:i + PREDICT_CHUNK]))
                      for i in range(0, len(x_val), PREDICT_CHUNK)]
            outputs = np.concatenate(chunks) if chunks else np.empty((0,))
            if not np.isfinite(outputs).all():
                return None
            return metric_bps(metric, y_val, predict_classes(outputs, loss))

        def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
            loss_value = (logs or {}).get("loss")
            score = None if loss_value is not None and not math.isfinite(loss_value) else self._score()
            if score is None:  # the organizer scores a non-finite run 0 (issue 11): stop now
                self.diverged, self.model.stop_training = True, True
                return
            if trial is not None:
                trial.report(score, first_step + epoch)
                if trial.should_prune():
                    self.pruned, self.model.stop_training = True, True

        def on_train_end(self, logs: Mapping[str, float] | None = None) -> None:
            if not self.diverged:  # after EarlyStopping restored its best weights, if it did
                score = self._score()
                self.diverged = score is None
                self.score_bps = 0 if score is None else score

    return EpochScore()


@dataclass
class Objective:
    """``trial -> mean score (bps)`` of the suggested configuration over folds x seeds (see module docs).

    Picklable (plain arrays and settings) so that worker processes can run it.
    """

    windows: dict[str, np.ndarray]
    folds: list[Fold]
    protocol: "TrainingProtocol"
    seeds: tuple[int, ...]
    metric: str = "accuracy"
    bounds: HyperparameterBounds = CHAIN_LIMITS
    clock: Callable[[], float] = time.time

    def run_order(self) -> list[int]:
        """Fold indices in the order a trial trains them: the newest (largest) fold first, see
        the module docstring's *Pruning*; each fold's seeds follow one another."""
        return list(reversed(range(len(self.folds))))

    def __call__(self, trial: "optuna.trial.Trial") -> float:
        import optuna

        from ..model import train_and_score

        started = self.clock()
        hp = suggest(trial, self.bounds)
        trial.set_user_attr("pid", os.getpid())
        scores: list[int] = []
        runs: list[list[int]] = []
        run_seconds: list[float] = []  # the first includes building and tracing the model
        diverged = 0
        try:
            for f in self.run_order():
                arrays = _fold_arrays(self.windows, self.folds[f])
                if self.protocol.early_stopping_patience is None:
                    # Nothing in the protocol reads Keras' own validation pass; our callback scores the
                    # fold's validation windows itself, so skip Keras' (about 13 % of a tiny run).
                    arrays["x_val"], arrays["y_val"] = arrays["x_val"][:0], arrays["y_val"][:0]
                for seed in self.seeds:
                    step = len(runs) * self.protocol.epochs
                    runs.append([f, int(seed)])
                    callback = _epoch_callback(trial, arrays["x_test"], arrays["y_test"], hp.loss, self.metric, step)
                    run_started = self.clock()
                    train_and_score(hp, arrays, dataclasses.replace(self.protocol, seed=int(seed)),
                                    callbacks=[callback])
                    run_seconds.append(round(float(self.clock() - run_started), 4))
                    if callback.pruned:
                        raise optuna.TrialPruned(f"pruned in fold {f}, seed {seed}")
                    diverged += callback.diverged
                    scores.append(0 if callback.diverged else callback.score_bps)
        finally:
            trial.set_user_attr("seconds", float(self.clock() - started))
            trial.set_user_attr("scores_bps", scores)
            trial.set_user_attr("runs", runs[:len(scores)])  # [fold, seed] of each score, in run order
            trial.set_user_attr("run_seconds", run_seconds[:len(scores)])
            trial.set_user_attr("diverged_runs", diverged)
        mean = float(np.mean(scores))
        sem = float(np.std(scores, ddof=1) / math.sqrt(len(scores))) if len(scores) > 1 else 0.0
        trial.set_user_attr("score_sem_bps", round(sem, 1))
        return mean
