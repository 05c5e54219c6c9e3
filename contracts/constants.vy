# pragma version ~=0.4.3
"""
@title ML Bounty: limits shared by several contracts
@license MIT
@notice Each limit that more than one contract (or the interface) needs is declared once,
        here, and imported where it is used: `Bounty.vy`, `BountyFactory.vy` and
        `interfaces/IBounty.vyi` (as curve-stablecoin keeps one `constants.vy`). Constants
        only: importing this module adds no code, no storage and no gas.
"""


# CONSTANTS #


# Longest CID string (spec, data, test and report CIDs).
MAX_CID_LENGTH: constant(uint256) = 128
# Most training-data CIDs per bounty.
MAX_DATA_CIDS: constant(uint256) = 16
# Most prize shares (ranked winners) a bounty can have.
MAX_PRIZE_SHARES: constant(uint256) = 5
# Most ids per `post_scores` / `claim_shares` call.
MAX_BATCH: constant(uint256) = 128
