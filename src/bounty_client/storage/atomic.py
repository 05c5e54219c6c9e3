"""Atomic file output: write beside the target, rename into place only when complete."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def atomic_target(target: Path) -> Iterator[str]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``, on any
    error (or interrupt) it is removed, so a half-written file never appears under the name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.part-")
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
