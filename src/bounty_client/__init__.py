"""ML Bounty client: trustless hyperparameter-search bounties on Ethereum.

Importing this package is cheap: TensorFlow, Ape, Ray and matplotlib are imported
only by the functions that need them.  The main entry points::

    from bounty_client import Organizer, Participant, verify
    from bounty_client import Hyperparameters, BountySpec, open_store

Submodules: ``spec``, ``hyperparams``, ``data``, ``model``, ``evaluation``,
``storage``, ``chain``, ``roles``, ``verification``, ``vault``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> submodule that defines it; resolved on first access (PEP 562).
_LAZY = {
    "Hyperparameters": "hyperparams",
    "HyperparameterBounds": "hyperparams",
    "HyperparameterError": "hyperparams",
    "BountySpec": "spec",
    "TrainingProtocol": "spec",
    "load_spec": "spec",
    "open_store": "storage",
    "LocalStore": "storage",
    "KuboStore": "storage",
    "synthetic_prices": "data",
    "build_dataset": "data",
    "evaluate": "evaluation",
    "Submission": "evaluation",
    "Organizer": "roles",
    "Participant": "roles",
    "Bounty": "chain",
    "Stage": "chain",
    "verify": "verification",
    "Vault": "vault",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bounty_client' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
