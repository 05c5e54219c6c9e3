"""Fixtures for end-to-end tests: isolated secret vaults and stores, a separate Anvil node."""

import pytest

from e2e_support import Anvil


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private BOUNTY_HOME (vault + local IPFS store) for one test."""
    h = tmp_path / "home"
    monkeypatch.setenv("BOUNTY_HOME", str(h))
    monkeypatch.setenv("BOUNTY_STORE_DIR", str(h / "ipfs"))
    return h


@pytest.fixture
def anvil():
    node = Anvil()
    yield node
    node.stop()
