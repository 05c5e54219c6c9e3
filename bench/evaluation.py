"""Benchmark: evaluating 8 submissions sequentially vs. with 2 worker processes, and the
client's overhead over the same training loop written directly in Keras.

    make bench-eval            # or: python bench/evaluation.py [--epochs 3] [--rows 3000]

Prints a table and ends with one JSON line:
``{"sequential_s", "parallel_s", "speedup", "keras_direct_s", "overhead", ...}``
where ``speedup = sequential_s / parallel_s`` and
``overhead = client_s / keras_direct_s - 1``.

* Scores are plain accuracy (``metric="accuracy"``) so that the direct Keras loop
  below can be compared score for score; one seed (the protocol's).
* Data: ``bounty_client.data.synthetic_prices`` (4 coins), built with the spec.
* TensorFlow is imported and warmed up (one tiny fit) before anything is timed;
  ``parallel_s`` includes starting the 2 worker processes, their TensorFlow import
  and shipping the dataset to them, i.e. what a user waits for.
* ``keras_direct_s`` runs the same models (same layers, seed, determinism,
  epochs, batch size, validation, test predictions) with plain Keras calls and no
  bounty_client code.  To cancel drifting load from other work on the machine it
  is measured *interleaved* with the client: for each submission, one
  ``evaluate([submission], ...)`` call (``client_s`` is their sum, so it also pays
  the per-call dataset checks 8 times) and one direct Keras run, alternating
  which goes first.  Both give the same scores (checked and printed).
* The machine has 2 cores shared with other work: the 1-minute load average
  before each run is printed; compare figures only between quiet runs.
Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from bounty_client.quiet import quiet  # noqa: E402  (cheap: no TensorFlow at import)

quiet()  # no TensorFlow/absl start-up lines here or in the worker processes

import numpy as np

SUBMISSIONS = [  # (lstm_layers, lstm_units, dense_layers, activation, loss): varied sizes and heads
    (1, 16, 0, "relu", "sparse_categorical_crossentropy"),
    (1, 32, 1, "tanh", "binary_crossentropy"),
    (2, 24, 1, "elu", "categorical_crossentropy"),
    (1, 64, 2, "relu", "hinge"),
    (2, 48, 0, "selu", "mean_squared_error"),
    (3, 16, 1, "gelu", "sparse_categorical_crossentropy"),
    (2, 64, 1, "swish", "binary_crossentropy"),
    (1, 8, 0, "sigmoid", "sparse_categorical_crossentropy"),
]


def load() -> float:
    return os.getloadavg()[0]


def keras_direct(arrays: dict, submissions: list[tuple], epochs: int, batch_size: int, seed: int, lr: float,
                 dropout: float) -> tuple[float, list[int]]:
    """The same training loop in plain Keras (no bounty_client code)."""
    import keras
    import tensorflow as tf

    heads = {
        "sparse_categorical_crossentropy": (2, "softmax"),
        "categorical_crossentropy": (2, "softmax"),
        "binary_crossentropy": (1, "sigmoid"),
        "mean_squared_error": (1, "sigmoid"),
        "hinge": (1, "tanh"),
    }

    def labels(y, loss):
        if loss == "sparse_categorical_crossentropy":
            return y
        if loss == "categorical_crossentropy":
            return np.eye(2, dtype=np.float32)[y]
        if loss == "hinge":
            return (2.0 * y - 1.0).astype(np.float32).reshape(-1, 1)
        return y.astype(np.float32).reshape(-1, 1)

    scores = []
    started = time.perf_counter()
    for layers, units, dense, activation, loss in submissions:
        tf.config.experimental.enable_op_determinism()
        keras.backend.clear_session()
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input(shape=arrays["x_train"].shape[1:])])
        for i in range(layers):
            model.add(keras.layers.LSTM(units, return_sequences=i < layers - 1))
            model.add(keras.layers.Dropout(dropout))
            model.add(keras.layers.BatchNormalization())
        for _ in range(dense):
            model.add(keras.layers.Dense(units, activation=activation))
        n, act = heads[loss]
        model.add(keras.layers.Dense(n, activation=act))
        model.compile(optimizer=keras.optimizers.Adam(lr), loss=loss, metrics=["accuracy"], jit_compile=False)
        model.fit(arrays["x_train"], labels(arrays["y_train"], loss), epochs=epochs, batch_size=batch_size,
                  validation_data=(arrays["x_val"], labels(arrays["y_val"], loss)), shuffle=True, verbose=0)
        out_test = np.asarray(model(arrays["x_test"], training=False))
        out_val = np.asarray(model(arrays["x_val"], training=False))
        pred = np.argmax(out_test, -1) if n == 2 else (out_test[:, 0] > (0.0 if act == "tanh" else 0.5))
        _ = out_val
        scores.append(int(np.count_nonzero(pred == arrays["y_test"])) * 10_000 // len(pred))
    return time.perf_counter() - started, scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=6000, help="synthetic rows per coin")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    from multiformats import CID, multihash

    from bounty_client.data import synthetic_prices
    from bounty_client.ml.evaluation import Submission, evaluate
    from bounty_client.protocol.hyperparams import Hyperparameters
    from bounty_client.ml.model import as_arrays
    from bounty_client.protocol.spec import BountySpec, DataFile, TrainingProtocol

    coins = ("BTC", "ETH", "LTC", "BCH")
    prices = synthetic_prices(coins=coins, rows=args.rows, seed=42)
    cid = lambda s: str(CID("base32", 1, "raw", multihash.digest(s.encode(), "sha2-256")))  # noqa: E731
    spec = BountySpec(
        name="bench",
        data_files=[DataFile(f"{c}-USD", cid(c)) for c in coins],
        target="LTC",
        seq_len=args.seq_len,
        future_period=3,
        protocol=TrainingProtocol(epochs=args.epochs, batch_size=args.batch_size, seed=1),
    )
    public, hidden = spec.split_hidden(prices)
    dataset = spec.build_dataset(public, hidden)
    arrays = as_arrays(dataset)
    dropout, lr = 0.2, 0.001
    subs = [
        Submission(i + 1, f"0x{i + 1:040x}", Hyperparameters(*s, dropout=dropout, learning_rate=lr))
        for i, s in enumerate(SUBMISSIONS)
    ]
    print(f"data: {dataset!r}", file=sys.stderr)

    # Warm up TensorFlow in this process (import, runtime, first trace) before timing anything.
    from bounty_client.ml.model import train_and_score

    warm = {k: v[:64] for k, v in arrays.items()}
    train_and_score(subs[-1].hyperparameters, warm, TrainingProtocol(epochs=1, batch_size=32))

    loads = {"sequential": load()}
    t = time.perf_counter()
    seq = evaluate(subs, dataset, spec, backend="sequential", progress=True, metric="accuracy")
    sequential_s = time.perf_counter() - t

    loads["parallel"] = load()
    t = time.perf_counter()
    par = evaluate(subs, dataset, spec, workers=args.workers, backend="processes", progress=True,
                   metric="accuracy")
    parallel_s = time.perf_counter() - t

    loads["interleaved"] = load()
    client_s = keras_direct_s = 0.0
    direct_scores = []
    for i, (sub, values) in enumerate(zip(subs, SUBMISSIONS)):
        for which in (("client", "direct") if i % 2 == 0 else ("direct", "client")):
            if which == "client":
                t = time.perf_counter()
                evaluate([sub], dataset, spec, backend="sequential", progress=False, metric="accuracy")
                client_s += time.perf_counter() - t
            else:
                seconds, scores = keras_direct(arrays, [values], args.epochs, args.batch_size,
                                               spec.protocol.seed, lr, dropout)
                keras_direct_s += seconds
                direct_scores += scores

    board = seq.leaderboard
    print()
    print(f"{'id':>3} {'layers':>6} {'units':>5} {'dense':>5} {'loss':<32} {'params':>7} "
          f"{'seq bps':>7} {'par bps':>7} {'keras bps':>9} {'train s':>7}")
    for r in sorted(seq.results, key=lambda r: r.submission_id):
        hp = r.hyperparameters
        print(f"{r.submission_id:>3} {hp['lstm_layers']:>6} {hp['lstm_units']:>5} {hp['dense_layers']:>5} "
              f"{hp['loss']:<32} {r.n_params:>7} {r.score_bps:>7} {par[r.submission_id].score_bps:>7} "
              f"{direct_scores[r.submission_id - 1]:>9} {r.train_seconds:>7.2f}")
    speedup = sequential_s / parallel_s
    overhead = client_s / keras_direct_s - 1
    same_parallel = seq.scores() == par.scores()
    same_direct = [seq[i + 1].score_bps for i in range(len(subs))] == direct_scores
    print()
    print(f"{'run':<14} {'seconds':>8} {'load(1m) before':>16}")
    print(f"{'sequential':<14} {sequential_s:>8.2f} {loads['sequential']:>16.2f}")
    print(f"{'parallel x' + str(args.workers):<14} {parallel_s:>8.2f} {loads['parallel']:>16.2f}")
    print(f"{'client (inter)':<14} {client_s:>8.2f} {loads['interleaved']:>16.2f}")
    print(f"{'keras direct':<14} {keras_direct_s:>8.2f} {loads['interleaved']:>16.2f}")
    print(f"speedup {speedup:.2f} (target >= 1.6), overhead {overhead:+.3f} (target <= 0.05), "
          f"parallel scores == sequential: {same_parallel}, direct Keras scores == client: {same_direct}")
    print(f"leader: #{board.iloc[0].submission_id} {board.iloc[0].score_bps} bps; "
          f"windows train/val/test {len(arrays['y_train'])}/{len(arrays['y_val'])}/{len(arrays['y_test'])}")
    print(json.dumps({
        "sequential_s": round(sequential_s, 3),
        "parallel_s": round(parallel_s, 3),
        "speedup": round(speedup, 3),
        "keras_direct_s": round(keras_direct_s, 3),
        "overhead": round(overhead, 4),
        "client_s": round(client_s, 3),
        "workers": args.workers,
        "submissions": len(subs),
        "epochs": args.epochs,
        "cpu_count": os.cpu_count(),
        "load_before": {k: round(v, 2) for k, v in loads.items()},
        "parallel_equals_sequential": same_parallel,
        "direct_equals_client": same_direct,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
