"""The whole lifecycle on Anvil: balances, the winner, verify; real data folders; bad input."""

import json
import re

import pytest
from ape import accounts, chain

from bounty_client.chain import Bounty, Outcome, Stage
from bounty_client.data import DataError, synthetic_prices, write_prices_dir
from bounty_client.cli.lifecycle import LifecycleConfig, run_lifecycle
from bounty_client.protocol.seeds import evaluation_seeds

from e2e_support import run_ape

SMALL = dict(participants=2, trials=1, epochs=1, search_epochs=1, rows=400, workers=1, progress=False,
             min_accuracy=0, seeds=2, window_rows=60)
KEYS = {"bounty", "winner", "winning_score_bps", "reward_paid_eth", "submissions", "verify", "test_mode",
        "test_window", "submission_deadline", "seeds", "metric", "factory", "arbiter", "challenges", "rulings",
        "organizer_net_eth", "homes", "store"}


def _before(lines: list[str], marker: str) -> str:
    """The output up to (not including) the first line that contains ``marker``."""
    index = next(i for i, line in enumerate(lines) if marker in line)
    return "\n".join(lines[:index])


def test_lifecycle__pays_the_winner_and_verifies(home):
    people = accounts.test_accounts[:3]
    before = [int(a.balance) for a in people]
    lines = []
    summary = run_lifecycle(LifecycleConfig(**SMALL, reward="2 ether"), say=lines.append)

    bounty = Bounty.at(summary["bounty"])
    st = bounty.status()
    assert st.stage == Stage.FINALIZED and st.outcome == Outcome.PRIZES
    assert st.submission_count == st.revealed_count == st.scored_count == 2
    assert int(chain.provider.get_balance(bounty.address)) == 0  # everything withdrawn
    winner_id, winner_score = st.ranking[0]
    assert summary["winner"] == dict(bounty.commits())[winner_id]  # (a paid winner's record is cleared)
    assert summary["winning_score_bps"] == winner_score
    assert summary["reward_paid_eth"] == 2.0 and summary["verify"] == "ok"
    # the organizer paid 2 ETH (+gas); the winner gained 2 ETH (- its own gas)
    after = {a.address: int(a.balance) for a in people}
    assert before[0] - after[people[0].address] > 2 * 10**18
    gained = after[summary["winner"]] - before[[a.address for a in people].index(summary["winner"])]
    assert 2 * 10**18 - 10**16 < gained < 2 * 10**18
    text = "\n".join(lines)
    for stage in ("[1/7] Preprocessing", "[2/7] Initialization", "[3/7] Submission", "[4/7] Reveal",
                  "[5/7] Evaluation", "[6/7] Challenge window", "[7/7] Final", "verify: OK", "How to read this",
                  "every score on record confirmed"):
        assert stage in text
    # An honest organizer: nothing challenged, and it pays the reward (plus gas), nothing more.
    assert summary["challenges"] == [] and summary["rulings"] == [] and summary["arbiter"]
    assert -2.01 < summary["organizer_net_eth"] < -2.0
    # The future-window story: a window opening at the reveal deadline, seeds from the drawn randomness.
    creation = bounty.creation()
    assert set(summary) >= KEYS and summary["test_mode"] == "future" and summary["metric"] == "balanced_accuracy"
    start, end = summary["test_window"]
    assert creation.reveal_deadline <= start < end == creation.test_data_after
    assert summary["submission_deadline"] == creation.submission_deadline
    assert summary["seeds"] == evaluation_seeds(bytes(bounty.contract.randomness()), 2)
    test_cid = bounty.revealed_test_data()[0]
    assert test_cid not in _before(lines, "posted the window's rows")


def test_lifecycle__dishonest_organizer__challenged_overturned_and_worse_off(home):
    """``--dishonest-organizer``: the organizer posts 9999 for its sock (account 6); alice's re-run finds it,
    she challenges, three jurors re-run and rule, the score is replaced, and the true winner is paid. The
    organizer and its sock together lose more than the reward (the challenger is paid from the bond)."""
    sock = accounts.test_accounts[6]
    lines: list[str] = []
    summary = run_lifecycle(LifecycleConfig(**SMALL, reward="2 ether", dishonest_organizer=True), say=lines.append)
    bounty = Bounty.at(summary["bounty"])
    sock_id = bounty.commits(submitter=sock.address)[0][0]
    [challenge] = summary["challenges"]
    assert challenge["key"] == sock_id and challenge["posted_bps"] == 9_999
    assert challenge["challenger"] == accounts.test_accounts[1].address
    [ruling] = summary["rulings"]
    assert ruling == {"key": sock_id, "ruling_bps": challenge["claimed_bps"], "upheld": True}
    true = bounty.scores_on_record()
    assert true[sock_id] == challenge["claimed_bps"] < 9_999
    # The true winner (ties to the earlier commit) is paid: the sock only if its true score wins, which a
    # constant guess's 5000 bps may against tiny models trained for an epoch; never for its forged 9999.
    best = max(true, key=lambda i: (true[i], -i))
    assert summary["winner"] == dict(bounty.commits())[best]
    assert summary["verify"] == "ok" and summary["reward_paid_eth"] == 2.0
    honest = 0.0 if best == sock_id else -2.0  # the coalition's result had the organizer posted the truth
    assert summary["organizer_net_eth"] < honest - 0.1  # worse by the challenger's reward from its bond
    assert bounty.status().stage == Stage.FINALIZED and int(chain.provider.get_balance(bounty.address)) == 0
    text = "\n".join(lines)
    assert f"the organizer posted 9999 bps for its sock #{sock_id}" in text and "ruling: " in text


def test_lifecycle__no_jury__says_there_is_no_challenge_window(home):
    lines: list[str] = []
    summary = run_lifecycle(LifecycleConfig(**SMALL, jury=False), say=lines.append)
    assert summary["arbiter"] is None and summary["verify"] == "ok" and summary["challenges"] == []
    assert any(line.strip().startswith("[6/7] Challenge window: none") for line in lines)
    with pytest.raises(ValueError, match="--dishonest-organizer needs the jury"):
        run_lifecycle(LifecycleConfig(**SMALL, jury=False, dishonest_organizer=True), say=lambda _: None)


def test_lifecycle__original_sized_csv_folder_reaches_a_winner(home, tmp_path):
    """About 210 rows per coin, headerless SYMBOL-USD.csv files, as the original project exported."""
    folder = tmp_path / "prices"
    write_prices_dir(synthetic_prices(rows=210, seed=3), folder)
    cfg = LifecycleConfig(**{**SMALL, "min_accuracy": 0}, data_dir=str(folder), target="LTC", seq_len=10,
                          future_period=3)
    lines: list[str] = []
    summary = run_lifecycle(cfg, say=lines.append)
    assert summary["winner"] is not None and summary["verify"] == "ok"
    assert summary["test_mode"] == "sealed" and summary["test_window"] is None and len(summary["seeds"]) == 2
    assert "REPLAY" in "\n".join(lines)
    # Sealed: neither the hidden CID nor any statistic of the hidden part is printed before the reveal.
    hidden_cid = Bounty.at(summary["bounty"]).revealed_test_data()[0]
    early = _before(lines, "[5/7] Evaluation")
    assert hidden_cid not in early and not re.search(r"^\s*test\s+\d", early, re.MULTILINE)  # no test-split row
    assert re.search(r"^\s*train\s+\d", early, re.MULTILINE)  # (the public rows of the summary are there)


def test_lifecycle__too_short_data__stops_before_any_transaction(home, tmp_path):
    folder = tmp_path / "short"
    write_prices_dir(synthetic_prices(rows=20, seed=3), folder)
    nonce = accounts.test_accounts[0].nonce
    height = chain.blocks.height
    with pytest.raises(DataError, match=r"rows"):
        run_lifecycle(LifecycleConfig(**SMALL, data_dir=str(folder), seq_len=10, future_period=3),
                      say=lambda _: None)
    assert accounts.test_accounts[0].nonce == nonce and chain.blocks.height == height


@pytest.mark.parametrize(
    "option,value,message",
    [("participants", 0, "--participants"), ("min_accuracy", 10_001, "--min-accuracy"), ("epochs", 0, "--epochs")],
)
def test_lifecycle__bad_option__names_it(home, option, value, message):
    with pytest.raises(ValueError, match=message):
        run_lifecycle(LifecycleConfig(**{**SMALL, option: value}), say=lambda _: None)


def test_ape_run_lifecycle__cli_ends_with_a_json_summary(home):
    out = run_ape(["run", "lifecycle", "--participants", "2", "--trials", "1", "--epochs", "1",
                   "--search-epochs", "1", "--rows", "300", "--workers", "2", "--min-accuracy", "0",
                   "--seeds", "2", "--window-rows", "60", "--no-progress"], home)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(summary) >= KEYS and summary["test_mode"] == "future" and len(summary["seeds"]) == 2
    assert summary["submissions"] == 2 and summary["verify"] == "ok" and summary["reward_paid_eth"] == 10.0
    # what `make demo` prints is ours: no TensorFlow/absl/oneDNN/cuda, pydantic or Ray start-up noise,
    # neither from the participants' search in this process nor from the evaluation workers
    from bounty_client.quiet import is_noise

    noise = [line for line in (out.stdout + out.stderr).splitlines() if is_noise(line)]
    assert not noise, noise[:5]
