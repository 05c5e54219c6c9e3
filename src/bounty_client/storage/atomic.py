"""Atomic file output: the one way this package writes a file a person or a later run reads.

Every write goes to a temporary file that :func:`tempfile.mkstemp` creates in the target's own
directory (random name, ``O_CREAT | O_EXCL``, so a symlink planted at any name is never
followed and never overwritten), is flushed and ``fsync``-ed, and is then renamed over the
target (``os.replace``) or, for write-once records, hard-linked to it (``os.link`` fails if
the name exists, so a record is never overwritten, even by a concurrent writer). Finally the
directory is ``fsync``-ed so the new name itself survives a power loss. A crash at any point
leaves either the old file or the new one under the name, never half of one; the temporary
file is removed on any error or interrupt.

Source: the write-fsync-rename-fsync(dir) sequence of ``ext4`` / POSIX guidance, as used by
SQLite, git (``lockfile.c``) and ``atomicwrites``; kept here (not a dependency) because it is
twenty lines and ``atomicwrites`` is archived.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence, Union

__all__ = ["atomic_write", "write_atomic", "fsync_dir", "PUBLIC_FILE_MODE", "PRIVATE_FILE_MODE"]

PathLike = Union[str, "os.PathLike[str]"]

#: Permission bits of an ordinary file (before the process umask) and of a private one.
PUBLIC_FILE_MODE = 0o666
PRIVATE_FILE_MODE = 0o600

# mkstemp always creates 0600; an ordinary file should get what open() would give (0666 & ~umask).
# The umask can only be read by setting it, so read it once at import (cheap; single-threaded then).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def fsync_dir(directory: PathLike) -> None:
    """``fsync`` a directory so a rename or link inside it is durable (no-op where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems (and Windows) cannot fsync a directory
        pass
    finally:
        os.close(fd)


def _publish(tmp: str, target: str, exclusive: bool) -> bool:
    """Move ``tmp`` to ``target``; with ``exclusive`` never replace an existing target.

    Returns False (and leaves ``tmp`` for the caller to remove) when ``exclusive`` and
    ``target`` already exists.
    """
    if not exclusive:
        os.replace(tmp, target)
        return True
    try:
        os.link(tmp, target)
    except FileExistsError:
        return False
    os.unlink(tmp)
    return True


@contextmanager
def _temporary(path: Path, mode: int, fsync: bool, exclusive: bool) -> Iterator[int]:
    """The one temporary-file lifecycle behind both writers: ``mkstemp`` (exclusive, random name)
    in ``path``'s directory (created if missing), ``mode`` bits; yields a one-item list holding the
    descriptor; on a clean exit fsyncs and closes it, publishes the file under ``path``
    (:func:`_publish`) and fsyncs the directory; on any error removes the temporary file and leaves
    ``path`` untouched."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except FileNotFoundError:  # first file in this directory
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    holder = [fd]
    try:
        os.fchmod(fd, mode & ~_UMASK)
        yield holder  # type: ignore[misc]
        if holder[0] >= 0:
            if fsync:
                os.fsync(holder[0])
            os.close(holder[0])
            holder[0] = -1
        if not _publish(tmp, str(path), exclusive):
            raise FileExistsError(f"{path} already exists; refusing to overwrite it")
        tmp = ""
        if fsync:
            fsync_dir(path.parent)
    finally:
        if holder[0] >= 0:
            os.close(holder[0])
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


@contextmanager
def atomic_write(target: PathLike, *, mode: int = PUBLIC_FILE_MODE, fsync: bool = True,
                 exclusive: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary file (open for writing and reading) whose content appears under
    ``target`` only once complete.

    ``mode`` is the new file's permission bits (``PUBLIC_FILE_MODE`` = 0666 minus the umask;
    ``PRIVATE_FILE_MODE`` = 0600 exactly). ``fsync`` (default on) makes the content and the
    name durable. With ``exclusive`` an existing ``target`` is never replaced:
    :class:`FileExistsError` is raised instead (write-once records). The parent directory is
    created if missing. On any error the temporary file is removed and ``target`` is untouched.
    """
    with _temporary(Path(target), mode, fsync, exclusive) as holder:
        out = os.fdopen(holder[0], "w+b", closefd=False)  # readable too: a caller may verify before the rename
        try:
            yield out  # type: ignore[misc]
            out.flush()
        finally:
            out.close()


def write_atomic(target: PathLike, data: Union[bytes, bytearray, memoryview, Sequence],
                 *, mode: int = PUBLIC_FILE_MODE, fsync: bool = True, exclusive: bool = False) -> Path:
    """Write ``data`` (bytes, or a sequence of buffers written back to back) to ``target``
    atomically, exactly as :func:`atomic_write` does (same temporary file, same guarantees,
    same errors); returns the target's Path. Used for many small files (store blocks), so it
    writes with ``os.writev`` on the descriptor instead of a buffered file object."""
    path = Path(target)
    parts = [data] if isinstance(data, (bytes, bytearray, memoryview)) else list(data)
    with _temporary(path, mode, fsync, exclusive) as holder:
        views = [memoryview(p).cast("B") for p in parts]
        while views:
            n = os.writev(holder[0], views)
            while views and n >= len(views[0]):
                n -= len(views[0])
                views.pop(0)
            if views and n:
                views[0] = views[0][n:]
    return path
