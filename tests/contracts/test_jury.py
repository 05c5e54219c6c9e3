"""RerunJury, the default arbiter: staking, who may open a dispute, the commit and reveal windows
(one second before, at, after each deadline), the median, slashing, quorum, payouts and unstaking."""

from __future__ import annotations

import ape
import pytest
from bounty_harness import (CHALLENGE_BOND, JURY_COMMIT, JURY_FEE, JURY_REVEAL, JURY_SLASH_BPS, JURY_STAKE,
                            TEST_DATA_KEY, jury_vote, rule_by_jury)

SALT = b"\x07" * 32


def _disputed(judged, alice, watcher, score=6000, claimed=9000):
    e = judged.scored([alice], [score])[0]
    judged.challenge(watcher, e.id, claimed)
    return judged.jury.dispute_count() - 1, e


# ------------------------------------------------------------------ deployment and stakes


def test_deploy__twice_the_same_juror__reverts(project, deployer, factory, alice, chain):
    with ape.reverts("jury: juror named twice"):
        deployer.deploy(project.RerunJury, factory, [alice.address, alice.address], JURY_STAKE, JURY_FEE, 60, 60,
                        100, 1000, chain.pending_timestamp + 10**6)


@pytest.mark.parametrize("field, value, reason", [("stake", 0, "jury: stake must be positive"),
                                                  ("fee", 0, "jury: fee must be positive"),
                                                  ("commit", 0, "jury: periods must be positive"),
                                                  ("tolerance", 10_001, "jury: tolerance above 10000"),
                                                  ("slash", 10_000, "jury: slash must be below 10000")])
def test_deploy__bad_terms__revert(project, deployer, factory, alice, bob, chain, field, value, reason):
    terms = dict(stake=JURY_STAKE, fee=JURY_FEE, commit=60, reveal=60, tolerance=100, slash=1000)
    terms[field] = value
    with ape.reverts(reason):
        deployer.deploy(project.RerunJury, factory, [alice.address, bob.address], terms["stake"], terms["fee"],
                        terms["commit"], terms["reveal"], terms["tolerance"], terms["slash"],
                        chain.pending_timestamp + 10**6)


def test_stake__rules(make_jury, alice, bob, mallory):
    jury = make_jury([alice, bob], staked=False)
    with ape.reverts("jury: not a juror"):
        jury.stake(sender=mallory, value=JURY_STAKE)
    with ape.reverts("jury: stake exactly STAKE"):
        jury.stake(sender=alice, value=JURY_STAKE - 1)
    jury.stake(sender=alice, value=JURY_STAKE)
    with ape.reverts("jury: already staked"):
        jury.stake(sender=alice, value=JURY_STAKE)
    assert not jury.active()
    jury.stake(sender=bob, value=JURY_STAKE)
    assert jury.active()


def test_create_dispute__with_a_juror_unstaked__the_challenge_reverts(make_bounty, make_jury, jurors, alice,
                                                                     watcher):
    lazy = make_jury(jurors, staked=False)
    b = make_bounty(jury=lazy)
    e = b.scored([alice], [6000])[0]
    with ape.reverts("jury: not every juror has staked"):
        b.challenge(watcher, e.id, 9000)


# ------------------------------------------------------------------ who may open a dispute


def test_create_dispute__from_a_stranger__reverts(jury, mallory):
    with ape.reverts("jury: caller is not a bounty of the factory"):
        jury.create_dispute(0, 0, 6000, 9000, mallory, sender=mallory)


def test_create_dispute__from_a_bounty_naming_another_arbiter__reverts(judged, make_jury, jurors, alice, chain):
    """A genuine bounty of the factory, impersonated on the local node, calling a jury it does not name."""
    other = make_jury(jurors)
    judged.scored([alice], [6000])
    bounty = ape.accounts[judged.address]
    chain.provider.set_balance(judged.address, 10**18)  # gas money (the bounty itself refuses plain ETH)
    with ape.reverts("jury: not this bounty's arbiter"):
        other.create_dispute(0, 0, 6000, 9000, alice, sender=bounty)


def test_create_dispute__too_late_for_the_resolution_deadline__the_challenge_reverts(make_bounty, make_jury, jurors,
                                                                                     alice, watcher):
    slow = make_jury(jurors, commit_period=3_000, reveal_period=3_000)
    b = make_bounty(jury=slow)  # resolution period 3,000 s after a 1,000 s window
    e = b.scored([alice], [6000])[0]
    b.at_least(b.evaluation_deadline)
    with ape.reverts("jury: cannot rule before the bounty's resolution deadline"):
        b.challenge(watcher, e.id, 9000)


def test_create_dispute__after_the_service_end__the_challenge_reverts(make_bounty, make_jury, jurors, alice,
                                                                      watcher):
    short = make_jury(jurors, service=2_500)
    b = make_bounty(jury=short)
    e = b.scored([alice], [6000])[0]
    b.at_least(short.SERVICE_END())
    with ape.reverts("jury: service ended"):
        b.challenge(watcher, e.id, 9000)


# ------------------------------------------------------------------ commit and reveal windows


@pytest.mark.parametrize("offset, allowed", [(-1, True), (0, False), (1, False)])
def test_commit_vote__at_the_commit_deadline(judged, alice, watcher, jurors, offset, allowed):
    d, _ = _disputed(judged, alice, watcher)
    judged.at(judged.jury.dispute(d).commit_deadline + offset)
    vote = jury_vote(judged.jury, d, jurors[0], 6000)
    if allowed:
        judged.jury.commit_vote(d, vote, sender=jurors[0])
    else:
        with ape.reverts("jury: commit period over"):
            judged.jury.commit_vote(d, vote, sender=jurors[0])


@pytest.mark.parametrize("deadline, offset, reason", [("commit_deadline", -1, "jury: commit period still open"),
                                                      ("commit_deadline", 0, None),
                                                      ("reveal_deadline", -1, None),
                                                      ("reveal_deadline", 0, "jury: reveal period over")])
def test_reveal_vote__window(judged, alice, watcher, jurors, deadline, offset, reason):
    d, _ = _disputed(judged, alice, watcher)
    judged.jury.commit_vote(d, jury_vote(judged.jury, d, jurors[0], 6000), sender=jurors[0])
    judged.at(getattr(judged.jury.dispute(d), deadline) + offset)
    if reason is None:
        judged.jury.reveal_vote(d, 6000, SALT, sender=jurors[0])
        assert judged.jury.vote(d, jurors[0]).value == 6000
    else:
        with ape.reverts(reason):
            judged.jury.reveal_vote(d, 6000, SALT, sender=jurors[0])


def test_votes__guards(judged, alice, watcher, jurors, mallory):
    d, _ = _disputed(judged, alice, watcher)
    jury = judged.jury
    with ape.reverts("jury: not a juror"):
        jury.commit_vote(d, jury_vote(jury, d, mallory, 6000), sender=mallory)
    with ape.reverts("jury: no such dispute"):
        jury.commit_vote(d + 1, jury_vote(jury, d + 1, jurors[0], 6000), sender=jurors[0])
    jury.commit_vote(d, jury_vote(jury, d, jurors[0], 6000), sender=jurors[0])
    with ape.reverts("jury: already committed"):
        jury.commit_vote(d, jury_vote(jury, d, jurors[0], 7000), sender=jurors[0])
    jury.commit_vote(d, jury_vote(jury, d, jurors[1], 10_001), sender=jurors[1])
    judged.at_least(jury.dispute(d).commit_deadline)
    with ape.reverts("jury: nothing committed"):
        jury.reveal_vote(d, 6000, SALT, sender=jurors[2])
    with ape.reverts("jury: commitment mismatch"):
        jury.reveal_vote(d, 6001, SALT, sender=jurors[0])
    with ape.reverts("jury: score above 10000"):
        jury.reveal_vote(d, 10_001, SALT, sender=jurors[1])
    jury.reveal_vote(d, 6000, SALT, sender=jurors[0])
    with ape.reverts("jury: already revealed"):
        jury.reveal_vote(d, 6000, SALT, sender=jurors[0])


def test_reveal_vote__test_data_answers_are_0_or_1(judged, alice, watcher, jurors):
    judged.scored([alice], [6000])
    judged.challenge_data(watcher)
    d = judged.jury.dispute_count() - 1
    assert judged.jury.dispute(d).key == TEST_DATA_KEY
    judged.jury.commit_vote(d, jury_vote(judged.jury, d, jurors[0], 2), sender=jurors[0])
    judged.at_least(judged.jury.dispute(d).commit_deadline)
    with ape.reverts("jury: test-data answers are 0 or 1"):
        judged.jury.reveal_vote(d, 2, SALT, sender=jurors[0])


# ------------------------------------------------------------------ resolve


def test_resolve__before_the_reveal_deadline__reverts_unless_everyone_revealed(judged, alice, watcher, jurors):
    d, _ = _disputed(judged, alice, watcher)
    jury = judged.jury
    for j in jurors[:2]:
        jury.commit_vote(d, jury_vote(jury, d, j, 6000), sender=j)
    judged.at_least(jury.dispute(d).commit_deadline)
    for j in jurors[:2]:
        jury.reveal_vote(d, 6000, SALT, sender=j)
    with ape.reverts("jury: reveal period still open"):
        jury.resolve(d, sender=watcher)
    judged.at(jury.dispute(d).reveal_deadline)
    jury.resolve(d, sender=watcher)
    with ape.reverts("jury: already resolved"):
        jury.resolve(d, sender=watcher)


def test_resolve__early_once_every_juror_revealed(judged, alice, watcher, jurors):
    d, _ = _disputed(judged, alice, watcher)
    jury = judged.jury
    for j in jurors:
        jury.commit_vote(d, jury_vote(jury, d, j, 6000), sender=j)
    judged.at_least(jury.dispute(d).commit_deadline)
    for j in jurors:
        jury.reveal_vote(d, 6000, SALT, sender=j)
    jury.resolve(d, sender=watcher)
    assert jury.dispute(d).ruled


def test_resolve__median_and_tolerance(judged, alice, watcher, jurors):
    """Answers 6000, 6100, 6101: the median is 6100; 6000 is 100 bps away (within the jury's
    tolerance of 100), 6101 is 1 away: all three earn. The ruling is within the bounty's tolerance
    of the posted 6000? No: 100 > 50, so the challenge is upheld with 6100."""
    d, e = _disputed(judged, alice, watcher)
    receipt = rule_by_jury(judged, jurors, [6000, 6101, 6100])
    (resolved,) = receipt.decode_logs(judged.jury.DisputeResolved)
    assert resolved.ruling == 6100 and resolved.ruled
    assert judged.contract.corrected_score(e.id) == (True, 6100)
    assert all(judged.jury.stake_of(j) == JURY_STAKE for j in jurors)
    assert sum(judged.jury.credits(j) for j in jurors) == JURY_FEE


def test_resolve__beyond_the_tolerance_loses_stake(judged, alice, watcher, jurors):
    d, _ = _disputed(judged, alice, watcher)
    rule_by_jury(judged, jurors, [6000, 6000, 6101])
    slash = JURY_STAKE * JURY_SLASH_BPS // 10_000
    assert judged.jury.stake_of(jurors[2]) == JURY_STAKE - slash
    assert judged.jury.credits(jurors[0]) + judged.jury.credits(jurors[1]) == JURY_FEE + slash


def test_resolve__below_quorum__no_ruling_no_fee(judged, alice, watcher, jurors):
    d, e = _disputed(judged, alice, watcher)
    receipt = rule_by_jury(judged, jurors, [6000, None, None])
    (resolved,) = receipt.decode_logs(judged.jury.DisputeResolved)
    assert not resolved.ruled and resolved.fee == 0
    assert judged.contract.open_disputes() == 1  # the bounty still waits: fail-safe at its resolution deadline
    assert judged.jury.open_disputes() == 0


def test_resolve__when_the_bounty_refuses_the_ruling__nobody_is_paid_a_fee(judged, alice, watcher, jurors):
    """Resolved only after the bounty's resolution deadline: the ruling is refused, the silent jurors
    are slashed to those who revealed, and the fee stays with the bounty (back to the challenger)."""
    d, e = _disputed(judged, alice, watcher)
    jury = judged.jury
    for j in jurors[:2]:
        jury.commit_vote(d, jury_vote(jury, d, j, 9000), sender=j)
    judged.at_least(jury.dispute(d).commit_deadline)
    for j in jurors[:2]:
        jury.reveal_vote(d, 9000, SALT, sender=j)
    judged.to_resolution()
    receipt = jury.resolve(d, sender=watcher)
    (resolved,) = receipt.decode_logs(jury.DisputeResolved)
    assert not resolved.ruled
    slash = JURY_STAKE * JURY_SLASH_BPS // 10_000
    assert jury.credits(jurors[0]) + jury.credits(jurors[1]) == slash
    judged.contract.finalize(sender=watcher)
    judged.ext.reclaim(e.id, sender=watcher)
    assert judged.contract.credits(watcher) == CHALLENGE_BOND + JURY_FEE


# ------------------------------------------------------------------ money out


def test_withdraw_and_unstake(make_bounty, make_jury, jurors, alice, watcher, chain):
    jury = make_jury(jurors, service=5_000)
    b = make_bounty(jury=jury)
    e = b.scored([alice], [6000])[0]
    b.challenge(watcher, e.id, 9000)
    rule_by_jury(b, jurors, [6000, 6000, 6000])
    jury.withdraw(sender=jurors[0])
    with ape.reverts("jury: nothing to withdraw"):
        jury.withdraw(sender=jurors[0])
    with ape.reverts("jury: service not ended"):
        jury.unstake(sender=jurors[0])
    b.at_least(jury.SERVICE_END())
    assert jury.unstake(sender=jurors[0]).decode_logs(jury.Withdrawn)[0].amount == JURY_STAKE
    with ape.reverts("jury: no stake"):
        jury.unstake(sender=jurors[0])


def test_unstake__with_a_dispute_open__reverts(make_bounty, make_jury, jurors, alice, watcher):
    jury = make_jury(jurors, service=3_500)
    b = make_bounty(jury=jury)
    e = b.scored([alice], [6000])[0]
    b.challenge(watcher, e.id, 9000)
    b.at_least(jury.SERVICE_END())
    with ape.reverts("jury: disputes open"):
        jury.unstake(sender=jurors[0])
