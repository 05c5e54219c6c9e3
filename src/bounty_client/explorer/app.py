"""The explorer as an ASGI app (Starlette): ``create_app(...)`` returns it, ``run_server(...)`` serves it.

Routes (all read-only; the one POST starts a verification, which sends nothing to the chain):

=====================================  ============================================================
``/``                                  every bounty of the factory
``/bounty/{address}``                  one bounty: timeline, terms, files, leaderboard, verify, events
``/bounty/{address}/submission/{id}``  one submission
``/bounty/{address}/file/{cid}``       a file of the bounty's record, from the store (checked by CID)
``/bounty/{address}/scores.svg``       the leaderboard plot
``/bounty/{address}/verify``           GET: the verify panel (HTML fragment); POST: start the job
``/address/{address}``                 what one address did in every bounty
``/api/status``, ``/api/bounty/{a}/status``  chain time, head, stages (what the page script polls)
``/static/...``                        the stylesheet and the script
=====================================  ============================================================

Errors are pages with one line and the status :mod:`.reader` chose (400 bad input, 404 unknown,
502 store, 503 node); anything unexpected is a 500 page naming the exception's type, with the
traceback in the server's log only.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
from contextlib import asynccontextmanager
from typing import Any

from . import reader
from .site import STATIC, Explorer, Links

__all__ = ["create_app", "run_server", "serve_in_thread", "ServerHandle"]

log = logging.getLogger("bounty_client.explorer")

#: Sent with every response: nothing but our own script and style runs, nothing frames the page.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class _SecurityHeaders:
    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(network: "str | None" = None, store: Any = None, factory: "str | None" = None, *,
               cache_size: int = 64, verify: bool = True) -> Any:
    """The explorer's ASGI app over ``network`` and ``store``.

    ``network``: an Ape network choice or node URL to connect to while the app runs (default
    ``$BOUNTY_NETWORK``; ``None``: the provider already connected, as under ``ape run``).
    ``store``: a store or its URL (default ``$BOUNTY_STORE`` or ``local:``).  ``factory``: whose
    bounties the list shows (default: the configured one, ``$BOUNTY_FACTORY`` among others).
    ``cache_size``: bounty views and plots kept in memory.  ``verify``: offer the Verify button.

    Under a real server: ``BOUNTY_NETWORK=http://127.0.0.1:8545 uvicorn --factory
    bounty_client.explorer:create_app``."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
    from starlette.background import BackgroundTask

    network = network if network is not None else os.environ.get("BOUNTY_NETWORK") or None
    if store is None:
        store = os.environ.get("BOUNTY_STORE") or "local:"
    if isinstance(store, str):
        store = reader.open_store(store)
    state: dict[str, Any] = {"explorer": Explorer(store, factory, cache_size=cache_size), "jobs": None}
    links = Links("server")

    def explorer() -> Explorer:
        return state["explorer"]

    def jobs() -> Any:
        if not verify:
            raise reader.NotFound("verification is turned off on this explorer")
        if state["jobs"] is None:
            from .jobs import VerifyJobs

            state["jobs"] = VerifyJobs(reader.verify_network(), str(store.url), explorer().reader.factory)
            explorer().jobs = state["jobs"]
        return state["jobs"]

    def page(html: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})

    # ---------------------------------------------------------------- pages
    def index(request: Request) -> Response:
        return page(explorer().list_page(links))

    def bounty(request: Request) -> Response:
        if verify:
            jobs()
        return page(explorer().bounty_page(request.path_params["address"], links))

    def submission(request: Request) -> Response:
        p = request.path_params
        return page(explorer().submission_page(p["address"], p["sid"], links))

    def address(request: Request) -> Response:
        return page(explorer().address_page(request.path_params["address"], links))

    def scores(request: Request) -> Response:
        return Response(explorer().plot(request.path_params["address"]), media_type="image/svg+xml",
                        headers={"cache-control": "no-cache"})

    def file(request: Request) -> Response:
        view = explorer().bounty(request.path_params["address"])
        cid = reader.parse_cid(request.path_params["cid"])
        entry = view.file(cid)
        if entry is None:
            raise reader.NotFound(f"{cid} is not a file of bounty {view.address}'s public record")
        tmp = tempfile.NamedTemporaryFile(prefix="explorer-", delete=False)
        tmp.close()
        try:
            explorer().reader.fetch(cid, tmp.name)  # streamed to disk, every block checked against the CID
        except BaseException:
            os.unlink(tmp.name)
            raise
        return FileResponse(tmp.name, media_type=entry.media_type, filename=entry.filename,
                            background=BackgroundTask(os.unlink, tmp.name),
                            headers={"x-ipfs-path": f"/ipfs/{cid}", "cache-control": "public, max-age=31536000, immutable"})

    def verify_panel(request: Request) -> Response:
        address = request.path_params["address"]
        if request.method == "POST":
            view = explorer().bounty(address)
            if not view.verifiable:
                raise reader.BadRequest(f"bounty {view.address} has no posted scores yet: nothing to verify")
            jobs().start(view.address, view.report_cid)
            if request.headers.get("x-explorer") != "fetch":  # a plain form: back to the page
                return RedirectResponse(links.bounty(view.address) + "#verify", status_code=303)
            return page(explorer().verify_panel(address, links), status=202)
        if verify:
            jobs()
        return page(explorer().verify_panel(address, links))

    def status(request: Request) -> Response:
        since = request.query_params.get("since")
        try:
            block = int(since) if since is not None else None
        except ValueError:
            raise reader.BadRequest(f"since={since[:20]!r} is not a block number") from None
        return JSONResponse(explorer().status(request.path_params.get("address"), block),
                            headers={"cache-control": "no-store"})

    def health(request: Request) -> Response:
        return Response("ok\n", media_type="text/plain")

    # ---------------------------------------------------------------- errors
    def error_response(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        try:
            return page(explorer().error_page(status, message, links), status=status)
        except Exception:  # noqa: BLE001 - the error page itself failed: plain text, still one line
            log.exception("error page failed")
            return Response(f"{status}: {message}\n", status_code=status, media_type="text/plain")

    async def view_error(request: Request, exc: Exception) -> Response:
        return error_response(request, getattr(exc, "status", 500), str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        message = {404: f"no page at {request.url.path[:200]}", 405: "method not allowed"}.get(
            status, str(getattr(exc, "detail", "")) or "error")
        return error_response(request, status, message)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("explorer: %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(request, 500, f"internal error ({type(exc).__name__}); the server's log has the details")

    @asynccontextmanager
    async def lifespan(app: Any):
        if network is None:
            yield
        else:
            with reader.connect(network):
                yield
        if state["jobs"] is not None:
            state["jobs"].close()

    routes = [
        Route("/", index),
        Route("/index.html", index),
        Route("/bounty/{address}", bounty),
        Route("/bounty/{address}/submission/{sid}", submission),
        Route("/bounty/{address}/file/{cid}", file),
        Route("/bounty/{address}/scores.svg", scores),
        Route("/bounty/{address}/verify", verify_panel, methods=["GET", "POST"]),
        Route("/address/{address}", address),
        Route("/api/status", status),
        Route("/api/bounty/{address}/status", status),
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        reader.ViewError: view_error, HTTPException: http_error, Exception: server_error})
    app.state.explorer = state["explorer"]
    app.add_middleware(_SecurityHeaders)
    return app


def run_server(app: Any = None, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning",
               **create_kwargs: Any) -> None:
    """Serve ``app`` (default ``create_app(**create_kwargs)``) with uvicorn until interrupted."""
    import uvicorn

    if app is None:
        app = create_app(**create_kwargs)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


class ServerHandle:
    """A server running in a thread (:func:`serve_in_thread`): ``url``, ``stop()``."""

    def __init__(self, server: Any, thread: threading.Thread, url: str):
        self.server, self.thread, self.url = server, thread, url

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> ServerHandle:
    """Serve ``app`` from a daemon thread on ``host:port`` (0: a free port); returns once it accepts."""
    import time

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level=log_level, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="explorer-server", daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        if not thread.is_alive() or time.time() > deadline:
            raise RuntimeError("the explorer server did not start")
        time.sleep(0.02)
    return ServerHandle(server, thread, f"http://{host}:{sock.getsockname()[1]}")

