"""What the role commands need beyond the roles: time on a local node, moving a bounty's public
record between machines, the factory's recorded address, and views for people.

Every function here is usable from a notebook as well (``scripts/bounty.py`` only parses options
and calls them).  Each raises a :class:`~bounty_client.errors.BountyError` with a one-line
message before anything is sent or written:

    advance(bounty, to="reveal")                 # local dev node only: travel to a stage
    export_record(bounty, store, "b.car")        # the public record as one CARv1 file
    import_record(bounty, store, "b.car")        # ... verified against the chain on import
    leaderboard(bounty, store)                   # posted scores, qualification, prizes, baseline
    explain_credits(bounty, receipt)             # who was credited what, and why
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ..errors import ArgumentError, ChainError
from ..protocol.wire import BPS, CreditReason, Stage

if TYPE_CHECKING:  # pragma: no cover
    from ..chain.bounty import Bounty

__all__ = [
    "ADVANCE_TARGETS",
    "MISSING_DATA_HINT",
    "advance",
    "check_output",
    "error_line",
    "hyperparameter_help",
    "require_lasting_network",
    "explain_credits",
    "export_record",
    "import_record",
    "is_dev_node",
    "leaderboard",
    "record_cids",
    "recorded_factory",
    "record_factory",
    "relative_time",
]

#: ``advance --to`` targets and the deadline that opens each stage (stage = f(block.timestamp)).
ADVANCE_TARGETS = {"reveal": "submission_deadline", "evaluation": "reveal_deadline",
                   "expired": "evaluation_deadline"}

# Development nodes answer ``web3_clientVersion`` with their name; they alone accept
# ``evm_increaseTime``.  Checked before any time travel so a live network is never asked.
_DEV_NODES = ("anvil", "hardhat", "ganache", "ethereumjs")


# ------------------------------------------------------------------ time
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


def is_dev_node() -> bool:
    """True when the connected node is a local development node (Anvil, Hardhat, Ganache)."""
    from ape import networks

    try:
        version = str(networks.provider.make_request("web3_clientVersion", []))
    except Exception:  # noqa: BLE001 - a node without the method is not one we may time-travel
        return False
    return version.lower().startswith(_DEV_NODES)


def advance(bounty: "Bounty | None" = None, *, to: "str | None" = None, seconds: "int | None" = None) -> int:
    """Move a local development node's clock forward and mine one block; returns the new block's
    timestamp (unix seconds).

    ``to``: ``"reveal"``, ``"evaluation"`` or ``"expired"`` (needs ``bounty``; the clock moves to
    the deadline that opens that stage); or ``seconds``: a positive number of seconds.  Raises
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
        target = int(getattr(bounty.contract, ADVANCE_TARGETS[to])())
        if target <= latest:
            raise ArgumentError(f"advance --to {to}: already reached ({ADVANCE_TARGETS[to]} passed "
                                f"{relative_time(target, latest).removesuffix(' ago')} ago)")
        seconds = target - latest
    if not isinstance(seconds, int) or seconds <= 0:
        raise ArgumentError(f"advance --seconds: must be a positive number of seconds, got {seconds!r}")
    # An exact timestamp (not evm_increaseTime, which counts from the wall clock, not the last block).
    networks.provider.make_request("evm_setNextBlockTimestamp", [latest + seconds])
    networks.provider.make_request("evm_mine", [])
    return int(chain.blocks.head.timestamp)


# ------------------------------------------------------------------ factory record
def _deployments_file() -> Path:
    """Ape's deployments file for this chain: ``<ape data folder>/deployments/<genesis hash>/BountyFactory.json``
    (the place and EthPM format of ``project.deployments.track``)."""
    from ape import chain, config

    genesis = chain.blocks[0].hash
    genesis_hex = genesis.hex() if isinstance(genesis, (bytes, bytearray)) else str(genesis)
    return Path(config.DATA_FOLDER) / "deployments" / genesis_hex.removeprefix("0x") / "BountyFactory.json"


def record_factory(factory: Any) -> Path:
    """Record ``factory``'s address where Ape keeps deployments for this chain (keyed by its
    genesis block, so a new node never sees an old node's factory); returns the file.

    Written here rather than by ``project.deployments.track``, which refuses development
    networks and needs a creation-receipt lookup not every node serves."""
    from ..storage.atomic import write_atomic

    path = _deployments_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps({"address": str(factory.address), "contractType": "BountyFactory"}).encode())
    return path


def recorded_factory() -> "str | None":
    """The factory address :func:`record_factory` recorded for the connected chain, or ``None``."""
    path = _deployments_file()
    if not path.is_file():
        return None
    try:
        return str(json.loads(path.read_text())["address"])
    except (ValueError, KeyError, TypeError):
        return None


# ------------------------------------------------------------------ moving the public record
def record_cids(bounty: "Bounty", store: Any) -> list[str]:
    """Every public CID of ``bounty``: spec, data files, and once posted the test-set manifest, its
    files and the evaluation reports.  Raises ``StorageError`` when the spec is not in ``store``."""
    from ..record.record import open_record, test_set_files

    record = open_record(bounty, store)
    cids = [record.creation.spec_cid, *(f.cid for f in record.spec.data_files)]
    test = record.test_data()
    if test is not None:
        cids += [test.cid, *(f.cid for f in test_set_files(test.cid, store))]
    cids += record.posted_scores()[1]
    return list(dict.fromkeys(cids))


def export_record(bounty: "Bounty", store: Any, path: "str | os.PathLike[str]") -> list[str]:
    """Write ``bounty``'s public record (:func:`record_cids`) as one CARv1 file with one root per
    CID; returns the roots.  Raises ``ArgumentError`` when the folder of ``path`` is missing,
    ``StorageError`` when the record is incomplete in ``store``."""
    import tempfile

    from ..storage.car import iter_car, write_car

    target = Path(path)
    if not target.parent.is_dir():
        raise ArgumentError(f"--out: folder {target.parent} does not exist")
    cids = record_cids(bounty, store)
    with tempfile.TemporaryDirectory() as tmp:
        # Each store exports one DAG per CAR; merge them into one file (blocks once each).
        parts = [store.export_car(cid, Path(tmp) / f"{i}.car") for i, cid in enumerate(cids)]
        roots: list[Any] = []
        seen: set[bytes] = set()

        def blocks() -> Iterable[tuple[bytes, bytes]]:
            for part in parts:
                with open(part, "rb") as f:
                    _, sections = iter_car(f, source=str(part))
                    for sec in sections:
                        raw = bytes(sec.cid)
                        if raw not in seen:
                            seen.add(raw)
                            yield raw, sec.data

        for part in parts:
            with open(part, "rb") as f:
                roots += iter_car(f, source=str(part))[0]
        write_car(target, roots, blocks())
    return cids


def import_record(bounty: "Bounty", store: Any, path: "str | os.PathLike[str]") -> list[str]:
    """Import a CAR file (every block verified against its CID) and check that it holds
    ``bounty``'s public record as the chain commits to it (spec, data, test set once posted).

    Returns the imported roots.  Raises ``ArgumentError`` (no such file), ``StorageError``
    (corrupt CAR, or a CID of the record still missing) or ``VerificationError`` (the spec
    disagrees with the chain)."""
    from ..record.record import open_record

    if not Path(path).is_file():
        raise ArgumentError(f"CAR file {path}: no such file")
    roots = store.import_car(path)
    record = open_record(bounty, store)
    record.prices()
    if record.test_data() is not None:
        record.test_prices()
    return roots


# ------------------------------------------------------------------ views
def credited(bounty: "Bounty", logs: "Iterable[Any] | None" = None) -> list[tuple[str, int, CreditReason]]:
    """``(account, amount in wei, reason)`` of every ``Credited`` event of ``bounty`` (or of ``logs``)."""
    if logs is None:
        logs = bounty._events("Credited")
    return [(str(e.account), int(e.amount), CreditReason(int(e.reason))) for e in logs
            if getattr(e, "event_name", "Credited") == "Credited"]


# One phrase per ``Credited.reason`` (every member of wire.CreditReason; a test checks none is missing).
_WHY = {CreditReason.PRIZE: "prize", CreditReason.REFUND: "refund of the reward (organizer)",
        CreditReason.DEPOSIT: "commit deposit back (revealed)", CreditReason.SHARE: "abandonment share",
        CreditReason.BOND: "bond back (organizer)",
        CreditReason.FORFEIT: "deposits of commitments never revealed (organizer)"}


def explain_credits(bounty: "Bounty", receipt: Any = None, account: "str | None" = None) -> list[str]:
    """One line per credit, ``"0xabc.. gets 0.9 ETH: prize"``: from the ``Credited`` events of
    ``receipt`` (one receipt or a list of them), else from every ``Credited`` event of ``bounty``
    (of ``account`` only, if given)."""
    receipts = [] if receipt is None else receipt if isinstance(receipt, (list, tuple)) else [receipt]
    logs = None if receipt is None else [e for r in receipts for e in r.events
                                         if getattr(e, "event_name", "") == "Credited"]
    rows = credited(bounty, logs)
    if account is not None:
        rows = [r for r in rows if r[0].lower() == str(account).lower()]
    return [f"{who} gets {amount / 1e18:g} ETH: {_WHY[why]}" for who, amount, why in rows]


def leaderboard(bounty: "Bounty", store: Any) -> Any:
    """Posted scores as a DataFrame, best first: ``submission_id``, ``submitter``, ``score_bps``,
    ``qualifies`` (score >= ``min_accuracy``), ``prize_eth`` (credited once finalized, else what
    the current ranking would pay) and, when the posted report is in ``store``, a last row for
    the majority-class baseline (always predicting the test part's most frequent class)."""
    import pandas as pd

    from ..ml.evaluation.result import EvaluationResult

    st = bounty.status()
    scores, reports = bounty.posted_scores()
    submitters = {s.id: s.submitter for s in bounty.revealed_submissions()}
    prizes: dict[int, float] = {}
    if st.stage is Stage.FINALIZED:
        paid: dict[str, int] = {}
        for who, amount, why in credited(bounty):
            if why is CreditReason.PRIZE:
                paid[who.lower()] = paid.get(who.lower(), 0) + amount
        for i, _ in st.ranking:  # a winner's credit per ranked id (one prize per id)
            who = submitters.get(i, "").lower()
            if who in paid:
                prizes[i] = paid.pop(who) / 1e18
    else:
        shares = list(st.prize_shares) or [BPS]
        for (i, _), share in zip(st.ranking, shares):
            prizes[i] = st.reward * share // BPS / 1e18
    rows = [{"submission_id": i, "submitter": submitters.get(i, "?"), "score_bps": s,
             "qualifies": s >= st.min_accuracy, "prize_eth": prizes.get(i, 0.0)}
            for i, s in scores.items()]
    rows.sort(key=lambda r: (-r["score_bps"], r["submission_id"]))
    baseline = None
    if reports and store.has(reports[-1]):
        try:
            baseline = EvaluationResult.from_report(json.loads(store.get(reports[-1]))).baseline_bps
        except Exception:  # noqa: BLE001 - an unreadable report only loses the baseline row
            baseline = None
    if baseline is not None:
        rows.append({"submission_id": "baseline", "submitter": "(always the majority class)",
                     "score_bps": int(baseline), "qualifies": int(baseline) >= st.min_accuracy, "prize_eth": 0.0})
    frame = pd.DataFrame(rows, columns=["submission_id", "submitter", "score_bps", "qualifies", "prize_eth"])
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="rank")
    return frame


# ------------------------------------------------------------------ command-line checks
def hyperparameter_help() -> str:
    """The allowed hyperparameter fields and the chain's limits, for ``--hp`` help texts."""
    from ..protocol.hyperparams import CHAIN_LIMITS as b

    return (f"fields: lstm_layers {b.lstm_layers[0]}-{b.lstm_layers[1]}, lstm_units {b.lstm_units[0]}-"
            f"{b.lstm_units[1]}, dense_layers {b.dense_layers[0]}-{b.dense_layers[1]}, activation "
            f"({'|'.join(b.activations)}), loss ({'|'.join(b.losses)}), dropout {b.dropout[0]}-{b.dropout[1]}, "
            f"learning_rate {b.learning_rate[0]:g}-{b.learning_rate[1]:g} (a spec may narrow these)")


def check_output(path: "str | os.PathLike[str]", option: str = "--out") -> Path:
    """``path`` as a ``Path`` when its folder exists; else :class:`ArgumentError` (checked before any work)."""
    target = Path(path)
    if not target.parent.is_dir():
        raise ArgumentError(f"{option} {path}: folder {target.parent} does not exist")
    if target.is_dir():
        raise ArgumentError(f"{option} {path}: is a folder; give a file name")
    return target


def require_lasting_network(network_given: bool) -> None:
    """Refuse a state-changing command on the throwaway Anvil Ape starts when no ``--network`` was
    given: the node, and everything sent to it, vanishes when the command ends, while secrets and
    stored files would stay behind.  Raises :class:`ArgumentError`."""
    from ape import networks

    if not network_given and networks.provider.network.name == "local":
        raise ArgumentError("no --network: this would run on a throwaway Anvil that stops when the command ends "
                            "(nothing would last); start a node and pass --network http://127.0.0.1:8545")


#: Appended to "not in the store" errors: how a participant on another machine gets the data.
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: "str | int | float | None") -> "float | None":
    """``"30m"``, ``"2h"``, ``"1d"``, ``"90s"`` or a plain number of seconds -> seconds; ``None`` stays
    ``None``.  Raises :class:`~bounty_client.errors.ArgumentError` naming the value."""
    if text is None or isinstance(text, (int, float)):
        return None if text is None else float(text)
    value = str(text).strip().lower()
    unit = value[-1:] if value[-1:] in _DURATION_UNITS else "s"
    number = value[:-1] if value[-1:] in _DURATION_UNITS else value
    try:
        seconds = float(number) * _DURATION_UNITS[unit]
    except ValueError:
        raise ArgumentError(f"duration {text!r}: use a number of seconds or 90s, 30m, 2h, 1d") from None
    if not 0 < seconds < math.inf:  # also refuses "nan" and "inf", which float() accepts
        raise ArgumentError(f"duration {text!r}: must be positive and finite")
    return seconds


MISSING_DATA_HINT = ("; get the data from a shared kubo node (--store http://HOST:5001) or import the "
                     "organizer's CAR file (ape run bounty import BOUNTY FILE.car)")


def error_line(exc: BaseException) -> str:
    """The one line a command prints for a client error (with :data:`MISSING_DATA_HINT` when content
    is missing from the store)."""
    from ..storage.errors import CIDNotFoundError

    text = " ".join(str(exc).split())
    return text + MISSING_DATA_HINT if isinstance(exc, CIDNotFoundError) else text
