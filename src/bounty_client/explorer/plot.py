"""The leaderboard's plot: every score on record by rank, its noise as an error bar, the baseline and minimum.

matplotlib (already the project's plotting library) draws it without pyplot and writes SVG: sharp
at any size, text searchable, no script.  Only numbers reach the figure (no name from a spec), so
nothing a bounty's author wrote ends up in the SVG.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["scores_svg"]

_BLUE, _GRAY, _AMBER, _RED = "#2563eb", "#6b7280", "#d97706", "#dc2626"


def scores_svg(board: Any) -> bytes:
    """SVG of ``board`` (a :class:`~bounty_client.record.views.Leaderboard`): score on record ± noise per
    rank, qualified in blue, below the minimum in gray, prize winners ringed, scores a ruling corrected
    marked with a red square, the majority-class baseline dotted and the minimum score dashed (when the
    bounty has one)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    matplotlib.rcParams["svg.fonttype"] = "none"  # text as text (the page's font), not paths
    matplotlib.rcParams["svg.hashsalt"] = "ml-bounty"  # stable ids: the same board gives the same bytes
    rows = list(board.rows)
    n = len(rows)
    fig = Figure(figsize=(min(12.0, max(7.0, 0.12 * n + 5)), 3.8), layout="constrained")
    ax = fig.subplots()
    xs = [r.rank for r in rows]
    ys = [r.score_bps for r in rows]
    errs = [r.noise_bps or 0.0 for r in rows]
    colors = [_BLUE if r.qualifies else _GRAY for r in rows]
    ax.errorbar(xs, ys, yerr=errs, fmt="none", ecolor="#9ca3af", elinewidth=1, capsize=2 if n <= 40 else 0, zorder=1)
    ax.scatter(xs, ys, c=colors, s=28 if n <= 40 else 12, zorder=2, label="score on record ± noise")
    corrected = [r for r in rows if r.score_bps != r.posted_bps]
    if corrected:
        ax.scatter([r.rank for r in corrected], [r.score_bps for r in corrected], s=170 if n <= 40 else 80,
                   marker="s", facecolors="none", edgecolors=_RED, linewidths=1.4, zorder=3,
                   label="corrected by a ruling")
    winners = [r for r in rows if r.prize_eth > 0]
    if winners:
        ax.scatter([r.rank for r in winners], [r.score_bps for r in winners], s=90 if n <= 40 else 50,
                   facecolors="none", edgecolors=_AMBER, linewidths=1.5, zorder=3, label="paid a prize")
    if board.baseline_bps is not None:
        ax.axhline(board.baseline_bps, color=_RED, linestyle=":", linewidth=1.3,
                   label=f"majority-class baseline {board.baseline_bps}")
    values = ys + ([board.baseline_bps] if board.baseline_bps is not None else [])
    if board.min_accuracy_bps > 0:  # no line (and no axis down to 0) for a bounty without a minimum
        ax.axhline(board.min_accuracy_bps, color="#111827", linestyle="--", linewidth=1,
                   label=f"minimum score {board.min_accuracy_bps}")
        values.append(board.min_accuracy_bps)
    spread = [y - e for y, e in zip(ys, errs)] + [y + e for y, e in zip(ys, errs)] + values
    low, high = min(spread), max(spread)
    pad = max(50.0, 0.08 * (high - low))
    ax.set_ylim(max(0.0, low - pad), min(10_000.0, high + pad))
    ax.set_xlim(0.3, n + 0.7)
    if n <= 25:
        ax.set_xticks(xs)
    ax.set_xlabel("rank")
    ax.set_ylabel(f"{board.metric.replace('_', ' ')} (bps)")
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.legend(loc="outside upper center", fontsize="small", frameon=False, ncols=5)
    out = io.BytesIO()
    fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()
