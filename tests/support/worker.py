"""A real Celery worker process for integration tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from celery import Celery

from emuchat.celery import all_queue_names

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """``celery -A emuchat worker`` against the test database and a private queue."""

    def __init__(self, *, broker: str, database_url: str, queue: str, extra_env: dict[str, str] | None = None):
        self.broker, self.database_url, self.queue = broker, database_url, queue
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = ROOT / "build" / f"worker-{queue}.log"

    def start(self, app: Celery, timeout: float = 30) -> None:
        env = (
            os.environ
            | {
                "DATABASE_URL": self.database_url,
                "CELERY_BROKER_URL": self.broker,
                "CELERY_RESULT_BACKEND": self.broker,
                "CELERY_TASK_DEFAULT_QUEUE": self.queue,
                "DJANGO_SETTINGS_MODULE": "emuchat.settings",
            }
            | self.extra_env
        )
        self.log_path.parent.mkdir(exist_ok=True)
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "emuchat",
                "worker",
                "--pool=solo",
                "-Q",
                ",".join(all_queue_names(self.queue)),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{self.log_path.read_text()[-3000:]}")
            replies = app.control.ping(timeout=0.5, destination=None)
            if any(replies):
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"Celery worker did not answer within {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: a worker dying mid-task, as on an OOM kill or a lost machine."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
