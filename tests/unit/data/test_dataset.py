"""Dataset building: join, features, target, time splits, scaling -- and proofs of no leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounty_client.data import (
    DataError,
    Dataset,
    build_dataset,
    join_prices,
    min_public_rows,
    split_hidden,
    synthetic_prices,
)

COINS = ("BTC", "ETH", "LTC", "BCH")


@pytest.fixture(scope="module")
def prices():
    return synthetic_prices(rows=400, seed=11)


@pytest.fixture(scope="module")
def parts(prices):
    return split_hidden(prices, test_fraction=0.2)


def build(public, hidden=None, **kw):
    args = dict(target="LTC", seq_len=5, future_period=3, val_fraction=0.2)
    args.update(kw)
    return build_dataset(public, hidden=hidden, **args)


def combined(public, hidden):
    return {c: pd.concat([public[c], hidden[c]]) for c in public}


# ----------------------------------------------------------------- shapes and values


def test_build__shapes_dtypes_and_feature_names(parts):
    public, hidden = parts
    ds = build(public, hidden)
    assert ds.feature_names == [f"{c}_{col}" for c in sorted(COINS) for col in ("price", "volume_24h")]
    for x, y in ((ds.x_train, ds.y_train), (ds.x_val, ds.y_val), (ds.x_test, ds.y_test)):
        assert x.dtype == np.float32 and y.dtype == np.int64
        assert x.shape[1:] == (5, 8) and x.shape[0] == y.shape[0] > 0
        assert set(np.unique(y)) <= {0, 1}
    assert ds.input_shape == (5, 8)
    assert ds.n_rows == 400 and ds.n_public_rows == 320 and ds.dropped_rows == 0
    # Every labelled public window is train, gap or validation: 320 - 3 - 5 = 312 = train + 3 + val.
    assert len(ds.y_train) + 3 + len(ds.y_val) == 312
    assert len(ds.y_val) == round(0.2 * 312)
    assert len(ds.y_test) == 80 - 3
    assert ds.t_train.is_monotonic_increasing and ds.t_val.is_monotonic_increasing


def test_build__features_and_labels__match_a_direct_pandas_computation(parts):
    public, hidden = parts
    ds = build(public, hidden)
    joined = pd.concat({c: combined(public, hidden)[c] for c in sorted(COINS)}, axis=1)
    raw = pd.DataFrame(
        {f"{c}_{col}": joined[(c, col)].pct_change() for c in sorted(COINS) for col in ("price", "volume_24h")}
    )
    last_train = joined.index.get_loc(ds.t_train[-1])
    fit = raw.iloc[1 : last_train + 1]
    np.testing.assert_allclose(ds.scaler_mean, fit.mean().to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(ds.scaler_std, fit.std(ddof=0).to_numpy(), rtol=1e-10)
    scaled = (raw - fit.mean()) / fit.std(ddof=0)
    ltc = joined[("LTC", "price")]
    for name in ("train", "val", "test"):
        x, y = ds.split(name)
        for k, end in enumerate(getattr(ds, f"t_{name}")):
            e = joined.index.get_loc(end)
            np.testing.assert_allclose(x[k], scaled.iloc[e - 4 : e + 1].to_numpy(), rtol=1e-5, atol=1e-5)
            assert y[k] == int(ltc.iloc[e + 3] > ltc.iloc[e])


def test_build__training_features__are_standardised(parts):
    ds = build(parts[0])
    flat = ds.x_train[:, -1, :]  # each training row once (the last row of each window), except the first 4
    assert np.all(np.abs(flat.mean(axis=0)) < 0.1)
    assert np.all(np.abs(flat.std(axis=0) - 1) < 0.1)


def test_build__participant_view__has_empty_test_arrays_of_the_right_shape(parts):
    ds = build(parts[0])
    assert ds.x_test.shape == (0, 5, 8) and ds.x_test.dtype == np.float32
    assert ds.y_test.shape == (0,) and ds.y_test.dtype == np.int64
    assert len(ds.t_test) == 0 and not ds.has_test and ds.hidden_start is None


def test_build__participant_and_organizer__get_identical_train_val_and_scaler(parts):
    public, hidden = parts
    mine, organizer = build(public), build(public, hidden)
    for name in ("x_train", "y_train", "x_val", "y_val", "scaler_mean", "scaler_std"):
        assert np.array_equal(getattr(mine, name), getattr(organizer, name)), name
    assert mine.t_val.equals(organizer.t_val)


def test_build__same_input__same_digest_and_different_input__different_digest(prices):
    a = build(prices)
    assert a.digest() == build(prices).digest()
    assert a.digest() != build(prices, seq_len=6).digest()


# --------------------------------------------------------------------- no leakage


def rows_index(public, hidden=None):
    joined, _ = join_prices(combined(public, hidden) if hidden else public)
    return joined.index


def test_splits__labels_never_read_rows_of_a_later_split(parts):
    public, hidden = parts
    for seq_len, fp, vf in ((5, 3, 0.2), (1, 1, 0.5), (12, 7, 0.3)):
        ds = build(public, hidden, seq_len=seq_len, future_period=fp, val_fraction=vf)
        index = rows_index(public, hidden)
        label_row = lambda ends: index[index.get_indexer(ends) + fp]  # noqa: E731
        # A training label reads the price fp rows after its window: always before validation starts.
        assert label_row(ds.t_train)[-1] < ds.t_val[0]
        # ... and exactly fp windows are left out between the splits.
        assert index.get_loc(ds.t_val[0]) - index.get_loc(ds.t_train[-1]) == fp + 1
        # A validation label never reads a hidden (test) row.
        assert label_row(ds.t_val)[-1] < ds.hidden_start <= ds.t_test[0]
        assert index.get_loc(ds.t_test[0]) - index.get_loc(ds.t_val[-1]) == fp + 1


def perturbed(prices, coin, column, since, factor):
    out = {c: f.copy() for c, f in prices.items()}
    frame = out[coin]
    frame.loc[frame.index >= since, column] *= factor
    return out


@pytest.mark.parametrize("coin,column", [("LTC", "price"), ("BTC", "volume_24h"), ("ETH", "price")])
def test_no_leakage__changing_validation_and_later_rows__leaves_training_data_and_scaler_unchanged(
    parts, coin, column
):
    public, hidden = parts
    base = build(public, hidden)
    # Change every value from the first validation window's end on, in public and hidden data alike.
    since = base.t_val[0]
    changed = build(perturbed(public, coin, column, since, 1.5), perturbed(hidden, coin, column, since, 0.5))
    for name in ("x_train", "y_train", "scaler_mean", "scaler_std"):
        assert np.array_equal(getattr(base, name), getattr(changed, name)), name
    # The change is real: validation inputs (or labels, for the target) do differ.
    assert not np.array_equal(base.x_val, changed.x_val)


def test_no_leakage__changing_hidden_rows__leaves_train_and_validation_unchanged(parts):
    public, hidden = parts
    base = build(public, hidden)
    changed = build(public, {c: f * 1.01 for c, f in hidden.items()} | {"LTC": hidden["LTC"] * 0.9})
    for name in ("x_train", "y_train", "x_val", "y_val", "scaler_mean", "scaler_std"):
        assert np.array_equal(getattr(base, name), getattr(changed, name)), name
    assert not np.array_equal(base.y_test, changed.y_test) or not np.array_equal(base.x_test, changed.x_test)


@settings(max_examples=25, deadline=None)
@given(
    position=st.integers(min_value=1, max_value=199),
    coin=st.sampled_from(COINS),
    column=st.sampled_from(["price", "volume_24h"]),
    factor=st.sampled_from([0.5, 0.999, 1.001, 3.0]),
    seq_len=st.integers(min_value=1, max_value=6),
    future_period=st.integers(min_value=1, max_value=4),
)
def test_no_leakage__any_change_after_a_window__never_changes_that_windows_features(
    position, coin, column, factor, seq_len, future_period
):
    """Change one value at row ``position``: no window ending earlier sees it (in any split)."""
    prices = synthetic_prices(rows=200, seed=5)
    public, hidden = split_hidden(prices, test_fraction=0.25)
    kw = dict(seq_len=seq_len, future_period=future_period)
    base = build(public, hidden, **kw)
    when = prices[coin].index[position]
    part = public if when < base.hidden_start else hidden
    part = {c: f.copy() for c, f in part.items()}
    part[coin].loc[when, column] *= factor
    changed = build(part, hidden, **kw) if when < base.hidden_start else build(public, part, **kw)

    index = prices[coin].index
    last_train_label = index[index.get_loc(base.t_train[-1]) + future_period]
    if when > base.t_train[-1]:
        # After the training windows: the scaler and all training inputs are bit-identical; the
        # training labels too once the change is past the row the last of them reads (a change
        # inside the future_period gap may move that label: it is the gap's purpose).
        names = ("x_train", "y_train") if when > last_train_label else ("x_train",)
        for name in (*names, "scaler_mean", "scaler_std"):
            assert np.array_equal(getattr(base, name), getattr(changed, name)), name
    for name in ("train", "val", "test"):
        ends = getattr(base, f"t_{name}")
        assert ends.equals(getattr(changed, f"t_{name}"))
        before = ends < when
        (xb, yb), (xc, yc) = base.split(name), changed.split(name)
        # Raw (unscaled) features of every window ending before the change are unchanged.
        raw_b = xb[before].astype(np.float64) * base.scaler_std + base.scaler_mean
        raw_c = xc[before].astype(np.float64) * changed.scaler_std + changed.scaler_mean
        np.testing.assert_allclose(raw_b, raw_c, rtol=1e-5, atol=1e-6)
        if np.array_equal(base.scaler_mean, changed.scaler_mean):
            assert np.array_equal(xb[before], xc[before])
        # Labels only read the window's end row and the row future_period later.
        label_rows = index[index.get_indexer(ends) + future_period]
        assert np.array_equal(yb[label_rows < when], yc[label_rows < when])


# ------------------------------------------------------------------- join and zeros


def test_join__rows_missing_in_some_coin__are_dropped_and_counted(prices):
    holes = {c: f.copy() for c, f in prices.items()}
    holes["BTC"] = holes["BTC"].drop(holes["BTC"].index[[10, 11, 200]])
    holes["ETH"] = holes["ETH"].drop(holes["ETH"].index[[11, 50]])
    ds = build(holes)
    assert ds.dropped_rows == 4  # rows 10, 11, 50, 200
    assert ds.n_rows == 396
    assert "dropped_rows=4" in repr(ds)
    joined, dropped = join_prices(holes)
    assert dropped == 4 and prices["BTC"].index[50] not in joined.index


def test_features__zero_volume__gives_finite_features_by_the_zero_rule(prices):
    zeros = {c: f.copy() for c, f in prices.items()}
    zeros["ETH"].iloc[[20, 21, 22], 1] = 0.0  # volume 0 three times: changes from 0 at rows 21, 22, 23
    ds = build(zeros)
    assert ds.zero_fixes == 3
    for x in (ds.x_train, ds.x_val):
        assert np.isfinite(x).all()
    k = list(ds.t_train).index(prices["ETH"].index[23])
    raw = ds.x_train[k, -1] * ds.scaler_std + ds.scaler_mean
    assert raw[ds.feature_names.index("ETH_volume_24h")] == pytest.approx(0.0, abs=1e-6)


def test_features__columns_option__selects_per_coin_features(prices):
    ds = build(prices, columns=["price"])
    assert ds.feature_names == [f"{c}_price" for c in sorted(COINS)]
    ds = build(prices, columns=["price", "volume_24h", "market_cap"])
    assert ds.n_features == 12


def test_build__val_fraction_zero__gives_no_validation_windows(prices):
    ds = build(prices, val_fraction=0.0)
    assert len(ds.y_val) == 0 and ds.x_val.shape == (0, 5, 8)
    assert len(ds.y_train) == 400 - 3 - 5


# ------------------------------------------------------------------------- errors


def test_build__unknown_target__lists_the_coins(prices):
    with pytest.raises(DataError, match=r"unknown target coin 'DOGE'; the data has coins: BCH, BTC, ETH, LTC"):
        build(prices, target="DOGE")


@pytest.mark.parametrize("seq_len,fp,vf", [(1, 1, 0.2), (5, 3, 0.2), (30, 10, 0.5), (4, 2, 0.0), (2, 6, 0.9)])
def test_build__too_few_rows__says_how_many_are_needed_and_there_are(seq_len, fp, vf):
    need = min_public_rows(seq_len, fp, vf)
    ok = synthetic_prices(rows=need, seed=1)
    ds = build(ok, seq_len=seq_len, future_period=fp, val_fraction=vf)
    assert len(ds.y_train) >= 1 and (len(ds.y_val) >= 1 or vf == 0)
    short = {c: f.iloc[1:] for c, f in ok.items()}
    with pytest.raises(DataError) as info:
        build(short, seq_len=seq_len, future_period=fp, val_fraction=vf)
    message = str(info.value)
    assert f"need at least {need} joined public rows" in message
    assert f"but there are {need - 1} (0 dropped" in message
    assert f"seq_len={seq_len}, future_period={fp}" in message


def test_build__too_few_rows_after_the_join__counts_the_dropped_rows():
    prices = synthetic_prices(coins=("BTC", "LTC"), rows=30, seed=1)
    prices["BTC"] = prices["BTC"].iloc[::3]
    with pytest.raises(DataError, match=r"but there are 10 \(20 dropped by the inner join of BTC, LTC\)"):
        build(prices, seq_len=5)


def test_build__hidden_part_too_short__raises(parts):
    public, hidden = parts
    with pytest.raises(DataError, match=r"hidden: too few hidden rows: 3 joined rows after .* needs at least 4"):
        build(public, {c: f.iloc[:3] for c, f in hidden.items()})


def test_build__hidden_overlapping_public__raises(parts, prices):
    public, hidden = parts
    early = {c: f.iloc[-90:] for c, f in prices.items()}
    with pytest.raises(DataError, match=r"public\['BCH'\] has rows up to .* at or after the hidden part's start"):
        build(public, early)
    with pytest.raises(DataError, match=r"hidden coins \['BTC'\] differ from public coins"):
        build(public, {"BTC": hidden["BTC"]})


@pytest.mark.parametrize(
    "kw,message",
    [
        ({"seq_len": 0}, "seq_len: must be an integer >= 1, got 0"),
        ({"seq_len": 2.5}, "seq_len: must be an integer >= 1, got 2.5"),
        ({"future_period": True}, "future_period: must be an integer >= 1, got True"),
        ({"val_fraction": 1.0}, "val_fraction: must be a number with 0 <= val_fraction < 1, got 1.0"),
        ({"val_fraction": -0.1}, "val_fraction: must be a number"),
        ({"columns": ["close"]}, "columns: must be distinct names from"),
        ({"columns": []}, "columns: must be distinct names from"),
    ],
)
def test_build__bad_parameters__name_the_parameter(prices, kw, message):
    with pytest.raises(DataError) as info:
        build(prices, **kw)
    assert message in str(info.value)


def test_build__bad_frame__names_the_coin_row_and_column(prices):
    bad = dict(prices)
    bad["ETH"] = prices["ETH"].copy()
    bad["ETH"].iloc[7, 0] = -1.0
    with pytest.raises(DataError, match=r"public\['ETH'\]: column 'price': row 7 \(.*\): price must be > 0"):
        build(bad)
    with pytest.raises(DataError, match="no coins given"):
        build({})


# ------------------------------------------------------------------------- splits


def test_split_hidden__cuts_every_coin_at_the_same_timestamp(prices):
    holes = {c: f.copy() for c, f in prices.items()}
    holes["BTC"] = holes["BTC"].drop(holes["BTC"].index[[5, 390]])
    public, hidden = split_hidden(holes, test_fraction=0.25)
    cut = hidden["LTC"].index[0]
    for c in COINS:
        assert public[c].index[-1] < cut and hidden[c].index[0] >= cut
        assert len(public[c]) + len(hidden[c]) == len(holes[c])
    assert len(hidden["LTC"]) == round(0.25 * 398) + 1  # BTC's hole at row 390 lies in the hidden part
    assert hidden["LTC"].index[-1] == prices["LTC"].index[-1]


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.2, "x", "0.2", None, True])
def test_split_hidden__bad_fraction__raises(prices, fraction):
    with pytest.raises(DataError, match="test_fraction: must be a number with 0 < test_fraction < 1"):
        split_hidden(prices, test_fraction=fraction)


def test_split_hidden__too_small_fraction__still_hides_one_row(prices):
    public, hidden = split_hidden(prices, test_fraction=0.0001)
    assert len(hidden["BTC"]) == 1


# ------------------------------------------------------------------------ reports


def test_summary_and_repr__show_sizes_and_class_balance(parts):
    ds = build(*parts)
    s = ds.summary()
    assert list(s.index) == ["train", "val", "test"]
    assert s.loc["train", "windows"] == len(ds.y_train)
    assert s.loc["val", "up_fraction"] == pytest.approx(ds.y_val.mean())
    assert s.loc["test", "last_end"] == ds.t_test[-1]
    r = repr(ds)
    assert f"train={len(ds.y_train)} ({100 * ds.y_train.mean():.1f}% up)" in r
    assert "target='LTC'" in r and "seq_len=5" in r and "future_period=3" in r
    meta = ds.metadata()
    assert meta["splits"]["test"]["windows"] == len(ds.y_test)
    assert meta["digest"] == ds.digest()
    assert meta["hidden_start"].endswith("Z")
    import json

    json.dumps(meta)  # JSON-ready
    assert "<pre>" in ds._repr_html_()
    assert isinstance(ds, Dataset)
    with pytest.raises(ValueError, match="split: must be 'train', 'val' or 'test'"):
        ds.split("holdout")


def test_no_leakage__the_row_right_after_the_last_training_window__is_not_in_the_scaler(parts):
    public, hidden = parts
    base = build(public, hidden)
    index = rows_index(public, hidden)
    first_gap_row = index[index.get_loc(base.t_train[-1]) + 1]
    doubled = {c: f.copy() for c, f in public.items()}
    for frame in doubled.values():
        frame.loc[first_gap_row] *= 2.0
    changed = build(doubled, hidden)
    for name in ("x_train", "scaler_mean", "scaler_std"):
        assert np.array_equal(getattr(base, name), getattr(changed, name)), name
    assert not np.array_equal(base.x_val, changed.x_val)


def test_original_scenario__210_row_csv_files_seq_len_1_future_period_3(tmp_path):
    """The original demo: ~210 rows per coin from CSV files, sequence length 1, predict 3 steps ahead."""
    from bounty_client.data import read_prices_dir, write_prices_dir

    write_prices_dir(synthetic_prices(rows=210, seed=0), tmp_path)
    public, hidden = split_hidden(read_prices_dir(tmp_path), test_fraction=0.2)
    ds = build_dataset(public, hidden=hidden, target="LTC", seq_len=1, future_period=3)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (128, 33, 39)  # 168 public rows, 42 hidden
    assert ds.x_train.shape == (128, 1, 8)


def test_dataset__pickles_for_worker_processes(parts):
    import pickle

    ds = build(*parts)
    back = pickle.loads(pickle.dumps(ds))
    assert back.digest() == ds.digest() and back.t_test.equals(ds.t_test) and repr(back) == repr(ds)
