"""Probing the real services the integration tests need.

Locally a missing service skips the tests that need it, with a loud reason;
under CI=true the same absence fails them, so a green CI run proves they ran.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def missing(reason: str) -> None:
    """Skip locally, fail in CI."""
    message = f"REAL SERVICE MISSING: {reason}"
    if CI:
        pytest.fail(message + " (CI=true, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL") or os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"


def redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def require_redis() -> str:
    url = redis_url()
    if not redis_reachable(url):
        missing(f"Redis is not reachable at {url}; start it or set TEST_REDIS_URL.")
    return url


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        missing("this test needs PostgreSQL; set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")


def require_chromium() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing(f"Chromium not found at {CHROMIUM}; apt-get install -y chromium")
    return CHROMIUM
