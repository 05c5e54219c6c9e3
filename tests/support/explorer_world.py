"""Bounty worlds for the explorer: real contracts on Anvil (a factory, RerunJury arbiters), real CIDs.

Accounts (Anvil's test accounts): 0 the organizer, 1..4 participants, 5 the organizer's sock, 6..8 the
jurors; accounts[9] stays untouched (it deploys the contract tests' session-scoped factory).

* :func:`build` (the figures and the route tests): no training.  A scored bounty of ``submissions``
  commits from the participants with a fabricated but well-formed evaluation report, optionally judged
  by a jury: the organizer posts a false 9999 for its sock (an upheld challenge corrects it) and a
  participant challenges an honest score (rejected); then rerank, finalize, withdrawals and claims; and
  ``bounties - 1`` more bounties still taking submissions.
* :func:`build_trained` (the browser tests): real Keras training on tiny synthetic data.  A bounty
  with a jury where the organizer posts a false score for its sock, alice challenges it, the jurors
  answer the re-trained score (the organizer's own honest evaluation, what ``verify`` computes on this
  machine), the ruling corrects it, rerank and finalize; one bounty taking submissions; one whose spec
  name is HTML.

Every helper needs a connected Ape provider on a development node (``ape test``'s Anvil).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import random
from pathlib import Path
from typing import Any

#: A spec name that would run script if any page rendered it as HTML.
XSS_NAME = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">LTC & <b>friends</b>'
ACTIVATIONS = ("relu", "tanh", "sigmoid")
LOSSES = ("binary_crossentropy", "sparse_categorical_crossentropy", "hinge")
ORGANIZER, PARTICIPANTS, SOCK, JURORS = 0, (1, 2, 3, 4), 5, (6, 7, 8)
#: The worlds' jury: stake and fee (wei), commit and reveal periods (seconds).
JURY_STAKE, JURY_FEE, JURY_PERIOD = 10**17, 10**15, 600
#: A bounty's dispute terms: a day to challenge, a day to rule.
DISPUTE_TERMS = dict(challenge_period=86_400, resolution_period=86_400, challenge_bond="0.1 ether",
                     score_tolerance=50)


def accounts_of() -> dict[str, Any]:
    from ape import accounts

    users = accounts.test_accounts
    return {"organizer": users[ORGANIZER], "participants": [users[i] for i in PARTICIPANTS], "sock": users[SOCK],
            "jurors": [users[i] for i in JURORS]}


def travel(timestamp: int) -> None:
    """Mine a block at ``timestamp`` unless the chain is already past it."""
    from ape import chain

    if chain.blocks.head.timestamp < timestamp:
        chain.mine(timestamp=timestamp)


def deploy_jury(factory: Any, organizer: Any, jurors: "list[Any]") -> Any:
    """A RerunJury over ``factory`` with ``jurors``, every one staked."""
    from bounty_client.chain import Jury, mined_timestamp

    jury = Jury.deploy(factory, jurors, sender=organizer, stake=JURY_STAKE, fee=JURY_FEE, commit_period=JURY_PERIOD,
                       reveal_period=JURY_PERIOD, tolerance_bps=200, slash_bps=2_000,
                       service_end=mined_timestamp() + 365 * 86_400)
    for juror in jurors:
        jury.stake(sender=juror)
    return jury


def rule(bounty: Any, jury: Any, jurors: "list[Any]", store: Any, home: "str | Path", answers: "dict[int, int]") -> None:
    """Every open dispute of ``bounty`` at ``jury`` ruled: each juror commits ``answers[key]`` (the score it
    re-computed), the clock passes the commit deadline, each reveals, it passes the reveal deadline, one
    resolves."""
    from bounty_client.roles import Juror, Vault

    seats = [Juror(j, store, jury, vault=Vault(Path(home) / f"juror-{n}")) for n, j in enumerate(jurors)]
    disputes = jury.disputes(bounty.address, open_only=True)
    for d in disputes:
        for seat in seats:
            seat.commit(d.id, answers[d.key])
    travel(max(d.commit_deadline for d in disputes))
    for d in disputes:
        for seat in seats:
            seat.reveal(d.id)
    travel(max(d.reveal_deadline for d in disputes))
    for d in disputes:
        seats[0].resolve(d.id)


def _report(record: Any, revealed: "list[tuple[int, str, dict]]", rng: random.Random) -> Any:
    """A fabricated but well-formed evaluation report for the revealed submissions."""
    from bounty_client.ml.evaluation.result import EvaluationResult, SubmissionResult

    seeds = record.evaluation_seeds()
    results = []
    for sid, submitter, hp in revealed:
        per_seed = [min(9_000, max(1_000, int(rng.gauss(5400, 250)))) for _ in seeds]
        mean = sum(per_seed) // len(per_seed)
        sd = (sum((s - sum(per_seed) / len(per_seed)) ** 2 for s in per_seed) / max(1, len(per_seed) - 1)) ** 0.5
        results.append(SubmissionResult(sid, submitter, hp, "scored", score_bps=mean, seeds=list(seeds),
                                        seed_scores=per_seed, score_se_bps=sd / len(per_seed) ** 0.5,
                                        val_accuracy=0.55, epochs_run=1))
    return EvaluationResult(results, record.spec.protocol, spec=record.spec, metric=record.spec.metric,
                            seeds=list(seeds), baseline_bps=5000, test_classes=[120, 110],
                            data={"test_cid": record.test_data().cid})


class Posted:
    """What ``Organizer.post_scores`` takes: an honest ``report`` and the ``scores`` to post (which a
    dishonest organizer may change)."""

    def __init__(self, result: Any, scores: "dict[int, int]"):
        self._result, self._scores = result, dict(scores)

    def report(self) -> dict:
        return self._result.report()

    def scores(self) -> dict[int, int]:
        return dict(self._scores)


def _prepare(org: Any, title: str, *, seed: int, seeds: int = 3, min_accuracy_bps: int = 0) -> Any:
    from bounty_client.data import synthetic_prices
    from bounty_client.protocol.hyperparams import HyperparameterBounds
    from bounty_client.protocol.spec import TrainingProtocol

    return org.prepare(synthetic_prices(rows=300, seed=seed), name=title, description="Direction of LTC two steps ahead.",
                       target="LTC", seq_len=6, future_period=2, protocol=TrainingProtocol(epochs=1, seed=2, seeds=seeds),
                       bounds=HyperparameterBounds(lstm_layers=(1, 2), lstm_units=(2, 16), dense_layers=(0, 2)),
                       min_accuracy_bps=min_accuracy_bps)


def _hp(i: int) -> Any:
    from bounty_client.protocol.hyperparams import Hyperparameters

    return Hyperparameters(1 + i % 2, 2 + i % 15, i % 3, ACTIVATIONS[i % 3], LOSSES[i % 3],
                           dropout=(i % 5) / 10, learning_rate=0.001 * (1 + i % 9))


def scored_bounty(org: Any, prepared: Any, store: Any, home: "str | Path", *, submissions: int, rng: random.Random,
                  jury: Any = None, dishonest: bool = False, frivolous: bool = False, finalize: bool = True,
                  max_submissions: "int | None" = None) -> dict:
    """A bounty through commits (``submissions``, one per participant in turn; with ``dishonest`` the last
    is the sock's), reveals (every 25th commitment is never revealed), the test set and the posted scores
    (a fabricated report; ``dishonest``: 9999 for the sock).  With ``jury``: alice challenges the sock's
    false score (upheld), with ``frivolous`` bob challenges an honest score (rejected); ``finalize``: the
    rulings, rerank, the window's end, finalize, then withdrawals and claims.  Returns ``{"bounty",
    "scores" (posted), "true" (the report's), "sock_id"}``."""
    from bounty_client.protocol.terms import BountyTerms
    from bounty_client.record import open_record

    who = accounts_of()
    participants = who["participants"]
    terms = BountyTerms(reward="10 ether", max_submissions=max_submissions or max(submissions, 10),
                        submission_period=7200, reveal_period=7200, evaluation_period=86_400,
                        prize_shares=(6000, 3000, 1000), **(dict(arbiter=jury.address, **DISPUTE_TERMS) if jury else {}))
    with contextlib.redirect_stdout(io.StringIO()):  # the budget estimate printed by create
        bounty = org.create(prepared, terms)
    deposit = bounty.creation().commit_deposit
    entries = []
    for i in range(submissions):
        account = who["sock"] if dishonest and i == submissions - 1 else participants[i % len(participants)]
        hp = _hp(i)
        salt = hashlib.sha256(b"explorer world %d" % i).digest()
        sid = bounty.commit(hp.commitment(bounty.address, account.address, salt), sender=account, deposit=deposit)
        entries.append((sid, account, hp, salt))
    travel(bounty.deadlines()[0])
    for i, (sid, account, hp, salt) in enumerate(entries):
        if i % 25 == 24 and not (dishonest and i == submissions - 1):
            continue  # a few commitments never revealed: their deposits are forfeited
        bounty.reveal(sid, hp, salt, sender=account)
    travel(bounty.deadlines()[1])
    org.reveal_test(bounty)
    record = open_record(bounty, store)
    revealed = [(s.id, s.submitter, s.hyperparameters.to_dict()) for s in record.revealed()]
    result = _report(record, revealed, rng)
    true = dict(result.scores())
    posted = dict(true)
    sock_id = entries[-1][0] if dishonest else None
    if dishonest:
        posted[sock_id] = 9_999
    org.post_scores(bounty, Posted(result, posted), batch_size=50)
    if jury is not None and (dishonest or frivolous):
        travel(bounty.deadlines()[2])  # the challenge window opens at the evaluation deadline
        if dishonest:
            bounty.challenge(sock_id, true[sock_id], sender=participants[0])
        if frivolous:
            honest = next(i for i in sorted(true) if i != sock_id)
            bounty.challenge(honest, min(10_000, true[honest] + 1_000), sender=participants[1])
    if finalize:
        if jury is not None and (dishonest or frivolous):
            rule(bounty, jury, who["jurors"], store, home, true)
        travel(bounty.challenge_deadline())
        with contextlib.redirect_stdout(io.StringIO()):
            org.finalize(bounty)  # reranks a stale ranking first
        for account in [*participants[:3], org.account]:
            if bounty.credits(account):
                bounty.withdraw(account)
        for account in participants[:2]:
            if bounty.claimable_ids(account):
                bounty.claim(account)
    return {"bounty": bounty, "scores": posted, "true": true, "sock_id": sock_id}


def organizer(store: Any, home: "str | Path") -> Any:
    """The organizer (accounts[0]) on a new factory, its secrets under ``home``."""
    from bounty_client.chain import deploy_factory
    from bounty_client.roles import Organizer, Vault

    account = accounts_of()["organizer"]
    return Organizer(account, store, vault=Vault(Path(home) / "organizer"), factory=deploy_factory(account))


def build(store: Any, home: "str | Path", *, submissions: int = 100, bounties: int = 20, seed: int = 1,
          name: str = "LTC direction, 100 submissions", other_name: "str | None" = None, jury: bool = True) -> dict:
    """The figures' world (see the module docstring); returns ``{"factory", "scored", "bounties", "organizer",
    "participants", "jury"}`` (addresses)."""
    from bounty_client.protocol.terms import BountyTerms

    rng = random.Random(seed)
    who = accounts_of()
    org = organizer(store, home)
    arbiter = deploy_jury(org.factory, who["organizer"], who["jurors"]) if jury else None
    prepared = _prepare(org, name, seed=seed)
    other = _prepare(org, other_name, seed=seed) if other_name is not None else prepared
    with contextlib.redirect_stdout(io.StringIO()):
        others = [org.create(other, BountyTerms(reward=f"{1 + i} ether", max_submissions=20,
                                                 submission_period=86_400 * (i + 30)))
                  for i in range(bounties - 1)]
    scored = scored_bounty(org, prepared, store, home, submissions=submissions, rng=rng, jury=arbiter,
                           dishonest=jury, frivolous=jury)["bounty"]
    return {"factory": org.factory.address, "scored": scored.address,
            "bounties": [scored.address, *(b.address for b in others)], "organizer": who["organizer"].address,
            "participants": [p.address for p in who["participants"]],
            "jury": arbiter.address if arbiter else None}


@contextlib.contextmanager
def world_in(home: Path, build: Any) -> Any:
    """``build(store)``'s world (a dict; ``store`` and ``home`` added) with ``$BOUNTY_HOME`` and
    ``$BOUNTY_STORE_DIR`` pointing into ``home`` while it is in use (restored afterwards); the builders' own
    lines are not printed."""
    import os

    from bounty_client.storage import LocalStore

    saved = {k: os.environ.get(k) for k in ("BOUNTY_HOME", "BOUNTY_STORE_DIR")}
    os.environ.update(BOUNTY_HOME=str(home), BOUNTY_STORE_DIR=str(home / "ipfs"))
    try:
        store = LocalStore(home / "ipfs")
        with contextlib.redirect_stdout(io.StringIO()):
            built = build(store)
        built.update(store=store, home=home)
        yield built
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def build_routes(store: Any, home: "str | Path") -> dict:
    """The route tests' world, no training: ``trusted`` (no arbiter, 6 submissions, finalized),
    ``disputed`` (a jury; a false score for the sock corrected by an upheld challenge, a rejected
    challenge, finalized), ``challenging`` (a jury; scores posted, the clock inside the challenge window,
    one challenge open) and ``xss`` (taking submissions; its spec name is HTML), in that order."""
    rng = random.Random(3)
    who = accounts_of()
    org = organizer(store, home)
    jury = deploy_jury(org.factory, who["organizer"], who["jurors"])
    trusted = scored_bounty(org, _prepare(org, "LTC direction", seed=1), store, home, submissions=6, rng=rng)
    disputed = scored_bounty(org, _prepare(org, "LTC direction, judged", seed=2), store, home, submissions=6,
                             rng=rng, jury=jury, dishonest=True, frivolous=True)
    challenging = scored_bounty(org, _prepare(org, "LTC direction, in its window", seed=3), store, home,
                                submissions=3, rng=rng, jury=jury, dishonest=True, finalize=False)
    from bounty_client.protocol.terms import BountyTerms

    with contextlib.redirect_stdout(io.StringIO()):
        xss = org.create(_prepare(org, XSS_NAME, seed=4), BountyTerms(reward="1 ether", max_submissions=10,
                                                                      submission_period=6 * 3600,
                                                                      arbiter=jury.address, **DISPUTE_TERMS))
    return {"factory": org.factory.address, "jury": jury.address, "organizer": who["organizer"].address,
            "participants": [p.address for p in who["participants"]], "sock": who["sock"].address,
            "trusted": trusted["bounty"].address, "disputed": disputed["bounty"].address,
            "disputed_sock": disputed["sock_id"], "disputed_true": disputed["true"],
            "challenging": challenging["bounty"].address, "xss": xss.address,
            "bounties": [trusted["bounty"].address, disputed["bounty"].address, challenging["bounty"].address,
                         xss.address]}


CANDIDATES = [
    {"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "tanh", "loss": "binary_crossentropy"},
    {"lstm_layers": 1, "lstm_units": 6, "dense_layers": 1, "activation": "relu",
     "loss": "sparse_categorical_crossentropy"},
]
#: The sock's model: the cheapest there is.
CHEAPEST = {"lstm_layers": 1, "lstm_units": 2, "dense_layers": 0, "activation": "relu", "loss": "binary_crossentropy"}


def build_trained(store: Any, home: "str | Path", *, xss_name: str, seeds: int = 2) -> dict:
    """The browser tests' world (see the module docstring); returns ``{"factory", "jury", "scored" (the
    challenged bounty), "sock_id", "true" (its re-trained scores), "open", "xss", "bounties"}``."""
    from bounty_client.protocol.terms import BountyTerms
    from bounty_client.roles import Participant, Vault

    who = accounts_of()
    alice, bob = who["participants"][:2]
    org = organizer(store, home)
    jury = deploy_jury(org.factory, who["organizer"], who["jurors"])
    terms = dict(arbiter=jury.address, **DISPUTE_TERMS)

    def person(account: Any, name: str) -> Any:
        return Participant(account, store, vault=Vault(Path(home) / name))

    with contextlib.redirect_stdout(io.StringIO()):
        scored = org.create(_prepare(org, "LTC direction in 2 steps", seed=5, seeds=seeds),
                            BountyTerms(reward="1 ether", max_submissions=10, **terms))
        people = [(alice, "alice", CANDIDATES[0]), (bob, "bob", CANDIDATES[1]), (who["sock"], "sock", CHEAPEST)]
        for account, name, hp in people:
            person(account, name).commit(scored, hp)
        travel(scored.deadlines()[0])
        for account, name, _ in people:
            person(account, name).reveal(scored)
        travel(scored.deadlines()[1])
        org.reveal_test(scored)
        result = org.evaluate(scored, workers=1, progress=False)
        true = dict(result.scores())
        sock_id = scored.commits(submitter=who["sock"].address)[0][0]
        org.post_scores(scored, Posted(result, {**true, sock_id: 9_999}))
        travel(scored.deadlines()[2])
        scored.challenge(sock_id, true[sock_id], sender=alice)
        rule(scored, jury, who["jurors"], store, home, true)
        travel(scored.challenge_deadline())
        org.finalize(scored)
        for account in (alice, bob, org.account):
            if scored.credits(account):
                scored.withdraw(account)
        open_ = org.create(_prepare(org, "BTC-led LTC moves", seed=5, seeds=seeds),
                           BountyTerms(reward="2 ether", max_submissions=10, submission_period=6 * 3600, **terms))
        person(bob, "bob").commit(open_, CANDIDATES[0])
        xss = org.create(_prepare(org, xss_name, seed=5, seeds=seeds),
                         BountyTerms(reward="1 ether", max_submissions=10, submission_period=6 * 3600))
    return {"factory": org.factory.address, "jury": jury.address, "scored": scored.address, "sock_id": sock_id,
            "true": true, "alice": alice.address, "open": open_.address, "xss": xss.address,
            "bounties": [scored.address, open_.address, xss.address]}
