"""LocalStore: an embedded, daemon-free content-addressed block store.

Layout under the store root (created on the first write)::

    blocks/<2 hex>/<64 hex>    one file per block, named by its sha2-256 digest
    roots/<cidv1>.json         one record per added file (CID, size, name, time)
    pins/<cidv1>               present while the root is pinned

Every file is written through :func:`~bounty_client.storage.atomic.write_atomic`
(an exclusively created temporary file in its final directory, then renamed), so a
crash never leaves a half-written block under a valid name, and several processes
may add to one store at once (two writers of the same block write the same bytes;
the last rename wins). Reading hashes every block and compares it with the CID it
is stored under.

Untrusted DAGs (a CAR from a stranger) are read with bounded work: every traversal
is iterative (no recursion limit), :meth:`LocalStore.has` and
:meth:`LocalStore.iter_blocks` visit each distinct block once, and :meth:`LocalStore.get`
streams the file, refusing it (:class:`FileTooLargeError`) as soon as its declared or
streamed size exceeds ``max_file_size``. A DAG whose nodes link the same child many
times is legitimate (``ipfs add`` of a file of zeros does it), so repeated subtrees
are read once and replayed from memory instead of re-read.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator, NamedTuple, Optional, Union

import hashlib

from ..paths import STORE_ENV as _ENV_ROOT, default_store_root
from .atomic import PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, atomic_write, write_atomic
from .cid import CID, DAG_PB, RAW, CIDLike, cid_from_bytes, cid_from_digest, cid_str, parse_cid
from .errors import (
    BlockNotFoundError,
    CIDNotFoundError,
    CorruptBlockError,
    CorruptDAGError,
    FileTooLargeError,
    NotPinnedError,
    StorageError,
    StoreRootError,
    TruncatedBlockError,
    UnsupportedDAGError,
)
from .unixfs import CHUNK_SIZE, TYPE_FILE, TYPE_RAW, BuildResult, DagBuilder, decode_node, uvarint

__all__ = ["LocalStore", "StoredObject", "default_store_root", "DataLike", "DEFAULT_MAX_FILE_SIZE",
           "max_file_size_from_env"]

DataLike = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", BinaryIO]

_PREFETCH = 4          # blocks read ahead while writing the output
_WRITE_QUEUE = 4       # chunks in flight between hashing and the writer thread
_SMALL_BLOCK = 64 * 1024  # internal nodes are < 12 KiB; full-chunk leaves are > 256 KiB
_MEMO_SUBTREE = 1 << 20   # subtrees up to this many file bytes are kept when they recur ...
_MEMO_BUDGET = 64 << 20   # ... up to this many bytes in all, per get()

_ENV_MAX_SIZE = "BOUNTY_MAX_FILE_SIZE"
#: Default cap on the size of a file read from a store (bytes): far above any price table
#: or report, far below what fills a disk. Override with ``max_file_size=`` or
#: ``$BOUNTY_MAX_FILE_SIZE``.
DEFAULT_MAX_FILE_SIZE = 1 << 30


def max_file_size_from_env(value: Optional[int] = None) -> int:
    """``value`` if given, else ``$BOUNTY_MAX_FILE_SIZE``, else :data:`DEFAULT_MAX_FILE_SIZE`
    (bytes). Raises ``ValueError`` naming the source of a value that is not a positive integer."""
    source = "max_file_size"
    if value is None:
        env = os.environ.get(_ENV_MAX_SIZE)
        if not env:
            return DEFAULT_MAX_FILE_SIZE
        source = f"${_ENV_MAX_SIZE}"
        try:
            value = int(env)
        except ValueError:
            raise ValueError(f"{source} must be a whole number of bytes, got {env!r}") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{source} must be a positive whole number of bytes, got {value!r}")
    return value


def _too_large(what: str, size: int, cap: int) -> FileTooLargeError:
    return FileTooLargeError(
        f"{what} is {size} bytes, above the store's max_file_size of {cap} bytes; "
        f"pass max_file_size= (or set ${_ENV_MAX_SIZE}) to read a larger file you trust")


@dataclass(frozen=True)
class StoredObject:
    """One root listed by :meth:`LocalStore.ls` / :meth:`KuboStore.ls`."""

    cid: str
    size: Optional[int] = None      #: file size in bytes, when known
    name: Optional[str] = None      #: file name it was added from, if any
    pinned: bool = False
    added: Optional[str] = None     #: ISO-8601 UTC time of the (last) add


class _Ref(NamedTuple):
    """A block reference without multiformats overhead: (codec, sha2-256 digest)."""

    codec: int
    digest: bytes


def _ref_of(cid: CID) -> _Ref:
    return _Ref(cid.codec.code, cid.raw_digest)


def _ref_from_link(raw: bytes) -> _Ref:
    """Parse a binary CID from a dag-pb link (fast path for sha2-256)."""
    if len(raw) == 34 and raw[0] == 0x12 and raw[1] == 0x20:
        return _Ref(DAG_PB, raw[2:])
    if len(raw) == 36 and raw[0] == 0x01 and raw[2] == 0x12 and raw[3] == 0x20 and raw[1] < 0x80:
        return _Ref(raw[1], raw[4:])
    return _ref_of(parse_cid(cid_from_bytes(raw), field="link"))


def _ref_bytes(ref: _Ref) -> bytes:
    """Binary CID: CIDv0 (bare multihash) for dag-pb, CIDv1 otherwise."""
    if ref.codec == DAG_PB:
        return b"\x12\x20" + ref.digest
    return b"\x01" + uvarint(ref.codec) + b"\x12\x20" + ref.digest


def _ref_str(ref: _Ref) -> str:
    if ref.codec == DAG_PB:
        return str(cid_from_digest(ref.digest, version=0))
    return str(cid_from_digest(ref.digest, version=1, codec=ref.codec))


class _BlockWriter:
    """Writes blocks on a background thread (hashing and writing overlap).

    ``put`` enqueues a block; ``call`` enqueues a callback run after every block
    queued before it was written (used to recycle buffers). ``close`` waits and
    re-raises the first error from the thread.
    """

    def __init__(self, store: "LocalStore") -> None:
        self._store = store
        self._q: queue.Queue = queue.Queue(maxsize=_WRITE_QUEUE * 2)
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, name="bounty-store-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            kind, a, b, c = item
            try:
                if kind == "put":
                    if self._error is None:
                        self._store._write_block(a, b, c)
                else:
                    a()
            except BaseException as exc:  # reported by close()
                if self._error is None:
                    self._error = exc

    def put(self, mh: bytes, parts, size: int) -> None:
        if self._error is not None:
            raise self._error
        self._q.put(("put", mh, parts, size))

    def call(self, fn) -> None:
        self._q.put(("call", fn, None, None))

    def close(self) -> None:
        self._q.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


class LocalStore:
    """Content-addressed store on the local disk; CIDs identical to ``ipfs add``.

    >>> store = LocalStore("/tmp/example-store")        # doctest: +SKIP
    >>> cid = store.add(b"hello world\\n")                # doctest: +SKIP
    'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
    >>> store.get(cid)                                   # doctest: +SKIP
    b'hello world\\n'

    ``root`` defaults to :func:`default_store_root`. It is created on the first
    write; a root path that exists but is not a directory is refused. ``fsync``
    makes every write durable across power loss (slower); without it a write
    is still atomic with respect to crashes of this process. ``private=True``
    (the organizer's hidden test set) makes the root and its directories 0700
    and every file 0600, so other local users cannot read it; an existing root
    is narrowed to 0700 on first use. ``max_file_size`` (bytes; default
    ``$BOUNTY_MAX_FILE_SIZE`` or 1 GiB) caps what :meth:`get` and :meth:`verify`
    will read: :class:`FileTooLargeError` beyond it.
    """

    def __init__(self, root: Union[str, "os.PathLike[str]", None] = None, *,
                 fsync: bool = False, workers: int = 2, private: bool = False,
                 max_file_size: Optional[int] = None) -> None:
        self._root = Path(root).expanduser() if root is not None else default_store_root()
        self._fsync = fsync
        self._private = bool(private)
        self._file_mode = PRIVATE_FILE_MODE if self._private else PUBLIC_FILE_MODE
        self._dir_mode = 0o700 if self._private else 0o777
        self.max_file_size = max_file_size_from_env(max_file_size)
        self._workers = max(1, int(workers))
        self._blocks_dir = str(self._root / "blocks")
        self._known_dirs: set[str] = set()
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._laid_out = False
        if self._root.exists() and not self._root.is_dir():
            raise StoreRootError(
                f"store root {self._root} exists but is not a directory; pass root= (or set "
                f"{_ENV_ROOT}) to a directory path")

    # ------------------------------------------------------------------ misc
    @property
    def root(self) -> Path:
        """The store's directory."""
        return self._root

    @property
    def url(self) -> str:
        """A URL that :func:`open_store` maps back to this store."""
        return f"local:{self._root}"

    @property
    def private(self) -> bool:
        """True when directories are 0700 and files 0600."""
        return self._private

    def __repr__(self) -> str:
        extra = ", private=True" if self._private else ""
        return f"LocalStore(root={str(self._root)!r}{extra})"

    def __enter__(self) -> "LocalStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release; present for interface parity with KuboStore."""

    # ----------------------------------------------------------- filesystem
    def _check_root(self, create: bool) -> bool:
        root = self._root
        if root.is_dir():
            if create and not self._laid_out:
                self.init()
            return True
        if root.exists():
            raise StoreRootError(
                f"store root {root} exists but is not a directory; pass root= (or set "
                f"{_ENV_ROOT}) to a directory path")
        if not create:
            return False
        self.init()
        return True

    def init(self) -> "LocalStore":
        """Create the store's directory layout (done by the first write anyway).

        Makes the root and all 256 block shard directories up front, so adds
        never pay for directory creation. Safe to call any number of times,
        from several processes at once.
        """
        root = self._root
        if root.exists() and not root.is_dir():
            raise StoreRootError(
                f"store root {root} exists but is not a directory; pass root= (or set "
                f"{_ENV_ROOT}) to a directory path")
        mode = self._dir_mode
        try:
            if self._private:  # parents as usual; the root itself closed to others
                os.makedirs(root, exist_ok=True)
                os.chmod(root, 0o700)
            if not os.path.isdir(os.path.join(self._blocks_dir, "ff")):
                os.makedirs(self._blocks_dir, mode, exist_ok=True)
                for i in range(256):
                    os.makedirs(os.path.join(self._blocks_dir, f"{i:02x}"), mode, exist_ok=True)
            for sub in ("roots", "pins"):
                os.makedirs(root / sub, mode, exist_ok=True)
        except OSError as exc:
            raise StoreRootError(f"cannot create store root {root}: {exc}") from exc
        with self._lock:
            self._known_dirs.update(os.path.join(self._blocks_dir, f"{i:02x}") for i in range(256))
            self._laid_out = True
        return self

    def _ensure_dir(self, path: Union[Path, str]) -> None:
        key = str(path)
        if key in self._known_dirs:
            return
        os.makedirs(key, self._dir_mode, exist_ok=True)
        with self._lock:
            self._known_dirs.add(key)

    def _block_path(self, digest_hex: str) -> Path:
        return self._root / "blocks" / digest_hex[:2] / digest_hex

    def _atomic_write(self, path: Union[Path, str], parts, size: int) -> None:
        """Write ``parts`` (``size`` bytes in all) to ``path`` through the one atomic helper."""
        write_atomic(path, parts, mode=self._file_mode, fsync=self._fsync)

    def _write_block(self, mh: bytes, parts, size: int) -> None:
        digest_hex = mh[2:].hex()
        shard = f"{self._blocks_dir}/{digest_hex[:2]}"
        path = f"{shard}/{digest_hex}"
        try:
            if os.stat(path).st_size == size:
                return  # already stored (a damaged copy of another size is rewritten)
        except FileNotFoundError:
            pass
        if shard not in self._known_dirs:
            self._ensure_dir(shard)
        self._atomic_write(path, parts, size)

    def _write_json(self, path: Path, obj) -> None:
        self._ensure_dir(path.parent)
        data = (json.dumps(obj, sort_keys=True) + "\n").encode()
        self._atomic_write(path, (data,), len(data))

    # ------------------------------------------------------------------ add
    def add(self, data: DataLike, *, name: Optional[str] = None, pin: bool = True,
            cid_version: int = 0) -> str:
        """Store a file and return its CID (as ``ipfs add`` would print it).

        ``data`` is ``bytes``-like (stored as is), a path (``str`` or
        ``os.PathLike``; streamed from disk chunk by chunk) or a binary file
        object. ``cid_version=1`` returns the CIDv1 (base32) of the same DAG.
        The root is recorded for :meth:`ls` and, unless ``pin=False``, pinned.
        """
        if cid_version not in (0, 1):
            raise ValueError(f"cid_version must be 0 or 1, got {cid_version!r}")
        if isinstance(data, (bytes, bytearray, memoryview)):
            result = self._add_bytes(memoryview(data).cast("B"))
        elif isinstance(data, (str, os.PathLike)):
            path = Path(data)
            if not path.exists():
                hint = " (to store a string, pass bytes: text.encode())" if isinstance(data, str) else ""
                raise FileNotFoundError(f"add: no such file: {str(path)!r}{hint}")
            if path.is_dir():
                raise IsADirectoryError(f"add: {str(path)!r} is a directory; add files one by one")
            with open(path, "rb", buffering=0) as f:
                result = self._add_stream(f)
            name = name if name is not None else path.name
        elif hasattr(data, "readinto") or hasattr(data, "read"):
            result = self._add_stream(data)
        else:
            raise TypeError(
                f"add: data must be bytes, a path or a binary file object, not {type(data).__name__}")
        cid = result.cid
        self._record_root(cid, result.filesize, name, pin)
        return str(cid) if cid_version == 0 else str(cid.set(version=1, base="base32"))

    def _record_root(self, cid: CID, size: Optional[int], name: Optional[str], pin: bool) -> None:
        key = str(cid.set(version=1, base="base32"))
        path = self._root / "roots" / f"{key}.json"
        if name is None or size is None:  # keep what an earlier add knew
            try:
                old = json.loads(path.read_bytes())
                name = name if name is not None else old.get("name")
                size = size if size is not None else old.get("size")
            except (OSError, ValueError):
                pass
        record = {"cid": cid_str(cid), "size": size, "name": name,
                  "added": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self._write_json(path, record)
        if pin:
            self._write_json(self._root / "pins" / key, {"cid": cid_str(cid)})

    def _add_bytes(self, mv: memoryview) -> BuildResult:
        self._check_root(create=True)
        writer = _BlockWriter(self)
        builder = DagBuilder(writer.put)
        try:
            for off in range(0, len(mv), CHUNK_SIZE):
                builder.add_chunk(mv[off:off + CHUNK_SIZE])
            result = builder.finish()
        finally:
            writer.close()
        return result

    def _add_stream(self, f) -> BuildResult:
        self._check_root(create=True)
        free: queue.Queue = queue.Queue()
        for _ in range(_WRITE_QUEUE):
            free.put(bytearray(CHUNK_SIZE))
        readinto = getattr(f, "readinto", None)
        writer = _BlockWriter(self)
        builder = DagBuilder(writer.put)
        try:
            while True:
                buf = free.get()
                n = _read_full(f, buf, readinto)
                if n == 0:
                    break
                builder.add_chunk(memoryview(buf)[:n])
                writer.call(lambda b=buf: free.put(b))
                if n < CHUNK_SIZE:
                    break
            result = builder.finish()
        finally:
            writer.close()
        return result

    # ------------------------------------------------------------------ read
    def _read_verified(self, ref: _Ref, root: Optional[_Ref] = None) -> bytes:
        digest = ref.digest
        path = self._block_path(digest.hex())
        try:
            with open(path, "rb", buffering=0) as f:
                block = f.read()
        except FileNotFoundError:
            if root is None or root == ref:
                where = "" if self._root.is_dir() else " (the store directory does not exist yet)"
                raise CIDNotFoundError(
                    f"CID {_ref_str(ref)} is not in the store at {self._root}{where}",
                    cid=_ref_str(ref)) from None
            raise BlockNotFoundError(
                f"block {_ref_str(ref)} of {_ref_str(root)} is missing from the store at "
                f"{self._root} (incomplete import?)", cid=_ref_str(ref)) from None
        if hashlib.sha256(block).digest() != digest:
            self._raise_corrupt(ref, path, block)
        return block

    def _raise_corrupt(self, ref: _Ref, path: Path, block: bytes) -> None:
        truncated = len(block) == 0
        if not truncated and ref.codec == DAG_PB:
            try:
                decode_node(block)
            except TruncatedBlockError:
                truncated = True
            except StorageError:
                pass
        name = _ref_str(ref)
        if truncated:
            raise TruncatedBlockError(
                f"block {name} is truncated ({len(block)} bytes in {path}); "
                f"re-add or re-import the content", cid=name)
        raise CorruptBlockError(
            f"block {name} is corrupt: {path} does not hash to its CID "
            f"(the file was altered on disk); re-add or re-import the content", cid=name)

    def _open_node(self, ref: _Ref, block: bytes, root: _Ref):
        """Decode and check one dag-pb file node: (node, child refs)."""
        try:
            node = decode_node(block)
        except TruncatedBlockError as exc:
            raise TruncatedBlockError(f"block {_ref_str(ref)} is truncated: {exc}",
                                      cid=_ref_str(ref)) from None
        except CorruptDAGError as exc:
            raise CorruptDAGError(f"block {_ref_str(ref)} of {_ref_str(root)}: {exc}") from None
        if node.type not in (TYPE_FILE, TYPE_RAW):
            raise UnsupportedDAGError(
                f"CID {_ref_str(ref)} is a UnixFS {node.type_name}, not a file; "
                f"only files can be read")
        links = node.links
        if links:
            if len(node.blocksizes) != len(links):
                raise CorruptDAGError(
                    f"block {_ref_str(ref)}: {len(links)} links but {len(node.blocksizes)} blocksizes")
            # Declared sizes must add up before any child is read, so a lying node is refused
            # at once instead of after the bytes it promised were streamed.
            declared = len(node.data) + sum(node.blocksizes)
            if node.filesize is not None and node.filesize != declared:
                raise CorruptDAGError(
                    f"block {_ref_str(ref)}: filesize says {node.filesize} bytes, its data and "
                    f"blocksizes add up to {declared}")
        return node, [_ref_from_link(c) for c, _ in links]

    def _segments(self, ref: _Ref, block: bytes, root: _Ref, pool) -> Iterator[memoryview]:
        """Yield the file bytes under ``block`` in order, verified, within ``max_file_size``.

        Iterative depth-first walk (an explicit stack: no recursion limit on deep DAGs)
        with up to ``_PREFETCH`` children read ahead per node. A subtree of at most
        ``_MEMO_SUBTREE`` bytes that its parent links more than once is recorded the first
        time it is read and replayed for the other links, so work stays proportional to the
        output size even for DAGs that link one child many times.
        """
        cap = self.max_file_size
        emitted = 0
        memo: dict[_Ref, bytes] = {}  # by (codec, digest): one block means different bytes as raw and dag-pb
        memo_bytes = 0
        inflight: dict[_Ref, Any] = {}  # child -> its pending read (the same child queued twice)
        # frame: [ref, children, blocksizes, filesize, next index, pending deque, total, record,
        #         children linked more than once]
        stack: list[list] = []
        current: Optional[tuple[_Ref, Optional[bytes], Optional[bytes]]] = (ref, block, None)
        while True:
            result: Optional[int] = None
            if current is not None:
                cref, cblock, replay = current
                current = None
                if replay is not None or cref.codec == RAW:
                    seg = memoryview(replay if replay is not None else cblock)
                    emitted += len(seg)
                    if emitted > cap:
                        raise _too_large(f"file {_ref_str(root)}", emitted, cap)
                    for fr in stack:
                        if fr[7] is not None:
                            fr[7] += seg
                    yield seg
                    result = len(seg)
                else:
                    node, children = self._open_node(cref, cblock, root)
                    if not stack and node.filesize is not None and node.filesize > cap:
                        raise _too_large(f"file {_ref_str(root)} (declared size)", node.filesize, cap)
                    record = None  # record only a small subtree its parent links again
                    if stack and cref in stack[-1][8] and node.filesize is not None \
                            and node.filesize <= _MEMO_SUBTREE:
                        record = bytearray()
                    once: set[_Ref] = set()
                    repeated = {c for c in children if c in once or once.add(c)}
                    frame = [cref, children, node.blocksizes, node.filesize, 0, deque(), 0, record, repeated]
                    stack.append(frame)
                    if node.data:
                        seg = node.data
                        emitted += len(seg)
                        if emitted > cap:
                            raise _too_large(f"file {_ref_str(root)}", emitted, cap)
                        for fr in stack:
                            if fr[7] is not None:
                                fr[7] += seg
                        yield seg
                        frame[6] = len(seg)
            while True:
                if result is not None:
                    if not stack:
                        return result
                    parent = stack[-1]
                    index = parent[4] - len(parent[5]) - 1
                    expected = parent[2][index]
                    if result != expected:
                        child = parent[1][index]
                        raise CorruptDAGError(
                            f"block {_ref_str(parent[0])}: child {index} ({_ref_str(child)}) holds "
                            f"{result} bytes but blocksizes says {expected}")
                    parent[6] += result
                    result = None
                top = stack[-1]
                children, pending = top[1], top[5]
                while top[4] < len(children) and len(pending) < _PREFETCH:
                    child = children[top[4]]
                    top[4] += 1
                    if child in memo:
                        pending.append((child, None, memo[child]))
                    else:  # one read for a child queued several times
                        fut = inflight.get(child)
                        if fut is None:
                            fut = inflight[child] = pool.submit(self._read_verified, child, root)
                        pending.append((child, fut, None))
                if pending:
                    child, fut, replay = pending.popleft()
                    if replay is None and child in memo:  # recorded while it was queued
                        replay = memo[child]
                    if fut is not None and inflight.get(child) is fut and not any(f is fut for _, f, _ in pending):
                        del inflight[child]
                    current = (child, None if replay is not None else fut.result(), replay)
                    break
                stack.pop()
                total = top[6]
                if top[3] is not None and top[3] != total:
                    raise CorruptDAGError(
                        f"block {_ref_str(top[0])}: filesize says {top[3]} bytes, DAG holds {total}")
                record = top[7]
                if record is not None and memo_bytes + len(record) <= _MEMO_BUDGET:
                    memo[top[0]] = bytes(record)
                    memo_bytes += len(record)
                result = total

    def _open_root(self, cid: CIDLike) -> tuple[CID, _Ref, bytes]:
        c = parse_cid(cid)
        ref = _ref_of(c)
        return c, ref, self._read_verified(ref)

    def get(self, cid: CIDLike, path: Union[str, "os.PathLike[str]", None] = None):
        """Return the file stored under ``cid`` as bytes, or stream it to ``path``.

        Every block is hashed and compared with its CID before its bytes are
        used; on any mismatch a :class:`CorruptBlockError` naming the block is
        raised and nothing is returned. A file whose declared or streamed size
        exceeds ``max_file_size`` raises :class:`FileTooLargeError` (before
        anything is returned or renamed into place). With ``path`` the file is
        streamed block by block to a temporary file beside it (never held in
        memory) and renamed into place only once complete (an existing
        directory receives ``<dir>/<cid>``); returns the Path.
        """
        c, ref, block = self._open_root(cid)
        with ThreadPoolExecutor(self._workers, thread_name_prefix="bounty-store-read") as pool:
            if path is None:
                out = bytearray()
                for seg in self._segments(ref, block, ref, pool):
                    out += seg
                return bytes(out)
            target = Path(path)
            if target.is_dir():
                target = target / cid_str(c)
            with atomic_write(target, mode=self._file_mode, fsync=self._fsync) as out:
                for seg in self._segments(ref, block, ref, pool):
                    out.write(seg)
            return target

    def cat(self, cid: CIDLike) -> bytes:
        """Alias of ``get(cid)`` (kubo's name)."""
        return self.get(cid)

    def has(self, cid: CIDLike) -> bool:
        """True if the whole DAG of ``cid`` is present.

        Blocks are checked for presence; small blocks (every internal node is
        one) are read and decoded to find their children. Use :meth:`get` or
        :meth:`verify` to check content hashes.
        """
        root = _ref_of(parse_cid(cid))
        if not self._root.is_dir():
            self._check_root(create=False)
            return False
        seen: set[bytes] = {root.digest}  # each distinct block once: linear in the DAG's size
        stack = [root]
        while stack:
            cur = stack.pop()
            try:
                size = self._block_path(cur.digest.hex()).stat().st_size
            except FileNotFoundError:
                return False
            if cur.codec != DAG_PB or size > _SMALL_BLOCK:
                continue  # raw or a large block: a leaf holding a full chunk
            try:
                node = decode_node(self._read_verified(cur, root))
            except StorageError:
                return False
            for child, _ in node.links:
                ref = _ref_from_link(child)
                if ref.digest not in seen:
                    seen.add(ref.digest)
                    stack.append(ref)
        return True

    __contains__ = has

    def verify(self, cid: CIDLike) -> int:
        """Read and hash every block of ``cid``; return the file size or raise
        the error :meth:`get` would raise."""
        c, ref, block = self._open_root(cid)
        with ThreadPoolExecutor(self._workers, thread_name_prefix="bounty-store-read") as pool:
            return sum(len(seg) for seg in self._segments(ref, block, ref, pool))

    def iter_blocks(self, cid: CIDLike) -> Iterator[tuple[bytes, bytes]]:
        """(binary CID, block) for every block of the DAG, verified, depth-first
        in link order (root first), each block once."""
        root = _ref_of(parse_cid(cid))
        seen: set[bytes] = set()
        stack = [root]
        while stack:
            cur = stack.pop()
            if cur.digest in seen:
                continue
            seen.add(cur.digest)
            block = self._read_verified(cur, root)
            yield _ref_bytes(cur), block
            if cur.codec == DAG_PB:
                try:
                    node = decode_node(block)
                except TruncatedBlockError as exc:  # keep the precise type, add the block's name
                    raise TruncatedBlockError(f"block {_ref_str(cur)} is truncated: {exc}",
                                              cid=_ref_str(cur)) from None
                except CorruptDAGError as exc:
                    raise CorruptDAGError(f"block {_ref_str(cur)}: {exc}") from None
                stack.extend(_ref_from_link(c) for c, _ in reversed(node.links))

    def put_block(self, cid: CIDLike, block) -> None:
        """Store one raw block after checking that it hashes to ``cid``."""
        c = parse_cid(cid)
        if hashlib.sha256(block).digest() != c.raw_digest:
            raise CorruptBlockError(f"block for {cid_str(c)} does not hash to that CID", cid=cid_str(c))
        self._check_root(create=True)
        self._write_block(b"\x12\x20" + c.raw_digest, (block,), len(block))

    # ------------------------------------------------------------- pinning
    def _key(self, c: CID) -> str:
        return str(c.set(version=1, base="base32"))

    def pin(self, cid: CIDLike) -> None:
        """Pin ``cid`` (bookkeeping: the local store never deletes blocks)."""
        c = parse_cid(cid)
        if not self.has(c):
            raise CIDNotFoundError(f"cannot pin {cid_str(c)}: not in the store at {self._root}",
                                   cid=cid_str(c))
        key = self._key(c)
        if not (self._root / "roots" / f"{key}.json").exists():
            self._record_root(c, None, None, pin=False)
        self._write_json(self._root / "pins" / key, {"cid": cid_str(c)})

    def unpin(self, cid: CIDLike) -> None:
        """Remove the pin of ``cid``; :class:`NotPinnedError` if it has none."""
        c = parse_cid(cid)
        try:
            os.unlink(self._root / "pins" / self._key(c))
        except FileNotFoundError:
            raise NotPinnedError(f"{cid_str(c)} is not pinned in the store at {self._root}") from None

    def is_pinned(self, cid: CIDLike) -> bool:
        return (self._root / "pins" / self._key(parse_cid(cid))).exists()

    def pins(self) -> list[str]:
        """CIDs of the pinned roots."""
        return [o.cid for o in self.ls() if o.pinned]

    def ls(self) -> list[StoredObject]:
        """Roots added (or imported) into this store, oldest first."""
        roots_dir = self._root / "roots"
        if not roots_dir.is_dir():
            self._check_root(create=False)
            return []
        pins_dir = self._root / "pins"
        out = []
        for entry in os.scandir(roots_dir):
            if not entry.name.endswith(".json") or entry.name.startswith("."):
                continue
            try:
                with open(entry.path, "rb") as f:
                    rec = json.load(f)
            except (OSError, ValueError):
                continue
            key = entry.name[:-5]
            out.append(StoredObject(cid=rec.get("cid", key), size=rec.get("size"),
                                    name=rec.get("name"), pinned=(pins_dir / key).exists(),
                                    added=rec.get("added")))
        out.sort(key=lambda o: (o.added or "", o.cid))
        return out

    list = ls

    # ------------------------------------------------------------------ CAR
    def export_car(self, cid: CIDLike, path: Union[str, "os.PathLike[str]"]) -> Path:
        """Write the whole DAG of ``cid`` as a CARv1 file (``ipfs dag import``-able), atomically;
        0600 from a private store."""
        from .car import write_car

        c = parse_cid(cid)
        return write_car(path, [c], self.iter_blocks(c), mode=self._file_mode)

    def import_car(self, path: Union[str, "os.PathLike[str]"], *, pin: bool = True) -> list[str]:
        """Import a CARv1 file, verifying every block; returns its root CIDs.

        Every root must be complete in the store afterwards, else
        :class:`CARError`. Roots are recorded for :meth:`ls` and pinned.
        """
        from .car import CARError, read_car

        self._check_root(create=True)
        with open(path, "rb") as f:
            roots, sections = read_car(f, source=str(path))
            for sec in sections:
                self._write_block(b"\x12\x20" + sec.digest, (sec.data,), len(sec.data))
        out = []
        for r in roots:
            if not self.has(r):
                raise CARError(f"{path}: root {cid_str(r)} is incomplete: blocks of its DAG are "
                               f"missing from the CAR")
            size = None
            if r.codec.code == DAG_PB:
                node = decode_node(self._read_verified(_ref_of(r)))
                size = node.filesize
            self._record_root(r, size, None, pin)
            out.append(cid_str(r))
        return out


def _read_full(f, buf: bytearray, readinto) -> int:
    """Fill ``buf`` from ``f`` (short only at EOF); return the byte count."""
    n = 0
    size = len(buf)
    if readinto is not None:
        mv = memoryview(buf)
        while n < size:
            k = readinto(mv[n:])
            if not k:
                break
            n += k
        return n
    while n < size:
        chunk = f.read(size - n)
        if not chunk:
            break
        buf[n:n + len(chunk)] = chunk
        n += len(chunk)
    return n
