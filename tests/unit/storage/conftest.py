"""Fixtures for the storage tests: stores in temporary directories and a fake
kubo daemon (see storage_helpers.FakeKubo)."""

from __future__ import annotations

import pytest
from storage_helpers import FakeKubo, load_vectors


@pytest.fixture(autouse=True)
def _isolated_default_store(tmp_path_factory, monkeypatch):
    """Never touch the real ~/.local/share store: point the default root at a temp dir."""
    monkeypatch.setenv("BOUNTY_STORE_DIR", str(tmp_path_factory.mktemp("default-store")))


@pytest.fixture(scope="session")
def vectors() -> dict:
    return load_vectors()["vectors"]


@pytest.fixture
def store(tmp_path):
    from bounty_client.storage import LocalStore

    return LocalStore(tmp_path / "store")


@pytest.fixture
def fake_kubo():
    fake = FakeKubo()
    yield fake
    fake.close()


@pytest.fixture
def kubo_fake_store(fake_kubo):
    from bounty_client.storage import KuboStore

    with KuboStore(fake_kubo.multiaddr, timeout=10) as store:
        yield store
