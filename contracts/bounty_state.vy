# pragma version 0.4.3
"""
@title The storage of one ML Bounty, shared by Bounty.vy and BountyDisputes.vy
@license MIT
@notice `Bounty.vy` holds the lifecycle; `BountyDisputes.vy` holds challenges,
        rulings and re-ranking, and runs in the bounty's storage by
        DELEGATECALL (the two together exceed EIP-170's 24,576-byte limit).
        Both `initializes:` this module and declare no storage of their
        own, so their storage layouts are this module's by construction (a
        test compares the compiled layouts).
@dev Bit diagrams above each packed word; a one-line comment above each
     variable. Helpers used by both contracts are at the end.
"""

import constants


# CONSTANTS #


# Stages returned by `stage()` (mirrored as an IntEnum by the client and the tests).
STAGE_SUBMISSION: constant(uint8) = 0
STAGE_REVEAL: constant(uint8) = 1
STAGE_EVALUATION: constant(uint8) = 2
STAGE_CHALLENGE: constant(uint8) = 3
STAGE_ARBITRATION: constant(uint8) = 4
STAGE_EXPIRED: constant(uint8) = 5
STAGE_FINALIZED: constant(uint8) = 6
STAGE_CANCELLED: constant(uint8) = 7

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
CREDIT_CHALLENGE_BOND: constant(uint8) = 6
CREDIT_CHALLENGE_REWARD: constant(uint8) = 7
CREDIT_CHALLENGE_LOST: constant(uint8) = 8


# Hyperparameter limits: mirror `bounty_client.protocol.hyperparams.CHAIN_LIMITS`.
MIN_LSTM_LAYERS: constant(uint256) = 1
MAX_LSTM_LAYERS: constant(uint256) = 8
MIN_LSTM_UNITS: constant(uint256) = 1
MAX_LSTM_UNITS: constant(uint256) = 1024
MAX_DENSE_LAYERS: constant(uint256) = 8
ACTIVATION_CODES: constant(uint256) = 8
LOSS_CODES: constant(uint256) = 5
MAX_DROPOUT_BPS: constant(uint256) = 9_000
MIN_LEARNING_RATE_MICRO: constant(uint256) = 1
MAX_LEARNING_RATE_MICRO: constant(uint256) = 1_000_000
# Loss codes whose head has 2 units (softmax), as a bit set: 0 sparse_categorical_crossentropy,
# 2 categorical_crossentropy; the head of loss code c has 1 + ((TWO_UNIT_HEADS >> c) & 1) units.
TWO_UNIT_HEADS: constant(uint256) = (1 << 0) | (1 << 2)

# Most batches one `rerank` call replays (a call ends at a checkpoint or at the last batch).
MAX_RERANK_BATCHES: constant(uint256) = constants.CHECKPOINT_INTERVAL
# Most submissions whose score a ruling may replace (each is replayed by `rerank`).
MAX_CORRECTIONS: constant(uint256) = 128
# Unclaimed deposits, shares and credits can be swept this long after the resolution deadline.
SWEEP_DELAY: constant(uint256) = 365 * 86_400

MASK_3: constant(uint256) = (1 << 3) - 1
MASK_8: constant(uint256) = (1 << 8) - 1
MASK_14: constant(uint256) = (1 << 14) - 1
MASK_16: constant(uint256) = (1 << 16) - 1
MASK_24: constant(uint256) = (1 << 24) - 1
MASK_32: constant(uint256) = (1 << 32) - 1
MASK_64: constant(uint256) = (1 << 64) - 1
MASK_96: constant(uint256) = (1 << 96) - 1
MASK_112: constant(uint256) = (1 << 112) - 1
MASK_160: constant(uint256) = (1 << 160) - 1

# Largest `max_submissions` (ids and the core counters are 16-bit fields; ids stay
# below MASK_16, so a ranking lane is never empty).
MAX_SUBMISSIONS_LIMIT: constant(uint256) = MASK_16
# Largest commit deposit and challenge bond (64-bit fields, about 18.4 ether).
MAX_COMMIT_DEPOSIT: constant(uint256) = MASK_64
MAX_CHALLENGE_BOND: constant(uint256) = MASK_64
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
# | free 4 | fail-safe 1 | voided 1 | requested 1 | drawn 1 | outcome 3 | test revealed 1 | initialized 1 | K 3 | evaluation dl 32 | test_data_after 32 | min_accuracy 16 | organizer 160 |
META_MIN_ACCURACY_OFFSET: constant(uint256) = 160  # uint16
META_TEST_DATA_AFTER_OFFSET: constant(uint256) = 176  # uint32, 0 in sealed mode
META_EVALUATION_DEADLINE_OFFSET: constant(uint256) = 208  # uint32, copy of the core field (post_scores reads one word less)
META_PRIZE_COUNT_OFFSET: constant(uint256) = 240  # 3 bits, K in 1..5
META_INITIALIZED_FLAG: constant(uint256) = 1 << 243
META_TEST_REVEALED_FLAG: constant(uint256) = 1 << 244
META_OUTCOME_OFFSET: constant(uint256) = 245  # 3 bits, OUTCOME_*
META_RANDOMNESS_DRAWN_FLAG: constant(uint256) = 1 << 248
META_RANDOMNESS_REQUESTED_FLAG: constant(uint256) = 1 << 249  # `_randomness` holds the block to read
META_VOIDED_FLAG: constant(uint256) = 1 << 250  # an upheld test-data challenge voided the scores
META_FAIL_SAFE_FLAG: constant(uint256) = 1 << 251  # finalized with a dispute the arbiter never ruled on

# `_terms`, reward, prize and data terms fixed at creation:
# | max_submissions 24 | future_period 16 | seq_len 16 | free 24 | 5 x prize share 16 | reward 96 |
TERMS_SHARES_OFFSET: constant(uint256) = 96  # 5 x uint16
TERMS_SEQ_LEN_OFFSET: constant(uint256) = 200  # uint16
TERMS_FUTURE_PERIOD_OFFSET: constant(uint256) = 216  # uint16
TERMS_MAX_SUBMISSIONS_OFFSET: constant(uint256) = 232  # uint24, as created (kept after cancel)

# `_organizer_funds`, the organizer's money besides the reward, and the challenge terms
# every settlement reads:
# | score tolerance 16 | challenge dl 32 | due 112 | bond 96 |
FUNDS_DUE_OFFSET: constant(uint256) = 96  # uint112, wei credited to the organizer and not yet withdrawn
FUNDS_CHALLENGE_DEADLINE_OFFSET: constant(uint256) = 208  # uint32; = evaluation dl without an arbiter
FUNDS_TOLERANCE_OFFSET: constant(uint256) = 240  # uint16, bps

# `_arbitration`, written only when the bounty has an arbiter:
# | resolution dl 32 | challenge bond 64 | arbiter 160 |
ARBITRATION_BOND_OFFSET: constant(uint256) = 160  # uint64, wei
ARBITRATION_RESOLUTION_DEADLINE_OFFSET: constant(uint256) = 224  # uint32

# `_submissions[id]` once revealed:
# | revealed 1 | eligible 1 | corrected 1 | free 13 | deposit 64 | corrected score 16 | submitter 160 |
# Eligible: the deposit (and, after an abandonment, a share) can be claimed; cleared when a
# posted score is below min_accuracy. The whole word is zeroed when claimed.
RECORD_CORRECTED_SCORE_OFFSET: constant(uint256) = 160  # uint16, the ruling that replaced the posted score
RECORD_DEPOSIT_OFFSET: constant(uint256) = 176  # uint64, the deposit paid (returned on claim)
RECORD_CORRECTED_FLAG: constant(uint256) = 1 << 253
RECORD_ELIGIBLE_FLAG: constant(uint256) = 1 << 254
RECORD_REVEALED_FLAG: constant(uint256) = 1 << 255
# Before the reveal the word holds the commitment with its top bit cleared, so a
# stored commitment can never be mistaken for a revealed record.
COMMITMENT_MASK: constant(uint256) = (1 << 255) - 1

# `_ranking`: 5 lanes of 30 bits, best first, then counters. A lane is
# score << 16 | (MASK_16 - id), so a larger lane is a better entry (higher score,
# then earlier id) and an empty lane is 0 (ids are < MASK_16).
# | free 25 | stale 1 | batches 16 | open disputes 16 | disqualified 16 | next id 16 | scored 16 | lane 4 | ... | lane 0 (best) |
LANE_BITS: constant(uint256) = 30
MASK_LANE: constant(uint256) = (1 << LANE_BITS) - 1
MASK_LANES: constant(uint256) = (1 << (LANE_BITS * constants.MAX_PRIZE_SHARES)) - 1
RANKING_SCORED_OFFSET: constant(uint256) = 150  # uint16, submissions scored
RANKING_NEXT_ID_OFFSET: constant(uint256) = 166  # uint16, lowest id post_scores still accepts
RANKING_DISQUALIFIED_OFFSET: constant(uint256) = 182  # uint16, revealed submissions scored below min_accuracy
RANKING_OPEN_OFFSET: constant(uint256) = 198  # uint16, disputes the arbiter has not ruled on
RANKING_BATCHES_OFFSET: constant(uint256) = 214  # uint16, score batches posted
RANKING_STALE_FLAG: constant(uint256) = 1 << 230  # a ruling removed a ranked entry: `rerank` rebuilds the lanes

# `_disputes[key]` while open:
# | fee 64 | claimed 16 | posted 16 | challenger 160 |
DISPUTE_POSTED_OFFSET: constant(uint256) = 160  # uint16, bps (score disputes)
DISPUTE_CLAIMED_OFFSET: constant(uint256) = 176  # uint16, bps (score disputes)
DISPUTE_FEE_OFFSET: constant(uint256) = 192  # uint64, wei held for the arbiter

# `_rerank`, progress of a replay:
# | free 90 | cursor 16 | lanes 150 |
RERANK_CURSOR_OFFSET: constant(uint256) = 150  # uint16, batches replayed

# The `hyperparameters` word of `reveal` and `Revealed` (not stored):
# | zero 160 | learning_rate_micro 32 | dropout_bps 16 | loss 8 | activation 8 | dense_layers 8 | lstm_units 16 | lstm_layers 8 |
REVEALED_UNITS_OFFSET: constant(uint256) = 8  # uint16
REVEALED_DENSE_OFFSET: constant(uint256) = 24  # uint8
REVEALED_ACTIVATION_OFFSET: constant(uint256) = 32  # uint8
REVEALED_LOSS_OFFSET: constant(uint256) = 40  # uint8
REVEALED_DROPOUT_OFFSET: constant(uint256) = 48  # uint16
REVEALED_LEARNING_RATE_OFFSET: constant(uint256) = 64  # uint32
REVEALED_BITS: constant(uint256) = 96


# STORAGE #


# Deadlines, commit deposit, open cap, counters and the cost bound (CORE_* layout).
_core: uint256
# Organizer, min_accuracy, test_data_after, evaluation deadline, K, flags, outcome (META_* layout).
_meta: uint256
# Reward, prize shares, seq_len, future_period, max_submissions (TERMS_* layout).
_terms: uint256
# Bond, the organizer's unwithdrawn settlement, the challenge deadline and score tolerance (FUNDS_* layout).
_organizer_funds: uint256
# Arbiter, challenge bond and resolution deadline (ARBITRATION_* layout); empty without an arbiter.
_arbitration: uint256
# Sealed mode: keccak256(abi_encode(test_cid, salt)), fixed at creation; empty in future-window mode.
_test_commitment: bytes32
# Top-K qualified entries, best first, plus counters and the stale flag (RANKING_* layout).
_ranking: uint256
# Hash chain over the score batches: acc = keccak256(acc ++ keccak256(abi_encode(entries))).
_score_accumulator: bytes32
# The accumulator after batch 32 * (i + 1) - 1, by i.
_checkpoints: HashMap[uint256, bytes32]
# Per id: the masked commitment until the reveal, then the record (RECORD_* layout), 0 once claimed.
_submissions: HashMap[uint256, uint256]
# Wei each address can pull with `withdraw()` (the organizer's settlement is in `_organizer_funds`).
_credits: HashMap[address, uint256]
# SHARED outcome: what each eligible revealed submission can claim besides its deposit.
abandon_share: public(uint256)
# While requested: the block whose hash becomes the randomness; once drawn: the randomness.
_randomness: uint256
# Open disputes by key (submission id, or TEST_DATA_KEY) (DISPUTE_* layout).
_disputes: HashMap[uint256, uint256]
# Wei held for open disputes: their challenge bonds and fees.
_dispute_escrow: uint256
# Submission ids whose score a ruling replaced (replayed by `rerank`).
_corrections: DynArray[uint256, MAX_CORRECTIONS]
# A replay in progress (RERANK_* layout) and its running accumulator.
_rerank: uint256
_rerank_accumulator: bytes32


# SHARED INTERNALS #


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
@view
def _challenge_deadline() -> uint256:
    """
    @dev Scores pay nothing before this time; the evaluation deadline when there is no arbiter.
    """
    return (self._organizer_funds >> FUNDS_CHALLENGE_DEADLINE_OFFSET) & MASK_32


@internal
@view
def _resolution_deadline() -> uint256:
    """
    @dev The resolution deadline; the challenge deadline when there is no arbiter.
    """
    arbitration: uint256 = self._arbitration
    if arbitration == 0:
        return self._challenge_deadline()
    return (arbitration >> ARBITRATION_RESOLUTION_DEADLINE_OFFSET) & MASK_32


@internal
@pure
def _insert(ranking: uint256, lane: uint256, k: uint256) -> uint256:
    """
    @dev Insert `lane` into the descending top-`k` `ranking`, dropping what falls
         off the end; unchanged when it ranks below all k entries.
    """
    for i: uint256 in range(constants.MAX_PRIZE_SHARES):
        if i == k:
            break
        offset: uint256 = LANE_BITS * i
        if lane > (ranking >> offset) & MASK_LANE:
            low: uint256 = ranking & ((1 << offset) - 1)
            # Lanes i.. move up one lane; the mask drops whatever moves past lane k - 1.
            high: uint256 = (ranking >> offset) << (offset + LANE_BITS)
            return (low | (lane << offset) | high) & ((1 << (LANE_BITS * k)) - 1)
    return ranking


@internal
@pure
def _cost(lstm_layers: uint256, units: uint256, dense_layers: uint256, loss: uint256, n_features: uint256) -> uint256:
    """
    @dev Keras' parameter count of `bounty_client.ml.model.build_model` (source:
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
