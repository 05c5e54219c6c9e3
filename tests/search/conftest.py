"""Search tests: tiny synthetic data, 1-2 epochs, a few trials; studies under a private BOUNTY_HOME."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    monkeypatch.setenv("BOUNTY_HOME", str(h))
    monkeypatch.setenv("BOUNTY_STORE_DIR", str(h / "ipfs"))
    return h
