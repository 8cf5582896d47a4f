"""Fixed-window counters per client address, kept in Django's cache.

With Redis as the cache (CACHE_URL) the count is shared by every web process;
with the local-memory cache each process counts on its own, which is still a
brake on a guesser but a looser one (docs/operations.md).

Every limiter here fails open: when the cache cannot be reached the request is
allowed and the outage is logged at ERROR, because a recipient must always be
able to opt out and the API must keep answering (SPEC §10).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from emuchat.client_ip import client_address

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int


ALLOWED = Verdict(allowed=True, retry_after=0)


def cache_unavailable(scope: str, error: Exception) -> None:
    """The one loud line an operator greps for (docs/operations.md, "What to monitor")."""
    log.error("RATE LIMIT FAILING OPEN: cache unavailable for %s (%s: %s)", scope, type(error).__name__, error)


def _window(period: int) -> tuple[int, int]:
    now = time.time()
    window = int(now // period)
    return window, max(1, int((window + 1) * period - now))


def hit(scope: str, key: str, *, limit: int, period: int) -> Verdict:
    """Count one event for ``key``; not allowed once more than ``limit`` fell in this window."""
    window, retry_after = _window(period)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    try:
        cache.add(cache_key, 0, timeout=period + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # The window expired between add and incr.
            cache.set(cache_key, 1, timeout=period + 1)
            count = 1
    except Exception as error:  # noqa: BLE001 - any cache failure (Redis down, timeout) must fail open
        cache_unavailable(scope, error)
        return ALLOWED
    return Verdict(allowed=count <= limit, retry_after=retry_after)


def record_failed_link_guess(request: HttpRequest) -> Verdict:
    """Count one unknown opt-out code from this address; over the limit, the guesser gets 429.

    Only failures are counted, so recipients sharing an address (a proxy, a
    carrier NAT) are never blocked by someone else's guessing: a valid code
    is served without consulting the counter at all.
    """
    limit, period = settings.OPT_OUT_LINK_RATE_LIMIT
    return hit("optout-link-miss", client_address(request), limit=limit, period=period)
