"""The spec's test rule (BountySpec.test): sealed by default, a future window with a source, errors naming the field."""

from __future__ import annotations

import json

import pytest
from multiformats import CID, multihash

from bounty_client.protocol.spec import BountySpec, DataFile, SpecError, TestRule, TestSource, load_spec

START, END = 1_800_000_000, 1_800_036_000  # multiples of 300 and 3600


def cid(data: bytes) -> str:
    return str(CID("base32", 1, "raw", multihash.digest(data, "sha2-256")))


def spec_dict(**test) -> dict:
    spec = BountySpec(name="ltc", data_files=[DataFile("BTC-USD", cid(b"b")), DataFile("LTC-USD", cid(b"l"))],
                      target="LTC")
    d = spec.to_dict()
    if test:
        d["test"] = test
    return d


FUTURE = {"mode": "future", "window": [START, END], "source": {"kind": "local"}, "interval": 300}


def test_test_rule__absent__is_sealed_and_a_sealed_spec_keeps_its_old_bytes():
    old = spec_dict()
    assert "test" not in old  # what every spec before this field looked like
    spec = load_spec(old)
    assert spec.test == TestRule() and spec.test.mode == "sealed" and not spec.test.is_future
    assert spec.to_dict() == old  # same bytes, same CID as before the field existed
    assert load_spec(spec_dict(mode="sealed")).to_bytes() == spec.to_bytes()


def test_test_rule__future__round_trips_and_changes_the_spec_bytes():
    spec = load_spec(spec_dict(**FUTURE))
    assert spec.test == TestRule(mode="future", window=(START, END), source=TestSource("local"), interval=300)
    assert spec.to_dict()["test"] == FUTURE
    assert load_spec(spec.to_json()) == spec
    assert spec.to_bytes() != load_spec(spec_dict()).to_bytes()


def test_test_source__coinpaprika__default_url_and_explicit_url():
    rule = TestRule(mode="future", window=(START, END), source={"kind": "coinpaprika"}, interval=3600)
    assert rule.source.base_url == "https://api.coinpaprika.com/v1"
    back = TestRule.from_dict(json.loads(json.dumps(rule.to_dict())))
    assert back == rule
    local = TestRule(mode="future", window=(START, END), source={"kind": "coinpaprika",
                                                                "base_url": "http://127.0.0.1:8000/v1"}, interval=300)
    assert local.source.base_url == "http://127.0.0.1:8000/v1"


def _with(**change) -> dict:
    d = {**FUTURE, **change}
    return {k: v for k, v in d.items() if v is not ...}


@pytest.mark.parametrize(
    "test, field, words",
    [
        ({"mode": "later"}, "test.mode", "'later' is not supported"),
        ({"mode": "sealed", "window": [START, END]}, "test.window", "only a 'future' test rule"),
        (_with(window=...), "test.window", "is required when mode is 'future'"),
        (_with(source=...), "test.source", "is required"),
        (_with(interval=...), "test.interval", "is required"),
        (_with(window=[END, START]), "test.window", f"start {END} must be before end {START}"),
        (_with(window=[START, START]), "test.window", "must be before end"),
        (_with(window=[START]), "test.window", "must be [start, end]"),
        (_with(window="soon"), "test.window", "must be [start, end]"),
        (_with(window=[START + 1, END]), "test.window[0]", "not on the 300 s grid"),
        (_with(window=[START, "end"]), "test.window[1]", "must be an integer"),
        (_with(window=[-300, END]), "test.window[0]", "must be >= 0"),
        (_with(interval=0), "test.interval", "must be >= 1"),
        (_with(source={"kind": "binance"}), "test.source.kind", "'binance' is not supported"),
        (_with(source={"kind": "local", "base_url": "http://x"}), "test.source.base_url", "only a 'coinpaprika'"),
        (_with(source={"kind": "coinpaprika", "base_url": "ftp://x"}), "test.source.base_url", "not an http(s) URL"),
        (_with(source={"kind": "coinpaprika", "url": "http://x"}), "test.source.url", "unknown field"),
        (_with(source={"kind": "coinpaprika"}, interval=60), "test.interval", "not a coinpaprika interval"),
        (_with(seed=1), "test.seed", "unknown field"),
    ],
)
def test_test_rule__bad_values__name_the_field(test, field, words):
    with pytest.raises(SpecError) as err:
        load_spec(spec_dict(**test))
    assert err.value.field == field
    assert words in str(err.value)
