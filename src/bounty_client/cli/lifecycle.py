"""The whole story end to end: what ``ape run lifecycle`` (and ``make demo``) runs.

It replays the original project's five stages on a connected Ape network
(local Anvil by default, or a fork), printing each step, and returns a summary
dict (the script prints it as its last line, as JSON).  Time is advanced with
Anvil's time travel; on a network that cannot travel the run stops with a
message instead.

Test modes (``--test-mode``; see the README's "Data modes"):

* ``future`` (the default): the organizer publishes a local market's prices up to the
  chain's time (:class:`bounty_client.data.LocalMarket` under the run's home, an offline
  stand-in for coinpaprika); the test part is the window that opens at the reveal deadline
  and is posted after it closes (time travel moves the chain past it).  Nobody, the
  organizer included, can know a test label while submissions or reveals are open.
* ``sealed``: synthetic prices from a secret seed (``os.urandom``, kept in the private store,
  never printed nor in the spec); the hidden rows are committed at creation.
* ``--data DIR`` / ``--coinpaprika``: a sealed REPLAY of historical prices: anyone with the same
  history can reconstruct the test part, so it demonstrates the mechanics, not secrecy.

Demo sizes (``make demo`` within about 120 s on two cores): 3 participants x 3 local trials
of 1 epoch, k = 2 evaluation seeds x 2 epochs on ~790 training windows (1000 public rows per
coin) and a 200-row test window (~190 test windows); the participants' trials, the
organizer's evaluation and verify's re-computation are the time.  ``min_accuracy`` is 0 so
the demo always pays the best submission: on this weakly predictable market a few epochs
score near 5000 (what a constant predictor gets), so a real bounty that wants skill sets a
minimum above 5000 plus the noise the report shows.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..chain import find_or_deploy_factory
from ..errors import ArgumentError, ChainError
from ..storage.base import ContentStore

__all__ = ["LifecycleConfig", "run_lifecycle", "demo_candidates", "load_lifecycle_prices"]


@dataclass
class LifecycleConfig:
    """Options of ``ape run lifecycle`` (see ``ape run lifecycle --help``)."""

    participants: int = 3
    trials: int = 3
    epochs: int = 2
    search_epochs: int = 1
    seeds: int = 2
    test_mode: "str | None" = None  # None: future, unless --data/--coinpaprika (sealed replay)
    window_rows: int = 200
    reward: str = "10 ether"
    seed: int = 7
    target: str = "LTC"
    seq_len: int = 10
    future_period: int = 3
    min_accuracy: int = 0
    rows: int = 1000
    data_dir: "str | None" = None
    coinpaprika: bool = False
    coinpaprika_start: "str | None" = None
    store: "str | None" = None
    workers: int = 2
    backend: str = "processes"
    ray_address: "str | None" = None
    factory: "str | None" = None
    home: "str | None" = None
    progress: bool = True
    #: a RerunJury of three staked jurors judges the scores (False: trusted scores, no challenges)
    jury: bool = True
    #: the organizer posts a false top score for its sock; a participant's verify catches it and challenges
    dishonest_organizer: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise :class:`~bounty_client.errors.ArgumentError` naming the first bad option."""
        checks = [
            ("participants", 1 <= self.participants <= 5, "must be 1..5 (Anvil's test accounts 1..5; 6 is the "
                                                           "organizer's sock, 7..9 the jurors)"),
            ("trials", self.trials >= 1, "must be >= 1"),
            ("epochs", self.epochs >= 1, "must be >= 1"),
            ("search_epochs", self.search_epochs >= 1, "must be >= 1"),
            ("seq_len", self.seq_len >= 1, "must be >= 1"),
            ("future_period", self.future_period >= 1, "must be >= 1"),
            ("min_accuracy", 0 <= self.min_accuracy <= 10_000, "must be 0..10000 basis points"),
            ("workers", self.workers >= 1, "must be >= 1"),
            ("rows", self.rows >= 50, "must be >= 50"),
            ("seeds", 1 <= self.seeds <= 32, "must be 1..32 evaluation seeds"),
            ("window_rows", self.window_rows > self.future_period, "must be more than --future-period"),
            ("test_mode", self.test_mode in (None, "future", "sealed"), "must be 'future' or 'sealed'"),
        ]
        for name, ok, why in checks:
            if not ok:
                raise ArgumentError(f"--{name.replace('_', '-')}: {getattr(self, name)} {why}")
        if self.data_dir and self.coinpaprika:
            raise ArgumentError("--data and --coinpaprika are exclusive: choose one price source")
        if self.dishonest_organizer and not self.jury:
            raise ArgumentError("--dishonest-organizer needs the jury: without an arbiter a false score cannot be "
                                "challenged (drop --no-jury)")
        if self.test_mode == "future" and (self.data_dir or self.coinpaprika):
            raise ArgumentError("--test-mode future: historical prices (--data, --coinpaprika) can only be replayed "
                                "sealed; a future window needs a market that has no rows past the chain's time")

    @property
    def mode(self) -> str:
        """The test mode this run uses: ``"future"`` or ``"sealed"``."""
        if self.test_mode is not None:
            return self.test_mode
        return "sealed" if (self.data_dir or self.coinpaprika) else "future"


def demo_candidates(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """``n`` small configurations drawn from the demo's search space (cheap to train)."""
    out = []
    for _ in range(n):
        out.append(
            {
                "lstm_layers": rng.choice([1, 1, 2]),
                "lstm_units": rng.choice([4, 8, 16, 24, 32]),
                "dense_layers": rng.choice([0, 1, 2]),
                "activation": rng.choice(["relu", "tanh", "elu", "gelu", "swish"]),
                "loss": rng.choice(["sparse_categorical_crossentropy", "binary_crossentropy", "hinge"]),
                "dropout": rng.choice([0.0, 0.1, 0.2]),
                "learning_rate": rng.choice([0.001, 0.003, 0.01]),
            }
        )
    return out


def secret_synthetic_prices(rows: int, private_store: "ContentStore | None" = None) -> dict[str, Any]:
    """Synthetic ``{symbol: price table}`` (``rows`` per coin) from a fresh 63-bit secret seed
    (``secrets``, i.e. ``os.urandom``), never a published value: whoever knew the seed could
    regenerate the hidden rows.  The seed goes to ``private_store`` (when given), never to output."""
    import json
    import secrets

    from .. import data

    secret_seed = secrets.randbits(63)
    if private_store is not None:
        private_store.add(json.dumps({"kind": "ml-bounty/synthetic-data-secret", "seed": secret_seed}).encode())
    return data.synthetic_prices(rows=rows, seed=secret_seed)


def load_lifecycle_prices(cfg: LifecycleConfig,
                          private_store: "ContentStore | None" = None) -> tuple[dict[str, Any], str]:
    """The organizer's raw prices (sealed mode) and a description of where they came from.

    Synthetic prices come from a secret seed (``secrets``, i.e. ``os.urandom``), never from a
    published value (the spec, ``--seed``): the hidden rows it generates would otherwise be
    reproducible by anyone.  The seed is kept in ``private_store`` (when given), never printed."""
    from .. import data

    if cfg.data_dir:
        prices = data.read_prices_dir(cfg.data_dir)
        return prices, (f"{len(prices)} coinpaprika CSV files from {cfg.data_dir} -- a REPLAY of historical "
                        "prices: anyone with the same history can reconstruct the test part")
    if cfg.coinpaprika:
        import pandas as pd

        client = data.CoinpaprikaClient()
        start = pd.Timestamp(cfg.coinpaprika_start or "2022-05-08T00:00:00Z")
        end = start + pd.Timedelta(minutes=5 * cfg.rows)
        prices = {s: client.historical(cid, start, end, interval="5m") for s, cid in data.COIN_IDS.items()}
        return prices, (f"coinpaprika API, {', '.join(prices)} from {start} -- a REPLAY of historical prices: "
                        "anyone can download the same test part")
    prices = secret_synthetic_prices(cfg.rows, private_store)
    return prices, (f"synthetic generator ({cfg.rows} rows x {len(prices)} coins, 5-minute steps) from a secret "
                    "seed kept in the private store (not in the spec)")


def _utc(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(int(ts)))


def _eth(wei: int) -> str:
    return f"{wei / 1e18:,.4f} ETH"


def _advance_to(timestamp: int, say: Callable[[str], None]) -> None:
    """Move the chain to ``timestamp`` with the one clock the role commands use too
    (:func:`bounty_client.chain.travel_to`: any development node, the one Ape starts or one reached
    by URL); refused in one line on a live network."""
    from ..chain import mined_timestamp, travel_to

    now = mined_timestamp()
    if now >= timestamp:
        return
    travel_to(timestamp)
    say(f"   ... time travel: +{timestamp - now} s")


#: Anvil's test accounts in the story: 0 the organizer, 1..5 the participants, 6 the organizer's
#: sock (--dishonest-organizer), 7..9 the jurors.
ORGANIZER, SOCK, JURORS = 0, 6, (7, 8, 9)
NAMES = ["alice", "bob", "carol", "dave", "erin"]
#: The demo jury's terms: a 1 ETH stake per juror, 0.01 ETH per dispute, an hour to commit and an
#: hour to reveal; the bounty gives a day of challenges and a day of rulings.
JURY_STAKE, JURY_FEE, JURY_PERIOD = 10**18, 10**16, 3600


def _deploy_jury(factory: Any, jurors: "list[Any]", deployer: Any, say: Callable[[str], None]) -> Any:
    from ..chain import Jury, mined_timestamp

    jury = Jury.deploy(factory, jurors, sender=deployer, stake=JURY_STAKE, fee=JURY_FEE, commit_period=JURY_PERIOD,
                       reveal_period=JURY_PERIOD, tolerance_bps=200, slash_bps=2_000,
                       service_end=mined_timestamp() + 30 * 86_400)
    for juror in jurors:
        jury.stake(sender=juror)
    say(f"   deployed a RerunJury at {jury.address}: {len(jurors)} jurors, each staking {_eth(JURY_STAKE)}; "
        f"{_eth(JURY_FEE)} per dispute")
    return jury


def run_lifecycle(cfg: LifecycleConfig, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the lifecycle on the connected network; returns the summary dict."""
    from pathlib import Path

    from ape import accounts, chain, networks

    from ..chain import Bounty, record_factory
    from ..paths import default_home
    from ..protocol.hyperparams import HyperparameterBounds, Hyperparameters
    from ..protocol.spec import TrainingProtocol
    from ..protocol.terms import BountyTerms
    from ..protocol.wire import CreditReason, Outcome
    from ..record import open_record, verify
    from ..roles import Challenger, Juror, Organizer, Participant, Vault
    from ..storage import open_store

    cfg.validate()
    from ..chain import is_dev_node

    if not is_dev_node():
        # The story moves the clock through every deadline: refused here, before any transaction.
        raise ChainError(f"lifecycle: {networks.provider.network_choice} is not a local development node (Anvil, "
                         "Hardhat): the demo travels in time through every deadline. Start `anvil --port 8545` and "
                         "run `ape run lifecycle --network http://127.0.0.1:8545` (make demo-node)")
    started = time.perf_counter()
    root = Path(cfg.home).expanduser() if cfg.home else default_home()
    homes = {"organizer": root / "organizer"}
    store_url = cfg.store or f"local:{root / 'ipfs'}"
    store = open_store(store_url)
    test_accounts = accounts.test_accounts
    organizer_acct = test_accounts[ORGANIZER]
    people = [test_accounts[i] for i in range(1, cfg.participants + 1)]
    names = NAMES[: cfg.participants]
    for name in names:
        homes[name] = root / name
    sock = test_accounts[SOCK] if cfg.dishonest_organizer else None
    juror_accts = [test_accounts[i] for i in JURORS] if cfg.jury else []
    for n, _ in enumerate(juror_accts, 1):
        homes[f"juror-{n}"] = root / f"juror-{n}"

    say(f"ML Bounty lifecycle on {networks.provider.network_choice} (chain id {chain.chain_id})")
    say(f"store: {store!r}")

    # 1. preprocessing ------------------------------------------------------------
    say("\n[1/7] Preprocessing (organizer)")
    mode = cfg.mode
    protocol = TrainingProtocol(epochs=cfg.epochs, batch_size=64, seed=cfg.seed, seeds=cfg.seeds)
    bounds = HyperparameterBounds(lstm_layers=(1, 2), lstm_units=(1, 64), dense_layers=(0, 2))
    organizer = Organizer(organizer_acct, store, vault=Vault(homes["organizer"]))
    common = dict(name=f"{cfg.target} direction in {cfg.future_period} steps", target=cfg.target,
                  seq_len=cfg.seq_len, future_period=cfg.future_period, protocol=protocol, bounds=bounds,
                  min_accuracy_bps=cfg.min_accuracy,
                  description="Predict whether the target coin's price is higher future_period steps ahead.")
    coins = ["BTC", "ETH", "LTC", "BCH"]
    if mode != "future":  # the data is checked before the first transaction (deploying the factory and jury)
        prices, source = load_lifecycle_prices(cfg, organizer.private_store)
        say(f"   prices: {source}")
        if cfg.target not in prices:
            raise ArgumentError(f"--target: {cfg.target!r} is not among the coins {sorted(prices)}")
        prepared = organizer.prepare(prices, **common)
    elif cfg.target not in coins:
        raise ArgumentError(f"--target: {cfg.target!r} is not among the coins {sorted(coins)}")
    factory, deployed = find_or_deploy_factory(organizer_acct, cfg.factory)
    # On a node that stays, record the factory where `ape run bounty list/status/...` find it later (as create
    # --deploy-factory does); Ape's throwaway node (a process Ape started) vanishes with its contracts.
    if deployed and getattr(networks.provider, "process", None) is None:
        record_factory(factory)
    jury = _deploy_jury(factory, juror_accts, organizer_acct, lambda line: None) if cfg.jury else None
    dispute_terms: dict[str, Any] = {}
    if jury is not None:
        dispute_terms = dict(arbiter=jury.address, challenge_period=86_400, resolution_period=86_400)
    if mode == "future":
        from ..data import LocalMarket

        market = LocalMarket(organizer.market_file)
        # The evaluation period covers the window (it opens at the reveal deadline) plus an hour.
        terms = organizer.check_create_args(BountyTerms(
            reward=cfg.reward, max_submissions=100, evaluation_period=cfg.window_rows * market.interval + 3600,
            **dispute_terms))
        # The deadlines count from the next block: after the deployments above, so none of the window is lost.
        prepared = organizer.prepare_future(market, terms, symbols=coins, history_rows=cfg.rows,
                                            window_rows=cfg.window_rows, **common)
        say(f"   prices: {market!r}, the offline stand-in for a public market: {cfg.rows} rows per coin up to "
            "the chain's time")
    else:
        terms = organizer.check_create_args(BountyTerms(reward=cfg.reward, max_submissions=100, **dispute_terms))
    for f in prepared.spec.data_files:
        say(f"   public  {f.label:<8} {f.cid}")
    rule = prepared.spec.test
    if rule.is_future:
        say(f"   test part: the future window {_utc(rule.window[0])} .. {_utc(rule.window[1])} "
            f"({cfg.window_rows} rows of {rule.interval} s), opening at the reveal deadline: its prices do not exist "
            "yet")
    else:
        say("   test part: sealed (hidden rows in the organizer's private store; committed at creation, "
            "published after the reveal deadline)")
    say(f"   spec {prepared.spec_cid}: {prepared.spec!r}")
    say("   public part (the test part is not summarised before it is published):")
    for line in str(prepared.summary).splitlines():
        say(f"   {line}")

    # 2. initialization -----------------------------------------------------------
    say("\n[2/7] Initialization (organizer)")
    say(f"   deployed BountyFactory at {factory.address} (recorded for this chain)" if deployed
        else f"   using BountyFactory at {factory.address} from configuration")
    if jury is not None:
        say(f"   arbiter: a RerunJury at {jury.address} of {len(juror_accts)} staked jurors "
            f"({_eth(JURY_STAKE)} each, {_eth(JURY_FEE)} per dispute)")
    else:
        say("   no arbiter (--no-jury): the organizer's scores are trusted, checkable but not challengeable")
    organizer.factory = factory
    coalition = [organizer_acct, *([sock] if sock is not None else [])]
    before = {a.address: int(a.balance) for a in [*coalition, *people]}
    say(f"   organizer balance before: {_eth(before[organizer_acct.address])}")
    bounty = organizer.create(prepared, terms)
    st = bounty.status()
    say(f"   bounty {bounty.address}: reward {_eth(st.reward)}, bond {_eth(st.bond)}, min {prepared.spec.metric} "
        f"{st.min_accuracy} bps" + (" (the demo's few epochs score near the 5000 a constant guess gets: a real "
                                    "bounty sets its minimum above that plus the noise)" if st.min_accuracy < 5000
                                    else ""))
    say(f"   deadlines: submissions {_utc(st.submission_deadline)}, reveals {_utc(st.reveal_deadline)}, "
        f"evaluation {_utc(st.evaluation_deadline)}"
        + (f", challenges {_utc(st.challenge_deadline)}, rulings {_utc(st.resolution_deadline)}" if jury else ""))
    say(f"   organizer balance after:  {_eth(int(organizer_acct.balance))}")
    if rule.is_future:
        say(f"   test data accepted from {_utc(bounty.creation().test_data_after)} (the window's end)")
    else:
        say(f"   test commitment {prepared.test_commitment.hex()}")

    # 3. submission ----------------------------------------------------------------
    say("\n[3/7] Submission (participants)")
    rng = random.Random(cfg.seed)
    role = {name: Participant(acct, store, vault=Vault(homes[name])) for name, acct in zip(names, people)}
    for name, acct in zip(names, people):
        p = role[name]
        data = p.download(bounty)
        say(f"   {name} ({acct.address[:10]}…) downloaded {len(data)} files, CIDs verified")
        result = p.search(bounty, demo_candidates(rng, cfg.trials), epochs=cfg.search_epochs)
        sid = p.commit(bounty, result.best)
        say(f"   {name} tried {cfg.trials} configurations, best validation {int(result.leaderboard['val_bps'].iloc[0])} bps;"
            f" committed submission #{sid} (sealed)")
    sock_role = None
    if sock is not None:
        homes["sock"] = root / "sock"
        sock_role = Participant(sock, store, vault=Vault(homes["sock"]))
        cheapest = Hyperparameters(1, 1, 0, "relu", "binary_crossentropy")
        sid = sock_role.commit(bounty, cheapest)
        say(f"   the organizer's sock ({sock.address[:10]}…) committed the cheapest model as #{sid}")

    # 4. reveal ---------------------------------------------------------------------
    say("\n[4/7] Reveal")
    _advance_to(st.submission_deadline, say)
    for name in names:
        ids = role[name].reveal(bounty)
        say(f"   {name} revealed #{', #'.join(map(str, ids))}")
    if sock_role is not None:
        say(f"   the sock revealed #{', #'.join(map(str, sock_role.reveal(bounty)))}")

    # 5. evaluation ------------------------------------------------------------------
    say("\n[5/7] Evaluation (organizer)")
    _advance_to(st.reveal_deadline, say)
    if rule.is_future:
        _advance_to(bounty.creation().test_data_after, say)  # the window closes: its rows now exist
    # Test data only after the reveal deadline and the randomness draw (no selective reveal).
    organizer.reveal_test(bounty)  # future mode: post_test_data
    record = open_record(bounty, store)
    seeds = record.evaluation_seeds()
    say(f"   randomness {record.randomness().hex()} drawn on-chain after the reveal deadline (two calls: a "
        "request, then the next block's hash)")
    say(f"   evaluation seeds ({prepared.spec.protocol.seed_rule}): {seeds}")
    verb = "posted the window's rows" if rule.is_future else "revealed the test set"
    say(f"   organizer {verb}: {bounty.revealed_test_data()[0]}"
        + ("" if rule.is_future else " (commitment checked on-chain)"))
    options = {"ray_address": cfg.ray_address} if cfg.backend == "ray" else {}
    result = organizer.evaluate(bounty, workers=cfg.workers, backend=cfg.backend, progress=cfg.progress, **options)
    if sock is not None:
        # The dishonest organizer: its sock's cheap model "scores" 9999, the others keep their true scores.
        sock_id = bounty.commits(submitter=sock.address)[0][0]
        true_scores = dict(result.scores())
        forged = {**true_scores, sock_id: 9_999}
        # What any organizer can do: the contract takes the scores it posts (that is what challenges are for).
        report_cid = store.add(json.dumps(result.report(), sort_keys=True, default=str).encode())
        ids = sorted(forged)
        bounty.post_scores(ids, [forged[i] for i in ids], report_cid, sender=organizer_acct)
        say(f"   the organizer posted 9999 bps for its sock #{sock_id} (true score {true_scores[sock_id]}) and the "
            f"true scores of the others, report {report_cid}")
    else:
        posted = organizer.post_scores(bounty, result)
        say(f"   posted {len(result.leaderboard)} scores with report {posted.report_cid}")
    for line in result.leaderboard.to_string(index=False).splitlines():
        say(f"   {line}")
    for line in result.how_to_read().splitlines():
        say(f"   {line}")

    # 6. challenge window ------------------------------------------------------------
    challenges: list[dict[str, Any]] = []
    rulings: list[dict[str, Any]] = []
    if jury is not None:
        say("\n[6/7] Challenge window: scores are provisional until " + _utc(bounty.challenge_deadline()))
        watcher = Challenger(people[0], store, workers=cfg.workers, backend=cfg.backend)
        found = watcher.check(bounty)
        say(f"   {names[0]} re-ran the evaluation from the public record (verify): "
            + ("every score on record confirmed" if not found else
               "; ".join(d.describe() for d in found)))
        if found:
            for sent in watcher.challenge(bounty, differences=found):
                d = sent.difference
                challenges.append({"key": d.key, "posted_bps": d.on_record, "claimed_bps": d.recomputed,
                                   "challenger": people[0].address})
                say(f"   {names[0]} challenged #{d.key}: claims {d.recomputed} bps against {d.on_record}, paying the "
                    f"bond {_eth(st.challenge_bond)} + fee {_eth(JURY_FEE)}")
            jurors = [Juror(a, store, jury, vault=Vault(homes[f"juror-{n}"]), workers=1, backend="sequential")
                      for n, a in enumerate(juror_accts, 1)]
            disputes = jury.disputes(bounty.address, open_only=True)
            for d in disputes:
                for n, juror in enumerate(jurors, 1):
                    answer, _ = juror.commit(d.id)
                    say(f"   juror {n} re-ran #{d.key} and committed a sealed answer ({answer} bps)")
            _advance_to(max(d.commit_deadline for d in disputes), say)
            for d in disputes:
                for n, juror in enumerate(jurors, 1):
                    juror.reveal(d.id)
            say(f"   the {len(jurors)} jurors revealed their answers")
            _advance_to(max(d.reveal_deadline for d in disputes), say)
            for d in disputes:
                jurors[0].resolve(d.id)
            for ruled in bounty.disputes():
                rulings.append({"key": ruled.key, "ruling_bps": ruled.ruling, "upheld": ruled.upheld})
                say(f"   ruling: {ruled.describe()}")
            if bounty.ranking_stale():
                bounty.rerank(sender=people[0])
                say(f"   {names[0]} rebuilt the ranking from the posted batches (rerank): "
                    + ", ".join(f"#{i} {s} bps" for i, s in bounty.ranking()))
        _advance_to(bounty.challenge_deadline(), say)
        say("   the challenge window closed: the scores on record are final")
    else:
        say("\n[6/7] Challenge window: none (--no-jury: no arbiter, the posted scores are final; verify still "
            "checks them)")

    # 7. final ----------------------------------------------------------------------
    say("\n[7/7] Final")
    organizer.finalize(bounty)
    st = bounty.status()
    say(f"   finalized: outcome {st.outcome.name}")
    winner_addr = None
    by_addr = {a.address: (n, a, role[n]) for n, a in zip(names, people)}
    by_addr[organizer_acct.address] = ("organizer", organizer_acct, organizer)
    if sock_role is not None:
        by_addr[sock.address] = ("sock", sock, sock_role)
    for addr, (name, acct, party) in by_addr.items():
        credit = bounty.credits(acct)
        if credit:
            receipt = party.withdraw(bounty)
            say(f"   {name} withdrew {_eth(credit)} (gas {receipt.gas_used:,})")
        if party is not organizer and bounty.claimable_ids(acct):
            amount = sum(bounty.claimable(i) for i in bounty.claimable_ids(acct))
            party.claim(bounty)
            say(f"   {name} claimed its deposit back: {_eth(amount)}")
    # The reward paid out: prize (or abandonment) credits only, not the deposits nor the organizer's refund and bond.
    paid = sum(c.amount for c in bounty.credited() if c.reason is CreditReason.PRIZE)
    if st.outcome is Outcome.SHARED:
        paid = st.reward - sum(c.amount for c in bounty.credited() if c.reason is CreditReason.REFUND)
    if st.ranking and st.ranking[0][1] >= st.min_accuracy and st.outcome is Outcome.PRIZES:
        winner_id, winner_score = st.ranking[0]
        winner_addr = dict(bounty.commits())[winner_id]
    else:
        winner_id, winner_score = None, None
    for addr, (name, acct, _) in by_addr.items():
        delta = int(acct.balance) - before.get(addr, int(acct.balance))
        say(f"   {name:<9} balance {_eth(int(acct.balance))} ({'+' if delta >= 0 else ''}{delta / 1e18:.4f})")
    organizer_net = sum(int(a.balance) - before[a.address] for a in coalition)
    say(f"   the organizer{' and its sock' if sock is not None else ''}: {organizer_net / 1e18:+.4f} ETH in all "
        f"(an honest organizer: -{st.reward / 1e18:g} ETH, the reward, plus gas)")
    say(f"   contract balance: {_eth(int(chain.provider.get_balance(bounty.address)))}")

    say("\nVerify: re-computing every score from chain + store")
    # The offline market is the organizer's file: a participant compares the posted window with a copy of it
    # (verify --market-file); without one, verify would end UNVERIFIED, never OK.
    from ..data import LocalMarket

    source = LocalMarket(organizer.market_file, create=False) if rule.is_future else None
    report = verify(bounty, store, workers=cfg.workers, progress=False, market=source)
    for line in report.table.to_string(index=False).splitlines():
        say(f"   {line}")
    for problem in report.problems:
        say(f"   problem: {problem}")
    for line in report.unverified:
        say(f"   unverified: {line}")
    say(f"   verify: {report.status.upper()}")
    _say_where(say, bounty, networks.provider, homes, store_url, organizer.market_file if rule.is_future else None)
    return {
        "bounty": bounty.address,
        "factory": factory.address,
        "arbiter": jury.address if jury is not None else None,
        "winner": winner_addr,
        "winning_score_bps": winner_score,
        "reward_paid_eth": paid / 1e18,
        "submissions": int(st.submission_count),
        "verify": report.status,
        "test_mode": rule.mode,
        "test_window": list(rule.window) if rule.is_future else None,
        "submission_deadline": int(st.submission_deadline),
        "seeds": list(result.seeds),
        "metric": result.metric,
        "challenges": challenges,
        "rulings": rulings,
        "organizer_net_eth": round(organizer_net / 1e18, 6),
        "homes": {name: str(path) for name, path in homes.items()},
        "store": store_url,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _say_where(say: Callable[[str], None], bounty: Any, provider: Any, homes: "dict[str, Any]", store: str,
               market_file: Any = None) -> None:
    """Where the run left its bounty and homes, and the commands that carry on from them (``market_file``: the
    offline market a participant's verify compares a future window's rows with)."""
    uri = getattr(provider, "http_uri", None) or getattr(provider, "uri", None)
    # Ape started this node for the command (it stops with it) when the provider holds its process.
    lasting = getattr(provider, "process", None) is None
    network = f" --network {uri}" if uri else ""
    say("\nWhere things are")
    for name, path in homes.items():
        say(f"   {name:<10} BOUNTY_HOME={path}")
    say(f"   store      --store {store}")
    if uri and lasting:
        say("   look at it (the node stays up):")
        say(f"     ape run bounty status {bounty.address}{network}")
        say(f"     ape run bounty leaderboard {bounty.address} --store {store}{network}")
        say(f"     BOUNTY_HOME={homes.get('alice', next(iter(homes.values())))} ape run bounty verify {bounty.address} "
            f"--store {store}{network}" + (f" --market-file {market_file}" if market_file else ""))
        say(f"     ape run bounty explorer --store {store}{network}")
    else:
        say("   this chain ends with the command (Ape's throwaway Anvil): to keep a bounty to look at, start "
            "`anvil --port 8545` and run `ape run lifecycle --network http://127.0.0.1:8545` (make demo-node)")
