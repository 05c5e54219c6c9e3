# pragma version ~=0.4.3
"""
@title ML Bounty: one bounty
@custom:contract-name Bounty
@license MIT
@notice An organizer escrows a reward for the best LSTM hyperparameters on a
        committed, hidden test set. Participants commit sealed submissions,
        reveal them after the submission deadline; the organizer reveals the
        test set, re-trains and posts scores; `finalize` turns the escrow into
        credits that everyone pulls with `withdraw`.

@dev TRUST MODEL. The contract guarantees: the escrow (only the paths below can
     move it), the deadlines, sealed submissions (the commitment binds this
     bounty and the sender, so a copied commitment is worthless and a reveal
     cannot be front-run), a test set fixed by a commitment before anyone
     submits, each submission scored at most once, and the payout rules. It
     cannot re-train an LSTM: the organizer's scores are trusted but publicly
     checkable from the revealed test CID, the revealed hyperparameters (events)
     and the report CID. If the organizer does not reveal the test set or does
     not score every revealed submission by the evaluation deadline, anyone can
     finalize and the reward is shared among the revealed submissions.

     DEPLOYMENT. `BountyFactory` deploys one implementation of this contract
     from a blueprint (so `FACTORY` is the factory) and makes every bounty an
     EIP-1167 clone that it initializes with `msg.value` in the same
     transaction. Only the factory can initialize a clone, once; the
     implementation itself can never be initialized (`self == _IMPLEMENTATION`).

     PAYOUT. All payouts are credits pulled with `withdraw()` (non-reentrant,
     checks-effects-interactions); a recipient that rejects ETH only blocks its
     own withdrawal. Commit deposits are credited back on reveal; deposits of
     commitments never revealed join the pot (pot = reward + unrevealed deposits).
       - PRIZES: the top-K qualified scores (score >= min_accuracy; K = number
         of prize shares) get pot * share / 10000 each; shares nobody qualified
         for and the rounding dust are credited to the organizer.
       - REFUNDED: nothing revealed, or nobody qualified: the pot to the organizer.
       - SHARED (abandonment): the test set was not revealed or not every
         revealed submission was scored by the evaluation deadline. Finalize
         stores `abandon_share = pot // revealed_count` and credits the dust
         `pot - share * revealed_count` to the organizer; each revealed
         submission's share is then claimed lazily by its submitter with
         `claim_shares(ids)` (no loop over submissions, no per-address storage
         written at reveal time, which keeps a submission under 100k gas).
       - CANCELLED: `cancel()` before the first commit: the reward to the organizer.
     At every moment `self.balance == sum(credits) + escrow()` (ETH forced in
     without a call, e.g. by SELFDESTRUCT, is the only exception: nobody can claim it).

     GAS. No function loops over all submissions: the ranking keeps only the
     top K (<= 5) entries in one packed word, updated as scores arrive.
     `post_scores` takes ids in strictly increasing order across all batches;
     a cursor (`next_score_id`) then proves "scored at most once" without a
     storage write per id, so scores are not stored per submission: they are
     in the `ScoresPosted` events, and the top K in `ranking()`. Storage
     is packed by hand into a few words (layouts next to each variable); strings
     are never stored: the spec and training-data CIDs live in the factory's
     `BountyCreated` event, the test CID in `TestDataRevealed`, the report CID
     in `ScoresPosted`, the revealed hyperparameters in `Revealed`.

     SNEKMATE. Nothing in snekmate 0.1.2 fits this contract without costing gas
     or adding surface: the organizer is fixed per bounty (an `ownable` owner
     could be transferred or renounced, which would lock the escrow) and the
     only arithmetic is a multiplication that cannot overflow (pot < 2**129,
     share <= 10000), so `math._mul_div` would add nothing.
"""

from .interfaces import IBounty

implements: IBounty


# EVENTS #


# A sealed submission; the id is its rank among equal scores (earlier wins).
# (The commitment itself is in the transaction's calldata and, until the reveal, in `commitment_of(id)`.)
event Committed:
    submitter: indexed(address)
    id: uint256


# A submission opened in the reveal window: every hyperparameter, as committed.
event Revealed:
    submitter: address
    id: uint256
    lstm_layers: uint8
    lstm_units: uint16
    dense_layers: uint8
    activation: uint8
    loss: uint8
    dropout_bps: uint16
    learning_rate_micro: uint32


# The organizer opened the test-set commitment.
event TestDataRevealed:
    test_cid: String[128]
    salt: bytes32


# One batch of scores and the CID of the evaluation report; each entry is
# id << 16 | score (basis points), in the order posted (ids increasing).
event ScoresPosted:
    entries: DynArray[uint256, 128]
    report_cid: String[128]


# The bounty settled; `outcome` is one of the OUTCOME_* constants.
event Finalized:
    caller: indexed(address)
    outcome: uint8
    pot: uint256
    organizer_amount: uint256
    abandon_share: uint256


# An amount became withdrawable by `account`; `reason` is one of the CREDIT_* constants.
event Credited:
    account: indexed(address)
    amount: uint256
    reason: uint8


# The organizer cancelled before the first commit.
event Cancelled:
    refund: uint256


# A credit was paid out.
event Withdrawn:
    account: indexed(address)
    amount: uint256


# CONSTANTS #


# Stages returned by `stage()` (mirrored as an IntEnum by the client and the tests).
STAGE_SUBMISSION: constant(uint8) = 0
STAGE_REVEAL: constant(uint8) = 1
STAGE_EVALUATION: constant(uint8) = 2
STAGE_EXPIRED: constant(uint8) = 3
STAGE_FINALIZED: constant(uint8) = 4
STAGE_CANCELLED: constant(uint8) = 5

# Outcomes returned by `outcome()`.
OUTCOME_NONE: constant(uint256) = 0
OUTCOME_PRIZES: constant(uint256) = 1
OUTCOME_REFUNDED: constant(uint256) = 2
OUTCOME_SHARED: constant(uint256) = 3
OUTCOME_CANCELLED: constant(uint256) = 4

# Reasons carried by `Credited`.
CREDIT_DEPOSIT: constant(uint8) = 0
CREDIT_PRIZE: constant(uint8) = 1
CREDIT_REFUND: constant(uint8) = 2
CREDIT_SHARE: constant(uint8) = 3

# Hyperparameter limits: mirror `bounty_client.hyperparams.CHAIN_LIMITS`.
MIN_LSTM_LAYERS: constant(uint8) = 1
MAX_LSTM_LAYERS: constant(uint8) = 8
MIN_LSTM_UNITS: constant(uint16) = 1
MAX_LSTM_UNITS: constant(uint16) = 1024
MAX_DENSE_LAYERS: constant(uint8) = 8
ACTIVATION_CODES: constant(uint8) = 8
LOSS_CODES: constant(uint8) = 5
MAX_DROPOUT_BPS: constant(uint16) = 9_000
MIN_LEARNING_RATE_MICRO: constant(uint32) = 1
MAX_LEARNING_RATE_MICRO: constant(uint32) = 1_000_000

# Basis points: accuracies and prize shares.
BPS: constant(uint256) = 10_000
# Most prize shares (ranked winners) a bounty can have.
MAX_PRIZE_SHARES: constant(uint256) = 5
# Most ids per `post_scores` / `claim_shares` call.
MAX_BATCH: constant(uint256) = 128
# Longest CID string.
MAX_CID_LENGTH: constant(uint256) = 128
# Largest `max_submissions` (ids and counters are 24-bit fields).
MAX_SUBMISSIONS_LIMIT: constant(uint256) = 16_777_214
# Largest commit deposit (a 64-bit field, about 18.4 ether).
MAX_COMMIT_DEPOSIT: constant(uint256) = 18_446_744_073_709_551_615
# Largest reward (a 96-bit field, about 79 billion ether).
MAX_REWARD: constant(uint256) = 79_228_162_514_264_337_593_543_950_335
# Deadlines are 32-bit fields: up to 2106-02-07.
MAX_TIMESTAMP: constant(uint256) = 4_294_967_295

MASK_16: constant(uint256) = 65_535
MASK_24: constant(uint256) = 16_777_215
MASK_32: constant(uint256) = 4_294_967_295
MASK_64: constant(uint256) = 18_446_744_073_709_551_615
MASK_96: constant(uint256) = 79_228_162_514_264_337_593_543_950_335
MASK_160: constant(uint256) = 1_461_501_637_330_902_918_203_684_832_716_283_019_655_932_542_975

# `_core` layout (the word every participant call reads and writes once).
CORE_SUBMISSION_DEADLINE: constant(uint256) = 0  # uint32
CORE_REVEAL_DEADLINE: constant(uint256) = 32  # uint32
CORE_EVALUATION_DEADLINE: constant(uint256) = 64  # uint32
CORE_DEPOSIT: constant(uint256) = 96  # uint64, wei
CORE_OPEN_CAP: constant(uint256) = 160  # uint24, max_submissions; 0 when not initialized or cancelled
CORE_COUNT: constant(uint256) = 184  # uint24, submissions committed
CORE_REVEALED: constant(uint256) = 208  # uint24, submissions revealed
# bits 232..255 unused

# `_meta` layout (organizer-side configuration and terminal facts; bits 0..159: organizer).
META_MIN_ACCURACY: constant(uint256) = 160  # uint16
META_REVEAL_DEADLINE: constant(uint256) = 176  # uint32, copy of the core field (post_scores reads one word less)
META_EVALUATION_DEADLINE: constant(uint256) = 208  # uint32, copy of the core field
META_PRIZE_COUNT: constant(uint256) = 240  # 3 bits, K in 1..5
META_INITIALIZED: constant(uint256) = 1 << 243
META_TEST_REVEALED: constant(uint256) = 1 << 244
META_OUTCOME: constant(uint256) = 245  # 3 bits, OUTCOME_*

# `_money` layout (bits 0..95: reward).
MONEY_SHARES: constant(uint256) = 96  # 5 x uint16
MONEY_CLAIMED: constant(uint256) = 176  # uint24, abandonment shares claimed
MONEY_SEQ_LEN: constant(uint256) = 200  # uint16
MONEY_FUTURE_PERIOD: constant(uint256) = 216  # uint16
MONEY_MAX_SUBMISSIONS: constant(uint256) = 232  # uint24, as created (kept after cancel)

# `_submissions[id]` record layout once revealed (bits 0..159: submitter).
RECORD_SHARE_CLAIMED: constant(uint256) = 1 << 254
RECORD_REVEALED: constant(uint256) = 1 << 255
# Before the reveal the word holds the commitment with its top bit cleared, so a
# stored commitment can never be mistaken for a revealed record.
COMMITMENT_MASK: constant(uint256) = (1 << 255) - 1

# `_ranking` layout: 5 lanes of 40 bits, best first, then two counters. A lane is
# score << 24 | (MASK_24 - id), so a larger lane is a better entry (higher
# score, then earlier id) and an empty lane is 0 (ids are < MASK_24).
LANE_BITS: constant(uint256) = 40
MASK_LANE: constant(uint256) = 1_099_511_627_775
MASK_LANES: constant(uint256) = (1 << 200) - 1
RANKING_SCORED: constant(uint256) = 200  # uint24, submissions scored
RANKING_NEXT_ID: constant(uint256) = 224  # uint24, lowest id post_scores still accepts


# IMMUTABLES #


# The factory that deployed the implementation; the only caller of `initialize`.
FACTORY: public(immutable(address))
# The implementation's own address (a clone's `self` differs from it).
_IMPLEMENTATION: immutable(address)


# STORAGE #


# Deadlines, commit deposit, open cap and counters (CORE_* layout).
_core: uint256
# Organizer, min_accuracy, reveal and evaluation deadlines, K, flags, outcome (META_* layout).
_meta: uint256
# Reward, prize shares, claimed abandonment shares, seq_len, future_period, max_submissions (MONEY_* layout).
_money: uint256
# keccak256(abi_encode(test_cid, salt)), fixed at creation.
_test_commitment: bytes32
# Top-K qualified entries, best first, plus the scored count and the scoring cursor (RANKING_* layout).
_ranking: uint256
# Per id: the masked commitment until the reveal, then the record (RECORD_* layout).
_submissions: HashMap[uint256, uint256]
# Wei each address can pull with `withdraw()`.
credits: public(HashMap[address, uint256])
# SHARED outcome: what each revealed submission can claim.
abandon_share: public(uint256)


@deploy
def __init__():
    """
    @dev Runs once, for the implementation only (clones never run it): records
         the deploying factory and the implementation's own address.
    """
    FACTORY = msg.sender
    _IMPLEMENTATION = self


# FACTORY #


@external
def initialize(
    organizer: address,
    reward: uint256,
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
):
    """
    @notice Configure a fresh clone; the factory already sent `reward` wei with the clone's creation.
    @dev Access: factory. Stage: before initialization (once per clone; never on the implementation).
    @param prize_shares Basis points per rank, 1..5 entries summing to 10000; [] means [10000].
    """
    assert self != _IMPLEMENTATION, "bounty: implementation cannot be initialized"
    assert msg.sender == FACTORY, "bounty: caller is not the factory"
    assert self._meta & META_INITIALIZED == 0, "bounty: already initialized"
    assert organizer != empty(address), "bounty: empty organizer"
    assert reward != 0, "bounty: reward must be positive"
    assert reward <= MAX_REWARD, "bounty: reward too large"
    assert convert(min_accuracy, uint256) <= BPS, "bounty: min_accuracy above 10000"
    assert seq_len != 0, "bounty: seq_len must be positive"
    assert future_period != 0, "bounty: future_period must be positive"
    assert submission_deadline > block.timestamp, "bounty: submission deadline not in the future"
    assert reveal_deadline > submission_deadline, "bounty: reveal deadline not after submission deadline"
    assert evaluation_deadline > reveal_deadline, "bounty: evaluation deadline not after reveal deadline"
    assert evaluation_deadline <= MAX_TIMESTAMP, "bounty: evaluation deadline too far"
    assert test_commitment != empty(bytes32), "bounty: empty test commitment"
    assert max_submissions != 0, "bounty: max_submissions must be positive"
    assert convert(max_submissions, uint256) <= MAX_SUBMISSIONS_LIMIT, "bounty: max_submissions too large"
    assert commit_deposit <= MAX_COMMIT_DEPOSIT, "bounty: commit deposit too large"

    shares: DynArray[uint16, MAX_PRIZE_SHARES] = prize_shares
    if len(shares) == 0:
        shares = [10_000]
    packed_shares: uint256 = 0
    total: uint256 = 0
    for i: uint256 in range(len(shares), bound=MAX_PRIZE_SHARES):
        share: uint256 = convert(shares[i], uint256)
        assert share != 0, "bounty: zero prize share"
        total += share
        packed_shares |= share << (16 * i)
    assert total == BPS, "bounty: prize shares must sum to 10000"

    self._core = (
        submission_deadline
        | (reveal_deadline << CORE_REVEAL_DEADLINE)
        | (evaluation_deadline << CORE_EVALUATION_DEADLINE)
        | (commit_deposit << CORE_DEPOSIT)
        | (convert(max_submissions, uint256) << CORE_OPEN_CAP)
    )
    self._meta = (
        convert(organizer, uint256)
        | (convert(min_accuracy, uint256) << META_MIN_ACCURACY)
        | (reveal_deadline << META_REVEAL_DEADLINE)
        | (evaluation_deadline << META_EVALUATION_DEADLINE)
        | (len(shares) << META_PRIZE_COUNT)
        | META_INITIALIZED
    )
    self._money = (
        reward
        | (packed_shares << MONEY_SHARES)
        | (convert(seq_len, uint256) << MONEY_SEQ_LEN)
        | (convert(future_period, uint256) << MONEY_FUTURE_PERIOD)
        | (convert(max_submissions, uint256) << MONEY_MAX_SUBMISSIONS)
    )
    self._test_commitment = test_commitment


# PARTICIPANTS #


@external
@payable
def commit(commitment: bytes32) -> uint256:
    """
    @notice Seal a submission: commitment = keccak256(abi_encode(bounty, sender,
            lstm_layers, lstm_units, dense_layers, activation, loss, dropout_bps,
            learning_rate_micro, salt)). Pay exactly `commit_deposit()`.
    @dev Access: anyone. Stage: submission.
    @return The submission id (commit order).
    """
    core: uint256 = self._core
    count: uint256 = (core >> CORE_COUNT) & MASK_24
    if count >= (core >> CORE_OPEN_CAP) & MASK_24:
        self._revert_commit_closed()
    assert block.timestamp < core & MASK_32, "bounty: submission window closed"
    assert msg.value == (core >> CORE_DEPOSIT) & MASK_64, "bounty: wrong deposit"
    sealed: uint256 = convert(commitment, uint256) & COMMITMENT_MASK
    assert sealed != 0, "bounty: empty commitment"
    self._submissions[count] = sealed
    # unchecked: count < open cap < 2**24, so the 24-bit field cannot carry over.
    self._core = unsafe_add(core, 1 << CORE_COUNT)
    log Committed(submitter=msg.sender, id=count)
    return count


@external
def reveal(
    id: uint256,
    lstm_layers: uint8,
    lstm_units: uint16,
    dense_layers: uint8,
    activation: uint8,
    loss: uint8,
    dropout_bps: uint16,
    learning_rate_micro: uint32,
    salt: bytes32,
):
    """
    @notice Open your sealed submission; credits the commit deposit back.
    @dev Access: the committer (the sender is part of the commitment). Stage: reveal.
    """
    core: uint256 = self._core
    assert block.timestamp >= core & MASK_32, "bounty: reveal window not open"
    assert block.timestamp < (core >> CORE_REVEAL_DEADLINE) & MASK_32, "bounty: reveal window closed"
    assert lstm_layers >= MIN_LSTM_LAYERS and lstm_layers <= MAX_LSTM_LAYERS, "bounty: lstm_layers out of range"
    assert lstm_units >= MIN_LSTM_UNITS and lstm_units <= MAX_LSTM_UNITS, "bounty: lstm_units out of range"
    assert dense_layers <= MAX_DENSE_LAYERS, "bounty: dense_layers out of range"
    assert activation < ACTIVATION_CODES, "bounty: activation out of range"
    assert loss < LOSS_CODES, "bounty: loss out of range"
    assert dropout_bps <= MAX_DROPOUT_BPS, "bounty: dropout_bps out of range"
    assert (
        learning_rate_micro >= MIN_LEARNING_RATE_MICRO and learning_rate_micro <= MAX_LEARNING_RATE_MICRO
    ), "bounty: learning_rate_micro out of range"
    computed: uint256 = convert(
        keccak256(
            abi_encode(
                self,
                msg.sender,
                lstm_layers,
                lstm_units,
                dense_layers,
                activation,
                loss,
                dropout_bps,
                learning_rate_micro,
                salt,
            )
        ),
        uint256,
    )
    stored: uint256 = self._submissions[id]
    if computed & COMMITMENT_MASK != stored:
        # Slow path: say why. A revealed record has its top bit set, so it never matches.
        assert stored != 0, "bounty: unknown submission"
        assert stored & RECORD_REVEALED == 0, "bounty: already revealed"
        raise "bounty: commitment mismatch"

    self._submissions[id] = RECORD_REVEALED | convert(msg.sender, uint256)
    # unchecked: revealed <= count < 2**24.
    self._core = unsafe_add(core, 1 << CORE_REVEALED)
    deposit: uint256 = (core >> CORE_DEPOSIT) & MASK_64
    if deposit != 0:
        self.credits[msg.sender] += deposit
        log Credited(account=msg.sender, amount=deposit, reason=CREDIT_DEPOSIT)
    log Revealed(
        submitter=msg.sender,
        id=id,
        lstm_layers=lstm_layers,
        lstm_units=lstm_units,
        dense_layers=dense_layers,
        activation=activation,
        loss=loss,
        dropout_bps=dropout_bps,
        learning_rate_micro=learning_rate_micro,
    )


# ORGANIZER #


@external
def reveal_test_data(test_cid: String[MAX_CID_LENGTH], salt: bytes32):
    """
    @notice Open the test-set commitment made at creation; emits the CID.
    @dev Access: organizer. Stage: reveal or evaluation (submission_deadline <= now < evaluation_deadline).
    """
    meta: uint256 = self._meta
    self._check_organizer_and_open(meta)
    assert meta & META_TEST_REVEALED == 0, "bounty: test data already revealed"
    core: uint256 = self._core
    assert block.timestamp >= core & MASK_32, "bounty: submission window still open"
    assert block.timestamp < (core >> CORE_EVALUATION_DEADLINE) & MASK_32, "bounty: evaluation window closed"
    assert keccak256(abi_encode(test_cid, salt)) == self._test_commitment, "bounty: test commitment mismatch"
    self._meta = meta | META_TEST_REVEALED
    log TestDataRevealed(test_cid=test_cid, salt=salt)


@external
def post_scores(
    ids: DynArray[uint256, MAX_BATCH],
    scores: DynArray[uint16, MAX_BATCH],
    report_cid: String[MAX_CID_LENGTH],
):
    """
    @notice Record accuracies (basis points) of revealed submissions and keep
            the top-K qualified ones ranked. Ids must be strictly increasing,
            within a batch and across batches (each id above every id posted
            before): that is how the contract knows, without a storage write
            per id, that no submission is scored twice. An id passed over can
            no longer be scored. Scores are kept in the `ScoresPosted` events
            and, for the top K, in `ranking()`.
    @dev Access: organizer. Stage: evaluation (test data revealed).
    """
    meta: uint256 = self._meta
    self._check_organizer_and_open(meta)
    assert meta & META_TEST_REVEALED != 0, "bounty: test data not revealed"
    assert block.timestamp >= (meta >> META_REVEAL_DEADLINE) & MASK_32, "bounty: reveal window still open"
    assert block.timestamp < (meta >> META_EVALUATION_DEADLINE) & MASK_32, "bounty: evaluation window closed"
    n: uint256 = len(ids)
    assert n != 0, "bounty: empty score batch"
    assert n == len(scores), "bounty: ids and scores differ in length"

    min_accuracy: uint256 = (meta >> META_MIN_ACCURACY) & MASK_16
    k: uint256 = (meta >> META_PRIZE_COUNT) & 7
    word: uint256 = self._ranking
    lanes: uint256 = word & MASK_LANES
    next_id: uint256 = (word >> RANKING_NEXT_ID) & MASK_24
    entries: DynArray[uint256, MAX_BATCH] = []
    # The entry a new one must beat to enter the top k (0 while the ranking is not full).
    last: uint256 = (lanes >> (LANE_BITS * (k - 1))) & MASK_LANE
    for i: uint256 in range(n, bound=MAX_BATCH):
        id: uint256 = ids[i]
        score: uint256 = convert(scores[i], uint256)
        assert id >= next_id, "bounty: ids must increase past the last scored id"
        assert score <= BPS, "bounty: score above 10000"
        assert self._submissions[id] & RECORD_REVEALED != 0, "bounty: submission not revealed"
        # unchecked: revealed ids are < submission_count() < 2**24.
        next_id = unsafe_add(id, 1)
        entries.append((id << 16) | score)
        if score >= min_accuracy:
            lane: uint256 = (score << 24) | (MASK_24 - id)
            if lane > last:
                lanes = self._insert(lanes, lane, k)
                last = (lanes >> (LANE_BITS * (k - 1))) & MASK_LANE
    # unchecked: every id above was revealed and is scored once, so scored <= revealed < 2**24.
    scored: uint256 = unsafe_add((word >> RANKING_SCORED) & MASK_24, n)
    self._ranking = lanes | (scored << RANKING_SCORED) | (next_id << RANKING_NEXT_ID)
    log ScoresPosted(entries=entries, report_cid=report_cid)


@external
def cancel():
    """
    @notice Take the reward back before anyone committed.
    @dev Access: organizer. Stage: any, while submission_count() == 0 and not finalized.
    """
    meta: uint256 = self._meta
    self._check_organizer_and_open(meta)
    core: uint256 = self._core
    assert (core >> CORE_COUNT) & MASK_24 == 0, "bounty: submissions exist"
    # Closing the cap makes every later commit revert.
    self._core = core & ~(MASK_24 << CORE_OPEN_CAP)
    self._meta = meta | (OUTCOME_CANCELLED << META_OUTCOME)
    refund: uint256 = self._money & MASK_96
    organizer: address = convert(meta & MASK_160, address)
    self.credits[organizer] += refund
    log Credited(account=organizer, amount=refund, reason=CREDIT_REFUND)
    log Cancelled(refund=refund)


# FINAL #


@external
def finalize():
    """
    @notice Settle the escrow into credits (see the PAYOUT rules in the module docstring).
    @dev Access: organizer once scored_count() == revealed_count() (stage evaluation);
         anyone at stage expired.
    """
    meta: uint256 = self._meta
    assert meta & META_INITIALIZED != 0, "bounty: not initialized"
    self._check_open(meta)
    core: uint256 = self._core
    count: uint256 = (core >> CORE_COUNT) & MASK_24
    revealed: uint256 = (core >> CORE_REVEALED) & MASK_24
    ranking: uint256 = self._ranking
    scored: uint256 = (ranking >> RANKING_SCORED) & MASK_24
    organizer: address = convert(meta & MASK_160, address)
    if block.timestamp < (core >> CORE_EVALUATION_DEADLINE) & MASK_32:
        assert block.timestamp >= (core >> CORE_REVEAL_DEADLINE) & MASK_32, "bounty: reveal window still open"
        assert msg.sender == organizer, "bounty: only the organizer may finalize before the evaluation deadline"
        assert scored == revealed, "bounty: not every revealed submission is scored"

    money: uint256 = self._money
    pot: uint256 = (money & MASK_96) + ((core >> CORE_DEPOSIT) & MASK_64) * (count - revealed)
    outcome: uint256 = OUTCOME_REFUNDED
    organizer_amount: uint256 = pot
    share: uint256 = 0
    if revealed != 0 and scored == revealed:
        if ranking & MASK_LANES != 0:
            outcome = OUTCOME_PRIZES
            k: uint256 = (meta >> META_PRIZE_COUNT) & 7
            for i: uint256 in range(MAX_PRIZE_SHARES):
                if i == k:
                    break
                lane: uint256 = (ranking >> (LANE_BITS * i)) & MASK_LANE
                if lane == 0:
                    break
                winner: address = convert(self._submissions[MASK_24 - (lane & MASK_24)] & MASK_160, address)
                amount: uint256 = pot * ((money >> (MONEY_SHARES + 16 * i)) & MASK_16) // BPS
                if amount != 0:
                    self.credits[winner] += amount
                    log Credited(account=winner, amount=amount, reason=CREDIT_PRIZE)
                organizer_amount -= amount
    elif revealed != 0:
        outcome = OUTCOME_SHARED
        share = pot // revealed
        organizer_amount = pot - share * revealed
        self.abandon_share = share

    self._meta = meta | (outcome << META_OUTCOME)
    if organizer_amount != 0:
        self.credits[organizer] += organizer_amount
        log Credited(account=organizer, amount=organizer_amount, reason=CREDIT_REFUND)
    log Finalized(
        caller=msg.sender, outcome=convert(outcome, uint8), pot=pot, organizer_amount=organizer_amount, abandon_share=share
    )


@external
def claim_shares(ids: DynArray[uint256, MAX_BATCH]) -> uint256:
    """
    @notice After an abandoned bounty (outcome SHARED) turn the equal share of
            each of your revealed submissions into a credit.
    @dev Access: the revealer of each id. Stage: finalized with outcome SHARED.
    @return The amount credited.
    """
    assert (self._meta >> META_OUTCOME) & 7 == OUTCOME_SHARED, "bounty: rewards are not shared"
    n: uint256 = len(ids)
    assert n != 0, "bounty: no submission ids"
    for id: uint256 in ids:
        record: uint256 = self._submissions[id]
        assert record & RECORD_REVEALED != 0, "bounty: submission not revealed"
        assert convert(record & MASK_160, address) == msg.sender, "bounty: not your submission"
        assert record & RECORD_SHARE_CLAIMED == 0, "bounty: share already claimed"
        self._submissions[id] = record | RECORD_SHARE_CLAIMED
    amount: uint256 = self.abandon_share * n
    # unchecked: claimed <= revealed < 2**24.
    self._money = unsafe_add(self._money, n << MONEY_CLAIMED)
    if amount != 0:
        self.credits[msg.sender] += amount
        log Credited(account=msg.sender, amount=amount, reason=CREDIT_SHARE)
    return amount


@external
@nonreentrant
def withdraw() -> uint256:
    """
    @notice Pull your whole credit. A recipient that rejects ETH keeps its credit
            and blocks nobody else.
    @dev Access: anyone with a credit. Stage: any.
    @return The amount sent.
    """
    amount: uint256 = self.credits[msg.sender]
    assert amount != 0, "bounty: nothing to withdraw"
    self.credits[msg.sender] = 0
    log Withdrawn(account=msg.sender, amount=amount)
    raw_call(msg.sender, b"", value=amount, revert_on_failure=True)
    return amount


# VIEWS #


@external
@view
def stage() -> uint8:
    """
    @notice 0 SUBMISSION, 1 REVEAL, 2 EVALUATION, 3 EXPIRED (anyone may finalize), 4 FINALIZED, 5 CANCELLED.
    """
    outcome: uint256 = (self._meta >> META_OUTCOME) & 7
    if outcome == OUTCOME_CANCELLED:
        return STAGE_CANCELLED
    if outcome != OUTCOME_NONE:
        return STAGE_FINALIZED
    core: uint256 = self._core
    if block.timestamp < core & MASK_32:
        return STAGE_SUBMISSION
    if block.timestamp < (core >> CORE_REVEAL_DEADLINE) & MASK_32:
        return STAGE_REVEAL
    if block.timestamp < (core >> CORE_EVALUATION_DEADLINE) & MASK_32:
        return STAGE_EVALUATION
    return STAGE_EXPIRED


@external
@view
def outcome() -> uint8:
    """
    @notice 0 NONE (not settled), 1 PRIZES, 2 REFUNDED, 3 SHARED, 4 CANCELLED.
    """
    return convert((self._meta >> META_OUTCOME) & 7, uint8)


@external
@view
def organizer() -> address:
    return convert(self._meta & MASK_160, address)


@external
@view
def reward() -> uint256:
    """
    @notice The reward escrowed at creation (excludes commit deposits).
    """
    return self._money & MASK_96


@external
@view
def escrow() -> uint256:
    """
    @notice Wei held but not yet credited to anyone: before settlement the
            reward plus unrevealed deposits; after a SHARED settlement the
            unclaimed shares; otherwise 0.
    """
    outcome: uint256 = (self._meta >> META_OUTCOME) & 7
    core: uint256 = self._core
    revealed: uint256 = (core >> CORE_REVEALED) & MASK_24
    if outcome == OUTCOME_NONE:
        count: uint256 = (core >> CORE_COUNT) & MASK_24
        return (self._money & MASK_96) + ((core >> CORE_DEPOSIT) & MASK_64) * (count - revealed)
    if outcome == OUTCOME_SHARED:
        return self.abandon_share * (revealed - ((self._money >> MONEY_CLAIMED) & MASK_24))
    return 0


@external
@view
def submission_deadline() -> uint256:
    return self._core & MASK_32


@external
@view
def reveal_deadline() -> uint256:
    return (self._core >> CORE_REVEAL_DEADLINE) & MASK_32


@external
@view
def evaluation_deadline() -> uint256:
    return (self._core >> CORE_EVALUATION_DEADLINE) & MASK_32


@external
@view
def min_accuracy() -> uint16:
    return convert((self._meta >> META_MIN_ACCURACY) & MASK_16, uint16)


@external
@view
def seq_len() -> uint16:
    return convert((self._money >> MONEY_SEQ_LEN) & MASK_16, uint16)


@external
@view
def future_period() -> uint16:
    return convert((self._money >> MONEY_FUTURE_PERIOD) & MASK_16, uint16)


@external
@view
def max_submissions() -> uint32:
    return convert((self._money >> MONEY_MAX_SUBMISSIONS) & MASK_24, uint32)


@external
@view
def commit_deposit() -> uint256:
    return (self._core >> CORE_DEPOSIT) & MASK_64


@external
@view
def prize_shares() -> DynArray[uint16, MAX_PRIZE_SHARES]:
    """
    @notice Basis points per rank (best first), summing to 10000.
    """
    k: uint256 = (self._meta >> META_PRIZE_COUNT) & 7
    money: uint256 = self._money
    shares: DynArray[uint16, MAX_PRIZE_SHARES] = []
    for i: uint256 in range(k, bound=MAX_PRIZE_SHARES):
        shares.append(convert((money >> (MONEY_SHARES + 16 * i)) & MASK_16, uint16))
    return shares


@external
@view
def test_commitment() -> bytes32:
    return self._test_commitment


@external
@view
def test_revealed() -> bool:
    return self._meta & META_TEST_REVEALED != 0


@external
@view
def submission_count() -> uint256:
    return (self._core >> CORE_COUNT) & MASK_24


@external
@view
def revealed_count() -> uint256:
    return (self._core >> CORE_REVEALED) & MASK_24


@external
@view
def scored_count() -> uint256:
    return (self._ranking >> RANKING_SCORED) & MASK_24


@external
@view
def next_score_id() -> uint256:
    """
    @notice The lowest id `post_scores` still accepts (ids must increase).
    """
    return (self._ranking >> RANKING_NEXT_ID) & MASK_24


@external
@view
def claimed_share_count() -> uint256:
    return (self._money >> MONEY_CLAIMED) & MASK_24


@external
@view
def submission(id: uint256) -> IBounty.Submission:
    """
    @notice One submission's record. `submitter` is empty until the reveal (the
            `Committed` event names the committer).
    """
    word: uint256 = self._submissions[id]
    if word & RECORD_REVEALED == 0:
        return IBounty.Submission(submitter=empty(address), committed=word != 0, revealed=False, share_claimed=False)
    return IBounty.Submission(
        submitter=convert(word & MASK_160, address),
        committed=True,
        revealed=True,
        share_claimed=word & RECORD_SHARE_CLAIMED != 0,
    )


@external
@view
def commitment_of(id: uint256) -> bytes32:
    """
    @notice The stored commitment of an unrevealed submission, with its top bit
            cleared (the contract compares the low 255 bits); empty once revealed.
    """
    word: uint256 = self._submissions[id]
    if word & RECORD_REVEALED != 0:
        return empty(bytes32)
    return convert(word, bytes32)


@external
@view
def ranking() -> (DynArray[uint256, MAX_PRIZE_SHARES], DynArray[uint16, MAX_PRIZE_SHARES]):
    """
    @notice The current top-K qualified submissions, best first: (ids, scores).
    """
    ranking: uint256 = self._ranking
    ids: DynArray[uint256, MAX_PRIZE_SHARES] = []
    scores: DynArray[uint16, MAX_PRIZE_SHARES] = []
    for i: uint256 in range(MAX_PRIZE_SHARES):
        lane: uint256 = (ranking >> (LANE_BITS * i)) & MASK_LANE
        if lane == 0:
            break
        ids.append(MASK_24 - (lane & MASK_24))
        scores.append(convert(lane >> 24, uint16))
    return ids, scores


# INTERNAL #


@internal
@view
def _revert_commit_closed():
    """
    @dev Slow path of `commit` when the open cap is reached: say why.
    """
    meta: uint256 = self._meta
    assert meta & META_INITIALIZED != 0, "bounty: not initialized"
    assert (meta >> META_OUTCOME) & 7 != OUTCOME_CANCELLED, "bounty: cancelled"
    raise "bounty: submission cap reached"


@internal
@pure
def _check_open(meta: uint256):
    """
    @dev Reverts once the bounty is settled (finalized or cancelled).
    """
    outcome: uint256 = (meta >> META_OUTCOME) & 7
    assert outcome != OUTCOME_CANCELLED, "bounty: cancelled"
    assert outcome == OUTCOME_NONE, "bounty: already finalized"


@internal
@view
def _check_organizer_and_open(meta: uint256):
    """
    @dev Reverts unless the caller is the organizer and the bounty is not settled.
    """
    assert msg.sender == convert(meta & MASK_160, address), "bounty: caller is not the organizer"
    self._check_open(meta)


@internal
@pure
def _insert(ranking: uint256, lane: uint256, k: uint256) -> uint256:
    """
    @dev Insert `lane` into the descending top-`k` `ranking`, dropping what falls
         off the end; unchanged when it ranks below all k entries.
    """
    for i: uint256 in range(MAX_PRIZE_SHARES):
        if i == k:
            break
        offset: uint256 = LANE_BITS * i
        if lane > (ranking >> offset) & MASK_LANE:
            low: uint256 = ranking & ((1 << offset) - 1)
            # Lanes i.. move up one lane; the mask drops whatever moves past lane k - 1.
            high: uint256 = (ranking >> offset) << (offset + LANE_BITS)
            return (low | (lane << offset) | high) & ((1 << (LANE_BITS * k)) - 1)
    return ranking
