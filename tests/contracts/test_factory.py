"""BountyFactory.create and Bounty.initialize: every argument check, one-time initialization, the implementation."""

from __future__ import annotations

import ape
import pytest
from bounty_harness import REWARD, create_call, creation_args

from bounty_client.hyperparams import test_commitment
from bounty_client.wire import BPS, MAX_CID_LENGTH, MAX_COMMIT_DEPOSIT, MAX_PRIZE_SHARES, MAX_SUBMISSIONS


def test_create__costs_one_clone_and_holds_the_reward(factory, make_bounty, implementation):
    b = make_bounty()
    code = ape.chain.provider.get_code(b.address)
    # EIP-1167: 45 bytes of runtime code that embed the implementation address.
    assert len(code) == 45
    assert implementation.address.lower()[2:] in code.hex().lower()
    assert b.contract.balance == REWARD


@pytest.mark.parametrize(
    "overrides, reason",
    [
        (dict(spec_cid=""), "factory: empty spec CID"),
        (dict(data_cids=[]), "factory: no training data CIDs"),
        (dict(data_cids=["bafkreiaaaa", ""]), "factory: empty training data CID"),
        (dict(min_accuracy=10_001), "bounty: min_accuracy above 10000"),
        (dict(seq_len=0), "bounty: seq_len must be positive"),
        (dict(future_period=0), "bounty: future_period must be positive"),
        (dict(test_commitment=b"\x00" * 32), "bounty: empty test commitment"),
        (dict(max_submissions=0), "bounty: max_submissions must be positive"),
        (dict(max_submissions=MAX_SUBMISSIONS + 1), "bounty: max_submissions too large"),
        (dict(commit_deposit=MAX_COMMIT_DEPOSIT + 1), "bounty: commit deposit too large"),
        (dict(prize_shares=[5_000, 0, 5_000]), "bounty: zero prize share"),
        (dict(prize_shares=[6_000, 3_000]), "bounty: prize shares must sum to 10000"),
        (dict(prize_shares=[6_000, 3_000, 1_000, 1]), "bounty: prize shares must sum to 10000"),
    ],
)
def test_create__invalid_argument__reverts_with_reason(factory, organizer, chain, overrides, reason):
    args = creation_args(chain.pending_timestamp, **overrides)
    with ape.reverts(reason):
        create_call(factory, organizer, args)


def test_create__zero_reward__reverts(factory, organizer, chain):
    with ape.reverts("bounty: reward must be positive"):
        create_call(factory, organizer, creation_args(chain.pending_timestamp), value=0)


def test_create__submission_deadline_now__reverts(factory, organizer, chain):
    now = chain.pending_timestamp
    args = creation_args(now, submission_deadline=now)
    with ape.reverts("bounty: submission deadline not in the future"):
        create_call(factory, organizer, args)
    # One second later is fine.
    args = creation_args(now, submission_deadline=now + 1)
    chain.pending_timestamp = now
    create_call(factory, organizer, args)


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
        implementation.initialize(
            organizer, REWARD, *[args[k] for k in list(args)[2:]], sender=organizer
        )


def test_initialize__by_anyone_but_the_factory__reverts(bounty, mallory, chain):
    args = creation_args(chain.pending_timestamp)
    with ape.reverts("bounty: caller is not the factory"):
        bounty.contract.initialize(mallory, REWARD, *[args[k] for k in list(args)[2:]], sender=mallory)


def test_initialize__twice_even_by_the_factory__reverts(bounty, factory, chain, accounts):
    chain.set_balance(factory.address, 10**18)
    as_factory = accounts[factory.address]  # anvil impersonation
    args = creation_args(chain.pending_timestamp)
    with ape.reverts("bounty: already initialized"):
        bounty.contract.initialize(as_factory, REWARD, *[args[k] for k in list(args)[2:]], sender=as_factory)


def test_implementation__is_unusable(implementation, mallory):
    with ape.reverts("bounty: not initialized"):
        implementation.commit(b"\x01" * 32, sender=mallory)
    with ape.reverts("bounty: not initialized"):
        implementation.finalize(sender=mallory)
    with ape.reverts("bounty: caller is not the organizer"):
        implementation.cancel(sender=mallory)
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
        clone.initialize(mallory, REWARD, *[args[k] for k in list(args)[2:]], sender=mallory)
    with ape.reverts("bounty: not initialized"):
        clone.commit(b"\x01" * 32, sender=mallory)


@pytest.mark.parametrize(
    "organizer_is_empty, reward, reason",
    [(True, REWARD, "bounty: empty organizer"), (False, 2**96, "bounty: reward too large")],
)
def test_initialize__checks_unreachable_through_the_factory__still_revert(
    project, chain, implementation, factory, accounts, organizer, organizer_is_empty, reward, reason
):
    """The factory always passes msg.sender and msg.value; these guards are checked by impersonating it."""
    clone = project.Bounty.at(_bare_clone(chain, implementation, organizer))
    chain.set_balance(factory.address, 10**18)
    as_factory = accounts[factory.address]
    who = "0x" + "00" * 20 if organizer_is_empty else organizer.address
    args = creation_args(chain.pending_timestamp)
    with ape.reverts(reason):
        clone.initialize(who, reward, *[args[k] for k in list(args)[2:]], sender=as_factory)
