"""Benchmark: the same 8 submissions as ``bench/evaluation.py``, scored by 2 local worker
processes and by a local Ray runtime with 2 CPUs (one Ray task per submission).

    python bench/evaluation_ray.py [--epochs 6] [--rows 3000] [--cpus 2] [--rounds 1] [--no-warm]

Prints a table and ends with one JSON line:
``{"processes_s", "ray_s", "ray_overhead", "ray_warm_s", "ray_start_s", ...}`` where
``ray_overhead = ray_s / processes_s - 1``.

* Data, submissions and protocol are those of ``bench/evaluation.py`` (its
  ``SUBMISSIONS`` are imported; the spec is rebuilt with the same arguments).
* ``processes_s``: ``evaluate(..., workers=2, backend="processes")``, including
  spawning the 2 worker processes, their TensorFlow import and shipping the data.
* ``ray_start_s``: ``connect()`` starting the local Ray runtime (``num_cpus=2``);
  not part of ``ray_s`` (on a real cluster Ray is already running).
* ``ray_s``: ``evaluate(..., backend="ray")`` on that fresh runtime: Ray's worker
  processes import TensorFlow during it, as the process pool's do, so the two
  figures compare like with like.  ``ray_warm_s``: a second Ray run whose worker
  processes already have TensorFlow loaded (what later evaluations on a running
  cluster cost).  ``--rounds N`` repeats the processes/warm-Ray pair and keeps the
  best of each (``*_runs_s`` list them all).
* The machine has 2 cores shared with other work: the 1-minute load average before
  each run is printed; compare figures only between quiet runs.
Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bounty_client.quiet import quiet  # noqa: E402  (cheap: no TensorFlow or Ray at import)

quiet()  # no TensorFlow/absl start-up lines, no Ray usage stats or metrics agent

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluation import SUBMISSIONS, load  # noqa: E402  (bench/evaluation.py: the same 8 submissions)


def build(rows: int, epochs: int, batch_size: int, seq_len: int):
    """The dataset, spec and submissions ``bench/evaluation.py`` uses (same arguments)."""
    from multiformats import CID, multihash

    from bounty_client.data import synthetic_prices
    from bounty_client.ml.evaluation import Submission
    from bounty_client.protocol.hyperparams import Hyperparameters
    from bounty_client.protocol.spec import BountySpec, DataFile, TrainingProtocol

    coins = ("BTC", "ETH", "LTC", "BCH")
    prices = synthetic_prices(coins=coins, rows=rows, seed=42)
    cid = lambda s: str(CID("base32", 1, "raw", multihash.digest(s.encode(), "sha2-256")))  # noqa: E731
    spec = BountySpec(
        name="bench",
        data_files=[DataFile(f"{c}-USD", cid(c)) for c in coins],
        target="LTC",
        seq_len=seq_len,
        future_period=3,
        protocol=TrainingProtocol(epochs=epochs, batch_size=batch_size, seed=1),
    )
    public, hidden = spec.split_hidden(prices)
    dataset = spec.build_dataset(public, hidden)
    subs = [
        Submission(i + 1, f"0x{i + 1:040x}", Hyperparameters(*s, dropout=0.2, learning_rate=0.001))
        for i, s in enumerate(SUBMISSIONS)
    ]
    return dataset, spec, subs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=3000, help="synthetic rows per coin")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=16)
    parser.add_argument("--cpus", type=int, default=2, help="worker processes, and the local Ray runtime's CPUs")
    parser.add_argument("--no-warm", action="store_true", help="skip the warm Ray runs")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the processes / warm-Ray pair this many times; best run counts")
    args = parser.parse_args(argv)

    from bounty_client.ml.evaluation import evaluate
    from bounty_client.ml.evaluation.ray_backend import connect, run_ray

    dataset, spec, subs = build(args.rows, args.epochs, args.batch_size, args.seq_len)
    print(f"data: {dataset!r}", file=sys.stderr)

    import ray

    # Order: P, R(cold), then per round R(warm) and (between rounds) P again, so that with
    # --rounds > 1 drifting load from other work hits both kinds; each figure is its best run.
    loads: dict[str, float] = {}
    processes_runs: list[float] = []
    warm_runs: list[float] = []
    procs = rayed = warm = None

    def run_processes() -> None:
        nonlocal procs
        loads.setdefault("processes", load())
        t = time.perf_counter()
        procs = evaluate(subs, dataset, spec, workers=args.cpus, backend="processes", progress=True)
        processes_runs.append(time.perf_counter() - t)

    run_processes()
    t = time.perf_counter()
    cluster = connect(num_cpus=args.cpus, log_to_driver=False)
    ray_start_s = time.perf_counter() - t
    try:
        loads["ray"] = load()
        t = time.perf_counter()
        rayed = evaluate(subs, dataset, spec, backend="ray", progress=True)
        ray_s = time.perf_counter() - t
        nodes = dict(run_ray.nodes)
        for i in range(args.rounds):
            if not args.no_warm:
                loads.setdefault("ray_warm", load())
                t = time.perf_counter()
                warm = evaluate(subs, dataset, spec, backend="ray", progress=True)
                warm_runs.append(time.perf_counter() - t)
            if i < args.rounds - 1 or args.no_warm:
                run_processes()
    finally:
        ray.shutdown()
    processes_s = min(processes_runs)
    ray_warm_s = min(warm_runs) if warm_runs else None

    same = procs.scores() == rayed.scores() and all(
        procs[s.id].history == rayed[s.id].history for s in subs)
    same_warm = None if warm is None else warm.scores() == rayed.scores()
    print()
    print(f"{'id':>3} {'layers':>6} {'units':>5} {'loss':<32} {'proc bps':>8} {'ray bps':>7} "
          f"{'proc s':>6} {'ray s':>6} {'node':>8}")
    for r in sorted(procs.results, key=lambda r: r.submission_id):
        hp, q = r.hyperparameters, rayed[r.submission_id]
        print(f"{r.submission_id:>3} {hp['lstm_layers']:>6} {hp['lstm_units']:>5} {hp['loss']:<32} "
              f"{r.score_bps:>8} {q.score_bps:>7} {r.seconds:>6.2f} {q.seconds:>6.2f} "
              f"{nodes.get(r.submission_id, '?')[:8]:>8}")
    overhead = ray_s / processes_s - 1
    print()
    print(f"{'run':<22} {'seconds':>8} {'load(1m) before':>16}")
    print(f"{'processes x' + str(args.cpus):<22} {processes_s:>8.2f} {loads['processes']:>16.2f}"
          + (f"   runs: {', '.join(f'{x:.1f}' for x in processes_runs)}" if len(processes_runs) > 1 else ""))
    print(f"{'ray start (connect)':<22} {ray_start_s:>8.2f} {'':>16}")
    print(f"{'ray, cold workers':<22} {ray_s:>8.2f} {loads['ray']:>16.2f}")
    if ray_warm_s is not None:
        print(f"{'ray, warm workers':<22} {ray_warm_s:>8.2f} {loads['ray_warm']:>16.2f}"
              + (f"   runs: {', '.join(f'{x:.1f}' for x in warm_runs)}" if len(warm_runs) > 1 else ""))
    print(f"ray overhead vs processes {overhead:+.3f}; ray scores and curves == processes: {same}"
          + ("" if same_warm is None else f"; warm run == cold run: {same_warm}"))
    print(json.dumps({
        "processes_s": round(processes_s, 3),
        "ray_s": round(ray_s, 3),
        "ray_overhead": round(overhead, 4),
        "ray_warm_s": None if ray_warm_s is None else round(ray_warm_s, 3),
        "ray_warm_overhead": None if ray_warm_s is None else round(ray_warm_s / processes_s - 1, 4),
        "ray_start_s": round(ray_start_s, 3),
        "processes_runs_s": [round(x, 3) for x in processes_runs],
        "ray_warm_runs_s": [round(x, 3) for x in warm_runs],
        "ray_equals_processes": same,
        "cpus": args.cpus,
        "ray_cluster_cpus": cluster["cpus"],
        "submissions": len(subs),
        "epochs": args.epochs,
        "cpu_count": os.cpu_count(),
        "load_before": {k: round(v, 2) for k, v in loads.items()},
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
