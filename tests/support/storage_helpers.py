"""Test helpers for tests/storage: vector contents, an independent reference
DAG builder, and a fake kubo RPC server.

Not collected by pytest (no ``test_`` prefix); imported by the test modules.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import io

VECTORS_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "ipfs-cid-vectors.json"


def load_vectors() -> dict:
    """The kubo CID vectors from ../shared (next to the repository)."""
    for candidate in (VECTORS_PATH, Path("/work/shared/ipfs-cid-vectors.json")):
        if candidate.exists():
            return json.loads(candidate.read_text())
    raise FileNotFoundError(f"ipfs-cid-vectors.json not found at {VECTORS_PATH}")


def vector_content(name: str, size: int) -> bytes:
    """Content rule stated in the vectors' "about": byte i = (i*7 + i//251) % 256."""
    if name == "hello":
        return b"hello world\n"
    import numpy as np

    i = np.arange(size, dtype=np.int64)
    return ((i * 7 + i // 251) % 256).astype(np.uint8).tobytes()


# ---------------------------------------------------------------------------
# Independent reference builder: a literal transcription of boxo's
# importer/balanced Layout + fillNodeRec, with a generic protobuf encoder.
# It shares no code with bounty_client.storage.unixfs.
# ---------------------------------------------------------------------------

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _f_varint(num: int, v: int) -> bytes:
    return _varint(num << 3) + _varint(v)


def _f_bytes(num: int, b: bytes) -> bytes:
    return _varint((num << 3) | 2) + _varint(len(b)) + b


def ref_unixfs_file(data: bytes | None, blocksizes: list[int]) -> bytes:
    out = _f_varint(1, 2)                       # Type = File
    if data:                                    # go omits a nil Data
        out += _f_bytes(2, data)
    out += _f_varint(3, len(data or b"") + sum(blocksizes))  # filesize
    for bs in blocksizes:
        out += _f_varint(4, bs)                 # blocksizes, not packed
    return out


def ref_pbnode(links: list[tuple[bytes, int]], data: bytes) -> bytes:
    out = b""
    for h, tsize in links:                      # Links (2) before Data (1)
        out += _f_bytes(2, _f_bytes(1, h) + _f_bytes(2, b"") + _f_varint(3, tsize))
    return out + _f_bytes(1, data)


@dataclass
class RefNode:
    block: bytes
    filesize: int
    children: list["RefNode"] = field(default_factory=list)

    @property
    def mh(self) -> bytes:
        return b"\x12\x20" + hashlib.sha256(self.block).digest()

    @property
    def tsize(self) -> int:
        return len(self.block) + sum(c.tsize for c in self.children)

    def depth(self) -> int:
        return 0 if not self.children else 1 + self.children[0].depth()


class _Helper:
    def __init__(self, data: bytes, chunk_size: int, max_links: int) -> None:
        self.chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)]
        self.pos = 0
        self.max_links = max_links

    def done(self) -> bool:
        return self.pos >= len(self.chunks)

    def leaf(self) -> RefNode:
        chunk = self.chunks[self.pos]
        self.pos += 1
        return RefNode(ref_pbnode([], ref_unixfs_file(chunk, [])), len(chunk))


def _commit(children: list[RefNode]) -> RefNode:
    block = ref_pbnode([(c.mh, c.tsize) for c in children],
                       ref_unixfs_file(None, [c.filesize for c in children]))
    return RefNode(block, sum(c.filesize for c in children), children)


def _fill(db: _Helper, node: list[RefNode] | None, depth: int) -> RefNode:
    children = node if node is not None else []
    while len(children) < db.max_links and not db.done():
        children.append(db.leaf() if depth == 1 else _fill(db, None, depth - 1))
    return _commit(children)


def reference_dag(data: bytes, chunk_size: int = 262_144, max_links: int = 174) -> RefNode:
    """boxo balanced.Layout, step by step as the go code does it."""
    db = _Helper(data, chunk_size, max_links)
    if db.done():
        return RefNode(ref_pbnode([], ref_unixfs_file(None, [])), 0)
    root = db.leaf()
    depth = 1
    while not db.done():
        root = _fill(db, [root], depth)
        depth += 1
    return root


def ref_blocks(node: RefNode) -> dict[bytes, bytes]:
    out = {node.mh: node.block}
    for c in node.children:
        out.update(ref_blocks(c))
    return out


def cidv0(mh: bytes) -> str:
    from multiformats import CID

    return str(CID("base58btc", 0, "dag-pb", mh))


# ---------------------------------------------------------------------------
# Fake kubo RPC server
# ---------------------------------------------------------------------------

class FakeKubo:
    """A test double of kubo's RPC API on 127.0.0.1, because no kubo binary
    installs on this machine (it is not in any package registry reachable here).

    It replays kubo's wire format for the endpoints KuboStore uses: POST
    ``/api/v0/add`` (multipart upload, NDJSON ``{"Name","Hash","Size"}``),
    ``cat``, ``pin/add``, ``pin/rm``, ``pin/ls``, ``block/stat``, ``dag/export``,
    ``dag/import``, ``version``; errors as HTTP 500 with kubo's
    ``{"Message","Code","Type":"error"}`` body. CIDs are computed with the
    project's own DagBuilder (checked against kubo's vectors elsewhere) and
    blocks are kept in memory, so ``cat`` really reassembles a DAG.

    Knobs for failure tests: ``tamper`` (cat returns altered bytes),
    ``cat_delay`` (seconds to stall before answering cat). ``requests``
    records (endpoint, query params) of every call.
    """

    def __init__(self) -> None:
        from bounty_client.storage.unixfs import DagBuilder  # noqa: F401 (fail early)

        self.blocks: dict[bytes, bytes] = {}      # digest -> block
        self.pins: set[str] = set()
        self.requests: list[tuple[str, dict]] = []
        self.tamper = False
        self.cat_delay = 0.0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._send(self, 405, b"405 - Method Not Allowed\n", "text/plain")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def multiaddr(self) -> str:
        return f"/ip4/127.0.0.1/tcp/{self.port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    # -- helpers ----------------------------------------------------------
    @staticmethod
    def _read_body(h: BaseHTTPRequestHandler) -> bytes:
        if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                line = h.rfile.readline()
                n = int(line.strip().split(b";")[0], 16)
                if n == 0:
                    while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += h.rfile.read(n)
                h.rfile.readline()
        n = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(n) if n else b""

    @staticmethod
    def _multipart_files(h: BaseHTTPRequestHandler, body: bytes) -> list[tuple[str, bytes]]:
        ctype = h.headers.get("Content-Type", "")
        if "boundary=" not in ctype:
            raise ValueError("expected multipart/form-data")
        boundary = ctype.split("boundary=", 1)[1].split(";")[0].strip().strip('"').encode()
        files = []
        for part in body.split(b"--" + boundary)[1:]:
            if part.startswith(b"--"):
                break
            head, _, content = part.partition(b"\r\n\r\n")
            if content.endswith(b"\r\n"):
                content = content[:-2]
            name = ""
            for line in head.decode("latin-1").split("\r\n"):
                if line.lower().startswith("content-disposition") and "filename=" in line:
                    name = line.split("filename=", 1)[1].split(";")[0].strip().strip('"')
            files.append((name, content))
        return files

    def _send(self, h, status: int, body: bytes, ctype: str = "application/json",
              headers: dict | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _error(self, h, message: str, status: int = 500) -> None:
        body = json.dumps({"Message": message, "Code": 0, "Type": "error"}).encode() + b"\n"
        self._send(h, status, body)

    def _json(self, h, *objs) -> None:
        body = b"".join(json.dumps(o).encode() + b"\n" for o in objs)
        self._send(h, 200, body, headers={"X-Chunked-Output": "1"})

    def _digest(self, arg: str) -> tuple[bytes, str]:
        from bounty_client.storage.cid import cid_str, parse_cid

        c = parse_cid(arg)
        return c.raw_digest, cid_str(c)

    def read_file(self, digest: bytes) -> bytes:
        from bounty_client.storage.unixfs import decode_node

        node = decode_node(self.blocks[digest])
        out = bytes(node.data)
        for cid_bytes, _ in node.links:
            out += self.read_file(cid_bytes[2:])
        return out

    # -- dispatch ---------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        endpoint = url.path
        with self._lock:
            self.requests.append((endpoint, params))
        if not endpoint.startswith("/api/v0/"):
            self._send(h, 404, b"404 page not found\n", "text/plain")
            return
        cmd = endpoint[len("/api/v0/"):]
        body = self._read_body(h)
        try:
            handler = getattr(self, "_cmd_" + cmd.replace("/", "_"), None)
            if handler is None:
                self._send(h, 404, b"404 page not found\n", "text/plain")
                return
            handler(h, params, body)
        except KeyError as exc:
            self._error(h, f"block was not found locally (offline): ipld: could not find {exc.args[0]}")
        except Exception as exc:  # report like kubo does
            self._error(h, f"{type(exc).__name__}: {exc}")

    def _cmd_version(self, h, params, body) -> None:
        self._json(h, {"Version": "0.0.0-fake", "Commit": "", "Repo": "16",
                       "System": "fake/python", "Golang": ""})

    def _cmd_id(self, h, params, body) -> None:
        self._json(h, {"ID": "12D3KooWFake", "AgentVersion": "kubo/0.0.0-fake/", "Addresses": []})

    def _cmd_add(self, h, params, body) -> None:
        from bounty_client.storage.cid import cid_str
        from bounty_client.storage.unixfs import DagBuilder

        if params.get("cid-version", "0") != "0" or params.get("raw-leaves", "false") != "false" \
                or params.get("chunker", "size-262144") != "size-262144" \
                or params.get("trickle", "false") != "false":
            raise ValueError(f"fake kubo only implements the default importer, got {params}")
        entries = []
        for name, content in self._multipart_files(h, body):
            def sink(mh, parts, size):
                self.blocks[mh[2:]] = b"".join(bytes(p) for p in parts)
            b = DagBuilder(sink)
            b.write(content)
            res = b.finish()
            cid = cid_str(res.cid)
            if params.get("pin", "true") == "true":
                self.pins.add(cid)
            entries.append({"Name": name or cid, "Hash": cid, "Size": str(res.size)})
        self._json(h, *entries)

    def _cmd_cat(self, h, params, body) -> None:
        digest, cid = self._digest(params["arg"])
        if self.cat_delay:
            time.sleep(self.cat_delay)
        if digest not in self.blocks:
            raise KeyError(cid)
        data = self.read_file(digest)
        if self.tamper and data:
            data = bytes([data[0] ^ 1]) + data[1:]
        self._send(h, 200, data, "text/plain", {"X-Stream-Output": "1"})

    def _cmd_pin_add(self, h, params, body) -> None:
        digest, cid = self._digest(params["arg"])
        if digest not in self.blocks:
            raise KeyError(cid)
        self.pins.add(cid)
        self._json(h, {"Pins": [cid]})

    def _cmd_pin_rm(self, h, params, body) -> None:
        _, cid = self._digest(params["arg"])
        if cid not in self.pins:
            raise ValueError("not pinned or pinned indirectly")
        self.pins.discard(cid)
        self._json(h, {"Pins": [cid]})

    def _cmd_pin_ls(self, h, params, body) -> None:
        if "arg" in params:
            _, cid = self._digest(params["arg"])
            if cid not in self.pins:
                self._error(h, f"path '{cid}' is not pinned")
                return
            self._json(h, {"Keys": {cid: {"Type": "recursive"}}})
            return
        self._json(h, {"Keys": {c: {"Type": "recursive"} for c in sorted(self.pins)}})

    def _cmd_block_stat(self, h, params, body) -> None:
        digest, cid = self._digest(params["arg"])
        if digest not in self.blocks:
            raise KeyError(cid)
        self._json(h, {"Key": cid, "Size": len(self.blocks[digest])})

    def _cmd_dag_export(self, h, params, body) -> None:
        from bounty_client.storage.car import encode_header
        from bounty_client.storage.cid import parse_cid
        from bounty_client.storage.unixfs import decode_node, uvarint

        root = parse_cid(params["arg"])
        out = io.BytesIO()
        header = encode_header([root])
        out.write(uvarint(len(header)) + header)
        stack = [root.raw_digest]
        seen = set()
        while stack:
            d = stack.pop()
            if d in seen:
                continue
            seen.add(d)
            block = self.blocks[d]
            out.write(uvarint(34 + len(block)) + b"\x12\x20" + d + block)
            stack.extend(c[2:] for c, _ in reversed(decode_node(block).links))
        self._send(h, 200, out.getvalue(), "application/vnd.ipld.car")

    def _cmd_dag_import(self, h, params, body) -> None:
        from bounty_client.storage.car import iter_car
        from bounty_client.storage.cid import cid_str

        answers = []
        for _, content in self._multipart_files(h, body):
            roots, sections = iter_car(io.BytesIO(content))
            for sec in sections:
                self.blocks[sec.digest] = sec.data
            for r in roots:
                if params.get("pin-roots", "true") == "true":
                    self.pins.add(cid_str(r))
                answers.append({"Root": {"Cid": {"/": cid_str(r)}, "PinErrorMsg": ""}})
        self._json(h, *answers)
