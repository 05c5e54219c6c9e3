"""CARv1 files: the content-addressed archive ``ipfs dag import/export`` reads and writes.

Format (https://ipld.io/specs/transport/car/carv1/)::

    varint(len(header)) header          header = dag-cbor {"roots": [CID], "version": 1}
    varint(len(cid) + len(block)) cid block      ... one section per block

The header is encoded by hand in canonical dag-cbor (map keys sorted by
length, then bytes: ``roots`` before ``version``; CIDs as tag 42 over a byte
string ``0x00 || binary CID``). Reading accepts any valid dag-cbor header map
and checks every block's sha2-256 against its CID.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, NamedTuple, Sequence, Union

from .atomic import PUBLIC_FILE_MODE, atomic_write
from .cid import CID, cid_from_bytes, cid_from_digest
from .errors import CARError, StorageError
from .unixfs import read_uvarint, uvarint

__all__ = ["CARError", "CarBlock", "encode_header", "decode_header", "write_car", "read_car", "iter_car"]

_MAX_HEADER = 1 << 20
_MAX_NESTING = 16        # header CBOR nesting: {roots: [tag(bytes)]} needs 3
_MAX_SECTION = 1 << 24  # kubo's block limit is 2 MiB (4 MiB hard); allow headroom


def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([(major << 5) | n])
    if n < 0x100:
        return bytes([(major << 5) | 24, n])
    if n < 0x10000:
        return bytes([(major << 5) | 25]) + n.to_bytes(2, "big")
    if n < 0x100000000:
        return bytes([(major << 5) | 26]) + n.to_bytes(4, "big")
    return bytes([(major << 5) | 27]) + n.to_bytes(8, "big")


def encode_header(roots: Sequence[CID]) -> bytes:
    """Canonical dag-cbor of ``{"roots": [...], "version": 1}``."""
    out = bytearray()
    out += _cbor_head(5, 2)                       # map(2)
    out += _cbor_head(3, 5) + b"roots"            # "roots" (5 bytes sorts first)
    out += _cbor_head(4, len(roots))              # array
    for cid in roots:
        raw = b"\x00" + bytes(cid)
        out += _cbor_head(6, 42) + _cbor_head(2, len(raw)) + raw
    out += _cbor_head(3, 7) + b"version" + _cbor_head(0, 1)
    return bytes(out)


class _CborReader:
    """Just enough dag-cbor to read a CAR header."""

    def __init__(self, data: bytes, source: str) -> None:
        self.data, self.pos, self.source = data, 0, source

    def _fail(self, why: str) -> CARError:
        return CARError(f"{self.source}: malformed CAR header: {why}")

    def _arg(self, info: int) -> int:
        if info < 24:
            return info
        width = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
        if width is None:
            raise self._fail(f"unsupported CBOR length encoding {info}")
        if self.pos + width > len(self.data):
            raise self._fail("ends early")
        v = int.from_bytes(self.data[self.pos:self.pos + width], "big")
        self.pos += width
        return v

    def item(self, depth: int = 0):
        if depth > _MAX_NESTING:  # a header is a flat map; refuse deep nesting before recursion does
            raise self._fail(f"nested deeper than {_MAX_NESTING} levels")
        if self.pos >= len(self.data):
            raise self._fail("ends early")
        b = self.data[self.pos]
        self.pos += 1
        major, info = b >> 5, b & 31
        if major == 0:
            return self._arg(info)
        if major in (2, 3):
            n = self._arg(info)
            if self.pos + n > len(self.data):
                raise self._fail("string runs past the end")
            raw = self.data[self.pos:self.pos + n]
            self.pos += n
            if major == 2:
                return bytes(raw)
            try:
                return raw.decode()
            except UnicodeDecodeError:
                raise self._fail("invalid UTF-8 in a key") from None
        if major == 4:
            return [self.item(depth + 1) for _ in range(self._arg(info))]
        if major == 5:
            out = {}
            for _ in range(self._arg(info)):
                k = self.item(depth + 1)
                if not isinstance(k, (str, bytes, int)):
                    raise self._fail("map key is not a string")
                out[k] = self.item(depth + 1)
            return out
        if major == 6:
            tag = self._arg(info)
            val = self.item(depth + 1)
            if tag != 42 or not isinstance(val, bytes) or not val.startswith(b"\x00"):
                raise self._fail(f"unexpected tag {tag}")
            try:
                return cid_from_bytes(val[1:])
            except StorageError as exc:
                raise self._fail(str(exc)) from None
        if major == 7 and info in (20, 21, 22):
            return {20: False, 21: True, 22: None}[info]
        raise self._fail(f"unsupported CBOR item 0x{b:02x}")


def decode_header(data: bytes, source: str = "CAR") -> list[CID]:
    """Parse a CARv1 header and return its roots."""
    r = _CborReader(data, source)
    hdr = r.item()
    if r.pos != len(data):
        raise r._fail("trailing bytes after the header map")
    if not isinstance(hdr, dict):
        raise r._fail("not a map")
    if hdr.get("version") != 1:
        raise CARError(f"{source}: unsupported CAR version {hdr.get('version')!r} (only CARv1)")
    roots = hdr.get("roots")
    if not isinstance(roots, list) or not roots or not all(isinstance(c, CID) for c in roots):
        raise r._fail("'roots' must be a non-empty list of CIDs")
    return roots


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise EOFError
    return data


def _read_varint(f: BinaryIO) -> int | None:
    """Varint from a stream; None at a clean EOF."""
    result = shift = 0
    first = True
    while True:
        b = f.read(1)
        if not b:
            if first:
                return None
            raise EOFError
        first = False
        result |= (b[0] & 0x7F) << shift
        if b[0] < 0x80:
            return result
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


class CarBlock(NamedTuple):
    """One verified CAR section. ``cid_bytes`` is the binary CID as stored."""

    cid_bytes: bytes
    codec: int
    digest: bytes
    data: bytes

    @property
    def cid(self) -> CID:
        return cid_from_bytes(self.cid_bytes)


def _section_cid(section: bytes, source: str, offset: int) -> tuple[int, bytes, int]:
    """(codec, sha2-256 digest, CID length) of the CID opening a section."""
    if section[:2] == b"\x12\x20":       # CIDv0: a bare sha2-256 multihash
        if len(section) < 34:
            raise CARError(f"{source}: section at byte {offset}: truncated CID")
        return 0x70, section[2:34], 34
    try:
        version, pos = read_uvarint(section, 0, len(section))
        codec, pos = read_uvarint(section, pos, len(section))
        hcode, pos = read_uvarint(section, pos, len(section))
        hlen, pos = read_uvarint(section, pos, len(section))
    except StorageError as exc:
        raise CARError(f"{source}: section at byte {offset}: truncated or malformed CID "
                       f"({exc})") from None
    if version != 1:
        raise CARError(f"{source}: section at byte {offset}: CID version {version}")
    end = pos + hlen
    if end > len(section):
        raise CARError(f"{source}: section at byte {offset}: truncated CID")
    if hcode != 0x12 or hlen != 32:
        raise CARError(f"{source}: section at byte {offset}: hash function 0x{hcode:x}; only "
                       f"sha2-256 is supported")
    if codec not in (0x70, 0x55):
        raise CARError(f"{source}: section at byte {offset}: codec 0x{codec:x}; only dag-pb and "
                       f"raw blocks are supported")
    return codec, section[pos:end], end


def iter_car(f: BinaryIO, source: str = "CAR") -> tuple[list[CID], Iterator[CarBlock]]:
    """Read a CARv1 stream: (roots, iterator of verified :class:`CarBlock`)."""
    try:
        n = _read_varint(f)
        if n is None:
            raise CARError(f"{source}: empty file, not a CAR")
        if n == 0 or n > _MAX_HEADER:
            raise CARError(f"{source}: implausible CAR header length {n}")
        roots = decode_header(_read_exact(f, n), source)
    except CARError:
        raise  # already precise (CARError is a ValueError: keep it out of the handlers below)
    except EOFError:
        raise CARError(f"{source}: truncated CAR header") from None
    except ValueError as exc:
        raise CARError(f"{source}: bad CAR header length: {exc}") from None

    def sections() -> Iterator[CarBlock]:
        offset = len(uvarint(n)) + n
        while True:
            try:
                length = _read_varint(f)
                if length is None:
                    return
                if length == 0 or length > _MAX_SECTION:
                    raise CARError(f"{source}: section at byte {offset}: implausible length {length} "
                                   f"(a section holds 1 to {_MAX_SECTION} bytes)")
                section = _read_exact(f, length)
            except CARError:
                raise  # precise already ("implausible length 0"); CARError is a ValueError
            except EOFError:
                raise CARError(f"{source}: truncated section at byte {offset}") from None
            except ValueError as exc:  # only _read_varint's "varint too long" is left
                raise CARError(f"{source}: bad section length at byte {offset}: {exc}") from None
            codec, digest, clen = _section_cid(section, source, offset)
            block = section[clen:]
            if hashlib.sha256(block).digest() != digest:
                name = str(cid_from_digest(digest, version=0) if codec == 0x70 and clen == 34
                           else cid_from_digest(digest, version=1, codec=codec))
                raise CARError(f"{source}: block {name} (section at byte {offset}) does "
                               f"not hash to its CID")
            yield CarBlock(section[:clen], codec, digest, block)
            offset += len(uvarint(length)) + length

    return roots, sections()


read_car = iter_car


def write_car(path: Union[str, "os.PathLike[str]"], roots: Sequence[CID],
              blocks: Iterable[tuple[CID, bytes]], *, mode: int = PUBLIC_FILE_MODE) -> Path:
    """Write a CARv1 file atomically (:func:`~bounty_client.storage.atomic.atomic_write`:
    exclusive temporary file, fsync, rename); returns the path. ``mode``: permission bits
    (:data:`~bounty_client.storage.atomic.PRIVATE_FILE_MODE` for a private store's export)."""
    target = Path(path)
    header = encode_header(roots)
    with atomic_write(target, mode=mode) as out:
        out.write(uvarint(len(header)))
        out.write(header)
        for cid, block in blocks:
            raw = cid if isinstance(cid, (bytes, bytearray)) else bytes(cid)
            out.write(uvarint(len(raw) + len(block)))
            out.write(raw)
            out.write(block)
    return target
