"""The chain wing: every contract call, event query and transaction the client makes, through Ape.

One class per contract, as ApePay's SDK: :class:`Bounty` (one deployed bounty, both halves: the
contract and the extension it runs by DELEGATECALL; ``Bounty.at(address)`` checks it is genuine
first), :class:`Factory` (the ``BountyFactory``) and :class:`Jury` (a ``RerunJury``, the default
arbiter).  Nothing outside this
package touches a contract object.  Modules: :mod:`.bounty`, :mod:`.factory`, :mod:`.authenticity`
(is it a genuine bounty?), :mod:`.project` (contract types: the Ape project or the shipped ones; the
deployments record), :mod:`.clock` (mined time, a dev node's time travel, times for people) and
:mod:`.network` (the connected node, its head and clock, and whether contracts logged anything new).
Importing it is cheap: Ape is imported by the calls that need it.
"""

from ..errors import ChainError, StageError
from ..protocol.wire import CreditReason, Outcome, Stage, parse_ether, stored_commitment
from .authenticity import authenticate, clone_target
from .bounty import Bounty, BountyStatus, ChainEvent, Dispute, RevealedSubmission, SubmissionState
from .clock import (ADVANCE_TARGETS, advance, format_time, format_utc, is_dev_node, mined_timestamp, relative_time,
                    travel_to,
                    wait_for_block)
from .factory import (NO_FACTORY, BountyCreation, Factory, deploy_factory, find_factory, find_or_deploy_factory,
                      list_bounties)
from .jury import Jury, JuryDispute, vote_commitment
from .network import NetworkInfo, balance_of, block_timestamp, connect, logged_since, network_info, node_uri
from .project import contract_container, contracts_project, record_factory, recorded_factory

__all__ = [
    "Stage",
    "Outcome",
    "CreditReason",
    "StageError",
    "ChainError",
    "Bounty",
    "BountyCreation",
    "BountyStatus",
    "ChainEvent",
    "Dispute",
    "Factory",
    "Jury",
    "JuryDispute",
    "vote_commitment",
    "NetworkInfo",
    "balance_of",
    "block_timestamp",
    "connect",
    "logged_since",
    "network_info",
    "node_uri",
    "RevealedSubmission",
    "SubmissionState",
    "NO_FACTORY",
    "ADVANCE_TARGETS",
    "advance",
    "authenticate",
    "clone_target",
    "contracts_project",
    "contract_container",
    "format_time",
    "format_utc",
    "is_dev_node",
    "mined_timestamp",
    "relative_time",
    "travel_to",
    "wait_for_block",
    "deploy_factory",
    "find_factory",
    "find_or_deploy_factory",
    "stored_commitment",
    "list_bounties",
    "parse_ether",
    "record_factory",
    "recorded_factory",
]
