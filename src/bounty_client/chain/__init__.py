"""The chain wing (temporary face while the package is being split)."""
from .bounty import *  # noqa: F401,F403
from .bounty import __all__  # noqa: F401
