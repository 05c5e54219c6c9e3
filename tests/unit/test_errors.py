"""One error root: every error the client raises on purpose is a BountyError and keeps its builtin."""

from __future__ import annotations

import pytest

from bounty_client.data import DataError
from bounty_client.errors import ArgumentError, BountyError, ChainError, StageError, VaultError, VerificationError
from bounty_client.protocol.hyperparams import HyperparameterError
from bounty_client.protocol.spec import SpecError
from bounty_client.storage import errors as storage_errors


@pytest.mark.parametrize(
    "cls, builtin",
    [(ArgumentError, ValueError), (ChainError, RuntimeError), (StageError, RuntimeError),
     (VerificationError, RuntimeError), (VaultError, RuntimeError), (DataError, ValueError),
     (HyperparameterError, ValueError), (SpecError, ValueError), (storage_errors.CIDNotFoundError, LookupError),
     (storage_errors.MalformedCIDError, ValueError), (storage_errors.KuboTimeoutError, TimeoutError)],
)
def test_every_error__is_a_bounty_error_and_keeps_its_builtin(cls, builtin):
    assert issubclass(cls, BountyError) and issubclass(cls, builtin)
    assert cls.__doc__ and cls.__doc__.strip()


def test_every_storage_error__is_a_bounty_error():
    classes = [getattr(storage_errors, n) for n in storage_errors.__all__]
    assert classes and all(issubclass(c, BountyError) for c in classes)


def test_vault__missing_secret__is_a_bounty_error_naming_the_path(tmp_path):
    from bounty_client.roles.vault import Vault

    with pytest.raises(BountyError, match="no saved secret at"):
        Vault(tmp_path).test_set(31337, "0x" + "ab" * 32)
