"""The roles wing (temporary face while the package is being split)."""
from .organizer import *  # noqa: F401,F403
from .organizer import __all__ as _organizer_all
from .vault import Vault  # noqa: F401

__all__ = [*_organizer_all, "Vault"]
