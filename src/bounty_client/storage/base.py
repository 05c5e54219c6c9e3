"""The one interface every content store has: :class:`ContentStore`.

:class:`~bounty_client.storage.LocalStore` (embedded, no daemon) and
:class:`~bounty_client.storage.KuboStore` (a kubo node) both satisfy it, and every part of the
client that reads or writes content (the organizer's files, a bounty's public record, the CAR
transfer, verification) takes a ``ContentStore``, so a new backend is one class with these methods.
A structural type (``typing.Protocol``): a store need not inherit from it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Protocol, Union, runtime_checkable

__all__ = ["ContentStore"]


@runtime_checkable
class ContentStore(Protocol):
    """A content-addressed store that gives exactly the CIDs ``ipfs add`` gives (see :mod:`bounty_client.storage`)."""

    @property
    def url(self) -> str:
        """The URL :func:`~bounty_client.storage.open_store` opens this store from."""
        ...

    def add(self, data: Any, *, name: Optional[str] = None, pin: bool = True, cid_version: int = 0) -> str:
        """Store ``data`` (bytes, a path or a binary file object); returns its CID."""
        ...

    def get(self, cid: Any, path: Union[str, "os.PathLike[str]", None] = None) -> Any:
        """The content of ``cid`` as bytes, every block hash-checked; with ``path``, streamed there instead."""
        ...

    def has(self, cid: Any) -> bool:
        """Whether the whole DAG of ``cid`` is in the store."""
        ...

    def export_car(self, cid: Any, path: Union[str, "os.PathLike[str]"]) -> Path:
        """Write the DAG of ``cid`` as a CARv1 file; returns its path."""
        ...

    def import_car(self, path: Union[str, "os.PathLike[str]"], *, pin: bool = True) -> list[str]:
        """Import a CARv1 file (every block verified against its CID); returns its roots."""
        ...
