"""One deployed ``BountyFactory``: :class:`Factory`, the client's only door to the factory contract.

As ApePay's SDK does for its contracts, one class owns every call the client makes to the factory:
deploying it (:meth:`Factory.deploy`), finding the configured one (:meth:`Factory.find`), creating a
bounty (:meth:`Factory.create`), its implementation (:meth:`Factory.implementation`) and its
``BountyCreated`` events (:meth:`Factory.creation_of`, :meth:`Factory.bounties`).  The module-level
functions (:func:`deploy_factory`, :func:`find_factory`, :func:`list_bounties`) are the notebook's
short forms of those methods.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..errors import ArgumentError, ChainError
from ..protocol.wire import Stage, checksum_address
from .clock import relative_time
from .project import contract_at, contract_container, contracts_project, recorded_factory

__all__ = ["NO_FACTORY", "BountyCreation", "Factory", "deploy_factory", "find_factory", "find_or_deploy_factory",
           "list_bounties"]

#: The one line said when no factory is known on the connected network.
NO_FACTORY = ("no BountyFactory known on this network: deploy one once with `ape run bounty create "
              "--deploy-factory ...`, or give --factory ADDRESS (or set BOUNTY_FACTORY)")


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
    #: future-window mode: the test window ``[test_window_start, test_data_after]`` (unix seconds); 0 in sealed mode
    test_window_start: int = 0
    test_data_after: int = 0
    #: who rules on disputes (the zero address: none, the scores are trusted)
    arbiter: str = "0x" + "00" * 20
    #: seconds of challenge window after the evaluation deadline, then of rulings after it
    challenge_period: int = 0
    resolution_period: int = 0
    #: wei a challenger escrows per dispute; bps within which a ruling rejects a challenge
    challenge_bond: int = 0
    score_tolerance: int = 0
    #: hash of the transaction that created the bounty
    tx: str = ""

    @property
    def has_arbiter(self) -> bool:
        """Whether scores can be challenged (an arbiter was named at creation)."""
        return int(self.arbiter, 16) != 0

    @property
    def challenge_deadline(self) -> int:
        """Scores are provisional until this time (unix seconds); the evaluation deadline without an arbiter."""
        return self.evaluation_deadline + self.challenge_period

    @property
    def resolution_deadline(self) -> int:
        """The arbiter rules before this time (unix seconds); open disputes then lead to the fail-safe."""
        return self.challenge_deadline + self.resolution_period


def _creation(e: Any) -> BountyCreation:
    return BountyCreation(
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
        test_window_start=int(e.test_window_start),
        test_data_after=int(e.test_data_after),
        arbiter=checksum_address(str(e.arbiter)),
        challenge_period=int(e.challenge_period),
        resolution_period=int(e.resolution_period),
        challenge_bond=int(e.challenge_bond),
        score_tolerance=int(e.score_tolerance),
        tx=_hex(e.transaction_hash),
    )


def _hex(value: Any) -> str:
    text = "0x" + bytes(value).hex() if isinstance(value, (bytes, bytearray)) else str(value)
    return text if text.startswith("0x") else "0x" + text


class Factory:
    """One deployed ``BountyFactory`` (``Factory.at(address)``, :meth:`find`, :meth:`deploy`).

    ``address`` is its checksummed address; ``contract`` the Ape contract (only this class calls it)."""

    def __init__(self, contract: Any):
        self.contract = contract
        self.address = str(contract.address)

    def __repr__(self) -> str:
        return f"<Factory {self.address}>"

    # ------------------------------------------------------------- finding one
    @classmethod
    def at(cls, address: Any) -> "Factory":
        """The factory at ``address``; raises :class:`ChainError` when the address holds no contract."""
        from ape import chain, networks

        address = checksum_address(address, "factory")
        if not chain.provider.get_code(address):
            raise ChainError(f"no contract code at factory address {address} on {networks.provider.network_choice}")
        return cls(contract_at("BountyFactory", address))

    @classmethod
    def of(cls, value: Any) -> "Factory":
        """``value`` as a :class:`Factory`: itself, an Ape contract (wrapped as it is) or an address
        (:meth:`at`)."""
        if isinstance(value, Factory):
            return value
        if isinstance(value, str):
            return cls.at(value)
        return cls(value)

    @classmethod
    def find(cls, explicit: "Any | None" = None) -> "Factory | None":
        """The factory to use: ``explicit`` (a :class:`Factory`, a contract or an address), ``$BOUNTY_FACTORY``,
        this network's entry under ``deployments:`` in ape-config.yaml (a fork uses its upstream network's
        entry), or the one ``ape run bounty create --deploy-factory`` recorded in Ape's deployments for this
        chain (:func:`bounty_client.chain.project.recorded_factory`).  ``None`` when none is found; raises
        :class:`ChainError` when the address holds no contract."""
        from ape import networks

        if explicit is not None and not isinstance(explicit, str):
            return cls.of(explicit)
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
            address = recorded_factory()
        if not address:
            return None
        return cls.at(address)

    @classmethod
    def deploy(cls, sender: Any) -> "Factory":
        """Declare the Bounty and BountyExtension blueprints and deploy a ``BountyFactory``, which deploys
        the implementation and its extension from them (three transactions)."""
        def declare(name: str) -> str:
            container = contract_container(name)
            # Some nodes fail to estimate gas for a blueprint deployment (ERC-5202 code that
            # cannot run); its cost is known: creation + 200 gas per stored byte + calldata.
            code = container.contract_type.deployment_bytecode.bytecode or "0x"
            size = len(bytes.fromhex(code.removeprefix("0x")))
            blueprint = sender.declare(container, gas_limit=100_000 + 250 * size)
            return getattr(blueprint, "contract_address", None) or getattr(blueprint, "address", None)

        bounty, extension = declare("Bounty"), declare("BountyExtension")
        return cls(contract_container("BountyFactory").deploy(bounty, extension, sender=sender))

    # ------------------------------------------------------------- views and events
    def implementation(self) -> str:
        """``BOUNTY_IMPLEMENTATION()``: the Bounty implementation every bounty it creates clones."""
        from eth_utils import to_checksum_address

        return to_checksum_address(str(self.contract.BOUNTY_IMPLEMENTATION()))

    def creation_of(self, bounty: str) -> BountyCreation:
        """Creation parameters and CIDs of ``bounty`` from this factory's ``BountyCreated`` event; raises
        :class:`ChainError` when it emitted none for that address."""
        from ape import chain

        logs = list(self.contract.BountyCreated.range(0, chain.blocks.height + 1, search_topics={"bounty": bounty}))
        if not logs:
            raise ChainError(f"no BountyCreated event for {bounty} from factory {self.address}")
        return _creation(logs[0])

    def creations(self, start_block: int = 0) -> list[BountyCreation]:
        """Every ``BountyCreated`` event of this factory from ``start_block`` on, oldest first."""
        from ape import chain

        return [_creation(e) for e in self.contract.BountyCreated.range(start_block, chain.blocks.height + 1)]

    def read_bounties(self, addresses: "list[str]", names: "tuple[str, ...]") -> list[tuple[Any, ...]]:
        """For each bounty of ``addresses``, the values of its view functions ``names`` (functions without
        arguments, such as ``("outcome", "submission_count", "ranking")``), in one JSON-RPC batch (one
        request per call when the node refuses batches).  Returns one tuple per address, in order, as
        web3 decodes them (a struct or several outputs as a tuple).  An Ape contract call costs three
        requests (code check, chain id, call): 20 bounties of a list page would take half a second.
        Raises :class:`ArgumentError` for a name that is not a view function of ``Bounty`` without
        arguments."""
        from ape import chain

        functions = {a.name: a for a in contract_container("Bounty").contract_type.view_methods}
        unknown = [n for n in names if n not in functions or functions[n].inputs]
        if unknown:
            raise ArgumentError(f"read_bounties: {unknown} are not Bounty view functions without arguments")
        if not addresses:
            return []
        w3 = chain.provider.web3
        abi = [functions[n].model_dump(by_alias=True, mode="json") for n in dict.fromkeys(names)]
        factory = w3.eth.contract(abi=abi)  # web3 is slow on the whole ABI: only what is read
        calls = [getattr(factory(address=a).functions, n)() for a in addresses for n in names]
        try:
            with w3.batch_requests() as batch:
                for c in calls:
                    batch.add(c)
                flat = list(batch.execute())
        except Exception:  # noqa: BLE001 - a node without batch support: one request per call
            flat = [c.call() for c in calls]
        k = len(names)
        return [tuple(flat[i * k:(i + 1) * k]) for i in range(len(addresses))]

    def changed_since(self, block: int, bounties: "list[str] | tuple[str, ...]" = ()) -> bool:
        """True when this factory (a new bounty) or any of ``bounties`` logged an event after block
        ``block`` (one ``eth_getLogs``)."""
        from .network import logged_since

        return logged_since([self.address, *bounties], block)

    def created_address(self, receipt: Any) -> str:
        """The address of the bounty a :meth:`create` receipt opened (its last ``BountyCreated`` event)."""
        created = [log for log in receipt.events if getattr(log, "event_name", "") == "BountyCreated"]
        return str(created[-1].bounty)

    def bounties(self, start_block: int = 0) -> "Any":
        """Every bounty this factory created, as a DataFrame (from ``BountyCreated`` events): bounty,
        organizer, reward, stage, submissions, spec CID, the submission deadline relative to chain time."""
        import pandas as pd
        from ape import chain

        rows = []
        now = int(chain.pending_timestamp)
        for e in self.contract.BountyCreated.range(start_block, chain.blocks.height + 1):
            bounty = contract_at("Bounty", e.bounty)
            rows.append(
                {
                    "bounty": str(e.bounty),
                    "organizer": str(e.organizer),
                    "reward_eth": int(e.reward) / 1e18,
                    "stage": Stage(bounty.stage()).name,
                    "submissions": int(bounty.submission_count()),
                    "spec_cid": str(e.spec_cid),
                    "submissions_close": relative_time(int(e.submission_deadline), now),
                    "block": int(e.block_number),
                }
            )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------- transactions
    def create(self, *, sender: Any, value: int, **terms: Any) -> Any:
        """Send ``create(terms)`` with the ``Terms`` struct's fields given by name.

        The factory takes one ``Terms`` struct (see contracts/BountyFactory.vy); its field names are
        read from the ABI here, so no caller spells out (or silently misorders) the long list.
        ``value`` is ``reward + bond`` in wei.  Raises :class:`~bounty_client.errors.ArgumentError`
        naming any missing or unknown field (before anything is sent).  Returns the receipt
        (:meth:`created_address` reads the new bounty's address from it)."""
        (abi,) = [m for m in self.contract.contract_type.mutable_methods if m.name == "create"]
        (struct,) = abi.inputs
        names = [c.name for c in struct.components]
        missing = [n for n in names if n not in terms]
        unknown = sorted(set(terms) - set(names))
        if missing or unknown:
            raise ArgumentError(f"factory.create: missing terms {missing}, unknown terms {unknown}")
        return self.contract.create({n: terms[n] for n in names}, sender=sender, value=value)


def deploy_factory(sender: Any) -> Factory:
    """Declare the blueprints and deploy a ``BountyFactory`` (three transactions): :meth:`Factory.deploy`."""
    return Factory.deploy(sender)


def find_factory(explicit: "Any | None" = None) -> "Factory | None":
    """The factory to use (:meth:`Factory.find`): ``explicit`` (a contract or an address), ``$BOUNTY_FACTORY``,
    this network's entry under ``deployments:`` in ape-config.yaml (a fork uses its upstream network's
    entry), or the one ``ape run bounty create --deploy-factory`` recorded in Ape's deployments for this
    chain.  ``None`` when none is found; raises :class:`ChainError` when the address holds no contract."""
    return Factory.find(explicit)


def find_or_deploy_factory(sender: Any, explicit: "str | None" = None) -> tuple[Factory, bool]:
    """``(factory, deployed)``: :func:`find_factory`'s, else a new one deployed by ``sender``."""
    factory = find_factory(explicit)
    if factory is not None:
        return factory, False
    return deploy_factory(sender), True


def list_bounties(factory: Any = None, start_block: int = 0) -> "Any":
    """Every bounty the factory created, as a DataFrame (from ``BountyCreated`` events, :meth:`Factory.bounties`).

    ``factory`` is a :class:`Factory`, a contract, an address or ``None`` (:func:`find_factory`'s); raises
    :class:`~bounty_client.errors.ChainError` when none is configured."""
    found = find_factory(factory)
    if found is None:
        raise ChainError(NO_FACTORY)
    return found.bounties(start_block)
