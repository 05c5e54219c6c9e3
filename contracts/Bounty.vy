# pragma version ~=0.4.3
"""
@title ML Bounty: one bounty
@custom:contract-name Bounty
@license MIT
@notice An organizer escrows a reward and a bond for the best LSTM
        hyperparameters on test data nobody can know while submissions are
        open. Participants commit sealed submissions and reveal them after the
        submission deadline; after the reveal deadline anyone draws the
        evaluation randomness, the organizer opens (or posts) the test data,
        re-trains and posts scores; `finalize` turns the escrow into credits
        that everyone pulls with `withdraw`.

@dev TRUST MODEL. The contract guarantees: the escrow (only the paths below can
     move it), the deadlines, sealed submissions (the commitment binds this
     bounty and the sender, so a copied commitment is worthless and a reveal
     cannot be front-run), test data that cannot be opened or posted before
     the reveal deadline (sealed mode: fixed by a commitment before anyone
     submits; future-window mode: posted only from `test_data_after`, a time at
     or after the submission deadline, so the data did not exist while anyone
     could submit), randomness drawn once after the reveals, a bounded
     evaluation cost per submission (`max_cost`), each submission scored at
     most once, and the payout rules. It cannot re-train an LSTM: the
     organizer's scores are trusted but publicly checkable from the test CID,
     the revealed hyperparameters (events), the randomness and the report CID.

     GAME. Each rule below is there because a party could otherwise gain by deviating:
       - Selective reveal: test data is accepted only from the reveal deadline on,
         so no participant can score its sealed commits before choosing which to
         reveal; deposits of commitments never revealed go to the organizer, never
         to the pot, so dropping a commit never pays a participant.
         Why the organizer and not a burn: the deposit exists to make junk commits
         (spam that fills `max_submissions`) cost money, and the organizer is the
         party that spam hurts; it receives them whatever the outcome, so they never
         change which outcome the organizer prefers.
       - Evaluation flood: a reveal above `max_cost` (the Keras parameter count
         of the model for `n_features` inputs, fixed at creation) is refused, so
         no participant can reveal models the organizer cannot re-train in time.
       - Withholding with sock puppets: the organizer escrows a bond >= reward.
         It comes back with PRIZES, REFUNDED and on cancel, and is burned
         (locked here forever, paid to nobody: any participant may be the
         organizer's sock) when the bounty ends SHARED. An organizer that reveals
         S sock submissions next to H honest ones and withholds the test data
         recovers at most S/(S+H) of the reward through its socks and loses the
         bond: net -reward*H/(S+H) - bond <= -reward, strictly worse than paying
         the reward honestly (net >= -reward).
       - Randomness: `draw_randomness()` (anyone, once, from the reveal deadline
         on, before any test data) fixes keccak256(prevrandao, blockhash(n - 1),
         this bounty). No participant can know it when committing or revealing.
         What remains biasable: whoever sends the draw chooses the block; the
         values of the next blocks are predictable about one block ahead, so a
         caller can pick among the values of the blocks in which nobody else
         drew (each block of waiting risks another caller drawing first), and a
         validator proposing that block can withhold it to re-roll once per slot
         it proposes, at the cost of its block reward. Seeds derived from it
         decide model initialisation only: choosing among a few values moves a
         score by the seed-to-seed spread the report publishes, not more.

     DEPLOYMENT. `BountyFactory` deploys one implementation of this contract
     from a blueprint (so `FACTORY` is the factory) and makes every bounty an
     EIP-1167 clone that it initializes with `msg.value` (reward + bond) in the
     same transaction. Only the factory can initialize a clone, once; the
     implementation itself can never be initialized (`self == _IMPLEMENTATION`).

     PAYOUT. All payouts are credits pulled with `withdraw()` (non-reentrant,
     checks-effects-interactions); a recipient that rejects ETH only blocks its
     own withdrawal. Commit deposits are credited back on reveal; deposits of
     commitments never revealed (forfeits) are credited to the organizer at
     finalize, whatever the outcome. pot = reward.
       - PRIZES: the top-K qualified scores (score >= min_accuracy; K = number
         of prize shares) get pot * share / 10000 each; shares nobody qualified
         for and the rounding dust go to the organizer, with the bond.
       - REFUNDED: nothing revealed, or nobody qualified: pot and bond to the organizer.
       - SHARED (abandonment): the test data was not posted or not every
         revealed submission was scored by the evaluation deadline. Finalize
         stores `abandon_share = pot // revealed_count`, credits the dust
         `pot - share * revealed_count` to the organizer and burns the bond; each
         revealed submission's share is then claimed lazily by its submitter
         with `claim_shares(ids)` (no loop over submissions, no per-address
         storage written at reveal time, which keeps a submission under 100k gas).
       - CANCELLED: `cancel()` before the first commit: reward and bond to the organizer.
     The organizer's settlement is kept in `_organizer_funds` (a word finalize
     writes anyway) instead of `_credits`, which saves the 20k gas of a fresh
     storage slot; `credits(organizer)` and `withdraw()` include it.
     At every moment `self.balance == sum(credits) + escrow() + burned()` (ETH
     forced in without a call, e.g. by SELFDESTRUCT, is the only exception:
     nobody can claim it).

     GAS. No function loops over all submissions: the ranking keeps only the
     top K (<= 5) entries in one packed word, updated as scores arrive.
     `post_scores` takes ids in strictly increasing order across all batches;
     a cursor (`next_score_id`) then proves "scored at most once" without a
     storage write per id, so scores are not stored per submission: they are
     in the `ScoresPosted` events, and the top K in `ranking()`. Storage
     is packed by hand into a few words (bit diagram above each layout);
     strings are never stored: the spec and training-data CIDs live in the
     factory's `BountyCreated` event, the test CID in `TestDataRevealed`, the
     report CID in `ScoresPosted`, the revealed hyperparameters in `Revealed`
     (packed into one word, like the score entries).

     SNEKMATE. Nothing in snekmate 0.1.2 fits this contract without costing gas
     or adding surface: the organizer is fixed per bounty (an `ownable` owner
     could be transferred or renounced, which would lock the escrow) and the
     only arithmetic is a multiplication that cannot overflow (pot < 2**96,
     share <= 10000), so `math._mul_div` would add nothing.
"""

from . import constants
from .interfaces import IBounty

implements: IBounty

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
CREDIT_BOND: constant(uint8) = 4
CREDIT_FORFEIT: constant(uint8) = 5

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
# Loss codes whose head has 2 units (softmax), as a bit set: 0 sparse_categorical_crossentropy,
# 2 categorical_crossentropy; the head of loss code c has 1 + ((TWO_UNIT_HEADS >> c) & 1) units.
TWO_UNIT_HEADS: constant(uint256) = (1 << 0) | (1 << 2)

# Basis points: accuracies and prize shares.
BPS: constant(uint256) = 10_000
# Most prize shares (ranked winners) a bounty can have.
MAX_PRIZE_SHARES: constant(uint256) = constants.MAX_PRIZE_SHARES
# Most ids per `post_scores` / `claim_shares` call.
MAX_BATCH: constant(uint256) = constants.MAX_BATCH
# Longest CID string.
MAX_CID_LENGTH: constant(uint256) = constants.MAX_CID_LENGTH

MASK_3: constant(uint256) = (1 << 3) - 1
MASK_16: constant(uint256) = (1 << 16) - 1
MASK_24: constant(uint256) = (1 << 24) - 1
MASK_32: constant(uint256) = (1 << 32) - 1
MASK_64: constant(uint256) = (1 << 64) - 1
MASK_96: constant(uint256) = (1 << 96) - 1
MASK_160: constant(uint256) = (1 << 160) - 1

# Largest `max_submissions` (ids and the core counters are 16-bit fields; a bounty
# whose evaluation is bounded cannot re-train more anyway).
MAX_SUBMISSIONS_LIMIT: constant(uint256) = MASK_16
# Largest commit deposit (a 64-bit field, about 18.4 ether).
MAX_COMMIT_DEPOSIT: constant(uint256) = MASK_64
# Largest reward and bond (96-bit fields, about 79 billion ether).
MAX_REWARD: constant(uint256) = MASK_96
MAX_BOND: constant(uint256) = MASK_96
# Deadlines are 32-bit fields: up to 2106-02-07.
MAX_TIMESTAMP: constant(uint256) = MASK_32
# The 3-bit fields: prize count K and outcome.
MASK_PRIZE_COUNT: constant(uint256) = MASK_3
MASK_OUTCOME: constant(uint256) = MASK_3

# `_core`, the word every participant call reads and writes once:
# | n_features 16 | max_cost 32 | revealed 16 | count 16 | open cap 16 | deposit 64 | evaluation dl 32 | reveal dl 32 | submission dl 32 |
CORE_REVEAL_DEADLINE_OFFSET: constant(uint256) = 32  # uint32
CORE_EVALUATION_DEADLINE_OFFSET: constant(uint256) = 64  # uint32
CORE_DEPOSIT_OFFSET: constant(uint256) = 96  # uint64, wei
CORE_OPEN_CAP_OFFSET: constant(uint256) = 160  # uint16, max_submissions; 0 when not initialized or cancelled
CORE_COUNT_OFFSET: constant(uint256) = 176  # uint16, submissions committed
CORE_REVEALED_OFFSET: constant(uint256) = 192  # uint16, submissions revealed
CORE_MAX_COST_OFFSET: constant(uint256) = 208  # uint32, parameter count bound
CORE_N_FEATURES_OFFSET: constant(uint256) = 240  # uint16

# `_meta`, organizer-side configuration and terminal facts:
# | free 7 | drawn 1 | outcome 3 | test revealed 1 | initialized 1 | K 3 | evaluation dl 32 | test_data_after 32 | min_accuracy 16 | organizer 160 |
META_MIN_ACCURACY_OFFSET: constant(uint256) = 160  # uint16
META_TEST_DATA_AFTER_OFFSET: constant(uint256) = 176  # uint32, 0 in sealed mode
META_EVALUATION_DEADLINE_OFFSET: constant(uint256) = 208  # uint32, copy of the core field (post_scores reads one word less)
META_PRIZE_COUNT_OFFSET: constant(uint256) = 240  # 3 bits, K in 1..5
META_INITIALIZED_FLAG: constant(uint256) = 1 << 243
META_TEST_REVEALED_FLAG: constant(uint256) = 1 << 244
META_OUTCOME_OFFSET: constant(uint256) = 245  # 3 bits, OUTCOME_*
META_RANDOMNESS_DRAWN_FLAG: constant(uint256) = 1 << 248

# `_terms`, reward, prize and data terms fixed at creation, plus the claimed-shares counter:
# | max_submissions 24 | future_period 16 | seq_len 16 | claimed 24 | 5 x prize share 16 | reward 96 |
TERMS_SHARES_OFFSET: constant(uint256) = 96  # 5 x uint16
TERMS_CLAIMED_OFFSET: constant(uint256) = 176  # uint24, abandonment shares claimed
TERMS_SEQ_LEN_OFFSET: constant(uint256) = 200  # uint16
TERMS_FUTURE_PERIOD_OFFSET: constant(uint256) = 216  # uint16
TERMS_MAX_SUBMISSIONS_OFFSET: constant(uint256) = 232  # uint24, as created (kept after cancel)

# `_organizer_funds`, the organizer's money besides the reward:
# | free 48 | due 112 | bond 96 |
FUNDS_DUE_OFFSET: constant(uint256) = 96  # uint112, wei credited to the organizer and not yet withdrawn

# `_submissions[id]` once revealed:
# | revealed 1 | share claimed 1 | free 94 | submitter 160 |
RECORD_SHARE_CLAIMED_FLAG: constant(uint256) = 1 << 254
RECORD_REVEALED_FLAG: constant(uint256) = 1 << 255
# Before the reveal the word holds the commitment with its top bit cleared, so a
# stored commitment can never be mistaken for a revealed record.
COMMITMENT_MASK: constant(uint256) = (1 << 255) - 1

# `_ranking`: 5 lanes of 40 bits, best first, then two counters. A lane is
# score << 24 | (MASK_24 - id), so a larger lane is a better entry (higher
# score, then earlier id) and an empty lane is 0 (ids are < MASK_24).
# | free 8 | next id 24 | scored 24 | lane 4 | lane 3 | lane 2 | lane 1 | lane 0 (best) |
LANE_BITS: constant(uint256) = 40
MASK_LANE: constant(uint256) = (1 << LANE_BITS) - 1
MASK_LANES: constant(uint256) = (1 << (LANE_BITS * MAX_PRIZE_SHARES)) - 1
RANKING_SCORED_OFFSET: constant(uint256) = 200  # uint24, submissions scored
RANKING_NEXT_ID_OFFSET: constant(uint256) = 224  # uint24, lowest id post_scores still accepts

# `Revealed.hyperparameters`, every revealed value in one event word (not stored):
# | free 160 | learning_rate_micro 32 | dropout_bps 16 | loss 8 | activation 8 | dense_layers 8 | lstm_units 16 | lstm_layers 8 |
REVEALED_UNITS_OFFSET: constant(uint256) = 8  # uint16
REVEALED_DENSE_OFFSET: constant(uint256) = 24  # uint8
REVEALED_ACTIVATION_OFFSET: constant(uint256) = 32  # uint8
REVEALED_LOSS_OFFSET: constant(uint256) = 40  # uint8
REVEALED_DROPOUT_OFFSET: constant(uint256) = 48  # uint16
REVEALED_LEARNING_RATE_OFFSET: constant(uint256) = 64  # uint32


# IMMUTABLES #


# The factory that deployed the implementation; the only caller of `initialize`.
FACTORY: public(immutable(address))
# The implementation's own address (a clone's `self` differs from it).
_IMPLEMENTATION: immutable(address)


# STORAGE #


# Deadlines, commit deposit, open cap, counters and the cost bound (CORE_* layout).
_core: uint256
# Organizer, min_accuracy, test_data_after, evaluation deadline, K, flags, outcome (META_* layout).
_meta: uint256
# Reward, prize shares, claimed abandonment shares, seq_len, future_period, max_submissions (TERMS_* layout).
_terms: uint256
# Bond and the organizer's unwithdrawn settlement (FUNDS_* layout).
_organizer_funds: uint256
# Sealed mode: keccak256(abi_encode(test_cid, salt)), fixed at creation; empty in future-window mode.
_test_commitment: bytes32
# Top-K qualified entries, best first, plus the scored count and the scoring cursor (RANKING_* layout).
_ranking: uint256
# Per id: the masked commitment until the reveal, then the record (RECORD_* layout).
_submissions: HashMap[uint256, uint256]
# Wei each address can pull with `withdraw()` (the organizer's settlement is in `_organizer_funds`).
_credits: HashMap[address, uint256]
# SHARED outcome: what each revealed submission can claim.
abandon_share: public(uint256)
# The evaluation randomness, once drawn.
randomness: public(bytes32)


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
    bond: uint256,
    min_accuracy: uint16,
    seq_len: uint16,
    future_period: uint16,
    n_features: uint16,
    max_cost: uint32,
    submission_deadline: uint256,
    reveal_deadline: uint256,
    evaluation_deadline: uint256,
    test_commitment: bytes32,
    test_data_after: uint256,
    max_submissions: uint32,
    commit_deposit: uint256,
    prize_shares: DynArray[uint16, MAX_PRIZE_SHARES],
):
    """
    @notice Configure a fresh clone; the factory already sent `reward + bond` wei with the clone's creation.
    @dev Access: factory. Stage: before initialization (once per clone; never on the implementation).
         Exactly one test mode: sealed (`test_commitment` set, `test_data_after` 0) or
         future window (`test_commitment` empty, submission_deadline <= test_data_after < evaluation_deadline).
    @param prize_shares Basis points per rank, 1..5 entries summing to 10000; [] means [10000].
    """
    assert self != _IMPLEMENTATION, "bounty: implementation cannot be initialized"
    assert msg.sender == FACTORY, "bounty: caller is not the factory"
    assert self._meta & META_INITIALIZED_FLAG == 0, "bounty: already initialized"
    assert organizer != empty(address), "bounty: empty organizer"
    assert reward != 0, "bounty: reward must be positive"
    assert reward <= MAX_REWARD, "bounty: reward too large"
    assert bond >= reward, "bounty: bond below reward"
    assert bond <= MAX_BOND, "bounty: bond too large"
    assert convert(min_accuracy, uint256) <= BPS, "bounty: min_accuracy above 10000"
    assert seq_len != 0, "bounty: seq_len must be positive"
    assert future_period != 0, "bounty: future_period must be positive"
    assert n_features != 0, "bounty: n_features must be positive"
    n: uint256 = convert(n_features, uint256)
    assert convert(max_cost, uint256) >= self._cost(1, 1, 0, 1, n), "bounty: max_cost below the smallest model"
    assert submission_deadline > block.timestamp, "bounty: submission deadline not in the future"
    assert reveal_deadline > submission_deadline, "bounty: reveal deadline not after submission deadline"
    assert evaluation_deadline > reveal_deadline, "bounty: evaluation deadline not after reveal deadline"
    assert evaluation_deadline <= MAX_TIMESTAMP, "bounty: evaluation deadline too far"
    if test_commitment == empty(bytes32):
        assert test_data_after != 0, "bounty: no test commitment and no test_data_after"
        assert test_data_after >= submission_deadline, "bounty: test_data_after before the submission deadline"
        assert evaluation_deadline > test_data_after, "bounty: evaluation deadline not after test_data_after"
    else:
        assert test_data_after == 0, "bounty: test commitment and test_data_after both set"
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
        | (reveal_deadline << CORE_REVEAL_DEADLINE_OFFSET)
        | (evaluation_deadline << CORE_EVALUATION_DEADLINE_OFFSET)
        | (commit_deposit << CORE_DEPOSIT_OFFSET)
        | (convert(max_submissions, uint256) << CORE_OPEN_CAP_OFFSET)
        | (convert(max_cost, uint256) << CORE_MAX_COST_OFFSET)
        | (n << CORE_N_FEATURES_OFFSET)
    )
    self._meta = (
        convert(organizer, uint256)
        | (convert(min_accuracy, uint256) << META_MIN_ACCURACY_OFFSET)
        | (test_data_after << META_TEST_DATA_AFTER_OFFSET)
        | (evaluation_deadline << META_EVALUATION_DEADLINE_OFFSET)
        | (len(shares) << META_PRIZE_COUNT_OFFSET)
        | META_INITIALIZED_FLAG
    )
    self._terms = (
        reward
        | (packed_shares << TERMS_SHARES_OFFSET)
        | (convert(seq_len, uint256) << TERMS_SEQ_LEN_OFFSET)
        | (convert(future_period, uint256) << TERMS_FUTURE_PERIOD_OFFSET)
        | (convert(max_submissions, uint256) << TERMS_MAX_SUBMISSIONS_OFFSET)
    )
    self._organizer_funds = bond
    if test_commitment != empty(bytes32):
        self._test_commitment = test_commitment


# PARTICIPANTS #


@external
@payable
def commit(commitment: bytes32) -> uint256:
    """
    @notice Seal a submission: commitment = keccak256(abi_encode(bounty, sender,
            lstm_layers, lstm_units, dense_layers, activation, loss, dropout_bps,
            learning_rate_micro, salt)). Pay exactly `commit_deposit()`; it is
            credited back on reveal and forfeited to the organizer otherwise.
    @dev Access: anyone. Stage: submission.
    @return The submission id (commit order).
    """
    core: uint256 = self._core
    count: uint256 = (core >> CORE_COUNT_OFFSET) & MASK_16
    if count >= (core >> CORE_OPEN_CAP_OFFSET) & MASK_16:
        self._revert_commit_closed()
    assert block.timestamp < core & MASK_32, "bounty: submission window closed"
    assert msg.value == (core >> CORE_DEPOSIT_OFFSET) & MASK_64, "bounty: wrong deposit"
    sealed: uint256 = convert(commitment, uint256) & COMMITMENT_MASK
    assert sealed != 0, "bounty: empty commitment"
    self._submissions[count] = sealed
    # unchecked: count < open cap < 2**16, so the 16-bit field cannot carry over.
    self._core = unsafe_add(core, 1 << CORE_COUNT_OFFSET)
    log IBounty.Committed(submitter=msg.sender, id=count)
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
            Refused when `cost_of(lstm_layers, lstm_units, dense_layers, loss) > max_cost()`.
    @dev Access: the committer (the sender is part of the commitment). Stage: reveal.
    """
    core: uint256 = self._core
    assert block.timestamp >= core & MASK_32, "bounty: reveal window not open"
    assert block.timestamp < (core >> CORE_REVEAL_DEADLINE_OFFSET) & MASK_32, "bounty: reveal window closed"
    # Range checks of [low, high] as one comparison: unsafe_sub(x, low) wraps below low to a huge value.
    layers: uint256 = convert(lstm_layers, uint256)
    units: uint256 = convert(lstm_units, uint256)
    dense: uint256 = convert(dense_layers, uint256)
    loss_code: uint256 = convert(loss, uint256)
    assert unsafe_sub(layers, convert(MIN_LSTM_LAYERS, uint256)) <= convert(
        MAX_LSTM_LAYERS - MIN_LSTM_LAYERS, uint256
    ), "bounty: lstm_layers out of range"
    assert unsafe_sub(units, convert(MIN_LSTM_UNITS, uint256)) <= convert(
        MAX_LSTM_UNITS - MIN_LSTM_UNITS, uint256
    ), "bounty: lstm_units out of range"
    assert dense_layers <= MAX_DENSE_LAYERS, "bounty: dense_layers out of range"
    assert activation < ACTIVATION_CODES, "bounty: activation out of range"
    assert loss < LOSS_CODES, "bounty: loss out of range"
    assert dropout_bps <= MAX_DROPOUT_BPS, "bounty: dropout_bps out of range"
    assert unsafe_sub(convert(learning_rate_micro, uint256), convert(MIN_LEARNING_RATE_MICRO, uint256)) <= convert(
        MAX_LEARNING_RATE_MICRO - MIN_LEARNING_RATE_MICRO, uint256
    ), "bounty: learning_rate_micro out of range"
    # The cost bound: `_cost` inlined (an internal call costs ~80 gas on this hot path;
    # tests check that reveal accepts exactly up to `cost_of`). unchecked: values range-checked above.
    u4: uint256 = unsafe_mul(units, 4)
    plus_one: uint256 = unsafe_add(units, 1)
    cost: uint256 = unsafe_add(
        unsafe_add(
            unsafe_mul(u4, unsafe_add(core >> CORE_N_FEATURES_OFFSET, plus_one)),
            unsafe_mul(unsafe_sub(layers, 1), unsafe_mul(u4, unsafe_add(units, plus_one))),
        ),
        unsafe_add(
            unsafe_mul(layers, u4),
            unsafe_mul(unsafe_add(unsafe_mul(dense, units), unsafe_add(1, (TWO_UNIT_HEADS >> loss_code) & 1)), plus_one),
        ),
    )
    assert cost <= (core >> CORE_MAX_COST_OFFSET) & MASK_32, "bounty: cost above max_cost"
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
        assert stored & RECORD_REVEALED_FLAG == 0, "bounty: already revealed"
        raise "bounty: commitment mismatch"

    self._submissions[id] = RECORD_REVEALED_FLAG | convert(msg.sender, uint256)
    # unchecked: revealed <= count < 2**16.
    self._core = unsafe_add(core, 1 << CORE_REVEALED_OFFSET)
    deposit: uint256 = (core >> CORE_DEPOSIT_OFFSET) & MASK_64
    if deposit != 0:
        self._credits[msg.sender] += deposit
        log IBounty.Credited(account=msg.sender, amount=deposit, reason=CREDIT_DEPOSIT)
    log IBounty.Revealed(
        submitter=msg.sender,
        id=id,
        hyperparameters=(
            layers
            | (units << REVEALED_UNITS_OFFSET)
            | (dense << REVEALED_DENSE_OFFSET)
            | (convert(activation, uint256) << REVEALED_ACTIVATION_OFFSET)
            | (loss_code << REVEALED_LOSS_OFFSET)
            | (convert(dropout_bps, uint256) << REVEALED_DROPOUT_OFFSET)
            | (convert(learning_rate_micro, uint256) << REVEALED_LEARNING_RATE_OFFSET)
        ),
    )


# EVALUATION #


@external
def draw_randomness() -> bytes32:
    """
    @notice Fix the evaluation randomness: keccak256(abi_encode(block.prevrandao,
            blockhash(block.number - 1), self)). Test data is accepted only after
            this. See GAME in the module docstring for what a caller or block
            proposer can still bias.
    @dev Access: anyone, once. Stage: evaluation (reveal_deadline <= now < evaluation_deadline).
    @return The randomness.
    """
    meta: uint256 = self._meta
    assert meta & META_INITIALIZED_FLAG != 0, "bounty: not initialized"
    self._check_open(meta)
    assert meta & META_RANDOMNESS_DRAWN_FLAG == 0, "bounty: randomness already drawn"
    core: uint256 = self._core
    assert block.timestamp >= (core >> CORE_REVEAL_DEADLINE_OFFSET) & MASK_32, "bounty: reveal window still open"
    assert block.timestamp < (core >> CORE_EVALUATION_DEADLINE_OFFSET) & MASK_32, "bounty: evaluation window closed"
    value: bytes32 = keccak256(abi_encode(block.prevrandao, blockhash(block.number - 1), self))
    self.randomness = value
    self._meta = meta | META_RANDOMNESS_DRAWN_FLAG
    log IBounty.RandomnessDrawn(caller=msg.sender, randomness=value)
    return value


@external
def reveal_test_data(test_cid: String[MAX_CID_LENGTH], salt: bytes32):
    """
    @notice Sealed mode: open the test-set commitment made at creation; emits the CID.
    @dev Access: organizer. Stage: evaluation, after `draw_randomness()`.
    """
    meta: uint256 = self._check_test_data_accepted()
    commitment: bytes32 = self._test_commitment
    assert commitment != empty(bytes32), "bounty: future-window bounty: use post_test_data"
    assert keccak256(abi_encode(test_cid, salt)) == commitment, "bounty: test commitment mismatch"
    self._meta = meta | META_TEST_REVEALED_FLAG
    log IBounty.TestDataRevealed(test_cid=test_cid, salt=salt)


@external
def post_test_data(test_cid: String[MAX_CID_LENGTH]):
    """
    @notice Future-window mode: post the CID of the test data taken from the
            window after `test_data_after()` (anyone can compare it with the
            public source); emits it with an empty salt.
    @dev Access: organizer. Stage: evaluation, at or after `test_data_after()`, after `draw_randomness()`.
    """
    meta: uint256 = self._check_test_data_accepted()
    after: uint256 = (meta >> META_TEST_DATA_AFTER_OFFSET) & MASK_32
    assert after != 0, "bounty: sealed bounty: use reveal_test_data"
    assert block.timestamp >= after, "bounty: test data window not reached"
    assert len(test_cid) != 0, "bounty: empty test CID"
    self._meta = meta | META_TEST_REVEALED_FLAG
    log IBounty.TestDataRevealed(test_cid=test_cid, salt=empty(bytes32))


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
    @dev Access: organizer. Stage: evaluation, after the test data (which is
         accepted only after the reveal deadline and the randomness draw).
    """
    meta: uint256 = self._meta
    self._check_organizer_and_open(meta)
    # The test data is accepted only from the reveal deadline on, so this also closes the reveal window.
    assert meta & META_TEST_REVEALED_FLAG != 0, "bounty: test data not revealed"
    assert block.timestamp < (meta >> META_EVALUATION_DEADLINE_OFFSET) & MASK_32, "bounty: evaluation window closed"
    n: uint256 = len(ids)
    assert n != 0, "bounty: empty score batch"
    assert n == len(scores), "bounty: ids and scores differ in length"

    min_accuracy: uint256 = (meta >> META_MIN_ACCURACY_OFFSET) & MASK_16
    k: uint256 = (meta >> META_PRIZE_COUNT_OFFSET) & MASK_PRIZE_COUNT
    word: uint256 = self._ranking
    lanes: uint256 = word & MASK_LANES
    next_id: uint256 = (word >> RANKING_NEXT_ID_OFFSET) & MASK_24
    entries: DynArray[uint256, MAX_BATCH] = []
    # The entry a new one must beat to enter the top k (0 while the ranking is not full).
    last: uint256 = (lanes >> (LANE_BITS * (k - 1))) & MASK_LANE
    for i: uint256 in range(n, bound=MAX_BATCH):
        id: uint256 = ids[i]
        score: uint256 = convert(scores[i], uint256)
        assert id >= next_id, "bounty: ids must increase past the last scored id"
        assert score <= BPS, "bounty: score above 10000"
        assert self._submissions[id] & RECORD_REVEALED_FLAG != 0, "bounty: submission not revealed"
        # unchecked: revealed ids are < submission_count() < 2**16.
        next_id = unsafe_add(id, 1)
        entries.append((id << 16) | score)
        if score >= min_accuracy:
            lane: uint256 = (score << 24) | (MASK_24 - id)
            if lane > last:
                lanes = self._insert(lanes, lane, k)
                last = (lanes >> (LANE_BITS * (k - 1))) & MASK_LANE
    # unchecked: every id above was revealed and is scored once, so scored <= revealed < 2**16.
    scored: uint256 = unsafe_add((word >> RANKING_SCORED_OFFSET) & MASK_24, n)
    self._ranking = lanes | (scored << RANKING_SCORED_OFFSET) | (next_id << RANKING_NEXT_ID_OFFSET)
    log IBounty.ScoresPosted(entries=entries, report_cid=report_cid)


@external
def cancel():
    """
    @notice Take the reward and the bond back before anyone committed.
    @dev Access: organizer. Stage: any, while submission_count() == 0 and not finalized.
    """
    meta: uint256 = self._meta
    self._check_organizer_and_open(meta)
    core: uint256 = self._core
    assert (core >> CORE_COUNT_OFFSET) & MASK_16 == 0, "bounty: submissions exist"
    # Closing the cap makes every later commit revert.
    self._core = core & ~(MASK_16 << CORE_OPEN_CAP_OFFSET)
    self._meta = meta | (OUTCOME_CANCELLED << META_OUTCOME_OFFSET)
    reward: uint256 = self._terms & MASK_96
    funds: uint256 = self._organizer_funds
    bond: uint256 = funds & MASK_96
    self._organizer_funds = funds | ((reward + bond) << FUNDS_DUE_OFFSET)
    organizer: address = convert(meta & MASK_160, address)
    log IBounty.Credited(account=organizer, amount=reward, reason=CREDIT_REFUND)
    log IBounty.Credited(account=organizer, amount=bond, reason=CREDIT_BOND)
    log IBounty.Cancelled(refund=reward + bond)


# FINAL #


@external
def finalize():
    """
    @notice Settle the escrow into credits (see the PAYOUT rules in the module docstring).
    @dev Access: organizer once scored_count() == revealed_count() (stage evaluation);
         anyone at stage expired.
    """
    meta: uint256 = self._meta
    assert meta & META_INITIALIZED_FLAG != 0, "bounty: not initialized"
    self._check_open(meta)
    core: uint256 = self._core
    count: uint256 = (core >> CORE_COUNT_OFFSET) & MASK_16
    revealed: uint256 = (core >> CORE_REVEALED_OFFSET) & MASK_16
    ranking: uint256 = self._ranking
    scored: uint256 = (ranking >> RANKING_SCORED_OFFSET) & MASK_24
    organizer: address = convert(meta & MASK_160, address)
    if block.timestamp < (core >> CORE_EVALUATION_DEADLINE_OFFSET) & MASK_32:
        assert block.timestamp >= (core >> CORE_REVEAL_DEADLINE_OFFSET) & MASK_32, "bounty: reveal window still open"
        assert msg.sender == organizer, "bounty: only the organizer may finalize before the evaluation deadline"
        assert scored == revealed, "bounty: not every revealed submission is scored"

    terms: uint256 = self._terms
    pot: uint256 = terms & MASK_96
    outcome: uint256 = OUTCOME_REFUNDED
    refund: uint256 = pot
    share: uint256 = 0
    funds: uint256 = self._organizer_funds
    bond: uint256 = funds & MASK_96
    burned: uint256 = 0
    if revealed != 0 and scored == revealed:
        if ranking & MASK_LANES != 0:
            outcome = OUTCOME_PRIZES
            k: uint256 = (meta >> META_PRIZE_COUNT_OFFSET) & MASK_PRIZE_COUNT
            for i: uint256 in range(MAX_PRIZE_SHARES):
                if i == k:
                    break
                lane: uint256 = (ranking >> (LANE_BITS * i)) & MASK_LANE
                if lane == 0:
                    break
                winner: address = convert(self._submissions[MASK_24 - (lane & MASK_24)] & MASK_160, address)
                amount: uint256 = pot * ((terms >> (TERMS_SHARES_OFFSET + 16 * i)) & MASK_16) // BPS
                if amount != 0:
                    self._credits[winner] += amount
                    log IBounty.Credited(account=winner, amount=amount, reason=CREDIT_PRIZE)
                refund -= amount
    elif revealed != 0:
        outcome = OUTCOME_SHARED
        share = pot // revealed
        refund = pot - share * revealed
        self.abandon_share = share
        burned = bond
    # Deposits of commitments never revealed: the organizer's, whatever the outcome.
    forfeits: uint256 = ((core >> CORE_DEPOSIT_OFFSET) & MASK_64) * (count - revealed)
    returned_bond: uint256 = bond - burned
    organizer_amount: uint256 = refund + returned_bond + forfeits
    self._meta = meta | (outcome << META_OUTCOME_OFFSET)
    self._organizer_funds = funds | (organizer_amount << FUNDS_DUE_OFFSET)
    if refund != 0:
        log IBounty.Credited(account=organizer, amount=refund, reason=CREDIT_REFUND)
    if returned_bond != 0:
        log IBounty.Credited(account=organizer, amount=returned_bond, reason=CREDIT_BOND)
    if forfeits != 0:
        log IBounty.Credited(account=organizer, amount=forfeits, reason=CREDIT_FORFEIT)
    log IBounty.Finalized(
        caller=msg.sender,
        outcome=convert(outcome, uint8),
        pot=pot,
        organizer_amount=organizer_amount,
        abandon_share=share,
        burned=burned,
    )


@external
def claim_shares(ids: DynArray[uint256, MAX_BATCH]) -> uint256:
    """
    @notice After an abandoned bounty (outcome SHARED) turn the equal share of
            each of your revealed submissions into a credit.
    @dev Access: the revealer of each id. Stage: finalized with outcome SHARED.
    @return The amount credited.
    """
    assert (self._meta >> META_OUTCOME_OFFSET) & MASK_OUTCOME == OUTCOME_SHARED, "bounty: rewards are not shared"
    n: uint256 = len(ids)
    assert n != 0, "bounty: no submission ids"
    for id: uint256 in ids:
        record: uint256 = self._submissions[id]
        assert record & RECORD_REVEALED_FLAG != 0, "bounty: submission not revealed"
        assert convert(record & MASK_160, address) == msg.sender, "bounty: not your submission"
        assert record & RECORD_SHARE_CLAIMED_FLAG == 0, "bounty: share already claimed"
        self._submissions[id] = record | RECORD_SHARE_CLAIMED_FLAG
    amount: uint256 = self.abandon_share * n
    # unchecked: claimed <= revealed < 2**16.
    self._terms = unsafe_add(self._terms, n << TERMS_CLAIMED_OFFSET)
    if amount != 0:
        self._credits[msg.sender] += amount
        log IBounty.Credited(account=msg.sender, amount=amount, reason=CREDIT_SHARE)
    return amount


@external
@nonreentrant
def withdraw() -> uint256:
    """
    @notice Pull your whole credit (for the organizer, including its settlement).
            A recipient that rejects ETH keeps its credit and blocks nobody else.
    @dev Access: anyone with a credit. Stage: any.
    @return The amount sent.
    """
    amount: uint256 = self._credits[msg.sender]
    if amount != 0:
        self._credits[msg.sender] = 0
    if msg.sender == convert(self._meta & MASK_160, address):
        funds: uint256 = self._organizer_funds
        due: uint256 = funds >> FUNDS_DUE_OFFSET
        if due != 0:
            amount += due
            self._organizer_funds = funds & MASK_96
    assert amount != 0, "bounty: nothing to withdraw"
    log IBounty.Withdrawn(account=msg.sender, amount=amount)
    raw_call(msg.sender, b"", value=amount, revert_on_failure=True)
    return amount


# VIEWS #


@external
@view
def stage() -> uint8:
    """
    @notice 0 SUBMISSION, 1 REVEAL, 2 EVALUATION, 3 EXPIRED (anyone may finalize), 4 FINALIZED, 5 CANCELLED.
    """
    outcome: uint256 = (self._meta >> META_OUTCOME_OFFSET) & MASK_OUTCOME
    if outcome == OUTCOME_CANCELLED:
        return STAGE_CANCELLED
    if outcome != OUTCOME_NONE:
        return STAGE_FINALIZED
    core: uint256 = self._core
    if block.timestamp < core & MASK_32:
        return STAGE_SUBMISSION
    if block.timestamp < (core >> CORE_REVEAL_DEADLINE_OFFSET) & MASK_32:
        return STAGE_REVEAL
    if block.timestamp < (core >> CORE_EVALUATION_DEADLINE_OFFSET) & MASK_32:
        return STAGE_EVALUATION
    return STAGE_EXPIRED


@external
@view
def outcome() -> uint8:
    """
    @notice 0 NONE (not settled), 1 PRIZES, 2 REFUNDED, 3 SHARED, 4 CANCELLED.
    """
    return convert((self._meta >> META_OUTCOME_OFFSET) & MASK_OUTCOME, uint8)


@external
@view
def organizer() -> address:
    return convert(self._meta & MASK_160, address)


@external
@view
def reward() -> uint256:
    """
    @notice The reward escrowed at creation (excludes the bond and commit deposits).
    """
    return self._terms & MASK_96


@external
@view
def bond() -> uint256:
    """
    @notice The organizer's bond escrowed at creation (back unless the outcome is SHARED).
    """
    return self._organizer_funds & MASK_96


@external
@view
def escrow() -> uint256:
    """
    @notice Wei held but not yet credited to anyone: before settlement the
            reward, the bond and unrevealed deposits; after a SHARED settlement
            the unclaimed shares; otherwise 0.
    """
    outcome: uint256 = (self._meta >> META_OUTCOME_OFFSET) & MASK_OUTCOME
    core: uint256 = self._core
    revealed: uint256 = (core >> CORE_REVEALED_OFFSET) & MASK_16
    if outcome == OUTCOME_NONE:
        count: uint256 = (core >> CORE_COUNT_OFFSET) & MASK_16
        deposits: uint256 = ((core >> CORE_DEPOSIT_OFFSET) & MASK_64) * (count - revealed)
        return (self._terms & MASK_96) + (self._organizer_funds & MASK_96) + deposits
    if outcome == OUTCOME_SHARED:
        return self.abandon_share * (revealed - ((self._terms >> TERMS_CLAIMED_OFFSET) & MASK_24))
    return 0


@external
@view
def burned() -> uint256:
    """
    @notice The bond forfeited by a SHARED outcome: it stays in this contract
            and no code path can move it.
    """
    if (self._meta >> META_OUTCOME_OFFSET) & MASK_OUTCOME == OUTCOME_SHARED:
        return self._organizer_funds & MASK_96
    return 0


@external
@view
def credits(account: address) -> uint256:
    """
    @notice Wei `account` can pull with `withdraw()`.
    """
    amount: uint256 = self._credits[account]
    if account == convert(self._meta & MASK_160, address):
        amount += self._organizer_funds >> FUNDS_DUE_OFFSET
    return amount


@external
@view
def submission_deadline() -> uint256:
    return self._core & MASK_32


@external
@view
def reveal_deadline() -> uint256:
    return (self._core >> CORE_REVEAL_DEADLINE_OFFSET) & MASK_32


@external
@view
def evaluation_deadline() -> uint256:
    return (self._core >> CORE_EVALUATION_DEADLINE_OFFSET) & MASK_32


@external
@view
def test_data_after() -> uint256:
    """
    @notice Future-window mode: the time from which test data may be posted; 0 in sealed mode.
    """
    return (self._meta >> META_TEST_DATA_AFTER_OFFSET) & MASK_32


@external
@view
def min_accuracy() -> uint16:
    return convert((self._meta >> META_MIN_ACCURACY_OFFSET) & MASK_16, uint16)


@external
@view
def seq_len() -> uint16:
    return convert((self._terms >> TERMS_SEQ_LEN_OFFSET) & MASK_16, uint16)


@external
@view
def future_period() -> uint16:
    return convert((self._terms >> TERMS_FUTURE_PERIOD_OFFSET) & MASK_16, uint16)


@external
@view
def n_features() -> uint16:
    return convert(self._core >> CORE_N_FEATURES_OFFSET, uint16)


@external
@view
def max_cost() -> uint256:
    """
    @notice The largest `cost_of(...)` a reveal may have.
    """
    return (self._core >> CORE_MAX_COST_OFFSET) & MASK_32


@external
@view
def cost_of(lstm_layers: uint8, lstm_units: uint16, dense_layers: uint8, loss: uint8) -> uint256:
    """
    @notice The evaluation cost of a configuration on this bounty: the Keras
            parameter count (`model.count_params()`) of `build_model` for
            `n_features()` inputs. Equals `bounty_client.hyperparams.parameter_count`.
    @dev Reverts on values outside CHAIN_LIMITS (the formula is exact only inside them).
    """
    assert lstm_layers >= MIN_LSTM_LAYERS and lstm_layers <= MAX_LSTM_LAYERS, "bounty: lstm_layers out of range"
    assert lstm_units >= MIN_LSTM_UNITS and lstm_units <= MAX_LSTM_UNITS, "bounty: lstm_units out of range"
    assert dense_layers <= MAX_DENSE_LAYERS, "bounty: dense_layers out of range"
    assert loss < LOSS_CODES, "bounty: loss out of range"
    return self._cost(
        convert(lstm_layers, uint256),
        convert(lstm_units, uint256),
        convert(dense_layers, uint256),
        convert(loss, uint256),
        self._core >> CORE_N_FEATURES_OFFSET,
    )


@external
@view
def max_submissions() -> uint32:
    return convert((self._terms >> TERMS_MAX_SUBMISSIONS_OFFSET) & MASK_24, uint32)


@external
@view
def commit_deposit() -> uint256:
    return (self._core >> CORE_DEPOSIT_OFFSET) & MASK_64


@external
@view
def prize_shares() -> DynArray[uint16, MAX_PRIZE_SHARES]:
    """
    @notice Basis points per rank (best first), summing to 10000.
    """
    k: uint256 = (self._meta >> META_PRIZE_COUNT_OFFSET) & MASK_PRIZE_COUNT
    terms: uint256 = self._terms
    shares: DynArray[uint16, MAX_PRIZE_SHARES] = []
    for i: uint256 in range(k, bound=MAX_PRIZE_SHARES):
        shares.append(convert((terms >> (TERMS_SHARES_OFFSET + 16 * i)) & MASK_16, uint16))
    return shares


@external
@view
def test_commitment() -> bytes32:
    return self._test_commitment


@external
@view
def test_revealed() -> bool:
    return self._meta & META_TEST_REVEALED_FLAG != 0


@external
@view
def randomness_drawn() -> bool:
    return self._meta & META_RANDOMNESS_DRAWN_FLAG != 0


@external
@view
def submission_count() -> uint256:
    return (self._core >> CORE_COUNT_OFFSET) & MASK_16


@external
@view
def revealed_count() -> uint256:
    return (self._core >> CORE_REVEALED_OFFSET) & MASK_16


@external
@view
def scored_count() -> uint256:
    return (self._ranking >> RANKING_SCORED_OFFSET) & MASK_24


@external
@view
def next_score_id() -> uint256:
    """
    @notice The lowest id `post_scores` still accepts (ids must increase).
    """
    return (self._ranking >> RANKING_NEXT_ID_OFFSET) & MASK_24


@external
@view
def claimed_share_count() -> uint256:
    return (self._terms >> TERMS_CLAIMED_OFFSET) & MASK_24


@external
@view
def submission(id: uint256) -> IBounty.Submission:
    """
    @notice One submission's record. `submitter` is empty until the reveal (the
            `Committed` event names the committer).
    """
    word: uint256 = self._submissions[id]
    if word & RECORD_REVEALED_FLAG == 0:
        return IBounty.Submission(submitter=empty(address), committed=word != 0, revealed=False, share_claimed=False)
    return IBounty.Submission(
        submitter=convert(word & MASK_160, address),
        committed=True,
        revealed=True,
        share_claimed=word & RECORD_SHARE_CLAIMED_FLAG != 0,
    )


@external
@view
def commitment_of(id: uint256) -> bytes32:
    """
    @notice The stored commitment of an unrevealed submission, with its top bit
            cleared (the contract compares the low 255 bits); empty once revealed.
    """
    word: uint256 = self._submissions[id]
    if word & RECORD_REVEALED_FLAG != 0:
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
@pure
def _cost(lstm_layers: uint256, units: uint256, dense_layers: uint256, loss: uint256, n_features: uint256) -> uint256:
    """
    @dev Keras' parameter count of `bounty_client.model.build_model` (source:
         Keras' LSTM, BatchNormalization and Dense weight shapes):
           first LSTM   4u(n_features + u + 1)   (4 gates: input kernel, recurrent kernel, bias)
           other LSTMs  4u(u + u + 1) each
           BatchNorm    4u per LSTM layer        (gamma, beta, moving mean, moving variance)
           Dense        u(u + 1) each
           head         h(u + 1), h = 2 for the two crossentropy losses with a softmax head, else 1
    @dev unchecked: callers pass range-checked values (u <= 1024, layers <= 8,
         n_features < 2**16), so every term is below 2**40.
    """
    u4: uint256 = unsafe_mul(units, 4)
    plus_one: uint256 = unsafe_add(units, 1)
    head: uint256 = unsafe_add(1, (TWO_UNIT_HEADS >> loss) & 1)
    # 4u(n + u + 1) + (L - 1)·4u(2u + 1) + L·4u + D·u(u + 1) + h(u + 1)
    return unsafe_add(
        unsafe_add(
            unsafe_mul(u4, unsafe_add(n_features, plus_one)),
            unsafe_mul(unsafe_sub(lstm_layers, 1), unsafe_mul(u4, unsafe_add(units, plus_one))),
        ),
        unsafe_add(
            unsafe_mul(lstm_layers, u4),
            unsafe_mul(unsafe_add(unsafe_mul(dense_layers, units), head), plus_one),
        ),
    )


@internal
@view
def _revert_commit_closed():
    """
    @dev Slow path of `commit` when the open cap is reached: say why.
    """
    meta: uint256 = self._meta
    assert meta & META_INITIALIZED_FLAG != 0, "bounty: not initialized"
    assert (meta >> META_OUTCOME_OFFSET) & MASK_OUTCOME != OUTCOME_CANCELLED, "bounty: cancelled"
    raise "bounty: submission cap reached"


@internal
@view
def _check_test_data_accepted() -> uint256:
    """
    @dev The checks shared by `reveal_test_data` and `post_test_data`: organizer,
         not settled, not yet posted, reveal deadline passed, evaluation window
         open, randomness drawn. Returns `_meta`.
    """
    meta: uint256 = self._meta
    self._check_organizer_and_open(meta)
    assert meta & META_TEST_REVEALED_FLAG == 0, "bounty: test data already revealed"
    core: uint256 = self._core
    assert block.timestamp >= (core >> CORE_REVEAL_DEADLINE_OFFSET) & MASK_32, "bounty: reveal window still open"
    assert block.timestamp < (core >> CORE_EVALUATION_DEADLINE_OFFSET) & MASK_32, "bounty: evaluation window closed"
    assert meta & META_RANDOMNESS_DRAWN_FLAG != 0, "bounty: randomness not drawn"
    return meta


@internal
@pure
def _check_open(meta: uint256):
    """
    @dev Reverts once the bounty is settled (finalized or cancelled).
    """
    outcome: uint256 = (meta >> META_OUTCOME_OFFSET) & MASK_OUTCOME
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
