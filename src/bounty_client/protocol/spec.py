"""The bounty spec: everything a participant and a verifier need, fixed before submissions open.

The spec is a JSON document stored on IPFS; its CID goes on-chain when the bounty
is created.  It names the public data files, how the dataset is built from them
(target coin, features, window length, prediction horizon, time-ordered split),
the training protocol every submission is re-trained with, the metric, the
hyperparameter bounds and the minimum accuracy.

>>> spec = BountySpec(name="ltc-5min", data_files=[DataFile("LTC-USD", cid)], target="LTC")
>>> spec.to_json()          # canonical: sorted keys, no whitespace -> same bytes, same CID
>>> load_spec(spec.to_json()) == spec
True

Every problem raises :class:`SpecError` whose ``field`` is the dotted path of the
offending value (``"protocol.epochs"``, ``"data_files[1].cid"``) and whose message
says what is wrong; unknown fields are rejected so that a typo never silently
falls back to a default.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import BountyError
from .hyperparams import CHAIN_LIMITS, HyperparameterBounds, HyperparameterError, Hyperparameters, max_parameter_count

__all__ = [
    "SPEC_VERSION",
    "DATA_FORMATS",
    "FEATURES",
    "DEFAULT_FEATURES",
    "OPTIMIZERS",
    "METRICS",
    "BACKENDS",
    "MAX_SEEDS",
    "MONITORS",
    "SpecError",
    "DataFile",
    "SplitRule",
    "TrainingProtocol",
    "TEST_MODES",
    "SOURCE_KINDS",
    "TestSource",
    "TestRule",
    "BountySpec",
    "chain_terms",
    "load_spec",
]

#: The only spec version this client reads and writes.
SPEC_VERSION = 1
#: Known data file formats (headerless ``timestamp,price,volume_24h,market_cap`` CSV).
DATA_FORMATS: tuple[str, ...] = ("coinpaprika-csv",)
#: Per-coin price-table columns the dataset builder can use as features (percent changes, standardized).
FEATURES: tuple[str, ...] = ("price", "volume_24h", "market_cap")
#: The original project's features: close price and volume of every coin.
DEFAULT_FEATURES: tuple[str, ...] = ("price", "volume_24h")
OPTIMIZERS: tuple[str, ...] = ("adam",)
#: Test-part scores (``bounty_client.ml.model.score_bps``): balanced accuracy (default; a constant
#: predictor scores exactly 5000) or plain accuracy.  Plain accuracy gives a constant guess of the
#: majority class (what a diverged model, or a finite but exploding one, predicts) that class's share of
#: the test part, so a spec may use it only where that share is known and below ``min_accuracy_bps``:
#: sealed mode only (a future window's balance is unknown at creation), checked whenever a test part is
#: built (:meth:`BountySpec.check_test_part`).
METRICS: tuple[str, ...] = ("balanced_accuracy", "accuracy")
#: Keras backends a protocol may pin (the one the scores were computed and verified with).
BACKENDS: tuple[str, ...] = ("tensorflow",)
#: Most evaluation seeds a protocol may ask for (each one is a full training per submission).
MAX_SEEDS = 32
#: What early stopping may watch (on the validation part).
MONITORS: tuple[str, ...] = ("val_loss", "val_accuracy")

#: How the test part is made: ``"sealed"`` (hidden rows committed at creation) or ``"future"``
#: (prices of a window after the submission deadline; see ``bounty_client.data.market``).
TEST_MODES: tuple[str, ...] = ("sealed", "future")
#: Where a future window's prices come from.
SOURCE_KINDS: tuple[str, ...] = ("coinpaprika", "local")
#: Grid spacings (seconds) coinpaprika serves, as ``bounty_client.data.market.INTERVAL_NAMES``
#: (copied: importing the data package here would import pandas with the spec module).
_COINPAPRIKA_INTERVALS: tuple[int, ...] = (300, 600, 900, 1800, 2700, 3600, 7200, 10800, 21600, 43200, 86400)
_DEFAULT_COINPAPRIKA_URL = "https://api.coinpaprika.com/v1"

_LABEL_RE = re.compile(r"^(?P<symbol>[A-Za-z0-9]+)-USD$")


class SpecError(BountyError, ValueError):
    """The spec is malformed; ``field`` is the dotted path of the offending value."""

    def __init__(self, field_path: str, message: str):
        self.field = field_path
        self.message = message
        super().__init__(f"{field_path}: {message}" if field_path else message)

    def within(self, prefix: str) -> "SpecError":
        """The same error with ``prefix`` in front of its field path."""
        if not self.field:
            path = prefix
        elif self.field.startswith("["):
            path = f"{prefix}{self.field}"
        else:
            path = f"{prefix}.{self.field}"
        return SpecError(path, self.message)


# --------------------------------------------------------------------------- checks
def _int(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise SpecError(name, f"must be an integer, got {value!r}")
    if low is not None and value < low:
        raise SpecError(name, f"must be >= {low}, got {value}")
    if high is not None and value > high:
        raise SpecError(name, f"must be <= {high}, got {value}")
    return value


def _float(name: str, value: Any, low: float, high: float, *, high_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(name, f"must be a finite number, got {value!r}")
    value = float(value)
    if value < low:
        raise SpecError(name, f"must be >= {low}, got {value}")
    if value > high or (high_open and value == high):
        raise SpecError(name, f"must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def _str(name: str, value: Any, *, allowed: Sequence[str] | None = None, empty_ok: bool = False) -> str:
    if not isinstance(value, str):
        raise SpecError(name, f"must be a string, got {value!r}")
    if not empty_ok and not value.strip():
        raise SpecError(name, "must not be empty")
    if allowed is not None and value not in allowed:
        raise SpecError(name, f"{value!r} is not supported; choose one of {list(allowed)}")
    return value


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SpecError(name, f"must be true or false, got {value!r}")
    return value


def _check_cid(name: str, value: Any) -> str:
    value = _str(name, value)
    from multiformats import CID  # small pure-Python package, imported only when a spec is checked

    try:
        CID.decode(value)
    except Exception as exc:  # multiformats raises several error types
        raise SpecError(name, f"{value!r} is not a valid CID ({exc})") from None
    return value


def _from_mapping(cls: type, data: Any, where: str = "") -> Any:
    """Build dataclass ``cls`` from a mapping, rejecting unknown keys and naming missing ones."""
    if not isinstance(data, Mapping):
        raise SpecError(where, f"must be a JSON object, got {type(data).__name__}")
    known = [f.name for f in fields(cls)]
    for key in data:
        if key not in known:
            raise SpecError(_join(where, str(key)), f"unknown field; known fields: {sorted(known)}")
    required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
    for name in required:
        if name not in data:
            raise SpecError(_join(where, name), "is required")
    return cls(**dict(data))


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# --------------------------------------------------------------------------- parts
@dataclass(frozen=True)
class DataFile:
    """One public data file: ``label`` ``SYMBOL-USD`` (e.g. ``"LTC-USD"``, stored as ``LTC-USD.csv``),
    its IPFS ``cid`` and ``format``."""

    label: str
    cid: str
    format: str = "coinpaprika-csv"

    def __post_init__(self) -> None:
        label = _str("label", self.label)
        if not _LABEL_RE.match(label):
            raise SpecError("label", f"{label!r} must be a coin symbol followed by '-USD' (e.g. 'LTC-USD')")
        _check_cid("cid", self.cid)
        _str("format", self.format, allowed=DATA_FORMATS)

    @property
    def symbol(self) -> str:
        """The coin symbol, ``"LTC"`` for ``"LTC-USD"`` (the key ``bounty_client.data`` uses)."""
        return self.label.rsplit("-", 1)[0]

    @property
    def filename(self) -> str:
        return f"{self.label}.csv"

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "cid": self.cid, "format": self.format}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DataFile":
        return _from_mapping(cls, data)


@dataclass(frozen=True)
class SplitRule:
    """How the rows are split, strictly by time: train | validation | test.

    ``test_fraction`` of the most recent joined rows is the organizer's hidden test
    part (``bounty_client.data.split_hidden``; published only after the submission
    deadline); ``val_fraction`` of the labelled public windows, the most recent
    ones, is the validation part.  The dataset builder drops ``future_period``
    windows at each boundary so that no label reads a price of a later part.
    """

    val_fraction: float = 0.2
    test_fraction: float = 0.2

    def __post_init__(self) -> None:
        object.__setattr__(self, "val_fraction", _float("val_fraction", self.val_fraction, 0.0, 1.0, high_open=True))
        object.__setattr__(self, "test_fraction", _float("test_fraction", self.test_fraction, 0.0, 1.0, high_open=True))
        if self.test_fraction == 0.0:
            raise SpecError("test_fraction", "must be > 0: the score is measured on the held-out test part")

    def to_dict(self) -> dict[str, Any]:
        return {"val_fraction": self.val_fraction, "test_fraction": self.test_fraction}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SplitRule":
        return _from_mapping(cls, data)


@dataclass(frozen=True)
class TrainingProtocol:
    """How every submission is (re-)trained; the submission only brings its hyperparameters.

    * ``optimizer``: ``"adam"`` with the submission's learning rate.
    * ``seed``: seeds Python, NumPy and TensorFlow before each model is built.
    * ``early_stopping_patience``: ``None`` trains exactly ``epochs`` epochs; an
      integer stops after that many epochs without improvement of ``monitor`` on
      the validation part (``restore_best_weights`` then scores the best epoch).
    * ``shuffle``: shuffle training windows each epoch (seeded, so still deterministic).
    * ``seeds``: the number ``k`` (1..:data:`MAX_SEEDS`, default 3) of evaluation seeds; each
      submission is trained once per seed and scored by the mean.  The evaluation seeds
      themselves are derived from on-chain randomness drawn after the reveal deadline
      (never from this spec); ``seed`` is the seed of a single local run (participants'
      trials, callers that pass no seed).
    * ``seed_rule``: how the ``seeds`` evaluation seeds follow from that randomness
      (:data:`bounty_client.protocol.seeds.SEED_RULES`; ``"keccak256-v1"``: ``seed_i =
      uint32(keccak256(abi_encode(randomness, i)))``, :func:`bounty_client.protocol.seeds.evaluation_seeds`).
    * ``backend``: the Keras backend scores are computed with (only ``"tensorflow"`` today);
      training refuses to run under another one, so a verifier cannot silently use other
      numerics.
    """

    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "adam"
    seed: int = 0
    early_stopping_patience: int | None = None
    restore_best_weights: bool = True
    shuffle: bool = True
    monitor: str = "val_loss"
    seeds: int = 3
    backend: str = "tensorflow"
    seed_rule: str = "keccak256-v1"

    def __post_init__(self) -> None:
        object.__setattr__(self, "epochs", _int("epochs", self.epochs, 1, 10_000))
        object.__setattr__(self, "batch_size", _int("batch_size", self.batch_size, 1, 1 << 20))
        _str("optimizer", self.optimizer, allowed=OPTIMIZERS)
        object.__setattr__(self, "seed", _int("seed", self.seed, 0, 2**32 - 1))
        if self.early_stopping_patience is not None:
            object.__setattr__(
                self, "early_stopping_patience", _int("early_stopping_patience", self.early_stopping_patience, 1)
            )
        _bool("restore_best_weights", self.restore_best_weights)
        _bool("shuffle", self.shuffle)
        _str("monitor", self.monitor, allowed=MONITORS)
        object.__setattr__(self, "seeds", _int("seeds", self.seeds, 1, MAX_SEEDS))
        _str("backend", self.backend, allowed=BACKENDS)
        from .seeds import SEED_RULES  # no heavy imports there

        _str("seed_rule", self.seed_rule, allowed=SEED_RULES)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TrainingProtocol":
        return _from_mapping(cls, data)


@dataclass(frozen=True)
class TestSource:
    """The public source of a future window's prices.

    ``kind`` ``"coinpaprika"`` reads ``base_url`` (an ``http(s)://`` URL of the v1 API);
    ``"local"`` is the offline stand-in ``bounty_client.data.LocalMarket`` (the demo's; it has
    no URL and only processes on the organizer's machine can ask it).
    """

    __test__ = False  # not a pytest test class

    kind: str
    base_url: str | None = None

    def __post_init__(self) -> None:
        _str("kind", self.kind, allowed=SOURCE_KINDS)
        if self.kind == "local":
            if self.base_url is not None:
                raise SpecError("base_url", "only a 'coinpaprika' source has a base_url")
            return
        if self.base_url is None:
            object.__setattr__(self, "base_url", _DEFAULT_COINPAPRIKA_URL)
        url = _str("base_url", self.base_url)
        if not re.match(r"^https?://[^\s/]+", url):
            raise SpecError("base_url", f"{url!r} is not an http(s) URL")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind} if self.base_url is None else {"kind": self.kind, "base_url": self.base_url}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TestSource":
        return _from_mapping(cls, data)


@dataclass(frozen=True)
class TestRule:
    """Where the test part comes from, so that nobody can know it before the submission deadline.

    * ``mode="sealed"`` (the default, also for specs without a ``test`` field): the organizer's
      hidden rows, committed on-chain at creation and opened after the reveal deadline
      (``split.test_fraction`` of the history).
    * ``mode="future"``: the prices of ``window = [start, end]`` (unix seconds, on the
      ``interval`` grid, ``start < end``) from ``source``, posted after the window closes. That
      ``start`` is at or after the submission deadline is checked by the client against the
      chain when the bounty is created (the spec does not hold the deadline). Test labels read
      only prices inside the window (``bounty_client.data.build_dataset(test_window=...)``).
      Prefer ``start`` at or after the *reveal* deadline: prices inside the window become
      public as it runs, so a window open during the reveal phase lets a participant with
      several commits score them on its first labels and reveal only the best.
    * ``interval``: the grid spacing in seconds (coinpaprika: one of its intervals, e.g. 300).
    """

    __test__ = False  # not a pytest test class

    mode: str = "sealed"
    window: tuple[int, int] | None = None
    source: TestSource | None = None
    interval: int | None = None

    def __post_init__(self) -> None:
        _str("mode", self.mode, allowed=TEST_MODES)
        if self.mode == "sealed":
            for name in ("window", "source", "interval"):
                if getattr(self, name) is not None:
                    raise SpecError(name, "only a 'future' test rule has one (mode is 'sealed')")
            return
        for name in ("window", "source", "interval"):
            if getattr(self, name) is None:
                raise SpecError(name, "is required when mode is 'future'")
        source = self.source
        if not isinstance(source, TestSource):
            try:
                source = TestSource.from_dict(source)
            except SpecError as exc:
                raise exc.within("source") from None
            object.__setattr__(self, "source", source)
        interval = _int("interval", self.interval, 1, 86_400 * 365)
        if source.kind == "coinpaprika" and interval not in _COINPAPRIKA_INTERVALS:
            raise SpecError("interval", f"{interval} s is not a coinpaprika interval; choose one of "
                                        f"{list(_COINPAPRIKA_INTERVALS)}")
        object.__setattr__(self, "interval", interval)
        window = self.window
        if isinstance(window, (str, bytes, Mapping)) or not isinstance(window, Sequence) or len(window) != 2:
            raise SpecError("window", f"must be [start, end] in unix seconds, got {window!r}")
        start = _int("window[0]", window[0], 0, 2**64 - 1)
        end = _int("window[1]", window[1], 0, 2**64 - 1)
        for i, value in enumerate((start, end)):
            if value % interval:
                raise SpecError(f"window[{i}]", f"{value} is not on the {interval} s grid (a multiple of interval)")
        if not start < end:
            raise SpecError("window", f"start {start} must be before end {end}")
        object.__setattr__(self, "window", (start, end))

    @property
    def is_future(self) -> bool:
        return self.mode == "future"

    def to_dict(self) -> dict[str, Any]:
        if self.mode == "sealed":
            return {"mode": "sealed"}
        assert self.window is not None and self.source is not None
        return {"mode": self.mode, "window": list(self.window), "source": self.source.to_dict(),
                "interval": self.interval}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TestRule":
        return _from_mapping(cls, data)


# --------------------------------------------------------------------------- spec
@dataclass(frozen=True)
class BountySpec:
    """A bounty's full, public definition (see the module docstring).

    ``target`` is the coin symbol (``"LTC"``) of one of ``data_files``;
    ``features`` are price-table columns taken from every coin; a window's label
    is 1 when the target's price ``future_period`` steps after the window's last
    row is above that row's price (see ``bounty_client.data``).  ``metric`` (:data:`METRICS`, default
    ``"balanced_accuracy"``) is how a test part is scored; ``min_accuracy_bps`` (0..10000) is the
    score by that metric a submission must reach on the test part to win.
    """

    name: str
    data_files: tuple[DataFile, ...]
    target: str
    description: str = ""
    features: tuple[str, ...] = DEFAULT_FEATURES
    seq_len: int = 10
    future_period: int = 3
    split: SplitRule = field(default_factory=SplitRule)
    protocol: TrainingProtocol = field(default_factory=TrainingProtocol)
    metric: str = "balanced_accuracy"
    bounds: HyperparameterBounds = CHAIN_LIMITS
    min_accuracy_bps: int = 5000
    version: int = SPEC_VERSION
    #: where the test part comes from (sealed, the default, or a future window)
    test: TestRule = field(default_factory=TestRule)

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        set_("version", _int("version", self.version))
        if self.version != SPEC_VERSION:
            raise SpecError("version", f"unsupported spec version {self.version}; this client reads {SPEC_VERSION}")
        _str("name", self.name)
        _str("description", self.description, empty_ok=True)

        files = self.data_files
        if isinstance(files, (str, bytes, Mapping)) or not isinstance(files, Sequence):
            raise SpecError("data_files", f"must be a list of data files, got {type(files).__name__}")
        if not files:
            raise SpecError("data_files", "at least one data file is required")
        parsed: list[DataFile] = []
        for i, item in enumerate(files):
            try:
                parsed.append(item if isinstance(item, DataFile) else DataFile.from_dict(item))
            except SpecError as exc:
                raise exc.within(f"data_files[{i}]") from None
        labels = [f.label for f in parsed]
        for i, label in enumerate(labels):
            if label in labels[:i]:
                raise SpecError(f"data_files[{i}].label", f"duplicate label {label!r}")
        set_("data_files", tuple(parsed))

        _str("target", self.target)
        symbols = [f.symbol for f in parsed]
        if self.target not in symbols:
            raise SpecError("target", f"{self.target!r} is not the coin of a data file; coins: {symbols}")

        feats = self.features
        if isinstance(feats, (str, bytes)) or not isinstance(feats, Sequence) or not feats:
            raise SpecError("features", f"must be a non-empty list drawn from {list(FEATURES)}, got {feats!r}")
        for i, name in enumerate(feats):
            _str(f"features[{i}]", name, allowed=FEATURES)
            if name in feats[:i]:
                raise SpecError(f"features[{i}]", f"duplicate feature {name!r}")
        set_("features", tuple(feats))

        set_("seq_len", _int("seq_len", self.seq_len, 1, 10_000))
        set_("future_period", _int("future_period", self.future_period, 1, 10_000))
        for name, cls in (("split", SplitRule), ("protocol", TrainingProtocol), ("test", TestRule)):
            value = getattr(self, name)
            if not isinstance(value, cls):
                try:
                    value = cls.from_dict(value)
                except SpecError as exc:
                    raise exc.within(name) from None
                set_(name, value)
        _str("metric", self.metric, allowed=METRICS)
        if self.metric == "accuracy" and self.test.is_future:
            raise SpecError("metric", "'accuracy' needs a test part whose class balance is known at creation: a future "
                                      "window's is not, and a constant guess of its majority class could qualify; use "
                                      "'balanced_accuracy' (a constant guess scores 5000)")

        bounds = self.bounds
        if not isinstance(bounds, HyperparameterBounds):
            if not isinstance(bounds, Mapping):
                raise SpecError("bounds", f"must be a JSON object, got {type(bounds).__name__}")
            try:
                bounds = HyperparameterBounds.from_dict(bounds)
            except HyperparameterError as exc:
                raise SpecError(f"bounds.{exc.field}", str(exc).split(": ", 1)[-1]) from None
            except (TypeError, ValueError) as exc:
                raise SpecError("bounds", str(exc)) from None
            set_("bounds", bounds)
        set_("min_accuracy_bps", _int("min_accuracy_bps", self.min_accuracy_bps, 0, 10_000))

    # ------------------------------------------------------------------ helpers
    def validate(self) -> "BountySpec":
        """Re-check every field (a spec is checked when built; this re-runs it) and return self."""
        BountySpec.from_dict(self.to_dict())
        return self

    @property
    def labels(self) -> list[str]:
        """Data file labels in spec order."""
        return [f.label for f in self.data_files]

    @property
    def coins(self) -> list[str]:
        """Coin symbols in spec order (``["BTC", "LTC"]``)."""
        return [f.symbol for f in self.data_files]

    @property
    def data_cids(self) -> dict[str, str]:
        """``{label: cid}`` of the public data files."""
        return {f.label: f.cid for f in self.data_files}

    def split_hidden(self, prices: "Mapping[str, Any]") -> tuple[dict, dict]:
        """Organizer: ``(public, hidden)`` price tables by this spec's ``test_fraction``."""
        from ..data import split_hidden

        return split_hidden(prices, self.split.test_fraction)

    def build_dataset(self, public: "Mapping[str, Any]", hidden: "Mapping[str, Any] | None" = None):
        """The ``bounty_client.data.Dataset`` this spec defines from ``{symbol: price table}``.

        A participant passes only the public tables (no test part); the organizer
        and verifiers also pass the hidden ones: in sealed mode the held-out rows, in
        future mode the posted window rows (then built with ``test_window`` = the rule's
        window and the rule's ``interval``, so every test label reads prices inside it).
        """
        from ..data import build_dataset

        missing = [c for c in self.coins if c not in public]
        extra = [c for c in public if c not in self.coins]
        if missing or extra:
            raise SpecError("data_files", f"the prices given have coins {sorted(public)}; the spec has {self.coins}")
        future = self.test.is_future and hidden is not None
        dataset = build_dataset(
            public,
            target=self.target,
            seq_len=self.seq_len,
            future_period=self.future_period,
            val_fraction=self.split.val_fraction,
            hidden=hidden,
            columns=self.features,
            # future mode: the posted rows are the window's (+ seq_len context rows), on its grid
            interval=f"{self.test.interval}s" if future else None,
            test_window=self.test.window if future else None,
        )
        if hidden is not None:
            self.check_test_part(dataset.y_test)
        return dataset

    def check_test_part(self, y_test: Any) -> None:
        """The metric rule (see :data:`METRICS`): under ``"accuracy"``, the test labels' majority class must hold
        fewer than ``min_accuracy_bps`` of them, or always guessing it -- what a diverged or exploding model
        does -- would qualify.  Raises ``bounty_client.data.DataError`` naming both figures (the organizer
        meets it when the test part is split off, before anything is stored); nothing under
        ``"balanced_accuracy"``."""
        if self.metric != "accuracy":
            return
        labels = [int(v) for v in list(y_test)]
        if not labels:
            return
        ones = sum(1 for v in labels if v == 1)
        majority = max(ones, len(labels) - ones) * 10_000 // len(labels)
        if majority >= self.min_accuracy_bps:
            from ..data import DataError

            raise DataError(f"metric accuracy: the test part's majority class is {majority} bps of its "
                            f"{len(labels)} windows, not below min_accuracy_bps {self.min_accuracy_bps}: always "
                            "guessing it (what a diverged or exploding model predicts) would qualify; use "
                            f"balanced_accuracy, or min_accuracy_bps above {majority}", source="test part")

    def hyperparameters(self, values: "Mapping[str, Any] | Hyperparameters") -> Hyperparameters:
        """Validate a submission's values against this spec's bounds (raises ``HyperparameterError``)."""
        if isinstance(values, Hyperparameters):
            return values.with_bounds(self.bounds)
        return Hyperparameters.from_dict(values, bounds=self.bounds)

    # ------------------------------------------------------------------ serialization
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "description": self.description,
            "data_files": [f.to_dict() for f in self.data_files],
            "target": self.target,
            "features": list(self.features),
            "seq_len": self.seq_len,
            "future_period": self.future_period,
            "split": self.split.to_dict(),
            "protocol": self.protocol.to_dict(),
            "metric": self.metric,
            "bounds": self.bounds.to_dict(),
            "min_accuracy_bps": self.min_accuracy_bps,
            # absent means sealed: a sealed spec keeps the bytes (and CID) it had before the field existed
            **({} if self.test.mode == "sealed" else {"test": self.test.to_dict()}),
        }

    def to_json(self, *, indent: int | None = None) -> str:
        """Canonical JSON (sorted keys, no insignificant whitespace): equal specs give equal text.

        ``indent`` gives a readable, non-canonical form for humans.
        """
        if indent is not None:
            return json.dumps(self.to_dict(), sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False)
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

    def to_bytes(self) -> bytes:
        """The canonical JSON as UTF-8: what is added to IPFS (same spec -> same bytes -> same CID)."""
        return self.to_json().encode("utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "BountySpec":
        return _from_mapping(cls, data)

    def __repr__(self) -> str:
        return (
            f"BountySpec(name={self.name!r}, target={self.target!r}, files={self.labels}, seq_len={self.seq_len}, "
            f"future_period={self.future_period}, epochs={self.protocol.epochs}, "
            f"min_accuracy_bps={self.min_accuracy_bps})"
        )


def chain_terms(spec: BountySpec) -> dict[str, Any]:
    """What the chain records of ``spec`` when the bounty is created: the ``Terms`` fields the spec fixes.

    The one spec-to-chain mapping: :meth:`bounty_client.protocol.terms.BountyTerms.factory_arguments`
    sends it to ``BountyFactory.create`` and :func:`bounty_client.record.check_spec` compares it with
    the ``BountyCreated`` event.  ``data_cids`` (in order), ``seq_len``, ``future_period``,
    ``min_accuracy`` (bps), ``n_features`` (features x coins: the model's input width),
    ``max_cost`` (the largest Keras parameter count the spec's bounds allow, the cost bound of a
    reveal) and the test window ``test_window_start`` / ``test_data_after`` (future window: its start
    and end, unix seconds; sealed: 0 and 0)."""
    n_features = len(spec.features) * len(spec.data_files)
    return {
        "data_cids": [f.cid for f in spec.data_files],
        "seq_len": spec.seq_len,
        "future_period": spec.future_period,
        "min_accuracy": spec.min_accuracy_bps,
        "n_features": n_features,
        "max_cost": max_parameter_count(spec.bounds, n_features),
        "test_window_start": spec.test.window[0] if spec.test.is_future else 0,
        "test_data_after": spec.test.window[1] if spec.test.is_future else 0,
    }


def load_spec(source: "bytes | bytearray | str | Path | Mapping[str, Any]") -> BountySpec:
    """Read a spec from JSON bytes, JSON text, a file path or an already-parsed mapping.

    A string that starts with ``{`` (after whitespace) is JSON text; any other string
    is a path.  Invalid JSON raises :class:`SpecError` with the line and column.
    """
    where = ""
    if isinstance(source, Mapping):
        return BountySpec.from_dict(source)
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{")):
        path = Path(source)
        where = str(path)
        try:
            raw: "str | bytes" = path.read_bytes()
        except OSError as exc:
            raise SpecError("", f"cannot read spec file {where}: {exc.strerror or exc}") from None
    elif isinstance(source, (bytes, bytearray, str)):
        raw = bytes(source) if isinstance(source, bytearray) else source
    else:
        raise TypeError(f"load_spec takes bytes, JSON text, a path or a mapping, not {type(source).__name__}")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise SpecError("", f"{where + ': ' if where else ''}spec is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        prefix = f"{where}: " if where else ""
        raise SpecError("", f"{prefix}invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    try:
        return BountySpec.from_dict(data)
    except SpecError as exc:
        if where:
            raise SpecError(exc.field, f"{exc.message} (in {where})") from None
        raise
