"""Who is paid what: a pure Python mirror of the settlement in ``contracts/Bounty.vy``.

Given what the chain knows at ``finalize`` (the revealed ids and their submitters, the scores on
record, the terms, the bond the disputes left), :func:`settle` returns what the contract pays: the
qualified set, the ranking (``Bounty.ranking()``), every credit with its reason (``Credited.reason``,
:class:`~bounty_client.protocol.wire.CreditReason`) and what each submission can claim.  The rules,
from ``contracts/Bounty.vy`` (``post_scores``, ``finalize``, ``claim``, ``cancel``; DESIGN.md
"Scores and payout"):

* a score qualifies when ``score >= min_accuracy`` (bps); a revealed submission scored below it is
  *disqualified*: its deposit goes to the organizer;
* ranking: the top ``K = len(prize_shares)`` qualified scores, best first; equal scores
  go to the earlier commit (lower id);
* **PRIZES** (every revealed id scored, someone qualified): rank ``i`` gets
  ``reward * prize_shares[i] // 10000`` and its deposit back; unfilled ranks and the rounding
  dust are refunded to the organizer, the bond comes back;
* **REFUNDED** (nothing revealed, or every revealed id scored and nobody qualified):
  the reward and the bond to the organizer;
* **SHARED** (something revealed but not every revealed id scored: abandonment; or the test data
  voided by an upheld challenge): ``share = reward // eligible`` per eligible submission (revealed
  and not disqualified; after a void, every revealed one), claimed with its deposit; the dust to
  the organizer; the bond is burned;
* the fail-safe (a dispute still open at the resolution deadline): the scores on record stand
  and the bond is burned;
* deposits: a winner's comes back with its prize (``DEPOSIT``); every other eligible
  submission claims its own (:attr:`Settlement.claims`); deposits of commitments never revealed
  and of disqualified submissions go to the organizer (``FORFEIT``) whatever the outcome
  (after a void, only the unrevealed ones);
* **CANCELLED** (:func:`settle_cancel`, before the first commit): reward and bond back.

Challenges pay at their ruling (``CHALLENGE_*`` credits), not at settlement: the ``bond`` given
here is what they left of it.  :meth:`bounty_client.chain.Bounty.settlement` reads the same
figures from a deployed bounty, so the two compare field by field (:func:`differences`).  Why our
own code: this *is* the rule being checked; no library knows it.  A Hypothesis test keeps it equal
to the contract on Anvil for random score sets, challenges and rulings.

Pure Python, no chain reads (those are ``Bounty.settlement``'s): cheap to import.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Mapping, Sequence

from ..errors import ArgumentError
from .wire import BPS, MAX_PRIZE_SHARES, MAX_REWARD, CreditReason, Outcome, checksum_address

__all__ = ["Claim", "Credit", "SETTLEMENT_REASONS", "Settlement", "rank", "settle", "settle_cancel", "differences"]


@dataclass(frozen=True)
class Credit:
    """One ``Credited`` event: ``amount`` wei credited to ``account`` for ``reason``."""

    account: str
    amount: int
    reason: CreditReason

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "amount_wei": self.amount, "reason": self.reason.name}


@dataclass(frozen=True)
class Claim:
    """What ``claim([id])`` pays one submission's revealer after settlement: its ``deposit`` back
    and, after SHARED, its ``share`` (wei)."""

    id: int
    account: str
    deposit: int
    share: int = 0

    @property
    def amount(self) -> int:
        return self.deposit + self.share

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "account": self.account, "deposit_wei": self.deposit, "share_wei": self.share}


#: The reasons ``finalize`` credits (the others come from rulings, at their time).
SETTLEMENT_REASONS = (CreditReason.PRIZE, CreditReason.DEPOSIT, CreditReason.REFUND, CreditReason.BOND,
                      CreditReason.FORFEIT)


@dataclass(frozen=True)
class Settlement:
    """What a bounty pays.

    ``qualified``: ids with a score on record ``>= min_accuracy``, ascending.  ``ranking``:
    ``(id, score_bps)`` of the top-K qualified, best first (what ``Bounty.ranking()``
    returns).  ``credits``: every credit ``finalize`` makes (wei) with its reason.  ``claims``:
    what each other eligible submission can claim (deposit, and after SHARED its share).
    ``abandon_share`` (wei, SHARED only), ``burned`` (wei: the bond under SHARED or the
    fail-safe).
    """

    outcome: Outcome
    qualified: tuple[int, ...] = ()
    ranking: tuple[tuple[int, int], ...] = ()
    credits: tuple[Credit, ...] = ()
    abandon_share: int = 0
    burned: int = 0
    claims: tuple[Claim, ...] = ()

    def totals(self) -> dict[str, int]:
        """Wei per address over every credit and claim: what each address ends up with."""
        out: dict[str, int] = defaultdict(int)
        for c in self.credits:
            out[c.account] += c.amount
        for c in self.claims:
            out[c.account] += c.amount
        return dict(out)

    def by_reason(self) -> dict[tuple[str, CreditReason], int]:
        """Wei per ``(address, reason)`` of the settlement's credits (ruling credits left out)."""
        out: dict[tuple[str, CreditReason], int] = defaultdict(int)
        for c in self.credits:
            if c.reason in SETTLEMENT_REASONS:
                out[(c.account, c.reason)] += c.amount
        return dict(out)

    def claim_totals(self) -> dict[str, int]:
        """Wei per address its submissions can claim (or claimed): the granularity the chain keeps
        once a claim is paid (one ``Claimed`` event per call)."""
        out: dict[str, int] = defaultdict(int)
        for c in self.claims:
            out[c.account] += c.amount
        return dict(out)

    @property
    def winners(self) -> tuple[int, ...]:
        """Ranked ids (best first); empty unless the outcome is PRIZES."""
        return tuple(i for i, _ in self.ranking) if self.outcome is Outcome.PRIZES else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.name,
            "qualified": list(self.qualified),
            "ranking": [{"id": i, "score_bps": s} for i, s in self.ranking],
            "credits": [c.to_dict() for c in self.credits],
            "claims": [c.to_dict() for c in self.claims],
            "abandon_share_wei": self.abandon_share,
            "burned_wei": self.burned,
        }


def _check_bps(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or not 0 <= value <= BPS:
        raise ArgumentError(f"{name}: must be an integer 0..{BPS} bps, got {value!r}")
    return int(value)


def _prize_shares(prize_shares: Sequence[int]) -> tuple[int, ...]:
    shares = tuple(prize_shares) or (BPS,)
    if (len(shares) > MAX_PRIZE_SHARES or sum(shares) != BPS
            or any(isinstance(s, bool) or not isinstance(s, int) or s <= 0 for s in shares)):
        raise ArgumentError(f"prize_shares: 1 to {MAX_PRIZE_SHARES} positive basis-point shares summing to {BPS}, "
                            f"got {list(prize_shares)}")
    return shares


def rank(scores: Mapping[int, int], min_accuracy: int, k: int = 1) -> tuple[tuple[int, int], ...]:
    """The top ``k`` qualified ``(id, score_bps)`` pairs, best first: higher score, then lower id.

    ``scores``: ``{id: bps}``; a score qualifies at ``>= min_accuracy``.  Raises
    ``ArgumentError`` for a score or ``min_accuracy`` outside 0..10000 or ``k`` outside 1..5."""
    _check_bps("min_accuracy", min_accuracy)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_PRIZE_SHARES:
        raise ArgumentError(f"k: must be 1..{MAX_PRIZE_SHARES} ranks, got {k!r}")
    entries = [(int(i), _check_bps(f"scores[{i}]", s)) for i, s in scores.items()]
    qualified = [e for e in entries if e[1] >= min_accuracy]
    return tuple(sorted(qualified, key=lambda e: (-e[1], e[0]))[:k])


def settle(
    *,
    organizer: Any,
    reward: int,
    bond: int,
    revealed: Mapping[int, Any],
    scores: Mapping[int, int],
    min_accuracy: int,
    prize_shares: Sequence[int] = (),
    commit_deposit: int = 0,
    submission_count: "int | None" = None,
    voided: bool = False,
    fail_safe: bool = False,
) -> Settlement:
    """What ``finalize`` credits and what each submission can then ``claim``.

    ``organizer``: address; ``reward``, ``commit_deposit``: wei; ``bond``: wei of bond left at
    finalize (the bond escrowed at creation less what upheld challenges took; at least the reward
    when no challenge was upheld); ``revealed``: ``{id: submitter address}`` of every revealed
    submission; ``scores``: ``{id: bps}`` on record (posted, rulings applied; a subset of
    ``revealed``); ``min_accuracy``: bps; ``prize_shares``: bps per rank summing to 10000
    (``()`` = winner takes all); ``submission_count``: commitments made (default
    ``len(revealed)``: no forfeits); ``voided``: an upheld challenge voided the test data;
    ``fail_safe``: a dispute was still open at the resolution deadline.

    Credits come in the contract's order: PRIZE then DEPOSIT per rank, then REFUND, BOND, FORFEIT.
    A zero amount is never credited (the contract emits no event for it).

    Raises ``ArgumentError`` for terms the contract would refuse (reward 0 or above 2**96 - 1, bad
    shares or bps, a negative bond) or a scored id that was never revealed."""
    if isinstance(reward, bool) or not isinstance(reward, int) or not 0 < reward <= MAX_REWARD:
        raise ArgumentError(f"reward: must be 1..{MAX_REWARD} wei, got {reward!r}")
    if isinstance(bond, bool) or not isinstance(bond, int) or bond < 0:
        raise ArgumentError(f"bond: must be a non-negative integer of wei, got {bond!r}")
    if isinstance(commit_deposit, bool) or not isinstance(commit_deposit, int) or commit_deposit < 0:
        raise ArgumentError(f"commit_deposit: must be a non-negative integer of wei, got {commit_deposit!r}")
    shares = _prize_shares(prize_shares)
    organizer = checksum_address(organizer)
    submitters = {int(i): checksum_address(a) for i, a in revealed.items()}
    count = len(submitters) if submission_count is None else int(submission_count)
    if count < len(submitters) or any(i < 0 or i >= count for i in submitters):
        raise ArgumentError(f"submission_count: {count} commitments cannot hold revealed ids {sorted(submitters)}")
    unknown = sorted(set(int(i) for i in scores) - set(submitters))
    if unknown:
        raise ArgumentError(f"scores: ids {unknown} were never revealed (the contract refuses their scores)")

    ranking = rank(scores, min_accuracy, len(shares))
    qualified = tuple(sorted(int(i) for i, s in scores.items() if s >= min_accuracy))
    disqualified = set() if voided else {int(i) for i, s in scores.items() if s < min_accuracy}
    credits: list[Credit] = []
    n_revealed, n_scored = len(submitters), len(scores)
    refund, share, burned = reward, 0, 0
    outcome = Outcome.REFUNDED
    winners: set[int] = set()
    if n_revealed and n_scored == n_revealed and not voided:
        if ranking:
            outcome = Outcome.PRIZES
            for (sid, _), bps in zip(ranking, shares):
                amount = reward * bps // BPS
                if amount:
                    credits.append(Credit(submitters[sid], amount, CreditReason.PRIZE))
                if commit_deposit:
                    credits.append(Credit(submitters[sid], commit_deposit, CreditReason.DEPOSIT))
                winners.add(sid)
                refund -= amount
    elif n_revealed:
        outcome = Outcome.SHARED
        share = reward // (n_revealed - len(disqualified))
        refund = reward - share * (n_revealed - len(disqualified))
        burned = bond
    if fail_safe:
        burned = bond
    forfeits = commit_deposit * (count - n_revealed + len(disqualified))
    for amount, reason in ((refund, CreditReason.REFUND), (bond - burned, CreditReason.BOND),
                           (forfeits, CreditReason.FORFEIT)):
        if amount:
            credits.append(Credit(organizer, amount, reason))
    claims = tuple(Claim(i, submitters[i], commit_deposit, share) for i in sorted(submitters)
                   if i not in winners and i not in disqualified and commit_deposit + share)
    # ranking() keeps the top K of the scores on record whatever the outcome.
    return Settlement(outcome, qualified, ranking, tuple(credits), share, burned, claims)


def settle_cancel(*, organizer: Any, reward: int, bond: int) -> Settlement:
    """What ``cancel()`` credits (before any commit): the reward (REFUND) and the bond (BOND)."""
    organizer = checksum_address(organizer)
    return Settlement(Outcome.CANCELLED, credits=(Credit(organizer, reward, CreditReason.REFUND),
                                                  Credit(organizer, bond, CreditReason.BOND)))


def differences(posted: Settlement, derived: Settlement, *, posted_name: str = "chain",
                derived_name: str = "derived") -> list[str]:
    """One line per difference between two settlements: outcome, qualified set, ranking (ids
    and order), and each ``(address, reason)`` credit total in wei.  Empty when they agree."""
    lines = []
    if posted.outcome is not derived.outcome:
        lines.append(f"outcome: {posted_name} {posted.outcome.name}, {derived_name} {derived.outcome.name}")
    if posted.qualified != derived.qualified:
        lines.append(f"qualified set: {posted_name} {list(posted.qualified)}, {derived_name} {list(derived.qualified)}")
    p_ids, d_ids = [i for i, _ in posted.ranking], [i for i, _ in derived.ranking]
    if p_ids != d_ids:
        lines.append(f"ranking (best first): {posted_name} {p_ids}, {derived_name} {d_ids}")
    p, d = posted.by_reason(), derived.by_reason()
    for key in sorted(set(p) | set(d), key=lambda k: (k[1], k[0])):
        if p.get(key, 0) != d.get(key, 0):
            account, reason = key
            lines.append(f"credit {reason.name} to {account}: {posted_name} {p.get(key, 0)} wei, "
                         f"{derived_name} {d.get(key, 0)} wei")
    pc, dc = posted.claim_totals(), derived.claim_totals()
    for account in sorted(set(pc) | set(dc)):
        if pc.get(account, 0) != dc.get(account, 0):
            lines.append(f"claims of {account} (deposits and shares): {posted_name} {pc.get(account, 0)} wei, "
                         f"{derived_name} {dc.get(account, 0)} wei")
    return lines
