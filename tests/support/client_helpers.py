"""Helpers shared by the client tests (a uniquely named module: every test folder has its own
``conftest``, so ``from conftest import ...`` could pick up another folder's)."""

from __future__ import annotations

import numpy as np
from multiformats import CID, multihash


def make_cid(content: bytes) -> str:
    """The CIDv1 (raw, sha2-256, base32) that ``ipfs add --cid-version 1 --raw-leaves`` gives a small file."""
    return str(CID("base32", 1, "raw", multihash.digest(content, "sha2-256")))


def tiny_arrays(n_train: int = 96, n_val: int = 32, n_test: int = 40, seq_len: int = 4, n_features: int = 3, seed: int = 0):
    """Windows whose label is learnable (sign of the last step's first feature plus noise)."""
    rng = np.random.default_rng(seed)

    def part(n: int):
        x = rng.standard_normal((n, seq_len, n_features)).astype(np.float32)
        y = (x[:, -1, 0] + 0.3 * rng.standard_normal(n) > 0).astype(np.int64)
        return x, y

    (xt, yt), (xv, yv), (xs, ys) = part(n_train), part(n_val), part(n_test)
    return {"x_train": xt, "y_train": yt, "x_val": xv, "y_val": yv, "x_test": xs, "y_test": ys}
