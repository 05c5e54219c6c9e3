# pragma version 0.4.3
"""
@title Limits shared by the ML Bounty contracts
@license MIT
@notice Declared once here and imported by `Bounty.vy`, `BountyDisputes.vy`,
        `BountyFactory.vy`, `RerunJury.vy` and the interfaces, so two
        contracts can never disagree on a bound (as curve-stablecoin keeps
        its shared values in one `constants.vy`). The client mirrors them in
        `bounty_client.protocol.wire`; a test compares the two.
"""

# Basis points in one whole: scores, `min_accuracy`, prize shares and tolerances.
BPS: constant(uint256) = 10_000
# Longest CID string (spec, data, test and report CIDs).
MAX_CID_LENGTH: constant(uint256) = 128
# Most training-data CIDs per bounty.
MAX_DATA_CIDS: constant(uint256) = 16
# Most prize shares (ranked winners) a bounty can have.
MAX_PRIZE_SHARES: constant(uint256) = 5
# Most ids per `post_scores` / `withdraw` / `sweep` call, and entries per score batch.
MAX_BATCH: constant(uint256) = 128
# A checkpoint of the score accumulator is kept every this many batches, so a proof
# of a posted score names at most this many later batch hashes, and `rerank`
# replays at most this many batches per call.
CHECKPOINT_INTERVAL: constant(uint256) = 32
# Most jurors a `RerunJury` names.
MAX_JURORS: constant(uint256) = 15
# The `key` of a test-data dispute (submission ids are below 2**16 - 1).
TEST_DATA_KEY: constant(uint256) = 1 << 16
# Dispute kinds (`IArbiter.create_dispute`).
KIND_SCORE: constant(uint8) = 0
KIND_TEST_DATA: constant(uint8) = 1
