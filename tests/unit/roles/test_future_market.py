"""A future-window bounty on coinpaprika (its loopback double): the organizer's whole data path.

The double's clock follows the chain's: rows after it do not exist, as on the real API.
"""

from __future__ import annotations

import pytest

from bounty_client.chain import deploy_factory
from bounty_client.data import LocalMarket
from bounty_client.errors import StageError
from bounty_client.record import open_record
from bounty_client.roles import Organizer
from bounty_client.protocol.spec import TrainingProtocol
from bounty_client.storage import LocalStore, open_store
from bounty_client.protocol.terms import BountyTerms
from bounty_client.roles.vault import Vault

from coinpaprika_double import FakeCoinpaprika, serve

HOUR = 3600
IDS = {"BTC": "btc-bitcoin", "LTC": "ltc-litecoin"}


def _ticks(frame) -> list[dict]:
    return [{"timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "price": float(r.price),
             "volume_24h": float(r.volume_24h), "market_cap": float(r.market_cap)} for ts, r in frame.iterrows()]


def test_future_bounty_on_coinpaprika__publishes_the_past_posts_the_window_once_it_exists(accounts, chain, tmp_path):
    now = int(chain.blocks.head.timestamp)
    # The "world's" prices: a simulated market, served by the double only up to its clock.
    world = LocalMarket(tmp_path / "world.json", origin=now - now % 300 - 2 * 86400)
    prices = world.history(list(IDS), now - now % 300 - 86400, now + 2 * 86400, now=now + 2 * 86400)
    api = FakeCoinpaprika(data={IDS[s]: _ticks(f) for s, f in prices.items()}, now=now)
    terms = BountyTerms(reward="1 ether", submission_period=HOUR, reveal_period=HOUR, evaluation_period=4 * HOUR)
    with serve(api):
        from bounty_client.data import CoinpaprikaMarket

        organizer = Organizer(accounts[0], open_store(f"local:{tmp_path / 'ipfs'}"),
                              factory=deploy_factory(accounts[0]), vault=Vault(tmp_path / "home"),
                              private_store=LocalStore(tmp_path / "private", private=True))
        prepared = organizer.prepare_future(CoinpaprikaMarket(base_url=api.url), terms, symbols=list(IDS),
                                            name="paprika", target="LTC", history_rows=200, window_rows=24,
                                            seq_len=4, future_period=2, protocol=TrainingProtocol(epochs=1))
        rule = prepared.spec.test
        assert rule.source.kind == "coinpaprika" and rule.source.base_url == api.url and rule.interval == 300
        bounty = organizer.create(prepared, terms)
        start, end = rule.window

        chain.mine(timestamp=end - 300)
        api.now = int(chain.blocks.head.timestamp)
        with pytest.raises(StageError, match="do not exist yet"):
            organizer.post_test_data(bounty)  # the source would have no last rows: nothing sent
        assert not bounty.contract.test_revealed()

        chain.mine(timestamp=end)
        api.now = end  # the API has rows up to the chain's time (the post's block is later)
        organizer.post_test_data(bounty)  # default market: the spec's source (coinpaprika at base_url)
        record = open_record(bounty, organizer.store)
        rows = record.test_prices()
        for symbol, frame in rows.items():  # exactly the source's rows: window plus seq_len context rows
            expected = prices[symbol].loc[(prices[symbol].index.asi8 // 10**9 >= start - 4 * 300)
                                          & (prices[symbol].index.asi8 // 10**9 <= end)]
            assert frame.equals(expected)
        ds = record.dataset(with_test=True)
        assert len(ds.y_test) == 24 - 2 and ds.test_window == (start, end)
