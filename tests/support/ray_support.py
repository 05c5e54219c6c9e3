"""Data and submissions shared by the Ray tests.

A plain module so test files can import it (``conftest`` is not meant for imports).
Worker functions sent to Ray are closures that reference only importable names
(``os``, ``time``, ``score_submission``): Ray worker processes cannot import test modules.
"""

from __future__ import annotations

from client_helpers import tiny_arrays  # one copy (tests/support/client_helpers.py), re-exported

from bounty_client.ml.evaluation import Submission
from bounty_client.protocol.hyperparams import Hyperparameters

__all__ = ["SUBMISSION_VALUES", "make_submissions", "tiny_arrays"]


#: Four small submissions with different heads (so their scores differ).
SUBMISSION_VALUES = [
    (1, 4, 0, "relu", "sparse_categorical_crossentropy"),
    (1, 4, 1, "tanh", "binary_crossentropy"),
    (1, 4, 0, "elu", "hinge"),
    (1, 4, 1, "selu", "categorical_crossentropy"),
]


def make_submissions(values: list[tuple] = SUBMISSION_VALUES) -> list[Submission]:
    return [
        Submission(i + 1, f"0x{i + 1:040x}", Hyperparameters(*v, dropout=0.1, learning_rate=0.01))
        for i, v in enumerate(values)
    ]
