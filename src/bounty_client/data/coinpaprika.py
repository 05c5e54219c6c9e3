"""HTTP client for coinpaprika's historical ticker endpoint, the original project's price source.

``GET {base_url}/tickers/{coin_id}/historical?start=..&end=..&interval=..&limit=..``
answers a JSON list of ``{"timestamp", "price", "volume_24h", "market_cap"}``
objects. The client adds what a long download needs:

* **timeouts** on every request (``timeout`` seconds);
* **retries** with exponential backoff (``backoff * 2**attempt`` seconds, capped at
  ``max_backoff``) on HTTP 429 and 5xx, timeouts and connection errors, honouring a
  ``Retry-After`` header (seconds or an HTTP date) when the server sends one;
* **paging**: the API returns at most ``limit`` rows (5000 at most, fewer on some
  plans) per call, so each page is followed by another request starting one
  second after its last timestamp, until a page comes back empty or reaches ``end``;
* **clear errors**: :class:`DataError` with the URL and the HTTP status and a
  snippet of the body, invalid JSON, or the row and field that is missing.

5-minute history needs a paid plan; pass ``api_key`` (sent as the
``Authorization`` header) and ``base_url="https://api-pro.coinpaprika.com/v1"``.
"""

from __future__ import annotations

import email.utils
import re
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import quote, urlencode

import numpy as np
import pandas as pd

from .errors import DataError
from .files import COLUMNS, _fmt_ts, validate_prices

__all__ = ["COIN_IDS", "INTERVALS", "MAX_LIMIT", "DEFAULT_BASE_URL", "CoinpaprikaClient"]

DEFAULT_BASE_URL = "https://api.coinpaprika.com/v1"
#: coinpaprika ids of the original project's coins.
COIN_IDS: dict[str, str] = {
    "BTC": "btc-bitcoin",
    "ETH": "eth-ethereum",
    "LTC": "ltc-litecoin",
    "BCH": "bch-bitcoin-cash",
}
#: ``interval`` values the endpoint accepts.
INTERVALS: tuple[str, ...] = (
    "5m", "10m", "15m", "30m", "45m", "1h", "2h", "3h", "6h", "12h",
    "24h", "1d", "7d", "14d", "30d", "90d", "365d",
)  # fmt: skip
#: Largest ``limit`` (rows per call) the API allows.
MAX_LIMIT = 5000
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_COIN_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MAX_PAGES = 100_000


def _snippet(text: str, size: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size] + "..."


def _utc(value: str | datetime | pd.Timestamp, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name}: {value!r} is not a date or timestamp ({exc})", source="coinpaprika") from None
    if ts is pd.NaT:
        raise DataError(f"{name}: missing", source="coinpaprika")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class CoinpaprikaClient:
    """Download historical tickers from coinpaprika (see the module docstring).

    ``session`` may be any object with a ``requests.Session``-like ``get``; by
    default a new ``requests.Session`` is made. ``sleep`` is the function used to
    wait between retries (``time.sleep``).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10,
        retries: int = 5,
        backoff: float = 0.5,
        session: Any = None,
        *,
        api_key: str | None = None,
        max_backoff: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries: must be an integer >= 0, got {retries!r}")
        for name, value in (("timeout", timeout), ("backoff", backoff), ("max_backoff", max_backoff)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or (
                name == "timeout" and value == 0
            ):
                raise ValueError(f"{name}: must be a positive number of seconds, got {value!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.api_key = api_key
        self._sleep = sleep
        if session is None:
            import requests  # lazy: keeps `import bounty_client` fast

            session = requests.Session()
        self.session = session

    def __repr__(self) -> str:
        return (
            f"CoinpaprikaClient(base_url={self.base_url!r}, timeout={self.timeout}, retries={self.retries}, "
            f"backoff={self.backoff}{', api_key=***' if self.api_key else ''})"
        )

    def close(self) -> None:
        close = getattr(self.session, "close", None)
        if close:
            close()

    def __enter__(self) -> "CoinpaprikaClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ HTTP
    def get_json(self, path: str, params: Mapping[str, Any]) -> Any:
        """GET ``base_url/path`` with retries; the parsed JSON body, or :class:`DataError`."""
        import requests

        url = f"{self.base_url}/{path.lstrip('/')}"
        shown = f"{url}?{urlencode(params)}" if params else url
        headers = {"Accept": "application/json", "User-Agent": "bounty-client/0.1"}
        if self.api_key:
            headers["Authorization"] = self.api_key
        attempts = self.retries + 1
        for attempt in range(attempts):
            wait_hint = None
            try:
                response = self.session.get(url, params=dict(params), timeout=self.timeout, headers=headers)
            except requests.Timeout:
                problem = f"no response within the {self.timeout}s timeout"
            except requests.ConnectionError as exc:
                problem = f"connection failed ({_snippet(str(exc), 160)})"
            else:
                status = response.status_code
                if status < 400:
                    try:
                        return response.json()
                    except ValueError:
                        raise DataError(
                            f"invalid JSON in the HTTP {status} response: {_snippet(response.text)!r}", source=shown
                        ) from None
                body = _snippet(response.text)
                problem = f"HTTP {status} {response.reason or ''}".rstrip() + f": {body!r}"
                if status not in _RETRY_STATUS:
                    raise DataError(problem, source=shown)
                wait_hint = _retry_after(response.headers.get("Retry-After"))
            if attempt == attempts - 1:
                raise DataError(f"giving up after {attempts} attempt(s); last error: {problem}", source=shown)
            delay = self.backoff * 2**attempt if wait_hint is None else wait_hint
            self._sleep(min(delay, self.max_backoff))
        raise AssertionError("unreachable")  # pragma: no cover

    # ----------------------------------------------------------------- data
    def historical(
        self,
        coin_id: str,
        start: str | datetime | pd.Timestamp,
        end: str | datetime | pd.Timestamp | None = None,
        interval: str = "5m",
        limit: int = MAX_LIMIT,
    ) -> pd.DataFrame:
        """Price table of ``coin_id`` (e.g. ``"btc-bitcoin"``) from ``start`` to ``end`` (default: now).

        Pages through the range ``limit`` rows at a time. The result has the
        layout of :func:`~bounty_client.data.read_prices_csv`.
        """
        if not isinstance(coin_id, str) or not _COIN_ID.match(coin_id):
            raise DataError(
                f"coin_id: {coin_id!r} is not a coinpaprika id like 'btc-bitcoin' (known: {COIN_IDS})",
                source="coinpaprika",
            )
        if interval not in INTERVALS:
            raise DataError(f"interval: {interval!r} is not one of {', '.join(INTERVALS)}", source="coinpaprika")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise DataError(f"limit: must be an integer from 1 to {MAX_LIMIT}, got {limit!r}", source="coinpaprika")
        first = _utc(start, "start")
        last = None if end is None else _utc(end, "end")
        if last is not None and last < first:
            raise DataError(f"end {_fmt_ts(last)} is before start {_fmt_ts(first)}", source="coinpaprika")

        path = f"tickers/{quote(coin_id)}/historical"
        pages: list[pd.DataFrame] = []
        cursor = first
        for _ in range(_MAX_PAGES):
            params = {"start": _fmt_ts(cursor), "interval": interval, "limit": limit}
            if last is not None:
                params["end"] = _fmt_ts(last)
            shown = f"{self.base_url}/{path}?{urlencode(params)}"
            data = self.get_json(path, params)
            page = _parse_rows(data, source=shown)
            rows = len(page)
            page = page[page.index >= cursor]
            if last is not None:
                page = page[page.index <= last]
            if len(page):
                pages.append(page)
            # Stop at an empty page or at `end`. A short page is no proof of the end: the
            # server may cap rows below `limit` (plans differ), so ask once more.
            if not rows or not len(page) or (last is not None and page.index[-1] >= last):
                break
            cursor = page.index[-1] + pd.Timedelta(seconds=1)
        else:  # pragma: no cover - a server that never ends
            raise DataError(f"more than {_MAX_PAGES} pages; narrow the range", source=self.base_url)
        source = f"{self.base_url}/{path}"
        if not pages:
            raise DataError(
                f"no rows for {coin_id} from {_fmt_ts(first)} to {'now' if last is None else _fmt_ts(last)} "
                f"at interval {interval}",
                source=source,
            )
        frame = pd.concat(pages)
        frame = frame[~frame.index.duplicated(keep="first")].sort_index()
        return validate_prices(frame, source=source)

    def prices(
        self,
        symbols: Iterable[str] = ("BTC", "ETH", "LTC", "BCH"),
        start: str | datetime | pd.Timestamp = "2022-05-08T00:05:00Z",
        end: str | datetime | pd.Timestamp | None = None,
        interval: str = "5m",
        coin_ids: Mapping[str, str] | None = None,
    ) -> dict[str, pd.DataFrame]:
        """``{symbol: price table}`` for several coins, ids from :data:`COIN_IDS` (or ``coin_ids``)."""
        ids = {**COIN_IDS, **(coin_ids or {})}
        symbols = list(symbols)
        unknown = [s for s in symbols if s not in ids]
        if unknown:
            raise DataError(
                f"unknown coin symbol(s) {unknown}; known: {sorted(ids)} (pass coin_ids={{symbol: id}})",
                source="coinpaprika",
            )
        return {s: self.historical(ids[s], start, end, interval=interval) for s in symbols}


def _parse_rows(data: Any, *, source: str) -> pd.DataFrame:
    """A JSON list of tick objects -> price table (not yet checked for order / bounds)."""
    if isinstance(data, dict) and "error" in data:
        raise DataError(f"API error: {_snippet(str(data['error']))!r}", source=source)
    if not isinstance(data, list):
        raise DataError(f"expected a JSON list of ticks, got {type(data).__name__}: {_snippet(str(data))!r}", source=source)
    stamps: list[str] = []
    values: dict[str, list[float]] = {c: [] for c in COLUMNS}
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise DataError(f"row {i}: expected an object, got {_snippet(repr(item), 80)}", source=source)
        for name in ("timestamp", *COLUMNS):
            if name not in item:
                raise DataError(f"row {i}: missing field {name!r} (has {sorted(item)})", source=source, column=name)
        ts = item["timestamp"]
        if not isinstance(ts, str):
            raise DataError(f"row {i}: timestamp {ts!r} is not a string", source=source, column="timestamp")
        stamps.append(ts)
        for name in COLUMNS:
            v = item[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise DataError(f"row {i}: {name} is {v!r}, not a number", source=source, column=name)
            values[name].append(float(v))
    index = pd.to_datetime(pd.Series(stamps, dtype=object), format="ISO8601", utc=True, errors="coerce")
    bad = np.flatnonzero(index.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise DataError(f"row {i}: {stamps[i]!r} is not an ISO-8601 timestamp", source=source, column="timestamp")
    frame = pd.DataFrame(values, index=pd.DatetimeIndex(index, name="timestamp"), columns=list(COLUMNS))
    return frame.sort_index()
