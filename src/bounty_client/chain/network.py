"""The connected network as a reader sees it: which node, its head and clock, and what changed.

Read-only helpers for long-running readers (the explorer): :func:`network_info` (network, chain id,
latest block, chain time), :func:`connect` (connect Ape for a while, or use the provider already
connected), :func:`node_uri` (a choice another process reaches the same node with),
:func:`block_timestamp`, :func:`balance_of` and :func:`logged_since` (did any of these contracts log
an event after a block: one ``eth_getLogs``, the freshness check of a cache).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from ..errors import ChainError
from .clock import mined_timestamp

__all__ = ["NetworkInfo", "balance_of", "block_timestamp", "connect", "logged_since", "network_info", "node_uri"]


@dataclass(frozen=True)
class NetworkInfo:
    """The connected network: ``name`` (Ape's choice string), ``chain_id``, ``head`` (latest block
    number) and ``now`` (chain time: the timestamp the next transaction would be mined with, unix s)."""

    name: str
    chain_id: int
    head: int
    now: int


def network_info() -> NetworkInfo:
    """:class:`NetworkInfo` of the connected provider (four requests)."""
    from ape import chain, networks

    return NetworkInfo(str(networks.provider.network_choice), int(chain.chain_id), int(chain.blocks.height),
                       int(mined_timestamp()))


@contextmanager
def connect(network: "str | None") -> Iterator[None]:
    """Connect Ape to ``network`` (an Ape network choice such as ``ethereum:local:foundry``, or a node's
    URL) for the duration of the block; ``None`` uses the provider already connected (as under
    ``ape run`` or ``ape test``).  Raises :class:`ChainError` when ``None`` is given and no provider is
    connected."""
    from ape import networks

    if network is None:
        if not networks.active_provider:
            raise ChainError("no network connected: give a network (an Ape network choice or a node URL)")
        yield
        return
    with networks.parse_network_choice(network):
        yield


def node_uri() -> str:
    """A network choice another process reaches the same node with: the node's URL when the provider has
    one (given Ape's own choice, a process would start a second local node), else Ape's choice string."""
    from ape import networks

    provider = networks.provider
    try:
        uri = provider.uri
    except Exception:  # noqa: BLE001 - a provider without a URL (or not answering for it)
        uri = None
    if isinstance(uri, str) and uri.startswith(("http://", "https://", "ws://", "wss://")):
        return uri
    return str(provider.network_choice)


def block_timestamp(number: int) -> int:
    """The timestamp of block ``number`` (unix seconds)."""
    from ape import chain

    return int(chain.blocks[int(number)].timestamp)


def balance_of(address: str) -> int:
    """Wei held by ``address`` at the latest block."""
    from ape import chain

    return int(chain.provider.get_balance(address))


def logged_since(addresses: "list[str]", block: int) -> bool:
    """True when any contract of ``addresses`` logged an event in a block after ``block`` (one
    ``eth_getLogs`` over ``block + 1 .. head``); False when nothing was mined since."""
    from ape import chain

    addresses = [a for a in addresses if a]
    head = int(chain.blocks.height)
    if head <= block or not addresses:
        return False
    logs = chain.provider.make_request(
        "eth_getLogs", [{"address": list(addresses), "fromBlock": hex(int(block) + 1), "toBlock": hex(head)}])
    return bool(logs)
