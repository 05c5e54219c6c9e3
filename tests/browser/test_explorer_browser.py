"""The explorer in a real browser (Debian's chromium through Playwright), over real bounties on Anvil: one
scored by real Keras training where the organizer posted a false score for its sock, alice challenged it
and a RerunJury corrected it; one taking submissions; one whose spec name is HTML."""

from __future__ import annotations

import json
import re

from browser_support import ROOT, shot
from e2e_support import run_ape
from explorer_world import XSS_NAME

from bounty_client.chain import Bounty
from bounty_client.record import leaderboard as chain_leaderboard


def chain_rows(world) -> list[tuple[int, int]]:
    frame = chain_leaderboard(Bounty.at(world["scored"], factory=world["factory"]), world["store"])
    frame = frame[frame["submission_id"] != "baseline"]
    return [(int(i), int(s)) for i, s in zip(frame["submission_id"], frame["score_bps"])]


def page_rows(page) -> list[tuple[int, int]]:
    rows = page.locator("#leaderboard-table tr.lb-row")
    return [(int(rows.nth(i).get_attribute("data-id")), int(rows.nth(i).locator(".score").inner_text()))
            for i in range(rows.count())]


def test_list__shows_the_bounties(page, server, world):
    page.goto(server.url + "/")
    rows = page.locator("#bounties tbody tr")
    assert rows.count() == 3
    names = page.locator("#bounties a.name").all_inner_texts()
    assert "LTC direction in 2 steps" in names and "BTC-led LTC moves" in names
    assert page.locator(f'tr[data-bounty="{world["open"]}"] [data-stage]').inner_text() == "Submission"
    assert page.locator(f'tr[data-bounty="{world["xss"]}"] .arbiter').inner_text() == "none: scores trusted"
    shot(page, "list")


def test_bounty__shows_the_stage_and_a_countdown_that_changes(page, server, world):
    page.goto(f"{server.url}/bounty/{world['open']}")
    assert page.locator(".page-head [data-stage]").inner_text() == "Submission"
    assert page.locator(".step-current .step-title").inner_text().startswith("Submission")
    countdown = page.locator("#head-deadline [data-countdown]")
    first = countdown.inner_text()
    page.wait_for_timeout(2100)
    second = countdown.inner_text()
    assert first.startswith("in ") and second.startswith("in ") and first != second
    # the challenge window and the resolution deadline are on the timeline, counting down too
    window = page.locator('[data-step="CHALLENGE"] [data-countdown]')
    assert window.inner_text().startswith("in ") and page.locator('[data-step="ARBITRATION"] [data-countdown]').count()
    shot(page, "open-bounty")


def test_challenged_bounty__lists_the_challenge_its_ruling_and_the_corrected_score(page, server, world):
    sock, true = world["sock_id"], world["true"][world["sock_id"]]
    page.goto(f"{server.url}/bounty/{world['scored']}")
    assert page.locator(".page-head [data-stage]").inner_text() == "Finalized"
    # the leaderboard: the chain's rows, the sock's score as the ruling left it, the posted one struck through
    assert page_rows(page) == chain_rows(world) and len(chain_rows(world)) == 3
    sock_row = page.locator(f'#leaderboard-table tr.lb-row[data-id="{sock}"]')
    assert sock_row.locator(".score").inner_text() == str(true)
    assert sock_row.locator("s.posted").inner_text() == "9999"
    assert sock_row.locator("td").nth(7).inner_text() == "upheld: corrected"
    assert page.locator("#board-standing").inner_text().lower() == "final"
    # challenges and rulings: who challenged which id, claimed and posted scores, bond, ruling, score now
    row = page.locator(f'#disputes-table tr[data-key="{sock}"]')
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == f"#{sock}" and cells[2] == "9999" and cells[3] == str(true)
    assert cells[4] == "0.1 ETH + 0.001 ETH" and cells[5] == f"upheld {true} bps" and cells[6] == str(true)
    assert "3 answers revealed" in cells[7]
    assert row.locator("td").nth(1).locator("a").get_attribute("title") == str(world["alice"])
    assert "RerunJury: 3 jurors" in page.locator("#arbiter").inner_text()
    # the payout: the challenger's bond back and its reward from the organizer's bond
    credits = page.locator("#credits-table").inner_text()
    assert "challenge bond (and fee) back" in credits and "challenger's reward, from the organizer's bond" in credits
    assert page.evaluate("document.getElementById('scores-plot').naturalWidth") > 0  # the SVG plot loaded
    shot(page, "challenged-bounty")


def test_verify__the_button_ends_in_ok_and_says_what_the_command_says(page, server, world):
    page.goto(f"{server.url}/bounty/{world['scored']}")
    page.locator("#verify-button").click()
    verdict = page.locator("#verify-verdict")
    verdict.wait_for(timeout=300_000)
    assert verdict.inner_text() == "OK"
    assert page.locator("#verify-table tbody td .tag").all_inner_texts() == ["ok", "ok", "ok"]
    assert page.locator("#payout-check").inner_text().count("same") == 3
    panel = page.locator("#verify-panel").inner_text()
    assert f"submission #{world['sock_id']}: posted 9999 bps, replaced by the arbiter's ruling" in panel
    # `ape run bounty verify` on the same bounty: the same verdict, problems, notes and rows
    from ape import chain

    out = run_ape(["run", "bounty", "verify", world["scored"], "--network", chain.provider.uri], world["home"])
    assert out.returncode == 0, out.stderr[-2000:]
    cli = json.loads(out.stdout.strip().splitlines()[-1])
    job = server.app.state.explorer.jobs.get(world["scored"], server.app.state.explorer.bounty(world["scored"]).report_cid)
    assert (job.result["ok"], job.result["problems"], job.result["notes"]) == (cli["ok"], cli["problems"], cli["notes"])
    assert [(r["submission_id"], r["posted_bps"], r["recomputed_bps"]) for r in job.result["submissions"]] == \
        [(r["submission_id"], r["posted_bps"], r["recomputed_bps"]) for r in cli["submissions"]]
    page.locator("#verify").scroll_into_view_if_needed()
    shot(page, "verified")
    # the page as a visitor sees it now (the result is kept): the README's screenshot
    page.set_viewport_size({"width": 1360, "height": 1000})
    page.goto(f"{server.url}/bounty/{world['scored']}")
    assert page.locator("#verify-verdict").inner_text() == "OK"
    readme = shot(page, "readme-bounty", until="#verify")  # cp to docs/explorer.png after a visual change
    assert readme.stat().st_size > 10_000


def test_static_export__opens_from_disk_with_the_same_rows(page, server, world, tmp_path):
    from bounty_client.explorer.export import export_site

    done = export_site(tmp_path / "site", explorer=server.app.state.explorer)
    page.goto((tmp_path / "site" / "index.html").as_uri())
    assert page.locator("#bounties tbody tr").count() == 3
    page.locator(f'tr[data-bounty="{world["scored"]}"] a.name').click()
    assert page.url.startswith("file://") and page.url.endswith(f"bounty/{world['scored']}/index.html")
    assert page_rows(page) == chain_rows(world)
    assert page.locator(f'#disputes-table tr[data-key="{world["sock_id"]}"]').get_attribute("data-state") == "upheld"
    assert page.evaluate("document.getElementById('scores-plot').naturalWidth") > 0
    countdown = page.locator("[data-countdown]").first
    assert re.match(r"^(in )?\d", countdown.inner_text()) or countdown.inner_text().endswith("ago")
    page.locator("#leaderboard-table tr.lb-row a").first.click()
    assert page.locator("h1").inner_text().startswith("Submission #")
    assert done.cid and world["store"].has(done.cid)
    shot(page, "static-submission")


def test_xss__a_spec_name_with_html_is_shown_as_text(page, server, world):
    page.goto(f"{server.url}/bounty/{world['xss']}")
    assert page.locator("#bounty-name").inner_text() == XSS_NAME
    assert page.locator("#bounty-name img, #bounty-name b, #bounty-name script").count() == 0
    assert "none: scores are trusted (checkable with verify)" in page.locator("#no-arbiter").inner_text()
    page.goto(server.url + "/")
    assert XSS_NAME in page.locator("#bounties").inner_text()
    assert page.evaluate("window.pwned") is None
    shot(page, "xss")


def test_stage__follows_the_chain_without_a_reload(page, server, world):
    """Last in the file: it moves the chain's clock past the open bounty's submission deadline."""
    from ape import chain

    page.goto(f"{server.url}/bounty/{world['open']}")
    page.evaluate("window.notReloaded = true")
    assert page.locator(".page-head [data-stage]").inner_text() == "Submission"
    deadline = Bounty.at(world["open"], factory=world["factory"]).deadlines()[0]
    chain.mine(timestamp=deadline)
    page.locator(".page-head [data-stage]", has_text="Reveal").wait_for(timeout=20_000)
    assert page.evaluate("window.notReloaded") is True


def test_readme_screenshot_is_this_browsers():
    """docs/explorer.png is a screenshot these tests took (`.cache/explorer-screenshots/readme-bounty.png`)."""
    docs = ROOT / "docs" / "explorer.png"
    assert docs.is_file() and docs.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
