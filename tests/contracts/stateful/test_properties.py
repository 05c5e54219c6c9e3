"""Property tests on Anvil: the Python commitments equal the contract's, and the Hypothesis state machine
(``bounty_machine.py``) drives random lifecycles, challenges and rulings included, checking the money,
the scores on record, the ranking and the stage after every step.

Each Hypothesis example runs between ``chain.snapshot()`` and ``chain.restore()``, so examples never
see each other's bounties or clock. ``BOUNTY_SM_EXAMPLES`` (default EXAMPLES) sets the number of
state-machine examples (STEPS steps each); ``BOUNTY_SM_NO_SHRINK=1`` reports a failure without
shrinking it (while debugging); ``--hypothesis-show-statistics`` prints the outcomes and rulings the
examples reached.
"""

from __future__ import annotations

import os

from bounty_machine import CHAIN_HP, BountyMachine
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from bounty_client.protocol.hyperparams import Hyperparameters, commitment, test_commitment
from bounty_client.protocol.wire import decode_revealed, encode_revealed

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
        receipt = c.reveal(0, encode_revealed(hp.to_chain()), salt, sender=sender)
        ev = receipt.decode_logs(c.Revealed)[0]
        got = decode_revealed(ev.hyperparameters)
        assert Hyperparameters.from_chain(got) == hp
        b.to_evaluation()
        b.draw()
        b.ext.reveal_test_data(test_cid, test_salt, sender=b.organizer)
        assert c.test_revealed()
    finally:
        chain.restore(snapshot)


#: State-machine examples and steps per example (about 1-3 minutes on the 2-core CI machine).
EXAMPLES = 100
STEPS = 50


def test_state_machine__money_is_conserved_across_random_lifecycles_and_disputes(factory, accounts, chain, project):
    """The module-level :class:`bounty_machine.BountyMachine` over random sequences of every action."""
    BountyMachine.bind(factory, accounts, chain, project)
    examples = int(os.environ.get("BOUNTY_SM_EXAMPLES", str(EXAMPLES)))
    run_state_machine_as_test(
        BountyMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=STEPS,
            phases=[Phase.explicit, Phase.reuse, Phase.generate] if os.environ.get("BOUNTY_SM_NO_SHRINK")
            else list(Phase),
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # What the examples reached (shown with -s): outcomes, rulings, each action sent and each refusal.
    print("\n".join(f"{n:5d}  {what}" for what, n in sorted(BountyMachine.tally.items())))
