"""The Verify button's background worker: ``verify`` in a separate process, one job at a time.

A job re-trains every revealed submission (TensorFlow), so it runs in its own Python process
(``python -m bounty_client.explorer._verify_worker``): the web server keeps its memory and its
responsiveness, and the process ends with the job.  Progress is read from the lines the
evaluation prints for each finished run (``[3/6] submission #1 seed ... scored 5400 bps``); the
result is the JSON line the worker prints last.

Results are kept per ``(bounty, report CID)`` — a new score batch means a new report, so a new
job — for as long as the server runs, at most ``keep`` of them: a second visitor sees the first
one's result instead of re-training.  A job that fails (or exceeds ``timeout`` seconds) keeps its
one-line error; asking again retries it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .cache import LRU

__all__ = ["Job", "VerifyJobs"]

_PROGRESS = re.compile(r"^\[(\d+)/(\d+)\]\s*(.*)$")


@dataclass
class Job:
    """One verification: ``state`` is queued, running, done or failed."""

    bounty: str
    report_cid: str
    state: str = "queued"
    done: int = 0
    total: int = 0
    message: str = "waiting for the worker"
    result: "dict[str, Any] | None" = None
    error: "str | None" = None
    queued_at: float = field(default_factory=time.time)
    started_at: "float | None" = None
    finished_at: "float | None" = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def ok(self) -> bool:
        return bool(self.result and self.result.get("ok"))

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def seconds(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.finished_at or time.time()) - self.started_at


class VerifyJobs:
    """Queue and run verifications of bounties on ``network`` with ``store_url`` and ``factory``."""

    def __init__(self, network: str, store_url: str, factory: "str | None", *, keep: int = 64,
                 timeout: float = 3600.0):
        self.network, self.store_url, self.factory = network, store_url, factory
        self.timeout = timeout
        self._jobs: LRU[Job] = LRU(keep)
        self._queue: "deque[Job]" = deque()
        self._wake = threading.Condition()
        self._thread: "threading.Thread | None" = None
        self._proc: "subprocess.Popen[str] | None" = None
        self._closed = False

    def get(self, bounty: str, report_cid: str) -> "Job | None":
        return self._jobs.get((bounty, report_cid))

    def start(self, bounty: str, report_cid: str) -> Job:
        """The job of ``(bounty, report_cid)``: the existing one unless it failed, else a new one queued."""
        with self._wake:
            job = self._jobs.get((bounty, report_cid))
            if job is not None and job.state != "failed":
                return job
            job = self._jobs.put((bounty, report_cid), Job(bounty, report_cid))
            self._queue.append(job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="explorer-verify", daemon=True)
                self._thread.start()
            self._wake.notify()
            return job

    def close(self) -> None:
        """Stop the worker process of a running job (the server is shutting down)."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    # ------------------------------------------------------------------ worker thread
    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._closed:
                    self._wake.wait(timeout=60)
                    if not self._queue:
                        return  # idle: the thread ends; start() makes a new one
                if self._closed:
                    return
                job = self._queue.popleft()
            self._execute(job)

    def _command(self, job: Job) -> list[str]:
        cmd = [sys.executable, "-m", "bounty_client.explorer._verify_worker", "--network", self.network,
               "--bounty", job.bounty, "--store", self.store_url]
        if self.factory:
            cmd += ["--factory", self.factory]
        return cmd

    def _execute(self, job: Job) -> None:
        job.state, job.started_at, job.message = "running", time.time(), "starting a worker process"
        env = dict(os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="3")
        tail: "deque[str]" = deque(maxlen=20)
        try:
            proc = subprocess.Popen(self._command(job), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=env, stdin=subprocess.DEVNULL)
        except OSError as exc:
            self._fail(job, f"could not start the verify worker: {exc}")
            return
        self._proc = proc
        stdout: "deque[str]" = deque(maxlen=50)  # the verdict is the last line
        reader = threading.Thread(target=lambda: stdout.extend(proc.stdout or []), daemon=True)
        reader.start()
        deadline = time.time() + self.timeout
        watchdog = threading.Timer(self.timeout, proc.kill)  # a silent, hung worker is stopped too
        watchdog.daemon = True
        watchdog.start()
        for line in proc.stderr or []:
            line = line.strip()
            if not line:
                continue
            tail.append(line)
            m = _PROGRESS.match(line)
            if m:
                job.done, job.total, job.message = int(m.group(1)), int(m.group(2)), m.group(3)
            elif line.startswith("worker:"):
                job.message = line.removeprefix("worker:").strip()
        try:
            proc.wait(timeout=max(1.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        watchdog.cancel()
        reader.join(timeout=5)
        self._proc = None
        if time.time() > deadline:
            self._fail(job, f"verify took longer than {self.timeout:.0f} s and was stopped")
            return
        last = next((s for s in reversed(stdout) if s.strip()), "")
        try:
            answer = json.loads(last)
        except ValueError:
            reason = next((s for s in reversed(tail) if not _PROGRESS.match(s)), f"exit status {proc.returncode}")
            self._fail(job, f"the verify worker stopped: {reason}")
            return
        if "error" in answer:
            self._fail(job, str(answer["error"]))
            return
        job.result = answer
        job.state, job.finished_at = "done", time.time()
        job.message = "OK: every score and credit reproduced" if answer.get("ok") else "MISMATCH"

    @staticmethod
    def _fail(job: Job, message: str) -> None:
        job.error = " ".join(message.split())
        job.state, job.finished_at, job.message = "failed", time.time(), job.error
