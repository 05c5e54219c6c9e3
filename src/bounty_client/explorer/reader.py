"""The explorer's one door to the client: the views of :mod:`bounty_client.record.views`, with errors as HTTP.

Every read the web app makes goes through here: :class:`Reader` (a store and a factory) lists the
factory's bounties (:func:`~bounty_client.record.views.bounty_summaries`), reads one bounty's whole
record (:func:`~bounty_client.record.views.bounty_view`), says whether contracts logged anything after a
block (the caches' freshness check) and streams a file of a record from the store.  The client's
errors become :class:`ViewError`\\ s that carry the HTTP status and the one line a page shows.
:func:`run_verify` is what the verify worker process runs (``record.verify``, as ``ape run bounty
verify`` does, turned into plain data by ``views.verification_view``).  Nothing here imports a web
framework; the rest of the explorer reads only what this module hands it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from ..chain.network import NetworkInfo
from ..record import views
from ..record.views import AddressView, BountySummary, BountyView

__all__ = [
    "ViewError", "BadRequest", "NotFound", "StoreMissing", "ChainUnavailable", "Reader", "AddressView", "NetworkInfo",
    "BountySummary", "BountyView", "connect", "network_info", "verify_network", "relative_time", "silence",
    "parse_address", "parse_cid", "open_store", "run_verify", "add_directory",
]


# ------------------------------------------------------------------ errors
class ViewError(Exception):
    """A page that cannot be shown: ``status`` is the HTTP status, ``str(self)`` the one line."""

    status = 500

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class BadRequest(ViewError):
    """Malformed input in the URL: not an address, not a CID, not a submission id."""

    status = 400


class NotFound(ViewError):
    """No such bounty (no contract, not a bounty, another network's), submission or file of a record."""

    status = 404


class StoreMissing(ViewError):
    """The content store lacks (or cannot serve) a file the chain names: the upstream failed."""

    status = 502


class ChainUnavailable(ViewError):
    """The node does not answer."""

    status = 503


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turn the client's errors into :class:`ViewError`\\ s with the right status."""
    from ..errors import ArgumentError, ChainError, NotABountyError, VerificationError
    from ..storage.errors import (CIDNotFoundError, FileTooLargeError, KuboError, MalformedCIDError, StorageError,
                                  UnsupportedCIDError)

    try:
        yield
    except ViewError:
        raise
    except (MalformedCIDError, UnsupportedCIDError, ArgumentError) as exc:
        raise BadRequest(f"{what}: {exc}") from exc
    except NotABountyError as exc:
        raise NotFound(str(exc)) from exc
    except CIDNotFoundError as exc:
        raise StoreMissing(f"{what}: {exc}; start the explorer with the store that holds the bounty's record "
                           "(--store http://HOST:5001, or import the organizer's CAR file)") from exc
    except (FileTooLargeError, KuboError, StorageError) as exc:
        raise StoreMissing(f"{what}: {exc}") from exc
    except VerificationError as exc:
        raise StoreMissing(f"{what}: the store's content disagrees with the chain: {exc}") from exc
    except ChainError as exc:
        raise NotFound(str(exc)) from exc
    except (ConnectionError, TimeoutError, OSError) as exc:
        raise ChainUnavailable(f"{what}: the node does not answer ({exc})") from exc


# ------------------------------------------------------------------ small helpers
def relative_time(ts: int, now: int) -> str:
    """``"in 23h59m"`` / ``"2d3h ago"`` / ``"now"`` (the CLI's wording)."""
    from ..chain.clock import relative_time as rel

    return rel(int(ts), int(now))


def silence() -> None:
    """No TensorFlow, absl, Ray or pydantic start-up noise in this process (``bounty_client.quiet``)."""
    from ..quiet import quiet

    quiet()


def parse_address(text: str, what: str = "address") -> str:
    """The checksummed spelling of ``text``; :class:`BadRequest` when it is not an address."""
    from ..errors import ArgumentError
    from ..protocol.wire import checksum_address

    try:
        return checksum_address(str(text), what)
    except ArgumentError as exc:
        raise BadRequest(str(exc)) from None


def parse_cid(text: str) -> str:
    """The canonical string of a CID given in a URL; :class:`BadRequest` otherwise.  Only a CID
    (never a path) reaches the store, and only one the record names (the app checks that)."""
    from ..storage import cid_str, parse_cid as parse

    try:
        return cid_str(parse(str(text)))
    except Exception:  # noqa: BLE001 - any parse failure is the same answer
        raise BadRequest(f"{str(text)[:80]!r} is not a CID") from None


def open_store(url: str) -> Any:
    """The content store at ``url`` (``local:``, ``local:/path``, a kubo API)."""
    from ..storage import open_store as open_

    with _translated("store"):
        return open_(url)


@contextmanager
def connect(network: "str | None") -> Iterator[None]:
    """Connect Ape to ``network`` for the duration (``None``: the provider already connected)."""
    from ..chain import connect as connect_
    from ..errors import ChainError

    try:
        with connect_(network):
            yield
    except ChainError as exc:
        raise ChainUnavailable(str(exc)) from exc


def network_info() -> Any:
    """The connected network (:class:`~bounty_client.chain.NetworkInfo`: name, chain id, head, chain time)."""
    from ..chain import network_info as info

    with _translated("network"):
        return info()


def verify_network() -> str:
    """What the verify worker connects to: the same node (:func:`~bounty_client.chain.node_uri`)."""
    from ..chain import node_uri

    return node_uri()


# ------------------------------------------------------------------ reading
class Reader:
    """Reads bounties from the connected network and ``store`` (read only: no account, no transaction).

    ``factory``: the factory whose bounties the list shows (an address; ``None``: the configured one,
    :func:`bounty_client.chain.find_factory`)."""

    def __init__(self, store: Any, factory: "str | None" = None):
        self.store = store
        self._factory = parse_address(factory, "factory") if factory else None
        self._factory_resolved = factory is not None

    @property
    def factory(self) -> "str | None":
        """The factory's address (``None`` when none is configured on this network)."""
        if not self._factory_resolved:
            from ..chain import find_factory

            with _translated("factory"):
                found = find_factory()
            self._factory = None if found is None else str(found.address)
            self._factory_resolved = True
        return self._factory

    def _factory_object(self) -> Any:
        from ..chain import NO_FACTORY, Factory

        if self.factory is None:
            raise NotFound(NO_FACTORY)
        with _translated("factory"):
            return Factory.at(self.factory)

    def bounties(self) -> list[BountySummary]:
        """Every bounty of the factory, newest first (:func:`~bounty_client.record.views.bounty_summaries`)."""
        factory = self._factory_object()
        with _translated("bounties"):
            return views.bounty_summaries(factory, self.store)

    def changed_since(self, addresses: "list[str]", block: int) -> bool:
        """True when the factory or any of ``addresses`` logged an event after ``block`` (one ``eth_getLogs``)."""
        from ..chain import logged_since

        with _translated("chain"):
            return logged_since([a for a in addresses if a], block)

    def open_bounty(self, address: str) -> Any:
        """:class:`~bounty_client.chain.Bounty` at ``address``, authenticated against the factory;
        :class:`NotFound` when there is no contract (naming the network) or it is not a bounty."""
        from ..chain import Bounty
        from ..errors import ChainError, NotABountyError

        address = parse_address(address, "bounty")
        with _translated(f"bounty {address}"):
            try:
                return Bounty.at(address, factory=self.factory)
            except NotABountyError:
                raise
            except ChainError as exc:  # no code at the address
                info = network_info()
                raise NotFound(f"{exc} ({info.name}, chain id {info.chain_id}): an address of another "
                               "network?") from exc

    def bounty(self, address: str) -> BountyView:
        """The whole public record of the bounty at ``address`` (chain + store):
        :func:`~bounty_client.record.views.bounty_view`."""
        bounty = self.open_bounty(address)
        with _translated(f"bounty {bounty.address}"):
            return views.bounty_view(bounty, self.store)

    def fetch(self, cid: str, path: Any) -> Any:
        """Stream the file ``cid`` from the store to ``path``; every block is checked against its CID
        by the store.  :class:`StoreMissing` when the store lacks it or its content is wrong."""
        with _translated(f"file {cid}"):
            return self.store.get(cid, path)


def run_verify(address: str, store: Any, factory: "str | None") -> dict[str, Any]:
    """Re-run the evaluation of ``address`` as ``ape run bounty verify`` does (``record.verify``: scores on
    record, rulings included, and what they pay) and return it as plain data
    (:func:`~bounty_client.record.views.verification_view`).  Progress lines go to stderr."""
    from ..chain import Bounty
    from ..record import verify

    with _translated(f"verify {address}"):
        bounty = Bounty.at(parse_address(address, "bounty"), factory=factory)
        _, reports = bounty.posted_scores()
        report = verify(bounty, store, progress=True)
    return views.verification_view(report, reports[-1] if reports else None)


def add_directory(store: Any, path: Any) -> str:
    """Add a folder to the store (``storage.directory``); returns the CID ``ipfs add -r`` gives it."""
    from ..storage.directory import add_directory as add

    with _translated(f"folder {path}"):
        return add(store, path)
