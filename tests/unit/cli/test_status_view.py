"""What `status`, `leaderboard` and `withdraw` say, from pure snapshots: the test mode, deadlines in one format,
none after a bounty closed, the burned bond named, the ranking by place, what happens next and who may do it,
a baseline that is not ranked, and only the credits a withdrawal pays."""

import re
import json
from types import SimpleNamespace

import pytest

from bounty_client.chain import BountyStatus
from bounty_client.protocol.settlement import Credit
from bounty_client.protocol.wire import CreditReason, Outcome, Stage

NOW = 1_800_000_000
ORG, ALICE, BOB = "0x" + "cd" * 20, "0x" + "a1" * 20, "0x" + "b0" * 20
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \((in \w+|\w+ ago|now)\)")


def status(**kw):
    base = dict(address="0x" + "ab" * 20, stage=Stage.EVALUATION, outcome=Outcome.NONE, now=NOW, organizer=ORG,
                reward=10**18, balance=2 * 10**18, submission_deadline=NOW - 7_200, reveal_deadline=NOW - 60,
                evaluation_deadline=NOW + 86_399, min_accuracy=5500, max_submissions=10, commit_deposit=0,
                prize_shares=(10_000,), submission_count=2, revealed_count=2, scored_count=0, test_revealed=False,
                bond=10**18)
    return BountyStatus(**{**base, **kw})


def test_status__future_window__names_the_mode_and_window_not_a_sealed_set():
    text = repr(status(test_mode="future", test_window=(NOW + 600, NOW + 60_000)))
    assert "test data: future window" in text and "sealed" not in text
    assert "the organizer: post-test-data once the window closes" in text
    sealed = repr(status())
    assert "test data: sealed set, committed at creation" in sealed
    assert "the organizer: post-test-data now" in sealed and "anyone may draw-randomness" in sealed


def test_status__deadlines_in_one_format__and_the_ranking_by_place_not_by_id():
    text = repr(status(scored_count=2, test_revealed=True, ranking=[(2, 5389), (0, 5100)],
                       scores={0: 5100, 2: 5389}))
    deadlines = [line for line in text.splitlines() if "close" in line and "UTC" in line]
    assert len(deadlines) == 3 and all(TIME.search(line) for line in deadlines)
    assert "ranking: 1. submission #2 (5389 bps), 2. submission #0 (5100 bps)" in text
    assert "#2 5389 bps" not in text.split("ranking:")[1].split("\n")[0]  # no id read as a place


def test_status__cancelled__no_countdown_and_nothing_to_do():
    text = repr(status(stage=Stage.CANCELLED, outcome=Outcome.CANCELLED, submission_deadline=NOW + 80_000,
                       reveal_deadline=NOW + 160_000, evaluation_deadline=NOW + 240_000))
    assert "(in " not in text and "deadlines were:" in text
    assert "next: nothing: the bounty is cancelled" in text


def test_status__abandoned_and_shared__the_balance_left_is_the_burned_bond__participants_collect():
    st = status(stage=Stage.FINALIZED, outcome=Outcome.SHARED, balance=10**18, bond=10**18)
    text = repr(st)
    assert "balance 1 ETH, of which 1 ETH is the organizer's burned bond (nobody can withdraw it)" in text
    assert "revealed participants: claim (their share and deposit, paid at once), then withdraw" in text
    assert st.to_dict()["burned"] == 10**18
    assert status(stage=Stage.FINALIZED, outcome=Outcome.PRIZES).burned == 0


@pytest.mark.parametrize("kw, expected", [
    (dict(stage=Stage.SUBMISSION, submission_deadline=NOW + 100, reveal_deadline=NOW + 200,
          evaluation_deadline=NOW + 300, submission_count=0, revealed_count=0), "the organizer may cancel"),
    (dict(stage=Stage.REVEAL, submission_deadline=NOW - 1, reveal_deadline=NOW + 200), "committers: reveal"),
    (dict(test_revealed=True, scored_count=1), "the organizer: evaluate, then post-scores (1 of 2 scored"),
    (dict(test_revealed=True, scored_count=2), "the organizer may finalize now; anyone may from"),
    (dict(stage=Stage.EXPIRED, evaluation_deadline=NOW - 1), "anyone may finalize now (test data or scores are missing"),
    (dict(stage=Stage.CHALLENGE, test_revealed=True, scored_count=2, arbiter="0x" + "11" * 20,
          challenge_deadline=NOW + 500), "anyone: verify, and challenge a wrong score"),
])
def test_status__says_what_can_happen_next_and_who_may_do_it(kw, expected):
    st = status(**kw)
    assert any(expected in step for step in st.next_steps()), st.next_steps()
    assert "next: " in repr(st)
    assert json.loads(json.dumps(st.to_dict(), default=str))["next"] == st.next_steps()


class FakeStore:
    def __init__(self, report=None):
        self.report = report

    def has(self, cid):
        return self.report is not None

    def get(self, cid):
        return json.dumps(self.report).encode()


def _board(scores, baseline_report=None):
    from bounty_client.record.views import leaderboard

    st = status(scores=scores, ranking=sorted(scores.items(), key=lambda p: -p[1])[:1], test_revealed=True,
                scored_count=len(scores))
    bounty = SimpleNamespace(status=lambda: st, posted_scores=lambda: (scores, ["QmReport"]),
                             revealed_submissions=lambda: [SimpleNamespace(id=i, submitter=ALICE) for i in scores],
                             credited=lambda receipts=None: [])
    return leaderboard(bounty, FakeStore(baseline_report))


def test_leaderboard__baseline_row_is_not_ranked_and_never_qualifies(monkeypatch):
    from bounty_client.ml.evaluation import result as result_module

    monkeypatch.setattr(result_module.EvaluationResult, "from_report",
                        classmethod(lambda cls, report: SimpleNamespace(baseline_bps=5000)))
    board = _board({0: 5600, 1: 5400}, baseline_report={"any": "report"})
    assert list(board.index) == [1, 2, "-"]
    base = board.iloc[-1]
    assert base["submission_id"] == "baseline" and base["qualifies"] == "-" and base["prize_eth"] == "-"
    assert list(board["qualifies"][:2]) == [True, False]  # 5600 and 5400 against 5500


def test_leaderboard__no_score__an_empty_frame_and_no_baseline_row():
    board = _board({}, baseline_report={"any": "report"})
    assert board.empty


def test_explain_credits__pending__lists_only_the_credits_a_withdrawal_pays():
    from bounty_client.record.views import explain_credits

    history = [Credit(ORG, 10**18, CreditReason.REFUND), Credit(ORG, 10**18, CreditReason.BOND),  # withdrawn
               Credit(ORG, 2 * 10**16, CreditReason.FORFEIT)]                                     # pending
    bounty = SimpleNamespace(credited=lambda receipts=None: history)
    every = explain_credits(bounty, account=ORG)
    assert len(every) == 3
    assert explain_credits(bounty, account=ORG, pending=2 * 10**16) == [
        f"{ORG} gets 0.02 ETH: deposits of commitments never revealed or scored below the minimum (organizer)"]
    assert explain_credits(bounty, account=ORG, pending=0) == []
