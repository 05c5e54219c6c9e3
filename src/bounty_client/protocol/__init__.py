"""The protocol wing: the bounty's rules in pure Python, mirroring ``contracts/`` (no Ape, no TensorFlow).

:mod:`.wire` (the contract's enums, encodings and limits; amounts in wei), :mod:`.hyperparams` (what a
participant submits, its commitment and cost), :mod:`.spec` (the bounty spec, and
:func:`~.spec.chain_terms`, the one mapping of a spec onto the chain's creation terms),
:mod:`.terms` (validated creation terms and every limit the factory checks), :mod:`.seeds`
(evaluation seeds from the on-chain randomness) and :mod:`.settlement` (who is paid what: a mirror of
the contract's settlement).  Cheap to import.
"""

from .hyperparams import CHAIN_LIMITS, HyperparameterBounds, HyperparameterError, Hyperparameters
from .seeds import evaluation_seeds
from .settlement import Credit, Settlement, settle
from .spec import BountySpec, DataFile, SpecError, TestRule, TestSource, TrainingProtocol, chain_terms, load_spec
from .terms import BountyTerms
from .wire import CreditReason, Outcome, Stage, parse_ether

__all__ = [
    "CHAIN_LIMITS",
    "BountySpec",
    "BountyTerms",
    "Credit",
    "CreditReason",
    "DataFile",
    "HyperparameterBounds",
    "HyperparameterError",
    "Hyperparameters",
    "Outcome",
    "Settlement",
    "SpecError",
    "Stage",
    "TestRule",
    "TestSource",
    "TrainingProtocol",
    "chain_terms",
    "evaluation_seeds",
    "load_spec",
    "parse_ether",
    "settle",
]
