"""The roles wing: what each party does, stage by stage.

:class:`Organizer` (:mod:`.organizer`: prepare the data and spec, create, reveal or post the test data,
evaluate, post scores, finalize), :class:`Participant` (:mod:`.participant`: download, search, commit,
reveal, claim, withdraw), :class:`Challenger` (:mod:`.challenger`: re-run the evaluation, challenge
what differs, watch a bounty through its challenge window), :class:`Juror` (:mod:`.juror`: re-run a
disputed score, commit and reveal an answer) and the :class:`Vault` of secrets a later reveal needs
(:mod:`.vault`).
Read-only work for anyone lives in :mod:`bounty_client.record`.
"""

from .challenger import Challenger, Difference, SentChallenge
from .juror import Juror
from .organizer import MIN_WINDOWS_PER_SPLIT, OpenedBounty, Organizer, PostedScores, PreparedBounty
from .participant import Participant, search
from .vault import SubmissionSecret, TestSetSecret, Vault, VaultWarning, VoteSecret

__all__ = [
    "Challenger",
    "Difference",
    "Juror",
    "MIN_WINDOWS_PER_SPLIT",
    "OpenedBounty",
    "Organizer",
    "Participant",
    "PostedScores",
    "PreparedBounty",
    "SubmissionSecret",
    "TestSetSecret",
    "SentChallenge",
    "Vault",
    "VaultWarning",
    "VoteSecret",
    "search",
]
