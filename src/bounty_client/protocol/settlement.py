"""Who is paid what: a pure Python mirror of ``Bounty.vy``'s settlement.

Given what the chain knows at ``finalize`` (the revealed ids and their submitters,
the posted scores, the terms), :func:`settle` returns what the contract credits:
the qualified set, the ranking (``Bounty.ranking()``) and every credit with its
reason (``Credited.reason``, :class:`~bounty_client.protocol.wire.CreditReason`).  The rules,
from ``contracts/Bounty.vy`` (``post_scores``, ``finalize``, ``claim_shares``,
``cancel``; DESIGN.md "Scores and payout"):

* a score qualifies when ``score >= min_accuracy`` (bps);
* ranking: the top ``K = len(prize_shares)`` qualified scores, best first; equal scores
  go to the earlier commit (lower id);
* **PRIZES** (every revealed id scored, someone qualified): rank ``i`` gets
  ``reward * prize_shares[i] // 10000``; unfilled ranks and the rounding dust are
  refunded to the organizer, the bond comes back;
* **REFUNDED** (nothing revealed, or every revealed id scored and nobody qualified):
  the reward and the bond to the organizer;
* **SHARED** (something revealed but not every revealed id scored: abandonment):
  ``share = reward // revealed``, claimable per revealed id by its submitter; the
  dust ``reward - share * revealed`` to the organizer; the bond is burned;
* deposits: each reveal credits its deposit back (``DEPOSIT``); deposits of
  commitments never revealed go to the organizer at finalize (``FORFEIT``) whatever
  the outcome;
* **CANCELLED** (:func:`settle_cancel`, before the first commit): reward and bond back.

:meth:`bounty_client.chain.Bounty.settlement` reads the same figures from a deployed bounty (views
and ``Credited`` events), so the two compare field by field (:func:`differences`).
Why our own code: this *is* the rule being checked; no library knows it.  A
Hypothesis test keeps it equal to the contract on Anvil for random score sets.

Pure Python, no chain reads (those are ``Bounty.settlement``'s): cheap to import.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Mapping, Sequence

from ..errors import ArgumentError
from .wire import BPS, MAX_PRIZE_SHARES, MAX_REWARD, CreditReason, Outcome, checksum_address

__all__ = ["Credit", "Settlement", "rank", "settle", "settle_cancel", "differences"]


@dataclass(frozen=True)
class Credit:
    """One ``Credited`` event: ``amount`` wei credited to ``account`` for ``reason``."""

    account: str
    amount: int
    reason: CreditReason

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "amount_wei": self.amount, "reason": self.reason.name}


@dataclass(frozen=True)
class Settlement:
    """What a bounty pays.

    ``qualified``: ids with a posted score ``>= min_accuracy``, ascending.  ``ranking``:
    ``(id, score_bps)`` of the top-K qualified, best first (what ``Bounty.ranking()``
    returns).  ``credits``: every credit (wei) with its reason; for SHARED, one SHARE
    per revealed id (what its submitter can claim).  ``abandon_share`` (wei, SHARED
    only), ``burned`` (wei: the bond under SHARED).
    """

    outcome: Outcome
    qualified: tuple[int, ...] = ()
    ranking: tuple[tuple[int, int], ...] = ()
    credits: tuple[Credit, ...] = ()
    abandon_share: int = 0
    burned: int = 0

    def totals(self) -> dict[str, int]:
        """Wei per address over every credit (what ``credits(address)`` shows before any withdrawal)."""
        out: dict[str, int] = defaultdict(int)
        for c in self.credits:
            out[c.account] += c.amount
        return dict(out)

    def by_reason(self) -> dict[tuple[str, CreditReason], int]:
        """Wei per ``(address, reason)``: the granularity the two sides are compared at."""
        out: dict[tuple[str, CreditReason], int] = defaultdict(int)
        for c in self.credits:
            out[(c.account, c.reason)] += c.amount
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
) -> Settlement:
    """What ``finalize`` (and the ``claim_shares`` it opens) credits.

    ``organizer``: address; ``reward``, ``bond``, ``commit_deposit``: wei; ``revealed``:
    ``{id: submitter address}`` of every revealed submission; ``scores``: ``{id: bps}``
    posted (a subset of ``revealed``); ``min_accuracy``: bps; ``prize_shares``: bps per
    rank summing to 10000 (``()`` = winner takes all); ``submission_count``: commitments
    made (default ``len(revealed)``: no forfeits).

    Credits come in the contract's order: DEPOSITs (reveal, by id), PRIZEs (rank order),
    REFUND, BOND, FORFEIT (finalize), then one SHARE per revealed id (SHARED).  A zero
    amount is never credited (the contract emits no event for it).

    Raises ``ArgumentError`` for terms the contract would refuse (reward 0 or above
    2**96 - 1, bond below the reward, bad shares or bps) or a scored id that was never
    revealed."""
    if isinstance(reward, bool) or not isinstance(reward, int) or not 0 < reward <= MAX_REWARD:
        raise ArgumentError(f"reward: must be 1..{MAX_REWARD} wei, got {reward!r}")
    if isinstance(bond, bool) or not isinstance(bond, int) or bond < reward:
        raise ArgumentError(f"bond: must be an integer of wei >= the reward {reward}, got {bond!r}")
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
    credits = [Credit(submitters[i], commit_deposit, CreditReason.DEPOSIT) for i in sorted(submitters)
               if commit_deposit]
    n_revealed, n_scored = len(submitters), len(scores)
    refund, share, burned = reward, 0, 0
    outcome = Outcome.REFUNDED
    if n_revealed and n_scored == n_revealed:
        if ranking:
            outcome = Outcome.PRIZES
            for (sid, _), bps in zip(ranking, shares):
                amount = reward * bps // BPS
                if amount:
                    credits.append(Credit(submitters[sid], amount, CreditReason.PRIZE))
                refund -= amount
    elif n_revealed:
        outcome = Outcome.SHARED
        share = reward // n_revealed
        refund = reward - share * n_revealed
        burned = bond
    forfeits = commit_deposit * (count - n_revealed)
    for amount, reason in ((refund, CreditReason.REFUND), (bond - burned, CreditReason.BOND),
                           (forfeits, CreditReason.FORFEIT)):
        if amount:
            credits.append(Credit(organizer, amount, reason))
    if share:
        credits += [Credit(submitters[i], share, CreditReason.SHARE) for i in sorted(submitters)]
    # ranking() keeps the top K of the posted scores whatever the outcome.
    return Settlement(outcome, qualified, ranking, tuple(credits), share, burned)


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
    return lines
