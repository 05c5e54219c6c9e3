"""``open_store(url)``: pick a backend from a store URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

from .errors import StoreURLError

__all__ = ["open_store"]

_HELP = ("use 'local:' (default local store), 'local:/some/dir' or a directory path for a "
         "LocalStore, or a kubo RPC address such as '/ip4/127.0.0.1/tcp/5001' or "
         "'http://127.0.0.1:5001' for a KuboStore")


def open_store(url: Union[str, "os.PathLike[str]", None] = None, **kwargs):
    """Open the store that ``url`` names.

    * ``None``, ``""``, ``"local:"`` -> :class:`LocalStore` at the default root;
    * ``"local:/path"``, ``"file:///path"``, or a filesystem path -> :class:`LocalStore` there;
    * a multiaddr (``/ip4/…/tcp/…``, ``/ip6/…``, ``/dns4/…``, ``/dns/…``) or
      ``http(s)://host:port`` -> :class:`KuboStore`.

    Extra keyword arguments go to the store's constructor. Anything else
    raises :class:`StoreURLError` saying what is accepted.
    """
    from .local import LocalStore

    if url is None:
        return LocalStore(**kwargs)
    if isinstance(url, os.PathLike):
        return LocalStore(Path(url), **kwargs)
    if not isinstance(url, str):
        raise StoreURLError(f"store url must be a string or path, got {type(url).__name__}; {_HELP}")
    text = url.strip()
    if text in ("", "local", "local:"):
        return LocalStore(**kwargs)
    if text.startswith("local:"):
        rest = text[len("local:"):]
        if rest.startswith("//"):
            rest = rest[2:]
        return LocalStore(Path(rest) if rest else None, **kwargs)
    if text.startswith("file://"):
        return LocalStore(Path(text[len("file://"):]), **kwargs)
    if text.startswith(("http://", "https://", "/ip4/", "/ip6/", "/dns/", "/dns4/", "/dns6/")):
        from .kubo import KuboStore

        return KuboStore(text, **kwargs)
    if "://" in text or (":" in text.split("/")[0] and not os.path.isabs(text)
                         and len(text.split(":")[0]) > 1):
        raise StoreURLError(f"unknown store url {url!r}; {_HELP}")
    return LocalStore(Path(text), **kwargs)
