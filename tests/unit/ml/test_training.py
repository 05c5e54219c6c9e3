"""train_and_score's seeds, metrics, divergence, extra callbacks and the per-architecture reuse of
compiled models (issue 13): a reused model must train bit-identically to a fresh build."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from client_helpers import tiny_arrays

from bounty_client.ml import model as model_module
from bounty_client.protocol.hyperparams import Hyperparameters
from bounty_client.ml.model import architecture_key, clear_model_cache, train_and_score
from bounty_client.protocol.spec import TrainingProtocol

A = Hyperparameters(2, 6, 1, "tanh", "binary_crossentropy", dropout=0.2, learning_rate=0.01)
B = Hyperparameters(1, 5, 0, "relu", "sparse_categorical_crossentropy", dropout=0.1, learning_rate=0.02)
PROTOCOL = TrainingProtocol(epochs=2, batch_size=16, seed=11)


def fingerprint(result) -> tuple:
    """Everything a run's numbers depend on, floats as exact hex."""
    return (
        result.score_bps,
        result.val_score_bps,
        result.status,
        {k: [v.hex() for v in vs] for k, vs in result.history.items()},
    )


@pytest.fixture(autouse=True)
def empty_cache():
    clear_model_cache()
    yield
    clear_model_cache()


@pytest.mark.slow
def test_reuse__same_seed__bit_identical_to_fresh_build__and_architectures_never_share_state(arrays):
    other_data = tiny_arrays(n_train=80, n_val=24, n_test=30, seed=5)  # same window shape, other sizes
    fresh_a = fingerprint(train_and_score(A, arrays, PROTOCOL, reuse=False))
    fresh_b = fingerprint(train_and_score(B, arrays, PROTOCOL, reuse=False))
    fresh_a_seed3 = fingerprint(train_and_score(A, other_data, PROTOCOL, seed=3, reuse=False))
    assert not model_module._MODEL_CACHE  # reuse=False caches nothing

    first = train_and_score(A, arrays, PROTOCOL)
    assert not first.reused and fingerprint(first) == fresh_a
    b = train_and_score(B, arrays, PROTOCOL)  # another architecture in between
    assert not b.reused and fingerprint(b) == fresh_b
    # Same architecture, other seed and other data: starts from the seed's state, not A's trained weights.
    again = train_and_score(A, other_data, PROTOCOL, seed=3)
    assert again.reused and fingerprint(again) == fresh_a_seed3
    # Back to the first run: identical, whatever ran on the cached model in between.
    third = train_and_score(A, arrays, PROTOCOL)
    assert third.reused and fingerprint(third) == fresh_a
    b_again = train_and_score(B, arrays, PROTOCOL)
    assert b_again.reused and fingerprint(b_again) == fresh_b

    # Two architectures: two models, no variable in common.
    cache = model_module._MODEL_CACHE
    model_a = cache[architecture_key(A, arrays["x_train"].shape[1:])]
    model_b = cache[architecture_key(B, arrays["x_train"].shape[1:])]
    assert model_a is not model_b
    ids_a = {id(v) for v in model_a.variables + model_a.optimizer.variables}
    ids_b = {id(v) for v in model_b.variables + model_b.optimizer.variables}
    assert not ids_a & ids_b


@pytest.mark.slow
def test_reuse__other_learning_rate_and_early_stopping__bit_identical_to_fresh(arrays):
    early = TrainingProtocol(epochs=3, batch_size=16, seed=4, early_stopping_patience=1, monitor="val_accuracy")
    faster = dataclasses.replace(A, learning_rate=0.05)
    train_and_score(A, arrays, early)  # fills the cache for A's architecture (lr is not part of it)
    reused = train_and_score(faster, arrays, early)
    assert reused.reused
    assert fingerprint(reused) == fingerprint(train_and_score(faster, arrays, early, reuse=False))


@pytest.mark.slow
def test_reuse__run_interrupted_by_a_callback__leaves_nothing_behind(arrays):
    import keras

    class Prune(keras.callbacks.Callback):  # what Optuna's pruning callback does: raise mid-fit
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("pruned")

    with pytest.raises(RuntimeError, match="pruned"):
        train_and_score(A, arrays, PROTOCOL, seed=5, callbacks=[Prune()])
    after = train_and_score(A, arrays, PROTOCOL)
    assert after.reused
    assert fingerprint(after) == fingerprint(train_and_score(A, arrays, PROTOCOL, reuse=False))


@pytest.mark.slow
def test_reuse__cache_keeps_at_most_model_cache_size_architectures(arrays, monkeypatch):
    monkeypatch.setattr(model_module, "MODEL_CACHE_SIZE", 1)
    one_epoch = TrainingProtocol(epochs=1, batch_size=32, seed=1)
    train_and_score(A, arrays, one_epoch)
    train_and_score(B, arrays, one_epoch)
    assert list(model_module._MODEL_CACHE) == [architecture_key(B, arrays["x_train"].shape[1:])]
    assert not train_and_score(A, arrays, one_epoch).reused  # evicted: built afresh


def test_architecture_key__learning_rate_is_not_part_of_it__everything_else_is():
    shape = (4, 3)
    key = architecture_key(A, shape)
    assert architecture_key(dataclasses.replace(A, learning_rate=0.5), shape) == key
    for change in (
        {"lstm_layers": 1},
        {"lstm_units": 7},
        {"dense_layers": 0},
        {"activation": "relu"},
        {"loss": "hinge"},
        {"dropout": 0.3},
    ):
        assert architecture_key(dataclasses.replace(A, **change), shape) != key, change
    assert architecture_key(A, (5, 3)) != key


@pytest.mark.slow
def test_seed__none_uses_protocol_seed__explicit_seed_overrides_it(arrays, hp):
    default = train_and_score(hp, arrays, TrainingProtocol(epochs=1, batch_size=32, seed=7))
    assert default.seed == 7
    explicit = train_and_score(hp, arrays, TrainingProtocol(epochs=1, batch_size=32, seed=0), seed=7)
    assert explicit.seed == 7 and fingerprint(explicit) == fingerprint(default)
    other = train_and_score(hp, arrays, TrainingProtocol(epochs=1, batch_size=32, seed=7), seed=8)
    assert other.history["loss"] != default.history["loss"]


@pytest.mark.slow
def test_metric__same_training__scored_by_the_chosen_metric(arrays, hp):
    protocol = TrainingProtocol(epochs=1, batch_size=32, seed=2)
    balanced = train_and_score(hp, arrays, protocol)
    plain = train_and_score(hp, arrays, protocol, metric="accuracy")
    assert balanced.metric == "balanced_accuracy" and plain.metric == "accuracy"
    assert balanced.history == plain.history
    assert plain.score_bps % 250 == 0  # 40 test windows
    assert plain.val_score_bps == int(plain.val_accuracy * 32) * 10_000 // 32
    assert balanced.status == plain.status == "scored"


def test_bad_seed_metric_or_backend__raise_before_training(arrays, hp, monkeypatch):
    called = []
    monkeypatch.setattr(model_module, "_model_for", lambda *a, **k: called.append(1))
    with pytest.raises(ValueError, match=r"seed: must be an integer in \[0, 2\*\*32 - 1\], got -1"):
        train_and_score(hp, arrays, PROTOCOL, seed=-1)
    with pytest.raises(ValueError, match=r"seed: .* got True"):
        train_and_score(hp, arrays, PROTOCOL, seed=True)
    with pytest.raises(ValueError, match=r"metric: 'f1' is not supported"):
        train_and_score(hp, arrays, PROTOCOL, metric="f1")
    with pytest.raises(TypeError, match="hp must be Hyperparameters, got dict"):
        train_and_score(hp.to_dict(), arrays, PROTOCOL)
    other_backend = TrainingProtocol()
    object.__setattr__(other_backend, "backend", "jax")  # as if a future spec pinned another backend
    with pytest.raises(RuntimeError, match=r"protocol\.backend is 'jax' but Keras runs 'tensorflow'"):
        train_and_score(hp, arrays, other_backend)
    assert not called


@pytest.mark.slow
def test_diverged__non_finite_loss__stops_early_and_scores_zero(arrays):
    import keras

    class Blowup(keras.callbacks.Callback):
        """Numeric blow-up, made deterministic: after the first batch one weight becomes NaN
        (what a huge learning rate does to a real model, only sooner)."""

        def on_train_batch_end(self, batch, logs=None):
            if batch == 0:
                kernel = self.model.get_layer("head").kernel
                kernel.assign(np.full(tuple(kernel.shape), np.nan, dtype="float32"))

    hp = Hyperparameters(1, 4, 0, "relu", "sparse_categorical_crossentropy", learning_rate=0.01)
    protocol = TrainingProtocol(epochs=3, batch_size=32, seed=1)
    for metric in ("balanced_accuracy", "accuracy"):
        result = train_and_score(hp, arrays, protocol, metric=metric, callbacks=[Blowup()])
        assert result.status == "diverged" and result.metric == metric
        assert result.score_bps == 0 and result.val_score_bps == 0 and np.isnan(result.val_accuracy)
        assert result.epochs_run == 1 < protocol.epochs  # TerminateOnNaN stopped it in the first epoch
        assert not np.isfinite(result.history["loss"][0])
    # The cached model it leaves behind (NaN weights and optimizer slots) trains like a fresh build.
    clean = train_and_score(hp, arrays, protocol)
    assert clean.reused and clean.status == "scored"
    assert fingerprint(clean) == fingerprint(train_and_score(hp, arrays, protocol, reuse=False))


@pytest.mark.slow
def test_reused_model__equals_a_plain_keras_loop(arrays):
    """The same training written directly in Keras (no bounty_client code) gives the same losses
    and test accuracy as the client's fresh and reused paths."""
    import keras
    import tensorflow as tf

    seed = 6

    def plain() -> tuple[list[str], int]:
        tf.config.experimental.enable_op_determinism()
        keras.backend.clear_session()
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input(shape=arrays["x_train"].shape[1:])])
        for i in range(2):
            model.add(keras.layers.LSTM(6, return_sequences=i == 0))
            model.add(keras.layers.Dropout(0.2))
            model.add(keras.layers.BatchNormalization())
        model.add(keras.layers.Dense(6, activation="tanh"))
        model.add(keras.layers.Dense(1, activation="sigmoid"))
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", jit_compile=False)
        y = lambda part: arrays[f"y_{part}"].astype("float32").reshape(-1, 1)  # noqa: E731
        fit = model.fit(arrays["x_train"], y("train"), epochs=2, batch_size=16,
                        validation_data=(arrays["x_val"], y("val")), shuffle=True, verbose=0)
        pred = np.asarray(model(arrays["x_test"], training=False))[:, 0] > 0.5
        return [v.hex() for v in fit.history["loss"]], int(np.count_nonzero(pred == arrays["y_test"])) * 10_000 // len(pred)

    reference = plain()
    train_and_score(A, arrays, PROTOCOL, seed=seed + 1)  # the architecture is cached from another seed
    reused = train_and_score(A, arrays, PROTOCOL, seed=seed, metric="accuracy")
    assert reused.reused
    assert ([v.hex() for v in reused.history["loss"]], reused.score_bps) == reference
