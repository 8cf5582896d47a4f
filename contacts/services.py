from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from emuchat import phones
from optouts import services as optout_services
from optouts.models import Consent, Method, OptOut
from workspaces.models import Workspace

from . import consent_import
from .models import Contact


def _clean_phone(workspace: Workspace, phone: str) -> str:
    if not (phone or "").strip():
        return ""
    try:
        return phones.normalize(phone, workspace.default_region)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None


def create_contact(*, workspace: Workspace, name: str, phone: str = "", email: str = "") -> Contact:
    with transaction.atomic():
        return Contact.objects.create(
            workspace=workspace, name=name.strip(), phone=_clean_phone(workspace, phone), email=email.strip()
        )


def update_contact(*, contact: Contact, name: str, phone: str = "", email: str = "") -> Contact:
    contact.name = name.strip()
    contact.phone = _clean_phone(contact.workspace, phone)
    contact.email = email.strip()
    contact.save(update_fields=["name", "phone", "email", "updated_at"])
    return contact


def import_batch(*, workspace: Workspace, rows: list[tuple[str, str, str]]) -> tuple[int, int]:
    """Create contacts from ``(e164, name, email)`` rows; returns ``(added, already present)``.

    A number that already belongs to a contact of the workspace is left alone:
    an import adds people, it never edits the ones you have.
    """
    first: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        first.setdefault(row[0], row)
    unique = list(first.values())
    if not unique:
        return 0, 0
    numbers = [phone for phone, _, _ in unique]
    with transaction.atomic():
        present = set(Contact.objects.filter(workspace=workspace, phone__in=numbers).values_list("phone", flat=True))
        new = [
            Contact(workspace=workspace, phone=phone, name=name.strip()[:200], email=email.strip())
            for phone, name, email in unique
            if phone not in present
        ]
        Contact.objects.bulk_create(new)
    return len(new), len(unique) - len(new)


def record_import_consents(
    *, workspace: Workspace, import_id: int, file_name: str, column: str, rows: list[tuple[str, int, str]], actor=None
) -> int:
    """Consent records for the ``(e164, row number, cell)`` rows whose consent cell says yes; returns how many."""
    consents = [
        (
            phone,
            f"Marked “{value.strip()}” in the “{column}” column of {file_name}, row {number}.",
            {"import_id": import_id, "file": file_name, "row": number, "column": column, "value": value.strip()},
        )
        for phone, number, value in rows
        if consent_import.is_yes(value)
    ]
    if not consents:
        return 0
    return optout_services.record_consents(
        workspace=workspace, method=Consent.Method.IMPORT, consents=consents, actor=actor
    )


def opt_out_contact(*, workspace: Workspace, contact: Contact, actor=None) -> OptOut:
    """The contact's Actions → Opt out: opts out its *number* (every contact sharing it)."""
    if contact.workspace_id != workspace.id:
        raise ValidationError("This contact belongs to another workspace.")
    if not contact.phone:
        raise ValidationError(f"{contact} has no phone number, so there is nothing to opt out.")
    return optout_services.opt_out(
        workspace=workspace,
        phone=contact.phone,
        method=Method.MANUAL,
        reason=f"Opted out from the contact {contact}",
        actor=actor,
    )


def opt_in_contact(*, workspace: Workspace, contact: Contact, actor=None, reason: str = "") -> bool:
    """The contact's Actions → Opt in: its number may be texted again. Returns whether it was opted out."""
    if contact.workspace_id != workspace.id:
        raise ValidationError("This contact belongs to another workspace.")
    if not contact.phone:
        raise ValidationError(f"{contact} has no phone number.")
    return optout_services.opt_in(
        workspace=workspace, phone=contact.phone, actor=actor, **({"reason": reason} if reason else {})
    )
