"""The explorer's render times on a local Anvil: a bounty with 100 scored submissions and a list of 20 bounties.

    python bench/explorer.py [--submissions 100] [--bounties 20] [--repeat 5]      (make bench-explorer)

Builds the world with the client (``tests/support/explorer_world.build``: 20 bounties of one factory and a
RerunJury of 3 jurors; the first gets 100 commits from 4 participants and the organizer's sock, 97
reveals, the test set, the randomness, 97 scores posted by the organizer with a fabricated evaluation
report (no training) and a false 9999 for the sock; a challenge of it (upheld: the score corrected) and
of an honest score (rejected), the jurors' commits and reveals, rerank, ``finalize``, withdrawals and
claims: about 330 events).  Then serves the explorer from a thread (uvicorn, as ``ape run bounty explorer``
does) and times HTTP GETs from this process:

* ``bounty_cold``: the bounty page from a new app (empty caches: every chain and store read, the
  report, the templates compiled), median of ``--repeat`` new apps; ``bounty_first`` is the very
  first of them (also imports Starlette, Jinja2 and uvicorn's request path);
* ``bounty_cached``: the same page again (one ``eth_getLogs`` to see nothing new, then the render);
* ``list_cold`` / ``list_cached``: the page of all bounties (one batch of 80 calls, the spec names);
* ``plot_cold`` / ``plot_cached``: the leaderboard's SVG (matplotlib) and its cached copy.

Targets on the 2-core machine: cached bounty page <= 100 ms, cold <= 2 s, list <= 500 ms.  Prints a
table, then one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
TARGETS_MS = {"bounty_cached": 100, "bounty_cold": 2000, "list_cold": 500}


def _get(url: str) -> tuple[float, int, int]:
    """(seconds, status, bytes) of one GET."""
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        body = r.read()
        status = r.status
    return time.perf_counter() - t0, status, len(body)


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--bounties", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5, help="new apps for the cold figures; x4 cached GETs")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    home = Path(tempfile.mkdtemp(prefix="bench-explorer-"))
    os.environ.update(BOUNTY_HOME=str(home), BOUNTY_STORE_DIR=str(home / "ipfs"))
    from bounty_client.quiet import quiet

    quiet()
    from ape import networks
    from ape.logging import logger

    logger.set_level("ERROR")
    import explorer_world

    from bounty_client.explorer import create_app, serve_in_thread
    from bounty_client.storage import LocalStore

    figures: dict[str, float] = {}
    with networks.parse_network_choice("ethereum:local:foundry"):
        store = LocalStore(home / "ipfs")
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            world = explorer_world.build(store, home, submissions=args.submissions, bounties=args.bounties)
        build_s = time.perf_counter() - t0
        bounty = f"/bounty/{world['scored']}"

        def new_server():
            return serve_in_thread(create_app(store=store, factory=world["factory"], verify=False))

        cold, list_cold, plot_cold = [], [], []
        sizes = {}
        for i in range(args.repeat):
            server = new_server()
            try:
                seconds, status, size = _get(server.url + bounty)
                assert status == 200
                cold.append(seconds)
                sizes["bounty_bytes"] = size
                plot_cold.append(_get(server.url + bounty + "/scores.svg")[0])
            finally:
                server.stop()
            server = new_server()
            try:
                seconds, status, size = _get(server.url + "/")
                assert status == 200
                list_cold.append(seconds)
                sizes["list_bytes"] = size
            finally:
                server.stop()
        server = new_server()
        try:
            _get(server.url + bounty)
            _get(server.url + "/")
            _get(server.url + bounty + "/scores.svg")
            cached = [_get(server.url + bounty)[0] for _ in range(4 * args.repeat)]
            list_cached = [_get(server.url + "/")[0] for _ in range(4 * args.repeat)]
            plot_cached = [_get(server.url + bounty + "/scores.svg")[0] for _ in range(4 * args.repeat)]
        finally:
            server.stop()
        figures = {
            "bounty_first": cold[0], "bounty_cold": statistics.median(cold), "bounty_cached": statistics.median(cached),
            "list_cold": statistics.median(list_cold), "list_cached": statistics.median(list_cached),
            "plot_cold": statistics.median(plot_cold), "plot_cached": statistics.median(plot_cached),
        }

    print(f"Explorer render times (HTTP GET through uvicorn on 127.0.0.1; Anvil; {args.submissions} submissions, "
          f"{args.bounties} bounties; world built in {build_s:.1f} s)")
    print(f"{'page':<16}{'median ms':>12}{'target ms':>12}")
    print("-" * 40)
    for key, value in figures.items():
        target = TARGETS_MS.get(key)
        flag = "" if target is None else ("  ok" if value * 1000 <= target else "  MISSED")
        print(f"{key:<16}{value * 1000:>12.1f}{(str(target) if target else '-'):>12}{flag}")
    print("-" * 40)
    print(f"bounty page {sizes['bounty_bytes'] / 1024:.0f} KiB, list page {sizes['list_bytes'] / 1024:.0f} KiB, "
          f"this process {_rss_mib():.0f} MiB RSS")
    summary = {k + "_ms": round(v * 1000, 1) for k, v in figures.items()}
    summary.update(submissions=args.submissions, bounties=args.bounties, repeat=args.repeat,
                   bounty_kib=round(sizes["bounty_bytes"] / 1024), list_kib=round(sizes["list_bytes"] / 1024),
                   targets_met=all(figures[k] * 1000 <= t for k, t in TARGETS_MS.items()))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
