"""Helpers for end-to-end tests: run `ape` as a user would, and a separate Anvil node."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(home: Path) -> dict:
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bindir, str(ROOT / "node_modules" / ".bin"), env.get("PATH", "")])
    # APE_DATA_FOLDER per home: Ape caches contract types by address for `--network http://...` nodes
    # and records deployments there; Anvil's addresses repeat across nodes, so a shared ~/.ape would
    # mix ABIs of different builds at one address (and one machine's factory record with another's).
    env.update(BOUNTY_HOME=str(home), BOUNTY_STORE_DIR=str(home / "ipfs"), TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONWARNINGS="ignore", APE_DATA_FOLDER=str(home / "ape"))
    env.pop("BOUNTY_FACTORY", None)
    return env


def run_ape(args, home: Path, cwd: Path = ROOT, timeout: int = 600, env: "dict | None" = None) -> subprocess.CompletedProcess:
    """Run ``ape <args>`` as a user would, capturing output (``env``: variables set over :func:`cli_env`'s)."""
    full = {**cli_env(home), **(env or {})}
    ape = shutil.which("ape", path=full["PATH"])
    return subprocess.run([ape, *args], cwd=cwd, env=full, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class Anvil:
    """A separate Anvil node on a loopback port (for commands that span several processes)."""

    def __init__(self, chain_id: int = 31337, block_time: "int | None" = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        anvil = shutil.which("anvil", path=cli_env(Path("/tmp"))["PATH"])
        args = [anvil, "--port", str(self.port), "--chain-id", str(chain_id), "--silent"]
        if block_time:  # a "live" chain: Ape waits for confirmations there
            args += ["--block-time", str(block_time)]
        self.proc = subprocess.Popen(args,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                self.rpc("eth_chainId")
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("anvil did not start")

    def rpc(self, method, params=()):
        import json
        import urllib.request

        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        req = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            out = json.loads(resp.read())
        if "error" in out:
            raise RuntimeError(out["error"])
        return out["result"]

    def travel(self, seconds: int) -> None:
        self.rpc("evm_increaseTime", [seconds])
        self.rpc("evm_mine")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()




class LiveNodeFacade:
    """A loopback JSON-RPC proxy in front of ``node`` (an :class:`Anvil`) that answers
    ``web3_clientVersion`` as a live client (Geth) does and refuses the development methods
    (``evm_*``, ``anvil_*``): what a live network looks like to the client, while every other call
    (and any transaction that slips through) still reaches the Anvil behind it, where a test can
    count them."""

    CLIENT_VERSION = "Geth/v1.14.11-stable/linux-amd64/go1.23.2"

    def __init__(self, node: Anvil):
        import json
        import threading
        import urllib.request
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        facade = self
        self.node = node
        self.dev_calls: list[str] = []

        def answer(call: dict) -> dict:
            method = call.get("method", "")
            if method == "web3_clientVersion":
                return {"jsonrpc": "2.0", "id": call.get("id"), "result": facade.CLIENT_VERSION}
            if method.startswith(("evm_", "anvil_", "hardhat_")):
                facade.dev_calls.append(method)
                return {"jsonrpc": "2.0", "id": call.get("id"),
                        "error": {"code": -32601, "message": f"the method {method} does not exist/is not available"}}
            body = json.dumps(call).encode()
            req = urllib.request.Request(node.url, body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read())

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                out = [answer(c) for c in payload] if isinstance(payload, list) else answer(payload)
                data = json.dumps(out).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
