"""BountyFactory.create and Bounty.initialize: every argument check, one-time initialization, the implementation."""

from __future__ import annotations

import ape
import pytest
from bounty_harness import N_FEATURES, REWARD, create_call, creation_args, initialize_params

from bounty_client.protocol.hyperparams import test_commitment
from bounty_client.protocol.wire import BPS, MAX_CID_LENGTH, MAX_COMMIT_DEPOSIT, MAX_PRIZE_SHARES, MAX_SUBMISSIONS


def test_create__costs_one_clone_and_holds_the_reward(factory, make_bounty, implementation):
    b = make_bounty()
    code = ape.chain.provider.get_code(b.address)
    # EIP-1167: 45 bytes of runtime code that embed the implementation address.
    assert len(code) == 45
    assert implementation.address.lower()[2:] in code.hex().lower()
    assert b.contract.balance == 2 * REWARD  # reward + bond


@pytest.mark.parametrize(
    "overrides, reason",
    [
        (dict(spec_cid=""), "factory: empty spec CID"),
        (dict(data_cids=[]), "factory: no training data CIDs"),
        (dict(data_cids=["bafkreiaaaa", ""]), "factory: empty training data CID"),
        (dict(min_accuracy=10_001), "bounty: min_accuracy above 10000"),
        (dict(seq_len=0), "bounty: seq_len must be positive"),
        (dict(future_period=0), "bounty: future_period must be positive"),
        (dict(test_commitment=b"\x00" * 32), "bounty: no test commitment and no test_data_after"),
        (dict(test_data_after=1), "bounty: test commitment and test_data_after both set"),
        (dict(n_features=0), "bounty: n_features must be positive"),
        (dict(max_cost=0), "bounty: max_cost below the smallest model"),
        (dict(max_submissions=0), "bounty: max_submissions must be positive"),
        (dict(max_submissions=MAX_SUBMISSIONS + 1), "bounty: max_submissions too large"),
        (dict(bond=REWARD - 1), "bounty: bond below reward"),
        (dict(commit_deposit=MAX_COMMIT_DEPOSIT + 1), "bounty: commit deposit too large"),
        (dict(prize_shares=[5_000, 0, 5_000]), "bounty: zero prize share"),
        (dict(prize_shares=[6_000, 3_000]), "bounty: prize shares must sum to 10000"),
        (dict(prize_shares=[6_000, 3_000, 1_000, 1]), "bounty: prize shares must sum to 10000"),
        (dict(test_window_start=1), "bounty: test commitment and test_window_start both set"),
        (dict(score_tolerance=10_001), "bounty: score_tolerance above 10000"),
        (dict(challenge_period=1), "bounty: challenge_period without an arbiter"),
        (dict(resolution_period=1), "bounty: resolution_period without an arbiter"),
        (dict(challenge_bond=1), "bounty: challenge_bond without an arbiter"),
    ],
)
def test_create__invalid_argument__reverts_with_reason(factory, organizer, chain, overrides, reason):
    args = creation_args(chain.pending_timestamp, **overrides)
    with ape.reverts(reason):
        create_call(factory, organizer, args)


@pytest.mark.parametrize(
    "overrides, reason",
    [
        (dict(challenge_period=0), "bounty: challenge_period must be positive"),
        (dict(resolution_period=0), "bounty: resolution_period must be positive"),
        (dict(challenge_bond=0), "bounty: challenge_bond must be positive"),
        (dict(challenge_bond=2**64), "bounty: challenge_bond too large"),
        (dict(resolution_period=2**32), "bounty: resolution deadline too far"),
    ],
)
def test_create__invalid_dispute_terms__revert_with_reason(factory, organizer, chain, jury, overrides, reason):
    from bounty_harness import jury_terms

    args = creation_args(chain.pending_timestamp, **jury_terms(jury))
    args.update(overrides)
    with ape.reverts(reason):
        create_call(factory, organizer, args)


def test_create__an_arbiter_without_code__reverts(factory, organizer, chain, jury, mallory):
    from bounty_harness import jury_terms

    args = creation_args(chain.pending_timestamp, **jury_terms(jury))
    args["arbiter"] = mallory.address
    with ape.reverts("bounty: arbiter is not a contract"):
        create_call(factory, organizer, args)


def test_create__dispute_terms__are_readable_and_emitted(make_bounty, jury):
    from bounty_harness import CHALLENGE_BOND, CHALLENGE_PERIOD, RESOLUTION_PERIOD, SCORE_TOLERANCE

    b = make_bounty(jury=jury)
    c = b.contract
    assert (c.arbiter(), c.challenge_bond(), c.score_tolerance()) == (jury.address, CHALLENGE_BOND, SCORE_TOLERANCE)
    assert c.challenge_deadline() == b.evaluation_deadline + CHALLENGE_PERIOD == b.challenge_deadline
    assert c.resolution_deadline() == b.challenge_deadline + RESOLUTION_PERIOD
    ev = b.created
    assert (ev.arbiter, ev.challenge_period, ev.resolution_period) == (jury.address, CHALLENGE_PERIOD, RESOLUTION_PERIOD)
    assert (ev.challenge_bond, ev.score_tolerance) == (CHALLENGE_BOND, SCORE_TOLERANCE)


def test_create__without_an_arbiter__the_challenge_deadline_is_the_evaluation_deadline(bounty):
    c = bounty.contract
    assert c.arbiter() == "0x" + "00" * 20
    assert c.challenge_deadline() == c.resolution_deadline() == bounty.evaluation_deadline


@pytest.mark.parametrize("value", [0, REWARD])
def test_create__value_not_above_the_bond__reverts(factory, organizer, chain, value):
    """value = reward + bond, so paying only the bond (or less) would open a bounty without a reward."""
    with ape.reverts("factory: value must exceed the bond (value = reward + bond)"):
        create_call(factory, organizer, creation_args(chain.pending_timestamp, bond=REWARD), value=value)


def test_create__bond_equal_to_the_reward__is_the_least_accepted(make_bounty):
    b = make_bounty(reward=REWARD, bond=REWARD)
    assert (b.contract.reward(), b.contract.bond()) == (REWARD, REWARD)
    b = make_bounty(reward=REWARD, bond=3 * REWARD)
    assert b.contract.bond() == 3 * REWARD and b.contract.balance == 4 * REWARD


def test_create__max_cost_exactly_the_smallest_model__is_accepted(make_bounty, factory, organizer, chain):
    """The smallest model (1 LSTM unit, no Dense, 1-unit head) for n features has 4(n + 2) + 4 + 2 parameters."""
    from bounty_client.protocol.hyperparams import Hyperparameters, parameter_count

    smallest = parameter_count(Hyperparameters(1, 1, 0, "relu", "hinge"), N_FEATURES)
    assert smallest == 4 * (N_FEATURES + 2) + 4 + 2
    with ape.reverts("bounty: max_cost below the smallest model"):
        create_call(factory, organizer, creation_args(chain.pending_timestamp, max_cost=smallest - 1))
    assert make_bounty(max_cost=smallest).contract.max_cost() == smallest


def _future(now, **kw):
    """Future-window terms: the window opens at the reveal deadline and ends 100 s later."""
    args = creation_args(now, test_commitment=b"\x00" * 32, **kw)
    args["test_window_start"] = args["reveal_deadline"]
    args["test_data_after"] = args["reveal_deadline"] + 100
    return args


@pytest.mark.parametrize("gap", [-1, 0, 1])
def test_create__future_window_start_relative_to_the_reveal_deadline(factory, organizer, chain, gap):
    """The window must open at or after the reveal deadline (nobody could reveal selectively on its prices)."""
    now = chain.pending_timestamp
    args = _future(now)
    args["test_window_start"] = args["reveal_deadline"] + gap
    if gap < 0:
        with ape.reverts("bounty: test window opens before the reveal deadline"):
            create_call(factory, organizer, args)
    else:
        create_call(factory, organizer, args)


@pytest.mark.parametrize("gap", [-1, 0, 1])
def test_create__evaluation_deadline_relative_to_test_data_after(factory, organizer, chain, gap):
    now = chain.pending_timestamp
    args = _future(now)
    args["test_data_after"] = args["evaluation_deadline"] + gap
    if gap >= 0:
        with ape.reverts("bounty: evaluation deadline not after test_data_after"):
            create_call(factory, organizer, args)
    else:
        create_call(factory, organizer, args)


def test_create__submission_deadline_now__reverts(factory, organizer, chain):
    now = chain.pending_timestamp
    chain.pending_timestamp = now  # pin the next block's time (the wall clock may tick meanwhile)
    args = creation_args(now, submission_deadline=now)
    with ape.reverts("bounty: submission deadline not in the future"):
        create_call(factory, organizer, args)
    # One second later is fine (read the clock again: the chain never goes back in time).
    now = max(now, chain.blocks.head.timestamp + 1)
    chain.pending_timestamp = now
    create_call(factory, organizer, creation_args(now, submission_deadline=now + 1))


@pytest.mark.parametrize("gap", [0, -1])
def test_create__reveal_deadline_not_after_submission_deadline__reverts(factory, organizer, chain, gap):
    args = creation_args(chain.pending_timestamp)
    args["reveal_deadline"] = args["submission_deadline"] + gap
    with ape.reverts("bounty: reveal deadline not after submission deadline"):
        create_call(factory, organizer, args)


@pytest.mark.parametrize("gap", [0, -1])
def test_create__evaluation_deadline_not_after_reveal_deadline__reverts(factory, organizer, chain, gap):
    args = creation_args(chain.pending_timestamp)
    args["evaluation_deadline"] = args["reveal_deadline"] + gap
    with ape.reverts("bounty: evaluation deadline not after reveal deadline"):
        create_call(factory, organizer, args)


def test_create__deadline_past_2106__reverts(factory, organizer, chain):
    args = creation_args(chain.pending_timestamp, evaluation_deadline=2**32)
    with ape.reverts("bounty: evaluation deadline too far"):
        create_call(factory, organizer, args)
    args["evaluation_deadline"] = 2**32 - 1
    create_call(factory, organizer, args)


def test_create__limits_at_their_maximum__are_accepted(make_bounty):
    b = make_bounty(
        min_accuracy=10_000,
        max_submissions=MAX_SUBMISSIONS,
        commit_deposit=MAX_COMMIT_DEPOSIT,
        prize_shares=[BPS // MAX_PRIZE_SHARES] * MAX_PRIZE_SHARES,
        data_cids=["b" * MAX_CID_LENGTH] * 16,
        spec_cid="s" * MAX_CID_LENGTH,
    )
    c = b.contract
    assert c.max_submissions() == MAX_SUBMISSIONS
    assert c.commit_deposit() == MAX_COMMIT_DEPOSIT
    assert list(c.prize_shares()) == [2_000] * 5
    assert list(b.created.data_cids) == ["b" * 128] * 16


def test_initialize__on_the_implementation__reverts(implementation, factory, organizer, chain):
    args = creation_args(chain.pending_timestamp)
    with ape.reverts("bounty: implementation cannot be initialized"):
        implementation.initialize(organizer, REWARD, initialize_params(args), sender=organizer)


def test_initialize__by_anyone_but_the_factory__reverts(bounty, mallory, chain):
    args = creation_args(chain.pending_timestamp)
    with ape.reverts("bounty: caller is not the factory"):
        bounty.contract.initialize(mallory, REWARD, initialize_params(args), sender=mallory)


def test_initialize__twice_even_by_the_factory__reverts(bounty, factory, chain, accounts):
    chain.set_balance(factory.address, 10**18)
    as_factory = accounts[factory.address]  # anvil impersonation
    args = creation_args(chain.pending_timestamp)
    with ape.reverts("bounty: already initialized"):
        bounty.contract.initialize(as_factory, REWARD, initialize_params(args), sender=as_factory)


def test_implementation__is_unusable(project, implementation, mallory):
    with ape.reverts("bounty: not initialized"):
        implementation.commit(b"\x01" * 32, sender=mallory)
    with ape.reverts("bounty: not initialized"):
        implementation.finalize(sender=mallory)
    with ape.reverts("bounty: caller is not the organizer"):
        project.BountyExtension.at(implementation.address).cancel(sender=mallory)
    assert implementation.escrow() == 0


def test_create__test_commitment_is_the_python_one(bounty):
    from bounty_harness import TEST_CID, TEST_SALT

    assert bounty.contract.test_commitment() == test_commitment(TEST_CID, TEST_SALT)


def _bare_clone(chain, implementation, deployer) -> str:
    """An EIP-1167 clone of the implementation made outside the factory (never initialized)."""
    impl = bytes.fromhex(implementation.address[2:])
    initcode = bytes.fromhex("3d602d80600a3d3981f3363d3d373d3d3d363d73") + impl + bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
    w3 = chain.provider.web3
    tx_hash = w3.eth.send_transaction({"from": deployer.address, "data": "0x" + initcode.hex(), "gas": 200_000})
    return w3.eth.wait_for_transaction_receipt(tx_hash)["contractAddress"]


def test_initialize__a_clone_made_by_someone_else__only_the_factory_may_initialize(
    project, chain, implementation, mallory
):
    clone = project.Bounty.at(_bare_clone(chain, implementation, mallory))
    args = creation_args(chain.pending_timestamp)
    with ape.reverts("bounty: caller is not the factory"):
        clone.initialize(mallory, REWARD, initialize_params(args), sender=mallory)
    with ape.reverts("bounty: not initialized"):
        clone.commit(b"\x01" * 32, sender=mallory)


@pytest.mark.parametrize(
    "organizer_is_empty, reward, bond, reason",
    [
        (True, REWARD, REWARD, "bounty: empty organizer"),
        (False, 0, REWARD, "bounty: reward must be positive"),
        (False, 2**96, 2**96, "bounty: reward too large"),
        (False, REWARD, 2**96, "bounty: bond too large"),
    ],
)
def test_initialize__checks_unreachable_through_the_factory__still_revert(
    project, chain, implementation, factory, accounts, organizer, organizer_is_empty, reward, bond, reason
):
    """The factory always passes msg.sender and value - bond > 0 and nobody holds 2**96 wei; these
    guards are checked by impersonating it."""
    clone = project.Bounty.at(_bare_clone(chain, implementation, organizer))
    chain.set_balance(factory.address, 10**18)
    as_factory = accounts[factory.address]
    who = "0x" + "00" * 20 if organizer_is_empty else organizer.address
    args = creation_args(chain.pending_timestamp, bond=bond)
    with ape.reverts(reason):
        clone.initialize(who, reward, initialize_params(args), sender=as_factory)
