"""From price tables to model-ready windows: join, features, target, time splits, scaling.

The rules (the original project's, made leak-free):

1. **Join.** Coins are inner-joined on timestamp; a timestamp missing in any coin
   is dropped everywhere and counted in :attr:`Dataset.dropped_rows`.
2. **Features.** For every coin (sorted by symbol) and every selected column
   (default ``price`` and ``volume_24h``) the percent change between consecutive
   joined rows, ``x_t / x_{t-1} - 1`` (pandas' ``pct_change``). The first row has
   no predecessor and only serves as history. **Zero rule:** prices must be > 0,
   but a volume (or market cap) can be 0; a change *from* 0 is undefined
   (``inf`` or ``NaN``) and is set to ``0.0``; how often that happened is
   :attr:`Dataset.zero_fixes`.
3. **Target.** ``y_t = 1`` when the target coin's price ``future_period`` rows
   ahead is strictly above its price at ``t``, else 0.
4. **Windows.** ``seq_len`` consecutive feature rows, labelled by the last one
   (its *end*). ``x`` has shape ``(n, seq_len, n_features)``.
5. **Splits, strictly by time.** Public windows whose label lies inside the
   public data are split into train, then validation (the last
   ``val_fraction`` of them). ``future_period`` windows between the two are
   dropped, so no training label reads a price at or after the first
   validation window's end. Test windows are those whose end lies in the
   organizer's hidden part (their history may reach back into public rows);
   public windows whose label would need hidden prices are dropped, a gap of
   ``future_period`` windows again.
6. **Gaps.** The data's sampling *interval* is taken from ``interval=`` when
   given, else inferred as the most common step between joined rows (the spec
   has no interval field; exchanges and coinpaprika skip intervals, so a mean
   or a minimum would be wrong). A window and its label must cover exactly
   ``seq_len + 1`` rows (the first only feeds the percent changes) plus
   ``future_period`` rows, one ``interval`` apart: a window whose span contains
   a step of any other length (a hole in any coin, or in all of them) is
   dropped and counted per split in :attr:`Dataset.gap_windows`. The train /
   validation split is made over the windows that remain (so a label still
   never reads a validation row). If more than a tenth
   (:data:`MAX_GAP_FRACTION`) of all windows are lost to gaps,
   :class:`DataError` names the largest gap (start, end, missing steps).
7. **Scaling.** Each feature is standardised with the mean and standard
   deviation of the feature rows that training windows cover (and nothing
   later; a change across a gap is left out); a constant feature gets std 1.
   The same statistics scale validation and test windows.
8. **Future window** (``test_window=(start, end)``, unix seconds; see
   :mod:`bounty_client.data.market`). The test part is not a share of the
   history but the rows of a window that starts after the submission deadline,
   posted once it has closed. The posted rows are the window's plus exactly
   ``seq_len`` context rows before ``start`` (nothing else; the public rows end
   long before, at creation), so the first test window ends at the first row
   ``t >= start`` and reads its features from the context rows. A test label
   reads the prices at ``t`` and ``t + future_period`` rows, both inside
   ``[start, end]``; rows after the last labelled end only serve as labels.
   Rule 6 applies inside the posted rows: a missing row drops the windows
   across it (a missing context row drops the first windows).

A participant (no hidden part) and the organizer (with it) get bit-identical
training and validation arrays and scaler.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import DataError
from .files import COLUMNS, _fmt_ts, validate_prices

__all__ = ["Dataset", "build_dataset", "split_hidden", "join_prices", "min_public_rows", "infer_interval",
           "MAX_GAP_FRACTION"]

#: Largest share of windows that may be dropped because they cross a gap (rule 6).
MAX_GAP_FRACTION = 0.1


@dataclass(eq=False, repr=False)
class Dataset:
    """Model-ready windows with their split, scaler and provenance. See the module docstring."""

    x_train: np.ndarray  #: float32 (n_train, seq_len, n_features)
    y_train: np.ndarray  #: int64 (n_train,), 1 = target coin up ``future_period`` rows later
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray  #: empty (0, seq_len, n_features) without a hidden part
    y_test: np.ndarray
    feature_names: list[str]  #: e.g. ``["BCH_price", "BCH_volume_24h", "BTC_price", ...]``
    target: str
    seq_len: int
    future_period: int
    scaler_mean: np.ndarray  #: float64 (n_features,), fitted on training rows only
    scaler_std: np.ndarray
    dropped_rows: int  #: timestamps present in some coins but not all (removed by the join)
    n_rows: int  #: joined rows (public + hidden)
    t_train: pd.DatetimeIndex  #: end timestamp of each window
    t_val: pd.DatetimeIndex
    t_test: pd.DatetimeIndex
    coins: list[str] = field(default_factory=list)
    val_fraction: float = 0.2
    n_public_rows: int = 0  #: joined rows before the hidden part
    hidden_start: pd.Timestamp | None = None  #: first hidden timestamp, None for a participant
    zero_fixes: int = 0  #: percent changes from a zero value, set to 0.0 (see module docs)
    interval: pd.Timedelta | None = None  #: sampling interval of the joined rows (given or inferred)
    gap_windows: dict[str, int] = field(default_factory=lambda: {"train": 0, "val": 0, "test": 0})
    #: windows dropped per split because their span crosses a gap (rule 6)
    test_window: tuple[int, int] | None = None  #: future window (start, end), unix seconds (rule 8)

    # ---------------------------------------------------------------- shapes
    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def input_shape(self) -> tuple[int, int]:
        """``(seq_len, n_features)``, the Keras input shape."""
        return (self.seq_len, self.n_features)

    @property
    def has_test(self) -> bool:
        return len(self.y_test) > 0

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of ``"train"``, ``"val"`` or ``"test"``."""
        if name not in ("train", "val", "test"):
            raise ValueError(f"split: must be 'train', 'val' or 'test', got {name!r}")
        return getattr(self, f"x_{name}"), getattr(self, f"y_{name}")

    # --------------------------------------------------------------- reports
    def summary(self) -> pd.DataFrame:
        """One row per split: windows, windows dropped for gaps, share of up labels, first and last window end."""
        rows = []
        for name in ("train", "val", "test"):
            y = getattr(self, f"y_{name}")
            t = getattr(self, f"t_{name}")
            rows.append(
                {
                    "split": name,
                    "windows": int(len(y)),
                    "gap_dropped": int(self.gap_windows.get(name, 0)),
                    "up_fraction": float(y.mean()) if len(y) else float("nan"),
                    "first_end": t[0] if len(t) else pd.NaT,
                    "last_end": t[-1] if len(t) else pd.NaT,
                }
            )
        return pd.DataFrame(rows).set_index("split")

    def metadata(self) -> dict[str, Any]:
        """JSON-ready description (sizes, balance, scaler, digest) for reports."""
        s = self.summary()
        return {
            "target": self.target,
            "coins": list(self.coins),
            "feature_names": list(self.feature_names),
            "seq_len": self.seq_len,
            "future_period": self.future_period,
            "val_fraction": self.val_fraction,
            "n_rows": self.n_rows,
            "n_public_rows": self.n_public_rows,
            "dropped_rows": self.dropped_rows,
            "interval_seconds": None if self.interval is None else self.interval.total_seconds(),
            "gap_windows": {k: int(v) for k, v in self.gap_windows.items()},
            "zero_fixes": self.zero_fixes,
            "hidden_start": None if self.hidden_start is None else _fmt_ts(self.hidden_start),
            "test_window": None if self.test_window is None else [int(v) for v in self.test_window],
            "splits": {
                name: {
                    "windows": int(row.windows),
                    "up_fraction": None if math.isnan(row.up_fraction) else round(float(row.up_fraction), 6),
                    "first_end": None if pd.isna(row.first_end) else _fmt_ts(row.first_end),
                    "last_end": None if pd.isna(row.last_end) else _fmt_ts(row.last_end),
                }
                for name, row in s.iterrows()
            },
            "scaler_mean": [float(v) for v in self.scaler_mean],
            "scaler_std": [float(v) for v in self.scaler_std],
            "digest": self.digest(),
        }

    def digest(self) -> str:
        """SHA-256 over every array and the feature names: equal digests = identical data."""
        h = hashlib.sha256()
        h.update("\x00".join(self.feature_names).encode())
        for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test", "scaler_mean", "scaler_std"):
            a = np.ascontiguousarray(getattr(self, name))
            h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
            h.update(a.tobytes())
        return h.hexdigest()

    def __repr__(self) -> str:
        def part(name: str) -> str:
            y = getattr(self, f"y_{name}")
            if not len(y):
                return f"{name}=0"
            return f"{name}={len(y)} ({100 * y.mean():.1f}% up)"

        return (
            f"Dataset(target={self.target!r}, seq_len={self.seq_len}, future_period={self.future_period}, "
            f"features={self.n_features} [{', '.join(self.feature_names[:4])}"
            f"{', ...' if self.n_features > 4 else ''}], "
            f"{part('train')}, {part('val')}, {part('test')}, "
            f"rows={self.n_rows}, dropped_rows={self.dropped_rows}, "
            f"gap_windows={sum(self.gap_windows.values())}"
            f"{'' if self.interval is None else ', interval=' + _fmt_interval(self.interval)})"
        )

    def _repr_html_(self) -> str:  # notebooks
        return f"<pre>{self!r}</pre>" + self.summary().to_html()


# ------------------------------------------------------------------------- helpers


def _fmt_interval(interval: pd.Timedelta) -> str:
    seconds = int(interval.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{interval.total_seconds():g}s"


def infer_interval(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The sampling interval of a time index: its most common step (ties: the shortest).

    The mode, not the mean or the minimum: holes make some steps longer, and one
    stray extra row makes one step shorter, while most steps keep the interval.
    Raises :class:`DataError` for fewer than two rows.
    """
    if len(index) < 2:
        raise DataError("need at least two rows to infer the sampling interval", source="build_dataset")
    steps = np.diff(index.asi8)
    values, counts = np.unique(steps, return_counts=True)  # sorted: argmax picks the shortest tie
    return pd.Timedelta(int(values[np.argmax(counts)]), unit="ns")


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DataError(f"{name}: must be an integer >= {minimum}, got {value!r}", source="build_dataset")
    return int(value)


def _check_fraction(name: str, value: object, *, allow_zero: bool, source: str) -> float:
    is_number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    f = float(value) if is_number else float("nan")  # type: ignore[arg-type]
    low_ok = f >= 0 if allow_zero else f > 0
    if isinstance(value, bool) or not (low_ok and f < 1):
        low = "0 <=" if allow_zero else "0 <"
        raise DataError(f"{name}: must be a number with {low} {name} < 1, got {value!r}", source=source)
    return f


def join_prices(
    prices: Mapping[str, pd.DataFrame], columns: Sequence[str] = COLUMNS, *, source: str = "prices"
) -> tuple[pd.DataFrame, int]:
    """Inner-join price tables on timestamp.

    Returns ``(joined, dropped)``: ``joined`` has columns ``"{SYMBOL}_{column}"``
    (symbols sorted) and ``dropped`` counts timestamps missing in at least one coin.
    """
    if not prices:
        raise DataError("no coins given", source=source)
    coins = sorted(prices)
    frames = {c: validate_prices(prices[c], source=f"{source}[{c!r}]", columns=columns) for c in coins}
    common = frames[coins[0]].index
    union = common
    for c in coins[1:]:
        common = common.intersection(frames[c].index)
        union = union.union(frames[c].index)
    joined = pd.concat(
        {c: frames[c].reindex(common) for c in coins}, axis=1
    )
    joined.columns = [f"{c}_{col}" for c, col in joined.columns]
    joined.index.name = "timestamp"
    return joined, int(len(union) - len(common))


def split_hidden(
    prices: Mapping[str, pd.DataFrame], test_fraction: float = 0.2
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Split every coin at one timestamp: ``(public, hidden)``.

    The cut is placed so that the most recent ``test_fraction`` of the
    timestamps all coins share goes to ``hidden`` (at least one); every coin's
    rows at or after the cut are hidden, earlier rows are public.
    """
    frac = _check_fraction("test_fraction", test_fraction, allow_zero=False, source="split_hidden")
    joined, _ = join_prices(prices, source="prices")
    n = len(joined)
    n_hidden = max(1, int(round(frac * n)))
    if n_hidden >= n:
        raise DataError(
            f"test_fraction={test_fraction!r} of {n} shared rows leaves no public rows", source="split_hidden"
        )
    cut = joined.index[n - n_hidden]
    public, hidden = {}, {}
    for c in sorted(prices):
        frame = validate_prices(prices[c], source=f"prices[{c!r}]")
        public[c] = frame.loc[frame.index < cut].copy()
        hidden[c] = frame.loc[frame.index >= cut].copy()
    return public, hidden


def _split_sizes(windows: int, future_period: int, val_fraction: float) -> tuple[int, int]:
    """(n_train, n_val) for ``windows`` labelled public windows."""
    n_val = 0 if val_fraction == 0 else max(1, int(round(val_fraction * windows)))
    gap = future_period if n_val else 0
    return windows - n_val - gap, n_val


def min_public_rows(seq_len: int, future_period: int, val_fraction: float = 0.2) -> int:
    """Fewest joined public rows that give at least one training and one validation window."""
    windows = 1
    while True:
        n_train, n_val = _split_sizes(windows, future_period, val_fraction)
        if n_train >= 1 and (n_val >= 1 or val_fraction == 0):
            return windows + seq_len + future_period
        windows += 1


def _empty_windows(seq_len: int, n_features: int) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    return (
        np.empty((0, seq_len, n_features), dtype=np.float32),
        np.empty((0,), dtype=np.int64),
        pd.DatetimeIndex([], tz="UTC", name="timestamp"),
    )


# --------------------------------------------------------------------------- main


def build_dataset(
    public: Mapping[str, pd.DataFrame],
    *,
    target: str,
    seq_len: int,
    future_period: int,
    val_fraction: float = 0.2,
    hidden: Mapping[str, pd.DataFrame] | None = None,
    columns: Sequence[str] = ("price", "volume_24h"),
    interval: "pd.Timedelta | str | None" = None,
    test_window: "tuple[int, int] | None" = None,
) -> Dataset:
    """Build train / validation (/ test) windows from price tables. Rules: module docstring.

    ``public`` maps coin symbols to price tables (e.g. from
    :func:`~bounty_client.data.read_prices_dir`); ``hidden`` is the organizer's
    held-out part (from :func:`split_hidden`), or ``None`` for a participant,
    which leaves the test arrays empty. ``columns`` picks the per-coin features.
    ``interval`` (e.g. ``"5min"``) is the sampling interval; ``None`` infers it
    (:func:`infer_interval`). Windows crossing a gap are dropped (rule 6).

    ``test_window=(start, end)`` (unix seconds) is the future-window mode (rule 8): ``hidden``
    is then the rows the organizer posted after the window closed, which must lie in
    ``[start - seq_len * interval, end]`` on the interval grid (the ``seq_len`` rows before
    ``start`` are context only); a test window's end ``t`` satisfies ``start <= t`` and its
    label row ``t + future_period * interval <= end``, so every test label reads prices inside
    the window only.

    Raises :class:`DataError` for an unknown target coin (listing the coins), bad
    parameters, bad tables (naming coin, row and column), a hidden part that
    does not start after the public one, too few rows (saying how many are
    needed and how many there are), or more than :data:`MAX_GAP_FRACTION` of
    the windows lost to gaps (naming the largest gap).
    """
    seq_len = _check_int("seq_len", seq_len, 1)
    future_period = _check_int("future_period", future_period, 1)
    val_fraction = _check_fraction("val_fraction", val_fraction, allow_zero=True, source="build_dataset")
    if not public:
        raise DataError("no coins given", source="public")
    coins = sorted(public)
    if target not in public:
        raise DataError(
            f"unknown target coin {target!r}; the data has coins: {', '.join(coins)}", source="build_dataset"
        )
    columns = list(columns)
    unknown = [c for c in columns if c not in COLUMNS]
    if not columns or unknown or len(set(columns)) != len(columns):
        raise DataError(
            f"columns: must be distinct names from {list(COLUMNS)}, got {columns!r}", source="build_dataset"
        )
    needed = [c for c in COLUMNS if c in columns or c == "price"]

    if test_window is not None and hidden is None:
        raise DataError("test_window needs the window's posted rows as hidden=", source="build_dataset")
    if hidden is None:
        prices: Mapping[str, pd.DataFrame] = public
        hidden_start = None
    else:
        if sorted(hidden) != coins:
            raise DataError(
                f"hidden coins {sorted(hidden)} differ from public coins {coins}", source="hidden"
            )
        pub = {c: validate_prices(public[c], source=f"public[{c!r}]", columns=needed) for c in coins}
        hid = {c: validate_prices(hidden[c], source=f"hidden[{c!r}]", columns=needed) for c in coins}
        hidden_start = min(hid[c].index[0] for c in coins)
        for c in coins:
            if pub[c].index[-1] >= hidden_start:
                raise DataError(
                    f"public[{c!r}] has rows up to {_fmt_ts(pub[c].index[-1])}, at or after the hidden part's "
                    f"start {_fmt_ts(hidden_start)}; split every coin at the same timestamp (split_hidden does)",
                    source="hidden",
                )
        prices = {c: pd.concat([pub[c], hid[c]]) for c in coins}

    joined, dropped = join_prices(prices, columns=needed, source="public" if hidden is None else "prices")
    n_rows = len(joined)
    n_public = n_rows if hidden_start is None else int(joined.index.searchsorted(hidden_start))

    # Public windows end at joined rows e = seq_len .. n_public-1-future_period.
    windows = n_public - future_period - seq_len
    n_train, n_val = _split_sizes(max(windows, 0), future_period, val_fraction)
    if windows < 1 or n_train < 1 or (val_fraction > 0 and n_val < 1):
        need = min_public_rows(seq_len, future_period, val_fraction)
        raise DataError(
            f"too few rows: seq_len={seq_len}, future_period={future_period} and val_fraction={val_fraction:g} "
            f"need at least {need} joined public rows (1 + seq_len + future_period + enough windows for "
            f"training, a {future_period}-window gap and validation), but there are {n_public} "
            f"({dropped} dropped by the inner join of {', '.join(coins)})",
            source="build_dataset",
        )
    n_test = 0
    if hidden_start is not None and test_window is None:
        n_test = n_rows - n_public - future_period
        if n_test < 1:
            raise DataError(
                f"too few hidden rows: {n_rows - n_public} joined rows after {_fmt_ts(hidden_start)}, but "
                f"future_period={future_period} needs at least {future_period + 1} to label one test window",
                source="hidden",
            )

    # Rule 6: every step inside a window's span (rows e-seq_len .. e+future_period) is one interval.
    index = joined.index
    if interval is None:
        step = infer_interval(index)
    else:
        try:
            step = pd.Timedelta(interval)
        except (ValueError, TypeError):
            raise DataError(f"interval: {interval!r} is not a duration such as '5min'", source="build_dataset") from None
        if step <= pd.Timedelta(0):
            raise DataError(f"interval: must be positive, got {interval!r}", source="build_dataset")
    steps = np.diff(index.asi8)
    step_ok = steps == step.value  # step_ok[j]: joined rows j and j+1 are one interval apart
    bad_before = np.concatenate([[0], np.cumsum(~step_ok)])  # bad steps among the first j

    def intact(ends: np.ndarray) -> np.ndarray:
        return bad_before[ends + future_period] == bad_before[ends - seq_len]

    public_ends = np.arange(seq_len, n_public - future_period)
    if test_window is None:
        test_candidates = np.arange(n_public, n_public + n_test)
    else:
        test_candidates = _window_ends(index, n_public, test_window, hid, step, seq_len, future_period)
        n_test = len(test_candidates)
    public_ok = intact(public_ends)
    test_ok = intact(test_candidates)
    valid = public_ends[public_ok]
    n_val = 0 if val_fraction == 0 else max(1, int(round(val_fraction * len(valid)))) if len(valid) else 0
    val_ends = valid[len(valid) - n_val:] if n_val else valid[:0]
    # a training label (row e + future_period) must lie before the first validation window's end
    train_ends = valid[valid + future_period < val_ends[0]] if n_val else valid
    test_ends = test_candidates[test_ok]
    lost_public = public_ends[~public_ok]
    gap_windows = {
        "train": int((lost_public < val_ends[0]).sum()) if n_val else int(len(lost_public)),
        "val": int((lost_public >= val_ends[0]).sum()) if n_val else 0,
        "test": int((~test_ok).sum()),
    }
    lost = sum(gap_windows.values())
    candidates = len(public_ends) + len(test_candidates)
    if lost > MAX_GAP_FRACTION * candidates:
        raise DataError(
            f"{lost} of {candidates} windows ({100 * lost / candidates:.1f}%, more than "
            f"{100 * MAX_GAP_FRACTION:g}%) cross a gap in the {_fmt_interval(step)} price history; "
            f"{_describe_largest_gap(index, steps, step)}. Fill the missing rows from the source, or pick a "
            f"period without holes",
            source="build_dataset",
        )
    if len(train_ends) < 1 or (val_fraction > 0 and n_val < 1):
        raise DataError(
            f"too few windows without gaps: {len(valid)} of {len(public_ends)} public windows remain after "
            f"dropping those that cross a gap, leaving {len(train_ends)} for training and {n_val} for validation",
            source="build_dataset",
        )
    if hidden_start is not None and not len(test_ends):
        raise DataError(
            f"every one of the {n_test} test windows crosses a gap; {_describe_largest_gap(index, steps, step)}",
            source="hidden",
        )

    feature_names = [f"{c}_{col}" for c in coins for col in columns]
    values = joined[feature_names].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        changes = values[1:] / values[:-1] - 1.0  # feature row j <-> joined row j + 1
    nonfinite = ~np.isfinite(changes)
    zero_fixes = int(nonfinite.sum())
    changes[nonfinite] = 0.0

    # feature rows of joined rows 1 .. last train end, without the changes across a gap
    fit_rows = changes[: train_ends[-1]][step_ok[: train_ends[-1]]]
    mean = fit_rows.mean(axis=0)
    std = fit_rows.std(axis=0)
    std = np.where((std > 0) & np.isfinite(std), std, 1.0)
    scaled = ((changes - mean) / std).astype(np.float32)

    price = joined[f"{target}_price"].to_numpy()
    up = (price[future_period:] > price[:-future_period]).astype(np.int64)  # label of joined row e

    # sliding_window_view: window w covers feature rows w .. w+seq_len-1, i.e. ends at joined row w+seq_len.
    view = np.lib.stride_tricks.sliding_window_view(scaled, seq_len, axis=0)  # (k, n_features, seq_len)

    def take(ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
        if not len(ends):
            return _empty_windows(seq_len, len(feature_names))
        x = np.ascontiguousarray(view[ends - seq_len].transpose(0, 2, 1))
        return x, up[ends], joined.index[ends]

    x_train, y_train, t_train = take(train_ends)
    x_val, y_val, t_val = take(val_ends)
    x_test, y_test, t_test = take(test_ends)
    return Dataset(
        x_train=x_train,
        y_train=y_train,
        x_val=x_val,
        y_val=y_val,
        x_test=x_test,
        y_test=y_test,
        feature_names=feature_names,
        target=target,
        seq_len=seq_len,
        future_period=future_period,
        scaler_mean=mean,
        scaler_std=std,
        dropped_rows=dropped,
        n_rows=n_rows,
        t_train=t_train,
        t_val=t_val,
        t_test=t_test,
        coins=coins,
        val_fraction=val_fraction,
        n_public_rows=n_public,
        hidden_start=hidden_start,
        zero_fixes=zero_fixes,
        interval=step,
        gap_windows=gap_windows,
        test_window=None if test_window is None else (int(test_window[0]), int(test_window[1])),
    )


def _window_ends(
    index: pd.DatetimeIndex,
    n_public: int,
    window: "tuple[int, int]",
    hidden: Mapping[str, pd.DataFrame],
    step: pd.Timedelta,
    seq_len: int,
    future_period: int,
) -> np.ndarray:
    """Rule 8: joined rows that may end a test window of a future window ``(start, end)``.

    The posted rows must lie in ``[start - seq_len * step, end]`` on the grid (checked by
    :func:`~bounty_client.data.market.check_window_rows`); an end ``t`` needs ``t >= start`` and
    ``t + future_period * step <= end`` (the label's price inside the window). Whether the
    rows between are all there is rule 6's check, made by the caller.
    """
    from .market import check_window_rows

    if step.value % 10**9:
        raise DataError(f"interval: a future window needs whole seconds, got {step}", source="build_dataset")
    seconds = step.value // 10**9
    check_window_rows(hidden, window, seq_len, seconds)
    start, end = (int(v) for v in window)
    stamps = index.asi8[n_public:] // 10**9
    ok = (stamps >= start) & (stamps + future_period * seconds <= end)
    ok[max(0, len(stamps) - future_period):] = False  # the label row must be among the posted rows
    ends = n_public + np.flatnonzero(ok)
    if not len(ends):
        raise DataError(
            f"no test window fits: the window {_fmt_ts(pd.Timestamp(start, unit='s', tz='UTC'))} .. "
            f"{_fmt_ts(pd.Timestamp(end, unit='s', tz='UTC'))} must hold a row and the row future_period="
            f"{future_period} steps of {_fmt_interval(step)} after it",
            source="hidden",
        )
    return ends


def _describe_largest_gap(index: pd.DatetimeIndex, steps: np.ndarray, step: pd.Timedelta) -> str:
    """'largest gap: START to END (N missing steps)' for the longest step, or the first odd one."""
    j = int(np.argmax(steps))
    if steps[j] > step.value:
        missing = int(steps[j] // step.value) - 1 + (1 if steps[j] % step.value else 0)
        return (f"largest gap: {_fmt_ts(index[j])} to {_fmt_ts(index[j + 1])} "
                f"({missing} missing {_fmt_interval(step)} steps)")
    j = int(np.flatnonzero(steps != step.value)[0])
    return (f"irregular step: {_fmt_ts(index[j])} to {_fmt_ts(index[j + 1])} is "
            f"{_fmt_interval(pd.Timedelta(int(steps[j]), unit='ns'))}, not {_fmt_interval(step)}")
