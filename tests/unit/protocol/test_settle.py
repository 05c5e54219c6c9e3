"""The payout mirror (``bounty_client.protocol.settlement``) pays exactly what ``Bounty.vy`` pays.

Directed tests pin each rule (ties, the minimum, dust, abandonment, forfeits, deposits back at
settlement, voided test data, the fail-safe, bad input); the Hypothesis test drives real bounties
(no arbiter) on Anvil through random score sets and compares the mirror with ``ranking()``, the
``Credited`` events, ``claimable(id)``, the ``Claimed`` events and ``credits()``; the Hypothesis
state machine (``tests/contracts/stateful``) does the same with challenges and rulings.
``BOUNTY_PAYOUT_EXAMPLES`` (default 30) sets the number of chain examples.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bounty_client.chain import Bounty, deploy_factory
from bounty_client.errors import ArgumentError
from bounty_client.protocol.hyperparams import Hyperparameters, commitment, test_commitment
from bounty_client.protocol.settlement import Credit, differences, rank, settle, settle_cancel
from bounty_client.protocol.wire import CreditReason, Outcome, encode_revealed

ORG = "0x" + "0a" * 20
ZERO = "0x" + "00" * 20
A, B, C = ("0x" + c * 40 for c in "abc")
ETHER = 10**18
HP = Hyperparameters(1, 4, 0, "relu", "binary_crossentropy")
TEST_CID, TEST_SALT = "bafkreitestset", bytes(32)


def cs(account: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(account)


def _c(account: str, amount: int, reason: CreditReason) -> Credit:
    return Credit(cs(account), amount, reason)


# ----------------------------------------------------------------------------- the rules
def test_rank__equal_scores_go_to_the_earlier_commit_and_the_minimum_is_inclusive():
    scores = {3: 7000, 1: 7000, 2: 4999, 0: 5000}
    assert rank(scores, 5000, 5) == ((1, 7000), (3, 7000), (0, 5000))  # 2 is one bps short
    assert rank(scores, 5001, 1) == ((1, 7000),)
    assert rank(scores, 7001, 5) == ()


def test_settle__prizes_split_by_rank_with_dust_and_unfilled_ranks_to_the_organizer():
    got = settle(organizer=ORG, reward=1000 * ETHER + 7, bond=1000 * ETHER + 7, revealed={0: A, 1: B, 2: A},
                 scores={0: 6000, 1: 6000, 2: 4000}, min_accuracy=5000, prize_shares=[5000, 3000, 2000],
                 commit_deposit=5, submission_count=4)
    assert got.outcome is Outcome.PRIZES and got.qualified == (0, 1) and got.ranking == ((0, 6000), (1, 6000))
    prize0, prize1 = (1000 * ETHER + 7) * 5000 // 10_000, (1000 * ETHER + 7) * 3000 // 10_000
    assert got.credits == (
        _c(A, prize0, CreditReason.PRIZE), _c(A, 5, CreditReason.DEPOSIT),  # a winner's deposit comes with its prize
        _c(B, prize1, CreditReason.PRIZE), _c(B, 5, CreditReason.DEPOSIT),
        _c(ORG, 1000 * ETHER + 7 - prize0 - prize1, CreditReason.REFUND),  # rank 3 unfilled + dust
        _c(ORG, 1000 * ETHER + 7, CreditReason.BOND),
        # id 3 never revealed and id 2 below the minimum: their deposits are the organizer's, not the winners'
        _c(ORG, 10, CreditReason.FORFEIT),
    )
    assert got.claims == ()  # nothing left to claim: the winners were paid, id 2 forfeited
    assert sum(got.totals().values()) == 2 * (1000 * ETHER + 7) + 4 * 5  # everything escrowed is credited


def test_settle__a_qualified_non_winner_claims_its_deposit_back():
    got = settle(organizer=ORG, reward=10, bond=10, revealed={0: A, 1: B}, scores={0: 7000, 1: 6000},
                 min_accuracy=5000, commit_deposit=3)
    assert [(c.account, c.amount, c.reason) for c in got.credits if c.account == cs(B)] == []
    assert [(c.id, c.account, c.deposit, c.share) for c in got.claims] == [(1, cs(B), 3, 0)]
    assert got.totals() == {cs(A): 13, cs(B): 3, cs(ORG): 10}


def test_settle__voided_test_data_shares_among_every_revealed_one_and_burns_the_bond_left():
    got = settle(organizer=ORG, reward=10, bond=7, revealed={0: A, 1: B}, scores={0: 9000, 1: 100},
                 min_accuracy=5000, commit_deposit=2, voided=True)
    assert got.outcome is Outcome.SHARED and got.abandon_share == 5 and got.burned == 7
    # nobody is disqualified by a void score: both claim their deposit and an equal share
    assert [(c.id, c.deposit, c.share) for c in got.claims] == [(0, 2, 5), (1, 2, 5)]


def test_settle__fail_safe_keeps_the_posted_scores_and_burns_the_bond():
    honest = settle(organizer=ORG, reward=10, bond=10, revealed={0: A}, scores={0: 7000}, min_accuracy=0)
    stalled = settle(organizer=ORG, reward=10, bond=10, revealed={0: A}, scores={0: 7000}, min_accuracy=0,
                     fail_safe=True)
    assert stalled.outcome is honest.outcome is Outcome.PRIZES and stalled.ranking == honest.ranking
    assert stalled.burned == 10 and CreditReason.BOND not in {c.reason for c in stalled.credits}


def test_settle__nobody_qualified_or_nothing_revealed_refunds_the_organizer():
    none = settle(organizer=ORG, reward=10, bond=10, revealed={0: A}, scores={0: 4999}, min_accuracy=5000)
    assert none.outcome is Outcome.REFUNDED and none.ranking == () and none.totals() == {none.credits[0].account: 20}
    empty = settle(organizer=ORG, reward=10, bond=10, revealed={}, scores={}, min_accuracy=0, commit_deposit=3,
                   submission_count=2)
    assert empty.outcome is Outcome.REFUNDED and [c.reason for c in empty.credits] == [
        CreditReason.REFUND, CreditReason.BOND, CreditReason.FORFEIT]


def test_settle__abandonment_shares_equally_per_submission_and_burns_the_bond():
    got = settle(organizer=ORG, reward=10, bond=25, revealed={0: A, 1: B, 2: A}, scores={0: 9000},
                 min_accuracy=0)
    assert got.outcome is Outcome.SHARED and got.abandon_share == 3 and got.burned == 25
    assert got.totals() == {cs(A): 6, cs(B): 3, cs(ORG): 1}
    assert got.ranking == ((0, 9000),)  # ranking() keeps what was posted, but pays nothing


def test_settle_cancel__reward_and_bond_back():
    assert [(c.amount, c.reason) for c in settle_cancel(organizer=ORG, reward=4, bond=9).credits] == [
        (4, CreditReason.REFUND), (9, CreditReason.BOND)]


@pytest.mark.parametrize("change, match", [
    ({"reward": 0}, "reward"),
    ({"bond": -1}, "bond"),
    ({"prize_shares": [5000, 4000]}, "prize_shares"),
    ({"prize_shares": [2000] * 5 + [0]}, "prize_shares"),
    ({"scores": {0: 10_001}}, r"scores\[0\]"),
    ({"scores": {1: 5000}}, r"ids \[1\] were never revealed"),
    ({"min_accuracy": -1}, "min_accuracy"),
    ({"submission_count": 0}, "submission_count"),
    ({"organizer": "0x12"}, "not an Ethereum address"),
])
def test_settle__bad_input_names_the_field(change, match):
    args = dict(organizer=ORG, reward=10, bond=10, revealed={0: A}, scores={0: 5000}, min_accuracy=0)
    with pytest.raises(ArgumentError, match=match):
        settle(**{**args, **change})


def test_differences__one_line_per_difference_and_none_when_equal():
    honest = settle(organizer=ORG, reward=10, bond=10, revealed={0: A, 1: B}, scores={0: 6000, 1: 5000},
                    min_accuracy=5500)
    shifted = settle(organizer=ORG, reward=10, bond=10, revealed={0: A, 1: B}, scores={0: 6000, 1: 6001},
                     min_accuracy=5500)
    assert differences(honest, honest) == []
    lines = differences(shifted, honest)
    assert lines[0] == "qualified set: chain [0, 1], derived [0]"
    assert lines[1] == "ranking (best first): chain [1], derived [0]"
    assert {line.split(":")[0] for line in lines[2:]} == {
        f"credit PRIZE to {cs(A)}", f"credit PRIZE to {cs(B)}"}


# ------------------------------------------------------------------- against the contract
@pytest.fixture(scope="module")
def factory(accounts):
    return deploy_factory(accounts[0])


SCORES = st.one_of(st.sampled_from([0, 4999, 5000, 5001, 7000, 10_000]), st.integers(0, 10_000))


@st.composite
def prize_shares(draw):
    k = draw(st.integers(0, 5))
    if k == 0:
        return []
    cuts = sorted(draw(st.sets(st.integers(1, 9_999), min_size=k - 1, max_size=k - 1)))
    return [b - a for a, b in zip([0, *cuts], [*cuts, 10_000])]


SUBMISSIONS = st.lists(
    st.tuples(st.integers(1, 4),                     # committer (account index; repeats allowed)
              st.sampled_from([True, True, True, False]),  # revealed (mostly)
              st.one_of(SCORES, SCORES, SCORES, st.none())),  # posted score (None: never scored)
    min_size=1, max_size=7)


@settings(max_examples=int(os.environ.get("BOUNTY_PAYOUT_EXAMPLES", "30")), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(subs=SUBMISSIONS, min_accuracy=st.one_of(st.sampled_from([0, 5000, 10_000]), st.integers(0, 8_000)),
       shares=prize_shares(), reward=st.integers(1, 10 * ETHER), extra_bond=st.integers(0, ETHER),
       deposit=st.sampled_from([0, 1, 10**15 + 7]), batches=st.integers(1, 3), late=st.booleans(),
       abandon=st.sampled_from([False, False, True]))
def test_settle__equals_the_contract_for_random_score_sets(factory, accounts, chain, subs, min_accuracy, shares,
                                                           reward, extra_bond, deposit, batches, late, abandon):
    """``abandon``: the organizer leaves the ids drawn without a score unscored (else it scores them 0)."""
    snapshot = chain.snapshot()
    try:
        org = accounts[0]
        now = int(chain.pending_timestamp)
        d1, d2, d3 = now + 100, now + 200, now + 300
        receipt = factory.create(
            sender=org, value=2 * reward + extra_bond, spec_cid="bafkreispec", data_cids=["bafkreidata"],
            min_accuracy=min_accuracy, seq_len=5, future_period=2, n_features=4, max_cost=2**32 - 1,
            submission_deadline=d1, reveal_deadline=d2, evaluation_deadline=d3,
            test_commitment=test_commitment(TEST_CID, TEST_SALT), test_window_start=0, test_data_after=0,
            max_submissions=100, commit_deposit=deposit, bond=reward + extra_bond, prize_shares=shares,
            arbiter=ZERO, challenge_period=0, resolution_period=0, challenge_bond=0, score_tolerance=0)
        bounty = Bounty.at(factory.created_address(receipt))
        c = bounty.contract
        for i, (who, _, _) in enumerate(subs):
            c.commit(commitment(c.address, accounts[who].address, HP, i.to_bytes(32, "big")), sender=accounts[who],
                     value=deposit)
        chain.pending_timestamp = d1
        revealed = {}
        for i, (who, show, _) in enumerate(subs):
            if show:
                c.reveal(i, encode_revealed(HP.to_chain()), i.to_bytes(32, "big"), sender=accounts[who])
                revealed[i] = accounts[who].address
        scores = {i: s if s is not None else 0 for i, (_, show, s) in enumerate(subs)
                  if show and (s is not None or not abandon)}
        chain.pending_timestamp = d2
        if scores:
            bounty.draw_randomness(org)  # two calls: a request, then the next block's hash
            c.reveal_test_data(TEST_CID, TEST_SALT, sender=org)
            ids = sorted(scores)
            step = -(-len(ids) // batches)
            for j in range(0, len(ids), step):
                part = ids[j:j + step]
                c.post_scores(part, [scores[i] for i in part], "bafkreireport", sender=org)
        if late or len(scores) != len(revealed):  # only the organizer may settle early, and only when all are scored
            chain.pending_timestamp = max(d3, chain.blocks.head.timestamp + 1)
            c.finalize(sender=accounts[5])
        else:
            c.finalize(sender=org)

        mirror = settle(organizer=org.address, reward=reward, bond=reward + extra_bond, revealed=revealed,
                        scores=scores, min_accuracy=min_accuracy, prize_shares=shares, commit_deposit=deposit,
                        submission_count=len(subs))
        event(f"outcome {mirror.outcome.name}")
        ids, ranked = c.ranking()
        assert mirror.ranking == tuple(zip(map(int, ids), map(int, ranked)))
        assert Outcome(c.outcome()) is mirror.outcome and int(c.abandon_share()) == mirror.abandon_share
        assert int(c.burned()) == mirror.burned
        on_chain = bounty.settlement()
        assert differences(on_chain, mirror) == []  # before the claims: what each id can claim
        for who in sorted({subs[i][0] for i in revealed}):  # every submitter claims what it is owed
            mine = bounty.claimable_ids(accounts[who])
            if mine:
                c.claim(mine, sender=accounts[who])
        on_chain = bounty.settlement()
        assert differences(on_chain, mirror) == []  # after them: what the Claimed events paid
        # event by event
        assert sorted(on_chain.credits, key=repr) == sorted(mirror.credits, key=repr)
        credited: dict[str, int] = {}  # what withdraw() pays (claims were paid at once, above)
        for x in mirror.credits:
            credited[x.account] = credited.get(x.account, 0) + x.amount
        for account in {org.address, *(accounts[i].address for i in range(1, 6))}:
            assert int(c.credits(account)) == credited.get(account, 0)
    finally:
        chain.restore(snapshot)
