"""Is the code at an address a genuine bounty?  The check every :class:`~bounty_client.chain.Bounty` passes
before the client reads or sends anything.

A look-alike contract (``FACTORY()`` answering itself, a forged ``BountyCreated``) could take a deposit
and never pay.  With a factory configured, a genuine bounty is the EIP-1167 clone of that factory's
implementation; without one, the chain of code is checked against the shipped ``Bounty`` and
``BountyFactory`` code (:func:`authenticate`).
"""

from __future__ import annotations

from typing import Any

from ..errors import NotABountyError
from .factory import Factory
from .project import contract_at, contract_container

__all__ = ["authenticate", "clone_target"]

# EIP-1167 minimal proxy runtime code (https://eips.ethereum.org/EIPS/eip-1167), what Vyper's
# `create_minimal_proxy_to` deploys: PREFIX + 20-byte implementation address + SUFFIX.
_EIP1167_PREFIX = bytes.fromhex("363d3d373d3d3d363d73")
_EIP1167_SUFFIX = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
# Immutables Vyper 0.4 appends to a contract's runtime code, one 32-byte word each in declaration
# order: Bounty has FACTORY, _IMPLEMENTATION, EXTENSION; BountyExtension has _SELF; BountyFactory
# has BOUNTY_IMPLEMENTATION.
_IMMUTABLE_WORDS = {"Bounty": 3, "BountyExtension": 1, "BountyFactory": 1}


def clone_target(code: bytes) -> "str | None":
    """The implementation address an EIP-1167 clone's runtime ``code`` delegates to, else ``None``."""
    code = bytes(code)
    if len(code) != 45 or not code.startswith(_EIP1167_PREFIX) or not code.endswith(_EIP1167_SUFFIX):
        return None
    from eth_utils import to_checksum_address

    return to_checksum_address(code[10:30])


def _immutables(code: bytes, name: str) -> "list[str] | None":
    """The immutable words (as addresses) of runtime ``code`` when it is the shipped ``name``'s runtime
    code plus its immutables, else ``None``.  Written here because the code comparison must ignore
    exactly the appended immutables and nothing else; no library does that for Vyper."""
    from eth_utils import to_checksum_address

    runtime = contract_container(name).contract_type.runtime_bytecode
    expected = bytes.fromhex((runtime.bytecode if runtime else "0x").removeprefix("0x"))
    words = _IMMUTABLE_WORDS[name]
    code = bytes(code)
    if not expected or len(code) != len(expected) + 32 * words or not code.startswith(expected):
        return None
    tail = code[len(expected):]
    return [to_checksum_address(tail[32 * i + 12 : 32 * i + 32]) for i in range(words)]


def authenticate(address: str, factory: Any = None) -> str:
    """Check that ``address`` is a genuine bounty; return its factory's address.

    With a ``factory`` (contract or address; ``None``: :func:`find_factory`'s configuration) the code
    at ``address`` must be the EIP-1167 clone of that factory's ``BOUNTY_IMPLEMENTATION()``.  With no
    factory configured the chain of code is checked instead: the clone's implementation must run the
    shipped ``Bounty`` runtime code (immutables aside) with ``_IMPLEMENTATION`` itself and ``FACTORY``
    a contract that runs the shipped ``BountyFactory`` code with ``BOUNTY_IMPLEMENTATION`` equal to that
    implementation.  Only such a factory can initialize the clone, and it does so in the clone's
    creation transaction, so the terms in its ``BountyCreated`` event are the clone's.

    Raises :class:`~bounty_client.errors.NotABountyError` naming the failed link (reads only)."""
    from ape import chain
    from eth_utils import to_checksum_address

    address = to_checksum_address(address)
    code = lambda a: bytes(chain.provider.get_code(a) or b"")  # noqa: E731
    target = clone_target(code(address))
    if target is None:
        raise NotABountyError(f"{address} is not a bounty: its code is not an EIP-1167 clone of a Bounty "
                              "implementation (a look-alike contract could take a deposit and never pay)")
    if factory is None:
        factory = Factory.find()
    if factory is not None:
        factory_address = to_checksum_address(str(getattr(factory, "address", factory)))
        implementation = Factory(contract_at("BountyFactory", factory_address)).implementation()
        if target != implementation:
            raise NotABountyError(f"{address} is not a bounty of the configured factory {factory_address}: it clones "
                                  f"{target}, the factory's implementation is {implementation}")
        return factory_address
    words = _immutables(code(target), "Bounty")
    if words is None:
        raise NotABountyError(f"{address} is not a bounty: the implementation it clones ({target}) does not run "
                              "the shipped Bounty code")
    factory_address, self_address, extension = words
    if self_address != target:
        raise NotABountyError(f"{address} is not a bounty: implementation {target} records {self_address} as itself")
    if _immutables(code(extension), "BountyExtension") != [extension]:
        raise NotABountyError(f"{address} is not a bounty: the extension of its implementation ({extension}) does not "
                              "run the shipped BountyExtension code")
    factory_words = _immutables(code(factory_address), "BountyFactory")
    if factory_words is None:
        raise NotABountyError(f"{address} is not a bounty: the factory of its implementation ({factory_address}) "
                              "does not run the shipped BountyFactory code")
    if factory_words[0] != target:
        raise NotABountyError(f"{address} is not a bounty: factory {factory_address} deploys {factory_words[0]}, "
                              f"not {target}")
    return factory_address
