"""Coinpaprika-format price CSV files, as the original project stores them.

One headerless file per coin, named ``SYMBOL-USD.csv``, one row per tick::

    2022-05-08T00:05:00Z,94.23,1287017975,6618505104

The columns are ``timestamp,price,volume_24h,market_cap``: an ISO-8601 UTC
timestamp and three non-negative numbers (prices strictly positive), written as
integers when they are integral (``94``) and as the shortest decimal that
round-trips otherwise. Rows are in strictly increasing time order.

Reading accepts what spreadsheet tools and exchanges save, as pandas does:
UTF-8 with or without a byte-order mark (``utf-8-sig``) and LF, CRLF or CR line
ends. Any other encoding (UTF-16 from Excel's "Unicode text", a Windows code
page) is refused with an error naming the encoding found and asking for UTF-8.

In memory a price table is a :class:`pandas.DataFrame` with a UTC
:class:`~pandas.DatetimeIndex` named ``timestamp`` and float64 columns
``price``, ``volume_24h`` and ``market_cap`` (:data:`COLUMNS`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from os import PathLike
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = [
    "COLUMNS",
    "CSV_FIELDS",
    "csv_name",
    "validate_prices",
    "parse_prices_csv",
    "decode_csv_bytes",
    "format_prices_csv",
    "read_prices_csv",
    "write_prices_csv",
    "read_prices_dir",
    "write_prices_dir",
]

#: Numeric columns of a price table, in file order.
COLUMNS: tuple[str, ...] = ("price", "volume_24h", "market_cap")
#: Every field of a CSV row, in order.
CSV_FIELDS: tuple[str, ...] = ("timestamp", *COLUMNS)

_SYMBOL = re.compile(r"^[A-Za-z0-9]+$")
_FILE = re.compile(r"^(?P<symbol>[A-Za-z0-9]+)-USD\.csv$")
_TS_EXAMPLE = "2022-05-08T00:05:00Z"

PathLikeStr = str | PathLike[str]


def csv_name(symbol: str) -> str:
    """File name of a coin's CSV: ``csv_name("LTC") == "LTC-USD.csv"``."""
    _check_symbol(symbol, source="prices")
    return f"{symbol}-USD.csv"


def _check_symbol(symbol: object, *, source: str) -> None:
    if not isinstance(symbol, str) or not _SYMBOL.match(symbol):
        raise DataError(
            f"coin symbol {symbol!r} must be letters and digits only (e.g. 'BTC')", source=source
        )


def _min_value(column: str) -> tuple[float, bool]:
    """(bound, strict): prices must be > 0 (percent changes divide by them), others >= 0."""
    return (0.0, column == "price")


# --------------------------------------------------------------------------- reading


def read_prices_csv(path: PathLikeStr) -> pd.DataFrame:
    """Read one coinpaprika-format CSV file into a price table.

    Raises :class:`DataError` naming the file, the line and the column for a
    missing file, missing or extra fields, a non-numeric or negative value, a
    timestamp that is not ISO-8601, rows out of time order or duplicated, or an
    empty file. An exact header line ``timestamp,price,volume_24h,market_cap``
    is tolerated and skipped (the original files have none). Timestamps with
    another UTC offset are converted to UTC; timestamps without one are taken
    to be UTC already.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError("file not found", source=path) from None
    except IsADirectoryError:
        raise DataError("is a directory, not a CSV file", source=path) from None
    except OSError as exc:
        raise DataError(f"cannot read file: {exc.strerror or exc}", source=path) from None
    return parse_prices_csv(data, source=str(path))


_OTHER_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "UTF-32 BE"),
    (codecs.BOM_UTF16_LE, "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "UTF-16 BE"),
)
_SAVE_AS_UTF8 = "save the file as UTF-8 (CSV UTF-8 in a spreadsheet; a byte-order mark is fine)"


def _guess_encoding(data: bytes) -> str:
    """Best guess at a non-UTF-8 encoding, for the error message only (charset-normalizer,
    already installed with requests; imported here so ``import bounty_client`` stays cheap)."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 1 << 16]).best()
    except Exception:  # a guess for a message must never hide the real error
        best = None
    if best is not None and best.encoding.replace("_", "-") not in ("utf-8", "ascii"):
        return best.encoding.replace("_", "-")
    return "UTF-16 or UTF-32" if b"\x00" in data else "an 8-bit code page such as Windows-1252"


def decode_csv_bytes(data: bytes, *, source: str = "<bytes>") -> str:
    """Text of a CSV file's bytes as pandas reads it (``encoding="utf-8-sig"``).

    A UTF-8 byte-order mark is dropped. Raises :class:`DataError` naming the
    encoding for a UTF-16/32 byte-order mark, NUL bytes (UTF-16/32 without a mark)
    or bytes that are not UTF-8 (with the encoding charset-normalizer detects).
    """
    data = bytes(data)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    for bom, name in _OTHER_BOMS:
        if data.startswith(bom):
            raise DataError(f"encoded as {name} (byte-order mark {bom.hex(' ')}), not UTF-8; {_SAVE_AS_UTF8}",
                            source=source)
    if b"\x00" in data:  # valid UTF-8, but no CSV has NUL bytes: UTF-16/32 without a mark
        raise DataError(f"contains NUL bytes: encoded as {_guess_encoding(data)}, not UTF-8; {_SAVE_AS_UTF8}",
                        source=source)
    if not _is_utf8(data):
        _refuse(data, source)
    return data.decode("utf-8")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _refuse(data: bytes, source: str):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at byte {exc.start}); the encoding looks "
            f"like {_guess_encoding(data)}; {_SAVE_AS_UTF8}",
            source=source,
        ) from None
    raise AssertionError("unreachable: _refuse called on valid UTF-8")


def parse_prices_csv(text: "str | bytes", *, source: str = "<string>") -> pd.DataFrame:
    """Parse a coinpaprika-format CSV file's text or bytes; see :func:`read_prices_csv`.

    Bytes are decoded by :func:`decode_csv_bytes` (UTF-8, optional byte-order mark);
    a leading byte-order mark in ``text`` is dropped too. LF, CRLF and CR line ends
    are all accepted.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = decode_csv_bytes(bytes(text), source=source)
    text = text.removeprefix("\ufeff")
    fields: list[list[str]] = []
    line_numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            cells = [cell.strip() for cell in row]
            if not fields and [c.lower() for c in cells] == list(CSV_FIELDS):
                continue  # a header line, tolerated
            line = reader.line_num
            if len(cells) < len(CSV_FIELDS):
                missing = CSV_FIELDS[len(cells)]
                raise DataError(
                    f"missing column {missing!r}: expected {len(CSV_FIELDS)} fields "
                    f"({','.join(CSV_FIELDS)}), found {len(cells)}",
                    source=source,
                    line=line,
                )
            if len(cells) > len(CSV_FIELDS):
                raise DataError(
                    f"extra column(s): expected {len(CSV_FIELDS)} fields "
                    f"({','.join(CSV_FIELDS)}), found {len(cells)}; unexpected "
                    f"{cells[len(CSV_FIELDS)]!r} after the market_cap column",
                    source=source,
                    line=line,
                )
            fields.append(cells)
            line_numbers.append(line)
    except csv.Error as exc:
        raise DataError(f"malformed CSV: {exc}", source=source, line=reader.line_num) from None
    if not fields:
        raise DataError("no rows: the file is empty (expected timestamp,price,volume_24h,market_cap rows)", source=source)

    table = np.array(fields, dtype=object)
    lines = np.asarray(line_numbers)

    stamps = pd.to_datetime(pd.Series(table[:, 0]), format="ISO8601", utc=True, errors="coerce")
    bad = np.flatnonzero(stamps.isna().to_numpy())
    if bad.size:
        i = bad[0]
        raise DataError(
            f"{table[i, 0]!r} is not an ISO-8601 UTC timestamp (expected like {_TS_EXAMPLE})",
            source=source,
            line=int(lines[i]),
            column="timestamp",
        )
    values = {}
    for k, column in enumerate(COLUMNS, start=1):
        raw = table[:, k]
        numbers = _parse_floats(raw)
        bad = np.flatnonzero(~np.isfinite(numbers))
        if bad.size:
            i = bad[0]
            problem = "empty value" if raw[i] == "" else f"{raw[i]!r} is not a finite number"
            raise DataError(problem, source=source, line=int(lines[i]), column=column)
        _check_bounds(numbers, column, source=source, where=lambda i: {"line": int(lines[i])})
        values[column] = numbers

    index = pd.DatetimeIndex(stamps, name="timestamp")
    _check_order(index, source=source, where=lambda i: {"line": int(lines[i])},
                 other=lambda i: f"line {int(lines[i])}")
    return pd.DataFrame(values, index=index, columns=list(COLUMNS))


def _parse_floats(raw: np.ndarray) -> np.ndarray:
    """Strings -> float64, correctly rounded (pandas' fast parser is not); bad cells -> NaN."""
    try:
        return raw.astype(str).astype(np.float64)
    except ValueError:
        out = np.empty(len(raw))
        for i, cell in enumerate(raw):
            try:
                out[i] = float(cell)
            except ValueError:
                out[i] = np.nan
        return out


def _check_bounds(numbers: np.ndarray, column: str, *, source: str, where) -> None:
    bound, strict = _min_value(column)
    bad = np.flatnonzero(numbers <= bound if strict else numbers < bound)
    if bad.size:
        i = bad[0]
        need = "> 0" if strict else ">= 0"
        raise DataError(
            f"{column} must be {need}, got {numbers[i]:g}", source=source, column=column, **where(i)
        )


def _check_order(index: pd.DatetimeIndex, *, source: str, where, other) -> None:
    """Timestamps must strictly increase; name the first offending row and its predecessor."""
    if len(index) < 2:
        return
    stamps = index.asi8
    steps = np.diff(stamps)
    bad = np.flatnonzero(steps <= 0)
    if not bad.size:
        return
    i = int(bad[0]) + 1  # the offending row
    ts = _fmt_ts(index[i])
    if steps[i - 1] == 0:
        first = int(np.flatnonzero(stamps == stamps[i])[0])
        raise DataError(
            f"duplicate timestamp {ts} (already on {other(first)})",
            source=source,
            column="timestamp",
            **where(i),
        )
    raise DataError(
        f"timestamps out of order: {ts} comes after {_fmt_ts(index[i - 1])} on {other(i - 1)}; "
        "rows must be sorted by increasing time",
        source=source,
        column="timestamp",
        **where(i),
    )


def _fmt_ts(ts: pd.Timestamp) -> str:
    ts = pd.Timestamp(ts)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC")
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if (ts.microsecond or ts.nanosecond) else "%Y-%m-%dT%H:%M:%SZ"
    return ts.strftime(fmt)


# ----------------------------------------------------------------- frames in memory


def validate_prices(
    frame: pd.DataFrame, *, source: str = "prices", columns: Sequence[str] = COLUMNS
) -> pd.DataFrame:
    """Check an in-memory price table and return it normalised.

    The result has a UTC ``DatetimeIndex`` named ``timestamp`` (a naive index
    is taken to be UTC; a ``timestamp`` column is moved to the index) and
    float64 ``columns`` in that order. Problems raise :class:`DataError`
    naming ``source``, the row (position and timestamp) and the column.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(frame).__name__}", source=source)
    if not isinstance(frame.index, pd.DatetimeIndex):
        if "timestamp" in frame.columns:
            try:
                frame = frame.set_index(pd.DatetimeIndex(pd.to_datetime(frame["timestamp"], utc=True)))
            except (ValueError, TypeError) as exc:
                raise DataError(f"cannot parse timestamps: {exc}", source=source, column="timestamp") from None
        else:
            raise DataError(
                f"index must be a DatetimeIndex of UTC timestamps (or a 'timestamp' column), "
                f"got {type(frame.index).__name__}",
                source=source,
            )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(map(repr, missing))}; has {list(map(str, frame.columns))}",
            source=source,
            column=missing[0],
        )
    if len(frame) == 0:
        raise DataError("no rows: the price table is empty", source=source)
    index = frame.index
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    index = index.rename("timestamp")
    if index.hasnans:
        i = int(np.flatnonzero(index.isna())[0])
        raise DataError(f"row {i}: missing timestamp (NaT)", source=source, column="timestamp")
    row = lambda i: f"row {i} ({_fmt_ts(index[i])})"  # noqa: E731
    values = {}
    for column in columns:
        try:
            numbers = pd.to_numeric(frame[column], errors="raise").to_numpy(dtype=np.float64)
        except (ValueError, TypeError) as exc:
            raise DataError(f"not numeric: {exc}", source=source, column=column) from None
        bad = np.flatnonzero(~np.isfinite(numbers))
        if bad.size:
            i = int(bad[0])
            raise DataError(f"{row(i)}: {numbers[i]} is not a finite number", source=source, column=column)
        bound, strict = _min_value(column)
        bad = np.flatnonzero(numbers <= bound if strict else numbers < bound)
        if bad.size:
            i = int(bad[0])
            need = "> 0" if strict else ">= 0"
            raise DataError(f"{row(i)}: {column} must be {need}, got {numbers[i]:g}", source=source, column=column)
        values[column] = numbers
    _check_order(index, source=source, where=lambda i: {}, other=row)
    return pd.DataFrame(values, index=index, columns=list(columns))


# --------------------------------------------------------------------------- writing


def _format_numbers(values: np.ndarray) -> list[str]:
    """Integral values as integers (``94``), others as the shortest round-tripping decimal."""
    integral = (values == np.floor(values)) & (np.abs(values) < 2**63)
    out = np.empty(len(values), dtype=object)
    out[integral] = values[integral].astype(np.int64).astype(str)
    rest = np.flatnonzero(~integral)
    texts = [repr(v) for v in values[rest].tolist()]  # shortest round-trip repr
    for k, text in enumerate(texts):
        if "e" in text:  # 1e-05 -> 0.00001: keep the file free of exponents
            texts[k] = np.format_float_positional(values[rest[k]], unique=True, trim="-")
    out[rest] = texts
    return out.tolist()


def _format_csv(frame: pd.DataFrame) -> str:
    index = frame.index
    if (index.microsecond != 0).any() or (index.nanosecond != 0).any():
        stamps = list(index.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    else:
        stamps = [t + "Z" for t in np.datetime_as_string(index.tz_convert("UTC").tz_localize(None).values, unit="s")]
    columns = [_format_numbers(frame[c].to_numpy()) for c in COLUMNS]
    return "".join(f"{t},{p},{v},{m}\n" for t, p, v, m in zip(stamps, *columns))


def format_prices_csv(frame: pd.DataFrame, *, source: str = "prices") -> str:
    """The exact text :func:`write_prices_csv` would write (for hashing or IPFS), after validating."""
    return _format_csv(validate_prices(frame, source=source))


def _atomic_write(path: Path, text: str) -> None:
    """Through the package's one atomic writer (exclusive temporary file, fsync, rename)."""
    from ..storage.atomic import write_atomic

    write_atomic(path, text.encode("utf-8"))


def write_prices_csv(frame: pd.DataFrame, path: PathLikeStr) -> Path:
    """Write a price table as a headerless coinpaprika-format CSV file.

    The frame is validated first (:func:`validate_prices`), so bad data raises
    :class:`DataError` before anything touches the disk; the file is replaced
    atomically, so an existing file is never left half-written. Returns the path.
    ``read_prices_csv(write_prices_csv(df, p))`` equals ``df`` exactly.
    """
    path = Path(path)
    frame = validate_prices(frame, source=str(path))
    if not path.parent.is_dir():
        raise DataError("directory does not exist", source=path.parent)
    _atomic_write(path, _format_csv(frame))
    return path


def read_prices_dir(directory: PathLikeStr) -> dict[str, pd.DataFrame]:
    """Read every ``SYMBOL-USD.csv`` in a folder: ``{"BTC": frame, ...}``, sorted by symbol.

    Other files are ignored; a folder without any such file raises :class:`DataError`.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError("not a directory", source=directory)
    found = {}
    for entry in sorted(directory.iterdir()):
        match = _FILE.match(entry.name)
        if match and entry.is_file():
            found[match["symbol"]] = read_prices_csv(entry)
    if not found:
        names = sorted(p.name for p in directory.iterdir())[:10]
        raise DataError(
            f"no SYMBOL-USD.csv price files (e.g. BTC-USD.csv) in this directory; found {names}",
            source=directory,
        )
    return dict(sorted(found.items()))


def write_prices_dir(prices: Mapping[str, pd.DataFrame], directory: PathLikeStr) -> dict[str, Path]:
    """Write ``{"BTC": frame, ...}`` as ``directory/BTC-USD.csv`` etc.; returns ``{symbol: path}``.

    Every frame is validated before the first file is written; the folder is created if needed.
    """
    directory = Path(directory)
    if not prices:
        raise DataError("no coins to write", source=directory)
    checked = {}
    for symbol, frame in prices.items():
        _check_symbol(symbol, source=str(directory))
        target = directory / csv_name(symbol)
        checked[symbol] = (validate_prices(frame, source=str(target)), target)
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for symbol, (frame, target) in checked.items():
        _atomic_write(target, _format_csv(frame))
        written[symbol] = target
    return written
