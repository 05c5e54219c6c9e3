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


def run_ape(args, home: Path, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``ape <args>`` as a user would, capturing output."""
    ape = shutil.which("ape", path=cli_env(home)["PATH"])
    return subprocess.run([ape, *args], cwd=cwd, env=cli_env(home), capture_output=True, text=True,
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


