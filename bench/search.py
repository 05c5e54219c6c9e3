"""Benchmark: TPE with median pruning against Optuna's random sampler without pruning, at an
equal trial budget, on synthetic data (issue 14).

    make bench-search     # or: python bench/search.py [--trials 24] [--search-seeds 3] [--epochs 3]

For each search seed (the sampler's seed, not a training seed) both methods run ``--trials``
trials of the same objective (``bounty_client.ml.search``: walk-forward folds of the published
windows, the spec's protocol with ``--epochs`` epochs, ``--seeds`` training seeds), each in a
fresh in-memory study.  Prints one line per study and ends with one JSON line:
``tpe_best_bps_mean``, ``random_best_bps_mean`` (mean over search seeds of the study's best
mean validation score), ``tpe_seconds``, ``random_seconds`` (wall time, summed over seeds),
``trials``, ``seeds`` (search seeds), ``trials_per_hour`` (TPE + pruning), ``pruned`` (trials
pruned by TPE's runs), ``time_saved`` (``1 - tpe_seconds / random_seconds``), ``load_avg``;
with ``--pruning-alone`` also ``random_pruned_seconds``, ``random_pruned_best_bps_mean`` and
``pruning_alone_time_saved``: the random sampler with median pruning against the same sampler
without it, i.e. the same configurations (a random sampler's draws ignore results), so the
saving is pruning's alone, not mixed with TPE choosing other (e.g. larger) models.

TensorFlow is imported and warmed up before anything is timed.  The machine has 2 cores
shared with other work: the 1-minute load average before and after is printed; compare
figures only between quiet runs.  Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))


def bench_setup(*, rows: int = 600, epochs: int = 3, future_period: int = 1):
    """bench-search's spec and dataset (synthetic BTC/LTC, ``rows`` rows), TensorFlow warmed up.

    Small models so that the benchmark ends in minutes on 2 shared cores; every activation and loss.
    Also used by bench/pruning.py, so that both measure the same search.
    """
    from multiformats import CID, multihash

    from bounty_client.data import synthetic_prices
    from bounty_client.protocol.hyperparams import HyperparameterBounds, Hyperparameters
    from bounty_client.ml.model import train_and_score
    from bounty_client.protocol.spec import BountySpec, DataFile, TrainingProtocol

    def cid(b: bytes) -> str:
        return str(CID("base32", 1, "raw", multihash.digest(b, "sha2-256")))

    bounds = HyperparameterBounds(lstm_layers=(1, 2), lstm_units=(2, 16), dense_layers=(0, 2),
                                  dropout=(0.0, 0.5), learning_rate=(1e-4, 0.3))
    spec = BountySpec(name="bench-search", data_files=[DataFile("BTC-USD", cid(b"btc")), DataFile("LTC-USD", cid(b"ltc"))],
                      target="LTC", seq_len=8, future_period=future_period,
                      protocol=TrainingProtocol(epochs=epochs, batch_size=64, seed=0), bounds=bounds)
    dataset = spec.build_dataset(synthetic_prices(coins=("BTC", "LTC"), rows=rows, seed=11))
    warm = {"x_train": dataset.x_train[:64], "y_train": dataset.y_train[:64], "x_val": dataset.x_val[:16],
            "y_val": dataset.y_val[:16], "x_test": dataset.x_val[:16], "y_test": dataset.y_val[:16]}
    train_and_score(Hyperparameters(1, 2, 0, "tanh", "binary_crossentropy"), warm, TrainingProtocol(epochs=1))
    return spec, dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--search-seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--folds", type=int, default=3, help="walk-forward folds (the client's default)")
    parser.add_argument("--seeds", type=int, default=3, help="training seeds per trial (the client's default)")
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--future-period", type=int, default=1,
                        help="label horizon in steps (1: the synthetic market's one-step lag is learnable)")
    parser.add_argument("--pruning-alone", action="store_true",
                        help="also run the random sampler WITH median pruning: the same configurations as the "
                             "random run (its draws do not depend on results), so the time saved is pruning's alone")
    args = parser.parse_args()

    import optuna

    from bounty_client.ml.search import public_windows, run_search

    spec, dataset = bench_setup(rows=args.rows, epochs=args.epochs, future_period=args.future_period)
    print(f"data: {len(public_windows(dataset)['y'])} public windows, {args.folds} walk-forward folds, "
          f"{args.seeds} training seed(s), {args.epochs} epochs; {args.trials} trials x {args.search_seeds} search seeds")

    load_before = os.getloadavg()[0]
    methods = [("tpe", "tpe", "median"), ("random", "random", "none")]
    if args.pruning_alone:
        methods.append(("random+prune", "random", "median"))
    figures: dict[str, dict[str, list[float]]] = {m[0]: {"best": [], "seconds": [], "pruned": []} for m in methods}
    for search_seed in range(args.search_seeds):
        for method, sampler, pruner in methods:
            started = time.perf_counter()
            result = run_search(spec, dataset, study_name=f"{method}-{search_seed}", storage_path=None,
                                n_trials=args.trials, sampler=sampler, pruner=pruner, seeds=args.seeds,
                                folds=args.folds, sampler_seed=search_seed, progress=False)
            seconds = time.perf_counter() - started
            pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in result.study.trials)
            figures[method]["best"].append(result.best_value)
            figures[method]["seconds"].append(seconds)
            figures[method]["pruned"].append(pruned)
            print(f"  seed {search_seed} {method:12s}: best {result.best_value:7.1f} bps, {seconds:6.1f} s, "
                  f"{pruned:2d} pruned, load {os.getloadavg()[0]:.2f}", flush=True)

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs)

    tpe_s, random_s = sum(figures["tpe"]["seconds"]), sum(figures["random"]["seconds"])
    out = {
        "tpe_best_bps_mean": round(mean(figures["tpe"]["best"]), 1),
        "random_best_bps_mean": round(mean(figures["random"]["best"]), 1),
        "tpe_seconds": round(tpe_s, 1),
        "random_seconds": round(random_s, 1),
        "trials": args.trials,
        "seeds": args.search_seeds,
        "trials_per_hour": round(args.trials * args.search_seeds / tpe_s * 3600),
        "pruned": int(sum(figures["tpe"]["pruned"])),
        "time_saved": round(1 - tpe_s / random_s, 3),
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    if args.pruning_alone:
        pruned_s = sum(figures["random+prune"]["seconds"])
        out["random_pruned_seconds"] = round(pruned_s, 1)
        out["random_pruned_best_bps_mean"] = round(mean(figures["random+prune"]["best"]), 1)
        out["pruning_alone_time_saved"] = round(1 - pruned_s / random_s, 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
