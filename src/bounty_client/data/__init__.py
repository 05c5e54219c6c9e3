"""Price data for ML Bounty: sources (coinpaprika HTTP, CSV files, synthetic) and dataset building.

Quick start (offline)::

    from bounty_client.data import synthetic_prices, split_hidden, build_dataset
    prices = synthetic_prices(rows=2000, seed=0)            # {"BTC": frame, ...}
    public, hidden = split_hidden(prices, test_fraction=0.2)
    ds = build_dataset(public, target="LTC", seq_len=8, future_period=3, hidden=hidden)
    ds.summary()

Future-window test sets (prices that do not exist before the window closes)::

    from bounty_client.data import LocalMarket, build_dataset
    market = LocalMarket()                        # $BOUNTY_HOME/market.json, secret from os.urandom
    public = market.history(["BTC", "LTC"], now - 86400, now, now=now)   # the past: fine
    market.history(["LTC"], start, end, now=now)  # end > now: NotYetAvailableError

Every problem with the data raises :class:`DataError` (a ``ValueError``) whose
message names the file / URL / coin, the line or row, the column and the problem.
"""

from .coinpaprika import COIN_IDS, CoinpaprikaClient
from .dataset import Dataset, build_dataset, join_prices, min_public_rows, split_hidden
from .errors import DataError
from .files import (
    COLUMNS,
    CSV_FIELDS,
    csv_name,
    format_prices_csv,
    decode_csv_bytes,
    parse_prices_csv,
    read_prices_csv,
    read_prices_dir,
    validate_prices,
    write_prices_csv,
    write_prices_dir,
)
from .market import (
    CoinpaprikaMarket,
    LocalMarket,
    Market,
    NotYetAvailableError,
    SourceComparison,
    check_window_rows,
    compare_with_source,
    default_market_path,
    fetch_window,
    market_for,
    window_market,
    window_grid,
    window_span,
)
from .synthetic import PROFILES, CoinProfile, synthetic_prices

__all__ = [
    "COIN_IDS",
    "COLUMNS",
    "CSV_FIELDS",
    "CoinProfile",
    "CoinpaprikaClient",
    "CoinpaprikaMarket",
    "DataError",
    "Dataset",
    "LocalMarket",
    "Market",
    "NotYetAvailableError",
    "SourceComparison",
    "check_window_rows",
    "compare_with_source",
    "default_market_path",
    "market_for",
    "window_market",
    "window_grid",
    "window_span",
    "fetch_window",
    "PROFILES",
    "build_dataset",
    "csv_name",
    "format_prices_csv",
    "join_prices",
    "min_public_rows",
    "parse_prices_csv",
    "decode_csv_bytes",
    "read_prices_csv",
    "read_prices_dir",
    "split_hidden",
    "synthetic_prices",
    "validate_prices",
    "write_prices_csv",
    "write_prices_dir",
]
