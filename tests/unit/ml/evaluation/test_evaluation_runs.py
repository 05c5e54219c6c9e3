"""Evaluation over k seeds, statuses, per-run time limits, the spawn guard and quiet output.

Training is real (tiny Keras models) where a score is asserted; where only the
scheduling is under test (timeouts, the spawn guard) the worker is a module-level
function that sleeps or answers at once, so no test depends on how fast the machine is:
every time limit is far from every sleep.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from bounty_client.ml.evaluation import (
    EvaluationResult,
    IncompleteEvaluationError,
    Submission,
    SubmissionResult,
    SubmissionStatus,
    aggregate_runs,
    evaluate,
    load_report,
    score_submission,
    sampling_error_bps,
)
from bounty_client.protocol.hyperparams import Hyperparameters
from bounty_client.quiet import NOISE_PATTERNS, is_noise
from bounty_client.protocol.spec import TrainingProtocol

SRC = Path(__file__).resolve().parents[4] / "src"
HANG_ID = 2
#: The hanging worker sleeps this long; every time limit in these tests is far below it.
HANG_SECONDS = 600


def instant_worker(payload):
    """Answers at once with a fixed score (no TensorFlow): the scheduling is what is tested."""
    return {"submission_id": payload["submission_id"], "seed": payload["seed"], "status": "scored",
            "reason": None, "score_bps": 6000 + payload["seed"], "val_accuracy": 0.5, "train_seconds": 0.0,
            "seconds": 0.0, "n_params": 1, "epochs_run": 1, "history": {}, "threads": None, "pid": os.getpid()}


def hanging_worker(payload):
    """Submission HANG_ID never finishes (records each attempt's pid in $HANG_DIR); the others answer at once."""
    if payload["submission_id"] == HANG_ID:
        with open(Path(os.environ["HANG_DIR"]) / "attempts", "a") as f:
            f.write(f"{os.getpid()}\n")
        time.sleep(HANG_SECONDS)
    return instant_worker(payload)


def _subs(n=3):
    return [Submission(i, f"0x{i:040x}", Hyperparameters(1, 4, 0, "relu", "hinge")) for i in range(1, n + 1)]


def _run(sid, seed, status, score=0, reason=None):
    return {"submission_id": sid, "seed": seed, "status": status, "score_bps": score, "reason": reason}


# --------------------------------------------------------------------------- statuses
def test_status__json_values_unchanged_and_behaviour():
    assert [s.value for s in SubmissionStatus] == [
        "scored", "diverged", "invalid", "failed", "crashed", "skipped", "timeout"]
    assert SubmissionStatus.SCORED == "scored" and f"{SubmissionStatus.TIMEOUT}" == "timeout"
    assert json.dumps({"s": SubmissionStatus.DIVERGED}) == '{"s": "diverged"}'
    assert [s.value for s in SubmissionStatus if not s.postable] == ["timeout"]
    assert [s.value for s in SubmissionStatus if s.trained] == ["scored", "diverged"]
    with pytest.raises(ValueError, match=r"status: unknown submission status 'late'; known: scored, diverged"):
        SubmissionStatus.coerce("late")
    with pytest.raises(ValueError, match="unknown submission status"):
        SubmissionResult(1, "0x", {}, "late")


# --------------------------------------------------------------------------- aggregation rule
def test_aggregate__floor_of_mean_with_standard_error():
    agg = aggregate_runs([_run(1, 1, "scored", 6001), _run(1, 2, "scored", 5800), _run(1, 3, "scored", 6300)])
    assert agg["status"] is SubmissionStatus.SCORED
    assert agg["score_bps"] == (6001 + 5800 + 6300) // 3 == 6033  # floor, never rounded up
    assert agg["seed_scores"] == [6001, 5800, 6300]
    assert agg["score_se_bps"] == pytest.approx(statistics.stdev([6001, 5800, 6300]) / math.sqrt(3))
    one = aggregate_runs([_run(1, 1, "scored", 7000)])
    assert (one["score_bps"], one["score_se_bps"]) == (7000, None)


def test_aggregate__a_diverged_run_counts_zero_all_diverged_is_diverged():
    agg = aggregate_runs([_run(1, 1, "scored", 9000), _run(1, 2, "diverged", 9999), _run(1, 3, "scored", 9000)])
    assert agg["status"] is SubmissionStatus.SCORED
    assert agg["seed_scores"] == [9000, 0, 9000] and agg["score_bps"] == 6000  # lucky seeds cannot hide a divergence
    assert "seed(s) [2]" in agg["reason"]
    agg = aggregate_runs([_run(1, 1, "diverged", 5000), _run(1, 2, "diverged", 5000)])
    assert (agg["status"], agg["score_bps"], agg["seed_scores"]) == (SubmissionStatus.DIVERGED, 0, [0, 0])


def test_aggregate__timeout_outranks_crash_and_failure():
    agg = aggregate_runs([_run(1, 1, "scored", 9000), _run(1, 2, "failed", reason="boom"),
                          _run(1, 3, "timeout", reason="slow")])
    assert (agg["status"], agg["score_bps"], agg["reason"]) == (SubmissionStatus.TIMEOUT, 0, "slow")
    agg = aggregate_runs([_run(1, 1, "failed", reason="boom"), _run(1, 2, "crashed", reason="died")])
    assert (agg["status"], agg["reason"]) == (SubmissionStatus.CRASHED, "died")
    with pytest.raises(ValueError, match="at least one run"):
        aggregate_runs([])


# --------------------------------------------------------------------------- scheduling for model re-use
def test_next_task__seeds_of_a_submission_stay_in_the_process_that_built_it():
    """A process's compiled-model cache only helps the runs it receives (issue 13): a free
    process takes its own architecture first, then one nobody builds, and steals only when
    nothing else is left (so no process idles)."""
    from bounty_client.ml.evaluation.backends import _next_task, _Slot

    def task(sub, seed, units, lr=0.01):
        return {"submission_id": sub, "seed": seed,
                "hyperparameters": {"lstm_layers": 1, "lstm_units": units, "learning_rate": lr}}

    # Largest first, seeds adjacent; the queue pops from its end.
    order = [task(1, s, 64) for s in (1, 2, 3)] + [task(2, s, 32) for s in (1, 2, 3)] + [task(3, 1, 64, lr=0.1)]
    queue = list(reversed(order))
    a, b = _Slot(None, None, ready=True), _Slot(None, None, ready=True)

    def take(slot):
        t = _next_task(queue, slot, [a, b])
        slot.built.add(tuple(sorted((k, str(v)) for k, v in t["hyperparameters"].items() if k != "learning_rate")))
        return t["submission_id"], t["seed"]

    assert take(a) == (1, 1)
    assert take(b) == (2, 1)  # not (1, 2): a is building submission 1's architecture
    assert take(a) == (1, 2) and take(a) == (1, 3)
    assert take(a) == (3, 1)  # another learning rate, the same architecture: a's cache serves it
    assert take(a) == (2, 2)  # nothing of a's left: steal rather than idle
    assert take(b) == (2, 3) and queue == []


# --------------------------------------------------------------------------- k seeds, real training
@pytest.mark.slow
def test_evaluate__k_seeds__one_run_each_and_same_seed_same_score(arrays):
    protocol = TrainingProtocol(epochs=1, batch_size=32, seed=7)
    subs = [Submission(1, "0xA", Hyperparameters(1, 4, 0, "relu", "sparse_categorical_crossentropy",
                                                 learning_rate=0.01))]
    three = evaluate(subs, arrays, protocol, seeds=[7, 8, 9], backend="sequential", progress=False)
    r = three[1]
    assert r.seeds == [7, 8, 9] and len(r.seed_scores) == 3 and [x["seed"] for x in r.runs] == [7, 8, 9]
    assert r.score_bps == sum(r.seed_scores) // 3
    assert three.metric == "balanced_accuracy" and three.seeds == [7, 8, 9]
    n1 = int(arrays["y_test"].sum())
    assert three.test_classes == [len(arrays["y_test"]) - n1, n1] and three.baseline_bps == 5000
    # Old callers pass only a protocol: one run with the protocol's seed, equal to seed 7's run above.
    one = evaluate(subs, arrays, protocol, backend="sequential", progress=False)
    assert one.seeds == [7] and one[1].seed_scores == [r.seed_scores[0]] and one[1].score_se_bps is None
    # The report carries it all and reads back.
    report = json.loads(three.to_json())
    sub = report["submissions"][0]
    assert sub["seed_scores"] == r.seed_scores and report["seeds"] == [7, 8, 9]
    assert report["metric"] == "balanced_accuracy" and report["complete"] is True
    assert report["version"] == 2 and load_report(three.to_json()).report() == three.report()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"seeds": []}, r"seeds: give at least one seed"),
        ({"seeds": [1, 1]}, r"seeds: duplicate seeds in \[1, 1\]"),
        ({"seeds": [1, -2]}, r"seeds\[1\]: must be an integer in \[0, 2\*\*32\), got -2"),
        ({"seeds": "123"}, r"seeds: must be a sequence of integers, got str"),
        ({"metric": "f1"}, r"metric: must be 'balanced_accuracy' or 'accuracy', got 'f1'"),
        ({"timeout_s": 0}, r"timeout_s: must be None or a number of seconds > 0, got 0"),
    ],
)
def test_evaluate__bad_seeds_metric_or_timeout__raise_before_training(arrays, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        evaluate(_subs(1), arrays, TrainingProtocol(), progress=False, worker=instant_worker, **kwargs)


# --------------------------------------------------------------------------- noise rule
def _board(scores, classes=(150, 150), se=None):
    results = [SubmissionResult(i + 1, "0x0", {}, "scored", score_bps=s, score_se_bps=se, seed_scores=[s])
               for i, s in enumerate(scores)]
    return EvaluationResult(results=results, protocol=TrainingProtocol(), seeds=[1], baseline_bps=5000,
                            test_classes=list(classes))


def test_lead__within_noise_is_marked_in_leaderboard_text_and_plot():
    close = _board([6100, 6072])  # the demo's 28 bps lead on ~300 windows
    lead = close.lead()
    test_se = sampling_error_bps(6100, (150, 150), "balanced_accuracy")
    assert 250 < test_se < 300
    assert lead.within_noise and lead.lead_bps == 28 and lead.threshold_bps > 2 * test_se
    assert close.leaderboard["note"].tolist() == ["within noise", ""]
    assert "within the noise" in close.how_to_read() and "5000 bps" in close.how_to_read()
    assert "lead within noise" in repr(close)
    assert "within the noise" in close.plot().axes[0].get_title()
    clear = _board([9000, 5000])
    assert not clear.lead().within_noise and clear.leaderboard["note"].iloc[0] == "clear lead"
    # Seed spread adds to the noise: the same lead is within noise when seeds disagree a lot.
    assert _board([7000, 6400], classes=(5000, 5000), se=300).lead().within_noise
    assert not _board([7000, 6400], classes=(5000, 5000), se=10).lead().within_noise
    assert _board([7000]).lead() is None


def test_sampling_error__matches_binomial_formula():
    assert sampling_error_bps(7000, (40, 60), "accuracy") == pytest.approx(10_000 * math.sqrt(0.21 / 100))
    assert sampling_error_bps(7000, (40, 60), "balanced_accuracy") == pytest.approx(
        5_000 * math.sqrt(0.21 / 40 + 0.21 / 60))
    assert sampling_error_bps(7000, None, "accuracy") == 0.0


def test_report__version_1_still_loads_as_accuracy():
    report = _board([6000, 5000]).report()
    report.update(version=1)
    for key in ("metric", "seeds", "baseline_bps", "test_classes", "complete", "lead"):
        report.pop(key)
    old = EvaluationResult.from_report(report)
    assert old.metric == "accuracy" and old.scores() == {1: 6000, 2: 5000}


# --------------------------------------------------------------------------- time limits
@pytest.mark.parametrize("backend, workers", [("sequential", 1), ("processes", 2)])
def test_evaluate__run_past_its_time_limit__retried_once_then_timeout_and_unpostable(
        backend, workers, tmp_path, monkeypatch):
    monkeypatch.setenv("HANG_DIR", str(tmp_path))
    limit = 3.0
    started = time.monotonic()
    result = evaluate(_subs(3), {"x_train": [[[0.0]]], "y_train": [0], "x_val": [[[0.0]]], "y_val": [0],
                                 "x_test": [[[0.0]]], "y_test": [1]},
                      TrainingProtocol(seed=4), backend=backend, workers=workers, progress=False,
                      worker=hanging_worker, timeout_s=limit)
    elapsed = time.monotonic() - started
    pids = [int(p) for p in (tmp_path / "attempts").read_text().split()]

    assert len(pids) == 2  # the first try and exactly one retry
    assert 2 * limit <= elapsed < HANG_SECONDS  # never waited for the hang itself
    hung = result[HANG_ID]
    assert (hung.status, hung.score_bps) == (SubmissionStatus.TIMEOUT, 0)
    assert "exceeded the run time limit of 3s on each of 2 tries" in hung.reason
    assert [result[i].status for i in (1, 3)] == ["scored", "scored"] and result[1].score_bps == 6004
    assert not result.complete and result.unpostable() == [hung]
    with pytest.raises(IncompleteEvaluationError, match=r"nothing may be posted: #2 timeout: seed 4: exceeded"):
        result.scores()
    assert json.loads(result.to_json())["complete"] is False
    assert "INCOMPLETE" in repr(result) and "INCOMPLETE: #2" in result.how_to_read()
    if backend == "processes":  # the hung worker processes were killed, not left running
        assert all(not psutil.pid_exists(p) or psutil.Process(p).status() == psutil.STATUS_ZOMBIE for p in pids)


def test_evaluate__run_well_inside_its_time_limit__scored(tmp_path, monkeypatch):
    result = evaluate(_subs(2), {"x_train": [[[0.0]]], "y_train": [0], "x_val": [[[0.0]]], "y_val": [0],
                                 "x_test": [[[0.0]]], "y_test": [1]},
                      TrainingProtocol(seed=1), seeds=[1, 2], backend="processes", workers=2, progress=False,
                      worker=instant_worker, timeout_s=60)
    assert result.complete and result.scores() == {1: 6001, 2: 6001}
    assert result[1].seed_scores == [6001, 6002]


# --------------------------------------------------------------------------- scripts run as users run them
SCRIPT = """\
import warnings
import numpy as np
from bounty_client.ml.evaluation import Submission, evaluate
from bounty_client.protocol.hyperparams import Hyperparameters
from bounty_client.protocol.spec import TrainingProtocol

def arrays():
    rng = np.random.default_rng(0)
    def part(n):
        x = rng.standard_normal((n, 4, 3)).astype(np.float32)
        return x, (x[:, -1, 0] > 0).astype(np.int64)
    (a, b), (c, d), (e, f) = part(64), part(16), part(32)
    return dict(x_train=a, y_train=b, x_val=c, y_val=d, x_test=e, y_test=f)

{guard}
    subs = [Submission(i, "0x1", Hyperparameters(1, 4, 0, "relu", "hinge")) for i in (1, 2)]
    result = evaluate(subs, arrays(), TrainingProtocol(epochs=1, batch_size=32), workers=2, progress=True)
    # pydantic-settings' warning as Ape's config models raise it: silenced by quiet().
    warnings.warn("Field 'x' has an incomplete definition: its annotation contains an unresolved forward "
                  "reference", UserWarning)
    print("RESULT", result)
"""


def _run_script(tmp_path: Path, guard: str) -> subprocess.CompletedProcess:
    script = tmp_path / "user_script.py"
    script.write_text(SCRIPT.replace("{guard}", guard))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "RAY_"))}  # as a new user's shell
    env["PYTHONPATH"] = str(SRC)
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env,
                          cwd=tmp_path)


def test_script_without_main_guard__fails_at_once_naming_the_guard(tmp_path):
    started = time.monotonic()
    out = _run_script(tmp_path, "if True:")
    assert out.returncode != 0
    assert "WorkerStartupError: evaluation worker processes exited before they started" in out.stderr
    assert 'under `if __name__ == "__main__":`' in out.stderr
    assert "RESULT" not in out.stdout
    assert time.monotonic() - started < 300  # bounded by the subprocess timeout: it cannot hang


@pytest.mark.slow
def test_script_with_workers__prints_our_lines_and_no_library_noise(tmp_path):
    out = _run_script(tmp_path, 'if __name__ == "__main__":')
    assert out.returncode == 0, out.stderr
    assert "RESULT EvaluationResult(2 submissions: scored=2" in out.stdout
    lines = out.stderr.splitlines()  # our progress lines, one per run, and nothing else
    assert len(lines) == 2 and all(line.startswith(("[1/2] submission #", "[2/2] submission #")) for line in lines), \
        out.stderr
    noise = [line for line in (out.stdout + out.stderr).splitlines() if is_noise(line)]
    assert noise == [], noise
    for fragment in ("absl::InitializeLog", "oneDNN", "cuda", "incomplete definition", "metrics exporter"):
        assert fragment not in out.stderr


def test_is_noise__knows_the_lines_and_keeps_ours():
    assert is_noise("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR")
    assert is_noise("I0000 00:00:1796005732.809921    6379 port.cc:153] oneDNN custom operations are on. You may")
    assert is_noise("(raylet) Failed to establish connection to the metrics exporter agent. Metrics will not be")
    assert not is_noise("[1/2] submission #1 seed 0 scored 5432 bps in 6.8s")
    assert not is_noise("RuntimeError: real trouble")
    assert len(NOISE_PATTERNS) >= 8
