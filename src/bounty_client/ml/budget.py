"""Can the organizer re-train every submission before the evaluation deadline?

A participant who could reveal more work than the organizer can evaluate in time would
force the abandonment split (issue 10, "evaluation flood").  The contract bounds each
reveal's cost (``max_cost``, the Keras parameter count); this module bounds the sum: the
client refuses to create a bounty whose evaluation window cannot re-train
``max_submissions`` worst-case submissions (``max_cost`` parameters, ``k`` seeds, the
protocol's epochs, the dataset's training windows) with the given workers.

The estimate is a measured constant, not a timing taken at creation: creating a bounty
must not import TensorFlow or depend on how loaded the machine happens to be that minute,
and the organizer should see the same figure twice.  An LSTM's training time per epoch is
close to proportional to ``parameters x windows x seq_len`` (every weight is used once per
time step of every window, forward and backward), plus a fixed cost per submission (build,
compile, trace: paid by its first seed only, since ``model.train_and_score`` keeps the
compiled model of an architecture for its other seeds).  ``bench/budget.py`` measures both on a machine; the defaults
below are this project's reference machine (2 CPU cores, TensorFlow CPU, batch 64), taken
on the safe side.  Pass ``throughput=``/``run_overhead_s=`` measured on the organizer's
own hardware to change them.

Pure Python: cheap to import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ArgumentError

__all__ = ["THROUGHPUT", "RUN_OVERHEAD_S", "EvaluationBudget", "evaluation_budget"]

#: Parameter-time-steps trained per second per worker (``parameters x windows x seq_len x epochs / s``).
#: ``bench/budget.py`` measured 6.4e9-6.8e9 for 2 x 256 and 2 x 512-unit LSTMs on 1,000 windows of
#: 10 steps (2 cores, other jobs running; 7.5e9 on a quieter run); the issue's 8 x 1024-unit model at
#: ~107 s per epoch gives the same order.  Taken lower, so the estimate errs towards "too slow".
THROUGHPUT = 5e9
#: Seconds per submission besides the epochs (model build, compile, graph tracing, scoring; the
#: other seeds reuse the compiled model): ``bench/budget.py`` measured 2.4-3.1 s after TensorFlow's
#: start-up (7 s including it) on the reference machine.
RUN_OVERHEAD_S = 8.0


@dataclass(frozen=True)
class EvaluationBudget:
    """The worst-case evaluation time of a bounty against its evaluation window.

    ``max_cost`` parameters per submission, ``windows`` training windows of ``seq_len`` steps,
    ``epochs`` per run, ``seeds`` runs per submission, ``max_submissions`` submissions shared by
    ``workers`` parallel workers; ``window_s`` seconds between the test data being accepted and the
    evaluation deadline.  ``str()`` is the one-line estimate the client prints."""

    max_cost: int
    windows: int
    seq_len: int
    epochs: int
    seeds: int
    max_submissions: int
    workers: int
    window_s: int
    throughput: float = THROUGHPUT
    run_overhead_s: float = RUN_OVERHEAD_S

    @property
    def run_seconds(self) -> float:
        """The evaluation of one worst-case submission: ``seeds`` trainings of ``epochs`` epochs plus the
        overhead once (seconds)."""
        epoch = self.max_cost * self.windows * self.seq_len / self.throughput
        return self.seeds * self.epochs * epoch + self.run_overhead_s

    @property
    def total_seconds(self) -> float:
        """Every worst-case submission, spread over the workers (seconds)."""
        return math.ceil(self.max_submissions / self.workers) * self.run_seconds

    @property
    def fits(self) -> bool:
        return self.total_seconds <= self.window_s

    def __str__(self) -> str:
        return (f"evaluation estimate: {self.max_submissions} submissions x {self.run_seconds:,.1f} s per worst-case "
                f"submission ({self.seeds} seeds x {self.epochs} epochs of {self.max_cost:,} parameters over "
                f"{self.windows:,} windows of {self.seq_len} steps, + {self.run_overhead_s:g} s) / {self.workers} "
                f"worker(s) = {self.total_seconds:,.0f} s; evaluation window {self.window_s:,} s")

    def check(self) -> "EvaluationBudget":
        """Return ``self`` if the worst case fits the window; else raise :class:`ArgumentError` with the
        estimate and what to change (evaluation_period, max_submissions, workers or the bounds)."""
        if self.fits:
            return self
        bounds = (f"narrow the spec's bounds (max_cost {self.max_cost:,} parameters: a JSON spec template with "
                  f"\"bounds\", `create --spec FILE`)")
        if self.run_seconds > self.window_s:  # not even one worst-case submission fits: only two fixes help
            raise ArgumentError(
                f"evaluation_period: shorter than one worst-case submission ({self}). Lengthen evaluation_period "
                f"to at least {math.ceil(self.total_seconds)} s or {bounds}")
        per_worker = int(self.window_s // self.run_seconds)  # worst-case submissions one worker evaluates in time
        need_workers = math.ceil(self.max_submissions / per_worker)
        raise ArgumentError(
            f"evaluation_period: too short to re-train every worst-case submission ({self}). Lengthen "
            f"evaluation_period to at least {math.ceil(self.total_seconds)} s, lower max_submissions to "
            f"{per_worker * self.workers}, use workers >= {need_workers}, or {bounds}"
        )


def evaluation_budget(
    *,
    max_cost: int,
    windows: int,
    seq_len: int,
    epochs: int,
    seeds: int,
    max_submissions: int,
    window_s: int,
    workers: int = 1,
    throughput: float = THROUGHPUT,
    run_overhead_s: float = RUN_OVERHEAD_S,
) -> EvaluationBudget:
    """The :class:`EvaluationBudget` of these figures (see the class); raises :class:`ArgumentError`
    for a non-positive count, window or throughput."""
    figures = dict(max_cost=max_cost, windows=windows, seq_len=seq_len, epochs=epochs, seeds=seeds,
                   max_submissions=max_submissions, workers=workers, window_s=window_s)
    for name, value in figures.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ArgumentError(f"{name}: must be a positive integer, got {value!r}")
    if not throughput > 0 or not run_overhead_s >= 0:
        raise ArgumentError(f"throughput/run_overhead_s: must be positive, got {throughput!r}/{run_overhead_s!r}")
    return EvaluationBudget(**figures, throughput=float(throughput), run_overhead_s=float(run_overhead_s))
