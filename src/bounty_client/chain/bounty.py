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
from ..protocol.settlement import Credit, Settlement
from ..protocol.wire import (MAX_SCORE_BATCH, CreditReason, Outcome, Stage, checksum_address, decode_revealed,
                             decode_score_entry)
from .authenticity import authenticate
from .clock import format_utc, mined_timestamp, relative_time
from .factory import BountyCreation, Factory
from .project import contract_at

__all__ = ["Bounty", "BountyStatus", "RevealedSubmission", "SubmissionState"]


# ---------------------------------------------------------------- data records
@dataclass(frozen=True)
class RevealedSubmission:
    """One revealed submission, decoded from its ``Revealed`` event."""

    id: int
    submitter: str
    hyperparameters: Hyperparameters


@dataclass(frozen=True)
class SubmissionState:
    """``submission(id)``: what the contract stores of one submission."""

    #: revealing address; empty (the zero address) until revealed
    submitter: str
    committed: bool
    revealed: bool
    #: abandonment share already claimed (SHARED outcome only)
    share_claimed: bool


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
    #: every posted score by submission id (qualifying or not)
    scores: dict[int, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["stage"] = self.stage.name
        d["outcome"] = self.outcome.name
        return d

    def __repr__(self) -> str:
        lines = [
            f"Bounty {self.address}: stage {self.stage.name}"
            + (f", outcome {self.outcome.name}" if self.outcome else ""),
            f"  organizer {self.organizer}, reward {self.reward / 1e18:g} ETH, balance {self.balance / 1e18:g} ETH",
            f"  chain time {format_utc(self.now)}",
            self._deadline("submissions close", self.submission_deadline),
            self._deadline("reveals close", self.reveal_deadline),
            self._deadline("evaluation closes", self.evaluation_deadline),
            f"  min accuracy {self.min_accuracy} bps, prize shares {list(self.prize_shares)} bps,"
            f" deposit {self.commit_deposit / 1e18:g} ETH",
            f"  {self.submission_count}/{self.max_submissions} committed, {self.revealed_count} revealed,"
            f" {self.scored_count} scored, test set {'revealed' if self.test_revealed else 'sealed'}",
        ]
        if self.ranking:
            lines.append("  ranking: " + ", ".join(f"#{i} {s} bps" for i, s in self.ranking))
        if self.scores:
            below = [f"#{i} {s} bps" for i, s in sorted(self.scores.items(), key=lambda p: (-p[1], p[0]))
                     if s < self.min_accuracy]
            if below:
                lines.append(f"  below the minimum {self.min_accuracy} bps: " + ", ".join(below))
        return "\n".join(lines)

    def _deadline(self, label: str, ts: int) -> str:
        """``"  reveals close in 23h59m (2026-01-02 03:04:05 UTC)"``, relative to chain time."""
        if ts <= self.now:
            label = label.rsplit(" ", 1)[0] + " closed"
        return f"  {label} {relative_time(ts, self.now)} ({format_utc(ts)})"


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

    def stage_at(self, timestamp: int) -> Stage:
        """The stage a transaction mined at ``timestamp`` meets: the contract's ``stage()`` rule applied to
        the stored outcome and the deadlines (not the view at the latest block, which is one block old)."""
        outcome = Outcome(self.contract.outcome())
        if outcome == Outcome.CANCELLED:
            return Stage.CANCELLED
        if outcome != Outcome.NONE:
            return Stage.FINALIZED
        d1, d2, d3, _ = self.deadlines()
        if timestamp < d1:
            return Stage.SUBMISSION
        if timestamp < d2:
            return Stage.REVEAL
        if timestamp < d3:
            return Stage.EVALUATION
        return Stage.EXPIRED

    def status(self) -> BountyStatus:
        from ape import chain

        c = self.contract
        ids, scores = c.ranking()
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
            scores=self.posted_scores()[0] if int(c.scored_count()) else {},
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
        """Every revealed submission with its hyperparameters, in id order."""
        out = []
        for e in self._events("Revealed"):
            values = list(decode_revealed(e.hyperparameters))
            out.append(RevealedSubmission(int(e.id), str(e.submitter), Hyperparameters.from_chain(values)))
        return sorted(out, key=lambda s: s.id)

    def revealed_test_data(self) -> "tuple[str, str] | None":
        """``(test_cid, salt hex)`` once the organizer revealed the test set."""
        logs = self._events("TestDataRevealed")
        if not logs:
            return None
        return str(logs[-1].test_cid), "0x" + bytes(logs[-1].salt).hex()

    def posted_scores(self) -> tuple[dict[int, int], list[str]]:
        """Scores posted so far by id, and the report CIDs in posting order."""
        scores: dict[int, int] = {}
        reports: list[str] = []
        for e in self._events("ScoresPosted"):
            scores.update(decode_score_entry(x) for x in e.entries)
            if str(e.report_cid) not in reports:
                reports.append(str(e.report_cid))
        return scores, reports

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
        """``submission(id)``: submitter (once revealed) and the committed/revealed/share-claimed flags."""
        s = self.contract.submission(submission_id)
        return SubmissionState(str(s.submitter), bool(s.committed), bool(s.revealed), bool(s.share_claimed))

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

        ``outcome`` and ``ranking`` from the views, ``qualified`` from the posted scores and
        ``min_accuracy()``, ``credits`` from every ``Credited`` event plus, under SHARED, one
        SHARE per revealed id whose share is not claimed yet (``abandon_share()``): so it
        compares with ``settle`` whether or not shares were claimed.  Before ``finalize``
        only the deposits are credited (outcome NONE)."""
        c = self.contract
        outcome = self.outcome()
        ranking = tuple(self.ranking())
        posted, _ = self.posted_scores()
        min_accuracy = self.min_accuracy()
        qualified = tuple(sorted(i for i, s in posted.items() if s >= min_accuracy))
        credits = self.credited()
        share = int(c.abandon_share())
        if outcome is Outcome.SHARED and share:
            for s in self.revealed_submissions():
                if not c.submission(s.id).share_claimed:
                    credits.append(Credit(checksum_address(s.submitter), share, CreditReason.SHARE))
        return Settlement(outcome, qualified, ranking, tuple(credits), share, int(c.burned()))

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
        opens = {Stage.REVEAL: d1, Stage.EVALUATION: d2, Stage.EXPIRED: d3}
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

    def draw_randomness(self, sender: Any) -> Any:
        """Anyone, once, in stage EVALUATION: fix the evaluation randomness (one transaction; returns the
        receipt).  Raises :class:`StageError` outside the stage, :class:`ChainError` once drawn."""
        self.require_stage("draw the randomness", Stage.EVALUATION)
        if self.randomness_drawn():
            raise ChainError(f"the randomness of {self.address} is already drawn")
        return self.contract.draw_randomness(sender=sender)

    def claimable_share_ids(self, account: Any) -> list[int]:
        """Ids ``account`` revealed whose abandonment share it has not claimed yet, in id order."""
        address = str(getattr(account, "address", account))
        ids = [int(e.id) for e in self._events("Revealed") if str(e.submitter).lower() == address.lower()]
        return [i for i in sorted(ids) if not self.contract.submission(i).share_claimed]

    def claim_shares(self, sender: Any) -> list[Any]:
        """After a SHARED outcome, claim ``sender``'s unclaimed shares: only ids it revealed and has not
        claimed, in batches of at most ``MAX_SCORE_BATCH`` (128) ids.  Returns the receipts.  Raises
        :class:`ChainError` when the outcome is not SHARED or nothing is left to claim (nothing sent)."""
        outcome = Outcome(self.contract.outcome())
        if outcome != Outcome.SHARED:
            raise ChainError(f"cannot claim shares: bounty {self.address} has outcome {outcome.name}; shares exist "
                             "only after an abandoned bounty (SHARED)")
        ids = self.claimable_share_ids(sender)
        if not ids:
            raise ChainError(f"nothing to claim: {sender.address} has no revealed, unclaimed submission in "
                             f"{self.address}")
        return [self.contract.claim_shares(ids[i : i + MAX_SCORE_BATCH], sender=sender)
                for i in range(0, len(ids), MAX_SCORE_BATCH)]

    # ------------------------------------------------------------- transactions
    def commit(self, commitment: "bytes | str", *, sender: Any, deposit: int) -> int:
        """``commit(commitment)`` paying ``deposit`` wei; returns the new submission id (from the receipt's
        ``Committed`` event).  The caller checks the stage, the cap and the balance first."""
        receipt = self.contract.commit(commitment, sender=sender, value=deposit)
        committed = [log for log in receipt.events if getattr(log, "event_name", "") == "Committed"]
        return int(committed[-1].id)

    def reveal(self, submission_id: int, hyperparameters: Hyperparameters, salt: "bytes | str", *,
               sender: Any) -> Any:
        """``reveal(id, values..., salt)``: open one sealed submission (values in ``to_chain()`` order);
        returns the receipt."""
        salt = bytes.fromhex(salt[2:]) if isinstance(salt, str) else bytes(salt)
        return self.contract.reveal(submission_id, *hyperparameters.to_chain(), salt, sender=sender)

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

