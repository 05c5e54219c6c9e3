"""What a participant submits: LSTM hyperparameters, their bounds and the sealed commitment.

The original project's five fields (LSTM layers, LSTM units, dense layers,
activation, loss) plus dropout and learning rate.  On-chain every field is an
unsigned integer:

=================  ==========  =============================================
field              chain type  meaning
=================  ==========  =============================================
lstm_layers        uint8       number of stacked LSTM layers
lstm_units         uint16      units in *every* LSTM layer
dense_layers       uint8       Dense layers between the LSTMs and the head
activation         uint8       index into :data:`ACTIVATIONS`
loss               uint8       index into :data:`LOSSES`
dropout_bps        uint16      dropout after each LSTM layer, basis points
learning_rate_micro uint32     learning rate in millionths (1000 = 1e-3)
=================  ==========  =============================================

:data:`CHAIN_LIMITS` are the hard limits that ``Bounty.vy`` enforces on reveal
(its constants mirror them); a bounty spec may narrow them with
:class:`HyperparameterBounds`, which the client checks before anything is sent.

The commitment is ``keccak256(abi_encode(bounty, submitter, lstm_layers,
lstm_units, dense_layers, activation, loss, dropout_bps, learning_rate_micro,
salt))``, exactly what ``Bounty.reveal`` recomputes.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping

from ..errors import BountyError

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "CHAIN_LIMITS",
    "HyperparameterError",
    "HyperparameterBounds",
    "Hyperparameters",
    "new_salt",
    "commitment",
    "test_commitment",
    "parameter_count",
    "max_parameter_count",
]

#: Activation codes shared with the contract: code = index.
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "elu", "selu", "gelu", "swish", "linear")
#: Loss codes shared with the contract: code = index.
LOSSES: tuple[str, ...] = (
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "hinge",
    "mean_squared_error",
)

_INT_FIELDS = ("lstm_layers", "lstm_units", "dense_layers")


class HyperparameterError(BountyError, ValueError):
    """A hyperparameter is unknown, of the wrong type or out of range; the message names it."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


@dataclass(frozen=True)
class HyperparameterBounds:
    """Inclusive bounds for each field; a spec may narrow :data:`CHAIN_LIMITS`, never widen them."""

    lstm_layers: tuple[int, int] = (1, 8)
    lstm_units: tuple[int, int] = (1, 1024)
    dense_layers: tuple[int, int] = (0, 8)
    activations: tuple[str, ...] = ACTIVATIONS
    losses: tuple[str, ...] = LOSSES
    dropout: tuple[float, float] = (0.0, 0.9)
    learning_rate: tuple[float, float] = (1e-6, 1.0)

    def __post_init__(self) -> None:
        for name in ("lstm_layers", "lstm_units", "dense_layers", "dropout", "learning_rate"):
            value = getattr(self, name)
            if not (isinstance(value, (tuple, list)) and len(value) == 2):
                raise HyperparameterError(name, f"bounds must be a [low, high] pair, got {value!r}")
            low, high = value
            if low > high:
                raise HyperparameterError(name, f"bounds are reversed: low {low} > high {high}")
            object.__setattr__(self, name, (low, high))
        for name, allowed in (("activations", ACTIVATIONS), ("losses", LOSSES)):
            values = tuple(getattr(self, name))
            if not values:
                raise HyperparameterError(name, "at least one value must be allowed")
            unknown = [v for v in values if v not in allowed]
            if unknown:
                raise HyperparameterError(name, f"unknown value(s) {unknown}; known: {list(allowed)}")
            object.__setattr__(self, name, values)
        limits = globals().get("CHAIN_LIMITS")  # None while CHAIN_LIMITS itself is built
        if limits is not None:
            self._check_within(limits)

    def _check_within(self, outer: "HyperparameterBounds") -> None:
        for name in ("lstm_layers", "lstm_units", "dense_layers", "dropout", "learning_rate"):
            low, high = getattr(self, name)
            olow, ohigh = getattr(outer, name)
            if low < olow or high > ohigh:
                raise HyperparameterError(
                    name, f"bounds [{low}, {high}] exceed what the contract accepts [{olow}, {ohigh}]"
                )

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "HyperparameterBounds":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise HyperparameterError(unknown[0], f"unknown bound; known bounds: {sorted(known)}")
        return cls(**{k: tuple(v) for k, v in data.items()})


#: What ``Bounty.vy`` accepts on reveal (its constants mirror these).
CHAIN_LIMITS = HyperparameterBounds()

#: Losses whose model head is ``Dense(2, softmax)`` (the others end in one unit); see ``model.HEADS``.
_TWO_UNIT_HEAD_LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy")


def parameter_count(hp: "Hyperparameters", n_features: int) -> int:
    """The evaluation cost of a submission: Keras' ``model.count_params()`` of
    ``bounty_client.ml.model.build_model(hp, (seq_len, n_features))``, exactly as
    ``Bounty.cost_of`` computes it (a reveal above the bounty's ``max_cost`` is refused).

    With ``u = lstm_units``: the first LSTM has ``4u(n_features + u + 1)`` weights, each further
    LSTM ``4u(2u + 1)``; each LSTM's BatchNormalization ``4u`` (gamma, beta, moving mean and
    variance); each Dense ``u(u + 1)``; the head ``h(u + 1)`` with ``h = 2`` for the two
    crossentropy losses with a softmax head, else 1. The window length does not enter.

    Raises ``HyperparameterError`` (field ``n_features``) unless ``1 <= n_features <= 65535``.
    """
    if isinstance(n_features, bool) or not isinstance(n_features, int) or not 1 <= n_features <= 65_535:
        raise HyperparameterError("n_features", f"must be an integer in [1, 65535], got {n_features!r}")
    u, layers, dense = hp.lstm_units, hp.lstm_layers, hp.dense_layers
    head = 2 if hp.loss in _TWO_UNIT_HEAD_LOSSES else 1
    return 4 * u * (n_features + u + 1) + (layers - 1) * 4 * u * (2 * u + 1) + layers * 4 * u + dense * u * (u + 1) + head * (u + 1)


def max_parameter_count(bounds: HyperparameterBounds, n_features: int) -> int:
    """The largest :func:`parameter_count` any configuration within ``bounds`` can have (the count
    grows with every size field, so it is the count of the largest sizes with a two-unit head when
    a crossentropy loss is allowed): the natural ``max_cost`` of a bounty with these bounds."""
    loss = next((name for name in _TWO_UNIT_HEAD_LOSSES if name in bounds.losses), bounds.losses[0])
    largest = Hyperparameters(
        lstm_layers=bounds.lstm_layers[1], lstm_units=bounds.lstm_units[1], dense_layers=bounds.dense_layers[1],
        activation=bounds.activations[0], loss=loss,
    )
    return parameter_count(largest, n_features)


@dataclass(frozen=True)
class Hyperparameters:
    """One LSTM configuration: what a participant commits, reveals and the organizer re-trains.

    ``Hyperparameters(lstm_layers=2, lstm_units=64, dense_layers=1, activation="relu",
    loss="sparse_categorical_crossentropy", dropout=0.2, learning_rate=1e-3)``
    """

    lstm_layers: int
    lstm_units: int
    dense_layers: int
    activation: str
    loss: str
    dropout: float = 0.2
    learning_rate: float = 1e-3
    bounds: HyperparameterBounds = field(default=CHAIN_LIMITS, repr=False, compare=False)

    def __post_init__(self) -> None:
        b = self.bounds
        for name in _INT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    object.__setattr__(self, name, int(value))
                    value = int(value)
                else:
                    raise HyperparameterError(name, f"must be an integer, got {value!r}")
            low, high = getattr(b, name)
            if not low <= value <= high:
                raise HyperparameterError(name, f"{value} is out of range [{low}, {high}]")
        for name, allowed in (("activation", b.activations), ("loss", b.losses)):
            value = getattr(self, name)
            if value not in allowed:
                raise HyperparameterError(name, f"{value!r} is not allowed; choose one of {list(allowed)}")
        for name in ("dropout", "learning_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                raise HyperparameterError(name, f"must be a number, got {value!r}")
            low, high = getattr(b, name)
            if not low <= value <= high:
                raise HyperparameterError(name, f"{value} is out of range [{low}, {high}]")
        # The chain stores dropout in basis points and the learning rate in millionths:
        # round here so that what is trained is exactly what is committed.
        object.__setattr__(self, "dropout", round(float(self.dropout) * 10_000) / 10_000)
        # Bounds never go below 1e-6 (the chain's resolution), so this is >= 1.
        object.__setattr__(self, "learning_rate", round(float(self.learning_rate) * 1_000_000) / 1_000_000)

    # ----------------------------------------------------------------- chain form
    @property
    def dropout_bps(self) -> int:
        return round(self.dropout * 10_000)

    @property
    def learning_rate_micro(self) -> int:
        return round(self.learning_rate * 1_000_000)

    def to_chain(self) -> tuple[int, int, int, int, int, int, int]:
        """The seven integers ``Bounty.reveal`` takes, in order."""
        return (
            self.lstm_layers,
            self.lstm_units,
            self.dense_layers,
            ACTIVATIONS.index(self.activation),
            LOSSES.index(self.loss),
            self.dropout_bps,
            self.learning_rate_micro,
        )

    @classmethod
    def from_chain(
        cls, values: "tuple[int, ...] | list[int] | Mapping[str, int]", bounds: HyperparameterBounds = CHAIN_LIMITS
    ) -> "Hyperparameters":
        """Decode the integers of a reveal (a sequence in ``to_chain`` order, or a mapping by name)."""
        names = ("lstm_layers", "lstm_units", "dense_layers", "activation", "loss", "dropout_bps", "learning_rate_micro")
        if isinstance(values, Mapping):
            missing = [n for n in names if n not in values]
            if missing:
                raise HyperparameterError(missing[0], "missing from the chain record")
            values = [values[n] for n in names]
        values = [int(v) for v in values]
        if len(values) != 7:
            raise HyperparameterError("hyperparameters", f"expected 7 chain values, got {len(values)}")
        act, loss = values[3], values[4]
        if not 0 <= act < len(ACTIVATIONS):
            raise HyperparameterError("activation", f"unknown code {act}; codes are 0..{len(ACTIVATIONS) - 1}")
        if not 0 <= loss < len(LOSSES):
            raise HyperparameterError("loss", f"unknown code {loss}; codes are 0..{len(LOSSES) - 1}")
        return cls(
            lstm_layers=values[0],
            lstm_units=values[1],
            dense_layers=values[2],
            activation=ACTIVATIONS[act],
            loss=LOSSES[loss],
            dropout=values[5] / 10_000,
            learning_rate=values[6] / 1_000_000,
            bounds=bounds,
        )

    # ------------------------------------------------------------------ dict form
    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "bounds"}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], bounds: HyperparameterBounds = CHAIN_LIMITS) -> "Hyperparameters":
        known = [f.name for f in fields(cls) if f.name != "bounds"]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise HyperparameterError(unknown[0], f"unknown hyperparameter; known: {known}")
        missing = [k for k in known[:5] if k not in data]
        if missing:
            raise HyperparameterError(missing[0], "is required")
        return cls(**dict(data), bounds=bounds)

    def with_bounds(self, bounds: HyperparameterBounds) -> "Hyperparameters":
        """Re-validate these values against (narrower) spec bounds."""
        return Hyperparameters.from_dict(self.to_dict(), bounds=bounds)

    # ----------------------------------------------------------------- commitment
    def commitment(self, bounty: str, sender: str, salt: bytes) -> bytes:
        """``keccak256(abi_encode(bounty, sender, *to_chain(), salt))``: what ``Bounty.commit`` takes."""
        return commitment(bounty, sender, self, salt)


def _salt32(salt: "bytes | str") -> bytes:
    if isinstance(salt, str):
        salt = bytes.fromhex(salt.removeprefix("0x"))
    if not isinstance(salt, (bytes, bytearray)) or len(salt) != 32:
        raise HyperparameterError("salt", "must be 32 bytes")
    return bytes(salt)


def new_salt() -> bytes:
    """32 random bytes from the OS: keep them, or the submission cannot be revealed."""
    return os.urandom(32)


def commitment(bounty: str, sender: str, hp: Hyperparameters, salt: "bytes | str") -> bytes:
    """The sealed submission hash; equals the contract's (tested against ``Bounty.vy``)."""
    from eth_abi import encode
    from eth_utils import keccak, to_checksum_address

    types = ["address", "address", "uint8", "uint16", "uint8", "uint8", "uint8", "uint16", "uint32", "bytes32"]
    values = [to_checksum_address(str(bounty)), to_checksum_address(str(sender)), *hp.to_chain(), _salt32(salt)]
    return keccak(encode(types, values))


def test_commitment(test_cid: str, salt: "bytes | str") -> bytes:
    """``keccak256(abi_encode(test_cid, salt))``: the organizer's commitment to the hidden test set."""
    from eth_abi import encode
    from eth_utils import keccak

    if not isinstance(test_cid, str) or not test_cid:
        raise HyperparameterError("test_cid", "must be a non-empty CID string")
    return keccak(encode(["string", "bytes32"], [test_cid, _salt32(salt)]))


# Not a pytest test, although its name starts with "test" (modules import it by name).
test_commitment.__test__ = False  # type: ignore[attr-defined]
