"""The one Python mirror of ``Bounty.vy``'s wire formats: enums, encodings and limits.

The client, the tests and the benches import these instead of repeating numbers; amounts typed by
people (``"10 ether"``) become wei here too (:func:`parse_ether`).
Each value names the contract constant it mirrors; ``tests/contracts/test_wire.py``
checks them against the compiled contract's behaviour (a ``stage()``, an
``outcome()``, a ``Credited.reason``, a ``ScoresPosted.entries`` word, the stored
commitment) so a change to the contract that is not mirrored here fails a test.

Pure Python (only the package's ``errors`` and, where an address is checked or a batch hashed, ``eth_utils``
and ``eth_abi``, imported by those functions): cheap to import.
"""

from __future__ import annotations

from enum import IntEnum

from ..errors import ArgumentError

__all__ = [
    "Stage",
    "Outcome",
    "stage_at",
    "CreditReason",
    "BPS",
    "SCORE_BITS",
    "MASK_SCORE",
    "MAX_SCORE_BATCH",
    "MAX_PRIZE_SHARES",
    "MAX_SUBMISSIONS",
    "MAX_CID_LENGTH",
    "MAX_COMMIT_DEPOSIT",
    "MAX_REWARD",
    "MAX_TIMESTAMP",
    "MAX_DATA_CIDS",
    "MAX_UINT16",
    "MAX_COST",
    "COMMITMENT_MASK",
    "encode_score_entry",
    "decode_score_entry",
    "batch_hash",
    "score_accumulator",
    "score_proof",
    "DisputeKind",
    "TEST_DATA_KEY",
    "CHECKPOINT_INTERVAL",
    "MAX_CHALLENGE_BOND",
    "SWEEP_DELAY",
    "REVEALED_FIELDS",
    "encode_revealed",
    "decode_revealed",
    "stored_commitment",
    "checksum_address",
    "parse_ether",
]


class Stage(IntEnum):
    """``Bounty.stage()``: the ``STAGE_*`` constants of ``contracts/bounty_state.vy``.  Stages
    follow from ``block.timestamp``, the deadlines and the open disputes; only FINALIZED and
    CANCELLED are stored facts.

    CHALLENGE: the evaluation deadline passed, scores are provisional and can be challenged
    until the challenge deadline (never entered without an arbiter).  ARBITRATION: the
    window closed with disputes the arbiter has not ruled on (until the resolution deadline).
    EXPIRED: anyone may finalize."""

    SUBMISSION = 0
    REVEAL = 1
    EVALUATION = 2
    CHALLENGE = 3
    ARBITRATION = 4
    EXPIRED = 5
    FINALIZED = 6
    CANCELLED = 7

    def is_closed(self) -> bool:
        """True once the bounty is settled or cancelled (no stage follows)."""
        return self in (Stage.FINALIZED, Stage.CANCELLED)


class Outcome(IntEnum):
    """``Bounty.outcome()`` and ``Finalized.outcome``: the ``OUTCOME_*`` constants."""

    NONE = 0
    PRIZES = 1
    REFUNDED = 2
    SHARED = 3
    CANCELLED = 4


def stage_at(outcome: "Outcome | str", deadlines: "tuple[int, int, int]", now: int, *,
             challenge_deadline: "int | None" = None, resolution_deadline: "int | None" = None,
             open_disputes: int = 0) -> Stage:
    """The contract's ``stage()`` rule (``Bounty.vy``) at chain time ``now`` (unix s): the stored ``outcome``
    (an :class:`Outcome` or its name) first, then the deadlines (submission, reveal, evaluation), the
    challenge deadline (the evaluation deadline without an arbiter) and, while disputes are open, the
    resolution deadline."""
    outcome = Outcome[outcome] if isinstance(outcome, str) else Outcome(outcome)
    if outcome is Outcome.CANCELLED:
        return Stage.CANCELLED
    if outcome is not Outcome.NONE:
        return Stage.FINALIZED
    d1, d2, d3 = deadlines
    challenge = d3 if challenge_deadline is None else challenge_deadline
    resolution = challenge if resolution_deadline is None else resolution_deadline
    if now < d1:
        return Stage.SUBMISSION
    if now < d2:
        return Stage.REVEAL
    if now < d3:
        return Stage.EVALUATION
    if now < challenge:
        return Stage.CHALLENGE
    if open_disputes and now < resolution:
        return Stage.ARBITRATION
    return Stage.EXPIRED


class CreditReason(IntEnum):
    """``Credited.reason``: the ``CREDIT_*`` constants."""

    DEPOSIT = 0  # a winner's deposit, back with its prize (others take theirs with ``claim``)
    PRIZE = 1
    REFUND = 2
    SHARE = 3
    BOND = 4
    FORFEIT = 5  # deposits of commitments never revealed or scored below min_accuracy, to the organizer
    CHALLENGE_BOND = 6  # a challenger's bond (and fee) back
    CHALLENGE_REWARD = 7  # an upheld challenger's reward, from the organizer's bond
    CHALLENGE_LOST = 8  # a rejected challenger's bond, to the organizer


class DisputeKind(IntEnum):
    """``IArbiter.create_dispute``'s ``kind``: ``KIND_*`` in ``contracts/constants.vy``."""

    SCORE = 0
    TEST_DATA = 1


#: ``TEST_DATA_KEY``: the dispute key of the posted test data (submission ids are below 2**16 - 1).
TEST_DATA_KEY = 1 << 16
#: ``CHECKPOINT_INTERVAL``: the score accumulator is checkpointed every this many batches; a proof
#: names at most this many later batch hashes and ``rerank`` replays at most this many batches per call.
CHECKPOINT_INTERVAL = 32
#: ``MAX_CHALLENGE_BOND``: wei (uint64).
MAX_CHALLENGE_BOND = (1 << 64) - 1
#: ``SWEEP_DELAY``: seconds after the resolution deadline before unclaimed money can be swept.
SWEEP_DELAY = 365 * 86_400
#: Basis points in one whole (``BPS``): scores, ``min_accuracy`` and prize shares use them.
BPS = 10_000
#: ``ScoresPosted.entries`` packs ``id << SCORE_BITS | score`` (score in bps, 0..``BPS``).
SCORE_BITS = 16
#: ``MASK_16``: the score part of a score entry.
MASK_SCORE = (1 << SCORE_BITS) - 1
#: ``MAX_BATCH``: ids per ``post_scores`` transaction.
MAX_SCORE_BATCH = 128
#: ``MAX_PRIZE_SHARES``: ranks a prize can be split across.
MAX_PRIZE_SHARES = 5
#: ``MAX_SUBMISSIONS_LIMIT``: the largest ``max_submissions`` (counters are uint16).
MAX_SUBMISSIONS = (1 << 16) - 1
#: ``MAX_CID_LENGTH``: bytes of a CID string on-chain.
MAX_CID_LENGTH = 128
#: ``MAX_COMMIT_DEPOSIT``: wei (uint64).
MAX_COMMIT_DEPOSIT = (1 << 64) - 1
#: ``MAX_REWARD``: wei (uint96).
MAX_REWARD = (1 << 96) - 1
#: ``MAX_BOND``: wei (uint96).
MAX_BOND = (1 << 96) - 1
#: ``MAX_TIMESTAMP``: deadlines are uint32 seconds.
MAX_TIMESTAMP = (1 << 32) - 1
#: ``BountyFactory.MAX_DATA_CIDS``: training-data CIDs per bounty.
MAX_DATA_CIDS = 16
#: ``min_accuracy``, ``seq_len``, ``future_period`` and ``n_features`` are uint16 in ``IBounty.BountyTerms``.
MAX_UINT16 = (1 << 16) - 1
#: ``max_cost`` is a uint32 parameter count.
MAX_COST = (1 << 32) - 1
#: ``COMMITMENT_MASK``: the contract stores a commitment with its top bit cleared (the bit
#: records "revealed").
COMMITMENT_MASK = (1 << 255) - 1


def encode_score_entry(submission_id: int, score_bps: int) -> int:
    """One ``ScoresPosted.entries`` word: ``submission_id << 16 | score_bps``.

    Raises ``ValueError`` for a negative id or a score outside 0..10000 bps."""
    if submission_id < 0 or not 0 <= score_bps <= BPS:
        raise ValueError(f"score entry: id must be >= 0 and score 0..{BPS} bps, got ({submission_id}, {score_bps})")
    return (int(submission_id) << SCORE_BITS) | int(score_bps)


def decode_score_entry(entry: int) -> tuple[int, int]:
    """``(submission_id, score_bps)`` of one ``ScoresPosted.entries`` word."""
    entry = int(entry)
    return entry >> SCORE_BITS, entry & MASK_SCORE


def batch_hash(entries: "list[int] | tuple[int, ...]") -> bytes:
    """``keccak256(abi_encode(entries))`` of one ``ScoresPosted.entries`` list (uint256[])."""
    from eth_abi import encode
    from eth_utils import keccak

    return keccak(encode(["uint256[]"], [[int(e) for e in entries]]))


def score_accumulator(batches: "list[list[int]]") -> bytes:
    """``Bounty.score_accumulator()`` after ``batches`` (each a ``ScoresPosted.entries`` list, in
    posting order): ``acc = keccak256(acc ++ batch_hash(entries))`` from 32 zero bytes."""
    from eth_utils import keccak

    acc = bytes(32)
    for entries in batches:
        acc = keccak(acc + batch_hash(entries))
    return acc


def score_proof(batches: "list[list[int]]", submission_id: int) -> tuple[int, bytes, list[int], list[bytes]]:
    """``(batch, previous, entries, later)``: the arguments ``challenge`` takes to prove the score
    posted for ``submission_id`` in ``batches`` (every ``ScoresPosted.entries`` list so far, in
    order): its batch index, the accumulator before it, its entries, and the hashes of the
    batches after it up to the end of its ``CHECKPOINT_INTERVAL`` segment (or the last batch).

    Raises ``ValueError`` when no batch holds the id."""
    for b, entries in enumerate(batches):
        if any(decode_score_entry(e)[0] == int(submission_id) for e in entries):
            break
    else:
        raise ValueError(f"no posted score for submission #{submission_id}")
    end = min((b // CHECKPOINT_INTERVAL + 1) * CHECKPOINT_INTERVAL, len(batches))
    return b, score_accumulator(batches[:b]), [int(e) for e in entries], [batch_hash(x) for x in batches[b + 1 : end]]


#: ``Revealed.hyperparameters``: (field, bit offset, bits) of the ``REVEALED_*`` layout, low bits first;
#: the fields in ``Hyperparameters.to_chain()`` order.
REVEALED_FIELDS: tuple[tuple[str, int, int], ...] = (
    ("lstm_layers", 0, 8),
    ("lstm_units", 8, 16),
    ("dense_layers", 24, 8),
    ("activation", 32, 8),
    ("loss", 40, 8),
    ("dropout_bps", 48, 16),
    ("learning_rate_micro", 64, 32),
)


def encode_revealed(values: "tuple[int, ...] | list[int]") -> int:
    """The ``Revealed.hyperparameters`` word of the seven on-chain values (``Hyperparameters.to_chain()``).

    Raises ``ValueError`` for a wrong count or a value that does not fit its field."""
    if len(values) != len(REVEALED_FIELDS):
        raise ValueError(f"revealed word: {len(REVEALED_FIELDS)} values, got {len(values)}")
    word = 0
    for (name, offset, bits), value in zip(REVEALED_FIELDS, values):
        if not 0 <= int(value) < 1 << bits:
            raise ValueError(f"revealed word: {name} must fit {bits} bits, got {value}")
        word |= int(value) << offset
    return word


def decode_revealed(word: int) -> tuple[int, ...]:
    """The seven on-chain values (``Hyperparameters.from_chain`` order) of a ``Revealed.hyperparameters`` word."""
    word = int(word)
    return tuple((word >> offset) & ((1 << bits) - 1) for _, offset, bits in REVEALED_FIELDS)


def stored_commitment(commitment: "bytes | str") -> str:
    """A commitment (32 bytes or 0x-hex) as ``Bounty.commitment_of`` returns it: top bit cleared."""
    value = bytes.fromhex(commitment[2:]) if isinstance(commitment, str) else bytes(commitment)
    return "0x" + (int.from_bytes(value, "big") & COMMITMENT_MASK).to_bytes(32, "big").hex()


def checksum_address(value: object, name: str = "address") -> str:
    """The EIP-55 checksummed spelling of ``value`` (a hex string or anything with ``.address``):
    one spelling per address, in any case the user typed it, so that web3 accepts it and
    addresses compare.  Raises ``ArgumentError`` naming ``name`` when it is not an address."""
    from eth_utils import is_address, to_checksum_address

    text = str(getattr(value, "address", value))
    if not is_address(text):
        raise ArgumentError(f"{name}: {value!r} is not an Ethereum address (0x and 40 hex digits)")
    return to_checksum_address(text)


def parse_ether(value: "str | int | float") -> int:
    """``"10 ether"``, ``"0.5"`` (ether), ``"100 gwei"`` or an int of wei -> wei.

    Raises :class:`~bounty_client.errors.ArgumentError` for an unknown unit, a non-number
    or a negative or fractional amount of wei."""
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    units = {"wei": 1, "gwei": 10**9, "ether": 10**18, "eth": 10**18}
    number, _, unit = text.partition(" ")
    unit = unit.strip() or "ether"
    if unit not in units:
        raise ArgumentError(f"amount {value!r}: unknown unit {unit!r}; use wei, gwei or ether")
    from decimal import Decimal, InvalidOperation

    try:
        wei = Decimal(number) * units[unit]
    except InvalidOperation:
        raise ArgumentError(f"amount {value!r}: not a number") from None
    if wei < 0 or wei != wei.to_integral_value():
        raise ArgumentError(f"amount {value!r}: must be a whole, non-negative number of wei")
    return int(wei)
