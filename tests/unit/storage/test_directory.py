"""Folders as UnixFS directories: kubo's own CIDs, and both stores import them."""

from __future__ import annotations

import pytest

from bounty_client.storage import StorageError, compute_cid
from bounty_client.storage.directory import HAMT_THRESHOLD, add_directory, build_directory, encode_directory
from bounty_client.storage.unixfs import decode_node

# kubo's vectors: the empty folder (`ipfs object new unixfs-dir`) and test/sharness/t0040-add-and-cat.sh,
# "ipfs add -r ." of a folder holding `hey` ("Hey\n") and `hello/world` ("World\n").
EMPTY_DIR = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
KUBO_T0040_DIR = "QmZQWnfcqJ6hNkkPvrY9Q5X39GP3jUnUbAV4AbmbbR3Cb1"


@pytest.fixture
def t0040(tmp_path):
    root = tmp_path / "test_current_dir"
    (root / "hello").mkdir(parents=True)
    (root / "hey").write_bytes(b"Hey\n")
    (root / "hello" / "world").write_bytes(b"World\n")
    return root


def test_build_directory__gives_kubos_cids_for_its_vectors(tmp_path, t0040):
    (tmp_path / "empty").mkdir()
    assert build_directory(tmp_path / "empty").cid == EMPTY_DIR
    assert build_directory(t0040).cid == KUBO_T0040_DIR


def test_build_directory__skips_hidden_entries_and_sorts_links_by_name(t0040):
    (t0040 / ".hidden").write_bytes(b"not added by ipfs add -r without --hidden")
    assert build_directory(t0040).cid == KUBO_T0040_DIR
    blocks = []
    build_directory(t0040, lambda mh, block: blocks.append(block))
    root = decode_node(blocks[-1])  # children first, the root last
    assert root.type_name == "Directory" and len(root.links) == 2  # hello/ and hey, not .hidden
    assert blocks[-1].index(b"hello") < blocks[-1].index(b"hey")


def test_encode_directory__links_sorted_bytewise_whatever_the_order_given():
    cid = bytes.fromhex("1220" + "00" * 32)
    a = encode_directory([("b", cid, 1), ("a", cid, 2), ("B", cid, 3)])
    b = encode_directory([("B", cid, 3), ("a", cid, 2), ("b", cid, 1)])
    assert a == b and a.index(b"\x12\x01B") < a.index(b"\x12\x01a") < a.index(b"\x12\x01b")


def test_build_directory__refuses_symlinks_and_files(tmp_path, t0040):
    (t0040 / "link").symlink_to(t0040 / "hey")
    with pytest.raises(StorageError, match="symbolic links"):
        build_directory(t0040)
    with pytest.raises(StorageError, match="not a folder"):
        build_directory(t0040 / "hey")


def test_build_directory__refuses_a_folder_kubo_would_shard(tmp_path, monkeypatch):
    import bounty_client.storage.directory as directory

    monkeypatch.setattr(directory, "HAMT_THRESHOLD", 100)
    root = tmp_path / "many"
    root.mkdir()
    for i in range(5):
        (root / f"file-{i:02d}.txt").write_bytes(b"x")
    with pytest.raises(StorageError, match="shard"):
        build_directory(root)
    assert HAMT_THRESHOLD == 256 * 1024


def test_add_directory__local_store_pins_the_folder_and_serves_its_files(store, t0040):
    assert add_directory(store, t0040) == KUBO_T0040_DIR
    assert store.has(KUBO_T0040_DIR) and store.is_pinned(KUBO_T0040_DIR)
    assert store.get(compute_cid(b"Hey\n")) == b"Hey\n"  # the files' own CIDs are in the store too


def test_add_directory__kubo_store_receives_the_same_root(kubo_fake_store, fake_kubo, t0040):
    assert add_directory(kubo_fake_store, t0040) == KUBO_T0040_DIR
    assert KUBO_T0040_DIR in fake_kubo.pins
