"""Measure the two constants of the evaluation budget (``bounty_client.ml.budget``) on this machine.

``python bench/budget.py`` (venv on PATH; ``PYTHONPATH=src``) trains a few LSTM sizes for 1 and
3 epochs on random windows shaped like a bounty's (``--windows`` x ``--seq-len`` x ``--features``)
with a fresh model each run (``reuse=False``, as the first run of an architecture in an evaluation),
and prints per size: the parameter count, both run times, the per-epoch time (their difference / 2)
and the throughput ``parameters x windows x seq_len / seconds per epoch``; then the overhead per run
(the 1-epoch time minus one epoch).  The last line is JSON: the lowest throughput and the highest
overhead measured, which is what the budget should use to err towards "too slow".
Times vary with the machine's load; never a pass/fail.
"""

from __future__ import annotations

import argparse
import json
import time


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=1_000)
    parser.add_argument("--seq-len", type=int, default=10)
    parser.add_argument("--features", type=int, default=4)
    args = parser.parse_args(argv)

    from bounty_client.quiet import quiet

    quiet()
    import numpy as np

    from bounty_client.ml.budget import RUN_OVERHEAD_S, THROUGHPUT
    from bounty_client.protocol.hyperparams import Hyperparameters, parameter_count
    from bounty_client.ml.model import train_and_score
    from bounty_client.protocol.spec import TrainingProtocol

    rng = np.random.default_rng(0)
    n, steps, f = args.windows, args.seq_len, args.features

    def part(rows: int) -> tuple:
        return rng.normal(size=(rows, steps, f)).astype("float32"), rng.integers(0, 2, rows)

    (xt, yt), (xv, yv), (xs, ys) = part(n), part(100), part(100)
    arrays = {"x_train": xt, "y_train": yt, "x_val": xv, "y_val": yv, "x_test": xs, "y_test": ys}
    print(f"LSTM training time on {n} windows x {steps} steps x {f} features (batch 64, fresh models)")
    print(f"{'layers x units':>15}{'parameters':>12}{'1 epoch s':>11}{'3 epochs s':>12}{'s/epoch':>9}{'G param-steps/s':>17}")
    # One untimed run first: TensorFlow's one-time start-up is not a per-submission cost.
    train_and_score(Hyperparameters(1, 8, 0, "relu", "binary_crossentropy"), arrays,
                    TrainingProtocol(epochs=1, batch_size=64, seed=1), reuse=False)
    throughputs, overheads = [], []
    for layers, units in ((1, 128), (2, 256), (2, 512)):
        hp = Hyperparameters(layers, units, 1, "relu", "binary_crossentropy")
        params = parameter_count(hp, f)
        times = []
        for epochs in (1, 3):
            t0 = time.perf_counter()
            train_and_score(hp, arrays, TrainingProtocol(epochs=epochs, batch_size=64, seed=1), reuse=False)
            times.append(time.perf_counter() - t0)
        per_epoch = max((times[1] - times[0]) / 2, 1e-6)
        rate = params * n * steps / per_epoch
        throughputs.append(rate)
        overheads.append(times[0] - per_epoch)
        shown = f"{rate / 1e9:>17.2f}" if per_epoch >= 0.1 else f"{'(noise)':>17}"  # all overhead
        print(f"{f'{layers} x {units}':>15}{params:>12,}{times[0]:>11.2f}{times[1]:>12.2f}{per_epoch:>9.2f}{shown}")
    # Small models are all overhead: their per-epoch time is noise, so the rate comes from the largest.
    summary = {"throughput_largest": throughputs[-1], "overhead_max_s": max(overheads),
               "budget_throughput": THROUGHPUT, "budget_run_overhead_s": RUN_OVERHEAD_S}
    print(f"budget constants: THROUGHPUT {THROUGHPUT:.3g}, RUN_OVERHEAD_S {RUN_OVERHEAD_S:g}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
