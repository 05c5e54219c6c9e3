"""record.views for a page: the stage rule with the challenge window and arbitration, the timeline, how far
scores stand, one address across bounties, event lines and credit reasons; on Anvil, the rule against the
contract's own stage and Bounty.events against the per-event queries."""

from __future__ import annotations

import pytest

from bounty_client.protocol.wire import CreditReason, Stage
from bounty_client.record import views

D = (1_000, 2_000, 3_000)
CHALLENGE, RESOLUTION = 4_000, 5_000


@pytest.mark.parametrize("now, open_disputes, stage", [
    (999, 0, Stage.SUBMISSION), (1_000, 0, Stage.REVEAL), (1_999, 0, Stage.REVEAL), (2_000, 0, Stage.EVALUATION),
    (2_999, 0, Stage.EVALUATION), (3_000, 0, Stage.CHALLENGE), (3_999, 1, Stage.CHALLENGE),
    (4_000, 0, Stage.EXPIRED), (4_000, 1, Stage.ARBITRATION), (4_999, 1, Stage.ARBITRATION),
    (5_000, 1, Stage.EXPIRED)])
def test_stage_at__one_second_before_and_at_each_deadline(now, open_disputes, stage):
    assert views.stage_at("NONE", D, now, challenge_deadline=CHALLENGE, resolution_deadline=RESOLUTION,
                          open_disputes=open_disputes) is stage


def test_stage_at__without_an_arbiter_the_evaluation_deadline_ends_the_stages():
    assert views.stage_at("NONE", D, 2_999) is Stage.EVALUATION
    assert views.stage_at("NONE", D, 3_000) is Stage.EXPIRED


def test_stage_at__stored_outcomes_win_over_the_clock():
    assert views.stage_at("PRIZES", D, 0) is Stage.FINALIZED
    assert views.stage_at("REFUNDED", D, 10**9) is Stage.FINALIZED
    assert views.stage_at("CANCELLED", D, 0) is Stage.CANCELLED


def _view(**over):
    fields = dict(address="0x" + "44" * 20, network="n", chain_id=1, factory="0x", organizer="0x" + "55" * 20,
                  created_block=1, created_at=500, created_tx="0x", name="n", description="", spec_cid="Qm",
                  spec_json="{}", target="LTC", metric="balanced_accuracy", protocol={}, reward_wei=1, bond_wei=1,
                  bond_left_wei=1, deposit_wei=0, balance_wei=0, min_accuracy_bps=0, max_submissions=1,
                  prize_shares=(10_000,), seq_len=1, future_period=1, n_features=1, max_cost=1, deadlines=D,
                  challenge_deadline=CHALLENGE, resolution_deadline=RESOLUTION, test_mode="sealed", test_window=None,
                  test_data_after=0, outcome="NONE", submissions=[], revealed_count=0, scored_count=0,
                  leaderboard=None, files=[], randomness=None, seeds=(), test_cid=None, credits=[], payments=[],
                  arbiter=views.ArbiterView("0x" + "66" * 20, 10**17, 10**15, 50, 1_000, 1_000, "RerunJury"),
                  disputes=[], ranking_stale=False, test_data_voided=False, fail_safe=False, events=[],
                  report_cid=None)
    fields.update(over)
    return views.BountyView(**fields)


def _dispute(state="open", key=3, fail_safe=False):
    return views.DisputeRow(key, f"#{key}", "0x" + "77" * 20, 9999, 5200, 10**17, 10**15, state,
                            None if state == "open" else 5200, 5200 if state == "upheld" else None, 10, "0x1",
                            None, 0, fail_safe)


@pytest.mark.parametrize("now, current", [(600, "SUBMISSION"), (1_500, "REVEAL"), (2_500, "EVALUATION"),
                                          (3_500, "CHALLENGE"), (4_500, "ARBITRATION"), (5_500, "FINAL")])
def test_timeline__marks_done_current_and_next_through_the_challenge_window(now, current):
    view = _view(disputes=[_dispute()], arbitrated=True)  # open when the window closed
    steps = views.timeline(view, now)
    assert [s.stage for s in steps] == ["SUBMISSION", "REVEAL", "EVALUATION", "CHALLENGE", "ARBITRATION", "FINAL"]
    states = [s.state for s in steps]
    i = [s.stage for s in steps].index(current)
    assert states[i] == "current" and set(states[:i]) <= {"done"} and set(states[i + 1:]) <= {"next"}
    assert [(s.starts, s.ends) for s in steps[1:5]] == [(1_000, 2_000), (2_000, 3_000), (3_000, CHALLENGE),
                                                        (CHALLENGE, RESOLUTION)]


def test_timeline__without_an_arbiter_the_window_and_arbitration_are_skipped():
    steps = views.timeline(_view(arbiter=views.ArbiterView(None), challenge_deadline=3_000,
                                 resolution_deadline=3_000), 2_500)
    states = {s.stage: s.state for s in steps}
    assert states["CHALLENGE"] == states["ARBITRATION"] == "skipped" and states["EVALUATION"] == "current"
    assert views.NO_ARBITER in steps[3].what and steps[3].ends is None


def test_timeline__arbitration_is_skipped_when_nobody_challenged_and_final_steps_are_named():
    steps = views.timeline(_view(), 5_500)
    assert steps[4].state == "skipped" and steps[5].title == "Expired"
    assert views.timeline(_view(outcome="PRIZES"), 10)[-1].title == "Finalized"
    cancelled = views.timeline(_view(outcome="CANCELLED"), 10)
    assert cancelled[-1].title == "Cancelled" and {s.state for s in cancelled[1:5]} == {"skipped"}


def test_score_standing__trusted_provisional_arbitration_final_void_and_fail_safe():
    assert views.score_standing(_view(), 3_500) == ("", "")
    scored = dict(scored_count=2)
    assert views.score_standing(_view(**scored, arbiter=views.ArbiterView(None)), 3_500)[0] == "trusted"
    label, text = views.score_standing(_view(**scored), 3_500)
    assert label == "provisional" and "until" in text
    label, text = views.score_standing(_view(**scored, disputes=[_dispute()]), 4_500)
    assert label == "provisional" and "1 dispute(s) await the arbiter" in text
    assert views.score_standing(_view(**scored, disputes=[_dispute("upheld")]), 4_500)[0] == "final"
    assert views.score_standing(_view(**scored, outcome="SHARED", test_data_voided=True), 9_999)[0] == "void"
    assert views.score_standing(_view(**scored, outcome="PRIZES", fail_safe=True), 9_999)[0] == "fail-safe"


def test_terms__name_the_arbiter_and_its_terms_or_say_scores_are_trusted():
    terms = {t.label: t.value for t in _view().terms()}
    assert terms["challenge bond"] == "0.1 ETH" and terms["score tolerance"] == "50 bps"
    assert terms["challenge window"] == "16 min 40 s" and terms["arbiter"] == "0x" + "66" * 20
    trusted = {t.label: t.value for t in _view(arbiter=views.ArbiterView(None)).terms()}
    assert trusted["arbiter"] == views.NO_ARBITER and trusted["challenge window"] == "none"


def test_credit_why__every_credit_reason_has_a_phrase():
    assert {r: views.credit_why(r) for r in CreditReason}  # raises KeyError on a missing reason
    assert "organizer's bond" in views.credit_why(CreditReason.CHALLENGE_REWARD)


def test_event_summary__names_challenges_and_rulings():
    line, who = views.event_summary("Challenged", {"key": 3, "challenger": "0x" + "77" * 20, "posted": 9999,
                                                   "claimed": 5200, "bond": 10**17, "fee": 10**15,
                                                   "arbiter_dispute": 0})
    assert line == "#3 challenged: posted 9999 bps, claims 5200 (bond 0.1 ETH + fee 0.001 ETH)" and who
    assert views.event_summary("Ruled", {"key": 65536, "ruling": 1, "upheld": True, "fee": 1})[0] == \
        "ruling on the test data: upheld"
    assert views.event_summary("Mystery", {"x": 1})[0] == "Mystery(x=1)"


def test_address_view__collects_commits_scores_challenges_credits_and_payments():
    me = "0x" + "11" * 20
    from eth_utils import to_checksum_address

    me = to_checksum_address(me)
    subs = [views.SubmissionRow(0, me, 1, "0x1", True, 2, "0x2", {"lstm_layers": 1}, 9999, 5100, 1),
            views.SubmissionRow(1, "0x" + "22" * 20, 1, "0x3"), views.SubmissionRow(2, me, 3, "0x4")]
    challenge = views.DisputeRow(1, "#1", me, 5000, 6000, 1, 1, "rejected", 5000, None, 5, "0x5", "0x6", 0)
    view = _view(submissions=subs, disputes=[challenge],
                 credits=[views.CreditRow(me, 10**18, "PRIZE", "prize", 9, "0x9")],
                 payments=[views.PaymentRow(me, 10**18, "Withdrawn", 10, "0xa")])
    who = views.address_view(me.lower(), [view, _view(address="0x" + "33" * 20)])
    (row,) = who.rows
    assert row.committed == (0, 2) and row.revealed == (0,) and row.scored == ((0, 5100, 1),)
    assert row.challenged == ("#1",) and row.credited == ((10**18, "prize"),) and row.paid_wei == 10**18
    assert who.credited_wei == who.paid_wei == 10**18 and not row.organizer


# ------------------------------------------------------------------ on the chain
@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    """A bounty with a jury whose false score for the sock was corrected (explorer_world, no training),
    left inside its window: scores posted, one challenge ruled."""
    import contextlib
    import io
    import os
    import random

    from explorer_world import _prepare, accounts_of, deploy_jury, organizer, scored_bounty

    from bounty_client.storage import LocalStore

    home = tmp_path_factory.mktemp("views-home")
    saved = {k: os.environ.get(k) for k in ("BOUNTY_HOME", "BOUNTY_STORE_DIR")}
    os.environ.update(BOUNTY_HOME=str(home), BOUNTY_STORE_DIR=str(home / "ipfs"))
    store = LocalStore(home / "ipfs")
    with contextlib.redirect_stdout(io.StringIO()):
        org = organizer(store, home)
        jury = deploy_jury(org.factory, accounts_of()["organizer"], accounts_of()["jurors"])
        built = scored_bounty(org, _prepare(org, "judged", seed=1), store, home, submissions=3,
                              rng=random.Random(1), jury=jury, dishonest=True, finalize=True)
    yield dict(built, store=store, factory=org.factory)
    for k, v in saved.items():
        os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def test_bounty_events__one_query_gives_every_event_the_per_event_queries_give(judged):
    bounty = judged["bounty"]
    events = bounty.events()
    assert [(e.block, e.log_index) for e in events] == sorted((e.block, e.log_index) for e in events)
    names = {e.name for e in events}
    assert {"Committed", "Revealed", "RandomnessDrawn", "TestDataRevealed", "ScoresPosted", "Challenged", "Ruled",
            "Finalized", "Credited"} <= names
    for name in ("Committed", "Revealed", "Credited", "Challenged", "Ruled"):
        assert len([e for e in events if e.name == name]) == len(bounty._events(name)), name
    assert all(e.tx.startswith("0x") and len(e.tx) == 66 for e in events)


def test_changed_since__only_a_new_event_of_the_bounty_or_a_new_bounty_counts(judged, chain):
    from explorer_world import accounts_of

    bounty, factory = judged["bounty"], judged["factory"]
    head = chain.blocks.height
    assert not bounty.changed_since(head) and not factory.changed_since(head, [bounty.address])
    chain.mine()  # a block without a log of theirs
    assert not bounty.changed_since(head) and not factory.changed_since(head, [bounty.address])
    who = accounts_of()
    owed = [a for a in [*who["participants"], who["sock"]] if bounty.claimable_ids(a) or bounty.credits(a)]
    assert owed
    bounty.withdraw(owed[0]) if bounty.credits(owed[0]) else bounty.claim(owed[0])
    assert bounty.changed_since(head) and factory.changed_since(head, [bounty.address])
    assert not factory.changed_since(head)  # the factory itself logged nothing


def test_bounty_view__the_corrected_score_the_rulings_and_the_factorys_batch_read(judged):
    bounty, sock = judged["bounty"], judged["sock_id"]
    view = views.bounty_view(bounty, judged["store"])
    (row,) = [r for r in view.leaderboard.rows if r.id == sock]
    assert (row.posted_bps, row.score_bps, row.dispute, row.corrected) == (9999, judged["true"][sock], "upheld", True)
    (d,) = view.disputes
    assert d.state == "upheld" and d.corrected_bps == judged["true"][sock] and d.jury.revealed == 3
    assert {c.reason for c in view.credits} >= {"CHALLENGE_BOND", "CHALLENGE_REWARD", "PRIZE"}
    assert view.arbiter.kind == "RerunJury" and len(view.arbiter.jurors) == 3
    (summary,) = [s for s in views.bounty_summaries(judged["factory"], judged["store"]) if s.address == bounty.address]
    assert summary.best_score_bps == view.leaderboard.rows[0].score_bps and summary.open_disputes == 0
    assert summary.stage_at(bounty.now()) is Stage.FINALIZED and summary.name == "judged"
