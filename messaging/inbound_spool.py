"""A durable holding place for signed inbound texts we could not store at once (SPEC §11).

Delivery receipts (``twilio_status``) are kept here the same way, as entries
of kind ``receipt``; ``drain`` hands each kind to its own applier, in order.

Twilio does not retry inbound-SMS webhooks by default, so a STOP answered 500
while PostgreSQL is down would be lost. Instead the webhook keeps the whole
signed form here, answers 200 only once it is kept, and the entry is applied
later through the very same function (``webhooks.handle_inbound``):

1. a Redis list (``INBOUND_SPOOL_REDIS_URL``; by default the Celery broker's
   Redis), pushed at the tail and drained from the head, so order is kept;
2. when Redis is down too, a local append-only JSON-lines file in
   ``INBOUND_SPOOL_DIR``, fsynced before we answer.

Applying is idempotent (a repeated ``MessageSid`` is processed once), so an
entry is removed only *after* it was applied: a crash in between replays it
and the dedupe makes the replay a no-op. That is "exactly once" in effect.

Entries whose signature could not be checked (the database holding the
workspace's own Twilio token was down and the settings token did not match)
are kept as ``verified: false`` with the URL and signature, and checked again
on replay; one that still fails is dropped with a warning, never applied.

This module knows nothing about Twilio fields: ``drain`` is handed the
function that applies an entry and the one that verifies a deferred one.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

log = logging.getLogger(__name__)

REDIS_KEY = "emuchat:inbound-spool"
DEAD_KEY = "emuchat:inbound-spool:dead"
LOCK_KEY = "emuchat:inbound-spool:lock"
FILE_NAME = "inbound-spool.jsonl"
DEAD_FILE_NAME = "inbound-spool.dead.jsonl"
# What an entry is: an inbound text, or a delivery receipt (its own applier, see ``drain``).
INBOUND = "inbound"
RECEIPT = "receipt"
# The database being unreachable, as opposed to an entry that can never be stored.
DATABASE_DOWN = (OperationalError, InterfaceError)


class SpoolUnavailable(Exception):
    """Neither Redis nor the local file could keep the entry: the caller must not answer 2xx."""


@dataclass
class DrainResult:
    applied: int = 0
    rejected: int = 0  # deferred signature still bad on replay: dropped, never applied
    dead: int = 0  # applying raised something other than "database down": set aside for an operator
    stopped_early: bool = False  # the database is still down (or the batch limit was reached)
    errors: list[str] = field(default_factory=list)


def entry(
    params: dict[str, str],
    *,
    verified: bool,
    url: str = "",
    signature: str = "",
    reason: str = "",
    kind: str = INBOUND,
    context: dict | None = None,
) -> dict:
    """One kept webhook: ``kind`` says which applier replays it, with ``context`` as keyword arguments."""
    return {
        "kind": kind,
        "context": context or {},
        "params": params,
        "verified": verified,
        "url": url,
        "signature": signature,
        "reason": reason,
        "kept_at": timezone.now().isoformat(),
    }


# --- where entries live ---------------------------------------------------------------


def _redis() -> redis.Redis | None:
    url = settings.INBOUND_SPOOL_REDIS_URL
    if not url:
        return None
    return _client(url)


@functools.lru_cache(maxsize=8)
def _client(url: str) -> redis.Redis:
    # One client (and connection pool) per process: every webhook asks ``pending()``, and a new
    # client per request paid a TCP connect to Redis each time (issue #15, ~12% of a STOP).
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)


def _directory() -> Path:
    directory = Path(settings.INBOUND_SPOOL_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@contextlib.contextmanager
def _locked(path: Path, mode: str = "a+") -> Iterator:
    with path.open(mode, encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _append_to_file(name: str, item: dict) -> None:
    line = json.dumps(item, ensure_ascii=True) + "\n"
    path = _directory() / name
    for _ in range(10):
        with _locked(path) as handle:
            # A drainer may have renamed the file while we waited for the lock: write to the new one.
            if os.fstat(handle.fileno()).st_ino != _inode(path):
                continue
            size = os.fstat(handle.fileno()).st_size
            # After a torn write (power loss mid-line) start on a fresh line, so only that one is lost.
            prefix = "\n" if size and os.pread(handle.fileno(), 1, size - 1) != b"\n" else ""
            handle.write(prefix + line)
            handle.flush()
            os.fsync(handle.fileno())
            return
    raise OSError(f"{path} kept being replaced while writing")


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def keep(item: dict) -> str:
    """Store one entry durably; returns where ("redis" or "file"). Raises SpoolUnavailable."""
    client = _redis()
    if client is not None:
        try:
            client.rpush(REDIS_KEY, json.dumps(item, ensure_ascii=True))
            log.error("INBOUND SPOOLED to Redis (%s): MessageSid %s", item["reason"], item["params"].get("MessageSid"))
            return "redis"
        except redis.RedisError as error:
            log.error("Inbound spool: Redis unavailable (%s), falling back to the local file", error)
    try:
        _append_to_file(FILE_NAME, item)
    except OSError as error:
        raise SpoolUnavailable(f"Could not write the inbound spool file: {error}") from error
    log.error("INBOUND SPOOLED to file (%s): MessageSid %s", item["reason"], item["params"].get("MessageSid"))
    return "file"


def pending() -> int:
    """How many entries wait, in Redis and this machine's file (a cheap check for every webhook)."""
    count = 0
    client = _redis()
    if client is not None:
        try:
            count += client.llen(REDIS_KEY)
        except redis.RedisError:
            pass
    path = Path(settings.INBOUND_SPOOL_DIR) / FILE_NAME
    if path.exists() and path.stat().st_size:
        count += 1  # At least one; the exact number would cost reading the file.
    count += len(list(Path(settings.INBOUND_SPOOL_DIR).glob(f"{FILE_NAME}.draining-*")))
    return count


# --- applying them --------------------------------------------------------------------

Apply = Callable[[dict[str, str]], object]
Verify = Callable[[dict], bool]


def _apply_one(item: dict, *, apply: Apply | Mapping[str, Apply], verify: Verify, result: DrainResult) -> bool:
    """Apply one entry; False when the database is still down (keep it and stop)."""
    try:
        if not item.get("verified") and not verify(item):
            log.warning("Inbound spool: dropped MessageSid %s, its signature does not verify", _sid(item))
            result.rejected += 1
            return True
        # Entries kept before kinds existed are inbound texts.
        applier = apply[item.get("kind", INBOUND)] if isinstance(apply, Mapping) else apply
        applier(item["params"], **item.get("context", {}))
    except DATABASE_DOWN as error:
        # Stop here; Django drops the broken connection at the end of this request or task.
        result.errors.append(str(error))
        return False
    except Exception as error:  # noqa: BLE001 - one poisoned entry must not block the ones behind it
        log.exception("Inbound spool: MessageSid %s could not be applied; set aside as dead", _sid(item))
        result.dead += 1
        _set_aside(item | {"error": f"{type(error).__name__}: {error}"})
        return True
    result.applied += 1
    return True


def _sid(item: dict) -> str:
    return item.get("params", {}).get("MessageSid", "")


def _set_aside(item: dict) -> None:
    client = _redis()
    if client is not None:
        try:
            client.rpush(DEAD_KEY, json.dumps(item, ensure_ascii=True))
            return
        except redis.RedisError:
            pass
    _append_to_file(DEAD_FILE_NAME, item)


def _read_batch(batch: Path, result: DrainResult) -> list[dict]:
    items = []
    for line in batch.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except ValueError:  # A torn write (power loss mid-line): keep the bytes for an operator.
            log.error("Inbound spool: unreadable line in %s set aside", batch.name)
            result.dead += 1
            _set_aside({"raw": line, "error": "unreadable spool line"})
    return items


def _drain_file(*, apply: Apply | Mapping[str, Apply], verify: Verify, result: DrainResult, limit: int) -> None:
    directory = _directory()
    with _locked(directory / f"{FILE_NAME}.lock") as drain_lock:  # one drainer per machine
        del drain_lock
        spool = directory / FILE_NAME
        if spool.exists() and spool.stat().st_size:
            # Swap the file out under the writers' lock; new entries start a fresh file meanwhile.
            with _locked(spool, "r+"):
                spool.rename(directory / f"{FILE_NAME}.draining-{os.getpid()}-{timezone.now().timestamp():.6f}")
        for batch in sorted(directory.glob(f"{FILE_NAME}.draining-*")):
            items = _read_batch(batch, result)
            done = 0
            for item in items:
                if result.applied + result.rejected + result.dead >= limit or not _apply_one(
                    item, apply=apply, verify=verify, result=result
                ):
                    result.stopped_early = True
                    break
                done += 1
            if done < len(items):
                # Put the rest back, in order, ahead of nothing else: rewrite this batch file.
                rest = "".join(json.dumps(i, ensure_ascii=True) + "\n" for i in items[done:])
                temporary = batch.with_suffix(".tmp")
                temporary.write_text(rest, encoding="utf-8")
                os.replace(temporary, batch)
                return
            batch.unlink()


def _drain_redis(*, apply: Apply | Mapping[str, Apply], verify: Verify, result: DrainResult, limit: int) -> None:
    client = _redis()
    if client is None:
        return
    try:
        lock = client.lock(LOCK_KEY, timeout=300, blocking=False)
        if not lock.acquire():
            return  # Another process is draining right now.
    except redis.RedisError as error:
        log.error("Inbound spool: Redis unavailable while draining (%s)", error)
        return
    try:
        while result.applied + result.rejected + result.dead < limit:
            raw = client.lindex(REDIS_KEY, 0)
            if raw is None:
                return
            if not _apply_one(json.loads(raw), apply=apply, verify=verify, result=result):
                result.stopped_early = True
                return
            # Removed only once applied; a crash before this line replays it, and the dedupe absorbs that.
            client.lpop(REDIS_KEY)
        result.stopped_early = True
    except redis.RedisError as error:
        log.error("Inbound spool: Redis went away while draining (%s)", error)
        result.stopped_early = True
    finally:
        with contextlib.suppress(redis.RedisError):
            lock.release()


def drain(*, apply: Apply | Mapping[str, Apply], verify: Verify, limit: int = 10_000) -> DrainResult:
    """Apply what waits, oldest first: this machine's file (kept while Redis was down), then Redis.

    ``apply`` is one function for every entry, or one per kind (``INBOUND``, ``RECEIPT``).
    """
    result = DrainResult()
    _drain_file(apply=apply, verify=verify, result=result, limit=limit)
    if not result.stopped_early:
        _drain_redis(apply=apply, verify=verify, result=result, limit=limit)
    if result.applied or result.rejected or result.dead:
        log.warning(
            "Inbound spool drained: %s applied, %s rejected, %s set aside%s",
            result.applied,
            result.rejected,
            result.dead,
            " (more remain)" if result.stopped_early else "",
        )
    return result
