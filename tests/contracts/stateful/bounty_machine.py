"""The Hypothesis state machine of one bounty, challenges and rulings included, module-level as
curve-stablecoin writes them.

One rule per action (each moves the model's clock on, then calls the action's wrapper, which either
sends the transaction or checks that the contract refuses it with the exact reason the model
predicts), small named invariants checked after every step, ``note()`` on every step for readable
failures. ``test_properties.py`` runs it with random sequences; ``test_regressions.py`` replays
sequences Hypothesis shrank (or that pin a corner) as named tests by calling the same methods.

The bounty (``open``, drawn by the ``opening`` rule): reward 10 ETH, bond = reward, a commit deposit,
K = 2 prize shares, cap 8, a cost bound, min_accuracy 5000; every period (submission, reveal,
evaluation, challenge, resolution) lasts ``WINDOW`` seconds. Drawn per example: the test mode
(sealed, or a future window whose data may be posted ``TEST_DATA_DELAY`` after the reveal
deadline), the challenge bond (small, or large enough that upheld challenges exhaust the
organizer's bond) and, rarely, no arbiter at all (trusted scores). The arbiter is
``contracts/test/StandInArbiter.vy``: any test account makes it rule anything, in one transaction,
and changes its fee between disputes.

The model knows every amount: each account's credit (the organizer's settlement included), what
each submission can claim, the escrow (reward, bond, deposits, and the bond + fee of each open
dispute), the bond the rulings left, what is burned, the fees the arbiter received; the scores on
record (posted, then replaced by upheld rulings), the top-K ranking and exactly when it is stale,
and the stage at the model's clock. After every step the invariants compare all of it with the
contract, and the balance with ``sum(credits) + escrow + sum(claimable) + burned`` and with what
came in minus what went out. ``teardown`` settles (re-ranking and finalizing if needed), reclaims,
claims and withdraws everything, and checks that all was paid out or burned.

The machine needs Ape fixtures: call :meth:`BountyMachine.bind` first (``factory``, ``accounts``,
``chain``, ``project``). Every call goes straight to Anvil as JSON-RPC (the unlocked test accounts
sign; calldata encoded with eth_abi; each example opens its bounty with one raw
``BountyFactory.create``), and the invariants read the contract in one batched request per step:
several times faster than Ape's transaction pipeline.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import requests
from bounty_harness import (MAX_COST_ANY, N_FEATURES, REWARD, TEST_CID, TEST_DATA_KEY, TEST_SALT, Outcome, Stage,
                            creation_args, salt_for)
from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address
from ethpm_types.abi import MethodABI
from hypothesis import event, note
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bounty_client.protocol.hyperparams import Hyperparameters, commitment, parameter_count, test_commitment
from bounty_client.protocol.wire import SWEEP_DELAY, encode_revealed, score_accumulator, score_proof

CHAIN_HP = st.tuples(
    st.integers(1, 8),
    st.integers(1, 1024),
    st.integers(0, 8),
    st.integers(0, 7),
    st.integers(0, 4),
    st.integers(0, 9_000),
    st.integers(1, 1_000_000),
).map(Hyperparameters.from_chain)

BPS = 10_000
DEPOSIT = 10**16
BOND = REWARD
CAP = 8
SHARES = (6_000, 4_000)
K = len(SHARES)
MIN_ACCURACY = 5_000
#: Posted scores: as often qualified (>= MIN_ACCURACY, from exactly the minimum up) as anything.
SCORES = st.integers(MIN_ACCURACY, BPS) | st.integers(0, BPS)
ACTORS = 5  # players: accounts[1..5]; accounts[0] is the organizer
#: Every period lasts this long: submission, reveal, evaluation, challenge, resolution.
WINDOW = 1_000
#: Future-window mode: the window opens at the reveal deadline, its data may be posted this much later.
TEST_DATA_DELAY = 300
#: The stand-in arbiter's fee at the start of each example (the challenge rule sometimes changes it first).
FEE = 10**15
#: Challenge bonds drawn per example: a small one, and one whose upheld challenges exhaust the organizer's bond.
CHALLENGE_BONDS = (10**17, 4 * 10**18)
TOLERANCE = 50
#: Clock advance per step: ~80 steps live through every stage (warps and patient actors jump to a deadline).
STEP_SECONDS = 60
#: The cost bound of the machine's bounty: about half of CHAIN_HP's configurations are above it.
MAX_COST = parameter_count(Hyperparameters(4, 512, 4, "relu", "hinge"), N_FEATURES)
assert MAX_COST < MAX_COST_ANY
MASK_16 = (1 << 16) - 1


def say(text: str) -> None:
    """``note()`` inside Hypothesis; nothing when a regression test replays a sequence by hand."""
    try:
        note(text)
    except InvalidArgument:
        pass


def same(what: str, got: Any, want: Any) -> None:
    """An invariant's check, saying what differs (this module is not rewritten by pytest's assert)."""
    if got != want:
        raise AssertionError(f"{what}: contract {got!r}, model {want!r}")


def lane(submission_id: int, score: int) -> int:
    """A ranking lane as the contract packs it: a larger lane ranks better (higher score, then lower id)."""
    return (score << 16) | (MASK_16 - submission_id)


class Abi:
    """Calldata and return values of one contract's functions, with eth_abi (no Ape on the hot path)."""

    def __init__(self, *contract_types: Any) -> None:
        self.methods: dict[str, tuple[bytes, list[str], list[str]]] = {}
        for contract_type in contract_types:
            for item in contract_type.abi:
                if isinstance(item, MethodABI):
                    self.methods[item.name] = (keccak(text=item.selector)[:4], [i.canonical_type for i in item.inputs],
                                               [o.canonical_type for o in item.outputs])

    def data(self, name: str, *args: Any) -> str:
        selector, inputs, _ = self.methods[name]
        return "0x" + (selector + encode(inputs, list(args))).hex()

    def result(self, name: str, raw: str) -> Any:
        outputs = self.methods[name][2]
        values = decode(outputs, bytes.fromhex(raw[2:]))
        return values[0] if len(values) == 1 else values


class BountyMachine(RuleBasedStateMachine):
    """A model of one bounty with an arbiter (see the module docstring) and the real contract."""

    # Set by `bind` (Ape fixtures are not available at import time).
    factory: str = ""
    chain: Any = None
    organizer: Any = None
    players: list = []
    arbiter: Any = None
    uri: str = ""
    session: Any = None
    abi: Any = None
    #: What the examples reached (outcomes, rulings, actions that succeeded), over a whole run.
    tally: Counter = Counter()

    @classmethod
    def bind(cls, factory, accounts, chain, project) -> None:
        """Fixtures, the stand-in arbiter (deployed once, before the examples' snapshots) and the ABIs."""
        cls.factory = factory.address
        cls.factory_abi = Abi(factory.contract_type)
        (create,) = [m for m in factory.contract_type.abi if isinstance(m, MethodABI) and m.name == "create"]
        cls.terms_fields = [c.name for c in create.inputs[0].components]
        cls.chain = chain
        cls.organizer = accounts[0]
        cls.players = [accounts[i] for i in range(1, ACTORS + 1)]
        cls.arbiter = accounts[9].deploy(project.StandInArbiter, FEE)
        cls.uri = chain.provider.web3.provider.endpoint_uri
        cls.session = requests.Session()
        cls.abi = Abi(project.Bounty.contract_type, project.BountyExtension.contract_type)
        cls.arbiter_abi = Abi(project.StandInArbiter.contract_type)

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.bounty: "str | None" = None
        self.state: dict[str, Any] = {}

    # ------------------------------------------------------------------ opening
    def open(self, trusted: bool = False, future: bool = False, challenge_bond: int = CHALLENGE_BONDS[0]) -> None:
        """Create the bounty: with the stand-in arbiter unless ``trusted``; sealed test set unless ``future``."""
        # The creation block at a time fixed relative to the chain (not the wall clock), so the model's
        # clock below is always ahead of it and every replay of an example sees the same deadlines.
        now = int(self.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16) + 1
        self.t, self.time_set = now, None
        sub = now + WINDOW
        terms: dict[str, Any] = dict(
            commit_deposit=DEPOSIT, prize_shares=list(SHARES), max_submissions=CAP, bond=BOND, max_cost=MAX_COST,
            min_accuracy=MIN_ACCURACY, submission_deadline=sub, reveal_deadline=sub + WINDOW,
            evaluation_deadline=sub + 2 * WINDOW,
        )
        if future:
            terms.update(test_commitment=bytes(32), test_window_start=sub + WINDOW,
                         test_data_after=sub + WINDOW + TEST_DATA_DELAY)
        else:
            terms.update(test_commitment=test_commitment(TEST_CID, TEST_SALT))
        if not trusted:
            terms.update(arbiter=self.arbiter.address, challenge_period=WINDOW, resolution_period=WINDOW,
                         challenge_bond=challenge_bond, score_tolerance=TOLERANCE)
        args = creation_args(now, **terms)
        data = self.factory_abi.data("create", tuple(args[f] for f in self.terms_fields))
        self.set_time()
        tx = {"from": self.organizer.address, "to": self.factory, "data": data, "value": hex(REWARD + BOND)}
        (address,) = decode(["address"], bytes.fromhex(self.rpc("eth_call", [tx, "pending"])[2:]))
        self.send(data, sender=self.organizer, value=REWARD + BOND, to=self.factory)
        self.bounty = to_checksum_address(address)
        self.trusted, self.future = trusted, future
        self.challenge_bond = 0 if trusted else challenge_bond
        self.deadlines = {
            "submission_deadline": sub,
            "reveal_deadline": sub + WINDOW,
            "test_data_after": sub + WINDOW + TEST_DATA_DELAY if future else None,
            "evaluation_deadline": sub + 2 * WINDOW,
            "challenge_deadline": sub + (2 if trusted else 3) * WINDOW,
            "resolution_deadline": sub + (2 if trusted else 4) * WINDOW,
        }
        # Sweeping opens SWEEP_DELAY after the resolution deadline.
        self.deadlines["sweep_time"] = self.deadlines["resolution_deadline"] + SWEEP_DELAY
        for name, value in self.deadlines.items():
            if value is not None and name != "sweep_time":
                assert self.view(name) == value, name
        # The model's clock, fixed relative to the deadlines (never the wall clock, so every replay of
        # an example draws the same data); 5 s of slack after the creation block.
        self.t = now + 5
        self.hold = False
        self.everyone = [self.organizer, *self.players]
        self.addresses = [a.address for a in self.everyone]
        # Money in and out of the bounty, and what the model says each party is owed.
        self.paid_in = REWARD + BOND
        self.paid_out = 0
        self.credits: dict[str, int] = {}  # the contract's _credits (the organizer's settlement is `due`)
        self.due = 0
        self.bond_left = BOND
        self.fee = FEE
        self.fees_received = 0  # by the arbiter, with its rulings
        # Submissions.
        self.entries: list[tuple[Any, Hyperparameters, bytes]] = []
        self.revealed: list[int] = []
        self.zeroed: set[int] = set()  # records zeroed: winners at finalize, claimed, swept
        # Evaluation.
        self.requested: int | None = None  # the block whose hash will decide the randomness
        self.randomness: bytes | None = None
        self.test_revealed = False
        self.batches: list[list[int]] = []
        self.posted: dict[int, int] = {}
        self.corrected: dict[int, int] = {}
        self.cursor = 0
        self.stale = False
        # Disputes: key -> (challenger address, posted, claimed, fee).
        self.disputes: dict[int, tuple[str, int, int, int]] = {}
        self.voided = False
        self.rulings: list[str] = []
        self.reclaimed = 0
        self.sent: list[str] = []  # what each attempt did (for the tally)
        self.names = {"0x" + sel.hex(): name for abi in (self.abi, self.arbiter_abi)
                      for name, (sel, _, _) in abi.methods.items()}
        # Settlement.
        self.outcome = Outcome.NONE
        self.fail_safe = False
        self.share = 0
        # Calldata of the invariants' reads, built once.
        reads = ["escrow", "burned", "bond", "organizer_due", "submission_count", "revealed_count", "scored_count",
                 "disqualified_count", "next_score_id", "score_batches", "open_disputes", "ranking_stale", "stage",
                 "outcome", "randomness", "randomness_block", "score_accumulator", "ranking", "test_revealed",
                 "test_data_voided", "fail_safe", "abandon_share"]
        self.reads = [(n, self.abi.data(n)) for n in reads]
        self.credit_reads = [self.abi.data("credits", a) for a in self.addresses]
        self.id_reads = [(self.abi.data("claimable", i), self.abi.data("corrected_score", i)) for i in range(CAP)]
        self.dispute_reads = {k: self.abi.data("dispute", k) for k in [*range(CAP), TEST_DATA_KEY]}
        say(f"open: {'no arbiter' if trusted else f'challenge bond {challenge_bond}'}, "
            f"{'future window' if future else 'sealed test set'}")

    # ------------------------------------------------------------------ transport
    def rpc(self, method: str, params: list) -> Any:
        reply = self.session.post(self.uri, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                                  timeout=30).json()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def rpc_batch(self, calls: list) -> list:
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        replies = sorted(self.session.post(self.uri, json=payload, timeout=30).json(), key=lambda r: r["id"])
        for r in replies:
            if "error" in r:
                raise RuntimeError(f"{calls[r['id']][0]}: {r['error']}")
        return [r["result"] for r in replies]

    def set_time(self) -> None:
        """The next block (and every call on the pending block) runs at the model's clock."""
        if self.time_set != self.t:
            self.rpc("evm_setNextBlockTimestamp", [self.t])
            self.time_set = self.t

    def send(self, data: str, *, sender: Any, value: int = 0, to: "str | None" = None) -> dict:
        self.set_time()
        tx = {"from": sender.address, "to": to or self.bounty, "data": data, "value": hex(value), "gas": hex(5_000_000)}
        tx_hash = self.rpc("eth_sendTransaction", [tx])
        receipt = self.rpc("eth_getTransactionReceipt", [tx_hash])
        for _ in range(1000):  # Anvil mines the transaction right away, the receipt may lag a moment
            if receipt is not None:
                break
            time.sleep(0.002)
            receipt = self.rpc("eth_getTransactionReceipt", [tx_hash])
        self.block = int(receipt["blockNumber"], 16)
        self.t += 1
        self.time_set = None
        if int(receipt["status"], 16) != 1:
            raise AssertionError(f"reverted: {data[:10]} from {sender.address} ({self.revert_reason(tx)})")
        return receipt

    def mine(self) -> None:
        """One empty block at the model's clock."""
        self.set_time()
        self.rpc("anvil_mine", ["0x1"])
        self.block += 1
        self.t += 1
        self.time_set = None

    def revert_reason(self, tx: dict) -> "str | None":
        """The reason ``tx`` reverts with on the pending block, or None when it succeeds."""
        reply = self.session.post(self.uri, json={"jsonrpc": "2.0", "id": 1, "method": "eth_call",
                                                  "params": [tx, "pending"]}, timeout=30).json()
        if "error" not in reply:
            return None
        data = reply["error"].get("data")
        if isinstance(data, str) and data.startswith("0x08c379a0"):
            return decode(["string"], bytes.fromhex(data[10:]))[0]
        return reply["error"].get("message")

    def expect_revert(self, reason: str, data: str, *, sender: Any, value: int = 0, to: "str | None" = None) -> None:
        """Simulate the call on the pending block (``eth_call``: fast, unlike a failing transaction)
        and check that it reverts with ``reason``."""
        self.set_time()
        tx = {"from": sender.address, "to": to or self.bounty, "data": data, "value": hex(value)}
        got = self.revert_reason(tx)
        assert got == reason, f"expected the revert {reason!r}, got {'success' if got is None else repr(got)}"
        say(f"  refused: {reason}")

    def attempt(self, reason: "str | None", data: str, *, sender: Any, value: int = 0, to: "str | None" = None) -> bool:
        """Send when the model predicts success (``reason`` None), else check the refusal. True if sent."""
        action = self.names.get(data[:10], data[:10])
        if reason is not None:
            self.expect_revert(reason, data, sender=sender, value=value, to=to)
            self.sent.append(f"{action} refused: {reason.removeprefix('bounty: ')}")
            return False
        stage = self.stage().name
        self.send(data, sender=sender, value=value, to=to)
        self.sent.append(f"{action} at the {stage} stage")
        return True

    def view(self, name: str, *args: Any) -> Any:
        raw = self.rpc("eth_call", [{"to": self.bounty, "data": self.abi.data(name, *args)}, "latest"])
        return self.abi.result(name, raw)

    # ---------------------------------------------------------------------- model
    @property
    def settled(self) -> bool:
        return self.outcome != Outcome.NONE

    def settled_reason(self) -> "str | None":
        if self.outcome == Outcome.CANCELLED:
            return "bounty: cancelled"
        return "bounty: already finalized" if self.settled else None

    def d(self, name: str) -> int:
        return self.deadlines[name]

    def score_of(self, i: int) -> "int | None":
        """The score on record: the ruling that replaced it, else the posted one, else None."""
        return self.corrected.get(i, self.posted.get(i))

    def eligible(self, i: int) -> bool:
        score = self.score_of(i)
        return score is None or score >= MIN_ACCURACY

    def disqualified(self) -> int:
        return sum(1 for i in self.posted if not self.eligible(i))

    def top(self) -> list[tuple[int, int]]:
        """The top-K qualified (id, score) on record, best first."""
        qualified = [(i, self.score_of(i)) for i in self.posted if self.eligible(i)]
        return sorted(qualified, key=lambda e: (-e[1], e[0]))[:K]

    def live(self, i: int) -> bool:
        """The submission's record is still there (revealed and not zeroed by a prize, a claim or a sweep)."""
        return i in self.revealed and i not in self.zeroed

    def claimable(self, i: int) -> int:
        if self.outcome in (Outcome.NONE, Outcome.CANCELLED) or not self.live(i):
            return 0
        if not self.eligible(i) and not self.voided:
            return 0
        return DEPOSIT + (self.share if self.outcome == Outcome.SHARED else 0)

    def dispute_escrow(self) -> int:
        return sum(self.challenge_bond + fee for _, _, _, fee in self.disputes.values())

    def escrow(self) -> int:
        held = self.dispute_escrow()
        if not self.settled:
            held += REWARD + self.bond_left + DEPOSIT * len(self.entries)
        return held

    def burned(self) -> int:
        return self.bond_left if self.outcome == Outcome.SHARED or self.fail_safe else 0

    def credit(self, address: str) -> int:
        return self.credits.get(address, 0) + (self.due if address == self.organizer.address else 0)

    def add_credit(self, address: str, amount: int) -> None:
        self.credits[address] = self.credits.get(address, 0) + amount

    def stage(self) -> Stage:
        """``stage()`` at the model's clock."""
        if self.outcome == Outcome.CANCELLED:
            return Stage.CANCELLED
        if self.settled:
            return Stage.FINALIZED
        for name, stage in (("submission_deadline", Stage.SUBMISSION), ("reveal_deadline", Stage.REVEAL),
                            ("evaluation_deadline", Stage.EVALUATION), ("challenge_deadline", Stage.CHALLENGE)):
            if self.t < self.d(name):
                return stage
        if self.disputes and self.t < self.d("resolution_deadline"):
            return Stage.ARBITRATION
        return Stage.EXPIRED

    def evaluating(self) -> bool:
        """From the submission deadline to the evaluation deadline (a step early or late gets refused)."""
        late = self.d("evaluation_deadline") + STEP_SECONDS
        return self.d("submission_deadline") <= self.t < late and not self.settled

    def closing(self) -> bool:
        """Settled, or close enough to settlement that claims and reclaims are worth trying (and refused)."""
        return self.settled or self.t >= self.d("evaluation_deadline")

    def tick(self, action: str) -> None:
        """The step's time passes (not right after a warp: the action happens at the warp's instant)."""
        if self.hold:
            self.hold = False
        else:
            self.t += STEP_SECONDS
        since = self.t - self.d("submission_deadline")
        say(f"t={since:+} s from the submission deadline ({self.stage().name}): {action}")

    def upcoming(self) -> list[int]:
        return sorted(v for v in self.deadlines.values() if v is not None and v > self.t)

    def wait_for(self, opens: int, wait: bool) -> None:
        """Actors who know the schedule wait for the window their action needs (``wait``), if it is the
        next one to open (and, for the organizer's, once every admissible commit is revealed); the others
        try right away (and the contract must refuse). Without this, random sequences rarely line an
        action up with its window; waiting across two windows, or past pending reveals, would skip one."""
        if opens == self.d("reveal_deadline") and any(
            i not in self.revealed and parameter_count(hp, N_FEATURES) <= MAX_COST
            for i, (_, hp, _) in enumerate(self.entries)
        ):
            return  # the organizer waits for the reveals to end, not for reveals still to come
        upcoming = self.upcoming()
        if wait and upcoming and upcoming[0] == opens:
            self.t = opens
            say(f"  waited for t={opens - self.d('submission_deadline'):+}")

    # ---------------------------------------------------------------------- rules
    @initialize(
        terms=st.tuples(st.sampled_from([False, False, False, False, True]), st.booleans(),
                        st.sampled_from(CHALLENGE_BONDS)),
        commits=st.lists(st.tuples(st.integers(0, ACTORS - 1), CHAIN_HP), min_size=2, max_size=6)
        | st.lists(st.tuples(st.integers(0, ACTORS - 1), CHAIN_HP), max_size=1),
        start=st.sampled_from(["disputed", "scored", "scored", "revealed", "committed"]),
        scores=st.lists(SCORES, min_size=CAP, max_size=CAP),
        first_batch=st.integers(1, CAP),
        claimed=st.integers(0, BPS),
        data_too=st.booleans(),
    )
    def opening(self, terms, commits, start, scores, first_batch, claimed, data_too):
        """Open the bounty. Most stories start with a few commits (one rule among many would rarely get
        there), and most go on at once to the reveals, or further to the scores (in one or two batches,
        at the reveal deadline), or further still to a watcher's challenge of the leading score, so that
        the random rules spend their steps on challenges, rulings, re-ranking and settlement."""
        self.open(*terms)
        for who, hp in commits:
            self.commit(who, hp)
        if start == "committed" or not self.entries:
            return
        self.t = self.d("submission_deadline")
        for i in range(len(self.entries)):
            self.reveal(i)  # those above the cost bound are refused
        if start in ("scored", "disputed"):
            self.t = self.d("reveal_deadline")
            self.prepare_test_data()
            self.test_data()
            self.score(first_batch, scores)
            self.score(CAP, scores[first_batch:] + scores[:first_batch])
        if start == "disputed" and self.posted:
            self.challenge(ACTORS, self.target(0), claimed)
            if data_too:
                self.challenge_data(ACTORS - 1)

    @precondition(lambda self: self.t < self.d("reveal_deadline"))
    @rule(who=st.integers(0, ACTORS - 1), hp=CHAIN_HP)
    def rule_commit(self, who, hp):
        self.tick(f"player {who} commits {hp.to_chain()}")
        self.commit(who, hp)

    @precondition(lambda self: self.entries and self.t < self.d("evaluation_deadline") and not self.settled)
    @rule(data=st.data(), wait=st.booleans())
    def rule_reveal(self, data, wait):
        pending = [i for i in range(len(self.entries)) if i not in self.revealed]
        ids = data.draw(st.lists(st.sampled_from(pending or list(range(len(self.entries)))), min_size=1, max_size=8,
                                 unique=True))
        self.tick(f"reveal {ids}")
        self.wait_for(self.d("submission_deadline"), wait)
        for i in ids:
            self.reveal(i)

    @precondition(lambda self: self.evaluating())
    @rule(who=st.integers(0, ACTORS), wait=st.booleans())
    def rule_draw(self, who, wait):
        self.tick(f"account {who} draws the randomness" + (" (both steps)" if wait else ""))
        self.wait_for(self.d("reveal_deadline"), wait)
        self.draw(who)
        if wait:
            self.draw_second_step(who)

    @precondition(lambda self: self.evaluating())
    @rule(wait=st.booleans(), wrong_function=st.sampled_from([False, False, False, True]))
    def rule_test_data(self, wait, wrong_function):
        self.tick("organizer opens the test data" + (" with the other mode's function" if wrong_function else ""))
        if wait:
            self.prepare_test_data()
        self.test_data(wrong_function)

    @precondition(lambda self: self.evaluating())
    @rule(size=st.integers(1, 8), scores=st.lists(SCORES, min_size=8, max_size=8),
          mistake=st.sampled_from(["none", "none", "none", "scored id", "unrevealed id", "above 10000"]),
          wait=st.booleans())
    def rule_score(self, size, scores, mistake, wait):
        self.tick(f"organizer scores up to {size}" + ("" if mistake == "none" else f" ({mistake})"))
        if wait and not self.test_revealed:
            self.prepare_test_data()
            self.test_data()
        self.score(size, scores, mistake)

    def draw_second_step(self, who: int) -> None:
        """A patient drawer: after a request, one block later, the second call."""
        if self.requested is not None and self.randomness is None:
            if self.block + 1 <= self.requested:
                self.mine()
                say("  waited a block")
            self.draw(who)

    def prepare_test_data(self) -> None:
        """The organizer who knows the schedule: waits for the reveal deadline (if next), draws the
        randomness if nobody has, and in future-window mode waits for `test_data_after`."""
        self.wait_for(self.d("reveal_deadline"), True)
        if self.randomness is None and self.d("reveal_deadline") <= self.t < self.d("evaluation_deadline"):
            self.draw(0)
            self.draw_second_step(0)
        after = self.d("test_data_after")
        if after is not None and self.d("reveal_deadline") <= self.t < after:
            self.t = after

    @precondition(lambda self: self.randomness is not None and not self.settled)
    @rule(who=st.integers(0, ACTORS), pick=st.integers(0, CAP - 1),
          claim=st.sampled_from(["far", "far", "near", "above 10000"]), value=st.integers(0, 10_000),
          delta=st.integers(-TOLERANCE, TOLERANCE), proof=st.sampled_from(["true", "true", "true", "forged"]),
          pay=st.sampled_from([0, 0, 0, 0, -1, 1]), fee=st.sampled_from([None, None, None, 0, FEE, 3 * FEE]))
    def rule_challenge(self, who, pick, claim, value, delta, proof, pay, fee):
        if fee is not None and fee != self.fee and not self.trusted:
            self.tick(f"the arbiter's fee becomes {fee}")
            self.set_fee(fee)
        i = self.target(pick)
        self.tick(f"account {who} challenges #{i} ({claim}, proof {proof}, pay {pay:+})")
        self.challenge(who, i, self.claimed_value(i, claim, value, delta), proof, pay)

    @precondition(lambda self: self.randomness is not None and not self.settled)
    @rule(who=st.integers(0, ACTORS), pay=st.sampled_from([0, 0, 0, 1]))
    def rule_challenge_data(self, who, pay):
        self.tick(f"account {who} challenges the test data")
        self.challenge_data(who, pay)

    @precondition(lambda self: self.disputes or (self.rulings and not self.settled))
    @rule(who=st.integers(0, ACTORS), pick=st.integers(0, 15),
          kind=st.sampled_from(["claimed", "claimed", "near", "random", "out of range"]),
          value=st.integers(0, 10_000), delta=st.integers(-TOLERANCE, TOLERANCE),
          direct=st.sampled_from([False, False, False, False, True]))
    def rule_rule(self, who, pick, kind, value, delta, direct):
        keys = sorted(self.disputes)
        key = keys[pick % len(keys)] if keys and pick < 12 else [*range(CAP), TEST_DATA_KEY][pick % (CAP + 1)]
        ruling = self.ruling_value(key, kind, value, delta)
        self.tick(f"{'account ' + str(who) if direct else 'the arbiter'} rules {ruling} on key {key} ({kind})")
        self.rule(key, ruling, who=who, direct=direct)

    @precondition(lambda self: self.corrected and not self.settled)
    @rule(who=st.integers(0, ACTORS), forged=st.sampled_from([False, False, False, True]))
    def rule_rerank(self, who, forged):
        self.tick(f"account {who} reranks" + (" with forged batches" if forged else ""))
        self.rerank(who, forged)

    @precondition(lambda self: self.t >= self.d("submission_deadline"))
    @rule(who=st.integers(0, ACTORS), wait=st.booleans())
    def rule_finalize(self, who, wait):
        self.tick(f"account {who} finalizes")
        if who == 0 and not self.revealed:
            self.wait_for(self.d("reveal_deadline"), wait)
        else:
            self.wait_for(self.d("resolution_deadline" if self.disputes else "challenge_deadline"), wait)
        self.finalize(who)

    @precondition(lambda self: not self.entries and not self.settled)
    @rule(roll=st.integers(0, 9))
    def rule_cancel(self, roll):
        if roll == 0:  # cancelling ends the story: keep it rare
            self.tick("organizer cancels")
            self.cancel()

    @precondition(lambda self: self.closing())
    @rule(who=st.integers(0, ACTORS - 1), data=st.data())
    def rule_claim(self, who, data):
        player = self.players[who].address
        mine = [i for i in range(len(self.entries)) if self.entries[i][0].address == player]
        ids = data.draw(st.lists(st.sampled_from(mine or [0]), max_size=3)
                        | st.lists(st.integers(0, CAP - 1), max_size=2))
        self.tick(f"player {who} claims {ids}")
        self.claim(who, ids)

    @precondition(lambda self: self.settled or any(self.credits.values()))
    @rule(who=st.integers(0, ACTORS))
    def rule_withdraw(self, who):
        self.tick(f"account {who} withdraws")
        self.withdraw(who)

    @precondition(lambda self: self.closing() and (self.disputes or self.reclaimed or self.rulings))
    @rule(who=st.integers(0, ACTORS), pick=st.integers(0, 15))
    def rule_reclaim(self, who, pick):
        keys = sorted(self.disputes)
        key = keys[pick % len(keys)] if keys and pick < 12 else [*range(CAP), TEST_DATA_KEY][pick % (CAP + 1)]
        self.tick(f"account {who} reclaims dispute {key}")
        self.reclaim(who, key)

    @precondition(lambda self: self.settled)
    @rule(who=st.integers(0, ACTORS), ids=st.lists(st.integers(0, CAP - 1), max_size=4),
          accounts=st.lists(st.integers(0, ACTORS), max_size=3), wait=st.booleans())
    def rule_sweep(self, who, ids, accounts, wait):
        self.tick(f"account {who} sweeps ids {ids} and accounts {accounts}")
        if wait:
            self.t = max(self.t, self.d("sweep_time"))
        self.sweep(who, ids, accounts)

    @rule(to=st.sampled_from(["one second before the next deadline", "the next deadline",
                              "one second after the next deadline"]))
    def rule_warp(self, to):
        self.tick(f"warp to {to}")
        self.warp(to)

    # ------------------------------------------------------------------ strategies' helpers
    def target(self, pick: int) -> int:
        """The submission a challenger picks: 0 the leader, 1 the last ranked (the attacks move a ranked
        score), 2..6 any scored id, 7 (or nothing scored) the id itself, scored or not."""
        top, scored = self.top(), sorted(self.posted)
        if pick < 2 and len(top) > pick and not self.stale:
            return top[pick][0] if pick == 0 else top[-1][0]
        if scored and pick < CAP - 1:
            return scored[pick % len(scored)]
        return pick

    def claimed_value(self, i: int, claim: str, value: int, delta: int) -> int:
        posted = self.score_of(i)
        if claim == "above 10000":
            return 10_001 + value % 50_000
        if claim == "near" and posted is not None:
            return min(max(posted + delta, 0), BPS)
        return value

    def ruling_value(self, key: int, kind: str, value: int, delta: int) -> int:
        if key == TEST_DATA_KEY:
            return {"claimed": 1, "near": 0, "random": value % 2, "out of range": 2 + value}[kind]
        _, posted, claimed, _ = self.disputes.get(key, (None, self.score_of(key) or 0, value, 0))
        return {"claimed": claimed, "near": min(max(posted + delta, 0), BPS), "random": value,
                "out of range": BPS + 1 + value}[kind]

    # -------------------------------------------------------------------- actions
    def commit(self, who: int, hp: Hyperparameters, salt: "bytes | None" = None) -> None:
        player = self.players[who]
        salt = salt_for(len(self.entries) + 1000) if salt is None else salt
        data = self.abi.data("commit", commitment(self.bounty, player.address, hp, salt))
        if self.outcome == Outcome.CANCELLED:
            reason = "bounty: cancelled"
        elif len(self.entries) >= CAP:
            reason = "bounty: submission cap reached"
        elif self.t >= self.d("submission_deadline"):
            reason = "bounty: submission window closed"
        else:
            reason = None
        if self.attempt(reason, data, sender=player, value=DEPOSIT):
            self.entries.append((player, hp, salt))
            self.paid_in += DEPOSIT

    def reveal(self, i: int) -> None:
        player, hp, salt = self.entries[i]
        data = self.abi.data("reveal", i, encode_revealed(hp.to_chain()), salt)
        if self.t < self.d("submission_deadline"):
            reason = "bounty: reveal window not open"
        elif self.t >= self.d("reveal_deadline"):
            reason = "bounty: reveal window closed"
        elif parameter_count(hp, N_FEATURES) > MAX_COST:
            reason = "bounty: cost above max_cost"
        elif i in self.revealed:
            reason = "bounty: already revealed"
        else:
            reason = None
        if self.attempt(reason, data, sender=player):
            self.revealed.append(i)

    def draw(self, who: int) -> None:
        caller = self.everyone[who]
        pending = self.block + 1
        reason = self.settled_reason()
        if reason is None:
            if self.randomness is not None:
                reason = "bounty: randomness already drawn"
            elif self.t < self.d("reveal_deadline"):
                reason = "bounty: reveal window still open"
            elif self.t >= self.d("evaluation_deadline"):
                reason = "bounty: evaluation window closed"
            elif self.requested is not None and pending <= self.requested:
                reason = "bounty: randomness block not mined yet"
        if not self.attempt(reason, self.abi.data("draw_randomness"), sender=caller):
            return
        if self.requested is not None and pending - self.requested <= 256:
            block_hash = bytes.fromhex(self.rpc("eth_getBlockByNumber", [hex(self.requested), False])["hash"][2:])
            self.randomness = keccak(encode(["bytes32", "address"], [block_hash, self.bounty]))
            self.requested = None
            say("  drawn")
        else:
            self.requested = pending + 1
            say(f"  requested block {self.requested}")

    def test_data(self, wrong_function: bool = False) -> None:
        sealed = not self.future
        if wrong_function:
            sealed = not sealed
        if sealed:
            data = self.abi.data("reveal_test_data", TEST_CID, TEST_SALT)
        else:
            data = self.abi.data("post_test_data", TEST_CID)
        reason = self.settled_reason()
        if reason is None:
            if self.test_revealed:
                reason = "bounty: test data already revealed"
            elif self.t < self.d("reveal_deadline"):
                reason = "bounty: reveal window still open"
            elif self.t >= self.d("evaluation_deadline"):
                reason = "bounty: evaluation window closed"
            elif self.randomness is None:
                reason = "bounty: randomness not drawn"
            elif sealed and self.future:
                reason = "bounty: future-window bounty: use post_test_data"
            elif not sealed and not self.future:
                reason = "bounty: sealed bounty: use reveal_test_data"
            elif not sealed and self.t < self.d("test_data_after"):
                reason = "bounty: test data window not reached"
        if self.attempt(reason, data, sender=self.organizer):
            self.test_revealed = True

    def score(self, size: int, scores: list[int], mistake: str = "none") -> None:
        ids = sorted(i for i in self.revealed if i >= self.cursor)[:size]
        scores = list(scores[: len(ids)])
        if mistake == "scored id" and self.posted:
            ids, scores = [max(self.posted), *ids], [5_000, *scores]
        elif mistake == "unrevealed id":
            unrevealed = [i for i in range(self.cursor, len(self.entries)) if i not in self.revealed]
            if unrevealed:
                pairs = sorted([*zip(ids, scores), (unrevealed[0], 6_000)])
                ids, scores = [i for i, _ in pairs], [s for _, s in pairs]
        elif mistake == "above 10000" and ids:
            scores[-1] = BPS + 1
        if not ids:
            return
        data = self.abi.data("post_scores", ids, scores, "r")
        reason = self.settled_reason()
        if reason is None:
            if not self.test_revealed:
                reason = "bounty: test data not revealed"
            elif self.t >= self.d("evaluation_deadline"):
                reason = "bounty: evaluation window closed"
            else:
                next_id = self.cursor
                for i, s in zip(ids, scores):
                    if i < next_id:
                        reason = "bounty: ids must increase past the last scored id"
                    elif s > BPS:
                        reason = "bounty: score above 10000"
                    elif i not in self.revealed:
                        reason = "bounty: submission not revealed"
                    if reason:
                        break
                    next_id = i + 1
        if self.attempt(reason, data, sender=self.organizer):
            self.batches.append([(i << 16) | s for i, s in zip(ids, scores)])
            self.posted.update(zip(ids, scores))
            self.cursor = ids[-1] + 1

    def proof(self, i: int, forged: bool) -> tuple:
        """The arguments proving the posted score of ``i`` (or, for an unscored id, a valid proof of a
        batch without it); ``forged`` changes the id's score in its batch."""
        if i in self.corrected:
            return 0, bytes(32), [], []  # a replaced score needs no proof
        if not self.batches:
            return 0, bytes(32), [], []
        batch, previous, entries, later = score_proof(self.batches, i) if i in self.posted else score_proof(
            self.batches, self.batches[0][0] >> 16)
        if forged:
            entries = [e ^ 1 if e >> 16 == i or not i in self.posted else e for e in entries]
        return batch, previous, entries, later

    def challenge(self, who: int, i: int, claimed: int, proof: str = "true", pay: int = 0) -> None:
        challenger = self.everyone[who]
        forged = proof == "forged"
        value = self.challenge_bond + self.fee + pay
        data = self.abi.data("challenge", i, claimed, *self.proof(i, forged))
        posted = self.score_of(i)
        reason = self.settled_reason()
        if reason is None and self.voided:
            reason = "bounty: test data voided"
        if reason is None and i not in self.corrected:
            if not self.batches:
                reason = "bounty: no such score batch"
            elif forged:
                reason = "bounty: proof does not match the posted scores"
            elif i not in self.posted:
                reason = "bounty: submission not in that batch"
        if reason is None:
            reason = self.open_dispute_reason(i, value)
            if claimed > BPS:
                reason = "bounty: claimed score above 10000"
            elif abs(claimed - posted) <= TOLERANCE:
                reason = "bounty: claimed score within the tolerance of the posted one"
        if self.attempt(reason, data, sender=challenger, value=value):
            self.disputes[i] = (challenger.address, posted, claimed, self.fee)
            self.paid_in += value

    def open_dispute_reason(self, key: int, value: int) -> "str | None":
        """The refusals `_open_dispute` checks, in order."""
        if self.trusted:
            return "bounty: no arbiter: scores are not challengeable"
        if self.t >= self.d("challenge_deadline"):
            return "bounty: challenge window closed"
        if key in self.disputes:
            return "bounty: already disputed"
        if value != self.challenge_bond + self.fee:
            return "bounty: pay the challenge bond plus the arbiter fee"
        return None

    def challenge_data(self, who: int, pay: int = 0) -> None:
        challenger = self.everyone[who]
        value = self.challenge_bond + self.fee + pay
        reason = self.settled_reason()
        if reason is None:
            if not self.test_revealed:
                reason = "bounty: test data not revealed"
            elif self.voided:
                reason = "bounty: test data voided"
            elif not self.revealed:
                reason = "bounty: nothing revealed"
            else:
                reason = self.open_dispute_reason(TEST_DATA_KEY, value)
        if self.attempt(reason, self.abi.data("challenge_test_data"), sender=challenger, value=value):
            self.disputes[TEST_DATA_KEY] = (challenger.address, 0, 0, self.fee)
            self.paid_in += value

    def rule(self, key: int, ruling: int, who: int = 0, direct: bool = False) -> None:
        """The arbiter rules (through the stand-in, called by account ``who``), or ``who`` tries to call
        the bounty's ``rule`` itself (``direct``)."""
        caller = self.everyone[who]
        if direct:
            data, to = self.abi.data("rule", key, ruling), None
        else:
            data, to = self.arbiter_abi.data("rule", self.bounty, key, ruling), self.arbiter.address
        reason = None
        if direct or self.trusted:
            reason = "bounty: caller is not the arbiter"
        reason = reason or self.settled_reason()
        if reason is None:
            if self.t >= self.d("resolution_deadline"):
                reason = "bounty: resolution deadline passed"
            elif key not in self.disputes:
                reason = "bounty: no open dispute"
            elif key == TEST_DATA_KEY and ruling > 1:
                reason = "bounty: test-data ruling must be 0 or 1"
            elif key != TEST_DATA_KEY and ruling > BPS:
                reason = "bounty: ruling above 10000"
        if not self.attempt(reason, data, sender=caller, to=to):
            return
        challenger, posted, _, fee = self.disputes.pop(key)
        if key == TEST_DATA_KEY:
            upheld = ruling == 1
            self.voided = self.voided or upheld
        else:
            upheld = abs(ruling - posted) > TOLERANCE
            if upheld:
                self.correct(key, posted, ruling)
        if upheld:
            reward = min(self.challenge_bond + fee, self.bond_left)
            self.bond_left -= reward
            self.add_credit(challenger, self.challenge_bond + reward)
        else:
            self.due += self.challenge_bond
        self.fees_received += fee
        self.paid_out += fee
        self.rulings.append("upheld" if upheld else "rejected")
        say(f"  {'upheld' if upheld else 'rejected'}" + (", ranking stale" if self.stale else ""))

    def correct(self, i: int, posted: int, ruling: int) -> None:
        """An upheld score ruling: the score on record becomes the ruling; the ranking goes stale when
        a ranked entry of a full ranking falls below its last place (some unranked entry may belong there)."""
        if not self.stale:
            top = self.top()
            full = len(top) == K
            last = lane(*top[-1]) if full else 0
            ranked = (i, posted) in top
            new = lane(i, ruling) if ruling >= MIN_ACCURACY else 0
            self.stale = ranked and full and new < last
        self.corrected[i] = ruling

    def rerank(self, who: int, forged: bool = False) -> None:
        batches = [list(b) for b in self.batches]
        if forged and batches:
            batches[-1][-1] ^= 1
        reason = self.settled_reason()
        if reason is None:
            if not self.stale:
                reason = "bounty: ranking is not stale"
            elif forged:
                reason = "bounty: batches do not match the posted scores"
        if self.attempt(reason, self.abi.data("rerank", batches), sender=self.everyone[who]):
            self.stale = False

    def finalize(self, who: int) -> None:
        caller = self.everyone[who]
        reason = self.settled_reason()
        if reason is None and self.t < self.d("challenge_deadline"):
            if self.t < self.d("reveal_deadline"):
                reason = "bounty: reveal window still open"
            elif caller != self.organizer:
                reason = "bounty: only the organizer may finalize before the challenge deadline"
            elif self.revealed and not self.trusted:
                reason = "bounty: scores are provisional until the challenge deadline"
            elif self.revealed and len(self.posted) != len(self.revealed):
                reason = "bounty: not every revealed submission is scored"
        if reason is None and self.disputes and self.t < self.d("resolution_deadline"):
            reason = "bounty: disputes open until the resolution deadline"
        if reason is None and self.stale:
            reason = "bounty: ranking stale: call rerank first"
        if self.attempt(reason, self.abi.data("finalize"), sender=caller):
            self.settle()

    def settle(self) -> None:
        """The model's ``finalize``: the outcome, the winners' credits, the organizer's settlement."""
        revealed, voided = len(self.revealed), self.voided
        disqualified = 0 if voided else self.disqualified()
        refund, burned = REWARD, 0
        outcome = Outcome.REFUNDED
        if revealed and len(self.posted) == revealed and not voided:
            top = self.top()
            if top:
                outcome = Outcome.PRIZES
                for (i, _), share in zip(top, SHARES):
                    amount = REWARD * share // BPS
                    self.add_credit(self.entries[i][0].address, amount + DEPOSIT)
                    self.zeroed.add(i)
                    refund -= amount
        elif revealed:
            outcome = Outcome.SHARED
            eligible = revealed - disqualified
            self.share = REWARD // eligible
            refund = REWARD - self.share * eligible
            burned = self.bond_left
        self.fail_safe = bool(self.disputes)
        if self.fail_safe:
            burned = self.bond_left
        forfeits = DEPOSIT * (len(self.entries) - revealed + disqualified)
        self.due += refund + self.bond_left - burned + forfeits
        self.outcome = outcome
        say(f"  {outcome.name}" + (" (fail-safe)" if self.fail_safe else "") + (" (voided)" if voided else ""))

    def cancel(self) -> None:
        reason = self.settled_reason() or ("bounty: submissions exist" if self.entries else None)
        if self.attempt(reason, self.abi.data("cancel"), sender=self.organizer):
            self.outcome = Outcome.CANCELLED
            self.due += REWARD + BOND

    def claim(self, who: int, ids: list[int]) -> None:
        player = self.players[who]
        reason = None
        if self.outcome in (Outcome.NONE, Outcome.CANCELLED):
            reason = "bounty: claims open at settlement"
        else:
            seen: set[int] = set()
            for i in ids:
                if not self.live(i) or i in seen:
                    reason = "bounty: nothing to claim for this submission"
                elif self.entries[i][0] != player:
                    reason = "bounty: not your submission"
                elif not self.eligible(i) and not self.voided:
                    reason = "bounty: submission disqualified: deposit forfeited"
                if reason:
                    break
                seen.add(i)
            if reason is None and not ids:
                reason = "bounty: nothing to claim"
        amount = sum(self.claimable(i) for i in ids)
        if self.attempt(reason, self.abi.data("claim", ids), sender=player):
            self.zeroed.update(ids)
            self.paid_out += amount

    def withdraw(self, who: int) -> None:
        account = self.everyone[who]
        credit = self.credit(account.address)
        if self.attempt(None if credit else "bounty: nothing to withdraw", self.abi.data("withdraw"), sender=account):
            self.credits[account.address] = 0
            if account == self.organizer:
                self.due = 0
            self.paid_out += credit

    def reclaim(self, who: int, key: int) -> None:
        reason = None
        if not self.settled:
            reason = "bounty: not finalized"
        elif key not in self.disputes:
            reason = "bounty: no open dispute"
        if self.attempt(reason, self.abi.data("reclaim", key), sender=self.everyone[who]):
            challenger, _, _, fee = self.disputes.pop(key)
            self.add_credit(challenger, self.challenge_bond + fee)
            self.reclaimed += 1

    def sweep(self, who: int, ids: list[int], accounts: list[int]) -> None:
        addresses = [self.addresses[a] for a in accounts]
        reason = None
        if not self.settled:
            reason = "bounty: not finalized"
        elif self.t < self.d("sweep_time"):
            reason = "bounty: too early to sweep"
        data = self.abi.data("sweep", ids, addresses)
        if not self.attempt(reason, data, sender=self.everyone[who]):
            return
        amount = 0
        for i in ids:
            if self.live(i) and (self.eligible(i) or self.voided):
                amount += DEPOSIT + (self.share if self.outcome == Outcome.SHARED else 0)
                self.zeroed.add(i)
        for address in addresses:
            if address != self.organizer.address:
                amount += self.credits.get(address, 0)
                self.credits[address] = 0
        self.due += amount

    def set_fee(self, fee: int) -> None:
        self.send(self.arbiter_abi.data("set_fee", fee), sender=self.organizer, to=self.arbiter.address)
        self.fee = fee

    def warp(self, to: str) -> None:
        """To one second before / exactly at / one second after the next deadline (or nowhere when none
        is left); the next action then happens at that instant."""
        upcoming = self.upcoming()
        if not upcoming:
            return
        offset = {"one second before the next deadline": -1, "the next deadline": 0,
                  "one second after the next deadline": 1}[to]
        self.t = max(self.t, upcoming[0] + offset)
        self.hold = True

    # ----------------------------------------------------------------- invariants
    def read_state(self) -> dict[str, Any]:
        """Balances, every credit, every submission's claim and corrected score, every dispute and the
        counters, at the model's clock, in one JSON-RPC batch (one round trip per step)."""
        self.set_time()

        def call(data: str) -> tuple:
            return "eth_call", [{"to": self.bounty, "data": data}, "pending"]

        calls = [("eth_getBalance", [self.bounty, "latest"]), ("eth_getBalance", [self.arbiter.address, "latest"])]
        calls += [call(data) for _, data in self.reads]
        calls += [call(data) for data in self.credit_reads]
        calls += [call(data) for pair in self.id_reads for data in pair]
        calls += [call(data) for data in self.dispute_reads.values()]
        results = iter(self.rpc_batch(calls))
        s: dict[str, Any] = {"balance": int(next(results), 16), "arbiter_balance": int(next(results), 16)}
        for name, _ in self.reads:
            s[name] = self.abi.result(name, next(results))
        s["credits"] = [self.abi.result("credits", next(results)) for _ in self.credit_reads]
        s["claimable"], s["corrected"] = [], []
        for _ in self.id_reads:
            s["claimable"].append(self.abi.result("claimable", next(results)))
            s["corrected"].append(tuple(self.abi.result("corrected_score", next(results))))
        s["disputes"] = {k: tuple(self.abi.result("dispute", next(results))) for k in self.dispute_reads}
        return s

    @invariant()
    def invariants(self) -> None:
        """Every invariant below, in order, after each step (one batched read; regression tests call it too)."""
        if self.bounty is not None:
            self.assert_invariants()

    def assert_invariants(self) -> None:
        """Every invariant, in order: the first reads the state the others check."""
        self.balance_is_credits_plus_escrow_plus_claims_plus_burned()
        self.money_matches_the_model()
        self.scores_on_record_match_the_model()
        self.ranking_and_its_staleness_match_the_model()
        self.disputes_match_the_model()
        self.stage_and_counters_match_the_model()

    def balance_is_credits_plus_escrow_plus_claims_plus_burned(self) -> None:
        s = self.state = self.read_state()
        same("balance = credits + escrow + claimable + burned", s["balance"],
             sum(s["credits"]) + s["escrow"] + sum(s["claimable"]) + s["burned"])
        # What came in minus what went out (withdrawals, claims, the arbiter's fees): nothing paid twice.
        same("balance = paid in - paid out", s["balance"], self.paid_in - self.paid_out)
        assert self.paid_out + s["burned"] <= self.paid_in

    def money_matches_the_model(self) -> None:
        s = self.state
        same("credits (organizer, players)", s["credits"], [self.credit(a) for a in self.addresses])
        same("organizer_due", s["organizer_due"], self.due)
        same("escrow", s["escrow"], self.escrow())
        same("claimable by id", s["claimable"], [self.claimable(i) for i in range(CAP)])
        same("burned", s["burned"], self.burned())
        same("bond", s["bond"], self.bond_left)
        same("abandon_share", s["abandon_share"], self.share)
        same("the arbiter's fees (only with rulings)", s["arbiter_balance"], self.fees_received)

    def scores_on_record_match_the_model(self) -> None:
        s = self.state
        same("score_accumulator (the posted scores)", bytes(s["score_accumulator"]), score_accumulator(self.batches))
        # A record zeroed (a winner's at finalize, a claim, a sweep) forgets its ruling; the `Ruled` events keep it.
        same("corrected_score by id", s["corrected"],
             [(True, self.corrected[i]) if i in self.corrected and self.live(i) else (False, 0) for i in range(CAP)])
        same("scored, next id, batches, disqualified",
             (s["scored_count"], s["next_score_id"], s["score_batches"], s["disqualified_count"]),
             (len(self.posted), self.cursor, len(self.batches), self.disqualified()))

    def ranking_and_its_staleness_match_the_model(self) -> None:
        s = self.state
        same("ranking_stale", s["ranking_stale"], self.stale)
        if not self.stale:
            ids, scores = s["ranking"]
            same("ranking (id, score), best first", list(zip(ids, scores)), self.top())

    def disputes_match_the_model(self) -> None:
        s = self.state
        # open_disputes() counts the challenges the arbiter has not ruled on: after a fail-safe, those
        # reclaimed too (the dispute itself is gone: `dispute(key)` is empty).
        same("open_disputes", s["open_disputes"], len(self.disputes) + self.reclaimed)
        for key, (challenger, posted, claimed, fee) in s["disputes"].items():
            want = self.disputes.get(key, ("0x" + "00" * 20, 0, 0, 0))
            same(f"dispute {key}", (to_checksum_address(challenger), posted, claimed, fee),
                 (to_checksum_address(want[0]), *want[1:]))
        same("voided, fail-safe", (s["test_data_voided"], s["fail_safe"]), (self.voided, self.fail_safe))

    def stage_and_counters_match_the_model(self) -> None:
        s = self.state
        same("stage", Stage(s["stage"]), self.stage())
        same("outcome", Outcome(s["outcome"]), self.outcome)
        same("submissions, revealed, test revealed", (s["submission_count"], s["revealed_count"], s["test_revealed"]),
             (len(self.entries), len(self.revealed), self.test_revealed))
        same("randomness", bytes(s["randomness"]), self.randomness or bytes(32))
        same("randomness_block", s["randomness_block"], self.requested or 0)

    # ------------------------------------------------------------------- teardown
    def teardown(self):
        """Settle whatever is open (re-ranking first if needed), reclaim every dispute the arbiter left,
        claim and withdraw everything: all is paid out or burned."""
        try:
            if self.bounty is None:
                return
            if not self.settled:
                self.t = max(self.t, self.d("resolution_deadline" if self.disputes else "challenge_deadline"))
                if self.stale:
                    self.rerank(1)
                self.finalize(1)
                assert self.settled
            for key in sorted(self.disputes):
                self.reclaim(1, key)
            for who, player in enumerate(self.players):
                ids = [i for i in range(len(self.entries)) if self.entries[i][0] == player and self.claimable(i)]
                if ids:
                    self.claim(who, ids)
            for who, account in enumerate(self.everyone):
                if self.credit(account.address):
                    self.withdraw(who)
            self.assert_invariants()
            story = [f"outcome {self.outcome.name}{' (fail-safe)' if self.fail_safe else ''}"
                     f"{' (voided)' if self.voided else ''}",
                     *(f"ruling {r}" for r in self.rulings), *(f"sent {a}" for a in sorted(set(self.sent)))]
            BountyMachine.tally.update(story)
            try:
                for line in story:
                    event(line)
            except InvalidArgument:
                pass
            burned = self.burned()
            assert self.state["escrow"] == 0 and not self.disputes
            assert self.state["balance"] == burned == self.state["burned"]
            assert self.paid_out + burned == self.paid_in
        finally:
            self.chain.restore(self.snapshot)
