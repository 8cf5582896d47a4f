"""Thin Celery wrappers: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task

from . import bulk, delivery, services, webhooks


@shared_task
def deliver_message(message_id: int) -> None:
    services.deliver(message_id)


@shared_task
def deliver_messages(message_ids: list[int]) -> None:
    """A batch: many provider calls in flight at once (messaging/delivery.py)."""
    delivery.deliver_many(message_ids)


@shared_task
def dispatch_due_messages() -> int:
    return services.dispatch_due()


@shared_task
def fail_stale_sending() -> dict[str, int]:
    return services.recover_stuck()


@shared_task
def drain_inbound_spool() -> dict[str, int]:
    """Apply inbound texts kept while the database was down (messaging/inbound_spool.py)."""
    result = webhooks.replay_spooled()
    return {"applied": result.applied, "rejected": result.rejected, "dead": result.dead}


@shared_task
def run_bulk_send(bulk_send_id: int) -> str | None:
    """Create a confirmed bulk send's texts in batches, with progress (messaging/bulk.py)."""
    bulk_send = bulk.run(bulk_send_id)
    return bulk_send.status if bulk_send else None


@shared_task
def tidy_bulk_sends() -> dict[str, int]:
    """Periodic: hand back (or fail after 3 tries) bulk sends whose worker died."""
    requeued, failed = bulk.reap()
    return {"requeued": requeued, "failed": failed}
