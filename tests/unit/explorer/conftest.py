"""The route tests' world on Ape's Anvil (no training): a trusted bounty, a judged one (a false score
corrected by an upheld challenge, a rejected challenge), one inside its challenge window with a challenge
open, and one taking submissions whose spec name is HTML (``explorer_world.build_routes``)."""

from __future__ import annotations


import pytest


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from explorer_world import build_routes, world_in

    home = tmp_path_factory.mktemp("explorer-home")
    with world_in(home, lambda store: build_routes(store, home)) as built:
        yield built


@pytest.fixture(scope="module")
def app(world):
    from bounty_client.explorer import create_app

    return create_app(store=world["store"], factory=world["factory"])


@pytest.fixture(scope="module")
def client(app):
    from starlette.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
