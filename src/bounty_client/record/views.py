"""What a person (or the web explorer) reads about a bounty: the leaderboard, who was credited what and
why, the challenges and rulings, and the whole record as one page sees it.

Read-only views over :class:`~bounty_client.chain.Bounty` and the content store, returned as
DataFrames, lines of text and plain dataclasses::

    leaderboard(bounty, store)                   # scores on record, qualification, prizes, disputes; baseline
    explain_credits(bounty, receipt)             # who was credited what, and why
    disputes(bounty)                             # every challenge and its ruling
    bounty_view(bounty, store)                   # the whole record: BountyView (what the explorer renders)
    bounty_summaries(factory, store)             # a factory's bounties, one BountySummary each
    timeline(view, now), score_standing(view, now), stage_at(...)    # what a view means at chain time now
    address_view(address, views)                 # one address across bounties
    verification_view(report)                    # a verify report as plain data (the page's verdict)
    bounty_list(factory, store)                  # a factory's bounties as a table (the list command)

Nothing here imports a web framework; :mod:`bounty_client.explorer` renders these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..protocol.wire import BPS, TEST_DATA_KEY, CreditReason, Stage, stage_at
from ..storage.base import ContentStore

if TYPE_CHECKING:  # pragma: no cover
    from ..chain import Bounty

__all__ = [
    "NO_ARBITER", "AddressRow", "AddressView", "ArbiterView", "BountySummary", "BountyView", "CreditRow", "DisputeRow",
    "EventRow", "FileEntry", "JuryProgress", "LeaderRow", "Leaderboard", "PaymentRow", "Step", "SubmissionRow", "Term",
    "address_view", "bounty_list", "bounty_summaries", "bounty_view", "credit_why", "credited", "disputes", "event_summary",
    "explain_credits", "leaderboard", "next_deadline", "score_standing", "stage_at", "timeline", "verification_view",
]


def credited(bounty: "Bounty", receipts: Any = None) -> list[tuple[str, int, CreditReason]]:
    """``(account, amount in wei, reason)`` of every ``Credited`` event of ``bounty`` (or of ``receipts``,
    one transaction receipt or a list of them)."""
    return [(c.account, c.amount, c.reason) for c in bounty.credited(receipts)]


# One phrase per ``Credited.reason`` (every member of wire.CreditReason; a test checks none is missing).
_WHY = {CreditReason.PRIZE: "prize", CreditReason.REFUND: "refund of the reward (organizer)",
        CreditReason.DEPOSIT: "commit deposit back, with the prize", CreditReason.SHARE: "abandonment share",
        CreditReason.BOND: "bond back (organizer)",
        CreditReason.FORFEIT: "deposits of commitments never revealed or scored below the minimum (organizer)",
        CreditReason.CHALLENGE_BOND: "challenge bond (and fee) back",
        CreditReason.CHALLENGE_REWARD: "challenger's reward, from the organizer's bond",
        CreditReason.CHALLENGE_LOST: "bond of a rejected challenge (organizer)"}


def explain_credits(bounty: "Bounty", receipt: Any = None, account: "str | None" = None,
                    pending: "int | None" = None) -> list[str]:
    """One line per credit, ``"0xabc.. gets 0.9 ETH: prize"``: from the ``Credited`` events of
    ``receipt`` (one receipt or a list of them), else from every ``Credited`` event of ``bounty``
    (of ``account`` only, if given).  ``pending`` (wei: the account's credit now) keeps only the credits
    it is made of: the latest ones summing to it, since a withdrawal takes the whole credit and credits
    only add up (the ones already withdrawn are left out)."""
    rows = credited(bounty, receipt)
    if account is not None:
        rows = [r for r in rows if r[0].lower() == str(account).lower()]
    if pending is not None:
        kept, total = [], 0
        for row in reversed(rows):
            if total >= pending:
                break
            kept.append(row)
            total += row[1]
        rows = list(reversed(kept)) if total == pending else rows[len(rows) - len(kept):]
    return [f"{who} gets {amount / 1e18:g} ETH: {_WHY[why]}" for who, amount, why in rows]


def leaderboard(bounty: "Bounty", store: ContentStore, *, status: Any = None,
                submitters: "dict[int, str] | None" = None) -> Any:
    """Scores on record as a DataFrame, best first, indexed by ``rank`` (1 = best): ``submission_id``,
    ``submitter``, ``score_bps`` (posted, or the arbiter's ruling where a challenge was upheld),
    ``qualifies`` (score >= ``min_accuracy``), ``prize_eth`` (credited once finalized, else what the
    current ranking would pay), ``dispute`` (``"open"``, ``"upheld (posted N)"``, ``"rejected"`` or
    empty).  When the posted report is in ``store`` and a score is posted, a last row, not ranked (its
    rank, ``qualifies`` and ``prize_eth`` are ``"-"``; ``submission_id`` is ``"baseline"``), gives the
    score of always predicting the test part's majority class, for comparison.  No score: an empty
    frame.  Before the challenge deadline every score is provisional (``status()`` says until when).
    ``status`` (a ``bounty.status()``) and ``submitters`` (``{id: revealer}``): what the caller already
    read, not read again."""
    import pandas as pd

    from ..ml.evaluation.result import EvaluationResult

    st = bounty.status() if status is None else status
    scores = dict(st.scores)
    _, reports = bounty.posted_scores()
    notes: dict[int, str] = {}
    for d in st.disputes:
        if d.kind.name == "SCORE":
            notes[d.key] = ("open" if d.open else f"upheld (posted {d.posted})" if d.upheld else "rejected")
    if submitters is None:
        submitters = {s.id: s.submitter for s in bounty.revealed_submissions()}
    prizes: dict[int, float] = {}
    if st.stage is Stage.FINALIZED:
        paid: dict[str, int] = {}
        for who, amount, why in credited(bounty):
            if why is CreditReason.PRIZE:
                paid[who.lower()] = paid.get(who.lower(), 0) + amount
        for i, _ in st.ranking:  # a winner's credit per ranked id (one prize per id)
            who = submitters.get(i, "").lower()
            if who in paid:
                prizes[i] = paid.pop(who) / 1e18
    else:
        shares = list(st.prize_shares) or [BPS]
        for (i, _), share in zip(st.ranking, shares):
            prizes[i] = st.reward * share // BPS / 1e18
    rows = [{"submission_id": i, "submitter": submitters.get(i, "?"), "score_bps": s,
             "qualifies": s >= st.min_accuracy, "prize_eth": prizes.get(i, 0.0), "dispute": notes.get(i, "")}
            for i, s in scores.items()]
    rows.sort(key=lambda r: (-r["score_bps"], r["submission_id"]))
    baseline = None
    if reports and store.has(reports[-1]):
        try:
            baseline = EvaluationResult.from_report(json.loads(store.get(reports[-1]))).baseline_bps
        except Exception:  # noqa: BLE001 - an unreadable report only loses the baseline row
            baseline = None
    ranks: list[Any] = list(range(1, len(rows) + 1))
    if baseline is not None and rows:
        rows.append({"submission_id": "baseline", "submitter": "(always the majority class)",
                     "score_bps": int(baseline), "qualifies": "-", "prize_eth": "-", "dispute": ""})
        ranks.append("-")
    frame = pd.DataFrame(rows, columns=["submission_id", "submitter", "score_bps", "qualifies", "prize_eth",
                                        "dispute"])
    frame.index = pd.Index(ranks, name="rank")
    return frame


def _next_deadline(st: Any) -> tuple[str, "int | None"]:
    """``(what closes, when)`` for the current stage of a status snapshot (``None``: no deadline left)."""
    by_stage = {Stage.SUBMISSION: ("commits close", st.submission_deadline),
                Stage.REVEAL: ("reveals close", st.reveal_deadline),
                Stage.EVALUATION: ("evaluation closes", st.evaluation_deadline),
                Stage.CHALLENGE: ("challenges close", st.challenge_deadline),
                Stage.ARBITRATION: ("rulings close", st.resolution_deadline)}
    return by_stage.get(st.stage, ("finalize now" if st.stage is Stage.EXPIRED else "", None))


def bounty_list(factory: Any = None, store: "ContentStore | None" = None) -> Any:
    """Every bounty of ``factory`` (as :func:`bounty_client.chain.list_bounties` finds it) as a DataFrame, oldest
    first: ``bounty``, ``name`` (from its spec when ``store`` holds it, else empty), ``stage`` (with the
    outcome once settled: ``FINALIZED PRIZES``), ``reward`` (ETH), ``commits``, ``leader`` (``"#2 5389 bps"``:
    the first place of the ranking), ``stage ends`` (the current stage's deadline relative to chain time:
    ``"in 23h59m"``; ``"finalize now"`` once expired), ``next_deadline`` (what that deadline closes), and
    for programs ``organizer``, ``outcome``, ``spec_cid``, ``deadline`` (unix seconds),
    ``leader_id`` and ``leader_bps``.  Raises ``ChainError`` when no factory is known."""
    import pandas as pd

    from ..chain import Bounty, list_bounties, relative_time

    found = list_bounties(factory)
    columns = ["bounty", "name", "stage", "reward", "commits", "leader", "stage ends", "next_deadline",
               "organizer", "outcome", "spec_cid", "deadline", "leader_id", "leader_bps"]
    rows = []
    for row in found.to_dict(orient="records") if len(found) else []:
        b = Bounty.at(row["bounty"])
        st = b.status()
        name = ""
        if store is not None and store.has(row["spec_cid"]):
            try:
                name = str(json.loads(store.get(row["spec_cid"])).get("name", ""))
            except (ValueError, AttributeError):
                name = ""
        what, when = _next_deadline(st)
        leader = st.ranking[0] if st.ranking else None
        rows.append({"bounty": st.address, "name": name,
                     "stage": st.stage.name + (f" {st.outcome.name}" if st.stage is Stage.FINALIZED else ""),
                     "reward": st.reward / 1e18, "commits": st.submission_count,
                     "leader": f"#{leader[0]} {leader[1]} bps" if leader else "",
                     "stage ends": relative_time(when, st.now) if when else what,
                     "next_deadline": what if when else "",
                     "organizer": st.organizer, "outcome": st.outcome.name, "spec_cid": row["spec_cid"],
                     "deadline": when, "leader_id": leader[0] if leader else None,
                     "leader_bps": leader[1] if leader else None})
    return pd.DataFrame(rows, columns=columns)


def disputes(bounty: "Bounty") -> Any:
    """Every challenge of ``bounty`` as a DataFrame, in the order opened: ``key`` (submission id, or
    ``"test data"``), ``challenger``, ``posted_bps``, ``claimed_bps``, ``bond_eth``, ``fee_eth``,
    ``state`` (open / upheld / rejected), ``ruling`` and the transaction hashes."""
    import pandas as pd

    rows = []
    for d in bounty.disputes():
        data = d.kind.name == "TEST_DATA"
        rows.append({"key": "test data" if data else d.key, "challenger": d.challenger,
                     "posted_bps": None if data else d.posted, "claimed_bps": None if data else d.claimed,
                     "bond_eth": d.bond / 1e18, "fee_eth": d.fee / 1e18,
                     "state": "open" if d.open else "upheld" if d.upheld else "rejected",
                     "ruling": d.ruling, "tx": d.tx, "ruled_tx": d.ruled_tx})
    return pd.DataFrame(rows, columns=["key", "challenger", "posted_bps", "claimed_bps", "bond_eth", "fee_eth",
                                       "state", "ruling", "tx", "ruled_tx"])



# ====================================================================== a bounty's whole record, for a page
# What the explorer (or any page) shows, as plain dataclasses built from the chain and the store; no web
# framework here.  ``bounty_view`` reads one bounty, ``bounty_summaries`` a factory's list, and the pure
# functions (``stage_at``, ``timeline``, ``score_standing``, ``address_view``, ``verification_view``) turn
# them into what a reader sees at a given chain time.

#: What a page says where a bounty has no arbiter (no challenge window).
NO_ARBITER = "none: scores are trusted (checkable with verify)"

_PAID_WHY = {"Withdrawn": "withdrew its credit", "Claimed": "claimed deposits (and shares) of its submissions"}


def credit_why(reason: CreditReason) -> str:
    """The phrase for a ``Credited.reason`` (``"prize"``, ``"challenger's reward, from the organizer's bond"``)."""
    return _WHY[CreditReason(reason)]


@dataclass(frozen=True)
class Term:
    """One row of a bounty's terms: ``label``, ``value`` as people read it and a ``hint``."""

    label: str
    value: str
    hint: str = ""


@dataclass(frozen=True)
class Step:
    """One stage of the timeline: ``state`` is ``done``, ``current``, ``next`` or ``skipped``; ``starts``
    and ``ends`` are unix seconds (``None``: not fixed)."""

    stage: str
    title: str
    starts: "int | None"
    ends: "int | None"
    state: str
    what: str


@dataclass(frozen=True)
class FileEntry:
    """A CID of the public record: ``kind`` (spec, training data, test set, test data, report), the name a
    download gets and its media type."""

    kind: str
    label: str
    cid: str
    filename: str
    media_type: str


@dataclass(frozen=True)
class SubmissionRow:
    """One commitment: who and when, and once revealed and scored, what it was, the score the organizer
    posted (``posted_bps``), the score on record (``score_bps``: a ruling's where one was upheld) and its
    rank on the leaderboard."""

    id: int
    submitter: str
    commit_block: int
    commit_tx: str
    revealed: bool = False
    reveal_block: "int | None" = None
    reveal_tx: "str | None" = None
    hyperparameters: "dict[str, Any] | None" = None
    posted_bps: "int | None" = None
    score_bps: "int | None" = None
    rank: "int | None" = None


@dataclass(frozen=True)
class LeaderRow:
    """A leaderboard row: the score on record (``score_bps``, bps; a ruling's where a challenge was
    upheld) and as posted (``posted_bps``), the per-seed scores, standard error and noise of the posted
    report (bps; empty or ``None`` without it), ``dispute`` (``""``, ``"challenged"``, ``"upheld"`` or
    ``"rejected"``), whether it qualifies and its prize (ETH: credited once finalized, else what the
    current ranking would pay)."""

    rank: int
    id: int
    submitter: str
    hyperparameters: dict[str, Any]
    score_bps: int
    posted_bps: int
    seed_scores: tuple[int, ...]
    se_bps: "float | None"
    noise_bps: "float | None"
    status: str
    within_noise: bool
    note: str
    qualifies: bool
    prize_eth: float
    dispute: str = ""

    @property
    def corrected(self) -> bool:
        """A ruling replaced the posted score."""
        return self.score_bps != self.posted_bps


@dataclass(frozen=True)
class Leaderboard:
    """The leaderboard of a scored bounty (:class:`LeaderRow` best first) with the posted report's
    majority-class baseline and seeds (when the store has the report) and whether it is ``final``
    (the bounty is finalized)."""

    rows: tuple[LeaderRow, ...]
    baseline_bps: "int | None"
    min_accuracy_bps: int
    metric: str
    seeds: tuple[int, ...]
    report_cid: "str | None"
    report_in_store: bool
    lead: str
    final: bool


@dataclass(frozen=True)
class CreditRow:
    """One ``Credited`` event: account, wei, reason (``CreditReason`` name) and why, as a phrase."""

    account: str
    amount_wei: int
    reason: str
    why: str
    block: int
    tx: str


@dataclass(frozen=True)
class PaymentRow:
    """Money that left the contract: ``kind`` ``"Withdrawn"`` (a credit pulled) or ``"Claimed"``
    (deposits and shares of submissions), wei, block and transaction."""

    account: str
    amount_wei: int
    kind: str
    block: int
    tx: str

    @property
    def why(self) -> str:
        return _PAID_WHY.get(self.kind, self.kind)


@dataclass(frozen=True)
class JuryProgress:
    """Where a RerunJury dispute stands: sealed answers until ``commit_deadline``, reveals until
    ``reveal_deadline`` (unix seconds), ``revealed`` answers so far, ``resolved``."""

    dispute_id: int
    commit_deadline: int
    reveal_deadline: int
    revealed: int
    resolved: bool


@dataclass(frozen=True)
class DisputeRow:
    """One challenge and its ruling: ``key`` (submission id, or ``TEST_DATA_KEY``), ``subject``
    (``"#3"`` or ``"test data"``), the challenger, the score posted and the score it claims (bps;
    ``None`` for the test data), the bond and arbiter fee it paid (wei), ``state`` (open, upheld,
    rejected), the arbiter's ``ruling`` (bps; 1 / 0 for the test data), the score on record after it
    (``corrected_bps``, upheld score disputes) and ``fail_safe`` (never ruled: the bounty settled by the
    fail-safe and the challenger reclaims its bond)."""

    key: int
    subject: str
    challenger: str
    posted_bps: "int | None"
    claimed_bps: "int | None"
    bond_wei: int
    fee_wei: int
    state: str
    ruling: "int | None"
    corrected_bps: "int | None"
    block: int
    tx: str
    ruled_tx: "str | None"
    arbiter_dispute: int
    fail_safe: bool = False
    jury: "JuryProgress | None" = None
    describe: str = ""

    @property
    def is_test_data(self) -> bool:
        return self.key == TEST_DATA_KEY


@dataclass(frozen=True)
class ArbiterView:
    """Who rules on challenges, fixed at creation: ``address`` (``None``: no arbiter, scores trusted),
    the challenge bond and the arbiter's fee per dispute (wei), the score tolerance (bps), the challenge
    and resolution periods (seconds), and for the shipped RerunJury its jurors, their stake (wei) and
    the commit and reveal periods (seconds)."""

    address: "str | None"
    challenge_bond_wei: int = 0
    fee_wei: int = 0
    score_tolerance_bps: int = 0
    challenge_period: int = 0
    resolution_period: int = 0
    kind: str = ""
    jurors: tuple[str, ...] = ()
    juror_stake_wei: int = 0
    jury_periods: "tuple[int, int] | None" = None

    @property
    def present(self) -> bool:
        return self.address is not None


@dataclass(frozen=True)
class EventRow:
    """One event as a line: block, log index, name, what it says, transaction, accounts it names."""

    block: int
    log_index: int
    name: str
    summary: str
    tx: str
    accounts: tuple[str, ...] = ()


def next_deadline(stage: Stage, view: Any) -> "tuple[str, int] | None":
    """``(what closes, unix s)`` of the deadline that ends ``stage`` of ``view`` (a :class:`BountyView` or
    :class:`BountySummary`); ``None`` once nothing is pending."""
    d1, d2, d3 = view.deadlines
    return {Stage.SUBMISSION: ("submissions close", d1), Stage.REVEAL: ("reveals close", d2),
            Stage.EVALUATION: ("evaluation closes", d3),
            Stage.CHALLENGE: ("challenges close", view.challenge_deadline),
            Stage.ARBITRATION: ("rulings close", view.resolution_deadline)}.get(stage)


@dataclass(frozen=True)
class BountySummary:
    """A row of a factory's list of bounties (its ``BountyCreated`` event and a few batched views)."""

    address: str
    name: str
    organizer: str
    reward_wei: int
    outcome: str
    deadlines: tuple[int, int, int]
    challenge_deadline: int
    resolution_deadline: int
    open_disputes: int
    submissions: int
    max_submissions: int
    best_score_bps: "int | None"
    arbiter: "str | None"
    block: int

    def stage_at(self, now: int) -> Stage:
        return stage_at(self.outcome, self.deadlines, now, challenge_deadline=self.challenge_deadline,
                        resolution_deadline=self.resolution_deadline, open_disputes=self.open_disputes)


@dataclass
class BountyView:
    """One bounty's public record as read at block ``built_block`` (chain and store), ready to show.

    Times are unix seconds, money wei, scores bps.  The stage is not stored: it follows from the chain's
    clock (:meth:`stage_at`)."""

    address: str
    network: str
    chain_id: int
    factory: str
    organizer: str
    created_block: int
    created_at: int
    created_tx: str
    name: str
    description: str
    spec_cid: str
    spec_json: str
    target: str
    metric: str
    protocol: dict[str, Any]
    reward_wei: int
    bond_wei: int
    bond_left_wei: int
    deposit_wei: int
    balance_wei: int
    min_accuracy_bps: int
    max_submissions: int
    prize_shares: tuple[int, ...]
    seq_len: int
    future_period: int
    n_features: int
    max_cost: int
    deadlines: tuple[int, int, int]
    challenge_deadline: int
    resolution_deadline: int
    test_mode: str
    test_window: "tuple[int, int] | None"
    test_data_after: int
    outcome: str
    submissions: list[SubmissionRow]
    revealed_count: int
    scored_count: int
    leaderboard: "Leaderboard | None"
    files: list[FileEntry]
    randomness: "str | None"
    seeds: tuple[int, ...]
    test_cid: "str | None"
    credits: list[CreditRow]
    payments: list[PaymentRow]
    arbiter: ArbiterView
    disputes: list[DisputeRow]
    ranking_stale: bool
    test_data_voided: bool
    fail_safe: bool
    events: list[EventRow]
    report_cid: "str | None"
    notes: list[str] = field(default_factory=list)
    #: a dispute was still open when the challenge window closed (the bounty went through arbitration)
    arbitrated: bool = False
    #: when it was finalized or cancelled (unix s; ``None`` while not settled)
    settled_at: "int | None" = None
    built_block: int = 0
    built_seconds: float = 0.0

    @property
    def open_disputes(self) -> int:
        return sum(1 for d in self.disputes if d.state == "open")

    def stage_at(self, now: int) -> Stage:
        """The stage at chain time ``now`` (the contract's rule, :func:`stage_at`)."""
        return stage_at(self.outcome, self.deadlines, now, challenge_deadline=self.challenge_deadline,
                        resolution_deadline=self.resolution_deadline, open_disputes=self.open_disputes)

    @property
    def record_cids(self) -> frozenset[str]:
        return frozenset(f.cid for f in self.files)

    def file(self, cid: str) -> "FileEntry | None":
        return next((f for f in self.files if f.cid == cid), None)

    def submission(self, sid: int) -> "SubmissionRow | None":
        return next((s for s in self.submissions if s.id == sid), None)

    @property
    def verifiable(self) -> bool:
        """Scores were posted on a posted test set: there is something to re-run."""
        return self.report_cid is not None and self.test_cid is not None

    def terms(self) -> list[Term]:
        """The terms fixed at creation, as people read them (the dispute terms included)."""
        shares = ", ".join(f"{s / 100:g} %" for s in self.prize_shares) or "100 %"
        p = self.protocol
        rows = [
            Term("reward", _eth(self.reward_wei), "escrowed at creation, paid to the winners"),
            Term("bond", _eth(self.bond_wei), "the organizer's; pays upheld challenges, burned if the bounty is "
                 "abandoned" if self.arbiter.present else "the organizer's; burned if the bounty is abandoned"),
            Term("commit deposit", _eth(self.deposit_wei), "per commitment; back at settlement unless never "
                 "revealed or scored below the minimum"),
            Term("minimum score", f"{self.min_accuracy_bps} bps", "a score below it cannot win"),
            Term("metric", self.metric.replace("_", " "), "in basis points; a constant guess scores 5000"),
            Term("k seeds", str(p.get("seeds", "?")), "each submission trained k times, seeds from the on-chain "
                 f"randomness ({p.get('seed_rule', '?')})"),
            Term("cost bound", f"{self.max_cost:,} parameters",
                 f"largest model a reveal may ask for ({self.n_features} inputs)"),
            Term("prize shares", shares, "of the reward, by rank among qualified scores"),
            Term("max submissions", str(self.max_submissions), ""),
            Term("protocol", f"{p.get('epochs', '?')} epoch{'' if p.get('epochs') == 1 else 's'}, batch {p.get('batch_size', '?')}, "
                             f"{p.get('optimizer', '?')}", "how the organizer re-trains every submission"),
            Term("data", f"target {self.target}, {self.seq_len} steps in, {self.future_period} ahead", ""),
            Term("test set", "future window" if self.test_mode == "future" else "sealed at creation",
                 "prices that do not exist before the reveals end" if self.test_mode == "future"
                 else "committed before anyone submitted, opened after the reveals"),
        ]
        a = self.arbiter
        if not a.present:
            rows += [Term("arbiter", NO_ARBITER, "no challenge window: posted scores are final once posted"),
                     Term("challenge window", "none", "")]
            return rows
        rows += [
            Term("arbiter", a.address or "", a.kind + (f" of {len(a.jurors)} staked jurors" if a.jurors else "")),
            Term("challenge window", _duration(a.challenge_period),
                 "after the evaluation deadline: anyone may challenge a score or the test data"),
            Term("resolution period", _duration(a.resolution_period),
                 "after the window: the arbiter rules; an unruled dispute meets the fail-safe"),
            Term("challenge bond", _eth(a.challenge_bond_wei), f"plus the arbiter's fee {_eth(a.fee_wei)}; back "
                 "with a reward from the organizer's bond when upheld, lost when rejected"),
            Term("score tolerance", f"{a.score_tolerance_bps} bps",
                 "a ruling within it of the posted score rejects the challenge"),
        ]
        return rows


def score_standing(view: BountyView, now: int) -> tuple[str, str]:
    """How far the scores on record of ``view`` can be trusted at chain time ``now``: ``(label, sentence)``
    with ``label`` one of ``""`` (no score posted), ``"trusted"`` (no arbiter), ``"provisional"`` (the
    challenge window or arbitration is open), ``"final"``, ``"void"`` (a ruling voided the test data) or
    ``"fail-safe"`` (a dispute was never ruled on)."""
    if not view.scored_count:
        return "", ""
    from ..chain.clock import format_utc

    stage = view.stage_at(now)
    if view.test_data_voided:
        return "void", "void: a ruling voided the test data; the reward is shared by the revealed submissions"
    if not view.arbiter.present:
        return "trusted", ("trusted: this bounty has no arbiter, so no score can be challenged; anyone can re-run "
                           "them with verify")
    if stage in (Stage.EVALUATION, Stage.CHALLENGE):
        return "provisional", (f"provisional until {format_utc(view.challenge_deadline)}: anyone may challenge a "
                               "score until then")
    if stage is Stage.ARBITRATION:
        return "provisional", (f"provisional: {view.open_disputes} dispute(s) await the arbiter's ruling, until "
                               f"{format_utc(view.resolution_deadline)}")
    if view.fail_safe:
        return "fail-safe", "settled by the fail-safe: a dispute was never ruled on"
    return "final", "final: the challenge window closed" + (" and every dispute was ruled" if view.disputes else "")


def timeline(view: "BountyView | BountySummary", now: int) -> list[Step]:
    """The six stages of ``view`` with their deadlines, the one at chain time ``now`` marked ``current``;
    the challenge window and arbitration are ``skipped`` without an arbiter (scores trusted), and
    arbitration when no dispute was open at the window's end; the final step starts when the bounty
    settled."""
    d1, d2, d3 = view.deadlines
    stage = view.stage_at(now)
    created = getattr(view, "created_at", None)
    has_arbiter = view.arbiter.present if isinstance(view, BountyView) else view.arbiter is not None
    evaluation = "the randomness is drawn, the organizer posts the test data and the scores"
    if getattr(view, "test_data_after", 0):
        evaluation += " (test data from the window's end)"
    if has_arbiter:
        challenge = ("scores are provisional: anyone may challenge a score or the test data, with a bond",
                     d3, view.challenge_deadline)
        arbitration = ("the arbiter rules on open disputes; one unruled at the deadline meets the fail-safe",
                       view.challenge_deadline, view.resolution_deadline)
    else:
        challenge = (f"{NO_ARBITER}", None, None)
        arbitration = ("no arbiter: nothing to rule on", None, None)
    settled_at = getattr(view, "settled_at", None)
    final_title, final_what = "Final", "anyone may finalize: prizes (or a refund or shares), then withdrawals"
    if stage is Stage.CANCELLED:
        final_title, final_what = "Cancelled", "the organizer cancelled before the first commit: reward and bond back"
    elif stage is Stage.FINALIZED:
        final_title, final_what = "Finalized", f"settled: {view.outcome}; credits are withdrawn by their owners"
    elif stage is Stage.EXPIRED:
        final_title = "Expired"
    steps = [
        ("SUBMISSION", "Submission", created, d1, "participants commit sealed submissions with a deposit"),
        ("REVEAL", "Reveal", d1, d2, "participants reveal their hyperparameters and salts"),
        ("EVALUATION", "Evaluation", d2, d3, evaluation),
        ("CHALLENGE", "Challenge window", challenge[1], challenge[2], challenge[0]),
        ("ARBITRATION", "Arbitration", arbitration[1], arbitration[2], arbitration[0]),
        ("FINAL", final_title, settled_at, None, final_what),
    ]
    current = {Stage.SUBMISSION: 0, Stage.REVEAL: 1, Stage.EVALUATION: 2, Stage.CHALLENGE: 3, Stage.ARBITRATION: 4,
               Stage.EXPIRED: 5, Stage.FINALIZED: 5, Stage.CANCELLED: 5}[stage]
    out = []
    for i, (key, title, starts, ends, what) in enumerate(steps):
        state = "done" if i < current else "current" if i == current else "next"
        if key in ("CHALLENGE", "ARBITRATION") and not has_arbiter:
            state = "skipped"
        elif key == "ARBITRATION" and state == "done" and isinstance(view, BountyView) and not view.arbitrated:
            state = "skipped"  # no dispute was open when the window closed (or the bounty settled before)
            what = "not needed: no dispute was open when the challenge window closed"
        elif stage is Stage.CANCELLED and 0 < i < 5:
            state = "skipped"
        out.append(Step(key, title, starts, ends, state, what))
    return out


# ------------------------------------------------------------------ reading
def _eth(wei: int) -> str:
    value = int(wei) / 1e18
    return "0 ETH" if value == 0 else f"{value:,.6f}".rstrip("0").rstrip(".") + " ETH"


def _duration(seconds: int) -> str:
    s = int(seconds)
    d, s = divmod(s, 86_400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    parts = [f"{d} d" if d else "", f"{h} h" if h else "", f"{m} min" if m else "", f"{s} s" if s else ""]
    return " ".join(p for p in parts if p) or "0 s"


def event_summary(name: str, args: "dict[str, Any]") -> tuple[str, tuple[str, ...]]:
    """One line for a bounty's event ``name`` with decoded ``args``, and the accounts it names (any event:
    one not known here lists its fields)."""
    from ..protocol.wire import Outcome, decode_score_entry

    def key_name(key: int) -> str:
        return "the test data" if int(key) == TEST_DATA_KEY else f"#{int(key)}"

    if name == "Committed":
        return f"#{args['id']} committed", (str(args["submitter"]),)
    if name == "Revealed":
        return f"#{args['id']} revealed", ()
    if name == "RandomnessRequested":
        return f"randomness requested (from block {args['block_number']}'s hash)", (str(args["caller"]),)
    if name == "RandomnessDrawn":
        value = args["randomness"]
        text = "0x" + bytes(value).hex() if isinstance(value, (bytes, bytearray)) else str(value)
        return f"randomness {text[:18]}… drawn", (str(args["caller"]),)
    if name == "TestDataRevealed":
        return f"test data posted: {args['test_cid']}", ()
    if name == "ScoresPosted":
        ids = [decode_score_entry(int(e))[0] for e in args["entries"]]
        span = f"#{ids[0]}..#{ids[-1]}" if len(ids) > 1 else f"#{ids[0]}" if ids else "none"
        return f"{len(ids)} scores posted ({span}), report {args['report_cid']}", ()
    if name == "Challenged":
        what = key_name(args["key"])
        claim = "" if int(args["key"]) == TEST_DATA_KEY else f": posted {args['posted']} bps, claims {args['claimed']}"
        return (f"{what} challenged{claim} (bond {_eth(int(args['bond']))} + fee {_eth(int(args['fee']))})",
                (str(args["challenger"]),))
    if name == "Ruled":
        what = key_name(args["key"])
        verdict = "upheld" if args["upheld"] else "rejected"
        ruling = "" if int(args["key"]) == TEST_DATA_KEY else f", ruling {args['ruling']} bps"
        return f"ruling on {what}: {verdict}{ruling}", ()
    if name == "Reranked":
        return f"ranking rebuilt from {args['batches']} score batch(es)", ()
    if name == "Finalized":
        return (f"finalized: {Outcome(int(args['outcome'])).name}, pot {_eth(int(args['pot']))}, burned "
                f"{_eth(int(args['burned']))}"), (str(args["caller"]),)
    if name == "Credited":
        return (f"{_eth(int(args['amount']))} credited: {credit_why(CreditReason(int(args['reason'])))}",
                (str(args["account"]),))
    if name == "Cancelled":
        return f"cancelled, {_eth(int(args['refund']))} back to the organizer", ()
    if name in ("Withdrawn", "Claimed"):
        return f"{_eth(int(args['amount']))} {'withdrawn' if name == 'Withdrawn' else 'claimed'}", (str(args["account"]),)
    if name == "Swept":
        return f"{_eth(int(args['amount']))} unclaimed swept", ()
    fields = ", ".join(f"{k}={v}" for k, v in args.items())
    return f"{name}({fields})", tuple(str(v) for v in args.values() if str(v).startswith("0x") and len(str(v)) == 42)


def _arbiter_view(bounty: "Bounty") -> ArbiterView:
    from ..chain import Jury
    from ..errors import BountyError

    creation = bounty.creation()
    if not creation.has_arbiter:
        return ArbiterView(None)
    kind, jurors, stake, periods = "an IArbiter contract", (), 0, None
    try:
        jury = Jury.at(creation.arbiter)
        kind, jurors, stake, periods = "RerunJury", tuple(jury.jurors()), jury.stake_required(), jury.periods()
    except BountyError:
        pass  # another arbiter behind IArbiter: its address and fee are what the bounty knows
    return ArbiterView(creation.arbiter, creation.challenge_bond, bounty.arbiter_fee(), creation.score_tolerance,
                       creation.challenge_period, creation.resolution_period, kind, jurors, stake, periods)


def _dispute_rows(disputes: list[Any], on_record: dict[int, int], arbiter: ArbiterView,
                  fail_safe: bool) -> list[DisputeRow]:
    from ..chain import Jury

    jury = Jury.at(arbiter.address) if arbiter.kind == "RerunJury" else None
    rows = []
    for d in disputes:
        data = d.key == TEST_DATA_KEY
        progress = None
        if jury is not None:
            j = jury.dispute(d.arbiter_dispute)
            progress = JuryProgress(j.id, j.commit_deadline, j.reveal_deadline, j.revealed, j.resolved)
        state = "open" if d.open else "upheld" if d.upheld else "rejected"
        rows.append(DisputeRow(
            key=d.key, subject="test data" if data else f"#{d.key}", challenger=d.challenger,
            posted_bps=None if data else d.posted, claimed_bps=None if data else d.claimed, bond_wei=d.bond,
            fee_wei=d.fee, state=state, ruling=d.ruling,
            corrected_bps=on_record.get(d.key) if (not data and d.upheld) else None, block=d.block, tx=d.tx,
            ruled_tx=d.ruled_tx, arbiter_dispute=d.arbiter_dispute, fail_safe=bool(d.open and fail_safe),
            jury=progress, describe=d.describe()))
    return rows


def _leaderboard_view(frame: Any, result: Any, report_cid: "str | None", posted: dict[int, int],
                      hps: dict[int, dict], metric: str, min_accuracy: int, final: bool) -> Leaderboard:
    """:func:`leaderboard`'s frame (rank, score on record, qualifies, prize, dispute) with the per-seed
    scores, standard errors and noise of the posted report ``result`` (an ``EvaluationResult`` or
    ``None``)."""
    import math

    from ..ml.evaluation.result import NOISE_Z

    by_id = {r.submission_id: r for r in result.results} if result else {}
    chain_rows = [r for _, r in frame.iterrows() if r["submission_id"] != "baseline"]
    noise = {i: result.noise_bps(r) for i, r in by_id.items()} if result else {}
    lead = result.lead() if result else None
    leader = int(chain_rows[0]["submission_id"]) if chain_rows else None
    labels = {"open": "challenged", "rejected": "rejected"}
    rows = []
    for rank, r in enumerate(chain_rows, 1):
        sid = int(r["submission_id"])
        res = by_id.get(sid)
        within, note = False, ""
        if sid == leader and lead is not None and lead.winner == sid:
            within = lead.within_noise
            note = "within noise" if within else "clear lead"
        elif leader is not None and sid != leader and sid in noise and leader in noise:
            gap = int(chain_rows[0]["score_bps"]) - int(r["score_bps"])
            within = gap < NOISE_Z * math.sqrt(noise[leader] ** 2 + noise[sid] ** 2)
            note = "within noise of #1" if within else ""
        dispute = str(r["dispute"] or "")
        dispute = "upheld" if dispute.startswith("upheld") else labels.get(dispute, dispute)
        rows.append(LeaderRow(
            rank=rank, id=sid, submitter=str(r["submitter"]), hyperparameters=hps.get(sid, {}),
            score_bps=int(r["score_bps"]), posted_bps=int(posted.get(sid, r["score_bps"])),
            seed_scores=tuple(res.seed_scores) if res else (),
            se_bps=None if res is None or res.score_se_bps is None else float(res.score_se_bps),
            noise_bps=noise.get(sid), status=str(res.status.value) if res else "scored", within_noise=within,
            note=note, qualifies=bool(r["qualifies"]), prize_eth=float(r["prize_eth"]), dispute=dispute))
    return Leaderboard(
        rows=tuple(rows), baseline_bps=None if result is None else result.baseline_bps, min_accuracy_bps=min_accuracy,
        metric=metric, seeds=tuple(result.seeds) if result else (), report_cid=report_cid,
        report_in_store=result is not None, lead=lead.describe() if lead is not None else "", final=final)


def bounty_view(bounty: "Bounty", store: ContentStore) -> BountyView:
    """The whole public record of ``bounty`` (chain and ``store``) as a :class:`BountyView`: terms and
    arbiter, files with their CIDs, commits and reveals, the leaderboard with the posted report's
    per-seed scores, randomness and seeds, credits and payments, challenges and rulings, and every event.

    Raises the record's errors when the spec cannot be read or contradicts the chain
    (``CIDNotFoundError``, ``VerificationError``); a missing report or test set only adds a note."""
    import time as _time

    from ..chain import block_timestamp, network_info
    from ..ml.evaluation.result import EvaluationResult
    from ..protocol.hyperparams import Hyperparameters
    from ..protocol.wire import decode_revealed, decode_score_entry
    from .record import open_record, test_set_files

    t0 = _time.perf_counter()
    net = network_info()
    creation = bounty.creation()
    record = open_record(bounty, store)
    spec = record.spec
    notes: list[str] = []
    st = bounty.status()

    raw = bounty.events()
    by_name: dict[str, list[Any]] = {}
    events: list[EventRow] = [EventRow(creation.block_number, -1, "BountyCreated",
                                       f"created by the factory, reward {_eth(creation.reward)}", creation.tx,
                                       (creation.organizer,))]
    committers = {int(e.args["id"]): str(e.args["submitter"]) for e in raw if e.name == "Committed"}
    for e in raw:
        by_name.setdefault(e.name, []).append(e)
        summary, accounts = event_summary(e.name, e.args)
        if e.name == "Revealed" and int(e.args["id"]) in committers:
            accounts = (committers[int(e.args["id"])],)  # the revealer is the committer
        events.append(EventRow(e.block, e.log_index, e.name, summary, e.tx, accounts))
    times: dict[int, int] = {}

    def at(block: int) -> int:
        if block not in times:
            times[block] = block_timestamp(block)
        return times[block]

    settled = by_name.get("Finalized", []) + by_name.get("Cancelled", [])
    settled_at = at(settled[0].block) if settled else None
    arbitrated = any(at(e.block) >= creation.challenge_deadline for e in by_name.get("Ruled", []))

    posted: dict[int, int] = {}
    reports: list[str] = []
    for e in by_name.get("ScoresPosted", []):
        posted.update(decode_score_entry(int(x)) for x in e.args["entries"])
        if str(e.args["report_cid"]) not in reports:
            reports.append(str(e.args["report_cid"]))
    on_record = dict(st.scores)
    revealed_events = {int(e.args["id"]): e for e in by_name.get("Revealed", [])}
    # decoded as Bounty.revealed_submissions does, from the events already read
    hps = {i: Hyperparameters.from_chain(list(decode_revealed(int(e.args["hyperparameters"])))).to_dict()
           for i, e in revealed_events.items()}
    final = st.outcome.name not in ("NONE",)

    board = None
    result = None
    report_cid = reports[-1] if reports else None
    if posted:
        if report_cid is not None:
            try:
                result = EvaluationResult.from_report(json.loads(store.get(report_cid)))
            except Exception as exc:  # noqa: BLE001 - the chain's columns stay; the report's are left empty
                notes.append(f"report {report_cid} cannot be read from this store ({' '.join(str(exc).split())}): "
                             "per-seed scores and noise are not shown")
        frame = leaderboard(bounty, store, status=st,
                            submitters={i: committers[i] for i in revealed_events if i in committers})
        board = _leaderboard_view(frame, result, report_cid, posted, hps, spec.metric, spec.min_accuracy_bps, final)
    ranks = {r.id: r.rank for r in board.rows} if board else {}

    submissions = []
    for e in by_name.get("Committed", []):
        sid = int(e.args["id"])
        r = revealed_events.get(sid)
        submissions.append(SubmissionRow(
            id=sid, submitter=committers[sid], commit_block=e.block, commit_tx=e.tx, revealed=r is not None,
            reveal_block=None if r is None else r.block, reveal_tx=None if r is None else r.tx,
            hyperparameters=hps.get(sid), posted_bps=posted.get(sid), score_bps=on_record.get(sid),
            rank=ranks.get(sid)))
    submissions.sort(key=lambda s: s.id)

    files = [FileEntry("spec", "bounty spec", creation.spec_cid, "spec.json", "application/json")]
    files += [FileEntry("training data", f.label, f.cid, f.filename, "text/csv") for f in spec.data_files]
    test_cid = None
    posted_test = bounty.revealed_test_data()
    if posted_test is not None:
        test_cid = posted_test[0]
        files.append(FileEntry("test set", "test-set manifest", test_cid, "test-set.json", "application/json"))
        try:
            for f in test_set_files(test_cid, store):
                files.append(FileEntry("test data", f.label, f.cid, f"test-{f.filename}", "text/csv"))
        except Exception as exc:  # noqa: BLE001 - the page still shows what the chain says
            notes.append(f"test set {test_cid}: its files cannot be listed ({' '.join(str(exc).split())})")
    for i, cid in enumerate(reports):
        many = len(reports) > 1
        files.append(FileEntry("report", "evaluation report" + (f" {i + 1}" if many else ""), cid,
                               f"report-{i + 1}.json" if many else "report.json", "application/json"))

    randomness = record.randomness()
    seeds: tuple[int, ...] = ()
    if randomness is not None:
        try:
            seeds = tuple(int(s) for s in record.evaluation_seeds())
        except Exception as exc:  # noqa: BLE001
            notes.append(f"evaluation seeds: {exc}")

    credits = [CreditRow(str(e.args["account"]), int(e.args["amount"]), CreditReason(int(e.args["reason"])).name,
                         credit_why(CreditReason(int(e.args["reason"]))), e.block, e.tx)
               for e in by_name.get("Credited", [])]
    payments = sorted([PaymentRow(str(e.args["account"]), int(e.args["amount"]), e.name, e.block, e.tx)
                       for name in ("Withdrawn", "Claimed") for e in by_name.get(name, [])],
                      key=lambda p: (p.block, p.kind))
    arbiter = _arbiter_view(bounty)
    disputes = _dispute_rows(st.disputes, on_record, arbiter, st.fail_safe) if arbiter.present else []
    if st.ranking_stale:
        notes.append("a ruling removed a ranked score: the ranking is stale until someone calls rerank "
                     "(finalize does it first)")

    rule = spec.test
    return BountyView(
        address=bounty.address, network=net.name, chain_id=net.chain_id, factory=str(bounty.factory.address),
        organizer=creation.organizer, created_block=creation.block_number,
        created_at=block_timestamp(creation.block_number), created_tx=creation.tx, name=spec.name,
        description=spec.description, spec_cid=creation.spec_cid, spec_json=spec.to_json(indent=2),
        target=spec.target, metric=spec.metric, protocol=spec.protocol.to_dict(), reward_wei=creation.reward,
        bond_wei=creation.bond, bond_left_wei=st.bond, deposit_wei=creation.commit_deposit, balance_wei=st.balance,
        min_accuracy_bps=creation.min_accuracy, max_submissions=creation.max_submissions,
        prize_shares=tuple(creation.prize_shares) or (BPS,), seq_len=creation.seq_len,
        future_period=creation.future_period, n_features=creation.n_features, max_cost=creation.max_cost,
        deadlines=(creation.submission_deadline, creation.reveal_deadline, creation.evaluation_deadline),
        challenge_deadline=creation.challenge_deadline, resolution_deadline=creation.resolution_deadline,
        test_mode="future" if rule.is_future else "sealed", test_window=tuple(rule.window) if rule.window else None,
        test_data_after=creation.test_data_after, outcome=st.outcome.name, submissions=submissions,
        revealed_count=len(revealed_events), scored_count=len(posted), leaderboard=board, files=files,
        randomness=None if randomness is None else "0x" + randomness.hex(), seeds=seeds, test_cid=test_cid,
        credits=credits, payments=payments, arbiter=arbiter, disputes=disputes, ranking_stale=st.ranking_stale,
        test_data_voided=st.test_data_voided, fail_safe=st.fail_safe, events=events, report_cid=report_cid,
        notes=notes, settled_at=settled_at,
        arbitrated=arbitrated or st.fail_safe or bool(st.open_disputes and net.now >= creation.challenge_deadline), built_block=net.head, built_seconds=_time.perf_counter() - t0)


def bounty_summaries(factory: Any, store: ContentStore) -> list[BountySummary]:
    """Every bounty ``factory`` (a :class:`~bounty_client.chain.Factory`) created, newest first: its
    creation event, the spec's name from ``store`` (a placeholder when the store lacks it) and four views
    per bounty read in one JSON-RPC batch (outcome, submissions, the best score, open disputes)."""
    created = factory.creations()
    state = factory.read_bounties([c.bounty for c in created],
                                  ("outcome", "submission_count", "ranking", "open_disputes"))
    names: dict[str, str] = {}
    rows = []
    for c, (outcome, count, ranking, open_disputes) in zip(created, state):
        _, scores = ranking
        if c.spec_cid not in names:
            names[c.spec_cid] = _spec_name(store, c.spec_cid)
        rows.append(BountySummary(
            address=c.bounty, name=names[c.spec_cid], organizer=c.organizer, reward_wei=c.reward,
            outcome=_outcome_name(int(outcome)),
            deadlines=(c.submission_deadline, c.reveal_deadline, c.evaluation_deadline),
            challenge_deadline=c.challenge_deadline, resolution_deadline=c.resolution_deadline,
            open_disputes=int(open_disputes), submissions=int(count), max_submissions=c.max_submissions,
            best_score_bps=int(scores[0]) if len(scores) else None,
            arbiter=c.arbiter if c.has_arbiter else None, block=c.block_number))
    return sorted(rows, key=lambda r: -r.block)


def _outcome_name(value: int) -> str:
    from ..protocol.wire import Outcome

    return Outcome(value).name


def _spec_name(store: ContentStore, cid: str) -> str:
    try:
        return str(json.loads(store.get(cid)).get("name") or "(unnamed)")
    except Exception:  # noqa: BLE001 - the list still shows a bounty whose spec is missing
        return "(spec not in this store)"


@dataclass(frozen=True)
class AddressRow:
    """What one address did in one bounty: ids committed, revealed and scored (``(id, score on record,
    rank)``), credits (``(wei, why)``), what it withdrew or claimed (wei) and the keys it challenged."""

    bounty: str
    name: str
    organizer: bool
    committed: tuple[int, ...]
    revealed: tuple[int, ...]
    scored: tuple[tuple[int, int, "int | None"], ...]
    credited: tuple[tuple[int, str], ...]
    paid_wei: int
    challenged: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddressView:
    """An address across bounties (:func:`address_view`)."""

    address: str
    rows: tuple[AddressRow, ...]

    @property
    def credited_wei(self) -> int:
        return sum(w for r in self.rows for w, _ in r.credited)

    @property
    def paid_wei(self) -> int:
        return sum(r.paid_wei for r in self.rows)


def address_view(address: str, views: "list[BountyView]") -> AddressView:
    """What ``address`` committed, revealed, scored, challenged, was credited and took out, in every
    bounty of ``views``.  Raises :class:`~bounty_client.errors.ArgumentError` when it is not an address."""
    from ..protocol.wire import checksum_address

    address = checksum_address(address)
    key = address.lower()
    rows = []
    for v in views:
        mine = [s for s in v.submissions if s.submitter.lower() == key]
        credited = tuple((c.amount_wei, c.why) for c in v.credits if c.account.lower() == key)
        paid = sum(p.amount_wei for p in v.payments if p.account.lower() == key)
        challenged = tuple(d.subject for d in v.disputes if d.challenger.lower() == key)
        organizer = v.organizer.lower() == key
        if not (mine or credited or paid or organizer or challenged):
            continue
        rows.append(AddressRow(
            bounty=v.address, name=v.name, organizer=organizer, committed=tuple(s.id for s in mine),
            revealed=tuple(s.id for s in mine if s.revealed),
            scored=tuple((s.id, s.score_bps, s.rank) for s in mine if s.score_bps is not None),
            credited=credited, paid_wei=paid, challenged=challenged))
    return AddressView(address, tuple(rows))


def verification_view(report: Any, report_cid: "str | None" = None) -> dict[str, Any]:
    """A :class:`~bounty_client.record.VerificationReport` as plain JSON-able data for a page: the same
    verdict, problems and notes ``ape run bounty verify`` prints (rulings included: the scores compared
    are those on record), one row per submission, and the payout check (chain vs recomputed outcome,
    qualified set, ranking and every credit by reason)."""
    import math

    rows = []
    for r in report.table.to_dict(orient="records"):
        rows.append({k: (None if isinstance(v, float) and math.isnan(v) else str(v) if k == "status" else v)
                     for k, v in r.items()})
    payout: dict[str, Any] = {"settled": report.settled}
    if report.posted is not None and report.derived is not None:
        payout.update(
            outcome=[report.posted.outcome.name, report.derived.outcome.name],
            qualified=[list(report.posted.qualified), list(report.derived.qualified)],
            ranking=[[i for i, _ in report.posted.ranking], [i for i, _ in report.derived.ranking]],
            credits=[{"account": str(c["account"]), "reason": str(c["reason"]),
                      "why": credit_why(CreditReason[str(c["reason"])]), "posted_wei": int(c["posted_wei"]),
                      "derived_wei": int(c["derived_wei"]), "same": bool(c["same"])}
                     for c in report.credits_table().to_dict(orient="records")])
    return {"bounty": report.bounty, "report_cid": report_cid, "ok": report.ok,
            "tolerance_bps": int(report.tolerance_bps), "tolerance_source": report.tolerance_source,
            "submissions": rows, "payout": payout, "problems": list(report.problems), "notes": list(report.notes)}
