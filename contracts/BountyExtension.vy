# pragma version 0.4.3
"""
@title ML Bounty: the rarely called half of a bounty
@custom:contract-name BountyExtension
@license MIT
@notice The evaluation steps the organizer takes once (the randomness draw,
        the test data), cancel, and the disputes (challenges, rulings,
        re-ranking, reclaiming, sweeping). `Bounty.vy`'s `__default__` runs
        these functions by DELEGATECALL, in the bounty's own storage (the
        module `bounty_state`), so callers send them to the bounty's address
        with the `IBountyExtension` ABI. Called directly, on this contract's
        own storage, every state-changing function reverts.
@dev See `Bounty.vy`'s module docstring for the game each rule answers
     (false scores, fabricated test data, a silent arbiter) and the payout.
"""

from .interfaces import IArbiter
from .interfaces import IBounty
from .interfaces import IBountyExtension
import constants
import bounty_state as state

implements: IBountyExtension

initializes: state


# IMMUTABLES #


# This contract's own address: a delegatecall from a bounty runs with another `self`.
_SELF: immutable(address)


@deploy
def __init__():
    _SELF = self


# EVALUATION #


@external
def draw_randomness() -> bytes32:
    """
    @notice Fix the evaluation randomness in two calls. The first requests it:
            the next block's hash will decide (event `RandomnessRequested`).
            Any later call, once that block is mined, sets
            keccak256(abi_encode(blockhash(that block), self)) (event
            `RandomnessDrawn`). A request whose block is more than 256 blocks
            old can no longer be read and is made again by the next call.
            Test data is accepted only after the draw.
    @dev Access: anyone. Stage: evaluation (reveal_deadline <= now < evaluation_deadline), not drawn.
    @return The randomness, or empty while only requested.
    """
    assert self != _SELF, "bounty: call the bounty, not its extension"
    meta: uint256 = state._meta
    assert meta & state.META_INITIALIZED_FLAG != 0, "bounty: not initialized"
    state._check_open(meta)
    assert meta & state.META_RANDOMNESS_DRAWN_FLAG == 0, "bounty: randomness already drawn"
    core: uint256 = state._core
    assert block.timestamp >= (core >> state.CORE_REVEAL_DEADLINE_OFFSET) & state.MASK_32, "bounty: reveal window still open"
    assert block.timestamp < (core >> state.CORE_EVALUATION_DEADLINE_OFFSET) & state.MASK_32, "bounty: evaluation window closed"
    if meta & state.META_RANDOMNESS_REQUESTED_FLAG != 0:
        target: uint256 = state._randomness
        assert block.number > target, "bounty: randomness block not mined yet"
        if block.number - target <= 256:
            value: bytes32 = keccak256(abi_encode(blockhash(target), self))
            state._randomness = convert(value, uint256)
            state._meta = (meta & ~state.META_RANDOMNESS_REQUESTED_FLAG) | state.META_RANDOMNESS_DRAWN_FLAG
            log IBounty.RandomnessDrawn(caller=msg.sender, randomness=value)
            return value
    # First call, or the requested block's hash is no longer available: request the next block.
    state._randomness = block.number + 1
    state._meta = meta | state.META_RANDOMNESS_REQUESTED_FLAG
    log IBounty.RandomnessRequested(caller=msg.sender, block_number=block.number + 1)
    return empty(bytes32)


@external
def reveal_test_data(test_cid: String[constants.MAX_CID_LENGTH], salt: bytes32):
    """
    @notice Sealed mode: open the test-set commitment made at creation; emits the CID.
    @dev Access: organizer. Stage: evaluation, after `draw_randomness()`.
    """
    assert self != _SELF, "bounty: call the bounty, not its extension"
    meta: uint256 = self._check_test_data_accepted()
    commitment: bytes32 = state._test_commitment
    assert commitment != empty(bytes32), "bounty: future-window bounty: use post_test_data"
    assert keccak256(abi_encode(test_cid, salt)) == commitment, "bounty: test commitment mismatch"
    state._meta = meta | state.META_TEST_REVEALED_FLAG
    log IBounty.TestDataRevealed(test_cid=test_cid, salt=salt)


@external
def post_test_data(test_cid: String[constants.MAX_CID_LENGTH]):
    """
    @notice Future-window mode: post the CID of the test data taken from the
            window that ends at `test_data_after()` (anyone can compare it with
            the public source and challenge it); emits it with an empty salt.
    @dev Access: organizer. Stage: evaluation, at or after `test_data_after()`, after `draw_randomness()`.
    """
    assert self != _SELF, "bounty: call the bounty, not its extension"
    meta: uint256 = self._check_test_data_accepted()
    after: uint256 = (meta >> state.META_TEST_DATA_AFTER_OFFSET) & state.MASK_32
    assert after != 0, "bounty: sealed bounty: use reveal_test_data"
    assert block.timestamp >= after, "bounty: test data window not reached"
    assert len(test_cid) != 0, "bounty: empty test CID"
    state._meta = meta | state.META_TEST_REVEALED_FLAG
    log IBounty.TestDataRevealed(test_cid=test_cid, salt=empty(bytes32))


@external
def cancel():
    """
    @notice Take the reward and the bond back before anyone committed.
    @dev Access: organizer. Stage: any, while submission_count() == 0 and not finalized.
    """
    assert self != _SELF, "bounty: call the bounty, not its extension"
    meta: uint256 = state._meta
    state._check_organizer_and_open(meta)
    core: uint256 = state._core
    assert (core >> state.CORE_COUNT_OFFSET) & state.MASK_16 == 0, "bounty: submissions exist"
    # Closing the cap makes every later commit revert.
    state._core = core & ~(state.MASK_16 << state.CORE_OPEN_CAP_OFFSET)
    state._meta = meta | (state.OUTCOME_CANCELLED << state.META_OUTCOME_OFFSET)
    reward: uint256 = state._terms & state.MASK_96
    funds: uint256 = state._organizer_funds
    bond: uint256 = funds & state.MASK_96
    state._organizer_funds = funds + ((reward + bond) << state.FUNDS_DUE_OFFSET)
    organizer: address = convert(meta & state.MASK_160, address)
    log IBounty.Credited(account=organizer, amount=reward, reason=state.CREDIT_REFUND)
    log IBounty.Credited(account=organizer, amount=bond, reason=state.CREDIT_BOND)
    log IBounty.Cancelled(refund=reward + bond)


# CHALLENGES #


@external
@payable
@nonreentrant
def challenge(
    id: uint256,
    claimed: uint16,
    batch: uint256,
    previous: bytes32,
    entries: DynArray[uint256, constants.MAX_BATCH],
    later: DynArray[bytes32, constants.CHECKPOINT_INTERVAL],
):
    """
    @notice Dispute the posted score of submission `id`: you say it is
            `claimed` bps. Pay `challenge_bond() + arbiter fee`. Prove the
            posted score with its batch: `entries` as in the batch's
            `ScoresPosted` event, `previous` the accumulator before it (empty
            for batch 0) and `later` the hashes keccak256(abi_encode(entries))
            of the batches after it up to its checkpoint (or up to the last
            batch). A score a ruling already replaced needs no proof (pass
            empty values). Upheld when the arbiter's ruling differs from the
            posted score by more than `score_tolerance()`.
    @dev Access: anyone, the organizer included. Stage: from the score's
         posting until the challenge deadline; one open dispute per id.
    """
    assert self != _SELF, "bounty: call the bounty, not its extension"
    meta: uint256 = state._meta
    state._check_open(meta)
    assert meta & state.META_VOIDED_FLAG == 0, "bounty: test data voided"
    record: uint256 = state._submissions[id]
    posted: uint256 = 0
    # Before its reveal a submission's word is its commitment (a hash): only a revealed word's
    # flags mean anything, so a commitment with bit 253 set is not a replaced score.
    if record & state.RECORD_REVEALED_FLAG != 0 and record & state.RECORD_CORRECTED_FLAG != 0:
        posted = (record >> state.RECORD_CORRECTED_SCORE_OFFSET) & state.MASK_16
    else:
        posted = self._posted_score(id, batch, previous, entries, later)
    claim: uint256 = convert(claimed, uint256)
    assert claim <= constants.BPS, "bounty: claimed score above 10000"
    tolerance: uint256 = state._organizer_funds >> state.FUNDS_TOLERANCE_OFFSET
    difference: uint256 = claim - posted if claim > posted else posted - claim
    assert difference > tolerance, "bounty: claimed score within the tolerance of the posted one"
    self._open_dispute(id, constants.KIND_SCORE, posted, claim, msg.value)


@external
@payable
@nonreentrant
def challenge_test_data():
    """
    @notice Dispute the posted test data: you say it is not the source's rows
            (future window) or not a valid test set (sealed). Pay
            `challenge_bond() + arbiter fee`. An upheld ruling voids every
            score: the bounty ends SHARED among the revealed submissions.
    @dev Access: anyone. Stage: from the test data's posting until the
         challenge deadline, with at least one revealed submission; one open
         test-data dispute at a time.
    """
    assert self != _SELF, "bounty: call the bounty, not its extension"
    meta: uint256 = state._meta
    state._check_open(meta)
    assert meta & state.META_TEST_REVEALED_FLAG != 0, "bounty: test data not revealed"
    assert meta & state.META_VOIDED_FLAG == 0, "bounty: test data voided"
    assert (state._core >> state.CORE_REVEALED_OFFSET) & state.MASK_16 != 0, "bounty: nothing revealed"
    self._open_dispute(constants.TEST_DATA_KEY, constants.KIND_TEST_DATA, 0, 0, msg.value)


@external
@nonreentrant
def rule(key: uint256, ruling: uint256):
    """
    @notice The arbiter's answer to an open dispute. Score dispute (`key` =
            submission id): `ruling` is the arbiter's score in bps; upheld when
            it differs from the posted score by more than `score_tolerance()`:
            the score becomes the ruling, the ranking and the deposit follow,
            and the challenger gets its bond, its fee and `challenge_bond()`
            from the organizer's bond. Test-data dispute (`key` = 65536):
            `ruling` 1 upholds (every score is voided), 0 rejects. A rejected
            challenger's bond goes to the organizer. The fee is sent to the
            arbiter with this call.
    @dev Access: the arbiter. Stage: not finalized, before the resolution deadline.
    """
    arbitration: uint256 = state._arbitration
    assert msg.sender == convert(arbitration & state.MASK_160, address), "bounty: caller is not the arbiter"
    assert self != _SELF, "bounty: call the bounty, not its extension"
    meta: uint256 = state._meta
    state._check_open(meta)
    assert block.timestamp < (arbitration >> state.ARBITRATION_RESOLUTION_DEADLINE_OFFSET) & state.MASK_32, (
        "bounty: resolution deadline passed"
    )
    dispute: uint256 = state._disputes[key]
    assert dispute != 0, "bounty: no open dispute"
    challenger: address = convert(dispute & state.MASK_160, address)
    posted: uint256 = (dispute >> state.DISPUTE_POSTED_OFFSET) & state.MASK_16
    fee: uint256 = dispute >> state.DISPUTE_FEE_OFFSET
    bond: uint256 = (arbitration >> state.ARBITRATION_BOND_OFFSET) & state.MASK_64
    upheld: bool = False
    ranking: uint256 = state._ranking
    if key == constants.TEST_DATA_KEY:
        assert ruling <= 1, "bounty: test-data ruling must be 0 or 1"
        upheld = ruling == 1
        if upheld:
            state._meta = meta | state.META_VOIDED_FLAG
    else:
        assert ruling <= constants.BPS, "bounty: ruling above 10000"
        tolerance: uint256 = state._organizer_funds >> state.FUNDS_TOLERANCE_OFFSET
        difference: uint256 = ruling - posted if ruling > posted else posted - ruling
        upheld = difference > tolerance
        if upheld:
            ranking = self._correct(key, posted, ruling, meta, ranking)
    state._disputes[key] = 0
    state._dispute_escrow -= bond + fee
    # unchecked: an open dispute was counted when it opened.
    state._ranking = unsafe_sub(ranking, 1 << state.RANKING_OPEN_OFFSET)
    organizer: address = convert(meta & state.MASK_160, address)
    if upheld:
        # The organizer's bond pays the challenger's reward and reimburses its fee, as far as it goes.
        funds: uint256 = state._organizer_funds
        remaining: uint256 = funds & state.MASK_96
        reward: uint256 = min(bond + fee, remaining)
        state._organizer_funds = funds - reward
        state._credits[challenger] += bond + reward
        log IBounty.Credited(account=challenger, amount=bond, reason=state.CREDIT_CHALLENGE_BOND)
        if reward != 0:
            log IBounty.Credited(account=challenger, amount=reward, reason=state.CREDIT_CHALLENGE_REWARD)
    else:
        state._organizer_funds += bond << state.FUNDS_DUE_OFFSET
        log IBounty.Credited(account=organizer, amount=bond, reason=state.CREDIT_CHALLENGE_LOST)
    log IBounty.Ruled(key=key, ruling=ruling, upheld=upheld, fee=fee)
    if fee != 0:
        raw_call(msg.sender, b"", value=fee, revert_on_failure=True)


@external
def rerank(batches: DynArray[DynArray[uint256, constants.MAX_BATCH], state.MAX_RERANK_BATCHES]):
    """
    @notice Rebuild a stale ranking: replay the score batches in order, as in
            their `ScoresPosted` events, from batch `rerank_cursor()` on,
            in one or several calls, each ending at a checkpoint (a multiple
            of 32 batches) or at the last batch. The replay is checked against
            `score_accumulator()` and the checkpoints; replaced scores count as ruled.
    @dev Access: anyone. Stage: while `ranking_stale()`, before finalize.
    """
    assert self != _SELF, "bounty: call the bounty, not its extension"
    meta: uint256 = state._meta
    state._check_open(meta)
    ranking: uint256 = state._ranking
    assert ranking & state.RANKING_STALE_FLAG != 0, "bounty: ranking is not stale"
    assert len(batches) != 0, "bounty: no batches"
    progress: uint256 = state._rerank
    cursor: uint256 = progress >> state.RERANK_CURSOR_OFFSET
    lanes: uint256 = progress & state.MASK_LANES
    accumulator: bytes32 = state._rerank_accumulator
    total: uint256 = (ranking >> state.RANKING_BATCHES_OFFSET) & state.MASK_16
    assert cursor + len(batches) <= total, "bounty: more batches than were posted"
    min_accuracy: uint256 = (meta >> state.META_MIN_ACCURACY_OFFSET) & state.MASK_16
    k: uint256 = (meta >> state.META_PRIZE_COUNT_OFFSET) & state.MASK_PRIZE_COUNT
    # The replaced scores, read once: (id << 16 | score).
    corrected: DynArray[uint256, state.MAX_CORRECTIONS] = []
    for cid: uint256 in state._corrections:
        corrected.append((cid << 16) | ((state._submissions[cid] >> state.RECORD_CORRECTED_SCORE_OFFSET) & state.MASK_16))
    for entries: DynArray[uint256, constants.MAX_BATCH] in batches:
        accumulator = keccak256(concat(accumulator, keccak256(abi_encode(entries))))
        for entry: uint256 in entries:
            id: uint256 = entry >> 16
            score: uint256 = entry & state.MASK_16
            for c: uint256 in corrected:
                if c >> 16 == id:
                    score = c & state.MASK_16
                    break
            if score >= min_accuracy:
                lanes = state._insert(lanes, (score << 16) | (state.MASK_16 - id), k)
    cursor += len(batches)
    if cursor == total:
        assert accumulator == state._score_accumulator, "bounty: batches do not match the posted scores"
        state._ranking = (ranking & ~state.MASK_LANES & ~state.RANKING_STALE_FLAG) | lanes
        state._rerank = 0
        state._rerank_accumulator = empty(bytes32)
        log IBounty.Reranked(batches=total)
    else:
        # Each call is checked before it counts, so nobody can advance the replay with wrong batches.
        assert cursor % constants.CHECKPOINT_INTERVAL == 0, "bounty: a rerank call ends at a checkpoint or at the last batch"
        assert accumulator == state._checkpoints[cursor // constants.CHECKPOINT_INTERVAL - 1], (
            "bounty: batches do not match the posted scores"
        )
        state._rerank = (cursor << state.RERANK_CURSOR_OFFSET) | lanes
        state._rerank_accumulator = accumulator


@external
@nonreentrant
def reclaim(key: uint256):
    """
    @notice After a fail-safe settlement, return a dispute the arbiter never
            ruled on: its challenger is credited its bond and fee back.
    @dev Access: anyone. Stage: finalized, with that dispute still open.
    """
    assert (state._meta >> state.META_OUTCOME_OFFSET) & state.MASK_OUTCOME != state.OUTCOME_NONE, "bounty: not finalized"
    dispute: uint256 = state._disputes[key]
    assert dispute != 0, "bounty: no open dispute"
    challenger: address = convert(dispute & state.MASK_160, address)
    amount: uint256 = ((state._arbitration >> state.ARBITRATION_BOND_OFFSET) & state.MASK_64) + (dispute >> state.DISPUTE_FEE_OFFSET)
    state._disputes[key] = 0
    state._dispute_escrow -= amount
    state._credits[challenger] += amount
    log IBounty.Credited(account=challenger, amount=amount, reason=state.CREDIT_CHALLENGE_BOND)


@external
@nonreentrant
def sweep(ids: DynArray[uint256, constants.MAX_BATCH], accounts: DynArray[address, constants.MAX_BATCH]):
    """
    @notice Long after settlement, move what nobody claimed to the organizer:
            the deposits and shares of `ids` still unclaimed, and the credits
            of `accounts` (not the organizer's own).
    @dev Access: anyone. Stage: finalized, from `resolution_deadline() + state.SWEEP_DELAY` (365 days).
    """
    assert self != _SELF, "bounty: call the bounty, not its extension"
    meta: uint256 = state._meta
    outcome: uint256 = (meta >> state.META_OUTCOME_OFFSET) & state.MASK_OUTCOME
    assert outcome != state.OUTCOME_NONE, "bounty: not finalized"
    assert block.timestamp >= state._resolution_deadline() + state.SWEEP_DELAY, "bounty: too early to sweep"
    voided: bool = meta & state.META_VOIDED_FLAG != 0
    share: uint256 = 0
    if outcome == state.OUTCOME_SHARED:
        share = state.abandon_share
    amount: uint256 = 0
    for id: uint256 in ids:
        record: uint256 = state._submissions[id]
        if record & state.RECORD_REVEALED_FLAG != 0 and (record & state.RECORD_ELIGIBLE_FLAG != 0 or voided):
            state._submissions[id] = 0
            amount += ((record >> state.RECORD_DEPOSIT_OFFSET) & state.MASK_64) + share
    organizer: address = convert(meta & state.MASK_160, address)
    for account: address in accounts:
        if account != organizer:
            amount += state._credits[account]
            state._credits[account] = 0
    state._organizer_funds += amount << state.FUNDS_DUE_OFFSET
    log IBounty.Credited(account=organizer, amount=amount, reason=state.CREDIT_REFUND)
    log IBounty.Swept(amount=amount)


@internal
@view
def _posted_score(
    id: uint256,
    batch: uint256,
    previous: bytes32,
    entries: DynArray[uint256, constants.MAX_BATCH],
    later: DynArray[bytes32, constants.CHECKPOINT_INTERVAL],
) -> uint256:
    """
    @dev The score posted for `id`, proven from its batch against the
         accumulator: the chain from `previous` through `entries` and the
         `later` batch hashes must end at the checkpoint of the batch's
         segment, or at the current accumulator when that segment is still
         open. Reverts when the proof fails or `id` is not in the batch.
    """
    batches: uint256 = (state._ranking >> state.RANKING_BATCHES_OFFSET) & state.MASK_16
    assert batch < batches, "bounty: no such score batch"
    segment: uint256 = batch // constants.CHECKPOINT_INTERVAL
    end: uint256 = segment * constants.CHECKPOINT_INTERVAL + constants.CHECKPOINT_INTERVAL - 1
    target: bytes32 = empty(bytes32)
    if end < batches:
        target = state._checkpoints[segment]
    else:
        end = batches - 1
        target = state._score_accumulator
    assert len(later) == end - batch, "bounty: proof names the wrong number of later batches"
    accumulator: bytes32 = keccak256(concat(previous, keccak256(abi_encode(entries))))
    for h: bytes32 in later:
        accumulator = keccak256(concat(accumulator, h))
    assert accumulator == target, "bounty: proof does not match the posted scores"
    for entry: uint256 in entries:
        if entry >> 16 == id:
            return entry & state.MASK_16
    raise "bounty: submission not in that batch"


@internal
def _open_dispute(key: uint256, kind: uint8, posted: uint256, claimed: uint256, paid: uint256):
    """
    @dev Shared tail of `challenge` and `challenge_test_data`: window, bond and
         fee, one open dispute per key; records it, then asks the arbiter.
    """
    arbitration: uint256 = state._arbitration
    arbiter: address = convert(arbitration & state.MASK_160, address)
    assert arbiter != empty(address), "bounty: no arbiter: scores are not challengeable"
    assert block.timestamp < (state._organizer_funds >> state.FUNDS_CHALLENGE_DEADLINE_OFFSET) & state.MASK_32, (
        "bounty: challenge window closed"
    )
    assert state._disputes[key] == 0, "bounty: already disputed"
    fee: uint256 = staticcall IArbiter(arbiter).fee()
    assert fee <= state.MASK_64, "bounty: arbiter fee too large"
    bond: uint256 = (arbitration >> state.ARBITRATION_BOND_OFFSET) & state.MASK_64
    assert paid == bond + fee, "bounty: pay the challenge bond plus the arbiter fee"
    state._disputes[key] = (
        convert(msg.sender, uint256)
        | (posted << state.DISPUTE_POSTED_OFFSET)
        | (claimed << state.DISPUTE_CLAIMED_OFFSET)
        | (fee << state.DISPUTE_FEE_OFFSET)
    )
    state._dispute_escrow += paid
    # unchecked: at most one dispute per key, keys < 2**16 + 1.
    state._ranking = unsafe_add(state._ranking, 1 << state.RANKING_OPEN_OFFSET)
    number: uint256 = extcall IArbiter(arbiter).create_dispute(
        key, kind, convert(posted, uint16), convert(claimed, uint16), msg.sender
    )
    log IBounty.Challenged(
        key=key, challenger=msg.sender, posted=convert(posted, uint16), claimed=convert(claimed, uint16),
        bond=bond, fee=fee, arbiter_dispute=number
    )


@internal
def _correct(id: uint256, posted: uint256, ruling: uint256, meta: uint256, ranking: uint256) -> uint256:
    """
    @dev An upheld score ruling: record the new score, move the deposit's
         eligibility and the disqualified count, and update the ranking;
         returns the new `_ranking` word. Removing a ranked entry from a full
         ranking leaves its last place unknown: the ranking is marked stale
         unless the new score itself beats every unranked entry.
    """
    min_accuracy: uint256 = (meta >> state.META_MIN_ACCURACY_OFFSET) & state.MASK_16
    record: uint256 = state._submissions[id]
    if record & state.RECORD_CORRECTED_FLAG == 0:
        state._corrections.append(id)
    was_eligible: bool = record & state.RECORD_ELIGIBLE_FLAG != 0
    record = (record & ~state.RECORD_ELIGIBLE_FLAG & ~(state.MASK_16 << state.RECORD_CORRECTED_SCORE_OFFSET)) | state.RECORD_CORRECTED_FLAG | (
        ruling << state.RECORD_CORRECTED_SCORE_OFFSET
    )
    result: uint256 = ranking
    if ruling >= min_accuracy:
        record |= state.RECORD_ELIGIBLE_FLAG
        if not was_eligible:
            result -= 1 << state.RANKING_DISQUALIFIED_OFFSET
    elif was_eligible:
        result += 1 << state.RANKING_DISQUALIFIED_OFFSET
    state._submissions[id] = record
    if result & state.RANKING_STALE_FLAG != 0:
        # A replay is rebuilding the lanes; it starts again with this correction.
        state._rerank = 0
        state._rerank_accumulator = empty(bytes32)
        return result
    k: uint256 = (meta >> state.META_PRIZE_COUNT_OFFSET) & state.MASK_PRIZE_COUNT
    lanes: uint256 = result & state.MASK_LANES
    old_lane: uint256 = (posted << 16) | (state.MASK_16 - id)
    new_lane: uint256 = 0
    if ruling >= min_accuracy:
        new_lane = (ruling << 16) | (state.MASK_16 - id)
    last: uint256 = (lanes >> (state.LANE_BITS * (k - 1))) & state.MASK_LANE
    full: bool = last != 0
    ranked: bool = False
    for i: uint256 in range(constants.MAX_PRIZE_SHARES):
        if i == k:
            break
        if (lanes >> (state.LANE_BITS * i)) & state.MASK_LANE == old_lane:
            ranked = True
            # Remove lane i: the lanes above it move down one place.
            low: uint256 = lanes & ((1 << (state.LANE_BITS * i)) - 1)
            high: uint256 = (lanes >> (state.LANE_BITS * (i + 1))) << (state.LANE_BITS * i)
            lanes = low | high
            break
    if ranked and full and new_lane < last:
        # Some unranked entry may now belong in the last place.
        return (result & ~state.MASK_LANES) | lanes | state.RANKING_STALE_FLAG
    if new_lane != 0 and (ranked or new_lane > last):
        lanes = state._insert(lanes, new_lane, k)
    return (result & ~state.MASK_LANES) | lanes


# VIEWS #


@external
@view
def cost_of(lstm_layers: uint8, lstm_units: uint16, dense_layers: uint8, loss: uint8) -> uint256:
    """
    @notice The evaluation cost of a configuration on this bounty: the Keras
            parameter count (`model.count_params()`) of `build_model` for
            `n_features()` inputs. Equals `bounty_client.protocol.hyperparams.parameter_count`.
    @dev Reverts on values outside CHAIN_LIMITS (the formula is exact only inside them).
    """
    layers: uint256 = convert(lstm_layers, uint256)
    units: uint256 = convert(lstm_units, uint256)
    assert layers >= state.MIN_LSTM_LAYERS and layers <= state.MAX_LSTM_LAYERS, "bounty: lstm_layers out of range"
    assert units >= state.MIN_LSTM_UNITS and units <= state.MAX_LSTM_UNITS, "bounty: lstm_units out of range"
    assert convert(dense_layers, uint256) <= state.MAX_DENSE_LAYERS, "bounty: dense_layers out of range"
    assert convert(loss, uint256) < state.LOSS_CODES, "bounty: loss out of range"
    return state._cost(layers, units, convert(dense_layers, uint256), convert(loss, uint256), state._core >> state.CORE_N_FEATURES_OFFSET)


# INTERNAL #


@internal
@view
def _check_test_data_accepted() -> uint256:
    """
    @dev The checks shared by `reveal_test_data` and `post_test_data`: organizer,
         not settled, not yet posted, reveal deadline passed, evaluation window
         open, randomness drawn. Returns `_meta`.
    """
    meta: uint256 = state._meta
    state._check_organizer_and_open(meta)
    assert meta & state.META_TEST_REVEALED_FLAG == 0, "bounty: test data already revealed"
    core: uint256 = state._core
    assert block.timestamp >= (core >> state.CORE_REVEAL_DEADLINE_OFFSET) & state.MASK_32, "bounty: reveal window still open"
    assert block.timestamp < (core >> state.CORE_EVALUATION_DEADLINE_OFFSET) & state.MASK_32, "bounty: evaluation window closed"
    assert meta & state.META_RANDOMNESS_DRAWN_FLAG != 0, "bounty: randomness not drawn"
    return meta

