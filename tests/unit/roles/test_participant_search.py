"""Participant.search on a real bounty (Anvil): the deadline comes from the chain, commit=True goes
through the vault, and the old candidate-list call keeps working."""

from __future__ import annotations

import pytest
from ape import accounts, chain

from bounty_client.chain import deploy_factory
from bounty_client.data import synthetic_prices
from bounty_client.protocol.hyperparams import HyperparameterBounds, Hyperparameters
from bounty_client.roles import Organizer, Participant
from bounty_client.protocol.spec import TrainingProtocol
from bounty_client.storage import open_store
from bounty_client.roles.vault import Vault

pytestmark = pytest.mark.slow

BOUNDS = HyperparameterBounds(lstm_layers=(1, 1), lstm_units=(2, 6), dense_layers=(0, 1),
                              activations=("tanh", "relu"), losses=("sparse_categorical_crossentropy",),
                              learning_rate=(1e-3, 1e-1))
CANDIDATE = {"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "tanh",
             "loss": "sparse_categorical_crossentropy", "dropout": 0.0, "learning_rate": 0.01}


@pytest.fixture
def bounty(home):
    store = open_store(f"local:{home}/ipfs")
    org_acct = accounts.test_accounts[0]
    org = Organizer(org_acct, store, vault=Vault(home), factory=deploy_factory(org_acct))
    prepared = org.prepare(synthetic_prices(rows=300, seed=5), name="s", target="LTC", seq_len=6, future_period=2,
                           protocol=TrainingProtocol(epochs=1, seed=2), bounds=BOUNDS, min_accuracy_bps=0)
    return org.create(prepared, reward="1 ether"), store


def test_search__commit__vault_record_exists_before_the_transaction(home, bounty):
    bounty, store = bounty
    vault = Vault(home)
    alice = Participant(accounts.test_accounts[1], store, vault=vault)
    seen_at_commit = []
    contract = bounty.contract

    class Watch:  # the commit transaction checks the vault at the moment it is sent
        def __getattr__(self, name):
            return getattr(contract, name)

        def commit(self, commitment, **kwargs):
            seen_at_commit.append([s.commitment for s in vault.submissions(chain.chain_id, bounty=bounty.address,
                                                                          sender=alice.account.address)])
            return contract.commit(commitment, **kwargs)

    bounty.contract = Watch()
    result = alice.search(bounty, n_trials=1, seeds=1, folds=2, candidates=None, progress=False, commit=True)
    bounty.contract = contract
    assert result.submission_id is not None and result.preflight is not None
    (secret,) = vault.submissions(chain.chain_id, bounty=bounty.address, sender=alice.account.address)
    assert seen_at_commit == [[secret.commitment]]
    assert secret.hyperparameters == result.best
    # the study is stored per chain, bounty and account under BOUNTY_HOME
    assert (home / "studies" / f"{chain.chain_id}-{bounty.address.lower()}-{alice.account.address.lower()}.log").exists()


def test_search__after_the_submission_deadline__commit_is_refused(home, bounty):
    from bounty_client.chain import StageError

    bounty, store = bounty
    chain.mine(timestamp=bounty.status().submission_deadline)
    bob = Participant(accounts.test_accounts[2], store, vault=Vault(home))
    with pytest.raises(StageError):
        bob.search(bounty, n_trials=1, seeds=1, folds=2, progress=False, commit=True)


def test_search__old_candidate_list_form__trains_exactly_the_candidates(home, bounty):
    bounty, store = bounty
    bob = Participant(accounts.test_accounts[2], store, vault=Vault(home))
    other = dict(CANDIDATE, lstm_units=2)
    result = bob.search(bounty, [CANDIDATE, other], epochs=1)
    assert len(result.leaderboard) == 2 and int(result.leaderboard["val_bps"].iloc[0]) >= 0
    assert result.best in (Hyperparameters(**CANDIDATE), Hyperparameters(**other))
    assert not (home / "studies").exists()  # in memory, as before
