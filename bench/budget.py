"""The evaluation budget (``bounty_client.ml.budget``) against measured submissions, at every corner of the bounds.

``python bench/budget.py`` (venv on PATH; ``PYTHONPATH=src``) evaluates one submission per corner of the
hyperparameter bounds -- fewest and most LSTM layers, LSTM units and dense layers (8 corners), each with
the two-unit crossentropy head (the most parameters) -- exactly as the organizer's evaluation does:
``--seeds`` trainings of ``--epochs`` epochs on random windows shaped like a bounty's (``--windows`` x
``--seq-len`` x ``--features``), the first one building and tracing the model, the others re-using it
(``train_and_score(..., reuse=True)``).  Per corner it prints the parameter count, the measured
seconds, the budget's estimate (``submission_seconds``), their ratio, and the estimate of the model
before (parameters only: ``P x windows x seq_len x epochs x seeds / THROUGHPUT + 8 s``).  The budget is
safe where ``estimate / measured >= 1`` at every corner.  ``--units-max 8 --epochs 8 --seeds 1`` is
the deep, narrow case the parameter-only estimate missed by 2.3-2.7x.  The last line is JSON.
Times vary with the machine's load (``load`` in the JSON: the 1-minute load average); never a pass/fail.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=300)
    parser.add_argument("--seq-len", type=int, default=10)
    parser.add_argument("--features", type=int, default=8, help="features x coins (4 coins x price, volume: 8)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--layers-max", type=int, default=8)
    parser.add_argument("--units-max", type=int, default=1024)
    parser.add_argument("--dense-max", type=int, default=8)
    args = parser.parse_args(argv)

    from bounty_client.quiet import quiet

    quiet()
    import numpy as np

    from bounty_client.ml.budget import THROUGHPUT, BudgetConstants, submission_seconds
    from bounty_client.ml.model import train_and_score
    from bounty_client.protocol.hyperparams import Hyperparameters, parameter_count
    from bounty_client.protocol.spec import TrainingProtocol

    rng = np.random.default_rng(0)
    n, steps, f = args.windows, args.seq_len, args.features

    def part(rows: int) -> tuple:
        return rng.normal(size=(rows, steps, f)).astype("float32"), rng.integers(0, 2, rows)

    (xt, yt), (xv, yv), (xs, ys) = part(n), part(max(n // 4, 1)), part(200)
    arrays = {"x_train": xt, "y_train": yt, "x_val": xv, "y_val": yv, "x_test": xs, "y_test": ys}
    protocol = TrainingProtocol(epochs=args.epochs, batch_size=args.batch_size, seed=1)
    # One untimed run first: TensorFlow's one-time start-up is not a per-submission cost.
    train_and_score(Hyperparameters(1, 2, 0, "relu", "binary_crossentropy"), arrays, protocol, reuse=False)
    constants = BudgetConstants()
    print(f"one submission per corner: {args.seeds} seed(s) x {args.epochs} epoch(s) on {n} windows x {steps} steps "
          f"x {f} features, batch {args.batch_size} (the first seed builds the model)")
    print(f"{'layers x units + dense':>23}{'parameters':>13}{'measured s':>12}{'estimate s':>12}{'ratio':>7}"
          f"{'old estimate s':>16}{'old ratio':>11}")
    rows = []
    corners = itertools.product((1, args.layers_max), (1, args.units_max), (0, args.dense_max))
    for layers, units, dense in corners:
        hp = Hyperparameters(layers, units, dense, "relu", "sparse_categorical_crossentropy")
        params = parameter_count(hp, f)
        t0 = time.perf_counter()
        for seed in range(args.seeds):
            train_and_score(hp, arrays, protocol, seed=seed + 1, reuse=True)
        measured = time.perf_counter() - t0
        estimate = submission_seconds(parameters=params, lstm_layers=layers, dense_layers=dense, windows=n,
                                      seq_len=steps, epochs=args.epochs, seeds=args.seeds,
                                      batch_size=args.batch_size, constants=constants)
        old = params * n * steps * args.epochs * args.seeds / THROUGHPUT + 8.0
        rows.append({"lstm_layers": layers, "lstm_units": units, "dense_layers": dense, "parameters": params,
                     "measured_s": round(measured, 2), "estimate_s": round(estimate, 2),
                     "ratio": round(estimate / measured, 2), "old_estimate_s": round(old, 2),
                     "old_ratio": round(old / measured, 2)})
        print(f"{f'{layers} x {units} + {dense}':>23}{params:>13,}{measured:>12.2f}{estimate:>12.2f}"
              f"{estimate / measured:>7.2f}{old:>16.2f}{old / measured:>11.2f}", flush=True)
    worst = min(rows, key=lambda r: r["ratio"])
    print(f"lowest estimate/measured: {worst['ratio']} at {worst['lstm_layers']} x {worst['lstm_units']} + "
          f"{worst['dense_layers']} ({'safe' if worst['ratio'] >= 1 else 'BELOW the measurement'}); parameter-only "
          f"estimate: {min(r['old_ratio'] for r in rows)}")
    print(json.dumps({"corners": rows, "min_ratio": worst["ratio"], "min_old_ratio": min(r["old_ratio"] for r in rows),
                      "load": round(os.getloadavg()[0], 2), "windows": n, "epochs": args.epochs, "seeds": args.seeds,
                      "constants": constants.__dict__}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
