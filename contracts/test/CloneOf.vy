# pragma version ~=0.4.3
"""
@title Test double: makes EIP-1167 clones of any contract (tests only)
@license MIT
"""


@external
def clone(target: address) -> address:
    return create_minimal_proxy_to(target)
