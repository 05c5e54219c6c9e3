"""UnixFS directories as dag-pb DAGs, byte-identical to kubo's ``ipfs add -r``.

The stores add files; a folder (the explorer's static site) needs one more node type. What
``ipfs add -r FOLDER`` (CIDv0, default settings) builds, and what :func:`build_directory` builds:

* every regular file becomes the balanced file DAG of :class:`~.unixfs.DagBuilder`;
* every folder becomes one dag-pb node whose Data is the UnixFS message ``{Type: Directory}``
  (bytes ``08 01``) and whose links name the entries, **sorted by name** (go-merkledag sorts
  links bytewise when it encodes a node), each ``Tsize`` the child's cumulative DAG size;
* hidden entries (a name starting with ``.``) are skipped, as ``ipfs add -r`` does without
  ``--hidden``; symbolic links are refused (kubo would store them as UnixFS symlinks);
* kubo switches a folder to a HAMT-sharded directory once its links would exceed 256 KiB
  (names plus CIDs); such a folder is refused here rather than given a CID kubo would not give.

Checked against kubo's own vectors (``tests/unit/storage/test_directory.py``): the empty
folder ``QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn`` and the nested folder of kubo's
``t0040-add-and-cat.sh`` (``hey`` and ``hello/world``), ``QmZQWnfcqJ6hNkkPvrY9Q5X39GP3jUnUbAV4AbmbbR3Cb1``.

:func:`add_directory` puts such a folder into any store (LocalStore or KuboStore) through a
CAR file, the one import both backends verify block by block.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import StorageError
from .unixfs import CHUNK_SIZE, DagBuilder, uvarint

__all__ = ["DirectoryResult", "HAMT_THRESHOLD", "add_directory", "build_directory", "encode_directory"]

#: kubo's ``Import.UnixFSHAMTDirectorySizeThreshold`` (256 KiB of link names plus CIDs).
HAMT_THRESHOLD = 256 * 1024
_SHA256_MH = b"\x12\x20"
#: The UnixFS ``Data`` message of a basic directory: ``Type: Directory``.
_DIRECTORY_DATA = b"\x08\x01"

Sink = Callable[[bytes, bytes], None]  # (multihash = CIDv0 bytes, block)


@dataclass(frozen=True)
class DirectoryResult:
    """The root of a folder's DAG: its CIDv0 (``str``), cumulative size and block count."""

    cid: str
    size: int
    blocks: int

    def __str__(self) -> str:
        return self.cid


def encode_directory(entries: "list[tuple[str, bytes, int]]") -> bytes:
    """The dag-pb block of a basic UnixFS directory over ``(name, binary CID, tsize)`` entries.

    Links (field 2) come before Data (field 1), sorted by the UTF-8 bytes of their names."""
    parts = []
    for name, cid, tsize in sorted(entries, key=lambda e: e[0].encode()):
        raw = name.encode()
        body = b"\x0a" + uvarint(len(cid)) + cid + b"\x12" + uvarint(len(raw)) + raw + b"\x18" + uvarint(tsize)
        parts.append(b"\x12" + uvarint(len(body)) + body)
    parts.append(b"\x0a" + uvarint(len(_DIRECTORY_DATA)) + _DIRECTORY_DATA)
    return b"".join(parts)


def _file(path: Path, sink: "Sink | None") -> tuple[bytes, int, int]:
    """(binary CID, cumulative size, blocks) of one file, its blocks handed to ``sink``."""
    builder = DagBuilder(None if sink is None else (lambda mh, parts, size: sink(mh, b"".join(bytes(p) for p in parts))))
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            builder.write(chunk)
    built = builder.finish()
    return built.root, built.size, built.blocks


def _folder(path: Path, sink: "Sink | None") -> tuple[bytes, int, int]:
    entries: list[tuple[str, bytes, int]] = []
    blocks = 0
    for entry in sorted(os.scandir(path), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        child = Path(entry.path)
        if entry.is_symlink():
            raise StorageError(f"{child}: symbolic links are not added (kubo would store a UnixFS symlink)")
        if entry.is_dir():
            cid, size, n = _folder(child, sink)
        elif entry.is_file():
            cid, size, n = _file(child, sink)
        else:
            raise StorageError(f"{child}: not a regular file or folder")
        entries.append((entry.name, cid, size))
        blocks += n
    estimate = sum(len(name.encode()) + len(cid) for name, cid, _ in entries)
    if estimate > HAMT_THRESHOLD:
        raise StorageError(f"{path}: {len(entries)} entries exceed kubo's {HAMT_THRESHOLD} byte threshold for a basic "
                           "directory (kubo would shard it); split the folder")
    block = encode_directory(entries)
    mh = _SHA256_MH + hashlib.sha256(block).digest()
    if sink is not None:
        sink(mh, block)
    return mh, len(block) + sum(size for _, _, size in entries), blocks + 1


def build_directory(path: "str | os.PathLike[str]", sink: "Sink | None" = None) -> DirectoryResult:
    """The DAG ``ipfs add -r path`` builds (CIDv0); each block goes to ``sink(multihash, block)``,
    children before their parents.  Raises :class:`StorageError` when ``path`` is not a folder."""
    from .cid import cid_from_digest

    root = Path(path)
    if not root.is_dir():
        raise StorageError(f"{root}: not a folder")
    mh, size, blocks = _folder(root, sink)
    return DirectoryResult(str(cid_from_digest(mh[2:], version=0)), size, blocks)


def add_directory(store: Any, path: "str | os.PathLike[str]") -> str:
    """Add the folder at ``path`` to ``store`` (any store with ``import_car``) and pin it; returns
    the CID ``ipfs add -r path`` prints for it.  The blocks travel as one CAR file, which each
    store verifies block by block on import."""
    from .car import write_car
    from .cid import parse_cid

    blocks: dict[bytes, bytes] = {}  # the folder's blocks, each once (the explorer's sites are small)
    root = build_directory(path, lambda mh, block: blocks.setdefault(mh, block))
    with tempfile.TemporaryDirectory(prefix="bounty-dir-") as tmp:
        car = write_car(Path(tmp) / "folder.car", [parse_cid(root.cid)], blocks.items())
        roots = store.import_car(car)
    if root.cid not in roots:
        raise StorageError(f"{path}: the store imported {roots}, not the folder's root {root.cid}")
    return root.cid
