"""A finished (or stopped) search as users see it: :class:`SearchResult` (best configuration, leaderboard,
Optuna's plots) and the progress bar shown while it runs."""

from __future__ import annotations

import base64
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ...protocol.hyperparams import CHAIN_LIMITS, HyperparameterBounds, Hyperparameters
from .errors import SearchError
from .preflight import Preflight, ranked_candidates
from .space import PARAM_NAMES
from .study import _quiet_optuna
from .trials import Deadline

if TYPE_CHECKING:  # pragma: no cover
    import optuna
    import pandas as pd

__all__ = ["SearchResult"]


@dataclass(repr=False)
class SearchResult:
    """A finished (or stopped) search: the Optuna ``study``, the best ``Hyperparameters``, plots.

    ``trials`` is ``study.trials_dataframe()``; ``leaderboard`` one row per finished trial
    (configuration, ``val_bps`` mean score, ``sem_bps``, state), completed trials best first,
    then pruned ones (whose ``val_bps`` is only their last epoch's score).
    """

    study: "optuna.Study"
    bounds: HyperparameterBounds = CHAIN_LIMITS
    stopped: str = "n_trials"
    seconds_left: float = math.inf
    preflight: Preflight | None = None
    submission_id: int | None = None
    plot_paths: dict[str, Path] = field(default_factory=dict)

    @property
    def best(self) -> Hyperparameters:
        """The preflighted configuration if there is one, else the best trial's."""
        if self.preflight is not None:
            return self.preflight.hyperparameters
        ranked = ranked_candidates(self.study, self.bounds)
        if not ranked:
            raise SearchError("study: no trial completed yet")
        return ranked[0]

    @property
    def best_value(self) -> float:
        return float(self.study.best_value)

    @property
    def trials(self) -> "pd.DataFrame":
        return self.study.trials_dataframe()

    def trials_dataframe(self) -> "pd.DataFrame":
        return self.study.trials_dataframe()

    @property
    def leaderboard(self) -> "pd.DataFrame":
        import pandas as pd

        rows = []
        for t in self.study.get_trials(deepcopy=False):
            if not t.state.is_finished():
                continue
            rows.append({"trial": t.number, **{k: t.params.get(k) for k in PARAM_NAMES},
                         "val_bps": None if t.value is None else round(t.value, 1),
                         "sem_bps": t.user_attrs.get("score_sem_bps"), "state": t.state.name.lower(),
                         "seconds": round(t.user_attrs.get("seconds", float("nan")), 1)})
        board = pd.DataFrame(rows, columns=["trial", *PARAM_NAMES, "val_bps", "sem_bps", "state", "seconds"])
        # Completed trials first: a pruned trial's value is only its last reported epoch score
        # (Optuna's rule), not the mean over folds and seeds its rivals are ranked by.
        board["_pruned"] = board["state"] != "complete"
        board = board.set_index("trial").sort_values(["_pruned", "val_bps"], ascending=[True, False], kind="stable",
                                                     na_position="last")
        return board.drop(columns="_pruned")

    def save_plots(self, directory: "str | os.PathLike[str]") -> dict[str, Path]:
        """Optuna's optimisation history and parameter importances (matplotlib) as PNGs in ``directory``.

        Importances need two complete trials; without them only the history is saved.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, png in self._plots().items():
            path = directory / f"{self.study.study_name}-{name}.png"
            path.write_bytes(png)
            paths[name] = path
        self.plot_paths = paths
        return paths

    def _plots(self) -> dict[str, bytes]:
        import matplotlib

        from ...quiet import in_notebook

        matplotlib.use("Agg", force=False) if not in_notebook() else None
        import matplotlib.pyplot as plt
        import optuna
        from optuna.visualization import matplotlib as ovm

        _quiet_optuna()
        complete = self.study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        makers = {"history": ovm.plot_optimization_history}
        if len(complete) >= 2:
            makers["importances"] = ovm.plot_param_importances
        out = {}
        for name, make in makers.items():
            try:
                ax = make(self.study)
            except (ValueError, RuntimeError):  # e.g. importances of parameters that never varied
                continue
            buf = io.BytesIO()
            ax.figure.savefig(buf, format="png", dpi=90, bbox_inches="tight")
            plt.close(ax.figure)
            out[name] = buf.getvalue()
        return out

    def _summary(self) -> str:
        n = len(self.study.get_trials(deepcopy=False))
        try:
            best = f"best {self.best_value:.0f} bps ({self.best})"
        except (ValueError, SearchError):
            best = "no complete trial"
        extra = f", committed #{self.submission_id}" if self.submission_id is not None else ""
        return f"SearchResult({self.study.study_name!r}: {n} trials, {best}, stopped by {self.stopped}{extra})"

    def __repr__(self) -> str:
        return f"{self._summary()}\n{self.leaderboard.head(10).to_string()}"

    def _repr_html_(self) -> str:  # notebooks: summary, top ten, plots
        images = "".join(f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" width="420"/>'
                         for png in self._plots().values())
        from html import escape

        return f"<p>{escape(self._summary())}</p>{self.leaderboard.head(10)._repr_html_()}<div>{images}</div>"


class _ProgressBar:
    """tqdm bar: trials done (of this call), best so far, time left before the deadline margin."""

    def __init__(self, study: "optuna.Study", n_trials: int | None, deadline: Deadline, label: str = "search"):
        from tqdm.auto import tqdm

        self.study, self.deadline = study, deadline
        self.start = self._finished(study)
        self.bar = tqdm(total=n_trials, desc=label, unit="trial", leave=True, dynamic_ncols=True)
        self.update(study)

    def update(self, study: "optuna.Study") -> None:
        from optuna.trial import TrialState

        self.bar.update(self._finished(study) - self.start - self.bar.n)
        # completed trials only: a pruned one's value is a single epoch's score (Optuna's rule)
        values = [t.value for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
        left = self.deadline.seconds_left()
        self.bar.set_postfix_str(
            (f"best {max(values):.0f} bps" if values else "best -")
            + ("" if math.isinf(left) else f", {max(0, int(left)) // 60}m{max(0, int(left)) % 60:02d}s left"),
            refresh=True,
        )

    @staticmethod
    def _finished(study: "optuna.Study") -> int:
        return sum(t.state.is_finished() for t in study.get_trials(deepcopy=False))

    def close(self) -> None:
        self.bar.close()
