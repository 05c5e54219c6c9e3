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
from typing import Any

from .chain import Bounty, ChainError

__all__ = ["verify", "VerificationReport", "VerificationError"]


class VerificationError(ChainError):
    """Public material does not match what the chain committed to."""


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
    """Re-compute every posted score of ``bounty`` from public material and compare."""
    import pandas as pd

    from .hyperparams import test_commitment
    from .roles import evaluate_revealed, load_prices, load_test_set
    from .spec import load_spec

    if isinstance(bounty, str):
        bounty = Bounty.at(bounty)
    if tolerance_bps is not None and (not isinstance(tolerance_bps, int) or not 0 <= tolerance_bps <= 10_000):
        raise ValueError(f"tolerance_bps: must be an integer 0..10000 (or None: automatic), got {tolerance_bps!r}")
    creation = bounty.creation()
    problems: list[str] = []

    spec = load_spec(store.get(creation.spec_cid))
    if [f.cid for f in spec.data_files] != list(creation.data_cids):
        raise VerificationError(f"spec {creation.spec_cid}: data CIDs differ from the chain's {list(creation.data_cids)}")
    if (spec.seq_len, spec.future_period) != (creation.seq_len, creation.future_period):
        raise VerificationError(f"spec {creation.spec_cid}: seq_len/future_period differ from the chain's")

    revealed = bounty.revealed_test_data()
    if revealed is None:
        raise VerificationError(f"bounty {bounty.address}: the test set was never revealed; nothing to verify")
    test_cid, salt = revealed
    if "0x" + test_commitment(test_cid, salt).hex() != creation.test_commitment:
        raise VerificationError(f"test set {test_cid}: does not match the commitment made at creation")

    posted, report_cids = bounty.posted_scores()
    dataset = spec.build_dataset(load_prices(spec.data_files, store), load_test_set(test_cid, store))
    result = evaluate_revealed(bounty, spec, dataset, test_cid, workers=workers, backend=backend, progress=progress,
                               ray_address=ray_address)
    recomputed = result.scores()
    submitters = {r.submission_id: r.submitter for r in result.results}

    rows = []
    for sid in sorted(set(recomputed) | set(posted)):
        p, r = posted.get(sid), recomputed.get(sid)
        if p is None:
            status = "not scored on-chain"
        elif r is None:
            status = "scored but never revealed"
        else:
            status = "pending"  # decided below, once the tolerance is known
        if status != "pending":
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
        row["status"] = "ok" if abs(p - r) <= tolerance_bps else "MISMATCH"
        if row["status"] != "ok":
            problems.append(f"submission #{row['submission_id']}: MISMATCH (posted {p}, recomputed {r}, "
                            f"tolerance {tolerance_bps} bps)")
    table = pd.DataFrame(rows, columns=["submission_id", "submitter", "posted_bps", "recomputed_bps", "diff_bps",
                                        "status"])
    return VerificationReport(bounty.address, table, tolerance_bps, problems, result)
