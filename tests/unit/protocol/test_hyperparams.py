"""The submission type: validation, chain codes, and the commitment hashes."""

import pytest
from eth_abi import encode
from eth_utils import keccak

from bounty_client.protocol.hyperparams import (
    ACTIVATIONS,
    CHAIN_LIMITS,
    LOSSES,
    HyperparameterBounds,
    HyperparameterError,
    Hyperparameters,
    commitment,
    test_commitment,
)

BOUNTY = "0x" + "ab" * 20
SENDER = "0x" + "cd" * 20
SALT = bytes(range(32))


def hp(**kw):
    base = dict(lstm_layers=2, lstm_units=64, dense_layers=1, activation="relu",
                loss="sparse_categorical_crossentropy", dropout=0.2, learning_rate=1e-3)
    base.update(kw)
    return Hyperparameters(**base)


def test_chain_round_trip__every_activation_and_loss():
    for a in ACTIVATIONS:
        for loss in LOSSES:
            h = hp(activation=a, loss=loss, dropout=0.125, learning_rate=0.000123)
            assert Hyperparameters.from_chain(h.to_chain()) == h
    assert hp().to_chain() == (2, 64, 1, 0, 0, 2000, 1000)


@pytest.mark.parametrize(
    "field,value,fragment",
    [
        ("lstm_layers", 0, "lstm_layers: 0 is out of range [1, 8]"),
        ("lstm_layers", 9, "lstm_layers: 9 is out of range [1, 8]"),
        ("lstm_units", 1025, "lstm_units: 1025 is out of range [1, 1024]"),
        ("dense_layers", -1, "dense_layers: -1 is out of range [0, 8]"),
        ("lstm_units", "64", "lstm_units: must be an integer"),
        ("lstm_layers", True, "lstm_layers: must be an integer"),
        ("activation", "softmax", "activation: 'softmax' is not allowed"),
        ("loss", "mae", "loss: 'mae' is not allowed"),
        ("dropout", 0.95, "dropout: 0.95 is out of range [0.0, 0.9]"),
        ("learning_rate", 0.0, "learning_rate: 0.0 is out of range"),
        ("learning_rate", float("nan"), "learning_rate: must be a number"),
    ],
)
def test_invalid_value__raises_naming_the_field(field, value, fragment):
    with pytest.raises(HyperparameterError) as err:
        hp(**{field: value})
    assert fragment in str(err.value)
    assert err.value.field == field


def test_spec_bounds__narrow_the_chain_limits():
    bounds = HyperparameterBounds(lstm_units=(4, 32), activations=("relu", "tanh"))
    with pytest.raises(HyperparameterError, match=r"lstm_units: 64 is out of range \[4, 32\]"):
        hp().with_bounds(bounds)
    with pytest.raises(HyperparameterError, match="activation: 'elu' is not allowed"):
        hp(lstm_units=8, activation="elu").with_bounds(bounds)
    assert hp(lstm_units=8).with_bounds(bounds).lstm_units == 8


def test_spec_bounds__cannot_widen_the_chain_limits():
    with pytest.raises(HyperparameterError, match="exceed what the contract accepts"):
        HyperparameterBounds(lstm_layers=(1, 9))
    with pytest.raises(HyperparameterError, match="unknown value"):
        HyperparameterBounds(losses=("focal",))
    with pytest.raises(HyperparameterError, match="reversed"):
        HyperparameterBounds(lstm_units=(10, 2))
    assert HyperparameterBounds.from_dict(CHAIN_LIMITS.to_dict()) == CHAIN_LIMITS


def test_from_dict__unknown_and_missing_fields():
    with pytest.raises(HyperparameterError, match="units: unknown hyperparameter"):
        Hyperparameters.from_dict({**hp().to_dict(), "units": 3})
    with pytest.raises(HyperparameterError, match="loss: is required"):
        Hyperparameters.from_dict({k: v for k, v in hp().to_dict().items() if k != "loss"})


def test_values_are_rounded_to_what_the_chain_stores():
    h = hp(dropout=0.123456, learning_rate=0.0012345678)
    assert h.dropout == 0.1235 and h.dropout_bps == 1235
    assert h.learning_rate == 0.001235 and h.learning_rate_micro == 1235


def test_commitment__is_keccak_of_the_abi_encoding():
    expected = keccak(
        bytes(12) + bytes.fromhex("ab" * 20)
        + bytes(12) + bytes.fromhex("cd" * 20)
        + b"".join(v.to_bytes(32, "big") for v in hp().to_chain())
        + SALT
    )
    assert commitment(BOUNTY, SENDER, hp(), SALT) == expected
    assert hp().commitment(BOUNTY, SENDER, "0x" + SALT.hex()) == expected


def test_commitment__binds_bounty_sender_values_and_salt():
    base = commitment(BOUNTY, SENDER, hp(), SALT)
    assert commitment(SENDER, SENDER, hp(), SALT) != base
    assert commitment(BOUNTY, BOUNTY, hp(), SALT) != base
    assert commitment(BOUNTY, SENDER, hp(lstm_units=65), SALT) != base
    assert commitment(BOUNTY, SENDER, hp(), bytes(32)) != base
    with pytest.raises(HyperparameterError, match="salt: must be 32 bytes"):
        commitment(BOUNTY, SENDER, hp(), b"short")


def test_test_commitment__matches_abi_encode_of_string_and_salt():
    cid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
    assert test_commitment(cid, SALT) == keccak(encode(["string", "bytes32"], [cid, SALT]))
    assert test_commitment(cid, SALT) != test_commitment(cid + "x", SALT)
