"""Reading and driving deployed bounties through Ape.

A thin layer: every function here is one contract call, one transaction or one
event query.  Orchestration (what the organizer and participants do in each
stage) lives in :mod:`bounty_client.roles`.

The contract types come from this repository's Ape project (``contracts/``) when
it is found (``$BOUNTY_PROJECT``, the working directory or the package's
checkout); anywhere else (a notebook outside the checkout, an installed package)
from the compiled types shipped in :mod:`bounty_client.contracts`, which a test
keeps equal to a fresh compile.  Enums and encodings are in :mod:`bounty_client.protocol.wire`.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ArgumentError, ChainError, NotABountyError, StageError
from ..protocol.hyperparams import Hyperparameters
from ..protocol.wire import (MAX_SCORE_BATCH, CreditReason, Outcome, Stage, checksum_address, decode_revealed,
                   decode_score_entry, stored_commitment)

__all__ = [
    "Stage",
    "Outcome",
    "CreditReason",
    "StageError",
    "ChainError",
    "Bounty",
    "BountyCreation",
    "BountyStatus",
    "RevealedSubmission",
    "authenticate",
    "clone_target",
    "contracts_project",
    "contract_container",
    "mined_timestamp",
    "create_bounty",
    "deploy_factory",
    "find_factory",
    "find_or_deploy_factory",
    "stored_commitment",
    "list_bounties",
    "parse_ether",
]


def parse_ether(value: "str | int | float") -> int:
    """``"10 ether"``, ``"0.5"`` (ether), ``"100 gwei"`` or an int of wei -> wei.

    Raises :class:`~bounty_client.errors.ArgumentError` for an unknown unit, a non-number
    or a negative or fractional amount of wei."""
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    units = {"wei": 1, "gwei": 10**9, "ether": 10**18, "eth": 10**18}
    number, _, unit = text.partition(" ")
    unit = unit.strip() or "ether"
    if unit not in units:
        raise ArgumentError(f"amount {value!r}: unknown unit {unit!r}; use wei, gwei or ether")
    from decimal import Decimal, InvalidOperation

    try:
        wei = Decimal(number) * units[unit]
    except InvalidOperation:
        raise ArgumentError(f"amount {value!r}: not a number") from None
    if wei < 0 or wei != wei.to_integral_value():
        raise ArgumentError(f"amount {value!r}: must be a whole, non-negative number of wei")
    return int(wei)


def _fmt_time(ts: int) -> str:
    return _dt.datetime.fromtimestamp(int(ts), _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _relative(ts: int, now: int) -> str:
    from ..cli.inputs import relative_time

    return relative_time(ts, now)


# --------------------------------------------------------------------- project
def _find_root() -> "Path | None":
    env = os.environ.get("BOUNTY_PROJECT")
    candidates = [Path(env)] if env else []
    cwd = Path.cwd().resolve()
    candidates += [cwd, *cwd.parents, Path(__file__).resolve().parents[2]]
    for c in candidates:
        if (c / "contracts" / "Bounty.vy").is_file() and (c / "ape-config.yaml").is_file():
            return c
    if env:
        raise ChainError(f"BOUNTY_PROJECT={env}: not the ML Bounty Ape project (no contracts/Bounty.vy)")
    return None


@lru_cache(maxsize=1)
def contracts_project() -> "Any | None":
    """The Ape project that holds ``Bounty`` and ``BountyFactory``, or ``None`` outside the
    checkout (then :func:`contract_container` uses the shipped types)."""
    import ape

    root = _find_root()
    if root is None:
        return None
    if Path(ape.project.path).resolve() == root:
        return ape.project
    return ape.Project(root)


@lru_cache(maxsize=None)
def contract_container(name: str) -> Any:
    """Ape's ``ContractContainer`` of ``"Bounty"`` or ``"BountyFactory"``: from the Ape project
    when inside the checkout, else from the types shipped in :mod:`bounty_client.contracts`."""
    project = contracts_project()
    if project is not None:
        return getattr(project, name)
    from ape.contracts import ContractContainer

    from ..contracts import contract_type

    return ContractContainer(contract_type(name))


def contract_at(name: str, address: Any) -> Any:
    """``name``'s contract at ``address`` with exactly our contract type.

    Ape caches contract types on disk per network and address and *merges* a cached ABI into
    the one given; on a devnet whose addresses repeat (Anvil's deterministic deployer) a stale
    entry from an older build would then mix old and new events.  ``replace=True`` makes the
    cache hold our type instead."""
    from ape import chain

    return chain.contracts.instance_at(address, contract_type=contract_container(name).contract_type,
                                       fetch_from_explorer=False, replace=True)


def deploy_factory(sender: Any) -> Any:
    """Declare the Bounty blueprint and deploy a ``BountyFactory`` (two transactions)."""
    bounty, factory = contract_container("Bounty"), contract_container("BountyFactory")
    # Some nodes fail to estimate gas for a blueprint deployment (ERC-5202 code that
    # cannot run); its cost is known: creation + 200 gas per stored byte + calldata.
    code = bounty.contract_type.deployment_bytecode.bytecode or "0x"
    size = len(bytes.fromhex(code.removeprefix("0x")))
    blueprint = sender.declare(bounty, gas_limit=100_000 + 250 * size)
    address = getattr(blueprint, "contract_address", None) or getattr(blueprint, "address", None)
    return factory.deploy(address, sender=sender)


def find_factory(explicit: "Any | None" = None) -> "Any | None":
    """The factory to use: ``explicit`` (a contract or an address), ``$BOUNTY_FACTORY``, this
    network's entry under ``deployments:`` in ape-config.yaml (a fork uses its upstream network's
    entry), or the one ``ape run bounty create --deploy-factory`` recorded in Ape's deployments
    for this chain (:func:`bounty_client.cli_support.recorded_factory`).  ``None`` when none is
    found; raises :class:`ChainError` when the address holds no contract."""
    from ape import chain, networks

    if explicit is not None and not isinstance(explicit, str):
        return explicit
    if isinstance(explicit, str):
        explicit = checksum_address(explicit, "factory")
    project = contracts_project()
    address = explicit or os.environ.get("BOUNTY_FACTORY")
    if not address and project is not None:
        provider = networks.provider
        ecosystem = provider.network.ecosystem.name
        network = provider.network.name
        upstream = network[: -len("-fork")] if network.endswith("-fork") else network
        per_network = project.config.deployments.get(ecosystem) or {}
        for entry in reversed(list(per_network.get(network) or per_network.get(upstream) or [])):
            if entry.contract_type == "BountyFactory":
                address = str(entry.address)
                break
    if not address:
        from ..cli.inputs import recorded_factory

        address = recorded_factory()
    if not address:
        return None
    if not chain.provider.get_code(address):
        raise ChainError(f"no contract code at factory address {address} on {networks.provider.network_choice}")
    return contract_at("BountyFactory", address)


#: The one line said when no factory is known on the connected network.
NO_FACTORY = ("no BountyFactory known on this network: deploy one once with `ape run bounty create "
              "--deploy-factory ...`, or give --factory ADDRESS (or set BOUNTY_FACTORY)")


def find_or_deploy_factory(sender: Any, explicit: "str | None" = None) -> tuple[Any, bool]:
    """``(factory, deployed)``: :func:`find_factory`'s, else a new one deployed by ``sender``."""
    factory = find_factory(explicit)
    if factory is not None:
        return factory, False
    return deploy_factory(sender), True


def create_bounty(factory: Any, *, sender: Any, value: int, **terms: Any) -> Any:
    """Send ``factory.create(terms)`` with the ``Terms`` struct's fields given by name.

    The factory takes one ``Terms`` struct (see contracts/BountyFactory.vy); its field names are
    read from the ABI here, so no caller spells out (or silently misorders) the long list.
    ``value`` is ``reward + bond`` in wei.  Raises :class:`~bounty_client.errors.ArgumentError`
    naming any missing or unknown field (before anything is sent).  Returns the receipt."""
    (abi,) = [m for m in factory.contract_type.mutable_methods if m.name == "create"]
    (struct,) = abi.inputs
    names = [c.name for c in struct.components]
    missing = [n for n in names if n not in terms]
    unknown = sorted(set(terms) - set(names))
    if missing or unknown:
        raise ArgumentError(f"factory.create: missing terms {missing}, unknown terms {unknown}")
    return factory.create({n: terms[n] for n in names}, sender=sender, value=value)


# ----------------------------------------------------------------- authenticity
# EIP-1167 minimal proxy runtime code (https://eips.ethereum.org/EIPS/eip-1167), what Vyper's
# `create_minimal_proxy_to` deploys: PREFIX + 20-byte implementation address + SUFFIX.
_EIP1167_PREFIX = bytes.fromhex("363d3d373d3d3d363d73")
_EIP1167_SUFFIX = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
# Immutables Vyper 0.4 appends to a contract's runtime code, one 32-byte word each in declaration
# order: Bounty has FACTORY then _IMPLEMENTATION, BountyFactory has BOUNTY_IMPLEMENTATION.
_IMMUTABLE_WORDS = {"Bounty": 2, "BountyFactory": 1}


def clone_target(code: bytes) -> "str | None":
    """The implementation address an EIP-1167 clone's runtime ``code`` delegates to, else ``None``."""
    code = bytes(code)
    if len(code) != 45 or not code.startswith(_EIP1167_PREFIX) or not code.endswith(_EIP1167_SUFFIX):
        return None
    from eth_utils import to_checksum_address

    return to_checksum_address(code[10:30])


def _immutables(code: bytes, name: str) -> "list[str] | None":
    """The immutable words (as addresses) of runtime ``code`` when it is the shipped ``name``'s runtime
    code plus its immutables, else ``None``.  Written here because the code comparison must ignore
    exactly the appended immutables and nothing else; no library does that for Vyper."""
    from eth_utils import to_checksum_address

    runtime = contract_container(name).contract_type.runtime_bytecode
    expected = bytes.fromhex((runtime.bytecode if runtime else "0x").removeprefix("0x"))
    words = _IMMUTABLE_WORDS[name]
    code = bytes(code)
    if not expected or len(code) != len(expected) + 32 * words or not code.startswith(expected):
        return None
    tail = code[len(expected):]
    return [to_checksum_address(tail[32 * i + 12 : 32 * i + 32]) for i in range(words)]


def authenticate(address: str, factory: Any = None) -> str:
    """Check that ``address`` is a genuine bounty; return its factory's address.

    With a ``factory`` (contract or address; ``None``: :func:`find_factory`'s configuration) the code
    at ``address`` must be the EIP-1167 clone of that factory's ``BOUNTY_IMPLEMENTATION()``.  With no
    factory configured the chain of code is checked instead: the clone's implementation must run the
    shipped ``Bounty`` runtime code (immutables aside) with ``_IMPLEMENTATION`` itself and ``FACTORY``
    a contract that runs the shipped ``BountyFactory`` code with ``BOUNTY_IMPLEMENTATION`` equal to that
    implementation.  Only such a factory can initialize the clone, and it does so in the clone's
    creation transaction, so the terms in its ``BountyCreated`` event are the clone's.

    Raises :class:`~bounty_client.errors.NotABountyError` naming the failed link (reads only)."""
    from ape import chain
    from eth_utils import to_checksum_address

    address = to_checksum_address(address)
    code = lambda a: bytes(chain.provider.get_code(a) or b"")  # noqa: E731
    target = clone_target(code(address))
    if target is None:
        raise NotABountyError(f"{address} is not a bounty: its code is not an EIP-1167 clone of a Bounty "
                              "implementation (a look-alike contract could take a deposit and never pay)")
    if factory is None:
        factory = find_factory()
    if factory is not None:
        factory_address = to_checksum_address(str(getattr(factory, "address", factory)))
        implementation = to_checksum_address(
            str(contract_at("BountyFactory", factory_address).BOUNTY_IMPLEMENTATION()))
        if target != implementation:
            raise NotABountyError(f"{address} is not a bounty of the configured factory {factory_address}: it clones "
                                  f"{target}, the factory's implementation is {implementation}")
        return factory_address
    words = _immutables(code(target), "Bounty")
    if words is None:
        raise NotABountyError(f"{address} is not a bounty: the implementation it clones ({target}) does not run "
                              "the shipped Bounty code")
    factory_address, self_address = words
    if self_address != target:
        raise NotABountyError(f"{address} is not a bounty: implementation {target} records {self_address} as itself")
    factory_words = _immutables(code(factory_address), "BountyFactory")
    if factory_words is None:
        raise NotABountyError(f"{address} is not a bounty: the factory of its implementation ({factory_address}) "
                              "does not run the shipped BountyFactory code")
    if factory_words[0] != target:
        raise NotABountyError(f"{address} is not a bounty: factory {factory_address} deploys {factory_words[0]}, "
                              f"not {target}")
    return factory_address


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
    block_time = int(getattr(provider.network, "block_time", 0) or 12)
    return max(int(time.time()), int(chain.blocks.head.timestamp)) + block_time


# ---------------------------------------------------------------- data records
@dataclass(frozen=True)
class BountyCreation:
    """The ``BountyCreated`` event: every creation parameter, CIDs included."""

    bounty: str
    organizer: str
    reward: int
    spec_cid: str
    data_cids: tuple[str, ...]
    min_accuracy: int
    seq_len: int
    future_period: int
    submission_deadline: int
    reveal_deadline: int
    evaluation_deadline: int
    test_commitment: str
    max_submissions: int
    commit_deposit: int
    prize_shares: tuple[int, ...]
    block_number: int
    bond: int = 0
    n_features: int = 0
    max_cost: int = 0
    test_data_after: int = 0  # future-window mode; 0 in sealed mode


@dataclass(frozen=True)
class RevealedSubmission:
    """One revealed submission, decoded from its ``Revealed`` event."""

    id: int
    submitter: str
    hyperparameters: Hyperparameters


@dataclass
class BountyStatus:
    """A snapshot of a bounty's public state (``repr`` prints a readable summary)."""

    address: str
    stage: Stage
    outcome: Outcome
    now: int
    organizer: str
    reward: int
    balance: int
    submission_deadline: int
    reveal_deadline: int
    evaluation_deadline: int
    min_accuracy: int
    max_submissions: int
    commit_deposit: int
    prize_shares: tuple[int, ...]
    submission_count: int
    revealed_count: int
    scored_count: int
    test_revealed: bool
    ranking: list[tuple[int, int]] = field(default_factory=list)
    #: every posted score by submission id (qualifying or not)
    scores: dict[int, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["stage"] = self.stage.name
        d["outcome"] = self.outcome.name
        return d

    def __repr__(self) -> str:
        lines = [
            f"Bounty {self.address}: stage {self.stage.name}"
            + (f", outcome {self.outcome.name}" if self.outcome else ""),
            f"  organizer {self.organizer}, reward {self.reward / 1e18:g} ETH, balance {self.balance / 1e18:g} ETH",
            f"  chain time {_fmt_time(self.now)}",
            self._deadline("submissions close", self.submission_deadline),
            self._deadline("reveals close", self.reveal_deadline),
            self._deadline("evaluation closes", self.evaluation_deadline),
            f"  min accuracy {self.min_accuracy} bps, prize shares {list(self.prize_shares)} bps,"
            f" deposit {self.commit_deposit / 1e18:g} ETH",
            f"  {self.submission_count}/{self.max_submissions} committed, {self.revealed_count} revealed,"
            f" {self.scored_count} scored, test set {'revealed' if self.test_revealed else 'sealed'}",
        ]
        if self.ranking:
            lines.append("  ranking: " + ", ".join(f"#{i} {s} bps" for i, s in self.ranking))
        if self.scores:
            below = [f"#{i} {s} bps" for i, s in sorted(self.scores.items(), key=lambda p: (-p[1], p[0]))
                     if s < self.min_accuracy]
            if below:
                lines.append(f"  below the minimum {self.min_accuracy} bps: " + ", ".join(below))
        return "\n".join(lines)

    def _deadline(self, label: str, ts: int) -> str:
        """``"  reveals close in 23h59m (2026-01-02 03:04:05 UTC)"``, relative to chain time."""
        if ts <= self.now:
            label = label.rsplit(" ", 1)[0] + " closed"
        return f"  {label} {_relative(ts, self.now)} ({_fmt_time(ts)})"


# --------------------------------------------------------------------- bounty
class Bounty:
    """One deployed bounty: ``Bounty.at(address)``."""

    def __init__(self, contract: Any, *, factory: Any = None):
        """Wrap a contract after checking it is a genuine bounty (:func:`authenticate` against ``factory``
        or the configured one); raises :class:`~bounty_client.errors.NotABountyError` otherwise."""
        self._factory_address = authenticate(str(contract.address), factory)
        self.contract = contract
        self.address = str(contract.address)
        self._creation: BountyCreation | None = None
        self._deadlines: "tuple[int, int, int, int] | None" = None

    @classmethod
    def at(cls, address: str, factory: Any = None) -> "Bounty":
        """The bounty at ``address`` on the connected network, checked to be genuine
        (:func:`authenticate`, against ``factory`` or the configured one) before anything else.

        Raises :class:`~bounty_client.errors.ArgumentError` for a string that is not an address,
        :class:`~bounty_client.errors.ChainError` when no contract is deployed there,
        :class:`~bounty_client.errors.NotABountyError` when the code there is not a genuine bounty."""
        from ape import chain

        if not isinstance(address, str):
            raise ArgumentError(f"bounty: {address!r} is not an Ethereum address (0x and 40 hex digits)")
        address = checksum_address(address, "bounty")  # any case the user typed
        if not chain.provider.get_code(address):
            raise ChainError(f"no contract at {address} on this network")
        factory_address = authenticate(address, factory)  # before Ape caches a Bounty type for the address
        return cls(contract_at("Bounty", address), factory=factory_address)

    def __repr__(self) -> str:
        return f"<Bounty {self.address}>"

    # ------------------------------------------------------------- reads
    @property
    def factory(self) -> Any:
        return contract_at("BountyFactory", self._factory_address)

    def creation(self) -> BountyCreation:
        """Creation parameters and CIDs from the factory's ``BountyCreated`` event."""
        if self._creation is None:
            from ape import chain

            factory = self.factory
            logs = list(
                factory.BountyCreated.range(0, chain.blocks.height + 1, search_topics={"bounty": self.address})
            )
            if not logs:
                raise ChainError(f"no BountyCreated event for {self.address} from factory {factory.address}")
            e = logs[0]
            self._creation = BountyCreation(
                bounty=str(e.bounty),
                organizer=str(e.organizer),
                reward=int(e.reward),
                spec_cid=str(e.spec_cid),
                data_cids=tuple(str(c) for c in e.data_cids),
                min_accuracy=int(e.min_accuracy),
                seq_len=int(e.seq_len),
                future_period=int(e.future_period),
                submission_deadline=int(e.submission_deadline),
                reveal_deadline=int(e.reveal_deadline),
                evaluation_deadline=int(e.evaluation_deadline),
                test_commitment="0x" + bytes(e.test_commitment).hex(),
                max_submissions=int(e.max_submissions),
                commit_deposit=int(e.commit_deposit),
                prize_shares=tuple(int(s) for s in e.prize_shares),
                block_number=int(e.block_number),
                bond=int(e.bond),
                n_features=int(e.n_features),
                max_cost=int(e.max_cost),
                test_data_after=int(e.test_data_after),
            )
        return self._creation

    def _events(self, name: str, **topics: Any) -> list[Any]:
        from ape import chain

        start = self.creation().block_number
        event = getattr(self.contract, name)
        return list(event.range(start, chain.blocks.height + 1, search_topics=topics or None))

    @property
    def stage(self) -> Stage:
        return Stage(self.contract.stage())

    def now(self) -> int:
        """The timestamp the next transaction will be mined with (:func:`mined_timestamp`): what the
        contract's stage checks will see."""
        return mined_timestamp()

    def deadlines(self) -> tuple[int, int, int, int]:
        """``(submission, reveal, evaluation, test_data_after)`` deadlines in unix seconds (fixed at
        creation; ``test_data_after`` is 0 in sealed mode)."""
        if self._deadlines is None:
            c = self.contract
            self._deadlines = (int(c.submission_deadline()), int(c.reveal_deadline()),
                               int(c.evaluation_deadline()), int(c.test_data_after()))
        return self._deadlines

    def stage_at(self, timestamp: int) -> Stage:
        """The stage a transaction mined at ``timestamp`` meets: the contract's ``stage()`` rule applied to
        the stored outcome and the deadlines (not the view at the latest block, which is one block old)."""
        outcome = Outcome(self.contract.outcome())
        if outcome == Outcome.CANCELLED:
            return Stage.CANCELLED
        if outcome != Outcome.NONE:
            return Stage.FINALIZED
        d1, d2, d3, _ = self.deadlines()
        if timestamp < d1:
            return Stage.SUBMISSION
        if timestamp < d2:
            return Stage.REVEAL
        if timestamp < d3:
            return Stage.EVALUATION
        return Stage.EXPIRED

    def status(self) -> BountyStatus:
        from ape import chain

        c = self.contract
        ids, scores = c.ranking()
        return BountyStatus(
            address=self.address,
            stage=Stage(c.stage()),
            outcome=Outcome(c.outcome()),
            now=self.now(),
            organizer=str(c.organizer()),
            reward=int(c.reward()),
            balance=int(chain.provider.get_balance(self.address)),
            submission_deadline=int(c.submission_deadline()),
            reveal_deadline=int(c.reveal_deadline()),
            evaluation_deadline=int(c.evaluation_deadline()),
            min_accuracy=int(c.min_accuracy()),
            max_submissions=int(c.max_submissions()),
            commit_deposit=int(c.commit_deposit()),
            prize_shares=tuple(int(s) for s in c.prize_shares()),
            submission_count=int(c.submission_count()),
            revealed_count=int(c.revealed_count()),
            scored_count=int(c.scored_count()),
            test_revealed=bool(c.test_revealed()),
            ranking=[(int(i), int(s)) for i, s in zip(ids, scores)],
            scores=self.posted_scores()[0] if int(c.scored_count()) else {},
        )

    def commits(self, submitter: "str | None" = None) -> list[tuple[int, str]]:
        """``(id, committer)`` of every ``Committed`` event (of ``submitter`` only, if given)."""
        topics = {"submitter": submitter} if submitter else {}
        return [(int(e.id), str(e.submitter)) for e in self._events("Committed", **topics)]

    def commitment_of(self, submission_id: int) -> "str | None":
        """The stored commitment of an unrevealed submission, top bit cleared (as the contract keeps
        it); ``None`` once revealed."""
        value = bytes(self.contract.commitment_of(submission_id))
        return None if value == bytes(32) else "0x" + value.hex()

    def revealed_submissions(self) -> list[RevealedSubmission]:
        """Every revealed submission with its hyperparameters, in id order."""
        out = []
        for e in self._events("Revealed"):
            values = list(decode_revealed(e.hyperparameters))
            out.append(RevealedSubmission(int(e.id), str(e.submitter), Hyperparameters.from_chain(values)))
        return sorted(out, key=lambda s: s.id)

    def revealed_test_data(self) -> "tuple[str, str] | None":
        """``(test_cid, salt hex)`` once the organizer revealed the test set."""
        logs = self._events("TestDataRevealed")
        if not logs:
            return None
        return str(logs[-1].test_cid), "0x" + bytes(logs[-1].salt).hex()

    def posted_scores(self) -> tuple[dict[int, int], list[str]]:
        """Scores posted so far by id, and the report CIDs in posting order."""
        scores: dict[int, int] = {}
        reports: list[str] = []
        for e in self._events("ScoresPosted"):
            scores.update(decode_score_entry(x) for x in e.entries)
            if str(e.report_cid) not in reports:
                reports.append(str(e.report_cid))
        return scores, reports

    def credits(self, account: Any) -> int:
        return int(self.contract.credits(account))

    # ------------------------------------------------------------- guards
    def require_stage(self, action: str, *allowed: Stage) -> Stage:
        """The stage at the timestamp the transaction will be mined with (:meth:`now`), if it is one of
        ``allowed``; else raise :class:`StageError` naming that stage and when the right one opens."""
        now = self.now()
        stage = self.stage_at(now)
        if stage in allowed:
            return stage
        wanted = " or ".join(s.name for s in allowed)
        msg = f"cannot {action}: bounty {self.address} is in stage {stage.name}; {action} needs {wanted}"
        d1, d2, d3, _ = self.deadlines()
        opens = {Stage.REVEAL: d1, Stage.EVALUATION: d2, Stage.EXPIRED: d3}
        future = [(opens[s], s) for s in allowed if s in opens and opens[s] > now]
        if stage.is_closed():
            msg += "; the bounty is closed"
        elif future:
            ts, _ = min(future)
            msg += f", which opens at {_fmt_time(ts)} (in {ts - now} s)"
        else:
            msg += "; that stage has passed"
        raise StageError(msg)

    def require_test_data_window(self, action: str) -> None:
        """Guard of ``reveal_test_data``/``post_test_data`` at the mined timestamp: stage EVALUATION, test
        data not posted yet, the randomness drawn (:meth:`draw_randomness`, an earlier transaction) and in
        future-window mode ``test_data_after`` reached.  Raises :class:`StageError`."""
        self.require_stage(action, Stage.EVALUATION)
        if self.contract.test_revealed():
            raise StageError(f"cannot {action}: the test data of {self.address} is already posted")
        if not self.contract.randomness_drawn():
            raise StageError(f"cannot {action}: the randomness of {self.address} is not drawn yet "
                             "(draw_randomness first; test data is accepted only after it)")
        after = self.deadlines()[3]
        now = self.now()
        if after and now < after:
            raise StageError(f"cannot {action}: the test window of {self.address} closes at {_fmt_time(after)} "
                             f"(in {after - now} s); no test data is accepted before")

    def draw_randomness(self, sender: Any) -> Any:
        """Anyone, once, in stage EVALUATION: fix the evaluation randomness (one transaction; returns the
        receipt).  Raises :class:`StageError` outside the stage, :class:`ChainError` once drawn."""
        self.require_stage("draw the randomness", Stage.EVALUATION)
        if self.contract.randomness_drawn():
            raise ChainError(f"the randomness of {self.address} is already drawn")
        return self.contract.draw_randomness(sender=sender)

    def claimable_share_ids(self, account: Any) -> list[int]:
        """Ids ``account`` revealed whose abandonment share it has not claimed yet, in id order."""
        address = str(getattr(account, "address", account))
        ids = [int(e.id) for e in self._events("Revealed") if str(e.submitter).lower() == address.lower()]
        return [i for i in sorted(ids) if not self.contract.submission(i).share_claimed]

    def claim_shares(self, sender: Any) -> list[Any]:
        """After a SHARED outcome, claim ``sender``'s unclaimed shares: only ids it revealed and has not
        claimed, in batches of at most ``MAX_SCORE_BATCH`` (128) ids.  Returns the receipts.  Raises
        :class:`ChainError` when the outcome is not SHARED or nothing is left to claim (nothing sent)."""
        outcome = Outcome(self.contract.outcome())
        if outcome != Outcome.SHARED:
            raise ChainError(f"cannot claim shares: bounty {self.address} has outcome {outcome.name}; shares exist "
                             "only after an abandoned bounty (SHARED)")
        ids = self.claimable_share_ids(sender)
        if not ids:
            raise ChainError(f"nothing to claim: {sender.address} has no revealed, unclaimed submission in "
                             f"{self.address}")
        return [self.contract.claim_shares(ids[i : i + MAX_SCORE_BATCH], sender=sender)
                for i in range(0, len(ids), MAX_SCORE_BATCH)]


def list_bounties(factory: Any = None, start_block: int = 0) -> "Any":
    """Every bounty the factory created, as a DataFrame (from ``BountyCreated`` events).

    ``factory`` is a contract, an address or ``None`` (:func:`find_factory`'s); raises
    :class:`~bounty_client.errors.ChainError` when none is configured."""
    import pandas as pd
    from ape import chain

    if factory is None or isinstance(factory, str):
        found = find_factory(factory)
        if found is None:
            raise ChainError(NO_FACTORY)
        factory = found

    rows = []
    now = int(chain.pending_timestamp)
    for e in factory.BountyCreated.range(start_block, chain.blocks.height + 1):
        bounty = contract_at("Bounty", e.bounty)
        rows.append(
            {
                "bounty": str(e.bounty),
                "organizer": str(e.organizer),
                "reward_eth": int(e.reward) / 1e18,
                "stage": Stage(bounty.stage()).name,
                "submissions": int(bounty.submission_count()),
                "spec_cid": str(e.spec_cid),
                "submissions_close": _relative(int(e.submission_deadline), now),
                "block": int(e.block_number),
            }
        )
    return pd.DataFrame(rows)
