"""Happy paths of the whole bounty lifecycle on Anvil: create, commit, reveal, score, finalize, withdraw."""

from __future__ import annotations

from bounty_harness import DATA_CIDS, MAX_COST_ANY, N_FEATURES, REWARD, SPEC_CID, TEST_CID, TEST_SALT, CreditReason, Outcome, Stage

from bounty_client.protocol.hyperparams import Hyperparameters, test_commitment
from bounty_client.protocol.wire import decode_revealed


def test_create__emits_every_parameter_and_cid(factory, organizer, make_bounty, chain):
    b = make_bounty(prize_shares=[7_000, 3_000], commit_deposit=10**15, max_submissions=7)
    ev = b.created
    assert ev.bounty == b.address
    assert ev.organizer == organizer.address
    assert ev.spec_cid == SPEC_CID
    assert list(ev.data_cids) == DATA_CIDS
    assert ev.reward == REWARD
    assert ev.bond == REWARD
    assert (ev.n_features, ev.max_cost, ev.test_data_after) == (N_FEATURES, MAX_COST_ANY, 0)
    assert list(ev.prize_shares) == [7_000, 3_000]
    c = b.contract
    assert c.organizer() == organizer.address
    assert c.reward() == REWARD == c.bond()
    assert c.escrow() == 2 * REWARD == c.balance
    assert (c.n_features(), c.max_cost(), c.test_data_after()) == (N_FEATURES, MAX_COST_ANY, 0)
    assert not c.randomness_drawn() and c.randomness() == b"\x00" * 32 and c.burned() == 0
    assert c.stage() == Stage.SUBMISSION
    assert c.outcome() == Outcome.NONE
    assert c.submission_deadline() == b.submission_deadline
    assert c.reveal_deadline() == b.reveal_deadline
    assert c.evaluation_deadline() == b.evaluation_deadline
    assert (c.min_accuracy(), c.seq_len(), c.future_period()) == (5_000, 60, 3)
    assert c.max_submissions() == 7
    assert c.commit_deposit() == 10**15
    assert list(c.prize_shares()) == [7_000, 3_000]
    assert c.test_commitment() == test_commitment(TEST_CID, TEST_SALT)
    assert not c.test_revealed()
    assert (c.submission_count(), c.revealed_count(), c.scored_count()) == (0, 0, 0)
    assert c.FACTORY() == factory.address


def test_create__empty_prize_shares__means_winner_takes_all(bounty):
    assert list(bounty.contract.prize_shares()) == [10_000]


def test_full_lifecycle__best_score_wins_and_withdraws(bounty, organizer, alice, bob, carol):
    c = bounty.contract
    a = bounty.commit(alice)
    b = bounty.commit(bob, Hyperparameters(1, 32, 0, "tanh", "hinge", 0.0, 0.01))
    k = bounty.commit(carol)
    assert (a.id, b.id, k.id) == (0, 1, 2)
    assert c.submission(1).committed and not c.submission(1).revealed
    assert c.submission(3).committed is False
    bounty.to_reveal()
    receipt = bounty.reveal(b)
    (ev,) = receipt.decode_logs(c.Revealed)
    assert ev.id == 1
    assert decode_revealed(ev.hyperparameters) == b.hp.to_chain()
    bounty.reveal(a)
    assert c.stage() == Stage.REVEAL
    bounty.to_evaluation()
    receipt = bounty.draw(sender=carol)  # anyone may draw
    (drawn,) = receipt.decode_logs(c.RandomnessDrawn)
    assert drawn.randomness == c.randomness() != b"\x00" * 32
    receipt = bounty.reveal_test()
    assert receipt.decode_logs(c.TestDataRevealed)[0].test_cid == TEST_CID
    assert c.test_revealed()
    bounty.score({a.id: 6_000, b.id: 7_500}, "bafkreireport1")
    assert c.scored_count() == 2 == c.revealed_count()
    ids, scores = c.ranking()
    assert list(ids) == [1] and list(scores) == [7_500]
    s = c.submission(1)
    assert (s.submitter, s.revealed) == (bob.address, True)
    assert c.next_score_id() == 2
    receipt = c.finalize(sender=organizer)
    assert c.stage() == Stage.FINALIZED
    assert c.outcome() == Outcome.PRIZES
    credited = receipt.decode_logs(c.Credited)
    assert [(e.account, e.amount, e.reason) for e in credited] == [
        (bob.address, REWARD, CreditReason.PRIZE),
        (organizer.address, REWARD, CreditReason.BOND),
    ]
    assert c.credits(bob) == REWARD and c.escrow() == 0
    assert c.credits(organizer) == REWARD  # the bond comes back
    before = bob.balance
    receipt = c.withdraw(sender=bob)
    assert bob.balance == before + REWARD - receipt.total_fees_paid
    assert c.balance == REWARD and c.credits(bob) == 0
    c.withdraw(sender=organizer)
    assert c.balance == 0 and c.credits(organizer) == 0
