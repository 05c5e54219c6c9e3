"""Attacks on the scores (issue 21), one test per scenario, with real transactions on Anvil.

Each test plays the deviation and checks that the deviating party (with its socks) ends no better
off than honest play, and that the honest parties get what the rules promise. Money is counted
from what each party paid into the bounty (creation value, deposits, challenge bonds and fees)
and what it got out (`Withdrawn` and `Claimed` events), so gas never blurs a comparison.

The cast: the organizer and its sock (mallory) against alice (true score 7500) and bob (7000); the
sock's model truly scores 5200. A watcher (an honest stranger running `verify`) challenges what
differs; three jurors re-run and rule (`rule_by_jury`).
"""

from __future__ import annotations

import ape
import pytest
from bounty_harness import (CHALLENGE_BOND, JURY_FEE, JURY_SLASH_BPS, JURY_STAKE, REWARD, Hyperparameters, Outcome,
                            rule_by_jury, rule_many)

DEPOSIT = 10**17
TRUE = {"alice": 7500, "bob": 7000, "sock": 5200}


@pytest.fixture
def game(make_bounty, jury, alice, bob, mallory):
    """A bounty judged by the jury with a 0.1 ETH deposit and min accuracy 5100; alice, bob and the
    organizer's sock mallory commit and reveal; the test set is open."""
    b = make_bounty(jury=jury, commit_deposit=DEPOSIT, min_accuracy=5_100)
    entries = {
        "alice": b.commit(alice, Hyperparameters(2, 64, 1, "relu", "sparse_categorical_crossentropy")),
        "bob": b.commit(bob, Hyperparameters(2, 16, 0, "relu", "hinge")),
        "sock": b.commit(mallory, Hyperparameters(1, 1, 0, "relu", "hinge")),  # the cheapest model
    }
    b.to_reveal()
    for e in entries.values():
        b.reveal(e)
    b.open_test()
    b.named = entries
    return b


def _post(b, scores):
    b.score({b.named[name].id: score for name, score in scores.items()})


def _honest_coalition_net(b):
    """What the organizer and its sock end with when the organizer posts the true scores: the reward
    goes to alice, every deposit comes back, the bond comes back."""
    return -REWARD


def test_false_score_for_sock(game, organizer, alice, bob, mallory, watcher, jurors):
    """The organizer posts 9999 for its sock and 100 for everyone else. A watcher challenges the
    sock's score, alice and bob their own; the jury re-runs and rules the true scores; the ranking
    is rebuilt and alice is paid. The organizer's bond pays three challengers."""
    b = game
    _post(b, {"alice": 100, "bob": 100, "sock": 9999})
    first = b.jury.dispute_count()
    b.challenge(watcher, b.named["sock"].id, TRUE["sock"])
    b.challenge(alice, b.named["alice"].id, TRUE["alice"])
    b.challenge(bob, b.named["bob"].id, TRUE["bob"])
    rule_many(b, jurors, {first: [5200, 5210, 5190], first + 1: [7500, 7500, 7480], first + 2: [7000, 7010, 7000]})
    assert b.contract.ranking_stale()
    b.rerank(sender=alice)
    assert b.contract.ranking() == ([b.named["alice"].id], [7500])
    b.to_expired()
    b.contract.finalize(sender=watcher)
    assert b.contract.outcome() == Outcome.PRIZES
    received = b.settle_all([organizer, alice, bob, mallory, watcher])

    coalition = b.net(received, organizer, mallory)
    assert coalition < _honest_coalition_net(b)
    assert coalition == -REWARD - 3 * (CHALLENGE_BOND + JURY_FEE)
    # Alice is paid the reward (and her challenger's reward); everyone's deposit came back.
    assert b.net(received, alice) == REWARD + CHALLENGE_BOND
    assert b.net(received, bob) == CHALLENGE_BOND
    assert b.net(received, watcher) == CHALLENGE_BOND
    assert b.contract.balance == 0


def test_false_zeros(game, organizer, alice, bob, mallory, jurors):
    """Zero for everyone would refund the organizer and forfeit every deposit to it. Alice and bob
    challenge their zeros and are scored truly: alice wins, the organizer pays both challengers."""
    b = game
    _post(b, {"alice": 0, "bob": 0, "sock": 0})
    first = b.jury.dispute_count()
    b.challenge(alice, b.named["alice"].id, TRUE["alice"])
    b.challenge(bob, b.named["bob"].id, TRUE["bob"])
    rule_many(b, jurors, {first: [7500] * 3, first + 1: [7000] * 3})
    b.to_expired()
    b.contract.finalize(sender=alice)
    assert b.contract.outcome() == Outcome.PRIZES
    received = b.settle_all([organizer, alice, bob, mallory])
    # The sock stays at 0 (nobody disputed it): its deposit is the organizer's, so the coalition
    # nets the same deposit twice over, i.e. nothing; it still pays both challengers.
    assert b.net(received, organizer, mallory) == -REWARD - 2 * (CHALLENGE_BOND + JURY_FEE)
    assert b.net(received, organizer, mallory) < _honest_coalition_net(b)
    assert b.net(received, alice) == REWARD + CHALLENGE_BOND
    assert b.net(received, bob) == CHALLENGE_BOND


def test_frivolous_challenge(game, organizer, alice, bob, mallory, jurors):
    """Scores are true; mallory challenges alice's, hoping the jury errs. The ruling confirms it:
    mallory loses her bond (to the organizer) and the fee (to the jury); alice is paid, only later."""
    b = game
    _post(b, TRUE)
    b.challenge(mallory, b.named["alice"].id, 5000)
    rule_by_jury(b, jurors, [7500, 7490, 7500])
    b.to_expired()
    b.contract.finalize(sender=alice)
    received = b.settle_all([organizer, alice, bob, mallory])
    assert b.net(received, mallory) == -(CHALLENGE_BOND + JURY_FEE)  # honest play (no challenge): 0
    assert b.net(received, alice) == REWARD
    assert b.net(received, bob) == 0
    assert b.net(received, organizer) == -REWARD + CHALLENGE_BOND
    assert sum(b.jury.credits(j) for j in jurors) == JURY_FEE


def test_self_challenge(game, organizer, alice, bob, mallory, jurors):
    """The organizer posts 9999 for its sock, then challenges that score itself (claiming 9000) before
    anyone else can, hoping to get its own bond back as the challenger's reward. The ruling replaces
    the score with the true one (not the claim), alice wins, and the organizer is out the fee."""
    b = game
    _post(b, {"alice": 7500, "bob": 7000, "sock": 9999})
    b.challenge(organizer, b.named["sock"].id, 9000)
    with ape.reverts("bounty: already disputed"):
        b.challenge(alice, b.named["sock"].id, 5200)
    rule_by_jury(b, jurors, [5200] * 3)
    assert b.contract.corrected_score(b.named["sock"].id) == (True, 5200)
    b.rerank(sender=alice)
    b.to_expired()
    b.contract.finalize(sender=alice)
    received = b.settle_all([organizer, alice, bob, mallory])
    assert b.net(received, organizer, mallory) == -REWARD - JURY_FEE
    assert b.net(received, organizer, mallory) < _honest_coalition_net(b)
    assert b.net(received, alice) == REWARD


def test_juror_minority_deviates(game, organizer, alice, mallory, watcher, jurors):
    """One juror (the organizer's friend) reveals 9999 for the sock; the two honest jurors re-run 5200.
    The median is unchanged, the deviant loses part of its stake to the honest two."""
    b = game
    _post(b, {"alice": 7500, "bob": 7000, "sock": 9999})
    b.challenge(watcher, b.named["sock"].id, 5200)
    receipt = rule_by_jury(b, jurors, [9999, 5200, 5205])
    (resolved,) = receipt.decode_logs(b.jury.DisputeResolved)
    assert resolved.ruling == 5205  # the median of 5200, 5205, 9999
    assert b.contract.corrected_score(b.named["sock"].id) == (True, 5205)
    slash = JURY_STAKE * JURY_SLASH_BPS // 10_000
    assert b.jury.stake_of(jurors[0]) == JURY_STAKE - slash
    assert b.jury.stake_of(jurors[1]) == JURY_STAKE
    # The honest two share the fee and the deviant's slashed stake.
    assert b.jury.credits(jurors[1]) + b.jury.credits(jurors[2]) == JURY_FEE + slash
    assert b.jury.credits(jurors[0]) == 0


def test_arbiter_silent(game, organizer, alice, bob, mallory, watcher, jurors):
    """The organizer posts 9999 for its sock; the watcher challenges; the jury never reaches a quorum
    (one juror reveals). At the resolution deadline the fail-safe applies: the posted scores stand, the
    organizer's bond is burned, the challenger gets its bond and fee back, the jury earns nothing. The
    stall pays nobody: the coalition ends where honest play would (bond = reward), never above it."""
    b = game
    _post(b, {"alice": 7500, "bob": 7000, "sock": 9999})
    b.challenge(watcher, b.named["sock"].id, 5200)
    receipt = rule_by_jury(b, jurors, [5200, None, None])
    (resolved,) = receipt.decode_logs(b.jury.DisputeResolved)
    assert not resolved.ruled and resolved.fee == 0
    b.to_resolution()
    b.contract.finalize(sender=watcher)
    assert b.contract.fail_safe()
    assert b.contract.burned() == REWARD
    b.ext.reclaim(b.named["sock"].id, sender=watcher)
    received = b.settle_all([organizer, alice, bob, mallory, watcher])
    assert b.net(received, organizer, mallory) <= _honest_coalition_net(b)
    assert b.net(received, watcher) == 0
    # The silent jurors lost stake to the one who revealed; no fee was paid.
    slash = JURY_STAKE * JURY_SLASH_BPS // 10_000
    assert b.jury.credits(jurors[0]) == 2 * slash
    assert b.jury.stake_of(jurors[1]) == JURY_STAKE - slash
