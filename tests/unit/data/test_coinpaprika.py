"""The coinpaprika client against a local HTTP double of the API (see conftest.FakeCoinpaprika)."""

from __future__ import annotations

import json
import socket

import pandas as pd
import pytest
from coinpaprika_double import slow, ticks

from bounty_client.data import COIN_IDS, CoinpaprikaClient, DataError, read_prices_csv, write_prices_csv

START = "2022-05-08T00:05:00Z"


def client(api, **kw):
    sleeps = []
    kw.setdefault("backoff", 0.01)
    c = CoinpaprikaClient(base_url=api.url, sleep=sleeps.append, **kw)
    return c, sleeps


def expected(coin="LTC", rows=120):
    frame = pd.DataFrame(ticks(coin, rows)).set_index("timestamp")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index, utc=True), name="timestamp")
    return frame.astype(float)


def test_historical__one_page__returns_a_price_table_and_sends_the_documented_query(fake_api):
    c, sleeps = client(fake_api)
    frame = c.historical("ltc-litecoin", START, "2022-05-08T10:00:00Z", interval="5m", limit=5000)
    pd.testing.assert_frame_equal(frame, expected().loc[:"2022-05-08T10:00:00Z"], check_exact=True)
    assert fake_api.requests == [
        {
            "path": "/v1/tickers/ltc-litecoin/historical",
            "start": "2022-05-08T00:05:00Z",
            "end": "2022-05-08T10:00:00Z",
            "interval": "5m",
            "limit": "5000",
        }
    ]
    assert sleeps == []


def test_historical__long_range__pages_past_the_last_timestamp(fake_api):
    fake_api.max_rows = 50  # the server caps rows per call
    c, _ = client(fake_api)
    frame = c.historical("ltc-litecoin", START, limit=50)
    pd.testing.assert_frame_equal(frame, expected(), check_exact=True)
    starts = [r["start"] for r in fake_api.requests]
    # 50 + 50 + 20 rows, then an empty page ends the download.
    assert starts == ["2022-05-08T00:05:00Z", "2022-05-08T04:10:01Z", "2022-05-08T08:20:01Z", "2022-05-08T10:00:01Z"]
    assert all("end" not in r for r in fake_api.requests)


def test_historical__server_caps_rows_below_the_limit__still_gets_everything(fake_api):
    fake_api.max_rows = 30
    c, _ = client(fake_api)
    frame = c.historical("ltc-litecoin", START, "2022-05-08T09:00:00Z")  # limit=5000 asked, 30 served
    pd.testing.assert_frame_equal(frame, expected().loc[:"2022-05-08T09:00:00Z"], check_exact=True)
    assert len(fake_api.requests) == 4  # 30 + 30 + 30 + 18 rows, the last page reaches `end`


def test_historical__page_ending_exactly_at_end__stops_without_an_extra_request(fake_api):
    c, _ = client(fake_api)
    frame = c.historical("ltc-litecoin", START, "2022-05-08T04:10:00Z", limit=50)
    assert len(frame) == 50 and len(fake_api.requests) == 1


def test_historical__429_then_200__waits_retry_after_and_succeeds(fake_api):
    fake_api.script = [(429, {"Retry-After": "2"}, '{"error":"Too many requests"}')]
    c, sleeps = client(fake_api)
    frame = c.historical("ltc-litecoin", START)
    assert len(frame) == 120
    assert sleeps == [2.0]
    assert len(fake_api.requests) == 3  # 429, the data, then the empty page that ends the range


def test_historical__429_without_retry_after__backs_off_exponentially(fake_api):
    fake_api.script = [(429, {}, "slow down"), (503, {}, "busy"), (502, {}, "bad gateway")]
    c, sleeps = client(fake_api, backoff=0.5)
    assert len(c.historical("ltc-litecoin", START)) == 120
    assert sleeps == [0.5, 1.0, 2.0]


def test_historical__server_errors_exhaust_retries__raise_with_status_and_body(fake_api):
    fake_api.script = [(500, {}, '{"error":"internal failure, id 42"}')] * 3
    c, sleeps = client(fake_api, retries=2, backoff=0.1)
    with pytest.raises(DataError) as info:
        c.historical("ltc-litecoin", START)
    message = str(info.value)
    assert "giving up after 3 attempt(s)" in message
    assert "HTTP 500 Internal Server Error" in message and "internal failure, id 42" in message
    assert message.startswith(f"{fake_api.url}/tickers/ltc-litecoin/historical?start=")
    assert sleeps == [0.1, 0.2]
    assert len(fake_api.requests) == 3


def test_historical__client_error__is_not_retried(fake_api):
    c, sleeps = client(fake_api)
    with pytest.raises(DataError, match=r"HTTP 404 Not Found: '\{\"error\": \"id not found\"\}'"):
        c.historical("xyz-nocoin", START)
    assert len(fake_api.requests) == 1 and sleeps == []


def test_historical__slow_answer__times_out_and_retries(fake_api):
    fake_api.script = [slow(1.0)]
    c, sleeps = client(fake_api, timeout=0.2, retries=1)
    assert len(c.historical("ltc-litecoin", START)) == 120
    assert len(sleeps) == 1


def test_historical__always_slow__raises_timeout_error(fake_api):
    fake_api.script = [slow(1.0), slow(1.0)]
    c, _ = client(fake_api, timeout=0.2, retries=1)
    with pytest.raises(DataError, match=r"giving up after 2 attempt\(s\); last error: no response within the 0.2s timeout"):
        c.historical("ltc-litecoin", START)


def test_historical__nothing_listening__raises_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = []
    c = CoinpaprikaClient(base_url=f"http://127.0.0.1:{port}/v1", retries=2, backoff=0.01, sleep=sleeps.append)
    with pytest.raises(DataError, match=r"giving up after 3 attempt\(s\); last error: connection failed"):
        c.historical("btc-bitcoin", START)
    assert sleeps == [0.01, 0.02]


@pytest.mark.parametrize(
    "body,message",
    [
        ("<html>oops</html>", r"invalid JSON in the HTTP 200 response: '<html>oops</html>'"),
        ('{"error": "Invalid parameters"}', r"API error: 'Invalid parameters'"),
        ('{"rows": []}', r"expected a JSON list of ticks, got dict"),
        ('[{"timestamp": "2022-05-08T00:05:00Z", "price": 1, "volume_24h": 2, "market_cap": 3},'
         ' {"timestamp": "2022-05-08T00:10:00Z", "volume_24h": 2, "market_cap": 3}]',
         r"column 'price': row 1: missing field 'price'"),
        ('[{"timestamp": "2022-05-08T00:05:00Z", "price": null, "volume_24h": 2, "market_cap": 3}]',
         r"column 'price': row 0: price is None, not a number"),
        ('[{"timestamp": "soon", "price": 1, "volume_24h": 2, "market_cap": 3}]',
         r"column 'timestamp': row 0: 'soon' is not an ISO-8601 timestamp"),
        ('[{"timestamp": "2022-05-08T00:05:00Z", "price": -1, "volume_24h": 2, "market_cap": 3}]',
         r"column 'price': row 0 \(2022-05-08T00:05:00Z\): price must be > 0"),
        ("[7]", r"row 0: expected an object, got 7"),
    ],
)
def test_historical__bad_body__raises_naming_the_problem(fake_api, body, message):
    fake_api.script = [(200, {}, body)]
    c, _ = client(fake_api)
    with pytest.raises(DataError, match=message):
        c.historical("ltc-litecoin", START)


def test_historical__empty_range__raises(fake_api):
    c, _ = client(fake_api)
    with pytest.raises(DataError, match=r"no rows for ltc-litecoin from 2023-01-01T00:00:00Z to now at interval 5m"):
        c.historical("ltc-litecoin", "2023-01-01")


@pytest.mark.parametrize(
    "kw,message",
    [
        ({"coin_id": "LTC/../x"}, "coin_id: 'LTC/../x' is not a coinpaprika id"),
        ({"interval": "7m"}, "interval: '7m' is not one of 5m, 10m"),
        ({"limit": 0}, "limit: must be an integer from 1 to 5000, got 0"),
        ({"limit": 5001}, "limit: must be an integer from 1 to 5000"),
        ({"start": "not a date"}, "start: 'not a date' is not a date or timestamp"),
        ({"end": "2022-05-07"}, "end 2022-05-07T00:00:00Z is before start 2022-05-08T00:05:00Z"),
    ],
)
def test_historical__bad_arguments__raise_before_any_request(fake_api, kw, message):
    c, _ = client(fake_api)
    args = {"coin_id": "ltc-litecoin", "start": START, **kw}
    with pytest.raises(DataError) as info:
        c.historical(**args)
    assert message in str(info.value)
    assert fake_api.requests == []


def test_prices__symbols_map_to_coin_ids_and_files_round_trip(fake_api, tmp_path):
    assert COIN_IDS == {"BTC": "btc-bitcoin", "ETH": "eth-ethereum", "LTC": "ltc-litecoin", "BCH": "bch-bitcoin-cash"}
    c, _ = client(fake_api)
    prices = c.prices(["BTC", "LTC"], start=START)
    assert list(prices) == ["BTC", "LTC"]
    write_prices_csv(prices["LTC"], tmp_path / "LTC-USD.csv")
    pd.testing.assert_frame_equal(read_prices_csv(tmp_path / "LTC-USD.csv"), expected(), check_exact=True)
    with pytest.raises(DataError, match=r"unknown coin symbol\(s\) \['DOGE'\]"):
        c.prices(["DOGE"], start=START)
    fake_api.data["doge-dogecoin"] = ticks("DOGE", 10)
    assert len(c.prices(["DOGE"], start=START, coin_ids={"DOGE": "doge-dogecoin"})["DOGE"]) == 10


def test_client__api_key__is_sent_and_hidden_in_repr(fake_api):
    c, _ = client(fake_api, api_key="secret")
    assert "secret" not in repr(c) and "api_key=***" in repr(c)
    c.historical("ltc-litecoin", START)
    assert fake_api.headers[-1]["Authorization"] == "secret"
    assert fake_api.headers[-1]["Accept"] == "application/json"
    with CoinpaprikaClient(base_url=fake_api.url) as plain:
        assert "CoinpaprikaClient(base_url='http://127.0.0.1:" in repr(plain)


@pytest.mark.parametrize(
    "kw,message",
    [({"retries": -1}, "retries: must be an integer >= 0"), ({"timeout": 0}, "timeout: must be a positive"),
     ({"backoff": -1}, "backoff: must be a positive")],
)
def test_client__bad_settings__raise(kw, message):
    with pytest.raises(ValueError, match=message):
        CoinpaprikaClient(**kw)


def test_client__retry_after_http_date__is_honoured(fake_api):
    from email.utils import format_datetime
    from datetime import datetime, timedelta, timezone

    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    fake_api.script = [(503, {"Retry-After": when}, json.dumps({"error": "maintenance"}))]
    c, sleeps = client(fake_api)
    c.historical("ltc-litecoin", START)
    assert 25 < sleeps[0] <= 30
