"""Property tests on Anvil: the Python commitments equal the contract's, and the Hypothesis state machine
(``bounty_machine.py``) drives random lifecycles checking the money invariants.

Each Hypothesis example runs between ``chain.snapshot()`` and ``chain.restore()``, so examples never
see each other's bounties or clock. ``BOUNTY_SM_EXAMPLES`` (default 60) sets the number of state-machine
examples (30 steps each).
"""

from __future__ import annotations

import os

from bounty_machine import CHAIN_HP, BountyMachine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from bounty_client.protocol.hyperparams import Hyperparameters, commitment, test_commitment
from bounty_client.protocol.wire import decode_revealed

SALTS = st.binary(min_size=32, max_size=32)
CIDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz234567", min_size=1, max_size=128)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(hp=CHAIN_HP, salt=SALTS, sender_index=st.integers(1, 8), test_cid=CIDS, test_salt=SALTS)
def test_commitment__python_equals_contract_for_random_inputs(
    make_bounty, accounts, chain, hp, salt, sender_index, test_cid, test_salt
):
    """A real commit + reveal succeeds only if ``bounty_client.protocol.hyperparams.commitment`` hashes exactly as
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
        got = decode_revealed(ev.hyperparameters)
        assert Hyperparameters.from_chain(got) == hp
        b.to_evaluation()
        b.draw()
        c.reveal_test_data(test_cid, test_salt, sender=b.organizer)
        assert c.test_revealed()
    finally:
        chain.restore(snapshot)


def test_state_machine__money_is_conserved_across_random_lifecycles(make_bounty, accounts, chain):
    """The module-level :class:`bounty_machine.BountyMachine` over random sequences of every action."""
    BountyMachine.bind(make_bounty, accounts, chain)
    examples = int(os.environ.get("BOUNTY_SM_EXAMPLES", "60"))
    run_state_machine_as_test(
        BountyMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
