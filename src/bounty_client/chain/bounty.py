"""One deployed bounty: :class:`Bounty`, the client's only door to a ``Bounty`` contract.

As ApePay's SDK does for its contracts, one class owns every call the client makes to a bounty: each
view (:meth:`Bounty.status`, :meth:`Bounty.outcome`, :meth:`Bounty.randomness`, ...), each event query
(:meth:`Bounty.commits`, :meth:`Bounty.revealed_submissions`, :meth:`Bounty.posted_scores`,
:meth:`Bounty.credited`, :meth:`Bounty.settlement`) and each transaction (:meth:`Bounty.commit`,
:meth:`Bounty.reveal`, :meth:`Bounty.post_scores`, :meth:`Bounty.finalize`, :meth:`Bounty.withdraw`, ...).
A method is one contract call, one transaction or one event query, plus the client-side guard that
keeps a transaction from being sent to revert (:meth:`Bounty.require_stage`, judged at the timestamp the
transaction will be mined with).  Orchestration (what the organizer and participants do in each
stage) lives in :mod:`bounty_client.roles`; enums and encodings in :mod:`bounty_client.protocol.wire`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ArgumentError, ChainError, StageError
from ..protocol.hyperparams import Hyperparameters
from ..protocol.settlement import Claim, Credit, Settlement
from ..protocol.wire import (BPS, CHECKPOINT_INTERVAL, MAX_SCORE_BATCH, TEST_DATA_KEY, CreditReason, DisputeKind,
                             Outcome, Stage, checksum_address, decode_revealed, decode_score_entry, encode_revealed,
                             score_proof, stage_at)
from .authenticity import authenticate
from .clock import block_seconds, format_time, format_utc, mined_timestamp, relative_time
from .factory import BountyCreation, Factory
from .project import contract_at

__all__ = ["Bounty", "BountyStatus", "ChainEvent", "Dispute", "RevealedSubmission", "SubmissionState"]


# ---------------------------------------------------------------- data records
@dataclass(frozen=True)
class RevealedSubmission:
    """One revealed submission, decoded from its ``Revealed`` event."""

    id: int
    submitter: str
    hyperparameters: Hyperparameters


#: Blocks from the draw's request to the draw itself: the requested block, then the block of the draw.
DRAW_BLOCKS = 2
#: Gas sent with the draw's second call (measured 40,875 by bench/gas.py): given, not estimated, because an
#: estimate runs on the latest block, which is the requested block itself until the next one is mined.
DRAW_GAS = 80_000

@dataclass(frozen=True)
class SubmissionState:
    """``submission(id)``: what the contract stores of one submission."""

    #: revealing address; empty (the zero address) until revealed and again once its claim is paid
    submitter: str
    committed: bool
    revealed: bool
    #: its deposit (and after SHARED a share) can be claimed: revealed and not scored below the minimum
    eligible: bool
    #: its deposit or share was paid (a winner's with its prize at finalize)
    claimed: bool


@dataclass(frozen=True)
class ChainEvent:
    """One event a contract logged (:meth:`Bounty.events`): its ``name``, decoded ``args`` (addresses
    checksummed, integers as ``int``), ``block`` number, ``log_index`` in that block and ``tx`` hash."""

    name: str
    args: dict[str, Any]
    block: int
    log_index: int
    tx: str


@dataclass(frozen=True)
class Dispute:
    """One challenge (``Challenged`` event) and, once the arbiter answered, its ruling (``Ruled``).

    ``key``: the submission id, or ``TEST_DATA_KEY`` (65536) for the test data; ``posted`` and
    ``claimed``: bps (score disputes); ``bond``, ``fee``: wei the challenger escrowed; ``ruling``:
    the arbiter's score in bps (or 1 / 0 for the test data), ``None`` while open; ``upheld``: the
    score was replaced (or the data voided)."""

    key: int
    challenger: str
    posted: int
    claimed: int
    bond: int
    fee: int
    arbiter_dispute: int
    block: int
    tx: str
    ruling: "int | None" = None
    upheld: "bool | None" = None
    ruled_tx: "str | None" = None

    @property
    def kind(self) -> DisputeKind:
        return DisputeKind.TEST_DATA if self.key == TEST_DATA_KEY else DisputeKind.SCORE

    @property
    def open(self) -> bool:
        return self.ruling is None

    def describe(self) -> str:
        """``"#3: 9999 bps challenged by 0xabc.. (claims 5200): upheld, 5205"``."""
        what = "test data" if self.kind is DisputeKind.TEST_DATA else f"#{self.key}: {self.posted} bps"
        claim = "" if self.kind is DisputeKind.TEST_DATA else f" (claims {self.claimed})"
        if self.open:
            verdict = "open"
        elif self.kind is DisputeKind.TEST_DATA:
            verdict = "upheld: the test data is void" if self.upheld else "rejected: the test data stands"
        else:
            verdict = f"upheld, now {self.ruling} bps" if self.upheld else f"rejected (ruling {self.ruling} bps)"
        return f"{what} challenged by {self.challenger}{claim}: {verdict}"


@dataclass
class BountyStatus:
    """A snapshot of a bounty's public state (``repr`` prints a readable summary)."""

    address: str
    stage: Stage
    outcome: Outcome
    now: int
    organizer: str
    reward: int
    balance: int
    submission_deadline: int
    reveal_deadline: int
    evaluation_deadline: int
    min_accuracy: int
    max_submissions: int
    commit_deposit: int
    prize_shares: tuple[int, ...]
    submission_count: int
    revealed_count: int
    scored_count: int
    test_revealed: bool
    ranking: list[tuple[int, int]] = field(default_factory=list)
    #: every score on record by submission id (qualifying or not; rulings applied)
    scores: dict[int, int] = field(default_factory=dict)
    #: scores pay nothing before this time; the arbiter rules before the resolution deadline
    challenge_deadline: int = 0
    resolution_deadline: int = 0
    #: the zero address: no arbiter (trusted scores)
    arbiter: str = "0x" + "00" * 20
    challenge_bond: int = 0
    score_tolerance: int = 0
    #: every challenge so far, open or ruled
    disputes: list[Dispute] = field(default_factory=list)
    #: the ranking lost a ruled entry and must be rebuilt (``rerank``) before finalize
    ranking_stale: bool = False
    test_data_voided: bool = False
    fail_safe: bool = False
    #: ``"sealed"`` or ``"future"`` (window ``[test_window_start, test_data_after]``)
    test_mode: str = "sealed"
    test_window: "tuple[int, int] | None" = None
    bond: int = 0

    @property
    def has_arbiter(self) -> bool:
        return int(self.arbiter, 16) != 0

    @property
    def open_disputes(self) -> list[Dispute]:
        return [d for d in self.disputes if d.open]

    @property
    def burned(self) -> int:
        """Wei of the organizer's bond forfeited to nobody (a SHARED outcome or the fail-safe): it stays in the
        contract's balance and no code path can move it."""
        return self.bond if self.outcome is Outcome.SHARED or self.fail_safe else 0

    def next_steps(self) -> list[str]:
        """What can happen next and who may do it, one phrase each (``"anyone may finalize now"``), from
        the stage, the deadlines and the counts of this snapshot; commands are ``ape run bounty`` ones."""
        at = lambda ts: format_time(ts, self.now)  # noqa: E731
        steps: list[str] = []
        revealed, scored = self.revealed_count, self.scored_count
        if self.stage is Stage.SUBMISSION:
            steps.append(f"participants: search or train, then commit (until {at(self.submission_deadline)})")
            if self.submission_count == 0:
                steps.append("the organizer may cancel (until the first commit)")
        elif self.stage is Stage.REVEAL:
            if self.submission_count:
                steps.append(f"committers: reveal (until {at(self.reveal_deadline)}); an unrevealed commitment "
                             "forfeits its deposit to the organizer")
            else:
                steps.append(f"nothing was committed: the organizer may finalize from {at(self.reveal_deadline)} "
                             "(refund)")
        elif self.stage is Stage.EVALUATION:
            if revealed == 0:
                steps.append("nothing was revealed: the organizer may finalize now (refund)")
            elif not self.test_revealed:
                if self.test_mode == "future" and self.test_window and self.now < self.test_window[1]:
                    steps.append(f"the organizer: post-test-data once the window closes, {at(self.test_window[1])}")
                else:
                    steps.append("the organizer: post-test-data now (it draws the randomness first if nobody has; "
                                 "anyone may draw-randomness)")
            elif scored < revealed:
                steps.append(f"the organizer: evaluate, then post-scores ({scored} of {revealed} scored; until "
                             f"{at(self.evaluation_deadline)}); anyone: verify")
            elif self.has_arbiter:
                steps.append(f"anyone: verify, and challenge a wrong score until {at(self.challenge_deadline)}; "
                             "anyone may finalize after that")
            else:
                steps.append(f"the organizer may finalize now; anyone may from {at(self.evaluation_deadline)}; "
                             "anyone: verify")
            if revealed and (not self.test_revealed or scored < revealed):
                steps.append(f"if test data or a score is still missing at {at(self.evaluation_deadline)}, anyone "
                             "may finalize: the reward is shared by the revealed submissions and the bond burned")
        elif self.stage is Stage.CHALLENGE:
            steps.append(f"anyone: verify, and challenge a wrong score (challenge, watch) until "
                         f"{at(self.challenge_deadline)}; anyone may finalize after that")
        elif self.stage is Stage.ARBITRATION:
            steps.append(f"the arbiter rules on {len(self.open_disputes)} open dispute(s) until "
                         f"{at(self.resolution_deadline)}; anyone may finalize once they are ruled or then")
        elif self.stage is Stage.EXPIRED:
            missing = revealed and (not self.test_revealed or scored < revealed)
            shared = (" (test data or scores are missing: the reward will be shared by the revealed submissions and "
                      "the bond burned)")
            steps.append("anyone may finalize now" + (shared if missing else ""))
            if self.ranking_stale:
                steps.append("anyone: rerank first (a ruling removed a ranked entry; finalize does it too)")
        elif self.stage is Stage.FINALIZED:
            if self.outcome is Outcome.SHARED:
                steps.append("revealed participants: claim (their share and deposit, paid at once), then withdraw "
                             "any credit: `collect` does both")
            elif self.outcome is Outcome.PRIZES:
                steps.append("winners: withdraw (prize and deposit); other revealed participants at or above the "
                             "minimum: claim (deposit, paid at once); the organizer: withdraw (bond, forfeits); "
                             "`collect` does whichever is due")
            else:
                steps.append("the organizer: withdraw (reward and bond back); revealed participants at or above the "
                             "minimum: claim (deposit, paid at once); `collect` does whichever is due")
            steps.append("anyone: verify")
        elif self.stage is Stage.CANCELLED:
            steps.append("nothing: the bounty is cancelled (the organizer withdraws the reward and bond, if not yet)")
        return steps

    def to_dict(self) -> dict[str, Any]:
        """JSON values: stage and outcome by name, times in unix seconds, wei as integers, plus ``burned`` and
        ``next`` (:meth:`next_steps`)."""
        d = dict(self.__dict__)
        d["stage"] = self.stage.name
        d["outcome"] = self.outcome.name
        d["prize_shares"] = list(self.prize_shares)
        d["ranking"] = [{"place": n, "submission_id": i, "score_bps": s} for n, (i, s) in enumerate(self.ranking, 1)]
        d["scores"] = {str(i): s for i, s in self.scores.items()}
        d["test_window"] = list(self.test_window) if self.test_window else None
        d["disputes"] = [dict(x.__dict__) for x in self.disputes]
        d["burned"] = self.burned
        d["next"] = self.next_steps()
        return d

    def _test_data_line(self) -> str:
        if self.test_mode == "future" and self.test_window:
            start, end = self.test_window
            state = ("posted" if self.test_revealed else "voided" if self.test_data_voided else
                     f"accepted from {format_utc(end)}, after the window closes")
            return (f"  test data: future window {format_utc(start)} .. {format_utc(end)}: prices that did not exist "
                    f"before the reveal deadline ({state})")
        state = "revealed" if self.test_revealed else "opened by the organizer after the reveal deadline"
        return f"  test data: sealed set, committed at creation ({state})"

    def __repr__(self) -> str:
        closed = self.stage.is_closed()
        balance = f"balance {self.balance / 1e18:g} ETH"
        if self.burned:
            balance += f", of which {self.burned / 1e18:g} ETH is the organizer's burned bond (nobody can withdraw it)"
        lines = [
            f"Bounty {self.address}: stage {self.stage.name}"
            + (f", outcome {self.outcome.name}" if self.outcome else ""),
            f"  organizer {self.organizer}, reward {self.reward / 1e18:g} ETH, {balance}",
            self._test_data_line(),
            f"  chain time {format_utc(self.now)}",
        ]
        if closed:  # the deadlines no longer apply: no countdown
            lines.append(f"  deadlines were: submissions {format_utc(self.submission_deadline)}, reveals "
                         f"{format_utc(self.reveal_deadline)}, evaluation {format_utc(self.evaluation_deadline)}")
        else:
            lines += [self._deadline("submissions close", self.submission_deadline),
                      self._deadline("reveals close", self.reveal_deadline),
                      self._deadline("evaluation closes", self.evaluation_deadline)]
        if self.has_arbiter:
            if not closed:
                lines += [self._deadline("challenges close", self.challenge_deadline),
                          self._deadline("rulings close", self.resolution_deadline)]
            lines.append(f"  arbiter {self.arbiter}: challenge bond {self.challenge_bond / 1e18:g} ETH, tolerance "
                         f"{self.score_tolerance} bps; scores are provisional until challenges close")
        else:
            lines.append("  no arbiter: the organizer's scores are trusted (checkable with verify, not challengeable)")
        lines += [
            f"  min accuracy {self.min_accuracy} bps, prize shares {list(self.prize_shares)} bps,"
            f" deposit {self.commit_deposit / 1e18:g} ETH",
            f"  {self.submission_count}/{self.max_submissions} committed, {self.revealed_count} revealed,"
            f" {self.scored_count} scored",
        ]
        if self.ranking:
            lines.append("  ranking: " + ", ".join(f"{n}. submission #{i} ({s} bps)"
                                                   for n, (i, s) in enumerate(self.ranking, 1))
                         + (" (stale: rerank before finalize)" if self.ranking_stale else ""))
        if self.scores:
            below = [f"#{i} {s} bps" for i, s in sorted(self.scores.items(), key=lambda p: (-p[1], p[0]))
                     if s < self.min_accuracy]
            if below:
                lines.append(f"  below the minimum {self.min_accuracy} bps: " + ", ".join(below))
        for d in self.disputes:
            lines.append(f"  challenge {d.describe()}")
        if self.test_data_voided:
            lines.append("  the test data was voided by a ruling: the reward is shared by the revealed submissions")
        if self.fail_safe:
            lines.append("  settled by the fail-safe (a dispute was never ruled on): the bond was burned")
        lines += [f"  next: {step}" for step in self.next_steps()]
        return "\n".join(lines)

    def _deadline(self, label: str, ts: int) -> str:
        """``"  reveals close 2026-01-02 03:04:05 UTC (in 23h59m)"``, relative to chain time."""
        if ts <= self.now:
            label = label.rsplit(" ", 1)[0] + " closed"
        return f"  {label} {format_time(ts, self.now)}"


# --------------------------------------------------------------------- bounty
class Bounty:
    """One deployed bounty: ``Bounty.at(address)``."""

    def __init__(self, contract: Any, *, factory: Any = None):
        """Wrap a contract after checking it is a genuine bounty (:func:`authenticate` against ``factory``
        or the configured one); raises :class:`~bounty_client.errors.NotABountyError` otherwise."""
        self._factory_address = authenticate(str(contract.address), factory)
        self.contract = contract
        self.address = str(contract.address)
        self._creation: BountyCreation | None = None
        self._deadlines: "tuple[int, int, int, int] | None" = None

    @classmethod
    def at(cls, address: str, factory: Any = None) -> "Bounty":
        """The bounty at ``address`` on the connected network, checked to be genuine
        (:func:`authenticate`, against ``factory`` or the configured one) before anything else.

        Raises :class:`~bounty_client.errors.ArgumentError` for a string that is not an address,
        :class:`~bounty_client.errors.ChainError` when no contract is deployed there,
        :class:`~bounty_client.errors.NotABountyError` when the code there is not a genuine bounty."""
        from ape import chain

        if not isinstance(address, str):
            raise ArgumentError(f"bounty: {address!r} is not an Ethereum address (0x and 40 hex digits)")
        address = checksum_address(address, "bounty")  # any case the user typed
        if not chain.provider.get_code(address):
            raise ChainError(f"no contract at {address} on this network")
        factory_address = authenticate(address, factory)  # before Ape caches a Bounty type for the address
        return cls(contract_at("Bounty", address), factory=factory_address)

    def __repr__(self) -> str:
        return f"<Bounty {self.address}>"

    # ------------------------------------------------------------- reads
    @property
    def factory(self) -> Factory:
        """The :class:`~bounty_client.chain.Factory` that created this bounty."""
        return Factory(contract_at("BountyFactory", self._factory_address))

    def creation(self) -> BountyCreation:
        """Creation parameters and CIDs from the factory's ``BountyCreated`` event."""
        if self._creation is None:
            self._creation = self.factory.creation_of(self.address)
        return self._creation

    def _events(self, name: str, **topics: Any) -> list[Any]:
        from ape import chain

        start = self.creation().block_number
        event = getattr(self.contract, name)
        return list(event.range(start, chain.blocks.height + 1, search_topics=topics or None))

    def events(self) -> list[ChainEvent]:
        """Every event this bounty logged since its creation (both halves of its ABI: the contract and the
        extension it runs by DELEGATECALL), oldest first, from one ``eth_getLogs`` query (paged by Ape
        over long ranges).  Logs whose topic is not in the ABI are left out."""
        from ape import chain
        from ape.types import LogFilter

        abis = list(self.contract.contract_type.events)
        log_filter = LogFilter(addresses=[self.address], events=abis, start_block=self.creation().block_number,
                               stop_block=int(chain.blocks.height))
        out = []
        for e in chain.provider.get_contract_logs(log_filter):
            args = {k: (int(v) if isinstance(v, int) and not isinstance(v, bool) else v)
                    for k, v in dict(e.event_arguments).items()}
            tx = e.transaction_hash
            tx = "0x" + bytes(tx).hex() if isinstance(tx, (bytes, bytearray)) else str(tx)
            out.append(ChainEvent(str(e.event_name), args, int(e.block_number), int(e.log_index),
                                  tx if tx.startswith("0x") else "0x" + tx))
        return sorted(out, key=lambda e: (e.block, e.log_index))

    def changed_since(self, block: int) -> bool:
        """True when this bounty logged an event after block ``block`` (one ``eth_getLogs``): whatever
        was read of it at ``block`` may be stale."""
        from .network import logged_since

        return logged_since([self.address], block)

    def balance(self) -> int:
        """Wei the bounty contract holds at the latest block (escrow, deposits, bonds, unpaid credits)."""
        from .network import balance_of

        return balance_of(self.address)

    @property
    def stage(self) -> Stage:
        return Stage(self.contract.stage())

    def now(self) -> int:
        """The timestamp the next transaction will be mined with (:func:`mined_timestamp`): what the
        contract's stage checks will see."""
        return mined_timestamp()

    def deadlines(self) -> tuple[int, int, int, int]:
        """``(submission, reveal, evaluation, test_data_after)`` deadlines in unix seconds (fixed at
        creation; ``test_data_after`` is 0 in sealed mode)."""
        if self._deadlines is None:
            c = self.contract
            self._deadlines = (int(c.submission_deadline()), int(c.reveal_deadline()),
                               int(c.evaluation_deadline()), int(c.test_data_after()))
        return self._deadlines

    def challenge_deadline(self) -> int:
        """``challenge_deadline()``: scores pay nothing before it and can be challenged until it (unix
        seconds; the evaluation deadline when the bounty has no arbiter)."""
        return self.creation().challenge_deadline

    def resolution_deadline(self) -> int:
        """``resolution_deadline()``: the arbiter rules before it; open disputes then meet the fail-safe."""
        return self.creation().resolution_deadline

    def stage_at(self, timestamp: int) -> Stage:
        """The stage a transaction mined at ``timestamp`` meets: the contract's ``stage()`` rule applied to
        the stored outcome, the deadlines and the open disputes (not the view at the latest block, which
        is one block old)."""
        d1, d2, d3, _ = self.deadlines()
        return stage_at(Outcome(self.contract.outcome()), (d1, d2, d3), timestamp,
                        challenge_deadline=self.challenge_deadline(), resolution_deadline=self.resolution_deadline(),
                        open_disputes=self.open_disputes())

    def status(self) -> BountyStatus:
        from ape import chain

        c = self.contract
        ids, scores = c.ranking()
        creation = self.creation()
        future = creation.test_data_after != 0
        return BountyStatus(
            address=self.address,
            stage=Stage(c.stage()),
            outcome=Outcome(c.outcome()),
            now=self.now(),
            organizer=str(c.organizer()),
            reward=int(c.reward()),
            balance=int(chain.provider.get_balance(self.address)),
            submission_deadline=int(c.submission_deadline()),
            reveal_deadline=int(c.reveal_deadline()),
            evaluation_deadline=int(c.evaluation_deadline()),
            min_accuracy=int(c.min_accuracy()),
            max_submissions=int(c.max_submissions()),
            commit_deposit=int(c.commit_deposit()),
            prize_shares=tuple(int(s) for s in c.prize_shares()),
            submission_count=int(c.submission_count()),
            revealed_count=int(c.revealed_count()),
            scored_count=int(c.scored_count()),
            test_revealed=bool(c.test_revealed()),
            ranking=[(int(i), int(s)) for i, s in zip(ids, scores)],
            scores=self.scores_on_record() if int(c.scored_count()) else {},
            challenge_deadline=creation.challenge_deadline,
            resolution_deadline=creation.resolution_deadline,
            arbiter=creation.arbiter,
            challenge_bond=creation.challenge_bond,
            score_tolerance=creation.score_tolerance,
            disputes=self.disputes() if creation.has_arbiter else [],
            ranking_stale=bool(c.ranking_stale()),
            test_data_voided=bool(c.test_data_voided()),
            fail_safe=bool(c.fail_safe()),
            test_mode="future" if future else "sealed",
            test_window=(creation.test_window_start, creation.test_data_after) if future else None,
            bond=int(c.bond()),
        )

    def commits(self, submitter: "str | None" = None) -> list[tuple[int, str]]:
        """``(id, committer)`` of every ``Committed`` event (of ``submitter`` only, if given)."""
        topics = {"submitter": submitter} if submitter else {}
        return [(int(e.id), str(e.submitter)) for e in self._events("Committed", **topics)]

    def commitment_of(self, submission_id: int) -> "str | None":
        """The stored commitment of an unrevealed submission, top bit cleared (as the contract keeps
        it); ``None`` once revealed."""
        value = bytes(self.contract.commitment_of(submission_id))
        return None if value == bytes(32) else "0x" + value.hex()

    def revealed_submissions(self) -> list[RevealedSubmission]:
        """Every revealed submission with its hyperparameters, in id order (its revealer is its committer:
        the commitment binds the sender)."""
        committers = dict(self.commits())
        out = []
        for e in self._events("Revealed"):
            values = list(decode_revealed(e.hyperparameters))
            out.append(RevealedSubmission(int(e.id), committers[int(e.id)], Hyperparameters.from_chain(values)))
        return sorted(out, key=lambda s: s.id)

    def revealed_test_data(self) -> "tuple[str, str] | None":
        """``(test_cid, salt hex)`` once the organizer revealed the test set."""
        logs = self._events("TestDataRevealed")
        if not logs:
            return None
        return str(logs[-1].test_cid), "0x" + bytes(logs[-1].salt).hex()

    def posted_scores(self) -> tuple[dict[int, int], list[str]]:
        """Scores the organizer posted so far by id (as posted, before any ruling), and the report CIDs
        in posting order."""
        scores: dict[int, int] = {}
        reports: list[str] = []
        for e in self._events("ScoresPosted"):
            scores.update(decode_score_entry(x) for x in e.entries)
            if str(e.report_cid) not in reports:
                reports.append(str(e.report_cid))
        return scores, reports

    def score_batches(self) -> list[list[int]]:
        """Every ``ScoresPosted.entries`` list in posting order: what a challenge proves a score from and
        what ``rerank`` replays (``bounty_client.protocol.wire.score_proof``)."""
        return [[int(x) for x in e.entries] for e in self._events("ScoresPosted")]

    def scores_on_record(self) -> dict[int, int]:
        """The scores that decide the payout: posted, with every upheld ruling's score in place of the
        posted one."""
        scores, _ = self.posted_scores()
        for d in self.disputes():
            if d.upheld and d.kind is DisputeKind.SCORE:
                scores[d.key] = int(d.ruling)
        return scores

    def disputes(self) -> list[Dispute]:
        """Every challenge (``Challenged`` events) with its ruling once the arbiter answered
        (``Ruled``), in the order they were opened."""
        opened = self._events("Challenged")
        if not opened:
            return []
        ruled: dict[int, list[Any]] = {}
        for e in self._events("Ruled"):
            ruled.setdefault(int(e.key), []).append(e)
        out = []
        for e in opened:
            key = int(e.key)
            # A key is disputed at most once at a time: its n-th ruling answers its n-th challenge.
            answer = ruled.get(key, []).pop(0) if ruled.get(key) else None
            out.append(Dispute(
                key=key, challenger=checksum_address(e.challenger), posted=int(e.posted), claimed=int(e.claimed),
                bond=int(e.bond), fee=int(e.fee), arbiter_dispute=int(e.arbiter_dispute), block=int(e.block_number),
                tx=str(e.transaction_hash), ruling=None if answer is None else int(answer.ruling),
                upheld=None if answer is None else bool(answer.upheld),
                ruled_tx=None if answer is None else str(answer.transaction_hash)))
        return out

    def open_disputes(self) -> int:
        """``open_disputes()``: challenges the arbiter has not ruled on."""
        return int(self.contract.open_disputes())

    def arbiter(self) -> "str | None":
        """The arbiter named at creation, or ``None`` (scores trusted, not challengeable)."""
        creation = self.creation()
        return creation.arbiter if creation.has_arbiter else None

    def arbiter_fee(self) -> int:
        """Wei the arbiter charges per dispute (``IArbiter.fee()``), paid besides the challenge bond."""
        arbiter = self.arbiter()
        if arbiter is None:
            return 0
        return int(contract_at("RerunJury", arbiter).fee())

    def ranking_stale(self) -> bool:
        """``ranking_stale()``: a ruling removed a ranked entry; :meth:`rerank` rebuilds the ranking."""
        return bool(self.contract.ranking_stale())

    def test_data_voided(self) -> bool:
        """``test_data_voided()``: an upheld challenge voided the test data (the bounty ends SHARED)."""
        return bool(self.contract.test_data_voided())

    def claimable(self, submission_id: int) -> int:
        """``claimable(id)``: wei ``claim([id])`` pays its revealer after settlement (deposit, and share)."""
        return int(self.contract.claimable(submission_id))

    def claimable_ids(self, account: Any) -> list[int]:
        """Ids ``account`` revealed that still have something to claim, in id order."""
        address = str(getattr(account, "address", account)).lower()
        ids = [i for i, who in self.commits() if who.lower() == address]
        return [i for i in sorted(ids) if self.claimable(i) > 0]

    def credits(self, account: Any) -> int:
        """``credits(account)``: wei ``account`` can withdraw now."""
        return int(self.contract.credits(account))

    def organizer(self) -> str:
        """``organizer()``: the address that opened the bounty."""
        return str(self.contract.organizer())

    def is_organizer(self, account: Any) -> bool:
        """Whether ``account`` (an account or an address) is the organizer."""
        return self.organizer().lower() == str(getattr(account, "address", account)).lower()

    def outcome(self) -> Outcome:
        """``outcome()``: NONE until finalized or cancelled."""
        return Outcome(int(self.contract.outcome()))

    def min_accuracy(self) -> int:
        """``min_accuracy()``: basis points a score needs to qualify."""
        return int(self.contract.min_accuracy())

    def submission_count(self) -> int:
        """``submission_count()``: commitments made so far."""
        return int(self.contract.submission_count())

    def revealed_count(self) -> int:
        """``revealed_count()``: submissions revealed so far."""
        return int(self.contract.revealed_count())

    def scored_count(self) -> int:
        """``scored_count()``: submissions with a posted score."""
        return int(self.contract.scored_count())

    def next_score_id(self) -> int:
        """``next_score_id()``: the lowest id ``post_scores`` still accepts (ids go in increasing order)."""
        return int(self.contract.next_score_id())

    def test_commitment(self) -> str:
        """``test_commitment()`` as 0x-hex (sealed mode; all zeros in future-window mode)."""
        return "0x" + bytes(self.contract.test_commitment()).hex()

    def test_revealed(self) -> bool:
        """``test_revealed()``: the test data (sealed set or future window) is posted."""
        return bool(self.contract.test_revealed())

    def randomness_drawn(self) -> bool:
        """``randomness_drawn()``: :meth:`draw_randomness` happened."""
        return bool(self.contract.randomness_drawn())

    def randomness(self) -> "bytes | None":
        """The evaluation randomness the contract recorded (``draw_randomness``, callable from the
        reveal deadline on); ``None`` before it is drawn."""
        if not self.randomness_drawn():
            return None
        return bytes(self.contract.randomness())

    def ranking(self) -> list[tuple[int, int]]:
        """``ranking()``: ``(id, score_bps)`` of the top K qualified scores, best first."""
        ids, scores = self.contract.ranking()
        return [(int(i), int(s)) for i, s in zip(ids, scores)]

    def submission(self, submission_id: int) -> SubmissionState:
        """``submission(id)``: submitter (while revealed and unclaimed) and the committed, revealed, eligible
        and claimed flags."""
        s = self.contract.submission(submission_id)
        return SubmissionState(str(s.submitter), bool(s.committed), bool(s.revealed), bool(s.eligible),
                               bool(s.claimed))

    def credited(self, receipts: Any = None) -> list[Credit]:
        """Every ``Credited`` event as a :class:`~bounty_client.protocol.settlement.Credit` (account,
        wei, reason), in order: those of ``receipts`` (one receipt or a list of them), else all of the
        bounty's."""
        if receipts is None:
            logs = self._events("Credited")
        else:
            receipts = receipts if isinstance(receipts, (list, tuple)) else [receipts]
            logs = [e for r in receipts for e in r.events if getattr(e, "event_name", "") == "Credited"]
        return [Credit(checksum_address(e.account), int(e.amount), CreditReason(int(e.reason))) for e in logs]

    def settlement(self) -> Settlement:
        """What this bounty pays, read from the chain (compare with
        :func:`bounty_client.protocol.settlement.settle`, the pure mirror of the contract's rules).

        ``outcome`` and ``ranking`` from the views, ``qualified`` from the scores on record and
        ``min_accuracy()``, ``credits`` from every ``Credited`` event, ``claims`` from what each
        revealed submission can still claim (``claimable(id)``) plus what ``Claimed`` events paid
        (one pseudo-claim per account: a paid claim does not say its ids), so it compares with
        ``settle`` whether or not claims were made.  Before ``finalize`` nothing is credited by the
        settlement (outcome NONE)."""
        c = self.contract
        outcome = self.outcome()
        ranking = tuple(self.ranking())
        scores = self.scores_on_record()
        min_accuracy = self.min_accuracy()
        qualified = tuple(sorted(i for i, s in scores.items() if s >= min_accuracy))
        credits = self.credited()
        share = int(c.abandon_share())
        claims: list[Claim] = []
        if outcome not in (Outcome.NONE, Outcome.CANCELLED):
            for s in self.revealed_submissions():
                amount = self.claimable(s.id)
                if amount:
                    claims.append(Claim(s.id, checksum_address(s.submitter), amount - share, share))
            # A paid claim says how much, not for which ids: one pseudo-claim (id -1) per event.
            for e in self._events("Claimed"):
                claims.append(Claim(-1, checksum_address(e.account), int(e.amount), 0))
        burned = int(c.burned())
        return Settlement(outcome, qualified, ranking, tuple(credits), share, burned, tuple(claims))

    # ------------------------------------------------------------- guards
    def require_stage(self, action: str, *allowed: Stage) -> Stage:
        """The stage at the timestamp the transaction will be mined with (:meth:`now`), if it is one of
        ``allowed``; else raise :class:`StageError` naming that stage and when the right one opens."""
        now = self.now()
        stage = self.stage_at(now)
        if stage in allowed:
            return stage
        wanted = " or ".join(s.name for s in allowed)
        msg = f"cannot {action}: bounty {self.address} is in stage {stage.name}; {action} needs {wanted}"
        d1, d2, d3, _ = self.deadlines()
        d4 = self.challenge_deadline()
        opens = {Stage.REVEAL: d1, Stage.EVALUATION: d2, Stage.CHALLENGE: d3, Stage.EXPIRED: d4}
        future = [(opens[s], s) for s in allowed if s in opens and opens[s] > now]
        if stage.is_closed():
            msg += "; the bounty is closed"
        elif future:
            ts, _ = min(future)
            msg += f", which opens at {format_utc(ts)} (in {ts - now} s)"
        else:
            msg += "; that stage has passed"
        raise StageError(msg)

    def require_test_data_window(self, action: str) -> None:
        """Guard of ``reveal_test_data``/``post_test_data`` at the mined timestamp: stage EVALUATION, test
        data not posted yet, the randomness drawn (:meth:`draw_randomness`, an earlier transaction) and in
        future-window mode ``test_data_after`` reached.  Raises :class:`StageError`."""
        self.require_stage(action, Stage.EVALUATION)
        if self.test_revealed():
            raise StageError(f"cannot {action}: the test data of {self.address} is already posted")
        if not self.randomness_drawn():
            raise StageError(f"cannot {action}: the randomness of {self.address} is not drawn yet "
                             "(draw_randomness first; test data is accepted only after it)")
        after = self.deadlines()[3]
        now = self.now()
        if after and now < after:
            raise StageError(f"cannot {action}: the test window of {self.address} closes at {format_utc(after)} "
                             f"(in {after - now} s); no test data is accepted before")

    def randomness_block(self) -> int:
        """``randomness_block()``: while the draw is requested, the block whose hash will fix it; else 0."""
        return int(self.contract.randomness_block())

    def draw_randomness(self, sender: Any) -> Any:
        """Anyone, once, in stage EVALUATION: fix the evaluation randomness.  The contract draws in two
        calls (the first requests the next block's hash, a later one reads it: a caller cannot grind
        it); this sends the request unless one is pending, waits for the requested block (on a
        development node by mining it, see :func:`~bounty_client.chain.clock.wait_for_block`), then draws.
        Returns the receipt of the draw.  Raises :class:`StageError` outside the stage or when fewer than
        :data:`DRAW_BLOCKS` blocks fit before the evaluation deadline (nothing sent), :class:`ChainError`
        once drawn."""
        from .clock import wait_for_block

        self.require_stage("draw the randomness", Stage.EVALUATION)
        if self.randomness_drawn():
            raise ChainError(f"the randomness of {self.address} is already drawn")
        from ape import chain

        target = self.randomness_block()
        if not target or chain.blocks.height - target > 255:
            # The draw lands DRAW_BLOCKS blocks after the request; all must come before the evaluation
            # deadline, or the request only burns gas.
            now, deadline = self.now(), self.deadlines()[2]
            margin = DRAW_BLOCKS * block_seconds()
            if now + margin >= deadline:
                raise StageError(f"cannot draw the randomness of {self.address}: the draw needs {DRAW_BLOCKS} blocks "
                                 f"after its request (about {margin} s) and the evaluation window closes at "
                                 f"{format_time(deadline, now)}")
            self.contract.draw_randomness(sender=sender)
            target = self.randomness_block()
        wait_for_block(target)  # the draw lands in a later block than the requested one
        return self.contract.draw_randomness(sender=sender, gas_limit=DRAW_GAS)

    def claim(self, sender: Any, ids: "list[int] | None" = None) -> list[Any]:
        """After settlement, claim what ``sender``'s submissions are owed (each one's deposit, and after
        SHARED its share): ``ids`` (default: every id it revealed with something left to claim), in
        batches of at most ``MAX_SCORE_BATCH`` (128).  Returns the receipts.  Raises :class:`ChainError`
        before settlement or when nothing is left to claim (nothing sent)."""
        outcome = self.outcome()
        if outcome in (Outcome.NONE, Outcome.CANCELLED):
            raise ChainError(f"cannot claim: bounty {self.address} is not settled (outcome {outcome.name}); claims "
                             "open at finalize")
        ids = self.claimable_ids(sender) if ids is None else [int(i) for i in ids]
        if not ids:
            raise ChainError(f"nothing to claim: {sender.address} has no revealed submission in {self.address} with "
                             "a deposit or share left (a winner's deposit came with its prize; a score below the "
                             "minimum forfeits it)")
        return [self.contract.claim(ids[i : i + MAX_SCORE_BATCH], sender=sender)
                for i in range(0, len(ids), MAX_SCORE_BATCH)]

    # ------------------------------------------------------------- disputes
    def require_challengeable(self, action: str) -> None:
        """Guard of a challenge at the mined timestamp: an arbiter, not settled, test data not voided, before
        the challenge deadline.  Raises :class:`ChainError` / :class:`StageError` naming what fails."""
        if self.arbiter() is None:
            raise ChainError(f"cannot {action}: bounty {self.address} has no arbiter; its scores are trusted "
                             "(verify still checks them) and cannot be challenged")
        if self.outcome() is not Outcome.NONE:
            raise StageError(f"cannot {action}: bounty {self.address} is settled ({self.outcome().name})")
        if self.test_data_voided():
            raise StageError(f"cannot {action}: the test data of {self.address} was voided; no score stands")
        deadline, now = self.challenge_deadline(), self.now()
        if now >= deadline:
            raise StageError(f"cannot {action}: the challenge window of {self.address} closed at "
                             f"{format_utc(deadline)} ({relative_time(deadline, now)})")

    def challenge(self, submission_id: int, claimed: int, *, sender: Any) -> Any:
        """Dispute the score on record of ``submission_id``: ``claimed`` bps is what ``sender`` says it is.
        Pays ``challenge_bond() + arbiter fee``; proves the posted score from its ``ScoresPosted`` batch
        (:func:`~bounty_client.protocol.wire.score_proof`).  Returns the receipt.  Raises
        :class:`ArgumentError` for a claim outside 0..10000 or within the tolerance of the score on
        record, :class:`ChainError` when it is not scored or already disputed, :class:`StageError`
        outside the window (nothing sent)."""
        self.require_challengeable("challenge")
        if isinstance(claimed, bool) or not isinstance(claimed, int) or not 0 <= claimed <= BPS:
            raise ArgumentError(f"claimed: a score in 0..{BPS} bps, got {claimed!r}")
        record = self.scores_on_record()
        if submission_id not in record:
            raise ChainError(f"cannot challenge #{submission_id}: no score of it is posted on {self.address}")
        tolerance = self.creation().score_tolerance
        if abs(claimed - record[submission_id]) <= tolerance:
            raise ArgumentError(f"claimed: {claimed} bps is within the {tolerance} bps tolerance of the score on "
                                f"record ({record[submission_id]}); a ruling could not uphold it")
        if int(self.contract.dispute(submission_id).challenger, 16) != 0:
            raise ChainError(f"cannot challenge #{submission_id}: it is already disputed; wait for the ruling")
        corrected, _ = self.contract.corrected_score(submission_id)
        proof = (0, bytes(32), [], []) if corrected else score_proof(self.score_batches(), submission_id)
        value = self.creation().challenge_bond + self.arbiter_fee()
        return self.contract.challenge(submission_id, claimed, *proof, sender=sender, value=value)

    def challenge_test_data(self, *, sender: Any) -> Any:
        """Dispute the posted test data (not the source's rows, or not a valid test set).  Pays the bond
        plus the arbiter fee; an upheld ruling voids every score.  Returns the receipt; raises like
        :meth:`challenge` (nothing sent)."""
        self.require_challengeable("challenge the test data")
        if not self.test_revealed():
            raise StageError(f"cannot challenge the test data of {self.address}: none is posted yet")
        if int(self.contract.dispute(TEST_DATA_KEY).challenger, 16) != 0:
            raise ChainError(f"cannot challenge the test data of {self.address}: it is already disputed")
        value = self.creation().challenge_bond + self.arbiter_fee()
        return self.contract.challenge_test_data(sender=sender, value=value)

    def rerank(self, *, sender: Any) -> list[Any]:
        """Rebuild a stale ranking: replay every score batch (from ``ScoresPosted`` events) from the
        contract's cursor on, one call per checkpoint segment (32 batches).  Returns the receipts;
        raises :class:`ChainError` when the ranking is not stale (nothing sent)."""
        if not self.ranking_stale():
            raise ChainError(f"nothing to rerank: the ranking of {self.address} is not stale")
        batches = self.score_batches()
        cursor = int(self.contract.rerank_cursor())
        receipts = []
        while cursor < len(batches):
            end = min((cursor // CHECKPOINT_INTERVAL + 1) * CHECKPOINT_INTERVAL, len(batches))
            receipts.append(self.contract.rerank(batches[cursor:end], sender=sender))
            cursor = end
        return receipts

    def reclaim(self, key: int, *, sender: Any) -> Any:
        """After a fail-safe settlement, return a dispute the arbiter never ruled on: its challenger is
        credited its bond and fee back (``reclaim(key)``).  Returns the receipt."""
        if self.outcome() is Outcome.NONE:
            raise StageError(f"cannot reclaim: bounty {self.address} is not finalized")
        if int(self.contract.dispute(key).challenger, 16) == 0:
            raise ChainError(f"nothing to reclaim: no open dispute of key {key} on {self.address}")
        return self.contract.reclaim(key, sender=sender)

    # ------------------------------------------------------------- transactions
    def commit(self, commitment: "bytes | str", *, sender: Any, deposit: int) -> int:
        """``commit(commitment)`` paying ``deposit`` wei; returns the new submission id (from the receipt's
        ``Committed`` event).  The caller checks the stage, the cap and the balance first."""
        receipt = self.contract.commit(commitment, sender=sender, value=deposit)
        committed = [log for log in receipt.events if getattr(log, "event_name", "") == "Committed"]
        return int(committed[-1].id)

    def reveal(self, submission_id: int, hyperparameters: Hyperparameters, salt: "bytes | str", *,
               sender: Any) -> Any:
        """``reveal(id, hyperparameters, salt)``: open one sealed submission (the seven committed values
        packed into one word, :func:`~bounty_client.protocol.wire.encode_revealed`); returns the receipt."""
        salt = bytes.fromhex(salt[2:]) if isinstance(salt, str) else bytes(salt)
        return self.contract.reveal(submission_id, encode_revealed(hyperparameters.to_chain()), salt, sender=sender)

    def reveal_test_data(self, test_cid: str, salt: "bytes | str", *, sender: Any) -> Any:
        """Organizer, sealed mode: ``reveal_test_data(cid, salt)`` opens the test commitment; returns the receipt."""
        salt = bytes.fromhex(salt[2:]) if isinstance(salt, str) else bytes(salt)
        return self.contract.reveal_test_data(test_cid, salt, sender=sender)

    def post_test_data(self, test_cid: str, *, sender: Any) -> Any:
        """Organizer, future-window mode: ``post_test_data(cid)`` posts the window's rows; returns the receipt."""
        return self.contract.post_test_data(test_cid, sender=sender)

    def post_scores(self, ids: "list[int]", scores: "list[int]", report_cid: str, *, sender: Any) -> Any:
        """Organizer: ``post_scores(ids, scores, report_cid)`` for one batch (ids strictly increasing, at most
        ``MAX_SCORE_BATCH``); returns the receipt."""
        return self.contract.post_scores(list(ids), list(scores), report_cid, sender=sender)

    def finalize(self, *, sender: Any) -> Any:
        """``finalize()``: settle the bounty; returns the receipt (its ``Credited`` events say who gets what)."""
        return self.contract.finalize(sender=sender)

    def cancel(self, *, sender: Any) -> Any:
        """Organizer, before the first commit: ``cancel()``; returns the receipt."""
        return self.contract.cancel(sender=sender)

    def withdraw(self, sender: Any) -> Any:
        """Pull ``sender``'s whole credit (``withdraw()``); returns the receipt.  Raises :class:`ChainError`
        when it has nothing to withdraw (nothing sent)."""
        if self.credits(sender) == 0:
            raise ChainError(f"nothing to withdraw: {sender.address} has no credit in {self.address}")
        return self.contract.withdraw(sender=sender)

