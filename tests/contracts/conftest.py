"""Fixtures for the contract tests: real Vyper contracts on the Anvil that ape-foundry starts.

The factory is deployed once per session (blueprint + factory); each test opens
its own bounty through ``BountyFactory.create`` with deadlines relative to the
next block's timestamp, so time travel in one test never affects another (ape
reverts the chain to a snapshot after every test). Shared helpers live in
``bounty_harness.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from bounty_harness import REWARD, BountyHarness, create_call, creation_args


@pytest.fixture(scope="session")
def organizer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def carol(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def mallory(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[9]


@pytest.fixture(scope="session")
def factory(project, deployer):
    blueprint = deployer.declare(project.Bounty).contract_address
    return deployer.deploy(project.BountyFactory, blueprint)


@pytest.fixture(scope="session")
def implementation(project, factory):
    return project.Bounty.at(factory.BOUNTY_IMPLEMENTATION())


@pytest.fixture
def make_bounty(project, chain, factory, organizer):
    """Open a bounty: ``make_bounty(reward=..., sender=..., **creation_overrides)`` -> BountyHarness."""

    def _make(reward: int = REWARD, sender: Any = None, **overrides: Any) -> BountyHarness:
        sender = sender or organizer
        args = creation_args(chain.pending_timestamp, **overrides)
        receipt = create_call(factory, sender, args, reward=reward)
        (event,) = receipt.decode_logs(factory.BountyCreated)
        contract = project.Bounty.at(event.bounty)
        return BountyHarness(
            contract=contract,
            organizer=sender,
            chain=chain,
            submission_deadline=args["submission_deadline"],
            reveal_deadline=args["reveal_deadline"],
            evaluation_deadline=args["evaluation_deadline"],
            deposit=args["commit_deposit"],
            test_data_after=args["test_data_after"],
            created=event,
        )

    return _make


@pytest.fixture
def bounty(make_bounty) -> BountyHarness:
    """A default bounty: 10 ETH reward and 10 ETH bond, min accuracy 50%, winner takes all, no deposit,
    cap 100, sealed test set, no cost bound that matters."""
    return make_bounty()


# ------------------------------------------------------------------ look-alikes (tests only, never shipped)
@pytest.fixture(scope="session")
def lookalike_types(project):
    """Ape container per look-alike contract in contracts/test/ (every test-only contract lives there)."""
    return {name: getattr(project, name) for name in ("LookAlike", "FakeFactory", "CloneOf")}


@pytest.fixture
def lookalike(lookalike_types, chain, mallory):
    """Mallory's look-alike bounty: FACTORY() is itself, it emitted a well-formed BountyCreated, holds 10 ETH."""
    from bounty_harness import DATA_CIDS, SPEC_CID

    return mallory.deploy(lookalike_types["LookAlike"], chain.pending_timestamp + 1_000, SPEC_CID, DATA_CIDS[0],
                          value=REWARD)
