# pragma version 0.4.3
"""
@title Test double: an arbiter that rules whatever the test tells it to
@custom:contract-name StandInArbiter
@license MIT
@notice Used only by tests/contracts/stateful (the Hypothesis state machine of a
        bounty with challenges and rulings). It implements `IArbiter` (a fee the
        test can change between disputes; `create_dispute` counts disputes) and
        forwards `rule(bounty, key, ruling)` from any caller to the bounty, so
        one transaction reaches every ruling the bounty must handle: upheld,
        rejected, out of range, or none at all (silence until the resolution
        deadline). Why not the real `RerunJury`: a ruling there takes a commit
        and a reveal per juror and two periods of waiting, which would multiply
        the cost of each Hypothesis step and tie the bounty's clock to the
        jury's; the jury's own rules are tested in tests/contracts/test_jury.py.
        The fees the bounty sends with `rule` stay here (`received`).
"""

from ..interfaces import IArbiter

implements: IArbiter


# The bounty's `rule` (IBountyExtension's, declared here: that interface imports `constants`,
# which a contract in contracts/test/ does not resolve).
interface IArbitrable:
    def rule(key: uint256, ruling: uint256): nonpayable


# The wei a challenger pays per dispute besides the challenge bond (`IArbiter.fee`).
fee: public(uint256)
# Disputes the bounties created here (the next dispute's number).
dispute_count: public(uint256)
# Wei received with rulings (the disputes' fees).
received: public(uint256)


@deploy
def __init__(fee: uint256):
    self.fee = fee


@external
def set_fee(fee: uint256):
    """
    @notice Change the fee of later disputes (an open dispute keeps the fee it was opened with).
    """
    self.fee = fee


@external
def create_dispute(key: uint256, kind: uint8, posted: uint16, claimed: uint16, challenger: address) -> uint256:
    number: uint256 = self.dispute_count
    self.dispute_count = number + 1
    return number


@external
def rule(bounty: address, key: uint256, ruling: uint256):
    """
    @notice Rule `ruling` on dispute `key` of `bounty`, for anyone: the bounty's revert, if any, comes back as it is.
    """
    extcall IArbitrable(bounty).rule(key, ruling)


@external
@payable
def __default__():
    self.received += msg.value
