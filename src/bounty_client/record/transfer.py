"""Moving a bounty's public record between machines as one CAR file, checked against the chain on import.

A participant without a shared IPFS node gets the spec, the data and (once posted) the test set and
the evaluation reports from the organizer as one CARv1 file (:func:`export_record`);
:func:`import_record` verifies every block against its CID and then that the record is the one the
chain committed to::

    export_record(bounty, store, "b.car")        # the public record as one CARv1 file
    import_record(bounty, store, "b.car")        # ... verified against the chain on import
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ..errors import ArgumentError
from ..storage.base import ContentStore
from .record import open_record, test_set_files

if TYPE_CHECKING:  # pragma: no cover
    from ..chain import Bounty

__all__ = ["export_record", "import_record", "record_cids"]


def record_cids(bounty: "Bounty", store: ContentStore) -> list[str]:
    """Every public CID of ``bounty``: spec, data files, and once posted the test-set manifest, its
    files and the evaluation reports.  Raises ``StorageError`` when the spec is not in ``store``."""
    record = open_record(bounty, store)
    cids = [record.creation.spec_cid, *(f.cid for f in record.spec.data_files)]
    test = record.test_data()
    if test is not None:
        cids += [test.cid, *(f.cid for f in test_set_files(test.cid, store))]
    cids += record.posted_scores()[1]
    return list(dict.fromkeys(cids))


def export_record(bounty: "Bounty", store: ContentStore, path: "str | os.PathLike[str]") -> list[str]:
    """Write ``bounty``'s public record (:func:`record_cids`) as one CARv1 file with one root per
    CID; returns the roots.  Raises ``ArgumentError`` when the folder of ``path`` is missing,
    ``StorageError`` when the record is incomplete in ``store``."""
    import tempfile

    from ..storage.car import iter_car, write_car

    target = Path(path)
    if not target.parent.is_dir():
        raise ArgumentError(f"--out: folder {target.parent} does not exist")
    cids = record_cids(bounty, store)
    with tempfile.TemporaryDirectory() as tmp:
        # Each store exports one DAG per CAR; merge them into one file (blocks once each).
        parts = [store.export_car(cid, Path(tmp) / f"{i}.car") for i, cid in enumerate(cids)]
        roots: list[Any] = []
        seen: set[bytes] = set()

        def blocks() -> Iterable[tuple[bytes, bytes]]:
            for part in parts:
                with open(part, "rb") as f:
                    _, sections = iter_car(f, source=str(part))
                    for sec in sections:
                        raw = bytes(sec.cid)
                        if raw not in seen:
                            seen.add(raw)
                            yield raw, sec.data

        for part in parts:
            with open(part, "rb") as f:
                roots += iter_car(f, source=str(part))[0]
        write_car(target, roots, blocks())
    return cids


def import_record(bounty: "Bounty", store: ContentStore, path: "str | os.PathLike[str]") -> list[str]:
    """Import a CAR file (every block verified against its CID) and check that it holds
    ``bounty``'s public record as the chain commits to it (spec, data, test set once posted).

    Returns the imported roots.  Raises ``ArgumentError`` (no such file), ``StorageError``
    (corrupt CAR, or a CID of the record still missing) or ``VerificationError`` (the spec
    disagrees with the chain)."""
    if not Path(path).is_file():
        raise ArgumentError(f"CAR file {path}: no such file")
    roots = store.import_car(path)
    record = open_record(bounty, store)
    record.prices()
    if record.test_data() is not None:
        record.test_prices()
    return roots
