"""ML Bounty client: trustless hyperparameter-search bounties on Ethereum.

Importing this package is cheap: TensorFlow, Ape, Ray and matplotlib are imported
only by the functions that need them.  The main entry points::

    from bounty_client import Organizer, Participant, BountyTerms, verify
    from bounty_client import Bounty, open_record, Hyperparameters, BountySpec, open_store
    from bounty_client import Challenger, Juror, Jury       # the dispute step: watch, challenge, rule

Every error the client raises on purpose is a :class:`BountyError` (``bounty_client.errors``).

Wings (arrows point down; ``tests/test_layers.py`` keeps them so): ``cli`` (role commands,
the lifecycle demo) -> ``roles`` (organizer, participant, challenger, juror, vault) -> ``record`` (a bounty's
public record: record, verify, views, transfer) -> ``ml`` (model, budget, evaluation, search) and
``chain`` (one class per contract: ``Bounty``, ``Factory``, ``Jury``; the clock) -> ``protocol`` (wire,
hyperparams, spec, terms, seeds, settlement), ``data`` and ``storage`` -> ``errors``, ``quiet``,
``paths``.  ``contracts`` holds the shipped contract types.
"""

from __future__ import annotations

import importlib
from typing import Any

from .quiet import quiet as _quiet

# Known library noise (pydantic's warnings while Ape builds its models, tqdm's IProgress notice in a
# notebook, TensorFlow's start-up lines) is silenced for every importer, scripts and notebooks alike:
# environment defaults and warnings filters only, no heavy import (see bounty_client.quiet).
_quiet()

__version__ = "0.1.0"

# name -> submodule that defines it; resolved on first access (PEP 562).
_LAZY = {
    "Hyperparameters": "protocol.hyperparams",
    "HyperparameterBounds": "protocol.hyperparams",
    "HyperparameterError": "protocol.hyperparams",
    "BountySpec": "protocol.spec",
    "TrainingProtocol": "protocol.spec",
    "load_spec": "protocol.spec",
    "open_store": "storage",
    "LocalStore": "storage",
    "KuboStore": "storage",
    "synthetic_prices": "data",
    "build_dataset": "data",
    "evaluate": "ml.evaluation",
    "Submission": "ml.evaluation",
    "Organizer": "roles",
    "Participant": "roles",
    "Challenger": "roles",
    "Juror": "roles",
    "Bounty": "chain",
    "Jury": "chain",
    "Stage": "protocol.wire",
    "Outcome": "protocol.wire",
    "CreditReason": "protocol.wire",
    "BountyError": "errors",
    "BountyTerms": "protocol.terms",
    "BountyRecord": "record",
    "open_record": "record",
    "verify": "record",
    "VerificationStatus": "record",
    "Vault": "roles",
    "evaluation_seeds": "protocol.seeds",
    "LocalMarket": "data",
    "CoinpaprikaMarket": "data",
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
