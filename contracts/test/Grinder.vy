# pragma version 0.4.3
"""
@title Test double: a caller that grinds the randomness draw
@custom:contract-name Grinder
@license MIT
@notice Used only by tests/contracts (the `grind_draw` attack). Calls the
        bounty's `draw_randomness()` and reverts unless the randomness it
        leaves behind has its lowest bit equal to `wanted`: what a contract
        could do to choose among the values of the blocks it calls in.
"""


interface IDraw:
    def draw_randomness() -> bytes32: nonpayable
    def randomness() -> bytes32: view
    def randomness_drawn() -> bool: view


# Calls that passed the predicate (the draw stayed) and calls that reverted.
wanted: public(uint256)


@deploy
def __init__(wanted: uint256):
    self.wanted = wanted


@external
def grind(bounty: address):
    """
    @notice Draw, and undo the draw unless the randomness is to our liking.
            A request (the first step) leaves no value to judge: it is kept.
    """
    extcall IDraw(bounty).draw_randomness()
    if staticcall IDraw(bounty).randomness_drawn():
        value: uint256 = convert(staticcall IDraw(bounty).randomness(), uint256)
        assert value & 1 == self.wanted, "grinder: not the randomness I want"
