"""`ape run bounty ...` as users run it: separate processes against one Anvil node.

Each command is a new process, so a reveal here is always a reveal "after a
restart": it only works because the salt and values were saved before the
commit transaction was sent.
"""

import json

import pytest

from e2e_support import run_ape

HP = {"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "relu", "loss": "binary_crossentropy",
      "dropout": 0.1, "learning_rate": 0.01}
DAY = 86_400


def bounty_cmd(anvil, home, *args):
    return run_ape(["run", "bounty", *args, "--network", anvil.url], home)


def nonce(anvil, index):
    addresses = ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]
    return int(anvil.rpc("eth_getTransactionCount", [addresses[index], "latest"]), 16)


@pytest.fixture
def created(anvil, home):
    # 100 submissions: the evaluation window (a day) must fit 100 worst-case re-trainings (the budget check).
    out = bounty_cmd(anvil, home, "create", "--account", "TEST::0", "--synthetic-rows", "400", "--epochs", "1",
                     "--deploy-factory", "--reward", "1 ether", "--min-accuracy", "0", "--max-submissions", "100")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    created = json.loads(out.stdout.strip().splitlines()[-1])
    return created["bounty"]


def test_list_and_download__find_the_bounty_and_its_verified_data(anvil, home, created, tmp_path):
    status = bounty_cmd(anvil, home, "status", created)
    assert "stage SUBMISSION" in status.stdout
    out = bounty_cmd(anvil, home, "download", created, str(tmp_path / "data"))
    assert out.returncode == 0 and "wrote 4 CSV files and spec.json" in out.stdout, out.stderr[-2000:]
    names = sorted(p.name for p in (tmp_path / "data").iterdir())
    assert names == ["BCH-USD.csv", "BTC-USD.csv", "ETH-USD.csv", "LTC-USD.csv", "spec.json"]
    spec = json.loads((tmp_path / "data" / "spec.json").read_text())
    assert spec["target"] == "LTC" and spec["protocol"]["epochs"] == 1
    from bounty_client.data import read_prices_dir

    assert set(read_prices_dir(tmp_path / "data")) == {"BCH", "BTC", "ETH", "LTC"}


def test_commit_then_reveal_in_a_new_process__uses_the_saved_salt(anvil, home, created):
    out = bounty_cmd(anvil, home, "commit", created, "--account", "TEST::1", "--hp", json.dumps(HP))
    assert out.returncode == 0 and "committed submission #0" in out.stdout, out.stderr[-2000:]
    saved = list((home / "vault").rglob("*.json"))
    assert len(saved) == 2  # the organizer's test-set secret and alice's submission

    early = bounty_cmd(anvil, home, "reveal", created, "--account", "TEST::1")
    assert early.returncode == 1
    assert "is in stage SUBMISSION" in early.stderr + early.stdout
    assert "reveal needs REVEAL, which opens at" in early.stderr + early.stdout

    anvil.travel(DAY + 1)
    late = bounty_cmd(anvil, home, "commit", created, "--account", "TEST::1", "--hp", json.dumps(HP))
    assert late.returncode == 1 and "is in stage REVEAL" in late.stderr + late.stdout

    out = bounty_cmd(anvil, home, "reveal", created, "--account", "TEST::1")
    assert out.returncode == 0 and "revealed submission(s) #0" in out.stdout, out.stderr[-2000:]
    status = bounty_cmd(anvil, home, "status", created)
    assert "1/100 committed, 1 revealed" in status.stdout
    again = bounty_cmd(anvil, home, "reveal", created, "--account", "TEST::1")
    assert again.returncode == 1 and "nothing to reveal" in again.stderr + again.stdout


@pytest.mark.parametrize(
    "hp,message",
    [
        ({**HP, "lstm_units": 2000}, "lstm_units: 2000 is out of range [1, 1024]"),
        ({**HP, "activation": "softmax"}, "activation: 'softmax' is not allowed"),
        ({**HP, "optimizer": "sgd"}, "optimizer: unknown hyperparameter"),
    ],
)
def test_commit__bad_hyperparameters__refused_before_sending(anvil, home, created, hp, message):
    before = nonce(anvil, 1)
    out = bounty_cmd(anvil, home, "commit", created, "--account", "TEST::1", "--hp", json.dumps(hp))
    assert out.returncode == 1 and message in out.stderr + out.stdout
    assert nonce(anvil, 1) == before
    assert not list((home / "vault").rglob("submissions/*.json"))


def test_create__bad_arguments__refused_before_sending(anvil, home):
    before = nonce(anvil, 0)
    out = bounty_cmd(anvil, home, "create", "--account", "TEST::0", "--synthetic-rows", "400",
                     "--prize-shares", "6000,3000", "--deploy-factory")
    assert out.returncode == 1 and "prize_shares" in out.stderr + out.stdout
    out = bounty_cmd(anvil, home, "create", "--account", "TEST::0", "--synthetic-rows", "400", "--target", "DOGE", "--deploy-factory")
    assert out.returncode == 1 and "DOGE" in out.stderr + out.stdout
    out = bounty_cmd(anvil, home, "create", "--account", "TEST::0", "--synthetic-rows", "400", "--epochs", "1",
                     "--evaluation-period", "600", "--deploy-factory")  # cannot re-train 100 worst-case submissions in 10 minutes
    assert out.returncode == 1 and "evaluation_period: too short" in out.stderr + out.stdout
    assert nonce(anvil, 0) == before


def test_finalize_and_post_scores__wrong_stage__say_when(anvil, home, created):
    out = bounty_cmd(anvil, home, "finalize", created, "--account", "TEST::0")
    assert out.returncode == 1
    assert "is in stage SUBMISSION" in out.stderr + out.stdout and "opens at" in out.stderr + out.stdout


def assert_one_line_error(out, expected):
    """Exit status 1 and the client's message as Click's one-line error: no traceback."""
    assert out.returncode == 1, out.stdout[-2000:] + out.stderr[-2000:]
    assert "Traceback" not in out.stderr + out.stdout, out.stderr[-3000:]
    errors = [line for line in out.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and expected in errors[0], out.stderr[-2000:]


def test_reveals__empty_home__say_the_secret_is_missing_in_one_line(anvil, home, created, tmp_path):
    out = bounty_cmd(anvil, home, "commit", created, "--account", "TEST::1", "--hp", json.dumps(HP))
    assert out.returncode == 0, out.stderr[-2000:]
    anvil.travel(DAY + 1)
    empty = str(tmp_path / "empty-home")
    before = nonce(anvil, 0), nonce(anvil, 1)
    assert_one_line_error(bounty_cmd(anvil, home, "reveal", created, "--account", "TEST::1", "--home", empty),
                          "nothing to reveal")
    anvil.travel(DAY)  # test data is accepted only from the reveal deadline on
    assert_one_line_error(bounty_cmd(anvil, home, "reveal-test", created, "--account", "TEST::0", "--home", empty),
                          "no saved secret at")
    assert (nonce(anvil, 0), nonce(anvil, 1)) == before


def test_download_and_status__unknown_cid_or_address__say_so_in_one_line(anvil, home, created, tmp_path):
    empty_store = f"local:{tmp_path / 'empty-store'}"
    out = bounty_cmd(anvil, home, "download", created, str(tmp_path / "data"), "--store", empty_store)
    assert_one_line_error(out, "is not in the store at")
    assert not (tmp_path / "data").exists()
    bad = bounty_cmd(anvil, home, "status", "0x1234")  # a usage error naming the argument, before the chain is asked
    assert bad.returncode == 2 and "Invalid value for 'BOUNTY': '0x1234' is not an Ethereum address" in bad.stderr
    assert_one_line_error(bounty_cmd(anvil, home, "status", "0x" + "12" * 20), "no contract at")


def test_search__runs_a_resumable_optuna_study_and_commits_the_best(anvil, home, created):
    """`ape run bounty search`: trials on the public data, the study saved under the home, a second
    run continues its numbering, `--commit` seals the preflighted best (vault record first)."""
    args = ("search", created, "--account", "TEST::1", "--epochs", "1", "--seeds", "1", "--folds", "2")
    out = bounty_cmd(anvil, home, *args, "--trials", "1")
    assert out.returncode == 0, out.stderr[-3000:]
    studies = list((home / "studies").glob("*.log"))
    assert len(studies) == 1
    before = nonce(anvil, 1)
    out = bounty_cmd(anvil, home, *args, "--trials", "1", "--commit")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "committed the best as submission #0" in out.stdout
    assert nonce(anvil, 1) == before + 1
    assert len(list((home / "vault").rglob("*.json"))) == 2  # test-set secret + the committed submission
    bad = bounty_cmd(anvil, home, "search", created, "--account", "TEST::1")
    assert bad.returncode != 0 and "--trials" in bad.stderr
    # a malformed duration is named before the bounty is looked up on chain (there is none here)
    bad = bounty_cmd(anvil, home, "search", "0x" + "12" * 20, "--account", "TEST::1", "--timeout", "soon")
    # (a usage error, exit status 2, as Click gives for every bad option value: one Error line naming it)
    errors = [line for line in bad.stderr.splitlines() if line.startswith("Error: ")]
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and len(errors) == 1, bad.stderr[-2000:]
    assert "Invalid value for '--timeout': duration 'soon': use a number of seconds or 90s, 30m, 2h, 1d" in errors[0]
    bad = bounty_cmd(anvil, home, "search", "0x" + "12" * 20, "--account", "TEST::1", "--trials", "0")
    assert bad.returncode == 2 and "Invalid value for '--trials': 0 is not in the range x>=1" in bad.stderr
