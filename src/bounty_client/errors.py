"""Every exception the client raises on purpose, under one root: :class:`BountyError`.

As in Optuna (one ``OptunaError`` root) and ApePay's SDK (``ApePayException``),
a program or a script catches ``BountyError`` once; each subclass also mixes in
the builtin that fits (``ValueError`` for bad input, ``RuntimeError`` for a state
that forbids the action, ``LookupError`` for missing content), so existing
``except ValueError`` code keeps working.  Each class's docstring says when it is
raised.

The package-specific errors live next to their code and derive from these:
``protocol.hyperparams.HyperparameterError``, ``protocol.spec.SpecError``, ``data.DataError``,
``ml.search.SearchError`` and ``storage.StorageError`` (with its subclasses).  This module imports nothing, so
``import bounty_client.errors`` stays cheap.
"""

from __future__ import annotations

__all__ = [
    "BountyError",
    "ArgumentError",
    "ChainError",
    "StageError",
    "NotABountyError",
    "VerificationError",
    "VaultError",
]


class BountyError(Exception):
    """Root of every error the client raises on purpose.

    Raised only through a subclass; its message is one line meant for people
    (``ape run bounty ...`` prints it as is and exits with status 1).
    """


class ArgumentError(BountyError, ValueError):
    """An argument of a client call or a script option is invalid (an amount, a period, a
    prize share, a batch size, a tolerance, a lifecycle option, a model's input shape, labels,
    dataset arrays, metric or seed).  Raised before anything is stored, sent or trained; the
    message names the argument."""


class ChainError(BountyError, RuntimeError):
    """A chain-side precondition does not hold: not the organizer, nothing to withdraw or
    reveal, the bounty is full, no contract or factory at an address.  Raised before the
    transaction is sent."""


class StageError(ChainError):
    """The bounty is not in a stage that allows the action; the message names the current
    stage and when the needed one opens (``Bounty.require_stage``).  Nothing was sent."""


class NotABountyError(ChainError):
    """The code at an address is not a bounty of the configured factory (or, with none
    configured, not a clone of an implementation and factory whose code equals the shipped
    ``Bounty``/``BountyFactory``): a look-alike could take a deposit and never pay.  Raised by
    ``Bounty.at`` before any transaction; the message says which link of the chain failed."""


class VerificationError(ChainError):
    """Public material does not match what the chain committed to: the spec's data CIDs,
    ``seq_len``, ``future_period`` or ``min_accuracy`` differ from the creation event, the
    revealed test set does not open the commitment, or a test-set manifest is malformed
    (raised by :mod:`bounty_client.record`, hence by every role and by ``verify``)."""


class VaultError(BountyError, RuntimeError):
    """A saved secret (a submission's salt and values, the test set's CID and salt) is
    missing, unreadable, or would be overwritten (:class:`bounty_client.roles.vault.Vault`)."""


class EvaluationError(BountyError, RuntimeError):
    """An evaluation cannot produce postable scores: worker processes died before they
    started (:class:`bounty_client.ml.evaluation.backends.WorkerStartupError`) or a run kept
    exceeding its time limit (:class:`bounty_client.ml.evaluation.result.IncompleteEvaluationError`)."""

