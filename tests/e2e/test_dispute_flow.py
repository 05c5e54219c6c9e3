"""The dispute step with the client's roles: a false score is found by a watcher's re-run, challenged
with the command, re-run by three jurors (commit, reveal, resolve), overturned on-chain, and the true
winner is paid from the organizer's bond; an honest bounty gives a watcher nothing to challenge.

Real parts throughout: Anvil, the compiled Bounty/RerunJury, Keras re-training (tiny models, one
epoch), the local content store; the challenge itself goes through ``ape run bounty challenge``.
"""

import json

import pytest
from ape import accounts, chain

from bounty_client.chain import Bounty, Jury, deploy_factory, mined_timestamp
from bounty_client.data import synthetic_prices
from bounty_client.errors import ArgumentError, StageError, VaultError
from bounty_client.protocol.hyperparams import HyperparameterBounds
from bounty_client.protocol.spec import TrainingProtocol
from bounty_client.protocol.terms import BountyTerms
from bounty_client.protocol.wire import CreditReason, Outcome, Stage
from bounty_client.record import verify
from bounty_client.roles import Challenger, Juror, Organizer, Participant
from bounty_client.roles.vault import Vault
from bounty_client.storage import open_store

from e2e_support import run_ape

CANDIDATES = [
    {"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "tanh", "loss": "binary_crossentropy"},
    {"lstm_layers": 1, "lstm_units": 6, "dense_layers": 1, "activation": "relu",
     "loss": "sparse_categorical_crossentropy"},
]
SOCK_HP = {"lstm_layers": 1, "lstm_units": 2, "dense_layers": 0, "activation": "tanh", "loss": "binary_crossentropy"}
REWARD, STAKE, FEE, PERIOD = 10**18, 10**17, 10**15, 600


def _evaluated(home, *, arbiter=True):
    """An organizer with a three-juror RerunJury as its arbiter (``arbiter``), alice and bob honest, the
    organizer's sock (account 6) with the cheapest model; revealed, test data posted, evaluated (nothing
    posted yet).  Returns a namespace of the parts."""
    store = open_store(f"local:{home}/ipfs")
    org_acct, alice, bob = accounts.test_accounts[:3]
    sock, jurors, watcher = accounts.test_accounts[6], accounts.test_accounts[7:10], accounts.test_accounts[5]
    factory = deploy_factory(org_acct)
    jury = None
    terms = BountyTerms(reward=REWARD)
    if arbiter:
        jury = Jury.deploy(factory, list(jurors), sender=org_acct, stake=STAKE, fee=FEE, commit_period=PERIOD,
                           reveal_period=PERIOD, tolerance_bps=200, slash_bps=2_000,
                           service_end=mined_timestamp() + 30 * 86_400)
        for j in jurors:
            jury.stake(sender=j)
        terms = BountyTerms(reward=REWARD, arbiter=jury.address, challenge_period=3_600, resolution_period=3_600)
    org = Organizer(org_acct, store, vault=Vault(home / "organizer"), factory=factory)
    prepared = org.prepare(synthetic_prices(rows=300, seed=5), name="t", target="LTC", seq_len=6, future_period=2,
                           protocol=TrainingProtocol(epochs=1, seed=2, seeds=1),
                           bounds=HyperparameterBounds(lstm_layers=(1, 2), lstm_units=(2, 8), dense_layers=(0, 1)),
                           min_accuracy_bps=0)
    bounty = org.create(prepared, terms)
    people = {"alice": alice, "bob": bob, "sock": sock}
    roles = {name: Participant(acct, store, vault=Vault(home / name)) for name, acct in people.items()}
    for name, hp in zip(people, [*CANDIDATES, SOCK_HP]):
        roles[name].commit(bounty, hp)
    chain.mine(timestamp=bounty.status().submission_deadline)
    for role in roles.values():
        role.reveal(bounty)
    chain.mine(timestamp=bounty.status().reveal_deadline)
    org.reveal_test(bounty)
    result = org.evaluate(bounty, workers=1, progress=False)
    sock_id = bounty.commits(submitter=sock.address)[0][0]
    return dict(store=store, org=org, org_acct=org_acct, bounty=bounty, jury=jury, jurors=list(jurors),
                watcher=watcher, people=people, roles=roles, result=result, sock_id=sock_id)


def _post_forged(w, score=9_999):
    """What any organizer can send: the sock's score forged, the others true, an honest report."""
    true = dict(w["result"].scores())
    forged = {**true, w["sock_id"]: score}
    cid = w["store"].add(json.dumps(w["result"].report(), sort_keys=True, default=str).encode())
    ids = sorted(forged)
    w["bounty"].post_scores(ids, [forged[i] for i in ids], cid, sender=w["org_acct"])
    return true


def test_false_score__challenged_by_command__jury_overturns_it__true_winner_paid(home):
    w = _evaluated(home)
    bounty, jury, watcher, sock_id = w["bounty"], w["jury"], w["watcher"], w["sock_id"]
    true = _post_forged(w)
    assert bounty.ranking()[0] == (sock_id, 9_999)  # the forged score leads the provisional ranking
    balances = {a.address: int(a.balance) for a in (w["org_acct"], w["people"]["sock"], watcher)}

    # A stranger re-runs the evaluation: exactly the forged score differs, by its true value.
    found = Challenger(watcher, w["store"]).check(bounty)
    assert [(d.key, d.on_record, d.recomputed) for d in found] == [(sock_id, 9_999, true[sock_id])]
    # Asking to challenge an honest score sends nothing.
    honest_id = next(i for i in true if i != sock_id)
    nonce = watcher.nonce
    with pytest.raises(ArgumentError, match=rf"nothing to challenge among \[{honest_id}\]"):
        Challenger(watcher, w["store"]).challenge(bounty, [honest_id])
    assert watcher.nonce == nonce

    # The command a user runs: it re-runs, challenges the difference, and says when the ruling is due.
    out = run_ape(["run", "bounty", "challenge", bounty.address, "--account", "TEST::5", "--workers", "1",
                   "--store", f"local:{home}/ipfs", "--network", chain.provider.uri], home)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert f"challenged #{sock_id}: on record 9999 bps, recomputed {true[sock_id]} bps" in out.stdout
    [dispute] = bounty.disputes()
    assert (dispute.key, dispute.posted, dispute.claimed, dispute.open) == (sock_id, 9_999, true[sock_id], True)
    assert dispute.challenger == watcher.address and dispute.bond == bounty.creation().challenge_bond
    # The disputed id is not challenged twice (one open dispute per id): nothing left to challenge.
    with pytest.raises(ArgumentError, match="nothing to challenge"):
        Challenger(watcher, w["store"]).challenge(bounty)

    # Three jurors re-run the disputed submission, seal their answers in their own vaults, reveal, resolve.
    [jd] = jury.disputes(bounty.address, open_only=True)
    jurors = [Juror(a, w["store"], jury, vault=Vault(home / f"juror-{n}")) for n, a in enumerate(w["jurors"])]
    answers = [j.commit(jd.id)[0] for j in jurors]
    assert answers == [true[sock_id]] * 3  # same machine, same software: the exact score
    with pytest.raises(VaultError, match="commit from this home first"):  # a juror's vote lives in its home
        Juror(w["jurors"][0], w["store"], jury, vault=Vault(home / "elsewhere")).reveal(jd.id)
    chain.mine(timestamp=jd.commit_deadline)
    for j in jurors:
        j.reveal(jd.id)
    chain.mine(timestamp=jd.reveal_deadline)
    jurors[0].resolve(jd.id)

    [ruled] = bounty.disputes()
    assert ruled.upheld and ruled.ruling == true[sock_id]
    assert bounty.scores_on_record()[sock_id] == true[sock_id]
    if bounty.ranking_stale():
        bounty.rerank(sender=watcher)
    best = max(true, key=lambda i: (true[i], -i))
    assert bounty.ranking()[0] == (best, true[best])

    # After the window: the true winner is paid; the challenger gets its bond back and a reward.
    chain.mine(timestamp=bounty.challenge_deadline())
    w["org"].finalize(bounty)
    assert bounty.outcome() is Outcome.PRIZES
    credited = {(c.account, c.reason) for c in bounty.credited()}
    winner = dict(bounty.commits())[best]  # (a paid winner's record is cleared)
    assert (winner, CreditReason.PRIZE) in credited
    # The sock is paid only if its true score wins (a tiny model may: near 5000 bps every model ties with a
    # constant guess, and seeds decide); never for its forged 9999.
    sock_wins = best == sock_id
    assert ((w["people"]["sock"].address, CreditReason.PRIZE) in credited) == sock_wins
    assert (watcher.address, CreditReason.CHALLENGE_REWARD) in credited
    report = verify(bounty, w["store"])
    assert report.ok, report.problems

    # Everyone takes what is theirs; the cheat and its sock together end worse off than honesty (-reward).
    for name, role in w["roles"].items():
        if bounty.claimable_ids(w["people"][name]):
            role.claim(bounty)
    for acct in (w["org_acct"], w["people"]["sock"], watcher, *w["people"].values()):
        if bounty.credits(acct):
            bounty.withdraw(sender=acct)
    after = {a.address: int(a.balance) for a in (w["org_acct"], w["people"]["sock"], watcher)}
    cheat = sum(after[a] - balances[a] for a in (w["org_acct"].address, w["people"]["sock"].address))
    # Since the snapshot (the reward and bond already escrowed), had the organizer posted the true scores:
    # its bond back, the sock's deposit back, and the prize if the sock's true score wins.
    c = bounty.creation()
    honest = c.bond + c.commit_deposit + (REWARD if sock_wins else 0)
    assert cheat <= honest - c.challenge_bond - FEE  # the challenger's reward (bond + fee) came from the bond
    assert after[watcher.address] > balances[watcher.address]  # bond back + reward, minus the fee and gas
    assert int(chain.provider.get_balance(bounty.address)) == 0


def test_honest_scores__the_watcher_finds_nothing_and_sends_nothing(home):
    w = _evaluated(home)
    w["org"].post_scores(w["bounty"], w["result"])
    lines: list[str] = []
    nonce = w["watcher"].nonce
    sent = Challenger(w["watcher"], w["store"]).watch(w["bounty"], say=lines.append, once=True)
    assert sent == [] and w["watcher"].nonce == nonce
    assert lines == ["watch: 3 score(s) on record, 0 beyond the tolerance"]
    # After the window nobody may challenge: refused before anything is sent.
    chain.mine(timestamp=w["bounty"].challenge_deadline())
    assert w["bounty"].stage is Stage.EXPIRED
    with pytest.raises(StageError, match="challenge window .* closed"):
        Challenger(w["watcher"], w["store"]).challenge(w["bounty"])
    assert w["watcher"].nonce == nonce


def test_no_arbiter__challenge_and_watch_refused_in_one_line(home):
    w = _evaluated(home, arbiter=False)
    _post_forged(w)
    out = run_ape(["run", "bounty", "challenge", w["bounty"].address, "--account", "TEST::5",
                   "--store", f"local:{home}/ipfs", "--network", chain.provider.uri], home)
    assert out.returncode != 0
    assert "has no arbiter" in out.stdout + out.stderr and "Traceback" not in out.stdout + out.stderr
    assert Bounty.at(w["bounty"].address).disputes() == []
