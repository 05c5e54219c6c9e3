"""The evaluation cost bound: ``hyperparams.parameter_count`` == ``Bounty.cost_of`` == Keras' ``count_params()``."""

from __future__ import annotations

import random

import pytest

from bounty_client.protocol.hyperparams import (
    ACTIVATIONS,
    CHAIN_LIMITS,
    LOSSES,
    HyperparameterBounds,
    HyperparameterError,
    Hyperparameters,
    max_parameter_count,
    parameter_count,
)


def _random_hp(rng: random.Random, layers: int, units: int, dense: int) -> Hyperparameters:
    return Hyperparameters(
        lstm_layers=rng.randint(1, layers), lstm_units=rng.randint(1, units), dense_layers=rng.randint(0, dense),
        activation=rng.choice(ACTIVATIONS), loss=rng.choice(LOSSES),
    )


def test_parameter_count__equals_keras_and_the_contract_for_random_configurations(make_bounty):
    """Tiny random models are built (not trained) with the client's build_model; the same configurations
    are priced by the contract's view on a bounty with the same feature count."""
    from bounty_client.ml.model import build_model

    rng = random.Random(10)
    for _ in range(8):
        n_features = rng.randint(1, 12)
        b = make_bounty(n_features=n_features)
        for _ in range(3):
            hp = _random_hp(rng, layers=3, units=24, dense=3)
            keras_count = build_model(hp, (5, n_features)).count_params()
            chain_count = b.ext.cost_of(hp.lstm_layers, hp.lstm_units, hp.dense_layers, LOSSES.index(hp.loss))
            assert parameter_count(hp, n_features) == keras_count == chain_count, (hp, n_features)


def test_parameter_count__equals_the_contract_over_the_whole_chain_range(make_bounty):
    rng = random.Random(11)
    for n_features in (1, 40, 65_535):
        b = make_bounty(n_features=n_features)
        configs = [_random_hp(rng, 8, 1024, 8) for _ in range(10)]
        configs.append(Hyperparameters(8, 1024, 8, "relu", "sparse_categorical_crossentropy"))
        for hp in configs:
            chain_count = b.ext.cost_of(hp.lstm_layers, hp.lstm_units, hp.dense_layers, LOSSES.index(hp.loss))
            assert parameter_count(hp, n_features) == chain_count < 2**32


def test_max_parameter_count__is_the_largest_within_the_bounds():
    bounds = HyperparameterBounds(lstm_layers=(1, 2), lstm_units=(1, 64), dense_layers=(0, 2), losses=("hinge",))
    rng = random.Random(3)
    top = max_parameter_count(bounds, 8)
    assert top == parameter_count(Hyperparameters(2, 64, 2, "relu", "hinge"), 8)
    for _ in range(50):
        hp = Hyperparameters(rng.randint(1, 2), rng.randint(1, 64), rng.randint(0, 2), "relu", "hinge")
        assert parameter_count(hp, 8) <= top
    assert max_parameter_count(CHAIN_LIMITS, 1) == parameter_count(
        Hyperparameters(8, 1024, 8, "relu", "sparse_categorical_crossentropy"), 1
    )


@pytest.mark.parametrize("n_features", [0, 65_536, 1.5, True])
def test_parameter_count__bad_feature_count__names_the_field(n_features):
    with pytest.raises(HyperparameterError, match="n_features"):
        parameter_count(Hyperparameters(1, 1, 0, "relu", "hinge"), n_features)


def test_reveal__accepts_exactly_up_to_cost_of_for_random_configurations(make_bounty, alice):
    """The reveal's inlined bound and the view agree: max_cost = cost_of(c) admits c, cost_of(c) - 1 refuses it."""
    import ape

    rng = random.Random(12)
    for _ in range(4):
        hp = _random_hp(rng, 8, 1024, 8)
        n_features = rng.randint(1, 500)
        cost = parameter_count(hp, n_features)
        for bound, ok in ((cost - 1, False), (cost, True)):
            b = make_bounty(n_features=n_features, max_cost=bound)
            e = b.commit(alice, hp)
            b.to_reveal()
            if ok:
                b.reveal(e)
            else:
                with ape.reverts("bounty: cost above max_cost"):
                    b.reveal(e)
