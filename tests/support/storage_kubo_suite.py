"""The KuboStore test suite, shared by the fake-daemon and real-daemon modules.

A test module subclasses :class:`KuboSuite` and provides a ``kubo`` fixture
(a KuboStore) and a ``kubo_api`` fixture (its RPC address). Contents are
random per run so the suite can be repeated against a long-lived real node.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from bounty_client.storage import (
    CIDNotFoundError,
    KuboStore,
    KuboTimeoutError,
    LocalStore,
    MalformedCIDError,
    NotPinnedError,
    compute_cid,
    to_cidv1,
)
from bounty_client.storage.unixfs import CHUNK_SIZE
from storage_helpers import vector_content


class KuboSuite:
    """Behaviour every KuboStore must show, whatever daemon is behind it."""

    def test_version__answers(self, kubo):
        assert "Version" in kubo.version()

    def test_add_bytes__kubo_vectors(self, kubo, vectors):
        for name in ("empty", "hello", "chunk_plus_one", "one_mib"):
            entry = vectors[name]
            data = vector_content(name, entry["size"])
            assert kubo.add(data) == entry["cidv0"], name
            assert kubo.get(entry["cidv0"]) == data

    def test_add_path__same_cid_as_local_store_and_round_trip(self, kubo, tmp_path):
        data = os.urandom(2 * CHUNK_SIZE + 99)
        src = tmp_path / "in.bin"
        src.write_bytes(data)
        cid = kubo.add(src)
        assert cid == compute_cid(data) == LocalStore(tmp_path / "local").add(src)
        assert kubo.get(cid) == data
        out = kubo.get(cid, tmp_path / "out.bin")
        assert out.read_bytes() == data

    def test_add__cidv1(self, kubo):
        data = os.urandom(100)
        v1 = kubo.add(data, cid_version=1)
        assert v1 == to_cidv1(compute_cid(data))
        assert kubo.get(v1) == data

    def test_has(self, kubo):
        data = os.urandom(50)
        cid = kubo.add(data)
        assert kubo.has(cid)
        assert not kubo.has(compute_cid(os.urandom(50)))

    def test_pin_unpin_ls(self, kubo):
        cid = kubo.add(os.urandom(64), pin=False)
        assert not kubo.is_pinned(cid)
        kubo.pin(cid)
        assert kubo.is_pinned(cid)
        assert cid in kubo.pins()
        assert any(o.cid == cid and o.pinned for o in kubo.ls())
        kubo.unpin(cid)
        assert not kubo.is_pinned(cid)
        with pytest.raises(NotPinnedError):
            kubo.unpin(cid)

    def test_malformed_cid__rejected_before_any_request(self, kubo):
        with pytest.raises(MalformedCIDError, match="not a valid CID"):
            kubo.get("Qm-not-a-cid")
        with pytest.raises(MalformedCIDError):
            kubo.pin("nope")

    def test_unknown_cid__not_found_or_timeout(self, kubo_api):
        # A real online node searches the network for unknown content until the
        # timeout; an offline one (and the fake) answers "not found".
        with KuboStore(kubo_api, timeout=2) as k:
            with pytest.raises((CIDNotFoundError, KuboTimeoutError)):
                k.get(compute_cid(os.urandom(40)))

    def test_car__local_to_kubo_and_back(self, kubo, tmp_path):
        data = os.urandom(CHUNK_SIZE + 3)
        local = LocalStore(tmp_path / "local")
        cid = local.add(data)
        car = local.export_car(cid, tmp_path / "a.car")
        assert kubo.import_car(car) == [cid]
        assert kubo.get(cid) == data
        back = kubo.export_car(cid, tmp_path / "b.car")
        other = LocalStore(tmp_path / "other")
        assert other.import_car(back) == [cid]
        assert other.get(cid) == data

    def test_sync_methods_work_inside_a_running_event_loop(self, kubo):
        """As in a Jupyter cell: the caller's thread already runs an event loop."""
        data = os.urandom(300)

        async def notebook_cell():
            cid = kubo.add(data)          # sync call while a loop is running here
            return cid, kubo.get(cid)

        cid, got = asyncio.run(notebook_cell())
        assert got == data and cid == compute_cid(data)

    def test_async_methods_from_another_loop(self, kubo):
        data = os.urandom(123)

        async def main():
            cid = await kubo.aadd(data)
            return cid, await kubo.aget(cid)

        cid, got = asyncio.run(main())
        assert got == data and cid == compute_cid(data)
