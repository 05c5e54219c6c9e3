"""``python -m bounty_client.explorer._verify_worker --network N --bounty B --store S [--factory F]``.

The verify job's process (see :mod:`.jobs`): connects to the network, runs ``verify`` and prints
one JSON line on stdout: the result (:func:`.reader.run_verify`) or ``{"error": "one line"}``.
Progress goes to stderr, one line per finished run.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(prog="bounty_client.explorer._verify_worker")
    parser.add_argument("--network", required=True)
    parser.add_argument("--bounty", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--factory", default=None)
    args = parser.parse_args(argv)

    from . import reader

    reader.silence()

    print("worker: connecting to the network", file=sys.stderr, flush=True)
    try:
        with reader.connect(args.network):
            store = reader.open_store(args.store)
            print("worker: re-training every revealed submission", file=sys.stderr, flush=True)
            out = reader.run_verify(args.bounty, store, args.factory)
    except reader.ViewError as exc:
        out = {"error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one line for the page, whatever failed
        out = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())}"}
    print(json.dumps(out, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
