"""Redis (the cache that holds the rate-limit counts) going away takes no page down (issue 12, item 2).

The test runs its own redis-server on a spare port and kills it: never the shared one.
"""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from api import services as api_services
from compliance import links
from optouts.models import OptOut
from tests.support.outage import PrivateRedis

pytestmark = pytest.mark.integration

NUMBER = "+14155550123"


@pytest.fixture
def private_redis(settings):
    redis = PrivateRedis()
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    try:
        yield redis
    finally:
        redis.close()


@pytest.fixture
def api_client(workspace, member):
    _, secret = api_services.create_token(workspace=workspace, name="Shop CRM", actor=member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_the_link_page_still_opts_out_while_redis_is_down_and_says_so_in_the_log(
    private_redis, settings, workspace, caplog
):
    settings.OPT_OUT_LINK_RATE_LIMIT = (1, 600)
    code = links.code_for(workspace=workspace, phone=NUMBER)
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    assert guesser.get("/o/AAAAAAAA").status_code == 404
    assert guesser.get("/o/BBBBBBBB").status_code == 429  # The limiter really counts in this Redis.

    private_redis.stop()
    with caplog.at_level(logging.ERROR, logger="compliance.ratelimit"):
        recipient = Client(REMOTE_ADDR="198.51.100.2")
        assert recipient.get(f"/o/{code}").status_code == 200
        assert recipient.post(f"/o/{code}").status_code == 200
        # Unknown codes fail open too: a 404, never a 500.
        assert [guesser.get(f"/o/CCCCCCC{i}").status_code for i in range(5)] == [404] * 5
    assert OptOut.objects.get(phone=NUMBER).method == "link"
    assert "RATE LIMIT FAILING OPEN" in caplog.text

    private_redis.start()  # Back on the same port: the limiter counts again.
    fresh = Client(REMOTE_ADDR="192.0.2.9")
    assert [fresh.get(f"/o/DDDDDDD{i}").status_code for i in range(2)] == [404, 429]


def test_the_api_keeps_answering_while_redis_is_down_and_throttles_again_after(
    private_redis, settings, api_client, caplog
):
    settings.API_RATE_LIMIT = (2, 60)
    assert [api_client.get("/api/v1/opt-outs").status_code for _ in range(3)] == [200, 200, 429]

    private_redis.stop()
    with caplog.at_level(logging.ERROR, logger="compliance.ratelimit"):
        statuses = [api_client.get("/api/v1/opt-outs").status_code for _ in range(13)]
        created = api_client.post("/api/v1/messages", {"to": NUMBER, "body": "Hi"}, format="json")
    assert statuses == [200] * 13
    assert created.status_code in (201, 202), created.content
    assert "RATE LIMIT FAILING OPEN" in caplog.text

    private_redis.start()
    cache.clear()
    assert [api_client.get("/api/v1/opt-outs").status_code for _ in range(3)] == [200, 200, 429]
