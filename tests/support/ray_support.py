"""Data and submissions shared by the Ray tests.

A plain module so test files can import it (``conftest`` is not meant for imports).
Worker functions sent to Ray are closures that reference only importable names
(``os``, ``time``, ``score_submission``): Ray worker processes cannot import test modules.
"""

from __future__ import annotations

import numpy as np

from bounty_client.ml.evaluation import Submission
from bounty_client.protocol.hyperparams import Hyperparameters


def tiny_arrays(n_train: int = 96, n_val: int = 32, n_test: int = 40, seq_len: int = 4, n_features: int = 3,
                seed: int = 0) -> dict[str, np.ndarray]:
    """Windows whose label is learnable (sign of the last step's first feature plus noise)."""
    rng = np.random.default_rng(seed)

    def part(n: int):
        x = rng.standard_normal((n, seq_len, n_features)).astype(np.float32)
        y = (x[:, -1, 0] + 0.3 * rng.standard_normal(n) > 0).astype(np.int64)
        return x, y

    (xt, yt), (xv, yv), (xs, ys) = part(n_train), part(n_val), part(n_test)
    return {"x_train": xt, "y_train": yt, "x_val": xv, "y_val": yv, "x_test": xs, "y_test": ys}


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
