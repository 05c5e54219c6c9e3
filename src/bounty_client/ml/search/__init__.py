"""The search (temporary face while the package is being split)."""
from .run import *  # noqa: F401,F403
from .run import __all__  # noqa: F401
