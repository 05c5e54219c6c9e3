"""A juror of a ``RerunJury``: re-run what is disputed, commit a sealed answer, reveal it, resolve.

For a score dispute the answer is the juror's own re-computation of the disputed submission's score
(the evaluation ``verify`` runs, :func:`bounty_client.record.evaluate_record`, restricted to that
submission); for a test-data dispute it is 1 when the posted rows are not the source's (future
window: :func:`bounty_client.record.check_future_rows`) or the test set does not load, else 0.  The
answer and its salt go to the :class:`~bounty_client.roles.Vault` before the commit is sent::

    juror = Juror(account, store, Jury.at(address))
    for d in juror.open_disputes():
        juror.commit(d.id)                    # re-run, seal, save
    ... after the commit deadline
    juror.reveal(d.id)
    ... after the reveal deadline (anyone)
    juror.resolve(d.id)
"""

from __future__ import annotations

from typing import Any

from ..chain import Bounty, Jury, JuryDispute
from ..errors import BountyError, VaultError
from ..protocol.hyperparams import new_salt
from ..protocol.wire import DisputeKind
from ..record import evaluate_record, open_record
from ..storage.base import ContentStore
from .vault import Vault

__all__ = ["Juror"]


class Juror:
    """One juror (an Ape ``account``) of ``jury``, reading bounties' records from ``store``."""

    def __init__(self, account: Any, store: ContentStore, jury: Jury, *, vault: "Vault | None" = None,
                 workers: int = 1, backend: str = "auto"):
        self.account = account
        self.store = store
        self.jury = jury
        self.vault = vault or Vault()
        self.workers = workers
        self.backend = backend

    def __repr__(self) -> str:
        return f"Juror({self.account.address}, jury={self.jury.address})"

    def open_disputes(self) -> list[JuryDispute]:
        """The jury's disputes not resolved yet, in id order."""
        return self.jury.disputes(open_only=True)

    def answer(self, dispute: "JuryDispute | int", *, progress: bool = False) -> int:
        """This juror's own answer to ``dispute``: the re-run score of the disputed submission (bps), or
        for the test data 1 (the posted rows are not the source's, or no test set loads) / 0."""
        from ..record.verification import check_future_rows

        d = dispute if isinstance(dispute, JuryDispute) else self.jury.dispute(int(dispute))
        bounty = Bounty.at(d.bounty)
        record = open_record(bounty, self.store)
        if d.kind is DisputeKind.TEST_DATA:
            try:
                rows = record.test_prices()
                record.dataset(with_test=True)
            except BountyError:
                return 1
            if record.spec.test.is_future:
                problems, _ = check_future_rows(record.spec, rows, now=bounty.now(), randomness=record.randomness())
                return 1 if problems else 0
            return 0
        result = evaluate_record(record, ids=[d.key], workers=self.workers, backend=self.backend,
                                 progress=progress)
        return int(result.scores()[d.key])

    def commit(self, dispute_id: int, answer: "int | None" = None) -> tuple[int, Any]:
        """Seal this juror's answer (re-computed by :meth:`answer` unless given) with a fresh salt, saved
        in the vault first; returns ``(answer, receipt)``."""
        from ape import chain

        answer = self.answer(dispute_id) if answer is None else int(answer)
        salt = new_salt()
        self.vault.save_vote(chain.chain_id, self.jury.address, dispute_id, self.account.address, answer, salt)
        return answer, self.jury.commit_vote(dispute_id, answer, salt, sender=self.account)

    def reveal(self, dispute_id: int) -> tuple[int, Any]:
        """Open the answer saved by :meth:`commit`; returns ``(answer, receipt)``.  Raises
        :class:`VaultError` when this vault holds no answer for the dispute."""
        from ape import chain

        try:
            secret = self.vault.vote(chain.chain_id, self.jury.address, dispute_id, self.account.address)
        except VaultError as exc:
            raise VaultError(f"no saved answer of {self.account.address} for dispute {dispute_id} in {self.vault!r} "
                             f"(commit from this home first): {exc}") from None
        salt = bytes.fromhex(secret.salt.removeprefix("0x"))
        return secret.answer, self.jury.reveal_vote(dispute_id, secret.answer, salt, sender=self.account)

    def resolve(self, dispute_id: int) -> Any:
        """Close the dispute (anyone may): the median goes to the bounty; returns the receipt."""
        return self.jury.resolve(dispute_id, sender=self.account)
