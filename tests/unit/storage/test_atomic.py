"""The one atomic writer, and private stores: no half files, no symlink following, 0700/0600."""

from __future__ import annotations

import os
import stat

import pytest

from bounty_client.storage import LocalStore
from bounty_client.storage.atomic import PRIVATE_FILE_MODE, atomic_write, write_atomic


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_write_atomic__planted_symlinks_at_predictable_names__never_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    target = tmp_path / "report.json"
    planted = [f".{target.name}.tmp", f".{target.name}.part", f".{target.name}.{os.getpid()}.tmp",
               f".tmp-{os.getpid()}-0-0"]
    for name in planted:
        (tmp_path / name).symlink_to(victim)
    write_atomic(target, b"{}")
    with atomic_write(tmp_path / "other.bin") as out:
        out.write(b"x")
    assert victim.read_bytes() == b"precious"
    assert target.read_bytes() == b"{}" and not target.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(planted + ["victim", "report.json", "other.bin"])


def test_write_atomic__symlink_at_the_target__replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / "out").symlink_to(victim)
    write_atomic(tmp_path / "out", b"new")
    assert victim.read_bytes() == b"precious" and (tmp_path / "out").read_bytes() == b"new"
    assert not (tmp_path / "out").is_symlink()


def test_atomic_write__error_midway__old_content_kept_and_no_temp_left(tmp_path):
    target = tmp_path / "data.csv"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk on fire"):
        with atomic_write(target) as out:
            out.write(b"half of the new")
            raise RuntimeError("disk on fire")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["data.csv"]


def test_exclusive__never_replaces_an_existing_name(tmp_path):
    target = tmp_path / "record.json"
    write_atomic(target, b"first", exclusive=True)
    with pytest.raises(FileExistsError, match="record.json already exists; refusing to overwrite it"):
        write_atomic(target, b"second", exclusive=True)
    assert target.read_bytes() == b"first" and os.listdir(tmp_path) == ["record.json"]


def test_modes__public_follows_umask__private_is_0600(tmp_path):
    write_atomic(tmp_path / "pub", b"x")
    write_atomic(tmp_path / "priv", b"x", mode=PRIVATE_FILE_MODE)
    umask = os.umask(0)
    os.umask(umask)
    assert mode(tmp_path / "pub") == 0o666 & ~umask
    assert mode(tmp_path / "priv") == 0o600


def test_write_atomic__many_buffers_written_back_to_back(tmp_path):
    parts = [b"a" * 70_000, memoryview(b"b" * 3), bytearray(b""), b"c" * 200_000]
    write_atomic(tmp_path / "f", parts)
    assert (tmp_path / "f").read_bytes() == b"a" * 70_000 + b"bbb" + b"c" * 200_000


# ------------------------------------------------------------------------ private stores
def test_private_store__dirs_0700_files_0600__everything_it_writes(tmp_path):
    root = tmp_path / "hidden"
    store = LocalStore(root, private=True)
    cid = store.add(os.urandom(300_000), name="test.csv")
    out = store.get(cid, tmp_path / "copy")
    car = store.export_car(cid, tmp_path / "x.car")
    assert repr(store).endswith("private=True)")
    for dirpath, dirnames, filenames in os.walk(root):
        assert mode(dirpath) == 0o700, dirpath
        for name in filenames:
            assert mode(os.path.join(dirpath, name)) == 0o600, os.path.join(dirpath, name)
    assert mode(out) == 0o600 and mode(car) == 0o600
    assert LocalStore(root).get(cid) == store.get(cid)


def test_private_store__existing_open_root__is_narrowed_on_first_write(tmp_path):
    root = tmp_path / "hidden"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    LocalStore(root, private=True).add(b"secret rows")
    assert mode(root) == 0o700


def test_public_store__keeps_ordinary_modes(tmp_path):
    store = LocalStore(tmp_path / "pub")
    store.add(b"public rows")
    umask = os.umask(0)
    os.umask(umask)
    assert mode(tmp_path / "pub" / "blocks") == 0o777 & ~umask
    files = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path / "pub") for f in fs]
    assert files and all(mode(f) == 0o666 & ~umask for f in files)
