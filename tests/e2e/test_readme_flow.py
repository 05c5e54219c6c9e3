"""The README's notebook snippet is a complete script: run it as a user would, from a fresh home."""

import re
import subprocess
import sys

from e2e_support import ROOT, cli_env


def readme_script() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- quickstart-script -->\n```python\n(.*?)```", text, re.S)
    assert match, "README: no ```python block after <!-- quickstart-script -->"
    return match.group(1)


def test_readme_script__runs_from_creation_to_verified_payout(home, tmp_path):
    script = tmp_path / "quickstart.py"
    script.write_text(readme_script())
    env = cli_env(home)
    env.pop("PYTHONWARNINGS", None)  # a user's shell does not set it
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    assert "score_bps" in out.stdout and "recomputed_bps" in out.stdout
    # no pydantic or tqdm warnings on the way (the script runs without PYTHONWARNINGS=ignore, as a user's would)
    assert "Warning" not in out.stderr, out.stderr[-3000:]
