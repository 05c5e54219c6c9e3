"""KuboStore: the LocalStore interface over a kubo (go-ipfs) node's RPC API.

Uses :mod:`aioipfs` on a private event loop running in a background thread,
so the synchronous methods work everywhere, including Jupyter notebooks whose
own event loop is already running (``asyncio.run`` would fail there). The
``a``-prefixed coroutines (``aadd``, ``aget``, ...) can be awaited from any
event loop.

``add`` always sends kubo's defaults explicitly (``cid-version=0``,
``chunker=size-262144``, ``raw-leaves=false``, balanced layout, sha2-256), so
a node configured otherwise (``Import.CidVersion``, ``Import.UnixFSRawLeaves``
...) still returns the CID :class:`LocalStore` computes. ``get`` rebuilds the
CID from the bytes the node returns and refuses them on mismatch
(``verify=False`` skips this, e.g. for content added with non-default options).
"""

from __future__ import annotations

import asyncio
import io
import os
import threading
import warnings
import weakref
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional, Union
from urllib.parse import urlsplit

from .atomic import atomic_write
from .cid import RAW, CIDLike, cid_str, parse_cid, to_cidv1
from .errors import (
    CIDNotFoundError,
    ContentMismatchError,
    KuboError,
    KuboTimeoutError,
    KuboUnavailableError,
    NotPinnedError,
    StorageError,
    StoreURLError,
)
from .local import DataLike, StoredObject, _too_large, max_file_size_from_env
from .unixfs import CHUNK_SIZE, DagBuilder

__all__ = ["KuboStore", "DEFAULT_API", "ADD_PARAMS"]

DEFAULT_API = "/ip4/127.0.0.1/tcp/5001"

#: ``ipfs add`` options sent with every add: kubo's defaults, spelled out.
ADD_PARAMS = {
    "cid_version": 0,
    "chunker": f"size-{CHUNK_SIZE}",
    "raw_leaves": False,
    "trickle": False,
    "hash": "sha2-256",
}

_START_HINT = ("start one with `ipfs daemon` (kubo: https://docs.ipfs.tech/install/command-line/), "
               "point the store at a running node's RPC address, or use the embedded store "
               "with open_store('local:')")


def _parse_api(api: str) -> tuple[str, dict]:
    """Normalise ``api`` and return (display string, AsyncIPFS kwargs)."""
    if not isinstance(api, str) or not api.strip():
        raise StoreURLError(f"kubo api must be a multiaddr or http URL, got {api!r}")
    api = api.strip()
    if api.startswith(("http://", "https://")):
        parts = urlsplit(api)
        if not parts.hostname:
            raise StoreURLError(f"kubo api {api!r} has no host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 5001)
        except ValueError:
            raise StoreURLError(f"kubo api {api!r} has an invalid port") from None
        if parts.path not in ("", "/") and not parts.path.startswith("/api/v0"):
            raise StoreURLError(f"kubo api {api!r}: give only scheme://host:port")
        return api, {"host": parts.hostname, "port": port, "scheme": parts.scheme}
    if api.startswith("/"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from multiaddr import Multiaddr  # dependency of aioipfs
        try:
            ma = Multiaddr(api)
            names = [p.name for p in ma.protocols()]
        except Exception as exc:
            raise StoreURLError(f"kubo api {api!r} is not a valid multiaddr ({exc})") from None
        if "tcp" not in names or not {"ip4", "ip6", "dns", "dns4", "dns6"} & set(names):
            raise StoreURLError(f"kubo api multiaddr {api!r} needs a host and /tcp/<port>")
        return api, {"maddr": api}
    raise StoreURLError(f"kubo api {api!r}: expected a multiaddr like {DEFAULT_API} "
                        f"or http://host:port")


class _LoopThread:
    """A private asyncio loop on a daemon thread, owning one AsyncIPFS client."""

    def __init__(self, client_kwargs: dict) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = None
        self._client_kwargs = client_kwargs
        self.thread = threading.Thread(target=self._run, name="bounty-kubo-loop", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    async def get_client(self):
        if self.client is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import aioipfs
            self.client = aioipfs.AsyncIPFS(loop=self.loop, **self._client_kwargs)
        return self.client

    def submit(self, coro) -> "asyncio.Future":
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        if not self.loop.is_running():
            return

        async def _close():
            if self.client is not None:
                await self.client.close()

        try:
            asyncio.run_coroutine_threadsafe(_close(), self.loop).result(5)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self.thread:
            self.thread.join(5)
        if not self.loop.is_running():
            self.loop.close()


class KuboStore:
    """Store files on a kubo node; same interface as :class:`LocalStore`.

    ``api`` is the node's RPC address: a multiaddr (default
    ``/ip4/127.0.0.1/tcp/5001``) or ``http://host:port``. ``timeout`` (seconds)
    bounds every call; for streamed transfers it bounds each wait for data.
    Call :meth:`close` (or use ``with``) when done; it is also closed when
    garbage-collected. ``max_file_size`` (bytes; default ``$BOUNTY_MAX_FILE_SIZE``
    or 1 GiB) caps what :meth:`get` accepts from the node: the transfer is cut
    with :class:`FileTooLargeError` as soon as more arrives, before any check
    or rename.
    """

    def __init__(self, api: str = DEFAULT_API, *, timeout: float = 60.0, verify: bool = True,
                 max_file_size: Optional[int] = None) -> None:
        self.max_file_size = max_file_size_from_env(max_file_size)
        self._api, self._client_kwargs = _parse_api(api)
        if not timeout or timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.timeout = float(timeout)
        self.verify = verify
        self._lt: Optional[_LoopThread] = None
        self._lock = threading.Lock()
        self._finalizer = None

    # ------------------------------------------------------------------ misc
    @property
    def api(self) -> str:
        return self._api

    @property
    def url(self) -> str:
        return self._api

    def __repr__(self) -> str:
        return f"KuboStore(api={self._api!r}, timeout={self.timeout:g})"

    def __enter__(self) -> "KuboStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session and stop the background loop."""
        if self._finalizer is not None:
            self._finalizer()
        self._lt = None
        self._finalizer = None

    def _loop(self) -> _LoopThread:
        with self._lock:
            if self._lt is None:
                self._lt = _LoopThread(self._client_kwargs)
                self._finalizer = weakref.finalize(self, self._lt.stop)
            return self._lt

    # ------------------------------------------------------------- plumbing
    def _translate(self, exc: BaseException, what: str) -> BaseException:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import aiohttp
            import aioipfs
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, asyncio.TimeoutError):
            return KuboTimeoutError(
                f"kubo at {self._api} did not answer {what} within {self.timeout:g} s "
                f"(content not available on the node or its peers, or the node is overloaded); "
                f"raise KuboStore(timeout=...) if it is just slow")
        if isinstance(exc, (aiohttp.ClientConnectionError, aioipfs.IPFSConnectionError, ConnectionError)):
            return KuboUnavailableError(
                f"no kubo daemon answers at {self._api} ({type(exc).__name__}: {exc}); {_START_HINT}")
        if isinstance(exc, aioipfs.EndpointNotFoundError):
            return KuboError(f"{self._api} answered 404 for {what}: is this a kubo RPC API "
                             f"(usually port 5001, not the gateway on 8080)?")
        if isinstance(exc, aioipfs.APIError):
            msg = exc.message or ""
            low = msg.lower()
            if "not pinned" in low:
                return NotPinnedError(f"kubo at {self._api}: {what}: {msg}")
            if "not found" in low or "could not find" in low:
                return CIDNotFoundError(f"kubo at {self._api}: {what}: {msg}")
            return KuboError(f"kubo at {self._api}: {what} failed: {msg} (HTTP {exc.http_status})")
        if isinstance(exc, aioipfs.UnknownAPIError):
            return KuboError(f"kubo at {self._api}: {what} failed with an unexpected answer")
        return exc

    async def _guard(self, lt: _LoopThread, what: str, fn: Callable[[Any], Awaitable],
                     timeout: Optional[float]):
        try:
            client = await lt.get_client()
            if timeout is None:
                return await fn(client)
            return await asyncio.wait_for(fn(client), timeout)
        except BaseException as exc:
            new = self._translate(exc, what)
            if new is exc:
                raise
            raise new from None

    def _call(self, what: str, fn: Callable[[Any], Awaitable], timeout: Optional[float] = -1.0):
        if timeout is not None and timeout < 0:
            timeout = self.timeout
        lt = self._loop()
        return lt.submit(self._guard(lt, what, fn, timeout)).result()

    async def _acall(self, what: str, fn, timeout: Optional[float] = -1.0):
        if timeout is not None and timeout < 0:
            timeout = self.timeout
        lt = self._loop()
        return await asyncio.wrap_future(lt.submit(self._guard(lt, what, fn, timeout)))

    @staticmethod
    def _check(result, what: str):
        """aioipfs returns None on some connection failures instead of raising."""
        if result is None:
            raise ConnectionError(f"no answer to {what}")
        return result

    # ------------------------------------------------------------------ API
    def version(self) -> dict:
        """The node's ``/api/v0/version`` answer (also a cheap reachability check)."""
        return self._call("version", lambda c: self._fetch_json(c, "version", {}))

    async def _fetch_json(self, client, endpoint: str, params: dict, data=None):
        async with client.session.post(client.api_endpoint(endpoint), params=params,
                                       auth=client.auth, data=data) as resp:
            text = await resp.text()
            if resp.status != 200:
                client.core.handle_error(resp, text)
            import json

            lines = [json.loads(line) for line in text.splitlines() if line.strip()]
            return lines[-1] if lines else {}

    def _add_coro(self, data: DataLike, pin: bool):
        params = dict(ADD_PARAMS, pin=pin)
        if isinstance(data, (bytes, bytearray, memoryview)):
            payload = bytes(data)
            size = len(payload)

            async def run(client):
                return self._check(await client.core.add_bytes(payload, **params), "add")
        elif isinstance(data, (str, os.PathLike)):
            path = Path(data)
            if not path.exists():
                hint = " (to store a string, pass bytes: text.encode())" if isinstance(data, str) else ""
                raise FileNotFoundError(f"add: no such file: {str(path)!r}{hint}")
            if path.is_dir():
                raise IsADirectoryError(f"add: {str(path)!r} is a directory; add files one by one")
            size = path.stat().st_size

            async def run(client):
                with open(path, "rb") as f:
                    return await self._add_stream(client, f, path.name, params)
        elif isinstance(data, io.IOBase):
            try:
                size = os.fstat(data.fileno()).st_size
            except (OSError, AttributeError, io.UnsupportedOperation):
                size = 0

            async def run(client):
                return await self._add_stream(client, data, "", params)
        elif hasattr(data, "read"):
            payload = data.read()
            size = len(payload)

            async def run(client):
                return self._check(await client.core.add_bytes(payload, **params), "add")
        else:
            raise TypeError(
                f"add: data must be bytes, a path or a binary file object, not {type(data).__name__}")
        # big uploads get extra time: at least 1 MiB/s on top of the base timeout
        return run, self.timeout + size / (1 << 20)

    async def _add_stream(self, client, f, filename: str, params: dict):
        """POST /api/v0/add with the file streamed from ``f`` (not read into memory).

        (aioipfs' own ``add(path)`` wraps files in aiohttp's BytesIOPayload,
        which recent aiohttp versions reject for real files.)
        """
        from aiohttp import MultipartWriter, payload

        with MultipartWriter("form-data") as mp:
            part = payload.IOBasePayload(f, content_type="application/octet-stream")
            part.set_content_disposition("form-data", name="file", filename=filename)
            mp.append_payload(part)
        last = None
        async for entry in client.core.add_generic(mp, params=client.core._build_add_params(**params)):
            if "Hash" in entry:
                last = entry
        return self._check(last, "add")

    def add(self, data: DataLike, *, name: Optional[str] = None, pin: bool = True,
            cid_version: int = 0) -> str:
        """Add a file (bytes, path or binary file object) with kubo's default
        importer settings; returns the CID (v0, or v1 base32 with ``cid_version=1``).

        ``pin`` pins it on the node (kubo's default). ``name`` is accepted for
        interface parity with :class:`LocalStore`; kubo keeps no file names.
        """
        if cid_version not in (0, 1):
            raise ValueError(f"cid_version must be 0 or 1, got {cid_version!r}")
        run, timeout = self._add_coro(data, pin)
        entry = self._call("add", run, timeout)
        return self._add_result(entry, cid_version)

    async def aadd(self, data: DataLike, *, pin: bool = True, cid_version: int = 0) -> str:
        """Coroutine version of :meth:`add`."""
        run, timeout = self._add_coro(data, pin)
        return self._add_result(await self._acall("add", run, timeout), cid_version)

    def _add_result(self, entry, cid_version: int) -> str:
        try:
            cid = parse_cid(entry["Hash"])
        except (KeyError, TypeError, StorageError):
            raise KuboError(f"kubo at {self._api}: unexpected add answer {entry!r}") from None
        return cid_str(cid) if cid_version == 0 else to_cidv1(cid)

    def _check_content(self, cid, data_or_builder) -> None:
        """Rebuild the CID from the returned bytes (kubo default settings)."""
        if isinstance(data_or_builder, DagBuilder):
            builder = data_or_builder
        else:
            builder = DagBuilder()
            builder.write(data_or_builder)
        result = builder.finish()
        if cid.codec.code == RAW:
            return  # checked by the caller (single raw block)
        if result.root[2:] != cid.raw_digest:
            raise ContentMismatchError(
                f"kubo at {self._api} returned {result.filesize} bytes for {cid_str(cid)} that "
                f"hash to {result.cid} under default `ipfs add` settings; refusing them. If the "
                f"content was added with other options (raw leaves, trickle, another chunker), "
                f"use KuboStore(verify=False)")

    async def _cat_stream(self, client, cid, sink: Callable[[bytes], None]) -> None:
        url = client.api_endpoint("cat")
        resp = await asyncio.wait_for(
            client.session.post(url, params={"arg": str(cid)}, auth=client.auth), self.timeout)
        async with resp:
            if resp.status != 200:
                client.core.handle_error(resp, await resp.text())
            while True:
                chunk = await asyncio.wait_for(resp.content.read(1 << 20), self.timeout)
                if not chunk:
                    break
                sink(chunk)
            trailer = resp.headers.get("X-Stream-Error")
            if trailer:
                raise KuboError(f"kubo at {self._api}: cat {cid_str(cid)} failed mid-stream: {trailer}")

    def _sink(self, c, write: Callable[[bytes], Any]) -> "_CatSink":
        return _CatSink(c, write, self.max_file_size, self.verify, self._api)

    def get(self, cid: CIDLike, path: Union[str, "os.PathLike[str]", None] = None):
        """Return the file as bytes, or stream it to ``path`` (returns the Path).

        With ``verify`` (default) the bytes must rebuild ``cid``; written files
        are renamed into place only after that check. More than
        ``max_file_size`` bytes raise :class:`FileTooLargeError` as they arrive
        (nothing is kept).
        """
        c = parse_cid(cid)
        if path is None:
            buf = bytearray()
            sink = self._sink(c, buf.extend)
            self._call(f"cat {cid_str(c)}", lambda cl: self._cat_stream(cl, c, sink), None)
            sink.finish(self._check_content)
            return bytes(buf)
        target = Path(path)
        if target.is_dir():
            target = target / cid_str(c)
        with atomic_write(target) as out:
            sink = self._sink(c, out.write)
            self._call(f"cat {cid_str(c)}", lambda cl: self._cat_stream(cl, c, sink), None)
            sink.finish(self._check_content)
        return target

    async def aget(self, cid: CIDLike) -> bytes:
        """Coroutine version of ``get(cid)`` (bytes only)."""
        c = parse_cid(cid)
        buf = bytearray()
        sink = self._sink(c, buf.extend)
        await self._acall(f"cat {cid_str(c)}", lambda cl: self._cat_stream(cl, c, sink), None)
        sink.finish(self._check_content)
        return bytes(buf)

    def cat(self, cid: CIDLike) -> bytes:
        """Alias of ``get(cid)``."""
        return self.get(cid)

    def has(self, cid: CIDLike) -> bool:
        """True if the node holds the root block locally (``block stat --offline``)."""
        c = parse_cid(cid)

        async def run(client):
            try:
                await self._fetch_json(client, "block/stat", {"arg": str(c), "offline": "true"})
                return True
            except Exception as exc:
                new = self._translate(exc, "block/stat")
                if isinstance(new, (CIDNotFoundError,)) or (
                        isinstance(new, KuboError) and "not found" in str(new).lower()):
                    return False
                raise
        return self._call(f"block/stat {cid_str(c)}", run)

    __contains__ = has

    def pin(self, cid: CIDLike) -> None:
        """Pin ``cid`` recursively on the node."""
        c = parse_cid(cid)

        async def run(client):
            async for _ in client.pin.add(str(c)):
                pass
        self._call(f"pin/add {cid_str(c)}", run)

    def unpin(self, cid: CIDLike) -> None:
        """Remove the recursive pin of ``cid``; :class:`NotPinnedError` if there is none."""
        c = parse_cid(cid)
        self._call(f"pin/rm {cid_str(c)}", lambda cl: self._fetch_json(cl, "pin/rm", {"arg": str(c)}))

    def is_pinned(self, cid: CIDLike) -> bool:
        c = parse_cid(cid)

        async def run(client):
            try:
                await self._fetch_json(client, "pin/ls", {"arg": str(c), "type": "recursive"})
                return True
            except Exception as exc:
                if isinstance(self._translate(exc, "pin/ls"), (NotPinnedError, CIDNotFoundError)):
                    return False
                raise
        return self._call(f"pin/ls {cid_str(c)}", run)

    def pins(self) -> list[str]:
        """CIDs pinned recursively on the node."""
        return [o.cid for o in self.ls()]

    def ls(self) -> list[StoredObject]:
        """Recursively pinned roots on the node (kubo keeps no list of adds)."""
        answer = self._call("pin/ls", lambda cl: self._fetch_json(cl, "pin/ls", {"type": "recursive"}))
        keys = (answer or {}).get("Keys") or {}
        out = []
        for key in sorted(keys):
            try:
                cid = cid_str(parse_cid(key))
            except StorageError:
                cid = key
            out.append(StoredObject(cid=cid, pinned=True))
        return out

    list = ls

    # ------------------------------------------------------------------ CAR
    def export_car(self, cid: CIDLike, path: Union[str, "os.PathLike[str]"]) -> Path:
        """``ipfs dag export``: write the DAG as CARv1; every block is verified before the
        file is renamed into place (through :func:`~bounty_client.storage.atomic.atomic_write`)."""
        from .car import iter_car

        c = parse_cid(cid)
        target = Path(path)

        async def run(client, out):
            resp = await asyncio.wait_for(client.session.post(
                client.api_endpoint("dag/export"), params={"arg": str(c)}, auth=client.auth),
                self.timeout)
            async with resp:
                if resp.status != 200:
                    client.core.handle_error(resp, await resp.text())
                while True:
                    chunk = await asyncio.wait_for(resp.content.read(1 << 20), self.timeout)
                    if not chunk:
                        break
                    out.write(chunk)
        with atomic_write(target) as out:
            self._call(f"dag/export {cid_str(c)}", lambda cl: run(cl, out), None)
            out.seek(0)  # the temporary file is open for reading too: verify before the rename
            roots, sections = iter_car(out, source=f"dag/export of {cid_str(c)}")
            for _ in sections:
                pass
        return target

    def import_car(self, path: Union[str, "os.PathLike[str]"], *, pin: bool = True) -> list[str]:
        """``ipfs dag import``: verify the CAR locally, send it, return its roots."""
        from .car import iter_car

        with open(path, "rb") as f:
            roots, sections = iter_car(f, source=str(path))
            for _ in sections:
                pass

        async def run(client):
            from aiohttp import MultipartWriter, payload

            with open(path, "rb") as f:
                with MultipartWriter("form-data") as mp:
                    part = payload.IOBasePayload(f, content_type="application/octet-stream")
                    part.set_content_disposition("form-data", name="file",
                                                 filename=os.path.basename(path))
                    mp.append_payload(part)
                return await self._fetch_json(client, "dag/import",
                                              {"pin-roots": "true" if pin else "false"}, data=mp)
        self._call(f"dag/import {path}", run, self.timeout + os.path.getsize(path) / (1 << 20))
        return [cid_str(r) for r in roots]


class _CatSink:
    """Receives a ``cat`` stream: counts bytes against the cap, verifies as it goes
    (a :class:`DagBuilder` rebuilding the CID, or sha2-256 for a raw block) and
    passes each chunk on; nothing is buffered here."""

    def __init__(self, c, write: Callable[[bytes], Any], cap: int, verify: bool, api: str) -> None:
        import hashlib

        self.c, self.write, self.cap, self.api = c, write, cap, api
        self.size = 0
        raw = c.codec.code == RAW
        self.builder = DagBuilder() if verify and not raw else None
        self.hasher = hashlib.sha256() if verify and raw else None

    def __call__(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.cap:
            raise _too_large(f"kubo at {self.api}: file {cid_str(self.c)}", self.size, self.cap)
        self.write(chunk)
        if self.builder is not None:
            self.builder.write(chunk)
        elif self.hasher is not None:
            self.hasher.update(chunk)

    def finish(self, check_content: Callable[[Any, Any], None]) -> None:
        """Raise :class:`ContentMismatchError` if the bytes do not rebuild the CID."""
        if self.builder is not None:
            check_content(self.c, self.builder)
        elif self.hasher is not None and self.hasher.digest() != self.c.raw_digest:
            raise ContentMismatchError(
                f"kubo at {self.api} returned bytes that do not hash to {cid_str(self.c)}")
