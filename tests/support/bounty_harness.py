"""Helpers shared by the contract tests (constants, enums mirrored from Bounty.vy, a bounty harness).

A module with a unique name, so `from bounty_harness import ...` cannot pick up another folder's conftest.
The fixtures themselves are in conftest.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The client's mirror of the contract's enums (bounty_client.protocol.wire): the contract tests check them too.
from bounty_client.protocol.wire import CreditReason, Outcome, Stage  # noqa: F401 (re-exported to the tests)
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
        (event,) = receipt.decode_logs(self.contract.Committed)
        entry = Entry(id=event.id, account=account, hp=hp, salt=salt)
        self.entries.append(entry)
        return entry

    def reveal(self, entry: Entry, sender: Any = None, **kw: Any):
        return self.contract.reveal(entry.id, *entry.hp.to_chain(), entry.salt, sender=sender or entry.account, **kw)

    def draw(self, **kw: Any):
        kw.setdefault("sender", self.organizer)
        return self.contract.draw_randomness(**kw)

    def reveal_test(self, **kw: Any):
        kw.setdefault("sender", self.organizer)
        return self.contract.reveal_test_data(TEST_CID, TEST_SALT, **kw)

    def open_test(self) -> None:
        """From wherever the clock is: on to the reveal deadline, draw the randomness, open the test set."""
        self.at_least(self.reveal_deadline)
        if not self.contract.randomness_drawn():
            self.draw()
        self.reveal_test()

    def score(self, scores: dict[int, int], report_cid: str = "bafkreireport", **kw: Any):
        kw.setdefault("sender", self.organizer)
        return self.contract.post_scores(list(scores), list(scores.values()), report_cid, **kw)

    def to_reveal(self) -> None:
        self.at(self.submission_deadline)

    def to_evaluation(self) -> None:
        self.at_least(self.reveal_deadline)

    def to_expired(self) -> None:
        self.at_least(self.evaluation_deadline)


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
        test_data_after=0,
        max_submissions=100,
        commit_deposit=0,
        bond=REWARD,
        prize_shares=[],
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


def initialize_args(args: dict[str, Any]) -> list[Any]:
    """``Bounty.initialize``'s arguments after (organizer, reward), from creation terms."""
    names = [
        "bond", "min_accuracy", "seq_len", "future_period", "n_features", "max_cost", "submission_deadline",
        "reveal_deadline", "evaluation_deadline", "test_commitment", "test_data_after", "max_submissions",
        "commit_deposit", "prize_shares",
    ]
    return [args[n] for n in names]
