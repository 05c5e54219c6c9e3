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
    score is accuracy on the **held-out test part** in basis points,
    ``floor(10000 * correct / n_test)`` computed with integers - never a training
    accuracy.

Determinism and tolerance
    Before a model is built the Keras session is cleared, Python/NumPy/TF are seeded
    with ``protocol.seed`` (``keras.utils.set_random_seed``), TensorFlow op
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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from .hyperparams import Hyperparameters

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from .spec import TrainingProtocol

__all__ = [
    "HEADS",
    "SCORE_TOLERANCE_BPS",
    "Head",
    "TrainResult",
    "as_arrays",
    "build_model",
    "configure_threads",
    "encode_labels",
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
        raise ValueError(f"n_test: must be >= 1, got {n_test}")
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
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
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
        raise ValueError(f"input_shape must be (seq_len, n_features) with both >= 1, got {tuple(input_shape)}")
    _, keras = _import_tf()
    layers = keras.layers
    head = HEADS[hp.loss]

    model = keras.Sequential(name="bounty_lstm")
    model.add(keras.Input(shape=tuple(int(d) for d in input_shape)))
    for i in range(hp.lstm_layers):
        last = i == hp.lstm_layers - 1
        model.add(layers.LSTM(hp.lstm_units, return_sequences=not last, name=f"lstm_{i}"))
        model.add(layers.Dropout(hp.dropout, name=f"dropout_{i}"))
        model.add(layers.BatchNormalization(name=f"batchnorm_{i}"))
    for j in range(hp.dense_layers):
        model.add(layers.Dense(hp.lstm_units, activation=hp.activation, name=f"dense_{j}"))
    model.add(layers.Dense(head.units, activation=head.activation, name="head"))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=hp.learning_rate),
        loss=hp.loss,
        metrics=[_accuracy_metric(keras, head)],
        jit_compile=False,
    )
    return model


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
        raise ValueError(f"labels must be 0 or 1, found {sorted(set(np.unique(y).tolist()) - {0, 1})[:5]}")
    kind = HEADS[loss].labels
    if kind == "int":
        return y.astype(np.int64)
    if kind == "onehot":
        return np.eye(2, dtype=np.float32)[y.astype(np.int64)]
    if kind == "float01":
        return y.astype(np.float32).reshape(-1, 1)
    return (2.0 * y.astype(np.float32) - 1.0).reshape(-1, 1)


def predict_classes(outputs: np.ndarray, loss: str) -> np.ndarray:
    """Model outputs -> predicted classes {0, 1} by the loss's head rule."""
    outputs = np.asarray(outputs)
    rule = HEADS[loss].rule
    if rule == "argmax":
        return np.argmax(outputs, axis=-1).astype(np.int64)
    threshold = 0.5 if rule == "gt_half" else 0.0
    return (outputs.reshape(-1) > threshold).astype(np.int64)


def score_bps(y_true: np.ndarray, y_pred: np.ndarray) -> int:
    """Accuracy in basis points, ``floor(10000 * correct / n)`` with integer arithmetic."""
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{y_true.size} labels but {y_pred.size} predictions")
    if y_true.size == 0:
        raise ValueError("cannot score on an empty test part")
    correct = int(np.count_nonzero(y_true == y_pred))
    return correct * 10_000 // int(y_true.size)


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
            raise ValueError(f"dataset.{name}: missing")
        arrays[name] = np.asarray(value)
    shape = None
    for part in ("train", "val", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.ndim != 3:
            raise ValueError(f"dataset.x_{part}: must be 3-d (n, seq_len, n_features), got shape {x.shape}")
        if shape is None:
            shape = x.shape[1:]
        elif x.shape[1:] != shape and x.shape[0] > 0:
            raise ValueError(f"dataset.x_{part}: window shape {x.shape[1:]} differs from x_train's {shape}")
        if not np.issubdtype(x.dtype, np.floating):
            raise ValueError(f"dataset.x_{part}: must be floating point, got {x.dtype}")
        arrays[f"x_{part}"] = x.astype(np.float32, copy=False)
        y = y.reshape(-1)
        if len(y) != len(x):
            raise ValueError(f"dataset.y_{part}: {len(y)} labels for {len(x)} windows")
        if y.size and not np.isin(y, (0, 1)).all():
            raise ValueError(f"dataset.y_{part}: labels must be 0 or 1")
        arrays[f"y_{part}"] = y.astype(np.int64, copy=False)
    if len(arrays["x_train"]) == 0:
        raise ValueError("dataset.x_train: no training windows")
    if len(arrays["x_test"]) == 0:
        raise ValueError("dataset.x_test: no test windows to score on")
    if not all(np.isfinite(arrays[f"x_{p}"]).all() for p in ("train", "val", "test")):
        bad = next(p for p in ("train", "val", "test") if not np.isfinite(arrays[f"x_{p}"]).all())
        raise ValueError(f"dataset.x_{bad}: contains NaN or infinite values")
    return arrays


@dataclass
class TrainResult:
    """What one training run produced.

    ``score_bps`` is the test-part accuracy in basis points (0..10000);
    ``val_accuracy`` the accuracy on the validation part (NaN when there is none);
    ``history`` maps ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` to one
    value per epoch run.
    """

    score_bps: int
    val_accuracy: float
    history: dict[str, list[float]] = field(repr=False)
    train_seconds: float
    n_params: int
    epochs_run: int
    threads: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score_bps": self.score_bps,
            "val_accuracy": self.val_accuracy,
            "history": {k: list(v) for k, v in self.history.items()},
            "train_seconds": self.train_seconds,
            "n_params": self.n_params,
            "epochs_run": self.epochs_run,
            "threads": list(self.threads),
        }


def _infer(model: "keras.Model", x: np.ndarray) -> np.ndarray:
    """Model outputs in inference mode, in fixed chunks of :data:`PREDICT_CHUNK` windows.

    A direct call instead of ``model.predict``: no ``tf.function`` to trace for a
    model used once, which is most of ``predict``'s cost on small test parts.
    """
    outputs = [np.asarray(model(x[i : i + PREDICT_CHUNK], training=False)) for i in range(0, len(x), PREDICT_CHUNK)]
    return np.concatenate(outputs) if outputs else np.empty((0,))


def train_and_score(
    hp: Hyperparameters, dataset: Any, protocol: "TrainingProtocol", *, callbacks: "Sequence[Any]" = ()
) -> TrainResult:
    """Train ``hp`` under ``protocol`` on the train part and score it on the test part.

    ``callbacks`` are extra Keras callbacks run after the protocol's own (the search's
    per-epoch pruning uses this); they must not change what the protocol trains.

    ``dataset`` is a ``bounty_client.data.Dataset`` or any object/mapping with
    ``x_train, y_train, x_val, y_val, x_test, y_test`` (see :func:`as_arrays`).
    Deterministic for a given machine and software stack (see the module docstring).
    """
    arrays = as_arrays(dataset)
    tf, keras = _import_tf()
    threads = configure_threads()  # no-op once the runtime runs; workers fix theirs earlier
    tf.config.experimental.enable_op_determinism()
    keras.backend.clear_session()
    keras.utils.set_random_seed(protocol.seed)

    model = build_model(hp, arrays["x_train"].shape[1:])
    y_train = encode_labels(arrays["y_train"], hp.loss)
    has_val = len(arrays["x_val"]) > 0
    validation = (arrays["x_val"], encode_labels(arrays["y_val"], hp.loss)) if has_val else None
    fit_callbacks: list[Any] = []
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

    test_pred = predict_classes(_infer(model, arrays["x_test"]), hp.loss)
    score = score_bps(arrays["y_test"], test_pred)
    if has_val:
        val_pred = predict_classes(_infer(model, arrays["x_val"]), hp.loss)
        val_accuracy = float(np.mean(val_pred == arrays["y_val"]))
    else:
        val_accuracy = float("nan")
    history = {k: [float(v) for v in values] for k, values in fit.history.items()}
    result = TrainResult(
        score_bps=score,
        val_accuracy=val_accuracy,
        history=history,
        train_seconds=train_seconds,
        n_params=int(model.count_params()),
        epochs_run=len(history.get("loss", [])),
        threads=threads,
    )
    return result  # the next call clears the session; clearing here too would only cost time
