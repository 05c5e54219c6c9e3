"""Where the contract types and the deployed factory come from: the Ape project, the shipped types, Ape's
deployments record.

The contract types come from this repository's Ape project (``contracts/``) when it is found
(``$BOUNTY_PROJECT``, the working directory or the package's checkout); anywhere else (a notebook
outside the checkout, an installed package) from the compiled types shipped in
:mod:`bounty_client.contracts`, which a test keeps equal to a fresh compile.  The factory that
``ape run bounty create --deploy-factory`` deployed is recorded where Ape keeps deployments for the
connected chain (:func:`record_factory`, :func:`recorded_factory`).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ChainError

__all__ = ["contracts_project", "contract_container", "contract_at", "record_factory", "recorded_factory"]


def _find_root() -> "Path | None":
    env = os.environ.get("BOUNTY_PROJECT")
    candidates = [Path(env)] if env else []
    cwd = Path.cwd().resolve()
    candidates += [cwd, *cwd.parents, Path(__file__).resolve().parents[3]]
    for c in candidates:
        if (c / "contracts" / "Bounty.vy").is_file() and (c / "ape-config.yaml").is_file():
            return c
    if env:
        raise ChainError(f"BOUNTY_PROJECT={env}: not the ML Bounty Ape project (no contracts/Bounty.vy)")
    return None


@lru_cache(maxsize=1)
def contracts_project() -> "Any | None":
    """The Ape project that holds ``Bounty`` and ``BountyFactory``, or ``None`` outside the
    checkout (then :func:`contract_container` uses the shipped types)."""
    import ape

    root = _find_root()
    if root is None:
        return None
    if Path(ape.project.path).resolve() == root:
        return ape.project
    return ape.Project(root)


@lru_cache(maxsize=None)
def contract_container(name: str) -> Any:
    """Ape's ``ContractContainer`` of ``"Bounty"``, ``"BountyExtension"``, ``"BountyFactory"`` or
    ``"RerunJury"``: from the Ape project when inside the checkout, else from the types shipped in
    :mod:`bounty_client.contracts`.

    ``"Bounty"``'s type carries the ABI of its extension too: a bounty runs ``BountyExtension``'s
    functions (the draw, the test data, cancel, challenges, rulings) from its own address by
    DELEGATECALL, so one contract object at the bounty's address calls both halves and decodes
    every event."""
    from ape.contracts import ContractContainer

    project = contracts_project()
    if project is not None:
        container = getattr(project, name)
    else:
        from ..contracts import contract_type

        container = ContractContainer(contract_type(name))
    if name != "Bounty":
        return container
    extension = contract_container("BountyExtension").contract_type
    return ContractContainer(_with_abi_of(container.contract_type, extension))


def _with_abi_of(base: Any, other: Any) -> Any:
    """``base`` (an ethpm ``ContractType``) with ``other``'s functions and events added to its ABI
    (each once; ``base``'s bytecode, name and docs kept). Written here because Ape has no notion of a
    contract whose functions live in a DELEGATECALL target."""
    def key(item: Any) -> tuple:
        return (item.type, getattr(item, "name", None), tuple(str(i) for i in getattr(item, "inputs", [])))

    seen = {key(item) for item in base.abi}
    extra = [item for item in other.abi if item.type in ("function", "event") and key(item) not in seen]
    # Validated (not model_copy(update=...)): the ABI list stays pydantic's ABIList, so Ape caching the
    # contract type later serializes it without warnings.
    return type(base).model_validate({**base.model_dump(by_alias=True, mode="json"),
                                      "abi": [item.model_dump(by_alias=True, mode="json") for item in [*base.abi, *extra]]})


def contract_at(name: str, address: Any) -> Any:
    """``name``'s contract at ``address`` with exactly our contract type.

    Ape caches contract types on disk per network and address and *merges* a cached ABI into
    the one given; on a devnet whose addresses repeat (Anvil's deterministic deployer) a stale
    entry from an older build would then mix old and new events.  ``replace=True`` makes the
    cache hold our type instead."""
    from ape import chain

    return chain.contracts.instance_at(address, contract_type=contract_container(name).contract_type,
                                       fetch_from_explorer=False, replace=True)


# ------------------------------------------------------------------ the deployments record
def _deployments_file() -> Path:
    """Ape's deployments file for this chain: ``<ape data folder>/deployments/<genesis hash>/BountyFactory.json``
    (the place and EthPM format of ``project.deployments.track``)."""
    from ape import chain, config

    genesis = chain.blocks[0].hash
    genesis_hex = genesis.hex() if isinstance(genesis, (bytes, bytearray)) else str(genesis)
    return Path(config.DATA_FOLDER) / "deployments" / genesis_hex.removeprefix("0x") / "BountyFactory.json"


def record_factory(factory: Any) -> Path:
    """Record ``factory``'s address where Ape keeps deployments for this chain (keyed by its
    genesis block); returns the file.

    Written here rather than by ``project.deployments.track``, which refuses development
    networks and needs a creation-receipt lookup not every node serves."""
    from ..storage.atomic import write_atomic

    path = _deployments_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps({"address": str(factory.address), "contractType": "BountyFactory"}).encode())
    return path


def recorded_factory() -> "str | None":
    """The factory address :func:`record_factory` recorded for the connected chain, or ``None`` (also when
    that address holds no code: an Anvil's genesis block depends only on its start second and options, so
    a node started in the same second as an earlier one finds that node's record, whose contracts it does
    not have; the next deployment replaces the record)."""
    from ape import chain

    path = _deployments_file()
    if not path.is_file():
        return None
    try:
        address = str(json.loads(path.read_text())["address"])
    except (ValueError, KeyError, TypeError):
        return None
    return address if chain.provider.get_code(address) else None
