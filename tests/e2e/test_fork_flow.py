"""The lifecycle on a fork of a chain where a factory is already deployed.

No live network is reachable here, so a second Anvil with ``--chain-id 1`` on a
loopback port stands in for Ethereum mainnet.  The configuration that aims
``ethereum:mainnet`` at it is written into a throw-away copy of the project:
the shipped ape-config.yaml never points a user's mainnet at localhost.
"""

import json
import shutil
import subprocess
import sys

import yaml

from e2e_support import ROOT, Anvil, cli_env, run_ape


def deploy_factory_on(url: str, home) -> str:
    code = (
        "import ape\n"
        "from bounty_client.chain import deploy_factory\n"
        f"with ape.networks.parse_network_choice({url!r}):\n"
        "    print(deploy_factory(ape.accounts.test_accounts[0]).address)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=cli_env(home), capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def forked_project(tmp_path, upstream_url: str, factory: str):
    project = tmp_path / "project"
    project.mkdir()
    for folder in ("contracts", "scripts"):
        shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__"))
    if (ROOT / ".build").is_dir():
        shutil.copytree(ROOT / ".build", project / ".build")
    config = yaml.safe_load((ROOT / "ape-config.yaml").read_text())
    config["node"] = {"ethereum": {"mainnet": {"uri": upstream_url}}}
    config.setdefault("foundry", {})["fork"] = {"ethereum": {"mainnet": {"upstream_provider": "node"}}}
    config["deployments"] = {"ethereum": {"mainnet": [{"contract_type": "BountyFactory", "address": factory}]}}
    (project / "ape-config.yaml").write_text(yaml.safe_dump(config))
    return project


def test_shipped_config__does_not_aim_mainnet_at_localhost():
    config = yaml.safe_load((ROOT / "ape-config.yaml").read_text())
    assert "node" not in config and "fork" not in (config.get("foundry") or {})


def test_lifecycle_on_a_mainnet_fork__uses_the_configured_factory(tmp_path, home):
    upstream = Anvil(chain_id=1, block_time=1)
    try:
        factory = deploy_factory_on(upstream.url, home)
        nonce = int(upstream.rpc("eth_getTransactionCount", ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "latest"]), 16)
        project = forked_project(tmp_path, upstream.url, factory)
        out = run_ape(["run", "lifecycle", "--network", "ethereum:mainnet-fork:foundry", "--participants", "2",
                       "--trials", "1", "--epochs", "1", "--search-epochs", "1", "--rows", "300", "--workers", "1",
                       "--min-accuracy", "0", "--no-progress"], home, cwd=project)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
        assert f"using BountyFactory at {factory} from configuration" in out.stdout
        assert "chain id 1)" in out.stdout
        summary = json.loads(out.stdout.strip().splitlines()[-1])
        assert summary["verify"] == "ok" and summary["winner"] is not None
        # everything happened on the fork: nothing was sent to the upstream chain
        assert int(upstream.rpc("eth_getTransactionCount", ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "latest"]),
                   16) == nonce
    finally:
        upstream.stop()
