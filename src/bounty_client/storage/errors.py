"""Exceptions raised by :mod:`bounty_client.storage`.

Every error is a :class:`StorageError`; most also derive from the builtin that
fits (``ValueError`` for bad input, ``LookupError`` for missing content,
``ConnectionError`` / ``TimeoutError`` for the daemon) so callers can catch
either.  Messages name the CID, path or URL at fault.
"""

from __future__ import annotations

from ..errors import BountyError

__all__ = [
    "StorageError",
    "MalformedCIDError",
    "UnsupportedCIDError",
    "CIDNotFoundError",
    "BlockNotFoundError",
    "CorruptBlockError",
    "TruncatedBlockError",
    "CorruptDAGError",
    "FileTooLargeError",
    "UnsupportedDAGError",
    "NotPinnedError",
    "StoreRootError",
    "StoreURLError",
    "CARError",
    "KuboError",
    "KuboUnavailableError",
    "KuboTimeoutError",
    "ContentMismatchError",
]


class StorageError(BountyError):
    """Base class of every storage error (a :class:`~bounty_client.errors.BountyError`)."""


class MalformedCIDError(StorageError, ValueError):
    """A string (or object) that is not a CID at all."""


class UnsupportedCIDError(StorageError, ValueError):
    """A valid CID this store cannot serve (hash function or codec not supported)."""


class CIDNotFoundError(StorageError, LookupError):
    """The store has no content for this CID."""

    def __init__(self, message: str, cid: str | None = None) -> None:
        super().__init__(message)
        self.cid = cid

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return str(self.args[0])


class BlockNotFoundError(CIDNotFoundError):
    """A block inside a DAG is missing (the root is there, a child is not)."""


class CorruptBlockError(StorageError):
    """A stored block does not hash to its CID: it was altered on disk."""

    def __init__(self, message: str, cid: str | None = None) -> None:
        super().__init__(message)
        self.cid = cid


class TruncatedBlockError(CorruptBlockError):
    """A stored block is shorter than its encoding says (a cut-off file)."""


class CorruptDAGError(StorageError):
    """Blocks hash correctly but the DAG they form is inconsistent (sizes, fields)."""


class FileTooLargeError(StorageError, ValueError):
    """A file's declared (or streamed) size exceeds the store's ``max_file_size`` cap.

    Raised before the bytes are returned or renamed into place; raise the cap
    (``max_file_size=`` or ``$BOUNTY_MAX_FILE_SIZE``) to read a larger file you trust.
    """


class UnsupportedDAGError(StorageError, ValueError):
    """The CID is valid and present but is not a UnixFS file (e.g. a directory)."""


class NotPinnedError(StorageError, ValueError):
    """``unpin`` of a CID that is not pinned."""


class StoreRootError(StorageError):
    """The store's root directory cannot be used (e.g. it is a file)."""


class StoreURLError(StorageError, ValueError):
    """``open_store`` got a URL it does not understand."""


class CARError(StorageError, ValueError):
    """A CAR file is malformed or its blocks do not verify."""


class KuboError(StorageError):
    """The kubo daemon answered with an error."""


class KuboUnavailableError(KuboError, ConnectionError):
    """No kubo daemon answers at the configured RPC address."""


class KuboTimeoutError(KuboError, TimeoutError):
    """A kubo RPC call took longer than the store's timeout."""


class ContentMismatchError(StorageError):
    """Bytes returned by a remote node do not rebuild the CID that was asked for."""
