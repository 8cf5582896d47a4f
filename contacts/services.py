from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from emuchat import phones
from workspaces.models import Workspace

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
