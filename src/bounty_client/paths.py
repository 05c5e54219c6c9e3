"""Where the client keeps its files on this machine, resolved in one place.

``$BOUNTY_HOME`` (default ``$XDG_DATA_HOME/ml-bounty``, else ``~/.local/share/ml-bounty``) holds
everything one user's client writes: the secret vault (``vault/``), the embedded content store
(``ipfs/``, or ``$BOUNTY_STORE_DIR``), the participant's search studies (``studies/``) and the
offline demo market (``market.json``).  Every module asks these functions instead of reading the
environment itself, so the rules live here once.  They read the environment on each call (a test
or a notebook may change ``$BOUNTY_HOME`` between two calls).  Standard library only: cheap to
import from any wing.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_home", "default_store_root", "default_market_path", "studies_dir"]

#: Environment variables read here.
HOME_ENV = "BOUNTY_HOME"
STORE_ENV = "BOUNTY_STORE_DIR"


def _xdg_data_home() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"


def default_home() -> Path:
    """``$BOUNTY_HOME``, else ``$XDG_DATA_HOME/ml-bounty``, else ``~/.local/share/ml-bounty``."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser()
    return _xdg_data_home() / "ml-bounty"


def default_store_root() -> Path:
    """``$BOUNTY_STORE_DIR``, else ``$BOUNTY_HOME/ipfs``, else ``$XDG_DATA_HOME/ml-bounty/ipfs``,
    else ``~/.local/share/ml-bounty/ipfs`` (beside the secret vault of :mod:`bounty_client.roles.vault`)."""
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env).expanduser()
    return default_home() / "ipfs"


def default_market_path() -> Path:
    """``$BOUNTY_HOME/market.json`` (the same folder as the vault: :func:`default_home`)."""
    return default_home() / "market.json"


def studies_dir(home: "str | os.PathLike[str] | None" = None) -> Path:
    """``<home>/studies``: the participant's Optuna journals (``home`` defaults to :func:`default_home`)."""
    root = Path(home).expanduser() if home is not None else default_home()
    return root / "studies"
