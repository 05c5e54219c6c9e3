"""The Hypothesis state machine of one bounty, module-level as curve-stablecoin writes them.

One rule per action (each moves the model's clock on, then calls the action's wrapper, which either
sends the transaction or checks that the contract refuses it with the reason the model predicts),
small named invariants checked after every step, ``note()`` on every step for readable failures.
``test_properties.py`` runs it with random sequences; ``test_regressions.py`` replays sequences
Hypothesis shrank (or that exercise corners) as named tests by calling the same methods.

The machine needs Ape fixtures: call :meth:`BountyMachine.bind` first (``make_bounty``, ``accounts``,
``chain``). Hundreds of calls per example go straight to Anvil through web3 (the unlocked test
accounts sign), several times faster than Ape's transaction pipeline.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from bounty_harness import MAX_COST_ANY, N_FEATURES, REWARD, SUBMISSION_WINDOW, TEST_CID, TEST_SALT, Outcome, salt_for
from eth_utils import to_hex
from hypothesis import event, note
from hypothesis.errors import InvalidArgument
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from web3.exceptions import ContractLogicError

from bounty_client.protocol.hyperparams import Hyperparameters, commitment, parameter_count

CHAIN_HP = st.tuples(
    st.integers(1, 8),
    st.integers(1, 1024),
    st.integers(0, 8),
    st.integers(0, 7),
    st.integers(0, 4),
    st.integers(0, 9_000),
    st.integers(1, 1_000_000),
).map(Hyperparameters.from_chain)

DEPOSIT = 10**16
BOND = REWARD
CAP = 8
ACTORS = 5  # accounts[1..5]; accounts[0] is the organizer
# Clock advance per step (each window lasts 1000 s, see bounty_harness): ~30 steps live through every stage.
STEP_SECONDS = 90
# The cost bound of the machine's bounty: about half of CHAIN_HP's configurations are above it.
MAX_COST = parameter_count(Hyperparameters(4, 512, 4, "relu", "hinge"), N_FEATURES)
assert MAX_COST < MAX_COST_ANY


def say(text: str) -> None:
    """``note()`` inside Hypothesis; nothing when a regression test replays a sequence by hand."""
    try:
        note(text)
    except InvalidArgument:
        pass


class BountyMachine(RuleBasedStateMachine):
    """A model of one bounty (deposit, bond = reward, K = 2, cap 8, a cost bound) and the real contract."""

    # Set by `bind` (Ape fixtures are not available at import time).
    make_bounty: Any = None
    chain: Any = None
    organizer: Any = None
    players: list = []
    w3: Any = None
    session: Any = None

    @classmethod
    def bind(cls, make_bounty, accounts, chain) -> None:
        cls.make_bounty = staticmethod(make_bounty)
        cls.chain = chain
        cls.organizer = accounts[0]
        cls.players = [accounts[i] for i in range(1, ACTORS + 1)]
        cls.w3 = chain.provider.web3
        cls.session = requests.Session()

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.everyone = [self.organizer, *self.players]
        self.b = self.make_bounty(
            commit_deposit=DEPOSIT, prize_shares=[6_000, 4_000], max_submissions=CAP, bond=BOND, max_cost=MAX_COST
        )
        self.c = self.b.contract
        # The model's clock, fixed relative to the deadlines (never the wall clock, so every replay of
        # an example draws the same data); 5 s of slack after the creation block.
        self.t = self.b.submission_deadline - SUBMISSION_WINDOW + 5
        self.paid_in = REWARD + BOND
        self.paid_out = 0
        self.entries: list[tuple[Any, Hyperparameters, bytes]] = []
        self.revealed: list[int] = []
        self.claimed: set[int] = set()
        self.cursor = 0
        self.scored = 0
        self.randomness: bytes | None = None
        self.test_revealed = False
        self.outcome = Outcome.NONE

    # ------------------------------------------------------------------ transport
    def send(self, fn, *args, sender, value=0) -> None:
        self.chain.pending_timestamp = self.t
        tx = {"from": sender.address, "to": self.c.address, "data": fn.encode_input(*args), "value": value}
        tx_hash = self.w3.eth.send_transaction({**tx, "gas": 2_000_000})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10, poll_latency=0.01)
        assert receipt["status"] == 1, f"{fn} reverted"
        self.t += 1

    def view(self, fn, *args) -> int:
        return int.from_bytes(self.w3.eth.call({"to": self.c.address, "data": fn.encode_input(*args)})[:32], "big")

    def expect_revert(self, reason, fn, *args, sender, value=0) -> None:
        """Simulate the call on the pending block (``eth_call``: fast, unlike a failing transaction
        through ``ape.reverts``) and check that it reverts with ``reason``."""
        self.chain.pending_timestamp = self.t
        tx = {"from": sender.address, "to": self.c.address, "data": fn.encode_input(*args), "value": value}
        with pytest.raises(ContractLogicError) as info:
            self.w3.eth.call(tx, "pending")
        assert info.value.message == f"execution reverted: {reason}"
        say(f"  refused: {reason}")

    def rpc_batch(self, calls):
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        uri = self.w3.provider.endpoint_uri
        return [r["result"] for r in sorted(self.session.post(uri, json=payload, timeout=30).json(), key=lambda r: r["id"])]

    def call_params(self, fn, *args):
        return ("eth_call", [{"to": self.c.address, "data": to_hex(fn.encode_input(*args))}, "latest"])

    # ---------------------------------------------------------------------- model
    @property
    def settled(self) -> bool:
        return self.outcome != Outcome.NONE

    def settled_reason(self) -> str:
        return "bounty: cancelled" if self.outcome == Outcome.CANCELLED else "bounty: already finalized"

    def tick(self, action: str) -> None:
        self.t += STEP_SECONDS
        say(f"t={self.t - self.b.submission_deadline:+} s from the submission deadline: {action}")

    # ---------------------------------------------------------------------- rules
    @initialize(commits=st.lists(st.tuples(st.integers(0, ACTORS - 1), CHAIN_HP), max_size=6))
    def opening_commits(self, commits):
        """Most stories start with a few commits (one rule among ten would rarely get there)."""
        for who, hp in commits:
            self.commit(who, hp)

    @rule(who=st.integers(0, ACTORS - 1), hp=CHAIN_HP)
    def rule_commit(self, who, hp):
        self.tick(f"player {who} commits {hp.to_chain()}")
        self.commit(who, hp)

    def wait_for(self, opens: int, wait: bool) -> None:
        """Actors who know the schedule wait for the window their action needs (``wait``), if it is the
        next one to open (and, for the organizer's, once every admissible commit is revealed); the others
        try right away (and the contract must refuse). Without this, random sequences rarely line an
        action up with its window; waiting across two windows, or past pending reveals, would skip one."""
        deadlines = (self.b.submission_deadline, self.b.reveal_deadline, self.b.evaluation_deadline)
        next_opening = min((d for d in deadlines if d > self.t), default=None)
        if opens == self.b.reveal_deadline and any(
            i not in self.revealed and parameter_count(hp, N_FEATURES) <= MAX_COST for i, (_, hp, _) in enumerate(self.entries)
        ):
            return  # the organizer waits for the reveals to end, not for reveals still to come
        if wait and next_opening == opens:
            self.t = opens
            say(f"  waited for t={opens - self.b.submission_deadline:+}")

    @rule(data=st.data(), wait=st.booleans())
    def rule_reveal(self, data, wait):
        pending = [i for i in range(len(self.entries)) if i not in self.revealed]
        if not pending:
            return
        ids = data.draw(st.lists(st.sampled_from(pending), min_size=1, max_size=8, unique=True))
        self.tick(f"reveal {ids}")
        self.wait_for(self.b.submission_deadline, wait)
        for i in ids:
            self.reveal(i)

    @rule(who=st.integers(0, ACTORS), wait=st.booleans())
    def rule_draw(self, who, wait):
        self.tick(f"account {who} draws the randomness")
        self.wait_for(self.b.reveal_deadline, wait)
        self.draw(who)

    @rule(wait=st.booleans())
    def rule_reveal_test(self, wait):
        self.tick("organizer reveals the test data")
        self.wait_for(self.b.reveal_deadline, wait)
        self.reveal_test()

    @rule(size=st.integers(1, 8), scores=st.lists(st.integers(0, 10_000), min_size=8, max_size=8), wait=st.booleans())
    def rule_score(self, size, scores, wait):
        self.tick(f"organizer scores up to {size}")
        self.wait_for(self.b.reveal_deadline, wait)
        self.score(size, scores)

    @rule(who=st.integers(0, ACTORS), wait=st.booleans())
    def rule_finalize(self, who, wait):
        self.tick(f"account {who} finalizes")
        self.wait_for(self.b.reveal_deadline, wait)
        self.finalize(who)

    @rule(roll=st.integers(0, 9))
    def rule_cancel(self, roll):
        if roll == 0:  # cancelling ends the story: keep it rare
            self.tick("organizer cancels")
            self.cancel()

    @rule(who=st.integers(0, ACTORS - 1))
    def rule_claim(self, who):
        self.tick(f"player {who} claims shares")
        self.claim(who)

    @rule(who=st.integers(0, ACTORS))
    def rule_withdraw(self, who):
        self.tick(f"account {who} withdraws")
        self.withdraw(who)

    @rule(to=st.sampled_from(["tick", "just before the next deadline", "the next deadline"]))
    def rule_warp(self, to):
        self.tick(f"warp to {to}")
        self.warp(to)

    # -------------------------------------------------------------------- actions
    def commit(self, who, hp):
        player = self.players[who]
        salt = salt_for(len(self.entries) + 1000)
        c = commitment(self.c.address, player.address, hp, salt)
        if self.outcome == Outcome.CANCELLED:
            self.expect_revert("bounty: cancelled", self.c.commit, c, sender=player, value=DEPOSIT)
        elif len(self.entries) >= CAP:
            self.expect_revert("bounty: submission cap reached", self.c.commit, c, sender=player, value=DEPOSIT)
        elif self.t >= self.b.submission_deadline:
            self.expect_revert("bounty: submission window closed", self.c.commit, c, sender=player, value=DEPOSIT)
        else:
            self.send(self.c.commit, c, sender=player, value=DEPOSIT)
            self.entries.append((player, hp, salt))
            self.paid_in += DEPOSIT

    def reveal(self, i):
        player, hp, salt = self.entries[i]
        args = (i, *hp.to_chain(), salt)
        if self.t < self.b.submission_deadline:
            self.expect_revert("bounty: reveal window not open", self.c.reveal, *args, sender=player)
        elif self.t >= self.b.reveal_deadline:
            self.expect_revert("bounty: reveal window closed", self.c.reveal, *args, sender=player)
        elif parameter_count(hp, N_FEATURES) > MAX_COST:
            self.expect_revert("bounty: cost above max_cost", self.c.reveal, *args, sender=player)
        else:
            self.send(self.c.reveal, *args, sender=player)
            self.revealed.append(i)

    def draw(self, who):
        caller, fn = self.everyone[who], self.c.draw_randomness
        if self.settled:
            self.expect_revert(self.settled_reason(), fn, sender=caller)
        elif self.randomness is not None:
            self.expect_revert("bounty: randomness already drawn", fn, sender=caller)
        elif self.t < self.b.reveal_deadline:
            self.expect_revert("bounty: reveal window still open", fn, sender=caller)
        elif self.t >= self.b.evaluation_deadline:
            self.expect_revert("bounty: evaluation window closed", fn, sender=caller)
        else:
            self.send(fn, sender=caller)
            self.randomness = bytes(self.c.randomness())
            assert self.randomness != bytes(32)

    def reveal_test(self):
        fn, args = self.c.reveal_test_data, (TEST_CID, TEST_SALT)
        if self.settled:
            self.expect_revert(self.settled_reason(), fn, *args, sender=self.organizer)
        elif self.test_revealed:
            self.expect_revert("bounty: test data already revealed", fn, *args, sender=self.organizer)
        elif self.t < self.b.reveal_deadline:
            self.expect_revert("bounty: reveal window still open", fn, *args, sender=self.organizer)
        elif self.t >= self.b.evaluation_deadline:
            self.expect_revert("bounty: evaluation window closed", fn, *args, sender=self.organizer)
        elif self.randomness is None:
            self.expect_revert("bounty: randomness not drawn", fn, *args, sender=self.organizer)
        else:
            self.send(fn, *args, sender=self.organizer)
            self.test_revealed = True

    def score(self, size, scores):
        ids = sorted(i for i in self.revealed if i >= self.cursor)[:size]
        if not ids:
            return
        scores = scores[: len(ids)]
        fn, args = self.c.post_scores, (ids, scores, "r")
        if self.settled:
            self.expect_revert(self.settled_reason(), fn, *args, sender=self.organizer)
        elif not self.test_revealed:
            self.expect_revert("bounty: test data not revealed", fn, *args, sender=self.organizer)
        elif self.t >= self.b.evaluation_deadline:
            self.expect_revert("bounty: evaluation window closed", fn, *args, sender=self.organizer)
        else:
            self.send(fn, *args, sender=self.organizer)
            self.cursor = ids[-1] + 1
            self.scored += len(ids)

    def finalize(self, who):
        caller, fn = self.everyone[who], self.c.finalize
        if self.settled:
            self.expect_revert(self.settled_reason(), fn, sender=caller)
        elif self.t < self.b.reveal_deadline:
            self.expect_revert("bounty: reveal window still open", fn, sender=caller)
        elif self.t < self.b.evaluation_deadline and caller != self.organizer:
            self.expect_revert("bounty: only the organizer may finalize before the evaluation deadline", fn, sender=caller)
        elif self.t < self.b.evaluation_deadline and self.scored != len(self.revealed):
            self.expect_revert("bounty: not every revealed submission is scored", fn, sender=caller)
        else:
            self._finalize(caller)

    def _finalize(self, caller):
        before = self.view(self.c.credits, self.organizer.address)
        self.send(self.c.finalize, sender=caller)
        outcome = Outcome(self.view(self.c.outcome))
        if not self.revealed:
            assert outcome == Outcome.REFUNDED
        elif self.scored == len(self.revealed):
            assert outcome in (Outcome.PRIZES, Outcome.REFUNDED)
            assert (outcome == Outcome.PRIZES) == (len(self.c.ranking()[0]) > 0)
        else:
            assert outcome == Outcome.SHARED
        self.outcome = outcome
        # The organizer always gets the forfeited deposits; the bond unless SHARED.
        forfeits = DEPOSIT * (len(self.entries) - len(self.revealed))
        gained = self.view(self.c.credits, self.organizer.address) - before
        bond_back = 0 if outcome == Outcome.SHARED else BOND
        assert gained >= forfeits + bond_back
        assert gained <= forfeits + bond_back + REWARD

    def cancel(self):
        fn = self.c.cancel
        if self.settled:
            self.expect_revert(self.settled_reason(), fn, sender=self.organizer)
        elif self.entries:
            self.expect_revert("bounty: submissions exist", fn, sender=self.organizer)
        else:
            self.send(fn, sender=self.organizer)
            self.outcome = Outcome.CANCELLED

    def claim(self, who):
        player = self.players[who]
        mine = [i for i in self.revealed if self.entries[i][0] == player and i not in self.claimed]
        if not mine:
            return
        if self.outcome != Outcome.SHARED:
            self.expect_revert("bounty: rewards are not shared", self.c.claim_shares, mine, sender=player)
            return
        self.send(self.c.claim_shares, mine, sender=player)
        self.claimed.update(mine)

    def withdraw(self, who):
        account = self.everyone[who]
        credit = self.view(self.c.credits, account.address)
        if credit == 0:
            self.expect_revert("bounty: nothing to withdraw", self.c.withdraw, sender=account)
            return
        self.send(self.c.withdraw, sender=account)
        self.paid_out += credit
        assert self.view(self.c.credits, account.address) == 0

    def warp(self, to):
        """A minute on, or to one second before / exactly at the next deadline."""
        deadlines = (self.b.submission_deadline, self.b.reveal_deadline, self.b.evaluation_deadline)
        upcoming = [d for d in deadlines if d > self.t]
        if to == "tick" or not upcoming:
            self.t += 60
        elif to == "the next deadline":
            self.t = upcoming[0]
        else:
            self.t = max(self.t, upcoming[0] - 1)

    # ----------------------------------------------------------------- invariants
    def read_state(self) -> dict[str, int]:
        """Balance, every credit and the counters in one JSON-RPC batch (one round trip per step)."""
        c = self.c
        calls = [("eth_getBalance", [c.address, "latest"])]
        calls += [self.call_params(c.credits, a.address) for a in self.everyone]
        names = ("escrow", "burned", "submission_count", "revealed_count", "scored_count", "randomness")
        calls += [self.call_params(getattr(c, n)) for n in names]
        balance, *rest = (int(r, 16) for r in self.rpc_batch(calls))
        credits, tail = rest[: len(self.everyone)], rest[len(self.everyone) :]
        return {"balance": balance, "credits": sum(credits), **dict(zip(names, tail))}

    def assert_invariants(self) -> None:
        """Every invariant, in order (what Hypothesis runs after each step; regression tests call it)."""
        self.balance_is_credits_plus_escrow_plus_burned()
        self.paid_out_never_exceeds_paid_in()
        self.counters_match_the_model()
        self.bond_is_burned_only_when_shared()
        self.randomness_is_fixed_once()

    @invariant()
    def balance_is_credits_plus_escrow_plus_burned(self):
        s = self.read_state()
        self.state = s
        assert s["balance"] == s["credits"] + s["escrow"] + s["burned"]

    @invariant()
    def paid_out_never_exceeds_paid_in(self):
        s = self.state
        assert self.paid_out + s["burned"] <= self.paid_in
        assert s["balance"] == self.paid_in - self.paid_out

    @invariant()
    def counters_match_the_model(self):
        s = self.state
        assert (s["submission_count"], s["revealed_count"], s["scored_count"]) == (
            len(self.entries), len(self.revealed), self.scored
        )

    @invariant()
    def bond_is_burned_only_when_shared(self):
        assert self.state["burned"] == (BOND if self.outcome == Outcome.SHARED else 0)

    @invariant()
    def randomness_is_fixed_once(self):
        drawn = self.state["randomness"]
        assert drawn == (0 if self.randomness is None else int.from_bytes(self.randomness, "big"))

    # ------------------------------------------------------------------- teardown
    def teardown(self):
        """Settle whatever is open, claim and withdraw everything: all is paid out or burned."""
        try:
            if not self.settled:
                self.t = max(self.t, self.b.evaluation_deadline)
                self._finalize(self.everyone[1])
            if self.outcome == Outcome.SHARED:
                for who in range(ACTORS):
                    self.claim(who)
            for who in range(len(self.everyone)):
                if self.view(self.c.credits, self.everyone[who].address):
                    self.withdraw(who)
            try:
                event(f"outcome {self.outcome.name}, {len(self.entries)} commits, {len(self.revealed)} reveals")
            except InvalidArgument:
                pass
            burned = BOND if self.outcome == Outcome.SHARED else 0
            assert self.view(self.c.escrow) == 0
            assert self.w3.eth.get_balance(self.c.address) == burned == self.view(self.c.burned)
            assert self.paid_out + burned == self.paid_in
        finally:
            self.chain.restore(self.snapshot)
