"""Every write to the opt-out list, each with its OptOutEvent in the same transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from emuchat import phones
from workspaces.models import Workspace

from .locks import lock_numbers
from .models import Method, OptOut, OptOutEvent

Action = OptOutEvent.Action
_LOOKUP_CHUNK = 5000
_E164 = re.compile(r"^\+[1-9]\d{5,14}$")


def _record(workspace: Workspace, phone: str, action: str, method: str, actor=None, **details) -> OptOutEvent:
    return OptOutEvent.objects.create(
        workspace=workspace, phone=phone, action=action, method=method, actor=actor, details=details
    )


def _check_method(*, workspace: Workspace, method: str, actor, source_message) -> None:
    if method not in Method.values:
        raise ValidationError(f"“{method}” is not an opt-out method.")
    if method != Method.REPLY:
        return
    # Only the keyword path may write a Reply entry: it needs the inbound text itself.
    if (
        source_message is None
        or actor is not None
        or source_message.workspace_id != workspace.id
        or source_message.direction != "inbound"
    ):
        raise ValidationError("A Reply opt-out is only created by a recipient's keyword reply.")


def opt_out(
    *,
    workspace: Workspace,
    phone: str,
    method: str,
    reason: str = "",
    actor=None,
    source_message=None,
    reject_existing: bool = False,
) -> OptOut:
    """Put ``phone`` on the workspace's list; a number already there keeps its entry.

    ``reject_existing`` turns "already opted out" into a ValidationError on
    ``phone``, for the Add Opt-Out form and the API.
    """
    _check_method(workspace=workspace, method=method, actor=actor, source_message=source_message)
    e164 = phones.normalize(phone, workspace.default_region)
    with transaction.atomic():
        lock_numbers(workspace.id, [e164])
        existing = OptOut.objects.filter(workspace=workspace, phone=e164).first()
        if existing is None:
            try:
                with transaction.atomic():
                    optout = OptOut.objects.create(
                        workspace=workspace,
                        phone=e164,
                        method=method,
                        reason=reason,
                        created_by=actor,
                        source_message=source_message,
                    )
            except IntegrityError:
                # A concurrent writer without the lock (SQLite) won the race.
                existing = OptOut.objects.get(workspace=workspace, phone=e164)
            else:
                details = {"reason": reason}
                if source_message is not None:
                    details |= {"message_id": source_message.id, "message": source_message.body}
                _record(workspace, e164, Action.OPTED_OUT, method, actor, **details)
                return optout
        if reject_existing:
            raise ValidationError({"phone": f"{phones.format_international(e164)} is already opted out."})
        details = {"already_opted_out": True, "reason": reason, "existing_method": existing.method}
        if source_message is not None:
            details |= {"message_id": source_message.id, "message": source_message.body}
        _record(workspace, e164, Action.OPTED_OUT, method, actor, **details)
        return existing


def add_opt_out(*, workspace: Workspace, phone: str, reason: str = "", actor=None) -> OptOut:
    """The Add Opt-Out form: a manual entry that refuses a number already on the list."""
    return opt_out(
        workspace=workspace, phone=phone, method=Method.MANUAL, reason=reason, actor=actor, reject_existing=True
    )


def opt_in(*, workspace: Workspace, phone: str, actor=None, method: str = Method.MANUAL, **details) -> bool:
    """Take ``phone`` off the list. Returns whether it was on it."""
    if method not in Method.values:
        raise ValidationError(f"“{method}” is not an opt-out method.")
    e164 = phones.normalize(phone, workspace.default_region)
    with transaction.atomic():
        lock_numbers(workspace.id, [e164])
        deleted, _ = OptOut.objects.filter(workspace=workspace, phone=e164).delete()
        _record(workspace, e164, Action.OPTED_IN, method, actor, was_opted_out=bool(deleted), **details)
    return bool(deleted)


def edit_opt_out(*, workspace: Workspace, optout: OptOut, phone: str, reason: str, actor=None) -> OptOut:
    """Change an entry's number or reason. Reply entries are the recipient's words: read-only."""
    if optout.workspace_id != workspace.id:
        raise ValidationError("This opt-out belongs to another workspace.")
    if optout.method == Method.REPLY:
        raise ValidationError("A Reply opt-out keeps the recipient's own number and words; it can't be edited.")
    new_phone = phones.normalize(phone, workspace.default_region)
    old_phone, old_reason = optout.phone, optout.reason
    if (new_phone, reason) == (old_phone, old_reason):
        return optout
    with transaction.atomic():
        lock_numbers(workspace.id, [old_phone, new_phone])
        if new_phone != old_phone and OptOut.objects.filter(workspace=workspace, phone=new_phone).exists():
            raise ValidationError({"phone": f"{phones.format_international(new_phone)} is already opted out."})
        optout.phone, optout.reason = new_phone, reason
        optout.save(update_fields=["phone", "reason", "updated_at"])
        changes = {"old_phone": old_phone, "new_phone": new_phone, "old_reason": old_reason, "new_reason": reason}
        _record(workspace, new_phone, Action.EDITED, optout.method, actor, **changes)
        if new_phone != old_phone:
            # The old number's history should say where its entry went.
            _record(workspace, old_phone, Action.EDITED, optout.method, actor, **changes)
    return optout


def remove_opt_out(*, workspace: Workspace, optout: OptOut, actor=None) -> None:
    """The Opt-Outs page's Remove: the number can be texted again at once."""
    if optout.workspace_id != workspace.id:
        raise ValidationError("This opt-out belongs to another workspace.")
    with transaction.atomic():
        lock_numbers(workspace.id, [optout.phone])
        OptOut.objects.filter(pk=optout.pk).delete()
        _record(
            workspace,
            optout.phone,
            Action.REMOVED,
            optout.method,
            actor,
            reason=optout.reason,
            opted_out_at=optout.created_at.isoformat(),
        )


def _e164(workspace: Workspace, phone: str) -> str:
    return phone if _E164.match(phone) else phones.normalize(phone, workspace.default_region)


def is_opted_out(*, workspace: Workspace, phone: str) -> bool:
    return OptOut.objects.filter(workspace=workspace, phone=_e164(workspace, phone)).exists()


def opted_out_among(*, workspace: Workspace, phones: Iterable[str]) -> set[str]:
    """The subset of ``phones`` (E.164) on the list, in one query per 5,000 numbers."""
    wanted = list(dict.fromkeys(_e164(workspace, phone) for phone in phones))
    found: set[str] = set()
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        found.update(OptOut.objects.filter(workspace=workspace, phone__in=chunk).values_list("phone", flat=True))
    return found
