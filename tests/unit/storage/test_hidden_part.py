"""The hidden test part never reaches a public kubo node before it is revealed.

A kubo node announces what it stores (provider records on the DHT), so adding the hidden
rows to it at creation would publish them.  The organizer keeps them in its private
LocalStore (owner-only) and copies them to the public store only at the reveal.
"""

from __future__ import annotations

import stat

from bounty_client.chain import deploy_factory
from bounty_client.data import format_prices_csv, synthetic_prices
from bounty_client.record import test_set_files
from bounty_client.roles import Organizer
from bounty_client.protocol.hyperparams import HyperparameterBounds
from bounty_client.protocol.spec import TrainingProtocol
from bounty_client.protocol.terms import BountyTerms
from bounty_client.roles.vault import Vault


def test_create_with_a_kubo_store__sends_nothing_hidden_to_it(accounts, fake_kubo, kubo_fake_store, tmp_path,
                                                               chain):
    organizer = Organizer(accounts[0], kubo_fake_store, factory=deploy_factory(accounts[0]),
                          vault=Vault(tmp_path / "home"))  # default private store: <home>/private-ipfs
    prepared = organizer.prepare(synthetic_prices(rows=200, seed=5), name="t", target="LTC", seq_len=5,
                                 future_period=2, protocol=TrainingProtocol(epochs=1),
                                 bounds=HyperparameterBounds(lstm_layers=(1, 2), lstm_units=(1, 8), dense_layers=(0, 1)))
    organizer.create(prepared, BountyTerms(reward="1 ether"))  # (bounds the default evaluation window can re-train)

    hidden_cids = [prepared.test_cid] + [f.cid for f in test_set_files(prepared.test_cid, organizer.private_store)]
    hidden_rows = [organizer.private_store.get(f.cid) for f in prepared.test_files]
    adds = [params for endpoint, params in fake_kubo.requests if endpoint.endswith("/add")]
    assert len(adds) == len(prepared.spec.data_files) + 1  # the public CSVs and the spec, nothing else
    with fake_kubo._lock:
        blocks = b"".join(fake_kubo.blocks.values())
    for cid in hidden_cids:
        assert not kubo_fake_store.has(cid)
    for rows in hidden_rows:
        first_line = rows.splitlines()[0]
        assert first_line not in blocks
    # The private store is owner-only.
    root = organizer.private_store.root
    assert root == tmp_path / "home" / "private-ipfs" and stat.S_IMODE(root.stat().st_mode) == 0o700
    # What was sent: the public part, byte for byte.
    prices = synthetic_prices(rows=200, seed=5)
    public_ltc = [f for f in prepared.spec.data_files if f.symbol == "LTC"][0]
    first_row = format_prices_csv(prices["LTC"]).encode().splitlines()[0]
    assert kubo_fake_store.get(public_ltc.cid).splitlines()[0] == first_row
