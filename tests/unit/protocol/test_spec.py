"""Bounty spec: schema, field-named errors, canonical JSON."""

from __future__ import annotations

import json

import pytest

from bounty_client.protocol.hyperparams import HyperparameterBounds, HyperparameterError, Hyperparameters
from bounty_client.protocol.spec import BountySpec, DataFile, SpecError, TrainingProtocol, load_spec


def test_spec__json_round_trip__is_equal(spec):
    assert load_spec(spec.to_json()) == spec
    assert load_spec(spec.to_bytes()) == spec
    assert load_spec(json.loads(spec.to_json())) == spec


def test_spec__canonical_json__is_stable_and_sorted(spec):
    text = spec.to_json()
    again = load_spec(spec.to_json(indent=2)).to_json()
    assert text == again
    assert " " not in text.replace("Predict LTC 3 steps ahead", "")
    data = json.loads(text)
    assert list(data) == sorted(data)
    # Key order of the input does not change the bytes.
    shuffled = dict(reversed(list(spec.to_dict().items())))
    assert BountySpec.from_dict(shuffled).to_bytes() == spec.to_bytes()


def test_spec__different_values__give_different_bytes(spec):
    d = spec.to_dict()
    d["protocol"]["seed"] = 8
    assert load_spec(d).to_bytes() != spec.to_bytes()


def test_spec__from_path(tmp_path, spec):
    path = tmp_path / "spec.json"
    path.write_text(spec.to_json(indent=2))
    assert load_spec(path) == spec
    assert load_spec(str(path)) == spec


def _mutated(spec, change):
    d = spec.to_dict()
    change(d)
    return d


@pytest.mark.parametrize(
    "change, field, words",
    [
        (lambda d: d["protocol"].__setitem__("epochs", 0), "protocol.epochs", "must be >= 1"),
        (lambda d: d["protocol"].__setitem__("batch_size", 2.5), "protocol.batch_size", "must be an integer"),
        (lambda d: d["protocol"].__setitem__("optimizer", "sgd"), "protocol.optimizer", "'sgd' is not supported"),
        (lambda d: d["protocol"].__setitem__("seed", -1), "protocol.seed", "must be >= 0"),
        (lambda d: d["protocol"].__setitem__("shuffle", "yes"), "protocol.shuffle", "must be true or false"),
        (lambda d: d["protocol"].__setitem__("early_stopping_patience", 0), "protocol.early_stopping_patience", ">= 1"),
        (lambda d: d["protocol"].__setitem__("monitor", "loss"), "protocol.monitor", "not supported"),
        (lambda d: d["protocol"].__setitem__("lr", 1), "protocol.lr", "unknown field"),
        (lambda d: d.__setitem__("extra", 1), "extra", "unknown field"),
        (lambda d: d.pop("name"), "name", "is required"),
        (lambda d: d.__setitem__("name", " "), "name", "must not be empty"),
        (lambda d: d.__setitem__("version", 2), "version", "unsupported spec version 2"),
        (lambda d: d.__setitem__("data_files", []), "data_files", "at least one data file"),
        (lambda d: d.__setitem__("data_files", "x"), "data_files", "must be a list"),
        (lambda d: d["data_files"][1].__setitem__("cid", "not-a-cid"), "data_files[1].cid", "not a valid CID"),
        (lambda d: d["data_files"][0].__setitem__("label", "BTC"), "data_files[0].label", "followed by '-USD'"),
        (lambda d: d["data_files"][0].__setitem__("format", "xlsx"), "data_files[0].format", "'xlsx' is not supported"),
        (lambda d: d["data_files"][0].pop("cid"), "data_files[0].cid", "is required"),
        (lambda d: d["data_files"][1].__setitem__("label", "BTC-USD"), "data_files[1].label", "duplicate label"),
        (lambda d: d.__setitem__("target", "ETH"), "target", "not the coin of a data file"),
        (lambda d: d.__setitem__("features", []), "features", "non-empty list"),
        (lambda d: d.__setitem__("features", ["price", "close"]), "features[1]", "'close' is not supported"),
        (lambda d: d.__setitem__("features", ["price", "price"]), "features[1]", "duplicate feature"),
        (lambda d: d.__setitem__("seq_len", 0), "seq_len", "must be >= 1"),
        (lambda d: d.__setitem__("future_period", True), "future_period", "must be an integer"),
        (lambda d: d["split"].__setitem__("val_fraction", 1.0), "split.val_fraction", "must be < 1.0"),
        (lambda d: d["split"].__setitem__("test_fraction", 0), "split.test_fraction", "must be > 0"),
        (lambda d: d["split"].__setitem__("test_fraction", float("nan")), "split.test_fraction", "finite number"),
        (lambda d: d.__setitem__("split", [0.2]), "split", "must be a JSON object"),
        (lambda d: d.__setitem__("metric", "f1"), "metric", "'f1' is not supported"),
        (lambda d: d["protocol"].__setitem__("seeds", 0), "protocol.seeds", "must be >= 1"),
        (lambda d: d["protocol"].__setitem__("seeds", 33), "protocol.seeds", "must be <= 32"),
        (lambda d: d["protocol"].__setitem__("seeds", 2.5), "protocol.seeds", "must be an integer"),
        (lambda d: d["protocol"].__setitem__("backend", "jax"), "protocol.backend", "'jax' is not supported"),
        (lambda d: d.__setitem__("min_accuracy_bps", 10_001), "min_accuracy_bps", "must be <= 10000"),
        (lambda d: d["bounds"].__setitem__("lstm_units", [1, 5000]), "bounds.lstm_units", "exceed what the contract"),
        (lambda d: d["bounds"].__setitem__("lstm_layers", [3, 1]), "bounds.lstm_layers", "reversed"),
        (lambda d: d["bounds"].__setitem__("losses", ["l1"]), "bounds.losses", "unknown value(s) ['l1']"),
        (lambda d: d["bounds"].__setitem__("width", [1, 2]), "bounds.width", "unknown bound"),
        (lambda d: d.__setitem__("bounds", 3), "bounds", "must be a JSON object"),
    ],
)
def test_spec__invalid_field__raises_error_naming_it(spec, change, field, words):
    with pytest.raises(SpecError) as info:
        load_spec(_mutated(spec, change))
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert words in str(info.value)


def test_spec__invalid_json__names_line_and_column():
    with pytest.raises(SpecError, match=r"invalid JSON at line 2 column 8"):
        load_spec('{"name":\n  "x", ,}')


def test_spec__missing_file__says_so(tmp_path):
    with pytest.raises(SpecError, match=r"cannot read spec file .*nope\.json"):
        load_spec(tmp_path / "nope.json")


def test_spec__error_in_file__names_file_and_field(tmp_path, spec):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_mutated(spec, lambda d: d["protocol"].__setitem__("epochs", 0))))
    with pytest.raises(SpecError, match=r"^protocol\.epochs: must be >= 1, got 0 \(in .*bad\.json\)$"):
        load_spec(path)


def test_spec__not_utf8__raises():
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(b'{"name": "\xff"}')


def test_spec__wrong_source_type__raises_type_error():
    with pytest.raises(TypeError, match="load_spec takes"):
        load_spec(12)  # type: ignore[arg-type]


def test_spec__validate__returns_self(spec):
    assert spec.validate() is spec


def test_spec__hyperparameters__checked_against_spec_bounds(cid):
    narrow = HyperparameterBounds(lstm_units=(4, 16), losses=("binary_crossentropy",))
    spec = BountySpec(name="n", data_files=[DataFile("LTC-USD", cid)], target="LTC", bounds=narrow)
    ok = spec.hyperparameters({"lstm_layers": 1, "lstm_units": 8, "dense_layers": 0, "activation": "relu",
                               "loss": "binary_crossentropy"})
    assert ok.lstm_units == 8
    with pytest.raises(HyperparameterError, match=r"lstm_units: 32 is out of range \[4, 16\]"):
        spec.hyperparameters(Hyperparameters(1, 32, 0, "relu", "binary_crossentropy"))
    # Narrow bounds survive the JSON round trip.
    assert load_spec(spec.to_json()).bounds == narrow


def test_spec__repr__is_short_and_useful(spec):
    text = repr(spec)
    assert "ltc-5min" in text and "LTC" in text and "epochs=2" in text


def test_spec__protocol_defaults():
    p = TrainingProtocol()
    assert (p.optimizer, p.early_stopping_patience, p.shuffle) == ("adam", None, True)
    assert (p.seeds, p.backend) == (3, "tensorflow")
    assert TrainingProtocol.from_dict(p.to_dict()) == p


def test_spec__metric__balanced_accuracy_by_default__accuracy_on_request(spec):
    assert spec.metric == "balanced_accuracy"
    d = spec.to_dict()
    assert d["metric"] == "balanced_accuracy" and d["protocol"]["seeds"] == 3
    d["metric"] = "accuracy"
    assert load_spec(d).metric == "accuracy"
    assert load_spec(d).to_bytes() != spec.to_bytes()


def test_spec__written_before_seeds_and_backend__reads_with_their_defaults(spec):
    d = spec.to_dict()
    del d["protocol"]["seeds"], d["protocol"]["backend"]
    assert load_spec(d) == spec


def test_spec__build_dataset__uses_spec_fields(spec):
    from bounty_client.data import synthetic_prices

    prices = synthetic_prices(coins=("BTC", "LTC"), rows=300, seed=1)
    public, hidden = spec.split_hidden(prices)
    ds = spec.build_dataset(public, hidden)
    assert ds.target == "LTC" and ds.seq_len == 4 and ds.future_period == 3
    assert ds.x_train.shape[1:] == (4, 4)  # 2 coins x (price, volume_24h)
    assert len(ds.y_test) > 0
    with pytest.raises(SpecError, match=r"^data_files: the prices given have coins \['BTC'\]"):
        spec.build_dataset({"BTC": prices["BTC"]})


def test_import__client_modules__do_not_import_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys, bounty_client.protocol.spec, bounty_client.ml.model, bounty_client.ml.evaluation; "
        "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib', 'ray', 'ape') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
