"""Write-once local records of the secrets a reveal needs.

A sealed submission can only be revealed with the exact hyperparameters and
salt that were hashed; the organizer's test set only with its CID and salt.
Losing either forfeits the submission (or, for the organizer, the evaluation),
so the client writes them here **before** the transaction that commits them is
sent, and never overwrites a record: each is written in full to an exclusively
created temporary file, fsync-ed, and only then hard-linked to its name (derived
from its commitment hash), which fails if the name exists
(:func:`bounty_client.storage.atomic.write_atomic` with ``exclusive=True``). A crash
mid-write therefore never leaves half a record under a valid name. Directories are
0700 and records 0600.

A record that cannot be read anyway (damaged on disk, edited by hand) is reported
with a :class:`VaultWarning` naming the file and skipped when listing, so it never
blocks the reveal of any other bounty.

Layout (``root`` defaults to ``$BOUNTY_HOME`` or ``~/.local/share/ml-bounty``)::

    root/vault/<chain id>/submissions/<commitment>.json
    root/vault/<chain id>/test-sets/<test commitment>.json
    root/vault/<chain id>/votes/<jury>-<dispute id>-<juror>.json      (a juror's sealed answer)

The submission id is not stored: it is looked up on-chain from the
``Committed`` event carrying the commitment, so a record stays valid even when
the process died between writing it and mining the commit.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import VaultError
from ..paths import default_home
from ..protocol.hyperparams import Hyperparameters, HyperparameterBounds, CHAIN_LIMITS

__all__ = ["Vault", "VaultError", "VaultWarning", "SubmissionSecret", "TestSetSecret", "VoteSecret"]


class VaultWarning(UserWarning):
    """A record in the vault cannot be read and was skipped (the message names the file)."""


def _hex(value: "bytes | str") -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return "0x" + str(value).lower().removeprefix("0x")


@dataclass(frozen=True)
class SubmissionSecret:
    """What a participant needs to reveal one commitment."""

    chain_id: int
    bounty: str
    sender: str
    commitment: str
    salt: str
    hyperparameters: Hyperparameters
    created_at: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "submission",
            "chain_id": self.chain_id,
            "bounty": self.bounty,
            "sender": self.sender,
            "commitment": self.commitment,
            "salt": self.salt,
            "hyperparameters": self.hyperparameters.to_dict(),
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class TestSetSecret:
    """What an organizer needs to reveal the hidden test set."""

    __test__ = False  # not a pytest class

    chain_id: int
    test_commitment: str
    test_cid: str
    salt: str
    created_at: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "test-set",
            "chain_id": self.chain_id,
            "test_commitment": self.test_commitment,
            "test_cid": self.test_cid,
            "salt": self.salt,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class VoteSecret:
    """What a juror needs to reveal its sealed answer in one dispute."""

    chain_id: int
    jury: str
    dispute_id: int
    juror: str
    answer: int
    salt: str
    created_at: float

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "vote", "chain_id": self.chain_id, "jury": self.jury, "dispute_id": self.dispute_id,
                "juror": self.juror, "answer": self.answer, "salt": self.salt, "created_at": self.created_at}


class Vault:
    """Write-once store of reveal secrets under ``root/vault``."""

    def __init__(self, root: "str | os.PathLike[str] | None" = None):
        self.root = (Path(root).expanduser() if root is not None else default_home()) / "vault"

    def __repr__(self) -> str:
        return f"Vault({str(self.root)!r})"

    # ------------------------------------------------------------------ writing
    def _write_once(self, path: Path, record: dict[str, Any]) -> Path:
        from ..storage.atomic import PRIVATE_FILE_MODE, write_atomic  # no heavy imports

        for folder in (self.root, path.parent.parent, path.parent):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()
        try:
            write_atomic(path, data, mode=PRIVATE_FILE_MODE, exclusive=True)
        except FileExistsError:
            try:
                existing = json.loads(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise VaultError(f"{path} exists but cannot be read ({exc}); it may hold this secret: "
                                 f"move it aside to save again") from None
            if isinstance(existing, dict) and {k: v for k, v in existing.items() if k != "created_at"} == {
                k: v for k, v in record.items() if k != "created_at"
            }:
                return path  # the very same secret, already saved
            raise VaultError(f"{path} already holds a different secret; refusing to overwrite it") from None
        return path

    def save_submission(
        self, chain_id: int, bounty: str, sender: str, commitment: "bytes | str", salt: "bytes | str",
        hyperparameters: Hyperparameters,
    ) -> SubmissionSecret:
        secret = SubmissionSecret(
            chain_id=int(chain_id), bounty=str(bounty), sender=str(sender), commitment=_hex(commitment),
            salt=_hex(salt), hyperparameters=hyperparameters, created_at=time.time(),
        )
        self._write_once(self._submission_path(chain_id, secret.commitment), secret.to_dict())
        return secret

    def save_test_set(self, chain_id: int, test_commitment: "bytes | str", test_cid: str, salt: "bytes | str") -> TestSetSecret:
        secret = TestSetSecret(
            chain_id=int(chain_id), test_commitment=_hex(test_commitment), test_cid=test_cid, salt=_hex(salt),
            created_at=time.time(),
        )
        self._write_once(self._test_path(chain_id, secret.test_commitment), secret.to_dict())
        return secret

    def save_vote(self, chain_id: int, jury: str, dispute_id: int, juror: str, answer: int,
                  salt: "bytes | str") -> VoteSecret:
        """A juror's answer and salt, saved before the commit that seals them."""
        secret = VoteSecret(chain_id=int(chain_id), jury=str(jury), dispute_id=int(dispute_id), juror=str(juror),
                            answer=int(answer), salt=_hex(salt), created_at=time.time())
        self._write_once(self._vote_path(chain_id, jury, dispute_id, juror), secret.to_dict())
        return secret

    def vote(self, chain_id: int, jury: str, dispute_id: int, juror: str) -> VoteSecret:
        """A juror's saved answer; :class:`VaultError` if missing or unreadable."""
        path = self._vote_path(chain_id, jury, dispute_id, juror)
        d = self._load(path)
        with _fields(path):
            return VoteSecret(chain_id=d["chain_id"], jury=d["jury"], dispute_id=d["dispute_id"], juror=d["juror"],
                              answer=d["answer"], salt=d["salt"], created_at=d["created_at"])

    def _vote_path(self, chain_id: int, jury: str, dispute_id: int, juror: str) -> Path:
        return self.root / str(int(chain_id)) / "votes" / f"{str(jury).lower()}-{int(dispute_id)}-{str(juror).lower()}.json"

    # ------------------------------------------------------------------ reading
    def _submission_path(self, chain_id: int, commitment: str) -> Path:
        return self.root / str(int(chain_id)) / "submissions" / f"{_hex(commitment)}.json"

    def _test_path(self, chain_id: int, test_commitment: str) -> Path:
        return self.root / str(int(chain_id)) / "test-sets" / f"{_hex(test_commitment)}.json"

    @staticmethod
    def _load(path: Path) -> dict[str, Any]:
        try:
            d = json.loads(path.read_bytes())
        except FileNotFoundError:
            raise VaultError(f"no saved secret at {path}") from None
        except (OSError, ValueError) as exc:
            raise VaultError(f"{path}: unreadable secret ({exc})") from exc
        if not isinstance(d, dict):
            raise VaultError(f"{path}: unreadable secret (not a JSON object)")
        return d

    def submission(
        self, chain_id: int, commitment: "bytes | str", bounds: HyperparameterBounds = CHAIN_LIMITS
    ) -> SubmissionSecret:
        """The record of one commitment; :class:`VaultError` if missing or unreadable."""
        path = self._submission_path(chain_id, _hex(commitment))
        d = self._load(path)
        with _fields(path):
            return SubmissionSecret(
                chain_id=d["chain_id"], bounty=d["bounty"], sender=d["sender"], commitment=d["commitment"],
                salt=d["salt"], hyperparameters=Hyperparameters.from_dict(d["hyperparameters"], bounds=bounds),
                created_at=d["created_at"],
            )

    def submissions(self, chain_id: int, bounty: "str | None" = None, sender: "str | None" = None) -> Iterator[SubmissionSecret]:
        """Every readable submission record of ``chain_id`` (optionally of one bounty / sender).

        A record that cannot be read or parsed is skipped with a :class:`VaultWarning`
        naming its file; the others are still returned.
        """
        folder = self.root / str(int(chain_id)) / "submissions"
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            try:
                secret = self.submission(chain_id, path.stem)
            except VaultError as exc:  # its message starts with the path
                warnings.warn(VaultWarning(f"skipping unreadable vault record {exc}"), stacklevel=2)
                continue
            if bounty is not None and secret.bounty.lower() != str(bounty).lower():
                continue
            if sender is not None and secret.sender.lower() != str(sender).lower():
                continue
            yield secret

    def test_set(self, chain_id: int, test_commitment: "bytes | str") -> TestSetSecret:
        """The organizer's test-set record; :class:`VaultError` if missing or unreadable."""
        path = self._test_path(chain_id, _hex(test_commitment))
        d = self._load(path)
        with _fields(path):
            return TestSetSecret(
                chain_id=d["chain_id"], test_commitment=d["test_commitment"], test_cid=d["test_cid"], salt=d["salt"],
                created_at=d["created_at"],
            )


@contextmanager
def _fields(path: Path) -> Iterator[None]:
    """Turn a missing or malformed field of a parsed record into a :class:`VaultError` naming the file."""
    try:
        yield
    except KeyError as exc:
        raise VaultError(f"{path}: unreadable secret (missing field {exc})") from None
    except (TypeError, ValueError) as exc:
        raise VaultError(f"{path}: unreadable secret ({exc})") from None
