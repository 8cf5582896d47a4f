"""Recovery in a minute: a worker killed -9 mid-send and a Redis restart, with real workers and beat.

The test runs its own ``redis-server`` on a spare port (never the machine's),
real Celery worker and beat processes, the real Twilio backend and a fake
Twilio noting every request. After the faults, every text must reach a final
status (sent, failed, unconfirmed) within 60 s with no one's help, and none
may reach the provider twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
from django.db import connection

from emuchat.celery import app as celery_app
from messaging import services
from messaging.models import Message
from tests.conftest import _reset_connections
from tests.support.fake_twilio import FakeTwilio
from tests.support.outage import PrivateRedis
from tests.support.services import require_postgres
from tests.support.worker import ROOT, Worker

pytestmark = pytest.mark.integration

FAST_RECOVERY = {"SENDING_STALE_AFTER_SECONDS": "10", "QUEUED_STALE_AFTER_SECONDS": "10"}


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.close()


@pytest.fixture
def stack(private_redis, transactional_db, settings, workspace, monkeypatch):
    """Fake Twilio, a private queue on the private Redis, and helpers to start workers and beat."""
    require_postgres()
    # Celery reads CELERY_BROKER_URL from the environment before its own setting.
    monkeypatch.setenv("CELERY_BROKER_URL", private_redis.url)
    queue = f"emuchat-fault-{uuid.uuid4().hex[:8]}"
    database = connection.settings_dict
    database_url = (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}"
        f":{database['PORT'] or 5432}/{database['NAME']}"
    )
    previous = {key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_default_queue")}
    celery_app.conf.update(
        broker_url=private_redis.url,
        result_backend=private_redis.url,
        task_default_queue=queue,
        task_always_eager=False,
    )
    _reset_connections()
    processes: list = []
    with FakeTwilio(latency=0.3) as fake:
        env = FAST_RECOVERY | {
            "SMS_BACKEND": "messaging.backends.twilio.SmsBackend",
            "TWILIO_API_BASE_URL": fake.url,
            "TWILIO_ACCOUNT_SID": "AC" + "9" * 32,
            "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
            "SMS_DELIVERY_CONCURRENCY": "40",
            "SITE_URL": settings.SITE_URL,
            "DEBUG": "true",
        }

        class Stack:
            def __init__(self) -> None:
                self.fake, self.redis, self.queue = fake, private_redis, queue

            def worker(self) -> Worker:
                worker = Worker(
                    broker=private_redis.url,
                    database_url=database_url,
                    queue=f"{queue}-{len(processes)}",
                    extra_env=env,
                )
                worker.queue = queue  # all workers share the private queues; the log name stays unique
                worker.start(celery_app, timeout=120)  # a loaded 2-core machine starts Django slowly
                processes.append(worker)
                return worker

            def beat(self) -> subprocess.Popen:
                log = (ROOT / "build" / f"beat-{queue}.log").open("w")
                beat = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "emuchat",
                        "beat",
                        "-l",
                        "INFO",
                        "-s",
                        str(private_redis.directory / "beat-schedule"),
                    ],
                    cwd=ROOT,
                    env=os.environ
                    | env
                    | {
                        "DATABASE_URL": database_url,
                        "CELERY_BROKER_URL": private_redis.url,
                        "CELERY_RESULT_BACKEND": private_redis.url,
                        "CELERY_TASK_DEFAULT_QUEUE": queue,
                    },
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                processes.append(beat)
                return beat

        try:
            yield Stack()
        finally:
            for process in reversed(processes):
                if isinstance(process, Worker):
                    process.kill()
                elif process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    process.wait(10)
            celery_app.conf.update(previous, task_always_eager=True)
            _reset_connections()


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _unfinished() -> int:
    return Message.objects.filter(status__in=["queued", "sending"]).count()


def test_after_a_worker_is_killed_and_redis_restarts_every_text_finishes_once_within_a_minute(stack, workspace):
    workspace.sender_numbers.update(rate_per_second=5000)
    numbers = [f"+1415556{n:04d}" for n in range(1200)]
    first = stack.worker()
    stack.beat()
    services.send_bulk(workspace=workspace, recipients=numbers, body="Flash sale")

    # 1. kill -9 the worker while its calls are in flight; a supervisor starts a new one.
    _wait_for(lambda: len(stack.fake.calls) >= 150, 60, "the first calls")
    first.kill()
    killed_at = time.monotonic()
    stack.worker()

    # 2. Redis restarts (no persistence): every task waiting in it is gone.
    _wait_for(lambda: len(stack.fake.calls) >= 500, 60, "delivery to resume after the kill")
    stack.redis.stop()
    time.sleep(2)
    stack.redis.start()
    restarted_at = time.monotonic()

    _wait_for(lambda: _unfinished() == 0, 60, "every text to reach a final status")
    recovered_in = time.monotonic() - restarted_at

    calls = stack.fake.calls
    twice = [message_id for message_id, n in Counter(c.message_id for c in calls).items() if n > 1]
    outcome = Counter(Message.objects.values_list("status", "failure_reason"))
    assert twice == [], f"{len(twice)} texts handed to the provider twice"
    assert _unfinished() == 0
    assert recovered_in <= 60
    assert time.monotonic() - killed_at <= 120
    # Only texts caught mid-call by the kill are unconfirmed; everything else went out.
    assert outcome[("sent", "")] + outcome[("failed", "unconfirmed")] == len(numbers), outcome
    assert 0 < outcome[("failed", "unconfirmed")] <= 40 + 1, outcome  # at most one round of the killed worker
    assert outcome[("sent", "")] == len({c.message_id for c in calls} - _unconfirmed_ids()), outcome
    print(f"recovered {recovered_in:.1f}s after the Redis restart; {outcome}")


def _unconfirmed_ids() -> set[int]:
    return set(Message.objects.filter(failure_reason="unconfirmed").values_list("pk", flat=True))


def test_a_warm_shutdown_finishes_or_hands_back_its_texts_within_ten_seconds(stack, workspace):
    workspace.sender_numbers.update(rate_per_second=5000)
    numbers = [f"+1415557{n:04d}" for n in range(600)]
    worker = stack.worker()
    services.send_bulk(workspace=workspace, recipients=numbers, body="Weekend")
    _wait_for(lambda: len(stack.fake.calls) >= 60, 60, "the first calls")
    asked = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)
    worker.process.wait(30)
    stopped_in = time.monotonic() - asked
    assert stopped_in <= 10, stopped_in
    assert Message.objects.filter(status="sending").count() == 0  # nothing left mid-call

    stack.worker()  # the texts it handed back go out from the next worker
    _wait_for(lambda: _unfinished() == 0, 60, "the rest to go out")
    calls = stack.fake.calls
    assert max(Counter(c.message_id for c in calls).values()) == 1
    assert Message.objects.filter(status="sent").count() == len(numbers) == len(calls)
