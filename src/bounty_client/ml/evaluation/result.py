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

from ...errors import ArgumentError, EvaluationError
from ...protocol.hyperparams import Hyperparameters
from .status import SubmissionStatus

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from ...protocol.spec import BountySpec, TrainingProtocol

__all__ = [
    "REPORT_FORMAT",
    "IncompleteEvaluationError",
    "Lead",
    "SubmissionResult",
    "EvaluationResult",
    "load_report",
    "environment",
    "sampling_error_bps",
]

REPORT_FORMAT = "ml-bounty-evaluation"
#: 2: seeds, per-seed scores and standard errors, metric, baseline, lead (version 1 still loads).
REPORT_VERSION = 2
READABLE_VERSIONS = (1, 2)
HP_COLUMNS = tuple(f for f in Hyperparameters.__dataclass_fields__ if f != "bounds")
#: A lead counts as "within the noise" below this many combined standard errors.
NOISE_Z = 2.0


class IncompleteEvaluationError(EvaluationError):
    """Raised by :meth:`EvaluationResult.scores` when a submission's outcome is not postable
    (a run exceeded its time limit twice): posting it would make a score depend on the clock."""


def sampling_error_bps(score_bps: int, test_classes: "Sequence[int] | None", metric: str) -> float:
    """Sampling standard error (bps) of a score measured on a finite test part.

    ``test_classes`` = ``(n0, n1)`` windows of each class.  Accuracy: ``sqrt(p(1-p)/n)``;
    balanced accuracy (mean of the two recalls, each assumed near ``p``):
    ``0.5 * sqrt(p(1-p)/n0 + p(1-p)/n1)``; times 10000.  0 when the counts are unknown.
    Source: the binomial standard error of a proportion (normal approximation).
    """
    if not test_classes or min(test_classes) < 0 or sum(test_classes) == 0:
        return 0.0
    p = min(max(score_bps / 10_000, 0.0), 1.0)
    var = p * (1 - p)
    n0, n1 = int(test_classes[0]), int(test_classes[1])
    if metric == "balanced_accuracy" and n0 > 0 and n1 > 0:
        return 10_000 * 0.5 * math.sqrt(var / n0 + var / n1)
    return 10_000 * math.sqrt(var / (n0 + n1))


@dataclass(frozen=True)
class Lead:
    """The winner's lead over the runner-up and whether it lies within the noise.

    ``threshold_bps = NOISE_Z * sqrt(noise_winner**2 + noise_runner_up**2)`` where each
    noise is ``sqrt(score_se_bps**2 + test_se_bps**2)`` (seed-to-seed spread of the mean
    plus the test part's sampling error; conservative: it ignores that both are scored on
    the same windows).  ``within_noise`` = ``lead_bps < threshold_bps``: another draw of
    seeds or test windows could well reverse the order.  Payment still follows the posted
    ranking; this only says how much the ranking means.
    """

    winner: int
    runner_up: int
    lead_bps: int
    threshold_bps: float
    within_noise: bool

    def describe(self) -> str:
        verdict = "within the noise" if self.within_noise else "beyond the noise"
        return (f"#{self.winner} leads #{self.runner_up} by {self.lead_bps} bps, {verdict} "
                f"(2 x combined standard error = {self.threshold_bps:.0f} bps)")


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
    status: SubmissionStatus
    score_bps: int = 0
    reason: str | None = None
    val_accuracy: float | None = None
    train_seconds: float = 0.0
    seconds: float = 0.0
    n_params: int | None = None
    epochs_run: int = 0
    history: dict[str, list[float | None]] = field(default_factory=dict, repr=False)
    seeds: list[int] = field(default_factory=list)
    seed_scores: list[int] = field(default_factory=list)
    score_se_bps: float | None = None
    runs: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.status = SubmissionStatus.coerce(self.status)

    def to_dict(self) -> dict[str, Any]:
        return _clean(
            {
                "id": self.submission_id,
                "submitter": self.submitter,
                "hyperparameters": self.hyperparameters,
                "status": self.status.value,
                "seeds": self.seeds,
                "seed_scores": self.seed_scores,
                "score_se_bps": None if self.score_se_bps is None else round(self.score_se_bps, 2),
                "runs": self.runs,
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
            seeds=list(data.get("seeds") or []),
            seed_scores=[int(x) for x in data.get("seed_scores") or []],
            score_se_bps=data.get("score_se_bps"),
            runs=[dict(r) for r in data.get("runs") or []],
        )


@dataclass
class EvaluationResult:
    """Scores of every submission under one protocol, with everything needed to re-check them.

    ``leaderboard`` (DataFrame), ``scores()`` (``{id: bps}`` to post on-chain; refuses an
    incomplete evaluation), ``complete`` (every outcome postable), ``lead()`` (is the
    winner's lead within the noise?), ``how_to_read()`` (text for people),
    ``report()`` / ``to_json()`` (the evaluation report whose CID goes on-chain),
    ``plot()`` (matplotlib Figure).

    ``metric``: the score's metric; ``seeds``: the seeds every submission was trained
    with; ``baseline_bps``: the score of always predicting the test part's majority
    class; ``test_classes``: ``[n0, n1]`` test windows per class.
    """

    results: list[SubmissionResult]
    protocol: "TrainingProtocol"
    spec: "BountySpec | None" = None
    data: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=environment)
    run: dict[str, Any] = field(default_factory=dict)
    metric: str = "balanced_accuracy"
    seeds: list[int] = field(default_factory=list)
    baseline_bps: int | None = None
    test_classes: list[int] | None = None

    # ------------------------------------------------------------------ views
    def ranked(self) -> list[SubmissionResult]:
        """Best first: higher score, then lower submission id (the earlier commit wins ties)."""
        return sorted(self.results, key=lambda r: (-r.score_bps, r.submission_id))

    @property
    def complete(self) -> bool:
        """Every submission's outcome is postable (no run exceeded its time limit twice)."""
        return all(r.status.postable for r in self.results)

    def unpostable(self) -> list[SubmissionResult]:
        """The submissions whose outcome must not be posted (status ``timeout``)."""
        return [r for r in self.results if not r.status.postable]

    def noise_bps(self, r: SubmissionResult) -> float:
        """``sqrt(score_se_bps**2 + test_se**2)``: seed spread of the mean plus test sampling error."""
        se = r.score_se_bps or 0.0
        return math.sqrt(se**2 + sampling_error_bps(r.score_bps, self.test_classes, self.metric) ** 2)

    def lead(self) -> Lead | None:
        """The winner's lead over the runner-up (both scored), or None with fewer than two."""
        contenders = [r for r in self.ranked() if r.status is SubmissionStatus.SCORED]
        if len(contenders) < 2:
            return None
        a, b = contenders[0], contenders[1]
        threshold = NOISE_Z * math.sqrt(self.noise_bps(a) ** 2 + self.noise_bps(b) ** 2)
        lead = a.score_bps - b.score_bps
        return Lead(a.submission_id, b.submission_id, lead, threshold, lead < threshold)

    def how_to_read(self) -> str:
        """A few lines for the organizer's output explaining the leaderboard's columns."""
        k = len(self.seeds) or 1
        metric = self.metric.replace("_", " ")
        lines = [
            f"How to read this: score_bps is the {metric} on the hidden test part in basis points "
            f"(10000 = all right), the floor of the mean over {k} seed(s) {self.seeds or ''}; a diverged run counts 0.",
        ]
        if self.baseline_bps is not None:
            lines.append(f"Always predicting the majority class scores {self.baseline_bps} bps: a score near it "
                         "learned nothing.")
        n = sum(self.test_classes) if self.test_classes else None
        lines.append("score_se_bps is the standard error of that mean over seeds; noise_bps adds the sampling "
                     f"error of the {n or '?'} test windows.")
        lines.append(f"A lead smaller than {NOISE_Z:g} x the two submissions' combined noise is marked 'within "
                     "noise': another draw of seeds or windows could reverse it (payment follows the posted "
                     "ranking; ties go to the earlier commit).")
        lead = self.lead()
        if lead is not None:
            lines.append(lead.describe() + ".")
        if not self.complete:
            ids = ", ".join(f"#{r.submission_id}" for r in self.unpostable())
            lines.append(f"INCOMPLETE: {ids} exceeded the run time limit; these scores cannot be posted.")
        return "\n".join(lines)

    @property
    def leaderboard(self) -> "pd.DataFrame":
        """One row per submission, best first, indexed by rank (1 = best).

        ``score_se_bps``: standard error of the mean over seeds; ``noise_bps``: that plus
        the test part's sampling error; ``note``: ``within noise`` on the winner's row
        when its lead over the runner-up is smaller than :data:`NOISE_Z` combined noises
        (see :class:`Lead`).
        """
        import pandas as pd

        lead = self.lead()
        rows = []
        for r in self.ranked():
            row: dict[str, Any] = {"submission_id": r.submission_id, "submitter": r.submitter}
            for name in HP_COLUMNS:
                row[name] = r.hyperparameters.get(name)
            note = ""
            if lead is not None and r.submission_id == lead.winner:
                note = "within noise" if lead.within_noise else "clear lead"
            row.update(
                score_bps=r.score_bps,
                score_se_bps=float("nan") if r.score_se_bps is None else round(r.score_se_bps, 1),
                noise_bps=round(self.noise_bps(r), 1) if r.status is SubmissionStatus.SCORED else float("nan"),
                seed_scores=list(r.seed_scores),
                val_accuracy=float("nan") if r.val_accuracy is None else r.val_accuracy,
                train_seconds=r.train_seconds,
                status=r.status.value,
                reason=r.reason or "",
                note=note,
            )
            rows.append(row)
        columns = ["submission_id", "submitter", *HP_COLUMNS, "score_bps", "score_se_bps", "noise_bps",
                   "seed_scores", "val_accuracy", "train_seconds", "status", "reason", "note"]
        frame = pd.DataFrame(rows, columns=columns)
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="rank")
        return frame

    def scores(self) -> dict[int, int]:
        """``{submission_id: score_bps}`` in id order: what the organizer posts on-chain.

        Raises :class:`IncompleteEvaluationError` naming the submissions whose outcome is
        not postable (see :attr:`complete`): post-scores and verify both refuse it.
        """
        bad = self.unpostable()
        if bad:
            names = "; ".join(f"#{r.submission_id} {r.status}: {r.reason}" for r in bad)
            raise IncompleteEvaluationError(f"evaluation incomplete, nothing may be posted: {names}")
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
        counts = {s.value: sum(r.status is s for r in self.results) for s in SubmissionStatus}
        best = self.best()
        top = f", best=#{best.submission_id} {best.score_bps} bps" if best else ""
        summary = ", ".join(f"{k}={v}" for k, v in counts.items() if v)
        lead = self.lead()
        noise = ", lead within noise" if lead is not None and lead.within_noise else ""
        incomplete = "" if self.complete else ", INCOMPLETE"
        return f"EvaluationResult({len(self.results)} submissions: {summary or 'none'}{top}{noise}{incomplete})"

    def _repr_html_(self) -> str:  # notebooks
        from html import escape

        text = "".join(f"<br>{escape(line)}" for line in self.how_to_read().splitlines())
        return f"<p>{escape(repr(self))}</p>" + self.leaderboard.to_html() + f"<p><small>{text}</small></p>"

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
                "metric": self.metric,
                "seeds": self.seeds,
                "baseline_bps": self.baseline_bps,
                "test_classes": self.test_classes,
                "complete": self.complete,
                "lead": None if (lead := self.lead()) is None else {
                    "winner": lead.winner, "runner_up": lead.runner_up, "lead_bps": lead.lead_bps,
                    "threshold_bps": round(lead.threshold_bps, 2), "within_noise": lead.within_noise},
                "environment": self.env,
                "run": self.run,
                "score_tolerance_bps": score_tolerance_bps(n_test) if n_test else None,
            }
        )

    def to_json(self, path: "str | os.PathLike[str] | None" = None) -> str:
        """The report as canonical JSON (sorted keys, compact); written to ``path`` if given."""
        text = json.dumps(self.report(), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        if path is not None:
            from ...storage.atomic import write_atomic  # exclusive temp file, fsync, rename

            write_atomic(path, text.encode("utf-8"))
        return text

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> "EvaluationResult":
        """Rebuild a result from :meth:`report` output (e.g. to verify a published report)."""
        from ...protocol.spec import BountySpec, TrainingProtocol

        if report.get("format") != REPORT_FORMAT:
            raise ArgumentError(f"format: not an evaluation report (expected {REPORT_FORMAT!r}, got {report.get('format')!r})")
        if report.get("version") not in READABLE_VERSIONS:
            raise ArgumentError(f"version: unsupported report version {report.get('version')!r}; "
                             f"this client reads {list(READABLE_VERSIONS)}")
        return cls(
            results=[SubmissionResult.from_dict(s) for s in report["submissions"]],
            protocol=TrainingProtocol.from_dict(report["protocol"]),
            spec=None if report.get("spec") is None else BountySpec.from_dict(report["spec"]),
            data=dict(report.get("data") or {}),
            env=dict(report.get("environment") or {}),
            run=dict(report.get("run") or {}),
            metric=report.get("metric") or "accuracy",  # version 1 reports scored accuracy
            seeds=[int(x) for x in report.get("seeds") or [report["protocol"].get("seed", 0)]],
            baseline_bps=report.get("baseline_bps"),
            test_classes=report.get("test_classes"),
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
        colors = {SubmissionStatus.SCORED: "tab:blue", SubmissionStatus.DIVERGED: "tab:orange",
                  SubmissionStatus.FAILED: "tab:red", SubmissionStatus.CRASHED: "tab:red",
                  SubmissionStatus.TIMEOUT: "tab:purple"}
        labels = [f"#{r.submission_id} {r.submitter[:8]}" for r in ranked]
        errors = [self.noise_bps(r) if r.status is SubmissionStatus.SCORED else 0.0 for r in ranked]
        ax_bar.barh(range(len(ranked)), [r.score_bps for r in ranked],
                    color=[colors.get(r.status, "tab:gray") for r in ranked],
                    xerr=errors, error_kw={"elinewidth": 1, "capsize": 2, "ecolor": "black"})
        for y, r in enumerate(ranked):
            text = f" {r.score_bps}" if r.status is SubmissionStatus.SCORED else f" {r.status}"
            ax_bar.text(r.score_bps, y, text, va="center", fontsize="small")
        ax_bar.set_yticks(range(len(ranked)), labels)
        ax_bar.invert_yaxis()
        ax_bar.set_xlim(0, 10_000)
        ax_bar.set_xlabel(f"test {self.metric.replace('_', ' ')} (bps; bars: ±1 noise)")
        lead = self.lead()
        title = "Leaderboard"
        if lead is not None and lead.within_noise:
            title += f" (winner's lead {lead.lead_bps} bps is within the noise)"
        ax_bar.set_title(title, fontsize="medium")
        if self.baseline_bps is not None:
            ax_bar.axvline(self.baseline_bps, color="gray", linestyle=":", linewidth=1,
                           label=f"majority baseline {self.baseline_bps}")
        if self.spec is not None:
            ax_bar.axvline(self.spec.min_accuracy_bps, color="black", linestyle="--", linewidth=1,
                           label=f"minimum {self.spec.min_accuracy_bps}")
        if self.spec is not None or self.baseline_bps is not None:
            ax_bar.legend(loc="lower right", fontsize="small")
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
