"""Evaluation results: per-submission records, the leaderboard, the JSON report and plots."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..hyperparams import Hyperparameters

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from ..spec import BountySpec, TrainingProtocol

__all__ = ["REPORT_FORMAT", "SubmissionResult", "EvaluationResult", "load_report", "environment"]

REPORT_FORMAT = "ml-bounty-evaluation"
REPORT_VERSION = 1
HP_COLUMNS = tuple(f for f in Hyperparameters.__dataclass_fields__ if f != "bounds")
STATUSES = ("scored", "invalid", "failed", "crashed", "skipped")


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN/inf -> None, tuples -> lists, numpy scalars -> Python."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """Software versions and the platform, for judging cross-machine score differences."""
    return {
        "python": platform.python_version(),
        "tensorflow": _version("tensorflow"),
        "keras": _version("keras"),
        "numpy": _version("numpy"),
        "bounty_client": _version("bounty-client"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "byteorder": sys.byteorder,
    }


@dataclass
class SubmissionResult:
    """One submission's outcome (Keras Tuner ``Trial`` / Optuna ``FrozenTrial`` shape)."""

    submission_id: int
    submitter: str
    hyperparameters: dict[str, Any]
    status: str
    score_bps: int = 0
    reason: str | None = None
    val_accuracy: float | None = None
    train_seconds: float = 0.0
    seconds: float = 0.0
    n_params: int | None = None
    epochs_run: int = 0
    history: dict[str, list[float | None]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return _clean(
            {
                "id": self.submission_id,
                "submitter": self.submitter,
                "hyperparameters": self.hyperparameters,
                "status": self.status,
                "reason": self.reason,
                "score_bps": self.score_bps,
                "val_accuracy": self.val_accuracy,
                "train_seconds": round(self.train_seconds, 4),
                "seconds": round(self.seconds, 4),
                "n_params": self.n_params,
                "epochs_run": self.epochs_run,
                "history": self.history,
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SubmissionResult":
        return cls(
            submission_id=data["id"],
            submitter=data["submitter"],
            hyperparameters=dict(data["hyperparameters"]),
            status=data["status"],
            reason=data.get("reason"),
            score_bps=int(data["score_bps"]),
            val_accuracy=data.get("val_accuracy"),
            train_seconds=float(data.get("train_seconds", 0.0)),
            seconds=float(data.get("seconds", 0.0)),
            n_params=data.get("n_params"),
            epochs_run=int(data.get("epochs_run", 0)),
            history={k: list(v) for k, v in data.get("history", {}).items()},
        )


@dataclass
class EvaluationResult:
    """Scores of every submission under one protocol, with everything needed to re-check them.

    ``leaderboard`` (DataFrame), ``scores()`` (``{id: bps}`` to post on-chain),
    ``report()`` / ``to_json()`` (the evaluation report whose CID goes on-chain),
    ``plot()`` (matplotlib Figure).
    """

    results: list[SubmissionResult]
    protocol: "TrainingProtocol"
    spec: "BountySpec | None" = None
    data: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=environment)
    run: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ views
    def ranked(self) -> list[SubmissionResult]:
        """Best first: higher score, then lower submission id (the earlier commit wins ties)."""
        return sorted(self.results, key=lambda r: (-r.score_bps, r.submission_id))

    @property
    def leaderboard(self) -> "pd.DataFrame":
        """One row per submission, best first, indexed by rank (1 = best)."""
        import pandas as pd

        rows = []
        for r in self.ranked():
            row: dict[str, Any] = {"submission_id": r.submission_id, "submitter": r.submitter}
            for name in HP_COLUMNS:
                row[name] = r.hyperparameters.get(name)
            row.update(
                score_bps=r.score_bps,
                val_accuracy=float("nan") if r.val_accuracy is None else r.val_accuracy,
                train_seconds=r.train_seconds,
                status=r.status,
                reason=r.reason or "",
            )
            rows.append(row)
        columns = ["submission_id", "submitter", *HP_COLUMNS, "score_bps", "val_accuracy", "train_seconds",
                   "status", "reason"]
        frame = pd.DataFrame(rows, columns=columns)
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="rank")
        return frame

    def scores(self) -> dict[int, int]:
        """``{submission_id: score_bps}`` in id order: what the organizer posts on-chain."""
        return {r.submission_id: r.score_bps for r in sorted(self.results, key=lambda r: r.submission_id)}

    def best(self) -> SubmissionResult | None:
        """The top submission, or None if there are none."""
        ranked = self.ranked()
        return ranked[0] if ranked else None

    def __getitem__(self, submission_id: int) -> SubmissionResult:
        for r in self.results:
            if r.submission_id == submission_id:
                return r
        raise KeyError(f"no submission with id {submission_id}")

    def __len__(self) -> int:
        return len(self.results)

    def __repr__(self) -> str:
        order = list(STATUSES) + sorted({r.status for r in self.results} - set(STATUSES))  # e.g. "timeout"
        counts = {s: sum(r.status == s for r in self.results) for s in order}
        best = self.best()
        top = f", best=#{best.submission_id} {best.score_bps} bps" if best else ""
        summary = ", ".join(f"{k}={v}" for k, v in counts.items() if v)
        return f"EvaluationResult({len(self.results)} submissions: {summary or 'none'}{top})"

    def _repr_html_(self) -> str:  # notebooks
        return f"<p>{self!r}</p>" + self.leaderboard.to_html()

    # ------------------------------------------------------------------ report
    def report(self) -> dict[str, Any]:
        """JSON-ready report: spec, protocol, data CIDs and digest, every submission with its
        learning curves, the ranking, software versions and platform."""
        from ..model import score_tolerance_bps

        n_test = (self.data.get("dataset") or {}).get("splits", {}).get("test", {}).get("windows")
        if n_test is None:
            n_test = ((self.data.get("dataset") or {}).get("shapes", {}).get("y_test") or [0])[0]

        return _clean(
            {
                "format": REPORT_FORMAT,
                "version": REPORT_VERSION,
                "spec": None if self.spec is None else self.spec.to_dict(),
                "protocol": self.protocol.to_dict(),
                "data": self.data,
                "submissions": [r.to_dict() for r in sorted(self.results, key=lambda r: r.submission_id)],
                "ranking": [r.submission_id for r in self.ranked()],
                "environment": self.env,
                "run": self.run,
                "score_tolerance_bps": score_tolerance_bps(n_test) if n_test else None,
            }
        )

    def to_json(self, path: "str | os.PathLike[str] | None" = None) -> str:
        """The report as canonical JSON (sorted keys, compact); written to ``path`` if given."""
        text = json.dumps(self.report(), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        if path is not None:
            from ..storage.atomic import write_atomic  # exclusive temp file, fsync, rename

            write_atomic(path, text.encode("utf-8"))
        return text

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> "EvaluationResult":
        """Rebuild a result from :meth:`report` output (e.g. to verify a published report)."""
        from ..spec import BountySpec, TrainingProtocol

        if report.get("format") != REPORT_FORMAT:
            raise ValueError(f"format: not an evaluation report (expected {REPORT_FORMAT!r}, got {report.get('format')!r})")
        if report.get("version") != REPORT_VERSION:
            raise ValueError(f"version: unsupported report version {report.get('version')!r}")
        return cls(
            results=[SubmissionResult.from_dict(s) for s in report["submissions"]],
            protocol=TrainingProtocol.from_dict(report["protocol"]),
            spec=None if report.get("spec") is None else BountySpec.from_dict(report["spec"]),
            data=dict(report.get("data") or {}),
            env=dict(report.get("environment") or {}),
            run=dict(report.get("run") or {}),
        )

    # ------------------------------------------------------------------ plots
    def plot(self, metric: str = "val_accuracy") -> "Figure":
        """Leaderboard bars (left) and per-epoch ``metric`` curves (right), as a matplotlib Figure.

        Built without pyplot (an Agg-rendered ``Figure``), so it works with no display;
        notebooks show it inline.
        """
        from matplotlib.figure import Figure

        ranked = self.ranked()
        fig = Figure(figsize=(11, max(3.0, 0.35 * len(ranked) + 1.5)), layout="constrained")
        ax_bar, ax_curve = fig.subplots(1, 2, width_ratios=[1, 1.3])
        colors = {"scored": "tab:blue", "invalid": "tab:gray", "failed": "tab:red", "crashed": "tab:red",
                  "skipped": "tab:gray"}
        labels = [f"#{r.submission_id} {r.submitter[:8]}" for r in ranked]
        ax_bar.barh(range(len(ranked)), [r.score_bps for r in ranked],
                    color=[colors.get(r.status, "tab:gray") for r in ranked])
        for y, r in enumerate(ranked):
            text = f" {r.score_bps}" if r.status == "scored" else f" {r.status}"
            ax_bar.text(r.score_bps, y, text, va="center", fontsize="small")
        ax_bar.set_yticks(range(len(ranked)), labels)
        ax_bar.invert_yaxis()
        ax_bar.set_xlim(0, 10_000)
        ax_bar.set_xlabel("test accuracy (bps)")
        ax_bar.set_title("Leaderboard")
        if self.spec is not None:
            ax_bar.axvline(self.spec.min_accuracy_bps, color="black", linestyle="--", linewidth=1,
                           label=f"minimum {self.spec.min_accuracy_bps}")
            ax_bar.legend(loc="lower right")
        for r in ranked:
            values = r.history.get(metric)
            if values:
                xs = range(1, len(values) + 1)
                ys = [float("nan") if v is None else v for v in values]
                ax_curve.plot(xs, ys, marker="o", markersize=3, label=f"#{r.submission_id}")
        ax_curve.xaxis.get_major_locator().set_params(integer=True)
        ax_curve.set_xlabel("epoch")
        ax_curve.set_ylabel(metric)
        ax_curve.set_title(f"Learning curves ({metric})")
        if any(r.history.get(metric) for r in ranked):
            ax_curve.legend(fontsize="small", ncols=2)
        return fig


def load_report(source: "str | os.PathLike[str] | bytes") -> EvaluationResult:
    """Read a report written by :meth:`EvaluationResult.to_json` (path, JSON text or bytes)."""
    if isinstance(source, bytes):
        text = source.decode("utf-8")
    elif isinstance(source, str) and source.lstrip().startswith("{"):
        text = source
    else:
        text = Path(source).read_text(encoding="utf-8")
    return EvaluationResult.from_report(json.loads(text))
