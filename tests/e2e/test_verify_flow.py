"""verify catches an organizer who posts scores that training does not reproduce."""

import json

from ape import accounts, chain

from bounty_client.chain import deploy_factory
from bounty_client.data import synthetic_prices
from bounty_client.protocol.hyperparams import HyperparameterBounds
from bounty_client.roles import Organizer, Participant
from bounty_client.protocol.spec import TrainingProtocol
from bounty_client.storage import open_store
from bounty_client.roles.vault import Vault
from bounty_client.record import verify

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


def _open_and_reveal(home, min_accuracy_bps=0, seeds=1):
    """An organizer and two participants up to the posted test set and the evaluation, with ``seeds``
    evaluation seeds (None: the protocol's default); returns (org, bounty, store, result)."""
    store, vault = open_store(f"local:{home}/ipfs"), Vault(home)
    org_acct, alice, bob = accounts.test_accounts[:3]
    org = Organizer(org_acct, store, vault=vault, factory=deploy_factory(org_acct))
    prepared = org.prepare(synthetic_prices(rows=300, seed=5), name="t", target="LTC", seq_len=6, future_period=2,
                           protocol=TrainingProtocol(epochs=1, seed=2, **({} if seeds is None else {"seeds": seeds})),
                           bounds=HyperparameterBounds(lstm_layers=(1, 2), lstm_units=(2, 8), dense_layers=(0, 1)),
                           min_accuracy_bps=min_accuracy_bps)
    bounty = org.create(prepared, reward="1 ether")
    for acct, hp in zip((alice, bob), CANDIDATES):
        Participant(acct, store, vault=vault).commit(bounty, hp)
    chain.mine(timestamp=bounty.status().submission_deadline)
    for acct in (alice, bob):
        Participant(acct, store, vault=vault).reveal(bounty)
    chain.mine(timestamp=bounty.status().reveal_deadline)
    org.reveal_test(bounty)  # test data only after the reveal deadline
    return org, bounty, store, org.evaluate(bounty, workers=1, progress=False)


def test_verify__reports_a_tampered_score_per_submission(home):
    org, bounty, store, result = _open_and_reveal(home, seeds=None)
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


# ------------------------------------------------------------------ what the scores pay


class Consistent(Tampered):
    """A careful cheat: the posted score and the report's agree, so only what the score pays can expose it."""

    def __init__(self, result, sid, score):
        super().__init__(result, sid, score - result.scores()[sid])

    def report(self):
        report = self.result.report()
        for s in report["submissions"]:
            if s["id"] == self.sid:
                s["score_bps"] = self.scores()[self.sid]
        return report


def test_verify__honest_run__ok_and_the_chain_pays_what_the_recomputed_scores_pay(home):
    org, bounty, store, result = _open_and_reveal(home)
    org.post_scores(bounty, result)
    before = verify(bounty, store)  # not finalized: what the posted scores would pay
    org.finalize(bounty)
    report = verify(bounty, store)

    for r in (before, report):
        assert r.ok, r.problems
        assert r.tolerance_bps == 0 and r.tolerance_source == "same CPU and software as the report"
        assert r.posted.by_reason() == r.derived.by_reason() and r.posted.ranking == r.derived.ranking
    assert not before.settled and report.settled
    winner = result.ranked()[0]
    assert report.derived.winners == (winner.submission_id,)
    prize = [c for c in report.posted.credits if c.reason.name == "PRIZE"]
    assert [(c.account, c.amount) for c in prize] == [(winner.submitter, 10**18)]
    assert bounty.credits(winner.submitter) >= 10**18  # the chain agrees: the prize (plus the deposit back)
    as_json = json.loads(json.dumps(report.to_dict()))
    assert as_json["ok"] is True and as_json["payout"]["settled"] is True
    assert as_json["payout"]["posted"] == as_json["payout"]["derived"]
    assert "payout" in repr(report) and "PRIZE" in repr(report)


def test_verify__a_shift_within_the_tolerance_that_changes_the_winner_fails(home):
    """The organizer posts the runner-up one bps above the winner (and says so in its report too). Every
    score is within the tolerance the verifier grants; the winner and the prize are not."""
    org, bounty, store, result = _open_and_reveal(home)
    honest = result.scores()
    (w, w_score), (r, r_score) = sorted(honest.items(), key=lambda e: (-e[1], e[0]))
    assert w_score < 10_000, "a 1-epoch model scored 10000: the runner-up cannot overtake it"
    org.post_scores(bounty, Consistent(result, r, w_score + 1))  # runner-up overtakes the winner
    shift = w_score + 1 - r_score

    pending = verify(bounty, store, tolerance_bps=shift)
    assert set(pending.table["status"]) == {"ok"}  # every score is within the tolerance ...
    assert not pending.ok  # ... but who is paid is not
    assert f"payout: ranking (best first): chain (as posted) [{r}], recomputed [{w}]" in pending.problems[0]
    assert all(p.startswith("payout:") for p in pending.problems), pending.problems

    org.finalize(bounty)
    settled = verify(bounty, store, tolerance_bps=10_000)  # even a verifier that forgives any score difference
    assert not settled.ok and settled.settled
    winner, cheat = result[w].submitter, result[r].submitter
    assert any(p.startswith(f"payout: credit PRIZE to {cheat}: chain 1000000000000000000 wei, recomputed 0 wei")
               for p in settled.problems), settled.problems
    assert any(p.startswith(f"payout: credit PRIZE to {winner}: chain 0 wei, recomputed 1000000000000000000 wei")
               for p in settled.problems), settled.problems
    rows = settled.table.set_index("submission_id")
    assert (rows.loc[r, "posted_rank"], rows.loc[r, "derived_rank"]) == (1, None)  # winner takes all: K = 1
    assert (rows.loc[w, "posted_rank"], rows.loc[w, "derived_rank"]) == (None, 1)


def test_verify__min_accuracy_in_the_spec_differs_from_the_chain__fails_without_re_running(home):
    """The spec promises a minimum of 0 bps; the bounty is created with 9000 (so nobody would qualify)."""
    from bounty_client.protocol.terms import BountyTerms

    store, vault = open_store(f"local:{home}/ipfs"), Vault(home)
    org_acct = accounts.test_accounts[0]
    factory = deploy_factory(org_acct)
    org = Organizer(org_acct, store, vault=vault, factory=factory)
    prepared = org.prepare(synthetic_prices(rows=300, seed=5), name="t", target="LTC", seq_len=6, future_period=2,
                           protocol=TrainingProtocol(epochs=1, seed=2, seeds=1), min_accuracy_bps=0)
    terms = BountyTerms(reward="1 ether")
    args = terms.factory_arguments(prepared, int(chain.pending_timestamp))
    receipt = factory.create(sender=org_acct, value=terms.value, **{**args, "min_accuracy": 9000})
    address = factory.created_address(receipt)

    report = verify(address, store)
    assert not report.ok and report.evaluation is None and report.table.empty
    assert report.problems == [f"spec {prepared.spec_cid} disagrees with the chain: min_accuracy (spec 0, chain 9000)"]
    assert json.loads(json.dumps(report.to_dict()))["problems"] == report.problems
