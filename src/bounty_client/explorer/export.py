"""The explorer as a static site: the same pages as files, readable from disk or from IPFS.

``export_site(directory, store=..., factory=...)`` writes ``index.html``, ``bounty/<address>/index.html``
(with its ``scores.svg``, ``submission/<id>.html`` and the record's files under ``file/<cid>``),
``address/<address>.html`` for every address that appears, and ``static/``; every link is relative,
so the folder works from ``file://`` and under a gateway's ``/ipfs/<cid>/``.  Then the folder is
added to the store as a UnixFS directory (:func:`~bounty_client.storage.directory.add_directory`):
its CID is what ``ipfs add -r`` would print, so a bounty's final leaderboard can be pinned and cited.

No server stands behind a static page: countdowns still run (against the chain's clock at export),
the stage shown is the one at export, and the Verify panel names the command to run instead.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..record.views import address_view
from . import reader
from .site import STATIC, Explorer, Links

__all__ = ["ExportResult", "export_site"]


@dataclass
class ExportResult:
    """Where the site went: ``path``, its ``cid`` (``None`` when not added), the pages written."""

    path: Path
    cid: "str | None"
    pages: int
    files: int
    bounties: list[str]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _write(path: Path, text: "str | bytes") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)


def export_site(directory: "str | Path", *, explorer: "Explorer | None" = None, store: Any = None,
                factory: "str | None" = None, bounties: "list[str] | None" = None, add: bool = True) -> ExportResult:
    """Write the static site of ``bounties`` (default: every bounty of the factory) into ``directory``
    (new or empty) and, with ``add``, add it to the store; returns an :class:`ExportResult`.

    Raises :class:`~.reader.BadRequest` for a folder that is not empty or a bounty not of the factory,
    and the :class:`~.reader.ViewError` of any page that cannot be read (nothing is added then)."""
    t0 = time.perf_counter()
    if explorer is None:
        if store is None:
            raise reader.BadRequest("export_site: give explorer= or store=")
        explorer = Explorer(reader.open_store(store) if isinstance(store, str) else store, factory)
    root = Path(directory)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise reader.BadRequest(f"--export {root}: not an empty folder (the export writes a whole site there)")
    rows = explorer.bounties()
    if bounties:
        wanted = [reader.parse_address(a, "bounty") for a in bounties]
        known = {r.address for r in rows}
        missing = [a for a in wanted if a not in known]
        if missing:
            raise reader.BadRequest(f"--bounty {', '.join(missing)}: not a bounty of the factory {explorer.reader.factory}")
        rows = [r for r in rows if r.address in wanted]
    root.mkdir(parents=True, exist_ok=True)
    network = explorer.network(max_age=0)
    pages = files = 0
    notes: list[str] = []
    views = []
    _write(root / "index.html", explorer.render("index.html", Links("static", 0), network=network, bounties=rows,
                                                factory=explorer.reader.factory, built_block=network.head))
    pages += 1
    for row in rows:
        view = explorer.bounty(row.address)
        views.append(view)
        base = root / "bounty" / view.address
        _write(base / "index.html", explorer.render("bounty.html", Links("static", 2), network=network, view=view, job=None))
        pages += 1
        if view.leaderboard is not None:
            _write(base / "scores.svg", explorer.plot(view.address))
        for sub in view.submissions:
            lead = next((r for r in view.leaderboard.rows if r.id == sub.id), None) if view.leaderboard else None
            _write(base / "submission" / f"{sub.id}.html",
                   explorer.render("submission.html", Links("static", 3), network=network, view=view, sub=sub, lead=lead))
            pages += 1
        for entry in view.files:
            target = base / "file" / entry.cid
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                explorer.reader.fetch(entry.cid, target)
                files += 1
            except reader.ViewError as exc:
                notes.append(f"{view.address}: {entry.label} not copied ({exc})")
    accounts = sorted({a for v in views for a in (v.organizer, *(s.submitter for s in v.submissions),
                                                   *(c.account for c in v.credits), *(p.account for p in v.payments),
                                                   *(d.challenger for d in v.disputes))})
    for account in accounts:
        who = address_view(account, views)
        _write(root / "address" / f"{who.address}.html",
               explorer.render("address.html", Links("static", 1), network=network, who=who))
        pages += 1
    shutil.copytree(STATIC, root / "static")
    cid = reader.add_directory(explorer.store, root) if add else None
    return ExportResult(root, cid, pages, files, [r.address for r in rows], notes, time.perf_counter() - t0)
