"""A participant's hyperparameter search on Optuna, bound to the bounty's spec, protocol and deadline.

Optuna does the searching (samplers, pruners, storage, plots); this package binds it to
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

Layout (one module per concept, as Optuna's own packages): :mod:`.space` (the distributions),
:mod:`.folds` (published windows, walk-forward folds), :mod:`.objective` (a trial's score and its
pruning), :mod:`.study` (sampler, pruner, journal storage, settings), :mod:`.trials` (the loop, the
deadline, worker processes), :mod:`.preflight`, :mod:`.result` (:class:`SearchResult`) and
:mod:`.run` (:func:`run_search`, the whole search).
"""

from .errors import SearchError
from .folds import Fold, public_windows, walk_forward_folds
from .objective import METRICS, Objective, metric_bps
from .preflight import Preflight, preflight, ranked_candidates
from .result import SearchResult
from .run import run_search
from .space import search_space, suggest
from .study import check_settings, make_pruner, make_sampler, open_study, study_path
from .trials import Deadline, run_trials, trial_seconds_estimate

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
