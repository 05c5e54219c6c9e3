"""reveal_test_data, post_scores and cancel: access, windows to the second, bad ids, and the top-K ranking."""

from __future__ import annotations

import ape
import pytest
from bounty_harness import REWARD, TEST_CID, TEST_SALT, CreditReason, Outcome, Stage

from bounty_client.protocol.wire import decode_score_entry, encode_score_entry
# ------------------------------------------------------------------ draw_randomness


def test_draw_randomness__one_second_before_the_reveal_deadline__reverts(bounty, mallory):
    bounty.at(bounty.reveal_deadline - 1)
    with ape.reverts("bounty: reveal window still open"):
        bounty.draw(sender=mallory)
    assert not bounty.contract.randomness_drawn()


def test_draw_randomness__at_the_reveal_deadline__by_anyone__fixes_and_emits(bounty, mallory):
    bounty.at(bounty.reveal_deadline)
    receipt = bounty.draw(sender=mallory)
    (ev,) = receipt.decode_logs(bounty.contract.RandomnessDrawn)
    assert ev.caller == mallory.address
    assert ev.randomness == bounty.contract.randomness() != b"\x00" * 32
    assert bounty.contract.randomness_drawn()


def test_draw_randomness__one_second_after_the_reveal_deadline__succeeds(bounty, mallory):
    bounty.at(bounty.reveal_deadline + 1)
    bounty.draw(sender=mallory)


def test_draw_randomness__twice__reverts_and_keeps_the_first_value(bounty, organizer, mallory):
    bounty.to_evaluation()
    bounty.draw(sender=mallory)
    first = bounty.contract.randomness()
    with ape.reverts("bounty: randomness already drawn"):
        bounty.draw(sender=organizer)
    assert bounty.contract.randomness() == first


def test_draw_randomness__one_second_before_the_evaluation_deadline__succeeds(bounty, mallory):
    bounty.at(bounty.evaluation_deadline - 1)
    bounty.draw(sender=mallory)


@pytest.mark.parametrize("delta", [0, 1])
def test_draw_randomness__at_or_after_the_evaluation_deadline__reverts(bounty, mallory, delta):
    bounty.at(bounty.evaluation_deadline + delta)
    with ape.reverts("bounty: evaluation window closed"):
        bounty.draw(sender=mallory)


def test_draw_randomness__after_finalize_or_cancel__reverts(make_bounty, organizer, mallory):
    b = make_bounty()
    b.to_evaluation()
    b.contract.finalize(sender=organizer)
    with ape.reverts("bounty: already finalized"):
        b.draw(sender=mallory)
    c = make_bounty()
    c.ext.cancel(sender=organizer)
    c.to_evaluation()
    with ape.reverts("bounty: cancelled"):
        c.draw(sender=mallory)


def test_draw_randomness__differs_between_bounties_drawn_in_one_second(make_bounty, mallory):
    one, two = make_bounty(), make_bounty()
    # The second bounty was created a block later: its reveal deadline is the later one.
    one.at_least(max(one.reveal_deadline, two.reveal_deadline))
    one.draw(sender=mallory)
    two.draw(sender=mallory)
    assert one.contract.randomness() != two.contract.randomness()


# ---------------------------------------------------------------- reveal_test_data


def test_reveal_test_data__by_a_non_organizer__reverts(bounty, mallory):
    bounty.to_evaluation()
    bounty.draw(sender=mallory)
    with ape.reverts("bounty: caller is not the organizer"):
        bounty.reveal_test(sender=mallory)


@pytest.mark.parametrize("when", ["submission_deadline", "reveal_deadline - 1"])
def test_reveal_test_data__before_the_reveal_deadline__reverts(bounty, when):
    """No test data while reveals are open: nobody can score sealed commits and reveal only the best."""
    bounty.at(bounty.submission_deadline if when == "submission_deadline" else bounty.reveal_deadline - 1)
    with ape.reverts("bounty: reveal window still open"):
        bounty.reveal_test()


def test_reveal_test_data__before_the_randomness__reverts(bounty):
    bounty.to_evaluation()
    with ape.reverts("bounty: randomness not drawn"):
        bounty.reveal_test()


def test_reveal_test_data__at_the_reveal_deadline_after_the_draw__succeeds(bounty):
    bounty.at(bounty.reveal_deadline)
    bounty.draw()
    bounty.at(bounty.reveal_deadline)
    receipt = bounty.reveal_test()
    (ev,) = receipt.decode_logs(bounty.contract.TestDataRevealed)
    assert (ev.test_cid, ev.salt) == (TEST_CID, TEST_SALT)
    assert bounty.contract.test_revealed()


def test_reveal_test_data__one_second_before_the_evaluation_deadline__succeeds(bounty):
    bounty.to_evaluation()
    bounty.draw()
    bounty.at(bounty.evaluation_deadline - 1)
    bounty.reveal_test()


@pytest.mark.parametrize("delta", [0, 1])
def test_reveal_test_data__at_or_after_the_evaluation_deadline__reverts(bounty, delta):
    bounty.to_evaluation()
    bounty.draw()
    bounty.at(bounty.evaluation_deadline + delta)
    with ape.reverts("bounty: evaluation window closed"):
        bounty.reveal_test()


@pytest.mark.parametrize("cid, salt", [(TEST_CID + "x", TEST_SALT), (TEST_CID, b"\x01" * 32)])
def test_reveal_test_data__not_matching_the_commitment__reverts(bounty, organizer, cid, salt):
    bounty.to_evaluation()
    bounty.draw()
    with ape.reverts("bounty: test commitment mismatch"):
        bounty.ext.reveal_test_data(cid, salt, sender=organizer)


def test_reveal_test_data__twice__reverts(bounty):
    bounty.open_test()
    with ape.reverts("bounty: test data already revealed"):
        bounty.reveal_test()


def test_reveal_test_data__after_finalize__reverts(bounty, organizer):
    bounty.to_evaluation()
    bounty.draw()
    bounty.contract.finalize(sender=organizer)  # nothing revealed: refund
    with ape.reverts("bounty: already finalized"):
        bounty.reveal_test()


def test_reveal_test_data__after_cancel__reverts(bounty, organizer):
    bounty.ext.cancel(sender=organizer)
    bounty.to_reveal()
    with ape.reverts("bounty: cancelled"):
        bounty.reveal_test()


def test_reveal_test_data__on_a_future_window_bounty__reverts(make_bounty):
    b = _future_bounty(make_bounty, after_reveal=0)
    b.to_evaluation()
    b.draw()
    with ape.reverts("bounty: future-window bounty: use post_test_data"):
        b.reveal_test()


# ------------------------------------------------------------------ post_test_data

FUTURE_CID = "bafkreifuturewindowtestdataaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


def _future_bounty(make_bounty, after_reveal: int = 100):
    """A future-window bounty whose test data may be posted ``after_reveal`` s after the reveal deadline."""
    from bounty_harness import REVEAL_WINDOW, SUBMISSION_WINDOW
    import ape as _ape

    now = _ape.chain.pending_timestamp
    reveal = now + SUBMISSION_WINDOW + REVEAL_WINDOW
    return make_bounty(test_commitment=b"\x00" * 32, test_window_start=reveal, test_data_after=reveal + after_reveal)


def test_post_test_data__one_second_before_test_data_after__reverts(make_bounty):
    b = _future_bounty(make_bounty)
    b.to_evaluation()
    b.draw()
    b.at(b.test_data_after - 1)
    with ape.reverts("bounty: test data window not reached"):
        b.ext.post_test_data(FUTURE_CID, sender=b.organizer)


@pytest.mark.parametrize("delta", [0, 1])
def test_post_test_data__at_or_after_test_data_after__succeeds(make_bounty, delta):
    b = _future_bounty(make_bounty)
    b.to_evaluation()
    b.draw()
    b.at(b.test_data_after + delta)
    receipt = b.ext.post_test_data(FUTURE_CID, sender=b.organizer)
    (ev,) = receipt.decode_logs(b.contract.TestDataRevealed)
    assert (ev.test_cid, ev.salt) == (FUTURE_CID, b"\x00" * 32)
    assert b.contract.test_revealed() and b.contract.test_commitment() == b"\x00" * 32


def test_post_test_data__window_of_zero_length_at_the_reveal_deadline(make_bounty):
    """The earliest window the contract accepts starts and ends at the reveal deadline; still no test
    data before it (nor before the draw, which opens at the same time)."""
    b = _future_bounty(make_bounty, after_reveal=0)
    assert b.test_data_after == b.reveal_deadline
    b.at(b.reveal_deadline - 1)
    with ape.reverts("bounty: reveal window still open"):
        b.ext.post_test_data(FUTURE_CID, sender=b.organizer)
    b.at(b.reveal_deadline)
    b.draw()
    b.ext.post_test_data(FUTURE_CID, sender=b.organizer)


def test_post_test_data__before_the_randomness__reverts(make_bounty):
    b = _future_bounty(make_bounty, after_reveal=0)
    b.to_evaluation()
    with ape.reverts("bounty: randomness not drawn"):
        b.ext.post_test_data(FUTURE_CID, sender=b.organizer)


def test_post_test_data__on_a_sealed_bounty__reverts(bounty):
    bounty.to_evaluation()
    bounty.draw()
    with ape.reverts("bounty: sealed bounty: use reveal_test_data"):
        bounty.ext.post_test_data(TEST_CID, sender=bounty.organizer)


def test_post_test_data__empty_cid_stranger_or_twice__reverts(make_bounty, mallory):
    b = _future_bounty(make_bounty, after_reveal=0)
    b.to_evaluation()
    b.draw()
    with ape.reverts("bounty: empty test CID"):
        b.ext.post_test_data("", sender=b.organizer)
    with ape.reverts("bounty: caller is not the organizer"):
        b.ext.post_test_data(FUTURE_CID, sender=mallory)
    b.ext.post_test_data(FUTURE_CID, sender=b.organizer)
    with ape.reverts("bounty: test data already revealed"):
        b.ext.post_test_data(FUTURE_CID, sender=b.organizer)


# --------------------------------------------------------------------- post_scores


@pytest.fixture
def revealed(bounty, alice, bob, carol):
    """Three revealed submissions (ids 0, 1, 2) and a fourth (id 3) never revealed; test data revealed."""
    entries = [bounty.commit(a) for a in (alice, bob, carol, alice)]
    bounty.to_reveal()
    for e in entries[:3]:
        bounty.reveal(e)
    bounty.open_test()
    return bounty


def test_post_scores__by_a_non_organizer__reverts(revealed, mallory):
    revealed.to_evaluation()
    with ape.reverts("bounty: caller is not the organizer"):
        revealed.score({0: 9_000}, sender=mallory)


@pytest.mark.parametrize("when", ["reveal_deadline - 1", "after the draw"])
def test_post_scores__before_the_test_data_is_revealed__reverts(bounty, alice, when):
    """Test data comes only after the reveal deadline and the draw, so no score can come earlier."""
    e = bounty.commit(alice)
    bounty.to_reveal()
    bounty.reveal(e)
    if when == "after the draw":
        bounty.to_evaluation()
        bounty.draw()
    else:
        bounty.at(bounty.reveal_deadline - 1)
    with ape.reverts("bounty: test data not revealed"):
        bounty.score({0: 9_000})


def test_post_scores__as_soon_as_the_test_data_is_open__succeeds(revealed):
    """The earliest scores: the block after the test data, itself after the two-call draw from the
    reveal deadline on (Anvil may give these blocks the deadline's second or the next ones)."""
    revealed.at_least(revealed.reveal_deadline)
    receipt = revealed.score({0: 9_000, 2: 4_000}, "bafkreireportcid")
    (ev,) = receipt.decode_logs(revealed.contract.ScoresPosted)
    assert list(ev.entries) == [encode_score_entry(0, 9_000), encode_score_entry(2, 4_000)]
    assert [decode_score_entry(e) for e in ev.entries] == [(0, 9_000), (2, 4_000)]
    assert ev.report_cid == "bafkreireportcid"
    assert revealed.contract.scored_count() == 2
    assert revealed.contract.next_score_id() == 3


def test_post_scores__one_second_before_the_evaluation_deadline__succeeds(revealed):
    revealed.at(revealed.evaluation_deadline - 1)
    revealed.score({0: 9_000})


def test_post_scores__at_the_evaluation_deadline__reverts(revealed):
    revealed.at(revealed.evaluation_deadline)
    with ape.reverts("bounty: evaluation window closed"):
        revealed.score({0: 9_000})


def test_post_scores__one_second_after_the_evaluation_deadline__reverts(revealed):
    revealed.at(revealed.evaluation_deadline + 1)
    with ape.reverts("bounty: evaluation window closed"):
        revealed.score({0: 9_000})


def test_post_scores__unrevealed_id__reverts(revealed):
    revealed.to_evaluation()
    with ape.reverts("bounty: submission not revealed"):
        revealed.score({3: 9_000})


def test_post_scores__unknown_id__reverts(revealed):
    revealed.to_evaluation()
    with ape.reverts("bounty: submission not revealed"):
        revealed.score({7: 9_000})


def test_post_scores__already_scored_id__reverts(revealed):
    revealed.to_evaluation()
    revealed.score({1: 9_000})
    with ape.reverts("bounty: ids must increase past the last scored id"):
        revealed.score({1: 9_500})
    with ape.reverts("bounty: ids must increase past the last scored id"):
        revealed.score({0: 9_500})  # below the cursor: can no longer be scored
    assert revealed.contract.scored_count() == 1


def test_post_scores__duplicate_or_decreasing_ids_in_one_batch__reverts(revealed, organizer):
    revealed.to_evaluation()
    with ape.reverts("bounty: ids must increase past the last scored id"):
        revealed.contract.post_scores([0, 0], [1, 2], "r", sender=organizer)
    with ape.reverts("bounty: ids must increase past the last scored id"):
        revealed.contract.post_scores([2, 1], [1, 2], "r", sender=organizer)


def test_post_scores__score_above_10000__reverts(revealed):
    revealed.to_evaluation()
    with ape.reverts("bounty: score above 10000"):
        revealed.score({0: 10_001})
    revealed.score({0: 10_000})


def test_post_scores__empty_batch__reverts(revealed, organizer):
    revealed.to_evaluation()
    with ape.reverts("bounty: empty score batch"):
        revealed.contract.post_scores([], [], "r", sender=organizer)


def test_post_scores__ids_and_scores_of_different_lengths__reverts(revealed, organizer):
    revealed.to_evaluation()
    with ape.reverts("bounty: ids and scores differ in length"):
        revealed.contract.post_scores([0, 1], [5_000], "r", sender=organizer)


def test_post_scores__after_finalize__reverts(revealed, organizer):
    revealed.to_evaluation()
    revealed.score({0: 9_000, 1: 8_000, 2: 7_000})
    revealed.contract.finalize(sender=organizer)
    with ape.reverts("bounty: already finalized"):
        revealed.score({3: 1})


def test_ranking__ties_go_to_the_earlier_commit(make_bounty, alice, bob, carol):
    b = make_bounty(prize_shares=[5_000, 3_000, 2_000])
    entries = [b.commit(a) for a in (alice, bob, carol, alice, bob)]
    b.to_reveal()
    for e in entries:
        b.reveal(e)
    b.open_test()
    b.score({0: 6_000, 1: 8_000})
    b.score({2: 8_000, 3: 9_000, 4: 6_000})
    ids, scores = b.contract.ranking()
    assert list(ids) == [3, 1, 2]
    assert list(scores) == [9_000, 8_000, 8_000]


def test_ranking__keeps_only_qualified_entries(make_bounty, alice, bob, carol):
    b = make_bounty(prize_shares=[5_000, 5_000], min_accuracy=7_000)
    entries = [b.commit(a) for a in (alice, bob, carol)]
    b.to_reveal()
    for e in entries:
        b.reveal(e)
    b.open_test()
    b.score({0: 6_999, 1: 7_000, 2: 2_000})
    ids, scores = b.contract.ranking()
    assert (list(ids), list(scores)) == ([1], [7_000])


def test_ranking__matches_a_python_sort_for_many_scores(make_bounty, accounts):
    import random

    rng = random.Random(7)
    b = make_bounty(prize_shares=[2_000] * 5, min_accuracy=3_000)
    players = list(accounts)[1:9]
    entries = [b.commit(players[i % len(players)]) for i in range(24)]
    b.to_reveal()
    for e in entries:
        b.reveal(e)
    b.open_test()
    scores = {e.id: rng.choice([2_000, 3_000, 5_000, 5_000, 7_500, 9_999]) for e in entries}
    ids = sorted(scores)
    for start in range(0, len(ids), 7):
        b.score({i: scores[i] for i in ids[start : start + 7]})
    expected = sorted((i for i in ids if scores[i] >= 3_000), key=lambda i: (-scores[i], i))[:5]
    got_ids, got_scores = b.contract.ranking()
    assert list(got_ids) == expected
    assert list(got_scores) == [scores[i] for i in expected]


# -------------------------------------------------------------------------- cancel


def test_cancel__before_any_commit__credits_the_reward_and_the_bond(bounty, organizer):
    c = bounty.contract
    receipt = c.cancel(sender=organizer)
    assert receipt.decode_logs(c.Cancelled)[0].refund == 2 * REWARD
    credited = [(e.account, e.amount, e.reason) for e in receipt.decode_logs(c.Credited)]
    assert credited == [(organizer.address, REWARD, CreditReason.REFUND), (organizer.address, REWARD, CreditReason.BOND)]
    assert c.credits(organizer) == 2 * REWARD and c.escrow() == 0 and c.burned() == 0
    assert c.stage() == Stage.CANCELLED and c.outcome() == Outcome.CANCELLED
    assert c.max_submissions() == 100  # the configured cap is still reported
    c.withdraw(sender=organizer)
    assert c.balance == 0


def test_cancel__after_a_commit__reverts(bounty, organizer, alice):
    bounty.commit(alice)
    with ape.reverts("bounty: submissions exist"):
        bounty.ext.cancel(sender=organizer)


def test_cancel__by_a_non_organizer__reverts(bounty, mallory):
    with ape.reverts("bounty: caller is not the organizer"):
        bounty.ext.cancel(sender=mallory)


def test_cancel__twice__reverts(bounty, organizer):
    bounty.ext.cancel(sender=organizer)
    with ape.reverts("bounty: cancelled"):
        bounty.ext.cancel(sender=organizer)


def test_cancel__after_finalize__reverts(bounty, organizer):
    bounty.to_evaluation()
    bounty.contract.finalize(sender=organizer)
    with ape.reverts("bounty: already finalized"):
        bounty.ext.cancel(sender=organizer)
