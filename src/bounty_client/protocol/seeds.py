"""Evaluation seeds from the bounty's on-chain randomness (a rule the spec fixes).

Nobody may pick or know the training seeds while submissions or reveals are open: a
participant who knows them can tune to that seed's luck.  The contract records 32 bytes
of randomness with ``draw_randomness()``, callable only from the reveal deadline (see
``contracts/Bounty.vy``); the spec's ``protocol.seed_rule`` says how the ``protocol.seeds``
(= ``k``) evaluation seeds follow from it.  One rule exists:

``"keccak256-v1"``
    ``seed_i = uint32(keccak256(abi_encode(randomness, i)))`` for ``i = 0 .. k-1``, where
    ``randomness`` is the ``bytes32`` the contract recorded, ``i`` a ``uint256`` and
    ``uint32(x)`` the low 32 bits of ``x`` read as a big-endian integer (Vyper's
    ``convert(x, uint32)`` after masking; the seeds fit Keras' ``set_random_seed``).

Why our own code: the rule is four lines over Ethereum's own primitives (``eth_abi``'s
encoder and ``eth_hash``'s keccak, both Ape dependencies); what matters is that it is
written down once, here, and that every reader (organizer, verifier) calls this function.
"""

from __future__ import annotations

__all__ = ["SEED_RULES", "DEFAULT_SEED_RULE", "evaluation_seeds"]

#: Seed rules a spec may name (``protocol.seed_rule``).
SEED_RULES: tuple[str, ...] = ("keccak256-v1",)
DEFAULT_SEED_RULE = "keccak256-v1"
_MASK_32 = (1 << 32) - 1


def evaluation_seeds(randomness: "bytes | str", k: int, rule: str = DEFAULT_SEED_RULE) -> list[int]:
    """The ``k`` evaluation seeds (each ``0 .. 2**32-1``) derived from ``randomness``.

    ``randomness``: the contract's ``randomness()`` (32 bytes, or 0x-hex of them; all
    zeros means "not drawn" and is refused).  ``k``: ``protocol.seeds`` (1 or more).
    Raises :class:`~bounty_client.errors.ArgumentError` naming the bad argument (not 32
    bytes, not drawn, ``k`` < 1, unknown rule)."""
    from ..errors import ArgumentError

    if isinstance(randomness, str):
        text = randomness[2:] if randomness.startswith("0x") else randomness
        try:
            randomness = bytes.fromhex(text)
        except ValueError:
            raise ArgumentError(f"randomness: {randomness!r} is not hex") from None
    if not isinstance(randomness, (bytes, bytearray)) or len(randomness) != 32:
        raise ArgumentError(f"randomness: must be 32 bytes (the contract's bytes32), got {randomness!r}")
    if not any(randomness):
        raise ArgumentError("randomness: all zeros: the bounty's randomness has not been drawn yet")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ArgumentError(f"k: must be a positive number of seeds, got {k!r}")
    if rule not in SEED_RULES:
        raise ArgumentError(f"seed_rule: {rule!r} is not supported; choose one of {list(SEED_RULES)}")
    from eth_abi import encode
    from eth_hash.auto import keccak

    return [int.from_bytes(keccak(encode(["bytes32", "uint256"], [bytes(randomness), i])), "big") & _MASK_32
            for i in range(k)]
