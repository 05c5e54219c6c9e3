"""The two roles, stage by stage: :class:`Organizer` and :class:`Participant`.

Both wrap an Ape account and a content store::

    from ape import accounts
    from bounty_client import Organizer, Participant, open_store
    from bounty_client.data import synthetic_prices

    store = open_store("local:")
    org = Organizer(accounts.test_accounts[0], store)
    prepared = org.prepare(synthetic_prices(), name="LTC direction", target="LTC")
    bounty = org.create(prepared, reward="10 ether")

    alice = Participant(accounts.test_accounts[1], store)
    board = alice.search(bounty, [{"lstm_layers": 1, ...}, ...])   # validation scores
    alice.commit(bounty, board.best)                                  # sealed

Every method checks the bounty's stage and its arguments first and raises
(:class:`~bounty_client.chain.StageError`, ``HyperparameterError``, ``DataError``,
``SpecError``) before anything is stored or sent.  Secrets a later reveal needs
(salts, committed values, the test-set CID) are written to the
:class:`~bounty_client.vault.Vault` before the transaction that commits them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .chain import Bounty, ChainError, Stage, StageError, parse_ether, stored_commitment
from .hyperparams import Hyperparameters, new_salt, test_commitment
from .vault import Vault

__all__ = ["Organizer", "Participant", "PreparedBounty", "SearchResult", "TEST_SET_KIND", "load_prices", "load_test_set"]

#: ``kind`` of the hidden test-set manifest (JSON on IPFS; its CID is what the organizer commits to).
TEST_SET_KIND = "ml-bounty/test-set"


def _csv_bytes(frame: Any, source: str) -> bytes:
    from .data import format_prices_csv

    return format_prices_csv(frame, source=source).encode()


def _parse_csv(data: bytes, source: str) -> Any:
    from .data import parse_prices_csv

    return parse_prices_csv(data.decode("utf-8"), source=source)


def _hex(b: "bytes | str") -> str:
    return b if isinstance(b, str) else "0x" + bytes(b).hex()


def load_prices(files: Iterable[Any], store: Any) -> dict[str, Any]:
    """``{symbol: price table}`` from ``DataFile`` records (label, cid), fetched and verified by CID."""
    out = {}
    for f in files:
        out[f.symbol] = _parse_csv(store.get(f.cid), source=f"{f.label} ({f.cid})")
    return out


def load_test_set(test_cid: str, store: Any) -> dict[str, Any]:
    """The hidden test part ``{symbol: price table}`` from its manifest CID."""
    from .spec import DataFile

    try:
        manifest = json.loads(store.get(test_cid))
    except ValueError as exc:
        raise ValueError(f"test set {test_cid}: manifest is not JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != TEST_SET_KIND:
        raise ValueError(f"test set {test_cid}: not an ML Bounty test-set manifest (kind {TEST_SET_KIND!r})")
    return load_prices([DataFile.from_dict(f) for f in manifest["files"]], store)


def evaluate_revealed(bounty: Bounty, spec: Any, dataset: Any, test_cid: str, *, workers: int = 1,
                      backend: str = "auto", progress: bool = True, ray_address: "str | None" = None) -> Any:
    """Score every revealed submission of ``bounty`` (shared by the organizer and :func:`verify`)."""
    from .evaluation import Submission, evaluate

    if backend == "ray":
        from .evaluation.ray_backend import connect

        connect(ray_address)
    subs = [Submission(id=s.id, submitter=s.submitter, hyperparameters=s.hyperparameters.to_dict())
            for s in bounty.revealed_submissions()]
    return evaluate(subs, dataset, spec.protocol, spec=spec, workers=workers, backend=backend, progress=progress,
                    test_cid=test_cid, data_cids=spec.data_cids)


def _copy(cid: str, src: Any, dst: Any) -> None:
    if src is dst or dst.has(cid):
        return
    got = dst.add(src.get(cid))
    if got != cid:  # pragma: no cover - both stores build kubo's DAG
        raise ChainError(f"store {dst!r} gave {got} for {cid}")


# ======================================================================= organizer
@dataclass
class PreparedBounty:
    """Everything stored before creation: the spec, its CID and the sealed test set."""

    spec: Any
    spec_cid: str
    test_cid: str
    test_salt: bytes = field(repr=False)
    test_commitment: bytes = field(repr=False)
    test_files: list[Any] = field(default_factory=list, repr=False)
    summary: str = field(default="", repr=False)

    @property
    def data_cids(self) -> list[str]:
        return [f.cid for f in self.spec.data_files]


class Organizer:
    """Opens, evaluates and settles bounties.

    ``store`` is where the public files go (spec, training data, report);
    ``private_store`` holds the hidden test set until it is revealed (default: the
    same store; with a kubo node as ``store``, keep the test set in a LocalStore so
    its CIDs are not announced before the reveal).
    """

    def __init__(self, account: Any, store: Any, *, private_store: Any = None, factory: Any = None,
                 vault: "Vault | None" = None):
        self.account = account
        self.store = store
        self.private_store = private_store if private_store is not None else store
        self.factory = factory
        self.vault = vault or Vault()

    def __repr__(self) -> str:
        return f"Organizer({self.account.address}, store={self.store!r})"

    # -------------------------------------------------------- preprocessing
    def prepare(
        self,
        prices: Mapping[str, Any],
        *,
        name: str,
        target: str,
        seq_len: int = 10,
        future_period: int = 3,
        description: str = "",
        protocol: Any = None,
        split: Any = None,
        bounds: Any = None,
        min_accuracy_bps: int = 5000,
    ) -> PreparedBounty:
        """Split off the hidden test set, store the public CSVs, the test manifest and the spec.

        The whole dataset (public + hidden) is built once first, so data that is
        too short or malformed fails here, before anything is written.
        """
        from .data import split_hidden
        from .spec import BountySpec, DataFile, SplitRule, TrainingProtocol
        from .hyperparams import CHAIN_LIMITS

        split = split or SplitRule()
        probe = BountySpec(
            name=name, description=description, target=target, seq_len=seq_len, future_period=future_period,
            data_files=tuple(DataFile(label=f"{s}-USD", cid="QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")
                             for s in prices),
            split=split, protocol=protocol or TrainingProtocol(), bounds=bounds or CHAIN_LIMITS,
            min_accuracy_bps=min_accuracy_bps,
        )
        public, hidden = split_hidden(prices, split.test_fraction)
        dataset = probe.build_dataset(public, hidden)  # raises before anything is stored

        data_files = tuple(DataFile(label=f"{s}-USD", cid=self.store.add(_csv_bytes(public[s], f"{s}-USD"))) for s in public)
        test_files = [DataFile(label=f"{s}-USD", cid=self.private_store.add(_csv_bytes(hidden[s], f"{s}-USD (hidden)"))) for s in hidden]
        manifest = {
            "kind": TEST_SET_KIND,
            "version": 1,
            "files": [f.to_dict() for f in test_files],
        }
        test_cid = self.private_store.add(json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode())
        spec = BountySpec.from_dict({**probe.to_dict(), "data_files": [f.to_dict() for f in data_files]})
        spec_cid = self.store.add(spec.to_bytes())
        salt = new_salt()
        return PreparedBounty(
            spec=spec, spec_cid=spec_cid, test_cid=test_cid, test_salt=salt,
            test_commitment=test_commitment(test_cid, salt), test_files=test_files,
            summary=dataset.summary() if hasattr(dataset, "summary") else repr(dataset),
        )

    # -------------------------------------------------------- initialization
    def create(
        self,
        prepared: PreparedBounty,
        *,
        reward: "int | str" = "10 ether",
        submission_period: int = 3600,
        reveal_period: int = 3600,
        evaluation_period: int = 3600,
        max_submissions: int = 1000,
        commit_deposit: "int | str" = 0,
        prize_shares: Sequence[int] = (),
        start: "int | None" = None,
    ) -> Bounty:
        """Create the bounty through the factory (one transaction, reward = ``msg.value``).

        Deadlines are ``start`` (default: the next block's timestamp) plus the periods.
        The test-set secret is saved in the vault before the transaction is sent.
        """
        from ape import chain

        if self.factory is None:
            raise ChainError("no factory: pass factory= (see bounty_client.chain.find_factory / deploy_factory)")
        reward_wei, deposit_wei, shares = self.check_create_args(
            reward=reward, submission_period=submission_period, reveal_period=reveal_period,
            evaluation_period=evaluation_period, max_submissions=max_submissions, commit_deposit=commit_deposit,
            prize_shares=prize_shares,
        )
        t0 = int(start if start is not None else chain.pending_timestamp)
        d1 = t0 + int(submission_period)
        d2 = d1 + int(reveal_period)
        d3 = d2 + int(evaluation_period)
        self.vault.save_test_set(chain.chain_id, prepared.test_commitment, prepared.test_cid, prepared.test_salt)
        receipt = self.factory.create(
            prepared.spec_cid, prepared.data_cids, prepared.spec.min_accuracy_bps, prepared.spec.seq_len,
            prepared.spec.future_period, d1, d2, d3, prepared.test_commitment, int(max_submissions), deposit_wei,
            shares, sender=self.account, value=reward_wei,
        )
        created = [log for log in receipt.events if getattr(log, "event_name", "") == "BountyCreated"]
        return Bounty.at(str(created[-1].bounty))

    def check_create_args(
        self,
        *,
        reward: "int | str" = "10 ether",
        submission_period: int = 3600,
        reveal_period: int = 3600,
        evaluation_period: int = 3600,
        max_submissions: int = 1000,
        commit_deposit: "int | str" = 0,
        prize_shares: Sequence[int] = (),
    ) -> tuple[int, int, list[int]]:
        """Validate :meth:`create`'s arguments (call it before :meth:`prepare` stores anything).

        Returns ``(reward_wei, deposit_wei, shares)``."""
        reward_wei = parse_ether(reward)
        deposit_wei = parse_ether(commit_deposit)
        if reward_wei <= 0:
            raise ValueError("reward: must be more than 0 wei")
        for n, v in (("submission_period", submission_period), ("reveal_period", reveal_period),
                     ("evaluation_period", evaluation_period)):
            if int(v) <= 0:
                raise ValueError(f"{n}: must be a positive number of seconds, got {v}")
        if not 1 <= int(max_submissions) < 2**24:
            raise ValueError(f"max_submissions: must be 1..16777215, got {max_submissions}")
        shares = [int(s) for s in prize_shares]
        if shares and (len(shares) > 5 or sum(shares) != 10_000 or min(shares) <= 0):
            raise ValueError(f"prize_shares: 1 to 5 positive basis-point shares summing to 10000, got {shares}")
        if self.account is not None:
            balance = int(self.account.balance)
            if balance < reward_wei:
                raise ValueError(f"reward: {reward_wei / 1e18:g} ETH exceeds the organizer's balance {balance / 1e18:g} ETH")
        return reward_wei, deposit_wei, shares

    def cancel(self, bounty: Bounty) -> Any:
        self._only_organizer(bounty, "cancel")
        if bounty.contract.submission_count() != 0:
            raise StageError("cannot cancel: a submission was already committed")
        bounty.require_stage("cancel", Stage.SUBMISSION, Stage.REVEAL, Stage.EVALUATION, Stage.EXPIRED)
        return bounty.contract.cancel(sender=self.account)

    def _only_organizer(self, bounty: Bounty, action: str) -> None:
        if str(bounty.contract.organizer()).lower() != str(self.account.address).lower():
            raise ChainError(f"cannot {action}: {self.account.address} is not the organizer of {bounty.address}")

    # -------------------------------------------------------- reveal
    def reveal_test(self, bounty: Bounty) -> Any:
        """Reveal the hidden test set (and publish it to the public store)."""
        from ape import chain

        self._only_organizer(bounty, "reveal the test set")
        if bounty.contract.test_revealed():
            raise ChainError(f"the test set of {bounty.address} is already revealed")
        bounty.require_stage("reveal the test set", Stage.REVEAL, Stage.EVALUATION)
        commitment = _hex(bytes(bounty.contract.test_commitment()))
        secret = self.vault.test_set(chain.chain_id, commitment)
        manifest = json.loads(self.private_store.get(secret.test_cid))
        for f in manifest["files"]:
            _copy(f["cid"], self.private_store, self.store)
        _copy(secret.test_cid, self.private_store, self.store)
        return bounty.contract.reveal_test_data(secret.test_cid, bytes.fromhex(secret.salt[2:]), sender=self.account)

    # -------------------------------------------------------- evaluation
    def evaluate(self, bounty: Bounty, *, workers: int = 1, backend: str = "auto", progress: bool = True,
                 ray_address: "str | None" = None) -> Any:
        """Re-train every revealed submission under the spec's protocol; score on the test set."""
        from .evaluation import Submission, evaluate
        from .spec import load_spec

        bounty.require_stage("evaluate", Stage.EVALUATION)
        revealed = bounty.revealed_test_data()
        if revealed is None:
            raise StageError("cannot evaluate: the test set is not revealed yet (reveal_test first)")
        spec = load_spec(self.store.get(bounty.creation().spec_cid))
        dataset = spec.build_dataset(load_prices(spec.data_files, self.store), load_test_set(revealed[0], self.store))
        return evaluate_revealed(bounty, spec, dataset, revealed[0], workers=workers, backend=backend,
                                 progress=progress, ray_address=ray_address)

    def post_scores(self, bounty: Bounty, result: Any, *, batch_size: int = 100) -> list[Any]:
        """Store the JSON report and post every score with its CID (batches of ``batch_size``)."""
        self._only_organizer(bounty, "post scores")
        bounty.require_stage("post scores", Stage.EVALUATION)
        if not 1 <= batch_size <= 128:
            raise ValueError(f"batch_size: 1..128 ids per transaction, got {batch_size}")
        report = dict(result.report())
        report["bounty"] = bounty.address
        report_cid = self.store.add(json.dumps(report, sort_keys=True, default=str).encode())
        # The contract takes ids in strictly increasing order across all batches.
        first = int(bounty.contract.next_score_id())
        pairs = sorted((int(i), int(s)) for i, s in result.scores().items() if int(i) >= first)
        if not pairs:
            raise ChainError(f"nothing to post: every submission of {bounty.address} up to #{first - 1} is scored")
        receipts = []
        for i in range(0, len(pairs), batch_size):
            chunk = pairs[i : i + batch_size]
            receipts.append(bounty.contract.post_scores([p[0] for p in chunk], [p[1] for p in chunk], report_cid,
                                                        sender=self.account))
        self.last_report_cid = report_cid
        return receipts

    # -------------------------------------------------------- final
    def finalize(self, bounty: Bounty) -> Any:
        st = bounty.status()
        if st.stage in (Stage.FINALIZED, Stage.CANCELLED):
            raise StageError(f"cannot finalize: bounty {bounty.address} is already {st.stage.name}")
        if st.stage == Stage.EVALUATION and st.scored_count < st.revealed_count:
            raise StageError(
                f"cannot finalize yet: {st.scored_count} of {st.revealed_count} revealed submissions are scored; "
                "post the remaining scores, or anyone can finalize after the evaluation deadline"
            )
        bounty.require_stage("finalize", Stage.EVALUATION, Stage.EXPIRED)
        return bounty.contract.finalize(sender=self.account)

    def withdraw(self, bounty: Bounty) -> Any:
        return _withdraw(bounty, self.account)


def _withdraw(bounty: Bounty, account: Any) -> Any:
    if bounty.credits(account) == 0:
        raise ChainError(f"nothing to withdraw: {account.address} has no credit in {bounty.address}")
    return bounty.contract.withdraw(sender=account)


# ======================================================================= participant
@dataclass
class SearchResult:
    """A participant's local search: one row per configuration tried (validation accuracy)."""

    leaderboard: Any
    results: list[tuple[Hyperparameters, Any]] = field(repr=False)

    @property
    def best(self) -> Hyperparameters:
        return self.results[int(self.leaderboard.index[0])][0]

    def _repr_html_(self) -> str:  # notebooks
        return self.leaderboard._repr_html_()

    def __repr__(self) -> str:
        return f"SearchResult(best={self.best!r})\n{self.leaderboard.to_string()}"


class Participant:
    """Downloads a bounty's data, searches hyperparameters locally, commits and reveals."""

    def __init__(self, account: Any, store: Any, *, vault: "Vault | None" = None):
        self.account = account
        self.store = store
        self.vault = vault or Vault()

    def __repr__(self) -> str:
        return f"Participant({self.account.address}, store={self.store!r})"

    # -------------------------------------------------------- data
    def spec(self, bounty: Bounty) -> Any:
        from .spec import load_spec

        creation = bounty.creation()
        spec = load_spec(self.store.get(creation.spec_cid))
        onchain = list(creation.data_cids)
        if [f.cid for f in spec.data_files] != onchain:
            raise ChainError(f"spec {creation.spec_cid} lists data CIDs that differ from the chain's {onchain}")
        if (spec.seq_len, spec.future_period, spec.min_accuracy_bps) != (
            creation.seq_len, creation.future_period, creation.min_accuracy
        ):
            raise ChainError(f"spec {creation.spec_cid} disagrees with the bounty's on-chain parameters")
        return spec

    def download(self, bounty: Bounty, directory: "str | Path | None" = None) -> dict[str, Any]:
        """The public price tables (verified by CID); also written as CSVs to ``directory`` if given."""
        spec = self.spec(bounty)
        prices = load_prices(spec.data_files, self.store)
        if directory is not None:
            from .data import write_prices_dir

            write_prices_dir(prices, directory)
        return prices

    def dataset(self, bounty: Bounty) -> Any:
        spec = self.spec(bounty)
        return spec.build_dataset(load_prices(spec.data_files, self.store))

    # -------------------------------------------------------- search
    def search(self, bounty: Bounty, candidates: "Iterable[Hyperparameters | Mapping[str, Any]] | None" = None, *,
               n_trials: "int | None" = None, timeout: "float | None" = None, sampler: Any = "tpe",
               pruner: Any = "median", seeds: "int | Sequence[int] | None" = None, folds: "int | None" = None,
               workers: int = 1, study: Any = None, commit: bool = False, epochs: "int | None" = None,
               margin: float = 300.0, progress: "bool | None" = None, plots_dir: "str | Path | None" = None) -> Any:
        """Search hyperparameters for ``bounty`` on Optuna; returns a ``bounty_client.search.SearchResult``.

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
        See the module docstring of ``bounty_client.search`` for the rules.
        """
        import time as _time

        from ape import chain

        from . import search as core

        spec = self.spec(bounty)
        legacy = candidates is not None and n_trials is None and timeout is None
        hps = [spec.hyperparameters(c) for c in (candidates or ())]
        if candidates is not None and not hps:
            raise ValueError("candidates: give at least one configuration")
        if commit and self.account is None:
            raise ValueError("commit: a participant without an account cannot commit")
        ds = spec.build_dataset(load_prices(spec.data_files, self.store))
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
            commit=(lambda hp: self.commit(bounty, hp)) if commit else None, plots_dir=plots_dir,
        )

    # -------------------------------------------------------- submission
    def commit(self, bounty: Bounty, hyperparameters: "Hyperparameters | Mapping[str, Any]") -> int:
        """Seal ``hyperparameters`` (saved with a fresh salt in the vault first); returns the submission id."""
        from ape import chain

        spec = self.spec(bounty)
        hp = spec.hyperparameters(hyperparameters)
        bounty.require_stage("commit", Stage.SUBMISSION)
        st = bounty.status()
        if st.submission_count >= st.max_submissions:
            raise ChainError(f"cannot commit: the bounty is full ({st.max_submissions} submissions)")
        if int(self.account.balance) < st.commit_deposit:
            raise ChainError(f"cannot commit: the deposit {st.commit_deposit / 1e18:g} ETH exceeds the balance")
        salt = new_salt()
        commitment = hp.commitment(bounty.address, self.account.address, salt)
        self.vault.save_submission(chain.chain_id, bounty.address, self.account.address, commitment, salt, hp)
        receipt = bounty.contract.commit(commitment, sender=self.account, value=st.commit_deposit)
        committed = [log for log in receipt.events if getattr(log, "event_name", "") == "Committed"]
        return int(committed[-1].id)

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
            bounty.contract.reveal(sid, *secret.hyperparameters.to_chain(), bytes.fromhex(secret.salt[2:]),
                                   sender=self.account)
        return [sid for sid, _ in pending]

    def claim_shares(self, bounty: Bounty) -> Any:
        ids = [i for i, _ in bounty.commits(submitter=self.account.address)]
        return bounty.contract.claim_shares(ids, sender=self.account)

    def withdraw(self, bounty: Bounty) -> Any:
        return _withdraw(bounty, self.account)
