"""Every mistake issue 23 lists, made from the role commands as a new user makes them: each ends in one
`Error:` line (no traceback) that names what is wrong, and sends nothing.  Then an abandoned future-window
bounty: finalize says who collects what, status names the burned bond, verify checks the shared payout."""

import json
import re

from e2e_support import free_port, run_ape

ACCOUNTS = {"TEST::0": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "TEST::1": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "TEST::2": "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"}
HP = json.dumps({"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "relu",
                 "loss": "binary_crossentropy"})


class Machine:
    def __init__(self, anvil, home, account):
        self.anvil, self.home, self.account = anvil, home, account

    def run(self, *args, network=True):
        extra = ["--network", self.anvil.url] if network else []
        return run_ape(["run", "bounty", *args, *extra], self.home)

    def ok(self, *args, network=True):
        out = self.run(*args, network=network)
        assert out.returncode == 0, f"{args}: " + out.stdout[-2000:] + out.stderr[-3000:]
        assert "Traceback" not in out.stderr and not re.search(r"^(INFO|SUCCESS):", out.stderr, re.M), out.stderr
        return out.stdout

    def nonce(self):
        return int(self.anvil.rpc("eth_getTransactionCount", [ACCOUNTS[self.account], "latest"]), 16)

    def refused(self, expected, *args, network=True, status=1):
        """One `Error:` line containing ``expected``, no traceback, exit ``status``, nothing sent."""
        before = self.nonce()
        out = self.run(*args, network=network)
        assert out.returncode == status, out.stdout[-2000:] + out.stderr[-2000:]
        assert "Traceback" not in out.stderr + out.stdout, out.stderr[-3000:]
        errors = [line for line in out.stderr.splitlines() if line.startswith("Error")]
        assert len(errors) == 1 and expected in errors[0], out.stderr[-2000:]
        assert self.nonce() == before
        return errors[0]


def test_each_mistake_is_one_line__and_an_abandoned_future_bounty_settles_and_verifies(anvil, tmp_path):
    org = Machine(anvil, tmp_path / "organizer", "TEST::0")
    alice = Machine(anvil, tmp_path / "alice", "TEST::1")
    bob = Machine(anvil, tmp_path / "bob", "TEST::2")

    # ---- before any bounty: the network, the data folder, a typo
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    line = org.refused("cannot use --network", "status", "0x" + "12" * 20, "--network", dead, network=False)
    assert "is the node running?" in line
    org.refused("Directory 'prices/' does not exist", "create", "--account", "TEST::0", "--data", "prices/",
                status=2)
    line = org.refused("unknown command 'comit'; did you mean commit?", "comit", network=False, status=2)
    assert "compile" not in line

    # ---- a future-window bounty from the role commands, periods as durations
    out = org.ok("create", "--account", "TEST::0", "--test-mode", "future", "--rows", "300", "--window-rows", "60",
                 "--epochs", "1", "--submission-period", "1h", "--reveal-period", "30m", "--deploy-factory")
    b = json.loads(out.strip().splitlines()[-1])["bounty"]
    assert "test data: future window" in out
    assert re.search(r"submissions close \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (59m\d\ds|1h00m)\)", out), out
    # a read without --network looked at Ape's throwaway node: it says so
    line = org.refused("on the throwaway local node Ape started because no --network was given", "status", b,
                       network=False)
    assert "pass the bounty's network" in line
    assert "no score posted for" in org.ok("leaderboard", b) and "Empty DataFrame" not in org.ok("leaderboard", b)
    assert json.loads(org.ok("status", b, "--json"))["stage"] == "SUBMISSION"
    assert json.loads(org.ok("leaderboard", b, "--json"))["rows"] == []
    listed = json.loads(org.ok("list", "--json"))["bounties"]
    assert [x["bounty"] for x in listed] == [b] and listed[0]["name"] == "bounty" and listed[0]["outcome"] == "NONE"
    org.ok("export", b, "--out", str(tmp_path / "b.car"))

    # ---- a second bounty (sealed): its CAR is not the first one's record; cancelled twice; withdrawn twice
    out = org.ok("create", "--account", "TEST::0", "--test-mode", "sealed", "--rows", "300", "--epochs", "1")
    b2 = json.loads(out.strip().splitlines()[-1])["bounty"]
    assert "data: 300 rows per coin\n" in out and "0 dropped" not in out  # no "0 dropped (timestamps missing...)"
    org.ok("export", b2, "--out", str(tmp_path / "b2.car"))
    line = alice.refused(f"does not hold the record of {b}", "import", b, str(tmp_path / "b2.car"))
    assert "ask the organizer for a fresh one" in line and "import the organizer's CAR" not in line
    org.ok("cancel", b2, "--account", "TEST::0")
    org.refused("is already cancelled", "cancel", b2, "--account", "TEST::0")
    status = org.ok("status", b2)
    assert "deadlines were:" in status and "(in " not in status and "next: nothing: the bounty is cancelled" in status
    first = org.ok("withdraw", b2, "--account", "TEST::0")
    assert "withdrew 2 ETH" in first and "refund of the reward" in first and "bond back" in first
    org.refused("nothing to withdraw", "withdraw", b2, "--account", "TEST::0")

    # ---- participants: a commit, then a reveal from another home, a search too late
    alice.ok("import", b, str(tmp_path / "b.car"))
    assert "committed submission #0" in alice.ok("commit", b, "--account", "TEST::1", "--hp", HP)
    org.ok("advance", b, "--to", "reveal")
    line = bob.refused("unrevealed commitment(s) #0", "reveal", b, "--account", "TEST::1")
    assert "their salts are not in this vault" in line and "--home" in line
    alice.refused("cannot search: submissions to", "search", b, "--account", "TEST::1", "--trials", "1")
    alice.ok("reveal", b, "--account", "TEST::1")

    # ---- evaluation: messages name commands; the window's rows do not exist yet
    org.ok("advance", b, "--to", "evaluation")
    line = org.refused("cannot evaluate", "evaluate", b, "--out", str(tmp_path / "r.json"))
    assert "_test" not in line and "_randomness" not in line
    org.refused("test window", "post-test-data", b, "--account", "TEST::0")
    out = bob.ok("draw-randomness", b, "--account", "TEST::2")
    assert re.search(r"randomness 0x[0-9a-f]{64} drawn on-chain", out)
    bob.refused("already drawn", "draw-randomness", b, "--account", "TEST::2")

    # ---- the organizer walks away: anyone finalizes; the reward is shared, the bond burned
    org.ok("advance", b, "--to", "expired")
    out = bob.ok("finalize", b, "--account", "TEST::2")
    assert "outcome SHARED" in out and "claim (their share and deposit" in out and "collect" in out
    assert "burned bond (nobody can withdraw it)" in out
    out = alice.run("verify", b, "--network", anvil.url, network=False)
    assert out.returncode == 0 and "verify: OK" in out.stdout and "no test data was posted" in out.stdout, \
        out.stdout[-2000:] + out.stderr[-2000:]
    out = alice.ok("collect", b, "--account", "TEST::1")
    assert "claimed 1.01 ETH for submission(s) #0 (paid at once)" in out
    alice.refused("nothing to collect", "collect", b, "--account", "TEST::1")
