"""The contract types shipped in ``bounty_client/contracts/`` equal a fresh compile, and the
client works from them alone (as in a notebook outside the checkout)."""

from __future__ import annotations

import pytest

from bounty_client import chain as client_chain
from bounty_client.chain import project
from bounty_client.contracts import CONTRACTS, contract_type, shipped_dict


def _without_metadata(data: dict) -> dict:
    """The type with Vyper's CBOR metadata trailer cut off the deployment bytecode: it ends in a source
    integrity hash that also covers the path of the checkout (a clone in another folder compiles
    the same code with another trailer), and the EVM never executes it."""
    out = dict(data)
    for key in ("deploymentBytecode",):  # the runtime code carries no trailer
        code = (out.get(key) or {}).get("bytecode")
        if code:
            raw = bytes.fromhex(code.removeprefix("0x"))
            raw = raw[: -(int.from_bytes(raw[-2:], "big") + 2)]
            out[key] = {**out[key], "bytecode": "0x" + raw.hex()}
    return out


@pytest.mark.parametrize("name", CONTRACTS)
def test_shipped_type__equals_a_fresh_compile(project, name):
    fresh = _without_metadata(shipped_dict(getattr(project, name).contract_type))
    shipped = _without_metadata(shipped_dict(contract_type(name)))
    assert shipped == fresh, f"{name}: shipped type is stale; regenerate with `make contracts`"


@pytest.fixture
def outside_the_checkout(monkeypatch):
    """No Ape project to be found: the client must fall back on the shipped types."""
    monkeypatch.delenv("BOUNTY_PROJECT", raising=False)
    monkeypatch.setattr(project, "_find_root", lambda: None)
    project.contracts_project.cache_clear()
    project.contract_container.cache_clear()
    yield
    project.contracts_project.cache_clear()
    project.contract_container.cache_clear()


def test_bounty_at__outside_the_checkout__reads_the_bounty_from_the_shipped_types(outside_the_checkout, bounty):
    assert client_chain.contracts_project() is None
    b = client_chain.Bounty.at(bounty.address)
    assert b.contract.contract_type.name == "Bounty"
    status = b.status()
    assert (status.stage, status.reward, status.max_submissions) == (client_chain.Stage.SUBMISSION, 10**19, 100)
    assert b.creation().spec_cid == bounty.created.spec_cid


def test_deploy_factory__outside_the_checkout__deploys_from_the_shipped_types(outside_the_checkout, deployer, chain):
    factory = client_chain.deploy_factory(deployer)
    assert factory.contract.contract_type.name == "BountyFactory"
    assert chain.provider.get_code(factory.implementation())
