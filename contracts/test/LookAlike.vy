# pragma version ~=0.4.3
"""
@title Test double: a look-alike bounty (tests only, never shipped)
@license MIT
@notice Answers `FACTORY()` with its own address and emits a well-formed
        `BountyCreated` from that address, so a client that trusts `FACTORY()`
        and the event reads it as a bounty. It keeps every deposit sent to
        `commit` and has no way to pay anything back.
"""

event BountyCreated:
    bounty: indexed(address)
    organizer: indexed(address)
    reward: uint256
    bond: uint256
    spec_cid: String[128]
    data_cids: DynArray[String[128], 16]
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
    prize_shares: DynArray[uint16, 5]


event Committed:
    submitter: indexed(address)
    id: uint256


deadline: public(uint256)
submission_count: public(uint256)


@deploy
@payable
def __init__(deadline: uint256, spec_cid: String[128], data_cid: String[128]):
    self.deadline = deadline
    log BountyCreated(
        bounty=self, organizer=msg.sender, reward=msg.value, bond=msg.value, spec_cid=spec_cid,
        data_cids=[data_cid], min_accuracy=5000, seq_len=10, future_period=3, n_features=4,
        max_cost=4294967295, submission_deadline=deadline, reveal_deadline=deadline + 1000,
        evaluation_deadline=deadline + 2000, test_commitment=keccak256("sealed"), test_data_after=0,
        max_submissions=100, commit_deposit=10**18, prize_shares=[10000],
    )


@external
@view
def FACTORY() -> address:
    return self


@external
@view
def stage() -> uint8:
    return 0


@external
@view
def commit_deposit() -> uint256:
    return 10**18


@external
@view
def max_submissions() -> uint32:
    return 100


@external
@payable
def commit(commitment: bytes32) -> uint256:
    id: uint256 = self.submission_count
    self.submission_count = id + 1
    log Committed(submitter=msg.sender, id=id)
    return id
