"""The search's one error class, :class:`SearchError` (a :class:`~bounty_client.errors.BountyError`)."""

from __future__ import annotations

from ...errors import BountyError

__all__ = ["SearchError"]


class SearchError(BountyError, ValueError):
    """A search setting is invalid, the data is too small for the folds, a resumed study was run
    with other settings, or no candidate survived the preflight; the message says which."""
