"""Fixtures for the client tests: real CIDs, tiny datasets, short training protocols.

Everything here is small on purpose (a few hundred windows, 4-8 LSTM units, one or
two epochs) so that the whole client suite trains real Keras models in a couple of
minutes on two shared cores.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest
from multiformats import CID, multihash

from bounty_client.hyperparams import Hyperparameters
from bounty_client.spec import BountySpec, DataFile, TrainingProtocol


def make_cid(content: bytes) -> str:
    """The CIDv1 (raw, sha2-256, base32) that ``ipfs add --cid-version 1 --raw-leaves`` gives a small file."""
    return str(CID("base32", 1, "raw", multihash.digest(content, "sha2-256")))


def tiny_arrays(n_train: int = 96, n_val: int = 32, n_test: int = 40, seq_len: int = 4, n_features: int = 3, seed: int = 0):
    """Windows whose label is learnable (sign of the last step's first feature plus noise)."""
    rng = np.random.default_rng(seed)

    def part(n: int):
        x = rng.standard_normal((n, seq_len, n_features)).astype(np.float32)
        y = (x[:, -1, 0] + 0.3 * rng.standard_normal(n) > 0).astype(np.int64)
        return x, y

    (xt, yt), (xv, yv), (xs, ys) = part(n_train), part(n_val), part(n_test)
    return {"x_train": xt, "y_train": yt, "x_val": xv, "y_val": yv, "x_test": xs, "y_test": ys}


@pytest.fixture
def cid() -> str:
    return make_cid(b"2022-05-08T00:05:00Z,94.23,1287017975,6618505104\n")


@pytest.fixture
def spec(cid: str) -> BountySpec:
    return BountySpec(
        name="ltc-5min",
        description="Predict LTC 3 steps ahead",
        data_files=[DataFile("BTC-USD", make_cid(b"btc")), DataFile("LTC-USD", cid)],
        target="LTC",
        seq_len=4,
        future_period=3,
        protocol=TrainingProtocol(epochs=2, batch_size=32, seed=7),
        min_accuracy_bps=5000,
    )


@pytest.fixture(scope="session")
def arrays() -> dict[str, np.ndarray]:
    return tiny_arrays()


@pytest.fixture
def protocol() -> TrainingProtocol:
    return TrainingProtocol(epochs=2, batch_size=32, seed=7)


@pytest.fixture
def hp() -> Hyperparameters:
    return Hyperparameters(1, 4, 1, "relu", "sparse_categorical_crossentropy", dropout=0.1, learning_rate=0.01)
