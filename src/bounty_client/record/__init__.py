"""The record wing: a bounty's public record, read-only, checked against the chain.

What anyone can read and check, with one set of consistency checks: :mod:`.record` (the record:
creation event, spec, data, test set, seeds, submissions; :func:`open_record`), :mod:`.verification`
(re-run the evaluation and compare the scores and what they pay), :mod:`.views` (the leaderboard and
who was credited what and why: what a page shows) and :mod:`.transfer` (the record as one CAR file
between machines).  Nothing here sends a transaction.
"""

from .record import (TEST_SET_KIND, BountyRecord, TestData, check_report, check_spec, download, evaluate_bounty,
                     evaluate_record, load_prices, load_test_set, open_record, require_matching_spec, test_set_files,
                     test_set_manifest)
from .transfer import export_record, import_record, record_cids
from .verification import VerificationReport, VerificationStatus, check_future_rows, verify
from .views import (BountySummary, BountyView, address_view, bounty_list, bounty_summaries, bounty_view, credited,
                    disputes, explain_credits, leaderboard, verification_view)

__all__ = [
    "TEST_SET_KIND",
    "BountyRecord",
    "BountySummary",
    "BountyView",
    "TestData",
    "address_view",
    "bounty_summaries",
    "bounty_view",
    "VerificationReport",
    "VerificationStatus",
    "bounty_list",
    "check_future_rows",
    "check_report",
    "check_spec",
    "credited",
    "disputes",
    "download",
    "evaluate_bounty",
    "evaluate_record",
    "explain_credits",
    "export_record",
    "import_record",
    "leaderboard",
    "load_prices",
    "load_test_set",
    "open_record",
    "record_cids",
    "require_matching_spec",
    "test_set_files",
    "test_set_manifest",
    "verification_view",
    "verify",
]
