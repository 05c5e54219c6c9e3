"""A seeded, offline generator of correlated coin prices in coinpaprika format.

The model (per 5-minute step ``t``, all in log returns):

* a shared **volatility regime** ``s_t`` (calm / turbulent, a two-state Markov
  chain; turbulent steps have 2.5x the volatility);
* a shared **market factor** ``m_t = PHI * m_{t-1} + sigma_m * vol(s_t) * z_t``
  (weak momentum, ``PHI`` = 0.1);
* each coin's return ``r_t = beta * ((1 - lag) * m_t + lag * m_{t-1}) + sigma * vol(s_t) * e_t``:
  BTC has ``lag`` = 0 and the other coins follow the market partly one step late,
  so BTC's latest move carries a little information about the others' next moves.
  This makes "target coin up in ``future_period`` steps" weakly learnable
  (about 55-60 % for the default coins), so better hyperparameters can score
  better than a coin flip -- while staying far from trivially predictable.
* ``volume_24h`` is the rolling 24-hour sum of per-step volumes that follow a
  slow log-normal process and rise with ``|r_t|``;
* ``market_cap = price * supply`` with a slowly growing supply.

Each coin gets its own random stream derived from ``(seed, symbol)``, so a
coin's series does not depend on which other coins are requested, and the same
seed always gives identical frames.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import DataError
from .files import COLUMNS, _check_symbol

__all__ = ["CoinProfile", "PROFILES", "synthetic_prices"]

#: Rows in 24 hours of 5-minute steps (the window of ``volume_24h``).
_DAY = 288
_PHI = 0.10  # market-factor autocorrelation (momentum)
_SIGMA_M = 0.0018  # market-factor volatility per calm step
_TURBULENT = 2.5  # volatility multiplier in the turbulent regime
_P_ENTER, _P_LEAVE = 1 / 600, 1 / 200  # regime switching probabilities per step


@dataclass(frozen=True)
class CoinProfile:
    """Parameters of one synthetic coin (prices near their May 2022 levels)."""

    price: float  #: first price in USD
    supply: float  #: circulating supply at the start
    sigma: float  #: idiosyncratic volatility per calm 5-minute step
    beta: float  #: exposure to the market factor
    lag: float  #: share of the market move followed one step late (0 = none)
    volume: float  #: typical 24-hour volume in USD


#: Profiles of the four coins the original project used; other symbols get seeded random ones.
PROFILES: dict[str, CoinProfile] = {
    "BTC": CoinProfile(price=34_000.0, supply=19_030_000, sigma=0.0010, beta=1.00, lag=0.0, volume=2.5e10),
    "ETH": CoinProfile(price=2_500.0, supply=120_000_000, sigma=0.0014, beta=1.15, lag=0.35, volume=1.5e10),
    "LTC": CoinProfile(price=94.0, supply=70_300_000, sigma=0.0016, beta=1.20, lag=0.50, volume=1.3e9),
    "BCH": CoinProfile(price=230.0, supply=19_050_000, sigma=0.0018, beta=1.25, lag=0.50, volume=2.5e9),
}


def _stream(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


def _profile(symbol: str, seed: int) -> CoinProfile:
    if symbol in PROFILES:
        return PROFILES[symbol]
    rng = _stream(seed, "profile:" + symbol)
    return CoinProfile(
        price=float(10 ** rng.uniform(-1, 3)),
        supply=float(10 ** rng.uniform(7, 10)),
        sigma=float(rng.uniform(0.0012, 0.0030)),
        beta=float(rng.uniform(0.8, 1.5)),
        lag=float(rng.uniform(0.2, 0.6)),
        volume=float(10 ** rng.uniform(7, 10)),
    )


def synthetic_prices(
    coins: Sequence[str] = ("BTC", "ETH", "LTC", "BCH"),
    rows: int = 2000,
    seed: int = 0,
    start: str | pd.Timestamp = "2022-05-08T00:05:00Z",
    step: str | pd.Timedelta = "5min",
) -> dict[str, pd.DataFrame]:
    """Generate ``{symbol: price table}`` for correlated coins, offline and reproducibly.

    Each table has ``rows`` rows at ``step`` intervals from ``start`` (UTC), in the
    same layout as :func:`~bounty_client.data.read_prices_csv` returns; prices are
    rounded to 4 decimals and volumes and market caps to whole dollars, as
    coinpaprika reports them. See the module docstring for the model.
    """
    coins = list(coins)
    if not coins:
        raise DataError("coins: at least one coin symbol is needed", source="synthetic_prices")
    for symbol in coins:
        _check_symbol(symbol, source="synthetic_prices")
    if len(set(coins)) != len(coins):
        raise DataError(f"coins: duplicate symbols in {coins}", source="synthetic_prices")
    if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or rows < 2:
        raise DataError(f"rows: must be an integer >= 2, got {rows!r}", source="synthetic_prices")
    try:
        step_td = pd.Timedelta(step)
        first = pd.Timestamp(start)
    except (ValueError, TypeError) as exc:
        raise DataError(f"start/step: {exc}", source="synthetic_prices") from None
    if step_td <= pd.Timedelta(0):
        raise DataError(f"step: must be positive, got {step!r}", source="synthetic_prices")
    first = first.tz_localize("UTC") if first.tzinfo is None else first.tz_convert("UTC")
    index = pd.date_range(first, periods=int(rows), freq=step_td, name="timestamp")

    total = int(rows) + _DAY  # a day of warm-up so volume_24h is a full 24-hour sum from row 0
    market = _stream(seed, "market")
    # Volatility regime: a two-state Markov chain, starting calm.
    switch = market.random(total)
    regime = np.zeros(total, dtype=bool)
    state = False
    for t in range(total):  # cheap: a few thousand steps
        if switch[t] < (_P_LEAVE if state else _P_ENTER):
            state = not state
        regime[t] = state
    vol = np.where(regime, _TURBULENT, 1.0)
    shocks = _SIGMA_M * vol * market.standard_normal(total)
    factor = np.empty(total)
    prev = 0.0
    for t in range(total):
        prev = _PHI * prev + shocks[t]
        factor[t] = prev
    lagged = np.concatenate([[0.0], factor[:-1]])

    out: dict[str, pd.DataFrame] = {}
    for symbol in coins:
        p = _profile(symbol, seed)
        rng = _stream(seed, "coin:" + symbol)
        returns = p.beta * ((1 - p.lag) * factor + p.lag * lagged) + p.sigma * vol * rng.standard_normal(total)
        # Per-step volume: slow log-normal level times a response to the size of the move.
        level = np.empty(total)
        noise = 0.08 * rng.standard_normal(total)
        x = 0.0
        for t in range(total):
            x = 0.98 * x + noise[t]
            level[t] = x
        typical = p.sigma + p.beta * _SIGMA_M
        per_step = (p.volume / _DAY) * np.exp(level) * (0.5 + 0.5 * np.abs(returns) / typical)
        volume_24h = np.convolve(per_step, np.ones(_DAY), mode="full")[_DAY - 1 : total]

        r = returns[_DAY:]
        log_price = np.log(p.price) + np.concatenate([[0.0], np.cumsum(r[1:])])
        price = np.round(np.exp(log_price), 4)
        price = np.maximum(price, 1e-4)
        supply = p.supply * (1 + 2e-7 * np.arange(rows))
        frame = pd.DataFrame(
            {
                "price": price,
                "volume_24h": np.round(volume_24h[-rows:]),
                "market_cap": np.round(price * supply),
            },
            index=index.copy(),
            columns=list(COLUMNS),
        )
        out[symbol] = frame.astype(np.float64)
    return out
