"""Fixtures for every unit test: real CIDs, tiny datasets, short training protocols.

Everything here is small on purpose (a few hundred windows, 4-8 LSTM units, one or
two epochs) so that the whole unit suite trains real Keras models in a couple of
minutes on two shared cores.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest
from client_helpers import make_cid, tiny_arrays

from bounty_client.protocol.hyperparams import Hyperparameters
from bounty_client.protocol.spec import BountySpec, DataFile, TrainingProtocol


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
