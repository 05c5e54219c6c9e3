"""Sequences of the state machine (``bounty_machine.BountyMachine``) replayed as named tests.

Each test is a story Hypothesis found (shrunk) or a corner worth pinning: it opens the machine's
bounty (with the stand-in arbiter unless ``trusted``), calls the machine's action wrappers in
order, the model predicts every success or revert reason, and every invariant is checked after
each step; ``teardown`` then settles, reclaims, claims and withdraws everything and checks that
all was paid out or burned. Steps: ``("at", deadline, offset)`` moves the model's clock to a
deadline + offset (never back), ``("mine",)`` mines one block, any other name is a machine method.
"""

from __future__ import annotations

import pytest
from bounty_harness import N_FEATURES, REWARD, TEST_DATA_KEY, Outcome, salt_for
from bounty_machine import BOND, CHALLENGE_BONDS, FEE, MAX_COST, TOLERANCE, BountyMachine

from bounty_client.protocol.hyperparams import Hyperparameters, commitment, parameter_count
from bounty_client.protocol.wire import COMMITMENT_MASK

SMALL = Hyperparameters(1, 8, 0, "relu", "sparse_categorical_crossentropy")
HUGE = Hyperparameters(8, 1024, 8, "relu", "sparse_categorical_crossentropy")
#: Commit three small models (players 0, 1, 2), reveal them, draw and open the sealed test set.
THREE_OPEN = (
    ("commit", 0, SMALL), ("commit", 1, SMALL), ("commit", 2, SMALL),
    ("at", "submission_deadline", 0), ("reveal", 0), ("reveal", 1), ("reveal", 2),
    ("at", "reveal_deadline", 0), ("draw", 3), ("mine",), ("draw", 3), ("test_data",),
)


@pytest.fixture
def machine(factory, accounts, chain, project):
    BountyMachine.bind(factory, accounts, chain, project)
    return BountyMachine()


def _replay(m: BountyMachine, *steps, **terms) -> BountyMachine:
    m.open(**terms)
    return _run(m, *steps)


def _run(m: BountyMachine, *steps) -> BountyMachine:
    try:
        m.assert_invariants()
        for n, (name, *args) in enumerate(steps):
            try:
                if name == "at":
                    deadline, offset = args
                    m.t = max(m.t, m.d(deadline) + offset)
                else:
                    getattr(m, name)(*args)
                m.assert_invariants()
            except AssertionError as e:
                raise AssertionError(f"step {n} {(name, *args)}: {e}") from e
    except BaseException:
        m.chain.restore(m.snapshot)
        raise
    # What the story left, as the teardown found it (it restores the chain).
    left = dict(outcome=m.outcome, fail_safe=m.fail_safe, voided=m.voided, rulings=list(m.rulings),
                bond_left=m.bond_left, share=m.share)
    m.teardown()
    m.left = left
    return m


# ------------------------------------------------------------------ lifecycles without disputes


def test_regression__abandoned_after_partial_scoring__shares_reward_burns_bond_forfeits_deposit(machine):
    m = _replay(
        machine,
        ("commit", 0, SMALL), ("commit", 1, SMALL), ("commit", 2, SMALL),
        ("at", "submission_deadline", 0), ("reveal", 0), ("reveal", 1),
        ("at", "reveal_deadline", 0), ("draw", 3), ("mine",), ("draw", 3), ("test_data",), ("score", 1, [9_000] * 8),
        ("finalize", 0),  # the organizer cannot finalize early with an arbiter
        ("at", "challenge_deadline", 0), ("finalize", 4),
        ("claim", 0, [0]), ("claim", 1, [1]), ("withdraw", 0), ("withdraw", 1), ("withdraw", 2),
    )
    assert m.left["outcome"] == Outcome.SHARED and m.left["share"] == REWARD // 2


def test_regression__prizes__bond_back_and_the_unrevealed_deposit_to_the_organizer(machine):
    m = _replay(
        machine,
        ("commit", 0, SMALL), ("commit", 1, SMALL), ("commit", 3, SMALL),
        ("at", "submission_deadline", 0), ("reveal", 0), ("reveal", 1),
        ("at", "reveal_deadline", 0), ("draw", 0), ("mine",), ("draw", 0), ("test_data",),
        ("score", 8, [7_000, 8_000] + [0] * 6),
        ("at", "challenge_deadline", 0), ("finalize", 0), ("claim", 0, [0]), ("withdraw", 0), ("withdraw", 1),
        ("withdraw", 2), ("withdraw", 4),
    )
    assert m.left["outcome"] == Outcome.PRIZES


def test_regression__trusted_scores__organizer_finalizes_once_everything_is_scored(machine):
    m = _replay(
        machine,
        ("commit", 0, SMALL), ("commit", 1, SMALL), ("at", "submission_deadline", 0), ("reveal", 0), ("reveal", 1),
        ("at", "reveal_deadline", 0), ("draw", 0), ("mine",), ("draw", 0), ("test_data",),
        ("score", 1, [7_000] * 8), ("finalize", 0), ("challenge", 2, 0, 9_000), ("score", 1, [8_000] * 8),
        ("finalize", 1), ("finalize", 0), ("claim", 0, [0]),
        trusted=True,
    )
    assert m.left["outcome"] == Outcome.PRIZES


def test_regression__reveal_above_the_cost_bound__refused_then_forfeited(machine):
    assert parameter_count(HUGE, N_FEATURES) > MAX_COST
    _replay(
        machine,
        ("commit", 0, HUGE), ("commit", 1, SMALL),
        ("at", "submission_deadline", 0), ("reveal", 0), ("reveal", 1),
        ("at", "reveal_deadline", 0), ("draw", 2), ("mine",), ("draw", 2), ("test_data",), ("score", 8, [6_000] * 8),
        ("at", "challenge_deadline", 0), ("finalize", 0),
    )


def test_regression__draw_in_two_steps__one_second_early_refused__the_same_block_refused__then_fixed(machine):
    _replay(
        machine,
        ("commit", 0, SMALL), ("at", "submission_deadline", 0), ("reveal", 0),
        ("at", "reveal_deadline", -1), ("draw", 1), ("test_data",),
        ("at", "reveal_deadline", 0), ("test_data",), ("draw", 1), ("draw", 0), ("test_data",), ("mine",),
        ("draw", 2), ("draw", 2), ("test_data",),
        ("at", "evaluation_deadline", 0), ("test_data",), ("finalize", 3),
    )


def test_regression__future_window__test_data_refused_before_test_data_after_then_posted(machine):
    _replay(
        machine,
        ("commit", 0, SMALL), ("at", "submission_deadline", 0), ("reveal", 0),
        ("at", "reveal_deadline", 0), ("draw", 1), ("mine",), ("draw", 1),
        ("test_data", True), ("at", "test_data_after", -1), ("test_data",),
        ("at", "test_data_after", 0), ("test_data",), ("score", 1, [6_000] * 8),
        future=True,
    )


def test_regression__cancel_before_any_commit__reward_and_bond_back_then_commits_refused(machine):
    _replay(machine, ("cancel",), ("commit", 0, SMALL), ("withdraw", 0), ("withdraw", 0), ("draw", 1),
            ("claim", 0, [0]), ("reclaim", 0, 0))


def test_regression__nothing_revealed__refund_bond_and_all_deposits_to_the_organizer(machine):
    _replay(
        machine,
        ("commit", 0, SMALL), ("commit", 0, SMALL), ("commit", 4, HUGE),
        ("at", "reveal_deadline", 0), ("reveal", 0), ("finalize", 0), ("draw", 1), ("withdraw", 0),
    )


# ------------------------------------------------------------------ challenges and rulings


def test_regression__upheld_challenge_pays_from_the_bond__ranking_stale__rerank__then_finalize(machine):
    """The organizer posts 9999 for player 0 (truly 5200): a watcher challenges, the arbiter upholds; the
    leader falls out of a full top-2, so the ranking is stale until someone re-ranks."""
    m = _replay(
        machine, *THREE_OPEN, ("score", 8, [9_999, 7_000, 6_500]),
        ("challenge", 4, 0, 9_999 - TOLERANCE),  # within the tolerance: refused
        ("challenge", 4, 0, 5_200), ("challenge", 3, 0, 5_300),  # the same id twice: refused
        ("rule", 0, 5_200), ("finalize", 2),
        ("at", "challenge_deadline", 0), ("finalize", 2), ("rerank", 3, True), ("rerank", 3), ("rerank", 3),
        ("finalize", 2), ("claim", 0, [0]), ("claim", 2, [2]), ("withdraw", 4), ("withdraw", 0),
    )
    assert m.left["rulings"] == ["upheld"] and m.left["outcome"] == Outcome.PRIZES
    assert m.left["bond_left"] == BOND - CHALLENGE_BONDS[0] - FEE


def test_regression__rejected_challenge__bond_to_the_organizer__fee_to_the_arbiter(machine):
    m = _replay(
        machine, *THREE_OPEN, ("score", 8, [8_000, 7_000, 6_000]),
        ("challenge", 1, 1, 9_000), ("rule", 1, 7_000 + TOLERANCE), ("rule", 1, 7_000),
        ("at", "challenge_deadline", 0), ("finalize", 5),
    )
    assert m.left["rulings"] == ["rejected"] and m.left["bond_left"] == BOND


def test_regression__upheld_challenges_exhaust_the_bond__paid_as_far_as_it_goes(machine):
    """With a 4 ETH challenge bond the organizer's 10 ETH bond covers two rewards and part of a third."""
    m = _replay(
        machine, *THREE_OPEN, ("score", 8, [100, 200, 300]),
        ("challenge", 4, 0, 7_000), ("challenge", 4, 1, 8_000), ("challenge", 5, 2, 9_000), ("set_fee", 0),
        ("challenge_data", 3),
        ("rule", 2, 9_000), ("rule", 0, 7_000), ("rule", 1, 8_000), ("rule", TEST_DATA_KEY, 0),
        ("at", "challenge_deadline", 0), ("finalize", 1),
        challenge_bond=CHALLENGE_BONDS[1],
    )
    assert m.left["rulings"] == ["upheld", "upheld", "upheld", "rejected"] and m.left["bond_left"] == 0


def test_regression__fail_safe_with_an_open_dispute__bond_burned__challenger_reclaims(machine):
    m = _replay(
        machine, *THREE_OPEN, ("score", 8, [9_000, 7_000, 6_000]),
        ("challenge", 4, 0, 5_000), ("reclaim", 4, 0),  # not finalized yet: refused
        ("at", "resolution_deadline", -1), ("finalize", 2), ("rule", 7, 5_000, 1, True),
        ("at", "resolution_deadline", 0), ("rule", 0, 5_000), ("finalize", 2),
        ("reclaim", 1, 1), ("reclaim", 1, 0), ("reclaim", 1, 0), ("withdraw", 4), ("withdraw", 0),
        ("claim", 1, [1]), ("claim", 2, [2]),
    )
    assert m.left["fail_safe"] and m.left["outcome"] == Outcome.PRIZES and m.left["rulings"] == []


def test_regression__voided_test_data__shared_claims_even_below_the_minimum(machine):
    m = _replay(
        machine, *THREE_OPEN, ("score", 8, [9_000, 100, 6_000]),
        ("challenge_data", 4), ("challenge_data", 3), ("rule", TEST_DATA_KEY, 2), ("rule", TEST_DATA_KEY, 1),
        ("challenge", 3, 0, 5_000), ("challenge_data", 3),  # voided: every challenge refused
        ("at", "challenge_deadline", 0), ("finalize", 3),
        ("claim", 1, [1]), ("claim", 0, [0, 0]), ("claim", 0, [0]), ("claim", 2, [2]), ("withdraw", 4),
    )
    assert m.left["voided"] and m.left["outcome"] == Outcome.SHARED and m.left["share"] == REWARD // 3


@pytest.mark.parametrize("offset", [-1, 0])
def test_regression__challenge_at_the_challenge_deadline(machine, offset):
    """One second before the challenge deadline a challenge is accepted; at it, refused."""
    _replay(
        machine, *THREE_OPEN, ("score", 8, [9_000, 7_000, 6_000]),
        ("at", "challenge_deadline", offset), ("challenge", 4, 1, 9_500), ("challenge_data", 4),
        ("finalize", 1),
    )


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_regression__finalize_at_the_resolution_deadline_with_an_open_dispute(machine, offset):
    """With a dispute open, anyone may finalize from the resolution deadline (the fail-safe), not before."""
    m = _replay(
        machine, *THREE_OPEN, ("score", 8, [9_000, 7_000, 6_000]), ("challenge", 4, 2, 9_500),
        ("at", "resolution_deadline", offset), ("finalize", 3), ("rule", 2, 9_500),
    )
    assert m.left["fail_safe"] == (offset >= 0)
    assert m.left["rulings"] == ([] if offset >= 0 else ["upheld"])


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_regression__finalize_at_the_challenge_deadline_without_disputes(machine, offset):
    m = _replay(
        machine, *THREE_OPEN, ("score", 8, [9_000, 7_000, 6_000]),
        ("at", "challenge_deadline", offset), ("finalize", 3),
    )
    assert m.left["outcome"] == (Outcome.NONE if offset < 0 else Outcome.PRIZES)


def test_regression__sweep_a_year_after_the_resolution_deadline(machine):
    _replay(
        machine, *THREE_OPEN, ("score", 8, [9_000, 7_000, 6_000]), ("at", "challenge_deadline", 0),
        ("sweep", 1, [1], [1]), ("finalize", 3), ("at", "sweep_time", -1), ("sweep", 1, [1], [1]),
        ("at", "sweep_time", 0), ("sweep", 1, [2, 2, 0], [1, 2, 0]), ("claim", 2, [2]), ("withdraw", 1),
        ("withdraw", 0),
    )


# ------------------------------------------------------------------ fixed: disputes on unrevealed commitments
#
# Found by the state machine (test_properties.py). BountyExtension.challenge read the submission's word
# and, when RECORD_CORRECTED_FLAG (bit 253) was set, took the "score a ruling already replaced" branch
# without a proof and without checking RECORD_REVEALED_FLAG. Before its reveal the word of a submission is
# its commitment (top bit cleared): a hash, so bit 253 is set for half of all commitments (and a committer
# can grind its salt for it). Anyone could then open a dispute on an unrevealed submission, with a
# "posted" score read from the commitment's bits 160..175; an upheld ruling overwrote the commitment and
# decremented the disqualified count from 0, borrowing through the packed `_ranking` word, so `finalize`
# reverted for ever and the escrow was locked. The contract now reads the corrected flag of revealed
# words only; these tests pin the refusal (the posted score must be proven from a score batch).


def _salt_with(m: BountyMachine, who: int, hp: Hyperparameters, bits: dict[int, int]) -> tuple[bytes, int]:
    """A salt whose stored commitment (top bit cleared) has ``bits`` ({bit: value}), and that word."""
    player = m.players[who]
    for n in range(100_000, 101_000):
        salt = salt_for(n)
        word = int.from_bytes(commitment(m.bounty, player.address, hp, salt), "big") & COMMITMENT_MASK
        if all((word >> bit) & 1 == value for bit, value in bits.items()):
            return salt, word
    raise AssertionError(f"no salt gives bits {bits}")


def test_regression__a_challenge_of_an_unrevealed_commitment__refused(machine):
    """A submission nobody scored (here: committed, not even revealed) has no posted score to dispute."""
    m = machine
    m.open()
    salt, word = _salt_with(m, 0, SMALL, {253: 1})
    posted = (word >> 160) & 0xFFFF  # what the contract mistakes for a replaced score
    claimed = 0 if posted > 5_000 else 10_000
    _run(m, ("commit", 0, SMALL, salt), ("commit", 1, SMALL), ("challenge", 4, 0, claimed))


def test_regression__an_upheld_ruling_on_an_unrevealed_commitment__cannot_lock_the_escrow(machine):
    """Whatever a challenger and the arbiter do before the reveals, the bounty can still be settled."""
    m = machine
    m.open()
    try:
        salt, word = _salt_with(m, 0, SMALL, {253: 1, 254: 0})
        posted = (word >> 160) & 0xFFFF
        ruling = 9_000 if abs(9_000 - posted) > TOLERANCE else 8_000  # upheld, and above min_accuracy
        m.commit(0, SMALL, salt)
        m.commit(1, SMALL)
        challenge = m.abi.data("challenge", 0, 0 if posted > 5_000 else 10_000, 0, bytes(32), [], [])
        m.set_time()
        tx = {"from": m.players[3].address, "to": m.bounty, "data": challenge, "value": hex(m.challenge_bond + m.fee)}
        if m.revert_reason(tx) is not None:
            return  # refused: nothing to lock
        m.send(challenge, sender=m.players[3], value=m.challenge_bond + m.fee)
        m.send(m.arbiter_abi.data("rule", m.bounty, 0, ruling), sender=m.players[4], to=m.arbiter.address)
        m.t = m.d("resolution_deadline")
        m.send(m.abi.data("finalize"), sender=m.players[2])  # today: "bounty: ranking stale: call rerank first"
    finally:
        m.chain.restore(m.snapshot)
