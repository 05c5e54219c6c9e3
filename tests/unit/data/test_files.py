"""Coinpaprika-format CSV files: reading, writing, round trips and every error message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounty_client.data import (
    DataError,
    csv_name,
    read_prices_csv,
    read_prices_dir,
    synthetic_prices,
    validate_prices,
    write_prices_csv,
    write_prices_dir,
)

ORIGINAL = (
    "2022-05-08T00:05:00Z,94.23,1287017975,6618505104\n"
    "2022-05-08T00:10:00Z,94,1287017000,6618505000\n"
    "2022-05-08T00:15:00Z,93.5,1280000000.5,6600000000\n"
)


def write(tmp_path, text, name="LTC-USD.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_read__original_format__parses_ints_decimals_and_utc_timestamps(tmp_path):
    df = read_prices_csv(write(tmp_path, ORIGINAL))
    assert list(df.columns) == ["price", "volume_24h", "market_cap"]
    assert all(dtype == np.float64 for dtype in df.dtypes)
    assert df.index.name == "timestamp"
    assert str(df.index.tz) == "UTC"
    assert df.index[0] == pd.Timestamp("2022-05-08 00:05:00", tz="UTC")
    assert df["price"].tolist() == [94.23, 94.0, 93.5]
    assert df["volume_24h"].iloc[2] == 1280000000.5
    assert df["market_cap"].iloc[0] == 6618505104.0


def test_read__header_line_and_blank_lines__tolerated(tmp_path):
    df = read_prices_csv(write(tmp_path, "timestamp,price,volume_24h,market_cap\n" + ORIGINAL + "\n\n"))
    assert len(df) == 3


def test_write__integral_values__have_no_decimal_point(tmp_path):
    df = read_prices_csv(write(tmp_path, ORIGINAL))
    out = write_prices_csv(df, tmp_path / "out.csv")
    assert out.read_text() == ORIGINAL


def test_write_then_read__synthetic_frames__round_trip_exactly(tmp_path):
    prices = synthetic_prices(rows=300, seed=3)
    paths = write_prices_dir(prices, tmp_path / "prices")
    assert {s: p.name for s, p in paths.items()} == {s: f"{s}-USD.csv" for s in prices}
    back = read_prices_dir(tmp_path / "prices")
    assert list(back) == sorted(prices)
    for symbol, frame in prices.items():
        pd.testing.assert_frame_equal(back[symbol], frame, check_exact=True, check_freq=False)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=1e-8, max_value=1e12, allow_nan=False, allow_infinity=False),
            st.floats(min_value=0, max_value=1e15, allow_nan=False, allow_infinity=False),
            st.integers(min_value=0, max_value=10**15),
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(["5min", "1s", "1D", "1ms"]),
)
def test_write_then_read__any_valid_values__round_trip_exactly(tmp_path_factory, rows, step):
    index = pd.date_range("2022-05-08T00:05:00Z", periods=len(rows), freq=step, name="timestamp")
    frame = pd.DataFrame(rows, index=index, columns=["price", "volume_24h", "market_cap"]).astype(float)
    path = tmp_path_factory.mktemp("rt") / "X-USD.csv"
    write_prices_csv(frame, path)
    pd.testing.assert_frame_equal(read_prices_csv(path), frame, check_exact=True, check_freq=False)


BAD_FILES = [
    # (file text, expected fragments of the message)
    ("2022-05-08T00:05:00Z,94,1,2\n2022-05-08T00:10:00Z,94,1\n", ["line 2", "missing column 'market_cap'", "found 3"]),
    ("2022-05-08T00:05:00Z\n", ["line 1", "missing column 'price'"]),
    ("2022-05-08T00:05:00Z,94,1,2\n2022-05-08T00:10:00Z,94,1,2\n2022-05-08T00:15:00Z,94,1,2,7\n",
     ["line 3", "extra column", "found 5", "'7'"]),
    ("2022-05-08T00:05:00Z,94,1,2\n2022-05-08T00:10:00Z,abc,1,2\n", ["line 2", "column 'price'", "'abc' is not a finite number"]),
    ("2022-05-08T00:05:00Z,94,1,2\n2022-05-08T00:10:00Z,94,,2\n", ["line 2", "column 'volume_24h'", "empty value"]),
    ("2022-05-08T00:05:00Z,94,1,nan\n", ["line 1", "column 'market_cap'", "'nan' is not a finite number"]),
    ("2022-05-08T00:05:00Z,94,1,inf\n", ["line 1", "column 'market_cap'", "not a finite number"]),
    ("yesterday,94,1,2\n", ["line 1", "column 'timestamp'", "'yesterday' is not an ISO-8601", "2022-05-08T00:05:00Z"]),
    ("2022-05-08T00:05:00Z,0,1,2\n", ["line 1", "column 'price'", "price must be > 0, got 0"]),
    ("2022-05-08T00:05:00Z,94,-5,2\n", ["line 1", "column 'volume_24h'", "volume_24h must be >= 0, got -5"]),
    ("2022-05-08T00:05:00Z,94,1,2\n2022-05-08T00:15:00Z,94,1,2\n2022-05-08T00:10:00Z,94,1,2\n",
     ["line 3", "column 'timestamp'", "out of order", "2022-05-08T00:10:00Z comes after 2022-05-08T00:15:00Z on line 2"]),
    ("2022-05-08T00:05:00Z,94,1,2\n\n2022-05-08T00:10:00Z,94,1,2\n2022-05-08T00:05:00Z,94,1,2\n",
     ["line 4", "out of order"]),
    ("2022-05-08T00:05:00Z,94,1,2\n2022-05-08T00:10:00Z,94,1,2\n2022-05-08T00:10:00Z,95,1,2\n",
     ["line 3", "duplicate timestamp 2022-05-08T00:10:00Z", "already on line 2"]),
    ("", ["empty"]),
    ("\n\n", ["empty"]),
    ('2022-05-08T00:05:00Z,"94,1,2\n', ["malformed CSV"]),
]


@pytest.mark.parametrize("text,fragments", BAD_FILES)
def test_read__bad_file__raises_data_error_naming_file_line_column_and_problem(tmp_path, text, fragments):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        read_prices_csv(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert isinstance(info.value, ValueError)


def test_read__error__exposes_line_and_column_attributes(tmp_path):
    with pytest.raises(DataError) as info:
        read_prices_csv(write(tmp_path, "2022-05-08T00:05:00Z,94,1,2\n2022-05-08T00:10:00Z,x,1,2\n"))
    assert (info.value.line, info.value.column, info.value.source) == (2, "price", str(tmp_path / "LTC-USD.csv"))


def test_read__missing_file_or_directory__raises(tmp_path):
    with pytest.raises(DataError, match="nope.csv: file not found"):
        read_prices_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        read_prices_csv(tmp_path)
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DataError, match=r"bin.csv: encoded as UTF-16 LE \(byte-order mark ff fe\), not UTF-8"):
        read_prices_csv(tmp_path / "bin.csv")


def test_read_dir__keys_are_symbols_and_other_files_are_ignored(tmp_path):
    write(tmp_path, ORIGINAL, "LTC-USD.csv")
    write(tmp_path, ORIGINAL, "BTC-USD.csv")
    write(tmp_path, "not,a,price,file\n", "notes.txt")
    write(tmp_path, "junk", "LTC-EUR.csv")
    assert list(read_prices_dir(tmp_path)) == ["BTC", "LTC"]


def test_read_dir__no_price_files_or_no_directory__raises(tmp_path):
    write(tmp_path, "x", "readme.md")
    with pytest.raises(DataError, match=r"no SYMBOL-USD.csv price files .*readme.md"):
        read_prices_dir(tmp_path)
    with pytest.raises(DataError, match="not a directory"):
        read_prices_dir(tmp_path / "missing")


def test_read_dir__bad_file__error_names_that_file(tmp_path):
    write(tmp_path, ORIGINAL, "BTC-USD.csv")
    write(tmp_path, ORIGINAL.replace("94.23", "ninety"), "LTC-USD.csv")
    with pytest.raises(DataError, match=r"LTC-USD.csv: line 1, column 'price': 'ninety'"):
        read_prices_dir(tmp_path)


def test_write__bad_frame__raises_before_touching_the_existing_file(tmp_path):
    path = write(tmp_path, ORIGINAL)
    frame = read_prices_csv(path)
    frame.iloc[1, 0] = np.nan
    with pytest.raises(DataError, match=r"LTC-USD.csv: column 'price': row 1 \(2022-05-08T00:10:00Z\): nan is not a finite"):
        write_prices_csv(frame, path)
    assert path.read_text() == ORIGINAL
    assert [p.name for p in tmp_path.iterdir()] == ["LTC-USD.csv"]  # no temp file left behind


def test_write_dir__one_bad_frame__writes_nothing(tmp_path):
    prices = synthetic_prices(coins=("BTC", "LTC"), rows=10)
    prices["LTC"] = prices["LTC"].drop(columns="market_cap")
    with pytest.raises(DataError, match=r"LTC-USD.csv: column 'market_cap': missing column\(s\) 'market_cap'"):
        write_prices_dir(prices, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_write_dir__bad_symbol_or_empty__raises(tmp_path):
    frame = synthetic_prices(coins=("BTC",), rows=3)["BTC"]
    with pytest.raises(DataError, match=r"coin symbol 'BTC/USD' must be letters and digits"):
        write_prices_dir({"BTC/USD": frame}, tmp_path)
    with pytest.raises(DataError, match="no coins to write"):
        write_prices_dir({}, tmp_path)
    assert csv_name("LTC") == "LTC-USD.csv"


def test_write__missing_directory__raises(tmp_path):
    frame = synthetic_prices(coins=("BTC",), rows=3)["BTC"]
    with pytest.raises(DataError, match="directory does not exist"):
        write_prices_csv(frame, tmp_path / "missing" / "BTC-USD.csv")


def test_validate__frames__errors_name_source_row_and_column():
    frame = synthetic_prices(coins=("BTC",), rows=5)["BTC"]
    with pytest.raises(DataError, match=r"^prices: index must be a DatetimeIndex"):
        validate_prices(frame.reset_index(drop=True))
    with pytest.raises(DataError, match=r"^p: no rows"):
        validate_prices(frame.iloc[:0], source="p")
    shuffled = frame.iloc[[0, 2, 1, 3, 4]]
    with pytest.raises(DataError, match=r"column 'timestamp': timestamps out of order: .* on row 1 \(2022-05-08T00:15:00Z\)"):
        validate_prices(shuffled)
    dup = frame.iloc[[0, 1, 1, 2]]
    with pytest.raises(DataError, match=r"duplicate timestamp 2022-05-08T00:10:00Z \(already on row 1"):
        validate_prices(dup)
    text = frame.astype(object)
    text.iloc[3, 1] = "lots"
    with pytest.raises(DataError, match=r"column 'volume_24h': not numeric"):
        validate_prices(text)
    negative = frame.copy()
    negative.iloc[4, 2] = -1
    with pytest.raises(DataError, match=r"column 'market_cap': row 4 \(2022-05-08T00:25:00Z\): market_cap must be >= 0"):
        validate_prices(negative)
    with pytest.raises(DataError, match="expected a pandas DataFrame, got list"):
        validate_prices([1, 2])


def test_validate__naive_index_or_timestamp_column__becomes_utc_index():
    frame = synthetic_prices(coins=("BTC",), rows=5)["BTC"]
    naive = frame.copy()
    naive.index = naive.index.tz_localize(None)
    pd.testing.assert_frame_equal(validate_prices(naive), frame, check_freq=False)
    as_column = frame.reset_index()
    as_column["timestamp"] = as_column["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    pd.testing.assert_frame_equal(validate_prices(as_column), frame, check_freq=False)


def test_write__tiny_and_huge_values__are_written_without_exponents(tmp_path):
    index = pd.date_range("2022-05-08T00:05:00Z", periods=2, freq="5min", name="timestamp")
    frame = pd.DataFrame(
        {"price": [1e-05, 123.456], "volume_24h": [0.0, 2.5e20], "market_cap": [1e16, 0.5]}, index=index
    )
    path = write_prices_csv(frame, tmp_path / "X-USD.csv")
    assert path.read_text() == (
        "2022-05-08T00:05:00Z,0.00001,0,10000000000000000\n"
        "2022-05-08T00:10:00Z,123.456,250000000000000000000,0.5\n"
    )
    pd.testing.assert_frame_equal(read_prices_csv(path), frame, check_exact=True, check_freq=False)


def test_format_prices_csv__equals_the_file_text_and_validates(tmp_path):
    from bounty_client.data import format_prices_csv, parse_prices_csv

    frame = synthetic_prices(coins=("BTC",), rows=20)["BTC"]
    path = write_prices_csv(frame, tmp_path / "BTC-USD.csv")
    text = format_prices_csv(frame)
    assert text == path.read_text()
    pd.testing.assert_frame_equal(parse_prices_csv(text), frame, check_exact=True, check_freq=False)
    with pytest.raises(DataError, match=r"^BTC: column 'price': missing column"):
        format_prices_csv(frame.drop(columns="price"), source="BTC")


def test_read__other_utc_offsets_and_naive_timestamps__are_converted_to_utc(tmp_path):
    text = "2022-05-08T02:05:00+02:00,94,1,2\n2022-05-08T00:10:00Z,94,1,2\n2022-05-08 00:15:00,94,1,2\n"
    df = read_prices_csv(write(tmp_path, text))
    assert list(df.index) == list(pd.date_range("2022-05-08T00:05:00Z", periods=3, freq="5min"))
    # A row that is out of order only once converted to UTC is still caught.
    with pytest.raises(DataError, match="line 2, column 'timestamp': timestamps out of order"):
        read_prices_csv(write(tmp_path, "2022-05-08T00:05:00Z,94,1,2\n2022-05-08T01:00:00+01:00,94,1,2\n"))
