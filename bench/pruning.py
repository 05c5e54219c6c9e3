"""Benchmark: the time median pruning saves in the search, and whether it ever drops a study's
best configuration, with the search's run order (newest fold first) and the opposite one (issue 14).

    make bench-pruning    # or: python bench/pruning.py [--search-seeds 6] [--trials 24] [--save F | --load F]

Record: for each search seed, Optuna's random sampler draws ``--trials`` configurations of
bench-search's space (bench/search.py: the same spec, data, 3 walk-forward folds x 3 training
seeds x 3 epochs) and ``bounty_client.ml.search`` trains each in full (pruner ``"none"``).  Every
trial keeps each run's fold and seed, per-epoch scores (its intermediate values), final score
and seconds.  ``--save F`` writes the record as JSON, ``--load F`` replays one without training.

Replay: the recorded trials are fed, run by run and epoch by epoch, to a fresh Optuna study with
the pruner under test (``trial.report`` / ``trial.should_prune``, as the search does), in either
run order.  A trial costs its first build (its first recorded run less that fold's re-used runs),
its overhead outside training (suggesting, fold arrays, storage) and every run it started, counted
whole even when pruned after its first epoch (so savings are understated).  Sequential and with a
random sampler: it shows neither parallel workers nor how TPE uses pruned trials (bench/search.py
measures TPE with pruning end to end).  A random sampler's draws do not depend on results, so every variant sees the same
configurations: the saving is the pruner's alone, not mixed with a sampler choosing other models.

Prints a table and ends with one JSON line: ``trials``, ``search_seeds``, ``record_seconds``
(training time of the record), then per variant (``<order>__<pruner>``) the fraction of time
saved (``saved``), the studies whose best configuration survived pruning (``best_kept``, out of
``search_seeds``), the mean shortfall of the replay's best from the best full mean
(``regret_bps``) and ``pruned`` trials; and ``first_run_spearman``: per fold, how well one run of
it ranks trials as the mean of their other runs does.  Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(BENCH), "src"))
sys.path.insert(0, BENCH)


def record(args: argparse.Namespace) -> tuple[list[dict], float]:
    """Train ``args.trials`` random configurations per search seed in full; one dict per trial."""
    import optuna

    from bounty_client.ml.search import run_search
    from search import bench_setup  # bench/search.py

    spec, dataset = bench_setup(epochs=args.epochs)
    trials, started = [], time.perf_counter()
    for search_seed in range(args.search_seeds):
        result = run_search(spec, dataset, study_name=f"record-{search_seed}", storage_path=None,
                            n_trials=args.trials, sampler="random", pruner="none", seeds=3, folds=3,
                            sampler_seed=search_seed, progress=False)
        for t in result.study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
            # by step: a run that diverged or stopped early reported fewer than `epochs` values
            epoch_scores: list[list[float]] = [[] for _ in t.user_attrs["runs"]]
            for step in sorted(t.intermediate_values):
                epoch_scores[step // args.epochs].append(t.intermediate_values[step])
            trials.append({"search_seed": search_seed, "number": t.number, "params": t.params,
                           "runs": t.user_attrs["runs"], "run_seconds": t.user_attrs["run_seconds"],
                           # what pruning cannot save: suggesting, fold arrays, storage, the pruner
                           "overhead_seconds": t.user_attrs["seconds"] - sum(t.user_attrs["run_seconds"]),
                           "scores_bps": t.user_attrs["scores_bps"], "epochs": args.epochs,
                           "epoch_scores": epoch_scores})
        print(f"  recorded search seed {search_seed}: {args.trials} trials, "
              f"{time.perf_counter() - started:.0f} s so far", flush=True)
    return trials, time.perf_counter() - started


def first_run_spearman(trials: list[dict]) -> dict[str, float]:
    """Per fold: Spearman's rank correlation, over all recorded trials, between the fold's
    first-seed run and the mean of the trial's other runs (how well one run of that fold,
    the pruner's first evidence, predicts the rest)."""
    import numpy as np
    from scipy.stats import spearmanr

    out = {}
    for fold in sorted({r[0] for r in trials[0]["runs"]}, reverse=True):
        first, rest = [], []
        for t in trials:
            scores = {tuple(r): s for r, s in zip(t["runs"], t["scores_bps"])}
            run = next(r for r in scores if r[0] == fold)
            first.append(scores[run])
            rest.append(float(np.mean([s for r, s in scores.items() if r != run])))
        out[f"fold {fold}"] = round(float(spearmanr(first, rest).statistic), 3)
    return out


def replay(trials: list[dict], order: str, make_pruner) -> dict:
    """Saved fraction, best kept (and the mean regret in bps: best full mean less the replay's
    best) and pruned count of ``make_pruner()`` on the recorded ``trials``."""
    import numpy as np
    import optuna

    by_seed: dict[int, list[dict]] = {}
    for t in trials:
        by_seed.setdefault(t["search_seed"], []).append(t)
    spent = full = regret = 0.0
    kept = pruned = 0
    for search_seed, group in sorted(by_seed.items()):
        study = optuna.create_study(direction="maximize", pruner=make_pruner())
        for t in sorted(group, key=lambda t: t["number"]):
            runs = [tuple(r) for r in t["runs"]]
            seconds = dict(zip(runs, t["run_seconds"]))
            first = runs[0]  # recorded first: it carries the build
            reused = [seconds[r] for r in runs if r[0] == first[0] and r != first]
            build = seconds[first] - float(np.mean(reused)) if reused else 0.0
            seconds[first] -= build
            epoch_scores = dict(zip(runs, t["epoch_scores"]))
            finals = dict(zip(runs, t["scores_bps"]))
            folds = sorted({f for f, _ in runs}, reverse=(order == "newest_first"))
            seeds = [s for f, s in runs if f == runs[0][0]]
            overhead = t.get("overhead_seconds", 0.0)
            trial, cost, done, stopped = study.ask(), build + overhead, [], False
            for k, run in enumerate((f, s) for f in folds for s in seeds):
                cost += seconds[run]
                for e, value in enumerate(epoch_scores[run]):
                    trial.report(value, k * t["epochs"] + e)
                    stopped = trial.should_prune()
                    if stopped:
                        break
                if stopped:
                    break
                done.append(finals[run])
            spent += cost
            full += build + overhead + sum(seconds.values())
            if stopped:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                pruned += 1
            else:
                study.tell(trial, float(np.mean(done)))
        best_full = max(float(np.mean(t["scores_bps"])) for t in group)
        kept += abs(study.best_value - best_full) < 1e-9
        regret += best_full - study.best_value
    return {"saved": round(1 - spent / full, 3), "best_kept": kept, "regret_bps": round(regret / len(by_seed), 1),
            "pruned": pruned}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--search-seeds", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--save", help="write the record (JSON) here")
    parser.add_argument("--load", help="replay this record instead of training")
    args = parser.parse_args()

    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    if args.load:
        with open(args.load) as f:
            saved = json.load(f)
        trials, record_seconds = saved["trials"], saved["record_seconds"]
    else:
        print(f"recording {args.trials} random trials x {args.search_seeds} search seeds, each trained in full")
        trials, record_seconds = record(args)
        if args.save:
            with open(args.save, "w") as f:
                json.dump({"trials": trials, "record_seconds": record_seconds}, f)

    epochs = trials[0]["epochs"]
    pruners = {
        # what the search's pruner="median" builds: Optuna's MedianPruner with its defaults
        "median": lambda: optuna.pruners.MedianPruner(),
        # the search's earlier default: no pruning before the end of a trial's first run
        "median_after_first_run": lambda: optuna.pruners.MedianPruner(n_warmup_steps=epochs - 1),
    }
    n_seeds = len({t["search_seed"] for t in trials})
    out: dict[str, object] = {"trials": len(trials) // n_seeds, "search_seeds": n_seeds,
                              "record_seconds": round(record_seconds, 1)}
    out["first_run_spearman"] = first_run_spearman(trials)
    print("one run of each fold against the mean of the trial's other runs (Spearman):",
          ", ".join(f"{k} {v:.3f}" for k, v in out["first_run_spearman"].items()), "(the highest fold is the newest)")
    print(f"{'run order':14s} {'pruner':24s} {'time saved':>10s} {'best kept':>10s} {'regret bps':>10s} {'pruned':>7s}")
    for order in ("newest_first", "oldest_first"):
        for name, make in pruners.items():
            figures = replay(trials, order, make)
            print(f"{order:14s} {name:24s} {figures['saved']:10.1%} {figures['best_kept']:>6d}/{n_seeds:<3d} "
                  f"{figures['regret_bps']:10.1f} {figures['pruned']:7d}", flush=True)
            out[f"{order}__{name}"] = figures
    print(json.dumps(out))


if __name__ == "__main__":
    main()
