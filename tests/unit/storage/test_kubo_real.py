"""KuboStore against a real kubo daemon: runs only when BOUNTY_IPFS_API is set.

    ipfs init && ipfs daemon &            # kubo, default RPC on 127.0.0.1:5001
    BOUNTY_IPFS_API=/ip4/127.0.0.1/tcp/5001 python -m pytest tests/storage/test_storage_kubo_real.py

It adds small random files (pinned, then mostly unpinned) to that node.
"""

from __future__ import annotations

import os

import pytest

from storage_kubo_suite import KuboSuite

API = os.environ.get("BOUNTY_IPFS_API") or None

pytestmark = pytest.mark.skipif(
    API is None, reason="set BOUNTY_IPFS_API (e.g. /ip4/127.0.0.1/tcp/5001) to test a real kubo daemon")


@pytest.fixture
def kubo_api():
    return API


@pytest.fixture
def kubo():
    from bounty_client.storage import KuboStore

    with KuboStore(API, timeout=30) as store:
        yield store


class TestKuboStoreAgainstRealDaemon(KuboSuite):
    """The shared suite, against the daemon at $BOUNTY_IPFS_API."""
