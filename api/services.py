"""Writes for the API: tokens, their last use, and sending a message at most once per key."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging import services as messaging_services
from messaging.models import Message
from workspaces.models import Workspace

from .models import ApiToken, IdempotencyKey

TOKEN_PREFIX = "emu_"
VISIBLE_CHARS = 12
# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    # The secret has 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(*, workspace: Workspace, name: str, actor=None) -> tuple[ApiToken, str]:
    """A new token and its secret. The secret is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the system that will use it."})
    if len(name) > 80:
        raise ValidationError({"name": "A token name can be at most 80 characters."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        workspace=workspace, name=name, prefix=raw[:VISIBLE_CHARS], key_hash=hash_token(raw), created_by=actor
    )
    return token, raw


def revoke_token(*, workspace: Workspace, token: ApiToken, actor=None) -> ApiToken:
    if token.workspace_id != workspace.id:
        raise ValidationError("This token belongs to another workspace.")
    # Compare-and-swap: revoking twice keeps the first revocation's time and member.
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now, revoked_by=actor)
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return token


def touch_token(token: ApiToken, *, now: datetime | None = None) -> None:
    """Record that ``token`` was used, at most one write per token a minute."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


class IdempotencyKeyReused(Exception):
    """The key was first used with a different request."""


@dataclass
class SendOutcome:
    status: int
    body: dict
    message_id: int | None
    replayed: bool


def send_message_once(
    *,
    workspace: Workspace,
    token: ApiToken | None,
    key: str,
    fingerprint: str,
    to: str,
    body: str,
    scheduled_for: datetime | None,
    actor=None,
    render: Callable[[Message], dict],
) -> SendOutcome:
    """``send_message`` guarded by an idempotency key: a repeat replays the first response.

    The key row is inserted first, inside the same transaction as the message.
    A concurrent request with the same key blocks on the unique index until
    this one commits (PostgreSQL) or the database lock is released (SQLite),
    then reads the finished row; if this transaction fails, the key is free
    again and nothing was sent.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    workspace=workspace, key=key, token=token, fingerprint=fingerprint
                )
        except IntegrityError:
            record = IdempotencyKey.objects.get(workspace=workspace, key=key)
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused(key) from None
            return SendOutcome(
                status=record.response_status, body=record.response_body, message_id=record.message_id, replayed=True
            )
        message = messaging_services.send_message(
            workspace=workspace, to=to, body=body, actor=actor, scheduled_for=scheduled_for
        )
        record.message = message
        record.response_status = 201
        record.response_body = render(message)
        record.save(update_fields=["message", "response_status", "response_body"])
    return SendOutcome(status=201, body=record.response_body, message_id=message.pk, replayed=False)


def prune_idempotency_keys(*, older_than: timedelta) -> int:
    """Forget keys past their retention; a retry after that is a new request."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
