"""UnixFS files as dag-pb DAGs, byte-identical to kubo's default ``ipfs add``.

``ipfs add`` with default settings (kubo / boxo ``importer/balanced``):

* fixed-size chunks of 262,144 bytes (``--chunker=size-262144``);
* every chunk becomes a dag-pb node whose Data is a UnixFS ``File`` message
  holding the bytes (CIDv0 implies ``--raw-leaves=false``);
* a *balanced* tree with at most 174 links per node: one chunk is its own root;
  otherwise every leaf sits at the same depth ``D = ceil(log174(chunks))``,
  every internal node at depth ``d`` has up to 174 children of depth ``d-1``,
  filled left to right, and a partially filled last child is still an internal
  node of depth ``d-1`` (even when it holds a single chunk);
* internal nodes carry UnixFS ``File`` data with ``filesize`` (bytes below)
  and one ``blocksizes`` entry per child; each link has an empty ``Name``
  and ``Tsize`` = the child's cumulative size (its block plus all Tsizes in it).

Encodings (hand-written because they are tiny and must match go byte for byte):

* ``PBNode``: Links (field 2, repeated) are serialised *before* Data (field 1),
  as go-codec-dagpb does; each ``PBLink`` is Hash (1), Name (2, always written,
  even empty), Tsize (3).
* UnixFS ``Data``: Type (1), Data (2, omitted when empty), filesize (3),
  blocksizes (4, repeated, not packed).

:class:`DagBuilder` builds the tree in one streaming pass with bounded memory
(one pending link list per level), hashing every block exactly once;
:func:`decode_node` parses a block back for reading.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from .errors import CorruptDAGError, TruncatedBlockError

__all__ = [
    "CHUNK_SIZE",
    "MAX_LINKS",
    "TYPE_RAW",
    "TYPE_DIRECTORY",
    "TYPE_FILE",
    "Link",
    "Node",
    "BuildResult",
    "DagBuilder",
    "uvarint",
    "read_uvarint",
    "encode_leaf_parts",
    "encode_internal",
    "decode_node",
    "BlockSink",
]

CHUNK_SIZE = 262_144
MAX_LINKS = 174

TYPE_RAW = 0
TYPE_DIRECTORY = 1
TYPE_FILE = 2
_TYPE_NAMES = {0: "Raw", 1: "Directory", 2: "File", 3: "Metadata", 4: "Symlink", 5: "HAMTShard"}

_SHA256_MH = b"\x12\x20"

# A sink receives (multihash bytes, block parts, total length). The parts are
# bytes-like objects whose concatenation is the block; they may be memoryviews
# over a caller's buffer, valid only until the sink returns unless the caller
# arranges otherwise.
BlockSink = Callable[[bytes, Sequence[bytes], int], None]


# --------------------------------------------------------------------------
# protobuf primitives
# --------------------------------------------------------------------------

_VARINT_CACHE = [bytes([i]) for i in range(128)]


def uvarint(n: int) -> bytes:
    """Unsigned LEB128 (protobuf / multiformats varint)."""
    if n < 128:
        if n < 0:
            raise ValueError(f"varint of negative number {n}")
        return _VARINT_CACHE[n]
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def read_uvarint(buf, pos: int, end: int) -> tuple[int, int]:
    """Read a varint from ``buf[pos:end]``; return (value, new position).

    Raises :class:`TruncatedBlockError` when the buffer ends inside the varint
    and :class:`CorruptDAGError` when it is longer than 10 bytes.
    """
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise TruncatedBlockError("block ends inside a varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise CorruptDAGError("varint longer than 10 bytes")


# --------------------------------------------------------------------------
# encoding
# --------------------------------------------------------------------------

def _leaf_parts_uncached(n: int) -> tuple[bytes, bytes]:
    vn = uvarint(n)
    if n:
        unixfs_len = 2 + 1 + len(vn) + n + 1 + len(vn)
        header = b"\x0a" + uvarint(unixfs_len) + b"\x08\x02\x12" + vn
    else:  # the empty file: go omits the nil Data field
        unixfs_len = 2 + 1 + len(vn)
        header = b"\x0a" + uvarint(unixfs_len) + b"\x08\x02"
    trailer = b"\x18" + vn
    return header, trailer


_FULL_LEAF = _leaf_parts_uncached(CHUNK_SIZE)


def encode_leaf_parts(n: int) -> tuple[bytes, bytes]:
    """(header, trailer) such that ``header + chunk + trailer`` is the leaf block.

    The leaf is ``PBNode{Data: UnixFS{Type: File, Data: chunk, filesize: n}}``.
    """
    if n == CHUNK_SIZE:
        return _FULL_LEAF
    return _leaf_parts_uncached(n)


def encode_internal(links: Sequence["Link"]) -> bytes:
    """Encode an internal UnixFS File node over ``links`` (in order)."""
    parts: list[bytes] = []
    filesize = 0
    blocksizes: list[bytes] = []
    for link in links:
        cid = link.cid
        body = b"\x0a" + uvarint(len(cid)) + cid + b"\x12\x00\x18" + uvarint(link.tsize)
        parts.append(b"\x12" + uvarint(len(body)) + body)
        filesize += link.filesize
        blocksizes.append(b"\x20" + uvarint(link.filesize))
    unixfs = b"\x08\x02\x18" + uvarint(filesize) + b"".join(blocksizes)
    parts.append(b"\x0a" + uvarint(len(unixfs)) + unixfs)
    return b"".join(parts)


# --------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Link:
    """A child in the DAG: binary CID, cumulative DAG size (Tsize), file bytes below."""

    cid: bytes
    tsize: int
    filesize: int


@dataclass(frozen=True)
class BuildResult:
    """Outcome of building one file's DAG."""

    root: bytes          #: binary CID of the root (a CIDv0 is its multihash)
    size: int            #: cumulative DAG size (``Size`` in ``ipfs add`` output)
    filesize: int        #: bytes of file content
    blocks: int          #: blocks produced (leaves + internal nodes)

    @property
    def cid(self):
        """The root as a :class:`multiformats.CID` (version 0)."""
        from .cid import cid_from_digest

        return cid_from_digest(self.root[2:], version=0)

    def __str__(self) -> str:
        return str(self.cid)


class DagBuilder:
    """Streaming balanced-layout builder (kubo default ``ipfs add``).

    Feed full chunks with :meth:`add_chunk` (only the last may be short) or any
    pieces with :meth:`write`, then call :meth:`finish`. Each block is hashed
    once and handed to ``sink`` (if given) before any block that links to it.

    ``chunk_size`` and ``max_links`` exist so tests can exercise deep trees on
    small inputs; the defaults are kubo's.
    """

    __slots__ = ("_sink", "chunk_size", "max_links", "_levels", "_leaves", "_blocks",
                 "_filesize", "_pending", "_finished", "_last_short")

    def __init__(self, sink: Optional[BlockSink] = None, *, chunk_size: int = CHUNK_SIZE,
                 max_links: int = MAX_LINKS) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        if max_links < 2:
            raise ValueError(f"max_links must be >= 2, got {max_links}")
        self._sink = sink
        self.chunk_size = chunk_size
        self.max_links = max_links
        self._levels: list[list[Link]] = [[]]
        self._leaves = 0
        self._blocks = 0
        self._filesize = 0
        self._pending = bytearray()
        self._finished = False
        self._last_short = False

    def __repr__(self) -> str:
        return (f"DagBuilder(chunks={self._leaves}, filesize={self._filesize}, "
                f"chunk_size={self.chunk_size}, max_links={self.max_links})")

    # -- input ------------------------------------------------------------
    def add_chunk(self, chunk) -> None:
        """Add one chunk (bytes-like, at most ``chunk_size`` bytes, not empty)."""
        n = len(chunk)
        if n == 0:
            return
        if self._finished:
            raise RuntimeError("DagBuilder already finished")
        if n > self.chunk_size:
            raise ValueError(f"chunk of {n} bytes exceeds chunk_size {self.chunk_size}")
        if self._last_short:
            raise ValueError("only the last chunk may be shorter than chunk_size")
        if n < self.chunk_size:
            self._last_short = True
        header, trailer = encode_leaf_parts(n)
        h = hashlib.sha256(header)
        h.update(chunk)
        h.update(trailer)
        mh = _SHA256_MH + h.digest()
        size = len(header) + n + len(trailer)
        if self._sink is not None:
            self._sink(mh, (header, chunk, trailer), size)
        self._blocks += 1
        self._leaves += 1
        self._filesize += n
        self._push(0, Link(mh, size, n))

    def write(self, data) -> None:
        """Add arbitrary pieces of the file; re-chunks at ``chunk_size`` boundaries."""
        mv = memoryview(data).cast("B")
        pending = self._pending
        cs = self.chunk_size
        if pending:
            take = min(cs - len(pending), len(mv))
            pending += mv[:take]
            mv = mv[take:]
            if len(pending) == cs:
                self.add_chunk(bytes(pending))
                pending.clear()
        while len(mv) >= cs:
            self.add_chunk(mv[:cs])
            mv = mv[cs:]
        if len(mv):
            pending += mv

    # -- tree -------------------------------------------------------------
    def _emit(self, links: list[Link]) -> Link:
        block = encode_internal(links)
        mh = _SHA256_MH + hashlib.sha256(block).digest()
        if self._sink is not None:
            self._sink(mh, (block,), len(block))
        self._blocks += 1
        return Link(mh, len(block) + sum(l.tsize for l in links), sum(l.filesize for l in links))

    def _push(self, level: int, link: Link) -> None:
        levels = self._levels
        if level == len(levels):
            levels.append([])
        pending = levels[level]
        if len(pending) == self.max_links:
            parent = self._emit(pending)
            levels[level] = pending = []
            self._push(level + 1, parent)
        pending.append(link)

    def finish(self) -> BuildResult:
        """Close the tree and return the root."""
        if self._finished:
            raise RuntimeError("DagBuilder already finished")
        if self._pending:
            self.add_chunk(bytes(self._pending))
            self._pending.clear()
        self._finished = True
        if self._leaves == 0:
            header, trailer = encode_leaf_parts(0)
            block = header + trailer
            mh = _SHA256_MH + hashlib.sha256(block).digest()
            if self._sink is not None:
                self._sink(mh, (block,), len(block))
            self._blocks += 1
            return BuildResult(mh, len(block), 0, self._blocks)
        levels = self._levels
        if self._leaves == 1:
            leaf = levels[0][0]
            return BuildResult(leaf.cid, leaf.tsize, leaf.filesize, self._blocks)
        level = 0
        while True:
            node = self._emit(levels[level])
            levels[level] = []
            higher = any(levels[j] for j in range(level + 1, len(levels)))
            if not higher:
                return BuildResult(node.cid, node.tsize, node.filesize, self._blocks)
            self._push(level + 1, node)
            level += 1


# --------------------------------------------------------------------------
# decoding
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    """A decoded dag-pb UnixFS node.

    ``data`` is a memoryview into the block (no copy); ``links`` are (binary CID,
    Tsize) pairs; ``blocksizes`` and ``filesize`` come from the UnixFS message.
    """

    type: int
    data: memoryview
    filesize: Optional[int]
    blocksizes: tuple[int, ...]
    links: tuple[tuple[bytes, int], ...] = field(default=())

    @property
    def type_name(self) -> str:
        return _TYPE_NAMES.get(self.type, f"unknown({self.type})")


def _skip_field(buf, pos: int, end: int, wire: int) -> int:
    if wire == 0:
        _, pos = read_uvarint(buf, pos, end)
        return pos
    if wire == 2:
        n, pos = read_uvarint(buf, pos, end)
        if pos + n > end:
            raise TruncatedBlockError("length-delimited field runs past the end of the block")
        return pos + n
    if wire == 1:
        pos += 8
    elif wire == 5:
        pos += 4
    else:
        raise CorruptDAGError(f"unsupported protobuf wire type {wire}")
    if pos > end:
        raise TruncatedBlockError("fixed-width field runs past the end of the block")
    return pos


def _decode_link(buf, pos: int, end: int) -> tuple[bytes, int]:
    cid = None
    tsize = 0
    while pos < end:
        key, pos = read_uvarint(buf, pos, end)
        fn, wire = key >> 3, key & 7
        if fn == 1 and wire == 2:
            n, pos = read_uvarint(buf, pos, end)
            if pos + n > end:
                raise TruncatedBlockError("link hash runs past the end of the block")
            cid = bytes(buf[pos:pos + n])
            pos += n
        elif fn == 3 and wire == 0:
            tsize, pos = read_uvarint(buf, pos, end)
        else:
            pos = _skip_field(buf, pos, end, wire)
    if cid is None:
        raise CorruptDAGError("dag-pb link without a Hash")
    return cid, tsize


def decode_node(block) -> Node:
    """Decode a dag-pb block carrying UnixFS data.

    Raises :class:`TruncatedBlockError` if a field runs past the end and
    :class:`CorruptDAGError` if the structure is not dag-pb + UnixFS.
    """
    mv = memoryview(block)
    end = len(mv)
    pos = 0
    links: list[tuple[bytes, int]] = []
    data_start = data_end = -1
    while pos < end:
        key, pos = read_uvarint(mv, pos, end)
        fn, wire = key >> 3, key & 7
        if wire != 2 or fn not in (1, 2):
            raise CorruptDAGError(f"not a dag-pb node: unexpected field {fn} (wire type {wire})")
        n, pos = read_uvarint(mv, pos, end)
        if pos + n > end:
            raise TruncatedBlockError(
                f"dag-pb field {fn} declares {n} bytes but only {end - pos} remain")
        if fn == 2:
            links.append(_decode_link(mv, pos, pos + n))
        else:
            data_start, data_end = pos, pos + n
        pos += n
    if data_start < 0:
        raise CorruptDAGError("dag-pb node has no UnixFS Data field")
    # UnixFS Data message
    ftype = None
    fdata = mv[0:0]
    filesize = None
    blocksizes: list[int] = []
    pos, end = data_start, data_end
    while pos < end:
        key, pos = read_uvarint(mv, pos, end)
        fn, wire = key >> 3, key & 7
        if fn == 1 and wire == 0:
            ftype, pos = read_uvarint(mv, pos, end)
        elif fn == 2 and wire == 2:
            n, pos = read_uvarint(mv, pos, end)
            if pos + n > end:
                raise TruncatedBlockError(
                    f"UnixFS data declares {n} bytes but only {end - pos} remain")
            fdata = mv[pos:pos + n]
            pos += n
        elif fn == 3 and wire == 0:
            filesize, pos = read_uvarint(mv, pos, end)
        elif fn == 4 and wire == 0:
            v, pos = read_uvarint(mv, pos, end)
            blocksizes.append(v)
        elif fn == 4 and wire == 2:  # tolerate packed encoding
            n, pos = read_uvarint(mv, pos, end)
            sub_end = pos + n
            if sub_end > end:
                raise TruncatedBlockError("packed blocksizes run past the end of the block")
            while pos < sub_end:
                v, pos = read_uvarint(mv, pos, sub_end)
                blocksizes.append(v)
        else:
            pos = _skip_field(mv, pos, end, wire)
    if ftype is None:
        raise CorruptDAGError("UnixFS Data without a Type")
    return Node(ftype, fdata, filesize, tuple(blocksizes), tuple(links))
