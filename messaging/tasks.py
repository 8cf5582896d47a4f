"""Thin Celery wrappers: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task

from . import delivery, services, webhooks


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
