"""The escrow client's side of issue 10, on real contracts on Anvil: authentic bounties only, the
stage guard at the mined timestamp, share claims, and the client's mirror of every creation limit.

Look-alike contracts are small Vyper sources under ``tests/contracts/lookalikes`` compiled here by
Ape's Vyper compiler (``ape.compilers.compile_source``), never shipped.
"""

from __future__ import annotations

from pathlib import Path

import ape
import pytest
from bounty_harness import DATA_CIDS, HP, REWARD, SPEC_CID, Outcome, Stage

from bounty_client import chain as client_chain
from bounty_client.errors import NotABountyError, StageError

LOOKALIKES = Path(__file__).parent / "lookalikes"


def compile_lookalike(name: str):
    return ape.compilers.compile_source("vyper", (LOOKALIKES / f"{name}.vy").read_text(), contractName=name)


@pytest.fixture(scope="session")
def lookalike_types():
    return {name: compile_lookalike(name) for name in ("LookAlike", "FakeFactory", "CloneOf")}


@pytest.fixture
def lookalike(lookalike_types, chain, mallory):
    return mallory.deploy(lookalike_types["LookAlike"], chain.pending_timestamp + 1_000, SPEC_CID, DATA_CIDS[0],
                          value=REWARD)


# ------------------------------------------------------------------ authentic bounties only


def test_bounty_at__a_genuine_bounty__passes_with_and_without_a_configured_factory(bounty, factory):
    assert client_chain.authenticate(bounty.address) == factory.address  # chain of code
    assert client_chain.authenticate(bounty.address, factory) == factory.address
    b = client_chain.Bounty.at(bounty.address, factory=factory.address)
    assert b.factory.address == factory.address and b.creation().spec_cid == SPEC_CID


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
    fake = mallory.deploy(lookalike_types["FakeFactory"], blueprint)
    clone = fake.clone(sender=mallory).return_value
    with pytest.raises(NotABountyError, match="does not run the shipped BountyFactory code"):
        client_chain.Bounty.at(clone)
    with pytest.raises(NotABountyError, match="not a bounty of the configured factory"):
        client_chain.Bounty.at(clone, factory=factory)


def test_bounty_at__a_bounty_of_another_genuine_factory__is_refused_when_a_factory_is_configured(
    bounty, project, deployer
):
    other = deployer.deploy(project.BountyFactory, deployer.declare(project.Bounty).contract_address)
    with pytest.raises(NotABountyError, match=f"configured factory {other.address}"):
        client_chain.Bounty.at(bounty.address, factory=other)


def test_clone_target__reads_only_exact_eip1167_code():
    impl = "0x" + "ab" * 20
    code = client_chain._EIP1167_PREFIX + bytes.fromhex(impl[2:]) + client_chain._EIP1167_SUFFIX
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
    c = _client(bounty)
    t = getattr(bounty, deadline) + offset

    def guard():  # the client method is guard + transaction: on success it already sent
        c.draw_randomness(mallory)

    bounty.at(t)
    try:
        guard()
        passed = True
        assert c.contract.randomness_drawn()
    except StageError:
        passed = False
        bounty.at(t)
        with ape.reverts():
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
    b = make_bounty(test_commitment=bytes(32), test_data_after=after)
    c = _client(b)
    b.at(b.reveal_deadline)
    b.draw()
    passed = _agree(b, after + offset, lambda: c.require_test_data_window("post test data"),
                    lambda: b.contract.post_test_data("bafkreitestwindow", sender=b.organizer))
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
    from bounty_client.vault import Vault

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
        with ape.reverts("bounty: only the organizer may finalize before the evaluation deadline"):
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
