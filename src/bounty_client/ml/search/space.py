"""The search space: the seven hyperparameters as Optuna distributions within the spec's bounds.

Layer counts and units are integers (units on a log scale, as Keras Tuner's examples sample
widths), dropout is uniform, the learning rate log-uniform, activation and loss categorical.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...protocol.hyperparams import CHAIN_LIMITS, HyperparameterBounds, Hyperparameters
from .errors import SearchError

if TYPE_CHECKING:  # pragma: no cover
    import optuna

__all__ = ["PARAM_NAMES", "search_space", "suggest"]

PARAM_NAMES = ("lstm_layers", "lstm_units", "dense_layers", "activation", "loss", "dropout", "learning_rate")


def search_space(bounds: HyperparameterBounds = CHAIN_LIMITS) -> "dict[str, optuna.distributions.BaseDistribution]":
    """Optuna distributions for the seven hyperparameters, exactly within ``bounds`` (inclusive)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if not isinstance(bounds, HyperparameterBounds):
        raise SearchError(f"bounds: must be HyperparameterBounds, got {type(bounds).__name__}")
    return {
        "lstm_layers": IntDistribution(*bounds.lstm_layers),
        "lstm_units": IntDistribution(*bounds.lstm_units, log=True),
        "dense_layers": IntDistribution(*bounds.dense_layers),
        "activation": CategoricalDistribution(bounds.activations),
        "loss": CategoricalDistribution(bounds.losses),
        "dropout": FloatDistribution(*(float(b) for b in bounds.dropout)),
        "learning_rate": FloatDistribution(*(float(b) for b in bounds.learning_rate), log=True),
    }


def suggest(trial: "optuna.trial.BaseTrial", bounds: HyperparameterBounds = CHAIN_LIMITS) -> Hyperparameters:
    """Ask ``trial`` for one configuration from :func:`search_space` (validated against ``bounds``)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    values: dict[str, Any] = {}
    for name, dist in search_space(bounds).items():
        if isinstance(dist, CategoricalDistribution):
            values[name] = trial.suggest_categorical(name, dist.choices)
        elif isinstance(dist, FloatDistribution):
            values[name] = trial.suggest_float(name, dist.low, dist.high, log=dist.log)
        else:
            values[name] = trial.suggest_int(name, dist.low, dist.high, log=dist.log)
    return Hyperparameters.from_dict(values, bounds=bounds)
