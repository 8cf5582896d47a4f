"""Every write to the opt-out list, each with its OptOutEvent in the same transaction."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from emuchat import phones
from workspaces.models import Workspace

from .locks import lock_numbers
from .models import Consent, EvidenceDownload, Method, OptOut, OptOutEvent

Action = OptOutEvent.Action
_LOOKUP_CHUNK = 100_000
_AMONG_SQL = (
    "SELECT o.phone FROM optouts_optout o JOIN unnest(%s::text[]) AS wanted(phone) ON o.phone = wanted.phone "
    "WHERE o.workspace_id = %s"
)
_IS_OPTED_OUT_SQL = f"SELECT 1 FROM {OptOut._meta.db_table} WHERE workspace_id = %s AND phone = %s LIMIT 1"  # noqa: S608
_E164 = re.compile(r"^\+[1-9]\d{5,14}$")
PROVIDER_REASON = "The provider reported that this number replied STOP (Twilio error {code})."

# --- the hook apps above this one register with -------------------------------------
#
# Opt-outs are below messaging in the layers, yet every opt-out must cancel the
# texts still waiting to go to the number, in the same transaction (SPEC §6).
# messaging registers a listener in its AppConfig.ready(); each opt-out write
# calls every listener inside its transaction, after taking the number's lock.
OptOutListener = Callable[..., int]
_opt_out_listeners: list[OptOutListener] = []


def on_opt_out(listener: OptOutListener) -> None:
    """Call ``listener(workspace=..., phones=[e164, ...]) -> int`` inside every opt-out's transaction.

    It returns how many texts it cancelled; the total is on the returned
    ``OptOut.cancelled_texts`` (and in an import's summary).
    """
    if listener not in _opt_out_listeners:
        _opt_out_listeners.append(listener)


def _opted_out(workspace: Workspace, phones: list[str]) -> int:
    return sum(listener(workspace=workspace, phones=phones) for listener in _opt_out_listeners)


def _record(workspace: Workspace, phone: str, action: str, method: str, actor=None, **details) -> OptOutEvent:
    return OptOutEvent.objects.create(
        workspace=workspace, phone=phone, action=action, method=method, actor=actor, details=details
    )


class AlreadyOptedOut(ValidationError):
    """The number is on the list already: an add that must not repeat, or an edit onto a listed number.

    A ValidationError on ``phone`` (code ``already_opted_out``), so forms show
    it on the field; callers that treat it as an answer catch it by type.
    """

    CODE = "already_opted_out"

    @classmethod
    def for_number(cls, e164: str) -> AlreadyOptedOut:
        message = f"{phones.format_international(e164)} is already opted out."
        return cls({"phone": ValidationError(message, code=cls.CODE)})


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
    event_details: dict | None = None,
) -> OptOut:
    """Put ``phone`` on the workspace's list; a number already there keeps its entry.

    ``reject_existing`` turns "already opted out" into a ValidationError on
    ``phone`` (code ``already_opted_out``), for the Add Opt-Out form and the
    API. ``event_details`` are added to the event, e.g. the API token used.
    The texts still queued or scheduled to the number are cancelled in the same
    transaction; how many is on the returned entry's ``cancelled_texts``.
    """
    _check_method(workspace=workspace, method=method, actor=actor, source_message=source_message)
    details = dict(event_details or {})
    if source_message is not None:
        details |= {"message_id": source_message.id, "message": source_message.body}
    return _write_opt_out(
        workspace=workspace,
        phone=phone,
        method=method,
        reason=reason,
        actor=actor,
        source_message=source_message,
        reject_existing=reject_existing,
        details=details,
    )


def record_provider_opt_out(
    *, workspace: Workspace, phone: str, error_code: int = 21610, message_id: int | None = None
) -> OptOut:
    """The provider refused a send because the recipient replied STOP to *it* (Twilio 21610).

    The one Reply entry with no source message (SPEC §4, §6): the STOP reached
    the provider, not us, so there is no inbound text to point at.
    """
    return _write_opt_out(
        workspace=workspace,
        phone=phone,
        method=Method.REPLY,
        reason=PROVIDER_REASON.format(code=error_code),
        actor=None,
        source_message=None,
        reject_existing=False,
        details={"provider_error": error_code, "outbound_message_id": message_id},
    )


def _write_opt_out(
    *,
    workspace: Workspace,
    phone: str,
    method: str,
    reason: str,
    actor,
    source_message,
    reject_existing: bool,
    details: dict,
) -> OptOut:
    e164 = phones.normalize(phone, workspace.default_region)
    details = {"reason": reason, **details}
    # Savepoints only where an error is caught and the caller's transaction goes on (issue #15: the
    # inbound STOP paid four statements for them). On PostgreSQL the number's lock rules out the race.
    racy = connection.vendor != "postgresql"
    with transaction.atomic(savepoint=reject_existing or racy):
        lock_numbers(workspace.id, [e164])
        caused_by = _text_answered(workspace, e164) if method == Method.REPLY else None
        if method == Method.REPLY:
            details["caused_by"] = caused_by and {
                "message_id": caused_by.pk,
                "body": caused_by.body[:300],
                "sent_at": (caused_by.sent_at or caused_by.created_at).isoformat(),
                "bulk_send_id": caused_by.bulk_send_id,
            }
        existing = OptOut.objects.filter(workspace=workspace, phone=e164).first()
        if existing is None:
            try:
                with transaction.atomic(savepoint=racy):
                    optout = OptOut.objects.create(
                        workspace=workspace,
                        phone=e164,
                        method=method,
                        reason=reason,
                        created_by=actor,
                        source_message=source_message,
                        caused_by=caused_by,
                    )
            except IntegrityError:
                # A concurrent writer without the lock (SQLite) won the race.
                existing = OptOut.objects.get(workspace=workspace, phone=e164)
            else:
                optout.cancelled_texts = _opted_out(workspace, [e164])
                _record(workspace, e164, Action.OPTED_OUT, method, actor, **details, **_cancelled(optout))
                return optout
        if reject_existing:
            raise AlreadyOptedOut.for_number(e164)
        details |= {"already_opted_out": True, "existing_method": existing.method}
        existing.cancelled_texts = _opted_out(workspace, [e164])
        _record(workspace, e164, Action.OPTED_OUT, method, actor, **details, **_cancelled(existing))
        return existing


ATTRIBUTION_WINDOW = timedelta(days=7)
# Texts that reached (or may have reached) the recipient; queued, blocked or cancelled ones did not.
_REACHED = Q(status__in=["sending", "sent", "delivered"]) | Q(status="failed", failure_reason="unconfirmed")


def _text_answered(workspace: Workspace, phone: str):
    """The outbound text a STOP answers (SPEC §13): the latest to ``phone`` in the previous 7 days, or None.

    Messages live above this app; the model is reached through the field, never imported.
    """
    message_model = OptOut._meta.get_field("caused_by").related_model
    now = timezone.now()
    return (
        message_model.objects.filter(_REACHED, workspace=workspace, direction="outbound", to_phone=phone)
        .annotate(went_at=Coalesce("sent_at", "created_at"))
        .filter(went_at__gte=now - ATTRIBUTION_WINDOW, went_at__lte=now)
        .order_by("-went_at", "-id")
        .first()
    )


def _cancelled(optout: OptOut) -> dict:
    # On the event only when there were some, so the history (and the API) can say so.
    return {"cancelled_texts": optout.cancelled_texts} if optout.cancelled_texts else {}


def add_opt_out(
    *, workspace: Workspace, phone: str, reason: str = "", actor=None, event_details: dict | None = None
) -> OptOut:
    """The Add Opt-Out form and the API: a manual entry that refuses a number already on the list."""
    return opt_out(
        workspace=workspace,
        phone=phone,
        method=Method.MANUAL,
        reason=reason,
        actor=actor,
        reject_existing=True,
        event_details=event_details,
    )


def opt_in(*, workspace: Workspace, phone: str, actor=None, method: str = Method.MANUAL, **details) -> bool:
    """Take ``phone`` off the list. Returns whether it was on it.

    ``details`` go on the event: the member's ``reason``, the inbound ``message_id``…
    """
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
            raise AlreadyOptedOut.for_number(new_phone)
        optout.phone, optout.reason = new_phone, reason
        optout.save(update_fields=["phone", "reason", "updated_at"])
        changes = {"old_phone": old_phone, "new_phone": new_phone, "old_reason": old_reason, "new_reason": reason}
        _record(workspace, new_phone, Action.EDITED, optout.method, actor, **changes)
        if new_phone != old_phone:
            # The old number's history should say where its entry went.
            _record(workspace, old_phone, Action.EDITED, optout.method, actor, **changes)
            # The new number is opted out now: what waits to go to it is cancelled like any opt-out.
            optout.cancelled_texts = _opted_out(workspace, [new_phone])
    return optout


def remove_opt_out(*, workspace: Workspace, optout: OptOut, actor=None, event_details: dict | None = None) -> None:
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
            **(event_details or {}),
        )


def _e164(workspace: Workspace, phone: str) -> str:
    return phone if _E164.match(phone) else phones.normalize(phone, workspace.default_region)


def is_opted_out(*, workspace: Workspace, phone: str) -> bool:
    # The guard's hot path runs for every text; building an ORM query costs
    # more than the indexed lookup itself, so this one is hand-written.
    with connection.cursor() as cursor:
        cursor.execute(_IS_OPTED_OUT_SQL, [workspace.id, _e164(workspace, phone)])
        return cursor.fetchone() is not None


def opted_out_among(*, workspace: Workspace, phones: Iterable[str]) -> set[str]:
    """The subset of ``phones`` on the list, in one query per 100,000 numbers.

    On PostgreSQL a join with the unnested array, written by hand (issue #15):
    the planner hashes whichever side is smaller, where ``phone = ANY(…)``
    always probes the index once per number — 2.9× slower for a 10k-row list.
    """
    wanted = list(dict.fromkeys(_e164(workspace, phone) for phone in phones))
    found: set[str] = set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for start in range(0, len(wanted), _LOOKUP_CHUNK):
                cursor.execute(_AMONG_SQL, [wanted[start : start + _LOOKUP_CHUNK], workspace.id])
                found.update(phone for (phone,) in cursor.fetchall())
        return found
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        # A frozenset, not a list: Django would resolve a list value by value.
        matches = OptOut.objects.filter(workspace=workspace, phone__any=frozenset(chunk))
        found.update(matches.values_list("phone", flat=True))
    return found


def import_batch(
    *, workspace: Workspace, phones: list[str], reason: str = "", actor=None, import_job=None
) -> tuple[int, int]:
    """Add E.164 ``phones`` from an import; returns ``(added, already opted out)``.

    Texts still queued or scheduled to any of them are cancelled in the same
    transaction, in one set-based update per listener; how many is added to
    ``import_job.cancelled_texts`` when there is a job.

    Takes the per-number locks like every other writer, so the pre-send
    guard's invariant holds for imported numbers too, and records one event
    per number actually added. A number already on the list keeps its entry
    and gets no event: an import is bulk, and the summary counts it instead.
    A number that ``import_job`` itself added earlier (a repeat further down
    the file) is in neither count: the caller counts it as a duplicate.
    """
    numbers = list(dict.fromkeys(phones))
    bad = next((n for n in numbers if not _E164.match(n)), None)
    if bad is not None:
        raise ValidationError(f"“{bad}” is not an E.164 number; imports pass numbers through emuchat.phones first.")
    if not numbers:
        return 0, 0
    details = {"import_id": import_job.id if import_job is not None else None, "reason": reason}
    with transaction.atomic():
        lock_numbers(workspace.id, numbers)
        if connection.vendor == "postgresql":
            added = _insert_imported_pg(workspace, numbers, reason, actor, details, import_job)
        else:
            added = _insert_imported_orm(workspace, numbers, reason, actor, details, import_job)
        cancelled = _opted_out(workspace, numbers)
        if cancelled and import_job is not None:
            _count_cancelled(import_job, cancelled)
        on_list = set(numbers).difference(added)
        if on_list and import_job is not None:
            # This import's own event marks the numbers it added itself, in one indexed query.
            on_list -= set(
                OptOutEvent.objects.filter(
                    workspace=workspace, phone__in=on_list, action=Action.OPTED_OUT, details__import_id=import_job.id
                ).values_list("phone", flat=True)
            )
    return len(added), len(on_list)


def _count_cancelled(import_job, cancelled: int) -> None:
    # In the batch's transaction: a batch that rolls back takes its count with it.
    type(import_job).objects.filter(pk=import_job.pk).update(cancelled_texts=F("cancelled_texts") + cancelled)


# Table names come from the models; every value is a parameter.
_IMPORT_OPTOUTS_SQL = f"""
    INSERT INTO {OptOut._meta.db_table}
        (workspace_id, phone, method, reason, created_at, updated_at, created_by_id, source_message_id, import_job_id)
    SELECT %s, number, %s, %s, %s, %s, %s, NULL, %s FROM unnest(%s::text[]) AS number
    ON CONFLICT (workspace_id, phone) DO NOTHING
    RETURNING phone"""  # noqa: S608
_IMPORT_EVENTS_SQL = f"""
    INSERT INTO {OptOutEvent._meta.db_table} (workspace_id, phone, action, method, actor_id, at, details)
    SELECT %s, number, %s, %s, %s, %s, %s::jsonb FROM unnest(%s::text[]) AS number"""  # noqa: S608


def _insert_imported_pg(
    workspace: Workspace, numbers: list[str], reason: str, actor, details: dict, import_job=None
) -> list[str]:
    # One statement per table instead of model instances: an import of a
    # million rows spends its time reading numbers, not building objects.
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            _IMPORT_OPTOUTS_SQL,
            [workspace.id, Method.IMPORT, reason, now, now, actor_id, getattr(import_job, "id", None), numbers],
        )
        added = [row[0] for row in cursor.fetchall()]
        if added:
            cursor.execute(
                _IMPORT_EVENTS_SQL,
                [workspace.id, Action.OPTED_OUT, Method.IMPORT, actor_id, now, json.dumps(details), added],
            )
    return added


def _insert_imported_orm(
    workspace: Workspace, numbers: list[str], reason: str, actor, details: dict, import_job=None
) -> list[str]:
    existing = set(OptOut.objects.filter(workspace=workspace, phone__in=numbers).values_list("phone", flat=True))
    added = [n for n in numbers if n not in existing]
    # No ignore_conflicts: a number another writer added meanwhile fails the batch (the job
    # retries it) instead of getting an event and an "added" count for an entry it did not write.
    OptOut.objects.bulk_create(
        [
            OptOut(
                workspace=workspace,
                phone=n,
                method=Method.IMPORT,
                reason=reason,
                created_by=actor,
                import_job=import_job,
            )
            for n in added
        ]
    )
    OptOutEvent.objects.bulk_create(
        [
            OptOutEvent(
                workspace=workspace,
                phone=n,
                action=Action.OPTED_OUT,
                method=Method.IMPORT,
                actor=actor,
                details=details,
            )
            for n in added
        ]
    )
    return added


# --- consent (SPEC §13) -----------------------------------------------------------------

MAX_CONSENT_TEXT = 2000


def record_consent(
    *, workspace: Workspace, phone: str, method: str, text: str, source: dict | None = None, actor=None
) -> Consent:
    """Record that ``phone`` agreed to be texted, with its proof. Append-only: there is no edit or delete.

    ``text`` is the wording the person agreed to (or their own message);
    ``source`` the proof (message ids, import id, token id, IP and user agent).
    A consent does not take the number off the opt-out list: an opt-out is
    the later, stronger word, and only an opt-in removes it.
    """
    if method not in Consent.Method.values:
        raise ValidationError({"method": f"“{method}” is not a consent method."})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Say what the person agreed to, or why you are recording it."})
    if len(text) > MAX_CONSENT_TEXT:
        raise ValidationError({"text": f"Keep the consent text under {MAX_CONSENT_TEXT:,} characters."})
    if method == Consent.Method.MANUAL and actor is None:
        raise ValidationError("A consent recorded by hand needs the member who recorded it.")
    e164 = phones.normalize(phone, workspace.default_region)
    return Consent.objects.create(
        workspace=workspace, phone=e164, method=method, text=text, source=dict(source or {}), created_by=actor
    )


def record_consents(*, workspace: Workspace, method: str, consents: list[tuple[str, str, dict]], actor=None) -> int:
    """Many ``(e164, text, source)`` consents at once (an import batch), in one insert. Returns how many."""
    if method not in Consent.Method.values:
        raise ValidationError({"method": f"“{method}” is not a consent method."})
    bad = next((phone for phone, _, _ in consents if not _E164.match(phone)), None)
    if bad is not None:
        raise ValidationError(f"“{bad}” is not an E.164 number.")
    rows = [
        Consent(workspace=workspace, phone=phone, method=method, text=text, source=source, created_by=actor)
        for phone, text, source in consents
    ]
    return len(Consent.objects.bulk_create(rows, batch_size=1000))


def record_evidence_download(*, workspace: Workspace, phone: str, actor) -> EvidenceDownload:
    """The evidence pack was downloaded: who and when, on the number's history."""
    return EvidenceDownload.objects.create(workspace=workspace, phone=phone, downloaded_by=actor)
