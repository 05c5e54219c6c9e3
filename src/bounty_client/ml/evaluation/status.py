"""Submission statuses: what happened to a submission (or one of its seed runs) at evaluation.

A ``str`` enum, so the JSON report keeps the plain values (``"scored"``, ...) and
comparisons with strings still work (``status == "scored"``).  The behaviour that
matters lives here, in one place (like Optuna's ``TrialState.is_finished()``):

* :attr:`SubmissionStatus.trained` - the training ran to its end (``scored``,
  ``diverged``); only these take part in a submission's mean over seeds.
* :attr:`SubmissionStatus.postable` - the outcome does not depend on the machine's
  speed, so its score may be posted on-chain.  Every status is postable except
  ``timeout``: a run that exceeded its time (after its retry) says something about
  the machine, not the submission, and a faster verifier would score it.  An
  evaluation with a ``timeout`` is incomplete and :meth:`EvaluationResult.scores`
  refuses it.

Against the attacker: a participant cannot use ``timeout`` to block payment (a reveal
above the bounty's cost bound is refused on-chain, and the organizer chooses the time
limit: retry with a larger one or a faster machine); an organizer who never posts
loses the bond.  Scoring a slow run 0 instead would let a slow organizer's machine
decide who is paid, and a faster verifier would then "find" a mismatch.
"""

from __future__ import annotations

from enum import Enum

from ...errors import ArgumentError

__all__ = ["SubmissionStatus"]


class SubmissionStatus(str, Enum):
    """Outcome of a submission (or of one seed run of it).

    ========== ================================================================ =========
    status     meaning                                                          postable
    ========== ================================================================ =========
    scored     trained and scored on the test part                              yes
    diverged   loss or outputs became non-finite; scores 0                      yes
    invalid    hyperparameters outside the spec's bounds or malformed; 0       yes
    failed     training raised an exception (deterministic); 0                  yes
    crashed    the worker process died, also when re-run alone; 0               yes
    skipped    not revealed on-chain, so not scored; 0                          yes
    timeout    exceeded the per-run time limit twice; NO score may be posted    no
    ========== ================================================================ =========
    """

    SCORED = "scored"
    DIVERGED = "diverged"
    INVALID = "invalid"
    FAILED = "failed"
    CRASHED = "crashed"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"

    def __str__(self) -> str:  # "scored", not "SubmissionStatus.SCORED", in f-strings and tables
        return self.value

    @property
    def trained(self) -> bool:
        """The training ran to its end (scored or diverged)."""
        return self in (SubmissionStatus.SCORED, SubmissionStatus.DIVERGED)

    @property
    def postable(self) -> bool:
        """The score (0 unless scored) may be posted on-chain: it does not depend on wall-clock time."""
        return self is not SubmissionStatus.TIMEOUT

    @classmethod
    def coerce(cls, value: "str | SubmissionStatus") -> "SubmissionStatus":
        """The member for ``value``; raises ``ValueError`` naming the known statuses."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise ArgumentError(f"status: unknown submission status {value!r}; known: {known}") from None


#: When a submission's seed runs end differently, the one reported (most severe first).
SEVERITY = (SubmissionStatus.TIMEOUT, SubmissionStatus.CRASHED, SubmissionStatus.FAILED)
