"""Holes in the price history: a window and its label span exactly seq_len + 1 + future_period rows
one interval apart; windows that would cross a gap are dropped, counted per split, and too many is an error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bounty_client.data import DataError, build_dataset, join_prices, split_hidden, synthetic_prices
from bounty_client.data.dataset import MAX_GAP_FRACTION, infer_interval

STEP = pd.Timedelta("5min")
SEQ, FP = 10, 3


def two_coins(rows: int = 300) -> dict[str, pd.DataFrame]:
    return synthetic_prices(coins=("BTC", "LTC"), rows=rows, seed=3)


def build(prices, **kw):
    args = dict(target="LTC", seq_len=SEQ, future_period=FP, val_fraction=0.2)
    args.update(kw)
    return build_dataset(prices, **args)


def assert_every_window_is_whole(ds, prices):
    """Each kept window's rows e-SEQ .. e+FP exist and are STEP apart; its label reads e+FP."""
    joined, _ = join_prices(prices)
    index = joined.index
    price = joined["LTC_price"]
    for name in ("train", "val", "test"):
        t = getattr(ds, f"t_{name}")
        y = getattr(ds, f"y_{name}")
        for end, label in zip(t, y):
            pos = index.get_loc(end)
            assert index[pos + FP] - index[pos - SEQ] == (SEQ + FP) * STEP, (name, end)
            assert index[pos + FP] - end == FP * STEP  # "15 minutes ahead" means 15 minutes
            assert label == int(price.iloc[pos + FP] > price.iloc[pos])


def test_issue_case__8_rows_missing_from_one_coin__13_windows_dropped_and_reported():
    prices = two_coins()
    hole = prices["BTC"].index[100:108]
    prices["BTC"] = prices["BTC"].drop(hole)
    ds = build(prices)
    assert ds.dropped_rows == 8 and ds.n_rows == 292
    # 10 windows whose inputs straddle the hole + 3 whose label would read 55 minutes ahead
    assert ds.gap_windows == {"train": 13, "val": 0, "test": 0}
    assert ds.interval == STEP
    assert len(ds.y_train) + len(ds.y_val) == 292 - SEQ - FP - 13 - FP  # minus the train/val embargo
    assert_every_window_is_whole(ds, prices)
    before, after = prices["LTC"].index[99], prices["LTC"].index[108]
    straddling = [t for t in ds.t_train if before - FP * STEP < t < after + SEQ * STEP]
    assert straddling == []
    assert "gap_windows=13" in repr(ds) and "interval=5min" in repr(ds)
    assert ds.summary().loc["train", "gap_dropped"] == 13
    meta = ds.metadata()
    assert meta["gap_windows"] == {"train": 13, "val": 0, "test": 0} and meta["interval_seconds"] == 300.0


def test_issue_case__all_coins_missing_the_same_rows__no_join_drop_but_13_gap_windows():
    prices = two_coins()
    for c in prices:
        prices[c] = prices[c].drop(prices[c].index[100:108])
    ds = build(prices)
    assert ds.dropped_rows == 0
    assert ds.gap_windows == {"train": 13, "val": 0, "test": 0}
    assert_every_window_is_whole(ds, prices)


def test_no_gaps__nothing_dropped_and_the_same_arrays_as_before():
    prices = two_coins()
    ds = build(prices)
    assert ds.gap_windows == {"train": 0, "val": 0, "test": 0}
    n = 300 - SEQ - FP
    n_val = round(0.2 * n)
    assert (len(ds.y_train), len(ds.y_val)) == (n - n_val - FP, n_val)


def test_gap_in_validation_and_in_the_hidden_part__counted_in_those_splits():
    prices = two_coins(400)
    public, hidden = split_hidden(prices, test_fraction=0.2)  # 320 public rows, 80 hidden
    public = {c: f.drop(f.index[300]) for c, f in public.items()}  # inside validation
    hidden = {c: f.drop(f.index[40]) for c, f in hidden.items()}  # inside the test part
    ds = build(public, hidden=hidden)
    assert ds.gap_windows == {"train": 0, "val": SEQ + FP, "test": SEQ + FP}
    assert_every_window_is_whole(ds, {c: pd.concat([public[c], hidden[c]]) for c in public})
    # leakage guarantee kept: the last training label lies before the first validation window's end
    assert ds.t_train[-1] + FP * STEP < ds.t_val[0]


def test_more_than_a_tenth_lost__error_names_the_largest_gap__exactly_a_tenth_is_allowed():
    def with_holes(rows):
        prices = two_coins(rows)
        for c in prices:
            prices[c] = prices[c].drop(prices[c].index[[60, 180]])
        return prices

    # 275 rows - 2 = 273 joined: 260 candidate windows, 26 lost = exactly 10%
    ok = build(with_holes(275))
    assert sum(ok.gap_windows.values()) == 26 == MAX_GAP_FRACTION * 260
    # one row fewer: 26 of 259 > 10%
    prices = with_holes(274)
    prices["BTC"] = prices["BTC"].drop(prices["BTC"].index[100:106])  # 6 more rows: the largest gap
    start, end = prices["BTC"].index[99], prices["BTC"].index[100]
    with pytest.raises(DataError) as info:
        build(prices)
    message = str(info.value)
    assert "39 of 253 windows (15.4%, more than 10%) cross a gap in the 5min price history" in message
    assert f"largest gap: {start:%Y-%m-%dT%H:%M:%SZ} to {end:%Y-%m-%dT%H:%M:%SZ} (6 missing 5min steps)" in message


def test_boundary__one_window_over_a_tenth__refused():
    prices = two_coins(274)
    for c in prices:
        prices[c] = prices[c].drop(prices[c].index[[60, 180]])
    with pytest.raises(DataError, match=r"26 of 259 windows \(10\.0%, more than 10%\) cross a gap.*"
                                        r"\(1 missing 5min steps\)"):
        build(prices)


def test_interval__given_explicitly__other_steps_are_irregular():
    prices = two_coins()
    with pytest.raises(DataError, match=r"is 5min, not 10min"):
        build(prices, interval="10min")
    assert build(prices, interval="5min").gap_windows["train"] == 0
    with pytest.raises(DataError, match="interval: 'soon' is not a duration"):
        build(prices, interval="soon")
    with pytest.raises(DataError, match="interval: must be positive"):
        build(prices, interval="0s")


def test_infer_interval__is_the_most_common_step_not_the_mean_or_minimum():
    index = pd.date_range("2022-05-08", periods=50, freq="5min", tz="UTC")
    holey = index.delete([10, 11, 12, 30]).append(pd.DatetimeIndex([index[-1] + pd.Timedelta("1min")]))
    assert infer_interval(holey) == STEP
    assert infer_interval(index[::3]) == pd.Timedelta("15min")
    with pytest.raises(DataError, match="at least two rows"):
        infer_interval(index[:1])
