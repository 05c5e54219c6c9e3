"""Challenges, rulings and re-ranking: `challenge`, `challenge_test_data`, `rule`, `rerank`, `reclaim`.

Every test drives a real bounty judged by a real RerunJury on Anvil. Where a ruling is needed the
arbiter is the jury itself (jurors commit, reveal, anyone resolves), except in the tests of
`rule`'s own guards, which call it from an address that is not the arbiter.
"""

from __future__ import annotations

import ape
import pytest
from bounty_harness import (CHALLENGE_BOND, JURY_FEE, REWARD, SCORE_TOLERANCE, TEST_DATA_KEY, Hyperparameters,
                            Outcome, Stage, rule_by_jury)

from bounty_client.protocol.wire import score_accumulator, score_proof


def _scored(b, accounts, scores):
    return b.scored(accounts, scores)


# ------------------------------------------------------------------ the proof of a posted score


def test_accumulator__matches_the_client_mirror(judged, alice, bob):
    es = _scored(judged, [alice, bob], [6000, 7000])
    assert bytes(judged.contract.score_accumulator()) == score_accumulator(judged.batches)
    assert judged.contract.score_batches() == 1
    assert judged.batches == [[(es[0].id << 16) | 6000, (es[1].id << 16) | 7000]]


def test_challenge__proves_the_posted_score_across_batches(judged, alice, bob, carol, watcher, chain):
    accounts = [alice, bob, carol]
    entries = [judged.commit(a, Hyperparameters(1 + i, 16, 0, "relu", "hinge")) for i, a in enumerate(accounts)]
    judged.to_reveal()
    for e in entries:
        judged.reveal(e)
    judged.open_test()
    for e, s in zip(entries, (6000, 7000, 8000)):
        judged.score({e.id: s})  # three batches
    receipt = judged.challenge(watcher, entries[0].id, 9000)
    (event,) = receipt.decode_logs(judged.contract.Challenged)
    assert (event.key, event.posted, event.claimed) == (entries[0].id, 6000, 9000)
    assert event.bond == CHALLENGE_BOND and event.fee == JURY_FEE
    assert judged.contract.open_disputes() == 1


def test_challenge__with_a_false_posted_score_in_the_proof__reverts(judged, alice, bob, watcher):
    es = _scored(judged, [alice, bob], [6000, 7000])
    batch, previous, entries, later = score_proof(judged.batches, es[0].id)
    forged = [(es[0].id << 16) | 1000, entries[1]]
    with ape.reverts("bounty: proof does not match the posted scores"):
        judged.ext.challenge(es[0].id, 9000, batch, previous, forged, later, sender=watcher,
                             value=CHALLENGE_BOND + JURY_FEE)


def test_challenge__with_a_later_hash_too_many__reverts(judged, alice, watcher):
    es = _scored(judged, [alice], [6000])
    batch, previous, entries, later = score_proof(judged.batches, es[0].id)
    with ape.reverts("bounty: proof names the wrong number of later batches"):
        judged.ext.challenge(es[0].id, 9000, batch, previous, entries, [bytes(32)], sender=watcher,
                             value=CHALLENGE_BOND + JURY_FEE)


def test_challenge__of_an_id_not_in_the_batch__reverts(judged, alice, bob, watcher):
    es = _scored(judged, [alice], [6000])
    batch, previous, entries, later = score_proof(judged.batches, es[0].id)
    with ape.reverts("bounty: submission not in that batch"):
        judged.ext.challenge(7, 9000, batch, previous, entries, later, sender=watcher,
                             value=CHALLENGE_BOND + JURY_FEE)


def test_challenge__of_a_batch_never_posted__reverts(judged, alice, watcher):
    _scored(judged, [alice], [6000])
    with ape.reverts("bounty: no such score batch"):
        judged.ext.challenge(0, 9000, 1, bytes(32), [], [], sender=watcher, value=CHALLENGE_BOND + JURY_FEE)


# ------------------------------------------------------------------ what a challenge must carry


def test_challenge__within_the_tolerance__reverts(judged, alice, watcher):
    es = _scored(judged, [alice], [6000])
    with ape.reverts("bounty: claimed score within the tolerance of the posted one"):
        judged.challenge(watcher, es[0].id, 6000 + SCORE_TOLERANCE)
    judged.challenge(watcher, es[0].id, 6000 + SCORE_TOLERANCE + 1)  # one bps beyond it is a dispute


def test_challenge__above_10000__reverts(judged, alice, watcher):
    es = _scored(judged, [alice], [6000])
    with ape.reverts("bounty: claimed score above 10000"):
        judged.challenge(watcher, es[0].id, 10_001)


@pytest.mark.parametrize("delta", [-1, 1])
def test_challenge__without_exactly_bond_plus_fee__reverts(judged, alice, watcher, delta):
    es = _scored(judged, [alice], [6000])
    with ape.reverts("bounty: pay the challenge bond plus the arbiter fee"):
        judged.challenge(watcher, es[0].id, 9000, value=CHALLENGE_BOND + JURY_FEE + delta)


def test_challenge__the_same_id_twice_at_a_time__reverts(judged, alice, watcher, bob):
    es = _scored(judged, [alice], [6000])
    judged.challenge(watcher, es[0].id, 9000)
    with ape.reverts("bounty: already disputed"):
        judged.challenge(bob, es[0].id, 8000)


def test_challenge__several_ids_at_once(judged, alice, bob, watcher):
    es = _scored(judged, [alice, bob], [6000, 7000])
    judged.challenge(watcher, es[0].id, 9000)
    judged.challenge(watcher, es[1].id, 9000)
    judged.challenge_data(watcher)
    assert judged.contract.open_disputes() == 3
    assert judged.contract.escrow() == REWARD * 2 + 3 * (CHALLENGE_BOND + JURY_FEE)


def test_challenge__without_an_arbiter__reverts(bounty, alice, watcher, jury):
    entry = bounty.commit(alice)
    bounty.to_reveal()
    bounty.reveal(entry)
    bounty.open_test()
    bounty.score({entry.id: 6000})
    bounty.jury = jury
    with ape.reverts("bounty: no arbiter: scores are not challengeable"):
        bounty.challenge(watcher, entry.id, 9000, value=0)


# ------------------------------------------------------------------ the challenge window (-1 s, 0, +1 s)


@pytest.mark.parametrize("offset, allowed", [(-1, True), (0, False), (1, False)])
def test_challenge__at_the_challenge_deadline(judged, alice, watcher, offset, allowed):
    es = _scored(judged, [alice], [6000])
    judged.at(judged.challenge_deadline + offset)
    if allowed:
        judged.challenge(watcher, es[0].id, 9000)
    else:
        with ape.reverts("bounty: challenge window closed"):
            judged.challenge(watcher, es[0].id, 9000)


@pytest.mark.parametrize("offset, stage", [(-1, Stage.EVALUATION), (0, Stage.CHALLENGE), (1, Stage.CHALLENGE)])
def test_stage__at_the_evaluation_deadline__challenge_opens(judged, alice, chain, offset, stage):
    _scored(judged, [alice], [6000])
    judged.at(judged.evaluation_deadline + offset)
    chain.mine()
    assert judged.contract.stage() == stage


@pytest.mark.parametrize("offset, stage", [(-1, Stage.CHALLENGE), (0, Stage.EXPIRED), (1, Stage.EXPIRED)])
def test_stage__at_the_challenge_deadline__anyone_may_finalize(judged, alice, chain, offset, stage):
    _scored(judged, [alice], [6000])
    judged.at(judged.challenge_deadline + offset)
    chain.mine()
    assert judged.contract.stage() == stage


@pytest.mark.parametrize("offset, stage", [(-1, Stage.ARBITRATION), (0, Stage.EXPIRED), (1, Stage.EXPIRED)])
def test_stage__with_an_open_dispute__arbitration_until_the_resolution_deadline(judged, alice, watcher, chain,
                                                                                offset, stage):
    es = _scored(judged, [alice], [6000])
    judged.challenge(watcher, es[0].id, 9000)
    judged.at(judged.resolution_deadline + offset)
    chain.mine()
    assert judged.contract.stage() == stage


# ------------------------------------------------------------------ finalize waits for the window


@pytest.mark.parametrize("offset, allowed", [(-1, False), (0, True), (1, True)])
def test_finalize__at_the_challenge_deadline(judged, alice, bob, offset, allowed):
    _scored(judged, [alice], [6000])
    judged.at(judged.challenge_deadline + offset)
    if allowed:
        judged.contract.finalize(sender=bob)
        assert judged.contract.outcome() == Outcome.PRIZES
    else:
        with ape.reverts("bounty: only the organizer may finalize before the challenge deadline"):
            judged.contract.finalize(sender=bob)


def test_finalize__by_the_organizer_before_the_window_closes__reverts(judged, alice, organizer):
    """No early finalize skips the window: every revealed submission is scored, yet the scores are provisional."""
    _scored(judged, [alice], [6000])
    with ape.reverts("bounty: scores are provisional until the challenge deadline"):
        judged.contract.finalize(sender=organizer)
    judged.to_challenge()
    with ape.reverts("bounty: scores are provisional until the challenge deadline"):
        judged.contract.finalize(sender=organizer)


def test_finalize__with_nothing_revealed__organizer_may_finalize_early(judged, alice, organizer):
    judged.commit(alice)
    judged.to_evaluation()
    judged.contract.finalize(sender=organizer)
    assert judged.contract.outcome() == Outcome.REFUNDED


@pytest.mark.parametrize("offset, allowed", [(-1, False), (0, True), (1, True)])
def test_finalize__with_an_open_dispute__waits_for_the_resolution_deadline(judged, alice, watcher, bob, offset,
                                                                           allowed):
    es = _scored(judged, [alice], [6000])
    judged.challenge(watcher, es[0].id, 9000)
    judged.at(judged.resolution_deadline + offset)
    if allowed:
        judged.contract.finalize(sender=bob)
        assert judged.contract.fail_safe()
    else:
        with ape.reverts("bounty: disputes open until the resolution deadline"):
            judged.contract.finalize(sender=bob)


# ------------------------------------------------------------------ rulings


def test_rule__upheld__replaces_the_score_and_pays_the_challenger_from_the_bond(judged, alice, bob, watcher,
                                                                                 jurors):
    es = _scored(judged, [alice, bob], [100, 7000])  # alice's true score is 7500
    judged.challenge(watcher, es[0].id, 7500)
    receipt = rule_by_jury(judged, jurors, [7500, 7490, 7510])
    (ruled,) = receipt.decode_logs(judged.contract.Ruled)
    assert (ruled.key, ruled.ruling, ruled.upheld, ruled.fee) == (es[0].id, 7500, True, JURY_FEE)
    assert judged.contract.corrected_score(es[0].id) == (True, 7500)
    assert judged.contract.ranking() == ([es[0].id], [7500])
    assert judged.contract.credits(watcher) == 2 * CHALLENGE_BOND + JURY_FEE
    assert judged.contract.bond() == REWARD - CHALLENGE_BOND - JURY_FEE
    assert judged.contract.open_disputes() == 0
    # The disqualified count followed: alice's 100 was below the minimum, 7500 is not.
    assert judged.contract.disqualified_count() == 0


def test_rule__rejected__pays_the_jury_and_the_organizer(judged, alice, watcher, jurors, organizer):
    es = _scored(judged, [alice], [6000])
    judged.challenge(watcher, es[0].id, 9000)
    due_before = judged.contract.organizer_due()
    rule_by_jury(judged, jurors, [6000, 6010, 5990])
    assert judged.contract.corrected_score(es[0].id) == (False, 0)
    assert judged.contract.credits(watcher) == 0
    assert judged.contract.organizer_due() == due_before + CHALLENGE_BOND
    assert judged.jury.credits(jurors[0]) + judged.jury.credits(jurors[1]) + judged.jury.credits(jurors[2]) == JURY_FEE
    assert judged.contract.bond() == REWARD


@pytest.mark.parametrize("ruling, upheld", [(6000 + SCORE_TOLERANCE, False), (6000 + SCORE_TOLERANCE + 1, True),
                                            (6000 - SCORE_TOLERANCE, False), (6000 - SCORE_TOLERANCE - 1, True)])
def test_rule__at_the_tolerance_boundary(judged, alice, watcher, jurors, ruling, upheld):
    es = _scored(judged, [alice], [6000])
    judged.challenge(watcher, es[0].id, 9000)
    receipt = rule_by_jury(judged, jurors, [ruling] * 3)
    (ruled,) = receipt.decode_logs(judged.contract.Ruled)
    assert ruled.upheld == upheld


def test_rule__not_from_the_arbiter__reverts(judged, alice, watcher, mallory):
    es = _scored(judged, [alice], [6000])
    judged.challenge(watcher, es[0].id, 9000)
    with ape.reverts("bounty: caller is not the arbiter"):
        judged.ext.rule(es[0].id, 9000, sender=mallory)


def test_rule__for_a_key_without_a_dispute__reverts(judged, alice, jury):
    _scored(judged, [alice], [6000])
    with ape.reverts("bounty: no open dispute"):
        judged.ext.rule(5, 9000, sender=_impersonate(jury))


def _impersonate(contract):
    """Ape's impersonated account for a contract address on the local node (it needs ETH for gas)."""
    ape.chain.provider.set_balance(contract.address, 10**19)
    return ape.accounts[contract.address]


@pytest.mark.parametrize("offset, allowed", [(-1, True), (0, False)])
def test_rule__at_the_resolution_deadline(judged, alice, watcher, jury, offset, allowed):
    es = _scored(judged, [alice], [6000])
    judged.challenge(watcher, es[0].id, 9000)
    judged.at(judged.resolution_deadline + offset)
    arbiter = _impersonate(jury)
    if allowed:
        judged.ext.rule(es[0].id, 9000, sender=arbiter)
    else:
        with ape.reverts("bounty: resolution deadline passed"):
            judged.ext.rule(es[0].id, 9000, sender=arbiter)


def test_rule__above_10000__reverts(judged, alice, watcher, jury):
    es = _scored(judged, [alice], [6000])
    judged.challenge(watcher, es[0].id, 9000)
    with ape.reverts("bounty: ruling above 10000"):
        judged.ext.rule(es[0].id, 10_001, sender=_impersonate(jury))


def test_rule__on_test_data_other_than_0_or_1__reverts(judged, alice, watcher, jury):
    _scored(judged, [alice], [6000])
    judged.challenge_data(watcher)
    with ape.reverts("bounty: test-data ruling must be 0 or 1"):
        judged.ext.rule(TEST_DATA_KEY, 2, sender=_impersonate(jury))


def test_rule__upheld_twice__bond_pays_as_far_as_it_goes(make_bounty, jury, jurors, alice, bob, watcher):
    """An organizer whose bond cannot cover every upheld challenge: the challengers still get their bonds
    back, and the reward as far as the bond goes."""
    b = make_bounty(jury=jury, bond=REWARD, challenge_bond=REWARD // 2 + 1)
    es = _scored(b, [alice, bob], [100, 100])
    bond = REWARD // 2 + 1
    b.challenge(watcher, es[0].id, 7000, value=bond + JURY_FEE)
    rule_by_jury(b, jurors, [7000] * 3)
    b.challenge(watcher, es[1].id, 7000, value=bond + JURY_FEE)
    rule_by_jury(b, jurors, [7000] * 3)
    assert b.contract.bond() == 0
    assert b.contract.credits(watcher) == 2 * bond + REWARD


# ------------------------------------------------------------------ re-ranking


def test_rule__lowering_the_leader_marks_the_ranking_stale__rerank_rebuilds_it(judged, alice, bob, carol, watcher,
                                                                                jurors, organizer):
    es = _scored(judged, [alice, bob, carol], [9999, 7000, 6500])  # alice's 9999 is false: 5200
    judged.challenge(watcher, es[0].id, 5200)
    rule_by_jury(judged, jurors, [5200] * 3)
    assert judged.contract.ranking_stale()
    judged.to_expired()
    with ape.reverts("bounty: ranking stale: call rerank first"):
        judged.contract.finalize(sender=watcher)
    judged.rerank(sender=watcher)
    assert not judged.contract.ranking_stale()
    assert judged.contract.ranking() == ([es[1].id], [7000])
    judged.contract.finalize(sender=watcher)
    assert judged.contract.credits(bob) == REWARD


def test_rule__raising_an_unranked_score_inserts_it_without_a_rerank(judged, alice, bob, watcher, jurors):
    es = _scored(judged, [alice, bob], [100, 7000])
    judged.challenge(watcher, es[0].id, 7500)
    rule_by_jury(judged, jurors, [7500] * 3)
    assert not judged.contract.ranking_stale()
    assert judged.contract.ranking() == ([es[0].id], [7500])


def test_rule__lowering_a_leader_that_still_leads_needs_no_rerank(make_bounty, jury, alice, bob, watcher, jurors):
    b = make_bounty(jury=jury, prize_shares=[6000, 4000])
    es = _scored(b, [alice, bob], [9000, 7000])
    b.challenge(watcher, es[0].id, 8000)
    rule_by_jury(b, jurors, [8000] * 3)
    assert not b.contract.ranking_stale()  # the ranking was not full: every qualified entry is in it
    assert b.contract.ranking() == ([es[0].id, es[1].id], [8000, 7000])


def test_rerank__with_forged_batches__reverts(judged, alice, bob, watcher, jurors):
    es = _scored(judged, [alice, bob], [9999, 7000])
    judged.challenge(watcher, es[0].id, 5200)
    rule_by_jury(judged, jurors, [5200] * 3)
    forged = [[(es[0].id << 16) | 5200, (es[1].id << 16) | 1000]]
    with ape.reverts("bounty: batches do not match the posted scores"):
        judged.ext.rerank(forged, sender=watcher)


def test_rerank__when_not_stale__reverts(judged, alice, watcher):
    _scored(judged, [alice], [6000])
    with ape.reverts("bounty: ranking is not stale"):
        judged.rerank(sender=watcher)


# ------------------------------------------------------------------ test data


def test_challenge_test_data__upheld__voids_the_scores_and_shares_the_reward(judged, alice, bob, watcher, jurors,
                                                                             organizer):
    es = _scored(judged, [alice, bob], [9000, 100])
    judged.challenge_data(watcher)
    rule_by_jury(judged, jurors, [1, 1, 0])
    assert judged.contract.test_data_voided()
    judged.to_expired()
    judged.contract.finalize(sender=watcher)
    assert judged.contract.outcome() == Outcome.SHARED
    assert judged.contract.claimable(es[0].id) == REWARD // 2
    assert judged.contract.claimable(es[1].id) == REWARD // 2  # its 100 bps were posted on void data
    # What is left of the bond after paying the challenger and the jury is burned.
    assert judged.contract.burned() == REWARD - CHALLENGE_BOND - JURY_FEE


def test_challenge_test_data__before_it_is_posted__reverts(judged, alice, watcher):
    e = judged.commit(alice)
    judged.to_reveal()
    judged.reveal(e)
    judged.to_evaluation()
    with ape.reverts("bounty: test data not revealed"):
        judged.challenge_data(watcher)


def test_challenge_test_data__with_nothing_revealed__reverts(judged, alice, watcher):
    judged.commit(alice)
    judged.open_test()
    with ape.reverts("bounty: nothing revealed"):
        judged.challenge_data(watcher)


def test_challenge__after_the_data_was_voided__reverts(judged, alice, watcher, jurors):
    es = _scored(judged, [alice], [9000])
    judged.challenge_data(watcher)
    rule_by_jury(judged, jurors, [1, 1, 1])
    with ape.reverts("bounty: test data voided"):
        judged.challenge(watcher, es[0].id, 5000)


# ------------------------------------------------------------------ the fail-safe and reclaim


def test_fail_safe__posted_scores_stand__bond_burned__challenger_reclaims(judged, alice, bob, watcher, organizer):
    es = _scored(judged, [alice, bob], [9000, 7000])
    judged.challenge(watcher, es[0].id, 5000)
    judged.to_resolution()
    judged.contract.finalize(sender=bob)
    assert judged.contract.fail_safe()
    assert judged.contract.outcome() == Outcome.PRIZES
    assert judged.contract.burned() == REWARD
    assert judged.contract.credits(organizer) == 0  # no bond back, nothing else due
    judged.ext.reclaim(es[0].id, sender=bob)
    assert judged.contract.credits(watcher) == CHALLENGE_BOND + JURY_FEE
    with ape.reverts("bounty: no open dispute"):
        judged.ext.reclaim(es[0].id, sender=bob)


def test_reclaim__before_finalize__reverts(judged, alice, watcher):
    es = _scored(judged, [alice], [9000])
    judged.challenge(watcher, es[0].id, 5000)
    with ape.reverts("bounty: not finalized"):
        judged.ext.reclaim(es[0].id, sender=watcher)


def test_extension__called_directly__reverts(project, factory, watcher):
    extension = project.BountyExtension.at(project.Bounty.at(factory.BOUNTY_IMPLEMENTATION()).EXTENSION())
    with ape.reverts("bounty: call the bounty, not its extension"):
        extension.challenge_test_data(sender=watcher)
    with ape.reverts("bounty: call the bounty, not its extension"):
        extension.draw_randomness(sender=watcher)
