"""A participant's hyperparameter search on Optuna, bound to the bounty's spec, protocol and deadline.

Optuna does the searching (samplers, pruners, storage, plots); this module binds it to
what the organizer will do with a submission:

Search space (:func:`search_space`)
    All seven hyperparameters within the spec's bounds: layer counts and units as
    integers (units on a log scale, as Keras Tuner's examples sample widths), dropout
    uniform, learning rate on a log scale, activation and loss categorical.

Objective (:class:`Objective`)
    The spec's protocol (epochs, batch size, optimizer, early stopping) and metric, on
    walk-forward folds of the *published* windows (:func:`walk_forward_folds`, with
    scikit-learn's ``TimeSeriesSplit`` and a gap of ``future_period`` windows, so no
    training label reads a price at or after a validation window's end), averaged over
    the participant's own seeds: the scoring seeds are drawn on-chain after the deadline,
    so tuning to one seed's luck buys nothing.  Each trial records the per-run scores,
    their mean and standard error (``user_attrs``).  A run whose loss or outputs become
    non-finite scores 0, as the organizer scores a diverged run.

Pruning
    A trial trains the newest fold first (the one that trains on the most windows and
    validates on those nearest the test period), all its seeds, then the next older
    fold.  After every epoch the spec's metric on the fold's validation windows is
    reported to the trial at a global step (``run * epochs + epoch``, ``run`` counting
    in that order; ``user_attrs["runs"]`` lists each run's fold and seed) and the pruner
    decides: by default Optuna's ``MedianPruner`` with its own defaults (once 5 trials
    have completed, from the first epoch on).  Why this order: a pruner's first
    decisions rest on one run, and one run of the oldest, smallest fold ranks trials
    worst (``bench/pruning.py``: Spearman 0.47 against the mean of the other runs, 0.53
    for the newest).  Replayed through the pruner, fully trained random trials lost no
    study's best configuration newest fold first and 2 of 6 oldest first, for the same
    time saved (README, Benchmarks).  Optuna's percentile pruners compare a trial's best
    value so far with the other trials' values at the current step; the newest fold
    scores highest, so in practice the pruning decisions fall within its runs.
    optuna-integration's ``KerasPruningCallback`` does import under
    Keras 3, but it reports ``step=epoch`` (repeated for every fold and seed, and Optuna
    ignores a repeated step) and only a Keras log such as ``val_accuracy`` (plain
    accuracy, not the spec's metric), hence our own small callback.

Storage, resuming and workers
    One study per chain, bounty and account in Optuna's journal storage
    (``$BOUNTY_HOME/studies/<chain>-<bounty>-<account>.log``): after Ctrl-C, a crash or
    in a new process the same study continues (trial numbers continue).  The search
    settings (folds, seeds, epochs, metric, run order, a digest of the windows) are stored with the study; resuming with
    different ones is refused, since their scores are not comparable.  ``workers=N``
    spawns N processes on the same journal, each with ``cores // N`` TensorFlow threads
    (the evaluation backends' rule).

Deadline
    No trial starts unless, by the longest trial measured so far, it ends before
    ``deadline - margin`` (the margin is for the preflight and the commit transaction).

Commit
    :func:`preflight` re-trains the best configuration once under the full protocol; a
    non-finite loss or output rejects it and the next best is tried.  Then the caller's
    commit function is called (``Participant.commit`` writes the vault record first).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import math
import multiprocessing
import os
import time
import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ...errors import BountyError
from ...protocol.hyperparams import CHAIN_LIMITS, HyperparameterBounds, Hyperparameters

if TYPE_CHECKING:  # pragma: no cover
    import optuna
    import pandas as pd

    from ...protocol.spec import BountySpec, TrainingProtocol

__all__ = [
    "METRICS",
    "SearchError",
    "Fold",
    "Deadline",
    "Preflight",
    "SearchResult",
    "Objective",
    "search_space",
    "suggest",
    "walk_forward_folds",
    "public_windows",
    "metric_bps",
    "make_sampler",
    "make_pruner",
    "study_path",
    "open_study",
    "check_settings",
    "run_trials",
    "trial_seconds_estimate",
    "ranked_candidates",
    "preflight",
    "run_search",
]

#: Metrics the objective can compute (the spec names one; issue 11 makes balanced accuracy the default).
METRICS: tuple[str, ...] = ("accuracy", "balanced_accuracy")
#: Seconds kept free before the submission deadline by default: preflight plus the commit transaction.
DEFAULT_MARGIN_S = 300.0
#: Consecutive failed trials after which the search stops and re-raises (a bug, not a bad configuration).
MAX_CONSECUTIVE_FAILURES = 3
PARAM_NAMES = ("lstm_layers", "lstm_units", "dense_layers", "activation", "loss", "dropout", "learning_rate")


class SearchError(BountyError, ValueError):
    """A search setting is invalid, the data is too small for the folds, a resumed study was run
    with other settings, or no candidate survived the preflight; the message says which."""


# ============================================================================ space
def search_space(bounds: HyperparameterBounds = CHAIN_LIMITS) -> "dict[str, optuna.distributions.BaseDistribution]":
    """Optuna distributions for the seven hyperparameters, exactly within ``bounds`` (inclusive)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if not isinstance(bounds, HyperparameterBounds):
        raise SearchError(f"bounds: must be HyperparameterBounds, got {type(bounds).__name__}")
    return {
        "lstm_layers": IntDistribution(*bounds.lstm_layers),
        "lstm_units": IntDistribution(*bounds.lstm_units, log=True),
        "dense_layers": IntDistribution(*bounds.dense_layers),
        "activation": CategoricalDistribution(bounds.activations),
        "loss": CategoricalDistribution(bounds.losses),
        "dropout": FloatDistribution(*(float(b) for b in bounds.dropout)),
        "learning_rate": FloatDistribution(*(float(b) for b in bounds.learning_rate), log=True),
    }


def suggest(trial: "optuna.trial.BaseTrial", bounds: HyperparameterBounds = CHAIN_LIMITS) -> Hyperparameters:
    """Ask ``trial`` for one configuration from :func:`search_space` (validated against ``bounds``)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    values: dict[str, Any] = {}
    for name, dist in search_space(bounds).items():
        if isinstance(dist, CategoricalDistribution):
            values[name] = trial.suggest_categorical(name, dist.choices)
        elif isinstance(dist, FloatDistribution):
            values[name] = trial.suggest_float(name, dist.low, dist.high, log=dist.log)
        else:
            values[name] = trial.suggest_int(name, dist.low, dist.high, log=dist.log)
    return Hyperparameters.from_dict(values, bounds=bounds)


# ============================================================================ data
@dataclass(frozen=True)
class Fold:
    """Positions (into :func:`public_windows`) of one fold's training and validation windows."""

    train: np.ndarray
    val: np.ndarray

    def __repr__(self) -> str:
        return (f"Fold(train=[{self.train[0]}..{self.train[-1]}] ({len(self.train)}), "
                f"val=[{self.val[0]}..{self.val[-1]}] ({len(self.val)}))")


def walk_forward_folds(n_windows: int, n_folds: int, gap: int) -> list[Fold]:
    """``n_folds`` expanding-window folds over ``n_windows`` time-ordered windows.

    scikit-learn's ``TimeSeriesSplit(n_splits=n_folds, gap=gap)``: each validation block
    follows its training windows after ``gap`` windows left out, so with ``gap =
    future_period`` no training label (the price ``future_period`` steps after its
    window's end) lies at or after the first validation window's end.
    Raises :class:`SearchError` when a fold would get fewer than 8 training or 2
    validation windows.
    """
    from sklearn.model_selection import TimeSeriesSplit

    if isinstance(n_folds, bool) or not isinstance(n_folds, int) or n_folds < 2:
        raise SearchError(f"folds: walk-forward needs an integer >= 2, got {n_folds!r}")
    if isinstance(gap, bool) or not isinstance(gap, int) or gap < 0:
        raise SearchError(f"gap: must be an integer >= 0, got {gap!r}")
    val_size = n_windows // (n_folds + 1)
    if val_size < 2 or n_windows - n_folds * val_size - gap < 8:
        raise SearchError(f"folds: {n_windows} public windows are too few for {n_folds} walk-forward folds "
                          f"with a gap of {gap}; use fewer folds")
    splitter = TimeSeriesSplit(n_splits=n_folds, gap=gap)
    return [Fold(train, val) for train, val in splitter.split(np.arange(n_windows))]


def public_windows(dataset: Any) -> dict[str, np.ndarray]:
    """The published windows in time order: ``x`` (n, seq_len, n_features), ``y`` (n,), ``t`` (n,)
    window-end timestamps, the dataset's ``n_train`` and, for a ``Dataset``, its scaler."""
    get = (lambda k: dataset.get(k)) if isinstance(dataset, Mapping) else (lambda k: getattr(dataset, k, None))
    x_train, x_val = np.asarray(get("x_train"), np.float32), np.asarray(get("x_val"), np.float32)
    out = {
        "x": np.concatenate([x_train, x_val]) if len(x_val) else x_train,
        "y": np.concatenate([np.asarray(get("y_train")).reshape(-1), np.asarray(get("y_val")).reshape(-1)]),
        "n_train": np.asarray(len(x_train)),
    }
    t_train, t_val = get("t_train"), get("t_val")
    if t_train is not None and t_val is not None:
        out["t"] = np.concatenate([np.asarray(t_train), np.asarray(t_val)])
    mean, std = get("scaler_mean"), get("scaler_std")
    if mean is not None and std is not None:
        out["scaler_mean"], out["scaler_std"] = np.asarray(mean, np.float64), np.asarray(std, np.float64)
    return out


def _windows_digest(windows: Mapping[str, np.ndarray]) -> str:
    """SHA-256 (hex) of the windows a study scores on: inputs, labels and their shapes."""
    digest = hashlib.sha256()
    for key in ("x", "y"):
        array = np.ascontiguousarray(windows[key])
        digest.update(f"{key}{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _fold_arrays(windows: Mapping[str, np.ndarray], fold: Fold) -> dict[str, np.ndarray]:
    """The six arrays ``train_and_score`` takes for one fold (its validation part is also the "test")."""
    x, y = windows["x"], windows["y"]
    x_train, x_val = x[fold.train], x[fold.val]
    if "scaler_mean" in windows:
        # The dataset was standardised with statistics of the spec's whole training part, which
        # reaches past an early fold's validation block: undo it and refit on this fold's
        # training rows (the builder's rule, rule 6 of bounty_client.data.dataset), else early
        # folds would see later data through the scaler.  Rows are the first window's rows
        # plus every later window's last row.
        mean, std = windows["scaler_mean"], windows["scaler_std"]
        raw_train = x_train.astype(np.float64) * std + mean
        rows = np.concatenate([raw_train[0], raw_train[1:, -1, :]])
        fmean, fstd = rows.mean(axis=0), rows.std(axis=0)
        fstd[fstd == 0] = 1.0
        x_train = ((raw_train - fmean) / fstd).astype(np.float32)
        x_val = (((x_val.astype(np.float64) * std + mean) - fmean) / fstd).astype(np.float32)
    return {"x_train": x_train, "y_train": y[fold.train], "x_val": x_val, "y_val": y[fold.val],
            "x_test": x_val, "y_test": y[fold.val]}


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


# ============================================================================ objective
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


# ============================================================================ optuna parts
def make_sampler(sampler: "str | optuna.samplers.BaseSampler", seed: int | None = None) -> "optuna.samplers.BaseSampler":
    """``"tpe"`` (Optuna's TPE), ``"random"``, or any Optuna sampler object as is."""
    import optuna

    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    if sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise SearchError(f"sampler: {sampler!r} is not supported; give 'tpe', 'random' or an optuna sampler")


def make_pruner(pruner: "str | None | optuna.pruners.BasePruner") -> "optuna.pruners.BasePruner":
    """``"median"`` (Optuna's ``MedianPruner`` with its defaults: from the first reported epoch,
    once 5 trials have completed), ``"none"``/``None``, or any Optuna pruner object as is."""
    import optuna

    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    if pruner == "median":
        return optuna.pruners.MedianPruner()
    if pruner in (None, "none"):
        return optuna.pruners.NopPruner()
    raise SearchError(f"pruner: {pruner!r} is not supported; give 'median', 'none' or an optuna pruner")


def study_path(chain_id: int, bounty: str, account: str, home: "str | os.PathLike[str] | None" = None) -> Path:
    """``<home>/studies/<chain_id>-<bounty>-<account>.log`` (``home`` defaults to ``$BOUNTY_HOME``)."""
    from ...roles.vault import default_home

    root = Path(home).expanduser() if home is not None else default_home()
    return root / "studies" / f"{int(chain_id)}-{str(bounty).lower()}-{str(account).lower()}.log"


def open_study(name: str, path: "str | os.PathLike[str] | None", settings: Mapping[str, Any], *,
               sampler: "optuna.samplers.BaseSampler | None" = None,
               pruner: "optuna.pruners.BasePruner | None" = None) -> "optuna.Study":
    """Create or load study ``name`` in the journal file ``path`` (in memory when ``path`` is None).

    ``settings`` (JSON values) are stored with a new study; loading a study stored with
    different settings raises :class:`SearchError` naming the first that differs.
    """
    import optuna

    _quiet_optuna()
    storage = None
    if path is not None:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        storage = JournalStorage(JournalFileBackend(str(path)))
    study = optuna.create_study(study_name=name, storage=storage, direction="maximize", sampler=sampler,
                                pruner=pruner, load_if_exists=True)
    check_settings(study, settings)
    return study


def check_settings(study: "optuna.Study", settings: Mapping[str, Any]) -> None:
    """Store ``settings`` with a new study; raise :class:`SearchError` if a used one has others,
    or has trials but no settings (made elsewhere: what its scores mean is unknown)."""
    stored = study.user_attrs.get("settings")
    if stored is None:
        if study.get_trials(deepcopy=False):
            raise SearchError(f"settings: the study {study.study_name!r} has trials but no search settings (not "
                              f"made by this search), so its scores are not comparable; use another study")
        study.set_user_attr("settings", dict(settings))
        return
    for key in sorted(set(stored) | set(settings)):
        if stored.get(key) != settings.get(key):
            raise SearchError(f"{key}: the study {study.study_name!r} was run with {key}={stored.get(key)!r}, "
                              f"not {settings.get(key)!r}; its scores are not comparable (use those settings, "
                              f"or another study: another name, or move its journal file aside)")


def _quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


# ============================================================================ deadline and loop
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


# ============================================================================ workers
def _worker_main(path: str, name: str, objective: Callable[[Any], float], sampler: Any, pruner: Any,
                 until_trials: int | None,
                 timeout: float | None, deadline_at: float | None, margin: float, intra_op: int) -> None:
    """One search worker process: fix TF's threads first, then run trials on the shared journal."""
    from ..evaluation.worker import init_worker

    init_worker(None, intra_op, 1)
    study = open_study(name, path, _study_settings_from(path, name), sampler=sampler, pruner=pruner)
    run_trials(study, objective, until_trials=until_trials, timeout=timeout,
               deadline=Deadline(deadline_at, margin))


def _study_settings_from(path: str, name: str) -> dict[str, Any]:
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    _quiet_optuna()
    study = optuna.load_study(study_name=name, storage=JournalStorage(JournalFileBackend(path)))
    return dict(study.user_attrs.get("settings", {}))


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


# ============================================================================ preflight and result
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


@dataclass(repr=False)
class SearchResult:
    """A finished (or stopped) search: the Optuna ``study``, the best ``Hyperparameters``, plots.

    ``trials`` is ``study.trials_dataframe()``; ``leaderboard`` one row per finished trial
    (configuration, ``val_bps`` mean score, ``sem_bps``, state), completed trials best first,
    then pruned ones (whose ``val_bps`` is only their last epoch's score).
    """

    study: "optuna.Study"
    bounds: HyperparameterBounds = CHAIN_LIMITS
    stopped: str = "n_trials"
    seconds_left: float = math.inf
    preflight: Preflight | None = None
    submission_id: int | None = None
    plot_paths: dict[str, Path] = field(default_factory=dict)

    @property
    def best(self) -> Hyperparameters:
        """The preflighted configuration if there is one, else the best trial's."""
        if self.preflight is not None:
            return self.preflight.hyperparameters
        ranked = ranked_candidates(self.study, self.bounds)
        if not ranked:
            raise SearchError("study: no trial completed yet")
        return ranked[0]

    @property
    def best_value(self) -> float:
        return float(self.study.best_value)

    @property
    def trials(self) -> "pd.DataFrame":
        return self.study.trials_dataframe()

    def trials_dataframe(self) -> "pd.DataFrame":
        return self.study.trials_dataframe()

    @property
    def leaderboard(self) -> "pd.DataFrame":
        import pandas as pd

        rows = []
        for t in self.study.get_trials(deepcopy=False):
            if not t.state.is_finished():
                continue
            rows.append({"trial": t.number, **{k: t.params.get(k) for k in PARAM_NAMES},
                         "val_bps": None if t.value is None else round(t.value, 1),
                         "sem_bps": t.user_attrs.get("score_sem_bps"), "state": t.state.name.lower(),
                         "seconds": round(t.user_attrs.get("seconds", float("nan")), 1)})
        board = pd.DataFrame(rows, columns=["trial", *PARAM_NAMES, "val_bps", "sem_bps", "state", "seconds"])
        # Completed trials first: a pruned trial's value is only its last reported epoch score
        # (Optuna's rule), not the mean over folds and seeds its rivals are ranked by.
        board["_pruned"] = board["state"] != "complete"
        board = board.set_index("trial").sort_values(["_pruned", "val_bps"], ascending=[True, False], kind="stable",
                                                     na_position="last")
        return board.drop(columns="_pruned")

    def save_plots(self, directory: "str | os.PathLike[str]") -> dict[str, Path]:
        """Optuna's optimisation history and parameter importances (matplotlib) as PNGs in ``directory``.

        Importances need two complete trials; without them only the history is saved.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, png in self._plots().items():
            path = directory / f"{self.study.study_name}-{name}.png"
            path.write_bytes(png)
            paths[name] = path
        self.plot_paths = paths
        return paths

    def _plots(self) -> dict[str, bytes]:
        import matplotlib

        from ...quiet import in_notebook

        matplotlib.use("Agg", force=False) if not in_notebook() else None
        import matplotlib.pyplot as plt
        import optuna
        from optuna.visualization import matplotlib as ovm

        _quiet_optuna()
        complete = self.study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        makers = {"history": ovm.plot_optimization_history}
        if len(complete) >= 2:
            makers["importances"] = ovm.plot_param_importances
        out = {}
        for name, make in makers.items():
            try:
                ax = make(self.study)
            except (ValueError, RuntimeError):  # e.g. importances of parameters that never varied
                continue
            buf = io.BytesIO()
            ax.figure.savefig(buf, format="png", dpi=90, bbox_inches="tight")
            plt.close(ax.figure)
            out[name] = buf.getvalue()
        return out

    def _summary(self) -> str:
        n = len(self.study.get_trials(deepcopy=False))
        try:
            best = f"best {self.best_value:.0f} bps ({self.best})"
        except (ValueError, SearchError):
            best = "no complete trial"
        extra = f", committed #{self.submission_id}" if self.submission_id is not None else ""
        return f"SearchResult({self.study.study_name!r}: {n} trials, {best}, stopped by {self.stopped}{extra})"

    def __repr__(self) -> str:
        return f"{self._summary()}\n{self.leaderboard.head(10).to_string()}"

    def _repr_html_(self) -> str:  # notebooks: summary, top ten, plots
        images = "".join(f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" width="420"/>'
                         for png in self._plots().values())
        from html import escape

        return f"<p>{escape(self._summary())}</p>{self.leaderboard.head(10)._repr_html_()}<div>{images}</div>"


# ============================================================================ the whole search
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
    progress: bool = True,
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

    bar = _ProgressBar(study, n_trials, deadline) if progress else None
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


class _ProgressBar:
    """tqdm bar: trials done (of this call), best so far, time left before the deadline margin."""

    def __init__(self, study: "optuna.Study", n_trials: int | None, deadline: Deadline):
        from tqdm.auto import tqdm

        self.study, self.deadline = study, deadline
        self.start = self._finished(study)
        self.bar = tqdm(total=n_trials, desc="search", unit="trial", leave=True, dynamic_ncols=True)
        self.update(study)

    def update(self, study: "optuna.Study") -> None:
        from optuna.trial import TrialState

        self.bar.update(self._finished(study) - self.start - self.bar.n)
        # completed trials only: a pruned one's value is a single epoch's score (Optuna's rule)
        values = [t.value for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
        left = self.deadline.seconds_left()
        self.bar.set_postfix_str(
            (f"best {max(values):.0f} bps" if values else "best -")
            + ("" if math.isinf(left) else f", {max(0, int(left)) // 60}m{max(0, int(left)) % 60:02d}s left"),
            refresh=True,
        )

    @staticmethod
    def _finished(study: "optuna.Study") -> int:
        return sum(t.state.is_finished() for t in study.get_trials(deepcopy=False))

    def close(self) -> None:
        self.bar.close()
