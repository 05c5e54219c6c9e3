# pragma version 0.4.3
"""
@title RerunJury: the default arbiter of ML Bounty disputes
@custom:contract-name RerunJury
@license MIT
@notice A fixed jury of named jurors, each with a stake. For each dispute a
        bounty opens (a challenged score, or challenged test data), every
        juror re-runs the submission from the bounty's public record with
        `ape run bounty verify` (or compares the posted test rows with the
        public source), commits its answer, then reveals it. The ruling is
        the median of the revealed answers (for test data: the majority),
        given when `QUORUM` answers lie within the tolerance of it; it is
        sent to the bounty, which pays this jury the dispute's fee with it. Jurors who reveal within `TOLERANCE_BPS` of
        the median share the fee; a juror who does not reveal, or lands
        beyond the tolerance, loses `SLASH_BPS` of its stake to those who did.
@dev TRUST MODEL. What a bounty that names this jury trusts: an honest
     majority of its jurors (the median of any set of revealed answers in
     which honest ones are the majority lies within the honest answers'
     range). A minority cannot move the ruling beyond the honest range and
     pays for trying; a juror who copies others cannot (answers are sealed
     until the commit deadline). A ruling needs `QUORUM` answers within the
     tolerance of the median (so with an honest juror offline, one dishonest
     answer among two cannot become the ruling). Otherwise there is no ruling:
     the bounty then applies its fail-safe at its resolution deadline (the
     challenger's bond and fee go back, the organizer's bond is burned) and
     the jurors get nothing but the stakes of those who stayed silent.

     GAME. Disputes come only from genuine bounties of `FACTORY` (the caller's
     code must be the EIP-1167 clone of the factory's implementation, the
     check the client makes too) that name this jury as their arbiter, and
     only with the time to rule before the bounty's resolution deadline; a
     stranger cannot make jurors work or be slashed for free. The fee is
     paid only with a ruling. Stakes can be withdrawn only after
     `SERVICE_END` with no dispute open, so a juror cannot leave a dispute
     it was named for.
"""

from .interfaces import IArbiter
from .interfaces import IBountyExtension
import constants

implements: IArbiter


interface IBountyFactory:
    def BOUNTY_IMPLEMENTATION() -> address: view


interface IBountyTerms:
    def arbiter() -> address: view
    def resolution_deadline() -> uint256: view


# STRUCTS #


# What `dispute(id)` returns (stored packed: DISPUTE_* and TIMES_* layouts).
struct Dispute:
    # The disputed bounty and its key (submission id, or 65536 for the test data).
    bounty: address
    key: uint256
    # KIND_SCORE (answers are scores in bps) or KIND_TEST_DATA (answers: 1 wrong data, 0 valid).
    kind: uint8
    # Score disputes: the score on record and the challenger's, in bps.
    posted: uint16
    claimed: uint16
    # Answers are committed before `commit_deadline` and revealed before `reveal_deadline`.
    commit_deadline: uint256
    reveal_deadline: uint256
    revealed: uint256
    resolved: bool
    # Whether a ruling reached the bounty, and which.
    ruled: bool
    ruling: uint256


# What `vote(id, juror)` returns (stored as one word: VOTE_* layout).
struct Vote:
    commitment: bytes32
    value: uint256
    revealed: bool


# EVENTS #


event Staked:
    juror: indexed(address)
    amount: uint256


event DisputeCreated:
    dispute_id: indexed(uint256)
    bounty: indexed(address)
    key: uint256
    kind: uint8
    posted: uint16
    claimed: uint16
    challenger: address
    commit_deadline: uint256
    reveal_deadline: uint256


event VoteCommitted:
    dispute_id: indexed(uint256)
    juror: indexed(address)


event VoteRevealed:
    dispute_id: indexed(uint256)
    juror: indexed(address)
    value: uint256


# `ruled`: the bounty accepted the ruling (false: fewer than QUORUM reveals, or the bounty refused it).
event DisputeResolved:
    dispute_id: indexed(uint256)
    ruled: bool
    ruling: uint256
    revealed: uint256
    fee: uint256


event Slashed:
    dispute_id: indexed(uint256)
    juror: indexed(address)
    amount: uint256


event Withdrawn:
    account: indexed(address)
    amount: uint256


# CONSTANTS #


# `_disputes[id]`:
# | free 46 | revealed 8 | ruled 1 | resolved 1 | claimed 16 | posted 16 | kind 8 | bounty 160 |
DISPUTE_KIND_OFFSET: constant(uint256) = 160  # uint8
DISPUTE_POSTED_OFFSET: constant(uint256) = 168  # uint16, bps
DISPUTE_CLAIMED_OFFSET: constant(uint256) = 184  # uint16, bps
DISPUTE_RESOLVED_FLAG: constant(uint256) = 1 << 200
DISPUTE_RULED_FLAG: constant(uint256) = 1 << 201
DISPUTE_REVEALED_OFFSET: constant(uint256) = 202  # uint8, answers revealed
# `_dispute_times[id]`:
# | free 128 | ruling 16 | key 24 | reveal dl 32 | commit dl 32 |
TIMES_REVEAL_DEADLINE_OFFSET: constant(uint256) = 32  # uint32
TIMES_KEY_OFFSET: constant(uint256) = 64  # uint24
TIMES_RULING_OFFSET: constant(uint256) = 88  # uint16, bps (or 0/1)
# `_votes[id][juror]`: the commitment with its top bit cleared until revealed, then
# | revealed 1 | free 239 | answer 16 |
VOTE_REVEALED_FLAG: constant(uint256) = 1 << 255
COMMITMENT_MASK: constant(uint256) = (1 << 255) - 1
MASK_8: constant(uint256) = (1 << 8) - 1
MASK_16: constant(uint256) = (1 << 16) - 1
MASK_24: constant(uint256) = (1 << 24) - 1
MASK_32: constant(uint256) = (1 << 32) - 1
MASK_160: constant(uint256) = (1 << 160) - 1
#: Seconds a dispute leaves between the jury's reveal deadline and the bounty's resolution deadline, for
#: anyone to send `resolve` (about 50 blocks on Ethereum mainnet).
RESOLVE_MARGIN: public(constant(uint256)) = 600

# EIP-1167 minimal proxy runtime code around the 20-byte implementation address
# (https://eips.ethereum.org/EIPS/eip-1167), what `create_minimal_proxy_to` deploys.
EIP1167_PREFIX: constant(Bytes[10]) = x"363d3d373d3d3d363d73"
EIP1167_SUFFIX: constant(Bytes[15]) = x"5af43d82803e903d91602b57fd5bf3"


# IMMUTABLES #


# The bounty factory whose bounties may open disputes here.
FACTORY: public(immutable(address))
# keccak256 of an EIP-1167 clone of FACTORY's Bounty implementation: a genuine bounty's codehash.
_BOUNTY_CODEHASH: immutable(bytes32)
# Wei each juror stakes, once.
STAKE: public(immutable(uint256))
# Wei per dispute, paid by the bounty with the ruling (`IArbiter.fee`).
FEE: immutable(uint256)
# Seconds to commit, then to reveal, from a dispute's creation.
COMMIT_PERIOD: public(immutable(uint256))
REVEAL_PERIOD: public(immutable(uint256))
# Basis points: a revealed score this far from the median still earns the fee.
TOLERANCE_BPS: public(immutable(uint256))
# Basis points of its stake a juror loses per dispute it misses or misjudges.
SLASH_BPS: public(immutable(uint256))
# Disputes are accepted before this time; stakes can leave after it.
SERVICE_END: public(immutable(uint256))
# Revealed answers needed for a ruling: a majority of the jurors.
QUORUM: public(immutable(uint256))


# STORAGE #


# The jurors, fixed at deployment, in order and as a set.
jurors: public(DynArray[address, constants.MAX_JURORS])
is_juror: public(HashMap[address, bool])
# Wei each juror has at stake (STAKE, less what it was slashed).
stake_of: public(HashMap[address, uint256])
# Wei each juror can pull with `withdraw()`: fees and others' slashed stakes.
credits: public(HashMap[address, uint256])
# Every dispute by id (0, 1, ...): bounty, kind, scores, flags (DISPUTE_* layout) ...
_disputes: HashMap[uint256, uint256]
# ... and its deadlines, key and ruling (TIMES_* layout).
_dispute_times: HashMap[uint256, uint256]
# Each juror's sealed, then revealed, answer per dispute (VOTE_* layout).
_votes: HashMap[uint256, HashMap[address, uint256]]
# Disputes created so far, and those not resolved yet.
dispute_count: public(uint256)
open_disputes: public(uint256)
# Jurors who have staked.
staked_count: public(uint256)


@deploy
def __init__(
    factory: address,
    jurors: DynArray[address, constants.MAX_JURORS],
    stake: uint256,
    fee: uint256,
    commit_period: uint256,
    reveal_period: uint256,
    tolerance_bps: uint256,
    slash_bps: uint256,
    service_end: uint256,
):
    """
    @param factory The BountyFactory whose bounties may name this jury.
    @param jurors 1..15 distinct addresses (an odd number avoids ties).
    @param stake Wei each juror stakes with `stake()` before the jury takes disputes.
    @param fee Wei per dispute (> 0, so a challenge of one's own false score costs it).
    @param commit_period Seconds to commit an answer; reveal_period then seconds to reveal it.
    @param tolerance_bps How far from the median a revealed score may be and still earn (<= 10000).
    @param slash_bps Share of its stake a juror loses per missed or misjudged dispute (<= 10000).
    @param service_end Unix time after which no dispute is accepted and stakes can be withdrawn.
    """
    n: uint256 = len(jurors)
    assert n != 0, "jury: no jurors"
    for i: uint256 in range(n, bound=constants.MAX_JURORS):
        assert jurors[i] != empty(address), "jury: empty juror"
        for j: uint256 in range(i, bound=constants.MAX_JURORS):
            if j == i:
                continue
            if j >= n:
                break
            assert jurors[i] != jurors[j], "jury: juror named twice"
    assert stake != 0, "jury: stake must be positive"
    assert fee != 0, "jury: fee must be positive"
    assert commit_period != 0 and reveal_period != 0, "jury: periods must be positive"
    assert tolerance_bps <= constants.BPS, "jury: tolerance above 10000"
    # Below 10000: a stake is never slashed to 0, which `stake()` would read as "never staked" (a juror
    # could stake twice and the jury refuse every later dispute).
    assert slash_bps < constants.BPS, "jury: slash must be below 10000"
    assert service_end > block.timestamp, "jury: service end not in the future"
    implementation: address = staticcall IBountyFactory(factory).BOUNTY_IMPLEMENTATION()
    FACTORY = factory
    _BOUNTY_CODEHASH = keccak256(concat(EIP1167_PREFIX, convert(implementation, bytes20), EIP1167_SUFFIX))
    STAKE = stake
    FEE = fee
    COMMIT_PERIOD = commit_period
    REVEAL_PERIOD = reveal_period
    TOLERANCE_BPS = tolerance_bps
    SLASH_BPS = slash_bps
    SERVICE_END = service_end
    QUORUM = n // 2 + 1
    self.jurors = jurors
    for juror: address in jurors:
        self.is_juror[juror] = True


# JURORS #


@external
@payable
def stake():
    """
    @notice Put up your stake (exactly `STAKE` wei, once). The jury takes
            disputes only once every juror has staked.
    @dev Access: a juror. Stage: before `SERVICE_END`.
    """
    assert self.is_juror[msg.sender], "jury: not a juror"
    assert self.stake_of[msg.sender] == 0, "jury: already staked"
    assert msg.value == STAKE, "jury: stake exactly STAKE"
    assert block.timestamp < SERVICE_END, "jury: service ended"
    self.stake_of[msg.sender] = msg.value
    self.staked_count += 1
    log Staked(juror=msg.sender, amount=msg.value)


@external
def commit_vote(dispute_id: uint256, commitment: bytes32):
    """
    @notice Seal your answer: commitment = keccak256(abi_encode(jury, dispute_id,
            juror, answer, salt)); answer is your re-run score in bps (score
            disputes) or 1 = the posted test data is wrong, 0 = it is valid.
    @dev Access: a juror. Stage: before the dispute's commit deadline, once.
    """
    assert self.is_juror[msg.sender], "jury: not a juror"
    times: uint256 = self._dispute_times[dispute_id]
    assert times != 0, "jury: no such dispute"
    assert block.timestamp < times & MASK_32, "jury: commit period over"
    sealed: uint256 = convert(commitment, uint256) & COMMITMENT_MASK
    assert sealed != 0, "jury: empty commitment"
    assert self._votes[dispute_id][msg.sender] == 0, "jury: already committed"
    self._votes[dispute_id][msg.sender] = sealed
    log VoteCommitted(dispute_id=dispute_id, juror=msg.sender)


@external
def reveal_vote(dispute_id: uint256, answer: uint256, salt: bytes32):
    """
    @notice Open your sealed answer.
    @dev Access: a juror who committed. Stage: from the commit deadline to the reveal deadline.
    """
    times: uint256 = self._dispute_times[dispute_id]
    assert times != 0, "jury: no such dispute"
    assert block.timestamp >= times & MASK_32, "jury: commit period still open"
    assert block.timestamp < (times >> TIMES_REVEAL_DEADLINE_OFFSET) & MASK_32, "jury: reveal period over"
    vote: uint256 = self._votes[dispute_id][msg.sender]
    assert vote != 0, "jury: nothing committed"
    assert vote & VOTE_REVEALED_FLAG == 0, "jury: already revealed"
    computed: uint256 = convert(keccak256(abi_encode(self, dispute_id, msg.sender, answer, salt)), uint256)
    assert computed & COMMITMENT_MASK == vote, "jury: commitment mismatch"
    word: uint256 = self._disputes[dispute_id]
    if convert((word >> DISPUTE_KIND_OFFSET) & MASK_8, uint8) == constants.KIND_TEST_DATA:
        assert answer <= 1, "jury: test-data answers are 0 or 1"
    else:
        assert answer <= constants.BPS, "jury: score above 10000"
    self._votes[dispute_id][msg.sender] = VOTE_REVEALED_FLAG | answer
    # unchecked: at most one reveal per juror, jurors <= 15.
    self._disputes[dispute_id] = unsafe_add(word, 1 << DISPUTE_REVEALED_OFFSET)
    log VoteRevealed(dispute_id=dispute_id, juror=msg.sender, value=answer)


@external
@nonreentrant
def resolve(dispute_id: uint256):
    """
    @notice Close a dispute: with at least `QUORUM` revealed answers, send
            their median to the bounty as the ruling and share the fee it
            pays among the jurors within `TOLERANCE_BPS` of it; slash the
            others (silent, or beyond the tolerance) to those within it.
            With fewer reveals, or when the bounty refuses the ruling (its
            resolution deadline passed), nobody is paid a fee and the silent
            jurors are slashed to those who revealed.
    @dev Access: anyone. Stage: after the reveal deadline (or once every juror revealed), once.
    """
    word: uint256 = self._disputes[dispute_id]
    times: uint256 = self._dispute_times[dispute_id]
    assert times != 0, "jury: no such dispute"
    assert word & DISPUTE_RESOLVED_FLAG == 0, "jury: already resolved"
    n: uint256 = len(self.jurors)
    assert block.timestamp >= (times >> TIMES_REVEAL_DEADLINE_OFFSET) & MASK_32 or (
        block.timestamp >= times & MASK_32 and (word >> DISPUTE_REVEALED_OFFSET) & MASK_8 == n
    ), "jury: reveal period still open"
    jurors: DynArray[address, constants.MAX_JURORS] = self.jurors
    votes: DynArray[uint256, constants.MAX_JURORS] = []
    values: DynArray[uint256, constants.MAX_JURORS] = []
    for juror: address in jurors:
        vote: uint256 = self._votes[dispute_id][juror]
        votes.append(vote)
        if vote & VOTE_REVEALED_FLAG != 0:
            values.append(vote & MASK_16)
    ruled: bool = False
    ruling: uint256 = 0
    fee: uint256 = 0
    tolerance: uint256 = 0
    if convert((word >> DISPUTE_KIND_OFFSET) & MASK_8, uint8) == constants.KIND_SCORE:
        tolerance = TOLERANCE_BPS
    agree: uint256 = 0
    if len(values) >= QUORUM:
        ruling = self._median(values)
        for value: uint256 in values:
            if self._distance(value, ruling) <= tolerance:
                agree += 1
    if agree >= QUORUM:
        before: uint256 = self.balance
        ok: bool = raw_call(
            convert(word & MASK_160, address),
            abi_encode((times >> TIMES_KEY_OFFSET) & MASK_24, ruling, method_id=method_id("rule(uint256,uint256)")),
            revert_on_failure=False,
        )
        if ok:
            ruled = True
            fee = self.balance - before
    # Who earned: revealed and (with a ruling) within the tolerance of it.  When nobody revealed there is
    # nobody to pay a slashed stake to: no stake is slashed (it would be locked here for ever).
    good: DynArray[address, constants.MAX_JURORS] = []
    pool: uint256 = fee
    for i: uint256 in range(len(jurors), bound=constants.MAX_JURORS):
        vote: uint256 = votes[i]
        if vote & VOTE_REVEALED_FLAG != 0 and (not ruled or self._distance(vote & MASK_16, ruling) <= tolerance):
            good.append(jurors[i])
            continue
        if len(values) == 0:
            continue
        stake: uint256 = self.stake_of[jurors[i]]
        slash: uint256 = stake * SLASH_BPS // constants.BPS
        if slash != 0:
            self.stake_of[jurors[i]] = stake - slash
            pool += slash
            log Slashed(dispute_id=dispute_id, juror=jurors[i], amount=slash)
    if len(good) != 0 and pool != 0:
        each: uint256 = pool // len(good)
        for juror: address in good:
            self.credits[juror] += each
        # Rounding dust to the first juror who earned.
        self.credits[good[0]] += pool - each * len(good)
    flags: uint256 = DISPUTE_RESOLVED_FLAG
    if ruled:
        flags |= DISPUTE_RULED_FLAG
        self._dispute_times[dispute_id] = times | (ruling << TIMES_RULING_OFFSET)
    self._disputes[dispute_id] = word | flags
    self.open_disputes -= 1
    log DisputeResolved(dispute_id=dispute_id, ruled=ruled, ruling=ruling, revealed=len(values), fee=fee)


@external
@nonreentrant
def withdraw() -> uint256:
    """
    @notice Pull your earned fees and slashed stakes.
    @dev Access: anyone with a credit. Stage: any.
    """
    amount: uint256 = self.credits[msg.sender]
    assert amount != 0, "jury: nothing to withdraw"
    self.credits[msg.sender] = 0
    log Withdrawn(account=msg.sender, amount=amount)
    raw_call(msg.sender, b"", value=amount, revert_on_failure=True)
    return amount


@external
@nonreentrant
def unstake() -> uint256:
    """
    @notice Take your remaining stake back once the jury's service ended.
    @dev Access: a juror. Stage: after `SERVICE_END`, with no dispute open.
    """
    assert block.timestamp >= SERVICE_END, "jury: service not ended"
    assert self.open_disputes == 0, "jury: disputes open"
    amount: uint256 = self.stake_of[msg.sender]
    assert amount != 0, "jury: no stake"
    self.stake_of[msg.sender] = 0
    log Withdrawn(account=msg.sender, amount=amount)
    raw_call(msg.sender, b"", value=amount, revert_on_failure=True)
    return amount


@external
@payable
def __default__():
    """
    @notice Receives the fee a bounty pays with a ruling.
    """
    pass


# ARBITER #


@external
@view
def fee() -> uint256:
    return FEE


@external
def create_dispute(key: uint256, kind: uint8, posted: uint16, claimed: uint16, challenger: address) -> uint256:
    """
    @notice Open a dispute for the calling bounty (see `IArbiter`).
    @dev Access: a genuine bounty of `FACTORY` that names this jury as its
         arbiter. Stage: every juror staked, before `SERVICE_END`, and the
         jury's periods end before the bounty's resolution deadline.
    @return The dispute id.
    """
    assert msg.sender.codehash == _BOUNTY_CODEHASH, "jury: caller is not a bounty of the factory"
    assert staticcall IBountyTerms(msg.sender).arbiter() == self, "jury: not this bounty's arbiter"
    assert self.staked_count == len(self.jurors), "jury: not every juror has staked"
    assert block.timestamp < SERVICE_END, "jury: service ended"
    assert kind == constants.KIND_SCORE or kind == constants.KIND_TEST_DATA, "jury: unknown dispute kind"
    commit_deadline: uint256 = block.timestamp + COMMIT_PERIOD
    reveal_deadline: uint256 = commit_deadline + REVEAL_PERIOD
    # RESOLVE_MARGIN: time after the reveal deadline to send `resolve` before the bounty stops taking rulings.
    assert reveal_deadline + RESOLVE_MARGIN <= staticcall IBountyTerms(msg.sender).resolution_deadline(), (
        "jury: cannot rule before the bounty's resolution deadline"
    )
    assert key <= MASK_24, "jury: key out of range"
    dispute_id: uint256 = self.dispute_count
    self._disputes[dispute_id] = (
        convert(msg.sender, uint256)
        | (convert(kind, uint256) << DISPUTE_KIND_OFFSET)
        | (convert(posted, uint256) << DISPUTE_POSTED_OFFSET)
        | (convert(claimed, uint256) << DISPUTE_CLAIMED_OFFSET)
    )
    self._dispute_times[dispute_id] = (
        commit_deadline | (reveal_deadline << TIMES_REVEAL_DEADLINE_OFFSET) | (key << TIMES_KEY_OFFSET)
    )
    self.dispute_count = dispute_id + 1
    self.open_disputes += 1
    log DisputeCreated(
        dispute_id=dispute_id,
        bounty=msg.sender,
        key=key,
        kind=kind,
        posted=posted,
        claimed=claimed,
        challenger=challenger,
        commit_deadline=commit_deadline,
        reveal_deadline=reveal_deadline,
    )
    return dispute_id


# VIEWS #


@external
@view
def active() -> bool:
    """
    @notice Every juror has staked and the service has not ended: disputes are accepted.
    """
    return self.staked_count == len(self.jurors) and block.timestamp < SERVICE_END


@external
@view
def juror_count() -> uint256:
    return len(self.jurors)


@external
@view
def dispute(dispute_id: uint256) -> Dispute:
    word: uint256 = self._disputes[dispute_id]
    times: uint256 = self._dispute_times[dispute_id]
    return Dispute(
        bounty=convert(word & MASK_160, address),
        key=(times >> TIMES_KEY_OFFSET) & MASK_24,
        kind=convert((word >> DISPUTE_KIND_OFFSET) & MASK_8, uint8),
        posted=convert((word >> DISPUTE_POSTED_OFFSET) & MASK_16, uint16),
        claimed=convert((word >> DISPUTE_CLAIMED_OFFSET) & MASK_16, uint16),
        commit_deadline=times & MASK_32,
        reveal_deadline=(times >> TIMES_REVEAL_DEADLINE_OFFSET) & MASK_32,
        revealed=(word >> DISPUTE_REVEALED_OFFSET) & MASK_8,
        resolved=word & DISPUTE_RESOLVED_FLAG != 0,
        ruled=word & DISPUTE_RULED_FLAG != 0,
        ruling=(times >> TIMES_RULING_OFFSET) & MASK_16,
    )


@external
@view
def vote(dispute_id: uint256, juror: address) -> Vote:
    """
    @notice A juror's answer: its sealed commitment (top bit cleared) until revealed, then the answer.
    """
    word: uint256 = self._votes[dispute_id][juror]
    if word & VOTE_REVEALED_FLAG != 0:
        return Vote(commitment=empty(bytes32), value=word & MASK_16, revealed=True)
    return Vote(commitment=convert(word, bytes32), value=0, revealed=False)


# INTERNAL #


@internal
@pure
def _distance(a: uint256, b: uint256) -> uint256:
    if a > b:
        return a - b
    return b - a


@internal
@pure
def _median(values: DynArray[uint256, constants.MAX_JURORS]) -> uint256:
    """
    @dev The lower median (insertion sort of at most 15 values): for 0/1
         test-data answers a tie is 0, the challenge rejected.
    """
    sorted: DynArray[uint256, constants.MAX_JURORS] = values
    n: uint256 = len(sorted)
    for i: uint256 in range(1, constants.MAX_JURORS):
        if i >= n:
            break
        x: uint256 = sorted[i]
        j: uint256 = i
        for _: uint256 in range(constants.MAX_JURORS):
            if j == 0 or sorted[j - 1] <= x:
                break
            sorted[j] = sorted[j - 1]
            j -= 1
        sorted[j] = x
    return sorted[(n - 1) // 2]
