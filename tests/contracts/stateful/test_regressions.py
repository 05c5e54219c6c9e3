"""Sequences of the state machine (``bounty_machine.BountyMachine``) replayed as named tests.

Each test is a story Hypothesis found (shrunk) or a corner worth pinning: it calls the machine's
action wrappers in order, the model predicts every success or revert reason, and every invariant
is checked after each step; ``teardown`` then settles, claims and withdraws everything and checks
that all was paid out or burned.
"""

from __future__ import annotations

import pytest
from bounty_machine import MAX_COST, BountyMachine
from bounty_harness import N_FEATURES

from bounty_client.protocol.hyperparams import Hyperparameters, parameter_count

SMALL = Hyperparameters(1, 8, 0, "relu", "sparse_categorical_crossentropy")
HUGE = Hyperparameters(8, 1024, 8, "relu", "sparse_categorical_crossentropy")


@pytest.fixture
def machine(make_bounty, accounts, chain):
    BountyMachine.bind(make_bounty, accounts, chain)
    m = BountyMachine()
    yield m


def _replay(m: BountyMachine, *steps) -> None:
    m.assert_invariants()
    for name, *args in steps:
        if name == "at":  # move the model's clock to a deadline + offset
            deadline, offset = args
            m.t = max(m.t, getattr(m.b, deadline) + offset)
        else:
            getattr(m, name)(*args)
        m.assert_invariants()
    m.teardown()


def test_regression__abandoned_after_partial_scoring__shares_reward_burns_bond_forfeits_deposit(machine):
    _replay(
        machine,
        ("commit", 0, SMALL), ("commit", 1, SMALL), ("commit", 2, SMALL),
        ("at", "submission_deadline", 0), ("reveal", 0), ("reveal", 1),
        ("at", "reveal_deadline", 0), ("draw", 3), ("reveal_test",), ("score", 1, [9_000] * 8),
        ("finalize", 0),  # the organizer cannot finalize with an unscored reveal
        ("at", "evaluation_deadline", 0), ("finalize", 4),
        ("claim", 0), ("claim", 1), ("withdraw", 0), ("withdraw", 1), ("withdraw", 2),
    )


def test_regression__prizes__bond_back_and_the_unrevealed_deposit_to_the_organizer(machine):
    _replay(
        machine,
        ("commit", 0, SMALL), ("commit", 1, SMALL), ("commit", 3, SMALL),
        ("at", "submission_deadline", 0), ("reveal", 0), ("reveal", 1),
        ("at", "reveal_deadline", 0), ("draw", 0), ("reveal_test",), ("score", 8, [7_000, 8_000] + [0] * 6),
        ("finalize", 0), ("withdraw", 0), ("withdraw", 1), ("withdraw", 2), ("withdraw", 4),
    )


def test_regression__reveal_above_the_cost_bound__refused_then_forfeited(machine):
    assert parameter_count(HUGE, N_FEATURES) > MAX_COST
    _replay(
        machine,
        ("commit", 0, HUGE), ("commit", 1, SMALL),
        ("at", "submission_deadline", 0), ("reveal", 0), ("reveal", 1),
        ("at", "reveal_deadline", 0), ("draw", 2), ("reveal_test",), ("score", 8, [6_000] * 8), ("finalize", 0),
    )


def test_regression__draw_one_second_early_refused_at_the_deadline_fixed_then_refused_again(machine):
    _replay(
        machine,
        ("commit", 0, SMALL), ("at", "submission_deadline", 0), ("reveal", 0),
        ("at", "reveal_deadline", -1), ("draw", 1), ("reveal_test",),
        ("at", "reveal_deadline", 0), ("reveal_test",), ("draw", 1), ("draw", 0), ("draw", 2),
        ("at", "evaluation_deadline", 0), ("reveal_test",), ("finalize", 3),
    )


def test_regression__cancel_before_any_commit__reward_and_bond_back_then_commits_refused(machine):
    _replay(machine, ("cancel",), ("commit", 0, SMALL), ("withdraw", 0), ("withdraw", 0), ("draw", 1))


def test_regression__nothing_revealed__refund_bond_and_all_deposits_to_the_organizer(machine):
    _replay(
        machine,
        ("commit", 0, SMALL), ("commit", 0, SMALL), ("commit", 4, HUGE),
        ("at", "reveal_deadline", 0), ("reveal", 0), ("finalize", 0), ("draw", 1), ("withdraw", 0),
    )
