"""Fixtures for the data tests."""

from __future__ import annotations

import pytest
from coinpaprika_double import FakeCoinpaprika, serve, ticks


@pytest.fixture
def fake_api():
    """A double of the coinpaprika API on 127.0.0.1 serving LTC and BTC ticks (no internet here)."""
    api = FakeCoinpaprika(data={"ltc-litecoin": ticks("LTC"), "btc-bitcoin": ticks("BTC")})
    with serve(api):
        yield api
