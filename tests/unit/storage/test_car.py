"""CARv1 export/import: round trips, canonical header, every block verified."""

from __future__ import annotations

import io
import random

import pytest

from bounty_client.storage import CARError, LocalStore, compute_cid, export_car, import_car, parse_cid
from bounty_client.storage.car import decode_header, encode_header, iter_car
from bounty_client.storage.unixfs import CHUNK_SIZE, read_uvarint

HELLO = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


def test_header__canonical_dag_cbor_bytes():
    cid = parse_cid(HELLO)
    header = encode_header([cid])
    expected = (b"\xa2"                       # map(2)
                b"\x65roots"                  # "roots" sorts before "version" (shorter)
                b"\x81"                       # array(1)
                b"\xd8\x2a"                   # tag(42)
                b"\x58\x23\x00" + bytes(cid)  # bytes(35): 0x00 + CIDv0 multihash
                + b"\x67version\x01")
    assert header == expected
    assert decode_header(header) == [cid]


@pytest.mark.parametrize("size", [0, 12, CHUNK_SIZE, 3 * CHUNK_SIZE + 17])
def test_round_trip__into_a_fresh_store(tmp_path, size):
    src = LocalStore(tmp_path / "a")
    data = random.Random(size).randbytes(size)
    cid = src.add(data)
    car = src.export_car(cid, tmp_path / "x.car")
    with open(car, "rb") as f:
        roots, sections = iter_car(f)
        blocks = list(sections)
    assert [str(r) for r in roots] == [cid]
    assert blocks[0].cid == parse_cid(cid), "root block first"
    dst = LocalStore(tmp_path / "b")
    assert dst.import_car(car) == [cid]
    assert dst.get(cid) == data
    assert dst.is_pinned(cid)
    assert [o.size for o in dst.ls()] == [size]


def test_module_level_helpers_use_the_default_store(tmp_path, monkeypatch):
    monkeypatch.setenv("BOUNTY_STORE_DIR", str(tmp_path / "default"))
    cid = LocalStore().add(b"car me")
    path = export_car(cid, tmp_path / "out.car")
    monkeypatch.setenv("BOUNTY_STORE_DIR", str(tmp_path / "other"))
    assert import_car(path) == [cid]
    assert LocalStore().get(cid) == b"car me"


def test_export__repeated_chunks_written_once(tmp_path):
    s = LocalStore(tmp_path / "s")
    cid = s.add(bytes(3 * CHUNK_SIZE))
    with open(s.export_car(cid, tmp_path / "z.car"), "rb") as f:
        _, sections = iter_car(f)
        assert len(list(sections)) == 2


def test_import__altered_block_is_refused_and_nothing_bad_is_stored(tmp_path):
    s = LocalStore(tmp_path / "s")
    data = random.Random(1).randbytes(CHUNK_SIZE + 5)
    cid = s.add(data)
    car = bytearray(s.export_car(cid, tmp_path / "x.car").read_bytes())
    car[-10] ^= 0xFF                        # inside the last block
    bad = tmp_path / "bad.car"
    bad.write_bytes(bytes(car))
    dst = LocalStore(tmp_path / "d")
    with pytest.raises(CARError, match="does not hash to its CID"):
        dst.import_car(bad)
    assert not dst.has(cid)
    assert dst.ls() == []


def test_import__truncated_car(tmp_path):
    s = LocalStore(tmp_path / "s")
    cid = s.add(random.Random(2).randbytes(2 * CHUNK_SIZE))
    raw = s.export_car(cid, tmp_path / "x.car").read_bytes()
    cut = tmp_path / "cut.car"
    cut.write_bytes(raw[:-100])
    with pytest.raises(CARError, match="truncated section"):
        LocalStore(tmp_path / "d").import_car(cut)


def test_import__incomplete_dag_is_reported(tmp_path):
    s = LocalStore(tmp_path / "s")
    cid = s.add(random.Random(3).randbytes(2 * CHUNK_SIZE))
    raw = s.export_car(cid, tmp_path / "x.car").read_bytes()
    # keep the header and the root section only
    hlen, pos = read_uvarint(raw, 0, len(raw))
    pos += hlen
    slen, p2 = read_uvarint(raw, pos, len(raw))
    part = tmp_path / "part.car"
    part.write_bytes(raw[:p2 + slen])
    with pytest.raises(CARError, match="incomplete"):
        LocalStore(tmp_path / "d").import_car(part)


@pytest.mark.parametrize("blob, match", [
    (b"", "empty file"),
    (b"\x05abc", "truncated CAR header"),
    (b"\x0a\xa1\x67version\x01", "roots"),
    (b"\x0a\xa1\x67version\x02", "CAR version 2"),
])
def test_import__malformed_headers(tmp_path, blob, match):
    f = tmp_path / "m.car"
    f.write_bytes(blob)
    with pytest.raises(CARError, match=match):
        LocalStore(tmp_path / "d").import_car(f)


def test_export__unknown_cid_writes_nothing(tmp_path):
    from bounty_client.storage import CIDNotFoundError

    s = LocalStore(tmp_path / "s")
    s.add(b"x")
    with pytest.raises(CIDNotFoundError):
        s.export_car(compute_cid(b"absent"), tmp_path / "never.car")
    assert not (tmp_path / "never.car").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".never")]


def test_iter_car__cidv1_raw_sections(tmp_path):
    """A CAR made elsewhere with CIDv1 raw leaves (kubo --cid-version=1) imports and reads."""
    import hashlib

    from bounty_client.storage.car import write_car
    from bounty_client.storage.unixfs import Link, encode_internal

    chunks = [b"a" * 10, b"b" * 7]
    leaves = [b"\x01\x55\x12\x20" + hashlib.sha256(c).digest() for c in chunks]
    root_block = encode_internal([Link(l, len(c), len(c)) for l, c in zip(leaves, chunks)])
    root = b"\x01\x70\x12\x20" + hashlib.sha256(root_block).digest()
    from bounty_client.storage.cid import cid_from_bytes

    path = write_car(tmp_path / "v1.car", [cid_from_bytes(root)],
                     [(root, root_block)] + list(zip(leaves, chunks)))
    s = LocalStore(tmp_path / "s")
    (rcid,) = s.import_car(path)
    assert rcid.startswith("Qm"), "dag-pb roots are listed as CIDv0"
    assert s.get(str(cid_from_bytes(root))) == b"".join(chunks)
    with open(path, "rb") as f:
        roots, sections = iter_car(io.BytesIO(f.read()))
        assert [b.codec for b in sections] == [0x70, 0x55, 0x55]
