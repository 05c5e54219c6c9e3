"""Every page of the explorer, its status codes and its error pages (Starlette's TestClient over real bounties
on Anvil: a trusted one, a judged one, one inside its challenge window, one whose spec name is HTML)."""

from __future__ import annotations

import re

import pytest
from explorer_world import XSS_NAME

from bounty_client.chain import Bounty
from bounty_client.record import leaderboard as chain_leaderboard

ZERO = "0x" + "00" * 19 + "01"
ROW = re.compile(r'data-id="(\d+)" data-rank="(\d+)" data-score="(\d+)" data-posted="(\d+)" data-dispute="(\w*)"')


def one_line(response) -> str:
    m = re.search(r'<p class="error-line" id="error-line">(.*?)</p>', response.text, re.S)
    assert m, response.text[:500]
    return m.group(1)


def section(text: str, name: str) -> str:
    m = re.search(rf'<section class="card[^"]*" id="{name}">(.*?)</section>', text, re.S)
    assert m, name
    return m.group(1)


def chain_rows(world, key):
    frame = chain_leaderboard(Bounty.at(world[key], factory=world["factory"]), world["store"])
    frame = frame[frame["submission_id"] != "baseline"]
    return list(zip(frame["submission_id"].astype(int), frame["score_bps"].astype(int), frame["dispute"]))


# ------------------------------------------------------------------ the list
def test_list__shows_every_bounty_with_stage_reward_and_arbiter(client, world):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for address in world["bounties"]:
        assert f'data-bounty="{address}"' in r.text
    assert "LTC direction" in r.text and "10 ETH" in r.text
    for stage in ("FINALIZED", "CHALLENGE", "SUBMISSION"):
        assert f'class="stage stage-{stage}"' in r.text, stage
    assert "none: scores trusted" in r.text and f'title="{world["jury"]}"' in r.text
    assert "1 open dispute" in r.text and "data-countdown" in r.text


def test_every_page__carries_the_security_headers(client, world):
    r = client.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"


# ------------------------------------------------------------------ one bounty
@pytest.mark.parametrize("key", ["trusted", "disputed", "challenging"])
def test_bounty__leaderboard_rows_equal_the_chains(client, world, key):
    r = client.get(f"/bounty/{world[key]}")
    assert r.status_code == 200
    rows = ROW.findall(r.text)
    labels = {"": "", "open": "challenged", "rejected": "rejected"}
    expected = [(i, s, "upheld" if d.startswith("upheld") else labels[d]) for i, s, d in chain_rows(world, key)]
    assert [(int(i), int(s), d) for i, _, s, _, d in rows] == expected
    assert [int(k) for _, k, _, _, _ in rows] == list(range(1, len(rows) + 1))
    assert "majority-class baseline: 5000 bps" in r.text


def test_bounty__a_trusted_bounty_says_it_has_no_arbiter_and_skips_the_window(client, world):
    text = client.get(f"/bounty/{world['trusted']}").text
    for name in ("timeline", "terms", "files", "leaderboard", "challenges", "verify", "submissions", "randomness",
                 "credits", "spec", "events"):
        assert f'id="{name}"' in text, name
    assert text.count('class="step step-') == 6
    assert 'class="step step-skipped" data-step="CHALLENGE"' in text and "no window" in text
    assert "none: scores are trusted (checkable with verify)" in section(text, "challenges")
    assert 'id="board-standing" title="trusted' in text and 'id="disputes-table"' not in text
    assert "BountyCreated" in text and "ScoresPosted" in text and "Finalized" in text
    assert re.search(r'title="0x[0-9a-f]{64}"', text)  # transaction hashes
    assert 'id="seeds"' in text and "Verify the scores" in text


def test_bounty__a_judged_bounty_lists_challenges_rulings_and_the_corrected_score(client, world):
    text = client.get(f"/bounty/{world['disputed']}").text
    sock, true = world["disputed_sock"], world["disputed_true"]
    disputes = section(text, "challenges")
    assert world["jury"] in disputes and "RerunJury: 3 jurors" in disputes and "0.1 ETH" in disputes
    assert "score tolerance" in disputes and "resolution deadline" in disputes
    rows = re.findall(r'<tr class="dispute-row dispute-(\w+)" data-key="(\d+)"', disputes)
    assert sorted(rows) == sorted([("upheld", str(sock)), ("rejected", "0")])
    upheld = disputes[disputes.index(f'data-key="{sock}"'):]
    assert ">9999<" in upheld[:800] and f'<b class="corrected">{true[sock]}</b>' in upheld[:1500]
    assert "3 answers revealed" in upheld
    (row,) = [r for r in ROW.findall(text) if int(r[0]) == sock]
    assert (int(row[2]), int(row[3]), row[4]) == (true[sock], 9999, "upheld")  # on record, as posted, dispute
    assert f'<s class="posted muted" title="posted by the organizer">9999</s>' in text
    assert 'id="board-standing" title="final' in text
    credits = section(text, "credits")
    for reason in ("CHALLENGE_BOND", "CHALLENGE_REWARD", "CHALLENGE_LOST", "PRIZE", "BOND"):
        assert f'data-reason="{reason}"' in credits, reason
    assert "challenger&#39;s reward, from the organizer&#39;s bond" in credits
    assert "Challenged" in section(text, "events") and "Ruled" in section(text, "events")
    assert "Reranked" in section(text, "events") or "finalize" in text


def test_bounty__inside_the_window_scores_are_provisional_and_a_challenge_is_open(client, world):
    text = client.get(f"/bounty/{world['challenging']}").text
    assert 'class="stage stage-CHALLENGE"' in text and 'id="head-deadline"' in text
    assert "challenges close" in section(text, "timeline") or "challenges close" in text
    assert 'class="step step-current" data-step="CHALLENGE"' in text
    assert 'id="board-standing" title="provisional' in text and "(provisional)" in text
    disputes = section(text, "challenges")
    assert 'data-state="open"' in disputes and "open</span>" in disputes
    assert re.search(r"commit <time[^>]*>in \d", disputes)  # the jurors' commit deadline, counting down
    assert 'data-dispute="challenged"' in text


def test_stage__the_pages_rule_agrees_with_the_contracts_stage_at_each_deadline(client, app, world, chain):
    """The page computes the stage from the chain's clock (it is not stored); at one second before, at and
    after the challenge and resolution deadlines of a bounty with an open dispute it says what the
    contract's ``stage()`` says at a block mined then."""
    bounty = Bounty.at(world["challenging"], factory=world["factory"])
    view = app.state.explorer.bounty(world["challenging"])
    assert view.open_disputes == 1
    seen = []
    for deadline in (view.challenge_deadline, view.resolution_deadline):
        for t in (deadline - 1, deadline, deadline + 1):
            chain.mine(timestamp=t)
            seen.append(bounty.stage.name)
            assert view.stage_at(t) is bounty.stage, t
    assert seen == ["CHALLENGE", "ARBITRATION", "ARBITRATION", "ARBITRATION", "EXPIRED", "EXPIRED"]


def test_bounty__any_case_of_the_address_is_the_same_page(client, world):
    assert client.get(f"/bounty/{world['trusted'].lower()}").status_code == 200


def test_bounty__not_an_address_is_400_with_one_line(client):
    r = client.get("/bounty/0x123")
    assert r.status_code == 400 and "not an Ethereum address" in one_line(r)
    assert "Traceback" not in r.text


def test_bounty__an_address_without_code_is_404_naming_the_network(client):
    r = client.get(f"/bounty/{ZERO}")
    assert r.status_code == 404
    line = one_line(r)
    assert "no contract at" in line and "chain id" in line and "another network" in line


def test_bounty__a_contract_that_is_not_a_bounty_is_404(client, world):
    for other in (world["factory"], world["jury"]):
        r = client.get(f"/bounty/{other}")
        assert r.status_code == 404 and "is not a bounty" in one_line(r)


def test_bounty__spec_name_with_html_is_text(client, world):
    text = client.get(f"/bounty/{world['xss']}").text
    assert "<script>window.pwned" not in text and "<img src=x" not in text
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x" in text
    listing = client.get("/").text
    assert "<script>window.pwned" not in listing and "&lt;script&gt;" in listing
    assert XSS_NAME.startswith("<script>")


# ------------------------------------------------------------------ submission, address
def test_submission__page_and_its_errors(client, world):
    base = f"/bounty/{world['trusted']}/submission"
    r = client.get(f"{base}/1")
    assert r.status_code == 200 and "Submission #1" in r.text and "lstm units" in r.text
    assert client.get(f"{base}/999").status_code == 404
    bad = client.get(f"{base}/abc")
    assert bad.status_code == 400 and "not a submission id" in one_line(bad)


def test_submission__a_corrected_score_names_its_ruling(client, world):
    sock = world["disputed_sock"]
    text = client.get(f"/bounty/{world['disputed']}/submission/{sock}").text
    assert f'id="score-on-record">{world["disputed_true"][sock]} bps<' in text
    assert "posted 9999 bps, replaced by the arbiter" in text and "upheld, now" in text


def test_address__what_it_did_in_every_bounty(client, world):
    alice = world["participants"][0]
    r = client.get(f"/address/{alice}")
    assert r.status_code == 200 and 'id="address-table"' in r.text and "participant" in r.text
    assert f"#{world['disputed_sock']}" in r.text  # it challenged the sock's score
    assert "challenger&#39;s reward" in r.text
    organizer = client.get(f"/address/{world['organizer']}")
    assert organizer.text.count("organizer") >= 3
    nobody = client.get(f"/address/{ZERO}")
    assert nobody.status_code == 200 and "has not taken part" in nobody.text
    assert client.get("/address/nope").status_code == 400


# ------------------------------------------------------------------ files
def test_file__serves_a_record_cid_from_the_store(client, world):
    from bounty_client.record import open_record

    record = open_record(Bounty.at(world["trusted"], factory=world["factory"]), world["store"])
    spec = client.get(f"/bounty/{world['trusted']}/file/{record.creation.spec_cid}")
    assert spec.status_code == 200 and spec.headers["content-type"].startswith("application/json")
    assert spec.content == world["store"].get(record.creation.spec_cid)
    assert 'filename="spec.json"' in spec.headers["content-disposition"]
    data = record.spec.data_files[0]
    csv = client.get(f"/bounty/{world['trusted']}/file/{data.cid}")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content == world["store"].get(data.cid)


def test_file__a_cid_outside_the_record_or_a_path_never_reaches_the_store(client, world):
    from bounty_client.storage import compute_cid

    outside = world["store"].add(b"not part of any record")
    assert compute_cid(b"not part of any record") == outside
    base = f"/bounty/{world['trusted']}/file"
    r = client.get(f"{base}/{outside}")
    assert r.status_code == 404 and "is not a file of" in one_line(r)
    assert client.get(f"{base}/not-a-cid").status_code == 400
    assert client.get(f"{base}/..%2F..%2F..%2Fetc%2Fpasswd").status_code in (400, 404)
    assert client.get(f"{base}/../../../etc/passwd").status_code == 404


def test_file__a_store_that_lacks_the_record_is_502(world, tmp_path):
    from starlette.testclient import TestClient

    from bounty_client.explorer import create_app
    from bounty_client.storage import LocalStore

    empty = create_app(store=LocalStore(tmp_path / "empty"), factory=world["factory"])
    with TestClient(empty, raise_server_exceptions=False) as c:
        r = c.get(f"/bounty/{world['trusted']}")
        assert r.status_code == 502, r.text[-500:]
        assert "start the explorer with the store that holds" in one_line(r)
        listing = c.get("/")
        assert listing.status_code == 200 and "(spec not in this store)" in listing.text


# ------------------------------------------------------------------ plot, api, errors
def test_plot__is_an_svg_for_a_scored_bounty_and_404_before_scores(client, world):
    r = client.get(f"/bounty/{world['disputed']}/scores.svg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in r.content[:2000] and b"majority-class baseline" in r.content
    assert client.get(f"/bounty/{world['xss']}/scores.svg").status_code == 404


def test_status_api__chain_time_stage_and_changes(client, world):
    s = client.get(f"/api/bounty/{world['trusted']}/status?since=0").json()
    assert s["stage"] == "FINALIZED" and s["changed"] is True and s["now"] > 0
    assert client.get(f"/api/bounty/{world['trusted']}/status?since={s['head']}").json()["changed"] is False
    assert client.get(f"/api/bounty/{world['challenging']}/status").json()["stage"] == "CHALLENGE"
    overall = client.get("/api/status").json()
    assert overall["bounties"] == {world["trusted"]: "FINALIZED", world["disputed"]: "FINALIZED",
                                   world["challenging"]: "CHALLENGE", world["xss"]: "SUBMISSION"}
    bad = client.get("/api/status?since=abc")
    assert bad.status_code == 400 and "not a block number" in bad.json()["error"]
    assert client.get(f"/api/bounty/{ZERO}/status").status_code == 404


def test_unknown_page_is_404_and_wrong_method_405(client):
    r = client.get("/nope")
    assert r.status_code == 404 and "no page at /nope" in one_line(r)
    assert client.post("/").status_code == 405
    assert client.get("/static/explorer.css").status_code == 200
    assert client.get("/healthz").text == "ok\n"


def test_unexpected_error__500_page_names_the_type_only(client, app, monkeypatch):
    def boom(address):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.state.explorer, "bounty", boom)
    r = client.get(f"/bounty/{ZERO}")
    assert r.status_code == 500
    assert "internal error (RuntimeError)" in one_line(r)
    assert "secret internals" not in r.text and "Traceback" not in r.text


# ------------------------------------------------------------------ cache
def test_cache__a_second_render_reads_nothing_new_and_a_new_event_rebuilds(client, app, world, monkeypatch):
    from ape import accounts

    explorer = app.state.explorer
    client.get(f"/bounty/{world['trusted']}")
    calls = []
    real = explorer.reader.bounty
    monkeypatch.setattr(explorer.reader, "bounty", lambda a: calls.append(a) or real(a))
    client.get(f"/bounty/{world['trusted']}")
    assert calls == []
    bounty = Bounty.at(world["trusted"], factory=world["factory"])
    before = client.get(f"/bounty/{world['trusted']}").text.count('class="withdrawal"')
    owed = [a for a in accounts.test_accounts[1:5] if bounty.credits(a) or bounty.claimable_ids(a)]
    assert owed, "the world leaves a credit or a deposit to take out"
    bounty.withdraw(owed[0]) if bounty.credits(owed[0]) else bounty.claim(owed[0])
    r = client.get(f"/bounty/{world['trusted']}")
    assert calls == [world["trusted"]] and r.text.count('class="withdrawal"') == before + 1


def test_cache__holds_at_most_cache_size_views(world):
    from bounty_client.explorer.site import Explorer

    explorer = Explorer(world["store"], world["factory"], cache_size=1)
    for address in world["bounties"]:
        explorer.bounty(address)
    assert len(explorer._views) == 1


# ------------------------------------------------------------------ verify (a stand-in worker)
@pytest.fixture
def fake_worker(monkeypatch, tmp_path):
    """The verify job runs this script instead of re-training: progress lines, then a verdict."""
    import sys

    from bounty_client.explorer.jobs import VerifyJobs

    script = tmp_path / "worker.py"
    script.write_text(
        "import json, sys, time\n"
        "for i in range(1, 4):\n"
        "    print(f'[{i}/3] submission #{i} seed 1 scored 5000 bps in 0.1s', file=sys.stderr, flush=True)\n"
        "    time.sleep(0.1)\n"
        "verdict = sys.argv[1]\n"
        "if verdict == 'error':\n"
        "    print(json.dumps({'error': 'the store lacks the test set'}))\n"
        "else:\n"
        "    print(json.dumps({'ok': verdict == 'ok', 'report_cid': 'Qm', 'tolerance_bps': 0, 'tolerance_source': 'same',\n"
        "        'submissions': [{'submission_id': 0, 'submitter': '0xabc', 'posted_bps': 5000, 'recomputed_bps': 5000,\n"
        "                         'diff_bps': 0, 'status': 'ok', 'posted_rank': 1, 'derived_rank': 1}],\n"
        "        'payout': {'settled': True, 'outcome': ['PRIZES', 'PRIZES'], 'qualified': [[0], [0]],\n"
        "                   'ranking': [[0], [0]], 'credits': [{'account': '0xabc', 'reason': 'CHALLENGE_REWARD',\n"
        "                   'why': 'challenger reward', 'posted_wei': 1, 'derived_wei': 1, 'same': True}]},\n"
        "        'problems': [], 'notes': ['submission #5: posted 9999 bps, replaced by the ruling 5374']}))\n")
    verdicts = []
    monkeypatch.setattr(VerifyJobs, "_command", lambda self, job: [sys.executable, str(script), verdicts.pop(0)])
    return verdicts


def _wait_done(client, url, timeout=30):
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        panel = client.get(url).text
        if "data-poll" not in panel:
            return panel
        time.sleep(0.1)
    raise AssertionError("verify never finished")


def test_verify__runs_once_per_report_and_shows_progress_then_ok(world, fake_worker):
    from starlette.testclient import TestClient

    from bounty_client.explorer import create_app

    fake_worker += ["ok"]
    app = create_app(store=world["store"], factory=world["factory"])
    url = f"/bounty/{world['disputed']}/verify"
    with TestClient(app, raise_server_exceptions=False) as c:
        first = c.post(url, headers={"X-Explorer": "fetch"})
        assert first.status_code == 202 and ('data-poll' in first.text or "OK" in first.text)
        panel = _wait_done(c, url)
        assert 'id="verify-verdict">OK<' in panel and 'id="payout-check"' in panel
        assert "replaced by the ruling" in panel and "challenger reward" in panel
        again = c.post(url, follow_redirects=False)  # a second visitor: the kept result, no new job
        assert again.status_code == 303 and again.headers["location"].endswith("#verify")
        assert 'id="verify-verdict">OK<' in c.get(f"/bounty/{world['disputed']}").text
        assert fake_worker == []  # the worker ran once


def test_verify__a_failed_job_says_why_and_can_be_retried(world, fake_worker):
    from starlette.testclient import TestClient

    from bounty_client.explorer import create_app

    fake_worker += ["error", "mismatch"]
    app = create_app(store=world["store"], factory=world["factory"])
    url = f"/bounty/{world['trusted']}/verify"
    with TestClient(app, raise_server_exceptions=False) as c:
        c.post(url, headers={"X-Explorer": "fetch"})
        panel = _wait_done(c, url)
        assert "Verify failed: the store lacks the test set" in panel and 'id="verify-button"' in panel
        c.post(url, headers={"X-Explorer": "fetch"})
        assert 'id="verify-verdict">MISMATCH<' in _wait_done(c, url)


def test_verify__nothing_to_verify_before_scores_is_400(client, world):
    url = f"/bounty/{world['xss']}/verify"
    assert "Nothing to verify yet" in client.get(url).text
    assert client.post(url).status_code == 400


def test_verify__a_worker_that_hangs_is_stopped_at_the_time_limit(tmp_path):
    import sys
    import time

    from bounty_client.explorer.jobs import VerifyJobs

    jobs = VerifyJobs("unused", "local:", None, timeout=1.5)
    jobs._command = lambda job: [sys.executable, "-c", "import time; time.sleep(60)"]
    job = jobs.start("0xB", "QmReport")
    deadline = time.time() + 30
    while not job.finished and time.time() < deadline:
        time.sleep(0.1)
    assert job.state == "failed" and "longer than 2 s" in job.error
    assert jobs.start("0xB", "QmReport") is not job  # a failed job is retried on the next click
