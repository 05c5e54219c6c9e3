"""Untrusted CARs and DAGs: precise errors, bounded work, a size cap, streamed reads."""

from __future__ import annotations

import hashlib
import os
import random

import pytest

from bounty_client.storage import (
    CARError,
    CorruptDAGError,
    FileTooLargeError,
    KuboStore,
    LocalStore,
    compute_cid,
)
from bounty_client.storage.car import _MAX_SECTION, write_car
from bounty_client.storage.cid import cid_from_bytes
from bounty_client.storage.local import DEFAULT_MAX_FILE_SIZE, LocalStore as _LS
from bounty_client.storage.unixfs import CHUNK_SIZE, uvarint
from storage_helpers import ref_pbnode, ref_unixfs_file


def _mh(block: bytes) -> bytes:
    return b"\x12\x20" + hashlib.sha256(block).digest()


def amplifier(depth: int, fanout: int, leaf: bytes = b"x", lie_at: int | None = None):
    """(root multihash, blocks) of a DAG whose every node links the same child ``fanout``
    times, ``depth`` levels above a one-chunk leaf: file size ``len(leaf) * fanout**depth``.
    ``lie_at`` makes that level declare one byte less than its children hold."""
    block = ref_pbnode([], ref_unixfs_file(leaf, []))
    blocks = [(_mh(block), block)]
    size = len(leaf)
    for level in range(1, depth + 1):
        child_mh = blocks[-1][0]
        unixfs = ref_unixfs_file(None, [size] * fanout)
        if level == lie_at:  # filesize field (3) one less than the blocksizes sum
            unixfs = unixfs.replace(b"\x18" + uvarint(size * fanout), b"\x18" + uvarint(size * fanout - 1), 1)
        block = ref_pbnode([(child_mh, 0)] * fanout, unixfs)
        blocks.append((_mh(block), block))
        size *= fanout
    blocks.reverse()  # root first
    return blocks[0][0], blocks, size


def write_amplifier_car(path, depth: int, fanout: int, **kw):
    root, blocks, size = amplifier(depth, fanout, **kw)
    write_car(path, [cid_from_bytes(root)], blocks)
    return str(cid_from_bytes(root)), size


class CountingStore(_LS):
    """A LocalStore that counts block reads (work done), nothing else changed."""

    reads = 0

    def _read_verified(self, ref, root=None):
        type(self).reads += 1
        return super()._read_verified(ref, root)


# ----------------------------------------------------------------- precise CAR errors
def test_import__trailing_zero_bytes__says_implausible_length_0(tmp_path):
    src = LocalStore(tmp_path / "a")
    cid = src.add(random.Random(0).randbytes(CHUNK_SIZE + 3))
    car = src.export_car(cid, tmp_path / "x.car")
    good_len = car.stat().st_size
    with open(car, "ab") as f:
        f.write(bytes(127))
    with pytest.raises(CARError, match=rf"section at byte {good_len}: implausible length 0 ") as info:
        LocalStore(tmp_path / "b").import_car(car)
    assert "bad section length" not in str(info.value)


def test_import__oversized_section__names_its_length(tmp_path):
    src = LocalStore(tmp_path / "a")
    car = src.export_car(src.add(b"small"), tmp_path / "x.car")
    with open(car, "ab") as f:
        f.write(uvarint(_MAX_SECTION + 1) + b"\x00" * 10)
    with pytest.raises(CARError, match=f"implausible length {_MAX_SECTION + 1} "):
        LocalStore(tmp_path / "b").import_car(car)


def test_import__overlong_varint__says_so(tmp_path):
    src = LocalStore(tmp_path / "a")
    car = src.export_car(src.add(b"small"), tmp_path / "x.car")
    with open(car, "ab") as f:
        f.write(b"\xff" * 11)
    with pytest.raises(CARError, match="bad section length at byte .*: varint too long"):
        LocalStore(tmp_path / "b").import_car(car)


def test_import__deeply_nested_header__refused_not_recursion_error(tmp_path):
    header = b"\x81" * 5000 + b"\x00"   # [[[[...0...]]]]
    f = tmp_path / "deep.car"
    f.write_bytes(uvarint(len(header)) + header)
    with pytest.raises(CARError, match="nested deeper than"):
        LocalStore(tmp_path / "b").import_car(f)


# ------------------------------------------------------- a 7 KB CAR that expands hugely
def test_amplifier_car__7kb__imports_reading_each_block_once_and_get_is_refused(tmp_path):
    car = tmp_path / "amp.car"
    cid, size = write_amplifier_car(car, depth=8, fanout=20)
    assert car.stat().st_size < 8 * 1024 and size == 20 ** 8  # 7 KB promising 25.6 GB
    store = CountingStore(tmp_path / "s")
    CountingStore.reads = 0
    assert store.import_car(car) == [cid]
    assert CountingStore.reads <= 2 * 9, "has() and the size lookup read each of the 9 blocks once"
    CountingStore.reads = 0
    with pytest.raises(FileTooLargeError, match=rf"declared size\) is {20 ** 8} bytes, above the "
                                                 rf"store's max_file_size of {DEFAULT_MAX_FILE_SIZE}"):
        store.get(cid)
    with pytest.raises(FileTooLargeError):
        store.get(cid, tmp_path / "out")
    assert CountingStore.reads <= 2, "refused from the root's declared size, before any child"
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))


def test_amplifier_under_the_cap__right_bytes_with_work_linear_in_distinct_blocks(tmp_path):
    car = tmp_path / "amp.car"
    cid, size = write_amplifier_car(car, depth=8, fanout=4)  # 65536 one-byte leaves
    store = CountingStore(tmp_path / "s")
    store.import_car(car)
    CountingStore.reads = 0
    assert store.get(cid) == b"x" * size
    assert CountingStore.reads <= 9 * 4, f"{CountingStore.reads} reads for 9 distinct blocks"
    CountingStore.reads = 0
    out = store.get(cid, tmp_path / "out.bin")
    assert out.read_bytes() == b"x" * size and CountingStore.reads <= 9 * 4


def test_amplifier_lying_about_its_size__refused_at_the_lying_node(tmp_path):
    car = tmp_path / "lie.car"
    cid, _ = write_amplifier_car(car, depth=4, fanout=3, lie_at=2)
    store = CountingStore(tmp_path / "s")
    store.import_car(car)
    CountingStore.reads = 0
    with pytest.raises(CorruptDAGError, match="filesize says 8 bytes, its data and blocksizes add up to 9"):
        store.get(cid)


def test_deep_chain__read_iteratively_without_recursion_limit(tmp_path):
    car = tmp_path / "chain.car"
    cid, size = write_amplifier_car(car, depth=3000, fanout=1, leaf=b"deep")
    store = LocalStore(tmp_path / "s")
    assert store.import_car(car) == [cid]
    assert store.get(cid) == b"deep" and store.verify(cid) == 4


# --------------------------------------------------------------------------- the cap
def test_cap__configurable_per_store_and_by_environment(tmp_path, monkeypatch):
    data = b"y" * 1000
    cid = LocalStore(tmp_path / "s").add(data)
    assert LocalStore(tmp_path / "s", max_file_size=1000).get(cid) == data   # at the cap
    with pytest.raises(FileTooLargeError, match="1000 bytes, above the store's max_file_size of 999"):
        LocalStore(tmp_path / "s", max_file_size=999).get(cid)
    monkeypatch.setenv("BOUNTY_MAX_FILE_SIZE", "999")
    with pytest.raises(FileTooLargeError, match="BOUNTY_MAX_FILE_SIZE"):
        LocalStore(tmp_path / "s").verify(cid)
    monkeypatch.setenv("BOUNTY_MAX_FILE_SIZE", "lots")
    with pytest.raises(ValueError, match=r"\$BOUNTY_MAX_FILE_SIZE must be a whole number of bytes, got 'lots'"):
        LocalStore(tmp_path / "s")
    with pytest.raises(ValueError, match="max_file_size must be a positive whole number of bytes, got 0"):
        LocalStore(tmp_path / "s", max_file_size=0)


def test_cap__multi_chunk_file_over_the_cap_writes_nothing(tmp_path):
    data = random.Random(5).randbytes(3 * CHUNK_SIZE)
    cid = LocalStore(tmp_path / "s").add(data)
    small = LocalStore(tmp_path / "s", max_file_size=2 * CHUNK_SIZE)
    with pytest.raises(FileTooLargeError):
        small.get(cid, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_kubo_get__bounded_while_streaming(fake_kubo, tmp_path):
    data = random.Random(6).randbytes(2 * CHUNK_SIZE + 1)
    with KuboStore(fake_kubo.multiaddr, timeout=10) as big:
        cid = big.add(data)
        assert big.get(cid) == data
    with KuboStore(fake_kubo.multiaddr, timeout=10, max_file_size=len(data) - 1) as small:
        with pytest.raises(FileTooLargeError, match=f"above the store's max_file_size of {len(data) - 1}"):
            small.get(cid)
        with pytest.raises(FileTooLargeError):
            small.get(cid, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
    with KuboStore(fake_kubo.multiaddr, timeout=10, max_file_size=len(data)) as exact:
        assert exact.get(cid, tmp_path / "out").read_bytes() == data


def test_file_of_zeros__legit_repeated_leaf__read_from_disk_once_per_parent(tmp_path):
    """ipfs add of zeros links one leaf 174 times per node: the same output, far fewer reads."""
    data = bytes(200 * CHUNK_SIZE + 5)
    store = CountingStore(tmp_path / "s")
    cid = store.add(data)
    CountingStore.reads = 0
    assert store.get(cid) == data
    # root, 2 internal nodes, the zero leaf once per internal node, the 5-byte leaf
    assert CountingStore.reads <= 6, CountingStore.reads
