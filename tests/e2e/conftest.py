"""Fixtures for end-to-end tests: isolated secret vaults and stores, a separate Anvil node."""

import pytest

from e2e_support import Anvil


@pytest.fixture
def anvil():
    node = Anvil()
    yield node
    node.stop()
