"""Content-addressed storage for datasets, specs and reports.

Two backends with one interface, both giving exactly the CIDs that kubo's
default ``ipfs add`` gives (CIDv0, 256 KiB chunks, dag-pb UnixFS leaves,
balanced DAG of at most 174 links per node):

* :class:`LocalStore` - embedded store on the local disk, no daemon;
* :class:`KuboStore` - a kubo node through its RPC API (``aioipfs``);

both satisfy :class:`ContentStore` (:mod:`.base`), the interface the rest of the client takes.

``open_store(url)`` picks one from a URL; ``export_car``/``import_car`` move
DAGs between them (and any IPFS node) as CARv1 files.

>>> from bounty_client.storage import open_store       # doctest: +SKIP
>>> store = open_store("local:")                        # doctest: +SKIP
>>> cid = store.add("prices.csv")                       # doctest: +SKIP
>>> store.get(cid, "copy.csv")                          # doctest: +SKIP
"""

from __future__ import annotations

from .base import ContentStore
from .cid import CID, cid_str, parse_cid, to_cidv0, to_cidv1
from .errors import (
    BlockNotFoundError,
    CARError,
    CIDNotFoundError,
    ContentMismatchError,
    CorruptBlockError,
    CorruptDAGError,
    FileTooLargeError,
    KuboError,
    KuboTimeoutError,
    KuboUnavailableError,
    MalformedCIDError,
    NotPinnedError,
    StorageError,
    StoreRootError,
    StoreURLError,
    TruncatedBlockError,
    UnsupportedCIDError,
    UnsupportedDAGError,
)
from .local import LocalStore, StoredObject, default_store_root
from .unixfs import CHUNK_SIZE, MAX_LINKS, BuildResult, DagBuilder
from .url import open_store

__all__ = [
    "ContentStore",
    "LocalStore",
    "KuboStore",
    "StoredObject",
    "open_store",
    "default_store_root",
    "compute_cid",
    "export_car",
    "import_car",
    "CID",
    "parse_cid",
    "cid_str",
    "to_cidv0",
    "to_cidv1",
    "DagBuilder",
    "BuildResult",
    "CHUNK_SIZE",
    "MAX_LINKS",
    "StorageError",
    "MalformedCIDError",
    "UnsupportedCIDError",
    "CIDNotFoundError",
    "BlockNotFoundError",
    "CorruptBlockError",
    "TruncatedBlockError",
    "CorruptDAGError",
    "FileTooLargeError",
    "UnsupportedDAGError",
    "NotPinnedError",
    "StoreRootError",
    "StoreURLError",
    "CARError",
    "KuboError",
    "KuboUnavailableError",
    "KuboTimeoutError",
    "ContentMismatchError",
]


def __getattr__(name: str):
    # KuboStore pulls in asyncio; load it only when asked for.
    if name == "KuboStore":
        from .kubo import KuboStore

        return KuboStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def compute_cid(data, *, cid_version: int = 0) -> str:
    """The CID ``ipfs add --only-hash`` would print for ``data`` (bytes, a path
    or a binary file object), without storing anything."""
    import os
    from pathlib import Path

    from .local import _read_full

    builder = DagBuilder()
    if isinstance(data, (bytes, bytearray, memoryview)):
        builder.write(data)
    elif isinstance(data, (str, os.PathLike)):
        with open(Path(data), "rb", buffering=0) as f:
            buf = bytearray(CHUNK_SIZE)
            while n := _read_full(f, buf, f.readinto):
                builder.add_chunk(memoryview(buf)[:n])
    else:
        while chunk := data.read(CHUNK_SIZE):
            builder.write(chunk)
    cid = builder.finish().cid
    return str(cid) if cid_version == 0 else to_cidv1(cid)


def export_car(cid, path, store=None):
    """Write the DAG of ``cid`` from ``store`` (default: the default LocalStore) as CARv1."""
    return (store if store is not None else LocalStore()).export_car(cid, path)


def import_car(path, store=None):
    """Import a CARv1 file into ``store`` (default: the default LocalStore); returns its roots."""
    return (store if store is not None else LocalStore()).import_car(path)
