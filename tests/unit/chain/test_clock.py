"""`advance`: exact time travel on a development node; a live node is never asked to travel."""

import pytest
from ape import chain, networks

from bounty_client.chain import advance, relative_time
from bounty_client.errors import ArgumentError, ChainError


def test_advance__seconds__mines_a_block_exactly_that_much_later():
    before = int(chain.blocks.head.timestamp)
    assert advance(seconds=100) == before + 100 == int(chain.blocks.head.timestamp)


@pytest.mark.parametrize("kwargs,message", [({}, "exactly one"), ({"to": "reveal", "seconds": 5}, "exactly one"),
                                            ({"seconds": 0}, "positive"), ({"to": "reveal"}, "needs the bounty")])
def test_advance__bad_arguments__refused_without_moving_time(kwargs, message):
    height = chain.blocks.height
    with pytest.raises(ArgumentError, match=message):
        advance(**kwargs)
    assert chain.blocks.height == height


def test_advance__live_node__refused_before_any_time_travel(monkeypatch):
    provider = networks.provider
    real = type(provider).make_request
    calls = []

    def geth(self, method, parameters=None):  # what a live node answers
        calls.append(method)
        if method == "web3_clientVersion":
            return "Geth/v1.14.8-stable/linux-amd64/go1.22.6"
        return real(self, method, parameters)

    monkeypatch.setattr(type(provider), "make_request", geth)
    with pytest.raises(ChainError, match="keeps real time"):
        advance(seconds=60)
    assert calls == ["web3_clientVersion"]


def test_relative_time__after_advance__counts_from_chain_time():
    now = int(chain.blocks.head.timestamp)
    assert relative_time(now + 86_399, now) == "in 23h59m"
