"""Attacks on the seats (issue 21): filling the submission cap with junk, and sock seats in an
abandoned bounty. Real transactions on Anvil; money counted as in test_attacks_scores.

A junk seat is the cheapest valid model; scored honestly it lands near what a constant predictor
scores (5000 bps), below a `min_accuracy` set above that plus the noise (here 5500), so it forfeits
its deposit to the organizer."""

from __future__ import annotations

import ape
from bounty_harness import REWARD, Hyperparameters, Outcome

DEPOSIT = REWARD // 100  # the client's default: 1% of the reward
JUNK = Hyperparameters(1, 1, 0, "relu", "hinge")
MIN = 5_500


def test_cap_squatting(make_bounty, organizer, alice, mallory):
    """Mallory commits every seat with the cheapest model and reveals them all. Alice cannot get in.
    Scored honestly the junk falls below the minimum: nobody qualifies, the reward goes back, and
    every junk deposit goes to the organizer. Filling the cap cost mallory max_submissions deposits."""
    cap = 5
    b = make_bounty(max_submissions=cap, commit_deposit=DEPOSIT, min_accuracy=MIN)
    junk = [b.commit(mallory, Hyperparameters(1, 1 + i, 0, "relu", "hinge")) for i in range(cap)]
    with ape.reverts("bounty: submission cap reached"):
        b.commit(alice)
    b.to_reveal()
    for e in junk:
        b.reveal(e)
    b.open_test()
    b.score({e.id: 5000 + (e.id % 3) for e in junk})  # a constant predictor's balanced accuracy
    b.to_expired()
    b.contract.finalize(sender=organizer)
    assert b.contract.outcome() == Outcome.REFUNDED
    assert b.contract.disqualified_count() == cap
    received = b.settle_all([organizer, mallory])
    assert b.net(received, mallory) == -cap * DEPOSIT  # honest play (not squatting): 0
    assert b.net(received, organizer) == cap * DEPOSIT  # the party the lock-out hurt gets the deposits
    for e in junk:
        assert b.contract.claimable(e.id) == 0
        with ape.reverts("bounty: submission disqualified: deposit forfeited"):
            b.claim(e)


def test_sybil_shared_split(make_bounty, organizer, alice, mallory):
    """Mallory reveals 19 junk seats next to alice's model; the organizer scores the junk (honestly,
    below the minimum) and abandons before scoring alice. The abandonment split goes only to the
    revealed submissions not scored below the minimum: alice takes the whole reward (and her deposit),
    mallory's 19 deposits are forfeited and the organizer's bond is burned."""
    b = make_bounty(max_submissions=20, commit_deposit=DEPOSIT, min_accuracy=MIN)
    junk = [b.commit(mallory, Hyperparameters(1, 1 + i, 0, "relu", "hinge")) for i in range(19)]
    honest = b.commit(alice, Hyperparameters(2, 64, 1, "relu", "sparse_categorical_crossentropy"))
    b.to_reveal()
    for e in [*junk, honest]:
        b.reveal(e)
    b.open_test()
    b.score({e.id: 5000 for e in junk})
    b.to_expired()  # alice never scored: abandoned
    b.contract.finalize(sender=alice)
    assert b.contract.outcome() == Outcome.SHARED
    assert b.contract.abandon_share() == REWARD
    received = b.settle_all([organizer, alice, mallory])
    assert b.net(received, alice) == REWARD
    assert b.net(received, mallory) == -19 * DEPOSIT  # honest play: one seat, 0 if it does not qualify
    assert b.net(received, organizer) == -2 * REWARD + 19 * DEPOSIT  # bond burned, reward gone, junk deposits
    assert b.contract.burned() == REWARD


def test_sybil_shared_split__nothing_scored__every_seat_shares(make_bounty, organizer, alice, mallory):
    """The limit of the rule above (README, trust model): when the organizer abandons before posting
    any score, nothing tells junk from skill and every revealed seat shares equally, deposit back.
    Mallory's 19 seats then take 19/20 of the reward. Abandoning cost the organizer its bond (at least
    the reward), so no organizer runs this with its socks; an outside squatter can only bet on it,
    and the bet costs its 19 deposits whenever the organizer scores (test above)."""
    b = make_bounty(max_submissions=20, commit_deposit=DEPOSIT, min_accuracy=MIN)
    junk = [b.commit(mallory, Hyperparameters(1, 1 + i, 0, "relu", "hinge")) for i in range(19)]
    honest = b.commit(alice, Hyperparameters(2, 64, 1, "relu", "sparse_categorical_crossentropy"))
    b.to_reveal()
    for e in [*junk, honest]:
        b.reveal(e)
    b.to_expired()
    b.contract.finalize(sender=alice)
    received = b.settle_all([organizer, alice, mallory])
    assert b.net(received, alice) == REWARD // 20
    assert b.net(received, mallory) == 19 * (REWARD // 20)
    # Organizer with 19 socks: the reward out, 19/20 back, the bond burned: worse than paying honestly.
    assert b.net(received, organizer, mallory) <= -REWARD
