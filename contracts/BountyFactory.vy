# pragma version ~=0.4.3
"""
@title ML Bounty factory
@custom:contract-name BountyFactory
@license MIT
@notice Opens bounties: one transaction creates an EIP-1167 clone of the
        Bounty implementation holding `msg.value` (reward + bond), initializes
        it, and emits `BountyCreated` with every creation parameter, including
        the spec CID and the training-data CIDs (which are never stored: the
        event is where clients find them and list bounties).
@dev TRUST MODEL. The factory is permissionless and holds no funds and no
     admin role. It deploys the Bounty implementation once, from a blueprint,
     in its constructor, so the implementation's `FACTORY` is this contract:
     only this factory can initialize a clone, and it always does so in the
     clone's creation transaction. A bounty is genuine when its
     `BountyCreated` event comes from this factory.
"""

from . import constants
from .interfaces import IBounty

# EVENTS #


# One bounty opened: every creation parameter, so participants find its spec,
# data and terms here (the CIDs are never stored).
event BountyCreated:
    bounty: indexed(address)
    organizer: indexed(address)
    reward: uint256
    bond: uint256
    spec_cid: String[MAX_CID_LENGTH]
    data_cids: DynArray[String[MAX_CID_LENGTH], MAX_DATA_CIDS]
    min_accuracy: uint16
    seq_len: uint16
    future_period: uint16
    n_features: uint16
    max_cost: uint32
    submission_deadline: uint256
    reveal_deadline: uint256
    evaluation_deadline: uint256
    test_commitment: bytes32
    test_data_after: uint256
    max_submissions: uint32
    commit_deposit: uint256
    prize_shares: DynArray[uint16, MAX_PRIZE_SHARES]


# CONSTANTS #


# Longest CID string.
MAX_CID_LENGTH: constant(uint256) = constants.MAX_CID_LENGTH
# Most training-data CIDs per bounty.
MAX_DATA_CIDS: constant(uint256) = constants.MAX_DATA_CIDS
# Most prize shares (ranked winners).
MAX_PRIZE_SHARES: constant(uint256) = constants.MAX_PRIZE_SHARES


# IMMUTABLES #


# The Bounty implementation every bounty is a minimal proxy to.
BOUNTY_IMPLEMENTATION: public(immutable(address))


@deploy
def __init__(bounty_blueprint: address):
    """
    @param bounty_blueprint An ERC-5202 blueprint of contracts/Bounty.vy (`ape`: `account.declare(project.Bounty)`).
    """
    BOUNTY_IMPLEMENTATION = create_from_blueprint(bounty_blueprint)


# EXTERNAL #


@external
@payable
def create(terms: IBounty.BountyTerms) -> address:
    """
    @notice Open a bounty; the caller becomes its organizer. `msg.value` is the
            reward plus `terms.bond` (the bond must be at least the reward).
    @dev Access: anyone. The Bounty checks every numeric term (its revert
         reasons start with "bounty:"); CIDs and the value are checked here ("factory:").
    @param terms See `IBounty.BountyTerms`; test mode: sealed (`test_commitment` =
           keccak256(abi_encode(test_cid, salt)), `test_data_after` 0) or future
           window (`test_commitment` empty, `test_data_after` set).
    @return The new bounty's address.
    """
    assert len(terms.spec_cid) != 0, "factory: empty spec CID"
    assert len(terms.data_cids) != 0, "factory: no training data CIDs"
    for cid: String[MAX_CID_LENGTH] in terms.data_cids:
        assert len(cid) != 0, "factory: empty training data CID"
    assert msg.value > terms.bond, "factory: value must exceed the bond (value = reward + bond)"
    # unchecked: msg.value > bond.
    reward: uint256 = unsafe_sub(msg.value, terms.bond)
    bounty: address = create_minimal_proxy_to(BOUNTY_IMPLEMENTATION, value=msg.value)
    extcall IBounty(bounty).initialize(
        msg.sender,
        reward,
        terms.bond,
        terms.min_accuracy,
        terms.seq_len,
        terms.future_period,
        terms.n_features,
        terms.max_cost,
        terms.submission_deadline,
        terms.reveal_deadline,
        terms.evaluation_deadline,
        terms.test_commitment,
        terms.test_data_after,
        terms.max_submissions,
        terms.commit_deposit,
        terms.prize_shares,
    )
    log BountyCreated(
        bounty=bounty,
        organizer=msg.sender,
        reward=reward,
        bond=terms.bond,
        spec_cid=terms.spec_cid,
        data_cids=terms.data_cids,
        min_accuracy=terms.min_accuracy,
        seq_len=terms.seq_len,
        future_period=terms.future_period,
        n_features=terms.n_features,
        max_cost=terms.max_cost,
        submission_deadline=terms.submission_deadline,
        reveal_deadline=terms.reveal_deadline,
        evaluation_deadline=terms.evaluation_deadline,
        test_commitment=terms.test_commitment,
        test_data_after=terms.test_data_after,
        max_submissions=terms.max_submissions,
        commit_deposit=terms.commit_deposit,
        prize_shares=terms.prize_shares,
    )
    return bounty
