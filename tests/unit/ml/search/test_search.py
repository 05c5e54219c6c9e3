"""The search core without a chain: space, folds, metric, study storage, deadline, workers.

Objectives here are cheap stand-ins where the rule under test is about the loop, not training
(the trainings are in test_search_training.py).
"""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from search_helpers import FakeClock, TINY_BOUNDS, tiny_dataset, tiny_spec, wait_for_two_trials
from sklearn.metrics import balanced_accuracy_score

from bounty_client.ml.evaluation.backends import threads_per_worker
from bounty_client.protocol.hyperparams import CHAIN_LIMITS, HyperparameterBounds
from bounty_client.ml.search import (
    Deadline,
    Objective,
    SearchError,
    SearchResult,
    metric_bps,
    open_study,
    public_windows,
    run_trials,
    search_space,
    study_path,
    suggest,
    walk_forward_folds,
)
from bounty_client.ml.search.result import _ProgressBar
from bounty_client.ml.search.trials import _run_workers

SETTINGS = {"folds": 2, "seeds": [0], "epochs": 1, "metric": "accuracy"}


# ----------------------------------------------------------------------------- space
@pytest.mark.parametrize("bounds", [CHAIN_LIMITS, TINY_BOUNDS], ids=["chain-limits", "narrow"])
def test_search_space__equals_the_spec_bounds(bounds: HyperparameterBounds):
    space = search_space(bounds)
    assert list(space) == ["lstm_layers", "lstm_units", "dense_layers", "activation", "loss", "dropout",
                           "learning_rate"]
    for name in ("lstm_layers", "lstm_units", "dense_layers"):
        assert isinstance(space[name], IntDistribution)
        assert (space[name].low, space[name].high) == getattr(bounds, name)
        assert space[name].step == 1
    assert isinstance(space["activation"], CategoricalDistribution)
    assert space["activation"].choices == bounds.activations
    assert space["loss"].choices == bounds.losses
    assert isinstance(space["dropout"], FloatDistribution) and not space["dropout"].log
    assert (space["dropout"].low, space["dropout"].high) == bounds.dropout
    assert space["learning_rate"].log  # learning rate on a log scale
    assert (space["learning_rate"].low, space["learning_rate"].high) == bounds.learning_rate


def test_suggest__every_sample_lies_within_the_bounds():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(60):
        trial = study.ask()
        hp = suggest(trial, TINY_BOUNDS)  # Hyperparameters validates against the bounds
        assert isinstance(hp.lstm_units, int) and isinstance(hp.dense_layers, int)
        study.tell(trial, 0.0)


# ----------------------------------------------------------------------------- folds
@pytest.mark.parametrize("future_period", [1, 3, 7])
def test_walk_forward_folds__no_validation_window_before_a_training_label(future_period):
    spec = tiny_spec(future_period=future_period)
    windows = public_windows(tiny_dataset(spec, rows=400))
    t = pd.DatetimeIndex(windows["t"])
    step = pd.Timedelta("5min")
    folds = walk_forward_folds(len(windows["y"]), 3, future_period)
    assert len(folds) == 3
    for fold in folds:
        assert fold.train[0] == 0 and np.all(np.diff(fold.train) == 1)  # expanding window from the start
        label_of_last_train = t[fold.train].max() + future_period * step  # the price its label reads
        assert t[fold.val].min() > label_of_last_train
        assert fold.val[0] - fold.train[-1] > future_period
    assert all(a.val[-1] < b.val[0] for a, b in zip(folds, folds[1:]))  # validation blocks walk forward


def test_walk_forward_folds__too_few_windows__names_the_setting():
    with pytest.raises(SearchError, match="folds: 20 public windows are too few for 5"):
        walk_forward_folds(20, 5, 3)
    with pytest.raises(SearchError, match="folds: walk-forward needs an integer >= 2"):
        walk_forward_folds(100, 1, 3)


# ----------------------------------------------------------------------------- metric
def test_metric_bps__balanced_accuracy_equals_scikit_learn_floored():
    rng = np.random.default_rng(1)
    for _ in range(50):
        y = rng.integers(0, 2, 97)
        p = rng.integers(0, 2, 97)
        if len(set(y)) < 2:
            continue
        assert metric_bps("balanced_accuracy", y, p) == int(np.floor(balanced_accuracy_score(y, p) * 10_000 + 1e-9))
    y = np.array([1] * 80 + [0] * 20)
    assert metric_bps("balanced_accuracy", y, np.ones(100)) == 5000  # a constant cannot win
    assert metric_bps("accuracy", y, np.ones(100)) == 8000


def test_metric_bps__unknown_metric__raises():
    with pytest.raises(SearchError, match="metric: 'f1' is not supported"):
        metric_bps("f1", np.ones(3), np.ones(3))


# ----------------------------------------------------------------------------- storage
def _quadratic(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -1, 1)
    trial.set_user_attr("seconds", 0.0)
    return -x * x


def test_study_path__one_file_per_chain_bounty_and_account(home):
    a = study_path(31337, "0xAbC", "0xDeF")
    assert a == home / "studies" / "31337-0xabc-0xdef.log"
    assert study_path(1, "0xAbC", "0xDeF") != a and study_path(31337, "0xAbC", "0x111") != a


def test_resumed_study__continues_numbering_and_keeps_earlier_trials(tmp_path):
    path = tmp_path / "studies" / "s.log"
    first = open_study("s", path, SETTINGS)
    run_trials(first, _quadratic, n_trials=3)
    before = [(t.number, t.value) for t in first.trials]

    def interrupted(trial):  # Ctrl-C in the middle of a trial
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_trials(first, interrupted, n_trials=1)

    again = open_study("s", path, SETTINGS)  # a new process would do exactly this
    run_trials(again, _quadratic, n_trials=2)
    trials = again.trials
    assert [t.number for t in trials] == [0, 1, 2, 3, 4, 5]
    assert [(t.number, t.value) for t in trials[:3]] == before
    assert trials[3].state == optuna.trial.TrialState.FAIL
    assert [t.state for t in trials[4:]] == [optuna.trial.TrialState.COMPLETE] * 2


def test_resumed_study__with_other_settings__is_refused(tmp_path):
    path = tmp_path / "s.log"
    open_study("s", path, SETTINGS)
    with pytest.raises(SearchError, match=r"seeds: the study 's' was run with seeds=\[0\], not \[0, 1\]"):
        open_study("s", path, dict(SETTINGS, seeds=[0, 1]))


def test_leaderboard__ranks_completed_trials_before_pruned_ones():
    # a pruned trial's value is its last epoch's score (Optuna's rule), not a mean over folds and seeds
    study = optuna.create_study(direction="maximize")
    space = search_space(TINY_BOUNDS)
    params = {k: (d.choices[0] if isinstance(d, CategoricalDistribution) else d.low) for k, d in space.items()}
    for value, state in [(5100.0, "COMPLETE"), (7000.0, "PRUNED"), (5300.0, "COMPLETE")]:
        study.add_trial(optuna.trial.create_trial(params=params, distributions=space, value=value,
                                                  state=optuna.trial.TrialState[state], intermediate_values={0: value}))
    board = SearchResult(study, TINY_BOUNDS).leaderboard
    assert list(board.index) == [2, 0, 1]
    assert list(board["state"]) == ["complete", "complete", "pruned"]


def test_open_study__with_trials_but_no_settings__is_refused_and_keeps_them(tmp_path):
    # a study made elsewhere (plain Optuna on the same journal): what its scores mean is unknown
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    path = tmp_path / "s.log"
    foreign = optuna.create_study(study_name="s", storage=JournalStorage(JournalFileBackend(str(path))),
                                  direction="maximize")
    foreign.optimize(_quadratic, n_trials=1)
    with pytest.raises(SearchError, match="settings: the study 's' has trials but no search settings"):
        open_study("s", path, SETTINGS)
    assert len(foreign.trials) == 1 and "settings" not in foreign.user_attrs


def test_progress_bar__best_so_far__counts_completed_trials_only():
    study = optuna.create_study(direction="maximize")
    study.add_trial(optuna.trial.create_trial(value=5300.0))
    study.add_trial(optuna.trial.create_trial(value=7000.0, state=optuna.trial.TrialState.PRUNED,
                                              intermediate_values={0: 7000.0}))
    bar = _ProgressBar(study, None, Deadline())
    try:
        assert "best 5300 bps" in bar.bar.postfix
    finally:
        bar.close()


def test_run_trials__without_any_limit__is_refused():
    with pytest.raises(SearchError, match="n_trials: give n_trials, a timeout or a deadline"):
        run_trials(optuna.create_study(), _quadratic)


# ----------------------------------------------------------------------------- deadline
def _timed_objective(clock: FakeClock, starts: list, durations):
    durations = iter(durations)

    def objective(trial):
        start = clock()
        starts.append(start)
        clock.advance(next(durations))
        trial.set_user_attr("seconds", clock() - start)  # as Objective measures, on the same clock
        return 0.0

    return objective


@pytest.mark.parametrize("deadline_at, expected", [(100, 8), (99, 7), (101, 8)],
                         ids=["last-trial-ends-at-the-margin", "one-second-short", "one-second-spare"])
def test_run_trials__no_trial_starts_that_cannot_end_before_the_deadline_margin(deadline_at, expected):
    clock = FakeClock(0.0)
    starts: list[float] = []
    study = optuna.create_study()
    stopped = run_trials(study, _timed_objective(clock, starts, [10.0] * 100),
                         deadline=Deadline(deadline_at, margin=20, clock=clock))
    assert stopped == "deadline"
    assert len(study.trials) == expected
    assert all(s + 10 <= deadline_at - 20 for s in starts)


def test_run_trials__uses_the_longest_trial_measured():
    clock = FakeClock(0.0)
    starts: list[float] = []
    study = optuna.create_study()
    # 5 s, then a 30 s trial; from then on 30 s is the estimate although later trials take 5 s
    run_trials(study, _timed_objective(clock, starts, [5, 30] + [5] * 50), deadline=Deadline(100, margin=0, clock=clock))
    assert starts == [0, 5, 35, 40, 45, 50, 55, 60, 65, 70]
    assert clock() == 75  # 75 + 30 > 100: no trial started after


def test_run_trials__timeout_and_n_trials():
    clock = FakeClock(0.0)
    study = optuna.create_study()
    assert run_trials(study, _timed_objective(clock, [], [10.0] * 10), timeout=25,
                      deadline=Deadline(None, clock=clock)) == "timeout"
    assert len(study.trials) == 3  # started at 0, 10, 20
    assert run_trials(study, _quadratic, n_trials=2) == "n_trials"
    assert len(study.trials) == 5


# ----------------------------------------------------------------------------- workers
def test_two_worker_processes__share_one_study(tmp_path):
    path = tmp_path / "shared.log"
    study = open_study("shared", path, SETTINGS)
    # Each trial waits until the study holds a second trial, which only the other process can start.
    stopped = _run_workers(study, path, wait_for_two_trials, workers=2, sampler="random", sampler_seed=0,
                           pruner=optuna.pruners.NopPruner(), n_trials=2, timeout=None, deadline=Deadline(),
                           on_poll=None)
    assert stopped == "n_trials"
    trials = open_study("shared", path, SETTINGS).trials
    assert [t.number for t in trials] == [0, 1]
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    assert len({t.user_attrs["pid"] for t in trials}) == 2
    # thread discipline of the evaluation backends: cores // workers intra-op threads each
    assert {t.user_attrs["intra_op"] for t in trials} == {threads_per_worker(2)}


def test_objective__is_picklable_for_worker_processes():
    import pickle

    spec = tiny_spec()
    windows = public_windows(tiny_dataset(spec))
    objective = Objective(windows, walk_forward_folds(len(windows["y"]), 2, 3), spec.protocol, (0,))
    assert pickle.loads(pickle.dumps(objective)).seeds == (0,)
