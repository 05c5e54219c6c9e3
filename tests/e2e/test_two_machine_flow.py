"""The README's two-machine workflow, with CLI commands only: an organizer and two participants,
each with their own BOUNTY_HOME (vault + local store), data moved by CAR files, time moved with
`advance`; three bounties (paid, cancelled, abandoned and claimed).  Every mistake on the way is
refused in one line and sends nothing (the account's nonce is unchanged)."""

import json

from e2e_support import run_ape

ACCOUNTS = {"TEST::0": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "TEST::1": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "TEST::2": "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"}
HP = {"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "relu", "loss": "binary_crossentropy",
      "dropout": 0.1, "learning_rate": 0.01}
# The organizer's price history: one folder of coinpaprika CSVs, used for all three bounties (a
# replay: the same files give the same CIDs, and the same hidden test set, which create warns about;
# `--synthetic-rows` would draw fresh prices from a secret seed every time).
OPTIONS = ["--epochs", "1", "--min-accuracy", "0"]


class Machine:
    """One person's computer: their own BOUNTY_HOME, commands against the shared node."""

    def __init__(self, anvil, home, account):
        self.anvil, self.home, self.account = anvil, home, account

    def run(self, *args, network=True):
        extra = ["--network", self.anvil.url] if network else []
        return run_ape(["run", "bounty", *args, *extra], self.home)

    def ok(self, *args):
        out = self.run(*args)
        assert out.returncode == 0, f"{args}: " + out.stdout[-2000:] + out.stderr[-3000:]
        return out.stdout

    def nonce(self):
        return int(self.anvil.rpc("eth_getTransactionCount", [ACCOUNTS[self.account], "latest"]), 16)

    def refused(self, expected, *args, network=True):
        """The command fails with one `Error:` line containing ``expected`` and sends nothing."""
        before = self.nonce()
        out = self.run(*args, network=network)
        assert out.returncode != 0, out.stdout[-2000:]
        assert "Traceback" not in out.stderr + out.stdout, out.stderr[-3000:]
        errors = [line for line in out.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1 and expected in errors[0], out.stderr[-2000:]
        assert self.nonce() == before
        return errors[0]


def created(stdout):
    return json.loads(stdout.strip().splitlines()[-1])["bounty"]


def test_two_machines__paid_cancelled_and_abandoned_bounties__with_cli_commands_only(anvil, tmp_path):
    from bounty_client.data import synthetic_prices, write_prices_dir

    prices = tmp_path / "organizer-prices"
    write_prices_dir(synthetic_prices(rows=300, seed=5), prices)
    SMALL = ["--data", str(prices), *OPTIONS]
    org = Machine(anvil, tmp_path / "organizer", "TEST::0")
    alice = Machine(anvil, tmp_path / "alice", "TEST::1")
    bob = Machine(anvil, tmp_path / "bob", "TEST::2")

    # ---- opening: every mistake is one line and sends nothing
    org.refused("no --network", "create", "--account", "TEST::0", *SMALL, "--deploy-factory", network=False)
    assert not (org.home / "vault").exists() or not list((org.home / "vault").rglob("*.json"))
    org.refused("--deploy-factory", "create", "--account", "TEST::0", *SMALL)
    org.refused("each split needs at least 20", "create", "--account", "TEST::0", "--synthetic-rows", "30",
                "--deploy-factory")
    out = org.ok("create", "--account", "TEST::0", *SMALL, "--deploy-factory")
    assert "data: 300 rows per coin\n" in out and "test" in out and "windows" in out
    b1 = created(out)
    listing = org.ok("list")
    assert b1 in listing and "in 23h59m" in listing
    org.ok("export", b1, "--out", str(tmp_path / "b1.car"))

    # ---- participants: no data until they import the organizer's CAR
    alice.refused("import the organizer's CAR file", "download", b1, str(tmp_path / "alice-data"))
    for who in (alice, bob):
        assert "complete and verified" in who.ok("import", b1, str(tmp_path / "b1.car"))
    best = tmp_path / "best.json"
    out = alice.ok("train", b1, "--hp", json.dumps([HP, {**HP, "lstm_units": 3}]), "--epochs", "1",
                   "--save-best", str(best))
    assert json.loads(best.read_text())["lstm_layers"] == 1
    assert "committed submission #0" in alice.ok("commit", b1, "--account", "TEST::1", "--hp", str(best))
    alice.refused("already committed these exact values as #0", "commit", b1, "--account", "TEST::1",
                  "--hp", str(best))
    bob.refused("no such file", "commit", b1, "--account", "TEST::2", "--hp", "hp.jsn")
    bob.refused("holds 2 configurations", "commit", b1, "--account", "TEST::2", "--hp", json.dumps([HP, HP]))
    assert "committed submission #1" in bob.ok("commit", b1, "--account", "TEST::2", "--hp",
                                                json.dumps({**HP, "lstm_units": 2}))
    org.refused("a submission was already committed", "cancel", b1, "--account", "TEST::0")

    # ---- reveal, evaluation, scores
    assert "stage REVEAL" in org.ok("advance", b1, "--to", "reveal")
    alice.ok("reveal", b1, "--account", "TEST::1")
    bob.ok("reveal", b1, "--account", "TEST::2")
    org.ok("advance", b1, "--to", "evaluation")
    org.ok("reveal-test", b1, "--account", "TEST::0")
    org.refused("does not exist", "evaluate", b1, "--out", str(tmp_path / "missing" / "r.json"))
    report = tmp_path / "r.json"
    org.ok("evaluate", b1, "--out", str(report), "--workers", "1")
    forged = json.loads(report.read_text())
    forged["data"]["test_cid"] = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
    (tmp_path / "other.json").write_text(json.dumps(forged))
    org.refused("made for another bounty", "post-scores", b1, "--account", "TEST::0",
                "--report", str(tmp_path / "other.json"))
    org.ok("post-scores", b1, "--account", "TEST::0", "--report", str(report))
    board = org.ok("leaderboard", b1)
    assert "baseline" in board and "qualifies" in board and "prize_eth" in board
    assert "scored" in org.ok("status", b1)
    out = org.ok("finalize", b1, "--account", "TEST::0")
    assert "gets 1 ETH: prize" in out
    (line,) = [line for line in out.splitlines() if "gets 1 ETH: prize" in line]
    winner = alice if line.startswith(ACCOUNTS[alice.account]) else bob
    # the prize and the winner's own commit deposit, back on reveal
    out = winner.ok("withdraw", b1, "--account", winner.account)
    assert "withdrew 1.01 ETH" in out and "gets 1 ETH: prize" in out

    # ---- a second bounty, cancelled before any commit (the factory is found, not redeployed)
    out = org.run("create", "--account", "TEST::0", *SMALL)
    assert out.returncode == 0 and "WARNING: this data gives the same hidden test set" in out.stderr
    b2 = created(out.stdout)
    assert "refund of the reward" in org.ok("cancel", b2, "--account", "TEST::0")

    # ---- a third bounty, abandoned by the organizer: anyone finalizes, participants claim
    b3 = created(org.ok("create", "--account", "TEST::0", *SMALL))
    alice.ok("import", b3, str(tmp_path / "b1.car"))  # same data: the same CIDs
    alice.ok("commit", b3, "--account", "TEST::1", "--hp", json.dumps(HP))
    alice.ok("advance", b3, "--to", "reveal")
    alice.ok("reveal", b3, "--account", "TEST::1")
    bob.refused("already reached", "advance", b3, "--to", "reveal")
    bob.ok("advance", b3, "--to", "expired")
    out = bob.ok("finalize", b3, "--account", "TEST::2")
    assert "SHARED" in out and "burned bond" in out and "collect" in out
    # claims are paid at once (the deposit and the share); there is no credit left to withdraw
    assert "claimed 1.01 ETH for submission(s) #0 (paid at once)" in alice.ok("collect", b3, "--account", "TEST::1")
    alice.refused("nothing to collect", "collect", b3, "--account", "TEST::1")
