"""The compiled contract types shipped with the package (``Bounty``, ``BountyExtension``, ``BountyFactory``,
``RerunJury``).

``import bounty_client`` + ``Bounty.at(address)`` must work from a notebook outside the
repository, where no Vyper sources or compiler are at hand; so the package carries
Ape ``ContractType`` JSON generated from ``contracts/*.vy`` (ABI, bytecode, docs and
the pc map Ape uses to name a revert's ``# dev:`` reason; the AST and source map,
95 % of the compiler output, are left out).

Regenerate after any contract change (one command, from the repository root)::

    make contracts          # = python -m bounty_client.contracts

``tests/contracts/test_shipped_types.py`` fails while the shipped types differ from a
fresh compile.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["CONTRACTS", "SHIPPED_FIELDS", "contract_type", "shipped_dict", "export"]

#: The contracts the client talks to.
CONTRACTS = ("Bounty", "BountyExtension", "BountyFactory", "RerunJury")
#: ``ContractType`` fields (by alias) kept in the shipped JSON.
SHIPPED_FIELDS = ("contractName", "sourceId", "abi", "deploymentBytecode", "runtimeBytecode", "pcmap",
                  "dev_messages", "methodIdentifiers", "userdoc", "devdoc")

_HERE = Path(__file__).resolve().parent


def shipped_dict(contract_type: Any) -> dict[str, Any]:
    """The part of an Ape ``ContractType`` that is shipped, as JSON-ready data."""
    data = contract_type.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {k: data[k] for k in SHIPPED_FIELDS if k in data}


@lru_cache(maxsize=None)
def contract_type(name: str) -> Any:
    """The shipped Ape ``ContractType`` of ``name`` (one of :data:`CONTRACTS`).

    Raises :class:`~bounty_client.errors.ChainError` for another name or a missing file."""
    from ethpm_types import ContractType

    from ..errors import ChainError

    path = _HERE / f"{name}.json"
    if name not in CONTRACTS or not path.is_file():
        raise ChainError(f"no shipped contract type {name!r} (have {list(CONTRACTS)}); run `make contracts`")
    return ContractType.model_validate_json(path.read_text())


def export(root: "str | Path" = ".", out: "str | Path" = _HERE) -> list[Path]:
    """Compile the Ape project at ``root`` and write ``<out>/<name>.json`` for each of
    :data:`CONTRACTS`; returns the paths written."""
    import ape

    containers = ape.Project(Path(root)).load_contracts()
    written = []
    for name in CONTRACTS:
        path = Path(out) / f"{name}.json"
        path.write_text(json.dumps(shipped_dict(containers[name].contract_type), indent=1, sort_keys=True) + "\n")
        written.append(path)
    return written
