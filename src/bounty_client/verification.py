"""Anyone can check the organizer's scores: re-run the evaluation from chain + store.

``verify(bounty, store)`` needs nothing but public material:

1. the ``BountyCreated`` event (spec CID, data CIDs, test commitment);
2. the spec, checked against the on-chain parameters and data CIDs;
3. the revealed test set, checked against the commitment made at creation
   (``keccak256(abi_encode(test_cid, salt))``);
4. every ``Revealed`` event (the hyperparameters) and ``ScoresPosted`` event;
5. a re-training of every revealed submission under the spec's protocol.

Scores are compared per submission.  On the same machine and software stack the
re-computed scores are bit-identical (deterministic TensorFlow ops, fixed seeds);
across CPUs a few test predictions may flip, so ``tolerance_bps`` (default 0)
lets a verifier on other hardware accept small differences.  Every difference
beyond it is listed, and :attr:`VerificationReport.ok` is False.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .chain import Bounty
from .errors import ArgumentError, VerificationError
from .record import evaluate_record, open_record

__all__ = ["verify", "VerificationReport", "VerificationError", "VerificationStatus"]


class VerificationStatus(StrEnum):
    """The verdict on one submission (the ``status`` column; its value is what the JSON says)."""

    #: posted and recomputed scores agree within the tolerance
    OK = "ok"
    #: they differ by more than the tolerance
    MISMATCH = "MISMATCH"
    #: revealed (so recomputed) but no score was posted
    NOT_SCORED = "not scored on-chain"
    #: a score was posted for an id that was never revealed
    NEVER_REVEALED = "scored but never revealed"

    def is_ok(self) -> bool:
        return self is VerificationStatus.OK


@dataclass
class VerificationReport:
    """Per-submission comparison of posted and re-computed scores."""

    bounty: str
    table: Any  # DataFrame: submission_id, submitter, posted_bps, recomputed_bps, diff_bps, status
    tolerance_bps: int
    problems: list[str] = field(default_factory=list)
    evaluation: Any = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "bounty": self.bounty,
            "ok": self.ok,
            "tolerance_bps": self.tolerance_bps,
            "problems": list(self.problems),
            "submissions": self.table.to_dict(orient="records"),
        }

    def _repr_html_(self) -> str:
        head = f"<p>verify {self.bounty}: <b>{'OK' if self.ok else 'MISMATCH'}</b></p>"
        return head + self.table._repr_html_()

    def __repr__(self) -> str:
        lines = [f"VerificationReport({self.bounty}: {'OK' if self.ok else 'MISMATCH'}, tolerance {self.tolerance_bps} bps)"]
        lines += [f"  - {p}" for p in self.problems]
        lines.append(self.table.to_string(index=False))
        return "\n".join(lines)


_SAME_MACHINE_KEYS = ("python", "tensorflow", "keras", "numpy", "machine", "processor", "cpu_count")


def _auto_tolerance(reports: list[Any], n_test: int) -> int:
    """0 when every report was produced on this machine's CPU and software; else the
    cross-machine tolerance for ``n_test`` windows (``bounty_client.model.score_tolerance_bps``)."""
    from .evaluation.result import environment
    from .model import score_tolerance_bps

    here = environment()
    if reports and all(all(r.env.get(k) == here.get(k) for k in _SAME_MACHINE_KEYS) for r in reports):
        return 0
    return score_tolerance_bps(max(1, n_test))


def verify(
    bounty: "Bounty | str",
    store: Any,
    *,
    tolerance_bps: "int | None" = None,
    workers: int = 1,
    backend: str = "auto",
    progress: bool = False,
    ray_address: "str | None" = None,
) -> VerificationReport:
    """Re-compute every posted score of ``bounty`` from public material and compare.

    Raises :class:`VerificationError` when the spec or the test set does not match the chain
    (:mod:`bounty_client.record`) or the test set was never revealed; ``ArgumentError`` for a
    tolerance outside 0..10000 bps.  Score differences are findings in the report, not errors."""
    import pandas as pd

    if tolerance_bps is not None and (not isinstance(tolerance_bps, int) or not 0 <= tolerance_bps <= 10_000):
        raise ArgumentError(f"tolerance_bps: must be an integer 0..10000 (or None: automatic), got {tolerance_bps!r}")
    record = open_record(bounty, store)
    bounty = record.bounty
    problems: list[str] = []
    if record.test_data() is None:
        raise VerificationError(f"bounty {bounty.address}: the test set was never revealed; nothing to verify")

    posted, report_cids = record.posted_scores()
    dataset = record.dataset(with_test=True)
    result = evaluate_record(record, dataset=dataset, workers=workers, backend=backend, progress=progress,
                             ray_address=ray_address)
    recomputed = result.scores()
    submitters = {r.submission_id: r.submitter for r in result.results}

    rows = []
    for sid in sorted(set(recomputed) | set(posted)):
        p, r = posted.get(sid), recomputed.get(sid)
        if p is None:
            status = VerificationStatus.NOT_SCORED
        elif r is None:
            status = VerificationStatus.NEVER_REVEALED
        else:
            status = None  # decided below, once the tolerance is known
        if status is not None:
            problems.append(f"submission #{sid}: {status} (posted {p}, recomputed {r})")
        rows.append({"submission_id": sid, "submitter": submitters.get(sid, ""), "posted_bps": p,
                     "recomputed_bps": r, "diff_bps": None if p is None or r is None else r - p, "status": status})
    reports = []
    for cid in report_cids:
        try:
            from .evaluation import EvaluationResult

            reports.append(EvaluationResult.from_report(json.loads(store.get(cid))))
        except Exception as exc:  # noqa: BLE001 - a missing or garbled report is itself a finding
            problems.append(f"report {cid}: unreadable ({exc})")
            continue
        in_report = reports[-1].scores()
        wrong = sorted(i for i, s in posted.items() if i in in_report and in_report[i] != s)
        if wrong:
            problems.append(f"report {cid}: scores differ from the posted ones for ids {wrong}")
    if tolerance_bps is None:
        tolerance_bps = _auto_tolerance(reports, len(dataset.y_test))
    for row in rows:
        p, r = row["posted_bps"], row["recomputed_bps"]
        if p is None or r is None:
            continue
        row["status"] = VerificationStatus.OK if abs(p - r) <= tolerance_bps else VerificationStatus.MISMATCH
        if not row["status"].is_ok():
            problems.append(f"submission #{row['submission_id']}: MISMATCH (posted {p}, recomputed {r}, "
                            f"tolerance {tolerance_bps} bps)")
    table = pd.DataFrame(rows, columns=["submission_id", "submitter", "posted_bps", "recomputed_bps", "diff_bps",
                                        "status"])
    return VerificationReport(bounty.address, table, tolerance_bps, problems, result)
