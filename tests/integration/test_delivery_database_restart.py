"""Recovery in a minute: PostgreSQL restarts in the middle of a send (issue 11, item 7).

Real parts only: a private PostgreSQL cluster and a private redis-server on
spare ports (``tests/support/outage.py``; the machine's shared services are
never touched), a real Celery worker and beat against them, the real Twilio
backend and a fake Twilio noting every request. PostgreSQL is crashed
(``pg_ctl -m immediate``) while calls are in flight and started again a few
seconds later. Then every text must reach a final status (sent, failed,
unconfirmed) within 60 s with no one's help, and none may reach the provider
twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import psycopg
import pytest

from emuchat.celery import app as celery_app
from tests.conftest import _reset_connections
from tests.support.fake_twilio import FakeTwilio
from tests.support.outage import PrivatePostgres, PrivateRedis
from tests.support.worker import ROOT, Worker

pytestmark = pytest.mark.integration

TEXTS = 1200
CONCURRENCY = 40
ACCOUNT, TOKEN = "AC" + "7" * 32, "restart-token"
SETUP = """
from workspaces.models import Workspace
from messaging.models import SenderNumber
acme = Workspace.objects.create(name="Acme Bakery", slug="acme", default_region="US")
SenderNumber.objects.create(workspace=acme, phone="+14155550100", label="Main", rate_per_second=5000)
"""
SEND = f"""
from messaging import services
from workspaces.models import Workspace
numbers = [f"+1415558{{n:04d}}" for n in range({TEXTS})]
services.send_bulk(workspace=Workspace.objects.get(slug="acme"), recipients=numbers, body="Flash sale")
"""


class Stack:
    """A private PostgreSQL and Redis, the fake Twilio, and the worker and beat processes run against them."""

    def __init__(self, fake: FakeTwilio) -> None:
        self.postgres, self.redis, self.fake = PrivatePostgres(), PrivateRedis(), fake
        self.queue = f"emuchat-pg-restart-{uuid.uuid4().hex[:8]}"
        self.processes: list[Worker | subprocess.Popen] = []

    @property
    def env(self) -> dict[str, str]:
        drop = {"CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SMS_RATE_LIMIT_REDIS_URL"}
        return {k: v for k, v in os.environ.items() if k not in drop} | {
            "DATABASE_URL": self.postgres.url,
            "CELERY_BROKER_URL": self.redis.url,
            "CELERY_RESULT_BACKEND": self.redis.url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "SENDING_STALE_AFTER_SECONDS": "10",
            "QUEUED_STALE_AFTER_SECONDS": "10",
            "SMS_BACKEND": "messaging.backends.twilio.SmsBackend",
            "TWILIO_API_BASE_URL": self.fake.url,
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "SMS_DELIVERY_CONCURRENCY": str(CONCURRENCY),
            "SITE_URL": "https://emu.example.com",
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "emuchat.settings",
        }

    def manage(self, *args: str) -> None:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        self.postgres.start()
        self.redis.start()
        self.manage("migrate", "--noinput")
        self.manage("shell", "-c", SETUP)

    def worker(self) -> Worker:
        worker = Worker(broker=self.redis.url, database_url=self.postgres.url, queue=self.queue, extra_env=self.env)
        worker.start(celery_app, timeout=120)  # a loaded 2-core machine starts Django slowly
        self.processes.append(worker)
        return worker

    def beat(self) -> None:
        log = (ROOT / "build" / f"beat-{self.queue}.log").open("w")
        schedule = self.redis.directory / "beat-schedule"
        command = [sys.executable, "-m", "celery", "-A", "emuchat", "beat", "-l", "INFO", "-s", str(schedule)]
        beat = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(beat)

    def send(self) -> None:
        self.manage("shell", "-c", SEND)

    def counts(self) -> Counter | None:
        """(status, failure_reason) → texts; None while the database does not answer."""
        try:
            with psycopg.connect(self.postgres.url, connect_timeout=2) as conn:
                rows = conn.execute(
                    "SELECT status, failure_reason, count(*) FROM messaging_message GROUP BY 1, 2"
                ).fetchall()
        except psycopg.OperationalError:
            return None
        return Counter({(status, reason): n for status, reason, n in rows})

    def unconfirmed_ids(self) -> set[int]:
        with psycopg.connect(self.postgres.url, connect_timeout=5) as conn:
            rows = conn.execute("SELECT id FROM messaging_message WHERE failure_reason = 'unconfirmed'").fetchall()
        return {pk for (pk,) in rows}

    def close(self) -> None:
        try:
            for process in reversed(self.processes):
                if isinstance(process, Worker):
                    process.kill()
                elif process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    process.wait(10)
        finally:
            self.redis.close()
            self.postgres.close()


@pytest.fixture
def stack(monkeypatch):
    previous = {key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_default_queue")}
    with FakeTwilio(latency=0.3, auth_token=TOKEN) as fake:
        stack = Stack(fake)
        try:
            stack.start()
            # The test process pings the workers through the private Redis (Celery reads the
            # environment's CELERY_BROKER_URL before its own setting).
            monkeypatch.setenv("CELERY_BROKER_URL", stack.redis.url)
            celery_app.conf.update(broker_url=stack.redis.url, result_backend=stack.redis.url, task_always_eager=False)
            _reset_connections()
            yield stack
        finally:
            stack.close()
            celery_app.conf.update(previous, task_always_eager=True)
            _reset_connections()


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _unfinished(counts: Counter | None) -> int | None:
    if counts is None:
        return None
    return sum(n for (status, _), n in counts.items() if status in ("queued", "sending"))


def test_after_postgresql_restarts_mid_send_every_text_finishes_once_within_a_minute(stack):
    stack.worker()
    stack.beat()
    stack.send()

    # PostgreSQL crashes while calls are in flight and comes back a few seconds later.
    _wait_for(lambda: len(stack.fake.calls) >= 300, 90, "the first calls")
    stack.postgres.stop("immediate")
    crashed_with = len(stack.fake.calls)
    time.sleep(3)
    stack.postgres.start()
    restarted_at = time.monotonic()

    _wait_for(lambda: _unfinished(stack.counts()) == 0, 60, "every text to reach a final status")
    recovered_in = time.monotonic() - restarted_at

    calls = stack.fake.calls
    twice = [message_id for message_id, n in Counter(c.message_id for c in calls).items() if n > 1]
    outcome = stack.counts()
    unconfirmed = stack.unconfirmed_ids()
    assert twice == [], f"{len(twice)} texts handed to the provider twice"
    assert _unfinished(outcome) == 0
    assert recovered_in <= 60
    assert len(calls) > crashed_with, "delivery went on after the restart"
    # Each text went out and was recorded, or was caught in the round the crash broke (at most one round).
    assert outcome[("sent", "")] + outcome[("failed", "unconfirmed")] == TEXTS, outcome
    assert outcome[("failed", "unconfirmed")] <= CONCURRENCY, outcome
    assert outcome[("sent", "")] == len({c.message_id for c in calls} - unconfirmed), outcome
    print(f"recovered {recovered_in:.1f}s after the PostgreSQL restart; {outcome}")
