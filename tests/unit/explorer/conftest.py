"""The route tests' world on Ape's Anvil (no training): a trusted bounty, a judged one (a false score
corrected by an upheld challenge, a rejected challenge), one inside its challenge window with a challenge
open, and one taking submissions whose spec name is HTML (``explorer_world.build_routes``)."""

from __future__ import annotations

import contextlib
import io
import os

import pytest


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from explorer_world import build_routes

    from bounty_client.storage import LocalStore

    home = tmp_path_factory.mktemp("explorer-home")
    saved = {k: os.environ.get(k) for k in ("BOUNTY_HOME", "BOUNTY_STORE_DIR")}
    os.environ.update(BOUNTY_HOME=str(home), BOUNTY_STORE_DIR=str(home / "ipfs"))
    store = LocalStore(home / "ipfs")
    with contextlib.redirect_stdout(io.StringIO()):
        built = build_routes(store, home)
    built.update(store=store, home=home)
    yield built
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def app(world):
    from bounty_client.explorer import create_app

    return create_app(store=world["store"], factory=world["factory"])


@pytest.fixture(scope="module")
def client(app):
    from starlette.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
