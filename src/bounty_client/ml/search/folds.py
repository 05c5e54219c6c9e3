"""The published windows a search scores on, and its walk-forward folds over them.

Folds come from scikit-learn's ``TimeSeriesSplit`` with a gap of ``future_period`` windows, so no
training label reads a price at or after a validation window's end; each fold's inputs are
re-standardised with statistics of its own training rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from .errors import SearchError

__all__ = ["Fold", "walk_forward_folds", "public_windows"]


@dataclass(frozen=True)
class Fold:
    """Positions (into :func:`public_windows`) of one fold's training and validation windows."""

    train: np.ndarray
    val: np.ndarray

    def __repr__(self) -> str:
        return (f"Fold(train=[{self.train[0]}..{self.train[-1]}] ({len(self.train)}), "
                f"val=[{self.val[0]}..{self.val[-1]}] ({len(self.val)}))")


def walk_forward_folds(n_windows: int, n_folds: int, gap: int) -> list[Fold]:
    """``n_folds`` expanding-window folds over ``n_windows`` time-ordered windows.

    scikit-learn's ``TimeSeriesSplit(n_splits=n_folds, gap=gap)``: each validation block
    follows its training windows after ``gap`` windows left out, so with ``gap =
    future_period`` no training label (the price ``future_period`` steps after its
    window's end) lies at or after the first validation window's end.
    Raises :class:`SearchError` when a fold would get fewer than 8 training or 2
    validation windows.
    """
    from sklearn.model_selection import TimeSeriesSplit

    if isinstance(n_folds, bool) or not isinstance(n_folds, int) or n_folds < 2:
        raise SearchError(f"folds: walk-forward needs an integer >= 2, got {n_folds!r}")
    if isinstance(gap, bool) or not isinstance(gap, int) or gap < 0:
        raise SearchError(f"gap: must be an integer >= 0, got {gap!r}")
    val_size = n_windows // (n_folds + 1)
    if val_size < 2 or n_windows - n_folds * val_size - gap < 8:
        raise SearchError(f"folds: {n_windows} public windows are too few for {n_folds} walk-forward folds "
                          f"with a gap of {gap}; use fewer folds")
    splitter = TimeSeriesSplit(n_splits=n_folds, gap=gap)
    return [Fold(train, val) for train, val in splitter.split(np.arange(n_windows))]


def public_windows(dataset: Any) -> dict[str, np.ndarray]:
    """The published windows in time order: ``x`` (n, seq_len, n_features), ``y`` (n,), ``t`` (n,)
    window-end timestamps, the dataset's ``n_train`` and, for a ``Dataset``, its scaler."""
    get = (lambda k: dataset.get(k)) if isinstance(dataset, Mapping) else (lambda k: getattr(dataset, k, None))
    x_train, x_val = np.asarray(get("x_train"), np.float32), np.asarray(get("x_val"), np.float32)
    out = {
        "x": np.concatenate([x_train, x_val]) if len(x_val) else x_train,
        "y": np.concatenate([np.asarray(get("y_train")).reshape(-1), np.asarray(get("y_val")).reshape(-1)]),
        "n_train": np.asarray(len(x_train)),
    }
    t_train, t_val = get("t_train"), get("t_val")
    if t_train is not None and t_val is not None:
        out["t"] = np.concatenate([np.asarray(t_train), np.asarray(t_val)])
    mean, std = get("scaler_mean"), get("scaler_std")
    if mean is not None and std is not None:
        out["scaler_mean"], out["scaler_std"] = np.asarray(mean, np.float64), np.asarray(std, np.float64)
    return out


def _windows_digest(windows: Mapping[str, np.ndarray]) -> str:
    """SHA-256 (hex) of the windows a study scores on: inputs, labels and their shapes."""
    digest = hashlib.sha256()
    for key in ("x", "y"):
        array = np.ascontiguousarray(windows[key])
        digest.update(f"{key}{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _fold_arrays(windows: Mapping[str, np.ndarray], fold: Fold) -> dict[str, np.ndarray]:
    """The six arrays ``train_and_score`` takes for one fold (its validation part is also the "test")."""
    x, y = windows["x"], windows["y"]
    x_train, x_val = x[fold.train], x[fold.val]
    if "scaler_mean" in windows:
        # The dataset was standardised with statistics of the spec's whole training part, which
        # reaches past an early fold's validation block: undo it and refit on this fold's
        # training rows (the builder's rule, rule 6 of bounty_client.data.dataset), else early
        # folds would see later data through the scaler.  Rows are the first window's rows
        # plus every later window's last row.
        mean, std = windows["scaler_mean"], windows["scaler_std"]
        raw_train = x_train.astype(np.float64) * std + mean
        rows = np.concatenate([raw_train[0], raw_train[1:, -1, :]])
        fmean, fstd = rows.mean(axis=0), rows.std(axis=0)
        fstd[fstd == 0] = 1.0
        x_train = ((raw_train - fmean) / fstd).astype(np.float32)
        x_val = (((x_val.astype(np.float64) * std + mean) - fmean) / fstd).astype(np.float32)
    return {"x_train": x_train, "y_train": y[fold.train], "x_val": x_val, "y_val": y[fold.val],
            "x_test": x_val, "y_test": y[fold.val]}
