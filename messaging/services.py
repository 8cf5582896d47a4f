"""Sending and receiving texts. Every way of sending ends in send_message or send_bulk,
and every delivery passes the pre-send guard twice (SPEC §5)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from contacts.models import Contact
from conversations.models import Conversation
from emuchat import phones
from optouts.keywords import clean_text
from workspaces.models import Workspace

from . import bulk_insert, delivery, guard, hooks, quiet_hours
from .models import BulkSend, Message, SenderNumber, UnroutedMessage

log = logging.getLogger(__name__)

Status = Message.Status
Reason = Message.FailureReason
MAX_BODY_LENGTH = 1600
_BATCH = 1000


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a message before sending."})
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError({"body": f"A text can be at most {MAX_BODY_LENGTH} characters."})
    return body


def _default_sender(workspace: Workspace, sender: SenderNumber | None) -> SenderNumber:
    if sender is not None:
        if sender.workspace_id != workspace.id:
            raise ValidationError("That sender number belongs to another workspace.")
        return sender
    sender = workspace.sender_numbers.order_by("id").first()
    if sender is None:
        raise ValidationError("This workspace has no sender number yet; add one in Settings.")
    return sender


def _initial_status(scheduled_for: datetime | None) -> str:
    if scheduled_for is not None and scheduled_for > timezone.now():
        return Status.SCHEDULED
    return Status.QUEUED


def _conversations_for(workspace: Workspace, numbers: list[str], sender: SenderNumber) -> dict[str, Conversation]:
    """Existing conversations for these numbers, creating the missing ones in bulk."""
    found = _conversations_by_phone(workspace, numbers)
    missing = [n for n in numbers if n not in found]
    if missing:
        Conversation.objects.bulk_create(
            [Conversation(workspace=workspace, phone=n, sender=sender) for n in missing],
            batch_size=_BATCH,
            ignore_conflicts=True,
        )
        found |= _conversations_by_phone(workspace, missing)
    return found


def _conversations_by_phone(workspace: Workspace, numbers: list[str]) -> dict[str, Conversation]:
    queryset = Conversation.objects.filter(workspace=workspace, phone__any=frozenset(numbers))
    return {c.phone: c for c in queryset}


def _enqueue(message_ids: list[int]) -> None:
    delivery.enqueue(message_ids)


def send_message(
    *,
    workspace: Workspace,
    to: str,
    body: str,
    sender: SenderNumber | None = None,
    actor=None,
    scheduled_for: datetime | None = None,
    guard_exemption: int | None = None,
) -> Message:
    """Create one outbound text. Blocked numbers fail at once and never reach a worker.

    ``guard_exemption`` is the id of a ``compliance.ConfirmationReply``: the
    single opt-out confirmation (or HELP reply) may pass the guard while its
    window is open (messaging/hooks.py).
    """
    to_phone = phones.normalize(to, workspace.default_region)
    body = _clean_body(body)
    sender = _default_sender(workspace, sender)
    with transaction.atomic():
        personal = hooks.body_personaliser.personalise(workspace=workspace, body=body, phones=[to_phone])
        if personal is not None:
            body = _clean_body(personal[to_phone])
        # One upsert finds or starts the conversation and moves it to the top (issue #15).
        conversation_id = _touch_conversation(workspace=workspace, phone=to_phone, sender=sender, at=timezone.now())
        blocked = guard.is_blocked(workspace=workspace, phone=to_phone)
        # A scheduled text waits out quiet hours; a text sent now (a reply, the API's immediate send) never does.
        observes = scheduled_for is not None and guard_exemption is None
        at = max(scheduled_for, timezone.now()) if observes else None
        held = quiet_hours.release_at(workspace=workspace, phone=to_phone, at=at) if at else None
        if held is not None and not blocked:
            scheduled_for = held
        message = Message.objects.create(
            workspace=workspace,
            conversation_id=conversation_id,
            direction=Message.Direction.OUTBOUND,
            from_phone=sender.phone,
            to_phone=to_phone,
            body=body,
            status=Status.FAILED if blocked else _initial_status(scheduled_for),
            failure_reason=Reason.OPTED_OUT if blocked else "",
            scheduled_for=scheduled_for,
            created_by=actor,
            observes_quiet_hours=observes,
            hold_note=quiet_hours.note(workspace=workspace, phone=to_phone) if held and not blocked else "",
        )
        if (
            blocked
            and guard_exemption is not None
            and guard.reserve_exemption(
                exemption_id=guard_exemption, workspace=workspace, phone=to_phone, message_id=message.pk
            )
        ):
            message.status, message.failure_reason = _initial_status(scheduled_for), ""
            message.save(update_fields=["status", "failure_reason", "updated_at"])
        if message.status == Status.QUEUED:
            _enqueue([message.pk])
    return message


def send_bulk(
    *,
    workspace: Workspace,
    recipients: Iterable[str | Contact],
    body: str,
    actor=None,
    scheduled_for: datetime | None = None,
    sender: SenderNumber | None = None,
    bulk_send: BulkSend | None = None,
) -> list[Message]:
    """One text to many numbers, checked against the list in set-based queries.

    Invalid numbers get a failed message with ``invalid_number`` so the
    summary can say so; a number given twice is texted once. Texts that would
    go out in the recipient's quiet hours are held as scheduled (quiet_hours.py).
    """
    body = _clean_body(body)
    _clean_body(hooks.body_personaliser.preview(body))
    sender = _default_sender(workspace, sender)
    numbers, invalid = parse_recipients(workspace=workspace, recipients=recipients)
    return create_bulk_texts(
        workspace=workspace,
        numbers=numbers,
        invalid=invalid,
        body=body,
        sender=sender,
        actor=actor,
        scheduled_for=scheduled_for,
        bulk_send=bulk_send,
    )


def parse_recipients(*, workspace: Workspace, recipients: Iterable[str | Contact]) -> tuple[list[str], list[str]]:
    """(distinct valid numbers in E.164, in order; the entries that are not numbers)."""
    valid: list[str] = []
    invalid: list[str] = []
    for recipient in recipients:
        raw = recipient.phone if isinstance(recipient, Contact) else recipient
        e164, _ = phones.parse(raw, workspace.default_region)
        if e164 is None:
            invalid.append(str(raw or ""))
        else:
            valid.append(e164)
    return list(dict.fromkeys(valid)), invalid


def create_bulk_texts(
    *,
    workspace: Workspace,
    numbers: list[str],
    invalid: list[str],
    body: str,
    sender: SenderNumber,
    actor=None,
    scheduled_for: datetime | None = None,
    bulk_send: BulkSend | None = None,
    want_messages: bool = True,
) -> list[Message]:
    """One batch of a bulk send: ``numbers`` are distinct E.164, ``body`` already checked.

    ``want_messages=False`` (the bulk-send job) skips building the returned objects.
    """
    status = _initial_status(scheduled_for)
    now = timezone.now()
    with transaction.atomic():
        blocked = guard.blocked_among(workspace=workspace, phones=numbers)
        personal = hooks.body_personaliser.personalise(workspace=workspace, body=body, phones=numbers) or {}
        held = quiet_hours.plan(
            workspace=workspace, phones=[n for n in numbers if n not in blocked], at=max(scheduled_for or now, now)
        )
        common = dict(
            workspace=workspace,
            direction=Message.Direction.OUTBOUND,
            from_phone=sender.phone,
            created_by=actor,
            bulk_send=bulk_send,
            observes_quiet_hours=True,
        )
        rows = [
            dict(
                to_phone=n,
                body=personal.get(n, body),
                status=Status.FAILED if n in blocked else Status.SCHEDULED if n in held else status,
                failure_reason=Reason.OPTED_OUT if n in blocked else "",
                scheduled_for=held.get(n, scheduled_for),
                hold_note=quiet_hours.note(workspace=workspace, phone=n) if n in held else "",
            )
            for n in numbers
        ] + [
            dict(
                to_phone=raw[:20],
                body=body,
                status=Status.FAILED,
                failure_reason=Reason.INVALID_NUMBER,
                scheduled_for=scheduled_for,
                hold_note="",
            )
            for raw in invalid
        ]
        if connection.vendor == "postgresql":
            ids = _insert_texts_pg(workspace, numbers, sender, rows, common, now)
            _enqueue([pk for pk, row in zip(ids, rows, strict=True) if row["status"] == Status.QUEUED])
            if not want_messages:
                return []
            return [Message(pk=pk, **row, **common, created_at=now) for pk, row in zip(ids, rows, strict=True)]
        else:
            conversations = _conversations_for(workspace, numbers, sender)
            pending = [
                Message(conversation=conversations[row["to_phone"]] if i < len(numbers) else None, **row, **common)
                for i, row in enumerate(rows)
            ]
            # SQLite ≥ 3.35 returns the new primary keys from a bulk insert.
            messages = Message.objects.bulk_create(pending, batch_size=_BATCH)
            if numbers:
                Conversation.objects.filter(workspace=workspace, phone__any=frozenset(numbers)).update(
                    last_message_at=now
                )
            _enqueue([m.pk for m in messages if m.status == Status.QUEUED])
    return messages


def _insert_texts_pg(
    workspace: Workspace, numbers: list[str], sender: SenderNumber, rows: list[dict], common: dict, now: datetime
) -> list[int]:
    """The same texts in two statements: conversations upserted, texts inserted (bulk_insert.py)."""
    conversation_ids = dict(
        (phone, pk)
        for pk, phone in bulk_insert.insert_rows(
            Conversation,
            columns={"phone": numbers},
            constants={"workspace_id": workspace.pk, "sender_id": sender.pk, "last_message_at": now, "created_at": now},
            conflict="ON CONFLICT (workspace_id, phone) DO UPDATE SET last_message_at = EXCLUDED.last_message_at",
            returning=("id", "phone"),
        )
    )
    columns = {key: [row[key] for row in rows] for key in rows[0]} if rows else {}
    columns["conversation_id"] = [conversation_ids.get(row["to_phone"]) for row in rows[: len(numbers)]] + [None] * (
        len(rows) - len(numbers)
    )
    constants = {
        "workspace_id": workspace.pk,
        "direction": common["direction"],
        "from_phone": common["from_phone"],
        "created_by_id": getattr(common["created_by"], "pk", None),
        "bulk_send_id": getattr(common["bulk_send"], "pk", None),
        "observes_quiet_hours": True,
        "created_at": now,
        "updated_at": now,
    }
    for row, conversation_id in zip(rows, columns["conversation_id"], strict=True):
        row["conversation_id"] = conversation_id
    return [pk for (pk,) in bulk_insert.insert_rows(Message, columns=columns, constants=constants)]


def set_sender_rate(*, workspace: Workspace, sender: SenderNumber, rate_per_second: int) -> SenderNumber:
    """Hold ``sender`` to this many texts per second across all workers (messaging/rate.py)."""
    if sender.workspace_id != workspace.id:
        raise ValidationError("That sender number belongs to another workspace.")
    if not 1 <= rate_per_second <= 10_000:
        raise ValidationError({"rate_per_second": "Choose between 1 and 10,000 texts per second."})
    with transaction.atomic():
        sender.rate_per_second = rate_per_second
        sender.save(update_fields=["rate_per_second"])
    return sender


def cancel_pending_to(*, workspace: Workspace, phones: list[str]) -> int:
    """Cancel the queued and scheduled texts to ``phones``, in one update; returns how many.

    Registered with ``optouts.services.on_opt_out`` (messaging/apps.py), so it
    runs inside every opt-out's transaction. Texts the guard lets through on
    purpose (the opt-out confirmation, the HELP reply) are left to go.
    """
    if not phones:
        return 0
    pending = Message.objects.filter(
        workspace=workspace,
        direction=Message.Direction.OUTBOUND,
        to_phone__any=frozenset(phones),
        status__in=[Status.QUEUED, Status.SCHEDULED],
    ).exclude(pk__in=hooks.guard_exemption.held_message_ids(workspace=workspace))
    return pending.update(status=Status.CANCELLED, updated_at=timezone.now())


def deliver(message_id: int) -> None:
    """Hand one queued text to the provider, at most once: claim, lock, check, call, record (delivery.py)."""
    delivery.deliver(message_id)


def dispatch_due(*, limit: int = 500) -> int:
    """Release scheduled texts whose time has come; returns how many were queued."""
    released = 0
    while True:
        with transaction.atomic():
            due = Message.objects.filter(status=Status.SCHEDULED, scheduled_for__lte=timezone.now())
            if connection.vendor == "postgresql":
                due = due.select_for_update(skip_locked=True)
            ids = list(due.order_by("scheduled_for", "id").values_list("pk", flat=True)[:limit])
            Message.objects.filter(pk__in=ids, status=Status.SCHEDULED).update(
                status=Status.QUEUED, updated_at=timezone.now()
            )
            _enqueue(ids)
        released += len(ids)
        if len(ids) < limit:
            return released


def recover_stuck(*, now: datetime | None = None) -> dict[str, int]:
    """Fail texts interrupted mid-call as unconfirmed and queue again texts whose task was lost."""
    return delivery.recover(now=now)


def inbound_sender(to: str) -> SenderNumber | None:
    """The number (with its workspace) an inbound text was sent to; None when no workspace has it."""
    to = clean_text(to).strip()
    to_phone, _ = phones.parse(to, "")
    return SenderNumber.objects.select_related("workspace").filter(phone=to_phone or to).first()


# contact_id: a new conversation is linked to the number's contact; an existing one keeps its own.
_TOUCH_CONVERSATION_SQL = """
    INSERT INTO conversations_conversation (workspace_id, phone, sender_id, contact_id, last_message_at, created_at)
    VALUES (%s, %s, %s, (SELECT id FROM contacts_contact WHERE workspace_id = %s AND phone = %s ORDER BY id LIMIT 1),
            %s, %s)
    ON CONFLICT (workspace_id, phone) DO UPDATE SET
        last_message_at = EXCLUDED.last_message_at,
        contact_id = COALESCE(conversations_conversation.contact_id, EXCLUDED.contact_id)
    RETURNING id
"""


class _Duplicate(Exception):
    """The MessageSid is stored already: roll the whole transaction back and return that message."""


def receive_message(
    *,
    to: str,
    from_: str,
    body: str,
    provider_sid: str,
    opt_out_type: str = "",
    sender: SenderNumber | None = None,
) -> Message | None:
    """Store an inbound text and act on its keyword. ``None`` when ``to`` is not ours.

    A text to a number no workspace has is kept as an ``UnroutedMessage``. A
    repeated ``provider_sid`` returns the stored message and changes nothing.
    ``opt_out_type`` is the provider's own verdict (Twilio's ``OptOutType``),
    taken only from signed requests. Control characters are dropped first.
    ``sender`` is ``inbound_sender(to)`` when the caller looked it up already.
    """
    to, from_, body = clean_text(to).strip(), clean_text(from_).strip(), clean_text(body)
    provider_sid = clean_text(provider_sid).strip()
    sender = sender or inbound_sender(to)
    if sender is None:
        to_phone, _ = phones.parse(to, "")
        _keep_unrouted(to=to_phone or to, from_=from_, body=body, provider_sid=provider_sid)
        return None
    workspace = sender.workspace
    from_phone = phones.parse(from_, workspace.default_region)[0] or from_[:20]
    try:
        with transaction.atomic():
            now = timezone.now()
            conversation_id = _touch_conversation(workspace=workspace, phone=from_phone, sender=sender, at=now)
            try:
                # No savepoint: a repeated MessageSid (a replay, or Twilio's retry) undoes the whole transaction.
                message = Message.objects.create(
                    workspace=workspace,
                    conversation_id=conversation_id,
                    direction=Message.Direction.INBOUND,
                    from_phone=from_phone,
                    to_phone=sender.phone,
                    body=body,
                    status=Status.RECEIVED,
                    provider_sid=provider_sid or None,
                )
            except IntegrityError as error:
                raise _Duplicate from error
            # Keywords live in compliance (above us): it registered this handler (messaging/hooks.py).
            hooks.inbound_handler()(message, opt_out_type=opt_out_type)
    except _Duplicate:
        return Message.objects.filter(provider_sid=provider_sid).first()
    return message


def _touch_conversation(*, workspace: Workspace, phone: str, sender: SenderNumber, at: datetime) -> int:
    """The conversation with ``phone``, created if new, linked to its contact, its last message ``at``: one upsert.

    Issue #15: this was a find, a create, a find again, a contact look-up and an
    update (five round trips on every inbound text).
    """
    with connection.cursor() as cursor:
        cursor.execute(_TOUCH_CONVERSATION_SQL, [workspace.id, phone, sender.id, workspace.id, phone, at, at])
        return cursor.fetchone()[0]


def _keep_unrouted(*, to: str, from_: str, body: str, provider_sid: str) -> None:
    log.warning("Inbound text to unknown number %s kept as an unrouted message", to)
    values = {"to_phone": to[:20], "from_phone": from_[:20], "body": body}
    if not provider_sid:
        UnroutedMessage.objects.create(**values)
        return
    try:
        with transaction.atomic():
            UnroutedMessage.objects.get_or_create(provider_sid=provider_sid, defaults=values)
    except IntegrityError:
        pass  # The same MessageSid stored by a concurrent request.
