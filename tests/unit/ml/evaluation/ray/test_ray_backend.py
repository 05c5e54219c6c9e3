"""The Ray backend against a real local Ray runtime and a real two-node Ray cluster.

Nothing is faked: tasks run in Ray worker processes that import TensorFlow and train
real (tiny) Keras models.  Failures are real too: a worker process is SIGKILLed from
this process while it runs a task, a worker exits on every try, a task hangs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from ray_support import make_submissions

from bounty_client.ml.evaluation import IncompleteEvaluationError, evaluate, get_backend, score_submission
from bounty_client.ml.evaluation.ray_backend import RayBackend, connect, run_ray


def assert_same_as_reference(result, reference, ids=None):
    """Bit-identical: score, validation accuracy and every per-epoch metric."""
    for ref in reference.results:
        if ids is not None and ref.submission_id not in ids:
            continue
        got = result[ref.submission_id]
        assert got.status == "scored", (got.submission_id, got.reason)
        assert got.score_bps == ref.score_bps, got.submission_id
        assert got.val_accuracy == ref.val_accuracy, got.submission_id
        assert got.history == ref.history, got.submission_id


def wait_for_file(path: Path, timeout: float = 120.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def wait_gone(pid: int, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


# --------------------------------------------------------------------------- no Ray needed
def test_import__bounty_client_does_not_import_ray():
    code = ("import sys, bounty_client, bounty_client.ml.evaluation; "
            "assert 'ray' not in sys.modules, 'ray imported'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert get_backend("ray") is run_ray


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_cpus": 0}, r"num_cpus: must be an integer >= 1, got 0"),
        ({"num_cpus": 1.5}, r"num_cpus: must be an integer >= 1, got 1.5"),
        ({"max_retries": -1}, r"max_retries: must be an integer >= 0, got -1"),
        ({"timeout_s": 0}, r"timeout_s: must be a number of seconds > 0, got 0"),
        ({"max_in_flight": 0}, r"max_in_flight: must be None or an integer >= 1, got 0"),
    ],
)
def test_ray_backend__bad_settings__raise_naming_the_field(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RayBackend(**kwargs)


def test_connect__bad_address__raises_before_starting_ray():
    import ray

    with pytest.raises(ValueError, match=r"address: must be None, 'auto', 'local' or a Ray address"):
        connect("  ")
    assert not ray.is_initialized()


def test_connect__ray_client_init_aborted_once__retried_after_a_shutdown(monkeypatch):
    """Ray Client's proxier can abort an init when the server it just started is a zombie for an
    instant (seen under load): one more try; a second abort, or an abort on a non-client
    address, propagates."""
    import ray

    from bounty_client.ml.evaluation import ray_backend

    calls = []

    def init(address=None, **kwargs):
        calls.append(address)
        if calls.count(address) <= aborts:
            raise ConnectionAbortedError("Initialization failure from server: psutil.ZombieProcess")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", init)
    monkeypatch.setattr(ray, "shutdown", lambda: calls.append("shutdown"))
    monkeypatch.setattr(ray_backend, "_cluster_info", lambda ray: {"address": "ray://x:1", "nodes": 1, "cpus": 2.0})
    monkeypatch.setattr(ray_backend.time, "sleep", lambda s: None)
    aborts = 1
    assert connect("ray://x:1")["nodes"] == 1
    assert calls == ["ray://x:1", "shutdown", "ray://x:1"]
    calls.clear()
    aborts = 2
    with pytest.raises(ConnectionAbortedError):
        connect("ray://x:1")
    assert calls == ["ray://x:1", "shutdown", "ray://x:1"]
    calls.clear()
    aborts = 1
    with pytest.raises(ConnectionAbortedError):
        connect("127.0.0.1:6379")
    assert calls == ["127.0.0.1:6379"]


# --------------------------------------------------------------------------- local runtime
@pytest.mark.slow
def test_ray__local_runtime__scores_bit_identical_to_sequential(ray_local, arrays, protocol, submissions, reference,
                                                                recording):
    rec = recording(run_ray)
    result = evaluate(submissions, arrays, protocol, backend=rec.name, progress=False)

    assert_same_as_reference(result, reference)
    assert [r.submission_id for r in result.ranked()] == [r.submission_id for r in reference.ranked()]
    node = ray_local.get_runtime_context().get_node_id()
    assert {r["node"] for r in rec.raw.values()} == {node}
    assert run_ray.nodes == {s.id: node for s in submissions}
    assert all(r["pid"] != os.getpid() for r in rec.raw.values())  # trained in Ray workers, not here
    assert all(r["threads"] == [1, 1] for r in rec.raw.values())  # num_cpus=1 -> one TF thread each

    # A task no node can hold would wait forever: refused before anything is dispatched.
    greedy = recording(RayBackend(num_cpus=3))
    with pytest.raises(ValueError, match=r"num_cpus: each task needs 3 CPUs but the largest Ray node has 2"):
        evaluate(submissions, arrays, protocol, backend=greedy.name, progress=False)
    assert greedy.raw == {}


# --------------------------------------------------------------------------- two-node cluster
@pytest.mark.slow
def test_ray__two_node_cluster_through_ray_client__identical_scores_and_both_nodes_used(
        ray_cluster, arrays, protocol, submissions, reference, recording):
    import ray

    info = connect(ray_cluster.client_address)  # ray://127.0.0.1:PORT, as for a remote cluster
    assert info["nodes"] == 2 and info["cpus"] == 2.0
    assert connect("ray://elsewhere:1") == info  # already connected: reused as is
    nodes = {n["NodeID"] for n in ray.nodes() if n["Alive"]}
    assert len(nodes) == 2

    rec = recording(run_ray)
    result = evaluate(submissions, arrays, protocol, backend=rec.name, progress=False)

    assert_same_as_reference(result, reference)
    assert {r["node"] for r in rec.raw.values()} == nodes
    assert set(run_ray.nodes.values()) == nodes


# --------------------------------------------------------------------------- fault tolerance
@pytest.mark.slow
def test_ray__worker_killed_mid_task__retried_and_scored(ray_local, arrays, protocol, reference, recording,
                                                         tmp_path):
    """A thread here SIGKILLs the Ray worker process while it runs submission 2's task
    (the task announces its pid in a marker file, then waits); Ray re-runs the task
    in another worker process and it is scored as if nothing had happened."""
    victim, marker, tmp, attempts = 2, tmp_path / "started", tmp_path / "started.tmp", tmp_path / "attempts"

    def worker(payload):
        if payload["submission_id"] == victim:
            with open(attempts, "a") as f:
                f.write(f"{os.getpid()}\n")
            if not marker.exists():
                tmp.write_text(str(os.getpid()))
                os.replace(tmp, marker)  # atomic: the killer never reads a half-written pid
                time.sleep(300)  # killed from outside while here
        return score_submission(payload)

    killed: list[int] = []

    def killer():
        pid = int(wait_for_file(marker))
        assert pid != os.getpid()
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    rec = recording(RayBackend(max_retries=2))
    result = evaluate(make_submissions()[:2], arrays, protocol, backend=rec.name, progress=False, worker=worker)
    thread.join(timeout=5)

    assert len(killed) == 1
    tries = [int(line) for line in attempts.read_text().split()]
    assert len(tries) == 2 and tries[0] == killed[0] and tries[1] != killed[0]
    assert rec.raw[victim]["pid"] == tries[1]
    assert_same_as_reference(result, reference, ids={1, 2})  # the victim too, after its retry


@pytest.mark.slow
def test_ray__worker_dying_on_every_try__crashed_with_reason_others_scored(ray_local, arrays, protocol, reference,
                                                                           recording, tmp_path):
    victim, attempts = 2, tmp_path / "attempts"

    def worker(payload):
        if payload["submission_id"] == victim:
            with open(attempts, "a") as f:
                f.write(f"{os.getpid()}\n")
            os._exit(1)  # the process dies; Ray sees a system failure and retries
        return score_submission(payload)

    rec = recording(RayBackend(max_retries=1))
    result = evaluate(make_submissions()[:2], arrays, protocol, backend=rec.name, progress=False, worker=worker)

    bad = result[victim]
    assert bad.status == "crashed" and bad.score_bps == 0
    assert "died on every one of 2 tries (max_retries=1)" in bad.reason
    assert len(attempts.read_text().split()) == 2  # first try + one retry, no more
    assert_same_as_reference(result, reference, ids={1})
    assert result.leaderboard.iloc[-1].submission_id == victim


@pytest.mark.slow
def test_ray__task_past_its_timeout__cancelled_retried_once_then_unpostable_and_no_hang(
        ray_local, arrays, protocol, reference, recording, tmp_path):
    """Submission 1 never finishes: after ``timeout_s`` its task is force-cancelled (its worker
    process killed) and dispatched once more; after the second overrun it is reported
    ``timeout``, the evaluation is incomplete and ``scores()`` refuses to hand out anything
    to post (a 0 that depends on the clock must never reach the chain).  The others are
    scored meanwhile."""
    subs = make_submissions()[:2]
    # The clock runs from dispatch, so it also covers the other task's worker importing
    # TensorFlow: generous enough for a loaded machine.
    victim, attempts, timeout_s = 1, tmp_path / "attempts", 30.0

    def worker(payload):
        if payload["submission_id"] == victim:
            with open(attempts, "a") as f:
                f.write(f"{os.getpid()}\n")
            time.sleep(3600)
        return score_submission(payload)

    rec = recording(RayBackend(timeout_s=timeout_s))
    started = time.monotonic()
    result = evaluate(subs, arrays, protocol, backend=rec.name, progress=False, worker=worker)
    elapsed = time.monotonic() - started

    assert 2 * timeout_s <= elapsed < 2 * timeout_s + 90
    hung = result[victim]
    assert hung.status == "timeout" and hung.score_bps == 0
    assert "no result within timeout_s=30s on each of 2 tries" in hung.reason
    assert_same_as_reference(result, reference, ids={2})
    assert not result.complete
    with pytest.raises(IncompleteEvaluationError, match=r"#1 timeout"):
        result.scores()
    # Each try that reached the worker function recorded its pid (the reason above already says there were 2
    # tries; on a loaded machine the retry may be cancelled while its worker still imports TensorFlow, before
    # it records one); every recorded worker process was killed.
    pids = [int(p) for p in attempts.read_text().split()]
    assert 1 <= len(pids) <= 2
    assert all(wait_gone(pid) for pid in pids), "a hung worker process was not killed"


# --------------------------------------------------------------------------- quiet output
RAY_SCRIPT = """\
from bounty_client.ml.evaluation import evaluate
from bounty_client.ml.evaluation.ray_backend import connect
from bounty_client.protocol.spec import TrainingProtocol
from ray_support import make_submissions, tiny_arrays

if __name__ == "__main__":
    connect(num_cpus=1, object_store_memory=80 * 1024 * 1024)
    result = evaluate(make_submissions()[:1], tiny_arrays(), TrainingProtocol(epochs=1, batch_size=32),
                      backend="ray", progress=True)
    print("RESULT", result)
    import ray
    ray.shutdown()
"""


@pytest.mark.slow
def test_ray__script__prints_our_lines_and_no_library_noise(tmp_path):
    """A user's script on a fresh local runtime: no TensorFlow/absl start-up lines from the
    Ray workers, no usage-stats notice, no metrics-agent complaint."""
    from bounty_client.quiet import is_noise

    script = tmp_path / "ray_script.py"
    script.write_text(RAY_SCRIPT)
    here = Path(__file__).resolve().parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "RAY_"))}  # as a new user's shell
    env["PYTHONPATH"] = os.pathsep.join([str(here.parents[4] / "src"), str(here.parents[3] / "support")])
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, env=env,
                         cwd=tmp_path, start_new_session=True)
    assert out.returncode == 0, out.stderr
    assert "RESULT EvaluationResult(1 submissions: scored=1" in out.stdout
    assert "[1/1] submission #1 seed 0 scored" in out.stderr
    noise = [line for line in (out.stdout + out.stderr).splitlines() if is_noise(line)]
    assert noise == [], noise
    for fragment in ("absl::InitializeLog", "oneDNN", "metrics exporter", "Usage stats"):
        assert fragment not in out.stderr, out.stderr
