"""verify catches an organizer who posts scores that training does not reproduce."""

import json

from ape import accounts, chain

from bounty_client.chain import deploy_factory
from bounty_client.data import synthetic_prices
from bounty_client.hyperparams import HyperparameterBounds
from bounty_client.roles import Organizer, Participant
from bounty_client.spec import TrainingProtocol
from bounty_client.storage import open_store
from bounty_client.vault import Vault
from bounty_client.verification import verify

from e2e_support import run_ape

CANDIDATES = [
    {"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "tanh", "loss": "binary_crossentropy"},
    {"lstm_layers": 1, "lstm_units": 6, "dense_layers": 1, "activation": "relu",
     "loss": "sparse_categorical_crossentropy"},
]


class Tampered:
    """An evaluation result whose posted score for one id was changed (the report stays honest)."""

    def __init__(self, result, sid, delta):
        self.result, self.sid, self.delta = result, sid, delta

    def scores(self):
        s = self.result.scores()
        s[self.sid] = min(10_000, max(0, s[self.sid] + self.delta))
        return s

    def report(self):
        return self.result.report()


def test_verify__reports_a_tampered_score_per_submission(home):
    store, vault = open_store(f"local:{home}/ipfs"), Vault(home)
    org_acct, alice, bob = accounts.test_accounts[:3]
    org = Organizer(org_acct, store, vault=vault, factory=deploy_factory(org_acct))
    prepared = org.prepare(synthetic_prices(rows=300, seed=5), name="t", target="LTC", seq_len=6, future_period=2,
                           protocol=TrainingProtocol(epochs=1, seed=2),
                           bounds=HyperparameterBounds(lstm_units=(2, 8)), min_accuracy_bps=0)
    bounty = org.create(prepared, reward="1 ether")
    for acct, hp in zip((alice, bob), CANDIDATES):
        Participant(acct, store, vault=vault).commit(bounty, hp)
    chain.mine(timestamp=bounty.status().submission_deadline)
    for acct in (alice, bob):
        Participant(acct, store, vault=vault).reveal(bounty)
    chain.mine(timestamp=bounty.status().reveal_deadline)
    org.reveal_test(bounty)  # test data only after the reveal deadline
    result = org.evaluate(bounty, workers=1, progress=False)
    honest = result.scores()
    org.post_scores(bounty, Tampered(result, 1, +700 if honest[1] < 9000 else -700))

    report = verify(bounty, store)
    assert not report.ok and report.tolerance_bps == 0  # same machine: exact
    rows = report.table.set_index("submission_id")
    assert rows.loc[0, "status"] == "ok" and rows.loc[1, "status"] == "MISMATCH"
    assert abs(rows.loc[1, "diff_bps"]) == 700
    assert any("submission #1: MISMATCH" in p for p in report.problems)
    assert any("scores differ from the posted ones for ids [1]" in p for p in report.problems)
    # a loose tolerance forgives the score difference, never the report that contradicts the chain
    loose = verify(bounty, store, tolerance_bps=1000)
    assert set(loose.table["status"]) == {"ok"} and not loose.ok

    # the command: non-zero exit status, the mismatch in its JSON
    out = run_ape(["run", "bounty", "verify", bounty.address, "--network", chain.provider.uri], home)
    assert out.returncode == 1, out.stderr[-2000:]
    verdict = json.loads(out.stdout.strip().splitlines()[-1])
    assert verdict["ok"] is False
    assert [s["status"] for s in verdict["submissions"]] == ["ok", "MISMATCH"]
