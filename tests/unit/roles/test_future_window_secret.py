"""The offline market's secret does not give its holder the test window: a future bounty's window rows derive
from the randomness the contract draws after the reveal deadline, so the organizer (who holds the market
file) cannot compute a test label at creation, and every bounty's window has prices of its own."""

from __future__ import annotations

import pandas as pd
import pytest

from bounty_client.chain import deploy_factory
from bounty_client.data import DataError, LocalMarket
from bounty_client.protocol.spec import TestRule, TestSource, TrainingProtocol
from bounty_client.protocol.terms import BountyTerms
from bounty_client.record import check_future_rows, open_record
from bounty_client.roles import Organizer
from bounty_client.roles.vault import Vault
from bounty_client.storage import LocalStore, open_store

COINS = ["BTC", "LTC"]
HOUR = 3600
TERMS = BountyTerms(reward="1 ether", submission_period=HOUR, reveal_period=HOUR, evaluation_period=4 * HOUR)


def test_local_market__window_rows__need_the_randomness__and_differ_per_draw(tmp_path):
    from bounty_client.data import window_market

    market = LocalMarket(tmp_path / "market.json", origin=1_800_000_000 - 10 * 86_400)
    start = 1_800_000_000 + 300 * 7  # mid-way through a simulated day
    rule = TestRule("future", window=(start, start + 3_000), source=TestSource("local"), interval=300)
    with pytest.raises(DataError, match="not drawn yet"):
        window_market(market, rule, None)
    a = window_market(market, rule, b"\x01" * 32).history(COINS, start - 3_000, start + 3_000, now=start + 3_000)
    b = window_market(market, rule, "0x" + "02" * 32).history(COINS, start - 3_000, start + 3_000, now=start + 3_000)
    base = market.history(COINS, start - 3_000, start + 3_000, now=start + 3_000)
    cut = pd.Timestamp(start, unit="s", tz="UTC")
    for c in COINS:
        assert a[c][a[c].index < cut].equals(base[c][base[c].index < cut])  # the past is the market's
        assert not a[c][a[c].index >= cut]["price"].equals(base[c][base[c].index >= cut]["price"])
        assert not a[c][a[c].index >= cut]["price"].equals(b[c][b[c].index >= cut]["price"])
    again = window_market(market, rule, b"\x01" * 32).history(COINS, start, start + 3_000, now=start + 3_000)
    assert all(again[c].equals(a[c][a[c].index >= cut]) for c in COINS)  # one draw, one window, for everyone


@pytest.fixture(scope="module")
def factory(accounts):
    return deploy_factory(accounts[0])


def test_future_bounty__the_organizer_cannot_compute_the_window_from_its_market_secret(accounts, chain, factory,
                                                                                        tmp_path):
    organizer = Organizer(accounts[0], open_store(f"local:{tmp_path / 'ipfs'}"), factory=factory,
                          vault=Vault(tmp_path / "home"), private_store=LocalStore(tmp_path / "private", private=True))
    market = LocalMarket(organizer.market_file)
    prepared = organizer.prepare_future(market, TERMS, symbols=COINS, name="secret", target="LTC", history_rows=200,
                                        window_rows=20, seq_len=4, future_period=2,
                                        protocol=TrainingProtocol(epochs=1, seeds=1), min_accuracy_bps=0)
    bounty = organizer.create(prepared, TERMS)
    start, end = prepared.spec.test.window
    # What the organizer could compute at creation from its secret alone: the base market's window.
    known = market.history(COINS, start, end, now=end)
    chain.mine(timestamp=bounty.creation().test_data_after)
    organizer.post_test_data(bounty)
    record = open_record(bounty, organizer.store)
    posted = record.test_prices()
    cut = pd.Timestamp(start, unit="s", tz="UTC")
    for c in COINS:
        window = posted[c][posted[c].index >= cut]
        assert len(window) == 20 and not window["price"].equals(known[c]["price"]), c  # labels it could not know
    # Anyone with the market file and the drawn randomness gets the same rows: verify compares them.
    problems, unchecked = check_future_rows(record.spec, posted, now=bounty.now(),
                                            market=LocalMarket(organizer.market_file, create=False),
                                            randomness=record.randomness())
    assert (problems, unchecked) == ([], [])
