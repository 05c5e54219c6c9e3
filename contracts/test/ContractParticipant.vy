# pragma version 0.4.3
"""
@title Test double: a participant that is a contract
@custom:contract-name ContractParticipant
@license MIT
@notice Used only by tests/contracts. Commits, reveals, claims and withdraws on
        one bounty as `msg.sender`; on receiving ETH it either accepts
        (MODE_ACCEPT), tries once to re-enter `withdraw` (MODE_REENTER) or
        `claim` (MODE_REENTER_CLAIM), or rejects the payment (MODE_REJECT).
"""


interface IBountyParticipant:
    def commit(commitment: bytes32) -> uint256: payable
    def reveal(id: uint256, hyperparameters: uint256, salt: bytes32): nonpayable
    def claim(ids: DynArray[uint256, 128]) -> uint256: nonpayable
    def withdraw() -> uint256: nonpayable


# CONSTANTS #

MODE_ACCEPT: constant(uint256) = 0
MODE_REENTER: constant(uint256) = 1
MODE_REJECT: constant(uint256) = 2
MODE_REENTER_CLAIM: constant(uint256) = 3


# STORAGE #

# The bounty this participant plays in.
bounty: public(address)
# What to do when ETH arrives (MODE_*).
mode: public(uint256)
# How many times `__default__` tried to re-enter `withdraw`.
reentry_attempts: public(uint256)
# Whether a re-entrant `withdraw` (or `claim`) call succeeded (it must not).
reentry_succeeded: public(bool)
# Total wei received.
received: public(uint256)
# The ids of the last `claim` (re-entered by MODE_REENTER_CLAIM).
last_claim: DynArray[uint256, 128]


@deploy
def __init__(bounty: address, mode: uint256):
    self.bounty = bounty
    self.mode = mode


@external
def set_mode(mode: uint256):
    self.mode = mode


@external
@payable
def commit(commitment: bytes32) -> uint256:
    return extcall IBountyParticipant(self.bounty).commit(commitment, value=msg.value)


@external
def reveal(id: uint256, hyperparameters: uint256, salt: bytes32):
    extcall IBountyParticipant(self.bounty).reveal(id, hyperparameters, salt)


@external
def claim(ids: DynArray[uint256, 128]) -> uint256:
    self.last_claim = ids
    return extcall IBountyParticipant(self.bounty).claim(ids)


@external
def withdraw() -> uint256:
    return extcall IBountyParticipant(self.bounty).withdraw()


@external
@payable
def __default__():
    assert self.mode != MODE_REJECT, "participant: rejects ETH"
    self.received += msg.value
    if self.mode == MODE_REENTER and self.reentry_attempts == 0:
        self.reentry_attempts += 1
        self.reentry_succeeded = raw_call(self.bounty, method_id("withdraw()"), revert_on_failure=False)
    elif self.mode == MODE_REENTER_CLAIM and self.reentry_attempts == 0:
        self.reentry_attempts += 1
        self.reentry_succeeded = raw_call(
            self.bounty,
            abi_encode(self.last_claim, method_id=method_id("claim(uint256[])")),
            revert_on_failure=False,
        )
