"""The seeded synthetic generator: reproducible, coinpaprika-shaped, correlated and weakly learnable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bounty_client.data import DataError, build_dataset, split_hidden, synthetic_prices, validate_prices


@pytest.fixture(scope="module")
def prices():
    return synthetic_prices(rows=6000, seed=0)


def log_returns(frame):
    return np.diff(np.log(frame["price"].to_numpy()))


def test_synthetic__same_seed__identical_frames_and_other_seed__different():
    a, b = synthetic_prices(rows=500, seed=7), synthetic_prices(rows=500, seed=7)
    for coin in a:
        pd.testing.assert_frame_equal(a[coin], b[coin], check_exact=True)
    c = synthetic_prices(rows=500, seed=8)
    assert not np.array_equal(a["BTC"]["price"].to_numpy(), c["BTC"]["price"].to_numpy())


def test_synthetic__a_coin_does_not_depend_on_the_other_coins_requested():
    alone = synthetic_prices(coins=("LTC",), rows=300, seed=2)["LTC"]
    together = synthetic_prices(coins=("BTC", "LTC", "DOGE"), rows=300, seed=2)["LTC"]
    pd.testing.assert_frame_equal(alone, together, check_exact=True)


def test_synthetic__format__matches_read_prices_csv(prices):
    assert list(prices) == ["BTC", "ETH", "LTC", "BCH"]
    for frame in prices.values():
        assert list(frame.columns) == ["price", "volume_24h", "market_cap"]
        assert frame.index.name == "timestamp" and str(frame.index.tz) == "UTC"
        assert (frame.dtypes == np.float64).all()
        assert frame.index[0] == pd.Timestamp("2022-05-08T00:05:00Z")
        assert (np.diff(frame.index.asi8) == 300 * 10**9).all()
        validate_prices(frame)  # positive prices, non-negative volumes, sorted unique timestamps
        assert (frame["volume_24h"] == frame["volume_24h"].round()).all()
    assert prices["LTC"]["price"].iloc[0] == 94.0


def test_synthetic__start_and_step__are_honoured():
    frame = synthetic_prices(coins=("BTC",), rows=3, start="2024-01-01", step="1h")["BTC"]
    assert list(frame.index) == list(pd.date_range("2024-01-01", periods=3, freq="1h", tz="UTC"))


def test_synthetic__coins__move_together_with_the_market(prices):
    btc = log_returns(prices["BTC"])
    for coin in ("ETH", "LTC", "BCH"):
        assert np.corrcoef(btc, log_returns(prices[coin]))[0, 1] > 0.4


def test_synthetic__volatility__has_calm_and_turbulent_regimes(prices):
    r = pd.Series(log_returns(prices["BTC"]))
    rolling = r.rolling(288).std().dropna()
    assert rolling.max() / rolling.min() > 1.8


def test_synthetic__volume__rises_with_the_size_of_moves(prices):
    for coin in prices:
        r = np.abs(log_returns(prices[coin]))
        dv = np.diff(prices[coin]["volume_24h"].to_numpy())
        assert np.corrcoef(r, dv)[0, 1] > 0.1


def test_synthetic__market_cap__is_price_times_a_slowly_growing_supply(prices):
    supply = prices["BTC"]["market_cap"] / prices["BTC"]["price"]
    assert supply.iloc[0] == pytest.approx(19_030_000, rel=1e-6)
    assert supply.iloc[-1] / supply.iloc[0] == pytest.approx(1 + 2e-7 * 5999, rel=1e-6)


def test_synthetic__other_coins__lag_the_market_so_the_target_is_learnable(prices):
    btc, ltc = log_returns(prices["BTC"]), log_returns(prices["LTC"])
    assert np.corrcoef(btc[:-1], ltc[1:])[0, 1] > 0.1  # BTC's move now says something about LTC's next move
    # A plain logistic regression on the last window beats a coin flip on the hidden test part.
    public, hidden = split_hidden(prices, test_fraction=0.3)
    ds = build_dataset(public, hidden=hidden, target="LTC", seq_len=1, future_period=3)
    x, y = ds.x_train[:, -1, :].astype(np.float64), ds.y_train
    x = np.c_[x, np.ones(len(x))]
    w = np.zeros(x.shape[1])
    for _ in range(300):
        w -= x.T @ (1 / (1 + np.exp(-x @ w)) - y) / len(y)
    xt = np.c_[ds.x_test[:, -1, :], np.ones(len(ds.y_test))]
    accuracy = ((xt @ w > 0) == ds.y_test).mean()
    assert 0.54 < accuracy < 0.75, accuracy


def test_synthetic__unknown_symbols__get_seeded_profiles():
    a = synthetic_prices(coins=("DOGE", "XMR"), rows=50, seed=4)
    b = synthetic_prices(coins=("DOGE", "XMR"), rows=50, seed=4)
    pd.testing.assert_frame_equal(a["DOGE"], b["DOGE"], check_exact=True)
    assert a["DOGE"]["price"].iloc[0] != a["XMR"]["price"].iloc[0]


@pytest.mark.parametrize(
    "kw,message",
    [
        ({"coins": ()}, "coins: at least one coin symbol is needed"),
        ({"coins": ("BTC", "BTC")}, "coins: duplicate symbols"),
        ({"coins": ("BTC-USD",)}, "coin symbol 'BTC-USD' must be letters and digits"),
        ({"rows": 1}, "rows: must be an integer >= 2, got 1"),
        ({"rows": 10.0}, "rows: must be an integer >= 2, got 10.0"),
        ({"step": "-5min"}, "step: must be positive"),
        ({"step": "often"}, "start/step:"),
        ({"start": "someday"}, "start/step:"),
    ],
)
def test_synthetic__bad_arguments__raise_naming_the_argument(kw, message):
    with pytest.raises(DataError) as info:
        synthetic_prices(**kw)
    assert message in str(info.value)
