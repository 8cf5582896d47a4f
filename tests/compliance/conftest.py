from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The link rate limiter counts in the cache; each test starts with a clean slate."""
    cache.clear()
    yield
    cache.clear()
