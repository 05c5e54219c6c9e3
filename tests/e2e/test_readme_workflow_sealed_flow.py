"""The README's three-machine workflow as printed, with MODE=sealed: synthetic prices from a secret seed and a
hidden test set committed at creation; the same commands (post-test-data opens the commitment) to payout and a
verify that is OK everywhere (nothing to compare with a source)."""

import re

from readme_workflow import check_common, run_workflow


def test_readme_workflow__sealed_mode__runs_as_printed_to_payout_and_verify(tmp_path):
    out = run_workflow(tmp_path, "sealed")
    text = check_common(out, tmp_path)
    assert "test data: sealed set, committed at creation" in text
    assert "posted the hidden test set" in text
    assert re.findall(r"^verify: (\w+)", text, re.M) == ["OK", "OK"], text[-4000:]
    assert out.returncode == 0, out.stderr[-2000:]
