"""verify's future-window check: posted test rows must lie in the window and equal the source's rows.

Real parts: a LocalMarket file (the offline source) and the data module's window helpers; the
whole verify flow on Anvil is in tests/e2e/test_verify_flow.py.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from bounty_client.data import LocalMarket, fetch_window, window_grid
from bounty_client.protocol.hyperparams import HyperparameterBounds
from bounty_client.protocol.spec import TestRule
from bounty_client.record.verification import check_future_rows

#: Bounds the default evaluation window can re-train at its worst case (bounty_client.ml.budget).
SMALL_BOUNDS = HyperparameterBounds(lstm_layers=(1, 2), lstm_units=(1, 8), dense_layers=(0, 1))

STEP = 300
ORIGIN = 1_700_000_100 // STEP * STEP
DEADLINE = ORIGIN + 800 * STEP  # the submission deadline
START, END = window_grid(DEADLINE + 1800, 100 * STEP, STEP)
COINS = ["BTC", "LTC"]


@pytest.fixture
def market(tmp_path) -> LocalMarket:
    return LocalMarket(tmp_path / "market.json", origin=ORIGIN)


@pytest.fixture
def future_spec(spec):
    """The client fixture spec (seq_len 4), with a future test window on the local source."""
    rule = TestRule(mode="future", window=(START, END), source={"kind": "local"}, interval=STEP)
    return dataclasses.replace(spec, test=rule)


def posted(market, spec):
    return fetch_window(market, COINS, (START, END), spec.seq_len, now=END)


def test_check_future_rows__honest_rows__no_problem(market, future_spec):
    assert check_future_rows(future_spec, posted(market, future_spec), now=END, market=market,
                             submission_deadline=DEADLINE) == ([], [])


def test_check_future_rows__a_changed_price__differs_from_the_source(market, future_spec):
    rows = posted(market, future_spec)
    t = pd.Timestamp(START + 10 * STEP, unit="s", tz="UTC")
    rows["LTC"].loc[t, "price"] *= 1.001  # the organizer nudges one label
    problems, notes = check_future_rows(future_spec, rows, now=END, market=market)
    assert notes == [] and len(problems) == 1
    assert problems[0].startswith(f"test rows differ from the source local: LTC {t.strftime('%Y-%m-%dT%H:%M:%SZ')}: "
                                  "price posted")


def test_check_future_rows__rows_outside_the_window__named(market, future_spec):
    early = market.history(COINS, START - (future_spec.seq_len + 2) * STEP, END, now=END)
    problems, _ = check_future_rows(future_spec, early, now=END, market=market)
    assert problems[0].startswith("test rows: ") and "outside the allowed span" in problems[0]


def test_check_future_rows__a_window_open_before_the_submission_deadline__is_a_problem(market, future_spec):
    problems, _ = check_future_rows(future_spec, posted(market, future_spec), now=END, market=market,
                                    submission_deadline=START + STEP)
    assert problems == [f"test window starts at {START}, before the submission deadline {START + STEP}: its prices "
                        "were public while submissions were open"]


def test_check_future_rows__source_out_of_reach_or_too_early__unchecked_not_a_pass_of_the_rows(
        market, future_spec, tmp_path, monkeypatch):
    rows = posted(market, future_spec)
    monkeypatch.setenv("BOUNTY_HOME", str(tmp_path / "verifier"))  # a verifier has no local market file
    problems, unchecked = check_future_rows(future_spec, rows, now=END)
    assert problems == [] and unchecked[0].startswith("rows not compared with the source (local):")
    problems, unchecked = check_future_rows(future_spec, rows, now=END - 1, market=market)
    assert problems == [] and unchecked[0].startswith("rows not compared with the source yet:")
    # the window check itself never depends on the source
    bad = {c: f.set_axis(f.index + pd.Timedelta(seconds=1)).iloc[:-1] for c, f in rows.items()}
    problems, _ = check_future_rows(future_spec, bad, now=END)
    assert problems and "off the grid" in problems[0]


# ------------------------------------------------------------------------------------ seeds
@pytest.fixture(scope="module")
def factory(accounts):
    from bounty_client.chain import deploy_factory

    return deploy_factory(accounts[0])


def _seeds_module(monkeypatch):
    """``bounty_client.protocol.seeds`` with the agreed signature ``evaluation_seeds(randomness: bytes, k: int)``
    (the rule itself belongs to that module; this one reads 4 bytes per seed)."""
    import sys
    import types

    module = types.ModuleType("bounty_client.protocol.seeds")
    module.evaluation_seeds = lambda randomness, k, *rule: [int.from_bytes(randomness[4 * i:4 * i + 4], "big")
                                                             for i in range(k)]
    monkeypatch.setitem(sys.modules, "bounty_client.protocol.seeds", module)
    return module


def test_check_seeds__reports_must_use_the_seeds_of_the_on_chain_randomness(accounts, chain, factory, tmp_path,
                                                                              monkeypatch):
    from bounty_client.data import synthetic_prices
    from bounty_client.ml.evaluation import EvaluationResult
    from bounty_client.record import open_record
    from bounty_client.roles import Organizer
    from bounty_client.protocol.spec import TrainingProtocol
    from bounty_client.storage import open_store
    from bounty_client.roles.vault import Vault
    from bounty_client.record.verification import _check_seeds

    store = open_store(f"local:{tmp_path / 'ipfs'}")
    org = Organizer(accounts[0], store, factory=factory, vault=Vault(tmp_path / "vault"))
    prepared = org.prepare(synthetic_prices(rows=200, seed=3), name="t", target="LTC", seq_len=5, future_period=2,
                           protocol=TrainingProtocol(epochs=1, seeds=2), bounds=SMALL_BOUNDS)
    bounty = org.create(prepared, reward="1 ether")
    record = open_record(bounty, store)
    report = EvaluationResult(results=[], protocol=prepared.spec.protocol, seeds=[1, 2])

    try:
        import bounty_client.protocol.seeds  # noqa: F401
    except ImportError:  # a client without the seeds rule: a note, not a pass and not a failure
        assert _check_seeds(record, [("cid", report)], None) == (
            [], ["seeds not checkable: this client has no bounty_client.protocol.seeds.evaluation_seeds"])
    seeds = _seeds_module(monkeypatch)
    assert _check_seeds(record, [], None) == (["seeds: the evaluation randomness was never drawn on-chain"], [])

    chain.mine(timestamp=bounty.status().reveal_deadline)
    bounty.draw_randomness(accounts[5])  # anyone may draw (two calls: a request, then the next block's hash)
    expected = seeds.evaluation_seeds(bytes(bounty.contract.randomness()), 2)
    honest = EvaluationResult(results=[], protocol=prepared.spec.protocol, seeds=expected)
    assert _check_seeds(record, [("bafyhonest", honest)], honest) == ([], [])
    problems, _ = _check_seeds(record, [("bafyhonest", honest), ("bafypicked", report)], report)
    assert problems == [f"report bafypicked: seeds [1, 2], but the on-chain randomness gives {expected}",
                        f"re-run: seeds [1, 2], but the on-chain randomness gives {expected}"]
