"""The participant's role, stage by stage: :class:`Participant` downloads a bounty's data, searches
hyperparameters locally, commits sealed submissions and reveals them.

It wraps an Ape account and a content store::

    from ape import accounts
    from bounty_client import Participant, open_store

    alice = Participant(accounts.test_accounts[1], open_store("local:"))
    board = alice.search(bounty, [{"lstm_layers": 1, ...}, ...])   # validation scores
    alice.commit(bounty, board.best)                                  # sealed
    ...                                                               # after the submission deadline
    alice.reveal(bounty)

Every method checks the bounty's stage and its arguments first and raises a
:class:`~bounty_client.errors.BountyError` before anything is stored or sent.  What it reads comes
from one :class:`~bounty_client.record.BountyRecord` per action, checked against the chain.  Salts
and committed values are written to the :class:`~bounty_client.roles.vault.Vault` before the commit
transaction is sent, so a later process can reveal.  :func:`search` is the candidate-list search for
anyone, without an account.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..chain import Bounty, Stage
from ..errors import ArgumentError, ChainError
from ..protocol.hyperparams import Hyperparameters, new_salt
from ..protocol.wire import stored_commitment
from ..record import BountyRecord, open_record
from ..storage.base import ContentStore
from .vault import Vault

__all__ = ["Participant", "search"]


class Participant:
    """Downloads a bounty's data, searches hyperparameters locally, commits and reveals."""

    def __init__(self, account: Any, store: ContentStore, *, vault: "Vault | None" = None):
        self.account = account
        self.store = store
        self.vault = vault or Vault()

    def __repr__(self) -> str:
        return f"Participant({self.account.address}, store={self.store!r})"

    # -------------------------------------------------------- data
    def spec(self, bounty: Bounty) -> Any:
        """The bounty's spec, checked against the chain (:func:`bounty_client.record.open_record`)."""
        return open_record(bounty, self.store).spec

    def download(self, bounty: Bounty, directory: "str | Path | None" = None) -> dict[str, Any]:
        """The public price tables (verified by CID); with ``directory``, also the CSVs and ``spec.json``
        written there (:func:`bounty_client.record.download`)."""
        from ..record import download

        return download(bounty, self.store, directory)

    def dataset(self, bounty: Bounty) -> Any:
        """The public ``Dataset`` (train and validation parts; no test part)."""
        return open_record(bounty, self.store).dataset()

    # -------------------------------------------------------- search
    def search(self, bounty: Bounty, candidates: "Iterable[Hyperparameters | Mapping[str, Any]] | None" = None, *,
               n_trials: "int | None" = None, timeout: "float | None" = None, sampler: Any = "tpe",
               pruner: Any = "median", seeds: "int | Sequence[int] | None" = None, folds: "int | None" = None,
               workers: int = 1, study: Any = None, commit: bool = False, epochs: "int | None" = None,
               margin: float = 300.0, progress: "bool | None" = None, plots_dir: "str | Path | None" = None) -> Any:
        """Search hyperparameters for ``bounty`` on Optuna; returns a ``bounty_client.ml.search.SearchResult``.

        The space, protocol and metric are the spec's; the data is the published part, in
        walk-forward ``folds`` (default 3) with a ``future_period`` gap, each trial averaged over
        ``seeds`` (default 3) of the participant's own.  The study lives in
        ``$BOUNTY_HOME/studies/<chain>-<bounty>-<account>.log`` (``study``: another name in that
        folder, or an ``optuna.Study``) and a later call continues it.  No trial starts that
        would end after the submission deadline (chain time) less ``margin`` seconds.
        ``commit=True`` preflights the best under the full protocol and commits it through
        :meth:`commit` (vault record first); ``result.submission_id`` is its id.

        The candidate-list form ``search(bounty, candidates, epochs=...)`` (no ``n_trials`` or
        ``timeout``) trains exactly those candidates, as before: in memory, on the spec's own
        train/validation split, one seed, unless ``folds``/``seeds``/``study`` say otherwise.
        See the module docstring of ``bounty_client.ml.search`` for the rules.
        """
        import time as _time

        from ape import chain

        from ..ml import search as core

        record = open_record(bounty, self.store)
        spec = record.spec
        legacy = candidates is not None and n_trials is None and timeout is None
        hps = [spec.hyperparameters(c) for c in (candidates or ())]
        if candidates is not None and not hps:
            raise ArgumentError("candidates: give at least one configuration")
        if commit and self.account is None:
            raise ArgumentError("commit: a participant without an account cannot commit")
        ds = record.dataset()
        account = getattr(self.account, "address", "anonymous")
        if isinstance(study, (str, Path)):
            name, path = str(study), core.study_path(chain.chain_id, bounty.address, account).with_name(f"{study}.log")
        elif study is not None:  # an optuna.Study
            name, path = study.study_name, None
        elif legacy:
            name, path = f"{chain.chain_id}-{bounty.address}-{account}-candidates", None
        else:
            name = f"{chain.chain_id}-{bounty.address.lower()}-{str(account).lower()}"
            path = core.study_path(chain.chain_id, bounty.address, account)
        deadline = core.Deadline(None, margin)
        if bounty.stage == Stage.SUBMISSION and not legacy:
            # Chain time can differ from this machine's (Anvil time travel): map the deadline onto our clock.
            left = int(bounty.status().submission_deadline) - int(chain.pending_timestamp)
            deadline = core.Deadline(_time.time() + left, margin)
        elif commit:
            bounty.require_stage("commit", Stage.SUBMISSION)
        return core.run_search(
            spec, ds, study_name=name, storage_path=path, study=study if not isinstance(study, (str, Path)) else None,
            n_trials=n_trials, timeout=timeout, sampler=sampler, pruner=pruner,
            seeds=seeds if seeds is not None else (1 if legacy else 3),
            folds=folds if folds is not None else (1 if legacy else 3),
            workers=workers, epochs=epochs, candidates=hps, deadline=deadline,
            progress=progress if progress is not None else not legacy,
            commit=(lambda hp: self._commit(record, hp)) if commit else None, plots_dir=plots_dir,
        )

    # -------------------------------------------------------- submission
    def commit(self, bounty: Bounty, hyperparameters: "Hyperparameters | Mapping[str, Any]") -> int:
        """Seal ``hyperparameters`` (saved with a fresh salt in the vault first); returns the submission id."""
        return self._commit(open_record(bounty, self.store), hyperparameters)  # the spec checked against the chain

    def _commit(self, record: BountyRecord, hyperparameters: "Hyperparameters | Mapping[str, Any]") -> int:
        """:meth:`commit` on a record already opened by the calling action (:meth:`search` commits through it)."""
        from ape import chain

        from ..protocol.hyperparams import parameter_count

        bounty, spec, creation = record.bounty, record.spec, record.creation  # the cost bound included
        hp = spec.hyperparameters(hyperparameters)
        cost = parameter_count(hp, creation.n_features)
        if cost > creation.max_cost:  # the reveal would revert and the deposit be forfeited
            raise ArgumentError(f"hyperparameters: {cost:,} parameters exceed the bounty's cost bound "
                                f"max_cost {creation.max_cost:,}; choose fewer LSTM layers, units or Dense layers")
        bounty.require_stage("commit", Stage.SUBMISSION)
        st = bounty.status()
        if st.submission_count >= st.max_submissions:
            raise ChainError(f"cannot commit: the bounty is full ({st.max_submissions} submissions)")
        if int(self.account.balance) < st.commit_deposit:
            raise ChainError(f"cannot commit: the deposit {st.commit_deposit / 1e18:g} ETH exceeds the balance")
        for sid, secret in self.pending_reveals(bounty):
            if secret.hyperparameters.to_dict() == hp.to_dict():
                raise ArgumentError(f"hyperparameters: {self.account.address} already committed these exact values "
                                    f"as #{sid}; a second copy cannot score better and costs another deposit")
        salt = new_salt()
        commitment = hp.commitment(bounty.address, self.account.address, salt)
        self.vault.save_submission(chain.chain_id, bounty.address, self.account.address, commitment, salt, hp)
        return bounty.commit(commitment, sender=self.account, deposit=st.commit_deposit)

    def pending_reveals(self, bounty: Bounty) -> list[tuple[int, Any]]:
        """``(id, secret)`` of this account's commitments to ``bounty`` not revealed yet."""
        from ape import chain

        unrevealed = {}
        for sid, _ in bounty.commits(submitter=self.account.address):
            stored = bounty.commitment_of(sid)
            if stored is not None:
                unrevealed[stored] = sid
        out = []
        for secret in self.vault.submissions(chain.chain_id, bounty=bounty.address, sender=self.account.address):
            sid = unrevealed.get(stored_commitment(secret.commitment))
            if sid is not None:
                out.append((sid, secret))
        return sorted(out, key=lambda p: p[0])

    def reveal(self, bounty: Bounty) -> list[int]:
        """Reveal every saved, unrevealed commitment of this account; returns the ids."""
        bounty.require_stage("reveal", Stage.REVEAL)
        pending = self.pending_reveals(bounty)
        if not pending:
            raise ChainError(f"nothing to reveal: no saved, unrevealed commitment of {self.account.address} "
                             f"to {bounty.address} in {self.vault!r}")
        for sid, secret in pending:
            bounty.reveal(sid, secret.hyperparameters, secret.salt, sender=self.account)
        return [sid for sid, _ in pending]

    def claim(self, bounty: Bounty) -> list[Any]:
        """After settlement: take back what this account's revealed submissions are owed (each one's
        deposit unless it scored below the minimum, and after SHARED its share), in batches of at most
        128 ids (:meth:`Bounty.claim`; paid at once).  Returns the receipts."""
        return bounty.claim(self.account)

    def withdraw(self, bounty: Bounty) -> Any:
        """Pull this account's whole credit (:meth:`Bounty.withdraw`); ``ChainError`` when there is none."""
        return bounty.withdraw(self.account)


def search(bounty: Bounty, store: ContentStore, candidates: Iterable["Hyperparameters | Mapping[str, Any]"], *,
           epochs: "int | None" = None, progress: bool = False) -> Any:
    """Anyone (no account): train exactly ``candidates`` under the bounty's protocol and rank them.

    The candidate-list form of :meth:`Participant.search`, through the same Optuna objective
    (``bounty_client.ml.search``): an in-memory study, the spec's own train/validation split, the
    protocol's seed, the spec's metric on the validation windows, no pruning.  Duplicates are
    trained once.  Returns a ``bounty_client.ml.search.SearchResult`` (``.leaderboard``,
    ``.best``).  Out-of-bounds candidates raise ``HyperparameterError`` before any training,
    no candidate ``ArgumentError``.  ``epochs`` shortens the protocol for a cheap search (the
    organizer always uses the spec's)."""
    from ..ml import search as core

    record = open_record(bounty, store)
    spec = record.spec
    hps = list(dict.fromkeys(spec.hyperparameters(c) for c in candidates))
    if not hps:
        raise ArgumentError("candidates: give at least one configuration")
    return core.run_search(spec, record.dataset(), study_name=f"{bounty.address}-candidates", storage_path=None,
                           n_trials=len(hps), sampler="random", pruner="none", seeds=(spec.protocol.seed,),
                           folds=1, epochs=epochs, candidates=hps, progress=progress)
