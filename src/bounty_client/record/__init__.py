"""The record wing (temporary face while the package is being split)."""
from .record import *  # noqa: F401,F403
from .record import __all__ as _record_all
from .verify import VerificationReport, VerificationStatus, check_future_rows, verify  # noqa: F401

__all__ = [*_record_all, "VerificationReport", "VerificationStatus", "check_future_rows", "verify"]
