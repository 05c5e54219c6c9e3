"""Attacks on the test data (issue 21): fabricated window rows, a window that opens during the reveals,
and grinding the randomness draw. Real transactions on Anvil; money counted as in test_attacks_scores."""

from __future__ import annotations

import ape
import pytest
from bounty_harness import (CHALLENGE_BOND, EVALUATION_WINDOW, JURY_FEE, REVEAL_WINDOW, REWARD,
                            SUBMISSION_WINDOW, Hyperparameters, Outcome, rule_by_jury)

DEPOSIT = 10**17
WINDOW_CID = "bafkreifabricatedwindowrowsbafkreifabricatedwindowrowsbafk"


def _future(make_bounty, jury, chain, **overrides):
    """A future-window bounty: the window opens at the reveal deadline and closes 500 s later."""
    now = chain.pending_timestamp
    reveal = now + SUBMISSION_WINDOW + REVEAL_WINDOW
    return make_bounty(jury=jury, test_commitment=bytes(32), test_window_start=reveal, test_data_after=reveal + 500,
                       commit_deposit=DEPOSIT, min_accuracy=5_100, **overrides)


def test_fabricated_test_data(make_bounty, jury, jurors, chain, organizer, alice, bob, mallory, watcher):
    """The organizer posts made-up window rows on which its sock's model scores best, and scores
    honestly on them. A watcher compares the rows with the public source and challenges the data; the
    jury agrees. Every score is void: the reward is shared by the three revealed submissions and what
    the challenge left of the bond is burned, so the sock cannot buy the bond back. The organizer's
    coalition ends worse than paying alice the reward."""
    b = _future(make_bounty, jury, chain)
    entries = [b.commit(alice, Hyperparameters(2, 64, 1, "relu", "sparse_categorical_crossentropy")),
               b.commit(bob, Hyperparameters(2, 16, 0, "relu", "hinge")),
               b.commit(mallory, Hyperparameters(1, 1, 0, "relu", "hinge"))]
    b.to_reveal()
    for e in entries:
        b.reveal(e)
    b.to_evaluation()
    b.draw()
    b.at_least(b.test_data_after)
    b.ext.post_test_data(WINDOW_CID, sender=organizer)
    b.score({entries[0].id: 6000, entries[1].id: 6000, entries[2].id: 9500})
    b.challenge_data(watcher)
    rule_by_jury(b, jurors, [1, 1, 1])
    b.to_expired()
    b.contract.finalize(sender=watcher)
    assert b.contract.outcome() == Outcome.SHARED
    received = b.settle_all([organizer, alice, bob, mallory, watcher])
    share = REWARD // 3
    assert b.net(received, alice) == share
    assert b.net(received, bob) == share
    coalition = b.net(received, organizer, mallory)
    assert coalition == -REWARD - REWARD + share + (REWARD - 3 * share)  # reward and bond out, one share and dust back
    assert coalition < -REWARD  # honest: pay alice the reward
    assert b.net(received, watcher) == CHALLENGE_BOND
    assert b.contract.burned() == REWARD - CHALLENGE_BOND - JURY_FEE


def test_fabricated_test_data__honest_rows_survive_a_frivolous_data_challenge(make_bounty, jury, jurors, chain,
                                                                              organizer, alice, mallory):
    b = _future(make_bounty, jury, chain)
    e = b.commit(alice)
    b.to_reveal()
    b.reveal(e)
    b.to_evaluation()
    b.draw()
    b.at_least(b.test_data_after)
    b.ext.post_test_data(WINDOW_CID, sender=organizer)
    b.score({e.id: 7500})
    b.challenge_data(mallory)
    rule_by_jury(b, jurors, [0, 0, 1])  # the majority compared the rows: they are the source's
    assert not b.contract.test_data_voided()
    b.to_expired()
    b.contract.finalize(sender=alice)
    received = b.settle_all([organizer, alice, mallory])
    assert b.net(received, mallory) == -(CHALLENGE_BOND + JURY_FEE)
    assert b.net(received, alice) == REWARD


@pytest.mark.parametrize("offset, allowed", [(-1, False), (0, True), (1, True)])
def test_window_during_reveals(make_bounty, chain, offset, allowed):
    """A future window that opens before the reveal deadline would publish test labels while
    participants can still choose which commitments to reveal: the contract itself refuses it."""
    now = chain.pending_timestamp
    reveal = now + SUBMISSION_WINDOW + REVEAL_WINDOW
    terms = dict(test_commitment=bytes(32), test_window_start=reveal + offset, test_data_after=reveal + 500)
    if allowed:
        make_bounty(**terms)
    else:
        with ape.reverts("bounty: test window opens before the reveal deadline"):
            make_bounty(**terms)


def test_window__end_before_its_start__reverts(make_bounty, chain):
    reveal = chain.pending_timestamp + SUBMISSION_WINDOW + REVEAL_WINDOW
    with ape.reverts("bounty: test_data_after before the test window opens"):
        make_bounty(test_commitment=bytes(32), test_window_start=reveal + 10, test_data_after=reveal + 9)


def test_window__in_sealed_mode__reverts(make_bounty, chain):
    with ape.reverts("bounty: test commitment and test_window_start both set"):
        make_bounty(test_window_start=chain.pending_timestamp + SUBMISSION_WINDOW + REVEAL_WINDOW)


# ------------------------------------------------------------------ grinding the draw


def test_grind_draw(bounty, project, deployer, alice, chain):
    """A contract calls draw_randomness() and reverts unless the randomness suits it. The first call
    only requests the next block's hash, which nobody knows yet: nothing to judge. At the second call
    the value is already fixed by that block: the grinder can revert, but the next caller (anyone)
    draws exactly the same value. One try per block buys nothing."""
    e = bounty.commit(alice)
    bounty.to_reveal()
    bounty.reveal(e)
    bounty.to_evaluation()
    grinders = [deployer.deploy(project.Grinder, wanted) for wanted in (0, 1)]
    grinders[0].grind(bounty.address, sender=alice)  # the request passes: no value yet
    target = bounty.contract.randomness_block()
    assert target != 0 and not bounty.contract.randomness_drawn()
    chain.mine()
    fixed = chain.blocks[target].hash
    from eth_abi import encode
    from eth_utils import keccak

    expected = keccak(encode(["bytes32", "address"], [fixed, bounty.address]))
    wanted = expected[-1] & 1
    # The grinder whose predicate the value fails reverts; the value does not move.
    with ape.reverts("grinder: not the randomness I want"):
        grinders[1 - wanted].grind(bounty.address, sender=alice)
    assert not bounty.contract.randomness_drawn()
    chain.mine()
    bounty.ext.draw_randomness(sender=alice)
    assert bytes(bounty.contract.randomness()) == expected


def test_draw__second_call_in_the_requested_block__reverts(bounty, alice, chain):
    e = bounty.commit(alice)
    bounty.to_reveal()
    bounty.reveal(e)
    bounty.to_evaluation()
    bounty.request()
    with ape.reverts("bounty: randomness block not mined yet"):
        bounty.ext.draw_randomness(sender=alice)


def test_draw__a_request_older_than_256_blocks_is_made_again(bounty, alice, chain):
    e = bounty.commit(alice)
    bounty.to_reveal()
    bounty.reveal(e)
    bounty.to_evaluation()
    bounty.request()
    first = bounty.contract.randomness_block()
    chain.mine(257)
    receipt = bounty.ext.draw_randomness(sender=alice)
    (event,) = receipt.decode_logs(bounty.contract.RandomnessRequested)
    assert event.block_number > first + 256
    assert not bounty.contract.randomness_drawn()
