"""Helpers shared by the search tests (a uniquely named module, as in tests/client)."""

from __future__ import annotations

import time

from multiformats import CID, multihash

from bounty_client.data import synthetic_prices
from bounty_client.protocol.hyperparams import HyperparameterBounds, Hyperparameters
from bounty_client.protocol.spec import BountySpec, DataFile, TrainingProtocol


def make_cid(content: bytes) -> str:
    return str(CID("base32", 1, "raw", multihash.digest(content, "sha2-256")))


#: Tiny bounds so that every sampled model trains in a second or two.
TINY_BOUNDS = HyperparameterBounds(lstm_layers=(1, 1), lstm_units=(2, 8), dense_layers=(0, 1),
                                   activations=("relu", "tanh"), losses=("sparse_categorical_crossentropy",
                                                                         "binary_crossentropy"),
                                   dropout=(0.0, 0.3), learning_rate=(1e-3, 1e-1))


def tiny_spec(*, epochs: int = 1, future_period: int = 3, bounds: HyperparameterBounds = TINY_BOUNDS) -> BountySpec:
    return BountySpec(name="search-test", data_files=[DataFile("BTC-USD", make_cid(b"btc")),
                                                      DataFile("LTC-USD", make_cid(b"ltc"))],
                      target="LTC", seq_len=6, future_period=future_period,
                      protocol=TrainingProtocol(epochs=epochs, batch_size=64, seed=7), bounds=bounds)


def tiny_dataset(spec: BountySpec, rows: int = 260, seed: int = 3):
    return spec.build_dataset(synthetic_prices(coins=("BTC", "LTC"), rows=rows, seed=seed))


def hp(**overrides) -> Hyperparameters:
    values = dict(lstm_layers=1, lstm_units=4, dense_layers=0, activation="tanh",
                  loss="sparse_categorical_crossentropy", dropout=0.0, learning_rate=0.01)
    values.update(overrides)
    return Hyperparameters(**values)


class FakeClock:
    """A clock tests move by hand: ``clock()`` is the time, ``clock.advance(s)`` moves it."""

    def __init__(self, now: float = 1_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def wait_for_two_trials(trial) -> float:
    """A worker objective (module-level, so spawned processes can import it): record the process and
    its TensorFlow thread pool, then wait until another trial of the study exists."""
    import os

    import tensorflow as tf

    trial.set_user_attr("pid", os.getpid())
    trial.set_user_attr("intra_op", tf.config.threading.get_intra_op_parallelism_threads())
    deadline = time.monotonic() + 300  # a generous bound, only to never hang: the test does not time anything
    while len(trial.study.get_trials(deepcopy=False)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    return float(len(trial.study.get_trials(deepcopy=False)))
