"""The secret vault: write-once records that survive crashes, 0700/0600, damaged records skipped."""

from __future__ import annotations

import json
import os
import stat

import pytest

from bounty_client.protocol.hyperparams import HyperparameterBounds, Hyperparameters
from bounty_client.roles.vault import Vault, VaultError, VaultWarning

HP = {"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "tanh", "loss": "binary_crossentropy"}
BOUNTY_A = "0x" + "a" * 40
BOUNTY_B = "0x" + "b" * 40
SENDER = "0x" + "5" * 40


def _save(vault: Vault, bounty: str, commitment: str):
    return vault.save_submission(31337, bounty, SENDER, commitment, "0x" + "11" * 32, Hyperparameters.from_dict(HP))


def test_records__private_modes_and_no_temporary_files_left(tmp_path):
    vault = Vault(tmp_path)
    _save(vault, BOUNTY_A, "0x" + "01" * 32)
    path = vault.root / "31337" / "submissions" / f"0x{'01' * 32}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (vault.root, path.parent.parent, path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert os.listdir(path.parent) == [path.name]
    assert json.loads(path.read_text())["bounty"] == BOUNTY_A


def test_write_once__same_secret_again_is_fine__different_secret_refused(tmp_path):
    vault = Vault(tmp_path)
    first = _save(vault, BOUNTY_A, "0x" + "01" * 32)
    _save(vault, BOUNTY_A, "0x" + "01" * 32)  # a retry after a crash: same content
    with pytest.raises(VaultError, match="already holds a different secret; refusing to overwrite it"):
        _save(vault, BOUNTY_B, "0x" + "01" * 32)
    assert vault.submission(31337, first.commitment).bounty == BOUNTY_A


def test_half_written_record__save_refuses_to_guess(tmp_path):
    vault = Vault(tmp_path)
    path = vault.root / "31337" / "submissions" / f"0x{'02' * 32}.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"kind": "submission", "chain_id": 31')
    with pytest.raises(VaultError, match="exists but cannot be read"):
        _save(vault, BOUNTY_A, "0x" + "02" * 32)
    assert path.read_text() == '{"kind": "submission", "chain_id": 31', "never overwritten"


def test_half_written_record__reported_and_skipped__others_still_listed(tmp_path):
    vault = Vault(tmp_path)
    good = _save(vault, BOUNTY_B, "0x" + "03" * 32)
    torn = vault.root / "31337" / "submissions" / f"0x{'00' * 32}.json"  # sorts first
    torn.write_text('{"kind": "submission", "chain_id": 31337, "bou')
    not_a_dict = vault.root / "31337" / "submissions" / f"0x{'0f' * 32}.json"
    not_a_dict.write_text("[1, 2]")
    with pytest.warns(VaultWarning) as caught:
        listed = list(vault.submissions(31337, bounty=BOUNTY_B))
    assert [s.commitment for s in listed] == [good.commitment]
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2
    assert str(torn) in messages[0] and "unreadable secret" in messages[0]
    assert str(not_a_dict) in messages[1] and "not a JSON object" in messages[1]
    assert messages[0] == f"skipping unreadable vault record {torn}: unreadable secret (Unterminated string " \
                          f"starting at: line 1 column 43 (char 42))"
    with pytest.raises(VaultError, match="unreadable secret"):
        vault.submission(31337, "0x" + "00" * 32)  # asking for it directly is still an error


def test_record_with_a_missing_field__skipped_with_a_warning_naming_it(tmp_path):
    vault = Vault(tmp_path)
    good = _save(vault, BOUNTY_A, "0x" + "05" * 32)
    odd = vault.root / "31337" / "submissions" / f"0x{'00' * 32}.json"
    odd.write_text('{"kind": "submission"}')
    with pytest.warns(VaultWarning, match=r"skipping unreadable vault record .*0x0{64}\.json: unreadable secret "
                                          r"\(missing field 'chain_id'\)"):
        assert [s.commitment for s in vault.submissions(31337)] == [good.commitment]
    with pytest.raises(VaultError, match=r"unreadable secret \(missing field 'chain_id'\)"):
        vault.submission(31337, "0x" + "00" * 32)


def test_crash_before_the_rename_leaves_no_record(tmp_path, monkeypatch):
    """A crash after the bytes are written but before the name appears: no record, no torn file."""
    import bounty_client.storage.atomic as atomic

    vault = Vault(tmp_path)

    def crash(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "_publish", crash)
    with pytest.raises(KeyboardInterrupt):
        _save(vault, BOUNTY_A, "0x" + "04" * 32)
    monkeypatch.undo()
    folder = vault.root / "31337" / "submissions"
    assert list(folder.iterdir()) == []
    assert list(vault.submissions(31337)) == []
    _save(vault, BOUNTY_A, "0x" + "04" * 32)  # and the retry succeeds
    assert [s.bounty for s in vault.submissions(31337)] == [BOUNTY_A]


def test_reveal__works_for_one_bounty_while_another_record_on_the_chain_is_torn(tmp_path, monkeypatch):
    """Real chain: a torn record of some other bounty does not block alice's reveal."""
    from ape import accounts, chain

    from bounty_client.chain import deploy_factory
    from bounty_client.data import synthetic_prices
    from bounty_client.roles import Organizer, Participant
    from bounty_client.protocol.spec import TrainingProtocol
    from bounty_client.storage import open_store

    monkeypatch.setenv("BOUNTY_HOME", str(tmp_path))
    store, vault = open_store(f"local:{tmp_path}/ipfs"), Vault(tmp_path)
    org_acct, alice = accounts.test_accounts[:2]
    org = Organizer(org_acct, store, vault=vault, factory=deploy_factory(org_acct))
    prepared = org.prepare(synthetic_prices(rows=300, seed=5), name="t", target="LTC", seq_len=6, future_period=2,
                           protocol=TrainingProtocol(epochs=1, seed=2),
                           bounds=HyperparameterBounds(lstm_layers=(1, 2), lstm_units=(2, 8), dense_layers=(0, 1)),
                           min_accuracy_bps=0)
    bounty = org.create(prepared, reward="1 ether")
    sid = Participant(alice, store, vault=vault).commit(bounty, HP)
    torn = vault.root / str(chain.chain_id) / "submissions" / f"0x{'00' * 32}.json"
    torn.write_text('{"kind": "submission", "bounty": "0xdead')  # a crash of the old in-place writer
    chain.mine(timestamp=bounty.status().submission_deadline)
    with pytest.warns(VaultWarning, match=str(torn)):
        revealed = Participant(alice, store, vault=vault).reveal(bounty)
    assert revealed == [sid]
    assert Participant(alice, store, vault=vault).pending_reveals(bounty) == []
