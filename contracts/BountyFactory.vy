# pragma version ~=0.4.3
"""
@title ML Bounty factory
@custom:contract-name BountyFactory
@license MIT
@notice Opens bounties: one transaction creates an EIP-1167 clone of the
        Bounty implementation holding `msg.value` as the reward, initializes
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

from .interfaces import IBounty


# EVENTS #


# One bounty opened; everything a participant needs to find its spec and data.
event BountyCreated:
    bounty: indexed(address)
    organizer: indexed(address)
    reward: uint256
    spec_cid: String[128]
    data_cids: DynArray[String[128], 16]
    min_accuracy: uint16
    seq_len: uint16
    future_period: uint16
    submission_deadline: uint256
    reveal_deadline: uint256
    evaluation_deadline: uint256
    test_commitment: bytes32
    max_submissions: uint32
    commit_deposit: uint256
    prize_shares: DynArray[uint16, 5]


# CONSTANTS #


# Longest CID string.
MAX_CID_LENGTH: constant(uint256) = 128
# Most training-data CIDs per bounty.
MAX_DATA_CIDS: constant(uint256) = 16
# Most prize shares (ranked winners).
MAX_PRIZE_SHARES: constant(uint256) = 5


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
def create(
    spec_cid: String[MAX_CID_LENGTH],
    data_cids: DynArray[String[MAX_CID_LENGTH], MAX_DATA_CIDS],
    min_accuracy: uint16,
    seq_len: uint16,
    future_period: uint16,
    submission_deadline: uint256,
    reveal_deadline: uint256,
    evaluation_deadline: uint256,
    test_commitment: bytes32,
    max_submissions: uint32,
    commit_deposit: uint256,
    prize_shares: DynArray[uint16, MAX_PRIZE_SHARES],
) -> address:
    """
    @notice Open a bounty with reward `msg.value`; the caller becomes its organizer.
    @dev Access: anyone. The Bounty checks every numeric argument (its revert
         reasons start with "bounty:"); CIDs are checked here ("factory:").
    @param test_commitment keccak256(abi_encode(test_cid, salt)).
    @param prize_shares Basis points per rank, 1..5 entries summing to 10000; [] means winner takes all.
    @return The new bounty's address.
    """
    assert len(spec_cid) != 0, "factory: empty spec CID"
    assert len(data_cids) != 0, "factory: no training data CIDs"
    for cid: String[MAX_CID_LENGTH] in data_cids:
        assert len(cid) != 0, "factory: empty training data CID"
    bounty: address = create_minimal_proxy_to(BOUNTY_IMPLEMENTATION, value=msg.value)
    extcall IBounty(bounty).initialize(
        msg.sender,
        msg.value,
        min_accuracy,
        seq_len,
        future_period,
        submission_deadline,
        reveal_deadline,
        evaluation_deadline,
        test_commitment,
        max_submissions,
        commit_deposit,
        prize_shares,
    )
    log BountyCreated(
        bounty=bounty,
        organizer=msg.sender,
        reward=msg.value,
        spec_cid=spec_cid,
        data_cids=data_cids,
        min_accuracy=min_accuracy,
        seq_len=seq_len,
        future_period=future_period,
        submission_deadline=submission_deadline,
        reveal_deadline=reveal_deadline,
        evaluation_deadline=evaluation_deadline,
        test_commitment=test_commitment,
        max_submissions=max_submissions,
        commit_deposit=commit_deposit,
        prize_shares=prize_shares,
    )
    return bounty
