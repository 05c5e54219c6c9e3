"""Market sources for a future-window test set: prices that do not exist before their time.

A bounty in *future* test mode names a window ``[start, end]`` (unix seconds, ``start`` at or
after the submission deadline). Test labels are read only from prices inside it, so while anyone
can still submit, nobody -- organizer included -- can know them. After the window closes the
organizer fetches the window's rows from a public source and posts them; a verifier fetches them
again and compares (:func:`compare_with_source`, :func:`check_window_rows`).

A source is anything with the :class:`Market` shape::

    market.history(["BTC", "LTC"], start, end, now=chain_time) -> {"BTC": frame, "LTC": frame}

frames in the layout of :func:`~bounty_client.data.read_prices_csv` (UTC ``timestamp`` index,
float64 ``price``, ``volume_24h``, ``market_cap``), rows ``start <= t <= end`` on the market's
``interval`` grid (multiples of ``interval`` seconds since the unix epoch). ``now`` is the
chain's time (``block.timestamp`` of the latest block, unix seconds), given by the caller: a
request with ``end > now`` raises :class:`NotYetAvailableError` (a :class:`DataError`) saying
those rows do not exist yet -- before anything is fetched.

Two sources:

* :class:`CoinpaprikaMarket` -- coinpaprika's historical tickers through
  :class:`~bounty_client.data.CoinpaprikaClient` (symbol -> coin id via ``COIN_IDS``). The
  real API only has rows up to the real time; the tests use a loopback double with a clock.
* :class:`LocalMarket` -- **an offline stand-in for a public market**, for the demo and the
  tests (``ape run lifecycle`` with time travel). It simulates the synthetic generator's model
  (:mod:`bounty_client.data.synthetic`: volatility regimes, a shared market factor, lagged
  followers, 24-hour volumes) step by step from a secret seed. Row ``t`` is a function of the
  secret and the step number only, so every query sees the same history, rows up to ``now``
  are served and rows after ``now`` are refused. The secret is 32 bytes from ``os.urandom``,
  never derived from anything published (a spec seed, a chain value), and kept in a market file
  (default ``$BOUNTY_HOME/market.json``, mode 0600) so every process of the demo and the role
  commands on this machine sees the same market. What it models: anyone on the machine can
  query the past; nobody can query the future. What it does not: a real market's clock is
  the world's, while this one trusts the ``now`` its caller passes (the chain's time, which
  the demo moves forward). A process that reads the market file can compute every row of
  the *base* market, so a bounty's test window is not read from it: the window's rows come
  from :meth:`LocalMarket.drawn`, which mixes the bounty's on-chain randomness (drawn from the
  reveal deadline on) into every random step from the window's first row, so nobody -- the
  organizer with its secret included -- can compute a test label before the reveals are over.
  Each bounty's window therefore has prices of its own. Without the market file nobody can
  compute the rows at all: a verifier elsewhere cannot compare them (``verify`` says
  "unverified" and how to compare). A live bounty uses a public source such as coinpaprika.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np
import pandas as pd

from ..paths import default_market_path
from .errors import DataError
from .files import COLUMNS, _check_symbol, _fmt_ts, validate_prices

__all__ = [
    "Market",
    "NotYetAvailableError",
    "CoinpaprikaMarket",
    "LocalMarket",
    "SourceComparison",
    "INTERVAL_NAMES",
    "default_market_path",
    "window_grid",
    "window_span",
    "window_market",
    "fetch_window",
    "check_window_rows",
    "compare_with_source",
    "market_for",
]

#: coinpaprika ``interval`` names of the grid spacings a future window can use (seconds -> name).
INTERVAL_NAMES: dict[int, str] = {
    300: "5m", 600: "10m", 900: "15m", 1800: "30m", 2700: "45m", 3600: "1h", 7200: "2h",
    10800: "3h", 21600: "6h", 43200: "12h", 86400: "24h",
}  # fmt: skip

_MARKET_FILE_KIND = "ml-bounty local market"
_MARKET_FILE_VERSION = 1
#: Days of history a new LocalMarket has before the moment it is created.
DEFAULT_HISTORY_DAYS = 30
#: Most steps a LocalMarket simulates in one process (about 95 years of 5-minute rows).
_MAX_STEPS = 10_000_000


class NotYetAvailableError(DataError):
    """Rows after ``now`` were asked for: at the chain's time they do not exist yet."""


@runtime_checkable
class Market(Protocol):
    """A source of price history that only knows the past (see the module docstring)."""

    #: Grid spacing of the rows, in seconds.
    interval: int

    def history(
        self, symbols: Sequence[str], start: "int | str | pd.Timestamp", end: "int | str | pd.Timestamp", *, now: int
    ) -> dict[str, pd.DataFrame]:
        """``{symbol: price table}`` of rows ``start <= t <= end``; :class:`NotYetAvailableError` if ``end > now``."""
        ...


# ------------------------------------------------------------------------------ helpers


def _unix(value: Any, name: str, *, source: str) -> int:
    """Unix seconds from an int or anything :class:`pandas.Timestamp` reads (naive = UTC)."""
    if isinstance(value, bool):
        raise DataError(f"{name}: {value!r} is not a time", source=source)
    if isinstance(value, (int, np.integer)):
        return int(value)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name}: {value!r} is not unix seconds or a timestamp ({exc})", source=source) from None
    if ts is pd.NaT:
        raise DataError(f"{name}: missing", source=source)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value // 10**9)


def _iso(seconds: int) -> str:
    return _fmt_ts(pd.Timestamp(int(seconds), unit="s", tz="UTC"))


def _check_request(symbols: Iterable[str], start: Any, end: Any, now: Any, *, source: str) -> tuple[list[str], int, int]:
    """Validate a history request; refuse ``end > now`` before anything is fetched."""
    if isinstance(symbols, str):
        raise DataError(f"symbols: pass a list of coin symbols, not the string {symbols!r}", source=source)
    symbols = list(symbols)
    if not symbols:
        raise DataError("symbols: at least one coin symbol is needed", source=source)
    for symbol in symbols:
        _check_symbol(symbol, source=source)
    if len(set(symbols)) != len(symbols):
        raise DataError(f"symbols: duplicates in {symbols}", source=source)
    if isinstance(now, bool) or not isinstance(now, (int, np.integer)):
        raise DataError(f"now: must be the chain's time in unix seconds (an int), got {now!r}", source=source)
    first = _unix(start, "start", source=source)
    last = _unix(end, "end", source=source)
    if last < first:
        raise DataError(f"end {_iso(last)} is before start {_iso(first)}", source=source)
    if last > now:
        raise NotYetAvailableError(
            f"end {_iso(last)} is after now ({_iso(int(now))}, the chain's time): those rows do not exist yet",
            source=source,
        )
    return symbols, first, last


def window_grid(after: int, duration: int, interval: int) -> tuple[int, int]:
    """A future window ``(start, end)`` on the ``interval`` grid: ``start`` is the first grid time
    at or after ``after`` (e.g. the submission deadline), ``end = start + duration`` rounded up
    to the grid. Unix seconds. Raises :class:`DataError` for a non-positive duration or interval."""
    for name, value in (("after", after), ("duration", duration), ("interval", interval)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise DataError(f"{name}: must be an integer number of seconds, got {value!r}", source="window_grid")
    if interval <= 0 or duration <= 0:
        raise DataError("duration and interval must be > 0 seconds", source="window_grid")
    start = -(-int(after) // interval) * interval
    end = start + -(-int(duration) // interval) * interval
    return start, end


def window_span(window: "tuple[int, int]", context_rows: int, interval: int) -> tuple[int, int]:
    """``(start - context_rows * interval, end)``: the span the posted rows of a future window
    cover (unix seconds, inclusive). For a dataset ``context_rows`` is the spec's ``seq_len``."""
    start, end = _check_window(window, interval)
    if isinstance(context_rows, bool) or not isinstance(context_rows, (int, np.integer)) or context_rows < 0:
        raise DataError(f"context_rows: must be an integer >= 0, got {context_rows!r}", source="test window")
    return start - int(context_rows) * int(interval), end


def fetch_window(
    market: Market, symbols: Sequence[str], window: "tuple[int, int]", context_rows: int, *, now: int
) -> dict[str, pd.DataFrame]:
    """Organizer, after the window closed: the rows to post, ``{symbol: price table}`` over
    :func:`window_span` from ``market``. Raises :class:`NotYetAvailableError` while ``now``
    (the chain's time) is before the window's end, and checks the result with
    :func:`check_window_rows` before returning it."""
    low, end = window_span(window, context_rows, market.interval)
    rows = market.history(symbols, low, end, now=now)
    check_window_rows(rows, window, context_rows, market.interval)
    return rows


# ------------------------------------------------------------------------------ coinpaprika


class CoinpaprikaMarket:
    """coinpaprika's historical tickers as a :class:`Market`.

    ``client`` is a :class:`~bounty_client.data.CoinpaprikaClient` (default: one for
    ``base_url``); ``interval`` is the grid spacing in seconds (a key of
    :data:`INTERVAL_NAMES`, e.g. 300 = ``"5m"``); ``coin_ids`` adds symbols to ``COIN_IDS``.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        base_url: str | None = None,
        interval: int = 300,
        coin_ids: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(interval, bool) or interval not in INTERVAL_NAMES:
            raise DataError(
                f"interval: {interval!r} seconds is not a coinpaprika interval; choose one of {sorted(INTERVAL_NAMES)}",
                source="coinpaprika",
            )
        if client is None:
            from .coinpaprika import DEFAULT_BASE_URL, CoinpaprikaClient

            client = CoinpaprikaClient(base_url=base_url or DEFAULT_BASE_URL)
        self.client = client
        self.interval = int(interval)
        self.coin_ids = dict(coin_ids or {})

    @property
    def source(self) -> str:
        return f"coinpaprika {self.client.base_url}"

    def history(self, symbols: Sequence[str], start: Any, end: Any, *, now: int) -> dict[str, pd.DataFrame]:
        """Rows ``start <= t <= end`` of each coin, from the API (paged, retried by the client).

        Raises :class:`NotYetAvailableError` for ``end > now`` without sending a request, and
        :class:`DataError` for an unknown symbol or any HTTP problem (naming the URL). Rows the
        API returns off the ``interval`` grid are kept (``check_window_rows`` reports them).
        """
        symbols, first, last = _check_request(symbols, start, end, now, source=self.source)
        return self.client.prices(
            symbols,
            start=pd.Timestamp(first, unit="s", tz="UTC"),
            end=pd.Timestamp(last, unit="s", tz="UTC"),
            interval=INTERVAL_NAMES[self.interval],
            coin_ids=self.coin_ids,
        )

    def __repr__(self) -> str:
        return f"CoinpaprikaMarket({self.client.base_url!r}, interval={self.interval})"


# ------------------------------------------------------------------------------ local


@dataclass
class _Series:
    """What has been simulated so far, from step ``-_DAY`` (a warm-up day) on."""

    regime: list[np.ndarray] = field(default_factory=list)  # per block, bool
    factor: list[np.ndarray] = field(default_factory=list)  # per block, market factor m_t
    coins: dict[str, dict[str, list[np.ndarray]]] = field(default_factory=dict)


class LocalMarket:
    """An offline, deterministic simulated market: the stand-in for a public source (module docs).

    ``LocalMarket(path)`` opens the market file at ``path`` (default
    :func:`default_market_path`), creating it with a fresh ``os.urandom`` secret if it does not
    exist and ``create`` is true (two processes racing to create it end up with the same one:
    the file is written once, exclusively). ``interval`` (seconds, default 300) and ``origin``
    (the unix time of the first row, default :data:`DEFAULT_HISTORY_DAYS` before now, on the
    grid) apply only when the file is created. Raises :class:`DataError` naming the file for
    a missing file (``create=False``) or an unreadable / malformed one.
    """

    def __init__(
        self,
        path: "str | os.PathLike[str] | None" = None,
        *,
        create: bool = True,
        interval: int = 300,
        origin: int | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_market_path()
        if not self.path.exists():
            if not create:
                raise DataError(
                    "no local market file here (the organizer's machine created it; it is not part of the public "
                    "record)",
                    source=self.path,
                )
            self._create(interval, origin)
        self._load()
        self._series = _Series()
        #: ``(randomness as an int, first row number)`` once :meth:`drawn`; ``None`` for the base market
        self._mix: "tuple[int, int] | None" = None

    def drawn(self, randomness: "bytes | str", from_time: int) -> "LocalMarket":
        """This market with ``randomness`` (a bounty's 32-byte on-chain randomness, bytes or 0x-hex) mixed
        into every random step from the first grid row at or after ``from_time`` (unix seconds: the
        bounty's test-window start) on.  Rows before it are the base market's; rows from it on exist for
        nobody before the randomness is drawn, the organizer included.  Raises :class:`DataError` for a
        value that is not 32 bytes."""
        import copy

        if isinstance(randomness, str):
            try:
                randomness = bytes.fromhex(randomness.removeprefix("0x"))
            except ValueError:
                raise DataError(f"randomness: {randomness!r} is not hex", source=self.path) from None
        if not isinstance(randomness, (bytes, bytearray)) or len(randomness) != 32:
            raise DataError(f"randomness: must be 32 bytes, got {randomness!r:.80}", source=self.path)
        if isinstance(from_time, bool) or not isinstance(from_time, (int, np.integer)):
            raise DataError(f"from_time: must be unix seconds (an int), got {from_time!r}", source=self.path)
        other = copy.copy(self)
        other._series = _Series()
        first = -(-(int(from_time) - self.origin) // self.interval)
        other._mix = (int.from_bytes(bytes(randomness), "big"), max(first, 0))
        return other

    # -------------------------------------------------------------- the file
    def _create(self, interval: int, origin: int | None) -> None:
        if isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0:
            raise DataError(f"interval: must be a positive number of seconds, got {interval!r}", source=self.path)
        if origin is None:
            origin = (int(time.time()) // interval) * interval - DEFAULT_HISTORY_DAYS * 86400
        if isinstance(origin, bool) or not isinstance(origin, int) or origin % interval:
            raise DataError(f"origin: must be unix seconds on the {interval}s grid, got {origin!r}", source=self.path)
        record = {
            "kind": _MARKET_FILE_KIND,
            "version": _MARKET_FILE_VERSION,
            "secret": secrets.token_bytes(32).hex(),  # os.urandom; never from a published value
            "interval": interval,
            "origin": origin,
        }
        from ..storage.atomic import PRIVATE_FILE_MODE, write_atomic

        try:
            write_atomic(self.path, json.dumps(record, indent=1).encode(), mode=PRIVATE_FILE_MODE, exclusive=True)
        except FileExistsError:
            pass  # another process created it first: everyone uses that one

    def _load(self) -> None:
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise DataError(f"cannot read the market file: {exc.strerror or exc}", source=self.path) from None
        except ValueError as exc:
            raise DataError(f"the market file is not JSON ({exc})", source=self.path) from None
        if not isinstance(record, dict) or record.get("kind") != _MARKET_FILE_KIND:
            raise DataError(f"not a local market file (expected kind {_MARKET_FILE_KIND!r})", source=self.path)
        if record.get("version") != _MARKET_FILE_VERSION:
            raise DataError(f"market file version {record.get('version')!r} is not {_MARKET_FILE_VERSION}", source=self.path)
        try:
            secret = bytes.fromhex(record["secret"])
            interval, origin = record["interval"], record["origin"]
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"malformed market file: {exc!r}", source=self.path) from None
        if len(secret) != 32 or not isinstance(interval, int) or interval <= 0 or not isinstance(origin, int) \
                or origin % interval:
            raise DataError("malformed market file: secret, interval or origin out of range", source=self.path)
        self._secret = int.from_bytes(secret, "big")
        self.interval: int = interval
        self.origin: int = origin  #: unix time of row 0

    # ---------------------------------------------------------- simulation
    # The synthetic generator (data/synthetic.py) draws each random series for a whole request
    # at once, so its row t depends on how many rows were asked for. A market must not change
    # its past as time goes on, so the same model is stepped here in blocks of one day whose
    # random numbers depend only on (secret, block number, stream name); the state (regime,
    # market factor, volume level, last day of volumes, price) carries over between blocks.
    def _rng(self, block: int, name: str) -> np.random.Generator:
        return np.random.default_rng([self._secret, block + 1, zlib.crc32(name.encode())])

    def _draws(self, block: int, name: str, draw: Any) -> tuple[np.ndarray, ...]:
        """``draw(rng)`` (a tuple of arrays of one block's ``_DAY`` steps) for rng block ``block`` (rows
        ``block * _DAY`` on); after :meth:`drawn`, the steps from the mixed-in first row on come from a
        generator seeded with the secret and the randomness instead."""
        from .synthetic import _DAY

        base = draw(self._rng(block, name))
        if self._mix is None:
            return base
        randomness, first = self._mix
        cut = first - block * _DAY
        if cut >= _DAY:
            return base
        mixed = draw(np.random.default_rng([self._secret, randomness, block + 1, zlib.crc32(name.encode()), 1]))
        cut = max(cut, 0)
        return tuple(np.concatenate([a[:cut], b[cut:]]) for a, b in zip(base, mixed))

    def _extend_market(self, blocks: int) -> None:
        from .synthetic import _P_ENTER, _P_LEAVE, _PHI, _SIGMA_M, _TURBULENT, _DAY

        s = self._series
        while len(s.regime) < blocks:
            k = len(s.regime) - 1  # block -1 is the warm-up day before row 0
            switch, z = self._draws(k, "market", lambda rng: (rng.random(_DAY), rng.standard_normal(_DAY)))
            state = bool(s.regime[-1][-1]) if s.regime else False
            prev = float(s.factor[-1][-1]) if s.factor else 0.0
            regime = np.empty(_DAY, dtype=bool)
            factor = np.empty(_DAY)
            for t in range(_DAY):
                if switch[t] < (_P_LEAVE if state else _P_ENTER):
                    state = not state
                regime[t] = state
                prev = _PHI * prev + _SIGMA_M * (_TURBULENT if state else 1.0) * z[t]
                factor[t] = prev
            s.regime.append(regime)
            s.factor.append(factor)

    def _extend_coin(self, symbol: str, blocks: int) -> None:
        from .synthetic import _DAY, _SIGMA_M, _TURBULENT, _profile

        self._extend_market(blocks)
        s = self._series
        p = _profile(symbol, self._secret)
        c = s.coins.setdefault(symbol, {"returns": [], "level": [], "per_step": []})
        while len(c["returns"]) < blocks:
            k = len(c["returns"])
            e, noise = self._draws(k - 1, "coin:" + symbol,
                                   lambda rng: (rng.standard_normal(_DAY), 0.08 * rng.standard_normal(_DAY)))
            factor = s.factor[k]
            lagged = np.concatenate([[s.factor[k - 1][-1] if k else 0.0], factor[:-1]])
            vol = np.where(s.regime[k], _TURBULENT, 1.0)
            returns = p.beta * ((1 - p.lag) * factor + p.lag * lagged) + p.sigma * vol * e
            level = np.empty(_DAY)
            x = float(c["level"][-1][-1]) if c["level"] else 0.0
            for t in range(_DAY):
                x = 0.98 * x + noise[t]
                level[t] = x
            typical = p.sigma + p.beta * _SIGMA_M
            per_step = (p.volume / _DAY) * np.exp(level) * (0.5 + 0.5 * np.abs(returns) / typical)
            c["returns"].append(returns)
            c["level"].append(level)
            c["per_step"].append(per_step)

    def _rows(self, symbol: str, first: int, last: int) -> pd.DataFrame:
        """Rows ``first .. last`` (row numbers >= 0) of one coin."""
        from .synthetic import _DAY, _profile

        blocks = last // _DAY + 2  # + the warm-up block
        self._extend_coin(symbol, blocks)
        c = self._series.coins[symbol]
        p = _profile(symbol, self._secret)
        returns = np.concatenate(c["returns"])[_DAY:]  # row 0 .. blocks*_DAY - _DAY - 1
        per_step = np.concatenate(c["per_step"])  # index i + _DAY is row i
        log_price = np.log(p.price) + np.concatenate([[0.0], np.cumsum(returns[1 : last + 1])])
        rows = np.arange(first, last + 1)
        price = np.maximum(np.round(np.exp(log_price[rows]), 4), 1e-4)
        window_sums = np.cumsum(np.concatenate([[0.0], per_step]))
        volume_24h = window_sums[rows + _DAY + 1] - window_sums[rows + 1]  # the last _DAY steps up to row i
        supply = p.supply * (1 + 2e-7 * rows)
        index = pd.DatetimeIndex(
            pd.to_datetime((self.origin + rows * self.interval) * 10**9, utc=True), name="timestamp"
        )
        frame = pd.DataFrame(
            {"price": price, "volume_24h": np.round(volume_24h), "market_cap": np.round(price * supply)},
            index=index,
            columns=list(COLUMNS),
        )
        return frame.astype(np.float64)

    # ------------------------------------------------------------------ API
    @property
    def source(self) -> str:
        return f"local market {self.path}"

    def history(self, symbols: Sequence[str], start: Any, end: Any, *, now: int) -> dict[str, pd.DataFrame]:
        """Rows ``start <= t <= end`` on the grid ``origin + k * interval`` of each coin.

        Raises :class:`NotYetAvailableError` for ``end > now``, and :class:`DataError` for
        bad symbols, ``end < start``, a range before the market's first row (``origin``) or
        one that holds no grid time.
        """
        symbols, first, last = _check_request(symbols, start, end, now, source=self.source)
        if first < self.origin:
            raise DataError(
                f"start {_iso(first)} is before this market's first row at {_iso(self.origin)}", source=self.source
            )
        i0 = -(-(first - self.origin) // self.interval)
        i1 = (last - self.origin) // self.interval
        if i1 < i0:
            raise DataError(f"no {self.interval}s grid time from {_iso(first)} to {_iso(last)}", source=self.source)
        if i1 >= _MAX_STEPS:
            raise DataError(f"end {_iso(last)} is more than {_MAX_STEPS} steps after the first row", source=self.source)
        return {s: self._rows(s, int(i0), int(i1)) for s in symbols}

    def __repr__(self) -> str:
        drawn = "" if self._mix is None else f", drawn from row {self._mix[1]}"
        return f"LocalMarket({str(self.path)!r}, interval={self.interval}, origin={_iso(self.origin)}{drawn})"


def window_market(market: Market, rule: Any, randomness: "bytes | str | None") -> Market:
    """The market a bounty's test window is read from: a :class:`LocalMarket` with the bounty's on-chain
    ``randomness`` mixed in from the window's start (:meth:`LocalMarket.drawn`); any other market as it is
    (a public source's rows are the world's).  Raises :class:`DataError` for a local market before the
    randomness is drawn (``randomness`` None): the window's rows do not exist for anyone yet."""
    if not isinstance(market, LocalMarket):
        return market
    if randomness is None:
        raise DataError("the test window's rows of a local market derive from the bounty's on-chain randomness, "
                        "which is not drawn yet (draw_randomness)", source=market.path)
    return market.drawn(randomness, int(rule.window[0]))


def market_for(rule: Any, *, market_file: "str | os.PathLike[str] | None" = None, client: Any = None,
               create: bool = False, randomness: "bytes | str | None" = None) -> Market:
    """The :class:`Market` a spec's future test rule names (``bounty_client.protocol.spec.TestRule``).

    ``source.kind == "coinpaprika"``: a :class:`CoinpaprikaMarket` on ``source.base_url`` (or
    ``client``) at ``rule.interval``; ``"local"``: the :class:`LocalMarket` in ``market_file``
    (default ``$BOUNTY_HOME/market.json``), created only with ``create`` (the organizer), whose
    interval must equal the rule's, and with ``randomness`` (the bounty's, once drawn) mixed in from the
    window's start (:func:`window_market`; without it, the base market, which serves the public history).
    Raises :class:`DataError` otherwise.
    """
    source = getattr(rule, "source", None)
    if getattr(rule, "mode", None) != "future" or source is None:
        raise DataError("the spec's test rule is not a future window with a source", source="test")
    if source.kind == "coinpaprika":
        return CoinpaprikaMarket(client, base_url=source.base_url, interval=rule.interval)
    if source.kind == "local":
        market = LocalMarket(market_file, create=create, interval=rule.interval)
        if market.interval != rule.interval:
            raise DataError(
                f"the market's interval is {market.interval}s but the spec's test.interval is {rule.interval}s",
                source=market.path,
            )
        return market if randomness is None else window_market(market, rule, randomness)
    raise DataError(f"unknown source kind {source.kind!r}", source="test.source.kind")


# ------------------------------------------------------------------------------ verification


def check_window_rows(
    rows: Mapping[str, pd.DataFrame], window: "tuple[int, int]", context_rows: int, interval: int
) -> None:
    """Check posted future-window rows: every row of every coin lies in
    ``[start - context_rows * interval, end]`` and on the ``interval`` grid (a multiple of
    ``interval`` unix seconds); nothing outside. Rows may be missing (a source can skip a tick;
    the dataset drops windows across a gap). For a dataset, ``context_rows`` is the spec's
    ``seq_len``: the window ending at the first row in the window reads ``seq_len`` rows
    before it.

    Raises :class:`DataError` naming the coin, the first offending timestamp and the allowed span.
    """
    low, end = window_span(window, context_rows, interval)
    start = int(window[0])
    if not rows:
        raise DataError("no coins posted", source="test rows")
    for symbol in sorted(rows):
        frame = validate_prices(rows[symbol], source=f"test rows[{symbol!r}]", columns=())  # times only
        seconds = frame.index.asi8 // 10**9
        exact = frame.index.asi8 % 10**9 == 0
        bad = np.flatnonzero((seconds < low) | (seconds > end) | ~exact | (seconds % interval != 0))
        if bad.size:
            i = int(bad[0])
            ts = _fmt_ts(frame.index[i])
            where = "outside" if (seconds[i] < low or seconds[i] > end) else "off the grid of"
            raise DataError(
                f"row {ts} is {where} the allowed span {_iso(low)} .. {_iso(end)} (window {_iso(start)} .. "
                f"{_iso(end)} plus {context_rows} context rows of {interval}s before it)",
                source=f"test rows[{symbol!r}]",
                column="timestamp",
            )


def _check_window(window: Any, interval: Any) -> tuple[int, int]:
    if isinstance(interval, bool) or not isinstance(interval, (int, np.integer)) or interval <= 0:
        raise DataError(f"interval: must be a positive number of seconds, got {interval!r}", source="test window")
    try:
        start, end = window
    except (TypeError, ValueError):
        raise DataError(f"window: must be (start, end) in unix seconds, got {window!r}", source="test window") from None
    for name, v in (("start", start), ("end", end)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise DataError(f"window {name}: must be unix seconds (an int), got {v!r}", source="test window")
    if not start < end:
        raise DataError(f"window: start {start} must be before end {end}", source="test window")
    return int(start), int(end)


@dataclass(frozen=True)
class SourceComparison:
    """Result of :func:`compare_with_source`.

    ``reachable`` is False when the source could not be asked (``problem`` says why; nothing
    was compared). Otherwise ``ok`` says whether the posted rows equal the source's exactly;
    ``difference`` describes the first differing row in time order (coin, timestamp, column,
    posted and source values, or a row only one side has), and ``rows_compared`` counts rows.
    """

    reachable: bool
    ok: bool
    difference: str | None = None
    problem: str | None = None
    rows_compared: int = 0

    def __bool__(self) -> bool:
        return self.ok


def compare_with_source(
    rows: Mapping[str, pd.DataFrame],
    market: Market,
    now: int,
    *,
    span: "tuple[int, int] | None" = None,
) -> SourceComparison:
    """Compare posted rows with the source's rows for the same coins and times.

    ``span`` (unix seconds, inclusive) is the range the posted rows should cover, e.g.
    ``(start - seq_len * interval, end)``; by default the posted rows' own first and last
    times. Rows the source has in that span but the posts lack count as differences too
    (dropping rows would change which windows exist). Values are compared exactly: the
    coinpaprika CSV format round-trips floats.

    Raises :class:`NotYetAvailableError` when the span ends after ``now`` (the check is run
    too early); a source that cannot be reached gives ``reachable=False``.
    """
    if not rows:
        raise DataError("no coins posted", source="test rows")
    posted = {s: validate_prices(rows[s], source=f"test rows[{s!r}]") for s in sorted(rows)}
    if span is None:
        first = min(int(f.index.asi8[0] // 10**9) for f in posted.values() if len(f))
        last = max(int(f.index.asi8[-1] // 10**9) for f in posted.values() if len(f))
    else:
        first, last = _check_window(span, 1)
    if last > now:
        raise NotYetAvailableError(
            f"the posted rows reach {_iso(last)}, after now ({_iso(int(now))}): the source cannot confirm them yet",
            source="compare_with_source",
        )
    try:
        source_rows = market.history(list(posted), first, last, now=now)
    except NotYetAvailableError:
        raise
    except DataError as exc:
        return SourceComparison(reachable=False, ok=False, problem=str(exc))

    lo, hi = pd.Timestamp(first, unit="s", tz="UTC"), pd.Timestamp(last, unit="s", tz="UTC")
    found: list[tuple[pd.Timestamp, str, str]] = []
    compared = 0
    for symbol, mine in posted.items():
        theirs = validate_prices(source_rows[symbol], source=f"source[{symbol!r}]")
        theirs = theirs[(theirs.index >= lo) & (theirs.index <= hi)]
        only_mine = mine.index.difference(theirs.index)
        only_theirs = theirs.index.difference(mine.index)
        if len(only_mine):
            found.append((only_mine[0], symbol, f"{symbol} {_fmt_ts(only_mine[0])}: posted, but the source has no such row"))
        if len(only_theirs):
            found.append((only_theirs[0], symbol,
                          f"{symbol} {_fmt_ts(only_theirs[0])}: the source has this row, the posted data lacks it"))
        common = mine.index.intersection(theirs.index)
        compared += len(common)
        a, b = mine.loc[common, list(COLUMNS)].to_numpy(), theirs.loc[common, list(COLUMNS)].to_numpy()
        differ = np.flatnonzero((a != b).any(axis=1))
        if differ.size:
            i = int(differ[0])
            j = int(np.flatnonzero(a[i] != b[i])[0])
            found.append((common[i], symbol, f"{symbol} {_fmt_ts(common[i])}: {COLUMNS[j]} posted {a[i, j]!r}, "
                                             f"source {b[i, j]!r}"))
    if not found:
        return SourceComparison(reachable=True, ok=True, rows_compared=compared)
    found.sort(key=lambda item: (item[0], item[1]))
    extra = f" ({len(found) - 1} more coin(s)/kind(s) differ)" if len(found) > 1 else ""
    return SourceComparison(reachable=True, ok=False, difference=found[0][2] + extra, rows_compared=compared)
