"""The organizer's role, stage by stage: :class:`Organizer` opens, evaluates and settles bounties.

It wraps an Ape account and a content store::

    from ape import accounts
    from bounty_client import BountyTerms, Organizer, open_store
    from bounty_client.data import synthetic_prices

    store = open_store("local:")
    org = Organizer(accounts.test_accounts[0], store)
    prepared = org.prepare(synthetic_prices(), name="LTC direction", target="LTC")
    bounty = org.create(prepared, BountyTerms(reward="10 ether"))

    # or, future-window mode (the test part is a window of prices after the reveal deadline):
    #   terms = BountyTerms(reward="10 ether", evaluation_period=...)
    #   prepared = org.prepare_future(LocalMarket(), terms, symbols=["BTC", "LTC"], name=..., target="LTC")
    #   ... after the window closes: org.post_test_data(bounty)

Every method checks the bounty's stage and its arguments first and raises a
:class:`~bounty_client.errors.BountyError` (``StageError``, ``ChainError``,
``ArgumentError``, ``HyperparameterError``, ``DataError``, ``SpecError``) before
anything is stored or sent.  What it reads (spec, data, test set, revealed
submissions) comes from one :class:`~bounty_client.record.BountyRecord` per action, checked
against the chain; every call to the contract goes through :class:`~bounty_client.chain.Bounty`
and :class:`~bounty_client.chain.Factory`.  The test-set secret a later reveal needs is written
to the :class:`~bounty_client.roles.vault.Vault` before the transaction that commits to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from ..chain import (NO_FACTORY, Bounty, Factory, Stage, find_factory, format_utc, mined_timestamp, record_factory,
                     relative_time)
from ..errors import ArgumentError, ChainError, StageError
from ..protocol.hyperparams import new_salt, test_commitment
from ..protocol.terms import BountyTerms
from ..protocol.wire import MAX_SCORE_BATCH
from ..record import check_report, evaluate_bounty, open_record, test_set_files, test_set_manifest
from ..storage.base import ContentStore
from .vault import Vault

__all__ = ["Organizer", "OpenedBounty", "PostedScores", "PreparedBounty", "MIN_WINDOWS_PER_SPLIT"]

#: Fewest windows ``Organizer.prepare`` accepts in each of train, validation and test: with fewer,
#: a score moves by 500 bps or more per window and a validation score of 10000 bps means nothing.
MIN_WINDOWS_PER_SPLIT = 20


def _csv_bytes(frame: Any, source: str) -> bytes:
    from ..data import format_prices_csv

    return format_prices_csv(frame, source=source).encode()


def _copy(cid: str, src: ContentStore, dst: ContentStore) -> None:
    if src is dst or dst.has(cid):
        return
    got = dst.add(src.get(cid))
    if got != cid:  # pragma: no cover - both stores build kubo's DAG
        raise ChainError(f"store {dst!r} gave {got} for {cid}")


# ======================================================================= organizer
@dataclass
class PreparedBounty:
    """Everything stored before creation: the spec, its CID and the test part's secret.

    Sealed mode: ``test_cid`` (in the private store), its ``test_salt`` and ``test_commitment``.
    Future-window mode (``spec.test.mode == "future"``): no test part exists yet, so
    ``test_cid`` is ``""`` and the commitment empty; ``start`` is the time (unix seconds) the
    deadlines and the window were computed from, which :meth:`Organizer.create` reuses.
    ``summary`` describes the public part only (never a statistic of the hidden one)."""

    spec: Any
    spec_cid: str
    test_cid: str = field(repr=False)
    test_salt: bytes = field(repr=False)
    test_commitment: bytes = field(repr=False)
    test_files: list[Any] = field(default_factory=list, repr=False)
    summary: str = field(default="", repr=False)
    #: the hidden test set was already in one of the organizer's stores: the same data made a
    #: bounty before, and if its test set was revealed, everyone knows this one's
    reused_test_set: bool = False
    #: joined rows and rows dropped while building the dataset (see ``Dataset.metadata``)
    rows: int = 0
    dropped_rows: int = 0
    start: "int | None" = None
    #: Training windows of the public dataset (the evaluation budget's size; 0: unknown).
    train_windows: int = field(default=0, repr=False)
    #: Test windows the evaluation will score (sizes the default score tolerance; 0: unknown).
    test_windows: int = field(default=0, repr=False)

    @property
    def data_cids(self) -> list[str]:
        return [f.cid for f in self.spec.data_files]

    @property
    def test_mode(self) -> str:
        return self.spec.test.mode


def _probe_spec(symbols: Iterable[str], *, split: Any = None, protocol: Any = None, bounds: Any = None,
                **fields: Any) -> Any:
    """The spec to validate and build the dataset with before anything is stored: its data CIDs
    are placeholders until the files are added (see ``terms.PLACEHOLDER_CID``)."""
    from ..protocol.hyperparams import CHAIN_LIMITS
    from ..protocol.spec import BountySpec, DataFile, SplitRule, TrainingProtocol
    from ..protocol.terms import PLACEHOLDER_CID

    return BountySpec(data_files=tuple(DataFile(label=f"{s}-USD", cid=PLACEHOLDER_CID) for s in symbols),
                      split=split or SplitRule(), protocol=protocol or TrainingProtocol(),
                      bounds=bounds or CHAIN_LIMITS, **fields)


def _provisional(spec: Any, dataset: Any, *, sealed: bool, start: "int | None" = None) -> "PreparedBounty":
    """A ``PreparedBounty`` with the real spec figures and training windows but placeholder CIDs and
    commitment, for the checks that must run before anything is stored."""
    from ..protocol.terms import PLACEHOLDER_CID

    return PreparedBounty(spec=spec, spec_cid=PLACEHOLDER_CID, test_cid="", test_salt=b"",
                          test_commitment=b"\x01" * 32 if sealed else bytes(32), start=start,
                          train_windows=len(dataset.x_train))


def _public_summary(dataset: Any) -> str:
    """The dataset summary without the test row (its size and up-fraction are the hidden part's)."""
    summary = dataset.summary()
    return summary.drop(index="test", errors="ignore").to_string()


@dataclass
class OpenedBounty:
    """What :meth:`Organizer.open` did: the bounty, what was stored, the factory (``deployed``: new)."""

    bounty: Bounty
    prepared: PreparedBounty
    factory: Factory = field(repr=False)
    deployed: bool = False


@dataclass
class PostedScores:
    """What :meth:`Organizer.post_scores` sent: the report's CID and one receipt per batch."""

    report_cid: str
    receipts: list[Any] = field(default_factory=list, repr=False)


class Organizer:
    """Opens, evaluates and settles bounties.

    ``store`` is where the public files go (spec, training data, report, posted window rows);
    ``private_store`` holds the hidden test set until it is revealed (default: an
    owner-only LocalStore beside the vault, ``<home>/private-ipfs``, 0700/0600, so
    the hidden part is never sent to ``store`` - a kubo node would announce it -
    before the reveal copies it there).
    """

    def __init__(self, account: Any, store: ContentStore, *, private_store: "ContentStore | None" = None,
                 factory: "Factory | str | None" = None,
                 vault: "Vault | None" = None, market_file: "str | Path | None" = None):
        self.account = account
        self.store = store
        self.factory = factory
        self.vault = vault or Vault()
        if private_store is None:
            from ..storage import LocalStore

            private_store = LocalStore(self.vault.root.parent / "private-ipfs", private=True)
        self.private_store = private_store
        #: the local market file future-window posts read by default (``<home>/market.json``)
        self.market_file = Path(market_file) if market_file is not None else self.vault.root.parent / "market.json"

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
        before_store: "Callable[[PreparedBounty], None] | None" = None,
    ) -> PreparedBounty:
        """Split off the hidden test set, store the public CSVs, the test manifest and the spec.

        ``before_store`` is called with a provisional ``PreparedBounty`` (placeholder CIDs, the
        real spec figures and training windows) once the dataset is built and before anything is
        stored: :meth:`open` runs the contract-limit and evaluation-budget checks there.

        The whole dataset (public + hidden) is built once first, so data that is
        too short or malformed fails here, before anything is written.
        """
        from ..data import split_hidden
        from ..protocol.spec import BountySpec, DataFile, SplitRule

        split = split or SplitRule()
        probe = _probe_spec(prices, name=name, description=description, target=target, seq_len=seq_len,
                            future_period=future_period, split=split, protocol=protocol, bounds=bounds,
                            min_accuracy_bps=min_accuracy_bps)
        public, hidden = split_hidden(prices, split.test_fraction)
        dataset = probe.build_dataset(public, hidden)  # raises before anything is stored
        windows = {name: int(len(dataset.split(name)[1])) for name in ("train", "val", "test")}
        if min(windows.values()) < MIN_WINDOWS_PER_SPLIT:
            per_coin = min(len(f) for f in prices.values())
            from ..data import DataError

            raise DataError(
                f"{per_coin} rows per coin give {windows['train']} train, {windows['val']} validation and "
                f"{windows['test']} test windows; each split needs at least {MIN_WINDOWS_PER_SPLIT} (give more rows)",
                source="prices")

        if before_store is not None:
            before_store(_provisional(probe, dataset, sealed=True))
        data_files = tuple(DataFile(label=f"{s}-USD", cid=self.store.add(_csv_bytes(public[s], f"{s}-USD"))) for s in public)
        test_files = [DataFile(label=f"{s}-USD", cid=self.private_store.add(_csv_bytes(hidden[s], f"{s}-USD (hidden)"))) for s in hidden]
        manifest = test_set_manifest(test_files)
        from ..storage import compute_cid

        reused = any(st.has(compute_cid(manifest)) for st in (self.store, self.private_store))
        test_cid = self.private_store.add(manifest)
        spec = BountySpec.from_dict({**probe.to_dict(), "data_files": [f.to_dict() for f in data_files]})
        spec_cid = self.store.add(spec.to_bytes())
        salt = new_salt()
        return PreparedBounty(
            spec=spec, spec_cid=spec_cid, test_cid=test_cid, test_salt=salt,
            test_commitment=test_commitment(test_cid, salt), test_files=test_files,
            summary=_public_summary(dataset),
            reused_test_set=reused, rows=int(getattr(dataset, "n_rows", 0)),
            dropped_rows=int(getattr(dataset, "dropped_rows", 0) or 0),
            train_windows=len(dataset.x_train), test_windows=len(dataset.y_test),
        )

    def prepare_future(
        self,
        market: Any,
        terms: BountyTerms,
        *,
        symbols: "Iterable[str]",
        name: str,
        target: str,
        history_rows: int = 1500,
        window_rows: int = 150,
        start: "int | None" = None,
        source: Any = None,
        seq_len: int = 10,
        future_period: int = 3,
        description: str = "",
        protocol: Any = None,
        split: Any = None,
        bounds: Any = None,
        min_accuracy_bps: int = 5000,
        before_store: "Callable[[PreparedBounty], None] | None" = None,
    ) -> PreparedBounty:
        """Future-window mode: publish ``history_rows`` rows per coin of ``market`` up to the chain's
        time, and a spec whose test part is the window of ``window_rows`` rows (``market.interval``
        seconds apart) that opens at the first grid time at or after the REVEAL deadline.

        Prices inside the window become public as it runs; a window that opened while reveals were
        still possible would let a participant with several commits score them on the first labels
        and reveal only the best, so it opens only once the reveals are over.  ``terms`` fixes the
        deadlines (from ``start``, default the next block's timestamp; :meth:`create` reuses it);
        the evaluation deadline must come after the window's end (``ArgumentError`` naming
        ``evaluation_period`` otherwise).  ``market``: a :class:`bounty_client.data.Market`
        (``LocalMarket`` offline, ``CoinpaprikaMarket``); ``source`` the spec's
        :class:`~bounty_client.protocol.spec.TestSource` (default: derived from ``market``).

        Raises ``ArgumentError``/``DataError``/``SpecError`` before anything is stored."""
        from ape import chain

        from ..data import LocalMarket, window_grid
        from ..protocol.spec import BountySpec, DataFile, TestRule, TestSource

        symbols = list(symbols)
        for label, value, low in (("history_rows", history_rows, 2), ("window_rows", window_rows, future_period + 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ArgumentError(f"{label}: must be an integer >= {low}, got {value!r}")
        interval = int(market.interval)
        if source is None:
            if isinstance(market, LocalMarket):
                source = TestSource("local")
            else:
                source = TestSource("coinpaprika", base_url=getattr(getattr(market, "client", None), "base_url", None))
        t0 = int(start if start is not None else chain.pending_timestamp)
        _, reveal_deadline, evaluation_deadline = terms.deadlines(t0)
        window = window_grid(reveal_deadline, (window_rows - 1) * interval, interval)
        if evaluation_deadline <= window[1]:
            raise ArgumentError(
                f"evaluation_period: the evaluation deadline {evaluation_deadline} must come after the test "
                f"window's end {window[1]} (window of {window_rows} rows from the reveal deadline); make it at "
                f"least {window[1] - reveal_deadline + 1} s plus the time to evaluate")
        now = int(chain.blocks.head.timestamp)  # rows up to the latest block's time exist
        last = now - now % interval
        public = market.history(symbols, last - (history_rows - 1) * interval, last, now=now)
        rule = TestRule("future", window=window, source=source, interval=interval)
        probe = _probe_spec(public, name=name, description=description, target=target, seq_len=seq_len,
                            future_period=future_period, split=split, protocol=protocol, bounds=bounds,
                            min_accuracy_bps=min_accuracy_bps, test=rule)
        dataset = probe.build_dataset(public)  # raises before anything is stored
        if before_store is not None:
            before_store(_provisional(probe, dataset, sealed=False, start=t0))
        data_files = tuple(DataFile(label=f"{s}-USD", cid=self.store.add(_csv_bytes(public[s], f"{s}-USD")))
                           for s in public)
        spec = BountySpec.from_dict({**probe.to_dict(), "data_files": [f.to_dict() for f in data_files]})
        spec_cid = self.store.add(spec.to_bytes())
        # The window's rows, each the last step of a window whose label lies in the window too.
        test_windows = max((window[1] - window[0]) // interval + 1 - future_period, 0)
        return PreparedBounty(spec=spec, spec_cid=spec_cid, test_cid="", test_salt=b"", test_commitment=bytes(32),
                              summary=_public_summary(dataset), start=t0, train_windows=len(dataset.x_train),
                              test_windows=test_windows)

    # -------------------------------------------------------- initialization
    def create(self, prepared: PreparedBounty, terms: "BountyTerms | None" = None, *, start: "int | None" = None,
               workers: int = 1, **terms_kwargs: Any) -> Bounty:
        """Create the bounty through the factory (one transaction, reward = ``msg.value``).

        ``terms`` (or ``BountyTerms(**terms_kwargs)``: ``reward=``, ``submission_period=``, ...) are
        checked with :meth:`check_create_args`.  Deadlines are ``start`` (default: the next block's
        timestamp) plus the periods.  Before anything is sent: every argument is checked against the
        contract's limits (:func:`~bounty_client.protocol.terms.check_factory_arguments`) and the evaluation
        window against the worst case the bounds allow with ``workers`` parallel workers
        (:meth:`check_evaluation_budget`, whose estimate is printed).  The test-set secret is saved
        in the vault before the transaction is sent.  Raises ``ChainError`` without a factory,
        ``ArgumentError`` naming the term to change."""
        from ape import chain

        self.factory = find_factory(self.factory)
        if self.factory is None:
            raise ChainError("no factory: pass factory= (an address or a contract; see "
                             "bounty_client.chain.find_factory / deploy_factory)")
        if terms is not None and terms_kwargs:
            raise ArgumentError(f"create: give terms or their fields, not both ({sorted(terms_kwargs)})")
        terms = self.check_create_args(terms, **terms_kwargs)
        if start is None:
            start = prepared.start  # future mode: the window was computed from it
        t0 = int(start if start is not None else chain.pending_timestamp)
        arguments = self._preflight(prepared, terms, t0, workers)
        print(self.check_evaluation_budget(prepared, arguments, workers=workers))
        if prepared.test_mode == "sealed":
            self.vault.save_test_set(chain.chain_id, prepared.test_commitment, prepared.test_cid, prepared.test_salt)
        receipt = self.factory.create(sender=self.account, value=terms.value, **arguments)
        return Bounty.at(self.factory.created_address(receipt), factory=self.factory)

    def _preflight(self, prepared: PreparedBounty, terms: BountyTerms, start: int, workers: int) -> dict[str, Any]:
        """The factory arguments for a bounty opened at ``start``, after every check that needs no
        transaction: the contract's limits and the evaluation budget.  Raises ``ArgumentError``."""
        from ..protocol.terms import check_factory_arguments

        arguments = terms.factory_arguments(prepared, start)
        check_factory_arguments(arguments, terms.value, now=mined_timestamp())
        self.check_evaluation_budget(prepared, arguments, workers=workers)
        return arguments

    def check_evaluation_budget(self, prepared: PreparedBounty, arguments: "Mapping[str, Any]", *,
                                workers: int = 1) -> Any:
        """The worst-case evaluation estimate (:class:`~bounty_client.ml.budget.EvaluationBudget`) of a bounty
        with these factory ``arguments``: ``max_submissions`` submissions of ``max_cost`` parameters and the
        most LSTM and dense layers the spec's bounds allow, the spec's ``k`` seeds, epochs and batch size, ``prepared``'s training windows, ``workers`` workers, against the
        window from the test data (reveal deadline, or ``test_data_after`` in future mode) to the evaluation
        deadline.  Raises ``ArgumentError`` naming what to change when it does not fit."""
        from ..ml.budget import evaluation_budget

        protocol = prepared.spec.protocol
        opens = max(int(arguments["reveal_deadline"]), int(arguments.get("test_data_after") or 0))
        return evaluation_budget(
            max_cost=int(arguments["max_cost"]), windows=max(int(prepared.train_windows), 1),
            seq_len=int(arguments["seq_len"]), epochs=int(protocol.epochs), seeds=int(protocol.seeds),
            max_submissions=int(arguments["max_submissions"]), workers=workers,
            window_s=int(arguments["evaluation_deadline"]) - opens,
            # the deepest model the bounds allow: deep, narrow models cost per layer, not per parameter
            lstm_layers=int(prepared.spec.bounds.lstm_layers[1]), dense_layers=int(prepared.spec.bounds.dense_layers[1]),
            batch_size=int(protocol.batch_size),
        ).check()

    def check_create_args(self, terms: "BountyTerms | None" = None, **terms_kwargs: Any) -> BountyTerms:
        """Validate :meth:`create`'s terms (call it before :meth:`prepare` stores anything): the
        :class:`~bounty_client.protocol.terms.BountyTerms` checks plus the organizer's balance.

        Returns the validated ``BountyTerms``; raises :class:`~bounty_client.errors.ArgumentError`."""
        terms = terms if terms is not None else BountyTerms(**terms_kwargs)
        if self.account is not None:
            now = mined_timestamp()
            terms.deadlines(now)  # the evaluation deadline within uint32
            balance = int(self.account.balance)
            if balance < terms.value:
                raise ArgumentError(f"reward: {terms.reward / 1e18:g} ETH plus the bond {terms.bond / 1e18:g} ETH "
                                    f"exceed the organizer's balance {balance / 1e18:g} ETH")
            if terms.arbiter is not None:
                self._check_jury(terms, now)
        return terms

    @staticmethod
    def _check_jury(terms: BountyTerms, now: int) -> None:
        """A RerunJury arbiter must be able to rule on a challenge sent in the window's last second (its
        commit and reveal periods plus ``RESOLVE_MARGIN`` within ``resolution_period``) and still serve at
        the resolution deadline; otherwise every late challenge reverts and a false score pays.  Another
        arbiter (not the shipped RerunJury code) is the organizer's choice and is not checked here."""
        from ..chain.jury import Jury

        try:
            jury = Jury.at(terms.arbiter)
        except ChainError:
            return
        commit, reveal = jury.periods()
        needed = commit + reveal + jury.resolve_margin()
        if needed > int(terms.resolution_period):
            raise ArgumentError(f"resolution_period: {terms.resolution_period} s is shorter than the jury's commit "
                                f"and reveal periods plus its {jury.resolve_margin()} s margin ({needed} "
                                "s): a challenge late in the window could never be ruled")
        _, _, evaluation = terms.deadlines(now)
        resolution = evaluation + int(terms.challenge_period) + int(terms.resolution_period)
        if jury.service_end() < resolution:
            raise ArgumentError(f"arbiter: the jury {jury.address} serves until {format_utc(jury.service_end())}, "
                                f"before this bounty's resolution deadline {format_utc(resolution)}")

    def open(self, prices: "Mapping[str, Any] | Any", terms: BountyTerms, *, factory: "str | None" = None,
             deploy_factory: bool = False, workers: int = 1, **prepare_kwargs: Any) -> "OpenedBounty":
        """The whole opening in order: check the terms, find the factory (``factory`` address, or
        :func:`~bounty_client.chain.find_factory`'s), prepare (store data, test set and spec),
        :meth:`create`.

        ``prices``: ``{symbol: price table}`` (sealed mode, :meth:`prepare`) or a market source
        (future-window mode, :meth:`prepare_future`, which then needs ``symbols=``).
        ``deploy_factory``: deploy a new factory (and record it in Ape's deployments for this chain,
        :func:`bounty_client.chain.record_factory`) instead of looking one up.  Raises
        ``ChainError`` when no factory is found and none may be deployed, before anything is stored.
        ``workers``: evaluation workers the budget check assumes (:meth:`check_evaluation_budget`,
        run before a factory is deployed).
        ``prepare_kwargs`` are that method's (see :func:`bounty_client.cli.inputs.spec_options`)."""
        terms = self.check_create_args(terms)  # before anything is stored
        if deploy_factory and factory is not None:
            raise ArgumentError("factory: give --factory ADDRESS or --deploy-factory, not both")
        if not deploy_factory:
            found = find_factory(factory if factory is not None else self.factory)
            if found is None:
                raise ChainError(NO_FACTORY)
            self.factory = found

        def check(provisional: PreparedBounty) -> None:  # before anything is stored or deployed
            start = provisional.start if provisional.start is not None else mined_timestamp()
            self._preflight(provisional, terms, start, workers)

        if isinstance(prices, Mapping):
            prepared = self.prepare(prices, before_store=check, **prepare_kwargs)
        else:
            prepared = self.prepare_future(prices, terms, before_store=check, **prepare_kwargs)
        deployed = False
        if deploy_factory:
            self.factory, deployed = Factory.deploy(self.account), True
            record_factory(self.factory)
        bounty = self.create(prepared, terms, workers=workers)
        return OpenedBounty(bounty, prepared, self.factory, deployed)

    def cancel(self, bounty: Bounty) -> Any:
        self._only_organizer(bounty, "cancel")
        if bounty.submission_count() != 0:
            raise StageError("cannot cancel: a submission was already committed")
        bounty.require_stage("cancel", Stage.SUBMISSION, Stage.REVEAL, Stage.EVALUATION, Stage.CHALLENGE,
                             Stage.ARBITRATION, Stage.EXPIRED)
        return bounty.cancel(sender=self.account)

    def _only_organizer(self, bounty: Bounty, action: str) -> None:
        if not bounty.is_organizer(self.account):
            raise ChainError(f"cannot {action}: {self.account.address} is not the organizer of {bounty.address}")

    # -------------------------------------------------------- reveal
    def reveal_test(self, bounty: Bounty) -> Any:
        """Reveal the hidden test set (and publish it to the public store); draws the evaluation
        randomness first if nobody has (the contract accepts test data only after it).  A
        future-window bounty has nothing sealed: this is then :meth:`post_test_data`."""
        from ape import chain

        self._only_organizer(bounty, "reveal the test set")
        if int(bounty.creation().test_data_after):
            return self.post_test_data(bounty)
        if bounty.test_revealed():
            raise ChainError(f"the test set of {bounty.address} is already revealed")
        bounty.require_stage("reveal the test set", Stage.EVALUATION)
        # Everything that can fail off-chain (the vault secret, the private files) before any transaction.
        commitment = bounty.test_commitment()
        secret = self.vault.test_set(chain.chain_id, commitment)
        files = test_set_files(secret.test_cid, self.private_store)
        if not bounty.randomness_drawn():
            bounty.draw_randomness(self.account)
        bounty.require_test_data_window("reveal the test set")  # again: the draw took a block
        for f in files:
            _copy(f.cid, self.private_store, self.store)
        _copy(secret.test_cid, self.private_store, self.store)
        return bounty.reveal_test_data(secret.test_cid, secret.salt, sender=self.account)

    def post_test_data(self, bounty: Bounty, market: Any = None) -> Any:
        """Future-window mode, after the window closed (chain time): fetch the window's rows plus
        ``seq_len`` context rows from ``market`` (default: the spec's source,
        :func:`bounty_client.data.market_for`, the local market file ``market_file``), check
        them (in the window, on its grid, a test part can be built), store the CSVs and the
        manifest in the public store, draw the randomness if nobody has, and post the CID.

        Raises ``ChainError`` (not the organizer, sealed bounty, already posted), ``StageError``
        (outside the evaluation stage, or before the window's end: the rows do not exist yet)
        or ``DataError`` before anything is stored or sent.  Returns the receipt."""
        from ape import chain

        from ..data import LocalMarket, fetch_window, market_for, window_market
        from ..errors import StageError
        from ..protocol.spec import DataFile

        self._only_organizer(bounty, "post the test data")
        record = open_record(bounty, self.store)
        rule = record.spec.test
        if not rule.is_future:
            raise ChainError(f"{bounty.address} is a sealed bounty: reveal its test set with reveal_test")
        if bounty.test_revealed():
            raise ChainError(f"the test data of {bounty.address} is already posted")
        bounty.require_stage("post the test data", Stage.EVALUATION)
        now = int(chain.pending_timestamp)  # the time the post transaction's block will have (at least)
        after = int(record.creation.test_data_after)
        if now < after:
            raise StageError(f"cannot post the test data: the test window closes at {format_utc(after)} "
                             f"({relative_time(after, now)}, chain time); its last rows do not exist yet")
        if market is None:
            market = market_for(rule, market_file=self.market_file)
        if isinstance(market, LocalMarket) and not bounty.randomness_drawn():
            bounty.draw_randomness(self.account)  # a local market's window rows derive from it (window_market)
        market = window_market(market, rule, bounty.randomness())
        rows = fetch_window(market, record.spec.coins, rule.window, record.spec.seq_len, now=now)
        record.spec.build_dataset(record.prices(), rows)  # a test part must come out of it (DataError)
        files = [DataFile(label=f"{s}-USD", cid=self.store.add(_csv_bytes(rows[s], f"{s}-USD (test window)")))
                 for s in record.spec.coins]
        test_cid = self.store.add(test_set_manifest(files))
        if not bounty.randomness_drawn():
            bounty.draw_randomness(self.account)
        bounty.require_test_data_window("post the test data")  # again: the draw took a block
        return bounty.post_test_data(test_cid, sender=self.account)

    # -------------------------------------------------------- evaluation
    def evaluate(self, bounty: Bounty, *, workers: int = 1, backend: str = "auto", progress: bool = True,
                 ray_address: "str | None" = None) -> Any:
        """Re-train every revealed submission under the spec's protocol; score on the test set
        (:func:`bounty_client.record.evaluate_bounty`: the stage check, then ``evaluate_record``)."""
        return evaluate_bounty(bounty, self.store, workers=workers, backend=backend, progress=progress,
                               ray_address=ray_address)

    def post_scores(self, bounty: Bounty, result: Any, *, batch_size: int = 100) -> "PostedScores":
        """Store the JSON report and post every score with its CID (batches of ``batch_size``).

        Returns the report CID and the receipts; raises ``ArgumentError`` for a batch size outside
        1..128, ``ChainError`` when every score is already posted."""
        self._only_organizer(bounty, "post scores")
        bounty.require_stage("post scores", Stage.EVALUATION)
        if not bounty.test_revealed():
            raise StageError(f"cannot post scores: the test data of {bounty.address} is not posted yet")
        if not 1 <= batch_size <= MAX_SCORE_BATCH:
            raise ArgumentError(f"batch_size: 1..{MAX_SCORE_BATCH} ids per transaction, got {batch_size}")
        report = dict(result.report())
        check_report(open_record(bounty, self.store), report)  # before anything is stored or sent
        report["bounty"] = bounty.address
        report_cid = self.store.add(json.dumps(report, sort_keys=True, default=str).encode())
        # The contract takes ids in strictly increasing order across all batches.
        first = bounty.next_score_id()
        pairs = sorted((int(i), int(s)) for i, s in result.scores().items() if int(i) >= first)
        if not pairs:
            raise ChainError(f"nothing to post: every submission of {bounty.address} up to #{first - 1} is scored")
        receipts = []
        for i in range(0, len(pairs), batch_size):
            chunk = pairs[i : i + batch_size]
            receipts.append(bounty.post_scores([p[0] for p in chunk], [p[1] for p in chunk], report_cid,
                                               sender=self.account))
        return PostedScores(report_cid, receipts)

    # -------------------------------------------------------- final
    def finalize(self, bounty: Bounty) -> Any:
        """Settle the bounty (rebuilding a stale ranking first, :meth:`Bounty.rerank`): anyone from the
        challenge deadline once every dispute is ruled, or from the resolution deadline (the fail-safe);
        the organizer earlier when nothing was revealed, or, on a bounty without an arbiter, once every
        revealed submission is scored.  Judged at the mined timestamp; raises :class:`StageError`
        otherwise (nothing sent)."""
        stage = bounty.require_stage("finalize", Stage.EVALUATION, Stage.CHALLENGE, Stage.ARBITRATION, Stage.EXPIRED)
        revealed = bounty.revealed_count()
        if stage is not Stage.EXPIRED:
            early = revealed == 0 or (bounty.arbiter() is None and stage is Stage.EVALUATION)
            if not early:
                deadline = bounty.resolution_deadline() if stage is Stage.ARBITRATION else bounty.challenge_deadline()
                what = ("the arbiter rules on the open disputes until" if stage is Stage.ARBITRATION
                        else "scores are provisional and can be challenged until")
                raise StageError(f"cannot finalize yet: {what} {format_utc(deadline)} "
                                 f"({relative_time(deadline, bounty.now())}); anyone can finalize then")
            if not bounty.is_organizer(self.account):
                raise StageError(f"cannot finalize yet: before the challenge deadline "
                                 f"({format_utc(bounty.challenge_deadline())}) only the organizer of {bounty.address} "
                                 "may finalize")
            scored = bounty.scored_count()
            if scored < revealed:
                raise StageError(
                    f"cannot finalize yet: {scored} of {revealed} revealed submissions are scored; "
                    "post the remaining scores, or anyone can finalize after the evaluation deadline"
                )
        if bounty.ranking_stale():
            bounty.rerank(sender=self.account)
        return bounty.finalize(sender=self.account)

    def withdraw(self, bounty: Bounty) -> Any:
        """Pull the organizer's whole credit (:meth:`Bounty.withdraw`); ``ChainError`` when there is none."""
        return bounty.withdraw(self.account)
