"""Handing queued texts to the provider: many calls in flight, each text at most once (SPEC §5).

One delivery task takes a batch of queued texts and works in *rounds*:

1. ask the per-sender rate (``messaging.rate``) how many may go now;
2. claim those ``queued → sending`` (compare-and-swap, committed at once);
3. in one transaction: ``guard.cleared_to_send`` takes the shared per-number
   locks and re-reads the opt-out list, then all provider calls of the round
   start together on a thread pool while the locks are held, each bounded by
   ``SMS_PROVIDER_TIMEOUT``; a call that has not started by the round's
   deadline never starts (``_Gate``), so none goes out after the commit; the
   results are recorded and the transaction commits, releasing the locks.

A round is one database connection (the calling thread's), however many
calls are in flight: the pool threads only speak HTTP. ``deliver(id)`` is a
round of one, with the call made in the calling thread.

Outcomes: the provider's id → ``sent``. A refusal that proves the text was
not taken (``ProviderError.retryable``) → back to ``queued`` with a backoff,
at most ``SMS_MAX_RETRIES`` times, then failed / ``provider_error``. Any
other refusal → failed with its reason. No answer (``ProviderUnconfirmed``, a
crash, a call still running after a second deadline) → failed / ``unconfirmed``:
never retried, because the provider may have it; its receipt sets the truth.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from emuchat import phones
from emuchat.celery import task
from optouts import services as optout_services

from . import guard, quiet_hours, rate
from .backends import (
    PROVIDER_INVALID_NUMBER,
    PROVIDER_UNSUBSCRIBED,
    BaseSmsBackend,
    OutgoingSms,
    ProviderError,
    ProviderUnconfirmed,
    get_backend,
)
from .models import Message, SenderNumber

log = logging.getLogger(__name__)

Status = Message.Status
Reason = Message.FailureReason
# A delivery task waiting for its sender's rate hands its texts back after this
# long, so a worker's warm shutdown never waits long for it.
TASK_BUDGET_SECONDS = 2.0
DELIVER_MESSAGES = "messaging.tasks.deliver_messages"  # queued by name: messaging.tasks imports this module
UNCONFIRMED_HELP = "No answer from the provider; the text may have been sent — check before resending."

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def deliver(message_id: int) -> None:
    """Hand one queued text to the provider, at most once, after the second guard check."""
    deliver_many([message_id], budget=None)


def deliver_many(message_ids: list[int], *, budget: float | None = TASK_BUDGET_SECONDS) -> list[int]:
    """Deliver these texts in rounds; returns the ids handed back to the queue when ``budget`` ran out."""
    pending = list(dict.fromkeys(message_ids))
    if _runs_in_process():
        budget = None  # no broker to hand texts back to: wait for the rate here
    deadline = None if budget is None else time.monotonic() + budget
    backend = get_backend()
    while pending:
        try:
            ready, pending, wait_for = _ready_now(pending)
        except rate.RateUnavailable as exc:
            log.warning("Sender rate unavailable (%s); waiting", exc)
            ready, wait_for = [], 0.5
        if ready:
            _round(ready, backend)
            continue
        if not pending:
            break
        if deadline is not None and time.monotonic() + wait_for > deadline:
            _hand_back(pending)
            return pending
        time.sleep(wait_for)
    return []


def _runs_in_process() -> bool:
    from emuchat.celery import app

    return bool(app.conf.task_always_eager)


def _ready_now(ids: list[int]) -> tuple[list[int], list[int], float]:
    """(ids that may go in this round, ids still waiting, seconds until the next may go)."""
    queued = dict(
        Message.objects.filter(pk__in=ids, status=Status.QUEUED, direction=Message.Direction.OUTBOUND).values_list(
            "pk", "from_phone"
        )
    )
    if not queued:
        return [], [], 0.0
    by_sender: dict[str, list[int]] = defaultdict(list)
    for pk in ids:
        if pk in queued:
            by_sender[queued[pk]].append(pk)
    rates = dict(SenderNumber.objects.filter(phone__in=list(by_sender)).values_list("phone", "rate_per_second"))
    room = settings.SMS_DELIVERY_CONCURRENCY
    ready: list[int] = []
    waiting: list[int] = []
    wait_for = 1.0
    for sender, group in by_sender.items():
        granted, sender_wait = (
            rate.take(
                sender=sender,
                rate=rates.get(sender, settings.SMS_DEFAULT_RATE_PER_SECOND),
                wanted=min(room, len(group)),
            )
            if room
            else (0, 0.05)
        )
        room -= granted
        ready += group[:granted]
        waiting += group[granted:]
        if granted < len(group):
            wait_for = min(wait_for, sender_wait or 0.05)
    return ready, waiting, wait_for


def _claim(ids: list[int]) -> list[int]:
    """``queued → sending`` for these ids, committed before any call: a second claimer gets nothing."""
    table = Message._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {table} SET status = %s, updated_at = %s "  # noqa: S608 - table name from the model
        f"WHERE id IN ({marks}) AND status = %s AND direction = %s RETURNING id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [Status.SENDING, timezone.now(), *ids, Status.QUEUED, Message.Direction.OUTBOUND])
        return [row[0] for row in cursor.fetchall()]


def _round(ids: list[int], backend: BaseSmsBackend) -> None:
    ids = quiet_hours.hold_quiet(ids)  # released into quiet hours (or a campaign ran into them): wait again
    claimed = _claim(ids) if ids else []
    if not claimed:
        return  # Already handled, cancelled, or redelivered after a crash: never send twice.
    messages = list(Message.objects.select_related("workspace").filter(pk__in=claimed))
    prepare = getattr(backend, "prepare", None)  # optional: test doubles may have only send()
    if prepare is not None:
        prepare({m.workspace_id for m in messages})
    retry: list[Message] = []
    unsubscribed: list[tuple[Message, int]] = []
    with transaction.atomic():
        allowed, blocked = guard.cleared_to_send(messages)
        outcomes = _call_all(backend, allowed)  # still inside: the locks are held until every call returned
        now = timezone.now()
        sent: list[tuple[int, str]] = []
        changed: list[Message] = []
        for message in blocked:
            _set_failed(message, Reason.OPTED_OUT, "", now)
            changed.append(message)
        for message in allowed:
            outcome = outcomes[message.pk]
            if isinstance(outcome, str):
                sent.append((message.pk, outcome))
                continue
            changed.append(message)
            if isinstance(outcome, ProviderError) and outcome.retryable:
                if message.attempts < settings.SMS_MAX_RETRIES:
                    message.status, message.attempts = Status.QUEUED, message.attempts + 1
                    message.error_message, message.updated_at = f"Retrying: {outcome}", now
                    retry.append(message)
                else:
                    _set_failed(message, Reason.PROVIDER_ERROR, str(outcome), now)
            elif isinstance(outcome, ProviderError):
                _set_failed(message, _failure_reason(outcome), str(outcome), now)
                if outcome.code in PROVIDER_UNSUBSCRIBED:
                    unsubscribed.append((message, outcome.code))
            else:
                _set_failed(message, Reason.UNCONFIRMED, f"{UNCONFIRMED_HELP} ({outcome})", now)
        _record_sent(sent, now)
        if changed:
            Message.objects.bulk_update(
                changed, ["status", "failure_reason", "error_message", "attempts", "updated_at"]
            )
    if retry:
        _retry_later(retry)
    # After the round commits: the opt-out takes the exclusive lock this round held shared.
    for message, code in unsubscribed:
        record_provider_opt_out(message, error_code=code)


def record_provider_opt_out(message: Message, *, error_code: int) -> None:
    """The provider says the recipient of ``message`` replied STOP to it (21610): put them on the list."""
    if phones.parse(message.to_phone, "")[0] is None:
        return
    optout_services.record_provider_opt_out(
        workspace=message.workspace, phone=message.to_phone, error_code=error_code, message_id=message.pk
    )


def _record_sent(sent: list[tuple[int, str]], now: datetime) -> None:
    """Mark texts sent with their provider ids: one statement for the whole round."""
    if not sent:
        return
    if connection.vendor != "postgresql":
        for pk, sid in sent:
            Message.objects.filter(pk=pk).update(
                status=Status.SENT, provider_sid=sid, sent_at=now, updated_at=now, failure_reason="", error_message=""
            )
        return
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS m SET status = %s, provider_sid = v.sid, sent_at = %s, updated_at = %s, "  # noqa: S608
            "failure_reason = '', error_message = '' "
            "FROM unnest(%s::bigint[], %s::text[]) AS v(id, sid) WHERE m.id = v.id",
            [Status.SENT, now, now, [pk for pk, _ in sent], [sid for _, sid in sent]],
        )


def _set_failed(message: Message, reason: str, error: str, now: datetime) -> None:
    message.status, message.failure_reason, message.error_message, message.updated_at = (
        Status.FAILED,
        reason,
        error,
        now,
    )


def _failure_reason(error: ProviderError) -> str:
    if error.code in PROVIDER_UNSUBSCRIBED:
        return Reason.OPTED_OUT
    if error.code in PROVIDER_INVALID_NUMBER:
        return Reason.INVALID_NUMBER
    return Reason.PROVIDER_ERROR


def _sms(message: Message) -> OutgoingSms:
    return OutgoingSms(
        workspace_id=message.workspace_id,
        from_phone=message.from_phone,
        to=message.to_phone,
        body=message.body,
        message_id=message.pk,
    )


class _Gate:
    """Each call of a round passes here right before it goes out; once the round closes it, none does.

    A call still waiting for a pool thread when the round stops waiting would
    otherwise start after the round commits, outside the locks: after an
    opt-out of its number may have committed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = True

    def enter(self) -> bool:
        with self._lock:
            return self._open

    def close(self) -> None:
        with self._lock:
            self._open = False


def _send_one(backend: BaseSmsBackend, sms: OutgoingSms, gate: _Gate | None = None) -> str | Exception:
    if gate is not None and not gate.enter():
        return ProviderError("Not started before the round's deadline.", retryable=True)  # never went out
    try:
        return backend.send(sms)
    except (ProviderError, ProviderUnconfirmed) as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - a crash in the client: the call may have gone out
        log.exception("Provider call for message %s crashed", sms.message_id)
        return ProviderUnconfirmed(f"the provider client crashed: {exc}")


def _call_all(backend: BaseSmsBackend, messages: list[Message]) -> dict[int, str | Exception]:
    """Start every call at once and wait for all of them; none starts after this returns.

    A call that has not started by the deadline never starts (retried later,
    under a new round's locks). One that has started is waited for: it is
    bounded by the provider timeouts, so the wait is too; only a call still
    running after a second deadline is given up on, as unconfirmed.
    """
    if len(messages) <= 1:
        return {m.pk: _send_one(backend, _sms(m)) for m in messages}
    gate = _Gate()
    futures = {m.pk: _executor().submit(_send_one, backend, _sms(m), gate) for m in messages}
    limit = settings.SMS_PROVIDER_TIMEOUT + settings.SMS_PROVIDER_CONNECT_TIMEOUT + 1
    _, running = wait(futures.values(), timeout=limit)
    if running:
        gate.close()
        wait(running, timeout=limit)
    late = ProviderUnconfirmed(f"no answer within {2 * limit} s")
    return {pk: future.result() if future.done() else late for pk, future in futures.items()}


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.SMS_DELIVERY_CONCURRENCY, thread_name_prefix="sms-call")
        return _pool


def _retry_later(messages: list[Message]) -> None:
    by_delay: dict[int, list[int]] = defaultdict(list)
    for message in messages:
        by_delay[2 ** (message.attempts - 1)].append(message.pk)
    for delay, ids in by_delay.items():
        task(DELIVER_MESSAGES).apply_async(args=[ids], countdown=delay)


def _hand_back(ids: list[int]) -> None:
    task(DELIVER_MESSAGES).delay(ids)


def enqueue(message_ids: list[int]) -> None:
    """Queue delivery tasks for these texts once the current transaction commits."""
    size = settings.SMS_DELIVERY_CONCURRENCY
    for start in range(0, len(message_ids), size):
        task(DELIVER_MESSAGES).delay_on_commit(message_ids[start : start + size])


def recover(*, now: datetime | None = None) -> dict[str, int]:
    """Finish what a crash, a Redis restart or a database outage left behind (beat, every few seconds).

    A text in ``sending`` for longer than ``SENDING_STALE_AFTER_SECONDS`` may
    have reached the provider: it becomes failed / unconfirmed, never re-sent.
    A text ``queued`` for longer than ``QUEUED_STALE_AFTER_SECONDS`` while the
    delivery queue is empty lost its task (a Redis restart, a killed worker's
    batch): it is queued again (the claim makes a duplicate task harmless).
    While a backlog is still waiting in the queue, only texts older than
    ten times the threshold are, so a large campaign is not queued twice.
    Each step survives the other's database error, and the next run retries.
    """
    now = now or timezone.now()
    result = {"interrupted": 0, "requeued": 0}
    try:
        result["interrupted"] = Message.objects.filter(
            status=Status.SENDING, updated_at__lt=now - timedelta(seconds=settings.SENDING_STALE_AFTER_SECONDS)
        ).update(
            status=Status.FAILED,
            failure_reason=Reason.UNCONFIRMED,
            error_message=f"Delivery was interrupted during the provider call. {UNCONFIRMED_HELP}",
            updated_at=now,
        )
    except DatabaseError:
        log.exception("Could not fail interrupted deliveries; the next run tries again")
    try:
        threshold = settings.QUEUED_STALE_AFTER_SECONDS * (10 if _delivery_backlog() else 1)
        stale = now - timedelta(seconds=threshold)
        lost = list(
            Message.objects.filter(status=Status.QUEUED, direction=Message.Direction.OUTBOUND, updated_at__lt=stale)
            .order_by("id")
            .values_list("pk", flat=True)[:50_000]
        )
        for start in range(0, len(lost), 1000):
            chunk = lost[start : start + 1000]
            # Touched first, so each lost text is queued again at most once per threshold.
            Message.objects.filter(pk__in=chunk, status=Status.QUEUED).update(updated_at=now)
            enqueue(chunk)
            result["requeued"] += len(chunk)
    except DatabaseError:
        log.exception("Could not queue lost deliveries again; the next run tries again")
    return result


def _delivery_backlog() -> int:
    """Tasks waiting in the delivery queue (Redis broker); 0 when it cannot tell."""
    from emuchat.celery import app, queue_name

    if app.conf.task_always_eager or not str(app.conf.broker_url or "").startswith("redis"):
        return 0
    try:
        with app.connection_for_read() as conn:
            return int(conn.default_channel.client.llen(queue_name("delivery")))
    except Exception:  # noqa: BLE001 - unknown backlog: fall back to the short threshold
        log.warning("Could not read the delivery queue length", exc_info=True)
        return 0
