"""Bulk-send recipients as a set: all contacts, a search, pasted numbers or a CSV (issue 12).

The page never lists one form field per contact: it names a group, and the
numbers are read here in set-based queries, so 100,000 recipients cost the same
form as ten. ``summarise`` counts, before anything is sent, what ``send_bulk``
will do with them (it applies the same parsing, dedupe and opt-out lookup).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.files.base import File
from django.core.files.storage import default_storage

from contacts import selectors as contact_selectors
from contacts.models import Contact
from emuchat import phones
from emuchat.text import clean_text
from optouts import services as optout_services
from workspaces.models import Workspace

UPLOAD_DIR = "bulk-recipients"
PHONE_HEADERS = ("phone", "number", "mobile", "phone number", "to")
_SEPARATORS = re.compile(r"[\n\r,;\t]+")


@dataclass(frozen=True)
class Summary:
    total: int  # entries given (rows, lines, contacts)
    recipients: int  # distinct valid numbers: one text each
    blocked: int  # of those, on the opt-out list: recorded as failed, never sent
    invalid: int  # entries that are not a phone number
    duplicates: int

    @property
    def will_send(self) -> int:
        return self.recipients - self.blocked


def upload_pattern(workspace: Workspace) -> str:
    """A kept CSV belongs to one workspace: another workspace's name never matches."""
    return rf"{UPLOAD_DIR}/{workspace.pk}/[0-9a-f]{{32}}\.csv"


def keep_upload(*, workspace: Workspace, file: File) -> str:
    """Store an uploaded CSV until the send is confirmed; returns its storage name."""
    return default_storage.save(f"{UPLOAD_DIR}/{workspace.pk}/{uuid.uuid4().hex}.csv", file)


def discard_upload(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def _csv_numbers(name: str) -> Iterator[str]:
    with default_storage.open(name, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        rows = csv.reader(clean_text(line) for line in text)
        header = next(rows, None)
        if header is None:
            return
        lowered = [cell.strip().lower() for cell in header]
        column = next((lowered.index(h) for h in PHONE_HEADERS if h in lowered), None)
        if column is None:
            column = 0
            if header and header[0].strip():
                yield header[0]  # No header row: the first line is a number too.
        for row in rows:
            if len(row) > column and row[column].strip():
                yield row[column]


def split_numbers(text: str) -> list[str]:
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


def resolve(
    *,
    workspace: Workspace,
    audience: str,
    contacts: Iterable[Contact] = (),
    search: str = "",
    numbers: str = "",
    upload: str = "",
) -> list[str]:
    """The raw numbers of the chosen group, in order (parsing and dedupe are ``send_bulk``'s)."""
    with_phone = Contact.objects.filter(workspace=workspace).exclude(phone="")
    if audience == "selected":
        return [contact.phone for contact in contacts]
    if audience == "all":
        return list(with_phone.order_by("id").values_list("phone", flat=True))
    if audience == "search":
        matching = contact_selectors.contacts_for(workspace, search).exclude(phone="")
        return list(matching.values_list("phone", flat=True))
    if audience == "numbers":
        return split_numbers(numbers)
    if audience == "csv" and upload:
        return list(_csv_numbers(upload))
    return []


def summarise(*, workspace: Workspace, numbers: list[str]) -> Summary:
    valid: list[str] = []
    invalid = 0
    for raw in numbers:
        e164, _ = phones.parse(raw, workspace.default_region)
        if e164 is None:
            invalid += 1
        else:
            valid.append(e164)
    distinct = list(dict.fromkeys(valid))
    blocked = optout_services.opted_out_among(workspace=workspace, phones=distinct)
    return Summary(
        total=len(numbers),
        recipients=len(distinct),
        blocked=len(blocked),
        invalid=invalid,
        duplicates=len(valid) - len(distinct),
    )
