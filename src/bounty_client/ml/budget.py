"""Can the organizer re-train every submission before the evaluation deadline?

A participant who could reveal more work than the organizer can evaluate in time would
force the abandonment split (issue 10, "evaluation flood").  The contract bounds each
reveal's cost (``max_cost``, the Keras parameter count); this module bounds the sum: the
client refuses to create a bounty whose evaluation window cannot re-train
``max_submissions`` worst-case submissions with the given workers.

The estimate is a model with measured constants, not a timing taken at creation: creating a
bounty must not import TensorFlow or depend on how loaded the machine happens to be that minute,
and the organizer should see the same figure twice.  A submission's evaluation time is, in seconds::

    build(L, D) + seeds x (epochs x epoch(L, D, P) + SEED_S)
    build(L, D)    = BUILD_S + LSTM_BUILD_S x L + DENSE_BUILD_S x D           (first seed only)
    epoch(L, D, P) = batches x (BATCH_S + LSTM_STEP_S x L x seq_len + DENSE_STEP_S x D)
                     + P x windows x seq_len / THROUGHPUT
    batches        = ceil(VAL_FACTOR x windows / batch_size)

with ``L`` LSTM layers, ``D`` dense layers and ``P`` parameters.  The parameter term is the work of
wide models (every weight used once per time step of every window, forward and backward); the
per-layer terms are what deep, narrow models cost whatever their width: each LSTM layer is a
sequential loop of ``seq_len`` small kernels per batch, and each layer adds to building and tracing
the model (paid by a submission's first seed only: ``model.train_and_score`` keeps the compiled
model of an architecture for its other seeds).  An estimate from the parameter count alone
(the model before this one) was 2.3-2.7x below the measured time of deep, narrow models.

Every term grows with ``L``, ``D`` and ``P``, so the worst case within a spec's bounds is the corner
with the most LSTM layers, dense layers and parameters (``max_cost``): :func:`evaluation_budget`
takes those maxima (by default the contract's limits: 8 and 8).  ``bench/budget.py`` prints the
estimate against a measured submission for every corner of the bounds; the constants below come
from it on this project's reference machine (2 CPU cores, TensorFlow CPU, other jobs running) and
are taken on the safe side, so the estimate is never below the measurement there.  Pass
``constants=`` measured on the organizer's own hardware to change them.

Pure Python: cheap to import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from ..errors import ArgumentError

__all__ = ["THROUGHPUT", "RUN_OVERHEAD_S", "BudgetConstants", "EvaluationBudget", "evaluation_budget",
           "submission_seconds"]

#: Parameter-time-steps trained per second per worker (``parameters x windows x seq_len x epochs / s``):
#: ``bench/budget.py`` measured 6.4e9-7.5e9 for 2 x 256 and 2 x 512-unit LSTMs; taken lower.
THROUGHPUT = 5e9
#: Seconds of building, compiling, tracing and scoring a one-layer model (a submission's first seed).
RUN_OVERHEAD_S = 3.0


@dataclass(frozen=True)
class BudgetConstants:
    """The measured constants of the model in the module docstring (seconds per worker; ``throughput`` in
    parameter-time-steps per second).  The defaults are the reference machine's, on the safe side."""

    throughput: float = THROUGHPUT
    #: building, compiling and tracing the smallest model, and scoring it (first seed)
    build_s: float = RUN_OVERHEAD_S
    #: each LSTM layer's share of building and tracing (a deep model traces a loop per layer)
    lstm_build_s: float = 3.5
    #: each dense layer's share of building and tracing
    dense_build_s: float = 1.2
    #: fixed cost of one training or validation batch (optimizer step, data, callbacks)
    batch_s: float = 0.02
    #: one LSTM layer's kernels for one time step of one batch, forward and backward
    lstm_step_s: float = 0.002
    #: one dense layer for one batch
    dense_step_s: float = 0.004
    #: each seed besides the training itself: resetting the weights, scoring the test and validation parts
    seed_s: float = 0.5
    #: batches per epoch are counted on this many times the training windows (the validation part is
    #: scored after every epoch: about a quarter of the training windows, forward only)
    val_factor: float = 1.25

    def __post_init__(self) -> None:
        for name in ("throughput", "val_factor"):
            if not getattr(self, name) > 0:
                raise ArgumentError(f"{name}: must be positive, got {getattr(self, name)!r}")
        for name in ("build_s", "lstm_build_s", "dense_build_s", "batch_s", "lstm_step_s", "dense_step_s", "seed_s"):
            if not getattr(self, name) >= 0:
                raise ArgumentError(f"{name}: must be zero or positive, got {getattr(self, name)!r}")


def submission_seconds(*, parameters: int, lstm_layers: int, dense_layers: int, windows: int, seq_len: int,
                       epochs: int, seeds: int, batch_size: int = 64,
                       constants: BudgetConstants = BudgetConstants()) -> float:
    """Estimated seconds to evaluate one submission of this shape (``seeds`` trainings of ``epochs`` epochs over
    ``windows`` training windows of ``seq_len`` steps, batches of ``batch_size``) on one worker: the model in
    the module docstring."""
    c = constants
    batches = math.ceil(c.val_factor * windows / batch_size)
    epoch = (batches * (c.batch_s + c.lstm_step_s * lstm_layers * seq_len + c.dense_step_s * dense_layers)
             + parameters * windows * seq_len / c.throughput)
    build = c.build_s + c.lstm_build_s * lstm_layers + c.dense_build_s * dense_layers
    return build + seeds * (epochs * epoch + c.seed_s)


@dataclass(frozen=True)
class EvaluationBudget:
    """The worst-case evaluation time of a bounty against its evaluation window.

    ``max_cost`` parameters, ``lstm_layers`` and ``dense_layers`` (the most the spec's bounds allow) per
    submission, ``windows`` training windows of ``seq_len`` steps in batches of ``batch_size``, ``epochs``
    per run, ``seeds`` runs per submission, ``max_submissions`` submissions shared by ``workers``
    parallel workers; ``window_s`` seconds between the test data being accepted and the evaluation
    deadline.  ``str()`` is the one-line estimate the client prints."""

    max_cost: int
    windows: int
    seq_len: int
    epochs: int
    seeds: int
    max_submissions: int
    workers: int
    window_s: int
    lstm_layers: int = 8
    dense_layers: int = 8
    batch_size: int = 64
    constants: BudgetConstants = field(default_factory=BudgetConstants)

    @property
    def throughput(self) -> float:
        return self.constants.throughput

    @property
    def run_overhead_s(self) -> float:
        """Building and tracing the worst-case model (its first seed), in seconds."""
        c = self.constants
        return c.build_s + c.lstm_build_s * self.lstm_layers + c.dense_build_s * self.dense_layers

    @property
    def run_seconds(self) -> float:
        """The evaluation of one worst-case submission (:func:`submission_seconds` of the worst corner)."""
        return submission_seconds(parameters=self.max_cost, lstm_layers=self.lstm_layers,
                                  dense_layers=self.dense_layers, windows=self.windows, seq_len=self.seq_len,
                                  epochs=self.epochs, seeds=self.seeds, batch_size=self.batch_size,
                                  constants=self.constants)

    @property
    def total_seconds(self) -> float:
        """Every worst-case submission, spread over the workers (seconds)."""
        return math.ceil(self.max_submissions / self.workers) * self.run_seconds

    @property
    def fits(self) -> bool:
        return self.total_seconds <= self.window_s

    def __str__(self) -> str:
        return (f"evaluation estimate: {self.max_submissions} submissions x {self.run_seconds:,.1f} s per worst-case "
                f"submission ({self.seeds} seeds x {self.epochs} epochs of {self.lstm_layers} LSTM + "
                f"{self.dense_layers} dense layers, {self.max_cost:,} parameters, over {self.windows:,} windows of "
                f"{self.seq_len} steps, + {self.run_overhead_s:g} s to build) / {self.workers} worker(s) = "
                f"{self.total_seconds:,.0f} s; evaluation window {self.window_s:,} s")

    def check(self) -> "EvaluationBudget":
        """Return ``self`` if the worst case fits the window; else raise :class:`ArgumentError` with the
        estimate and what to change (evaluation_period, max_submissions, workers or the bounds)."""
        if self.fits:
            return self
        bounds = (f"narrow the spec's bounds (max_cost {self.max_cost:,} parameters, {self.lstm_layers} LSTM and "
                  f"{self.dense_layers} dense layers: a JSON spec template with \"bounds\", `create --spec FILE`)")
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
    lstm_layers: int = 8,
    dense_layers: int = 8,
    batch_size: int = 64,
    throughput: "float | None" = None,
    run_overhead_s: "float | None" = None,
    constants: "BudgetConstants | None" = None,
) -> EvaluationBudget:
    """The :class:`EvaluationBudget` of these figures (see the class).  ``lstm_layers``/``dense_layers``: the most
    the spec's bounds allow (default: the contract's limits, so a caller that does not know the bounds never
    gets an estimate below the worst case); ``throughput``/``run_overhead_s`` replace those two constants of
    ``constants``.  Raises :class:`ArgumentError` for a non-positive count, window or throughput, or a
    negative layer count."""
    figures = dict(max_cost=max_cost, windows=windows, seq_len=seq_len, epochs=epochs, seeds=seeds,
                   max_submissions=max_submissions, workers=workers, window_s=window_s, batch_size=batch_size)
    for name, value in figures.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ArgumentError(f"{name}: must be a positive integer, got {value!r}")
    for name, value in (("lstm_layers", lstm_layers), ("dense_layers", dense_layers)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ArgumentError(f"{name}: must be an integer >= 0, got {value!r}")
    c = constants or BudgetConstants()
    if throughput is not None:
        if not throughput > 0:
            raise ArgumentError(f"throughput: must be positive, got {throughput!r}")
        c = replace(c, throughput=float(throughput))
    if run_overhead_s is not None:
        if not run_overhead_s >= 0:
            raise ArgumentError(f"run_overhead_s: must be zero or positive, got {run_overhead_s!r}")
        c = replace(c, build_s=float(run_overhead_s))
    return EvaluationBudget(**figures, lstm_layers=lstm_layers, dense_layers=dense_layers, constants=c)
