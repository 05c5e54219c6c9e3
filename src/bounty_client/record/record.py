"""A bounty's public record: what anyone can read from the chain and the content store.

One place assembles it, with one set of consistency checks, for every reader: the
organizer's evaluation, a participant's download, dataset and search, and
:func:`bounty_client.record.verify`::

    record = open_record(bounty, store)     # creation event + spec, checked against the chain
    record.prices()                          # {symbol: price table}, each fetched and verified by CID
    record.test_data()                       # TestData(cid, salt) once posted, checked against the commitment
    record.randomness()                      # the contract's randomness once drawn (None before)
    record.evaluation_seeds()                # the spec's k seeds derived from it (StageError before the draw)
    record.dataset(with_test=True)           # the Dataset the spec defines
    record.submissions()                     # revealed submissions, ready for evaluation

Every mismatch between the store and what the chain committed to raises
:class:`~bounty_client.errors.VerificationError`, naming the CID and the field.

The test set is a small JSON manifest on IPFS (:data:`TEST_SET_KIND`, written by
:func:`test_set_manifest`).  Sealed mode: its CID is what the organizer commits to at
creation and reveals after the reveal deadline.  Future-window mode (``spec.test.mode ==
"future"``): nothing is committed; after the window closed the organizer posts the CID of the
window's rows (``post_test_data``), which must lie in the window (plus ``seq_len`` context rows)
and can be compared with the public source (``bounty_client.data.compare_with_source``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from ..chain import Bounty, BountyCreation, RevealedSubmission
from ..errors import ArgumentError, StageError, VerificationError
from ..protocol.spec import chain_terms
from ..protocol.wire import Stage
from ..storage.base import ContentStore

if TYPE_CHECKING:  # pragma: no cover
    from ..protocol.spec import BountySpec, DataFile

__all__ = [
    "TEST_SET_KIND",
    "BountyRecord",
    "TestData",
    "check_report",
    "check_spec",
    "download",
    "evaluate_bounty",
    "evaluate_record",
    "load_prices",
    "load_test_set",
    "open_record",
    "require_matching_spec",
    "test_set_files",
    "test_set_manifest",
]

#: ``kind`` of the hidden test-set manifest (JSON on IPFS; its CID is what the organizer commits to).
TEST_SET_KIND = "ml-bounty/test-set"
#: Manifest format version written by :func:`test_set_manifest`.
TEST_SET_VERSION = 1


# ------------------------------------------------------------------ files on the store
def load_prices(files: Iterable["DataFile"], store: ContentStore) -> dict[str, Any]:
    """``{symbol: price table}`` from ``DataFile`` records (label, cid), fetched and verified by CID.

    Raises ``StorageError`` (unknown or corrupt CID) or ``DataError`` (not a price CSV)."""
    from ..data import parse_prices_csv

    return {f.symbol: parse_prices_csv(store.get(f.cid), source=f"{f.label} ({f.cid})")
            for f in files}


def test_set_manifest(files: Sequence["DataFile"]) -> bytes:
    """The canonical JSON manifest of a hidden test set (its CID is what gets committed)."""
    manifest = {"kind": TEST_SET_KIND, "version": TEST_SET_VERSION, "files": [f.to_dict() for f in files]}
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


def test_set_files(test_cid: str, store: ContentStore) -> list["DataFile"]:
    """The ``DataFile`` records listed by the manifest at ``test_cid``.

    Raises :class:`VerificationError` when it is not JSON or not a test-set manifest."""
    from ..protocol.spec import DataFile, SpecError

    raw = store.get(test_cid)
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise VerificationError(f"test set {test_cid}: manifest is not JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != TEST_SET_KIND:
        raise VerificationError(f"test set {test_cid}: not an ML Bounty test-set manifest (kind {TEST_SET_KIND!r})")
    try:
        return [DataFile.from_dict(f) for f in manifest["files"]]
    except (KeyError, TypeError, SpecError) as exc:
        raise VerificationError(f"test set {test_cid}: malformed file list ({exc})") from exc


# Not pytest tests, though named test_* (tests import them).
test_set_manifest.__test__ = False  # type: ignore[attr-defined]
test_set_files.__test__ = False  # type: ignore[attr-defined]


def load_test_set(test_cid: str, store: ContentStore) -> dict[str, Any]:
    """The hidden test part ``{symbol: price table}`` from its manifest CID (see :func:`test_set_files`)."""
    return load_prices(test_set_files(test_cid, store), store)


# ------------------------------------------------------------------ the checks
def check_spec(spec: "BountySpec", creation: BountyCreation) -> list[str]:
    """Where the spec contradicts the chain, one ``"field (spec X, chain Y)"`` line per field (empty when
    they agree).

    The spec must say what the chain says: data CIDs (in order), ``seq_len``, ``future_period``,
    ``min_accuracy`` (bps), the cost bound (``n_features`` = features x coins and ``max_cost`` =
    the largest parameter count the spec's bounds allow: a smaller on-chain bound would let the
    organizer refuse every reveal and keep the deposits) and the test mode (future window: its start
    and end are the chain's ``test_window_start`` and ``test_data_after`` and it starts at or after the
    REVEAL deadline, so no price in it exists while anyone can still choose what to reveal; sealed:
    no window).
    The spec's side is :func:`bounty_client.protocol.spec.chain_terms`, the mapping the bounty was
    created with; :func:`require_matching_spec` raises on any difference."""
    ours = chain_terms(spec)
    theirs = {"data_cids": list(creation.data_cids), "seq_len": creation.seq_len,
              "future_period": creation.future_period, "min_accuracy": creation.min_accuracy,
              "n_features": creation.n_features, "max_cost": creation.max_cost}
    wrong = [f"{k} (spec {ours[k]}, chain {theirs[k]})" for k in theirs if ours[k] != theirs[k]]
    rule = spec.test
    sealed_on_chain = int(creation.test_data_after) == 0
    if rule.is_future:
        assert rule.window is not None
        start, end = rule.window
        if sealed_on_chain:
            wrong.append("test mode (spec 'future', chain sealed: a test commitment and no test_data_after)")
        elif ours["test_data_after"] != int(creation.test_data_after):
            wrong.append(f"test window end (spec {end}, chain test_data_after {creation.test_data_after})")
        elif ours["test_window_start"] != int(creation.test_window_start):
            wrong.append(f"test window start (spec {start}, chain test_window_start {creation.test_window_start})")
        if start < int(creation.reveal_deadline):
            wrong.append(f"test window start (spec {start}, before the chain's reveal deadline "
                         f"{creation.reveal_deadline}: its first prices would be public while participants "
                         "can still choose which commitments to reveal)")
    elif not sealed_on_chain:
        wrong.append(f"test mode (spec 'sealed', chain future window with test_data_after {creation.test_data_after})")
    return wrong


def require_matching_spec(spec: "BountySpec", creation: BountyCreation) -> None:
    """:func:`check_spec`, raising :class:`VerificationError` naming every field that differs."""
    wrong = check_spec(spec, creation)
    if wrong:
        raise VerificationError(f"spec {creation.spec_cid} disagrees with bounty {creation.bounty}'s on-chain "
                                f"parameters: {'; '.join(wrong)}")


@dataclass(frozen=True)
class TestData:
    """The posted test set: manifest ``cid`` and the ``salt`` (0x-hex) that opens the commitment."""

    __test__ = False  # not a pytest class

    cid: str
    salt: str


# ------------------------------------------------------------------ the record
@dataclass
class BountyRecord:
    """One bounty's public record (build it with :func:`open_record`)."""

    bounty: Bounty
    store: ContentStore = field(repr=False)
    creation: BountyCreation = field(repr=False)
    spec: "BountySpec"
    _prices: "dict[str, Any] | None" = field(default=None, repr=False)

    @property
    def address(self) -> str:
        return self.bounty.address

    def prices(self) -> dict[str, Any]:
        """The public price tables ``{symbol: DataFrame}`` (fetched once, verified by CID)."""
        if self._prices is None:
            self._prices = load_prices(self.spec.data_files, self.store)
        return dict(self._prices)

    def test_data(self) -> "TestData | None":
        """The posted test set, checked against the commitment made at creation; ``None`` until posted.

        Raises :class:`VerificationError` when the posted CID and salt do not open the commitment."""
        from ..protocol.hyperparams import test_commitment

        posted = self.bounty.revealed_test_data()
        if posted is None:
            return None
        cid, salt = posted
        if self.spec.test.is_future:  # nothing was committed: the rows are checked against the window
            return TestData(cid, salt)
        if "0x" + test_commitment(cid, salt).hex() != self.creation.test_commitment:
            raise VerificationError(f"test set {cid}: does not match the commitment made at creation")
        return TestData(cid, salt)

    def require_test_data(self, action: str) -> TestData:
        """:meth:`test_data`, or :class:`~bounty_client.errors.StageError` naming ``action`` if not posted."""
        data = self.test_data()
        if data is None:
            raise StageError(f"cannot {action}: the test set of {self.address} is not revealed yet")
        return data

    def test_prices(self) -> dict[str, Any]:
        """The test part ``{symbol: DataFrame}`` (requires the posted test set).

        Future mode: every row must lie in the spec's window plus ``seq_len`` context rows, on
        its grid (:func:`bounty_client.data.check_window_rows`; ``DataError`` otherwise)."""
        rows = load_test_set(self.require_test_data("load the test set").cid, self.store)
        rule = self.spec.test
        if rule.is_future:
            from ..data import check_window_rows

            check_window_rows(rows, rule.window, self.spec.seq_len, rule.interval)
        return rows

    def randomness(self) -> "bytes | None":
        """The evaluation randomness the contract recorded (``draw_randomness``, callable from the
        reveal deadline on); ``None`` before it is drawn."""
        return self.bounty.randomness()

    def evaluation_seeds(self) -> list[int]:
        """The ``spec.protocol.seeds`` evaluation seeds, derived from :meth:`randomness` by the
        spec's ``protocol.seed_rule`` (:func:`bounty_client.protocol.seeds.evaluation_seeds`).

        Raises :class:`~bounty_client.errors.StageError` before the randomness is drawn."""
        from ..protocol.seeds import evaluation_seeds

        value = self.randomness()
        if value is None:
            raise StageError(f"no evaluation seeds yet: the randomness of {self.address} is not drawn "
                             f"(draw_randomness opens at the reveal deadline)")
        protocol = self.spec.protocol
        return evaluation_seeds(value, protocol.seeds, protocol.seed_rule)

    def dataset(self, *, with_test: bool = False) -> Any:
        """The ``Dataset`` the spec defines: public data only, or with the posted test part."""
        return self.spec.build_dataset(self.prices(), self.test_prices() if with_test else None)

    def revealed(self) -> list[RevealedSubmission]:
        """Revealed submissions in id order (from ``Revealed`` events)."""
        return self.bounty.revealed_submissions()

    def submissions(self) -> list[Any]:
        """Revealed submissions as :class:`bounty_client.ml.evaluation.Submission` (for ``evaluate``)."""
        from ..ml.evaluation import Submission

        return [Submission(id=s.id, submitter=s.submitter, hyperparameters=s.hyperparameters.to_dict())
                for s in self.revealed()]

    def posted_scores(self) -> tuple[dict[int, int], list[str]]:
        """Posted scores by id and the report CIDs in posting order (``ScoresPosted`` events)."""
        return self.bounty.posted_scores()


def open_record(bounty: "Bounty | str", store: ContentStore, *, strict: bool = True) -> BountyRecord:
    """Read ``bounty``'s creation event and spec, and check the spec against the chain.

    Raises ``ChainError`` (no contract or no creation event), ``StorageError`` (spec CID not in
    ``store``), ``SpecError`` (malformed spec) or :class:`VerificationError` (spec disagrees
    with the chain, :func:`require_matching_spec`).  ``strict=False`` returns the record of a spec
    the chain contradicts instead (``verify`` reports each difference, :func:`check_spec`)."""
    from ..protocol.spec import load_spec

    if isinstance(bounty, str):
        bounty = Bounty.at(bounty)
    creation = bounty.creation()
    spec = load_spec(store.get(creation.spec_cid))
    if strict:
        require_matching_spec(spec, creation)
    return BountyRecord(bounty, store, creation, spec)


# ------------------------------------------------------------------ read-only operations
def evaluate_record(record: BountyRecord, *, dataset: Any = None, workers: int = 1, backend: str = "auto",
                    progress: bool = True, ray_address: "str | None" = None,
                    ids: "Iterable[int] | None" = None) -> Any:
    """Re-train every revealed submission (or only ``ids``: a juror re-runs the disputed one) under the
    spec's protocol and score it on the posted test set (what the organizer posts and what
    :func:`~bounty_client.record.verify` recomputes).

    ``dataset`` is ``record.dataset(with_test=True)`` when not given.  Every submission is
    trained once per evaluation seed (:meth:`BountyRecord.evaluation_seeds`, from the on-chain
    randomness) and scored by the spec's metric.  Returns an ``EvaluationResult``.  Raises
    ``StageError`` before the test set is posted or the randomness drawn, ``ArgumentError`` for an
    id that was never revealed."""
    from ..ml.evaluation import evaluate

    test = record.require_test_data("evaluate")
    seeds = record.evaluation_seeds()
    if dataset is None:
        dataset = record.dataset(with_test=True)
    if backend == "ray":
        from ..ml.evaluation.ray_backend import connect

        connect(ray_address)
    submissions = record.submissions()
    if ids is not None:
        wanted = {int(i) for i in ids}
        unknown = sorted(wanted - {s.id for s in submissions})
        if unknown:
            from ..errors import ArgumentError

            raise ArgumentError(f"ids: {unknown} were never revealed in {record.address}")
        submissions = [s for s in submissions if s.id in wanted]
    result = evaluate(submissions, dataset, record.spec.protocol, seeds=seeds, spec=record.spec,
                      workers=workers, backend=backend, progress=progress, test_cid=test.cid,
                      data_cids=record.spec.data_cids)
    # The report names its bounty and spec, so a report cannot be posted on another bounty.
    result.data.update(bounty=record.address, spec_cid=record.creation.spec_cid)
    return result


def evaluate_bounty(bounty: Bounty, store: ContentStore, *, workers: int = 1, backend: str = "auto",
                    progress: bool = True, ray_address: "str | None" = None) -> Any:
    """Anyone: re-train every revealed submission of ``bounty`` and score it on the posted test set
    (the organizer's evaluation, read-only: nothing is sent).  Raises ``StageError`` outside the
    evaluation stage or before the test set is posted."""
    bounty.require_stage("evaluate", Stage.EVALUATION)
    record = open_record(bounty, store)
    if record.test_data() is None:
        raise StageError("cannot evaluate: the test set is not revealed yet (reveal_test first)")
    return evaluate_record(record, workers=workers, backend=backend, progress=progress, ray_address=ray_address)


def check_report(record: BountyRecord, report: "Mapping[str, Any]") -> None:
    """Refuse an evaluation report (``EvaluationResult.report()``) made for another bounty: its
    bounty address and spec CID (when recorded), its spec and its test-set CID must be ``record``'s.
    Raises :class:`~bounty_client.errors.ArgumentError` naming every field that differs."""
    address = record.address
    test = record.test_data()
    data = dict(report.get("data") or {})
    wrong = []
    if data.get("bounty") is not None and str(data["bounty"]).lower() != address.lower():
        wrong.append(f"bounty {data['bounty']} (this is {address})")
    if data.get("spec_cid") is not None and data["spec_cid"] != record.creation.spec_cid:
        wrong.append(f"spec {data['spec_cid']} (bounty's {record.creation.spec_cid})")
    if report.get("spec") is not None and report["spec"] != record.spec.to_dict():
        wrong.append("spec contents (target, data or protocol differ from the bounty's)")
    if test is not None and data.get("test_cid") != test.cid:
        wrong.append(f"test set {data.get('test_cid')} (bounty's {test.cid})")
    if wrong:
        raise ArgumentError(f"report: made for another bounty, refused before storing or sending: {'; '.join(wrong)}")


def download(bounty: "Bounty | str", store: ContentStore, directory: "str | Path | None" = None) -> dict[str, Any]:
    """A bounty's public price tables, verified by CID; with ``directory``, also written there as
    ``SYMBOL-USD.csv`` files plus the checked ``spec.json``."""
    record = open_record(bounty, store)
    prices = record.prices()
    if directory is not None:
        from ..data import write_prices_dir

        from ..storage.atomic import write_atomic

        write_prices_dir(prices, directory)
        write_atomic(Path(directory) / "spec.json", record.spec.to_json(indent=2).encode())
    return prices
