"""finalize, claim and withdraw: every outcome, who may finalize when, deposits back or forfeited, and hostile
recipients."""

from __future__ import annotations

import ape
import pytest
from bounty_harness import REWARD, CreditReason, Outcome, Stage

from bounty_client.protocol.wire import encode_revealed

DEPOSIT = 10**16


def _all_revealed(b, accounts_, test=True):
    entries = [b.commit(a) for a in accounts_]
    b.to_reveal()
    for e in entries:
        b.reveal(e)
    if test:
        b.open_test()
    return entries


# ------------------------------------------------------------- who and when


def test_finalize__before_the_reveal_deadline__reverts(bounty, organizer, mallory):
    bounty.at(bounty.reveal_deadline - 1)
    with ape.reverts("bounty: reveal window still open"):
        bounty.contract.finalize(sender=organizer)


def test_finalize__organizer_at_the_reveal_deadline_with_everything_scored__succeeds(bounty, organizer, alice):
    _all_revealed(bounty, [alice])  # opens the test set at the reveal deadline (the draw takes two blocks)
    bounty.score({0: 9_000})
    bounty.contract.finalize(sender=organizer)
    assert bounty.contract.outcome() == Outcome.PRIZES


def test_finalize__organizer_with_unscored_submissions__reverts(bounty, organizer, alice, bob):
    _all_revealed(bounty, [alice, bob])
    bounty.to_evaluation()
    bounty.score({0: 9_000})
    with ape.reverts("bounty: not every revealed submission is scored"):
        bounty.contract.finalize(sender=organizer)


def test_finalize__by_anyone_one_second_before_the_evaluation_deadline__reverts(bounty, alice, mallory):
    _all_revealed(bounty, [alice])
    bounty.to_evaluation()
    bounty.score({0: 9_000})
    bounty.at(bounty.evaluation_deadline - 1)
    with ape.reverts("bounty: only the organizer may finalize before the challenge deadline"):
        bounty.contract.finalize(sender=mallory)  # without an arbiter the challenge deadline is the evaluation deadline


def test_finalize__by_anyone_at_the_evaluation_deadline__succeeds(bounty, alice, mallory):
    _all_revealed(bounty, [alice])
    bounty.to_evaluation()
    bounty.score({0: 9_000})
    bounty.at(bounty.evaluation_deadline)
    receipt = bounty.contract.finalize(sender=mallory)
    assert receipt.decode_logs(bounty.contract.Finalized)[0].caller == mallory.address
    assert bounty.contract.credits(alice) == REWARD


def test_finalize__by_anyone_one_second_after_the_evaluation_deadline__succeeds(bounty, alice, mallory):
    _all_revealed(bounty, [alice])
    bounty.at(bounty.evaluation_deadline + 1)
    bounty.contract.finalize(sender=mallory)
    assert bounty.contract.outcome() == Outcome.SHARED


def test_finalize__twice__reverts(bounty, organizer):
    bounty.to_evaluation()
    bounty.contract.finalize(sender=organizer)
    with ape.reverts("bounty: already finalized"):
        bounty.contract.finalize(sender=organizer)


def test_finalize__after_cancel__reverts(bounty, organizer):
    bounty.ext.cancel(sender=organizer)
    bounty.to_expired()
    with ape.reverts("bounty: cancelled"):
        bounty.contract.finalize(sender=organizer)


# ---------------------------------------------------------------- outcomes


def test_finalize__zero_submissions__refunds_the_organizer(bounty, organizer, mallory):
    bounty.to_expired()
    receipt = bounty.contract.finalize(sender=mallory)
    (ev,) = receipt.decode_logs(bounty.contract.Finalized)
    assert (ev.outcome, ev.pot, ev.organizer_amount, ev.burned) == (Outcome.REFUNDED, REWARD, 2 * REWARD, 0)
    assert bounty.contract.credits(organizer) == 2 * REWARD  # reward and bond
    assert bounty.contract.stage() == Stage.FINALIZED
    bounty.contract.withdraw(sender=organizer)
    assert bounty.contract.balance == 0


def test_finalize__nothing_revealed__refunds_reward_bond_and_unrevealed_deposits(make_bounty, organizer, alice, bob):
    b = make_bounty(commit_deposit=DEPOSIT)
    b.commit(alice)
    b.commit(bob)
    b.to_evaluation()
    receipt = b.contract.finalize(sender=organizer)
    assert b.contract.outcome() == Outcome.REFUNDED
    assert b.contract.credits(organizer) == 2 * REWARD + 2 * DEPOSIT == b.contract.balance
    credited = [(e.amount, e.reason) for e in receipt.decode_logs(b.contract.Credited)]
    assert credited == [(REWARD, CreditReason.REFUND), (REWARD, CreditReason.BOND), (2 * DEPOSIT, CreditReason.FORFEIT)]


def test_finalize__nobody_qualifies__refunds_the_organizer(bounty, organizer, alice, bob):
    _all_revealed(bounty, [alice, bob])
    bounty.to_evaluation()
    bounty.score({0: 4_999, 1: 100})
    bounty.contract.finalize(sender=organizer)
    assert bounty.contract.outcome() == Outcome.REFUNDED
    assert bounty.contract.credits(organizer) == 2 * REWARD
    assert bounty.contract.credits(alice) == 0


def test_finalize__prize_split__pays_ranks_and_returns_unfilled_shares(make_bounty, organizer, alice, bob, carol):
    b = make_bounty(prize_shares=[6_000, 3_000, 1_000], commit_deposit=DEPOSIT)
    entries = [b.commit(a) for a in (alice, bob, carol)]
    b.to_reveal()
    b.reveal(entries[0])
    b.reveal(entries[1])  # carol never reveals: her deposit goes to the organizer, not to the pot
    b.open_test()
    b.score({0: 7_000, 1: 9_000})
    receipt = b.contract.finalize(sender=organizer)
    pot = REWARD
    prizes = [(e.account, e.amount) for e in receipt.decode_logs(b.contract.Credited) if e.reason == CreditReason.PRIZE]
    assert prizes == [(bob.address, pot * 6_000 // 10_000), (alice.address, pot * 3_000 // 10_000)]
    assert b.contract.credits(organizer) == pot - pot * 6_000 // 10_000 - pot * 3_000 // 10_000 + REWARD + DEPOSIT
    assert b.contract.credits(alice) == DEPOSIT + pot * 3_000 // 10_000
    assert b.contract.escrow() == 0
    for who in (organizer, alice, bob):
        b.contract.withdraw(sender=who)
    assert b.contract.balance == 0


def test_finalize__one_address_with_two_ranked_submissions__gets_both_prizes(make_bounty, organizer, alice):
    b = make_bounty(prize_shares=[7_000, 3_000])
    _all_revealed(b, [alice, alice])
    b.to_evaluation()
    b.score({0: 8_000, 1: 9_000})
    b.contract.finalize(sender=organizer)
    assert b.contract.credits(alice) == REWARD
    assert b.contract.credits(organizer) == REWARD  # the bond only


def test_finalize__organizer_never_revealed_test_data__shares_among_revealed_and_burns_the_bond(
    make_bounty, organizer, alice, bob, carol, mallory
):
    b = make_bounty(commit_deposit=DEPOSIT)
    entries = [b.commit(a) for a in (alice, bob, carol, alice)]
    b.to_reveal()
    for e in entries[:3]:
        b.reveal(e)
    b.to_expired()
    receipt = b.contract.finalize(sender=mallory)
    pot = REWARD
    share = pot // 3
    (ev,) = receipt.decode_logs(b.contract.Finalized)
    assert (ev.outcome, ev.pot, ev.abandon_share) == (Outcome.SHARED, pot, share)
    # dust and alice's unrevealed deposit to the organizer; the bond burned
    assert (ev.organizer_amount, ev.burned) == (pot - 3 * share + DEPOSIT, REWARD)
    assert b.contract.burned() == REWARD
    assert [b.contract.claimable(e.id) for e in entries] == [share + DEPOSIT] * 3 + [0]
    receipt = b.claim(entries[0])
    assert receipt.decode_logs(b.contract.Claimed)[0].amount == share + DEPOSIT
    assert b.contract.submission(0).claimed and b.contract.claimable(0) == 0
    b.claim(entries[1])
    b.claim(entries[2])
    b.contract.withdraw(sender=organizer)
    assert b.contract.balance == REWARD == b.contract.burned()  # locked for good


def test_finalize__partial_scoring__shares_among_revealed_not_scored_below_the_minimum(bounty, organizer, alice, bob,
                                                                                       carol, mallory):
    entries = _all_revealed(bounty, [alice, bob, carol, mallory])
    bounty.to_evaluation()
    bounty.score({0: 9_900, 1: 100})  # bob's seat is scored below the minimum: it does not share
    bounty.to_expired()
    bounty.contract.finalize(sender=bob)
    assert bounty.contract.outcome() == Outcome.SHARED
    assert bounty.contract.abandon_share() == REWARD // 3
    assert bounty.contract.claimable(entries[1].id) == 0
    bounty.claim(entries[0])
    with ape.reverts("bounty: submission disqualified: deposit forfeited"):
        bounty.claim(entries[1])


# ------------------------------------------------------------------ claim


@pytest.fixture
def settled(make_bounty, organizer, alice, bob, carol):
    """PRIZES with a deposit: alice 9000 (wins), bob 7000 (qualifies), carol 100 (disqualified), one of
    alice's commitments never revealed."""
    b = make_bounty(commit_deposit=DEPOSIT)
    entries = [b.commit(a) for a in (alice, bob, carol, alice)]
    b.to_reveal()
    for e in entries[:3]:
        b.reveal(e)
    b.open_test()
    b.score({0: 9_000, 1: 7_000, 2: 100})
    receipt = b.contract.finalize(sender=organizer)
    b.finalized = receipt
    return b


def test_finalize__winner_gets_its_deposit_with_its_prize(settled, alice, organizer):
    credited = [(e.account, e.amount, e.reason) for e in settled.finalized.decode_logs(settled.contract.Credited)]
    assert (alice.address, REWARD, CreditReason.PRIZE) in credited
    assert (alice.address, DEPOSIT, CreditReason.DEPOSIT) in credited
    # The organizer: the bond, the unrevealed deposit and carol's forfeited one.
    assert (organizer.address, 2 * DEPOSIT, CreditReason.FORFEIT) in credited
    assert settled.contract.credits(alice) == REWARD + DEPOSIT
    assert settled.contract.submission(0).claimed and settled.contract.claimable(0) == 0


def test_claim__a_qualified_submission_gets_its_deposit(settled, bob):
    receipt = settled.claim(settled.entries[1])
    (ev,) = receipt.decode_logs(settled.contract.Claimed)
    assert (ev.account, ev.amount) == (bob.address, DEPOSIT)
    with ape.reverts("bounty: nothing to claim for this submission"):
        settled.claim(settled.entries[1])


def test_claim__a_disqualified_submission__reverts(settled):
    assert settled.contract.claimable(2) == 0
    with ape.reverts("bounty: submission disqualified: deposit forfeited"):
        settled.claim(settled.entries[2])


def test_claim__someone_elses_submission__reverts(settled, mallory):
    with ape.reverts("bounty: not your submission"):
        settled.contract.claim([1], sender=mallory)


def test_claim__an_unrevealed_submission__reverts(settled, alice):
    with ape.reverts("bounty: nothing to claim for this submission"):
        settled.contract.claim([3], sender=alice)


def test_claim__the_same_id_twice_in_one_call__reverts(settled, bob):
    with ape.reverts("bounty: nothing to claim for this submission"):
        settled.contract.claim([1, 1], sender=bob)


def test_claim__empty__reverts(settled, bob):
    with ape.reverts("bounty: nothing to claim"):
        settled.contract.claim([], sender=bob)


def test_claim__before_settlement_or_after_cancel__reverts(make_bounty, organizer, alice):
    b = make_bounty()
    e = b.commit(alice)
    b.to_reveal()
    b.reveal(e)
    with ape.reverts("bounty: claims open at settlement"):
        b.claim(e)
    c = make_bounty()
    c.ext.cancel(sender=organizer)
    with ape.reverts("bounty: claims open at settlement"):
        c.contract.claim([0], sender=alice)


# ---------------------------------------------------------------- withdraw


def test_withdraw__nothing_to_withdraw__reverts(bounty, mallory):
    with ape.reverts("bounty: nothing to withdraw"):
        bounty.contract.withdraw(sender=mallory)


def test_withdraw__pays_exactly_once(bounty, organizer):
    bounty.ext.cancel(sender=organizer)
    receipt = bounty.contract.withdraw(sender=organizer)
    (ev,) = receipt.decode_logs(bounty.contract.Withdrawn)
    assert (ev.account, ev.amount) == (organizer.address, 2 * REWARD)
    with ape.reverts("bounty: nothing to withdraw"):
        bounty.contract.withdraw(sender=organizer)


def _contract_winner(project, b, owner, mode, value=0):
    from bounty_client.protocol.hyperparams import commitment
    from bounty_harness import HP, salt_for

    player = owner.deploy(project.ContractParticipant, b.address, mode)
    salt = salt_for(42)
    player.commit(commitment(b.address, player.address, HP, salt), sender=owner, value=value)
    return player, HP, salt


def test_withdraw__reentrant_winner__gets_its_credit_exactly_once(project, bounty, organizer, alice, chain):
    player, hp, salt = _contract_winner(project, bounty, alice, mode=1)
    other = bounty.commit(alice)
    bounty.to_reveal()
    player.reveal(0, encode_revealed(hp.to_chain()), salt, sender=alice)
    bounty.reveal(other)
    bounty.open_test()
    bounty.score({0: 9_000, 1: 6_000})
    bounty.contract.finalize(sender=organizer)
    assert bounty.contract.credits(player) == REWARD
    player.withdraw(sender=alice)
    assert player.reentry_attempts() == 1
    assert player.reentry_succeeded() is False
    assert player.received() == REWARD
    assert chain.provider.get_balance(player.address) == REWARD
    assert bounty.contract.credits(player) == 0 and bounty.contract.balance == bounty.contract.credits(organizer) == REWARD


def test_withdraw__winner_rejecting_eth__blocks_only_itself(project, make_bounty, organizer, alice, bob):
    b = make_bounty(prize_shares=[5_000, 5_000])
    player, hp, salt = _contract_winner(project, b, alice, mode=2)
    other = b.commit(bob)
    b.to_reveal()
    player.reveal(0, encode_revealed(hp.to_chain()), salt, sender=alice)
    b.reveal(other)
    b.open_test()
    b.score({0: 9_000, 1: 8_000})
    b.contract.finalize(sender=organizer)  # finalize never sends ETH, so it cannot be blocked
    with ape.reverts("participant: rejects ETH"):
        player.withdraw(sender=alice)
    b.contract.withdraw(sender=bob)  # others are unaffected
    assert b.contract.credits(player) == REWARD // 2 == b.contract.balance - b.contract.credits(organizer)
    player.set_mode(0, sender=alice)  # the credit was kept: it can still be pulled later
    player.withdraw(sender=alice)
    b.contract.withdraw(sender=organizer)
    assert b.contract.balance == 0


def test_claim__reentrant_claimer__gets_its_deposit_exactly_once(project, make_bounty, organizer, alice, bob, chain):
    b = make_bounty(commit_deposit=DEPOSIT)
    player, hp, salt = _contract_winner(project, b, alice, mode=3, value=DEPOSIT)
    other = b.commit(bob)
    b.to_reveal()
    player.reveal(0, encode_revealed(hp.to_chain()), salt, sender=alice)
    b.reveal(other)
    b.open_test()
    b.score({0: 6_000, 1: 9_000})  # the contract qualifies, bob wins
    b.contract.finalize(sender=organizer)
    player.claim([0], sender=alice)
    assert player.reentry_attempts() == 1
    assert player.reentry_succeeded() is False
    assert player.received() == DEPOSIT

