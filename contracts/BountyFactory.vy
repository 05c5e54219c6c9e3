# pragma version 0.4.3
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
     admin role. It deploys the Bounty implementation and its extension once,
     from blueprints, in its constructor, so the implementation's `FACTORY` is
     this contract: only this factory can initialize a clone, and it always does so in the
     clone's creation transaction. A bounty is genuine when its
     `BountyCreated` event comes from this factory.
"""

from .interfaces import IBounty
import constants


# EVENTS #


# One bounty opened: every creation parameter, so participants find its spec,
# data and terms here (the CIDs are never stored).
event BountyCreated:
    bounty: indexed(address)
    organizer: indexed(address)
    reward: uint256
    bond: uint256
    spec_cid: String[constants.MAX_CID_LENGTH]
    data_cids: DynArray[String[constants.MAX_CID_LENGTH], constants.MAX_DATA_CIDS]
    min_accuracy: uint16
    seq_len: uint16
    future_period: uint16
    n_features: uint16
    max_cost: uint32
    submission_deadline: uint256
    reveal_deadline: uint256
    evaluation_deadline: uint256
    test_commitment: bytes32
    test_window_start: uint256
    test_data_after: uint256
    max_submissions: uint32
    commit_deposit: uint256
    prize_shares: DynArray[uint16, constants.MAX_PRIZE_SHARES]
    arbiter: indexed(address)
    challenge_period: uint256
    resolution_period: uint256
    challenge_bond: uint256
    score_tolerance: uint16


# IMMUTABLES #


# The Bounty implementation every bounty is a minimal proxy to.
BOUNTY_IMPLEMENTATION: public(immutable(address))


@deploy
def __init__(bounty_blueprint: address, extension_blueprint: address):
    """
    @param bounty_blueprint An ERC-5202 blueprint of contracts/Bounty.vy (`ape`: `account.declare(project.Bounty)`).
    @param extension_blueprint An ERC-5202 blueprint of contracts/BountyExtension.vy, deployed once
           here and named by the implementation (every bounty runs its rarely called functions there).
    """
    BOUNTY_IMPLEMENTATION = create_from_blueprint(bounty_blueprint, create_from_blueprint(extension_blueprint))


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
           keccak256(abi_encode(test_cid, salt)), the window 0) or future window
           (`test_commitment` empty, `test_window_start` and `test_data_after` set);
           disputes: an `arbiter` with its periods, bond and tolerance, or none.
    @return The new bounty's address.
    """
    assert len(terms.spec_cid) != 0, "factory: empty spec CID"
    assert len(terms.data_cids) != 0, "factory: no training data CIDs"
    for cid: String[constants.MAX_CID_LENGTH] in terms.data_cids:
        assert len(cid) != 0, "factory: empty training data CID"
    assert msg.value > terms.bond, "factory: value must exceed the bond (value = reward + bond)"
    # unchecked: msg.value > bond.
    reward: uint256 = unsafe_sub(msg.value, terms.bond)
    bounty: address = create_minimal_proxy_to(BOUNTY_IMPLEMENTATION, value=msg.value)
    extcall IBounty(bounty).initialize(
        msg.sender,
        reward,
        IBounty.BountyParams(
            min_accuracy=terms.min_accuracy,
            seq_len=terms.seq_len,
            future_period=terms.future_period,
            n_features=terms.n_features,
            max_cost=terms.max_cost,
            submission_deadline=terms.submission_deadline,
            reveal_deadline=terms.reveal_deadline,
            evaluation_deadline=terms.evaluation_deadline,
            test_commitment=terms.test_commitment,
            test_window_start=terms.test_window_start,
            test_data_after=terms.test_data_after,
            max_submissions=terms.max_submissions,
            commit_deposit=terms.commit_deposit,
            bond=terms.bond,
            prize_shares=terms.prize_shares,
            arbiter=terms.arbiter,
            challenge_period=terms.challenge_period,
            resolution_period=terms.resolution_period,
            challenge_bond=terms.challenge_bond,
            score_tolerance=terms.score_tolerance,
        ),
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
        test_window_start=terms.test_window_start,
        test_data_after=terms.test_data_after,
        max_submissions=terms.max_submissions,
        commit_deposit=terms.commit_deposit,
        prize_shares=terms.prize_shares,
        arbiter=terms.arbiter,
        challenge_period=terms.challenge_period,
        resolution_period=terms.resolution_period,
        challenge_bond=terms.challenge_bond,
        score_tolerance=terms.score_tolerance,
    )
    return bounty
