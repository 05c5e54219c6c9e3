# pragma version 0.4.3
"""
@title ML Bounty: one bounty
@custom:contract-name Bounty
@license MIT
@notice An organizer escrows a reward and a bond for the best LSTM
        hyperparameters on test data nobody can know while submissions are
        open. Participants commit sealed submissions and reveal them after the
        submission deadline; after the reveal deadline anyone draws the
        evaluation randomness, the organizer opens (or posts) the test data,
        re-trains and posts scores. Scores are provisional until the challenge
        deadline: anyone may challenge a score or the test data with a bond,
        and the arbiter fixed at creation rules. `finalize` then turns the
        escrow into credits that everyone pulls with `withdraw`.

@dev TRUST MODEL. The contract guarantees: the escrow (only the paths below can
     move it), the deadlines, sealed submissions (the commitment binds this
     bounty and the sender, so a copied commitment is worthless and a reveal
     cannot be front-run), test data that cannot be opened or posted before
     the reveal deadline (sealed mode: fixed by a commitment before anyone
     submits; future-window mode: a window that opens at or after the reveal
     deadline, posted only from `test_data_after`, its end), randomness
     fixed by a block nobody knew when it was requested, a bounded
     evaluation cost per submission (`max_cost`), each submission scored at
     most once by the organizer, scores that pay nothing before the
     challenge deadline, rulings only from the arbiter, and the payout rules.
     It cannot re-train an LSTM: a posted score is a claim. With an arbiter
     (`arbiter() != empty(address)`) anyone can dispute it; what stays
     trusted is the arbiter (by default a jury of staked re-runners with an
     honest majority), one honest watcher during the challenge window, and
     score differences below `score_tolerance()`. Without an arbiter the
     scores are trusted (publicly checkable, not challengeable).

     GAME. Each rule below is there because a party could otherwise gain by deviating:
       - Selective reveal: test data is accepted only from the reveal deadline
         on, so no participant can score its sealed commits before choosing
         which to reveal; deposits of commitments never revealed go to the
         organizer, never to the pot.
       - Free seats: a revealed submission whose posted score is below
         `min_accuracy` forfeits its deposit to the organizer too, so filling
         the cap with junk costs `max_submissions` deposits. Deposits come
         back at settlement (`claim(ids)`), not at reveal.
       - Evaluation flood: a reveal above `max_cost` (the Keras parameter
         count, fixed at creation) is refused.
       - Withholding with sock puppets: the organizer escrows a bond >=
         reward. It comes back with PRIZES, REFUNDED and on cancel, and is
         burned (paid to nobody: any participant may be the organizer's sock)
         when the bounty ends SHARED. Withholding the test data or scores with
         S socks among S+H revealed submissions returns at most S/(S+H) of the
         reward and burns the bond: net <= -reward.
       - False scores: an upheld challenge replaces the score with the
         arbiter's ruling, re-ranks, returns the challenger's bond and fee and
         pays it `challenge_bond()` from the organizer's bond. An organizer
         that posts a false score for a sock ends with the true ranking and
         less bond; one that challenges its own false score first pays the
         arbiter's fee for nothing. A rejected challenge pays the arbiter's
         fee and gives the challenger's bond to the organizer.
       - Fabricated test data: an upheld data challenge voids every score;
         the reward is shared equally by the revealed submissions and what is
         left of the bond is burned, so socks cannot buy the bond back.
       - A silent arbiter: past `resolution_deadline()` with a dispute still
         open, `finalize` applies the fail-safe: the posted scores stand, the
         organizer's remaining bond is burned (it chose the arbiter; a stall
         never pays it), the arbiter gets no fee and the challenger reclaims
         its bond and fee (`reclaim`).
       - Grinding the draw: `draw_randomness()` works in two calls. The first
         fixes the next block; the second, from any caller once that block is
         mined, sets keccak256(blockhash(that block), this bounty). A caller
         that reverts on values it dislikes learns nothing at the first call
         and cannot change the value at the second. What remains: the
         proposer of that block can choose among the blocks it could build.
         The request lapses after 256 blocks (the hash is gone) and can then
         be made again.

     DEPLOYMENT. `BountyFactory` deploys one implementation of this contract
     from a blueprint (so `FACTORY` is the factory) and makes every bounty an
     EIP-1167 clone that it initializes with `msg.value` (reward + bond) in the
     same transaction. Only the factory can initialize a clone, once; the
     implementation itself can never be initialized (`self == _IMPLEMENTATION`).

     PAYOUT. All payouts are pulled, with `withdraw()` (credits) or
     `claim(ids)` (a submission's deposit and share), non-reentrant and
     checks-effects-interactions; a recipient that rejects ETH only blocks
     its own withdrawal. pot = reward.
       - Deposits: commitments never revealed, and revealed submissions whose
         score is below `min_accuracy` ("disqualified"), forfeit their
         deposit to the organizer at finalize, whatever the outcome (after a
         voided test set, only the unrevealed ones). Every other revealed
         submission claims its deposit back with `claim([id, ...])`; a winner's
         comes with its prize.
       - PRIZES: the top-K qualified scores (score >= min_accuracy; K = number
         of prize shares) get pot * share / 10000 each; shares nobody qualified
         for and the rounding dust go to the organizer, with the bond.
       - REFUNDED: nothing revealed, or nobody qualified: pot and bond to the organizer.
       - SHARED: the test data was not posted or not every revealed submission
         was scored by the evaluation deadline (abandonment), or the test data
         was voided by an upheld challenge. `abandon_share = pot // eligible`
         per eligible submission (revealed and not disqualified; after a void,
         every revealed one), claimed with its deposit by `claim(ids)`; the
         dust to the organizer; the bond (what disputes left of it) is burned.
       - CANCELLED: `cancel()` before the first commit: reward and bond to the organizer.
     Challenges: the bond and the fee are held while the dispute is open;
     the ruling credits them (see GAME). Unclaimed deposits, shares and
     credits can be swept to the organizer `SWEEP_DELAY` (365 days) after the
     resolution deadline (`sweep`).
     Before settlement `self.balance == sum(credits) + organizer_due() +
     escrow()`; after it, escrow() counts only open disputes and the
     per-submission claims are read with `claimable(id)`; `burned()` is the
     bond that no code path can move. (ETH forced in without a call, e.g. by
     SELFDESTRUCT, is the only exception: nobody can claim it.)

     GAS. No function loops over all submissions on the honest path: the
     ranking keeps only the top K (<= 5) entries in one packed word, updated
     as scores arrive. `post_scores` takes ids in strictly increasing order
     across all batches; a cursor (`next_score_id`) proves "scored at most
     once" without a storage write per id, so scores are not stored per
     submission: they are in the `ScoresPosted` events, bound by a hash
     chain over the batches (`score_accumulator()`, with a checkpoint every
     32 batches) against which a challenger proves a posted score. A
     ruling that removes a ranked entry from a full ranking marks it stale;
     `rerank` replays the batches (checked against the chain) to rebuild it.
     Deposits come back through the submission's own record word (zeroed
     on claim or, for a winner, at finalize, which refunds most of its cost).
"""

from .interfaces import IBounty
import constants
import bounty_state as state

implements: IBounty

# Every storage variable is the module's (shared with BountyDisputes.vy).
initializes: state

exports: state.abandon_share


# IMMUTABLES #


# The factory that deployed the implementation; the only caller of `initialize`.
FACTORY: public(immutable(address))
# The implementation's own address (a clone's `self` differs from it).
_IMPLEMENTATION: immutable(address)
# BountyExtension: the rarely called functions (the randomness draw, the test data, cancel,
# challenges, rulings, re-ranking, sweeping), run in this bounty's storage by DELEGATECALL
# from `__default__`: the two halves together exceed EIP-170's 24,576-byte limit.
EXTENSION: public(immutable(address))


@deploy
def __init__(extension: address):
    """
    @dev Runs once, for the implementation only (clones never run it): records
         the deploying factory, the implementation's own address and the
         extension the factory deployed for it.
    """
    FACTORY = msg.sender
    _IMPLEMENTATION = self
    EXTENSION = extension


@external
@payable
@raw_return
def __default__() -> Bytes[32]:
    """
    @notice Every function of `IBountyExtension` (draw_randomness, the test data,
            cancel, challenges, rulings, rerank, reclaim, sweep, cost_of) runs
            here, in this bounty's storage.
    @dev DELEGATECALL to `EXTENSION`, returning its result (at most one word)
         or its revert as they are.
    """
    return raw_call(EXTENSION, msg.data, max_outsize=32, is_delegate_call=True, revert_on_failure=True)


# FACTORY #


@external
def initialize(organizer: address, reward: uint256, params: IBounty.BountyParams):
    """
    @notice Configure a fresh clone; the factory already sent `reward + params.bond` wei with the clone's creation.
    @dev Access: factory. Stage: before initialization (once per clone; never on the implementation).
         Exactly one test mode: sealed (`test_commitment` set, `test_data_after` and
         `test_window_start` 0) or future window (`test_commitment` empty, reveal_deadline <=
         test_window_start <= test_data_after < evaluation_deadline). An arbiter comes with a
         positive challenge period, resolution period and challenge bond; without one all three are 0.
    """
    assert self != _IMPLEMENTATION, "bounty: implementation cannot be initialized"
    assert msg.sender == FACTORY, "bounty: caller is not the factory"
    assert state._meta & state.META_INITIALIZED_FLAG == 0, "bounty: already initialized"
    assert organizer != empty(address), "bounty: empty organizer"
    assert reward != 0, "bounty: reward must be positive"
    assert reward <= state.MAX_REWARD, "bounty: reward too large"
    bond: uint256 = params.bond
    assert bond >= reward, "bounty: bond below reward"
    assert bond <= state.MAX_BOND, "bounty: bond too large"
    assert convert(params.min_accuracy, uint256) <= constants.BPS, "bounty: min_accuracy above 10000"
    assert params.seq_len != 0, "bounty: seq_len must be positive"
    assert params.future_period != 0, "bounty: future_period must be positive"
    assert params.n_features != 0, "bounty: n_features must be positive"
    n: uint256 = convert(params.n_features, uint256)
    assert convert(params.max_cost, uint256) >= state._cost(1, 1, 0, 1, n), "bounty: max_cost below the smallest model"
    d1: uint256 = params.submission_deadline
    d2: uint256 = params.reveal_deadline
    d3: uint256 = params.evaluation_deadline
    assert d1 > block.timestamp, "bounty: submission deadline not in the future"
    assert d2 > d1, "bounty: reveal deadline not after submission deadline"
    assert d3 > d2, "bounty: evaluation deadline not after reveal deadline"
    after: uint256 = params.test_data_after
    if params.test_commitment == empty(bytes32):
        assert after != 0, "bounty: no test commitment and no test_data_after"
        # A window that opened during the reveals would publish test labels while
        # participants can still choose which commitments to reveal.
        assert params.test_window_start >= d2, "bounty: test window opens before the reveal deadline"
        assert after >= params.test_window_start, "bounty: test_data_after before the test window opens"
        assert d3 > after, "bounty: evaluation deadline not after test_data_after"
    else:
        assert after == 0, "bounty: test commitment and test_data_after both set"
        assert params.test_window_start == 0, "bounty: test commitment and test_window_start both set"
    assert params.max_submissions != 0, "bounty: max_submissions must be positive"
    assert convert(params.max_submissions, uint256) <= state.MAX_SUBMISSIONS_LIMIT, "bounty: max_submissions too large"
    assert params.commit_deposit <= state.MAX_COMMIT_DEPOSIT, "bounty: commit deposit too large"
    assert convert(params.score_tolerance, uint256) <= constants.BPS, "bounty: score_tolerance above 10000"
    d4: uint256 = d3
    if params.arbiter == empty(address):
        assert params.challenge_period == 0, "bounty: challenge_period without an arbiter"
        assert params.resolution_period == 0, "bounty: resolution_period without an arbiter"
        assert params.challenge_bond == 0, "bounty: challenge_bond without an arbiter"
    else:
        assert params.arbiter.is_contract, "bounty: arbiter is not a contract"
        assert params.challenge_period != 0, "bounty: challenge_period must be positive"
        assert params.resolution_period != 0, "bounty: resolution_period must be positive"
        assert params.challenge_bond != 0, "bounty: challenge_bond must be positive"
        assert params.challenge_bond <= state.MAX_CHALLENGE_BOND, "bounty: challenge_bond too large"
        d4 = d3 + params.challenge_period
        d5: uint256 = d4 + params.resolution_period
        assert d5 <= state.MAX_TIMESTAMP, "bounty: resolution deadline too far"
        state._arbitration = (
            convert(params.arbiter, uint256)
            | (params.challenge_bond << state.ARBITRATION_BOND_OFFSET)
            | (d5 << state.ARBITRATION_RESOLUTION_DEADLINE_OFFSET)
        )
    assert d4 <= state.MAX_TIMESTAMP, "bounty: evaluation deadline too far"

    shares: DynArray[uint16, constants.MAX_PRIZE_SHARES] = params.prize_shares
    if len(shares) == 0:
        shares = [10_000]
    packed_shares: uint256 = 0
    total: uint256 = 0
    for i: uint256 in range(len(shares), bound=constants.MAX_PRIZE_SHARES):
        share: uint256 = convert(shares[i], uint256)
        assert share != 0, "bounty: zero prize share"
        total += share
        packed_shares |= share << (16 * i)
    assert total == constants.BPS, "bounty: prize shares must sum to 10000"

    state._core = (
        d1
        | (d2 << state.CORE_REVEAL_DEADLINE_OFFSET)
        | (d3 << state.CORE_EVALUATION_DEADLINE_OFFSET)
        | (params.commit_deposit << state.CORE_DEPOSIT_OFFSET)
        | (convert(params.max_submissions, uint256) << state.CORE_OPEN_CAP_OFFSET)
        | (convert(params.max_cost, uint256) << state.CORE_MAX_COST_OFFSET)
        | (n << state.CORE_N_FEATURES_OFFSET)
    )
    state._meta = (
        convert(organizer, uint256)
        | (convert(params.min_accuracy, uint256) << state.META_MIN_ACCURACY_OFFSET)
        | (after << state.META_TEST_DATA_AFTER_OFFSET)
        | (d3 << state.META_EVALUATION_DEADLINE_OFFSET)
        | (len(shares) << state.META_PRIZE_COUNT_OFFSET)
        | state.META_INITIALIZED_FLAG
    )
    state._terms = (
        reward
        | (packed_shares << state.TERMS_SHARES_OFFSET)
        | (convert(params.seq_len, uint256) << state.TERMS_SEQ_LEN_OFFSET)
        | (convert(params.future_period, uint256) << state.TERMS_FUTURE_PERIOD_OFFSET)
        | (convert(params.max_submissions, uint256) << state.TERMS_MAX_SUBMISSIONS_OFFSET)
    )
    state._organizer_funds = (
        bond
        | (d4 << state.FUNDS_CHALLENGE_DEADLINE_OFFSET)
        | (convert(params.score_tolerance, uint256) << state.FUNDS_TOLERANCE_OFFSET)
    )
    if params.test_commitment != empty(bytes32):
        state._test_commitment = params.test_commitment


# PARTICIPANTS #


@external
@payable
def commit(commitment: bytes32) -> uint256:
    """
    @notice Seal a submission: commitment = keccak256(abi_encode(bounty, sender,
            lstm_layers, lstm_units, dense_layers, activation, loss, dropout_bps,
            learning_rate_micro, salt)). Pay exactly `commit_deposit()`; it comes
            back at settlement unless the commitment is never revealed or its
            score is below `min_accuracy`.
    @dev Access: anyone. Stage: submission.
    @return The submission id (commit order).
    """
    core: uint256 = state._core
    count: uint256 = (core >> state.CORE_COUNT_OFFSET) & state.MASK_16
    if count >= (core >> state.CORE_OPEN_CAP_OFFSET) & state.MASK_16:
        self._revert_commit_closed()
    assert block.timestamp < core & state.MASK_32, "bounty: submission window closed"
    assert msg.value == (core >> state.CORE_DEPOSIT_OFFSET) & state.MASK_64, "bounty: wrong deposit"
    sealed: uint256 = convert(commitment, uint256) & state.COMMITMENT_MASK
    assert sealed != 0, "bounty: empty commitment"
    state._submissions[count] = sealed
    # unchecked: count < open cap < 2**16, so the 16-bit field cannot carry over.
    state._core = unsafe_add(core, 1 << state.CORE_COUNT_OFFSET)
    log IBounty.Committed(submitter=msg.sender, id=count)
    return count


@external
def reveal(id: uint256, hyperparameters: uint256, salt: bytes32):
    """
    @notice Open your sealed submission. `hyperparameters` packs the seven
            committed values (`Revealed`'s layout: lstm_layers, lstm_units,
            dense_layers, activation, loss, dropout_bps, learning_rate_micro,
            low bits first). Refused above the cost bound `max_cost()`.
    @dev Access: the committer (the sender is part of the commitment). Stage: reveal.
    """
    core: uint256 = state._core
    assert block.timestamp >= core & state.MASK_32, "bounty: reveal window not open"
    assert block.timestamp < (core >> state.CORE_REVEAL_DEADLINE_OFFSET) & state.MASK_32, "bounty: reveal window closed"
    assert hyperparameters >> state.REVEALED_BITS == 0, "bounty: hyperparameters word has high bits set"
    layers: uint256 = hyperparameters & state.MASK_8
    units: uint256 = (hyperparameters >> state.REVEALED_UNITS_OFFSET) & state.MASK_16
    dense: uint256 = (hyperparameters >> state.REVEALED_DENSE_OFFSET) & state.MASK_8
    activation: uint256 = (hyperparameters >> state.REVEALED_ACTIVATION_OFFSET) & state.MASK_8
    loss: uint256 = (hyperparameters >> state.REVEALED_LOSS_OFFSET) & state.MASK_8
    dropout: uint256 = (hyperparameters >> state.REVEALED_DROPOUT_OFFSET) & state.MASK_16
    rate: uint256 = hyperparameters >> state.REVEALED_LEARNING_RATE_OFFSET
    # Range checks of [low, high] as one comparison: unsafe_sub(x, low) wraps below low to a huge value.
    assert unsafe_sub(layers, state.MIN_LSTM_LAYERS) <= state.MAX_LSTM_LAYERS - state.MIN_LSTM_LAYERS, "bounty: lstm_layers out of range"
    assert unsafe_sub(units, state.MIN_LSTM_UNITS) <= state.MAX_LSTM_UNITS - state.MIN_LSTM_UNITS, "bounty: lstm_units out of range"
    assert dense <= state.MAX_DENSE_LAYERS, "bounty: dense_layers out of range"
    assert activation < state.ACTIVATION_CODES, "bounty: activation out of range"
    assert loss < state.LOSS_CODES, "bounty: loss out of range"
    assert dropout <= state.MAX_DROPOUT_BPS, "bounty: dropout_bps out of range"
    assert unsafe_sub(rate, state.MIN_LEARNING_RATE_MICRO) <= state.MAX_LEARNING_RATE_MICRO - state.MIN_LEARNING_RATE_MICRO, (
        "bounty: learning_rate_micro out of range"
    )
    # The cost bound: `_cost` inlined (an internal call costs ~80 gas on this hot path;
    # tests check that reveal accepts exactly up to `cost_of`). unchecked: values range-checked above.
    u4: uint256 = unsafe_mul(units, 4)
    plus_one: uint256 = unsafe_add(units, 1)
    cost: uint256 = unsafe_add(
        unsafe_add(
            unsafe_mul(u4, unsafe_add(core >> state.CORE_N_FEATURES_OFFSET, plus_one)),
            unsafe_mul(unsafe_sub(layers, 1), unsafe_mul(u4, unsafe_add(units, plus_one))),
        ),
        unsafe_add(
            unsafe_mul(layers, u4),
            unsafe_mul(unsafe_add(unsafe_mul(dense, units), unsafe_add(1, (state.TWO_UNIT_HEADS >> loss) & 1)), plus_one),
        ),
    )
    assert cost <= (core >> state.CORE_MAX_COST_OFFSET) & state.MASK_32, "bounty: cost above max_cost"
    # The commitment is over the seven values as their ABI types (uint8, uint16, ...): each is a
    # 32-byte word either way, so the uint256 fields encode identically.
    computed: uint256 = convert(
        keccak256(abi_encode(self, msg.sender, layers, units, dense, activation, loss, dropout, rate, salt)),
        uint256,
    )
    stored: uint256 = state._submissions[id]
    if computed & state.COMMITMENT_MASK != stored:
        # Slow path: say why. A revealed record has its top bit set, so it never matches.
        assert stored != 0, "bounty: unknown submission"
        assert stored & state.RECORD_REVEALED_FLAG == 0, "bounty: already revealed"
        raise "bounty: commitment mismatch"

    # The deposit is kept in the record, so claiming it back reads no other word.
    state._submissions[id] = (
        state.RECORD_REVEALED_FLAG
        | state.RECORD_ELIGIBLE_FLAG
        | (((core >> state.CORE_DEPOSIT_OFFSET) & state.MASK_64) << state.RECORD_DEPOSIT_OFFSET)
        | convert(msg.sender, uint256)
    )
    # unchecked: revealed <= count < 2**16.
    state._core = unsafe_add(core, 1 << state.CORE_REVEALED_OFFSET)
    log IBounty.Revealed(id=id, hyperparameters=hyperparameters)


# EVALUATION #


@external
def post_scores(
    ids: DynArray[uint256, constants.MAX_BATCH],
    scores: DynArray[uint16, constants.MAX_BATCH],
    report_cid: String[constants.MAX_CID_LENGTH],
):
    """
    @notice Record accuracies (basis points) of revealed submissions and keep
            the top-K qualified ones ranked. Ids must be strictly increasing,
            within a batch and across batches (each id above every id posted
            before): that is how the contract knows, without a storage write
            per id, that no submission is scored twice. An id passed over can
            no longer be scored. Scores are provisional until the challenge
            deadline: each batch extends `score_accumulator()`, against which
            a challenger proves what was posted. A score below `min_accuracy`
            forfeits the submission's deposit.
    @dev Access: organizer. Stage: evaluation, after the test data (which is
         accepted only after the reveal deadline and the randomness draw).
    """
    meta: uint256 = state._meta
    state._check_organizer_and_open(meta)
    # The test data is accepted only from the reveal deadline on, so this also closes the reveal window.
    assert meta & state.META_TEST_REVEALED_FLAG != 0, "bounty: test data not revealed"
    assert block.timestamp < (meta >> state.META_EVALUATION_DEADLINE_OFFSET) & state.MASK_32, "bounty: evaluation window closed"
    n: uint256 = len(ids)
    assert n != 0, "bounty: empty score batch"
    assert n == len(scores), "bounty: ids and scores differ in length"

    min_accuracy: uint256 = (meta >> state.META_MIN_ACCURACY_OFFSET) & state.MASK_16
    k: uint256 = (meta >> state.META_PRIZE_COUNT_OFFSET) & state.MASK_PRIZE_COUNT
    word: uint256 = state._ranking
    lanes: uint256 = word & state.MASK_LANES
    next_id: uint256 = (word >> state.RANKING_NEXT_ID_OFFSET) & state.MASK_16
    disqualified: uint256 = 0
    entries: DynArray[uint256, constants.MAX_BATCH] = []
    # The entry a new one must beat to enter the top k (0 while the ranking is not full).
    last: uint256 = (lanes >> (state.LANE_BITS * (k - 1))) & state.MASK_LANE
    for i: uint256 in range(n, bound=constants.MAX_BATCH):
        id: uint256 = ids[i]
        score: uint256 = convert(scores[i], uint256)
        assert id >= next_id, "bounty: ids must increase past the last scored id"
        assert score <= constants.BPS, "bounty: score above 10000"
        record: uint256 = state._submissions[id]
        assert record & state.RECORD_REVEALED_FLAG != 0, "bounty: submission not revealed"
        # unchecked: revealed ids are < submission_count() < 2**16.
        next_id = unsafe_add(id, 1)
        entries.append((id << 16) | score)
        if score >= min_accuracy:
            lane: uint256 = (score << 16) | (state.MASK_16 - id)
            if lane > last:
                lanes = state._insert(lanes, lane, k)
                last = (lanes >> (state.LANE_BITS * (k - 1))) & state.MASK_LANE
        else:
            # Disqualified: its deposit goes to the organizer at finalize.
            state._submissions[id] = record & ~state.RECORD_ELIGIBLE_FLAG
            disqualified = unsafe_add(disqualified, 1)
    # The hash chain over batches; a checkpoint closes every constants.CHECKPOINT_INTERVAL batches.
    batch: uint256 = (word >> state.RANKING_BATCHES_OFFSET) & state.MASK_16
    accumulator: bytes32 = keccak256(concat(state._score_accumulator, keccak256(abi_encode(entries))))
    state._score_accumulator = accumulator
    if batch % constants.CHECKPOINT_INTERVAL == constants.CHECKPOINT_INTERVAL - 1:
        state._checkpoints[batch // constants.CHECKPOINT_INTERVAL] = accumulator
    # unchecked: every id above was revealed and is scored once, so scored, disqualified <= revealed < 2**16;
    # batches <= scored.
    state._ranking = unsafe_add(
        unsafe_add((word & ~state.MASK_LANES & ~(state.MASK_16 << state.RANKING_NEXT_ID_OFFSET)) | lanes | (next_id << state.RANKING_NEXT_ID_OFFSET),
                   (n << state.RANKING_SCORED_OFFSET) | (disqualified << state.RANKING_DISQUALIFIED_OFFSET)),
        1 << state.RANKING_BATCHES_OFFSET,
    )
    log IBounty.ScoresPosted(entries=entries, report_cid=report_cid)


# FINAL #


@external
def finalize():
    """
    @notice Settle the escrow into credits (see the PAYOUT rules in the module docstring).
    @dev Access: anyone from the challenge deadline, once every dispute is
         ruled (or from the resolution deadline: fail-safe); the organizer
         earlier in two cases: nothing was revealed (after the reveal
         deadline), or the bounty has no arbiter and every revealed
         submission is scored.
    """
    meta: uint256 = state._meta
    assert meta & state.META_INITIALIZED_FLAG != 0, "bounty: not initialized"
    state._check_open(meta)
    core: uint256 = state._core
    count: uint256 = (core >> state.CORE_COUNT_OFFSET) & state.MASK_16
    revealed: uint256 = (core >> state.CORE_REVEALED_OFFSET) & state.MASK_16
    ranking: uint256 = state._ranking
    scored: uint256 = (ranking >> state.RANKING_SCORED_OFFSET) & state.MASK_16
    funds: uint256 = state._organizer_funds
    organizer: address = convert(meta & state.MASK_160, address)
    evaluation_deadline: uint256 = (core >> state.CORE_EVALUATION_DEADLINE_OFFSET) & state.MASK_32
    if block.timestamp < (funds >> state.FUNDS_CHALLENGE_DEADLINE_OFFSET) & state.MASK_32:
        assert block.timestamp >= (core >> state.CORE_REVEAL_DEADLINE_OFFSET) & state.MASK_32, "bounty: reveal window still open"
        assert msg.sender == organizer, "bounty: only the organizer may finalize before the challenge deadline"
        if revealed != 0:
            # With an arbiter the challenge deadline lies after the evaluation deadline.
            assert (funds >> state.FUNDS_CHALLENGE_DEADLINE_OFFSET) & state.MASK_32 == evaluation_deadline, (
                "bounty: scores are provisional until the challenge deadline"
            )
            assert scored == revealed, "bounty: not every revealed submission is scored"
    fail_safe: bool = False
    if (ranking >> state.RANKING_OPEN_OFFSET) & state.MASK_16 != 0:
        assert block.timestamp >= (state._arbitration >> state.ARBITRATION_RESOLUTION_DEADLINE_OFFSET) & state.MASK_32, (
            "bounty: disputes open until the resolution deadline"
        )
        fail_safe = True
    assert ranking & state.RANKING_STALE_FLAG == 0, "bounty: ranking stale: call rerank first"

    terms: uint256 = state._terms
    pot: uint256 = terms & state.MASK_96
    outcome: uint256 = state.OUTCOME_REFUNDED
    refund: uint256 = pot
    share: uint256 = 0
    bond: uint256 = funds & state.MASK_96
    burned: uint256 = 0
    voided: bool = meta & state.META_VOIDED_FLAG != 0
    disqualified: uint256 = (ranking >> state.RANKING_DISQUALIFIED_OFFSET) & state.MASK_16
    if voided:
        disqualified = 0
    if revealed != 0 and scored == revealed and not voided:
        if ranking & state.MASK_LANES != 0:
            outcome = state.OUTCOME_PRIZES
            k: uint256 = (meta >> state.META_PRIZE_COUNT_OFFSET) & state.MASK_PRIZE_COUNT
            for i: uint256 in range(constants.MAX_PRIZE_SHARES):
                if i == k:
                    break
                lane: uint256 = (ranking >> (state.LANE_BITS * i)) & state.MASK_LANE
                if lane == 0:
                    break
                id: uint256 = state.MASK_16 - (lane & state.MASK_16)
                record: uint256 = state._submissions[id]
                winner: address = convert(record & state.MASK_160, address)
                amount: uint256 = pot * ((terms >> (state.TERMS_SHARES_OFFSET + 16 * i)) & state.MASK_16) // constants.BPS
                # A winner's deposit comes back with its prize (zeroing the record refunds most of the write).
                deposit: uint256 = (record >> state.RECORD_DEPOSIT_OFFSET) & state.MASK_64
                state._submissions[id] = 0
                if amount + deposit != 0:
                    state._credits[winner] += amount + deposit
                if amount != 0:
                    log IBounty.Credited(account=winner, amount=amount, reason=state.CREDIT_PRIZE)
                if deposit != 0:
                    log IBounty.Credited(account=winner, amount=deposit, reason=state.CREDIT_DEPOSIT)
                refund -= amount
    elif revealed != 0:
        # Abandoned (test data or scores missing at the evaluation deadline) or voided.
        outcome = state.OUTCOME_SHARED
        # unchecked: disqualified <= scored < revealed unless voided (then 0), so eligible >= 1.
        eligible: uint256 = unsafe_sub(revealed, disqualified)
        share = pot // eligible
        refund = pot - share * eligible
        state.abandon_share = share
        burned = bond
    if fail_safe:
        burned = bond
    # Deposits of commitments never revealed and of disqualified submissions: the organizer's.
    forfeits: uint256 = ((core >> state.CORE_DEPOSIT_OFFSET) & state.MASK_64) * (count - revealed + disqualified)
    returned_bond: uint256 = bond - burned
    organizer_amount: uint256 = refund + returned_bond + forfeits
    flags: uint256 = outcome << state.META_OUTCOME_OFFSET
    if fail_safe:
        flags |= state.META_FAIL_SAFE_FLAG
    state._meta = meta | flags
    state._organizer_funds = funds + (organizer_amount << state.FUNDS_DUE_OFFSET)
    if refund != 0:
        log IBounty.Credited(account=organizer, amount=refund, reason=state.CREDIT_REFUND)
    if returned_bond != 0:
        log IBounty.Credited(account=organizer, amount=returned_bond, reason=state.CREDIT_BOND)
    if forfeits != 0:
        log IBounty.Credited(account=organizer, amount=forfeits, reason=state.CREDIT_FORFEIT)
    log IBounty.Finalized(
        caller=msg.sender,
        outcome=convert(outcome, uint8),
        pot=pot,
        organizer_amount=organizer_amount,
        abandon_share=share,
        burned=burned,
    )


@external
@nonreentrant
def withdraw() -> uint256:
    """
    @notice Pull your whole credit (for the organizer, including its
            settlement). A recipient that rejects ETH keeps its credit and
            blocks nobody else. Deposits and shares of submissions are paid by `claim`.
    @dev Access: anyone with a credit. Stage: any.
    @return The amount sent.
    """
    amount: uint256 = state._credits[msg.sender]
    if amount != 0:
        state._credits[msg.sender] = 0
    meta: uint256 = state._meta
    if msg.sender == convert(meta & state.MASK_160, address):
        funds: uint256 = state._organizer_funds
        due: uint256 = (funds >> state.FUNDS_DUE_OFFSET) & state.MASK_112
        if due != 0:
            amount += due
            state._organizer_funds = funds & ~(state.MASK_112 << state.FUNDS_DUE_OFFSET)
    assert amount != 0, "bounty: nothing to withdraw"
    log IBounty.Withdrawn(account=msg.sender, amount=amount)
    raw_call(msg.sender, b"", value=amount, revert_on_failure=True)
    return amount


@external
@nonreentrant
def claim(ids: DynArray[uint256, constants.MAX_BATCH]) -> uint256:
    """
    @notice After settlement, take back what your submissions `ids` are owed:
            each one's deposit (unless it was never revealed or its score is
            below `min_accuracy`) and, after a SHARED outcome, its share. Paid
            at once. A winner's deposit came with its prize at finalize.
    @dev Access: the revealer of each id. Stage: finalized with outcome PRIZES, REFUNDED or SHARED.
    @return The amount sent.
    """
    meta: uint256 = state._meta
    outcome: uint256 = (meta >> state.META_OUTCOME_OFFSET) & state.MASK_OUTCOME
    assert outcome != state.OUTCOME_NONE and outcome != state.OUTCOME_CANCELLED, "bounty: claims open at settlement"
    voided: bool = meta & state.META_VOIDED_FLAG != 0
    share: uint256 = 0
    if outcome == state.OUTCOME_SHARED:
        share = state.abandon_share
    deposits: uint256 = 0
    for id: uint256 in ids:
        record: uint256 = state._submissions[id]
        assert record & state.RECORD_REVEALED_FLAG != 0, "bounty: nothing to claim for this submission"
        assert convert(record & state.MASK_160, address) == msg.sender, "bounty: not your submission"
        assert record & state.RECORD_ELIGIBLE_FLAG != 0 or voided, "bounty: submission disqualified: deposit forfeited"
        # Zeroing the word refunds most of this write's cost.
        state._submissions[id] = 0
        deposits += (record >> state.RECORD_DEPOSIT_OFFSET) & state.MASK_64
    amount: uint256 = deposits + share * len(ids)
    assert amount != 0, "bounty: nothing to claim"
    log IBounty.Claimed(account=msg.sender, amount=amount)
    raw_call(msg.sender, b"", value=amount, revert_on_failure=True)
    return amount


# VIEWS #


@external
@view
def stage() -> uint8:
    """
    @notice 0 SUBMISSION, 1 REVEAL, 2 EVALUATION, 3 CHALLENGE (scores provisional,
            challenges open), 4 ARBITRATION (challenge window closed, disputes
            open), 5 EXPIRED (anyone may finalize), 6 FINALIZED, 7 CANCELLED.
    """
    outcome: uint256 = (state._meta >> state.META_OUTCOME_OFFSET) & state.MASK_OUTCOME
    if outcome == state.OUTCOME_CANCELLED:
        return state.STAGE_CANCELLED
    if outcome != state.OUTCOME_NONE:
        return state.STAGE_FINALIZED
    core: uint256 = state._core
    if block.timestamp < core & state.MASK_32:
        return state.STAGE_SUBMISSION
    if block.timestamp < (core >> state.CORE_REVEAL_DEADLINE_OFFSET) & state.MASK_32:
        return state.STAGE_REVEAL
    if block.timestamp < (core >> state.CORE_EVALUATION_DEADLINE_OFFSET) & state.MASK_32:
        return state.STAGE_EVALUATION
    if block.timestamp < (state._organizer_funds >> state.FUNDS_CHALLENGE_DEADLINE_OFFSET) & state.MASK_32:
        return state.STAGE_CHALLENGE
    if (state._ranking >> state.RANKING_OPEN_OFFSET) & state.MASK_16 != 0 and block.timestamp < state._resolution_deadline():
        return state.STAGE_ARBITRATION
    return state.STAGE_EXPIRED


@external
@view
def outcome() -> uint8:
    """
    @notice 0 NONE (not settled), 1 PRIZES, 2 REFUNDED, 3 SHARED, 4 CANCELLED.
    """
    return convert((state._meta >> state.META_OUTCOME_OFFSET) & state.MASK_OUTCOME, uint8)


@external
@view
def organizer() -> address:
    return convert(state._meta & state.MASK_160, address)


@external
@view
def reward() -> uint256:
    """
    @notice The reward escrowed at creation (excludes the bond and commit deposits).
    """
    return state._terms & state.MASK_96


@external
@view
def bond() -> uint256:
    """
    @notice The organizer's bond: escrowed at creation, less what upheld challenges took.
    """
    return state._organizer_funds & state.MASK_96


@external
@view
def organizer_due() -> uint256:
    """
    @notice Wei credited to the organizer and not yet withdrawn (included in `credits(organizer())`).
    """
    return (state._organizer_funds >> state.FUNDS_DUE_OFFSET) & state.MASK_112


@external
@view
def escrow() -> uint256:
    """
    @notice Wei held but not yet credited to anyone: before settlement the
            reward, the bond and the commit deposits; at any time the bonds
            and fees of open disputes. After settlement the deposits and
            shares each submission can still claim are `claimable(id)`.
    """
    held: uint256 = state._dispute_escrow
    if (state._meta >> state.META_OUTCOME_OFFSET) & state.MASK_OUTCOME == state.OUTCOME_NONE:
        core: uint256 = state._core
        count: uint256 = (core >> state.CORE_COUNT_OFFSET) & state.MASK_16
        held += (state._terms & state.MASK_96) + (state._organizer_funds & state.MASK_96)
        held += ((core >> state.CORE_DEPOSIT_OFFSET) & state.MASK_64) * count
    return held


@external
@view
def claimable(id: uint256) -> uint256:
    """
    @notice After settlement: what `claim([id])` would pay its revealer
            for this submission (deposit, plus a share after SHARED); 0 once
            claimed or swept, or when forfeited.
    """
    meta: uint256 = state._meta
    outcome: uint256 = (meta >> state.META_OUTCOME_OFFSET) & state.MASK_OUTCOME
    if outcome == state.OUTCOME_NONE or outcome == state.OUTCOME_CANCELLED:
        return 0
    record: uint256 = state._submissions[id]
    if record & state.RECORD_REVEALED_FLAG == 0:
        return 0
    if record & state.RECORD_ELIGIBLE_FLAG == 0 and meta & state.META_VOIDED_FLAG == 0:
        return 0
    amount: uint256 = (record >> state.RECORD_DEPOSIT_OFFSET) & state.MASK_64
    if outcome == state.OUTCOME_SHARED:
        amount += state.abandon_share
    return amount


@external
@view
def burned() -> uint256:
    """
    @notice The bond forfeited by a SHARED outcome or by the fail-safe: it
            stays in this contract and no code path can move it.
    """
    meta: uint256 = state._meta
    if (meta >> state.META_OUTCOME_OFFSET) & state.MASK_OUTCOME == state.OUTCOME_SHARED or meta & state.META_FAIL_SAFE_FLAG != 0:
        return state._organizer_funds & state.MASK_96
    return 0


@external
@view
def credits(account: address) -> uint256:
    """
    @notice Wei `account` can pull with `withdraw()` (deposits and shares of
            submissions are paid by `claim(ids)`, see `claimable`).
    """
    amount: uint256 = state._credits[account]
    if account == convert(state._meta & state.MASK_160, address):
        amount += (state._organizer_funds >> state.FUNDS_DUE_OFFSET) & state.MASK_112
    return amount


@external
@view
def submission_deadline() -> uint256:
    return state._core & state.MASK_32


@external
@view
def reveal_deadline() -> uint256:
    return (state._core >> state.CORE_REVEAL_DEADLINE_OFFSET) & state.MASK_32


@external
@view
def evaluation_deadline() -> uint256:
    return (state._core >> state.CORE_EVALUATION_DEADLINE_OFFSET) & state.MASK_32


@external
@view
def challenge_deadline() -> uint256:
    """
    @notice Scores are provisional until this time; challenges are accepted
            before it. Equals `evaluation_deadline()` without an arbiter.
    """
    return (state._organizer_funds >> state.FUNDS_CHALLENGE_DEADLINE_OFFSET) & state.MASK_32


@external
@view
def resolution_deadline() -> uint256:
    """
    @notice The arbiter rules before this time; after it, open disputes lead to
            the fail-safe. Equals `challenge_deadline()` without an arbiter.
    """
    return state._resolution_deadline()


@external
@view
def test_data_after() -> uint256:
    """
    @notice Future-window mode: the time from which test data may be posted (the window's end); 0 in sealed mode.
    """
    return (state._meta >> state.META_TEST_DATA_AFTER_OFFSET) & state.MASK_32


@external
@view
def arbiter() -> address:
    """
    @notice Who rules on disputes (`IArbiter`); empty: scores are trusted, not challengeable.
    """
    return convert(state._arbitration & state.MASK_160, address)


@external
@view
def challenge_bond() -> uint256:
    return (state._arbitration >> state.ARBITRATION_BOND_OFFSET) & state.MASK_64


@external
@view
def score_tolerance() -> uint16:
    """
    @notice Basis points: a ruling within this of the posted score rejects the challenge.
    """
    return convert(state._organizer_funds >> state.FUNDS_TOLERANCE_OFFSET, uint16)


@external
@view
def min_accuracy() -> uint16:
    return convert((state._meta >> state.META_MIN_ACCURACY_OFFSET) & state.MASK_16, uint16)


@external
@view
def seq_len() -> uint16:
    return convert((state._terms >> state.TERMS_SEQ_LEN_OFFSET) & state.MASK_16, uint16)


@external
@view
def future_period() -> uint16:
    return convert((state._terms >> state.TERMS_FUTURE_PERIOD_OFFSET) & state.MASK_16, uint16)


@external
@view
def n_features() -> uint16:
    return convert(state._core >> state.CORE_N_FEATURES_OFFSET, uint16)


@external
@view
def max_cost() -> uint256:
    """
    @notice The largest `cost_of(...)` a reveal may have.
    """
    return (state._core >> state.CORE_MAX_COST_OFFSET) & state.MASK_32


@external
@view
def max_submissions() -> uint32:
    return convert((state._terms >> state.TERMS_MAX_SUBMISSIONS_OFFSET) & state.MASK_24, uint32)


@external
@view
def commit_deposit() -> uint256:
    return (state._core >> state.CORE_DEPOSIT_OFFSET) & state.MASK_64


@external
@view
def prize_shares() -> DynArray[uint16, constants.MAX_PRIZE_SHARES]:
    """
    @notice Basis points per rank (best first), summing to 10000.
    """
    k: uint256 = (state._meta >> state.META_PRIZE_COUNT_OFFSET) & state.MASK_PRIZE_COUNT
    terms: uint256 = state._terms
    shares: DynArray[uint16, constants.MAX_PRIZE_SHARES] = []
    for i: uint256 in range(k, bound=constants.MAX_PRIZE_SHARES):
        shares.append(convert((terms >> (state.TERMS_SHARES_OFFSET + 16 * i)) & state.MASK_16, uint16))
    return shares


@external
@view
def test_commitment() -> bytes32:
    return state._test_commitment


@external
@view
def test_revealed() -> bool:
    return state._meta & state.META_TEST_REVEALED_FLAG != 0


@external
@view
def test_data_voided() -> bool:
    """
    @notice An upheld test-data challenge voided every score (the bounty ends SHARED).
    """
    return state._meta & state.META_VOIDED_FLAG != 0


@external
@view
def fail_safe() -> bool:
    """
    @notice Finalized while a dispute was still open at the resolution deadline (the bond was burned).
    """
    return state._meta & state.META_FAIL_SAFE_FLAG != 0


@external
@view
def randomness() -> bytes32:
    """
    @notice The evaluation randomness; empty until drawn.
    """
    if state._meta & state.META_RANDOMNESS_DRAWN_FLAG == 0:
        return empty(bytes32)
    return convert(state._randomness, bytes32)


@external
@view
def randomness_drawn() -> bool:
    return state._meta & state.META_RANDOMNESS_DRAWN_FLAG != 0


@external
@view
def randomness_block() -> uint256:
    """
    @notice While the randomness is requested but not drawn: the block whose hash will decide it; else 0.
    """
    if state._meta & state.META_RANDOMNESS_REQUESTED_FLAG == 0:
        return 0
    return state._randomness


@external
@view
def submission_count() -> uint256:
    return (state._core >> state.CORE_COUNT_OFFSET) & state.MASK_16


@external
@view
def revealed_count() -> uint256:
    return (state._core >> state.CORE_REVEALED_OFFSET) & state.MASK_16


@external
@view
def scored_count() -> uint256:
    return (state._ranking >> state.RANKING_SCORED_OFFSET) & state.MASK_16


@external
@view
def disqualified_count() -> uint256:
    """
    @notice Revealed submissions whose score on record is below `min_accuracy`.
    """
    return (state._ranking >> state.RANKING_DISQUALIFIED_OFFSET) & state.MASK_16


@external
@view
def next_score_id() -> uint256:
    """
    @notice The lowest id `post_scores` still accepts (ids must increase).
    """
    return (state._ranking >> state.RANKING_NEXT_ID_OFFSET) & state.MASK_16


@external
@view
def score_batches() -> uint256:
    return (state._ranking >> state.RANKING_BATCHES_OFFSET) & state.MASK_16


@external
@view
def score_accumulator() -> bytes32:
    """
    @notice The hash chain over every score batch posted so far.
    """
    return state._score_accumulator


@external
@view
def score_checkpoint(index: uint256) -> bytes32:
    """
    @notice The accumulator after batch 32 * (index + 1) - 1; empty until that batch is posted.
    """
    return state._checkpoints[index]


@external
@view
def open_disputes() -> uint256:
    return (state._ranking >> state.RANKING_OPEN_OFFSET) & state.MASK_16


@external
@view
def dispute(key: uint256) -> IBounty.Dispute:
    """
    @notice The open dispute of submission `key` (or 65536: the test data); empty when none.
    """
    word: uint256 = state._disputes[key]
    return IBounty.Dispute(
        challenger=convert(word & state.MASK_160, address),
        posted=convert((word >> state.DISPUTE_POSTED_OFFSET) & state.MASK_16, uint16),
        claimed=convert((word >> state.DISPUTE_CLAIMED_OFFSET) & state.MASK_16, uint16),
        fee=word >> state.DISPUTE_FEE_OFFSET,
    )


@external
@view
def corrected_score(id: uint256) -> (bool, uint16):
    """
    @notice Whether a ruling replaced the score of `id`, and the ruling.
    """
    record: uint256 = state._submissions[id]
    if record & state.RECORD_REVEALED_FLAG == 0 or record & state.RECORD_CORRECTED_FLAG == 0:
        return False, 0
    return True, convert((record >> state.RECORD_CORRECTED_SCORE_OFFSET) & state.MASK_16, uint16)


@external
@view
def ranking_stale() -> bool:
    return state._ranking & state.RANKING_STALE_FLAG != 0


@external
@view
def rerank_cursor() -> uint256:
    """
    @notice Batches a `rerank` in progress has replayed.
    """
    return state._rerank >> state.RERANK_CURSOR_OFFSET


@external
@view
def submission(id: uint256) -> IBounty.Submission:
    """
    @notice One submission's record. `submitter` is empty until the reveal (the
            `Committed` event names the committer) and again once its claim
            is paid (`claimed`).
    """
    word: uint256 = state._submissions[id]
    if word & state.RECORD_REVEALED_FLAG == 0:
        committed: bool = id < (state._core >> state.CORE_COUNT_OFFSET) & state.MASK_16
        return IBounty.Submission(
            submitter=empty(address),
            committed=committed,
            revealed=False,
            eligible=False,
            claimed=committed and word == 0,
        )
    return IBounty.Submission(
        submitter=convert(word & state.MASK_160, address),
        committed=True,
        revealed=True,
        eligible=word & state.RECORD_ELIGIBLE_FLAG != 0,
        claimed=False,
    )


@external
@view
def commitment_of(id: uint256) -> bytes32:
    """
    @notice The stored commitment of an unrevealed submission, with its top bit
            cleared (the contract compares the low 255 bits); empty once revealed.
    """
    word: uint256 = state._submissions[id]
    if word & state.RECORD_REVEALED_FLAG != 0:
        return empty(bytes32)
    return convert(word, bytes32)


@external
@view
def ranking() -> (DynArray[uint256, constants.MAX_PRIZE_SHARES], DynArray[uint16, constants.MAX_PRIZE_SHARES]):
    """
    @notice The current top-K qualified submissions, best first: (ids, scores).
            Not meaningful while `ranking_stale()`.
    """
    ranking: uint256 = state._ranking
    ids: DynArray[uint256, constants.MAX_PRIZE_SHARES] = []
    scores: DynArray[uint16, constants.MAX_PRIZE_SHARES] = []
    for i: uint256 in range(constants.MAX_PRIZE_SHARES):
        lane: uint256 = (ranking >> (state.LANE_BITS * i)) & state.MASK_LANE
        if lane == 0:
            break
        ids.append(state.MASK_16 - (lane & state.MASK_16))
        scores.append(convert(lane >> 16, uint16))
    return ids, scores


# INTERNAL #


@internal
@view
def _revert_commit_closed():
    """
    @dev Slow path of `commit` when the open cap is reached: say why.
    """
    meta: uint256 = state._meta
    assert meta & state.META_INITIALIZED_FLAG != 0, "bounty: not initialized"
    assert (meta >> state.META_OUTCOME_OFFSET) & state.MASK_OUTCOME != state.OUTCOME_CANCELLED, "bounty: cancelled"
    raise "bounty: submission cap reached"

