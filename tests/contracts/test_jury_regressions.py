"""RerunJury rules an adversarial review broke (each test failed on the jury before its fix).

1. A full slash (slash_bps = 10000) left a stake of 0, which `stake()` read as "never staked": the
   juror staked twice, `staked_count` passed the number of jurors and the jury refused every later
   dispute (so an organizer's false score could no longer be challenged).  Now slash_bps < 10000.
2. A dispute whose jury reveal deadline fell on the bounty's resolution deadline could never be ruled
   (`resolve` needs the reveal deadline passed, `rule` the resolution deadline not yet): a challenger
   timed for it burned an honest organizer's bond for free.  Now a dispute needs RESOLVE_MARGIN
   seconds between the two (boundary tested at -1 s, 0, +1 s).
3. With one honest juror offline, the lower median of two answers was the dishonest juror's: a
   minority of the named jurors set the ruling and slashed the honest one.  Now a ruling needs QUORUM
   answers within the tolerance of the median.
4. With every juror silent the slashed stakes were credited to nobody and locked.  Now nobody is
   slashed when nobody revealed.
"""

from __future__ import annotations

import ape
import pytest
from bounty_harness import JURY_FEE, JURY_SLASH_BPS, JURY_STAKE, REWARD, rule_by_jury


def test_full_slash__refused_at_deployment__a_slashed_juror_cannot_stake_again(make_jury, judged, jurors, alice,
                                                                               watcher):
    with ape.reverts("jury: slash must be below 10000"):
        make_jury(jurors, slash=10_000)
    (e,) = judged.scored([alice], [6_000])
    judged.challenge(watcher, e.id, 9_000)
    rule_by_jury(judged, jurors, [6_000, 6_000, None])  # the third juror silent: slashed, not to zero
    jury = judged.jury
    assert 0 < jury.stake_of(jurors[2]) < JURY_STAKE
    with ape.reverts("jury: already staked"):
        jury.stake(sender=jurors[2], value=JURY_STAKE)
    assert jury.staked_count() == len(jurors) and jury.active()


@pytest.mark.parametrize("offset, accepted", [(-1, True), (0, True), (1, False)])
def test_dispute__needs_the_resolve_margin_before_the_resolution_deadline(make_bounty, jury, jurors, alice, mallory,
                                                                          watcher, offset, accepted):
    """The latest accepted challenge leaves RESOLVE_MARGIN seconds after the jury's reveal deadline; the
    jury then rules in time, and a frivolous challenge (true score 7000, claimed 9000) is rejected."""
    b = make_bounty(jury=jury, challenge_period=1_000, resolution_period=1_500)
    (e,) = b.scored([alice], [7_000])
    last = b.resolution_deadline - jury.COMMIT_PERIOD() - jury.REVEAL_PERIOD() - jury.RESOLVE_MARGIN()
    assert b.evaluation_deadline < last + offset < b.challenge_deadline
    b.at(last + offset)
    if not accepted:
        with ape.reverts("jury: cannot rule before the bounty's resolution deadline"):
            b.challenge(mallory, e.id, 9_000)
        return
    b.challenge(mallory, e.id, 9_000)
    receipt = rule_by_jury(b, jurors, [7_000, 7_000, None], resolver=watcher)
    (resolved,) = receipt.decode_logs(jury.DisputeResolved)
    assert resolved.ruled and resolved.ruling == 7_000  # in time: the challenge is rejected
    assert not b.contract.corrected_score(e.id)[0]


def test_two_answers_apart__no_ruling__the_honest_juror_is_not_slashed(make_bounty, jury, jurors, alice, bob,
                                                                        mallory, watcher):
    """Bob's friend challenges alice's true 7500 claiming 100; one juror answers 100, one 7500, one is
    offline. No QUORUM of answers agrees: no ruling, the posted scores stand (the bounty's fail-safe at
    its resolution deadline), alice is paid, the honest juror keeps its stake."""
    b = make_bounty(jury=jury, min_accuracy=5_000)
    ea, _ = b.scored([alice, bob], [7_500, 7_000])
    b.challenge(mallory, ea.id, 100)
    dishonest, honest, offline = jurors
    receipt = rule_by_jury(b, [dishonest, honest, offline], [100, 7_500, None], resolver=watcher)
    (resolved,) = receipt.decode_logs(jury.DisputeResolved)
    assert not resolved.ruled and resolved.revealed == 2
    assert not b.contract.corrected_score(ea.id)[0]
    assert jury.stake_of(honest) == JURY_STAKE and jury.stake_of(dishonest) == JURY_STAKE
    assert jury.stake_of(offline) == JURY_STAKE - JURY_STAKE * JURY_SLASH_BPS // 10_000
    b.at_least(b.resolution_deadline)
    b.contract.finalize(sender=watcher)
    assert b.contract.fail_safe() and b.contract.ranking()[0] == [ea.id]
    received = b.settle_all([alice])
    assert b.net(received, alice) == REWARD


def test_every_juror_silent__no_stake_is_slashed_or_locked(judged, jurors, alice, watcher):
    (e,) = judged.scored([alice], [6_000])
    judged.challenge(watcher, e.id, 9_000)
    jury = judged.jury
    receipt = rule_by_jury(judged, jurors, [None, None, None], resolver=watcher)
    (resolved,) = receipt.decode_logs(jury.DisputeResolved)
    assert not resolved.ruled and resolved.revealed == 0
    assert [jury.stake_of(j) for j in jurors] == [JURY_STAKE] * len(jurors)
    assert jury.balance == sum(jury.stake_of(j) + jury.credits(j) for j in jurors)
    assert JURY_FEE > 0  # (no fee was paid: there was no ruling)
