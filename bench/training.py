"""Benchmark: the fixed cost and the per-epoch cost of training one model, before and after
re-using the compiled model of an architecture (issue 13).

    make bench-train           # or: python bench/training.py [--rows 1500] [--seq-len 10] [--repeats 2]

For each of the 8 configurations of ``bench/evaluation.py`` one ``train_and_score`` call is
timed (wall clock, the whole call: build, trace, fit, inference, scoring) at 1 and at 5
epochs; the per-epoch cost is the slope ``epoch_s = (t5 - t1) / 4`` and the fixed cost the
intercept ``fixed_s = t1 - epoch_s``.  Three ways, interleaved per configuration so that
drifting load from other work hits all of them alike:

* ``baseline``: the path before issue 13: ``reuse=False`` (a fresh build, compile and trace
  every time, after clearing the Keras session and TensorFlow's kernel cache) and Adam's slots
  left to the first training step (so that step is traced twice), as ``main`` did.
* ``cold``: the first run of an architecture with re-use on (what the first seed of a new
  submission pays; the cache is cleared before it).
* ``reused``: a later run of the same architecture with another seed (what seeds 2..k of a
  submission, and trials or submissions of the same shape, pay): the headline figure.

Each timing is the minimum over ``--repeats`` runs (other work only ever adds time).  The
scores of ``reused`` and ``baseline`` runs with the same seed are compared (bit-identity is
the tests' job; this line only reports it).  The 1-minute load average before each
configuration is printed: compare figures only between quiet runs.

The per-submission fixed cost with ``k`` seeds on one worker is ``(cold + (k - 1) * reused) / k``.

Last line JSON: ``fixed_s_median``, ``epoch_s_median`` (reused), ``baseline_fixed_s_median``,
``baseline_epoch_s_median``, ``cold_fixed_s_median``, ``backend``, versions and loads.
Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from evaluation import SUBMISSIONS  # noqa: E402 (the same 8 configurations)


def fit_line(t1: float, t5: float) -> tuple[float, float]:
    """(fixed_s, epoch_s): intercept and slope through (1, t1) and (5, t5)."""
    epoch = (t5 - t1) / 4
    return t1 - epoch, epoch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1500, help="synthetic rows per coin (1500: 947 training windows of 10 steps)")
    parser.add_argument("--seq-len", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2, help="runs per timing; the minimum is kept")
    args = parser.parse_args(argv)

    from multiformats import CID, multihash

    from bounty_client.data import synthetic_prices
    from bounty_client.protocol.hyperparams import Hyperparameters
    from bounty_client.ml.model import _import_tf, as_arrays, clear_model_cache, train_and_score
    from bounty_client.protocol.spec import BountySpec, DataFile, TrainingProtocol

    coins = ("BTC", "ETH", "LTC", "BCH")
    prices = synthetic_prices(coins=coins, rows=args.rows, seed=42)
    cid = lambda s: str(CID("base32", 1, "raw", multihash.digest(s.encode(), "sha2-256")))  # noqa: E731
    spec = BountySpec(
        name="bench-train",
        data_files=[DataFile(f"{c}-USD", cid(c)) for c in coins],
        target="LTC",
        seq_len=args.seq_len,
        future_period=3,
    )
    public, hidden = spec.split_hidden(prices)
    arrays = as_arrays(spec.build_dataset(public, hidden))
    print(f"windows train/val/test {len(arrays['y_train'])}/{len(arrays['y_val'])}/{len(arrays['y_test'])}, "
          f"shape {arrays['x_train'].shape[1:]}, batch {args.batch_size}", file=sys.stderr)
    tf, keras = _import_tf()
    protocol = {e: TrainingProtocol(epochs=e, batch_size=args.batch_size, seed=1) for e in (1, 5)}

    # Warm up TensorFlow (import, runtime, first trace of anything) before timing.
    warm = {k: v[:64] for k, v in arrays.items()}
    train_and_score(Hyperparameters(*SUBMISSIONS[-1]), warm, protocol[1], reuse=False)

    import bounty_client.ml.model as model_module

    compile_now = model_module._compile

    def compile_before(keras, model, hp) -> None:  # main before issue 13: no optimizer.build
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=hp.learning_rate), loss=hp.loss,
                      metrics=[model_module._accuracy_metric(keras, model_module.HEADS[hp.loss])], jit_compile=False)

    def timed(hp, epochs: int, seed: int, reuse: bool) -> tuple[float, int]:
        model_module._compile = compile_now if reuse else compile_before
        try:
            t = time.perf_counter()
            r = train_and_score(hp, arrays, protocol[epochs], seed=seed, reuse=reuse)
            return time.perf_counter() - t, r.score_bps
        finally:
            model_module._compile = compile_now

    rows = []
    header = (f"{'config':<44} {'load':>5} {'base fix':>8} {'base ep':>7} {'cold fix':>8} "
              f"{'reuse fix':>9} {'reuse ep':>8} {'same':>5}")
    print(header)
    for values in SUBMISSIONS:
        hp = Hyperparameters(*values, dropout=0.2, learning_rate=0.001)
        load = os.getloadavg()[0]
        t = {k: float("inf") for k in ("b1", "b5", "c1", "r1", "r5")}
        same = True
        for rep in range(args.repeats):
            for epochs in (1, 5):
                seconds, base_score = timed(hp, epochs, 2, reuse=False)
                t[f"b{epochs}"] = min(t[f"b{epochs}"], seconds)
                # A baseline run clears the Keras session and TensorFlow's kernel cache, which a
                # real sequence of re-used runs never does: the run after it (cold, or the
                # cached model re-instantiating its functions) is not the figure we want.
                clear_model_cache()
                seconds = timed(hp, 1, 3, reuse=True)[0]
                if epochs == 1:
                    t["c1"] = min(t["c1"], seconds)
                seconds, reused_score = timed(hp, epochs, 2, reuse=True)
                t[f"r{epochs}"] = min(t[f"r{epochs}"], seconds)
                same &= reused_score == base_score
        base_fixed, base_epoch = fit_line(t["b1"], t["b5"])
        reuse_fixed, reuse_epoch = fit_line(t["r1"], t["r5"])
        cold_fixed = t["c1"] - base_epoch  # a cold run's per-epoch cost is the baseline's
        rows.append({"config": values, "load": load, "baseline_fixed_s": base_fixed, "baseline_epoch_s": base_epoch,
                     "cold_fixed_s": cold_fixed, "fixed_s": reuse_fixed, "epoch_s": reuse_epoch, "same_scores": same})
        name = f"{values[0]}x{values[1]} d{values[2]} {values[3]} {values[4][:18]}"
        print(f"{name:<44} {load:>5.2f} {base_fixed:>8.3f} {base_epoch:>7.3f} {cold_fixed:>8.3f} "
              f"{reuse_fixed:>9.3f} {reuse_epoch:>7.3f} {str(same):>5}", flush=True)
        clear_model_cache()

    med = lambda key: statistics.median(r[key] for r in rows)  # noqa: E731
    summary = {
        "fixed_s_median": round(med("fixed_s"), 3),
        "epoch_s_median": round(med("epoch_s"), 3),
        "baseline_fixed_s_median": round(med("baseline_fixed_s"), 3),
        "baseline_epoch_s_median": round(med("baseline_epoch_s"), 3),
        "cold_fixed_s_median": round(med("cold_fixed_s"), 3),
        "fixed_s_per_submission_k3_median": round((med("cold_fixed_s") + 2 * med("fixed_s")) / 3, 3),
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "reused_scores_equal_baseline": all(r["same_scores"] for r in rows),
        "windows_train": int(len(arrays["y_train"])),
        "repeats": args.repeats,
        "cpu_count": os.cpu_count(),
        "load_per_config": [round(r["load"], 2) for r in rows],
        "load_after": round(os.getloadavg()[0], 2),
    }
    print(f"medians: baseline fixed {summary['baseline_fixed_s_median']} s + {summary['baseline_epoch_s_median']} s/epoch;"
          f" reused fixed {summary['fixed_s_median']} s + {summary['epoch_s_median']} s/epoch;"
          f" cold fixed {summary['cold_fixed_s_median']} s (targets: fixed <= 0.5 s, stretch 0.2 s)")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
