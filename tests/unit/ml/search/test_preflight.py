"""The search with real Keras training (tiny models, 1-2 epochs, a few trials)."""

from __future__ import annotations

import optuna
import pytest
from search_helpers import hp, tiny_dataset, tiny_spec

from bounty_client.protocol.hyperparams import Hyperparameters
from bounty_client.ml.search import SearchError, SearchResult, preflight, public_windows, run_search, walk_forward_folds
from bounty_client.protocol.spec import TrainingProtocol

pytestmark = pytest.mark.slow

#: Learning rate 1.0 through 8 linear Dense layers of 256 units: the loss is NaN after one epoch.
DIVERGING = Hyperparameters(1, 256, 8, "linear", "sparse_categorical_crossentropy", 0.0, 1.0)


def test_run_search__candidates_first__resume_continues_the_study(home):
    spec = tiny_spec(epochs=1)
    ds = tiny_dataset(spec)
    first, second = hp(lstm_units=4), hp(lstm_units=2, activation="relu")
    path = home / "studies" / "t.log"
    kwargs = dict(study_name="t", storage_path=path, seeds=1, folds=2, progress=False, sampler_seed=0)
    result = run_search(spec, ds, n_trials=2, candidates=[first, second], **kwargs)
    trials = result.study.trials
    assert [Hyperparameters.from_dict(t.params) for t in trials] == [first, second]  # enqueued, in order
    assert all(len(t.user_attrs["scores_bps"]) == 2 for t in trials)  # 2 folds x 1 seed
    assert result.best in (first, second) and result.stopped == "n_trials"

    # a new call (as after a crash or in a new process) continues the same study; the
    # candidates are not trained again
    again = run_search(spec, ds, n_trials=1, candidates=[first, second], **kwargs)
    numbers = [t.number for t in again.study.trials]
    assert numbers == [0, 1, 2]
    assert [(t.params, t.value) for t in again.study.trials[:2]] == [(t.params, t.value) for t in trials]

    board = again.leaderboard
    assert list(board["val_bps"]) == sorted(board["val_bps"], reverse=True)
    assert {"val_bps", "sem_bps", "state", *first.to_dict()} <= set(board.columns)
    assert len(again.trials_dataframe()) == 3
    paths = again.save_plots(home / "plots")
    assert set(paths) == {"history", "importances"}
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths.values())
    assert "3 trials, best" in repr(again) and "<img" in again._repr_html_()


def test_run_search__pruner_stops_a_trial_at_its_first_report(home):
    class AlwaysPrune(optuna.pruners.BasePruner):
        def prune(self, study, trial):
            return True

    spec = tiny_spec(epochs=2)
    result = run_search(spec, tiny_dataset(spec), study_name="p", storage_path=None, n_trials=1, seeds=2, folds=2,
                        pruner=AlwaysPrune(), candidates=[hp()], progress=False)
    (trial,) = result.study.trials
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert list(trial.intermediate_values) == [0]  # one epoch of the first fold and seed, then stopped
    assert trial.user_attrs["scores_bps"] == []


def test_run_search__reports_every_epoch_of_every_fold_and_seed_at_its_own_step__newest_fold_first(home):
    spec = tiny_spec(epochs=2)
    result = run_search(spec, tiny_dataset(spec), study_name="r", storage_path=None, n_trials=1, seeds=[5, 9],
                        folds=2, pruner="none", candidates=[hp()], progress=False, metric="balanced_accuracy")
    (trial,) = result.study.trials
    assert list(trial.intermediate_values) == list(range(8))  # 2 folds x 2 seeds x 2 epochs
    scores = trial.user_attrs["scores_bps"]
    assert len(scores) == 4 and trial.value == pytest.approx(sum(scores) / 4)
    assert trial.user_attrs["score_sem_bps"] >= 0
    # the newest fold (most training windows, validation nearest the test period) runs first,
    # all its seeds, then the older one: the pruner's first decisions rest on it
    assert trial.user_attrs["runs"] == [[1, 5], [1, 9], [0, 5], [0, 9]]
    folds = walk_forward_folds(len(public_windows(tiny_dataset(spec))["y"]), 2, spec.future_period)
    assert len(folds[1].train) > len(folds[0].train) and folds[1].val[0] > folds[0].val[-1]
    assert len(trial.user_attrs["run_seconds"]) == 4 and all(s > 0 for s in trial.user_attrs["run_seconds"])


def test_run_search__resuming_a_study_whose_steps_meant_another_run_order__is_refused(home):
    spec = tiny_spec(epochs=1)
    ds = tiny_dataset(spec)
    kwargs = dict(study_name="old", storage_path=home / "studies" / "old.log", n_trials=1, seeds=1, folds=2,
                  pruner="none", progress=False)
    study = run_search(spec, ds, **kwargs).study
    # a study from before the newest-fold-first order stored no run_order: its step k was another fold
    settings = dict(study.user_attrs["settings"])
    assert settings.pop("run_order") == "newest_fold_first"
    study.set_user_attr("settings", settings)
    with pytest.raises(SearchError, match="run_order: the study 'old' was run with run_order=None"):
        run_search(spec, ds, **kwargs)
    assert len(study.trials) == 1  # nothing trained, nothing lost


def test_run_search__resuming_a_study_on_other_data__is_refused(home):
    # e.g. a named study reused for another bounty: its scores were measured on other windows
    spec = tiny_spec(epochs=1)
    kwargs = dict(study_name="mine", storage_path=home / "studies" / "mine.log", n_trials=1, seeds=1, folds=2,
                  pruner="none", progress=False)
    study = run_search(spec, tiny_dataset(spec), **kwargs).study
    other = tiny_spec(epochs=1, future_period=spec.future_period + 1)
    with pytest.raises(SearchError, match="windows_sha256: the study 'mine' was run with windows_sha256="):
        run_search(other, tiny_dataset(other), **kwargs)
    assert len(study.trials) == 1


def test_run_search__pruned_trial__keeps_the_runs_it_finished(home):
    class PruneAtThirdRun(optuna.pruners.BasePruner):
        def prune(self, study, trial):
            return trial.last_step == 2  # the first epoch of the third run (1 epoch per run)

    spec = tiny_spec(epochs=1)
    result = run_search(spec, tiny_dataset(spec), study_name="q", storage_path=None, n_trials=1, seeds=2, folds=2,
                        pruner=PruneAtThirdRun(), candidates=[hp()], progress=False)
    (trial,) = result.study.trials
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert trial.user_attrs["runs"] == [[1, 0], [1, 1]]  # the newest fold's two seeds, not the pruned run
    assert len(trial.user_attrs["scores_bps"]) == len(trial.user_attrs["run_seconds"]) == 2


def test_preflight__refuses_a_diverging_best_and_takes_the_next():
    spec = tiny_spec()
    ok = hp()
    checked = preflight([DIVERGING, ok], tiny_dataset(spec), TrainingProtocol(epochs=2, batch_size=64, seed=7))
    assert checked.hyperparameters == ok
    assert [h for h, _ in checked.rejected] == [DIVERGING]
    assert all(v == v for v in checked.loss)


def test_preflight__without_candidates__raises():
    spec = tiny_spec()
    with pytest.raises(SearchError, match="preflight: no trial has completed, so there is nothing to commit"):
        preflight([], tiny_dataset(spec), spec.protocol)


def test_run_search__bad_settings__raise_before_training(home):
    spec = tiny_spec()
    ds = tiny_dataset(spec)
    for kwargs, message in [
        (dict(sampler="grid"), "sampler: 'grid' is not supported"),
        (dict(pruner="hyperband!"), "pruner: 'hyperband!' is not supported"),
        (dict(seeds=0), "seeds: must be >= 1"),
        (dict(workers=2), "workers: parallel workers share the study through its journal file"),
        (dict(metric="f1"), "metric: 'f1' is not supported"),
        (dict(folds=40), "folds: 248 public windows are too few for 40"),
        (dict(timeout="30m"), r"timeout: must be a number of seconds > 0 \(finite\), got '30m'"),
        (dict(timeout=float("nan")), r"timeout: must be a number of seconds > 0 \(finite\), got nan"),
        (dict(n_trials=1.5), r"n_trials: must be a whole number > 0 \(finite\), got 1.5"),
        (dict(epochs=float("inf")), r"epochs: must be a whole number > 0 \(finite\), got inf"),
    ]:
        with pytest.raises(SearchError, match=message):
            run_search(spec, ds, **{"study_name": "x", "storage_path": None, "n_trials": 1, "progress": False,
                                    **kwargs})
    assert isinstance(SearchResult, type)
