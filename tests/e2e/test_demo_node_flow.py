"""The demo on a node that stays (issue 24): ``ape run lifecycle --network URL`` against an Anvil started
by hand, then the role commands find its bounty on that node; a live network is refused up front."""

import json
import shlex

from e2e_support import LiveNodeFacade, run_ape

SMALL = ["--participants", "2", "--trials", "1", "--epochs", "1", "--search-epochs", "1", "--rows", "300",
         "--workers", "1", "--seeds", "2", "--window-rows", "60", "--no-progress"]


def test_lifecycle_by_url__list_and_a_participants_verify_find_the_bounty(anvil, tmp_path):
    cli_home = tmp_path / "user"  # the user's own machine: one Ape data folder for every command
    out = run_ape(["run", "lifecycle", "--network", anvil.url, "--home", str(tmp_path / "demo"), *SMALL], cli_home)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    bounty, homes, store = summary["bounty"], summary["homes"], summary["store"]
    assert summary["verify"] == "ok" and summary["arbiter"] and summary["factory"]
    # It printed where each home is and the commands that carry on from them (the node stays up).
    assert f"BOUNTY_HOME={homes['alice']}" in out.stdout and f"--network {anvil.url}" in out.stdout
    assert set(homes) >= {"organizer", "alice", "bob"}

    # `list` finds the demo's factory (recorded in Ape's deployments for this chain) and its bounty.
    listed = run_ape(["run", "bounty", "list", "--json", "--network", anvil.url], cli_home)
    assert listed.returncode == 0, listed.stdout[-2000:] + listed.stderr[-2000:]
    rows = json.loads(listed.stdout.strip().splitlines()[-1])["bounties"]
    found = [r for r in rows if r["bounty"] == bounty]
    assert len(found) == 1 and found[0]["stage"] == "FINALIZED PRIZES" and found[0]["outcome"] == "PRIZES"

    # A participant, from its home, without the offline market's file: every score and the payout checked,
    # but the window's rows not compared with their source, so UNVERIFIED (exit 3), never OK.
    alone = run_ape(["run", "bounty", "verify", bounty, "--store", store, "--network", anvil.url], cli_home,
                    env={"BOUNTY_HOME": homes["alice"]})
    assert alone.returncode == 3, alone.stdout[-3000:] + alone.stderr[-3000:]
    assert json.loads(alone.stdout.strip().splitlines()[-1])["status"] == "unverified"

    # The verify command the demo printed (alice's home, the store, the market file): OK.
    line = next(x.strip() for x in out.stdout.splitlines() if " ape run bounty verify " in f" {x.strip()}")
    env_part, command = line.split(" ape ", 1)
    assert env_part == f"BOUNTY_HOME={homes['alice']}" and "--market-file" in command
    checked = run_ape(shlex.split(command), cli_home, env={"BOUNTY_HOME": homes["alice"]})
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    report = json.loads(checked.stdout.strip().splitlines()[-1])
    assert report["status"] == "ok" and report["bounty"] == bounty and len(report["submissions"]) == 2


def test_lifecycle_on_a_live_network__refused_before_any_transaction(anvil, tmp_path):
    """A node that is not a development node (here: the Anvil behind a facade that answers as Geth and
    refuses ``evm_*``) gets one line and no transaction: no nonce moves, no block is mined."""
    live = LiveNodeFacade(anvil)
    try:
        height = int(anvil.rpc("eth_blockNumber"), 16)
        out = run_ape(["run", "lifecycle", "--network", live.url, "--home", str(tmp_path / "demo"), *SMALL],
                      tmp_path / "user")
    finally:
        live.stop()
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "is not a local development node" in text and "Traceback" not in text
    assert int(anvil.rpc("eth_blockNumber"), 16) == height
    assert anvil.rpc("eth_getTransactionCount", ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "latest"]) == "0x0"
    assert live.dev_calls == []  # not even asked to move its clock
    assert not (tmp_path / "demo" / "organizer").exists()  # nothing written either
