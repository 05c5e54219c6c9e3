"""The DAG builder gives kubo's CIDs: vectors, deep trees, byte-exact encoding."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounty_client.storage import compute_cid, to_cidv0, to_cidv1
from bounty_client.storage.unixfs import (
    CHUNK_SIZE,
    MAX_LINKS,
    DagBuilder,
    decode_node,
    encode_internal,
    encode_leaf_parts,
)
from storage_helpers import cidv0, ref_blocks, reference_dag, vector_content


def build(data: bytes, **kw):
    blocks = {}

    def sink(mh, parts, size):
        block = b"".join(bytes(p) for p in parts)
        assert len(block) == size
        assert hashlib.sha256(block).digest() == mh[2:], "sink got a block under the wrong hash"
        blocks[mh] = block

    b = DagBuilder(sink, **kw)
    b.write(data)
    return b.finish(), blocks


# ----------------------------------------------------------------- vectors
def test_every_kubo_vector_is_reproduced(vectors):
    assert len(vectors) == 7
    for name, entry in vectors.items():
        data = vector_content(name, entry["size"])
        assert len(data) == entry["size"]
        assert compute_cid(data) == entry["cidv0"], name


def test_vectors__cidv1_is_base32_of_the_same_dag(vectors):
    for name, entry in vectors.items():
        v1 = compute_cid(vector_content(name, entry["size"]), cid_version=1)
        assert v1.startswith("bafybei"), name
        assert to_cidv0(v1) == entry["cidv0"]
        assert to_cidv1(entry["cidv0"]) == v1


def test_cidv1__equals_hand_encoded_multibase_base32():
    """CIDv1 = 'b' + base32(0x01 0x70 multihash), lower case, no padding."""
    import base64

    res, _ = build(b"hello world\n")
    expected = "b" + base64.b32encode(b"\x01\x70" + res.root).decode().lower().rstrip("=")
    assert compute_cid(b"hello world\n", cid_version=1) == expected
    assert to_cidv1("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o") == expected


def test_vectors__match_the_independent_reference_builder(vectors):
    for name, entry in vectors.items():
        data = vector_content(name, entry["size"])
        ref = reference_dag(data)
        assert cidv0(ref.mh) == entry["cidv0"], f"reference builder disagrees with kubo on {name}"
        res, blocks = build(data)
        assert blocks == ref_blocks(ref), name
        assert res.size == ref.tsize


def test_hello__exact_block_bytes():
    res, blocks = build(b"hello world\n")
    (block,) = blocks.values()
    # PBNode{Data: UnixFS{Type: File, Data: "hello world\n", filesize: 12}}
    assert block == b"\x0a\x12\x08\x02\x12\x0chello world\n\x18\x0c"
    assert res.size == 20 and res.filesize == 12 and res.blocks == 1


def test_empty_file__exact_block_bytes():
    res, blocks = build(b"")
    assert list(blocks.values()) == [b"\x0a\x04\x08\x02\x18\x00"]
    assert str(res.cid) == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"


def test_chunk_plus_one__links_before_data_and_empty_names():
    data = vector_content("chunk_plus_one", CHUNK_SIZE + 1)
    res, blocks = build(data)
    root = blocks[res.root]
    assert root[0] == 0x12, "PBNode Links (field 2) must come before Data (field 1)"
    node = decode_node(root)
    assert node.filesize == CHUNK_SIZE + 1
    assert node.blocksizes == (CHUNK_SIZE, 1)
    assert [len(blocks[h]) for h, _ in node.links] == [t for _, t in node.links]
    assert root.count(b"\x12\x00\x18") == 2, "each link carries an empty Name"


# ------------------------------------------------------------ deep trees
def test_175_full_chunks__two_levels_exactly_like_boxo():
    """Past 174 chunks the root gets a second level; the 175th chunk sits under
    its own internal node (not directly under the root)."""
    data = random.Random(175).randbytes(175 * CHUNK_SIZE)
    res, blocks = build(data)
    ref = reference_dag(data)
    assert res.root == ref.mh
    assert blocks == ref_blocks(ref)

    root = decode_node(blocks[res.root])
    assert len(root.links) == 2
    assert root.blocksizes == (174 * CHUNK_SIZE, CHUNK_SIZE)
    assert root.filesize == 175 * CHUNK_SIZE
    left = decode_node(blocks[root.links[0][0]])
    right = decode_node(blocks[root.links[1][0]])
    assert len(left.links) == 174 and left.blocksizes == (CHUNK_SIZE,) * 174
    assert len(right.links) == 1 and right.blocksizes == (CHUNK_SIZE,)
    leaf = decode_node(blocks[right.links[0][0]])
    assert bytes(leaf.data) == data[174 * CHUNK_SIZE:] and not leaf.links
    # Tsize of each root link is the child's block plus everything under it
    for (h, tsize) in root.links:
        child = decode_node(blocks[h])
        assert tsize == len(blocks[h]) + sum(t for _, t in child.links)
    assert res.size == len(blocks[res.root]) + sum(t for _, t in root.links)
    assert res.blocks == 175 + 3


def test_exactly_174_chunks__one_level():
    data = random.Random(174).randbytes(174 * CHUNK_SIZE)
    res, blocks = build(data)
    root = decode_node(blocks[res.root])
    assert len(root.links) == 174 and res.blocks == 175
    assert res.root == reference_dag(data).mh


@pytest.mark.parametrize("max_links", [2, 3, 5])
def test_small_trees_of_every_shape_match_the_reference(max_links):
    """chunk_size=1 makes every byte a leaf, so a few hundred bytes cover depths 1-8."""
    rng = random.Random(max_links)
    sizes = list(range(0, 60)) + [max_links ** d + k for d in range(2, 5) for k in (-1, 0, 1)]
    for n in sizes:
        data = rng.randbytes(n)
        res, blocks = build(data, chunk_size=1, max_links=max_links)
        ref = reference_dag(data, chunk_size=1, max_links=max_links)
        assert res.root == ref.mh, f"n={n}, max_links={max_links}"
        assert blocks == ref_blocks(ref)


def test_deep_tree__depth_is_ceil_log():
    # 3**3 + 1 leaves with 3 links per node need depth 4; all leaves at the same depth
    data = bytes(range(28))
    ref = reference_dag(data, chunk_size=1, max_links=3)
    assert ref.depth() == 4

    def leaf_depths(node, d=0):
        if not node.children:
            return {d}
        return set().union(*(leaf_depths(c, d + 1) for c in node.children))

    assert leaf_depths(ref) == {4}
    res, _ = build(data, chunk_size=1, max_links=3)
    assert res.root == ref.mh


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=3000), st.integers(1, 40), st.integers(2, 6),
       st.lists(st.integers(1, 200), min_size=1, max_size=10))
def test_write_in_any_pieces_equals_the_reference(data, chunk_size, max_links, cuts):
    b = DagBuilder(chunk_size=chunk_size, max_links=max_links)
    pos, i = 0, 0
    while pos < len(data):
        step = cuts[i % len(cuts)]
        b.write(data[pos:pos + step])
        pos += step
        i += 1
    res = b.finish()
    assert res.root == reference_dag(data, chunk_size, max_links).mh
    assert res.filesize == len(data)


# ------------------------------------------------------------ encoding units
def test_leaf_parts_concatenate_to_the_reference_leaf():
    for n in (1, 127, 128, 16383, 16384, CHUNK_SIZE):
        header, trailer = encode_leaf_parts(n)
        chunk = bytes(n)
        from storage_helpers import ref_pbnode, ref_unixfs_file

        assert header + chunk + trailer == ref_pbnode([], ref_unixfs_file(chunk, []))


def test_builder_rejects_misuse():
    b = DagBuilder(chunk_size=4)
    b.add_chunk(b"abc")
    with pytest.raises(ValueError, match="only the last chunk"):
        b.add_chunk(b"abcd")
    with pytest.raises(ValueError, match="exceeds chunk_size"):
        DagBuilder(chunk_size=4).add_chunk(b"abcde")
    with pytest.raises(ValueError, match="max_links"):
        DagBuilder(max_links=1)
    b2 = DagBuilder()
    b2.finish()
    with pytest.raises(RuntimeError, match="already finished"):
        b2.finish()


def test_defaults_are_kubos():
    assert CHUNK_SIZE == 262_144 and MAX_LINKS == 174
    assert "chunks=0" in repr(DagBuilder())


def test_encode_internal_decodes_back():
    from bounty_client.storage.unixfs import Link

    links = [Link(b"\x12\x20" + bytes([i]) * 32, 300 + i, 200 + i) for i in range(3)]
    node = decode_node(encode_internal(links))
    assert node.type == 2 and node.filesize == sum(l.filesize for l in links)
    assert node.blocksizes == tuple(l.filesize for l in links)
    assert node.links == tuple((l.cid, l.tsize) for l in links)
