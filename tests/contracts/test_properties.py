"""Property tests on Anvil: the Python commitments equal the contract's, and a Hypothesis state machine
drives random lifecycles checking the money invariants.

Each Hypothesis example runs between ``chain.snapshot()`` and ``chain.restore()``, so examples never
see each other's bounties or clock. ``BOUNTY_SM_EXAMPLES`` (default 50) sets the number of state-machine
examples (30 steps each).
"""

from __future__ import annotations

import os

import pytest
import requests
from bounty_harness import REWARD, SUBMISSION_WINDOW, TEST_CID, TEST_SALT, Outcome, salt_for
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from eth_utils import to_hex
from web3.exceptions import ContractLogicError

from bounty_client.hyperparams import Hyperparameters, commitment, test_commitment

CHAIN_HP = st.tuples(
    st.integers(1, 8),
    st.integers(1, 1024),
    st.integers(0, 8),
    st.integers(0, 7),
    st.integers(0, 4),
    st.integers(0, 9_000),
    st.integers(1, 1_000_000),
).map(Hyperparameters.from_chain)
SALTS = st.binary(min_size=32, max_size=32)
CIDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz234567", min_size=1, max_size=128)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(hp=CHAIN_HP, salt=SALTS, sender_index=st.integers(1, 8), test_cid=CIDS, test_salt=SALTS)
def test_commitment__python_equals_contract_for_random_inputs(
    make_bounty, accounts, chain, hp, salt, sender_index, test_cid, test_salt
):
    """A real commit + reveal succeeds only if ``bounty_client.hyperparams.commitment`` hashes exactly as
    ``Bounty.reveal`` does; likewise ``test_commitment`` for ``reveal_test_data``."""
    snapshot = chain.snapshot()
    try:
        sender = accounts[sender_index]
        b = make_bounty(test_commitment=test_commitment(test_cid, test_salt))
        c = b.contract
        c.commit(commitment(c.address, sender.address, hp, salt), sender=sender)
        b.to_reveal()
        receipt = c.reveal(0, *hp.to_chain(), salt, sender=sender)
        ev = receipt.decode_logs(c.Revealed)[0]
        got = (ev.lstm_layers, ev.lstm_units, ev.dense_layers, ev.activation, ev.loss, ev.dropout_bps, ev.learning_rate_micro)
        assert Hyperparameters.from_chain(got) == hp
        c.reveal_test_data(test_cid, test_salt, sender=b.organizer)
        assert c.test_revealed()
    finally:
        chain.restore(snapshot)


DEPOSIT = 10**16
# Clock advance per state-machine step (each window lasts 1000 s, see bounty_harness).
STEP_SECONDS = 90
# Simple (shrunk or zero-biased) examples repeat the first action: make it a useful one.
ACTIONS = ("reveal", "score", "reveal_test", "commit", "finalize", "withdraw", "claim", "warp", "cancel")
ACTORS = 5  # accounts[1..5]; accounts[0] is the organizer


def test_state_machine__money_is_conserved_across_random_lifecycles(make_bounty, accounts, chain):
    organizer = accounts[0]
    players = [accounts[i] for i in range(1, ACTORS + 1)]
    everyone = [organizer, *players]
    w3 = chain.provider.web3
    session = requests.Session()
    uri = w3.provider.endpoint_uri

    def rpc_batch(calls):
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        replies = sorted(session.post(uri, json=payload, timeout=30).json(), key=lambda r: r["id"])
        return [r["result"] for r in replies]

    class BountyMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.b = make_bounty(commit_deposit=DEPOSIT, prize_shares=[6_000, 4_000], max_submissions=8)
            self.c = self.b.contract
            # The model's clock, fixed relative to the deadlines (never read from the wall clock, so
            # every replay of an example draws the same data); 5 s of slack after the creation block.
            self.t = self.b.submission_deadline - SUBMISSION_WINDOW + 5
            self.deposited = REWARD
            self.withdrawn = 0
            self.entries: list = []
            self.revealed: list[int] = []
            self.claimed: set[int] = set()
            self.cursor = 0
            self.scored = 0
            self.test_revealed = False
            self.outcome = Outcome.NONE

        # ------------------------------------------------------------ helpers
        # Hundreds of calls per example: they go straight to Anvil through web3 (the unlocked test
        # accounts sign), which is several times faster than Ape's transaction/call pipeline.
        def send(self, fn, *args, sender, value=0):
            chain.pending_timestamp = self.t
            tx = {"from": sender.address, "to": self.c.address, "data": fn.encode_input(*args), "value": value}
            tx_hash = w3.eth.send_transaction({**tx, "gas": 2_000_000})
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10, poll_latency=0.01)
            assert receipt["status"] == 1, f"{fn} reverted"
            self.t += 1

        def view(self, fn, *args) -> int:
            data = w3.eth.call({"to": self.c.address, "data": fn.encode_input(*args)})
            return int.from_bytes(data[:32], "big")

        @property
        def balance(self) -> int:
            return w3.eth.get_balance(self.c.address)

        def expect_revert(self, reason, fn, *args, sender, value=0):
            """Simulate the call on the pending block (``eth_call``: fast, unlike a failing transaction
            through ``ape.reverts``) and check that it reverts with ``reason``."""
            chain.pending_timestamp = self.t
            tx = {"from": sender.address, "to": self.c.address, "data": fn.encode_input(*args), "value": value}
            with pytest.raises(ContractLogicError) as info:
                w3.eth.call(tx, "pending")
            assert info.value.message == f"execution reverted: {reason}"

        @property
        def settled(self) -> bool:
            return self.outcome != Outcome.NONE

        def settled_reason(self) -> str:
            return "bounty: cancelled" if self.outcome == Outcome.CANCELLED else "bounty: already finalized"

        # -------------------------------------------------------------- rules
        def tick(self):
            """Every step moves the clock STEP_SECONDS forward, so one example of ~30 steps lives through
            every stage with ~11 steps in each window."""
            self.t += STEP_SECONDS

        def warp(self, to):
            """Move the clock forward: a minute, or to one second before / exactly at the next deadline."""
            deadlines = (self.b.submission_deadline, self.b.reveal_deadline, self.b.evaluation_deadline)
            upcoming = [d for d in deadlines if d > self.t]
            if to == "tick" or not upcoming:
                self.t += 60
            elif to == "the next deadline":
                self.t = upcoming[0]
            else:
                self.t = max(self.t, upcoming[0] - 1)

        @rule(action=st.sampled_from(ACTIONS), data=st.data())
        def step(self, action, data):
            """One step: the clock moves on, then one action with drawn arguments. (A single rule that
            draws the action keeps every action available in every example; Hypothesis' per-example
            rule subsets would otherwise rarely let a bounty live through reveal, scoring and payout.)"""
            self.tick()
            if action == "warp":
                self.warp(data.draw(st.sampled_from(["tick", "just before the next deadline", "the next deadline"])))
            elif action == "commit":
                self.commit(data.draw(st.integers(0, ACTORS - 1)), data.draw(CHAIN_HP))
            elif action == "reveal":
                self.reveal(data)
            elif action == "reveal_test":
                self.reveal_test()
            elif action == "score":
                self.score(data.draw(st.integers(1, 8)), data.draw(st.lists(st.integers(0, 10_000), min_size=8, max_size=8)))
            elif action == "finalize":
                self.finalize(data.draw(st.integers(0, ACTORS)))
            elif action == "cancel":
                if data.draw(st.integers(0, 9)) == 0:  # cancelling ends the story: keep it rare
                    self.cancel()
            elif action == "claim":
                self.claim(data.draw(st.integers(0, ACTORS - 1)))
            elif action == "withdraw":
                self.withdraw(data.draw(st.integers(0, ACTORS)))
            else:  # pragma: no cover
                raise AssertionError(action)

        @initialize(commits=st.lists(st.tuples(st.integers(0, ACTORS - 1), CHAIN_HP), max_size=6))
        def opening_commits(self, commits):
            """Most stories start with a few commits (one rule among nine would rarely get there)."""
            for who, hp in commits:
                self._commit(who, hp)

        def commit(self, who, hp):
            self._commit(who, hp)

        def _commit(self, who, hp):
            player = players[who]
            salt = salt_for(len(self.entries) + 1000)
            c = commitment(self.c.address, player.address, hp, salt)
            if self.outcome == Outcome.CANCELLED:
                self.expect_revert("bounty: cancelled", self.c.commit, c, sender=player, value=DEPOSIT)
            elif len(self.entries) >= 8:
                self.expect_revert("bounty: submission cap reached", self.c.commit, c, sender=player, value=DEPOSIT)
            elif self.t >= self.b.submission_deadline:
                self.expect_revert("bounty: submission window closed", self.c.commit, c, sender=player, value=DEPOSIT)
            else:
                self.send(self.c.commit, c, sender=player, value=DEPOSIT)
                self.entries.append((player, hp, salt))
                self.deposited += DEPOSIT

        def reveal(self, data):
            pending = [i for i in range(len(self.entries)) if i not in self.revealed]
            if not pending:
                return
            for i in data.draw(st.lists(st.sampled_from(pending), min_size=1, max_size=8, unique=True)):
                self._reveal(i)

        def _reveal(self, i):
            player, hp, salt = self.entries[i]
            if self.t < self.b.submission_deadline:
                self.expect_revert("bounty: reveal window not open", self.c.reveal, i, *hp.to_chain(), salt, sender=player)
            elif self.t >= self.b.reveal_deadline:
                self.expect_revert("bounty: reveal window closed", self.c.reveal, i, *hp.to_chain(), salt, sender=player)
            else:
                self.send(self.c.reveal, i, *hp.to_chain(), salt, sender=player)
                self.revealed.append(i)

        def reveal_test(self):
            fn = self.c.reveal_test_data
            if self.settled:
                self.expect_revert(self.settled_reason(), fn, TEST_CID, TEST_SALT, sender=organizer)
            elif self.test_revealed:
                self.expect_revert("bounty: test data already revealed", fn, TEST_CID, TEST_SALT, sender=organizer)
            elif self.t < self.b.submission_deadline:
                self.expect_revert("bounty: submission window still open", fn, TEST_CID, TEST_SALT, sender=organizer)
            elif self.t >= self.b.evaluation_deadline:
                self.expect_revert("bounty: evaluation window closed", fn, TEST_CID, TEST_SALT, sender=organizer)
            else:
                self.send(fn, TEST_CID, TEST_SALT, sender=organizer)
                self.test_revealed = True

        def score(self, size, scores):
            ids = sorted(i for i in self.revealed if i >= self.cursor)[:size]
            if not ids:
                return
            scores = scores[: len(ids)]
            fn = self.c.post_scores
            if self.settled:
                self.expect_revert(self.settled_reason(), fn, ids, scores, "r", sender=organizer)
            elif not self.test_revealed:
                self.expect_revert("bounty: test data not revealed", fn, ids, scores, "r", sender=organizer)
            elif self.t < self.b.reveal_deadline:
                self.expect_revert("bounty: reveal window still open", fn, ids, scores, "r", sender=organizer)
            elif self.t >= self.b.evaluation_deadline:
                self.expect_revert("bounty: evaluation window closed", fn, ids, scores, "r", sender=organizer)
            else:
                self.send(fn, ids, scores, "r", sender=organizer)
                self.cursor = ids[-1] + 1
                self.scored += len(ids)

        def finalize(self, who):
            caller = everyone[who]
            fn = self.c.finalize
            if self.settled:
                self.expect_revert(self.settled_reason(), fn, sender=caller)
            elif self.t < self.b.reveal_deadline:
                self.expect_revert("bounty: reveal window still open", fn, sender=caller)
            elif self.t < self.b.evaluation_deadline and caller != organizer:
                self.expect_revert("bounty: only the organizer may finalize before the evaluation deadline", fn, sender=caller)
            elif self.t < self.b.evaluation_deadline and self.scored != len(self.revealed):
                self.expect_revert("bounty: not every revealed submission is scored", fn, sender=caller)
            else:
                self._finalize(caller)

        def _finalize(self, caller):
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

        def cancel(self):
            fn = self.c.cancel
            if self.settled:
                self.expect_revert(self.settled_reason(), fn, sender=organizer)
            elif self.entries:
                self.expect_revert("bounty: submissions exist", fn, sender=organizer)
            else:
                self.send(fn, sender=organizer)
                self.outcome = Outcome.CANCELLED

        def claim(self, who):
            player = players[who]
            mine = [i for i in self.revealed if self.entries[i][0] == player and i not in self.claimed]
            if self.outcome != Outcome.SHARED:
                if mine:
                    self.expect_revert("bounty: rewards are not shared", self.c.claim_shares, mine, sender=player)
                return
            if mine:
                self.send(self.c.claim_shares, mine, sender=player)
                self.claimed.update(mine)

        def withdraw(self, who):
            account = everyone[who]
            credit = self.view(self.c.credits, account.address)
            if credit == 0:
                self.expect_revert("bounty: nothing to withdraw", self.c.withdraw, sender=account)
                return
            self.send(self.c.withdraw, sender=account)
            self.withdrawn += credit
            assert self.view(self.c.credits, account.address) == 0

        # ---------------------------------------------------------- invariants
        @invariant()
        def money_is_conserved_and_counters_match(self):
            """balance == unclaimed credits + unresolved escrow; paid out <= paid in; counters == model.

            One JSON-RPC batch per step (11 reads in one round trip keeps 50 x 30 steps fast)."""
            self.steps = getattr(self, "steps", 0) + 1
            calls = [("eth_getBalance", [self.c.address, "latest"])]
            for a in everyone:
                calls.append(self.call_params(self.c.credits, a.address))
            for fn in (self.c.escrow, self.c.submission_count, self.c.revealed_count, self.c.scored_count):
                calls.append(self.call_params(fn))
            balance, *rest = (int(r, 16) for r in rpc_batch(calls))
            credits, (escrow, count, revealed, scored) = rest[: len(everyone)], rest[len(everyone) :]
            assert balance == sum(credits) + escrow
            assert self.withdrawn <= self.deposited
            assert balance == self.deposited - self.withdrawn
            assert (count, revealed, scored) == (len(self.entries), len(self.revealed), self.scored)

        def call_params(self, fn, *args):
            return ("eth_call", [{"to": self.c.address, "data": to_hex(fn.encode_input(*args))}, "latest"])

        def teardown(self):
            try:
                if not self.settled:
                    self.t = max(self.t, self.b.evaluation_deadline)
                    self._finalize(everyone[1])
                if self.outcome == Outcome.SHARED:
                    for player in players:
                        mine = [i for i in self.revealed if self.entries[i][0] == player and i not in self.claimed]
                        if mine:
                            self.send(self.c.claim_shares, mine, sender=player)
                            self.claimed.update(mine)
                for account in everyone:
                    credit = self.view(self.c.credits, account.address)
                    if credit:
                        self.send(self.c.withdraw, sender=account)
                        self.withdrawn += credit
                event(f"outcome {self.outcome.name}, {len(self.entries)} commits, {len(self.revealed)} reveals")
                assert self.view(self.c.escrow) == 0
                assert self.balance == 0
                assert self.withdrawn == self.deposited
            finally:
                chain.restore(self.snapshot)

    examples = int(os.environ.get("BOUNTY_SM_EXAMPLES", "50"))
    run_state_machine_as_test(
        BountyMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
