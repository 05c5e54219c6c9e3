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
from bounty_client.errors import NotABountyError

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
