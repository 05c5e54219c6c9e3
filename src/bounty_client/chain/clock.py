"""Chain time: the timestamp a transaction will be mined with, a development node's time travel, and
times written for people (UTC, or relative to chain time).

A bounty's stage follows from ``block.timestamp`` and its deadlines, so every check the client makes
before sending reads :func:`mined_timestamp`, not the wall clock.  :func:`travel_to` is the one way
the client moves a development node's clock (Anvil, Hardhat; the node Ape starts or one reached by
URL: it sends ``evm_setNextBlockTimestamp`` and ``evm_mine``, which every such node answers), and
refuses any other network before anything is sent; :func:`advance` (``ape run bounty advance``) and
the lifecycle demo both use it.  :func:`wait_for_block` waits for a block to be mined (mining it on a
development node).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..errors import ArgumentError, ChainError

__all__ = ["ADVANCE_TARGETS", "advance", "block_seconds", "format_time", "format_utc", "is_dev_node", "mined_timestamp", "relative_time",
           "travel_to", "wait_for_block"]

#: ``advance --to`` targets and the deadline that opens each stage (stage = f(block.timestamp)):
#: ``challenge`` opens at the evaluation deadline, ``expired`` (anyone may finalize) at the challenge
#: deadline (the evaluation deadline without an arbiter), ``resolution`` is where the fail-safe begins.
ADVANCE_TARGETS = {"reveal": "submission_deadline", "evaluation": "reveal_deadline",
                   "challenge": "evaluation_deadline", "expired": "challenge_deadline",
                   "resolution": "resolution_deadline"}

# Development nodes answer ``web3_clientVersion`` with their name; they alone accept
# ``evm_increaseTime``.  Checked before any time travel so a live network is never asked.
_DEV_NODES = ("anvil", "hardhat", "ganache", "ethereumjs")


def format_utc(ts: int) -> str:
    """``"2026-01-02 03:04:05 UTC"``: unix seconds ``ts`` as a UTC time."""
    return _dt.datetime.fromtimestamp(int(ts), _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_time(ts: int, now: int) -> str:
    """``"2026-12-01 14:00:00 UTC (in 23h56m)"``: a deadline as people read it, UTC and relative to ``now``."""
    return f"{format_utc(ts)} ({relative_time(ts, now)})"


def relative_time(ts: int, now: int) -> str:
    """``"in 23h59m"`` / ``"2d3h ago"`` / ``"now"``: ``ts`` relative to ``now`` (seconds, chain time)."""
    delta = int(ts) - int(now)
    if delta == 0:
        return "now"
    s = abs(delta)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    text = f"{d}d{h}h" if d else f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"
    return f"in {text}" if delta > 0 else f"{text} ago"


def mined_timestamp() -> int:
    """The timestamp the next transaction will most likely be mined with (unix seconds).

    On a development node (Anvil, including forks) that is the pending block's timestamp, which
    ``chain.pending_timestamp = t`` sets.  On a live network it is the later of the wall clock and
    the latest block, plus the network's block time (12 s when unknown): a transaction sent now lands
    in the next block at the earliest."""
    import time

    from ape import chain
    from ape.api.providers import TestProviderAPI

    provider = chain.provider
    if isinstance(provider, TestProviderAPI):
        return int(chain.pending_timestamp)
    if is_dev_node():  # reached by URL: its pending block carries the time travel
        pending = provider.make_request("eth_getBlockByNumber", ["pending", False])
        if pending and pending.get("timestamp") is not None:
            stamp = pending["timestamp"]
            return int(stamp, 16) if isinstance(stamp, str) else int(stamp)
    block_time = int(getattr(provider.network, "block_time", 0) or 12)
    return max(int(time.time()), int(chain.blocks.head.timestamp)) + block_time


def block_seconds() -> int:
    """Seconds between blocks to count on: 1 on a development node (each mined block at least one second
    after the last), else the network's block time (12 s when unknown)."""
    from ape import chain
    from ape.api.providers import TestProviderAPI

    if isinstance(chain.provider, TestProviderAPI) or is_dev_node():
        return 1
    return int(getattr(chain.provider.network, "block_time", 0) or 12)


def is_dev_node() -> bool:
    """True when the connected node is a local development node (Anvil, Hardhat, Ganache)."""
    from ape import networks

    try:
        version = str(networks.provider.make_request("web3_clientVersion", []))
    except Exception:  # noqa: BLE001 - a node without the method is not one we may time-travel
        return False
    return version.lower().startswith(_DEV_NODES)


def travel_to(timestamp: int) -> int:
    """Mine a block at ``timestamp`` (unix seconds) on a development node; returns the new block's
    timestamp.  Nothing is sent when ``timestamp`` is not after the latest block.  Raises
    :class:`ChainError` on anything but a development node (live networks keep their time), with the
    deadline in the message so the user knows what to wait for."""
    from ape import chain, networks

    latest = int(chain.blocks.head.timestamp)
    if int(timestamp) <= latest:
        return latest
    if not is_dev_node():
        raise ChainError(f"cannot move time to {format_utc(timestamp)} on {networks.provider.network_choice}: only "
                         "a local development node (Anvil) travels in time; wait until then and run the next step "
                         "with `ape run bounty ...`")
    # An exact timestamp (not evm_increaseTime, which counts from the wall clock, not the last block).
    networks.provider.make_request("evm_setNextBlockTimestamp", [int(timestamp)])
    networks.provider.make_request("evm_mine", [])
    return int(chain.blocks.head.timestamp)


def wait_for_block(number: int, *, poll: float = 2.0, limit: float = 600.0) -> int:
    """Return once block ``number`` is mined: on a development node by mining empty blocks, elsewhere by
    waiting (at most ``limit`` seconds).  Returns the chain's height.  Raises :class:`ChainError` when
    the block does not come in time."""
    import time

    from ape import chain, networks

    if chain.blocks.height >= number:
        return int(chain.blocks.height)
    if is_dev_node():
        while chain.blocks.height < number:
            networks.provider.make_request("evm_mine", [])
        return int(chain.blocks.height)
    waited = 0.0
    while chain.blocks.height < number:
        if waited >= limit:
            raise ChainError(f"block {number} was not mined within {limit:g} s (height {chain.blocks.height})")
        time.sleep(poll)
        waited += poll
    return int(chain.blocks.height)


def advance(bounty: Any = None, *, to: "str | None" = None, seconds: "int | None" = None) -> int:
    """Move a local development node's clock forward and mine one block; returns the new block's
    timestamp (unix seconds).

    ``to``: ``"reveal"``, ``"evaluation"``, ``"challenge"``, ``"expired"`` or ``"resolution"`` (needs
    ``bounty``, a :class:`~bounty_client.chain.Bounty`; the clock moves to the deadline that opens that
    stage, :data:`ADVANCE_TARGETS`); or ``seconds``: a positive number of seconds.  Raises
    :class:`ArgumentError` for both, neither, an unknown target or a stage already reached, and
    :class:`ChainError` on anything but a development node (live networks keep their time)."""
    from ape import chain, networks

    if (to is None) == (seconds is None):
        raise ArgumentError("advance: give exactly one of --to STAGE or --seconds N")
    if not is_dev_node():
        raise ChainError(f"advance works only on a local development node (Anvil); "
                         f"{networks.provider.network_choice} keeps real time")
    latest = int(chain.blocks.head.timestamp)
    if to is not None:
        if to not in ADVANCE_TARGETS:
            raise ArgumentError(f"advance --to: {to!r} is not one of {', '.join(ADVANCE_TARGETS)}")
        if bounty is None:
            raise ArgumentError("advance --to: needs the bounty whose deadline to reach")
        d1, d2, d3, _ = bounty.deadlines()
        deadlines = {"submission_deadline": d1, "reveal_deadline": d2, "evaluation_deadline": d3,
                     "challenge_deadline": bounty.challenge_deadline(),
                     "resolution_deadline": bounty.resolution_deadline()}
        target = int(deadlines[ADVANCE_TARGETS[to]])
        if target <= latest:
            raise ArgumentError(f"advance --to {to}: already reached ({ADVANCE_TARGETS[to]} passed "
                                f"{relative_time(target, latest).removesuffix(' ago')} ago)")
        seconds = target - latest
    if not isinstance(seconds, int) or seconds <= 0:
        raise ArgumentError(f"advance --seconds: must be a positive number of seconds, got {seconds!r}")
    return travel_to(latest + seconds)
