"""The public record: one set of checks between the chain and the store, for every reader."""

from __future__ import annotations

import json

import pytest

from bounty_client.chain import deploy_factory
from bounty_client.data import synthetic_prices
from bounty_client.errors import StageError, VerificationError
from bounty_client.record import TEST_SET_KIND, open_record, test_set_files, test_set_manifest
from bounty_client.roles import Organizer, Participant
from bounty_client.protocol.spec import DataFile, TrainingProtocol
from bounty_client.storage import open_store
from bounty_client.protocol.terms import BountyTerms
from bounty_client.roles.vault import Vault

HP = {"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "relu", "loss": "binary_crossentropy"}


@pytest.fixture(scope="module")
def factory(accounts):
    return deploy_factory(accounts[0])


@pytest.fixture
def store(tmp_path):
    return open_store(f"local:{tmp_path / 'ipfs'}")


@pytest.fixture
def organizer(accounts, store, factory, tmp_path):
    return Organizer(accounts[0], store, factory=factory, vault=Vault(tmp_path / "vault"))


@pytest.fixture
def prepared(organizer):
    return organizer.prepare(synthetic_prices(rows=200, seed=3), name="t", target="LTC", seq_len=5,
                             future_period=2, protocol=TrainingProtocol(epochs=1), min_accuracy_bps=5000)


def test_open_record__honest_bounty__gives_spec_prices_and_dataset_checked_against_the_chain(organizer, prepared,
                                                                                            store):
    # 10 submissions: the evaluation window must fit 10 worst-case (CHAIN_LIMITS) re-trainings.
    bounty = organizer.create(prepared, BountyTerms(reward="1 ether", max_submissions=10))
    record = open_record(bounty.address, store)
    assert record.spec == prepared.spec and record.creation.spec_cid == prepared.spec_cid
    assert sorted(record.prices()) == ["BCH", "BTC", "ETH", "LTC"]
    ds = record.dataset()
    assert len(ds.x_train) > 0 and len(ds.x_val) > 0
    assert record.test_data() is None and record.revealed() == []
    with pytest.raises(StageError, match="not revealed yet"):
        record.dataset(with_test=True)


@pytest.mark.parametrize(
    "field, chain_value",
    # max_cost below what the spec's bounds allow: every reveal of a large-but-allowed model would
    # revert and its deposit be forfeited to the organizer (found by an adversarial review).
    [("min_accuracy", 0), ("seq_len", 6), ("future_period", 3), ("data_cids", "reversed"), ("max_cost", 46),
     ("n_features", 3)],
)
def test_open_record__organizer_posts_a_spec_the_chain_contradicts__every_reader_refuses(
        accounts, factory, organizer, prepared, store, chain, field, chain_value, tmp_path):
    """A deviating organizer: the spec on IPFS says one thing, the creation event another."""
    terms = BountyTerms(reward="1 ether")
    args = terms.factory_arguments(prepared, int(chain.pending_timestamp))
    args[field] = list(reversed(args["data_cids"])) if chain_value == "reversed" else chain_value
    receipt = factory.create(sender=accounts[0], value=terms.value, **args)
    address = factory.created_address(receipt)
    with pytest.raises(VerificationError, match=rf"spec {prepared.spec_cid} disagrees .*{field} \(spec"):
        open_record(address, store)
    # the participant sees the same error before committing anything
    alice = Participant(accounts[1], store, vault=Vault(tmp_path / "alice"))
    from bounty_client.chain import Bounty

    nonce = accounts[1].nonce
    with pytest.raises(VerificationError, match=field):
        alice.commit(Bounty.at(address), HP)
    assert accounts[1].nonce == nonce and not list((tmp_path / "alice").rglob("*.json"))


def test_test_set_manifest__round_trips_and_a_foreign_document_is_refused(store, prepared):
    files = [DataFile("LTC-USD", store.add(b"x")), DataFile("BTC-USD", store.add(b"y"))]
    cid = store.add(test_set_manifest(files))
    assert test_set_files(cid, store) == files
    assert json.loads(store.get(cid))["kind"] == TEST_SET_KIND
    for foreign in (b"not json", json.dumps({"kind": "something else", "files": []}).encode(),
                    json.dumps({"kind": TEST_SET_KIND, "files": [{"label": "LTC"}]}).encode()):
        with pytest.raises(VerificationError, match="test set"):
            test_set_files(store.add(foreign), store)
