"""Benchmark LocalStore add/get against plain hashlib.sha256 over the same bytes.

    python bench/storage.py [--size-mib 64] [--repeat 3] [--dir DIR]

Writes a random file of ``--size-mib`` MiB, then measures (median of
``--repeat`` rounds; each round runs all three back to back into a fresh store):

* ``sha256``   hashlib.sha256 over the bytes in memory (the floor: every
               CID needs one sha256 pass over the data);
* ``add``      LocalStore.add(path) into a store in use (``init()`` already
               made its 256 shard directories): streamed from disk, chunked,
               hashed, blocks written atomically; ``first add, new store``
               also counts creating the store's layout;
* ``get``      LocalStore.get(cid, path): every block read and verified,
               streamed to a file (``get_bytes``: the same into memory);
* ``peak_rss`` the peak resident memory of a separate process that only does
               one streaming add + get of the file (so the in-memory copy used
               for the sha256 figure does not count).

Prints a table, then one JSON line. The scratch directory defaults to
``.cache/`` in the repository (not /tmp: on some machines /tmp makes file
creation far slower than the disk the store normally lives on).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from bounty_client.storage import LocalStore  # noqa: E402

MIB = 1 << 20


def _write_random(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 4 * MIB)
            f.write(os.urandom(n))
            left -= n


def _peak_rss_mib() -> float:
    """Peak RSS of this process image (VmHWM; ru_maxrss would include the
    parent's memory, which Linux carries across fork+exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_child(path: str, scratch: str) -> None:
    """Run in a subprocess: streaming add + get, print peak RSS (MiB)."""
    base = _peak_rss_mib()
    store = LocalStore(Path(scratch) / "rss-store")
    cid = store.add(path)
    store.get(cid, Path(scratch) / "rss-out.bin")
    peak = _peak_rss_mib()
    print(json.dumps({"baseline_rss_mib": round(base, 1), "peak_rss_mib": round(peak, 1)}))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=None, help="scratch directory (default: .cache/)")
    ap.add_argument("--rss-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rss_child:
        _rss_child(*args.rss_child)
        return 0

    parent = args.dir or (REPO / ".cache")
    parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-storage-", dir=parent))
    size = args.size_mib * MIB
    try:
        src = scratch / "input.bin"
        _write_random(src, size)
        data = src.read_bytes()

        # sha256, add and get are measured back to back in every round, so a
        # busy machine slows all three alike and the ratios stay meaningful.
        sha_times, add_times, get_times, mem_times, fresh_times = [], [], [], [], []
        cid = None
        for i in range(args.repeat):
            t = time.perf_counter()
            hashlib.sha256(data).digest()
            sha_times.append(time.perf_counter() - t)
            fresh = LocalStore(scratch / f"fresh-{i}")
            t = time.perf_counter()
            fresh.add(src)            # first add ever: also lays out the store
            fresh_times.append(time.perf_counter() - t)
            shutil.rmtree(fresh.root)
            store = LocalStore(scratch / f"store-{i}").init()
            t = time.perf_counter()
            cid = store.add(src)      # a store in use: its directories exist
            add_times.append(time.perf_counter() - t)
            out = scratch / f"out-{i}.bin"
            t = time.perf_counter()
            store.get(cid, out)
            get_times.append(time.perf_counter() - t)
            if os.path.getsize(out) != size:
                raise SystemExit(f"get wrote {os.path.getsize(out)} bytes, expected {size}")
            out.unlink()
            t = time.perf_counter()
            got = store.get(cid)
            mem_times.append(time.perf_counter() - t)
            if len(got) != size:
                raise SystemExit(f"get returned {len(got)} bytes, expected {size}")
            del got
            shutil.rmtree(scratch / f"store-{i}")
        del data

        child = subprocess.run(
            [sys.executable, __file__, "--rss-child", str(src), str(scratch)],
            check=True, capture_output=True, text=True)
        rss = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    mib = size / MIB
    sha = mib / statistics.median(sha_times)
    add = mib / statistics.median(add_times)
    get = mib / statistics.median(get_times)
    mem = mib / statistics.median(mem_times)
    fresh = mib / statistics.median(fresh_times)
    rows = [
        ("sha256 (in memory)", sha, 1.0),
        ("LocalStore.add(path)", add, add / sha),
        ("  first add, new store", fresh, fresh / sha),
        ("LocalStore.get(cid, path)", get, get / sha),
        ("LocalStore.get(cid) -> bytes", mem, mem / sha),
    ]
    print(f"file: {mib:.0f} MiB random, CID {cid}, median of {args.repeat} runs")
    print(f"{'operation':<28}{'MiB/s':>10}{'x sha256':>10}")
    for name, rate, ratio in rows:
        print(f"{name:<28}{rate:>10.0f}{ratio:>10.2f}")
    print(f"peak RSS of streaming add+get: {rss['peak_rss_mib']:.1f} MiB "
          f"(interpreter + imports alone: {rss['baseline_rss_mib']:.1f} MiB)")
    print(json.dumps({
        "size_mib": round(mib),
        "add_mib_s": round(add, 1),
        "get_mib_s": round(get, 1),
        "get_bytes_mib_s": round(mem, 1),
        "add_new_store_mib_s": round(fresh, 1),
        "sha256_mib_s": round(sha, 1),
        "add_ratio": round(add / sha, 3),
        "get_ratio": round(get / sha, 3),
        "peak_rss_mib": rss["peak_rss_mib"],
        "baseline_rss_mib": rss["baseline_rss_mib"],
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
