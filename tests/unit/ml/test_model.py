"""Model building, head/loss mapping, deterministic training and test-part scoring."""

from __future__ import annotations

import json
import os
from pathlib import Path
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from bounty_client.protocol.hyperparams import LOSSES, Hyperparameters
from bounty_client.ml.model import (
    HEADS,
    as_arrays,
    build_model,
    encode_labels,
    majority_baseline_bps,
    predict_classes,
    score_bps,
    score_tolerance_bps,
    train_and_score,
)
from bounty_client.protocol.spec import TrainingProtocol

EXPECTED_HEADS = {
    "sparse_categorical_crossentropy": (2, "softmax"),
    "categorical_crossentropy": (2, "softmax"),
    "binary_crossentropy": (1, "sigmoid"),
    "mean_squared_error": (1, "sigmoid"),
    "hinge": (1, "tanh"),
}


def test_heads__cover_every_loss_the_chain_knows():
    assert set(HEADS) == set(LOSSES) == set(EXPECTED_HEADS)


@pytest.mark.parametrize("loss", LOSSES)
def test_build_model__architecture_follows_submission(loss):
    hp = Hyperparameters(3, 6, 2, "tanh", loss, dropout=0.25)
    model = build_model(hp, (5, 3))
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["LSTM", "Dropout", "BatchNormalization"] * 3 + ["Dense"] * 3
    lstms = [layer for layer in model.layers if type(layer).__name__ == "LSTM"]
    assert [layer.units for layer in lstms] == [6, 6, 6]  # the last one too (the original forced 128)
    assert [layer.return_sequences for layer in lstms] == [True, True, False]
    assert all(layer.rate == 0.25 for layer in model.layers if type(layer).__name__ == "Dropout")
    *hidden, head = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert [(d.units, d.activation.__name__) for d in hidden] == [(6, "tanh"), (6, "tanh")]
    assert (head.units, head.activation.__name__) == EXPECTED_HEADS[loss]
    assert model.output_shape == (None, EXPECTED_HEADS[loss][0])
    assert float(model.optimizer.learning_rate) == pytest.approx(hp.learning_rate)
    assert type(model.optimizer).__name__ == "Adam"


def test_build_model__float32_whatever_global_dtype_policy_a_notebook_set():
    """A re-used model is built without clearing the Keras session, a fresh one after it: both
    must compute in float32 even when the caller changed Keras' global dtype policy."""
    import keras

    before = keras.config.dtype_policy().name
    keras.config.set_dtype_policy("float64")
    try:
        model = build_model(Hyperparameters(2, 3, 1, "relu", "hinge"), (4, 2))
    finally:
        keras.config.set_dtype_policy(before)
    assert {v.dtype for v in model.trainable_variables} == {"float32"}
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}


def test_build_model__bad_input_shape__raises():
    hp = Hyperparameters(1, 4, 0, "relu", "hinge")
    with pytest.raises(ValueError, match=r"input_shape must be \(seq_len, n_features\)"):
        build_model(hp, (5,))
    with pytest.raises(TypeError, match="hp must be Hyperparameters"):
        build_model({"lstm_layers": 1}, (5, 3))  # type: ignore[arg-type]


def test_encode_labels__per_head():
    y = np.array([0, 1, 1])
    assert encode_labels(y, "sparse_categorical_crossentropy").tolist() == [0, 1, 1]
    assert encode_labels(y, "categorical_crossentropy").tolist() == [[1, 0], [0, 1], [0, 1]]
    assert encode_labels(y, "binary_crossentropy").tolist() == [[0], [1], [1]]
    assert encode_labels(y, "mean_squared_error").tolist() == [[0], [1], [1]]
    assert encode_labels(y, "hinge").tolist() == [[-1], [1], [1]]
    with pytest.raises(ValueError, match=r"labels must be 0 or 1, found \[2\]"):
        encode_labels(np.array([0, 2]), "hinge")


def test_predict_classes__rules_and_ties():
    soft = np.array([[0.2, 0.8], [0.5, 0.5], [0.9, 0.1]])
    assert predict_classes(soft, "sparse_categorical_crossentropy").tolist() == [1, 0, 0]
    assert predict_classes(soft, "categorical_crossentropy").tolist() == [1, 0, 0]
    sig = np.array([[0.51], [0.5], [0.1]])
    assert predict_classes(sig, "binary_crossentropy").tolist() == [1, 0, 0]
    assert predict_classes(sig, "mean_squared_error").tolist() == [1, 0, 0]
    assert predict_classes(np.array([[0.01], [0.0], [-0.3]]), "hinge").tolist() == [1, 0, 0]


def test_score_bps__accuracy__integer_floor():
    assert score_bps([1, 1, 0], [1, 1, 1], metric="accuracy") == 6666  # 2/3 rounds down
    assert score_bps([0, 1], [0, 1], metric="accuracy") == 10_000
    assert score_bps([0, 1], [1, 0], metric="accuracy") == 0
    for metric in ("accuracy", "balanced_accuracy"):
        with pytest.raises(ValueError, match="2 labels but 3 predictions"):
            score_bps([0, 1], [0, 1, 1], metric=metric)
        with pytest.raises(ValueError, match="empty test part"):
            score_bps([], [], metric=metric)
    with pytest.raises(ValueError, match=r"metric: 'f1' is not supported"):
        score_bps([0, 1], [0, 1], metric="f1")


def test_score_bps__balanced_accuracy_is_the_default__exact_integer_floor():
    # recalls 1/1 and 1/2 -> 0.75; recalls 2/3 and 1/1 -> 0.8333.. floors to 8333
    assert score_bps([0, 1, 1], [0, 1, 0]) == 7500
    assert score_bps([0, 0, 0, 1], [0, 0, 1, 1]) == 8333
    # 0.7 exactly: a float mean would give 6999.99.. and floor to 6999
    y_true = [0] * 10 + [1] * 10
    y_pred = [0] * 7 + [1] * 3 + [1] * 7 + [0] * 3
    assert score_bps(y_true, y_pred) == 7000


def test_score_bps__balanced_accuracy__equals_scikit_learn_on_random_labels():
    from sklearn.metrics import balanced_accuracy_score

    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(2, 400))
        y_true = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(int)
        if y_true.min() == y_true.max():
            continue  # single-class parts follow our documented rule (next test)
        y_pred = (rng.random(n) < rng.uniform(0, 1)).astype(int)
        reference = 10_000 * balanced_accuracy_score(y_true, y_pred)
        ours = score_bps(y_true, y_pred)
        assert reference - 1 < ours <= reference + 1e-6, (ours, reference)


@pytest.mark.parametrize("share_up", [0.0, 0.05, 0.3, 0.5, 0.66, 0.95, 1.0])
def test_score_bps__constant_predictor__never_above_5000(share_up):
    n = 200
    y_true = (np.arange(n) < round(share_up * n)).astype(int)
    for guess in (0, 1):
        score = score_bps(y_true, np.full(n, guess))
        if 0 < y_true.sum() < n:
            assert score == 5000  # whatever the class balance
        else:
            assert score <= 5000  # single class: the present class's guess gets 5000, the other 0
    assert majority_baseline_bps(y_true) == 5000
    assert majority_baseline_bps(y_true, "accuracy") == max(y_true.sum(), n - y_true.sum()) * 10_000 // n


def test_score_bps__single_class_test_part__nothing_beats_chance():
    y_true = np.ones(10, dtype=int)
    assert score_bps(y_true, np.ones(10)) == 5000
    assert score_bps(y_true, np.r_[np.ones(8), np.zeros(2)]) == 4000  # 5000 * recall 0.8
    assert score_bps(1 - y_true, np.zeros(10)) == 5000
    assert score_bps(y_true, np.ones(10), metric="accuracy") == 10_000


def test_majority_baseline__accuracy_is_the_majority_share():
    assert majority_baseline_bps([1, 1, 0], "accuracy") == 6666
    assert majority_baseline_bps([1, 0], "accuracy") == 5000
    with pytest.raises(ValueError, match="empty test part"):
        majority_baseline_bps([])


def test_predict_classes__non_finite_outputs__raise_instead_of_mapping_to_a_class():
    for loss in LOSSES:
        width = HEADS[loss].units
        outputs = np.full((3, width), 0.7, dtype=np.float32)
        outputs[1, 0] = np.nan
        with pytest.raises(ValueError, match="NaN or infinite"):
            predict_classes(outputs, loss)
        outputs[1, 0] = np.inf
        with pytest.raises(ValueError, match="NaN or infinite"):
            predict_classes(outputs, loss)


def test_score_tolerance__half_a_point_or_three_flips():
    assert score_tolerance_bps(10_000) == 50
    assert score_tolerance_bps(600) == 50
    assert score_tolerance_bps(597) == 51  # 3 flips of 597 = 50.25 bps, rounded up
    assert score_tolerance_bps(40) == 750
    with pytest.raises(ValueError, match="n_test: must be >= 1"):
        score_tolerance_bps(0)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a.pop("x_val"), r"dataset\.x_val: missing"),
        (lambda a: a.__setitem__("x_train", a["x_train"][:, :, 0]), r"dataset\.x_train: must be 3-d"),
        (lambda a: a.__setitem__("x_test", a["x_test"][:, :2]), r"dataset\.x_test: window shape \(2, 3\) differs"),
        (lambda a: a.__setitem__("y_val", a["y_val"][:-1]), r"dataset\.y_val: 31 labels for 32 windows"),
        (lambda a: a.__setitem__("y_train", a["y_train"] * 2), r"dataset\.y_train: labels must be 0 or 1"),
        (lambda a: a.__setitem__("x_test", a["x_test"][:0]), r"dataset\.x_test: no test windows"),
        (lambda a: a.__setitem__("x_train", a["x_train"].astype(np.int32)), r"dataset\.x_train: must be floating"),
    ],
)
def test_as_arrays__bad_dataset__names_the_array(arrays, change, message):
    bad = dict(arrays)
    change(bad)
    if "x_test" in bad and len(bad["x_test"]) == 0:
        bad["y_test"] = bad["y_test"][:0]
    with pytest.raises(ValueError, match=message):
        as_arrays(bad)


def test_as_arrays__nan__names_the_part(arrays):
    bad = dict(arrays)
    bad["x_val"] = bad["x_val"].copy()
    bad["x_val"][0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"dataset\.x_val: contains NaN"):
        as_arrays(bad)


@pytest.mark.slow
@pytest.mark.parametrize("loss", LOSSES)
def test_train_and_score__every_loss__trains_its_head_and_scores(arrays, loss):
    hp = Hyperparameters(1, 4, 1, "relu", loss, dropout=0.1, learning_rate=0.01)
    protocol = TrainingProtocol(epochs=1, batch_size=32, seed=3)
    result = train_and_score(hp, arrays, protocol)
    assert 0 <= result.score_bps <= 10_000 and isinstance(result.score_bps, int)
    assert result.epochs_run == 1
    assert set(result.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 1 and np.isfinite(v[0]) for v in result.history.values())
    # The Keras metric applies the same label encoding and class rule as the final scoring.
    assert result.history["val_accuracy"][-1] == pytest.approx(result.val_accuracy, abs=1e-6)
    assert result.n_params > 0


@pytest.mark.slow
def test_train_and_score__score_is_test_accuracy__test_labels_never_reach_training(arrays, hp):
    protocol = TrainingProtocol(epochs=2, batch_size=32, seed=3)
    result = train_and_score(hp, arrays, protocol, metric="accuracy")
    # Flipping only the test labels leaves training bit-identical and mirrors the score.
    flipped = dict(arrays, y_test=1 - arrays["y_test"])
    mirrored = train_and_score(hp, flipped, protocol, metric="accuracy")
    assert mirrored.history == result.history
    assert mirrored.val_accuracy == result.val_accuracy
    assert result.score_bps % 250 == 0  # 40 test windows: every score is a multiple of 250 bps
    assert mirrored.score_bps == 10_000 - result.score_bps


@pytest.mark.slow
def test_train_and_score__early_stopping_and_no_validation(arrays, hp):
    early = TrainingProtocol(epochs=4, batch_size=32, seed=3, early_stopping_patience=1, monitor="val_accuracy")
    result = train_and_score(hp, arrays, early)
    assert 2 <= result.epochs_run <= 4
    assert len(result.history["loss"]) == result.epochs_run
    no_val = dict(arrays, x_val=arrays["x_val"][:0], y_val=arrays["y_val"][:0])
    result = train_and_score(hp, no_val, early)
    assert result.epochs_run == 4 and np.isnan(result.val_accuracy) and "val_loss" not in result.history


SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {tests!r})
    from client_helpers import tiny_arrays
    from bounty_client.protocol.hyperparams import Hyperparameters
    from bounty_client.ml.model import train_and_score
    from bounty_client.protocol.spec import TrainingProtocol
    hp = Hyperparameters(2, 8, 1, "tanh", "binary_crossentropy", dropout=0.2, learning_rate=0.005)
    r = train_and_score(hp, tiny_arrays(), TrainingProtocol(epochs=2, batch_size=16, seed=11))
    print(json.dumps({{"score": r.score_bps, "loss": [v.hex() for v in r.history["loss"]],
                      "val_loss": [v.hex() for v in r.history["val_loss"]]}}))
    """
)


@pytest.mark.slow
def test_train_and_score__two_processes__bit_identical():
    script = SCRIPT.format(tests=str(Path(__file__).resolve().parents[2] / "support"))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        outs.append(json.loads(out.strip().splitlines()[-1]))
    assert outs[0] == outs[1]

    # ... and the same in this process (whatever ran here before).
    from client_helpers import tiny_arrays

    hp = Hyperparameters(2, 8, 1, "tanh", "binary_crossentropy", dropout=0.2, learning_rate=0.005)
    r = train_and_score(hp, tiny_arrays(), TrainingProtocol(epochs=2, batch_size=16, seed=11))
    assert r.score_bps == outs[0]["score"]
    assert [v.hex() for v in r.history["loss"]] == outs[0]["loss"]
