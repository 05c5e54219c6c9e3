"""The bounty explorer: read-only web pages for every bounty, served or exported as a static site.

optuna-dashboard's shape::

    from bounty_client.explorer import create_app, run_server
    app = create_app(network="http://127.0.0.1:8545", store="local:")   # an ASGI app (Starlette)
    run_server(app, host="127.0.0.1", port=8000)                         # uvicorn until Ctrl-C

or ``ape run bounty explorer --network ...`` (``--export DIR`` writes the static site and adds it
to the store).  What the pages show comes from :mod:`bounty_client.record.views` (the whole record of
a bounty as plain dataclasses); :mod:`.reader` is the one module here that calls the client, turning
its errors into HTTP statuses.  Importing this package imports no web framework (Starlette, Jinja2 and
uvicorn load with the first call).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["create_app", "run_server", "serve_in_thread", "export_site"]

_LAZY = {"create_app": "app", "run_server": "app", "serve_in_thread": "app", "export_site": "export"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bounty_client.explorer' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
