"""A bounty's economic terms, validated once, and every creation limit the contract checks.

:class:`BountyTerms` is what ``BountyFactory.create`` needs besides the spec: the
reward, the three periods, the submission cap, the commit deposit and the prize
split.  It is validated on construction (every check the contract makes, so a bad
value fails before anything is stored or sent) and maps itself by keyword onto the
factory's arguments (:meth:`BountyTerms.factory_arguments`, with the spec's part from
:func:`bounty_client.protocol.spec.chain_terms`).  :func:`check_factory_arguments` applies
``BountyFactory.create``'s and ``Bounty.initialize``'s checks to the exact arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Protocol, Sequence

from ..errors import ArgumentError
from .wire import (BPS, MAX_BOND, MAX_CHALLENGE_BOND, MAX_CID_LENGTH, MAX_COMMIT_DEPOSIT, MAX_COST, MAX_DATA_CIDS,
                   MAX_PRIZE_SHARES, MAX_REWARD, MAX_SUBMISSIONS, MAX_TIMESTAMP, MAX_UINT16, checksum_address,
                   parse_ether)

if TYPE_CHECKING:  # pragma: no cover
    from .spec import BountySpec

__all__ = ["BountyTerms", "DEFAULT_DEPOSIT_BPS", "MIN_DEFAULT_DEPOSIT", "PLACEHOLDER_CID", "Prepared",
           "check_factory_arguments", "default_commit_deposit", "parse_prize_shares"]

class Prepared(Protocol):
    """What :meth:`BountyTerms.factory_arguments` reads of a prepared bounty (the organizer's
    :class:`bounty_client.roles.PreparedBounty`): the spec, its CID and the test commitment."""

    spec: "BountySpec"
    spec_cid: str
    test_commitment: bytes
    #: test windows the evaluation scores (0: unknown); sizes the default score tolerance
    test_windows: int


#: Without an arbiter's terms given, a challenge window and a resolution period of one day each ...
DEFAULT_CHALLENGE_PERIOD = 86_400
DEFAULT_RESOLUTION_PERIOD = 86_400
#: ... and a challenge bond of this share of the reward (basis points: 5%): a frivolous challenge
#: costs it, an upheld one earns it from the organizer's bond (a bond of one reward covers 20).
DEFAULT_CHALLENGE_BOND_BPS = 500
#: The score tolerance when the test part's size is unknown: the cross-machine tolerance of a
#: 150-window test part (``bounty_client.ml.model.score_tolerance_bps``).
DEFAULT_SCORE_TOLERANCE = 200


def default_score_tolerance(test_windows: int) -> int:
    """Basis points within which a ruling confirms a posted score: the cross-machine tolerance for
    ``test_windows`` test windows, ``max(50, ceil(30000 / n))`` (a different CPU can flip a few
    borderline predictions: see ``bounty_client.ml.model.score_tolerance_bps``, the same rule), or
    :data:`DEFAULT_SCORE_TOLERANCE` when the size is unknown (0)."""
    if test_windows <= 0:
        return DEFAULT_SCORE_TOLERANCE
    return max(50, -(-30_000 // int(test_windows)))


#: The default commit deposit is this share of the reward (basis points: 1%) ...
DEFAULT_DEPOSIT_BPS = 100
#: ... and at least this many wei (0.001 ether), so spam costs more than its gas even on a tiny reward.
MIN_DEFAULT_DEPOSIT = 10**15


def default_commit_deposit(reward: int) -> int:
    """The commit deposit a bounty gets unless the organizer sets one (wei): 1% of ``reward``
    (:data:`DEFAULT_DEPOSIT_BPS`), at least 0.001 ether (:data:`MIN_DEFAULT_DEPOSIT`), at most the
    contract's uint64 limit.

    Why: an honest participant gets the deposit back when revealing, so it costs only the capital
    locked for one reveal period; a junk commitment is never revealed and its deposit is forfeited to
    the organizer.  Filling a cap of ``max_submissions`` then costs the spammer ``max_submissions`` %
    of the reward (a cap of 100 costs the whole reward), paid to the party the lock-out hurts.  The
    floor keeps spam dearer than its own gas (a commit is ~45,000 gas, 0.0009 ETH at 20 gwei)."""
    return min(max(int(reward) * DEFAULT_DEPOSIT_BPS // BPS, MIN_DEFAULT_DEPOSIT), MAX_COMMIT_DEPOSIT)


def parse_prize_shares(text: "str | Sequence[int]") -> tuple[int, ...]:
    """``"6000,3000,1000"`` (or a sequence of ints) -> ``(6000, 3000, 1000)``; ``""`` -> ``()``
    (winner takes all).  Raises :class:`ArgumentError` for a non-integer entry."""
    if not isinstance(text, str):
        return tuple(int(s) for s in text)
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ArgumentError(f"prize_shares: comma-separated integers (basis points), got {text!r}") from None


@dataclass(frozen=True)
class BountyTerms:
    """Validated terms of a bounty (amounts in wei, periods in seconds, shares in bps).

    ``commit_deposit`` (``None``: :func:`default_commit_deposit`, 1% of the reward and at least
    0.001 ether) is paid with each commit, returned on reveal and forfeited to the organizer otherwise.
    ``reward``, ``bond``, ``commit_deposit`` and ``challenge_bond`` also accept ``"1 ether"``/``"100 gwei"``/
    ``"0.5"`` (ether); ``prize_shares`` also accepts ``"6000,3000,1000"``.

    ``arbiter`` (an address; ``None``: no arbiter, the organizer's scores are trusted and cannot be
    challenged) rules on disputes.  With one, ``challenge_period`` (seconds after the evaluation
    deadline; default one day) is the window in which anyone may challenge a score or the test data,
    ``resolution_period`` (default one day) the arbiter's time to rule after it,
    ``challenge_bond`` (default 5% of the reward) what a challenger escrows, and
    ``score_tolerance`` (bps; default from the test part's size, :func:`default_score_tolerance`)
    how far a ruling may be from the posted score and still confirm it.  ``bond`` (``None``: equal to the
    reward) is escrowed beside the reward and burned if the bounty ends abandoned (SHARED), so the
    contract requires ``bond >= reward``: withholding the test data to pay sock puppets the shared
    reward then always costs the organizer more than it returns.  Raises :class:`ArgumentError`
    naming the field: reward not positive or above uint96, a bond below the reward or above uint96,
    a period not positive, ``max_submissions`` outside 1..65,535, a deposit above uint64, shares not
    1..5 positive entries summing to 10000 (the contract's checks, ``Bounty.initialize``)."""

    reward: int = 10**19
    submission_period: int = 3600
    reveal_period: int = 3600
    evaluation_period: int = 3600
    # 100 (not the contract's 65,535): the evaluation window must fit max_submissions worst-case
    # re-trainings (``Organizer.create`` checks), and a cap of 100 makes junk spam cost the reward.
    max_submissions: int = 100
    commit_deposit: "int | str | None" = None
    prize_shares: tuple[int, ...] = field(default=())
    bond: "int | None" = None
    arbiter: "str | None" = None
    challenge_period: "int | None" = None
    resolution_period: "int | None" = None
    challenge_bond: "int | str | None" = None
    score_tolerance: "int | None" = None

    @property
    def has_arbiter(self) -> bool:
        return self.arbiter is not None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalize once, here
        set_(self, "reward", parse_ether(self.reward))
        if self.arbiter is not None:
            set_(self, "arbiter", checksum_address(self.arbiter, "arbiter"))
            for name, default in (("challenge_period", DEFAULT_CHALLENGE_PERIOD),
                                  ("resolution_period", DEFAULT_RESOLUTION_PERIOD)):
                value = default if getattr(self, name) is None else getattr(self, name)
                if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                    raise ArgumentError(f"{name}: must be a positive number of seconds with an arbiter, got {value!r}")
                set_(self, name, value)
            bond = (self.reward * DEFAULT_CHALLENGE_BOND_BPS // BPS if self.challenge_bond is None
                    else parse_ether(self.challenge_bond))
            if not 0 < bond <= MAX_CHALLENGE_BOND:
                raise ArgumentError(f"challenge_bond: must be more than 0 and at most {MAX_CHALLENGE_BOND} wei, "
                                    f"got {bond}")
            set_(self, "challenge_bond", bond)
            if self.score_tolerance is not None and (isinstance(self.score_tolerance, bool) or
                                                     not isinstance(self.score_tolerance, int) or
                                                     not 0 <= self.score_tolerance <= BPS):
                raise ArgumentError(f"score_tolerance: must be 0..{BPS} bps, got {self.score_tolerance!r}")
        else:
            for name in ("challenge_period", "resolution_period", "challenge_bond", "score_tolerance"):
                if getattr(self, name) not in (None, 0):
                    raise ArgumentError(f"{name}: needs an arbiter (give one, or leave {name} out: without an "
                                        "arbiter the scores are trusted and cannot be challenged)")
            for name in ("challenge_period", "resolution_period", "challenge_bond", "score_tolerance"):
                set_(self, name, 0)
        set_(self, "bond", self.reward if self.bond is None else parse_ether(self.bond))
        set_(self, "commit_deposit", default_commit_deposit(self.reward) if self.commit_deposit is None
             else parse_ether(self.commit_deposit))
        set_(self, "prize_shares", parse_prize_shares(self.prize_shares))
        if not 0 < self.reward <= MAX_REWARD:
            raise ArgumentError(f"reward: must be more than 0 wei and at most {MAX_REWARD} wei, got {self.reward}")
        for name in ("submission_period", "reveal_period", "evaluation_period"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ArgumentError(f"{name}: must be a positive number of seconds, got {value!r}")
        if not isinstance(self.max_submissions, int) or not 1 <= self.max_submissions <= MAX_SUBMISSIONS:
            raise ArgumentError(f"max_submissions: must be 1..{MAX_SUBMISSIONS}, got {self.max_submissions!r}")
        if not self.reward <= self.bond <= MAX_BOND:
            raise ArgumentError(f"bond: must be at least the reward ({self.reward} wei) and at most {MAX_BOND} wei, "
                                f"got {self.bond}")
        if self.commit_deposit > MAX_COMMIT_DEPOSIT:
            raise ArgumentError(f"commit_deposit: at most {MAX_COMMIT_DEPOSIT} wei, got {self.commit_deposit}")
        shares = self.prize_shares
        if shares and (len(shares) > MAX_PRIZE_SHARES or sum(shares) != BPS or min(shares) <= 0):
            raise ArgumentError(f"prize_shares: 1 to {MAX_PRIZE_SHARES} positive basis-point shares summing to "
                                f"{BPS}, got {list(shares)}")

    @property
    def value(self) -> int:
        """Wei sent with ``BountyFactory.create``: the reward plus the bond."""
        return self.reward + self.bond

    def deadlines(self, start: int) -> tuple[int, int, int]:
        """``(submission, reveal, evaluation)`` deadlines (unix seconds) for a bounty opened at ``start``."""
        d1 = int(start) + self.submission_period
        d2 = d1 + self.reveal_period
        d3 = d2 + self.evaluation_period
        d5 = d3 + int(self.challenge_period or 0) + int(self.resolution_period or 0)
        if d5 > MAX_TIMESTAMP:
            raise ArgumentError(f"evaluation_period: the last deadline {d5} is past the contract's uint32 "
                                f"limit {MAX_TIMESTAMP} (shorten the periods)")
        return d1, d2, d3

    def factory_arguments(self, prepared: Prepared, start: int) -> dict[str, Any]:
        """``BountyFactory.create``'s arguments by name (see :meth:`bounty_client.chain.Factory.create`).

        Sealed mode: the test commitment and ``test_data_after = 0``.  Future-window mode (the
        spec's ``test.mode == "future"``): an empty commitment and ``test_data_after`` = the
        window's end (unix seconds); the window must open at or after the reveal deadline and
        end before the evaluation deadline, else :class:`ArgumentError` naming the period."""
        from .spec import chain_terms

        d1, d2, d3 = self.deadlines(start)
        spec = prepared.spec
        if spec.test.is_future:
            window_start, window_end = spec.test.window
            if window_start < d2:
                raise ArgumentError(
                    f"test window: opens at {window_start}, before the reveal deadline {d2} (start {start} + "
                    f"submission_period + reveal_period): prices published while reveals are open would allow "
                    f"selective reveals")
            if window_end >= d3:
                raise ArgumentError(f"evaluation_period: the evaluation deadline {d3} must come after the test "
                                    f"window's end {window_end}")
        # The spec's fields (data CIDs, lengths, minimum, cost bound, test_data_after) by the one mapping
        # that check_spec compares with the chain.
        fixed = chain_terms(spec)
        return dict(
            spec_cid=prepared.spec_cid,
            data_cids=fixed["data_cids"],
            min_accuracy=fixed["min_accuracy"],
            seq_len=fixed["seq_len"],
            future_period=fixed["future_period"],
            n_features=fixed["n_features"],
            # The evaluation cost bound: the largest Keras parameter count the spec's bounds allow.
            max_cost=fixed["max_cost"],
            submission_deadline=d1,
            reveal_deadline=d2,
            evaluation_deadline=d3,
            test_commitment=prepared.test_commitment,
            test_window_start=fixed["test_window_start"],
            test_data_after=fixed["test_data_after"],
            max_submissions=self.max_submissions,
            commit_deposit=self.commit_deposit,
            bond=self.bond,
            prize_shares=list(self.prize_shares),
            arbiter=self.arbiter or "0x" + "00" * 20,
            challenge_period=int(self.challenge_period),
            resolution_period=int(self.resolution_period),
            challenge_bond=int(self.challenge_bond),
            score_tolerance=(0 if not self.has_arbiter else self.score_tolerance if self.score_tolerance is not None
                             else default_score_tolerance(int(getattr(prepared, "test_windows", 0) or 0))),
        )


def check_factory_arguments(args: Mapping[str, Any], value: int, *, now: int) -> None:
    """Every check ``BountyFactory.create`` and ``Bounty.initialize`` make, on the exact ``Terms``
    ``args`` (:meth:`BountyTerms.factory_arguments`'s) and ``value`` (wei sent), for a transaction
    mined at ``now`` (unix seconds).  Raises :class:`ArgumentError` naming the first field the
    contract would refuse, so nothing is sent that would revert (the contract's own reasons are in
    contracts/Bounty.vy ``initialize`` and contracts/BountyFactory.vy ``create``)."""
    from .hyperparams import Hyperparameters, parameter_count

    def fail(name: str, rule: str) -> None:
        raise ArgumentError(f"{name}: {rule}, got {args.get(name)!r}")

    def uint(name: str, low: int, high: int) -> int:
        value_ = args.get(name)
        if not isinstance(value_, int) or isinstance(value_, bool) or not low <= value_ <= high:
            fail(name, f"must be an integer in {low}..{high}")
        return value_

    cid = args.get("spec_cid")
    if not isinstance(cid, str) or not 0 < len(cid.encode()) <= MAX_CID_LENGTH:
        fail("spec_cid", f"must be a CID of 1..{MAX_CID_LENGTH} bytes")
    cids = args.get("data_cids")
    if not isinstance(cids, (list, tuple)) or not 0 < len(cids) <= MAX_DATA_CIDS or not all(
        isinstance(c, str) and 0 < len(c.encode()) <= MAX_CID_LENGTH for c in cids
    ):
        fail("data_cids", f"must be 1..{MAX_DATA_CIDS} CIDs of 1..{MAX_CID_LENGTH} bytes each")
    bond = uint("bond", 1, MAX_BOND)
    if not isinstance(value, int) or value <= bond:
        raise ArgumentError(f"value: must exceed the bond {bond} wei (value = reward + bond), got {value!r}")
    reward = value - bond
    if reward > MAX_REWARD:
        raise ArgumentError(f"reward: at most {MAX_REWARD} wei, got {reward}")
    if bond < reward:
        fail("bond", f"must be at least the reward ({reward} wei)")
    uint("min_accuracy", 0, BPS)
    uint("seq_len", 1, MAX_UINT16)
    uint("future_period", 1, MAX_UINT16)
    n_features = uint("n_features", 1, MAX_UINT16)
    smallest = parameter_count(Hyperparameters(1, 1, 0, "relu", "binary_crossentropy"), n_features)
    uint("max_cost", smallest, MAX_COST)
    d1 = uint("submission_deadline", int(now) + 1, MAX_TIMESTAMP)
    d2 = uint("reveal_deadline", d1 + 1, MAX_TIMESTAMP)
    d3 = uint("evaluation_deadline", d2 + 1, MAX_TIMESTAMP)
    commitment = args.get("test_commitment")
    after = args.get("test_data_after")
    if commitment is None or bytes(commitment) == bytes(32):
        start = uint("test_window_start", d2, d3 - 1)
        uint("test_data_after", start, d3 - 1)
    elif after != 0:
        fail("test_data_after", "must be 0 with a sealed test commitment")
    elif args.get("test_window_start") != 0:
        fail("test_window_start", "must be 0 with a sealed test commitment")
    uint("score_tolerance", 0, BPS)
    arbiter = args.get("arbiter")
    if arbiter is None or int(str(arbiter), 16) == 0:
        for name in ("challenge_period", "resolution_period", "challenge_bond"):
            if args.get(name) != 0:
                fail(name, "must be 0 without an arbiter")
    else:
        challenge = uint("challenge_period", 1, MAX_TIMESTAMP)
        uint("resolution_period", 1, MAX_TIMESTAMP - d3 - challenge)
        uint("challenge_bond", 1, MAX_CHALLENGE_BOND)
    uint("max_submissions", 1, MAX_SUBMISSIONS)
    uint("commit_deposit", 0, MAX_COMMIT_DEPOSIT)
    shares = list(args.get("prize_shares") or [])
    if len(shares) > MAX_PRIZE_SHARES or (shares and (sum(shares) != BPS or min(shares) <= 0)):
        fail("prize_shares", f"must be 0 to {MAX_PRIZE_SHARES} positive basis-point shares summing to {BPS}")


#: Any valid CID: ``load_spec`` validates a whole spec, data files included, but a template's
#: data CIDs are only known after the files are stored, which must come after validation.
PLACEHOLDER_CID = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
