from __future__ import annotations

import pytest

from emuchat.celery import ping

pytestmark = pytest.mark.integration


def test_a_task_round_trips_through_redis_and_a_real_worker(celery_worker):
    result = ping.delay()
    assert result.get(timeout=20) == "pong"
    assert celery_worker.process.poll() is None
