"""Optuna's parts bound to a bounty: sampler, pruner, and a study that survives and knows its settings.

One study per chain, bounty and account lives in Optuna's journal storage under
``$BOUNTY_HOME/studies``; the search settings are stored with it, and a study run with other
settings (or with trials but no settings) is refused, since its scores are not comparable.

A crash while Optuna appends to the journal can leave a torn last record (a line without its end,
or, once a later run wrote after it, a line that is not JSON).  Optuna skips a torn last line but
appends the next record onto it, and from then on every load dies on a ``JSONDecodeError``.
:func:`repair_journal` (run by :func:`open_study` under Optuna's own journal lock) cuts the journal
before its first broken record and moves everything from there into ``<journal>.torn-N`` beside it:
the trials recorded before the tear load as before, and nothing stored is lost.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from ...paths import studies_dir
from .errors import SearchError

if TYPE_CHECKING:  # pragma: no cover
    import optuna

__all__ = ["make_sampler", "make_pruner", "study_path", "open_study", "check_settings", "repair_journal"]


def make_sampler(sampler: "str | optuna.samplers.BaseSampler", seed: int | None = None) -> "optuna.samplers.BaseSampler":
    """``"tpe"`` (Optuna's TPE), ``"random"``, or any Optuna sampler object as is."""
    import optuna

    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    if sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise SearchError(f"sampler: {sampler!r} is not supported; give 'tpe', 'random' or an optuna sampler")


def make_pruner(pruner: "str | None | optuna.pruners.BasePruner") -> "optuna.pruners.BasePruner":
    """``"median"`` (Optuna's ``MedianPruner`` with its defaults: from the first reported epoch,
    once 5 trials have completed), ``"none"``/``None``, or any Optuna pruner object as is."""
    import optuna

    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    if pruner == "median":
        return optuna.pruners.MedianPruner()
    if pruner in (None, "none"):
        return optuna.pruners.NopPruner()
    raise SearchError(f"pruner: {pruner!r} is not supported; give 'median', 'none' or an optuna pruner")


def study_path(chain_id: int, bounty: str, account: str, home: "str | os.PathLike[str] | None" = None) -> Path:
    """``<home>/studies/<chain_id>-<bounty>-<account>.log`` (``home`` defaults to ``$BOUNTY_HOME``)."""
    return studies_dir(home) / f"{int(chain_id)}-{str(bounty).lower()}-{str(account).lower()}.log"


def open_study(name: str, path: "str | os.PathLike[str] | None", settings: Mapping[str, Any], *,
               sampler: "optuna.samplers.BaseSampler | None" = None,
               pruner: "optuna.pruners.BasePruner | None" = None) -> "optuna.Study":
    """Create or load study ``name`` in the journal file ``path`` (in memory when ``path`` is None).

    ``settings`` (JSON values) are stored with a new study; loading a study stored with
    different settings raises :class:`SearchError` naming the first that differs.
    """
    import optuna

    _quiet_optuna()
    storage = None
    if path is not None:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        moved = repair_journal(path)
        if moved is not None:
            print(f"search: the study journal {path} ended in a torn record (a crash while writing); the trials "
                  f"before it are kept, the bytes from it on moved to {moved}", file=sys.stderr)
        storage = JournalStorage(JournalFileBackend(str(path)))
    try:
        study = optuna.create_study(study_name=name, storage=storage, direction="maximize", sampler=sampler,
                                    pruner=pruner, load_if_exists=True)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:  # written by another program after the repair
        raise SearchError(f"study journal {path}: a record is not JSON ({exc}); move the file aside (the search then "
                          "starts a new study) or cut it before that line") from None
    check_settings(study, settings)
    return study


def _first_broken_record(data: bytes) -> "int | None":
    """Byte offset of the first journal line that has no line end or is not a JSON object; ``None`` if all are."""
    offset = 0
    for line in data.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            return offset
        try:
            if not isinstance(json.loads(line), dict):
                return offset
        except ValueError:  # JSONDecodeError and UnicodeDecodeError
            return offset
        offset += len(line)
    return None


def repair_journal(path: "str | os.PathLike[str]") -> "Path | None":
    """Cut an Optuna journal file before its first torn record (a line without its end, or not JSON) and move
    the bytes from there on to ``<path>.torn-N`` (the first free N; written before the journal is cut).
    Holds Optuna's journal lock meanwhile, so a record being appended by a worker is never taken for a torn
    one.  Returns the side file, or ``None`` when the journal is whole (or absent).  Raises ``OSError``."""
    from optuna.storages.journal import JournalFileSymlinkLock

    from ...storage.atomic import write_atomic

    path = Path(path)
    if not path.exists():
        return None
    lock = JournalFileSymlinkLock(str(path))
    lock.acquire()
    try:
        data = path.read_bytes()
        cut = _first_broken_record(data)
        if cut is None:
            return None
        n = 1
        while path.with_name(f"{path.name}.torn-{n}").exists():
            n += 1
        side = path.with_name(f"{path.name}.torn-{n}")
        write_atomic(side, data[cut:])  # kept first: nothing stored is lost if the truncation fails
        with open(path, "r+b") as f:
            f.truncate(cut)
            f.flush()
            os.fsync(f.fileno())
        return side
    finally:
        lock.release()


def check_settings(study: "optuna.Study", settings: Mapping[str, Any]) -> None:
    """Store ``settings`` with a new study; raise :class:`SearchError` if a used one has others,
    or has trials but no settings (made elsewhere: what its scores mean is unknown)."""
    stored = study.user_attrs.get("settings")
    if stored is None:
        if study.get_trials(deepcopy=False):
            raise SearchError(f"settings: the study {study.study_name!r} has trials but no search settings (not "
                              f"made by this search), so its scores are not comparable; use another study")
        study.set_user_attr("settings", dict(settings))
        return
    for key in sorted(set(stored) | set(settings)):
        if stored.get(key) != settings.get(key):
            raise SearchError(f"{key}: the study {study.study_name!r} was run with {key}={stored.get(key)!r}, "
                              f"not {settings.get(key)!r}; its scores are not comparable (use those settings, "
                              f"or another study: another name, or move its journal file aside)")


def _quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def _study_settings_from(path: str, name: str) -> dict[str, Any]:
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    _quiet_optuna()
    study = optuna.load_study(study_name=name, storage=JournalStorage(JournalFileBackend(path)))
    return dict(study.user_attrs.get("settings", {}))
