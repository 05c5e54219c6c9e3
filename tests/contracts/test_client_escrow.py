"""The escrow client's side of issue 10, on real contracts on Anvil: authentic bounties only, the
stage guard at the mined timestamp, share claims, and the client's mirror of every creation limit.

Look-alike contracts are small Vyper sources in ``contracts/test/`` (with every other test-only
contract), compiled with the project (fixtures in conftest.py) and never shipped.
"""

from __future__ import annotations

import ape
import pytest
from bounty_harness import DATA_CIDS, HP, REWARD, SPEC_CID, Outcome, Stage

from bounty_client import chain as client_chain
from bounty_client.chain import authenticity
from bounty_client.errors import NotABountyError, StageError

# ------------------------------------------------------------------ authentic bounties only


def test_bounty_at__a_genuine_bounty__passes_with_and_without_a_configured_factory(bounty, factory):
    assert client_chain.authenticate(bounty.address) == factory.address  # chain of code
    assert client_chain.authenticate(bounty.address, factory) == factory.address
    b = client_chain.Bounty.at(bounty.address, factory=factory.address)
    assert b.factory.address == factory.address and b.creation().spec_cid == SPEC_CID
    # typed in lower case (no EIP-55 checksum): the same bounty, not a web3 traceback
    lower = client_chain.Bounty.at(bounty.address.lower(), factory=factory.address.lower())
    assert lower.address == bounty.address and lower.creation().spec_cid == SPEC_CID


def test_bounty_at__a_lookalike_whose_factory_is_itself__is_refused(lookalike, factory):
    assert lookalike.FACTORY() == lookalike.address  # what fooled the old check
    for configured in (None, factory):
        with pytest.raises(NotABountyError, match="not an EIP-1167 clone"):
            client_chain.Bounty.at(lookalike.address, factory=configured)


def test_bounty_at__a_clone_of_a_lookalike__is_refused(lookalike_types, lookalike, mallory, factory):
    cloner = mallory.deploy(lookalike_types["CloneOf"])
    clone = cloner.clone(lookalike.address, sender=mallory).return_value
    with pytest.raises(NotABountyError, match="does not run the shipped Bounty code"):
        client_chain.Bounty.at(clone)
    with pytest.raises(NotABountyError, match="not a bounty of the configured factory"):
        client_chain.Bounty.at(clone, factory=factory)


def test_bounty_at__genuine_bounty_code_from_a_fake_factory__is_refused(lookalike_types, project, mallory, factory):
    """The implementation runs the real Bounty code, but its FACTORY (which alone can initialize clones
    and emit their terms) is Mallory's contract: only the chain of code back to the shipped factory
    catches it."""
    blueprint = mallory.declare(project.Bounty).contract_address
    extension = mallory.declare(project.BountyExtension).contract_address
    fake = mallory.deploy(lookalike_types["FakeFactory"], blueprint, extension)
    clone = fake.clone(sender=mallory).return_value
    with pytest.raises(NotABountyError, match="does not run the shipped BountyFactory code"):
        client_chain.Bounty.at(clone)
    with pytest.raises(NotABountyError, match="not a bounty of the configured factory"):
        client_chain.Bounty.at(clone, factory=factory)


def test_bounty_at__a_bounty_of_another_genuine_factory__is_refused_when_a_factory_is_configured(
    bounty, project, deployer
):
    other = deployer.deploy(project.BountyFactory, deployer.declare(project.Bounty).contract_address,
                            deployer.declare(project.BountyExtension).contract_address)
    with pytest.raises(NotABountyError, match=f"configured factory {other.address}"):
        client_chain.Bounty.at(bounty.address, factory=other)


def test_clone_target__reads_only_exact_eip1167_code():
    impl = "0x" + "ab" * 20
    code = authenticity._EIP1167_PREFIX + bytes.fromhex(impl[2:]) + authenticity._EIP1167_SUFFIX
    assert client_chain.clone_target(code).lower() == impl
    assert client_chain.clone_target(code + b"\x00") is None
    assert client_chain.clone_target(b"\x00" + code[1:]) is None


# ------------------------------------------------------------------ stage guard at the mined timestamp


def _agree(b, t: int, guard, send) -> bool:
    """At mined timestamp ``t``: if the client's ``guard`` passes, ``send`` succeeds; if it refuses, ``send``
    reverts. Returns whether the guard passed."""
    b.at(t)
    try:
        guard()
    except StageError:
        b.at(t)
        with ape.reverts():
            send()
        return False
    b.at(t)  # a guard only reads: the pending block is still at t
    send()
    return True


def _client(b):
    return client_chain.Bounty.at(b.address)


OFFSETS = [-1, 0, 1]


@pytest.mark.parametrize("offset", OFFSETS)
def test_stage_guard__commit_at_the_submission_deadline__agrees_with_the_contract(bounty, alice, offset):
    c = _client(bounty)
    passed = _agree(bounty, bounty.submission_deadline + offset, lambda: c.require_stage("commit", Stage.SUBMISSION),
                    lambda: bounty.commit(alice))
    assert passed == (offset < 0)


@pytest.mark.parametrize("deadline", ["submission_deadline", "reveal_deadline"])
@pytest.mark.parametrize("offset", OFFSETS)
def test_stage_guard__reveal_at_its_window_edges__agrees_with_the_contract(bounty, alice, deadline, offset):
    entry = bounty.commit(alice)
    c = _client(bounty)
    passed = _agree(bounty, getattr(bounty, deadline) + offset, lambda: c.require_stage("reveal", Stage.REVEAL),
                    lambda: bounty.reveal(entry))
    assert passed == ((offset >= 0) if deadline == "submission_deadline" else (offset < 0))


@pytest.mark.parametrize("deadline", ["reveal_deadline", "evaluation_deadline"])
@pytest.mark.parametrize("offset", OFFSETS)
def test_stage_guard__draw_randomness_at_its_window_edges__agrees_with_the_contract(bounty, mallory, deadline,
                                                                                      offset):
    """The draw is two calls DRAW_BLOCKS blocks apart. At the reveal deadline the client and the contract agree
    to the second; near the evaluation deadline the client refuses DRAW_BLOCKS block times earlier and sends
    nothing (a request whose draw might land after the deadline only burns gas; Anvil may mine the blocks in
    the same second, so the contract alone would still accept there)."""
    from bounty_client.chain.bounty import DRAW_BLOCKS

    c = _client(bounty)
    t = getattr(bounty, deadline) + offset - (DRAW_BLOCKS if deadline == "evaluation_deadline" else 0)

    def guard():  # the client method is guard + transaction: on success it already sent
        c.draw_randomness(mallory)

    bounty.at(t)
    try:
        guard()
        passed = True
        assert c.contract.randomness_drawn()
    except StageError:
        passed = False
        assert not c.randomness_block()  # refused before the request: nothing sent
        if deadline == "reveal_deadline":
            bounty.at(t)
            with ape.reverts("bounty: reveal window still open"):
                bounty.draw(sender=mallory)
    assert passed == ((offset >= 0) if deadline == "reveal_deadline" else (offset < 0))


@pytest.mark.parametrize("deadline", ["reveal_deadline", "evaluation_deadline"])
@pytest.mark.parametrize("offset", OFFSETS)
def test_stage_guard__reveal_test_data_at_its_window_edges__agrees_with_the_contract(bounty, deadline, offset):
    c = _client(bounty)
    if deadline == "evaluation_deadline":
        bounty.at(bounty.reveal_deadline)
        bounty.draw()
    passed = _agree(bounty, getattr(bounty, deadline) + offset,
                    lambda: c.require_test_data_window("reveal the test set"), bounty.reveal_test)
    # Before the reveal deadline nothing is accepted; at it, the randomness is not drawn yet (the
    # organizer's reveal_test draws first, in an earlier block): the guard passes only after the draw.
    assert passed == (deadline == "evaluation_deadline" and offset < 0)


@pytest.mark.parametrize("offset", OFFSETS)
def test_stage_guard__post_test_data_at_test_data_after__agrees_with_the_contract(make_bounty, chain, offset):
    now = chain.pending_timestamp
    after = now + 2_500  # between the reveal deadline (now + 2000) and the evaluation deadline (now + 3000)
    b = make_bounty(test_commitment=bytes(32), test_window_start=now + 2_000, test_data_after=after)
    c = _client(b)
    b.at(b.reveal_deadline)
    b.draw()
    passed = _agree(b, after + offset, lambda: c.require_test_data_window("post test data"),
                    lambda: b.ext.post_test_data("bafkreitestwindow", sender=b.organizer))
    assert passed == (offset >= 0)


@pytest.mark.parametrize("offset", OFFSETS)
def test_stage_guard__post_scores_at_the_evaluation_deadline__agrees_with_the_contract(bounty, alice, offset):
    entry = bounty.commit(alice)
    bounty.to_reveal()
    bounty.reveal(entry)
    bounty.open_test()
    c = _client(bounty)
    passed = _agree(bounty, bounty.evaluation_deadline + offset,
                    lambda: c.require_stage("post scores", Stage.EVALUATION), lambda: bounty.score({entry.id: 7_000}))
    assert passed == (offset < 0)


def _organizer_role(account, tmp_path):
    from bounty_client.roles import Organizer
    from bounty_client.roles.vault import Vault

    return Organizer(account, None, vault=Vault(tmp_path / "home"))


@pytest.mark.parametrize("offset", OFFSETS)
def test_stage_guard__organizer_finalize_at_the_reveal_deadline__agrees_with_the_contract(bounty, tmp_path, offset):
    org = _organizer_role(bounty.organizer, tmp_path)
    c = _client(bounty)
    t = bounty.reveal_deadline + offset
    bounty.at(t)
    try:
        org.finalize(c)
        passed = True
        assert Outcome(c.contract.outcome()) == Outcome.REFUNDED
    except StageError:
        passed = False
        bounty.at(t)
        with ape.reverts("bounty: reveal window still open"):
            bounty.contract.finalize(sender=bounty.organizer)
    assert passed == (offset >= 0)


@pytest.mark.parametrize("offset", OFFSETS)
def test_stage_guard__stranger_finalize_at_the_evaluation_deadline__agrees_with_the_contract(bounty, alice, mallory,
                                                                                             tmp_path, offset):
    entry = bounty.commit(alice)
    bounty.to_reveal()
    bounty.reveal(entry)
    stranger = _organizer_role(mallory, tmp_path)
    c = _client(bounty)
    t = bounty.evaluation_deadline + offset
    bounty.at(t)
    try:
        stranger.finalize(c)
        passed = True
        assert Outcome(c.contract.outcome()) == Outcome.SHARED
    except StageError:
        passed = False
        bounty.at(t)
        with ape.reverts("bounty: only the organizer may finalize before the challenge deadline"):
            bounty.contract.finalize(sender=mallory)
    assert passed == (offset >= 0)


@pytest.mark.parametrize("deadline", ["submission_deadline", "evaluation_deadline"])
@pytest.mark.parametrize("offset", OFFSETS)
def test_stage_guard__cancel_around_deadlines__agrees_with_the_contract(bounty, tmp_path, deadline, offset):
    org = _organizer_role(bounty.organizer, tmp_path)
    bounty.at(getattr(bounty, deadline) + offset)
    org.cancel(_client(bounty))  # allowed at any time before a commit: guard and contract both pass
    assert Outcome(bounty.contract.outcome()) == Outcome.CANCELLED
    with pytest.raises(StageError, match="closed"):
        _client(bounty).require_stage("cancel", Stage.SUBMISSION, Stage.REVEAL, Stage.EVALUATION, Stage.EXPIRED)


def test_stage_guard__judges_the_pending_block_not_the_latest(bounty, chain):
    """The latest block is still in SUBMISSION (and so says the `stage()` view), but the next transaction
    is mined at the deadline: the guard refuses a commit and allows a reveal."""
    c = _client(bounty)
    bounty.at(bounty.submission_deadline)
    assert Stage(bounty.contract.stage()) == Stage.SUBMISSION
    with pytest.raises(StageError, match="in stage REVEAL"):
        c.require_stage("commit", Stage.SUBMISSION)
    assert c.require_stage("reveal", Stage.REVEAL) == Stage.REVEAL


# ------------------------------------------------------------------ every creation limit, mirrored


def _shares(n: int) -> list[int]:
    return [10_000 // n + (10_000 % n if i == 0 else 0) for i in range(n)]


def _smallest_cost(n_features: int) -> int:
    from bounty_client.protocol.hyperparams import Hyperparameters, parameter_count

    return parameter_count(Hyperparameters(1, 1, 0, "relu", "binary_crossentropy"), n_features)


# (name, field the client names, overrides at the limit, overrides one past it, does the ABI carry the value?)
# Overrides are functions of `now` (the mined timestamp); "reward" is the value minus the bond.
MAX_U32 = 2**32 - 1
LIMITS = [
    ("reward max", "reward", lambda n: dict(reward=2**96 - 1, bond=2**96 - 1), lambda n: dict(reward=2**96, bond=2**96 - 1), True),
    ("reward zero", "value", lambda n: dict(reward=1, bond=1), lambda n: dict(reward=0, bond=1), True),
    ("bond below reward", "bond", lambda n: dict(reward=5, bond=5), lambda n: dict(reward=5, bond=4), True),
    ("bond max", "bond", lambda n: dict(reward=1, bond=2**96 - 1), lambda n: dict(reward=1, bond=2**96), True),
    ("min_accuracy", "min_accuracy", lambda n: dict(min_accuracy=10_000), lambda n: dict(min_accuracy=10_001), True),
    ("seq_len zero", "seq_len", lambda n: dict(seq_len=1), lambda n: dict(seq_len=0), True),
    ("seq_len uint16", "seq_len", lambda n: dict(seq_len=2**16 - 1), lambda n: dict(seq_len=2**16), False),
    ("future_period zero", "future_period", lambda n: dict(future_period=1), lambda n: dict(future_period=0), True),
    ("n_features zero", "n_features", lambda n: dict(n_features=1), lambda n: dict(n_features=0), True),
    ("n_features uint16", "n_features", lambda n: dict(n_features=2**16 - 1), lambda n: dict(n_features=2**16), False),
    ("max_cost smallest model", "max_cost", lambda n: dict(max_cost=_smallest_cost(4)),
     lambda n: dict(max_cost=_smallest_cost(4) - 1), True),
    ("max_cost uint32", "max_cost", lambda n: dict(max_cost=MAX_U32), lambda n: dict(max_cost=MAX_U32 + 1), False),
    ("submission_deadline future", "submission_deadline", lambda n: dict(submission_deadline=n + 1),
     lambda n: dict(submission_deadline=n), True),
    ("reveal after submission", "reveal_deadline", lambda n: dict(reveal_deadline=n + 1_001),
     lambda n: dict(reveal_deadline=n + 1_000), True),
    ("evaluation after reveal", "evaluation_deadline", lambda n: dict(evaluation_deadline=n + 2_001),
     lambda n: dict(evaluation_deadline=n + 2_000), True),
    ("evaluation_deadline uint32", "evaluation_deadline", lambda n: dict(evaluation_deadline=MAX_U32),
     lambda n: dict(evaluation_deadline=MAX_U32 + 1), True),
    ("test window from the reveal deadline", "test_window_start",
     lambda n: dict(test_commitment=bytes(32), test_window_start=n + 2_000, test_data_after=n + 2_500),
     lambda n: dict(test_commitment=bytes(32), test_window_start=n + 1_999, test_data_after=n + 2_500), True),
    ("test_data_after from the window's start", "test_data_after",
     lambda n: dict(test_commitment=bytes(32), test_window_start=n + 2_500, test_data_after=n + 2_500),
     lambda n: dict(test_commitment=bytes(32), test_window_start=n + 2_500, test_data_after=n + 2_499), True),
    ("test_data_after before evaluation deadline", "test_data_after",
     lambda n: dict(test_commitment=bytes(32), test_window_start=n + 2_000, test_data_after=n + 2_999),
     lambda n: dict(test_commitment=bytes(32), test_window_start=n + 2_000, test_data_after=n + 3_000), True),
    ("test_window_start sealed", "test_window_start", lambda n: dict(test_window_start=0),
     lambda n: dict(test_window_start=n + 2_000), True),
    ("test_data_after sealed", "test_data_after", lambda n: dict(test_data_after=0), lambda n: dict(test_data_after=1),
     True),
    ("max_submissions zero", "max_submissions", lambda n: dict(max_submissions=1), lambda n: dict(max_submissions=0),
     True),
    ("max_submissions uint16", "max_submissions", lambda n: dict(max_submissions=65_535),
     lambda n: dict(max_submissions=65_536), True),
    ("commit_deposit uint64", "commit_deposit", lambda n: dict(commit_deposit=2**64 - 1),
     lambda n: dict(commit_deposit=2**64), True),
    ("prize_shares count", "prize_shares", lambda n: dict(prize_shares=_shares(5)), lambda n: dict(prize_shares=_shares(6)),
     True),
    ("prize_shares sum", "prize_shares", lambda n: dict(prize_shares=[6_000, 4_000]),
     lambda n: dict(prize_shares=[6_000, 3_999]), True),
    ("prize_shares zero", "prize_shares", lambda n: dict(prize_shares=[10_000]),
     lambda n: dict(prize_shares=[10_000, 0]), True),
    ("spec_cid length", "spec_cid", lambda n: dict(spec_cid="b" * 128), lambda n: dict(spec_cid="b" * 129), True),
    ("spec_cid empty", "spec_cid", lambda n: dict(spec_cid="b"), lambda n: dict(spec_cid=""), True),
    ("data_cids count", "data_cids", lambda n: dict(data_cids=["b"] * 16), lambda n: dict(data_cids=["b"] * 17), True),
    ("data_cids empty", "data_cids", lambda n: dict(data_cids=["b"]), lambda n: dict(data_cids=[]), True),
    ("data_cid empty", "data_cids", lambda n: dict(data_cids=["b"]), lambda n: dict(data_cids=["b", ""]), True),
]


def _terms(now: int, overrides: dict) -> tuple[dict, int]:
    from bounty_harness import creation_args

    overrides = dict(overrides)
    reward = overrides.pop("reward", REWARD)
    args = creation_args(now, **overrides)
    return args, reward + args["bond"]


@pytest.mark.parametrize("name, field, at_limit, past_limit, encodable", LIMITS, ids=[c[0] for c in LIMITS])
def test_limits__the_client_refuses_exactly_what_the_contract_refuses(factory, organizer, chain, name, field,
                                                                      at_limit, past_limit, encodable):
    from bounty_harness import create_call

    from bounty_client.errors import ArgumentError
    from bounty_client.protocol.terms import check_factory_arguments

    chain.set_balance(organizer.address, 2**100)
    # One past the limit: the client refuses (nothing sent), and so would the contract.
    now = chain.pending_timestamp + 10
    chain.pending_timestamp = now
    args, value = _terms(now, past_limit(now))
    with pytest.raises(ArgumentError, match=field):
        check_factory_arguments(args, value, now=now)
    chain.pending_timestamp = now
    if encodable:
        with ape.reverts():
            create_call(factory, organizer, args, value=value)
    else:  # the ABI cannot even carry the value
        nonce = organizer.nonce
        with pytest.raises(Exception):
            create_call(factory, organizer, args, value=value)
        assert organizer.nonce == nonce
    # At the limit: both accept.
    now = chain.pending_timestamp + 10
    chain.pending_timestamp = now
    args, value = _terms(now, at_limit(now))
    check_factory_arguments(args, value, now=now)
    chain.pending_timestamp = now
    receipt = create_call(factory, organizer, args, value=value)
    assert receipt.decode_logs(factory.BountyCreated)
