"""Run the README's three-machine workflow exactly as printed: the ```bash block after
``<!-- three-machine-workflow -->``, in bash, from the repository root, with a user's PATH (no .venv, no
node_modules: the block's own ``source ./env.sh`` must bring ape, python and anvil), its own Anvil port,
homes under a temporary DEMO folder and the test mode (MODE) chosen through the variables it reads."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

from e2e_support import ROOT, free_port

MARK = "<!-- three-machine-workflow -->"


def workflow_script() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(re.escape(MARK) + r"\n```bash\n(.*?)```", text, re.S)
    assert match, f"README: no ```bash block after {MARK}"
    return match.group(1)


def user_env(tmp_path: Path, mode: str) -> dict:
    """A shell as a user's on a fresh clone: system PATH only, and the three variables the block reads."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BOUNTY_", "VIRTUAL_ENV", "PYTHON", "APE_", "PYTEST", "TF_"))}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    env.update(PORT=str(free_port()), DEMO=str(tmp_path / "demo"), MODE=mode,
               # Ape's own data folder per run (its deployments record and caches): Anvil's addresses repeat
               # across nodes, and a user's ~/.ape would hold one node's factory for another's chain.
               APE_DATA_FOLDER=str(tmp_path / "ape"), HOME=str(tmp_path / "user-home"))
    (tmp_path / "user-home").mkdir(exist_ok=True)
    return env


def run_workflow(tmp_path: Path, mode: str, timeout: int = 2400) -> subprocess.CompletedProcess:
    """The block, run by bash as one script (a failing command does not stop it, as in a terminal); the node it
    starts is stopped afterwards whatever happened (its process group)."""
    script = tmp_path / "workflow.sh"
    script.write_text(workflow_script())
    env = user_env(tmp_path, mode)
    assert "ape" not in subprocess.run(["bash", "-c", "command -v ape anvil || true"], env=env, capture_output=True,
                                       text=True).stdout, "the test's PATH must not have the tools already"
    proc = subprocess.Popen(["bash", str(script)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # anvil, if the block's `kill %1` did not run
        except ProcessLookupError:
            pass
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def check_common(out: subprocess.CompletedProcess, tmp_path: Path) -> str:
    """What both modes must show; returns stdout."""
    both = out.stdout + out.stderr
    assert "Traceback" not in both, out.stderr[-4000:]
    assert "command not found" not in both, out.stderr[-2000:]
    errors = [line for line in out.stderr.splitlines() if line.startswith("Error")]
    assert not errors, "\n".join(errors) + "\n" + out.stderr[-3000:]
    # no Ape INFO lines and no library warnings on plain role commands
    assert not re.search(r"^(INFO|SUCCESS):", both, re.M), both[-3000:]
    assert "Warning" not in both, both[-3000:]
    text = out.stdout
    assert "revealed submission(s) #" in text
    assert re.search(r"randomness 0x[0-9a-f]{64} drawn on-chain; evaluation seeds \[", text)
    # evaluate: scores in bps only, and a post-scores line to paste as it is
    assert "val_bps" in text and "val_accuracy" not in text
    assert re.search(r"post it with: ape run bounty post-scores 0x\w+ --report \S+ --account TEST::0 --network "
                     r"http://127\.0\.0\.1:\d+", text)
    assert "posted scores in 1 transaction(s)" in text
    # the leaderboard's baseline row is not ranked and does not qualify
    assert re.search(r"^-\s+baseline\s+\(always the majority class\)\s+\d+\s+-\s+-", text, re.M), text[-3000:]
    assert "stage FINALIZED, outcome PRIZES" in text and "gets 1 ETH: prize" in text
    assert "withdrew 1.01 ETH" in text and "claimed 0.01 ETH" in text  # the winner; the other's deposit
    assert "ranking: 1. submission #" in text and "next: " in text
    # tables within 120 columns (list, leaderboard, evaluate, train)
    for line in text.splitlines():
        if re.match(r"^\s*(rank|trial|\d+|-)\s", line) or line.lstrip().startswith(("bounty ", "0x")):
            assert len(line) <= 120, line
    assert "train:" in out.stderr and "search:" in out.stderr  # each bar says what runs
    return text
