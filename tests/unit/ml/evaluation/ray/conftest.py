"""Fixtures for the Ray backend tests: a real local Ray runtime or a real two-node Ray
cluster on this machine, tiny real Keras trainings, and the sequential scores to match.

Every Ray fixture shuts its runtime down after the test and then kills any process
it left behind (only descendants of this pytest process, never other people's Ray).
Sizes are small on purpose (a few hundred windows, 4 LSTM units, one epoch) so the
whole folder runs in about two minutes on two shared cores; most of that is starting
Ray and importing TensorFlow in its worker processes.
"""

from __future__ import annotations

import os
import socket

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_enable_metrics_collection", "0")

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
import psutil
import pytest

from bounty_client.ml.evaluation import Submission, evaluate, register_backend
from bounty_client.protocol.spec import TrainingProtocol
from ray_support import make_submissions, tiny_arrays

#: Object store per node: the arrays are tiny; keep Ray's shared-memory footprint small.
OBJECT_STORE_BYTES = 80 * 1024 * 1024


@pytest.fixture(scope="session")
def arrays() -> dict[str, np.ndarray]:
    return tiny_arrays()


@pytest.fixture(scope="session")
def protocol() -> TrainingProtocol:
    return TrainingProtocol(epochs=1, batch_size=32, seed=7)


@pytest.fixture(scope="session")
def submissions() -> list[Submission]:
    return make_submissions()


@pytest.fixture(scope="session")
def reference(arrays, protocol, submissions):
    """The same submissions scored by the ``sequential`` backend in this process."""
    return evaluate(submissions, arrays, protocol, backend="sequential", progress=False)


def _kill_leftovers(before: set[int]) -> list[str]:
    """Kill descendants of this process that were not there before (Ray's, after shutdown)."""
    me = psutil.Process()
    leftovers = [p for p in me.children(recursive=True) if p.pid not in before]
    names = []
    for proc in leftovers:
        try:
            names.append(proc.name())
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(leftovers, timeout=10)
    return names


@pytest.fixture
def ray_local() -> Iterator[Any]:
    """A fresh local Ray runtime with 2 CPUs, started through ``connect``; shut down after."""
    import ray

    from bounty_client.ml.evaluation.ray_backend import connect

    assert not ray.is_initialized(), "a previous test left Ray initialized"
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    info = connect(num_cpus=2, object_store_memory=OBJECT_STORE_BYTES, log_to_driver=False)
    assert info["nodes"] == 1 and info["cpus"] == 2.0
    try:
        yield ray
    finally:
        ray.shutdown()
        _kill_leftovers(before)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ray_cluster() -> Iterator[Any]:
    """Two raylets on this machine (head + one worker node, 1 CPU each) via ``ray.cluster_utils.Cluster``.

    The head also runs a Ray Client server; ``cluster.client_address`` is its
    ``ray://127.0.0.1:PORT`` address, which the test connects to (as an organizer
    would to a remote cluster).  Ray is not initialized in this process yet.
    """
    import ray
    from ray.cluster_utils import Cluster

    assert not ray.is_initialized(), "a previous test left Ray initialized"
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    node_args = {"num_cpus": 1, "object_store_memory": OBJECT_STORE_BYTES}
    port = free_port()
    cluster = Cluster(initialize_head=True,
                      head_node_args=dict(node_args, include_dashboard=False, ray_client_server_port=port))
    try:
        cluster.add_node(**node_args)
        cluster.wait_for_nodes()
        cluster.client_address = f"ray://127.0.0.1:{port}"
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()
        _kill_leftovers(before)


@dataclass
class Recorder:
    """A registered backend name that runs a given backend and keeps the raw result dicts it reported."""

    name: str
    raw: dict[int, dict[str, Any]] = field(default_factory=dict)


@pytest.fixture
def recording() -> Iterator[Callable[[Any], Recorder]]:
    """``recording(backend)`` registers ``backend`` under a fresh name that records raw results."""
    from bounty_client.ml.evaluation import BACKENDS

    counter = iter(range(1_000_000))
    made: list[str] = []

    def make(backend: Any) -> Recorder:
        rec = Recorder(f"ray-recording-{next(counter)}")

        def run(tasks, dataset, *, workers, worker, on_result):
            def record(result: dict[str, Any]) -> None:
                rec.raw[result["submission_id"]] = result
                on_result(result)

            backend(tasks, dataset, workers=workers, worker=worker, on_result=record)

        register_backend(rec.name, run)
        made.append(rec.name)
        return rec

    yield make
    for name in made:
        BACKENDS.pop(name, None)
