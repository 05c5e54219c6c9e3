"""The explorer's pages as HTML strings: one renderer for the server and the static export.

:class:`Explorer` holds the :class:`~.reader.Reader`, the caches (bounded: the memory bound) and the
verify jobs; :meth:`Explorer.render` fills a Jinja2 template (autoescaping on: anything a bounty's
author wrote is text) with a :class:`Links` object that spells URLs for the server (``/bounty/0x..``)
or for a static site (relative ``bounty/0x../index.html``, so it opens from disk or under an IPFS
gateway's ``/ipfs/CID/``).
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from pathlib import Path
from typing import Any

from ..record import views
from . import reader
from .cache import LRU

__all__ = ["Explorer", "Links"]

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


class Links:
    """URLs of the pages: ``mode`` "server" (absolute paths) or "static" (relative to a page ``depth``
    folders below the site's root, each page an ``.html`` file)."""

    def __init__(self, mode: str = "server", depth: int = 0):
        self.mode, self.depth = mode, depth
        self.static_site = mode == "static"
        self.root = "../" * depth if self.static_site else "/"

    def home(self) -> str:
        return self.root + "index.html" if self.static_site else "/"

    def bounty(self, address: str) -> str:
        return f"{self.root}bounty/{address}/index.html" if self.static_site else f"/bounty/{address}"

    def submission(self, address: str, sid: int) -> str:
        return (f"{self.root}bounty/{address}/submission/{sid}.html" if self.static_site
                else f"/bounty/{address}/submission/{sid}")

    def address(self, address: str) -> str:
        return f"{self.root}address/{address}.html" if self.static_site else f"/address/{address}"

    def file(self, address: str, cid: str) -> str:
        return f"{self.root}bounty/{address}/file/{cid}" if self.static_site else f"/bounty/{address}/file/{cid}"

    def plot(self, address: str) -> str:
        return f"{self.root}bounty/{address}/scores.svg" if self.static_site else f"/bounty/{address}/scores.svg"

    def static(self, name: str) -> str:
        return f"{self.root}static/{name}"

    def verify(self, address: str) -> str:
        return f"/bounty/{address}/verify"

    def status(self, address: "str | None" = None) -> str:
        return f"/api/bounty/{address}/status" if address else "/api/status"


def _utc(ts: "int | None") -> str:
    if ts is None:
        return ""
    return _dt.datetime.fromtimestamp(int(ts), _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _eth(wei: "int | float") -> str:
    value = wei / 1e18 if isinstance(wei, int) else float(wei)
    if value == 0:
        return "0 ETH"
    return f"{value:,.4f}".rstrip("0").rstrip(".") + " ETH"


def _short(text: str, head: int = 6, tail: int = 4) -> str:
    text = str(text)
    return text if len(text) <= head + tail + 1 else f"{text[:head]}…{text[-tail:]}"


def _hp(hp: "dict[str, Any] | None") -> str:
    if not hp:
        return ""
    dense = int(hp.get("dense_layers", 0))
    parts = [f"{hp.get('lstm_layers')}×{hp.get('lstm_units')} LSTM",
             f"{dense} dense {hp.get('activation')}" if dense else "no dense",
             str(hp.get("loss", "")).replace("_", " "),
             f"dropout {float(hp.get('dropout', 0)):g}", f"lr {float(hp.get('learning_rate', 0)):g}"]
    return " · ".join(parts)


_STAGE_TEXT = {"SUBMISSION": "Submission", "REVEAL": "Reveal", "EVALUATION": "Evaluation",
               "CHALLENGE": "Challenge window", "ARBITRATION": "Arbitration", "EXPIRED": "Expired",
               "FINALIZED": "Finalized", "CANCELLED": "Cancelled"}


def _stage_text(stage: Any) -> str:
    name = getattr(stage, "name", str(stage))
    return _STAGE_TEXT.get(name, name)


def _duration(seconds: "int | float") -> str:
    return views._duration(int(seconds))


class Explorer:
    """Reads (through :class:`~.reader.Reader`), caches and renders; shared by every request.

    Chain and store reads are serialised by one lock (Ape's provider is process-wide; concurrent
    requests for the same page wait for one read instead of repeating it).  A cached view is used
    while its contract logged nothing new (one ``eth_getLogs`` per request); stages and countdowns
    are computed at render time from the chain's clock.  ``cache_size`` bounds every cache."""

    def __init__(self, store: Any, factory: "str | None" = None, *, cache_size: int = 64, jobs: Any = None):
        import jinja2

        self.reader = reader.Reader(store, factory)
        self.store = store
        self.jobs = jobs
        self._lock = threading.RLock()
        self._views: LRU[views.BountyView] = LRU(cache_size)
        self._plots: LRU[bytes] = LRU(cache_size)
        self._list: "tuple[int, list[views.BountySummary]] | None" = None
        self._network: "tuple[float, Any] | None" = None
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                      undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(utc=_utc, eth=_eth, short=_short, hp=_hp, stage_text=_stage_text,
                                rel=reader.relative_time, duration=_duration)
        self.env.globals.update(timeline=views.timeline, next_deadline=views.next_deadline,
                                score_standing=views.score_standing, NO_ARBITER=views.NO_ARBITER)

    # -------------------------------------------------------------- reads (cached)
    def network(self, max_age: float = 1.0) -> Any:
        cached = self._network
        if cached is not None and time.monotonic() - cached[0] < max_age:
            return cached[1]
        with self._lock:
            info = reader.network_info()
        self._network = (time.monotonic(), info)
        return info

    def bounty(self, address: str) -> views.BountyView:
        address = reader.parse_address(address, "bounty")
        with self._lock:
            view = self._views.get(address)
            # the bounty's own logs, and its arbiter's (a juror's vote changes a dispute's progress)
            if view is not None and not self.reader.changed_since([address, view.arbiter.address or ""],
                                                                   view.built_block):
                return view
            return self._views.put(address, self.reader.bounty(address))

    def bounties(self) -> list[views.BountySummary]:
        with self._lock:
            if self._list is not None:
                block, rows = self._list
                watched = [self.reader.factory or "", *(r.address for r in rows)]
                if not self.reader.changed_since([a for a in watched if a], block):
                    return rows
            head = self.network(max_age=0).head
            rows = self.reader.bounties()
            self._list = (head, rows)
            return rows

    def address(self, address: str) -> views.AddressView:
        address = reader.parse_address(address)
        found = []
        for row in self.bounties():
            try:
                found.append(self.bounty(row.address))
            except reader.ViewError:
                continue  # a bounty whose record is incomplete in this store shows nothing for anyone
        return views.address_view(address, found)

    def plot(self, address: str) -> bytes:
        from .plot import scores_svg

        view = self.bounty(address)
        if view.leaderboard is None:
            raise reader.NotFound(f"bounty {view.address} has no posted scores yet: nothing to plot")
        key = (view.address, view.built_block)
        svg = self._plots.get(key)
        if svg is None:
            svg = self._plots.put(key, scores_svg(view.leaderboard))
        return svg

    def status(self, address: "str | None", since: "int | None") -> dict[str, Any]:
        """What the page script refreshes: chain time, head, stage(s), and whether anything new was logged."""
        net = self.network()
        if address is None:
            rows = self.bounties()
            return {"now": net.now, "head": net.head, "bounties": {
                r.address: r.stage_at(net.now).name for r in rows},
                "changed": since is not None and self._list is not None and self._list[0] > since}
        view = self.bounty(address)
        return {"now": net.now, "head": net.head, "stage": view.stage_at(net.now).name,
                "changed": since is not None and view.built_block > since}

    # -------------------------------------------------------------- pages
    def render(self, template: str, links: Links, **context: Any) -> str:
        net = context.pop("network", None) or self.network()
        return self.env.get_template(template).render(links=links, network=net, now=net.now, wall=int(time.time()),
                                                      **context)

    def list_page(self, links: Links, rows: "list[views.BountySummary] | None" = None) -> str:
        return self.render("index.html", links, bounties=self.bounties() if rows is None else rows,
                           factory=self.reader.factory, built_block=self._list[0] if self._list else 0)

    def bounty_page(self, address: str, links: Links) -> str:
        view = self.bounty(address)
        job = None
        if self.jobs is not None and view.report_cid:
            job = self.jobs.get(view.address, view.report_cid)
        return self.render("bounty.html", links, view=view, job=job)

    def submission_page(self, address: str, sid: str, links: Links) -> str:
        view = self.bounty(address)
        try:
            number = int(str(sid))
        except ValueError:
            raise reader.BadRequest(f"{str(sid)[:40]!r} is not a submission id (a number)") from None
        row = view.submission(number)
        if row is None:
            raise reader.NotFound(f"bounty {view.address} has no submission #{number} "
                                f"({len(view.submissions)} committed)")
        lead = None
        if view.leaderboard is not None:
            lead = next((r for r in view.leaderboard.rows if r.id == number), None)
        return self.render("submission.html", links, view=view, sub=row, lead=lead)

    def address_page(self, address: str, links: Links) -> str:
        return self.render("address.html", links, who=self.address(address))

    def verify_panel(self, address: str, links: Links) -> str:
        view = self.bounty(address)
        job = self.jobs.get(view.address, view.report_cid) if self.jobs and view.report_cid else None
        return self.render("verify_panel.html", links, view=view, job=job)

    def error_page(self, status: int, message: str, links: Links) -> str:
        try:
            net = self.network()
        except reader.ViewError:
            net = reader.NetworkInfo("(no answer)", 0, 0, int(time.time()))
        return self.render("error.html", links, network=net, status=status, message=message)
