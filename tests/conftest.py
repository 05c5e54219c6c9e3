"""Suite-wide order: the longest test files first.

`make test` runs the suite on every core with pytest-xdist, one test file per worker at a time
(``--dist loadfile``: a file's module fixtures and Ape's chain isolation stay in one process).
Files are handed out in collection order, so starting the few long end-to-end and Ray files
first keeps the workers busy until the end instead of leaving one long file running alone
(measured: 13 min 16 s sequential, 8 min 5 s on 2 workers before this ordering).  The order
inside each file is unchanged.

Tests that ask for one of Ape's chain fixtures (``accounts``, ``chain``, ``project``, ``networks``) are
marked ``chain``: ``make test-fast`` runs plain pytest without Ape's plugin and leaves them out.

Also the ``home`` fixture that the search and end-to-end tests share.
"""

import pytest

# Longest first (seconds measured with --durations on the 2-core machine, whole file).
LONG_FILES = (
    "tests/e2e/test_readme_workflow_future_flow.py",  # the README's block as printed: ~40 commands each
    "tests/e2e/test_readme_workflow_sealed_flow.py",
    "tests/e2e/test_role_command_mistakes_flow.py",
    "tests/e2e/test_two_machine_flow.py",   # ~110 s: about 40 `ape run bounty` processes
    "tests/e2e/test_role_commands_flow.py",  # ~100 s
    "tests/unit/ml/evaluation/ray/test_ray_backend.py",  # ~100 s
    "tests/e2e/test_lifecycle_flow.py",     # ~55 s
    "tests/browser/test_explorer_browser.py",  # ~130 s alone: real training, a jury, chromium, verify twice
    "tests/unit/explorer/test_export.py",   # two `ape run bounty explorer` processes
    "tests/unit/ml/evaluation/test_evaluation_runs.py",
    "tests/e2e/test_fork_flow.py",
    "tests/contracts/stateful/test_properties.py",
    "tests/e2e/test_notebook_flow.py",
    "tests/e2e/test_readme_flow.py",
    "tests/e2e/test_verify_flow.py",
    "tests/unit/protocol/test_settle.py",
    "tests/unit/explorer/test_routes.py",   # ~40 s alone: four bounties, a jury, 30 routes
    "tests/unit/record/test_views.py",
)


#: Ape's fixtures that need the chain (the Anvil `ape test` starts).
CHAIN_FIXTURES = {"accounts", "chain", "project", "networks"}


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
    for item in items:
        if CHAIN_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.chain)


@pytest.fixture(autouse=True)
def _own_deployments_record(tmp_path_factory, monkeypatch):
    """Factories recorded in a test (``record_factory``) go to a folder of that test's, not to Ape's data
    folder: an Anvil's genesis hash depends only on its start second, so a record from another test's (or
    the user's) chain could name whatever contract sits at that deterministic address on this one.
    Commands run as subprocesses have their own Ape data folder (``tests/support/e2e_support.py``)."""
    folder = tmp_path_factory.mktemp("deployments")
    monkeypatch.setattr("bounty_client.chain.project._deployments_file", lambda: folder / "BountyFactory.json")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private BOUNTY_HOME (vault, local IPFS store, search studies) for one test."""
    h = tmp_path / "home"
    monkeypatch.setenv("BOUNTY_HOME", str(h))
    monkeypatch.setenv("BOUNTY_STORE_DIR", str(h / "ipfs"))
    return h
