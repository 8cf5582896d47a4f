"""Bulk sends as background jobs (issue 12, SPEC §13): the request stores the group, a worker texts it.

``start_bulk_send`` checks the body and the sender, stores a ``BulkSend``
(the group's definition, not its numbers) and queues ``run_bulk_send`` on the
jobs queue after commit, so confirming a send to 100,000 numbers returns at
once. The job resolves the group, reads every number once, and creates the
texts in batches of ``BATCH`` — each batch its own transaction through
``services.create_bulk_texts`` (the guard's set-based check, quiet hours) —
writing its progress after each. A job taken over after a crash skips the
numbers this send already has a text for, so nobody is texted twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q

from emuchat.celery import enqueue_on_commit
from imports import jobs
from optouts.models import OptOutEvent
from workspaces.models import Workspace

from . import hooks, recipients, services
from .models import BulkSend, Message

log = logging.getLogger(__name__)

BATCH = 2000
Status = Message.Status
_REACHED = [Status.SENT, Status.DELIVERED]


def start_bulk_send(
    *,
    workspace: Workspace,
    audience: str,
    criteria: dict,
    body: str,
    actor=None,
    scheduled_for: datetime | None = None,
) -> BulkSend:
    """Store the send and hand it to a worker once this transaction commits."""
    body = services._clean_body(body)
    services._clean_body(hooks.body_personaliser.preview(body))
    sender = services._default_sender(workspace, None)
    with transaction.atomic():
        bulk_send = BulkSend.objects.create(
            workspace=workspace,
            body=body,
            audience=audience,
            criteria=criteria,
            scheduled_for=scheduled_for,
            sender=sender,
            requested_by=actor,
        )
        enqueue(bulk_send)
    return bulk_send


def enqueue(bulk_send: BulkSend, *, countdown: int | None = None) -> None:
    enqueue_on_commit("messaging.tasks.run_bulk_send", bulk_send.id, countdown=countdown)


def run(bulk_send_id: int) -> BulkSend | None:
    """Claim and run one bulk send; returns it as it ended, or None when it was not ours to run."""
    bulk_send = jobs.claim(BulkSend, bulk_send_id)
    if bulk_send is None:
        log.info("Bulk send %s is not waiting to run; nothing to do.", bulk_send_id)
        return None
    try:
        _run(bulk_send)
    except jobs.JobLost:
        log.warning("Bulk send %s was taken over by another worker; this one stops.", bulk_send_id)
    except ValidationError as error:
        jobs.fail(bulk_send, " ".join(error.messages))
    except Exception:
        log.exception("Bulk send %s failed; handing it back", bulk_send_id)
        jobs.hand_back(bulk_send, enqueue=enqueue, give_up_message=lambda job: "The bulk send stopped after 3 tries.")
    bulk_send.refresh_from_db()
    return bulk_send


def reap() -> tuple[int, int]:
    """Bulk sends whose heartbeat stopped: queued again, or failed after their last try."""
    return jobs.reap(BulkSend, enqueue=enqueue, give_up_message=lambda job: "The bulk send stopped after 3 tries.")


def _run(bulk_send: BulkSend) -> None:
    workspace = bulk_send.workspace
    raw = recipients.resolve_criteria(workspace=workspace, audience=bulk_send.audience, criteria=bulk_send.criteria)
    if recipients.from_contacts(bulk_send.audience):
        numbers, invalid = list(dict.fromkeys(raw)), []  # contacts' numbers are stored in E.164 already
    else:
        numbers, invalid = services.parse_recipients(workspace=workspace, recipients=raw)
    parsed = len(numbers) + len(invalid)
    jobs.advance(bulk_send, total=len(raw), invalid=len(invalid), duplicates=len(raw) - parsed)
    done = set(bulk_send.messages.values_list("to_phone", flat=True)) if bulk_send.attempts > 1 else set()
    sender = bulk_send.sender or services._default_sender(workspace, None)
    common = dict(
        workspace=workspace,
        body=bulk_send.body,
        sender=sender,
        actor=bulk_send.requested_by,
        scheduled_for=bulk_send.scheduled_for,
        bulk_send=bulk_send,
    )
    for start in range(0, len(numbers), BATCH):
        batch = [n for n in numbers[start : start + BATCH] if n not in done]
        services.create_bulk_texts(numbers=batch, invalid=[], want_messages=False, **common)
        jobs.advance(bulk_send, processed=min(len(raw), start + BATCH))
    already_written = bulk_send.messages.filter(failure_reason=Message.FailureReason.INVALID_NUMBER)
    if invalid and not (done and already_written.exists()):
        services.create_bulk_texts(numbers=[], invalid=invalid, want_messages=False, **common)
    jobs.finish(bulk_send, status=BulkSend.Status.SUCCEEDED, processed=len(raw))
    if bulk_send.audience == "csv":
        recipients.discard_upload(bulk_send.criteria.get("upload", ""))


# --- reading a bulk send --------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    recipients: int  # texts to valid numbers
    sent: int  # handed to the provider (sent or delivered)
    waiting: int  # queued, sending or scheduled
    held_quiet: int  # of those, held for quiet hours
    blocked: int  # opted out: never sent
    failed: int  # invalid number, provider error, unconfirmed
    cancelled: int
    opted_out_after: int  # recipients who opted out after the send started
    answered_stop: int  # Reply opt-outs attributed to one of its texts (OptOut.caused_by)

    @property
    def opt_out_rate(self) -> float | None:
        """Opt-outs after the send per recipient that got its text, in percent."""
        return None if not self.sent else round(100 * self.opted_out_after / self.sent, 2)


def outcome(bulk_send: BulkSend) -> Outcome:
    """The counts on the BulkSend page: one grouped query over its texts, one over the history."""
    texts = bulk_send.messages.all()
    counts = texts.aggregate(
        total=Count("id", filter=~Q(failure_reason=Message.FailureReason.INVALID_NUMBER)),
        sent=Count("id", filter=Q(status__in=_REACHED)),
        waiting=Count("id", filter=Q(status__in=[Status.QUEUED, Status.SENDING, Status.SCHEDULED])),
        held=Count("id", filter=Q(status=Status.SCHEDULED) & ~Q(hold_note="")),
        blocked=Count("id", filter=Q(status=Status.FAILED, failure_reason=Message.FailureReason.OPTED_OUT)),
        failed=Count("id", filter=Q(status=Status.FAILED) & ~Q(failure_reason=Message.FailureReason.OPTED_OUT)),
        cancelled=Count("id", filter=Q(status=Status.CANCELLED)),
    )
    reached = texts.filter(status__in=_REACHED).values("to_phone")
    events = OptOutEvent.objects.filter(
        workspace_id=bulk_send.workspace_id,
        action=OptOutEvent.Action.OPTED_OUT,
        at__gte=bulk_send.started_at or bulk_send.created_at,
        phone__in=reached,
    ).exclude(details__has_key="already_opted_out")  # a repeat STOP is not a new opt-out
    return Outcome(
        recipients=counts["total"],
        sent=counts["sent"],
        waiting=counts["waiting"],
        held_quiet=counts["held"],
        blocked=counts["blocked"],
        failed=counts["failed"],
        cancelled=counts["cancelled"],
        opted_out_after=events.values("phone").distinct().count(),
        answered_stop=events.filter(details__caused_by__bulk_send_id=bulk_send.id).values("phone").distinct().count(),
    )
