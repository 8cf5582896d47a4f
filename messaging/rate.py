"""Per-sender sending rate (``SenderNumber.rate_per_second``), held across workers and machines.

A generic cell rate algorithm (GCRA): each sender number has one "theoretical
arrival time" (TAT) in Redis, moved forward by ``1 / rate`` seconds for every
text it may send. A worker asks for up to N texts at once and gets how many
may go now, plus how long to wait for the next one. The script runs inside
Redis (atomic, one round trip) and uses Redis's clock, so machines with
skewed clocks still share one rate. After a pause a burst of at most half a
second's worth (``rate / 2``, at least one) may go at once: a worker asks
once per round of calls (~0.2 s), and must be able to take what accrued
during the round to keep up the rate.

Without Redis (``SMS_RATE_LIMIT_REDIS_URL`` empty: local runs, tests) the
same algorithm runs in this process: right for one worker, and each extra
process would add its own rate.
"""

from __future__ import annotations

import math
import threading
import time

from django.conf import settings

_SCRIPT = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allowance = burst * interval
local fit = math.floor((now + allowance - tat) / interval)
if fit < 0 then fit = 0 end
local granted = math.min(wanted, fit)
tat = tat + granted * interval
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil(tat - now) + 1000)
local wait = 0
if granted < wanted then wait = tat + interval - allowance - now end
return {granted, tostring(wait)}
"""
KEY_PREFIX = "emuchat:sender-rate:"


class RateUnavailable(Exception):
    """The shared counter (Redis) could not be asked; the caller waits and asks again."""


def burst_for(rate: int) -> int:
    return max(1, rate // 2)


def take(*, sender: str, rate: int, wanted: int) -> tuple[int, float]:
    """Ask to send up to ``wanted`` texts from ``sender`` now: returns (how many may go, seconds to wait for more)."""
    if wanted <= 0:
        return 0, 0.0
    interval_ms = 1000.0 / max(rate, 1)
    url = settings.SMS_RATE_LIMIT_REDIS_URL
    if not url:
        return _local.take(sender, interval_ms, burst_for(rate), wanted)
    import redis

    try:
        granted, wait_ms = _script(url)(keys=[KEY_PREFIX + sender], args=[interval_ms, burst_for(rate), wanted])
    except redis.RedisError as exc:
        raise RateUnavailable(str(exc)) from exc
    return int(granted), max(0.0, float(wait_ms) / 1000)


_scripts: dict[str, object] = {}
_scripts_lock = threading.Lock()


def _script(url: str):
    with _scripts_lock:
        script = _scripts.get(url)
        if script is None:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            script = _scripts[url] = client.register_script(_SCRIPT)
        return script


class _LocalCells:
    def __init__(self) -> None:
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, sender: str, interval_ms: float, burst: int, wanted: int) -> tuple[int, float]:
        with self._lock:
            now = time.monotonic() * 1000
            tat = max(self._tat.get(sender, now), now)
            allowance = burst * interval_ms
            granted = min(wanted, max(0, math.floor((now + allowance - tat) / interval_ms)))
            tat += granted * interval_ms
            self._tat[sender] = tat
            wait = tat + interval_ms - allowance - now if granted < wanted else 0.0
            return granted, max(0.0, wait / 1000)

    def reset(self) -> None:
        with self._lock:
            self._tat.clear()


_local = _LocalCells()


def reset_local() -> None:
    """Forget the in-process counts (tests)."""
    _local.reset()
