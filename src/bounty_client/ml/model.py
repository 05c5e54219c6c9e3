"""Build the Keras model a submission describes, and train and score it deterministically.

Architecture (``build_model``)
    ``lstm_layers`` x [LSTM(lstm_units) -> Dropout(dropout) -> BatchNormalization]
    (``return_sequences`` on all but the last LSTM), then ``dense_layers`` x
    Dense(width, activation), then a head that fits the loss.  **Width rule:** every
    hidden Dense layer has ``lstm_units`` units (the original project fixed 32 and
    the last LSTM at 128 whatever was submitted; here the submission's size is used
    throughout).

Heads, label encodings and the predicted-class rule (:data:`HEADS`)
    =================================  =============  ===============  ==================
    loss                               head           labels trained   predicted class 1
    =================================  =============  ===============  ==================
    sparse_categorical_crossentropy    Dense(2) soft  {0, 1}           argmax == 1
    categorical_crossentropy           Dense(2) soft  one-hot (n, 2)   argmax == 1
    binary_crossentropy                Dense(1) sigm  {0., 1.}         p > 0.5
    mean_squared_error                 Dense(1) sigm  {0., 1.}         p > 0.5
    hinge                              Dense(1) tanh  {-1., 1.}        y > 0
    =================================  =============  ===============  ==================

    (``argmax`` of an exact tie is class 0; ``p == 0.5`` and ``y == 0`` are class 0.)

Training and score (``train_and_score``)
    Adam with the submission's learning rate; ``protocol.epochs`` epochs of
    ``protocol.batch_size`` (optionally early-stopped on the validation part); the
    score is measured on the **held-out test part** - never a training score - in
    integer basis points by the spec's metric (:func:`score_bps`): balanced accuracy
    (default; the mean of the two classes' recalls, floored, so a constant predictor
    scores exactly 5000 whatever the class balance) or accuracy
    (``floor(10000 * correct / n_test)``).  :func:`majority_baseline_bps` gives the
    score of always guessing the majority class, for reports.

Divergence
    Training stops at the first non-finite batch loss (``keras.callbacks.TerminateOnNaN``).
    A run with a non-finite loss in its history or a non-finite test/validation output is
    ``status="diverged"`` and scores 0; :func:`predict_classes` refuses non-finite outputs
    instead of mapping NaN to a class (``argmax`` of NaN is 0, ``NaN > 0.5`` is False).

Fixed cost and re-use (issue 13)
    Most of a short training's time is fixed: Keras traces and TensorFlow compiles the
    training and validation functions once per model (about 1-2 s on this CPU, versus
    about 0.1 s per epoch on the demo's data).  A process therefore keeps the compiled
    model of each architecture (:func:`architecture_key`: every hyperparameter except the
    learning rate, plus the window shape; :data:`MODEL_CACHE_SIZE` of them, least recently
    used dropped first) and, for a later run of that architecture (another seed, learning
    rate, or data of the same window shape), resets its variables to those of a freshly
    built uncompiled twin under the same seed and zeroes the optimizer's state instead of
    compiling again.  Losses and scores are bit-identical to a fresh build and to a plain
    Keras loop (tested); different architectures are different models and share no
    variable.  Seeding a re-used run keeps TensorFlow's instantiated graph functions
    (:func:`_set_random_seed_keeping_kernels`; ``tf.random.set_seed`` would flush them and
    cost a re-instantiation of about 0.3-0.7 s at the first batch).  ``bench/training.py``
    (``make bench-train``) measures fixed and per-epoch costs before and after: reused
    0.115 s fixed + 0.124 s/epoch against 2.4 s + 0.122 s/epoch before issue 13 (load 0.5-1).
    Callers that want re-use across the ``k`` seeds of a submission run them in the same
    process (the process pool of :mod:`.evaluation` sends a submission's seeds to the
    process that built it).

Determinism and tolerance
    Before a model is built or re-used, Python/NumPy/TF are seeded with the run's seed
    (as ``keras.utils.set_random_seed`` does; ``reuse=False`` also clears the Keras
    session first), TensorFlow op
    determinism is enabled and the thread pools have fixed sizes
    (:func:`configure_threads`).  On the same machine and software versions the
    same submission, data and seed therefore give a **bit-identical** score, also
    in separate processes (tested).  Across *different* CPUs (instruction sets such
    as AVX2 vs AVX-512, oneDNN/Eigen kernel choices) or TensorFlow builds, float
    rounding differs in the last bits; over many epochs this can move a few
    predictions that sit near the decision boundary.  ``verify`` should accept a
    re-computed score within :func:`score_tolerance_bps` of the posted one: the larger
    of :data:`SCORE_TOLERANCE_BPS` (50 bps = 0.5 percentage points) and 3 flipped
    test predictions (``ceil(30000 / n_test)`` bps, which matters for small test
    parts); anything larger is a real discrepancy.  Measured proxy for a different
    CPU/BLAS: the 8 submissions of ``bench/evaluation.py`` trained with TensorFlow's
    oneDNN kernels on and off (``TF_ENABLE_ONEDNN_OPTS``) end with losses that
    differ in the last bits, yet give identical scores (597 test windows, 6 epochs);
    1 vs 2 intra-op threads gives bit-identical losses.
    Versions and the platform are recorded in the evaluation report so that a
    verifier can tell which case applies.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from ..errors import ArgumentError
from ..protocol.hyperparams import Hyperparameters
from ..protocol.spec import METRICS

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from ..protocol.spec import TrainingProtocol

__all__ = [
    "HEADS",
    "MODEL_CACHE_SIZE",
    "SCORE_TOLERANCE_BPS",
    "STATUSES",
    "Head",
    "TrainResult",
    "architecture_key",
    "as_arrays",
    "build_model",
    "clear_model_cache",
    "configure_threads",
    "encode_labels",
    "majority_baseline_bps",
    "predict_classes",
    "score_bps",
    "score_tolerance_bps",
    "train_and_score",
]

#: Largest |recomputed - posted| score (basis points) ``verify`` should accept across machines
#: for large test parts; see :func:`score_tolerance_bps`.
SCORE_TOLERANCE_BPS = 50
#: Predictions that may flip across CPUs/BLAS builds, for small test parts.
TOLERANCE_FLIPS = 3


def score_tolerance_bps(n_test: int) -> int:
    """Cross-machine tolerance for a test part of ``n_test`` windows:
    ``max(50, ceil(3 * 10000 / n_test))`` basis points."""
    if n_test < 1:
        raise ArgumentError(f"n_test: must be >= 1, got {n_test}")
    return max(SCORE_TOLERANCE_BPS, -(-TOLERANCE_FLIPS * 10_000 // n_test))

ARRAY_NAMES = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")
#: Windows per inference call when scoring (fixed, so outputs never depend on a batch size choice).
PREDICT_CHUNK = 4096


@dataclass(frozen=True)
class Head:
    """Output layer for a loss: ``units`` and ``activation``, label encoding and class rule."""

    units: int
    activation: str
    labels: str  # "int", "onehot", "float01", "pm1"
    rule: str  # "argmax", "gt_half", "gt_zero"


#: The output head for each loss (see the module docstring).
HEADS: dict[str, Head] = {
    "sparse_categorical_crossentropy": Head(2, "softmax", "int", "argmax"),
    "categorical_crossentropy": Head(2, "softmax", "onehot", "argmax"),
    "binary_crossentropy": Head(1, "sigmoid", "float01", "gt_half"),
    "mean_squared_error": Head(1, "sigmoid", "float01", "gt_half"),
    "hinge": Head(1, "tanh", "pm1", "gt_zero"),
}


def _import_tf():
    """Import TensorFlow and Keras quietly (only when a model is really needed)."""
    from ..quiet import import_tensorflow

    tf = import_tensorflow()
    import keras

    tf.get_logger().setLevel("ERROR")  # no retracing chatter from predict/fit in notebooks
    return tf, keras


def configure_threads(intra_op: int | None = None, inter_op: int | None = None) -> tuple[int, int]:
    """Fix TensorFlow's thread pools (before TF's runtime starts) and return what is in force.

    ``intra_op`` defaults to the size already set, else the number of cores;
    ``inter_op`` to the size already set, else 1.  Once TensorFlow
    has run an op the pools cannot change; the call then leaves them and reports the
    sizes in force (0 means TensorFlow's own default).  Worker processes call this
    first thing so that N workers share the cores instead of each using all of them.
    """
    tf, _ = _import_tf()
    threading = tf.config.threading
    # With no argument, a size already chosen (e.g. by a worker's initializer) is kept.
    if intra_op is None:
        intra_op = threading.get_intra_op_parallelism_threads() or (os.cpu_count() or 1)
    if inter_op is None:
        inter_op = threading.get_inter_op_parallelism_threads() or 1
    try:
        threading.set_intra_op_parallelism_threads(int(intra_op))
        threading.set_inter_op_parallelism_threads(int(inter_op))
    except RuntimeError:
        pass  # runtime already initialized: keep what is in force
    return (
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )


# --------------------------------------------------------------------------- model
def build_model(hp: Hyperparameters, input_shape: tuple[int, int]) -> "keras.Model":
    """The compiled Keras model ``hp`` describes, for windows of shape ``(seq_len, n_features)``.

    Seeding is the caller's job (``train_and_score`` seeds before calling this).
    """
    if not isinstance(hp, Hyperparameters):
        raise TypeError(f"hp must be Hyperparameters, got {type(hp).__name__}")
    if len(tuple(input_shape)) != 2 or min(input_shape) < 1:
        raise ArgumentError(f"input_shape must be (seq_len, n_features) with both >= 1, got {tuple(input_shape)}")
    _, keras = _import_tf()
    model = _build_layers(keras, hp, input_shape)
    _compile(keras, model, hp)
    return model


def _build_layers(keras, hp: Hyperparameters, input_shape: tuple[int, ...]) -> "keras.Model":
    """The uncompiled model: every variable (weights, BatchNorm statistics, dropout seed
    states) is created here, in layer order, from the seeds Keras draws after
    ``keras.utils.set_random_seed``."""
    layers = keras.layers
    head = HEADS[hp.loss]
    # float32 throughout, whatever global dtype policy a notebook has set (a fresh build clears
    # the Keras session, a re-used one does not: both must compute alike).
    f32 = "float32"
    model = keras.Sequential(name="bounty_lstm")
    model.add(keras.Input(shape=tuple(int(d) for d in input_shape), dtype=f32))
    for i in range(hp.lstm_layers):
        last = i == hp.lstm_layers - 1
        model.add(layers.LSTM(hp.lstm_units, return_sequences=not last, name=f"lstm_{i}", dtype=f32))
        model.add(layers.Dropout(hp.dropout, name=f"dropout_{i}", dtype=f32))
        model.add(layers.BatchNormalization(name=f"batchnorm_{i}", dtype=f32))
    for j in range(hp.dense_layers):
        model.add(layers.Dense(hp.lstm_units, activation=hp.activation, name=f"dense_{j}", dtype=f32))
    model.add(layers.Dense(head.units, activation=head.activation, name="head", dtype=f32))
    return model


def _compile(keras, model: "keras.Model", hp: Hyperparameters) -> None:
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=hp.learning_rate),
        loss=hp.loss,
        metrics=[_accuracy_metric(keras, HEADS[hp.loss])],
        jit_compile=False,
    )
    # Create Adam's slots now (zeros, as its first update would): otherwise they are created
    # inside the first traced training step, and tf.function traces that step a second time
    # without variable creation - about 0.35 s more per new model on this CPU (issue 13).
    # Losses are unchanged (the plain-Keras test leaves them to fit and compares bit for bit).
    model.optimizer.build(model.trainable_variables)


def _accuracy_metric(keras, head: Head):
    """A Keras metric named ``accuracy`` that applies the head's class rule to its label encoding.

    Keras' own metrics where they match the rule exactly (argmax; ``p > 0.5``), a
    small custom one for the tanh/hinge head (labels -1/1, ``y > 0``).
    """
    if head.labels == "int":
        return keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    if head.labels == "onehot":
        return keras.metrics.CategoricalAccuracy(name="accuracy")
    if head.labels == "float01":
        return keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.5)
    ops = keras.ops

    def accuracy(y_true, y_pred):
        if head.rule == "argmax":
            pred = ops.cast(ops.argmax(y_pred, axis=-1), "float32")
            if head.labels == "onehot":
                true = ops.cast(ops.argmax(y_true, axis=-1), "float32")
            else:
                true = ops.cast(ops.reshape(y_true, ops.shape(pred)), "float32")
        else:
            threshold = 0.5 if head.rule == "gt_half" else 0.0
            pred = ops.cast(ops.greater(ops.reshape(y_pred, (-1,)), threshold), "float32")
            true = ops.cast(ops.greater(ops.reshape(y_true, (-1,)), threshold), "float32")
        return ops.cast(ops.equal(pred, true), "float32")

    return keras.metrics.MeanMetricWrapper(accuracy, name="accuracy")


def encode_labels(y: np.ndarray, loss: str) -> np.ndarray:
    """Class labels {0, 1} in the encoding the loss's head trains on (see :data:`HEADS`)."""
    y = np.asarray(y).reshape(-1)
    if y.size and not np.isin(y, (0, 1)).all():
        raise ArgumentError(f"labels must be 0 or 1, found {sorted(set(np.unique(y).tolist()) - {0, 1})[:5]}")
    kind = HEADS[loss].labels
    if kind == "int":
        return y.astype(np.int64)
    if kind == "onehot":
        return np.eye(2, dtype=np.float32)[y.astype(np.int64)]
    if kind == "float01":
        return y.astype(np.float32).reshape(-1, 1)
    return (2.0 * y.astype(np.float32) - 1.0).reshape(-1, 1)


def predict_classes(outputs: np.ndarray, loss: str) -> np.ndarray:
    """Model outputs -> predicted classes {0, 1} by the loss's head rule.

    Raises :class:`~bounty_client.errors.ArgumentError` (a ``ValueError``) when an output is NaN
    or infinite: a diverged model has no class to give, and mapping NaN to a class (``argmax``
    and ``>`` both would) could
    let a model that learned nothing score like a constant guess.
    """
    outputs = np.asarray(outputs)
    if outputs.size and not np.isfinite(outputs).all():
        raise ArgumentError("outputs contain NaN or infinite values (the model diverged); they map to no class")
    rule = HEADS[loss].rule
    if rule == "argmax":
        return np.argmax(outputs, axis=-1).astype(np.int64)
    threshold = 0.5 if rule == "gt_half" else 0.0
    return (outputs.reshape(-1) > threshold).astype(np.int64)


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ArgumentError(f"metric: {metric!r} is not supported; choose one of {list(METRICS)}")
    return metric


def score_bps(y_true: np.ndarray, y_pred: np.ndarray, metric: str = "balanced_accuracy") -> int:
    """A score in integer basis points (0..10000) of predicted classes ``y_pred`` against ``y_true``
    (both of shape ``(n,)`` with values 0/1).

    * ``"balanced_accuracy"`` (default): ``floor(10000 * (recall_0 + recall_1) / 2)``, computed
      exactly with integers as ``10000 * (tn * n1 + tp * n0) // (2 * n0 * n1)``.  Equals
      scikit-learn's ``balanced_accuracy_score`` (Brodersen et al., 2010) floored (tested on random
      labels).  A constant predictor scores exactly 5000 whatever the class balance.
      **Single-class test part** (``n0 == 0`` or ``n1 == 0``): the absent class's recall counts
      as 0, so the score is ``floor(5000 * recall of the present class)``: nothing scores above
      5000 (chance), a constant guess of the present class scores exactly 5000.  scikit-learn
      instead averages over the present class only and would give such a constant guess 10000.
    * ``"accuracy"``: ``floor(10000 * correct / n)``.

    Raises :class:`~bounty_client.errors.ArgumentError` (a ``ValueError``) for different lengths, an empty
    test part or an unknown metric.
    """
    _check_metric(metric)
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ArgumentError(f"{y_true.size} labels but {y_pred.size} predictions")
    if y_true.size == 0:
        raise ArgumentError("cannot score on an empty test part")
    if metric == "accuracy":
        correct = int(np.count_nonzero(y_true == y_pred))
        return correct * 10_000 // int(y_true.size)
    # Our own few integer lines instead of sklearn's float result: the score must be an exact
    # floor (a float mean such as 0.7 -> 6999.99... would floor to the wrong integer).
    positive = y_true == 1
    n1 = int(np.count_nonzero(positive))
    n0 = int(y_true.size) - n1
    tp = int(np.count_nonzero(positive & (y_pred == 1)))
    tn = int(np.count_nonzero(~positive & (y_pred == 0)))
    if n0 == 0:
        return 5_000 * tp // n1
    if n1 == 0:
        return 5_000 * tn // n0
    return 10_000 * (tn * n1 + tp * n0) // (2 * n0 * n1)


def majority_baseline_bps(y_true: np.ndarray, metric: str = "balanced_accuracy") -> int:
    """The score (bps) of always guessing the majority class of ``y_true`` (ties: class 0).

    The share of the majority class under ``"accuracy"``; 5000 under ``"balanced_accuracy"``
    (any constant guess).  For the report: a score near it means the model learned nothing.
    """
    y_true = np.asarray(y_true).reshape(-1)
    if y_true.size == 0:
        raise ArgumentError("cannot score on an empty test part")
    majority = int(np.count_nonzero(y_true == 1) > y_true.size / 2)
    return score_bps(y_true, np.full(y_true.shape, majority), metric)


# --------------------------------------------------------------------------- training
def as_arrays(dataset: Any) -> dict[str, np.ndarray]:
    """The six arrays training needs, from a ``Dataset``-like object or a mapping.

    Checks shapes and types and names the array at fault: x_* float32
    ``(n, seq_len, n_features)`` with the same window shape, y_* of 0/1 with one per window.
    """
    arrays: dict[str, np.ndarray] = {}
    for name in ARRAY_NAMES:
        value = dataset.get(name) if isinstance(dataset, Mapping) else getattr(dataset, name, None)
        if value is None:
            raise ArgumentError(f"dataset.{name}: missing")
        arrays[name] = np.asarray(value)
    shape = None
    for part in ("train", "val", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.ndim != 3:
            raise ArgumentError(f"dataset.x_{part}: must be 3-d (n, seq_len, n_features), got shape {x.shape}")
        if shape is None:
            shape = x.shape[1:]
        elif x.shape[1:] != shape and x.shape[0] > 0:
            raise ArgumentError(f"dataset.x_{part}: window shape {x.shape[1:]} differs from x_train's {shape}")
        if not np.issubdtype(x.dtype, np.floating):
            raise ArgumentError(f"dataset.x_{part}: must be floating point, got {x.dtype}")
        arrays[f"x_{part}"] = x.astype(np.float32, copy=False)
        y = y.reshape(-1)
        if len(y) != len(x):
            raise ArgumentError(f"dataset.y_{part}: {len(y)} labels for {len(x)} windows")
        if y.size and not np.isin(y, (0, 1)).all():
            raise ArgumentError(f"dataset.y_{part}: labels must be 0 or 1")
        arrays[f"y_{part}"] = y.astype(np.int64, copy=False)
    if len(arrays["x_train"]) == 0:
        raise ArgumentError("dataset.x_train: no training windows")
    if len(arrays["x_test"]) == 0:
        raise ArgumentError("dataset.x_test: no test windows to score on")
    if not all(np.isfinite(arrays[f"x_{p}"]).all() for p in ("train", "val", "test")):
        bad = next(p for p in ("train", "val", "test") if not np.isfinite(arrays[f"x_{p}"]).all())
        raise ArgumentError(f"dataset.x_{bad}: contains NaN or infinite values")
    return arrays


#: What a training run ended as: ``scored``, or ``diverged`` (non-finite loss or outputs; score 0).
STATUSES: tuple[str, ...] = ("scored", "diverged")


@dataclass
class TrainResult:
    """What one training run produced.

    ``score_bps`` is the test-part score in basis points (0..10000) by ``metric``
    (0 when ``status`` is ``"diverged"``); ``val_score_bps`` the validation-part score
    by the same metric (``None`` without a validation part); ``val_accuracy`` the plain
    validation accuracy as a fraction (NaN when there is none or the run diverged);
    ``seed`` the seed the run used; ``history`` maps ``loss``, ``accuracy``,
    ``val_loss``, ``val_accuracy`` to one value per epoch run; ``reused`` says whether
    the traced training function of an earlier model of the same architecture was
    re-used (see :func:`train_and_score`).
    """

    score_bps: int
    val_accuracy: float
    history: dict[str, list[float]] = field(repr=False)
    train_seconds: float
    n_params: int
    epochs_run: int
    threads: tuple[int, int] = (0, 0)
    status: str = "scored"
    metric: str = "balanced_accuracy"
    seed: int = 0
    val_score_bps: int | None = None
    reused: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "score_bps": self.score_bps,
            "val_accuracy": self.val_accuracy,
            "history": {k: list(v) for k, v in self.history.items()},
            "train_seconds": self.train_seconds,
            "n_params": self.n_params,
            "epochs_run": self.epochs_run,
            "threads": list(self.threads),
            "status": self.status,
            "metric": self.metric,
            "seed": self.seed,
            "val_score_bps": self.val_score_bps,
            "reused": self.reused,
        }


def _infer(model: "keras.Model", x: np.ndarray) -> np.ndarray:
    """Model outputs in inference mode, in fixed chunks of :data:`PREDICT_CHUNK` windows.

    A direct call instead of ``model.predict``: no ``tf.function`` to trace for a
    model used once, which is most of ``predict``'s cost on small test parts.
    """
    outputs = [np.asarray(model(x[i : i + PREDICT_CHUNK], training=False)) for i in range(0, len(x), PREDICT_CHUNK)]
    return np.concatenate(outputs) if outputs else np.empty((0,))


# --------------------------------------------------------------------------- model cache
#: Compiled models kept per process, one per architecture, least recently used dropped first.
MODEL_CACHE_SIZE = 8
# architecture key -> compiled model whose train/test functions are already traced.
_MODEL_CACHE: "OrderedDict[tuple, keras.Model]" = OrderedDict()


def architecture_key(hp: Hyperparameters, input_shape: tuple[int, ...]) -> tuple:
    """Everything that shapes the traced training graph: all hyperparameters except the
    learning rate (an optimizer variable, set per run), and the window shape."""
    return (
        hp.lstm_layers,
        hp.lstm_units,
        hp.dense_layers,
        hp.activation,
        hp.loss,
        float(hp.dropout),
        tuple(int(d) for d in input_shape),
    )


def clear_model_cache() -> None:
    """Forget every cached compiled model (the next run of each architecture builds afresh)."""
    _MODEL_CACHE.clear()


def _reinitialise(keras, model: "keras.Model", hp: Hyperparameters, input_shape: tuple[int, ...]) -> None:
    """Put ``model`` (compiled, possibly trained) in exactly the state a fresh ``build_model``
    would have after the same ``keras.utils.set_random_seed`` call.

    The initial values are those of a freshly built, uncompiled twin (cheap: no tracing), so
    they follow Keras' own seeding rules by construction instead of our copy of them; the
    optimizer's slots and step counter go back to zero and its learning rate is the
    submission's.  Fit resets the metric states at every epoch.
    """
    twin = _build_layers(keras, hp, input_shape)
    targets, sources = model.variables, twin.variables
    if len(targets) != len(sources):  # pragma: no cover - the cache key fixes the architecture
        raise RuntimeError("cached model and its fresh twin differ in structure")
    for target, source in zip(targets, sources):
        if tuple(target.shape) != tuple(source.shape):  # pragma: no cover
            raise RuntimeError(f"cached model variable {target.path} has shape {target.shape}, expected {source.shape}")
        target.assign(source.value)
    optimizer = model.optimizer
    for variable in optimizer.variables:  # step counter, moments (and the learning rate, set next)
        variable.assign(np.zeros(tuple(variable.shape), dtype=variable.dtype))
    optimizer.learning_rate = hp.learning_rate
    model.stop_training = False


def _set_random_seed_keeping_kernels(keras, seed: int) -> None:
    """``keras.utils.set_random_seed(seed)`` (Python, NumPy, TensorFlow's global seed and Keras'
    global seed generator, exactly as Keras does it) without flushing TensorFlow's kernel cache.

    ``tf.random.set_seed`` also calls ``TFE_ContextClearCaches``, which throws away every
    instantiated graph function: the next call of a cached model's traced training function
    then re-optimises and re-instantiates it (about 0.65 s on this CPU for a 3-layer LSTM, most
    of what re-use is meant to save; measured with a per-batch timer, issue 13).  The flush
    exists to restart *stateful* random kernels run eagerly; our training has none (Keras 3
    draws every random number from stateless ops seeded by its ``SeedGenerator`` variables,
    which :func:`_reinitialise` resets, and tf.data's shuffle seeds are fixed when its
    pipeline is traced from the global seed set here).  Tests check that histories stay
    bit-identical to a fresh build and to a plain Keras loop.  TensorFlow offers no public
    switch for this, hence the private context handle: ``_set_global_seed`` skips the flush
    while it is ``None`` and touches nothing else that needs it.  Not for a thread that runs
    TensorFlow ops at the same moment (neither is Keras' global seeding, see
    :func:`train_and_score`).
    """
    from tensorflow.python.eager import context

    ctx = context.context()
    if not hasattr(ctx, "_context_handle"):  # another TensorFlow: the full call (correct, slower)
        keras.utils.set_random_seed(seed)
        return
    handle = ctx._context_handle
    ctx._context_handle = None
    try:
        keras.utils.set_random_seed(seed)
    except Exception:  # e.g. a Keras that runs an op while seeding: restore, then the full call
        ctx._context_handle = handle
        keras.utils.set_random_seed(seed)
    finally:
        ctx._context_handle = handle


def _model_for(keras, hp: Hyperparameters, input_shape: tuple[int, ...], reuse: bool) -> tuple["keras.Model", bool]:
    """A compiled model for ``hp`` in its initial state for the seed just set, and whether it is
    a cached one (its traced training function kept) or freshly built."""
    key = architecture_key(hp, input_shape)
    model = _MODEL_CACHE.get(key) if reuse else None
    if model is not None:
        _MODEL_CACHE.move_to_end(key)
        _reinitialise(keras, model, hp, input_shape)
        return model, True
    model = _build_layers(keras, hp, input_shape)
    _compile(keras, model, hp)
    if reuse:
        _MODEL_CACHE[key] = model
        while len(_MODEL_CACHE) > MODEL_CACHE_SIZE:
            _MODEL_CACHE.popitem(last=False)
    return model, False


# --------------------------------------------------------------------------- train and score
def train_and_score(
    hp: Hyperparameters,
    dataset: Any,
    protocol: "TrainingProtocol",
    *,
    seed: int | None = None,
    metric: str = "balanced_accuracy",
    callbacks: Sequence[Any] = (),
    reuse: bool = True,
) -> TrainResult:
    """Train ``hp`` under ``protocol`` on the train part and score it on the test part.

    ``dataset`` is a ``bounty_client.data.Dataset`` or any object/mapping with
    ``x_train, y_train, x_val, y_val, x_test, y_test`` (see :func:`as_arrays`).
    ``seed`` (0..2**32-1) seeds this run; ``None`` uses ``protocol.seed``.  ``metric`` is
    ``"balanced_accuracy"`` or ``"accuracy"`` (see :func:`score_bps`).  ``callbacks`` are
    extra Keras callbacks run after the protocol's own (e.g. Optuna's pruning callback; an
    exception one raises propagates).

    Divergence: training stops at the first non-finite batch loss
    (``keras.callbacks.TerminateOnNaN``); a run with any non-finite loss in its history or
    any non-finite test/validation output ends with ``status="diverged"`` and score 0.

    Re-use (``reuse=True``): the first run of an architecture (:func:`architecture_key`)
    in a process builds, compiles and traces it (about 1-2 s on a CPU, most of a short
    training); later runs of the same architecture - other seeds, other learning rates,
    other data of the same window shape - keep that compiled model and its traced
    functions and only reset its state to what a fresh build would have for the seed
    (:func:`_reinitialise`).  Scores and losses are bit-identical to a fresh build
    (tested); ``reuse=False`` always builds afresh and caches nothing.

    Deterministic for a given machine and software stack (see the module docstring).  Not
    for concurrent threads of one process (neither is Keras' global seeding): parallel
    evaluation uses processes.
    Raises :class:`~bounty_client.errors.ArgumentError` (a ``ValueError``) for a malformed dataset,
    seed or metric, ``RuntimeError`` when Keras runs another backend than ``protocol.backend``,
    ``TypeError`` when ``hp`` is not ``Hyperparameters``.
    """
    if not isinstance(hp, Hyperparameters):
        raise TypeError(f"hp must be Hyperparameters, got {type(hp).__name__}")
    arrays = as_arrays(dataset)
    _check_metric(metric)
    if seed is None:
        seed = protocol.seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= 2**32 - 1:
        raise ArgumentError(f"seed: must be an integer in [0, 2**32 - 1], got {seed!r}")
    seed = int(seed)
    tf, keras = _import_tf()
    backend = getattr(protocol, "backend", "tensorflow")
    if keras.backend.backend() != backend:
        raise RuntimeError(
            f"protocol.backend is {backend!r} but Keras runs {keras.backend.backend()!r} (set KERAS_BACKEND={backend})"
        )
    threads = configure_threads()  # no-op once the runtime runs; workers fix theirs earlier
    tf.config.experimental.enable_op_determinism()
    input_shape = tuple(arrays["x_train"].shape[1:])
    if reuse:
        _set_random_seed_keeping_kernels(keras, seed)
    else:
        keras.backend.clear_session()  # a fresh build starts from a clean Keras state
        keras.utils.set_random_seed(seed)
    model, reused = _model_for(keras, hp, input_shape, reuse)

    y_train = encode_labels(arrays["y_train"], hp.loss)
    has_val = len(arrays["x_val"]) > 0
    validation = (arrays["x_val"], encode_labels(arrays["y_val"], hp.loss)) if has_val else None
    fit_callbacks: list[Any] = [keras.callbacks.TerminateOnNaN()]
    if protocol.early_stopping_patience is not None and has_val:
        fit_callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=protocol.monitor,
                mode="min" if protocol.monitor == "val_loss" else "max",
                patience=protocol.early_stopping_patience,
                restore_best_weights=protocol.restore_best_weights,
            )
        )
    fit_callbacks.extend(callbacks)
    started = time.perf_counter()
    fit = model.fit(
        arrays["x_train"],
        y_train,
        epochs=protocol.epochs,
        batch_size=protocol.batch_size,
        validation_data=validation,
        shuffle=protocol.shuffle,
        callbacks=fit_callbacks,
        verbose=0,
    )
    train_seconds = time.perf_counter() - started
    history = {k: [float(v) for v in values] for k, values in fit.history.items()}

    test_out = _infer(model, arrays["x_test"])
    val_out = _infer(model, arrays["x_val"]) if has_val else None
    diverged = (
        not all(np.isfinite(v).all() for k, v in history.items() if "loss" in k)
        or not np.isfinite(test_out).all()
        or (val_out is not None and not np.isfinite(val_out).all())
    )
    if diverged:
        score, val_score, val_accuracy = 0, (0 if has_val else None), float("nan")
    else:
        score = score_bps(arrays["y_test"], predict_classes(test_out, hp.loss), metric)
        if val_out is not None:
            val_pred = predict_classes(val_out, hp.loss)
            val_score = score_bps(arrays["y_val"], val_pred, metric)
            val_accuracy = float(np.mean(val_pred == arrays["y_val"]))
        else:
            val_score, val_accuracy = None, float("nan")
    return TrainResult(
        score_bps=score,
        val_accuracy=val_accuracy,
        history=history,
        train_seconds=train_seconds,
        n_params=int(model.count_params()),
        epochs_run=len(history.get("loss", [])),
        threads=threads,
        status="diverged" if diverged else "scored",
        metric=metric,
        seed=seed,
        val_score_bps=val_score,
        reused=reused,
    )
