# pragma version 0.4.3
"""
@title Test double: a factory that deploys the genuine Bounty code (tests only)
@license MIT
@notice Its implementation runs the real Bounty code, but with `FACTORY` = this
        contract, which can initialize clones with any terms and emit any event:
        only the chain of code back to the shipped BountyFactory catches it.
"""

BOUNTY_IMPLEMENTATION: public(immutable(address))


@deploy
def __init__(bounty_blueprint: address, extension_blueprint: address):
    BOUNTY_IMPLEMENTATION = create_from_blueprint(bounty_blueprint, create_from_blueprint(extension_blueprint))


@external
def clone() -> address:
    return create_minimal_proxy_to(BOUNTY_IMPLEMENTATION)
