"""The README's three-machine workflow as printed, in future-window mode (its default): `create --test-mode
future` on the offline market, draw-randomness and post-test-data from the role commands, payout, and a verify
that says UNVERIFIED (exit 3) on a participant's machine until given the organizer's market file."""

import re

from readme_workflow import check_common, run_workflow


def test_readme_workflow__future_mode__runs_as_printed_to_payout_and_verify(tmp_path):
    out = run_workflow(tmp_path, "future")
    text = check_common(out, tmp_path)
    assert "test data: future window" in text  # status
    assert "derives them from the bounty's randomness" in out.stderr  # create --json: its lines on stderr
    assert "posted the test window" in text
    verdicts = re.findall(r"^verify: (\w+)", text, re.M)
    assert verdicts == ["UNVERIFIED", "OK"], text[-4000:]
    assert "rows not compared with the source" in text and "--market-file" in text
    assert out.returncode == 0, out.stderr[-2000:]
