"""verify's future-window check: posted test rows must lie in the window and equal the source's rows.

Real parts: a LocalMarket file (the offline source) and the data module's window helpers; the
whole verify flow on Anvil is in tests/e2e/test_verify_flow.py.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from bounty_client.data import LocalMarket, fetch_window, window_grid
from bounty_client.spec import TestRule
from bounty_client.verification import check_future_rows

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


def test_check_future_rows__source_out_of_reach_or_too_early__a_note_not_a_pass_of_the_rows(
        market, future_spec, tmp_path, monkeypatch):
    rows = posted(market, future_spec)
    monkeypatch.setenv("BOUNTY_HOME", str(tmp_path / "verifier"))  # a verifier has no local market file
    problems, notes = check_future_rows(future_spec, rows, now=END)
    assert problems == [] and notes[0].startswith("test rows not compared with the source (local):")
    problems, notes = check_future_rows(future_spec, rows, now=END - 1, market=market)
    assert problems == [] and notes[0].startswith("test rows not compared with the source yet:")
    # the window check itself never depends on the source
    bad = {c: f.set_axis(f.index + pd.Timedelta(seconds=1)).iloc[:-1] for c, f in rows.items()}
    problems, _ = check_future_rows(future_spec, bad, now=END)
    assert problems and "off the grid" in problems[0]
