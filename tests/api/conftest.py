from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api import services


@pytest.fixture(autouse=True)
def _api_defaults(settings):
    """A generous rate limit and a fresh throttle count, unless a test says otherwise."""
    settings.API_RATE_LIMIT = (10_000, 60)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token_secret(workspace, member):
    """A live token of Acme Bakery, created by Alice, and its secret."""
    return services.create_token(workspace=workspace, name="Shop CRM", actor=member)


@pytest.fixture
def token(token_secret):
    return token_secret[0]


@pytest.fixture
def api(token_secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_secret[1]}")
    return client


@pytest.fixture
def other_api(other_workspace, outsider):
    """A token of Globex, the other workspace."""
    _, secret = services.create_token(workspace=other_workspace, name="Globex CRM", actor=outsider)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def assert_problem(response, status: int, slug: str) -> dict:
    """The response is an RFC 9457 problem of this kind; returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].endswith(f"/api/v1/problems/{slug}")
    assert body["title"] and body["detail"]
    return body
