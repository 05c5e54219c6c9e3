"""LocalStore: round trips, integrity, bad input, pins, concurrency, open_store."""

from __future__ import annotations

import io
import multiprocessing
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bounty_client.storage import (
    BlockNotFoundError,
    CIDNotFoundError,
    CorruptBlockError,
    CorruptDAGError,
    KuboStore,
    LocalStore,
    MalformedCIDError,
    NotPinnedError,
    StoreRootError,
    StoreURLError,
    TruncatedBlockError,
    UnsupportedCIDError,
    compute_cid,
    default_store_root,
    open_store,
    to_cidv1,
)
from bounty_client.storage.unixfs import CHUNK_SIZE, decode_node
from storage_helpers import vector_content

HELLO = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


def block_files(store: LocalStore) -> list[Path]:
    return sorted(p for p in (store.root / "blocks").rglob("*") if p.is_file())


def block_file(store: LocalStore, cid: str) -> Path:
    from bounty_client.storage import parse_cid

    digest = parse_cid(cid).raw_digest.hex()
    return store.root / "blocks" / digest[:2] / digest


# ------------------------------------------------------------ round trips
def test_add_get__vectors_through_the_store(store, vectors):
    for name, entry in vectors.items():
        data = vector_content(name, entry["size"])
        assert store.add(data) == entry["cidv0"], name
        assert store.get(entry["cidv0"]) == data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.one_of(st.integers(0, 3000),
                      st.sampled_from([CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 5])),
       seed=st.integers(0, 2**32 - 1))
def test_round_trip__random_sizes(store, tmp_path, size, seed):
    data = random.Random(seed).randbytes(size)
    cid = store.add(data)
    assert cid == compute_cid(data)
    assert store.get(cid) == data
    out = store.get(cid, tmp_path / "out" / f"{seed}.bin")
    assert out.read_bytes() == data
    assert store.has(cid)


def test_add_path_and_file_object__stream_and_agree(store, tmp_path):
    data = random.Random(1).randbytes(2 * CHUNK_SIZE + 123)
    src = tmp_path / "data.csv"
    src.write_bytes(data)
    cid = store.add(src)
    assert cid == store.add(str(src)) == store.add(io.BytesIO(data)) == compute_cid(src)
    assert [(o.cid, o.name, o.size) for o in store.ls()] == [(cid, "data.csv", len(data))]
    assert store.get(cid, tmp_path / "copy.csv").read_bytes() == data


def test_add_file_object_without_readinto(store):
    class Reader:
        def __init__(self, data):
            self.buf = io.BytesIO(data)

        def read(self, n=-1):
            return self.buf.read(min(n, 1000))  # short reads

    data = random.Random(2).randbytes(CHUNK_SIZE + 7)
    assert store.add(Reader(data)) == compute_cid(data)


def test_add__cidv1_of_the_same_dag(store):
    v1 = store.add(b"hello world\n", cid_version=1)
    assert v1 == to_cidv1(HELLO)
    assert store.get(v1) == store.get(HELLO) == b"hello world\n"
    assert store.get("/ipfs/" + HELLO) == b"hello world\n"


def test_get_to_directory__names_file_by_cid(store, tmp_path):
    cid = store.add(b"abc")
    out = store.get(cid, tmp_path)
    assert out == tmp_path / cid and out.read_bytes() == b"abc"


def test_blocks_are_deduplicated(store):
    data = bytes(4 * CHUNK_SIZE)  # four identical chunks
    store.add(data)
    assert len(block_files(store)) == 2  # one leaf, one root
    assert store.get(compute_cid(data)) == data


# ------------------------------------------------------------ integrity
def test_flipped_byte_in_a_leaf__get_raises_naming_the_block(store, tmp_path):
    data = random.Random(3).randbytes(3 * CHUNK_SIZE)
    cid = store.add(data)
    root = decode_node(block_file(store, cid).read_bytes())
    from storage_helpers import cidv0

    leaf_cid = cidv0(root.links[1][0])
    path = block_file(store, leaf_cid)
    raw = bytearray(path.read_bytes())
    raw[1000] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptBlockError, match=leaf_cid) as err:
        store.get(cid)
    assert err.value.cid == leaf_cid
    assert "altered" in str(err.value)
    out = tmp_path / "out.bin"
    with pytest.raises(CorruptBlockError):
        store.get(cid, out)
    assert not out.exists(), "a failed get must not leave a file"
    assert [p.name for p in tmp_path.iterdir()] == ["store"], "nor a temporary file"


def test_flipped_byte_in_the_root__raises(store):
    cid = store.add(b"hello world\n")
    path = block_file(store, cid)
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0x20
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptBlockError, match=cid):
        store.get(cid)


def test_truncated_block__raises_truncated(store):
    data = random.Random(4).randbytes(CHUNK_SIZE + 10)
    cid = store.add(data)
    from storage_helpers import cidv0

    leaf = cidv0(decode_node(block_file(store, cid).read_bytes()).links[0][0])
    path = block_file(store, leaf)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(TruncatedBlockError, match=leaf) as err:
        store.get(cid)
    assert "truncated" in str(err.value)
    assert isinstance(err.value, CorruptBlockError)


def test_empty_block_file__raises_truncated(store):
    cid = store.add(b"x" * 100)
    block_file(store, cid).write_bytes(b"")
    with pytest.raises(TruncatedBlockError, match=cid):
        store.get(cid)


def test_missing_child_block__raises_block_not_found(store):
    data = random.Random(5).randbytes(2 * CHUNK_SIZE)
    cid = store.add(data)
    from storage_helpers import cidv0

    leaf = cidv0(decode_node(block_file(store, cid).read_bytes()).links[1][0])
    block_file(store, leaf).unlink()
    assert not store.has(cid)
    with pytest.raises(BlockNotFoundError, match=leaf):
        store.get(cid)


def test_damaged_block_is_rewritten_by_the_next_add(store):
    data = random.Random(6).randbytes(CHUNK_SIZE + 1)
    cid = store.add(data)
    files = block_files(store)
    big = max(files, key=lambda p: p.stat().st_size)
    big.write_bytes(big.read_bytes()[:100])
    store.add(data)
    assert store.get(cid) == data


def test_inconsistent_blocksizes__raise_corrupt_dag(store):
    # a hand-made root whose blocksizes lie about its child; hashes are valid
    from bounty_client.storage.unixfs import Link, encode_internal

    child = store.add(b"abc")
    from bounty_client.storage import parse_cid

    mh = bytes(parse_cid(child))
    block = encode_internal([Link(mh, 11, 4)])  # child really holds 3 bytes
    import hashlib

    from storage_helpers import cidv0

    root = cidv0(b"\x12\x20" + hashlib.sha256(block).digest())
    store.put_block(root, block)
    with pytest.raises(CorruptDAGError, match="blocksizes"):
        store.get(root)


def test_no_temporary_files_left_after_add(store):
    store.add(random.Random(7).randbytes(3 * CHUNK_SIZE))
    leftovers = [p for p in store.root.rglob(".tmp-*")]
    assert leftovers == []


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize("bad", ["", "Qm", "not-a-cid", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5", "zzzz"])
def test_malformed_cid__clear_error(store, bad):
    with pytest.raises(MalformedCIDError, match="not a valid CID|empty CID"):
        store.get(bad)


def test_non_string_cid__clear_error(store):
    with pytest.raises(MalformedCIDError, match="expected a CID string"):
        store.get(12345)


def test_unsupported_hash__clear_error(store):
    # CIDv1 raw with an identity multihash ("bafkqaaa" = empty identity CID)
    with pytest.raises(UnsupportedCIDError, match="sha2-256"):
        store.get("bafkqaaa")


def test_unknown_cid__names_cid_and_store(store):
    store.add(b"something")
    unknown = compute_cid(b"never added")
    with pytest.raises(CIDNotFoundError, match=unknown) as err:
        store.get(unknown)
    assert str(store.root) in str(err.value)
    assert not store.has(unknown)


def test_missing_root_directory__read_says_so_and_add_creates_it(tmp_path):
    s = LocalStore(tmp_path / "not" / "yet")
    assert not s.root.exists()
    with pytest.raises(CIDNotFoundError, match="does not exist yet"):
        s.get(HELLO)
    assert s.ls() == [] and not s.has(HELLO)
    assert not s.root.exists(), "reads must not create the store"
    assert s.add(b"hello world\n") == HELLO
    assert s.root.is_dir()


def test_root_that_is_a_file__refused(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    with pytest.raises(StoreRootError, match="not a directory"):
        LocalStore(f)


def test_root_becomes_a_file_later__add_refused(tmp_path):
    s = LocalStore(tmp_path / "later")
    (tmp_path / "later").write_text("oops")
    with pytest.raises(StoreRootError, match="not a directory"):
        s.add(b"x")


def test_add__bad_inputs(store, tmp_path):
    with pytest.raises(FileNotFoundError, match="pass bytes"):
        store.add("just some text")
    with pytest.raises(IsADirectoryError):
        store.add(tmp_path)
    with pytest.raises(TypeError, match="bytes, a path or a binary file"):
        store.add(42)
    with pytest.raises(ValueError, match="cid_version"):
        store.add(b"x", cid_version=2)
    assert not (store.root / "blocks").exists(), "nothing written for bad input"


# ------------------------------------------------------------ pins and listing
def test_pins_and_listing(store):
    a = store.add(b"a" * 10, name="a.txt")
    b = store.add(b"b" * 10, pin=False)
    listing = {o.cid: o for o in store.ls()}
    assert set(listing) == {a, b}
    assert listing[a].pinned and listing[a].size == 10 and listing[a].name == "a.txt"
    assert not listing[b].pinned
    assert store.pins() == [a]
    store.pin(b)
    assert store.is_pinned(b)
    store.unpin(a)
    assert not store.is_pinned(a)
    with pytest.raises(NotPinnedError, match=a):
        store.unpin(a)
    with pytest.raises(CIDNotFoundError):
        store.pin(compute_cid(b"absent"))
    assert "LocalStore(root=" in repr(store)


def test_default_root__env_and_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("BOUNTY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BOUNTY_STORE_DIR", str(tmp_path / "env"))
    assert default_store_root() == tmp_path / "env"
    assert LocalStore().root == tmp_path / "env"
    monkeypatch.delenv("BOUNTY_STORE_DIR")
    assert default_store_root() == tmp_path / "home" / "ipfs"
    monkeypatch.delenv("BOUNTY_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_root() == tmp_path / "xdg" / "ml-bounty" / "ipfs"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_store_root() == Path.home() / ".local" / "share" / "ml-bounty" / "ipfs"


# ------------------------------------------------------------ concurrency
def _add_worker(root: str, seeds: list[int], q, barrier) -> None:
    try:
        s = LocalStore(root)
        out = []
        barrier.wait(30)  # start adding at the same moment
        for seed in seeds:
            data = random.Random(seed).randbytes(2 * CHUNK_SIZE + seed)
            out.append(s.add(data))
        q.put(("ok", out))
    except BaseException as exc:  # pragma: no cover - reported to the parent
        q.put(("err", repr(exc)))


def test_concurrent_adds_from_two_processes(tmp_path):
    root = str(tmp_path / "shared-store")
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    barrier = ctx.Barrier(2)
    # both add seeds 1-3 (same files) and each adds one file of its own
    procs = [ctx.Process(target=_add_worker, args=(root, [1, 2, 3, 10 + i], q, barrier))
             for i in range(2)]
    for p in procs:
        p.start()
    results = [q.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert all(kind == "ok" for kind, _ in results), results
    s = LocalStore(root)
    for seed in (1, 2, 3, 10, 11):
        data = random.Random(seed).randbytes(2 * CHUNK_SIZE + seed)
        assert s.get(compute_cid(data)) == data
    assert len(s.ls()) == 5
    assert not list(Path(root).rglob(".tmp-*"))


# ------------------------------------------------------------ open_store
def test_open_store__urls(tmp_path, monkeypatch):
    monkeypatch.setenv("BOUNTY_STORE_DIR", str(tmp_path / "dflt"))
    assert open_store(None).root == tmp_path / "dflt"
    assert open_store("local:").root == tmp_path / "dflt"
    assert open_store(f"local:{tmp_path}/a").root == tmp_path / "a"
    assert open_store(str(tmp_path / "b")).root == tmp_path / "b"
    assert open_store(tmp_path / "c").root == tmp_path / "c"
    assert open_store(f"file://{tmp_path}/d").root == tmp_path / "d"
    k = open_store("/ip4/127.0.0.1/tcp/5001")
    assert isinstance(k, KuboStore) and k.api == "/ip4/127.0.0.1/tcp/5001"
    assert isinstance(open_store("http://localhost:5001"), KuboStore)


@pytest.mark.parametrize("bad", ["s3://bucket/x", "ftp://host", "/ip4/127.0.0.1", "/ip4/1.2.3.4/udp/5"])
def test_open_store__unknown_urls_raise(bad):
    with pytest.raises(StoreURLError):
        open_store(bad)


def test_open_store__non_string():
    with pytest.raises(StoreURLError, match="must be a string"):
        open_store(5)


def test_failed_write_leaves_no_block_and_no_temp_file(store, monkeypatch):
    """A write that dies half way (disk full, crash) never leaves a block under
    its final name, so nothing half-written can later be served."""
    import bounty_client.storage.local as local_mod

    real_writev = os.writev
    calls = {"n": 0}

    def failing_writev(fd, parts):
        calls["n"] += 1
        if calls["n"] == 2:
            os.write(fd, bytes(parts[0])[:3])  # a few bytes land, then the disk fills
            raise OSError(28, "No space left on device")
        return real_writev(fd, parts)

    monkeypatch.setattr(local_mod.os, "writev", failing_writev)
    data = random.Random(8).randbytes(3 * CHUNK_SIZE)
    with pytest.raises(OSError, match="No space left"):
        store.add(data)
    monkeypatch.setattr(local_mod.os, "writev", real_writev)
    assert not list(store.root.rglob(".tmp-*"))
    for p in block_files(store):  # whatever did get written is complete and valid
        import hashlib

        assert hashlib.sha256(p.read_bytes()).hexdigest() == p.name
    cid = compute_cid(data)
    assert not store.has(cid)
    assert store.add(data) == cid and store.get(cid) == data


def test_init__lays_out_the_store_once(tmp_path):
    s = LocalStore(tmp_path / "new").init()
    shards = sorted(p.name for p in (s.root / "blocks").iterdir())
    assert shards == [f"{i:02x}" for i in range(256)]
    assert (s.root / "roots").is_dir() and (s.root / "pins").is_dir()
    assert s.init() is s  # idempotent
    assert s.add(b"hello world\n") == HELLO
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreRootError):
        LocalStore(tmp_path / "file")


def test_shard_directory_removed_behind_our_back__add_recreates_it(store):
    store.add(b"first")
    import shutil

    shutil.rmtree(store.root / "blocks")
    data = random.Random(9).randbytes(CHUNK_SIZE + 1)
    cid = store.add(data)
    assert store.get(cid) == data
