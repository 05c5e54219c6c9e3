"""Future-window market sources: the past is served, the future is refused, and a test label
only ever reads prices inside the window (bounty_client.data.market, build_dataset(test_window=))."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from coinpaprika_double import FakeCoinpaprika, serve, ticks

from bounty_client.data import (
    CoinpaprikaClient,
    CoinpaprikaMarket,
    DataError,
    LocalMarket,
    Market,
    NotYetAvailableError,
    build_dataset,
    check_window_rows,
    compare_with_source,
    fetch_window,
    join_prices,
    market_for,
    validate_prices,
    window_grid,
    window_span,
)
from bounty_client.protocol.spec import TestRule

STEP = 300
ORIGIN = 1_700_000_100 // STEP * STEP  # the market's first row (on the 5-minute grid)
COINS = ["BTC", "LTC"]
SEQ, FP = 8, 3
CREATED = ORIGIN + 700 * STEP  # the organizer publishes rows up to here
DEADLINE = CREATED + 3600  # submission deadline
START, END = window_grid(DEADLINE + 1800, 150 * STEP, STEP)  # the test window, after the deadline
SRC = str(Path(__file__).resolve().parents[3] / "src")


@pytest.fixture
def market_path(tmp_path) -> Path:
    return tmp_path / "home" / "market.json"


@pytest.fixture
def market(market_path) -> LocalMarket:
    return LocalMarket(market_path, origin=ORIGIN)


def ts(seconds: int) -> pd.Timestamp:
    return pd.Timestamp(seconds, unit="s", tz="UTC")


def posted_rows(market: LocalMarket, *, context: int = SEQ) -> dict[str, pd.DataFrame]:
    """What the organizer posts once the window has closed: the window plus `context` rows before it."""
    return fetch_window(market, COINS, (START, END), context, now=END)


def public_rows(market: LocalMarket) -> dict[str, pd.DataFrame]:
    return market.history(COINS, ORIGIN, CREATED, now=CREATED)


def build(public, hidden, **kw):
    return build_dataset(public, target="LTC", seq_len=SEQ, future_period=FP, hidden=hidden,
                         test_window=(START, END), interval="5min", **kw)


# --------------------------------------------------------------------------- the clock


def test_fetch_window__one_second_before_the_end__refused__at_the_end__the_window_and_its_context(market):
    with pytest.raises(NotYetAvailableError):
        fetch_window(market, COINS, (START, END), SEQ, now=END - 1)
    rows = fetch_window(market, COINS, (START, END), SEQ, now=END)
    assert window_span((START, END), SEQ, STEP) == (START - SEQ * STEP, END)
    for frame in rows.values():
        assert frame.index[0] == ts(START - SEQ * STEP) and frame.index[-1] == ts(END)
        assert len(frame) == SEQ + (END - START) // STEP + 1


def test_window_grid__start_is_the_first_grid_time_at_or_after__end_rounded_up():
    assert window_grid(1000, 600, 300) == (1200, 1800)
    assert window_grid(1200, 601, 300) == (1200, 2100)
    with pytest.raises(DataError, match="duration and interval"):
        window_grid(1200, 0, 300)


def test_local_market__end_one_second_before_at_and_after_now(market):
    row = ORIGIN + 100 * STEP  # a grid time
    got = market.history(["LTC"], ORIGIN, row, now=row)["LTC"]  # end == now: the row at now exists
    assert got.index[-1] == ts(row) and len(got) == 101
    assert market.history(["LTC"], ORIGIN, row - 1, now=row)["LTC"].index[-1] == ts(row - STEP)
    with pytest.raises(NotYetAvailableError, match="do not exist yet") as err:
        market.history(["LTC"], ORIGIN, row + 1, now=row)
    assert "chain's time" in str(err.value) and isinstance(err.value, DataError)


def test_local_market__rows_are_price_tables_on_the_grid_and_follow_the_synthetic_model(tmp_path):
    # a market file written by hand with a fixed secret, so the statistics below are deterministic
    path = tmp_path / "fixed.json"
    path.write_text(json.dumps({"kind": "ml-bounty local market", "version": 1, "secret": "07" * 32,
                                "interval": STEP, "origin": ORIGIN}))
    market = LocalMarket(path, create=False)
    frames = market.history(["BTC", "ETH", "LTC"], ORIGIN, ORIGIN + 3000 * STEP, now=ORIGIN + 3000 * STEP)
    for frame in frames.values():
        pd.testing.assert_frame_equal(frame, validate_prices(frame), check_exact=True)
        assert (np.diff(frame.index.asi8) == STEP * 10**9).all()
        assert (frame.index.asi8 // 10**9 % STEP == 0).all()
    assert frames["LTC"]["price"].iloc[0] == 94.0  # the synthetic profile's first price
    btc = np.diff(np.log(frames["BTC"]["price"].to_numpy()))
    for coin in ("ETH", "LTC"):  # coins move with a shared market factor, as in synthetic_prices
        assert np.corrcoef(btc, np.diff(np.log(frames[coin]["price"].to_numpy())))[0, 1] > 0.4


def test_local_market__the_past_never_changes_as_time_goes_on_and_does_not_depend_on_the_coins_asked(market_path):
    early = LocalMarket(market_path, origin=ORIGIN).history(["LTC"], ORIGIN, CREATED, now=CREATED)["LTC"]
    later = LocalMarket(market_path)  # a new process's view, asked much later and for more coins
    frames = later.history(["BTC", "LTC", "DOGE"], ORIGIN + 5 * STEP, END, now=END + 10**6)
    pd.testing.assert_frame_equal(frames["LTC"].loc[: ts(CREATED)], early.loc[ts(ORIGIN + 5 * STEP):], check_exact=True)
    # a piece asked alone equals the same rows of a long request (prefix-stable simulation)
    piece = later.history(["LTC"], START, START + 10 * STEP, now=END)["LTC"]
    pd.testing.assert_frame_equal(piece, frames["LTC"].loc[ts(START): ts(START + 10 * STEP)], check_exact=True)


def test_local_market__bad_requests_name_the_problem(market):
    with pytest.raises(DataError, match="before this market's first row"):
        market.history(["LTC"], ORIGIN - STEP, ORIGIN, now=ORIGIN)
    with pytest.raises(DataError, match="is before start"):
        market.history(["LTC"], ORIGIN + STEP, ORIGIN, now=ORIGIN + STEP)
    with pytest.raises(DataError, match="now: must be the chain's time"):
        market.history(["LTC"], ORIGIN, ORIGIN, now="soon")
    with pytest.raises(DataError, match="not the string"):
        market.history("LTC", ORIGIN, ORIGIN, now=ORIGIN)
    with pytest.raises(DataError, match="no 300s grid time"):
        market.history(["LTC"], ORIGIN + 1, ORIGIN + 2, now=ORIGIN + 2)


# ----------------------------------------------------------------- the secret and its file


def test_local_market__file_is_0600_and_the_secret_is_fresh_randomness(market, tmp_path):
    assert stat.S_IMODE(os.stat(market.path).st_mode) == 0o600
    record = json.loads(market.path.read_text())
    assert len(bytes.fromhex(record["secret"])) == 32
    # same public parameters (origin, interval), another market file: other prices. Nothing
    # published (a spec, a seed, a chain value) determines the rows; only the file's secret does.
    other = LocalMarket(tmp_path / "other.json", origin=ORIGIN)
    a = market.history(["LTC"], ORIGIN, CREATED, now=CREATED)["LTC"]["price"]
    b = other.history(["LTC"], ORIGIN, CREATED, now=CREATED)["LTC"]["price"]
    assert not np.array_equal(a.to_numpy()[1:], b.to_numpy()[1:])


def test_local_market__missing_file_without_create__and_malformed_file__errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match="no local market file") as err:
        LocalMarket(tmp_path / "absent.json", create=False)
    assert "absent.json" in str(err.value)
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "something else"}')
    with pytest.raises(DataError, match="not a local market file"):
        LocalMarket(bad)
    bad.write_text("{nope")
    with pytest.raises(DataError, match="bad.json: the market file is not JSON"):
        LocalMarket(bad)


_PROCESS = textwrap.dedent(
    """
    import hashlib, sys
    from bounty_client.data import LocalMarket, format_prices_csv
    m = LocalMarket(None if sys.argv[1] == "-" else sys.argv[1], origin={origin})
    rows = m.history(["LTC"], {origin}, {end}, now={end})["LTC"]
    print(m.path, hashlib.sha256(format_prices_csv(rows).encode()).hexdigest())
    """
).format(origin=ORIGIN, end=CREATED)


def _spawn(arg: str, home: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC, "BOUNTY_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-c", _PROCESS, arg], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_local_market__two_processes_racing_to_create_it_see_the_same_market(tmp_path):
    home = tmp_path / "home"
    procs = [_spawn("-", home), _spawn("-", home)]  # both start before the file exists
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(out.split())
    assert outs[0] == outs[1]
    assert outs[0][0] == str(home / "market.json")  # the default path: $BOUNTY_HOME/market.json
    here = LocalMarket(home / "market.json").history(["LTC"], ORIGIN, CREATED, now=CREATED)["LTC"]
    from bounty_client.data import format_prices_csv
    import hashlib

    assert hashlib.sha256(format_prices_csv(here).encode()).hexdigest() == outs[0][1]


# ------------------------------------------------------------ the attack: learn a test label early


def test_participant_with_everything_published__cannot_get_any_test_label_before_the_window_has_it(market):
    public = public_rows(market)  # the CSVs the spec publishes
    assert max(f.index[-1] for f in public.values()) < ts(START)  # public rows end before the window
    first_label_row = START + FP * STEP  # the earliest price any test label reads besides its own row
    for now in (DEADLINE, START - 1, START, first_label_row - 1):
        # the market file is not published, but anyone may query the market's past:
        with pytest.raises(NotYetAvailableError):
            market.history(COINS, START - SEQ * STEP, END, now=now)
        served = market.history(COINS, START - SEQ * STEP, min(now, END), now=now) if now >= START - SEQ * STEP \
            else None
        if served is None:
            continue
        assert all(f.index[-1] <= ts(now) for f in served.values())
        # with every row that exists at `now`, not one test window has its label yet
        with pytest.raises(DataError, match="no test window fits"):
            build(public, served)
    # once the window has closed, the organizer (and anyone) gets every test label
    ds = build(public, posted_rows(market))
    assert ds.has_test and len(ds.y_test) == (END - START) // STEP + 1 - FP


def test_test_labels__read_only_prices_inside_the_window(market):
    public, posted = public_rows(market), posted_rows(market)
    ds = build(public, posted)
    assert ds.t_test[0] == ts(START)  # the first window ends at the window's first row
    assert ds.test_window == (START, END) and ds.metadata()["test_window"] == [START, END]
    assert ds.t_test[-1] + pd.Timedelta(seconds=FP * STEP) == ts(END)  # its label is the window's last row
    # the organizer bends every context price: no test label moves (features may)
    bent = {c: f.copy() for c, f in posted.items()}
    for f in bent.values():
        f.loc[f.index < ts(START), "price"] *= 3.0
    ds2 = build(public, bent)
    np.testing.assert_array_equal(ds2.y_test, ds.y_test)
    # a price inside the window does move a label (so the check above can fail): the first
    # label compares the prices at START and START + FP steps; pushing the latter far up or
    # down makes it 1 or 0, and one of the two differs from the true label
    labels = []
    for factor in (100.0, 0.01):
        inside = {c: f.copy() for c, f in posted.items()}
        inside["LTC"].loc[ts(START + FP * STEP), "price"] *= factor
        labels.append(int(build(public, inside).y_test[0]))
    assert labels == [1, 0]
    # the labels are the window's own up/down moves
    joined, _ = join_prices(posted)
    price = joined["LTC_price"]
    expected = [int(price[t + pd.Timedelta(seconds=FP * STEP)] > price[t]) for t in ds.t_test]
    assert ds.y_test.tolist() == expected


def test_future_dataset__training_part_is_what_a_participant_builds_from_the_public_rows(market):
    public = public_rows(market)
    organizer = build(public, posted_rows(market))
    participant = build_dataset(public, target="LTC", seq_len=SEQ, future_period=FP, interval="5min")
    for name in ("x_train", "y_train", "x_val", "y_val", "scaler_mean", "scaler_std"):
        np.testing.assert_array_equal(getattr(organizer, name), getattr(participant, name))
    assert not participant.has_test


def test_future_dataset__one_context_row_missing__drops_exactly_the_first_test_window(market):
    public = public_rows(market)
    ds = build(public, posted_rows(market, context=SEQ - 1))
    assert ds.t_test[0] == ts(START + STEP) and ds.gap_windows["test"] == 1


def test_future_dataset__a_row_missing_inside_the_window__drops_the_windows_across_it(market):
    public, posted = public_rows(market), posted_rows(market)
    holed = {c: f.drop(ts(START + 50 * STEP)) for c, f in posted.items()}
    ds = build(public, holed)
    full = build(public, posted)
    # windows ending SEQ rows after the hole down to FP rows before it span it: SEQ + FP of them
    assert ds.gap_windows["test"] == SEQ + FP
    assert len(ds.y_test) == len(full.y_test) - SEQ - FP - 1  # ... and the missing row ends no window
    assert ts(START + 50 * STEP) not in ds.t_test and ts(START + (50 - FP - 1) * STEP) in ds.t_test


def test_future_dataset__rows_outside_the_window_and_its_context__refused(market):
    public = public_rows(market)
    late = market.history(COINS, START - SEQ * STEP, END + STEP, now=END + STEP)
    with pytest.raises(DataError, match=r"test rows\['BTC'\].*outside the allowed span"):
        build(public, late)
    with pytest.raises(DataError, match="needs the window's posted rows"):
        build_dataset(public, target="LTC", seq_len=SEQ, future_period=FP, test_window=(START, END))


# --------------------------------------------------------------------------- verify helpers


def test_check_window_rows__accepts_the_window_and_its_context__refuses_anything_else(market):
    rows = posted_rows(market)
    check_window_rows(rows, (START, END), SEQ, STEP)
    check_window_rows({c: f.iloc[::2] for c, f in rows.items()}, (START, END), SEQ, STEP)  # missing rows: fine
    early = {c: f for c, f in market.history(COINS, START - (SEQ + 1) * STEP, END, now=END).items()}
    with pytest.raises(DataError, match=r"row .* is outside the allowed span") as err:
        check_window_rows(early, (START, END), SEQ, STEP)
    assert ts(START - (SEQ + 1) * STEP).strftime("%Y-%m-%dT%H:%M:%SZ") in str(err.value)
    shifted = {c: f.set_axis(f.index + pd.Timedelta(seconds=1)) for c, f in rows.items()}
    shifted = {c: f.iloc[:-1] for c, f in shifted.items()}  # keep them inside the span
    with pytest.raises(DataError, match="off the grid"):
        check_window_rows(shifted, (START, END), SEQ, STEP)
    with pytest.raises(DataError, match="start .* must be before end"):
        check_window_rows(rows, (END, START), SEQ, STEP)


def test_compare_with_source__equal_rows_ok__a_changed_value_or_row_is_the_first_difference(market):
    rows = posted_rows(market)
    span = (START - SEQ * STEP, END)
    same = compare_with_source(rows, market, END, span=span)
    assert same.ok and same.reachable and same.rows_compared == 2 * len(rows["LTC"])
    changed = {c: f.copy() for c, f in rows.items()}
    t = ts(START + 20 * STEP)
    original = changed["LTC"].loc[t, "volume_24h"]
    changed["LTC"].loc[t, "volume_24h"] = original + 1
    result = compare_with_source(changed, market, END, span=span)
    assert not result.ok and result.reachable
    assert result.difference == (f"LTC {t.strftime('%Y-%m-%dT%H:%M:%SZ')}: volume_24h posted {original + 1!r}, "
                                 f"source {original!r}")
    dropped = {c: f.drop(t) for c, f in rows.items()}  # an organizer drops a row to remove windows
    assert "the posted data lacks it" in compare_with_source(dropped, market, END, span=span).difference
    with pytest.raises(NotYetAvailableError):
        compare_with_source(rows, market, END - 1, span=span)


# ------------------------------------------------------------------------------ coinpaprika


def grid_ticks(coin: str, first: int, rows: int) -> list[dict]:
    out = ticks(coin, rows=rows, seed=5)
    for i, row in enumerate(out):
        row["timestamp"] = ts(first + i * STEP).strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


@pytest.fixture
def paprika():
    """The coinpaprika double with a clock, serving BTC and LTC rows from ORIGIN on."""
    api = FakeCoinpaprika(
        data={"btc-bitcoin": grid_ticks("BTC", ORIGIN, 200), "ltc-litecoin": grid_ticks("LTC", ORIGIN, 200)},
        now=ORIGIN + 100 * STEP,
    )
    with serve(api):
        yield api


def test_coinpaprika_double__with_a_clock__serves_only_rows_up_to_now(paprika):
    client = CoinpaprikaClient(base_url=paprika.url, sleep=lambda s: None)
    frame = client.historical("ltc-litecoin", ts(ORIGIN), ts(ORIGIN + 150 * STEP))
    assert frame.index[-1] == ts(ORIGIN + 100 * STEP)
    paprika.now += 10 * STEP  # the chain (and the world) moves on
    assert client.historical("ltc-litecoin", ts(ORIGIN))["price"].size == 111


def test_coinpaprika_market__past_rows_equal_the_api__future_refused_without_a_request(paprika):
    market = CoinpaprikaMarket(CoinpaprikaClient(base_url=paprika.url, sleep=lambda s: None), interval=STEP)
    assert isinstance(market, Market)
    now = paprika.now
    got = market.history(COINS, ORIGIN, now, now=now)
    served = paprika.data["ltc-litecoin"][:101]  # the rows up to now
    assert got["LTC"]["price"].tolist() == [r["price"] for r in served]
    assert got["LTC"].index[-1] == ts(now)
    asked = len(paprika.requests)
    with pytest.raises(NotYetAvailableError, match="do not exist yet"):
        market.history(COINS, ORIGIN, now + 1, now=now)
    assert len(paprika.requests) == asked  # refused before anything is sent


def test_participant_lying_about_now_to_coinpaprika__gets_only_what_the_world_has(paprika):
    """Our clock check protects honest callers; the real guarantee is the source's own clock."""
    market = CoinpaprikaMarket(CoinpaprikaClient(base_url=paprika.url, sleep=lambda s: None), interval=STEP)
    world = paprika.now
    window = (world + 10 * STEP, world + 60 * STEP)  # a test window that has not begun
    got = market.history(["LTC"], world - 20 * STEP, window[1], now=window[1] + 10**6)["LTC"]  # a forged now
    assert got.index[-1] == ts(world)  # nothing after the server's clock: not one window row, no label
    assert not (got.index >= ts(window[0] - SEQ * STEP)).any()


def test_compare_with_source__on_coinpaprika__ok_tampered_and_unreachable(paprika):
    market = CoinpaprikaMarket(CoinpaprikaClient(base_url=paprika.url, sleep=lambda s: None), interval=STEP)
    now = paprika.now
    span = (ORIGIN + 50 * STEP, now)
    rows = market.history(COINS, *span, now=now)
    assert compare_with_source(rows, market, now, span=span).ok
    forged = {c: f.copy() for c, f in rows.items()}
    forged["BTC"].iloc[3, 0] *= 1.01
    assert compare_with_source(forged, market, now, span=span).difference.startswith(
        f"BTC {rows['BTC'].index[3].strftime('%Y-%m-%dT%H:%M:%SZ')}: price posted")
    offline = CoinpaprikaMarket(CoinpaprikaClient(base_url="http://127.0.0.1:9/v1", retries=0, timeout=2,
                                                  sleep=lambda s: None), interval=STEP)
    result = compare_with_source(rows, offline, now, span=span)
    assert not result.reachable and not result.ok and "connection failed" in result.problem


def test_market_for__builds_the_source_the_spec_names(market, tmp_path):
    local = TestRule(mode="future", window=(START, END), source={"kind": "local"}, interval=STEP)
    assert market_for(local, market_file=market.path).path == market.path
    with pytest.raises(DataError, match="no local market file"):
        market_for(local, market_file=tmp_path / "none.json")  # a verifier never creates a market
    hourly = TestRule(mode="future", window=(START // 3600 * 3600, END // 3600 * 3600 + 3600),
                      source={"kind": "local"}, interval=3600)
    with pytest.raises(DataError, match="interval is 300s but the spec's test.interval is 3600s"):
        market_for(hourly, market_file=market.path)
    paprika = TestRule(mode="future", window=(START, END), source={"kind": "coinpaprika",
                                                                   "base_url": "http://127.0.0.1:1/v1"}, interval=STEP)
    m = market_for(paprika)
    assert isinstance(m, CoinpaprikaMarket) and m.client.base_url == "http://127.0.0.1:1/v1"
    with pytest.raises(DataError, match="not a future window"):
        market_for(TestRule())
