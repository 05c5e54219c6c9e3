"""KuboStore against a fake kubo daemon on 127.0.0.1.

The daemon here is a test double (storage_helpers.FakeKubo): no kubo binary
installs from this machine's package registries, so this module replays kubo's
RPC wire format from a local HTTP server. The same suite runs against a real
daemon in test_storage_kubo_real.py when BOUNTY_IPFS_API is set.
"""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import threading

import pytest

from bounty_client.storage import (
    ContentMismatchError,
    KuboError,
    KuboStore,
    KuboTimeoutError,
    KuboUnavailableError,
    StoreURLError,
    compute_cid,
)
from storage_kubo_suite import KuboSuite


@pytest.fixture
def kubo(kubo_fake_store):
    return kubo_fake_store


@pytest.fixture
def kubo_api(fake_kubo):
    return fake_kubo.multiaddr


class TestKuboStoreAgainstFakeDaemon(KuboSuite):
    """The shared suite, served by FakeKubo."""


# ------------------------------------------------------------ fake-only checks
def test_add_sends_kubos_default_importer_options(fake_kubo, kubo_fake_store):
    kubo_fake_store.add(b"options")
    endpoint, params = [r for r in fake_kubo.requests if r[0] == "/api/v0/add"][-1]
    assert params["cid-version"] == "0"
    assert params["chunker"] == "size-262144"
    assert params["raw-leaves"] == "false"
    assert params["trickle"] == "false"
    assert params["hash"] == "sha2-256"
    assert params["pin"] == "true"


def test_http_url_form_works(fake_kubo):
    with KuboStore(fake_kubo.http) as k:
        assert k.add(b"hello world\n") == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


def test_malformed_cid_sends_nothing(fake_kubo, kubo_fake_store):
    from bounty_client.storage import MalformedCIDError

    with pytest.raises(MalformedCIDError):
        kubo_fake_store.get("bad")
    assert fake_kubo.requests == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_daemon__says_how_to_start_one():
    port = _free_port()
    with KuboStore(f"/ip4/127.0.0.1/tcp/{port}", timeout=5) as k:
        with pytest.raises(KuboUnavailableError) as err:
            k.add(b"x")
        msg = str(err.value)
        assert f"/ip4/127.0.0.1/tcp/{port}" in msg and "ipfs daemon" in msg
        with pytest.raises(KuboUnavailableError, match="ipfs daemon"):
            k.get(compute_cid(b"x"))
        with pytest.raises(KuboUnavailableError):
            k.ls()
        with pytest.raises(KuboUnavailableError):
            k.version()
    assert isinstance(err.value, ConnectionError)


def test_slow_daemon__times_out(fake_kubo):
    with KuboStore(fake_kubo.multiaddr, timeout=10) as k:
        cid = k.add(b"slow")
    fake_kubo.cat_delay = 1.5
    with KuboStore(fake_kubo.multiaddr, timeout=0.3) as k:
        with pytest.raises(KuboTimeoutError, match="did not answer"):
            k.get(cid)


def test_tampered_bytes__refused(fake_kubo, tmp_path):
    with KuboStore(fake_kubo.multiaddr) as k:
        data = b"trust but verify" * 1000
        cid = k.add(data)
        fake_kubo.tamper = True
        with pytest.raises(ContentMismatchError, match=cid):
            k.get(cid)
        out = tmp_path / "out.bin"
        with pytest.raises(ContentMismatchError):
            k.get(cid, out)
        assert list(tmp_path.iterdir()) == [], "no file, not even a temporary one"
    with KuboStore(fake_kubo.multiaddr, verify=False) as k:
        assert k.get(cid) != data  # verify=False really skips the check


def test_not_a_kubo_api__clear_error():
    class NotFound(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    t = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    t.start()
    try:
        with KuboStore(f"http://127.0.0.1:{srv.server_address[1]}") as k:
            with pytest.raises(KuboError, match="is this a kubo RPC API"):
                k.version()
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("bad", ["", "localhost:5001", "/ip4/127.0.0.1", "http://:5001", "/ip4/999.1.1.1/tcp/1"])
def test_bad_api_address__rejected_at_construction(bad):
    with pytest.raises(StoreURLError):
        KuboStore(bad)


def test_repr_and_close_are_idempotent(fake_kubo):
    k = KuboStore(fake_kubo.multiaddr, timeout=7)
    assert repr(k) == f"KuboStore(api='{fake_kubo.multiaddr}', timeout=7)"
    k.version()
    k.close()
    k.close()
    assert "Version" in k.version()  # a closed store reopens on demand
    k.close()
