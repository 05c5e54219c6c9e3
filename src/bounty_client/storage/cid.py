"""CID helpers on top of the ``multiformats`` package.

Only what the stores need: parse a user-supplied CID string (``Qm...``,
``bafy...``, optionally prefixed by ``/ipfs/`` or ``ipfs://``) into a
:class:`multiformats.CID`, convert between CIDv0 and CIDv1 (base32), and name
blocks on disk by their multihash.
"""

from __future__ import annotations

from typing import Union

from multiformats import CID, multihash

from .errors import MalformedCIDError, UnsupportedCIDError

__all__ = [
    "CID",
    "CIDLike",
    "DAG_PB",
    "RAW",
    "SHA2_256",
    "parse_cid",
    "cid_from_digest",
    "cid_from_bytes",
    "to_cidv0",
    "to_cidv1",
    "cid_str",
    "block_key",
]

CIDLike = Union[str, CID]

DAG_PB = 0x70
RAW = 0x55
SHA2_256 = 0x12
_SHA256_PREFIX = b"\x12\x20"


def parse_cid(value: CIDLike, *, field: str = "cid") -> CID:
    """Parse ``value`` into a CID, or raise :class:`MalformedCIDError` naming it.

    Accepts a :class:`CID`, a CIDv0 (``Qm...``) or multibase CIDv1 string, with an
    optional ``/ipfs/`` or ``ipfs://`` prefix. The CID must use sha2-256 and the
    dag-pb or raw codec (what ``ipfs add`` produces); anything else raises
    :class:`UnsupportedCIDError`.
    """
    if isinstance(value, CID):
        cid = value
    else:
        if not isinstance(value, str):
            raise MalformedCIDError(
                f"{field}: expected a CID string, got {type(value).__name__} {value!r}"
            )
        text = value.strip()
        for prefix in ("/ipfs/", "ipfs://"):
            if text.startswith(prefix):
                text = text[len(prefix):]
        text = text.rstrip("/")
        if not text:
            raise MalformedCIDError(f"{field}: empty CID string {value!r}")
        try:
            cid = CID.decode(text)
        except Exception as exc:  # multiformats raises several KeyError/ValueError kinds
            raise MalformedCIDError(f"{field}: {value!r} is not a valid CID ({exc})") from None
    if cid.hashfun.code != SHA2_256 or len(cid.raw_digest) != 32:
        raise UnsupportedCIDError(
            f"{field}: {value!s} uses hash {cid.hashfun.name}; only sha2-256 CIDs are supported"
        )
    if cid.codec.code not in (DAG_PB, RAW):
        raise UnsupportedCIDError(
            f"{field}: {value!s} has codec {cid.codec.name}; only dag-pb and raw are supported"
        )
    return cid


def cid_from_digest(digest: bytes, *, version: int = 0, codec: int = DAG_PB) -> CID:
    """The CID of a block whose sha2-256 digest is ``digest``."""
    mh = multihash.wrap(digest, "sha2-256")
    if version == 0:
        return CID("base58btc", 0, "dag-pb", mh)
    return CID("base32", 1, codec, mh)


def cid_from_bytes(raw: bytes) -> CID:
    """Decode a binary CID (as found in dag-pb links and CAR sections)."""
    try:
        return CID.decode(bytes(raw))
    except Exception as exc:
        raise MalformedCIDError(f"binary CID {bytes(raw).hex()} is not valid ({exc})") from None


def to_cidv0(cid: CIDLike) -> str:
    """CIDv0 (``Qm...``) form of a dag-pb sha2-256 CID."""
    c = parse_cid(cid)
    if c.codec.code != DAG_PB:
        raise UnsupportedCIDError(f"{cid!s} has codec {c.codec.name}; CIDv0 exists only for dag-pb")
    return str(c.set(version=0, base="base58btc"))


def to_cidv1(cid: CIDLike) -> str:
    """CIDv1 in base32 (``bafy...``) of the same block: ``ipfs cid base32``."""
    return str(parse_cid(cid).set(version=1, base="base32"))


def cid_str(cid: CID) -> str:
    """Canonical display form: CIDv0 for dag-pb sha2-256, CIDv1 base32 otherwise."""
    if cid.codec.code == DAG_PB:
        return str(cid.set(version=0, base="base58btc"))
    return str(cid.set(version=1, base="base32"))


def block_key(cid: CID) -> str:
    """Name of a block on disk: the hex of its sha2-256 digest (codec-independent)."""
    return cid.raw_digest.hex()
