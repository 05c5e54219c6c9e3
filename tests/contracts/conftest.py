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

from bounty_client.chain.project import contract_at
from bounty_harness import (JURY_COMMIT, JURY_FEE, JURY_REVEAL, JURY_SLASH_BPS, JURY_STAKE, JURY_TOLERANCE, REWARD,
                            BountyHarness, create_call, creation_args, jury_terms)


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
def jurors(accounts):
    """The three jurors of the default jury (each stakes JURY_STAKE)."""
    return [accounts[5], accounts[6], accounts[7]]


@pytest.fixture(scope="session")
def watcher(accounts):
    """An honest stranger who verifies and challenges."""
    return accounts[8]


@pytest.fixture(scope="session")
def factory(project, deployer):
    bounty = deployer.declare(project.Bounty).contract_address
    extension = deployer.declare(project.BountyExtension).contract_address
    return deployer.deploy(project.BountyFactory, bounty, extension)


# The fixtures below that depend on `factory` are per test, not per session: Ape's isolation may re-run the
# session `factory` (fixture rebasing after a module's snapshot is reverted) while a session-cached jury or
# implementation of the old factory stays, which failed ("caller is not the factory", "jury: not a bounty
# of the factory") only in some xdist schedules.  A jury costs four transactions; an implementation a read.
@pytest.fixture
def make_jury(project, chain, factory, deployer):
    """Deploy a RerunJury over ``factory``: ``make_jury(jurors, stake=..., fee=..., staked=True, **kw)``."""

    def _make(jurors, *, stake=JURY_STAKE, fee=JURY_FEE, commit_period=JURY_COMMIT, reveal_period=JURY_REVEAL,
              tolerance=JURY_TOLERANCE, slash=JURY_SLASH_BPS, service=10**8, staked=True):
        jury = deployer.deploy(project.RerunJury, factory, [j.address for j in jurors], stake, fee, commit_period,
                               reveal_period, tolerance, slash, chain.pending_timestamp + service)
        if staked:
            for j in jurors:
                jury.stake(sender=j, value=stake)
        return jury

    return _make


@pytest.fixture
def jury(make_jury, jurors):
    """The default jury, every juror staked."""
    return make_jury(jurors)


@pytest.fixture
def implementation(project, factory):
    # Per test, not per session: when Ape rebases the session fixtures (a session fixture first asked
    # for after other modules' snapshots, depending on which files an xdist worker ran before), it
    # re-runs `factory` (it sends transactions) but keeps a cached `implementation` (it sends none),
    # which then belongs to the previous factory ("bounty: caller is not the factory").
    return project.Bounty.at(factory.BOUNTY_IMPLEMENTATION())


@pytest.fixture
def make_bounty(project, chain, factory, organizer):
    """Open a bounty: ``make_bounty(reward=..., sender=..., **creation_overrides)`` -> BountyHarness."""

    def _make(reward: int = REWARD, sender: Any = None, jury: Any = None, **overrides: Any) -> BountyHarness:
        sender = sender or organizer
        if jury is not None:
            overrides = {**jury_terms(jury), **overrides}
        args = creation_args(chain.pending_timestamp, **overrides)
        receipt = create_call(factory, sender, args, reward=reward)
        (event,) = receipt.decode_logs(factory.BountyCreated)
        # The client's merged type (Bounty's ABI with its extension's functions and events), with Ape's cache
        # replaced: `project.Bounty.at` has only Bounty.vy's ABI, merged with whatever an earlier test cached at
        # this (repeating) address, so events such as Challenged would exist in some orders only.
        contract = contract_at("Bounty", event.bounty)
        challenge_deadline = args["evaluation_deadline"] + args["challenge_period"]
        harness = BountyHarness(
            contract=contract,
            organizer=sender,
            chain=chain,
            submission_deadline=args["submission_deadline"],
            reveal_deadline=args["reveal_deadline"],
            evaluation_deadline=args["evaluation_deadline"],
            deposit=args["commit_deposit"],
            test_data_after=args["test_data_after"],
            created=event,
            ext=project.BountyExtension.at(event.bounty),
            challenge_deadline=challenge_deadline,
            resolution_deadline=challenge_deadline + args["resolution_period"],
            jury=jury,
        )
        harness.pay(sender, reward + args["bond"])
        return harness

    return _make


@pytest.fixture
def bounty(make_bounty) -> BountyHarness:
    """A default bounty: 10 ETH reward and 10 ETH bond, min accuracy 50%, winner takes all, no deposit,
    cap 100, sealed test set, no cost bound that matters, no arbiter (trusted scores)."""
    return make_bounty()


@pytest.fixture
def judged(make_bounty, jury) -> BountyHarness:
    """The default bounty judged by the default jury: challenge window CHALLENGE_PERIOD after the
    evaluation deadline, rulings RESOLUTION_PERIOD after that, bond CHALLENGE_BOND, tolerance 50 bps."""
    return make_bounty(jury=jury)


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
