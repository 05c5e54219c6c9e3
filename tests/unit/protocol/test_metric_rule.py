"""The metric rule: plain accuracy gives a constant guess of the majority class (what a diverged or exploding
model predicts) that class's share of the test part, so a spec under `accuracy` must have a min_accuracy_bps
above that share, and only where it is known at creation (sealed).  Balanced accuracy has no such hole."""

from __future__ import annotations

import numpy as np
import pytest
from multiformats import CID, multihash

from bounty_client.data import DataError, synthetic_prices
from bounty_client.ml.model import score_bps
from bounty_client.protocol.spec import BountySpec, DataFile, SpecError, load_spec


def cid(data: bytes) -> str:
    return str(CID("base32", 1, "raw", multihash.digest(data, "sha2-256")))


COINS = ["BTC", "ETH", "LTC", "BCH"]


def spec(**fields) -> BountySpec:
    return BountySpec(name="ltc", data_files=[DataFile(f"{c}-USD", cid(c.encode())) for c in COINS], target="LTC",
                      **fields)


def test_an_exploding_models_constant_guess__qualifies_under_accuracy_but_not_balanced_accuracy():
    """The finding: a model whose loss explodes predicts one class; on a test part 66 % "up" that scores
    6623-ish under accuracy (above a 5500 minimum) and exactly 5000 under balanced accuracy."""
    y = np.array([1] * 6623 + [0] * 3377)
    constant = np.ones_like(y)
    assert score_bps(y, constant, "accuracy") == 6623
    assert score_bps(y, constant, "balanced_accuracy") == 5000
    with pytest.raises(DataError, match="majority class is 6623 bps .* not below min_accuracy_bps 5500"):
        spec(metric="accuracy", min_accuracy_bps=5500).check_test_part(y)
    spec(metric="accuracy", min_accuracy_bps=6624).check_test_part(y)  # above the majority share: nothing to gain
    spec(metric="balanced_accuracy", min_accuracy_bps=5500).check_test_part(y)  # no such hole


def test_accuracy__in_future_mode__refused_by_the_spec_naming_the_field():
    future = {"mode": "future", "window": [1_800_000_000, 1_800_036_000], "source": {"kind": "local"},
              "interval": 300}
    d = spec().to_dict()
    d["test"] = future
    assert load_spec(d).metric == "balanced_accuracy"
    d["metric"] = "accuracy"
    with pytest.raises(SpecError, match="^metric: 'accuracy' needs a test part whose class balance is known"):
        load_spec(d)


def test_accuracy__sealed_test_part_the_majority_guess_would_pass__refused_when_the_dataset_is_built():
    prices = synthetic_prices(rows=400, seed=3)
    s = spec(metric="accuracy", min_accuracy_bps=0)
    public, hidden = s.split_hidden(prices)
    s.build_dataset(public)  # a participant builds no test part: nothing to check
    with pytest.raises(DataError, match="metric accuracy: the test part's majority class"):
        s.build_dataset(public, hidden)
    ds = spec(min_accuracy_bps=0).build_dataset(public, hidden)  # balanced accuracy: accepted
    ones = int(ds.y_test.sum())
    majority = max(ones, len(ds.y_test) - ones) * 10_000 // len(ds.y_test)
    assert len(spec(metric="accuracy", min_accuracy_bps=majority + 1).build_dataset(public, hidden).y_test)
