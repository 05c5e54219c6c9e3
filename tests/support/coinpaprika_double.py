"""A local stand-in for the coinpaprika API, served on 127.0.0.1 by the ``fake_api`` fixture."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from bounty_client.data import synthetic_prices


def ticks(coin: str = "LTC", rows: int = 120, seed: int = 0) -> list[dict]:
    """Rows in the shape coinpaprika's /tickers/{id}/historical returns (integers for volume and cap)."""
    frame = synthetic_prices(coins=(coin,), rows=rows, seed=seed)[coin]
    return [
        {
            "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "price": float(row.price),
            "volume_24h": int(row.volume_24h),
            "market_cap": int(row.market_cap),
        }
        for ts, row in frame.iterrows()
    ]


@dataclass
class FakeCoinpaprika:
    """A double for https://api.coinpaprika.com/v1 on 127.0.0.1 (there is no internet here).

    It serves ``GET /v1/tickers/{coin_id}/historical`` like the real API: rows
    from ``data[coin_id]`` with ``start <= timestamp <= end``, at most ``limit``
    (and at most ``max_rows``) per response, as a JSON list of
    ``{timestamp, price, volume_24h, market_cap}``; unknown ids get 404 with
    coinpaprika's ``{"error": ...}`` body. ``script`` is a queue of canned
    responses ``(status, headers, body)`` or callables served first, one per
    request, to play rate limits, server errors, slow answers and bad bodies.

    ``now`` (unix seconds, or ``None`` for the wall clock) is the double's clock: like the
    real API it serves only rows with ``timestamp <= now`` (a later ``end`` is cut to ``now``;
    the rows after it do not exist yet). Tests move it forward as the chain's time moves.
    """

    data: dict[str, list[dict]] = field(default_factory=dict)
    max_rows: int = 5000
    script: list = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)  #: request headers, one dict per request
    url: str = ""
    now: int | None = None

    def respond(self, path: str, query: dict[str, str], headers: dict | None = None) -> tuple[int, dict, str]:
        self.requests.append({"path": path, **query})
        self.headers.append(dict(headers or {}))
        if self.script:
            step = self.script.pop(0)
            if callable(step):
                step = step()
            if step is not None:
                return step
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["v1", "tickers"] or parts[3] != "historical":
            return 404, {}, json.dumps({"error": "not found"})
        coin = parts[2]
        if coin not in self.data:
            return 404, {}, json.dumps({"error": "id not found"})
        start = pd.Timestamp(query["start"])
        clock = pd.Timestamp.now(tz="UTC") if self.now is None else pd.Timestamp(self.now, unit="s", tz="UTC")
        end = min(pd.Timestamp(query["end"]), clock) if "end" in query else clock
        limit = min(int(query.get("limit", 1000)), self.max_rows)
        rows = [r for r in self.data[coin] if start <= pd.Timestamp(r["timestamp"]) <= end][:limit]
        return 200, {}, json.dumps(rows)



def slow(seconds: float) -> Callable[[], None]:
    """A script step that answers normally, but only after ``seconds``."""

    def step():
        time.sleep(seconds)
        return None

    return step


@contextlib.contextmanager
def serve(api: FakeCoinpaprika):
    """Run ``api`` on a free loopback port for the duration of the block; sets ``api.url``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            status, headers, body = api.respond(url.path, query, dict(self.headers))
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
