"""Helpers shared by the contract tests (constants, enums mirrored from Bounty.vy, a bounty harness).

A module with a unique name, so `from bounty_harness import ...` cannot pick up another folder's conftest.
The fixtures themselves are in conftest.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi import encode
from eth_utils import keccak

# The client's mirror of the contract's enums (bounty_client.protocol.wire): the contract tests check them too.
from bounty_client.protocol.wire import (CreditReason, Outcome, Stage, TEST_DATA_KEY, encode_revealed,  # noqa: F401
                                          score_proof)
from bounty_client.protocol.hyperparams import Hyperparameters, commitment, test_commitment

ETHER = 10**18
REWARD = 10 * ETHER
TEST_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
TEST_SALT = bytes(range(32))
SPEC_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
DATA_CIDS = [f"bafkreidatacid{i:02d}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" for i in range(4)]
# Seconds from "now" (the next block) to each deadline in the default bounty.
SUBMISSION_WINDOW = 1_000
REVEAL_WINDOW = 1_000
EVALUATION_WINDOW = 1_000
CHALLENGE_PERIOD = 1_000
RESOLUTION_PERIOD = 3_000
# The jury of the dispute tests (RerunJury): stake and fee per juror / dispute, its periods.
JURY_STAKE = 10**18
JURY_FEE = 10**16
JURY_COMMIT = 600
JURY_REVEAL = 600
JURY_TOLERANCE = 100
JURY_SLASH_BPS = 2_000
CHALLENGE_BOND = 10**17
SCORE_TOLERANCE = 50
HP = Hyperparameters(lstm_layers=2, lstm_units=64, dense_layers=1, activation="relu", loss="sparse_categorical_crossentropy")


# Default feature count of the test bounties and a cost bound that admits every configuration
# within CHAIN_LIMITS (tests of the bound lower it).
N_FEATURES = 4
MAX_COST_ANY = 2**32 - 1


def salt_for(n: int) -> bytes:
    """A deterministic, distinct 32-byte salt per test submission."""
    return n.to_bytes(4, "big") * 8


@dataclass
class Entry:
    """One committed submission as the test remembers it."""

    id: int
    account: Any
    hp: Hyperparameters
    salt: bytes


@dataclass
class BountyHarness:
    """A bounty plus the knowledge needed to drive it: deadlines, test CID/salt, entries."""

    contract: Any
    organizer: Any
    chain: Any
    submission_deadline: int
    reveal_deadline: int
    evaluation_deadline: int
    deposit: int = 0
    test_data_after: int = 0
    created: Any = None
    entries: list[Entry] = field(default_factory=list)
    #: the extension half (BountyExtension's ABI at the bounty's address)
    ext: Any = None
    challenge_deadline: int = 0
    resolution_deadline: int = 0
    jury: Any = None
    #: every posted batch's ``ScoresPosted.entries``, in order (to build proofs and reranks)
    batches: list[list[int]] = field(default_factory=list)
    #: wei each address sent to the bounty (creation, deposits, challenge bonds and fees)
    paid: dict[str, int] = field(default_factory=dict)

    def pay(self, account: Any, amount: int) -> None:
        address = str(getattr(account, "address", account))
        self.paid[address] = self.paid.get(address, 0) + int(amount)

    def settle_all(self, accounts: Any) -> dict[str, int]:
        """Every address in ``accounts`` withdraws its credit and claims what each of its revealed
        submissions can; returns what each received (``Withdrawn`` and ``Claimed`` amounts)."""
        received: dict[str, int] = {}
        for a in accounts:
            if self.contract.credits(a):
                (ev,) = self.contract.withdraw(sender=a).decode_logs(self.contract.Withdrawn)
                received[a.address] = received.get(a.address, 0) + ev.amount
            ids = [e.id for e in self.entries if e.account.address == a.address and self.contract.claimable(e.id)]
            if ids:
                (ev,) = self.contract.claim(ids, sender=a).decode_logs(self.contract.Claimed)
                received[a.address] = received.get(a.address, 0) + ev.amount
        return received

    def net(self, received: dict[str, int], *accounts: Any) -> int:
        """What ``accounts`` together received minus what they paid in (wei; gas aside)."""
        addresses = {str(getattr(a, "address", a)) for a in accounts}
        return sum(received.get(a, 0) for a in addresses) - sum(self.paid.get(a, 0) for a in addresses)

    @property
    def address(self) -> str:
        return self.contract.address

    def at(self, timestamp: int) -> None:
        """Make ``timestamp`` the next block's timestamp (what the next transaction sees)."""
        self.chain.pending_timestamp = timestamp

    def at_least(self, timestamp: int) -> None:
        """Move the clock to ``timestamp`` unless the chain is already past it."""
        self.at(max(timestamp, self.chain.blocks.head.timestamp + 1))

    def commit(self, account: Any, hp: Hyperparameters = HP, salt: bytes | None = None, **kw: Any) -> Entry:
        salt = salt if salt is not None else salt_for(len(self.entries) + 1)
        c = commitment(self.address, account.address, hp, salt)
        kw.setdefault("value", self.deposit)
        receipt = self.contract.commit(c, sender=account, **kw)
        self.pay(account, kw["value"])
        (event,) = receipt.decode_logs(self.contract.Committed)
        entry = Entry(id=event.id, account=account, hp=hp, salt=salt)
        self.entries.append(entry)
        return entry

    def reveal(self, entry: Entry, sender: Any = None, **kw: Any):
        word = encode_revealed(entry.hp.to_chain())
        return self.contract.reveal(entry.id, word, entry.salt, sender=sender or entry.account, **kw)

    def request(self, **kw: Any):
        """The draw's first call (it requests the next block's hash)."""
        kw.setdefault("sender", self.organizer)
        return self.ext.draw_randomness(**kw)

    def draw(self, **kw: Any):
        """Both calls of the draw: request, one block, draw. Returns the second receipt."""
        kw.setdefault("sender", self.organizer)
        first = self.ext.draw_randomness(**kw)
        if not self.contract.randomness_drawn():
            self.chain.mine()  # the requested block (the one after the request's) must be mined first
            return self.ext.draw_randomness(**kw)
        return first

    def reveal_test(self, **kw: Any):
        kw.setdefault("sender", self.organizer)
        return self.ext.reveal_test_data(TEST_CID, TEST_SALT, **kw)

    def open_test(self) -> None:
        """From wherever the clock is: on to the reveal deadline, draw the randomness, open the test set."""
        self.at_least(self.reveal_deadline)
        if not self.contract.randomness_drawn():
            self.draw()
        self.reveal_test()

    def score(self, scores: dict[int, int], report_cid: str = "bafkreireport", **kw: Any):
        kw.setdefault("sender", self.organizer)
        receipt = self.contract.post_scores(list(scores), list(scores.values()), report_cid, **kw)
        (event,) = receipt.decode_logs(self.contract.ScoresPosted)
        self.batches.append([int(e) for e in event.entries])
        return receipt

    # ----------------------------------------------------------------- disputes
    def challenge(self, account: Any, submission_id: int, claimed: int, **kw: Any):
        """Challenge the score posted for ``submission_id`` (proved from the recorded batches; a
        score a ruling replaced needs no proof), paying the bond plus the arbiter's fee."""
        corrected, _ = self.contract.corrected_score(submission_id)
        if corrected:
            proof = (0, bytes(32), [], [])
        else:
            proof = score_proof(self.batches, submission_id)
        kw.setdefault("value", self.contract.challenge_bond() + self.jury.fee())
        receipt = self.ext.challenge(submission_id, claimed, *proof, sender=account, **kw)
        self.pay(account, kw["value"])
        return receipt

    def challenge_data(self, account: Any, **kw: Any):
        kw.setdefault("value", self.contract.challenge_bond() + self.jury.fee())
        receipt = self.ext.challenge_test_data(sender=account, **kw)
        self.pay(account, kw["value"])
        return receipt

    def scored(self, accounts: Any, scores: Any) -> list[Entry]:
        """Commit one submission per account (distinct models), reveal all, draw the randomness, open
        the test set and post ``scores`` (one per account, in order) in one batch."""
        entries = [self.commit(a, Hyperparameters(1 + i % 8, 16, 0, "relu", "hinge")) for i, a in enumerate(accounts)]
        self.to_reveal()
        for e in entries:
            self.reveal(e)
        self.open_test()
        self.score({e.id: s for e, s in zip(entries, scores)})
        return entries

    def rerank(self, sender: Any = None, **kw: Any):
        return self.ext.rerank(self.batches, sender=sender or self.organizer, **kw)

    def claim(self, entries: "Entry | list[Entry]", **kw: Any):
        entries = entries if isinstance(entries, list) else [entries]
        return self.contract.claim([e.id for e in entries], sender=entries[0].account, **kw)

    def to_reveal(self) -> None:
        self.at(self.submission_deadline)

    def to_evaluation(self) -> None:
        self.at_least(self.reveal_deadline)

    def to_expired(self) -> None:
        """Past the evaluation deadline; with an arbiter, past the challenge deadline too (anyone may finalize)."""
        self.at_least(max(self.evaluation_deadline, self.challenge_deadline))

    def to_challenge(self) -> None:
        """The evaluation deadline: the challenge window's last part (with an arbiter)."""
        self.at_least(self.evaluation_deadline)

    def to_resolution(self) -> None:
        """The resolution deadline: open disputes lead to the fail-safe."""
        self.at_least(self.resolution_deadline)


ZERO_ADDRESS = "0x" + "00" * 20


def creation_args(now: int, **overrides: Any) -> dict[str, Any]:
    """Valid ``BountyFactory.create`` terms (``IBounty.BountyTerms``, deadlines relative to ``now``),
    with overrides; the bond defaults to the reward (``REWARD``)."""
    sub = now + SUBMISSION_WINDOW
    args = dict(
        spec_cid=SPEC_CID,
        data_cids=list(DATA_CIDS),
        min_accuracy=5_000,
        seq_len=60,
        future_period=3,
        n_features=N_FEATURES,
        max_cost=MAX_COST_ANY,
        submission_deadline=sub,
        reveal_deadline=sub + REVEAL_WINDOW,
        evaluation_deadline=sub + REVEAL_WINDOW + EVALUATION_WINDOW,
        test_commitment=test_commitment(TEST_CID, TEST_SALT),
        test_window_start=0,
        test_data_after=0,
        max_submissions=100,
        commit_deposit=0,
        bond=REWARD,
        prize_shares=[],
        arbiter=ZERO_ADDRESS,
        challenge_period=0,
        resolution_period=0,
        challenge_bond=0,
        score_tolerance=0,
    )
    unknown = set(overrides) - set(args)
    if unknown:
        raise TypeError(f"unknown creation argument(s): {sorted(unknown)}")
    args.update(overrides)
    return args


def create_call(factory, sender, args: dict[str, Any], reward: int = REWARD, value: "int | None" = None):
    """``factory.create(terms)`` paying ``reward + terms.bond`` (or exactly ``value``)."""
    value = reward + args["bond"] if value is None else value
    return factory.create(args, sender=sender, value=value)


def jury_terms(jury: Any, **overrides: Any) -> dict[str, Any]:
    """The dispute terms of a bounty judged by ``jury`` (creation overrides)."""
    return dict(arbiter=jury.address, challenge_period=CHALLENGE_PERIOD, resolution_period=RESOLUTION_PERIOD,
                challenge_bond=CHALLENGE_BOND, score_tolerance=SCORE_TOLERANCE, **overrides)


def initialize_params(args: dict[str, Any]) -> dict[str, Any]:
    """``Bounty.initialize``'s ``BountyParams`` (after organizer and reward), from creation terms."""
    return {k: v for k, v in args.items() if k not in ("spec_cid", "data_cids")}


def jury_vote(jury: Any, dispute_id: int, juror: Any, answer: int, salt: bytes = b"\x07" * 32) -> bytes:
    """A juror's sealed answer: keccak256(abi_encode(jury, dispute_id, juror, answer, salt))."""
    return keccak(encode(["address", "uint256", "address", "uint256", "bytes32"],
                         [jury.address, dispute_id, juror.address, answer, salt]))


def rule_by_jury(b: BountyHarness, jurors: Any, answers: Any, dispute_id: "int | None" = None,
                 resolver: Any = None) -> Any:
    """The jury answers the latest dispute (or ``dispute_id``): every juror commits and reveals its
    answer (``None``: stays silent), then anyone resolves. Returns the resolve receipt."""
    dispute_id = b.jury.dispute_count() - 1 if dispute_id is None else dispute_id
    return rule_many(b, jurors, {dispute_id: answers}, resolver)[dispute_id]


def rule_many(b: BountyHarness, jurors: Any, answers: "dict[int, Any]", resolver: Any = None) -> dict[int, Any]:
    """The jury answers several open disputes side by side (``{dispute_id: answers}``): commits for
    all, then reveals for all, then resolves each. Returns the resolve receipts by dispute id."""
    jury = b.jury
    disputes = {i: jury.dispute(i) for i in answers}
    for i, values in answers.items():
        for juror, answer in zip(jurors, values):
            if answer is not None:
                jury.commit_vote(i, jury_vote(jury, i, juror, answer), sender=juror)
    b.at_least(max(d.commit_deadline for d in disputes.values()))
    for i, values in answers.items():
        for juror, answer in zip(jurors, values):
            if answer is not None:
                jury.reveal_vote(i, answer, b"\x07" * 32, sender=juror)
    b.at_least(max(d.reveal_deadline for d in disputes.values()))
    return {i: jury.resolve(i, sender=resolver or jurors[0]) for i in answers}

